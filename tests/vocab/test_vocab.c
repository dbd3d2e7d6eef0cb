/*
 * test_vocab.c - table-driven tests of core/vocab: each run reads one case
 * file (tab-separated, '#' comments) and checks every line against the
 * reference data in $SIGNPOST_DATA.  Usage: test_vocab KIND FILE, where KIND
 * is boroughs, canon, postcodes, find, match, errors, or "data" (no FILE:
 * every spelling and GSS code in data/geography/boroughs.tsv round-trips).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vocab.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"



static const char *nz(const char *s)
{
    return s ? s : "-";
}

/* Every space-separated word in a is one in b. */
static int subset(const char *a, const char *b)
{
    char y[1024];
    snprintf(y, sizeof y, " %s ", b);
    char *save = NULL, tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", a);
    for (char *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char w[256];
        snprintf(w, sizeof w, " %s ", t);
        if (!strstr(y, w))
            return 0;
    }
    return 1;
}

/* Every set of space-separated words in a equals that in b (order free). */
static int same_set(const char *a, const char *b)
{
    return subset(a, b) && subset(b, a);
}

/* Copy the data directory's files into a fresh temporary one, append one
 * line to one file (or empty it), and check that loading fails with an
 * error naming the file (and line).  Case lines: file TAB line-to-append
 * ("EMPTY": truncate) TAB text the error must contain. */
static const char *const data_files[] = {
    "geography/boroughs.tsv", "geography/subregions.tsv", "geography/postcode_districts.tsv",
    "geography/postcode_sectors.tsv", "geography/outcodes.tsv", "vocab/groups.tsv",
    "vocab/categories.tsv", "vocab/modes.tsv", "vocab/costs.tsv", "vocab/referrals.tsv",
    "vocab/languages.tsv", "vocab/synonyms.tsv"};

static int copy_file(const char *from, const char *to, const char *append)
{
    char *buf = NULL;
    size_t len = 0;
    if (sp_read_file(from, 1u << 24, &buf, &len, NULL) != SP_OK)
        return -1;
    FILE *o = fopen(to, "w");
    if (!o) {
        free(buf);
        return -1;
    }
    if (!append || strcmp(append, "EMPTY") != 0)
        fwrite(buf, 1, len, o);
    if (append && strcmp(append, "EMPTY") != 0) {
        for (const char *p = append; *p; p++) /* "\t" in case files means a tab */
            fputc(p[0] == '\\' && p[1] == 't' ? (p++, '\t') : *p, o);
        fputc('\n', o);
    }
    fclose(o);
    free(buf);
    return 0;
}

static void run_error_case(char **f, const char *where)
{
    char tmpl[] = "/tmp/signpost-vocab-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL, "%s: mkdtemp failed", where);
    if (!dir)
        return;
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/geography", dir);
    mkdir(a, 0700);
    snprintf(a, sizeof a, "%s/vocab", dir);
    mkdir(a, 0700);
    for (size_t i = 0; i < sizeof data_files / sizeof *data_files; i++) {
        snprintf(a, sizeof a, "%s/%s", sp_data_dir(), data_files[i]);
        snprintf(b, sizeof b, "%s/%s", dir, data_files[i]);
        copy_file(a, b, strcmp(data_files[i], f[0]) == 0 ? f[1] : NULL);
    }
    vocab *v = NULL;
    sp_err err = {0};
    int rc = vocab_load(dir, &v, &err);
    CHECK(rc != SP_OK && v == NULL && strstr(err.msg, f[2]) != NULL,
          "%s: appending to %s: rc %s, error \"%s\", want it to contain \"%s\"", where, f[0],
          sp_code_name(rc), err.msg, f[2]);
    vocab_free(v);
    for (size_t i = 0; i < sizeof data_files / sizeof *data_files; i++) {
        snprintf(b, sizeof b, "%s/%s", dir, data_files[i]);
        unlink(b);
    }
    snprintf(a, sizeof a, "%s/geography", dir);
    rmdir(a);
    snprintf(a, sizeof a, "%s/vocab", dir);
    rmdir(a);
    rmdir(dir);
}

