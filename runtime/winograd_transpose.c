/* Winograd for 3x3 stride-2 conv2d_transpose, pad 0 before.
 *
 * In one dimension, output o = 2i + t takes input i through tap t. A tile
 * is the 4 outputs 4A..4A+3, made from the 3 inputs d0, d1, d2 at
 * 2A-1..2A+1:
 *     y0 = d0 k2 + d1 k0    y1 = d1 k1    y2 = d1 k2 + d2 k0    y3 = d2 k1.
 * The even outputs are Winograd's F(2,2) with the taps (k2, k0), and the
 * odd ones take one product each: five products p where direct code takes
 * six, each an input point times a kernel point,
 *     p0 = (d0 - d1) k2   p1 = d1 (k0 + k2)   p2 = (d2 - d1) k0
 *     p3 = d1 k1          p4 = d2 k1,
 *     y0 = p0 + p1   y1 = p3   y2 = p1 + p2   y3 = p4.
 * p1 and p3 read the same input point, so there are four: e = (d0 - d1,
 * d1, d2 - d1, d2). In two dimensions a 4x4 output tile takes 25 products
 * from a 3x3 input tile, against 36 for its 4 inputs' 9 taps: 1.44x fewer
 * multiplies. Over all tiles and channels they are 16 matrix products,
 * one per input point u = (e_i, e_j):
 *     M_u [tiles x wF] = U_u [tiles x C] . V_u [C x wF],
 * whose w = 1, 2 or 4 column blocks are the kernel points sharing u.
 *
 * The backward pass runs the same pieces adjoint, as winograd.c does:
 * dM from the dy tiles (the output transform's adjoint), dV_u = U_u^T dM_u
 * summed over groups and taken back to dW through the kernel transform's
 * adjoint, and dU_u = dM_u V_u^T taken back to input tiles, which overlap
 * by a row and a column and so are added into dx.
 *
 * Transforms take 8 channels at a time in vector registers; each value is
 * computed by the same code whatever the thread count, and the weight
 * gradients are summed in strands (groups.h), so results are the same
 * with any --threads. */
#include "winograd_transpose.h"

#include <string.h>
#include "blas.h"
#include "conv_f1.h"
#include "dense.h"
#include "groups.h"
#include "parallel.h"
#include "progress.h"
#include "act_v8.h"
#include "v8.h"

/* ---- the 1-D algorithm ---------------------------------------------------- */

/* Product p's input point and its place among that point's products. */
static const int PAIR_POINT[5] = {0, 1, 2, 1, 3};
static const int PAIR_SUB[5] = {0, 0, 0, 1, 0};
/* Products per input point. */
static const int POINT_PAIRS[4] = {1, 2, 1, 1};

/* e = (d0 - d1, d1, d2 - d1, d2) */
static inline void input_1d(const v8 *d, int ds, v8 *e, int es)
{
    v8 d0 = d[0], d1 = d[ds], d2 = d[2 * ds];
    e[0] = d0 - d1;
    e[es] = d1;
    e[2 * es] = d2 - d1;
    e[3 * es] = d2;
}

/* input_1d's adjoint: e's gradient -> d's. */
static inline void input_adjoint_1d(const v8 *e, int es, v8 *d, int ds)
{
    v8 e0 = e[0], e1 = e[es], e2 = e[2 * es], e3 = e[3 * es];
    d[0] = e0;
    d[ds] = e1 - e0 - e2;
    d[2 * ds] = e2 + e3;
}

/* y = (p0 + p1, p3, p1 + p2, p4) */
static inline void output_1d(const v8 *p, int ps, v8 *y, int ys)
{
    v8 p1 = p[ps];
    y[0] = p[0] + p1;
    y[ys] = p[3 * ps];
    y[2 * ys] = p1 + p[2 * ps];
    y[3 * ys] = p[4 * ps];
}

