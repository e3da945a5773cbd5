/* article: the article's two figures and its numbers, from trained runs.
 *
 *   article OUT_DIR LABEL=RUN_DIR LABEL=RUN_DIR ...
 *
 * Each RUN_DIR is a trainer's run directory after `train` and `eval`
 * (history.csv, samples.safetensors, eval.csv). Writes to OUT_DIR:
 *   Learning_Curves.png  one panel of train/validation loss per model
 *   Comparisons.png      rows noisy, one per model, original; 10 columns
 *   metrics.md           val_loss, MSE, PSNR and SSIM against the clean
 *                        test images, of the noisy inputs and each model
 * `make article` runs it on specs/ff.dae and specs/conv.dae. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"
#include "plot.h"
#include "safetensors.h"
#include "trainer.h"

#define MAX_RUNS 6

typedef struct run_files {
    const char *label, *dir;
    dae_history hist;
    dae_st_file samples;
    const float *noisy, *denoised, *clean;
    int n, h, w;
    double noisy_scores[3], scores[3]; /* eval.csv: MSE, PSNR, SSIM */
    int has_eval;
} run_files;

static char *read_text(const char *path, dae_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return dae_fail(err, "cannot open %s (train and eval the model first)", path),
               NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            char *t = realloc(text, cap = 2 * cap + 4096 + 1);
            if (!t) {
                free(text);
                fclose(f);
                return dae_fail(err, "out of memory reading %s", path), NULL;
            }
            text = t;
        }
        got = fread(text + len, 1, 4096, f);
        len += got;
    } while (got == 4096);
    fclose(f);
    text[len] = 0;
    return text;
}

static int load_history(run_files *r, dae_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/history.csv", r->dir);
    char *text = read_text(path, err);
    if (!text)
        return -1;
    const char *header = "epoch,loss,val_loss,seconds\n";
    int rc = strncmp(text, header, strlen(header)) == 0
                 ? dae_history_parse(&r->hist, text + strlen(header), err)
                 : dae_fail(err, "%s: not a daec history.csv", path);
    free(text);
    if (rc == 0 && r->hist.n == 0)
        rc = dae_fail(err, "%s has no epochs", path);
    return rc;
}

/* noisy, denoised and clean, each [n, h, w] of the same shape. */
static int load_samples(run_files *r, dae_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/samples.safetensors", r->dir);
    if (dae_st_read(path, &r->samples, err) != 0)
        return -1;
    const dae_st_tensor *t = dae_st_find(&r->samples, "noisy");
    if (!t || t->rank != 3 || t->shape[0] < 1 || t->shape[0] > 100)
        return dae_fail(err, "%s: no [n, h, w] tensor 'noisy'", path);
    r->n = (int)t->shape[0], r->h = (int)t->shape[1], r->w = (int)t->shape[2];
    int shape[3] = {r->n, r->h, r->w};
    if (dae_st_expect(&r->samples, "noisy", 3, shape, &r->noisy, err) != 0
        || dae_st_expect(&r->samples, "denoised", 3, shape, &r->denoised, err) != 0
        || dae_st_expect(&r->samples, "clean", 3, shape, &r->clean, err) != 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return dae_fail(err, "%s: %s", path, why);
    }
    return 0;
}

/* eval.csv: a header, then "noisy,,MSE,PSNR,SSIM" and
 * "denoised,LOSS,MSE,PSNR,SSIM". */
static void load_eval(run_files *r)
{
    char path[4200];
    dae_error ignored;
    snprintf(path, sizeof path, "%s/eval.csv", r->dir);
    char *text = read_text(path, &ignored);
    const char *noisy = text ? strstr(text, "\nnoisy,,") : NULL;
    const char *out = text ? strstr(text, "\ndenoised,") : NULL;
    double loss;
    r->has_eval = text && strncmp(text, "images,loss,mse,psnr,ssim\n", 26) == 0
        && noisy && out
        && sscanf(noisy, "\nnoisy,,%lf,%lf,%lf", &r->noisy_scores[0],
                  &r->noisy_scores[1], &r->noisy_scores[2]) == 3
        && sscanf(out, "\ndenoised,%lf,%lf,%lf,%lf", &loss, &r->scores[0],
                  &r->scores[1], &r->scores[2]) == 4;
    free(text);
}

