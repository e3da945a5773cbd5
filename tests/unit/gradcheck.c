/* Kernel checks for the runtime's math: numerical gradients of dense,
 * activations and losses; optimizer steps against double-precision
 * references; initializer ranges and variances; RNG determinism and
 * permutation quality. Every gradient comparison is also run once on a
 * deliberately broken gradient to show it would fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
#include "check.h"
#include "act.h"
#include "dense.h"
#include "error.h"
#include "init.h"
#include "loss.h"
#include "optim.h"
#include "rng.h"

/* Normwise tolerance for a numerical gradient; the observed errors are
 * below 1e-4, a sign or factor error is of order 1. */
#define GRAD_TOL 2e-3

static dae_rng data_rng;

static float urand(float lo, float hi)
{
    return lo + (hi - lo) * dae_rng_uniform(&data_rng);
}

static void fill(float *a, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = urand(lo, hi);
}

static float *alloc_floats(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "gradcheck: out of memory\n");
        exit(2);
    }
    return p;
}

static double *alloc_doubles(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "gradcheck: out of memory\n");
        exit(2);
    }
    return p;
}

/* A check with nothing to say beyond its name. */
static void check_ok(int ok, const char *name)
{
    check_report(ok, name, NULL);
}

/* ---- numerical gradients ---------------------------------------------- */


/* Reports whether ana matches num, and (as a separate check) that the
 * comparison fails once ana's sign is flipped or its largest entry halved. */
static void check_grad(const char *name, const float *ana, const float *num,
                       size_t n)
{
    double err = check_max_rel(ana, num, n, 1e-6);
    float *bad = alloc_floats(n);
    size_t big = 0;
    double err_flip, err_one;
    char mname[128];

    check_report(err < GRAD_TOL, name, "max rel err %.2e", err);
    for (size_t i = 0; i < n; i++) {
        bad[i] = -ana[i];
        if (fabsf(ana[i]) > fabsf(ana[big]))
            big = i;
    }
    err_flip = check_max_rel(bad, num, n, 1e-6);
    memcpy(bad, ana, n * sizeof *bad);
    bad[big] *= 0.5f;
    err_one = check_max_rel(bad, num, n, 1e-6);
    snprintf(mname, sizeof mname, "%s_detects_wrong_gradient", name);
    check_report(err_flip > 100 * GRAD_TOL && err_one > 100 * GRAD_TOL, mname,
                 "flipped %.2e, one halved %.2e", err_flip, err_one);
    free(bad);
}

/* ---- dense ------------------------------------------------------------ */

struct dense_case {
    int B, in, out;
    float *x, *W, *b, *w, *y;
};

/* The scalar sum(w * y) whose gradient with respect to y is w. */
static double dense_objective(void *ctx)
{
    struct dense_case *c = ctx;
    size_t ny = (size_t)c->B * (size_t)c->out;
    double s = 0;

    dae_dense_forward(c->B, c->in, c->out, c->x, c->W, c->b, DAE_LINEAR, 0.0f, c->y);
    for (size_t k = 0; k < ny; k++)
        s += (double)c->w[k] * c->y[k];
    return s;
}

static void dense_forward_value(const char *name, struct dense_case *c)
{
    size_t ny = (size_t)c->B * (size_t)c->out;
    float *ref = alloc_floats(ny);

    for (int i = 0; i < c->B; i++)
        for (int j = 0; j < c->out; j++) {
            double s = c->b ? c->b[j] : 0.0;
            for (int k = 0; k < c->in; k++)
                s += (double)c->x[i * c->in + k] * c->W[k * c->out + j];
            ref[i * c->out + j] = (float)s;
        }
    fill(c->y, ny, 1e3f, 2e3f);
    dae_dense_forward(c->B, c->in, c->out, c->x, c->W, c->b, DAE_LINEAR, 0.0f, c->y);
    {
        double err = check_max_rel(c->y, ref, ny, 1e-6);
        check_report(err < 1e-5, name, "max rel err %.2e", err);
    }
    free(ref);
}

static void dense_case_run(int B, int in, int out, int bias)
{
    struct dense_case c = {B, in, out, NULL, NULL, NULL, NULL, NULL};
    size_t nx = (size_t)B * in, nw = (size_t)in * out, ny = (size_t)B * out;
    float *dx = alloc_floats(nx), *dW = alloc_floats(nw), *db = alloc_floats(out);
    float *num = alloc_floats(nx > nw ? nx : nw);
    char name[96];

    c.x = alloc_floats(nx), c.W = alloc_floats(nw), c.w = alloc_floats(ny);
    c.y = alloc_floats(ny), c.b = bias ? alloc_floats(out) : NULL;
    fill(c.x, nx, -1, 1), fill(c.W, nw, -1, 1), fill(c.w, ny, -1, 1);
    if (bias)
        fill(c.b, out, -1, 1);

    snprintf(name, sizeof name, "dense_forward_%dx%dx%d%s", B, in, out,
             bias ? "" : "_nobias");
    dense_forward_value(name, &c);
    /* Stale values must be overwritten, not accumulated into. */
    fill(dx, nx, 1e3f, 2e3f), fill(dW, nw, 1e3f, 2e3f), fill(db, (size_t)out, 1e3f, 2e3f);
    dae_dense_backward(B, in, out, c.x, DAE_LINEAR, 0.0f, c.W, c.w, dx, dW,
                       bias ? db : NULL);

    numeric_grad(dense_objective, &c, c.x, nx, 1e-2f, num);
    snprintf(name, sizeof name, "dense_dx_%dx%dx%d%s", B, in, out, bias ? "" : "_nobias");
    check_grad(name, dx, num, nx);
    numeric_grad(dense_objective, &c, c.W, nw, 1e-2f, num);
    snprintf(name, sizeof name, "dense_dW_%dx%dx%d%s", B, in, out, bias ? "" : "_nobias");
    check_grad(name, dW, num, nw);
    if (bias) {
        numeric_grad(dense_objective, &c, c.b, (size_t)out, 1e-2f, num);
        snprintf(name, sizeof name, "dense_db_%dx%dx%d", B, in, out);
        check_grad(name, db, num, (size_t)out);
    }
    free(dx), free(dW), free(db), free(num);
    free(c.x), free(c.W), free(c.b), free(c.w), free(c.y);
}

