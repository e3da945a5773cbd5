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

bool flatten_resolve(plan_layer *l, const stmt_args *a);
bool reshape_resolve(plan_layer *l, const stmt_args *a);
void view_emit_forward(emit_ctx *e, const plan_layer *l, const char *in);
void view_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                        const char *din);

#endif