/* output_1d's adjoint: y's gradient -> p's. */
static inline void output_adjoint_1d(const v8 *y, int ys, v8 *p, int ps)
{
    v8 y0 = y[0], y2 = y[2 * ys];
    p[0] = y0;
    p[ps] = y0 + y2;
    p[2 * ps] = y2;
    p[3 * ps] = y[ys];
    p[4 * ps] = y[3 * ys];
}

/* The kernel points (k2, k0 + k2, k0, k1, k1). */
static inline void kernel_1d(const float *k, int ks, float *q, int qs)
{
    float k0 = k[0], k1 = k[ks], k2 = k[2 * ks];
    q[0] = k2;
    q[qs] = k0 + k2;
    q[2 * qs] = k0;
    q[3 * qs] = k1;
    q[4 * qs] = k1;
}

/* kernel_1d's adjoint: the kernel points' gradient -> the taps'. */
static inline void kernel_adjoint_1d(const float *q, int qs, float *k, int ks)
{
    float q0 = q[0], q1 = q[qs], q2 = q[2 * qs], q3 = q[3 * qs], q4 = q[4 * qs];
    k[0] = q1 + q2;
    k[ks] = q3 + q4;
    k[2 * ks] = q0 + q1;
}

/* ---- the 2-D layout ---------------------------------------------------------- */

/* Input point u = 4i + j: its column blocks (kernel points), and those of
 * the points before it: where its matrices start, in units of F. */
static int point_width(int u)
{
    return POINT_PAIRS[u / 4] * POINT_PAIRS[u % 4];
}

static int point_before(int u)
{
    int w = 0;
    for (int v = 0; v < u; v++)
        w += point_width(v);
    return w;
}

/* Product (p, r) (rows, columns): its input point and column block. */
static int pair_point(int p, int r)
{
    return 4 * PAIR_POINT[p] + PAIR_POINT[r];
}

static int pair_block(int p, int r)
{
    return PAIR_SUB[p] * POINT_PAIRS[PAIR_POINT[r]] + PAIR_SUB[r];
}

/* Where product k = 5p + r of row i (a tile, or a kernel input channel),
 * channel f, sits: at[k] + i * stride[k] + f. */
typedef struct pair_map {
    size_t at[25], stride[25];
} pair_map;

/* The kernel points V: input point u's matrix [C x wF] after those of
 * the points before it, the product's columns one block of it. */
static pair_map kernel_map(int C, int F)
{
    pair_map m;

    for (int p = 0; p < 5; p++)
        for (int r = 0; r < 5; r++) {
            int u = pair_point(p, r);
            m.stride[5 * p + r] = (size_t)point_width(u) * (size_t)F;
            m.at[5 * p + r] = (size_t)point_before(u) * (size_t)C * (size_t)F +
                              (size_t)pair_block(p, r) * (size_t)F;
        }
    return m;
}

/* The products M (and dM): a row of 25F floats per tile, so a tile's
 * transform reads or writes one contiguous block; the products of input
 * point u are its columns from point_before(u) * F on (leading dimension
 * 25F for the sgemm calls). */
static pair_map tile_map(int F)
{
    pair_map m;

    for (int p = 0; p < 5; p++)
        for (int r = 0; r < 5; r++) {
            int u = pair_point(p, r);
            m.stride[5 * p + r] = 25 * (size_t)F;
            m.at[5 * p + r] = (size_t)(point_before(u) + pair_block(p, r)) * (size_t)F;
        }
    return m;
}

/* ---- geometry ------------------------------------------------------------- */

typedef struct geo {
    int H, W, C, OH, OW, F;
    int TH, TW; /* tiles down and across */
} geo;

static geo make_geo(const dae_conv_shape *s)
{
    return (geo){s->H, s->W, s->C, s->OH, s->OW, s->F, (s->OH + 3) / 4, (s->OW + 3) / 4};
}

static size_t tiles(const geo *g)
{
    return (size_t)g->TH * (size_t)g->TW;
}

static size_t in_size(const geo *g)
{
    return (size_t)g->H * (size_t)g->W * (size_t)g->C;
}

