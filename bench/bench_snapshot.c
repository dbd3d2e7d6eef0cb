/*
 * bench_snapshot.c - what publishing the store snapshot for replicas costs
 * (indexer/snapshot.h): the full image, zlib level 1 against 6 on it, a
 * base, an unchanged publish, a delta of one changed record, writing
 * base + delta out as a replica does and its next revision (a copy of that
 * file and one more delta); then what the change log's triggers
 * (store.c version 6) add to the writes of the linkage and the crawler.
 *
 *   bench_snapshot COPY_OF_STORE_DIR NEW_INDEX_DIR [WRITES]
 *
 * It migrates the store and writes to it (and drops its triggers at the
 * end): give it a copy.  WRITES (default 20000) rows are updated, in one
 * transaction, with the triggers and without.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bench.h"
#include "idx.h"
#include "snapshot.h"
#include "store.h"

static void die(const char *what, const sp_err *err)
{
    fprintf(stderr, "bench_snapshot: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static void zlib_level(const store_snap *snap, int level)
{
    uLongf zlen = compressBound((uLong)snap->size);
    unsigned char *z = malloc(zlen);
    double t0 = now_s();
    if (!z || compress2(z, &zlen, snap->img, (uLong)snap->size, level) != Z_OK)
        die("compress", NULL);
    printf("zlib level %d: %.2f s, %.1f MB -> %.1f MB\n", level, now_s() - t0,
           (double)snap->size / 1e6, (double)zlen / 1e6);
    free(z);
}

static void publish(idx *ix, const char *store_dir, const char *what)
{
    snap_published p = {0};
    sp_err err = {0};
    if (snap_publish_tuned(ix, store_dir, false, NULL, &p, &err) != SP_OK)
        die(what, &err);
    printf("%s: %s, %.2f s (image %.2f s), %.2f MB raw, %.2f MB published, %lld changes\n",
           what, p.base ? "base" : p.delta ? "delta" : "nothing new", p.total_s, p.build_s,
           (double)p.raw / 1e6, (double)p.text / 1e6, (long long)p.changes);
}

/* Up to n updates, one statement each (as the linkage and the crawler
 * write), in one transaction; seconds, *rows how many. */
static double updates(sqlite3 *db, const char *sql, const char *pick, int n, int round,
                      int *rows)
{
    *rows = 0;
    sqlite3_stmt *ids = NULL, *up = NULL;
    char q[256];
    snprintf(q, sizeof q, "%s LIMIT %d", pick, n);
    if (sqlite3_prepare_v2(db, q, -1, &ids, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &up, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db), NULL);
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    double t0 = now_s();
    while (sqlite3_step(ids) == SQLITE_ROW) {
        char v[32];
        snprintf(v, sizeof v, "bench-%d", round);
        sqlite3_bind_text(up, 1, v, -1, SQLITE_TRANSIENT);
        for (int c = 0; c < sqlite3_column_count(ids); c++)
            sqlite3_bind_value(up, c + 2, sqlite3_column_value(ids, c));
        if (sqlite3_step(up) != SQLITE_DONE)
            die(sqlite3_errmsg(db), NULL);
        sqlite3_reset(up);
        (*rows)++;
    }
    double t = now_s() - t0;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(ids);
    sqlite3_finalize(up);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_snapshot COPY_OF_STORE_DIR NEW_INDEX_DIR [WRITES]\n");
        return 2;
    }
    const char *store_dir = argv[1];
    int writes = argc > 3 ? atoi(argv[3]) : 20000;
    sp_err err = {0};
    store *s = NULL;
    double t0 = now_s();
    if (store_open(store_dir, &s, &err) != SP_OK)
        die("store", &err);
    printf("store_open (migrating): %.2f s\n", now_s() - t0);

    store_snap snap = {0};
    t0 = now_s();
    if (store_snapshot_full(store_dir, &snap, &err) != SP_OK)
        die("image", &err);
    printf("full image: %.2f s, %.1f MB\n", now_s() - t0, (double)snap.size / 1e6);
    zlib_level(&snap, 1);
    zlib_level(&snap, 6);
    store_snapshot_free(&snap);

    idx *ix = NULL;
    if (idx_open_write(argv[2], &ix, &err) != SP_OK)
        die("index", &err);
    publish(ix, store_dir, "publish, first");
    publish(ix, store_dir, "publish, unchanged");

    /* One record moved to another cluster, as the linkage does. */
    sqlite3 *db = NULL;
    char *path = sp_printf("%s/%s", store_dir, STORE_DB_NAME);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("sqlite", NULL);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st = NULL;
    char id[256] = "";
    if (sqlite3_prepare_v2(db, "SELECT id FROM hub_records LIMIT 1 OFFSET 500", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (store_hub_set_cluster(s, id, "bench-cluster", &err) != SP_OK)
        die("change", &err);
    publish(ix, store_dir, "publish, one record changed");
    t0 = now_s();
    char *out = sp_printf("%s/replica.db", argv[2]);
    snap_mark mark = {0};
    if (snap_write_from(ix, out, NULL, NULL, &mark, &err) != SP_OK)
        die("write out", &err);
    printf("written out as a replica does (base + 1 delta): %.2f s\n", now_s() - t0);
    /* The next revision on a replica: a copy of that file, one delta more. */
    if (store_hub_set_cluster(s, id, "bench-cluster-2", &err) != SP_OK)
        die("change", &err);
    publish(ix, store_dir, "publish, the same record again");
    char *next = sp_printf("%s/replica2.db", argv[2]);
    t0 = now_s();
    if (snap_write_from(ix, next, out, &mark, &mark, &err) != SP_OK)
        die("write out", &err);
    printf("the next revision written out from the one before (a copy, 1 delta): %.2f s\n",
           now_s() - t0);
    remove(next);
    free(next);
    remove(out);
    free(out);
    idx_close(ix);
    store_close(s);

    /* The triggers' cost on the writers' paths: warm, with, without. */
    static const struct {
        const char *what, *sql, *pick;
    } w[] = {
        {"hub_records cluster_id", "UPDATE hub_records SET cluster_id = ?1 WHERE id = ?2",
         "SELECT id FROM hub_records"},
        {"urls state", "UPDATE urls SET state = ?1 WHERE source = ?2 AND url = ?3",
         "SELECT source, url FROM urls"},
    };
    double with[2], without[2];
    int rows[2];
    for (int i = 0; i < 2; i++) {
        updates(db, w[i].sql, w[i].pick, writes, 0, &rows[i]);
        with[i] = updates(db, w[i].sql, w[i].pick, writes, 1, &rows[i]);
    }
    long long logged = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM snap_log", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        logged = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_exec(db,
                 "DROP TRIGGER snap_hub_records_i; DROP TRIGGER snap_hub_records_u;"
                 "DROP TRIGGER snap_hub_records_d; DROP TRIGGER snap_urls_i;"
                 "DROP TRIGGER snap_urls_u; DROP TRIGGER snap_urls_d;",
                 NULL, NULL, NULL);
    for (int i = 0; i < 2; i++)
        without[i] = updates(db, w[i].sql, w[i].pick, writes, 2, &rows[i]);
    for (int i = 0; i < 2; i++)
        printf("%d updates of %s in one transaction: %.3f s with the change log, %.3f s "
               "without (%.1f us a row more)\n",
               rows[i], w[i].what, with[i], without[i],
               (with[i] - without[i]) / rows[i] * 1e6);
    printf("log rows written: %lld\n", logged);
    sqlite3_close(db);
    free(path);
    return 0;
}
