/* Losses, Keras reduction 'sum_over_batch_size': for every model here that
 * is the mean over all n = B * (per-sample size) elements. */
#ifndef DAE_LOSS_H
#define DAE_LOSS_H

#include <stddef.h>

typedef enum dae_loss {
    DAE_BCE,
    DAE_MSE,
    DAE_MAE
} dae_loss;

/* Binary cross-entropy from logits x (the pre-sigmoid output):
 * l = max(x,0) - x*t + log1p(exp(-|x|)). Returns the mean over n; when dx is
 * not NULL writes dl/dx = (sigmoid(x) - t) / n. */
float dae_bce_logits(size_t n, const float *x, const float *t, float *dx);

/* Loss on probabilities/outputs p (BCE here is Keras 2's clipped form:
 * p clipped to [1e-7, 1-1e-7], -(t log(p+1e-7) + (1-t) log(1-p+1e-7))).
 * Returns the mean over n; when dp is not NULL writes dl/dp. */
float dae_loss_forward(dae_loss kind, size_t n, const float *p, const float *t,
                       float *dp);

const char *dae_loss_name(dae_loss kind);

#endif
