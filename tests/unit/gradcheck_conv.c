/* Checks of the convolution, pooling and upsampling kernels (runtime/
 * conv.h) on odd shapes, strides and both TF paddings:
 *  - forward values against naive direct loops written from the TF
 *    formulas in docs/keras-semantics.md section 2 (conv2d as a direct
 *    correlation, conv2d_transpose as a scatter);
 *  - dx, dW, db against central differences of L = sum(w * y);
 *  - conv2d_transpose as the exact adjoint of conv2d;
 *  - max pooling's padding, ties and overlapping windows;
 *  - batch grouping (a small group cap) against one group;
 *  - a conv2d's backward fused with the max pool above it against the two
 *    passes it replaces.
 * Each comparison is also shown to fail on a deliberately wrong answer (a
 * padding shifted by one pixel, a flipped gradient). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
#include "check.h"
#include "conv.h"
#include "floats.h"
#include "im2col.h"

/* Normwise tolerance for a numerical gradient. The kernels are linear in
 * each argument, so central differences are exact up to float rounding
 * (observed below 1e-4); a sign, tap or padding error is of order 1. */
#define GRAD_TOL 2e-3
/* Forward values against double-precision references. */
#define VALUE_TOL 1e-5

/* ---- helpers ------------------------------------------------------------ */

static void fill(float *a, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = urand(lo, hi);
}

static void fill_nan(float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = NAN;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* TensorFlow's output size and padding before for one dimension
 * (kernel_shape_util.cc): SAME out = ceil(in/s), P = max(0, (out-1)s+k-in),
 * before = floor(P/2); VALID out = ceil((in-k+1)/s), no padding. */
static void tf_dim(int in, int k, int s, int same, int *out, int *before)
{
    if (same) {
        int P;
        *out = (in + s - 1) / s;
        P = (*out - 1) * s + k - in;
        *before = P > 0 ? P / 2 : 0;
    } else {
        *out = (in - k + s) / s;
        *before = 0;
    }
}

/* Keras's Conv2DTranspose output size (conv_utils.deconv_output_length). */
static int keras_deconv_out(int in, int k, int s, int same)
{
    return same ? in * s : in * s + (k > s ? k - s : 0);
}

/* ---- numerical gradients ------------------------------------------------ */


/* ana against num, and that the comparison fails on ana flipped. */
static void check_grad(const char *name, const float *ana, const float *num,
                       size_t n)
{
    float *bad = zeroed_floats(n);
    double err = check_max_rel(ana, num, n, 1e-6), err_flip;
    char mname[160];

    check_report(err < GRAD_TOL, name, "max rel err %.2e", err);
    for (size_t i = 0; i < n; i++)
        bad[i] = -ana[i];
    err_flip = check_max_rel(bad, num, n, 1e-6);
    snprintf(mname, sizeof mname, "%s_detects_flipped", name);
    check_report(err_flip > 100 * GRAD_TOL, mname, "flipped %.2e", err_flip);
    free(bad);
}

/* ---- naive references --------------------------------------------------- */

/* TF's Conv2D as a direct correlation; taps outside the image are 0. */
static void ref_conv2d(const dae_conv_shape *s, int B, const float *x,
                       const float *W, const float *b, float *y)
{
    for (int n = 0; n < B; n++)
        for (int oh = 0; oh < s->OH; oh++)
            for (int ow = 0; ow < s->OW; ow++)
                for (int f = 0; f < s->F; f++) {
                    double acc = b ? b[f] : 0.0;
                    for (int kh = 0; kh < s->KH; kh++)
                        for (int kw = 0; kw < s->KW; kw++) {
                            int ih = oh * s->SH + kh - s->pad_top;
                            int iw = ow * s->SW + kw - s->pad_left;
                            if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W)
                                continue;
                            for (int c = 0; c < s->C; c++)
                                acc += (double)x[((n * s->H + ih) * s->W + iw) * s->C + c] *
                                       W[((kh * s->KW + kw) * s->C + c) * s->F + f];
                        }
                    y[((n * s->OH + oh) * s->OW + ow) * s->F + f] = (float)acc;
                }
}

/* TF's conv2d_transpose as the scatter of keras-semantics.md:
 * out[n,p,q,o] = b[o] + sum in[n,i,j,c] W[kh,kw,o,c] over
 * p = i*SH + kh - pad_top, q = j*SW + kw - pad_left inside the output. */
static void ref_conv2d_transpose(const dae_conv_shape *s, int B, const float *x,
                                 const float *W, const float *b, float *y)
{
    size_t ny = (size_t)B * s->OH * s->OW * s->F;
    double *acc = calloc(ny, sizeof *acc);

    if (!acc)
        exit(2);
    for (int n = 0; n < B; n++)
        for (int i = 0; i < s->H; i++)
            for (int j = 0; j < s->W; j++)
                for (int kh = 0; kh < s->KH; kh++)
                    for (int kw = 0; kw < s->KW; kw++) {
                        int p = i * s->SH + kh - s->pad_top;
                        int q = j * s->SW + kw - s->pad_left;
                        if (p < 0 || p >= s->OH || q < 0 || q >= s->OW)
                            continue;
                        for (int o = 0; o < s->F; o++)
                            for (int c = 0; c < s->C; c++)
                                acc[((n * s->OH + p) * s->OW + q) * s->F + o] +=
                                    (double)x[((n * s->H + i) * s->W + j) * s->C + c] *
                                    W[((kh * s->KW + kw) * s->F + o) * s->C + c];
                    }
    for (size_t k = 0; k < ny; k++)
        y[k] = (float)(acc[k] + (b ? b[k % (size_t)s->F] : 0.0));
    free(acc);
}

/* ---- conv2d and conv2d_transpose ---------------------------------------- */

struct conv_spec {
    int B, H, W, C, KH, KW, F, SH, SW, same;
};

struct conv_case {
    int transpose, B;
    dae_conv_shape s;
    size_t nx, nW, ny;
    float *x, *W, *b, *w, *y, *work;
};

static dae_conv_shape conv_shape(const struct conv_spec *c)
{
    dae_conv_shape s = {c->H, c->W, c->C, c->KH, c->KW, c->F, c->SH, c->SW,
                        0, 0, 0, 0, DAE_CONV_IM2COL, DAE_LINEAR, 0.0f};
    tf_dim(c->H, c->KH, c->SH, c->same, &s.OH, &s.pad_top);
    tf_dim(c->W, c->KW, c->SW, c->same, &s.OW, &s.pad_left);
    return s;
}

/* Keras's Conv2DTranspose: output size from deconv_output_length, padding
 * that of the forward conv2d mapping the output back to H x W. */
static dae_conv_shape transpose_shape(const struct conv_spec *c)
{
    dae_conv_shape s = {c->H, c->W, c->C, c->KH, c->KW, c->F, c->SH, c->SW,
                        0, 0, 0, 0, DAE_CONV_IM2COL, DAE_LINEAR, 0.0f};
    int h, w;

    s.OH = keras_deconv_out(c->H, c->KH, c->SH, c->same);
    s.OW = keras_deconv_out(c->W, c->KW, c->SW, c->same);
    tf_dim(s.OH, c->KH, c->SH, c->same, &h, &s.pad_top);
    tf_dim(s.OW, c->KW, c->SW, c->same, &w, &s.pad_left);
    if (h != c->H || w != c->W) {
        fprintf(stderr, "gradcheck_conv: inconsistent transpose case\n");
        exit(2);
    }
    return s;
}

