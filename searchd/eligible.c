/*
 * eligible.c - GET /api/v1/eligible: a person's circumstances in, services
 * out as eligible, check or not_eligible, each with its reasons (which
 * rule, which evidence).  See docs/eligibility.md and docs/api.md.
 *
 * The candidates are the services matching q and the needs (as category
 * filters), at most IDX_MAX candidates in relevance order; each is checked
 * in C against its stored rules (indexer/elig.c), then ordered: eligible
 * first, then check, then not_eligible; within each, services speaking the
 * person's language first, then nearer (to `near`, else to the centre of
 * the person's borough), then more relevant.
 *
 * Parameters are validated as strictly as /api/v1/search's (400 naming
 * the parameter).  Nothing about the person is logged or stored: the
 * access log has the path only, and the reply is not cached.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elig.h"
#include "sd_int.h"

#define EL_CANDIDATES 1000 /* services evaluated per request */
#define EL_MAX_LIST 16     /* values of a repeatable parameter */

typedef struct el_params {
    elig_person p;
    const char *benefits[EL_MAX_LIST], *groups[EL_MAX_LIST], *needs[EL_MAX_LIST];
    char q[SD_MAX_Q + 1];
    char near[SD_MAX_VALUE + 1];
    bool has_near;
    double lat, lon, radius_km;
    int outcome; /* -1: all */
    long page, per_page;
} el_params;

static const char allowed[] = "age, borough, benefits, status, months_unemployed, group, "
                              "need, language, q, near, radius_km, outcome, page, per_page";

static bool key_is(const sd_kv *kv, const char *name)
{
    return strlen(name) == kv->key_len && !memcmp(kv->key, name, kv->key_len);
}

static int bad(char *msg, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *msg, size_t sz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sz, fmt, ap);
    va_end(ap);
    return SP_EINVAL;
}

/* Add a canonical slug to a list, once. */
static int add_slug(const char **list, size_t *n, const char *slug, const char *name,
                    char *msg, size_t sz)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(list[i], slug))
            return SP_OK;
    if (*n >= EL_MAX_LIST)
        return bad(msg, sz, "%s: too many values; at most %d", name, EL_MAX_LIST);
    list[(*n)++] = slug;
    return SP_OK;
}

