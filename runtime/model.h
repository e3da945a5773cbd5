/* What a generated trainer hands to the runtime: a static description of the
 * model (parameters, sizes, training settings) and its forward and backward
 * passes. The runtime owns the arena, the data and the training loop. */
#ifndef DAE_MODEL_H
#define DAE_MODEL_H

#include <stddef.h>
#include "act.h"
#include "init.h"
#include "loss.h"

/* One trainable tensor, stored at params + offset (floats), Keras layout. */
typedef struct dae_param {
    const char *name;   /* "layers.0.kernel" */
    int rank;
    int shape[4];
    size_t size;        /* product of shape */
    size_t offset;      /* into the parameter arena, in floats */
    dae_init init;
    int fan_in, fan_out;
} dae_param;

typedef enum dae_data_kind { DAE_DATA_MNIST, DAE_DATA_FASHION_MNIST, DAE_DATA_IDX } dae_data_kind;
typedef enum dae_noise_kind { DAE_NOISE_NONE, DAE_NOISE_GAUSSIAN, DAE_NOISE_SALT_PEPPER, DAE_NOISE_MASKING } dae_noise_kind;
typedef enum dae_optim_kind { DAE_ADAM, DAE_SGD, DAE_RMSPROP } dae_optim_kind;

typedef struct dae_train_config {
    dae_data_kind data;
    const char *train_path, *test_path; /* data idx only */
    dae_noise_kind noise;
    float sigma, mean, amount, rate;
    int resample_each_epoch;
    int clip;                           /* 0: clip none */
    float clip_lo, clip_hi;
    dae_loss loss;
    dae_optim_kind optimizer;
    float lr, beta1, beta2, epsilon, momentum, rho;
    int nesterov;
    int epochs, batch, shuffle;
    long seed;
    long limit;                         /* 0: all */
} dae_train_config;

/* The state a forward/backward pass works on; every pointer is into the one
 * arena. Activation buffers hold B samples each. */
typedef struct dae_net {
    int B;               /* rows in the current batch */
    float *params;       /* [param_count] */
    float *grads;        /* [param_count] */
    float *x;            /* [B, in_size] the (noisy) input batch */
    float *acts;         /* activations: per-sample offsets times B */
    float *dacts;        /* their gradients, at their own per-sample offsets */
    float *work;         /* scratch for convolutions (im2col) */
    /* The optimizer step of params [offset, offset + n), which backward
     * calls as soon as a layer's gradients are final, while they are in
     * cache (NULL: backward leaves the gradients only). */
    void (*update)(struct dae_net *net, size_t offset, size_t n);
    void *update_ctx;
} dae_net;

/* In backward: a layer's parameters [offset, offset + n) have their final
 * gradients, and nothing below reads its weights. */
static inline void dae_grads_done(dae_net *net, size_t offset, size_t n)
{
    if (net->update)
        net->update(net, offset, n);
}

typedef struct dae_model {
    const char *name;
    const char *spec_path;
    const char *spec_hash;        /* hex digest of the spec text */
    const char *daec_version;
    int in_h, in_w, in_c;         /* the input as an image */
    size_t in_size;               /* floats per sample */
    size_t param_count;
    int n_params;
    const dae_param *params;
    size_t act_per_sample;        /* activation floats per sample */
    size_t out_offset;            /* per-sample offset of the model output */
    long logits_offset;           /* offset of the last layer's logits, or -1 */
    /* Activation gradients: a layer's is live only from the backward of the
     * layer above to its own, so they share a smaller region. */
    size_t grad_per_sample;       /* gradient floats per sample */
    size_t loss_grad_offset;      /* where the loss writes d(loss)/d(logits
                                     or output), per sample, in dacts */
    const char *summary;          /* the daec --summary table */
    /* Scratch floats the layers need for a batch of B, or NULL for none. */
    size_t (*workspace)(int B);
    dae_train_config train;
    void (*forward)(dae_net *net);
    /* Back-propagates from the loss gradient written at dacts +
     * loss_grad_offset*B down to every parameter gradient. */
    void (*backward)(dae_net *net);
} dae_model;

/* The generated main(): parses the command line and runs the command. */
int dae_main(const dae_model *m, int argc, char **argv);

#endif
