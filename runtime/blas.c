#include "blas.h"

#include <cblas.h>
#include <string.h>
#include "blas_core.h"

/* OpenBLAS 0.3.21's gate to them (sgemm_small_kernel_permit_skylakex.c),
 * in the column-major terms it turns a row-major call into: A and B
 * swapped, so M and N and the two transposes too. */
int dae_sgemm_is_small(int ta, int tb, int M, int N, int K)
{
    if ((double)M * (double)N * (double)K > 1e6 || !dae_blas_core_small_kernels())
        return 0;
    const int col_ta = tb, col_tb = ta, col_m = N, col_n = M;
    if (col_ta && col_tb && K < 4)
        return 0;
    if (col_ta && !col_tb && ((long)col_m * col_n > 1200 || K < 32))
        return 0;
    return 1;
}

void dae_transpose(size_t rows, size_t cols, const float *from, float *to)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            to[c * rows + r] = from[r * cols + c];
}

void dae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A,
               int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (beta == 0.0f && !dae_sgemm_is_small(ta, tb, M, N, K)) {
        if (ldc == N)
            memset(C, 0, (size_t)M * (size_t)N * sizeof *C);
        else
            for (int i = 0; i < M; i++)
                memset(C + (size_t)i * (size_t)ldc, 0, (size_t)N * sizeof *C);
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb,
                beta, C, ldc);
}
