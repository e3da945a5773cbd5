/* Losses with Keras 'sum_over_batch_size' reduction: the mean over n
 * elements. Each element is computed in float as TF does; the sum is
 * accumulated in double so a 100k-element batch loses no precision. */
#include "loss.h"
#include "parallel.h"
#include "vmath.h"

#include <math.h>

/* Round after every operation as TF and gcc (ISO C mode) do; clang would
 * otherwise fuse a*b+c. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define KERAS_EPS 1e-7f

/* 1/n rounded once, so every gradient element is scaled identically. */
static float inv_count(size_t n)
{
    return (float)(1.0 / (double)n);
}

/* Per-element loss l[i] and, when dx is set, gradient for one chunk of at
 * most BCE_CHUNK: branch-free so it vectorises, exp(-|x|) computed once. */
#define BCE_CHUNK 512

static void bce_logits_chunk(size_t n, const float *x, const float *t,
                             float inv_n, float *l, float *dx)
{
    float e[BCE_CHUNK];

    for (size_t i = 0; i < n; i++) {
        e[i] = dae_exp_nonpos(-fabsf(x[i]));
        float pos = x[i] > 0.0f ? x[i] : 0.0f;
        l[i] = pos - x[i] * t[i] + dae_log1p_01(e[i]);
    }
    if (!dx)
        return;
    for (size_t i = 0; i < n; i++) {
        /* sigmoid(x) from the same e, stable at either sign */
        float s = (x[i] >= 0.0f ? 1.0f : e[i]) / (1.0f + e[i]);
        dx[i] = (s - t[i]) * inv_n;
    }
}

/* l[0..n) summed in double: SUM_LANES running sums (a vector's worth, where
 * one sum would wait on each add), then those in order. */
#define SUM_LANES 8

static double sum_in_double(size_t n, const float *l)
{
    double lane[SUM_LANES] = {0};
    size_t i = 0;

    for (; i + SUM_LANES <= n; i += SUM_LANES)
        for (int k = 0; k < SUM_LANES; k++)
            lane[k] += (double)l[i + k];
    for (; i < n; i++)
        lane[0] += (double)l[i];
    double sum = 0.0;
    for (int k = 0; k < SUM_LANES; k++)
        sum += lane[k];
    return sum;
}

/* The sum is taken over a fixed number of parts, each in double, then the
 * parts in order: the same value whichever thread computes which part. */
#define BCE_PARTS 16

typedef struct bce_job {
    size_t n;
    const float *x, *t;
    float *dx, inv_n;
    double part[BCE_PARTS];
} bce_job;

static void bce_parts(void *ctx, size_t first, size_t last)
{
    bce_job *j = ctx;
    float l[BCE_CHUNK];
    for (size_t p = first; p < last; p++) {
        size_t begin = j->n * p / BCE_PARTS, end = j->n * (p + 1) / BCE_PARTS;
        double sum = 0.0;
        for (size_t at = begin; at < end; at += BCE_CHUNK) {
            size_t m = end - at < BCE_CHUNK ? end - at : BCE_CHUNK;
            bce_logits_chunk(m, j->x + at, j->t + at, j->inv_n, l,
                             j->dx ? j->dx + at : NULL);
            sum += sum_in_double(m, l);
        }
        j->part[p] = sum;
    }
}

float dae_bce_logits(size_t n, const float *x, const float *t, float *dx)
{
    if (n == 0)
        return 0.0f;
    bce_job j = {n, x, t, dx, inv_count(n), {0}};
    /* split only when each part is worth a thread's wake-up */
    dae_parallel_for(BCE_PARTS, n >= 32768 ? 2 : BCE_PARTS + 1, bce_parts, &j);
    double sum = 0.0;
    for (int p = 0; p < BCE_PARTS; p++)
        sum += j.part[p];
    return (float)(sum / (double)n);
}

/* Keras 2 backend.binary_crossentropy on probabilities. The clip passes no
 * gradient where it changed p (tf.clip_by_value's gradient). */
static float bce_clipped(size_t n, const float *p, const float *t, float *dp)
{
    const float lo = KERAS_EPS, hi = 1.0f - KERAS_EPS;
    float inv_n = inv_count(n);
    double sum = 0.0;

    for (size_t i = 0; i < n; i++) {
        float pc = p[i] < lo ? lo : p[i] > hi ? hi : p[i];
        float a = pc + KERAS_EPS, b = 1.0f - pc + KERAS_EPS;
        sum -= (double)(t[i] * logf(a) + (1.0f - t[i]) * logf(b));
        if (dp) {
            int clipped = p[i] < lo || p[i] > hi;
            dp[i] = clipped ? 0.0f : ((1.0f - t[i]) / b - t[i] / a) * inv_n;
        }
    }
    return (float)(sum / (double)n);
}

static float mse(size_t n, const float *p, const float *t, float *dp)
{
    float inv_n = inv_count(n);
    double sum = 0.0;

    for (size_t i = 0; i < n; i++) {
        float d = p[i] - t[i];
        sum += (double)(d * d);
        if (dp)
            dp[i] = 2.0f * d * inv_n;
    }
    return (float)(sum / (double)n);
}

/* The gradient uses TF's sign: 0 where p == t. */
static float mae(size_t n, const float *p, const float *t, float *dp)
{
    float inv_n = inv_count(n);
    double sum = 0.0;

    for (size_t i = 0; i < n; i++) {
        float d = p[i] - t[i];
        sum += (double)fabsf(d);
        if (dp)
            dp[i] = (float)((d > 0.0f) - (d < 0.0f)) * inv_n;
    }
    return (float)(sum / (double)n);
}

float dae_loss_forward(dae_loss kind, size_t n, const float *p, const float *t,
                       float *dp)
{
    if (n == 0)
        return 0.0f;
    switch (kind) {
    case DAE_BCE: return bce_clipped(n, p, t, dp);
    case DAE_MSE: return mse(n, p, t, dp);
    case DAE_MAE: return mae(n, p, t, dp);
    }
    return NAN;
}

const char *dae_loss_name(dae_loss kind)
{
    switch (kind) {
    case DAE_BCE: return "binary_crossentropy";
    case DAE_MSE: return "mse";
    case DAE_MAE: return "mae";
    }
    return "unknown";
}
