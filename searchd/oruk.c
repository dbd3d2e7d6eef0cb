/*
 * oruk.c - the Open Referral UK (HSDS 3.0 profile) API under /oruk/:
 *
 *   GET /oruk/                        version, profile, openapi_url
 *   GET /oruk/openapi.json            the OpenAPI description (oruk_openapi.c)
 *   GET /oruk/services                paged (HSDS page fields + contents)
 *   GET /oruk/services/{id}           one service, fully nested
 *   GET /oruk/service_at_locations[/{id}]
 *   GET /oruk/organizations[/{id}]
 *   GET /oruk/taxonomies[/{id}], /oruk/taxonomy_terms[/{id}]
 *
 * Everything is read from the index and written by indexer/export.c, so
 * /oruk/ and the exports agree byte for byte.  Replies carry
 * Access-Control-Allow-Origin: * (open data: any web page may read it, no
 * key), errors are the API's usual {"error":{...}} JSON.  Parameters
 * combine with AND.  Unlike /api/v1, a parameter this API does not know is
 * ignored, as HSDS clients expect (ORUK v1 / ServiceFinder clients send
 * text, vocabulary and coverage; HSDS 3.0 ones full_service, top_only,
 * parent_id); text is search's synonym, full_service full's, and
 * top_only, parent_id and search filter taxonomy terms and taxonomies.
 * They are rows of searchd's one parameter table (params.c, endpoints
 * SD_EP_ORUK_*), read with its bounds and messages: a known parameter with
 * a bad value, or given twice, is still a 400.  docs/oruk.md has the
 * details.
 *
 * Filters the index does not hold (taxonomy term, organization, modified
 * time, schedules, ages as ranges) are applied while walking the matches
 * (export_each), bounded by ORUK_MAX_SCAN records per request.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "sd_int.h"

#define ORUK_MAX_SCAN 200000 /* records walked by one request */
#define ORUK_DEFAULT_PER_PAGE 20 /* the ORUK validator pages with 20 */
#define ORUK_PROFILE "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"

/* ======================================================================
 * Replies with CORS
 * ====================================================================== */

/* A strong validator of a body: FNV-1a, 64 bits.  Feed readers and
 * change-feed consumers poll; an unchanged answer then costs a 304. */
static void etag_of(const char *body, size_t len, const char *ctype, char out[24])
{
    uint64_t h = sp_fnv1a64_add(sp_fnv1a64(body, len), ctype, strlen(ctype));
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}

static bool etag_matches(sd_req *r, const char *etag)
{
    const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (!inm)
        return false;
    if (!strcmp(inm, "*"))
        return true;
    /* a list of tags, possibly weak (W/"..."): compare each */
    size_t n = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += n)
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

enum MHD_Result sd_reply_open(sd_req *r, unsigned status, const char *ctype, char *body,
                              size_t len)
{
    return sd_reply_open_cached(r, status, ctype, body, len, NULL);
}

enum MHD_Result sd_reply_open_cached(sd_req *r, unsigned status, const char *ctype, char *body,
                                     size_t len, const char *cache_control)
{
    if (!body)
        return MHD_NO;
    char etag[32] = "";
    if (status == MHD_HTTP_OK) {
        etag_of(body, len, ctype, etag);
        /* The gzipped variant has its own tag (compress.c). */
        if (sd_will_gzip(r, ctype, len) && strlen(etag) > 2)
            strcpy(etag + strlen(etag) - 1, "-gz\"");
        if (etag_matches(r, etag)) {
            free(body);
            struct MHD_Response *nm =
                MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
            if (!nm)
                return MHD_NO;
            MHD_add_response_header(nm, "ETag", etag);
            MHD_add_response_header(nm, "Access-Control-Allow-Origin", "*");
            if (sd_compressible(ctype))
                MHD_add_response_header(nm, "Vary", "Accept-Encoding");
            r->bytes = 0;
            if (cache_control)
                MHD_add_response_header(nm, "Cache-Control", cache_control);
            return sd_reply_response(r, MHD_HTTP_NOT_MODIFIED, nm, !cache_control);
        }
    }
    struct MHD_Response *resp = sd_body_response(r, ctype, body, len);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    if (etag[0])
        MHD_add_response_header(resp, "ETag", etag);
    if (cache_control)
        MHD_add_response_header(resp, "Cache-Control", cache_control);
    return sd_reply_response(r, status, resp, !cache_control);
}

