/* The batch groups of the conv kernels (groups.c): sizes, the workspace
 * bound over smaller batches, every sample in exactly one group, the
 * strands of groups a weight gradient is summed in, and the ordered sum of
 * parts. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "groups.h"
#include "parallel.h"

static void check_make(size_t per, int B, int size, int count)
{
    char name[96];
    dae_groups g = dae_groups_make(per, B);

    snprintf(name, sizeof name, "groups_of_%d_samples_at_%zu_floats", B, per);
    check_report(g.size == size && g.count == count && g.B == (B > 0 ? B : 0),
                 name, "size %d count %d (expected %d, %d)", g.size, g.count,
                 size, count);
}

/* Every batch up to B fits what the workspace functions promise. */
static void check_bounds(size_t per, int B)
{
    char name[96];
    size_t scratch = dae_groups_scratch(per, B);
    int most = dae_groups_max_count(per, B), bad = 0;

    for (int b = 1; b <= B; b++) {
        dae_groups g = dae_groups_make(per, b);
        if ((size_t)g.size * per > scratch || g.count > most ||
            (g.count - 1) * g.size >= b || g.count * g.size < b)
            bad = b;
    }
    snprintf(name, sizeof name, "groups_bounds_up_to_%d_at_%zu_floats", B, per);
    check_report(bad == 0, name, "scratch %zu, groups %d; first bad batch %d",
                 scratch, most, bad);
}

/* Each group sees its own samples once, and its own scratch. */
typedef struct visit {
    int *seen;
    int *index_of;
    float *work;
    size_t per;
    int bad;
} visit;

static void mark(void *ctx, int index, int n0, int n, float *scratch)
{
    visit *v = ctx;
    for (int i = n0; i < n0 + n; i++) {
        __atomic_add_fetch(&v->seen[i], 1, __ATOMIC_RELAXED);
        v->index_of[i] = index;
    }
    /* the thread's scratch: inside work, and all of it writable */
    if (scratch < v->work)
        v->bad = 1;
    memset(scratch, 0, (size_t)n * v->per * sizeof *scratch);
}

static void check_run(size_t per, int B)
{
    char name[96];
    dae_groups g = dae_groups_make(per, B);
    visit v = {calloc((size_t)B, sizeof(int)), calloc((size_t)B, sizeof(int)),
               malloc((size_t)dae_parallel_threads() * dae_groups_scratch(per, B) *
                      sizeof(float)),
               per, 0};
    int ok = !v.bad;

    dae_groups_run(&g, per, v.work, mark, &v);
    for (int i = 0; i < B; i++)
        ok &= v.seen[i] == 1 && v.index_of[i] == i / g.size;
    snprintf(name, sizeof name, "groups_run_each_sample_once_B%d", B);
    check_report(ok && !v.bad, name, "%d groups of %d", g.count, g.size);
    free(v.seen);
    free(v.index_of);
    free(v.work);
}

/* Strands: consecutive runs of groups, at most DAE_GROUP_STRANDS, each
 * visited in order by one thread, its first group flagged. */
typedef struct strand_visit {
    const dae_groups *g;
    int last[DAE_GROUP_STRANDS];   /* the last group each strand saw */
    int thread[DAE_GROUP_STRANDS];
    int *seen;
    int bad;
} strand_visit;

static void strand_mark(void *ctx, int index, int n0, int n, float *scratch)
{
    strand_visit *v = ctx;
    int first, k = dae_groups_strand(v->g, index, &first);

    (void)n0, (void)n, (void)scratch;
    v->seen[index]++;
    if (first != (v->last[k] < 0) || (!first && v->last[k] != index - 1) ||
        (!first && v->thread[k] != dae_parallel_part()))
        v->bad = 1;
    v->last[k] = index;
    v->thread[k] = dae_parallel_part();
}

static void check_strands(size_t per, int B, int strands)
{
    char name[96];
    dae_groups g = dae_groups_make(per, B);
    strand_visit v = {&g, {0}, {0}, calloc((size_t)g.count + 1, sizeof(int)), 0};
    float *work = malloc((size_t)dae_parallel_threads() * sizeof(float));
    int ok;

    for (int k = 0; k < DAE_GROUP_STRANDS; k++)
        v.last[k] = -1;
    dae_groups_run_strands(&g, 1, work, strand_mark, &v);
    ok = !v.bad && dae_groups_strands(&g) == strands &&
         dae_groups_max_strands(per, B) >= strands;
    for (int i = 0; i < g.count; i++)
        ok &= v.seen[i] == 1;
    for (int k = 0; k < strands; k++) /* every strand ends where the next begins */
        ok &= v.last[k] >= 0 && (k + 1 == strands || v.last[k] + 1 < g.count);
    ok &= strands == 0 || v.last[strands - 1] == g.count - 1;
    snprintf(name, sizeof name, "groups_strands_of_%d_groups_B%d", g.count, B);
    check_report(ok, name, "%d strands (expected %d)", dae_groups_strands(&g), strands);
    free(v.seen);
    free(work);
}

/* 3 parts of 5 floats, stride 7: the sum in part order. */
static void check_sum(void)
{
    float parts[21], out[5];
    int ok = 1;

    for (int p = 0; p < 3; p++)
        for (int i = 0; i < 7; i++)
            parts[p * 7 + i] = i < 5 ? (float)((p + 1) * 10 + i) : 1e30f;
    dae_groups_sum(parts, 3, 7, 5, out);
    for (int i = 0; i < 5; i++)
        ok &= out[i] == (float)(60 + 3 * i);
    dae_groups_sum(parts, 0, 7, 5, out);
    for (int i = 0; i < 5; i++)
        ok &= out[i] == 0.0f;
    check_report(ok, "groups_sum_in_order", "out[4] %g", (double)out[4]);
}

int main(void)
{
    /* the article's shapes at B = 128: conv2d_transpose 14 -> 28 has
     * 112896 column floats a sample, its 7 -> 14 one 28224 */
    check_make(112896, 128, 2, 64);
    check_make(28224, 128, 8, 16);
    check_make(28224, 96, 6, 16);
    check_make(112896, 16, 2, 8);
    check_make(100, 5, 1, 5);
    check_make(100, 0, 1, 0);
    check_make((size_t)4 << 20, 10, 1, 10); /* one sample above the cap */
    dae_groups_set_cap(300);
    check_make(100, 128, 3, 43);           /* k = 6: 48 at most, 43 needed */
    check_make(100, 20, 3, 7);
    dae_groups_set_cap(0);
    check_bounds(112896, 128);
    check_bounds(70000, 300);
    dae_groups_set_cap(1000);
    check_bounds(100, 500);
    check_run(100, 37);
    dae_groups_set_cap(0);
    check_run(50, 128);
    check_strands(112896, 128, 8); /* 64 groups: 8 a strand */
    check_strands(28224, 96, 8);
    check_strands(100, 5, 5);      /* fewer groups than strands */
    dae_groups_set_cap(300);
    check_strands(100, 128, 8);    /* 43 groups: strands of 5 and 6 */
    dae_groups_set_cap(0);
    check_strands(100, 0, 0);
    check_sum();
    return check_failures != 0;
}