static size_t out_size(const geo *g)
{
    return (size_t)g->OH * (size_t)g->OW * (size_t)g->F;
}

/* Tile t of a group: its image n and tile row and column. */
static void tile_at(const geo *g, size_t t, size_t *n, int *th, int *tw)
{
    size_t r = t % tiles(g);

    *n = t / tiles(g);
    *th = (int)(r / (size_t)g->TW);
    *tw = (int)(r % (size_t)g->TW);
}

static size_t at_pixel(size_t n, int h, int w, int H, int W, int C)
{
    return ((n * (size_t)H + (size_t)h) * (size_t)W + (size_t)w) * (size_t)C;
}

#define OUTSIDE ((size_t)-1)

/* Offsets of the 3x3 input pixels under tile t of a group (OUTSIDE for
 * those outside the image). */
static void input_pixels(const geo *g, size_t t, size_t at[9])
{
    size_t n;
    int th, tw;

    tile_at(g, t, &n, &th, &tw);
    for (int r = 0; r < 3; r++)
        for (int q = 0; q < 3; q++) {
            int h = 2 * th - 1 + r, w = 2 * tw - 1 + q;
            int inside = h >= 0 && h < g->H && w >= 0 && w < g->W;
            at[3 * r + q] = inside ? at_pixel(n, h, w, g->H, g->W, g->C) : OUTSIDE;
        }
}

/* Offsets of the 4x4 output pixels of tile t (OUTSIDE past the image). */
static void output_pixels(const geo *g, size_t t, size_t at[16])
{
    size_t n;
    int th, tw;

    tile_at(g, t, &n, &th, &tw);
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) {
            int h = 4 * th + r, w = 4 * tw + q;
            at[4 * r + q] = h < g->OH && w < g->OW
                                ? at_pixel(n, h, w, g->OH, g->OW, g->F)
                                : OUTSIDE;
        }
}

/* ---- sizes and scratch ------------------------------------------------------ */

int dae_winograd_transpose_fits(const dae_conv_shape *s)
{
    return s->KH == 3 && s->KW == 3 && s->SH == 2 && s->SW == 2 && s->pad_top == 0 &&
           s->pad_left == 0 && s->OH <= 2 * s->H + 1 && s->OW <= 2 * s->W + 1;
}

/* Per sample: the input points (U, or dU for dx: a row of 16C per tile)
 * and the products (M, dM: a row of 25F per tile). */
static size_t points_floats(const geo *g)
{
    return 16 * tiles(g) * (size_t)g->C;
}

static size_t sample_floats(const geo *g)
{
    return points_floats(g) + 25 * tiles(g) * (size_t)g->F;
}

static size_t kernel_floats(const geo *g)
{
    return 25 * (size_t)g->C * (size_t)g->F;
}

/* One strand's share of dV and db. */
static size_t part_floats(const geo *g)
{
    return kernel_floats(g) + (size_t)g->F;
}

/* Each thread's group scratch past its matrices: the group's dy that a
 * fused conv2d above makes. */
static size_t group_dy_floats(const geo *g, int B, int with_f1)
{
    return with_f1 ? dae_groups_scratch(sample_floats(g), B) / sample_floats(g) * out_size(g)
                   : 0;
}

size_t dae_winograd_transpose_workspace(const dae_conv_shape *s, int B, int with_f1)
{
    geo g = make_geo(s);
    size_t per = sample_floats(&g);

    if (B <= 0)
        return 0;
    return 3 * kernel_floats(&g) +
           (size_t)dae_parallel_threads() *
               (dae_groups_scratch(per, B) + group_dy_floats(&g, B, with_f1)) +
           (size_t)dae_groups_max_strands(per, B) * part_floats(&g);
}

/* ---- tile transforms --------------------------------------------------------- */