enum MHD_Result sd_reply_open_json(sd_req *r, unsigned status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!s)
        return MHD_NO;
    return sd_reply_open(r, status, "application/json; charset=utf-8", s, strlen(s));
}

/* ======================================================================
 * Query parameters
 * ====================================================================== */

/* What /oruk/ list endpoints filter by, after validation. */
typedef struct oruk_q {
    const char *search;
    char term_id[37], tax_id[37], org_id[37];
    int64_t modified_after; /* -1: none */
    double min_age, max_age;
    bool has_min_age, has_max_age;
    char day[3];             /* "MO".."SU", "" for none */
    int start_min, end_min;  /* minutes after midnight, -1 for none */
    bool has_postcode;
    const vocab_borough *pc_borough;
    double pc_lat, pc_lon;
    double proximity_m; /* 0: none */
    long page, per_page;
    bool minimal, ndjson;
    bool top_only;     /* taxonomy terms without a parent */
    char parent_id[37]; /* taxonomy terms under this one */
} oruk_q;

/* "HH:MM" or "HH:MM:SS" -> minutes after midnight, -1 when malformed. */
static int parse_hhmm(const char *s)
{
    return s ? hours_parse_hhmm(s, strlen(s)) : -1;
}

static bool parse_uuid(const char *s, char out[37])
{
    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[36] = '\0';
    return rec_is_uuid(out);
}

/* Where a parameter lands in oruk_q, as the type its row's kind reads
 * (params.c): TEXT a string, UINT a long, UUID an id, TIME seconds, NUMBER
 * a double, HHMM minutes, WORD a bool (false|true|0|1, json|ndjson: the
 * second of each pair).  day and postcode are set by hand. */
static const struct {
    const char *name;
    sd_pkind kind;
    size_t at;
} oruk_fields[] = {
    {"search", SD_PK_TEXT, offsetof(oruk_q, search)},
    {"text", SD_PK_TEXT, offsetof(oruk_q, search)},
    {"page", SD_PK_UINT, offsetof(oruk_q, page)},
    {"per_page", SD_PK_UINT, offsetof(oruk_q, per_page)},
    {"taxonomy_term_id", SD_PK_UUID, offsetof(oruk_q, term_id)},
    {"taxonomy_id", SD_PK_UUID, offsetof(oruk_q, tax_id)},
    {"organization_id", SD_PK_UUID, offsetof(oruk_q, org_id)},
    {"parent_id", SD_PK_UUID, offsetof(oruk_q, parent_id)},
    {"modified_after", SD_PK_TIME, offsetof(oruk_q, modified_after)},
    {"minimum_age", SD_PK_NUMBER, offsetof(oruk_q, min_age)},
    {"maximum_age", SD_PK_NUMBER, offsetof(oruk_q, max_age)},
    {"start_time", SD_PK_HHMM, offsetof(oruk_q, start_min)},
    {"end_time", SD_PK_HHMM, offsetof(oruk_q, end_min)},
    {"proximity", SD_PK_NUMBER, offsetof(oruk_q, proximity_m)},
    {"minimal", SD_PK_WORD, offsetof(oruk_q, minimal)},
    {"top_only", SD_PK_WORD, offsetof(oruk_q, top_only)},
    {"format", SD_PK_WORD, offsetof(oruk_q, ndjson)},
};

static void set_field(oruk_q *q, const sd_arg *a)
{
    for (size_t i = 0; i < sizeof oruk_fields / sizeof *oruk_fields; i++) {
        if (strcmp(oruk_fields[i].name, a->p->name) || oruk_fields[i].kind != a->p->kind)
            continue;
        char *f = (char *)q + oruk_fields[i].at;
        switch (a->p->kind) {
        case SD_PK_TEXT: *(const char **)(void *)f = a->text; break;
        case SD_PK_UINT: *(long *)(void *)f = a->n; break;
        case SD_PK_UUID: memcpy(f, a->id, sizeof a->id); break;
        case SD_PK_TIME: *(int64_t *)(void *)f = a->t; break;
        case SD_PK_NUMBER: *(double *)(void *)f = a->d; break;
        case SD_PK_HHMM: *(int *)(void *)f = (int)a->n; break;
        case SD_PK_WORD: *(bool *)f = a->n % 2 == 1; break;
        default: break;
        }
    }
}

