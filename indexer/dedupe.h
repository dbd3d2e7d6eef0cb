/*
 * dedupe.h - duplicate records: the same service reached through several
 * sources (a provider's site, a council directory, an ORUK feed).
 *
 * Record linkage in four steps, each explainable:
 *   1. features: every record is reduced to normalised keys (names with
 *      "&"/"and", "Ltd", "The" and common abbreviations folded; URLs without
 *      scheme and "www."; phones as national digits; postcodes without
 *      spaces; e-mails; organisation identifiers such as charity, company
 *      and UKPRN numbers) and a MinHash signature of its description;
 *   2. blocking: records sharing a key (URL, e-mail, phone, identifier,
 *      normalised name, name + postcode, or a MinHash LSH band) become
 *      candidate pairs; a block larger than DEDUPE_BLOCK_MAX is walked as a
 *      sorted neighbourhood (each record against its next DEDUPE_WINDOW), so
 *      the number of comparisons stays linear in the number of records;
 *   3. scoring: each candidate pair gets a score in log-odds points, the sum
 *      of its evidence (which fields agreed or disagreed, and by how much);
 *      a pair is a match when the score reaches DEDUPE_THRESHOLD;
 *   4. clustering: matches are merged by union-find, strongest first, under
 *      the hub users' decisions: a "same" pair is always merged, and no
 *      merge may put a "not the same" pair into one cluster.
 *
 * dedupe_run() does all of it over an index and keeps its state in the
 * store's database (tables hub_decisions, hub_links, hub_records; see
 * docs/hub.md): it writes rec.cluster_id into the index records whose
 * cluster changed, so search can fold a cluster (idx_query.collapse), and
 * the hub reports (hub.h) read hub_records.
 *
 * Ownership: a dedupe_set owns copies of everything it keeps; results
 * point into the set and live as long as it does.  One thread at a time.
 */
#ifndef DEDUPE_H
#define DEDUPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idx.h"
#include "rec.h"
#include "sp.h"
#include "vocab.h"

#define DEDUPE_MINHASH 24       /* MinHash values per description */
#define DEDUPE_BANDS 8          /* LSH bands (DEDUPE_MINHASH / rows) */
#define DEDUPE_BLOCK_MAX 32     /* records compared all-pairs in one block */
#define DEDUPE_WINDOW 8        /* neighbours compared in a larger block */
#define DEDUPE_THRESHOLD 1.0    /* score at which a pair is the same service */
#define DEDUPE_MAX_EVIDENCE 16  /* evidence items kept per pair */
#define DEDUPE_MAX_RECORDS 5000000 /* records one run links */

typedef struct dedupe_set dedupe_set;

/* One record's hub facts, as dedupe_run saves them (hub_records) and the
 * hub reports read them.  Strings are '\n'-joined slug lists. */
typedef struct dedupe_facts {
    const char *id, *cluster_id, *source, *source_url, *name, *org, *url;
    const char *boroughs, *subregions, *groups, *categories, *modes, *funders;
    const char *postcode, *schedule, *status, *last_modified;
    bool pan_london;
    double lat, lon; /* NAN when unknown */
    double min_age, max_age;
    int64_t first_seen, last_seen, last_changed;
    const uint32_t *sig; /* DEDUPE_MINHASH values */
} dedupe_facts;

/* An empty set; *out owned by the caller (dedupe_set_free). */
int dedupe_set_new(dedupe_set **out, sp_err *err);
void dedupe_set_free(dedupe_set *s);
/* Add a record's features (copied: r may be freed afterwards).  SP_ELIMIT
 * past DEDUPE_MAX_RECORDS. */
int dedupe_set_add(dedupe_set *s, const rec_service *r, sp_err *err);
/* Facts of record i (pointers into the set). */
void dedupe_set_facts(const dedupe_set *s, size_t i, dedupe_facts *out);

/* One piece of evidence about a pair: what agreed or disagreed, the detail
 * (the normalised values compared, or a similarity) and its weight. */
typedef struct dedupe_evidence {
    const char *what; /* "url", "name", "phone", "postcode", ... */
    char detail[96];
    double weight;
} dedupe_evidence;

typedef struct dedupe_score {
    double score;       /* sum of weights, from a prior of DEDUPE_PRIOR */
    double probability; /* logistic(score) in [0,1] */
    bool match;         /* score >= DEDUPE_THRESHOLD */
    dedupe_evidence ev[DEDUPE_MAX_EVIDENCE];
    size_t n_ev;
    bool brief;         /* internal: scored without evidence text */
} dedupe_score;

