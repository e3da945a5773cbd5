/* safetensors.c: the safetensors reader and writer (see safetensors.h).
 * The header JSON is parsed and printed by cJSON. */
#include "safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c assumes a little-endian host (the data is little-endian)"
#endif

#define MAX_EXACT 9007199254740992.0 /* 2^53: larger JSON numbers are inexact */

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* "[784, 500]" into buf. */
static const char *fmt_shape(char *buf, size_t size, int rank, const long long *shape)
{
    size_t k = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < rank && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? ", " : "", shape[i]);
    if (k < size)
        snprintf(buf + k, size - k, "]");
    return buf;
}

/* A JSON number that is an exact non-negative integer. */
static int json_index(const cJSON *v, unsigned long long *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= MAX_EXACT))
        return -1;
    unsigned long long u = (unsigned long long)d;
    if ((double)u != d)
        return -1;
    *out = u;
    return 0;
}

/* elements = product of shape, or -1 when that overflows size_t/4. */
static int shape_count(int rank, const long long *shape, size_t *count)
{
    size_t c = 1;
    for (int i = 0; i < rank; i++) {
        size_t d = (size_t)shape[i];
        if (d != 0 && c > (SIZE_MAX / 4) / d)
            return -1;
        c *= d;
    }
    *count = c;
    return 0;
}

void dae_st_free(dae_st_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->meta);
    free(f->tensors);
    free(f->data);
    memset(f, 0, sizeof *f);
}

static int cmp_name_ptr(const void *a, const void *b)
{
    const dae_st_tensor *x = *(const dae_st_tensor *const *)a;
    const dae_st_tensor *y = *(const dae_st_tensor *const *)b;
    return strcmp(x->name, y->name);
}

static int cmp_offset(const void *a, const void *b)
{
    const dae_st_tensor *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->nbytes != y->nbytes)
        return x->nbytes < y->nbytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_meta_ptr(const void *a, const void *b)
{
    const dae_st_meta *x = *(const dae_st_meta *const *)a;
    const dae_st_meta *y = *(const dae_st_meta *const *)b;
    return strcmp(x->key, y->key);
}

static int parse_metadata(const char *label, const cJSON *obj, dae_st_file *f,
                          dae_error *err)
{
    if (!cJSON_IsObject(obj))
        return dae_fail(err, "%s: \"__metadata__\" is not a JSON object", label);
    int n = cJSON_GetArraySize(obj);
    f->meta = calloc((size_t)n + 1, sizeof *f->meta);
    if (!f->meta)
        return dae_fail(err, "%s: out of memory reading the metadata", label);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, obj) {
        if (!kv->string || !cJSON_IsString(kv) || !kv->valuestring)
            return dae_fail(err, "%s: metadata value for \"%.100s\" is not a string",
                            label, kv->string ? kv->string : "?");
        dae_st_meta *m = &f->meta[f->n_meta];
        m->key = strdup(kv->string);
        m->value = strdup(kv->valuestring);
        f->n_meta++;
        if (!m->key || !m->value)
            return dae_fail(err, "%s: out of memory reading the metadata", label);
    }
    if (f->n_meta < 2)
        return 0;
    /* Keys are unique (sorted, so a hostile header cannot make this slow). */
    const dae_st_meta **bykey = malloc((size_t)f->n_meta * sizeof *bykey);
    if (!bykey)
        return dae_fail(err, "%s: out of memory reading the metadata", label);
    for (int i = 0; i < f->n_meta; i++)
        bykey[i] = &f->meta[i];
    qsort(bykey, (size_t)f->n_meta, sizeof *bykey, cmp_meta_ptr);
    int rc = 0;
    for (int i = 1; i < f->n_meta && rc == 0; i++)
        if (strcmp(bykey[i - 1]->key, bykey[i]->key) == 0)
            rc = dae_fail(err, "%s: metadata key \"%.100s\" appears twice", label,
                          bykey[i]->key);
    free(bykey);
    return rc;
}

