/* Small helpers over the plan. */
#include <stdio.h>
#include <stdlib.h>
#include "plan.h"

long shape_size(shape s)
{
    return s.rank == 3 ? s.h * s.w * s.c : s.c;
}

double shape_values(shape s)
{
    return s.rank == 3 ? (double)s.h * (double)s.w * (double)s.c : (double)s.c;
}

const char *shape_str(shape s, char *buf, size_t n)
{
    if (s.rank == 3)
        snprintf(buf, n, "%ldx%ldx%ld", s.h, s.w, s.c);
    else
        snprintf(buf, n, "%ld", s.c);
    return buf;
}

void plan_free(plan *p)
{
    for (int i = 0; i < p->n_layers; i++)
        free((char *)p->layers[i].source);
    free(p->layers);
    free(p->name);
    free(p->train.train_path);
    free(p->train.test_path);
}

/* A layer's output gradient lives from the backward of the layer above
 * (or the loss) to its own backward, so only neighbours in the chain
 * overlap. Even ones start the region, odd ones end it: the region needs
 * only the largest sum of two neighbours, not the sum of all. Views share
 * their input's gradient, as they share its activations. A transposed
 * conv that runs the one-filter conv2d above it (fused_f1) has no output
 * gradient buffer: its neighbours alternate around it. */
static bool has_gradient_buffer(const plan *p, int i)
{
    const plan_layer *l = &p->layers[i];
    return !(l->view && i > 0) && !l->fused_f1;
}

void plan_layout_gradients(plan *p)
{
    size_t region = 0, prev = 0;
    for (int i = 0; i < p->n_layers; i++) {
        if (!has_gradient_buffer(p, i))
            continue;
        size_t size = (size_t)shape_size(p->layers[i].out);
        region = prev + size > region ? prev + size : region;
        prev = size;
    }
    int k = 0;
    for (int i = 0; i < p->n_layers; i++) {
        plan_layer *l = &p->layers[i];
        if (l->fused_f1) {
            l->grad_off = 0; /* never read or written */
            continue;
        }
        if (l->view && i > 0) {
            l->grad_off = l[-1].grad_off;
            continue;
        }
        l->grad_off = k++ % 2 == 0 ? 0 : region - (size_t)shape_size(l->out);
    }
    p->grad_per_sample = region;
    p->loss_grad_off = p->layers[p->n_layers - 1].grad_off;
}

void plan_im2col_only(plan *p)
{
    p->im2col_only = true;
    for (int i = 0; i < p->n_layers; i++) {
        plan_layer *l = &p->layers[i];
        l->fused_pool = l->pool_in_conv = false;
        l->fused_f1 = l->f1_in_transpose = false;
    }
    plan_layout_gradients(p);
}

/* Must agree with runtime/session.c: parameters, gradients and two
 * optimizer slots, then input, target, activations and their gradients. */
double plan_arena_bytes(const plan *p, long batch)
{
    double per_sample = 2.0 * (double)shape_size(p->input) + (double)p->act_per_sample
                        + (double)p->grad_per_sample;
    return 4.0 * (4.0 * (double)p->param_count + (double)batch * per_sample);
}
