/*
 * export.h - Signpost's records out in the open formats other tools read:
 * the Open Referral UK / HSDS 3.0 service object (what /oruk/ answers),
 * Signpost's taxonomies as HSDS taxonomies and terms, the iteration over
 * every record of an index (or of a search) that the exports and feeds
 * use, and the HSDS tabular data package (datapackage.json + CSVs).
 *
 * Shared by searchd (/oruk/, /feeds/, /api/v1/export) and by
 * `signpost export`, so the API and the command write the same bytes.
 *
 * Ownership: json_t results are new references the caller decrefs; an
 * export_dp owns its tables and is freed with export_dp_free.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "idx.h"
#include "rec.h"
#include "sp.h"
#include "vocab.h"

/* The ORUK 3.0 profile's service object, fully nested: Signpost's own block
 * is left out, every id is a UUID (derived, stably, where the source gave
 * none or gave another kind), required fields are present (status,
 * location_type, descriptions of organizations and taxonomy terms),
 * malformed URLs, e-mails and dates are repaired or omitted, and the
 * categories and groups Signpost derived are added as attributes linking
 * to the terms of Signpost's taxonomies (export_taxonomy_terms).  v may be
 * NULL (labels then are slugs).  NULL on allocation failure. */
json_t *export_oruk_service(const rec_service *r, const vocab *v);

/* The service's last change as epoch seconds (provenance, else
 * last_modified), 0 when unknown. */
int64_t export_modified(const rec_service *r);

/* Signpost's taxonomies ("signpost-categories", "signpost-groups") as
 * HSDS taxonomy objects, and all their terms (categories with parent_id). */
json_t *export_taxonomies(const vocab *v);
json_t *export_taxonomy_terms(const vocab *v);
/* The stable UUID of a Signpost taxonomy ("category", "group") or of one
 * of its terms (field, slug).  out gets 37 bytes. */
void export_taxonomy_id(const char *field, char out[37]);
void export_term_id(const char *field, const char *slug, char out[37]);

/* Call fn for every record matched by q (NULL: every record of the index),
 * in the index's order, at most max records (0: no bound other than the
 * index's size).  fn returns SP_OK to go on, anything else stops the walk
 * and is returned.  q's offset and limit are ignored. */
typedef int (*export_rec_fn)(const rec_service *r, void *ctx);
int export_each(idx *ix, const idx_query *q, size_t max, export_rec_fn fn, void *ctx,
                sp_err *err);

/* ---- the HSDS tabular data package ---- */

typedef struct export_dp export_dp;

export_dp *export_dp_new(void); /* NULL when out of memory */
void export_dp_free(export_dp *dp);
/* Add one ORUK service object (export_oruk_service): its rows go to the
 * tables, rows already present (same table and id) are kept once. */
int export_dp_add(export_dp *dp, const json_t *oruk_service, sp_err *err);
/* The tables, in HSDS order: their file names
 * ("services.csv").  Tables with no rows are still listed. */
size_t export_dp_count(void);
const char *export_dp_file(size_t i);
/* Table i as RFC 4180 CSV (header row, CRLF line ends) appended to out. */
int export_dp_csv(const export_dp *dp, size_t i, sp_buf *out);
/* The table whose file name is file, or -1. */
int export_dp_find(const char *file);
/* datapackage.json; path_suffix (may be NULL) is appended to each CSV path,
 * e.g. "?q=esol" when the CSVs are served by an API. */
json_t *export_dp_descriptor(const export_dp *dp, const char *title, const char *path_suffix);

/* CSV quoting of one field (RFC 4180) appended to out. */
int export_csv_field(sp_buf *out, const char *s);

#endif
