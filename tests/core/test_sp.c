/*
 * test_sp.c - core/sp: error codes and messages, byte buffers, UTF-8
 * validation, the JSON nesting bound, RFC 3339 time parsing and
 * formatting, bounded file reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp.h"
#include "tcheck.h"

static void test_errors(void)
{
    sp_err e = {0};
    CHECK(sp_fail(&e, SP_EPARSE, "bad %s at %d", "thing", 3) == SP_EPARSE);
    CHECK(e.code == SP_EPARSE);
    CHECK_STR(e.msg, "bad thing at 3");
    CHECK(sp_fail(NULL, SP_EIO, "x") == SP_EIO);
    sp_err_clear(&e);
    CHECK(e.code == SP_OK && e.msg[0] == '\0');
    CHECK_STR(sp_code_name(SP_ELIMIT), "SP_ELIMIT");
    CHECK_STR(sp_code_name(SP_OK), "SP_OK");
}

static void test_buf(void)
{
    sp_buf b = {0};
    CHECK_STR(sp_buf_cstr(&b), "");
    CHECK(sp_buf_puts(&b, "abc") == SP_OK);
    CHECK(sp_buf_printf(&b, "-%d-", 42) == SP_OK);
    CHECK(sp_buf_append(&b, "xyz", 2) == SP_OK);
    CHECK(b.len == 9);
    CHECK_STR(sp_buf_cstr(&b), "abc-42-xy");
    /* growth across many appends keeps content intact */
    for (int i = 0; i < 10000; i++)
        sp_buf_puts(&b, "0123456789");
    CHECK(b.len == 9 + 100000);
    CHECK(b.data[9] == '0' && b.data[b.len - 1] == '9' && b.data[b.len] == '\0');
    char *s = sp_buf_steal(&b);
    CHECK(s != NULL && strncmp(s, "abc-42-xy0123", 13) == 0);
    CHECK(b.data == NULL && b.len == 0);
    free(s);
    sp_buf_free(&b);

    char *p = sp_printf("%s/%03d", "a", 7);
    CHECK_STR(p, "a/007");
    free(p);
    CHECK(sp_strdup(NULL) == NULL);
    char *d = sp_strndup("abcdef", 3);
    CHECK_STR(d, "abc");
    free(d);
}

/* The error sticks: after an append fails, later appends do nothing and
 * the finishers say so, so a run of appends can be checked once. */
static void test_buf_sticky(void)
{
    sp_buf b = {0};
    CHECK(sp_buf_puts(&b, "kept until it fails") == SP_OK);
    /* more than can ever be allocated: the append fails, as out of memory */
    CHECK(sp_buf_append(&b, "x", SIZE_MAX) == SP_ENOMEM);
    CHECK(sp_buf_error(&b) == SP_ENOMEM);
    CHECK(sp_buf_puts(&b, "ignored") == SP_ENOMEM, "an append after a failure fails");
    CHECK(sp_buf_printf(&b, "%d", 7) == SP_ENOMEM);
    CHECK(sp_csv_cell(&b, "a,b") == SP_ENOMEM);
    CHECK(sp_csv_cell(&b, "") == SP_ENOMEM, "even one that appends nothing");
    CHECK(b.len == 0 && b.data == NULL, "the partial text is gone, not half-kept");
    CHECK(sp_buf_cstr(&b) == NULL, "cstr reports the failure");
    CHECK(sp_buf_steal(&b) == NULL, "steal reports the failure");
    /* steal resets: the buffer is usable again */
    CHECK(sp_buf_error(&b) == SP_OK);
    CHECK(sp_buf_puts(&b, "again") == SP_OK);
    CHECK_STR(sp_buf_cstr(&b), "again");

    /* reset empties and clears the error, keeping the memory */
    CHECK(sp_buf_printf(&b, "%s", "") == SP_OK);
    CHECK(sp_buf_append(&b, "x", SIZE_MAX) == SP_ENOMEM);
    sp_buf_reset(&b);
    CHECK(sp_buf_error(&b) == SP_OK && b.len == 0);
    CHECK(sp_buf_puts(&b, "ok") == SP_OK);
    CHECK_STR(sp_buf_cstr(&b), "ok");
    sp_buf_reset(&b);
    CHECK_STR(sp_buf_cstr(&b), ""); /* reset leaves no old text behind */
    sp_buf_free(&b);
}

