/* The figures: learning curves and image grids are drawn, read back with
 * cairo and checked pixel by pixel (size, series colors, text where the
 * labels go, image cells exactly where the layout says). Edge cases must
 * draw, bad arguments must fail with a message and leave no file. The
 * examples stay in $B/tests/plot_out to be looked at. */
#include <cairo/cairo.h> /* tests are built without cairo's -I flags */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "scratch.h"
#include "plot.h"

#define PI_ 3.14159265358979323846

/* ---- reading a figure back ---- */

typedef struct image {
    cairo_surface_t *s;
    const unsigned char *data;
    int w, h, stride;
} image;

static int load(const char *path, image *im)
{
    im->s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(im->s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(im->s);
        im->s = NULL;
        return -1;
    }
    cairo_surface_flush(im->s);
    im->data = cairo_image_surface_get_data(im->s);
    im->w = cairo_image_surface_get_width(im->s);
    im->h = cairo_image_surface_get_height(im->s);
    im->stride = cairo_image_surface_get_stride(im->s);
    return 0;
}

static void rgb_at(const image *im, int x, int y, int *r, int *g, int *b)
{
    uint32_t p = *(const uint32_t *)(const void *)(im->data + (size_t)y * (size_t)im->stride + 4 * (size_t)x);
    *r = (int)(p >> 16 & 255);
    *g = (int)(p >> 8 & 255);
    *b = (int)(p & 255);
}

static int gray_at(const image *im, int x, int y)
{
    int r, g, b;
    rgb_at(im, x, y, &r, &g, &b);
    return r == g && g == b ? r : -1;
}

/* Pixels within a small distance of color (r, g, b) in the rectangle. */
static int count_color(const image *im, int x0, int y0, int x1, int y1, int r, int g, int b)
{
    int n = 0;
    for (int y = y0; y < y1 && y < im->h; y++)
        for (int x = x0; x < x1 && x < im->w; x++) {
            int pr, pg, pb;
            rgb_at(im, x, y, &pr, &pg, &pb);
            n += abs(pr - r) + abs(pg - g) + abs(pb - b) <= 30;
        }
    return n;
}

/* Text and frame pixels: all channels dark. */
static int count_dark(const image *im, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < im->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < im->w; x++) {
            int r, g, b;
            rgb_at(im, x, y, &r, &g, &b);
            n += r < 100 && g < 100 && b < 100;
        }
    return n;
}

/* ---- learning curves ---- */

/* A loss falling from about start to end over n epochs, with a little
 * deterministic wiggle. */
static void loss_curve(float *y, int n, double start, double end, double tau, double phase)
{
    for (int i = 0; i < n; i++)
        y[i] = (float)(end + (start - end) * exp(-i / tau) + 0.002 * sin(1.7 * i + phase));
}

#define BLUE 31, 119, 180
#define ORANGE 255, 127, 14

static void check_curves_file(const char *name, const char *path, int want_w, int want_h,
                              int panels)
{
    image im;
    char what[120];
    if (load(path, &im) < 0) {
        snprintf(what, sizeof what, "%s.read_back", name);
        check_report(0, what, "cairo cannot read %s", path);
        return;
    }
    snprintf(what, sizeof what, "%s.size", name);
    check_report(im.w == want_w && im.h == want_h, what, "%dx%d, expected %dx%d", im.w, im.h,
                 want_w, want_h);
    int top = want_h - 440;
    for (int p = 0; p < panels && im.w == want_w; p++) {
        int ox = 640 * p;
        int blue = count_color(&im, ox, top, ox + 640, want_h, BLUE);
        int orange = count_color(&im, ox, top, ox + 640, want_h, ORANGE);
        snprintf(what, sizeof what, "%s.panel%d.series_colors", name, p + 1);
        check_report(blue > 150 && orange > 150, what, "%d blue and %d orange pixels",
                     blue, orange);
        /* y tick labels sit left of the frame, x tick labels below it. */
        int ylab = count_dark(&im, ox + 36, top + 50, ox + 82, top + 372);
        int xlab = count_dark(&im, ox + 90, top + 381, ox + 630, top + 399);
        int title = count_dark(&im, ox + 100, top + 12, ox + 600, top + 36);
        snprintf(what, sizeof what, "%s.panel%d.tick_labels_and_title", name, p + 1);
        check_report(ylab > 40 && xlab > 40 && title > 20, what,
                     "%d, %d and %d dark pixels in the y labels, x labels and title", ylab,
                     xlab, title);
        snprintf(what, sizeof what, "%s.panel%d.white_corner", name, p + 1);
        check_report(count_dark(&im, ox, top, ox + 12, top + 12) == 0 &&
                     gray_at(&im, ox + 3, top + 3) == 255, what, "%s", "corner is white");
    }
    cairo_surface_destroy(im.s);
}

