/* Eight floats as one value (GCC and Clang vector extensions), loaded from
 * and stored to plain float arrays: accumulators of 8k floats then stay in
 * registers, where arrays of floats would be kept in memory, and the loops
 * are vector code whatever the optimiser decides. */
#ifndef DAE_V8_H
#define DAE_V8_H

#include <string.h>

typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));

/* *v = n <= 8 floats of src (NULL: zeros), zero past n. Vectors go by
 * pointer: passed by value they change the ABI of builds without AVX. */
static inline void load_v8(v8 *v, const float *src, int n)
{
    if (!src) {
        *v = (v8){0};
    } else if (n == 8) {
        *v = *(const v8 *)src;
    } else {
        float part[8] = {0};
        memcpy(part, src, (size_t)n * sizeof *part);
        *v = *(const v8 *)part;
    }
}

/* The first n <= 8 lanes of *v into dst. */
static inline void store_v8(float *dst, const v8 *v, int n)
{
    if (n == 8) {
        *(v8 *)dst = *v;
        return;
    }
    float part[8];
    *(v8 *)part = *v;
    memcpy(dst, part, (size_t)n * sizeof *part);
}

/* A lane mask, as comparisons of v8s give it (all bits set or none). */
typedef int mask8 __attribute__((vector_size(32)));

/* *v = the lanes of *x where *k is set, of *y elsewhere (v may be x or y). */
static inline void select_v8(v8 *v, const mask8 *k, const v8 *x, const v8 *y)
{
    *v = (v8)(((mask8)*x & *k) | ((mask8)*y & ~*k));
}

#endif
