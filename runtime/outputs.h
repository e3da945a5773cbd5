/* The pictures a run leaves in its directory: learning_curve.png after
 * every epoch, and at the end samples.png (noisy / denoised / original for
 * the first test images) with the same images as samples.safetensors, from
 * which `make article` composes its comparison of several models. */
#ifndef DAE_OUTPUTS_H
#define DAE_OUTPUTS_H

#include "error.h"
#include "history.h"
#include "idx.h"
#include "session.h"

#define DAE_SAMPLES 10

int dae_write_learning_curve(const dae_model *m, const dae_history *h,
                             const char *out_dir, dae_error *err);

/* noisy holds the corrupted test split, clean the test images. */
int dae_write_samples(dae_session *s, const float *noisy, const dae_images *clean,
                      const char *out_dir, dae_error *err);

#endif