static void conv_case_init(struct conv_case *k, const struct conv_spec *c,
                           int transpose)
{
    k->transpose = transpose;
    k->B = c->B;
    k->s = transpose ? transpose_shape(c) : conv_shape(c);
    k->nx = (size_t)c->B * k->s.H * k->s.W * k->s.C;
    k->nW = (size_t)k->s.KH * k->s.KW * k->s.C * k->s.F;
    k->ny = (size_t)c->B * k->s.OH * k->s.OW * k->s.F;
    k->x = zeroed_floats(k->nx);
    k->W = zeroed_floats(k->nW);
    k->b = zeroed_floats((size_t)k->s.F);
    k->w = zeroed_floats(k->ny);
    k->y = zeroed_floats(k->ny);
    /* Exactly the advertised size, so ASan sees any overrun. */
    size_t ws = transpose ? dae_conv2d_transpose_workspace(&k->s, k->B)
                          : dae_conv2d_workspace(&k->s, k->B);
    k->work = malloc(sizeof(float) * ws);
    fill_nan(k->work, ws);
    fill(k->x, k->nx, -1, 1);
    fill(k->W, k->nW, -1, 1);
    fill(k->b, (size_t)k->s.F, -1, 1);
    fill(k->w, k->ny, -1, 1);
}

/* Another algorithm needs its own scratch (Winograd's, or im2col's where
 * the direct loops needed none). */
static void conv_case_use_algo(struct conv_case *k, int algo)
{
    if (algo == k->s.algo)
        return;
    k->s.algo = algo;
    size_t ws = k->transpose ? dae_conv2d_transpose_workspace(&k->s, k->B)
                             : dae_conv2d_workspace(&k->s, k->B);
    free(k->work);
    k->work = malloc(sizeof(float) * ws);
    fill_nan(k->work, ws);
}

static void conv_case_free(struct conv_case *k)
{
    free(k->x);
    free(k->W);
    free(k->b);
    free(k->w);
    free(k->y);
    free(k->work);
}

static void conv_forward(struct conv_case *k, const float *b, float *y)
{
    if (k->transpose)
        dae_conv2d_transpose_forward(&k->s, k->B, k->x, k->W, b, y, k->work);
    else
        dae_conv2d_forward(&k->s, k->B, k->x, k->W, b, y, k->work);
}

/* dx through x_act, the activation that produced x. */
static void conv_backward_act(struct conv_case *k, dae_act x_act, float x_alpha,
                              const float *dy, float *dx, float *dW, float *db)
{
    if (k->transpose)
        dae_conv2d_transpose_backward(&k->s, k->B, k->x, x_act, x_alpha, k->W, dy,
                                      dx, dW, db, k->work);
    else
        dae_conv2d_backward(&k->s, k->B, k->x, x_act, x_alpha, k->W, dy, dx, dW,
                            db, k->work);
}

static void conv_backward(struct conv_case *k, const float *dy, float *dx,
                          float *dW, float *db)
{
    conv_backward_act(k, DAE_LINEAR, 0.0f, dy, dx, dW, db);
}

static void conv_reference(const struct conv_case *k, const dae_conv_shape *s,
                           const float *b, float *y)
{
    if (k->transpose)
        ref_conv2d_transpose(s, k->B, k->x, k->W, b, y);
    else
        ref_conv2d(s, k->B, k->x, k->W, b, y);
}

static double conv_objective(void *ctx)
{
    struct conv_case *k = ctx;

    conv_forward(k, k->b, k->y);
    return dot(k->w, k->y, k->ny);
}

/* Forward with and without bias against the naive reference, and the
 * reference with the padding shifted one pixel must disagree. */
static void check_conv_forward(const char *name, struct conv_case *k)
{
    float *ref = zeroed_floats(k->ny);
    dae_conv_shape shifted = k->s;
    char nm[160];
    double err, err_nob, err_shift;

    conv_forward(k, k->b, k->y);
    conv_reference(k, &k->s, k->b, ref);
    err = check_max_rel(k->y, ref, k->ny, 1e-6);
    conv_forward(k, NULL, k->y);
    conv_reference(k, &k->s, NULL, ref);
    err_nob = check_max_rel(k->y, ref, k->ny, 1e-6);
    snprintf(nm, sizeof nm, "%s_forward", name);
    check_report(err < VALUE_TOL && err_nob < VALUE_TOL, nm,
                 "max rel err %.2e, no bias %.2e", err, err_nob);

    shifted.pad_top += 1;
    shifted.pad_left += 1;
    conv_reference(k, &shifted, NULL, ref);
    err_shift = check_max_rel(k->y, ref, k->ny, 1e-6);
    snprintf(nm, sizeof nm, "%s_forward_detects_shifted_padding", name);
    check_report(err_shift > 1e-2, nm, "shifted %.2e", err_shift);
    free(ref);
}

static void check_conv_grads(const char *name, struct conv_case *k)
{
    float *dx = zeroed_floats(k->nx), *dW = zeroed_floats(k->nW);
    float *db = zeroed_floats((size_t)k->s.F), *dW2 = zeroed_floats(k->nW);
    float *num = zeroed_floats(k->nx > k->nW ? k->nx : k->nW);
    char nm[160];

    /* NaN in the outputs: the kernels must overwrite, never read them. */
    fill_nan(dx, k->nx);
    fill_nan(dW, k->nW);
    fill_nan(db, (size_t)k->s.F);
    conv_backward(k, k->w, dx, dW, db);

    numeric_grad(conv_objective, k, k->x, k->nx, 0.05f, num);
    snprintf(nm, sizeof nm, "%s_dx", name);
    check_grad(nm, dx, num, k->nx);
    numeric_grad(conv_objective, k, k->W, k->nW, 0.05f, num);
    snprintf(nm, sizeof nm, "%s_dW", name);
    check_grad(nm, dW, num, k->nW);
    numeric_grad(conv_objective, k, k->b, (size_t)k->s.F, 0.05f, num);
    snprintf(nm, sizeof nm, "%s_db", name);
    check_grad(nm, db, num, (size_t)k->s.F);

    /* dx and db are optional and must not change dW. */
    conv_backward(k, k->w, NULL, dW2, NULL);
    snprintf(nm, sizeof nm, "%s_dW_without_dx_db", name);
    check_report(memcmp(dW, dW2, k->nW * sizeof *dW) == 0, nm, NULL);
    free(dx);
    free(dW);
    free(db);
    free(dW2);
    free(num);
}

/* <conv2d(u), v> == <u, conv2d_transpose(v)> for the transpose sharing
 * conv2d's kernel array, strides and padding. */
static void check_adjoint(const char *name, const struct conv_spec *c)
{
    dae_conv_shape s = conv_shape(c);
    dae_conv_shape t = {s.OH, s.OW, s.F, s.KH, s.KW, s.C, s.SH, s.SW,
                        s.H, s.W, s.pad_top, s.pad_left, DAE_CONV_IM2COL, DAE_LINEAR, 0.0f};
    size_t nu = (size_t)c->B * s.H * s.W * s.C, nv = (size_t)c->B * s.OH * s.OW * s.F;
    size_t nW = (size_t)s.KH * s.KW * s.C * s.F;
    size_t nwork = dae_conv2d_workspace(&s, c->B);
    size_t nwork_t = dae_conv2d_transpose_workspace(&t, c->B);
    float *u = zeroed_floats(nu), *v = zeroed_floats(nv), *W = zeroed_floats(nW);
    float *cu = zeroed_floats(nv), *tv = zeroed_floats(nu);
    float *work = zeroed_floats(nwork > nwork_t ? nwork : nwork_t);
    double lhs, rhs, scale = 0, err;
    char nm[160];

    fill(u, nu, -1, 1);
    fill(v, nv, -1, 1);
    fill(W, nW, -1, 1);
    dae_conv2d_forward(&s, c->B, u, W, NULL, cu, work);
    dae_conv2d_transpose_forward(&t, c->B, v, W, NULL, tv, work);
    lhs = dot(cu, v, nv);
    rhs = dot(u, tv, nu);
    for (size_t i = 0; i < nv; i++)
        scale += fabs((double)cu[i] * v[i]);
    err = fabs(lhs - rhs) / (scale > 1e-30 ? scale : 1e-30);
    snprintf(nm, sizeof nm, "%s_transpose_is_adjoint", name);
    check_report(err < 1e-6, nm, "<conv u, v> %.6g, <u, convT v> %.6g, rel %.1e",
                 lhs, rhs, err);
    free(u);
    free(v);
    free(W);
    free(cu);
    free(tv);
    free(work);
}

