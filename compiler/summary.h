/* The Keras-style model table printed by `daec --summary` and embedded in
 * every trainer for its `summary` command. */
#ifndef DAEC_SUMMARY_H
#define DAEC_SUMMARY_H

#include <stdio.h>
#include "plan.h"

void summary_print(FILE *out, const plan *p);

#endif
