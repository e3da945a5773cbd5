/* A batch split into groups of samples for the convolution kernels. Each
 * group is one task on the runtime's thread pool and runs its products as
 * single-threaded sgemm calls, so the two cores work on different samples
 * (on the article's shapes this beats one OpenBLAS call split over both
 * cores, whose threads also spin between calls and take the core the
 * pool needs). Groups depend on the batch and the shape only, never on
 * the thread count: a weight gradient is the sum of one partial per group
 * taken in group order, so results are the same with any --threads. */
#ifndef DAE_GROUPS_H
#define DAE_GROUPS_H

#include <stddef.h>

typedef struct dae_groups {
    int B;      /* samples in the batch */
    int size;   /* samples per group (the last may have fewer) */
    int count;  /* groups */
} dae_groups;

/* Groups for B samples needing per_sample floats of scratch each: a
 * multiple of 8 groups where the cap allows, none above the cap (unless
 * one sample alone is). */
dae_groups dae_groups_make(size_t per_sample, int B);

/* Scratch floats one thread needs (a group's: size * per_sample), and
 * the most groups, over every batch of at most B samples: what to
 * allocate. */
size_t dae_groups_scratch(size_t per_sample, int B);
int dae_groups_max_count(size_t per_sample, int B);

/* fn(ctx, index, first sample, samples, scratch) for every group, on the
 * pool; scratch is the thread's own g->size * per_sample floats of work
 * (which holds dae_parallel_threads() of them). */
typedef void (*dae_group_fn)(void *ctx, int index, int n0, int n, float *scratch);
void dae_groups_run(const dae_groups *g, size_t per_sample, float *work,
                    dae_group_fn fn, void *ctx);
/* The same with each thread's scratch given in floats. */
void dae_groups_run_scratch(const dae_groups *g, size_t scratch, float *work,
                            dae_group_fn fn, void *ctx);

/* A backward pass sums its weight gradient in strands: strand k takes
 * groups [count*k/S, count*(k+1)/S) in order on one thread, the first
 * writing the strand's part and the others adding to it, and the S parts
 * (S = min(DAE_GROUP_STRANDS, count)) are summed in order at the end.
 * Fewer parts to write, keep and sum than one per group (32 on the
 * article's widest layers), and the same sums for any thread count. */
#define DAE_GROUP_STRANDS 8
int dae_groups_strands(const dae_groups *g);
/* Parts a backward pass needs for any batch of at most B samples. */
int dae_groups_max_strands(size_t per_sample, int B);
/* The strand of group index; *first says whether the group starts it. */
int dae_groups_strand(const dae_groups *g, int index, int *first);
/* dae_groups_run_scratch, a strand per task: each strand's groups in
 * order on one thread. */
void dae_groups_run_strands(const dae_groups *g, size_t scratch, float *work,
                            dae_group_fn fn, void *ctx);

/* out[i] = parts[i] + parts[stride + i] + ... in part order, over count
 * parts, for i < len; split over the pool by i. */
void dae_groups_sum(const float *parts, int count, size_t stride, size_t len,
                    float *out);

/* The cap on a group's scratch, in floats (default 256K, i.e. 1 MB; 0
 * restores it). Tests lower it to force many groups; set it before
 * sizing any workspace. */
void dae_groups_set_cap(size_t floats);

#endif
