/* plot.c: learning curves and image grids drawn with cairo (see plot.h).
 * All sizes are pixels of the output image. The look follows matplotlib's
 * defaults: tab10 colors, framed axes with outward ticks, a light grid, a
 * legend in a translucent rounded box, DejaVu Sans. */
#include "plot.h"
#include "history.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FONT "DejaVu Sans"
#define PI 3.14159265358979323846

/* The curves figure. */
#define PANEL_W 640
#define PANEL_H 440
#define SUPTITLE_H 44
#define TICK_LEN 4
#define MAX_TICKS 24
#define MARKER_MAX_EPOCHS 30
#define FS_TICK 13
#define FS_AXIS 15
#define FS_TITLE 16
#define FS_SUPTITLE 19
#define FS_LEGEND 13

/* The image grid. */
#define GRID_GAP 6
#define GRID_MARGIN 14
#define GRID_MIN_CELL 96
#define GRID_TITLE_H 40
#define FS_ROW_LABEL 17
#define FS_GRID_TITLE 19

/* Under AddressSanitizer: fontconfig leaks a few hundred bytes parsing its
 * configuration when the first text is drawn, and nothing of ours can free
 * them. LeakSanitizer asks every program for suppressions through this
 * hook, so each binary that draws figures gets it. */
#if defined(__SANITIZE_ADDRESS__)
#define DAE_PLOT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DAE_PLOT_ASAN 1
#endif
#endif
#ifdef DAE_PLOT_ASAN
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* ...and without a report of the suppression at every exit. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
#endif

typedef struct rgb {
    double r, g, b;
} rgb;

