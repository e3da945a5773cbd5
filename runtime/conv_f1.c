/* conv2d with one filter, walking the patches in place. Its column matrix
 * would be KH*KW times the input, and with F = 1 every product is a
 * matrix-vector one: im2col + BLAS is then bound by memory traffic (the
 * article's last layer, 28x28x64 -> 1 at B = 128, would write and read
 * 231 MB of patches per pass). Here each (output pixel, kernel row) is
 * one contiguous run of input, read from cache: a dot product forward, two
 * axpys backward. */
#include "conv_f1.h"

#include <string.h>
#include "act_v8.h"
#include "groups.h"
#include "im2col.h"
#include "parallel.h"
#include "v8.h"

/* One weight gradient's floats. */
static size_t kernel_floats(const dae_conv_shape *s)
{
    return (size_t)s->KH * (size_t)s->KW * (size_t)s->C;
}

size_t dae_conv2d_f1_workspace(const dae_conv_shape *s, int B)
{
    return (size_t)(B > 0 ? B : 0) * kernel_floats(s);
}

#define CHUNK 64 /* channels gathered at once: 8 vectors of registers */

/* 32 partial sums, four vectors' lanes: independent add chains (one
 * chain waits on the adder's latency every step), added in a fixed order. */
static float dot(const float *a, const float *b, int n)
{
    v8 acc[4] = {0};
    float tail = 0.0f;
    int i = 0;

    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 4; j++)
            acc[j] += *(const v8 *)(a + i + 8 * j) * *(const v8 *)(b + i + 8 * j);
    for (; i + 8 <= n; i += 8)
        acc[0] += *(const v8 *)(a + i) * *(const v8 *)(b + i);
    for (; i < n; i++)
        tail += a[i] * b[i];
    v8 sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    return ((sum[0] + sum[4]) + (sum[1] + sum[5])) +
           ((sum[2] + sum[6]) + (sum[3] + sum[7])) + tail;
}

static void axpy(float a, const float *restrict x, float *restrict y, int n)
{
    int i = 0;

    for (; i + 8 <= n; i += 8)
        *(v8 *)(y + i) += a * *(const v8 *)(x + i);
    for (; i < n; i++)
        y[i] += a * x[i];
}

static dae_patches patches(const dae_conv_shape *s)
{
    return (dae_patches){s->H, s->W, s->C, s->KH, s->KW, s->SH, s->SW,
                         s->OH, s->OW, s->pad_top, s->pad_left};
}

/* The run of kernel row kh at output (oh, ow): image offset *at (in
 * floats), kernel offset *k, length returned (0 when all padding). */
static int run(const dae_patches *p, int oh, int ow, int kh, size_t *at,
               size_t *k)
{
    int ih = oh * p->SH + kh - p->pad_top, iw = ow * p->SW - p->pad_left;
    int lo, hi;

    if (ih < 0 || ih >= p->H)
        return 0;
    dae_patches_taps(p, iw, &lo, &hi);
    if (hi == lo)
        return 0;
    *at = ((size_t)ih * (size_t)p->W + (size_t)(iw + lo)) * (size_t)p->C;
    *k = ((size_t)kh * (size_t)p->KW + (size_t)lo) * (size_t)p->C;
    return (hi - lo) * p->C;
}

/* Images are independent: the thread pool splits the batch. */
typedef struct f1_job {
    const dae_conv_shape *s;
    dae_patches p;
    const float *x, *W, *dy;
    float *y, *dx, *work;
    float bias;
    dae_act x_act;  /* backward: the activation that produced x */
    float x_alpha;
} f1_job;

/* Output pixel (oh, ow): its sum, kernel row by kernel row, plus the bias. */
static float pixel_sum(const f1_job *j, const float *x, int oh, int ow)
{
    float acc = 0.0f;
    for (int kh = 0; kh < j->s->KH; kh++) {
        size_t at = 0, k = 0;
        int len = run(&j->p, oh, ow, kh, &at, &k);
        acc += dot(x + at, j->W + k, len);
    }
    return acc + j->bias;
}

#define PIXELS 4 /* output pixels sharing each load of the kernel */

