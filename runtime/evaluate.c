/* `eval`: the test split, corrupted exactly as validation during training
 * (same seed, same stream), through the trained model; loss, MSE, PSNR
 * and SSIM of the noisy inputs and of the denoised outputs against the
 * clean images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"
#include "history.h"
#include "metrics.h"
#include "noise.h"
#include "session.h"
#include "trainer.h"
#include "weights.h"

typedef struct scores {
    double loss, sq_err, ssim;
} scores;

/* Adds one batch's squared errors and SSIMs of got against clean. */
static void score(scores *s, const float *got, const float *clean, int B,
                  const dae_images *img)
{
    size_t d = (size_t)img->rows * (size_t)img->cols;
    for (int i = 0; i < B; i++) {
        s->sq_err += dae_mse(got + i * d, clean + i * d, d) * (double)d;
        s->ssim += dae_ssim(got + i * d, clean + i * d, img->rows, img->cols);
    }
}

static void report(const dae_model *m, const dae_run_options *o, const char *weights,
                   int n, const scores *noisy, const scores *out)
{
    double pixels = (double)n * (double)m->in_size;
    printf("%s on %d test images (%s, seed %ld)\n", m->name, n, weights, o->cfg.seed);
    printf("            %10s %10s %10s %8s\n", "loss", "MSE", "PSNR (dB)", "SSIM");
    printf("  noisy     %10s %10.6f %10.2f %8.4f\n", "",
           noisy->sq_err / pixels, dae_psnr(noisy->sq_err / pixels), noisy->ssim / n);
    printf("  denoised  %10.6f %10.6f %10.2f %8.4f\n", out->loss / n,
           out->sq_err / pixels, dae_psnr(out->sq_err / pixels), out->ssim / n);
}

typedef struct eval_table {
    double n, pixels;
    const scores *noisy, *out;
} eval_table;

static int write_csv(FILE *f, const void *ctx)
{
    const eval_table *t = ctx;
    double mse_noisy = t->noisy->sq_err / t->pixels, mse = t->out->sq_err / t->pixels;
    fprintf(f, "images,loss,mse,psnr,ssim\n");
    fprintf(f, "noisy,,%.9g,%.6f,%.6f\n", mse_noisy, dae_psnr(mse_noisy),
            t->noisy->ssim / t->n);
    fprintf(f, "denoised,%.9g,%.9g,%.6f,%.6f\n", t->out->loss / t->n, mse,
            dae_psnr(mse), t->out->ssim / t->n);
    return ferror(f) ? -1 : 0;
}

/* The same scores for scripts (make article): DIR/eval.csv. */
static int save_csv(const dae_model *m, const dae_run_options *o, int n,
                    const scores *noisy, const scores *out, dae_error *err)
{
    char path[4200];
    eval_table t = {n, (double)n * (double)m->in_size, noisy, out};
    snprintf(path, sizeof path, "%s/eval.csv", o->out_dir);
    if (dae_make_dirs(o->out_dir, err) != 0)
        return -1;
    return dae_write_atomic(path, write_csv, &t, err);
}

int dae_evaluate(const dae_model *m, const dae_run_options *o, const char *weights,
                 dae_error *err)
{
    const dae_train_config *c = &o->cfg;
    dae_dataset ds;
    dae_session s;
    dae_rng rng;
    if (dae_data_load(m, c, o->data_dir, &ds, err) != 0)
        return -1;
    int rc = dae_session_init(&s, m, c, c->batch, err);
    if (rc == 0)
        rc = dae_weights_load(m, s.net.params, weights, err);
    size_t d = m->in_size, total = (size_t)ds.test.n * d;
    float *test_noisy = malloc(total * sizeof(float));
    if (rc == 0 && !test_noisy)
        rc = dae_fail(err, "out of memory for the noisy test images");
    /* the whole split in one draw, exactly as training's validation */
    dae_rng_seed(&rng, (uint64_t)c->seed, DAE_STREAM_TEST_NOISE);
    if (rc == 0)
        dae_noise_apply(c, &rng, total, ds.test.pixels, test_noisy);
    scores noisy = {0}, out = {0};
    for (int first = 0; rc == 0 && first < ds.test.n; first += c->batch) {
        int B = ds.test.n - first < c->batch ? ds.test.n - first : c->batch;
        const unsigned char *px = ds.test.pixels + (size_t)first * d;
        memcpy(s.xbuf, test_noisy + (size_t)first * d, (size_t)B * d * sizeof(float));
        for (size_t i = 0; i < (size_t)B * d; i++)
            s.tbuf[i] = (float)px[i] / 255.0f;
        out.loss += (double)B * dae_session_loss(&s, s.xbuf, s.tbuf, B);
        const float *y = s.net.acts + (size_t)B * m->out_offset;
        score(&out, y, s.tbuf, B, &ds.test);
        score(&noisy, s.xbuf, s.tbuf, B, &ds.test);
    }
    if (rc == 0) {
        report(m, o, weights, ds.test.n, &noisy, &out);
        rc = save_csv(m, o, ds.test.n, &noisy, &out, err);
    }
    free(test_noisy);
    dae_session_free(&s);
    dae_dataset_free(&ds);
    return rc;
}