/* The parameters of a list endpoint (ep: SD_EP_ORUK_*), read by the table
 * (params.c), which leaves out the names ep does not take, into q. */
static int parse_q(sd_req *r, unsigned ep, oruk_q *q, char *msg, size_t msg_size)
{
    memset(q, 0, sizeof *q);
    q->modified_after = -1;
    q->start_min = q->end_min = -1;
    q->page = 1;
    q->per_page = ORUK_DEFAULT_PER_PAGE;
    sd_arg args[SD_MAX_ARGS];
    size_t n = 0;
    int rc = sd_request_args(r, ep, SD_PF_IGNORE_UNKNOWN, args, &n, msg, msg_size);
    if (rc != SP_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const sd_arg *a = &args[i];
        if (a->empty)
            continue; /* an empty form field means "any" */
        set_field(q, a);
        q->has_min_age |= !strcmp(a->p->name, "minimum_age");
        q->has_max_age |= !strcmp(a->p->name, "maximum_age");
        if (a->p->kind == SD_PK_DAY)
            memcpy(q->day, hours_day_code((int)a->n), 3);
        if (a->p->kind == SD_PK_POSTCODE) {
            q->pc_borough = a->borough;
            q->pc_lat = a->lat;
            q->pc_lon = a->lon;
        }
        /* full and full_service: services are always fully nested */
    }
    q->has_postcode = q->pc_borough != NULL;
    if (sd_args_get(args, n, "postcode") && !q->has_postcode)
        snprintf(msg, msg_size, "postcode: not in London; give a London postcode, sector or "
                                "district");
    else if (q->proximity_m > 0 && !q->has_postcode)
        snprintf(msg, msg_size, "proximity needs a postcode to measure from");
    else if ((size_t)q->page * (size_t)q->per_page > (size_t)ORUK_MAX_SCAN)
        snprintf(msg, msg_size, "page * per_page must be at most %d", ORUK_MAX_SCAN);
    else
        return SP_OK;
    return SP_EINVAL;
}

/* ======================================================================
 * Matching one service
 * ====================================================================== */

static const char *sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static bool eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool term_matches(const json_t *t, const oruk_q *q)
{
    if (!json_is_object(t))
        return false;
    if (q->term_id[0] && !eq(sget(t, "id"), q->term_id))
        return false;
    if (q->tax_id[0] && !eq(sget(t, "taxonomy_id"), q->tax_id))
        return false;
    return true;
}

static bool terms_match(const json_t *s, const oruk_q *q)
{
    if (!q->term_id[0] && !q->tax_id[0])
        return true;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(s, "attributes"), i, it)
    {
        if (term_matches(json_object_get(it, "taxonomy_term"), q))
            return true;
    }
    json_array_foreach(json_object_get(s, "taxonomy_terms"), i, it)
    {
        if (term_matches(it, q))
            return true;
    }
    return false;
}

static int hhmm_of(const char *s)
{
    if (s == NULL || strlen(s) < 5)
        return -1;
    char b[6];
    memcpy(b, s, 5);
    b[5] = '\0';
    return parse_hhmm(b);
}

/* One schedule meets every schedule condition at once: open on the day,
 * opening at or after start_time, closing at or before end_time. */
static bool schedule_fits(const json_t *sc, const oruk_q *q)
{
    if (q->day[0]) {
        /* One reading of byday with the index's day= filter (hours.h). */
        if (!hours_byday_has(sget(sc, "byday"), hours_parse_day(q->day, 2)))
            return false;
    }
    if (q->start_min >= 0) {
        int o = hhmm_of(sget(sc, "opens_at"));
        if (o < 0 || o < q->start_min)
            return false;
    }
    if (q->end_min >= 0) {
        int c = hhmm_of(sget(sc, "closes_at"));
        if (c < 0 || c > q->end_min)
            return false;
    }
    return true;
}

static bool any_schedule_fits(const json_t *a, const oruk_q *q)
{
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it)
    {
        if (schedule_fits(it, q))
            return true;
    }
    return false;
}

static bool schedules_match(const json_t *s, const oruk_q *q)
{
    if (!q->day[0] && q->start_min < 0 && q->end_min < 0)
        return true;
    if (any_schedule_fits(json_object_get(s, "schedules"), q))
        return true;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(s, "service_at_locations"), i, it)
    {
        if (any_schedule_fits(json_object_get(json_object_get(it, "location"), "schedules"), q))
            return true;
    }
    return false;
}

