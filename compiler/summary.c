/* The model table, in the shape Keras users know from model.summary(). */
#include <string.h>
#include "registry.h"
#include "summary.h"

static void keras_shape(shape s, char *buf, size_t n)
{
    if (s.rank == 3)
        snprintf(buf, n, "(None, %ld, %ld, %ld)", s.h, s.w, s.c);
    else
        snprintf(buf, n, "(None, %ld)", s.c);
}

/* 1149800 -> "1,149,800" */
static const char *thousands(double x, char *buf, size_t n)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", x);
    size_t len = strlen(digits), j = 0;
    for (size_t i = 0; i < len && j + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = 0;
    return buf;
}

static void rule(FILE *out, char c)
{
    for (int i = 0; i < 72; i++)
        fputc(c, out);
    fputc('\n', out);
}

static void row(FILE *out, const char *layer, const char *shp, double params,
                const char *note)
{
    char num[32];
    fprintf(out, " %-30s %-22s %12s  %s\n", layer, shp,
            thousands(params, num, sizeof num), note);
}

void summary_print(FILE *out, const plan *p)
{
    char shp[64], name[64], num[32];
    fprintf(out, "Model: \"%s\"\n", p->name);
    rule(out, '_');
    fprintf(out, " %-30s %-22s %12s\n", "Layer (type)", "Output Shape", "Param #");
    rule(out, '=');
    keras_shape(p->input, shp, sizeof shp);
    row(out, "input (InputLayer)", shp, 0, "");
    for (int i = 0; i < p->n_layers; i++) {
        const plan_layer *l = &p->layers[i];
        const char *grp = l->group == GROUP_ENCODER ? "encoder"
                          : l->group == GROUP_DECODER ? "decoder" : "layer";
        snprintf(name, sizeof name, "%s_%d (%s)", grp, i, l->kind->word);
        keras_shape(l->out, shp, sizeof shp);
        row(out, name, shp, (double)(l->kernel_size + l->bias_size),
            i == p->latent ? "<- latent" : "");
    }
    rule(out, '=');
    fprintf(out, "Total params: %s (%.2f MB)\n",
            thousands((double)p->param_count, num, sizeof num),
            (double)p->param_count * 4.0 / 1e6);
    fprintf(out, "Trainable params: %s\n", thousands((double)p->param_count, num, sizeof num));
    fprintf(out, "Non-trainable params: 0\n");
    rule(out, '_');
    fprintf(out, "Loss: %s%s; optimizer: %s\n", loss_names[p->train.loss],
            p->logits_off >= 0 ? " (from logits)" : "",
            (const char *[]){"adam", "sgd", "rmsprop"}[p->train.optimizer]);
    fprintf(out, "Arena: %.1f MiB at batch %ld (parameters, gradients, optimizer "
                 "state, activations)\n",
            plan_arena_bytes(p, p->train.batch) / 1048576.0, p->train.batch);
}
