/*
 * test_schema.c - crawl.db's one schema version and its migrations.
 *
 * A store made by the Signpost before the store module owned crawl.db
 * (main_v2.sql: its schema strings and a few rows of each table) is opened
 * with store_open: it must come up at STORE_SCHEMA_VERSION with every row
 * still there, readable through the store's functions, and the linkage's
 * notes and decisions intact.  A store from before hub_records had
 * source_url loses that derived table and the linkage's cache mark, so the
 * next run is a whole one.  A newer store is refused, read-write and read
 * only, with a message that says to upgrade; a read-only open migrates
 * nothing and creates nothing.  A store at version 4 (before documents
 * had an index by source) gets it, and store_source_health's count of a
 * source's documents is read from it, not from a scan of the documents.
 *
 * Usage: test_schema DIR_WITH_main_v2.sql
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "tcheck.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sp_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sp_buf_append(&b, chunk, n);
    fclose(f);
    return sp_buf_steal(&b);
}

/* dir/crawl.db made from SQL text, as an older signpost left it. */
static int make_db(const char *dir, const char *sql)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, STORE_DB_NAME);
    sqlite3 *db = NULL;
    int ok = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    if (!ok)
        fprintf(stderr, "fixture: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return ok ? 0 : -1;
}

static int count_docs(void *ctx, const store_doc *d)
{
    (*(int *)ctx)++;
    CHECK_STR(d->body, "{\"content\":[]}");
    return 0;
}

static int first_text(void *ctx, const char *v)
{
    snprintf(ctx, 64, "%s", v);
    return 1;
}

static int one_decision(void *ctx, const store_hub_decision *d)
{
    (*(int *)ctx)++;
    CHECK_STR(d->id_a, "svc-1");
    CHECK_STR(d->decision, "not-same");
    CHECK_STR(d->by, "editor");
    return 0;
}

static int one_hub_record(void *ctx, const store_hub_record *r)
{
    (*(int *)ctx)++;
    CHECK_STR(r->name, "Job Club");
    return 0;
}

static int one_source(void *ctx, const store_source_info *i)
{
    (*(int *)ctx)++;
    CHECK(i->records == 2 && i->documents == 1 && i->pages == 1);
    return 0;
}

static int gone_cb(void *ctx, int64_t at, const char *id)
{
    (*(int *)ctx)++;
    CHECK(at == 1700000500);
    CHECK_STR(id, "svc-2");
    return 0;
}

/* The query plan of store_source_health's count of a source's documents
 * in dir/crawl.db names the index documents_source. */
static bool doc_count_uses_index(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, STORE_DB_NAME);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    bool uses = false;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT count(*) FROM documents d"
                               " WHERE d.source = 'acme'", -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(st, 3);
            if (detail && strstr(detail, "documents_source"))
                uses = true;
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return uses;
}

static void check_migrated(const char *dir)
{
    sp_err err = {0};
    store *s = NULL;
    CHECK(store_open(dir, &s, &err) == SP_OK);
    if (!s) {
        fprintf(stderr, "store_open: %s\n", err.msg);
        return;
    }
    CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION);
    /* the crawler's rows */
    int n = 0;
    CHECK(store_docs_since(s, 0, 0, count_docs, &n, NULL, &err) == SP_OK && n == 1);
    n = 0;
    CHECK(store_source_health(s, one_source, &n, &err) == SP_OK && n == 1);
    store_link *links = NULL;
    size_t nl = 0;
    CHECK(store_out_links(s, "acme", "http://127.0.0.1:1/oruk/services", &links, &nl, &err) ==
              SP_OK && nl == 1);
    store_links_free(links, nl);
    int64_t cursor = 0;
    CHECK(store_get_cursor(s, "index", &cursor, &err) == SP_OK && cursor == 1);
    /* the indexer's */
    store_record r;
    CHECK(store_record_get(s, "svc-1", &r, &err) == SP_OK && r.first_seen == 1690000000 &&
          r.gone_at == 0);
    CHECK_STR(r.hash, "00000000000000aa");
    char id[64] = "";
    CHECK(store_url_records(s, "http://127.0.0.1:1/oruk/services", first_text, id, &err) ==
          SP_OK);
    CHECK_STR(id, "svc-1");
    n = 0;
    CHECK(store_records_gone_after(s, 0, "", 10, gone_cb, &n, &err) == SP_OK && n == 1);
    /* the hub's */
    n = 0;
    CHECK(store_hub_decisions(s, one_decision, &n, &err) == SP_OK && n == 1);
    n = 0;
    CHECK(store_hub_records(s, one_hub_record, &n, &err) == SP_OK && n == 1);
    int64_t max = 0;
    CHECK(store_hub_pending_max(s, &max, &err) == SP_OK && max == 1);
    char *v = NULL;
    CHECK(store_hub_meta_get(s, "features", &v, &err) == SP_OK && v && !strcmp(v, "2"));
    free(v);
    /* and the migrated store takes new rows in every part */
    store_hub_decision d = {"svc-1", "svc-4", "same", "ed", 1700000200};
    CHECK(store_hub_decide(s, &d, &err) == SP_OK);
    CHECK(store_hub_meta_get(s, "decisions", &v, &err) == SP_OK && v && !strcmp(v, "2"));
    free(v);
    CHECK(store_record_put(s, "svc-5", "acme", "cc", 1, 2, 3, &err) == SP_OK);
    CHECK(store_hub_key_put(s, 42, "svc-1", 7, &err) == SP_OK &&
          store_hub_match_put(s, "svc-1", "svc-4", 2.5, &err) == SP_OK);
    store_close(s);
    CHECK(doc_count_uses_index(dir));
    /* opening again migrates nothing more */
    CHECK(store_open(dir, &s, &err) == SP_OK && store_schema_version(s) == STORE_SCHEMA_VERSION);
    store_close(s);
}

