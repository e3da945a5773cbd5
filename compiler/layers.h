/* Model layer kinds: shape rules and C emitters, one file per kind. */
#ifndef DAEC_LAYERS_H
#define DAEC_LAYERS_H

#include "registry.h"
#include "emit.h"

/* Shared by weighted layers: activation= and alpha= into l. */
bool layer_resolve_activation(plan_layer *l, const stmt_args *a);
/* Shared by weighted layers: use_bias= and init= into l. */
void layer_resolve_weights(plan_layer *l, const stmt_args *a);
/* Forward activation from the layer's pre-activation buffer to its output. */
void layer_emit_activation_forward(emit_ctx *e, const plan_layer *l);
/* Backward activation at the layer's output unless the loss did it; returns
 * the per-sample offset of the pre-activation gradient. */
size_t layer_emit_activation_backward(emit_ctx *e, const plan_layer *l);

bool dense_resolve(plan_layer *l, const stmt_args *a);
void dense_emit_forward(emit_ctx *e, const plan_layer *l, const char *in);
void dense_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                         const char *din);

bool conv2d_resolve(plan_layer *l, const stmt_args *a);
bool conv2d_transpose_resolve(plan_layer *l, const stmt_args *a);
void conv_emit_forward(emit_ctx *e, const plan_layer *l, const char *in);
void conv_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                        const char *din);
bool maxpool_resolve(plan_layer *l, const stmt_args *a);
void maxpool_emit_forward(emit_ctx *e, const plan_layer *l, const char *in);
void maxpool_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                           const char *din);
bool upsample_resolve(plan_layer *l, const stmt_args *a);
void upsample_emit_forward(emit_ctx *e, const plan_layer *l, const char *in);
void upsample_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                            const char *din);
/* The algo field of a conv layer's shape struct (runtime/conv.h), a
 * constant's name: Winograd or im2col, chosen from the static shapes. */
const char *conv_algo(const plan *p, const plan_layer *l);
/* Indexes into activation_names (the runtime's dae_act order). */
enum { ACT_LINEAR, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU };
/* The activation of a dense or conv layer runs in the kernel's output pass
 * unless the loss needs the logits apart. */
bool layer_act_fusable(const plan_layer *l);
/* The x_act, x_alpha arguments of a backward call: the activation that
 * produced the layer's input when the layer applies its derivative (the
 * plan's input_act and a din to apply it to), else DAE_LINEAR, 0.0f. */
void layer_input_act_args(char *buf, size_t n, const plan_layer *l, const char *din);
/* "DAE_RELU" for relu, and so on. */
void layer_act_enum(char *buf, size_t n, int act);
/* The name of a layer's shape struct in the generated C: SHAPE_<index>. */
const char *layer_shape_name(const emit_ctx *e, const plan_layer *l, char buf[32]);
/* size_arg (kernel or pool), strides= (default 1) and padding= into l. */
void layer_window_args(plan_layer *l, const stmt_args *a, const char *size_arg);
/* Output of a window layer (conv2d, maxpool) on l->in into l->out, with
 * TensorFlow's sizes and padding; an error when valid padding cannot fit. */
bool layer_window_shape(plan_layer *l, const stmt_args *a, const char *what,
                        long channels);
/* For image layers: an error naming the layer when its input is flat. */
bool layer_needs_image(plan_layer *l, const stmt_args *a);

bool flatten_resolve(plan_layer *l, const stmt_args *a);
bool reshape_resolve(plan_layer *l, const stmt_args *a);
void view_emit_forward(emit_ctx *e, const plan_layer *l, const char *in);
void view_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                        const char *din);

#endif
