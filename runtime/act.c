/* Elementwise activations; derivatives come from the outputs y, as in
 * TensorFlow's ReluGrad/EluGrad/SigmoidGrad/TanhGrad. */
#include "act.h"
#include "parallel.h"
#include "vmath.h"

#include <math.h>

/* Round after every operation as TF and gcc (ISO C mode) do; clang would
 * otherwise fuse a*b+c. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

static void relu_fwd(size_t n, const float *z, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = z[i] > 0.0f ? z[i] : 0.0f;
}

static void leaky_fwd(float alpha, size_t n, const float *z, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = z[i] > 0.0f ? z[i] : alpha * z[i];
}

static void elu_fwd(float alpha, size_t n, const float *z, float *y)
{
    /* expm1f keeps small negative inputs accurate. */
    for (size_t i = 0; i < n; i++)
        y[i] = z[i] > 0.0f ? z[i] : alpha * expm1f(z[i]);
}

static void sigmoid_fwd(size_t n, const float *z, float *y)
{
    /* exp(-|z|) never overflows; for z < 0 use e/(1+e) rather than
     * 1 - 1/(1+e), which would cancel to 0 long before the true value. */
    for (size_t i = 0; i < n; i++) {
        float e = dae_exp_nonpos(-fabsf(z[i]));
        y[i] = (z[i] >= 0.0f ? 1.0f : e) / (1.0f + e);
    }
}

static void tanh_fwd(size_t n, const float *z, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(z[i]);
}

typedef struct act_job {
    dae_act a;
    float alpha;
    const float *z;
    float *y;
} act_job;

static void act_range(void *ctx, size_t begin, size_t end)
{
    const act_job *j = ctx;
    size_t n = end - begin;
    const float *z = j->z + begin;
    float *y = j->y + begin;
    switch (j->a) {
    case DAE_RELU: relu_fwd(n, z, y); return;
    case DAE_LEAKY_RELU: leaky_fwd(j->alpha, n, z, y); return;
    case DAE_ELU: elu_fwd(j->alpha, n, z, y); return;
    case DAE_SIGMOID: sigmoid_fwd(n, z, y); return;
    case DAE_TANH: tanh_fwd(n, z, y); return;
    case DAE_LINEAR: break;
    }
    if (y != z)
        for (size_t i = 0; i < n; i++)
            y[i] = z[i];
}

void dae_act_apply(dae_act a, float alpha, size_t n, const float *z, float *y)
{
    act_job j = {a, alpha, z, y};
    act_range(&j, 0, n);
}

void dae_act_forward(dae_act a, float alpha, size_t n, const float *z, float *y)
{
    act_job j = {a, alpha, z, y};
    /* the exp-based activations are worth splitting early, the cheap ones
     * only on the large tensors of convolutional layers */
    int costly = a == DAE_SIGMOID || a == DAE_TANH || a == DAE_ELU;
    dae_parallel_for(n, costly ? 32768 : 1 << 20, act_range, &j);
}

static void relu_bwd(size_t n, const float *y, const float *dy, float *dz)
{
    for (size_t i = 0; i < n; i++)
        dz[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

/* With alpha > 0, y > 0 exactly when z > 0. */
static void leaky_bwd(float alpha, size_t n, const float *y, const float *dy,
                      float *dz)
{
    for (size_t i = 0; i < n; i++)
        dz[i] = y[i] > 0.0f ? dy[i] : alpha * dy[i];
}

/* For z <= 0, d/dz alpha*(e^z - 1) = alpha*e^z = y + alpha. */
static void elu_bwd(float alpha, size_t n, const float *y, const float *dy,
                    float *dz)
{
    for (size_t i = 0; i < n; i++)
        dz[i] = y[i] > 0.0f ? dy[i] : dy[i] * (y[i] + alpha);
}

static void sigmoid_bwd(size_t n, const float *y, const float *dy, float *dz)
{
    for (size_t i = 0; i < n; i++)
        dz[i] = dy[i] * y[i] * (1.0f - y[i]);
}

static void tanh_bwd(size_t n, const float *y, const float *dy, float *dz)
{
    for (size_t i = 0; i < n; i++)
        dz[i] = dy[i] * (1.0f - y[i] * y[i]);
}

typedef struct act_grad_job {
    dae_act a;
    float alpha;
    const float *y, *dy;
    float *dz;
} act_grad_job;

static void act_grad_range(void *ctx, size_t begin, size_t end)
{
    const act_grad_job *j = ctx;
    size_t n = end - begin;
    const float *y = j->y + begin, *dy = j->dy + begin;
    float *dz = j->dz + begin;
    switch (j->a) {
    case DAE_RELU: relu_bwd(n, y, dy, dz); return;
    case DAE_LEAKY_RELU: leaky_bwd(j->alpha, n, y, dy, dz); return;
    case DAE_ELU: elu_bwd(j->alpha, n, y, dy, dz); return;
    case DAE_SIGMOID: sigmoid_bwd(n, y, dy, dz); return;
    case DAE_TANH: tanh_bwd(n, y, dy, dz); return;
    case DAE_LINEAR: break;
    }
    if (dz != dy)
        for (size_t i = 0; i < n; i++)
            dz[i] = dy[i];
}

void dae_act_grad_apply(dae_act a, float alpha, size_t n, const float *y,
                        const float *dy, float *dz)
{
    act_grad_job j = {a, alpha, y, dy, dz};
    act_grad_range(&j, 0, n);
}

void dae_act_backward(dae_act a, float alpha, size_t n, const float *y,
                      const float *dy, float *dz)
{
    act_grad_job j = {a, alpha, y, dy, dz};
    /* only the large tensors of convolutional layers are worth splitting */
    dae_parallel_for(n, 1 << 20, act_grad_range, &j);
}

const char *dae_act_name(dae_act a)
{
    switch (a) {
    case DAE_LINEAR: return "linear";
    case DAE_RELU: return "relu";
    case DAE_LEAKY_RELU: return "leaky_relu";
    case DAE_ELU: return "elu";
    case DAE_SIGMOID: return "sigmoid";
    case DAE_TANH: return "tanh";
    }
    return "unknown";
}
