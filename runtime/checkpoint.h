/* runs/NAME/checkpoint.safetensors: everything a run needs to continue
 * exactly where it stopped. The weights under their usual names (so a
 * checkpoint also loads with --weights), the optimizer state as
 * optimizer.m and optimizer.v, and in __metadata__ the epochs done, the
 * optimizer step, both random streams and the history so far. */
#ifndef DAE_CHECKPOINT_H
#define DAE_CHECKPOINT_H

#include "error.h"
#include "history.h"
#include "rng.h"
#include "session.h"

typedef struct dae_checkpoint {
    int epoch;                     /* epochs completed */
    dae_rng noise_rng, shuffle_rng;
    long n_train;                  /* training images used */
    dae_history *hist;             /* one row per completed epoch */
} dae_checkpoint;

/* Writes the session and c to path atomically (tmp, fsync, rename): a
 * failure leaves the previous checkpoint as it was. */
int dae_checkpoint_save(const dae_session *s, const dae_checkpoint *c,
                        const char *path, dae_error *err);

/* Restores the session's weights, optimizer state and step, and fills c
 * (c->hist must be empty). Refuses, with one line saying why, a file of
 * another model or spec, or one made with another seed, batch size,
 * optimizer or amount of data. Nothing is changed on failure. */
int dae_checkpoint_load(dae_session *s, dae_checkpoint *c, const char *path,
                        dae_error *err);

#endif