/* sp_grow: doubles from the first size, keeps what was there, and
 * refuses a size that overflows without touching the array. */
static void test_grow(void)
{
    int *v = NULL;
    size_t cap = 0;
    CHECK(sp_grow(&v, &cap, 1, sizeof *v, 4) == SP_OK && v && cap == 4);
    for (int i = 0; i < 4; i++)
        v[i] = i;
    CHECK(sp_grow(&v, &cap, 4, sizeof *v, 4) == SP_OK && cap == 4, "room enough: no change");
    CHECK(sp_grow(&v, &cap, 5, sizeof *v, 4) == SP_OK && cap == 8);
    CHECK(sp_grow(&v, &cap, 100, sizeof *v, 4) == SP_OK && cap == 128, "doubles until it fits");
    CHECK(v[0] == 0 && v[3] == 3, "the old elements stay");
    int *was = v;
    CHECK(sp_grow(&v, &cap, SIZE_MAX / 2, sizeof *v, 4) == SP_ENOMEM, "overflow");
    CHECK(v == was && cap == 128, "a failure leaves the array as it was");
    free(v);
}

/* FNV-1a 64 with the published offset basis: the reference vectors. */
/* sp_strv_free frees every string and the array (ASan's leak check fails
 * the test when one is left), and takes NULL. */
static void test_strv_free(void)
{
    size_t n = 3;
    char **v = calloc(n, sizeof *v);
    CHECK(v != NULL);
    for (size_t i = 0; v && i < n; i++)
        v[i] = sp_printf("s%zu", i);
    sp_strv_free(v, n);
    sp_strv_free(NULL, 5);
    char **empty = malloc(sizeof *empty);
    sp_strv_free(empty, 0);
}

/* sp_keyed_sort: by key, and equal keys keep their indices' order. */
static void test_keyed_sort(void)
{
    sp_keyed v[] = {{"b", 0}, {"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}, {"a", 5}};
    /* a reversed start among equals, which only the index puts right */
    sp_keyed w[] = {{"a", 5}, {"a", 3}, {"a", 1}};
    sp_keyed_sort(v, 6);
    sp_keyed_sort(w, 3);
    static const char want_keys[] = "aaabbc";
    static const size_t want_i[] = {1, 3, 5, 0, 2, 4};
    for (size_t k = 0; k < 6; k++)
        CHECK(v[k].key[0] == want_keys[k] && v[k].i == want_i[k], "%zu: %s %zu", k, v[k].key,
              v[k].i);
    CHECK(w[0].i == 1 && w[1].i == 3 && w[2].i == 5);
    sp_keyed_sort(NULL, 0);
}

/* sp_ini: each kind of line, with its number; comments and blank lines
 * passed over; names and values trimmed (CRLF files too). */
static void test_ini(void)
{
    static const char text[] = "# comment\r\n"
                               "\n"
                               "  ; another\n"
                               "[ serve ]\r\n"
                               "key = a value \r\n"
                               "empty =\n"
                               "[broken\n"
                               "[a]b\n"
                               "no equals here\n"
                               "x=y=z\n"
                               "nul\0byte\n"
                               "last=line";
    sp_ini it;
    sp_ini_init(&it, text, sizeof text - 1);
    char *k, *v;
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_SECTION && it.line == 4);
    CHECK_STR(k, "serve");
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_PAIR && it.line == 5);
    CHECK_STR(k, "key");
    CHECK_STR(v, "a value");
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_PAIR && it.line == 6);
    CHECK_STR(v, "");
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_BAD_HEADER && it.line == 7);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_BAD_HEADER && it.line == 8);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_NO_EQUALS && it.line == 9);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_PAIR && it.line == 10);
    CHECK_STR(k, "x");
    CHECK_STR(v, "y=z");
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_NUL && it.line == 11);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_PAIR && it.line == 12);
    CHECK_STR(v, "line");
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_END && k == NULL);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_END, "the end stays the end");

    /* A line of SP_INI_MAX_LINE bytes is too long; the next line reads. */
    size_t n = SP_INI_MAX_LINE + 8;
    char *big = malloc(n);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'x', SP_INI_MAX_LINE);
    memcpy(big + SP_INI_MAX_LINE, "\na = b\n", 8);
    sp_ini_init(&it, big, n);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_LONG && it.line == 1);
    CHECK(sp_ini_next(&it, &k, &v) == SP_INI_PAIR && it.line == 2);
    CHECK_STR(v, "b");
    free(big);
}

