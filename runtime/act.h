/* Elementwise activations. Backward passes are computed from the
 * activation's output y (as TensorFlow does), so forward may run in place. */
#ifndef DAE_ACT_H
#define DAE_ACT_H

#include <stddef.h>

typedef enum dae_act {
    DAE_LINEAR,
    DAE_RELU,
    DAE_LEAKY_RELU, /* y = z > 0 ? z : alpha*z, alpha default 0.2 */
    DAE_ELU,        /* y = z > 0 ? z : alpha*(exp(z)-1), alpha default 1 */
    DAE_SIGMOID,
    DAE_TANH
} dae_act;

/* y[i] = act(z[i]); y may equal z. */
void dae_act_forward(dae_act a, float alpha, size_t n, const float *z, float *y);
/* The same on the calling thread only: for kernels that already run on
 * the thread pool (a convolution's output block, activated in cache). */
void dae_act_apply(dae_act a, float alpha, size_t n, const float *z, float *y);
/* dz[i] = dy[i] * act'(z[i]) expressed through y[i]; dz may equal dy. */
void dae_act_backward(dae_act a, float alpha, size_t n, const float *y,
                      const float *dy, float *dz);
/* The same on the calling thread only (a layer's input gradient, rows of
 * which are still in cache). */
void dae_act_grad_apply(dae_act a, float alpha, size_t n, const float *y,
                        const float *dy, float *dz);
const char *dae_act_name(dae_act a);

#endif
