/* conv2d and conv2d_transpose: TensorFlow's output sizes and padding, the
 * shape struct the runtime kernels read, and their calls. */
#include "emit.h"
#include "layers.h"

const char *layer_shape_name(const emit_ctx *e, const plan_layer *l, char buf[32])
{
    snprintf(buf, 32, "SHAPE_%d", (int)(l - e->p->layers));
    return buf;
}

bool layer_needs_image(plan_layer *l, const stmt_args *a)
{
    char buf[64];
    if (l->in.rank == 3)
        return true;
    diag_error(a->d, a->loc, "%s needs an image input HxWxC, but its input is %s; "
               "declare 'input 28x28x1;' or add 'reshape 28x28x1;' before it",
               l->kind->word, shape_str(l->in, buf, sizeof buf));
    return false;
}

/* TF's forward window geometry along one axis: output size and padding
 * before, for input n, window k, stride s. False when valid cannot fit. */
static bool window_axis(long n, long k, long s, padding pad, long *out, long *before)
{
    if (pad == PAD_SAME) {
        *out = (n + s - 1) / s;
        long total = (*out - 1) * s + k - n;
        *before = total > 0 ? total / 2 : 0;
        return true;
    }
    *before = 0;
    *out = n >= k ? (n - k) / s + 1 : 0;
    return n >= k;
}

/* Kernel, strides and padding arguments shared by convolutions and pools. */
void layer_window_args(plan_layer *l, const stmt_args *a, const char *size_arg)
{
    const arg_value *k = stmt_arg(a, size_arg), *st = stmt_arg(a, "strides");
    const arg_value *pad = stmt_arg(a, "padding");
    l->kh = k->dims[0], l->kw = k->dims[1];
    l->sh = st->present ? st->dims[0] : 1;
    l->sw = st->present ? st->dims[1] : 1;
    l->pad = pad->present ? (padding)pad->choice : PAD_VALID;
}

static bool too_small(plan_layer *l, const stmt_args *a, const char *what)
{
    char buf[64];
    diag_error(a->d, stmt_arg(a, what)->loc, "%s %ldx%ld is larger than its input "
               "%s under padding=valid", what, l->kh, l->kw,
               shape_str(l->in, buf, sizeof buf));
    return false;
}

/* Output of a window layer (conv2d, maxpool) on l->in, into l->out. */
bool layer_window_shape(plan_layer *l, const stmt_args *a, const char *what, long channels)
{
    long oh, ow;
    bool fits = window_axis(l->in.h, l->kh, l->sh, l->pad, &oh, &l->pad_top);
    fits = window_axis(l->in.w, l->kw, l->sw, l->pad, &ow, &l->pad_left) && fits;
    if (!fits)
        return too_small(l, a, what);
    l->out = (shape){3, oh, ow, channels};
    return true;
}

static void conv_params(plan_layer *l, long in_c, bool transpose)
{
    long f = l->units, rf = l->kh * l->kw;
    l->kernel_rank = 4;
    l->kernel_shape[0] = l->kh;
    l->kernel_shape[1] = l->kw;
    l->kernel_shape[2] = transpose ? f : in_c;
    l->kernel_shape[3] = transpose ? in_c : f;
    /* unsigned: a huge product wraps harmlessly; sizes_fit rejects it */
    l->kernel_size = (size_t)rf * (size_t)in_c * (size_t)f;
    l->bias_size = l->use_bias ? (size_t)f : 0;
    /* Keras's fans: shape[-2] and shape[-1] times the receptive field */
    l->fan_in = rf * l->kernel_shape[2];
    l->fan_out = rf * l->kernel_shape[3];
}

bool conv2d_resolve(plan_layer *l, const stmt_args *a)
{
    bool ok = layer_resolve_activation(l, a);
    layer_resolve_weights(l, a);
    l->units = stmt_arg(a, "filters")->i;
    layer_window_args(l, a, "kernel");
    if (!layer_needs_image(l, a) || !layer_window_shape(l, a, "kernel", l->units))
        return false;
    conv_params(l, l->in.c, false);
    l->flops = 2.0 * (double)(l->out.h * l->out.w) * (double)l->kernel_size;
    return ok;
}

bool conv2d_transpose_resolve(plan_layer *l, const stmt_args *a)
{
    bool ok = layer_resolve_activation(l, a);
    layer_resolve_weights(l, a);
    l->units = stmt_arg(a, "filters")->i;
    layer_window_args(l, a, "kernel");
    if (!layer_needs_image(l, a))
        return false;
    long oh, ow, back_h, back_w;
    if (l->pad == PAD_SAME) {
        oh = l->in.h * l->sh, ow = l->in.w * l->sw;
    } else {
        oh = l->in.h * l->sh + (l->kh > l->sh ? l->kh - l->sh : 0);
        ow = l->in.w * l->sw + (l->kw > l->sw ? l->kw - l->sw : 0);
    }
    /* the padding of the conv2d this transposes, which maps oh back to in.h */
    window_axis(oh, l->kh, l->sh, l->pad, &back_h, &l->pad_top);
    window_axis(ow, l->kw, l->sw, l->pad, &back_w, &l->pad_left);
    l->out = (shape){3, oh, ow, l->units};
    conv_params(l, l->in.c, true);
    l->flops = 2.0 * (double)(l->in.h * l->in.w) * (double)l->kernel_size;
    return ok;
}

