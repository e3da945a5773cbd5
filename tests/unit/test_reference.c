/* The C runtime against PyTorch (in the style of llm.c's test_gpt2.c).
 *
 * tests/reference/make_fixtures.py computed, with Keras semantics in
 * float32, four small training runs: the article's feedforward model (BCE
 * from logits, Adam), a relu/elu/leaky_relu/linear model (MSE, SGD with
 * Nesterov momentum), a tanh/sigmoid model (MAE, RMSprop) and a relu/sigmoid
 * model with half its outputs saturated (BCE from logits, Adam; plus Keras
 * 2's clipped BCE on probabilities, loss and gradients only). Each fixture
 * holds the batch, the initial weights, the loss and every gradient at them,
 * the loss of three steps and the weights after them.
 *
 * Each model is built here from a per-layer table with the runtime kernels
 * (dense.h, act.h) and run twice: once calling the loss and optimizer
 * kernels directly ("kernels"), once through the session API as a generated
 * trainer would ("session"). Every tensor must agree to 1e-5 relative
 * (max|c - ref| / max|ref|). The weight update after three steps, w3 - w0,
 * is also compared on its own (1e-3 relative: it is small next to w, so the
 * float32 rounding of w alone is up to ~1e-4 of it), which catches an
 * optimizer that does too little to move the weights by 1e-5.
 *
 * usage: build/tests/test_reference [FIXTURE_DIR]   (default tests/reference)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "blas_core.h"
#include "check.h"
#include "dense.h"
#include "error.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "safetensors.h"
#include "session.h"

#define TOL 1e-5
#define UPDATE_TOL 1e-3
#define STEPS 3
#define MAX_LAYERS 8
#define IN 784

typedef struct layer {
    int units;
    dae_act act;
    float alpha;
    /* derived: fan-in, per-sample offsets of the pre-activation z and the
     * output y (the same buffer unless the last layer keeps its logits) */
    int in;
    size_t zoff, yoff;
} layer;

typedef struct net_def {
    const char *name;            /* the fixture is NAME_fixture.safetensors */
    int n_layers;
    layer layers[MAX_LAYERS];
    dae_loss loss;
    dae_optim_kind optimizer;
    float lr, beta1, beta2, epsilon, momentum, rho;
    int nesterov;
    /* derived */
    int logits;                  /* BCE on the last layer's logits */
    char pnames[2 * MAX_LAYERS][32];
    dae_param params[2 * MAX_LAYERS];
    dae_model model;
} net_def;

#define L(units_, act_, alpha_) {.units = (units_), .act = (act_), .alpha = (alpha_)}

static net_def FF = {
    .name = "ff",
    .n_layers = 8,
    .layers = {L(500, DAE_SIGMOID, 0), L(300, DAE_SIGMOID, 0), L(100, DAE_SIGMOID, 0),
               L(16, DAE_TANH, 0), L(100, DAE_SIGMOID, 0), L(300, DAE_SIGMOID, 0),
               L(500, DAE_SIGMOID, 0), L(784, DAE_SIGMOID, 0)},
    .loss = DAE_BCE,
    .optimizer = DAE_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-7f,
};

static net_def MIX = {
    .name = "mix",
    .n_layers = 4,
    .layers = {L(64, DAE_RELU, 0), L(32, DAE_ELU, 1.0f), L(16, DAE_LEAKY_RELU, 0.2f),
               L(784, DAE_LINEAR, 0)},
    .loss = DAE_MSE,
    .optimizer = DAE_SGD, .lr = 0.01f, .momentum = 0.9f, .nesterov = 1,
};

static net_def RMS = {
    .name = "rms",
    .n_layers = 2,
    .layers = {L(32, DAE_TANH, 0), L(784, DAE_SIGMOID, 0)},
    .loss = DAE_MAE,
    .optimizer = DAE_RMSPROP, .lr = 1e-3f, .rho = 0.9f, .epsilon = 1e-7f,
};

/* Half the outputs saturated (|logit| > 18), where BCE from logits and the
 * clipped BCE on probabilities differ; the fixture has both. */
static net_def BCE = {
    .name = "bce",
    .n_layers = 2,
    .layers = {L(16, DAE_RELU, 0), L(784, DAE_SIGMOID, 0)},
    .loss = DAE_BCE,
    .optimizer = DAE_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-7f,
};

/* ---- the model: one loop over the layer table each way ---- */

