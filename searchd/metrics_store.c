/*
 * metrics_store.c - the crawler's and the indexer's part of /metrics, read
 * from STORE/crawl.db (read-only, a short busy timeout: a scrape must not
 * wait behind a long crawl transaction; it reports
 * signpost_store_readable 0 instead).
 *
 * Per source, from the crawler's tables: fetches, 304s and errors in the
 * fetch log (the crawler keeps a window of it, so these are gauges over
 * that window, not counters), whether it is failing, the age of its last
 * successful pass, and the records the indexer took from it.  The indexer
 * notes its last run, the documents in the index and the time linkage took
 * in the store's meta table (indexer/ingest.c: note_run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "sd_int.h"

#define STORE_BUSY_MS 200

/* A label value: backslash, double quote and newline escaped. */
static void label(sp_buf *b, const char *v)
{
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\' || *p == '"')
            sp_buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            sp_buf_puts(b, "\\n");
        else
            sp_buf_append(b, p, 1);
    }
}

static void help(sp_buf *b, const char *name, const char *type, const char *text)
{
    sp_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

typedef struct src_row {
    char *name;
    long long fetches, not_modified, errors, records;
    long long last_success; /* 0: never */
    bool failing;
} src_row;

static const struct {
    const char *name, *type, *help;
} src_metrics[] = {
    {"signpost_crawl_source_fetches", "gauge",
     "Fetches in the store's fetch log (the crawler keeps a window of it), by source."},
    {"signpost_crawl_source_not_modified", "gauge",
     "Fetches answered 304 Not Modified in the fetch log, by source."},
    {"signpost_crawl_source_errors", "gauge",
     "Fetches that failed (network error or HTTP status 400 or more) in the fetch log, by "
     "source."},
    {"signpost_crawl_source_failing", "gauge",
     "1 when the source's entry URLs failed on its last pass, else 0."},
    {"signpost_crawl_source_last_success_age_seconds", "gauge",
     "Seconds since the source's last successful pass (absent: never)."},
    {"signpost_crawl_source_records", "gauge", "Records the indexer took from the source."},
};

static long long row_value(const src_row *r, size_t m, long long now, bool *present)
{
    *present = true;
    switch (m) {
    case 0: return r->fetches;
    case 1: return r->not_modified;
    case 2: return r->errors;
    case 3: return r->failing;
    case 4:
        *present = r->last_success > 0;
        return now - r->last_success;
    default: return r->records;
    }
}

static char *meta(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            out = sp_strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
}

static int read_sources(sqlite3 *db, src_row **rows, size_t *n)
{
    static const char sql[] =
        "SELECT s.name, COALESCE(f.n, 0), COALESCE(f.nm, 0), COALESCE(f.bad, 0), s.records, "
        "COALESCE(s.last_success, 0), s.failing_since IS NOT NULL "
        "FROM sources s LEFT JOIN (SELECT source, count(*) AS n, sum(status = 304) AS nm, "
        "sum(error IS NOT NULL OR status >= 400 OR status IS NULL OR status = 0) AS bad "
        "FROM fetch_log GROUP BY source) f ON f.source = s.name ORDER BY s.name LIMIT 10000";
    sqlite3_stmt *st = NULL;
    *rows = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return SP_EIO;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            src_row *bigger = realloc(*rows, cap * sizeof **rows);
            if (!bigger)
                break;
            *rows = bigger;
        }
        src_row *r = &(*rows)[(*n)++];
        r->name = sp_strdup((const char *)sqlite3_column_text(st, 0));
        r->fetches = sqlite3_column_int64(st, 1);
        r->not_modified = sqlite3_column_int64(st, 2);
        r->errors = sqlite3_column_int64(st, 3);
        r->records = sqlite3_column_int64(st, 4);
        r->last_success = sqlite3_column_int64(st, 5);
        r->failing = sqlite3_column_int(st, 6) != 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SP_OK : SP_EIO;
}

void sd_store_metrics(const char *index_dir, sp_buf *b)
{
    /* index_dir is STORE/index: the store is its parent. */
    char *path = sp_printf("%s/../crawl.db", index_dir);
    sqlite3 *db = NULL;
    src_row *rows = NULL;
    size_t n = 0;
    int rc = path && sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
                 ? SP_OK
                 : SP_EIO;
    free(path);
    if (rc == SP_OK) {
        sqlite3_busy_timeout(db, STORE_BUSY_MS);
        rc = read_sources(db, &rows, &n);
    }
    help(b, "signpost_store_readable", "gauge",
         "1 when STORE/crawl.db could be read for these metrics, else 0.");
    sp_buf_printf(b, "signpost_store_readable %d\n", rc == SP_OK);
    long long now = (long long)time(NULL);
    for (size_t m = 0; rc == SP_OK && m < sizeof src_metrics / sizeof *src_metrics; m++) {
        help(b, src_metrics[m].name, src_metrics[m].type, src_metrics[m].help);
        for (size_t i = 0; i < n; i++) {
            bool present;
            long long v = row_value(&rows[i], m, now, &present);
            if (!present)
                continue;
            sp_buf_printf(b, "%s{source=\"", src_metrics[m].name);
            label(b, rows[i].name);
            sp_buf_printf(b, "\"} %lld\n", v);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(rows[i].name);
    free(rows);
    if (rc == SP_OK) {
        static const struct {
            const char *key, *name, *help;
        } idx_metrics[] = {
            {"index.last_run", "signpost_indexer_last_run_timestamp_seconds",
             "When the indexer last ran over the store (Unix time)."},
            {"index.documents", "signpost_indexer_documents",
             "Documents in the index after the indexer's last run."},
            {"index.records_last_run", "signpost_indexer_records_last_run",
             "Records the indexer's last run added or changed."},
            {"index.linkage_seconds", "signpost_indexer_linkage_seconds",
             "How long the last duplicate linkage over the whole index took."},
        };
        for (size_t i = 0; i < sizeof idx_metrics / sizeof *idx_metrics; i++) {
            char *v = meta(db, idx_metrics[i].key);
            char *end = NULL;
            if (v)
                (void)strtod(v, &end);
            if (v && end != v && !*end) { /* a number, never text into the output */
                help(b, idx_metrics[i].name, "gauge", idx_metrics[i].help);
                sp_buf_printf(b, "%s %s\n", idx_metrics[i].name, v);
            }
            free(v);
        }
    }
    sqlite3_close(db);
}
