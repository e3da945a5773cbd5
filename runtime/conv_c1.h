/* conv2d's forward pass on a single input channel (C = 1, an image
 * model's first conv), computed directly from the image instead of through
 * im2col + BLAS. Same semantics and arguments as dae_conv2d_forward in
 * conv.h, which calls it when C = 1 and F > 1 (no scratch memory); the
 * backward pass's weight gradients image by image. */
#ifndef DAE_CONV_C1_H
#define DAE_CONV_C1_H

#include <stddef.h>
#include "conv.h"

void dae_conv2d_c1_forward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *b, float *y);
/* The same, and p = the max pool ps of y (when ps is not NULL), each row
 * of p made as soon as the rows of y it reads are (dae_conv2d_pool_forward). */
void dae_conv2d_c1_pool_forward(const dae_conv_shape *s, const dae_pool_shape *ps,
                                int B, const float *x, const float *W,
                                const float *b, float *y, float *p);

/* Floats of scratch dae_conv2d_c1_weight_grads needs. */
size_t dae_conv2d_c1_grad_scratch(const dae_conv_shape *s);
/* Adds one image's weight and bias gradients into dW [KH*KW, F] and db
 * [F] (skipped when NULL): x is the image (H x W), dy the gradient of its
 * output (OH x OW x F) before the activation. */
void dae_conv2d_c1_weight_grads(const dae_conv_shape *s, const float *x,
                                const float *dy, float *dW, float *db,
                                float *scratch);

#endif
