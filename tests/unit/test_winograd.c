/* Checks of the Winograd F(2x2, 3x3) conv2d path and of F(4x4, 3x3) with
 * 2x2 tiles on the border (runtime/winograd.c), each through the
 * dispatching API of conv.h with algo set, every check once per algo:
 *  - forward y, dx, dW and db against the im2col path (algo 0) and against
 *    naive double-precision loops, on odd sizes (5x9: 4x4 tiles on 4x8,
 *    7x7, 14x14, and 28x28 which 4x4 tiles cover whole), both TF paddings, C 1..17 (and 40, 64:
 *    several channel chunks), F 1..19 (and 33, 64), B 1..3; relative error
 *    <= 1e-5 for 2x2 tiles, 3e-5 for 4x4 (measured at most 7.4e-6);
 *  - central differences of L = sum(w * y) for dx, dW and db;
 *  - several groups (a lowered group cap) against one group;
 *  - outputs overwritten, never read; dx optional; repeat runs identical;
 *    shapes Winograd cannot do fall back to im2col.
 * A padding shifted by one pixel must fail the comparison. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
#include "check.h"
#include "floats.h"
#include "conv.h"
#include "conv_layer.h"
#include "winograd.h"

/* Against the im2col path and double-precision loops. F(4x4, 3x3)'s
 * transforms round about 16 times more (winograd.c). */
#define VALUE_TOL 1e-5
#define VALUE_TOL_4X4 3e-5
/* Central differences on a linear map: exact up to float rounding. */
#define GRAD_TOL 2e-3

/* ---- helpers ------------------------------------------------------------ */

/* The algo under test and its name in the checks' names. */
static int wino_algo = DAE_CONV_WINOGRAD;
static const char *wino_name = "winograd";
static double value_tol = VALUE_TOL;

/* A check's name: the algo's, then what. */
static const char *test_name(const char *what)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s_%s", wino_name, what);
    return buf;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* A 3x3 conv2d with TensorFlow's sizes and padding for `same` / `valid`. */
static dae_conv_shape shape3x3(int H, int W, int C, int F, int same, int algo)
{
    dae_conv_shape s = {H, W, C, 3, 3, F, 1, 1,
                        same ? H : H - 2, same ? W : W - 2,
                        same ? 1 : 0, same ? 1 : 0, algo, DAE_LINEAR, 0.0f};
    return s;
}

/* ---- one layer's tensors and its passes ---------------------------------- */

/* Forward and backward of l with the given algo, into fresh NaN-filled
 * outputs and a workspace of exactly the advertised size (so ASan sees an
 * overrun). */
static struct results run(const struct layer *l, int algo)
{
    dae_conv_shape s = l->s;
    struct results r;
    float *work;

    s.algo = algo;
    r.work = dae_conv2d_workspace(&s, l->B);
    work = nan_floats(r.work);
    r.y = nan_floats(l->ny);
    r.dx = nan_floats(l->nx);
    r.dW = nan_floats(l->nW);
    r.db = nan_floats((size_t)s.F);
    dae_conv2d_forward(&s, l->B, l->x, l->W, l->b, r.y, work);
    dae_conv2d_backward(&s, l->B, l->x, DAE_LINEAR, 0.0f, l->W, l->dy, r.dx, r.dW, r.db,
                        work);
    free(work);
    return r;
}

/* ---- naive references ----------------------------------------------------- */

static size_t pix(int n, int h, int w, int H, int W, int C)
{
    return (((size_t)n * H + h) * W + w) * C;
}

/* y, dx, dW, db of TF's conv2d as direct loops in double: y is the
 * correlation, dx and dW its adjoints, db the sums of dy. */
static struct results reference(const struct layer *l, const dae_conv_shape *s)
{
    struct sums d = sums_new(l);

    for (int n = 0; n < l->B; n++)
        for (int oh = 0; oh < s->OH; oh++)
            for (int ow = 0; ow < s->OW; ow++)
                for (int kh = 0; kh < 3; kh++)
                    for (int kw = 0; kw < 3; kw++) {
                        int ih = oh + kh - s->pad_top, iw = ow + kw - s->pad_left;
                        if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W)
                            continue;
                        size_t xo = pix(n, ih, iw, s->H, s->W, s->C);
                        size_t yo = pix(n, oh, ow, s->OH, s->OW, s->F);
                        for (int c = 0; c < s->C; c++)
                            for (int f = 0; f < s->F; f++) {
                                size_t wo = ((size_t)(kh * 3 + kw) * s->C + c) * s->F + f;
                                d.y[yo + f] += (double)l->x[xo + c] * l->W[wo];
                                d.dx[xo + c] += (double)l->dy[yo + f] * l->W[wo];
                                d.dW[wo] += (double)l->x[xo + c] * l->dy[yo + f];
                            }
                    }
    return sums_results(l, &d);
}

/* ---- checks ------------------------------------------------------------------- */

