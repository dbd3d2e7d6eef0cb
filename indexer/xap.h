/*
 * xap.h - Signpost's small C binding over Xapian 1.4 (xap.cc is the only C++
 * in the project).  It knows nothing about service records: idx.c decides
 * which terms, values and text a record becomes; this layer only moves
 * those into and out of Xapian.
 *
 * Errors: every function that can fail returns SP_OK or a negative SP_E*
 * code and fills the optional sp_err.  No C++ exception ever crosses this
 * boundary: Xapian::DatabaseLockError and friends become SP_EAGAIN,
 * DocNotFoundError SP_ENOTFOUND, I/O and corruption SP_EIO, bad arguments
 * SP_EINVAL, std::bad_alloc SP_ENOMEM, anything else SP_ERROR.
 *
 * Ownership: handles (xap_db, xap_doc) are created by xap_*_new/open and
 * released by the matching free/close.  Strings returned through out
 * parameters are malloc'd and owned by the caller; strings passed in are
 * copied.  A handle is used by one thread at a time.
 */
#ifndef XAP_H
#define XAP_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Inside the extern "C" block: sp.h is a C header without its own guard. */
#include "sp.h"

typedef struct xap_db xap_db;

/* Open (creating when needed) a writable database, or open read-only. */
int xap_open_write(const char *dir, xap_db **out, sp_err *err);
int xap_open_read(const char *dir, xap_db **out, sp_err *err);
/* Pick up the latest commit: 1 if it changed, 0 if not. */
int xap_reopen(xap_db *db, sp_err *err);
/* Commits pending changes of a writable database (outside a transaction). */
void xap_close(xap_db *db);
bool xap_writable(const xap_db *db);

/* Flush changes made outside a transaction. */
int xap_commit(xap_db *db, sp_err *err);
int xap_begin_transaction(xap_db *db, sp_err *err);
int xap_commit_transaction(xap_db *db, sp_err *err);
int xap_cancel_transaction(xap_db *db, sp_err *err);

/* Number of documents. 0 on error. */
size_t xap_doc_count(xap_db *db);

/* --- documents ---------------------------------------------------------- */

typedef struct xap_doc xap_doc;

/* A new empty document whose text is indexed with English stemming; its
 * words feed the spelling dictionary of the database it is stored in
 * (xap_replace, xap_put_docid).  db must outlive the document.  NULL on
 * allocation failure. */
xap_doc *xap_doc_new(xap_db *db);
void xap_doc_free(xap_doc *d);

int xap_doc_set_data(xap_doc *d, const char *data, size_t len, sp_err *err);
/* A boolean (filter) term: wdf 0, no positions. */
int xap_doc_add_boolean_term(xap_doc *d, const char *term, sp_err *err);
/* A term with a wdf, without positions (e.g. synonym concepts). */
int xap_doc_add_term(xap_doc *d, const char *term, unsigned wdf, sp_err *err);
/* Free text: words (and stems, "Z"-prefixed) with weight wdf_inc per
 * occurrence and the given term prefix ("" for none).  Successive calls
 * are separated in position space so phrases don't span fields. */
int xap_doc_index_text(xap_doc *d, const char *text, unsigned wdf_inc,
                       const char *prefix, sp_err *err);
/* Raw value, a number (sortable_serialise) or a set of coordinates
 * (LatLongCoords) in a value slot. */
int xap_doc_set_value(xap_doc *d, unsigned slot, const char *v, size_t len,
                      sp_err *err);
int xap_doc_set_value_number(xap_doc *d, unsigned slot, double v,
                             sp_err *err);
int xap_doc_set_value_coords(xap_doc *d, unsigned slot, const double *lat,
                             const double *lon, size_t n, sp_err *err);

/* Upsert: replace the document indexed by unique_term (or add it).
 * Storing a document (here and xap_put_docid) first gives it its spelling
 * data and its word-pair terms (docs/index.md, "Word pairs"): for each
 * word of xap_pair_heads() in its text, "XP" + that term + " " + the next
 * position's word (same prefix), so "XPself employment" is in exactly the
 * documents the phrase "self employment" matches. */
int xap_replace(xap_db *db, const char *unique_term, xap_doc *d,
                sp_err *err);
