/*
 * dedupe_impl.h - what the parts of the record linkage share, inside the
 * indexer only (the public interface is dedupe.h):
 *
 *   dedupe_feat.c   normalisation, a record's features, the set, and the
 *                   features as bytes (the linkage's cache, hub_features);
 *   dedupe_score.c  scoring a pair, with the weights in one table;
 *   dedupe_link.c   blocking and clustering, whole or incremental;
 *   dedupe_store.c  the hub tables in STORE/crawl.db and dedupe_run().
 */
#ifndef DEDUPE_IMPL_H
#define DEDUPE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dedupe.h"
#include "sp.h"

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

/* The records of s in id order (indexes; caller frees), and the index of
 * id in s through it (-1 when absent). */
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
long dd_lookup(const dedupe_set *s, const uint32_t *sorted, const char *id);

/* Score records a and b of s; brief: without evidence text. */
void dd_compare(const dedupe_set *s, size_t a, size_t b, dedupe_score *sc, bool brief);

/* What an incremental run knows from the last one: changed[i] says record i
 * is new or changed since then; a pair of unchanged records is a match
 * exactly when it was one then (is_prev_match), so only pairs with a
 * changed record are scored.  Pairs are record indexes, a < b. */
typedef struct dd_prior {
    const uint32_t *sorted; /* the records of s in id order (dd_sort_by_id) */
    const dedupe_set *olds; /* the last run's features of the changed and
                             * removed records: the blocks they were in */
    const bool *changed;
    bool (*is_prev_match)(void *ctx, uint32_t a, uint32_t b);
    const bool *had_match; /* per record: in some match last time */
    void *ctx;
} dd_prior;

/* dedupe_link_all, reusing the last run's scores where prior says so
 * (NULL: score every candidate pair).  The result does not depend on the
 * order of the records in s. */
int dd_link(const dedupe_set *s, const dedupe_decision *d, size_t n_d, const dd_prior *prior,
            dedupe_result *out, sp_err *err);

#endif