/* sp_unescape: the three control escapes, any other escaped character
 * as itself, a trailing lone backslash kept. */
static void test_unescape(void)
{
    char s[] = "a\\nb\\tc\\rd\\\\e\\qf\\";
    sp_unescape(s);
    CHECK_STR(s, "a\nb\tc\rd\\eqf\\");
    char empty[] = "";
    sp_unescape(empty);
    CHECK_STR(empty, "");
}

/* A constructor of a two-allocation thing that fails when told to, ending
 * the one way constructors end. */
typedef struct pair {
    char *a, *b;
} pair;

static int pair_frees;

static void pair_free(pair *p)
{
    if (!p)
        return;
    pair_frees++;
    free(p->a);
    free(p->b);
    free(p);
}

static int pair_new(bool fail, pair **out)
{
    pair *p = calloc(1, sizeof *p);
    int rc = p ? SP_OK : SP_ENOMEM;
    if (rc == SP_OK)
        p->a = sp_strdup("a");
    if (rc == SP_OK && fail)
        rc = SP_EINVAL;
    if (rc == SP_OK)
        p->b = sp_strdup("b");
    return SP_HAND_OVER(rc, p, out, pair_free);
}

static void test_hand_over(void)
{
    pair *p = NULL;
    CHECK(pair_new(false, &p) == SP_OK);
    CHECK(p != NULL && pair_frees == 0);
    if (p)
        CHECK_STR(p->b, "b");
    pair_free(p);
    pair *q = NULL;
    CHECK(pair_new(true, &q) == SP_EINVAL);
    CHECK(q == NULL, "a failed constructor hands nothing over");
    CHECK(pair_frees == 2, "the partly built pair is freed: %d", pair_frees);
}

