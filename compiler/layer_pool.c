/* maxpool (windows, TensorFlow padding) and upsample (nearest neighbour):
 * layers without parameters that change the spatial size. */
#include "emit.h"
#include "layers.h"

bool maxpool_resolve(plan_layer *l, const stmt_args *a)
{
    layer_window_args(l, a, "pool");
    if (!stmt_arg(a, "strides")->present)
        l->sh = l->kh, l->sw = l->kw; /* Keras: strides default to pool_size */
    if (!layer_needs_image(l, a) || !layer_window_shape(l, a, "pool", l->in.c))
        return false;
    l->flops = (double)(l->out.h * l->out.w * l->out.c * l->kh * l->kw);
    return true;
}

void maxpool_emit_forward(emit_ctx *e, const plan_layer *l, const char *in)
{
    char geo[32];
    if (l->pool_in_conv) {
        emit_line(e, "/* pooled into A(%zu) by the conv2d above, row by row */", l->out_off);
        return;
    }
    emit_line(e, "dae_maxpool_forward(&%s, B, %s, A(%zu));",
              layer_shape_name(e, l, geo), in, l->out_off);
}

void maxpool_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                           const char *din)
{
    char geo[32], x_act[80];
    if (!din) /* nothing below needs a gradient */
        return;
    if (l->pool_in_conv) {
        emit_line(e, "/* the conv2d below takes D(%zu) through this pool */", l->grad_off);
        return;
    }
    layer_input_act_args(x_act, sizeof x_act, l, din);
    emit_line(e, "dae_maxpool_backward(&%s, B, %s, %s, A(%zu), D(%zu), %s);",
              layer_shape_name(e, l, geo), in, x_act, l->out_off, l->grad_off, din);
}

bool upsample_resolve(plan_layer *l, const stmt_args *a)
{
    const arg_value *f = stmt_arg(a, "factor");
    l->kh = f->dims[0], l->kw = f->dims[1];
    if (!layer_needs_image(l, a))
        return false;
    l->out = (shape){3, l->in.h * l->kh, l->in.w * l->kw, l->in.c};
    return true;
}

void upsample_emit_forward(emit_ctx *e, const plan_layer *l, const char *in)
{
    emit_line(e, "dae_upsample_forward(%ld, %ld, %ld, %ld, %ld, B, %s, A(%zu));",
              l->in.h, l->in.w, l->in.c, l->kh, l->kw, in, l->out_off);
}

void upsample_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                            const char *din)
{
    (void)in;
    if (!din)
        return;
    emit_line(e, "dae_upsample_backward(%ld, %ld, %ld, %ld, %ld, B, D(%zu), %s);",
              l->in.h, l->in.w, l->in.c, l->kh, l->kw, l->grad_off, din);
}
