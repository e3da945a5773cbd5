/* The batch groups of the conv kernels (groups.c): sizes, the workspace
 * bound over smaller batches, every sample in exactly one group, and the
 * ordered sum of parts. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "groups.h"
#include "parallel.h"

static void check_make(size_t per, int B, int size, int count)
{
    char name[96];
    dae_groups g = dae_groups_make(per, B);

    snprintf(name, sizeof name, "groups_of_%d_samples_at_%zu_floats", B, per);
    check_report(g.size == size && g.count == count && g.B == (B > 0 ? B : 0),
                 name, "size %d count %d (expected %d, %d)", g.size, g.count,
                 size, count);
}

/* Every batch up to B fits what the workspace functions promise. */
static void check_bounds(size_t per, int B)
{
    char name[96];
    size_t scratch = dae_groups_scratch(per, B);
    int most = dae_groups_max_count(per, B), bad = 0;

    for (int b = 1; b <= B; b++) {
        dae_groups g = dae_groups_make(per, b);
        if ((size_t)g.size * per > scratch || g.count > most ||
            (g.count - 1) * g.size >= b || g.count * g.size < b)
            bad = b;
    }
    snprintf(name, sizeof name, "groups_bounds_up_to_%d_at_%zu_floats", B, per);
    check_report(bad == 0, name, "scratch %zu, groups %d; first bad batch %d",
                 scratch, most, bad);
}

/* Each group sees its own samples once, and its own scratch. */
typedef struct visit {
    int *seen;
    int *index_of;
    float *work;
    size_t per;
    int bad;
} visit;

static void mark(void *ctx, int index, int n0, int n, float *scratch)
{
    visit *v = ctx;
    for (int i = n0; i < n0 + n; i++) {
        __atomic_add_fetch(&v->seen[i], 1, __ATOMIC_RELAXED);
        v->index_of[i] = index;
    }
    /* the thread's scratch: inside work, and all of it writable */
    if (scratch < v->work)
        v->bad = 1;
    memset(scratch, 0, (size_t)n * v->per * sizeof *scratch);
}

static void check_run(size_t per, int B)
{
    char name[96];
    dae_groups g = dae_groups_make(per, B);
    visit v = {calloc((size_t)B, sizeof(int)), calloc((size_t)B, sizeof(int)),
               malloc((size_t)dae_parallel_threads() * dae_groups_scratch(per, B) *
                      sizeof(float)),
               per, 0};
    int ok = !v.bad;

    dae_groups_run(&g, per, v.work, mark, &v);
    for (int i = 0; i < B; i++)
        ok &= v.seen[i] == 1 && v.index_of[i] == i / g.size;
    snprintf(name, sizeof name, "groups_run_each_sample_once_B%d", B);
    check_report(ok && !v.bad, name, "%d groups of %d", g.count, g.size);
    free(v.seen);
    free(v.index_of);
    free(v.work);
}

/* 3 parts of 5 floats, stride 7: the sum in part order. */
static void check_sum(void)
{
    float parts[21], out[5];
    int ok = 1;

    for (int p = 0; p < 3; p++)
        for (int i = 0; i < 7; i++)
            parts[p * 7 + i] = i < 5 ? (float)((p + 1) * 10 + i) : 1e30f;
    dae_groups_sum(parts, 3, 7, 5, out);
    for (int i = 0; i < 5; i++)
        ok &= out[i] == (float)(60 + 3 * i);
    dae_groups_sum(parts, 0, 7, 5, out);
    for (int i = 0; i < 5; i++)
        ok &= out[i] == 0.0f;
    check_report(ok, "groups_sum_in_order", "out[4] %g", (double)out[4]);
}

int main(void)
{
    /* the article's shapes at B = 128: conv2d_transpose 14 -> 28 has
     * 112896 column floats a sample, its 7 -> 14 one 28224 */
    check_make(112896, 128, 4, 32);
    check_make(28224, 128, 16, 8);
    check_make(28224, 96, 12, 8);
    check_make(112896, 16, 2, 8);
    check_make(100, 5, 1, 5);
    check_make(100, 0, 1, 0);
    check_make((size_t)4 << 20, 10, 1, 10); /* one sample above the cap */
    dae_groups_set_cap(300);
    check_make(100, 128, 3, 43);           /* k = 6: 48 at most, 43 needed */
    check_make(100, 20, 3, 7);
    dae_groups_set_cap(0);
    check_bounds(112896, 128);
    check_bounds(70000, 300);
    dae_groups_set_cap(1000);
    check_bounds(100, 500);
    check_run(100, 37);
    dae_groups_set_cap(0);
    check_run(50, 128);
    check_sum();
    return check_failures != 0;
}
