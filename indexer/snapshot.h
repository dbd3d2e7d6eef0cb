/*
 * snapshot.h - what searchd reads from the store, carried inside the index
 * so that a replica of the index (xapian-replicate, docs/scale-out.md) needs
 * nothing else.
 *
 * After each indexing pass the writer copies the store tables searchd reads
 * (the hub's linkage and decisions, source health, the ingest bookkeeping's
 * deletions) into a SQLite database, compresses it and stores it as index
 * metadata with a revision number and the time, in one Xapian commit: a
 * base (the whole image) and after it deltas (the rows changed since,
 * from the store's change log), so a publish costs what changed.  Xapian
 * replicates metadata with the documents, a changeset at a time, so a
 * replica that sees a revision sees its snapshot too.  A searchd
 * without STORE/crawl.db writes the snapshot out as SNAPDIR/crawl.db and
 * reads that as it would read a store (searchd/replica.c).
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "idx.h"
#include "sp.h"

#define SNAP_KEY "signpost.store"          /* the base, a full image of the
                                               store's tables: "3 RAWSIZE
                                               NCHUNKS DIGEST SEQ LOG", the
                                               image as BASE64(zlib(image))
                                               cut in NCHUNKS pieces, keys
                                               "signpost.store.1" ..., DIGEST
                                               (BLAKE2b of the text) checked
                                               on reading, SEQ its point in
                                               the store's change log LOG;
                                               older indexes: "2 RAWSIZE
                                               NCHUNKS DIGEST" (no deltas),
                                               "1 RAWSIZE BASE64" whole */
#define SNAP_DELTAS_KEY "signpost.store.deltas" /* "K SEQ RAWTOTAL SMALL": K
                                               deltas after the base, the
                                               last change published, their
                                               images' total size, the
                                               digest of the small tables */
#define SNAP_DELTA_KEY "signpost.store.delta" /* delta I: key ".I" "RAWSIZE
                                               NCHUNKS DIGEST FROM TO", its
                                               pieces ".I.1" ...: the rows
                                               under the keys changed after
                                               change FROM up to TO */
#define SNAP_CHUNK_BYTES (8u << 20)          /* a piece: Xapian refuses a
                                               metadata tag over ~130 MB
                                               ("insanely large tags"), and
                                               the image at 1M services is
                                               larger */
#define SNAP_MAX_DELTAS 32                  /* then one delta of every
                                               change since the base */
#define SNAP_DELTA_FLOOR (1 << 20)          /* deltas may total this many
                                               bytes (raw) or an eighth of
                                               the base, whichever is more;
                                               then a new base */
#define SNAP_REVISION_KEY "signpost.revision" /* decimal, +1 per publish */
#define SNAP_TIME_KEY "signpost.published"  /* epoch milliseconds */
#define SNAP_FORM_KEY "signpost.form_key"   /* 32 random bytes, hex: the key of
                                               the report form's tokens, so a
                                               form from one node is taken by
                                               another (the writer, replicas) */
#define SNAP_FORM_KEY_LEN 32

/* Publish store_dir's snapshot into ix (open for writing, no batch open)
 * and commit: a delta of the rows changed since the last publish, or a
 * new base when the index holds none (or an older form), when the store's
 * change log cannot say what changed since, or when the deltas would grow
 * past their size bound (past SNAP_MAX_DELTAS they are folded into one
 * while that stays within it); after a base the store's log is pruned up
 * to it.  Skipped (SP_OK, nothing committed) when nothing
 * changed since the last publish and changed is false; changed says the
 * pass committed records, so the revision moves even when the store
 * tables did not.  A store with no crawl.db publishes an empty snapshot. */
int snap_publish(idx *ix, const char *store_dir, bool changed, sp_err *err);

/* The bounds snap_publish uses, for the tests (which cut a small image in
 * many pieces and publish a base sooner or later) and the benchmarks. */
typedef struct snap_tuning {
    size_t chunk;        /* SNAP_CHUNK_BYTES */
    int max_deltas;      /* SNAP_MAX_DELTAS */
    int64_t delta_floor; /* SNAP_DELTA_FLOOR */
    int base_level;      /* zlib level of a base: 1 */
} snap_tuning;
/* What a publish did. */
typedef struct snap_published {
    bool base, delta;    /* published a base, a delta (neither: nothing new) */
    int64_t raw, text;   /* the image's size, and as published (base64) */
    int64_t changes;     /* a delta: the changes it carries */
    double build_s, total_s; /* building the image; the whole publish */
} snap_published;
int snap_publish_tuned(idx *ix, const char *store_dir, bool changed, const snap_tuning *t,
                       snap_published *out, sp_err *err);

/* The form key ix holds (SNAP_FORM_KEY, made by the first snap_publish);
 * false when it holds none. */
bool snap_form_key(idx *ix, unsigned char out[SNAP_FORM_KEY_LEN]);

/* The revision and publish time (epoch ms) ix was opened at; 0 and 0 for an
 * index never published. */
void snap_revision(idx *ix, long long *revision, long long *published_ms);

/* Write the snapshot ix holds to path (a temporary file renamed into
 * place): its base, then its deltas applied in order.  SP_ENOTFOUND when
 * ix holds none; SP_EINVAL, saying which, when a piece is missing or does
 * not match its digest, or the deltas do not follow on. */
int snap_write(idx *ix, const char *path, sp_err *err);

/* What a written-out snapshot holds: the base's header and how many of the
 * deltas after it, with the last one's header. */
typedef struct snap_mark {
    char base[256], last[256];
    long long deltas;
} snap_mark;
/* snap_write starting from prev, a file it wrote before holding *prev_mark:
 * when ix holds the same base and those deltas still, a copy of prev with
 * only the deltas after them applied (a replica's next revision), else as
 * snap_write.  prev NULL: as snap_write.  *mark gets what path holds. */
int snap_write_from(idx *ix, const char *path, const char *prev, const snap_mark *prev_mark,
                    snap_mark *mark, sp_err *err);

#endif
