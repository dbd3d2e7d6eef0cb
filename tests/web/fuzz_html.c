/*
 * fuzz_html.c - libFuzzer target for the portal's escaping and link rules
 * (searchd/html.c).  Whatever the input, escaped text must hold no markup
 * character and be valid UTF-8; a snippet may keep only <mark> and
 * </mark>; a link must start with an allowed scheme and hold no quote,
 * angle bracket, space or control byte; a query parameter only unreserved
 * bytes and %XX; html_fmt's conversions never add markup and its %pU
 * links have an allowed scheme or none.  Any breach aborts (a finding).  tests/fuzz/replay.c runs
 * it over seeds/ in every build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond, const char *what, const char *out)
{
    if (!cond) {
        fprintf(stderr, "fuzz_html: %s: '%s'\n", what, out ? out : "(null)");
        abort();
    }
}

static void no_markup(const char *s, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        must(s[i] != '<' && s[i] != '>' && s[i] != '"' && s[i] != '\'', what, s);
}

static void safe_link(const char *u)
{
    if (!u)
        return;
    must(!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8) || !strncmp(u, "mailto:", 7) ||
             !strncmp(u, "tel:", 4),
         "link with a scheme not allowed", u);
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        must(*p > 0x20 && *p < 0x7f && *p != '"' && *p != '<' && *p != '>' && *p != '\\' &&
                 *p != '`',
             "unsafe byte in a link", u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    sp_buf b = {0};
    if (html_textn(&b, s, size) == SP_OK && b.len) {
        no_markup(b.data, b.len, "markup in escaped text");
        must(sp_utf8_valid(b.data, b.len), "escaped text not UTF-8", b.data);
    }
    sp_buf_free(&b);

    if (html_snippet(&b, s) == SP_OK && b.len) {
        /* Blank out the allowed tags, then nothing else may remain. */
        char *t = sp_buf_steal(&b);
        for (char *m = strstr(t, "<mark>"); m; m = strstr(m, "<mark>"))
            memset(m, 'x', 6);
        for (char *m = strstr(t, "</mark>"); m; m = strstr(m, "</mark>"))
            memset(m, 'x', 7);
        no_markup(t, strlen(t), "markup in a snippet beyond <mark>");
        free(t);
    }

    char *u = html_url_web(s);
    safe_link(u);
    free(u);
    u = html_url_mail(s);
    safe_link(u);
    free(u);
    u = html_url_tel(s);
    safe_link(u);
    free(u);

    /* html_fmt: whatever the input, the markup is the format's alone (4
     * quotes, 2 '<' and 2 '>'), and the link is "#", a relative
     * reference or one of the allowed schemes, with no space or control. */
    if (html_fmt(&b, "<a href=\"%pU\" title=\"%pA\">%pT</a>", s, s, s) == SP_OK) {
        size_t q = 0, lt = 0, gt = 0;
        for (size_t i = 0; i < b.len; i++) {
            q += b.data[i] == '"';
            lt += b.data[i] == '<';
            gt += b.data[i] == '>';
            must(b.data[i] != '\'', "quote in html_fmt output", b.data);
        }
        must(q == 4 && lt == 2 && gt == 2, "markup from a conversion", b.data);
        const char *href = b.data + 9;
        size_t hn = strcspn(href, "\"");
        for (size_t i = 0; i < hn; i++)
            must((unsigned char)href[i] > 0x20 && href[i] != 0x7f && href[i] != '\\',
                 "unsafe byte in a %pU link", b.data);
        size_t colon = strcspn(href, ":");
        must(colon >= hn || colon > strcspn(href, "/?#") || !strncasecmp(href, "http:", 5) ||
                 !strncasecmp(href, "https:", 6) || !strncasecmp(href, "mailto:", 7) ||
                 !strncasecmp(href, "tel:", 4),
             "%pU link with a scheme not allowed", b.data);
        must(strncmp(href, "//", 2) != 0, "%pU link to another host", b.data);
    }
    sp_buf_free(&b);

    if (html_query_add(&b, "k", s) == SP_OK && b.len) {
        for (size_t i = 0; i < b.len; i++) {
            char c = b.data[i];
            must((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     strchr("-._~%=", c),
                 "query byte not encoded", b.data);
        }
    }
    sp_buf_free(&b);
    free(s);
    return 0;
}
