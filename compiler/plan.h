/* The resolved model: every layer with its arguments, shapes, parameter and
 * activation offsets, and the training settings. check.c builds it; the
 * summary and the C emitter only read it. */
#ifndef DAEC_PLAN_H
#define DAEC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "ast.h"

struct layer_kind;

/* A tensor shape per sample: rank 1 is a vector of c values, rank 3 is an
 * image h x w x c. */
typedef struct shape {
    int rank;
    long h, w, c;
} shape;

/* The largest shape a layer may produce (values per sample: the runtime's
 * kernels take int sizes) and the most weights one kernel may have (far
 * beyond any machine's memory, which check_memory then reports). The
 * checker holds every shape and kernel to these as it infers them, so
 * products of sizes never overflow. */
#define PLAN_MAX_VALUES 2147483647L
#define PLAN_MAX_WEIGHTS (1L << 40)

long shape_size(shape s);
/* The same product in floating point: safe before a shape is checked. */
double shape_values(shape s);
/* "784" or "28x28x1" into buf. */
const char *shape_str(shape s, char *buf, size_t n);

typedef enum padding { PAD_VALID, PAD_SAME } padding;
typedef enum group { GROUP_NONE, GROUP_ENCODER, GROUP_DECODER } group;

typedef struct plan_layer {
    const struct layer_kind *kind;
    dae_loc loc;
    const char *source;        /* the statement as written, for comments */
    group group;
    shape in, out;
    /* resolved arguments (those the kind uses) */
    long units;                /* dense units, conv filters */
    long kh, kw, sh, sw;       /* kernel or pool size, strides */
    padding pad;
    long pad_top, pad_left;    /* TF's padding before (for a transpose: of
                                  the conv2d it transposes) */
    int act;                   /* dae_act */
    double alpha;              /* leaky_relu / elu slope */
    bool use_bias;
    int init;                  /* dae_init of the kernel */
    /* parameters: kernel then bias, offsets in floats */
    int param_index;           /* I in layers.I.kernel, or -1 */
    size_t kernel_off, kernel_size, bias_off, bias_size;
    int kernel_rank;
    long kernel_shape[4];
    long fan_in, fan_out;
    /* activations, per-sample float offsets */
    size_t out_off;            /* the layer's output (post-activation) */
    size_t logits_off;         /* pre-activation when kept apart */
    size_t grad_off;           /* d(loss)/d(output), or d(loss)/d(logits)
                                  when kept apart, in the gradient region */
    bool separate_logits;
    bool view;                 /* flatten/reshape: same data, new shape */
    /* backward fusion: this layer's backward applies the derivative of the
     * activation that produced its input (input_act, ACT_LINEAR for none)
     * to the input gradient; that layer then skips its own pass */
    int input_act;
    double input_alpha;
    bool act_grad_by_next;
    /* fusion with max pooling: the first conv2d, on one input channel,
     * followed by a maxpool pools each row pair as soon as it is computed
     * (dae_conv2d_pool_forward) and makes its output gradient itself, an
     * image at a time from the pool's (dae_conv2d_pool_backward); the pool
     * emits no calls of its own */
    bool fused_pool;     /* the conv2d */
    bool pool_in_conv;   /* the maxpool */
    /* fusion with a one-filter conv2d: a conv2d_transpose followed by a
     * conv2d with one filter runs that conv2d on each image of its output
     * while it is in cache (dae_conv2d_transpose_f1_forward) and, backward,
     * makes its own output gradient from the conv2d's a group of images at
     * a time in scratch (dae_conv2d_transpose_f1_backward): that gradient
     * has no buffer, and the conv2d emits no calls of its own */
    bool fused_f1;       /* the conv2d_transpose */
    bool f1_in_transpose;  /* the conv2d */
    double flops;              /* forward multiply-adds x2 per sample */
} plan_layer;

typedef struct plan_train {
    int data;                  /* dae_data_kind */
    char *train_path, *test_path;
    int noise;                 /* dae_noise_kind */
    double sigma, mean, amount, rate;
    bool resample_each_epoch;
    bool clip;
    double clip_lo, clip_hi;
    int loss;                  /* dae_loss */
    int optimizer;             /* dae_optim_kind */
    double lr, beta1, beta2, epsilon, momentum, rho;
    bool nesterov;
    long epochs, batch, seed, limit;
    bool shuffle;
} plan_train;

typedef struct plan {
    char *name;
    const char *spec_path;
    char spec_hash[17];
    shape input;
    dae_loc input_loc;
    plan_layer *layers;
    int n_layers;
    int latent;                /* index of the last encoder layer, or -1 */
    size_t param_count;
    int n_param_tensors;
    size_t act_per_sample;
    size_t grad_per_sample;    /* the activation gradients' region */
    size_t out_off;
    long logits_off;           /* -1 unless BCE runs from logits */
    size_t loss_grad_off;      /* where the loss writes its gradient */
    bool im2col_only;          /* daec --im2col-only: no Winograd, no
                                  direct kernels (the speed baseline) */
    plan_train train;
} plan;

void plan_free(plan *p);
/* Places each layer's output gradient in the gradient region (grad_off,
 * grad_per_sample, loss_grad_off), given the fusions chosen. */
void plan_layout_gradients(plan *p);
/* daec --im2col-only: every convolution as im2col + sgemm, and none of the
 * fusions that need the direct kernels. */
void plan_im2col_only(plan *p);
/* Bytes of the training arena for a given batch size. */
double plan_arena_bytes(const plan *p, long batch);

#endif
