/* Winograd F(2x2, 3x3) and F(4x4, 3x3) for 3x3 stride-1 conv2d.
 *
 * One m x m output tile is  Y = A^T [ sum_c (B^T d_c B) .* (G g_cf G^T) ] A,
 * where d_c is the a x a input tile of channel c (a = m + 2) and g_cf the
 * 3x3 kernel of channels (c, f). Over all tiles, the sum of elementwise
 * products is a^2 matrix products (16 for m = 2, 36 for m = 4), one per
 * position k of the transformed tile:
 *     M_k [tiles x F] = V_k [tiles x C] . U_k [C x F].
 * A pass transforms the kernel into U, the input tiles into V, runs the
 * a^2 sgemm and transforms M back into output tiles. F(4x4, 3x3) takes 36
 * products per 16 outputs where F(2x2, 3x3) takes 64, at the price of
 * larger transforms and of float rounding about 16 times larger (its
 * points 0, +-1, +-2 bring factors 4, 5, 1/6, 1/24): 5e-6 of the largest
 * output on the article's middle layer against 3e-7.
 *
 * With 4x4 tiles (DAE_CONV_WINOGRAD_4X4) the output is cut in regions:
 * 4x4 tiles on the largest multiple of 4 both ways (12x12 of a 14x14
 * output), 2x2 tiles on the strip to its right and the one below. Each
 * region is a pass of its own over the group; U and dU hold the 36
 * matrices of the 4x4 tiles, then the 16 of the 2x2 ones, and dW sums
 * both adjoints. Where 4x4 tiles overhung a 14x14 output instead (31%
 * more tiles), they saved nothing over 2x2 tiles.
 *
 * The backward pass reuses the same pieces:
 *  - dx is the stride-1 "full" correlation of dy with the kernel flipped
 *    (W[2-kh][2-kw]) and its channel axes swapped: the forward pass reading
 *    dy padded by 2 - pad, with U used transposed;
 *  - dW is the forward pass's adjoint: dM_k = A dY A^T from the dy tiles,
 *    dU_k = V_k^T dM_k summed over the groups, then dW = G^T dU G.
 *
 * Samples go through in groups of g, sized by conv.c like its im2col
 * groups, so that the 2 x a^2 matrices of a region stay a few MB (and in
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
#include "act_v8.h"
#include "v8.h"

/* Channels per transform step: a row of 32 floats is four AVX vectors
 * (on the article's 64-channel layer, 16 and 64 were both slower). */
#define CH 32

/* ---- geometry ------------------------------------------------------------ */

/* The shape asks for 4x4 tiles (with 2x2 ones on a remainder). */
static int wants_4x4(const dae_conv_shape *s)
{
    return s->algo == DAE_CONV_WINOGRAD_4X4;
}

/* Products per tile of side m: (m + 2)^2. */
static int points(int m)
{
    return (m + 2) * (m + 2);
}

/* A tiled pass reads an H x W x C image (pad_top rows and pad_left columns
 * of zeros before it, zeros past its end) and writes the output pixels
 * [oh0, oh1) x [ow0, ow1) of an OH x OW x F one, in TH x TW tiles of
 * m x m (the last row or column of tiles may overhang the region). */
typedef struct geo {
    int H, W, C;
    int OH, OW, F;
    int pad_top, pad_left;
    int m, TH, TW;
    int oh0, ow0, oh1, ow1;
} geo;

/* An output in up to three regions: with 4x4 tiles, those tiles cover
 * the largest multiple of 4 both ways and 2x2 tiles the rest (a column
 * strip to its right, a row strip below), where 4x4 tiles overhanging a
 * 14x14 output by 31% cost as much as they save. */
typedef struct tiling {
    int count;
    geo r[3];
} tiling;

static void add_region(tiling *t, geo g, int m, int oh0, int ow0, int oh1, int ow1)
{
    if (oh1 <= oh0 || ow1 <= ow0)
        return;
    g.m = m;
    g.oh0 = oh0, g.ow0 = ow0, g.oh1 = oh1, g.ow1 = ow1;
    g.TH = (oh1 - oh0 + m - 1) / m;
    g.TW = (ow1 - ow0 + m - 1) / m;
    t->r[t->count++] = g;
}

