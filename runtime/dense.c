/* Dense layer on OpenBLAS; row-major, W is [in, out] as in Keras. */
#include "dense.h"

#include <cblas.h>
#include <string.h>
#include "progress.h"

double dae_dense_gemm_seconds;

/* y starts as the bias rows and the GEMM adds x W with beta = 1: OpenBLAS
 * then skips its separate pass zeroing y, and the bias costs one write
 * instead of a read-modify-write after the product. Each product tile is
 * summed in registers and added to the bias once, as TF's MatMul then
 * BiasAdd does, up to the blocking of long inner dimensions. */
void dae_dense_forward(int B, int in, int out, const float *x, const float *W,
                       const float *b, float *y)
{
    if (B <= 0 || out <= 0)
        return;
    dae_bias_rows((size_t)B, out, b, y);
    double t0 = dae_seconds();
    if (in > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, out, in,
                    1.0f, x, in, W, out, 1.0f, y, out);
    dae_dense_gemm_seconds += dae_seconds() - t0;
}

void dae_bias_rows(size_t rows, int cols, const float *b, float *y)
{
    if (!b) {
        memset(y, 0, rows * (size_t)cols * sizeof *y);
        return;
    }
    for (size_t i = 0; i < rows; i++)
        memcpy(y + i * (size_t)cols, b, (size_t)cols * sizeof *y);
}

void dae_column_sums(size_t rows, int cols, const float *dy, float *db)
{
    /* Row by row so the inner loop is contiguous and vectorizes. */
    memset(db, 0, (size_t)cols * sizeof *db);
    for (size_t i = 0; i < rows; i++) {
        const float *row = dy + i * (size_t)cols;
        for (int j = 0; j < cols; j++)
            db[j] += row[j];
    }
}

void dae_dense_backward(int B, int in, int out, const float *x, const float *W,
                        const float *dy, float *dx, float *dW, float *db)
{
    if (out <= 0)
        return;
    if (db)
        dae_column_sums((size_t)(B > 0 ? B : 0), out, dy, db);
    if (in <= 0)
        return;
    if (B <= 0) {
        /* An empty batch contributes nothing; BLAS is not asked K = 0. */
        if (dW)
            memset(dW, 0, (size_t)in * (size_t)out * sizeof *dW);
        return;
    }
    double t0 = dae_seconds();
    if (dW)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, B, 1.0f,
                    x, in, dy, out, 0.0f, dW, out);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, in, out, 1.0f,
                    dy, out, W, out, 0.0f, dx, in);
    dae_dense_gemm_seconds += dae_seconds() - t0;
}
