/* The runtime's one door to cblas_sgemm. OpenBLAS 0.3.21 starts a beta = 0
 * product with a pass that zeroes C one float at a time (sgemm_beta_ZEN:
 * 14% of the article's 14x14 -> 28x28 transposed conv forward); zeroing C
 * here with vector stores and asking for beta = 1 gives the same floats,
 * since the kernel then adds its sums onto zeros either way. The products
 * OpenBLAS's small-matrix kernels take are the exception: with beta = 0
 * those write C without reading it, so they get beta = 0 as asked. */
#ifndef DAE_BLAS_H
#define DAE_BLAS_H

#include <stddef.h>

/* Row-major C[M,N] = alpha op(A) op(B) + beta C, op transposing when ta /
 * tb is set. With beta = 0, C's old contents (NaN included) are ignored. */
void dae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A,
               int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* OpenBLAS runs this product (row-major, as dae_sgemm's arguments) on its
 * small-matrix kernels: no packing, and C written directly when beta = 0.
 * Its SkylakeX-class cores have them (0.3.21), for at most 100^3
 * multiply-adds; callers may split a product to fit. */
int dae_sgemm_is_small(int ta, int tb, int M, int N, int K);

/* to [cols x rows] = from [rows x cols] transposed, both row-major: a B
 * made plain for the small-matrix kernels, which refuse a transposed B. */
void dae_transpose(size_t rows, size_t cols, const float *from, float *to);

#endif
