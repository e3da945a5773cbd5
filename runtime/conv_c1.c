/* conv2d's forward pass on one input channel, walking the image in place.
 * Its column matrix has only KH*KW columns, so im2col + sgemm is a thin
 * product whose time goes into writing and reading patches. Here each
 * output pixel's filters are summed tap by tap in registers: the inner
 * loops run over filters, contiguous in the Keras kernel and in y. On the
 * article's first layer (28x28x1 -> 64, B = 128, 2 threads) a pass takes
 * 29-30 us a sample against 33-48 for im2col + sgemm.
 *
 * The weight gradient is direct too, an image at a time from a zero-padded
 * copy: as a product it is KH*KW rows long, a shape OpenBLAS runs at a
 * quarter of its speed (TN 9 x 64 x 12544: 16 GFLOP/s a core in the
 * trainer), and an image's dy stays in L2 while each 8 filters' taps
 * are summed in registers. The input gradient (a C = 1 layer that is not
 * the first) stays im2col + sgemm. */
#include "conv_c1.h"

#include <string.h>
#include "im2col.h"
#include "parallel.h"
#include "pool.h"
#include "v8.h"

#define CHUNK 64 /* filters per accumulator: 8 AVX vectors */

static dae_patches patches(const dae_conv_shape *s)
{
    return (dae_patches){s->H, s->W, 1, s->KH, s->KW, s->SH, s->SW,
                         s->OH, s->OW, s->pad_top, s->pad_left};
}

typedef struct c1_job {
    const dae_conv_shape *s;
    dae_patches p;
    const float *x, *W, *b;
    float *y;
    const dae_pool_shape *pool; /* pools y into pooled as rows are done */
    float *pooled;
} c1_job;

/* Filters [f0, f0 + CHUNK) of one output pixel, accumulated in registers
 * from the bias. */
static void forward_chunk(const c1_job *j, const float *x, int oh, int iw, int lo,
                          int hi, int f0, float *y)
{
    const dae_conv_shape *s = j->s;
    v8 acc[CHUNK / 8] = {0};

    if (j->b)
        for (int i = 0; i < CHUNK / 8; i++)
            acc[i] = *(const v8 *)(j->b + f0 + 8 * i);

    for (int kh = 0; kh < s->KH; kh++) {
        int ih = oh * s->SH + kh - s->pad_top;
        if (ih < 0 || ih >= s->H)
            continue;
        for (int kw = lo; kw < hi; kw++) {
            float v = x[(size_t)ih * (size_t)s->W + (size_t)(iw + kw)];
            const v8 *w = (const v8 *)(j->W + (size_t)(kh * s->KW + kw) * (size_t)s->F + f0);
            for (int i = 0; i < CHUNK / 8; i++)
                acc[i] += v * w[i];
        }
    }
    for (int i = 0; i < CHUNK / 8; i++)
        *(v8 *)(y + f0 + 8 * i) = acc[i];
}

/* One output pixel: y[f] = b[f] + the sum over its taps of x * W[tap][f]. */
static void forward_pixel(const c1_job *j, const float *x, int oh, int ow, float *y)
{
    const dae_conv_shape *s = j->s;
    int iw = ow * s->SW - s->pad_left, lo, hi, f0 = 0;

    dae_patches_taps(&j->p, iw, &lo, &hi);
    for (; f0 + CHUNK <= s->F; f0 += CHUNK)
        forward_chunk(j, x, oh, iw, lo, hi, f0, y);
    for (int f = f0; f < s->F; f++) {
        float acc = j->b ? j->b[f] : 0.0f;
        for (int kh = 0; kh < s->KH; kh++) {
            int ih = oh * s->SH + kh - s->pad_top;
            if (ih < 0 || ih >= s->H)
                continue;
            for (int kw = lo; kw < hi; kw++)
                acc += x[(size_t)ih * (size_t)s->W + (size_t)(iw + kw)] *
                       j->W[(size_t)(kh * s->KW + kw) * (size_t)s->F + (size_t)f];
        }
        y[f] = acc;
    }
}

#define PIXELS 3 /* output pixels sharing each load of the kernel */

