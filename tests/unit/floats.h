/* Random and NaN-filled float arrays for the kernel tests in tests/unit.
 * The generator is a xorshift whose seed a test may set, so a test's
 * inputs are the same on every run. */
#ifndef DAE_TEST_FLOATS_H
#define DAE_TEST_FLOATS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t floats_rng_state = 0x2545f4914f6cdd1du;

static inline void floats_seed(uint64_t seed)
{
    floats_rng_state = seed;
}

static inline float urand(float lo, float hi)
{
    floats_rng_state ^= floats_rng_state << 13;
    floats_rng_state ^= floats_rng_state >> 7;
    floats_rng_state ^= floats_rng_state << 17;
    return lo + (hi - lo) * (float)((floats_rng_state >> 40) * (1.0 / 16777216.0));
}

static inline float *alloc_floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "tests/unit: out of memory\n");
        exit(2);
    }
    return p;
}

/* Zeros: for outputs a test reads back where a kernel may write nothing. */
static inline float *zeroed_floats(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "tests/unit: out of memory\n");
        exit(2);
    }
    return p;
}

static inline float *random_floats(size_t n)
{
    float *p = alloc_floats(n);
    for (size_t i = 0; i < n; i++)
        p[i] = urand(-1, 1);
    return p;
}

/* NaN everywhere: a kernel that reads its output or unset scratch shows. */
static inline float *nan_floats(size_t n)
{
    float *p = alloc_floats(n);
    for (size_t i = 0; i < n; i++)
        p[i] = NAN;
    return p;
}

#endif