static void net_forward(const net_def *d, dae_net *n)
{
    const size_t B = (size_t)n->B;
    const float *h = n->x;
    for (int i = 0; i < d->n_layers; i++) {
        const layer *L = &d->layers[i];
        const float *W = n->params + d->params[2 * i].offset;
        const float *b = n->params + d->params[2 * i + 1].offset;
        float *z = n->acts + L->zoff * B, *y = n->acts + L->yoff * B;
        if (d->logits && i == d->n_layers - 1) { /* logits kept for the loss */
            dae_dense_forward(n->B, L->in, L->units, h, W, b, DAE_LINEAR, 0.0f, z);
            dae_act_forward(L->act, L->alpha, B * (size_t)L->units, z, y);
        } else { /* activation fused, as the generated code does */
            dae_dense_forward(n->B, L->in, L->units, h, W, b, L->act, L->alpha, y);
        }
        h = y;
    }
}

/* From the loss gradient at the logits (BCE) or at the output (else). */
static void net_backward(const net_def *d, dae_net *n)
{
    const size_t B = (size_t)n->B;
    for (int i = d->n_layers - 1; i >= 0; i--) {
        const layer *L = &d->layers[i];
        const layer *prev = i > 0 ? &d->layers[i - 1] : NULL;
        const float *y = n->acts + L->yoff * B;
        float *dy = n->dacts + L->yoff * B, *dz = n->dacts + L->zoff * B;
        /* the last layer's activation gradient is its own; every other
         * layer's was applied by the layer above, fused with its dx */
        if (i == d->n_layers - 1 && !d->logits)
            dae_act_backward(L->act, L->alpha, B * (size_t)L->units, y, dy, dz);
        else if (i < d->n_layers - 1)
            dz = dy;
        const float *xin = prev ? n->acts + prev->yoff * B : n->x;
        float *dx = prev ? n->dacts + prev->yoff * B : NULL;
        dae_dense_backward(n->B, L->in, L->units, xin,
                           prev ? prev->act : DAE_LINEAR, prev ? prev->alpha : 0.0f,
                           n->params + d->params[2 * i].offset, dz, dx,
                           n->grads + d->params[2 * i].offset,
                           n->grads + d->params[2 * i + 1].offset);
    }
}

/* What a generated trainer provides: one forward and backward per model. */
static void ff_forward(dae_net *n) { net_forward(&FF, n); }
static void ff_backward(dae_net *n) { net_backward(&FF, n); }
static void mix_forward(dae_net *n) { net_forward(&MIX, n); }
static void mix_backward(dae_net *n) { net_backward(&MIX, n); }
static void rms_forward(dae_net *n) { net_forward(&RMS, n); }
static void rms_backward(dae_net *n) { net_backward(&RMS, n); }
static void bce_forward(dae_net *n) { net_forward(&BCE, n); }
static void bce_backward(dae_net *n) { net_backward(&BCE, n); }

/* Derives offsets, the parameter list and the dae_model from the table. */
static void build(net_def *d, void (*fwd)(dae_net *), void (*bwd)(dae_net *))
{
    const layer *last = &d->layers[d->n_layers - 1];
    d->logits = d->loss == DAE_BCE && last->act == DAE_SIGMOID;
    size_t act = 0, off = 0;
    int in = IN;
    for (int i = 0; i < d->n_layers; i++) {
        layer *L = &d->layers[i];
        L->in = in;
        L->zoff = act;
        if (d->logits && i == d->n_layers - 1)
            act += (size_t)L->units;
        L->yoff = act;
        act += (size_t)L->units;
        for (int k = 0; k < 2; k++) {
            dae_param *p = &d->params[2 * i + k];
            snprintf(d->pnames[2 * i + k], sizeof d->pnames[0], "layers.%d.%s", i,
                     k ? "bias" : "kernel");
            p->name = d->pnames[2 * i + k];
            p->rank = k ? 1 : 2;
            p->shape[0] = k ? L->units : in;
            p->shape[1] = k ? 0 : L->units;
            p->size = k ? (size_t)L->units : (size_t)in * (size_t)L->units;
            p->offset = off;
            p->init = k ? DAE_ZEROS : DAE_GLOROT_UNIFORM;
            p->fan_in = in;
            p->fan_out = L->units;
            off += p->size;
        }
        in = L->units;
    }
    dae_model *m = &d->model;
    m->name = d->name;
    m->spec_path = "(test_reference)";
    m->spec_hash = "";
    m->daec_version = "test";
    m->in_h = 28, m->in_w = 28, m->in_c = 1;
    m->in_size = IN;
    m->param_count = off;
    m->n_params = 2 * d->n_layers;
    m->params = d->params;
    m->act_per_sample = act;
    m->out_offset = last->yoff;
    m->logits_offset = d->logits ? (long)last->zoff : -1;
    m->grad_per_sample = act; /* the gradients mirror the activations here */
    m->loss_grad_offset = d->logits ? last->zoff : last->yoff;
    m->summary = "";
    m->forward = fwd;
    m->backward = bwd;
    dae_train_config *c = &m->train;
    c->data = DAE_DATA_MNIST;
    c->noise = DAE_NOISE_NONE;
    c->loss = d->loss;
    c->optimizer = d->optimizer;
    c->lr = d->lr, c->beta1 = d->beta1, c->beta2 = d->beta2, c->epsilon = d->epsilon;
    c->momentum = d->momentum, c->rho = d->rho, c->nesterov = d->nesterov;
    c->epochs = 1, c->batch = 16, c->shuffle = 0, c->seed = 1;
}

