/* Keras-like progress: a live bar (steps, ETA, running loss) on a
 * terminal, one line per epoch otherwise, nothing with --quiet. */
#ifndef DAE_PROGRESS_H
#define DAE_PROGRESS_H

#include <stdio.h>

typedef struct dae_progress {
    FILE *out;
    int live, quiet;
    int epoch, epochs;
    long total;
    double start, last_draw;
} dae_progress;

/* Wall-clock seconds from a monotonic clock. */
double dae_seconds(void);

void dae_progress_init(dae_progress *p, FILE *out, int quiet, int epochs);
void dae_progress_epoch(dae_progress *p, int epoch, long total_steps);
void dae_progress_step(dae_progress *p, long step, float running_loss);
void dae_progress_done(dae_progress *p, float loss, float val_loss, double secs);
/* Ends a live bar's line, so that an error starts on a line of its own. */
void dae_progress_abort(dae_progress *p);

#endif
