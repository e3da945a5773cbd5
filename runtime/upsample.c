/* Nearest-neighbour upsampling on NHWC tensors: y[n,i,j,c] =
 * x[n, i/FH, j/FW, c]. Each output row is built once and copied FH-1
 * times; the backward pass sums the FH x FW copies of each pixel. */
#include "conv.h"

#include <string.h>

void dae_upsample_forward(int H, int W, int C, int FH, int FW, int B,
                          const float *x, float *y)
{
    const size_t px = (size_t)C * sizeof *y;
    const size_t yrow = (size_t)W * (size_t)FW * (size_t)C;

    for (long r = 0; r < (long)B * H; r++, x += (size_t)W * (size_t)C) {
        float *first = y;
        for (int j = 0; j < W; j++)
            for (int b = 0; b < FW; b++, y += C)
                memcpy(y, x + (size_t)j * (size_t)C, px);
        for (int a = 1; a < FH; a++, y += yrow)
            memcpy(y, first, yrow * sizeof *y);
    }
}

/* dxrow[j, c] += sum over b of dyrow[j*FW + b, c]. */
static void sum_row(int W, int C, int FW, const float *restrict dyrow,
                    float *restrict dxrow)
{
    for (int j = 0; j < W; j++, dxrow += C)
        for (int b = 0; b < FW; b++, dyrow += C)
            for (int c = 0; c < C; c++)
                dxrow[c] += dyrow[c];
}

void dae_upsample_backward(int H, int W, int C, int FH, int FW, int B,
                           const float *dy, float *dx)
{
    const size_t xrow = (size_t)W * (size_t)C;
    const size_t yrow = xrow * (size_t)FW;

    for (long r = 0; r < (long)B * H; r++, dx += xrow) {
        memset(dx, 0, xrow * sizeof *dx);
        for (int a = 0; a < FH; a++, dy += yrow)
            sum_row(W, C, FW, dy, dx);
    }
}
