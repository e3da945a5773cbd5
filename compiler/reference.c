#include "reference.h"
#include "registry.h"

static const char *type_name(const arg_spec *a)
{
    switch (a->type) {
    case ARG_INT: return "integer";
    case ARG_FLOAT: return "number";
    case ARG_SIZE2: return "K or KHxKW";
    case ARG_SHAPE: return "N or HxWxC";
    case ARG_CHOICE: return "name";
    case ARG_BOOL: return "true/false";
    case ARG_STRING: return "\"string\"";
    }
    return "";
}

static void allowed(FILE *out, const arg_spec *a)
{
    if (a->choices && a->type != ARG_BOOL) {
        for (int i = 0; a->choices[i]; i++)
            fprintf(out, "%s`%s`", i ? ", " : "", a->choices[i]);
        if (a->type == ARG_CHOICE)
            return;
        fputs(" or ", out);
    }
    if (a->type == ARG_INT || a->type == ARG_FLOAT || a->type == ARG_SIZE2
        || a->type == ARG_SHAPE)
        fprintf(out, "%.10g to %.10g", a->min, a->max);
}

static void statement(FILE *out, const layer_kind *k)
{
    fprintf(out, "### `%s`\n\n%s.\n\n", k->word, k->doc);
    fputs("| argument | how written | type | default | allowed | meaning |\n"
          "|---|---|---|---|---|---|\n", out);
    for (const arg_spec *a = k->args; a->name; a++) {
        fprintf(out, "| `%s` | %s | %s | %s | ", a->name,
                a->position >= 0 ? (a->position == 0 ? "first, positional" : "second, positional")
                                 : "`name=value`",
                type_name(a), a->required ? "required" : a->default_text ? a->default_text : "none");
        allowed(out, a);
        fprintf(out, " | %s |\n", a->doc);
    }
    fputc('\n', out);
}

void reference_print(FILE *out)
{
    fputs("## Layers (inside `model`)\n\n", out);
    for (const layer_kind *k = registry; k->word; k++)
        if (k->place == IN_MODEL)
            statement(out, k);
    fputs("## Settings (inside `train`)\n\n", out);
    for (const layer_kind *k = registry; k->word; k++)
        if (k->place == IN_TRAIN)
            statement(out, k);
}
