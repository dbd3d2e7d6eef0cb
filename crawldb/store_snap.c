/*
 * store_snap.c - the copy of the store searchd reads on a replica
 * (store.h, store_snapshot_image): an in-memory SQLite database filled by
 * CREATE TABLE ... AS SELECT from the store attached beside it, in one
 * read transaction, then serialised.  indexer/snapshot.c carries it in the
 * index (snapshot.h); searchd/replica.c writes it out as a crawl.db that
 * store_open_read reads like the store itself.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store_int.h"

/* What searchd reads, table by table: the columns its queries use
 * (store_hub.c, store_crawl.c store_source_health, store_index.c
 * store_records_gone_after).
 * Bodies and headers of documents stay behind. */
static const struct {
    const char *table, *select;
} snap_tables[] = {
    {"sources", "SELECT * FROM src.sources"},
    {"urls", "SELECT source, url, state, content_hash FROM src.urls"},
    {"documents", "SELECT seq, source FROM src.documents"},
    {"hub_records", "SELECT * FROM src.hub_records"},
    {"hub_decisions", "SELECT * FROM src.hub_decisions"},
    {"hub_links", "SELECT * FROM src.hub_links"},
    {"hub_meta", "SELECT * FROM src.hub_meta"},
    {"ingest_records",
     "SELECT id, source, gone_at FROM src.ingest_records WHERE gone_at IS NOT NULL"},
};

static bool has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    bool yes = sqlite3_prepare_v2(db, "SELECT 1 FROM src.sqlite_master WHERE type='table' "
                                      "AND name=?1", -1, &st, NULL) == SQLITE_OK &&
               sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

int store_snapshot_image(const char *store_dir, unsigned char **img, int64_t *size,
                         sp_err *err)
{
    *img = NULL;
    *size = 0;
    char *path = sp_printf("%s/%s", store_dir, STORE_DB_NAME);
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    struct stat sb;
    bool have = stat(path, &sb) == 0;
    sqlite3 *db = NULL;
    /* The copy is main (in memory), the store attached as src. */
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_stmt *st = NULL;
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
    /* One read transaction: every table as of the same moment. */
    char *msg = NULL;
    int src = sqlite3_exec(db, "BEGIN", NULL, NULL, &msg);
    int version = 0;
    if (src == SQLITE_OK && sqlite3_prepare_v2(db, "PRAGMA src.user_version", -1, &st, NULL) ==
                                SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    for (size_t i = 0; src == SQLITE_OK && i < sizeof snap_tables / sizeof snap_tables[0]; i++) {
        if (!has_table(db, snap_tables[i].table))
            continue;
        char *sql = sp_printf("CREATE TABLE main.%s AS %s", snap_tables[i].table,
                              snap_tables[i].select);
        if (!sql) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_close(db);
            return sp_fail(err, SP_ENOMEM, "out of memory");
        }
        src = sqlite3_exec(db, sql, NULL, NULL, &msg);
        free(sql);
    }
    if (src == SQLITE_OK) {
        /* A store's version, so store_open reading the copy migrates
         * nothing. */
        char *sql = sp_printf("PRAGMA main.user_version=%d", version);
        src = sql ? sqlite3_exec(db, sql, NULL, NULL, &msg) : SQLITE_NOMEM;
        free(sql);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "snapshot: %s", msg ? msg : sqlite3_errstr(src));
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    sqlite3_int64 n = 0;
    *img = sqlite3_serialize(db, "main", &n, 0);
    *size = (int64_t)n;
    sqlite3_close(db);
    if (!*img)
        return sp_fail(err, SP_ENOMEM, "snapshot: out of memory");
    return SP_OK;
}


void store_snapshot_free(unsigned char *img)
{
    sqlite3_free(img);
}
