/* Dense layer on OpenBLAS; row-major, W is [in, out] as in Keras.
 *
 * The products are split over the runtime's thread pool, each part a
 * single-threaded sgemm: the forward pass by rows of the batch, the
 * backward pass as dW beside dx (two products of equal size, so the cores
 * stay balanced without OpenBLAS synchronising inside either). On the
 * article's shapes this beats one OpenBLAS call on both cores by 5-20%.
 * OpenBLAS's sums depend on the shape of the call (a product split in two
 * rounds differently from the whole), so the split is fixed, PARTS ways,
 * whatever the thread count: results are the same with --threads 1 or 2.
 * Two parts suit this project's two-core machines; more cores would need
 * a larger PARTS (and then smaller products). */
#include "dense.h"

#include <cblas.h>
#include <string.h>
#include "blas.h"
#include "parallel.h"
#include "progress.h"
#include "v8.h"

void openblas_set_num_threads(int);
int openblas_get_num_threads(void);

double dae_dense_gemm_seconds;

#define PARTS 2

typedef struct dense_job {
    int B, in, out;
    const float *x, *W, *b, *dy;
    float *y, *dx, *dW, *db;
    dae_act act;  /* forward: applied to y; backward: the one that made x */
    float alpha;
    int w_parts;  /* backward: parts computing columns of dW; the rest, rows of dx */
    int x_parts;
} dense_job;

/* Runs fn over parts [0, parts) on the pool with OpenBLAS on one thread. */
static void run_parts(int parts, dae_range_fn fn, dense_job *j)
{
    int blas = openblas_get_num_threads();
    double t0 = dae_seconds();

    openblas_set_num_threads(1);
    dae_parallel_for((size_t)parts, 2, fn, j);
    openblas_set_num_threads(blas);
    dae_dense_gemm_seconds += dae_seconds() - t0;
}

/* [first, last) of n split into parts: part p's share. */
static void share(int n, int parts, int p, int *first, int *count)
{
    int a = (int)((long)n * p / parts), b = (int)((long)n * (p + 1) / parts);
    *first = a;
    *count = b - a;
}

/* y starts as the bias rows and the GEMM adds x W with beta = 1: OpenBLAS
 * then skips its separate pass zeroing y, and the bias costs one write
 * instead of a read-modify-write after the product. Each product tile is
 * summed in registers and added to the bias once, as TF's MatMul then
 * BiasAdd does, up to the blocking of long inner dimensions. */
static void forward_rows(void *ctx, size_t first, size_t last)
{
    const dense_job *j = ctx;

    for (size_t p = first; p < last; p++) {
        int r0, rows;
        share(j->B, PARTS, (int)p, &r0, &rows);
        if (rows <= 0)
            continue;
        float *y = j->y + (size_t)r0 * (size_t)j->out;
        dae_bias_rows((size_t)rows, j->out, j->b, y);
        if (j->in > 0)
            dae_sgemm(0, 0, rows, j->out, j->in, 1.0f,
                      j->x + (size_t)r0 * (size_t)j->in, j->in, j->W, j->out,
                      1.0f, y, j->out);
        if (j->act != DAE_LINEAR)
            dae_act_apply(j->act, j->alpha, (size_t)rows * (size_t)j->out, y, y);
    }
}

void dae_dense_forward(int B, int in, int out, const float *x, const float *W,
                       const float *b, dae_act act, float alpha, float *y)
{
    if (B <= 0 || out <= 0)
        return;
    dense_job j = {.B = B, .in = in, .out = out, .x = x, .W = W, .b = b, .y = y,
                   .act = act, .alpha = alpha};
    run_parts(PARTS, forward_rows, &j);
}

void dae_bias_rows(size_t rows, int cols, const float *b, float *y)
{
    if (!b) {
        memset(y, 0, rows * (size_t)cols * sizeof *y);
        return;
    }
    for (size_t i = 0; i < rows; i++)
        memcpy(y + i * (size_t)cols, b, (size_t)cols * sizeof *y);
}

#define SUM_CHUNK 64 /* columns summed in registers at once: 8 vectors */

/* Columns [c0, c0 + 8*nv), each summed down the rows in row order, from
 * zero or (add) from db. */