/* Delete the documents indexed by term: SP_ENOTFOUND when there is none. */
int xap_delete(xap_db *db, const char *term, sp_err *err);
/* Document data of the document indexed by term: SP_ENOTFOUND when none.
 * *data is malloc'd and NUL-terminated. */
int xap_get_data(xap_db *db, const char *term, char **data, size_t *len,
                 sp_err *err);

/* Calls fn with the data of every document, in docid order; a nonzero
 * return from fn stops the walk and is returned.  Cheaper than paging a
 * search with offsets (which skips every earlier match again). */
typedef int (*xap_data_fn)(const char *data, size_t len, void *ctx);
int xap_each_data(xap_db *db, xap_data_fn fn, void *ctx, sp_err *err);

/* --- bulk builds (xap_bulk.cc) ------------------------------------------ */

/* Empty d again for the next document (db, which must outlive d, is the
 * database it is for); reusing one document saves its allocations. */
int xap_doc_reset(xap_doc *d, xap_db *db, sp_err *err);
/* Put d at exactly docid (replacing what is there), and delete by docid:
 * for shards whose docids the caller assigns. */
int xap_put_docid(xap_db *db, unsigned docid, xap_doc *d, sp_err *err);
int xap_delete_docid(xap_db *db, unsigned docid, sp_err *err);
/* Copy every synonym and metadata key of from into the writable to. */
int xap_copy_dicts(xap_db *from, xap_db *to, sp_err *err);
/* Merge the databases srcs (disjoint docid ranges; docids are kept) into a
 * new database at dest (Xapian's compaction; spelling frequencies add up,
 * synonyms and metadata are merged). */
int xap_compact(const char *const *srcs, size_t n, const char *dest, sp_err *err);

/* --- dictionaries ------------------------------------------------------- */

/* Synonym dictionary: key is a lower-case word or words joined by single
 * spaces (a multi-word key), syn is one term. */
int xap_add_synonym(xap_db *db, const char *key, const char *syn,
                    sp_err *err);
/* Remove every synonym (before reloading the dictionary). */
int xap_clear_synonyms(xap_db *db, sp_err *err);
/* Database metadata (user keys): *value is NULL when the key is unset. */
int xap_get_metadata(xap_db *db, const char *key, char **value, sp_err *err);
int xap_set_metadata(xap_db *db, const char *key, const char *value,
                     sp_err *err);

/* Words of text lower-cased and stemmed (English), joined by single spaces,
 * as the indexer and query parser see them; used to match multi-word
 * synonyms in text.  With stem false, only lower-cased.  Caller frees. */
char *xap_normalise_words(const char *text, bool stem);
/* The words stored documents get pair terms for (see xap_replace),
 * joined by single spaces: what an index's metadata records (pairs_key
 * below).  Static. */
const char *xap_pair_heads(void);
/* "Z" + English stem of a single lower-case word.  Caller frees. */
char *xap_stem_term(const char *word);

/* --- searching ---------------------------------------------------------- */

/* One filter group: OR of its boolean terms. Groups AND together.  facet
 * is the index in count_slots of the facet this filter selects values of
 * (its counts then come from the search without this group), or -1. */
typedef struct xap_filter {
    const char *const *terms;
    size_t n;
    int facet;
} xap_filter;

/* A numeric value-range condition on a slot holding a number
 * (xap_doc_set_value_number): op is XAP_LE (value <= x) or XAP_GE.  facet
 * as in xap_filter: the count slot whose counts leave this condition out,
 * or -1.  A read-only database's facet table reads a facet range's slot
 * once and counts it with bit algebra like a term filter. */
enum { XAP_LE = 0, XAP_GE = 1 };
typedef struct xap_range {
    unsigned slot;
    int op;
    double x;
    int facet;
} xap_range;

/* A user-visible field prefix for the query parser ("name:" -> "S"). */
typedef struct xap_prefix {
    const char *field, *prefix;
} xap_prefix;

typedef enum xap_sort {
    XAP_SORT_RELEVANCE,
    XAP_SORT_VALUE_DESC, /* sort_slot, largest first, then relevance */
    XAP_SORT_DISTANCE    /* nearest first (needs has_near) */
} xap_sort;

