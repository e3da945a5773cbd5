#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint.h"
#include "safetensors.h"
#include "weights.h"

#define FORMAT "daec-checkpoint"

typedef struct meta_text {
    char epoch[24], step[24], seed[24], batch[24], optimizer[24], n_train[24];
    char noise_rng[40], shuffle_rng[40];
} meta_text;

static void rng_text(char *buf, size_t len, const dae_rng *r)
{
    snprintf(buf, len, "%016" PRIx64 ":%016" PRIx64, r->state, r->inc);
}

static int rng_parse(const char *s, dae_rng *r)
{
    char *end;
    if (!s || strlen(s) != 33 || s[16] != ':')
        return -1;
    r->state = strtoull(s, &end, 16);
    if (end != s + 16)
        return -1;
    r->inc = strtoull(s + 17, &end, 16);
    return *end ? -1 : 0;
}

int dae_checkpoint_save(const dae_session *s, const dae_checkpoint *c,
                        const char *path, dae_error *err)
{
    const dae_model *m = s->m;
    meta_text t;
    snprintf(t.epoch, sizeof t.epoch, "%d", c->epoch);
    snprintf(t.step, sizeof t.step, "%ld", s->step);
    snprintf(t.seed, sizeof t.seed, "%ld", s->cfg.seed);
    snprintf(t.batch, sizeof t.batch, "%d", s->cfg.batch);
    snprintf(t.optimizer, sizeof t.optimizer, "%d", (int)s->cfg.optimizer);
    snprintf(t.n_train, sizeof t.n_train, "%ld", c->n_train);
    rng_text(t.noise_rng, sizeof t.noise_rng, &c->noise_rng);
    rng_text(t.shuffle_rng, sizeof t.shuffle_rng, &c->shuffle_rng);
    char *history = dae_history_text(c->hist);
    dae_st_entry *e = calloc((size_t)m->n_params + 2, sizeof *e);
    if (!history || !e) {
        free(history);
        free(e);
        return dae_fail(err, "out of memory writing %s", path);
    }
    dae_weights_entries(m, s->net.params, e);
    long long np = (long long)m->param_count;
    e[m->n_params] = (dae_st_entry){"optimizer.m", 1, {np}, s->opt_m};
    e[m->n_params + 1] = (dae_st_entry){"optimizer.v", 1, {np}, s->opt_v};
    const char *meta[] = {
        "format", FORMAT, "model", m->name, "spec_hash", m->spec_hash,
        "daec_version", m->daec_version, "epoch", t.epoch, "step", t.step,
        "seed", t.seed, "batch", t.batch, "optimizer", t.optimizer,
        "n_train", t.n_train, "noise_rng", t.noise_rng,
        "shuffle_rng", t.shuffle_rng, "history", history, NULL};
    int rc = dae_st_write(path, e, m->n_params + 2, meta, err);
    free(e);
    free(history);
    return rc;
}

/* A metadata value as a long within [lo, hi]. */
static int meta_long(const dae_st_file *f, const char *key, long lo, long hi,
                     long *out)
{
    const char *s = dae_st_meta_get(f, key);
    char *end;
    if (!s || !*s)
        return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The file must be a checkpoint of this model, made with the settings of
 * this run; a resumed run that differs would not be the same run. */
static int check_identity(const dae_session *s, const dae_checkpoint *c,
                          const dae_st_file *f, const char *path, dae_error *err)
{
    const dae_model *m = s->m;
    const char *format = dae_st_meta_get(f, "format");
    const char *model = dae_st_meta_get(f, "model");
    const char *hash = dae_st_meta_get(f, "spec_hash");
    if (!format || strcmp(format, FORMAT) != 0)
        return dae_fail(err, "%s is not a daec checkpoint", path);
    if (!model || strcmp(model, m->name) != 0)
        return dae_fail(err, "%s is a checkpoint of model '%s', not '%s'", path,
                        model ? model : "?", m->name);
    if (!hash || strcmp(hash, m->spec_hash) != 0)
        return dae_fail(err, "%s was made from another version of %s (spec "
                        "hash %s, now %s)", path, m->spec_path,
                        hash ? hash : "?", m->spec_hash);
    static const char *const keys[] = {"seed", "batch", "optimizer", "n_train"};
    long want[] = {s->cfg.seed, s->cfg.batch, (long)s->cfg.optimizer, c->n_train};
    for (int k = 0; k < 4; k++) {
        long got;
        if (meta_long(f, keys[k], 0, 0x7fffffffffffffffL, &got) != 0)
            return dae_fail(err, "%s: missing or bad '%s' in its metadata", path,
                            keys[k]);
        if (got != want[k])
            return dae_fail(err, "%s was made with %s %ld, this run has %ld; "
                            "resume with the same settings", path, keys[k],
                            got, want[k]);
    }
    return 0;
}

/* src[i] for every parameter, then optimizer.m and optimizer.v. */
static int find_tensors(const dae_model *m, const dae_st_file *f,
                        const float **src, const char *path, dae_error *err)
{
    int np = m->n_params, flat[1] = {(int)m->param_count};
    int rc = 0;
    for (int i = 0; rc == 0 && i < np; i++)
        rc = dae_st_expect(f, m->params[i].name, m->params[i].rank,
                           m->params[i].shape, &src[i], err);
    if (rc == 0)
        rc = dae_st_expect(f, "optimizer.m", 1, flat, &src[np], err);
    if (rc == 0)
        rc = dae_st_expect(f, "optimizer.v", 1, flat, &src[np + 1], err);
    if (rc != 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return dae_fail(err, "%s is damaged: %s", path, why);
    }
    return 0;
}

int dae_checkpoint_load(dae_session *s, dae_checkpoint *c, const char *path,
                        dae_error *err)
{
    const dae_model *m = s->m;
    dae_st_file f;
    if (dae_st_read(path, &f, err) != 0)
        return -1;
    int np = m->n_params;
    const float **src = calloc((size_t)np + 2, sizeof *src);
    int rc = src ? check_identity(s, c, &f, path, err)
                 : dae_fail(err, "out of memory reading %s", path);
    if (rc == 0)
        rc = find_tensors(m, &f, src, path, err);
    long epoch = 0, step = 0;
    dae_checkpoint got = {.n_train = c->n_train, .hist = c->hist};
    if (rc == 0 && (meta_long(&f, "epoch", 1, 1000000, &epoch) != 0
                    || meta_long(&f, "step", 0, 0x7fffffffffffffffL, &step) != 0
                    || rng_parse(dae_st_meta_get(&f, "noise_rng"), &got.noise_rng) != 0
                    || rng_parse(dae_st_meta_get(&f, "shuffle_rng"), &got.shuffle_rng) != 0))
        rc = dae_fail(err, "%s: bad epoch, step or random state in its metadata", path);
    if (rc == 0 && dae_history_parse(c->hist, dae_st_meta_get(&f, "history"), err) != 0)
        rc = -1;
    if (rc == 0 && c->hist->n != epoch)
        rc = dae_fail(err, "%s: its history has %d epochs, its metadata says %ld",
                      path, c->hist->n, epoch);
    if (rc == 0) {
        for (int i = 0; i < np; i++)
            memcpy(s->net.params + m->params[i].offset, src[i],
                   m->params[i].size * sizeof(float));
        memcpy(s->opt_m, src[np], m->param_count * sizeof(float));
        memcpy(s->opt_v, src[np + 1], m->param_count * sizeof(float));
        s->step = step;
        got.epoch = (int)epoch;
        *c = got;
    }
    free(src);
    dae_st_free(&f);
    return rc;
}
