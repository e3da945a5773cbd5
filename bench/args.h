/* The bench tools' count arguments: a positive integer no larger than
 * max, or the tool names the argument, prints its usage and exits 2. */
#ifndef DAE_BENCH_ARGS_H
#define DAE_BENCH_ARGS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static inline long bench_count(const char *tool, const char *usage,
                               const char *arg, const char *what, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 1 || v > max) {
        fprintf(stderr, "%s: %s must be a positive integer, not '%s'\n"
                "usage: %s %s\n", tool, what, arg, tool, usage);
        exit(2);
    }
    return v;
}

#endif