/* matplotlib's tab10 cycle: blue, orange, green, red, purple, ... */
static const rgb TAB10[10] = {
    {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
    {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
    {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
    {0.090, 0.745, 0.812},
};

static const rgb INK = {0.1, 0.1, 0.1};      /* text, frame and ticks */
static const rgb GRID = {0.88, 0.88, 0.88};

static void set_rgb(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

/* ---- text ---- */

/* Length of the valid UTF-8 character at s (1 to 4 bytes), or 0 for an
 * invalid sequence or a control character. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x20 || s[0] == 0x7f)
        return 0;
    if (s[0] < 0x80)
        return 1;
    int n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
          : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0;                     /* overlong, or a UTF-16 surrogate */
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;                     /* overlong, or beyond U+10FFFF */
    return n;
}

/* Copies src into dst (whole characters, at most cap - 1 bytes), with '?'
 * for bad bytes: cairo refuses invalid UTF-8 by failing the whole figure. */
static const char *clean_text(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    size_t o = 0;
    while (*s && o + 1 < cap) {
        int n = utf8_len(s);
        if (n == 0) {
            dst[o++] = '?';
            s++;
            continue;
        }
        if (o + (size_t)n >= cap)
            break;
        memcpy(dst + o, s, (size_t)n);
        o += (size_t)n;
        s += n;
    }
    dst[o] = 0;
    return dst;
}

static void set_font(cairo_t *cr, double size)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

/* Draws s with (x, y) at fraction ax of its width (0 left, 1 right) and ay
 * of its cap height (0 top of the capitals, 1 baseline): labels line up
 * whatever letters they hold. */
static void text_at(cairo_t *cr, const char *s, double x, double y, double ax, double ay)
{
    cairo_text_extents_t cap;
    cairo_text_extents(cr, "H", &cap);
    cairo_move_to(cr, x - ax * text_width(cr, s), y + (1 - ay) * cap.height);
    cairo_show_text(cr, s);
}

/* ---- writing ---- */

typedef struct png_job {
    cairo_surface_t *surface;
    cairo_status_t *status;
} png_job;

static cairo_status_t to_file(void *f, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, f) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int write_png(FILE *f, const void *ctx)
{
    const png_job *job = ctx;
    *job->status = cairo_surface_write_to_png_stream(job->surface, to_file, f);
    return *job->status == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

/* Checks the drawing, then writes it: a failure leaves no file. Frees cr
 * and the surface. */
static int finish(const char *path, cairo_surface_t *s, cairo_t *cr, dae_error *err)
{
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(s);
        st = cairo_surface_status(s);
    }
    int rc;
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = dae_fail(err, "%s: drawing failed: cairo: %s", path, cairo_status_to_string(st));
    } else {
        png_job job = {s, &st};
        rc = dae_write_atomic(path, write_png, &job, err);
        if (rc < 0 && st != CAIRO_STATUS_SUCCESS && st != CAIRO_STATUS_WRITE_ERROR)
            dae_fail(err, "cannot write %s: cairo: %s", path, cairo_status_to_string(st));
    }
    cairo_surface_destroy(s);
    return rc;
}

/* A white canvas, or NULL after dae_fail. */
static cairo_t *canvas(const char *path, int w, int h, cairo_surface_t **s, dae_error *err)
{
    *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_status_t st = cairo_surface_status(*s);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(*s);
        dae_fail(err, "%s: cannot create a %dx%d image: cairo: %s", path, w, h,
                 cairo_status_to_string(st));
        return NULL;
    }
    cairo_t *cr = cairo_create(*s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    return cr;
}

/* ---- axes ---- */

typedef struct axis {
    double lo, hi;            /* view limits */
    double step;              /* tick spacing; 0 for no ticks */
    double v[MAX_TICKS];      /* tick values inside [lo, hi] */
    char label[MAX_TICKS][32];
    int n;
    int exp10;                /* labels are value / 10^exp10 */
    char offset[24];          /* "1e6", or "" when exp10 is 0 */
} axis;

/* The panel's plotting area in pixels, and its axes. */
typedef struct frame {
    double x0, y0, x1, y1;
    axis x, y;
} frame;

/* The smallest 1, 2 or 5 times a power of ten cutting span into at most
 * max_ticks intervals: round tick values. */
static double nice_step(double span, int max_ticks)
{
    static const double mult[] = {1, 2, 5, 10};
    if (!(span > 0) || !isfinite(span))
        return 0;
    double raw = span / max_ticks, mag = pow(10, floor(log10(raw)));
    for (int i = 0; i < 4; i++)
        if (mult[i] * mag >= raw * (1 - 1e-9))
            return mult[i] * mag;
    return 10 * mag;
}

/* v with dec decimals and a real minus sign (U+2212), as matplotlib
 * writes it: a hyphen looks too short next to the digits. */
static void format_number(char *buf, size_t cap, double v, int dec)
{
    snprintf(buf, cap, "%s%.*f", v < 0 ? "\xe2\x88\x92" : "", dec, fabs(v));
}

/* Tick labels with the decimals the step needs. Huge or tiny values get
 * matplotlib's treatment: mantissas on the ticks and the power of ten
 * written once at the end of the axis (a->exp10). */
static void label_ticks(axis *a)
{
    double big = a->step;
    for (int i = 0; i < a->n; i++)
        big = fmax(big, fabs(a->v[i]));
    a->exp10 = big >= 1e6 || a->step < 1e-4 ? (int)floor(log10(big)) : 0;
    double scale = pow(10, a->exp10), step = a->step / scale;
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    dec = dec < 0 ? 0 : dec > 8 ? 8 : dec;
    for (int i = 0; i < a->n; i++)
        format_number(a->label[i], sizeof a->label[i], a->v[i] / scale, dec);
    char e[16];
    format_number(e, sizeof e, a->exp10, 0);
    snprintf(a->offset, sizeof a->offset, "1e%s", e);
    if (a->exp10 == 0)
        a->offset[0] = 0;
}

static void make_ticks(axis *a)
{
    a->n = 0;
    a->exp10 = 0;
    a->offset[0] = 0;
    if (!(a->step > 0))
        return;
    double k1 = floor(a->hi / a->step + 1e-9);
    for (double k = ceil(a->lo / a->step - 1e-9); k <= k1 && a->n < MAX_TICKS; k++) {
        double v = k * a->step;
        a->v[a->n++] = fabs(v) < a->step * 1e-9 ? 0 : v;   /* no "-0.00" */
    }
    label_ticks(a);
}

/* Epochs 1..n with matplotlib's 5% margins (at least half an epoch), and
 * whole-number ticks. */
static void epoch_axis(axis *a, int n)
{
    double m = fmax(0.05 * (n - 1), 0.5);
    a->lo = 1 - m;
    a->hi = n + m;
    a->step = fmax(1, nice_step(a->hi - a->lo, 8));
    make_ticks(a);
}

/* The finite values' range plus 5%; a constant gets a band around it. */
static void value_axis(axis *a, double lo, double hi)
{
    if (lo > hi) {
        lo = 0;
        hi = 1;
    } else if (hi - lo <= 1e-9 * fmax(fabs(lo), fabs(hi))) {
        double mid = 0.5 * (lo + hi), d = mid != 0 ? 0.05 * fabs(mid) : 0.05;
        lo = mid - d;
        hi = mid + d;
    } else {
        double m = 0.05 * (hi - lo);
        lo -= m;
        hi += m;
    }
    a->lo = lo;
    a->hi = hi;
    a->step = nice_step(hi - lo, 10);
    make_ticks(a);
}

static double px(const frame *f, double x)
{
    return f->x0 + (x - f->x.lo) / (f->x.hi - f->x.lo) * (f->x1 - f->x0);
}

static double py(const frame *f, double y)
{
    return f->y1 - (y - f->y.lo) / (f->y.hi - f->y.lo) * (f->y1 - f->y0);
}

/* The middle of a pixel: 1-px lines there are sharp, not two gray pixels. */
static double snap(double v)
{
    return floor(v) + 0.5;
}

static int finite_at(const dae_series *s, int i)
{
    return i >= 0 && i < s->n && isfinite(s->y[i]);
}

/* Longest series and the range of the finite values. */
static void panel_range(const dae_curve_panel *p, int *n, double *lo, double *hi)
{
    *n = 1;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int k = 0; k < p->n_series; k++) {
        const dae_series *s = &p->series[k];
        *n = s->n > *n ? s->n : *n;
        for (int i = 0; i < s->n; i++)
            if (isfinite(s->y[i])) {
                *lo = fmin(*lo, s->y[i]);
                *hi = fmax(*hi, s->y[i]);
            }
    }
}

/* ---- drawing a panel ---- */

static void draw_grid_lines(cairo_t *cr, const frame *f)
{
    set_rgb(cr, GRID);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < f->x.n; i++) {
        double x = snap(px(f, f->x.v[i]));
        cairo_move_to(cr, x, f->y0);
        cairo_line_to(cr, x, f->y1);
    }
    for (int i = 0; i < f->y.n; i++) {
        double y = snap(py(f, f->y.v[i]));
        cairo_move_to(cr, f->x0, y);
        cairo_line_to(cr, f->x1, y);
    }
    cairo_stroke(cr);
}

