/* Branch-free float exp and log1p for the hot elementwise loops (sigmoid,
 * binary cross-entropy). glibc's expf/log1pf are scalar calls that keep
 * these loops from vectorising; these inline Cephes-style versions are
 * within 2 ulp of them and let gcc/clang use the vector units. */
#ifndef DAE_VMATH_H
#define DAE_VMATH_H

#include <stdint.h>
#include <string.h>

static inline float dae_bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t dae_float_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* exp(x) for x <= 0 (x = -|z| in every use); results below 2^-126 are
 * flushed to zero rather than going subnormal. */
static inline float dae_exp_nonpos(float x_)
{
    float x = x_ < -87.0f ? -87.0f : x_;
    float k = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - k * 0.693359375f;      /* ln 2 split in two parts */
    r = r - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t n = (int32_t)k;
    float y = p * dae_bits_to_float((uint32_t)(n + 127) << 23);
    return x_ < -87.0f ? 0.0f : y;
}

/* log(u) for u in [1, 2]. */
static inline float dae_log_1_2(float u)
{
    uint32_t bits = dae_float_to_bits(u);
    float e = (float)((int32_t)(bits >> 23) - 126);
    float m = dae_bits_to_float((bits & 0x007fffffu) | 0x3f000000u); /* [0.5,1) */
    int small = m < 0.707106781186547524f;
    e = small ? e - 1.0f : e;
    float x = small ? m + m - 1.0f : m - 1.0f;
    float z = x * x;
    float y = 7.0376836292e-2f;
    y = y * x - 1.1514610310e-1f;
    y = y * x + 1.1676998740e-1f;
    y = y * x - 1.2420140846e-1f;
    y = y * x + 1.4249322787e-1f;
    y = y * x - 1.6668057665e-1f;
    y = y * x + 2.0000714765e-1f;
    y = y * x - 2.4999993993e-1f;
    y = y * x + 3.3333331174e-1f;
    y = y * x * z;
    y = y + e * -2.12194440e-4f;
    y = y - 0.5f * z;
    return x + y + e * 0.693359375f;
}

/* log(1 + e) for e in [0, 1], accurate for tiny e too. */
static inline float dae_log1p_01(float e)
{
    float u = 1.0f + e;
    return dae_log_1_2(u) + (e - (u - 1.0f)) / u;
}

#endif
