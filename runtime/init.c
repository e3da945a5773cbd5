/* Keras VarianceScaling initializers. Keras draws from TF's Philox, which C
 * cannot reproduce; the distributions are the same. */
#include "init.h"

#include <math.h>

/* Stddev of a standard normal truncated to (-2, 2); dividing by it gives
 * the truncated draw the requested variance (Keras's constant). */
#define TRUNC_NORMAL_SD 0.87962566103423978

/* scale/n of VarianceScaling: glorot is scale 1 over fan_avg, he is
 * scale 2 over fan_in; n is at least 1 as in Keras. */
static double variance(dae_init kind, int fan_in, int fan_out)
{
    int glorot = kind == DAE_GLOROT_UNIFORM || kind == DAE_GLOROT_NORMAL;
    double n = glorot ? ((double)fan_in + (double)fan_out) / 2.0 : fan_in;

    return (glorot ? 1.0 : 2.0) / (n > 1.0 ? n : 1.0);
}

/* tf.random.uniform(minval=-l, maxval=l): lo + (hi - lo) * u, u in [0, 1). */
static void fill_uniform(dae_rng *r, float *w, size_t n, double var)
{
    float hi = (float)sqrt(3.0 * var), lo = -hi, range = hi - lo;

    for (size_t i = 0; i < n; i++)
        w[i] = lo + range * dae_rng_uniform(r);
}

/* tf.random.truncated_normal: redraw until |z| < 2. */
static void fill_truncated(dae_rng *r, float *w, size_t n, double var)
{
    float sd = (float)(sqrt(var) / TRUNC_NORMAL_SD);

    for (size_t i = 0; i < n; i++) {
        float z;
        do
            z = dae_rng_normal(r);
        while (!(fabsf(z) < 2.0f));
        w[i] = z * sd;
    }
}

void dae_init_fill(dae_init kind, dae_rng *r, float *w, size_t n, int fan_in,
                   int fan_out)
{
    switch (kind) {
    case DAE_GLOROT_UNIFORM:
    case DAE_HE_UNIFORM:
        fill_uniform(r, w, n, variance(kind, fan_in, fan_out));
        return;
    case DAE_GLOROT_NORMAL:
    case DAE_HE_NORMAL:
        fill_truncated(r, w, n, variance(kind, fan_in, fan_out));
        return;
    case DAE_ZEROS:
        break;
    }
    for (size_t i = 0; i < n; i++)
        w[i] = 0.0f;
}

const char *dae_init_name(dae_init kind)
{
    switch (kind) {
    case DAE_GLOROT_UNIFORM: return "glorot_uniform";
    case DAE_GLOROT_NORMAL: return "glorot_normal";
    case DAE_HE_UNIFORM: return "he_uniform";
    case DAE_HE_NORMAL: return "he_normal";
    case DAE_ZEROS: return "zeros";
    }
    return "unknown";
}
