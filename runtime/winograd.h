/* Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution for conv2d layers with a
 * 3x3 kernel and strides 1 (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016): 16 multiplies per 2x2 output tile
 * and channel pair where the direct product takes 36, or 36 per 4x4 tile
 * where it takes 144. Same tensors, layouts and TensorFlow padding as
 * dae_conv2d_* (conv.h), which dispatch here when a shape's algo is
 * DAE_CONV_WINOGRAD (2x2 tiles) or DAE_CONV_WINOGRAD_4X4 (4x4 tiles, and
 * 2x2 ones where the output's sides are not multiples of 4); samples run in groups (groups.h). */
#ifndef DAE_WINOGRAD_H
#define DAE_WINOGRAD_H

#include <stddef.h>
#include "conv.h"

/* Nonzero when s is a conv2d this path computes: 3x3 kernel, strides 1
 * (any H, W, C, F and padding before). */
int dae_winograd_fits(const dae_conv_shape *s);

/* Scratch floats that grow with the group: those of one sample. */
size_t dae_winograd_sample_floats(const dae_conv_shape *s);
/* Scratch floats for a batch of B (forward and backward alike). */
size_t dae_winograd_workspace(const dae_conv_shape *s, int B);

/* y = conv(x, W) + b for B samples (b may be NULL). */
void dae_winograd_forward(const dae_conv_shape *s, int B, const float *x,
                          const float *W, const float *b, float *y, float *work);
/* From dy: dW and db (overwritten; db skipped when NULL) and dx
 * (overwritten; skipped when NULL). */
void dae_winograd_backward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *dy, float *dx, float *dW,
                           float *db, float *work);

#endif
