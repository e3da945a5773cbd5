/* Minimal test reporting shared by tests/unit: each check prints one line,
 * "ok NAME" or "not ok NAME: why", which tests/run counts. */
#ifndef DAE_TEST_CHECK_H
#define DAE_TEST_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int check_failures;

static inline void check_report(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void check_report(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    printf("%s %s", ok ? "ok" : "not ok", name);
    if (fmt && *fmt) {
        printf(ok ? " (" : ": ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        if (ok)
            printf(")");
    }
    printf("\n");
    fflush(stdout);
    if (!ok)
        check_failures++;
}

/* Largest relative difference max|a-b| / max(max|b|, floor) over n values. */
static inline double check_max_rel(const float *a, const float *b, size_t n, double floor_)
{
    double maxdiff = 0, maxref = floor_;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > maxdiff || d != d)
            maxdiff = d != d ? INFINITY : d;
        if (fabs((double)b[i]) > maxref)
            maxref = fabs((double)b[i]);
    }
    return maxdiff / maxref;
}

typedef double (*scalar_fn)(void *ctx);

/* Central differences of f with respect to p[0..n), written to g. The step
 * is measured after rounding p +- h to float. */
static inline void numeric_grad(scalar_fn f, void *ctx, float *p, size_t n,
                                float h, float *g)
{
    for (size_t i = 0; i < n; i++) {
        float p0 = p[i], up, down;
        double fp, fm;

        p[i] = p0 + h;
        up = p[i];
        fp = f(ctx);
        p[i] = p0 - h;
        down = p[i];
        fm = f(ctx);
        p[i] = p0;
        g[i] = (float)((fp - fm) / ((double)up - (double)down));
    }
}

#endif
