/* The PNG reader and writer: a round trip through dae_png_write_gray,
 * files of every color type and bit depth written here with libpng itself
 * and read back to known gray values, and hostile files that must each give
 * -1, one line naming the file, no pixels, and nothing on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <libpng16/png.h> /* not <png.h>: -Iruntime would find ours */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "scratch.h"
#include "png.h"

/* ---- writing test files with libpng ---- */

/* One PNG to write: samples are one int per channel per pixel, packed
 * here to the bit depth. */
typedef struct spec {
    int ctype, depth, interlace, w, h;
    const int *samples;
    const png_color *palette;
    int n_palette;
    const png_byte *trns;      /* palette alphas */
    int n_trns;
    int trns_gray;             /* gray tRNS value, or -1 */
    double gamma;              /* gAMA, or 0 for none */
} spec;

static int channels_of(int ctype)
{
    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;
    }
}

static void pack_row(const spec *s, const int *in, unsigned char *row)
{
    int n = s->w * channels_of(s->ctype);
    memset(row, 0, ((size_t)n * (size_t)s->depth + 7) / 8);
    for (int i = 0; i < n; i++) {
        if (s->depth == 16) {
            row[2 * i] = (unsigned char)(in[i] >> 8);
            row[2 * i + 1] = (unsigned char)in[i];
        } else if (s->depth == 8) {
            row[i] = (unsigned char)in[i];
        } else {
            int bit = i * s->depth;
            row[bit / 8] |= (unsigned char)(in[i] << (8 - s->depth - bit % 8));
        }
    }
}

static void set_extras(png_structp png, png_infop info, const spec *s)
{
    if (s->palette)
        png_set_PLTE(png, info, s->palette, s->n_palette);
    if (s->trns)
        png_set_tRNS(png, info, s->trns, s->n_trns, NULL);
    if (s->trns_gray >= 0) {
        png_color_16 c = {0, 0, 0, 0, (png_uint_16)s->trns_gray};
        png_set_tRNS(png, info, NULL, 0, &c);
    }
    if (s->gamma > 0)
        png_set_gAMA(png, info, s->gamma);
}

static int write_spec(const char *path, const spec *s)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int nch = channels_of(s->ctype);
    unsigned char *rows = calloc((size_t)s->h, (size_t)s->w * (size_t)nch * 2 + 1);
    png_bytep *rp = calloc((size_t)s->h, sizeof *rp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = -1;
    if (!rows || !rp || !info || setjmp(png_jmpbuf(png)))
        goto out;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)s->w, (png_uint_32)s->h, s->depth, s->ctype,
                 s->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    set_extras(png, info, s);
    size_t stride = (size_t)s->w * (size_t)nch * 2 + 1;
    for (int y = 0; y < s->h; y++) {
        rp[y] = rows + (size_t)y * stride;
        pack_row(s, s->samples + (size_t)y * (size_t)s->w * (size_t)nch, rp[y]);
    }
    png_write_info(png, info);
    png_write_image(png, rp);
    png_write_end(png, info);
    rc = 0;
out:
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(rows);
    free(rp);
    return fclose(f) != 0 ? -1 : rc;
}

/* Writes s, reads it back and compares with the expected gray values. */
static void check_read(const char *name, const spec *s, const double *expect)
{
    char file[200];
    snprintf(file, sizeof file, "%s.png", name);
    const char *path = tmp_path(file);
    if (write_spec(path, s) < 0) {
        check_report(0, name, "libpng could not write the test file %s", path);
        return;
    }
    float *px = NULL;
    int h = -1, w = -1;
    dae_error err = {{0}};
    int rc = dae_png_read_gray(path, &px, &h, &w, &err);
    if (rc != 0 || !px || h != s->h || w != s->w) {
        check_report(0, name, "rc %d, %dx%d: %s", rc, w, h, err.msg);
        free(px);
        return;
    }
    double worst = 0;
    int at = 0;
    for (int i = 0; i < h * w; i++) {
        double d = fabs((double)px[i] - expect[i]);
        if (d > worst || d != d) {
            worst = d != d ? INFINITY : d;
            at = i;
        }
    }
    check_report(worst <= 1e-6, name, "%dx%d, largest error %.3g (pixel %d: %.9f, expected %.9f)",
                 w, h, worst, at, (double)px[at], expect[at]);
    free(px);
}

