/* conv2d and conv2d_transpose as im2col + sgemm over groups of samples.
 * A group's column matrix is bounded (group_cap floats) so the workspace
 * stays small whatever B is; the weight gradient sums over the groups.
 * conv2d with a single filter is computed directly instead (conv_f1.c),
 * and so are the forward pass and the weight gradients of one with a
 * single input channel (conv_c1.c), and a 3x3 stride-1 conv2d or a 3x3
 * stride-2 conv2d_transpose whose shape asks for it by Winograd's
 * algorithm (winograd.c, winograd_transpose.c). */
#include "conv.h"

#include <cblas.h>
#include <string.h>
#include "blas.h"
#include "conv_c1.h"
#include "conv_f1.h"
#include "dense.h"
#include "groups.h"
#include "im2col.h"
#include "parallel.h"
#include "pool.h"
#include "progress.h"
#include "winograd.h"
#include "winograd_transpose.h"

double dae_conv_gemm_seconds, dae_conv_patch_seconds;

void dae_conv_set_group_cap(size_t floats)
{
    dae_groups_set_cap(floats);
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
    return (s->algo == DAE_CONV_WINOGRAD || s->algo == DAE_CONV_WINOGRAD_4X4) &&
           dae_winograd_fits(s);
}

/* The same for a conv2d_transpose. */
static int winograd_transpose(const dae_conv_shape *s)
{
    return s->algo == DAE_CONV_WINOGRAD && dae_winograd_transpose_fits(s);
}

/* The direct loops of conv_f1.c (one filter) or conv_c1.c (one input
 * channel) apply, unless the shape asks for plain im2col + sgemm. */
static int direct_f1(const dae_conv_shape *s)
{
    return s->F == 1 && s->algo != DAE_CONV_GEMM;
}

static int direct_c1(const dae_conv_shape *s)
{
    return s->C == 1 && s->algo != DAE_CONV_GEMM;
}

/* One group's share of the weight and bias gradients: the kernel's
 * KH*KW*C*F floats, then F. */
static size_t part_floats(const dae_conv_shape *s)
{
    return (size_t)s->KH * (size_t)s->KW * (size_t)s->C * (size_t)s->F + (size_t)s->F;
}

/* A one-filter conv2d's kernel floats. */
static size_t f1_kernel(const dae_conv_shape *f)
{
    return (size_t)f->KH * (size_t)f->KW * (size_t)f->C;
}

/* Per-thread scratch past a group's columns: the direct weight
 * gradients' padded image, and for the pooled backward one output image's
 * gradient. */
static size_t extra_floats(const dae_conv_shape *s, int pooled)
{
    size_t extra = direct_c1(s) ? dae_conv2d_c1_grad_scratch(s) : 0;
    return extra + (pooled ? (size_t)s->OH * (size_t)s->OW * (size_t)s->F : 0);
}

/* Per-thread column buffers and extra scratch, then one gradient part per
 * strand of groups. */
static size_t workspace(size_t cols, size_t extra, const dae_conv_shape *s, int B)
{
    if (B <= 0)
        return 0;
    return (size_t)dae_parallel_threads() * (dae_groups_scratch(cols, B) + extra) +
           (size_t)dae_groups_max_strands(cols, B) * part_floats(s);
}

size_t dae_conv2d_workspace(const dae_conv_shape *s, int B)
{
    dae_patches p = conv_patches(s);

    if (winograd(s))
        return dae_winograd_workspace(s, B);
    if (direct_f1(s))
        return dae_conv2d_f1_workspace(s, B);
    return workspace(dae_patches_cols(&p), extra_floats(s, 0), s, B);
}

size_t dae_conv2d_pool_workspace(const dae_conv_shape *s, int B)
{
    dae_patches p = conv_patches(s);
    size_t plain = dae_conv2d_workspace(s, B);
    size_t pooled = workspace(dae_patches_cols(&p), extra_floats(s, 1), s, B);

    return pooled > plain ? pooled : plain;
}

size_t dae_conv2d_transpose_workspace(const dae_conv_shape *s, int B)
{
    dae_patches p = transpose_patches(s);

    if (winograd_transpose(s))
        return dae_winograd_transpose_workspace(s, B, 0);
    return workspace(dae_patches_cols(&p), 0, s, B);
}