/* forward_pixel for PIXELS neighbours ow0.. of output row oh whose taps
 * all lie inside the image horizontally, F a multiple of 32, 32 filters
 * at a time: the same sums in the same order, but each kernel vector
 * loaded once serves them all (one pixel at a time, the kernel's loads
 * bound the loop). */
static void forward_block(const c1_job *j, const float *x, int oh, int ow0, float *y)
{
    const dae_conv_shape *s = j->s;
    const int iw0 = ow0 * s->SW - s->pad_left;

    for (int f0 = 0; f0 < s->F; f0 += 32) {
        v8 acc[PIXELS][4];
        for (int q = 0; q < 4; q++) {
            v8 b = j->b ? *(const v8 *)(j->b + f0 + 8 * q) : (v8){0};
            for (int p = 0; p < PIXELS; p++)
                acc[p][q] = b;
        }
        for (int kh = 0; kh < s->KH; kh++) {
            int ih = oh * s->SH + kh - s->pad_top;
            if (ih < 0 || ih >= s->H)
                continue;
            const float *xr = x + (size_t)ih * (size_t)s->W + (size_t)iw0;
            for (int kw = 0; kw < s->KW; kw++) {
                const v8 *w = (const v8 *)(j->W + (size_t)(kh * s->KW + kw) * (size_t)s->F + f0);
                for (int q = 0; q < 4; q++) {
                    v8 wq = w[q];
                    for (int p = 0; p < PIXELS; p++)
                        acc[p][q] += xr[p * s->SW + kw] * wq;
                }
            }
        }
        for (int p = 0; p < PIXELS; p++)
            for (int q = 0; q < 4; q++)
                *(v8 *)(y + (size_t)p * (size_t)s->F + f0 + 8 * q) = acc[p][q];
    }
}

/* Makes the pool's output rows from pooled on whose windows lie in the
 * first done rows of img (image n); returns the rows made so far. */
static int pool_rows(const c1_job *j, size_t n, const float *img, int done,
                     int pooled)
{
    const dae_pool_shape *ps = j->pool;
    const size_t row = (size_t)ps->OW * (size_t)ps->C;
    float *out = j->pooled + n * (size_t)ps->OH * row;

    for (; pooled < ps->OH && dae_maxpool_rows_read(ps, pooled) <= done; pooled++)
        dae_maxpool_forward_row(ps, img, pooled, out + (size_t)pooled * row);
    return pooled;
}

static void forward_images(void *ctx, size_t first, size_t last)
{
    const c1_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W;
    const size_t out = (size_t)s->OH * (size_t)s->OW * (size_t)s->F;
    const size_t row = (size_t)s->OW * (size_t)s->F;
    int lo, hi;

    dae_patches_full_columns(&j->p, &lo, &hi);
    if (s->F % 32) /* blocks take 32 filters at a time */
        lo = hi = 0;
    for (size_t n = first; n < last; n++) {
        const float *x = j->x + n * in;
        float *img = j->y + n * out, *y = img;
        int pooled = 0; /* rows of the pool's output made */
        /* a row of outputs is activated while it is still in L1, and
         * pooled with the row before while both are */
        for (int oh = 0; oh < s->OH; oh++, y += row) {
            int ow = 0;
            for (; ow < lo; ow++)
                forward_pixel(j, x, oh, ow, y + (size_t)ow * (size_t)s->F);
            for (; ow + PIXELS <= hi; ow += PIXELS)
                forward_block(j, x, oh, ow, y + (size_t)ow * (size_t)s->F);
            for (; ow < s->OW; ow++)
                forward_pixel(j, x, oh, ow, y + (size_t)ow * (size_t)s->F);
            dae_act_apply(s->act, s->alpha, row, y, y);
            if (j->pool)
                pooled = pool_rows(j, n, img, oh + 1, pooled);
        }
    }
}

void dae_conv2d_c1_forward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *b, float *y)
{
    dae_conv2d_c1_pool_forward(s, NULL, B, x, W, b, y, NULL);
}

void dae_conv2d_c1_pool_forward(const dae_conv_shape *s, const dae_pool_shape *ps,
                                int B, const float *x, const float *W,
                                const float *b, float *y, float *p)
{
    c1_job j = {s, patches(s), x, W, b, y, ps, p};

    dae_parallel_for((size_t)(B > 0 ? B : 0), 2, forward_images, &j);
}

