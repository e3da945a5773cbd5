/* The training and validation images a spec names: mnist (data/mnist),
 * fashion_mnist (Debian's dataset-fashion-mnist), or idx files. */
#ifndef DAE_DATA_H
#define DAE_DATA_H

#include "error.h"
#include "idx.h"
#include "model.h"

typedef struct dae_dataset {
    dae_images train, test;
} dae_dataset;

/* Loads both splits and checks they fit the model. dir (may be NULL)
 * overrides where the standard IDX names are looked for. */
int dae_data_load(const dae_model *m, const dae_train_config *c,
                  const char *dir, dae_dataset *ds, dae_error *err);
void dae_dataset_free(dae_dataset *ds);

#endif
