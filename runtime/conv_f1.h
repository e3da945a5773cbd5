/* conv2d with a single filter (F = 1), computed directly from the image
 * instead of through im2col + BLAS. Same semantics and arguments as
 * dae_conv2d_forward / dae_conv2d_backward in conv.h, which call these
 * when F = 1. */
#ifndef DAE_CONV_F1_H
#define DAE_CONV_F1_H

#include <stddef.h>
#include "conv.h"

/* Floats of scratch memory for a batch of B: one partial weight gradient
 * (KH*KW*C) per image. */
size_t dae_conv2d_f1_workspace(const dae_conv_shape *s, int B);

void dae_conv2d_f1_forward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *b, float *y);
void dae_conv2d_f1_backward(const dae_conv_shape *s, int B, const float *x,
                            dae_act x_act, float x_alpha, const float *W,
                            const float *dy, float *dx, float *dW, float *db,
                            float *work);

#endif