static void case_name(char *buf, size_t n, const dae_conv_shape *s, int B)
{
    snprintf(buf, n, "%s_%dx%dx%d_f%d_%s_B%d", wino_name, s->H, s->W, s->C, s->F,
             s->pad_top ? "same" : "valid", B);
}

/* Winograd against im2col and the loops, tensor by tensor. */
static void check_against_im2col(int H, int W, int C, int F, int same, int B)
{
    struct layer l = layer_new(shape3x3(H, W, C, F, same, wino_algo), B);
    struct results wino = run(&l, wino_algo), im2col = run(&l, DAE_CONV_IM2COL);
    struct results ref = reference(&l, &l.s);
    char name[96];

    case_name(name, sizeof name, &l.s, B);
    check_against_both(&l, &wino, &im2col, &ref, name, value_tol);
    results_free(&wino);
    results_free(&im2col);
    results_free(&ref);
    layer_free(&l);
}

/* The comparison can fail: references with the padding one pixel off. */
static void check_detects_shifted_padding(void)
{
    struct layer l = layer_new(shape3x3(7, 7, 5, 6, 1, wino_algo), 2);
    struct results wino = run(&l, wino_algo);
    dae_conv_shape shifted = l.s;
    struct results ref;
    double e;

    shifted.pad_top = 0;
    ref = reference(&l, &shifted);
    e = check_max_rel(wino.y, ref.y, l.ny, 1e-6);
    check_report(e > 1e-2, test_name("detects_shifted_padding"), "rel err %.1e", e);
    results_free(&wino);
    results_free(&ref);
    layer_free(&l);
}

/* L = sum(w * y) through dae_conv2d_forward with algo = Winograd. */
struct objective {
    struct layer *l;
    float *w, *y, *work;
};

static double objective(void *ctx)
{
    struct objective *o = ctx;

    dae_conv2d_forward(&o->l->s, o->l->B, o->l->x, o->l->W, o->l->b, o->y, o->work);
    return dot(o->w, o->y, o->l->ny);
}

