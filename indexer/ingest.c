/*
 * ingest.c - the store -> index pipeline (see ingest.h).
 */
#define _GNU_SOURCE
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "corrections.h"
#include "dedupe.h"
#include "snapshot.h"
#include "enrich.h"
#include "feed.h"
#include "idx.h"
#include "rec.h"
#include "store.h"

#define DEFAULT_DROP_AFTER (14 * 86400)
#define CURSOR_NAME "index"
#define SNAP_IDLE_SECS 30 /* crawl status alone reaches replicas this late at most */
/* A record whose content did not change is written again only when its
 * last_seen would move by more than this, to keep "last checked" honest
 * without rewriting the index on every fetch. */
#define RESEEN_REWRITE (86400)

typedef struct strlist {
    char **v;
    size_t n, cap;
    bool oom; /* an add failed: the list is short */
} strlist;

static int strlist_add(strlist *l, const char *s)
{
    if (sp_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v, 16) != SP_OK) {
        l->oom = true;
        return SP_ENOMEM;
    }
    l->v[l->n] = strdup(s);
    if (!l->v[l->n]) {
        l->oom = true;
        return SP_ENOMEM;
    }
    l->n++;
    return SP_OK;
}

static void strlist_free(strlist *l)
{
    sp_strv_free(l->v, l->n);
    memset(l, 0, sizeof *l);
}

typedef struct src_cov {
    char *name;
    json_t *coverage; /* array of slugs, or NULL */
    char *organisation;
} src_cov;

typedef struct ingest {
    const ingest_opts *o;
    ingest_stats *st;
    store *s;      /* iteration */
    store *look;   /* lookups during iteration (data package resources) */
    store *w;      /* the batch: bookkeeping, cursor and hub notes (store.h) */
    idx *ix;
    int64_t now;
    size_t in_batch;
    int64_t batch_last_seq;
    struct timespec batch_t0; /* batches are bounded in time too, so the
                                 crawler never waits long on our write lock */
    strlist orphans; /* ids that lost a URL in this batch */
    src_cov *covs;   /* each source's sources.conf coverage */
    size_t n_covs, cap_covs;
    strlist counts;  /* "N source" lines to write after an iteration */
    strlist failing; /* sources whose entry URLs fail now */
    bool replaying;  /* re-reading stored documents: the cursor stays */
    sp_err *err;
    int rc;
} ingest;

/* The hash of what the source published: the record without provenance;
 * FNV-1a, 64 bits, enough to notice that a record's content changed.
 * legacy is the hash a release before 2026-12 stored for the same content
 * (sp_fnv1a64_legacy; see docs/index.md "Content hashes"). */
static int record_hash(const rec_service *r, char out[17], char legacy[17])
{
    rec_service copy = *r;
    memset(&copy.prov, 0, sizeof copy.prov);
    char *json = rec_to_json_string(&copy);
    if (!json)
        return SP_ENOMEM;
    size_t n = strlen(json);
    snprintf(out, 17, "%016llx", (unsigned long long)sp_fnv1a64(json, n));
    snprintf(legacy, 17, "%016llx", (unsigned long long)sp_fnv1a64_legacy(json, n));
    free(json);
    return SP_OK;
}

static int cov_collect(void *ctx, const store_source_info *info)
{
    ingest *g = ctx;
    if (sp_grow(&g->covs, &g->cap_covs, g->n_covs + 1, sizeof *g->covs, 16) != SP_OK)
        return 1;
    src_cov *c = &g->covs[g->n_covs++];
    *c = (src_cov){.name = sp_strdup(info->name)};
    json_t *conf = info->config ? json_loads(info->config, 0, NULL) : NULL;
    if (conf) {
        json_t *cv = json_object_get(conf, "coverage");
        if (json_is_array(cv))
            c->coverage = json_incref(cv);
        else if (json_is_string(cv)) {
            c->coverage = json_array();
            json_array_append(c->coverage, cv);
        }
        json_t *org = json_object_get(conf, "organisation");
        if (json_is_string(org))
            c->organisation = strdup(json_string_value(org));
        json_decref(conf);
    }
    return 0;
}

