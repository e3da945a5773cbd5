/* IDX reading through zlib, which also reads uncompressed files as is. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "idx.h"

#define IDX_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_LABELS 0x00000801u
#define MAX_PIXELS (1u << 24)
#define MAX_IMAGES (1u << 26)
#define FIRST_ALLOC ((size_t)64 << 20) /* bytes: all of MNIST's training set */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int check_header(const char *path, const unsigned char *h, int got,
                        dae_error *err)
{
    if (got < 4)
        return dae_fail(err, "%s: not an IDX file (only %d bytes)", path, got);
    uint32_t magic = be32(h);
    if (magic == IDX_LABELS)
        return dae_fail(err, "%s: is an IDX label file, not images", path);
    if (magic != IDX_IMAGES)
        return dae_fail(err, "%s: not an IDX image file (magic 0x%08x, "
                        "expected 0x%08x)", path, magic, IDX_IMAGES);
    if (got < 16)
        return dae_fail(err, "%s: truncated IDX header", path);
    uint32_t n = be32(h + 4), rows = be32(h + 8), cols = be32(h + 12);
    if (n == 0 || rows == 0 || cols == 0 || n > MAX_IMAGES || rows > 65536
        || cols > 65536 || (uint64_t)rows * cols > MAX_PIXELS)
        return dae_fail(err, "%s: implausible IDX dimensions %ux%ux%u", path,
                        n, rows, cols);
    return 0;
}

/* gzread into buf; the count, or -1 with the reason: the system's for a
 * failed read, zlib's for a damaged compressed stream (bad data, bad CRC). */
static int read_some(gzFile f, const char *path, void *buf, unsigned len,
                     dae_error *err)
{
    int got = gzread(f, buf, len);
    if (got >= 0)
        return got;
    int saved = errno, code;
    const char *why = gzerror(f, &code);
    size_t n = strlen(path);
    if (code == Z_ERRNO)
        return dae_fail(err, "%s: cannot read: %s", path, strerror(saved));
    if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
        why += n + 2;           /* zlib puts the path first: say it once */
    return dae_fail(err, "%s: corrupt compressed data (zlib: %s)", path, why);
}

/* Reads the want pixel bytes the header promises into img->pixels, which
 * grows with the data actually read: a header that claims more images
 * than the file holds costs no more memory than the file. *have is the
 * count read; -1 only for a read error or no memory. */
static int read_pixels(gzFile f, const char *path, dae_images *img, size_t want,
                       size_t *have, dae_error *err)
{
    size_t cap = 0;
    *have = 0;
    while (*have < want) {
        if (*have == cap) {
            size_t more = cap == 0 ? FIRST_ALLOC : 2 * cap;
            more = more < want ? more : want;
            unsigned char *p = realloc(img->pixels, more);
            if (!p)
                return dae_fail(err, "%s: out of memory for %zu bytes", path, more);
            img->pixels = p;
            cap = more;
        }
        unsigned chunk = cap - *have > (1u << 30) ? 1u << 30 : (unsigned)(cap - *have);
        int r = read_some(f, path, img->pixels + *have, chunk, err);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *have += (size_t)r;
    }
    return 0;
}

int dae_idx_load(const char *path, dae_images *img, dae_error *err)
{
    unsigned char h[16];
    memset(img, 0, sizeof *img);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return dae_fail(err, "%s: %s", path, errno ? strerror(errno) : "cannot open");
    int got = read_some(f, path, h, sizeof h, err);
    if (got < 0 || check_header(path, h, got, err) != 0) {
        gzclose(f);
        return -1;
    }
    img->n = (int)be32(h + 4);
    img->rows = (int)be32(h + 8);
    img->cols = (int)be32(h + 12);
    size_t want = (size_t)img->n * (size_t)img->rows * (size_t)img->cols, have;
    unsigned char extra;
    int trailing = 0;
    if (read_pixels(f, path, img, want, &have, err) != 0
        || (have == want && (trailing = read_some(f, path, &extra, 1, err)) < 0)) {
        gzclose(f);
        dae_images_free(img);
        return -1;
    }
    int bad_stream = gzclose(f) != Z_OK && have == want;
    if (have != want || trailing || bad_stream) {
        dae_images_free(img);
        if (have != want)
            return dae_fail(err, "%s: truncated: header promises %zu pixel bytes, "
                            "file has %zu", path, want, have);
        return dae_fail(err, "%s: %s", path, trailing ? "has bytes after the "
                        "last image" : "corrupt compressed data");
    }
    return 0;
}

void dae_images_free(dae_images *img)
{
    free(img->pixels);
    img->pixels = NULL;
}
