/*
 * test_html.c - unit tests of the portal's escaping writer and link
 * sanitising (searchd/html.c) and of html_fmt's string conversions, driven
 * by cases/html_cases.tsv (test_writer.c tests the rest of html_fmt), and of the
 * interface words (web/i18n/ files: parsing, placeholders, fallbacks; every
 * shipped language file parses and has every English key's placeholders).
 *
 * Usage: test_html SOURCE_DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"



/* Decode \t \n \\ \xNN in place. */
static void decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p != '\\' || !p[1]) {
            *o++ = *p;
            continue;
        }
        p++;
        if (*p == 't') {
            *o++ = '\t';
        } else if (*p == 'n') {
            *o++ = '\n';
        } else if (*p == 'x' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static void run_case(int line, const char *kind, const char *in, const char *want)
{
    char *got = NULL;
    sp_buf b = {0};
    if (!strcmp(kind, "text")) {
        CHECK(html_text(&b, in) == SP_OK, "line %d: html_text failed", line);
        got = sp_buf_steal(&b);
    } else if (!strcmp(kind, "snippet")) {
        CHECK(html_snippet(&b, in) == SP_OK, "line %d: html_snippet failed", line);
        got = sp_buf_steal(&b);
    } else if (!strcmp(kind, "web")) {
        got = html_url_web(in);
    } else if (!strcmp(kind, "mail")) {
        got = html_url_mail(in);
    } else if (!strcmp(kind, "tel")) {
        got = html_url_tel(in);
    } else if (!strcmp(kind, "query")) {
        CHECK(html_query_add(&b, "k", in) == SP_OK, "line %d: html_query_add failed", line);
        got = sp_buf_steal(&b);
    } else if (!strcmp(kind, "fmt-text") || !strcmp(kind, "fmt-attr") ||
               !strcmp(kind, "fmt-url") || !strcmp(kind, "fmt-snippet")) {
        /* html_fmt's string conversions, each inside the markup it is
         * made for. */
        int rc = !strcmp(kind, "fmt-text")   ? html_fmt(&b, "<p>%pT</p>", in)
                 : !strcmp(kind, "fmt-attr") ? html_fmt(&b, "<i title=\"%pA\">", in)
                 : !strcmp(kind, "fmt-url")  ? html_fmt(&b, "<a href=\"%pU\">", in)
                                             : html_fmt(&b, "<p>%pS</p>", in);
        CHECK(rc == SP_OK, "line %d: html_fmt %s failed", line, kind);
        got = sp_buf_steal(&b);
    } else {
        CHECK(0, "line %d: unknown kind '%s'", line, kind);
        return;
    }
    if (!got && (!strcmp(kind, "text") || !strcmp(kind, "snippet") || !strcmp(kind, "query")))
        got = sp_strdup("");
    bool want_null = !strcmp(want, "NULL");
    if (want_null)
        CHECK(got == NULL, "line %d: %s '%s' should give no link, got '%s'", line, kind, in,
              got);
    else
        CHECK(got && !strcmp(got, want), "line %d: %s '%s': want '%s', got '%s'", line, kind,
              in, want, got ? got : "(null)");
    /* Whatever a link helper returns must be safe in an attribute once
     * escaped and must start with an allowed scheme. */
    if (got && (!strcmp(kind, "web") || !strcmp(kind, "mail") || !strcmp(kind, "tel")))
        CHECK(!strncmp(got, "http://", 7) || !strncmp(got, "https://", 8) ||
                  !strncmp(got, "mailto:", 7) || !strncmp(got, "tel:", 4),
              "line %d: link '%s' has a scheme that is not allowed", line, got);
    free(got);
}

static void run_cases(const char *src)
{
    t_lines l = t_lines_open("%s/tests/web/cases/html_cases.tsv", src);
    int cases = 0;
    while (t_line(&l)) {
        char *line = l.line;
        int n = l.no;
        char *kind = line;
        char *in = strchr(kind, '\t');
        char *want = in ? strchr(in + 1, '\t') : NULL;
        CHECK(in && want, "line %d: need kind TAB input TAB expected", n);
        if (!in || !want)
            continue;
        *in++ = '\0';
        *want++ = '\0';
        decode(in);
        decode(want);
        run_case(n, kind, in, want);
        cases++;
    }
    printf("html_cases.tsv: %d cases\n", cases);
}

static void test_words(void)
{
    const char *src = "# comment\n"
                      "greet\tHello {1}, you are {2}!\n"
                      "multi\tone\\ntwo\r\n"
                      "brace\t{x} {4} {1\n";
    html_lang *l = NULL;
    sp_err e;
    sp_err_clear(&e);
    CHECK(html_lang_parse("xx", src, strlen(src), &l, &e) == SP_OK, "parse: %s", e.msg);
    if (!l)
        return;
    CHECK(!strcmp(html_t(l, "multi"), "one\ntwo"), "\\n escape and CRLF: '%s'",
          html_t(l, "multi"));
    CHECK(!strcmp(html_t(l, "missing.key"), "missing.key"), "a missing key shows the key");
    sp_buf b = {0};
    html_tf(&b, l, "greet", "<b>Ann</b>", "\"18\"", NULL);
    CHECK(!strcmp(sp_buf_cstr(&b), "Hello &lt;b&gt;Ann&lt;/b&gt;, you are &quot;18&quot;!"),
          "placeholders escaped: '%s'", sp_buf_cstr(&b));
    sp_buf_free(&b);
    html_tf(&b, l, "brace", "A", NULL, NULL);
    CHECK(!strcmp(sp_buf_cstr(&b), "{x} {4} {1"), "odd braces kept: '%s'", sp_buf_cstr(&b));
    sp_buf_free(&b);
    html_lang_free(l);

    const char *bad = "key without tab\n";
    CHECK(html_lang_parse("xx", bad, strlen(bad), &l, &e) == SP_EPARSE && l == NULL,
          "a line without a TAB is an error naming the line");
    CHECK(strstr(e.msg, "line 1") != NULL, "error names the line: %s", e.msg);
    const char *notutf = "k\t\xff\n";
    CHECK(html_lang_parse("xx", notutf, strlen(notutf), &l, &e) == SP_EPARSE,
          "invalid UTF-8 is refused");
}

/* Every shipped language parses; its keys exist in English; the English
 * file has every key the pages use (spot check) and the picker falls back
 * to English. */
static void test_shipped(const char *src)
{
    char web[4096];
    snprintf(web, sizeof web, "%s/web", src);
    const html_lang *en = html_lang_get(web, "en");
    CHECK(en != NULL, "web/i18n/en.tsv loads");
    if (!en)
        return;
    static const char *const keys[] = {"site.name", "nav.skip", "search.q", "results.found",
                                       "none.title", "coach.print", "print.say", "month.12",
                                       "day.SU", "elig.mark_no"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(strcmp(html_t(en, keys[i]), keys[i]) != 0, "en.tsv has '%s'", keys[i]);
    CHECK(html_lang_pick(web, NULL, "zz-ZZ,yy;q=0.5") == en, "unknown languages fall back to English");
    CHECK(html_lang_pick(web, "../../etc/passwd", NULL) == en, "a path as ?lang= is ignored");
    CHECK(html_lang_pick(web, "EN", "en-GB") == en, "Accept-Language en-GB picks English");
    CHECK(!strcmp(html_lang_code(en), "en"), "code of English");

    char dir[4200];
    snprintf(dir, sizeof dir, "%s/i18n", web);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "open %s", dir);
    for (struct dirent *de = d ? readdir(d) : NULL; de; de = readdir(d)) {
        size_t n = strlen(de->d_name);
        size_t ext = n > 4 && !strcmp(de->d_name + n - 4, ".tsv") ? 4
                     : n > 3 && !strcmp(de->d_name + n - 3, ".po") ? 3 : 0;
        if (!ext)
            continue;
        char code[8];
        snprintf(code, sizeof code, "%.*s", (int)(n - ext), de->d_name);
        CHECK(html_lang_get(web, code) != NULL, "web/i18n/%s parses", de->d_name);
    }
    if (d)
        closedir(d);
}

/* Another language beside English: picked by ?lang= or Accept-Language,
 * missing keys fall back to English (fixture in cases/web/i18n). */
static void test_other_language(const char *src)
{
    char web[4096];
    snprintf(web, sizeof web, "%s/tests/web/cases/web", src);
    const html_lang *so = html_lang_get(web, "so");
    const html_lang *en = html_lang_get(web, "en");
    CHECK(so && en, "fixture languages load");
    if (!so || !en)
        return;
    CHECK(html_lang_pick(web, "so", NULL) == so, "?lang=so picks Somali");
    CHECK(html_lang_pick(web, NULL, "so-SO, en;q=0.5") == so, "Accept-Language so-SO picks Somali");
    CHECK(html_lang_pick(web, NULL, "fr-FR, so;q=0.8, en;q=0.5") == so,
          "the first Accept-Language entry with a file wins");
    CHECK(html_lang_pick(web, "xx", "en") == en, "?lang= without a file falls through");
    CHECK(!strcmp(html_t(so, "search.go"), "Raadi"), "a translated word");
    CHECK(!strcmp(html_t(so, "nav.skip"), "Skip to main content"),
          "an untranslated word falls back to English: '%s'", html_t(so, "nav.skip"));
    CHECK(!strcmp(html_lang_code(so), "so"), "code of the picked language");
    char codes[8][4];
    size_t n = html_lang_list(web, codes, 8);
    CHECK(n == 3 && !strcmp(codes[0], "ar") && !strcmp(codes[1], "en") && !strcmp(codes[2], "so"),
          "the languages with files, sorted (%zu)", n);
    CHECK(html_lang_list(web, codes, 1) == 1, "the list is bounded by max");
    const html_lang *ar = html_lang_get(web, "ar");
    CHECK(ar && !strcmp(html_lang_dir(ar), "rtl"), "Arabic reads right to left");
    CHECK(!strcmp(html_lang_dir(so), "ltr"), "Somali reads left to right");
}

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : getenv("SIGNPOST_SOURCE");
    if (!src) {
        fprintf(stderr, "usage: test_html SOURCE_DIR\n");
        return 2;
    }
    run_cases(src);
    test_words();
    test_shipped(src);
    test_other_language(src);
    return t_done("test_html");
}
