/*
 * store_crawl.c - the crawler's tables of STORE/crawl.db (store.h, "for
 * the crawler" and "for the indexer and other readers"): sources and their
 * passes, urls (the queue and each URL's crawl state), documents, the
 * fetch log, out_links and the robots.txt cache.
 *
 * Every step after a fetch is one transaction (store_record_fetch; inside
 * a batch, a savepoint of the batch's transaction), so the store is
 * consistent after a crash at any point: a URL is either still queued (and
 * will be fetched again) or done with its document and the links it led to
 * queued.  Passes are numbered per source; a URL belongs to the pass that
 * last queued it, which is how a rerun knows what is left to do and how a
 * finished pass knows which URLs the source no longer leads to (gone).
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- documents ---------------------------------------------------------- */

#define DOC_COLS                                                              \
    "seq, url, final_url, source, format, content_type, content_hash, "     \
    "headers, body, status, fetched_at"

static void row_doc(sqlite3_stmt *st, store_doc *d)
{
    memset(d, 0, sizeof *d);
    d->seq = sqlite3_column_int64(st, 0);
    d->url = sto_text(st, 1);
    d->final_url = sto_text(st, 2);
    d->source = sto_text(st, 3);
    d->format = sto_text(st, 4);
    d->content_type = sto_text(st, 5);
    d->content_hash = sto_text(st, 6);
    d->headers = sto_text(st, 7);
    /* column_text on a BLOB hands back its bytes with a NUL after them. */
    d->body = sto_text(st, 8);
    d->len = (size_t)sqlite3_column_bytes(st, 8);
    if (!d->body) {
        d->body = "";
        d->len = 0;
    }
    d->status = sqlite3_column_int(st, 9);
    d->fetched_at = sqlite3_column_int64(st, 10);
}

int store_docs_since(store *s, int64_t cursor, size_t limit, store_doc_fn fn,
                     void *ctx, int64_t *last_seq, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                       "SELECT " DOC_COLS " FROM documents WHERE seq > ? ORDER BY seq LIMIT ?",
                       "II", cursor, limit ? (int64_t)limit : (int64_t)-1);
    if (rc)
        return rc;
    int64_t last = cursor;
    while (sto_next(s, st, &rc, err, "read documents")) {
        store_doc d;
        row_doc(st, &d);
        last = d.seq;
        if (fn(ctx, &d))
            break;
    }
    sqlite3_finalize(st);
    if (!rc && last_seq)
        *last_seq = last;
    return rc;
}

