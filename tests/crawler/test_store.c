/*
 * test_store.c - the store's API as the crawler and the indexer use it:
 * schema creation and reopening, passes, recording fetches with their
 * links in one transaction, documents since a cursor, named cursors,
 * health, gone URLs, links queued outside a fetch, robots cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "../core/tcheck.h"



typedef struct seen {
    int n;
    int64_t seqs[16];
    char urls[16][128];
} seen;

static int doc_cb(void *ctx, const store_doc *d)
{
    seen *s = ctx;
    if (s->n < 16) {
        s->seqs[s->n] = d->seq;
        snprintf(s->urls[s->n], sizeof s->urls[0], "%s", d->url);
        if (!strcmp(d->url, "http://a.test/p1")) {
            CHECK(d->len == 5 && !memcmp(d->body, "hello", 5) && d->body[5] == '\0');
            CHECK(!strcmp(d->source, "src"));
            CHECK(!strcmp(d->format, "html"));
        }
    }
    s->n++;
    return 0;
}

static int queued_cb(void *ctx, const store_queued *q)
{
    int *n = ctx;
    (*n)++;
    (void)q;
    return 0;
}

/* The depth and sitemap lastmod of the queued URL http://a.test/deep. */
struct deep {
    int depth;
    int64_t lastmod;
};
static int deep_cb(void *ctx, const store_queued *q)
{
    struct deep *d = ctx;
    if (!strcmp(q->url, "http://a.test/deep")) {
        d->depth = q->depth;
        d->lastmod = q->lastmod;
    }
    return 0;
}

static int health_cb(void *ctx, const store_source_info *i)
{
    store_source_info *out = ctx;
    *out = *i;
    out->name = NULL; /* strings are only valid during the call */
    out->url = out->kind = out->config = out->last_error_msg = NULL;
    return 0;
}

