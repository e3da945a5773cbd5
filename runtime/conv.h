/* Convolutions, pooling and upsampling on NHWC tensors (batch, height,
 * width, channels), TensorFlow semantics. Kernels are Keras layouts:
 * conv2d [KH, KW, C, F], conv2d_transpose [KH, KW, F, C] (F = filters,
 * the output channels; C = input channels). The compiler computes every
 * size statically and passes them in a shape struct; no kernel allocates:
 * scratch memory comes from `work`, sized by the *_workspace functions. */
#ifndef DAE_CONV_H
#define DAE_CONV_H

#include <stddef.h>
#include "act.h"

/* One convolution or transposed convolution.
 * conv2d:           in H x W x C  ->  out OH x OW x F
 * conv2d_transpose: in H x W x C  ->  out OH x OW x F, defined as the
 *   gradient with respect to the input of the conv2d that maps OH x OW x F
 *   to H x W x C with the same kernel, strides and padding.
 * pad_top, pad_left: TensorFlow's padding before (for conv2d_transpose,
 * that of the forward conv2d it transposes); the padding after is what
 * makes the sizes fit (TF puts any extra at the bottom/right).
 * algo: how the layer is computed.
 * act, alpha: the activation applied to the output in the same pass, each
 *   block while it is in cache (the compiler's fusion; backward passes
 *   take d(loss)/d(pre-activation) as before).
 * The planning fields are last and 0 means im2col and linear, so an
 * initializer that stops before them keeps its old meaning (-Wextra warns
 * of missing fields: daec always writes them). */
typedef struct dae_conv_shape {
    int H, W, C;
    int KH, KW, F;
    int SH, SW;
    int OH, OW;
    int pad_top, pad_left;
    int algo;
    dae_act act;
    float alpha;
} dae_conv_shape;

/* dae_conv_shape.algo. DAE_CONV_IM2COL: im2col + sgemm (the direct loops
 * of conv_f1.c when F = 1, of conv_c1.c when C = 1). DAE_CONV_WINOGRAD:
 * Winograd's algorithm where the shape allows it, im2col elsewhere: for a
 * conv2d F(2x2, 3x3) (winograd.h; 3x3 kernel, strides 1), for a
 * conv2d_transpose 4x4 tiles of 25 products (winograd_transpose.h; 3x3
 * kernel, strides 2). DAE_CONV_WINOGRAD_4X4: for a conv2d, F(4x4, 3x3)
 * on the largest multiple of 4 of the output both ways and F(2x2, 3x3) on
 * the rest (winograd.h), as DAE_CONV_IM2COL elsewhere. DAE_CONV_GEMM: im2col +
 * sgemm always, no direct loops: the baseline the others are measured
 * against (daec --im2col-only, make bench's im2col floor). */
enum {
    DAE_CONV_IM2COL = 0,
    DAE_CONV_WINOGRAD = 1,
    DAE_CONV_GEMM = 2,
    DAE_CONV_WINOGRAD_4X4 = 3
};

/* Floats of scratch memory the conv2d / conv2d_transpose kernels need for
 * a batch of B (forward and backward need the same). */
size_t dae_conv2d_workspace(const dae_conv_shape *s, int B);
size_t dae_conv2d_transpose_workspace(const dae_conv_shape *s, int B);

/* y = conv(x, W) + b; b may be NULL. */
void dae_conv2d_forward(const dae_conv_shape *s, int B, const float *x,
                        const float *W, const float *b, float *y, float *work);
/* From dy: dW, db (overwritten; db skipped when NULL) and dx (skipped
 * when NULL). x_act is the activation that produced x (DAE_LINEAR for
 * none): dx is then multiplied by its derivative, taken from x, as
 * dae_act_backward would (image by image while dx is in cache, except on
 * the Winograd path). */
void dae_conv2d_backward(const dae_conv_shape *s, int B, const float *x,
                         dae_act x_act, float x_alpha, const float *W,
                         const float *dy, float *dx, float *dW, float *db,
                         float *work);

void dae_conv2d_transpose_forward(const dae_conv_shape *s, int B, const float *x,
                                  const float *W, const float *b, float *y,
                                  float *work);
void dae_conv2d_transpose_backward(const dae_conv_shape *s, int B, const float *x,
                                   dae_act x_act, float x_alpha, const float *W,
                                   const float *dy, float *dx, float *dW,
                                   float *db, float *work);

/* The conv kernels run im2col + sgemm over groups of samples (groups.h),
 * side by side on the thread pool, whose column matrix holds at most this
 * many floats (default 256K, i.e. 1 MB, at least one sample; 0 restores
 * it); the Winograd path bounds its per-group tile matrices the same way.
 * Tests lower it to force several groups. Set it before sizing any
 * workspace: the *_workspace results depend on it. */
