/* The C generator: plan -> one readable C file that links the runtime. */
#ifndef DAEC_EMIT_H
#define DAEC_EMIT_H

#include <stdio.h>
#include "plan.h"

typedef struct emit_ctx {
    FILE *out;
    const plan *p;
} emit_ctx;

/* Writes the whole trainer source. Returns 0, or -1 on a write error. */
int emit_program(FILE *out, const plan *p);
/* A C string literal for any bytes: quotes, backslashes, newlines, "??"
 * trigraph starts and non-printables are escaped. */
void emit_c_string(FILE *out, const char *s);
/* Printf-like output, indented by one level, ending in a newline. */
void emit_line(emit_ctx *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A float literal that C reads back exactly: "0.2f", "1.0f", "1e-07f". */
const char *emit_float(double x, char buf[40]);

#endif