/* A pass over a group's tiles and the tensors it reads and writes. */
typedef struct pass {
    const dae_conv_shape *s;
    geo g;
    const float *x, *b, *dy;
    float *y, *dx;
    dae_act x_act;
    float x_alpha;
    const dae_f1_above *f1;
    float *V, *dV, *parts; /* the kernel points, their gradient, the strands' */
    float *VT;             /* V_u transposed, for dU on small-matrix kernels */
    dae_groups groups;
    size_t scratch;        /* per thread: a group's matrices, then its dy */
} pass;

/* Ut, tile t's row of U: for channels [c, c + n), the input points of
 * its 3x3 pixels in img, down the columns then along the rows. */
static inline void input_tile(const float *img, const size_t at[9], int c, int n, int C,
                              float *Ut)
{
    v8 d[9], e[12], u[16];

    for (int k = 0; k < 9; k++)
        load_v8(&d[k], at[k] == OUTSIDE ? NULL : img + at[k] + c, n);
    for (int q = 0; q < 3; q++)
        input_1d(d + q, 3, e + q, 3);
    for (int i = 0; i < 4; i++)
        input_1d(e + 3 * i, 1, u + 4 * i, 1);
    for (int k = 0; k < 16; k++)
        store_v8(Ut + (size_t)k * (size_t)C + (size_t)c, &u[k], n);
}

static void input_tiles(const geo *g, const float *img, size_t T, float *U)
{
    const int C = g->C;

    for (size_t t = 0; t < T; t++) {
        size_t at[9];
        float *Ut = U + t * 16 * (size_t)C;
        int c = 0;

        input_pixels(g, t, at);
        for (; c + 8 <= C; c += 8) /* a constant 8: no partial loads */
            input_tile(img, at, c, 8, C, Ut);
        if (c < C)
            input_tile(img, at, c, C - c, C, Ut);
    }
}

/* dx += a tile's input-point gradient dUt (its row of dU), channels
 * [c, c + n), taken back to its 3x3 pixels (those inside the image). */
static inline void input_adjoint_tile(const float *dUt, int C, int c, int n,
                                      const size_t at[9], float *dx)
{
    v8 u[16], e[12], d[9];

    for (int k = 0; k < 16; k++)
        load_v8(&u[k], dUt + (size_t)k * (size_t)C + (size_t)c, n);
    for (int i = 0; i < 4; i++)
        input_adjoint_1d(u + 4 * i, 1, e + 3 * i, 1);
    for (int q = 0; q < 3; q++)
        input_adjoint_1d(e + q, 3, d + q, 3);
    for (int k = 0; k < 9; k++) {
        if (at[k] == OUTSIDE)
            continue;
        v8 sum;
        load_v8(&sum, dx + at[k] + c, n);
        sum += d[k];
        store_v8(dx + at[k] + c, &sum, n);
    }
}

static void input_adjoint_tiles(const geo *g, const float *dU, size_t T, float *dx)
{
    const int C = g->C;

    for (size_t t = 0; t < T; t++) {
        size_t at[9];
        const float *dUt = dU + t * 16 * (size_t)C;
        int c = 0;

        input_pixels(g, t, at);
        for (; c + 8 <= C; c += 8)
            input_adjoint_tile(dUt, C, c, 8, at, dx);
        if (c < C)
            input_adjoint_tile(dUt, C, c, C - c, at, dx);
    }
}

/* Tile t's 16 output pixels, filters [f, f + n), from its 25 products
 * plus the bias (none when b is NULL), through fused's activation unless
 * fused is NULL (in registers: a pass of its own would read y again),
 * stored inside the image. */
static inline void output_tile(const pair_map *m, const float *M, size_t t, int f, int n,
                               const float *b, const dae_conv_shape *fused,
                               const size_t at[16], float *y)
{
    v8 p[25], q[20], o[16], bias;

    for (int k = 0; k < 25; k++)
        load_v8(&p[k], M + m->at[k] + t * m->stride[k] + (size_t)f, n);
    for (int i = 0; i < 5; i++)
        output_1d(p + 5 * i, 1, q + 4 * i, 1);
    for (int c = 0; c < 4; c++)
        output_1d(q + c, 4, o + c, 4);
    load_v8(&bias, b ? b + f : NULL, n);
    for (int k = 0; k < 16; k++)
        if (at[k] != OUTSIDE) {
            v8 v = o[k] + bias;
            if (fused)
                dae_act_v8(fused->act, fused->alpha, &v);
            store_v8(y + at[k] + f, &v, n);
        }
}

