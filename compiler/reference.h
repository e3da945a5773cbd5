/* The language reference in Markdown, printed from the registry
 * (`daec --reference`), so the docs cannot drift from the checker. */
#ifndef DAEC_REFERENCE_H
#define DAEC_REFERENCE_H

#include <stdio.h>

void reference_print(FILE *out);

#endif
