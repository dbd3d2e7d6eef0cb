/*
 * idx.h - Signpost's search index: records in, ranked and faceted results
 * out.  This is the schema of the index (which terms, prefixes and value
 * slots a record becomes) in both directions; it is built on the Xapian
 * binding in xap.h and is the only thing searchd and the indexer use.
 *
 * Thread safety: an idx handle is used by one thread at a time.  searchd
 * opens one read-only handle per worker thread.  One writer at a time per
 * index directory (Xapian's lock enforces it).
 */
#ifndef IDX_H
#define IDX_H

#include <stdbool.h>
#include <stddef.h>

#include "rec.h"
#include "sp.h"
#include "vocab.h"

/* The facet fields, in API order.  Slugs come from data/ (vocab.h).
 *
 * The first eight describe the service: a filter keeps services with any
 * of its values.  The last four describe a person, and keep the services
 * that do not exclude them (built at index time from the record's age
 * range, and with elig_evaluate over its rules, which needs the writer's
 * idx_set_vocab):
 *   benefits  benefit slugs the person claims, all of them at once, or
 *             "none"; a facet value counts the services open to someone
 *             on that benefit alone
 *   status    employment status slugs (any of them)
 *   months_unemployed  one whole number of months out of work, as
 *             decimal text ("8"); facet values are IDX_MONTHS_STEPS
 *             ("0", "3", "6", "12", "24"), each counting the services
 *             open to someone out of work that long
 *   age       one age in whole years, as decimal text ("52"), between the
 *             record's minimum and maximum age (inclusive; a record with
 *             none admits every age); facet values are IDX_AGE_STEPS */
typedef enum idx_field {
    IDX_F_BOROUGH,
    IDX_F_SUBREGION,
    IDX_F_GROUP,
    IDX_F_CATEGORY,
    IDX_F_MODE,
    IDX_F_COST,
    IDX_F_REFERRAL,
    IDX_F_LANGUAGE,
    IDX_F_BENEFITS,
    IDX_F_STATUS,
    IDX_F_MONTHS,
    IDX_F_AGE,
    IDX_F__COUNT
} idx_field;

/* The facet values of months_unemployed, ascending. */
#define IDX_MONTHS_STEPS {0, 3, 6, 12, 24}
#define IDX_MAX_MONTHS 600 /* the largest months_unemployed filter */
/* The facet values of age, ascending: school leavers, adults, the end of
 * youth programmes, 50-plus, pension age. */
#define IDX_AGE_STEPS {16, 18, 25, 50, 66}
#define IDX_MAX_AGE 150 /* the largest age filter */

/* True for months_unemployed and age: one whole number, as decimal text,
 * whose facet values are steps in ascending order. */
bool idx_field_is_number(idx_field f);

/* True for benefits, status, months_unemployed and age: fields of the person,
 * not of the service (a record's tags never hold them). */
bool idx_field_is_person(idx_field f);

/* "borough", "subregion", ... as used in the API; NULL if out of range. */
const char *idx_field_name(idx_field f);
/* -1 if unknown. */
int idx_field_from_name(const char *name);

typedef enum idx_sort {
    IDX_SORT_RELEVANCE, /* with near: relevance with a distance decay */
    IDX_SORT_DISTANCE,
    IDX_SORT_UPDATED
} idx_sort;

typedef struct idx idx;

/* Open an index directory; write mode creates it.  *out owned by caller. */
int idx_open_write(const char *dir, idx **out, sp_err *err);
int idx_open_read(const char *dir, idx **out, sp_err *err);
/* Pick up the writer's latest commit.  Returns 1 if the index changed,
 * 0 if not, negative on error. */
int idx_reopen(idx *ix, sp_err *err);
void idx_close(idx *ix);
/* The schema's version: a change to the terms or value slots a record
 * becomes bumps it.  An index of an older version answers wrongly until
 * it is rebuilt from the store (ingest_run does that by itself). */
#define IDX_SCHEMA_VERSION 8 /* 3: opening hours (hours.h); 4: brief hit data;
                               * 5: brief hits carry what a portal result shows;
                               * 6: the brief fields in a value slot as well;
                               * 7: whole open hours as one term (XHH);
                               * 8: word-pair terms (XP, xap.h) */
/* The version the index was built for: IDX_SCHEMA_VERSION for an index
 * created by this code, 1 for one from before versions were recorded. */
