/* The activations whose value and derivative are a compare and a select,
 * on 8 lanes in registers: kernels that hold their outputs there (the
 * Winograd output tiles, the pool's and the one-filter conv's input
 * gradients) apply them before the store, where dae_act_apply or
 * dae_act_grad_apply would be one more pass over the output. Bit for bit
 * what act.c computes. */
#ifndef DAE_ACT_V8_H
#define DAE_ACT_V8_H

#include "act.h"
#include "v8.h"

/* dae_act_v8 computes a: linear, relu, leaky relu. */
static inline int dae_act_in_registers(dae_act a)
{
    return a == DAE_LINEAR || a == DAE_RELU || a == DAE_LEAKY_RELU;
}

/* *dz = *dz (the output's gradient) through a's derivative, from a's
 * output *y, for an a that dae_act_in_registers accepts: kept where
 * y > 0, else 0 (relu) or alpha times it (leaky relu), as act.c's
 * backward computes it. */
static inline void dae_act_grad_v8(dae_act a, float alpha, const v8 *y, v8 *dz)
{
    const v8 zero = {0};
    const mask8 positive = *y > zero;

    if (a == DAE_RELU) {
        select_v8(dz, &positive, dz, &zero);
    } else if (a == DAE_LEAKY_RELU) {
        const v8 scaled = *dz * alpha;
        select_v8(dz, &positive, dz, &scaled);
    }
}

/* *v = a(*v) for an a that dae_act_in_registers accepts: z where z > 0,
 * else +0 (relu) or alpha*z (leaky relu); NaN goes where act.c sends it.
 * For these, a(z) is z through a's derivative read at z itself: the
 * select above with y and dz both z. */
static inline void dae_act_v8(dae_act a, float alpha, v8 *v)
{
    dae_act_grad_v8(a, alpha, v, v);
}

/* dae_act_grad_v8 on one float. */
static inline float dae_act_grad_1(dae_act a, float alpha, float y, float dz)
{
    if (a == DAE_RELU)
        return y > 0.0f ? dz : 0.0f;
    if (a == DAE_LEAKY_RELU)
        return y > 0.0f ? dz : alpha * dz;
    return dz;
}

#endif
