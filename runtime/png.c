/* png.c: the PNG reader and writer (see png.h), on libpng.
 *
 * libpng reports an error by calling a handler that must not return; ours
 * records the message and longjmps back to the setjmp in decode() or
 * encode(). Everything those functions allocate lives in a struct owned by
 * their caller, so nothing local to the setjmp frame changes between setjmp
 * and longjmp, and the caller frees it all on every path. */
#include "png.h"
#include "history.h"

/* Spelled with its directory: "png.h" is also the name of our own header,
 * which -Iruntime (tests, trainers) would otherwise find first. */
#include <libpng16/png.h>

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ITU-R 601 luma weights, as PIL's convert("L") uses. */
#define LUMA_R 0.299
#define LUMA_G 0.587
#define LUMA_B 0.114

/* What libpng's handlers write into: the first error message. */
typedef struct png_msg {
    char text[200];
} png_msg;

static void on_error(png_structp png, png_const_charp msg)
{
    png_msg *m = png_get_error_ptr(png);
    snprintf(m->text, sizeof m->text, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

/* Warnings (a bad CRC in an ancillary chunk, say) do not stop a read and
 * must not reach stderr. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int size_ok(unsigned long h, unsigned long w)
{
    return h > 0 && w > 0 && h <= DAE_PNG_MAX_SIDE && w <= DAE_PNG_MAX_SIDE &&
           h * w <= (unsigned long)DAE_PNG_MAX_PIXELS;
}

static int fail_size(dae_error *err, const char *path, unsigned long h, unsigned long w)
{
    return dae_fail(err, "%s: image is %lux%lu pixels; at most %d per side and %ld "
                    "in all are supported", path, w, h, DAE_PNG_MAX_SIDE,
                    (long)DAE_PNG_MAX_PIXELS);
}

/* ---- reading ---- */

typedef struct reader {
    FILE *fp;
    png_structp png;
    png_infop info;
    unsigned char *raw;     /* one row, or the whole image when interlaced */
    png_bytep *rows;        /* row pointers into raw (interlaced only) */
    float *out;
    int h, w, channels, bytes; /* bytes per sample: 1 or 2 */
    png_msg msg;
} reader;

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks the signature and, before libpng allocates anything, the size the
 * IHDR chunk claims; leaves fp just after the signature. */
static int check_start(const char *path, FILE *fp, dae_error *err)
{
    unsigned char b[24];
    size_t n = fread(b, 1, sizeof b, fp);
    if (n < 8 || png_sig_cmp(b, 0, 8) != 0)
        return dae_fail(err, "%s is not a PNG file", path);
    if (n == sizeof b && memcmp(b + 12, "IHDR", 4) == 0) {
        uint32_t w = get_be32(b + 16), h = get_be32(b + 20);
        if (h != 0 && w != 0 && !size_ok(h, w))
            return fail_size(err, path, h, w);
    }
    if (fseek(fp, 8, SEEK_SET) != 0)
        return dae_fail(err, "%s: cannot seek: %s", path, strerror(errno));
    return 0;
}

/* Gray value in [0,1] of pixel x of a decoded row: luma of the stored
 * values, times alpha (compositing over black). */
static float pixel_gray(const reader *r, const unsigned char *row, int x)
{
    const unsigned char *p = row + (size_t)x * (size_t)(r->channels * r->bytes);
    double s[4] = {0}, max = r->bytes == 2 ? 65535.0 : 255.0;
    for (int c = 0; c < r->channels; c++)
        s[c] = r->bytes == 2 ? (double)(p[2 * c] << 8 | p[2 * c + 1]) : (double)p[c];
    double gray = r->channels >= 3 ? LUMA_R * s[0] + LUMA_G * s[1] + LUMA_B * s[2] : s[0];
    double alpha = r->channels == 2 ? s[1] / max : r->channels == 4 ? s[3] / max : 1.0;
    double v = gray / max * alpha;
    return (float)(v < 0 ? 0 : v > 1 ? 1 : v);
}

static void convert_row(reader *r, const unsigned char *row, int y)
{
    float *dst = r->out + (size_t)y * (size_t)r->w;
    for (int x = 0; x < r->w; x++)
        dst[x] = pixel_gray(r, row, x);
}

/* Asks libpng for 8- or 16-bit gray, gray+alpha, RGB or RGBA samples. */
static void set_transforms(reader *r)
{
    png_set_expand(r->png);               /* palette, <8-bit gray, tRNS */
    png_read_update_info(r->png, r->info);
    r->channels = png_get_channels(r->png, r->info);
    int depth = png_get_bit_depth(r->png, r->info);
    if (r->channels < 1 || r->channels > 4 || (depth != 8 && depth != 16))
        png_error(r->png, "unexpected sample layout after expansion");
    r->bytes = depth / 8;
    if (png_get_rowbytes(r->png, r->info) != (size_t)r->w * (size_t)(r->channels * r->bytes))
        png_error(r->png, "unexpected row size after expansion");
}

static void read_pixels(reader *r, int passes)
{
    size_t rowbytes = png_get_rowbytes(r->png, r->info);
    if (passes == 1) {
        if (!(r->raw = malloc(rowbytes)))
            png_error(r->png, "out of memory");
        for (int y = 0; y < r->h; y++) {
            png_read_row(r->png, r->raw, NULL);
            convert_row(r, r->raw, y);
        }
        return;
    }
    /* Adam7 passes fill the image in place: it must all be held at once. */
    r->raw = malloc(rowbytes * (size_t)r->h);
    r->rows = malloc((size_t)r->h * sizeof *r->rows);
    if (!r->raw || !r->rows)
        png_error(r->png, "out of memory");
    for (int y = 0; y < r->h; y++)
        r->rows[y] = r->raw + (size_t)y * rowbytes;
    png_read_image(r->png, r->rows);
    for (int y = 0; y < r->h; y++)
        convert_row(r, r->rows[y], y);
}

/* 0, or -1 with r->msg set (libpng's message) or r->h == -1 (too large);
 * feof(r->fp) then tells a truncated file from a corrupt one. */
static int decode(reader *r)
{
    if (setjmp(png_jmpbuf(r->png)))
        return -1;
    png_init_io(r->png, r->fp);
    png_set_sig_bytes(r->png, 8);
    png_set_user_limits(r->png, DAE_PNG_MAX_SIDE, DAE_PNG_MAX_SIDE);
    /* Ignore every chunk we do not need (text, ICC profiles, gamma): less
     * hostile input parsed, and no metadata can change the values. */
    png_set_keep_unknown_chunks(r->png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_read_info(r->png, r->info);
    png_uint_32 w = png_get_image_width(r->png, r->info);
    png_uint_32 h = png_get_image_height(r->png, r->info);
    if (!size_ok(h, w)) {
        r->h = -1;
        return -1;
    }
    r->h = (int)h;
    r->w = (int)w;
    int passes = png_set_interlace_handling(r->png);
    set_transforms(r);
    if (!(r->out = malloc((size_t)r->h * (size_t)r->w * sizeof *r->out)))
        png_error(r->png, "out of memory");
    read_pixels(r, passes);
    png_read_end(r->png, NULL);           /* checks the rest, up to IEND */
    return 0;
}

/* stat first: fopen would wait forever on a FIFO nobody writes to. */
static int open_regular(const char *path, FILE **fp, dae_error *err)
{
    struct stat st;
    *fp = NULL;
    if (stat(path, &st) != 0)
        return dae_fail(err, "cannot open %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dae_fail(err, "%s: not a regular file", path);
    *fp = fopen(path, "rb");
    if (!*fp)
        return dae_fail(err, "cannot open %s: %s", path, strerror(errno));
    return 0;
}

int dae_png_read_gray(const char *path, float **pixels, int *h, int *w, dae_error *err)
{
    if (pixels)
        *pixels = NULL;
    if (h)
        *h = 0;
    if (w)
        *w = 0;
    if (!path || !pixels || !h || !w)
        return dae_fail(err, "dae_png_read_gray: missing argument");
    reader r;
    memset(&r, 0, sizeof r);
    if (open_regular(path, &r.fp, err) < 0 || check_start(path, r.fp, err) < 0)
        goto fail;
    r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r.msg, on_error, on_warning);
    r.info = r.png ? png_create_info_struct(r.png) : NULL;
    if (!r.info) {
        dae_fail(err, "%s: cannot start libpng (out of memory?)", path);
        goto fail;
    }
    if (decode(&r) < 0) {
        if (r.h == -1)
            fail_size(err, path, png_get_image_height(r.png, r.info),
                      png_get_image_width(r.png, r.info));
        else if (feof(r.fp))
            dae_fail(err, "%s: truncated PNG: the file ends early", path);
        else
            dae_fail(err, "%s: corrupt PNG: %s", path, r.msg.text);
        goto fail;
    }
    *pixels = r.out;
    *h = r.h;
    *w = r.w;
    r.out = NULL;
fail:
    png_destroy_read_struct(r.png ? &r.png : NULL, r.info ? &r.info : NULL, NULL);
    free(r.rows);
    free(r.raw);
    free(r.out);
    if (r.fp)
        fclose(r.fp);
    return *pixels ? 0 : -1;
}

/* ---- writing ---- */

typedef struct writer {
    const unsigned char *gray;  /* h*w bytes */
    int h, w;
    png_msg *msg;               /* libpng's message, when encode fails */
} writer;

/* Called by dae_write_atomic with the temporary file. */
static int encode(FILE *f, const void *ctx)
{
    const writer *wr = ctx;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, wr->msg,
                                              on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        snprintf(wr->msg->text, sizeof wr->msg->text, "cannot start libpng");
        png_destroy_write_struct(png ? &png : NULL, NULL);
        return -1;
    }
    /* png and info are not changed after this point, so need no volatile. */
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)wr->w, (png_uint_32)wr->h, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < wr->h; y++)
        png_write_row(png, wr->gray + (size_t)y * (size_t)wr->w);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return ferror(f) ? -1 : 0;
}

