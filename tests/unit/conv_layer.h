/* One convolution layer's random tensors and the results of its passes,
 * for the kernel tests in tests/unit that run a layer through conv.h with
 * one algo and compare against another (test_winograd.c,
 * test_winograd_transpose.c). Each test supplies the run: which entry
 * points, into NaN-filled outputs. */
#ifndef DAE_TEST_CONV_LAYER_H
#define DAE_TEST_CONV_LAYER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conv.h"
#include "floats.h"

struct layer {
    dae_conv_shape s;
    int B;
    size_t nx, nW, ny;
    float *x, *W, *b, *dy;
};

/* x, W, b and dy of a batch of B, drawn from floats.h in that order. */
static inline struct layer layer_new(dae_conv_shape s, int B)
{
    struct layer l = {s, B, 0, 0, 0, NULL, NULL, NULL, NULL};

    l.nx = (size_t)B * s.H * s.W * s.C;
    l.nW = (size_t)s.KH * s.KW * s.C * s.F;
    l.ny = (size_t)B * s.OH * s.OW * s.F;
    l.x = random_floats(l.nx);
    l.W = random_floats(l.nW);
    l.b = random_floats((size_t)s.F);
    l.dy = random_floats(l.ny);
    return l;
}

static inline void layer_free(struct layer *l)
{
    free(l->x);
    free(l->W);
    free(l->b);
    free(l->dy);
}

/* y, dx, dW, db of a forward and backward pass, and the workspace floats
 * it was given. */
struct results {
    float *y, *dx, *dW, *db;
    size_t work;
};

static inline void results_free(struct results *r)
{
    free(r->y);
    free(r->dx);
    free(r->dW);
    free(r->db);
}

/* The largest relative error of a's four tensors against b's. */
static inline double max_err(const struct layer *l, const struct results *a,
                             const struct results *b)
{
    double e = check_max_rel(a->y, b->y, l->ny, 1e-6);
    e = fmax(e, check_max_rel(a->dx, b->dx, l->nx, 1e-6));
    e = fmax(e, check_max_rel(a->dW, b->dW, l->nW, 1e-6));
    return fmax(e, check_max_rel(a->db, b->db, (size_t)l->s.F, 1e-6));
}

/* A reference pass's sums in double, accumulated by a test's loops into
 * y (without the bias), dx and dW; sums_results adds the bias, sums db
 * from dy, rounds to floats and frees the sums. */
struct sums {
    double *y, *dx, *dW;
};

static inline struct sums sums_new(const struct layer *l)
{
    struct sums d = {calloc(l->ny, sizeof(double)), calloc(l->nx, sizeof(double)),
                     calloc(l->nW, sizeof(double))};
    if (!d.y || !d.dx || !d.dW)
        exit(2);
    return d;
}

static inline struct results sums_results(const struct layer *l, struct sums *d)
{
    const size_t F = (size_t)l->s.F;
    struct results r = {alloc_floats(l->ny), alloc_floats(l->nx), alloc_floats(l->nW),
                        alloc_floats(F), 0};
    double *db = calloc(F, sizeof *db);

    if (!db)
        exit(2);
    for (size_t i = 0; i < l->ny; i++) {
        r.y[i] = (float)(d->y[i] + l->b[i % F]);
        db[i % F] += l->dy[i];
    }
    for (size_t i = 0; i < l->nx; i++)
        r.dx[i] = (float)d->dx[i];
    for (size_t i = 0; i < l->nW; i++)
        r.dW[i] = (float)d->dW[i];
    for (size_t f = 0; f < F; f++)
        r.db[f] = (float)db[f];
    free(db);
    free(d->y);
    free(d->dx);
    free(d->dW);
    return r;
}

/* fast's y, dx, dW and db, each within tol (relative) of both im2col's
 * and the reference loops': the checks NAME_y, NAME_dx, NAME_dW, NAME_db. */
