#include <math.h>
#include "metrics.h"

double dae_mse(const float *a, const float *b, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        sum += d * d;
    }
    return n ? sum / (double)n : 0.0;
}

double dae_psnr(double mse)
{
    return mse > 0 ? 10.0 * log10(1.0 / mse) : INFINITY;
}

/* SSIM of the 7x7 window centred at (i, j). */
static double window_ssim(const float *x, const float *y, int w, int i, int j)
{
    const double n = 49, c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int di = -3; di <= 3; di++) {
        for (int dj = -3; dj <= 3; dj++) {
            double a = x[(i + di) * w + j + dj], b = y[(i + di) * w + j + dj];
            sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b;
        }
    }
    double ux = sx / n, uy = sy / n, norm = n / (n - 1);
    double vx = norm * (sxx / n - ux * ux), vy = norm * (syy / n - uy * uy);
    double vxy = norm * (sxy / n - ux * uy);
    return ((2 * ux * uy + c1) * (2 * vxy + c2))
           / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
}

double dae_ssim(const float *x, const float *y, int h, int w)
{
    if (h < 7 || w < 7)
        return 0.0;
    double sum = 0;
    for (int i = 3; i < h - 3; i++)
        for (int j = 3; j < w - 3; j++)
            sum += window_ssim(x, y, w, i, j);
    return sum / ((double)(h - 6) * (double)(w - 6));
}
