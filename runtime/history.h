/* runs/NAME/history.csv: epoch,loss,val_loss,seconds, rewritten atomically
 * after every epoch so a killed run leaves a complete file behind. */
#ifndef DAE_HISTORY_H
#define DAE_HISTORY_H

#include <stdio.h>
#include "error.h"

typedef struct dae_history {
    int n, cap;
    float *loss, *val_loss;
    double *seconds;
} dae_history;

int dae_history_add(dae_history *h, float loss, float val_loss, double seconds,
                    dae_error *err);
int dae_history_write(const dae_history *h, const char *path, dae_error *err);
void dae_history_free(dae_history *h);
/* The rows of history.csv without its header (malloc'd), or NULL. */
char *dae_history_text(const dae_history *h);
/* Appends the rows of such a text; %.9g floats read back exactly. */
int dae_history_parse(dae_history *h, const char *text, dae_error *err);

/* Writes a file through PATH.tmp, fsync and rename. write_fn fills it. */
int dae_write_atomic(const char *path, int (*write_fn)(FILE *f, const void *ctx),
                     const void *ctx, dae_error *err);

#endif
