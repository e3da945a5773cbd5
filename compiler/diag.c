/* GCC-style diagnostics (diag.h):
 *
 *   specs/bad.dae:7:25: error: unknown activation 'relux'; did you mean 'relu'?
 *           conv2d 64, kernel=3x3, activation=relux, padding=same;
 *                                  ^~~~~~~~~~~~~~~~
 *
 * The source line is echoed as written, except that bytes which would
 * garble a terminal (control characters, invalid UTF-8) print as '?'. The
 * caret line copies the tabs of the source line so the caret lines up.
 * A location with first_line <= 0 means "the whole file": only
 * `PATH: error: MESSAGE` is printed.
 *
 * After DIAG_MAX_ERRORS errors, the next one prints
 * `PATH: fatal error: too many errors emitted, stopping now` once, and all
 * later errors, warnings and notes are counted but not shown (as clang's
 * -ferror-limit). The parser stops reading at that point. */
#include "diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Must match DAE_MAX_ERRORS in grammar/dae.y (the parser stops once more
 * than this many errors have been counted). */
#define DIAG_MAX_ERRORS 20

/* Lines longer than this are shown as a window around the caret. */
#define LINE_WINDOW 160

void diag_init(diag_ctx *d, const char *path, const char *src, size_t len, FILE *out)
{
    d->path = path ? path : "<input>";
    d->src = src;
    d->len = src ? len : 0;
    d->out = out ? out : stderr;
    d->errors = 0;
    d->warnings = 0;
}

/* Code points a terminal acts on rather than shows: C1 controls (some
 * terminals read U+009B as an escape), zero-width and direction marks,
 * line separators, the byte-order mark. They are printed as '?'. */
static bool invisible(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f)
           || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f)
           || cp == 0xfeff;
}

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0
 * when s does not start one. ASCII is not handled here. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2; cp = s[0] & 0x1f; min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3; cp = s[0] & 0x0f; min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4; cp = s[0] & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return invisible(cp) ? 0 : len;
}

/* Bytes taken by the character at u[i] (1 past the end of the line). */
static size_t char_len(const unsigned char *u, size_t i, size_t len)
{
    if (i >= len || u[i] < 0x80)
        return 1;
    size_t l = utf8_len(u + i, len - i);
    return l ? l : 1;
}

/* Writes n bytes of s, replacing what a terminal should not see by '?'.
 * keep_tabs: tabs are copied (source lines) or shown as a space. */
static void put_safe(FILE *out, const char *s, size_t n, bool keep_tabs)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c >= 0x80) {
            size_t l = utf8_len(u + i, n - i);
            if (l) {
                fwrite(u + i, 1, l, out);
                i += l;
            } else {
                fputc('?', out);
                i++;
            }
            continue;
        }
        if (c == '\t')
            fputc(keep_tabs ? '\t' : ' ', out);
        else if (c < 0x20 || c == 0x7f)
            fputc('?', out);
        else
            fputc(c, out);
        i++;
    }
}

/* Finds line `line` (from 1) in the source; false when past the end. The
 * line excludes its '\n' and a '\r' just before it. */
static bool find_line(const diag_ctx *d, int line, const char **start, size_t *len)
{
    if (!d->src || line <= 0)
        return false;
    const char *p = d->src, *end = d->src + d->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return false;
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    if (p == end && line > 1)       /* just past a final newline */
        return false;
    if (e > p && e[-1] == '\r')
        e--;
    *start = p;
    *len = (size_t)(e - p);
    return true;
}

/* Prints the source line of loc and the caret line below it. */
static void show_source(diag_ctx *d, dae_loc loc)
{
    const char *line;
    size_t len;
    if (loc.first_column <= 0 || !find_line(d, loc.first_line, &line, &len))
        return;
    size_t col = (size_t)loc.first_column - 1;          /* 0-based */
    size_t stop = col + 1;                              /* one past underline */
    if (loc.last_line == loc.first_line && loc.last_column > loc.first_column)
        stop = (size_t)loc.last_column - 1;
    else if (loc.last_line > loc.first_line && len > col + 1)
        stop = len;                                     /* to end of line */

    /* Window on very long lines so one error does not print a megabyte. */
    size_t from = 0, to = len;
    if (len > LINE_WINDOW) {
        if (col > LINE_WINDOW / 2)
            from = col - LINE_WINDOW / 2;
        to = from + LINE_WINDOW < len ? from + LINE_WINDOW : len;
        if (stop > to)
            stop = to > col + 1 ? to : col + 1;
        /* Do not start or end the window inside a UTF-8 sequence. */
        while (from > 0 && ((unsigned char)line[from] & 0xc0) == 0x80)
            from--;
        while (to < len && ((unsigned char)line[to] & 0xc0) == 0x80)
            to++;
    }

    if (from > 0)
        fputs("...", d->out);
    put_safe(d->out, line + from, to - from, true);
    if (to < len)
        fputs("...", d->out);
    fputc('\n', d->out);

    if (from > 0)
        fputs("   ", d->out);
    /* One column per displayed character: a valid UTF-8 sequence shows as
     * one character, an invalid byte as one '?'. */
    const unsigned char *u = (const unsigned char *)line;
    size_t i = from;
    while (i < col) {
        fputc(i < len && u[i] == '\t' ? '\t' : ' ', d->out);
        i += char_len(u, i, len);
    }
    fputc('^', d->out);
    i = col + char_len(u, col, len);
    while (i < stop) {
        fputc('~', d->out);
        i += char_len(u, i, len);
    }
    fputc('\n', d->out);
}

