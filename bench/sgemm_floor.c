/* The sgemm floor of a generated model: times cblas_sgemm alone on every
 * GEMM of one training epoch (forward, weight gradient and input gradient
 * of each dense layer for every batch, then the validation forward pass)
 * and prints the seconds an epoch would take if nothing else ran.
 * Linked with a generated trainer (its main renamed), like the tests. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include "dae.h"
#include "progress.h"

extern const dae_model daec_model;

typedef struct gemm {
    int trans_a, trans_b, m, n, k;
} gemm;

static double time_gemm(const gemm *g, float *a, float *b, float *c, int reps)
{
    int lda = g->trans_a ? g->m : g->k, ldb = g->trans_b ? g->k : g->n;
    double t0 = dae_seconds();
    for (int r = 0; r < reps; r++)
        cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
                    g->trans_b ? CblasTrans : CblasNoTrans, g->m, g->n, g->k,
                    1.0f, a, lda, b, ldb, 0.0f, c, g->n);
    return (dae_seconds() - t0) / reps;
}

int main(int argc, char **argv)
{
    const dae_model *m = &daec_model;
    long train = argc > 1 ? atol(argv[1]) : 60000, val = 10000;
    int batch = m->train.batch;
    float *a = calloc(1 << 24, sizeof(float)), *b = calloc(1 << 24, sizeof(float));
    float *c = calloc(1 << 24, sizeof(float));
    if (!a || !b || !c)
        return 1;
    double seconds = 0, flops = 0;
    for (int i = 0, first = 1; i < m->n_params; i++) {
        const dae_param *p = &m->params[i];
        if (p->rank != 2)
            continue;
        int in = p->shape[0], out = p->shape[1];
        gemm fwd = {0, 0, batch, out, in}, dw = {1, 0, in, out, batch},
             dx = {0, 1, batch, in, out};
        double steps = (double)train / batch, vsteps = (double)val / batch;
        double t = time_gemm(&fwd, a, b, c, 20) * (steps + vsteps)
                   + time_gemm(&dw, a, b, c, 20) * steps
                   + (first ? 0 : time_gemm(&dx, a, b, c, 20) * steps);
        double f = 2.0 * in * out * ((double)train * (first ? 2 : 3) + (double)val);
        printf("  %-18s %4d x %-4d  %7.1f GFLOP  %6.2f s  %6.1f GFLOP/s\n",
               p->name, in, out, f / 1e9, t, f / t / 1e9);
        seconds += t;
        flops += f;
        first = 0;
    }
    printf("SGEMM_FLOOR_SECONDS %.3f\nSGEMM_FLOOR_GFLOPS %.1f\nEPOCH_GFLOP %.1f\n",
           seconds, flops / seconds / 1e9, flops / 1e9);
    free(a);
    free(b);
    free(c);
    return 0;
}
