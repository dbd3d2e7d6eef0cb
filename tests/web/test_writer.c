/*
 * test_writer.c - unit tests of html_fmt (searchd/html.c), the formatted
 * writer the portal's pages use for everything that is not a literal:
 * every integer conversion against the C library's printf at the limits,
 * %f with the precisions the pages use, the string conversions with NULL,
 * with hostile and very long input and with UTF-8, and every conversion it
 * must refuse (no %s, no raw %p, nothing it does not know).  The string
 * conversions' escaping, case by case, is in cases/html_cases.tsv
 * (test_html.c).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../core/tcheck.h"
#include "html.h"

/* html_fmt into a fresh string; the return code in *rc. */
#define FMT(rc, ...)                                                                     \
    ({                                                                                   \
        sp_buf b_ = {0};                                                                 \
        *(rc) = html_fmt(&b_, __VA_ARGS__);                                              \
        char *s_ = sp_buf_steal(&b_);                                                    \
        s_ ? s_ : sp_strdup("");                                                         \
    })

/* A format the compiler cannot see, for the conversions html_fmt must
 * refuse at run time (the compiler would refuse most of them first). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fmt_unchecked(sp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = html_vfmt(b, fmt, ap);
    va_end(ap);
    return rc;
}
#pragma GCC diagnostic pop

#define SAME_AS_PRINTF(fmt, v)                                                           \
    do {                                                                                 \
        int rc_;                                                                         \
        char want_[128];                                                                 \
        snprintf(want_, sizeof want_, fmt, v);                                           \
        char *got_ = FMT(&rc_, fmt, v);                                                  \
        CHECK(rc_ == SP_OK);                                                             \
        CHECK_STR(got_, want_);                                                          \
        free(got_);                                                                      \
    } while (0)

static void test_integers(void)
{
    SAME_AS_PRINTF("%d", 0);
    SAME_AS_PRINTF("%d", INT_MIN);
    SAME_AS_PRINTF("%d", INT_MAX);
    SAME_AS_PRINTF("%i", -7);
    SAME_AS_PRINTF("%u", UINT_MAX);
    SAME_AS_PRINTF("%ld", LONG_MIN);
    SAME_AS_PRINTF("%ld", LONG_MAX);
    SAME_AS_PRINTF("%lu", ULONG_MAX);
    SAME_AS_PRINTF("%lld", LLONG_MIN);
    SAME_AS_PRINTF("%lld", LLONG_MAX);
    SAME_AS_PRINTF("%llu", ULLONG_MAX);
    SAME_AS_PRINTF("%zu", SIZE_MAX);
    SAME_AS_PRINTF("%zu", (size_t)0);
    SAME_AS_PRINTF("%zd", (ssize_t)-1);
    SAME_AS_PRINTF("%jd", INTMAX_MIN);
    SAME_AS_PRINTF("%ju", UINTMAX_MAX);
    SAME_AS_PRINTF("%hd", (short)-300);
    SAME_AS_PRINTF("%hhu", (unsigned char)200);
    SAME_AS_PRINTF("%x", 0xdeadbeefu);
    SAME_AS_PRINTF("%X", 0xdeadbeefu);
    SAME_AS_PRINTF("%llx", ULLONG_MAX);
    SAME_AS_PRINTF("%5d", 42);
    SAME_AS_PRINTF("%-5d|", 42);
    SAME_AS_PRINTF("%05d", -42);
    SAME_AS_PRINTF("%02d", 7);
    SAME_AS_PRINTF("%1d", 12345);
}

static void test_doubles(void)
{
    SAME_AS_PRINTF("%.2f", 0.345);
    SAME_AS_PRINTF("%.1f", 12.25);
    SAME_AS_PRINTF("%.5f", 51.54321987);
    SAME_AS_PRINTF("%.5f", -0.12763);
    SAME_AS_PRINTF("%f", 1.5);
    SAME_AS_PRINTF("%.0f", 2.5);
    SAME_AS_PRINTF("%8.2f", 3.14159);
    SAME_AS_PRINTF("%.2f", 1e20);
    int rc;
    char *s = FMT(&rc, "%.2f", 1e300); /* longer than any page's number */
    CHECK(rc == SP_EINVAL);
    free(s);
}