/* PIXELS neighbours ow0.. of output row oh whose kernel rows all lie
 * inside the image: what pixel_sum gives them, bit for bit (the same
 * partial sums in the same order as dot's), but one pass over the kernel
 * serves them all, where one pixel at a time loaded each kernel float
 * once per pixel (the loads, not the multiplies, bound the loop). */
static void pixel_block(const f1_job *j, const float *x, int oh, int ow0,
                        float *y)
{
    const dae_patches *p = &j->p;
    const int full = p->KW * p->C, step = p->SW * p->C;
    float acc[PIXELS] = {0};

    for (int kh = 0; kh < p->KH; kh++) {
        size_t at = 0, k = 0;
        if (run(p, oh, ow0, kh, &at, &k) != full) /* in the padding */
            continue;
        const float *w = j->W + k, *xs = x + at;
        v8 sums[PIXELS][4];
        for (int b = 0; b < PIXELS; b++)
            for (int q = 0; q < 4; q++)
                sums[b][q] = (v8){0};
        for (int i = 0; i < full; i += 32)
            for (int q = 0; q < 4; q++) {
                v8 wv = *(const v8 *)(w + i + 8 * q);
                for (int b = 0; b < PIXELS; b++)
                    sums[b][q] += *(const v8 *)(xs + (size_t)b * (size_t)step + i + 8 * q) * wv;
            }
        for (int b = 0; b < PIXELS; b++) {
            v8 sum = (sums[b][0] + sums[b][1]) + (sums[b][2] + sums[b][3]);
            acc[b] += ((sum[0] + sum[4]) + (sum[1] + sum[5])) +
                      ((sum[2] + sum[6]) + (sum[3] + sum[7]));
        }
    }
    for (int b = 0; b < PIXELS; b++)
        y[b] = acc[b] + j->bias;
}

/* One image: y = act(conv(x, W) + b), an output row at a time. */
static void forward_image(const f1_job *j, const float *x, float *y)
{
    const dae_conv_shape *s = j->s;
    const size_t out = (size_t)s->OH * (size_t)s->OW;
    int lo, hi;

    dae_patches_full_columns(&j->p, &lo, &hi);
    if ((j->p.KW * j->p.C) % 32) /* blocks need whole 32-float runs */
        lo = hi = 0;
    for (int oh = 0; oh < s->OH; oh++) {
        float *row = y + (size_t)oh * (size_t)s->OW;
        int ow = 0;
        for (; ow < lo; ow++)
            row[ow] = pixel_sum(j, x, oh, ow);
        for (; ow + PIXELS <= hi; ow += PIXELS)
            pixel_block(j, x, oh, ow, row + ow);
        for (; ow < s->OW; ow++)
            row[ow] = pixel_sum(j, x, oh, ow);
    }
    dae_act_apply(s->act, s->alpha, out, y, y);
}

static void forward_images(void *ctx, size_t first, size_t last)
{
    const f1_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW;

    for (size_t n = first; n < last; n++)
        forward_image(j, j->x + n * in, j->y + n * out);
}

void dae_conv2d_f1_forward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *b, float *y)
{
    f1_job j = {s, patches(s), x, W, NULL, y, NULL, NULL, b ? b[0] : 0.0f,
                DAE_LINEAR, 0.0f};

    dae_parallel_for((size_t)(B > 0 ? B : 0), 2, forward_images, &j);
}

void dae_conv2d_f1_forward_image(const dae_conv_shape *s, const float *x,
                                 const float *W, const float *b, float *y)
{
    f1_job j = {s, patches(s), NULL, W, NULL, NULL, NULL, NULL, b ? b[0] : 0.0f,
                DAE_LINEAR, 0.0f};

    forward_image(&j, x, y);
}

/* part[kh][.] += dy[p] * x's run under kernel row kh, over the pixels p
 * whose row kh lies wholly inside the image (rows of them, walked without
 * per-pixel bounds checks), for the floats [8*b0, 8*(b0 + nb)) of the
 * row: nb accumulators that stay in registers. */
