/* The statement table. Order of choice names matches the runtime enums
 * (dae_act, dae_init, dae_loss, ...), so an index is the enum value. */
#include <string.h>
#include "registry.h"
#include "layers.h"
#include "train_stmts.h"

const char *const activation_names[] = {
    "linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh", NULL};
const char *const init_names[] = {
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "zeros", NULL};
const char *const loss_names[] = {"binary_crossentropy", "mse", "mae", NULL};
const char *const padding_names[] = {"valid", "same", NULL};
static const char *const bool_names[] = {"false", "true", NULL};
static const char *const data_names[] = {"mnist", "fashion_mnist", "idx", NULL};
static const char *const noise_names[] = {
    "none", "gaussian", "salt_pepper", "masking", NULL};
static const char *const resample_names[] = {"once", "epoch", NULL};
static const char *const none_names[] = {"none", NULL};
static const char *const optimizer_names[] = {"adam", "sgd", "rmsprop", NULL};

#define BIG 1e300
#define MAX_UNITS 16777216.0

/* Arguments every weighted layer shares. */
#define ACTIVATION_ARGS                                                       \
    {"activation", ARG_CHOICE, -1, false, "linear", 0, 0, activation_names,  \
     "activation applied to the output"},                                    \
    {"alpha", ARG_FLOAT, -1, false, "0.2 (leaky_relu), 1 (elu)", 0, 1e6, NULL, \
     "negative slope of leaky_relu, scale of elu"}
#define WEIGHT_ARGS                                                           \
    {"use_bias", ARG_BOOL, -1, false, "true", 0, 0, bool_names,              \
     "add a bias vector"},                                                   \
    {"init", ARG_CHOICE, -1, false, "glorot_uniform", 0, 0, init_names,      \
     "kernel initializer (biases start at zero)"}

static const arg_spec input_args[] = {
    {"shape", ARG_SHAPE, 0, true, NULL, 1, MAX_UNITS, NULL,
     "784 for flat vectors, HxWxC for images"},
    {0}};

static const arg_spec dense_args[] = {
    {"units", ARG_INT, 0, true, NULL, 1, MAX_UNITS, NULL, "output size"},
    ACTIVATION_ARGS,
    WEIGHT_ARGS,
    {0}};

static const arg_spec conv2d_args[] = {
    {"filters", ARG_INT, 0, true, NULL, 1, 65536, NULL, "output channels"},
    {"kernel", ARG_SIZE2, -1, true, NULL, 1, 4096, NULL, "KHxKW, or K for KxK"},
    {"strides", ARG_SIZE2, -1, false, "1", 1, 4096, NULL, "S or SHxSW"},
    {"padding", ARG_CHOICE, -1, false, "valid", 0, 0, padding_names,
     "TensorFlow's same (extra padding bottom/right) or valid"},
    ACTIVATION_ARGS,
    WEIGHT_ARGS,
    {0}};

static const arg_spec maxpool_args[] = {
    {"pool", ARG_SIZE2, 0, true, NULL, 1, 4096, NULL, "PHxPW, or P for PxP"},
    {"strides", ARG_SIZE2, -1, false, "the pool size", 1, 4096, NULL, "S or SHxSW"},
    {"padding", ARG_CHOICE, -1, false, "valid", 0, 0, padding_names,
     "same or valid, as TensorFlow"},
    {0}};

static const arg_spec upsample_args[] = {
    {"factor", ARG_SIZE2, 0, true, NULL, 1, 4096, NULL, "FHxFW, or F for FxF"},
    {0}};

static const arg_spec flatten_args[] = {{0}};

static const arg_spec reshape_args[] = {
    {"shape", ARG_SHAPE, 0, true, NULL, 1, MAX_UNITS, NULL,
     "the new shape, N or HxWxC, holding as many values"},
    {0}};

static const arg_spec data_args[] = {
    {"data", ARG_CHOICE, 0, false, "mnist", 0, 0, data_names,
     "mnist, fashion_mnist or idx files"},
    {"train", ARG_STRING, -1, false, NULL, 0, 0, NULL,
     "training images (data idx)"},
    {"test", ARG_STRING, -1, false, NULL, 0, 0, NULL,
     "validation images (data idx)"},
    {0}};