static spec plain(int ctype, int depth, int w, int h, const int *samples)
{
    spec s = {ctype, depth, PNG_INTERLACE_NONE, w, h, samples, NULL, 0, NULL, 0, -1, 0};
    return s;
}

#define LUMA(r, g, b, max) ((0.299 * (r) + 0.587 * (g) + 0.114 * (b)) / (max))

static void gray_depths(void)
{
    int g1[16] = {0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    double e1[16];
    for (int i = 0; i < 16; i++)
        e1[i] = g1[i];
    spec s = plain(PNG_COLOR_TYPE_GRAY, 1, 8, 2, g1);
    check_read("png.read.gray1", &s, e1);

    int g2[8] = {0, 1, 2, 3, 3, 2, 1, 0};
    double e2[8];
    for (int i = 0; i < 8; i++)
        e2[i] = g2[i] / 3.0;
    s = plain(PNG_COLOR_TYPE_GRAY, 2, 4, 2, g2);
    check_read("png.read.gray2", &s, e2);

    int g4[16];
    double e4[16];
    for (int i = 0; i < 16; i++) {
        g4[i] = 15 - i;
        e4[i] = g4[i] / 15.0;
    }
    s = plain(PNG_COLOR_TYPE_GRAY, 4, 16, 1, g4);
    check_read("png.read.gray4", &s, e4);

    int g8[8] = {0, 1, 128, 255, 254, 17, 200, 99};
    double e8[8];
    for (int i = 0; i < 8; i++)
        e8[i] = g8[i] / 255.0;
    s = plain(PNG_COLOR_TYPE_GRAY, 8, 4, 2, g8);
    check_read("png.read.gray8", &s, e8);

    /* 1/65535 and 0x8000 tell full precision from a cut to 8 bits. */
    int g16[4] = {0, 1, 0x8000, 0xffff};
    double e16[4] = {0, 1 / 65535.0, 32768 / 65535.0, 1};
    s = plain(PNG_COLOR_TYPE_GRAY, 16, 4, 1, g16);
    check_read("png.read.gray16", &s, e16);

    int gt[3] = {7, 8, 255};
    double et[3] = {0, 8 / 255.0, 1};
    s = plain(PNG_COLOR_TYPE_GRAY, 8, 3, 1, gt);
    s.trns_gray = 7;
    check_read("png.read.gray8_trns_is_transparent", &s, et);
}

static void alpha_and_color(void)
{
    int ga8[8] = {200, 0, 200, 255, 255, 128, 0, 255};
    double ega8[4] = {0, 200 / 255.0, 128 / 255.0, 0};
    spec s = plain(PNG_COLOR_TYPE_GRAY_ALPHA, 8, 4, 1, ga8);
    check_read("png.read.gray_alpha8_over_black", &s, ega8);

    int ga16[6] = {0xffff, 0x8000, 0x8000, 0xffff, 0xffff, 0};
    double ega16[3] = {32768 / 65535.0, 32768 / 65535.0, 0};
    s = plain(PNG_COLOR_TYPE_GRAY_ALPHA, 16, 3, 1, ga16);
    check_read("png.read.gray_alpha16", &s, ega16);

    int rgb8[15] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30};
    double ergb8[5] = {0.299, 0.587, 0.114, 1, LUMA(10, 20, 30, 255.0)};
    s = plain(PNG_COLOR_TYPE_RGB, 8, 5, 1, rgb8);
    check_read("png.read.rgb8_itu601", &s, ergb8);

    /* A gAMA chunk must not change the values (PIL ignores it too). */
    s.gamma = 1 / 2.2;
    check_read("png.read.rgb8_gamma_chunk_ignored", &s, ergb8);

    int rgb16[9] = {0xffff, 0, 0, 0x8000, 0x8000, 0x8000, 0, 0, 0xffff};
    double ergb16[3] = {0.299, 32768 / 65535.0, 0.114};
    s = plain(PNG_COLOR_TYPE_RGB, 16, 3, 1, rgb16);
    check_read("png.read.rgb16", &s, ergb16);

    int rgba8[12] = {255, 0, 0, 255, 255, 255, 255, 0, 255, 255, 255, 51};
    double ergba8[3] = {0.299, 0, 0.2};
    s = plain(PNG_COLOR_TYPE_RGB_ALPHA, 8, 3, 1, rgba8);
    check_read("png.read.rgba8", &s, ergba8);

    int rgba16[8] = {0xffff, 0xffff, 0xffff, 0x8000, 0, 0xffff, 0, 0xffff};
    double ergba16[2] = {32768 / 65535.0, 0.587};
    s = plain(PNG_COLOR_TYPE_RGB_ALPHA, 16, 2, 1, rgba16);
    check_read("png.read.rgba16", &s, ergba16);
}