/* Image i of the group (its tiles [i*tiles, (i+1)*tiles)) into y, the
 * group's first output image. */
static void output_image(const geo *g, const pair_map *m, const float *M, size_t i,
                         const float *b, const dae_conv_shape *fused, float *y)
{
    for (size_t t = i * tiles(g); t < (i + 1) * tiles(g); t++) {
        size_t at[16];
        int f = 0;

        output_pixels(g, t, at);
        for (; f + 8 <= g->F; f += 8)
            output_tile(m, M, t, f, 8, b, fused, at, y);
        if (f < g->F)
            output_tile(m, M, t, f, g->F - f, b, fused, at, y);
    }
}

/* dM: tile t's 25 products' gradient, filters [f, f + n), from its output
 * pixels' gradient in dy (zero past the image); and db += those pixels'
 * sum, while they are in registers. */
static inline void output_adjoint_tile(const float *dy, const size_t at[16], int f, int n,
                                       const pair_map *m, float *dM, size_t t, float *db)
{
    v8 o[16], q[20], p[25], sum;

    for (int k = 0; k < 16; k++)
        load_v8(&o[k], at[k] == OUTSIDE ? NULL : dy + at[k] + f, n);
    load_v8(&sum, db + f, n);
    for (int k = 0; k < 16; k++)
        sum += o[k];
    store_v8(db + f, &sum, n);
    for (int c = 0; c < 4; c++)
        output_adjoint_1d(o + c, 4, q + c, 4);
    for (int i = 0; i < 5; i++)
        output_adjoint_1d(q + 4 * i, 1, p + 5 * i, 1);
    for (int k = 0; k < 25; k++)
        store_v8(dM + m->at[k] + t * m->stride[k] + (size_t)f, &p[k], n);
}

static void output_adjoint_tiles(const geo *g, const pair_map *m, const float *dy,
                                 size_t T, float *dM, float *db)
{
    for (size_t t = 0; t < T; t++) {
        size_t at[16];
        int f = 0;

        output_pixels(g, t, at);
        for (; f + 8 <= g->F; f += 8)
            output_adjoint_tile(dy, at, f, 8, m, dM, t, db);
        if (f < g->F)
            output_adjoint_tile(dy, at, f, g->F - f, m, dM, t, db);
    }
}

/* ---- the kernel points ------------------------------------------------------- */

typedef struct kernel_job {
    const geo *g;
    const float *from; /* W [3, 3, F, C], or dV */
    float *to;         /* V, or dW */
} kernel_job;

/* V_u[c][block * F + f] for input channels [first, last): the kernel
 * points of W[.][.][f][c], down the columns then along the rows. */
static void kernel_rows(void *ctx, size_t first, size_t last)
{
    const kernel_job *j = ctx;
    const int C = j->g->C, F = j->g->F;
    const pair_map m = kernel_map(C, F);

    for (size_t c = first; c < last; c++)
        for (int f = 0; f < F; f++) {
            float k[9], e[15], v[25];
            for (int tap = 0; tap < 9; tap++)
                k[tap] = j->from[((size_t)tap * F + (size_t)f) * C + c];
            for (int q = 0; q < 3; q++)
                kernel_1d(k + q, 3, e + q, 3);
            for (int i = 0; i < 5; i++)
                kernel_1d(e + 3 * i, 1, v + 5 * i, 1);
            for (int p = 0; p < 25; p++)
                j->to[m.at[p] + c * m.stride[p] + (size_t)f] = v[p];
        }
}

