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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed.h"
#include "sd_int.h"
#include "store.h"

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

typedef struct src_rows {
    src_row *v;
    size_t n;
} src_rows;

/* A gauge: its name and help, and for the indexer's (idx_metrics) the
 * store_meta key it reads. */
typedef struct gauge {
    const char *name, *help, *key;
} gauge;

/* By source, in row_value's order. */
static const gauge src_metrics[] = {
    {"signpost_crawl_source_fetches",
     "Fetches in the store's fetch log (the crawler keeps a window of it), by source.", NULL},
    {"signpost_crawl_source_not_modified",
     "Fetches answered 304 Not Modified in the fetch log, by source.", NULL},
    {"signpost_crawl_source_errors",
     "Fetches that failed (network error or HTTP status 400 or more) in the fetch log, by "
     "source.", NULL},
    {"signpost_crawl_source_failing",
     "1 when the source's entry URLs failed on its last pass, else 0.", NULL},
    {"signpost_crawl_source_last_success_age_seconds",
     "Seconds since the source's last successful pass (absent: never).", NULL},
    {"signpost_crawl_source_records", "Records the indexer took from the source.", NULL},
};

/* The indexer's figures, kept in the store's meta table. */
static const gauge idx_metrics[] = {
    {"signpost_indexer_last_run_timestamp_seconds",
     "When the indexer last ran over the store (Unix time).", "index.last_run"},
    {"signpost_indexer_documents",
     "Documents in the index after the indexer's last run.", "index.documents"},
    {"signpost_indexer_records_last_run",
     "Records the indexer's last run added or changed.", "index.records_last_run"},
    {"signpost_indexer_linkage_seconds",
     "How long the last duplicate linkage over the whole index took.", "index.linkage_seconds"},
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

static int add_row(void *ctx, const store_source_metrics *m)
{
    src_rows *rows = ctx;
    src_row *r = feed_push(&rows->v, &rows->n, sizeof *rows->v, SIZE_MAX);
    if (!r)
        return 1; /* the rows read so far are reported */
    *r = (src_row){sp_strdup(m->name), m->fetches, m->not_modified, m->errors, m->records,
                   m->last_success, m->failing};
    return 0;
}

void sd_store_metrics(const char *index_dir, sp_buf *b)
{
    /* index_dir is STORE/index: the store is its parent. */
    char *dir = sp_printf("%s/..", index_dir);
    store *db = NULL;
    src_rows rows = {0};
    sp_err err = {0};
    int rc = dir ? store_open_read(dir, STORE_BUSY_MS, &db, &err) : SP_ENOMEM;
    free(dir);
    if (rc == SP_OK)
        rc = store_source_metrics_each(db, add_row, &rows, &err);
    src_row *row = rows.v;
    size_t n = rows.n;
    help(b, "signpost_store_readable", "gauge",
         "1 when STORE/crawl.db could be read for these metrics, else 0.");
    sp_buf_printf(b, "signpost_store_readable %d\n", rc == SP_OK);
    long long now = (long long)time(NULL);
    for (size_t m = 0; rc == SP_OK && m < sizeof src_metrics / sizeof *src_metrics; m++) {
        help(b, src_metrics[m].name, "gauge", src_metrics[m].help);
        for (size_t i = 0; i < n; i++) {
            bool present;
            long long v = row_value(&row[i], m, now, &present);
            if (!present)
                continue;
            sp_buf_printf(b, "%s{source=\"", src_metrics[m].name);
            label(b, row[i].name);
            sp_buf_printf(b, "\"} %lld\n", v);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(row[i].name);
    free(row);
    if (rc == SP_OK) {
        for (size_t i = 0; i < sizeof idx_metrics / sizeof *idx_metrics; i++) {
            char *v = NULL;
            store_meta_get(db, idx_metrics[i].key, &v, &err);
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
    store_close(db);
}
