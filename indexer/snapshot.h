/*
 * snapshot.h - what searchd reads from the store, carried inside the index
 * so that a replica of the index (xapian-replicate, docs/scale-out.md) needs
 * nothing else.
 *
 * After each indexing pass the writer copies the store tables searchd reads
 * (the hub's linkage and decisions, source health, the ingest bookkeeping's
 * deletions) into a small SQLite database, compresses it and stores it as
 * index metadata with a revision number and the time, in one Xapian
 * commit.  Xapian replicates metadata with the documents, a changeset at a
 * time, so a replica that sees a revision sees its snapshot too.  A searchd
 * without STORE/crawl.db writes the snapshot out as SNAPDIR/crawl.db and
 * reads that as it would read a store (searchd/replica.c).
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "idx.h"
#include "sp.h"

#define SNAP_KEY "signpost.store"          /* "2 RAWSIZE NCHUNKS DIGEST": the
                                               image as BASE64(zlib(image)) cut
                                               in NCHUNKS pieces, keys
                                               "signpost.store.1" ...; an older
                                               index: "1 RAWSIZE BASE64" whole */
#define SNAP_CHUNK_BYTES (8u << 20)          /* a piece: Xapian refuses a
                                               metadata tag over ~130 MB
                                               ("insanely large tags"), and
                                               the image at 1M services is
                                               larger */
#define SNAP_REVISION_KEY "signpost.revision" /* decimal, +1 per publish */
#define SNAP_TIME_KEY "signpost.published"  /* epoch milliseconds */
#define SNAP_FORM_KEY "signpost.form_key"   /* 32 random bytes, hex: the key of
                                               the report form's tokens, so a
                                               form from one node is taken by
                                               another (the writer, replicas) */
#define SNAP_FORM_KEY_LEN 32

/* Publish store_dir's snapshot into ix (open for writing, no batch open)
 * and commit.  Skipped (SP_OK, nothing committed) when the snapshot is the
 * one already there and changed is false; changed says the pass committed
 * records, so the revision moves even when the store tables did not.  A
 * store with no crawl.db publishes an empty snapshot. */
int snap_publish(idx *ix, const char *store_dir, bool changed, sp_err *err);
/* snap_publish with pieces of at most chunk bytes (SNAP_CHUNK_BYTES): for
 * the tests, which cut a small image into many. */
int snap_publish_chunked(idx *ix, const char *store_dir, bool changed, size_t chunk,
                         sp_err *err);

/* The form key ix holds (SNAP_FORM_KEY, made by the first snap_publish);
 * false when it holds none. */
bool snap_form_key(idx *ix, unsigned char out[SNAP_FORM_KEY_LEN]);

/* The revision and publish time (epoch ms) ix was opened at; 0 and 0 for an
 * index never published. */
void snap_revision(idx *ix, long long *revision, long long *published_ms);

/* Write the snapshot ix holds to path (a temporary file renamed into
 * place).  SP_ENOTFOUND when ix holds none. */
int snap_write(idx *ix, const char *path, sp_err *err);

#endif
