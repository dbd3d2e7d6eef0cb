/*
 * api.c - the JSON endpoints of searchd: GET /api/v1/search,
 * GET /api/v1/services/{id} and GET /healthz.  Parameters are validated in
 * params.c; here they are run against the worker's index handle and the
 * results written as JSON with jansson (see docs/api.md for the shapes).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sd_int.h"
#include "snapshot.h"

static enum MHD_Result unavailable(sd_req *r, const sp_err *e)
{
    /* e says why (a path, a Xapian message): for the operator, not for
     * clients, who only learn that the index is not there yet. */
    (void)e;
    return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_unavailable",
                          "the search index is not available yet; it appears once "
                          "`signpost index` or `signpost run` has indexed records");
}

/* ---- search ---- */

static json_t *tag_slugs(const rec_tags *t)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < t->n; i++)
        if (t->v[i].slug)
            json_array_append_new(a, json_string(t->v[i].slug));
    return a;
}

static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static json_t *updated_of(const rec_service *rec)
{
    int64_t t = rec->prov.last_changed ? rec->prov.last_changed : rec->prov.last_seen;
    if (t <= 0 && rec->last_modified)
        t = sp_time_parse(rec->last_modified);
    if (t <= 0)
        return json_null();
    char buf[32];
    sp_time_format(t, buf);
    return json_string(buf);
}

/* One result: only fields a brief hit has (idx_query.brief). */
static json_t *hit_json(const idx_hit *h, bool near)
{
    const rec_service *rec = &h->rec;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", str_or_null(rec->id));
    json_object_set_new(o, "name", str_or_null(rec->name));
    json_object_set_new(o, "organization", str_or_null(rec->organization.name));
    json_object_set_new(o, "snippet", str_or_null(h->snippet));
    json_object_set_new(o, "boroughs", tag_slugs(&rec->boroughs));
    json_object_set_new(o, "groups", tag_slugs(&rec->groups));
    json_object_set_new(o, "categories", tag_slugs(&rec->categories));
    /* as the service page shows them, with any hub correction laid over
     * (indexer/corrections.h) */
    json_object_set_new(o, "phone", str_or_null(rec->n_phones ? rec->phones[0].number : NULL));
    json_object_set_new(o, "status", str_or_null(rec->status));
    if (near)
        json_object_set_new(o, "distance_km",
                            h->distance_km >= 0
                                ? json_real(round(h->distance_km * 100.0) / 100.0)
                                : json_null());
    json_object_set_new(o, "url",
                        str_or_null(rec->url ? rec->url : rec->organization.website));
    json_object_set_new(o, "updated", updated_of(rec));
    if (h->collapsed)
        json_object_set_new(o, "also_listed_by", json_integer((json_int_t)h->collapsed));
    return o;
}

static json_t *facets_json(const vocab *v, const idx_result *res)
{
    json_t *all = json_object();
    for (int f = 0; all && f < IDX_F__COUNT; f++) {
        const char *field = idx_field_name((idx_field)f);
        json_t *arr = json_array();
        const idx_facet *fc = &res->facets[f];
        for (size_t i = 0; arr && i < fc->n; i++) {
            const idx_facet_value *fv = &fc->v[i];
            const char *label = vocab_label(v, field, fv->value);
            char months[64]; /* a number's label */
            if (f == IDX_F_MONTHS) {
                if (!strcmp(fv->value, "0"))
                    snprintf(months, sizeof months, "Just out of work (0 months)");
                else
                    snprintf(months, sizeof months, "Out of work %s months", fv->value);
                label = months;
            } else if (f == IDX_F_AGE) {
                snprintf(months, sizeof months, "Aged %s", fv->value);
                label = months;
            } else if (f == IDX_F_BENEFITS && !strcmp(fv->value, "none")) {
                label = "Not claiming benefits";
            }
            json_array_append_new(
                arr, json_pack("{s:s?,s:s?,s:I,s:b}", "value", fv->value, "label",
                               label ? label : fv->value, "count", (json_int_t)fv->count,
                               "selected", fv->selected));
        }
        json_object_set_new(all, field, arr);
    }
    return all;
}

/* The hours facet (sd_hours_facet) as facets "day" (MO..SU, in week
 * order) and "time" (morning, afternoon, evening): every value, counted
 * exactly, also those no service is open on.  Only on the first page: it
 * is ten more counting searches, and a client paging through results has
 * had it. */