static void spec_name(char *buf, size_t n, const char *kind,
                      const struct conv_spec *c)
{
    snprintf(buf, n, "%s_%dx%dx%d_k%dx%d_f%d_s%dx%d_%s_B%d", kind, c->H, c->W,
             c->C, c->KH, c->KW, c->F, c->SH, c->SW, c->same ? "same" : "valid",
             c->B);
}

static void run_conv_spec(const struct conv_spec *c, int transpose)
{
    struct conv_case k;
    char name[128];

    spec_name(name, sizeof name, transpose ? "conv2d_transpose" : "conv2d", c);
    conv_case_init(&k, c, transpose);
    check_conv_forward(name, &k);
    check_conv_grads(name, &k);
    /* One filter or one input channel took a direct path: the plain
     * im2col + sgemm one (daec --im2col-only) must agree as well. */
    if (!transpose && (c->F == 1 || c->C == 1)) {
        char gemm[160];
        snprintf(gemm, sizeof gemm, "%s_gemm", name);
        conv_case_use_algo(&k, DAE_CONV_GEMM);
        check_conv_forward(gemm, &k);
        check_conv_grads(gemm, &k);
    }
    conv_case_free(&k);
    if (!transpose) {
        spec_name(name, sizeof name, "conv2d", c);
        check_adjoint(name, c);
    }
}

/* conv2d needs H >= KH for valid; the transpose cases take any. */
static const struct conv_spec conv_specs[] = {
    {2, 5, 9, 1, 3, 3, 2, 1, 1, 1},
    {3, 5, 9, 2, 3, 3, 3, 2, 2, 1},
    {2, 7, 7, 3, 2, 3, 4, 3, 3, 1},
    {2, 7, 7, 4, 3, 2, 5, 2, 2, 0},
    {3, 5, 9, 3, 1, 1, 1, 1, 1, 0},
    {2, 1, 1, 2, 3, 3, 3, 1, 1, 1},
    {2, 1, 1, 3, 1, 1, 2, 2, 2, 1},
    {3, 9, 5, 2, 3, 3, 1, 3, 3, 0},
    {2, 5, 9, 4, 2, 3, 3, 1, 2, 1},
    {2, 7, 7, 1, 3, 3, 5, 2, 2, 1},
    {2, 6, 8, 2, 3, 3, 2, 2, 2, 1},
    {2, 7, 7, 2, 1, 1, 2, 3, 3, 0},
    {2, 4, 6, 3, 3, 2, 4, 2, 3, 0},
    {2, 3, 3, 2, 3, 3, 3, 1, 1, 0},
    {2, 5, 9, 1, 1, 1, 3, 2, 2, 1}, /* one tap: the K = 1 product */
    /* One channel, 32k filters: blocks of three pixels inside the image. */
    {2, 6, 10, 1, 3, 3, 32, 1, 1, 1},
    {2, 7, 13, 1, 3, 3, 64, 1, 2, 0},
    /* One filter: the direct path (conv_f1.c). */
    {2, 7, 7, 4, 3, 3, 1, 1, 1, 1},
    {3, 5, 9, 3, 3, 3, 1, 2, 2, 1},
    {2, 6, 8, 2, 2, 3, 1, 2, 3, 1},
    {2, 5, 9, 10, 3, 3, 1, 1, 1, 1}, /* runs of 30: vector body and tail */
    {2, 1, 1, 2, 3, 3, 1, 1, 1, 1},
    /* 32k channels: blocks of pixels inside the image, forward (kernel
     * rows of 32k floats) and backward (input pixels every tap sees). */
    {2, 6, 11, 32, 3, 3, 1, 1, 1, 1},
    {2, 5, 13, 32, 3, 3, 1, 1, 2, 0},
    {2, 7, 9, 32, 3, 3, 1, 1, 1, 0},
    /* Even kernels on odd sizes: 4x4 stride 2 'same' on 7 pads 1 before,
     * 2 after. */
    {2, 7, 7, 1, 4, 4, 4, 2, 2, 1},
    {2, 7, 9, 3, 4, 2, 5, 2, 2, 1},
    {2, 8, 8, 3, 3, 3, 6, 2, 2, 0},
};

static const struct conv_spec transpose_specs[] = {
    {2, 3, 4, 2, 3, 3, 2, 2, 2, 1}, /* the article's layer, small */
    {2, 5, 9, 1, 3, 3, 3, 2, 2, 1},
    {3, 7, 7, 3, 3, 3, 1, 1, 1, 1},
    {2, 5, 9, 4, 2, 3, 5, 3, 3, 1},
    {2, 5, 9, 2, 3, 2, 4, 2, 2, 0},
    {2, 1, 1, 3, 3, 3, 2, 2, 2, 1},
    {2, 1, 1, 2, 1, 1, 3, 3, 3, 0},
    {3, 4, 3, 2, 1, 1, 2, 1, 1, 0},
    {2, 3, 5, 3, 3, 3, 2, 3, 1, 0},
    {2, 7, 7, 2, 2, 3, 3, 1, 2, 1},
    {2, 5, 5, 4, 3, 3, 5, 1, 3, 0},
    {2, 4, 3, 3, 1, 1, 1, 2, 2, 0}, /* one tap, one filter */
    /* 5x5 stride 2 'same': 4 -> 8 with pad_before 1. */
    {2, 4, 4, 5, 5, 5, 3, 2, 2, 1},
    {2, 3, 3, 6, 3, 3, 1, 2, 2, 0}, /* 3 -> 7 */
    {2, 3, 5, 2, 4, 4, 2, 2, 2, 1},
    /* Filters in registers, 64 at a time: a whole chunk and one vector;
     * one vector and a tail of five. */
    {2, 3, 4, 3, 3, 3, 72, 2, 2, 1},
    {2, 4, 3, 2, 3, 3, 13, 2, 2, 0},
};

/* The article's Conv2DTranspose(3x3, strides 2, 'same') on a 7x7 input:
 * output 14, pad_before 0 (the forward conv's P = 1 is all after); a 5x5
 * one on 4: output 8, P = 3, pad_before 1; a 4x4 stride 2 'same' conv2d
 * on 7: P = 3, pad_before 1. */
static void check_geometry(void)
{
    struct conv_spec c = {1, 7, 7, 64, 3, 3, 64, 2, 2, 1};
    dae_conv_shape s = transpose_shape(&c);

    struct conv_spec c5 = {1, 4, 4, 3, 5, 5, 3, 2, 2, 1};
    dae_conv_shape s5 = transpose_shape(&c5);

    check_report(s.OH == 14 && s.OW == 14 && s.pad_top == 0 && s.pad_left == 0,
                 "conv2d_transpose_article_geometry", "OH %d pad_top %d", s.OH,
                 s.pad_top);
    struct conv_spec c4 = {1, 7, 7, 1, 4, 4, 4, 2, 2, 1};
    dae_conv_shape s4 = conv_shape(&c4);
    check_report(s4.OH == 4 && s4.pad_top == 1, "conv2d_4x4_same_on_7_geometry",
                 "OH %d pad_top %d", s4.OH, s4.pad_top);
    check_report(s5.OH == 8 && s5.pad_top == 1,
                 "conv2d_transpose_5x5_same_geometry", "OH %d pad_top %d",
                 s5.OH, s5.pad_top);
}

/* ---- fused activation ---------------------------------------------------- */

/* A check name's mark for a Winograd algo. */
static const char *algo_suffix(int algo)
{
    return algo == DAE_CONV_WINOGRAD       ? "_winograd"
           : algo == DAE_CONV_WINOGRAD_4X4 ? "_winograd4x4"
                                           : "";
}

/* With x the output of act, the input gradient through act's derivative
 * gives the bits of the plain backward followed by dae_act_backward. */