#define BLOCKS 12
static void dw_full_rows(const dae_patches *p, const float *x, const float *dy,
                         int kh, int b0, int nb, float *part)
{
    const int full = p->KW * p->C;
    const size_t step = (size_t)p->SW * (size_t)p->C;
    v8 acc[BLOCKS] = {0};
    int lo, hi;

    dae_patches_full_columns(p, &lo, &hi);
    for (int oh = 0; oh < p->OH; oh++) {
        int ih = oh * p->SH + kh - p->pad_top;
        if (ih < 0 || ih >= p->H || lo >= hi)
            continue;
        const float *xs = x + ((size_t)ih * (size_t)p->W +
                               (size_t)(lo * p->SW - p->pad_left)) * (size_t)p->C;
        const float *d = dy + (size_t)oh * (size_t)p->OW;
        for (int ow = lo; ow < hi; ow++, xs += step) {
            const v8 *xv = (const v8 *)xs + b0;
            for (int i = 0; i < nb; i++)
                acc[i] += d[ow] * xv[i];
        }
    }
    v8 *pv = (v8 *)(part + (size_t)kh * (size_t)full) + b0;
    for (int i = 0; i < nb; i++)
        pv[i] += acc[i];
}

/* Output pixel (oh, ow)'s share of part, for the runs dw_full_rows left:
 * the kernel rows the padding cuts, and any tail of a whole row past its
 * last 8 floats. */
static void pixel_weight_grad(const dae_patches *p, const float *x, float d, int oh,
                              int ow, float *part)
{
    const int full = p->KW * p->C, whole = full / 8 * 8;

    for (int kh = 0; kh < p->KH; kh++) {
        size_t at = 0, k = 0;
        int len = run(p, oh, ow, kh, &at, &k), from = len == full ? whole : 0;
        axpy(d, x + at + from, part + k + from, len - from);
    }
}

/* One image's weight gradient, into part (zeroed here): whole kernel rows
 * in register blocks, then the pixels whose rows the padding cuts (and,
 * when whole rows have a tail, every pixel), one pixel at a time. */
static void weight_grad(const dae_patches *p, const float *x, const float *dy,
                        float *part)
{
    const int full = p->KW * p->C, blocks = full / 8;
    int lo, hi;

    memset(part, 0, (size_t)p->KH * (size_t)full * sizeof *part);
    for (int kh = 0; kh < p->KH; kh++)
        for (int b0 = 0; b0 < blocks; b0 += BLOCKS)
            dw_full_rows(p, x, dy, kh, b0, blocks - b0 < BLOCKS ? blocks - b0 : BLOCKS,
                         part);
    dae_patches_full_columns(p, &lo, &hi);
    if (full % 8) /* whole rows have a tail */
        lo = hi = 0;
    for (int oh = 0; oh < p->OH; oh++) {
        const float *d = dy + (size_t)oh * (size_t)p->OW;
        for (int ow = 0; ow < lo; ow++)
            pixel_weight_grad(p, x, d[ow], oh, ow, part);
        for (int ow = hi; ow < p->OW; ow++) /* [lo, hi): whole rows, done above */
            pixel_weight_grad(p, x, d[ow], oh, ow, part);
    }
}

/* The output index whose window's tap lands on input position t along
 * an axis of n outputs at stride st, or -1 if none does. Stride 1 (the
 * article's) skips the division, which cost more than the taps' sums. */
static inline int tap_source(int t, int st, int n)
{
    if (t < 0)
        return -1;
    if (st == 1)
        return t < n ? t : -1;
    return t % st == 0 && t / st < n ? t / st : -1;
}

/* dx[ih][iw][c] = sum over the taps (kh, kw) that see pixel (ih, iw) from
 * an output pixel (oh, ow) of dy[oh][ow] * W[kh][kw][c]: each input pixel
 * gathered in registers and written once, through the derivative of act
 * (one of dae_act_in_registers, DAE_LINEAR for none) from x, the layer's
 * input at the same pixel. */
