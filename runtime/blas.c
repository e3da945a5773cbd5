#include "blas.h"

#include <cblas.h>
#include <string.h>

void dae_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A,
               int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (beta == 0.0f) {
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
