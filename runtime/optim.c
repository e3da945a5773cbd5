/* Optimizer updates, in the operation order of Keras's update steps.
 * The loops are elementwise and vectorise (the runtime is built with
 * -fno-math-errno, so sqrtf is an instruction). Large parameter arrays
 * are split over the runtime's thread pool (parallel.c): each value is
 * computed alike on any thread, so the thread count changes no result.
 * (OpenMP workers spinning after a parallel region once starved
 * OpenBLAS's threads, an Adam step going from 0.8 ms to 8 ms; the pool
 * yields instead, and every product now runs on it with OpenBLAS on one
 * thread.) */
#include "optim.h"
#include "parallel.h"

#include <math.h>

/* Keras rounds after every operation; clang would otherwise fuse the scalar
 * loops' a*b+c (gcc does not contract in ISO C mode). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif


/* One Adam element. */
static inline void adam_one(float *w, float g, float *m, float *v, float a,
                            float c1, float c2, float eps)
{
    float mi = *m + (g - *m) * c1;
    float vi = *v + (g * g - *v) * c2;

    *m = mi;
    *v = vi;
    *w -= (mi * a) / (sqrtf(vi) + eps);
}

/* One RMSprop element. */
static inline void rmsprop_one(float *w, float g, float *v, float lr,
                               float rho, float c, float eps)
{
    float vi = rho * *v + c * (g * g);

    *v = vi;
    *w -= (lr * g) / sqrtf(vi + eps);
}


/* Keras's alpha_t = lr*sqrt(1-b2^t)/(1-b1^t), evaluated in double (from the
 * float hyperparameters) and rounded once. */
static float adam_alpha(float lr, float beta1, float beta2, long t)
{
    double b1t = pow((double)beta1, (double)t);
    double b2t = pow((double)beta2, (double)t);

    return (float)((double)lr * sqrt(1.0 - b2t) / (1.0 - b1t));
}

typedef struct adam_job {
    float *w, *m, *v;
    const float *g;
    float a, c1, c2, eps;
} adam_job;

static void adam_range(void *ctx, size_t begin, size_t end)
{
    const adam_job *j = ctx;
    for (size_t i = begin; i < end; i++)
        adam_one(j->w + i, j->g[i], j->m + i, j->v + i, j->a, j->c1, j->c2, j->eps);
}

void dae_adam_step(size_t n, float *w, const float *g, float *m, float *v,
                   float lr, float beta1, float beta2, float eps, long t)
{
    adam_job j = {w, m, v, g, adam_alpha(lr, beta1, beta2, t), 1.0f - beta1,
                  1.0f - beta2, eps};
    dae_parallel_for(n, 65536, adam_range, &j);
}

void dae_sgd_step(size_t n, float *w, const float *g, float *vel, float lr,
                  float momentum, int nesterov)
{
    if (momentum == 0.0f || !vel) {
        for (size_t i = 0; i < n; i++)
            w[i] += -g[i] * lr;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float vi = -g[i] * lr + vel[i] * momentum;
        vel[i] = vi;
        w[i] += nesterov ? -g[i] * lr + vi * momentum : vi;
    }
}

void dae_rmsprop_step(size_t n, float *w, const float *g, float *v, float lr,
                      float rho, float eps)
{
    float c = 1.0f - rho;

    for (size_t i = 0; i < n; i++)
        rmsprop_one(w + i, g[i], v + i, lr, rho, c, eps);
}