/* Great-circle distance in metres (spherical Earth): only used to keep the
 * locations of an already matched service that lie within `proximity`;
 * which services match is Xapian's decision (idx_query near/radius). */
static double metres_between(double la1, double lo1, double la2, double lo2)
{
    const double rad = M_PI / 180.0;
    double dlat = (la2 - la1) * rad, dlon = (lo2 - lo1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(la1 * rad) * cos(la2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 6371008.8 * 2 * atan2(sqrt(a), sqrt(1 - a));
}

static bool location_near(const json_t *loc, const oruk_q *q)
{
    const json_t *la = json_object_get(loc, "latitude"), *lo = json_object_get(loc, "longitude");
    if (!json_is_number(la) || !json_is_number(lo))
        return false;
    return metres_between(q->pc_lat, q->pc_lon, json_number_value(la), json_number_value(lo)) <=
           q->proximity_m;
}

static bool service_matches(const rec_service *r, const json_t *s, const oruk_q *q)
{
    if (q->org_id[0] && !eq(sget(json_object_get(s, "organization"), "id"), q->org_id))
        return false;
    if (q->modified_after >= 0) {
        int64_t t = export_modified(r);
        int64_t lm = sp_time_parse(sget(s, "last_modified"));
        if (lm > t)
            t = lm;
        if (t < q->modified_after)
            return false;
    }
    if (q->has_min_age && !(r->minimum_age >= 0 && r->minimum_age >= q->min_age))
        return false;
    if (q->has_max_age && !(r->maximum_age >= 0 && r->maximum_age <= q->max_age))
        return false;
    /* A postcode without proximity asks who serves that place. */
    if (q->has_postcode && q->proximity_m <= 0 && !r->pan_london &&
        !rec_tags_has(&r->boroughs, q->pc_borough->slug))
        return false;
    return terms_match(s, q) && schedules_match(s, q);
}

/* ======================================================================
 * Walking matches
 * ====================================================================== */

typedef enum { K_SERVICE, K_SAL, K_ORG } kind;

typedef struct walk {
    const oruk_q *q;
    const vocab *v;
    kind k;
    size_t first, last; /* page window [first, last) in matches */
    size_t total;
    json_t *items;      /* this page's objects */
    sp_buf *nd;         /* ndjson: every match, one per line */
    json_t *orgs;       /* K_ORG: id -> organization, every match */
    json_t *org_order;  /* K_ORG: ids in order */
    const char *want;   /* an id to find (SAL or organization), or NULL */
    json_t *found;
    json_t *found_services; /* organizations/{id}: its services */
    bool need_json;     /* filters need the ORUK object of every match */
} walk;

static void keep(walk *w, json_t *o)
{
    if (w->nd) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s) {
            sp_buf_puts(w->nd, s);
            sp_buf_append(w->nd, "\n", 1);
            free(s);
        }
    } else if (w->total >= w->first && w->total < w->last) {
        json_array_append(w->items, o);
    }
    w->total++;
}

static json_t *minimal_of(const json_t *s)
{
    return json_pack("{s:s?,s:s?}", "id", sget(s, "id"), "last_modified",
                     sget(s, "last_modified"));
}

/* service_at_location objects: the link, the location, and the service
 * without its other locations. */
static json_t *sal_of(const json_t *s, const json_t *sal)
{
    json_t *o = json_deep_copy(sal);
    json_t *svc = json_deep_copy(s);
    if (!o || !svc) {
        json_decref(o);
        json_decref(svc);
        return NULL;
    }
    json_object_del(svc, "service_at_locations");
    json_object_set_new(o, "service", svc);
    return o;
}