int store_latest_doc(store *s, const char *source, const char *url,
                     store_doc_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false, "SELECT " DOC_COLS " FROM documents WHERE url = ?1 "
                       "AND (?2 IS NULL OR source = ?2) ORDER BY seq DESC LIMIT 1",
                       "tt", url, source);
    if (rc)
        return rc;
    if (sto_next(s, st, &rc, err, "read document")) {
        store_doc d;
        row_doc(st, &d);
        fn(ctx, &d);
    } else if (!rc) {
        rc = sp_fail(err, SP_ENOTFOUND, "no document stored for %s", url);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_max_seq(store *s, int64_t *out, sp_err *err)
{
    int rc = sto_int(s, out, false, "read documents", err,
                     "SELECT coalesce(max(seq), 0) FROM documents", NULL);
    return rc == SP_ENOTFOUND ? sto_fail(s, err, "read documents") : rc;
}

/* ---- sources ---------------------------------------------------------------- */

int store_source_upsert(store *s, const char *name, const char *url,
                        const char *kind, const char *config_json, sp_err *err)
{
    return sto_run(s, err, "INSERT INTO sources(name, url, kind, config) VALUES(?, ?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET url = excluded.url, "
                       "kind = excluded.kind, config = excluded.config",
               "tttt", name, url, kind, config_json ? config_json : "{}");
}

int store_source_set_records(store *s, const char *name, long records,
                             sp_err *err)
{
    return sto_run(s, err, "UPDATE sources SET records = ? WHERE name = ?", "It",
               (int64_t)records, name);
}

static int source_row(const sto_cb *cb, sqlite3_stmt *st)
{
    store_source_info i;
    memset(&i, 0, sizeof i);
    i.name = sto_text(st, 0);
    i.url = sto_text(st, 1);
    i.kind = sto_text(st, 2);
    i.config = sto_text(st, 3);
    i.last_start = sqlite3_column_int64(st, 4);
    i.last_success = sqlite3_column_int64(st, 5);
    i.last_error = sqlite3_column_int64(st, 6);
    i.last_error_msg = sto_text(st, 7);
    i.failing_since = sqlite3_column_int64(st, 8);
    i.next_crawl_at = sqlite3_column_int64(st, 9);
    i.running = sqlite3_column_int(st, 10) != 0;
    i.pass = (long)sqlite3_column_int64(st, 11);
    i.records = (long)sqlite3_column_int64(st, 12);
    i.pages = (long)sqlite3_column_int64(st, 13);
    i.urls_queued = (long)sqlite3_column_int64(st, 14);
    i.urls_done = (long)sqlite3_column_int64(st, 15);
    i.urls_failed = (long)sqlite3_column_int64(st, 16);
    i.urls_gone = (long)sqlite3_column_int64(st, 17);
    i.documents = (long)sqlite3_column_int64(st, 18);
    return ((store_source_fn)cb->fn)(cb->ctx, &i);
}

int store_source_health(store *s, store_source_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
        "SELECT s.name, s.url, s.kind, s.config, s.last_start, s.last_success,"
        " s.last_error, s.last_error_msg, s.failing_since, s.next_crawl_at,"
        " s.running, s.pass, s.records,"
        " (SELECT count(*) FROM urls u WHERE u.source = s.name AND u.content_hash IS NOT NULL"
        "   AND u.state <> 'gone'),"
        " (SELECT count(*) FROM urls u WHERE u.source = s.name AND u.state = 'queued'),"
        " (SELECT count(*) FROM urls u WHERE u.source = s.name AND u.state = 'done'),"
        " (SELECT count(*) FROM urls u WHERE u.source = s.name AND u.state = 'failed'),"
        " (SELECT count(*) FROM urls u WHERE u.source = s.name AND u.state = 'gone'),"
        " (SELECT count(*) FROM documents d WHERE d.source = s.name)"
        " FROM sources s ORDER BY s.name", "");
    return sto_each(s, st, rc, source_row, &(sto_cb){(void (*)(void))fn, ctx}, "read sources",
                    err);
}

/* ---- URLs ------------------------------------------------------------------- */

