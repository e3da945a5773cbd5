/* Winograd F(2x2, 3x3) for 3x3 stride-1 conv2d.
 *
 * One 2x2 output tile is  Y = A^T [ sum_c (B^T d_c B) .* (G g_cf G^T) ] A,
 * where d_c is the 4x4 input tile of channel c and g_cf the 3x3 kernel of
 * channels (c, f). Over all tiles, the sum of elementwise products is 16
 * matrix products, one per position k of the 4x4 transformed tile:
 *     M_k [tiles x F] = V_k [tiles x C] . U_k [C x F].
 * A pass transforms the kernel into U, the input tiles into V, runs the
 * 16 sgemm and transforms M back into output tiles.
 *
 * The backward pass reuses the same pieces:
 *  - dx is the stride-1 "full" correlation of dy with the kernel flipped
 *    (W[2-kh][2-kw]) and its channel axes swapped: the forward pass reading
 *    dy padded by 2 - pad, with U used transposed;
 *  - dW is the forward pass's adjoint: dM_k = A dY A^T from the dy tiles,
 *    dU_k = V_k^T dM_k summed over the groups, then dW = G^T dU G.
 *
 * Samples go through in groups of g, sized by conv.c like its im2col
 * groups, so that the 2 x 16 matrices of a group stay a few MB (and in
 * cache between a transform and the products).
 *
 * The input and output tile transforms take 8 channels at a time in
 * vector registers; the dy tile and kernel transforms take CH channels at
 * a time through small local arrays, so their loops have constant trip
 * counts and vectorise. They are split
 * over the runtime's thread pool by tile; each value is computed by the
 * same code whatever the split, so for a fixed thread count (which fixes
 * OpenBLAS's split of the products) the results are the same each run. */
#include "winograd.h"

#include <string.h>
#include "blas.h"
#include "dense.h"
#include "groups.h"
#include "parallel.h"
#include "progress.h"
#include "v8.h"

/* Channels per transform step: a row of 32 floats is four AVX vectors
 * (on the article's 64-channel layer, 16 and 64 were both slower). */
#define CH 32

/* ---- geometry ------------------------------------------------------------ */

/* A tiled pass reads an H x W x C image (pad_top rows and pad_left columns
 * of zeros before it, zeros past its end) and writes an OH x OW x F one,
 * in TH x TW tiles of 2x2 (the last row or column of tiles may overhang). */
typedef struct geo {
    int H, W, C;
    int OH, OW, F;
    int pad_top, pad_left;
    int TH, TW;
} geo;

static geo make_geo(int H, int W, int C, int OH, int OW, int F, int pad_top,
                    int pad_left)
{
    return (geo){H, W, C, OH, OW, F, pad_top, pad_left, (OH + 1) / 2, (OW + 1) / 2};
}

/* The conv2d itself: x -> y. */
static geo forward_geo(const dae_conv_shape *s)
{
    return make_geo(s->H, s->W, s->C, s->OH, s->OW, s->F, s->pad_top, s->pad_left);
}

/* dx[i] = sum_k dy[i + pad - k] W[k] = sum_k' dy[i - (2 - pad) + k'] W[2 - k']:
 * a correlation over dy padded by 2 - pad, dy -> dx. */
static geo dx_geo(const dae_conv_shape *s)
{
    return make_geo(s->OH, s->OW, s->F, s->H, s->W, s->C, 2 - s->pad_top,
                    2 - s->pad_left);
}

static size_t tiles(const geo *g)
{
    return (size_t)g->TH * (size_t)g->TW;
}

/* Tile t of a group: its image n and the output pixel (oh, ow) at its top left. */
static void tile_at(const geo *g, size_t t, size_t *n, int *oh, int *ow)
{
    size_t r = t % tiles(g);

    *n = t / tiles(g);
    *oh = 2 * (int)(r / (size_t)g->TW);
    *ow = 2 * (int)(r % (size_t)g->TW);
}

/* Offset of pixel (h, w) of image n in an H x W x C batch. */
static size_t at_pixel(size_t n, int h, int w, int H, int W, int C)
{
    return ((n * (size_t)H + (size_t)h) * (size_t)W + (size_t)w) * (size_t)C;
}

/* ---- workspace ----------------------------------------------------------- */