static void report(diag_ctx *d, const char *kind, dae_loc loc,
                   const char *fmt, va_list ap)
{
    char small[512];
    char *msg = small;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        n = 0;
        small[0] = '\0';
    } else if ((size_t)n >= sizeof small) {
        msg = malloc((size_t)n + 1);
        if (msg)
            vsnprintf(msg, (size_t)n + 1, fmt, ap2);
        else
            msg = small;                 /* truncated, still printable */
    }
    va_end(ap2);
    if (msg == small && (size_t)n >= sizeof small)
        n = (int)sizeof small - 1;

    if (loc.first_line > 0 && loc.first_column > 0)
        fprintf(d->out, "%s:%d:%d: %s: ", d->path, loc.first_line,
                loc.first_column, kind);
    else if (loc.first_line > 0)
        fprintf(d->out, "%s:%d: %s: ", d->path, loc.first_line, kind);
    else
        fprintf(d->out, "%s: %s: ", d->path, kind);
    put_safe(d->out, msg, (size_t)n, false);
    fputc('\n', d->out);
    show_source(d, loc);
    if (msg != small)
        free(msg);
}

/* True once the error limit has been passed: everything is silent. */
static bool muted(const diag_ctx *d)
{
    return d->errors > DIAG_MAX_ERRORS;
}

void diag_error(diag_ctx *d, dae_loc loc, const char *fmt, ...)
{
    if (d->errors >= DIAG_MAX_ERRORS) {
        if (d->errors == DIAG_MAX_ERRORS)
            fprintf(d->out, "%s: fatal error: too many errors emitted, "
                    "stopping now\n", d->path);
        d->errors++;
        return;
    }
    d->errors++;
    va_list ap;
    va_start(ap, fmt);
    report(d, "error", loc, fmt, ap);
    va_end(ap);
}

void diag_warning(diag_ctx *d, dae_loc loc, const char *fmt, ...)
{
    d->warnings++;
    if (muted(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "warning", loc, fmt, ap);
    va_end(ap);
}

void diag_note(diag_ctx *d, dae_loc loc, const char *fmt, ...)
{
    if (muted(d))
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "note", loc, fmt, ap);
    va_end(ap);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), ignoring ASCII case. Gives up early (returns limit+1)
 * when the lengths alone rule out a distance within limit. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t n = strlen(a), m = strlen(b);
    if ((n > m ? n - m : m - n) > limit)
        return limit + 1;
    size_t *rows = malloc(3 * (m + 1) * sizeof *rows);
    if (!rows)
        return limit + 1;
    size_t *prev2 = rows, *prev = rows + m + 1, *cur = rows + 2 * (m + 1);
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        size_t best = cur[0];
        for (size_t j = 1; j <= m; j++) {
            size_t cost = lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]);
            size_t v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1
                && lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 2])
                && lower((unsigned char)a[i - 2]) == lower((unsigned char)b[j - 1])
                && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < best)
                best = v;
        }
        if (best > limit) {              /* every later row is >= best */
            free(rows);
            return limit + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    size_t dist = prev[m];
    free(rows);
    return dist;
}

const char *diag_suggest(const char *word, const char *const *candidates)
{
    if (!word || !*word || !candidates)
        return NULL;
    size_t len = strlen(word);
    size_t limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    size_t best_dist = limit + 1;
    for (const char *const *c = candidates; *c; c++) {
        size_t dist = edit_distance(word, *c, limit);
        if (dist < best_dist) {
            best = *c;
            best_dist = dist;
        }
    }
    return best;
}

const char *diag_join(const char *const *words, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; words[i] && used + 1 < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", words[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}
