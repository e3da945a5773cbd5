#include "noise.h"

static float corrupt(const dae_train_config *c, dae_rng *r, float x)
{
    switch (c->noise) {
    case DAE_NOISE_SALT_PEPPER:
        if (dae_rng_uniform(r) < c->amount)
            return dae_rng_uniform(r) < 0.5f ? 0.0f : 1.0f;
        return x;
    case DAE_NOISE_MASKING:
        return dae_rng_uniform(r) < c->rate ? 0.0f : x;
    case DAE_NOISE_NONE:
    case DAE_NOISE_GAUSSIAN: /* see gaussian() */
        break;
    }
    return x;
}

static float clip(const dae_train_config *c, float v)
{
    if (!c->clip)
        return v;
    return v < c->clip_lo ? c->clip_lo : v > c->clip_hi ? c->clip_hi : v;
}

/* Gaussian noise in chunks, two normals per Box-Muller draw. */
static void gaussian(const dae_train_config *c, dae_rng *r, size_t n,
                     const unsigned char *clean, float *noisy)
{
    enum { CHUNK = 4096 };
    float z[CHUNK];
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t m = n - at < CHUNK ? n - at : CHUNK;
        dae_rng_normals(r, z, m);
        for (size_t i = 0; i < m; i++) {
            float x = (float)clean[at + i] / 255.0f;
            noisy[at + i] = clip(c, x + (c->mean + c->sigma * z[i]));
        }
    }
}

void dae_noise_apply(const dae_train_config *c, dae_rng *r, size_t n,
                     const unsigned char *clean, float *noisy)
{
    if (c->noise == DAE_NOISE_GAUSSIAN) {
        gaussian(c, r, n, clean, noisy);
        return;
    }
    for (size_t i = 0; i < n; i++)
        noisy[i] = clip(c, corrupt(c, r, (float)clean[i] / 255.0f));
}
