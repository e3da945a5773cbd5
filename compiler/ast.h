/* The syntax tree of a .dae file. The grammar only builds it; meaning is
 * given by check.c. Every node keeps its source location. */
#ifndef DAEC_AST_H
#define DAEC_AST_H

#include <stdbool.h>

/* Same layout as Bison's YYLTYPE. Lines and columns count from 1; columns
 * count bytes; last_column is the column just past the last character. */
typedef struct dae_loc {
    int first_line, first_column;
    int last_line, last_column;
} dae_loc;

typedef enum ast_value_kind {
    AST_INT,     /* 784 */
    AST_FLOAT,   /* 0.7, 1e-3 */
    AST_DIMS,    /* 3x3, 28x28x1 */
    AST_IDENT,   /* relu, same, true, false (booleans are identifiers) */
    AST_STRING   /* "data/x" with escapes resolved */
} ast_value_kind;

typedef struct ast_value {
    ast_value_kind kind;
    dae_loc loc;
    long long i;         /* AST_INT */
    double f;            /* AST_FLOAT; also set for AST_INT */
    long long dims[3];   /* AST_DIMS */
    int ndims;
    bool overflow;       /* a number too large for its type: checker reports */
    bool invalid;        /* a malformed literal (12abc, 1x2x3x4, -3x3): the
                          * scanner reported it; skip it without a message */
    char *text;          /* the source spelling (identifier, string value) */
} ast_value;

/* One argument: positional (name == NULL) or name=value. */
typedef struct ast_arg {
    char *name;
    dae_loc name_loc;
    ast_value value;
    dae_loc loc;         /* the whole argument, name through value */
    struct ast_arg *next;
} ast_arg;

typedef enum ast_node_kind { AST_STMT, AST_BLOCK } ast_node_kind;

/* A statement `WORD args ;` or a block `WORD [NAME] { children }`. */
typedef struct ast_node {
    ast_node_kind kind;
    char *word;
    dae_loc word_loc;
    dae_loc loc;             /* the whole statement or block header */
    char *name;              /* block name (`model ff`), or NULL */
    dae_loc name_loc;
    ast_arg *args;           /* statements */
    struct ast_node *children; /* blocks */
    struct ast_node *next;
} ast_node;

typedef struct ast_file {
    ast_node *nodes;         /* top-level blocks (and stray statements) */
} ast_file;

ast_node *ast_stmt_new(char *word, dae_loc word_loc, ast_arg *args, dae_loc loc);
ast_node *ast_block_new(char *word, dae_loc word_loc, char *name,
                        dae_loc name_loc, ast_node *children, dae_loc loc);
ast_arg *ast_arg_new(char *name, dae_loc name_loc, ast_value value, dae_loc loc);
/* Appends b after the list a; returns the head. */
ast_node *ast_node_append(ast_node *a, ast_node *b);
ast_arg *ast_arg_append(ast_arg *a, ast_arg *b);
void ast_file_free(ast_file *f);

#endif