int idx_schema_version(idx *ix);
/* Writers, after putting every record again: the index now follows
 * IDX_SCHEMA_VERSION (stored with the next commit). */
int idx_mark_schema(idx *ix, sp_err *err);
/* Index metadata (key -> text), committed with the next commit: what
 * travels with the index to its replicas (indexer/snapshot.h).  get sets
 * *value to NULL when the key is unset; the caller frees it. */
int idx_meta_get(idx *ix, const char *key, char **value, sp_err *err);
int idx_meta_set(idx *ix, const char *key, const char *value, sp_err *err);

/* Optional, for writers: index the plain-English labels of a record's
 * categories, groups, boroughs and languages from v ("People aged 50 and
 * over", "Bengali") instead of their slugs read as words.  v must outlive
 * ix; NULL goes back to slugs. */
void idx_set_vocab(idx *ix, const vocab *v);

/* Writes.  Between idx_begin and idx_commit all puts and deletes are one
 * atomic batch; without idx_begin each call commits on its own. */
int idx_begin(idx *ix, sp_err *err);
int idx_commit(idx *ix, sp_err *err);
int idx_cancel(idx *ix, sp_err *err);
int idx_put(idx *ix, const rec_service *r, sp_err *err); /* upsert by id */
int idx_delete(idx *ix, const char *id, sp_err *err);    /* SP_ENOTFOUND ok */

/* Bulk rebuilds on several cores (idx_bulk.c; docs/index.md, "Rebuilding
 * on several cores").  After idx_bulk_begin on a writer, idx_put and
 * idx_delete hand the records to `workers` threads (0: one per core) that
 * build them into shard databases beside the index (DIR.build/), and
 * idx_bulk_finish merges the shards with Xapian's compaction into a new
 * index that replaces DIR: a record not put since begin is gone.  The
 * documents get the docids one writer putting the same records in the same
 * order would give them, so the rebuilt index answers exactly as a
 * sequential build.  Until finish, readers (and idx_get, idx_each,
 * idx_count, idx_search on ix) see the old index; idx_begin and idx_commit
 * only report a worker's failure; idx_cancel or idx_close without finish
 * abandon the build and keep the old index.  Dictionaries and metadata
 * (idx_meta_set, idx_mark_schema) carry over to the new index. */
int idx_bulk_begin(idx *ix, unsigned workers, sp_err *err);
int idx_bulk_finish(idx *ix, sp_err *err);

/* The stored record for id (SP_ENOTFOUND when absent). *out is initialised
 * by the call and freed by the caller with rec_service_free. */
int idx_get(idx *ix, const char *id, rec_service *out, sp_err *err);
/* Number of documents. */
size_t idx_count(idx *ix);
/* Calls fn with every stored record (in index order; the record is the
 * call's, freed after it returns).  A nonzero return from fn stops the
 * walk and is returned; a record that does not parse is an error. */
typedef int (*idx_each_fn)(const rec_service *r, void *ctx);
int idx_each(idx *ix, idx_each_fn fn, void *ctx, sp_err *err);

typedef struct idx_query {
    const char *q; /* free text, may be NULL or "" (browse) */
    /* Filters: OR within a field, AND across fields. */
    const char *const *filters[IDX_F__COUNT];
    size_t n_filters[IDX_F__COUNT];
    bool has_near;
    double near_lat, near_lon;
    double radius_km; /* <= 0: no radius limit */
    idx_sort sort;
    size_t offset, limit;
    bool facets;       /* compute facets */
    bool exact_facets; /* count over every match, not a sample */
    bool collapse;     /* fold duplicate clusters (rec.cluster_id) */
    const char *cluster; /* only the records of this duplicate cluster
                          * (rec.cluster_id); NULL: any.  Borrowed. */
    /* Category slugs the query names (understand.h): services of them
     * rank higher, and match a relaxed search by that alone. */
    const char *const *boost;
    size_t n_boost;
    /* When every word together finds fewer than IDX_RELAX_BELOW services,
     * search again for the services that match the most words (relaxed
     * in the result).  Off by default. */
    bool relax;
    /* With relax: when even that finds nothing, the filters and boosts
     * without the words (for filters that came from the words). */
    bool relax_to_filters;
    /* Opening hours (hours.h, hours_query_terms): only services with one
     * of these terms; n_hours 0: any.  Borrowed. */
    const char *const *hours;
    size_t n_hours;
    /* A result list: each hit's record holds only id, name,
     * organization.name and .website, url, description (or, without one,
     * eligibility_description), boroughs, groups and categories (slugs, no
     * evidence), the first phone, status, cluster_id, last_modified and
     * prov's first_seen, last_seen and last_changed; read from a compact
     * copy instead of parsing the whole stored record.  An index of schema
     * 5 (idx_schema_version) adds what a result in the portal shows:
     * minimum_age, maximum_age, modes, pan_london, email (the
     * organisation's when the service has none), the one location
     * idx_rec_location picks (its name, first address and coordinates),
     * the first IDX_BRIEF_SCHEDULES schedules idx_rec_schedules picks (as
     * the service's own), and idx_rec_phone's number (as the
     * organisation's when it is not the service's first).  Off by
     * default. */
    bool brief;
    /* Optional: sets of terms (opening hours' terms, hours.h), each
     * counted within the matches: idx_result.set_counts[i] is how many
     * matches (services, folded with collapse) also have one of set i's
     * terms, without another search.  Counted from the facet table a
     * faceted search on the same handle and revision built; when there is
     * none (or on a writer) n_set_counts is 0.  At most
     * IDX_MAX_COUNT_SETS.  Borrowed. */
    const struct idx_term_set *count_sets;
    size_t n_count_sets;
} idx_query;

