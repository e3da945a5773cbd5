/* replay: runs one fuzz target's LLVMFuzzerTestOneInput on each file named
 * on the command line, in order, with no fuzzing engine. tests/fuzz/run
 * links it with every target (built with cc, optionally with ASan and
 * UBSan) and replays the corpora and the regressions through it.
 *
 * Prints nothing on success; a bad input crashes or trips a sanitizer,
 * as it did under the fuzzer. Without arguments it does nothing and exits
 * 0: tests/run runs every program in $B/tests without arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

/* The whole file, malloc'd to exactly its size (so ASan sees an overread
 * by one byte); NULL with a message on failure. */
static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || ferror(f))
            break;
        unsigned char *bigger = realloc(buf, cap *= 2);
        if (!bigger)
            free(buf);
        buf = bigger;
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    unsigned char *exact = malloc(n ? n : 1);
    if (exact && n)
        memcpy(exact, buf, n);
    free(buf);
    if (!exact)
        fprintf(stderr, "replay: out of memory for %s\n", path);
    *len = n;
    return exact;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        unsigned char *data = read_all(argv[i], &len);
        if (!data)
            return 2;
        LLVMFuzzerTestOneInput(data, len);
        free(data);
    }
    return 0;
}