/* dx and db are optional; an empty batch gives zero dW and db. */
static void dense_optional_outputs(void)
{
    float x[6], W[6], dy[4], dW[6], db[2], dx[6];
    int ok = 1;

    fill(x, 6, -1, 1), fill(W, 6, -1, 1), fill(dy, 4, -1, 1);
    for (int i = 0; i < 6; i++)
        dx[i] = 42.0f;
    dae_dense_backward(2, 3, 2, x, DAE_LINEAR, 0.0f, W, dy, NULL, dW, NULL);
    for (int i = 0; i < 6; i++)
        ok &= dx[i] == 42.0f;
    check_ok(ok, "dense_backward_null_dx_db");

    /* db comes with dW's first part, or alone when dW is not asked for:
     * the column sums of dy either way */
    const float want[2] = {dy[0] + dy[2], dy[1] + dy[3]};
    db[0] = db[1] = 42.0f;
    dae_dense_backward(2, 3, 2, x, DAE_LINEAR, 0.0f, W, dy, NULL, dW, db);
    ok = db[0] == want[0] && db[1] == want[1];
    db[0] = db[1] = 42.0f;
    dae_dense_backward(2, 3, 2, x, DAE_LINEAR, 0.0f, W, dy, dx, NULL, db);
    ok &= db[0] == want[0] && db[1] == want[1];
    check_ok(ok, "dense_backward_db_with_and_without_dW");

    for (int i = 0; i < 6; i++)
        dW[i] = 42.0f;
    db[0] = db[1] = 42.0f;
    dae_dense_backward(0, 3, 2, x, DAE_LINEAR, 0.0f, W, dy, NULL, dW, db);
    ok = db[0] == 0.0f && db[1] == 0.0f;
    for (int i = 0; i < 6; i++)
        ok &= dW[i] == 0.0f;
    check_ok(ok, "dense_backward_empty_batch");
}

/* The fused activations give exactly the values of the separate passes:
 * forward, act(x W + b) against dense then dae_act_forward; backward, dx
 * through x's activation against dense then dae_act_backward. B = 37 rows
 * split unevenly over the threads. */
static void dense_fused_activations(void)
{
    enum { B = 37, IN = 29, OUT = 23 };
    static const dae_act acts[] = {DAE_RELU, DAE_LEAKY_RELU, DAE_ELU, DAE_SIGMOID, DAE_TANH};
    float *x = alloc_floats(B * IN), *W = alloc_floats(IN * OUT), *b = alloc_floats(OUT);
    float *y = alloc_floats(B * OUT), *ref = alloc_floats(B * OUT), *dy = alloc_floats(B * OUT);
    float *dx = alloc_floats(B * IN), *dx_ref = alloc_floats(B * IN);
    float *dW = alloc_floats(IN * OUT), *db = alloc_floats(OUT);
    char name[64];

    fill(W, IN * OUT, -1, 1), fill(b, OUT, -1, 1), fill(dy, B * OUT, -1, 1);
    for (size_t k = 0; k < sizeof acts / sizeof *acts; k++) {
        dae_act a = acts[k];
        float alpha = a == DAE_LEAKY_RELU ? 0.2f : 1.0f;
        fill(x, B * IN, -2, 2);
        dae_dense_forward(B, IN, OUT, x, W, b, DAE_LINEAR, 0.0f, ref);
        dae_act_forward(a, alpha, B * OUT, ref, ref);
        dae_dense_forward(B, IN, OUT, x, W, b, a, alpha, y);
        snprintf(name, sizeof name, "dense_fused_forward_%s", dae_act_name(a));
        check_ok(memcmp(y, ref, sizeof *y * B * OUT) == 0, name);

        /* x as the output of a: its derivative is taken from x itself */
        dae_act_forward(a, alpha, B * IN, x, x);
        dae_dense_backward(B, IN, OUT, x, DAE_LINEAR, 0.0f, W, dy, dx_ref, dW, db);
        dae_act_backward(a, alpha, B * IN, x, dx_ref, dx_ref);
        dae_dense_backward(B, IN, OUT, x, a, alpha, W, dy, dx, dW, db);
        snprintf(name, sizeof name, "dense_fused_input_grad_%s", dae_act_name(a));
        check_ok(memcmp(dx, dx_ref, sizeof *dx * B * IN) == 0, name);
    }
    free(x), free(W), free(b), free(y), free(ref), free(dy);
    free(dx), free(dx_ref), free(dW), free(db);
}