/* Points of one pixel column, drawn as first, lowest, highest and last:
 * with more epochs than pixels this is the same picture as every point,
 * at a bounded cost. */
typedef struct column {
    int count;
    long col;
    double x, first, lo, hi, last;
} column;

static void column_flush(cairo_t *cr, column *c, int *pen)
{
    if (c->count == 0)
        return;
    if (*pen)
        cairo_line_to(cr, c->x, c->first);
    else
        cairo_move_to(cr, c->x, c->first);
    *pen = 1;
    if (c->count > 1) {
        cairo_line_to(cr, c->x, c->lo);
        cairo_line_to(cr, c->x, c->hi);
        cairo_line_to(cr, c->x, c->last);
    }
    c->count = 0;
}

static void series_path(cairo_t *cr, const frame *f, const dae_series *s)
{
    column c = {0, 0, 0, 0, 0, 0, 0};
    int pen = 0;
    for (int i = 0; i < s->n; i++) {
        if (!isfinite(s->y[i])) {          /* the line breaks at NaN and inf */
            column_flush(cr, &c, &pen);
            pen = 0;
            continue;
        }
        double x = px(f, i + 1), y = py(f, s->y[i]);
        long col = (long)floor(x);
        if (c.count && col != c.col)
            column_flush(cr, &c, &pen);
        if (c.count == 0)
            c = (column){0, col, x, y, y, y, y};
        c.lo = fmin(c.lo, y);
        c.hi = fmax(c.hi, y);
        c.last = y;
        c.count++;
    }
    column_flush(cr, &c, &pen);
}

static void marker(cairo_t *cr, double x, double y)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, 3.5, 0, 2 * PI);
}

/* Markers on every point when there are few epochs; otherwise only on
 * points with no finite neighbour, which no line segment would show. */
static void series_markers(cairo_t *cr, const frame *f, const dae_series *s, int all)
{
    for (int i = 0; i < s->n; i++)
        if (finite_at(s, i) && (all || (!finite_at(s, i - 1) && !finite_at(s, i + 1))))
            marker(cr, px(f, i + 1), py(f, s->y[i]));
    cairo_fill(cr);
}

