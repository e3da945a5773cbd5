/* Semantic analysis: finds the model and train blocks, checks every
 * statement against the registry, infers shapes, lays out the arena. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "args.h"
#include "check.h"
#include "layers.h"
#include "registry.h"
#include "train_stmts.h"

enum { ACT_SIGMOID = 4 };
enum { LOSS_BCE = 0 };

static const char *const block_words[] = {"model", "train", NULL};
static const char *const group_words[] = {"encoder", "decoder", NULL};

/* Everything the model walk collects before shapes are inferred. */
typedef struct model_walk {
    const ast_node *input;
    const ast_node *encoder, *decoder;
    const ast_node *loose_layer;   /* first layer outside encoder/decoder */
    plan *p;
    int cap;
    bool shapes_known;             /* false after a layer whose shape failed */
    bool broken;                   /* a mistake that makes whole-model checks moot */
    bool partial;                  /* syntax errors dropped statements */
    const ast_node **train;        /* where a train block nested by mistake goes */
} model_walk;

static void unknown_word(diag_ctx *d, const ast_node *n, const char *what,
                         const char *const *candidates)
{
    const char *hint = diag_suggest(n->word, candidates);
    char list[256];
    if (hint)
        diag_error(d, n->word_loc, "unknown %s '%.64s'; did you mean '%s'?", what,
                   n->word, hint);
    else
        diag_error(d, n->word_loc, "unknown %s '%.64s' (expected one of: %s)", what,
                   n->word, diag_join(candidates, list, sizeof list));
}

/* The statement as written (its first line), for comments and summaries. */
static char *source_text(const char *src, dae_loc loc)
{
    const char *line = src;
    for (int l = 1; l < loc.first_line && line; l++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (!line)
        return strdup("");
    const char *start = line + loc.first_column - 1;
    const char *end = strchr(start, '\n');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    if (loc.last_line == loc.first_line && loc.last_column > loc.first_column)
        n = (size_t)(loc.last_column - loc.first_column);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, start, n);
        s[n] = 0;
    }
    return s;
}

static plan_layer *add_layer(model_walk *w, const layer_kind *k,
                             const ast_node *stmt, group g, const char *src)
{
    plan *p = w->p;
    if (p->n_layers == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 16;
        p->layers = realloc(p->layers, (size_t)w->cap * sizeof *p->layers);
        if (!p->layers)
            abort();
    }
    plan_layer *l = &p->layers[p->n_layers++];
    memset(l, 0, sizeof *l);
    l->kind = k;
    l->loc = stmt->loc;
    l->group = g;
    l->param_index = -1;
    l->source = source_text(src, stmt->loc);
    return l;
}

static void check_input(model_walk *w, const ast_node *stmt, diag_ctx *d)
{
    stmt_args a;
    if (w->input) {
        diag_error(d, stmt->word_loc, "duplicate 'input'");
        diag_note(d, w->input->word_loc, "first 'input' was here");
        return;
    }
    w->input = stmt;
    if (w->p->n_layers > 0)
        diag_error(d, stmt->word_loc, "'input' must come before the first layer");
    if (!args_check(stmt, registry_find("input", IN_MODEL), d, &a))
        return;
    const arg_value *v = &a.v[0];
    shape in = v->ndims == 1 ? (shape){1, 1, 1, v->dims[0]}
                             : (shape){3, v->dims[0], v->dims[1], v->dims[2]};
    if (shape_values(in) > PLAN_MAX_VALUES) {
        char buf[64];
        diag_error(d, v->loc, "input %s holds %.0f values per sample; at most %ld "
                   "are supported", shape_str(in, buf, sizeof buf), shape_values(in),
                   PLAN_MAX_VALUES);
        return;
    }
    w->p->input = in;
    w->p->input_loc = stmt->loc;
}

/* A layer's output and kernel within PLAN_MAX_VALUES and PLAN_MAX_WEIGHTS,
 * or an error saying which is not. */
