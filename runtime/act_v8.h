/* The activations that are a compare and a select, on 8 lanes in
 * registers: kernels that hold their output values there (the Winograd
 * output tiles) apply them before the store, where dae_act_apply would be
 * one more pass over the output. Bit for bit what act.c computes. */
#ifndef DAE_ACT_V8_H
#define DAE_ACT_V8_H

#include "act.h"
#include "v8.h"

/* dae_act_v8 computes a: linear, relu, leaky relu. */
static inline int dae_act_in_registers(dae_act a)
{
    return a == DAE_LINEAR || a == DAE_RELU || a == DAE_LEAKY_RELU;
}

/* *v = a(*v) for an a that dae_act_in_registers accepts: z where z > 0,
 * else +0 (relu) or alpha*z (leaky relu); NaN goes where act.c sends it. */
static inline void dae_act_v8(dae_act a, float alpha, v8 *v)
{
    const v8 zero = {0};
    const mask8 keep = *v > zero;

    if (a == DAE_RELU) {
        select_v8(v, &keep, v, &zero);
    } else if (a == DAE_LEAKY_RELU) {
        const v8 scaled = *v * alpha;
        select_v8(v, &keep, v, &scaled);
    }
}

#endif
