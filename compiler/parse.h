/* Runs the scanner and parser over one source text. Syntax errors are
 * reported through d (several per run, thanks to recovery at ';' and '}');
 * the tree is returned even when some statements were dropped. */
#ifndef DAEC_PARSE_H
#define DAEC_PARSE_H

#include "ast.h"
#include "diag.h"

ast_file *dae_parse(const char *src, size_t len, diag_ctx *d);

#endif