/* The scoring's every weight and cut-off by name (W in dedupe_score.c,
 * with "prior" and "threshold"), in log-odds points; docs/hub.md mirrors
 * them.  A static table of *n entries. */
typedef struct dedupe_weight {
    const char *name;
    const double *value;
} dedupe_weight;
const dedupe_weight *dedupe_weights(size_t *n);

/* Compare records a and b of the set. */
void dedupe_compare(const dedupe_set *s, size_t a, size_t b, dedupe_score *out);
/* {"score":..,"probability":..,"match":..,"evidence":[{what,detail,weight}]};
 * a new reference, NULL on allocation failure. */
json_t *dedupe_score_json(const dedupe_score *sc);

/* A hub user's decision about a pair of record ids. */
typedef enum dedupe_verdict {
    DEDUPE_NOT_SAME = -1,
    DEDUPE_SAME = 1
} dedupe_verdict;

typedef struct dedupe_decision {
    const char *a, *b;
    dedupe_verdict verdict;
} dedupe_decision;

/* A link kept in a cluster. */
typedef struct dedupe_link {
    uint32_t a, b;  /* record indexes, a < b */
    double score;
    bool decided;   /* forced by a "same" decision */
} dedupe_link;

typedef struct dedupe_result {
    uint32_t *root;        /* per record: its cluster's root record */
    const char **cluster_id; /* per record: the cluster id (the smallest
                              * member id), NULL when alone */
    dedupe_link *links;    /* links that merged clusters */
    size_t n_links;
    dedupe_link *matched;  /* every candidate pair scoring a match */
    size_t n_matched;
    size_t candidates;     /* distinct candidate pairs compared */
    size_t matches;        /* pairs scoring a match */
    size_t refused;        /* merges refused by "not the same" decisions */
    size_t clusters;       /* clusters of two or more records */
    size_t clustered;      /* records in such clusters */
} dedupe_result;

/* Block, score and cluster every record of s under the decisions (ids
 * unknown to s are ignored).  out is owned by the caller. */
int dedupe_link_all(const dedupe_set *s, const dedupe_decision *d, size_t n_d,
                    dedupe_result *out, sp_err *err);
void dedupe_result_free(dedupe_result *r);

/* ---- over a store ------------------------------------------------------ */

typedef struct dedupe_stats {
    size_t records, candidates, matches, clusters, clustered, changed, refused;
    /* candidates and matches: in an incremental run, the pairs of the
     * blocks walked and the matches of the records clustered again;
     * clusters and clustered: always the whole index's */
    size_t relinked;  /* records read from the index and blocked again:
                       * the noted ones, or all in a whole run */
    bool incremental; /* only noted records were linked again */
    bool skipped;     /* nothing had changed since the last run */
} dedupe_stats;

/* Link the records of the index ix (open for writing; no batch open) and
 * save the result in STORE/crawl.db; write cluster_id into the index
 * records whose cluster changed (one commit).
 *
 * Incremental by default: only the records noted (store_hub_note, which
 * every writer of the index calls inside its own batch, so the note and
 * the records land together) since the last run are read from the index;
 * only the blocks they are or were in are read (from the blocks the last
 * run kept) and compared; the clusters come out as a whole run would make
 * them (docs/hub.md).  A whole run when force (`signpost index
 * --relink`), when changed_hint says records were written without being
 * noted, or when the kept state is missing or does not add up to the
 * index.  Returns at once (st->skipped) when nothing was noted, the
 * document count and the decisions are as last time, and neither force
 * nor changed_hint. */
int dedupe_run(idx *ix, const char *store_dir, bool force, bool changed_hint,
               dedupe_stats *st, sp_err *err);

/* Record a decision in STORE/crawl.db (replacing an earlier one about the
 * same pair); verdict "same" or "not-same" (also "not the same").  by is
 * who decided (may be NULL).  It applies from the next dedupe_run. */
int dedupe_decide(const char *store_dir, const char *a, const char *b,
                  const char *verdict, const char *by, sp_err *err);
/* Parse "same" / "not-same" / "not_same" / "not the same"; 0 when neither. */
int dedupe_verdict_parse(const char *s);

#endif
