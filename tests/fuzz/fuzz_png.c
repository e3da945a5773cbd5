/* fuzz_png: the PNG reader (runtime/png.c, dae_png_read_gray) on the input
 * as a file. Mutated chunks nearly always fail their CRC and stop libpng
 * early, so each input runs twice: as it is, and with every complete
 * chunk's CRC made right, which lets the mutations reach the decoder. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "fuzz.h"
#include "memfile.h"
#include "png.h"

static memfile mf;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Rewrites the CRC of every chunk that lies wholly in buf. */
static void fix_crcs(unsigned char *buf, size_t size)
{
    size_t pos = 8;                        /* after the signature */
    while (pos + 12 <= size) {
        size_t len = be32(buf + pos);
        if (len > size - pos - 12)
            break;
        uint32_t crc = (uint32_t)crc32(0L, buf + pos + 4, (uInt)(len + 4));
        unsigned char *c = buf + pos + 8 + len;
        c[0] = (unsigned char)(crc >> 24);
        c[1] = (unsigned char)(crc >> 16);
        c[2] = (unsigned char)(crc >> 8);
        c[3] = (unsigned char)crc;
        pos += len + 12;
    }
}

/* Reads the memfile and checks what the result promises. */
static void read_check(void)
{
    float *px = (float *)1;
    int h = -1, w = -1;
    dae_error err;
    err.msg[0] = 0;
    if (dae_png_read_gray(mf.path, &px, &h, &w, &err) == 0) {
        if (!px || h <= 0 || w <= 0 || h > DAE_PNG_MAX_SIDE || w > DAE_PNG_MAX_SIDE ||
            (long)h * w > DAE_PNG_MAX_PIXELS)
            abort();
        for (size_t i = 0; i < (size_t)h * (size_t)w; i++)
            if (!(px[i] >= 0 && px[i] <= 1))
                abort();
    } else if (px || h || w || !err.msg[0]) {
        abort();
    }
    free(px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memfile_open(&mf, "fuzz_png");
    memfile_set(&mf, data, size);
    read_check();
    unsigned char *fixed = malloc(size ? size : 1);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    fix_crcs(fixed, size);
    if (memcmp(fixed, data, size) != 0) {
        memfile_set(&mf, fixed, size);
        read_check();
    }
    free(fixed);
    return 0;
}
