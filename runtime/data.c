#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "data.h"

#define MNIST_DIR "data/mnist"
#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

static const char *default_dir(dae_data_kind kind)
{
    return kind == DAE_DATA_FASHION_MNIST ? FASHION_DIR : MNIST_DIR;
}

static const char *fetch_hint(dae_data_kind kind)
{
    if (kind == DAE_DATA_FASHION_MNIST)
        return "install it with 'apt-get install dataset-fashion-mnist' "
               "(or pass --data DIR)";
    if (kind == DAE_DATA_MNIST)
        return "fetch it with 'make data' in the daec repository "
               "(or pass --data DIR)";
    return "check the paths in the spec's data statement (or pass --data DIR)";
}

/* With --data DIR: where the standard names come from. */
static const char *dir_hint(dae_data_kind kind)
{
    if (kind == DAE_DATA_FASHION_MNIST)
        return "'apt-get install dataset-fashion-mnist' installs Fashion-MNIST "
               "in " FASHION_DIR;
    if (kind == DAE_DATA_MNIST)
        return "'make data' in the daec repository fetches MNIST into " MNIST_DIR;
    return "copy the spec's IDX files there under these names";
}

/* dir/base, or dir/base.gz; 0 when one exists. */
static int find_idx(const char *dir, const char *base, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, base);
    if (access(path, R_OK) == 0)
        return 0;
    snprintf(path, n, "%s/%s.gz", dir, base);
    return access(path, R_OK) == 0 ? 0 : -1;
}

static int locate(dae_data_kind kind, const char *dir, const char *spec_path,
                  const char *base, char *path, size_t n, dae_error *err)
{
    if (!dir && kind == DAE_DATA_IDX) {
        snprintf(path, n, "%s", spec_path);
        if (access(path, R_OK) == 0)
            return 0;
        return dae_fail(err, "cannot read %s; %s", spec_path, fetch_hint(kind));
    }
    const char *d = dir ? dir : default_dir(kind);
    if (find_idx(d, base, path, n) == 0)
        return 0;
    struct stat st;
    const char *why = stat(d, &st) != 0 ? ": the directory does not exist"
                      : !S_ISDIR(st.st_mode) ? ": it is not a directory" : "";
    return dae_fail(err, "missing data: no %s/%s (or .gz)%s; %s", d, base, why,
                    dir ? dir_hint(kind) : fetch_hint(kind));
}

static int check_fit(const dae_model *m, const dae_dataset *ds, const char *train,
                     const char *test, dae_error *err)
{
    const dae_images *a = &ds->train, *b = &ds->test;
    if (a->rows != b->rows || a->cols != b->cols)
        return dae_fail(err, "%s holds %dx%d images but %s holds %dx%d", train,
                        a->rows, a->cols, test, b->rows, b->cols);
    size_t pixels = (size_t)a->rows * (size_t)a->cols;
    int image_input = m->in_h > 1 || m->in_w > 1;
    if (image_input && (a->rows != m->in_h || a->cols != m->in_w || m->in_c != 1))
        return dae_fail(err, "%s holds %dx%d images but model '%s' takes %dx%dx%d "
                        "inputs", train, a->rows, a->cols, m->name, m->in_h,
                        m->in_w, m->in_c);
    if (pixels != m->in_size)
        return dae_fail(err, "%s holds %dx%d images (%zu pixels) but model '%s' "
                        "takes %zu inputs", train, a->rows, a->cols, pixels,
                        m->name, m->in_size);
    return 0;
}

int dae_data_load(const dae_model *m, const dae_train_config *c,
                  const char *dir, dae_dataset *ds, dae_error *err)
{
    char train[4096], test[4096];
    memset(ds, 0, sizeof *ds);
    if (locate(c->data, dir, c->train_path, "train-images-idx3-ubyte", train,
               sizeof train, err) != 0
        || locate(c->data, dir, c->test_path, "t10k-images-idx3-ubyte", test,
                  sizeof test, err) != 0)
        return -1;
    if (dae_idx_load(train, &ds->train, err) != 0
        || dae_idx_load(test, &ds->test, err) != 0
        || check_fit(m, ds, train, test, err) != 0) {
        dae_dataset_free(ds);
        return -1;
    }
    if (c->limit > 0 && c->limit < ds->train.n)
        ds->train.n = (int)c->limit;
    return 0;
}

void dae_dataset_free(dae_dataset *ds)
{
    dae_images_free(&ds->train);
    dae_images_free(&ds->test);
}
