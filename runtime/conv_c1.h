/* conv2d's forward pass on a single input channel (C = 1, an image
 * model's first conv), computed directly from the image instead of through
 * im2col + BLAS. Same semantics and arguments as dae_conv2d_forward in
 * conv.h, which calls it when C = 1 and F > 1 (no scratch memory). */
#ifndef DAE_CONV_C1_H
#define DAE_CONV_C1_H

#include <stddef.h>
#include "conv.h"

void dae_conv2d_c1_forward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *b, float *y);

#endif