static int visit(const rec_service *r, void *cls)
{
    walk *w = cls;
    const oruk_q *q = w->q;
    bool in_window = w->nd || (w->total >= w->first && w->total < w->last);
    if (w->k == K_SERVICE && !w->need_json && !in_window) {
        w->total++; /* not on this page, nothing to check: count only */
        return SP_OK;
    }
    json_t *s = export_oruk_service(r, w->v);
    if (!s)
        return SP_ENOMEM;
    if (!service_matches(r, s, q)) {
        json_decref(s);
        return SP_OK;
    }
    if (w->k == K_SERVICE) {
        if (q->minimal) {
            json_t *m = minimal_of(s);
            if (m)
                keep(w, m);
            json_decref(m);
        } else {
            keep(w, s);
        }
    } else if (w->k == K_SAL) {
        size_t i;
        json_t *sal;
        json_array_foreach(json_object_get(s, "service_at_locations"), i, sal)
        {
            if (q->proximity_m > 0 && !location_near(json_object_get(sal, "location"), q))
                continue;
            if (w->want && !eq(sget(sal, "id"), w->want))
                continue;
            json_t *o = sal_of(s, sal);
            if (!o)
                continue;
            if (w->want) {
                json_decref(w->found);
                w->found = o;
                json_decref(s);
                return SP_ELIMIT; /* found: stop the walk */
            }
            keep(w, o);
            json_decref(o);
        }
    } else {
        json_t *g = json_object_get(s, "organization");
        const char *gid = sget(g, "id");
        if (gid && w->want && eq(gid, w->want)) {
            if (!w->found)
                w->found = json_deep_copy(g);
            json_t *svc = json_deep_copy(s);
            if (svc) {
                json_object_del(svc, "organization");
                json_array_append_new(w->found_services, svc);
            }
        } else if (gid && !w->want && !json_object_get(w->orgs, gid)) {
            json_object_set(w->orgs, gid, g);
            json_array_append_new(w->org_order, json_string(gid));
        }
    }
    json_decref(s);
    return SP_OK;
}

static json_t *page_json(const oruk_q *q, size_t total, json_t *items)
{
    size_t per = (size_t)q->per_page;
    size_t pages = total == 0 ? 1 : (total + per - 1) / per;
    size_t size = json_array_size(items);
    return json_pack("{s:I,s:I,s:I,s:I,s:b,s:b,s:b,s:o}", "total_items", (json_int_t)total,
                     "total_pages", (json_int_t)pages, "page_number", (json_int_t)q->page,
                     "size", (json_int_t)size, "first_page", q->page == 1, "last_page",
                     (size_t)q->page >= pages, "empty", size == 0, "contents", items);
}

static enum MHD_Result unavailable(sd_req *r)
{
    return sd_reply_open_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_unavailable",
                               "the directory is not available yet; it appears once "
                               "`signpost index` or `signpost run` has indexed records");
}

/* The worker's index (NULL: not available yet) and, in *iq, the index query
 * for q's text and proximity. */
static idx *index_query(sd_req *r, const oruk_q *q, idx_query *iq, sp_err *e)
{
    sp_err_clear(e);
    idx_query_init(iq);
    iq->q = q->search;
    if (q->proximity_m > 0) {
        iq->has_near = true;
        iq->near_lat = q->pc_lat;
        iq->near_lon = q->pc_lon;
        iq->radius_km = q->proximity_m / 1000.0;
    }
    return sd_worker_index(r->srv, false, e);
}

/* Run the walk over the index (with the worker's handle, retried once on a
 * fresh snapshot like /api/v1/search).  Returns SP_OK or an error code. */
static int run_walk(sd_req *r, const oruk_q *q, walk *w)
{
    sp_err e;
    idx_query iq;
    idx *ix = index_query(r, q, &iq, &e);
    if (!ix)
        return SP_EAGAIN;
    int rc = export_each(ix, &iq, ORUK_MAX_SCAN, visit, w, &e);
    if (rc == SP_ELIMIT && w->want)
        return SP_OK; /* stopped on purpose: found */
    if (rc == SP_EINVAL)
        return rc;
    if (rc != SP_OK && rc != SP_ENOMEM) {
        /* A new snapshot: start the walk over. */
        w->total = 0;
        json_array_clear(w->items);
        if (w->nd)
            sp_buf_reset(w->nd);
        if (w->orgs) {
            json_object_clear(w->orgs);
            json_array_clear(w->org_order);
        }
        if (w->found_services)
            json_array_clear(w->found_services);
        json_decref(w->found);
        w->found = NULL;
        ix = sd_index_retry(r->srv, &e);
        if (!ix)
            return SP_EAGAIN;
        rc = export_each(ix, &iq, ORUK_MAX_SCAN, visit, w, &e);
    }
    if (rc != SP_OK)
        fprintf(stderr, "searchd: /oruk/ walk failed: %s\n", e.msg);
    return rc;
}