static void hours_facets_json(json_t *facets, idx *ix, const sd_search *p,
                              const idx_result *own)
{
    static const char *const days[HOURS_DAYS] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                 "Friday", "Saturday", "Sunday"};
    static const char *const parts[HOURS_PERIODS] = {
        "Morning (before 12:00)", "Afternoon (12:00 to 17:00)", "Evening (after 17:00)"};
    if (!facets || p->page > 1) /* ten counts: for the first page only */
        return;
    sd_hours_counts c;
    sd_hours_facet(ix, p, own, &c);
    if (!c.ok)
        return;
    json_t *day = json_array(), *time = json_array();
    for (int d = 0; day && d < HOURS_DAYS; d++)
        json_array_append_new(day, json_pack("{s:s,s:s,s:I,s:b}", "value", hours_day_code(d),
                                             "label", days[d], "count", (json_int_t)c.day[d],
                                             "selected", !p->open_now && p->day == d));
    for (int t = 0; time && t < HOURS_PERIODS; t++)
        json_array_append_new(
            time, json_pack("{s:s,s:s,s:I,s:b}", "value", hours_period_name((hours_period)t),
                            "label", parts[t], "count", (json_int_t)c.period[t], "selected",
                            !p->open_now && p->period == t));
    json_object_set_new(facets, "day", day);
    json_object_set_new(facets, "time", time);
}

/* The query as applied: canonical slugs, numbers as numbers. */
static json_t *echo_json(const sd_search *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "q", json_string(p->qtext ? p->qtext : ""));
    for (int f = 0; f < IDX_F__COUNT; f++) {
        if (!p->q.n_filters[f])
            continue;
        const char *name = idx_field_name((idx_field)f);
        const char *v0 = p->vals[f][0];
        if (idx_field_is_number((idx_field)f)) {
            json_object_set_new(o, name, json_integer(strtol(v0, NULL, 10)));
            continue;
        }
        if (sd_field_single((idx_field)f)) {
            json_object_set_new(o, name, json_string(v0));
            continue;
        }
        json_t *a = json_array();
        for (size_t i = 0; a && i < p->q.n_filters[f]; i++)
            json_array_append_new(a, json_string(p->vals[f][i]));
        json_object_set_new(o, name, a);
    }
    if (p->q.has_near) {
        json_object_set_new(o, "near", json_string(p->near));
        if (p->q.radius_km > 0)
            json_object_set_new(o, "radius_km", json_real(p->q.radius_km));
    }
    if (p->open_now) {
        json_object_set_new(o, "open", json_string("now"));
    } else {
        if (p->day >= 0)
            json_object_set_new(o, "day", json_string(hours_day_code(p->day)));
        if (p->period >= 0)
            json_object_set_new(o, "time",
                                json_string(hours_period_name((hours_period)p->period)));
        if (p->minute >= 0)
            json_object_set_new(o, "at", json_sprintf("%02d:%02d", p->minute / 60,
                                                       p->minute % 60));
    }
    json_object_set_new(o, "sort", json_string(p->sort));
    json_object_set_new(o, "page", json_integer(p->page));
    json_object_set_new(o, "per_page", json_integer(p->per_page));
    return o;
}

static enum MHD_Result search_reply(sd_req *r, const sd_search *pp, const und_result *u);

long sd_count(idx *ix, idx_query q)
{
    q.facets = false;
    q.exact_facets = true; /* an exact total */
    q.offset = 0;
    q.limit = 0; /* the total alone: no hit read, no snippet */
    idx_result res;
    sp_err e;
    sp_err_clear(&e);
    long n = idx_search(ix, &q, &res, &e) == SP_OK ? (long)res.total : -1;
    idx_result_free(&res);
    return n;
}

long sd_hours_unknown(idx *ix, const sd_search *p)
{
    idx_query q = p->q;
    static const char *const unknown[] = {HOURS_UNKNOWN_TERM};
    q.hours = unknown;
    q.n_hours = 1;
    q.relax = false;
    return sd_count(ix, q);
}

/* "hours": what an hours filter asked and how many services it left out
 * for want of known hours (docs/api.md); NULL without one. */
