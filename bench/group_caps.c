/* Which group cap suits this machine. The conv kernels run a batch in
 * groups of samples whose scratch is capped (groups.h; 256K floats by
 * default, chosen on a VM with 2 MB of L2 a core); the best cap depends
 * on the caches. Linked with a generated trainer (its main renamed, like
 * the sgemm floor), this times a training batch's forward and backward
 * pass under each cap given, the caps taking turns round after round in
 * this one process, so that a change in the machine's speed hits them
 * alike, and counts the rounds in which each beat the first cap: on a VM
 * whose speed drifts by 20% from minute to minute, separate runs cannot
 * resolve a 5% difference, turns within one process can.
 *
 *   build/bench/group_caps_NAME [ROUNDS [PASSES [CAP...]]]
 *
 * ROUNDS defaults to 24, PASSES (timed passes per cap per round, their
 * mean counting) to 3, the caps (floats) to 262144 131072 524288. The
 * batch is the spec's, on inputs of noise: the shapes, not the values,
 * decide the time. */
#include <stdio.h>
#include <stdlib.h>
#include "args.h"
#include "blas_core.h"
#include "conv.h"
#include "dae.h"
#include "noise_batch.h"
#include "progress.h"
#include "session.h"

extern const dae_model daec_model;

#define MAX_CAPS 16

static long parse_count(const char *arg, const char *what)
{
    return bench_count("group_caps", "[ROUNDS [PASSES [CAP...]]]", arg, what, 1L << 30);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Milliseconds per forward and backward pass under cap, the mean of
 * passes, after one untimed pass (the session is new each time, as the
 * workspace depends on the cap). */
static double time_cap(const dae_model *m, long cap, int passes)
{
    dae_train_config cfg = m->train;
    dae_session s;
    dae_error err;
    const int B = cfg.batch;

    dae_conv_set_group_cap((size_t)cap);
    if (dae_session_init(&s, m, &cfg, B, &err) != 0) {
        fprintf(stderr, "group_caps: %s\n", err.msg);
        exit(1);
    }
    dae_session_init_weights(&s, cfg.seed);
    noise_batch(&s, B);
    dae_session_forward_backward(&s, s.xbuf, s.tbuf, B);
    double t0 = dae_seconds();
    for (int k = 0; k < passes; k++)
        dae_session_forward_backward(&s, s.xbuf, s.tbuf, B);
    double ms = (dae_seconds() - t0) / passes * 1e3;
    dae_session_free(&s);
    return ms;
}

int main(int argc, char **argv)
{
    static const long default_caps[] = {262144, 131072, 524288};
    const dae_model *m = &daec_model;
    long caps[MAX_CAPS];
    int n = 0;

    dae_blas_core_restart(argv); /* the trainer's kernels, not a fallback */
    int rounds = argc > 1 ? (int)parse_count(argv[1], "ROUNDS") : 24;
    int passes = argc > 2 ? (int)parse_count(argv[2], "PASSES") : 3;
    for (int i = 3; i < argc && n < MAX_CAPS; i++)
        caps[n++] = parse_count(argv[i], "CAP");
    if (argc > 3 + MAX_CAPS) {
        fprintf(stderr, "group_caps: at most %d caps\n", MAX_CAPS);
        return 2;
    }
    if (n == 0)
        for (; n < 3; n++)
            caps[n] = default_caps[n];

    double *ms = malloc((size_t)rounds * (size_t)n * sizeof *ms);
    double *col = malloc((size_t)rounds * sizeof *col);
    double *ratio = malloc((size_t)rounds * sizeof *ratio);
    if (!ms || !col || !ratio) {
        fputs("group_caps: out of memory\n", stderr);
        return 1;
    }
    printf("group caps of %s: batch %d, %d rounds of %d passes a cap, caps taking turns\n",
           m->name, m->train.batch, rounds, passes);
    for (int r = 0; r < rounds; r++)
        for (int c = 0; c < n; c++)
            ms[r * n + c] = time_cap(m, caps[c], passes);
    for (int c = 0; c < n; c++) {
        int wins = 0;
        for (int r = 0; r < rounds; r++) {
            col[r] = ms[r * n + c];
            ratio[r] = ms[r * n + c] / ms[r * n];
            wins += ratio[r] < 1.0;
        }
        double med_ratio = median(ratio, rounds), best = col[0];
        for (int r = 1; r < rounds; r++)
            best = col[r] < best ? col[r] : best;
        printf("  cap %8ld floats: forward+backward best %.2f ms, median %.2f ms", caps[c],
               best, median(col, rounds));
        if (c > 0)
            printf("; against cap %ld: median ratio %.3f, faster in %d of %d rounds",
                   caps[0], med_ratio, wins, rounds);
        printf("\n");
    }
    free(ms);
    free(col);
    free(ratio);
    return 0;
}