int dae_winograd_fits(const dae_conv_shape *s)
{
    return s->KH == 3 && s->KW == 3 && s->SH == 1 && s->SW == 1;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Per sample, the 16 matrices read by the products (x tiles [tiles x C],
 * or dy tiles [tiles x F] for dx) and the 16 they write (M, dM: [tiles x
 * F]; dx's M: [tiles x C]). */
static size_t in_floats(const dae_conv_shape *s)
{
    geo f = forward_geo(s), d = dx_geo(s);
    return 16 * max_size(tiles(&f) * (size_t)s->C, tiles(&d) * (size_t)s->F);
}

static size_t out_floats(const dae_conv_shape *s)
{
    geo f = forward_geo(s), d = dx_geo(s);
    return 16 * max_size(tiles(&f) * (size_t)s->F, tiles(&d) * (size_t)s->C);
}

/* Floats of one input and one output sample. */
static size_t in_size(const dae_conv_shape *s)
{
    return (size_t)s->H * (size_t)s->W * (size_t)s->C;
}

static size_t out_size(const dae_conv_shape *s)
{
    return (size_t)s->OH * (size_t)s->OW * (size_t)s->F;
}

static size_t kernel_floats(const dae_conv_shape *s)
{
    return 16 * (size_t)s->C * (size_t)s->F;
}

size_t dae_winograd_sample_floats(const dae_conv_shape *s)
{
    return in_floats(s) + out_floats(s);
}

/* One strand's share of dU and db (groups.h). */
static size_t part_floats(const dae_conv_shape *s)
{
    return kernel_floats(s) + (size_t)s->F;
}

size_t dae_winograd_workspace(const dae_conv_shape *s, int B)
{
    size_t per = dae_winograd_sample_floats(s);

    if (B <= 0)
        return 0;
    return 2 * kernel_floats(s) +
           (size_t)dae_parallel_threads() * dae_groups_scratch(per, B) +
           (size_t)dae_groups_max_strands(per, B) * part_floats(s);
}

/* work = U (the transformed kernel), dU, each thread's group matrices,
 * then one part per strand of groups. */
typedef struct scratch {
    float *U, *dU, *groups, *parts;
} scratch;

static scratch carve(const dae_conv_shape *s, const dae_groups *g, float *work)
{
    scratch w;

    w.U = work;
    w.dU = w.U + kernel_floats(s);
    w.groups = w.dU + kernel_floats(s);
    w.parts = w.groups + (size_t)dae_parallel_threads() * (size_t)g->size *
                             dae_winograd_sample_floats(s);
    return w;
}

/* ---- the transforms on CH-channel rows ---------------------------------- */

/* A 1-D transform of rows of CH floats: in[i*is ...] -> out[o*os ...]. */
typedef void transform_1d(const float *restrict in, int is, float *restrict out,
                          int os);

/* A, 2 -> 4: A^T's adjoint, taking an output tile's gradient to dM. */
static inline void tf_a(const float *restrict in, int is, float *restrict out, int os)
{
    for (int c = 0; c < CH; c++) {
        float y0 = in[c], y1 = in[is + c];
        out[c] = y0;
        out[os + c] = y0 + y1;
        out[2 * os + c] = y0 - y1;
        out[3 * os + c] = -y1;
    }
}

/* G, 3 -> 4: the kernel transform. */
static inline void tf_g(const float *restrict in, int is, float *restrict out, int os)
{
    for (int c = 0; c < CH; c++) {
        float g0 = in[c], g1 = in[is + c], g2 = in[2 * is + c];
        out[c] = g0;
        out[os + c] = 0.5f * (g0 + g1 + g2);
        out[2 * os + c] = 0.5f * (g0 - g1 + g2);
        out[3 * os + c] = g2;
    }
}

/* G^T, 4 -> 3: G's adjoint, taking dU to dW. */
static inline void tf_gt(const float *restrict in, int is, float *restrict out, int os)
{
    for (int c = 0; c < CH; c++) {
        float u0 = in[c], u1 = in[is + c], u2 = in[2 * is + c], u3 = in[3 * is + c];
        out[c] = u0 + 0.5f * (u1 + u2);
        out[os + c] = 0.5f * (u1 - u2);
        out[2 * os + c] = 0.5f * (u1 + u2) + u3;
    }
}

/* out = T in T^T for an m x m tile of CH-float rows (row-major), giving
 * n x n: T down the columns, then along the rows. Inlined with a constant
 * t, so every call below is a direct, vectorised loop. */
static inline void transform_2d(transform_1d *t, int m, int n, const float *in,
                                float *out)
{
    float tmp[4 * 4 * CH];

    for (int j = 0; j < m; j++)
        t(in + j * CH, m * CH, tmp + j * CH, m * CH);
    for (int i = 0; i < n; i++)
        t(tmp + i * m * CH, CH, out + i * n * CH, CH);
}

/* What a pixel in the padding reads. */
static const float zero_row[CH];

/* nc <= CH floats of src (NULL: the padding) into a CH-float row,
 * zero-filled past nc. */
static inline void load_row(float *restrict row, const float *restrict src, int nc)
{
    int c = 0;

    if (!src)
        src = zero_row;
    if (nc == CH) {
        for (; c < CH; c++)
            row[c] = src[c];
        return;
    }
    for (; c < nc; c++)
        row[c] = src[c];
    for (; c < CH; c++)
        row[c] = 0.0f;
}

static inline void store_row(float *restrict dst, const float *restrict row, int nc)
{
    if (nc == CH) {
        for (int c = 0; c < CH; c++)
            dst[c] = row[c];
        return;
    }
    for (int c = 0; c < nc; c++)
        dst[c] = row[c];
}

static int chunk(int total, int c0)
{
    return total - c0 < CH ? total - c0 : CH;
}

/* ---- the tile transforms on 8 channels, in registers ------------------------ */

/* B^T d B (into the product's domain) for channels [c, c + n) of one tile
 * whose 16 pixels are px (NULL: padding), into the 16 matrices at
 * dst + k * plane: first down the columns, then along the rows. */
static inline void input_tile_v8(const float *const px[16], int c, int n, float *dst,
                                 size_t plane)
{
    v8 d[16], t[16];

    for (int k = 0; k < 16; k++)
        load_v8(&d[k], px[k] ? px[k] + c : NULL, n);
    for (int j = 0; j < 4; j++) { /* down column j */
        v8 d0 = d[j], d1 = d[4 + j], d2 = d[8 + j], d3 = d[12 + j];
        t[j] = d0 - d2;
        t[4 + j] = d1 + d2;
        t[8 + j] = d2 - d1;
        t[12 + j] = d1 - d3;
    }
    for (int i = 0; i < 4; i++) { /* along row i */
        v8 t0 = t[4 * i], t1 = t[4 * i + 1], t2 = t[4 * i + 2], t3 = t[4 * i + 3];
        v8 u[4] = {t0 - t2, t1 + t2, t2 - t1, t1 - t3};
        for (int k = 0; k < 4; k++)
            store_v8(dst + (size_t)(4 * i + k) * plane, &u[k], n);
    }
}

/* A^T m A (back to a 2x2 output tile) plus the bias (0 without one) for
 * channels [f, f + n) of one tile, from the 16 matrices at src + k * plane:
 * first down the columns, then along the rows. */
static inline void output_tile_v8(const float *src, size_t plane, const float *bias,
                                  int f, int n, v8 y[4])
{
    v8 m[16], t[8];

    for (int k = 0; k < 16; k++)
        load_v8(&m[k], src + (size_t)k * plane, n);
    for (int j = 0; j < 4; j++) { /* down column j */
        v8 m0 = m[j], m1 = m[4 + j], m2 = m[8 + j], m3 = m[12 + j];
        t[j] = m0 + m1 + m2;
        t[4 + j] = m1 - m2 - m3;
    }
    v8 b;
    load_v8(&b, bias ? bias + f : NULL, n);
    for (int i = 0; i < 2; i++) { /* along row i */
        v8 t0 = t[4 * i], t1 = t[4 * i + 1], t2 = t[4 * i + 2], t3 = t[4 * i + 3];
        y[2 * i] = t0 + t1 + t2 + b;
        y[2 * i + 1] = t1 - t2 - t3 + b;
    }
}

/* ---- tiles in and out ----------------------------------------------------- */

/* A range of a group's tiles, between images and the 16 matrices. */
typedef struct tile_job {
    const geo *g;
    const float *img;  /* the group's first image (read or written) */
    float *out_img;    /* output_tiles: where it writes */
    float *mat;        /* 16 matrices of plane floats each */
    size_t plane;
    const float *bias; /* output_tiles: added, or NULL */
} tile_job;

/* V_k[t][c] = (B^T d B)_k for the 4x4 input tile d under output tile t. */
static void input_tiles(void *ctx, size_t first, size_t last)
{
    const tile_job *j = ctx;
    const geo *g = j->g;

    for (size_t t = first; t < last; t++) {
        const float *px[16];
        size_t n;
        int oh, ow;

        tile_at(g, t, &n, &oh, &ow);
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4; k++) {
                int ih = oh - g->pad_top + i, iw = ow - g->pad_left + k;
                int inside = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W;
                px[4 * i + k] = inside ? j->img + at_pixel(n, ih, iw, g->H, g->W, g->C)
                                       : NULL;
            }
        int c = 0;
        for (; c + 8 <= g->C; c += 8) /* a constant 8: no partial loads */
            input_tile_v8(px, c, 8, j->mat + t * (size_t)g->C + c, j->plane);
        if (c < g->C)
            input_tile_v8(px, c, g->C - c, j->mat + t * (size_t)g->C + c, j->plane);
    }
}

/* Output tile t = A^T M[t] A (+ bias), its overhang past OH x OW dropped. */
/* Filters [f, f + nf) of tile t (image n, top left (oh, ow)) into the
 * output, its pixels inside the image only. */
static inline void output_tile(const tile_job *j, size_t t, size_t n, int oh, int ow,
                               int f, int nf)
{
    const geo *g = j->g;
    v8 y[4];

    output_tile_v8(j->mat + t * (size_t)g->F + f, j->plane, j->bias, f, nf, y);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++)
            if (oh + i < g->OH && ow + k < g->OW)
                store_v8(j->out_img + at_pixel(n, oh + i, ow + k, g->OH, g->OW, g->F) + f,
                         &y[2 * i + k], nf);
}