static void run_line(const vocab *v, const char *kind, char **f, size_t n, const char *where)
{
    if (strcmp(kind, "errors") == 0 && n == 3) {
        run_error_case(f, where);
    } else if (strcmp(kind, "boroughs") == 0 && n == 2) {
        const vocab_borough *b = vocab_borough_from_name(v, f[0]);
        const char *want = strcmp(f[1], "-") == 0 ? NULL : f[1];
        CHECK((b == NULL && want == NULL) || (b && want && strcmp(b->slug, want) == 0),
              "%s: borough \"%s\": got %s, want %s", where, f[0], b ? b->slug : "-", f[1]);
        /* vocab_canon agrees with vocab_borough_from_name. */
        const char *c = vocab_canon(v, "borough", f[0]);
        CHECK((c == NULL) == (want == NULL) && (!c || strcmp(c, want) == 0),
              "%s: canon borough \"%s\": got %s", where, f[0], nz(c));
    } else if (strcmp(kind, "canon") == 0 && n == 3) {
        const char *c = vocab_canon(v, f[0], f[1]);
        const char *want = strcmp(f[2], "-") == 0 ? NULL : f[2];
        CHECK((c == NULL && want == NULL) || (c && want && strcmp(c, want) == 0),
              "%s: canon %s \"%s\": got %s, want %s", where, f[0], f[1], nz(c), f[2]);
    } else if (strcmp(kind, "postcodes") == 0 && n == 4) {
        /* input, rc name, borough or -, coords yes/no */
        double lat = 999, lon = 999;
        const vocab_borough *b = NULL;
        int rc = vocab_postcode(v, f[0], &lat, &lon, &b);
        CHECK(strcmp(sp_code_name(rc), f[1]) == 0, "%s: postcode \"%s\": rc %s, want %s", where,
              f[0], sp_code_name(rc), f[1]);
        const char *want = strcmp(f[2], "-") == 0 ? NULL : f[2];
        CHECK((b == NULL && want == NULL) || (b && want && strcmp(b->slug, want) == 0),
              "%s: postcode \"%s\": borough %s, want %s", where, f[0], b ? b->slug : "-", f[2]);
        int has = lat > 49 && lat < 61 && lon > -9 && lon < 3;
        CHECK(has == (strcmp(f[3], "yes") == 0), "%s: postcode \"%s\": coords %s, want %s",
              where, f[0], has ? "yes" : "no", f[3]);
    } else if (strcmp(kind, "find") == 0 && n == 2) {
        char *out[8];
        size_t k = vocab_find_postcodes(f[0], out, 8);
        char got[512] = "";
        for (size_t i = 0; i < k; i++) {
            strncat(got, i ? "," : "", sizeof got - strlen(got) - 1);
            strncat(got, out[i], sizeof got - strlen(got) - 1);
            free(out[i]);
        }
        const char *want = strcmp(f[1], "-") == 0 ? "" : f[1];
        CHECK(strcmp(got, want) == 0, "%s: find in \"%s\": got \"%s\", want \"%s\"", where, f[0],
              got, want);
    } else if (strcmp(kind, "match") == 0 && n == 3) {
        vocab_hit hits[64];
        size_t k = vocab_match_text(v, f[0], f[1], hits, 64);
        char got[1024] = "";
        for (size_t i = 0; i < k; i++) {
            strncat(got, i ? " " : "", sizeof got - strlen(got) - 1);
            strncat(got, hits[i].slug, sizeof got - strlen(got) - 1);
            CHECK(hits[i].off + hits[i].len <= strlen(f[1]), "%s: hit out of range", where);
        }
        const char *want = strcmp(f[2], "-") == 0 ? "" : f[2];
        CHECK(same_set(got, want), "%s: match %s in \"%s\": got \"%s\", want \"%s\"", where,
              f[0], f[1], got, want);
    } else {
        CHECK(0, "%s: bad case line for %s (%zu fields)", where, kind, n);
    }
}

/* Every spelling, slug and GSS code in boroughs.tsv leads back to its row;
 * every sub-region lists its members; every category's parent is known. */