static void palettes(void)
{
    static const png_color pal[5] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255},
                                     {255, 255, 255}, {0, 0, 0}};
    int idx[5] = {0, 1, 2, 3, 4};
    double e[5] = {0.299, 0.587, 0.114, 1, 0};
    spec s = plain(PNG_COLOR_TYPE_PALETTE, 8, 5, 1, idx);
    s.palette = pal;
    s.n_palette = 5;
    check_read("png.read.palette8", &s, e);

    static const png_color pal2[3] = {{255, 255, 255}, {255, 0, 0}, {0, 0, 0}};
    static const png_byte alphas[2] = {128, 0};
    int idx2[4] = {0, 1, 2, 0};
    double e2[4] = {128 / 255.0, 0, 0, 128 / 255.0};
    s = plain(PNG_COLOR_TYPE_PALETTE, 2, 4, 1, idx2);
    s.palette = pal2;
    s.n_palette = 3;
    s.trns = alphas;
    s.n_trns = 2;
    check_read("png.read.palette2_trns", &s, e2);
}

static void interlaced(void)
{
    enum { W = 13, H = 11 };
    int g[W * H], g1[W * H], rgb[W * H * 3];
    double e[W * H], e1[W * H], ergb[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int i = y * W + x;
            g[i] = (x * 7 + y * 13) & 255;
            e[i] = g[i] / 255.0;
            g1[i] = (x ^ y) & 1;
            e1[i] = g1[i];
            rgb[3 * i] = (x * 5003) & 0xffff;
            rgb[3 * i + 1] = (y * 4099 + 1) & 0xffff;
            rgb[3 * i + 2] = ((x + y) * 2731) & 0xffff;
            ergb[i] = LUMA(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 65535.0);
        }
    spec s = plain(PNG_COLOR_TYPE_GRAY, 8, W, H, g);
    s.interlace = PNG_INTERLACE_ADAM7;
    check_read("png.read.interlaced_gray8", &s, e);
    s = plain(PNG_COLOR_TYPE_GRAY, 1, W, H, g1);
    s.interlace = PNG_INTERLACE_ADAM7;
    check_read("png.read.interlaced_gray1", &s, e1);
    s = plain(PNG_COLOR_TYPE_RGB, 16, W, H, rgb);
    s.interlace = PNG_INTERLACE_ADAM7;
    check_read("png.read.interlaced_rgb16", &s, ergb);
}

/* ---- round trip through the writer ---- */

static float clamp01(float v)
{
    return !(v > 0) ? 0 : v > 1 ? 1 : v;
}

