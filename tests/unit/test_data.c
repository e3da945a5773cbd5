/* IDX loading (plain and gzip, hostile headers), noise statistics and the
 * history file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "check.h"
#include "history.h"
#include "idx.h"
#include "noise.h"

static const char *dir;

static void put_be32(unsigned char *b, unsigned v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
}

/* An IDX image file of n images rows x cols, pixel i = i % 251, with
 * `extra` bytes more (negative: fewer) than the header promises. */
static const char *write_idx(const char *name, unsigned magic, unsigned n,
                             unsigned rows, unsigned cols, long extra, int gz)
{
    static char path[512];
    unsigned char h[16];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    put_be32(h, magic), put_be32(h + 4, n), put_be32(h + 8, rows), put_be32(h + 12, cols);
    long len = (long)n * rows * cols + extra;
    unsigned char *px = malloc(len > 0 ? (size_t)len : 1);
    for (long i = 0; i < len; i++)
        px[i] = (unsigned char)(i % 251);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, h, 16);
        if (len > 0)
            gzwrite(f, px, (unsigned)len);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(h, 1, 16, f);
        if (len > 0)
            fwrite(px, 1, (size_t)len, f);
        fclose(f);
    }
    free(px);
    return path;
}

static void expect_fail(const char *name, const char *path, const char *words)
{
    dae_images img;
    dae_error err;
    int rc = dae_idx_load(path, &img, &err);
    check_report(rc == -1 && strstr(err.msg, words) != NULL, name, "%s",
                 rc == -1 ? err.msg : "loaded");
}

static void idx_tests(void)
{
    dae_images img;
    dae_error err;
    for (int gz = 0; gz <= 1; gz++) {
        const char *p = write_idx(gz ? "ok.gz" : "ok", 0x803, 3, 5, 7, 0, gz);
        int rc = dae_idx_load(p, &img, &err);
        int ok = rc == 0 && img.n == 3 && img.rows == 5 && img.cols == 7
                 && img.pixels[0] == 0 && img.pixels[104] == 104 % 251;
        check_report(ok, gz ? "idx loads a gzip file" : "idx loads a plain file",
                     "%s", rc ? err.msg : "");
        if (rc == 0)
            dae_images_free(&img);
    }
    expect_fail("idx rejects a label file", write_idx("lab", 0x801, 3, 5, 7, 0, 0), "label file");
    expect_fail("idx rejects a wrong magic", write_idx("magic", 0x1234, 3, 5, 7, 0, 0), "magic 0x00001234");
    expect_fail("idx rejects a short file", write_idx("short", 0x803, 3, 5, 7, -10, 0), "truncated");
    expect_fail("idx rejects a short gzip file", write_idx("short.gz", 0x803, 3, 5, 7, -1, 1), "truncated");
    expect_fail("idx rejects trailing bytes", write_idx("long", 0x803, 3, 5, 7, 4, 0), "after the last image");
    expect_fail("idx rejects zero images", write_idx("zero", 0x803, 0, 5, 7, 0, 0), "implausible");
    expect_fail("idx rejects absurd sizes", write_idx("huge", 0x803, 0x7fffffff, 65535, 65535, -(long)0x7fffffff * 65535L * 65535L, 0), "implausible");
    expect_fail("idx names a missing file", "/nonexistent/x-idx3-ubyte", "/nonexistent/x-idx3-ubyte");
    char path[512];
    snprintf(path, sizeof path, "%s/tiny", dir);
    FILE *f = fopen(path, "wb");
    fputs("ab", f);
    fclose(f);
    expect_fail("idx rejects a 2-byte file", path, "not an IDX file");
}