void dae_conv_set_group_cap(size_t floats);

/* Seconds the conv kernels spent in sgemm and in im2col/col2im (or the
 * Winograd transforms), for profiling; never reset by the runtime. */
extern double dae_conv_gemm_seconds, dae_conv_patch_seconds;

/* Max pooling: in H x W x C -> out OH x OW x C with windows PH x PW at
 * strides SH x SW. Padded cells never win; the first maximum in row-major
 * window order takes the whole gradient (TensorFlow's CPU kernel). */
typedef struct dae_pool_shape {
    int H, W, C;
    int PH, PW;
    int SH, SW;
    int OH, OW;
    int pad_top, pad_left;
} dae_pool_shape;

void dae_maxpool_forward(const dae_pool_shape *s, int B, const float *x, float *y);
/* dx (overwritten) from dy, finding each window's maximum again in x;
 * then, image by image while it is in cache, times the derivative of
 * x_act, the activation that produced x (DAE_LINEAR: none). */
void dae_maxpool_backward(const dae_pool_shape *s, int B, const float *x,
                          dae_act x_act, float x_alpha, const float *y,
                          const float *dy, float *dx);

/* A conv2d feeding a max pool, forward: y as dae_conv2d_forward, and p =
 * the pool of y as dae_maxpool_forward (ps's input is y). On one input
 * channel each row of p is made while the rows of y it reads are still in
 * cache; other shapes run the two passes. */
void dae_conv2d_pool_forward(const dae_conv_shape *s, const dae_pool_shape *ps,
                             int B, const float *x, const float *W, const float *b,
                             float *y, float *p, float *work);

/* A conv2d feeding a max pool, backward, when the conv's input needs no
 * gradient (an image model's first layer): dW and db (db skipped when
 * NULL) from dp, the pool's output gradient, as dae_maxpool_backward
 * (x_act = s->act) and then dae_conv2d_backward would compute them, but an
 * image at a time: each image's output gradient is made in cache and used
 * at once instead of the batch's being written out and read back. y is the
 * conv's output, the pool's input; work holds dae_conv2d_pool_workspace
 * floats, which also cover dae_conv2d_forward and _backward. */
size_t dae_conv2d_pool_workspace(const dae_conv_shape *s, int B);
void dae_conv2d_pool_backward(const dae_conv_shape *s, const dae_pool_shape *ps,
                              int B, const float *x, const float *y,
                              const float *dp, float *dW, float *db, float *work);

/* A conv2d_transpose ts feeding a conv2d fs with one filter (the
 * article's last two layers), forward: y as dae_conv2d_transpose_forward
 * and z = fs's output of y as dae_conv2d_forward, each image of z made
 * while its image of y is still in cache. fs's algo is not consulted:
 * this is the direct path (conv_f1.h); plain im2col calls the two. */
size_t dae_conv2d_transpose_f1_workspace(const dae_conv_shape *ts,
                                         const dae_conv_shape *fs, int B);
void dae_conv2d_transpose_f1_forward(const dae_conv_shape *ts,
                                     const dae_conv_shape *fs, int B,
                                     const float *x, const float *W,
                                     const float *b, float *y, const float *W1,
                                     const float *b1, float *z, float *work);
/* Backward, from dz (z's gradient): dW1, db1 as dae_conv2d_backward of fs
 * (x_act = ts->act), then dW, db, dx as dae_conv2d_transpose_backward, the
 * same floats, but y's gradient is made a group of images at a time in
 * scratch and used at once, never written out for the batch. db, db1 and
 * dx are skipped when NULL; work holds dae_conv2d_transpose_f1_workspace
 * floats, which also cover dae_conv2d_transpose_forward and _backward. */
void dae_conv2d_transpose_f1_backward(const dae_conv_shape *ts,
                                      const dae_conv_shape *fs, int B,
                                      const float *x, dae_act x_act, float x_alpha,
                                      const float *W, const float *y,
                                      const float *W1, const float *dz, float *dx,
                                      float *dW, float *db, float *dW1, float *db1,
                                      float *work);

/* Nearest-neighbour upsampling by FH x FW: in H x W x C -> H*FH x W*FW x C. */
void dae_upsample_forward(int H, int W, int C, int FH, int FW, int B,
                          const float *x, float *y);
/* dx (overwritten) sums dy over each input pixel's FH x FW copies. */
void dae_upsample_backward(int H, int W, int C, int FH, int FW, int B,
                           const float *dy, float *dx);

#endif