static bool sizes_fit(const plan_layer *l, const stmt_args *a)
{
    char buf[64];
    double weights = l->kernel_rank > 0;
    for (int i = 0; i < l->kernel_rank; i++)
        weights *= (double)l->kernel_shape[i];
    if (shape_values(l->out) > PLAN_MAX_VALUES)
        diag_error(a->d, a->loc, "%s's output %s holds %.0f values per sample; at "
                   "most %ld are supported", l->kind->word,
                   shape_str(l->out, buf, sizeof buf), shape_values(l->out),
                   PLAN_MAX_VALUES);
    else if (weights > (double)PLAN_MAX_WEIGHTS)
        diag_error(a->d, a->loc, "%s's kernel has %.0f weights; at most %ld are "
                   "supported", l->kind->word, weights, PLAN_MAX_WEIGHTS);
    else
        return true;
    return false;
}

/* Runs the layer's shape rule on the previous layer's output, if known. */
static void infer(model_walk *w, plan_layer *l, const stmt_args *a)
{
    plan *p = w->p;
    /* after syntax errors dropped statements, shapes would be guesses */
    if (!w->input || p->input.rank == 0 || !w->shapes_known || w->partial) {
        w->shapes_known = false;
        return;
    }
    l->in = p->n_layers > 1 ? l[-1].out : p->input;
    if (!l->kind->resolve(l, a) || !sizes_fit(l, a))
        w->shapes_known = false;
}

/* Statements directly in a model or inside encoder/decoder. */
static void check_model_stmt(model_walk *w, const ast_node *n, group g,
                             const char *src, diag_ctx *d)
{
    if (strcmp(n->word, "input") == 0) {
        if (g != GROUP_NONE)
            diag_error(d, n->word_loc, "'input' belongs directly in the model "
                                       "block, before encoder");
        check_input(w, n, d);
        return;
    }
    const layer_kind *k = registry_find(n->word, IN_MODEL);
    if (!k) {
        if (registry_find(n->word, IN_TRAIN))
            diag_error(d, n->word_loc, "'%s' belongs in the train block", n->word);
        else
            unknown_word(d, n, "layer", registry_words(IN_MODEL));
        w->shapes_known = false;
        w->broken = true; /* "no layers" and shape errors would be noise */
        return;
    }
    if (g == GROUP_NONE && !w->loose_layer)
        w->loose_layer = n;
    plan_layer *l = add_layer(w, k, n, g, src);
    stmt_args a;
    if (args_check(n, k, d, &a))
        infer(w, l, &a);
    else
        w->shapes_known = false;
}

static void check_group(model_walk *w, const ast_node *blk, diag_ctx *d,
                        const char *src)
{
    bool enc = strcmp(blk->word, "encoder") == 0;
    const ast_node **seen = enc ? &w->encoder : &w->decoder;
    if (blk->name)
        diag_error(d, blk->name_loc, "%s takes no name", blk->word);
    if (*seen) {
        diag_error(d, blk->word_loc, "duplicate %s block", blk->word);
        diag_note(d, (*seen)->word_loc, "first %s block was here", blk->word);
        w->broken = true;
    } else if (enc && w->decoder) {
        diag_error(d, blk->word_loc, "encoder must come before decoder");
        diag_note(d, w->decoder->word_loc, "decoder is here");
        w->broken = true;
    }
    if (!*seen)
        *seen = blk;
    for (const ast_node *c = blk->children; c; c = c->next) {
        if (c->kind == AST_BLOCK) {
            diag_error(d, c->word_loc, "a %s block cannot be nested in %s",
                       c->word, blk->word);
            w->broken = true;
        } else
            check_model_stmt(w, c, enc ? GROUP_ENCODER : GROUP_DECODER, src, d);
    }
    if (enc)
        w->p->latent = w->p->n_layers - 1;
}

