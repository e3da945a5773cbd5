/* The bench tools' training batch: the session's input and target buffers
 * filled with noise in [0, 1), the same every run. The shapes, not the
 * values, decide which products run and how long they take. */
#ifndef DAE_BENCH_NOISE_BATCH_H
#define DAE_BENCH_NOISE_BATCH_H

#include "session.h"

static inline void noise_batch(dae_session *s, int B)
{
    for (size_t i = 0; i < (size_t)B * s->m->in_size; i++) {
        s->xbuf[i] = (float)((i * 2654435761u) % 1024u) / 1024.0f;
        s->tbuf[i] = (float)((i * 40503u) % 1024u) / 1024.0f;
    }
}

#endif
