/* Max pooling's backward pass on one image, for kernels that fuse it with
 * the layer below (dae_conv2d_pool_backward): the image's input gradient
 * is then made in cache and used at once, never stored for the batch. */
#ifndef DAE_POOL_H
#define DAE_POOL_H

#include "conv.h"

/* dx (H x W x C, overwritten) from dy (OH x OW x C): each window's
 * gradient at the window's first maximum in x, as dae_maxpool_backward. */
void dae_maxpool_backward_image(const dae_pool_shape *s, const float *x,
                                const float *dy, float *dx);

#endif
