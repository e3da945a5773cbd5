/* Optimizer updates, in the operation order of Keras's update steps.
 *
 * The Makefile builds with the default -fmath-errno, under which neither
 * gcc 12 nor clang 14 vectorizes a loop calling sqrtf (the errno branch
 * is control flow): a scalar Adam step over 1.15M parameters took ~5 ms
 * against ~0.8 ms vectorized. So the two sqrt loops carry an AVX body. It
 * does the same IEEE operations in the same order, without FMA, so it
 * matches the scalar loop bit for bit. */
#include "optim.h"

#include <math.h>

/* Keras rounds after every operation; clang would otherwise fuse the scalar
 * loops' a*b+c (gcc does not contract in ISO C mode). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#ifdef __AVX__
#include <immintrin.h>
#endif

/* One Adam element; adam_avx must stay in step with it. */
static inline void adam_one(float *w, float g, float *m, float *v, float a,
                            float c1, float c2, float eps)
{
    float mi = *m + (g - *m) * c1;
    float vi = *v + (g * g - *v) * c2;

    *m = mi;
    *v = vi;
    *w -= (mi * a) / (sqrtf(vi) + eps);
}

/* One RMSprop element; rmsprop_avx must stay in step with it. */
static inline void rmsprop_one(float *w, float g, float *v, float lr,
                               float rho, float c, float eps)
{
    float vi = rho * *v + c * (g * g);

    *v = vi;
    *w -= (lr * g) / sqrtf(vi + eps);
}

#ifdef __AVX__
static size_t adam_avx(size_t n, float *w, const float *g, float *m, float *v,
                       float a, float c1, float c2, float eps)
{
    const __m256 va = _mm256_set1_ps(a), vc1 = _mm256_set1_ps(c1);
    const __m256 vc2 = _mm256_set1_ps(c2), veps = _mm256_set1_ps(eps);
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_loadu_ps(m + i);
        __m256 vi = _mm256_loadu_ps(v + i);
        __m256 g2 = _mm256_mul_ps(gi, gi);
        __m256 step;

        mi = _mm256_add_ps(mi, _mm256_mul_ps(_mm256_sub_ps(gi, mi), vc1));
        vi = _mm256_add_ps(vi, _mm256_mul_ps(_mm256_sub_ps(g2, vi), vc2));
        step = _mm256_div_ps(_mm256_mul_ps(mi, va),
                             _mm256_add_ps(_mm256_sqrt_ps(vi), veps));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
    }
    return i;
}

static size_t rmsprop_avx(size_t n, float *w, const float *g, float *v,
                          float lr, float rho, float c, float eps)
{
    const __m256 vlr = _mm256_set1_ps(lr), vrho = _mm256_set1_ps(rho);
    const __m256 vc = _mm256_set1_ps(c), veps = _mm256_set1_ps(eps);
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 vi = _mm256_loadu_ps(v + i);
        __m256 step;

        vi = _mm256_add_ps(_mm256_mul_ps(vrho, vi),
                           _mm256_mul_ps(vc, _mm256_mul_ps(gi, gi)));
        step = _mm256_div_ps(_mm256_mul_ps(vlr, gi),
                             _mm256_sqrt_ps(_mm256_add_ps(vi, veps)));
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
    }
    return i;
}
#endif

/* Keras's alpha_t = lr*sqrt(1-b2^t)/(1-b1^t), evaluated in double (from the
 * float hyperparameters) and rounded once. */
static float adam_alpha(float lr, float beta1, float beta2, long t)
{
    double b1t = pow((double)beta1, (double)t);
    double b2t = pow((double)beta2, (double)t);

    return (float)((double)lr * sqrt(1.0 - b2t) / (1.0 - b1t));
}

void dae_adam_step(size_t n, float *w, const float *g, float *m, float *v,
                   float lr, float beta1, float beta2, float eps, long t)
{
    float a = adam_alpha(lr, beta1, beta2, t);
    float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
    size_t i = 0;

#ifdef __AVX__
    i = adam_avx(n, w, g, m, v, a, c1, c2, eps);
#endif
    for (; i < n; i++)
        adam_one(w + i, g[i], m + i, v + i, a, c1, c2, eps);
}

void dae_sgd_step(size_t n, float *w, const float *g, float *vel, float lr,
                  float momentum, int nesterov)
{
    if (momentum == 0.0f || !vel) {
        for (size_t i = 0; i < n; i++)
            w[i] += -g[i] * lr;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float vi = -g[i] * lr + vel[i] * momentum;
        vel[i] = vi;
        w[i] += nesterov ? -g[i] * lr + vi * momentum : vi;
    }
}

void dae_rmsprop_step(size_t n, float *w, const float *g, float *v, float lr,
                      float rho, float eps)
{
    float c = 1.0f - rho;
    size_t i = 0;

#ifdef __AVX__
    i = rmsprop_avx(n, w, g, v, lr, rho, c, eps);
#endif
    for (; i < n; i++)
        rmsprop_one(w + i, g[i], v + i, lr, rho, c, eps);
}
