/* IDX image files (the MNIST format), plain or gzip-compressed. */
#ifndef DAE_IDX_H
#define DAE_IDX_H

#include "error.h"

typedef struct dae_images {
    int n, rows, cols;
    unsigned char *pixels;   /* n * rows * cols bytes, row-major */
} dae_images;

/* Loads an idx3-ubyte image file, checking magic, dimensions and length. */
int dae_idx_load(const char *path, dae_images *img, dae_error *err);
void dae_images_free(dae_images *img);

#endif