static void curves_examples(void)
{
    enum { N1 = 20, N2 = 50 };
    float a1[N1], b1[N1], fa[N2], fb[N2], ca[N2], cb[N2];
    loss_curve(a1, N1, 0.27, 0.12, 4, 0);
    loss_curve(b1, N1, 0.25, 0.13, 5, 1);
    dae_series s1[2] = {{"loss", a1, N1}, {"val_loss", b1, N1}};
    dae_curve_panel one = {"ff (20 epochs)", s1, 2};
    dae_error err = {{0}};
    const char *p1 = tmp_path("curves_1panel.png");
    remove(p1);
    int rc = dae_plot_curves(p1, NULL, &one, 1, &err);
    check_report(rc == 0 && exists(p1), "plot.curves.one_panel", "%s", rc ? err.msg : p1);
    if (rc == 0)
        check_curves_file("plot.curves.one_panel", p1, 640, 440, 1);

    loss_curve(fa, N2, 0.26, 0.16, 9, 0);
    loss_curve(fb, N2, 0.255, 0.165, 10, 2);
    loss_curve(ca, N2, 0.24, 0.10, 6, 1);
    loss_curve(cb, N2, 0.23, 0.105, 7, 3);
    dae_series sf[2] = {{"loss", fa, N2}, {"val_loss", fb, N2}};
    dae_series sc[2] = {{"loss", ca, N2}, {"val_loss", cb, N2}};
    dae_curve_panel two[2] = {{"ff", sf, 2}, {"conv", sc, 2}};
    const char *p2 = tmp_path("curves_2panel.png");
    remove(p2);
    rc = dae_plot_curves(p2, "Learning curves, 50 epochs", two, 2, &err);
    check_report(rc == 0 && exists(p2), "plot.curves.two_panels", "%s", rc ? err.msg : p2);
    if (rc == 0)
        check_curves_file("plot.curves.two_panels", p2, 1280, 484, 2);
}

/* Draws one panel and checks it is written and holds blue pixels. */
static void curves_edge(const char *name, const dae_series *s, int n_series, int want_blue)
{
    char file[120];
    snprintf(file, sizeof file, "%s.png", name);
    const char *path = tmp_path(file);
    remove(path);
    dae_curve_panel p = {name, s, n_series};
    dae_error err = {{0}};
    int rc = dae_plot_curves(path, NULL, &p, 1, &err);
    image im;
    if (rc != 0 || load(path, &im) < 0) {
        check_report(0, name, "%s", rc ? err.msg : "cannot read it back");
        return;
    }
    int blue = count_color(&im, 0, 0, im.w, im.h, BLUE);
    check_report(im.w == 640 && im.h == 440 && (blue > 10) == want_blue, name,
                 "%dx%d, %d blue pixels", im.w, im.h, blue);
    cairo_surface_destroy(im.s);
}

