/*
 * test_bulk.c - a bulk rebuild (idx_bulk_begin: several worker threads,
 * shards merged with Xapian's compaction) answers exactly as one writer
 * putting the same records in the same order: the same totals, the same
 * hits in the same order with the same scores, the same facet counts and
 * suggestions, with 1 and with 2 workers; puts of a record already put,
 * deletes and a record put again after its delete included.  Also: a
 * reader open on the old index finds the new one, and an abandoned build
 * leaves the old index as it was.
 *
 * Records: the fixtures of tests/indexer/data/services.ndjson, varied into
 * N_RECORDS services (ids, names, descriptions, duplicate clusters), over
 * blocks of 40 to 90 records so the build makes several shards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idx.h"
#include "idx_impl.h"
#include "rec.h"
#include "sp.h"
#include "vocab.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"

#define N_RECORDS 600

static const char *const WORDS[] = {"cv",      "interview", "mentoring", "digital",
                                    "english", "volunteer", "confidence", "training",
                                    "career",  "skills",    "wellbeing"};
#define N_WORDS (sizeof WORDS / sizeof WORDS[0])

static char **fixtures;
static size_t n_fixtures;
static vocab *voc;

static void read_fixtures(const char *dir)
{
    size_t len = 0;
    char *body = t_read(&len, "%s/services.ndjson", dir);
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        fixtures = realloc(fixtures, (n_fixtures + 1) * sizeof *fixtures);
        fixtures[n_fixtures++] = sp_strdup(line);
    }
    free(body);
}

/* Record i, version v (a put again changes its name). */
static void make_record(size_t i, int v, rec_service *r)
{
    const char *line = fixtures[i % n_fixtures];
    sp_err err = {0};
    if (rec_from_json_string(line, strlen(line), r, &err) != SP_OK) {
        fprintf(stderr, "bad fixture: %s\n", err.msg);
        exit(1);
    }
    free(r->id);
    r->id = sp_printf("bulk-%05zu", i);
    char *name = sp_printf("%s %s%s", r->name ? r->name : "Service", WORDS[i % N_WORDS],
                           v ? " renamed" : "");
    free(r->name);
    r->name = name;
    char *desc = sp_printf("%s %s %s", r->description ? r->description : "",
                           WORDS[(i * 3) % N_WORDS], WORDS[(i / 7) % N_WORDS]);
    free(r->description);
    r->description = desc;
    free(r->cluster_id);
    r->cluster_id = i % 10 < 2 ? sp_printf("cluster-%zu", i / 10) : NULL;
}

/* The same changes, in the same order, to either kind of build. */
static void apply(idx *ix, bool batches)
{
    sp_err err = {0};
    rec_service r;
    if (batches)
        CHECK(idx_begin(ix, &err) == SP_OK, "%s", err.msg);
    for (size_t i = 0; i < N_RECORDS; i++) {
        make_record(i, 0, &r);
        CHECK(idx_put(ix, &r, &err) == SP_OK, "put %zu: %s", i, err.msg);
        rec_service_free(&r);
        if (batches && i % 100 == 99) {
            CHECK(idx_commit(ix, &err) == SP_OK, "%s", err.msg);
            CHECK(idx_begin(ix, &err) == SP_OK, "%s", err.msg);
        }
    }
    for (size_t i = 0; i < N_RECORDS; i += 17) { /* put again: renamed */
        make_record(i, 1, &r);
        CHECK(idx_put(ix, &r, &err) == SP_OK, "put again %zu: %s", i, err.msg);
        rec_service_free(&r);
    }
    for (size_t i = 5; i < N_RECORDS; i += 23) {
        char id[32];
        snprintf(id, sizeof id, "bulk-%05zu", i);
        CHECK(idx_delete(ix, id, &err) == SP_OK, "delete %s: %s", id, err.msg);
    }
    CHECK(idx_delete(ix, "bulk-99999", &err) == SP_ENOTFOUND, "deleting what is not there");
    make_record(28, 1, &r); /* deleted above, back with a new docid */
    CHECK(idx_put(ix, &r, &err) == SP_OK, "put after delete: %s", err.msg);
    rec_service_free(&r);
    CHECK(idx_meta_set(ix, "test.key", "kept", &err) == SP_OK, "%s", err.msg);
    if (batches)
        CHECK(idx_commit(ix, &err) == SP_OK, "%s", err.msg);
}

static idx *open_writer(const char *dir)
{
    idx *ix = NULL;
    sp_err err = {0};
    if (idx_open_write(dir, &ix, &err) != SP_OK) {
        fprintf(stderr, "open %s: %s\n", dir, err.msg);
        exit(1);
    }
    idx_set_vocab(ix, voc);
    return ix;
}

static char *sequential(void)
{
    char *dir = t_tmp_path("bulk", "index");
    idx *ix = open_writer(dir);
    apply(ix, true);
    idx_close(ix);
    return dir;
}

