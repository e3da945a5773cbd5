/* conv2d and conv2d_transpose as im2col + sgemm over groups of samples.
 * A group's column matrix is bounded (group_cap floats) so the workspace
 * stays small whatever B is; the weight gradient sums over the groups.
 * conv2d with a single filter is computed directly instead (conv_f1.c),
 * and a 3x3 stride-1 conv2d whose shape asks for it by Winograd's
 * algorithm (winograd.c). */
#include "conv.h"

#include <cblas.h>
#include <string.h>
#include "conv_f1.h"
#include "dense.h"
#include "im2col.h"
#include "parallel.h"
#include "progress.h"
#include "winograd.h"

/* 1M floats (4 MB): a group's patches then stay in cache between im2col
 * and the GEMM that reads them. On the article's model (B = 128, 2 cores,
 * 32 MB L3) a training step takes ~240 ms with caps of 0.5M-1M floats,
 * ~250 with 2M, ~290 with 4M and ~320 with 16M; as one group the biggest
 * conv (14x14x64 -> 64) would need 14M floats. */
#define DEFAULT_GROUP_CAP ((size_t)1 << 20)

static size_t group_cap = DEFAULT_GROUP_CAP;
double dae_conv_gemm_seconds, dae_conv_patch_seconds;

void dae_conv_set_group_cap(size_t floats)
{
    group_cap = floats ? floats : DEFAULT_GROUP_CAP;
}

/* Samples per group: as many as fit the cap, at least one. */
static int group_size(size_t per_sample, int B)
{
    size_t g = per_sample ? group_cap / per_sample : (size_t)B;

    if (g < 1)
        g = 1;
    return g < (size_t)B ? (int)g : B;
}

static size_t workspace(size_t per_sample, int B)
{
    return B > 0 ? (size_t)group_size(per_sample, B) * per_sample : 0;
}

/* conv2d's patches: taken from its input. */
static dae_patches conv_patches(const dae_conv_shape *s)
{
    return (dae_patches){s->H, s->W, s->C, s->KH, s->KW, s->SH, s->SW,
                         s->OH, s->OW, s->pad_top, s->pad_left};
}

/* conv2d_transpose's patches: those of the conv2d it transposes, which
 * reads the OH x OW x F output side and has an H x W grid. */
static dae_patches transpose_patches(const dae_conv_shape *s)
{
    return (dae_patches){s->OH, s->OW, s->F, s->KH, s->KW, s->SH, s->SW,
                         s->H, s->W, s->pad_top, s->pad_left};
}

/* The shape asks for Winograd and Winograd can compute it. */
static int winograd(const dae_conv_shape *s)
{
    return s->algo == DAE_CONV_WINOGRAD && dae_winograd_fits(s);
}

/* Samples per Winograd group: its tile matrices bounded like im2col's. */
static int winograd_group(const dae_conv_shape *s, int B)
{
    return group_size(dae_winograd_sample_floats(s), B);
}

size_t dae_conv2d_workspace(const dae_conv_shape *s, int B)
{
    dae_patches p = conv_patches(s);

    if (winograd(s))
        return B > 0 ? dae_winograd_workspace(s, winograd_group(s, B)) : 0;
    if (s->F == 1)
        return B > 0 ? dae_conv2d_f1_workspace(s) : 0;
    return workspace(dae_patches_cols(&p), B);
}

size_t dae_conv2d_transpose_workspace(const dae_conv_shape *s, int B)
{
    dae_patches p = transpose_patches(s);
    return workspace(dae_patches_cols(&p), B);
}

/* C[M,1] = op(A) op(B) + beta C as a GEMV: OpenBLAS 0.3.21's sgemm is
 * about 4x slower than sgemv at N = 1 (e.g. a transposed conv's input
 * gradient with one input channel). */
static void gemm_n1(int ta, int tb, int M, int K, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc)
{
    /* BLAS versions differ on whether beta = 0 lets a NaN in C through. */
    if (beta == 0.0f)
        for (int i = 0; i < M; i++)
            C[(size_t)i * (size_t)ldc] = 0.0f;
    cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, ta ? K : M,
                ta ? M : K, 1.0f, A, lda, B, tb ? 1 : ldb, beta, C, ldc);
}