static void check_fused_input_grad(const struct conv_spec *c, int transpose,
                                   int algo, dae_act act, float alpha)
{
    struct conv_case k;
    char name[128], nm[220];

    spec_name(name, sizeof name, transpose ? "conv2d_transpose" : "conv2d", c);
    conv_case_init(&k, c, transpose);
    conv_case_use_algo(&k, algo);
    dae_act_forward(act, alpha, k.nx, k.x, k.x);
    float *plain = zeroed_floats(k.nx), *fused = zeroed_floats(k.nx);
    float *dW = zeroed_floats(k.nW), *db = zeroed_floats((size_t)k.s.F);
    conv_backward(&k, k.w, plain, dW, db);
    dae_act_backward(act, alpha, k.nx, k.x, plain, plain);
    conv_backward_act(&k, act, alpha, k.w, fused, dW, db);
    snprintf(nm, sizeof nm, "%s%s_input_grad_through_%s", name, algo_suffix(algo),
             dae_act_name(act));
    check_report(memcmp(plain, fused, k.nx * sizeof(float)) == 0, nm,
                 "against backward then dae_act_backward, bit for bit");
    free(plain);
    free(fused);
    free(dW);
    free(db);
    conv_case_free(&k);
}

/* A shape's activation, applied in the kernel's output pass, gives the
 * bits of the plain kernel followed by dae_act_forward. */
static void check_fused_activation(const struct conv_spec *c, int transpose,
                                   dae_act act, float alpha)
{
    struct conv_case k;
    char name[128], nm[200];

    spec_name(name, sizeof name, transpose ? "conv2d_transpose" : "conv2d", c);
    conv_case_init(&k, c, transpose);
    float *plain = zeroed_floats(k.ny), *fused = zeroed_floats(k.ny);
    conv_forward(&k, k.b, plain);
    dae_act_forward(act, alpha, k.ny, plain, plain);
    k.s.act = act;
    k.s.alpha = alpha;
    conv_forward(&k, k.b, fused);
    snprintf(nm, sizeof nm, "%s_fused_%s", name, dae_act_name(act));
    check_report(memcmp(plain, fused, k.ny * sizeof(float)) == 0, nm,
                 "against conv then dae_act_forward, bit for bit");
    free(plain);
    free(fused);
    conv_case_free(&k);
}

/* ---- batch grouping ----------------------------------------------------- */

/* Everything a conv kernel computes, for one group cap. */
struct conv_results {
    float *y, *dx, *dW, *db;
    size_t work;
};

static void conv_run_all(struct conv_case *k, struct conv_results *r)
{
    size_t ws = k->transpose ? dae_conv2d_transpose_workspace(&k->s, k->B)
                             : dae_conv2d_workspace(&k->s, k->B);

    free(k->work);
    k->work = malloc(ws * sizeof(float));
    fill_nan(k->work, ws);
    r->work = ws;
    r->y = zeroed_floats(k->ny);
    r->dx = zeroed_floats(k->nx);
    r->dW = zeroed_floats(k->nW);
    r->db = zeroed_floats((size_t)k->s.F);
    conv_forward(k, k->b, r->y);
    conv_backward(k, k->w, r->dx, r->dW, r->db);
}

static void conv_results_free(struct conv_results *r)
{
    free(r->y);
    free(r->dx);
    free(r->dW);
    free(r->db);
}

/* The batch in groups of 3 (the default cap: 8 groups at most for 20
 * samples), of 2 and of 1: the same results, up to the rounding of the
 * weight gradient's sum over the groups. */
static void check_grouping(const struct conv_spec *c, int transpose)
{
    struct conv_case k;
    struct conv_results big, two, single;
    size_t per;
    char name[128], nm[160];

    spec_name(name, sizeof name, transpose ? "conv2d_transpose" : "conv2d", c);
    conv_case_init(&k, c, transpose);
    dae_patches p = transpose ? (dae_patches){k.s.OH, k.s.OW, k.s.F, k.s.KH, k.s.KW,
                                              k.s.SH, k.s.SW, k.s.H, k.s.W,
                                              k.s.pad_top, k.s.pad_left}
                              : (dae_patches){k.s.H, k.s.W, k.s.C, k.s.KH, k.s.KW,
                                              k.s.SH, k.s.SW, k.s.OH, k.s.OW,
                                              k.s.pad_top, k.s.pad_left};
    per = dae_patches_cols(&p);
    dae_conv_set_group_cap(0);
    conv_run_all(&k, &big);
    dae_conv_set_group_cap(2 * per);
    conv_run_all(&k, &two);
    dae_conv_set_group_cap(1); /* below one sample: groups of 1 */
    conv_run_all(&k, &single);
    dae_conv_set_group_cap(0);

    const struct conv_results *g[2] = {&two, &single};
    for (int i = 0; i < 2; i++) {
        double e = check_max_rel(g[i]->y, big.y, k.ny, 1e-6);
        e = fmax(e, check_max_rel(g[i]->dx, big.dx, k.nx, 1e-6));
        e = fmax(e, check_max_rel(g[i]->dW, big.dW, k.nW, 1e-6));
        e = fmax(e, check_max_rel(g[i]->db, big.db, (size_t)k.s.F, 1e-6));
        snprintf(nm, sizeof nm, "%s_groups_of_%d_match_groups_of_3", name, 2 - i);
        check_report(e < 1e-5, nm, "max rel diff %.1e", e);
    }
    conv_results_free(&big);
    conv_results_free(&two);
    conv_results_free(&single);
    conv_case_free(&k);
}

/* B = 0: nothing to read; the weight gradients are zero. */
static void check_empty_batch(void)
{
    struct conv_spec c = {1, 5, 5, 2, 3, 3, 3, 2, 2, 1};
    dae_conv_shape s = conv_shape(&c), t = transpose_shape(&c);
    float dW[3 * 3 * 2 * 3], db[3], dWt[3 * 3 * 2 * 3], dbt[3];
    int ok = 1;

    fill(dW, 54, 1, 2);
    fill(db, 3, 1, 2);
    fill(dWt, 54, 1, 2);
    fill(dbt, 3, 1, 2);
    dae_conv2d_backward(&s, 0, NULL, DAE_LINEAR, 0.0f, NULL, NULL, NULL, dW, db, NULL);
    dae_conv2d_transpose_backward(&t, 0, NULL, DAE_LINEAR, 0.0f, NULL, NULL, NULL, dWt, dbt,
                                  NULL);
    for (int i = 0; i < 54; i++)
        ok &= dW[i] == 0 && dWt[i] == 0;
    for (int i = 0; i < 3; i++)
        ok &= db[i] == 0 && dbt[i] == 0;
    check_report(ok, "conv_empty_batch_zero_gradients", NULL);
}

/* ---- max pooling -------------------------------------------------------- */

struct pool_spec {
    int B, H, W, C, PH, PW, SH, SW, same;
};

static dae_pool_shape pool_shape(const struct pool_spec *c)
{
    dae_pool_shape s = {c->H, c->W, c->C, c->PH, c->PW, c->SH, c->SW, 0, 0, 0, 0};
    tf_dim(c->H, c->PH, c->SH, c->same, &s.OH, &s.pad_top);
    tf_dim(c->W, c->PW, c->SW, c->same, &s.OW, &s.pad_left);
    return s;
}

/* TF's CPU MaxPool: clipped windows, strictly-greater replaces; the
 * gradient goes to that first maximum. */
static void ref_maxpool(const dae_pool_shape *s, int B, const float *x,
                        const float *dy, float *y, float *dx)
{
    memset(dx, 0, sizeof *dx * (size_t)B * s->H * s->W * s->C);
    for (int n = 0; n < B; n++)
        for (int oh = 0; oh < s->OH; oh++)
            for (int ow = 0; ow < s->OW; ow++)
                for (int c = 0; c < s->C; c++) {
                    int best = -1;
                    for (int ph = 0; ph < s->PH; ph++)
                        for (int pw = 0; pw < s->PW; pw++) {
                            int ih = oh * s->SH + ph - s->pad_top;
                            int iw = ow * s->SW + pw - s->pad_left;
                            if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W)
                                continue;
                            int at = ((n * s->H + ih) * s->W + iw) * s->C + c;
                            if (best < 0 || x[at] > x[best])
                                best = at;
                        }
                    int o = ((n * s->OH + oh) * s->OW + ow) * s->C + c;
                    y[o] = x[best];
                    dx[best] += dy[o];
                }
}

