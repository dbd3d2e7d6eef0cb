/*
 * store.h - the store: STORE/crawl.db, the system of record, and the one
 * module that reads or writes it (crawldb/).  Nobody else holds SQL for it.
 *
 * Everything the crawler fetched lives here (SQLite, WAL mode): the sources
 * and their health, every URL a source led to with its crawl state and
 * validators (ETag, Last-Modified, content hash), every document fetched
 * (append-only, numbered by seq), a log of every request, the robots.txt
 * cache and a small key/value table (the indexer's cursor lives there).
 * So does what the indexer keeps about it (which records each URL gave,
 * when each record was first and last seen, and gone) and the duplicate
 * linkage's tables (hub users' decisions, links, the hub reports' records).
 *
 * One schema version for all of it (PRAGMA user_version,
 * STORE_SCHEMA_VERSION): store_open migrates an older store in ordered
 * steps and refuses a newer one (SP_EUNSUP, saying to upgrade).
 * docs/crawler.md lists the tables and the migrations.
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

#define STORE_SCHEMA_VERSION 8
#define STORE_DB_NAME "crawl.db"
#define STORE_FETCH_LOG_DAYS 30 /* fetch_log lines older than this are pruned */

typedef struct store store;

/* Open (creating dir and schema as needed, migrating an older schema)
 * dir/crawl.db.  *out is owned by the caller and released with
 * store_close.  SP_EUNSUP for a store newer than this build. */
int store_open(const char *dir, store **out, sp_err *err);
/* Open dir/crawl.db read only, for searchd: nothing is created or
 * migrated (an older store reads what it has: a table it lacks reads as
 * an error of that call).  busy_ms bounds the wait behind a writer's lock
 * (0: the default).  SP_ENOTFOUND when there is no crawl.db; SP_EUNSUP
 * for a newer schema. */
int store_open_read(const char *dir, int busy_ms, store **out, sp_err *err);
void store_close(store *s);
/* The schema version of the open store (STORE_SCHEMA_VERSION once
 * store_open has migrated it). */
int store_schema_version(const store *s);

/* A callback over text values (ids, URLs); non-zero stops the walk. */
typedef int (*store_text_fn)(void *ctx, const char *value);

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

/* Per source, what /metrics reports (searchd/metrics_store.c): fetches,
 * 304s and failures (a network error, or a status of 400 or more) in the
 * fetch log's window, the indexer's record count, the last successful
 * pass (0: never) and whether its entry URLs fail now. */
typedef struct store_source_metrics {
    const char *name;
    long long fetches, not_modified, errors, records, last_success;
    bool failing;
} store_source_metrics;
typedef int (*store_metrics_fn)(void *ctx, const store_source_metrics *m);
int store_source_metrics_each(store *s, store_metrics_fn fn, void *ctx, sp_err *err);

/* ---- For the crawler ------------------------------------------------------ */

/* A batch: one transaction around several steps (each store_* call that
 * writes becomes a savepoint inside it, so a failed step undoes only
 * itself).  Nothing in it is visible to other connections, or durable,
 * until store_batch_commit.  begin is a no-op while a batch is open;
 * commit is one when none is; store_close commits an open batch. */
int store_batch_begin(store *s, sp_err *err);
int store_batch_commit(store *s, sp_err *err);
/* Roll back the open batch (a no-op when none is). */
void store_batch_abort(store *s);
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

/* ---- For the indexer: its bookkeeping (store_index.c) ------------------- */

/* What the store knows of one record the indexer took from a source. */
typedef struct store_record {
    char hash[72];       /* content hash of the record as the source gave it */
    int64_t first_seen, last_seen, last_changed;
    int64_t gone_at;     /* 0 while the record is live */
} store_record;

/* The record's bookkeeping; SP_ENOTFOUND when it was never indexed. */
int store_record_get(store *s, const char *id, store_record *out, sp_err *err);
/* Insert or update a record as live (gone_at cleared); first_seen is kept
 * when the record exists. */
int store_record_put(store *s, const char *id, const char *source, const char *hash,
                     int64_t first_seen, int64_t last_seen, int64_t last_changed,
                     sp_err *err);
/* Mark a live record gone at `at`; *was_live (optional) says whether it
 * was live. */
int store_record_gone(store *s, const char *id, int64_t at, bool *was_live, sp_err *err);
/* The live records of a source: each id, or their count. */
int store_records_of_source(store *s, const char *source, store_text_fn fn, void *ctx,
                            sp_err *err);
int store_records_count(store *s, const char *source, long *n, sp_err *err);
/* Records gone after (after_at, after_id), in (gone_at, id) order, at most
 * limit: the change feed's deletions (searchd/feeds_out.c). */