static void curves_edge_cases(void)
{
    float one[1] = {0.25f};
    dae_series s = {"loss", one, 1};
    curves_edge("plot.curves.one_epoch", &s, 1, 1);

    float flat[12];
    for (int i = 0; i < 12; i++)
        flat[i] = 0.5f;
    s = (dae_series){"constant", flat, 12};
    curves_edge("plot.curves.constant", &s, 1, 1);
    for (int i = 0; i < 12; i++)
        flat[i] = 0;
    curves_edge("plot.curves.constant_zero", &s, 1, 1);

    float gaps[40];
    loss_curve(gaps, 40, 0.3, 0.1, 8, 0);
    gaps[0] = NAN;
    gaps[5] = INFINITY;
    gaps[6] = -INFINITY;
    gaps[20] = NAN;
    gaps[22] = NAN;                /* leaves gaps[21] alone: drawn as a dot */
    float nans[3] = {NAN, NAN, NAN};
    dae_series g2[2] = {{"with gaps", gaps, 40}, {"all NaN", nans, 3}};
    curves_edge("plot.curves.nan_and_inf", g2, 2, 1);
    dae_series unlabelled_nans = {NULL, nans, 3};   /* no legend line either */
    curves_edge("plot.curves.only_nan", &unlabelled_nans, 1, 0);

    float wide[30], tiny[30];
    loss_curve(wide, 30, 3e6, 1e3, 3, 0);
    for (int i = 0; i < 30; i++)
        tiny[i] = 1e-6f * (float)(i % 7);
    dae_series w1 = {"millions", wide, 30}, t1 = {"micro", tiny, 30};
    curves_edge("plot.curves.huge_values", &w1, 1, 1);
    curves_edge("plot.curves.tiny_values", &t1, 1, 1);
    dae_series both[2] = {{"millions", wide, 30}, {"micro", tiny, 30}};
    curves_edge("plot.curves.very_different_ranges", both, 2, 1);

    float neg[25], extreme[4] = {-3e38f, 3e38f, 0, 1};
    for (int i = 0; i < 25; i++)
        neg[i] = (float)(i - 12) * 0.37f;
    dae_series n1 = {NULL, neg, 25}, e1 = {"\xff\xfe bad UTF-8 \xc3", extreme, 4};
    curves_edge("plot.curves.negative_unlabelled", &n1, 1, 1);
    curves_edge("plot.curves.extreme_and_bad_utf8", &e1, 1, 1);

    enum { LONG = 200000 };
    float *many = malloc(LONG * sizeof *many);
    if (many) {
        loss_curve(many, LONG, 1, 0.1, 20000, 0);
        dae_series m1 = {"200000 epochs", many, LONG};
        curves_edge("plot.curves.many_epochs", &m1, 1, 1);
        free(many);
    }
    curves_edge("plot.curves.no_series", NULL, 0, 0);
}

/* A bad call must fail with a message containing want, and write nothing. */
static void expect_curves_fail(const char *name, const char *path, const dae_curve_panel *p,
                               int n, const char *want)
{
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    remove(path);
    dae_error err = {{0}};
    int rc = dae_plot_curves(path, NULL, p, n, &err);
    check_report(rc == -1 && strstr(err.msg, want) && !strchr(err.msg, '\n') && !exists(path) &&
                 !exists(tmp), name, "%s", err.msg);
}

static void curves_bad_arguments(void)
{
    float y[3] = {1, 2, 3};
    dae_series s = {"loss", y, 3}, neg = {"loss", y, -1}, null_y = {"loss", NULL, 3};
    dae_curve_panel ok = {"t", &s, 1}, bad_n = {"t", &neg, 1}, bad_y = {"t", &null_y, 1};
    dae_curve_panel bad_k = {"t", &s, -2}, none = {"t", NULL, 2};
    expect_curves_fail("plot.curves.bad.zero_panels", tmp_path("bad0.png"), &ok, 0, "bad0.png");
    expect_curves_fail("plot.curves.bad.too_many_panels", tmp_path("bad1.png"), &ok, 1000,
                       "1000 panels");
    expect_curves_fail("plot.curves.bad.negative_n", tmp_path("bad2.png"), &bad_n, 1, "-1 values");
    expect_curves_fail("plot.curves.bad.null_values", tmp_path("bad3.png"), &bad_y, 1, "no array");
    expect_curves_fail("plot.curves.bad.negative_series", tmp_path("bad4.png"), &bad_k, 1, "-2 series");
    expect_curves_fail("plot.curves.bad.null_series", tmp_path("bad5.png"), &none, 1, "none given");
    expect_curves_fail("plot.curves.bad.missing_directory", tmp_path("no/such/dir/c.png"), &ok, 1,
                       "no/such/dir/c.png");
    dae_error err = {{0}};
    check_report(dae_plot_curves(NULL, NULL, &ok, 1, &err) == -1 && err.msg[0],
                 "plot.curves.bad.null_path", "%s", err.msg);
}

/* ---- image grids ---- */

