/* fuzz_idx: the IDX image loader (runtime/idx.c) on the input as a file,
 * through both of zlib's paths: the bytes as they are (a plain file, or a
 * gzip stream when they start with its magic), then the same bytes
 * gzip-compressed. A plain file and its compressed copy must give the same
 * images, or the same error. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "fuzz.h"
#include "idx.h"
#include "memfile.h"

static memfile mf;

/* data as one gzip member into *out (malloc'd); its length, or 0. */
static size_t gzip_bytes(const uint8_t *data, size_t size, unsigned char **out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    *out = NULL;
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    size_t cap = deflateBound(&z, (uLong)size) + 32;
    unsigned char *buf = malloc(cap);
    size_t n = 0;
    if (buf) {
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)size;
        z.next_out = buf;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END)
            n = cap - z.avail_out;
    }
    deflateEnd(&z);
    if (!n) {
        free(buf);
        return 0;
    }
    *out = buf;
    return n;
}

/* Loads the memfile; checks what a success promises and touches every
 * pixel. Returns dae_idx_load's result with img and err filled. */
static int load(dae_images *img, dae_error *err)
{
    err->msg[0] = 0;
    int rc = dae_idx_load(mf.path, img, err);
    if (rc == 0) {
        if (img->n <= 0 || img->rows <= 0 || img->cols <= 0 || !img->pixels)
            abort();
        size_t n = (size_t)img->n * (size_t)img->rows * (size_t)img->cols;
        unsigned sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += img->pixels[i];
        if (sum == 0xdeadbeefu)          /* keeps the loop */
            fputs("", stderr);
    } else if (rc != -1 || !err->msg[0] || img->pixels) {
        abort();
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memfile_open(&mf, "fuzz_idx");
    memfile_set(&mf, data, size);
    dae_images plain;
    dae_error plain_err;
    int plain_rc = load(&plain, &plain_err);

    unsigned char *gz = NULL;
    size_t gz_len = gzip_bytes(data, size, &gz);
    if (gz_len) {
        memfile_set(&mf, gz, gz_len);
        dae_images packed;
        dae_error packed_err;
        int packed_rc = load(&packed, &packed_err);
        int is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
        if (!is_gzip) {
            /* The same file, compressed: the same outcome. */
            if (packed_rc != plain_rc || strcmp(packed_err.msg, plain_err.msg) != 0) {
                fprintf(stderr, "fuzz_idx: plain and gzip differ:\n  plain: %d %s\n"
                        "  gzip:  %d %s\n", plain_rc, plain_err.msg, packed_rc,
                        packed_err.msg);
                abort();
            }
            if (plain_rc == 0 &&
                (packed.n != plain.n || packed.rows != plain.rows ||
                 packed.cols != plain.cols ||
                 memcmp(packed.pixels, plain.pixels,
                        (size_t)plain.n * plain.rows * plain.cols) != 0))
                abort();
        }
        dae_images_free(&packed);
        free(gz);
    }
    dae_images_free(&plain);
    return 0;
}