static int count_cb(void *ctx, const store_url_info *u)
{
    (void)u;
    (*(int *)ctx)++;
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/signpost-test-store-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char sub[256];
    snprintf(sub, sizeof sub, "%s/nested/store", dir);
    sp_err err = {0};
    store *s = NULL;
    CHECK(store_open(sub, &s, &err) == SP_OK);
    if (!s) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    CHECK(store_source_upsert(s, "src", "http://a.test/", "html", "{\"coverage\":[\"hackney\"]}",
                              &err) == SP_OK);
    store_link seed = {"http://a.test/", "html", 0, 0};
    long pass = 0;
    CHECK(store_pass_begin(s, "src", true, &seed, 1, 1000, &pass, &err) == SP_OK);
    CHECK(pass == 1);
    int nq = 0;
    CHECK(store_next_queued(s, NULL, 1000, 10, queued_cb, &nq, &err) == SP_OK);
    CHECK(nq == 1);

    /* The seed's fetch stores a document and queues two links, atomically. */
    store_link links[2] = {{"http://a.test/p1", "html", 1, 0}, {"http://a.test/p2", "html", 1, 0}};
    store_fetch f = {0};
    f.source = "src";
    f.url = "http://a.test/";
    f.outcome = STORE_NEW_DOC;
    f.status = 200;
    f.fetched_at = 1001;
    f.requested = true;
    f.content_hash = "h0";
    f.format = "html";
    f.body = "<a>";
    f.len = 3;
    int64_t seq = 0;
    CHECK(store_record_fetch(s, &f, links, 2, &seq, &err) == SP_OK);
    CHECK(seq == 1);
    nq = 0;
    CHECK(store_next_queued(s, "src", 1001, 10, queued_cb, &nq, &err) == SP_OK);
    CHECK(nq == 2);

    f.url = "http://a.test/p1";
    f.body = "hello";
    f.len = 5;
    f.content_hash = "h1";
    CHECK(store_record_fetch(s, &f, NULL, 0, &seq, &err) == SP_OK);
    CHECK(seq == 2);
    store_fetch g = {0};
    g.source = "src";
    g.url = "http://a.test/p2";
    g.outcome = STORE_FAIL;
    g.status = 500;
    g.error = "HTTP 500: server error";
    g.fetched_at = 1002;
    g.requested = true;
    CHECK(store_record_fetch(s, &g, NULL, 0, NULL, &err) == SP_OK);

    long count = -1;
    CHECK(store_queued_count(s, "src", &count, NULL, &err) == SP_OK);
    CHECK(count == 0);
    CHECK(store_pass_end(s, "src", true, true, NULL, 1003, 5000, &err) == SP_OK);

    /* Documents since a cursor, and named cursors. */
    seen sn = {0};
    int64_t last = 0;
    CHECK(store_docs_since(s, 0, 0, doc_cb, &sn, &last, &err) == SP_OK);
    CHECK(sn.n == 2 && last == 2);
    CHECK(store_set_cursor(s, "indexer", last, &err) == SP_OK);
    int64_t cur = -1;
    CHECK(store_get_cursor(s, "indexer", &cur, &err) == SP_OK && cur == 2);
    int64_t none = -1;
    CHECK(store_get_cursor(s, "nobody", &none, &err) == SP_OK && none == 0);
    sn.n = 0;
    CHECK(store_docs_since(s, cur, 0, doc_cb, &sn, &last, &err) == SP_OK);
    CHECK(sn.n == 0 && last == cur);

    /* Health. */
    store_source_info hi;
    memset(&hi, 0, sizeof hi);
    CHECK(store_source_health(s, health_cb, &hi, &err) == SP_OK);
    CHECK(hi.last_success == 1003 && hi.failing_since == 0);
    CHECK(hi.pages == 2 && hi.documents == 2 && hi.urls_failed == 1 && hi.urls_done == 2);
    CHECK(hi.last_error == 1002);

    /* Pass 2 reaches only the seed: p1 and p2 are gone afterwards. */
    CHECK(store_pass_begin(s, "src", true, &seed, 1, 6000, &pass, &err) == SP_OK && pass == 2);
    f.url = "http://a.test/";
    f.outcome = STORE_UNCHANGED;
    f.fetched_at = 6001;
    CHECK(store_record_fetch(s, &f, NULL, 0, &seq, &err) == SP_OK && seq == 0);
    CHECK(store_pass_end(s, "src", true, true, NULL, 6002, 9000, &err) == SP_OK);
    int gone = 0;
    CHECK(store_urls(s, "src", STORE_GONE, count_cb, &gone, &err) == SP_OK);
    CHECK(gone == 2);

    /* A failing pass keeps documents and sets failing_since once. */
    CHECK(store_pass_begin(s, "src", true, &seed, 1, 10000, &pass, &err) == SP_OK);
    CHECK(store_pass_end(s, "src", false, false, "entry failed", 10001, 20000, &err) == SP_OK);
    CHECK(store_pass_begin(s, "src", true, &seed, 1, 20000, &pass, &err) == SP_OK);
    CHECK(store_pass_end(s, "src", false, false, "entry failed", 20001, 30000, &err) == SP_OK);
    CHECK(store_source_health(s, health_cb, &hi, &err) == SP_OK);
    CHECK(hi.failing_since == 10001 && hi.documents == 2 && hi.last_success == 6002);

    /* Links queued outside a fetch (a robots.txt's sitemaps) join the
     * current pass once: the seed already queued is not queued twice, and
     * a URL done in this pass stays done. */
    CHECK(store_pass_begin(s, "src", true, &seed, 1, 30000, &pass, &err) == SP_OK);
    store_link extra[2] = {{"http://a.test/", "sitemap", 0, 0},
                           {"http://a.test/sitemap.xml", "sitemap", 0, 0}};
    CHECK(store_queue_links(s, "src", extra, 2, 30001, &err) == SP_OK);
    count = -1;
    int64_t earliest = -1;
    CHECK(store_queued_count(s, "src", &count, &earliest, &err) == SP_OK);
    CHECK(count == 2);
    f.url = "http://a.test/sitemap.xml";
    f.outcome = STORE_UNCHANGED;
    f.fetched_at = 30002;
    CHECK(store_record_fetch(s, &f, NULL, 0, NULL, &err) == SP_OK);
    CHECK(store_queue_links(s, "src", extra, 2, 30003, &err) == SP_OK);
    CHECK(store_queued_count(s, "src", &count, &earliest, &err) == SP_OK);
    CHECK(count == 1);
    CHECK(store_queue_links(s, "nosuch", extra, 2, 30003, &err) == SP_ENOTFOUND);
    /* A link met again in the same pass (every link of every page of a
     * recrawl): a shorter depth and a new sitemap lastmod are kept, a
     * longer depth and no lastmod change nothing. */
    struct {
        int depth;
        int64_t lastmod;
        int want_depth;
        int64_t want_lastmod;
    } meets[] = {{3, 0, 3, 0}, {1, 0, 1, 0}, {2, 0, 1, 0}, {2, 500, 1, 500},
                 {4, 0, 1, 500}, {1, 700, 1, 700}};
    for (size_t i = 0; i < sizeof meets / sizeof *meets; i++) {
        store_link l = {"http://a.test/deep", "auto", meets[i].depth, meets[i].lastmod};
        CHECK(store_queue_links(s, "src", &l, 1, 30003, &err) == SP_OK);
        struct deep d = {-1, -1};
        CHECK(store_next_queued(s, "src", 30003, 10, deep_cb, &d, &err) == SP_OK);
        CHECK(d.depth == meets[i].want_depth && d.lastmod == meets[i].want_lastmod);
    }
    CHECK(store_pass_end(s, "src", true, false, NULL, 30004, 40000, &err) == SP_OK);

    /* Robots cache. */
    CHECK(store_robots_put(s, "http://a.test:80", 77, 200, "User-agent: *\n", 14, &err) == SP_OK);
    int64_t at = 0;
    int status = 0;
    char *body = NULL;
    size_t len = 0;
    CHECK(store_robots_get(s, "http://a.test:80", &at, &status, &body, &len, &err) == SP_OK);
    CHECK(at == 77 && status == 200 && len == 14 && body && !strcmp(body, "User-agent: *\n"));
    free(body);
    CHECK(store_robots_get(s, "http://b.test:80", &at, &status, &body, &len, &err) ==
          SP_ENOTFOUND);
    CHECK(store_mark_gone(s, "src", "http://nowhere/", &err) == SP_ENOTFOUND);
    store_close(s);

    /* Reopen: schema kept, data kept. */
    s = NULL;
    CHECK(store_open(sub, &s, &err) == SP_OK);
    int64_t max = 0;
    CHECK(s && store_max_seq(s, &max, &err) == SP_OK && max == 2);
    store_close(s);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return t_done("store");
}
