/*
 * hub.h - the Integration Hubs' reports: coverage (distinct services per
 * borough x group, optionally per category), duplicated provision (overlap
 * clusters: different services for the same people in the same place,
 * scored by how much they overlap), gaps (no provision, or none based in
 * the borough with the nearest elsewhere), duplicate records (clusters
 * found by dedupe.h, with a canonical view and the evidence of each link),
 * stale records and source health.
 *
 * The reports read what dedupe_run() saved in STORE/crawl.db (hub_records,
 * hub_links, hub_decisions) and the crawler's source health, so they cost
 * no index scan.  A duplicate cluster counts as one service everywhere.
 *
 * Every report is a JSON object with "rows" and "columns": the rows'
 * flat keys (strings, numbers, booleans, arrays of strings) in CSV order,
 * which hub_rows_csv() writes, header first even with no rows; some
 * reports add nested detail next to the flat columns, in the JSON only.
 *
 * Ownership: a hub snapshot owns its records; the JSON returned is a new
 * reference owned by the caller.  A snapshot is read-only once loaded and
 * used by one thread.
 */
#ifndef HUB_H
#define HUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp.h"
#include "vocab.h"

#define HUB_MAX_LIMIT 5000        /* rows per report */
#define HUB_DEFAULT_LIMIT 500
#define HUB_DEFAULT_STALE_DAYS 365

typedef struct hub hub;

/* What a report is about.  NULL fields: no filter.  borough and subregion
 * narrow the boroughs reported (both: their intersection). */
typedef struct hub_filter {
    const char *borough, *subregion, *group, *category;
    const char *id;     /* duplicates: the cluster of this record only */
    const char *kind;   /* gaps: "none", "no-local" or NULL for both */
    int stale_days;     /* stale: 0 means HUB_DEFAULT_STALE_DAYS */
    size_t limit;       /* 0 means HUB_DEFAULT_LIMIT */
    int64_t now;        /* 0: the clock */
} hub_filter;

/* Load the snapshot from store_dir/crawl.db (read only).  A store that was
 * never linked gives an empty snapshot, not an error.  v must outlive it. */
int hub_open(const char *store_dir, const vocab *v, hub **out, sp_err *err);
void hub_close(hub *h);

json_t *hub_coverage(const hub *h, const hub_filter *f, sp_err *err);
json_t *hub_overlaps(const hub *h, const hub_filter *f, sp_err *err);
json_t *hub_gaps(const hub *h, const hub_filter *f, sp_err *err);
json_t *hub_duplicates(const hub *h, const hub_filter *f, sp_err *err);
json_t *hub_stale(const hub *h, const hub_filter *f, sp_err *err);
json_t *hub_sources(const hub *h, const hub_filter *f, sp_err *err);

/* The "rows" of a report as CSV (RFC 4180, CRLF, the "columns" as the
 * header line first, always); arrays of strings are joined with "; ",
 * anything nested is left out.  Caller frees; NULL on OOM. */
char *hub_rows_csv(const json_t *report);

#endif