/* dW[kh][kw][f][c] from dV: kernel_rows's adjoint. */
static void kernel_grad_rows(void *ctx, size_t first, size_t last)
{
    const kernel_job *j = ctx;
    const int C = j->g->C, F = j->g->F;
    const pair_map m = kernel_map(C, F);

    for (size_t c = first; c < last; c++)
        for (int f = 0; f < F; f++) {
            float v[25], e[15], k[9];
            for (int p = 0; p < 25; p++)
                v[p] = j->from[m.at[p] + c * m.stride[p] + (size_t)f];
            for (int i = 0; i < 5; i++)
                kernel_adjoint_1d(v + 5 * i, 1, e + 3 * i, 1);
            for (int q = 0; q < 3; q++)
                kernel_adjoint_1d(e + q, 3, k + q, 3);
            for (int tap = 0; tap < 9; tap++)
                j->to[((size_t)tap * F + (size_t)f) * C + c] = k[tap];
        }
}

static void run_kernel(dae_range_fn fn, const geo *g, const float *from, float *to)
{
    double t0 = dae_seconds();
    kernel_job j = {g, from, to};

    dae_parallel_for((size_t)g->C, 2, fn, &j);
    dae_conv_patch_seconds += dae_seconds() - t0;
}

/* VT_u = V_u^T for the 16 input points, in V_u's place: [wF x C]. */
static void transpose_points(const geo *g, const float *V, float *VT)
{
    for (int u = 0; u < 16; u++) {
        const size_t before = (size_t)point_before(u) * (size_t)g->F * (size_t)g->C;
        dae_transpose((size_t)g->C, (size_t)point_width(u) * (size_t)g->F, V + before,
                      VT + before);
    }
}

/* ---- the 16 products ----------------------------------------------------------- */

enum product { FORWARD, WEIGHT_GRAD, INPUT_GRAD };

/* Column blocks per product for input point u's w: all w in one, or one
 * each when only a block fits OpenBLAS's small-matrix kernels (blas.h),
 * which leave out the packing and, with beta = 0, write C directly. */
static int blocks_per_product(int w, int ta, int M, int F, int K)
{
    return w > 1 && !dae_sgemm_is_small(ta, 0, M, w * F, K)
                   && dae_sgemm_is_small(ta, 0, M, F, K) ? 1 : w;
}

/* dU's products on OpenBLAS's small-matrix kernels: dM_u VT_u, in pieces
 * of F along the sum, rather than dM_u V_u^T, which those kernels refuse
 * (blas.h). */
static int input_grad_direct(const geo *g, size_t T)
{
    return dae_sgemm_is_small(0, 0, (int)T, g->C, g->F);
}

/* Over the 16 input points u, for a group of T tiles (U's rows 16C
 * apart, M's 25F apart):
 *   FORWARD      M_u = U_u V_u
 *   WEIGHT_GRAD  dV_u = U_u^T dM_u (+ dV_u unless first)
 *   INPUT_GRAD   dU_u = dM_u V_u^T  (into U's place)
 * On the small-matrix kernels the first product into each block of M or
 * dU writes it; else the outputs of FORWARD and INPUT_GRAD are zeroed
 * once for all 16, and the products add onto them (blas.h's beta = 0
 * would zero each block row by row). */
