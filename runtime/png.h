/* png.h: gray images in and out of PNG files, through libpng.
 *
 * The reader takes any PNG (gray, gray+alpha, RGB, RGBA, palette; 1 to 16
 * bits; interlaced or not) and returns one gray channel of floats in [0,1],
 * the form every model input here has. It never crashes on hostile input:
 * a bad file gives -1 and one line naming the file and the problem, and
 * libpng prints nothing. The writer replaces its target atomically. */
#ifndef DAE_PNG_H
#define DAE_PNG_H

#include "error.h"

#define DAE_PNG_MAX_SIDE 16384          /* pixels per side */
#define DAE_PNG_MAX_PIXELS (1L << 26)   /* pixels per image */

/* Reads PATH into *pixels (malloc'd, h*w floats, row-major, in [0,1]).
 * Color becomes gray as 0.299 R + 0.587 G + 0.114 B of the stored values
 * (ITU-R 601, what PIL's convert("L") does); alpha is composited over
 * black (MNIST's background); 16-bit samples keep full precision (v/65535).
 * Gamma and color-space chunks are ignored. On failure *pixels is NULL and
 * *h, *w are 0. */
int dae_png_read_gray(const char *path, float **pixels, int *h, int *w, dae_error *err);

/* Writes h x w gray values as an 8-bit gray PNG: each value clamped to
 * [0,1] (NaN as 0) and rounded to the nearest of 0..255. Atomic. */
int dae_png_write_gray(const char *path, const float *pixels, int h, int w, dae_error *err);

#endif
