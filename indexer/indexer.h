/*
 * indexer.h - import local documents (feeds, API dumps, Signpost exports)
 * into an index: read bytes, run the feeds/ readers (feed_read), enrich each
 * record (enrich.h) and upsert it (idx.h), one transaction per document so a
 * document lands whole or not at all.  `signpost index --store DIR FILE...`
 * is built on this; the crawler's store is indexed by ingest.h, which runs
 * the same read -> enrich -> put steps over stored documents.
 *
 * A document no reader can read is reported (stderr, with its path) and
 * skipped; the others are still indexed.  Only a failure of the index
 * itself (I/O, lock, out of memory) stops an import.
 *
 * Ownership: an indexer owns its idx handle and, when it loaded it, its
 * vocab.  One thread at a time.
 */
#ifndef INDEXER_H
#define INDEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "feed.h"
#include "idx.h"
#include "sp.h"
#include "vocab.h"

/* Bounds on what an import walks. */
#define INDEXER_MAX_DEPTH 16      /* directory nesting */
#define INDEXER_MAX_FILES 100000  /* files per import */
#define INDEXER_BATCH 1000        /* records per commit inside a document */

typedef struct indexer_stats {
    size_t files;          /* documents read (files, or store documents) */
    size_t files_failed;   /* documents skipped: unreadable or unparseable */
    size_t records;        /* records indexed */
    size_t records_failed; /* records skipped (no id, enrichment failed) */
} indexer_stats;

typedef struct indexer indexer;

/* Open (creating) the index in index_dir for writing.  v is the reference
 * data for enrichment; NULL loads it from sp_data_dir() (owned by the
 * indexer).  quiet: don't report skipped documents on stderr. */
int indexer_open(const char *index_dir, const vocab *v, bool quiet,
                 indexer **out, sp_err *err);
void indexer_close(indexer *ix);
/* The index being written (owned by the indexer). */
idx *indexer_idx(indexer *ix);

/* Index one document.  url names it (a URL or a path; records get it as
 * prov.source_url and ids are derived from it); content_type may be NULL;
 * fetch (may be NULL) reads the other files of an HSDS data package.
 * Returns SP_OK, a reader's error (the document was skipped and counted in
 * st->files_failed) or an index error (nothing of the document was
 * committed).  indexer_fatal() tells the two apart. */
int indexer_add_document(indexer *ix, const char *body, size_t len,
                         const char *url, const char *content_type,
                         feed_fetch_fn fetch, void *fetch_ctx,
                         indexer_stats *st, sp_err *err);
/* Did the last failure come from the index itself (stop importing)? */
bool indexer_fatal(const indexer *ix);

/* Import one file, or every *.json / *.ndjson file under a directory
 * (sorted, recursively).  A data package (datapackage.json) reads its CSV
 * resources from beside it.  Returns SP_OK unless the index failed;
 * per-file failures are counted in st. */
int indexer_import_path(indexer *ix, const char *path, indexer_stats *st,
                        sp_err *err);

#endif