/* C[M,N] = op(A) op(B) + beta C for K = 1, an outer product (a transposed
 * conv with one input channel, a conv with one tap): a plain loop writes
 * it at memory speed, where sgemm is several times slower. */
static void gemm_k1(int ta, int tb, int M, int N, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc)
{
    const size_t sa = ta ? 1 : (size_t)lda, sb = tb ? (size_t)ldb : 1;

    for (int i = 0; i < M; i++) {
        float a = A[(size_t)i * sa], *c = C + (size_t)i * (size_t)ldc;
        if (beta == 0.0f)
            for (int j = 0; j < N; j++)
                c[j] = a * B[(size_t)j * sb];
        else
            for (int j = 0; j < N; j++)
                c[j] = beta * c[j] + a * B[(size_t)j * sb];
    }
}

/* Row-major C[M,N] = op(A) op(B) + beta C, timed for profiling. */
static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc)
{
    double t0 = dae_seconds();

    if (K == 1)
        gemm_k1(ta, tb, M, N, A, lda, B, ldb, beta, C, ldc);
    else if (N == 1)
        gemm_n1(ta, tb, M, K, A, lda, B, ldb, beta, C, ldc);
    else
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                    tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, lda, B,
                    ldb, beta, C, ldc);
    dae_conv_gemm_seconds += dae_seconds() - t0;
}

/* im2col or col2im over a range of images; images never share a row of
 * cols or a pixel, so the range can be split over threads. */
typedef struct patch_job {
    const dae_patches *p;
    const float *from;
    float *to;
} patch_job;

static void im2col_range(void *ctx, size_t first, size_t last)
{
    const patch_job *j = ctx;
    size_t img = (size_t)j->p->H * j->p->W * j->p->C, col = dae_patches_cols(j->p);
    dae_im2col(j->p, (int)(last - first), j->from + first * img, j->to + first * col);
}

static void col2im_range(void *ctx, size_t first, size_t last)
{
    const patch_job *j = ctx;
    size_t img = (size_t)j->p->H * j->p->W * j->p->C, col = dae_patches_cols(j->p);
    dae_col2im_add(j->p, (int)(last - first), j->from + first * col, j->to + first * img);
}

static void im2col(const dae_patches *p, int n, const float *imgs, float *cols)
{
    double t0 = dae_seconds();
    patch_job j = {p, imgs, cols};
    dae_parallel_for((size_t)n, 2, im2col_range, &j);
    dae_conv_patch_seconds += dae_seconds() - t0;
}

static void col2im_add(const dae_patches *p, int n, const float *cols,
                       float *imgs)
{
    double t0 = dae_seconds();
    patch_job j = {p, cols, imgs};
    dae_parallel_for((size_t)n, 2, col2im_range, &j);
    dae_conv_patch_seconds += dae_seconds() - t0;
}

/* The gradients of an empty batch. */
static void empty_batch(size_t nW, int F, float *dW, float *db)
{
    memset(dW, 0, nW * sizeof *dW);
    if (db)
        memset(db, 0, (size_t)F * sizeof *db);
}

void dae_conv2d_forward(const dae_conv_shape *s, int B, const float *x,
                        const float *W, const float *b, float *y, float *work)
{
    if (B <= 0)
        return;
    if (winograd(s)) {
        dae_winograd_forward(s, B, winograd_group(s, B), x, W, b, y, work);
        return;
    }
    if (s->F == 1) {
        dae_conv2d_f1_forward(s, B, x, W, b, y);
        return;
    }
    const dae_patches p = conv_patches(s);
    const int rows = s->OH * s->OW, K = s->KH * s->KW * s->C;
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)rows * (size_t)s->F;
    const int G = group_size(dae_patches_cols(&p), B);

    dae_bias_rows((size_t)B * (size_t)rows, s->F, b, y);
    for (int n0 = 0; n0 < B; n0 += G) {
        int g = B - n0 < G ? B - n0 : G;
        im2col(&p, g, x + (size_t)n0 * in, work);
        gemm(0, 0, g * rows, s->F, K, work, K, W, s->F, 1.0f,
             y + (size_t)n0 * out, s->F);
    }
}