static void covs_free(ingest *g)
{
    for (size_t i = 0; i < g->n_covs; i++) {
        free(g->covs[i].name);
        free(g->covs[i].organisation);
        json_decref(g->covs[i].coverage);
    }
    free(g->covs);
    g->covs = NULL;
    g->n_covs = g->cap_covs = 0;
}

static const src_cov *cov_of(const ingest *g, const char *source)
{
    for (size_t i = 0; source && i < g->n_covs; i++)
        if (!strcmp(g->covs[i].name, source))
            return &g->covs[i];
    return NULL;
}

/* sources.conf `organisation`: the organisation of a record whose source
 * named none, with where it came from in the record's provenance. */
static void default_organisation(ingest *g, rec_service *r, const char *source)
{
    const src_cov *c = cov_of(g, source);
    if (!c || !c->organisation || r->organization.name)
        return;
    r->organization.name = sp_strdup(c->organisation);
    free(r->prov.organization_from);
    r->prov.organization_from = sp_strdup("sources.conf organisation");
}

/* A service area named after each borough the source's coverage gave a
 * record that said nowhere itself (HSDS readers see where it is offered). */
static void coverage_areas(ingest *g, rec_service *r)
{
    if (r->n_service_areas)
        return;
    for (size_t i = 0; i < r->boroughs.n && i < 40; i++) {
        const vocab_borough *b = vocab_borough_get(g->o->vocab, r->boroughs.v[i].slug);
        rec_service_area *a = feed_push(&r->service_areas, &r->n_service_areas,
                                        sizeof *r->service_areas, 40);
        if (!b || !a)
            continue;
        a->name = sp_strdup(b->name);
        a->description = sp_strdup("sources.conf coverage");
    }
}

static void default_coverage(ingest *g, rec_service *r, const char *source)
{
    if (r->boroughs.n || r->pan_london || !source)
        return;
    const src_cov *c = cov_of(g, source);
    if (c && c->coverage) {
        size_t k;
        json_t *slug;
        json_array_foreach(c->coverage, k, slug)
        {
            const char *s = json_string_value(slug);
            if (!s)
                continue;
            const char *field = "sources.conf coverage";
            if (!strcasecmp(s, "london") || !strcasecmp(s, "pan-london")) {
                r->pan_london = true;
                continue;
            }
            const char *b = vocab_canon(g->o->vocab, "borough", s);
            if (b) {
                rec_tags_add(&r->boroughs, b, field, s, 0.6);
                continue;
            }
            const char *sr = vocab_canon(g->o->vocab, "subregion", s);
            if (sr) {
                const vocab_borough *bs[40];
                size_t nb = vocab_subregion_boroughs(g->o->vocab, sr, bs, 40);
                rec_tags_add(&r->subregions, sr, field, s, 0.6);
                for (size_t j = 0; j < nb; j++)
                    rec_tags_add(&r->boroughs, bs[j]->slug, field, s, 0.6);
            }
        }
        coverage_areas(g, r);
    }
}

static int add_text(void *ctx, const char *v)
{
    return strlist_add(ctx, v) != SP_OK;
}

/* A list filled by add_text: SP_ENOMEM when it came out short. */
static int listed(ingest *g, int rc, const strlist *l)
{
    return rc == SP_OK && l->oom ? sp_fail(g->err, SP_ENOMEM, "out of memory") : rc;
}

static int urls_of(ingest *g, const char *url, strlist *out)
{
    return listed(g, store_url_records(g->w, url, add_text, out, g->err), out);
}

static int unlink_url(ingest *g, const char *url, const char *id)
{
    int rc = store_url_record_unlink(g->w, url, id, g->err);
    return rc != SP_OK ? rc : strlist_add(&g->orphans, id);
}

