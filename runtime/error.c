/* Errors as values: see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int dae_fail(dae_error *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return -1;
    va_start(ap, fmt);
    /* vsnprintf truncates long messages and always terminates them. */
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}