/* The one-filter conv2d's per-image parts, then the transposed conv's
 * workspace with each thread's group dy. */
size_t dae_conv2d_transpose_f1_workspace(const dae_conv_shape *ts,
                                         const dae_conv_shape *fs, int B)
{
    dae_patches p = transpose_patches(ts);
    size_t cols = dae_patches_cols(&p);
    size_t out = (size_t)ts->OH * (size_t)ts->OW * (size_t)ts->F;

    if (B <= 0)
        return 0;
    if (winograd_transpose(ts))
        return (size_t)B * f1_kernel(fs) + dae_winograd_transpose_workspace(ts, B, 1);
    /* the largest group of any batch of at most B takes its dy */
    size_t dy = dae_groups_scratch(cols, B) / cols * out;
    return (size_t)B * f1_kernel(fs) + workspace(cols, dy, ts, B);
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

/* Row-major C[M,N] = op(A) op(B) + beta C, timed for profiling (on the
 * pool's first thread only: its time is the wall time of a balanced split). */
static void gemm(int ta, int tb, int M, int N, int K, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc)
{
    double t0 = dae_seconds();

    if (K == 1)
        gemm_k1(ta, tb, M, N, A, lda, B, ldb, beta, C, ldc);
    else if (N == 1)
        gemm_n1(ta, tb, M, K, A, lda, B, ldb, beta, C, ldc);
    else
        dae_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
    if (dae_parallel_part() == 0)
        dae_conv_gemm_seconds += dae_seconds() - t0;
}

/* A batch's groups, their scratch and what they read and write. */
typedef struct conv_job {
    const dae_conv_shape *s;
    dae_patches p;
    int rows, K;        /* GEMM rows per sample, inner size of the patches */
    size_t in, out;     /* floats per input and output sample */
    const float *x, *W, *b, *dy;
    float *y, *dx;
    dae_groups g;
    float *parts;       /* backward: one gradient part per strand */
    dae_act x_act;      /* backward: the activation that produced x */
    float x_alpha;
    size_t extra_at;    /* a thread's extra scratch, past its columns */
    const dae_pool_shape *pool;  /* pooled backward: the pool above, */
    const float *pool_in, *pool_dy;  /* its input (y) and output gradient */
    const dae_f1_above *f1; /* the one-filter conv2d a transposed conv runs */
} conv_job;

/* dx of samples [n0, n0 + n) times the derivative of x's activation. */
static void input_act_grad(const conv_job *j, int n0, int n)
{
    if (j->x_act == DAE_LINEAR)
        return;
    size_t off = (size_t)n0 * j->in;
    dae_act_grad_apply(j->x_act, j->x_alpha, (size_t)n * j->in, j->x + off,
                       j->dx + off, j->dx + off);
}

static void im2col(const dae_patches *p, int n, const float *imgs, float *cols)
{
    double t0 = dae_seconds();
    dae_im2col(p, n, imgs, cols);
    if (dae_parallel_part() == 0)
        dae_conv_patch_seconds += dae_seconds() - t0;
}

static void col2im_add(const dae_patches *p, int n, const float *cols,
                       float *imgs)
{
    double t0 = dae_seconds();
    dae_col2im_add(p, n, cols, imgs);
    if (dae_parallel_part() == 0)
        dae_conv_patch_seconds += dae_seconds() - t0;
}

/* Runs fn over the batch's groups, each thread with a group's columns and
 * extra floats of scratch. Backward (dW given), by strands, then sums the
 * strands' parts into dW and db (db skipped when NULL). */
static void run(conv_job *j, int B, size_t cols, size_t extra, float *work,
                dae_group_fn fn, float *dW, float *db)
{
    const size_t part = part_floats(j->s), nW = part - (size_t)j->s->F;

    j->g = dae_groups_make(cols, B);
    const size_t scratch = (size_t)j->g.size * cols + extra;
    j->extra_at = (size_t)j->g.size * cols;
    j->parts = work + (size_t)dae_parallel_threads() * scratch;
    if (!dW) {
        dae_groups_run_scratch(&j->g, scratch, work, fn, j);
        return;
    }
    dae_groups_run_strands(&j->g, scratch, work, fn, j);
    dae_groups_sum(j->parts, dae_groups_strands(&j->g), part, nW, dW);
    if (db)
        dae_groups_sum(j->parts + nW, dae_groups_strands(&j->g), part,
                       (size_t)j->s->F, db);
}

/* This group's strand's part, dW's share then db's; *first: the group
 * starts the strand, so writes the part where the others add to it. */
static float *group_part(const conv_job *j, int index, int *first)
{
    int k = dae_groups_strand(&j->g, index, first);
    return j->parts + (size_t)k * part_floats(j->s);
}

/* The part's db share += (or, first, =) the column sums of n rows of dy. */
static void bias_part(size_t rows, int F, const float *dy, float *db, int first)
{
    if (first)
        dae_column_sums(rows, F, dy, db);
    else
        dae_column_sums_add(rows, F, dy, db);
}

/* What a backward pass reads and writes. */
static void set_backward(conv_job *j, const float *x, dae_act x_act, float x_alpha,
                         const float *W, const float *dy, float *dx)
{
    j->x = x;
    j->x_act = x_act;
    j->x_alpha = x_alpha;
    j->W = W;
    j->dy = dy;
    j->dx = dx;
}

/* The gradients of an empty batch. */
static void empty_batch(size_t nW, int F, float *dW, float *db)
{
    memset(dW, 0, nW * sizeof *dW);
    if (db)
        memset(db, 0, (size_t)F * sizeof *db);
}

/* ---- conv2d --------------------------------------------------------------- */

/* y = b + patches(x) W */
static void conv_forward_group(void *ctx, int index, int n0, int n, float *cols)
{
    const conv_job *j = ctx;
    const dae_conv_shape *s = j->s;
    float *y = j->y + (size_t)n0 * j->out;

    (void)index;
    dae_bias_rows((size_t)n * (size_t)j->rows, s->F, j->b, y);
    im2col(&j->p, n, j->x + (size_t)n0 * j->in, cols);
    gemm(0, 0, n * j->rows, s->F, j->K, cols, j->K, j->W, s->F, 1.0f, y, s->F);
    dae_act_apply(s->act, s->alpha, (size_t)n * j->out, y, y);
}

/* dW part = patches(x)^T dy (one input channel: image by image, direct);
 * dx = col2im(dy W^T) */
static void conv_backward_group(void *ctx, int index, int n0, int n, float *cols)
{
    const conv_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const float *dy = j->dy + (size_t)n0 * j->out;
    int first;
    float *part = group_part(j, index, &first);
    const size_t nW = (size_t)j->K * (size_t)s->F;

    if (direct_c1(s)) {
        if (first)
            memset(part, 0, part_floats(s) * sizeof *part);
        for (int i = 0; i < n; i++)
            dae_conv2d_c1_weight_grads(s, j->x + (size_t)(n0 + i) * j->in,
                                       dy + (size_t)i * j->out, part, part + nW,
                                       cols + j->extra_at);
    } else {
        bias_part((size_t)n * (size_t)j->rows, s->F, dy, part + nW, first);
        im2col(&j->p, n, j->x + (size_t)n0 * j->in, cols);
        gemm(1, 0, j->K, s->F, n * j->rows, cols, j->K, dy, s->F, first ? 0.0f : 1.0f,
             part, s->F);
    }
    if (!j->dx)
        return;
    float *dx = j->dx + (size_t)n0 * j->in;
    /* The patches are spent: their buffer takes d(patches). */
    gemm(0, 1, n * j->rows, j->K, s->F, dy, s->F, j->W, s->F, 0.0f, cols, j->K);
    memset(dx, 0, (size_t)n * j->in * sizeof *dx);
    col2im_add(&j->p, n, cols, dx);
    input_act_grad(j, n0, n);
}

static conv_job conv_job_for(const dae_conv_shape *s)
{
    conv_job j = {0};

    j.s = s;
    j.p = conv_patches(s);
    j.rows = s->OH * s->OW;
    j.K = s->KH * s->KW * s->C;
    j.in = (size_t)s->H * (size_t)s->W * (size_t)s->C;
    j.out = (size_t)j.rows * (size_t)s->F;
    return j;
}

void dae_conv2d_forward(const dae_conv_shape *s, int B, const float *x,
                        const float *W, const float *b, float *y, float *work)
{
    if (B <= 0)
        return;
    if (winograd(s)) {
        dae_winograd_forward(s, B, x, W, b, y, work);
        return;
    }
    if (direct_f1(s)) {
        dae_conv2d_f1_forward(s, B, x, W, b, y);
        return;
    }
    if (direct_c1(s)) {
        dae_conv2d_c1_forward(s, B, x, W, b, y);
        return;
    }
    conv_job j = conv_job_for(s);
    j.x = x;
    j.W = W;
    j.b = b;
    j.y = y;
    run(&j, B, dae_patches_cols(&j.p), 0, work, conv_forward_group, NULL, NULL);
}

void dae_conv2d_pool_forward(const dae_conv_shape *s, const dae_pool_shape *ps,
                             int B, const float *x, const float *W, const float *b,
                             float *y, float *p, float *work)
{
    if (B <= 0)
        return;
    if (!winograd(s) && !direct_f1(s) && direct_c1(s)) {
        dae_conv2d_c1_pool_forward(s, ps, B, x, W, b, y, p);
        return;
    }
    dae_conv2d_forward(s, B, x, W, b, y, work);
    dae_maxpool_forward(ps, B, y, p);
}

void dae_conv2d_backward(const dae_conv_shape *s, int B, const float *x,
                         dae_act x_act, float x_alpha, const float *W,
                         const float *dy, float *dx, float *dW, float *db,
                         float *work)
{
    if (B <= 0) {
        empty_batch((size_t)s->KH * s->KW * s->C * s->F, s->F, dW, db);
        return;
    }
    if (winograd(s)) {
        dae_winograd_backward(s, B, x, W, dy, dx, dW, db, work);
        if (dx && x_act != DAE_LINEAR) /* a pass of its own on this path */
            dae_act_backward(x_act, x_alpha, (size_t)B * s->H * s->W * s->C, x,
                             dx, dx);
        return;
    }
    if (direct_f1(s)) {
        dae_conv2d_f1_backward(s, B, x, x_act, x_alpha, W, dy, dx, dW, db, work);
        return;
    }
    conv_job j = conv_job_for(s);
    set_backward(&j, x, x_act, x_alpha, W, dy, dx);
    run(&j, B, dae_patches_cols(&j.p), extra_floats(s, 0), work, conv_backward_group,
        dW, db);
}

/* One image's dy: the pool's gradient at its windows' maxima, times the
 * derivative of the conv's activation. */
static void pooled_dy(const conv_job *j, size_t n, float *dy)
{
    const dae_conv_shape *s = j->s;
    const dae_pool_shape *ps = j->pool;
    const float *y = j->pool_in + n * j->out;
    size_t pooled = (size_t)ps->OH * (size_t)ps->OW * (size_t)ps->C;

    dae_maxpool_backward_image(ps, y, s->act, s->alpha, j->pool_dy + n * pooled, dy);
}

/* conv_backward_group's dW and db parts, without dx, each image's dy made
 * in scratch from the pool above and used while it is in cache. */
static void pool_backward_group(void *ctx, int index, int n0, int n, float *cols)
{
    const conv_job *j = ctx;
    const dae_conv_shape *s = j->s;
    int first;
    float *part = group_part(j, index, &first), *dy = cols + j->extra_at;
    const size_t nW = (size_t)j->K * (size_t)s->F;

    if (first)
        memset(part, 0, part_floats(s) * sizeof *part);
    for (int i = 0; i < n; i++) {
        size_t at = (size_t)(n0 + i);
        pooled_dy(j, at, dy);
        if (direct_c1(s)) {
            dae_conv2d_c1_weight_grads(s, j->x + at * j->in, dy, part, part + nW,
                                       dy + j->out);
            continue;
        }
        im2col(&j->p, 1, j->x + at * j->in, cols);
        gemm(1, 0, j->K, s->F, j->rows, cols, j->K, dy, s->F, 1.0f, part, s->F);
        dae_column_sums_add((size_t)j->rows, s->F, dy, part + nW);
    }
}

void dae_conv2d_pool_backward(const dae_conv_shape *s, const dae_pool_shape *ps,
                              int B, const float *x, const float *y,
                              const float *dp, float *dW, float *db, float *work)
{
    if (B <= 0) {
        empty_batch((size_t)s->KH * s->KW * s->C * s->F, s->F, dW, db);
        return;
    }
    conv_job j = conv_job_for(s);
    j.x = x;
    j.pool = ps;
    j.pool_in = y;
    j.pool_dy = dp;
    run(&j, B, dae_patches_cols(&j.p), extra_floats(s, 1), work, pool_backward_group,
        dW, db);
}

/* ---- conv2d_transpose ------------------------------------------------------ */

/* y = act(b + col2im(x W^T)), gathered a row of y at a time: each row is
 * written once, bias, taps and activation together while it is in L1.
 * With a one-filter conv2d fused above, it runs on each image of y while
 * that is in cache. */
static void transpose_forward_group(void *ctx, int index, int n0, int n, float *cols)
{
    const conv_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t row = (size_t)s->OW * (size_t)s->F;

    (void)index;
    gemm(0, 1, n * j->rows, j->K, s->C, j->x + (size_t)n0 * j->in, s->C, j->W,
         s->C, 0.0f, cols, j->K);
    double t0 = dae_seconds();
    for (int i = 0; i < n; i++) {
        const float *c = cols + (size_t)i * (size_t)j->rows * (size_t)j->K;
        float *image = j->y + (size_t)(n0 + i) * j->out, *y = image;
        for (int r = 0; r < s->OH; r++, y += row) {
            dae_col2im_row(&j->p, c, r, j->b, y);
            dae_act_apply(s->act, s->alpha, row, y, y);
        }
        if (j->f1)
            dae_f1_above_forward(j->f1, (size_t)(n0 + i), image);
    }
    if (dae_parallel_part() == 0)
        dae_conv_patch_seconds += dae_seconds() - t0;
}

/* dW part = patches(dy)^T x; dx = patches(dy) W, for the group's dy. */
static void transpose_backward_images(const conv_job *j, int index, int n0, int n,
                                      const float *dy, float *cols)
{
    const dae_conv_shape *s = j->s;
    const float *x = j->x + (size_t)n0 * j->in;
    int first;
    float *part = group_part(j, index, &first);
    const size_t nW = (size_t)j->K * (size_t)s->C;

    bias_part((size_t)n * (size_t)s->OH * (size_t)s->OW, s->F, dy, part + nW, first);
    im2col(&j->p, n, dy, cols);
    gemm(1, 0, j->K, s->C, n * j->rows, cols, j->K, x, s->C, first ? 0.0f : 1.0f, part,
         s->C);
    if (!j->dx)
        return;
    gemm(0, 0, n * j->rows, s->C, j->K, cols, j->K, j->W, s->C, 0.0f,
         j->dx + (size_t)n0 * j->in, s->C);
    input_act_grad(j, n0, n);
}

static void transpose_backward_group(void *ctx, int index, int n0, int n, float *cols)
{
    const conv_job *j = ctx;

    transpose_backward_images(j, index, n0, n, j->dy + (size_t)n0 * j->out, cols);
}

/* The fused one-filter conv2d's backward on each of the group's images,
 * its dx (this layer's dy, through this layer's activation) made in
 * scratch, then this layer's on the group. */
static void transpose_f1_backward_group(void *ctx, int index, int n0, int n,
                                        float *cols)
{
    const conv_job *j = ctx;
    float *dy = cols + j->extra_at;

    dae_f1_above_backward(j->f1, j->s->act, j->s->alpha, n0, n, dy);
    transpose_backward_images(j, index, n0, n, dy, cols);
}

static conv_job transpose_job_for(const dae_conv_shape *s)
{
    conv_job j = {0};

    j.s = s;
    j.p = transpose_patches(s);
    j.rows = s->H * s->W;
    j.K = s->KH * s->KW * s->F;
    j.in = (size_t)j.rows * (size_t)s->C;
    j.out = (size_t)s->OH * (size_t)s->OW * (size_t)s->F;
    return j;
}

/* y = the transposed conv s of x; with f1 given, f1's z of y as well,
 * image by image. */
static void transpose_forward(const dae_conv_shape *s, const dae_f1_above *f1, int B,
                              const float *x, const float *W, const float *b, float *y,
                              float *work)
{
    if (B <= 0)
        return;
    if (winograd_transpose(s)) {
        dae_winograd_transpose_forward(s, B, x, W, b, y, f1, work);
        return;
    }
    conv_job j = transpose_job_for(s);
    j.x = x;
    j.W = W;
    j.b = b;
    j.y = y;
    j.f1 = f1;
    run(&j, B, dae_patches_cols(&j.p), 0, work, transpose_forward_group, NULL, NULL);
}

void dae_conv2d_transpose_forward(const dae_conv_shape *s, int B, const float *x,
                                  const float *W, const float *b, float *y,
                                  float *work)
{
    transpose_forward(s, NULL, B, x, W, b, y, work);
}

void dae_conv2d_transpose_backward(const dae_conv_shape *s, int B, const float *x,
                                   dae_act x_act, float x_alpha, const float *W,
                                   const float *dy, float *dx, float *dW,
                                   float *db, float *work)
{
    if (B <= 0) {
        empty_batch((size_t)s->KH * s->KW * s->F * s->C, s->F, dW, db);
        return;
    }
    if (winograd_transpose(s)) {
        dae_winograd_transpose_backward(s, B, x, x_act, x_alpha, W, dy, dx, dW, db, NULL,
                                        work);
        return;
    }
    conv_job j = transpose_job_for(s);
    set_backward(&j, x, x_act, x_alpha, W, dy, dx);
    run(&j, B, dae_patches_cols(&j.p), 0, work, transpose_backward_group, dW, db);
}

/* ---- conv2d_transpose feeding a one-filter conv2d -------------------------- */

void dae_conv2d_transpose_f1_forward(const dae_conv_shape *ts,
                                     const dae_conv_shape *fs, int B,
                                     const float *x, const float *W,
                                     const float *b, float *y, const float *W1,
                                     const float *b1, float *z, float *work)
{
    dae_f1_above f1 = {.s = fs, .W = W1, .b = b1, .z = z};

    transpose_forward(ts, &f1, B, x, W, b, y, work);
}

void dae_conv2d_transpose_f1_backward(const dae_conv_shape *ts,
                                      const dae_conv_shape *fs, int B,
                                      const float *x, dae_act x_act, float x_alpha,
                                      const float *W, const float *y,
                                      const float *W1, const float *dz, float *dx,
                                      float *dW, float *db, float *dW1, float *db1,
                                      float *work)
{
    if (B <= 0) {
        empty_batch((size_t)ts->KH * ts->KW * ts->F * ts->C, ts->F, dW, db);
        empty_batch(f1_kernel(fs), 1, dW1, db1);
        return;
    }
    const size_t nW1 = f1_kernel(fs);
    dae_f1_above f1 = {.s = fs, .W = W1, .dz = dz, .x = y, .parts = work};

    if (db1)
        dae_conv2d_f1_bias_grad(fs, B, dz, db1);
    if (winograd_transpose(ts)) {
        dae_winograd_transpose_backward(ts, B, x, x_act, x_alpha, W, NULL, dx, dW, db, &f1,
                                        work + (size_t)B * nW1);
    } else {
        conv_job j = transpose_job_for(ts);
        size_t cols = dae_patches_cols(&j.p);
        set_backward(&j, x, x_act, x_alpha, W, NULL, dx);
        j.f1 = &f1;
        size_t dy = (size_t)dae_groups_make(cols, B).size * j.out; /* the group's */
        run(&j, B, cols, dy, work + (size_t)B * nW1, transpose_f1_backward_group, dW, db);
    }
    dae_groups_sum(work, B, nW1, nW1, dW1);
}