static void column_sums_chunk(size_t rows, int cols, const float *dy, int c0,
                              int nv, float *db, int add)
{
    v8 acc[SUM_CHUNK / 8];

    for (int v = 0; v < nv; v++)
        acc[v] = add ? *(const v8 *)(db + c0 + 8 * v) : (v8){0};
    for (size_t i = 0; i < rows; i++) {
        const v8 *row = (const v8 *)(dy + i * (size_t)cols + c0);
        for (int v = 0; v < nv; v++)
            acc[v] += row[v];
    }
    for (int v = 0; v < nv; v++)
        *(v8 *)(db + c0 + 8 * v) = acc[v];
}

static void column_sums(size_t rows, int cols, const float *dy, float *db, int add)
{
    const int whole = cols / 8 * 8;

    for (int c0 = 0; c0 < whole; c0 += SUM_CHUNK)
        column_sums_chunk(rows, cols, dy, c0,
                          (whole - c0 < SUM_CHUNK ? whole - c0 : SUM_CHUNK) / 8, db, add);
    if (whole == cols)
        return;
    if (!add)
        for (int j = whole; j < cols; j++)
            db[j] = 0.0f;
    for (size_t i = 0; i < rows; i++)
        for (int j = whole; j < cols; j++)
            db[j] += dy[i * (size_t)cols + j];
}

void dae_column_sums(size_t rows, int cols, const float *dy, float *db)
{
    column_sums(rows, cols, dy, db, 0);
}

void dae_column_sums_add(size_t rows, int cols, const float *dy, float *db)
{
    column_sums(rows, cols, dy, db, 1);
}

/* dW[:, c0:c0+n] = x^T dy[:, c0:c0+n]; the first part also takes db, on
 * its core beside the other part's product instead of before both. */
static void weight_grad_columns(const dense_job *j, int c0, int n)
{
    if (j->db && c0 == 0)
        dae_column_sums((size_t)j->B, j->out, j->dy, j->db);
    dae_sgemm(1, 0, j->in, n, j->B, 1.0f, j->x, j->in, j->dy + c0, j->out, 0.0f,
              j->dW + c0, j->out);
}

/* dx[r0:r0+n, :] = (dy[r0:r0+n, :] W^T) * act'(x[r0:r0+n, :]) */
static void input_grad_rows(const dense_job *j, int r0, int n)
{
    float *dx = j->dx + (size_t)r0 * (size_t)j->in;
    dae_sgemm(0, 1, n, j->in, j->out, 1.0f, j->dy + (size_t)r0 * (size_t)j->out,
              j->out, j->W, j->out, 0.0f, dx, j->in);
    if (j->act != DAE_LINEAR)
        dae_act_grad_apply(j->act, j->alpha, (size_t)n * (size_t)j->in,
                           j->x + (size_t)r0 * (size_t)j->in, dx, dx);
}

static void backward_parts(void *ctx, size_t first, size_t last)
{
    const dense_job *j = ctx;

    for (size_t p = first; p < last; p++) {
        int start, n;
        if ((int)p < j->w_parts) {
            share(j->out, j->w_parts, (int)p, &start, &n);
            if (n > 0)
                weight_grad_columns(j, start, n);
        } else {
            share(j->B, j->x_parts, (int)p - j->w_parts, &start, &n);
            if (n > 0)
                input_grad_rows(j, start, n);
        }
    }
}

void dae_dense_backward(int B, int in, int out, const float *x, dae_act x_act,
                        float x_alpha, const float *W, const float *dy, float *dx,
                        float *dW, float *db)
{
    if (out <= 0)
        return;
    /* db goes with dW's first part when there are products to run */
    const int db_alone = db && (!dW || in <= 0 || B <= 0);
    if (db_alone)
        dae_column_sums((size_t)(B > 0 ? B : 0), out, dy, db);
    if (in <= 0)
        return;
    if (B <= 0) {
        /* An empty batch contributes nothing; BLAS is not asked K = 0. */
        if (dW)
            memset(dW, 0, (size_t)in * (size_t)out * sizeof *dW);
        return;
    }
    /* dW beside dx; a product alone is split in PARTS. */
    int w_parts = dW ? (dx ? PARTS / 2 : PARTS) : 0;
    int x_parts = dx ? (dW ? PARTS - PARTS / 2 : PARTS) : 0;
    dense_job j = {.B = B, .in = in, .out = out, .x = x, .W = W, .dy = dy,
                   .dx = dx, .dW = dW, .db = db_alone ? NULL : db,
                   .act = x_act, .alpha = x_alpha,
                   .w_parts = w_parts, .x_parts = x_parts};
    run_parts(w_parts + x_parts, backward_parts, &j);
}
