/* Checks of the Winograd path of 3x3 stride-2 conv2d_transpose layers
 * (runtime/winograd_transpose.c), always through conv.h with algo set:
 *  - y, dx, dW and db against the im2col path and against naive
 *    double-precision loops, on odd and even sizes, "same" (2H x 2W) and
 *    "valid" (2H+1 x 2W+1) outputs, channel counts off the 8-lane vectors,
 *    B 1..3; relative error <= 1e-5;
 *  - central differences of L = sum(w * y) for dx, dW and db;
 *  - several groups against one; a fused relu; x's activation derivative;
 *  - the fused one-filter conv2d above it against the two layers' own
 *    calls, bit for bit;
 *  - outputs overwritten, never read; dx optional; repeat runs identical;
 *    shapes it cannot do fall back to im2col; an empty batch.
 * A kernel flipped the wrong way must fail the comparison. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
#include "check.h"
#include "floats.h"
#include "conv.h"
#include "conv_layer.h"
#include "winograd_transpose.h"

#define VALUE_TOL 1e-5
#define GRAD_TOL 2e-3

/* ---- helpers ------------------------------------------------------------ */

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* A 3x3 stride-2 transposed conv, TensorFlow's sizes: "same" doubles the
 * input, "valid" gives 2H+1; the padding before is 0 for both. */
static dae_conv_shape shape_t(int H, int W, int C, int F, int valid, int algo)
{
    dae_conv_shape s = {H, W, C, 3, 3, F, 2, 2, 2 * H + valid, 2 * W + valid,
                        0, 0, algo, DAE_LINEAR, 0.0f};
    return s;
}

/* ---- one layer's tensors and its passes ---------------------------------- */

/* Forward and backward with the given algo and x's activation, into
 * NaN-filled outputs and a workspace of exactly the advertised size. */
static struct results run_act(const struct layer *l, int algo, dae_act x_act)
{
    dae_conv_shape s = l->s;
    struct results r;

    s.algo = algo;
    r.work = dae_conv2d_transpose_workspace(&s, l->B);
    float *work = nan_floats(r.work);
    r.y = nan_floats(l->ny);
    r.dx = nan_floats(l->nx);
    r.dW = nan_floats(l->nW);
    r.db = nan_floats((size_t)s.F);
    dae_conv2d_transpose_forward(&s, l->B, l->x, l->W, l->b, r.y, work);
    dae_conv2d_transpose_backward(&s, l->B, l->x, x_act, 0.0f, l->W, l->dy, r.dx, r.dW,
                                  r.db, work);
    free(work);
    return r;
}

static struct results run(const struct layer *l, int algo)
{
    return run_act(l, algo, DAE_LINEAR);
}

/* ---- naive reference -------------------------------------------------------- */

static size_t pix(int n, int h, int w, int H, int W, int C)
{
    return (((size_t)n * H + h) * W + w) * C;
}

/* TF's conv2d_transpose as loops in double: output o = S*i + k - pad takes
 * input i through tap k (flip: tap 2-k, the wrong way round). */
static struct results reference(const struct layer *l, int flip)
{
    const dae_conv_shape *s = &l->s;
    struct sums d = sums_new(l);

    for (int n = 0; n < l->B; n++)
        for (int ih = 0; ih < s->H; ih++)
            for (int iw = 0; iw < s->W; iw++)
                for (int kh = 0; kh < 3; kh++)
                    for (int kw = 0; kw < 3; kw++) {
                        int oh = 2 * ih + kh - s->pad_top, ow = 2 * iw + kw - s->pad_left;
                        if (oh < 0 || oh >= s->OH || ow < 0 || ow >= s->OW)
                            continue;
                        int th = flip ? 2 - kh : kh, tw = flip ? 2 - kw : kw;
                        size_t xo = pix(n, ih, iw, s->H, s->W, s->C);
                        size_t yo = pix(n, oh, ow, s->OH, s->OW, s->F);
                        for (int f = 0; f < s->F; f++)
                            for (int c = 0; c < s->C; c++) {
                                size_t wo = ((size_t)(th * 3 + tw) * s->F + f) * s->C + c;
                                d.y[yo + f] += (double)l->x[xo + c] * l->W[wo];
                                d.dx[xo + c] += (double)l->dy[yo + f] * l->W[wo];
                                d.dW[wo] += (double)l->x[xo + c] * l->dy[yo + f];
                            }
                    }
    return sums_results(l, &d);
}

/* ---- checks ------------------------------------------------------------------ */