struct pool_case {
    dae_pool_shape s;
    int B;
    size_t nx, ny;
    float *x, *w, *y;
};

static double pool_objective(void *ctx)
{
    struct pool_case *k = ctx;

    dae_maxpool_forward(&k->s, k->B, k->x, k->y);
    return dot(k->w, k->y, k->ny);
}

/* Distinct values 0.01 apart in random order, so a step of 1e-3 never
 * changes a window's argmax and central differences are exact. */
static void fill_distinct(float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = 0.01f * (float)i - 0.005f * (float)n;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)urand(0, (float)i);
        float t;
        if (j >= i)
            j = i - 1;
        t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static void check_pool_spec(const struct pool_spec *c)
{
    struct pool_case k = {pool_shape(c), c->B, 0, 0, NULL, NULL, NULL};
    char name[128], nm[160];

    k.nx = (size_t)c->B * c->H * c->W * c->C;
    k.ny = (size_t)c->B * k.s.OH * k.s.OW * c->C;
    k.x = zeroed_floats(k.nx);
    k.w = zeroed_floats(k.ny);
    k.y = zeroed_floats(k.ny);
    float *dx = zeroed_floats(k.nx), *rdx = zeroed_floats(k.nx);
    float *ry = zeroed_floats(k.ny), *num = zeroed_floats(k.nx);
    snprintf(name, sizeof name, "maxpool_%dx%dx%d_p%dx%d_s%dx%d_%s_B%d", c->H,
             c->W, c->C, c->PH, c->PW, c->SH, c->SW, c->same ? "same" : "valid",
             c->B);

    fill_distinct(k.x, k.nx);
    fill(k.w, k.ny, -1, 1);
    dae_maxpool_forward(&k.s, k.B, k.x, k.y);
    fill_nan(dx, k.nx);
    dae_maxpool_backward(&k.s, k.B, k.x, DAE_LINEAR, 0.0f, k.y, k.w, dx);
    ref_maxpool(&k.s, k.B, k.x, k.w, ry, rdx);
    snprintf(nm, sizeof nm, "%s_forward", name);
    check_report(memcmp(k.y, ry, k.ny * sizeof *ry) == 0, nm, NULL);
    snprintf(nm, sizeof nm, "%s_backward_matches_reference", name);
    check_report(check_max_rel(dx, rdx, k.nx, 1e-6) < 1e-6, nm, NULL);
    numeric_grad(pool_objective, &k, k.x, k.nx, 1e-3f, num);
    snprintf(nm, sizeof nm, "%s_dx", name);
    check_grad(nm, dx, num, k.nx);

    /* All negative: a padded cell read as 0 would win. */
    for (size_t i = 0; i < k.nx; i++)
        k.x[i] = -1.0f - fabsf(k.x[i]);
    dae_maxpool_forward(&k.s, k.B, k.x, k.y);
    dae_maxpool_backward(&k.s, k.B, k.x, DAE_LINEAR, 0.0f, k.y, k.w, dx);
    ref_maxpool(&k.s, k.B, k.x, k.w, ry, rdx);
    int neg = 1;
    for (size_t i = 0; i < k.ny; i++)
        neg &= k.y[i] <= -1.0f;
    snprintf(nm, sizeof nm, "%s_negative_padding_never_wins", name);
    check_report(neg && memcmp(k.y, ry, k.ny * sizeof *ry) == 0 &&
                     check_max_rel(dx, rdx, k.nx, 1e-6) < 1e-6,
                 nm, NULL);

    /* Ties everywhere: each window's first valid cell takes it all. */
    for (size_t i = 0; i < k.nx; i++)
        k.x[i] = 0.5f;
    dae_maxpool_backward(&k.s, k.B, k.x, DAE_LINEAR, 0.0f, k.y, k.w, dx);
    ref_maxpool(&k.s, k.B, k.x, k.w, ry, rdx);
    snprintf(nm, sizeof nm, "%s_ties_first_max_gets_gradient", name);
    check_report(check_max_rel(dx, rdx, k.nx, 1e-6) < 1e-6, nm, NULL);

    free(k.x);
    free(k.w);
    free(k.y);
    free(dx);
    free(rdx);
    free(ry);
    free(num);
}

static const struct pool_spec pool_specs[] = {
    {2, 7, 7, 2, 2, 2, 2, 2, 1},
    {2, 5, 9, 3, 2, 2, 2, 2, 1},
    {3, 5, 9, 1, 3, 3, 2, 2, 1}, /* overlapping windows */
    {2, 7, 7, 4, 3, 3, 1, 1, 1},
    {2, 9, 5, 2, 2, 3, 3, 3, 0},
    {2, 1, 1, 2, 2, 2, 2, 2, 1},
    {2, 7, 5, 3, 2, 2, 2, 2, 0},
    {2, 6, 6, 70, 3, 3, 2, 2, 1}, /* more channels than one chunk */
    {2, 8, 8, 3, 2, 2, 2, 2, 1},
    {2, 3, 3, 5, 2, 2, 2, 2, 1}, /* pad 0 before, 1 after */
    {2, 8, 8, 64, 2, 2, 2, 2, 1}, /* the article's: whole 2x2 windows */
    {2, 7, 7, 16, 2, 2, 2, 2, 1}, /* whole windows and clipped ones */
};

/* Max pooling's input gradient through the activation that produced x:
 * the bits of the reference backward (a zeroed dx, each window's dy added
 * at its maximum) followed by dae_act_backward; also where windows overlap
 * and a cell sums several gradients first, and where whole windows tile
 * the image and the derivative is folded into one store per cell. Some
 * dy are -0, which the zeroed dx turns into +0. */
static void check_pool_fused_input_grad(const struct pool_spec *c, dae_act act,
                                        float alpha)
{
    dae_pool_shape ps = pool_shape(c);
    size_t nx = (size_t)c->B * c->H * c->W * c->C;
    size_t ny = (size_t)c->B * ps.OH * ps.OW * c->C;
    float *x = zeroed_floats(nx), *y = zeroed_floats(ny), *dy = zeroed_floats(ny);
    float *plain = zeroed_floats(nx), *fused = zeroed_floats(nx);
    char nm[160];

    fill(x, nx, -1, 1);
    fill(dy, ny, -1, 1);
    for (size_t i = 0; i < ny; i += 7)
        dy[i] = -0.0f;
    dae_act_forward(act, alpha, nx, x, x);
    ref_maxpool(&ps, c->B, x, dy, y, plain);
    dae_act_backward(act, alpha, nx, x, plain, plain);
    dae_maxpool_backward(&ps, c->B, x, act, alpha, y, dy, fused);
    snprintf(nm, sizeof nm, "maxpool_%dx%dx%d_p%dx%d_s%dx%d_input_grad_through_%s",
             c->H, c->W, c->C, c->PH, c->PW, c->SH, c->SW, dae_act_name(act));
    check_report(memcmp(plain, fused, nx * sizeof(float)) == 0, nm,
                 "against the reference backward then dae_act_backward, bit for bit");
    free(x), free(y), free(dy), free(plain), free(fused);
}

/* dae_conv2d_pool_forward against the conv's forward and then the pool's,
 * bit for bit. dae_conv2d_pool_backward against the two passes it fuses,
 * the pool's backward (through the conv's activation) and then the
 * conv's: bit for bit where both take conv_c1.c's direct weight gradients
 * (one input channel), within float rounding elsewhere (im2col products
 * summed image by image, or conv_f1.c's sums for one filter). */
