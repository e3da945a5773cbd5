/* dense UNITS: y = act(x W + b), W in Keras layout [in, units]. */
#include "emit.h"
#include "layers.h"

bool dense_resolve(plan_layer *l, const stmt_args *a)
{
    char buf[64];
    bool ok = layer_resolve_activation(l, a);
    layer_resolve_weights(l, a);
    l->units = stmt_arg(a, "units")->i;
    if (l->in.rank != 1) {
        diag_error(a->d, a->loc,
                   "dense needs a flat input, but its input is %s; add "
                   "'flatten;' before it",
                   shape_str(l->in, buf, sizeof buf));
        return false;
    }
    l->out = (shape){1, 1, 1, l->units};
    l->kernel_rank = 2;
    l->kernel_shape[0] = l->in.c;
    l->kernel_shape[1] = l->units;
    l->kernel_size = (size_t)l->in.c * (size_t)l->units;
    l->bias_size = l->use_bias ? (size_t)l->units : 0;
    l->fan_in = l->in.c;
    l->fan_out = l->units;
    l->flops = 2.0 * (double)l->in.c * (double)l->units;
    return ok;
}

/* The activation runs inside the product's parts unless the loss needs
 * the logits kept apart. */
void dense_emit_forward(emit_ctx *e, const plan_layer *l, const char *in)
{
    char bias[32] = "NULL", act[32] = "DAE_LINEAR", alpha[40] = "0.0f";
    size_t z = l->separate_logits ? l->logits_off : l->out_off;
    bool fused = layer_act_fusable(l);
    if (l->use_bias)
        snprintf(bias, sizeof bias, "P(%zu)", l->bias_off);
    if (fused) {
        layer_act_enum(act, sizeof act, l->act);
        emit_float(l->alpha, alpha);
    }
    emit_line(e, "dae_dense_forward(B, %ld, %ld, %s, P(%zu), %s, %s, %s, A(%zu));",
              l->in.c, l->units, in, l->kernel_off, bias, act, alpha, z);
    if (!fused)
        layer_emit_activation_forward(e, l);
}

void dense_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                         const char *din)
{
    char bias[32] = "NULL", x_act[80];
    size_t dz = layer_emit_activation_backward(e, l);
    if (l->use_bias)
        snprintf(bias, sizeof bias, "G(%zu)", l->bias_off);
    layer_input_act_args(x_act, sizeof x_act, l, din);
    emit_line(e, "dae_dense_backward(B, %ld, %ld, %s, %s, P(%zu), D(%zu), %s, G(%zu), %s);",
              l->in.c, l->units, in, x_act, l->kernel_off, dz, din ? din : "NULL",
              l->kernel_off, bias);
}
