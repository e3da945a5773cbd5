#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "safetensors.h"
#include "weights.h"

void dae_weights_entries(const dae_model *m, const float *params, dae_st_entry *e)
{
    for (int i = 0; i < m->n_params; i++) {
        const dae_param *p = &m->params[i];
        e[i] = (dae_st_entry){.name = p->name, .rank = p->rank,
                              .data = params + p->offset};
        for (int d = 0; d < p->rank; d++)
            e[i].shape[d] = p->shape[d];
    }
}

int dae_weights_save(const dae_model *m, const float *params, const char *path,
                     dae_error *err)
{
    dae_st_entry *e = calloc((size_t)m->n_params, sizeof *e);
    if (!e)
        return dae_fail(err, "out of memory writing %s", path);
    dae_weights_entries(m, params, e);
    const char *meta[] = {"format", "daec", "model", m->name, "spec_hash",
                          m->spec_hash, "daec_version", m->daec_version, NULL};
    int rc = dae_st_write(path, e, m->n_params, meta, err);
    free(e);
    return rc;
}

int dae_weights_load(const dae_model *m, float *params, const char *path,
                     dae_error *err)
{
    dae_st_file f;
    if (dae_st_read(path, &f, err) != 0)
        return -1;
    const float **src = calloc((size_t)m->n_params, sizeof *src);
    int rc = src ? 0 : dae_fail(err, "out of memory reading %s", path);
    for (int i = 0; rc == 0 && i < m->n_params; i++) {
        const dae_param *p = &m->params[i];
        if (dae_st_expect(&f, p->name, p->rank, p->shape, &src[i], err) != 0) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            rc = dae_fail(err, "%s does not fit model '%s': %s", path, m->name, why);
        }
    }
    /* a checkpoint's optimizer state is not part of the weights */
    int n_weights = 0;
    for (int i = 0; i < f.n; i++)
        n_weights += strncmp(f.tensors[i].name, "optimizer.", 10) != 0;
    if (rc == 0 && n_weights != m->n_params)
        rc = dae_fail(err, "%s holds %d tensors but model '%s' has %d", path,
                      n_weights, m->name, m->n_params);
    /* all checked: only now overwrite the parameters */
    for (int i = 0; rc == 0 && i < m->n_params; i++)
        memcpy(params + m->params[i].offset, src[i],
               m->params[i].size * sizeof(float));
    const char *hash = rc == 0 ? dae_st_meta_get(&f, "spec_hash") : NULL;
    if (hash && strcmp(hash, m->spec_hash) != 0)
        fprintf(stderr, "%s: warning: %s was made from a different spec "
                        "(hash %s, this model %s)\n", m->name, path, hash, m->spec_hash);
    free(src);
    dae_st_free(&f);
    return rc;
}