/* One page of services straight from the index; *exact says whether the
 * index's count is exact (else the caller walks). */
static int one_page(sd_req *r, const oruk_q *q, json_t *items, size_t *total, bool *exact)
{
    sp_err e;
    idx_query iq;
    idx *ix = index_query(r, q, &iq, &e);
    if (!ix)
        return SP_EAGAIN;
    iq.facets = false;
    iq.exact_facets = true; /* count every match */
    iq.offset = (size_t)(q->page - 1) * (size_t)q->per_page;
    iq.limit = (size_t)q->per_page;
    idx_result res;
    int rc = sd_search_fresh(r->srv, &ix, &iq, &res, &e);
    if (rc == SP_OK) {
        *total = res.total;
        *exact = res.exhaustive;
        for (size_t i = 0; i < res.n_hits && rc == SP_OK; i++) {
            json_t *s = export_oruk_service(&res.hits[i].rec, r->srv->voc);
            if (!s) {
                rc = SP_ENOMEM;
                break;
            }
            if (q->minimal) {
                json_array_append_new(items, minimal_of(s));
                json_decref(s);
            } else {
                json_array_append_new(items, s);
            }
        }
    }
    idx_result_free(&res);
    return rc;
}

static enum MHD_Result walk_failed(sd_req *r, int rc)
{
    if (rc == SP_EAGAIN)
        return unavailable(r);
    if (rc == SP_EINVAL)
        return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                   "search: the query could not be parsed");
    return sd_reply_open_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                               "reading the directory failed; try again");
}

/* ======================================================================
 * Endpoints
 * ====================================================================== */

static enum MHD_Result list(sd_req *r, kind k)
{
    oruk_q q;
    char msg[512];
    if (parse_q(r, k == K_ORG ? SD_EP_ORUK_ORGS : SD_EP_ORUK_SERVICES, &q, msg, sizeof msg) !=
        SP_OK)
        return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    if (k != K_SERVICE && (q.ndjson || q.minimal))
        return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                   "format and minimal apply to /oruk/services only");
    walk w;
    memset(&w, 0, sizeof w);
    w.q = &q;
    w.v = r->srv->voc;
    w.k = k;
    w.first = (size_t)(q.page - 1) * (size_t)q.per_page;
    w.last = w.first + (size_t)q.per_page;
    w.items = json_array();
    sp_buf nd = {0};
    if (q.ndjson)
        w.nd = &nd;
    w.need_json = q.term_id[0] || q.tax_id[0] || q.org_id[0] || q.modified_after >= 0 ||
                  q.has_min_age || q.has_max_age || q.day[0] || q.start_min >= 0 ||
                  q.end_min >= 0 || q.has_postcode;
    if (k == K_ORG) {
        w.orgs = json_object();
        w.org_order = json_array();
    }
    if (k == K_SERVICE && !w.need_json && !q.ndjson && w.items) {
        /* Nothing to filter outside the index: one page from Xapian, with
         * an exact count, instead of a walk over every match. */
        bool exact = false;
        int frc = one_page(r, &q, w.items, &w.total, &exact);
        if (frc == SP_OK && exact)
            return sd_reply_open_json(r, MHD_HTTP_OK, page_json(&q, w.total, w.items));
        json_array_clear(w.items);
        w.total = 0;
        if (frc == SP_EAGAIN || frc == SP_EINVAL) {
            json_decref(w.items);
            json_decref(w.orgs);
            json_decref(w.org_order);
            return walk_failed(r, frc);
        }
    }
    int rc = w.items ? run_walk(r, &q, &w) : SP_ENOMEM;
    if (rc == SP_OK && k == K_ORG) {
        size_t i;
        json_t *id;
        w.total = 0;
        json_array_foreach(w.org_order, i, id)
        {
            keep(&w, json_object_get(w.orgs, json_string_value(id)));
        }
    }
    json_decref(w.orgs);
    json_decref(w.org_order);
    if (rc != SP_OK) {
        json_decref(w.items);
        sp_buf_free(&nd);
        return walk_failed(r, rc);
    }
    if (q.ndjson) {
        json_decref(w.items);
        size_t len = nd.len;
        char *body = sp_buf_steal(&nd);
        if (!body)
            body = sp_strdup("");
        return sd_reply_open(r, MHD_HTTP_OK, "application/x-ndjson; charset=utf-8", body, len);
    }
    return sd_reply_open_json(r, MHD_HTTP_OK, page_json(&q, w.total, w.items));
}