static void check_model(plan *p, const ast_node *blk, diag_ctx *d,
                        const char *src, bool partial, const ast_node **train)
{
    model_walk w = {.p = p, .shapes_known = true, .partial = partial, .train = train};
    if (!blk->name)
        diag_error(d, blk->word_loc, "model needs a name, as in 'model ff { ... }'");
    else if (strlen(blk->name) > 64)
        diag_error(d, blk->name_loc, "model name is longer than 64 characters");
    p->name = strdup(blk->name ? blk->name : "model");
    for (const ast_node *c = blk->children; c; c = c->next) {
        if (c->kind == AST_STMT) {
            check_model_stmt(&w, c, GROUP_NONE, src, d);
        } else if (strcmp(c->word, "encoder") == 0 || strcmp(c->word, "decoder") == 0) {
            check_group(&w, c, d, src);
        } else if (strcmp(c->word, "train") == 0 || strcmp(c->word, "model") == 0) {
            diag_error(d, c->word_loc, "a %s block cannot be nested in model; is "
                       "a '}' missing before it?", c->word);
            if (strcmp(c->word, "train") == 0 && !*w.train)
                *w.train = c;
            w.broken = true;
        } else {
            unknown_word(d, c, "block", group_words);
            w.broken = true;
        }
    }
    if (w.broken || w.partial)
        return;
    if (w.loose_layer && (w.encoder || w.decoder))
        diag_error(d, w.loose_layer->word_loc,
                   "layers must all be inside encoder and decoder once those "
                   "blocks are used");
    if (w.decoder && !w.encoder)
        diag_error(d, w.decoder->word_loc, "decoder without an encoder before it");
    if (w.encoder && !w.decoder)
        diag_error(d, w.encoder->word_loc, "encoder without a decoder after it");
    if (w.encoder && w.encoder->children == NULL)
        diag_error(d, w.encoder->word_loc, "encoder is empty");
    if (w.decoder && w.decoder->children == NULL)
        diag_error(d, w.decoder->word_loc, "decoder is empty");
    if (!w.input) {
        diag_error(d, blk->word_loc, "model '%s' has no 'input' statement "
                   "(such as 'input 784;' or 'input 28x28x1;')", p->name);
        return;
    }
    if (p->n_layers == 0) {
        diag_error(d, blk->word_loc, "model '%s' has no layers", p->name);
        return;
    }
    if (!w.shapes_known)
        return;
    const plan_layer *last = &p->layers[p->n_layers - 1];
    char a[64], b[64];
    if (last->out.rank != p->input.rank || shape_size(last->out) != shape_size(p->input)
        || last->out.h != p->input.h || last->out.w != p->input.w) {
        diag_error(d, last->loc, "the model's output %s does not match its input "
                   "%s; an autoencoder must reconstruct its input",
                   shape_str(last->out, a, sizeof a), shape_str(p->input, b, sizeof b));
        diag_note(d, p->input_loc, "input declared here");
    }
}

static void check_train(plan *p, const ast_node *blk, diag_ctx *d)
{
    const ast_node *seen[32] = {0};
    if (blk->name)
        diag_error(d, blk->name_loc, "the train block takes no name");
    for (const ast_node *c = blk->children; c; c = c->next) {
        if (c->kind == AST_BLOCK) {
            diag_error(d, c->word_loc, "a %s block cannot be nested in train", c->word);
            continue;
        }
        const layer_kind *k = registry_find(c->word, IN_TRAIN);
        if (!k) {
            if (registry_find(c->word, IN_MODEL))
                diag_error(d, c->word_loc, "'%s' belongs in the model block", c->word);
            else
                unknown_word(d, c, "train setting", registry_words(IN_TRAIN));
            continue;
        }
        int slot = (int)(k - registry) % 32;
        if (seen[slot]) {
            diag_error(d, c->word_loc, "duplicate '%s'", c->word);
            diag_note(d, seen[slot]->word_loc, "first '%s' was here", c->word);
            continue;
        }
        seen[slot] = c;
        stmt_args a;
        if (args_check(c, k, d, &a))
            k->apply(&p->train, &a);
    }
}

