/* Constructors and the destructor of the syntax tree (ast.h). The parser
 * owns nothing: every string handed to a constructor belongs to the tree
 * from then on, and ast_file_free releases all of it. */
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        fputs("daec: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

ast_node *ast_stmt_new(char *word, dae_loc word_loc, ast_arg *args, dae_loc loc)
{
    ast_node *n = xcalloc(1, sizeof *n);
    n->kind = AST_STMT;
    n->word = word;
    n->word_loc = word_loc;
    n->args = args;
    n->loc = loc;
    return n;
}

ast_node *ast_block_new(char *word, dae_loc word_loc, char *name,
                        dae_loc name_loc, ast_node *children, dae_loc loc)
{
    ast_node *n = xcalloc(1, sizeof *n);
    n->kind = AST_BLOCK;
    n->word = word;
    n->word_loc = word_loc;
    n->name = name;
    n->name_loc = name_loc;
    n->children = children;
    n->loc = loc;
    return n;
}

ast_arg *ast_arg_new(char *name, dae_loc name_loc, ast_value value, dae_loc loc)
{
    ast_arg *a = xcalloc(1, sizeof *a);
    a->name = name;
    a->name_loc = name_loc;
    a->value = value;
    a->loc = loc;
    return a;
}

ast_node *ast_node_append(ast_node *a, ast_node *b)
{
    if (!a)
        return b;
    ast_node *t = a;
    while (t->next)
        t = t->next;
    t->next = b;
    return a;
}

ast_arg *ast_arg_append(ast_arg *a, ast_arg *b)
{
    if (!a)
        return b;
    ast_arg *t = a;
    while (t->next)
        t = t->next;
    t->next = b;
    return a;
}

static void free_args(ast_arg *a)
{
    while (a) {
        ast_arg *next = a->next;
        free(a->name);
        free(a->value.text);
        free(a);
        a = next;
    }
}

/* Recursion only follows nesting, which the parser bounds (DAE_MAX_DEPTH
 * in dae.y); siblings are freed in a loop. */
static void free_nodes(ast_node *n)
{
    while (n) {
        ast_node *next = n->next;
        free(n->word);
        free(n->name);
        free_args(n->args);
        free_nodes(n->children);
        free(n);
        n = next;
    }
}

void ast_file_free(ast_file *f)
{
    if (!f)
        return;
    free_nodes(f->nodes);
    free(f);
}
