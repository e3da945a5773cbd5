/* The training loop, with Keras fit() semantics: a new permutation every
 * epoch, the last partial batch kept, the epoch loss the batch-size
 * weighted mean of the losses seen before each update, and val_loss over
 * the whole test split with the end-of-epoch weights. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "blas_core.h"
#include "checkpoint.h"
#include "conv.h"
#include "data.h"
#include "dense.h"
#include "history.h"
#include "noise.h"
#include "outputs.h"
#include "parallel.h"
#include "progress.h"
#include "rng.h"
#include "session.h"
#include "trainer.h"
#include "weights.h"

typedef struct run {
    const dae_model *m;
    const dae_run_options *o;
    dae_session s;
    dae_dataset ds;
    float *train_noisy, *test_noisy;
    int *order;
    dae_rng noise_rng, shuffle_rng;
    dae_history hist;
    int done;                      /* epochs completed (a resumed run's) */
    char path[4200];               /* scratch for file names in out_dir */
    dae_progress progress;
    int profile;                   /* DAE_PROFILE=1: time the phases */
    double t_gather, t_step, t_update;
} run;

int dae_make_dirs(const char *path, dae_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return dae_fail(err, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return dae_fail(err, "cannot create directory %s: %s", buf,
                                strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return dae_fail(err, "%s is not a directory", buf);
    return 0;
}

/* Copies the chosen rows: noisy inputs to xbuf, clean targets to tbuf. */
typedef struct gather_job {
    run *r;
    const float *noisy;
    const unsigned char *clean;
    const int *rows;
} gather_job;

static void gather_rows(void *ctx, size_t first, size_t last)
{
    const gather_job *j = ctx;
    size_t d = j->r->m->in_size;
    for (size_t i = first; i < last; i++) {
        size_t row = (size_t)j->rows[i];
        memcpy(j->r->s.xbuf + i * d, j->noisy + row * d, d * sizeof(float));
        const unsigned char *c = j->clean + row * d;
        float *t = j->r->s.tbuf + i * d;
        for (size_t k = 0; k < d; k++)
            t[k] = (float)c[k] / 255.0f;
    }
}

/* The batch's inputs and targets, rows split over the threads (random
 * rows of the training set: both cores' loads in flight help). */
static void gather(run *r, const float *noisy, const unsigned char *clean,
                   const int *rows, int B)
{
    gather_job j = {r, noisy, clean, rows};
    dae_parallel_for((size_t)B, 16, gather_rows, &j);
}

/* What a run that stops in this epoch leaves behind. */
static void last_good(char *buf, size_t len, int epoch)
{
    if (epoch > 1)
        snprintf(buf, len, "checkpoint.safetensors keeps epoch %d", epoch - 1);
    else
        snprintf(buf, len, "no checkpoint was written");
}

/* Trains one epoch; its mean loss in *mean. A loss that is not finite
 * stops the run at once, naming the step: the checkpoint of the last good
 * epoch stays as it was. */
static int train_epoch(run *r, int epoch, float *mean, dae_error *err)
{
    const dae_train_config *c = &r->o->cfg;
    int n = r->ds.train.n, batch = c->batch;
    long steps = (n + batch - 1) / batch;
    if (c->resample_each_epoch && epoch > 1)
        dae_noise_apply(c, &r->noise_rng, (size_t)n * r->m->in_size,
                        r->ds.train.pixels, r->train_noisy);
    for (int i = 0; i < n; i++)
        r->order[i] = i;
    if (c->shuffle)
        dae_rng_shuffle(&r->shuffle_rng, r->order, (size_t)n);
    dae_progress_epoch(&r->progress, epoch, steps);
    float total = 0, count = 0;
    for (long step = 0; step < steps; step++) {
        int first = (int)(step * batch);
        int B = n - first < batch ? n - first : batch;
        double t0 = r->profile ? dae_seconds() : 0;
        gather(r, r->train_noisy, r->ds.train.pixels, r->order + first, B);
        double t1 = r->profile ? dae_seconds() : 0;
        double u0 = r->s.update_seconds;
        float loss = dae_session_train_step(&r->s, r->s.xbuf, r->s.tbuf, B);
        if (r->profile) {
            double t2 = dae_seconds(), update = r->s.update_seconds - u0;
            r->t_gather += t1 - t0, r->t_step += t2 - t1 - update;
            r->t_update += update;
        }
        if (!isfinite(loss)) {
            dae_progress_abort(&r->progress);
            char kept[80];
            last_good(kept, sizeof kept, epoch);
            return dae_fail(err, "the loss became %s in epoch %d at step %ld of %ld; "
                            "%s (try a lower learning rate)",
                            isnan(loss) ? "NaN" : "infinite", epoch, step + 1,
                            steps, kept);
        }
        total += (float)B * loss;
        count += (float)B;
        dae_progress_step(&r->progress, step + 1, total / count);
    }
    *mean = total / count;
    return 0;
}

static float validate(run *r)
{
    int n = r->ds.test.n, batch = r->o->cfg.batch;
    float total = 0, count = 0;
    for (int first = 0; first < n; first += batch) {
        int B = n - first < batch ? n - first : batch;
        for (int i = 0; i < B; i++)
            r->order[i] = first + i;
        gather(r, r->test_noisy, r->ds.test.pixels, r->order, B);
        total += (float)B * dae_session_loss(&r->s, r->s.xbuf, r->s.tbuf, B);
        count += (float)B;
    }
    return total / count;
}

static const char *out_file(run *r, const char *name)
{
    snprintf(r->path, sizeof r->path, "%s/%s", r->o->out_dir, name);
    return r->path;
}

/* Continues from the checkpoint: weights, optimizer state and step,
 * the random streams as they were after its last epoch, the history.
 * The noisy copies were just made from the seed, as the first run did. */
static int resume(run *r, dae_error *err)
{
    dae_checkpoint c = {.n_train = r->ds.train.n, .hist = &r->hist};
    const char *path = out_file(r, "checkpoint.safetensors");
    if (access(path, F_OK) != 0)
        return dae_fail(err, "nothing to resume: %s does not exist", path);
    if (dae_checkpoint_load(&r->s, &c, path, err) != 0)
        return -1;
    r->noise_rng = c.noise_rng;
    r->shuffle_rng = c.shuffle_rng;
    r->done = c.epoch;
    return 0;
}

/* After each epoch: the checkpoint first, so that a history.csv row
 * always has a checkpoint behind it. */
static int save_epoch(run *r, int epoch, dae_error *err)
{
    dae_checkpoint c = {.epoch = epoch, .noise_rng = r->noise_rng,
                        .shuffle_rng = r->shuffle_rng, .n_train = r->ds.train.n,
                        .hist = &r->hist};
    if (dae_checkpoint_save(&r->s, &c, out_file(r, "checkpoint.safetensors"), err) != 0)
        return -1;
    if (dae_history_write(&r->hist, out_file(r, "history.csv"), err) != 0)
        return -1;
    return dae_write_learning_curve(r->m, &r->hist, r->o->out_dir, err);
}

static int prepare(run *r, dae_error *err)
{
    const dae_train_config *c = &r->o->cfg;
    if (dae_data_load(r->m, c, r->o->data_dir, &r->ds, err) != 0)
        return -1;
    size_t ntrain = (size_t)r->ds.train.n * r->m->in_size;
    size_t ntest = (size_t)r->ds.test.n * r->m->in_size;
    int most = r->ds.train.n > r->ds.test.n ? r->ds.train.n : r->ds.test.n;
    r->train_noisy = malloc(ntrain * sizeof(float));
    r->test_noisy = malloc(ntest * sizeof(float));
    r->order = malloc((size_t)most * sizeof(int));
    if (!r->train_noisy || !r->test_noisy || !r->order)
        return dae_fail(err, "out of memory for the noisy copies of the data");
    if (dae_session_init(&r->s, r->m, c, c->batch, err) != 0)
        return -1;
    dae_session_init_weights(&r->s, c->seed);
    if (r->o->init_path
        && dae_weights_load(r->m, r->s.net.params, r->o->init_path, err) != 0)
        return -1;
    dae_rng test_rng;
    dae_rng_seed(&r->noise_rng, (uint64_t)c->seed, DAE_STREAM_TRAIN_NOISE);
    dae_rng_seed(&test_rng, (uint64_t)c->seed, DAE_STREAM_TEST_NOISE);
    dae_rng_seed(&r->shuffle_rng, (uint64_t)c->seed, DAE_STREAM_SHUFFLE);
    dae_noise_apply(c, &r->noise_rng, ntrain, r->ds.train.pixels, r->train_noisy);
    dae_noise_apply(c, &test_rng, ntest, r->ds.test.pixels, r->test_noisy);
    if (r->o->resume && resume(r, err) != 0)
        return -1;
    if (dae_make_dirs(r->o->out_dir, err) != 0)
        return -1;
    /* find out now, not after the first epoch */
    if (access(r->o->out_dir, W_OK) != 0)
        return dae_fail(err, "cannot write into %s: %s", r->o->out_dir, strerror(errno));
    return 0;
}

static void profile_header(void)
{
    const char *chose = dae_blas_core_replaced();
    fprintf(stderr, "profile: OpenBLAS runs its %s kernels", dae_blas_core_name());
    if (chose)
        fprintf(stderr, " (it chose %s, which predate this CPU's AVX2)", chose);
    fputc('\n', stderr);
}

static void profile_report(run *r, int epoch, double validation)
{
    fprintf(stderr, "profile epoch %d: gather %.3fs  forward+backward %.3fs  "
            "update %.3fs  validation %.3fs  (of these: sgemm %.3fs, "
            "im2col/col2im %.3fs)\n", epoch, r->t_gather, r->t_step,
            r->t_update, validation, dae_dense_gemm_seconds + dae_conv_gemm_seconds,
            dae_conv_patch_seconds);
    dae_dense_gemm_seconds = dae_conv_gemm_seconds = dae_conv_patch_seconds = 0;
    r->t_gather = r->t_step = r->t_update = 0;
}

static int epochs(run *r, dae_error *err)
{
    dae_progress_init(&r->progress, stdout, r->o->quiet, r->o->cfg.epochs);
    if (r->done > 0
        && dae_history_write(&r->hist, out_file(r, "history.csv"), err) != 0)
        return -1;
    for (int epoch = r->done + 1; epoch <= r->o->cfg.epochs; epoch++) {
        double t0 = dae_seconds();
        float loss = 0;
        if (train_epoch(r, epoch, &loss, err) != 0)
            return -1;
        double tv = dae_seconds();
        float val_loss = validate(r);
        double secs = dae_seconds() - t0;
        if (r->profile)
            profile_report(r, epoch, dae_seconds() - tv);
        dae_progress_done(&r->progress, loss, val_loss, secs);
        if (!isfinite(val_loss)) {
            char kept[80];
            last_good(kept, sizeof kept, epoch);
            return dae_fail(err, "val_loss became %s after epoch %d; %s (try a "
                            "lower learning rate)", isnan(val_loss) ? "NaN" : "infinite",
                            epoch, kept);
        }
        if (dae_history_add(&r->hist, loss, val_loss, secs, err) != 0
            || save_epoch(r, epoch, err) != 0)
            return -1;
    }
    if (dae_weights_save(r->m, r->s.net.params,
                         out_file(r, "weights.safetensors"), err) != 0)
        return -1;
    return dae_write_samples(&r->s, r->test_noisy, &r->ds.test, r->o->out_dir, err);
}

int dae_train(const dae_model *m, const dae_run_options *o, dae_error *err)
{
    run r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.o = o;
    r.profile = getenv("DAE_PROFILE") != NULL;
    if (r.profile)
        profile_header();
    int rc = prepare(&r, err);
    if (rc == 0)
        rc = epochs(&r, err);
    dae_history_free(&r.hist);
    dae_session_free(&r.s);
    dae_dataset_free(&r.ds);
    free(r.train_noisy);
    free(r.test_noisy);
    free(r.order);
    return rc;
}