static void products(enum product what, const geo *g, size_t T, float *U, float *M,
                     const float *V, const float *VT, float *dV, int first)
{
    double t0 = dae_seconds();
    const int C = g->C, F = g->F, ldu = 16 * C, ldm = 25 * F;
    const int direct = what == FORWARD ? dae_sgemm_is_small(0, 0, (int)T, F, C)
                                       : what == INPUT_GRAD && input_grad_direct(g, T);

    if (what == FORWARD && !direct)
        memset(M, 0, T * (size_t)ldm * sizeof *M);
    else if (what == INPUT_GRAD && !direct)
        memset(U, 0, T * (size_t)ldu * sizeof *U);
    for (int u = 0; u < 16; u++) {
        const int w = point_width(u), N = w * F;
        const size_t before = (size_t)point_before(u) * (size_t)F;
        float *Uu = U + (size_t)u * (size_t)C, *Mu = M + before;
        const float *Vu = V ? V + before * (size_t)C : NULL; /* none for dW */
        if (what == FORWARD) {
            const int n = blocks_per_product(w, 0, (int)T, F, C) * F;
            for (int f = 0; f < N; f += n)
                dae_sgemm(0, 0, (int)T, n, C, 1.0f, Uu, ldu, Vu + f, N,
                          direct ? 0.0f : 1.0f, Mu + f, ldm);
        } else if (what == WEIGHT_GRAD) {
            const int n = blocks_per_product(w, 1, C, F, (int)T) * F;
            for (int f = 0; f < N; f += n)
                dae_sgemm(1, 0, C, n, (int)T, 1.0f, Uu, ldu, Mu + f, ldm,
                          first ? 0.0f : 1.0f, dV + before * (size_t)C + f, N);
        } else if (direct) {
            const float *VTu = VT + before * (size_t)C;
            for (int f = 0; f < N; f += F)
                dae_sgemm(0, 0, (int)T, C, F, 1.0f, Mu + f, ldm, VTu + (size_t)f * C, C,
                          f == 0 ? 0.0f : 1.0f, Uu, ldu);
        } else {
            dae_sgemm(0, 1, (int)T, C, N, 1.0f, Mu, ldm, Vu, N, 1.0f, Uu, ldu);
        }
    }
    if (dae_parallel_part() == 0)
        dae_conv_gemm_seconds += dae_seconds() - t0;
}

/* ---- passes ------------------------------------------------------------------- */

static void add_patch_time(double t0)
{
    if (dae_parallel_part() == 0)
        dae_conv_patch_seconds += dae_seconds() - t0;
}

/* y = act(M's tiles + b) image by image, each then through f1 while in
 * cache. */
static void forward_group(void *ctx, int index, int n0, int n, float *mats)
{
    const pass *j = ctx;
    const geo *g = &j->g;
    const size_t T = (size_t)n * tiles(g), out = out_size(g);
    float *U = mats, *M = mats + (size_t)n * points_floats(g);
    const pair_map m = tile_map(g->F);
    /* the activation, when the output tiles can apply it */
    const dae_conv_shape *fused = dae_act_in_registers(j->s->act) ? j->s : NULL;

    (void)index;
    double t0 = dae_seconds();
    input_tiles(g, j->x + (size_t)n0 * in_size(g), T, U);
    add_patch_time(t0);
    products(FORWARD, g, T, U, M, j->V, NULL, NULL, 0);
    t0 = dae_seconds();
    for (int i = 0; i < n; i++) {
        float *y = j->y + (size_t)(n0 + i) * out;
        output_image(g, &m, M, (size_t)i, j->b, fused, j->y + (size_t)n0 * out);
        if (!fused)
            dae_act_apply(j->s->act, j->s->alpha, out, y, y);
        if (j->f1)
            dae_f1_above_forward(j->f1, (size_t)(n0 + i), y);
    }
    add_patch_time(t0);
}

/* The group's dy: the batch's, or made by the fused conv2d's backward on
 * each image into the thread's scratch past the matrices. */
static const float *group_dy(const pass *j, int n0, int n, float *scratch)
{
    if (!j->f1)
        return j->dy + (size_t)n0 * out_size(&j->g);
    dae_f1_above_backward(j->f1, j->s->act, j->s->alpha, n0, n, scratch);
    return scratch;
}

/* This group's share of dV and db, written into its strand's part if it
 * starts the strand, else added; its dx. */
