/* im2col / col2im for NHWC images. In NHWC the taps kw = lo..hi-1 of one
 * kernel row are one contiguous run of (hi-lo)*C floats in the image and
 * in the column row, so each (output position, kh) is a single copy or
 * add of a run plus zeros for the taps that fall in the padding. */
#include "im2col.h"

#include <string.h>

size_t dae_patches_cols(const dae_patches *p)
{
    return (size_t)p->OH * (size_t)p->OW * (size_t)p->KH * (size_t)p->KW *
           (size_t)p->C;
}

/* Runs are as short as 1-3 floats when C = 1, where a call to memcpy per
 * run would cost more than the copy: short ones are a fixed-length loop
 * the compiler unrolls instead. */
static inline void copy_run(float *restrict d, const float *restrict s, int n)
{
    if (n > 8) {
        memcpy(d, s, (size_t)n * sizeof *d);
        return;
    }
    for (int i = 0; i < 8; i++)
        if (i < n)
            d[i] = s[i];
}

static inline void add_run(float *restrict d, const float *restrict s, int n)
{
    if (n > 8) {
        for (int i = 0; i < n; i++)
            d[i] += s[i];
        return;
    }
    for (int i = 0; i < 8; i++)
        if (i < n)
            d[i] += s[i];
}

static inline void zero_run(float *d, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = 0.0f;
}

/* Offset of pixel (ih, iw) in an image, in floats. */
static size_t pixel(const dae_patches *p, int ih, int iw)
{
    return ((size_t)ih * (size_t)p->W + (size_t)iw) * (size_t)p->C;
}

/* The OW column rows of output row oh of one image. */
static void im2col_row(const dae_patches *p, const float *img, int oh,
                       float *cols)
{
    const int C = p->C, KW = p->KW, run = KW * C;

    for (int ow = 0; ow < p->OW; ow++) {
        int iw = ow * p->SW - p->pad_left, lo, hi;

        dae_patches_taps(p, iw, &lo, &hi);
        for (int kh = 0; kh < p->KH; kh++, cols += run) {
            int ih = oh * p->SH + kh - p->pad_top;

            if (ih < 0 || ih >= p->H || hi == lo) {
                zero_run(cols, run);
                continue;
            }
            copy_run(cols + lo * C, img + pixel(p, ih, iw + lo), (hi - lo) * C);
            if (lo > 0 || hi < KW) {
                zero_run(cols, lo * C);
                zero_run(cols + hi * C, (KW - hi) * C);
            }
        }
    }
}

static void col2im_row(const dae_patches *p, const float *cols, int oh,
                       float *img)
{
    const int C = p->C, run = p->KW * C;

    for (int ow = 0; ow < p->OW; ow++) {
        int iw = ow * p->SW - p->pad_left, lo, hi;

        dae_patches_taps(p, iw, &lo, &hi);
        for (int kh = 0; kh < p->KH; kh++, cols += run) {
            int ih = oh * p->SH + kh - p->pad_top;

            if (ih < 0 || ih >= p->H || hi == lo)
                continue;
            add_run(img + pixel(p, ih, iw + lo), cols + lo * C, (hi - lo) * C);
        }
    }
}

void dae_im2col(const dae_patches *p, int n, const float *imgs, float *cols)
{
    const size_t img = (size_t)p->H * (size_t)p->W * (size_t)p->C;
    const size_t row = (size_t)p->OW * (size_t)p->KH * (size_t)p->KW * (size_t)p->C;

    for (int i = 0; i < n; i++)
        for (int oh = 0; oh < p->OH; oh++)
            im2col_row(p, imgs + (size_t)i * img, oh,
                       cols + ((size_t)i * (size_t)p->OH + (size_t)oh) * row);
}

void dae_col2im_add(const dae_patches *p, int n, const float *cols, float *imgs)
{
    const size_t img = (size_t)p->H * (size_t)p->W * (size_t)p->C;
    const size_t row = (size_t)p->OW * (size_t)p->KH * (size_t)p->KW * (size_t)p->C;

    for (int i = 0; i < n; i++)
        for (int oh = 0; oh < p->OH; oh++)
            col2im_row(p, cols + ((size_t)i * (size_t)p->OH + (size_t)oh) * row,
                       oh, imgs + (size_t)i * img);
}
