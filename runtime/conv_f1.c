/* conv2d with one filter, walking the patches in place. Its column matrix
 * would be KH*KW times the input, and with F = 1 every product is a
 * matrix-vector one: im2col + BLAS is then bound by memory traffic (the
 * article's last layer, 28x28x64 -> 1 at B = 128, would write and read
 * 231 MB of patches per pass). Here each (output pixel, kernel row) is
 * one contiguous run of input, read from cache: a dot product forward, two
 * axpys backward. */
#include "conv_f1.h"

#include <string.h>
#include "im2col.h"
#include "parallel.h"

/* One weight gradient's floats. */
static size_t kernel_floats(const dae_conv_shape *s)
{
    return (size_t)s->KH * (size_t)s->KW * (size_t)s->C;
}

size_t dae_conv2d_f1_workspace(const dae_conv_shape *s, int B)
{
    return (size_t)(B > 0 ? B : 0) * kernel_floats(s);
}

/* 32 partial sums, four vectors' lanes: independent add chains (one
 * chain waits on the adder's latency every step), added in a fixed order. */
static float dot(const float *a, const float *b, int n)
{
    float acc[32] = {0}, tail = 0.0f;
    int i = 0;

    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 32; j++)
            acc[j] += a[i + j] * b[i + j];
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += a[i + j] * b[i + j];
    for (; i < n; i++)
        tail += a[i] * b[i];
    for (int j = 0; j < 8; j++)
        acc[j] = (acc[j] + acc[j + 8]) + (acc[j + 16] + acc[j + 24]);
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
           ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

static void axpy(float a, const float *restrict x, float *restrict y, int n)
{
    for (int i = 0; i < n; i++)
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
} f1_job;

static void forward_images(void *ctx, size_t first, size_t last)
{
    const f1_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW;

    for (size_t n = first; n < last; n++) {
        const float *x = j->x + n * in;
        float *y = j->y + n * out;
        for (int oh = 0; oh < s->OH; oh++)
            for (int ow = 0; ow < s->OW; ow++) {
                float acc = 0.0f;
                for (int kh = 0; kh < s->KH; kh++) {
                    size_t at = 0, k = 0;
                    int len = run(&j->p, oh, ow, kh, &at, &k);
                    acc += dot(x + at, j->W + k, len);
                }
                *y++ = acc + j->bias;
            }
        dae_act_apply(s->act, s->alpha, out, y - out, y - out);
    }
}

void dae_conv2d_f1_forward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *b, float *y)
{
    f1_job j = {s, patches(s), x, W, NULL, y, NULL, NULL, b ? b[0] : 0.0f};

    dae_parallel_for((size_t)(B > 0 ? B : 0), 2, forward_images, &j);
}

/* One image's weight gradient (into part, zeroed here) and, when dx is
 * not NULL, its input gradient added into dx. */
static void backward_image(const dae_patches *p, const float *x,
                           const float *W, const float *dy, float *dx,
                           float *part)
{
    memset(part, 0, (size_t)p->KH * (size_t)p->KW * (size_t)p->C * sizeof *part);
    for (int oh = 0; oh < p->OH; oh++)
        for (int ow = 0; ow < p->OW; ow++, dy++)
            for (int kh = 0; kh < p->KH; kh++) {
                size_t at = 0, k = 0;
                int len = run(p, oh, ow, kh, &at, &k);
                axpy(*dy, x + at, part + k, len);
                if (dx)
                    axpy(*dy, W + k, dx + at, len);
            }
}

static void backward_images(void *ctx, size_t first, size_t last)
{
    const f1_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW;
    const size_t nW = kernel_floats(s);

    for (size_t n = first; n < last; n++)
        backward_image(&j->p, j->x + n * in, j->W, j->dy + n * out,
                       j->dx ? j->dx + n * in : NULL, j->work + n * nW);
}

/* dW[i] = the images' partials summed in image order, whatever the split. */
typedef struct sum_job {
    const float *parts;
    float *dW;
    size_t nW;
    int B;
} sum_job;

static void sum_parts(void *ctx, size_t first, size_t last)
{
    const sum_job *j = ctx;

    for (size_t i = first; i < last; i++) {
        float acc = 0.0f;
        for (int n = 0; n < j->B; n++)
            acc += j->parts[(size_t)n * j->nW + i];
        j->dW[i] = acc;
    }
}

/* dW sums per-image partials: shorter float sums than one running total
 * over B*OH*OW terms, and the same sums however the images are split. */
void dae_conv2d_f1_backward(const dae_conv_shape *s, int B, const float *x,
                            const float *W, const float *dy, float *dx,
                            float *dW, float *db, float *work)
{
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW;
    const size_t nW = kernel_floats(s);
    const size_t nB = (size_t)(B > 0 ? B : 0);

    if (db) {
        float sum = 0.0f;
        for (size_t i = 0; i < nB * out; i++)
            sum += dy[i];
        db[0] = sum;
    }
    if (dx)
        memset(dx, 0, nB * in * sizeof *dx);
    f1_job j = {s, patches(s), x, W, dy, NULL, dx, work, 0.0f};
    dae_parallel_for(nB, 2, backward_images, &j);
    sum_job sj = {work, dW, nW, B};
    dae_parallel_for(nW, 1024, sum_parts, &sj);
}