/* Winograd F(2x2, 3x3) pays off for a 3x3 stride-1 conv2d with 32 or more
 * input channels and 16 or more filters. Measured at B = 128 against
 * im2col + sgemm (time ratios, forward / backward): the article's middle
 * layer 14x14x64 -> 64, 0.65 / 0.61 on one thread and 0.68-0.76 / 0.65-0.74
 * on two (about even while another job holds one of the two cores);
 * 14x14x32 -> 32 0.7-0.75 / 0.75-0.85. With fewer input channels the tile
 * transforms and thin products cost more than they save: 14x14x16 -> 16
 * 0.9-1.0 / 1.2, 14x14x16 -> 64 1.0 / 1.3, the first layer's 28x28x1 -> 64
 * 2.2-3.4 / 1.6-2.6. One filter (the last layer) or one input channel
 * (the first) has a direct path in the runtime. */
static bool winograd_conv2d(const plan_layer *l)
{
    return l->kind->resolve == conv2d_resolve && l->kh == 3 && l->kw == 3 && l->sh == 1 &&
           l->sw == 1 && l->in.c >= 32 && l->units >= 16;
}

/* F(4x4, 3x3) multiplies 36 times per 16 outputs where F(2x2, 3x3) does
 * 64, but its transforms cost about 1.5x more per output. The runtime
 * gives the largest multiple of 4 both ways to 4x4 tiles and the rest to
 * 2x2 ones; that pays off when 4x4 tiles cover 70% of the output or more.
 * Measured at B = 128 on two threads against F(2x2, 3x3) alone (best of
 * 10-20, forward / backward): 28x28x64 -> 64 (all 4x4), 0.79-1.0 /
 * 0.67-0.84; 28x28x32 -> 32, 0.86-0.98 / 0.78-0.95; the article's
 * 14x14x64 -> 64 (73% in 4x4 tiles), 0.85-0.98 / 0.87-0.96; 14x14x32 ->
 * 32, 0.86 / 0.84-0.87; but 7x7x64 -> 64 (33%), 0.98 / 1.07. */
static bool winograd_4x4(const plan_layer *l)
{
    long covered = (l->out.h / 4 * 4) * (l->out.w / 4 * 4);
    return winograd_conv2d(l) && 10 * covered >= 7 * l->out.h * l->out.w;
}

/* The stride-2 transposed conv's Winograd (winograd_transpose.h) computes
 * 4x4 output tiles; it pays off where they cover the output exactly.
 * Measured at B = 128 on two threads against im2col + sgemm (best of 20,
 * forward / backward): the article's 14x14x64 -> 28x28x64, 0.87-0.91 /
 * 0.87-0.92; its 7x7x64 -> 14x14x64, whose 4x4 tiles overhang by 31%,
 * 1.24 / 1.35. */
static bool winograd_transpose(const plan_layer *l)
{
    return l->kind->resolve == conv2d_transpose_resolve && l->kh == 3 && l->kw == 3 &&
           l->sh == 2 && l->sw == 2 && l->pad_top == 0 && l->pad_left == 0 &&
           l->out.h % 4 == 0 && l->out.w % 4 == 0 && l->in.c >= 32 && l->units >= 16;
}

const char *conv_algo(const plan *p, const plan_layer *l)
{
    if (p->im2col_only)
        return "DAE_CONV_GEMM";
    if (winograd_4x4(l))
        return "DAE_CONV_WINOGRAD_4X4";
    return winograd_conv2d(l) || winograd_transpose(l) ? "DAE_CONV_WINOGRAD"
                                                       : "DAE_CONV_IM2COL";
}

/* The output the layer's forward call writes: its logits when kept apart. */
static size_t forward_out(const plan_layer *l)
{
    return l->separate_logits ? l->logits_off : l->out_off;
}

/* The transposed conv's forward with the one-filter conv2d above it
 * (plan.h's fused_f1); the conv2d is the next layer. */
static void emit_f1_forward(emit_ctx *e, const plan_layer *l, const char *in,
                            const char *bias)
{
    char geo[32], f1_geo[32], f1_bias[32] = "NULL";
    const plan_layer *f = l + 1;

    if (f->use_bias)
        snprintf(f1_bias, sizeof f1_bias, "P(%zu)", f->bias_off);
    layer_shape_name(e, l, geo);
    emit_line(e, "dae_conv2d_transpose_f1_forward(&%s, &%s, B, %s, P(%zu), %s, A(%zu), "
              "P(%zu), %s, A(%zu), net->work);", geo, layer_shape_name(e, f, f1_geo), in,
              l->kernel_off, bias, l->out_off, f->kernel_off, f1_bias, forward_out(f));
}

