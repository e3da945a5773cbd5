/* The safetensors reader and writer: round trips, atomic replacement, and
 * hostile files that must each give -1 and a clear message, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "safetensors.h"

/* Writes a file: an 8-byte length (the header's unless len8 != -1), the
 * header text, then ndata bytes of data (a counting pattern). */
static const char *raw_file(const char *name, const char *header, long long len8,
                            size_t ndata)
{
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return path;
    uint64_t n = len8 == -1 ? (uint64_t)strlen(header) : (uint64_t)len8;
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(n >> (8 * i));
    fwrite(b, 1, 8, fp);
    fwrite(header, 1, strlen(header), fp);
    for (size_t i = 0; i < ndata; i++)
        fputc((int)(i & 0x7f), fp);
    fclose(fp);
    return path;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)(n > 0 ? n : 0), fp);
    fclose(fp);
    return buf;
}

/* A hostile file must fail with a message containing want. */
static void expect_reject(const char *check, const char *path, const char *want)
{
    dae_st_file f;
    dae_error err = {{0}};
    int rc = dae_st_read(path, &f, &err);
    int ok = rc == -1 && err.msg[0] && strstr(err.msg, want) && f.n == 0 &&
             f.tensors == NULL && f.data == NULL;
    check_report(ok, check, "%s%s", rc == 0 ? "accepted; " : "", err.msg);
    dae_st_free(&f);
}

static void hostile(const char *check, const char *header, size_t ndata, const char *want)
{
    char name[80];
    snprintf(name, sizeof name, "%s.safetensors", check);
    expect_reject(check, raw_file(name, header, -1, ndata), want);
}

