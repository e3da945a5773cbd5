/* dae_parse (parse.h): the tree of one source text. The scanner and the
 * parser themselves live in grammar/dae.l and grammar/dae.y; this file
 * only owns the result, so it needs no generated scanner header. */
#include "parse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "dae.tab.h"

ast_file *dae_parse(const char *src, size_t len, diag_ctx *d)
{
    ast_file *f = calloc(1, sizeof *f);
    if (!f) {
        fputs("daec: out of memory\n", stderr);
        exit(1);
    }
    /* The flex buffer API takes an int length (plus two bytes it adds). */
    if (len > (size_t)INT_MAX - 2) {
        diag_error(d, (dae_loc){0, 0, 0, 0}, "file too large (%zu bytes)", len);
        return f;
    }
    dae_run_parser(src, len, d, f);
    return f;
}
