/* Max pooling on NHWC tensors, TensorFlow's CPU semantics: windows are
 * clipped to the image (padding is never a candidate) and a value replaces
 * the running maximum only if strictly greater, so the first maximum in
 * row-major window order is the argmax. Channels are the inner loop. */
#include "pool.h"

#include "act_v8.h"
#include "parallel.h"
#include "v8.h"

#include <string.h>

/* Channels handled per pass of the backward argmax search. */
#define CHUNK 64

/* The window of output (oh, ow) clipped to the image: rows [*r0, *r1),
 * columns [*c0, *c1). */
static void window(const dae_pool_shape *s, int oh, int ow, int *r0, int *r1,
                   int *c0, int *c1)
{
    int r = oh * s->SH - s->pad_top, c = ow * s->SW - s->pad_left;

    *r0 = r < 0 ? 0 : r;
    *r1 = r + s->PH < s->H ? r + s->PH : s->H;
    *c0 = c < 0 ? 0 : c;
    *c1 = c + s->PW < s->W ? c + s->PW : s->W;
}

/* The article's pooling, 2x2 windows at stride 2, has a window of four
 * whole cells almost everywhere: those skip the general loops. */
static int whole_2x2(const dae_pool_shape *s, int r0, int r1, int c0, int c1)
{
    return s->PH == 2 && s->PW == 2 && r1 - r0 == 2 && c1 - c0 == 2;
}

/* The maximum of four cells taken in row-major order, as the general loop
 * visits them: a later cell replaces it only if strictly greater. */
static inline float max_2x2(float a, float b, float c, float d)
{
    float m = a;
    m = b > m ? b : m;
    m = c > m ? c : m;
    return d > m ? d : m;
}

static void pool_2x2(const float *restrict a, const float *restrict b,
                     const float *restrict c, const float *restrict d, int C,
                     float *restrict y)
{
    for (int k = 0; k < C; k++)
        y[k] = max_2x2(a[k], b[k], c[k], d[k]);
}

static void pool_pixel(const dae_pool_shape *s, const float *img, int oh,
                       int ow, float *y)
{
    const int C = s->C;
    int r0, r1, c0, c1;

    window(s, oh, ow, &r0, &r1, &c0, &c1);
    if (r0 >= r1 || c0 >= c1) {
        /* Only reachable for padding no TF rule produces. */
        memset(y, 0, (size_t)C * sizeof *y);
        return;
    }
    const float *first = img + ((size_t)r0 * (size_t)s->W + (size_t)c0) * (size_t)C;
    if (whole_2x2(s, r0, r1, c0, c1)) {
        const float *below = first + (size_t)s->W * (size_t)C;
        pool_2x2(first, first + C, below, below + C, C, y);
        return;
    }
    for (int k = 0; k < C; k++)
        y[k] = first[k];
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) {
            const float *v = img + ((size_t)r * (size_t)s->W + (size_t)c) * (size_t)C;
            for (int k = 0; k < C; k++)
                y[k] = v[k] > y[k] ? v[k] : y[k];
        }
}

/* Images are independent: ranges of them go to different threads. */
typedef struct pool_job {
    const dae_pool_shape *s;
    const float *x, *dy;
    float *y, *dx;
    dae_act x_act;
    float x_alpha;
} pool_job;

void dae_maxpool_forward_row(const dae_pool_shape *s, const float *img, int oh,
                             float *y)
{
    for (int ow = 0; ow < s->OW; ow++, y += s->C)
        pool_pixel(s, img, oh, ow, y);
}

int dae_maxpool_rows_read(const dae_pool_shape *s, int oh)
{
    int end = oh * s->SH - s->pad_top + s->PH;
    return end < s->H ? end : s->H;
}

static void forward_range(void *ctx, size_t first, size_t last)
{
    const pool_job *j = ctx;
    const dae_pool_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW * (size_t)s->C;
    const size_t row = (size_t)s->OW * (size_t)s->C;
    for (size_t n = first; n < last; n++)
        for (int oh = 0; oh < s->OH; oh++)
            dae_maxpool_forward_row(s, j->x + n * in, oh, j->y + n * out + (size_t)oh * row);
}

void dae_maxpool_forward(const dae_pool_shape *s, int B, const float *x, float *y)
{
    pool_job j = {s, x, NULL, y, NULL, DAE_LINEAR, 0.0f};
    dae_parallel_for((size_t)(B > 0 ? B : 0), 2, forward_range, &j);
}

/* Adds dy[k] for channels k0 .. k0+nk-1 of output (oh, ow) into dimg at
 * the first maximum of each channel's window in img. In two vectorisable
 * passes: the maximum as the forward pass finds it, then the first cell
 * equal to it. A NaN maximum can only be the first cell (a NaN never
 * compares greater), which the strictly-greater scan also keeps. */
