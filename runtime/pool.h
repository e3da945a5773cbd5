/* Max pooling on one image, for kernels that fuse it with the layer below
 * (dae_conv2d_pool_forward, dae_conv2d_pool_backward): a row of the output
 * is made while the rows it reads are in cache; the image's input
 * gradient is made in cache and used at once, never stored for the batch. */
#ifndef DAE_POOL_H
#define DAE_POOL_H

#include "conv.h"

/* Row oh of the output (OW x C floats at y) from the image img. */
void dae_maxpool_forward_row(const dae_pool_shape *s, const float *img, int oh,
                             float *y);
/* Input rows [0, n) hold every cell row oh's windows read: n. */
int dae_maxpool_rows_read(const dae_pool_shape *s, int oh);

/* dx (H x W x C, overwritten) from dy (OH x OW x C): each window's
 * gradient at the window's first maximum in x, through the derivative of
 * x_act (the activation that produced x), as dae_maxpool_backward. */
void dae_maxpool_backward_image(const dae_pool_shape *s, const float *x, dae_act x_act,
                                float x_alpha, const float *dy, float *dx);

#endif