/* Run sql on dir/crawl.db behind the store's back. */
static void run_sql(const char *dir, const char *sql)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, STORE_DB_NAME);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
          sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static void set_version(const char *dir, int v)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", v);
    run_sql(dir, sql);
}

int main(int argc, char **argv)
{
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%s/main_v2.sql", argc > 1 ? argv[1] : ".");
    char *sql = slurp(fixture);
    if (!sql) {
        fprintf(stderr, "cannot read %s\n", fixture);
        return 1;
    }
    char dir[] = "/tmp/signpost-test-schema-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char sub[600];
    sp_err err = {0};
    store *s = NULL;

    /* 1. main's store: read only first (no migration), then migrated */
    snprintf(sub, sizeof sub, "%s/main", dir);
    mkdir(sub, 0755);
    CHECK(make_db(sub, sql) == 0);
    CHECK(store_open_read(sub, 0, &s, &err) == SP_OK && store_schema_version(s) == 2);
    store_close(s);
    s = NULL;
    check_migrated(sub);

    /* 2. a hub_records from before source_url: dropped, the cache marked
     * stale, nothing else lost */
    snprintf(sub, sizeof sub, "%s/old-hub", dir);
    mkdir(sub, 0755);
    char *old = sp_printf("%s\nDROP TABLE hub_records;"
                          "CREATE TABLE hub_records(id TEXT PRIMARY KEY, name TEXT);"
                          "INSERT INTO hub_records VALUES('svc-1', 'Job Club');",
                          sql);
    CHECK(make_db(sub, old) == 0);
    free(old);
    CHECK(store_open(sub, &s, &err) == SP_OK);
    if (s) {
        char *v = (char *)"unset";
        CHECK(store_hub_meta_get(s, "features", &v, &err) == SP_OK && v == NULL);
        store_record r;
        CHECK(store_record_get(s, "svc-1", &r, &err) == SP_OK);
        store_hub_record hr = {.id = "svc-9", .name = "x", .source_url = "u", .lat = 51.5,
                               .lon = -0.1, .min_age = -1, .max_age = 25};
        CHECK(store_hub_record_put(s, &hr, &err) == SP_OK);
        store_close(s);
        s = NULL;
    }

    /* 3. a version 4 store (as Signpost left it before version 5: the
     * migrated fixture without documents_source) gets the index, keeps its
     * rows and counts a source's documents from the index */
    snprintf(sub, sizeof sub, "%s/v4", dir);
    mkdir(sub, 0755);
    CHECK(make_db(sub, sql) == 0);
    CHECK(store_open(sub, &s, &err) == SP_OK);
    store_close(s);
    s = NULL;
    run_sql(sub, "DROP INDEX documents_source; PRAGMA user_version=4");
    CHECK(!doc_count_uses_index(sub));
    CHECK(store_open(sub, &s, &err) == SP_OK && store_schema_version(s) == STORE_SCHEMA_VERSION);
    int n4 = 0;
    CHECK(s && store_source_health(s, one_source, &n4, &err) == SP_OK && n4 == 1);
    store_close(s);
    s = NULL;
    CHECK(doc_count_uses_index(sub));

    /* 4. a newer store is refused, saying what to do */
    snprintf(sub, sizeof sub, "%s/newer", dir);
    CHECK(store_open(sub, &s, &err) == SP_OK);
    store_close(s);
    s = NULL;
    set_version(sub, STORE_SCHEMA_VERSION + 1);
    memset(&err, 0, sizeof err);
    CHECK(store_open(sub, &s, &err) == SP_EUNSUP && s == NULL);
    CHECK(strstr(err.msg, "newer") && strstr(err.msg, "upgrade signpost"));
    memset(&err, 0, sizeof err);
    CHECK(store_open_read(sub, 0, &s, &err) == SP_EUNSUP && s == NULL);

    /* 5. read only: no crawl.db is "not found", and nothing is created */
    snprintf(sub, sizeof sub, "%s/none", dir);
    CHECK(store_open_read(sub, 0, &s, &err) == SP_ENOTFOUND && s == NULL);
    struct stat sb;
    CHECK(stat(sub, &sb) != 0);

    free(sql);
    char *rm = sp_printf("rm -rf %s", dir);
    CHECK(rm && system(rm) == 0);
    free(rm);
    return t_done("store_schema");
}
