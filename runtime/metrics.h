/* Image quality against the clean images, for `eval`: MSE, PSNR (data
 * range 1) and SSIM as scikit-image's structural_similarity computes it
 * by default (7x7 uniform window, K1 0.01, K2 0.03, sample covariance,
 * mean over the window positions that fit inside the image). */
#ifndef DAE_METRICS_H
#define DAE_METRICS_H

#include <stddef.h>

double dae_mse(const float *a, const float *b, size_t n);
/* 10 log10(1 / mse); infinite for identical images. */
double dae_psnr(double mse);
/* SSIM of two h x w single-channel images; needs h, w >= 7 (else 0). */
double dae_ssim(const float *x, const float *y, int h, int w);

#endif
