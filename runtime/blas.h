/* The runtime's one door to cblas_sgemm. OpenBLAS 0.3.21 starts a beta = 0
 * product with a pass that zeroes C one float at a time (sgemm_beta_ZEN:
 * 14% of the article's 14x14 -> 28x28 transposed conv forward); zeroing C
 * here with vector stores and asking for beta = 1 gives the same floats,
 * since the kernel then adds its sums onto zeros either way. */
#ifndef DAE_BLAS_H
#define DAE_BLAS_H

/* Row-major C[M,N] = alpha op(A) op(B) + beta C, op transposing when ta /
 * tb is set. With beta = 0, C's old contents (NaN included) are ignored. */
void dae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A,
               int lda, const float *B, int ldb, float beta, float *C, int ldc);

#endif
