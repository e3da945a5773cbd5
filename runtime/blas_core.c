#include "blas_core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *openblas_get_corename(void);

/* OpenBLAS's x86 core types without AVX2 kernels. The list is closed (new
 * CPUs only add newer names), so an unknown name is left alone. */
static const char *const pre_avx2_cores[] = {
    "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom",
    "Core2", "Penryn", "Dunnington", "Nehalem", "Athlon", "Opteron",
    "Opteron(SSE3)", "Barcelona", "Nano", "Sandybridge", "Bobcat",
    "Bulldozer", "Piledriver", "Steamroller",
};

static int is_pre_avx2(const char *core)
{
    for (size_t i = 0; i < sizeof pre_avx2_cores / sizeof pre_avx2_cores[0]; i++)
        if (strcmp(core, pre_avx2_cores[i]) == 0)
            return 1;
    return 0;
}

/* The newest kernels this CPU (and its OS, which must save the wide
 * registers; __builtin_cpu_supports checks that too) can run, or NULL. */
static const char *best_core(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

const char *dae_blas_core_name(void)
{
    const char *name = openblas_get_corename();
    return name ? name : "unknown";
}

const char *dae_blas_core_better(const char *chosen)
{
    return is_pre_avx2(chosen) ? best_core() : NULL;
}

/* Asked before every small product (blas.c), from any thread: the answer
 * is looked up once, as OpenBLAS's core does not change once loaded. */
int dae_blas_core_small_kernels(void)
{
    static const char *const with_small[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
    static atomic_int known = -1;
    int small = atomic_load_explicit(&known, memory_order_relaxed);
    if (small >= 0)
        return small;
    const char *core = dae_blas_core_name();
    small = 0;
    for (size_t i = 0; i < sizeof with_small / sizeof with_small[0]; i++)
        small |= strcmp(core, with_small[i]) == 0;
    atomic_store_explicit(&known, small, memory_order_relaxed);
    return small;
}

int dae_blas_core_restart(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") != NULL)
        return 0;  /* the user's choice, or this is the restarted program */
    const char *chosen = dae_blas_core_name();
    const char *better = dae_blas_core_better(chosen);
    if (better == NULL)
        return 0;
    if (setenv("DAE_OPENBLAS_CHOSE", chosen, 1) == 0
        && setenv("OPENBLAS_CORETYPE", better, 1) == 0)
        execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("DAE_OPENBLAS_CHOSE");
    return -1;
}

const char *dae_blas_core_replaced(void)
{
    return getenv("DAE_OPENBLAS_CHOSE");
}
