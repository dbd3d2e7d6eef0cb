/*
 * ingest.h - the store -> index pipeline: reads the documents the crawler
 * stored since the last run (a cursor in the store), runs the feeds/
 * readers over them, enriches the records and upserts them into the Xapian
 * index, keeping each record's provenance (source, URLs, first seen, last
 * seen, last changed).
 *
 * Which records are gone: every record remembers the URLs it was read from.
 * When a URL's new document no longer lists a record, or the crawler marks
 * the URL gone, the record loses that URL; a record with no URL left is
 * deleted from the index (and kept in the store as gone).  A source that is
 * failing keeps its records until it has failed for longer than
 * ingest_opts.drop_after (default 14 days).  Because a 304 stores no new
 * document, unchanged pages cost nothing here.
 *
 * The bookkeeping lives in the store's database in tables of the indexer's
 * own (ingest_records, ingest_urls; docs/index.md), and the index is derived
 * data: `ingest_rebuild` replays every document into a fresh index.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "sp.h"
#include "vocab.h"

typedef struct ingest_opts {
    const char *store_dir;  /* STORE: crawl.db and index/ inside */
    const vocab *vocab;
    int64_t drop_after;     /* seconds a failing source keeps its records; 0: 14 days */
    size_t batch;           /* documents per index commit; 0: 200 */
    int64_t now;            /* 0: the clock (tests pass a fixed time) */
    bool relink;            /* link duplicates over the whole index, not
                             * only the records this run changed */
    unsigned jobs;          /* ingest_rebuild: threads building the new index
                             * (idx_bulk_begin); 0: one per core */
} ingest_opts;

typedef struct ingest_stats {
    size_t documents;       /* documents read */
    size_t failed;          /* documents no reader could read */
    size_t records;         /* records upserted */
    size_t unchanged;       /* records whose content had not changed */
    size_t gone;            /* records deleted from the index */
    int64_t cursor;         /* the store cursor after the run */
} ingest_stats;

/* Index every document stored since the last run.  SP_OK even when some
 * documents could not be read (counted in failed, logged to stderr). */
int ingest_run(const ingest_opts *o, ingest_stats *st, sp_err *err);

/* Forget the cursor and bookkeeping and index every document again, into
 * a new index built on o->jobs threads that replaces the old one at the
 * end (idx_bulk_begin); until then searches see the old index. */
int ingest_rebuild(const ingest_opts *o, ingest_stats *st, sp_err *err);

#endif