static void draw_series(cairo_t *cr, const frame *f, const dae_curve_panel *p, int markers)
{
    cairo_save(cr);
    cairo_rectangle(cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
    cairo_clip(cr);
    cairo_set_line_width(cr, 2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int k = 0; k < p->n_series; k++) {
        set_rgb(cr, TAB10[k % 10]);
        series_path(cr, f, &p->series[k]);
        cairo_stroke(cr);
        series_markers(cr, f, &p->series[k], markers);
    }
    cairo_restore(cr);
}

static void draw_frame_and_ticks(cairo_t *cr, const frame *f)
{
    set_rgb(cr, INK);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
    for (int i = 0; i < f->x.n; i++) {
        double x = snap(px(f, f->x.v[i]));
        cairo_move_to(cr, x, f->y1);
        cairo_line_to(cr, x, f->y1 + TICK_LEN);
    }
    for (int i = 0; i < f->y.n; i++) {
        double y = snap(py(f, f->y.v[i]));
        cairo_move_to(cr, f->x0, y);
        cairo_line_to(cr, f->x0 - TICK_LEN, y);
    }
    cairo_stroke(cr);
    set_font(cr, FS_TICK);
    for (int i = 0; i < f->x.n; i++)
        text_at(cr, f->x.label[i], px(f, f->x.v[i]), f->y1 + TICK_LEN + 5, 0.5, 0);
    for (int i = 0; i < f->y.n; i++)
        text_at(cr, f->y.label[i], f->x0 - TICK_LEN - 5, py(f, f->y.v[i]), 1, 0.5);
    text_at(cr, f->y.offset, f->x0, f->y0 - 6, 0, 1);
    text_at(cr, f->x.offset, f->x1, f->y1 + TICK_LEN + 5 + FS_TICK + 12, 1, 0);
}

/* "epoch" below, "loss" turned a quarter left of the tick labels. */
static void draw_axis_titles(cairo_t *cr, const frame *f, double left)
{
    set_font(cr, FS_AXIS);
    set_rgb(cr, INK);
    text_at(cr, "epoch", 0.5 * (f->x0 + f->x1), f->y1 + TICK_LEN + 5 + FS_TICK + 12, 0.5, 0);
    cairo_save(cr);
    cairo_translate(cr, left, 0.5 * (f->y0 + f->y1));
    cairo_rotate(cr, -PI / 2);
    text_at(cr, "loss", 0, 0, 0.5, 0);
    cairo_restore(cr);
}

/* ---- the legend ---- */

typedef struct legend {
    double w, h, row_h, pad, sample_w;
    char label[DAE_PLOT_MAX_SERIES][64];
    int n;
} legend;

static int inside(double x, double y, double bx, double by, double bw, double bh)
{
    return x >= bx && x <= bx + bw && y >= by && y <= by + bh;
}

/* How many points and segment midpoints of the panel a box would hide. */
static long hidden(const frame *f, const dae_curve_panel *p, double bx, double by,
                   double bw, double bh)
{
    long count = 0;
    for (int k = 0; k < p->n_series; k++) {
        const dae_series *s = &p->series[k];
        int stride = s->n > 2000 ? s->n / 2000 : 1;
        for (int i = 0; i < s->n; i += stride) {
            if (!finite_at(s, i))
                continue;
            double x = px(f, i + 1), y = py(f, s->y[i]);
            count += inside(x, y, bx, by, bw, bh);
            if (finite_at(s, i + stride))
                count += inside(0.5 * (x + px(f, i + 1 + stride)),
                                0.5 * (y + py(f, s->y[i + stride])), bx, by, bw, bh);
        }
    }
    return count;
}

/* matplotlib's loc="best" among the corners, in its order of preference. */
static void legend_place(const frame *f, const dae_curve_panel *p, const legend *lg,
                         double *bx, double *by)
{
    const double in = 10;
    double xs[4] = {f->x1 - in - lg->w, f->x0 + in, f->x0 + in, f->x1 - in - lg->w};
    double ys[4] = {f->y0 + in, f->y0 + in, f->y1 - in - lg->h, f->y1 - in - lg->h};
    long best = -1;
    for (int i = 0; i < 4; i++) {
        long h = hidden(f, p, xs[i], ys[i], lg->w, lg->h);
        if (best < 0 || h < best) {
            best = h;
            *bx = xs[i];
            *by = ys[i];
        }
    }
}

static void rounded_box(cairo_t *cr, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, PI / 2, PI);
    cairo_arc(cr, x + r, y + r, r, PI, 3 * PI / 2);
    cairo_close_path(cr);
}