static void output_tiles(void *ctx, size_t first, size_t last)
{
    const tile_job *j = ctx;
    const geo *g = j->g;

    for (size_t t = first; t < last; t++) {
        size_t n;
        int oh, ow;

        tile_at(g, t, &n, &oh, &ow);
        int f = 0;
        for (; f + 8 <= g->F; f += 8) /* a constant 8: no partial loads */
            output_tile(j, t, n, oh, ow, f, 8);
        if (f < g->F)
            output_tile(j, t, n, oh, ow, f, g->F - f);
    }
}

/* dM_k[t][f] = (A dY A^T)_k for the 2x2 tile dY of dy at output tile t
 * (zero where the tile overhangs): the adjoint of output_tiles. */
static void dy_tiles(void *ctx, size_t first, size_t last)
{
    const tile_job *j = ctx;
    const geo *g = j->g;
    float d[4 * CH], m[16 * CH];

    for (size_t t = first; t < last; t++) {
        const float *px[4];
        size_t n;
        int oh, ow;

        tile_at(g, t, &n, &oh, &ow);
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 2; k++)
                px[2 * i + k] = oh + i < g->OH && ow + k < g->OW
                                    ? j->img + at_pixel(n, oh + i, ow + k, g->OH, g->OW, g->F)
                                    : NULL;
        for (int f0 = 0; f0 < g->F; f0 += CH) {
            int nf = chunk(g->F, f0);
            for (int k = 0; k < 4; k++)
                load_row(d + k * CH, px[k] ? px[k] + f0 : NULL, nf);
            transform_2d(tf_a, 2, 4, d, m);
            for (int k = 0; k < 16; k++)
                store_row(j->mat + k * j->plane + t * (size_t)g->F + f0, m + k * CH, nf);
        }
    }
}

