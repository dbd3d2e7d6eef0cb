/*
 * test_i18n.c - the translation catalogue (searchd/i18n.c) as table-driven
 * tests over tests/web/cases/i18n/: a gettext .po read against English
 * (en.tsv) finds words by key (msgctxt) or by English alone, ignores fuzzy,
 * obsolete and stale entries (English that changed), falls back to English
 * for what it lacks, picks Polish and Arabic plural forms by their
 * Plural-Forms (plurals.tsv), escapes translations like any other text,
 * and refuses each malformed catalogue in bad/ with the error its first
 * line names.  Then every shipped web/i18n/ catalogue loads and reads as
 * it says (right to left for Arabic), and the picker falls back to English.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "vocab.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"



static char *slurp(const char *path, size_t *len)
{
    char *text = NULL;
    sp_err e;
    sp_err_clear(&e);
    if (sp_read_file(path, 1 << 20, &text, len, &e) != SP_OK) {
        printf("cannot read %s: %s\n", path, e.msg);
        return NULL;
    }
    return text;
}

/* English (DIR/en.tsv) when en is NULL, else DIR/CODE.po read against it. */
static html_lang *load(const char *dir, const char *code, const html_lang *en)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.%s", dir, code, en ? "po" : "tsv");
    size_t len = 0;
    char *text = slurp(path, &len);
    html_lang *l = NULL;
    sp_err e;
    sp_err_clear(&e);
    if (text)
        CHECK((en ? html_lang_parse_po(code, text, len, en, &l, &e)
                  : html_lang_parse(code, text, len, &l, &e)) == SP_OK,
              "%s: %s", path, e.msg);
    free(text);
    return l;
}

static void test_lookup(const html_lang *en, const html_lang *pl, const html_lang *ar)
{
    CHECK(!strcmp(html_t(pl, "lang.name"), "Polski"), "a word by its key: %s",
          html_t(pl, "lang.name"));
    CHECK(!strcmp(html_t(pl, "search.go"), "Szukaj"), "a word by its English alone: %s",
          html_t(pl, "search.go"));
    CHECK(!strcmp(html_t(pl, "nav.skip"), "Skip to main content"),
          "a fuzzy entry is not used (English instead): %s", html_t(pl, "nav.skip"));
    CHECK(!strcmp(html_t(pl, "changed"), "The English as it is today"),
          "a translation of older English is not used: %s", html_t(pl, "changed"));
    CHECK(html_lang_stale(pl) == 1, "the stale entry is counted (%zu)", html_lang_stale(pl));
    CHECK(!strcmp(html_t(pl, "gone"), "gone"), "obsolete (#~) entries are not read");
    CHECK(!strcmp(html_t(pl, "label.group.young-people"), "Młodzi ludzie"),
          "a vocabulary label (not in en.tsv) is kept: %s", html_t(pl, "label.group.young-people"));
    CHECK(!strcmp(html_t(ar, "search.go"), "Search"), "a missing word falls back to English");
    CHECK(!strcmp(html_t(pl, "no.such.key"), "no.such.key"), "an unknown key shows the key");
    CHECK(!strcmp(html_lang_dir(ar), "rtl") && !strcmp(html_lang_dir(pl), "ltr") &&
              !strcmp(html_lang_dir(en), "ltr"),
          "direction from lang.dir");
    CHECK(!strcmp(html_lang_code(pl), "pl"), "code");
    /* Translations are data: escaped on output like any other text. */
    sp_buf b = {0};
    html_tf(&b, pl, "greet", "<Ann>", NULL, NULL);
    CHECK(!strcmp(sp_buf_cstr(&b), "Dzień dobry, &lt;Ann&gt; &quot;&lt;b&gt;&quot;"),
          "continued strings, \\\" escapes, and escaping on output: '%s'", sp_buf_cstr(&b));
    sp_buf_free(&b);
}

/* plurals.tsv: lang TAB n TAB expected */
static void test_plurals(const char *dir, const html_lang *en, const html_lang *pl,
                         const html_lang *ar)
{
    t_lines l = t_lines_open("%s/plurals.tsv", dir);
    int cases = 0;
    while (t_line(&l)) {
        char *line = l.line;
        char *lang = strtok(line, "\t"), *n = strtok(NULL, "\t"), *want = strtok(NULL, "\t");
        if (!lang || !n || !want) {
            CHECK(false, "plurals.tsv: a line without three fields");
            continue;
        }
        const html_lang *tr = !strcmp(lang, "pl") ? pl : !strcmp(lang, "ar") ? ar : en;
        sp_buf b = {0};
        html_tnf(&b, tr, "results.found", strtoul(n, NULL, 10), NULL, NULL);
        CHECK(!strcmp(sp_buf_cstr(&b), want), "%s n=%s: '%s', want '%s'", lang, n,
              sp_buf_cstr(&b), want);
        sp_buf_free(&b);
        cases++;
    }
    CHECK(cases >= 20, "plural cases read (%d)", cases);
}

