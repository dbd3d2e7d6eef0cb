/*
 * store.c - the store (store.h): STORE/crawl.db in SQLite, WAL mode.
 *
 * The crawler's every step after a fetch is one transaction
 * (store_record_fetch; inside a batch, store_batch_begin, a savepoint of
 * the batch's transaction), so the store is consistent after a crash at any
 * point: a URL is either still queued (and will be fetched again) or done
 * with its document and the links it led to queued.  Passes are numbered
 * per source; a URL belongs to the pass that last queued it, which is how a
 * rerun knows what is left to do and how a finished pass knows which URLs
 * the source no longer leads to (gone).
 */
#define _GNU_SOURCE
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *enqueue_st; /* prepared once: a sitemap may queue 50,000 links */
    bool batch;               /* store_batch_begin's transaction is open */
    /* Statements run for every fetch, prepared once (keyed by the address
     * of their SQL text, always a literal): preparing costs more than
     * running them. */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[32];
    size_t n_cache;
};

/* Version 1.  Times are epoch seconds (INTEGER); NULL means never. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS sources(\n"
    "  name TEXT PRIMARY KEY,\n"
    "  url TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  config TEXT NOT NULL DEFAULT '{}',\n"
    "  pass INTEGER NOT NULL DEFAULT 0,\n"
    "  running INTEGER NOT NULL DEFAULT 0,\n"
    "  pass_full INTEGER NOT NULL DEFAULT 1,\n"
    "  pass_fetched INTEGER NOT NULL DEFAULT 0,\n"
    "  last_start INTEGER, last_success INTEGER, last_full INTEGER,\n"
    "  last_error INTEGER, last_error_msg TEXT, failing_since INTEGER,\n"
    "  next_crawl_at INTEGER NOT NULL DEFAULT 0,\n"
    "  records INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE TABLE IF NOT EXISTS urls(\n"
    "  source TEXT NOT NULL,\n"
    "  url TEXT NOT NULL,\n"
    "  state TEXT NOT NULL DEFAULT 'queued',\n"
    "  format TEXT NOT NULL DEFAULT 'auto',\n"
    "  depth INTEGER NOT NULL DEFAULT 0,\n"
    "  pass INTEGER NOT NULL DEFAULT 0,\n"
    "  tries INTEGER NOT NULL DEFAULT 0,\n"
    "  next_fetch_at INTEGER NOT NULL DEFAULT 0,\n"
    "  etag TEXT, last_modified TEXT, content_hash TEXT,\n"
    "  fail_count INTEGER NOT NULL DEFAULT 0,\n"
    "  lastmod INTEGER NOT NULL DEFAULT 0,\n"
    "  first_seen INTEGER, last_fetched INTEGER, last_status INTEGER,\n"
    "  last_error TEXT, gone_since INTEGER,\n"
    "  PRIMARY KEY(source, url));\n"
    "CREATE INDEX IF NOT EXISTS urls_queue ON urls(source, state, pass, depth, lastmod DESC);\n"
    "CREATE TABLE IF NOT EXISTS documents(\n"
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  source TEXT NOT NULL,\n"
    "  url TEXT NOT NULL,\n"
    "  final_url TEXT,\n"
    "  fetched_at INTEGER NOT NULL,\n"
    "  status INTEGER NOT NULL,\n"
    "  format TEXT,\n"
    "  content_type TEXT,\n"
    "  headers TEXT,\n"
    "  body BLOB,\n"
    "  content_hash TEXT);\n"
    "CREATE INDEX IF NOT EXISTS documents_url ON documents(url, seq);\n"
    "CREATE TABLE IF NOT EXISTS fetch_log(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  source TEXT, url TEXT NOT NULL, time INTEGER NOT NULL,\n"
    "  status INTEGER, bytes INTEGER, ms INTEGER, error TEXT);\n"
    "CREATE INDEX IF NOT EXISTS fetch_log_url ON fetch_log(url);\n"
    "CREATE INDEX IF NOT EXISTS fetch_log_time ON fetch_log(source, time);\n"
    "CREATE TABLE IF NOT EXISTS robots(\n"
    "  authority TEXT PRIMARY KEY,\n"
    "  fetched_at INTEGER NOT NULL,\n"
    "  status INTEGER NOT NULL,\n"
    "  body BLOB);\n"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n";

/* Version 2: the links each URL's last readable body led to, so a 304 (or
 * a sitemap's unchanged lastmod) follows them without reparsing the stored
 * body.  links is text, one link a line: "DEPTH\tLASTMOD\tFORMAT\tURL". */
