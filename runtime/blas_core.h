/* Which OpenBLAS kernels run the products. OpenBLAS picks them for the
 * CPU while it loads; Debian 12's OpenBLAS 0.3.21 predates some CPUs
 * (Intel's family 6 model 207, on this project's VMs) and falls back to
 * its Prescott kernels, SSE3 only, which run the trainers' products 3x
 * slower. OpenBLAS reads OPENBLAS_CORETYPE only while it loads, so the
 * cure is to set it and start the program again. */
#ifndef DAE_BLAS_CORE_H
#define DAE_BLAS_CORE_H

/* If OpenBLAS chose kernels older than AVX2 on a CPU that has AVX2 and
 * FMA (or AVX-512), and OPENBLAS_CORETYPE is unset: sets it to Haswell
 * (SkylakeX), records OpenBLAS's own choice in DAE_OPENBLAS_CHOSE and
 * executes /proc/self/exe with argv again; returns only if that is not
 * needed (0) or failed (-1, the program then goes on with OpenBLAS's
 * choice). Call it first thing, before any output or thread. */
int dae_blas_core_restart(char **argv);

/* The kernels OpenBLAS runs (its core type's name, e.g. "SkylakeX"). */
const char *dae_blas_core_name(void);

/* The core type to run instead of OpenBLAS's choice `chosen` on this CPU,
 * or NULL to keep it. */
const char *dae_blas_core_better(const char *chosen);

/* OpenBLAS runs kernels with small-matrix paths (its SkylakeX-class ones:
 * SkylakeX, Cooperlake, SapphireRapids). */
int dae_blas_core_small_kernels(void);

/* OpenBLAS's own choice when dae_blas_core_restart replaced it, else NULL. */
const char *dae_blas_core_replaced(void);

#endif
