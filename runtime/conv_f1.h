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

/* A one-filter conv2d run by the layer below it, on each image of that
 * layer's output while it is in cache (conv.h's
 * dae_conv2d_transpose_f1_*). */
typedef struct dae_f1_above {
    const dae_conv_shape *s;
    const float *W, *b; /* its kernel and bias (b may be NULL) */
    float *z;           /* forward: its output */
    const float *dz;    /* backward: its output gradient, */
    const float *x;     /* its input (the layer below's output), */
    float *parts;       /* and its weight gradient, one part per image */
} dae_f1_above;

/* z of image n, from x, that image of the layer below's output. */
void dae_f1_above_forward(const dae_f1_above *f, size_t n, const float *x);
/* The backward of images [n0, n0 + n): their parts, and their dx (the
 * layer below's output gradient, times the derivative of x_act, that
 * layer's activation) into n images at dx. */
void dae_f1_above_backward(const dae_f1_above *f, dae_act x_act, float x_alpha, int n0,
                           int n, float *dx);

#endif