static void draw_legend(cairo_t *cr, const frame *f, const dae_curve_panel *p, int markers)
{
    legend lg = {0, 0, 21, 9, 28, {{0}}, 0};
    set_font(cr, FS_LEGEND);
    double label_w = 0;
    for (int k = 0; k < p->n_series; k++)
        if (p->series[k].label) {
            clean_text(lg.label[k], sizeof lg.label[k], p->series[k].label);
            label_w = fmax(label_w, text_width(cr, lg.label[k]));
            lg.n++;
        }
    if (lg.n == 0)
        return;
    lg.w = lg.pad + lg.sample_w + 8 + label_w + lg.pad;
    lg.h = 2 * lg.pad + lg.n * lg.row_h - 6;
    double bx = 0, by = 0;
    legend_place(f, p, &lg, &bx, &by);
    rounded_box(cr, snap(bx), snap(by), floor(lg.w), floor(lg.h), 4);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    double y = by + lg.pad + (lg.row_h - 6) / 2;
    for (int k = 0; k < p->n_series; k++) {
        if (!p->series[k].label)
            continue;
        double x = bx + lg.pad;
        set_rgb(cr, TAB10[k % 10]);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + lg.sample_w, y);
        cairo_stroke(cr);
        if (markers) {
            marker(cr, x + lg.sample_w / 2, y);
            cairo_fill(cr);
        }
        set_rgb(cr, INK);
        text_at(cr, lg.label[k], x + lg.sample_w + 8, y, 0, 0.5);
        y += lg.row_h;
    }
}

/* One panel in the PANEL_W x PANEL_H box at (ox, oy). */
static void draw_panel(cairo_t *cr, const dae_curve_panel *p, double ox, double oy)
{
    frame f;
    int n;
    double lo, hi;
    panel_range(p, &n, &lo, &hi);
    epoch_axis(&f.x, n);
    value_axis(&f.y, lo, hi);
    set_font(cr, FS_TICK);
    double tick_w = 0;
    for (int i = 0; i < f.y.n; i++)
        tick_w = fmax(tick_w, text_width(cr, f.y.label[i]));
    double left = ox + 18;                        /* where the "loss" title starts */
    f.x0 = snap(left + FS_AXIS + 12 + tick_w + 5 + TICK_LEN);
    f.x1 = snap(ox + PANEL_W - 24);
    f.y0 = snap(oy + 46);
    f.y1 = snap(oy + PANEL_H - 64);
    int markers = n <= MARKER_MAX_EPOCHS;
    draw_grid_lines(cr, &f);
    draw_series(cr, &f, p, markers);
    draw_frame_and_ticks(cr, &f);
    draw_axis_titles(cr, &f, left);
    if (p->title) {
        char t[200];
        set_font(cr, FS_TITLE);
        set_rgb(cr, INK);
        text_at(cr, clean_text(t, sizeof t, p->title), 0.5 * (f.x0 + f.x1), f.y0 - 12, 0.5, 1);
    }
    draw_legend(cr, &f, p, markers);
}

static int check_panels(const char *path, const dae_curve_panel *panels, int n_panels,
                        dae_error *err)
{
    if (!panels || n_panels < 1 || n_panels > DAE_PLOT_MAX_PANELS)
        return dae_fail(err, "%s: %d panels; 1 to %d are supported", path,
                        panels ? n_panels : 0, DAE_PLOT_MAX_PANELS);
    for (int i = 0; i < n_panels; i++) {
        const dae_curve_panel *p = &panels[i];
        if (p->n_series < 0 || p->n_series > DAE_PLOT_MAX_SERIES || (p->n_series && !p->series))
            return dae_fail(err, "%s: panel %d has %d series (%s); 0 to %d are supported",
                            path, i + 1, p->n_series, p->series ? "given" : "none given",
                            DAE_PLOT_MAX_SERIES);
        for (int k = 0; k < p->n_series; k++) {
            const dae_series *s = &p->series[k];
            if (s->n < 0 || s->n > DAE_PLOT_MAX_EPOCHS || (s->n && !s->y))
                return dae_fail(err, "%s: panel %d, series %d: %d values%s; 0 to %d "
                                "are supported", path, i + 1, k + 1, s->n,
                                s->y ? "" : " but no array", DAE_PLOT_MAX_EPOCHS);
        }
    }
    return 0;
}

