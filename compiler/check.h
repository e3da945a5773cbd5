/* Semantic analysis: AST -> plan. Every error is reported through the
 * diagnostics context, not only the first. */
#ifndef DAEC_CHECK_H
#define DAEC_CHECK_H

#include "ast.h"
#include "diag.h"
#include "plan.h"

/* Returns true and fills p when the spec is valid; p must be freed with
 * plan_free either way. */
bool check_spec(const ast_file *f, const char *src, diag_ctx *d, plan *p);

#endif
