#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "outputs.h"
#include "plot.h"
#include "safetensors.h"

int dae_write_learning_curve(const dae_model *m, const dae_history *h,
                             const char *out_dir, dae_error *err)
{
    char path[4200], title[200];
    snprintf(path, sizeof path, "%s/learning_curve.png", out_dir);
    snprintf(title, sizeof title, "%s: loss per epoch", m->name);
    dae_series series[2] = {{"train", h->loss, h->n},
                            {"validation", h->val_loss, h->n}};
    dae_curve_panel panel = {title, series, 2};
    return dae_plot_curves(path, NULL, &panel, 1, err);
}

/* The model's outputs for the first n noisy images, a batch at a time. */
static void denoise_first(dae_session *s, const float *noisy, int n, float *out)
{
    size_t d = s->m->in_size;
    for (int first = 0; first < n; first += s->batch_max) {
        int B = n - first < s->batch_max ? n - first : s->batch_max;
        const float *y = dae_session_predict(s, noisy + (size_t)first * d, B);
        memcpy(out + (size_t)first * d, y, (size_t)B * d * sizeof(float));
    }
}

static int save_tensors(const dae_model *m, const float *rows, int n,
                        const dae_images *img, const char *out_dir, dae_error *err)
{
    static const char *const names[3] = {"noisy", "denoised", "clean"};
    char path[4200];
    snprintf(path, sizeof path, "%s/samples.safetensors", out_dir);
    size_t per = (size_t)n * (size_t)img->rows * (size_t)img->cols;
    dae_st_entry e[3];
    for (int r = 0; r < 3; r++)
        e[r] = (dae_st_entry){names[r], 3, {n, img->rows, img->cols}, rows + r * per};
    const char *meta[] = {"format", "daec-samples", "model", m->name, NULL};
    return dae_st_write(path, e, 3, meta, err);
}

int dae_write_samples(dae_session *s, const float *noisy, const dae_images *clean,
                      const char *out_dir, dae_error *err)
{
    int n = clean->n < DAE_SAMPLES ? clean->n : DAE_SAMPLES;
    size_t d = s->m->in_size;
    if (n == 0 || d != (size_t)clean->rows * (size_t)clean->cols)
        return 0; /* not single-channel images: nothing to show */
    float *rows = malloc(3 * (size_t)n * d * sizeof(float));
    if (!rows)
        return dae_fail(err, "out of memory for the sample images");
    memcpy(rows, noisy, (size_t)n * d * sizeof(float));
    denoise_first(s, noisy, n, rows + (size_t)n * d);
    for (size_t i = 0; i < (size_t)n * d; i++)
        rows[2 * (size_t)n * d + i] = (float)clean->pixels[i] / 255.0f;
    static const char *const labels[3] = {"noisy", "denoised", "original"};
    char path[4200], title[200];
    snprintf(path, sizeof path, "%s/samples.png", out_dir);
    snprintf(title, sizeof title, "%s: the first %d test images", s->m->name, n);
    dae_grid g = {3, n, clean->rows, clean->cols, labels, rows, title};
    int rc = dae_plot_grid(path, &g, err);
    if (rc == 0)
        rc = save_tensors(s->m, rows, n, clean, out_dir, err);
    free(rows);
    return rc;
}
