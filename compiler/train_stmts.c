/* The train block. Defaults are the contract's (and Keras's); each statement
 * overrides its part and rejects arguments that do not apply to its kind. */
#include <string.h>
#include "train_stmts.h"

enum { DATA_MNIST, DATA_FASHION, DATA_IDX };
enum { NOISE_NONE, NOISE_GAUSSIAN, NOISE_SALT_PEPPER, NOISE_MASKING };
enum { OPT_ADAM, OPT_SGD, OPT_RMSPROP };

void train_defaults(plan_train *t)
{
    memset(t, 0, sizeof *t);
    t->data = DATA_MNIST;
    t->noise = NOISE_GAUSSIAN;
    t->sigma = 0.7;
    t->amount = 0.1;
    t->rate = 0.25;
    t->clip = true;
    t->clip_lo = 0;
    t->clip_hi = 1;
    t->loss = 0;
    t->optimizer = OPT_ADAM;
    t->lr = 0.001;
    t->beta1 = 0.9;
    t->beta2 = 0.999;
    t->epsilon = 1e-7;
    t->rho = 0.9;
    t->epochs = 50;
    t->batch = 128;
    t->shuffle = true;
    t->seed = 1;
}

/* Errors for each written argument that the chosen kind does not use. */
static bool only_for(const stmt_args *a, const char *arg, bool applies,
                     const char *kind)
{
    const arg_value *v = stmt_arg(a, arg);
    if (!v->present || applies)
        return true;
    diag_error(a->d, v->loc, "'%s' does not apply to %s %s", arg,
               a->kind->word, kind);
    return false;
}

static void set_float(double *dst, const stmt_args *a, const char *arg)
{
    const arg_value *v = stmt_arg(a, arg);
    if (v->present)
        *dst = v->f;
}

bool train_apply_data(plan_train *t, const stmt_args *a)
{
    const arg_value *kind = stmt_arg(a, "data");
    const arg_value *train = stmt_arg(a, "train");
    const arg_value *test = stmt_arg(a, "test");
    t->data = kind->present ? kind->choice : DATA_MNIST;
    if (t->data != DATA_IDX) {
        const char *name = t->data == DATA_MNIST ? "mnist" : "fashion_mnist";
        bool ok = only_for(a, "train", false, name);
        return only_for(a, "test", false, name) && ok;
    }
    if (!train->present || !test->present) {
        diag_error(a->d, a->loc, "data idx needs both train=\"FILE\" and "
                                 "test=\"FILE\"");
        return false;
    }
    if (!*train->s || !*test->s) {
        diag_error(a->d, !*train->s ? train->loc : test->loc, "empty file name");
        return false;
    }
    t->train_path = strdup(train->s);
    t->test_path = strdup(test->s);
    return true;
}

bool train_apply_noise(plan_train *t, const stmt_args *a)
{
    const arg_value *resample = stmt_arg(a, "resample");
    t->noise = stmt_arg(a, "noise")->choice;
    const char *name = a->kind->args[0].choices[t->noise];
    bool ok = only_for(a, "sigma", t->noise == NOISE_GAUSSIAN, name);
    ok = only_for(a, "mean", t->noise == NOISE_GAUSSIAN, name) && ok;
    ok = only_for(a, "amount", t->noise == NOISE_SALT_PEPPER, name) && ok;
    ok = only_for(a, "rate", t->noise == NOISE_MASKING, name) && ok;
    set_float(&t->sigma, a, "sigma");
    set_float(&t->mean, a, "mean");
    set_float(&t->amount, a, "amount");
    set_float(&t->rate, a, "rate");
    t->resample_each_epoch = resample->present && resample->choice == 1;
    return ok;
}

bool train_apply_clip(plan_train *t, const stmt_args *a)
{
    const arg_value *lo = stmt_arg(a, "lo");
    const arg_value *hi = stmt_arg(a, "hi");
    if (lo->keyword) { /* clip none; */
        t->clip = false;
        if (hi->present) {
            diag_error(a->d, hi->loc, "'clip none' takes no upper bound");
            return false;
        }
        return true;
    }
    if (!hi->present) {
        diag_error(a->d, a->loc, "clip needs two bounds, as in 'clip 0, 1;'");
        return false;
    }
    if (!(lo->f < hi->f)) {
        diag_error(a->d, a->loc, "clip bounds must satisfy lo < hi, got %g, %g",
                   lo->f, hi->f);
        return false;
    }
    t->clip = true;
    t->clip_lo = lo->f;
    t->clip_hi = hi->f;
    return true;
}

bool train_apply_loss(plan_train *t, const stmt_args *a)
{
    t->loss = stmt_arg(a, "loss")->choice;
    return true;
}

bool train_apply_optimizer(plan_train *t, const stmt_args *a)
{
    int kind = stmt_arg(a, "optimizer")->choice;
    const char *name = a->kind->args[0].choices[kind];
    t->optimizer = kind;
    bool ok = only_for(a, "beta1", kind == OPT_ADAM, name);
    ok = only_for(a, "beta2", kind == OPT_ADAM, name) && ok;
    ok = only_for(a, "epsilon", kind != OPT_SGD, name) && ok;
    ok = only_for(a, "momentum", kind == OPT_SGD, name) && ok;
    ok = only_for(a, "nesterov", kind == OPT_SGD, name) && ok;
    ok = only_for(a, "rho", kind == OPT_RMSPROP, name) && ok;
    t->lr = kind == OPT_SGD ? 0.01 : 0.001; /* Keras defaults */
    set_float(&t->lr, a, "lr");
    set_float(&t->beta1, a, "beta1");
    set_float(&t->beta2, a, "beta2");
    set_float(&t->epsilon, a, "epsilon");
    set_float(&t->momentum, a, "momentum");
    set_float(&t->rho, a, "rho");
    if (stmt_arg(a, "nesterov")->present)
        t->nesterov = stmt_arg(a, "nesterov")->b;
    return ok;
}

bool train_apply_epochs(plan_train *t, const stmt_args *a)
{
    t->epochs = (long)stmt_arg(a, "epochs")->i;
    return true;
}

bool train_apply_batch(plan_train *t, const stmt_args *a)
{
    t->batch = (long)stmt_arg(a, "batch")->i;
    return true;
}

bool train_apply_shuffle(plan_train *t, const stmt_args *a)
{
    t->shuffle = stmt_arg(a, "shuffle")->b;
    return true;
}

bool train_apply_seed(plan_train *t, const stmt_args *a)
{
    t->seed = (long)stmt_arg(a, "seed")->i;
    return true;
}

bool train_apply_limit(plan_train *t, const stmt_args *a)
{
    t->limit = (long)stmt_arg(a, "limit")->i;
    return true;
}