typedef int (*store_gone_fn)(void *ctx, int64_t gone_at, const char *id);
int store_records_gone_after(store *s, int64_t after_at, const char *after_id, int limit,
                             store_gone_fn fn, void *ctx, sp_err *err);

/* Which record ids a stored URL gave (url -> ids), and back. */
int store_url_records(store *s, const char *url, store_text_fn fn, void *ctx, sp_err *err);
int store_record_urls(store *s, const char *id, store_text_fn fn, void *ctx, sp_err *err);
int store_url_record_link(store *s, const char *url, const char *id, sp_err *err);
int store_url_record_unlink(store *s, const char *url, const char *id, sp_err *err);
/* Whether any URL still gives the record. */
int store_record_linked(store *s, const char *id, bool *linked, sp_err *err);

/* Records dropped because their source failed for too long. */
typedef int (*store_dropped_fn)(void *ctx, const char *id, const char *source);
int store_dropped_each(store *s, store_dropped_fn fn, void *ctx, sp_err *err);
int store_dropped_add(store *s, const char *id, const char *source, sp_err *err);
int store_dropped_remove(store *s, const char *id, sp_err *err);

/* Forget all of the indexer's bookkeeping (a rebuild). */
int store_index_reset(store *s, sp_err *err);

/* ---- For the duplicate linkage and the hub (store_hub.c) ----------------- */

/* One hub_records row: a record's facts as the linkage saved them for the
 * hub reports.  Lists are '\n'-joined slugs; NAN for an unknown lat/lon,
 * a negative age for none; sig is the MinHash signature, sig_len bytes
 * (NULL when none). */
typedef struct store_hub_record {
    const char *id, *cluster_id, *source, *name, *org, *url;
    const char *boroughs, *subregions, *groups, *categories, *modes, *funders;
    const char *postcode, *schedule, *status, *last_modified, *source_url;
    bool pan_london;
    double lat, lon, min_age, max_age;
    int64_t first_seen, last_seen, last_changed;
    const void *sig;
    size_t sig_len;
} store_hub_record;
typedef int (*store_hub_record_fn)(void *ctx, const store_hub_record *r);
/* Every row, in id order. */
int store_hub_records(store *s, store_hub_record_fn fn, void *ctx, sp_err *err);
int store_hub_record_put(store *s, const store_hub_record *r, sp_err *err);

/* A hub user's decision about a pair (id_a < id_b). */
typedef struct store_hub_decision {
    const char *id_a, *id_b, *decision, *by;
    int64_t at;
} store_hub_decision;
typedef int (*store_hub_decision_fn)(void *ctx, const store_hub_decision *d);
/* Every decision, oldest first. */
int store_hub_decisions(store *s, store_hub_decision_fn fn, void *ctx, sp_err *err);
/* Record a decision (replacing one about the same pair) and count it in
 * hub_meta "decisions", in one transaction. */
int store_hub_decide(store *s, const store_hub_decision *d, sp_err *err);

/* A link the linkage kept inside a cluster, with its evidence (JSON). */
typedef struct store_hub_link {
    const char *id_a, *id_b, *cluster_id, *evidence;
    double score;
    bool decided;
} store_hub_link;
typedef int (*store_hub_link_fn)(void *ctx, const store_hub_link *l);
/* Every link, by cluster, strongest first. */
int store_hub_links(store *s, store_hub_link_fn fn, void *ctx, sp_err *err);
/* The links of one cluster, without their evidence (NULL). */
int store_hub_links_of(store *s, const char *cluster_id, store_hub_link_fn fn, void *ctx,
                       sp_err *err);
/* Empty hub_links and hub_matches (a whole run rewrites them). */
int store_hub_links_clear(store *s, sp_err *err);
int store_hub_link_put(store *s, const store_hub_link *l, sp_err *err);

/* The pairs the last run found a match, id_a < id_b, with their scores. */
typedef int (*store_hub_match_fn)(void *ctx, const char *id_a, const char *id_b, double score);
/* The matches one record is in. */
int store_hub_matches_of(store *s, const char *id, store_hub_match_fn fn, void *ctx,
                         sp_err *err);
int store_hub_match_put(store *s, const char *id_a, const char *id_b, double score,
                        sp_err *err);

/* The linkage's cache of each record's features (an opaque blob). */
typedef int (*store_hub_features_fn)(void *ctx, const char *id, const char *cluster_id,
                                     const void *feat, size_t len);
/* The one record's row, when there is one. */
int store_hub_features_of(store *s, const char *id, store_hub_features_fn fn, void *ctx,
                          sp_err *err);
