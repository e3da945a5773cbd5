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

/* The windows covering image position pos along one axis: the grid
 * indices [*first, *last] whose windows of k taps at stride st, starting
 * pad before the image, reach pos (an empty range has *first > *last). */
static void covering(int pos, int pad, int k, int st, int grid, int *first,
                     int *last)
{
    int at = pos + pad, lo = at - k + 1;

    *first = lo > 0 ? (lo + st - 1) / st : 0;
    *last = at / st < grid - 1 ? at / st : grid - 1;
}

void dae_col2im_row(const dae_patches *p, const float *cols, int r,
                    const float *bias, float *out)
{
    const int C = p->C;
    const size_t K = (size_t)p->KH * (size_t)p->KW * (size_t)C;
    int oh0, oh1;

    covering(r, p->pad_top, p->KH, p->SH, p->OH, &oh0, &oh1);
    for (int w = 0; w < p->W; w++) {
        float *o = out + (size_t)w * (size_t)C;
        int ow0, ow1;

        if (bias)
            copy_run(o, bias, C);
        else
            zero_run(o, C);
        covering(w, p->pad_left, p->KW, p->SW, p->OW, &ow0, &ow1);
        /* in the order dae_col2im_add adds them: the same sums, bit for bit */
        for (int oh = oh0; oh <= oh1; oh++) {
            const int kh = r + p->pad_top - oh * p->SH;
            for (int ow = ow0; ow <= ow1; ow++) {
                const int kw = w + p->pad_left - ow * p->SW;
                add_run(o, cols + ((size_t)oh * (size_t)p->OW + (size_t)ow) * K +
                               ((size_t)kh * (size_t)p->KW + (size_t)kw) * (size_t)C, C);
            }
        }
    }
}