static int parse_tensor(const char *label, const cJSON *e, dae_st_tensor *t,
                        dae_error *err)
{
    const char *name = e->string;
    size_t len = strlen(name);
    if (len == 0)
        return dae_fail(err, "%s: a tensor has an empty name", label);
    if (len >= DAE_ST_MAX_NAME)
        return dae_fail(err, "%s: tensor name \"%.60s...\" is longer than %d bytes",
                        label, name, DAE_ST_MAX_NAME - 1);
    memcpy(t->name, name, len + 1);
    if (!cJSON_IsObject(e))
        return dae_fail(err, "%s: tensor '%s' is not a JSON object", label, name);

    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    if (!cJSON_IsString(dtype) || !dtype->valuestring)
        return dae_fail(err, "%s: tensor '%s' has no string \"dtype\"", label, name);
    if (strcmp(dtype->valuestring, "F32") != 0)
        return dae_fail(err, "%s: tensor '%s' has dtype %.40s; only F32 is supported",
                        label, name, dtype->valuestring);

    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    if (!cJSON_IsArray(shape))
        return dae_fail(err, "%s: tensor '%s' has no \"shape\" array", label, name);
    int rank = cJSON_GetArraySize(shape);
    if (rank > DAE_ST_MAX_RANK)
        return dae_fail(err, "%s: tensor '%s' has rank %d; at most %d is supported",
                        label, name, rank, DAE_ST_MAX_RANK);
    t->rank = rank;
    int i = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, shape) {
        unsigned long long u;
        if (json_index(d, &u) < 0)
            return dae_fail(err, "%s: tensor '%s': shape entry %d is not a "
                            "non-negative integer", label, name, i);
        t->shape[i++] = (long long)u;
    }
    char sbuf[200];
    if (shape_count(rank, t->shape, &t->count) < 0)
        return dae_fail(err, "%s: tensor '%s' has an impossibly large shape %s",
                        label, name, fmt_shape(sbuf, sizeof sbuf, rank, t->shape));
    t->nbytes = t->count * 4;

    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    unsigned long long b, en;
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 ||
        json_index(cJSON_GetArrayItem(offs, 0), &b) < 0 ||
        json_index(cJSON_GetArrayItem(offs, 1), &en) < 0)
        return dae_fail(err, "%s: tensor '%s' needs \"data_offsets\": [begin, end] "
                        "with non-negative integers", label, name);
    if (en < b)
        return dae_fail(err, "%s: tensor '%s' has data_offsets [%llu, %llu] that end "
                        "before they begin", label, name, b, en);
    if (en - b != (unsigned long long)t->nbytes)
        return dae_fail(err, "%s: tensor '%s' has shape %s (%zu bytes of F32) but "
                        "data_offsets [%llu, %llu] span %llu bytes", label, name,
                        fmt_shape(sbuf, sizeof sbuf, rank, t->shape), t->nbytes,
                        b, en, en - b);
    t->offset = (size_t)b;
    return 0;
}

/* Parses and validates the header hdr[0..hlen) (with hdr[hlen] == 0, a
 * guard for the JSON parser) against a data section of data_len bytes;
 * fills f->tensors and f->meta. */