static const char schema_v2[] =
    "CREATE TABLE IF NOT EXISTS out_links(\n"
    "  source TEXT NOT NULL,\n"
    "  url TEXT NOT NULL,\n"
    "  links TEXT NOT NULL,\n"
    "  PRIMARY KEY(source, url));\n";

static int db_fail(store *s, sp_err *err, const char *what)
{
    return sp_fail(err, SP_EIO, "store %s: %s: %s", s->path, what,
                   sqlite3_errmsg(s->db));
}

static int exec(store *s, const char *sql, sp_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = sp_fail(err, SP_EIO, "store %s: %s", s->path,
                         msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return rc;
    }
    return SP_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Prepare sql and bind its parameters ?1, ?2, ... in order, one argument
 * each as a letter of types says: 't' text (a const char *, NULL binds
 * NULL), 'i' int, 'I' int64_t, 'b' blob (a const char * and a size_t;
 * NULL is an empty blob).  Extra arguments are ignored.  On SP_OK the
 * caller owns *st (sqlite3_finalize). */
/* sql prepared once and kept (sql must be a literal); NULL when it could
 * not be. */
static sqlite3_stmt *cached(store *s, const char *sql)
{
    for (size_t i = 0; i < s->n_cache; i++)
        if (s->cache[i].sql == sql)
            return s->cache[i].st;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    if (s->n_cache < sizeof s->cache / sizeof *s->cache) {
        s->cache[s->n_cache].sql = sql;
        s->cache[s->n_cache++].st = st;
    }
    return st;
}

/* Whether st is one of the kept statements (release it with done, not
 * sqlite3_finalize). */
static bool is_cached(const store *s, const sqlite3_stmt *st)
{
    for (size_t i = 0; i < s->n_cache; i++)
        if (s->cache[i].st == st)
            return true;
    return false;
}

/* Release a statement from prep_bind or prep_keep. */
static void done(store *s, sqlite3_stmt *st)
{
    if (is_cached(s, st)) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

static int prep_bindv(store *s, sqlite3_stmt **st, sp_err *err, const char *sql, bool keep,
                      const char *types, va_list ap)
{
    *st = keep ? cached(s, sql) : NULL;
    if (!*st && sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(s, err, "prepare");
    for (int i = 1; *types; types++, i++) {
        switch (*types) {
        case 't':
            bind_text(*st, i, va_arg(ap, const char *));
            break;
        case 'i':
            sqlite3_bind_int(*st, i, va_arg(ap, int));
            break;
        case 'I':
            sqlite3_bind_int64(*st, i, va_arg(ap, int64_t));
            break;
        case 'b': {
            const char *p = va_arg(ap, const char *);
            size_t n = va_arg(ap, size_t);
            sqlite3_bind_blob64(*st, i, p ? p : "", p ? n : 0, SQLITE_TRANSIENT);
            break;
        }
        default:
            assert(!"prep_bind: unknown parameter type");
        }
    }
    return SP_OK;
}

/* Prepare sql and bind its parameters (prep_bindv).  keep: a statement
 * run often, prepared once and kept (sql must be a literal).  Release it
 * with done. */
static int prep_bind(store *s, sqlite3_stmt **st, sp_err *err, bool keep, const char *sql,
                     const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = prep_bindv(s, st, err, sql, keep, types, ap);
    va_end(ap);
    return rc;
}

/* Run one statement that returns no rows, its parameters bound as
 * prep_bind's. */
static int run(store *s, sp_err *err, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    va_start(ap, types);
    int rc = prep_bindv(s, &st, err, sql, true, types, ap);
    va_end(ap);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = db_fail(s, err, "write");
    done(s, st);
    return rc;
}

/* Step to the next row: true while there is one.  At the end false with
 * *rc left alone; on an error false with *rc set (what says what was read). */
static bool next_row(store *s, sqlite3_stmt *st, int *rc, sp_err *err, const char *what)
{
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        return true;
    if (r != SQLITE_DONE)
        *rc = db_fail(s, err, what);
    return false;
}

/* Begin a write transaction; tx_end commits it when rc is SP_OK, else
 * rolls it back, and returns rc (or the commit's failure).  Inside a batch
 * (store_batch_begin) it is a savepoint, so a failed step undoes only
 * itself and the batch goes on. */
static int tx_begin(store *s, sp_err *err)
{
    return s->batch ? run(s, err, "SAVEPOINT step", "") : exec(s, "BEGIN IMMEDIATE", err);
}

static int tx_end(store *s, int rc, sp_err *err)
{
    if (s->batch) {
        if (rc)
            run(s, NULL, "ROLLBACK TO step", "");
        int r = run(s, err, "RELEASE step", "");
        return rc ? rc : r;
    }
    if (!rc)
        rc = exec(s, "COMMIT", err);
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_batch_begin(store *s, sp_err *err)
{
    if (s->batch)
        return SP_OK;
    int rc = exec(s, "BEGIN IMMEDIATE", err);
    if (!rc)
        s->batch = true;
    return rc;
}

int store_batch_commit(store *s, sp_err *err)
{
    if (!s->batch)
        return SP_OK;
    s->batch = false;
    int rc = exec(s, "COMMIT", err);
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

bool store_in_batch(const store *s)
{
    return s->batch;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}


static int mkdir_p(const char *dir, sp_err *err)
{
    char *p = sp_strdup(dir);
    if (!p)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int rc = sp_fail(err, SP_EIO, "cannot create %s: %s", p, strerror(errno));
            free(p);
            return rc;
        }
        *q = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
        int rc = sp_fail(err, SP_EIO, "cannot create store directory %s: %s", p,
                         strerror(errno));
        free(p);
        return rc;
    }
    free(p);
    return SP_OK;
}

int store_open(const char *dir, store **out, sp_err *err)
{
    if (!dir || !*dir || !out)
        return sp_fail(err, SP_EINVAL, "store_open: no store directory given");
    int rc = mkdir_p(dir, err);
    if (rc)
        return rc;
    store *s = calloc(1, sizeof *s);
    if (!s)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    s->path = sp_printf("%s/%s", dir, STORE_DB_NAME);
    if (!s->path) {
        free(s);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (sqlite3_open_v2(s->path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "cannot open store %s: %s", s->path,
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, SP_STORE_BUSY_MS);
    /* WAL: the indexer reads while the crawler writes.  synchronous=NORMAL
     * is durable across process crashes (kill -9), which is what a rerun
     * needs; a power cut may lose the last transactions, never consistency. */
    rc = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 "PRAGMA foreign_keys=OFF;", err);
    if (rc) {
        store_close(s);
        return rc;
    }
    sqlite3_stmt *st;
    rc = prep_bind(s, &st, err, false, "PRAGMA user_version", "");
    if (rc) {
        store_close(s);
        return rc;
    }
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    if (version < 0)
        version = 0;
    sqlite3_finalize(st);
    if (version > STORE_SCHEMA_VERSION) {
        rc = sp_fail(err, SP_EUNSUP,
                     "store %s has schema version %d, newer than this signpost "
                     "understands (%d); upgrade signpost",
                     s->path, version, STORE_SCHEMA_VERSION);
        store_close(s);
        return rc;
    }
    /* Each version's step in its own transaction: the tables it adds, then
     * user_version.  A version 1 store has no out-links: the crawler reads a
     * URL's stored body once more, the first time it needs them, and keeps
     * them from then on. */
    static const char *const steps[STORE_SCHEMA_VERSION] = {schema_v1, schema_v2};
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        rc = tx_begin(s, err);
        if (!rc) {
            char set[40];
            snprintf(set, sizeof set, "PRAGMA user_version=%d", v + 1);
            rc = exec(s, steps[v], err);
            if (!rc)
                rc = exec(s, set, err);
            rc = tx_end(s, rc, err);
        }
        if (rc) {
            store_close(s);
            return rc;
        }
    }
    *out = s;
    return SP_OK;
}

void store_close(store *s)
{
    if (!s)
        return;
    if (s->batch)
        store_batch_commit(s, NULL);
    for (size_t i = 0; i < s->n_cache; i++)
        sqlite3_finalize(s->cache[i].st);
    sqlite3_finalize(s->enqueue_st);
    if (s->db)
        sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

/* ---- documents ---------------------------------------------------------- */

#define DOC_COLS                                                              \
    "seq, url, final_url, source, format, content_type, content_hash, "     \
    "headers, body, status, fetched_at"

static void row_doc(sqlite3_stmt *st, store_doc *d)
{
    memset(d, 0, sizeof *d);
    d->seq = sqlite3_column_int64(st, 0);
    d->url = col_text(st, 1);
    d->final_url = col_text(st, 2);
    d->source = col_text(st, 3);
    d->format = col_text(st, 4);
    d->content_type = col_text(st, 5);
    d->content_hash = col_text(st, 6);
    d->headers = col_text(st, 7);
    /* column_text on a BLOB hands back its bytes with a NUL after them. */
    d->body = col_text(st, 8);
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
    int rc = prep_bind(s, &st, err, false,
                       "SELECT " DOC_COLS " FROM documents WHERE seq > ? ORDER BY seq LIMIT ?",
                       "II", cursor, limit ? (int64_t)limit : (int64_t)-1);
    if (rc)
        return rc;
    int64_t last = cursor;
    while (next_row(s, st, &rc, err, "read documents")) {
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
    int rc = prep_bind(s, &st, err, false, "SELECT " DOC_COLS " FROM documents WHERE url = ?1 "
                       "AND (?2 IS NULL OR source = ?2) ORDER BY seq DESC LIMIT 1",
                       "tt", url, source);
    if (rc)
        return rc;
    if (next_row(s, st, &rc, err, "read document")) {
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
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, false, "SELECT coalesce(max(seq), 0) FROM documents", "");
    if (rc)
        return rc;
    if (next_row(s, st, &rc, err, "read documents"))
        *out = sqlite3_column_int64(st, 0);
    else if (!rc)
        rc = db_fail(s, err, "read documents");
    sqlite3_finalize(st);
    return rc;
}

/* ---- meta and cursors ----------------------------------------------------- */

int store_meta_get(store *s, const char *key, char **out, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, false, "SELECT value FROM meta WHERE key = ?", "t", key);
    if (rc)
        return rc;
    *out = NULL;
    if (next_row(s, st, &rc, err, "read meta")) {
        const char *v = col_text(st, 0);
        if (v) {
            *out = strdup(v);
            if (!*out)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int store_meta_set(store *s, const char *key, const char *value, sp_err *err)
{
    return run(s, err, "INSERT INTO meta(key, value) VALUES(?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               "tt", key, value);
}

int store_get_cursor(store *s, const char *name, int64_t *out, sp_err *err)
{
    char key[256];
    snprintf(key, sizeof key, "cursor.%s", name);
    char *v = NULL;
    int rc = store_meta_get(s, key, &v, err);
    if (rc)
        return rc;
    *out = v ? strtoll(v, NULL, 10) : 0;
    free(v);
    return SP_OK;
}

int store_set_cursor(store *s, const char *name, int64_t value, sp_err *err)
{
    char key[256], v[32];
    snprintf(key, sizeof key, "cursor.%s", name);
    snprintf(v, sizeof v, "%lld", (long long)value);
    return store_meta_set(s, key, v, err);
}

/* ---- sources ---------------------------------------------------------------- */

int store_source_upsert(store *s, const char *name, const char *url,
                        const char *kind, const char *config_json, sp_err *err)
{
    return run(s, err, "INSERT INTO sources(name, url, kind, config) VALUES(?, ?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET url = excluded.url, "
                       "kind = excluded.kind, config = excluded.config",
               "tttt", name, url, kind, config_json ? config_json : "{}");
}

int store_source_set_records(store *s, const char *name, long records,
                             sp_err *err)
{
    return run(s, err, "UPDATE sources SET records = ? WHERE name = ?", "It",
               (int64_t)records, name);
}

int store_source_health(store *s, store_source_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, false,
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
    if (rc)
        return rc;
    while (next_row(s, st, &rc, err, "read sources")) {
        store_source_info i;
        memset(&i, 0, sizeof i);
        i.name = col_text(st, 0);
        i.url = col_text(st, 1);
        i.kind = col_text(st, 2);
        i.config = col_text(st, 3);
        i.last_start = sqlite3_column_int64(st, 4);
        i.last_success = sqlite3_column_int64(st, 5);
        i.last_error = sqlite3_column_int64(st, 6);
        i.last_error_msg = col_text(st, 7);
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
        if (fn(ctx, &i))
            break;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- URLs ------------------------------------------------------------------- */

static int urls_query(store *s, const char *source, const char *state, const char *url,
                      store_url_fn fn, void *ctx, bool *found, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, false,
                       "SELECT source, url, state, coalesce(last_status, 0), last_error,"
                       " coalesce(last_fetched, 0), coalesce(gone_since, 0), fail_count, depth"
                       " FROM urls WHERE (?1 IS NULL OR source = ?1)"
                       " AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR url = ?3)"
                       " ORDER BY source, url",
                       "ttt", source, state, url);
    if (rc)
        return rc;
    while (next_row(s, st, &rc, err, "read urls")) {
        store_url_info u;
        u.source = col_text(st, 0);
        u.url = col_text(st, 1);
        u.state = col_text(st, 2);
        u.last_status = sqlite3_column_int(st, 3);
        u.last_error = col_text(st, 4);
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
    int rc = run(s, err, "UPDATE urls SET state = 'gone', gone_since = coalesce(gone_since, ?)"
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
        int rc = prep_bind(s, &s->enqueue_st, err, false,
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
        "  pass = max(urls.pass, excluded.pass)", "");
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = s->enqueue_st;
    bind_text(st, 1, source);
    bind_text(st, 2, l->url);
    bind_text(st, 3, l->format ? l->format : "auto");
    sqlite3_bind_int(st, 4, l->depth);
    sqlite3_bind_int64(st, 5, pass);
    sqlite3_bind_int64(st, 6, l->lastmod);
    sqlite3_bind_int64(st, 7, now);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r == SQLITE_DONE ? SP_OK : db_fail(s, err, "queue a URL");
}

static int current_pass(store *s, const char *source, long *pass, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, true, "SELECT pass FROM sources WHERE name = ?", "t", source);
    if (rc)
        return rc;
    if (next_row(s, st, &rc, err, "read source"))
        *pass = (long)sqlite3_column_int64(st, 0);
    else if (!rc)
        rc = sp_fail(err, SP_ENOTFOUND, "store has no source named %s", source);
    done(s, st);
    return rc;
}

int store_pass_get(store *s, const char *source, store_pass *out, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, false,
                       "SELECT pass, running, pass_full, pass_fetched, coalesce(last_start, 0),"
                       " coalesce(last_success, 0), coalesce(last_full, 0), next_crawl_at"
                       " FROM sources WHERE name = ?",
                       "t", source);
    if (rc)
        return rc;
    if (next_row(s, st, &rc, err, "read source")) {
        out->pass = (long)sqlite3_column_int64(st, 0);
        out->running = sqlite3_column_int(st, 1) != 0;
        out->full = sqlite3_column_int(st, 2) != 0;
        out->fetched = (long)sqlite3_column_int64(st, 3);
        out->started = sqlite3_column_int64(st, 4);
        out->last_success = sqlite3_column_int64(st, 5);
        out->last_full = sqlite3_column_int64(st, 6);
        out->next_crawl_at = sqlite3_column_int64(st, 7);
    } else if (!rc) {
        rc = sp_fail(err, SP_ENOTFOUND, "store has no source named %s", source);
    }
    sqlite3_finalize(st);
    return rc;
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
    int rc = tx_begin(s, err);
    if (rc)
        return rc;
    rc = run(s, err, "UPDATE sources SET pass = pass + 1, running = 1, pass_full = ?,"
                     " pass_fetched = 0, last_start = ? WHERE name = ?",
             "iIt", full ? 1 : 0, now, source);
    if (!rc)
        rc = enqueue_all(s, source, seeds, n, now, pass_out, err);
    return tx_end(s, rc, err);
}

int store_queue_links(store *s, const char *source, const store_link *links, size_t n,
                      int64_t now, sp_err *err)
{
    int rc = tx_begin(s, err);
    if (rc)
        return rc;
    return tx_end(s, enqueue_all(s, source, links, n, now, NULL, err), err);
}

int store_pass_end(store *s, const char *source, bool ok, bool mark_gone,
                   const char *error_msg, int64_t now, int64_t next_crawl_at,
                   sp_err *err)
{
    long pass = 0;
    int rc = tx_begin(s, err);
    if (rc)
        return rc;
    rc = current_pass(s, source, &pass, err);
    if (!rc && mark_gone)
        rc = run(s, err, "UPDATE urls SET state = 'gone', gone_since = coalesce(gone_since, ?)"
                         " WHERE source = ? AND pass < ? AND state <> 'gone'",
                 "ItI", now, source, (int64_t)pass);
    if (!rc)
        rc = run(s, err, "UPDATE urls SET state = 'skipped' WHERE source = ? AND pass = ?"
                         " AND state = 'queued'",
                 "tI", source, (int64_t)pass);
    if (!rc && ok)
        rc = run(s, err, "UPDATE sources SET running = 0, next_crawl_at = ?1,"
                         " last_success = ?2, failing_since = NULL,"
                         " last_full = CASE WHEN pass_full THEN ?2 ELSE last_full END"
                         " WHERE name = ?3",
                 "IIt", next_crawl_at, now, source);
    else if (!rc)
        rc = run(s, err, "UPDATE sources SET running = 0, next_crawl_at = ?1,"
                         " failing_since = coalesce(failing_since, ?2), last_error = ?2,"
                         " last_error_msg = ?4 WHERE name = ?3",
                 "IItt", next_crawl_at, now, source,
                 error_msg ? error_msg : "entry URL failed");
    /* The request log is for diagnosis, not history: keep 30 days. */
    if (!rc)
        rc = run(s, err, "DELETE FROM fetch_log WHERE source = ? AND time < ?", "tI", source,
                 now - (int64_t)STORE_FETCH_LOG_DAYS * 86400);
    return tx_end(s, rc, err);
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
    int rc = prep_bind(s, &st, err, true,
                       source ? NEXT_QUEUED(" AND s.name = ?3") : NEXT_QUEUED(""),
                       source ? "IIt" : "II", now, (int64_t)limit, source);
#undef NEXT_QUEUED
    if (rc)
        return rc;
    while (next_row(s, st, &rc, err, "read queue")) {
        store_queued q;
        q.source = (char *)col_text(st, 0);
        q.url = (char *)col_text(st, 1);
        q.format = (char *)col_text(st, 2);
        q.etag = (char *)col_text(st, 3);
        q.last_modified = (char *)col_text(st, 4);
        q.content_hash = (char *)col_text(st, 5);
        q.depth = sqlite3_column_int(st, 6);
        q.tries = sqlite3_column_int(st, 7);
        q.fail_count = sqlite3_column_int(st, 8);
        q.lastmod = sqlite3_column_int64(st, 9);
        q.last_fetched = sqlite3_column_int64(st, 10);
        q.has_doc = q.content_hash != NULL;
        if (fn(ctx, &q))
            break;
    }
    done(s, st);
    return rc;
}

int store_queued_count(store *s, const char *source, long *count,
                       int64_t *earliest, sp_err *err)
{
    sqlite3_stmt *st;
    /* Without earliest the caller only needs to know whether any is left. */
    int rc = prep_bind(s, &st, err, true,
                       earliest ? "SELECT count(*), coalesce(min(u.next_fetch_at), 0) FROM urls u"
                                  " JOIN sources s ON s.name = u.source"
                                  " WHERE u.source = ? AND u.state = 'queued' AND u.pass = s.pass"
                                : "SELECT count(*), 0 FROM (SELECT 1 FROM urls u"
                                  " JOIN sources s ON s.name = u.source"
                                  " WHERE u.source = ? AND u.state = 'queued' AND u.pass = s.pass"
                                  " LIMIT 1)",
                       "t", source);
    if (rc)
        return rc;
    if (next_row(s, st, &rc, err, "count queue")) {
        *count = (long)sqlite3_column_int64(st, 0);
        if (earliest)
            *earliest = sqlite3_column_int64(st, 1);
    } else if (!rc) {
        rc = db_fail(s, err, "count queue");
    }
    done(s, st);
    return rc;
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
    int rc = run(s, err, "INSERT INTO out_links(source, url, links) VALUES(?, ?, ?)"
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
    int rc = prep_bind(s, &st, err, true,
                       "SELECT links FROM out_links WHERE source = ? AND url = ?",
                       "tt", source, url);
    if (rc)
        return rc;
    if (!next_row(s, st, &rc, err, "read out-links")) {
        done(s, st);
        return rc ? rc : sp_fail(err, SP_ENOTFOUND, "no out-links kept for %s", url);
    }
    const char *p = col_text(st, 0);
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
                if (n == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    store_link *nv = realloc(v, nc * sizeof *nv);
                    if (!nv) {
                        rc = sp_fail(err, SP_ENOMEM, "out of memory");
                        break;
                    }
                    v = nv;
                    cap = nc;
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
    done(s, st);
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
    int rc = tx_begin(s, err);
    if (rc)
        return rc;
    return tx_end(s, out_links_put(s, source, url, links, n, err), err);
}

static int record_fetch_tx(store *s, const store_fetch *f, const store_link *links,
                           size_t n_links, int64_t *seq, sp_err *err)
{
    int rc;
    if (f->outcome == STORE_NEW_DOC) {
        rc = run(s, err, "INSERT INTO documents(source, url, final_url, fetched_at, status,"
                         " format, content_type, headers, body, content_hash)"
                         " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 "tttIitttbt", f->source, f->url, f->final_url, f->fetched_at, f->status,
                 f->format, f->content_type, f->headers, f->body, f->len, f->content_hash);
        if (rc)
            return rc;
        *seq = sqlite3_last_insert_rowid(s->db);
    }
    rc = run(s, err, outcome_sql(f->outcome), "ttIittttiI", f->source, f->url, f->fetched_at,
             f->status, f->etag, f->last_modified, f->content_hash, f->error,
             f->requested ? 1 : 0, f->next_fetch_at);
    if (!rc && f->requested)
        rc = run(s, err, "INSERT INTO fetch_log(source, url, time, status, bytes, ms, error)"
                         " VALUES(?, ?, ?, ?, ?, ?, ?)",
                 "ttIiIIt", f->source, f->url, f->fetched_at, f->status, (int64_t)f->bytes,
                 (int64_t)f->ms, f->error);
    if (!rc && f->requested && f->outcome != STORE_REQUEUE)
        rc = run(s, err, "UPDATE sources SET pass_fetched = pass_fetched + 1 WHERE name = ?",
                 "t", f->source);
    if (!rc && f->error && f->outcome != STORE_REQUEUE) {
        char *msg = sp_printf("%s: %s", f->url, f->error);
        rc = run(s, err, "UPDATE sources SET last_error = ?, last_error_msg = ? WHERE name = ?",
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
    int rc = tx_begin(s, err);
    if (rc)
        return rc;
    rc = tx_end(s, record_fetch_tx(s, f, links, n_links, &seq, err), err);
    if (!rc && seq_out)
        *seq_out = seq;
    return rc;
}

/* ---- robots.txt cache ------------------------------------------------------- */

int store_robots_get(store *s, const char *authority, int64_t *fetched_at,
                     int *status, char **body, size_t *len, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = prep_bind(s, &st, err, false,
                       "SELECT fetched_at, status, body FROM robots WHERE authority = ?",
                       "t", authority);
    if (rc)
        return rc;
    if (next_row(s, st, &rc, err, "read robots")) {
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
    return run(s, err, "INSERT INTO robots(authority, fetched_at, status, body)"
                       " VALUES(?, ?, ?, ?) ON CONFLICT(authority) DO UPDATE SET"
                       " fetched_at = excluded.fetched_at, status = excluded.status,"
                       " body = excluded.body",
               "tIib", authority, fetched_at, status, body, len);
}