static int parse(const vocab *v, const sd_kv *kv, size_t n, el_params *o, char *msg,
                 size_t sz)
{
    memset(o, 0, sizeof *o);
    elig_person_init(&o->p);
    o->outcome = -1;
    o->page = 1;
    o->per_page = 20;
    o->p.benefits = o->benefits;
    o->p.groups = o->groups;
    o->p.needs = o->needs;
    static const char *const single[] = {"age",       "borough", "status", "months_unemployed",
                                         "language",  "q",       "near",   "radius_km",
                                         "outcome",   "page",    "per_page"};
    static const char *const multi[] = {"benefits", "group", "need"};
    bool seen[sizeof single / sizeof single[0]] = {false};

    for (size_t i = 0; i < n; i++) {
        const sd_kv *p = &kv[i];
        const char *name = NULL;
        bool repeatable = false;
        for (size_t k = 0; k < sizeof single / sizeof single[0]; k++)
            if (key_is(p, single[k])) {
                name = single[k];
                if (seen[k])
                    return bad(msg, sz, "%s is given more than once; it takes one value",
                               name);
                seen[k] = true;
            }
        for (size_t k = 0; !name && k < sizeof multi / sizeof multi[0]; k++)
            if (key_is(p, multi[k])) {
                name = multi[k];
                repeatable = true;
            }
        if (!name) {
            char shown[64];
            size_t l = p->key_len < 40 ? p->key_len : 40;
            if (!sp_utf8_valid(p->key, p->key_len) || memchr(p->key, '\0', p->key_len))
                return bad(msg, sz, "a parameter name is not valid UTF-8 text; allowed: %s",
                           allowed);
            while (l > 0 && l < p->key_len && ((unsigned char)p->key[l] & 0xC0) == 0x80)
                l--;
            memcpy(shown, p->key, l);
            shown[l] = '\0';
            return bad(msg, sz, "unknown parameter '%s'; allowed: %s", shown, allowed);
        }
        (void)repeatable;
        const char *val = p->value ? p->value : "";
        size_t len = p->value ? p->value_len : 0;
        size_t max = !strcmp(name, "q") ? SD_MAX_Q : SD_MAX_VALUE;
        if (len > max)
            return bad(msg, sz, "%s is %zu bytes long; at most %zu are allowed", name, len,
                       max);
        if (!sp_utf8_valid(val, len) || memchr(val, '\0', len))
            return bad(msg, sz, "%s is not valid UTF-8 text", name);
        if (len == 0)
            continue; /* an empty form field means "unknown" */
        char buf[SD_MAX_Q + 1];
        memcpy(buf, val, len);
        buf[len] = '\0';
        /* Values are not echoed in messages: they describe a person. */
        if (!strcmp(name, "age")) {
            long a = sd_parse_uint(val, len);
            if (a < 0 || a > SD_MAX_AGE)
                return bad(msg, sz, "age must be a whole number of years from 0 to %d",
                           SD_MAX_AGE);
            o->p.age = (int)a;
        } else if (!strcmp(name, "months_unemployed")) {
            long m = sd_parse_uint(val, len);
            if (m < 0 || m > 1200)
                return bad(msg, sz,
                           "months_unemployed must be a whole number of months from 0 to 1200");
            o->p.months_unemployed = (int)m;
        } else if (!strcmp(name, "borough")) {
            const char *s = vocab_canon(v, "borough", buf);
            if (!s)
                return bad(msg, sz,
                           "borough: unknown value; use a London borough's GOV.UK slug "
                           "(newham), GSS code (E09000025) or name");
            o->p.borough = s;
        } else if (!strcmp(name, "status")) {
            const char *s = vocab_canon(v, "status", buf);
            if (!s)
                return bad(msg, sz,
                           "status: unknown value; use unemployed, inactive, in-work, "
                           "low-paid, redundancy or in-education");
            o->p.status = s;
        } else if (!strcmp(name, "benefits")) {
            o->p.benefits_known = true;
            if (!strcmp(buf, "none"))
                continue; /* claims no benefit */
            const char *s = vocab_canon(v, "benefit", buf);
            if (!s)
                return bad(msg, sz,
                           "benefits: unknown value; use none or a benefit slug such as "
                           "universal-credit, jsa, esa, income-support, pip, "
                           "carers-allowance, housing-benefit, pension-credit");
            if (add_slug(o->benefits, &o->p.n_benefits, s, name, msg, sz) != SP_OK)
                return SP_EINVAL;
        } else if (!strcmp(name, "group")) {
            const char *s = vocab_canon(v, "group", buf);
            if (!s)
                return bad(msg, sz,
                           "group: unknown value; use a group slug such as young-people, "
                           "aged-50-plus, disabled, care-leavers");
            if (add_slug(o->groups, &o->p.n_groups, s, name, msg, sz) != SP_OK)
                return SP_EINVAL;
        } else if (!strcmp(name, "need")) {
            const char *s = vocab_canon(v, "category", buf);
            if (!s)
                return bad(msg, sz,
                           "need: unknown value; use a category slug such as "
                           "employment-support, cv-and-applications, esol, mental-health");
            if (add_slug(o->needs, &o->p.n_needs, s, name, msg, sz) != SP_OK)
                return SP_EINVAL;
        } else if (!strcmp(name, "language")) {
            const char *s = vocab_canon(v, "language", buf);
            if (!s)
                return bad(msg, sz,
                           "language: unknown value; use an ISO 639-1 code such as en, ar, "
                           "bn, so, pl");
            o->p.language = s;
        } else if (!strcmp(name, "q")) {
            memcpy(o->q, buf, len + 1);
        } else if (!strcmp(name, "near")) {
            const vocab_borough *b = NULL;
            double lat = NAN, lon = NAN;
            int rc = vocab_postcode(v, buf, &lat, &lon, &b);
            if (rc == SP_EINVAL)
                return bad(msg, sz,
                           "near: not a UK postcode; give a postcode (E8 1DY), sector (E8 1) "
                           "or district (E8)");
            if (rc != SP_OK && (isnan(lat) || isnan(lon)))
                return bad(msg, sz,
                           "near: postcode not known; give a London postcode, sector or "
                           "district");
            memcpy(o->near, buf, len + 1);
            o->has_near = true;
            o->lat = lat;
            o->lon = lon;
        } else if (!strcmp(name, "radius_km")) {
            double r = sd_parse_decimal(val, len);
            if (isnan(r) || !(r > 0) || r > SD_MAX_RADIUS_KM)
                return bad(msg, sz,
                           "radius_km must be a number of kilometres above 0 and at most %g",
                           SD_MAX_RADIUS_KM);
            o->radius_km = r;
        } else if (!strcmp(name, "outcome")) {
            if (!strcmp(buf, "eligible"))
                o->outcome = ELIG_ELIGIBLE;
            else if (!strcmp(buf, "check"))
                o->outcome = ELIG_CHECK;
            else if (!strcmp(buf, "not_eligible"))
                o->outcome = ELIG_NOT_ELIGIBLE;
            else
                return bad(msg, sz, "outcome must be eligible, check or not_eligible");
        } else if (!strcmp(name, "page")) {
            long pg = sd_parse_uint(val, len);
            if (pg < 1 || pg > EL_CANDIDATES)
                return bad(msg, sz, "page must be a whole number from 1 to %d",
                           EL_CANDIDATES);
            o->page = pg;
        } else if (!strcmp(name, "per_page")) {
            long pp = sd_parse_uint(val, len);
            if (pp < 1 || pp > SD_MAX_PER_PAGE)
                return bad(msg, sz, "per_page must be a whole number from 1 to %d",
                           SD_MAX_PER_PAGE);
            o->per_page = pp;
        }
    }
    if (o->radius_km > 0 && !o->has_near)
        return bad(msg, sz, "radius_km needs near=POSTCODE");
    return SP_OK;
}

