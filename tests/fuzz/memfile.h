/* memfile: the loaders under fuzzing take a path, so each input is written
 * to an in-memory file (memfd) and read back through /proc/self/fd/N, a
 * fresh open of that file. No disk, nothing left behind. */
#ifndef DAE_FUZZ_MEMFILE_H
#define DAE_FUZZ_MEMFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct memfile {
    int fd;
    char path[64];
} memfile;

/* Creates the file on first use; aborts if the system cannot. */
static void memfile_open(memfile *m, const char *name)
{
    if (m->path[0])
        return;
    m->fd = memfd_create(name, 0);
    if (m->fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", m->fd);
}

/* Replaces the file's contents with data[0..size). */
static void memfile_set(memfile *m, const void *data, size_t size)
{
    if (ftruncate(m->fd, 0) != 0 ||
        (size && pwrite(m->fd, data, size, 0) != (ssize_t)size)) {
        perror("memfile_set");
        abort();
    }
}

#endif
