/* Patch matrices for convolutions on NHWC images. A convolution's column
 * matrix has one row per output position (image, oh, ow) and one column
 * per kernel tap (kh, kw, c), so that the product with a Keras kernel
 * viewed as [KH*KW*C, F] is the convolution. col2im is the exact adjoint:
 * it adds every entry back onto the pixel it was copied from. */
#ifndef DAE_IM2COL_H
#define DAE_IM2COL_H

#include <stddef.h>

/* Image H x W x C; patch grid OH x OW of KH x KW windows at strides
 * SH x SW, starting pad_top / pad_left pixels before the image. */
typedef struct dae_patches {
    int H, W, C;
    int KH, KW, SH, SW;
    int OH, OW;
    int pad_top, pad_left;
} dae_patches;

/* The taps [*lo, *hi) of a kernel row whose first tap is at image column
 * iw fall inside the image (an empty range has *lo == *hi). */
static inline void dae_patches_taps(const dae_patches *p, int iw, int *lo,
                                    int *hi)
{
    int a = iw < 0 ? -iw : 0, b = p->W - iw;

    if (a > p->KW)
        a = p->KW;
    if (b > p->KW)
        b = p->KW;
    *lo = a;
    *hi = b < a ? a : b;
}

/* The grid columns [*lo, *hi) whose windows lie wholly inside the image
 * horizontally (the direct kernels' blocks of neighbouring pixels). */
static inline void dae_patches_full_columns(const dae_patches *p, int *lo, int *hi)
{
    *lo = 0;
    while (*lo < p->OW && *lo * p->SW - p->pad_left < 0)
        (*lo)++;
    *hi = *lo;
    while (*hi < p->OW && *hi * p->SW - p->pad_left + p->KW <= p->W)
        (*hi)++;
}

/* Floats in one image's column matrix: OH*OW * KH*KW*C. */
size_t dae_patches_cols(const dae_patches *p);

/* cols[(n*OH + oh)*OW + ow][(kh*KW + kw)*C + c] =
 *   img[n][oh*SH + kh - pad_top][ow*SW + kw - pad_left][c], 0 outside,
 * for the n images of imgs. */
void dae_im2col(const dae_patches *p, int n, const float *imgs, float *cols);

/* imgs += the adjoint of dae_im2col applied to cols: every entry is added
 * to the pixel it names; entries naming padding are dropped. The caller
 * zeroes (or presets) imgs. */
void dae_col2im_add(const dae_patches *p, int n, const float *cols, float *imgs);

/* Row r of one image of that adjoint, gathered rather than scattered:
 * out[w][c] = bias[c] (0 when bias is NULL) + every entry of the image's
 * cols naming pixel (r, w, c), added in dae_col2im_add's order. The row is
 * written once, for the caller to finish while it is in cache. */
void dae_col2im_row(const dae_patches *p, const float *cols, int r,
                    const float *bias, float *out);

#endif