static void test_dense(void)
{
    dense_case_run(3, 5, 7, 1);
    dense_case_run(3, 5, 7, 0);
    dense_case_run(17, 70, 33, 1);
    dense_optional_outputs();
    dense_fused_activations();
}

/* ---- activations ------------------------------------------------------ */

#define ACT_N 64

struct act_case {
    dae_act a;
    float alpha;
    float z[ACT_N], w[ACT_N], y[ACT_N];
};

static double act_objective(void *ctx)
{
    struct act_case *c = ctx;
    double s = 0;

    dae_act_forward(c->a, c->alpha, ACT_N, c->z, c->y);
    for (int i = 0; i < ACT_N; i++)
        s += (double)c->w[i] * c->y[i];
    return s;
}

static double act_ref(dae_act a, double alpha, double z)
{
    switch (a) {
    case DAE_LINEAR: return z;
    case DAE_RELU: return z > 0 ? z : 0;
    case DAE_LEAKY_RELU: return z > 0 ? z : alpha * z;
    case DAE_ELU: return z > 0 ? z : alpha * expm1(z);
    case DAE_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case DAE_TANH: return tanh(z);
    }
    return NAN;
}

static void act_values(struct act_case *c, const char *label)
{
    float ref[ACT_N], y2[ACT_N], dz2[ACT_N], dz[ACT_N];
    char name[96];
    double err;
    int same = 1;

    for (int i = 0; i < ACT_N; i++)
        ref[i] = (float)act_ref(c->a, c->alpha, c->z[i]);
    dae_act_forward(c->a, c->alpha, ACT_N, c->z, c->y);
    err = check_max_rel(c->y, ref, ACT_N, 1e-6);
    snprintf(name, sizeof name, "act_%s_forward", label);
    check_report(err < 1e-6, name, "max rel err %.2e", err);

    /* Forward in place and backward in place give the same numbers. */
    memcpy(y2, c->z, sizeof y2);
    dae_act_forward(c->a, c->alpha, ACT_N, y2, y2);
    dae_act_backward(c->a, c->alpha, ACT_N, c->y, c->w, dz);
    memcpy(dz2, c->w, sizeof dz2);
    dae_act_backward(c->a, c->alpha, ACT_N, c->y, dz2, dz2);
    for (int i = 0; i < ACT_N; i++)
        same &= y2[i] == c->y[i] && dz2[i] == dz[i];
    snprintf(name, sizeof name, "act_%s_in_place", label);
    check_ok(same, name);
}

static void act_case_run(dae_act a, float alpha)
{
    struct act_case c;
    float dz[ACT_N], num[ACT_N];
    char label[64], name[96];

    c.a = a, c.alpha = alpha;
    for (int i = 0; i < ACT_N; i++) {
        float z = urand(-4, 4);
        /* Keep away from the kink at 0 for relu, leaky_relu and elu. */
        c.z[i] = fabsf(z) < 0.05f ? z + (z < 0 ? -0.1f : 0.1f) : z;
        c.w[i] = urand(-1, 1);
    }
    if (a == DAE_LEAKY_RELU || a == DAE_ELU)
        snprintf(label, sizeof label, "%s_%g", dae_act_name(a), alpha);
    else
        snprintf(label, sizeof label, "%s", dae_act_name(a));
    act_values(&c, label);

    dae_act_forward(a, alpha, ACT_N, c.z, c.y);
    dae_act_backward(a, alpha, ACT_N, c.y, c.w, dz);
    numeric_grad(act_objective, &c, c.z, ACT_N, 1e-3f, num);
    snprintf(name, sizeof name, "act_%s_backward", label);
    check_grad(name, dz, num, ACT_N);
}

