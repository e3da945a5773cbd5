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

/* The same an image at a time, for kernels that run the layer below on
 * an image and this one on its output while it is in cache: the forward
 * of one image; the backward of one, its weight gradient into part
 * (KH*KW*C floats, overwritten) and its dx (when not NULL); and db from
 * the batch's dy. dae_conv2d_f1_backward's dW is the sum of the images'
 * parts in image order (dae_groups_sum). */
void dae_conv2d_f1_forward_image(const dae_conv_shape *s, const float *x,
                                 const float *W, const float *b, float *y);
void dae_conv2d_f1_backward_image(const dae_conv_shape *s, const float *x,
                                  dae_act x_act, float x_alpha, const float *W,
                                  const float *dy, float *dx, float *part);
void dae_conv2d_f1_bias_grad(const dae_conv_shape *s, int B, const float *dy,
                             float *db);

#endif