static int mark_gone(ingest *g, const char *id)
{
    sp_err e2 = {0};
    int rc = idx_delete(g->ix, id, &e2);
    if (rc != SP_OK && rc != SP_ENOTFOUND)
        return sp_fail(g->err, rc, "%s", e2.msg);
    if (rc == SP_OK) {
        rc = store_hub_note(g->w, id, g->err);
        if (rc != SP_OK)
            return rc;
    }
    bool was_live = false;
    rc = store_record_gone(g->w, id, g->now, &was_live, g->err);
    if (rc == SP_OK && was_live)
        g->st->gone++;
    return rc;
}

/* Records that lost their last URL in this batch are gone. */
static int settle_orphans(ingest *g)
{
    for (size_t i = 0; i < g->orphans.n; i++) {
        bool linked = true;
        int rc = store_record_linked(g->w, g->orphans.v[i], &linked, g->err);
        if (rc == SP_OK && !linked)
            rc = mark_gone(g, g->orphans.v[i]);
        if (rc != SP_OK)
            return rc;
    }
    strlist_free(&g->orphans);
    return SP_OK;
}

typedef struct fetch_ctx {
    ingest *g;
    const char *source;
    const char *pkg_url; /* the package's URL: resource paths are relative to it */
    char *body;
    size_t len;
} fetch_ctx;

static int copy_doc(void *ctx, const store_doc *d)
{
    fetch_ctx *f = ctx;
    f->body = malloc(d->len + 1);
    if (!f->body)
        return 1;
    memcpy(f->body, d->body, d->len);
    f->body[d->len] = '\0';
    f->len = d->len;
    return 1;
}

/* Data package resources come from the store, as the crawler fetched them:
 * under the URL the crawler queued, the path resolved against the
 * package's URL on its own host (feed_resolve_resource, as crawl.c does). */
static int fetch_resource(void *ctx, const char *path, char **body, size_t *len, sp_err *err)
{
    fetch_ctx *f = ctx;
    f->body = NULL;
    char *url = feed_resolve_resource(f->pkg_url, path, err);
    if (!url)
        return SP_EINVAL;
    int rc = store_latest_doc(f->g->look, f->source, url, copy_doc, f, err);
    if (rc == SP_OK && !f->body)
        rc = sp_fail(err, SP_ENOTFOUND, "%s was not fetched", url);
    free(url);
    if (rc != SP_OK)
        return rc;
    *body = f->body;
    *len = f->len;
    return SP_OK;
}

static int commit_batch(ingest *g)
{
    int rc = settle_orphans(g);
    if (rc != SP_OK)
        return rc;
    rc = idx_commit(g->ix, g->err);
    if (rc != SP_OK)
        return rc;
    /* The cursor moves in the same transaction as the bookkeeping, on this
     * handle: a second handle writing here would wait on our own write
     * lock. */
    rc = store_set_cursor(g->w, CURSOR_NAME, g->batch_last_seq, g->err);
    if (rc == SP_OK)
        rc = store_batch_commit(g->w, g->err);
    if (rc != SP_OK)
        return rc;
    g->st->cursor = g->batch_last_seq;
    g->in_batch = 0;
    return SP_OK;
}

static int begin_batch(ingest *g)
{
    clock_gettime(CLOCK_MONOTONIC, &g->batch_t0);
    int rc = store_batch_begin(g->w, g->err);
    if (rc != SP_OK)
        return rc;
    return idx_begin(g->ix, g->err);
}