void conv_emit_forward(emit_ctx *e, const plan_layer *l, const char *in)
{
    char geo[32], bias[32] = "NULL";
    const char *fn = l->kind->resolve == conv2d_resolve ? "dae_conv2d_forward"
                                                        : "dae_conv2d_transpose_forward";
    if (l->use_bias)
        snprintf(bias, sizeof bias, "P(%zu)", l->bias_off);
    if (l->fused_f1) {
        emit_f1_forward(e, l, in, bias);
        return;
    }
    if (l->f1_in_transpose) {
        emit_line(e, "/* computed into A(%zu) by the conv2d_transpose above, image by image */",
                  forward_out(l));
        if (!layer_act_fusable(l))
            layer_emit_activation_forward(e, l);
        return;
    }
    if (l->fused_pool) { /* plan.h; the pool is the next layer */
        char pool_geo[32];
        emit_line(e, "dae_conv2d_pool_forward(&%s, &%s, B, %s, P(%zu), %s, A(%zu), A(%zu), "
                  "net->work);", layer_shape_name(e, l, geo),
                  layer_shape_name(e, l + 1, pool_geo), in, l->kernel_off, bias,
                  l->out_off, l[1].out_off);
        return;
    }
    emit_line(e, "%s(&%s, B, %s, P(%zu), %s, A(%zu), net->work);", fn,
              layer_shape_name(e, l, geo), in, l->kernel_off, bias, forward_out(l));
    if (!layer_act_fusable(l))
        layer_emit_activation_forward(e, l);
}

/* The conv2d's backward from the maxpool's gradient (plan.h's
 * fused_pool); the pool is the next layer. */
static void emit_pool_backward(emit_ctx *e, const plan_layer *l, const char *in)
{
    char geo[32], pool_geo[32], bias[32] = "NULL";
    const plan_layer *pool = l + 1;

    if (l->use_bias)
        snprintf(bias, sizeof bias, "G(%zu)", l->bias_off);
    layer_shape_name(e, l, geo);
    emit_line(e, "dae_conv2d_pool_backward(&%s, &%s, B, %s, A(%zu), D(%zu), G(%zu), %s, "
              "net->work);", geo, layer_shape_name(e, pool, pool_geo), in, l->out_off,
              pool->grad_off, l->kernel_off, bias);
}

/* The transposed conv's backward with the one-filter conv2d's above it
 * (plan.h's fused_f1), from the conv2d's output gradient; the conv2d is
 * the next layer, and its activation's backward, if any, came first. */
static void emit_f1_backward(emit_ctx *e, const plan_layer *l, const char *in,
                             const char *din)
{
    char geo[32], f1_geo[32], bias[32] = "NULL", f1_bias[32] = "NULL", x_act[80];
    const plan_layer *f = l + 1;

    if (l->use_bias)
        snprintf(bias, sizeof bias, "G(%zu)", l->bias_off);
    if (f->use_bias)
        snprintf(f1_bias, sizeof f1_bias, "G(%zu)", f->bias_off);
    layer_input_act_args(x_act, sizeof x_act, l, din);
    layer_shape_name(e, l, geo);
    emit_line(e, "dae_conv2d_transpose_f1_backward(&%s, &%s, B, %s, %s, P(%zu), A(%zu), "
              "P(%zu), D(%zu), %s, G(%zu), %s, G(%zu), %s, net->work);", geo,
              layer_shape_name(e, f, f1_geo), in, x_act, l->kernel_off, l->out_off,
              f->kernel_off, f->grad_off, din ? din : "NULL", l->kernel_off, bias,
              f->kernel_off, f1_bias);
}

void conv_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                        const char *din)
{
    char geo[32], bias[32] = "NULL", x_act[80];
    if (l->fused_pool) {
        emit_pool_backward(e, l, in);
        return;
    }
    if (l->fused_f1) {
        emit_f1_backward(e, l, in, din);
        return;
    }
    if (l->f1_in_transpose) {
        size_t dz = layer_emit_activation_backward(e, l);
        emit_line(e, "/* the conv2d_transpose below takes D(%zu) and runs this backward */",
                  dz);
        return;
    }
    const char *fn = l->kind->resolve == conv2d_resolve ? "dae_conv2d_backward"
                                                        : "dae_conv2d_transpose_backward";
    size_t dz = layer_emit_activation_backward(e, l);
    if (l->use_bias)
        snprintf(bias, sizeof bias, "G(%zu)", l->bias_off);
    layer_input_act_args(x_act, sizeof x_act, l, din);
    emit_line(e, "%s(&%s, B, %s, %s, P(%zu), D(%zu), %s, G(%zu), %s, net->work);", fn,
              layer_shape_name(e, l, geo), in, x_act, l->kernel_off, dz,
              din ? din : "NULL", l->kernel_off, bias);
}