static void round_trip(void)
{
    float a[6] = {1.5f, -2.25f, 0.0f, -0.0f, 3.4028235e38f, 1e-45f};
    float b[3] = {0.1f, 0.2f, 0.3f};
    float s[1] = {42.0f};
    float c[120];
    for (int i = 0; i < 120; i++)
        c[i] = (float)i * 0.5f - 7;
    dae_st_entry e[5] = {
        {"layers.0.kernel", 2, {2, 3}, a},
        {"layers.0.bias", 1, {3}, b},
        {"step", 0, {0}, s},
        {"empty", 2, {0, 3}, NULL},
        {"conv", 4, {2, 3, 4, 5}, c},
    };
    const char *meta[] = {"model", "ff", "spec_hash", "0123abcd", "note", "a \"quoted\" \\ value", NULL};
    char path[256];
    snprintf(path, sizeof path, "%s", tmp_path("rt.safetensors"));
    dae_error err = {{0}};
    int rc = dae_st_write(path, e, 5, meta, &err);
    check_report(rc == 0, "st.write", "%s", rc ? err.msg : "5 tensors, 3 metadata keys");
    check_report(!exists(tmp_path("rt.safetensors.tmp")), "st.write.no_tmp_left", "no PATH.tmp after the rename");

    size_t len = 0;
    unsigned char *raw = slurp(path, &len);
    uint64_t n = 0;
    for (int i = 7; raw && len >= 8 && i >= 0; i--)
        n = (n << 8) | raw[i];
    int aligned = raw && n % 8 == 0 && 8 + n <= len && raw[8] == '{';
    int padded = aligned;
    for (uint64_t i = 8 + n - 1; aligned && raw[i] != '}'; i--)
        padded = padded && raw[i] == ' ';
    check_report(aligned && padded, "st.write.header_padded_to_8",
                 "header %llu bytes", (unsigned long long)n);
    check_report(raw && len == 8 + n + 4 * (6 + 3 + 1 + 0 + 120), "st.write.size",
                 "%zu bytes", len);
    free(raw);

    dae_st_file f;
    rc = dae_st_read(path, &f, &err);
    check_report(rc == 0 && f.n == 5, "st.read", "%s", rc ? err.msg : "5 tensors back");
    if (rc != 0)
        return;
    int ok = 1;
    for (int i = 0; i < 5; i++) {
        const dae_st_tensor *t = dae_st_find(&f, e[i].name);
        size_t count = 1;
        for (int k = 0; k < e[i].rank; k++)
            count *= (size_t)e[i].shape[k];
        ok = ok && t && t->rank == e[i].rank && t->count == count &&
             t->nbytes == 4 * count;
        for (int k = 0; ok && k < e[i].rank; k++)
            ok = t->shape[k] == e[i].shape[k];
        ok = ok && (count == 0 || memcmp(dae_st_floats(&f, t), e[i].data, 4 * count) == 0);
        ok = ok && (count == 0 || check_max_rel(dae_st_floats(&f, t), e[i].data, count, 1) == 0);
        ok = ok && t->offset % 4 == 0;
    }
    check_report(ok, "st.round_trip.tensors", "names, shapes and bits");
    check_report(f.tensors[0].offset == 0 && strcmp(f.tensors[0].name, "layers.0.kernel") == 0 &&
                     strcmp(f.tensors[4].name, "conv") == 0,
                 "st.round_trip.order", "data in the order given");
    check_report(dae_st_meta_get(&f, "model") && strcmp(dae_st_meta_get(&f, "model"), "ff") == 0 &&
                     strcmp(dae_st_meta_get(&f, "spec_hash"), "0123abcd") == 0 &&
                     strcmp(dae_st_meta_get(&f, "note"), meta[5]) == 0 &&
                     dae_st_meta_get(&f, "nope") == NULL && f.n_meta == 3,
                 "st.round_trip.metadata", "%d entries", f.n_meta);
    check_report(dae_st_find(&f, "missing") == NULL && dae_st_find(&f, "__metadata__") == NULL,
                 "st.find.missing", "NULL for absent names");

    const float *d = NULL;
    int want[2] = {2, 3}, wrong[2] = {3, 2};
    rc = dae_st_expect(&f, "layers.0.kernel", 2, want, &d, &err);
    check_report(rc == 0 && d && d[1] == -2.25f, "st.expect.ok", "%s", rc ? err.msg : "shape [2, 3] found");
    rc = dae_st_expect(&f, "layers.0.kernel", 2, wrong, &d, &err);
    check_report(rc == -1 && strstr(err.msg, "[2, 3]") && strstr(err.msg, "[3, 2]"),
                 "st.expect.shape_mismatch", "%s", err.msg);
    rc = dae_st_expect(&f, "layers.9.kernel", 2, want, &d, &err);
    check_report(rc == -1 && strstr(err.msg, "layers.9.kernel"), "st.expect.missing",
                 "%s", err.msg);
    dae_st_free(&f);
    dae_st_free(&f); /* idempotent */
    check_report(f.n == 0 && f.tensors == NULL, "st.free", "empty after free");

    /* Replacing an existing file, no metadata, no tensors. */
    rc = dae_st_write(path, NULL, 0, NULL, &err);
    int rc2 = rc == 0 ? dae_st_read(path, &f, &err) : -1;
    check_report(rc == 0 && rc2 == 0 && f.n == 0 && f.n_meta == 0 && f.data_len == 0,
                 "st.write.replace_empty", "%s", rc || rc2 ? err.msg : "replaced by an empty file");
    dae_st_free(&f);

    /* The in-memory parser agrees. */
    rc = dae_st_write(path, e, 2, NULL, &err);
    raw = slurp(path, &len);
    rc2 = raw ? dae_st_parse(raw, len, "mem", &f, &err) : -1;
    check_report(rc == 0 && rc2 == 0 && f.n == 2 &&
                     dae_st_floats(&f, dae_st_find(&f, "layers.0.bias"))[2] == 0.3f,
                 "st.parse.memory", "%s", rc || rc2 ? err.msg : "same tensors from memory");
    dae_st_free(&f);
    rc = raw ? dae_st_parse(raw, len - 1, "mem", &f, &err) : 0;
    check_report(rc == -1 && strstr(err.msg, "mem:") && strstr(err.msg, "truncated"),
                 "st.parse.memory_truncated", "%s", err.msg);
    free(raw);
}