static tiling make_tiling(int H, int W, int C, int OH, int OW, int F, int pad_top,
                          int pad_left, int use_4x4)
{
    geo g = {H, W, C, OH, OW, F, pad_top, pad_left, 0, 0, 0, 0, 0, 0, 0};
    tiling t = {0, {g, g, g}};
    int OH4 = use_4x4 ? OH / 4 * 4 : 0, OW4 = use_4x4 ? OW / 4 * 4 : 0;

    if (OH4 == 0 || OW4 == 0)
        OH4 = OW4 = 0;
    add_region(&t, g, 4, 0, 0, OH4, OW4);
    add_region(&t, g, 2, 0, OW4, OH4, OW);
    add_region(&t, g, 2, OH4, 0, OH, OW);
    return t;
}

/* The conv2d itself: x -> y. */
static tiling forward_tiling(const dae_conv_shape *s)
{
    return make_tiling(s->H, s->W, s->C, s->OH, s->OW, s->F, s->pad_top, s->pad_left,
                       wants_4x4(s));
}

/* dx[i] = sum_k dy[i + pad - k] W[k] = sum_k' dy[i - (2 - pad) + k'] W[2 - k']:
 * a correlation over dy padded by 2 - pad, dy -> dx. */
static tiling dx_tiling(const dae_conv_shape *s)
{
    return make_tiling(s->OH, s->OW, s->F, s->H, s->W, s->C, 2 - s->pad_top,
                       2 - s->pad_left, wants_4x4(s));
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
    *oh = g->oh0 + g->m * (int)(r / (size_t)g->TW);
    *ow = g->ow0 + g->m * (int)(r % (size_t)g->TW);
}

