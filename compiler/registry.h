/* One table of statement kinds. Each entry names its arguments (type,
 * default, range, choices) once; the checker validates against it, the
 * summary and the docs print from it, and layers carry their shape rule,
 * parameter layout and C emitters. Adding a layer is adding one entry here
 * and its runtime kernels. */
#ifndef DAEC_REGISTRY_H
#define DAEC_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>
#include "ast.h"
#include "diag.h"
#include "plan.h"

typedef enum arg_type {
    ARG_INT,      /* integer in [min, max] */
    ARG_FLOAT,    /* integer or decimal in [min, max] */
    ARG_SIZE2,    /* K or KHxKW, each in [min, max] */
    ARG_SHAPE,    /* N or HxWxC */
    ARG_CHOICE,   /* one identifier of choices */
    ARG_BOOL,     /* true or false */
    ARG_STRING    /* "..." */
} arg_type;

typedef struct arg_spec {
    const char *name;
    arg_type type;
    int position;              /* 0, 1: may be given positionally; -1: named only */
    bool required;
    const char *default_text;  /* for docs; NULL if none */
    double min, max;
    const char *const *choices;
    const char *doc;
} arg_spec;

#define MAX_ARGS 12

/* An argument after checking: its spec, whether present, and its value. */
typedef struct arg_value {
    bool present;
    dae_loc loc;
    long long i;
    double f;
    long dims[3];
    int ndims;
    int choice;                /* index into choices */
    bool keyword;              /* a numeric argument given as one of its choices (clip none) */
    bool b;
    const char *s;
} arg_value;

typedef enum stmt_place { IN_MODEL, IN_TRAIN } stmt_place;

struct emit_ctx;
struct layer_kind;

/* A statement's checked arguments, indexed like its kind's arg table. */
typedef struct stmt_args {
    const struct layer_kind *kind;
    arg_value v[MAX_ARGS];
    dae_loc loc;               /* the whole statement */
    diag_ctx *d;
} stmt_args;

/* The value of the named argument (present == false when not written). */
const arg_value *stmt_arg(const stmt_args *a, const char *name);

typedef struct layer_kind {
    const char *word;
    stmt_place place;
    const arg_spec *args;      /* terminated by a NULL name */
    const char *doc;
    /* Model layers: fill the layer from its arguments and l->in (out
     * shape, parameter shapes); report errors through a->d. */
    bool (*resolve)(plan_layer *l, const stmt_args *a);
    /* Model layers: forward and backward C for one layer. */
    void (*emit_forward)(struct emit_ctx *e, const plan_layer *l, const char *in);
    void (*emit_backward)(struct emit_ctx *e, const plan_layer *l, const char *in,
                          const char *din);
    /* Layers with a shape struct: its C type, and the runtime function that
     * sizes the layer's scratch memory for a batch (or NULL). */
    const char *shape_type;
    const char *workspace_fn;
    /* Model layers: whether emit_backward applies input_act's derivative
     * to the input gradient (see plan_layer). */
    bool fuses_input_act;
    /* Train statements: store the arguments into the plan. */
    bool (*apply)(plan_train *t, const stmt_args *a);
} layer_kind;

extern const layer_kind registry[];
const layer_kind *registry_find(const char *word, stmt_place place);
/* NULL-terminated list of the words valid in place (for suggestions). */
const char *const *registry_words(stmt_place place);

/* Shared choice tables, indexed like the runtime enums. */
extern const char *const activation_names[];
extern const char *const init_names[];
extern const char *const loss_names[];
extern const char *const padding_names[];

#endif