static void check_conv_pool_backward(const struct conv_spec *c,
                                     const struct pool_spec *pc, int algo,
                                     dae_act act, float alpha)
{
    dae_conv_shape s = conv_shape(c);
    s.algo = algo;
    s.act = act;
    s.alpha = alpha;
    struct pool_spec q = *pc;
    q.B = c->B, q.H = s.OH, q.W = s.OW, q.C = s.F;
    dae_pool_shape ps = pool_shape(&q);
    size_t nx = (size_t)c->B * s.H * s.W * s.C, nW = (size_t)s.KH * s.KW * s.C * s.F;
    size_t ny = (size_t)c->B * s.OH * s.OW * s.F, np = (size_t)c->B * ps.OH * ps.OW * s.F;
    size_t plain_ws = dae_conv2d_workspace(&s, c->B);
    size_t fused_ws = dae_conv2d_pool_workspace(&s, c->B);
    float *x = zeroed_floats(nx), *W = zeroed_floats(nW), *b = zeroed_floats((size_t)s.F);
    float *y = zeroed_floats(ny), *p = zeroed_floats(np), *dp = zeroed_floats(np);
    float *dy = zeroed_floats(ny), *dW = zeroed_floats(nW), *db = zeroed_floats((size_t)s.F);
    float *fW = zeroed_floats(nW), *fb = zeroed_floats((size_t)s.F), *fW2 = zeroed_floats(nW);
    float *fy = zeroed_floats(ny), *fp = zeroed_floats(np);
    float *plain_work = malloc(sizeof(float) * plain_ws);
    float *fused_work = malloc(sizeof(float) * fused_ws); /* exact: ASan sees overruns */
    char nm[200];

    fill(x, nx, -1, 1);
    fill(W, nW, -1, 1);
    fill(b, (size_t)s.F, -0.3f, 0.3f);
    fill(dp, np, -1, 1);
    fill_nan(plain_work, plain_ws);
    fill_nan(fused_work, fused_ws);
    fill_nan(fW, nW);
    fill_nan(fb, (size_t)s.F);
    dae_conv2d_forward(&s, c->B, x, W, b, y, plain_work);
    dae_maxpool_forward(&ps, c->B, y, p);
    fill_nan(fy, ny);
    fill_nan(fp, np);
    dae_conv2d_pool_forward(&s, &ps, c->B, x, W, b, fy, fp, fused_work);
    snprintf(nm, sizeof nm, "conv2d_pool_forward_%dx%dx%d_k%dx%d_f%d_s%d_pool%dx%d_s%d_%s_%s%s_B%d",
             c->H, c->W, c->C, c->KH, c->KW, c->F, c->SH, pc->PH, pc->PW, pc->SH,
             dae_act_name(act), algo == DAE_CONV_GEMM ? "gemm" : "planned",
             algo_suffix(algo), c->B);
    check_report(memcmp(y, fy, ny * sizeof *y) == 0 && memcmp(p, fp, np * sizeof *p) == 0,
                 nm, "y and the pool of y against the two passes, bit for bit");
    dae_maxpool_backward(&ps, c->B, y, act, alpha, p, dp, dy);
    dae_conv2d_backward(&s, c->B, x, DAE_LINEAR, 0.0f, W, dy, NULL, dW, db, plain_work);
    dae_conv2d_pool_backward(&s, &ps, c->B, x, y, dp, fW, fb, fused_work);
    dae_conv2d_pool_backward(&s, &ps, c->B, x, y, dp, fW2, NULL, fused_work);

    snprintf(nm, sizeof nm, "conv2d_pool_backward_%dx%dx%d_k%dx%d_f%d_s%d_pool%dx%d_s%d_%s_%s%s_B%d",
             c->H, c->W, c->C, c->KH, c->KW, c->F, c->SH, pc->PH, pc->PW, pc->SH,
             dae_act_name(act), algo == DAE_CONV_GEMM ? "gemm" : "planned",
             algo_suffix(algo), c->B);
    if (s.C == 1 && s.F > 1 && algo != DAE_CONV_GEMM) { /* F = 1: conv_f1.c's sums */
        int same = memcmp(dW, fW, nW * sizeof *dW) == 0 &&
                   memcmp(db, fb, (size_t)s.F * sizeof *db) == 0;
        check_report(same, nm, "dW, db against pool then conv backward, bit for bit");
    } else {
        double err = 0, scale = 0;
        for (size_t i = 0; i < nW; i++)
            err = fmax(err, fabs((double)dW[i] - fW[i])), scale = fmax(scale, fabs(dW[i]));
        for (int i = 0; i < s.F; i++)
            err = fmax(err, fabs((double)db[i] - fb[i])), scale = fmax(scale, fabs(db[i]));
        check_report(err <= 1e-5 * scale && scale > 0, nm,
                     "dW, db against pool then conv backward: max err %.2g of %.2g", err, scale);
    }
    snprintf(nm + strlen(nm), sizeof nm - strlen(nm), "_without_db");
    check_report(memcmp(fW, fW2, nW * sizeof *fW) == 0, nm, NULL);
    free(x), free(W), free(b), free(y), free(p), free(dp), free(dy), free(dW), free(db);
    free(fW), free(fb), free(fW2), free(fy), free(fp), free(plain_work), free(fused_work);
}

static void check_conv_pool_backwards(void)
{
    const struct pool_spec p2 = {0, 0, 0, 0, 2, 2, 2, 2, 1}, p3 = {0, 0, 0, 0, 3, 3, 2, 2, 1};
    const struct pool_spec p2v = {0, 0, 0, 0, 2, 2, 2, 2, 0};
    /* the article's first two layers, small: 3x3 same, 32k filters */
    const struct conv_spec article = {20, 8, 8, 1, 3, 3, 64, 1, 1, 1};
    const struct conv_spec tail = {3, 9, 7, 1, 5, 3, 13, 2, 1, 0};   /* 8 + 5 filters */
    const struct conv_spec one = {3, 7, 7, 1, 3, 3, 1, 1, 1, 1};     /* one filter */
    const struct conv_spec rgb = {4, 6, 7, 2, 3, 3, 5, 1, 1, 1};     /* im2col products */
    const struct conv_spec strided = {3, 9, 9, 1, 1, 1, 6, 2, 2, 1}; /* 1x1 at stride 2 */

    check_conv_pool_backward(&article, &p2, DAE_CONV_IM2COL, DAE_RELU, 0.0f);
    check_conv_pool_backward(&article, &p2, DAE_CONV_GEMM, DAE_RELU, 0.0f);
    check_conv_pool_backward(&tail, &p3, DAE_CONV_IM2COL, DAE_ELU, 1.0f);
    check_conv_pool_backward(&tail, &p2v, DAE_CONV_IM2COL, DAE_LINEAR, 0.0f);
    check_conv_pool_backward(&one, &p2, DAE_CONV_IM2COL, DAE_SIGMOID, 0.0f);
    check_conv_pool_backward(&rgb, &p3, DAE_CONV_WINOGRAD, DAE_RELU, 0.0f);
    check_conv_pool_backward(&rgb, &p3, DAE_CONV_WINOGRAD_4X4, DAE_RELU, 0.0f);
    check_conv_pool_backward(&strided, &p2, DAE_CONV_IM2COL, DAE_LEAKY_RELU, 0.3f);
    /* many groups: one image's patches per group */
    dae_conv_set_group_cap(1);
    check_conv_pool_backward(&article, &p2, DAE_CONV_IM2COL, DAE_RELU, 0.0f);
    dae_conv_set_group_cap(0);
}

/* dae_conv2d_transpose_f1_forward and _backward against the passes they
 * fuse (the transposed conv, then the one-filter conv2d on its output;
 * backward the reverse, the conv2d's dx through the transposed conv's
 * activation), bit for bit: the same per-image sums in the same order. */
struct f1_spec {
    int KH, KW, S, same;
};

static const char *f1_group_note = ""; /* the case's name says the group cap */