static int urls_query(store *s, const char *source, const char *state, const char *url,
                      store_url_fn fn, void *ctx, bool *found, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                       "SELECT source, url, state, coalesce(last_status, 0), last_error,"
                       " coalesce(last_fetched, 0), coalesce(gone_since, 0), fail_count, depth"
                       " FROM urls WHERE (?1 IS NULL OR source = ?1)"
                       " AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR url = ?3)"
                       " ORDER BY source, url",
                       "ttt", source, state, url);
    if (rc)
        return rc;
    while (sto_next(s, st, &rc, err, "read urls")) {
        store_url_info u;
        u.source = sto_text(st, 0);
        u.url = sto_text(st, 1);
        u.state = sto_text(st, 2);
        u.last_status = sqlite3_column_int(st, 3);
        u.last_error = sto_text(st, 4);
        u.last_fetched = sqlite3_column_int64(st, 5);
        u.gone_since = sqlite3_column_int64(st, 6);
        u.fail_count = sqlite3_column_int(st, 7);
        u.depth = sqlite3_column_int(st, 8);
        if (found)
            *found = true;
        if (fn(ctx, &u))
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_urls(store *s, const char *source, const char *state,
               store_url_fn fn, void *ctx, sp_err *err)
{
    return urls_query(s, source, state, NULL, fn, ctx, NULL, err);
}

int store_url_get(store *s, const char *source, const char *url,
                  store_url_fn fn, void *ctx, sp_err *err)
{
    bool found = false;
    int rc = urls_query(s, source, NULL, url, fn, ctx, &found, err);
    if (!rc && !found)
        return sp_fail(err, SP_ENOTFOUND, "source %s has no URL %s", source, url);
    return rc;
}

int store_mark_gone(store *s, const char *source, const char *url, sp_err *err)
{
    int rc = sto_run(s, err, "UPDATE urls SET state = 'gone', gone_since = coalesce(gone_since, ?)"
                         " WHERE source = ? AND url = ?",
                 "Itt", sp_now(), source, url);
    if (!rc && sqlite3_changes(s->db) == 0)
        return sp_fail(err, SP_ENOTFOUND, "source %s has no URL %s", source, url);
    return rc;
}

/* Queue a link for the given pass.  A URL already queued or done in this
 * pass is left alone (only its depth may shrink); one from an earlier pass
 * is queued again, keeping its validators for a conditional GET. */
static int enqueue(store *s, const char *source, long pass, const store_link *l,
                   int64_t now, sp_err *err)
{
    if (!s->enqueue_st) {
        int rc = sto_prep(s, &s->enqueue_st, err, false,
        "INSERT INTO urls(source, url, state, format, depth, pass, tries, next_fetch_at,"
        " lastmod, first_seen) VALUES(?1, ?2, 'queued', ?3, ?4, ?5, 0, 0, ?6, ?7)"
        " ON CONFLICT(source, url) DO UPDATE SET"
        "  state = CASE WHEN urls.pass < excluded.pass THEN 'queued' ELSE urls.state END,"
        "  tries = CASE WHEN urls.pass < excluded.pass THEN 0 ELSE urls.tries END,"
        "  next_fetch_at = CASE WHEN urls.pass < excluded.pass THEN 0"
        "                  ELSE urls.next_fetch_at END,"
        "  format = CASE WHEN urls.pass < excluded.pass THEN excluded.format"
        "           ELSE urls.format END,"
        "  depth = CASE WHEN urls.pass < excluded.pass THEN excluded.depth"
        "          ELSE min(urls.depth, excluded.depth) END,"
        "  lastmod = CASE WHEN excluded.lastmod > 0 THEN excluded.lastmod ELSE urls.lastmod END,"
        "  pass = max(urls.pass, excluded.pass)"
        /* A link found again in the same pass changes nothing most of
         * the time: no write then (an unchanged recrawl meets each link
         * of every page). */
        " WHERE urls.pass < excluded.pass OR excluded.depth < urls.depth"
        "  OR (excluded.lastmod > 0 AND excluded.lastmod IS NOT urls.lastmod)", "");
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = s->enqueue_st;
    sto_bind_text(st, 1, source);
    sto_bind_text(st, 2, l->url);
    sto_bind_text(st, 3, l->format ? l->format : "auto");
    sqlite3_bind_int(st, 4, l->depth);
    sqlite3_bind_int64(st, 5, pass);
    sqlite3_bind_int64(st, 6, l->lastmod);
    sqlite3_bind_int64(st, 7, now);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r == SQLITE_DONE ? SP_OK : sto_fail(s, err, "queue a URL");
}

static int current_pass(store *s, const char *source, long *pass, sp_err *err)
{
    int64_t v;
    int rc = sto_int(s, &v, true, "read source", err, "SELECT pass FROM sources WHERE name = ?",
                     source);
    if (rc == SP_OK)
        *pass = (long)v;
    return rc == SP_ENOTFOUND ? sp_fail(err, rc, "store has no source named %s", source) : rc;
}

static void pass_row(void *out, sqlite3_stmt *st)
{
    store_pass *p = out;
    p->pass = (long)sqlite3_column_int64(st, 0);
    p->running = sqlite3_column_int(st, 1) != 0;
    p->full = sqlite3_column_int(st, 2) != 0;
    p->fetched = (long)sqlite3_column_int64(st, 3);
    p->started = sqlite3_column_int64(st, 4);
    p->last_success = sqlite3_column_int64(st, 5);
    p->last_full = sqlite3_column_int64(st, 6);
    p->next_crawl_at = sqlite3_column_int64(st, 7);
}

int store_pass_get(store *s, const char *source, store_pass *out, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                       "SELECT pass, running, pass_full, pass_fetched, coalesce(last_start, 0),"
                       " coalesce(last_success, 0), coalesce(last_full, 0), next_crawl_at"
                       " FROM sources WHERE name = ?",
                       "t", source);
    rc = sto_one(s, st, rc, pass_row, out, "read source", err);
    return rc == SP_ENOTFOUND ? sp_fail(err, rc, "store has no source named %s", source) : rc;
}

/* Queue links for the source's current pass (inside a transaction). */
static int enqueue_all(store *s, const char *source, const store_link *links, size_t n,
                       int64_t now, long *pass_out, sp_err *err)
{
    long pass = 0;
    int rc = current_pass(s, source, &pass, err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = enqueue(s, source, pass, &links[i], now, err);
    if (!rc && pass_out)
        *pass_out = pass;
    return rc;
}

int store_pass_begin(store *s, const char *source, bool full,
                     const store_link *seeds, size_t n, int64_t now,
                     long *pass_out, sp_err *err)
{
    int rc = sto_tx_begin(s, err);
    if (rc)
        return rc;
    rc = sto_run(s, err, "UPDATE sources SET pass = pass + 1, running = 1, pass_full = ?,"
                     " pass_fetched = 0, last_start = ? WHERE name = ?",
             "iIt", full ? 1 : 0, now, source);
    if (!rc)
        rc = enqueue_all(s, source, seeds, n, now, pass_out, err);
    return sto_tx_end(s, rc, err);
}

int store_queue_links(store *s, const char *source, const store_link *links, size_t n,
                      int64_t now, sp_err *err)
{
    int rc = sto_tx_begin(s, err);
    if (rc)
        return rc;
    return sto_tx_end(s, enqueue_all(s, source, links, n, now, NULL, err), err);
}

int store_pass_end(store *s, const char *source, bool ok, bool mark_gone,
                   const char *error_msg, int64_t now, int64_t next_crawl_at,
                   sp_err *err)
{
    long pass = 0;
    int rc = sto_tx_begin(s, err);
    if (rc)
        return rc;
    rc = current_pass(s, source, &pass, err);
    if (!rc && mark_gone)
        rc = sto_run(s, err, "UPDATE urls SET state = 'gone', gone_since = coalesce(gone_since, ?)"
                         " WHERE source = ? AND pass < ? AND state <> 'gone'",
                 "ItI", now, source, (int64_t)pass);
    if (!rc)
        rc = sto_run(s, err, "UPDATE urls SET state = 'skipped' WHERE source = ? AND pass = ?"
                         " AND state = 'queued'",
                 "tI", source, (int64_t)pass);
    if (!rc && ok)
        rc = sto_run(s, err, "UPDATE sources SET running = 0, next_crawl_at = ?1,"
                         " last_success = ?2, failing_since = NULL,"
                         " last_full = CASE WHEN pass_full THEN ?2 ELSE last_full END"
                         " WHERE name = ?3",
                 "IIt", next_crawl_at, now, source);
    else if (!rc)
        rc = sto_run(s, err, "UPDATE sources SET running = 0, next_crawl_at = ?1,"
                         " failing_since = coalesce(failing_since, ?2), last_error = ?2,"
                         " last_error_msg = ?4 WHERE name = ?3",
                 "IItt", next_crawl_at, now, source,
                 error_msg ? error_msg : "entry URL failed");
    /* The request log is for diagnosis, not history: keep 30 days. */
    if (!rc)
        rc = sto_run(s, err, "DELETE FROM fetch_log WHERE source = ? AND time < ?", "tI", source,
                 now - (int64_t)STORE_FETCH_LOG_DAYS * 86400);
    return sto_tx_end(s, rc, err);
}

void store_queued_free(store_queued *q)
{
    if (!q)
        return;
    free(q->source);
    free(q->url);
    free(q->format);
    free(q->etag);
    free(q->last_modified);
    free(q->content_hash);
    memset(q, 0, sizeof *q);
}

int store_next_queued(store *s, const char *source, int64_t now, size_t limit,
                      store_queued_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
#define NEXT_QUEUED(where)                                                               \
    "SELECT u.source, u.url, u.format, u.etag, u.last_modified, u.content_hash,"          \
    " u.depth, u.tries, u.fail_count, u.lastmod, coalesce(u.last_fetched, 0)"             \
    " FROM sources s JOIN urls u ON u.source = s.name AND u.state = 'queued'"             \
    "  AND u.pass = s.pass"                                                               \
    " WHERE s.running = 1 AND u.next_fetch_at <= ?1" where                                \
    " ORDER BY u.depth, u.lastmod DESC, u.rowid LIMIT ?2"
    /* Two texts, not "?3 IS NULL OR": with a fixed source the planner walks
     * the urls_queue index in order and stops at the limit. */
    int rc = sto_prep(s, &st, err, true,
                       source ? NEXT_QUEUED(" AND s.name = ?3") : NEXT_QUEUED(""),
                       source ? "IIt" : "II", now, (int64_t)limit, source);
#undef NEXT_QUEUED
    if (rc)
        return rc;
    while (sto_next(s, st, &rc, err, "read queue")) {
        store_queued q;
        q.source = (char *)sto_text(st, 0);
        q.url = (char *)sto_text(st, 1);
        q.format = (char *)sto_text(st, 2);
        q.etag = (char *)sto_text(st, 3);
        q.last_modified = (char *)sto_text(st, 4);
        q.content_hash = (char *)sto_text(st, 5);
        q.depth = sqlite3_column_int(st, 6);
        q.tries = sqlite3_column_int(st, 7);
        q.fail_count = sqlite3_column_int(st, 8);
        q.lastmod = sqlite3_column_int64(st, 9);
        q.last_fetched = sqlite3_column_int64(st, 10);
        q.has_doc = q.content_hash != NULL;
        if (fn(ctx, &q))
            break;
    }
    sto_done(s, st);
    return rc;
}

/* The count and the earliest time store_queued_count selects. */
static void count_row(void *out, sqlite3_stmt *st)
{
    int64_t *v = out;
    v[0] = sqlite3_column_int64(st, 0);
    v[1] = sqlite3_column_int64(st, 1);
}

int store_queued_count(store *s, const char *source, long *count,
                       int64_t *earliest, sp_err *err)
{
    sqlite3_stmt *st;
    /* Without earliest the caller only needs to know whether any is left. */
    int rc = sto_prep(s, &st, err, true,
                       earliest ? "SELECT count(*), coalesce(min(u.next_fetch_at), 0) FROM urls u"
                                  " JOIN sources s ON s.name = u.source"
                                  " WHERE u.source = ? AND u.state = 'queued' AND u.pass = s.pass"
                                : "SELECT count(*), 0 FROM (SELECT 1 FROM urls u"
                                  " JOIN sources s ON s.name = u.source"
                                  " WHERE u.source = ? AND u.state = 'queued' AND u.pass = s.pass"
                                  " LIMIT 1)",
                       "t", source);
    int64_t row[2];
    rc = sto_one(s, st, rc, count_row, row, "count queue", err);
    if (rc == SP_OK) {
        *count = (long)row[0];
        if (earliest)
            *earliest = row[1];
    }
    return rc == SP_ENOTFOUND ? sto_fail(s, err, "count queue") : rc;
}

static const char *outcome_sql(store_outcome o)
{
    switch (o) {
    case STORE_NEW_DOC:
        return "UPDATE urls SET state = 'done', tries = tries + 1, fail_count = 0,"
               " last_fetched = ?3, last_status = ?4, last_error = NULL, gone_since = NULL,"
               " etag = ?5, last_modified = ?6, content_hash = ?7"
               " WHERE source = ?1 AND url = ?2";
    case STORE_UNCHANGED:
        return "UPDATE urls SET state = 'done', tries = tries + ?9, fail_count = 0,"
               " last_fetched = CASE WHEN ?9 THEN ?3 ELSE last_fetched END,"
               " last_status = CASE WHEN ?9 THEN ?4 ELSE last_status END,"
               " last_error = NULL, gone_since = NULL,"
               " etag = coalesce(?5, etag), last_modified = coalesce(?6, last_modified)"
               " WHERE source = ?1 AND url = ?2";
    case STORE_FAIL:
        return "UPDATE urls SET state = 'failed', tries = tries + ?9, fail_count = fail_count + 1,"
               " last_fetched = ?3, last_status = ?4, last_error = ?8"
               " WHERE source = ?1 AND url = ?2";
    case STORE_RETRY:
        return "UPDATE urls SET state = 'queued', tries = tries + 1, fail_count = fail_count + 1,"
               " last_fetched = ?3, last_status = ?4, last_error = ?8, next_fetch_at = ?10"
               " WHERE source = ?1 AND url = ?2";
    case STORE_GONE_NOW:
        return "UPDATE urls SET state = 'gone', tries = tries + 1, last_fetched = ?3,"
               " last_status = ?4, last_error = ?8, gone_since = coalesce(gone_since, ?3)"
               " WHERE source = ?1 AND url = ?2";
    case STORE_REQUEUE:
        return "UPDATE urls SET state = 'queued', last_status = ?4, last_error = ?8,"
               " next_fetch_at = ?10 WHERE source = ?1 AND url = ?2";
    }
    return NULL;
}

/* ---- out-links ------------------------------------------------------------ */

static int out_links_put(store *s, const char *source, const char *url,
                         const store_link *links, size_t n, sp_err *err)
{
    sp_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        /* Tabs and line breaks would break the encoding; the crawler's
         * URLs (libcurl-normalised) never hold them. */
        if (strpbrk(links[i].url, "\t\r\n") ||
            (links[i].format && strpbrk(links[i].format, "\t\r\n")))
            continue;
        sp_buf_printf(&b, "%d\t%lld\t%s\t%s\n", links[i].depth, (long long)links[i].lastmod,
                      links[i].format ? links[i].format : "auto", links[i].url);
    }
    if (sp_buf_error(&b) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = sto_run(s, err, "INSERT INTO out_links(source, url, links) VALUES(?, ?, ?)"
                         " ON CONFLICT(source, url) DO UPDATE SET links = excluded.links",
                 "ttt", source, url, b.data ? b.data : "");
    sp_buf_free(&b);
    return rc;
}

void store_links_free(store_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)links[i].url);
        free((char *)links[i].format);
    }
    free(links);
}