/* Where its kind allows, a layer applies the derivative of the activation
 * producing its input (looking through flatten/reshape, which share the
 * buffer) to the input gradient it computes, while those rows are in
 * cache; the producer then skips its own elementwise pass. */
static void fuse_activation_grads(plan *p)
{
    for (int i = 1; i < p->n_layers; i++) {
        plan_layer *l = &p->layers[i];
        int from = i - 1;
        while (from > 0 && p->layers[from].view)
            from--;
        plan_layer *producer = &p->layers[from];
        if (!l->kind->fuses_input_act || producer->view
            || !layer_act_fusable(producer))
            continue;
        l->input_act = producer->act;
        l->input_alpha = producer->alpha;
        producer->act_grad_by_next = true;
    }
}

/* The first layer with parameters, when it is a conv2d on one input
 * channel feeding a maxpool, runs the pool with it. Forward, each row pair
 * is pooled while in cache (dae_conv2d_pool_forward). Backward, it takes
 * the pool's gradient itself: its input needs no gradient, so its weight
 * gradients are all its backward, and they come direct from each image's
 * output gradient made in cache (dae_conv2d_pool_backward) instead of the
 * batch's written out by the pool and read back (the article's first
 * layer: 25 MB a batch). */
static void fuse_first_conv_pool(plan *p)
{
    int i = 0;
    while (i < p->n_layers && !p->layers[i].kernel_size)
        i++;
    if (i + 1 >= p->n_layers)
        return;
    plan_layer *conv = &p->layers[i], *pool = &p->layers[i + 1];
    if (strcmp(conv->kind->word, "conv2d") != 0 || conv->in.c != 1
        || strcmp(pool->kind->word, "maxpool") != 0 || conv->separate_logits)
        return;
    conv->fused_pool = true;
    pool->pool_in_conv = true;
}

/* A conv2d_transpose feeding a conv2d with one filter (the article's last
 * two layers) runs it: forward on each image of its output while that is
 * in cache; backward, the conv2d's input gradient, which is the transposed
 * conv's output gradient, is made a group of images at a time and used at
 * once instead of written out for the batch and read back (25 MB a batch
 * on the article's model). Only the last layer keeps its logits apart,
 * so the transposed conv's activation is always the one in its shape. */
static void fuse_transpose_f1(plan *p)
{
    for (int i = 0; i + 1 < p->n_layers; i++) {
        plan_layer *t = &p->layers[i], *f = &p->layers[i + 1];
        if (strcmp(t->kind->word, "conv2d_transpose") != 0
            || strcmp(f->kind->word, "conv2d") != 0 || f->units != 1)
            continue;
        t->fused_f1 = true;
        f->f1_in_transpose = true;
    }
}

/* Parameters first (kernel then bias per layer), then activations, then
 * their gradients. */
static void layout(plan *p)
{
    size_t off = 0, act = 0;
    plan_layer *last = &p->layers[p->n_layers - 1];
    last->separate_logits = p->train.loss == LOSS_BCE && last->act == ACT_SIGMOID
                            && last->kernel_size > 0;
    int index = 0;
    for (int i = 0; i < p->n_layers; i++) {
        plan_layer *l = &p->layers[i];
        size_t size = (size_t)shape_size(l->out);
        if (l->kernel_size) {
            l->param_index = index++;
            l->kernel_off = off;
            off += l->kernel_size;
            l->bias_off = off;
            off += l->bias_size;
            p->n_param_tensors += l->bias_size ? 2 : 1;
        }
        if (l->view && i > 0) { /* shares its input's buffer */
            l->out_off = l[-1].out_off;
            continue;
        }
        if (l->separate_logits) {
            l->logits_off = act;
            act += size;
        }
        l->out_off = act;
        act += size;
    }
    p->param_count = off;
    p->act_per_sample = act;
    p->out_off = last->out_off;
    p->logits_off = last->separate_logits ? (long)last->logits_off : -1;
    fuse_transpose_f1(p);
    plan_layout_gradients(p);
    fuse_activation_grads(p);
    fuse_first_conv_pool(p);
}