static int same_floats(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void check_transpose_f1(const struct conv_spec *c, const struct f1_spec *f,
                               dae_act act, float alpha, dae_act x_act, int bias)
{
    dae_conv_shape ts = transpose_shape(c);
    ts.act = act;
    ts.alpha = alpha;
    const struct conv_spec fc = {c->B, ts.OH, ts.OW, ts.F, f->KH, f->KW, 1, f->S, f->S,
                                 f->same};
    dae_conv_shape fs = conv_shape(&fc);
    size_t nx = (size_t)c->B * ts.H * ts.W * ts.C, nW = (size_t)ts.KH * ts.KW * ts.C * ts.F;
    size_t ny = (size_t)c->B * ts.OH * ts.OW * ts.F, nz = (size_t)c->B * fs.OH * fs.OW;
    size_t nW1 = (size_t)fs.KH * fs.KW * fs.C, F = (size_t)ts.F;
    size_t tws = dae_conv2d_transpose_workspace(&ts, c->B), fws = dae_conv2d_workspace(&fs, c->B);
    size_t ws = dae_conv2d_transpose_f1_workspace(&ts, &fs, c->B);
    float *x = zeroed_floats(nx), *W = zeroed_floats(nW), *b = zeroed_floats(F);
    float *W1 = zeroed_floats(nW1), b1[1], *y = zeroed_floats(ny), *z = zeroed_floats(nz);
    float *fy = zeroed_floats(ny), *fz = zeroed_floats(nz), *dz = zeroed_floats(nz);
    float *dy = zeroed_floats(ny), *dx = zeroed_floats(nx), *fdx = zeroed_floats(nx);
    float *dW = zeroed_floats(nW), *db = zeroed_floats(F), *dW1 = zeroed_floats(nW1), db1[1];
    float *fdW = zeroed_floats(nW), *fdb = zeroed_floats(F), *fdW1 = zeroed_floats(nW1), fdb1[1];
    float *gdW = zeroed_floats(nW), *gdW1 = zeroed_floats(nW1);
    float *tw = malloc(sizeof(float) * tws), *fw = malloc(sizeof(float) * (fws ? fws : 1));
    float *work = malloc(sizeof(float) * ws); /* exact: ASan sees overruns */
    char nm[200];

    fill(x, nx, -1, 1);
    fill(W, nW, -0.5f, 0.5f);
    fill(b, F, -0.3f, 0.3f);
    fill(W1, nW1, -0.5f, 0.5f);
    fill(b1, 1, -0.3f, 0.3f);
    fill(dz, nz, -1, 1);
    fill_nan(tw, tws);
    fill_nan(fw, fws);
    fill_nan(work, ws);
    fill_nan(fy, ny);
    fill_nan(fz, nz);
    snprintf(nm, sizeof nm, "conv2d_transpose_f1_%dx%dx%d_k%dx%d_f%d_s%d_then_k%dx%d_s%d_%s_%s_%s_B%d%s",
             c->H, c->W, c->C, c->KH, c->KW, c->F, c->SH, f->KH, f->KW, f->S,
             f->same ? "same" : "valid", dae_act_name(act), bias ? "bias" : "nobias", c->B,
             f1_group_note);
    size_t at = strlen(nm);
    dae_conv2d_transpose_forward(&ts, c->B, x, W, bias ? b : NULL, y, tw);
    dae_conv2d_forward(&fs, c->B, y, W1, bias ? b1 : NULL, z, fw);
    dae_conv2d_transpose_f1_forward(&ts, &fs, c->B, x, W, bias ? b : NULL, fy, W1,
                                    bias ? b1 : NULL, fz, work);
    snprintf(nm + at, sizeof nm - at, "_forward");
    check_report(same_floats(y, fy, ny) && same_floats(z, fz, nz), nm,
                 "y and z against the two passes, bit for bit");

    dae_conv2d_backward(&fs, c->B, y, act, alpha, W1, dz, dy, dW1, db1, fw);
    dae_conv2d_transpose_backward(&ts, c->B, x, x_act, 0.2f, W, dy, dx, dW, db, tw);
    fill_nan(fdx, nx);
    dae_conv2d_transpose_f1_backward(&ts, &fs, c->B, x, x_act, 0.2f, W, y, W1, dz, fdx,
                                     fdW, fdb, fdW1, fdb1, work);
    snprintf(nm + at, sizeof nm - at, "_backward_%s", dae_act_name(x_act));
    check_report(same_floats(dx, fdx, nx) && same_floats(dW, fdW, nW) &&
                 same_floats(db, fdb, F) && same_floats(dW1, fdW1, nW1) && db1[0] == fdb1[0],
                 nm, "dx, dW, db, dW1, db1 against the two passes, bit for bit");
    /* no dx (a first layer), no biases: the weight gradients are unchanged */
    dae_conv2d_transpose_f1_backward(&ts, &fs, c->B, x, x_act, 0.2f, W, y, W1, dz, NULL,
                                     gdW, NULL, gdW1, NULL, work);
    snprintf(nm + at, sizeof nm - at, "_backward_without_dx_db");
    check_report(same_floats(gdW, fdW, nW) && same_floats(gdW1, fdW1, nW1), nm, NULL);
    free(x), free(W), free(b), free(W1), free(y), free(z), free(fy), free(fz), free(dz);
    free(dy), free(dx), free(fdx), free(dW), free(db), free(dW1), free(fdW), free(fdb);
    free(fdW1), free(gdW), free(gdW1), free(tw), free(fw), free(work);
}

static void check_transpose_f1s(void)
{
    /* the article's last two layers, small: 3x3 stride 2 same, then 3x3 same */
    const struct conv_spec article = {6, 5, 5, 8, 3, 3, 32, 2, 2, 1};
    const struct conv_spec odd = {3, 4, 3, 5, 2, 3, 13, 2, 1, 0};  /* 13 channels */
    const struct conv_spec one = {1, 3, 3, 2, 3, 3, 64, 2, 2, 1}; /* one image */
    const struct f1_spec k3 = {3, 3, 1, 1}, k53 = {5, 3, 1, 0}, k3s2 = {3, 3, 2, 1};

    check_transpose_f1(&article, &k3, DAE_RELU, 0.0f, DAE_LINEAR, 1);
    check_transpose_f1(&article, &k3, DAE_RELU, 0.0f, DAE_RELU, 0);
    check_transpose_f1(&odd, &k53, DAE_ELU, 1.0f, DAE_LEAKY_RELU, 1);
    check_transpose_f1(&odd, &k3s2, DAE_LINEAR, 0.0f, DAE_SIGMOID, 1);
    check_transpose_f1(&one, &k3, DAE_TANH, 0.0f, DAE_RELU, 1);
    /* an empty batch: zero gradients, nothing read */
    dae_conv_shape ts = transpose_shape(&article);
    const struct conv_spec fc = {0, ts.OH, ts.OW, ts.F, 3, 3, 1, 1, 1, 1};
    dae_conv_shape fs = conv_shape(&fc);
    size_t nW = (size_t)ts.KH * ts.KW * ts.C * ts.F, nW1 = (size_t)fs.KH * fs.KW * fs.C;
    float *dW = zeroed_floats(nW), *db = zeroed_floats((size_t)ts.F), *dW1 = zeroed_floats(nW1);
    float db1 = NAN;
    fill_nan(dW, nW);
    fill_nan(db, (size_t)ts.F);
    fill_nan(dW1, nW1);
    dae_conv2d_transpose_f1_backward(&ts, &fs, 0, NULL, DAE_LINEAR, 0.0f, NULL, NULL, NULL,
                                     NULL, NULL, dW, db, dW1, &db1, NULL);
    int zero = db1 == 0.0f && dae_conv2d_transpose_f1_workspace(&ts, &fs, 0) == 0;
    for (size_t i = 0; i < nW; i++)
        zero &= dW[i] == 0.0f;
    for (size_t i = 0; i < nW1; i++)
        zero &= dW1[i] == 0.0f;
    for (int i = 0; i < ts.F; i++)
        zero &= db[i] == 0.0f;
    check_report(zero, "conv2d_transpose_f1_backward_empty_batch_zero_gradients", NULL);
    free(dW), free(db), free(dW1);
    /* many groups: one image's patches per group */
    dae_conv_set_group_cap(1);
    f1_group_note = "_group_cap_1";
    check_transpose_f1(&article, &k3, DAE_RELU, 0.0f, DAE_RELU, 1);
    f1_group_note = "";
    dae_conv_set_group_cap(0);
}

/* The doc's example: 7 pooled 2x2 'same' gives 4, no padding before, and
 * the last window is row/col 6 alone. */
static void check_pool_odd_same(void)
{
    struct pool_spec c = {1, 7, 7, 1, 2, 2, 2, 2, 1};
    dae_pool_shape s = pool_shape(&c);
    float x[49], y[16], dy[16], dx[49];
    int ok;

    for (int i = 0; i < 49; i++)
        x[i] = -(float)(i + 1); /* row-major decreasing: max at top-left */
    for (int i = 0; i < 16; i++)
        dy[i] = (float)(i + 1);
    dae_maxpool_forward(&s, 1, x, y);
    dae_maxpool_backward(&s, 1, x, DAE_LINEAR, 0.0f, y, dy, dx);
    ok = s.OH == 4 && s.OW == 4 && s.pad_top == 0 && s.pad_left == 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            ok &= y[i * 4 + j] == x[(2 * i) * 7 + 2 * j] &&
                  dx[(2 * i) * 7 + 2 * j] == dy[i * 4 + j];
    ok &= y[15] == x[48]; /* the corner window holds x[6][6] only */
    check_report(ok, "maxpool_7_same_2x2_gives_4_last_window_row_6", NULL);

    /* A tie inside one window: [1 3; 3 2] sends it to the first 3. */
    float t[4] = {1, 3, 3, 2}, ty, tdy = 1, tdx[4];
    struct pool_spec c2 = {1, 2, 2, 1, 2, 2, 2, 2, 0};
    dae_pool_shape s2 = pool_shape(&c2);
    dae_maxpool_forward(&s2, 1, t, &ty);
    dae_maxpool_backward(&s2, 1, t, DAE_LINEAR, 0.0f, &ty, &tdy, tdx);
    check_report(ty == 3 && tdx[0] == 0 && tdx[1] == 1 && tdx[2] == 0 && tdx[3] == 0,
                 "maxpool_tie_first_in_row_major_order", NULL);
}

/* ---- upsampling --------------------------------------------------------- */

struct up_case {
    int H, W, C, FH, FW, B;
    size_t nx, ny;
    float *x, *w, *y;
};

static double up_objective(void *ctx)
{
    struct up_case *k = ctx;

    dae_upsample_forward(k->H, k->W, k->C, k->FH, k->FW, k->B, k->x, k->y);
    return dot(k->w, k->y, k->ny);
}

static void check_upsample(int H, int W, int C, int FH, int FW, int B)
{
    struct up_case k = {H, W, C, FH, FW, B, (size_t)B * H * W * C,
                        (size_t)B * H * FH * W * FW * C, NULL, NULL, NULL};
    float *dx, *num;
    int OH = H * FH, OW = W * FW, ok = 1;
    char name[128], nm[160];

    snprintf(name, sizeof name, "upsample_%dx%dx%d_by_%dx%d_B%d", H, W, C, FH, FW, B);
    k.x = zeroed_floats(k.nx);
    k.w = zeroed_floats(k.ny);
    k.y = zeroed_floats(k.ny);
    dx = zeroed_floats(k.nx);
    num = zeroed_floats(k.nx);
    fill(k.x, k.nx, -1, 1);
    fill(k.w, k.ny, -1, 1);
    dae_upsample_forward(H, W, C, FH, FW, B, k.x, k.y);
    for (int n = 0; n < B; n++)
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++)
                for (int c = 0; c < C; c++)
                    ok &= k.y[((n * OH + i) * OW + j) * C + c] ==
                          k.x[((n * H + i / FH) * W + j / FW) * C + c];
    snprintf(nm, sizeof nm, "%s_forward", name);
    check_report(ok, nm, NULL);
    fill_nan(dx, k.nx);
    dae_upsample_backward(H, W, C, FH, FW, B, k.w, dx);
    numeric_grad(up_objective, &k, k.x, k.nx, 0.05f, num);
    snprintf(nm, sizeof nm, "%s_dx", name);
    check_grad(nm, dx, num, k.nx);
    free(k.x);
    free(k.w);
    free(k.y);
    free(dx);
    free(num);
}