static void write_errors(void)
{
    float v[2] = {1, 2};
    dae_error err = {{0}};
    dae_st_entry dup[2] = {{"w", 1, {2}, v}, {"w", 1, {2}, v}};
    int rc = dae_st_write(tmp_path("dup.safetensors"), dup, 2, NULL, &err);
    check_report(rc == -1 && strstr(err.msg, "'w'") && !exists(tmp_path("dup.safetensors")) &&
                     !exists(tmp_path("dup.safetensors.tmp")),
                 "st.write.duplicate_name", "%s", err.msg);
    dae_st_entry bad_rank[1] = {{"w", 9, {2}, v}};
    rc = dae_st_write(tmp_path("rank.safetensors"), bad_rank, 1, NULL, &err);
    check_report(rc == -1 && strstr(err.msg, "rank"), "st.write.bad_rank", "%s", err.msg);
    dae_st_entry meta_name[1] = {{"__metadata__", 1, {2}, v}};
    rc = dae_st_write(tmp_path("meta.safetensors"), meta_name, 1, NULL, &err);
    check_report(rc == -1 && strstr(err.msg, "name"), "st.write.reserved_name", "%s", err.msg);
    dae_st_entry ok1[1] = {{"w", 1, {2}, v}};
    const char *odd[] = {"model", NULL};
    rc = dae_st_write(tmp_path("odd.safetensors"), ok1, 1, odd, &err);
    check_report(rc == -1 && strstr(err.msg, "model"), "st.write.meta_without_value", "%s",
                 err.msg);
    rc = dae_st_write(tmp_path("no/such/dir/w.safetensors"), ok1, 1, NULL, &err);
    check_report(rc == -1 && strstr(err.msg, "cannot create"), "st.write.no_directory",
                 "%s", err.msg);
}