/* Runs a tile transform over a group's T tiles, timed as the conv
 * kernels' patch work (on the pool's first thread). */
static void run_tiles(dae_range_fn fn, const geo *g, const float *img, float *out_img,
                      float *mat, size_t T, size_t channels, const float *bias)
{
    double t0 = dae_seconds();
    tile_job j = {g, img, out_img, mat, T * channels, bias};

    fn(&j, 0, T);
    if (dae_parallel_part() == 0)
        dae_conv_patch_seconds += dae_seconds() - t0;
}

/* ---- the kernel ----------------------------------------------------------- */

typedef struct kernel_job {
    const dae_conv_shape *s;
    const float *from; /* W [3,3,C,F] or dU */
    float *to;         /* U or dW */
    int flip;
} kernel_job;

/* U_k[c][f] = (G g G^T)_k with g = W[kh][kw][c][f], or with the taps
 * flipped (W[2-kh][2-kw]) for dx, over input channels [first, last). */
static void kernel_rows(void *ctx, size_t first, size_t last)
{
    const kernel_job *j = ctx;
    const int C = j->s->C, F = j->s->F;
    const size_t plane = (size_t)C * (size_t)F;
    float g[9 * CH], u[16 * CH];

    for (size_t c = first; c < last; c++)
        for (int f0 = 0; f0 < F; f0 += CH) {
            int nf = chunk(F, f0);
            for (int tap = 0; tap < 9; tap++) {
                int src = j->flip ? 8 - tap : tap; /* (2-kh)*3 + (2-kw) */
                load_row(g + tap * CH, j->from + ((size_t)src * C + c) * F + f0, nf);
            }
            transform_2d(tf_g, 3, 4, g, u);
            for (int k = 0; k < 16; k++)
                store_row(j->to + k * plane + c * F + f0, u + k * CH, nf);
        }
}

