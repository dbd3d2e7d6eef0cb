/*
 * dedupe_impl.h - what the parts of the record linkage share, inside the
 * indexer only (the public interface is dedupe.h):
 *
 *   dedupe_feat.c   normalisation, a record's features, the set, and the
 *                   features as bytes (the linkage's cache, hub_features);
 *   dedupe_score.c  scoring a pair, with the weights in one table;
 *   dedupe_link.c   blocking and clustering, and what the incremental
 *                   run shares with a whole one;
 *   dedupe_incr.c   an incremental run over the kept blocks (hub_keys);
 *   dedupe_store.c  the hub tables in STORE/crawl.db and dedupe_run().
 */
#ifndef DEDUPE_IMPL_H
#define DEDUPE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dedupe.h"
#include "sp.h"
#include "store.h"

#define DEDUPE_PRIOR (-6.0)
#define DD_ROWS (DEDUPE_MINHASH / DEDUPE_BANDS)

uint64_t dd_mix(uint64_t x);
int dd_cmp_u64(const void *a, const void *b);

/* A set of hashed keys, sorted and unique. */
typedef struct hset {
    uint64_t *v;
    uint16_t n;
} hset;

int dd_hset_from(hset *h, uint64_t *tmp, size_t n);
size_t dd_hset_common(const hset *a, const hset *b);

/* One record's features (owned strings and sets). */
typedef struct feat {
    char *id, *source, *name, *org, *url, *email, *name_key, *display_name;
    char *boroughs, *subregions, *groups, *categories, *modes, *funders, *postcode,
        *schedule, *status, *last_modified, *cluster_id, *url_raw, *source_url;
    hset name_tok, org_tok, disc, phones, postcodes, idents, bor, cat;
    uint64_t sched;
    uint32_t sig[DEDUPE_MINHASH];
    bool has_desc, pan_london;
    double lat, lon, min_age, max_age;
    int64_t first_seen, last_seen, last_changed;
} feat;

struct dedupe_set {
    feat *f;
    size_t n, cap;
};

void dd_feat_free(feat *f);

/* The features of record f as bytes: what a later run needs to block and
 * compare it, not its display fields (dedupe_set_facts gives NULLs for a
 * record added from these bytes); caller frees *out. */
int dd_feat_encode(const feat *f, unsigned char **out, size_t *len);
/* Append the record encoded in p[0..len) to s; SP_EINVAL when the bytes are
 * not an encoding of this version (the cache is then rebuilt). */
int dd_set_add_encoded(dedupe_set *s, const unsigned char *p, size_t len, sp_err *err);

/* The records of s in id order (indexes; caller frees). */
uint32_t *dd_sort_by_id(const dedupe_set *s);

/* A blocking key of one record (dedupe_link.c). */
typedef struct dd_bkey {
    uint64_t key;
    uint32_t sub;  /* order inside a block: the name's hash, so a window over
                    * a big block compares records with like names */
    uint32_t rank; /* then the record's place in id order */
    uint32_t rec;
} dd_bkey;
/* qsort order of blocking keys: key, then sub, then rank. */
int dd_cmp_bkey(const void *x, const void *y);
/* Sort v[0..n) in dd_cmp_bkey order (a radix sort on the key for big n). */
void dd_sort_bkeys(dd_bkey *v, size_t n);

/* Key kinds: URL, e-mail, phone, name x postcode, name, identifier, then
 * one per LSH band.  A record has at most DD_MAX_KEYS keys of a kind. */
#define DD_N_KINDS (6 + DEDUPE_BANDS)
#define DD_MAX_KEYS 32
/* The keys of one kind of record f (salted by kind, so kinds never share
 * a block); returns how many (at most max). */
size_t dd_keys_of(const feat *f, int kind, uint64_t *out, size_t max);
/* A weak kind's big blocks are skipped, a strong kind's walked as a
 * window (dedupe.h). */
bool dd_kind_weak(int kind);
/* The order of f inside its blocks (dd_bkey.sub). */
uint32_t dd_name_hash(const feat *f);
/* Whether a block of len records of a weak or strong kind gives pairs;
 * in one that does, with its records in dd_cmp_bkey order, the one at
 * place x is paired with those at x + 1 .. dd_block_end(len, x) - 1. */
bool dd_block_walked(size_t len, bool weak);
size_t dd_block_end(size_t len, size_t x);

/* Score records a and b of s; brief: without evidence text. */
void dd_compare(const dedupe_set *s, size_t a, size_t b, dedupe_score *sc, bool brief);

/* Called with each kind's keys of a whole run, sorted (dd_cmp_bkey). */
typedef int (*dd_keys_fn)(void *ctx, const dd_bkey *keys, size_t n, sp_err *err);

/* dedupe_link_all, telling on_keys (may be NULL) the blocking keys. */
int dd_link(const dedupe_set *s, const dedupe_decision *d, size_t n_d, dd_keys_fn on_keys,
            void *ctx, dedupe_result *out, sp_err *err);

/* Cluster n records (id[i]; by_id: their indexes in id order) from the
 * matches m (record indexes and scores) under the decisions (ids not
 * among the records are ignored): fills out's root, cluster_id (pointers
 * into id), links, refused, clusters and clustered, as a whole run would
 * for these records. */
int dd_cluster(const char *const *id, const uint32_t *by_id, size_t n, const dedupe_link *m,
               size_t n_m, const dedupe_decision *d, size_t n_d, dedupe_result *out,
               sp_err *err);

/* Writing a run's results (dedupe_store.c).  The cluster ids now[i] of
 * the records id[i] into the index where they differ from old[i] (one
 * commit; *changed: how many). */
int dd_write_clusters(idx *ix, size_t n, const char *const *id, const char *const *old,
                      const char *const *now, size_t *changed, sp_err *err);
/* Record i of s's hub_records and hub_features rows. */
int dd_put_record(store *db, const dedupe_set *s, size_t i, const char *cluster, sp_err *err);
int dd_put_features(store *db, const dedupe_set *s, size_t i, const char *cluster, sp_err *err);
/* Record f's hub_keys rows, written (put) or deleted. */
int dd_keys_save(store *db, const feat *f, bool put, sp_err *err);
/* The hub_links row of records a and b of s, with its evidence. */
int dd_put_link(store *db, const dedupe_set *s, size_t a, size_t b, double score, bool decided,
                const char *cluster, sp_err *err);

/* An incremental run (dedupe_incr.c) over the store db and the index ix:
 * links the records noted up to pending_max again over the kept blocks,
 * writes the cluster ids that changed into the index and the hub tables'
 * changes into db (inside the caller's batch, begun by dd_incr before
 * returning SP_OK: the caller sets its meta rows and commits).
 * SP_EAGAIN when the kept state cannot be trusted (then the run is a
 * whole one).  Fills st. */
int dd_incr(store *db, idx *ix, int64_t pending_max, const dedupe_decision *d, size_t n_d,
            dedupe_stats *st, sp_err *err);

#endif
