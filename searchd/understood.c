/*
 * understood.c - a search's words read as a sentence (indexer/
 * understand.h) and applied to the parsed parameters of /api/v1/search and
 * the portal: the filters the words name, the words left, the category
 * boosts and relaxation; and the "applied" list the API reports.
 * understand=0 turns all of it off (the words are searched as typed).
 */
#include <stdio.h>
#include <string.h>

#include "sd_int.h"

int sd_understand(const vocab *v, sd_search *p, und_result *u, sp_err *err)
{
    memset(u, 0, sizeof *u);
    if (p->literal || !p->qtext || !*p->qtext)
        return SP_OK;
    bool skip[IDX_F__COUNT + 1] = {0};
    for (int f = 0; f < IDX_F__COUNT; f++)
        skip[f] = p->q.n_filters[f] > 0;
    skip[IDX_F__COUNT] = p->q.has_near;
    int rc = und_read(v, p->qtext, skip, u, err);
    if (rc != SP_OK)
        return rc;
    for (size_t i = 0; i < u->n_applied; i++) {
        const und_applied *a = &u->applied[i];
        if (a->idx_field < 0) {
            p->q.has_near = true;
            p->q.near_lat = u->lat;
            p->q.near_lon = u->lon;
            p->near = u->near;
        } else if (a->idx_field == IDX_F_AGE) {
            snprintf(p->age, sizeof p->age, "%s", a->value);
            p->vals[IDX_F_AGE][0] = p->age;
            p->q.n_filters[IDX_F_AGE] = 1;
        } else if (p->q.n_filters[a->idx_field] < SD_MAX_VALUES) {
            p->vals[a->idx_field][p->q.n_filters[a->idx_field]++] = a->value;
        }
    }
    p->q.q = u->text;
    p->q.boost = u->boost;
    p->q.n_boost = u->n_boost;
    p->q.relax = true;
    p->q.relax_to_filters = u->n_applied > 0 || u->n_boost > 0;
    return SP_OK;
}

bool sd_understood(const und_result *u, idx_field f, const char *slug)
{
    for (size_t i = 0; u && i < u->n_applied; i++)
        if (u->applied[i].idx_field == (int)f && !strcmp(u->applied[i].value, slug))
            return true;
    return false;
}

json_t *sd_applied_json(const und_result *u)
{
    json_t *a = json_array();
    for (size_t i = 0; a && u && i < u->n_applied; i++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "field", u->applied[i].field,
                                           "value", u->applied[i].value, "from",
                                           u->applied[i].from));
    return a;
}