/* dW[kh][kw][c][f] = (G^T dU G)[kh][kw], the kernel transform's adjoint. */
static void kernel_grad_rows(void *ctx, size_t first, size_t last)
{
    const kernel_job *j = ctx;
    const int C = j->s->C, F = j->s->F;
    const size_t plane = (size_t)C * (size_t)F;
    float u[16 * CH], g[9 * CH];

    for (size_t c = first; c < last; c++)
        for (int f0 = 0; f0 < F; f0 += CH) {
            int nf = chunk(F, f0);
            for (int k = 0; k < 16; k++)
                load_row(u + k * CH, j->from + k * plane + c * F + f0, nf);
            transform_2d(tf_gt, 4, 3, u, g);
            for (int tap = 0; tap < 9; tap++)
                store_row(j->to + ((size_t)tap * C + c) * F + f0, g + tap * CH, nf);
        }
}

static void run_kernel(dae_range_fn fn, const dae_conv_shape *s, const float *from,
                       float *to, int flip)
{
    double t0 = dae_seconds();
    kernel_job j = {s, from, to, flip};

    dae_parallel_for((size_t)s->C, 2, fn, &j);
    dae_conv_patch_seconds += dae_seconds() - t0;
}

/* ---- the 16 products -------------------------------------------------------- */

/* c_k = op(a_k) op(b_k) + beta c_k for k = 0..15, each matrix dense and
 * row-major: a_k is M x K (K x M when ta), b_k K x N (N x K when tb). */
static void gemm16(int ta, int tb, size_t M, int N, int K, const float *a,
                   const float *b, float beta, float *c)
{
    double t0 = dae_seconds();
    const size_t pa = M * (size_t)K, pb = (size_t)K * (size_t)N, pc = M * (size_t)N;

    for (int k = 0; k < 16; k++)
        dae_sgemm(ta, tb, (int)M, N, K, 1.0f, a + k * pa, ta ? (int)M : K,
                  b + k * pb, tb ? K : N, beta, c + k * pc, N);
    if (dae_parallel_part() == 0)
        dae_conv_gemm_seconds += dae_seconds() - t0;
}

/* ---- passes ------------------------------------------------------------------ */

/* A batch's groups and the tensors they read and write. */
typedef struct pass_job {
    const dae_conv_shape *s;
    geo fg, dg;
    const scratch *w;
    const float *x, *b, *dy;
    float *y, *dx;
    const dae_groups *g;
} pass_job;

