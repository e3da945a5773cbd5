/* Fully connected layer, Keras layout: W is [in, out] row-major, y = x W + b.
 * All matrices are row-major with the batch as the leading dimension. */
#ifndef DAE_DENSE_H
#define DAE_DENSE_H

#include <stddef.h>
#include "act.h"

/* y[B,out] = act(x[B,in] W[in,out] + b[out]); b may be NULL
 * (use_bias=false). The activation runs on each part of y while it is in
 * cache, exactly as dae_act_forward would after the product. */
void dae_dense_forward(int B, int in, int out, const float *x, const float *W,
                       const float *b, dae_act act, float alpha, float *y);

/* Given dy[B,out]: dW = x^T dy (overwritten), db = sum over batch of dy
 * (overwritten; skipped when NULL), dx = dy W^T (skipped when NULL).
 * x_act is the activation that produced x (DAE_LINEAR for none): dx is
 * then multiplied by its derivative, taken from x, so it is the gradient
 * of the previous layer's pre-activation, as dae_act_backward would give. */
void dae_dense_backward(int B, int in, int out, const float *x, dae_act x_act,
                        float x_alpha, const float *W, const float *dy, float *dx,
                        float *dW, float *db);

/* Shared by every layer whose output is a row matrix [rows, cols] (dense,
 * conv2d, conv2d_transpose): y = the bias row repeated (zeros when b is
 * NULL), for a GEMM to add onto; db = the column sums of dy. */
void dae_bias_rows(size_t rows, int cols, const float *b, float *y);
void dae_column_sums(size_t rows, int cols, const float *dy, float *db);
/* db += the column sums of dy (each column's sum starting from db). */
void dae_column_sums_add(size_t rows, int cols, const float *dy, float *db);

/* Seconds spent in the dense products so far, with the bias and
 * activation fused into them (for DAE_PROFILE=1). */
extern double dae_dense_gemm_seconds;

#endif
