/* The grammar of .dae specs. It is generic on purpose: it knows statements
 * and blocks, not layers; compiler/check.c gives them meaning.
 *
 *   file      := item*
 *   item      := statement | block
 *   block     := IDENT [IDENT] '{' item* '}'
 *   statement := IDENT [arg (',' arg)*] ';'
 *   arg       := value | IDENT '=' value
 *   value     := IDENT | NUMBER | DIMS | STRING
 *
 * The first argument follows the word without a comma. Actions only build
 * the tree (compiler/ast.h). They build it as they go: a block is linked
 * into its parent when its '{' is read, a statement into the innermost
 * open block when its ';' is read. So whatever was parsed before an early
 * stop (end of input inside a block, the error limit) is in the tree.
 *
 * Syntax errors are reported GCC-style by yyreport_syntax_error below
 * (parse.error custom: Bison's "detailed" machinery, our own wording):
 *   expected ',' or ';' before 'activation'
 *   expected ';' before '}'          (pointing just after the previous
 *                                     token when ';' is missing at the end
 *                                     of a line; parsing then goes on as if
 *                                     it were there)
 *   expected '}' at end of input     (+ note: to match this '{')
 * Recovery at ';', '{' and '}' lets one run report several errors. */

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include "ast.h"
#include "diag.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* An argument list under construction (appending is O(1)). */
typedef struct dae_arg_list {
    ast_arg *head, *tail;
} dae_arg_list;

/* A block whose '}' has not been read yet. */
typedef struct dae_open_block {
    ast_node *node;
    ast_node *tail;          /* last child, for O(1) appends */
    dae_loc brace;           /* its '{', for "to match this '{'" */
    bool detached;           /* not linked into the tree: freed on close */
} dae_open_block;

/* State shared by the scanner (as its yyextra) and the parser. */
typedef struct dae_pstate {
    diag_ctx *d;
    ast_file *file;
    ast_node *tail;          /* last top-level node */
    dae_open_block *open;    /* stack of open blocks */
    int depth, cap;
    /* scanner */
    int line, col;           /* position of the next byte */
    dae_loc before_prev;     /* the token before prev */
    dae_loc prev;            /* the token before the last one returned */
    dae_loc last;            /* the last token returned (the lookahead) */
    char prev_text[48];      /* prev's spelling, shortened, for messages */
    char last_text[48];      /* last's spelling, shortened, for messages */
    bool last_unterminated;  /* it was a string missing its closing '"' */
    bool last_invalid;       /* it was a malformed number, already reported */
    bool prev_unterminated;  /* the token before was */
    /* parser */
    bool semi_missing;       /* the last syntax error was a missing ';' */
} dae_pstate;
}

%code provides {
/* Blocks nest at most this deep (the language uses two levels). */
#define DAE_MAX_DEPTH 64
/* Must match DIAG_MAX_ERRORS in compiler/diag.c: once more errors than this
 * have been counted, the scanner reports end of input and parsing stops. */
#define DAE_MAX_ERRORS 20

/* Runs scanner and parser over src, appending to f (see parse.c). */
void dae_run_parser(const char *src, size_t len, diag_ctx *d, ast_file *f);
}

%code {
#include <stdlib.h>
#include <string.h>
#include "lex.yy.h"

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, diag_ctx *d,
                    dae_pstate *ps, const char *msg);
static void add_node(dae_pstate *ps, ast_node *n);
static int open_block(dae_pstate *ps, ast_node *n, dae_loc brace, bool detached);
static void close_block(dae_pstate *ps);
static bool insert_semicolon(dae_pstate *ps);
static void free_args(ast_arg *a);
static dae_loc span(dae_loc a, dae_loc b);
}

