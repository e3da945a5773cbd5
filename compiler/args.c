/* Argument checking, driven entirely by the registry's arg tables. */
#include <math.h>
#include <string.h>
#include "args.h"

static int find_named(const arg_spec *specs, const char *name)
{
    for (int i = 0; specs[i].name; i++)
        if (strcmp(specs[i].name, name) == 0)
            return i;
    return -1;
}

static int find_position(const arg_spec *specs, int position)
{
    for (int i = 0; specs[i].name; i++)
        if (specs[i].position == position)
            return i;
    return -1;
}

static const char *type_words(const arg_spec *s)
{
    switch (s->type) {
    case ARG_INT: return "an integer";
    case ARG_FLOAT: return "a number";
    case ARG_SIZE2: return "a size such as 3 or 3x3";
    case ARG_SHAPE: return "a shape such as 784 or 28x28x1";
    case ARG_CHOICE: return "a name";
    case ARG_BOOL: return "true or false";
    case ARG_STRING: return "a quoted string";
    }
    return "a value";
}

static const char *value_words(const ast_value *v)
{
    switch (v->kind) {
    case AST_INT: return "an integer";
    case AST_FLOAT: return "a decimal number";
    case AST_DIMS: return "dimensions";
    case AST_IDENT: return "a name";
    case AST_STRING: return "a string";
    }
    return "a value";
}

/* "epochs" for `epochs 0;`, "'units' of dense" for `dense 0;`. */
static const char *subject(const char *word, const arg_spec *s, char *buf,
                           size_t n)
{
    if (strcmp(word, s->name) == 0)
        snprintf(buf, n, "%s", word);
    else
        snprintf(buf, n, "'%s' of %s", s->name, word);
    return buf;
}

static bool type_error(diag_ctx *d, const char *word, const arg_spec *s,
                       const ast_value *v)
{
    char who[96];
    const char *q = v->kind == AST_STRING ? "\"" : "'";
    diag_error(d, v->loc, "%s expects %s, got %s %s%.64s%s",
               subject(word, s, who, sizeof who), type_words(s), value_words(v),
               q, v->text ? v->text : "", q);
    return false;
}

static bool range_error(diag_ctx *d, const char *word, const arg_spec *s,
                        const ast_value *v)
{
    char who[96];
    const char *fmt = s->type == ARG_FLOAT ? "%s must be between %.15g and %.15g, got %.64s"
                                           : "%s must be between %.0f and %.0f, got %.64s";
    diag_error(d, v->loc, fmt, subject(word, s, who, sizeof who), s->min, s->max,
               v->text ? v->text : "?");
    return false;
}

static bool in_range(const arg_spec *s, double x)
{
    return x >= s->min && x <= s->max;
}

static int choice_index(const char *const *choices, const char *name)
{
    for (int i = 0; choices && choices[i]; i++)
        if (strcmp(choices[i], name) == 0)
            return i;
    return -1;
}

static bool unknown_choice(diag_ctx *d, const arg_spec *s, const ast_value *v,
                           dae_loc loc)
{
    const char *hint = diag_suggest(v->text, s->choices);
    char list[256];
    if (hint)
        diag_error(d, loc, "unknown %s '%.64s'; did you mean '%s'?", s->name,
                   v->text, hint);
    else
        diag_error(d, loc, "unknown %s '%.64s' (expected one of: %s)", s->name,
                   v->text, diag_join(s->choices, list, sizeof list));
    return false;
}

static bool convert_number(const char *word, const arg_spec *s,
                           const ast_value *v, diag_ctx *d, arg_value *out)
{
    if (v->overflow) {
        diag_error(d, v->loc, "number '%s' is too large", v->text ? v->text : "");
        return false;
    }
    if (v->kind == AST_IDENT && choice_index(s->choices, v->text) >= 0) {
        out->keyword = true;
        out->choice = choice_index(s->choices, v->text);
        return true;
    }
    if (v->kind != AST_INT && (s->type == ARG_INT || v->kind != AST_FLOAT))
        return type_error(d, word, s, v);
    out->i = v->i;
    out->f = v->kind == AST_INT ? (double)v->i : v->f;
    if (!isfinite(out->f) || !in_range(s, out->f))
        return range_error(d, word, s, v);
    return true;
}