typedef struct xap_search {
    const char *text; /* user query; NULL or blank = every document */
    bool default_and; /* terms AND together (else OR) */
    /* Optional, with text: documents with any of these boolean terms get
     * boost_weight more; with default_and off they also match by it. */
    const char *const *boost_terms;
    size_t n_boost;
    double boost_weight;
    const xap_prefix *prefixes;
    size_t n_prefixes;
    const xap_filter *filters;
    size_t n_filters;
    const xap_range *ranges;
    size_t n_ranges;

    bool has_near;
    unsigned geo_slot;  /* slot with xap_doc_set_value_coords */
    double lat, lon;
    double radius_km;   /* > 0: only documents with a location within */

    xap_sort sort;
    unsigned sort_slot;
    size_t offset, limit;

    bool collapse;
    unsigned collapse_slot;

    /* Facet counting: each slot holds a document's values packed with '\n'
     * between them; counts are over every match seen (all of them when
     * exact). */
    const unsigned *count_slots;
    size_t n_count_slots;
    bool exact;
    /* Optional, parallel to count_slots: the term prefix of each facet
     * field ("XB" for the slot of "XB"+slug terms).  With it, a read-only
     * database counts from its facet table (term sets read once per
     * revision; counts always exact, total exact) unless collapse is on;
     * without it, or on a writable database, from the slots. */
    const char *const *count_prefixes;
    /* Optional: sets of terms (the facet member of each is unused), each
     * counted within the matches: xap_results.set_counts[i] is how many
     * matches (clusters, with collapse) also have one of set i's terms.
     * Counted only from a facet table (a read-only database that has one
     * for its revision: a faceted search built it); otherwise
     * n_set_counts stays 0.  At most XAP_MAX_COUNT_SETS. */
    const xap_filter *count_sets;
    size_t n_count_sets;
    /* Nonzero: a hit's data is this value slot's (xap_match.data) when the
     * document has one there, else its document data. */
    unsigned data_slot;
    /* Optional: metadata keys.  pairs_key's value is "TAG HEAD HEAD...":
     * the index holds the pair terms (xap_replace) of those heads, as long
     * as TAG equals the value of pairs_tag_key (an index rebuilt by a
     * Signpost without pair terms keeps the key but not its tag).  A
     * two-word phrase whose first word is one of them (a hyphenated word,
     * or quoted) is then answered from its pair term instead of the words'
     * positions, and a longer phrase is checked only where its pairs' terms
     * are: the same matches, hits, order, weights and snippets. */
    const char *pairs_key, *pairs_tag_key;
} xap_search;

#define XAP_MAX_COUNT_SETS 16

typedef struct xap_match {
    unsigned docid;
    double weight;
    char *data; /* document data (or data_slot's value), NUL-terminated */
    size_t data_len;
    double distance_km; /* < 0 without has_near or without coordinates */
    size_t collapsed;   /* documents folded into this one */
} xap_match;

typedef struct xap_count {
    char *value;
    size_t count;
} xap_count;

typedef struct xap_slot_counts {
    unsigned slot;
    xap_count *v; /* unordered */
    size_t n;
} xap_slot_counts;

typedef struct xap_results {
    size_t total; /* estimated matches (exact when exhaustive) */
    bool exhaustive;
    xap_match *matches;
    size_t n_matches;
    xap_slot_counts *counts; /* one per count slot, same order */
    size_t n_counts;
    char *corrected;  /* spelling-corrected query, NULL when none */
    bool parse_fallback; /* the query had bad syntax: read as plain words */
    bool has_text;       /* there were query words (snippets can mark them) */
    size_t set_counts[XAP_MAX_COUNT_SETS]; /* xap_search.count_sets */
    size_t n_set_counts;
    void *priv;       /* the MSet, for snippets */
} xap_results;

/* Run a search.  On success *out must be freed with xap_results_free. */
int xap_run(xap_db *db, const xap_search *s, xap_results *out, sp_err *err);
/* A snippet of text (plain text) for the results' query (has_text): HTML-
 * escaped, the query's words wrapped in <mark></mark>, about max_len bytes.
 * Without query words Xapian neither marks nor escapes, so the caller makes
 * its own excerpt.  Caller frees; NULL on error (out of memory, or a
 * writer's commits overtook the revision the results came from). */
char *xap_results_snippet(const xap_results *r, const char *text,
                          size_t max_len);
void xap_results_free(xap_results *r);

#ifdef __cplusplus
}
#endif

#endif
