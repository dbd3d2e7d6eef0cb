/*
 * test_json_out.c - sd_json_text (searchd/json_out.c) writes exactly what
 * jansson's json_dumps(j, JSON_COMPACT) writes: seeded random trees of
 * every kind of value (strings with quotes, backslashes, control
 * characters, NUL and multi-byte UTF-8; integers across their range; reals
 * from random bits, whole numbers and exponents), empty containers, and the
 * failures (a string that is not UTF-8, a bare value at the top); and the
 * same trees written call by call with sd_jw (what /api/v1/search uses).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_int.h"

static uint64_t seed = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b",
                                     "\f", "\x01", "\x1f", "\x7f", "caf\xc3\xa9", "\xe2\x80\xa6",
                                     "\xf0\x9f\x98\x80", "<mark>", "0", "e"};

static json_t *rnd_string(void)
{
    char b[256];
    size_t n = 0, k = rnd() % 12;
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        memcpy(b + n, p, l);
        n += l;
    }
    if (rnd() % 10 == 0)
        b[n++] = '\0'; /* an embedded NUL */
    return json_stringn(b, n);
}

static json_t *rnd_real(void)
{
    double x;
    switch (rnd() % 4) {
    case 0: { /* any finite double */
        uint64_t bits;
        do {
            bits = rnd();
            memcpy(&x, &bits, sizeof x);
        } while (x != x || x - x != 0);
        break;
    }
    case 1: x = (double)(int64_t)(rnd() % 2000001) - 1000000.0; break; /* whole */
    case 2: x = (double)(rnd() % 100000) / 1000.0; break;            /* km, scores */
    default: x = ((double)(rnd() % 1000) + 0.5) * (rnd() % 2 ? 1e-9 : 1e21); break;
    }
    return json_real(x);
}

static json_t *rnd_value(int depth)
{
    unsigned k = (unsigned)(rnd() % (depth > 3 ? 6 : 8));
    switch (k) {
    case 0: return json_null();
    case 1: return json_boolean(rnd() % 2);
    case 2: return json_integer((json_int_t)rnd());
    case 3: return rnd_real();
    case 4:
    case 5: return rnd_string();
    case 6: {
        json_t *a = json_array();
        for (size_t i = 0, n = rnd() % 5; i < n; i++)
            json_array_append_new(a, rnd_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (size_t i = 0, n = rnd() % 5; i < n; i++) {
            json_t *key = rnd_string();
            json_object_setn_new(o, json_string_value(key), json_string_length(key),
                                 rnd_value(depth + 1));
            json_decref(key);
        }
        return o;
    }
    }
}

static int failures;

/* j written member by member with the sd_jw calls (not sd_jw_json). */
static void walk(sd_jw *w, const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        sd_jw_open(w, '{');
        json_object_foreach((json_t *)j, key, v) {
            sd_jw_key(w, key);
            walk(w, v);
        }
        sd_jw_close(w, '}');
        break;
    }
    case JSON_ARRAY:
        sd_jw_open(w, '[');
        for (size_t i = 0; i < json_array_size(j); i++)
            walk(w, json_array_get(j, i));
        sd_jw_close(w, ']');
        break;
    case JSON_STRING: sd_jw_str(w, json_string_value(j)); break;
    case JSON_INTEGER: sd_jw_int(w, json_integer_value(j)); break;
    case JSON_REAL: sd_jw_real(w, json_real_value(j)); break;
    case JSON_TRUE: sd_jw_bool(w, true); break;
    case JSON_FALSE: sd_jw_bool(w, false); break;
    case JSON_NULL: sd_jw_null(w); break;
    }
}

static void same(json_t *j, const char *what)
{
    char *want = json_dumps(j, JSON_COMPACT);
    size_t len = 0;
    char *got = sd_json_text(j, &len);
    if ((!want) != (!got) || (want && (strlen(want) != len || memcmp(want, got, len)))) {
        fprintf(stderr, "FAIL %s:\n  jansson: %s\n  ours:    %s\n", what, want ? want : "(fails)",
                got ? got : "(fails)");
        failures++;
    }
    /* The same through the writer (keys and strings without a NUL, as a
     * reply's are). */
    if (want && !strstr(want, "\\u0000")) {
        sd_jw w = {0};
        walk(&w, j);
        char *wrote = sd_jw_text(&w, NULL);
        if (!wrote || strcmp(want, wrote)) {
            fprintf(stderr, "FAIL %s (sd_jw):\n  jansson: %s\n  sd_jw:   %s\n", what, want,
                    wrote ? wrote : "(fails)");
            failures++;
        }
        free(wrote);
    }
    free(want);
    free(got);
}

int main(void)
{
    for (int i = 0; i < 5000; i++) {
        json_t *root = rnd() % 2 ? json_object() : json_array();
        for (size_t k = 0, n = rnd() % 6; k < n; k++) {
            json_t *v = rnd_value(0);
            if (json_is_object(root))
                json_object_set_new(root, json_string_value(v) ? json_string_value(v) : "k", v);
            else
                json_array_append_new(root, v);
        }
        char what[32];
        snprintf(what, sizeof what, "random tree %d", i);
        same(root, what);
        json_decref(root);
    }
    json_t *j = json_pack("{s:f,s:f,s:f,s:f,s:f,s:I,s:I}", "a", 0.1, "b", -0.0, "c", 1e21, "d",
                          5e-324, "e", 123456789012345680.0, "f", (json_int_t)INT64_MIN, "g",
                          (json_int_t)INT64_MAX);
    same(j, "reals and integers at the edges");
    json_decref(j);
    j = json_pack("{s:[],s:{},s:[[],{}]}", "a", "b", "c");
    same(j, "empty containers");
    json_decref(j);
    j = json_object();
    json_object_set_new(j, "bad", json_stringn_nocheck("\xc3(", 2));
    same(j, "a string that is not UTF-8 (both fail)");
    json_decref(j);
    j = json_string("bare");
    same(j, "a bare string at the top (both fail)");
    json_decref(j);
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("ok: sd_json_text and sd_jw match json_dumps(JSON_COMPACT)\n");
    return 0;
}
