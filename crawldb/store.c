/*
 * store.c - the store (store.h): STORE/crawl.db in SQLite, WAL mode.  This
 * file opens it, owns its schema (one PRAGMA user_version and the ordered
 * migrations below, for every table: the crawler's, the indexer's, the
 * hub's), and holds the helpers the other store files share (store_int.h):
 * statements, transactions and batches, the meta table and cursors.
 *
 * store_crawl.c has the crawler's tables, store_index.c the indexer's
 * bookkeeping, store_hub.c the duplicate linkage's tables, store_snap.c the
 * copy searchd reads on a replica.  Nothing outside crawldb/ writes SQL for
 * crawl.db.
 */
#define _GNU_SOURCE
#include "store_int.h"

#include <assert.h>
#include <math.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Version 3: the indexer's bookkeeping (store_index.c).  Which record ids
 * each stored URL gave, each record's content hash and first/last seen,
 * changed and gone times (the change feed's deletions), and the records
 * dropped because their source failed for too long (restored from the
 * stored documents when it works again: its unchanged pages answer 304,
 * so no new document would bring them back).  IF NOT EXISTS: before
 * version 3 the indexer made these tables itself, unversioned. */
static const char schema_v3[] =
    "CREATE TABLE IF NOT EXISTS ingest_records(\n"
    "  id TEXT PRIMARY KEY, source TEXT NOT NULL, hash TEXT NOT NULL,\n"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
    "  last_changed INTEGER NOT NULL, gone_at INTEGER);\n"
    "CREATE INDEX IF NOT EXISTS ingest_records_source ON ingest_records(source);\n"
    "CREATE TABLE IF NOT EXISTS ingest_urls(\n"
    "  url TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(url, id)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS ingest_urls_id ON ingest_urls(id);\n"
    "CREATE TABLE IF NOT EXISTS ingest_dropped(\n"
    "  id TEXT PRIMARY KEY, source TEXT NOT NULL) WITHOUT ROWID;\n";

/* Version 4: the duplicate linkage's tables (store_hub.c): hub users'
 * decisions (the only rows not derived from the index), the links and
 * records the hub reports read, the linkage's own state for incremental
 * runs (features, last matches, records noted since the last run) and a
 * key/value table.  IF NOT EXISTS, as version 3; a hub_records of an older
 * layout is dropped first (migrate_v4). */
static const char schema_v4[] =
    "CREATE TABLE IF NOT EXISTS hub_decisions(\n"
    "  id_a TEXT NOT NULL, id_b TEXT NOT NULL, decision TEXT NOT NULL,\n"
    "  at INTEGER NOT NULL, by TEXT, PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS hub_links(\n"
    "  id_a TEXT NOT NULL, id_b TEXT NOT NULL, cluster_id TEXT NOT NULL,\n"
    "  score REAL NOT NULL, decided INTEGER NOT NULL, evidence TEXT NOT NULL,\n"
    "  PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS hub_links_cluster ON hub_links(cluster_id);\n"
    "CREATE TABLE IF NOT EXISTS hub_records(\n"
    "  id TEXT PRIMARY KEY, cluster_id TEXT, source TEXT, name TEXT, org TEXT, url TEXT,\n"
    "  boroughs TEXT, subregions TEXT, groups TEXT, categories TEXT, modes TEXT,\n"
    "  funders TEXT, postcode TEXT, schedule TEXT, status TEXT, last_modified TEXT,\n"
    "  pan_london INTEGER, lat REAL, lon REAL, min_age REAL, max_age REAL,\n"
    "  first_seen INTEGER, last_seen INTEGER, last_changed INTEGER, sig BLOB,\n"
    "  source_url TEXT) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS hub_records_cluster ON hub_records(cluster_id);\n"
    "CREATE TABLE IF NOT EXISTS hub_meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS hub_features(\n"
    "  id TEXT PRIMARY KEY, cluster_id TEXT, feat BLOB NOT NULL) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS hub_matches(\n"
    "  id_a TEXT NOT NULL, id_b TEXT NOT NULL, PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS hub_pending(id TEXT NOT NULL);\n";

/* Version 5: the documents of a source by an index, not a scan of every
 * document (bodies and all) per source: store_source_health counts them
 * for each source, and the indexer asks for it twice a run (every few
 * seconds in `signpost run`): 0.35 s a call at 100,000 services in 200
 * sources, growing with sources x documents. */
static const char schema_v5[] =
    "CREATE INDEX IF NOT EXISTS documents_source ON documents(source);\n";

/* Version 6: the change log of the tables a replica's snapshot carries
 * (store_snap.c), so that the indexer publishes what changed since its
 * last publish rather than the whole image (indexer/snapshot.h).  Triggers
 * write the primary key of every row inserted, updated or deleted, in the
 * transaction of the change itself, so a kill -9 keeps both or neither.
 * urls logs only changes of the columns the snapshot carries (state,
 * content_hash) and ingest_records only rows that are or were gone (the
 * snapshot carries those alone).  An update logs the old key and, when it
 * moved, the new (a trigger of its own, which an update that sets no key
 * column does not run: 1 log row an update).  The publisher prunes the log up to a full image it
 * published (store_snapshot_prune), always keeping the newest row, so
 * seq (max + 1, not AUTOINCREMENT, whose bookkeeping doubled a trigger's
 * cost) only grows.  meta "snap_log.id" names this log, so a
 * publisher holding another store's (or an older copy's) position in it
 * starts again from a full image. */
static const char schema_v6[] =
    "CREATE TABLE IF NOT EXISTS snap_log(\n"
    "  seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, k1, k2);\n"
    "INSERT OR IGNORE INTO meta(key, value)\n"
    "  VALUES('snap_log.id', lower(hex(randomblob(8))));\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_records_i AFTER INSERT ON hub_records BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_records', NEW.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_records_d AFTER DELETE ON hub_records BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_records', OLD.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_records_u AFTER UPDATE ON hub_records BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_records', OLD.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_records_k AFTER UPDATE OF id ON hub_records\n"
    "  WHEN NEW.id IS NOT OLD.id BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_records', NEW.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_links_i AFTER INSERT ON hub_links BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_links', NEW.id_a, NEW.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_links_d AFTER DELETE ON hub_links BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_links', OLD.id_a, OLD.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_links_u AFTER UPDATE ON hub_links BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_links', OLD.id_a, OLD.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_links_k AFTER UPDATE OF id_a, id_b ON hub_links\n"
    "  WHEN (NEW.id_a, NEW.id_b) IS NOT (OLD.id_a, OLD.id_b) BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_links', NEW.id_a, NEW.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_decisions_i AFTER INSERT ON hub_decisions BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_decisions', NEW.id_a, NEW.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_decisions_d AFTER DELETE ON hub_decisions BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_decisions', OLD.id_a, OLD.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_decisions_u\n"
    "  AFTER UPDATE ON hub_decisions BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_decisions', OLD.id_a, OLD.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_hub_decisions_k\n"
    "  AFTER UPDATE OF id_a, id_b ON hub_decisions\n"
    "  WHEN (NEW.id_a, NEW.id_b) IS NOT (OLD.id_a, OLD.id_b) BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('hub_decisions', NEW.id_a, NEW.id_b); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_documents_i AFTER INSERT ON documents BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('documents', NEW.seq, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_documents_d AFTER DELETE ON documents BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('documents', OLD.seq, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_documents_u\n"
    "  AFTER UPDATE OF seq, source ON documents BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('documents', OLD.seq, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_documents_k AFTER UPDATE OF seq ON documents\n"
    "  WHEN NEW.seq IS NOT OLD.seq BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('documents', NEW.seq, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_urls_i AFTER INSERT ON urls BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('urls', NEW.source, NEW.url); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_urls_d AFTER DELETE ON urls BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('urls', OLD.source, OLD.url); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_urls_u\n"
    "  AFTER UPDATE OF source, url, state, content_hash ON urls\n"
    "  WHEN (OLD.source, OLD.url, OLD.state, OLD.content_hash) IS NOT\n"
    "       (NEW.source, NEW.url, NEW.state, NEW.content_hash) BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('urls', OLD.source, OLD.url); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_urls_k AFTER UPDATE OF source, url ON urls\n"
    "  WHEN (NEW.source, NEW.url) IS NOT (OLD.source, OLD.url) BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('urls', NEW.source, NEW.url); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_ingest_records_i AFTER INSERT ON ingest_records\n"
    "  WHEN NEW.gone_at IS NOT NULL BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('ingest_records', NEW.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_ingest_records_d AFTER DELETE ON ingest_records\n"
    "  WHEN OLD.gone_at IS NOT NULL BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('ingest_records', OLD.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_ingest_records_u\n"
    "  AFTER UPDATE OF id, source, gone_at ON ingest_records\n"
    "  WHEN (OLD.gone_at IS NOT NULL OR NEW.gone_at IS NOT NULL) AND\n"
    "       (OLD.id, OLD.source, OLD.gone_at) IS NOT (NEW.id, NEW.source, NEW.gone_at) BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('ingest_records', OLD.id, NULL); END;\n"
    "CREATE TRIGGER IF NOT EXISTS snap_ingest_records_k\n"
    "  AFTER UPDATE OF id ON ingest_records\n"
    "  WHEN NEW.id IS NOT OLD.id BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('ingest_records', NEW.id, NULL); END;\n";

/* Version 7: the linkage's blocks kept between runs (docs/hub.md): one row
 * per blocking key of each record (the key's hash, the record id, and the
 * order inside a block, the name's hash), so an incremental run reads the
 * members of the blocks its noted records are or were in, not every
 * record's features; each match's score (hub_matches.score, added by
 * migrate_v7), so it clusters over the last matches without scoring them
 * again; and the matches by their second record too (hub_matches_b), so it
 * finds a record's matches without reading them all.  Derived from hub_features and rewritten by every
 * whole run; a migrated store has it empty, and the linkage's next run is
 * a whole one (the features tag it wants is now 4, dedupe_store.c).  Not in a replica's snapshot. */
static const char schema_v7[] =
    "CREATE TABLE IF NOT EXISTS hub_keys(\n"
    "  key INTEGER NOT NULL, id TEXT NOT NULL, sub INTEGER NOT NULL,\n"
    "  PRIMARY KEY(key, id)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS hub_matches_b ON hub_matches(id_b);\n";

/* Version 8: a page queued again for a recrawl still has its content, and
 * a replica's snapshot shows it as done until it leaves the queue
 * (store_snap.c, snap_tables): the urls trigger marks a row only
 * when that published state, its content hash or its key changes, not for
 * the done -> queued -> done of every unchanged page of every pass (two
 * log rows a page a pass: 20,000 for a 10,000-page recrawl, a tenth of
 * its CPU; docs/crawler.md). */
#define PUB_STATE(r)                                                                     \
    "CASE WHEN " r ".state = 'queued' AND " r ".content_hash IS NOT NULL THEN 'done' ELSE " \
    r ".state END"
static const char schema_v8[] =
    "DROP TRIGGER IF EXISTS snap_urls_u;\n"
    "CREATE TRIGGER snap_urls_u\n"
    "  AFTER UPDATE OF source, url, state, content_hash ON urls\n"
    "  WHEN (OLD.source, OLD.url, " PUB_STATE("OLD") ", OLD.content_hash) IS NOT\n"
    "       (NEW.source, NEW.url, " PUB_STATE("NEW") ", NEW.content_hash) BEGIN\n"
    "  INSERT INTO snap_log(tbl, k1, k2) VALUES('urls', OLD.source, OLD.url); END;\n";

/* hub_matches.score, added when missing (a step may run again on a store
 * whose version was set back). */
static int migrate_v7(store *s, sp_err *err)
{
    sqlite3_stmt *probe = NULL;
    bool has = sqlite3_prepare_v2(s->db, "SELECT score FROM hub_matches LIMIT 0", -1, &probe,
                                  NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    return has ? SP_OK : sto_exec(s, "ALTER TABLE hub_matches ADD COLUMN score REAL;", err);
}

/* hub_records is derived from the index: one from before its source_url
 * column is dropped, not converted, and the linkage's cache is marked
 * stale (hub_meta "features") so its next run is a whole one and writes
 * every row again. */
static int migrate_v4(store *s, sp_err *err)
{
    sqlite3_stmt *probe = NULL;
    bool has_table = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE name ="
                                               " 'hub_records'", -1, &probe, NULL) ==
                         SQLITE_OK && sqlite3_step(probe) == SQLITE_ROW;
    sqlite3_finalize(probe);
    probe = NULL;
    if (!has_table)
        return SP_OK;
    bool current = sqlite3_prepare_v2(s->db, "SELECT source_url FROM hub_records LIMIT 0", -1,
                                      &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (current)
        return SP_OK;
    return sto_exec(s, "DROP TABLE hub_records;"
                       "DELETE FROM hub_meta WHERE key = 'features';", err);
}

/* The migrations, in order: step i takes a store from version i to i + 1
 * (before runs first, then sql).  To change the schema, add a step (never
 * edit one that has shipped) and bump STORE_SCHEMA_VERSION; docs/crawler.md
 * lists them. */
static const struct {
    int (*before)(store *s, sp_err *err);
    const char *sql;
} migrations[STORE_SCHEMA_VERSION] = {
    {NULL, schema_v1},
    {NULL, schema_v2},
    {NULL, schema_v3},
    {migrate_v4, schema_v4},
    {NULL, schema_v5},
    {NULL, schema_v6},
    {migrate_v7, schema_v7},
    {NULL, schema_v8},
};

int sto_fail(store *s, sp_err *err, const char *what)
{
    return sp_fail(err, SP_EIO, "store %s: %s: %s", s->path, what,
                   sqlite3_errmsg(s->db));
}

int sto_exec(store *s, const char *sql, sp_err *err)
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

void sto_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* sql prepared once and kept (sql must be a literal); NULL when it could
 * not be. */
static sqlite3_stmt *sto_cached(store *s, const char *sql)
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

/* Whether st is one of the kept statements (release it with sto_done, not
 * sqlite3_finalize). */
static bool sto_is_cached(const store *s, const sqlite3_stmt *st)
{
    for (size_t i = 0; i < s->n_cache; i++)
        if (s->cache[i].st == st)
            return true;
    return false;
}

/* Release a statement from sto_prep or prep_keep. */
void sto_done(store *s, sqlite3_stmt *st)
{
    if (sto_is_cached(s, st)) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

static int sto_prepv(store *s, sqlite3_stmt **st, sp_err *err, const char *sql, bool keep,
                      const char *types, va_list ap)
{
    *st = keep ? sto_cached(s, sql) : NULL;
    if (!*st && sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return sto_fail(s, err, "prepare");
    for (int i = 1; *types; types++, i++) {
        switch (*types) {
        case 't':
            sto_bind_text(*st, i, va_arg(ap, const char *));
            break;
        case 'i':
            sqlite3_bind_int(*st, i, va_arg(ap, int));
            break;
        case 'I':
            sqlite3_bind_int64(*st, i, va_arg(ap, int64_t));
            break;
        case 'd': {
            double d = va_arg(ap, double);
            if (isnan(d))
                sqlite3_bind_null(*st, i);
            else
                sqlite3_bind_double(*st, i, d);
            break;
        }
        case 'b': {
            const char *p = va_arg(ap, const char *);
            size_t n = va_arg(ap, size_t);
            sqlite3_bind_blob64(*st, i, p ? p : "", p ? n : 0, SQLITE_TRANSIENT);
            break;
        }
        default:
            assert(!"sto_prep: unknown parameter type");
        }
    }
    return SP_OK;
}

int sto_prep(store *s, sqlite3_stmt **st, sp_err *err, bool keep, const char *sql,
             const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = sto_prepv(s, st, err, sql, keep, types, ap);
    va_end(ap);
    return rc;
}

static void int_row(void *out, sqlite3_stmt *st)
{
    *(int64_t *)out = sqlite3_column_int64(st, 0);
}

int sto_int(store *s, int64_t *out, bool keep, const char *what, sp_err *err, const char *sql,
            const char *text)
{
    sqlite3_stmt *st;
    *out = 0;
    int rc = sto_prep(s, &st, err, keep, sql, text ? "t" : "", text);
    return sto_one(s, st, rc, int_row, out, what, err);
}

/* Run one statement that returns no rows, its parameters bound as
 * sto_prep's. */
int sto_run(store *s, sp_err *err, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    va_start(ap, types);
    int rc = sto_prepv(s, &st, err, sql, true, types, ap);
    va_end(ap);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = sto_fail(s, err, "write");
    sto_done(s, st);
    return rc;
}

/* Step to the next row: true while there is one.  At the end false with
 * *rc left alone; on an error false with *rc set (what says what was read). */
bool sto_next(store *s, sqlite3_stmt *st, int *rc, sp_err *err, const char *what)
{
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        return true;
    if (r != SQLITE_DONE)
        *rc = sto_fail(s, err, what);
    return false;
}

/* Begin a write transaction; sto_tx_end commits it when rc is SP_OK, else
 * rolls it back, and returns rc (or the commit's failure).  Inside a batch
 * (store_batch_begin) it is a savepoint, so a failed step undoes only
 * itself and the batch goes on. */
int sto_tx_begin(store *s, sp_err *err)
{
    return s->batch ? sto_run(s, err, "SAVEPOINT step", "") : sto_exec(s, "BEGIN IMMEDIATE", err);
}

int sto_tx_end(store *s, int rc, sp_err *err)
{
    if (s->batch) {
        if (rc)
            sto_run(s, NULL, "ROLLBACK TO step", "");
        int r = sto_run(s, err, "RELEASE step", "");
        return rc ? rc : r;
    }
    if (!rc)
        rc = sto_exec(s, "COMMIT", err);
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_batch_begin(store *s, sp_err *err)
{
    if (s->batch)
        return SP_OK;
    int rc = sto_exec(s, "BEGIN IMMEDIATE", err);
    if (!rc)
        s->batch = true;
    return rc;
}

int store_batch_commit(store *s, sp_err *err)
{
    if (!s->batch)
        return SP_OK;
    s->batch = false;
    int rc = sto_exec(s, "COMMIT", err);
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

void store_batch_abort(store *s)
{
    if (!s->batch)
        return;
    s->batch = false;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

bool store_in_batch(const store *s)
{
    return s->batch;
}

const char *sto_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int sto_each(store *s, sqlite3_stmt *st, int rc, int (*row)(const sto_cb *cb, sqlite3_stmt *st),
             const sto_cb *cb, const char *what, sp_err *err)
{
    if (rc)
        return rc;
    while (sto_next(s, st, &rc, err, what))
        if (row(cb, st))
            break;
    sto_done(s, st);
    return rc;
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

/* PRAGMA user_version of the open database. */
static int read_version(store *s, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false, "PRAGMA user_version", "");
    if (rc)
        return rc;
    int version = 0;
    if (sto_next(s, st, &rc, err, "read the schema version"))
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    s->version = version < 0 ? 0 : version;
    if (!rc && s->version > STORE_SCHEMA_VERSION)
        rc = sp_fail(err, SP_EUNSUP,
                     "store %s has schema version %d, newer than this signpost "
                     "understands (%d); upgrade signpost, or point --store at another "
                     "folder",
                     s->path, s->version, STORE_SCHEMA_VERSION);
    return rc;
}

/* Bring an older store up to STORE_SCHEMA_VERSION, a step a transaction
 * (its tables, then user_version): a crash between steps leaves a store of
 * the version before, which the next open carries on from. */
static int migrate(store *s, sp_err *err)
{
    for (int v = s->version; v < STORE_SCHEMA_VERSION; v++) {
        char set[40];
        snprintf(set, sizeof set, "PRAGMA user_version=%d", v + 1);
        int rc = sto_tx_begin(s, err);
        if (rc)
            return rc;
        if (migrations[v].before)
            rc = migrations[v].before(s, err);
        if (!rc)
            rc = sto_exec(s, migrations[v].sql, err);
        if (!rc)
            rc = sto_exec(s, set, err);
        rc = sto_tx_end(s, rc, err);
        if (rc)
            return rc;
        s->version = v + 1;
    }
    return SP_OK;
}

static int open_db(const char *dir, bool read_only, int busy_ms, store **out, sp_err *err)
{
    *out = NULL;
    if (!dir || !*dir)
        return sp_fail(err, SP_EINVAL, "store_open: no store directory given");
    store *s = calloc(1, sizeof *s);
    if (!s)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    s->read_only = read_only;
    s->path = sp_printf("%s/%s", dir, STORE_DB_NAME);
    if (!s->path) {
        free(s);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    int flags = read_only ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = SP_OK;
    if (sqlite3_open_v2(s->path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        struct stat sb;
        rc = read_only && stat(s->path, &sb) != 0
                 ? sp_fail(err, SP_ENOTFOUND, "no store at %s (nothing crawled there yet)",
                           s->path)
                 : sp_fail(err, SP_EIO, "cannot open store %s: %s", s->path,
                           s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, busy_ms);
    /* WAL: the indexer reads while the crawler writes.  synchronous=NORMAL
     * is durable across process crashes (kill -9), which is what a rerun
     * needs; a power cut may lose the last transactions, never consistency. */
    if (!read_only)
        rc = sto_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         "PRAGMA foreign_keys=OFF;", err);
    if (!rc)
        rc = read_version(s, err);
    if (!rc && !read_only)
        rc = migrate(s, err);
    if (rc) {
        store_close(s);
        return rc;
    }
    *out = s;
    return SP_OK;
}

int store_open(const char *dir, store **out, sp_err *err)
{
    if (!out)
        return sp_fail(err, SP_EINVAL, "store_open: no handle given");
    int rc = dir && *dir ? mkdir_p(dir, err) : SP_OK;
    return rc ? rc : open_db(dir, false, SP_STORE_BUSY_MS, out, err);
}

int store_open_read(const char *dir, int busy_ms, store **out, sp_err *err)
{
    return open_db(dir, true, busy_ms > 0 ? busy_ms : SP_STORE_BUSY_MS, out, err);
}

int store_schema_version(const store *s)
{
    return s->version;
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

/* ---- meta and cursors ----------------------------------------------------- */

int store_meta_get(store *s, const char *key, char **out, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false, "SELECT value FROM meta WHERE key = ?", "t", key);
    if (rc)
        return rc;
    *out = NULL;
    if (sto_next(s, st, &rc, err, "read meta")) {
        const char *v = sto_text(st, 0);
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
    return sto_run(s, err, "INSERT INTO meta(key, value) VALUES(?, ?) "
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

int sto_one(store *s, sqlite3_stmt *st, int rc, void (*row)(void *out, sqlite3_stmt *st),
            void *out, const char *what, sp_err *err)
{
    if (rc)
        return rc;
    if (sto_next(s, st, &rc, err, what))
        row(out, st);
    else if (!rc)
        rc = SP_ENOTFOUND;
    sto_done(s, st);
    return rc;
}

static int text_row(const sto_cb *cb, sqlite3_stmt *st)
{
    const char *v = sto_text(st, 0);
    return v && ((store_text_fn)cb->fn)(cb->ctx, v);
}

int sto_each_text(store *s, sqlite3_stmt *st, store_text_fn fn, void *ctx, const char *what,
                  sp_err *err)
{
    return sto_each(s, st, SP_OK, text_row, &(sto_cb){(void (*)(void))fn, ctx}, what, err);
}