int main(int argc, char **argv)
{
    (void)argc;
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    floats_seed(0x9e3779b97f4a7c15u); /* the inputs this file always had */
    size_t nc = sizeof conv_specs / sizeof *conv_specs;
    size_t nt = sizeof transpose_specs / sizeof *transpose_specs;
    size_t np = sizeof pool_specs / sizeof *pool_specs;

    for (size_t i = 0; i < nc; i++)
        run_conv_spec(&conv_specs[i], 0);
    for (size_t i = 0; i < nt; i++)
        run_conv_spec(&transpose_specs[i], 1);
    check_geometry();
    check_empty_batch();
    struct conv_spec g = {20, 5, 9, 3, 3, 3, 4, 2, 2, 1};
    check_grouping(&g, 0);
    check_grouping(&g, 1);
    struct conv_spec f1 = {3, 5, 9, 10, 3, 3, 1, 1, 1, 1};
    check_fused_activation(&g, 0, DAE_RELU, 0.0f);
    check_fused_activation(&g, 1, DAE_LEAKY_RELU, 0.3f);
    check_fused_activation(&g, 1, DAE_SIGMOID, 0.0f);
    check_fused_activation(&f1, 0, DAE_ELU, 1.0f);
    check_fused_activation(&f1, 0, DAE_TANH, 0.0f);
    struct conv_spec wino = {3, 6, 7, 4, 3, 3, 5, 1, 1, 1};
    check_fused_input_grad(&g, 0, DAE_CONV_IM2COL, DAE_RELU, 0.0f);
    check_fused_input_grad(&g, 1, DAE_CONV_IM2COL, DAE_SIGMOID, 0.0f);
    check_fused_input_grad(&f1, 0, DAE_CONV_IM2COL, DAE_LEAKY_RELU, 0.3f);
    check_fused_input_grad(&f1, 0, DAE_CONV_IM2COL, DAE_RELU, 0.0f);
    /* one filter on 64 channels: the 3-pixel blocks of conv_f1.c's dx */
    struct conv_spec f1_64 = {2, 7, 8, 64, 3, 3, 1, 1, 1, 1};
    check_fused_input_grad(&f1_64, 0, DAE_CONV_IM2COL, DAE_RELU, 0.0f);
    check_fused_input_grad(&f1_64, 0, DAE_CONV_IM2COL, DAE_LEAKY_RELU, 0.2f);
    check_fused_input_grad(&f1_64, 0, DAE_CONV_IM2COL, DAE_SIGMOID, 0.0f);
    check_fused_input_grad(&wino, 0, DAE_CONV_WINOGRAD, DAE_ELU, 1.0f);
    check_fused_input_grad(&wino, 0, DAE_CONV_WINOGRAD_4X4, DAE_ELU, 1.0f);
    check_fused_input_grad(&wino, 1, DAE_CONV_IM2COL, DAE_TANH, 0.0f);
    check_pool_fused_input_grad(&pool_specs[2], DAE_RELU, 0.0f);
    check_pool_fused_input_grad(&pool_specs[1], DAE_SIGMOID, 0.0f);
    check_pool_fused_input_grad(&pool_specs[10], DAE_RELU, 0.0f); /* tiled */
    check_pool_fused_input_grad(&pool_specs[10], DAE_LEAKY_RELU, 0.2f);
    check_pool_fused_input_grad(&pool_specs[10], DAE_LINEAR, 0.0f);
    check_pool_fused_input_grad(&pool_specs[8], DAE_ELU, 1.0f); /* tiled, a pass */
    check_pool_fused_input_grad(&pool_specs[6], DAE_RELU, 0.0f); /* valid, odd */
    for (size_t i = 0; i < np; i++)
        check_pool_spec(&pool_specs[i]);
    check_pool_odd_same();
    check_conv_pool_backwards();
    check_transpose_f1s();
    check_upsample(2, 3, 2, 2, 2, 2);
    check_upsample(3, 1, 1, 3, 2, 3);
    check_upsample(1, 1, 4, 1, 1, 2);
    check_upsample(3, 5, 3, 2, 3, 2);
    return check_failures != 0;
}