static json_t *hours_json(idx *ix, const sd_search *p)
{
    if (!p->q.n_hours)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (p->day >= 0)
        json_object_set_new(o, "day", json_string(hours_day_code(p->day)));
    if (p->period >= 0)
        json_object_set_new(o, "time", json_string(hours_period_name((hours_period)p->period)));
    if (p->minute >= 0)
        json_object_set_new(o, "at",
                            json_sprintf("%02d:%02d", p->minute / 60, p->minute % 60));
    json_object_set_new(o, "zone", json_string(SD_ZONE));
    long unknown = sd_hours_unknown(ix, p);
    json_object_set_new(o, "unknown_hours", unknown >= 0 ? json_integer(unknown) : json_null());
    return o;
}

enum MHD_Result sd_api_search(sd_req *r, const char *rest)
{
    struct sd_server *s = r->srv;
    /* One more than allowed, so sd_search_parse names the limit. */
    sd_kv kv[SD_MAX_ARGS + 1];
    size_t n = 0;
    if (sd_collect_args(r, kv, SD_MAX_ARGS + 1, &n) != SP_OK)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                              "too many query parameters; at most %d", SD_MAX_ARGS);

    sd_search p;
    char msg[512];
    if (sd_search_parse(s->voc, kv, n, &p, msg, sizeof msg) != SP_OK)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    if (sd_search_hours(&p, s->london, (int64_t)time(NULL)) != SP_OK)
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "open=now is unavailable: the server has no time zone "
                              "database for %s; use day and at instead", SD_ZONE);

    sp_err e;
    sp_err_clear(&e);
    und_result *u = malloc(sizeof *u);
    if (!u || sd_understand(s->voc, &p, u, &e) != SP_OK) {
        free(u);
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the search failed; try again");
    }
    enum MHD_Result ret = search_reply(r, &p, u);
    free(u);
    return ret;
}

/* The search of p (with what the words said, u) as JSON. */
static enum MHD_Result search_reply(sd_req *r, const sd_search *pp, const und_result *u)
{
    struct sd_server *s = r->srv;
    const sd_search p = *pp;
    sp_err e;
    sp_err_clear(&e);
    idx *ix = sd_worker_index(s, false, &e);
    if (!ix)
        return unavailable(r, &e);

    idx_result res;
    idx_query q = p.q;
    q.brief = true; /* hit_json reads only the fields a brief hit has */
    sd_hours_sets hs;
    if (p.page <= 1) /* the hours facet, counted by this search */
        sd_hours_ask(&p, &hs, &q);
    int rc = sd_search_fresh(s, &ix, &q, &res, &e);
    if (!ix) {
        idx_result_free(&res);
        return unavailable(r, &e);
    }
    if (rc == SP_EINVAL) {
        idx_result_free(&res);
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "q: %s", e.msg);
    }
    if (rc != SP_OK) {
        idx_result_free(&res);
        fprintf(stderr, "searchd: search failed: %s\n", e.msg);
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the search failed; try again");
    }

    json_t *results = json_array();
    for (size_t i = 0; results && i < res.n_hits; i++)
        json_array_append_new(results, hit_json(&res.hits[i], p.q.has_near));
    json_t *out = json_object();
    if (out) {
        json_object_set_new(out, "total", json_integer((json_int_t)res.total));
        json_object_set_new(out, "exhaustive", json_boolean(res.exhaustive));
        json_object_set_new(out, "page", json_integer(p.page));
        json_object_set_new(out, "per_page", json_integer(p.per_page));
        json_object_set_new(out, "results", results ? results : json_array());
        json_t *facets = facets_json(s->voc, &res);
        hours_facets_json(facets, ix, &p, &res);
        json_object_set_new(out, "facets", facets);
        if (res.suggestion && *res.suggestion)
            json_object_set_new(out, "suggestion", json_string(res.suggestion));
        if (res.suggestion_used)
            json_object_set_new(out, "showing_suggestion", json_true());
        json_object_set_new(out, "relaxed", json_boolean(res.relaxed));
        json_object_set_new(out, "applied", sd_applied_json(u));
        json_object_set_new(out, "searched_for", json_string(p.q.q ? p.q.q : ""));
        json_t *named = json_array();
        for (size_t i = 0; named && i < u->n_boost; i++)
            json_array_append_new(named, json_string(u->boost[i]));
        json_object_set_new(out, "categories_named", named ? named : json_array());
        json_object_set_new(out, "query", echo_json(&p));
        json_t *hours = hours_json(ix, &p);
        if (hours)
            json_object_set_new(out, "hours", hours);
    } else {
        json_decref(results);
    }
    idx_result_free(&res);
    if (!out)
        return MHD_NO;
    return sd_reply_json(r, MHD_HTTP_OK, out);
}