/* A bulk build over an index that holds other records (gone after). */
static char *bulk(unsigned workers)
{
    char *dir = t_tmp_path("bulk", "index");
    idx *ix = open_writer(dir);
    sp_err err = {0};
    rec_service r;
    make_record(N_RECORDS + 1, 0, &r); /* only in the old index */
    CHECK(idx_put(ix, &r, &err) == SP_OK, "%s", err.msg);
    rec_service_free(&r);
    CHECK(idx_bulk_begin(ix, workers, &err) == SP_OK, "begin: %s", err.msg);
    apply(ix, true);
    CHECK(idx_count(ix) == 1, "the old index until finish (%zu)", idx_count(ix));
    CHECK(idx_bulk_finish(ix, &err) == SP_OK, "finish: %s", err.msg);
    char *pairs = NULL, tag[16]; /* the word pairs' list carries over (docs/index.md) */
    snprintf(tag, sizeof tag, "%d ", IDX_SCHEMA_VERSION);
    CHECK(idx_meta_get(ix, "signpost.pairs", &pairs, &err) == SP_OK && pairs &&
              !strncmp(pairs, tag, strlen(tag)),
          "pairs: %s", pairs ? pairs : "none");
    free(pairs);
    CHECK(idx_mark_schema(ix, &err) == SP_OK, "a writer again: %s", err.msg);
    idx_close(ix);
    char *build = sp_printf("%s.build", dir);
    struct stat sb;
    CHECK(stat(build, &sb) != 0, "the shards are removed");
    free(build);
    return dir;
}

/* The fixed queries: text, a filter (FIELD=SLUG or NULL), and options. */
typedef struct bq {
    const char *text, *filter;
    bool collapse, updated;
    size_t offset;
} bq;

static const bq QUERIES[] = {
    {NULL, NULL, false, false, 0},      {NULL, NULL, false, false, 20},
    {"cv", NULL, false, false, 0},      {"interview skills", NULL, false, false, 0},
    {"training", NULL, true, false, 0}, {"\"digital skills\"", NULL, false, false, 0},
    {"renamed", NULL, false, false, 0}, {"mentorng", NULL, false, false, 0},
    {NULL, NULL, true, false, 0},       {NULL, NULL, false, true, 0},
    {"career OR wellbeing", NULL, false, false, 10},
    {"english", "cost=free", false, false, 0},
    {NULL, "borough=hackney", false, false, 0},
    {"drop-in", NULL, false, false, 0}, {"long-term", NULL, false, false, 0}, /* word pairs */
};

static void search(idx *ix, const bq *b, idx_result *res)
{
    idx_query q;
    idx_query_init(&q);
    q.q = b->text;
    q.collapse = b->collapse;
    q.sort = b->updated ? IDX_SORT_UPDATED : IDX_SORT_RELEVANCE;
    q.offset = b->offset;
    q.limit = 20;
    char field[32] = "", *value = NULL;
    const char *vals[1];
    if (b->filter) {
        snprintf(field, sizeof field, "%s", b->filter);
        value = strchr(field, '=');
        *value++ = '\0';
        int f = idx_field_from_name(field);
        vals[0] = value;
        q.filters[f] = vals;
        q.n_filters[f] = 1;
    }
    sp_err err = {0};
    int rc = idx_search(ix, &q, res, &err);
    CHECK(rc == SP_OK, "search failed: %s", err.msg);
    if (rc != SP_OK)
        memset(res, 0, sizeof *res);
}