/* Convolutions gather patches (im2col) of at least one sample: the grid
 * the kernel slides over times the kernel times the channels it reads. */
static double workspace_bytes(const plan *p)
{
    double most = 0;
    for (int i = 0; i < p->n_layers; i++) {
        const plan_layer *l = &p->layers[i];
        if (!l->kind->workspace_fn)
            continue;
        bool transpose = strcmp(l->kind->word, "conv2d_transpose") == 0;
        double grid = transpose ? (double)l->in.h * (double)l->in.w * (double)l->out.c
                                : (double)l->out.h * (double)l->out.w * (double)l->in.c;
        double patches = grid * (double)l->kh * (double)l->kw;
        most = patches > most ? patches : most;
    }
    return 4.0 * most;
}

/* A model that cannot fit in memory is an error now, not a crash (or the
 * OOM killer) an hour into training. */
static void check_memory(const plan *p, const ast_node *model, diag_ctx *d)
{
    double gib = 1024.0 * 1024.0 * 1024.0;
    double params = 16.0 * (double)p->param_count;
    double acts = plan_arena_bytes(p, p->train.batch) - params;
    double work = workspace_bytes(p);
    double total = params + acts + work;
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
    if (phys > 0 && total > phys)
        diag_error(d, model->word_loc, "model '%s' needs %.1f GiB of memory to train "
                   "at batch %ld (parameters with their gradients and optimizer state "
                   "%.1f GiB, activations %.1f GiB, convolution patches %.1f GiB), "
                   "more than this machine has", p->name, total / gib, p->train.batch,
                   params / gib, acts / gib, work / gib);
}

static uint64_t fnv1a64(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

bool check_spec(const ast_file *f, const char *src, diag_ctx *d, plan *p)
{
    const ast_node *model = NULL, *train = NULL;
    bool partial = d->errors > 0, unknown_block = false;
    memset(p, 0, sizeof *p);
    train_defaults(&p->train);
    p->latent = -1;
    p->logits_off = -1;
    p->spec_path = d->path;
    snprintf(p->spec_hash, sizeof p->spec_hash, "%016llx",
             (unsigned long long)fnv1a64(src, d->len));
    for (const ast_node *n = f->nodes; n; n = n->next) {
        if (n->kind == AST_STMT) {
            diag_error(d, n->word_loc, "'%s' must be inside a model or train block",
                       n->word);
            continue;
        }
        bool is_model = strcmp(n->word, "model") == 0;
        if (!is_model && strcmp(n->word, "train") != 0) {
            unknown_word(d, n, "block", block_words);
            unknown_block = true;
            continue;
        }
        const ast_node **slot = is_model ? &model : &train;
        if (*slot) {
            diag_error(d, n->word_loc, "duplicate %s block", n->word);
            diag_note(d, (*slot)->word_loc, "first %s block was here", n->word);
            continue;
        }
        *slot = n;
        if (is_model) {
            const ast_node *nested = NULL;
            check_model(p, n, d, src, partial, &nested);
            if (nested && !train)
                check_train(p, train = nested, d);
        } else {
            check_train(p, n, d);
        }
    }
    dae_loc start = {0, 0, 0, 0}; /* the file as a whole */
    bool quiet = partial || unknown_block; /* the real mistake is reported */
    if (!model && !quiet)
        diag_error(d, start, "no model block; a spec needs 'model NAME { ... }'");
    if (!train && !quiet)
        diag_error(d, start, "no train block; a spec needs 'train { ... }' "
                             "(an empty one takes every default)");
    if (d->errors)
        return false;
    layout(p);
    check_memory(p, model, d);
    return d->errors == 0;
}