/* Output pixel (oh, ow) is in the region. */
static int in_region(const geo *g, int oh, int ow)
{
    return oh < g->oh1 && ow < g->ow1;
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

/* Floats from one of a group's matrices to the next: a cache line more
 * than a matrix. With 16 tiles an image (4x4 tiles on a 16x16 output)
 * and 64 channels, a matrix is a multiple of 4 KiB, and a tile's 36
 * values, one in each, would all fall in one of L1's sets (8 ways): the
 * transforms measured 1.6x slower. */
#define PLANE_PAD 16

static size_t tile_plane(size_t T, size_t channels)
{
    return T * channels + PLANE_PAD;
}

/* Per sample, a region's a^2 matrices that the products read (x tiles
 * [tiles x C], or dy tiles [tiles x F] for dx: `in` channels) or write
 * (M, dM: [tiles x F]; dx's M: [tiles x C]: `out` channels). The regions
 * take turns in a group's scratch, so it holds the largest. */
static size_t region_floats(const tiling *t, int in, int out, int reading)
{
    size_t most = 0;

    for (int i = 0; i < t->count; i++)
        most = max_size(most, (size_t)points(t->r[i].m) *
                                  tile_plane(1, tiles(&t->r[i]) *
                                                    (size_t)(reading ? in : out)));
    return most;
}

static size_t in_floats(const dae_conv_shape *s)
{
    tiling f = forward_tiling(s), d = dx_tiling(s);
    return max_size(region_floats(&f, s->C, s->F, 1), region_floats(&d, s->F, s->C, 1));
}

static size_t out_floats(const dae_conv_shape *s)
{
    tiling f = forward_tiling(s), d = dx_tiling(s);
    return max_size(region_floats(&f, s->C, s->F, 0), region_floats(&d, s->F, s->C, 0));
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

/* The transformed kernel: a^2 matrices [C x F]. */
static size_t kernel_plane(const dae_conv_shape *s)
{
    return (size_t)s->C * (size_t)s->F;
}

/* U (and dU): with 4x4 tiles, their 36 matrices then the 16 of the 2x2
 * tiles on the remainder; else the 16 alone. */
static size_t kernel_floats(const dae_conv_shape *s)
{
    return (size_t)(wants_4x4(s) ? points(4) + points(2) : points(2)) * kernel_plane(s);
}

/* Where tile side m's matrices start in U or dU. */
static size_t kernel_at(const dae_conv_shape *s, int m)
{
    return m == 2 && wants_4x4(s) ? (size_t)points(4) * kernel_plane(s) : 0;
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

/* F(4x4, 3x3)'s A, 4 -> 6: A^T's adjoint. A^T's rows are the points
 * 0, 1, -1, 2, -2 raised to the powers 0..3, and infinity. */
static inline void tf_a4(const float *restrict in, int is, float *restrict out, int os)
{
    for (int c = 0; c < CH; c++) {
        float y0 = in[c], y1 = in[is + c], y2 = in[2 * is + c], y3 = in[3 * is + c];
        float even = y0 + y2, odd = y1 + y3;
        float even2 = y0 + 4.0f * y2, odd2 = 2.0f * y1 + 8.0f * y3;
        out[c] = y0;
        out[os + c] = even + odd;
        out[2 * os + c] = even - odd;
        out[3 * os + c] = even2 + odd2;
        out[4 * os + c] = even2 - odd2;
        out[5 * os + c] = y3;
    }
}

/* F(4x4, 3x3)'s G, 3 -> 6. */
static inline void tf_g4(const float *restrict in, int is, float *restrict out, int os)
{
    for (int c = 0; c < CH; c++) {
        float g0 = in[c], g1 = in[is + c], g2 = in[2 * is + c];
        float outer = g0 + g2, mid = (1.0f / 24.0f) * g0 + (1.0f / 6.0f) * g2;
        out[c] = 0.25f * g0;
        out[os + c] = (-1.0f / 6.0f) * (outer + g1);
        out[2 * os + c] = (-1.0f / 6.0f) * (outer - g1);
        out[3 * os + c] = mid + (1.0f / 12.0f) * g1;
        out[4 * os + c] = mid - (1.0f / 12.0f) * g1;
        out[5 * os + c] = g2;
    }
}

/* F(4x4, 3x3)'s G^T, 6 -> 3. */
static inline void tf_gt4(const float *restrict in, int is, float *restrict out, int os)
{
    for (int c = 0; c < CH; c++) {
        float u0 = in[c], u1 = in[is + c], u2 = in[2 * is + c], u3 = in[3 * is + c],
              u4 = in[4 * is + c], u5 = in[5 * is + c];
        float s12 = u1 + u2, s34 = u3 + u4;
        out[c] = 0.25f * u0 - (1.0f / 6.0f) * s12 + (1.0f / 24.0f) * s34;
        out[os + c] = (1.0f / 6.0f) * (u2 - u1) + (1.0f / 12.0f) * (u3 - u4);
        out[2 * os + c] = (1.0f / 6.0f) * (s34 - s12) + u5;
    }
}

/* out = T in T^T for an m x m tile of CH-float rows (row-major), giving
 * n x n: T down the columns, then along the rows. Inlined with a constant
 * t, so every call below is a direct, vectorised loop. */
static inline void transform_2d(transform_1d *t, int m, int n, const float *in,
                                float *out)
{
    float tmp[6 * 6 * CH];

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

/* The 1-D transforms on vectors v[0], v[vs], ... into w[0], w[ws], ...
 * (by pointer: passed by value, vectors change the ABI of builds without
 * AVX). */

/* F(2x2, 3x3)'s B^T: 4 -> 4. */
static inline void bt2_1d(const v8 *d, int ds, v8 *u, int us)
{
    v8 d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds];

    u[0] = d0 - d2;
    u[us] = d1 + d2;
    u[2 * us] = d2 - d1;
    u[3 * us] = d1 - d3;
}

/* F(2x2, 3x3)'s A^T: 4 -> 2. */
static inline void at2_1d(const v8 *m, int ms, v8 *y, int ys)
{
    v8 m1 = m[ms], m2 = m[2 * ms];

    y[0] = m[0] + m1 + m2;
    y[ys] = m1 - m2 - m[3 * ms];
}

/* F(4x4, 3x3)'s B^T: 6 -> 6. Its rows come from the polynomial
 * (x^2 - 1)(x^2 - 4) divided by each point's factor. */
static inline void bt4_1d(const v8 *d, int ds, v8 *u, int us)
{
    v8 d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds], d4 = d[4 * ds],
       d5 = d[5 * ds];
    v8 even = d4 - 4.0f * d2, odd = d3 - 4.0f * d1;
    v8 even2 = d4 - d2, odd2 = 2.0f * (d3 - d1);

    u[0] = 4.0f * d0 - 5.0f * d2 + d4;
    u[us] = even + odd;
    u[2 * us] = even - odd;
    u[3 * us] = even2 + odd2;
    u[4 * us] = even2 - odd2;
    u[5 * us] = 4.0f * d1 - 5.0f * d3 + d5;
}

/* F(4x4, 3x3)'s A^T: 6 -> 4. */
static inline void at4_1d(const v8 *m, int ms, v8 *y, int ys)
{
    v8 m0 = m[0], m5 = m[5 * ms];
    v8 s12 = m[ms] + m[2 * ms], d12 = m[ms] - m[2 * ms];
    v8 s34 = m[3 * ms] + m[4 * ms], d34 = m[3 * ms] - m[4 * ms];

    y[0] = m0 + s12 + s34;
    y[ys] = d12 + 2.0f * d34;
    y[2 * ys] = s12 + 4.0f * s34;
    y[3 * ys] = d12 + 8.0f * d34 + m5;
}

/* The tile side's B^T and A^T (m is a constant once inlined). */
static inline void bt_1d(int m, const v8 *d, int ds, v8 *u, int us)
{
    if (m == 4)
        bt4_1d(d, ds, u, us);
    else
        bt2_1d(d, ds, u, us);
}

static inline void at_1d(int m, const v8 *v, int vs, v8 *y, int ys)
{
    if (m == 4)
        at4_1d(v, vs, y, ys);
    else
        at2_1d(v, vs, y, ys);
}

/* B^T d B (into the product's domain) for channels [c, c + n) of one
 * a x a input tile (a = m + 2) whose pixels are px (NULL: padding), into
 * the a^2 matrices at dst + k * plane: first down the columns, then along
 * the rows. */
static inline void input_tile_v8(int m, const float *const px[36], int c, int n,
                                 float *dst, size_t plane)
{
    const int a = m + 2;
    v8 d[36], t[36];

    for (int k = 0; k < a * a; k++)
        load_v8(&d[k], px[k] ? px[k] + c : NULL, n);
    for (int j = 0; j < a; j++) /* down column j */
        bt_1d(m, d + j, a, t + j, a);
    for (int i = 0; i < a; i++) { /* along row i */
        v8 u[6];
        bt_1d(m, t + a * i, 1, u, 1);
        for (int k = 0; k < a; k++)
            store_v8(dst + (size_t)(a * i + k) * plane, &u[k], n);
    }
}

/* A^T M A (back to an m x m output tile) plus the bias (0 without one)
 * for channels [f, f + n) of one tile, from the a^2 matrices at
 * src + k * plane: first down the columns, then along the rows. */
static inline void output_tile_v8(int m, const float *src, size_t plane,
                                  const float *bias, int f, int n, v8 y[16])
{
    const int a = m + 2;
    v8 p[36], t[24];

    for (int k = 0; k < a * a; k++)
        load_v8(&p[k], src + (size_t)k * plane, n);
    for (int j = 0; j < a; j++) /* down column j */
        at_1d(m, p + j, a, t + j, a);
    v8 b;
    load_v8(&b, bias ? bias + f : NULL, n);
    for (int i = 0; i < m; i++) { /* along row i */
        at_1d(m, t + a * i, 1, y + m * i, 1);
        for (int k = 0; k < m; k++)
            y[m * i + k] += b;
    }
}

/* ---- tiles in and out ----------------------------------------------------- */

/* A range of a group's tiles, between images and the a^2 matrices. */
typedef struct tile_job {
    const geo *g;
    const float *img;  /* the group's first image (read or written) */
    float *out_img;    /* output_tiles: where it writes */
    float *mat;        /* a^2 matrices of plane floats each */
    size_t plane;
    const float *bias; /* output_tiles: added, or NULL */
    const dae_conv_shape *fused; /* output_tiles: applies its activation, or NULL */
} tile_job;

/* V_k[t][c] = (B^T d B)_k for the a x a input tile d under output tile t. */
static inline void input_tiles_m(const tile_job *j, size_t first, size_t last, int m)
{
    const geo *g = j->g;
    const int a = m + 2;

    for (size_t t = first; t < last; t++) {
        const float *px[36];
        size_t n;
        int oh, ow;

        tile_at(g, t, &n, &oh, &ow);
        for (int i = 0; i < a; i++)
            for (int k = 0; k < a; k++) {
                int ih = oh - g->pad_top + i, iw = ow - g->pad_left + k;
                int inside = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W;
                px[a * i + k] = inside ? j->img + at_pixel(n, ih, iw, g->H, g->W, g->C)
                                       : NULL;
            }
        int c = 0;
        for (; c + 8 <= g->C; c += 8) /* a constant 8: no partial loads */
            input_tile_v8(m, px, c, 8, j->mat + t * (size_t)g->C + c, j->plane);
        if (c < g->C)
            input_tile_v8(m, px, c, g->C - c, j->mat + t * (size_t)g->C + c, j->plane);
    }
}

static void input_tiles(void *ctx, size_t first, size_t last)
{
    const tile_job *j = ctx;

    if (j->g->m == 4)
        input_tiles_m(j, first, last, 4);
    else
        input_tiles_m(j, first, last, 2);
}

/* Filters [f, f + nf) of output tile t (image n, top left (oh, ow)):
 * A^T M[t] A (+ bias) into the output, its pixels inside the region only. */
static inline void output_tile(const tile_job *j, int m, size_t t, size_t n, int oh,
                               int ow, int f, int nf)
{
    const geo *g = j->g;
    const float *src = j->mat + t * (size_t)g->F + f;
    v8 y[16];

    output_tile_v8(m, src, j->plane, j->bias, f, nf, y);
    if (j->fused)
        for (int k = 0; k < m * m; k++)
            dae_act_v8(j->fused->act, j->fused->alpha, &y[k]);
    for (int i = 0; i < m; i++)
        for (int k = 0; k < m; k++)
            if (in_region(g, oh + i, ow + k))
                store_v8(j->out_img + at_pixel(n, oh + i, ow + k, g->OH, g->OW, g->F) + f,
                         &y[m * i + k], nf);
}

static inline void output_tiles_m(const tile_job *j, size_t first, size_t last, int m)
{
    const geo *g = j->g;

    for (size_t t = first; t < last; t++) {
        size_t n;
        int oh, ow;

        tile_at(g, t, &n, &oh, &ow);
        int f = 0;
        for (; f + 8 <= g->F; f += 8) /* a constant 8: no partial loads */
            output_tile(j, m, t, n, oh, ow, f, 8);
        if (f < g->F)
            output_tile(j, m, t, n, oh, ow, f, g->F - f);
    }
}

static void output_tiles(void *ctx, size_t first, size_t last)
{
    const tile_job *j = ctx;

    if (j->g->m == 4)
        output_tiles_m(j, first, last, 4);
    else
        output_tiles_m(j, first, last, 2);
}

/* dM_k[t][f] = (A dY A^T)_k for the m x m tile dY of dy at output tile t
 * (zero where the tile overhangs): the adjoint of output_tiles. */
static inline void dy_tiles_m(const tile_job *j, size_t first, size_t last, int m)
{
    const geo *g = j->g;
    const int a = m + 2;
    float d[16 * CH], dm[36 * CH];

    for (size_t t = first; t < last; t++) {
        const float *px[16];
        size_t n;
        int oh, ow;

        tile_at(g, t, &n, &oh, &ow);
        for (int i = 0; i < m; i++)
            for (int k = 0; k < m; k++)
                px[m * i + k] = in_region(g, oh + i, ow + k)
                                    ? j->img + at_pixel(n, oh + i, ow + k, g->OH, g->OW, g->F)
                                    : NULL;
        for (int f0 = 0; f0 < g->F; f0 += CH) {
            int nf = chunk(g->F, f0);
            for (int k = 0; k < m * m; k++)
                load_row(d + k * CH, px[k] ? px[k] + f0 : NULL, nf);
            if (m == 4)
                transform_2d(tf_a4, 4, 6, d, dm);
            else
                transform_2d(tf_a, 2, 4, d, dm);
            for (int k = 0; k < a * a; k++)
                store_row(j->mat + k * j->plane + t * (size_t)g->F + f0, dm + k * CH, nf);
        }
    }
}

static void dy_tiles(void *ctx, size_t first, size_t last)
{
    const tile_job *j = ctx;

    if (j->g->m == 4)
        dy_tiles_m(j, first, last, 4);
    else
        dy_tiles_m(j, first, last, 2);
}

/* Runs a tile transform over a group's T tiles, timed as the conv
 * kernels' patch work (on the pool's first thread). */
static void run_tiles(dae_range_fn fn, const geo *g, const float *img, float *out_img,
                      float *mat, size_t T, size_t channels, const float *bias,
                      const dae_conv_shape *fused)
{
    double t0 = dae_seconds();
    tile_job j = {g, img, out_img, mat, tile_plane(T, channels), bias, fused};

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
 * flipped (W[2-kh][2-kw]) for dx, over input channels [first, last):
 * for the 2x2 tiles, and first for the 4x4 ones when the shape has them. */
static void kernel_rows(void *ctx, size_t first, size_t last)
{
    const kernel_job *j = ctx;
    const int C = j->s->C, F = j->s->F, both = wants_4x4(j->s);
    const size_t plane = (size_t)C * (size_t)F;
    float *to2 = j->to + kernel_at(j->s, 2);
    float g[9 * CH], u[36 * CH];

    for (size_t c = first; c < last; c++)
        for (int f0 = 0; f0 < F; f0 += CH) {
            int nf = chunk(F, f0);
            for (int tap = 0; tap < 9; tap++) {
                int src = j->flip ? 8 - tap : tap; /* (2-kh)*3 + (2-kw) */
                load_row(g + tap * CH, j->from + ((size_t)src * C + c) * F + f0, nf);
            }
            if (both) {
                transform_2d(tf_g4, 3, 6, g, u);
                for (int k = 0; k < 36; k++)
                    store_row(j->to + k * plane + c * F + f0, u + k * CH, nf);
            }
            transform_2d(tf_g, 3, 4, g, u);
            for (int k = 0; k < 16; k++)
                store_row(to2 + k * plane + c * F + f0, u + k * CH, nf);
        }
}

/* dW[kh][kw][c][f] = (G^T dU G)[kh][kw], the kernel transform's adjoint,
 * summed over the tile sides the shape has. */
static void kernel_grad_rows(void *ctx, size_t first, size_t last)
{
    const kernel_job *j = ctx;
    const int C = j->s->C, F = j->s->F, both = wants_4x4(j->s);
    const size_t plane = (size_t)C * (size_t)F;
    const float *from2 = j->from + kernel_at(j->s, 2);
    float u[36 * CH], g[9 * CH], g4[9 * CH];

    for (size_t c = first; c < last; c++)
        for (int f0 = 0; f0 < F; f0 += CH) {
            int nf = chunk(F, f0);
            if (both) {
                for (int k = 0; k < 36; k++)
                    load_row(u + k * CH, j->from + k * plane + c * F + f0, nf);
                transform_2d(tf_gt4, 6, 3, u, g4);
            }
            for (int k = 0; k < 16; k++)
                load_row(u + k * CH, from2 + k * plane + c * F + f0, nf);
            transform_2d(tf_gt, 4, 3, u, g);
            if (both)
                for (int i = 0; i < 9 * CH; i++)
                    g[i] += g4[i];
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

/* ---- the a^2 products -------------------------------------------------------- */

/* The kernel's planes [C x F] transposed into to's ([F x C]), so that dx's
 * products are plain ones, which OpenBLAS's small-matrix kernels take
 * (blas.h), rather than ones with B transposed, which they refuse. */
static const float *transpose_planes(const dae_conv_shape *s, const float *from, float *to)
{
    for (size_t at = 0; at < kernel_floats(s); at += kernel_plane(s))
        dae_transpose((size_t)s->C, (size_t)s->F, from + at, to + at);
    return to;
}

/* c_k = op(a_k) op(b_k) + beta c_k for the P points k, each matrix dense
 * and row-major, a_k at a + k * pa, b_k at b + k * pb and c_k at c + k * pc:
 * a_k is M x K (K x M when ta), b_k K x N (N x K when tb). */
static void gemm_points(int P, int ta, int tb, size_t M, int N, int K, const float *a,
                        size_t pa, const float *b, size_t pb, float beta, float *c,
                        size_t pc)
{
    double t0 = dae_seconds();

    for (int k = 0; k < P; k++)
        dae_sgemm(ta, tb, (int)M, N, K, 1.0f, a + k * pa, ta ? (int)M : K,
                  b + k * pb, tb ? K : N, beta, c + k * pc, N);
    if (dae_parallel_part() == 0)
        dae_conv_gemm_seconds += dae_seconds() - t0;
}

/* ---- passes ------------------------------------------------------------------ */

/* A batch's groups and the tensors they read and write. */
typedef struct pass_job {
    const dae_conv_shape *s;
    tiling fwd, dxt;
    const scratch *w;
    const float *x, *b, *dy;
    float *y, *dx;
    const dae_groups *g;
    const float *UT; /* the flipped kernel transposed ([F x C] planes), or NULL */
} pass_job;

/* A region's tiles of n samples. */
static size_t group_tiles(const geo *r, int n)
{
    return (size_t)n * tiles(r);
}

/* One region of a group's forward pass: tiles, products, output tiles. */
static void forward_region(const pass_job *j, const geo *r, int n0, int n, float *in,
                           float *out)
{
    const dae_conv_shape *s = j->s;
    const size_t T = group_tiles(r, n);

    run_tiles(input_tiles, r, j->x + (size_t)n0 * in_size(s), NULL, in, T, (size_t)s->C,
              NULL, NULL);
    gemm_points(points(r->m), 0, 0, T, s->F, s->C, in, tile_plane(T, (size_t)s->C),
                j->w->U + kernel_at(s, r->m), kernel_plane(s), 0.0f, out,
                tile_plane(T, (size_t)s->F));
    run_tiles(output_tiles, r, NULL, j->y + (size_t)n0 * out_size(s), out, T,
              (size_t)s->F, j->b, dae_act_in_registers(s->act) ? s : NULL);
}

static void forward_group(void *ctx, int index, int n0, int n, float *mats)
{
    const pass_job *j = ctx;
    const dae_conv_shape *s = j->s;
    float *in = mats, *out = mats + (size_t)n * in_floats(s);

    (void)index;
    for (int i = 0; i < j->fwd.count; i++)
        forward_region(j, &j->fwd.r[i], n0, n, in, out);
    if (!dae_act_in_registers(s->act)) /* else applied in the output tiles */
        dae_act_apply(s->act, s->alpha, (size_t)n * out_size(s),
                      j->y + (size_t)n0 * out_size(s), j->y + (size_t)n0 * out_size(s));
}

/* Tile side m has a region in t. */
static int has_side(const tiling *t, int m)
{
    for (int i = 0; i < t->count; i++)
        if (t->r[i].m == m)
            return 1;
    return 0;
}

/* This group's share of dU (V^T dM over its tiles, region by region) and
 * db, written into its strand's part if it starts the strand, else added;
 * a tile side without a region leaves its share of dU zero. */
static void weight_grads(const pass_job *j, int n0, int n, int first, float *part,
                         float *in, float *out)
{
    const dae_conv_shape *s = j->s;
    const float *dy = j->dy + (size_t)n0 * out_size(s);
    const size_t rows = (size_t)n * (size_t)s->OH * (size_t)s->OW;
    int written[5] = {0};

    if (first)
        dae_column_sums(rows, s->F, dy, part + kernel_floats(s));
    else
        dae_column_sums_add(rows, s->F, dy, part + kernel_floats(s));
    for (int i = 0; i < j->fwd.count; i++) {
        const geo *r = &j->fwd.r[i];
        const size_t T = group_tiles(r, n);
        run_tiles(input_tiles, r, j->x + (size_t)n0 * in_size(s), NULL, in, T,
                  (size_t)s->C, NULL, NULL);
        run_tiles(dy_tiles, r, dy, NULL, out, T, (size_t)s->F, NULL, NULL);
        gemm_points(points(r->m), 1, 0, (size_t)s->C, s->F, (int)T, in,
                    tile_plane(T, (size_t)s->C), out, tile_plane(T, (size_t)s->F),
                    first && !written[r->m] ? 0.0f : 1.0f, part + kernel_at(s, r->m),
                    kernel_plane(s));
        written[r->m] = 1;
    }
    if (first && wants_4x4(s))
        for (int m = 2; m <= 4; m += 2)
            if (!has_side(&j->fwd, m))
                memset(part + kernel_at(s, m), 0,
                       (size_t)points(m) * kernel_plane(s) * sizeof *part);
}

/* dx: the flipped kernel's correlation over dy, region by region. */
static void input_grads(const pass_job *j, int n0, int n, float *in, float *out)
{
    const dae_conv_shape *s = j->s;
    const float *dy = j->dy + (size_t)n0 * out_size(s);

    for (int i = 0; i < j->dxt.count; i++) {
        const geo *r = &j->dxt.r[i];
        const size_t T = group_tiles(r, n);
        run_tiles(input_tiles, r, dy, NULL, in, T, (size_t)s->F, NULL, NULL);
        if (j->UT && dae_sgemm_is_small(0, 0, (int)T, s->C, s->F))
            gemm_points(points(r->m), 0, 0, T, s->C, s->F, in, tile_plane(T, (size_t)s->F),
                        j->UT + kernel_at(s, r->m), kernel_plane(s), 0.0f, out,
                        tile_plane(T, (size_t)s->C));
        else
            gemm_points(points(r->m), 0, 1, T, s->C, s->F, in, tile_plane(T, (size_t)s->F),
                        j->w->U + kernel_at(s, r->m), kernel_plane(s), 0.0f, out,
                        tile_plane(T, (size_t)s->C));
        run_tiles(output_tiles, r, NULL, j->dx + (size_t)n0 * in_size(s), out, T,
                  (size_t)s->C, NULL, NULL);
    }
}

static void backward_group(void *ctx, int index, int n0, int n, float *mats)
{
    const pass_job *j = ctx;
    const dae_conv_shape *s = j->s;
    float *in = mats, *out = mats + (size_t)n * in_floats(s);
    int first, k = dae_groups_strand(j->g, index, &first);

    weight_grads(j, n0, n, first, j->w->parts + (size_t)k * part_floats(s), in, out);
    if (j->dx)
        input_grads(j, n0, n, in, out);
}

void dae_winograd_forward(const dae_conv_shape *s, int B, const float *x,
                          const float *W, const float *b, float *y, float *work)
{
    if (B <= 0)
        return;
    const size_t per = dae_winograd_sample_floats(s);
    const dae_groups g = dae_groups_make(per, B);
    const scratch w = carve(s, &g, work);
    pass_job j = {s, forward_tiling(s), dx_tiling(s), &w, x, b, NULL, y, NULL, &g, NULL};

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
    pass_job j = {s, forward_tiling(s), dx_tiling(s), &w, x, NULL, dy, NULL, dx, &g, NULL};

    if (dx) {
        run_kernel(kernel_rows, s, W, w.U, 1);
        /* dU is free until the strands' parts are summed into it */
        if (dae_sgemm_is_small(0, 0, 1, s->C, s->F))
            j.UT = transpose_planes(s, w.U, w.dU);
    }
    dae_groups_run_strands(&g, (size_t)g.size * per, w.groups, backward_group, &j);
    dae_groups_sum(w.parts, dae_groups_strands(&g), part, kernel_floats(s), w.dU);
    if (db)
        dae_groups_sum(w.parts + kernel_floats(s), dae_groups_strands(&g), part,
                       (size_t)s->F, db);
    run_kernel(kernel_grad_rows, s, w.dU, dW, 0);
}