static int index_record(ingest *g, const store_doc *d, rec_service *r)
{
    if (!r->id)
        return SP_OK;
    if (!r->prov.source_id)
        r->prov.source_id = sp_strdup(d->source);
    if (!r->prov.source_url)
        r->prov.source_url = sp_strdup(d->url);
    char hash[17], legacy[17];
    int rc = record_hash(r, hash, legacy);
    if (rc != SP_OK)
        return sp_fail(g->err, rc, "out of memory");
    store_record k;
    rc = store_record_get(g->w, r->id, &k, g->err);
    bool exists = rc == SP_OK, gone = exists && k.gone_at != 0;
    if (rc == SP_ENOTFOUND)
        rc = SP_OK;
    if (rc != SP_OK)
        return rc;
    int64_t seen = d->fetched_at ? d->fetched_at : g->now;
    rc = store_url_record_link(g->w, d->url, r->id, g->err);
    if (rc != SP_OK)
        return rc;
    /* A hash an older release stored for this same content: unchanged, but
     * the row is rewritten below so it carries the new hash. */
    bool old_hash = exists && strcmp(k.hash, hash) != 0 && !strcmp(k.hash, legacy);
    if (old_hash)
        memcpy(k.hash, hash, sizeof hash);
    if (exists && !gone && !old_hash && !strcmp(k.hash, hash) &&
        seen - k.last_seen < RESEEN_REWRITE) {
        g->st->unchanged++;
        return SP_OK;
    }
    bool changed = !exists || gone || strcmp(k.hash, hash) != 0;
    r->prov.first_seen = exists ? k.first_seen : seen;
    r->prov.last_seen = seen;
    r->prov.last_changed = changed ? seen : k.last_changed;
    sp_err e2 = {0};
    if (enrich_record(g->o->vocab, r, &e2) != SP_OK)
        fprintf(stderr, "signpost index: enriching %s: %s\n", r->id, e2.msg);
    default_coverage(g, r, d->source);
    default_organisation(g, r, d->source);
    rc = idx_put(g->ix, r, g->err);
    if (rc == SP_OK) /* linkage looks at it again (dedupe.h) */
        rc = store_hub_note(g->w, r->id, g->err);
    if (rc != SP_OK)
        return rc;
    if (changed)
        g->st->records++;
    else
        g->st->unchanged++;
    return store_record_put(g->w, r->id, d->source, hash, r->prov.first_seen,
                            r->prov.last_seen, r->prov.last_changed, g->err);
}

static int on_doc(void *ctx, const store_doc *d)
{
    ingest *g = ctx;
    g->st->documents++;
    if (!g->replaying)
        g->batch_last_seq = d->seq;
    const char *pkg = d->final_url ? d->final_url : d->url;
    fetch_ctx f = {.g = g, .source = d->source, .pkg_url = pkg};
    feed_output out;
    feed_output_init(&out);
    sp_err e = {0};
    int rc = feed_read_doc(d->format, d->body, d->len, pkg, d->content_type, FEED_WANT_RECORDS,
                           fetch_resource, &f, &out, &e);
    bool csv = out.format == FEED_AUTO; /* a package's resource: read with its package */
    if (rc != SP_OK && out.n_recs == 0) {
        /* A document no reader could read keeps the records its URL had. */
        g->st->failed++;
        fprintf(stderr, "signpost index: %s: %s\n", d->url, e.msg);
        feed_output_free(&out);
        goto batch;
    }
    if (!csv && !out.shallow) {
        strlist before = {0};
        rc = urls_of(g, d->url, &before);
        for (size_t i = 0; rc == SP_OK && i < out.n_recs; i++)
            rc = index_record(g, d, &out.recs[i]);
        for (size_t i = 0; rc == SP_OK && i < before.n; i++) {
            bool still = false;
            for (size_t j = 0; j < out.n_recs && !still; j++)
                still = out.recs[j].id && !strcmp(out.recs[j].id, before.v[i]);
            if (!still)
                rc = unlink_url(g, d->url, before.v[i]);
        }
        strlist_free(&before);
    }
    feed_output_free(&out);
    if (rc != SP_OK) {
        g->rc = rc;
        return 1;
    }
batch:;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double held = (double)(t.tv_sec - g->batch_t0.tv_sec) + (double)(t.tv_nsec - g->batch_t0.tv_nsec) / 1e9;
    if (++g->in_batch >= (g->o->batch ? g->o->batch : 200) || held > 1.0) {
        rc = commit_batch(g);
        if (rc == SP_OK)
            rc = begin_batch(g);
        if (rc != SP_OK) {
            g->rc = rc;
            return 1;
        }
    }
    return 0;
}

