#include "groups.h"

#include <cblas.h>
#include "parallel.h"

/* 256K floats (1 MB): a group's patches then stay in cache between
 * im2col (or a Winograd transform) and the GEMM that reads them, with room
 * left in a 2 MB L2 for the group's output. On the article's conv at
 * B = 128, forward and backward passes in one process, the caps taking
 * turns (24 rounds each, Intel VM with 2 MB of L2 a core): 256K was
 * faster than 512K in 18 rounds (median time ratio 0.953) and than 128K
 * in 14 (128K's median ratio to it 1.026). On the AMD VM
 * (512 KB L2, 32 MB L3), the 14x14 -> 28x28 transposed conv took 137-156
 * us a sample with 256K, 137-162 with 512K, 183-227 with 1M and 262 with
 * 2M. */
#define DEFAULT_CAP ((size_t)1 << 18)

static size_t cap = DEFAULT_CAP;

void dae_groups_set_cap(size_t floats)
{
    cap = floats ? floats : DEFAULT_CAP;
}

/* Samples that fit under the cap, at least one. */
static size_t fit(size_t per_sample)
{
    size_t n = per_sample ? cap / per_sample : cap;
    return n < 1 ? 1 : n;
}

/* 8k groups for the smallest k whose groups fit: balanced on 1, 2, 4 or
 * 8 threads without depending on how many there are. k only grows with B. */
static int eighths(size_t per_sample, int B)
{
    for (int k = 1;; k++) {
        int size = (B + 8 * k - 1) / (8 * k);
        if ((size_t)size <= fit(per_sample) || size == 1)
            return k;
    }
}

dae_groups dae_groups_make(size_t per_sample, int B)
{
    dae_groups g = {B > 0 ? B : 0, 1, 0};

    if (g.B == 0)
        return g;
    int k = eighths(per_sample, g.B);
    g.size = (g.B + 8 * k - 1) / (8 * k);
    g.count = (g.B + g.size - 1) / g.size;
    return g;
}

size_t dae_groups_scratch(size_t per_sample, int B)
{
    /* group sizes do not grow monotonically with the batch */
    int most = 0;

    for (int b = 1; b <= B; b++) {
        dae_groups g = dae_groups_make(per_sample, b);
        most = g.size > most ? g.size : most;
    }
    return (size_t)most * per_sample;
}

int dae_groups_max_count(size_t per_sample, int B)
{
    if (B <= 0)
        return 0;
    int most = 8 * eighths(per_sample, B);
    return most < B ? most : B;
}

int dae_groups_strands(const dae_groups *g)
{
    return g->count < DAE_GROUP_STRANDS ? g->count : DAE_GROUP_STRANDS;
}

int dae_groups_max_strands(size_t per_sample, int B)
{
    int most = dae_groups_max_count(per_sample, B);
    return most < DAE_GROUP_STRANDS ? most : DAE_GROUP_STRANDS;
}

/* The first group of strand k (k = strands: one past the last group). */
static int strand_start(const dae_groups *g, int k)
{
    return (int)((long)g->count * k / dae_groups_strands(g));
}

int dae_groups_strand(const dae_groups *g, int index, int *first)
{
    int k = 0;
    while (strand_start(g, k + 1) <= index)
        k++;
    *first = index == strand_start(g, k);
    return k;
}

typedef struct run_job {
    const dae_groups *g;
    size_t scratch;
    float *work;
    dae_group_fn fn;
    void *ctx;
} run_job;

static void run_group(const run_job *j, int i, float *mine)
{
    int n0 = i * j->g->size;
    int n = j->g->B - n0 < j->g->size ? j->g->B - n0 : j->g->size;
    j->fn(j->ctx, i, n0, n, mine);
}

static void run_range(void *ctx, size_t first, size_t last)
{
    const run_job *j = ctx;
    float *mine = j->work + (size_t)dae_parallel_part() * j->scratch;

    for (size_t i = first; i < last; i++)
        run_group(j, (int)i, mine);
}

static void strand_range(void *ctx, size_t first, size_t last)
{
    const run_job *j = ctx;
    float *mine = j->work + (size_t)dae_parallel_part() * j->scratch;

    for (size_t k = first; k < last; k++)
        for (int i = strand_start(j->g, (int)k); i < strand_start(j->g, (int)k + 1); i++)
            run_group(j, i, mine);
}

void dae_groups_run(const dae_groups *g, size_t per_sample, float *work,
                    dae_group_fn fn, void *ctx)
{
    dae_groups_run_scratch(g, (size_t)g->size * per_sample, work, fn, ctx);
}

/* Tasks on the pool with OpenBLAS on one thread. */
static void run_tasks(size_t n, dae_range_fn fn, run_job *j)
{
    int blas = openblas_get_num_threads();

    openblas_set_num_threads(1);
    dae_parallel_for(n, 2, fn, j);
    openblas_set_num_threads(blas);
}

void dae_groups_run_scratch(const dae_groups *g, size_t scratch, float *work,
                            dae_group_fn fn, void *ctx)
{
    run_job j = {g, scratch, work, fn, ctx};
    run_tasks((size_t)g->count, run_range, &j);
}

void dae_groups_run_strands(const dae_groups *g, size_t scratch, float *work,
                            dae_group_fn fn, void *ctx)
{
    run_job j = {g, scratch, work, fn, ctx};
    run_tasks((size_t)dae_groups_strands(g), strand_range, &j);
}

typedef struct sum_job {
    const float *parts;
    int count;
    size_t stride;
    float *out;
} sum_job;

static void sum_range(void *ctx, size_t first, size_t last)
{
    const sum_job *j = ctx;

    for (size_t i = first; i < last; i++) {
        float acc = j->parts[i];
        for (int p = 1; p < j->count; p++)
            acc += j->parts[(size_t)p * j->stride + i];
        j->out[i] = acc;
    }
}

void dae_groups_sum(const float *parts, int count, size_t stride, size_t len,
                    float *out)
{
    sum_job j = {parts, count, stride, out};

    if (count <= 0) {
        for (size_t i = 0; i < len; i++)
            out[i] = 0.0f;
        return;
    }
    dae_parallel_for(len, 4096, sum_range, &j);
}
