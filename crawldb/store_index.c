/*
 * store_index.c - the indexer's bookkeeping in STORE/crawl.db (store.h,
 * "for the indexer"): ingest_records (each record's content hash, first
 * and last seen, changed and gone times), ingest_urls (which record ids
 * each stored URL gave) and ingest_dropped (records dropped with a failing
 * source, to restore when it works again).
 *
 * Each call is one statement: the indexer runs them inside its batch
 * (store_batch_begin), so the bookkeeping, the cursor and the hub notes of
 * one batch commit together, and a kill -9 loses the batch whole.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static void record_row(void *out, sqlite3_stmt *st)
{
    store_record *r = out;
    snprintf(r->hash, sizeof r->hash, "%s", sto_text(st, 0) ? sto_text(st, 0) : "");
    r->first_seen = sqlite3_column_int64(st, 1);
    r->last_seen = sqlite3_column_int64(st, 2);
    r->last_changed = sqlite3_column_int64(st, 3);
    r->gone_at = sqlite3_column_int64(st, 4);
}

int store_record_get(store *s, const char *id, store_record *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                      "SELECT hash, first_seen, last_seen, last_changed, coalesce(gone_at, 0)"
                      " FROM ingest_records WHERE id = ?",
                      "t", id);
    rc = sto_one(s, st, rc, record_row, out, "read a record", err);
    return rc == SP_ENOTFOUND ? sp_fail(err, rc, "no record %s in the store", id) : rc;
}

int store_record_put(store *s, const char *id, const char *source, const char *hash,
                     int64_t first_seen, int64_t last_seen, int64_t last_changed,
                     sp_err *err)
{
    return sto_run(s, err,
                   "INSERT INTO ingest_records(id, source, hash, first_seen, last_seen,"
                   " last_changed, gone_at) VALUES(?, ?, ?, ?, ?, ?, NULL)"
                   " ON CONFLICT(id) DO UPDATE SET source = excluded.source,"
                   " hash = excluded.hash, last_seen = excluded.last_seen,"
                   " last_changed = excluded.last_changed, gone_at = NULL",
                   "tttIII", id, source ? source : "", hash, first_seen, last_seen,
                   last_changed);
}

int store_record_gone(store *s, const char *id, int64_t at, bool *was_live, sp_err *err)
{
    int rc = sto_run(s, err,
                     "UPDATE ingest_records SET gone_at = ? WHERE id = ? AND gone_at IS NULL",
                     "It", at, id);
    if (!rc && was_live)
        *was_live = sqlite3_changes(s->db) > 0;
    return rc;
}

int store_records_of_source(store *s, const char *source, store_text_fn fn, void *ctx,
                            sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                      "SELECT id FROM ingest_records WHERE source = ? AND gone_at IS NULL",
                      "t", source);
    return rc ? rc : sto_each_text(s, st, fn, ctx, "read a source's records", err);
}

int store_records_count(store *s, const char *source, long *n, sp_err *err)
{
    int64_t v;
    int rc = sto_int(s, &v, true, "count records", err,
                     "SELECT count(*) FROM ingest_records WHERE source = ? AND gone_at IS NULL",
                     source);
    *n = (long)v;
    return rc == SP_ENOTFOUND ? SP_OK : rc;
}

int store_records_gone_after(store *s, int64_t after_at, const char *after_id, int limit,
                             store_gone_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                      "SELECT gone_at, id FROM ingest_records WHERE gone_at IS NOT NULL"
                      " AND (gone_at > ?1 OR (gone_at = ?1 AND id > ?2))"
                      " ORDER BY gone_at, id LIMIT ?3",
                      "Iti", after_at, after_id ? after_id : "", limit);
    if (rc)
        return rc;
    while (sto_next(s, st, &rc, err, "read gone records")) {
        const char *id = sto_text(st, 1);
        if (id && fn(ctx, sqlite3_column_int64(st, 0), id))
            break;
    }
    sto_done(s, st);
    return rc;
}

int store_url_records(store *s, const char *url, store_text_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true, "SELECT id FROM ingest_urls WHERE url = ?", "t", url);
    return rc ? rc : sto_each_text(s, st, fn, ctx, "read a URL's records", err);
}

int store_record_urls(store *s, const char *id, store_text_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true, "SELECT url FROM ingest_urls WHERE id = ?", "t", id);
    return rc ? rc : sto_each_text(s, st, fn, ctx, "read a record's URLs", err);
}

int store_url_record_link(store *s, const char *url, const char *id, sp_err *err)
{
    return sto_run(s, err, "INSERT OR IGNORE INTO ingest_urls(url, id) VALUES(?, ?)", "tt",
                   url, id);
}

int store_url_record_unlink(store *s, const char *url, const char *id, sp_err *err)
{
    return sto_run(s, err, "DELETE FROM ingest_urls WHERE url = ? AND id = ?", "tt", url, id);
}

int store_record_linked(store *s, const char *id, bool *linked, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true, "SELECT 1 FROM ingest_urls WHERE id = ? LIMIT 1", "t",
                      id);
    if (rc)
        return rc;
    *linked = sto_next(s, st, &rc, err, "read a record's URLs");
    sto_done(s, st);
    return rc;
}

int store_dropped_each(store *s, store_dropped_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false, "SELECT id, source FROM ingest_dropped", "");
    if (rc)
        return rc;
    while (sto_next(s, st, &rc, err, "read dropped records"))
        if (fn(ctx, sto_text(st, 0), sto_text(st, 1)))
            break;
    sto_done(s, st);
    return rc;
}

int store_dropped_add(store *s, const char *id, const char *source, sp_err *err)
{
    return sto_run(s, err, "INSERT OR IGNORE INTO ingest_dropped(id, source) VALUES(?, ?)",
                   "tt", id, source);
}

int store_dropped_remove(store *s, const char *id, sp_err *err)
{
    return sto_run(s, err, "DELETE FROM ingest_dropped WHERE id = ?", "t", id);
}

int store_index_reset(store *s, sp_err *err)
{
    return sto_exec(s, "DELETE FROM ingest_urls; DELETE FROM ingest_records;"
                       " DELETE FROM ingest_dropped;", err);
}
