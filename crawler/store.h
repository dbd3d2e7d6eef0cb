/*
 * store.h - the store: STORE/crawl.db, the system of record.
 *
 * Everything the crawler fetched lives here (SQLite, WAL mode): the sources
 * and their health, every URL a source led to with its crawl state and
 * validators (ETag, Last-Modified, content hash), every document fetched
 * (append-only, numbered by seq), a log of every request, the robots.txt
 * cache and a small key/value table (the indexer's cursor lives there).
 * docs/crawler.md documents the schema; PRAGMA user_version versions it.
 *
 * Consistency: every change the crawler makes after one fetch (the URL's
 * new state, the document, the log line, the links it found) is written
 * together, so a kill -9 at any moment leaves a store a rerun can resume
 * without losing anything.  The crawler groups several fetches into one
 * transaction (store_batch_begin/commit, bounded in fetches and time): a
 * kill -9 loses at most that batch, whose URLs are still queued and are
 * fetched again by the next run.
 *
 * Threads: a store handle belongs to one thread at a time.  Open one handle
 * per thread (the crawler's and the indexer's); WAL lets readers run while
 * the crawler writes, and busy_timeout absorbs short write locks.
 *
 * Memory: pointers handed to callbacks are valid only during the call.
 * Functions returning strings say who frees them.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp.h"

#define STORE_SCHEMA_VERSION 2
#define STORE_DB_NAME "crawl.db"
#define STORE_FETCH_LOG_DAYS 30 /* fetch_log lines older than this are pruned */

typedef struct store store;

/* Open (creating dir and schema as needed) dir/crawl.db.  *out is owned by
 * the caller and released with store_close. */
int store_open(const char *dir, store **out, sp_err *err);
void store_close(store *s);

/* ---- For the indexer and other readers ---------------------------------- */

/* One stored document.  status is the HTTP status (2xx: documents are only
 * stored for successful fetches).  format is the crawler's hint of how the
 * document was reached ("oruk", "rss", "sitemap", "html", "datapackage",
 * "csv", "auto"); content_type is the server's, with charset=utf-8 when the
 * crawler converted a text body to UTF-8 (it always does for text). */
typedef struct store_doc {
    int64_t seq;
    const char *url;       /* the URL as queued (stable identity) */
    const char *final_url; /* after redirects */
    const char *source;    /* source name from sources.conf */
    const char *format;
    const char *content_type; /* may be NULL */
    const char *content_hash;
    const char *headers;      /* raw response headers, CRLF-separated */
    const char *body;         /* len bytes; NUL-terminated for convenience */
    size_t len;
    int status;
    int64_t fetched_at;       /* epoch seconds */
} store_doc;

/* Return 0 to continue, non-zero to stop the iteration early (not an error). */
typedef int (*store_doc_fn)(void *ctx, const store_doc *doc);

/* Call fn for each document with seq > cursor, in seq order, at most limit
 * (0: no limit).  *last_seq (optional) receives the last seq passed to fn
 * (cursor when none). */
int store_docs_since(store *s, int64_t cursor, size_t limit, store_doc_fn fn,
                     void *ctx, int64_t *last_seq, sp_err *err);

/* The newest document stored for url (any source; source may narrow it).
 * SP_ENOTFOUND when none.  Used by the indexer to fetch a data package's
 * CSV resources, and by the crawler to follow links of unchanged pages. */
int store_latest_doc(store *s, const char *source, const char *url,
                     store_doc_fn fn, void *ctx, sp_err *err);

/* Highest seq stored so far (0 when empty). */
int store_max_seq(store *s, int64_t *out, sp_err *err);

/* Named cursors (meta key "cursor.NAME"); a missing cursor reads as 0. */
int store_get_cursor(store *s, const char *name, int64_t *out, sp_err *err);
int store_set_cursor(store *s, const char *name, int64_t value, sp_err *err);

/* The meta key/value table.  *out is malloc'd (caller frees) or NULL when
 * the key is absent. */
int store_meta_get(store *s, const char *key, char **out, sp_err *err);
int store_meta_set(store *s, const char *key, const char *value, sp_err *err);

/* Health of one source, as the crawler last left it.  Times are epoch
 * seconds, 0 when never.  failing_since is set while the source's entry
 * URLs fail; the indexer drops a source's records once it has failed for
 * longer than its own limit (default 14 days), and not before. */
