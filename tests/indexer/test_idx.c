/*
 * test_idx.c - the index (indexer/idx.h) as searchd and the indexer use it:
 * upserts, deletes, batches, reopen, exact disjunctive facets, synonyms,
 * spelling suggestions, age and distance filters, snippets, bad query
 * syntax, sorting, duplicate folding, brief result lists and "open at"
 * every quarter hour of the week (whole and partial hours).  Records come from
 * tests/indexer/data/services.ndjson; queries from the data files beside it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hours.h"
#include "idx.h"
#include "rec.h"
#include "sp.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"



#define ID(n) "00000000-0000-4000-8000-0000000000" #n

static char data_dir[4096];

static void rm_index(char *path)
{
    /* path is DIR/index; remove both with the shell: test-only cleanup. */
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char *cmd = sp_printf("rm -rf '%s'", path);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", path);
    free(cmd);
    free(path);
}

/* Every fixture record, put in one batch. */
static void load_fixtures(idx *ix)
{
    size_t len = 0;
    char *body = t_read(&len, "%s/services.ndjson", data_dir);
    sp_err err = {0};
    CHECK(idx_begin(ix, &err) == SP_OK, "%s", err.msg);
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        rec_service r;
        if (rec_from_json_string(line, strlen(line), &r, &err) != SP_OK) {
            fprintf(stderr, "bad fixture line: %s\n", err.msg);
            exit(1);
        }
        CHECK(idx_put(ix, &r, &err) == SP_OK, "put %s: %s", r.id, err.msg);
        rec_service_free(&r);
    }
    CHECK(idx_commit(ix, &err) == SP_OK, "%s", err.msg);
    free(body);
}

static idx *fixture_index(char **path)
{
    *path = t_tmp_path("idx", "index");
    idx *ix = NULL;
    sp_err err = {0};
    if (idx_open_write(*path, &ix, &err) != SP_OK) {
        fprintf(stderr, "open %s: %s\n", *path, err.msg);
        exit(1);
    }
    load_fixtures(ix);
    return ix;
}

static bool has_hit(const idx_result *res, const char *id)
{
    for (size_t i = 0; i < res->n_hits; i++)
        if (!strcmp(res->hits[i].rec.id, id))
            return true;
    return false;
}

/* Run q into res (for the caller to free); false, and a failed check,
 * when it does not run. */
static bool search(idx *ix, const idx_query *q, idx_result *res)
{
    sp_err err = {0};
    int rc = idx_search(ix, q, res, &err);
    CHECK(rc == SP_OK, "search [%s]: %s", q->q ? q->q : "", err.msg);
    return rc == SP_OK;
}

/* Searching for text finds every fixture in ids (NULL-terminated) and, when
 * total is not -1, exactly total services; what names the case. */
static void finds(idx *ix, const char *text, long total, const char *const *ids, const char *what)
{
    idx_query q;
    idx_query_init(&q);
    q.q = text;
    idx_result res;
    if (!search(ix, &q, &res))
        return;
    CHECK(total == -1 || res.total == (size_t)total, "%s: total %zu, want %ld", what, res.total,
          total);
    for (const char *const *id = ids; *id; id++)
        CHECK(has_hit(&res, *id), "%s: [%s] does not find %s", what, text, *id);
    idx_result_free(&res);
}
#define FINDS(ix, text, total, what, ...) \
    finds(ix, text, total, (const char *const[]){__VA_ARGS__, NULL}, what)

static size_t search_total(idx *ix, const idx_query *q)
{
    idx_result res;
    if (!search(ix, q, &res))
        return (size_t)-1;
    size_t t = res.total;
    CHECK(res.exhaustive, "total not exhaustive");
    idx_result_free(&res);
    return t;
}

/* --- tests -------------------------------------------------------------- */

