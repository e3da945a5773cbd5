/* What weighted layers share: activation and weight arguments, and the
 * activation's forward and backward calls. */
#include "emit.h"
#include "layers.h"

bool layer_resolve_activation(plan_layer *l, const stmt_args *a)
{
    const arg_value *act = stmt_arg(a, "activation");
    const arg_value *alpha = stmt_arg(a, "alpha");
    l->act = act->present ? act->choice : ACT_LINEAR;
    l->alpha = l->act == ACT_LEAKY_RELU ? 0.2 : l->act == ACT_ELU ? 1.0 : 0.0;
    if (!alpha->present)
        return true;
    if (l->act != ACT_LEAKY_RELU && l->act != ACT_ELU) {
        diag_error(a->d, alpha->loc,
                   "'alpha' applies only to activation=leaky_relu or elu, "
                   "not %s", activation_names[l->act]);
        return false;
    }
    l->alpha = alpha->f;
    return true;
}

void layer_resolve_weights(plan_layer *l, const stmt_args *a)
{
    const arg_value *bias = stmt_arg(a, "use_bias");
    const arg_value *init = stmt_arg(a, "init");
    l->use_bias = bias->present ? bias->b : true;
    l->init = init->present ? init->choice : 0;
}

void layer_act_enum(char *buf, size_t n, int act)
{
    size_t i = 0;
    const char *s = activation_names[act];
    i += (size_t)snprintf(buf, n, "DAE_");
    for (; *s && i + 1 < n; s++)
        buf[i++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
    buf[i] = 0;
}

void layer_input_act_args(char *buf, size_t n, const plan_layer *l, const char *din)
{
    char act[32] = "DAE_LINEAR", alpha[40] = "0.0f";
    if (din && l->input_act != ACT_LINEAR) {
        layer_act_enum(act, sizeof act, l->input_act);
        emit_float(l->input_alpha, alpha);
    }
    snprintf(buf, n, "%s, %s", act, alpha);
}

bool layer_act_fusable(const plan_layer *l)
{
    return l->act != ACT_LINEAR && !l->separate_logits;
}

void layer_emit_activation_forward(emit_ctx *e, const plan_layer *l)
{
    char name[32], alpha[40];
    if (l->act == ACT_LINEAR)
        return;
    layer_act_enum(name, sizeof name, l->act);
    size_t from = l->separate_logits ? l->logits_off : l->out_off;
    emit_line(e, "dae_act_forward(%s, %s, (size_t)B * %ld, A(%zu), A(%zu));",
              name, emit_float(l->alpha, alpha), shape_size(l->out), from,
              l->out_off);
}

size_t layer_emit_activation_backward(emit_ctx *e, const plan_layer *l)
{
    char name[32], alpha[40];
    /* with logits kept apart, the loss wrote d(loss)/d(logits) there */
    if (l->separate_logits || l->act == ACT_LINEAR || l->act_grad_by_next)
        return l->grad_off;
    layer_act_enum(name, sizeof name, l->act);
    emit_line(e, "dae_act_backward(%s, %s, (size_t)B * %ld, A(%zu), D(%zu), D(%zu));",
              name, emit_float(l->alpha, alpha), shape_size(l->out), l->out_off,
              l->grad_off, l->grad_off);
    return l->grad_off;
}