static int finite_all(const float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

/* sigmoid keeps tiny tails accurate and never overflows. */
static void act_extremes(void)
{
    float z[6] = {-1000, -100, -30, 30, 100, 1000}, y[6], dz[6];
    float one[6] = {1, 1, 1, 1, 1, 1};
    double tail = exp(-30.0) / (1.0 + exp(-30.0));
    int ok;

    dae_act_forward(DAE_SIGMOID, 0, 6, z, y);
    dae_act_backward(DAE_SIGMOID, 0, 6, y, one, dz);
    ok = finite_all(y, 6) && finite_all(dz, 6) && y[0] == 0.0f && y[5] == 1.0f &&
         y[4] == 1.0f && y[1] >= 0.0f && fabs(y[2] - tail) < 1e-6 * tail;
    check_report(ok, "act_sigmoid_extreme_logits", "y(-30)=%.6g want %.6g",
                 (double)y[2], tail);

    dae_act_forward(DAE_TANH, 0, 6, z, y);
    dae_act_backward(DAE_TANH, 0, 6, y, one, dz);
    ok = finite_all(y, 6) && finite_all(dz, 6) && y[0] == -1.0f && y[5] == 1.0f;
    check_ok(ok, "act_tanh_extreme");

    dae_act_forward(DAE_ELU, 0.5f, 6, z, y);
    ok = finite_all(y, 6) && y[0] == -0.5f && y[5] == 1000.0f;
    check_ok(ok, "act_elu_extreme");
}

static void test_activations(void)
{
    act_case_run(DAE_LINEAR, 0);
    act_case_run(DAE_RELU, 0);
    act_case_run(DAE_LEAKY_RELU, 0.2f);
    act_case_run(DAE_LEAKY_RELU, 0.01f);
    act_case_run(DAE_ELU, 1.0f);
    act_case_run(DAE_ELU, 0.7f);
    act_case_run(DAE_SIGMOID, 0);
    act_case_run(DAE_TANH, 0);
    act_extremes();

    check_ok(!strcmp(dae_act_name(DAE_LINEAR), "linear") &&
                 !strcmp(dae_act_name(DAE_RELU), "relu") &&
                 !strcmp(dae_act_name(DAE_LEAKY_RELU), "leaky_relu") &&
                 !strcmp(dae_act_name(DAE_ELU), "elu") &&
                 !strcmp(dae_act_name(DAE_SIGMOID), "sigmoid") &&
                 !strcmp(dae_act_name(DAE_TANH), "tanh"),
                 "act_names");
}

/* ---- losses ----------------------------------------------------------- */

#define LOSS_N 13

struct loss_case {
    int logits;       /* dae_bce_logits rather than dae_loss_forward */
    dae_loss kind;
    float p[LOSS_N], t[LOSS_N];
};

static double loss_objective(void *ctx)
{
    struct loss_case *c = ctx;

    if (c->logits)
        return dae_bce_logits(LOSS_N, c->p, c->t, NULL);
    return dae_loss_forward(c->kind, LOSS_N, c->p, c->t, NULL);
}

/* Per-element loss and gradient in double, straight from the formulas. */
static double loss_ref(const struct loss_case *c, int i, double *grad)
{
    double p = c->p[i], t = c->t[i], eps = (double)1e-7f;

    if (c->logits) {
        *grad = (1.0 / (1.0 + exp(-p)) - t) / LOSS_N;
        return fmax(p, 0) - p * t + log1p(exp(-fabs(p)));
    }
    switch (c->kind) {
    case DAE_BCE:
        *grad = ((1 - t) / (1 - p + eps) - t / (p + eps)) / LOSS_N;
        return -(t * log(p + eps) + (1 - t) * log(1 - p + eps));
    case DAE_MSE:
        *grad = 2 * (p - t) / LOSS_N;
        return (p - t) * (p - t);
    case DAE_MAE:
        *grad = (p > t ? 1.0 : p < t ? -1.0 : 0.0) / LOSS_N;
        return fabs(p - t);
    }
    *grad = NAN;
    return NAN;
}

static float loss_call(struct loss_case *c, float *grad)
{
    if (c->logits)
        return dae_bce_logits(LOSS_N, c->p, c->t, grad);
    return dae_loss_forward(c->kind, LOSS_N, c->p, c->t, grad);
}

static void loss_case_run(struct loss_case *c, const char *label, float h)
{
    float grad[LOSS_N], num[LOSS_N], gref[LOSS_N];
    double lref = 0, err;
    float l = loss_call(c, grad);
    char name[96];

    for (int i = 0; i < LOSS_N; i++) {
        double g;
        lref += loss_ref(c, i, &g);
        gref[i] = (float)g;
    }
    lref /= LOSS_N;
    snprintf(name, sizeof name, "loss_%s_value", label);
    check_report(fabs(l - lref) < 1e-6 * fabs(lref) + 1e-7, name,
                 "%.9g want %.9g", (double)l, lref);
    err = check_max_rel(grad, gref, LOSS_N, 1e-6);
    snprintf(name, sizeof name, "loss_%s_gradient_formula", label);
    check_report(err < 1e-5, name, "max rel err %.2e", err);

    numeric_grad(loss_objective, c, c->p, LOSS_N, h, num);
    snprintf(name, sizeof name, "loss_%s_gradient", label);
    check_grad(name, grad, num, LOSS_N);
}

/* p and t with |p - t| >= 0.05 so mae's kink is out of the difference. */
static void loss_inputs(struct loss_case *c, float plo, float phi)
{
    for (int i = 0; i < LOSS_N; i++) {
        c->t[i] = urand(0, 1);
        do
            c->p[i] = urand(plo, phi);
        while (fabsf(c->p[i] - c->t[i]) < 0.05f);
    }
}

static void bce_logits_extremes(void)
{
    float x[6] = {100, -100, 100, -100, 0, 1e4f}, t[6] = {0, 1, 1, 0, 0.25f, 0.5f};
    float g[6], l = dae_bce_logits(6, x, t, g);
    double want = (100 + 100 + 0 + 0 + log(2.0) + 0.5e4) / 6;
    int ok = isfinite(l) && finite_all(g, 6) && fabs(l - want) < 1e-6 * want &&
             g[0] == 1.0f / 6 && g[1] == -1.0f / 6 && g[2] == 0.0f &&
             fabsf(g[3]) < 1e-30f && fabsf(g[4] - 0.25f / 6) < 1e-8f &&
             fabsf(g[5] - 0.5f / 6) < 1e-8f;

    check_report(ok, "loss_bce_logits_extreme", "loss %.9g want %.9g",
                 (double)l, want);
}

/* Out-of-range probabilities are clipped (finite loss, zero gradient); at
 * the clip bound itself the gradient still flows, as in tf.clip_by_value. */
static void bce_clip(void)
{
    float p[5] = {0.0f, 1.0f, -0.5f, 1e-7f, 1.5f}, t[5] = {1, 0, 1, 1, 0.5f};
    float g[5], l = dae_loss_forward(DAE_BCE, 5, p, t, g);
    double lo = (double)1e-7f, hi = (double)(1.0f - 1e-7f), eps = lo;
    double want = (-log(lo + eps) - log(1 - hi + eps) - log(lo + eps) -
                   log(lo + eps) - 0.5 * (log(hi + eps) + log(1 - hi + eps))) / 5;
    int ok = isfinite(l) && fabs(l - want) < 1e-5 * want && g[0] == 0.0f &&
             g[1] == 0.0f && g[2] == 0.0f && g[4] == 0.0f && g[3] < -1e5f;

    check_report(ok, "loss_bce_clipped_bounds", "loss %.9g want %.9g",
                 (double)l, want);
}

static void mae_at_equality(void)
{
    float p[3] = {0.5f, 0.25f, 1.0f}, t[3] = {0.5f, 0.25f, 0.0f}, g[3];
    float l = dae_loss_forward(DAE_MAE, 3, p, t, g);

    check_ok(g[0] == 0.0f && g[1] == 0.0f && g[2] == 1.0f / 3 &&
                 l == 1.0f / 3, "loss_mae_sign_zero_at_equality");
}

static void test_losses(void)
{
    struct loss_case c;

    memset(&c, 0, sizeof c);
    c.logits = 1;
    loss_inputs(&c, -6, 6);
    loss_case_run(&c, "bce_logits", 1e-2f);

    c.logits = 0, c.kind = DAE_BCE;
    loss_inputs(&c, 0.05f, 0.95f);
    loss_case_run(&c, "bce_clipped", 1e-3f);

    c.kind = DAE_MSE;
    loss_inputs(&c, -1, 2);
    loss_case_run(&c, "mse", 1e-2f);

    c.kind = DAE_MAE;
    loss_inputs(&c, -1, 2);
    loss_case_run(&c, "mae", 1e-3f);

    bce_logits_extremes();
    bce_clip();
    mae_at_equality();
    check_ok(!strcmp(dae_loss_name(DAE_BCE), "binary_crossentropy") &&
                 !strcmp(dae_loss_name(DAE_MSE), "mse") &&
                 !strcmp(dae_loss_name(DAE_MAE), "mae"), "loss_names");
}

/* ---- optimizers ------------------------------------------------------- */

/* 1003 = 125 * 8 + 3: both a vector body and a scalar tail. */
#define OPT_N 1003
#define OPT_STEPS 3

/* Gradients of every magnitude, so epsilon's placement matters. */
static void opt_grads(float *g, size_t n)
{
    static const float scale[5] = {1.0f, 1e-2f, 1e-4f, 1e-6f, 1e-8f};

    for (size_t i = 0; i < n; i++)
        g[i] = urand(-1, 1) * scale[i % 5];
}

/* Normwise relative error within each magnitude class of opt_grads (so the
 * tiny-gradient elements are judged on their own scale), worst class. A
 * sum of steps of either sign can cancel, so a per-element relative error
 * would measure float rounding of the partial sums, not the formula. */
static double max_class_rel(const float *a, const double *ref, size_t n)
{
    double worst = 0;

    for (size_t c = 0; c < 5; c++) {
        double diff = 0, big = 1e-30;
        for (size_t i = c; i < n; i += 5) {
            double d = fabs((double)a[i] - ref[i]);
            diff = d > diff || d != d ? d : diff;
            big = fabs(ref[i]) > big ? fabs(ref[i]) : big;
        }
        worst = diff / big > worst || diff != diff ? diff / big : worst;
    }
    return worst;
}

/* Keras Adam done by hand in double from the same float hyperparameters. */
static void adam_ref(size_t n, double *w, const float *g, double *m, double *v,
                     long t)
{
    double b1 = (double)0.9f, b2 = (double)0.999f, lr = (double)1e-3f;
    double eps = (double)1e-7f;
    double alpha = lr * sqrt(1 - pow(b2, (double)t)) / (1 - pow(b1, (double)t));

    for (size_t i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += ((double)g[i] * g[i] - v[i]) * (1 - b2);
        w[i] -= alpha * m[i] / (sqrt(v[i]) + eps);
    }
}

static void test_adam(void)
{
    float *w = alloc_floats(OPT_N), *m = alloc_floats(OPT_N);
    float *v = alloc_floats(OPT_N), *g = alloc_floats(OPT_N);
    double *wr = alloc_doubles(OPT_N), *mr = alloc_doubles(OPT_N);
    double *vr = alloc_doubles(OPT_N);
    char name[64];

    for (long t = 1; t <= OPT_STEPS; t++) {
        double ew, em, ev;
        opt_grads(g, OPT_N);
        dae_adam_step(OPT_N, w, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-7f, t);
        adam_ref(OPT_N, wr, g, mr, vr, t);
        if (t == 2)
            continue;
        ew = max_class_rel(w, wr, OPT_N), em = max_class_rel(m, mr, OPT_N);
        ev = max_class_rel(v, vr, OPT_N);
        snprintf(name, sizeof name, "adam_after_%ld_steps", t);
        check_report(ew < 1e-5 && em < 1e-5 && ev < 1e-5, name,
                     "rel err w %.1e m %.1e v %.1e", ew, em, ev);
    }
    free(w), free(m), free(v), free(g), free(wr), free(mr), free(vr);
}

/* At t = 1 the step is lr*g/(|g| + eps/sqrt(1-b2)): epsilon-hat, not the
 * textbook lr*g/(|g| + eps), which differs by 4x at |g| = 1e-6. */
static void test_adam_epsilon_hat(void)
{
    float g[4] = {0.5f, -1e-3f, 1e-6f, -3e-8f}, w[4] = {0}, m[4] = {0}, v[4] = {0};
    double worst = 0;

    dae_adam_step(4, w, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-7f, 1);
    for (int i = 0; i < 4; i++) {
        double gi = g[i];
        double want = -1e-3 * gi / (fabs(gi) + 1e-7 / sqrt(1 - 0.999));
        double e = fabs(w[i] - want) / fabs(want);
        worst = e > worst ? e : worst;
    }
    check_report(worst < 1e-4, "adam_epsilon_hat_first_step", "rel err %.1e", worst);
}

/* The AVX body and the scalar tail compute identical values. */
static void test_adam_lanes(void)
{
    float w[16], g[16], m[16] = {0}, v[16] = {0};
    float w1[16], m1[16] = {0}, v1[16] = {0};
    int same = 1;

    fill(w, 16, -1, 1), opt_grads(g, 16);
    memcpy(w1, w, sizeof w);
    for (long t = 1; t <= 5; t++) {
        dae_adam_step(16, w, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-7f, t);
        for (int i = 0; i < 16; i++)
            dae_adam_step(1, w1 + i, g + i, m1 + i, v1 + i, 1e-3f, 0.9f,
                          0.999f, 1e-7f, t);
    }
    for (int i = 0; i < 16; i++)
        same &= w[i] == w1[i] && m[i] == m1[i] && v[i] == v1[i];
    check_ok(same, "adam_vector_equals_scalar");
}

static void sgd_ref(size_t n, double *w, const float *g, double *vel,
                    double lr, double mom, int nesterov)
{
    for (size_t i = 0; i < n; i++) {
        if (mom == 0) {
            w[i] -= g[i] * lr;
            continue;
        }
        vel[i] = mom * vel[i] - lr * g[i];
        w[i] += nesterov ? mom * vel[i] - lr * g[i] : vel[i];
    }
}

static void sgd_case(const char *name, float momentum, int nesterov)
{
    float *w = alloc_floats(OPT_N), *vel = alloc_floats(OPT_N);
    float *g = alloc_floats(OPT_N);
    double *wr = alloc_doubles(OPT_N), *vr = alloc_doubles(OPT_N);
    double ew, ev = 0;

    for (int s = 0; s < OPT_STEPS; s++) {
        opt_grads(g, OPT_N);
        dae_sgd_step(OPT_N, w, g, momentum ? vel : NULL, 0.01f, momentum, nesterov);
        sgd_ref(OPT_N, wr, g, vr, (double)0.01f, (double)momentum, nesterov);
    }
    ew = max_class_rel(w, wr, OPT_N);
    if (momentum)
        ev = max_class_rel(vel, vr, OPT_N);
    check_report(ew < 1e-5 && ev < 1e-5, name, "rel err w %.1e vel %.1e", ew, ev);
    free(w), free(vel), free(g), free(wr), free(vr);
}

static void rmsprop_ref(size_t n, double *w, const float *g, double *v)
{
    double rho = (double)0.9f, lr = (double)1e-3f, eps = (double)1e-7f;

    for (size_t i = 0; i < n; i++) {
        v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
        w[i] -= lr * g[i] / sqrt(v[i] + eps);
    }
}

static void test_rmsprop(void)
{
    float *w = alloc_floats(OPT_N), *v = alloc_floats(OPT_N);
    float *g = alloc_floats(OPT_N);
    double *wr = alloc_doubles(OPT_N), *vr = alloc_doubles(OPT_N);
    double ew, ev;

    for (int s = 0; s < OPT_STEPS; s++) {
        opt_grads(g, OPT_N);
        dae_rmsprop_step(OPT_N, w, g, v, 1e-3f, 0.9f, 1e-7f);
        rmsprop_ref(OPT_N, wr, g, vr);
    }
    ew = max_class_rel(w, wr, OPT_N), ev = max_class_rel(v, vr, OPT_N);
    check_report(ew < 1e-5 && ev < 1e-5, "rmsprop_3_steps",
                 "rel err w %.1e v %.1e", ew, ev);
    free(w), free(v), free(g), free(wr), free(vr);
}

static void test_optimizers(void)
{
    test_adam();
    test_adam_epsilon_hat();
    test_adam_lanes();
    sgd_case("sgd_plain_3_steps", 0.0f, 0);
    sgd_case("sgd_momentum_3_steps", 0.9f, 0);
    sgd_case("sgd_nesterov_3_steps", 0.9f, 1);
    test_rmsprop();
}

/* ---- initializers ----------------------------------------------------- */

struct moments {
    double mean, var, maxabs;
};

static struct moments moments_of(const float *w, size_t n)
{
    struct moments s = {0, 0, 0};

    for (size_t i = 0; i < n; i++) {
        s.mean += w[i];
        s.maxabs = fabs(w[i]) > s.maxabs ? fabs(w[i]) : s.maxabs;
    }
    s.mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        s.var += (w[i] - s.mean) * (w[i] - s.mean);
    s.var /= (double)n;
    return s;
}

/* bound: the largest allowed |w|; var: the Keras variance scale/n. */
static void init_case(dae_init kind, int fi, int fo, double bound, double var)
{
    size_t n = (size_t)fi * (size_t)fo;
    float *w = alloc_floats(n);
    dae_rng r;
    struct moments s;
    char name[96];
    int ok;

    dae_rng_seed(&r, 7, 1);
    dae_init_fill(kind, &r, w, n, fi, fo);
    s = moments_of(w, n);
    ok = finite_all(w, n) && s.maxabs <= bound && s.maxabs > 0.99 * bound &&
         fabs(s.var / var - 1) < 0.02 && fabs(s.mean) < 5 * sqrt(var / n);
    snprintf(name, sizeof name, "init_%s_%dx%d", dae_init_name(kind), fi, fo);
    check_report(ok, name, "max|w| %.6f (bound %.6f), var/keras %.4f, mean %.1e",
                 s.maxabs, bound, s.var / var, s.mean);
    free(w);
}

static void test_init(void)
{
    double sd_g = sqrt(2.0 / 1284) / 0.87962566103423978;
    double sd_h = sqrt(2.0 / 784) / 0.87962566103423978;
    float z[5] = {1, 2, 3, 4, 5}, a[64], b[64];
    dae_rng r1, r2;

    init_case(DAE_GLOROT_UNIFORM, 784, 500, 0.068359 + 5e-7, 0.068359 * 0.068359 / 3);
    init_case(DAE_GLOROT_UNIFORM, 576, 576, sqrt(6.0 / 1152), 2.0 / 1152);
    init_case(DAE_HE_UNIFORM, 784, 500, sqrt(6.0 / 784), 2.0 / 784);
    init_case(DAE_GLOROT_NORMAL, 784, 500, 2 * sd_g, 2.0 / 1284);
    init_case(DAE_HE_NORMAL, 784, 500, 2 * sd_h, 2.0 / 784);

    dae_rng_seed(&r1, 3, 1);
    dae_init_fill(DAE_ZEROS, &r1, z, 5, 3, 4);
    check_ok(z[0] == 0 && z[1] == 0 && z[2] == 0 && z[3] == 0 && z[4] == 0,
                 "init_zeros");

    dae_rng_seed(&r1, 3, 1), dae_rng_seed(&r2, 3, 1);
    dae_init_fill(DAE_GLOROT_NORMAL, &r1, a, 64, 8, 8);
    dae_init_fill(DAE_GLOROT_NORMAL, &r2, b, 64, 8, 8);
    check_ok(!memcmp(a, b, sizeof a), "init_deterministic");

    check_ok(!strcmp(dae_init_name(DAE_GLOROT_UNIFORM), "glorot_uniform") &&
                 !strcmp(dae_init_name(DAE_GLOROT_NORMAL), "glorot_normal") &&
                 !strcmp(dae_init_name(DAE_HE_UNIFORM), "he_uniform") &&
                 !strcmp(dae_init_name(DAE_HE_NORMAL), "he_normal") &&
                 !strcmp(dae_init_name(DAE_ZEROS), "zeros"), "init_names");
}

/* ---- rng -------------------------------------------------------------- */

/* The PCG reference demo (pcg32-demo, seed 42, stream 54). */
static void rng_known_answer(void)
{
    static const uint32_t want[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                     0x83d2f293, 0xbfa4784b, 0xcbed606e};
    dae_rng r;
    int ok = 1;

    dae_rng_seed(&r, 42, 54);
    for (int i = 0; i < 6; i++)
        ok &= dae_rng_u32(&r) == want[i];
    check_ok(ok, "rng_pcg32_reference_values");
}

static void rng_determinism(void)
{
    dae_rng a, b, c, d, saved;
    int same = 1, same_stream = 0, same_seed = 0, resumed = 1;

    dae_rng_seed(&a, 1, 0), dae_rng_seed(&b, 1, 0);
    dae_rng_seed(&c, 1, 1), dae_rng_seed(&d, 2, 0);
    for (int i = 0; i < 1000; i++) {
        uint32_t x = dae_rng_u32(&a);
        same &= x == dae_rng_u32(&b);
        same_stream += x == dae_rng_u32(&c);
        same_seed += x == dae_rng_u32(&d);
    }
    check_ok(same, "rng_same_seed_same_sequence");
    check_report(same_stream < 3, "rng_streams_differ", "%d equal", same_stream);
    check_report(same_seed < 3, "rng_seeds_differ", "%d equal", same_seed);

    /* Copying the two state words resumes the exact sequence. */
    saved = a;
    for (int i = 0; i < 100; i++)
        resumed &= dae_rng_normal(&a) == dae_rng_normal(&saved);
    check_ok(resumed, "rng_state_copy_resumes");
}

static void rng_below(void)
{
    dae_rng r;
    long count[7] = {0};
    int in_range = 1;
    double chi2 = 0;

    dae_rng_seed(&r, 5, 2);
    for (int i = 0; i < 70000; i++) {
        uint32_t k = dae_rng_below(&r, 7);
        in_range &= k < 7;
        if (k < 7)
            count[k]++;
        in_range &= dae_rng_below(&r, 1) == 0;
        in_range &= dae_rng_below(&r, 0x80000001u) <= 0x80000000u;
    }
    for (int k = 0; k < 7; k++)
        chi2 += (count[k] - 10000.0) * (count[k] - 10000.0) / 10000.0;
    /* chi-square, 6 degrees of freedom: 22.46 is p = 0.001. */
    check_report(in_range && chi2 < 22.46, "rng_below_uniform", "chi2 %.2f", chi2);
}

static void rng_distributions(void)
{
    enum { N = 200000 };
    float *u = alloc_floats(N), *z = alloc_floats(N);
    dae_rng r;
    struct moments su, sz;
    int in_unit = 1;
    long tail = 0;

    dae_rng_seed(&r, 11, 3);
    for (int i = 0; i < N; i++) {
        u[i] = dae_rng_uniform(&r);
        in_unit &= u[i] >= 0.0f && u[i] < 1.0f;
        z[i] = dae_rng_normal(&r);
        tail += fabsf(z[i]) > 2.0f;
    }
    su = moments_of(u, N), sz = moments_of(z, N);
    check_report(in_unit && fabs(su.mean - 0.5) < 0.005 &&
                 fabs(su.var * 12 - 1) < 0.02, "rng_uniform",
                 "mean %.4f var*12 %.4f", su.mean, su.var * 12);
    check_report(finite_all(z, N) && fabs(sz.mean) < 0.01 && fabs(sz.var - 1) < 0.02 &&
                 fabs((double)tail / N - 0.0455) < 0.003, "rng_normal",
                 "mean %.4f var %.4f P(|z|>2) %.4f", sz.mean, sz.var,
                 (double)tail / N);
    free(u), free(z);
}

static int is_permutation(const int *idx, int n)
{
    char *seen = calloc((size_t)n + 1, 1);
    int ok = seen != NULL;

    for (int i = 0; ok && i < n; i++) {
        ok = idx[i] >= 0 && idx[i] < n && !seen[idx[i]];
        if (ok)
            seen[idx[i]] = 1;
    }
    free(seen);
    return ok;
}

/* All 24 orders of 4 items equally often: catches off-by-one Fisher-Yates
 * variants (Sattolo's algorithm reaches only 6 of them). */
static double shuffle_chi2(dae_rng *r)
{
    long count[256] = {0};
    double chi2 = 0;

    for (int s = 0; s < 24000; s++) {
        int idx[4] = {0, 1, 2, 3};
        dae_rng_shuffle(r, idx, 4);
        count[idx[0] * 64 + idx[1] * 16 + idx[2] * 4 + idx[3]]++;
    }
    for (int k = 0; k < 256; k++) {
        int a = k / 64, b = k / 16 % 4, c = k / 4 % 4, d = k % 4;
        if (a != b && a != c && a != d && b != c && b != d && c != d)
            chi2 += (count[k] - 1000.0) * (count[k] - 1000.0) / 1000.0;
        else if (count[k])
            return INFINITY;
    }
    return chi2;
}

static void rng_shuffle(void)
{
    enum { N = 60000 };
    int *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    int moved = 0, one = 5;
    dae_rng r1, r2;
    double chi2;

    if (!a || !b) {
        fprintf(stderr, "gradcheck: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < N; i++)
        a[i] = b[i] = i;
    dae_rng_seed(&r1, 9, 4), dae_rng_seed(&r2, 9, 4);
    dae_rng_shuffle(&r1, a, N);
    dae_rng_shuffle(&r2, b, N);
    for (int i = 0; i < N; i++)
        moved += a[i] != i;
    check_report(is_permutation(a, N) && moved > N / 2 &&
                 !memcmp(a, b, N * sizeof *a), "rng_shuffle_permutation",
                 "%d of %d moved", moved, N);

    dae_rng_shuffle(&r1, a, 0);
    dae_rng_shuffle(&r1, &one, 1);
    chi2 = shuffle_chi2(&r1);
    /* chi-square, 23 degrees of freedom: 49.73 is p = 0.001. */
    check_report(one == 5 && chi2 < 49.73, "rng_shuffle_uniform", "chi2 %.2f", chi2);
    free(a), free(b);
}

static void test_rng(void)
{
    rng_known_answer();
    rng_determinism();
    rng_below();
    rng_distributions();
    rng_shuffle();
}

/* ---- errors ----------------------------------------------------------- */

static void test_error(void)
{
    dae_error err;
    char longer[600];
    int rc = dae_fail(&err, "bad %s at %d", "thing", 7);
    int ok = rc == -1 && !strcmp(err.msg, "bad thing at 7");

    ok &= dae_fail(NULL, "ignored %d", 1) == -1;
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    ok &= dae_fail(&err, "%s", longer) == -1 &&
          strlen(err.msg) == sizeof err.msg - 1;
    check_ok(ok, "error_dae_fail");
}

int main(int argc, char **argv)
{
    (void)argc;
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    dae_rng_seed(&data_rng, 20240601, 99);
    test_dense();
    test_activations();
    test_losses();
    test_optimizers();
    test_init();
    test_rng();
    test_error();
    return check_failures != 0;
}
