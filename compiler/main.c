/* daec: compiles a .dae spec into a C trainer.
 * Exit status: 0 success, 1 errors in the spec, 2 usage or I/O errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "diag.h"
#include "emit.h"
#include "parse.h"
#include "reference.h"
#include "summary.h"

#define MAX_SPEC_BYTES (4 << 20)

typedef struct options {
    const char *spec;
    const char *out;
    int check_only, summary, im2col_only;
} options;

static void usage(FILE *f)
{
    fputs("usage: daec [options] SPEC.dae\n"
          "Compiles a denoising autoencoder spec into a C trainer, by default\n"
          "build/NAME.c; then `make` builds build/NAME.\n\n"
          "  -o FILE         write the C program to FILE\n"
          "  --check         check the spec only, write nothing\n"
          "  --summary       print the model table (layers, shapes, parameters)\n"
          "  --im2col-only   compute every convolution as im2col + sgemm, without\n"
          "                  Winograd or direct kernels (make bench's baseline)\n"
          "  --help          this text\n"
          "  --version       the daec version\n"
          "  --reference     print the language reference (Markdown) and exit\n\n"
          "Exit status: 0 success, 1 errors in the spec, 2 usage errors.\n", f);
}

/* Returns -1 to exit 0 (help, version), 0 to go on, 2 on a usage error. */
static int parse_options(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--version") == 0) {
            printf("daec %s\n", DAEC_VERSION);
            return -1;
        } else if (strcmp(a, "--reference") == 0) {
            reference_print(stdout);
            return -1;
        } else if (strcmp(a, "-o") == 0) {
            if (++i == argc) {
                fprintf(stderr, "daec: -o needs a file name\n");
                return 2;
            }
            o->out = argv[i];
        } else if (strcmp(a, "--check") == 0) {
            o->check_only = 1;
        } else if (strcmp(a, "--summary") == 0) {
            o->summary = 1;
        } else if (strcmp(a, "--im2col-only") == 0) {
            o->im2col_only = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "daec: unknown option '%s' (try daec --help)\n", a);
            return 2;
        } else if (o->spec) {
            fprintf(stderr, "daec: more than one spec given ('%s' and '%s')\n",
                    o->spec, a);
            return 2;
        } else {
            o->spec = a;
        }
    }
    if (!o->spec) {
        fprintf(stderr, "daec: no spec given (usage: daec [options] SPEC.dae)\n");
        return 2;
    }
    return 0;
}

static char *read_spec(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "daec: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_SPEC_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_SPEC_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > MAX_SPEC_BYTES) {
        fprintf(stderr, "daec: cannot read '%s': %s\n", path,
                bad ? "read error" : "larger than 4 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Writes to a temporary file beside the target, then renames: a failed run
 * never leaves a partial program behind. */
static int write_program(const plan *p, const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "daec: output path too long\n");
        return 2;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "daec: cannot write '%s': %s\n", path, strerror(errno));
        return 2;
    }
    int bad = emit_program(f, p) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "daec: cannot write '%s': %s\n", path, strerror(errno));
        remove(tmp);
        return 2;
    }
    return 0;
}

static int compile(const options *o, const char *src, size_t len)
{
    diag_ctx d;
    plan p;
    diag_init(&d, o->spec, src, len, stderr);
    ast_file *f = dae_parse(src, len, &d);
    bool ok = f && check_spec(f, src, &d, &p);
    int status = ok && d.errors == 0 ? 0 : 1;
    if (ok && o->im2col_only)
        plan_im2col_only(&p);
    if (status == 0 && o->summary)
        summary_print(stdout, &p);
    if (status == 0 && !o->check_only && !(o->summary && !o->out)) {
        char def[256];
        const char *out = o->out;
        if (!out) {
            mkdir("build", 0777);
            snprintf(def, sizeof def, "build/%s.c", p.name);
            out = def;
        }
        status = write_program(&p, out);
    }
    if (f) {
        plan_free(&p);
        ast_file_free(f);
    }
    return status;
}

int main(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    size_t len = 0;
    char *src = read_spec(o.spec, &len);
    if (!src)
        return 2;
    rc = compile(&o, src, len);
    free(src);
    return rc;
}
