/* A model ready to train: the one arena (parameters, gradients, optimizer
 * state, activations for up to batch_max samples) and the step count. */
#ifndef DAE_SESSION_H
#define DAE_SESSION_H

#include "error.h"
#include "model.h"

typedef struct dae_session {
    const dae_model *m;
    dae_train_config cfg;    /* the spec's settings after overrides */
    int batch_max;
    float *arena;            /* the one allocation */
    size_t arena_floats;
    float *opt_m, *opt_v;    /* optimizer state, param_count each */
    float *xbuf, *tbuf;      /* a gathered batch: inputs and targets */
    long step;               /* optimizer steps taken over the whole run */
    double update_seconds;   /* spent in the optimizer, for DAE_PROFILE */
    size_t updated;          /* parameters updated inside this backward */
    dae_net net;
} dae_session;

/* Allocates the arena for batches of up to batch_max samples. */
int dae_session_init(dae_session *s, const dae_model *m,
                     const dae_train_config *cfg, int batch_max, dae_error *err);
void dae_session_free(dae_session *s);
/* Fills every parameter with its initializer from the given seed. */
void dae_session_init_weights(dae_session *s, long seed);
/* Forward pass on B samples of x; returns the model output, [B, in_size]. */
const float *dae_session_predict(dae_session *s, const float *x, int B);
/* Forward pass and loss against t; no gradients. */
float dae_session_loss(dae_session *s, const float *x, const float *t, int B);
/* Forward, loss and backward: leaves every parameter gradient in
 * s->net.grads and returns the batch loss. */
float dae_session_forward_backward(dae_session *s, const float *x,
                                   const float *t, int B);
/* One optimizer step from the current gradients (increments s->step). */
void dae_session_update(dae_session *s);
/* dae_session_forward_backward then dae_session_update, with each layer's
 * update run inside backward as soon as its gradients are final (the same
 * values; the gradients and weights are still in cache). A backward that
 * never calls dae_grads_done gets the whole update after it. Returns the
 * batch loss. */
float dae_session_train_step(dae_session *s, const float *x, const float *t,
                             int B);

#endif
