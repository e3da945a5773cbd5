/* Corruption of clean images into noisy inputs, as the article's Keras
 * recipe does: noisy = clip(clean/255 + noise, lo, hi), in float32. */
#ifndef DAE_NOISE_H
#define DAE_NOISE_H

#include <stddef.h>
#include "model.h"
#include "rng.h"

/* Writes n noisy values from n clean pixel bytes. */
void dae_noise_apply(const dae_train_config *c, dae_rng *r, size_t n,
                     const unsigned char *clean, float *noisy);

#endif