static void case_name(char *buf, size_t n, const dae_conv_shape *s, int B)
{
    snprintf(buf, n, "winograd_transpose_%dx%dx%d_f%d_%s_B%d", s->H, s->W, s->C, s->F,
             s->OH == 2 * s->H ? "same" : "valid", B);
}

static void check_against_im2col(int H, int W, int C, int F, int valid, int B)
{
    struct layer l = layer_new(shape_t(H, W, C, F, valid, DAE_CONV_WINOGRAD), B);
    struct results wino = run(&l, DAE_CONV_WINOGRAD), im2col = run(&l, DAE_CONV_IM2COL);
    struct results ref = reference(&l, 0);
    char name[112];

    case_name(name, sizeof name, &l.s, B);
    check_against_both(&l, &wino, &im2col, &ref, name, VALUE_TOL);
    results_free(&wino);
    results_free(&im2col);
    results_free(&ref);
    layer_free(&l);
}

/* The comparison can fail: a reference whose taps are flipped. */
static void check_detects_flipped_kernel(void)
{
    struct layer l = layer_new(shape_t(5, 6, 9, 10, 0, DAE_CONV_WINOGRAD), 2);
    struct results wino = run(&l, DAE_CONV_WINOGRAD), ref = reference(&l, 1);
    double e = max_err(&l, &wino, &ref);

    check_report(e > 1e-2, "winograd_transpose_detects_flipped_kernel", "rel err %.1e", e);
    results_free(&wino);
    results_free(&ref);
    layer_free(&l);
}

struct objective {
    struct layer *l;
    float *w, *y, *work;
};

static double objective(void *ctx)
{
    struct objective *o = ctx;
    double s = 0;

    dae_conv2d_transpose_forward(&o->l->s, o->l->B, o->l->x, o->l->W, o->l->b, o->y,
                                 o->work);
    for (size_t i = 0; i < o->l->ny; i++)
        s += (double)o->w[i] * o->y[i];
    return s;
}

static void check_numeric_grad(int H, int W, int C, int F, int valid, int B)
{
    struct layer l = layer_new(shape_t(H, W, C, F, valid, DAE_CONV_WINOGRAD), B);
    size_t ws = dae_conv2d_transpose_workspace(&l.s, B);
    size_t most = l.nx > l.nW ? l.nx : l.nW;
    struct objective o = {&l, random_floats(l.ny), alloc_floats(l.ny), nan_floats(ws)};
    float *dx = nan_floats(l.nx), *dW = nan_floats(l.nW), *db = nan_floats((size_t)F);
    float *num = alloc_floats(most);
    float *const params[3] = {l.x, l.W, l.b};
    float *const grads[3] = {dx, dW, db};
    const size_t sizes[3] = {l.nx, l.nW, (size_t)F};
    const char *what[3] = {"dx", "dW", "db"};
    char name[112], nm[160];

    case_name(name, sizeof name, &l.s, B);
    dae_conv2d_transpose_backward(&l.s, B, l.x, DAE_LINEAR, 0.0f, l.W, o.w, dx, dW, db,
                                  o.work);
    for (int t = 0; t < 3; t++) {
        numeric_grad(objective, &o, params[t], sizes[t], 0.05f, num);
        double e = check_max_rel(grads[t], num, sizes[t], 1e-6);
        snprintf(nm, sizeof nm, "%s_numeric_%s", name, what[t]);
        check_report(e < GRAD_TOL, nm, "max rel err %.1e", e);
    }
    free(o.w);
    free(o.y);
    free(o.work);
    free(dx);
    free(dW);
    free(db);
    free(num);
    layer_free(&l);
}

/* 20 samples in the default groups, in pairs and one by one. */
static void check_groups(int H, int W, int C, int F, int valid)
{
    struct layer l = layer_new(shape_t(H, W, C, F, valid, DAE_CONV_WINOGRAD), 20);
    char name[112];
    /* a pair's matrices: 16C + 25F floats a 4x4 tile */
    size_t per = (size_t)((l.s.OH + 3) / 4) * ((l.s.OW + 3) / 4) * (16 * C + 25 * F);

    case_name(name, sizeof name, &l.s, 20);
    check_group_caps(&l, run, DAE_CONV_WINOGRAD, 2 * per, name);
    layer_free(&l);
}

/* The activations in the output pass (relu and leaky relu in registers)
 * give the bits of the plain pass then the activation; x's relu
 * derivative multiplies dx; dx is optional; repeat runs are identical. */
