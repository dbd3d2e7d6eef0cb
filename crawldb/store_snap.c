/*
 * store_snap.c - the copy of the store searchd reads on a replica
 * (store.h, store_snapshot_full and _delta): an in-memory SQLite database
 * filled from the store attached beside it, in one read transaction, then
 * serialised.  A full image holds every row; a delta the rows under the
 * keys the change log (snap_log, store.c version 6) noted since a point,
 * and those keys, which store_snapshot_apply deletes and re-inserts in a
 * copy written out from a full image.  indexer/snapshot.c carries them in
 * the index (snapshot.h); searchd/replica.c writes them out as a crawl.db
 * that store_open_read reads like the store itself.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

/* What searchd reads, table by table: the columns its queries use
 * (store_hub.c, store_crawl.c store_source_health, store_index.c
 * store_records_gone_after), the table's primary key, and whether a delta
 * carries it whole (small tables, not logged).  Bodies and headers of
 * documents stay behind. */
static const struct snap_table {
    const char *table, *cols, *key, *where;
    bool whole;
} snap_tables[] = {
    {"sources", "*", "name", NULL, true},
    /* a page queued again still has its content: published as done until
     * it leaves the queue (store.c, version 8) */
    {"urls",
     "source, url, CASE WHEN state = 'queued' AND content_hash IS NOT NULL THEN 'done'"
     " ELSE state END AS state, content_hash",
     "source, url", NULL, false},
    {"documents", "seq, source", "seq", NULL, false},
    {"hub_records", "*", "id", NULL, false},
    {"hub_decisions", "*", "id_a, id_b", NULL, false},
    {"hub_links", "*", "id_a, id_b", NULL, false},
    {"hub_meta", "*", "\"key\"", NULL, true},
    {"ingest_records", "id, source, gone_at", "id", "gone_at IS NOT NULL", false},
};
#define N_SNAP_TABLES (sizeof snap_tables / sizeof snap_tables[0])

/* The log's columns matching t's key: "k1" or "k1, k2". */
static const char *log_cols(const struct snap_table *t)
{
    return strchr(t->key, ',') ? "k1, k2" : "k1";
}

/* Run SQL made from fmt (no parameters); SQLite's code, *msg its message. */
static int run(sqlite3 *db, char **msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run(sqlite3 *db, char **msg, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof sql)
        return SQLITE_TOOBIG;
    sqlite3_free(*msg);
    *msg = NULL;
    return sqlite3_exec(db, sql, NULL, NULL, msg);
}

/* The first column of the one row of sql as an integer (0 when none). */
static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static bool has_table(sqlite3 *db, const char *schema, const char *name)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s.sqlite_master WHERE type='table' AND name=?1",
             schema);
    sqlite3_stmt *st = NULL;
    bool yes = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
               sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* main.T with t's columns as the store has them and its primary key,
 * WITHOUT ROWID, filled from src.T (where: NULL, or which rows). */
static int copy_table(sqlite3 *db, const struct snap_table *t, const char *where, char **msg)
{
    int rc = run(db, msg, "CREATE TABLE main.%s AS SELECT %s FROM src.%s WHERE 0", t->table,
                 t->cols, t->table);
    sqlite3_stmt *st = NULL;
    char *ddl = NULL;
    if (rc == SQLITE_OK &&
        (rc = sqlite3_prepare_v2(db, "SELECT sql FROM main.sqlite_master WHERE name=?1", -1,
                                 &st, NULL)) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, t->table, -1, SQLITE_STATIC);
        const char *s = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                                       : NULL;
        ddl = s ? sp_strdup(s) : NULL;
        rc = ddl ? SQLITE_OK : SQLITE_NOMEM;
    }
    sqlite3_finalize(st);
    /* "CREATE TABLE T(a TEXT,b INT)": the same with the key. */
    char *close = ddl ? strrchr(ddl, ')') : NULL;
    if (rc == SQLITE_OK && !close)
        rc = SQLITE_CORRUPT;
    if (rc == SQLITE_OK) {
        *close = '\0';
        rc = run(db, msg, "DROP TABLE main.%s", t->table);
    }
    if (rc == SQLITE_OK)
        rc = run(db, msg, "%s, PRIMARY KEY(%s)) WITHOUT ROWID", ddl, t->key);
    free(ddl);
    if (rc == SQLITE_OK)
        rc = run(db, msg, "INSERT INTO main.%s SELECT %s FROM src.%s%s%s%s%s", t->table, t->cols,
                 t->table, where || t->where ? " WHERE " : "", where ? where : "",
                 where && t->where ? " AND " : "", t->where ? t->where : "");
    return rc;
}