/* ---- the reference ---- */

typedef struct fixture {
    dae_st_file f;
    int B;
    const float *x, *t, *loss, *step1_loss, *losses;
    const float *w0[2 * MAX_LAYERS], *grad[2 * MAX_LAYERS], *w3[2 * MAX_LAYERS];
    /* optional: Keras 2's clipped BCE on the probabilities at w0 */
    const float *clipped_loss, *clipped_grad[2 * MAX_LAYERS];
} fixture;

static int load(const net_def *d, const char *dir, fixture *fx)
{
    char path[1024], name[64];
    dae_error err = {{0}};
    memset(fx, 0, sizeof *fx);
    snprintf(path, sizeof path, "%s/%s_fixture.safetensors", dir, d->name);
    snprintf(name, sizeof name, "%s.fixture", d->name);
    if (dae_st_read(path, &fx->f, &err) < 0) {
        check_report(0, name, "%s (make it with /usr/bin/python3 "
                     "tests/reference/make_fixtures.py)", err.msg);
        return -1;
    }
    const dae_st_tensor *tx = dae_st_find(&fx->f, "x");
    const char *model = dae_st_meta_get(&fx->f, "model");
    if (!model || strcmp(model, d->name) != 0) {
        check_report(0, name, "%s: metadata names model '%s'", path, model ? model : "");
        return -1;
    }
    if (!tx || tx->rank != 2 || tx->shape[1] != IN || tx->shape[0] < 1 || tx->shape[0] > 4096) {
        check_report(0, name, "%s: no input batch 'x' of shape [B, %d]", path, IN);
        return -1;
    }
    fx->B = (int)tx->shape[0];
    int io[2] = {fx->B, IN}, one[1] = {1}, three[1] = {STEPS};
    int rc = dae_st_expect(&fx->f, "x", 2, io, &fx->x, &err);
    rc = rc ? rc : dae_st_expect(&fx->f, "t", 2, io, &fx->t, &err);
    rc = rc ? rc : dae_st_expect(&fx->f, "loss", 1, one, &fx->loss, &err);
    rc = rc ? rc : dae_st_expect(&fx->f, "step1.loss", 1, one, &fx->step1_loss, &err);
    rc = rc ? rc : dae_st_expect(&fx->f, "losses", 1, three, &fx->losses, &err);
    for (int i = 0; rc == 0 && i < d->model.n_params; i++) {
        const dae_param *p = &d->params[i];
        char gname[64], sname[64];
        snprintf(gname, sizeof gname, "grad.%s", p->name);
        snprintf(sname, sizeof sname, "step3.%s", p->name);
        rc = dae_st_expect(&fx->f, p->name, p->rank, p->shape, &fx->w0[i], &err);
        rc = rc ? rc : dae_st_expect(&fx->f, gname, p->rank, p->shape, &fx->grad[i], &err);
        rc = rc ? rc : dae_st_expect(&fx->f, sname, p->rank, p->shape, &fx->w3[i], &err);
    }
    if (rc == 0 && dae_st_find(&fx->f, "clipped.loss")) {
        rc = dae_st_expect(&fx->f, "clipped.loss", 1, one, &fx->clipped_loss, &err);
        for (int i = 0; rc == 0 && i < d->model.n_params; i++) {
            const dae_param *p = &d->params[i];
            char gname[64];
            snprintf(gname, sizeof gname, "clipped.grad.%s", p->name);
            rc = dae_st_expect(&fx->f, gname, p->rank, p->shape, &fx->clipped_grad[i], &err);
        }
    }
    check_report(rc == 0, name, "%s: %s", path, rc ? err.msg : "loaded");
    return rc;
}

/* ---- the C side ---- */