static unsigned char to_byte(float v)
{
    if (!(v > 0))                 /* also NaN */
        return 0;
    if (v >= 1)
        return 255;
    return (unsigned char)((double)v * 255.0 + 0.5);
}

int dae_png_write_gray(const char *path, const float *pixels, int h, int w, dae_error *err)
{
    if (!path || !pixels)
        return dae_fail(err, "dae_png_write_gray: missing argument");
    if (h <= 0 || w <= 0 || !size_ok((unsigned long)h, (unsigned long)w))
        return dae_fail(err, "%s: cannot write a %dx%d image; sides must be 1 to %d "
                        "and at most %ld pixels in all", path, w, h, DAE_PNG_MAX_SIDE,
                        (long)DAE_PNG_MAX_PIXELS);
    size_t n = (size_t)h * (size_t)w;
    unsigned char *gray = malloc(n);
    if (!gray)
        return dae_fail(err, "%s: out of memory for a %dx%d image", path, w, h);
    for (size_t i = 0; i < n; i++)
        gray[i] = to_byte(pixels[i]);
    png_msg msg = {{0}};
    writer wr = {gray, h, w, &msg};
    int rc = dae_write_atomic(path, encode, &wr, err);
    if (rc < 0 && msg.text[0])
        dae_fail(err, "cannot write %s: libpng: %s", path, msg.text);
    free(gray);
    return rc;
}