/* The rows of the small tables (in key order) as bytes to compare. */
static int small_bytes(sqlite3 *db, store_snap *out)
{
    sp_buf b = {0};
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < N_SNAP_TABLES; i++) {
        if (!snap_tables[i].whole || !has_table(db, "main", snap_tables[i].table))
            continue;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM main.%s", snap_tables[i].table);
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        sp_buf_printf(&b, "%s\n", snap_tables[i].table);
        while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const void *v = sqlite3_column_blob(st, c);
                int n = sqlite3_column_bytes(st, c);
                sp_buf_printf(&b, "%d %d:", sqlite3_column_type(st, c), n);
                sp_buf_append(&b, v ? v : "", (size_t)n);
            }
            sp_buf_puts(&b, "\n");
        }
        sqlite3_finalize(st);
    }
    out->small_len = b.len;
    out->small = sp_buf_steal(&b);
    return rc != SQLITE_OK ? rc : out->small ? SQLITE_OK : SQLITE_NOMEM;
}

/* from_seq < 0: a full image. */
static int image(const char *store_dir, const char *log_id, int64_t from_seq, int64_t max_keys,
                 store_snap *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    char *path = sp_printf("%s/%s", store_dir, STORE_DB_NAME);
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    struct stat sb;
    bool have = stat(path, &sb) == 0;
    sqlite3 *db = NULL;
    /* The copy is main (in memory), the store attached as src.  Pages of
     * 16 KB: a row of a WITHOUT ROWID table longer than about a quarter of
     * a page spills to overflow pages, and hub_links' rows (their
     * evidence) run to 1.2 KB: with 4 KB pages the 1M image was 858 MB,
     * with 16 KB ones 652 MB (695 MB as rowid tables before). */
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA main.page_size=16384", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(db, "ATTACH ?1 AS src", -1, &st, NULL);
        if (rc == SQLITE_OK)
            sqlite3_bind_text(st, 1, have ? path : ":memory:", -1, SQLITE_STATIC);
        if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_DONE)
            rc = SQLITE_ERROR;
        sqlite3_finalize(st);
        st = NULL;
    }
    free(path);
    if (rc != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "snapshot: cannot open the store: %s",
                     db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, SP_STORE_BUSY_MS);
    /* One read transaction: every table and the log as of the same moment
     * (the first read starts it). */
    char *msg = NULL;
    int src = sqlite3_exec(db, "BEGIN", NULL, NULL, &msg);
    int version = (int)one_int(db, "PRAGMA src.user_version");
    bool logged = has_table(db, "src", "snap_log");
    if (logged) {
        out->seq = one_int(db, "SELECT max(seq) FROM src.snap_log");
        if (sqlite3_prepare_v2(db, "SELECT value FROM src.meta WHERE key = 'snap_log.id'", -1,
                               &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
            sqlite3_column_text(st, 0))
            snprintf(out->log_id, sizeof out->log_id, "%s", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        st = NULL;
    }
    int code = SP_EIO;
    if (src == SQLITE_OK && from_seq >= 0) {
        int64_t pruned = one_int(db, "SELECT CAST(value AS INTEGER) FROM src.meta"
                                     " WHERE key = 'snap_log.pruned'");
        if (!logged || !*out->log_id || strcmp(out->log_id, log_id) != 0 ||
            out->seq < from_seq || pruned > from_seq) {
            src = SQLITE_NOTFOUND;
            code = SP_ENOTFOUND;
        } else {
            char sql[160];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM src.snap_log WHERE seq > %lld",
                     (long long)from_seq);
            out->keys = one_int(db, sql);
            if (out->keys > max_keys) {
                src = SQLITE_TOOBIG;
                code = SP_ELIMIT;
            }
        }
        if (src == SQLITE_OK)
            src = run(db, &msg,
                      "CREATE TABLE main.snap_keys AS SELECT DISTINCT tbl, k1, k2"
                      " FROM src.snap_log WHERE seq > %lld AND seq <= %lld",
                      (long long)from_seq, (long long)out->seq);
    }
    for (size_t i = 0; src == SQLITE_OK && i < N_SNAP_TABLES; i++) {
        const struct snap_table *t = &snap_tables[i];
        if (!has_table(db, "src", t->table))
            continue;
        char where[160];
        snprintf(where, sizeof where, "(%s) IN (SELECT %s FROM main.snap_keys WHERE tbl = '%s')",
                 t->key, log_cols(t), t->table);
        src = copy_table(db, t, from_seq >= 0 && !t->whole ? where : NULL, &msg);
    }
    if (src == SQLITE_OK) /* a store's version: store_open reading the copy migrates nothing */
        src = run(db, &msg, "PRAGMA main.user_version=%d", version);
    if (src == SQLITE_OK)
        src = small_bytes(db, out);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = code == SP_ENOTFOUND ? sp_fail(err, code, "snapshot: the store's change log does "
                                                       "not reach back to the last publish")
             : code == SP_ELIMIT ? sp_fail(err, code, "snapshot: %lld changes since the last "
                                                      "publish", (long long)out->keys)
                                 : sp_fail(err, code, "snapshot: %s",
                                           msg ? msg : sqlite3_errstr(src));
        sqlite3_free(msg);
        sqlite3_close(db);
        store_snapshot_free(out);
        return rc;
    }
    sqlite3_free(msg);
    sqlite3_int64 n = 0;
    out->img = sqlite3_serialize(db, "main", &n, 0);
    out->size = (int64_t)n;
    sqlite3_close(db);
    if (!out->img) {
        store_snapshot_free(out);
        return sp_fail(err, SP_ENOMEM, "snapshot: out of memory");
    }
    return SP_OK;
}