/* Distance from (x, y) to the segment (ax, ay)-(bx, by). */
static double seg_dist(double x, double y, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(x - ax - t * dx, y - ay - t * dy);
}

/* A digit-like 28x28 stroke drawing: polylines given as x,y pairs, a
 * negative x ending a stroke. */
static void strokes(float *img, const double *pts, int n)
{
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            double d = 99;
            for (int i = 0; i + 1 < n; i++)
                if (pts[2 * i] >= 0 && pts[2 * i + 2] >= 0)
                    d = fmin(d, seg_dist(x, y, pts[2 * i], pts[2 * i + 1], pts[2 * i + 2],
                                         pts[2 * i + 3]));
            double v = 1.4 - 0.7 * d;
            img[y * 28 + x] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
        }
}

static void digits(float *out, int count)
{
    static const double d0[] = {14, 5, 19, 7, 21, 13, 20, 20, 15, 23, 10, 21, 7, 15, 8, 8, 14, 5};
    static const double d1[] = {12, 8, 15, 5, 15, 23};
    static const double d2[] = {8, 9, 12, 5, 18, 6, 19, 11, 8, 22, 21, 22};
    static const double d3[] = {8, 6, 19, 6, 13, 13, 19, 16, 18, 21, 13, 23, 7, 21};
    static const double d4[] = {17, 23, 17, 5, 7, 17, 21, 17};
    static const double d7[] = {7, 6, 21, 6, 13, 23};
    static const double d9[] = {20, 10, 15, 5, 9, 8, 10, 13, 16, 14, 20, 10, 18, 23};
    static const double d5[] = {19, 5, 9, 5, 8, 13, 16, 12, 20, 17, 16, 23, 8, 21};
    const double *all[8] = {d7, d2, d1, d0, d4, d9, d5, d3};
    int len[8] = {3, 6, 3, 9, 4, 7, 7, 7};
    for (int k = 0; k < count; k++)
        strokes(out + k * 784, all[k % 8], len[k % 8]);
}

/* Blurred copies (reconstructions) and a noisy one (the input). */
static void blur(const float *in, float *out, int passes)
{
    float tmp[784];
    memcpy(out, in, sizeof tmp);
    for (int p = 0; p < passes; p++) {
        memcpy(tmp, out, sizeof tmp);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) {
                float s = 0;
                int n = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        if (y + dy >= 0 && y + dy < 28 && x + dx >= 0 && x + dx < 28) {
                            s += tmp[(y + dy) * 28 + x + dx];
                            n++;
                        }
                out[y * 28 + x] = 1.15f * s / (float)n;
            }
    }
}

static void add_noise(const float *in, float *out, unsigned seed)
{
    for (int i = 0; i < 784; i++) {
        seed = seed * 1664525u + 1013904223u;
        double u = (seed >> 8) / 16777216.0;
        seed = seed * 1664525u + 1013904223u;
        double v = (seed >> 8) / 16777216.0;
        out[i] = in[i] + (float)(0.45 * sqrt(-2 * log(u + 1e-12)) * cos(2 * PI_ * v));
    }
}
static void grid_example(void)
{
    enum { C = 8 };
    static float px[4 * C * 784], clean[C * 784];
    digits(clean, C);
    for (int c = 0; c < C; c++) {
        add_noise(clean + c * 784, px + (0 * C + c) * 784, 1234u + (unsigned)c);
        blur(clean + c * 784, px + (1 * C + c) * 784, 2);
        blur(clean + c * 784, px + (2 * C + c) * 784, 1);
        memcpy(px + (3 * C + c) * 784, clean + c * 784, 784 * sizeof(float));
    }
    const char *labels[4] = {"noisy", "FF", "conv", "original"};
    dae_grid g = {4, C, 28, 28, labels, px, "Denoising: test images (noise std 0.45)"};
    const char *path = tmp_path("grid_4rows.png");
    remove(path);
    dae_error err = {{0}};
    int rc = dae_plot_grid(path, &g, &err);
    check_report(rc == 0 && exists(path), "plot.grid.example_4rows", "%s", rc ? err.msg : path);
}

/* 3 x 10 images: row 0 uniform grays from black (col 0) to white (col 9),
 * row 1 digits, row 2 checkerboards (one image pixel per square). */