static enum MHD_Result no_args_or_400(sd_req *r, bool *bad)
{
    oruk_q q;
    char msg[512];
    *bad = false;
    if (parse_q(r, 0, &q, msg, sizeof msg) != SP_OK) {
        *bad = true;
        return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    }
    return MHD_YES;
}

static enum MHD_Result bad_id(sd_req *r, const char *what)
{
    return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                               "the %s id must be a UUID such as "
                               "3f2b8c1e-0a4d-5e6f-8a9b-0c1d2e3f4a5b", what);
}

static enum MHD_Result not_found(sd_req *r, const char *what, const char *id)
{
    return sd_reply_open_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                               "no %s with id %s; it may have been removed", what, id);
}

static enum MHD_Result one_service(sd_req *r, const char *rest)
{
    char id[37];
    if (!parse_uuid(rest, id))
        return bad_id(r, "service");
    bool bad;
    enum MHD_Result ret = no_args_or_400(r, &bad);
    if (bad)
        return ret;
    sp_err e;
    sp_err_clear(&e);
    idx *ix = sd_worker_index(r->srv, false, &e);
    if (!ix)
        return unavailable(r);
    rec_service rec;
    int rc = idx_get(ix, id, &rec, &e);
    if (rc == SP_ENOTFOUND)
        return not_found(r, "service", id);
    if (rc != SP_OK) {
        fprintf(stderr, "searchd: reading a record failed: %s\n", e.msg);
        return sd_reply_open_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   "reading the record failed; try again");
    }
    json_t *j = export_oruk_service(&rec, r->srv->voc);
    rec_service_free(&rec);
    if (!j)
        return MHD_NO;
    return sd_reply_open_json(r, MHD_HTTP_OK, j);
}

static enum MHD_Result one_found(sd_req *r, kind k, const char *rest)
{
    const char *what = k == K_SAL ? "service_at_location" : "organization";
    char id[37];
    if (!parse_uuid(rest, id))
        return bad_id(r, what);
    bool bad;
    enum MHD_Result ret = no_args_or_400(r, &bad);
    if (bad)
        return ret;
    oruk_q q;
    memset(&q, 0, sizeof q);
    q.modified_after = -1;
    q.start_min = q.end_min = -1;
    walk w;
    memset(&w, 0, sizeof w);
    w.q = &q;
    w.v = r->srv->voc;
    w.k = k;
    w.want = id;
    w.need_json = true;
    w.items = json_array();
    w.found_services = json_array();
    int rc = run_walk(r, &q, &w);
    json_decref(w.items);
    if (rc != SP_OK) {
        json_decref(w.found);
        json_decref(w.found_services);
        return walk_failed(r, rc);
    }
    if (!w.found) {
        json_decref(w.found_services);
        return not_found(r, what, id);
    }
    if (k == K_ORG)
        json_object_set_new(w.found, "services", w.found_services);
    else
        json_decref(w.found_services);
    return sd_reply_open_json(r, MHD_HTTP_OK, w.found);
}

/* Does search occur (ignoring case) in the name, description or code? */
static bool text_has(const json_t *it, const char *search)
{
    static const char *const fields[] = {"name", "description", "code"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *v = sget(it, fields[i]);
        if (v && strcasestr(v, search))
            return true;
    }
    return false;
}

/* Lists held in memory (taxonomies, terms): filter, then page. */
static enum MHD_Result static_list(sd_req *r, json_t *all, unsigned ep)
{
    oruk_q q;
    char msg[512];
    if (!all)
        return MHD_NO;
    if (parse_q(r, ep, &q, msg, sizeof msg) != SP_OK) {
        json_decref(all);
        return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    }
    json_t *items = json_array();
    size_t total = 0, first = (size_t)(q.page - 1) * (size_t)q.per_page;
    size_t i;
    json_t *it;
    json_array_foreach(all, i, it)
    {
        if (q.tax_id[0] && !eq(sget(it, "taxonomy_id"), q.tax_id))
            continue;
        const char *parent = sget(it, "parent_id");
        if (q.top_only && parent && *parent)
            continue;
        if (q.parent_id[0] && !eq(parent, q.parent_id))
            continue;
        if (q.search && !text_has(it, q.search))
            continue;
        if (total >= first && total < first + (size_t)q.per_page)
            json_array_append(items, it);
        total++;
    }
    json_decref(all);
    return sd_reply_open_json(r, MHD_HTTP_OK, page_json(&q, total, items));
}