static inline void check_against_both(const struct layer *l, const struct results *fast,
                                      const struct results *im2col,
                                      const struct results *ref, const char *name,
                                      double tol)
{
    static const char *const what[4] = {"y", "dx", "dW", "db"};
    const size_t sizes[4] = {l->ny, l->nx, l->nW, (size_t)l->s.F};
    float *const a[4] = {fast->y, fast->dx, fast->dW, fast->db};
    float *const b[4] = {im2col->y, im2col->dx, im2col->dW, im2col->db};
    float *const c[4] = {ref->y, ref->dx, ref->dW, ref->db};
    char nm[200];

    for (int t = 0; t < 4; t++) {
        double vs_im2col = check_max_rel(a[t], b[t], sizes[t], 1e-6);
        double vs_loops = check_max_rel(a[t], c[t], sizes[t], 1e-6);
        snprintf(nm, sizeof nm, "%s_%s", name, what[t]);
        check_report(vs_im2col <= tol && vs_loops <= tol, nm,
                     "rel err vs im2col %.1e, vs loops %.1e", vs_im2col, vs_loops);
    }
}

/* A layer's forward and backward pass with the given algo. */
typedef struct results (*layer_run_fn)(const struct layer *l, int algo);

/* l (of 20 samples) run in the default groups, in groups of two (a cap
 * of pair_floats, two samples' scratch) and one by one: the same results
 * up to the rounding of the sums over the groups. */
static inline void check_group_caps(const struct layer *l, layer_run_fn run, int algo,
                                    size_t pair_floats, const char *name)
{
    struct results one, pairs, singles;
    char nm[200];
    double e;

    dae_conv_set_group_cap(0);
    one = run(l, algo);
    dae_conv_set_group_cap(pair_floats);
    pairs = run(l, algo);
    dae_conv_set_group_cap(1);
    singles = run(l, algo);
    dae_conv_set_group_cap(0);
    e = max_err(l, &pairs, &one);
    snprintf(nm, sizeof nm, "%s_groups_of_2_match_default", name);
    check_report(e < 1e-5, nm, "max rel diff %.1e", e);
    e = max_err(l, &singles, &one);
    snprintf(nm, sizeof nm, "%s_groups_of_1_match_default", name);
    check_report(e < 1e-5, nm, "max rel diff %.1e", e);
    results_free(&one);
    results_free(&pairs);
    results_free(&singles);
}

/* Each activation in l's output pass (relu and leaky relu applied in
 * registers, the others by dae_act_apply) gives the bits of the pass
 * without it followed by dae_act_forward. */
static inline void check_fused_acts(struct layer *l, layer_run_fn run, int algo,
                                    const char *name)
{
    static const dae_act acts[] = {DAE_RELU, DAE_LEAKY_RELU, DAE_ELU, DAE_SIGMOID, DAE_TANH};
    const dae_act act0 = l->s.act;
    const float alpha0 = l->s.alpha;
    char nm[200];

    l->s.act = DAE_LINEAR;
    struct results plain = run(l, algo);
    for (size_t k = 0; k < sizeof acts / sizeof *acts; k++) {
        const float alpha = acts[k] == DAE_LEAKY_RELU ? 0.2f : 1.0f;
        float *want = malloc(l->ny * sizeof *want);
        dae_act_forward(acts[k], alpha, l->ny, plain.y, want);
        l->s.act = acts[k];
        l->s.alpha = alpha;
        struct results fused = run(l, algo);
        size_t negative = 0;
        for (size_t i = 0; i < l->ny; i++)
            negative += plain.y[i] < 0;
        snprintf(nm, sizeof nm, "%s_fused_%s", name, dae_act_name(acts[k]));
        check_report(negative > 0 && memcmp(want, fused.y, l->ny * sizeof *want) == 0, nm,
                     "%zu of %zu outputs negative", negative, l->ny);
        free(want);
        results_free(&fused);
    }
    l->s.act = act0;
    l->s.alpha = alpha0;
    results_free(&plain);
}

#endif