/* Each bad/ catalogue: refused, with the error its first line names. */
static void test_malformed(const char *dir, const html_lang *en)
{
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/bad", dir);
    DIR *d = opendir(bad);
    CHECK(d != NULL, "open %s", bad);
    int cases = 0;
    for (struct dirent *de = d ? readdir(d) : NULL; de; de = readdir(d)) {
        size_t nl = strlen(de->d_name);
        if (nl < 4 || strcmp(de->d_name + nl - 3, ".po"))
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", bad, de->d_name);
        size_t len = 0;
        char *text = slurp(path, &len);
        if (!text)
            continue;
        char want[256] = "";
        if (!strncmp(text, "# error: ", 9))
            snprintf(want, sizeof want, "%.*s", (int)strcspn(text + 9, "\n"), text + 9);
        html_lang *l = NULL;
        sp_err e;
        sp_err_clear(&e);
        int rc = html_lang_parse_po("xx", text, len, en, &l, &e);
        CHECK(rc != SP_OK && l == NULL, "%s is refused", de->d_name);
        CHECK(want[0] && strstr(e.msg, want), "%s: error '%s' names '%s'", de->d_name, e.msg, want);
        html_lang_free(l);
        free(text);
        cases++;
    }
    if (d)
        closedir(d);
    CHECK(cases >= 10, "malformed cases read (%d)", cases);
}

/* The labels of the vocabularies a jobseeker's page shows (facet values,
 * chips, the guided questions), as page code looks them up
 * (pg_label: "label.FIELD.SLUG"; benefits under the search field's name):
 * every one translated in l.  Borough names are names, not translated. */
static void test_labels(const vocab *v, const html_lang *l, const char *code)
{
    static const char *const fields[][2] = {{"group", "group"},       {"category", "category"},
                                            {"mode", "mode"},         {"cost", "cost"},
                                            {"referral", "referral"}, {"status", "status"},
                                            {"benefit", "benefits"},  {"language", "language"}};
    size_t total = 0, done = 0;
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        size_t n = 0;
        const char *const *slugs = vocab_slugs(v, fields[f][0], &n);
        for (size_t i = 0; i < n; i++) {
            char key[160];
            snprintf(key, sizeof key, "label.%s.%s", fields[f][1], slugs[i]);
            total++;
            if (html_t(l, key) != key)
                done++;
            else
                CHECK(0, "%s translates %s", code, key);
        }
    }
    CHECK(total >= 150 && done == total, "%s: %zu of %zu labels translated", code, done, total);
}

/* The shipped catalogues: each loads through the cache, names itself, has
 * the words of the jobseeker's pages and is marked as needing review. */
static void test_shipped(const char *src)
{
    char web[4096];
    snprintf(web, sizeof web, "%s/web", src);
    static const struct {
        const char *code, *dir;
    } langs[] = {{"pl", "ltr"}, {"ro", "ltr"}, {"bn", "ltr"}, {"pt", "ltr"}, {"ar", "rtl"}};
    const html_lang *en = html_lang_get(web, "en");
    CHECK(en != NULL, "English loads");
    vocab *v = NULL;
    sp_err err = {0};
    CHECK(vocab_load(NULL, &v, &err) == SP_OK, "data/vocab loads (%s)", err.msg);
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        const html_lang *l = html_lang_get(web, langs[i].code);
        CHECK(l != NULL, "web/i18n/%s.po loads", langs[i].code);
        if (!l)
            continue;
        CHECK(!strcmp(html_lang_dir(l), langs[i].dir), "%s reads %s", langs[i].code, langs[i].dir);
        CHECK(html_lang_stale(l) == 0, "%s.po: no translations of older English (%zu)",
              langs[i].code, html_lang_stale(l));
        static const char *const keys[] = {"lang.name", "nav.skip", "search.q", "search.go",
                                           "results.found", "filter.apply", "none.title",
                                           "service.contact", "msg.notfound.title",
                                           "guided.what", "guided.what.english", "guided.age.none",
                                           "guided.sit.uc", "when.title", "when.SA",
                                           "when.morning", "change.link", "report.title"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            CHECK(strcmp(html_t(l, keys[k]), html_t(en, keys[k])) != 0, "%s translates %s",
                  langs[i].code, keys[k]);
        CHECK(html_lang_pick(web, langs[i].code, "en") == l, "?lang=%s picks it", langs[i].code);
        if (v)
            test_labels(v, l, langs[i].code);
    }
    CHECK(html_lang_pick(web, NULL, "pl-PL,pl;q=0.9,en;q=0.8") == html_lang_get(web, "pl"),
          "Accept-Language pl-PL picks Polish");
    CHECK(html_lang_pick(web, "zz", "xx-YY") == en, "unknown languages: English");
    CHECK(html_lang_pick(web, "en", "ar") == en, "?lang=en wins over Accept-Language");
    char codes[16][4];
    size_t n = html_lang_list(web, codes, 16);
    CHECK(n >= 6, "at least six languages listed (%zu)", n);
    vocab_free(v);
}

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : getenv("SIGNPOST_SOURCE");
    if (!src) {
        fprintf(stderr, "usage: test_i18n SOURCE_DIR\n");
        return 2;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/web/cases/i18n", src);
    html_lang *en = load(dir, "en", NULL);
    html_lang *pl = en ? load(dir, "pl", en) : NULL;
    html_lang *ar = en ? load(dir, "ar", en) : NULL;
    if (en && pl && ar) {
        test_lookup(en, pl, ar);
        test_plurals(dir, en, pl, ar);
        test_malformed(dir, en);
    }
    html_lang_free(pl);
    html_lang_free(ar);
    html_lang_free(en);
    test_shipped(src);
    return t_done("test_i18n");
}