static void round_trip(void)
{
    enum { W = 7, H = 5 };
    float in[W * H];
    for (int i = 0; i < W * H; i++)
        in[i] = (float)i / 37.0f;   /* no exact ties at 255 levels */
    in[0] = -0.5f;
    in[1] = 1.7f;
    in[2] = NAN;
    in[3] = 0.5f;
    const char *path = tmp_path("roundtrip.png");
    remove(path);
    dae_error err = {{0}};
    int rc = dae_png_write_gray(path, in, H, W, &err);
    check_report(rc == 0 && exists(path), "png.write.gray8", "%s", rc ? err.msg : path);
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    check_report(!exists(tmp), "png.write.no_tmp_left", "%s", tmp);

    float *px = NULL;
    int h = 0, w = 0;
    rc = dae_png_read_gray(path, &px, &h, &w, &err);
    if (rc != 0 || h != H || w != W) {
        check_report(0, "png.write.read_back", "rc %d, %dx%d: %s", rc, w, h, err.msg);
        free(px);
        return;
    }
    double worst_q = 0, worst_in = 0;
    for (int i = 0; i < W * H; i++) {
        double want = floor((double)clamp01(in[i]) * 255 + 0.5) / 255;
        worst_q = fmax(worst_q, fabs((double)px[i] - want));
        worst_in = fmax(worst_in, fabs((double)px[i] - (double)clamp01(in[i])));
    }
    check_report(worst_q <= 1e-6 && worst_in <= 0.5 / 255 + 1e-6, "png.write.read_back",
                 "largest error %.3g from the 8-bit value, %.3g from the input",
                 worst_q, worst_in);
    check_report(px[0] == 0 && px[1] == 1 && px[2] == 0 && fabs(px[3] - 128 / 255.0) < 1e-6,
                 "png.write.clamps_and_rounds", "-0.5 -> %g, 1.7 -> %g, NaN -> %g, 0.5 -> %g",
                 (double)px[0], (double)px[1], (double)px[2], (double)px[3]);
    free(px);
}

static void write_failures(void)
{
    float v[4] = {0, 0.25f, 0.5f, 1};
    dae_error err = {{0}};
    const char *path = tmp_path("no/such/dir/x.png");
    int rc = dae_png_write_gray(path, v, 2, 2, &err);
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    check_report(rc == -1 && strstr(err.msg, "no/such/dir/x.png") && !strchr(err.msg, '\n') &&
                 !exists(path) && !exists(tmp), "png.write.missing_directory", "%s", err.msg);
    err.msg[0] = 0;
    remove(tmp_path("zero_height.png"));
    rc = dae_png_write_gray(tmp_path("zero_height.png"), v, 0, 2, &err);
    check_report(rc == -1 && err.msg[0] && !exists(tmp_path("zero_height.png")),
                 "png.write.zero_height", "%s", err.msg);
    err.msg[0] = 0;
    remove(tmp_path("wide.png"));
    rc = dae_png_write_gray(tmp_path("wide.png"), v, 1, 20000, &err);
    check_report(rc == -1 && strstr(err.msg, "20000") && !exists(tmp_path("wide.png")),
                 "png.write.too_wide", "%s", err.msg);
}

/* ---- hostile files ---- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

static const char *put_file(const char *name, const void *data, size_t len)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    return path;
}

/* A hostile file must fail with a one-line message naming it and
 * containing want, and leave no pixels. */
