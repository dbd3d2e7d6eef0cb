/*
 * api.c - the JSON endpoints of searchd: GET /api/v1/search,
 * GET /api/v1/services/{id} and GET /healthz.  Parameters are validated in
 * params.c; here they are run against the worker's index handle and the
 * results written as JSON (see docs/api.md for the shapes): a search's
 * reply directly (sd_jw, json_out.c), the others with jansson.
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

/* Member key: s, or null; a string json_string refuses is null too (as
 * before the reply was written directly). */
static void str_or_null(sd_jw *w, const char *key, const char *s)
{
    sd_jw_key(w, key);
    sd_jw_str(w, sd_jw_ok(s) ? s : NULL);
}

/* Member key: the slugs of t (any that is not UTF-8 left out). */
static void tag_slugs(sd_jw *w, const char *key, const rec_tags *t)
{
    sd_jw_key(w, key);
    sd_jw_open(w, '[');
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].slug && sd_jw_ok(t->v[i].slug))
            sd_jw_str(w, t->v[i].slug);
    sd_jw_close(w, ']');
}

static void updated_of(sd_jw *w, const rec_service *rec)
{
    int64_t t = rec->prov.last_changed ? rec->prov.last_changed : rec->prov.last_seen;
    if (t <= 0 && rec->last_modified)
        t = sp_time_parse(rec->last_modified);
    char buf[32];
    if (t > 0)
        sp_time_format(t, buf);
    str_or_null(w, "updated", t > 0 ? buf : NULL);
}

/* One result: only fields a brief hit has (idx_query.brief). */
static void hit_json(sd_jw *w, const idx_hit *h, bool near)
{
    const rec_service *rec = &h->rec;
    sd_jw_open(w, '{');
    str_or_null(w, "id", rec->id);
    str_or_null(w, "name", rec->name);
    str_or_null(w, "organization", rec->organization.name);
    str_or_null(w, "snippet", h->snippet);
    tag_slugs(w, "boroughs", &rec->boroughs);
    tag_slugs(w, "groups", &rec->groups);
    tag_slugs(w, "categories", &rec->categories);
    /* as the service page shows them, with any hub correction laid over
     * (indexer/corrections.h) */
    str_or_null(w, "phone", rec->n_phones ? rec->phones[0].number : NULL);
    str_or_null(w, "status", rec->status);
    if (near) {
        sd_jw_key(w, "distance_km");
        if (h->distance_km >= 0)
            sd_jw_real(w, round(h->distance_km * 100.0) / 100.0);
        else
            sd_jw_null(w);
    }
    str_or_null(w, "url", rec->url ? rec->url : rec->organization.website);
    updated_of(w, rec);
    if (h->collapsed) {
        sd_jw_key(w, "also_listed_by");
        sd_jw_int(w, (json_int_t)h->collapsed);
    }
    sd_jw_close(w, '}');
}

/* One facet value: {"value","label","count","selected"}. */
static void facet_value(sd_jw *w, const char *value, const char *label, long count,
                        bool selected)
{
    sd_jw_open(w, '{');
    sd_jw_key(w, "value");
    sd_jw_str(w, value);
    sd_jw_key(w, "label");
    sd_jw_str(w, label);
    sd_jw_key(w, "count");
    sd_jw_int(w, (json_int_t)count);
    sd_jw_key(w, "selected");
    sd_jw_bool(w, selected);
    sd_jw_close(w, '}');
}

/* The members of "facets" for the index's fields. */
static void facets_json(sd_jw *w, const vocab *v, const idx_result *res)
{
    for (int f = 0; f < IDX_F__COUNT; f++) {
        const char *field = idx_field_name((idx_field)f);
        const idx_facet *fc = &res->facets[f];
        sd_jw_key(w, field);
        sd_jw_open(w, '[');
        for (size_t i = 0; i < fc->n; i++) {
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
            if (!label)
                label = fv->value;
            if (sd_jw_ok(fv->value) && sd_jw_ok(label)) /* else json_pack failed */
                facet_value(w, fv->value, label, (long)fv->count, fv->selected);
        }
        sd_jw_close(w, ']');
    }
}