typedef struct result {
    float loss, step1_loss, losses[STEPS];
    float *grads;                /* at the initial weights, param_count */
    float *w3;                   /* after STEPS updates, param_count */
} result;

static void set_weights(const net_def *d, const fixture *fx, float *params)
{
    for (int i = 0; i < d->model.n_params; i++)
        memcpy(params + d->params[i].offset, fx->w0[i], d->params[i].size * sizeof(float));
}

/* The training step written out with the loss and optimizer kernels. */
static float kernels_loss(const net_def *d, dae_net *n, const float *t, int grad)
{
    size_t count = (size_t)n->B * IN;
    const dae_model *m = &d->model;
    if (m->logits_offset >= 0) {
        size_t off = (size_t)m->logits_offset * (size_t)n->B;
        return dae_bce_logits(count, n->acts + off, t, grad ? n->dacts + off : NULL);
    }
    size_t off = m->out_offset * (size_t)n->B;
    return dae_loss_forward(d->loss, count, n->acts + off, t, grad ? n->dacts + off : NULL);
}

static int run_kernels(const net_def *d, const fixture *fx, result *r)
{
    const dae_model *m = &d->model;
    size_t np = m->param_count, na = m->act_per_sample * (size_t)fx->B;
    float *params = calloc(np, sizeof(float)), *grads = calloc(np, sizeof(float));
    float *om = calloc(np, sizeof(float)), *ov = calloc(np, sizeof(float));
    float *acts = calloc(na, sizeof(float)), *dacts = calloc(na, sizeof(float));
    if (!params || !grads || !om || !ov || !acts || !dacts) {
        free(params), free(grads), free(om), free(ov), free(acts), free(dacts);
        return -1;
    }
    dae_net n = {.B = fx->B, .params = params, .grads = grads, .x = (float *)fx->x,
                 .acts = acts, .dacts = dacts};
    set_weights(d, fx, params);
    for (int step = 1; step <= STEPS; step++) {
        m->forward(&n);
        r->losses[step - 1] = kernels_loss(d, &n, fx->t, 1);
        m->backward(&n);
        if (step == 1) {
            r->loss = r->losses[0];
            memcpy(r->grads, grads, np * sizeof(float));
        }
        switch (d->optimizer) {
        case DAE_ADAM:
            dae_adam_step(np, params, grads, om, ov, d->lr, d->beta1, d->beta2,
                          d->epsilon, step);
            break;
        case DAE_SGD:
            dae_sgd_step(np, params, grads, om, d->lr, d->momentum, d->nesterov);
            break;
        case DAE_RMSPROP:
            dae_rmsprop_step(np, params, grads, ov, d->lr, d->rho, d->epsilon);
            break;
        }
        if (step == 1) {
            m->forward(&n);
            r->step1_loss = kernels_loss(d, &n, fx->t, 0);
        }
    }
    memcpy(r->w3, params, np * sizeof(float));
    free(params), free(grads), free(om), free(ov), free(acts), free(dacts);
    return 0;
}

/* The same through the session, as a generated trainer runs it. */
static int run_session(const net_def *d, const fixture *fx, result *r, const char *prefix)
{
    dae_session s;
    dae_error err = {{0}};
    char name[96];
    snprintf(name, sizeof name, "%s.init", prefix);
    if (dae_session_init(&s, &d->model, &d->model.train, fx->B, &err) < 0) {
        check_report(0, name, "%s", err.msg);
        return -1;
    }
    size_t np = d->model.param_count;
    set_weights(d, fx, s.net.params);
    for (int step = 1; step <= STEPS; step++) {
        if (step == 1) {
            r->losses[0] = dae_session_forward_backward(&s, fx->x, fx->t, fx->B);
            r->loss = r->losses[0];
            memcpy(r->grads, s.net.grads, np * sizeof(float));
            dae_session_update(&s);
            r->step1_loss = dae_session_loss(&s, fx->x, fx->t, fx->B);
        } else { /* these backward passes never call dae_grads_done */
            r->losses[step - 1] = dae_session_train_step(&s, fx->x, fx->t, fx->B);
        }
    }
    int steps_ok = s.step == STEPS;
    memcpy(r->w3, s.net.params, np * sizeof(float));
    dae_session_free(&s);
    check_report(steps_ok, name, "%ld optimizer steps counted", (long)STEPS);
    return 0;
}

/* ---- comparison ---- */

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (e > m || e != e)
            m = e != e ? INFINITY : e;
    }
    return m;
}