static void unpool_chunk(const dae_pool_shape *s, const float *img, int oh,
                         int ow, int k0, int nk, const float *dy, float *dimg)
{
    const size_t C = (size_t)s->C;
    float m[CHUNK];
    int open[CHUNK];
    int r0, r1, c0, c1;

    window(s, oh, ow, &r0, &r1, &c0, &c1);
    if (r0 >= r1 || c0 >= c1)
        return;
    const float *first = img + ((size_t)r0 * (size_t)s->W + (size_t)c0) * C + k0;
    for (int k = 0; k < nk; k++) {
        m[k] = first[k];
        open[k] = 1;
    }
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) {
            const float *v = img + ((size_t)r * (size_t)s->W + (size_t)c) * C + k0;
            for (int k = 0; k < nk; k++)
                m[k] = v[k] > m[k] ? v[k] : m[k];
        }
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) {
            const size_t off = ((size_t)r * (size_t)s->W + (size_t)c) * C + (size_t)k0;
            const float *v = img + off;
            float *d = dimg + off;
            for (int k = 0; k < nk; k++) {
                int hit = open[k] & ((v[k] == m[k]) | (m[k] != m[k]));
                d[k] += hit ? dy[k] : 0.0f;
                open[k] &= !hit;
            }
        }
}

/* unpool_chunk for a whole 2x2 window (cells a, b above c, d), all
 * channels at once: the first cell equal to the maximum takes dy. */
static void unpool_2x2(const float *restrict a, const float *restrict b,
                       const float *restrict c, const float *restrict d, int C,
                       const float *restrict dy, float *restrict da,
                       float *restrict db, float *restrict dc, float *restrict dd)
{
    for (int k = 0; k < C; k++) {
        float m = max_2x2(a[k], b[k], c[k], d[k]);
        int ha = (a[k] == m) | (m != m);
        int hb = !ha & (b[k] == m);
        int hc = !ha & !hb & (c[k] == m);
        int hd = !ha & !hb & !hc;
        da[k] += ha ? dy[k] : 0.0f;
        db[k] += hb ? dy[k] : 0.0f;
        dc[k] += hc ? dy[k] : 0.0f;
        dd[k] += hd ? dy[k] : 0.0f;
    }
}

/* One output pixel's dy into dimg (one image), at each window's maximum. */
static void unpool_pixel(const dae_pool_shape *s, const float *img, int oh,
                         int ow, const float *dy, float *dimg)
{
    const int C = s->C;
    int r0, r1, c0, c1;

    window(s, oh, ow, &r0, &r1, &c0, &c1);
    if (whole_2x2(s, r0, r1, c0, c1)) {
        size_t at = ((size_t)r0 * (size_t)s->W + (size_t)c0) * (size_t)C;
        size_t row = (size_t)s->W * (size_t)C;
        const float *a = img + at;
        float *da = dimg + at;
        unpool_2x2(a, a + C, a + row, a + row + C, C, dy, da, da + C, da + row,
                   da + row + C);
        return;
    }
    for (int k0 = 0; k0 < C; k0 += CHUNK)
        unpool_chunk(s, img, oh, ow, k0, C - k0 < CHUNK ? C - k0 : CHUNK, dy + k0, dimg);
}

/* The windows are 2x2 at stride 2 and cover the image exactly: each cell
 * is in one window, whole. */
static int tiles_2x2(const dae_pool_shape *s)
{
    return s->PH == 2 && s->PW == 2 && s->SH == 2 && s->SW == 2 && s->pad_top == 0 &&
           s->pad_left == 0 && s->H == 2 * s->OH && s->W == 2 * s->OW;
}

/* One cell's gradient on 8 channels into *g: 0 + dy where hit (as a
 * zeroed dx then += gives it: +0 for a dy of -0), else 0; then through
 * the derivative of x's activation (one dae_act_in_registers accepts). */
static inline void cell_grad_v8(v8 *g, const mask8 *hit, const v8 *dy, const v8 *x,
                                dae_act a, float alpha)
{
    const v8 zero = {0}, sum = zero + *dy;

    select_v8(g, hit, &sum, &zero);
    dae_act_grad_v8(a, alpha, x, g);
}

/* unpool_2x2 with x's activation folded in, 8 channels at a time (C a
 * multiple of 8), for windows that tile the image: each cell is written
 * once, where unpool_2x2 adds into a zeroed dx and a second pass applies
 * the derivative. The same maximum and first-hit rule, as lane masks. */