static void check_act_optional_dx_repeat(void)
{
    struct layer l = layer_new(shape_t(7, 6, 17, 19, 0, DAE_CONV_WINOGRAD), 3);
    struct results a = run(&l, DAE_CONV_WINOGRAD), b = run(&l, DAE_CONV_WINOGRAD);
    struct results masked = run_act(&l, DAE_CONV_WINOGRAD, DAE_RELU);
    float *work = nan_floats(a.work), *dW = nan_floats(l.nW), *db = nan_floats(19);
    int ok = 1;

    check_report(same_bits(a.y, b.y, l.ny) && same_bits(a.dx, b.dx, l.nx) &&
                     same_bits(a.dW, b.dW, l.nW) && same_bits(a.db, b.db, 19),
                 "winograd_transpose_repeat_run_identical", NULL);
    dae_conv2d_transpose_backward(&l.s, l.B, l.x, DAE_LINEAR, 0.0f, l.W, l.dy, NULL, dW,
                                  db, work);
    check_report(same_bits(dW, a.dW, l.nW) && same_bits(db, a.db, 19),
                 "winograd_transpose_dW_db_without_dx", NULL);
    for (size_t i = 0; i < l.nx; i++)
        ok &= masked.dx[i] == (l.x[i] > 0 ? a.dx[i] : 0.0f);
    check_report(ok, "winograd_transpose_x_relu_derivative", NULL);
    check_fused_acts(&l, run, DAE_CONV_WINOGRAD, "winograd_transpose");
    free(work);
    free(dW);
    free(db);
    results_free(&a);
    results_free(&b);
    results_free(&masked);
    layer_free(&l);
}

/* The one-filter conv2d above (fs, sigmoid) fused into the transposed
 * conv (relu), against the layers' own calls: the same bits. */
static void check_fused_f1(int H, int W, int C, int F, int valid, int B)
{
    dae_conv_shape ts = shape_t(H, W, C, F, valid, DAE_CONV_WINOGRAD);
    ts.act = DAE_RELU;
    dae_conv_shape fs = {ts.OH, ts.OW, F, 3, 3, 1, 1, 1, ts.OH, ts.OW, 1, 1,
                         DAE_CONV_IM2COL, DAE_SIGMOID, 0.0f};
    struct layer l = layer_new(ts, B);
    const size_t nz = (size_t)B * ts.OH * ts.OW, nW1 = 9 * (size_t)F;
    float *W1 = random_floats(nW1), b1 = 0.25f, *dz = random_floats(nz);
    size_t ws = dae_conv2d_transpose_f1_workspace(&ts, &fs, B);
    size_t plain = dae_conv2d_transpose_workspace(&ts, B);
    size_t f1ws = dae_conv2d_workspace(&fs, B);
    ws = ws > plain ? ws : plain;
    ws = ws > f1ws ? ws : f1ws;
    float *work = nan_floats(ws), *y = nan_floats(l.ny), *z = nan_floats(nz);
    float *y2 = nan_floats(l.ny), *z2 = nan_floats(nz), *dy = nan_floats(l.ny);
    float *dx = nan_floats(l.nx), *dW = nan_floats(l.nW), *db = nan_floats((size_t)F);
    float *dW1 = nan_floats(nW1), db1;
    float *dx2 = nan_floats(l.nx), *dW2 = nan_floats(l.nW), *db2 = nan_floats((size_t)F);
    float *dW12 = nan_floats(nW1), db12;
    char name[112], nm[160];

    case_name(name, sizeof name, &ts, B);
    dae_conv2d_transpose_f1_forward(&ts, &fs, B, l.x, l.W, l.b, y, W1, &b1, z, work);
    dae_conv2d_transpose_f1_backward(&ts, &fs, B, l.x, DAE_RELU, 0.0f, l.W, y, W1, dz, dx,
                                     dW, db, dW1, &db1, work);
    dae_conv2d_transpose_forward(&ts, B, l.x, l.W, l.b, y2, work);
    dae_conv2d_forward(&fs, B, y2, W1, &b1, z2, work);
    dae_conv2d_backward(&fs, B, y2, DAE_RELU, 0.0f, W1, dz, dy, dW12, &db12, work);
    dae_conv2d_transpose_backward(&ts, B, l.x, DAE_RELU, 0.0f, l.W, dy, dx2, dW2, db2,
                                  work);
    snprintf(nm, sizeof nm, "%s_fused_f1_forward", name);
    check_report(same_bits(y, y2, l.ny) && same_bits(z, z2, nz), nm, NULL);
    snprintf(nm, sizeof nm, "%s_fused_f1_backward", name);
    check_report(same_bits(dx, dx2, l.nx) && same_bits(dW, dW2, l.nW) &&
                     same_bits(db, db2, (size_t)F) && same_bits(dW1, dW12, nW1) &&
                     db1 == db12,
                 nm, NULL);
    free(W1);
    free(dz);
    free(work);
    free(y);
    free(z);
    free(y2);
    free(z2);
    free(dy);
    free(dx);
    free(dW);
    free(db);
    free(dW1);
    free(dx2);
    free(dW2);
    free(db2);
    free(dW12);
    layer_free(&l);
}