int store_out_links(store *s, const char *source, const char *url, store_link **out,
                    size_t *n_out, sp_err *err)
{
    *out = NULL;
    *n_out = 0;
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                       "SELECT links FROM out_links WHERE source = ? AND url = ?",
                       "tt", source, url);
    if (rc)
        return rc;
    if (!sto_next(s, st, &rc, err, "read out-links")) {
        sto_done(s, st);
        return rc ? rc : sp_fail(err, SP_ENOTFOUND, "no out-links kept for %s", url);
    }
    const char *p = sto_text(st, 0);
    size_t cap = 0, n = 0;
    store_link *v = NULL;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t linelen = nl ? (size_t)(nl - p) : strlen(p);
        int depth = 0;
        long long lastmod = 0;
        int fstart = 0;
        if (sscanf(p, "%d\t%lld\t%n", &depth, &lastmod, &fstart) >= 2 && fstart > 0 &&
            (size_t)fstart < linelen) {
            const char *f = p + fstart, *tab = memchr(f, '\t', linelen - (size_t)fstart);
            if (tab) {
                if (sp_grow(&v, &cap, n + 1, sizeof *v, 16) != SP_OK) {
                    rc = sp_fail(err, SP_ENOMEM, "out of memory");
                    break;
                }
                char *fmt = strndup(f, (size_t)(tab - f));
                char *u = strndup(tab + 1, (size_t)(p + linelen - tab - 1));
                if (!fmt || !u) {
                    free(fmt);
                    free(u);
                    rc = sp_fail(err, SP_ENOMEM, "out of memory");
                    break;
                }
                v[n++] = (store_link){u, fmt, depth, (int64_t)lastmod};
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    sto_done(s, st);
    if (rc) {
        store_links_free(v, n);
        return rc;
    }
    *out = v;
    *n_out = n;
    return SP_OK;
}

int store_out_links_put(store *s, const char *source, const char *url,
                        const store_link *links, size_t n, sp_err *err)
{
    int rc = sto_tx_begin(s, err);
    if (rc)
        return rc;
    return sto_tx_end(s, out_links_put(s, source, url, links, n, err), err);
}

static int record_fetch_tx(store *s, const store_fetch *f, const store_link *links,
                           size_t n_links, int64_t *seq, sp_err *err)
{
    int rc;
    if (f->outcome == STORE_NEW_DOC) {
        rc = sto_run(s, err, "INSERT INTO documents(source, url, final_url, fetched_at, status,"
                         " format, content_type, headers, body, content_hash)"
                         " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 "tttIitttbt", f->source, f->url, f->final_url, f->fetched_at, f->status,
                 f->format, f->content_type, f->headers, f->body, f->len, f->content_hash);
        if (rc)
            return rc;
        *seq = sqlite3_last_insert_rowid(s->db);
    }
    rc = sto_run(s, err, outcome_sql(f->outcome), "ttIittttiI", f->source, f->url, f->fetched_at,
             f->status, f->etag, f->last_modified, f->content_hash, f->error,
             f->requested ? 1 : 0, f->next_fetch_at);
    if (!rc && f->requested)
        rc = sto_run(s, err, "INSERT INTO fetch_log(source, url, time, status, bytes, ms, error)"
                         " VALUES(?, ?, ?, ?, ?, ?, ?)",
                 "ttIiIIt", f->source, f->url, f->fetched_at, f->status, (int64_t)f->bytes,
                 (int64_t)f->ms, f->error);
    if (!rc && f->requested && f->outcome != STORE_REQUEUE)
        rc = sto_run(s, err, "UPDATE sources SET pass_fetched = pass_fetched + 1 WHERE name = ?",
                 "t", f->source);
    if (!rc && f->error && f->outcome != STORE_REQUEUE) {
        char *msg = sp_printf("%s: %s", f->url, f->error);
        rc = sto_run(s, err, "UPDATE sources SET last_error = ?, last_error_msg = ? WHERE name = ?",
                 "Itt", f->fetched_at, msg ? msg : f->error, f->source);
        free(msg);
    }
    if (!rc && n_links)
        rc = enqueue_all(s, f->source, links, n_links, f->fetched_at, NULL, err);
    if (!rc && f->keep_out_links)
        rc = out_links_put(s, f->source, f->url, f->out_links, f->n_out_links, err);
    return rc;
}

int store_record_fetch(store *s, const store_fetch *f, const store_link *links,
                       size_t n_links, int64_t *seq_out, sp_err *err)
{
    int64_t seq = 0;
    int rc = sto_tx_begin(s, err);
    if (rc)
        return rc;
    rc = sto_tx_end(s, record_fetch_tx(s, f, links, n_links, &seq, err), err);
    if (!rc && seq_out)
        *seq_out = seq;
    return rc;
}

/* ---- robots.txt cache ------------------------------------------------------- */

int store_robots_get(store *s, const char *authority, int64_t *fetched_at,
                     int *status, char **body, size_t *len, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                       "SELECT fetched_at, status, body FROM robots WHERE authority = ?",
                       "t", authority);
    if (rc)
        return rc;
    if (sto_next(s, st, &rc, err, "read robots")) {
        *fetched_at = sqlite3_column_int64(st, 0);
        *status = sqlite3_column_int(st, 1);
        const void *b = sqlite3_column_blob(st, 2);
        size_t n = (size_t)sqlite3_column_bytes(st, 2);
        *body = malloc(n + 1);
        if (!*body) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        } else {
            if (n)
                memcpy(*body, b, n);
            (*body)[n] = '\0';
            *len = n;
        }
    } else if (!rc) {
        rc = sp_fail(err, SP_ENOTFOUND, "no robots.txt cached for %s", authority);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_robots_put(store *s, const char *authority, int64_t fetched_at,
                     int status, const char *body, size_t len, sp_err *err)
{
    return sto_run(s, err, "INSERT INTO robots(authority, fetched_at, status, body)"
                       " VALUES(?, ?, ?, ?) ON CONFLICT(authority) DO UPDATE SET"
                       " fetched_at = excluded.fetched_at, status = excluded.status,"
                       " body = excluded.body",
               "tIib", authority, fetched_at, status, body, len);
}

/* ---- /metrics ----------------------------------------------------------------- */

static int metrics_row(const sto_cb *cb, sqlite3_stmt *st)
{
    store_source_metrics m = {
        .name = sto_text(st, 0),
        .fetches = sqlite3_column_int64(st, 1),
        .not_modified = sqlite3_column_int64(st, 2),
        .errors = sqlite3_column_int64(st, 3),
        .records = sqlite3_column_int64(st, 4),
        .last_success = sqlite3_column_int64(st, 5),
        .failing = sqlite3_column_int(st, 6) != 0,
    };
    return m.name && ((store_metrics_fn)cb->fn)(cb->ctx, &m);
}

int store_source_metrics_each(store *s, store_metrics_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
        "SELECT s.name, coalesce(f.n, 0), coalesce(f.nm, 0), coalesce(f.bad, 0), s.records,"
        " coalesce(s.last_success, 0), s.failing_since IS NOT NULL"
        " FROM sources s LEFT JOIN (SELECT source, count(*) AS n, sum(status = 304) AS nm,"
        " sum(error IS NOT NULL OR status >= 400 OR status IS NULL OR status = 0) AS bad"
        " FROM fetch_log GROUP BY source) f ON f.source = s.name ORDER BY s.name LIMIT 10000",
        "");
    return sto_each(s, st, rc, metrics_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read source metrics", err);
}
