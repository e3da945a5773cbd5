/* A small, seedable, serialisable random number generator (PCG32).
 * Separate streams (init, noise, shuffle) come from the same seed with
 * different stream ids, so changing one use never shifts another. */
#ifndef DAE_RNG_H
#define DAE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct dae_rng {
    uint64_t state;
    uint64_t inc;
} dae_rng;

void dae_rng_seed(dae_rng *r, uint64_t seed, uint64_t stream);
uint32_t dae_rng_u32(dae_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint32_t dae_rng_below(dae_rng *r, uint32_t n);
/* Uniform float in [0, 1). */
float dae_rng_uniform(dae_rng *r);
/* Standard normal (mean 0, stddev 1). */
float dae_rng_normal(dae_rng *r);
/* n standard normals, two per Box-Muller draw. */
void dae_rng_normals(dae_rng *r, float *out, size_t n);
/* Fisher-Yates permutation of idx[0..n) in place. */
void dae_rng_shuffle(dae_rng *r, int *idx, size_t n);

#endif