static void input_grad_pixel(const dae_patches *p, const float *W, const float *dy,
                             int ih, int iw, const float *x, dae_act act, float alpha,
                             float *dx)
{
    const int C = p->C;

    for (int c0 = 0; c0 < C; c0 += CHUNK) {
        int nc = C - c0 < CHUNK ? C - c0 : CHUNK, nv = nc / 8;
        v8 acc[CHUNK / 8] = {0};
        float tail[8] = {0};
        for (int kh = 0; kh < p->KH; kh++) {
            int oh = tap_source(ih + p->pad_top - kh, p->SH, p->OH);
            if (oh < 0)
                continue;
            for (int kw = 0; kw < p->KW; kw++) {
                int ow = tap_source(iw + p->pad_left - kw, p->SW, p->OW);
                if (ow < 0)
                    continue;
                float d = dy[(size_t)oh * (size_t)p->OW + (size_t)ow];
                const float *w = W + ((size_t)kh * (size_t)p->KW + (size_t)kw) * (size_t)C + c0;
                for (int i = 0; i < nv; i++)
                    acc[i] += d * ((const v8 *)w)[i];
                for (int c = nv * 8; c < nc; c++)
                    tail[c - nv * 8] += d * w[c];
            }
        }
        for (int i = 0; i < nv; i++) {
            dae_act_grad_v8(act, alpha, (const v8 *)(x + c0) + i, &acc[i]);
            ((v8 *)(dx + c0))[i] = acc[i];
        }
        for (int c = nv * 8; c < nc; c++)
            dx[c0 + c] = dae_act_grad_1(act, alpha, x[c0 + c], tail[c - nv * 8]);
    }
}

#define GRAD_PIXELS 3 /* input pixels sharing each load of the kernel */

/* input_grad_pixel for GRAD_PIXELS neighbours iw0.. of row ih that every
 * tap sees (stride 1, C a multiple of 32), 32 channels at a time: the same
 * sums in the same order, but each kernel vector loaded once serves them
 * all (one pixel at a time, the kernel's loads bound the loop). */
static void input_grad_block(const dae_patches *p, const float *W, const float *dy,
                             int ih, int iw0, const float *x, dae_act act, float alpha,
                             float *dx)
{
    const int C = p->C;

    for (int c0 = 0; c0 < C; c0 += 32) {
        v8 acc[GRAD_PIXELS][4];
        for (int b = 0; b < GRAD_PIXELS; b++)
            for (int q = 0; q < 4; q++)
                acc[b][q] = (v8){0};
        for (int kh = 0; kh < p->KH; kh++) {
            const float *d = dy + (size_t)(ih + p->pad_top - kh) * (size_t)p->OW;
            for (int kw = 0; kw < p->KW; kw++) {
                const v8 *w = (const v8 *)(W + ((size_t)kh * (size_t)p->KW + (size_t)kw) * (size_t)C + c0);
                const int ow0 = iw0 + p->pad_left - kw;
                for (int q = 0; q < 4; q++) {
                    v8 wq = w[q];
                    for (int b = 0; b < GRAD_PIXELS; b++)
                        acc[b][q] += d[ow0 + b] * wq;
                }
            }
        }
        for (int b = 0; b < GRAD_PIXELS; b++)
            for (int q = 0; q < 4; q++) {
                size_t at = (size_t)b * (size_t)C + (size_t)c0 + 8 * (size_t)q;
                dae_act_grad_v8(act, alpha, (const v8 *)(x + at), &acc[b][q]);
                *(v8 *)(dx + at) = acc[b][q];
            }
    }
}

/* The input positions [*lo, *hi) along an axis that every tap sees at
 * stride 1 (empty for other strides). */
static void seen_by_all(int n_in, int n_out, int k, int pad, int st, int *lo,
                        int *hi)
{
    *lo = *hi = 0;
    if (st != 1)
        return;
    *lo = k - 1 - pad > 0 ? k - 1 - pad : 0;
    *hi = n_out - pad < n_in ? n_out - pad : n_in;
    if (*hi < *lo)
        *hi = *lo;
}

/* dx through act, the derivative of x's activation when it is one of
 * dae_act_in_registers (DAE_LINEAR: none). */
