/* A trainer daec generated, checked against PyTorch: this file is linked
 * with the generated C (its main renamed) and runs its forward/backward
 * and Adam through the runtime session on the fixture's batch. Loss,
 * every gradient and the weights after three steps must agree with
 * tests/reference/NAME_fixture.safetensors to TOLERANCE (relative). */
#include <stdio.h>
#include <string.h>
#include "blas_core.h"
#include "check.h"
#include "dae.h"
#include "safetensors.h"

#ifndef TOLERANCE
#define TOLERANCE 1e-5
#endif

extern const dae_model daec_model;

static const float *tensor(const dae_st_file *f, const char *name, size_t count)
{
    const dae_st_tensor *t = dae_st_find(f, name);
    if (!t || t->count != count) {
        check_report(0, name, "missing from the fixture or of the wrong size");
        return NULL;
    }
    return dae_st_floats(f, t);
}

/* Compares every parameter-shaped tensor "PREFIXlayers.I.kernel" with
 * values, reporting the largest relative difference of each. */
static void compare_params(const dae_st_file *f, const char *prefix,
                           const float *values, const char *what)
{
    const dae_model *m = &daec_model;
    for (int i = 0; i < m->n_params; i++) {
        const dae_param *p = &m->params[i];
        char name[160], label[200];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        snprintf(label, sizeof label, "generated %s %s %s", daec_model.name, what, p->name);
        const float *want = tensor(f, name, p->size);
        if (!want)
            continue;
        double rel = check_max_rel(values + p->offset, want, p->size, 1e-30);
        check_report(rel <= TOLERANCE, label, "max rel diff %.2e", rel);
    }
}

int main(int argc, char **argv)
{
    const dae_model *m = &daec_model;
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    char fixture[256], label[128];
    snprintf(fixture, sizeof fixture, "tests/reference/%s_fixture.safetensors", m->name);
    const char *path = argc > 1 ? argv[1] : fixture;
    dae_st_file f;
    dae_error err;
    dae_session s;
    if (dae_st_read(path, &f, &err) != 0) {
        snprintf(label, sizeof label, "generated %s fixture loads", m->name);
        check_report(0, label, "%s", err.msg);
        return 1;
    }
    int B = (int)dae_st_find(&f, "x")->shape[0];
    const float *x = tensor(&f, "x", (size_t)B * m->in_size);
    const float *t = tensor(&f, "t", (size_t)B * m->in_size);
    const float *loss = tensor(&f, "loss", 1);
    const float *losses = tensor(&f, "losses", 3);
    if (!x || !t || !loss || !losses
        || dae_session_init(&s, m, &m->train, B, &err) != 0) {
        dae_st_free(&f);
        return 1;
    }
    for (int i = 0; i < m->n_params; i++) {
        const float *w = tensor(&f, m->params[i].name, m->params[i].size);
        if (w)
            memcpy(s.net.params + m->params[i].offset, w, m->params[i].size * 4);
    }
    float l0 = dae_session_forward_backward(&s, x, t, B);
    double rel = check_max_rel(&l0, loss, 1, 1e-30);
    snprintf(label, sizeof label, "generated %s loss", m->name);
    check_report(rel <= TOLERANCE, label, "%.9g vs %.9g, rel %.2e",
                 (double)l0, (double)loss[0], rel);
    compare_params(&f, "grad.", s.net.grads, "gradient");
    /* Steps 2 and 3 as the trainer takes them: each layer updated inside
     * backward. They must give exactly the weights of the separate passes. */
    dae_session twin;
    if (dae_session_init(&twin, m, &m->train, B, &err) != 0) {
        dae_session_free(&s);
        dae_st_free(&f);
        return 1;
    }
    memcpy(twin.net.params, s.net.params, m->param_count * sizeof(float));
    for (int step = 0; step < 3; step++) {
        float l = step ? dae_session_train_step(&s, x, t, B) : l0;
        rel = check_max_rel(&l, &losses[step], 1, 1e-30);
        snprintf(label, sizeof label, "generated %s loss before step %d", m->name, step + 1);
        check_report(rel <= TOLERANCE, label, "rel %.2e", rel);
        if (step == 0)
            dae_session_update(&s);
        dae_session_forward_backward(&twin, x, t, B);
        dae_session_update(&twin);
    }
    compare_params(&f, "step3.", s.net.params, "weights after 3 Adam steps");
    snprintf(label, sizeof label, "generated %s: updates inside backward change no value",
             m->name);
    check_report(memcmp(s.net.params, twin.net.params, m->param_count * sizeof(float)) == 0,
                 label, NULL);
    dae_session_free(&twin);
    dae_session_free(&s);
    dae_st_free(&f);
    return check_failures != 0;
}
