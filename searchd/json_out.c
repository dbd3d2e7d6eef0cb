/*
 * json_out.c - the JSON replies' text: what jansson's json_dumps(j,
 * JSON_COMPACT) writes, byte for byte, in a fraction of its time (a search
 * reply is ~20 KB: jansson copies it through a callback a token at a time
 * and decodes every character of every string).  Keys in insertion order,
 * no spaces, strings as UTF-8 with only '"', '\\' and control characters
 * escaped, reals as "%.17g" with ".0" added to a whole number and the
 * exponent's '+' and leading zeros dropped.  Where jansson fails (a string
 * that is not UTF-8, a real that is not finite) this fails too.  The same
 * writer also writes a reply directly (sd_jw_*), without a jansson tree,
 * as /api/v1/search does (api.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_int.h"

typedef sd_jw jw;

/* The text goes into an sp_buf (its error is sticky); w->bad is set for
 * what jansson would refuse (not UTF-8, not finite). */
static void jw_put(jw *w, const char *s, size_t n)
{
    if (sp_buf_append(&w->b, s, n) != SP_OK)
        w->bad = true;
}

static void jw_ch(jw *w, char c)
{
    jw_put(w, &c, 1);
}

static void jw_string(jw *w, const char *s, size_t n)
{
    if (!sp_utf8_valid(s, n)) {
        w->bad = true; /* jansson refuses it too */
        return;
    }
    jw_ch(w, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jw_put(w, s + from, i - from);
        from = i + 1;
        char esc[8];
        switch (c) {
        case '"': jw_put(w, "\\\"", 2); break;
        case '\\': jw_put(w, "\\\\", 2); break;
        case '\b': jw_put(w, "\\b", 2); break;
        case '\f': jw_put(w, "\\f", 2); break;
        case '\n': jw_put(w, "\\n", 2); break;
        case '\r': jw_put(w, "\\r", 2); break;
        case '\t': jw_put(w, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
            jw_put(w, esc, 6);
        }
    }
    jw_put(w, s + from, n - from);
    jw_ch(w, '"');
}

/* jansson's jsonp_dtostr at its default precision (17). */
static void jw_real(jw *w, double x)
{
    if (x != x || x - x != 0) { /* NaN or infinite */
        w->bad = true;
        return;
    }
    char b[64];
    int n = snprintf(b, sizeof b, "%.17g", x);
    if (n < 0 || (size_t)n >= sizeof b - 3) {
        w->bad = true;
        return;
    }
    for (char *c = b; *c; c++)
        if (*c == ',')
            *c = '.'; /* a locale's decimal comma */
    if (!strchr(b, '.') && !strchr(b, 'e')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(b + n + 1 - end));
            n -= (int)(end - start);
        }
    }
    jw_put(w, b, (size_t)n);
}

/* No cycle check: a reply is a tree. */
static void jw_value(jw *w, const json_t *j)
{
    if (w->bad)
        return;
    switch (json_typeof(j)) {
    case JSON_NULL: jw_put(w, "null", 4); break;
    case JSON_TRUE: jw_put(w, "true", 4); break;
    case JSON_FALSE: jw_put(w, "false", 5); break;
    case JSON_INTEGER: {
        char b[32];
        int n = snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        jw_put(w, b, (size_t)n);
        break;
    }
    case JSON_REAL: jw_real(w, json_real_value(j)); break;
    case JSON_STRING: jw_string(w, json_string_value(j), json_string_length(j)); break;
    case JSON_ARRAY: {
        jw_ch(w, '[');
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n && !w->bad; i++) {
            if (i)
                jw_ch(w, ',');
            jw_value(w, json_array_get(j, i));
        }
        jw_ch(w, ']');
        break;
    }
    case JSON_OBJECT: {
        jw_ch(w, '{');
        bool first = true;
        const char *key;
        size_t klen;
        json_t *v;
        json_object_keylen_foreach((json_t *)j, key, klen, v) {
            if (w->bad)
                break;
            if (!first)
                jw_ch(w, ',');
            first = false;
            jw_string(w, key, klen);
            jw_ch(w, ':');
            jw_value(w, v);
        }
        jw_ch(w, '}');
        break;
    }
    }
}

char *sd_jw_text(sd_jw *w, size_t *len)
{
    size_t n = w->b.len;
    char *p = w->bad || w->depth ? NULL : sp_buf_steal(&w->b);
    sp_buf_free(&w->b);
    if (p && len)
        *len = n;
    memset(w, 0, sizeof *w);
    return p;
}

char *sd_json_text(const json_t *j, size_t *len)
{
    jw w = {0};
    if (json_is_object(j) || json_is_array(j)) /* as json_dumps without JSON_ENCODE_ANY */
        jw_value(&w, j);
    else
        w.bad = true;
    return sd_jw_text(&w, len);
}

/* ---- writing a reply directly (sd_jw_*) ---- */

/* The ',' before a member or element that is not its container's first. */
static void sep(sd_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->depth)
        return;
    uint64_t bit = (uint64_t)1 << ((w->depth - 1) & 63);
    if (!(w->fresh & bit))
        jw_ch(w, ',');
    w->fresh &= ~bit;
}

void sd_jw_open(sd_jw *w, char c)
{
    sep(w);
    jw_ch(w, c);
    w->fresh |= (uint64_t)1 << (w->depth & 63);
    w->depth++;
}

void sd_jw_close(sd_jw *w, char c)
{
    if (w->depth)
        w->depth--;
    jw_ch(w, c);
}

void sd_jw_key(sd_jw *w, const char *key)
{
    sep(w);
    jw_string(w, key, strlen(key));
    jw_ch(w, ':');
    w->after_key = true;
}

void sd_jw_str(sd_jw *w, const char *s)
{
    sep(w);
    if (s)
        jw_string(w, s, strlen(s));
    else
        jw_put(w, "null", 4);
}

void sd_jw_int(sd_jw *w, json_int_t v)
{
    sep(w);
    char b[32];
    int n = snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT, v);
    jw_put(w, b, (size_t)n);
}

void sd_jw_bool(sd_jw *w, bool v)
{
    sep(w);
    jw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void sd_jw_real(sd_jw *w, double x)
{
    sep(w);
    jw_real(w, x);
}

void sd_jw_null(sd_jw *w)
{
    sep(w);
    jw_put(w, "null", 4);
}

void sd_jw_json(sd_jw *w, const json_t *j)
{
    sep(w);
    jw_value(w, j);
}

bool sd_jw_ok(const char *s)
{
    return !s || sp_utf8_valid(s, strlen(s));
}