static void expect_reject(const char *check, const char *path, const char *want)
{
    static float sentinel;
    float *px = &sentinel;     /* must be reset to NULL */
    int h = 7, w = 7;
    dae_error err = {{0}};
    int rc = dae_png_read_gray(path, &px, &h, &w, &err);
    int ok = rc == -1 && px == NULL && h == 0 && w == 0 && strstr(err.msg, path) &&
             strstr(err.msg, want) && !strchr(err.msg, '\n');
    check_report(ok, check, "%s%s", rc == 0 ? "accepted; " : "", err.msg);
    if (rc == 0)
        free(px);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends a chunk with a correct CRC. */
static size_t chunk(unsigned char *p, const char *type, const unsigned char *data, uint32_t n)
{
    put_be32(p, n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, data, n);
    put_be32(p + 8 + n, (uint32_t)crc32(0, p + 4, 4 + n));
    return 12 + n;
}

/* A PNG of just IHDR (w x h, 8-bit gray) and IEND: no image data. */
static const char *header_only(const char *name, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    unsigned char buf[64], ihdr[13] = {0};
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8;
    memcpy(buf, sig, 8);
    size_t n = 8 + chunk(buf + 8, "IHDR", ihdr, 13);
    n += chunk(buf + n, "IEND", NULL, 0);
    return put_file(name, buf, n);
}

static void truncations(void)
{
    enum { W = 64, H = 64 };
    int g[W * H];
    for (int i = 0; i < W * H; i++)
        g[i] = (i * 2654435761u) >> 24;   /* noise: a long IDAT */
    spec s = plain(PNG_COLOR_TYPE_GRAY, 8, W, H, g);
    const char *good = tmp_path("good.png");
    size_t len = 0;
    unsigned char *b = write_spec(good, &s) == 0 ? slurp(good, &len) : NULL;
    if (!b || len < 200) {
        check_report(0, "png.hostile.truncated", "could not make the test file");
        free(b);
        return;
    }
    size_t cuts[] = {4, 8, 20, 33, 45, len / 2, len - 12, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        char name[80], check[80];
        snprintf(name, sizeof name, "cut%zu.png", cuts[i]);
        snprintf(check, sizeof check, "png.hostile.truncated_at_%zu_of_%zu", cuts[i], len);
        expect_reject(check, put_file(name, b, cuts[i]), cuts[i] < 8 ? "not a PNG" : "truncated");
    }
    b[len / 2] ^= 0x55;   /* inside IDAT: its CRC no longer matches */
    expect_reject("png.hostile.corrupt_idat", put_file("corrupt.png", b, len), "corrupt");
    free(b);
}

static void hostile(void)
{
    expect_reject("png.hostile.missing_file", tmp_path("nope.png"), "cannot open");
    const char *text = "just some text, long enough to hold a signature\n";
    expect_reject("png.hostile.text_file", put_file("text.png", text, strlen(text)),
                  "is not a PNG file");
    expect_reject("png.hostile.empty_file", put_file("empty.png", "", 0), "is not a PNG file");
    expect_reject("png.hostile.directory", tmp_dir, "not a regular file");
    const char *fifo = tmp_path("fifo.png");
    remove(fifo);
    if (mkfifo(fifo, 0600) == 0)   /* must not wait for a writer */
        expect_reject("png.hostile.fifo", fifo, "not a regular file");
    truncations();
    expect_reject("png.hostile.claims_100000x100000",
                  header_only("huge.png", 100000, 100000), "100000x100000");
    expect_reject("png.hostile.claims_2^28_pixels",
                  header_only("many.png", 16384, 16384), "16384x16384");
    expect_reject("png.hostile.zero_width", header_only("zero.png", 0, 5), "IHDR");
    /* Allowed by the size limits, but there is no image data to read. */
    expect_reject("png.hostile.no_image_data", header_only("nodata.png", 8192, 8192), "corrupt");
}

/* Runs the hostile checks with stderr in a file, which must stay empty. */
static void hostile_quietly(void)
{
    char log[800];
    snprintf(log, sizeof log, "%s", tmp_path("stderr.txt"));
    fflush(stderr);
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (saved < 0 || fd < 0 || dup2(fd, 2) < 0) {
        check_report(0, "png.hostile.stderr", "cannot redirect stderr: %s", strerror(errno));
        return;
    }
    close(fd);
    hostile();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct stat st;
    long long size = stat(log, &st) == 0 ? (long long)st.st_size : -1;
    check_report(size == 0, "png.hostile.nothing_on_stderr", "%lld bytes in %s", size, log);
}

int main(void)
{
    if (tmp_dir_make("png_out") != 0) {
        check_report(0, "png.tmpdir", "cannot create %s: %s", tmp_dir, strerror(errno));
        return 1;
    }
    gray_depths();
    alpha_and_color();
    palettes();
    interlaced();
    round_trip();
    write_failures();
    hostile_quietly();
    return check_failures != 0;
}