/* ---- weight gradient ------------------------------------------------------ */

/* Rows and columns of the padded image: every tap of every output pixel. */
static int padded_rows(const dae_conv_shape *s)
{
    return (s->OH - 1) * s->SH + s->KH;
}

static int padded_cols(const dae_conv_shape *s)
{
    return (s->OW - 1) * s->SW + s->KW;
}

size_t dae_conv2d_c1_grad_scratch(const dae_conv_shape *s)
{
    size_t taps = (size_t)s->KH * (size_t)s->KW;
    return (size_t)padded_rows(s) * (size_t)padded_cols(s) + 8 * (taps + 1);
}

/* pad[r][c] = x[r - pad_top][c - pad_left], zero outside the image. */
static void pad_image(const dae_conv_shape *s, const float *x, float *pad)
{
    const int rows = padded_rows(s), cols = padded_cols(s);

    for (int r = 0; r < rows; r++, pad += cols) {
        int ih = r - s->pad_top;
        memset(pad, 0, (size_t)cols * sizeof *pad);
        if (ih < 0 || ih >= s->H)
            continue;
        for (int c = 0; c < cols; c++) {
            int iw = c - s->pad_left;
            if (iw >= 0 && iw < s->W)
                pad[c] = x[(size_t)ih * (size_t)s->W + (size_t)iw];
        }
    }
}

/* acc[tap] = the sum over output pixels of the tap's input times dy, for
 * filters [f0, f0 + n), n <= 8; acc[KH*KW] = the sum of dy. Inlined with
 * constant sizes (3x3, 8 filters) the accumulators live in registers. */
static inline __attribute__((always_inline)) void
grads_chunk(const dae_conv_shape *s, int KH, int KW, const float *pad,
            const float *dy, int f0, int n, v8 *acc)
{
    const int cols = padded_cols(s), taps = KH * KW;

    for (int t = 0; t <= taps; t++)
        acc[t] = (v8){0};
    for (int oh = 0; oh < s->OH; oh++) {
        const float *row = pad + (size_t)(oh * s->SH) * (size_t)cols;
        const float *g_at = dy + (size_t)oh * (size_t)s->OW * (size_t)s->F + f0;
        for (int ow = 0; ow < s->OW; ow++, g_at += s->F) {
            const float *p = row + ow * s->SW;
            v8 g;
            load_v8(&g, g_at, n);
            for (int kh = 0; kh < KH; kh++)
                for (int kw = 0; kw < KW; kw++)
                    acc[kh * KW + kw] += p[kh * cols + kw] * g;
            acc[taps] += g;
        }
    }
}

/* dW[tap][f0 ..] += acc[tap], db[f0 ..] += acc[taps], n lanes. */
static void add_chunk(const dae_conv_shape *s, const v8 *acc, int f0, int n,
                      float *dW, float *db)
{
    const int taps = s->KH * s->KW;

    for (int t = 0; t <= taps; t++) {
        float *to = t < taps ? dW + (size_t)t * (size_t)s->F + f0 : db ? db + f0 : NULL;
        if (!to)
            continue;
        v8 sum;
        load_v8(&sum, to, n);
        sum += acc[t];
        store_v8(to, &sum, n);
    }
}

void dae_conv2d_c1_weight_grads(const dae_conv_shape *s, const float *x,
                                const float *dy, float *dW, float *db,
                                float *scratch)
{
    float *pad = scratch;
    /* accumulators of kernels other than 3x3 live in the scratch */
    v8 *slow = (v8 *)(scratch + (size_t)padded_rows(s) * (size_t)padded_cols(s));

    pad_image(s, x, pad);
    for (int f0 = 0; f0 < s->F; f0 += 8) {
        int n = s->F - f0 < 8 ? s->F - f0 : 8;
        if (s->KH == 3 && s->KW == 3 && n == 8) {
            v8 acc[10];
            grads_chunk(s, 3, 3, pad, dy, f0, 8, acc);
            add_chunk(s, acc, f0, 8, dW, db);
        } else {
            grads_chunk(s, s->KH, s->KW, pad, dy, f0, n, slow);
            add_chunk(s, slow, f0, n, dW, db);
        }
    }
}
