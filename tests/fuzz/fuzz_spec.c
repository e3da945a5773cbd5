/* fuzz_spec: the whole front end of daec on the input as a spec, as
 * compiler/main.c runs it: scanner, parser and checker, then for a spec
 * that passes, the model table and the C generator. Diagnostics and the
 * generated program go to /dev/null. Everything is freed, so a leak is a
 * finding like a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "diag.h"
#include "emit.h"
#include "fuzz.h"
#include "parse.h"
#include "summary.h"

static FILE *sink(void)
{
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w"))) {
        perror("fuzz_spec: /dev/null");
        abort();
    }
    return null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* main.c's read_spec hands the compiler a NUL-terminated copy. */
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    src[size] = 0;

    diag_ctx d;
    plan p;
    diag_init(&d, "fuzz.dae", src, size, sink());
    ast_file *f = dae_parse(src, size, &d);
    bool ok = f && check_spec(f, src, &d, &p);
    if (ok && d.errors == 0) {
        summary_print(sink(), &p);
        if (emit_program(sink(), &p) != 0) {
            fputs("fuzz_spec: emit_program failed writing to /dev/null\n", stderr);
            abort();
        }
    }
    if (f) {
        plan_free(&p);
        ast_file_free(f);
    }
    free(src);
    return 0;
}
