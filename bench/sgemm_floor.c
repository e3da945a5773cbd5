/* The sgemm floor of a generated model: the seconds one training epoch
 * would spend if it did nothing but its BLAS calls, each at the speed
 * OpenBLAS reaches on that shape alone, with warm caches.
 *
 * Linked with a generated trainer (its main renamed, like the reference
 * tests), it builds a session of that model and records the calls the
 * runtime really makes in one training step (forward_backward + update)
 * and one validation batch (loss): this file defines cblas_sgemm and
 * cblas_sgemv, so the runtime's calls land here, and forwards them to
 * OpenBLAS's own, found with dlsym(RTLD_NEXT) since OpenBLAS is a shared
 * library. Each distinct shape (trans flags, M, N, K) is then timed alone
 * and scaled by its calls per epoch: steps = images / batch, fractional.
 *
 *   build/bench/sgemm_floor_NAME [TRAIN_IMAGES [BATCH]]
 *
 * Calls made from the runtime's thread pool with OpenBLAS on one thread
 * (the conv kernels run groups of samples side by side, groups.h) are
 * marked "x2" (or xT for T threads): each is timed both ways, T copies
 * side by side on one thread each and alone on OpenBLAS's threads, and
 * the faster counts (per call).
 *
 * It then times the spec's optimizer step alone on the model's parameters,
 * warm, the same way (the update floor): no product, but the one pass over
 * the weights, gradients and optimizer state that every step must make.
 *
 * TRAIN_IMAGES defaults to 60000 (10000 validation images are added),
 * BATCH to the spec's; OPENBLAS_NUM_THREADS sets the threads as for the
 * trainer. The last lines are for scripts (bench/run): SGEMM_FLOOR_SECONDS,
 * SGEMM_FLOOR_GFLOPS, EPOCH_GFLOP, UPDATE_FLOOR_SECONDS, OPENBLAS_CORE,
 * OPENBLAS_THREADS and,
 * when the runtime replaced OpenBLAS's choice of kernels (blas_core.h),
 * OPENBLAS_CORE_REPLACED. */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "args.h"
#include "blas_core.h"
#include "dae.h"
#include "noise_batch.h"
#include "parallel.h"
#include "progress.h"

extern const dae_model daec_model;

#define VAL_IMAGES 10000
#define MAX_SHAPES 256
#define MIN_SECONDS 0.05 /* per timing of a shape */
#define TRIALS 3         /* timings per shape; the fastest counts */

typedef void (*sgemm_fn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                         const enum CBLAS_TRANSPOSE, const blasint, const blasint,
                         const blasint, const float, const float *, const blasint,
                         const float *, const blasint, const float, float *,
                         const blasint);
typedef void (*sgemv_fn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                         const blasint, const blasint, const float, const float *,
                         const blasint, const float *, const blasint, const float,
                         float *, const blasint);

/* One distinct call. A GEMV keeps its matrix as m x n, with k = 0; its
 * ldb and ldc hold incx and incy. The strides and beta timed are those the
 * runtime passed (beta: the one most of the calls used). */
typedef struct shape {
    int gemv, col_major, ta, tb, m, n, k;
    int lda, ldb, ldc;
    int side_by_side; /* called by the pool's threads, OpenBLAS on one */
    long calls[2], beta_calls; /* per step: [0] training, [1] validation */
} shape;

enum { NOT_RECORDING = -1, TRAIN = 0, VALIDATION = 1 };

static sgemm_fn real_sgemm;
static sgemv_fn real_sgemv;
static shape shapes[MAX_SHAPES];
static int n_shapes, phase = NOT_RECORDING;
static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *msg)
{
    fprintf(stderr, "sgemm_floor: %s\n", msg);
    exit(1);
}

static void find_real(void)
{
    /* A cast from dlsym's void * to a function pointer: POSIX allows it. */
    real_sgemm = (sgemm_fn)dlsym(RTLD_NEXT, "cblas_sgemm");
    real_sgemv = (sgemv_fn)dlsym(RTLD_NEXT, "cblas_sgemv");
    if (!real_sgemm || !real_sgemv)
        die("OpenBLAS's cblas_sgemm/cblas_sgemv not found after this program; "
            "it must be linked with the shared libopenblas, not libopenblas.a");
}