static bool convert_dims(const char *word, const arg_spec *s, const ast_value *v,
                         diag_ctx *d, arg_value *out)
{
    if (v->overflow) {
        diag_error(d, v->loc, "dimension '%s' is too large", v->text ? v->text : "");
        return false;
    }
    if (v->kind == AST_INT) {
        out->ndims = 1;
        out->dims[0] = (long)v->i;
    } else if (v->kind == AST_DIMS) {
        out->ndims = v->ndims;
        for (int i = 0; i < v->ndims; i++)
            out->dims[i] = (long)v->dims[i];
    } else {
        return type_error(d, word, s, v);
    }
    bool shape_ok = s->type == ARG_SHAPE ? out->ndims == 1 || out->ndims == 3
                                         : out->ndims <= 2;
    if (!shape_ok)
        return type_error(d, word, s, v);
    if (s->type == ARG_SIZE2 && out->ndims == 1) {
        out->ndims = 2;
        out->dims[1] = out->dims[0];
    }
    for (int i = 0; i < out->ndims; i++)
        if (!in_range(s, (double)out->dims[i]))
            return range_error(d, word, s, v);
    return true;
}

static bool convert(const char *word, const arg_spec *s, const ast_arg *a,
                    diag_ctx *d, arg_value *out)
{
    const ast_value *v = &a->value;
    out->present = true;
    out->loc = a->name ? a->loc : v->loc;
    if (v->invalid)
        return false; /* the scanner has reported it */
    switch (s->type) {
    case ARG_INT:
    case ARG_FLOAT:
        return convert_number(word, s, v, d, out);
    case ARG_SIZE2:
    case ARG_SHAPE:
        return convert_dims(word, s, v, d, out);
    case ARG_CHOICE:
    case ARG_BOOL:
        if (v->kind != AST_IDENT)
            return type_error(d, word, s, v);
        out->choice = choice_index(s->choices, v->text);
        out->b = out->choice == 1;
        if (out->choice < 0)
            return s->type == ARG_BOOL ? type_error(d, word, s, v)
                                       : unknown_choice(d, s, v, out->loc);
        return true;
    case ARG_STRING:
        if (v->kind != AST_STRING)
            return type_error(d, word, s, v);
        out->s = v->text;
        return true;
    }
    return false;
}

/* Which table entry an argument fills, or -1 after reporting why none. */
static int match(const ast_node *stmt, const layer_kind *kind, const ast_arg *a,
                 int position, diag_ctx *d)
{
    const arg_spec *specs = kind->args;
    if (!a->name) {
        int i = find_position(specs, position);
        if (i < 0)
            diag_error(d, a->value.loc, "too many arguments to '%s'", stmt->word);
        return i;
    }
    int i = find_named(specs, a->name);
    if (i >= 0)
        return i;
    const char *names[MAX_ARGS + 1];
    int n = 0;
    for (; specs[n].name && n < MAX_ARGS; n++)
        names[n] = specs[n].name;
    names[n] = NULL;
    const char *hint = diag_suggest(a->name, names);
    if (hint)
        diag_error(d, a->name_loc, "unknown argument '%s' for %s; did you mean '%s'?",
                   a->name, stmt->word, hint);
    else
        diag_error(d, a->name_loc, "unknown argument '%s' for %s", a->name,
                   stmt->word);
    return -1;
}

bool args_check(const ast_node *stmt, const layer_kind *kind, diag_ctx *d,
                stmt_args *out)
{
    bool ok = true;
    int position = 0;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->loc = stmt->loc;
    out->d = d;
    for (const ast_arg *a = stmt->args; a; a = a->next) {
        int i = match(stmt, kind, a, a->name ? -1 : position, d);
        if (!a->name)
            position++;
        if (i < 0) {
            ok = false;
            continue;
        }
        if (out->v[i].present) {
            diag_error(d, a->name ? a->loc : a->value.loc,
                       "'%s' given twice", kind->args[i].name);
            diag_note(d, out->v[i].loc, "first '%s' was here", kind->args[i].name);
            ok = false;
            continue;
        }
        ok = convert(stmt->word, &kind->args[i], a, d, &out->v[i]) && ok;
    }
    for (int i = 0; kind->args[i].name; i++) {
        if (kind->args[i].required && !out->v[i].present) {
            if (strcmp(stmt->word, kind->args[i].name) == 0)
                diag_error(d, stmt->word_loc, "%s needs a value", stmt->word);
            else
                diag_error(d, stmt->word_loc, "%s needs its '%s' argument",
                           stmt->word, kind->args[i].name);
            ok = false;
        }
    }
    return ok;
}