static int learning_curves(const char *out, run_files *runs, int n, dae_error *err)
{
    dae_series series[MAX_RUNS][2];
    dae_curve_panel panels[MAX_RUNS];
    for (int i = 0; i < n; i++) {
        series[i][0] = (dae_series){"train", runs[i].hist.loss, runs[i].hist.n};
        series[i][1] = (dae_series){"validation", runs[i].hist.val_loss, runs[i].hist.n};
        panels[i] = (dae_curve_panel){runs[i].label, series[i], 2};
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/Learning_Curves.png", out);
    return dae_plot_curves(path, "Learning curves (binary cross-entropy)", panels, n, err);
}

static int comparisons(const char *out, run_files *runs, int n, dae_error *err)
{
    int cols = runs[0].n, h = runs[0].h, w = runs[0].w;
    size_t per = (size_t)cols * (size_t)h * (size_t)w;
    for (int i = 1; i < n; i++) {
        if (runs[i].n != cols || runs[i].h != h || runs[i].w != w)
            return dae_fail(err, "the samples of %s and %s differ in size", runs[0].dir,
                            runs[i].dir);
        if (memcmp(runs[i].noisy, runs[0].noisy, per * sizeof(float)) != 0)
            fprintf(stderr, "article: warning: %s and %s saw different noisy "
                    "images (another seed or noise?)\n", runs[0].dir, runs[i].dir);
    }
    float *px = malloc((size_t)(n + 2) * per * sizeof(float));
    const char *labels[MAX_RUNS + 2];
    if (!px)
        return dae_fail(err, "out of memory for the comparison grid");
    labels[0] = "noisy";
    memcpy(px, runs[0].noisy, per * sizeof(float));
    for (int i = 0; i < n; i++) {
        labels[i + 1] = runs[i].label;
        memcpy(px + (size_t)(i + 1) * per, runs[i].denoised, per * sizeof(float));
    }
    labels[n + 1] = "original";
    memcpy(px + (size_t)(n + 1) * per, runs[0].clean, per * sizeof(float));
    char path[4200];
    snprintf(path, sizeof path, "%s/Comparisons.png", out);
    dae_grid g = {n + 2, cols, h, w, labels, px, "Denoising the first test images"};
    int rc = dae_plot_grid(path, &g, err);
    free(px);
    return rc;
}

typedef struct metrics_ctx {
    const run_files *runs;
    int n;
} metrics_ctx;

static int write_metrics(FILE *f, const void *ctx)
{
    const metrics_ctx *c = ctx;
    const run_files *r0 = &c->runs[0];
    fprintf(f, "# Denoising MNIST: the noisy inputs and each model against the "
               "clean test images\n\n");
    fprintf(f, "| images | epochs | val_loss | MSE | PSNR (dB) | SSIM |\n"
               "|---|---:|---:|---:|---:|---:|\n");
    fprintf(f, "| noisy input | | | %.4f | %.2f | %.3f |\n", r0->noisy_scores[0],
            r0->noisy_scores[1], r0->noisy_scores[2]);
    for (int i = 0; i < c->n; i++) {
        const run_files *r = &c->runs[i];
        fprintf(f, "| %s | %d | %.4f | %.4f | %.2f | %.3f |\n", r->label, r->hist.n,
                (double)r->hist.val_loss[r->hist.n - 1], r->scores[0],
                r->scores[1], r->scores[2]);
    }
    fprintf(f, "\nval_loss is the last epoch's, from history.csv; MSE, PSNR "
               "(data range 1) and SSIM (7x7 window) are `eval` over the whole "
               "test split with the same noise. Runs:");
    for (int i = 0; i < c->n; i++)
        fprintf(f, " %s `%s`%s", c->runs[i].label, c->runs[i].dir,
                i + 1 < c->n ? "," : ".\n");
    return ferror(f) ? -1 : 0;
}

static int metrics(const char *out, run_files *runs, int n, dae_error *err)
{
    for (int i = 0; i < n; i++)
        if (!runs[i].has_eval)
            return dae_fail(err, "%s/eval.csv is missing or not daec's "
                            "(run the trainer's eval command)", runs[i].dir);
    char path[4200];
    metrics_ctx ctx = {runs, n};
    snprintf(path, sizeof path, "%s/metrics.md", out);
    return dae_write_atomic(path, write_metrics, &ctx, err);
}

static int article(const char *out, run_files *runs, int n, dae_error *err)
{
    for (int i = 0; i < n; i++) {
        if (load_history(&runs[i], err) != 0 || load_samples(&runs[i], err) != 0)
            return -1;
        load_eval(&runs[i]);
    }
    if (dae_make_dirs(out, err) != 0 || learning_curves(out, runs, n, err) != 0
        || comparisons(out, runs, n, err) != 0 || metrics(out, runs, n, err) != 0)
        return -1;
    printf("article: wrote %s/Learning_Curves.png, %s/Comparisons.png and "
           "%s/metrics.md\n", out, out, out);
    return 0;
}

int main(int argc, char **argv)
{
    run_files runs[MAX_RUNS];
    memset(runs, 0, sizeof runs);
    int n = argc - 2;
    if (argc < 3 || n > MAX_RUNS) {
        fprintf(stderr, "usage: article OUT_DIR LABEL=RUN_DIR ... (1 to %d runs)\n",
                MAX_RUNS);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        char *eq = strchr(argv[i + 2], '=');
        if (!eq || eq == argv[i + 2] || !eq[1]) {
            fprintf(stderr, "article: '%s' is not LABEL=RUN_DIR\n", argv[i + 2]);
            return 2;
        }
        *eq = 0;
        runs[i].label = argv[i + 2];
        runs[i].dir = eq + 1;
    }
    dae_error err;
    int rc = article(argv[1], runs, n, &err);
    if (rc != 0)
        fprintf(stderr, "article: %s\n", err.msg);
    for (int i = 0; i < n; i++) {
        dae_history_free(&runs[i].hist);
        dae_st_free(&runs[i].samples);
    }
    return rc == 0 ? 0 : 1;
}