int store_snapshot_full(const char *dir, store_snap *out, sp_err *err)
{
    return image(dir, "", -1, 0, out, err);
}

int store_snapshot_delta(const char *dir, const char *log_id, int64_t from_seq,
                         int64_t max_keys, store_snap *out, sp_err *err)
{
    if (from_seq < 0)
        return sp_fail(err, SP_EINVAL, "snapshot: a delta from %lld", (long long)from_seq);
    return image(dir, log_id, from_seq, max_keys, out, err);
}

void store_snapshot_free(store_snap *snap)
{
    sqlite3_free(snap->img);
    free(snap->small);
    snap->img = NULL;
    snap->small = NULL;
}

int store_snapshot_apply(const char *path, const unsigned char *delta, int64_t size,
                         sp_err *err)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = run(db, &msg, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
                           "ATTACH ':memory:' AS d");
    if (rc == SQLITE_OK)
        rc = sqlite3_deserialize(db, "d", (unsigned char *)delta, size, size,
                                 SQLITE_DESERIALIZE_READONLY);
    bool is_delta = rc == SQLITE_OK && has_table(db, "d", "snap_keys");
    if (rc == SQLITE_OK)
        rc = is_delta ? run(db, &msg, "BEGIN") : SQLITE_MISMATCH;
    for (size_t i = 0; rc == SQLITE_OK && i < N_SNAP_TABLES; i++) {
        const struct snap_table *t = &snap_tables[i];
        if (!has_table(db, "d", t->table))
            continue;
        if (!has_table(db, "main", t->table))
            rc = run(db, &msg, "CREATE TABLE main.%s AS SELECT * FROM d.%s WHERE 0", t->table,
                     t->table);
        if (rc == SQLITE_OK && t->whole)
            rc = run(db, &msg, "DELETE FROM main.%s", t->table);
        else if (rc == SQLITE_OK)
            rc = run(db, &msg, "DELETE FROM main.%s WHERE (%s) IN (SELECT %s FROM d.snap_keys"
                               " WHERE tbl = '%s')", t->table, t->key, log_cols(t), t->table);
        if (rc == SQLITE_OK)
            rc = run(db, &msg, "INSERT INTO main.%s SELECT * FROM d.%s", t->table, t->table);
    }
    if (rc == SQLITE_OK)
        rc = run(db, &msg, "COMMIT");
    int ret = SP_OK;
    if (rc != SQLITE_OK)
        ret = sp_fail(err, rc == SQLITE_MISMATCH ? SP_EINVAL : SP_EIO,
                      "snapshot: cannot apply a delta to %s: %s", path,
                      rc == SQLITE_MISMATCH ? "not a delta"
                      : msg                 ? msg
                      : db                  ? sqlite3_errmsg(db)
                                            : "out of memory");
    sqlite3_free(msg);
    sqlite3_close(db);
    return ret;
}

int store_snapshot_prune(store *s, int64_t seq, sp_err *err)
{
    int rc = sto_tx_begin(s, err);
    if (!rc)
        rc = sto_run(s, err, "DELETE FROM snap_log WHERE seq <= ?"
                             " AND seq < (SELECT max(seq) FROM snap_log)", "I", seq);
    if (!rc)
        rc = sto_run(s, err, "INSERT INTO meta(key, value) VALUES('snap_log.pruned', ?1)"
                             " ON CONFLICT(key) DO UPDATE SET value ="
                             " max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
                     "I", seq);
    return sto_tx_end(s, rc, err);
}
