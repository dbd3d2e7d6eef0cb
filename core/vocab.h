/*
 * vocab.h - the reference facts Signpost ships in data/: boroughs (GOV.UK
 * slugs, GSS codes, names and their many spellings, centroids), sub-regions,
 * postcode districts and sectors, and the controlled vocabularies (priority
 * and other groups, categories, delivery modes, cost, referral routes,
 * languages), each a slug with a plain-English label.
 *
 * One vocab is loaded once (vocab_load) and is read-only afterwards, so any
 * number of threads may share it.  Returned strings belong to the vocab.
 */
#ifndef VOCAB_H
#define VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#include "sp.h"

typedef struct vocab vocab;

/* Load from a data directory (sp_data_dir() when dir is NULL). */
int vocab_load(const char *dir, vocab **out, sp_err *err);
void vocab_free(vocab *v);

/* Vocabularies by API field name: "borough", "subregion", "group",
 * "category", "mode", "cost", "referral", "language"; and for eligibility
 * (indexer/elig.c) "benefit" and "status" (data/vocab/benefits.tsv,
 * statuses.tsv); and "sector", the job goals a coach can pick
 * (data/vocab/sectors.tsv: warehouse work, care work ...). */

/* The canonical slug for a user's value: a slug, or for boroughs also a GSS
 * code ("E09000012") or any known spelling.  NULL when unknown. */
const char *vocab_canon(const vocab *v, const char *field, const char *value);
/* Plain-English label of a slug ("Hackney", "People aged 50 and over").
 * NULL when unknown. */
const char *vocab_label(const vocab *v, const char *field, const char *slug);
/* All slugs of a field, in display order; *n gets the count. */
const char *const *vocab_slugs(const vocab *v, const char *field, size_t *n);
/* For a category slug, its parent (top-level) category, or NULL. */
const char *vocab_category_parent(const vocab *v, const char *slug);

/* Geography. */
typedef struct vocab_borough {
    const char *slug, *gss, *name, *subregion; /* subregion slug */
    double lat, lon;                            /* centroid */
} vocab_borough;

const vocab_borough *vocab_borough_get(const vocab *v, const char *slug);
/* A borough from any common spelling: "LB Hackney", "Hammersmith & Fulham",
 * "Royal Borough of Kingston", "kingston". NULL when none. */
const vocab_borough *vocab_borough_from_name(const vocab *v, const char *name);
/* Boroughs of a sub-region (purpose-bound: employment membership). */
size_t vocab_subregion_boroughs(const vocab *v, const char *subregion,
                                const vocab_borough **out, size_t max);

/* A postcode, sector or district ("E8 1DY", "E8 1", "E8") to coordinates and
 * borough (the sector decides where a district straddles boroughs).
 * Returns SP_OK, SP_ENOTFOUND (well-formed but unknown or outside London:
 * coordinates may still be set, borough NULL) or SP_EINVAL (not a postcode).
 */
int vocab_postcode(const vocab *v, const char *postcode, double *lat,
                   double *lon, const vocab_borough **borough);
/* Find UK postcodes in free text; writes normalised ones ("E8 1DY") to out.
 * Returns how many were found (at most max). Caller frees each string. */
size_t vocab_find_postcodes(const char *text, char **out, size_t max);

/* ---- Added for enrichment and the index (additive to the interface). ---- */

/* Is a group slug one of the seven priority groups? */
bool vocab_group_priority(const vocab *v, const char *slug);

/* A taxonomy term from a feed (an esdServiceTypes / esdNeeds /
 * esdCircumstances label, a schema.org serviceType, or our own slug or
 * label) to our slug for field "group" or "category".  NULL when unknown. */
const char *vocab_term(const vocab *v, const char *field, const char *term);

/* One keyword hit in free text: the slug it stands for, the keyword as
 * written in data/vocab, and where it matched (byte offset and length). */
typedef struct vocab_hit {
    const char *slug, *keyword;
    size_t off, len;
} vocab_hit;

/* Find the keywords of a field's values ("group", "category", "mode",
 * "cost", "referral", "language", "borough", "subregion") in text, at word
 * boundaries, case-insensitively (a keyword written in capitals, such as
 * SEND, matches only in capitals; a trailing '*' matches any word ending).
 * One hit per slug (its first occurrence), in order of the slugs.  Returns
 * the number of hits written (at most max).  Borough spellings too vague
 * for prose ("City") are not matched here. */
size_t vocab_match_text(const vocab *v, const char *field, const char *text,
                        vocab_hit *out, size_t max);

/* The borough at a point, from the nearest London postcode sector centroid
 * within max_km (sector centroids are ~1 km apart in inner London, a few km
 * at the edge).  NULL when none is that close or the nearest sector lies
 * outside London.  *km (optional) gets the distance to that centroid. */
const vocab_borough *vocab_borough_at(const vocab *v, double lat, double lon,
                                      double max_km, double *km);

/* Search synonyms from data/vocab/synonyms.tsv: *n pairs, pairs[2*i] the
 * term and pairs[2*i+1] its synonym (lower case; use both ways). */
const char *const *vocab_synonyms(const vocab *v, size_t *n);

/* Scope triggers for eligibility prose (data/vocab/triggers.tsv, optional;
 * docs/eligibility.md "Scope").  Kinds as in that file's header. */
typedef enum vocab_trigger_kind {
    VT_NEGATION,
    VT_EXPERIENCER,
    VT_APPLICANT,
    VT_JOB,
    VT_TIME,
    VT_ALTERNATIVE,
    VT_ALT_OPEN,
    VT_PSEUDO,
    VT_TERMINATOR,
    VT_SUBJECT,
    VT_WIDENING,
    VT_CONCESSION,
    VT__COUNT
} vocab_trigger_kind;

typedef struct vocab_trigger {
    const char *phrase; /* lower-case words, one space apart; "#" any number */
    const char *label;  /* "kind:phrase", what a rule's evidence names */
    vocab_trigger_kind kind;
    bool forward, backward;
    int window; /* words */
} vocab_trigger;

/* The triggers sorted by phrase (bytewise), so the phrases starting with
 * one word are next to each other.  *n gets the count. */
const vocab_trigger *vocab_triggers(const vocab *v, size_t *n);

#endif