%define api.pure full
%define api.token.prefix {TOK_}
%define api.location.type {dae_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {diag_ctx *d} {dae_pstate *ps}

%union {
    char *str;
    ast_value val;
    ast_arg *arg;
    dae_arg_list args;
}

%token <str> IDENT  "identifier"
%token <val> NUMBER "number"
%token <val> DIMS   "dimensions"
%token <val> STRING "string"
%token COMMA  ","
%token EQ     "="
%token SEMI   ";"
%token LBRACE "{"
%token RBRACE "}"

%type <val> value
%type <arg> arg
%type <args> args

%destructor { free($$); } <str>
%destructor { free($$.text); } <val>
%destructor {
    free($$->name);
    free($$->value.text);
    free($$);
} <arg>
%destructor { free_args($$.head); } <args>

%%

file:
  %empty
| file item
| file error "}"        { yyerrok; }   /* a '}' with no open block */
;

items:
  %empty
| items item
;

item:
  statement
| block
| error ";"             { yyerrok; }
;

/* `IDENT error` and `IDENT args error` catch a ';' missing at the end of a
 * line: the statement is kept and parsing resumes at the next line's token
 * as if the ';' had been there. Any other error inside a statement drops
 * it and skips to the next ';' (or '{', '}'). */
statement:
  IDENT ";" {
      add_node(ps, ast_stmt_new($1, @1, NULL, span(@1, @2)));
  }
| IDENT args ";" {
      add_node(ps, ast_stmt_new($1, @1, $2.head, span(@1, @3)));
  }
| IDENT error {
      if (!insert_semicolon(ps)) {
          free($1);
          YYERROR;
      }
      add_node(ps, ast_stmt_new($1, @1, NULL, @1));
      yyerrok;
  }
| IDENT args error {
      if (!insert_semicolon(ps)) {
          free($1);
          free_args($2.head);
          YYERROR;
      }
      add_node(ps, ast_stmt_new($1, @1, $2.head, span(@1, @2)));
      yyerrok;
  }
;

args:
  arg                   { $$.head = $$.tail = $1; }
| args "," arg          { $$ = $1; $$.tail->next = $3; $$.tail = $3; }
;

arg:
  value                 { $$ = ast_arg_new(NULL, (dae_loc){0, 0, 0, 0}, $1, @1); }
| IDENT "=" value       { $$ = ast_arg_new($1, @1, $3, span(@1, @3)); }
;

value:
  IDENT {
      $$ = (ast_value){.kind = AST_IDENT, .loc = @1, .text = $1};
  }
| NUMBER
| DIMS
| STRING
;

block:
  block_open items "}"          { close_block(ps); }
| block_open items error "}"    { close_block(ps); yyerrok; }
;

block_open:
  IDENT "{" {
      if (open_block(ps, ast_block_new($1, @1, NULL, (dae_loc){0, 0, 0, 0},
                                       NULL, span(@1, @2)), @2, false))
          YYABORT;
  }
| IDENT IDENT "{" {
      if (open_block(ps, ast_block_new($1, @1, $2, @2, NULL, span(@1, @3)),
                     @3, false))
          YYABORT;
  }
/* A '{' reached while skipping a broken header (`model "ff" {`): its
 * contents are still parsed, for their errors, then dropped. */
| error "{" {
      if (open_block(ps, ast_block_new(NULL, @2, NULL, (dae_loc){0, 0, 0, 0},
                                       NULL, @2), @2, true))
          YYABORT;
  }
;

%%

static dae_loc span(dae_loc a, dae_loc b)
{
    dae_loc l = {a.first_line, a.first_column, b.last_line, b.last_column};
    return l;
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

/* Links n into the innermost open block, or the file. */
static void add_node(dae_pstate *ps, ast_node *n)
{
    if (ps->depth > 0) {
        dae_open_block *b = &ps->open[ps->depth - 1];
        if (b->tail)
            b->tail->next = n;
        else
            b->node->children = n;
        b->tail = n;
    } else {
        if (ps->tail)
            ps->tail->next = n;
        else
            ps->file->nodes = n;
        ps->tail = n;
    }
}

/* Frees a block that was never linked into the tree, with its contents. */
static void free_detached(ast_node *n)
{
    ast_file *tmp = calloc(1, sizeof *tmp);
    if (tmp) {
        tmp->nodes = n;
        ast_file_free(tmp);
    }
}

/* Makes n the innermost open block; links it into the tree unless it is
 * detached (the body of a broken header). Nonzero (after an error) when
 * blocks nest too deeply. */
static int open_block(dae_pstate *ps, ast_node *n, dae_loc brace, bool detached)
{
    if (ps->depth >= DAE_MAX_DEPTH) {
        diag_error(ps->d, brace, "blocks nested too deeply (at most %d levels)",
                   DAE_MAX_DEPTH);
        free_detached(n);
        return 1;
    }
    if (ps->depth == ps->cap) {
        int cap = ps->cap ? 2 * ps->cap : 8;
        dae_open_block *o = realloc(ps->open, (size_t)cap * sizeof *o);
        if (!o) {
            diag_error(ps->d, brace, "out of memory");
            free_detached(n);
            return 1;
        }
        ps->open = o;
        ps->cap = cap;
    }
    if (!detached)
        add_node(ps, n);
    ps->open[ps->depth++] = (dae_open_block){n, NULL, brace, detached};
    return 0;
}

static void close_block(dae_pstate *ps)
{
    if (ps->depth > 0) {
        dae_open_block *b = &ps->open[--ps->depth];
        if (b->detached)
            free_detached(b->node);
    }
}

/* Whether the syntax error just reported was a ';' missing at the end of a
 * line (then the statement is kept). Consumes the answer. */
static bool insert_semicolon(dae_pstate *ps)
{
    bool yes = ps->semi_missing;
    ps->semi_missing = false;
    return yes;
}

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, diag_ctx *d,
                    dae_pstate *ps, const char *msg)
{
    (void)scanner;
    (void)ps;
    diag_error(d, *loc, "%s", msg);
}

/* How an expected token reads in "expected X before Y". */
static const char *expected_name(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_SEMI:   return "';'";
    case YYSYMBOL_COMMA:  return "','";
    case YYSYMBOL_EQ:     return "'='";
    case YYSYMBOL_LBRACE: return "'{'";
    case YYSYMBOL_RBRACE: return "'}'";
    case YYSYMBOL_IDENT:  return "identifier";
    case YYSYMBOL_NUMBER: return "number";
    case YYSYMBOL_DIMS:   return "dimensions";
    case YYSYMBOL_STRING: return "string";
    case YYSYMBOL_YYEOF:  return "end of input";
    default:              return "something else";
    }
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
                                 diag_ctx *d, dae_pstate *ps)
{
    (void)scanner;
    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
    if (n < 0)
        n = 0;
    yysymbol_kind_t got = yypcontext_token(ctx);
    dae_loc loc = *yypcontext_location(ctx);
    ps->semi_missing = false;

    bool has_ident = false, has_lit = false, has_semi = false;
    bool has_rbrace = false, has_eof = false;
    for (int i = 0; i < n; i++) {
        switch (exp[i]) {
        case YYSYMBOL_IDENT:  has_ident = true; break;
        case YYSYMBOL_NUMBER: case YYSYMBOL_DIMS: case YYSYMBOL_STRING:
            has_lit = true; break;
        case YYSYMBOL_SEMI:   has_semi = true; break;
        case YYSYMBOL_RBRACE: has_rbrace = true; break;
        case YYSYMBOL_YYEOF:  has_eof = true; break;
        default: break;
        }
    }

    /* What was found instead. */
    char what[80];
    switch (got) {
    case YYSYMBOL_YYEOF:
        snprintf(what, sizeof what, "at end of input");
        break;
    case YYSYMBOL_STRING:
        snprintf(what, sizeof what, "before string constant");
        break;
    default:
        snprintf(what, sizeof what, "before '%s'", ps->last_text);
        break;
    }

    /* A malformed number was reported by the scanner: one error is enough. */
    if (ps->last_invalid)
        return 0;

    /* A '}' outside every block. */
    if (got == YYSYMBOL_RBRACE && !has_rbrace && !has_semi && ps->depth == 0) {
        diag_error(d, loc, "unmatched '}'");
        return 0;
    }

    /* End of input inside a block. */
    if (got == YYSYMBOL_YYEOF && has_rbrace && !has_semi) {
        /* just after the last token, not on the line past the end */
        dae_loc at = {ps->prev.last_line, ps->prev.last_column,
                      ps->prev.last_line, ps->prev.last_column + 1};
        diag_error(d, ps->prev.last_line > 0 ? at : loc,
                   "expected '}' at end of input");
        if (ps->depth > 0)
            diag_note(d, ps->open[ps->depth - 1].brace, "to match this '{'");
        return 0;
    }

    /* A ';' missing at the end of a line (or of the input): point just
     * after the token that ends the statement, on its line, as gcc does. The parser then goes on
     * as if the ';' were there. After a string missing its closing quote
     * (which swallowed the rest of its line), that error is enough. */
    if (has_semi && ps->prev.last_line > 0
        && (loc.first_line > ps->prev.last_line || got == YYSYMBOL_YYEOF)) {
        dae_loc at = {ps->prev.last_line, ps->prev.last_column,
                      ps->prev.last_line, ps->prev.last_column + 1};
        if (!ps->prev_unterminated)
            diag_error(d, at, "expected ';' %s", what);
        ps->semi_missing = true;
        return 0;
    }

    /* A statement word swallowed as the argument of a statement missing
     * its ';' at the end of the line before (`flatten` then `dense 784;`):
     * the token before the error starts its line, the error is on that
     * line, and a ';' would have been accepted. Point at the real place. */
    bool got_value = got == YYSYMBOL_NUMBER || got == YYSYMBOL_DIMS
                     || got == YYSYMBOL_STRING || got == YYSYMBOL_IDENT;
    if (has_semi && got_value && ps->before_prev.last_line > 0
        && ps->prev.first_line > ps->before_prev.last_line
        && loc.first_line == ps->prev.first_line) {
        dae_loc at = {ps->before_prev.last_line, ps->before_prev.last_column,
                      ps->before_prev.last_line, ps->before_prev.last_column + 1};
        diag_error(d, at, "expected ';' before '%s'", ps->prev_text);
        return 0;
    }

    /* The list of what would have been accepted: a value (identifier,
     * number, dimensions or string) is named once. */
    const char *names[YYNTOKENS + 1];
    int k = 0;
    if (has_ident && has_lit)
        names[k++] = "value";
    else if (has_ident)
        names[k++] = "identifier";
    for (int i = 0; i < n; i++) {
        switch (exp[i]) {
        case YYSYMBOL_IDENT:
        case YYSYMBOL_YYEOF:             /* named only when alone */
            break;
        case YYSYMBOL_NUMBER: case YYSYMBOL_DIMS: case YYSYMBOL_STRING:
            if (!has_ident)
                names[k++] = expected_name(exp[i]);
            break;
        default:
            names[k++] = expected_name(exp[i]);
            break;
        }
    }
    if (k == 0 && has_eof)
        names[k++] = expected_name(YYSYMBOL_YYEOF);
    if (k == 0) {
        diag_error(d, loc, "syntax error %s", what);
        return 0;
    }

    char msg[256];
    size_t len = (size_t)snprintf(msg, sizeof msg, "expected ");
    for (int i = 0; i < k && len < sizeof msg; i++) {
        const char *sep = i == 0 ? "" : i == k - 1 ? " or " : ", ";
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", sep, names[i]);
    }
    diag_error(d, loc, "%s %s", msg, what);
    return 0;
}

void dae_run_parser(const char *src, size_t len, diag_ctx *d, ast_file *f)
{
    dae_pstate ps;
    memset(&ps, 0, sizeof ps);
    ps.d = d;
    ps.file = f;
    ps.line = 1;
    ps.col = 1;
    for (ast_node *n = f->nodes; n; n = n->next)
        ps.tail = n;

    yyscan_t scanner;
    if (yylex_init_extra(&ps, &scanner)) {
        diag_error(d, (dae_loc){0, 0, 0, 0}, "out of memory");
        return;
    }
    YY_BUFFER_STATE buf = yy_scan_bytes(src ? src : "", (int)len, scanner);
    yyparse(scanner, d, &ps);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    /* Blocks left open by an early stop are in the tree already, except
     * detached ones, which close_block frees. */
    while (ps.depth > 0)
        close_block(&ps);
    free(ps.open);
}