static void test_fnv(void)
{
    CHECK(sp_fnv1a64("", 0) == 0xcbf29ce484222325ull, "basis 14695981039346656037");
    CHECK(sp_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
    CHECK(sp_fnv1a64("foobar", 6) == 0x85944171f73967e8ull);
    CHECK(sp_fnv1a64_add(sp_fnv1a64("foo", 3), "bar", 3) == sp_fnv1a64("foobar", 6),
          "a hash continues over more bytes");
    /* the old, wrong basis (stored hashes written before 2026-12) */
    CHECK(sp_fnv1a64_legacy("", 0) == 1469598103934665603ull);
    CHECK(sp_fnv1a64_legacy("foobar", 6) != sp_fnv1a64("foobar", 6));
}

static void test_utf8(void)
{
    CHECK(sp_utf8_valid("", 0));
    CHECK(sp_utf8_valid("plain ascii", 11));
    CHECK(sp_utf8_valid("caf\xc3\xa9", 5));
    CHECK(sp_utf8_valid("\xe2\x82\xac", 3));          /* euro sign */
    CHECK(sp_utf8_valid("\xf0\x9f\x98\x80", 4));      /* emoji */
    CHECK(!sp_utf8_valid("\xc3", 1));                 /* truncated */
    CHECK(!sp_utf8_valid("\xc0\xaf", 2));             /* overlong '/' */
    CHECK(!sp_utf8_valid("\xe0\x80\xaf", 3));         /* overlong */
    CHECK(!sp_utf8_valid("\xed\xa0\x80", 3));         /* surrogate */
    CHECK(!sp_utf8_valid("\xf4\x90\x80\x80", 4));     /* > U+10FFFF */
    CHECK(!sp_utf8_valid("\xff", 1));
    CHECK(!sp_utf8_valid("ok\x80", 3));
}

static int too_deep(const char *json, int max)
{
    return sp_json_too_deep(json, strlen(json), max);
}

static void test_json_depth(void)
{
    CHECK(!too_deep("", 2));
    CHECK(!too_deep("[{\"a\":[]}]", 3));
    CHECK(too_deep("[{\"a\":[]}]", 2));
    /* closed levels do not add up; only the depth at one point counts */
    CHECK(!too_deep("[[]][[]][[]]", 2));
    /* brackets inside strings, and escaped quotes, are not structure */
    CHECK(!too_deep("[\"[[[{\\\"[[\"]", 1));
    /* an escaped backslash does not escape the closing quote */
    CHECK(too_deep("[\"\\\\\",[]]", 1));
    /* only n bytes are looked at */
    CHECK(!sp_json_too_deep("[[[", 1, 1));
}

static void test_time(void)
{
    CHECK(sp_time_parse("1970-01-01T00:00:00Z") == 0);
    CHECK(sp_time_parse("2026-11-23T11:30:00Z") == 1795433400);
    CHECK(sp_time_parse("2026-11-23") == 1795392000);
    CHECK(sp_time_parse("2026-11-23T12:30:00+01:00") == 1795433400);
    CHECK(sp_time_parse("2026-11-23T06:30:00-05:00") == 1795433400);
    CHECK(sp_time_parse("2026-11-23T11:30:00.123Z") == 1795433400);
    CHECK(sp_time_parse("2024-02-29T00:00:00Z") == 1709164800);
    CHECK(sp_time_parse(NULL) == -1);
    CHECK(sp_time_parse("") == -1);
    CHECK(sp_time_parse("yesterday") == -1);
    CHECK(sp_time_parse("2026-13-01") == -1);
    CHECK(sp_time_parse("2026-11-23T25:00:00Z") == -1);
    CHECK(sp_time_parse("2026-11-23Tnoon") == -1);

    char buf[32];
    sp_time_format(1795433400, buf);
    CHECK_STR(buf, "2026-11-23T11:30:00Z");
    sp_time_format(0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    /* format -> parse is the identity */
    for (int64_t t = 0; t < 4000000000LL; t += 123456789) {
        sp_time_format(t, buf);
        CHECK(sp_time_parse(buf) == t);
    }
    CHECK(sp_now() > 1700000000);
}

static void test_read_file(void)
{
    const char *path = "test_sp_tmp.txt";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("hello, file", f);
    fclose(f);
    char *body = NULL;
    size_t n = 0;
    sp_err e = {0};
    CHECK(sp_read_file(path, 100, &body, &n, &e) == SP_OK);
    CHECK(n == 11 && body != NULL && memcmp(body, "hello, file", 11) == 0);
    free(body);
    body = NULL;
    CHECK(sp_read_file(path, 5, &body, &n, &e) == SP_ELIMIT);
    CHECK(body == NULL);
    CHECK(sp_read_file("/nonexistent/dir/file", 5, &body, &n, &e) == SP_EIO);
    CHECK(strstr(e.msg, "/nonexistent/dir/file") != NULL);
    remove(path);
}

int main(void)
{
    test_errors();
    test_buf();
    test_buf_sticky();
    test_grow();
    test_strv_free();
    test_keyed_sort();
    test_ini();
    test_unescape();
    test_hand_over();
    test_fnv();
    test_utf8();
    test_json_depth();
    test_time();
    test_read_file();
    return t_done("test_sp");
}