typedef struct store_source_info {
    const char *name;
    const char *url;
    const char *kind;
    const char *config;        /* JSON object of the sources.conf section */
    int64_t last_start;        /* start of the last pass */
    int64_t last_success;      /* end of the last pass whose entry URLs worked */
    int64_t last_error;        /* time of the last error on any of its URLs */
    const char *last_error_msg;
    int64_t failing_since;
    int64_t next_crawl_at;
    bool running;              /* a pass is in progress (or was interrupted) */
    long pass;                 /* passes begun */
    long pages;                /* URLs with a stored document */
    long records;              /* set by the indexer (store_source_set_records) */
    long urls_queued, urls_done, urls_failed, urls_gone;
    long documents;            /* document versions stored */
} store_source_info;

typedef int (*store_source_fn)(void *ctx, const store_source_info *info);
/* Every source, in name order. */
int store_source_health(store *s, store_source_fn fn, void *ctx, sp_err *err);
int store_source_set_records(store *s, const char *name, long records,
                             sp_err *err);

/* URL states. */
#define STORE_QUEUED "queued"
#define STORE_DONE "done"
#define STORE_FAILED "failed"
#define STORE_GONE "gone"
#define STORE_SKIPPED "skipped" /* not reached this pass (page budget) */

/* Each URL of a source in the given state (NULL: all), with its last
 * status and error. */
typedef struct store_url_info {
    const char *source, *url, *state;
    int last_status;
    const char *last_error; /* NULL when the last fetch worked */
    int64_t last_fetched, gone_since;
    int fail_count, depth;
} store_url_info;
typedef int (*store_url_fn)(void *ctx, const store_url_info *u);
int store_urls(store *s, const char *source, const char *state,
               store_url_fn fn, void *ctx, sp_err *err);
/* One URL of a source; SP_ENOTFOUND when the source never had it. */
int store_url_get(store *s, const char *source, const char *url,
                  store_url_fn fn, void *ctx, sp_err *err);
/* Mark one URL of a source gone (the indexer may also decide so). */
int store_mark_gone(store *s, const char *source, const char *url,
                    sp_err *err);

/* ---- For the crawler ------------------------------------------------------ */

/* A batch: one transaction around several steps (each store_* call that
 * writes becomes a savepoint inside it, so a failed step undoes only
 * itself).  Nothing in it is visible to other connections, or durable,
 * until store_batch_commit.  begin is a no-op while a batch is open;
 * commit is one when none is; store_close commits an open batch. */
int store_batch_begin(store *s, sp_err *err);
int store_batch_commit(store *s, sp_err *err);
bool store_in_batch(const store *s);

/* Insert or update a source's configuration (JSON text). */
int store_source_upsert(store *s, const char *name, const char *url,
                        const char *kind, const char *config_json,
                        sp_err *err);

/* The crawl state of a source. */
typedef struct store_pass {
    long pass;           /* current (or last) pass number */
    bool running;
    bool full;           /* this pass sees the whole source (not incremental) */
    long fetched;        /* pages fetched in this pass (budget) */
    int64_t started, last_success, last_full, next_crawl_at;
} store_pass;
int store_pass_get(store *s, const char *source, store_pass *out,
                   sp_err *err);

/* One URL to queue. */
typedef struct store_link {
    const char *url;
    const char *format;  /* how to read it for links: "oruk", "html", ... */
    int depth;
    int64_t lastmod;     /* from a sitemap; 0 unknown */
} store_link;

/* Begin a new pass of source: pass+1, running, and the seed URLs queued. */
int store_pass_begin(store *s, const char *source, bool full,
                     const store_link *seeds, size_t n, int64_t now,
                     long *pass_out, sp_err *err);
/* Queue links for the source's current pass outside a fetch (the sitemaps
 * a robots.txt lists), in one transaction.  Idempotent like every queueing:
 * a URL already queued or done in this pass is left alone. */
int store_queue_links(store *s, const char *source, const store_link *links,
                      size_t n, int64_t now, sp_err *err);
/* End the running pass.  ok: the entry URL worked (clears failing_since,
 * sets last_success); else failing_since is kept or set and error_msg
 * recorded.  mark_gone: URLs done in earlier passes but not reached in this
 * one become gone.  Leftover queued URLs become skipped.  The source's
 * fetch_log lines older than STORE_FETCH_LOG_DAYS are pruned. */
