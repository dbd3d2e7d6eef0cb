/*
 * enrich.c - see enrich.h.  Derives Signpost's tags from a record.
 */
#include "enrich.h"

#include <stdlib.h>

static void tags_clear(rec_tags *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].slug);
        free(t->v[i].ev.field);
        free(t->v[i].ev.text);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

void enrich_clear(rec_service *r)
{
    tags_clear(&r->boroughs);
    tags_clear(&r->subregions);
    tags_clear(&r->groups);
    tags_clear(&r->categories);
    tags_clear(&r->modes);
    tags_clear(&r->costs);
    tags_clear(&r->referrals);
    tags_clear(&r->langs);
    r->pan_london = false;
}

int enrich_record(const vocab *v, rec_service *r, sp_err *err)
{
    if (!v || !r)
        return sp_fail(err, SP_EINVAL, "enrich_record: NULL argument");
    enrich_clear(r);
    /* Boroughs from the locations' postcodes: the most reliable signal. */
    for (size_t i = 0; i < r->n_locations; i++) {
        const rec_location *loc = &r->locations[i];
        for (size_t j = 0; j < loc->n_addresses; j++) {
            const char *pc = loc->addresses[j].postal_code;
            const vocab_borough *b = NULL;
            double lat, lon;
            if (!pc || vocab_postcode(v, pc, &lat, &lon, &b) != SP_OK || !b)
                continue;
            if (rec_tags_add(&r->boroughs, b->slug, "locations.addresses.postal_code",
                             pc, 1.0) != SP_OK)
                return sp_fail(err, SP_ENOMEM, "enrich_record: out of memory");
            if (b->subregion &&
                rec_tags_add(&r->subregions, b->subregion, "locations.addresses.postal_code",
                             pc, 1.0) != SP_OK)
                return sp_fail(err, SP_ENOMEM, "enrich_record: out of memory");
        }
    }
    return SP_OK;
}
