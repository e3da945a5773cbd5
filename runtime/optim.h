/* Optimizers, Keras formulas. Each updates n parameters in place from their
 * gradients; state arrays are as long as w and start at zero. */
#ifndef DAE_OPTIM_H
#define DAE_OPTIM_H

#include <stddef.h>

/* Keras Adam (epsilon-hat form), t = step count over the whole run from 1:
 * a = lr*sqrt(1-b2^t)/(1-b1^t); m += (1-b1)(g-m); v += (1-b2)(g^2-v);
 * w -= a*m/(sqrt(v)+eps). */
void dae_adam_step(size_t n, float *w, const float *g, float *m, float *v,
                   float lr, float beta1, float beta2, float eps, long t);

/* Keras SGD: vel = momentum*vel - lr*g; w += vel, or with nesterov
 * w += momentum*vel - lr*g. With momentum 0 this is w -= lr*g (vel unused,
 * may be NULL). */
void dae_sgd_step(size_t n, float *w, const float *g, float *vel, float lr,
                  float momentum, int nesterov);

/* Keras 3 RMSprop: v = rho*v + (1-rho)*g^2; w -= lr*g/sqrt(v+eps). */
void dae_rmsprop_step(size_t n, float *w, const float *g, float *v, float lr,
                      float rho, float eps);

#endif