static const arg_spec noise_args[] = {
    {"noise", ARG_CHOICE, 0, true, "gaussian", 0, 0, noise_names,
     "corruption of the inputs"},
    {"sigma", ARG_FLOAT, -1, false, "0.7", 0, 1e6, NULL, "gaussian stddev"},
    {"mean", ARG_FLOAT, -1, false, "0", -1e6, 1e6, NULL, "gaussian mean"},
    {"amount", ARG_FLOAT, -1, false, "0.1", 0, 1, NULL,
     "salt_pepper: fraction of pixels set to 0 or 1"},
    {"rate", ARG_FLOAT, -1, false, "0.25", 0, 1, NULL,
     "masking: fraction of pixels set to 0"},
    {"resample", ARG_CHOICE, -1, false, "once", 0, 0, resample_names,
     "one fixed noisy copy, or fresh noise every epoch"},
    {0}};

static const arg_spec clip_args[] = {
    {"lo", ARG_FLOAT, 0, true, "0", -1e6, 1e6, none_names,
     "lower bound, or none"},
    {"hi", ARG_FLOAT, 1, false, "1", -1e6, 1e6, NULL, "upper bound"},
    {0}};

static const arg_spec loss_args[] = {
    {"loss", ARG_CHOICE, 0, true, "binary_crossentropy", 0, 0, loss_names,
     "binary_crossentropy, mse or mae"},
    {0}};

static const arg_spec optimizer_args[] = {
    {"optimizer", ARG_CHOICE, 0, true, "adam", 0, 0, optimizer_names,
     "adam, sgd or rmsprop"},
    {"lr", ARG_FLOAT, -1, false, "0.001 (sgd: 0.01)", 1e-12, 1e3, NULL,
     "learning rate"},
    {"beta1", ARG_FLOAT, -1, false, "0.9", 0, 0.999999, NULL, "adam"},
    {"beta2", ARG_FLOAT, -1, false, "0.999", 0, 0.999999999, NULL, "adam"},
    {"epsilon", ARG_FLOAT, -1, false, "1e-7", 1e-30, 1, NULL,
     "adam, rmsprop"},
    {"momentum", ARG_FLOAT, -1, false, "0", 0, 1, NULL, "sgd"},
    {"nesterov", ARG_BOOL, -1, false, "false", 0, 0, bool_names, "sgd"},
    {"rho", ARG_FLOAT, -1, false, "0.9", 0, 0.999999, NULL, "rmsprop"},
    {0}};

