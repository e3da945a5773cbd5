/* A model's parameters as safetensors: tensor names layers.I.kernel and
 * layers.I.bias in Keras layouts, __metadata__ with model name and spec
 * hash. Any file whose names, dtypes and shapes fit loads; a different
 * spec hash is only a warning. */
#ifndef DAE_WEIGHTS_H
#define DAE_WEIGHTS_H

#include "error.h"
#include "model.h"
#include "safetensors.h"

/* One safetensors entry per parameter tensor, e[0..n_params), pointing
 * into params (for writers that add tensors of their own). */
void dae_weights_entries(const dae_model *m, const float *params, dae_st_entry *e);

int dae_weights_save(const dae_model *m, const float *params, const char *path,
                     dae_error *err);
/* Fills params (param_count floats); on failure params is untouched. */
int dae_weights_load(const dae_model *m, float *params, const char *path,
                     dae_error *err);

#endif
