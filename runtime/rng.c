/* PCG32 (O'Neill, pcg-random.org: XSH-RR output on a 64-bit LCG). The whole
 * state is the two words of dae_rng, so saving them resumes the exact
 * sequence; nothing is cached between calls for the same reason. */
#include "rng.h"

#include <math.h>

#define PCG_MULT 6364136223846793005ULL
#define TWO_PI 6.283185307179586476925286766559

void dae_rng_seed(dae_rng *r, uint64_t seed, uint64_t stream)
{
    /* pcg32_srandom_r: the stream picks an odd increment, i.e. a different
     * LCG sequence, so streams never overlap in a shifted way. */
    r->state = 0;
    r->inc = (stream << 1) | 1u;
    dae_rng_u32(r);
    r->state += seed;
    dae_rng_u32(r);
}

uint32_t dae_rng_u32(dae_rng *r)
{
    uint64_t old = r->state;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);

    r->state = old * PCG_MULT + r->inc;
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

uint32_t dae_rng_below(dae_rng *r, uint32_t n)
{
    /* Reject the lowest 2^32 mod n values so every residue is equally
     * likely; fewer than half the draws are ever rejected. */
    uint32_t threshold;

    if (n == 0)
        return 0; /* undefined per the header; avoid a division by zero */
    threshold = (uint32_t)(0u - n) % n;
    for (;;) {
        uint32_t x = dae_rng_u32(r);
        if (x >= threshold)
            return x % n;
    }
}

float dae_rng_uniform(dae_rng *r)
{
    /* 24 bits fill a float mantissa exactly, so the result is < 1. */
    return (float)(dae_rng_u32(r) >> 8) * 0x1p-24f;
}

float dae_rng_normal(dae_rng *r)
{
    /* Box-Muller in double; the second value is dropped so the state
     * stays two words. u1 is in (0, 1] so log(u1) is finite. */
    double u1 = ((double)dae_rng_u32(r) + 1.0) * 0x1p-32;
    double u2 = (double)dae_rng_u32(r) * 0x1p-32;

    return (float)(sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2));
}

void dae_rng_normals(dae_rng *r, float *out, size_t n)
{
    /* Both Box-Muller values of each pair: half the log/sqrt work of
     * calling dae_rng_normal n times (a different, equally valid stream). */
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        double u1 = ((double)dae_rng_u32(r) + 1.0) * 0x1p-32;
        double u2 = (double)dae_rng_u32(r) * 0x1p-32;
        double radius = sqrt(-2.0 * log(u1));
        out[i] = (float)(radius * cos(TWO_PI * u2));
        out[i + 1] = (float)(radius * sin(TWO_PI * u2));
    }
    if (i < n)
        out[i] = dae_rng_normal(r);
}

void dae_rng_shuffle(dae_rng *r, int *idx, size_t n)
{
    /* idx holds ints, so n fits in 32 bits. */
    for (size_t i = n; i > 1; i--) {
        size_t j = dae_rng_below(r, (uint32_t)i);
        int tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}
