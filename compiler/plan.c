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

void plan_im2col_only(plan *p)
{
    p->im2col_only = true;
    for (int i = 0; i < p->n_layers; i++)
        p->layers[i].fused_pool = p->layers[i].pool_in_conv = false;
}

/* Must agree with runtime/session.c: parameters, gradients and two
 * optimizer slots, then input, target, activations and their gradients. */
double plan_arena_bytes(const plan *p, long batch)
{
    double per_sample = 2.0 * (double)shape_size(p->input) + (double)p->act_per_sample
                        + (double)p->grad_per_sample;
    return 4.0 * (4.0 * (double)p->param_count + (double)batch * per_sample);
}
