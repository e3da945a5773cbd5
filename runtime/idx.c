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

int dae_idx_load(const char *path, dae_images *img, dae_error *err)
{
    unsigned char h[16];
    memset(img, 0, sizeof *img);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return dae_fail(err, "%s: %s", path, errno ? strerror(errno) : "cannot open");
    int got = gzread(f, h, sizeof h);
    if (check_header(path, h, got, err) != 0) {
        gzclose(f);
        return -1;
    }
    img->n = (int)be32(h + 4);
    img->rows = (int)be32(h + 8);
    img->cols = (int)be32(h + 12);
    size_t want = (size_t)img->n * (size_t)img->rows * (size_t)img->cols;
    img->pixels = malloc(want);
    if (!img->pixels) {
        gzclose(f);
        return dae_fail(err, "%s: out of memory for %zu bytes", path, want);
    }
    size_t have = 0;
    while (have < want) {
        unsigned chunk = want - have > (1u << 30) ? 1u << 30 : (unsigned)(want - have);
        int r = gzread(f, img->pixels + have, chunk);
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    unsigned char extra;
    int trailing = have == want && gzread(f, &extra, 1) > 0;
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