static void grid_cells(void)
{
    enum { R = 3, C = 10, HW = 784 };
    static float px[R * C * HW];
    for (int c = 0; c < C; c++)
        for (int i = 0; i < HW; i++) {
            px[(0 * C + c) * HW + i] = c / 9.0f;
            px[(2 * C + c) * HW + i] = (float)((i / 28 + i % 28) % 2);
        }
    px[(0 * C + 9) * HW + 5] = 7.5f;      /* clamped to white */
    px[(0 * C + 0) * HW + 6] = -3;        /* clamped to black */
    digits(px + (1 * C) * HW, C);
    const char *labels[R] = {"grays", "digits", "checks"};
    dae_grid g = {R, C, 28, 28, labels, px, "3 x 10 grid"};
    dae_grid_layout lay;
    dae_error err = {{0}};
    int rc = dae_plot_grid_layout(&g, &lay, &err);
    check_report(rc == 0 && lay.scale == 4 && lay.cell_w == 112 && lay.cell_h == 112 &&
                 lay.gap > 0 && lay.gap < 16, "plot.grid.layout",
                 "scale %d, cells %dx%d, gap %d, origin (%d, %d), figure %dx%d",
                 lay.scale, lay.cell_w, lay.cell_h, lay.gap, lay.x0, lay.y0, lay.width, lay.height);
    const char *path = tmp_path("grid_3x10.png");
    remove(path);
    rc = dae_plot_grid(path, &g, &err);
    image im;
    if (rc != 0 || load(path, &im) < 0) {
        check_report(0, "plot.grid.draw", "%s", rc ? err.msg : "cannot read it back");
        return;
    }
    check_report(im.w == lay.width && im.h == lay.height &&
                 im.w == lay.x0 + C * 112 + (C - 1) * lay.gap + 14, "plot.grid.size",
                 "%dx%d", im.w, im.h);

    int step = lay.cell_w + lay.gap;
    int bx = lay.x0, by = lay.y0, wx = lay.x0 + 9 * step;
    int black = 1, white = 1;
    for (int y = by; y < by + 112; y++)
        for (int x = 0; x < 112; x++) {
            black &= gray_at(&im, bx + x, y) == 0;
            white &= gray_at(&im, wx + x, y) == 255;
        }
    int gap_white = gray_at(&im, bx + 112, by + 50) == 255 && gray_at(&im, bx - 1, by + 50) == 255 &&
                    gray_at(&im, bx + 50, by + 112) == 255 && gray_at(&im, bx + 50, by - 1) == 255;
    check_report(black && white && gap_white, "plot.grid.black_and_white_cells",
                 "black cell at (%d, %d): %s, white cell at (%d, %d): %s, white around: %s",
                 bx, by, black ? "yes" : "no", wx, by, white ? "yes" : "no",
                 gap_white ? "yes" : "no");
    int mid = gray_at(&im, lay.x0 + 4 * step + 56, by + 56);
    check_report(mid == (int)(4 / 9.0 * 255 + 0.5), "plot.grid.gray_level",
                 "image value 4/9 drawn as %d", mid);

    /* Checkerboard: image pixel (x, y) fills the 4x4 block at 4x, 4y. */
    int cx = lay.x0 + 3 * step, cy = lay.y0 + 2 * (lay.cell_h + lay.gap), bad = 0;
    for (int y = 0; y < 112; y++)
        for (int x = 0; x < 112; x++)
            bad += gray_at(&im, cx + x, cy + y) != ((x / 4 + y / 4) % 2 ? 255 : 0);
    check_report(bad == 0, "plot.grid.nearest_neighbour_4x", "%d of 12544 pixels wrong", bad);

    int labels_dark = 1;
    for (int r = 0; r < R; r++)
        labels_dark &= count_dark(&im, 0, lay.y0 + r * (112 + lay.gap), lay.x0 - 4,
                                  lay.y0 + r * (112 + lay.gap) + 112) > 30;
    int title = count_dark(&im, lay.x0, 0, im.w, lay.y0 - 2);
    check_report(labels_dark && title > 30, "plot.grid.row_labels_and_title",
                 "dark pixels left of every row: %s; %d in the title", labels_dark ? "yes" : "no",
                 title);
    cairo_surface_destroy(im.s);
}

