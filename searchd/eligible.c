/*
 * eligible.c - GET /api/v1/eligible: a person's circumstances in, services
 * out as eligible, check, not_eligible or closed, each with its reasons
 * (which rule, which evidence).  See docs/eligibility.md and docs/api.md.
 *
 * The person's answers are read by the one person model (indexer/person.h)
 * and the services judged and ordered by elig_rank.c, as /coach does:
 * the same person gets the same verdicts from both.
 *
 * Parameters are validated as strictly as /api/v1/search's (400 naming
 * the parameter).  Nothing about the person is logged or stored: the
 * access log has the path only, and the reply is not cached.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elig.h"
#include "person.h"
#include "sd_int.h"

typedef struct el_params {
    person pp;
    const char *q; /* into the request's kv, NULL for none */
    bool has_near;
    double lat, lon, radius_km;
    int outcome; /* -1: all; SD_CLOSED: closed services */
    long page, per_page;
} el_params;

/* The parameters, read by the table (params.c): the person's answers by
 * the one person model (indexer/person.h), the rest here. */
static int parse(const vocab *v, const sd_kv *kv, size_t n, el_params *o, char *msg,
                 size_t sz)
{
    memset(o, 0, sizeof *o);
    person_init(&o->pp);
    o->outcome = -1;
    o->page = 1;
    o->per_page = 20;
    sd_arg args[SD_MAX_ARGS];
    size_t na = 0;
    int rc = sd_params_read(v, SD_EP_ELIGIBLE, 0, kv, n, args, &na, msg, sz);
    if (rc == SP_OK)
        rc = sd_args_person(v, args, na, &o->pp, msg, sz);
    if (rc != SP_OK)
        return rc;
    for (size_t i = 0; i < na; i++) {
        const sd_arg *a = &args[i];
        const char *name = a->p->name;
        if (a->empty)
            continue;
        if (!strcmp(name, "q")) {
            o->q = a->text;
        } else if (!strcmp(name, "near")) {
            o->has_near = true;
            o->lat = a->lat;
            o->lon = a->lon;
        } else if (!strcmp(name, "radius_km")) {
            o->radius_km = a->d;
        } else if (!strcmp(name, "outcome")) {
            char word[16];
            snprintf(word, sizeof word, "%.*s", (int)a->len, a->text);
            o->outcome = sd_elig_outcome_from_name(word);
        } else if (!strcmp(name, "page")) {
            o->page = a->n;
        } else if (!strcmp(name, "per_page")) {
            o->per_page = a->n;
        }
    }
    if (o->radius_km > 0 && !o->has_near) {
        snprintf(msg, sz, "radius_km needs near=POSTCODE");
        return SP_EINVAL;
    }
    return SP_OK;
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

/* The n strings of v as a JSON array. */
static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *slugs(const rec_tags *t)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < t->n; i++)
        json_array_append_new(a, json_string(t->v[i].slug));
    return a;
}

static json_t *rule_json(const rec_rule *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "op", str_or_null(u->op));
    if (u->n_values) {
        json_object_set_new(o, "values", strings((const char *const *)u->values, u->n_values));
    }
    if (u->has_lo)
        json_object_set_new(o, "lo", json_real(u->lo));
    if (u->has_hi)
        json_object_set_new(o, "hi", json_real(u->hi));
    json_object_set_new(o, "evidence",
                        json_pack("{s:o,s:o,s:f}", "field", str_or_null(u->ev.field), "text",
                                  str_or_null(u->ev.text), "confidence", u->ev.confidence));
    return o;
}

static json_t *item_json(const vocab *v, const sd_elig_item *it, bool with_km)
{
    const rec_service *r = &it->hit->rec;
    const elig_verdict *vd = it->verdict;
    json_t *o = json_object();
    json_object_set_new(o, "id", str_or_null(r->id));
    json_object_set_new(o, "name", str_or_null(r->name));
    json_object_set_new(o, "organization", str_or_null(r->organization.name));
    json_object_set_new(o, "url", str_or_null(r->url ? r->url : r->organization.website));
    json_object_set_new(o, "outcome", json_string(sd_elig_outcome_name(it->outcome)));
    if (it->outcome == SD_CLOSED) {
        /* Why it is closed, in the provider's words when they say when. */
        char note[SD_REASON_MAX];
        json_object_set_new(o, "closed",
                            json_pack("{s:o,s:o,s:o}", "status", str_or_null(r->status),
                                      "note",
                                      str_or_null(sd_rec_closed_note(r, note, sizeof note)
                                                      ? note
                                                      : NULL),
                                      "last_modified", str_or_null(r->last_modified)));
    }
    json_object_set_new(o, "boroughs", slugs(&r->boroughs));
    json_object_set_new(o, "groups", slugs(&r->groups));
    json_object_set_new(o, "categories", slugs(&r->categories));
    json_object_set_new(o, "referrals", slugs(&r->referrals));
    if (with_km)
        json_object_set_new(o, "distance_km",
                            it->km >= 0 ? json_real(round(it->km * 100.0) / 100.0)
                                        : json_null());
    json_t *rs = json_array();
    for (size_t i = 0; i < vd->n_reasons; i++) {
        const elig_reason *e = &vd->reasons[i];
        char text[SD_REASON_MAX];
        sd_reason_text(v, e, text, sizeof text);
        json_t *ro = json_pack("{s:s,s:s,s:s}", "dimension", e->dimension, "outcome",
                               elig_outcome_name(e->outcome), "message", text);
        if (ro && e->rule)
            json_object_set_new(ro, "rule", rule_json(e->rule));
        json_array_append_new(rs, ro);
    }
    json_object_set_new(o, "reasons", rs);
    /* Unknown is a value of its own: the dimensions this service states
     * nothing about (they exclude nobody, but an adviser may ask). */
    static const char *const dims[] = {"age", "residency", "benefit", "employment_status",
                                       "months_unemployed", "right_to_work", "group"};
    json_t *ns = json_array();
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
        bool stated = false;
        for (size_t i = 0; i < r->n_rules && !stated; i++)
            stated = r->rules[i].dim && !strcmp(r->rules[i].dim, dims[k]);
        if (!stated)
            json_array_append_new(ns, json_string(dims[k]));
    }
    json_object_set_new(o, "not_stated", ns);
    return o;
}