static int parse_header(const char *label, const char *hdr, size_t hlen,
                        size_t data_len, dae_st_file *f, dae_error *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(hdr, hlen, &end, 0);
    if (!root) {
        size_t pos = end && end >= hdr && end <= hdr + hlen ? (size_t)(end - hdr) : 0;
        return dae_fail(err, "%s: the header is not valid JSON (error near byte %zu "
                        "of %zu)", label, pos, hlen);
    }
    int rc = -1;
    for (const char *p = end; p < hdr + hlen; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            dae_fail(err, "%s: unexpected bytes after the header JSON (byte %zu of %zu)",
                     label, (size_t)(p - hdr), hlen);
            goto out;
        }
    if (!cJSON_IsObject(root)) {
        dae_fail(err, "%s: the header is not a JSON object", label);
        goto out;
    }

    int n = cJSON_GetArraySize(root);
    f->tensors = calloc((size_t)n + 1, sizeof *f->tensors);
    if (!f->tensors) {
        dae_fail(err, "%s: out of memory reading a header of %d entries", label, n);
        goto out;
    }
    int seen_meta = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!e->string) {
            dae_fail(err, "%s: malformed header entry", label);
            goto out;
        }
        if (strcmp(e->string, "__metadata__") == 0) {
            if (seen_meta++) {
                dae_fail(err, "%s: \"__metadata__\" appears twice", label);
                goto out;
            }
            if (parse_metadata(label, e, f, err) < 0)
                goto out;
            continue;
        }
        if (parse_tensor(label, e, &f->tensors[f->n], err) < 0)
            goto out;
        f->n++;
    }

    /* Names are unique. */
    if (f->n > 1) {
        const dae_st_tensor **byname = malloc((size_t)f->n * sizeof *byname);
        if (!byname) {
            dae_fail(err, "%s: out of memory", label);
            goto out;
        }
        for (int i = 0; i < f->n; i++)
            byname[i] = &f->tensors[i];
        qsort(byname, (size_t)f->n, sizeof *byname, cmp_name_ptr);
        for (int i = 1; i < f->n; i++)
            if (strcmp(byname[i - 1]->name, byname[i]->name) == 0) {
                dae_fail(err, "%s: tensor '%s' appears twice in the header", label,
                         byname[i]->name);
                free(byname);
                goto out;
            }
        free(byname);
    }

    /* Offsets: in range, then contiguous from 0 to the end of the data. */
    qsort(f->tensors, (size_t)f->n, sizeof *f->tensors, cmp_offset);
    if (f->n > 0) {
        const dae_st_tensor *last = NULL;
        for (int i = 0; i < f->n; i++)
            if (!last || f->tensors[i].offset + f->tensors[i].nbytes >
                             last->offset + last->nbytes)
                last = &f->tensors[i];
        size_t last_end = last->offset + last->nbytes;
        if (last_end > data_len) {
            dae_fail(err, "%s: truncated: tensor '%s' ends at data byte %zu but the "
                     "file holds only %zu bytes of data", label, last->name,
                     last_end, data_len);
            goto out;
        }
    }
    size_t pos = 0;
    for (int i = 0; i < f->n; i++) {
        const dae_st_tensor *t = &f->tensors[i];
        if (t->offset < pos) {
            dae_fail(err, "%s: tensor '%s' (data_offsets [%zu, %zu]) overlaps tensor "
                     "'%s' (data_offsets [%zu, %zu])", label, t->name, t->offset,
                     t->offset + t->nbytes, f->tensors[i - 1].name,
                     f->tensors[i - 1].offset,
                     f->tensors[i - 1].offset + f->tensors[i - 1].nbytes);
            goto out;
        }
        if (t->offset > pos) {
            dae_fail(err, "%s: tensor '%s' starts at data byte %zu but the data before "
                     "it ends at %zu (tensor data must be contiguous)", label,
                     t->name, t->offset, pos);
            goto out;
        }
        pos = t->offset + t->nbytes;
    }
    if (pos != data_len) {
        dae_fail(err, "%s: %zu bytes of data after the last tensor (the header "
                 "accounts for %zu of %zu)", label, data_len - pos, pos, data_len);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

/* Checks the 8-byte length against the sizes; returns the header length. */
static int check_lengths(const char *label, const unsigned char *first8, size_t size,
                         size_t *hlen, dae_error *err)
{
    if (size == 0)
        return dae_fail(err, "%s: empty file (not a safetensors file)", label);
    if (size < 8)
        return dae_fail(err, "%s: only %zu bytes, too short for a safetensors file",
                        label, size);
    uint64_t n = get_le64(first8);
    if (n > DAE_ST_MAX_HEADER)
        return dae_fail(err, "%s: absurd header length %llu (more than %u bytes); "
                        "not a safetensors file?", label, (unsigned long long)n,
                        DAE_ST_MAX_HEADER);
    if (n > size - 8)
        return dae_fail(err, "%s: header length %llu exceeds the %zu bytes that "
                        "follow it (truncated, or not a safetensors file)", label,
                        (unsigned long long)n, size - 8);
    if (n == 0)
        return dae_fail(err, "%s: the header is empty", label);
    *hlen = (size_t)n;
    return 0;
}

int dae_st_parse(const void *buf, size_t len, const char *label, dae_st_file *f,
                 dae_error *err)
{
    memset(f, 0, sizeof *f);
    if (!label)
        label = "safetensors";
    const unsigned char *p = buf;
    size_t hlen;
    if (check_lengths(label, p, buf ? len : 0, &hlen, err) < 0)
        return -1;
    size_t data_len = len - 8 - hlen;
    char *hdr = malloc(hlen + 1);
    if (!hdr)
        return dae_fail(err, "%s: out of memory for a %zu-byte header", label, hlen);
    memcpy(hdr, p + 8, hlen);
    hdr[hlen] = 0;
    int rc = parse_header(label, hdr, hlen, data_len, f, err);
    free(hdr);
    if (rc < 0)
        goto fail;
    f->data = malloc(data_len ? data_len : 1);
    if (!f->data) {
        dae_fail(err, "%s: out of memory for %zu bytes of data", label, data_len);
        goto fail;
    }
    if (data_len)
        memcpy(f->data, p + 8 + hlen, data_len);
    f->data_len = data_len;
    return 0;
fail:
    dae_st_free(f);
    return -1;
}

int dae_st_read(const char *path, dae_st_file *f, dae_error *err)
{
    memset(f, 0, sizeof *f);
    if (!path)
        return dae_fail(err, "dae_st_read: no path");
    char *hdr = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return dae_fail(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0) {
        dae_fail(err, "%s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        dae_fail(err, "%s: not a regular file", path);
        goto fail;
    }
    size_t size = (size_t)st.st_size;
    unsigned char first8[8] = {0};
    if (size >= 8 && fread(first8, 1, 8, fp) != 8) {
        dae_fail(err, "%s: read error or file shrank", path);
        goto fail;
    }
    size_t hlen;
    if (check_lengths(path, first8, size, &hlen, err) < 0)
        goto fail;
    hdr = malloc(hlen + 1);
    if (!hdr) {
        dae_fail(err, "%s: out of memory for a %zu-byte header", path, hlen);
        goto fail;
    }
    if (fread(hdr, 1, hlen, fp) != hlen) {
        dae_fail(err, "%s: read error or file shrank while reading the header", path);
        goto fail;
    }
    hdr[hlen] = 0;
    size_t data_len = size - 8 - hlen;
    if (parse_header(path, hdr, hlen, data_len, f, err) < 0)
        goto fail;
    f->data = malloc(data_len ? data_len : 1);
    if (!f->data) {
        dae_fail(err, "%s: out of memory for %zu bytes of data", path, data_len);
        goto fail;
    }
    if (fread(f->data, 1, data_len, fp) != data_len) {
        dae_fail(err, "%s: truncated: read error or file shrank while reading %zu "
                 "bytes of data", path, data_len);
        goto fail;
    }
    f->data_len = data_len;
    free(hdr);
    fclose(fp);
    return 0;
fail:
    free(hdr);
    fclose(fp);
    dae_st_free(f);
    return -1;
}

const dae_st_tensor *dae_st_find(const dae_st_file *f, const char *name)
{
    for (int i = 0; f && name && i < f->n; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const float *dae_st_floats(const dae_st_file *f, const dae_st_tensor *t)
{
    return (const float *)(const void *)(f->data + t->offset);
}

int dae_st_expect(const dae_st_file *f, const char *name, int rank,
                  const int *shape, const float **data, dae_error *err)
{
    const dae_st_tensor *t = dae_st_find(f, name);
    if (!t)
        return dae_fail(err, "no tensor '%s'", name);
    int same = t->rank == rank;
    for (int i = 0; same && i < rank; i++)
        same = t->shape[i] == shape[i];
    if (!same) {
        char a[200], b[200];
        long long want[DAE_ST_MAX_RANK];
        int r = rank < 0 ? 0 : rank > DAE_ST_MAX_RANK ? DAE_ST_MAX_RANK : rank;
        for (int i = 0; i < r; i++)
            want[i] = shape[i];
        return dae_fail(err, "tensor '%s' has shape %s; expected %s", name,
                        fmt_shape(a, sizeof a, t->rank, t->shape),
                        fmt_shape(b, sizeof b, r, want));
    }
    *data = dae_st_floats(f, t);
    return 0;
}

const char *dae_st_meta_get(const dae_st_file *f, const char *key)
{
    for (int i = 0; f && key && i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

/* ---- writing ---- */

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The header JSON, unpadded; NULL after an error. */
static char *build_header(const char *path, const dae_st_entry *entries, int n,
                          const char *const *meta_kv, dae_error *err)
{
    char *json = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        dae_fail(err, "%s: out of memory", path);
        return NULL;
    }
    if (meta_kv && meta_kv[0]) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        if (!meta)
            goto oom;
        for (int i = 0; meta_kv[i]; i += 2) {
            if (!meta_kv[i + 1]) {
                dae_fail(err, "%s: metadata key \"%.100s\" has no value", path, meta_kv[i]);
                goto fail;
            }
            if (cJSON_GetObjectItemCaseSensitive(meta, meta_kv[i])) {
                dae_fail(err, "%s: metadata key \"%.100s\" given twice", path, meta_kv[i]);
                goto fail;
            }
            if (!cJSON_AddStringToObject(meta, meta_kv[i], meta_kv[i + 1]))
                goto oom;
        }
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        const dae_st_entry *e = &entries[i];
        if (!e->name || !e->name[0] || strlen(e->name) >= DAE_ST_MAX_NAME ||
            strcmp(e->name, "__metadata__") == 0) {
            dae_fail(err, "%s: tensor %d has an invalid name \"%.60s\"", path, i,
                     e->name ? e->name : "(null)");
            goto fail;
        }
        if (e->rank < 0 || e->rank > DAE_ST_MAX_RANK) {
            dae_fail(err, "%s: tensor '%s' has rank %d (0..%d allowed)", path, e->name,
                     e->rank, DAE_ST_MAX_RANK);
            goto fail;
        }
        for (int k = 0; k < e->rank; k++)
            if (e->shape[k] < 0 || (double)e->shape[k] > MAX_EXACT) {
                dae_fail(err, "%s: tensor '%s' has an invalid dimension %lld", path,
                         e->name, e->shape[k]);
                goto fail;
            }
        size_t count;
        if (shape_count(e->rank, e->shape, &count) < 0 || off > SIZE_MAX - count * 4) {
            dae_fail(err, "%s: tensor '%s' is too large", path, e->name);
            goto fail;
        }
        if (count && !e->data) {
            dae_fail(err, "%s: tensor '%s' has no data", path, e->name);
            goto fail;
        }
        cJSON *t = cJSON_AddObjectToObject(root, e->name);
        if (!t || !cJSON_AddStringToObject(t, "dtype", "F32"))
            goto oom;
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
        if (!shape || !offs)
            goto oom;
        for (int k = 0; k < e->rank; k++) {
            cJSON *d = cJSON_CreateNumber((double)e->shape[k]);
            if (!d || !cJSON_AddItemToArray(shape, d))
                goto oom;
        }
        cJSON *b = cJSON_CreateNumber((double)off);
        if (!b || !cJSON_AddItemToArray(offs, b))
            goto oom;
        off += count * 4;
        cJSON *en = cJSON_CreateNumber((double)off);
        if (!en || !cJSON_AddItemToArray(offs, en))
            goto oom;
    }
    if ((double)off > MAX_EXACT) {
        dae_fail(err, "%s: the tensors are too large", path);
        goto fail;
    }
    json = cJSON_PrintUnformatted(root);
    if (!json)
        goto oom;
    cJSON_Delete(root);
    return json;
oom:
    dae_fail(err, "%s: out of memory building the header", path);
fail:
    cJSON_Delete(root);
    return NULL;
}

static int check_unique(const char *path, const dae_st_entry *entries, int n,
                        dae_error *err)
{
    if (n < 2)
        return 0;
    const char **names = malloc((size_t)n * sizeof *names);
    if (!names)
        return dae_fail(err, "%s: out of memory", path);
    for (int i = 0; i < n; i++)
        names[i] = entries[i].name ? entries[i].name : "";
    qsort(names, (size_t)n, sizeof *names, cmp_str_ptr);
    for (int i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0) {
            dae_fail(err, "%s: tensor name '%.100s' given twice", path, names[i]);
            free(names);
            return -1;
        }
    free(names);
    return 0;
}

static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some filesystems refuse */
        close(fd);
    }
}

int dae_st_write(const char *path, const dae_st_entry *entries, int n,
                 const char *const *meta_kv, dae_error *err)
{
    if (!path || n < 0 || (n > 0 && !entries))
        return dae_fail(err, "dae_st_write: invalid arguments");
    if (check_unique(path, entries, n, err) < 0)
        return -1;
    char *json = build_header(path, entries, n, meta_kv, err);
    if (!json)
        return -1;
    size_t jlen = strlen(json);
    size_t hlen = (jlen + 7) & ~(size_t)7; /* data starts 8-byte aligned */
    if (hlen > DAE_ST_MAX_HEADER) {
        free(json);
        return dae_fail(err, "%s: header of %zu bytes is too large", path, hlen);
    }

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) {
        free(json);
        return dae_fail(err, "%s: out of memory", path);
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);

    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        dae_fail(err, "cannot create %s: %s", tmp, strerror(errno));
        free(json);
        free(tmp);
        return -1;
    }
    int ok = 1;
    unsigned char len8[8];
    put_le64(len8, hlen);
    ok = ok && fwrite(len8, 1, 8, fp) == 8;
    ok = ok && fwrite(json, 1, jlen, fp) == jlen;
    for (size_t i = jlen; ok && i < hlen; i++)
        ok = fputc(' ', fp) != EOF;
    for (int i = 0; ok && i < n; i++) {
        size_t count = 0;
        shape_count(entries[i].rank, entries[i].shape, &count);
        ok = count == 0 || fwrite(entries[i].data, 4, count, fp) == count;
    }
    ok = ok && fflush(fp) == 0;
    ok = ok && fsync(fileno(fp)) == 0;
    int saved = errno;
    if (fclose(fp) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    free(json);
    if (!ok) {
        dae_fail(err, "cannot write %s: %s", tmp, strerror(saved));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        dae_fail(err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    sync_dir(path);
    return 0;
}
