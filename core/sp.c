/*
 * sp.c - error reporting, strings, buffers, files, UTF-8 and time helpers
 * shared by every Signpost module (see sp.h).
 */
#define _GNU_SOURCE
#include "sp.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sp_vfail(sp_err *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

int sp_fail(sp_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sp_vfail(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void sp_err_clear(sp_err *err)
{
    if (err) {
        err->code = SP_OK;
        err->msg[0] = '\0';
    }
}

const char *sp_code_name(int code)
{
    switch (code) {
    case SP_OK: return "SP_OK";
    case SP_ERROR: return "SP_ERROR";
    case SP_ENOMEM: return "SP_ENOMEM";
    case SP_EINVAL: return "SP_EINVAL";
    case SP_EIO: return "SP_EIO";
    case SP_EPARSE: return "SP_EPARSE";
    case SP_ENOTFOUND: return "SP_ENOTFOUND";
    case SP_ELIMIT: return "SP_ELIMIT";
    case SP_EUNSUP: return "SP_EUNSUP";
    case SP_EAGAIN: return "SP_EAGAIN";
    default: return "SP_E?";
    }
}

char *sp_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *sp_strndup(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

char *sp_printf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    va_start(ap, fmt);
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

void sp_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int keyed_cmp(const void *a, const void *b)
{
    const sp_keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

void sp_keyed_sort(sp_keyed *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, keyed_cmp);
}

void sp_unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

char *sp_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

void sp_ini_init(sp_ini *it, const char *text, size_t len)
{
    memset(it, 0, sizeof *it);
    it->text = text;
    it->len = len;
}

int sp_ini_next(sp_ini *it, char **name, char **value)
{
    *name = *value = NULL;
    while (it->pos < it->len) {
        const char *start = it->text + it->pos;
        const char *nl = memchr(start, '\n', it->len - it->pos);
        size_t n = nl ? (size_t)(nl - start) : it->len - it->pos;
        it->pos += n + 1;
        it->line++;
        if (n >= sizeof it->buf)
            return SP_INI_LONG;
        memcpy(it->buf, start, n);
        it->buf[n] = '\0';
        if (memchr(it->buf, '\0', n))
            return SP_INI_NUL;
        char *s = sp_trim(it->buf);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1])
                return SP_INI_BAD_HEADER;
            *close = '\0';
            *name = sp_trim(s + 1);
            return SP_INI_SECTION;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return SP_INI_NO_EQUALS;
        *eq = '\0';
        *name = sp_trim(s);
        *value = sp_trim(eq + 1);
        return SP_INI_PAIR;
    }
    return SP_INI_END;
}

int sp_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return SP_OK;
    if (elem == 0 || need > SIZE_MAX / elem)
        return SP_ENOMEM;
    size_t nc = *cap ? *cap : (first ? first : 1);
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    if (nc > SIZE_MAX / elem)
        nc = need;
    /* The pointer goes in and out through memcpy: arrp points at a T *,
     * which may not be read or written as a void *. */
    void *old;
    memcpy(&old, arrp, sizeof old);
    void *p = realloc(old, nc * elem);
    if (!p)
        return SP_ENOMEM;
    memcpy(arrp, &p, sizeof p);
    *cap = nc;
    return SP_OK;
}

static int buf_reserve(sp_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return SP_ENOMEM;
    return sp_grow(&b->data, &b->cap, b->len + extra + 1, 1, 64);
}

/* Make the buffer's error sticky: the text goes, the code stays. */
static int buf_fail(sp_buf *b, int code)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = code;
    return code;
}

int sp_buf_append(sp_buf *b, const void *p, size_t n)
{
    if (b->err != SP_OK)
        return b->err;
    if (buf_reserve(b, n) != SP_OK)
        return buf_fail(b, SP_ENOMEM);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SP_OK;
}

int sp_buf_puts(sp_buf *b, const char *s)
{
    return sp_buf_append(b, s, strlen(s));
}

int sp_buf_printf(sp_buf *b, const char *fmt, ...)
{
    if (b->err != SP_OK)
        return b->err;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != SP_OK) {
        va_end(ap2);
        return buf_fail(b, SP_ENOMEM);
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return SP_OK;
}

const char *sp_buf_cstr(sp_buf *b)
{
    if (b->err != SP_OK)
        return NULL;
    return b->data ? b->data : "";
}

