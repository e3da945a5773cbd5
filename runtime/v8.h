/* Eight floats as one value (GCC and Clang vector extensions), loaded from
 * and stored to plain float arrays: accumulators of 8k floats then stay in
 * registers, where arrays of floats would be kept in memory, and the loops
 * are vector code whatever the optimiser decides. */
#ifndef DAE_V8_H
#define DAE_V8_H

typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));

#endif
