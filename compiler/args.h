/* Checking one statement's arguments against its registry entry. */
#ifndef DAEC_ARGS_H
#define DAEC_ARGS_H

#include "registry.h"

/* Matches positional and named arguments to kind's table, converts and
 * range-checks each value. Reports every problem; returns true if none. */
bool args_check(const ast_node *stmt, const layer_kind *kind, diag_ctx *d,
                stmt_args *out);

#endif