char *sp_buf_steal(sp_buf *b)
{
    char *p = b->data;
    if (!p && b->err == SP_OK)
        p = strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = SP_OK;
    return p;
}

int sp_buf_error(const sp_buf *b)
{
    return b->err;
}

void sp_buf_reset(sp_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    b->err = SP_OK;
}

void sp_buf_free(sp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = SP_OK;
}

uint64_t sp_fnv1a64_add(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t sp_fnv1a64(const void *p, size_t n)
{
    return sp_fnv1a64_add(SP_FNV1A64_BASIS, p, n);
}

uint64_t sp_fnv1a64_legacy(const void *p, size_t n)
{
    return sp_fnv1a64_add(1469598103934665603ull, p, n);
}

int sp_read_file(const char *path, size_t max, char **out, size_t *out_len,
                 sp_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sp_fail(err, SP_EIO, "cannot open %s: %s", path, strerror(errno));
    sp_buf b = {0};
    char chunk[65536];
    size_t n;
    int rc = SP_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max) {
            rc = sp_fail(err, SP_ELIMIT, "%s is larger than %zu bytes", path, max);
            break;
        }
        if (sp_buf_append(&b, chunk, n) != SP_OK) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory reading %s", path);
            break;
        }
    }
    if (rc == SP_OK && ferror(f))
        rc = sp_fail(err, SP_EIO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    if (rc != SP_OK) {
        sp_buf_free(&b);
        return rc;
    }
    size_t len = b.len;
    char *text = sp_buf_steal(&b);
    if (!text)
        return sp_fail(err, SP_ENOMEM, "out of memory reading %s", path);
    *out_len = len;
    *out = text;
    return SP_OK;
}

int sp_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if ((size_t)(e - p) < len)
            return 0;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += len;
    }
    return 1;
}

int sp_json_too_deep(const char *s, size_t n, int max)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return 1;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int64_t sp_time_parse(const char *s)
{
    if (!s)
        return -1;
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int m2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m2) != 2)
            return -1;
        p += 1 + m2;
        if (*p == ':') {
            int m3 = 0;
            if (sscanf(p + 1, "%2d%n", &sec, &m3) != 1)
                return -1;
            p += 1 + m3;
        }
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1 && sscanf(p + 1, "%2d%2d", &oh, &om) < 1)
            return -1;
        off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else if (*p && *p != 'Z' && *p != 'z') {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
}

void sp_time_format(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t sp_now(void)
{
    return (int64_t)time(NULL);
}

#ifndef SP_INSTALLED_DATA_DIR
#define SP_INSTALLED_DATA_DIR ""
#endif
#ifndef SP_SOURCE_DATA_DIR
#define SP_SOURCE_DATA_DIR "data"
#endif

const char *sp_data_dir(void)
{
    const char *env = getenv("SIGNPOST_DATA");
    if (env && *env)
        return env;
    struct stat st;
    if (SP_INSTALLED_DATA_DIR[0] && stat(SP_INSTALLED_DATA_DIR "/geography", &st) == 0)
        return SP_INSTALLED_DATA_DIR;
    return SP_SOURCE_DATA_DIR;
}

static bool csv_formula_char(char c)
{
    /* OWASP's list: these make Excel, LibreOffice and Sheets evaluate the
     * cell (tab and CR too: some strip them first). */
    return c && strchr("=+-@\t\r", c) != NULL;
}

bool sp_csv_neutralised(const char *cell, size_t len)
{
    return len >= 2 && cell[0] == '\'' && csv_formula_char(cell[1]);
}

int sp_csv_cell(sp_buf *b, const char *s)
{
    if (s == NULL || *s == '\0')
        return b->err;
    bool formula = csv_formula_char(s[0]);
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL || isspace((unsigned char)s[0]) ||
                 isspace((unsigned char)s[strlen(s) - 1]);
    if (!quote)
        return sp_buf_puts(b, s);
    int rc = sp_buf_puts(b, formula ? "\"'" : "\"");
    for (const char *p = s; rc == SP_OK && *p; p++)
        rc = *p == '"' ? sp_buf_append(b, "\"\"", 2) : sp_buf_append(b, p, 1);
    if (rc == SP_OK)
        rc = sp_buf_append(b, "\"", 1);
    return rc;
}
