/* Errors travel as values: a function that can fail returns 0 on success or
 * -1 after writing one human-readable line into a dae_error. */
#ifndef DAE_ERROR_H
#define DAE_ERROR_H

typedef struct dae_error {
    char msg[512];
} dae_error;

/* Formats the message into err (if not NULL) and returns -1. */
int dae_fail(dae_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
