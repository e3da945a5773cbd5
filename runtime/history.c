#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "history.h"

int dae_history_add(dae_history *h, float loss, float val_loss, double seconds,
                    dae_error *err)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        float *l = realloc(h->loss, (size_t)cap * sizeof *l);
        if (l)
            h->loss = l;
        float *v = realloc(h->val_loss, (size_t)cap * sizeof *v);
        if (v)
            h->val_loss = v;
        double *s = realloc(h->seconds, (size_t)cap * sizeof *s);
        if (s)
            h->seconds = s;
        if (!l || !v || !s)
            return dae_fail(err, "out of memory for the history");
        h->cap = cap;
    }
    h->loss[h->n] = loss;
    h->val_loss[h->n] = val_loss;
    h->seconds[h->n] = seconds;
    h->n++;
    return 0;
}

static int write_csv(FILE *f, const void *ctx)
{
    const dae_history *h = ctx;
    fprintf(f, "epoch,loss,val_loss,seconds\n");
    for (int i = 0; i < h->n; i++)
        fprintf(f, "%d,%.9g,%.9g,%.3f\n", i + 1, (double)h->loss[i],
                (double)h->val_loss[i], h->seconds[i]);
    return ferror(f) ? -1 : 0;
}

int dae_history_write(const dae_history *h, const char *path, dae_error *err)
{
    return dae_write_atomic(path, write_csv, h, err);
}

void dae_history_free(dae_history *h)
{
    free(h->loss);
    free(h->val_loss);
    free(h->seconds);
    memset(h, 0, sizeof *h);
}

int dae_write_atomic(const char *path, int (*write_fn)(FILE *f, const void *ctx),
                     const void *ctx, dae_error *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return dae_fail(err, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return dae_fail(err, "cannot write %s: %s", tmp, strerror(errno));
    int bad = write_fn(f, ctx) != 0;
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    int saved = errno;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        if (!bad)
            saved = errno;
        remove(tmp);
        return dae_fail(err, "cannot write %s: %s", path,
                        saved ? strerror(saved) : "write error");
    }
    return 0;
}
