/* GCC-style diagnostics: `file:line:col: error: message`, then the source
 * line and a caret with a tilde underline over the location. */
#ifndef DAEC_DIAG_H
#define DAEC_DIAG_H

#include <stdio.h>
#include "ast.h"

typedef struct diag_ctx {
    const char *path;      /* as given on the command line */
    const char *src;       /* the whole file */
    size_t len;
    FILE *out;             /* stderr */
    int errors, warnings;
} diag_ctx;

void diag_init(diag_ctx *d, const char *path, const char *src, size_t len, FILE *out);
void diag_error(diag_ctx *d, dae_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(diag_ctx *d, dae_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_note(diag_ctx *d, dae_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The candidate closest to word by edit distance, if close enough to be a
 * plausible typo; NULL otherwise. candidates ends with NULL. */
const char *diag_suggest(const char *word, const char *const *candidates);

/* "a, b, c" from a NULL-terminated list, cut to fit buf. */
const char *diag_join(const char *const *words, char *buf, size_t n);

#endif