static json_t *person_json(const vocab *v, const el_params *pp)
{
    const elig_person *p = &pp->pp.p;
    json_t *o = json_object();
    if (p->age >= 0)
        json_object_set_new(o, "age", json_integer(p->age));
    if (p->borough)
        json_object_set_new(o, "borough", json_string(p->borough));
    if (p->benefits_known) {
        json_object_set_new(o, "benefits", strings(p->benefits, p->n_benefits));
    }
    if (p->status)
        json_object_set_new(o, "status", json_string(p->status));
    if (p->months_unemployed >= 0)
        json_object_set_new(o, "months_unemployed", json_integer(p->months_unemployed));
    if (p->n_groups) {
        json_object_set_new(o, "group", strings(p->groups, p->n_groups));
    }
    if (p->n_needs) {
        json_object_set_new(o, "need", strings(p->needs, p->n_needs));
    }
    if (p->language)
        json_object_set_new(o, "language", json_string(p->language));
    /* The groups the answers put the person in (person_implies_group). */
    const char *implied[PERSON_MAX_LIST];
    size_t ni = person_implied_groups(v, p, implied, PERSON_MAX_LIST);
    if (ni) {
        json_object_set_new(o, "implied_groups", strings(implied, ni));
    }
    return o;
}

/* ---- the handler ---- */

enum MHD_Result sd_api_eligible(sd_req *r, const char *rest)
{
    (void)rest;
    struct sd_server *s = r->srv;
    sd_kv kv[SD_MAX_ARGS];
    size_t n = 0;
    if (sd_collect_args(r, kv, SD_MAX_ARGS, &n) != SP_OK)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                              "too many query parameters; at most %d", SD_MAX_ARGS);
    el_params *pp = malloc(sizeof *pp);
    if (!pp)
        return MHD_NO;
    char msg[400];
    if (parse(s->voc, kv, n, pp, msg, sizeof msg) != SP_OK) {
        free(pp);
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    }

    sp_err e;
    sp_err_clear(&e);
    idx *ix = sd_worker_index(s, false, &e);
    if (!ix) {
        free(pp);
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_unavailable",
                              "the search index is not available yet; it appears once "
                              "`signpost index` or `signpost run` has indexed records");
    }

    idx_query q;
    sd_elig_query(s->voc, &pp->pp.p, pp->q, pp->has_near, pp->lat, pp->lon, pp->radius_km, &q);
    sd_elig el;
    memset(&el, 0, sizeof el);
    int rc = sd_search_fresh(s, &ix, &q, &el.res, &e);
    if (rc == SP_EINVAL) {
        sd_elig_free(&el);
        free(pp);
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "q: %s", e.msg);
    }
    if (rc != SP_OK) {
        sd_elig_free(&el);
        free(pp);
        fprintf(stderr, "searchd: eligible: search failed: %s\n", e.msg);
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the search failed; try again");
    }
    if (sd_elig_judge(s->voc, &pp->pp.p, &el) != SP_OK) {
        sd_elig_free(&el);
        free(pp);
        return MHD_NO;
    }
    /* The outcome filter keeps the order: a page of one outcome. */
    size_t ni = 0;
    for (size_t i = 0; i < el.n; i++)
        if (pp->outcome < 0 || el.items[i].outcome == pp->outcome)
            el.items[ni++] = el.items[i];

    json_t *results = json_array();
    size_t from = (size_t)((pp->page - 1) * pp->per_page);
    for (size_t i = from; i < ni && i < from + (size_t)pp->per_page; i++)
        json_array_append_new(results, item_json(s->voc, &el.items[i], q.has_near));
    json_t *out = json_object();
    json_object_set_new(out, "total", json_integer((json_int_t)ni));
    json_object_set_new(out, "evaluated", json_integer((json_int_t)el.n));
    json_object_set_new(out, "exhaustive", json_boolean(el.res.n_hits >= el.res.total));
    json_object_set_new(out, "counts",
                        json_pack("{s:I,s:I,s:I,s:I}", "eligible", (json_int_t)el.counts[0],
                                  "check", (json_int_t)el.counts[1], "not_eligible",
                                  (json_int_t)el.counts[2], "closed",
                                  (json_int_t)el.counts[SD_CLOSED]));
    json_object_set_new(out, "page", json_integer(pp->page));
    json_object_set_new(out, "per_page", json_integer(pp->per_page));
    json_object_set_new(out, "distance_from",
                        pp->has_near ? json_string("near")
                                     : q.has_near ? json_string("borough") : json_null());
    json_object_set_new(out, "person", person_json(s->voc, pp));
    json_object_set_new(out, "results", results);
    sd_elig_free(&el);
    free(pp);
    return sd_reply_json(r, MHD_HTTP_OK, out);
}