static void test_upsert_and_get(void)
{
    char *path = t_tmp_path("idx", "index");
    idx *ix = NULL;
    sp_err err = {0};
    CHECK(idx_open_write(path, &ix, &err) == SP_OK, "%s", err.msg);
    rec_service r;
    rec_service_init(&r);
    r.id = sp_strdup(ID(42));
    r.name = sp_strdup("First name");
    r.description = sp_strdup("Kept in full & returned");
    CHECK(idx_put(ix, &r, &err) == SP_OK, "%s", err.msg);
    free(r.name);
    r.name = sp_strdup("Second name");
    CHECK(idx_put(ix, &r, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_count(ix) == 1, "same id twice gave %zu docs", idx_count(ix));
    rec_service got;
    CHECK(idx_get(ix, ID(42), &got, &err) == SP_OK, "%s", err.msg);
    CHECK(got.name && !strcmp(got.name, "Second name"), "name %s", got.name);
    CHECK(got.description && !strcmp(got.description, "Kept in full & returned"), "desc");
    rec_service_free(&got);
    CHECK(idx_get(ix, ID(43), &got, &err) == SP_ENOTFOUND, "missing id");

    /* Records without an id are refused, not indexed under "". */
    rec_service anon;
    rec_service_init(&anon);
    CHECK(idx_put(ix, &anon, &err) == SP_EINVAL, "no id");
    rec_service_free(&anon);

    CHECK(idx_delete(ix, ID(42), &err) == SP_OK, "%s", err.msg);
    CHECK(idx_count(ix) == 0, "after delete %zu", idx_count(ix));
    CHECK(idx_delete(ix, ID(42), &err) == SP_ENOTFOUND, "delete twice");
    rec_service_free(&r);
    idx_close(ix);
    rm_index(path);
}

static void test_batch_cancel_and_reopen(void)
{
    char *path = t_tmp_path("idx", "index");
    idx *w = NULL, *rd = NULL;
    sp_err err = {0};
    CHECK(idx_open_write(path, &w, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_open_read(path, &rd, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_count(rd) == 0, "empty");

    rec_service r;
    rec_service_init(&r);
    r.name = sp_strdup("Batch record");
    CHECK(idx_begin(w, &err) == SP_OK, "%s", err.msg);
    for (int i = 0; i < 3; i++) {
        char id[37];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-00000000010%d", i);
        free(r.id);
        r.id = sp_strdup(id);
        CHECK(idx_put(w, &r, &err) == SP_OK, "%s", err.msg);
    }
    CHECK(idx_cancel(w, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_count(w) == 0, "cancelled batch left %zu docs", idx_count(w));
    CHECK(idx_reopen(rd, &err) >= 0, "%s", err.msg);
    CHECK(idx_count(rd) == 0, "reader sees cancelled docs");
    CHECK(idx_commit(w, &err) < 0, "commit without a batch must fail");

    /* A committed batch becomes visible to a reader after reopen. */
    CHECK(idx_begin(w, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_put(w, &r, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_count(rd) == 0, "reader sees uncommitted");
    CHECK(idx_commit(w, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_reopen(rd, &err) == 1, "reopen after commit should say changed");
    CHECK(idx_count(rd) == 1, "reader count %zu", idx_count(rd));
    CHECK(idx_reopen(rd, &err) == 0, "reopen again should say unchanged");

    /* A second writer is refused while the first holds the lock. */
    idx *w2 = NULL;
    CHECK(idx_open_write(path, &w2, &err) == SP_EAGAIN, "second writer: %d %s",
          err.code, err.msg);
    CHECK(w2 == NULL, "no handle on failure");

    /* Reads on a read-only handle refuse writes cleanly. */
    CHECK(idx_put(rd, &r, &err) < 0, "put on reader");

    /* A writer in another process: the reader picks up its commit. */
    idx_close(w);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        idx *cw = NULL;
        sp_err cerr = {0};
        free(r.id);
        r.id = sp_strdup("00000000-0000-4000-8000-000000000200");
        int crc = idx_open_write(path, &cw, &cerr);
        if (crc == SP_OK)
            crc = idx_put(cw, &r, &cerr);
        idx_close(cw);
        _exit(crc == SP_OK ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0,
          "child writer");
    CHECK(idx_reopen(rd, &err) == 1, "reopen after another process's commit");
    CHECK(idx_count(rd) == 2, "reader count after child %zu", idx_count(rd));

    /* The indexer opens the index on every run: with nothing new (the
     * synonyms unchanged) that must not make a commit searchd would see. */
    w = NULL;
    CHECK(idx_open_write(path, &w, &err) == SP_OK, "%s", err.msg);
    idx_close(w);
    CHECK(idx_reopen(rd, &err) == 0, "an idle writer open made a commit");

    rec_service_free(&r);
    idx_close(rd);
    rm_index(path);
}

/* synonyms.tsv is read from the data dir each time a writer opens; both
 * directions work; the header line is not a synonym. */
static void test_synonym_file(void)
{
    char tmpl[] = "/tmp/signpost-test-syn-XXXXXX";
    char *d = mkdtemp(tmpl);
    CHECK(d != NULL, "mkdtemp");
    if (!d)
        return;
    char *vdir = sp_printf("%s/vocab", d);
    char *file = sp_printf("%s/vocab/synonyms.tsv", d);
    CHECK(vdir && mkdir(vdir, 0777) == 0, "mkdir");
    FILE *f = fopen(file, "w");
    CHECK(f != NULL, "write %s", file);
    if (f) {
        fputs("term\tsynonym\n# comment\nwidget\tsprocket\nzebra crossing\tpelican\n", f);
        fclose(f);
    }
    const char *old = getenv("SIGNPOST_DATA");
    char *saved = old ? sp_strdup(old) : NULL;
    setenv("SIGNPOST_DATA", d, 1);

    char *path = t_tmp_path("idx", "index");
    idx *ix = NULL;
    sp_err err = {0};
    CHECK(idx_open_write(path, &ix, &err) == SP_OK, "%s", err.msg);
    const char *texts[][2] = {
        {"00000000-0000-4000-8000-000000000301", "We repair every sprocket."},
        {"00000000-0000-4000-8000-000000000302", "Meet at the zebra crossing."},
        {"00000000-0000-4000-8000-000000000303", "A term only."},
        {"00000000-0000-4000-8000-000000000304", "Just a synonym."},
    };
    for (size_t i = 0; ix && i < 4; i++) {
        rec_service r;
        rec_service_init(&r);
        r.id = sp_strdup(texts[i][0]);
        r.name = sp_strdup("Example");
        r.description = sp_strdup(texts[i][1]);
        CHECK(idx_put(ix, &r, &err) == SP_OK, "%s", err.msg);
        rec_service_free(&r);
    }
    static const struct {
        const char *q;
        size_t total;
    } cases[] = {{"widget", 1}, {"sprocket", 1}, {"pelican", 1}, {"zebra crossing", 1},
                 {"term", 1}, {"synonym", 1}};
    for (size_t i = 0; ix && i < sizeof cases / sizeof cases[0]; i++) {
        idx_query q;
        idx_query_init(&q);
        q.q = cases[i].q;
        size_t t = search_total(ix, &q);
        CHECK(t == cases[i].total, "synonym file: %s gave %zu", cases[i].q, t);
    }
    idx_close(ix);
    rm_index(path);

    if (saved) {
        setenv("SIGNPOST_DATA", saved, 1);
        free(saved);
    } else {
        unsetenv("SIGNPOST_DATA");
    }
    char *cmd = sp_printf("rm -rf '%s'", d);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", d);
    free(cmd);
    free(vdir);
    free(file);
}

/* With a vocab, labels are indexed: "Bengali" finds a service tagged bn. */
static void test_vocab_labels(void)
{
    vocab *v = NULL;
    sp_err err = {0};
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        CHECK(0, "vocab_load: %s", err.msg);
        return;
    }
    char *path = NULL;
    idx *ix = NULL;
    path = t_tmp_path("idx", "index");
    CHECK(idx_open_write(path, &ix, &err) == SP_OK, "%s", err.msg);
    if (ix) {
        idx_set_vocab(ix, v);
        load_fixtures(ix);
        FINDS(ix, "bengali", 1, "language label", ID(02));
        FINDS(ix, "people aged 50 and over", 2, "group label", ID(01), ID(04));
        idx_close(ix);
    }
    rm_index(path);
    vocab_free(v);
}

static void test_open_errors(void)
{
    idx *ix = (idx *)1;
    sp_err err = {0};
    CHECK(idx_open_read("/nonexistent/signpost/index", &ix, &err) < 0, "read missing");
    CHECK(ix == NULL && err.msg[0], "no handle and a message: %s", err.msg);
    /* The parent is a file: Xapian throws; the binding returns a code. */
    ix = (idx *)1;
    CHECK(idx_open_write("/dev/null/index", &ix, &err) < 0 && ix == NULL && err.msg[0],
          "write under a file: %s", err.msg);
}

/* Parse "field=value;field=value" into a query's filters (static storage
 * in vals, up to 16 values). */
static void parse_filters(idx_query *q, const char *spec, char vals[16][64],
                          const char *ptrs[IDX_F__COUNT][16])
{
    if (!strcmp(spec, "-"))
        return;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    int n = 0;
    char *save = NULL;
    for (char *part = strtok_r(buf, ";", &save); part && n < 16;
         part = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(part, '=');
        if (!eq)
            continue;
        *eq = '\0';
        int f = idx_field_from_name(part);
        if (f < 0) {
            fprintf(stderr, "bad field %s\n", part);
            exit(1);
        }
        snprintf(vals[n], 64, "%s", eq + 1);
        ptrs[f][q->n_filters[f]++] = vals[n];
        q->filters[f] = ptrs[f];
        n++;
    }
}

/* For every facet value: count == total of the same search with that value
 * as the field's only filter (disjunctive facets, exact counts). */
static void check_facets(idx *ix, const idx_query *q, const char *label)
{
    idx_result res;
    sp_err err = {0};
    int rc = idx_search(ix, q, &res, &err);
    CHECK(rc == SP_OK, "%s: %s", label, err.msg);
    if (rc)
        return;
    CHECK(res.exhaustive, "%s: not exhaustive", label);
    for (int f = 0; f < IDX_F__COUNT; f++) {
        const idx_facet *fc = &res.facets[f];
        for (size_t i = 0; i < fc->n; i++) {
            idx_query q2 = *q;
            const char *only[1] = {fc->v[i].value};
            q2.filters[f] = only;
            q2.n_filters[f] = 1;
            q2.facets = false;
            size_t t = search_total(ix, &q2);
            CHECK(t == fc->v[i].count, "%s: %s=%s count %zu but filtered total %zu", label,
                  idx_field_name((idx_field)f), fc->v[i].value, fc->v[i].count, t);
            if (i > 0 && (f == IDX_F_AGE || f == IDX_F_MONTHS))
                CHECK(atoi(fc->v[i - 1].value) < atoi(fc->v[i].value), "%s: %s in order",
                      label, idx_field_name((idx_field)f));
            else if (i > 0)
                CHECK(fc->v[i - 1].count >= fc->v[i].count, "%s: facet order", label);
        }
        /* Selected values are flagged, and listed. */
        for (size_t j = 0; j < q->n_filters[f]; j++) {
            bool found = false;
            for (size_t i = 0; i < fc->n; i++)
                if (!strcmp(fc->v[i].value, q->filters[f][j]))
                    found = fc->v[i].selected;
            CHECK(found, "%s: selected %s not flagged", label, q->filters[f][j]);
        }
    }
    idx_result_free(&res);
}

static void test_facets(idx *ix)
{
    t_lines l = t_lines_open("%s/facet_queries.tsv", data_dir);
    int cases = 0;
    while (t_line(&l)) {
        char *line = l.line;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2) {
            CHECK(0, "bad line in facet_queries.tsv: %s", line);
            continue;
        }
        *t1 = *t2 = '\0';
        idx_query q;
        idx_query_init(&q);
        q.q = line;
        char vals[16][64];
        const char *ptrs[IDX_F__COUNT][16];
        parse_filters(&q, t1 + 1, vals, ptrs);
        const char *age[1] = {t2 + 1};
        if (strcmp(t2 + 1, "-")) {
            q.filters[IDX_F_AGE] = age;
            q.n_filters[IDX_F_AGE] = 1;
        }
        /* Also folding duplicates: counts then count clusters, as the
         * folded total does. */
        for (int c = 0; c < 2; c++) {
            char label[2100];
            q.collapse = c;
            snprintf(label, sizeof label, "[q=%s filters=%s age=%s collapse=%d]", line, t1 + 1,
                     t2 + 1, c);
            check_facets(ix, &q, label);
        }
        cases++;
    }
    CHECK(cases >= 5, "only %d facet cases", cases);

    /* Disjunctive: with borough=hackney selected, other boroughs keep
     * their counts. */
    idx_query q;
    idx_query_init(&q);
    const char *hk[] = {"hackney"};
    q.filters[IDX_F_BOROUGH] = hk;
    q.n_filters[IDX_F_BOROUGH] = 1;
    idx_result res;
    search(ix, &q, &res);
    CHECK(res.total == 2, "hackney total %zu", res.total);
    bool croydon = false;
    for (size_t i = 0; i < res.facets[IDX_F_BOROUGH].n; i++)
        if (!strcmp(res.facets[IDX_F_BOROUGH].v[i].value, "croydon"))
            croydon = res.facets[IDX_F_BOROUGH].v[i].count == 1 &&
                      !res.facets[IDX_F_BOROUGH].v[i].selected;
    CHECK(croydon, "croydon count kept while hackney selected");
    idx_result_free(&res);
}

static void test_text(idx *ix)
{
    idx_result res;
    sp_err err = {0};
    idx_query q;

    /* ESOL finds the course described only as "English for speakers of
     * other languages", and the long form finds the "ESOL" club. */
    FINDS(ix, "ESOL", -1, "the course and the club", ID(02), ID(09));
    FINDS(ix, "english for speakers of other languages", -1, "long form", ID(09), ID(02));
    idx_query_init(&q);

    /* Did you mean. */
    q.q = "intervew skils";
    search(ix, &q, &res);
    CHECK(res.suggestion && !strcmp(res.suggestion, "interview skills"),
          "suggestion %s", res.suggestion ? res.suggestion : "(none)");
    idx_result_free(&res);
    q.q = "interview skills";
    search(ix, &q, &res);
    CHECK(res.suggestion == NULL, "no suggestion for a correct query: %s", res.suggestion ? res.suggestion : "");
    CHECK(res.n_hits >= 2 && has_hit(&res, ID(06)), "interview skills hits %zu", res.n_hits);
    /* The name weighs more than the body. */
    CHECK(res.n_hits && !strcmp(res.hits[0].rec.id, ID(06)), "name match first");
    CHECK(res.n_hits && res.hits[0].score > 0, "score");
    idx_result_free(&res);

    /* Stemming: "mentor" finds "Mentoring". */
    FINDS(ix, "mentor", -1, "stemming", ID(03));
    /* Field prefixes: org: searches the organisation only. */
    FINDS(ix, "org:croydon", 1, "org: prefix", ID(04));
    /* Category labels are searchable text. */
    FINDS(ix, "apprenticeships OR sector academies", -1, "label text", ID(08));

    /* Bad syntax never errors. */
    t_lines l = t_lines_open("%s/bad_queries.txt", data_dir);
    int n = 0;
    while (t_line(&l)) {
        idx_query_init(&q);
        q.q = l.line;
        int rc = idx_search(ix, &q, &res, &err);
        CHECK(rc == SP_OK, "query [%s] failed: %s", l.line, err.msg);
        if (rc == SP_OK)
            idx_result_free(&res);
        n++;
    }
    CHECK(n >= 10, "bad queries read: %d", n);

    /* Overlong queries are refused with a message (searchd: 400). */
    char *longq = calloc(1, 2001);
    if (longq) {
        memset(longq, 'a', 2000);
        idx_query_init(&q);
        q.q = longq;
        CHECK(idx_search(ix, &q, &res, &err) == SP_EINVAL && strstr(err.msg, "too long"),
              "long query: %s", err.msg);
        free(longq);
    }
}

/* idx_later_passes_may_change's promise, which lets searchd skip a
 * search: when it says no, the search with relax finds exactly what every
 * word with every filter found.  Over words that relax, take a
 * did-you-mean or neither, with and without filters and a boost. */
static void test_later_passes(idx *ix)
{
    static const char *const texts[] = {NULL, "mentoring", "mentoring confidence",
                                        "intervew", "interview zzzqx", "esol", "zzzqx"};
    static const char *const hackney[] = {"hackney"};
    static const char *const esol[] = {"esol"};
    int said_no = 0, said_yes = 0;
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
        for (int variant = 0; variant < 4; variant++) {
            idx_query q;
            idx_query_init(&q);
            q.q = texts[t];
            q.limit = 0;
            if (variant & 1) {
                q.filters[IDX_F_BOROUGH] = hackney;
                q.n_filters[IDX_F_BOROUGH] = 1;
            }
            if (variant & 2) {
                q.boost = esol;
                q.n_boost = 1;
                q.relax_to_filters = true;
            }
            idx_result strict, relaxed;
            if (!search(ix, &q, &strict))
                continue;
            q.relax = true;
            if (search(ix, &q, &relaxed)) {
                bool may = idx_later_passes_may_change(&q, strict.total, strict.spelling);
                CHECK(may || relaxed.total == strict.total,
                      "[%s] variant %d: said no change, but %zu became %zu",
                      q.q ? q.q : "", variant, strict.total, relaxed.total);
                said_no += !may;
                said_yes += may;
                idx_result_free(&relaxed);
            }
            idx_result_free(&strict);
        }
    CHECK(said_no >= 4 && said_yes >= 4, "both answers asked: no %d, yes %d", said_no,
          said_yes);
}

static void test_snippets(idx *ix)
{
    idx_result res;
    idx_query q;
    idx_query_init(&q);
    q.q = "mentoring confidence";
    search(ix, &q, &res);
    CHECK(res.n_hits == 1, "hits %zu", res.n_hits);
    if (res.n_hits) {
        const char *s = res.hits[0].snippet ? res.hits[0].snippet : "";
        CHECK(s && strstr(s, "<mark>Mentoring</mark>"), "snippet marks: %s", s);
        CHECK(s && !strstr(s, "<script>"), "snippet not escaped: %s", s);
        CHECK(s && strstr(s, "&lt;script&gt;"), "snippet escaped: %s", s);
    }
    idx_result_free(&res);

    /* Browsing: the start of the text, still escaped. */
    idx_query_init(&q);
    const char *camden[] = {"camden"};
    q.filters[IDX_F_BOROUGH] = camden;
    q.n_filters[IDX_F_BOROUGH] = 1;
    search(ix, &q, &res);
    CHECK(res.n_hits == 1, "hits %zu", res.n_hits);
    if (res.n_hits) {
        const char *s = res.hits[0].snippet ? res.hits[0].snippet : "";
        CHECK(s && !strncmp(s, "Mentoring for young people", 26), "browse snippet: %s", s);
        CHECK(s && !strstr(s, "<script>") && !strstr(s, "<mark>"), "browse escaped: %s", s);
        CHECK(s && strstr(s, "&lt;script&gt;") && strstr(s, "&amp; skills"), "browse escaped: %s", s);
        CHECK(res.hits[0].score == 0, "browse score");
        CHECK(res.hits[0].distance_km < 0, "no near, no distance");
    }
    idx_result_free(&res);
}

static void set_age(idx_query *q, const char **slot, char *buf, int age)
{
    snprintf(buf, 8, "%d", age);
    *slot = buf;
    q->filters[IDX_F_AGE] = slot;
    q->n_filters[IDX_F_AGE] = 1;
}

static const idx_facet_value *facet_value(const idx_result *res, idx_field f, const char *v)
{
    for (size_t i = 0; i < res->facets[f].n; i++)
        if (!strcmp(res->facets[f].v[i].value, v))
            return &res->facets[f].v[i];
    return NULL;
}

static void test_age(idx *ix)
{
    idx_result res;
    sp_err err = {0};
    idx_query q;
    idx_query_init(&q);
    q.limit = 100;
    const char *slot;
    char buf[8];
    set_age(&q, &slot, buf, 30);
    search(ix, &q, &res);
    CHECK(!has_hit(&res, ID(03)), "16-24 service at age 30");
    CHECK(has_hit(&res, ID(01)) && has_hit(&res, ID(06)) && has_hit(&res, ID(07)) &&
              has_hit(&res, ID(04)),
          "age 30 should match min-only, 25-64 and no-limit services");
    CHECK(res.total == 8, "age 30 total %zu", res.total);
    /* The age facet: the steps, and the age asked for with the total. */
    const idx_facet_value *v30 = facet_value(&res, IDX_F_AGE, "30");
    const idx_facet_value *v18 = facet_value(&res, IDX_F_AGE, "18");
    CHECK(v30 && v30->selected && v30->count == 8, "age 30 listed with its total");
    CHECK(v18 && !v18->selected && v18->count >= 1, "age 18 counted without the age filter");
    idx_result_free(&res);

    set_age(&q, &slot, buf, 17);
    search(ix, &q, &res);
    CHECK(has_hit(&res, ID(03)) && has_hit(&res, ID(04)) && has_hit(&res, ID(07)),
          "age 17");
    CHECK(!has_hit(&res, ID(01)) && !has_hit(&res, ID(06)), "age 17 below minimum");
    idx_result_free(&res);

    set_age(&q, &slot, buf, 24); /* limits are inclusive */
    search(ix, &q, &res);
    CHECK(has_hit(&res, ID(03)), "max age inclusive");
    idx_result_free(&res);
    set_age(&q, &slot, buf, 70);
    search(ix, &q, &res);
    CHECK(!has_hit(&res, ID(06)) && has_hit(&res, ID(04)), "age 70");
    idx_result_free(&res);

    /* A step (term) and the same age as ranges agree: 25 is a step. */
    set_age(&q, &slot, buf, 25);
    q.facets = false;
    search(ix, &q, &res);
    size_t by_term = res.total;
    idx_result_free(&res);
    size_t in_range = 0;
    idx_query all;
    idx_query_init(&all);
    all.limit = 100;
    all.facets = false;
    search(ix, &all, &res);
    for (size_t i = 0; i < res.n_hits; i++) {
        const rec_service *r = &res.hits[i].rec;
        if ((r->minimum_age < 0 || r->minimum_age <= 25) &&
            (r->maximum_age < 0 || r->maximum_age >= 25))
            in_range++;
    }
    idx_result_free(&res);
    CHECK(by_term == in_range, "age 25: %zu by term, %zu by the records' ranges", by_term,
          in_range);

    const char *bad[1] = {"abc"};
    q.filters[IDX_F_AGE] = bad;
    CHECK(idx_search(ix, &q, &res, &err) == SP_EINVAL, "age=abc refused");
}

static void test_near(idx *ix)
{
    idx_result res;
    idx_query q;
    idx_query_init(&q);
    q.has_near = true;
    q.near_lat = 51.5450; /* Hackney */
    q.near_lon = -0.0553;
    q.radius_km = 5;
    q.sort = IDX_SORT_DISTANCE;
    search(ix, &q, &res);
    CHECK(res.total == 2, "within 5 km: %zu", res.total);
    CHECK(res.n_hits == 2 && !strcmp(res.hits[0].rec.id, ID(01)) &&
              !strcmp(res.hits[1].rec.id, ID(02)),
          "nearest first");
    if (res.n_hits == 2) {
        CHECK(res.hits[0].distance_km >= 0 && res.hits[0].distance_km < 0.1, "d0 %f",
              res.hits[0].distance_km);
        CHECK(res.hits[1].distance_km > 3 && res.hits[1].distance_km < 4.5, "d1 %f",
              res.hits[1].distance_km);
    }
    /* Facets respect the radius too. */
    size_t en = 0;
    for (size_t i = 0; i < res.facets[IDX_F_LANGUAGE].n; i++)
        if (!strcmp(res.facets[IDX_F_LANGUAGE].v[i].value, "en"))
            en = res.facets[IDX_F_LANGUAGE].v[i].count;
    CHECK(en == 2, "en within radius %zu", en);
    idx_result_free(&res);

    /* No radius: everything, nearest first, unlocated last. */
    q.radius_km = 0;
    q.limit = 20;
    search(ix, &q, &res);
    CHECK(res.n_hits == 9, "hits %zu", res.n_hits);
    double last = 0;
    bool ordered = true, unlocated_seen = false;
    for (size_t i = 0; i < res.n_hits; i++) {
        double d = res.hits[i].distance_km;
        if (d < 0) {
            unlocated_seen = true;
            continue;
        }
        if (unlocated_seen || d < last)
            ordered = false;
        last = d;
    }
    CHECK(ordered && unlocated_seen, "distance order");
    idx_result_free(&res);
}

static void test_sort_collapse(idx *ix)
{
    idx_result res;
    idx_query q;
    idx_query_init(&q);
    q.sort = IDX_SORT_UPDATED;
    q.limit = 3;
    search(ix, &q, &res);
    CHECK(res.n_hits == 3 && !strcmp(res.hits[0].rec.id, ID(03)) &&
              !strcmp(res.hits[1].rec.id, ID(01)) && !strcmp(res.hits[2].rec.id, ID(02)),
          "newest first");
    CHECK(res.total == 9, "total %zu", res.total);
    idx_result_free(&res);

    /* Paging. */
    q.offset = 8;
    search(ix, &q, &res);
    CHECK(res.n_hits == 1 && !strcmp(res.hits[0].rec.id, ID(09)), "last page");
    idx_result_free(&res);

    idx_query_init(&q);
    q.q = "job club";
    q.collapse = true;
    search(ix, &q, &res);
    size_t folded = 0, jobclubs = 0;
    for (size_t i = 0; i < res.n_hits; i++) {
        if (!strcmp(res.hits[i].rec.id, ID(01)) || !strcmp(res.hits[i].rec.id, ID(05))) {
            jobclubs++;
            folded = res.hits[i].collapsed;
        }
    }
    CHECK(jobclubs == 1 && folded == 1, "collapse: %zu shown, %zu folded", jobclubs, folded);
    idx_result_free(&res);
    q.collapse = false;
    search(ix, &q, &res);
    CHECK(has_hit(&res, ID(01)) && has_hit(&res, ID(05)), "without collapse both");
    idx_result_free(&res);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_tags(const rec_tags *a, const rec_tags *b)
{
    bool same = a->n == b->n;
    for (size_t i = 0; same && i < a->n; i++)
        same = same_str(a->v[i].slug, b->v[i].slug);
    return same;
}

/* A result list (idx_query.brief) gets the same hits, each with the same
 * values in the fields a brief record has, and none of the others. */
static void test_brief(idx *ix)
{
    const char *texts[] = {"cv", NULL, "job club"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        idx_query q;
        idx_query_init(&q);
        q.q = texts[k];
        q.limit = 20;
        idx_result full, brief;
        search(ix, &q, &full);
        q.brief = true;
        search(ix, &q, &brief);
        CHECK(full.n_hits == brief.n_hits && full.n_hits > 0, "brief: %zu hits vs %zu",
              brief.n_hits, full.n_hits);
        for (size_t i = 0; i < full.n_hits && i < brief.n_hits; i++) {
            const rec_service *a = &full.hits[i].rec, *b = &brief.hits[i].rec;
            const char *id = a->id;
            CHECK(same_str(a->id, b->id) && same_str(a->name, b->name) &&
                      same_str(a->organization.name, b->organization.name) &&
                      same_str(a->organization.website, b->organization.website) &&
                      same_str(a->url, b->url) && same_str(a->description, b->description) &&
                      same_str(a->cluster_id, b->cluster_id) &&
                      same_str(a->last_modified, b->last_modified),
                  "brief %s: text fields", id);
            CHECK(a->description || same_str(a->eligibility_description,
                                             b->eligibility_description),
                  "brief %s: eligibility text without a description", id);
            CHECK(same_tags(&a->boroughs, &b->boroughs) && same_tags(&a->groups, &b->groups) &&
                      same_tags(&a->categories, &b->categories),
                  "brief %s: tags", id);
            CHECK(a->prov.last_changed == b->prov.last_changed &&
                      a->prov.last_seen == b->prov.last_seen &&
                      a->prov.first_seen == b->prov.first_seen,
                  "brief %s: times", id);
            /* schema 5: what a portal result shows (idx_rec_*) */
            CHECK(a->minimum_age == b->minimum_age && a->maximum_age == b->maximum_age &&
                      a->pan_london == b->pan_london && same_tags(&a->modes, &b->modes),
                  "brief %s: ages, pan-London, modes", id);
            CHECK(same_str(idx_rec_phone(a), idx_rec_phone(b)) &&
                      same_str(a->email ? a->email : a->organization.email, b->email),
                  "brief %s: phone and e-mail shown", id);
            const rec_location *la = idx_rec_location(a), *lb = idx_rec_location(b);
            CHECK(!la == !lb && (!la || (same_str(la->name, lb->name) &&
                                         la->has_coords == lb->has_coords &&
                                         la->latitude == lb->latitude &&
                                         la->longitude == lb->longitude &&
                                         !la->n_addresses == !lb->n_addresses)),
                  "brief %s: the location shown", id);
            CHECK(!la || !la->n_addresses ||
                      (same_str(la->addresses[0].address_1, lb->addresses[0].address_1) &&
                       same_str(la->addresses[0].city, lb->addresses[0].city) &&
                       same_str(la->addresses[0].postal_code, lb->addresses[0].postal_code)),
                  "brief %s: its address", id);
            size_t na = 0, nb = 0;
            const rec_schedule *sa = idx_rec_schedules(a, &na), *sb = idx_rec_schedules(b, &nb);
            CHECK(nb == (na < IDX_BRIEF_SCHEDULES ? na : IDX_BRIEF_SCHEDULES),
                  "brief %s: %zu schedules of %zu", id, nb, na);
            for (size_t k2 = 0; k2 < nb && k2 < na; k2++)
                CHECK(same_str(sa[k2].byday, sb[k2].byday) &&
                          same_str(sa[k2].opens_at, sb[k2].opens_at) &&
                          same_str(sa[k2].closes_at, sb[k2].closes_at) &&
                          same_str(sa[k2].notes, sb[k2].notes),
                      "brief %s: schedule %zu", id, k2);
            CHECK(!b->n_rules && !b->n_languages, "brief %s: nothing more", id);
            CHECK(same_str(full.hits[i].snippet, brief.hits[i].snippet), "brief %s: snippet",
                  id);
        }
        idx_result_free(&full);
        idx_result_free(&brief);
    }
}

/* Folding is exact: records in 2 clusters (A: 3 records, B: 2) plus 3
 * singles.  The folded total is the number of distinct clusters (a
 * record without a cluster id counts as its own), with and without a
 * filter, and each facet count equals the folded total of the search
 * with that value as its field's only filter. */
static size_t fold_total(idx *ix, const char *cost, idx_result *keep)
{
    idx_query q;
    idx_query_init(&q);
    q.q = "esol";
    q.collapse = true;
    const char *v[] = {cost};
    if (cost) {
        q.filters[IDX_F_COST] = v;
        q.n_filters[IDX_F_COST] = 1;
    }
    idx_result res;
    sp_err err = {0};
    if (idx_search(ix, &q, &res, &err) != SP_OK) {
        CHECK(0, "%s", err.msg);
        return (size_t)-1;
    }
    CHECK(res.exhaustive, "folded total not exhaustive");
    size_t t = res.total;
    if (keep)
        *keep = res;
    else
        idx_result_free(&res);
    return t;
}

static void check_fold_exact(idx *ix, const char *label)
{
    idx_result all;
    CHECK(fold_total(ix, NULL, &all) == 5, "%s: folded total %zu", label, all.total);
    CHECK(fold_total(ix, "free", NULL) == 4, "%s: folded free", label);
    CHECK(fold_total(ix, "fee", NULL) == 2, "%s: folded fee", label);
    size_t seen = 0;
    for (size_t i = 0; i < all.facets[IDX_F_COST].n; i++) {
        const char *val = all.facets[IDX_F_COST].v[i].value;
        size_t want = fold_total(ix, val, NULL);
        CHECK(all.facets[IDX_F_COST].v[i].count == want, "%s: cost=%s count %zu, total %zu",
              label, val, (size_t)all.facets[IDX_F_COST].v[i].count, want);
        seen++;
    }
    CHECK(seen == 2, "%s: %zu cost values", label, seen);
    /* Each hit says how many records were folded into it: cl-a has 3,
     * cl-b 2, the rest none (the reader counts from its facet table, where
     * the matcher may stop before seeing every duplicate). */
    CHECK(all.n_hits == 5, "%s: 5 folded hits (%zu)", label, all.n_hits);
    for (size_t i = 0; i < all.n_hits; i++) {
        const char *cl = all.hits[i].rec.cluster_id ? all.hits[i].rec.cluster_id : "";
        size_t want = !strcmp(cl, "cl-a") ? 2 : !strcmp(cl, "cl-b") ? 1 : 0;
        CHECK(all.hits[i].collapsed == want, "%s: %s folds %zu, want %zu", label,
              all.hits[i].rec.id, all.hits[i].collapsed, want);
    }
    idx_result_free(&all);
    /* Only the records matching count: two of cl-a's three are free. */
    idx_result fr;
    fold_total(ix, "free", &fr);
    for (size_t i = 0; i < fr.n_hits; i++) {
        const char *cl = fr.hits[i].rec.cluster_id ? fr.hits[i].rec.cluster_id : "";
        size_t want = !strcmp(cl, "cl-a") || !strcmp(cl, "cl-b") ? 1 : 0;
        CHECK(fr.hits[i].collapsed == want, "%s: free: %s folds %zu, want %zu", label,
              fr.hits[i].rec.id, fr.hits[i].collapsed, want);
    }
    idx_result_free(&fr);
}

/* A new index at *path (rm_index removes it) in a batch (idx_begin);
 * NULL, with a failed check and nothing left behind, when it does not open. */
static idx *new_index(char **path)
{
    *path = t_tmp_path("idx", "index");
    idx *ix = NULL;
    sp_err err = {0};
    CHECK(idx_open_write(*path, &ix, &err) == SP_OK, "%s", err.msg);
    if (!ix) {
        rm_index(*path);
        return NULL;
    }
    CHECK(idx_begin(ix, &err) == SP_OK, "%s", err.msg);
    return ix;
}

/* Put the record js (freed here) into ix. */
static void put_json(idx *ix, char *js)
{
    sp_err err = {0};
    rec_service r;
    CHECK(rec_from_json_string(js, strlen(js), &r, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_put(ix, &r, &err) == SP_OK, "%s", err.msg);
    rec_service_free(&r);
    free(js);
}

static void test_collapse_exact(void)
{
    /* id suffix, cluster ("" = none), cost */
    static const char *const recs[][3] = {
        {"61", "cl-a", "free"}, {"62", "cl-a", "free"}, {"63", "cl-a", "fee"},
        {"64", "cl-b", "free"}, {"65", "cl-b", "free"}, {"66", "", "free"},
        {"67", "", "free"},     {"68", "", "fee"},
    };
    char *path = NULL;
    idx *ix = new_index(&path);
    if (!ix)
        return;
    sp_err err = {0};
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        char *js = sp_printf("{\"id\": \"00000000-0000-4000-8000-0000000000%s\", \"name\": "
                             "\"ESOL class %s\", \"signpost\": {\"costs\": [{\"slug\": "
                             "\"%s\"}]%s%s%s}}",
                             recs[i][0], recs[i][0], recs[i][2],
                             *recs[i][1] ? ", \"cluster_id\": \"" : "", recs[i][1],
                             *recs[i][1] ? "\"" : "");
        put_json(ix, js);
    }
    CHECK(idx_commit(ix, &err) == SP_OK, "%s", err.msg);
    check_fold_exact(ix, "writer");
    idx_close(ix);
    idx *rd = NULL;
    CHECK(idx_open_read(path, &rd, &err) == SP_OK, "%s", err.msg);
    if (rd) {
        check_fold_exact(rd, "reader");
        idx_close(rd);
    }
    rm_index(path);
}

/* Opening hours by the quarter hour (hours.h): a whole open hour is one
 * term and the partial hours at an opening's edges are quarter-hour terms
 * (schema 7), so "open at" must still find exactly the services whose
 * schedules cover the whole quarter hour, at every quarter hour of the
 * week and between them, as a filter and as a counted term set (the
 * hours facet).  hours_spans is what the schedules say, by hand. */
static const struct {
    const char *id, *schedules;
} hours_recs[] = {
    {"71", "{\"byday\": \"MO,TU,WE,TH,FR\", \"opens_at\": \"09:15\", \"closes_at\": \"17:45\"}"},
    {"72", "{\"byday\": \"SA\", \"opens_at\": \"22:30\", \"closes_at\": \"01:15\"}"},
    {"73", "{\"byday\": \"TH\", \"opens_at\": \"00:00\", \"closes_at\": \"24:00\"}"},
    {"74", "{\"byday\": \"TU\", \"opens_at\": \"09:07:00\", \"closes_at\": \"10:53:00\"}"},
    {"75", "{\"byday\": \"MO\", \"opens_at\": \"09:00\", \"closes_at\": \"10:30\"}, "
           "{\"byday\": \"MO\", \"opens_at\": \"10:30\", \"closes_at\": \"11:00\"}, "
           "{\"byday\": \"SU\", \"opens_at\": \"12:45\", \"closes_at\": \"13:00\"}"},
    {"76", ""},
};
static const struct {
    int rec, day, from, to; /* hours_recs[rec] open on day from..to minutes */
} hours_spans[] = {
    {0, 0, 555, 1065}, {0, 1, 555, 1065}, {0, 2, 555, 1065}, {0, 3, 555, 1065},
    {0, 4, 555, 1065}, {1, 5, 1350, 1440}, {1, 6, 0, 75},    {2, 3, 0, 1440},
    {3, 1, 547, 653},  {4, 0, 540, 630},   {4, 0, 630, 660}, {4, 6, 765, 780},
};
#define HOURS_RECS (sizeof hours_recs / sizeof hours_recs[0])

/* Is hours_recs[rec] open for the whole quarter hour around minute m? */
static bool hours_open(size_t rec, int day, int m)
{
    int q = m / HOURS_SLOT_MIN * HOURS_SLOT_MIN;
    for (size_t i = 0; i < sizeof hours_spans / sizeof hours_spans[0]; i++)
        if ((size_t)hours_spans[i].rec == rec && hours_spans[i].day == day &&
            hours_spans[i].from <= q && q + HOURS_SLOT_MIN <= hours_spans[i].to)
            return true;
    return false;
}

static void check_open_at(idx *ix, int day, int m)
{
    char terms[HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX];
    const char *ptrs[HOURS_MAX_QUERY_TERMS];
    size_t n = hours_query_terms(day, -1, m, terms);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = terms[i];
    idx_query q;
    idx_query_init(&q);
    q.hours = ptrs;
    q.n_hours = n;
    q.limit = 20;
    idx_result res;
    if (!search(ix, &q, &res))
        return;
    size_t want = 0;
    for (size_t r = 0; r < HOURS_RECS; r++) {
        char id[64];
        snprintf(id, sizeof id, ID(%s), hours_recs[r].id);
        bool open = hours_open(r, day, m);
        want += open;
        CHECK(has_hit(&res, id) == open, "%s at %s %02d:%02d: %s", hours_recs[r].id,
              hours_day_code(day), m / 60, m % 60, open ? "not found" : "found, closed");
    }
    CHECK(res.total == want, "at %s %02d:%02d: %zu found, want %zu", hours_day_code(day),
          m / 60, m % 60, res.total, want);
    idx_result_free(&res);
}

/* The hours facet's counts at minute m: every day's "open at" as a set. */
static void check_open_at_counts(idx *ix, int m)
{
    char terms[HOURS_DAYS][HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX];
    const char *ptrs[HOURS_DAYS][HOURS_MAX_QUERY_TERMS];
    idx_term_set sets[HOURS_DAYS];
    for (int d = 0; d < HOURS_DAYS; d++) {
        sets[d].n = hours_query_terms(d, -1, m, terms[d]);
        for (size_t i = 0; i < sets[d].n; i++)
            ptrs[d][i] = terms[d][i];
        sets[d].terms = ptrs[d];
    }
    idx_query q;
    idx_query_init(&q);
    q.facets = true;
    q.count_sets = sets;
    q.n_count_sets = HOURS_DAYS;
    idx_result res;
    if (!search(ix, &q, &res))
        return;
    CHECK(res.n_set_counts == HOURS_DAYS, "%zu set counts", res.n_set_counts);
    for (int d = 0; d < HOURS_DAYS && res.n_set_counts == HOURS_DAYS; d++) {
        size_t want = 0;
        for (size_t r = 0; r < HOURS_RECS; r++)
            want += hours_open(r, d, m);
        CHECK(res.set_counts[d] == want, "open at %s %02d:%02d counted %zu, want %zu",
              hours_day_code(d), m / 60, m % 60, res.set_counts[d], want);
    }
    idx_result_free(&res);
}

static void test_hours_quarters(void)
{
    char *path = NULL;
    idx *ix = new_index(&path);
    if (!ix)
        return;
    sp_err err = {0};
    for (size_t i = 0; i < HOURS_RECS; i++) {
        char *js = sp_printf("{\"id\": \"" ID(%s) "\", \"name\": \"Drop-in %s\", "
                             "\"schedules\": [%s]}",
                             hours_recs[i].id, hours_recs[i].id, hours_recs[i].schedules);
        put_json(ix, js);
    }
    CHECK(idx_commit(ix, &err) == SP_OK, "%s", err.msg);
    /* The example of the brief: 09:15-17:45 on a Monday. */
    CHECK(hours_open(0, 0, 9 * 60 + 15) && hours_open(0, 0, 12 * 60) &&
              hours_open(0, 0, 17 * 60 + 30) && !hours_open(0, 0, 9 * 60) &&
              !hours_open(0, 0, 17 * 60 + 45),
          "hours_spans reads 09:15-17:45");
    for (int d = 0; d < HOURS_DAYS; d++)
        for (int m = 0; m < 24 * 60; m += HOURS_SLOT_MIN) {
            check_open_at(ix, d, m);
            check_open_at(ix, d, m + 7);
        }
    idx_close(ix);
    idx *rd = NULL;
    CHECK(idx_open_read(path, &rd, &err) == SP_OK, "%s", err.msg);
    for (int m = 0; rd && m < 24 * 60; m += HOURS_SLOT_MIN)
        check_open_at_counts(rd, m);
    idx_close(rd);
    rm_index(path);
}

/* Phrases with filters on two fields or more (xap_search.cc): a reader
 * checks a phrase only on documents that pass every filtered field but
 * one, and ranks the matches with the phrase's words ANDed.  Its answers
 * (total, hits in order, scores, facet counts) must be the writer's,
 * which counts the slow way, with Xapian checking every phrase. */
static void same_answer(idx *wr, idx *rd, const char *text, const char *const *bor,
                        size_t nb, const char *const *cost, size_t nc,
                        const char *const *grp, size_t ng)
{
    idx_query q;
    idx_query_init(&q);
    q.q = text;
    q.limit = 100;
    q.facets = true;
    q.filters[IDX_F_BOROUGH] = bor;
    q.n_filters[IDX_F_BOROUGH] = nb;
    q.filters[IDX_F_COST] = cost;
    q.n_filters[IDX_F_COST] = nc;
    q.filters[IDX_F_GROUP] = grp;
    q.n_filters[IDX_F_GROUP] = ng;
    idx_result a, b;
    if (!search(wr, &q, &a))
        return;
    if (!search(rd, &q, &b)) {
        idx_result_free(&a);
        return;
    }
    CHECK(a.total == b.total && a.n_hits == b.n_hits, "[%s] %zu/%zu: total %zu vs %zu, hits %zu vs %zu",
          text, nb, nc, a.total, b.total, a.n_hits, b.n_hits);
    for (size_t i = 0; i < a.n_hits && i < b.n_hits; i++) {
        CHECK(!strcmp(a.hits[i].rec.id, b.hits[i].rec.id), "[%s] hit %zu: %s vs %s", text, i,
              a.hits[i].rec.id, b.hits[i].rec.id);
        CHECK(fabs(a.hits[i].score - b.hits[i].score) < 1e-9, "[%s] hit %zu: score %g vs %g",
              text, i, a.hits[i].score, b.hits[i].score);
        CHECK(same_str(a.hits[i].snippet, b.hits[i].snippet), "[%s] hit %zu: snippet %s vs %s",
              text, i, a.hits[i].snippet, b.hits[i].snippet);
    }
    const idx_field fs[] = {IDX_F_BOROUGH, IDX_F_COST, IDX_F_GROUP};
    for (size_t f = 0; f < 3; f++) {
        const idx_facet *fa = &a.facets[fs[f]], *fb = &b.facets[fs[f]];
        CHECK(fa->n == fb->n, "[%s] %s: %zu values vs %zu", text, idx_field_name(fs[f]), fa->n,
              fb->n);
        for (size_t v = 0; v < fa->n && v < fb->n; v++)
            CHECK(!strcmp(fa->v[v].value, fb->v[v].value) && fa->v[v].count == fb->v[v].count,
                  "[%s] %s: %s %zu vs %s %zu", text, idx_field_name(fs[f]), fa->v[v].value,
                  fa->v[v].count, fb->v[v].value, fb->v[v].count);
    }
    idx_result_free(&a);
    idx_result_free(&b);
}

static void test_phrase_filters(void)
{
    static const char *const texts[] = {
        "Help with self-employment and starting a business.",
        "Self employment advice for young people.",
        "Employment support, and self care sessions for young carers.",
        "Young people into employment.",
        "Self-employment for young carers, with employment advice.",
    };
    static const char *const boroughs[] = {"hackney", "newham", "camden"};
    static const char *const costs[] = {"free", "fee"};
    static const char *const groups[] = {"young-people", "carers"};
    char *path = NULL;
    idx *wr = new_index(&path);
    if (!wr)
        return;
    sp_err err = {0};
    for (int i = 0; i < 120; i++) {
        char *js = sp_printf("{\"id\": \"00000000-0000-4000-8000-%012d\", \"name\": \"Service %d\", "
                             "\"description\": \"%s\", \"signpost\": {\"boroughs\": [{\"slug\": "
                             "\"%s\"}], \"costs\": [{\"slug\": \"%s\"}], \"groups\": "
                             "[{\"slug\": \"%s\"}]}}",
                             900 + i, i, texts[i % 5], boroughs[i % 3], costs[(i / 3) % 2],
                             groups[(i / 7) % 2]);
        put_json(wr, js);
    }
    CHECK(idx_commit(wr, &err) == SP_OK, "%s", err.msg);
    idx *rd = NULL;
    CHECK(idx_open_read(path, &rd, &err) == SP_OK, "%s", err.msg);
    if (rd) {
        static const char *const hk[] = {"hackney"}, *const hn[] = {"hackney", "newham"},
                                 *const fr[] = {"free"}, *const fe[] = {"fee"},
                                 *const yp[] = {"young-people"};
        static const char *const qs[] = {"self-employment", "young self-employment",
                                         "\"self employment\" young", "self-employment OR carers",
                                         "employment"};
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            same_answer(wr, rd, qs[k], hk, 1, fr, 1, NULL, 0);
            same_answer(wr, rd, qs[k], hn, 2, fe, 1, yp, 1);
            same_answer(wr, rd, qs[k], NULL, 0, fr, 1, yp, 1);
            same_answer(wr, rd, qs[k], NULL, 0, fr, 1, NULL, 0);
        }
        /* The phrase holds only where the hyphen or the words are adjacent. */
        idx_query q;
        idx_query_init(&q);
        q.q = "self-employment";
        q.filters[IDX_F_BOROUGH] = hk;
        q.n_filters[IDX_F_BOROUGH] = 1;
        q.filters[IDX_F_COST] = fr;
        q.n_filters[IDX_F_COST] = 1;
        idx_result r;
        if (search(rd, &q, &r)) {
            /* i % 3 == 0 (hackney), (i / 3) % 2 == 0 (free), text 0, 1 or 4 */
            size_t want = 0;
            for (int i = 0; i < 120; i++)
                want += i % 3 == 0 && (i / 3) % 2 == 0 && i % 5 != 2 && i % 5 != 3;
            CHECK(r.total == want, "self-employment in hackney, free: %zu, want %zu", r.total, want);
            idx_result_free(&r);
        }
        idx_close(rd);
    }
    idx_close(wr);
    rm_index(path);
}

/* Word pairs (docs/index.md, "Word pairs"): a two-word phrase whose first
 * word is a pair head is answered from its pair term.  The texts put the
 * two words side by side every way the phrase matches (a hyphen, a space,
 * a line break, other dashes, capitals, a full stop between) and in ways
 * it does not (apart, reversed, another form of the second word, one word
 * run together), in the name (name:), the organisation (org:) and the
 * description. */
static const char *const pair_texts[][3] = {
    /* name, organisation, description; the phrase "self employment" matches 0-6, 12, 13 */
    {"Start Up Club", "Enterprise Hub", "Help with self-employment and starting a business."},
    {"Advice Desk", "Community Trust", "Self Employment advice for young people."},
    {"Next Steps", "Community Trust", "Support on the self-\nemployment route for young people."},
    {"Tax Clinic", "Money Advice", "Advice on self\u2013employment and tax."},
    {"Tax Clinic", "Money Advice", "Advice on self\u2010employment and tax."},
    {"Tax Clinic", "Money Advice", "Advice on SELF\u2014EMPLOYMENT and tax."},
    {"Wellbeing Cafe", "Mind", "Look after your self. Employment advice follows."},
    {"Carers Hub", "Carers Trust", "Employment support and self care for young carers."},
    {"Work Club", "Jobs Hub", "Self-employed people get employment advice."},
    {"Online Help", "Digital Trust", "Check your e-mail for part-time work."},
    {"Jobs Desk", "Jobs Hub", "Email us about part time and full-time jobs."},
    {"Coop Club", "Coop Trust", "A non-profit co-op and a co-operative for non profit groups."},
    {"Self-Employment Hub", "Enterprise Hub", "Drop in on Tuesdays."},
    {"Friday Drop In", "Self Employment Trust", "Drop in on Fridays."},
    {"Skills Club", "Jobs Hub", "Yourself, employment, and selfemployment."},
    {"Tax Help", "Money Advice", "Employment self-assessment help."},
    {"Mentoring", "Mentor Trust", "One-to-one mentoring, face to face or online, in-work support."},
    {"Drop-in", "Wellbeing Trust", "A drop in for well-being and follow-up calls, one to two hours, in work."},
};
#define N_PAIR_TEXTS (sizeof pair_texts / sizeof pair_texts[0])
#define PAIR_COPIES 3

/* A new index at *path holding PAIR_COPIES copies of pair_texts, with
 * boroughs, costs and groups to filter and count on; committed, still
 * open for writing. */
static idx *pair_index(char **path)
{
    static const char *const boroughs[] = {"hackney", "newham", "camden"};
    static const char *const costs[] = {"free", "fee"};
    static const char *const groups[] = {"young-people", "carers"};
    idx *wr = new_index(path);
    if (!wr)
        return NULL;
    for (size_t i = 0; i < N_PAIR_TEXTS * PAIR_COPIES; i++) {
        const char *const *t = pair_texts[i % N_PAIR_TEXTS];
        char *js = sp_printf("{\"id\": \"00000000-0000-4000-8000-%012zu\", \"name\": \"%s\", "
                             "\"organization\": {\"name\": \"%s\"}, \"description\": \"%s\", "
                             "\"signpost\": {\"boroughs\": [{\"slug\": \"%s\"}], \"costs\": "
                             "[{\"slug\": \"%s\"}], \"groups\": [{\"slug\": \"%s\"}]}}",
                             2000 + i, t[0], t[1], t[2], boroughs[i % 3], costs[(i / 3) % 2],
                             groups[(i / 7) % 2]);
        char *nl = strchr(js, '\n'); /* the line break, as JSON */
        if (nl) {
            char *esc = sp_printf("%.*s\\n%s", (int)(nl - js), js, nl + 1);
            free(js);
            js = esc;
        }
        put_json(wr, js);
    }
    sp_err err = {0};
    CHECK(idx_commit(wr, &err) == SP_OK, "%s", err.msg);
    return wr;
}

/* On the writer wr, in one commit: the schema version schema (0: left as
 * it is) and, when pairs is not NULL, the pairs key ("" removes it). */
static void mark_index(idx *wr, int schema, const char *pairs)
{
    sp_err err = {0};
    char v[16];
    snprintf(v, sizeof v, "%d", schema);
    int rc = idx_begin(wr, &err);
    if (rc == SP_OK && schema)
        rc = idx_meta_set(wr, "signpost.schema", v, &err);
    if (rc == SP_OK && pairs)
        rc = idx_meta_set(wr, "signpost.pairs", pairs, &err);
    if (rc == SP_OK)
        rc = idx_commit(wr, &err);
    CHECK(rc == SP_OK, "%s", err.msg);
}

static void test_pair_terms(void)
{
    static const struct {
        const char *q;
        long want; /* matches in one copy of pair_texts, -1: only compared */
    } qs[] = {
        {"self-employment", 9},
        {"Self-Employment", 9},
        {"\"self employment\"", 9},
        {"self\u2013employment", -1}, /* not a phrase to the parser: words */
        {"self-employed", 1},
        {"self-employments", 0},
        {"name:self-employment", 1},
        {"org:self-employment", 1},
        {"e-mail", 1},
        {"part-time", 2},
        {"full-time", 1},
        {"non-profit", 1},
        {"co-op", 1},
        {"self-assessment", 1},
        {"tax self-employment", 3},
        {"self-employment -tax", 6},
        {"self-employment OR e-mail", 10},
        {"employment NOT self-employment", -1},
        {"self-employment advice", -1},
        {"\"self employment advice\"", 2}, /* three words: filtered by a pair */
        {"self-care", 1},
        {"one-to-one", 1},
        {"face-to-face", 1},
        {"\"one to two\"", 1},
        {"in-work", 2},
        {"drop-in", 3},
        {"well-being", 1},
        {"follow-up", 1},
    };
    static const char *const hk[] = {"hackney"}, *const hn[] = {"hackney", "newham"},
                             *const fr[] = {"free"}, *const fe[] = {"fee"},
                             *const yp[] = {"young-people"};
    char *pa = NULL, *pb = NULL;
    idx *wa = pair_index(&pa), *wb = pair_index(&pb);
    /* b: as an index rebuilt by a Signpost without pair terms reads (it
     * keeps the pairs key, not its version), then as one from before the
     * key: both answer with phrases. */
    if (wb)
        mark_index(wb, 7, NULL);
    sp_err err = {0};
    idx *ra = NULL, *rb = NULL;
    if (wa)
        CHECK(idx_open_read(pa, &ra, &err) == SP_OK, "%s", err.msg);
    if (wb)
        CHECK(idx_open_read(pb, &rb, &err) == SP_OK, "%s", err.msg);
    for (int round = 0; ra && rb && round < 2; round++) {
        if (round == 1) {
            mark_index(wb, IDX_SCHEMA_VERSION, "");
            CHECK(idx_reopen(rb, &err) == 1, "reopen: %s", err.msg);
        }
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            if (qs[k].want >= 0) {
                idx_query q;
                idx_query_init(&q);
                q.q = qs[k].q;
                q.limit = 0;
                CHECK(search_total(ra, &q) == (size_t)qs[k].want * PAIR_COPIES,
                      "[%s]: %zu, want %ld", qs[k].q, search_total(ra, &q),
                      qs[k].want * PAIR_COPIES);
                CHECK(search_total(rb, &q) == (size_t)qs[k].want * PAIR_COPIES,
                      "phrase [%s]: %zu, want %ld", qs[k].q, search_total(rb, &q),
                      qs[k].want * PAIR_COPIES);
            }
            /* Pair terms (a reader, a writer) against phrases (a reader). */
            same_answer(ra, rb, qs[k].q, NULL, 0, NULL, 0, NULL, 0);
            same_answer(wa, rb, qs[k].q, NULL, 0, NULL, 0, NULL, 0);
            same_answer(ra, rb, qs[k].q, hk, 1, fr, 1, NULL, 0);
            same_answer(ra, rb, qs[k].q, hn, 2, fe, 1, yp, 1);
            same_answer(wa, rb, qs[k].q, NULL, 0, fr, 1, yp, 1);
        }
    }
    /* A reader takes the list from the index as it is: heads it names are
     * answered from pair terms alone ("employment" has none, so its
     * phrase finds nothing), heads it does not name by their phrase. */
    if (ra && wa) {
        char *list = sp_printf("%d employment", IDX_SCHEMA_VERSION);
        mark_index(wa, 0, list);
        free(list);
        CHECK(idx_reopen(ra, &err) == 1, "reopen: %s", err.msg);
        idx_query q;
        idx_query_init(&q);
        q.q = "\"employment advice\"";
        CHECK(search_total(ra, &q) == 0, "employment advice from pair terms: %zu",
              search_total(ra, &q));
        CHECK(search_total(rb, &q) == 3 * PAIR_COPIES, "employment advice, phrase: %zu",
              search_total(rb, &q));
        q.q = "self-employment";
        CHECK(search_total(ra, &q) == 9 * PAIR_COPIES, "self-employment, phrase: %zu",
              search_total(ra, &q));
    }
    idx_close(ra);
    idx_close(rb);
    idx_close(wa);
    idx_close(wb);
    if (pa)
        rm_index(pa);
    if (pb)
        rm_index(pb);
}

int main(void)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    snprintf(data_dir, sizeof data_dir, "%s/tests/indexer/data", src ? src : ".");

    CHECK(idx_field_from_name("language") == IDX_F_LANGUAGE, "field names");
    CHECK(idx_field_from_name("nope") == -1, "unknown field");
    CHECK(idx_field_name(IDX_F_BOROUGH) && !strcmp(idx_field_name(IDX_F_BOROUGH), "borough"),
          "field name");

    test_upsert_and_get();
    test_batch_cancel_and_reopen();
    test_open_errors();
    test_synonym_file();
    test_vocab_labels();
    test_collapse_exact();
    test_hours_quarters();
    test_phrase_filters();
    test_pair_terms();

    char *path = NULL;
    idx *ix = fixture_index(&path);
    CHECK(idx_count(ix) == 9, "fixtures %zu", idx_count(ix));
    CHECK(idx_schema_version(ix) == IDX_SCHEMA_VERSION, "a new index is current (%d)",
          idx_schema_version(ix));
    test_facets(ix);
    test_text(ix);
    test_snippets(ix);
    test_age(ix);
    test_near(ix);
    test_sort_collapse(ix);
    test_brief(ix);
    idx_close(ix);

    /* The same searches work on a read-only handle, which counts facets
     * from its facet table instead of the slots (docs/index.md). */
    idx *rd = NULL;
    sp_err err = {0};
    CHECK(idx_open_read(path, &rd, &err) == SP_OK, "%s", err.msg);
    if (rd) {
        test_facets(rd);
        test_text(rd);
        test_snippets(rd);
        test_later_passes(rd);
        test_age(rd);
        test_near(rd);
        test_sort_collapse(rd);
        test_brief(rd);
        idx_close(rd);
    }
    rm_index(path);

    return t_done("test_idx");
}
