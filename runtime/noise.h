/* Corruption of clean images into noisy inputs, as the article's Keras
 * recipe does: noisy = clip(clean/255 + noise, lo, hi), in float32. */
#ifndef DAE_NOISE_H
#define DAE_NOISE_H

#include <stddef.h>
#include "model.h"
#include "rng.h"

/* The random streams of a run, all from its seed: changing how one is
 * used never shifts another. */
enum dae_stream {
    DAE_STREAM_INIT = 1,
    DAE_STREAM_TRAIN_NOISE,
    DAE_STREAM_TEST_NOISE,
    DAE_STREAM_SHUFFLE
};

/* Writes n noisy values from n clean pixel bytes. */
void dae_noise_apply(const dae_train_config *c, dae_rng *r, size_t n,
                     const unsigned char *clean, float *noisy);

#endif