int dae_plot_curves(const char *path, const char *title, const dae_curve_panel *panels,
                    int n_panels, dae_error *err)
{
    if (!path)
        return dae_fail(err, "dae_plot_curves: no path");
    if (check_panels(path, panels, n_panels, err) < 0)
        return -1;
    int top = title && *title ? SUPTITLE_H : 0;
    cairo_surface_t *s;
    cairo_t *cr = canvas(path, n_panels * PANEL_W, PANEL_H + top, &s, err);
    if (!cr)
        return -1;
    if (top) {
        char t[200];
        set_font(cr, FS_SUPTITLE);
        set_rgb(cr, INK);
        text_at(cr, clean_text(t, sizeof t, title), 0.5 * n_panels * PANEL_W, 30, 0.5, 1);
    }
    for (int i = 0; i < n_panels; i++)
        draw_panel(cr, &panels[i], i * PANEL_W, top);
    return finish(path, s, cr, err);
}

/* ---- the image grid ---- */

/* Widest row label and title, measured on a scratch surface: the layout
 * (and so the figure's size) comes before the figure. */
static void grid_text_widths(const dae_grid *g, double *label_w, double *title_w)
{
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *cr = cairo_create(scratch);
    char t[200];
    *label_w = 0;
    set_font(cr, FS_ROW_LABEL);
    for (int r = 0; g->row_labels && r < g->rows; r++)
        if (g->row_labels[r])
            *label_w = fmax(*label_w, text_width(cr, clean_text(t, sizeof t, g->row_labels[r])));
    set_font(cr, FS_GRID_TITLE);
    *title_w = g->title ? text_width(cr, clean_text(t, sizeof t, g->title)) : 0;
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);
}

static int fail_grid_size(dae_error *err, const char *label, const dae_grid *g,
                          long long width, long long height)
{
    return dae_fail(err, "%s: a grid of %dx%d images of %dx%d pixels would be %lldx%lld "
                    "pixels; at most %d per side", label, g->rows, g->cols, g->h, g->w,
                    width, height, DAE_PLOT_MAX_SIDE);
}

static int grid_layout(const char *label, const dae_grid *g, dae_grid_layout *lay,
                       dae_error *err)
{
    if (lay)
        memset(lay, 0, sizeof *lay);
    if (!g || !lay)
        return dae_fail(err, "%s: no grid", label);
    if (g->rows <= 0 || g->cols <= 0 || g->h <= 0 || g->w <= 0)
        return dae_fail(err, "%s: a grid of %dx%d images of %dx%d pixels; every count "
                        "must be positive", label, g->rows, g->cols, g->h, g->w);
    if (!g->pixels)
        return dae_fail(err, "%s: the grid has no pixels", label);
    if (g->h > DAE_PLOT_MAX_SIDE || g->w > DAE_PLOT_MAX_SIDE)
        return dae_fail(err, "%s: images of %dx%d pixels; at most %d per side", label,
                        g->h, g->w, DAE_PLOT_MAX_SIDE);
    int side = g->h > g->w ? g->h : g->w;
    lay->scale = side >= GRID_MIN_CELL ? 1 : (GRID_MIN_CELL + side - 1) / side;
    lay->cell_w = g->w * lay->scale;
    lay->cell_h = g->h * lay->scale;
    lay->gap = GRID_GAP;
    long long gw = (long long)g->cols * (lay->cell_w + GRID_GAP) - GRID_GAP;
    long long gh = (long long)g->rows * (lay->cell_h + GRID_GAP) - GRID_GAP;
    /* Too large even without text: refused before a huge row count has
     * its labels measured. */
    if (gw + 2 * GRID_MARGIN > DAE_PLOT_MAX_SIDE || gh + 2 * GRID_MARGIN > DAE_PLOT_MAX_SIDE)
        return fail_grid_size(err, label, g, gw + 2 * GRID_MARGIN, gh + 2 * GRID_MARGIN);
    double label_w, title_w;
    grid_text_widths(g, &label_w, &title_w);
    long long left = GRID_MARGIN + (label_w > 0 ? (long long)ceil(label_w) + 12 : 0);
    long long top = GRID_MARGIN + (g->title && *g->title ? GRID_TITLE_H : 0);
    long long width = left + gw + GRID_MARGIN, height = top + gh + GRID_MARGIN;
    if (width > DAE_PLOT_MAX_SIDE || height > DAE_PLOT_MAX_SIDE)
        return fail_grid_size(err, label, g, width, height);
    /* A title wider than the grid widens the figure; the grid is centered. */
    long long wide = (long long)ceil(title_w) + 2 * GRID_MARGIN;
    long long fig_w = wide > width ? wide : width;
    fig_w = fig_w < DAE_PLOT_MAX_SIDE ? fig_w : DAE_PLOT_MAX_SIDE;
    lay->width = (int)fig_w;
    lay->height = (int)height;
    lay->x0 = (int)(left + (fig_w - width) / 2);
    lay->y0 = (int)top;
    return 0;
}

