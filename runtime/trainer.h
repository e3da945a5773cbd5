/* The trainer's commands, below the command line. */
#ifndef DAE_TRAINER_H
#define DAE_TRAINER_H

#include "error.h"
#include "model.h"

typedef struct dae_run_options {
    dae_train_config cfg;      /* the spec's settings with overrides */
    const char *data_dir;      /* --data, or NULL */
    const char *init_path;     /* --init: start from these weights */
    const char *weights_path;  /* --weights: what eval and denoise use */
    char out_dir[4096];        /* --out, default runs/NAME */
    int threads;               /* --threads, 0: OpenBLAS's default */
    int quiet;
    int resume;                /* --resume: continue from the checkpoint */
} dae_run_options;

/* Trains as configured, writing checkpoint.safetensors and history.csv
 * after every epoch and weights.safetensors at the end into out_dir. */
int dae_train(const dae_model *m, const dae_run_options *o, dae_error *err);

/* Scores the weights in the file on the test split: loss, MSE, PSNR and
 * SSIM of the noisy inputs and of the outputs against the clean images. */
int dae_evaluate(const dae_model *m, const dae_run_options *o, const char *weights,
                 dae_error *err);

/* Runs one PNG image (converted to gray, of the model's input size)
 * through the model with the weights in the file; writes the output PNG. */
int dae_denoise(const dae_model *m, const dae_run_options *o, const char *weights,
                const char *in_png, const char *out_png, dae_error *err);

/* mkdir -p */
int dae_make_dirs(const char *path, dae_error *err);

#endif