static void hostile_files(void)
{
    const char *path = tmp_path("empty.safetensors");
    fclose(fopen(path, "wb"));
    expect_reject("st.hostile.empty_file", path, "empty");
    expect_reject("st.hostile.short_file", raw_file("short.safetensors", "", 0, 0), "header is empty");
    path = tmp_path("five.safetensors");
    FILE *fp = fopen(path, "wb");
    fwrite("\x10\0\0\0\0", 1, 5, fp);
    fclose(fp);
    expect_reject("st.hostile.five_bytes", path, "too short");
    expect_reject("st.hostile.absurd_header_len",
                  raw_file("absurd.safetensors", "{}", (long long)0x7fffffffffffffffLL, 0),
                  "absurd header length");
    expect_reject("st.hostile.header_len_200MB",
                  raw_file("big.safetensors", "{}", 200LL << 20, 0), "absurd header length");
    expect_reject("st.hostile.header_len_past_eof",
                  raw_file("past.safetensors", "{}", 4096, 16), "exceeds");
    expect_reject("st.hostile.missing_file", tmp_path("does-not-exist"), "cannot open");
    expect_reject("st.hostile.directory", tmp_dir, "not a regular file");

    hostile("st.hostile.bad_json", "{\"w\": {\"dtype\": \"F32\", ", 0, "not valid JSON");
    hostile("st.hostile.json_garbage_after", "{}  x", 0, "after the header JSON");
    path = tmp_path("nul.safetensors");
    fp = fopen(path, "wb");
    fwrite("\x08\0\0\0\0\0\0\0{}\0     ", 1, 16, fp);
    fclose(fp);
    expect_reject("st.hostile.json_nul_inside", path, "after the header JSON");
    hostile("st.hostile.not_object", "[1, 2, 3]", 0, "not a JSON object");
    hostile("st.hostile.string_root", "\"F32\"", 0, "not a JSON object");
    hostile("st.hostile.wrong_dtype",
            "{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
            "tensor 'w' has dtype F16");
    hostile("st.hostile.missing_dtype", "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
            "'w' has no string \"dtype\"");
    hostile("st.hostile.tensor_not_object", "{\"w\": 3}", 0, "'w' is not a JSON object");
    hostile("st.hostile.shape_offset_mismatch",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20,
            "span 20 bytes");
    hostile("st.hostile.offsets_reversed",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8,
            "end before they begin");
    hostile("st.hostile.offsets_not_pair",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8,
            "data_offsets");
    hostile("st.hostile.negative_dim",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
            "shape entry 0");
    hostile("st.hostile.fractional_dim",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8,
            "shape entry 0");
    hostile("st.hostile.huge_dim",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,8]}}", 8,
            "shape entry 0");
    hostile("st.hostile.overflowing_shape",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
            "\"data_offsets\":[0,8]}}", 8, "impossibly large");
    hostile("st.hostile.rank_9",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
            4, "rank 9");
    hostile("st.hostile.truncated_data",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
            "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 20,
            "truncated: tensor 'b'");
    hostile("st.hostile.offsets_past_end",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[9007199254740984,"
            "9007199254740992]}}", 8, "truncated");
    hostile("st.hostile.overlap",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
            "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24,
            "overlaps");
    hostile("st.hostile.gap",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20,
            "contiguous");
    hostile("st.hostile.trailing_data",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12,
            "after the last tensor");
    hostile("st.hostile.duplicate_name",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
            "'a' appears twice");
    hostile("st.hostile.metadata_not_string", "{\"__metadata__\":{\"epoch\":3}}", 0,
            "not a string");
    hostile("st.hostile.metadata_duplicate_key",
            "{\"__metadata__\":{\"model\":\"ff\",\"x\":\"1\",\"model\":\"conv\"}}", 0,
            "\"model\" appears twice");
    hostile("st.hostile.metadata_not_object", "{\"__metadata__\":[\"x\"]}", 0,
            "not a JSON object");
    hostile("st.hostile.empty_name",
            "{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "empty name");
    char longname[400];
    snprintf(longname, sizeof longname,
             "{\"%0200d\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 7);
    hostile("st.hostile.long_name", longname, 4, "longer than");
    char deep[4200];
    for (int i = 0; i < 2000; i++)
        deep[i] = '[';
    for (int i = 0; i < 2000; i++)
        deep[2000 + i] = ']';
    deep[4000] = 0;
    hostile("st.hostile.deep_nesting", deep, 0, "not valid JSON");

    /* A header of a valid file with random mutations and truncations. */
    float v[64];
    for (int i = 0; i < 64; i++)
        v[i] = (float)i;
    dae_st_entry e[3] = {{"layers.0.kernel", 2, {4, 8}, v}, {"layers.0.bias", 1, {8}, v + 32},
                         {"x", 3, {2, 2, 6}, v + 40}};
    const char *meta[] = {"model", "ff", NULL};
    dae_error err = {{0}};
    path = tmp_path("fuzz.safetensors");
    size_t len = 0;
    unsigned char *raw = dae_st_write(path, e, 3, meta, &err) == 0 ? slurp(path, &len) : NULL;
    int crashes_none = raw != NULL, accepted = 0, consistent = 1;
    uint32_t s = 12345;
    for (int it = 0; raw && it < 20000; it++) {
        unsigned char *m = malloc(len);
        memcpy(m, raw, len);
        int nmut = 1 + it % 4;
        for (int k = 0; k < nmut; k++) {
            s = s * 1664525u + 1013904223u;
            size_t pos = (s >> 8) % len;
            s = s * 1664525u + 1013904223u;
            const char *chars = "{}[]\",:0123456789-.eE \\tF32";
            m[pos] = (s >> 24) & 1 ? (unsigned char)(s >> 16) : (unsigned char)chars[(s >> 16) % 27];
        }
        s = s * 1664525u + 1013904223u;
        size_t mlen = (s >> 28) == 0 ? (s >> 8) % (len + 1) : len;
        dae_st_file f;
        int rc = dae_st_parse(m, mlen, "fuzz", &f, &err);
        if (rc == 0) {
            accepted++;
            for (int i = 0; i < f.n; i++)
                consistent = consistent && f.tensors[i].offset + f.tensors[i].nbytes <= f.data_len;
        } else if (rc != -1 || !err.msg[0]) {
            crashes_none = 0;
        }
        dae_st_free(&f);
        free(m);
    }
    free(raw);
    check_report(crashes_none && consistent, "st.hostile.mutations",
                 "20000 mutated files, %d still valid", accepted);
}

int main(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "%s", "/tmp/dae-st-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        check_report(0, "st.tmpdir", "mkdtemp failed");
        return 1;
    }
    round_trip();
    write_errors();
    hostile_files();
    char cmd[sizeof tmp_dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tmp_dir);
    return check_failures != 0;
}