static void check_numeric_grad(int H, int W, int C, int F, int same, int B)
{
    struct layer l = layer_new(shape3x3(H, W, C, F, same, wino_algo), B);
    size_t ws = dae_conv2d_workspace(&l.s, B), most = l.nx > l.nW ? l.nx : l.nW;
    struct objective o = {&l, random_floats(l.ny), alloc_floats(l.ny), nan_floats(ws)};
    float *dx = nan_floats(l.nx), *dW = nan_floats(l.nW), *db = nan_floats((size_t)F);
    float *num = alloc_floats(most);
    char name[96], nm[160];
    double e;

    case_name(name, sizeof name, &l.s, B);
    dae_conv2d_backward(&l.s, B, l.x, DAE_LINEAR, 0.0f, l.W, o.w, dx, dW, db, o.work);
    numeric_grad(objective, &o, l.x, l.nx, 0.05f, num);
    e = check_max_rel(dx, num, l.nx, 1e-6);
    snprintf(nm, sizeof nm, "%s_numeric_dx", name);
    check_report(e < GRAD_TOL, nm, "max rel err %.1e", e);
    numeric_grad(objective, &o, l.W, l.nW, 0.05f, num);
    e = check_max_rel(dW, num, l.nW, 1e-6);
    snprintf(nm, sizeof nm, "%s_numeric_dW", name);
    check_report(e < GRAD_TOL, nm, "max rel err %.1e", e);
    numeric_grad(objective, &o, l.b, (size_t)F, 0.05f, num);
    e = check_max_rel(db, num, (size_t)F, 1e-6);
    snprintf(nm, sizeof nm, "%s_numeric_db", name);
    check_report(e < GRAD_TOL, nm, "max rel err %.1e", e);
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
static void check_groups(int H, int W, int C, int F, int same)
{
    struct layer l = layer_new(shape3x3(H, W, C, F, same, wino_algo), 20);
    char name[96];

    case_name(name, sizeof name, &l.s, 20);
    check_group_caps(&l, run, wino_algo, 2 * dae_winograd_sample_floats(&l.s), name);
    layer_free(&l);
}

/* dx is optional and must not change dW or db; a second run gives the
 * same bits. */
static void check_optional_dx_and_repeat(void)
{
    struct layer l = layer_new(shape3x3(14, 14, 17, 19, 1, wino_algo), 3);
    struct results a = run(&l, wino_algo), b = run(&l, wino_algo);
    float *work = nan_floats(a.work), *dW = nan_floats(l.nW), *db = nan_floats(19);
    int same_bits = memcmp(a.y, b.y, l.ny * sizeof(float)) == 0 &&
                    memcmp(a.dx, b.dx, l.nx * sizeof(float)) == 0 &&
                    memcmp(a.dW, b.dW, l.nW * sizeof(float)) == 0 &&
                    memcmp(a.db, b.db, 19 * sizeof(float)) == 0;

    check_report(same_bits, test_name("repeat_run_identical"), NULL);
    dae_conv2d_backward(&l.s, l.B, l.x, DAE_LINEAR, 0.0f, l.W, l.dy, NULL, dW, db, work);
    check_report(memcmp(dW, a.dW, l.nW * sizeof *dW) == 0 &&
                     memcmp(db, a.db, 19 * sizeof *db) == 0,
                 test_name("dW_db_without_dx"), NULL);
    free(work);
    free(dW);
    free(db);
    results_free(&a);
    results_free(&b);
    layer_free(&l);
}

/* The activations in the tile output pass, relu and leaky relu applied
 * in registers, against the pass then dae_act_forward. */
static void check_fused_acts_14x14(void)
{
    struct layer l = layer_new(shape3x3(14, 14, 17, 19, 1, wino_algo), 3);

    check_fused_acts(&l, run, wino_algo, test_name("14x14"));
    layer_free(&l);
}

/* Strides 2 and a 2x3 kernel ask for Winograd but get im2col, bit for bit. */
static void check_fallback(void)
{
    dae_conv_shape strided = {9, 7, 4, 3, 3, 5, 2, 2, 5, 4, 1, 1, wino_algo, DAE_LINEAR, 0.0f};
    dae_conv_shape kernel23 = {6, 8, 3, 2, 3, 4, 1, 1, 6, 8, 0, 1, wino_algo, DAE_LINEAR, 0.0f};
    dae_conv_shape *cases[2] = {&strided, &kernel23};
    int ok = 1;

    for (int i = 0; i < 2; i++) {
        struct layer l = layer_new(*cases[i], 2);
        struct results w = run(&l, wino_algo), c = run(&l, DAE_CONV_IM2COL);
        ok &= w.work == c.work && memcmp(w.y, c.y, l.ny * sizeof(float)) == 0 &&
              memcmp(w.dx, c.dx, l.nx * sizeof(float)) == 0 &&
              memcmp(w.dW, c.dW, l.nW * sizeof(float)) == 0;
        results_free(&w);
        results_free(&c);
        layer_free(&l);
    }
    check_report(ok, test_name("unfit_shapes_fall_back_to_im2col"), NULL);
}

/* B = 0: nothing read, zero weight gradients, no workspace. */
static void check_empty_batch(void)
{
    dae_conv_shape s = shape3x3(5, 9, 3, 4, 1, wino_algo);
    float dW[9 * 3 * 4], db[4];
    int ok = dae_conv2d_workspace(&s, 0) == 0;

    for (int i = 0; i < 108; i++)
        dW[i] = 1;
    for (int i = 0; i < 4; i++)
        db[i] = 1;
    dae_conv2d_forward(&s, 0, NULL, NULL, NULL, NULL, NULL);
    dae_conv2d_backward(&s, 0, NULL, DAE_LINEAR, 0.0f, NULL, NULL, NULL, dW, db, NULL);
    for (int i = 0; i < 108; i++)
        ok &= dW[i] == 0;
    for (int i = 0; i < 4; i++)
        ok &= db[i] == 0;
    check_report(ok, test_name("empty_batch"), NULL);
}

/* Every check, for the algo set in wino_algo. */
static void check_all(void)
{
    static const int sizes[][2] = {{5, 9}, {7, 7}, {14, 14}};
    /* C, F, B: single channels, the 16-channel edge, chunk tails past 32 */
    static const int cfb[][3] = {
        {1, 1, 1},   {1, 19, 2},  {17, 1, 3},  {2, 3, 2},   {3, 7, 1},
        {5, 16, 3},  {8, 2, 2},   {16, 16, 1}, {17, 19, 3}, {13, 11, 2},
    };

    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int same = 0; same <= 1; same++)
            for (size_t k = 0; k < sizeof cfb / sizeof *cfb; k++)
                check_against_im2col(sizes[i][0], sizes[i][1], cfb[k][0], cfb[k][1],
                                     same, cfb[k][2]);
    check_against_im2col(14, 14, 40, 33, 1, 2);
    check_against_im2col(14, 14, 64, 64, 1, 2);
    check_against_im2col(7, 7, 64, 64, 0, 3);
    check_against_im2col(28, 28, 64, 64, 1, 1);
    check_detects_shifted_padding();
    check_numeric_grad(5, 9, 3, 4, 1, 2);
    check_numeric_grad(7, 7, 2, 3, 0, 2);
    check_numeric_grad(5, 9, 17, 19, 0, 1);
    check_fused_acts_14x14();
    check_groups(7, 7, 5, 6, 1);
    check_groups(5, 9, 17, 19, 0);
    check_optional_dx_and_repeat();
    check_fallback();
    check_empty_batch();
}

int main(int argc, char **argv)
{
    (void)argc;
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    check_all();
    wino_algo = DAE_CONV_WINOGRAD_4X4;
    wino_name = "winograd4x4";
    value_tol = VALUE_TOL_4X4;
    check_all();
    return check_failures != 0;
}