#define COUNT_ARG(name, lo, hi, def, doc)                                     \
    static const arg_spec name##_args[] = {                                   \
        {#name, ARG_INT, 0, true, def, lo, hi, NULL, doc}, {0}}
COUNT_ARG(epochs, 1, 1000000, "50", "passes over the training data");
COUNT_ARG(batch, 1, 65536, "128", "samples per step");
COUNT_ARG(seed, 0, 4611686018427387904.0, "1", "seeds init, noise, shuffle");
COUNT_ARG(limit, 1, 1e12, "all", "use only the first N training images");

static const arg_spec shuffle_args[] = {
    {"shuffle", ARG_BOOL, 0, true, "true", 0, 0, bool_names,
     "new permutation every epoch"},
    {0}};

/* A model layer: its arguments, shape rule and emitters. */
#define LAYER(w, args_, doc_, resolve_, fwd, bwd, shape, work, fuse)           \
    {.word = w, .place = IN_MODEL, .args = args_, .doc = doc_,               \
     .resolve = resolve_, .emit_forward = fwd, .emit_backward = bwd,         \
     .shape_type = shape, .workspace_fn = work, .fuses_input_act = fuse}
/* A train setting: its arguments and where they go in the plan. */
#define SETTING(w, args_, doc_, apply_)                                       \
    {.word = w, .place = IN_TRAIN, .args = args_, .doc = doc_, .apply = apply_}

const layer_kind registry[] = {
    LAYER("input", input_args, "The input shape; first, and once",
          NULL, NULL, NULL, NULL, NULL, false),
    LAYER("dense", dense_args,
          "Fully connected layer: y = act(x W + b), W of shape [in, units]",
          dense_resolve, dense_emit_forward, dense_emit_backward, NULL, NULL, true),
    LAYER("conv2d", conv2d_args,
          "2-D convolution (cross-correlation) on HxWxC images, kernel "
          "[kh, kw, in, filters], TensorFlow's same/valid padding",
          conv2d_resolve, conv_emit_forward, conv_emit_backward,
          "dae_conv_shape", "dae_conv2d_workspace", true),
    LAYER("conv2d_transpose", conv2d_args,
          "Transposed convolution as TensorFlow defines it (the input gradient "
          "of the matching conv2d), kernel [kh, kw, filters, in]; output "
          "in*stride (same) or in*stride + max(k - stride, 0) (valid)",
          conv2d_transpose_resolve, conv_emit_forward, conv_emit_backward,
          "dae_conv_shape", "dae_conv2d_transpose_workspace", true),
    LAYER("maxpool", maxpool_args,
          "Max pooling; strides default to the pool size; padded cells never win",
          maxpool_resolve, maxpool_emit_forward, maxpool_emit_backward,
          "dae_pool_shape", NULL, true),
    LAYER("upsample", upsample_args, "Nearest-neighbour upsampling by FHxFW",
          upsample_resolve, upsample_emit_forward, upsample_emit_backward, NULL, NULL, false),
    LAYER("flatten", flatten_args, "An image HxWxC as a vector of H*W*C values",
          flatten_resolve, view_emit_forward, view_emit_backward, NULL, NULL, false),
    LAYER("reshape", reshape_args, "The same values in a new shape (row-major, NHWC)",
          reshape_resolve, view_emit_forward, view_emit_backward, NULL, NULL, false),
    SETTING("data", data_args, "Training and validation images", train_apply_data),
    SETTING("noise", noise_args, "Corruption applied to the inputs; targets stay clean",
            train_apply_noise),
    SETTING("clip", clip_args, "Clip the noisy inputs to [lo, hi]", train_apply_clip),
    SETTING("loss", loss_args,
            "The training loss (binary_crossentropy runs on logits after a final "
            "sigmoid, as Keras does)", train_apply_loss),
    SETTING("optimizer", optimizer_args,
            "The optimizer, with Keras formulas and defaults", train_apply_optimizer),
    SETTING("epochs", epochs_args, "Passes over the training data", train_apply_epochs),
    SETTING("batch", batch_args,
            "Samples per optimizer step; the last partial batch is kept", train_apply_batch),
    SETTING("shuffle", shuffle_args, "A new permutation of the training data every epoch",
            train_apply_shuffle),
    SETTING("seed", seed_args, "Seeds weights, noise and shuffling", train_apply_seed),
    SETTING("limit", limit_args,
            "Use only the first N training images (validation keeps the whole test split)",
            train_apply_limit),
    {0}};

const layer_kind *registry_find(const char *word, stmt_place place)
{
    for (const layer_kind *k = registry; k->word; k++)
        if (k->place == place && strcmp(k->word, word) == 0)
            return k;
    return NULL;
}

const char *const *registry_words(stmt_place place)
{
    static const char *words[2][64];
    static bool filled[2];
    if (!filled[place]) {
        int n = 0;
        for (const layer_kind *k = registry; k->word && n < 63; k++)
            if (k->place == place)
                words[place][n++] = k->word;
        words[place][n] = NULL;
        filled[place] = true;
    }
    return words[place];
}

const arg_value *stmt_arg(const stmt_args *a, const char *name)
{
    static const arg_value absent;
    for (int i = 0; a->kind->args[i].name; i++)
        if (strcmp(a->kind->args[i].name, name) == 0)
            return &a->v[i];
    return &absent;
}