static void compare(const char *a_dir, const char *b_dir, const char *label)
{
    idx *a = NULL, *b = NULL;
    sp_err err = {0};
    if (idx_open_read(a_dir, &a, &err) != SP_OK || idx_open_read(b_dir, &b, &err) != SP_OK) {
        CHECK(0, "%s: open: %s", label, err.msg);
        idx_close(a);
        return;
    }
    CHECK(idx_count(a) == idx_count(b), "%s: count %zu vs %zu", label, idx_count(a),
          idx_count(b));
    char *v = NULL;
    CHECK(idx_meta_get(b, "test.key", &v, &err) == SP_OK && v && !strcmp(v, "kept"),
          "%s: metadata set during the build", label);
    free(v);
    for (size_t k = 0; k < sizeof QUERIES / sizeof QUERIES[0]; k++) {
        const bq *q = &QUERIES[k];
        idx_result ra, rb;
        search(a, q, &ra);
        search(b, q, &rb);
        const char *t = q->text ? q->text : "(browse)";
        CHECK(ra.total == rb.total, "%s: %s: total %zu vs %zu", label, t, ra.total, rb.total);
        CHECK(ra.n_hits == rb.n_hits, "%s: %s: hits %zu vs %zu", label, t, ra.n_hits, rb.n_hits);
        for (size_t i = 0; i < ra.n_hits && i < rb.n_hits; i++) {
            CHECK(!strcmp(ra.hits[i].rec.id, rb.hits[i].rec.id), "%s: %s: hit %zu %s vs %s",
                  label, t, i, ra.hits[i].rec.id, rb.hits[i].rec.id);
            CHECK(ra.hits[i].score == rb.hits[i].score, "%s: %s: score %zu %g vs %g", label, t,
                  i, ra.hits[i].score, rb.hits[i].score);
            CHECK(ra.hits[i].collapsed == rb.hits[i].collapsed, "%s: %s: collapsed %zu", label,
                  t, i);
            CHECK(!strcmp(ra.hits[i].rec.name, rb.hits[i].rec.name), "%s: %s: name %zu", label,
                  t, i);
        }
        for (int f = 0; f < IDX_F__COUNT; f++) {
            const idx_facet *fa = &ra.facets[f], *fb = &rb.facets[f];
            CHECK(fa->n == fb->n, "%s: %s: %s values %zu vs %zu", label, t,
                  idx_field_name((idx_field)f), fa->n, fb->n);
            for (size_t i = 0; i < fa->n && i < fb->n; i++)
                CHECK(!strcmp(fa->v[i].value, fb->v[i].value) && fa->v[i].count == fb->v[i].count,
                      "%s: %s: %s=%s %zu vs %s %zu", label, t, idx_field_name((idx_field)f),
                      fa->v[i].value, fa->v[i].count, fb->v[i].value, fb->v[i].count);
        }
        CHECK(!ra.suggestion == !rb.suggestion &&
                  (!ra.suggestion || !strcmp(ra.suggestion, rb.suggestion)),
              "%s: %s: suggestion %s vs %s", label, t, ra.suggestion ? ra.suggestion : "-",
              rb.suggestion ? rb.suggestion : "-");
        if (k == 2)
            CHECK(ra.total > 20, "the queries find something (%zu)", ra.total);
        idx_result_free(&ra);
        idx_result_free(&rb);
    }
    idx_close(a);
    idx_close(b);
}

static void rm_parent(char *dir)
{
    *strrchr(dir, '/') = '\0';
    char *cmd = sp_printf("rm -rf '%s'", dir);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    free(cmd);
    free(dir);
}

/* A reader of the old index sees the new one: its reopen picks it up or
 * fails, and then opening afresh (what searchd does) does. */
static void test_reader_during_swap(void)
{
    char *dir = t_tmp_path("bulk", "index");
    idx *w = open_writer(dir);
    sp_err err = {0};
    rec_service r;
    make_record(1, 0, &r);
    CHECK(idx_put(w, &r, &err) == SP_OK, "%s", err.msg);
    rec_service_free(&r);
    idx *rd = NULL;
    CHECK(idx_open_read(dir, &rd, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_bulk_begin(w, 2, &err) == SP_OK, "%s", err.msg);
    for (size_t i = 10; i < 30; i++) {
        make_record(i, 0, &r);
        CHECK(idx_put(w, &r, &err) == SP_OK, "%s", err.msg);
        rec_service_free(&r);
    }
    CHECK(idx_bulk_finish(w, &err) == SP_OK, "%s", err.msg);
    if (rd && idx_reopen(rd, &err) < 0) {
        idx_close(rd);
        rd = NULL;
        CHECK(idx_open_read(dir, &rd, &err) == SP_OK, "%s", err.msg);
    }
    CHECK(rd && idx_count(rd) == 20, "the reader sees the new index (%zu)",
          rd ? idx_count(rd) : 0);
    idx_close(rd);

    /* Abandoned (idx_cancel, or closed without finish): the old stays. */
    CHECK(idx_bulk_begin(w, 2, &err) == SP_OK, "%s", err.msg);
    make_record(500, 0, &r);
    CHECK(idx_put(w, &r, &err) == SP_OK, "%s", err.msg);
    rec_service_free(&r);
    CHECK(idx_cancel(w, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_count(w) == 20, "cancelled: the index as it was (%zu)", idx_count(w));
    CHECK(idx_bulk_begin(w, 1, &err) == SP_OK, "%s", err.msg);
    idx_close(w);
    w = open_writer(dir);
    CHECK(idx_count(w) == 20, "closed without finish: as it was (%zu)", idx_count(w));
    idx_close(w);
    rm_parent(dir);
}

int main(void)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    char data_dir[4096];
    snprintf(data_dir, sizeof data_dir, "%s/tests/indexer/data", src ? src : ".");
    read_fixtures(data_dir);
    sp_err err = {0};
    if (vocab_load(NULL, &voc, &err) != SP_OK) {
        fprintf(stderr, "vocab: %s\n", err.msg);
        return 1;
    }
    idx_bulk_tune(40, 90);

    char *seq = sequential();
    char *one = bulk(1);
    char *two = bulk(2);
    compare(seq, one, "1 worker");
    compare(seq, two, "2 workers");
    rm_parent(seq);
    rm_parent(one);
    rm_parent(two);
    test_reader_during_swap();

    for (size_t i = 0; i < n_fixtures; i++)
        free(fixtures[i]);
    free(fixtures);
    vocab_free(voc);
    return t_done("test_bulk");
}