static void expect_grid_fail(const char *name, const char *path, const dae_grid *g,
                             const char *want)
{
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    remove(path);
    dae_error err = {{0}};
    int rc = dae_plot_grid(path, g, &err);
    check_report(rc == -1 && strstr(err.msg, want) && !strchr(err.msg, '\n') && !exists(path) &&
                 !exists(tmp), name, "%s", err.msg);
}

static void grid_edge_cases(void)
{
    float px[4 * 784] = {0};
    for (int i = 0; i < 784; i++)
        px[i] = (float)(i % 28) / 27.0f;
    px[784] = NAN;
    dae_grid g = {1, 4, 28, 28, NULL, px, NULL};
    dae_error err = {{0}};
    const char *path = tmp_path("grid_plain.png");
    remove(path);
    int rc = dae_plot_grid(path, &g, &err);
    check_report(rc == 0 && exists(path), "plot.grid.no_labels_no_title", "%s", rc ? err.msg : path);

    float dot = 1;
    dae_grid one = {1, 1, 1, 1, NULL, &dot, "one pixel"};
    dae_grid_layout lay;
    rc = dae_plot_grid_layout(&one, &lay, &err);
    check_report(rc == 0 && lay.scale == 96 && lay.cell_w == 96, "plot.grid.one_pixel_scale",
                 "scale %d", lay.scale);
    path = tmp_path("grid_one_pixel.png");
    rc = dae_plot_grid(path, &one, &err);
    check_report(rc == 0 && exists(path), "plot.grid.one_pixel", "%s", rc ? err.msg : path);

    const char *odd[1] = {"\xe2\x82 \x01 tab\there"};
    dae_grid wide = {1, 2, 10, 150, odd, px, NULL};  /* 3000 of px's 3136 */
    rc = dae_plot_grid_layout(&wide, &lay, &err);
    check_report(rc == 0 && lay.scale == 1 && lay.cell_w == 150 && lay.cell_h == 10,
                 "plot.grid.wide_images_not_scaled", "scale %d, cell %dx%d", lay.scale,
                 lay.cell_w, lay.cell_h);
    rc = dae_plot_grid(tmp_path("grid_wide.png"), &wide, &err);
    check_report(rc == 0, "plot.grid.bad_utf8_label", "%s", rc ? err.msg : "drawn");

    dae_grid zero = {0, 4, 28, 28, NULL, px, NULL};
    expect_grid_fail("plot.grid.bad.zero_rows", tmp_path("gbad0.png"), &zero, "positive");
    dae_grid neg = {1, 4, -28, 28, NULL, px, NULL};
    expect_grid_fail("plot.grid.bad.negative_height", tmp_path("gbad1.png"), &neg, "positive");
    dae_grid nopx = {1, 4, 28, 28, NULL, NULL, NULL};
    expect_grid_fail("plot.grid.bad.no_pixels", tmp_path("gbad2.png"), &nopx, "no pixels");
    dae_grid huge = {1, 1000, 28, 28, NULL, px, NULL};  /* never read: rejected first */
    expect_grid_fail("plot.grid.bad.too_wide", tmp_path("gbad3.png"), &huge, "at most 16384");
    dae_grid rows = {1000000000, 1, 1, 1, NULL, px, NULL};
    expect_grid_fail("plot.grid.bad.billion_rows", tmp_path("gbad6.png"), &rows, "at most 16384");
    dae_grid big = {1, 1, 100000, 2, NULL, px, NULL};
    expect_grid_fail("plot.grid.bad.huge_image", tmp_path("gbad4.png"), &big, "at most 16384");
    expect_grid_fail("plot.grid.bad.missing_directory", tmp_path("no/such/dir/g.png"), &g,
                     "no/such/dir/g.png");
    expect_grid_fail("plot.grid.bad.null_grid", tmp_path("gbad5.png"), NULL, "no grid");
}

int main(void)
{
    if (tmp_dir_make("plot_out") != 0) {
        check_report(0, "plot.outdir", "cannot create %s: %s", tmp_dir, strerror(errno));
        return 1;
    }
    curves_examples();
    curves_edge_cases();
    curves_bad_arguments();
    grid_example();
    grid_cells();
    grid_edge_cases();
    return check_failures != 0;
}
