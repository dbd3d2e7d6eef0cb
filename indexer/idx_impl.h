/*
 * idx_impl.h - what idx.c (the schema, searching) and idx_bulk.c (a
 * rebuild on several cores) share.  Private to indexer/: callers use idx.h.
 */
#ifndef IDX_IMPL_H
#define IDX_IMPL_H

#include "idx.h"
#include "xap.h"

/* One synonym phrase as it appears in text (stemmed words) and the concept
 * term a document containing it gets. */
typedef struct idx_syn {
    char *stemmed; /* " w1 w2 " */
    char *concept; /* "XS..." */
} idx_syn;

typedef struct idx_bulk idx_bulk;

struct idx {
    xap_db *db;
    char *dir;
    bool in_batch;
    idx_syn *syns;
    size_t n_syns;
    const vocab *v; /* labels for indexed text; NULL: slugs as words */
    xap_doc *doc;   /* reused by idx_put */
    idx_bulk *bulk; /* a bulk build is under way (idx_bulk_begin) */
};

/* idx_syn.c: load data/vocab/synonyms.tsv into a writer (its synonym
 * table when the file changed, and the phrases for idx_add_concepts),
 * give d the concept term of every phrase text contains, and free the
 * phrases. */
int idx_load_synonyms(idx *ix, sp_err *err);
int idx_add_concepts(idx *ix, xap_doc *d, const char *text, sp_err *err);
void idx_free_synonyms(idx *ix);

/* idx_brief.c: a document's data is r's brief fields then its JSON
 * (appended to out); the JSON part of data (all of it for data from before
 * schema 4); r with only the brief fields (idx_query.brief), SP_ENOTFOUND
 * when data has none. */
int idx_brief_data(const rec_service *r, const char *json, sp_buf *out);
const char *idx_data_json(const char *data, size_t len, size_t *json_len);
int idx_brief_read(const char *data, size_t len, rec_service *r, sp_err *err);

/* SP_OK when r can be indexed (it has a short enough id). */
int idx_check_record(const rec_service *r, sp_err *err);
/* Fill the empty document d with what r becomes: its id term, text,
 * filter terms, values and data (json, r serialised, or NULL to serialise
 * it here).  Reads only ix's synonyms and vocab: safe on several threads,
 * each with its own d. */
int idx_build(idx *ix, const rec_service *r, const char *json, xap_doc *d, sp_err *err);

/* idx_bulk.c, while ix->bulk is set: idx_put, idx_delete, idx_meta_set
 * and idx_commit (which reports a worker's failure) go through these. */
int idx_bulk_put(idx *ix, const rec_service *r, sp_err *err);
int idx_bulk_delete(idx *ix, const char *id, sp_err *err);
int idx_bulk_meta(idx *ix, const char *key, const char *value, sp_err *err);
int idx_bulk_check(idx *ix, sp_err *err);
/* Stop the workers and remove the shards; nothing when no build is on. */
void idx_bulk_abort(idx *ix);

/* Tests: the sizes of the blocks (shards) a bulk build makes, so a few
 * hundred records make several of them (defaults 2,000 and 10,000). */
void idx_bulk_tune(size_t min_block, size_t max_block);

#endif