int dae_plot_grid_layout(const dae_grid *g, dae_grid_layout *lay, dae_error *err)
{
    return grid_layout("dae_plot_grid", g, lay, err);
}

static unsigned char gray_byte(float v)
{
    if (!(v > 0))                 /* also NaN */
        return 0;
    return v >= 1 ? 255 : (unsigned char)((double)v * 255.0 + 0.5);
}

/* Image pixels go straight into the surface: exact nearest-neighbour
 * blocks, with no filtering at the edges. */
static void put_images(cairo_surface_t *s, const dae_grid *g, const dae_grid_layout *lay)
{
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    if (!data)
        return;
    size_t hw = (size_t)g->h * (size_t)g->w;
    for (int r = 0; r < g->rows; r++)
        for (int c = 0; c < g->cols; c++) {
            const float *img = g->pixels + ((size_t)r * (size_t)g->cols + (size_t)c) * hw;
            int x0 = lay->x0 + c * (lay->cell_w + lay->gap);
            int y0 = lay->y0 + r * (lay->cell_h + lay->gap);
            for (int y = 0; y < lay->cell_h; y++) {
                uint32_t *row = (uint32_t *)(void *)(data + (size_t)(y0 + y) * (size_t)stride) + x0;
                const float *src = img + (size_t)(y / lay->scale) * (size_t)g->w;
                for (int x = 0; x < lay->cell_w; x++) {
                    uint32_t v = gray_byte(src[x / lay->scale]);
                    row[x] = 0xff000000u | v << 16 | v << 8 | v;
                }
            }
        }
    cairo_surface_mark_dirty(s);
}

static void grid_text(cairo_t *cr, const dae_grid *g, const dae_grid_layout *lay)
{
    char t[200];
    set_rgb(cr, INK);
    if (g->title && *g->title) {
        int gw = g->cols * (lay->cell_w + lay->gap) - lay->gap;
        set_font(cr, FS_GRID_TITLE);
        clean_text(t, sizeof t, g->title);
        double x = lay->x0 + 0.5 * gw, half = 0.5 * text_width(cr, t);
        x = fmin(fmax(x, GRID_MARGIN + half), lay->width - GRID_MARGIN - half);
        text_at(cr, t, x, lay->y0 - 16, 0.5, 1);
    }
    set_font(cr, FS_ROW_LABEL);
    for (int r = 0; g->row_labels && r < g->rows; r++)
        if (g->row_labels[r])
            text_at(cr, clean_text(t, sizeof t, g->row_labels[r]), lay->x0 - 12,
                    lay->y0 + r * (lay->cell_h + lay->gap) + 0.5 * lay->cell_h, 1, 0.5);
}

int dae_plot_grid(const char *path, const dae_grid *g, dae_error *err)
{
    if (!path)
        return dae_fail(err, "dae_plot_grid: no path");
    dae_grid_layout lay = {0, 0, 0, 0, 0, 0, 0, 0};
    if (grid_layout(path, g, &lay, err) < 0)
        return -1;
    cairo_surface_t *s;
    cairo_t *cr = canvas(path, lay.width, lay.height, &s, err);
    if (!cr)
        return -1;
    grid_text(cr, g, &lay);
    put_images(s, g, &lay);
    return finish(path, s, cr, err);
}