typedef struct idx_term_set {
    const char *const *terms;
    size_t n;
} idx_term_set;
#define IDX_MAX_COUNT_SETS 16

#define IDX_RELAX_BELOW 3

void idx_query_init(idx_query *q); /* limit 10, facets exact */

/* Ranking with a postcode (near) by relevance: the weight times
 * 1 / (1 + km / IDX_DECAY_KM), over the best IDX_DECAY_TOP matches; a
 * service without a location counts as IDX_DECAY_UNKNOWN_KM away. */
#define IDX_DECAY_KM 5.0 /* tuned on tests/search */
#define IDX_DECAY_TOP 200
#define IDX_DECAY_UNKNOWN_KM 6.0

typedef struct idx_hit {
    rec_service rec;    /* the stored record */
    double score;       /* relevance weight, 0 when browsing */
    double distance_km; /* < 0 when there is no `near` */
    char *snippet;      /* HTML-escaped text with <mark>…</mark> */
    size_t collapsed;   /* other records folded into this one */
} idx_hit;

typedef struct idx_facet_value {
    char *value;    /* slug */
    size_t count;   /* matches if this value were the field's only filter */
    bool selected;  /* in the query's filters */
} idx_facet_value;

typedef struct idx_facet {
    idx_facet_value *v; /* sorted by count desc, then slug */
    size_t n;
} idx_facet;

typedef struct idx_result {
    size_t total;     /* matches (exact when exhaustive) */
    bool exhaustive;
    idx_hit *hits;
    size_t n_hits;
    idx_facet facets[IDX_F__COUNT];
    char *suggestion; /* did-you-mean, NULL when none: only offered when
                       * the words find nothing and the suggestion finds
                       * something */
    bool suggestion_used; /* with relax: the results are the suggestion's */
    bool relaxed;         /* not every word matched (idx_query.relax) */
    size_t set_counts[IDX_MAX_COUNT_SETS]; /* idx_query.count_sets */
    size_t n_set_counts;
    bool spelling; /* the words have a did-you-mean (offered or not) */
} idx_result;

int idx_search(idx *ix, const idx_query *q, idx_result *out, sp_err *err);

/* Could the passes after a search's first (a did-you-mean taken, relaxing:
 * idx_query.relax) change the total of q, whose every word with every
 * filter matched total, when its words' did-you-mean is spelling
 * (idx_result.spelling of a search with the same words)?  False: q's
 * total is that one, without searching it. */
bool idx_later_passes_may_change(const idx_query *q, size_t total, bool spelling);

/* What a search result shows of a record, and so what a brief hit keeps
 * (idx_query.brief, schema 5): the first location with an address or
 * coordinates (NULL: none); the service's schedules, else those of the
 * first location that has any (*n of them); the first phone number of the
 * service, else of its locations, else of its organisation (NULL: none). */
#define IDX_BRIEF_SCHEDULES 2
const rec_location *idx_rec_location(const rec_service *r);
const rec_schedule *idx_rec_schedules(const rec_service *r, size_t *n);
const char *idx_rec_phone(const rec_service *r);
void idx_result_free(idx_result *res);

#endif