static void forward_group(void *ctx, int index, int n0, int n, float *mats)
{
    const pass_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t T = (size_t)n * tiles(&j->fg);
    float *in = mats, *out = mats + (size_t)n * in_floats(s);

    (void)index;
    run_tiles(input_tiles, &j->fg, j->x + (size_t)n0 * in_size(s), NULL, in, T,
              (size_t)s->C, NULL);
    gemm16(0, 0, T, s->F, s->C, in, j->w->U, 0.0f, out);
    run_tiles(output_tiles, &j->fg, NULL, j->y + (size_t)n0 * out_size(s), out, T,
              (size_t)s->F, j->b);
    dae_act_apply(s->act, s->alpha, (size_t)n * out_size(s),
                  j->y + (size_t)n0 * out_size(s), j->y + (size_t)n0 * out_size(s));
}

/* This group's share of dU (V^T dM over its tiles) and db, written into
 * its strand's part if it starts the strand, else added; its dx. */
static void backward_group(void *ctx, int index, int n0, int n, float *mats)
{
    const pass_job *j = ctx;
    const dae_conv_shape *s = j->s;
    const size_t T = (size_t)n * tiles(&j->fg), Tx = (size_t)n * tiles(&j->dg);
    const float *dy = j->dy + (size_t)n0 * out_size(s);
    float *in = mats, *out = mats + (size_t)n * in_floats(s);
    int first, k = dae_groups_strand(j->g, index, &first);
    float *part = j->w->parts + (size_t)k * part_floats(s);
    const size_t rows = (size_t)n * (size_t)s->OH * (size_t)s->OW;

    if (first)
        dae_column_sums(rows, s->F, dy, part + kernel_floats(s));
    else
        dae_column_sums_add(rows, s->F, dy, part + kernel_floats(s));
    run_tiles(input_tiles, &j->fg, j->x + (size_t)n0 * in_size(s), NULL, in, T,
              (size_t)s->C, NULL);
    run_tiles(dy_tiles, &j->fg, dy, NULL, out, T, (size_t)s->F, NULL);
    gemm16(1, 0, (size_t)s->C, s->F, (int)T, in, out, first ? 0.0f : 1.0f, part);
    if (!j->dx)
        return;
    /* dx: the flipped kernel's correlation over dy */
    run_tiles(input_tiles, &j->dg, dy, NULL, in, Tx, (size_t)s->F, NULL);
    gemm16(0, 1, Tx, s->C, s->F, in, j->w->U, 0.0f, out);
    run_tiles(output_tiles, &j->dg, NULL, j->dx + (size_t)n0 * in_size(s), out, Tx,
              (size_t)s->C, NULL);
}

void dae_winograd_forward(const dae_conv_shape *s, int B, const float *x,
                          const float *W, const float *b, float *y, float *work)
{
    if (B <= 0)
        return;
    const size_t per = dae_winograd_sample_floats(s);
    const dae_groups g = dae_groups_make(per, B);
    const scratch w = carve(s, &g, work);
    pass_job j = {s, forward_geo(s), dx_geo(s), &w, x, b, NULL, y, NULL, &g};

    run_kernel(kernel_rows, s, W, w.U, 0);
    dae_groups_run(&g, per, w.groups, forward_group, &j);
}

void dae_winograd_backward(const dae_conv_shape *s, int B, const float *x,
                           const float *W, const float *dy, float *dx, float *dW,
                           float *db, float *work)
{
    if (B <= 0) {
        memset(dW, 0, 9 * (size_t)s->C * (size_t)s->F * sizeof *dW);
        if (db)
            memset(db, 0, (size_t)s->F * sizeof *db);
        return;
    }
    const size_t per = dae_winograd_sample_floats(s), part = part_floats(s);
    const dae_groups g = dae_groups_make(per, B);
    const scratch w = carve(s, &g, work);
    pass_job j = {s, forward_geo(s), dx_geo(s), &w, x, NULL, dy, NULL, dx, &g};

    if (dx)
        run_kernel(kernel_rows, s, W, w.U, 1);
    dae_groups_run_strands(&g, (size_t)g.size * per, w.groups, backward_group, &j);
    dae_groups_sum(w.parts, dae_groups_strands(&g), part, kernel_floats(s), w.dU);
    if (db)
        dae_groups_sum(w.parts + kernel_floats(s), dae_groups_strands(&g), part,
                       (size_t)s->F, db);
    run_kernel(kernel_grad_rows, s, w.dU, dW, 0);
}