static void record_locked(shape *key, float beta)
{
    key->side_by_side = openblas_get_num_threads() == 1 && dae_parallel_threads() > 1;
    for (int i = 0; i < n_shapes; i++) {
        shape *s = &shapes[i];
        if (s->gemv == key->gemv && s->col_major == key->col_major
            && s->ta == key->ta && s->tb == key->tb && s->m == key->m
            && s->n == key->n && s->k == key->k
            && s->side_by_side == key->side_by_side) {
            s->calls[phase]++;
            s->beta_calls += beta != 0.0f;
            return;
        }
    }
    if (n_shapes == MAX_SHAPES)
        die("more than 256 distinct BLAS shapes in one step");
    shape *s = &shapes[n_shapes++];
    *s = *key;
    s->calls[phase] = 1;
    s->beta_calls = beta != 0.0f;
}

/* The conv kernels call from several threads at once. */
static void record(shape *key, float beta)
{
    if (phase == NOT_RECORDING)
        return;
    pthread_mutex_lock(&record_lock);
    record_locked(key, beta);
    pthread_mutex_unlock(&record_lock);
}

void cblas_sgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE ta,
                 const enum CBLAS_TRANSPOSE tb, const blasint m, const blasint n,
                 const blasint k, const float alpha, const float *a,
                 const blasint lda, const float *b, const blasint ldb,
                 const float beta, float *c, const blasint ldc)
{
    shape key = {0, order == CblasColMajor, ta != CblasNoTrans, tb != CblasNoTrans,
                 m, n, k, lda, ldb, ldc, 0, {0, 0}, 0};
    record(&key, beta);
    real_sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void cblas_sgemv(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE ta,
                 const blasint m, const blasint n, const float alpha,
                 const float *a, const blasint lda, const float *x,
                 const blasint incx, const float beta, float *y, const blasint incy)
{
    shape key = {1, order == CblasColMajor, ta != CblasNoTrans, 0, m, n, 0,
                 lda, incx, incy, 0, {0, 0}, 0};
    record(&key, beta);
    real_sgemv(order, ta, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

static double flops_of(const shape *s)
{
    return 2.0 * s->m * s->n * (s->gemv ? 1 : s->k);
}

static size_t max3(size_t a, size_t b, size_t c)
{
    return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

/* Buffers for one shape: generous (each operand as if both its
 * dimensions were the larger), filled with small values. */
typedef struct operands {
    float *a, *b, *c;
} operands;

static float *filled(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        die("out of memory for a shape's operands");
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((i * 7919u) % 1000u) * 1e-3f - 0.5f;
    return p;
}

static operands operands_for(const shape *s)
{
    size_t m = (size_t)s->m, n = (size_t)s->n, k = (size_t)s->k;
    size_t lda = (size_t)s->lda, ldb = (size_t)abs(s->ldb), ldc = (size_t)abs(s->ldc);
    operands o;
    if (s->gemv) {
        size_t len = m > n ? m : n;
        o.a = filled(lda * len);
        o.b = filled(ldb * len);
        o.c = filled(ldc * len);
    } else {
        o.a = filled(lda * (m > k ? m : k));
        o.b = filled(ldb * (k > n ? k : n));
        o.c = filled(ldc * max3(m, n, 1));
    }
    return o;
}

static void run(const shape *s, const operands *o, int reps)
{
    enum CBLAS_ORDER order = s->col_major ? CblasColMajor : CblasRowMajor;
    enum CBLAS_TRANSPOSE ta = s->ta ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = s->tb ? CblasTrans : CblasNoTrans;
    /* beta as most of the runtime's calls had it: 0 overwrites C, 1 adds */
    long total = s->calls[TRAIN] + s->calls[VALIDATION];
    float beta = 2 * s->beta_calls > total ? 1.0f : 0.0f;
    for (int r = 0; r < reps; r++) {
        if (s->gemv)
            real_sgemv(order, ta, s->m, s->n, 1.0f, o->a, s->lda, o->b, s->ldb,
                       beta, o->c, s->ldc);
        else
            real_sgemm(order, ta, tb, s->m, s->n, s->k, 1.0f, o->a, s->lda, o->b,
                       s->ldb, beta, o->c, s->ldc);
    }
}

/* Seconds per call of `copies` side-by-side runs of reps calls each. */
typedef struct copy_job {
    const shape *s;
    operands o;
    int reps;
} copy_job;

static void *copy_run(void *arg)
{
    copy_job *j = arg;
    run(j->s, &j->o, j->reps);
    return NULL;
}

static double side_by_side(copy_job *jobs, int copies)
{
    pthread_t t[64];
    double t0 = dae_seconds();
    int started = 1;

    for (int i = 1; i < copies; i++)
        started += pthread_create(&t[i], NULL, copy_run, &jobs[i]) == 0;
    copy_run(&jobs[0]);
    for (int i = 1; i < started; i++)
        pthread_join(t[i], NULL);
    return (dae_seconds() - t0) / ((double)jobs[0].reps * started);
}

/* Seconds per call: warm up for about a tenth of the budget, then the
 * fastest of TRIALS timings of at least MIN_SECONDS each; with copies > 1,
 * that many side by side on one OpenBLAS thread each (each its own
 * operands), per call of one copy. */
static double time_copies(const shape *s, int copies)
{
    copy_job jobs[64];
    int blas = openblas_get_num_threads();

    copies = copies < 1 ? 1 : copies > 64 ? 64 : copies;
    if (copies > 1)
        openblas_set_num_threads(1);
    for (int i = 0; i < copies; i++)
        jobs[i] = (copy_job){s, operands_for(s), 1};
    double t = side_by_side(jobs, copies), per_call = t;
    for (int reps = 1; reps * per_call < MIN_SECONDS / 10; reps *= 2) {
        for (int i = 0; i < copies; i++)
            jobs[i].reps = reps;
        per_call = side_by_side(jobs, copies);
    }
    double want = ceil(MIN_SECONDS / (per_call * copies));
    for (int i = 0; i < copies; i++)
        jobs[i].reps = want < 1 ? 1 : want > 1e8 ? 100000000 : (int)want;
    double best = HUGE_VAL;
    for (int trial = 0; trial < TRIALS; trial++) {
        t = side_by_side(jobs, copies);
        best = t < best ? t : best;
    }
    for (int i = 0; i < copies; i++) {
        free(jobs[i].o.a);
        free(jobs[i].o.b);
        free(jobs[i].o.c);
    }
    openblas_set_num_threads(blas);
    return best;
}

/* The faster of the ways the shape can run: alone on OpenBLAS's threads,
 * and (for calls the pool makes) one copy per thread side by side. */
static double time_shape(const shape *s)
{
    double alone = time_copies(s, 1);
    if (!s->side_by_side)
        return alone;
    double beside = time_copies(s, dae_parallel_threads());
    return beside < alone ? beside : alone;
}

/* Bytes one optimizer step reads and writes per parameter: the weight,
 * its gradient and the state arrays read, the weight and state written. */
static int update_bytes(const dae_train_config *c)
{
    switch (c->optimizer) {
    case DAE_ADAM:
        return 4 * (4 + 3);
    case DAE_SGD:
        return c->momentum != 0.0f ? 4 * (3 + 2) : 4 * (2 + 1);
    case DAE_RMSPROP:
        return 4 * (3 + 2);
    }
    return 0;
}

static const char *optimizer_name(dae_optim_kind k)
{
    return k == DAE_ADAM ? "adam" : k == DAE_SGD ? "sgd" : "rmsprop";
}

/* Seconds per optimizer step on all the session's parameters, warm: the
 * fastest of TRIALS timings of at least MIN_SECONDS each. */
static double time_update(dae_session *s)
{
    dae_session_update(s);
    double t0 = dae_seconds();
    dae_session_update(s);
    double once = dae_seconds() - t0;
    long reps = once > 0 ? (long)ceil(MIN_SECONDS / once) : 1000;
    double best = HUGE_VAL;
    for (int trial = 0; trial < TRIALS; trial++) {
        t0 = dae_seconds();
        for (long r = 0; r < reps; r++)
            dae_session_update(s);
        double t = (dae_seconds() - t0) / (double)reps;
        best = t < best ? t : best;
    }
    return best;
}

static long parse_count(const char *arg, const char *what)
{
    return bench_count("sgemm_floor", "[TRAIN_IMAGES [BATCH]]", arg, what, LONG_MAX);
}

int main(int argc, char **argv)
{
    const dae_model *m = &daec_model;
    dae_blas_core_restart(argv);  /* the trainer's kernels, not a fallback */
    if (argc > 3) {
        fputs("usage: sgemm_floor [TRAIN_IMAGES [BATCH]]\n", stderr);
        return 2;
    }
    long train = argc > 1 ? parse_count(argv[1], "TRAIN_IMAGES") : 60000;
    long batch = argc > 2 ? parse_count(argv[2], "BATCH") : m->train.batch;
    if (batch > 1 << 20)
        die("BATCH is too large");
    find_real();

    /* One step on a batch of noise in [0, 1): the shapes, not the values,
     * decide what the runtime calls. */
    dae_train_config cfg = m->train;
    cfg.batch = (int)batch;
    dae_session s;
    dae_error err;
    if (dae_session_init(&s, m, &cfg, (int)batch, &err) != 0) {
        fprintf(stderr, "sgemm_floor: %s\n", err.msg);
        return 1;
    }
    dae_session_init_weights(&s, cfg.seed);
    noise_batch(&s, (int)batch);
    phase = TRAIN;
    dae_session_forward_backward(&s, s.xbuf, s.tbuf, (int)batch);
    dae_session_update(&s);
    phase = VALIDATION;
    dae_session_loss(&s, s.xbuf, s.tbuf, (int)batch);
    phase = NOT_RECORDING;
    if (n_shapes == 0)
        die("the model made no cblas_sgemm or cblas_sgemv call");

    double steps[2] = {(double)train / (double)batch, (double)VAL_IMAGES / (double)batch};
    printf("sgemm floor of %s: batch %ld, %ld training + %d validation images "
           "per epoch, OpenBLAS %s, %d threads\n", m->name, batch, train,
           VAL_IMAGES, openblas_get_corename(), openblas_get_num_threads());
    printf("  %-5s %-2s %6s %6s %6s  %10s  %11s %8s %9s %8s\n", "call", "op", "M",
           "N", "K", "train/val", "calls/epoch", "GFLOP", "seconds", "GFLOP/s");
    double seconds = 0, flops = 0;
    for (int i = 0; i < n_shapes; i++) {
        const shape *sh = &shapes[i];
        double calls = sh->calls[TRAIN] * steps[TRAIN]
                       + sh->calls[VALIDATION] * steps[VALIDATION];
        double t = time_shape(sh) * calls, f = flops_of(sh) * calls;
        char op[4] = {sh->ta ? 'T' : 'N', sh->gemv ? '\0' : sh->tb ? 'T' : 'N', '\0', '\0'};
        char k[16] = "-", tv[24];
        if (!sh->gemv)
            snprintf(k, sizeof k, "%d", sh->k);
        snprintf(tv, sizeof tv, "%ld/%ld", sh->calls[TRAIN], sh->calls[VALIDATION]);
        printf("  %-5s %-2s %6d %6d %6s  %10s  %11.1f %8.2f %9.3f %8.1f%s%s\n",
               sh->gemv ? "sgemv" : "sgemm", op, sh->m, sh->n, k, tv, calls,
               f / 1e9, t, f / t / 1e9, sh->col_major ? "  (column-major)" : "",
               sh->side_by_side ? "  x threads" : "");
        seconds += t;
        flops += f;
    }
    double step = time_update(&s), update = step * steps[TRAIN];
    size_t params = m->param_count;
    printf("update floor: %s on %zu parameters, %.3f ms a step, %.3f s an epoch "
           "(%d bytes a parameter: %.1f GB/s)\n", optimizer_name(cfg.optimizer),
           params, step * 1e3, update, update_bytes(&cfg),
           (double)params * update_bytes(&cfg) / step / 1e9);
    dae_session_free(&s);
    printf("SGEMM_FLOOR_SECONDS %.3f\nSGEMM_FLOOR_GFLOPS %.1f\nEPOCH_GFLOP %.1f\n",
           seconds, flops / seconds / 1e9, flops / 1e9);
    printf("UPDATE_FLOOR_SECONDS %.3f\n", update);
    printf("OPENBLAS_CORE %s\nOPENBLAS_THREADS %d\n", openblas_get_corename(),
           openblas_get_num_threads());
    if (dae_blas_core_replaced() != NULL)
        printf("OPENBLAS_CORE_REPLACED %s\n", dae_blas_core_replaced());
    return 0;
}