/* ---- one service ---- */

#define SD_MAX_ALSO 100 /* other records of a cluster listed */

void sd_cluster_query(idx_query *q, const rec_service *rec, size_t max)
{
    idx_query_init(q);
    q->cluster = rec->cluster_id;
    q->facets = false;
    q->collapse = false;
    q->sort = IDX_SORT_UPDATED;
    q->limit = max + 1; /* rec itself is one of them */
}

/* The other records of rec's duplicate cluster, most recently changed
 * first: [{"id", "name", "organization", "source", "source_url"}]. */
static json_t *cluster_json(idx *ix, const rec_service *rec)
{
    json_t *a = json_array();
    idx_query q;
    sd_cluster_query(&q, rec, SD_MAX_ALSO);
    idx_result res;
    sp_err e;
    sp_err_clear(&e);
    if (a && idx_search(ix, &q, &res, &e) == SP_OK) {
        for (size_t i = 0; i < res.n_hits; i++) {
            const rec_service *o = &res.hits[i].rec;
            if (!o->id || !strcmp(o->id, rec->id) || json_array_size(a) >= SD_MAX_ALSO)
                continue;
            json_array_append_new(
                a, json_pack("{s:s,s:s?,s:s?,s:s?,s:s?}", "id", o->id, "name", o->name,
                             "organization", o->organization.name, "source",
                             o->prov.source_id, "source_url", o->prov.source_url));
        }
        idx_result_free(&res);
    } else if (a) {
        fprintf(stderr, "searchd: listing a duplicate cluster failed: %s\n", e.msg);
    }
    return a;
}

enum MHD_Result sd_api_service(sd_req *r, const char *rest)
{
    char id[37];
    size_t len = strlen(rest);
    if (len != 36)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                              "the service id must be a UUID such as "
                              "3f2b8c1e-0a4d-5e6f-8a9b-0c1d2e3f4a5b");
    for (size_t i = 0; i < len; i++)
        id[i] = (char)tolower((unsigned char)rest[i]);
    id[len] = '\0';
    if (!rec_is_uuid(id))
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                              "the service id must be a UUID such as "
                              "3f2b8c1e-0a4d-5e6f-8a9b-0c1d2e3f4a5b");

    sp_err e;
    sp_err_clear(&e);
    idx *ix = sd_worker_index(r->srv, false, &e);
    if (!ix)
        return unavailable(r, &e);
    rec_service rec;
    int rc = idx_get(ix, id, &rec, &e);
    if (rc == SP_ENOTFOUND)
        return sd_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                              "no service with id %s; it may have been removed or merged",
                              id);
    if (rc != SP_OK) {
        fprintf(stderr, "searchd: reading a record failed: %s\n", e.msg);
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "reading the record failed; try again");
    }
    sd_reports_apply(r->srv, &rec);
    json_t *j = rec_to_json(&rec);
    if (j && rec.cluster_id && *rec.cluster_id)
        json_object_set_new(j, "also_listed_by", cluster_json(ix, &rec));
    rec_service_free(&rec);
    if (!j)
        return MHD_NO;
    return sd_reply_json(r, MHD_HTTP_OK, j);
}

/* ---- health ---- */

enum MHD_Result sd_api_healthz(sd_req *r, const char *rest)
{
    sp_err e;
    sp_err_clear(&e);
    idx *ix = sd_worker_index(r->srv, false, &e);
    if (!ix)
        return sd_reply_json(
            r, MHD_HTTP_SERVICE_UNAVAILABLE,
            json_pack("{s:s,s:i,s:{s:s,s:s}}", "status", "unavailable", "documents", 0,
                      "error", "code", "index_unavailable", "message",
                      "the search index is not available yet"));
    /* The index's revision (indexer/snapshot.h) on every node; a replica
     * adds how current its copy is and degrades when it is too old. */
    long long rev = 0, pub = 0;
    snap_revision(ix, &rev, &pub);
    bool degraded = false;
    json_t *replica = sd_replica_health(r->srv, &degraded);
    return sd_reply_json(r, MHD_HTTP_OK,
                         json_pack("{s:s,s:I,s:I,s:I,s:o?}", "status",
                                   degraded ? "degraded" : "ok", "documents",
                                   (json_int_t)idx_count(ix), "revision", (json_int_t)rev,
                                   "published_ms", (json_int_t)pub, "replica", replica));
}