/* The hours facet (sd_hours_facet) as the members "day" (MO..SU, in week
 * order) and "time" (morning, afternoon, evening) of "facets": every
 * value, counted exactly, also those no service is open on.  Only on the
 * first page: a client paging through results has had it. */
static void hours_facets_json(sd_jw *w, idx *ix, const sd_search *p, const idx_result *own)
{
    static const char *const days[HOURS_DAYS] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                 "Friday", "Saturday", "Sunday"};
    static const char *const parts[HOURS_PERIODS] = {
        "Morning (before 12:00)", "Afternoon (12:00 to 17:00)", "Evening (after 17:00)"};
    if (p->page > 1)
        return;
    sd_hours_counts c;
    sd_hours_facet(ix, p, own, &c);
    if (!c.ok)
        return;
    sd_jw_key(w, "day");
    sd_jw_open(w, '[');
    for (int d = 0; d < HOURS_DAYS; d++)
        facet_value(w, hours_day_code(d), days[d], c.day[d], !p->open_now && p->day == d);
    sd_jw_close(w, ']');
    sd_jw_key(w, "time");
    sd_jw_open(w, '[');
    for (int t = 0; t < HOURS_PERIODS; t++)
        facet_value(w, hours_period_name((hours_period)t), parts[t], c.period[t],
                    !p->open_now && p->period == t);
    sd_jw_close(w, ']');
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

    /* Written as it goes (sd_jw), the members in the order the jansson
     * tree this replaced had them. */
    sd_jw w = {0};
    sd_jw_open(&w, '{');
    sd_jw_key(&w, "total");
    sd_jw_int(&w, (json_int_t)res.total);
    sd_jw_key(&w, "exhaustive");
    sd_jw_bool(&w, res.exhaustive);
    sd_jw_key(&w, "page");
    sd_jw_int(&w, (json_int_t)p.page);
    sd_jw_key(&w, "per_page");
    sd_jw_int(&w, (json_int_t)p.per_page);
    sd_jw_key(&w, "results");
    sd_jw_open(&w, '[');
    for (size_t i = 0; i < res.n_hits; i++)
        hit_json(&w, &res.hits[i], p.q.has_near);
    sd_jw_close(&w, ']');
    sd_jw_key(&w, "facets");
    sd_jw_open(&w, '{');
    facets_json(&w, s->voc, &res);
    hours_facets_json(&w, ix, &p, &res);
    sd_jw_close(&w, '}');
    if (res.suggestion && *res.suggestion && sd_jw_ok(res.suggestion)) {
        sd_jw_key(&w, "suggestion");
        sd_jw_str(&w, res.suggestion);
    }
    if (res.suggestion_used) {
        sd_jw_key(&w, "showing_suggestion");
        sd_jw_bool(&w, true);
    }
    sd_jw_key(&w, "relaxed");
    sd_jw_bool(&w, res.relaxed);
    json_t *applied = sd_applied_json(u);
    if (applied) {
        sd_jw_key(&w, "applied");
        sd_jw_json(&w, applied);
        json_decref(applied);
    }
    if (sd_jw_ok(p.q.q)) {
        sd_jw_key(&w, "searched_for");
        sd_jw_str(&w, p.q.q ? p.q.q : "");
    }
    sd_jw_key(&w, "categories_named");
    sd_jw_open(&w, '[');
    for (size_t i = 0; i < u->n_boost; i++)
        if (u->boost[i] && sd_jw_ok(u->boost[i]))
            sd_jw_str(&w, u->boost[i]);
    sd_jw_close(&w, ']');
    json_t *query = echo_json(&p);
    if (query) {
        sd_jw_key(&w, "query");
        sd_jw_json(&w, query);
        json_decref(query);
    }
    json_t *hours = hours_json(ix, &p);
    if (hours) {
        sd_jw_key(&w, "hours");
        sd_jw_json(&w, hours);
        json_decref(hours);
    }
    sd_jw_close(&w, '}');
    idx_result_free(&res);
    return sd_reply_jw(r, &w);
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