typedef struct gone_ctx {
    ingest *g;
    strlist urls;
} gone_ctx;

static bool is_failing(const ingest *g, const char *source)
{
    for (size_t i = 0; source && i < g->failing.n; i++)
        if (!strcmp(g->failing.v[i], source))
            return true;
    return false;
}

static int collect_gone(void *ctx, const store_url_info *u)
{
    gone_ctx *c = ctx;
    /* A failing source's URLs are not gone: the source is down, and its
     * records are kept until drop_failing_sources says otherwise. */
    if (is_failing(c->g, u->source))
        return 0;
    return strlist_add(&c->urls, u->url) != SP_OK;
}

static int collect_failing_now(void *ctx, const store_source_info *info)
{
    ingest *g = ctx;
    if (info->failing_since > 0)
        return strlist_add(&g->failing, info->name) != SP_OK;
    return 0;
}

static int replay_doc(void *ctx, const store_doc *d)
{
    on_doc(ctx, d);
    return 1; /* only the newest */
}

typedef struct dropped_ctx {
    ingest *g;
    strlist ids, srcs;
} dropped_ctx;

static int collect_dropped(void *ctx, const char *id, const char *source)
{
    dropped_ctx *c = ctx;
    if (!id || !source || is_failing(c->g, source))
        return 0;
    return strlist_add(&c->ids, id) != SP_OK || strlist_add(&c->srcs, source) != SP_OK;
}

/* Sources that work again get back the records their failure dropped. */
static int restore_recovered(ingest *g)
{
    dropped_ctx c = {.g = g};
    int rc = store_dropped_each(g->w, collect_dropped, &c, g->err);
    g->replaying = true;
    for (size_t i = 0; rc == SP_OK && i < c.ids.n; i++) {
        strlist urls = {0};
        rc = listed(g, store_record_urls(g->w, c.ids.v[i], add_text, &urls, g->err), &urls);
        for (size_t j = 0; rc == SP_OK && j < urls.n; j++) {
            sp_err e2 = {0};
            store_latest_doc(g->look, c.srcs.v[i], urls.v[j], replay_doc, g, &e2);
            rc = g->rc;
        }
        strlist_free(&urls);
        if (rc == SP_OK)
            rc = store_dropped_remove(g->w, c.ids.v[i], g->err);
    }
    g->replaying = false;
    strlist_free(&c.ids);
    strlist_free(&c.srcs);
    return rc;
}

/* URLs the crawler found gone lose their records. */
static int drop_gone_urls(ingest *g)
{
    gone_ctx c = {.g = g};
    int rc = store_urls(g->s, NULL, STORE_GONE, collect_gone, &c, g->err);
    for (size_t i = 0; rc == SP_OK && i < c.urls.n; i++) {
        strlist ids = {0};
        rc = urls_of(g, c.urls.v[i], &ids);
        for (size_t j = 0; rc == SP_OK && j < ids.n; j++)
            rc = unlink_url(g, c.urls.v[i], ids.v[j]);
        strlist_free(&ids);
    }
    strlist_free(&c.urls);
    return rc;
}

typedef struct fail_ctx {
    ingest *g;
    strlist names;
} fail_ctx;

static int collect_failing(void *ctx, const store_source_info *info)
{
    fail_ctx *c = ctx;
    int64_t limit = c->g->o->drop_after > 0 ? c->g->o->drop_after : DEFAULT_DROP_AFTER;
    if (info->failing_since > 0 && c->g->now - info->failing_since > limit)
        return strlist_add(&c->names, info->name) != SP_OK;
    return 0;
}

