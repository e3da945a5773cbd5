/* Winograd's algorithm for 3x3 stride-2 conv2d_transpose layers (the
 * article's decoder): 25 multiplies per 4x4 output tile and channel pair
 * where the im2col product takes 36. Same tensors, layouts and TensorFlow
 * semantics as dae_conv2d_transpose_* (conv.h), which dispatch here when
 * a shape's algo is DAE_CONV_WINOGRAD and the shape fits; samples run in
 * groups (groups.h). */
#ifndef DAE_WINOGRAD_TRANSPOSE_H
#define DAE_WINOGRAD_TRANSPOSE_H

#include <stddef.h>
#include "conv.h"
#include "conv_f1.h"

/* Nonzero when s is a conv2d_transpose this path computes: 3x3 kernel,
 * strides 2, no padding before (TensorFlow's for both "same" and
 * "valid"), an output at most 2H+1 x 2W+1. */
int dae_winograd_transpose_fits(const dae_conv_shape *s);

/* Scratch floats for a batch of B, forward and backward alike; with_f1:
 * room for the group's output gradient a fused conv2d above makes. */
size_t dae_winograd_transpose_workspace(const dae_conv_shape *s, int B, int with_f1);

/* y = act(conv_transpose(x, W) + b) for B samples (b may be NULL); with
 * f1, then f1's z from each image of y. */
void dae_winograd_transpose_forward(const dae_conv_shape *s, int B, const float *x,
                                    const float *W, const float *b, float *y,
                                    const dae_f1_above *f1, float *work);

/* From dy, or with f1 from f1's dz through f1's backward (its parts and
 * dx, never written out for the batch): dW and db (overwritten; db
 * skipped when NULL) and dx (overwritten, times x_act's derivative;
 * skipped when NULL). */
void dae_winograd_transpose_backward(const dae_conv_shape *s, int B, const float *x,
                                     dae_act x_act, float x_alpha, const float *W,
                                     const float *dy, float *dx, float *dW, float *db,
                                     const dae_f1_above *f1, float *work);

#endif
