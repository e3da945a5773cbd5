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

#define ROW_MAX 96 /* "%d,%.9g,%.9g,%.3f\n" of any values fits */

char *dae_history_text(const dae_history *h)
{
    char *text = malloc((size_t)h->n * ROW_MAX + 1), *p = text;
    if (!text)
        return NULL;
    *p = 0;
    for (int i = 0; i < h->n; i++) {
        int len = snprintf(p, ROW_MAX, "%d,%.9g,%.9g,%.3f\n", i + 1,
                           (double)h->loss[i], (double)h->val_loss[i], h->seconds[i]);
        p += len < ROW_MAX ? len : ROW_MAX - 1;
    }
    return text;
}

int dae_history_parse(dae_history *h, const char *text, dae_error *err)
{
    if (!text)
        return dae_fail(err, "no history");
    for (const char *p = text; *p;) {
        char *end;
        long epoch = strtol(p, &end, 10);
        if (epoch != h->n + 1 || *end != ',')
            return dae_fail(err, "history row %d is not epoch %d", h->n + 1, h->n + 1);
        float loss = strtof(end + 1, &end);
        if (*end != ',')
            return dae_fail(err, "history row %d: bad loss", h->n + 1);
        float val_loss = strtof(end + 1, &end);
        if (*end != ',')
            return dae_fail(err, "history row %d: bad val_loss", h->n + 1);
        double seconds = strtod(end + 1, &end);
        if (*end != '\n')
            return dae_fail(err, "history row %d: bad seconds", h->n + 1);
        if (dae_history_add(h, loss, val_loss, seconds, err) != 0)
            return -1;
        p = end + 1;
    }
    return 0;
}

static int write_csv(FILE *f, const void *ctx)
{
    char *rows = dae_history_text(ctx);
    if (!rows)
        return -1;
    fprintf(f, "epoch,loss,val_loss,seconds\n%s", rows);
    free(rows);
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