static void backward_group(void *ctx, int index, int n0, int n, float *mats)
{
    const pass *j = ctx;
    const geo *g = &j->g;
    const size_t T = (size_t)n * tiles(g);
    float *U = mats, *M = mats + (size_t)n * points_floats(g);
    const float *dy = group_dy(j, n0, n, mats + (size_t)j->groups.size * sample_floats(g));
    int first, k = dae_groups_strand(&j->groups, index, &first);
    float *part = j->parts + (size_t)k * part_floats(g);
    float *db = part + kernel_floats(g);
    const pair_map m = tile_map(g->F);

    if (first)
        memset(db, 0, (size_t)g->F * sizeof *db);
    double t0 = dae_seconds();
    input_tiles(g, j->x + (size_t)n0 * in_size(g), T, U);
    output_adjoint_tiles(g, &m, dy, T, M, db);
    add_patch_time(t0);
    products(WEIGHT_GRAD, g, T, U, M, NULL, NULL, part, first);
    if (!j->dx)
        return;
    products(INPUT_GRAD, g, T, U, M, j->V, j->VT, NULL, 0);
    float *dx = j->dx + (size_t)n0 * in_size(g);
    t0 = dae_seconds();
    memset(dx, 0, (size_t)n * in_size(g) * sizeof *dx);
    input_adjoint_tiles(g, U, T, dx);
    add_patch_time(t0);
    if (j->x_act != DAE_LINEAR)
        dae_act_grad_apply(j->x_act, j->x_alpha, (size_t)n * in_size(g),
                           j->x + (size_t)n0 * in_size(g), dx, dx);
}

/* work = V, dV, VT, each thread's group scratch, then the strands' parts. */
static pass make_pass(const dae_conv_shape *s, int B, const dae_f1_above *f1, float *work)
{
    pass j = {0};

    j.s = s;
    j.g = make_geo(s);
    j.f1 = f1;
    j.groups = dae_groups_make(sample_floats(&j.g), B);
    j.scratch = (size_t)j.groups.size * sample_floats(&j.g) +
                (f1 ? (size_t)j.groups.size * out_size(&j.g) : 0);
    j.V = work;
    j.dV = j.V + kernel_floats(&j.g);
    j.VT = j.dV + kernel_floats(&j.g);
    j.parts = j.VT + kernel_floats(&j.g) + (size_t)dae_parallel_threads() * j.scratch;
    return j;
}

void dae_winograd_transpose_forward(const dae_conv_shape *s, int B, const float *x,
                                    const float *W, const float *b, float *y,
                                    const dae_f1_above *f1, float *work)
{
    if (B <= 0)
        return;
    pass j = make_pass(s, B, f1, work);
    j.x = x;
    j.b = b;
    j.y = y;
    run_kernel(kernel_rows, &j.g, W, j.V);
    dae_groups_run_scratch(&j.groups, j.scratch, j.VT + kernel_floats(&j.g),
                           forward_group, &j);
}

void dae_winograd_transpose_backward(const dae_conv_shape *s, int B, const float *x,
                                     dae_act x_act, float x_alpha, const float *W,
                                     const float *dy, float *dx, float *dW, float *db,
                                     const dae_f1_above *f1, float *work)
{
    geo g = make_geo(s);

    if (B <= 0) {
        memset(dW, 0, 9 * (size_t)g.C * (size_t)g.F * sizeof *dW);
        if (db)
            memset(db, 0, (size_t)g.F * sizeof *db);
        return;
    }
    pass j = make_pass(s, B, f1, work);
    j.x = x;
    j.x_act = x_act;
    j.x_alpha = x_alpha;
    j.dy = dy;
    j.dx = dx;
    if (dx) {
        run_kernel(kernel_rows, &j.g, W, j.V);
        if (input_grad_direct(&g, tiles(&g))) /* a group of one image, if any */
            transpose_points(&g, j.V, j.VT);
    }
    dae_groups_run_strands(&j.groups, j.scratch, j.VT + kernel_floats(&g),
                           backward_group, &j);
    const int strands = dae_groups_strands(&j.groups);
    dae_groups_sum(j.parts, strands, part_floats(&g), kernel_floats(&g), j.dV);
    if (db)
        dae_groups_sum(j.parts + kernel_floats(&g), strands, part_floats(&g),
                       (size_t)g.F, db);
    run_kernel(kernel_grad_rows, &g, j.dV, dW);
}
