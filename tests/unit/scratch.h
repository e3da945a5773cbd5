/* A unit test's scratch directory (each test makes its own and names it in
 * tmp_dir before use) and the paths in it. */
#ifndef DAE_TEST_SCRATCH_H
#define DAE_TEST_SCRATCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmp_dir[512];

/* tmp_dir/name; the last four results stay valid, so a check can
 * name a file and its temporary beside it. */
static inline const char *tmp_path(const char *name)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir, name);
    return buf[k];
}

static inline int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* tmp_dir = $B/tests/name (B: the build directory, default build), made
 * if missing; -1 with errno when it cannot be. */
static inline int tmp_dir_make(const char *name)
{
    const char *b = getenv("B");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/tests", b && *b ? b : "build");
    mkdir(tmp_dir, 0755);
    snprintf(tmp_dir, sizeof tmp_dir, "%s/tests/%s", b && *b ? b : "build", name);
    return mkdir(tmp_dir, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

#endif