static enum MHD_Result static_one(sd_req *r, json_t *all, const char *rest, const char *what,
                                  bool with_terms)
{
    char id[37];
    if (!all)
        return MHD_NO;
    if (!parse_uuid(rest, id)) {
        json_decref(all);
        return bad_id(r, what);
    }
    bool bad;
    enum MHD_Result ret = no_args_or_400(r, &bad);
    if (bad) {
        json_decref(all);
        return ret;
    }
    size_t i;
    json_t *it, *found = NULL;
    json_array_foreach(all, i, it)
    {
        if (eq(sget(it, "id"), id))
            found = json_incref(it);
    }
    json_decref(all);
    if (!found)
        return not_found(r, what, id);
    if (with_terms) {
        json_t *terms = export_taxonomy_terms(r->srv->voc), *mine = json_array();
        json_array_foreach(terms, i, it)
        {
            if (eq(sget(it, "taxonomy_id"), id))
                json_array_append(mine, it);
        }
        json_decref(terms);
        json_object_set_new(found, "taxonomy_terms", mine);
    }
    return sd_reply_open_json(r, MHD_HTTP_OK, found);
}

/* The absolute URL of this API's OpenAPI document (the base as clients
 * see it: public_url, trusted proxies' headers or Host; ops.c). */
static char *openapi_url(sd_req *r)
{
    char *base = sd_base_url(r);
    char *url = base ? sp_printf("%s/oruk/openapi.json", base) : NULL;
    free(base);
    return url;
}

static enum MHD_Result root(sd_req *r)
{
    bool bad;
    enum MHD_Result ret = no_args_or_400(r, &bad);
    if (bad)
        return ret;
    char *url = openapi_url(r);
    json_t *j = json_pack("{s:s,s:s,s:s?}", "version", "3.0", "profile", ORUK_PROFILE,
                          "openapi_url", url);
    free(url);
    return sd_reply_open_json(r, MHD_HTTP_OK, j);
}

enum MHD_Result sd_oruk(sd_req *r, const char *rest)
{
    /* rest follows "/oruk": "", "/", "/services", "/services/{id}", ... */
    if (*rest == '\0' || !strcmp(rest, "/"))
        return root(r);
    if (*rest != '/')
        return sd_reply_open_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                                   "no such ORUK endpoint; see /oruk/openapi.json");
    rest++;
    static const struct {
        const char *name;
        kind k;
    } lists[] = {{"services", K_SERVICE},
                 {"service_at_locations", K_SAL},
                 {"organizations", K_ORG}};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        size_t n = strlen(lists[i].name);
        if (strncmp(rest, lists[i].name, n) != 0)
            continue;
        if (rest[n] == '\0' || (rest[n] == '/' && rest[n + 1] == '\0'))
            return list(r, lists[i].k);
        if (rest[n] == '/')
            return lists[i].k == K_SERVICE ? one_service(r, rest + n + 1)
                                           : one_found(r, lists[i].k, rest + n + 1);
    }
    if (!strcmp(rest, "taxonomies") || !strcmp(rest, "taxonomies/"))
        return static_list(r, export_taxonomies(r->srv->voc), SD_EP_ORUK_TAXONOMIES);
    if (!strncmp(rest, "taxonomies/", 11))
        return static_one(r, export_taxonomies(r->srv->voc), rest + 11, "taxonomy", true);
    if (!strcmp(rest, "taxonomy_terms") || !strcmp(rest, "taxonomy_terms/"))
        return static_list(r, export_taxonomy_terms(r->srv->voc), SD_EP_ORUK_TERMS);
    if (!strncmp(rest, "taxonomy_terms/", 15))
        return static_one(r, export_taxonomy_terms(r->srv->voc), rest + 15, "taxonomy term",
                          false);
    if (!strcmp(rest, "openapi.json")) {
        const char *doc = sd_oruk_openapi();
        char *copy = sp_strdup(doc);
        return sd_reply_open(r, MHD_HTTP_OK, "application/json; charset=utf-8", copy,
                             copy ? strlen(copy) : 0);
    }
    return sd_reply_open_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                               "no such ORUK endpoint; see /oruk/openapi.json");
}
