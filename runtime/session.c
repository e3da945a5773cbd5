/* The arena and one training step. Layout (floats, each part 64-byte
 * aligned): params, grads, optimizer m and v, batch input and target,
 * activations and their gradients for batch_max samples. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "noise.h"
#include "optim.h"
#include "progress.h"
#include "rng.h"
#include "session.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

int dae_session_init(dae_session *s, const dae_model *m,
                     const dae_train_config *cfg, int batch_max, dae_error *err)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->cfg = *cfg;
    s->batch_max = batch_max;
    size_t np = round16(m->param_count);
    size_t nio = round16((size_t)batch_max * m->in_size);
    size_t nact = round16((size_t)batch_max * m->act_per_sample);
    size_t ngrad = round16((size_t)batch_max * m->grad_per_sample);
    size_t nwork = m->workspace ? round16(m->workspace(batch_max)) : 0;
    s->arena_floats = 4 * np + 2 * nio + nact + ngrad + nwork;
    double bytes = (double)s->arena_floats * 4.0;
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
    if (phys > 0 && bytes > phys) /* overcommit would let the OOM killer decide */
        return dae_fail(err, "batches of %d need %.1f GiB of memory, more than "
                        "this machine's %.1f GiB; use a smaller --batch", batch_max,
                        bytes / 1073741824.0, phys / 1073741824.0);
    s->arena = aligned_alloc(64, s->arena_floats * sizeof(float));
    if (!s->arena)
        return dae_fail(err, "out of memory: the arena needs %.1f MiB",
                        (double)s->arena_floats * 4 / 1048576.0);
    memset(s->arena, 0, s->arena_floats * sizeof(float));
    float *p = s->arena;
    s->net.params = p, p += np;
    s->net.grads = p, p += np;
    s->opt_m = p, p += np;
    s->opt_v = p, p += np;
    s->xbuf = p, p += nio;
    s->tbuf = p, p += nio;
    s->net.acts = p, p += nact;
    s->net.dacts = p, p += ngrad;
    s->net.work = nwork ? p : NULL;
    return 0;
}

void dae_session_free(dae_session *s)
{
    free(s->arena);
    s->arena = NULL;
}

void dae_session_init_weights(dae_session *s, long seed)
{
    dae_rng r;
    dae_rng_seed(&r, (uint64_t)seed, DAE_STREAM_INIT);
    for (int i = 0; i < s->m->n_params; i++) {
        const dae_param *p = &s->m->params[i];
        dae_init_fill(p->init, &r, s->net.params + p->offset, p->size,
                      p->fan_in, p->fan_out);
    }
    memset(s->opt_m, 0, s->m->param_count * sizeof(float));
    memset(s->opt_v, 0, s->m->param_count * sizeof(float));
    s->step = 0;
}

const float *dae_session_predict(dae_session *s, const float *x, int B)
{
    s->net.B = B;
    s->net.x = (float *)x;
    s->m->forward(&s->net);
    return s->net.acts + (size_t)B * s->m->out_offset;
}

/* The loss of the last forward pass; its gradient goes to dacts when
 * wanted. BCE after a sigmoid runs on the logits, as Keras does. */
static float loss_of(dae_session *s, const float *t, int B, int want_grad)
{
    const dae_model *m = s->m;
    size_t n = (size_t)B * m->in_size;
    float *grad = want_grad ? s->net.dacts + (size_t)B * m->loss_grad_offset : NULL;
    if (m->logits_offset >= 0)
        return dae_bce_logits(n, s->net.acts + (size_t)B * (size_t)m->logits_offset,
                              t, grad);
    return dae_loss_forward(s->cfg.loss, n, s->net.acts + (size_t)B * m->out_offset,
                            t, grad);
}

float dae_session_loss(dae_session *s, const float *x, const float *t, int B)
{
    dae_session_predict(s, x, B);
    return loss_of(s, t, B, 0);
}

float dae_session_forward_backward(dae_session *s, const float *x,
                                   const float *t, int B)
{
    dae_session_predict(s, x, B);
    float loss = loss_of(s, t, B, 1);
    s->m->backward(&s->net);
    return loss;
}

/* The optimizer step on params [off, off + n) at step s->step. */
static void optimizer_step(dae_session *s, size_t off, size_t n)
{
    const dae_train_config *c = &s->cfg;
    float *w = s->net.params + off;
    const float *g = s->net.grads + off;
    double t0 = dae_seconds();
    switch (c->optimizer) {
    case DAE_ADAM:
        dae_adam_step(n, w, g, s->opt_m + off, s->opt_v + off, c->lr, c->beta1,
                      c->beta2, c->epsilon, s->step);
        break;
    case DAE_SGD:
        dae_sgd_step(n, w, g, s->opt_m + off, c->lr, c->momentum, c->nesterov);
        break;
    case DAE_RMSPROP:
        dae_rmsprop_step(n, w, g, s->opt_v + off, c->lr, c->rho, c->epsilon);
        break;
    }
    s->update_seconds += dae_seconds() - t0;
}

void dae_session_update(dae_session *s)
{
    s->step++;
    optimizer_step(s, 0, s->m->param_count);
}

static void update_in_backward(dae_net *net, size_t offset, size_t n)
{
    dae_session *s = net->update_ctx;
    optimizer_step(s, offset, n);
    s->updated += n;
}

float dae_session_train_step(dae_session *s, const float *x, const float *t,
                             int B)
{
    s->step++;
    s->updated = 0;
    s->net.update = update_in_backward;
    s->net.update_ctx = s;
    float loss = dae_session_forward_backward(s, x, t, B);
    s->net.update = NULL;
    if (s->updated == 0) /* a backward that does not call dae_grads_done */
        optimizer_step(s, 0, s->m->param_count);
    return loss;
}
