/*
 * corrections.h - the hub editors' corrections (STORE/reports.db, written
 * by searchd/reports.c) laid over the indexed records, so that a corrected
 * phone, e-mail, website or "closed" mark holds wherever a service is shown:
 * search results and facets, the portal, /coach, /oruk/, the exports and
 * the feeds all read the index.
 *
 * The indexer calls corr_reconcile once per run, inside its last batch
 * (ingest.c): every service with a correction is read back from the index,
 * the corrections are laid over it and it is put again when that changed
 * anything; a service whose correction was withdrawn gets its crawled
 * value back.  So a correction saved on the hub is in the index after the
 * next index run (`signpost run`: within seconds; `signpost serve` with a
 * separate indexer: its next `signpost index`), and it survives every
 * recrawl and `signpost index --rebuild`, because a recrawled record is
 * corrected again in the run that indexes it.  reports.db is only read.
 *
 * Withdrawing needs the crawled value, which the corrected record no
 * longer has: the index keeps, in its metadata (key "corrections"), each
 * corrected slot's crawled value and the value laid over it.  A record
 * whose slot holds something other than the value laid over it was
 * indexed again from its source since, and that is its crawled value.
 *
 * Errors: SP_OK or a negative sp_err code with a message, as everywhere.
 */
#ifndef CORR_H
#define CORR_H

#include <stddef.h>

#include "idx.h"
#include "rec.h"
#include "sp.h"

/* The alert a "closed" mark sets. */
#define CORR_CLOSED_ALERT                                                                  \
    "This service has closed: the Integration Hub checked this listing and marked it closed."

/* Lay one correction (field "phone", "email", "website" or "status" with
 * "closed" / "open") over r.  Returns 1 when it applies, 0 for an unknown
 * field, SP_ENOMEM. */
int corr_lay(rec_service *r, const char *field, const char *value);

typedef struct corr_stats {
    size_t corrected; /* services with a correction in reports.db */
    size_t written;   /* services put again because a correction changed them */
    size_t restored;  /* of those, services whose correction was withdrawn */
} corr_stats;

/* Bring the index in line with STORE/reports.db's corrections (see the top
 * of this file).  Writes go into ix's open batch (or commit on their own
 * without one).  No reports.db: no corrections; one that cannot be read
 * leaves the index as it is (a message on stderr) rather than withdrawing
 * every correction. */
int corr_reconcile(idx *ix, const char *store_dir, int64_t now, corr_stats *st, sp_err *err);

#endif
