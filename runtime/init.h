/* Weight initializers, Keras VarianceScaling semantics. fan_in/fan_out are
 * the Keras fans (for conv kernels they include the receptive field). */
#ifndef DAE_INIT_H
#define DAE_INIT_H

#include <stddef.h>
#include "rng.h"

typedef enum dae_init {
    DAE_GLOROT_UNIFORM, /* U[-l, l), l = sqrt(6/(fan_in+fan_out)) */
    DAE_GLOROT_NORMAL,  /* truncated normal (2 sd), sd = sqrt(2/(fi+fo))/.87962566 */
    DAE_HE_UNIFORM,     /* U[-l, l), l = sqrt(6/fan_in) */
    DAE_HE_NORMAL,      /* truncated normal (2 sd), sd = sqrt(2/fi)/.87962566 */
    DAE_ZEROS
} dae_init;

void dae_init_fill(dae_init kind, dae_rng *r, float *w, size_t n, int fan_in,
                   int fan_out);
const char *dae_init_name(dae_init kind);

#endif