static void check_data(const vocab *v, const char *dir)
{
    t_lines l = t_lines_open("%s/geography/boroughs.tsv", dir);
    int rows = 0;
    while (t_line(&l)) {
        char *f[8];
        size_t n = t_split(l.line, f, 8);
        if (n != 7 || strcmp(f[0], "slug") == 0)
            continue;
        rows++;
        CHECK(strcmp(nz(vocab_canon(v, "borough", f[0])), f[0]) == 0, "slug %s", f[0]);
        CHECK(strcmp(nz(vocab_canon(v, "borough", f[1])), f[0]) == 0, "GSS %s", f[1]);
        CHECK(strcmp(nz(vocab_label(v, "borough", f[0])), f[2]) == 0, "label %s", f[0]);
        const vocab_borough *b = vocab_borough_get(v, f[0]);
        CHECK(b && strcmp(b->gss, f[1]) == 0 && strcmp(b->subregion, f[3]) == 0, "get %s",
              f[0]);
        char *save = NULL;
        for (char *s = strtok_r(f[6], "|", &save); s; s = strtok_r(NULL, "|", &save))
            CHECK(strcmp(nz(vocab_canon(v, "borough", s)), f[0]) == 0,
                  "spelling \"%s\" -> %s, want %s", s, nz(vocab_canon(v, "borough", s)), f[0]);
    }
    CHECK(rows == 33, "boroughs.tsv has %d rows, want 33", rows);
    size_t nb = 0;
    vocab_slugs(v, "borough", &nb);
    CHECK(nb == 33, "vocab_slugs(borough) = %zu", nb);
    size_t total = 0;
    const vocab_borough *m[40];
    static const struct { const char *sub; size_t n; } subs[] = {
        {"central-london-forward", 12}, {"local-london", 9},
        {"south-london-partnership", 5}, {"west-london-alliance", 7}};
    for (size_t i = 0; i < 4; i++) {
        size_t k = vocab_subregion_boroughs(v, subs[i].sub, m, 40);
        CHECK(k == subs[i].n, "%s has %zu boroughs, want %zu", subs[i].sub, k, subs[i].n);
        total += k;
    }
    CHECK(total == 33, "sub-regions cover %zu boroughs", total);
    CHECK(strcmp(vocab_borough_get(v, "bromley")->subregion, "local-london") == 0,
          "Bromley is in Local London for employment");
    size_t nc = 0;
    const char *const *cats = vocab_slugs(v, "category", &nc);
    CHECK(nc >= 40, "categories: %zu", nc);
    for (size_t i = 0; i < nc; i++) {
        const char *p = vocab_category_parent(v, cats[i]);
        CHECK(!p || vocab_category_parent(v, p) == NULL, "category %s: parent %s nests", cats[i],
              p);
    }
    static const char *const groups[] = {"young-people", "young-people-send", "aged-50-plus",
                                         "bame", "disabled", "criminal-justice",
                                         "low-pay-low-skills"};
    for (size_t i = 0; i < 7; i++)
        CHECK(vocab_group_priority(v, groups[i]), "%s is a priority group", groups[i]);
    CHECK(!vocab_group_priority(v, "carers"), "carers is not a priority group");
    size_t ns = 0;
    const char *const *syn = vocab_synonyms(v, &ns);
    CHECK(ns >= 50 && syn, "synonyms: %zu pairs", ns);
}

int main(int argc, char **argv)
{
    t_usage(argc, 2, "test_vocab KIND [FILE]");
    vocab *v = t_vocab();
    if (strcmp(argv[1], "data") == 0) {
        check_data(v, sp_data_dir());
    } else if (argc == 3) {
        t_lines l = t_lines_open("%s", argv[2]);
        while (t_line(&l)) {
            char *f[8], where[64];
            size_t n = t_split(l.line, f, 8);
            snprintf(where, sizeof where, "line %d", l.no);
            run_line(v, argv[1], f, n, where);
        }
    }
    vocab_free(v);
    return t_done(argv[1]);
}