void dae_conv2d_backward(const dae_conv_shape *s, int B, const float *x,
                         const float *W, const float *dy, float *dx, float *dW,
                         float *db, float *work)
{
    const int rows = s->OH * s->OW, K = s->KH * s->KW * s->C;

    if (B <= 0) {
        empty_batch((size_t)K * (size_t)s->F, s->F, dW, db);
        return;
    }
    if (winograd(s)) {
        dae_winograd_backward(s, B, winograd_group(s, B), x, W, dy, dx, dW, db, work);
        return;
    }
    if (s->F == 1) {
        dae_conv2d_f1_backward(s, B, x, W, dy, dx, dW, db, work);
        return;
    }
    const dae_patches p = conv_patches(s);
    const size_t in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    const size_t out = (size_t)rows * (size_t)s->F;
    const int G = group_size(dae_patches_cols(&p), B);

    if (db)
        dae_column_sums((size_t)B * (size_t)rows, s->F, dy, db);
    if (dx)
        memset(dx, 0, (size_t)B * in * sizeof *dx);
    for (int n0 = 0; n0 < B; n0 += G) {
        int g = B - n0 < G ? B - n0 : G;
        const float *dyg = dy + (size_t)n0 * out;

        im2col(&p, g, x + (size_t)n0 * in, work);
        gemm(1, 0, K, s->F, g * rows, work, K, dyg, s->F, n0 ? 1.0f : 0.0f,
             dW, s->F);
        if (!dx)
            continue;
        /* The patches are spent: their buffer takes d(patches). */
        gemm(0, 1, g * rows, K, s->F, dyg, s->F, W, s->F, 0.0f, work, K);
        col2im_add(&p, g, work, dx + (size_t)n0 * in);
    }
}

void dae_conv2d_transpose_forward(const dae_conv_shape *s, int B, const float *x,
                                  const float *W, const float *b, float *y,
                                  float *work)
{
    if (B <= 0)
        return;
    const dae_patches p = transpose_patches(s);
    const int rows = s->H * s->W, K = s->KH * s->KW * s->F;
    const size_t in = (size_t)rows * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW * (size_t)s->F;
    const int G = group_size(dae_patches_cols(&p), B);

    dae_bias_rows((size_t)B * (size_t)s->OH * (size_t)s->OW, s->F, b, y);
    for (int n0 = 0; n0 < B; n0 += G) {
        int g = B - n0 < G ? B - n0 : G;
        gemm(0, 1, g * rows, K, s->C, x + (size_t)n0 * in, s->C, W, s->C,
             0.0f, work, K);
        col2im_add(&p, g, work, y + (size_t)n0 * out);
    }
}

void dae_conv2d_transpose_backward(const dae_conv_shape *s, int B, const float *x,
                                   const float *W, const float *dy, float *dx,
                                   float *dW, float *db, float *work)
{
    const int rows = s->H * s->W, K = s->KH * s->KW * s->F;

    if (B <= 0) {
        empty_batch((size_t)K * (size_t)s->C, s->F, dW, db);
        return;
    }
    const dae_patches p = transpose_patches(s);
    const size_t in = (size_t)rows * (size_t)s->C;
    const size_t out = (size_t)s->OH * (size_t)s->OW * (size_t)s->F;
    const int G = group_size(dae_patches_cols(&p), B);

    if (db)
        dae_column_sums((size_t)B * (size_t)s->OH * (size_t)s->OW, s->F, dy, db);
    for (int n0 = 0; n0 < B; n0 += G) {
        int g = B - n0 < G ? B - n0 : G;
        const float *xg = x + (size_t)n0 * in;

        im2col(&p, g, dy + (size_t)n0 * out, work);
        gemm(1, 0, K, s->C, g * rows, work, K, xg, s->C, n0 ? 1.0f : 0.0f,
             dW, s->C);
        if (dx)
            gemm(0, 0, g * rows, s->C, K, work, K, W, s->C, 0.0f,
                 dx + (size_t)n0 * in, s->C);
    }
}