/* Sources failing for longer than drop_after lose their records. */
static int drop_failing_sources(ingest *g)
{
    fail_ctx c = {.g = g};
    int rc = store_source_health(g->s, collect_failing, &c, g->err);
    for (size_t i = 0; rc == SP_OK && i < c.names.n; i++) {
        strlist ids = {0};
        rc = listed(g, store_records_of_source(g->w, c.names.v[i], add_text, &ids, g->err),
                    &ids);
        for (size_t j = 0; rc == SP_OK && j < ids.n; j++) {
            rc = mark_gone(g, ids.v[j]);
            if (rc == SP_OK)
                rc = store_dropped_add(g->w, ids.v[j], c.names.v[i], g->err);
        }
        strlist_free(&ids);
    }
    strlist_free(&c.names);
    return rc;
}

static int count_records(void *ctx, const store_source_info *info)
{
    ingest *g = ctx;
    long n = 0;
    sp_err e = {0};
    if (store_records_count(g->w, info->name, &n, &e) != SP_OK)
        return 0;
    if (n != info->records) {
        /* Written after the iteration, which holds a read statement. */
        char buf[600];
        snprintf(buf, sizeof buf, "%ld %s", n, info->name);
        strlist_add(&g->counts, buf);
    }
    return 0;
}

static int update_source_counts(ingest *g)
{
    int rc = store_source_health(g->s, count_records, g, g->err);
    for (size_t i = 0; rc == SP_OK && i < g->counts.n; i++) {
        char *name = NULL;
        long n = strtol(g->counts.v[i], &name, 10);
        rc = store_source_set_records(g->s, name + 1, n, g->err);
    }
    strlist_free(&g->counts);
    return rc;
}

/* What searchd's /metrics reports about the indexer (searchd/metrics_store.c):
 * when it last ran, the records in the index, and how long linkage took
 * (-1: skipped, nothing had changed).  Best effort: a failure to note it
 * does not fail the run. */
static void note_run(ingest *g, const ingest_stats *st, double link_s)
{
    char buf[32];
    sp_err e = {0};
    snprintf(buf, sizeof buf, "%lld", (long long)g->now);
    store_meta_set(g->s, "index.last_run", buf, &e);
    snprintf(buf, sizeof buf, "%zu", idx_count(g->ix));
    store_meta_set(g->s, "index.documents", buf, &e);
    snprintf(buf, sizeof buf, "%zu", st->records);
    store_meta_set(g->s, "index.records_last_run", buf, &e);
    if (link_s >= 0) {
        snprintf(buf, sizeof buf, "%.3f", link_s);
        store_meta_set(g->s, "index.linkage_seconds", buf, &e);
    }
}