/* ---- ordering ---- */

typedef struct el_item {
    idx_hit *hit;
    elig_verdict *verdict;
    size_t rank; /* relevance order */
    double km;   /* < 0 unknown */
} el_item;

static int item_cmp(const void *a, const void *b)
{
    const el_item *x = a, *y = b;
    if (x->verdict->outcome != y->verdict->outcome)
        return (int)x->verdict->outcome - (int)y->verdict->outcome;
    if (x->verdict->speaks_language != y->verdict->speaks_language)
        return x->verdict->speaks_language ? -1 : 1;
    /* Nearer first, in whole kilometres so relevance still counts. */
    double dx = x->km < 0 ? 1e9 : floor(x->km), dy = y->km < 0 ? 1e9 : floor(y->km);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
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
        json_t *a = json_array();
        for (size_t i = 0; i < u->n_values; i++)
            json_array_append_new(a, json_string(u->values[i]));
        json_object_set_new(o, "values", a);
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

static json_t *item_json(const el_item *it, bool with_km)
{
    const rec_service *r = &it->hit->rec;
    const elig_verdict *vd = it->verdict;
    json_t *o = json_object();
    json_object_set_new(o, "id", str_or_null(r->id));
    json_object_set_new(o, "name", str_or_null(r->name));
    json_object_set_new(o, "organization", str_or_null(r->organization.name));
    json_object_set_new(o, "url", str_or_null(r->url ? r->url : r->organization.website));
    json_object_set_new(o, "outcome", json_string(elig_outcome_name(vd->outcome)));
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
        json_t *ro = json_pack("{s:s,s:s,s:s}", "dimension", e->dimension, "outcome",
                               elig_outcome_name(e->outcome), "message", e->message);
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

static json_t *person_json(const el_params *pp)
{
    const elig_person *p = &pp->p;
    json_t *o = json_object();
    if (p->age >= 0)
        json_object_set_new(o, "age", json_integer(p->age));
    if (p->borough)
        json_object_set_new(o, "borough", json_string(p->borough));
    if (p->benefits_known) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->n_benefits; i++)
            json_array_append_new(a, json_string(p->benefits[i]));
        json_object_set_new(o, "benefits", a);
    }
    if (p->status)
        json_object_set_new(o, "status", json_string(p->status));
    if (p->months_unemployed >= 0)
        json_object_set_new(o, "months_unemployed", json_integer(p->months_unemployed));
    if (p->n_groups) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->n_groups; i++)
            json_array_append_new(a, json_string(p->groups[i]));
        json_object_set_new(o, "group", a);
    }
    if (p->n_needs) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->n_needs; i++)
            json_array_append_new(a, json_string(p->needs[i]));
        json_object_set_new(o, "need", a);
    }
    if (p->language)
        json_object_set_new(o, "language", json_string(p->language));
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
    idx_query_init(&q);
    q.q = pp->q[0] ? pp->q : NULL;
    q.filters[IDX_F_CATEGORY] = pp->needs;
    q.n_filters[IDX_F_CATEGORY] = pp->p.n_needs;
    q.facets = false;
    q.exact_facets = false;
    q.collapse = false;
    q.sort = IDX_SORT_RELEVANCE;
    q.offset = 0;
    q.limit = EL_CANDIDATES;
    /* Distance from the postcode, else from the centre of the person's
     * borough: "nearer" still means something without a postcode. */
    const vocab_borough *home = pp->p.borough ? vocab_borough_get(s->voc, pp->p.borough) : NULL;
    if (pp->has_near) {
        q.has_near = true;
        q.near_lat = pp->lat;
        q.near_lon = pp->lon;
        q.radius_km = pp->radius_km;
    } else if (home) {
        q.has_near = true;
        q.near_lat = home->lat;
        q.near_lon = home->lon;
    }

    idx_result res;
    memset(&res, 0, sizeof res);
    int rc = idx_search(ix, &q, &res, &e);
    if (rc != SP_OK && rc != SP_EINVAL) {
        idx_result_free(&res);
        memset(&res, 0, sizeof res);
        sp_err_clear(&e);
        ix = sd_worker_index(s, true, &e);
        if (ix)
            rc = idx_search(ix, &q, &res, &e);
    }
    if (rc == SP_EINVAL) {
        idx_result_free(&res);
        free(pp);
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "q: %s", e.msg);
    }
    if (rc != SP_OK) {
        idx_result_free(&res);
        free(pp);
        fprintf(stderr, "searchd: eligible: search failed: %s\n", e.msg);
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the search failed; try again");
    }

    el_item *items = calloc(res.n_hits ? res.n_hits : 1, sizeof *items);
    elig_verdict *vds = calloc(res.n_hits ? res.n_hits : 1, sizeof *vds);
    if (!items || !vds) {
        free(items);
        free(vds);
        idx_result_free(&res);
        free(pp);
        return MHD_NO;
    }
    size_t counts[3] = {0, 0, 0}, ni = 0;
    for (size_t i = 0; i < res.n_hits; i++) {
        elig_evaluate(s->voc, &res.hits[i].rec, &pp->p, &vds[i]);
        counts[vds[i].outcome]++;
        if (pp->outcome >= 0 && (int)vds[i].outcome != pp->outcome)
            continue;
        items[ni].hit = &res.hits[i];
        items[ni].verdict = &vds[i];
        items[ni].rank = i;
        items[ni].km = res.hits[i].distance_km;
        ni++;
    }
    qsort(items, ni, sizeof *items, item_cmp);

    json_t *results = json_array();
    size_t from = (size_t)((pp->page - 1) * pp->per_page);
    for (size_t i = from; i < ni && i < from + (size_t)pp->per_page; i++)
        json_array_append_new(results, item_json(&items[i], q.has_near));
    json_t *out = json_object();
    json_object_set_new(out, "total", json_integer((json_int_t)ni));
    json_object_set_new(out, "evaluated", json_integer((json_int_t)res.n_hits));
    json_object_set_new(out, "exhaustive", json_boolean(res.n_hits >= res.total));
    json_object_set_new(out, "counts",
                        json_pack("{s:I,s:I,s:I}", "eligible", (json_int_t)counts[0], "check",
                                  (json_int_t)counts[1], "not_eligible",
                                  (json_int_t)counts[2]));
    json_object_set_new(out, "page", json_integer(pp->page));
    json_object_set_new(out, "per_page", json_integer(pp->per_page));
    json_object_set_new(out, "distance_from",
                        pp->has_near ? json_string("near")
                                     : home ? json_string("borough") : json_null());
    json_object_set_new(out, "person", person_json(pp));
    json_object_set_new(out, "results", results);
    free(items);
    free(vds);
    idx_result_free(&res);
    free(pp);
    return sd_reply_json(r, MHD_HTTP_OK, out);
}