static void test_strings(void)
{
    int rc;
    char *s = FMT(&rc, "<a href=\"%pU\" title=\"%pA\">%pT</a> (%zu)%%",
                  "javascript:alert(1)", "\"><script>", "<b>x</b> & 'y'", (size_t)3);
    CHECK(rc == SP_OK);
    CHECK_STR(s, "<a href=\"#\" title=\"&quot;&gt;&lt;script&gt;\">&lt;b&gt;x&lt;/b&gt; &amp; "
                 "&#39;y&#39;</a> (3)%");
    free(s);

    /* NULL: nothing for text, attribute and snippet; a dead link for %pU. */
    s = FMT(&rc, "[%pT|%pA|%pU|%pS]", (char *)NULL, (char *)NULL, (char *)NULL, (char *)NULL);
    CHECK(rc == SP_OK);
    CHECK_STR(s, "[||#|]");
    free(s);

    /* A conversion's output is never read as a format: % in the value. */
    s = FMT(&rc, "%pT%d", "%d%s%n%pT", 5);
    CHECK(rc == SP_OK);
    CHECK_STR(s, "%d%s%n%pT5");
    free(s);

    /* Long input: over a megabyte of markup characters, escaped to the byte. */
    size_t n = (size_t)5 << 18; /* 1.25 MB, whole groups of five */
    char *big = malloc(n + 1);
    CHECK(big != NULL);
    if (!big)
        return;
    for (size_t i = 0; i < n; i++)
        big[i] = "<>&\"'"[i % 5];
    big[n] = '\0';
    s = FMT(&rc, "%pA", big);
    CHECK(rc == SP_OK);
    /* &lt; &gt; &amp; &quot; &#39; = 4 + 4 + 5 + 6 + 5 bytes per 5 input bytes */
    CHECK(strlen(s) == n / 5 * 24);
    CHECK(!strchr(s, '<') && !strchr(s, '>') && !strchr(s, '"') && !strchr(s, '\''));
    free(s);

    /* ... and of UTF-8 (2, 3 and 4 byte sequences), which passes as it is. */
    const char *utf8 = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* é € 😀: 9 bytes */
    for (size_t i = 0; i + 9 <= n; i += 9)
        memcpy(big + i, utf8, 9);
    big[n / 9 * 9] = '\0';
    s = FMT(&rc, "%pT", big);
    CHECK(rc == SP_OK);
    CHECK(s && !strcmp(s, big));
    free(s);

    /* A long URL is checked as a whole: the scheme test does not stop at
     * a length. */
    memset(big, 'a', n);
    memcpy(big + n - 12, ":alert(1)//", 12);
    s = FMT(&rc, "%pU", big);
    CHECK(rc == SP_OK);
    CHECK_STR(s, "#");
    free(s);
    free(big);
}

static void test_refused(void)
{
    /* Everything that could copy bytes unescaped, or that html_fmt does
     * not know, is refused; what came before it stays, nothing after. */
    static const char *const bad[] = {"a%sb", "a%cb", "a%nb", "a%pb", "a%p", "a%pXb", "a%pHb",
                                      "a%lfb", "a%Lfb", "a%.2db", "a%*db", "a%qb", "a%Qb",
                                      "a%llldb", "a%zzdb", "a%hldb", "a%jjdb", "a%lsb",
                                      "a%1234db", "a%.123fb", "a%", "a%eb", "a%gb", "a%ob"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_buf b = {0};
        int rc = fmt_unchecked(&b, bad[i], "x", 1, 1);
        CHECK(rc == SP_EINVAL);
        if (rc != SP_EINVAL)
            fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK_STR(sp_buf_cstr(&b), "a");
        sp_buf_free(&b);
    }
    sp_buf b = {0};
    CHECK(fmt_unchecked(&b, "plain %% only") == SP_OK);
    CHECK_STR(sp_buf_cstr(&b), "plain % only");
    sp_buf_free(&b);
}

static void test_url_safe(void)
{
    CHECK(html_url_safe("https://example.org/"));
    CHECK(html_url_safe("Tel:+4420"));
    CHECK(html_url_safe("/services/x"));
    CHECK(!html_url_safe(NULL));
    CHECK(!html_url_safe("javascript:x"));
    CHECK(!html_url_safe("https ://x"));
    CHECK(!html_url_safe("ht\ttp://x"));
    CHECK(!html_url_safe("//x.example"));
    CHECK(!html_url_safe("\\\\x.example"));
    CHECK(!html_url_safe("a:b/c"));
}

int main(void)
{
    test_integers();
    test_doubles();
    test_strings();
    test_refused();
    test_url_safe();
    return t_done("web_writer");
}