static void input_grad(const dae_patches *p, const float *W, const float *dy,
                       const float *x, dae_act act, float alpha, float *dx)
{
    const size_t C = (size_t)p->C;
    int h_lo, h_hi, w_lo, w_hi;

    seen_by_all(p->H, p->OH, p->KH, p->pad_top, p->SH, &h_lo, &h_hi);
    seen_by_all(p->W, p->OW, p->KW, p->pad_left, p->SW, &w_lo, &w_hi);
    if (p->C % 32)
        h_lo = h_hi = 0;
    for (int ih = 0; ih < p->H; ih++) {
        const size_t row = (size_t)ih * (size_t)p->W * C;
        int iw = 0;
        if (ih >= h_lo && ih < h_hi) {
            for (; iw < w_lo; iw++)
                input_grad_pixel(p, W, dy, ih, iw, x + row + (size_t)iw * C, act, alpha,
                                 dx + row + (size_t)iw * C);
            for (; iw + GRAD_PIXELS <= w_hi; iw += GRAD_PIXELS)
                input_grad_block(p, W, dy, ih, iw, x + row + (size_t)iw * C, act, alpha,
                                 dx + row + (size_t)iw * C);
        }
        for (; iw < p->W; iw++)
            input_grad_pixel(p, W, dy, ih, iw, x + row + (size_t)iw * C, act, alpha,
                             dx + row + (size_t)iw * C);
    }
}

/* One image's weight gradient (into part) and, when dx is not NULL, its
 * input gradient (overwritten) through x's activation. */
static void backward_image(const f1_job *j, const float *x, const float *dy,
                           float *dx, float *part)
{
    weight_grad(&j->p, x, dy, part);
    if (!dx)
        return;
    if (dae_act_in_registers(j->x_act)) {
        input_grad(&j->p, j->W, dy, x, j->x_act, j->x_alpha, dx);
        return;
    }
    input_grad(&j->p, j->W, dy, x, DAE_LINEAR, 0.0f, dx);
    dae_act_grad_apply(j->x_act, j->x_alpha, (size_t)j->s->H * j->s->W * j->s->C, x, dx,
                       dx);
}

static void backward_images(void *ctx, size_t first, size_t last)
{
    const f1_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW;
    const size_t nW = kernel_floats(s);

    for (size_t n = first; n < last; n++)
        backward_image(j, j->x + n * in, j->dy + n * out,
                       j->dx ? j->dx + n * in : NULL, j->work + n * nW);
}

void dae_conv2d_f1_backward_image(const dae_conv_shape *s, const float *x,
                                  dae_act x_act, float x_alpha, const float *W,
                                  const float *dy, float *dx, float *part)
{
    f1_job j = {s, patches(s), NULL, W, NULL, NULL, NULL, NULL, 0.0f, x_act, x_alpha};

    backward_image(&j, x, dy, dx, part);
}

void dae_conv2d_f1_bias_grad(const dae_conv_shape *s, int B, const float *dy,
                             float *db)
{
    const size_t n = (size_t)(B > 0 ? B : 0) * (size_t)s->OH * (size_t)s->OW;
    float sum = 0.0f;

    for (size_t i = 0; i < n; i++)
        sum += dy[i];
    db[0] = sum;
}

/* dW sums per-image partials: shorter float sums than one running total
 * over B*OH*OW terms, and the same sums however the images are split. */
void dae_conv2d_f1_backward(const dae_conv_shape *s, int B, const float *x,
                            dae_act x_act, float x_alpha, const float *W,
                            const float *dy, float *dx, float *dW, float *db,
                            float *work)
{
    const size_t nW = kernel_floats(s);
    const size_t nB = (size_t)(B > 0 ? B : 0);

    if (db)
        dae_conv2d_f1_bias_grad(s, B, dy, db);
    f1_job j = {s, patches(s), x, W, dy, NULL, dx, work, 0.0f, x_act, x_alpha};
    dae_parallel_for(nB, 2, backward_images, &j);
    dae_groups_sum(work, (int)nB, nW, nW, dW);
}

void dae_f1_above_forward(const dae_f1_above *f, size_t n, const float *x)
{
    dae_conv2d_f1_forward_image(f->s, x, f->W, f->b,
                                f->z + n * (size_t)f->s->OH * (size_t)f->s->OW);
}

void dae_f1_above_backward(const dae_f1_above *f, dae_act x_act, float x_alpha, int n0,
                           int n, float *dx)
{
    const dae_conv_shape *s = f->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW;
    const size_t kernel = (size_t)s->KH * (size_t)s->KW * (size_t)s->C;

    for (int i = 0; i < n; i++) {
        size_t at = (size_t)(n0 + i);
        dae_conv2d_f1_backward_image(s, f->x + at * in, x_act, x_alpha, f->W,
                                     f->dz + at * out, dx + (size_t)i * in,
                                     f->parts + at * kernel);
    }
}
