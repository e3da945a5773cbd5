/* fuzz_safetensors: the safetensors reader (runtime/safetensors.c) on the
 * input as a whole file: dae_st_parse, then every lookup on what it found
 * (dae_st_find, dae_st_floats, dae_st_expect with the right and a wrong
 * shape, dae_st_meta_get), reading every float. dae_st_read on the same
 * bytes as a file must agree with dae_st_parse. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "memfile.h"
#include "safetensors.h"

static memfile mf;

static void use_tensor(const dae_st_file *f, const dae_st_tensor *t)
{
    if (dae_st_find(f, t->name) != t || t->rank < 0 || t->rank > DAE_ST_MAX_RANK ||
        t->offset + t->nbytes > f->data_len || t->nbytes != t->count * 4)
        abort();
    const float *v = dae_st_floats(f, t);
    float sum = 0;
    for (size_t i = 0; i < t->count; i++)
        sum += v[i];
    if (sum == 1234.5f)                    /* keeps the loop */
        fputs("", stderr);

    int shape[DAE_ST_MAX_RANK + 1] = {0};
    int fits = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->shape[i] > INT_MAX)
            fits = 0;
        else
            shape[i] = (int)t->shape[i];
    }
    const float *got = NULL;
    dae_error err;
    if (fits && (dae_st_expect(f, t->name, t->rank, shape, &got, &err) != 0 || got != v))
        abort();
    /* One more dimension, and a different first one: both refused. */
    if (dae_st_expect(f, t->name, t->rank + 1, shape, &got, &err) == 0)
        abort();
    if (t->rank > 0) {
        shape[0] = shape[0] == 7 ? 8 : 7;
        if (fits && dae_st_expect(f, t->name, t->rank, shape, &got, &err) == 0)
            abort();
    }
}

static void use_file(const dae_st_file *f)
{
    for (int i = 0; i < f->n; i++)
        use_tensor(f, &f->tensors[i]);
    for (int i = 0; i < f->n_meta; i++) {
        const char *v = dae_st_meta_get(f, f->meta[i].key);
        if (!v || strcmp(v, f->meta[i].value) != 0)
            abort();
    }
    dae_error err;
    const float *got;
    int one = 1;
    if (dae_st_meta_get(f, "no such key\x01") || dae_st_find(f, "") ||
        dae_st_expect(f, "no such tensor\x01", 1, &one, &got, &err) == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dae_st_file f;
    dae_error err;
    err.msg[0] = 0;
    int rc = dae_st_parse(data, size, "fuzz", &f, &err);
    if (rc == 0)
        use_file(&f);
    else if (rc != -1 || !err.msg[0] || f.n || f.n_meta || f.tensors || f.data)
        abort();

    /* The same bytes from a file: the same verdict and the same tensors. */
    memfile_open(&mf, "fuzz_safetensors");
    memfile_set(&mf, data, size);
    dae_st_file g;
    dae_error gerr;
    int grc = dae_st_read(mf.path, &g, &gerr);
    if (grc != rc || (rc == 0 && (g.n != f.n || g.n_meta != f.n_meta ||
                                  g.data_len != f.data_len ||
                                  (f.data_len && memcmp(g.data, f.data, f.data_len)))))
        abort();
    for (int i = 0; rc == 0 && i < f.n; i++)
        if (memcmp(&g.tensors[i], &f.tensors[i], sizeof f.tensors[i]) != 0)
            abort();
    dae_st_free(&g);
    dae_st_free(&f);
    return 0;
}
