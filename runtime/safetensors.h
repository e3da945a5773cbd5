/* safetensors.h: reading and writing weights in the safetensors format.
 *
 * A file is an 8-byte little-endian u64 N, then N bytes of JSON header
 *   {"__metadata__": {"key": "value", ...},
 *    "NAME": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [b, e]}, ...}
 * padded with spaces, then the raw little-endian tensor data; offsets are
 * bytes relative to the start of the data. Only F32 tensors are supported.
 *
 * The reader validates everything before anything is used (header size,
 * JSON, dtypes, shapes, offsets: in range, contiguous, not overlapping,
 * each exactly shape*4 bytes) and never crashes on hostile input; the
 * writer replaces its target atomically. */
#ifndef DAE_SAFETENSORS_H
#define DAE_SAFETENSORS_H

#include <stddef.h>
#include "error.h"

#define DAE_ST_MAX_RANK 8
#define DAE_ST_MAX_NAME 128                   /* including the NUL */
#define DAE_ST_MAX_HEADER (100u * 1024 * 1024) /* bytes of JSON header */

typedef struct dae_st_tensor {
    char name[DAE_ST_MAX_NAME];
    int rank;                        /* 0 is a scalar */
    long long shape[DAE_ST_MAX_RANK];
    size_t count;                    /* elements: product of shape */
    size_t offset;                   /* bytes into dae_st_file.data */
    size_t nbytes;                   /* count * 4 */
} dae_st_tensor;

typedef struct dae_st_meta {
    char *key, *value;
} dae_st_meta;

typedef struct dae_st_file {
    dae_st_tensor *tensors;          /* in data order */
    int n;
    dae_st_meta *meta;               /* the __metadata__ entries, file order */
    int n_meta;
    unsigned char *data;             /* the data section (malloc: aligned) */
    size_t data_len;
} dae_st_file;

/* One tensor to write: shape[0..rank) and count = product floats at data. */
typedef struct dae_st_entry {
    const char *name;
    int rank;
    long long shape[DAE_ST_MAX_RANK];
    const float *data;
} dae_st_entry;

/* Reads and validates PATH into *f. On failure returns -1 with a message
 * naming the file and what is wrong, and leaves *f empty (safe to free). */
int dae_st_read(const char *path, dae_st_file *f, dae_error *err);

/* The same from a memory image of a whole file (the data is copied);
 * label names the source in messages. */
int dae_st_parse(const void *buf, size_t len, const char *label,
                 dae_st_file *f, dae_error *err);

/* The tensor called name, or NULL. */
const dae_st_tensor *dae_st_find(const dae_st_file *f, const char *name);

/* A tensor's values (the data section is suitably aligned). */
const float *dae_st_floats(const dae_st_file *f, const dae_st_tensor *t);

/* Looks name up and checks it has exactly the given shape; on success sets
 * *data to its values. Messages say what is missing or both shapes. */
int dae_st_expect(const dae_st_file *f, const char *name, int rank,
                  const int *shape, const float **data, dae_error *err);

/* The value of a __metadata__ key, or NULL. */
const char *dae_st_meta_get(const dae_st_file *f, const char *key);

/* Releases everything and empties *f; safe on an empty or failed file. */
void dae_st_free(dae_st_file *f);

/* Writes n tensors (in the given order) and the metadata meta_kv = {key,
 * value, key, value, ..., NULL} (may be NULL) to PATH atomically: PATH.tmp
 * is written, flushed, fsynced and renamed over PATH. Names must be unique,
 * non-empty, shorter than DAE_ST_MAX_NAME and not "__metadata__". */
int dae_st_write(const char *path, const dae_st_entry *entries, int n,
                 const char *const *meta_kv, dae_error *err);

#endif
