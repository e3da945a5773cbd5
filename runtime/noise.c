#include "noise.h"

static float corrupt(const dae_train_config *c, dae_rng *r, float x)
{
    switch (c->noise) {
    case DAE_NOISE_GAUSSIAN:
        return x + (c->mean + c->sigma * dae_rng_normal(r));
    case DAE_NOISE_SALT_PEPPER:
        if (dae_rng_uniform(r) < c->amount)
            return dae_rng_uniform(r) < 0.5f ? 0.0f : 1.0f;
        return x;
    case DAE_NOISE_MASKING:
        return dae_rng_uniform(r) < c->rate ? 0.0f : x;
    case DAE_NOISE_NONE:
        break;
    }
    return x;
}

void dae_noise_apply(const dae_train_config *c, dae_rng *r, size_t n,
                     const unsigned char *clean, float *noisy)
{
    for (size_t i = 0; i < n; i++) {
        float v = corrupt(c, r, (float)clean[i] / 255.0f);
        if (c->clip)
            v = v < c->clip_lo ? c->clip_lo : v > c->clip_hi ? c->clip_hi : v;
        noisy[i] = v;
    }
}