static void compare_scalar(const char *prefix, const char *what, const float *c,
                           const float *ref, size_t n)
{
    char name[128];
    snprintf(name, sizeof name, "%s.%s", prefix, what);
    double rel = check_max_rel(c, ref, n, 1e-30);
    check_report(rel <= TOL, name, "C %.9g, PyTorch %.9g, max rel diff %.2e", c[n - 1],
                 ref[n - 1], rel);
}

/* The loss and every gradient at the initial weights. */
static void compare_grads(const net_def *d, const char *prefix, const result *r,
                          const float *ref_loss, const float *const *ref_grad)
{
    char name[128];
    compare_scalar(prefix, "loss", &r->loss, ref_loss, 1);
    for (int i = 0; i < d->model.n_params; i++) {
        const dae_param *p = &d->params[i];
        const float *c = r->grads + p->offset;
        double rel = check_max_rel(c, ref_grad[i], p->size, 1e-30);
        snprintf(name, sizeof name, "%s.grad.%s", prefix, p->name);
        check_report(rel <= TOL, name, "max rel diff %.2e, max abs diff %.2e", rel,
                     max_abs_diff(c, ref_grad[i], p->size));
    }
}

static void compare(const net_def *d, const fixture *fx, const result *r, const char *path)
{
    char prefix[64], name[128];
    snprintf(prefix, sizeof prefix, "%s.%s", d->name, path);
    compare_grads(d, prefix, r, fx->loss, fx->grad);
    compare_scalar(prefix, "step1.loss", &r->step1_loss, fx->step1_loss, 1);
    compare_scalar(prefix, "losses", r->losses, fx->losses, STEPS);
    for (int i = 0; i < d->model.n_params; i++) {
        const dae_param *p = &d->params[i];
        const float *c = r->w3 + p->offset;
        double rel = check_max_rel(c, fx->w3[i], p->size, 1e-30);
        /* The update on its own: (c - w0) against (ref - w0). */
        float *dc = malloc(p->size * sizeof(float)), *dr = malloc(p->size * sizeof(float));
        double urel = INFINITY;
        if (dc && dr) {
            for (size_t k = 0; k < p->size; k++) {
                dc[k] = (float)((double)c[k] - (double)fx->w0[i][k]);
                dr[k] = (float)((double)fx->w3[i][k] - (double)fx->w0[i][k]);
            }
            urel = check_max_rel(dc, dr, p->size, 1e-30);
        }
        free(dc);
        free(dr);
        snprintf(name, sizeof name, "%s.step3.%s", prefix, p->name);
        check_report(rel <= TOL && urel <= UPDATE_TOL, name,
                     "max rel diff %.2e, max abs diff %.2e; update w3-w0 max rel diff %.2e",
                     rel, max_abs_diff(c, fx->w3[i], p->size), urel);
    }
}

static void test_model(net_def *d, const char *dir)
{
    fixture fx;
    if (load(d, dir, &fx) < 0) {
        dae_st_free(&fx.f);
        return;
    }
    size_t np = d->model.param_count;
    result r = {0};
    r.grads = malloc(np * sizeof(float));
    r.w3 = malloc(np * sizeof(float));
    if (r.grads && r.w3) {
        if (run_kernels(d, &fx, &r) == 0)
            compare(d, &fx, &r, "kernels");
        else
            check_report(0, d->name, "out of memory");
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s.session", d->name);
        if (run_session(d, &fx, &r, prefix) == 0)
            compare(d, &fx, &r, "session");
        if (fx.clipped_loss) {
            /* The same model without the logits path: BCE on probabilities. */
            d->logits = 0;
            d->model.logits_offset = -1;
            d->model.loss_grad_offset = d->layers[d->n_layers - 1].yoff;
            snprintf(prefix, sizeof prefix, "%s.clipped.kernels", d->name);
            if (run_kernels(d, &fx, &r) == 0)
                compare_grads(d, prefix, &r, fx.clipped_loss, fx.clipped_grad);
            snprintf(prefix, sizeof prefix, "%s.clipped.session", d->name);
            if (run_session(d, &fx, &r, prefix) == 0)
                compare_grads(d, prefix, &r, fx.clipped_loss, fx.clipped_grad);
        }
    }
    free(r.grads);
    free(r.w3);
    dae_st_free(&fx.f);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/reference";
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    build(&FF, ff_forward, ff_backward);
    build(&MIX, mix_forward, mix_backward);
    build(&RMS, rms_forward, rms_backward);
    build(&BCE, bce_forward, bce_backward);
    test_model(&FF, dir);
    test_model(&MIX, dir);
    test_model(&RMS, dir);
    test_model(&BCE, dir);
    return check_failures != 0;
}
