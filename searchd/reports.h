/*
 * reports.h - "report a problem with this listing": what the public says
 * is wrong with a service page, the hub's review of it, and the editors'
 * corrections laid over the crawled record when it is served.  Kept in
 * STORE/reports.db (SQLite, WAL, schema version in PRAGMA user_version).
 *
 * Why a database of its own: crawl.db is rewritten by every crawl and
 * linkage run and reloads the hub's snapshot when it changes (hub.c); a
 * public report must cost neither.  A correction is keyed by the
 * service's id, which is stable across recrawls (rec_make_id), so it
 * survives every recrawl and `signpost index --rebuild`: the crawled
 * record is never edited: the indexer lays the corrections over the
 * indexed records (indexer/corrections.h), and rpt_apply lays them over a
 * record as it is served, so a service page shows a correction at once.
 *
 * Ownership: an rpt_db belongs to the caller (rpt_close) and serialises
 * its own use, so searchd's workers share one handle.  JSON returned is a
 * new reference owned by the caller.
 */
#ifndef RPT_H
#define RPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rec.h"
#include "sp.h"

#define RPT_DB_NAME "reports.db"
#define RPT_SCHEMA_VERSION 1
#define RPT_MAX_DETAILS 1000 /* bytes of the free text */
#define RPT_MAX_CONTACT 200  /* bytes of the optional contact */
#define RPT_MAX_VALUE 300    /* bytes of a corrected value */
#define RPT_MAX_LIST 1000    /* rows one listing returns */

typedef struct rpt_db rpt_db;

/* What can be wrong (the form's choices), NULL-terminated slugs, and
 * whether s is one of them. */
extern const char *const rpt_kinds[];
bool rpt_kind_valid(const char *s);
/* What an editor can correct: "phone", "email", "website", "status"
 * ("closed" or "open"). */
bool rpt_field_valid(const char *field, const char *value);

int rpt_open(const char *store_dir, rpt_db **out, sp_err *err);
void rpt_close(rpt_db *db);

/* A new report (status "open"); the record's provenance is copied so the
 * hub sees what the reader saw even after a recrawl. */
typedef struct rpt_report {
    const char *service_id, *service_name, *kind, *details, *contact;
    const char *source, *source_url;
    int64_t fetched_at; /* when the crawler last saw the record, 0 unknown */
} rpt_report;
int rpt_add(rpt_db *db, const rpt_report *in, int64_t *id, sp_err *err);

/* Newest first: [{id, at, service_id, service_name, kind, details,
 * contact, source, source_url, fetched_at, status, handled_at,
 * handled_by, outcome}]; status "open", "handled" or NULL for all. */
json_t *rpt_list(rpt_db *db, const char *status, size_t limit, sp_err *err);
size_t rpt_count_open(rpt_db *db);
/* The service id of a report (SP_ENOTFOUND), into out. */
int rpt_service_of(rpt_db *db, int64_t id, char *out, size_t size, sp_err *err);
/* Mark a report handled by an editor, with what was done. */
int rpt_handle(rpt_db *db, int64_t id, const char *by, const char *outcome, sp_err *err);

/* Record (or, with value "", withdraw) a correction of one field. */
int rpt_correct(rpt_db *db, const char *service_id, const char *field, const char *value,
                const char *by, int64_t report_id, sp_err *err);
/* [{service_id, field, value, at, by, report_id}]; service_id NULL: all. */
json_t *rpt_corrections(rpt_db *db, const char *service_id, sp_err *err);
/* Lay a service's corrections over the record (corr_lay); returns how
 * many applied (0 when none or the database cannot be read). */
size_t rpt_apply(rpt_db *db, rec_service *rec);

#endif
