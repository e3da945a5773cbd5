/* The generated trainer's command line: `NAME [COMMAND] [options]`. */
#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blas_core.h"
#include "model.h"
#include "parallel.h"
#include "trainer.h"

static void usage(const dae_model *m, FILE *f)
{
    fprintf(f,
            "usage: %s [train|eval|denoise|summary] [options]\n"
            "Trains the denoising autoencoder '%s' (from %s).\n\n"
            "train options (each overrides the spec):\n"
            "  --epochs N     passes over the training data (spec: %d)\n"
            "  --batch N      samples per step (spec: %d)\n"
            "  --limit N      use only the first N training images\n"
            "  --seed N       seed for weights, noise and shuffling (spec: %ld)\n"
            "  --threads N    threads for the GEMMs and the elementwise work\n"
            "                 (default: all cores)\n"
            "  --data DIR     directory with the IDX files\n"
            "  --out DIR      run directory (default: runs/%s)\n"
            "  --init FILE    start from these weights (safetensors)\n"
            "  --resume       continue the run in --out from its checkpoint\n"
            "  --quiet        no progress output\n\n"
            "eval: loss, MSE, PSNR and SSIM on the test split, of the noisy\n"
            "inputs and of the model's outputs; also written to DIR/eval.csv.\n"
            "  options: --weights FILE (default: DIR/weights.safetensors of the\n"
            "  run directory DIR), --data, --out, --batch, --seed, --threads.\n"
            "denoise [--weights FILE] IN.png OUT.png: one image through the\n"
            "model (any PNG, read as gray; it must have the model's size).\n\n"
            "Outputs in the run directory: history.csv (epoch,loss,val_loss,\n"
            "seconds), checkpoint.safetensors and learning_curve.png after\n"
            "every epoch; weights.safetensors, samples.png and\n"
            "samples.safetensors at the end.\n",
            m->name, m->name, m->spec_path, m->train.epochs, m->train.batch,
            m->train.seed, m->name);
}

/* Strict integer parsing: the whole argument, within [lo, hi]. */
static int parse_long(const char *prog, const char *opt, const char *s,
                      long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "%s: %s expects an integer from %ld to %ld, got '%s'\n",
                prog, opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* One `--name value` override; -1 after printing what is wrong. */
static int set_option(const dae_model *m, dae_run_options *o, const char *a,
                      const char *val)
{
    static const struct { const char *name; long lo, hi; } ints[] = {
        {"--epochs", 1, 1000000}, {"--batch", 1, 65536}, {"--limit", 1, LONG_MAX},
        {"--seed", 0, LONG_MAX}, {"--threads", 1, 1024}};
    long v;
    if (strcmp(a, "--data") == 0) {
        o->data_dir = val;
        return 0;
    }
    if (strcmp(a, "--init") == 0 || strcmp(a, "--weights") == 0) {
        *(a[2] == 'i' ? &o->init_path : &o->weights_path) = val;
        return 0;
    }
    if (strcmp(a, "--out") == 0) {
        snprintf(o->out_dir, sizeof o->out_dir, "%s", val);
        return 0;
    }
    for (int k = 0; k < (int)(sizeof ints / sizeof ints[0]); k++) {
        if (strcmp(a, ints[k].name) != 0)
            continue;
        if (parse_long(m->name, a, val, ints[k].lo, ints[k].hi, &v) != 0)
            return -1;
        switch (k) {
        case 0: o->cfg.epochs = (int)v; break;
        case 1: o->cfg.batch = (int)v; break;
        case 2: o->cfg.limit = v; break;
        case 3: o->cfg.seed = v; break;
        default: o->threads = (int)v; break;
        }
        return 0;
    }
    fprintf(stderr, "%s: unknown option '%s' (see --help)\n", m->name, a);
    return -1;
}

/* Options, and for denoise the two file names (positional[0..2)). */
static int parse_options(const dae_model *m, int argc, char **argv,
                         dae_run_options *o, const char **positional, int n_max)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "--resume") == 0) {
            *(argv[i][2] == 'q' ? &o->quiet : &o->resume) = 1;
            continue;
        }
        if (argv[i][0] != '-' || argv[i][1] == 0) {
            if (n == n_max) {
                fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n",
                        m->name, argv[i]);
                return -1;
            }
            positional[n++] = argv[i];
            continue;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "%s: %s needs a value (see --help)\n", m->name, argv[i]);
            return -1;
        }
        if (set_option(m, o, argv[i], argv[i + 1]) != 0)
            return -1;
        i++;
    }
    if (n < n_max) {
        fprintf(stderr, "%s: denoise needs IN.png and OUT.png (see --help)\n", m->name);
        return -1;
    }
    return 0;
}

/* The command itself, after the options; 0 or 1 after printing why. */
static int run_command(const dae_model *m, const char *cmd, dae_run_options *o,
                       const char **files)
{
    dae_error err;
    char weights[4200];
    snprintf(weights, sizeof weights, "%s/weights.safetensors", o->out_dir);
    const char *w = o->weights_path ? o->weights_path : weights;
    int rc;
    if (strcmp(cmd, "eval") == 0)
        rc = dae_evaluate(m, o, w, &err);
    else if (strcmp(cmd, "denoise") == 0)
        rc = dae_denoise(m, o, w, files[0], files[1], &err);
    else
        rc = dae_train(m, o, &err);
    if (rc == 0)
        return 0;
    fprintf(stderr, "%s: %s\n", m->name, err.msg);
    return 1;
}

int dae_main(const dae_model *m, int argc, char **argv)
{
    const char *cmd = argc > 1 && argv[1][0] != '-' ? argv[1] : "train";
    int first = argc > 1 && argv[1][0] != '-' ? 2 : 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(m, stdout);
            return 0;
        }
    }
    if (strcmp(cmd, "summary") == 0) {
        fputs(m->summary, stdout);
        return 0;
    }
    int denoise = strcmp(cmd, "denoise") == 0;
    if (strcmp(cmd, "train") != 0 && strcmp(cmd, "eval") != 0 && !denoise) {
        fprintf(stderr, "%s: unknown command '%s' (commands: train, eval, "
                "denoise, summary)\n", m->name, cmd);
        return 2;
    }
    dae_run_options o;
    const char *files[2] = {NULL, NULL};
    memset(&o, 0, sizeof o);
    o.cfg = m->train;
    snprintf(o.out_dir, sizeof o.out_dir, "runs/%s", m->name);
    if (parse_options(m, argc - first, argv + first, &o, files, denoise ? 2 : 0) != 0)
        return 2;
    int train = strcmp(cmd, "train") == 0;
    if (train ? o.weights_path != NULL : o.init_path != NULL) {
        fprintf(stderr, "%s: %s takes %s; --init FILE starts training from "
                "weights, --weights FILE names those that eval and denoise use\n",
                m->name, cmd, train ? "--init, not --weights" : "--weights, not --init");
        return 2;
    }
    if (o.resume && o.init_path) {
        fprintf(stderr, "%s: --resume continues a run; it cannot also start "
                "from --init weights\n", m->name);
        return 2;
    }
    /* Before any thread starts: the restarted program parses argv again. */
    dae_blas_core_restart(argv);
    if (o.threads) {
        /* one count for the GEMMs and for the runtime's helper threads */
        openblas_set_num_threads(o.threads);
        dae_parallel_set_threads(o.threads);
    }
    return run_command(m, cmd, &o, files);
}
