/* Fully connected layer, Keras layout: W is [in, out] row-major, y = x W + b.
 * All matrices are row-major with the batch as the leading dimension. */
#ifndef DAE_DENSE_H
#define DAE_DENSE_H

#include <stddef.h>

/* y[B,out] = x[B,in] W[in,out] + b[out]; b may be NULL (use_bias=false). */
void dae_dense_forward(int B, int in, int out, const float *x, const float *W,
                       const float *b, float *y);

/* Given dy[B,out]: dW = x^T dy (overwritten), db = sum over batch of dy
 * (overwritten; skipped when NULL), dx = dy W^T (skipped when NULL). */
void dae_dense_backward(int B, int in, int out, const float *x, const float *W,
                        const float *dy, float *dx, float *dW, float *db);

/* Shared by every layer whose output is a row matrix [rows, cols] (dense,
 * conv2d, conv2d_transpose): y = the bias row repeated (zeros when b is
 * NULL), for a GEMM to add onto; db = the column sums of dy. */
void dae_bias_rows(size_t rows, int cols, const float *b, float *y);
void dae_column_sums(size_t rows, int cols, const float *dy, float *db);

/* Seconds spent in sgemm so far (for DAE_PROFILE=1). */
extern double dae_dense_gemm_seconds;

#endif