/* Strides 1, a 2x2 kernel and stride 2 with padding before ask for
 * Winograd but get im2col, bit for bit. */
static void check_fallback(void)
{
    dae_conv_shape stride1 = {6, 5, 4, 3, 3, 5, 1, 1, 6, 5, 1, 1, DAE_CONV_WINOGRAD,
                              DAE_LINEAR, 0.0f};
    dae_conv_shape kernel2 = {4, 5, 3, 2, 2, 4, 2, 2, 8, 10, 0, 0, DAE_CONV_WINOGRAD,
                              DAE_LINEAR, 0.0f};
    dae_conv_shape padded = {4, 4, 3, 3, 3, 4, 2, 2, 7, 7, 1, 1, DAE_CONV_WINOGRAD,
                             DAE_LINEAR, 0.0f};
    dae_conv_shape *cases[3] = {&stride1, &kernel2, &padded};
    int ok = 1;

    for (int i = 0; i < 3; i++) {
        ok &= !dae_winograd_transpose_fits(cases[i]);
        struct layer l = layer_new(*cases[i], 2);
        struct results w = run(&l, DAE_CONV_WINOGRAD), c = run(&l, DAE_CONV_IM2COL);
        ok &= w.work == c.work && same_bits(w.y, c.y, l.ny) && same_bits(w.dx, c.dx, l.nx) &&
              same_bits(w.dW, c.dW, l.nW) && same_bits(w.db, c.db, (size_t)l.s.F);
        results_free(&w);
        results_free(&c);
        layer_free(&l);
    }
    check_report(ok, "winograd_transpose_unfit_shapes_fall_back_to_im2col", NULL);
}

static void check_empty_batch(void)
{
    dae_conv_shape s = shape_t(5, 4, 3, 4, 0, DAE_CONV_WINOGRAD);
    float dW[9 * 3 * 4], db[4];
    int ok = dae_conv2d_transpose_workspace(&s, 0) == 0;

    for (int i = 0; i < 108; i++)
        dW[i] = 1;
    for (int i = 0; i < 4; i++)
        db[i] = 1;
    dae_conv2d_transpose_forward(&s, 0, NULL, NULL, NULL, NULL, NULL);
    dae_conv2d_transpose_backward(&s, 0, NULL, DAE_LINEAR, 0.0f, NULL, NULL, NULL, dW, db,
                                  NULL);
    for (int i = 0; i < 108; i++)
        ok &= dW[i] == 0;
    for (int i = 0; i < 4; i++)
        ok &= db[i] == 0;
    check_report(ok, "winograd_transpose_empty_batch", NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    floats_seed(0x9e3779b97f4a7c15u);
    static const int sizes[][2] = {{1, 1}, {2, 3}, {5, 4}, {7, 7}};
    static const int cfb[][3] = {
        {1, 1, 1}, {1, 9, 2}, {9, 1, 3}, {3, 7, 1}, {8, 16, 2}, {17, 19, 3}, {13, 11, 2},
    };

    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int valid = 0; valid <= 1; valid++)
            for (size_t k = 0; k < sizeof cfb / sizeof *cfb; k++)
                check_against_im2col(sizes[i][0], sizes[i][1], cfb[k][0], cfb[k][1], valid,
                                     cfb[k][2]);
    check_against_im2col(7, 7, 64, 64, 0, 2);  /* the article's 7x7 -> 14x14 */
    check_against_im2col(14, 14, 64, 64, 0, 2); /* and 14x14 -> 28x28 */
    check_detects_flipped_kernel();
    check_numeric_grad(3, 4, 3, 4, 0, 2);
    check_numeric_grad(4, 3, 9, 10, 1, 1);
    check_groups(7, 7, 5, 6, 0);
    check_groups(5, 6, 17, 19, 1);
    check_act_optional_dx_repeat();
    check_fused_f1(7, 7, 16, 16, 0, 3);
    check_fused_f1(5, 6, 9, 13, 1, 2);
    check_fallback();
    check_empty_batch();
    return check_failures != 0;
}
