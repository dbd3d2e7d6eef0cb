/*
 * enrich.h - derive Signpost's tags for a service record from what the
 * source published: boroughs and sub-regions served (from postcodes,
 * addresses and service-area names), pan-London reach, priority and other
 * groups, categories, delivery modes, cost, referral routes and languages.
 *
 * Structured fields come first (confidence 1.0); keyword matches in the
 * free text (name, description, eligibility) follow with lower confidence
 * (0.7-0.9).  Every tag carries evidence: the field path and the text that
 * said so, so a user can see why a service is listed where it is.
 *
 * Enrichment is idempotent: the derived tags (boroughs, subregions, groups,
 * categories, modes, costs, referrals, langs, pan_london) are cleared first,
 * so running it twice on the same record gives the same result.  Fields the
 * source published and cluster_id are left alone; the eligibility rules are
 * replaced by elig_extract (elig.h) as the last step.
 */
#ifndef ENRICH_H
#define ENRICH_H

#include "rec.h"
#include "sp.h"
#include "vocab.h"

/* Fill r's derived tags from its published fields using the reference data
 * in v.  Returns SP_OK, SP_EINVAL (NULL argument) or SP_ENOMEM; on failure
 * the derived tags may be partly filled (call again or free the record).
 * Thread-safe for distinct records sharing one vocab. */
int enrich_record(const vocab *v, rec_service *r, sp_err *err);

/* Clear the derived tags and pan_london (enrich_record does this first). */
void enrich_clear(rec_service *r);

#endif
