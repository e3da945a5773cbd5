/* flatten; and reshape HxWxC; change the shape, not the data: NHWC rows
 * are already laid out as the flattened vector. Inside the model they
 * share their input's buffer; as the first layer they copy the input. */
#include "emit.h"
#include "layers.h"

bool flatten_resolve(plan_layer *l, const stmt_args *a)
{
    (void)a;
    l->out = (shape){1, 1, 1, shape_size(l->in)};
    l->view = true;
    return true;
}

bool reshape_resolve(plan_layer *l, const stmt_args *a)
{
    const arg_value *v = stmt_arg(a, "shape");
    char from[64], to[64];
    l->out = v->ndims == 1 ? (shape){1, 1, 1, v->dims[0]}
                           : (shape){3, v->dims[0], v->dims[1], v->dims[2]};
    l->view = true;
    if (shape_values(l->out) == shape_values(l->in)) /* the target is unchecked */
        return true;
    diag_error(a->d, v->loc, "reshape to %s (%.0f values) cannot hold its input %s "
               "(%ld values)", shape_str(l->out, to, sizeof to), shape_values(l->out),
               shape_str(l->in, from, sizeof from), shape_size(l->in));
    return false;
}

void view_emit_forward(emit_ctx *e, const plan_layer *l, const char *in)
{
    if (l->out_off == 0 && l == &e->p->layers[0])
        emit_line(e, "memcpy(A(%zu), %s, sizeof(float) * (size_t)B * %ld);",
                  l->out_off, in, shape_size(l->out));
    else
        emit_line(e, "/* a view of the previous layer's output: no data moves */");
}

void view_emit_backward(emit_ctx *e, const plan_layer *l, const char *in,
                        const char *din)
{
    (void)l, (void)in, (void)din;
    emit_line(e, "/* a view: its gradient is its input's gradient */");
}
