/* Elementwise work (the optimizer updates) split over the cores that
 * OpenBLAS's threads leave idle between GEMMs. Helpers wait for work the
 * way OpenBLAS's own threads do, spinning with sched_yield (so neither
 * pool ever holds a core the other needs) and sleeping after a long idle
 * spell. Every element is computed by the same code whatever the split,
 * so results do not depend on the thread count. */
#ifndef DAE_PARALLEL_H
#define DAE_PARALLEL_H

#include <stddef.h>

/* fn(ctx, begin, end) over a contiguous chunk of [0, n). */
typedef void (*dae_range_fn)(void *ctx, size_t begin, size_t end);

/* Runs fn over [0, n), split across the threads when n >= min_split: the
 * range is cut into a few chunks per thread, which the threads take as
 * they come free, so which thread runs which chunk varies from call to
 * call. */
void dae_parallel_for(size_t n, size_t min_split, dae_range_fn fn, void *ctx);

/* Threads to use, 1 to 64 (default: the online CPUs). Takes effect if
 * called before the first dae_parallel_for. */
void dae_parallel_set_threads(int n);

/* The threads the pool splits work over (fixed once work has started). */
int dae_parallel_threads(void);

/* Inside fn: which thread runs it, 0 to dae_parallel_threads()-1 (0 for
 * the caller and outside dae_parallel_for), e.g. to pick a per-thread
 * scratch buffer. */
int dae_parallel_part(void);

#endif