static int run(const ingest_opts *o, ingest_stats *st, bool rebuild, sp_err *err)
{
    ingest g = {.o = o, .st = st, .err = err};
    memset(st, 0, sizeof *st);
    g.now = o->now ? o->now : sp_now();
    char path[4096];
    /* Three handles: one walks the documents, one looks documents up
     * while it does, one writes the batch. */
    int rc = store_open(o->store_dir, &g.s, err);
    if (rc == SP_OK)
        rc = store_open(o->store_dir, &g.look, err);
    if (rc == SP_OK)
        rc = store_open(o->store_dir, &g.w, err);
    if (rc != SP_OK)
        goto out;
    snprintf(path, sizeof path, "%s/index", o->store_dir);
    rc = idx_open_write(path, &g.ix, err);
    if (rc != SP_OK)
        goto out;
    idx_set_vocab(g.ix, o->vocab);
    if (!rebuild && idx_schema_version(g.ix) != IDX_SCHEMA_VERSION) {
        fprintf(stderr,
                "signpost index: the index was built for schema %d, this is %d: "
                "indexing every stored document again\n",
                idx_schema_version(g.ix), IDX_SCHEMA_VERSION);
        rebuild = true;
    }
    if (rebuild) {
        rc = store_index_reset(g.w, err);
        if (rc == SP_OK)
            rc = store_set_cursor(g.w, CURSOR_NAME, 0, err);
        if (rc == SP_OK) /* a new index, on every core (idx.h) */
            rc = idx_bulk_begin(g.ix, o->jobs, err);
        if (rc != SP_OK)
            goto out;
    }
    store_source_health(g.s, cov_collect, &g, err);
    store_source_health(g.s, collect_failing_now, &g, err);

    int64_t cursor = 0;
    rc = store_get_cursor(g.s, CURSOR_NAME, &cursor, err);
    if (rc != SP_OK)
        goto out;
    g.batch_last_seq = cursor;
    st->cursor = cursor;
    rc = begin_batch(&g);
    if (rc != SP_OK)
        goto out;
    g.rc = SP_OK;
    rc = store_docs_since(g.s, cursor, 0, on_doc, &g, NULL, err);
    if (rc == SP_OK)
        rc = g.rc;
    if (rc == SP_OK)
        rc = drop_gone_urls(&g);
    if (rc == SP_OK)
        rc = restore_recovered(&g);
    if (rc == SP_OK)
        rc = drop_failing_sources(&g);
    if (rc == SP_OK && rebuild)
        rc = idx_mark_schema(g.ix, err); /* lands with the batch */
    if (rc == SP_OK && rebuild)
        rc = idx_bulk_finish(g.ix, err); /* the new index replaces the old */
    /* The hub editors' corrections, in this batch (corrections.h); after a
     * rebuild's swap, since until then idx_get reads the old index, whose
     * records carry the corrections already. */
    if (rc == SP_OK) {
        corr_stats cs;
        rc = corr_reconcile(g.ix, o->store_dir, g.now, &cs, err);
    }
    if (rc == SP_OK) {
        rc = commit_batch(&g);
    } else {
        sp_err e2 = {0};
        idx_cancel(g.ix, &e2);
        store_batch_abort(g.w);
    }
    if (rc == SP_OK)
        rc = update_source_counts(&g);
    if (rc == SP_OK) {
        /* Link duplicates (docs/hub.md), after the commit: what this run
         * indexed is already searchable.  Incremental: only the records
         * this run noted are linked again; it skips itself when nothing
         * was noted and no hub decision is pending. */
        dedupe_stats ds;
        struct timespec l0, l1;
        clock_gettime(CLOCK_MONOTONIC, &l0);
        rc = dedupe_run(g.ix, o->store_dir, rebuild || o->relink, false, &ds, err);
        clock_gettime(CLOCK_MONOTONIC, &l1);
        /* What searchd reads from the store goes into the index too, for
         * replicas (snapshot.h): at once when records or links changed;
         * when only crawl status did, at most every SNAP_IDLE_SECS (each
         * publish is a delta of the rows changed since the last, but a
         * crawl moves URLs' states all the time, and every delta is one
         * more for replicas to apply until the next base). */
        bool changed = st->records > 0 || st->gone > 0;
        long long rev = 0, published_ms = 0;
        snap_revision(g.ix, &rev, &published_ms);
        bool due = changed || !ds.skipped || rev == 0 ||
                   g.now * 1000 - published_ms >= SNAP_IDLE_SECS * 1000LL;
        sp_err se = {0};
        if (rc == SP_OK && due && snap_publish(g.ix, o->store_dir, changed, &se) != SP_OK)
            fprintf(stderr, "signpost index: the store snapshot for replicas: %s (the index "
                            "itself is fine; tried again next run)\n", se.msg);
        if (rc == SP_OK)
            note_run(&g, st, ds.skipped ? -1.0
                                        : (double)(l1.tv_sec - l0.tv_sec) +
                                              (double)(l1.tv_nsec - l0.tv_nsec) / 1e9);
    }
out:
    strlist_free(&g.orphans);
    strlist_free(&g.counts);
    strlist_free(&g.failing);
    covs_free(&g);
    idx_close(g.ix);
    store_close(g.w);
    store_close(g.look);
    store_close(g.s);
    return rc;
}

int ingest_run(const ingest_opts *o, ingest_stats *st, sp_err *err)
{
    return run(o, st, false, err);
}

int ingest_rebuild(const ingest_opts *o, ingest_stats *st, sp_err *err)
{
    return run(o, st, true, err);
}