static void noise_tests(void)
{
    enum { N = 200000 };
    unsigned char *clean = malloc(N);
    float *noisy = malloc(N * sizeof(float));
    dae_rng r;
    dae_train_config c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < N; i++)
        clean[i] = 128;
    double mean = 0, var = 0, x0 = 128.0 / 255.0;

    c.noise = DAE_NOISE_GAUSSIAN, c.sigma = 0.7f, c.mean = 0.1f, c.clip = 0;
    dae_rng_seed(&r, 1, 2);
    dae_noise_apply(&c, &r, N, clean, noisy);
    for (int i = 0; i < N; i++)
        mean += noisy[i] - x0;
    mean /= N;
    for (int i = 0; i < N; i++)
        var += (noisy[i] - x0 - mean) * (noisy[i] - x0 - mean);
    var /= N;
    check_report(fabs(mean - 0.1) < 0.01 && fabs(sqrt(var) - 0.7) < 0.01,
                 "gaussian noise has the spec's mean and sigma", "mean %.4f sd %.4f",
                 mean, sqrt(var));

    c.clip = 1, c.clip_lo = 0, c.clip_hi = 1;
    dae_noise_apply(&c, &r, N, clean, noisy);
    int inside = 1, at_lo = 0;
    for (int i = 0; i < N; i++) {
        inside &= noisy[i] >= 0.0f && noisy[i] <= 1.0f;
        at_lo += noisy[i] == 0.0f;
    }
    check_report(inside && fabs(at_lo / (double)N - 0.1957) < 0.01, "clip 0, 1 bounds the noisy inputs",
                 "%d of %d at 0", at_lo, N);

    c.noise = DAE_NOISE_SALT_PEPPER, c.amount = 0.2f;
    dae_noise_apply(&c, &r, N, clean, noisy);
    int salt = 0, pepper = 0;
    for (int i = 0; i < N; i++)
        salt += noisy[i] == 1.0f, pepper += noisy[i] == 0.0f;
    check_report(fabs((salt + pepper) / (double)N - 0.2) < 0.01 && abs(salt - pepper) < N / 50,
                 "salt_pepper corrupts the amount, half each way", "salt %d pepper %d", salt, pepper);

    c.noise = DAE_NOISE_MASKING, c.rate = 0.3f;
    dae_noise_apply(&c, &r, N, clean, noisy);
    int masked = 0, kept = 0;
    for (int i = 0; i < N; i++)
        masked += noisy[i] == 0.0f, kept += noisy[i] == (float)x0;
    check_report(fabs(masked / (double)N - 0.3) < 0.01 && masked + kept == N,
                 "masking zeroes the rate of pixels", "%d masked", masked);

    c.noise = DAE_NOISE_NONE;
    dae_noise_apply(&c, &r, N, clean, noisy);
    check_report(noisy[0] == 128.0f / 255.0f && noisy[N - 1] == noisy[0],
                 "noise none keeps the clean image", "%g", (double)noisy[0]);
    free(clean);
    free(noisy);
}

static void history_tests(void)
{
    dae_history h = {0};
    dae_error err;
    char path[512], line[256], all[1024] = "";
    snprintf(path, sizeof path, "%s/history.csv", dir);
    dae_history_add(&h, 0.123456789f, 0.25f, 1.5, &err);
    dae_history_add(&h, 0.1f, 0.2f, 2.25, &err);
    int rc = dae_history_write(&h, path, &err);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        strncat(all, line, sizeof all - strlen(all) - 1);
    if (f)
        fclose(f);
    const char *want = "epoch,loss,val_loss,seconds\n1,0.123456791,0.25,1.500\n"
                       "2,0.100000001,0.200000003,2.250\n";
    int same = rc == 0 && strcmp(all, want) == 0;
    for (char *c = all; *c; c++)
        *c = *c == '\n' ? '|' : *c;
    check_report(same, "history.csv rows with %.9g losses", "%s", all);
    dae_history_free(&h);
}

int main(void)
{
    char tmpl[] = "/tmp/daec-test-data-XXXXXX";
    dir = mkdtemp(tmpl);
    if (!dir)
        return 1;
    idx_tests();
    noise_tests();
    history_tests();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return check_failures != 0;
}
