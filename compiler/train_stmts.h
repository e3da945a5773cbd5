/* The train block's statements: each stores its arguments in the plan. */
#ifndef DAEC_TRAIN_STMTS_H
#define DAEC_TRAIN_STMTS_H

#include "registry.h"

void train_defaults(plan_train *t);
bool train_apply_data(plan_train *t, const stmt_args *a);
bool train_apply_noise(plan_train *t, const stmt_args *a);
bool train_apply_clip(plan_train *t, const stmt_args *a);
bool train_apply_loss(plan_train *t, const stmt_args *a);
bool train_apply_optimizer(plan_train *t, const stmt_args *a);
bool train_apply_epochs(plan_train *t, const stmt_args *a);
bool train_apply_batch(plan_train *t, const stmt_args *a);
bool train_apply_shuffle(plan_train *t, const stmt_args *a);
bool train_apply_seed(plan_train *t, const stmt_args *a);
bool train_apply_limit(plan_train *t, const stmt_args *a);

#endif