static inline void unpool_2x2_act(const float *a, const float *b, const float *c,
                                  const float *d, int C, dae_act act, float alpha,
                                  const float *dy, float *da, float *db, float *dc,
                                  float *dd)
{
    for (int k = 0; k < C; k += 8) {
        const v8 va = *(const v8 *)(a + k), vb = *(const v8 *)(b + k);
        const v8 vc = *(const v8 *)(c + k), vd = *(const v8 *)(d + k);
        const v8 g = *(const v8 *)(dy + k);
        v8 m = va;
        mask8 gt = vb > m;
        select_v8(&m, &gt, &vb, &m);
        gt = vc > m;
        select_v8(&m, &gt, &vc, &m);
        gt = vd > m;
        select_v8(&m, &gt, &vd, &m);
        const mask8 ha = (va == m) | (m != m);
        const mask8 hb = ~ha & (vb == m);
        const mask8 hc = ~ha & ~hb & (vc == m);
        const mask8 hd = ~ha & ~hb & ~hc;
        cell_grad_v8((v8 *)(da + k), &ha, &g, &va, act, alpha);
        cell_grad_v8((v8 *)(db + k), &hb, &g, &vb, act, alpha);
        cell_grad_v8((v8 *)(dc + k), &hc, &g, &vc, act, alpha);
        cell_grad_v8((v8 *)(dd + k), &hd, &g, &vd, act, alpha);
    }
}

/* The article's pools: every window whole and apart, x's activation (the
 * layer's below) a select, a constant in each call so that no branch on
 * it stays in the channel loop. */
static inline void backward_tiled_as(const dae_pool_shape *s, const float *x, dae_act x_act,
                                     float x_alpha, const float *dy, float *dx)
{
    const int C = s->C;
    const size_t row = (size_t)s->W * (size_t)C;

    for (int oh = 0; oh < s->OH; oh++)
        for (int ow = 0; ow < s->OW; ow++, dy += C) {
            size_t at = (size_t)(2 * oh) * row + (size_t)(2 * ow) * (size_t)C;
            const float *a = x + at;
            float *da = dx + at;
            unpool_2x2_act(a, a + C, a + row, a + row + C, C, x_act, x_alpha, dy, da,
                           da + C, da + row, da + row + C);
        }
}

static void backward_tiled(const dae_pool_shape *s, const float *x, dae_act x_act,
                           float x_alpha, const float *dy, float *dx)
{
    if (x_act == DAE_RELU)
        backward_tiled_as(s, x, DAE_RELU, x_alpha, dy, dx);
    else if (x_act == DAE_LEAKY_RELU)
        backward_tiled_as(s, x, DAE_LEAKY_RELU, x_alpha, dy, dx);
    else
        backward_tiled_as(s, x, DAE_LINEAR, x_alpha, dy, dx);
}

/* backward_tiled's case: windows that tile the image, whole vectors of
 * channels, a derivative that is a select. */
static int tiled_backward(const dae_pool_shape *s, dae_act x_act)
{
    return tiles_2x2(s) && s->C % 8 == 0 && dae_act_in_registers(x_act);
}

void dae_maxpool_backward_image(const dae_pool_shape *s, const float *x, dae_act x_act,
                                float x_alpha, const float *dy, float *dx)
{
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;

    if (tiled_backward(s, x_act)) {
        backward_tiled(s, x, x_act, x_alpha, dy, dx);
        return;
    }
    memset(dx, 0, in * sizeof *dx);
    for (int oh = 0; oh < s->OH; oh++)
        for (int ow = 0; ow < s->OW; ow++, dy += s->C)
            unpool_pixel(s, x, oh, ow, dy, dx);
    if (x_act != DAE_LINEAR)
        dae_act_grad_apply(x_act, x_alpha, in, x, dx, dx);
}

static void backward_range(void *ctx, size_t first, size_t last)
{
    const pool_job *j = ctx;
    const dae_pool_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW * (size_t)s->C;
    for (size_t n = first; n < last; n++) {
        const float *x = j->x + n * in;
        dae_maxpool_backward_image(s, x, j->x_act, j->x_alpha, j->dy + n * out,
                                   j->dx + n * in);
    }
}

void dae_maxpool_backward(const dae_pool_shape *s, int B, const float *x,
                          dae_act x_act, float x_alpha, const float *y,
                          const float *dy, float *dx)
{
    (void)y; /* the argmax is found again in x, as TF's CPU kernel does */
    pool_job j = {s, x, dy, NULL, dx, x_act, x_alpha};
    dae_parallel_for((size_t)(B > 0 ? B : 0), 2, backward_range, &j);
}
