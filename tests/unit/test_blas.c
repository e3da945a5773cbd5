/* The runtime's door to sgemm (blas.c) against a plain triple loop, every
 * transpose, beta 0 over NaN and beta 1, on shapes OpenBLAS takes down its
 * small-matrix path and shapes it packs; the gate that tells them apart;
 * and the choice of OpenBLAS kernels (blas_core.c). */
#include <stdlib.h>
#include <string.h>
#include "blas.h"
#include "blas_core.h"
#include "check.h"

/* C = op(A) op(B) + beta C, in double. */
static void reference(int ta, int tb, int M, int N, int K, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double sum = 0;
            for (int k = 0; k < K; k++)
                sum += (double)(ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]) *
                       (double)(tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j]);
            float *c = C + (size_t)i * ldc + j;
            *c = (float)(sum + (beta != 0.0f ? (double)beta * *c : 0.0));
        }
}

static float *filled(size_t n, unsigned seed)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (float)((i * 2654435761u + seed) % 2001u) * 1e-3f - 1.0f;
    return p;
}

/* One shape, C with 3 spare columns a row (ldc > N), beta 0 over NaN and
 * beta 1 over values. */
static void check_shape(int ta, int tb, int M, int N, int K)
{
    const int lda = ta ? M : K, ldb = tb ? K : N, ldc = N + 3;
    float *A = filled((size_t)M * K, 1), *B = filled((size_t)K * N, 2);
    float *C = filled((size_t)M * ldc, 3), *R = malloc((size_t)M * ldc * sizeof *R);
    char name[120];

    for (int b = 0; b < 2; b++) {
        float beta = (float)b;
        if (beta == 0.0f)
            for (int i = 0; i < M * ldc; i++)
                C[i] = NAN;
        memcpy(R, C, (size_t)M * ldc * sizeof *R);
        dae_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
        reference(ta, tb, M, N, K, A, lda, B, ldb, beta, R, ldc);
        int spare_kept = 1; /* columns past N are not C's */
        for (int i = 0; i < M; i++)
            for (int j = N; j < ldc; j++)
                spare_kept &= memcmp(&C[(size_t)i * ldc + j], &R[(size_t)i * ldc + j],
                                     sizeof *C) == 0;
        double worst = 0;
        for (int i = 0; i < M; i++) {
            double d = check_max_rel(C + (size_t)i * ldc, R + (size_t)i * ldc, (size_t)N, 1.0);
            worst = d > worst ? d : worst;
        }
        snprintf(name, sizeof name, "sgemm_%c%c_%dx%dx%d_beta%d%s", ta ? 'T' : 'N',
                 tb ? 'T' : 'N', M, N, K, b,
                 dae_sgemm_is_small(ta, tb, M, N, K) ? "_small_path" : "");
        check_report(worst < 1e-5 && spare_kept, name, "max rel. error %.2g%s", worst,
                     spare_kept ? "" : ", wrote past N");
    }
    free(A), free(B), free(C), free(R);
}

/* The small-matrix gate: OpenBLAS 0.3.21's, for its SkylakeX-class cores. */
static void check_gate(void)
{
    static const struct { int ta, tb, M, N, K, small; } cases[] = {
        {0, 0, 196, 64, 64, 1},  /* 0.8e6 multiply-adds */
        {0, 0, 196, 128, 64, 0}, /* 1.6e6: packed */
        {1, 0, 64, 64, 196, 1},  /* column-major NT */
        {0, 1, 196, 64, 64, 0},  /* column-major TN with a 12544-float C */
        {0, 1, 8, 16, 64, 1},    /* ... or with a small one */
        {0, 1, 8, 16, 16, 0},    /* ... and K < 32 */
    };
    const int has = dae_blas_core_small_kernels();
    int bad = -1;

    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++)
        if (dae_sgemm_is_small(cases[i].ta, cases[i].tb, cases[i].M, cases[i].N,
                               cases[i].K) != (has && cases[i].small))
            bad = i;
    check_report(bad < 0, "sgemm_small_path_gate", "OpenBLAS %s kernels%s; case %d",
                 dae_blas_core_name(), has ? " (with small-matrix ones)" : "", bad);
}

/* dae_transpose on a 3 x 5 matrix: to[c][r] == from[r][c]. */
static void check_transpose(void)
{
    float from[15], to[15];
    int bad = -1;

    for (int i = 0; i < 15; i++)
        from[i] = (float)i;
    dae_transpose(3, 5, from, to);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 5; c++)
            if (to[c * 3 + r] != from[r * 5 + c])
                bad = r * 5 + c;
    check_report(bad < 0, "transpose_3x5", "first wrong element %d", bad);
}

/* Only OpenBLAS's pre-AVX2 core types are ever replaced. */
static void check_core_choice(void)
{
    static const char *const kept[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake",
                                       "SapphireRapids", "NeoverseN1", "unknown"};
    int bad = -1;

    for (int i = 0; i < (int)(sizeof kept / sizeof kept[0]); i++)
        if (dae_blas_core_better(kept[i]) != NULL)
            bad = i;
    check_report(bad < 0, "blas_core_keeps_avx2_and_later_cores", "case %d", bad);
    const char *better = dae_blas_core_better("Prescott");
    int avx2 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    check_report(avx2 ? better != NULL && strcmp(better, "Prescott") != 0 : better == NULL,
                 "blas_core_replaces_prescott_exactly_on_avx2_cpus", "%s -> %s",
                 avx2 ? "AVX2+FMA" : "no AVX2", better ? better : "kept");
}

int main(int argc, char **argv)
{
    (void)argc;
    dae_blas_core_restart(argv); /* the kernels a trainer runs on */
    static const int shapes[][3] = {{196, 64, 64}, {196, 128, 64}, {72, 64, 64},
                                    {7, 5, 3}, {130, 70, 300}};
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                check_shape(ta, tb, shapes[s][0], shapes[s][1], shapes[s][2]);
    check_gate();
    check_transpose();
    check_core_choice();
    return check_failures != 0;
}