int store_pass_end(store *s, const char *source, bool ok, bool mark_gone,
                   const char *error_msg, int64_t now, int64_t next_crawl_at,
                   sp_err *err);

/* A URL ready to fetch. */
typedef struct store_queued {
    char *source, *url, *format;
    char *etag, *last_modified, *content_hash; /* NULL when none */
    int depth, tries, fail_count;
    int64_t lastmod, last_fetched;
    bool has_doc; /* a document was stored for it before */
} store_queued;
void store_queued_free(store_queued *q);

/* Call fn for up to limit queued URLs of running passes (of source; NULL:
 * every source) whose time has
 * come, in crawl order (shallow first, newest sitemap lastmod first).  The
 * strings in *q are valid during the call only; return non-zero to stop.
 * store_queued_free releases a copy the caller made with malloc'd strings. */
typedef int (*store_queued_fn)(void *ctx, const store_queued *q);
int store_next_queued(store *s, const char *source, int64_t now, size_t limit,
                      store_queued_fn fn, void *ctx, sp_err *err);
/* Number of queued URLs of source's running pass, and the earliest
 * next_fetch_at among them (0 when none).  With earliest NULL, *count is
 * only 0 or 1: whether any is left (cheap). */
int store_queued_count(store *s, const char *source, long *count,
                       int64_t *earliest, sp_err *err);

/* What one fetch came to. */
typedef enum store_outcome {
    STORE_NEW_DOC,    /* store the body as a new document */
    STORE_UNCHANGED,  /* 304, same hash or sitemap lastmod: no new document */
    STORE_FAIL,       /* failed for this pass */
    STORE_RETRY,      /* failed; queued again at next_fetch_at */
    STORE_GONE_NOW,   /* 404/410: the URL is gone */
    STORE_REQUEUE     /* not fetched (rate limited): queued again, no try used */
} store_outcome;

typedef struct store_fetch {
    const char *source, *url;
    store_outcome outcome;
    int status;               /* HTTP status; 0 when no response */
    const char *error;        /* NULL on success */
    int64_t fetched_at;
    long ms;
    size_t bytes;             /* bytes received (the log's figure) */
    bool requested;           /* a request was made (else no log line) */
    int64_t next_fetch_at;    /* STORE_RETRY / STORE_REQUEUE */
    /* STORE_NEW_DOC and STORE_UNCHANGED: */
    const char *etag, *last_modified, *content_hash;
    /* STORE_NEW_DOC: */
    const char *final_url, *format, *content_type, *headers;
    const char *body;
    size_t len;
    /* With keep_out_links, the links the body led to replace the URL's
     * kept out-links (store_out_links), n_out_links of them (may be 0). */
    bool keep_out_links;
    const store_link *out_links;
    size_t n_out_links;
} store_fetch;

/* Record one fetch and queue the links it found for the source's current
 * pass, in one transaction.  A fetch that made a request counts against the
 * pass's page budget (store_pass.fetched).  *seq_out (optional) gets the new document's
 * seq, 0 when none was stored. */
int store_record_fetch(store *s, const store_fetch *f, const store_link *links,
                       size_t n_links, int64_t *seq_out, sp_err *err);

/* The out-links kept with a source's URL (store_fetch.keep_out_links): the
 * links its last readable body led to, as the crawler wrote them (depth is
 * relative to the URL's).  *out is a malloc'd array the caller releases
 * with store_links_free; SP_ENOTFOUND when none were kept (a store from
 * before schema version 2, or a URL never read). */
int store_out_links(store *s, const char *source, const char *url, store_link **out,
                    size_t *n, sp_err *err);
/* Keep out-links for a URL outside a fetch (links recovered from a stored
 * body). */
int store_out_links_put(store *s, const char *source, const char *url,
                        const store_link *links, size_t n, sp_err *err);
void store_links_free(store_link *links, size_t n);

/* robots.txt cache, keyed by "scheme://host:port".  status 0: unreachable. */
int store_robots_get(store *s, const char *authority, int64_t *fetched_at,
                     int *status, char **body, size_t *len, sp_err *err);
int store_robots_put(store *s, const char *authority, int64_t fetched_at,
                     int status, const char *body, size_t len, sp_err *err);

#endif