/* Takes blob (malloc'd) whatever happens. */
int store_hub_features_put(store *s, const char *id, const char *cluster_id, void *blob,
                           size_t len, sp_err *err);
/* An incremental run's changes to the matches and links it keeps. */
int store_hub_match_del(store *s, const char *id_a, const char *id_b, sp_err *err);
int store_hub_link_del(store *s, const char *id_a, const char *id_b, sp_err *err);
int store_hub_link_set_cluster(store *s, const char *id_a, const char *id_b,
                               const char *cluster_id, sp_err *err);

/* The linkage's blocks (hub_keys): a row per blocking key (a hash) of a
 * record, with sub, the record's order inside the block (its name's hash). */
int store_hub_key_put(store *s, uint64_t key, const char *id, uint32_t sub, sp_err *err);
int store_hub_key_del(store *s, uint64_t key, const char *id, sp_err *err);
typedef int (*store_hub_member_fn)(void *ctx, const char *id, uint32_t sub);
/* The members of the block of key, in no particular order. */
int store_hub_block(store *s, uint64_t key, store_hub_member_fn fn, void *ctx, sp_err *err);
/* How many members the block of key has, counting up to limit. */
int store_hub_block_size(store *s, uint64_t key, int64_t limit, int64_t *n, sp_err *err);

/* A record's hub_records and hub_features rows: a new cluster, or gone.
 * store_hub_clear empties those tables and hub_keys (a whole run). */
int store_hub_set_cluster(store *s, const char *id, const char *cluster_id, sp_err *err);
/* A record's hub_records cluster (*cluster_id malloc'd, NULL when alone);
 * *found false when it has no row. */
int store_hub_cluster_of(store *s, const char *id, bool *found, char **cluster_id, sp_err *err);
int store_hub_forget(store *s, const char *id, sp_err *err);
int store_hub_clear(store *s, sp_err *err);

/* Records noted as added, changed or removed since the last run, by the
 * writers of the index, in their own batch (hub_pending). */
int store_hub_note(store *s, const char *id, sp_err *err);
/* The newest note's number (0: none); the distinct ids noted up to max,
 * in id order; forgetting the notes up to max. */
int store_hub_pending_max(store *s, int64_t *max, sp_err *err);
int store_hub_pending(store *s, int64_t max, store_text_fn fn, void *ctx, sp_err *err);
int store_hub_pending_clear(store *s, int64_t max, sp_err *err);

/* The linkage's key/value table (hub_meta).  *out is malloc'd, or NULL
 * when the key is absent. */
int store_hub_meta_get(store *s, const char *key, char **out, sp_err *err);
int store_hub_meta_set(store *s, const char *key, const char *value, sp_err *err);

/* ---- For replicas (store_snap.c) ----------------------------------------- */

/* What searchd reads from the store (the tables and columns its reads use),
 * as one SQLite database image, read in one transaction: a full image, or
 * a delta of the rows changed since a point of the store's change log
 * (snap_log, filled by triggers in the transaction of each change).  Each
 * table of an image has the store's primary key (WITHOUT ROWID), so its
 * rows read in key order however they got there. */
typedef struct store_snap {
    unsigned char *img; /* the image (sqlite3_malloc'd) */
    int64_t size;
    int64_t seq;        /* the last change the image holds */
    int64_t keys;       /* a delta: how many changes it holds */
    char log_id[33];    /* the change log's name (meta snap_log.id), "" when none */
    char *small;        /* the small tables a delta carries whole (sources,
                           hub_meta), as bytes to compare: unchanged when
                           equal (malloc'd) */
    size_t small_len;
} store_snap;

/* The full image of the store at dir, with the store's schema version, so
 * store_open_read on a copy reads it like the store.  A folder with no
 * crawl.db gives an empty image. */
int store_snapshot_full(const char *dir, store_snap *out, sp_err *err);
/* The delta after change from_seq of log log_id: the small tables whole,
 * the rows now under every key changed (a key with no row is a deletion)
 * and those keys (table snap_keys).  SP_ENOTFOUND when the log cannot say
 * (another log, or pruned past from_seq: take a full image); SP_ELIMIT
 * when more than max_keys changes were logged since. */
int store_snapshot_delta(const char *dir, const char *log_id, int64_t from_seq,
                         int64_t max_keys, store_snap *out, sp_err *err);
void store_snapshot_free(store_snap *snap);
/* Apply a delta image to the image written out at path (a SQLite file made
 * from a full image and the deltas before this one), in one transaction. */
int store_snapshot_apply(const char *path, const unsigned char *delta, int64_t size,
                         sp_err *err);
/* Forget the store's changes up to seq (a full image published holds
 * them). */
int store_snapshot_prune(store *s, int64_t seq, sp_err *err);

#endif
