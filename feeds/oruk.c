/*
 * oruk.c - the Open Referral UK / HSDS JSON reader.
 *
 * One reader for every JSON shape an ORUK or HSDS API answers with:
 *   - the API root {version, profile, openapi_url}: out->version, no records;
 *   - one service object (HSDS 3.0, ORUK v1, or Signpost's own export);
 *   - a bare array of services;
 *   - a v3 page {total_items, total_pages, page_number, size, contents:[...]};
 *   - a v1 page {content:[...], totalElements, totalPages, number, first, last};
 *   - organizations that nest "services";
 *   - service_at_location objects and lists ({service, location}).
 * Taxonomies, taxonomy terms, locations and organizations without services
 * are ORUK documents too: they read as zero records.  Anything else (other
 * JSON, validator reports) is SP_EPARSE naming what was expected.
 *
 * ORUK v1 services are first rewritten, as JSON, into the HSDS 3.0 shape
 * (regular_schedules -> schedules, physical_addresses -> addresses, ...) so
 * that rec_from_json() is the single place a service object is read.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "feed_int.h"

#define ORUK_MAX_DEPTH 64
#define ORUK_MAX_ITEMS 10000u

/* ------------------------------------------------------------ helpers */

static bool has(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return v != NULL && !json_is_null(v);
}

static const char *str_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static bool num_of(const json_t *o, const char *key, long *out)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        *out = (long)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *out = (long)json_real_value(v);
        return true;
    }
    if (json_is_string(v)) {
        char *end = NULL;
        long n = strtol(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0') {
            *out = n;
            return true;
        }
    }
    return false;
}

/* The id a provider gave an object, as text (ids are sometimes numbers);
 * caller frees. */
static char *local_id_of(const json_t *o)
{
    const json_t *v = json_object_get(o, "id");
    if (json_is_string(v) && json_string_length(v) > 0)
        return sp_strdup(json_string_value(v));
    if (json_is_integer(v))
        return sp_printf("%lld", (long long)json_integer_value(v));
    return NULL;
}

/* Keys only a service has. */
static const char *const service_keys[] = {
    "status", "organization", "service_at_locations", "eligibility_description",
    "application_process", "fees", "fees_description", "accreditations",
    "minimum_age", "maximum_age", "assured_date", "assurer_email",
    "interpretation_services", "service_areas", "cost_options", "regular_schedules",
    "eligibilitys", "service_taxonomys", "deliverable_type", "wait_time", "program",
    "required_documents", "alert", "licenses", "signpost", NULL};

/* Keys that mark organizations, taxonomies, terms and locations. */
static const char *const other_keys[] = {
    "website", "organization_identifiers", "legal_status", "tax_status",
    "year_incorporated", "uri", "version", "parent_id", "term_uri", "taxonomy",
    "taxonomy_detail", "term", "vocabulary", "location_type", "latitude", "longitude",
    "addresses", "physical_addresses", NULL};

static bool any_key(const json_t *o, const char *const *keys)
{
    for (; *keys != NULL; keys++)
        if (json_object_get(o, *keys) != NULL)
            return true;
    return false;
}

/* A service object?  strict (standing alone): it must show a service-only
 * key, or a description; inside a service list an id and a name suffice. */
static bool is_service(const json_t *o, bool strict)
{
    if (!json_is_object(o))
        return false;
    if (str_of(o, "name") == NULL)
        return false;
    if (any_key(o, service_keys))
        return true;
    /* Alone, an id, a name and a description with nothing marking another
     * entity will do (minimal services, one per NDJSON line). */
    if (strict && !has(o, "description"))
        return false;
    return has(o, "id") && !any_key(o, other_keys) && !has(o, "services");
}

/* --------------------------------------------------------- ORUK v1 shape */

static void set_if_absent(json_t *o, const char *key, json_t *v)
{
    if (v == NULL)
        return;
    if (has(o, key))
        json_decref(v);
    else
        json_object_set_new(o, key, v);
}

/* v1 regular_schedules' weekday ("Monday", "MO,WE,FR", "Mon, Tue", 1 for
 * Monday .. 7) as an RFC 5545 BYDAY list ("MO,WE,FR"); NULL when none of
 * it is a day.  Caller frees. */
static char *weekday_codes(const json_t *w)
{
    static const char *const codes[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    if (json_is_integer(w)) {
        json_int_t d = json_integer_value(w);
        return d >= 1 && d <= 7 ? sp_strdup(codes[d - 1]) : NULL;
    }
    if (!json_is_string(w))
        return NULL;
    const char *p = json_string_value(w);
    sp_buf b = {0};
    size_t parts = 0;
    while (*p != '\0' && parts < 7) {
        while (*p == ' ' || *p == ',' || *p == ';' || *p == '/')
            p++;
        size_t n = strcspn(p, " ,;/");
        if (n >= 2) {
            for (size_t i = 0; i < 7; i++) {
                if (strncasecmp(p, codes[i], 2) == 0) {
                    if (b.len > 0)
                        sp_buf_puts(&b, ",");
                    sp_buf_puts(&b, codes[i]);
                    break;
                }
            }
        }
        p += n;
        parts++;
    }
    return b.len > 0 ? sp_buf_steal(&b) : NULL;
}

/* dst[to] = a copy of the string src[from], unless dst has to already. */
static void copy_key(json_t *dst, const json_t *src, const char *from, const char *to)
{
    json_t *x = json_object_get(src, from);
    if (json_is_string(x))
        set_if_absent(dst, to, json_deep_copy(x));
}

/* regular_schedules[] {weekday, opens_at, closes_at, ...}: v is the v1
 * schedule, c its copy, s the service. */
static void v1_schedule(json_t *c, const json_t *v, const json_t *s)
{
    char *wd = weekday_codes(json_object_get(v, "weekday"));
    if (wd != NULL) {
        set_if_absent(c, "byday", json_string(wd));
        set_if_absent(c, "freq", json_string("WEEKLY"));
    }
    free(wd);
    copy_key(c, s, "attending_type", "attending_type");
}

/* service_taxonomys[].taxonomy {id, name, vocabulary, parent} */
static void v1_term(json_t *c, const json_t *t, const json_t *s)
{
    (void)s;
    copy_key(c, t, "vocabulary", "taxonomy");
    json_t *par = json_object_get(t, "parent");
    if (json_is_string(par) || json_is_integer(par))
        set_if_absent(c, "parent_id", json_deep_copy(par));
}

/* The v1 list s[from] as the v3 list s[to] (unless s has it): copies of
 * its objects, or of their member sub, each completed by fix. */
static void v1_list(json_t *s, const char *from, const char *sub, const char *to,
                    void (*fix)(json_t *c, const json_t *v, const json_t *s))
{
    json_t *arr = json_object_get(s, from);
    if (!json_is_array(arr) || has(s, to))
        return;
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        json_t *o = sub != NULL ? json_object_get(v, sub) : v;
        if (!json_is_object(o))
            continue;
        json_t *c = json_deep_copy(o);
        if (c == NULL)
            continue;
        fix(c, o, s);
        json_array_append_new(out, c);
    }
    json_object_set_new(s, to, out);
}

/* Rewrite ORUK v1 keys of a service (in place, on a private copy) into
 * their HSDS 3.0 equivalents.  Keys already in 3.0 form win. */
static void v1_to_v3(json_t *s)
{
    size_t i;
    json_t *v;

    /* fees (free text in v1; deprecated in 3.0) */
    json_t *fees = json_object_get(s, "fees");
    if (json_is_string(fees) && json_string_length(fees) > 0)
        set_if_absent(s, "fees_description", json_deep_copy(fees));

    /* eligibilitys[] {eligibility, minimum_age, maximum_age} */
    json_t *el = json_object_get(s, "eligibilitys");
    if (json_is_array(el)) {
        sp_buf b = {0};
        json_array_foreach(el, i, v) {
            const char *t = str_of(v, "eligibility");
            if (t != NULL && i < 100) {
                if (b.len > 0)
                    sp_buf_puts(&b, "; ");
                sp_buf_puts(&b, t);
            }
            json_t *a = json_object_get(v, "minimum_age");
            if (json_is_number(a))
                set_if_absent(s, "minimum_age", json_deep_copy(a));
            a = json_object_get(v, "maximum_age");
            if (json_is_number(a))
                set_if_absent(s, "maximum_age", json_deep_copy(a));
        }
        if (b.len > 0 && sp_utf8_valid(b.data, b.len))
            set_if_absent(s, "eligibility_description", json_string(sp_buf_cstr(&b)));
        sp_buf_free(&b);
    }

    v1_list(s, "regular_schedules", NULL, "schedules", v1_schedule);
    v1_list(s, "service_taxonomys", "taxonomy", "taxonomy_terms", v1_term);

    /* contacts[].phones[] -> phones, named after the contact */
    json_t *ct = json_object_get(s, "contacts");
    if (json_is_array(ct) && !has(s, "phones")) {
        json_t *out = json_array();
        json_array_foreach(ct, i, v) {
            json_t *ph = json_object_get(v, "phones");
            size_t k;
            json_t *p;
            json_array_foreach(ph, k, p) {
                if (!json_is_object(p))
                    continue;
                json_t *c = json_deep_copy(p);
                if (c == NULL)
                    continue;
                const char *nm = str_of(v, "name");
                if (nm != NULL)
                    set_if_absent(c, "description", json_string(nm));
                json_array_append_new(out, c);
            }
        }
        if (json_array_size(out) > 0)
            json_object_set_new(s, "phones", out);
        else
            json_decref(out);
    }

    /* languages[] {language} -> {name} */
    json_t *lg = json_object_get(s, "languages");
    json_array_foreach(lg, i, v)
        copy_key(v, v, "language", "name");

    /* service_areas[] {service_area} -> {name} */
    json_t *sa = json_object_get(s, "service_areas");
    json_array_foreach(sa, i, v)
        copy_key(v, v, "service_area", "name");

    /* service_at_locations[].location.physical_addresses -> addresses */
    json_t *sl = json_object_get(s, "service_at_locations");
    json_array_foreach(sl, i, v) {
        json_t *loc = json_object_get(v, "location");
        json_t *pa = json_object_get(loc, "physical_addresses");
        if (json_is_array(pa))
            set_if_absent(loc, "addresses", json_deep_copy(pa));
    }

    /* organization.url -> website */
    json_t *org = json_object_get(s, "organization");
    if (json_is_object(org))
        copy_key(org, org, "url", "website");
}

/* ------------------------------------------------------------ URLs */

/* "scheme://host[:port]" of url, or url itself when it is not a URL (a
 * file path): the namespace local ids live in. */
static char *origin_of(const char *url)
{
    if (url == NULL)
        return sp_strdup("");
    CURLU *u = curl_url();
    char *out = NULL;
    if (u == NULL)
        return NULL;
    char *scheme = NULL, *host = NULL, *port = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
            out = sp_printf("%s://%s:%s", scheme, host, port);
        else
            out = sp_printf("%s://%s", scheme, host);
    } else {
        out = sp_strdup(url);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

/* url with its "page" query parameter set to page (others kept); NULL when
 * url is not http(s). */
static char *url_with_page(const char *url, long page)
{
    char *abs = feed_resolve_url(NULL, url);
    if (abs == NULL)
        return NULL;
    CURLU *u = curl_url();
    char *out = NULL, *q = NULL;
    sp_buf nq = {0};
    if (u == NULL || curl_url_set(u, CURLUPART_URL, abs, 0) != CURLUE_OK)
        goto done;
    if (curl_url_get(u, CURLUPART_QUERY, &q, 0) == CURLUE_OK && q != NULL) {
        const char *p = q;
        while (*p != '\0') {
            size_t n = strcspn(p, "&");
            if (n > 0 && !(n >= 5 && strncmp(p, "page=", 5) == 0) &&
                !(n == 4 && strncmp(p, "page", 4) == 0)) {
                if (nq.len > 0)
                    sp_buf_puts(&nq, "&");
                sp_buf_append(&nq, p, n);
            }
            p += n;
            if (*p == '&')
                p++;
        }
    }
    if (nq.len > 0)
        sp_buf_puts(&nq, "&");
    sp_buf_printf(&nq, "page=%ld", page);
    const char *query = sp_buf_cstr(&nq);
    if (query == NULL || curl_url_set(u, CURLUPART_QUERY, query, 0) != CURLUE_OK)
        goto done;
    char *s = NULL;
    if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
        out = sp_strdup(s);
        curl_free(s);
    }
done:
    curl_free(q);
    sp_buf_free(&nq);
    curl_url_cleanup(u);
    free(abs);
    return out;
}

/* <api base>/services/<id>: the base is the URL's path up to its
 * "/services" (or "/service_at_locations", "/organizations") segment. */
static char *detail_url(const char *url, const char *id)
{
    char *abs = feed_resolve_url(NULL, url);
    if (abs == NULL)
        return NULL;
    CURLU *u = curl_url();
    char *path = NULL, *out = NULL;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, abs, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        goto done;
    static const char *const segs[] = {"/services", "/service_at_locations",
                                       "/organizations", NULL};
    size_t cut = strlen(path);
    for (const char *const *sg = segs; *sg != NULL; sg++) {
        size_t m = strlen(*sg);
        const char *best = NULL;
        for (const char *p = strstr(path, *sg); p != NULL; p = strstr(p + 1, *sg))
            if (p[m] == '\0' || p[m] == '/')
                best = p;
        if (best != NULL) {
            cut = (size_t)(best - path);
            break;
        }
    }
    while (cut > 0 && path[cut - 1] == '/')
        cut--;
    char *enc = curl_easy_escape(NULL, id, 0);
    if (enc == NULL)
        goto done;
    char *np = sp_printf("%.*s/services/%s", (int)cut, path, enc);
    curl_free(enc);
    if (np != NULL && curl_url_set(u, CURLUPART_PATH, np, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK) {
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
            out = sp_strdup(s);
            curl_free(s);
        }
    }
    free(np);
done:
    curl_free(path);
    curl_url_cleanup(u);
    free(abs);
    return out;
}

/* ------------------------------------------------------------ reading */

typedef struct rd {
    const char *url;
    char *origin;
    feed_output *out;
    size_t first_rec; /* records before this call are not ours to merge */
    int rc;           /* first error met; reading carries on */
    sp_err *err;
    size_t shallow_items;
} rd;

static void note_err(rd *c, int rc, const sp_err *e)
{
    if (c->rc == SP_OK) {
        c->rc = rc;
        if (c->err != NULL && e != NULL)
            *c->err = *e;
    }
}

/* Read one service object.  org, when given, is the organization the
 * service was nested in; loc, a location it is delivered at. */
static void read_service(rd *c, const json_t *svc, const json_t *org,
                         const json_t *loc, bool in_list)
{
    json_t *s = json_deep_copy(svc);
    if (s == NULL) {
        if (c->rc == SP_OK)
            c->rc = sp_fail(c->err, SP_ENOMEM, "out of memory");
        return;
    }
    v1_to_v3(s);
    if (json_is_object(org) && !has(s, "organization")) {
        json_t *g = json_deep_copy(org);
        if (g != NULL) {
            json_object_del(g, "services");
            json_object_set_new(s, "organization", g);
        }
    }
    if (json_is_object(loc) && !has(s, "service_at_locations")) {
        json_t *sal = json_pack("[{s:O}]", "location", (json_t *)loc);
        if (sal != NULL)
            json_object_set_new(s, "service_at_locations", sal);
    }

    char *lid = local_id_of(s);
    if (lid == NULL)
        lid = sp_strdup(str_of(s, "name"));
    if (lid == NULL) {
        json_decref(s);
        return; /* nothing to know it by: not a usable record */
    }

    if (in_list && !has(s, "description") && !has(s, "organization") &&
        !has(s, "service_at_locations")) {
        c->shallow_items++;
        char *d = detail_url(c->url, lid);
        if (d != NULL)
            feed_add_link(c->out, d, FEED_LINK_DETAIL, 0, -1);
        free(d);
    }

    rec_service r;
    sp_err e = {0};
    int rc = rec_from_json(s, &r, &e);
    json_decref(s);
    if (rc != SP_OK) {
        free(lid);
        note_err(c, rc, &e);
        return;
    }
    /* Signpost's own exports carry their id and provenance: keep them. */
    char id[37];
    rec_make_id(c->origin, lid, id);
    if (r.prov.local_id == NULL || r.prov.source_url == NULL || !rec_is_uuid(r.id)) {
        free(r.id);
        r.id = sp_strdup(id);
        free(r.prov.local_id);
        r.prov.local_id = lid;
        lid = NULL;
        free(r.prov.source_url);
        r.prov.source_url = sp_strdup(c->url);
    }
    free(lid);
    /* Text first: providers' HTML never reaches enrichment. */
    feed_rec_to_text(&r);

    /* A service_at_location list repeats a service once per location:
     * fold those into one record. */
    for (size_t i = c->first_rec; i < c->out->n_recs; i++) {
        rec_service *o = &c->out->recs[i];
        if (o->id != NULL && r.id != NULL && strcmp(o->id, r.id) == 0) {
            if (r.n_locations > 0 && o->n_locations < ORUK_MAX_ITEMS) {
                rec_location *nl = realloc(o->locations,
                                           (o->n_locations + r.n_locations) * sizeof *nl);
                if (nl != NULL) {
                    memcpy(nl + o->n_locations, r.locations, r.n_locations * sizeof *nl);
                    o->locations = nl;
                    o->n_locations += r.n_locations;
                    free(r.locations);
                    r.locations = NULL;
                    r.n_locations = 0;
                }
            }
            rec_service_free(&r);
            return;
        }
    }
    rc = feed_add_rec(c->out, &r);
    if (rc != SP_OK) {
        rec_service_free(&r);
        if (c->rc == SP_OK)
            c->rc = sp_fail(c->err, rc, "too many records in one document");
    }
}

/* One item of a list or a top-level object: dispatch on its shape.
 * Returns true when the shape was recognised as ORUK/HSDS. */
static bool read_item(rd *c, const json_t *o, bool in_list)
{
    if (!json_is_object(o))
        return false;
    const json_t *svc = json_object_get(o, "service");
    if (is_service(svc, false)) { /* service_at_location */
        read_service(c, svc, NULL, json_object_get(o, "location"), false);
        return true;
    }
    const json_t *svcs = json_object_get(o, "services");
    if (json_is_array(svcs) && str_of(o, "name") != NULL) { /* organization */
        size_t n = json_array_size(svcs);
        if (n > ORUK_MAX_ITEMS) {
            if (c->rc == SP_OK)
                c->rc = sp_fail(c->err, SP_ELIMIT, "organization has %zu services, over %u",
                                n, ORUK_MAX_ITEMS);
            n = ORUK_MAX_ITEMS;
        }
        for (size_t i = 0; i < n; i++) {
            const json_t *s = json_array_get(svcs, i);
            if (is_service(s, false))
                read_service(c, s, o, NULL, false);
        }
        return true;
    }
    if (is_service(o, !in_list)) {
        read_service(c, o, NULL, NULL, in_list);
        return true;
    }
    /* Organizations, locations, taxonomies and terms are ORUK entities
     * too, with no service in them. */
    return str_of(o, "name") != NULL && any_key(o, other_keys);
}

static int read_list(rd *c, const json_t *a)
{
    size_t n = json_array_size(a);
    if (n > ORUK_MAX_ITEMS)
        return sp_fail(c->err, SP_ELIMIT, "list has %zu items, over the limit of %u", n,
                       ORUK_MAX_ITEMS);
    for (size_t i = 0; i < n; i++)
        read_item(c, json_array_get(a, i), true);
    return SP_OK;
}

static void next_link(rd *c, long page)
{
    char *u = url_with_page(c->url, page);
    if (u != NULL)
        feed_add_link(c->out, u, FEED_LINK_NEXT, 0, -1);
    free(u);
}

/* The two shapes of a page of services: ORUK v3 and v1 (Spring-style). */
typedef struct page_style {
    const char *list, *number, *total_pages, *total_items, *last;
    long first;        /* the number of the first page */
    bool counts_first; /* number < total_pages says more before the last flag does */
} page_style;

static const page_style page_styles[] = {
    {"contents", "page_number", "total_pages", "total_items", "last_page", 1, true},
    /* v1 APIs take ?page=N and echo N as "number"; a 0 means the first
     * page of a zero-based server, whose next is 1. */
    {"content", "number", "totalPages", "totalElements", "last", 0, false},
};

/* A page: its services, its counts, and a link to the next page when
 * there is more. */
static int read_page(rd *c, const json_t *j, const page_style *ps, const json_t *list)
{
    feed_output *out = c->out;
    long v;
    if (num_of(j, ps->number, &v))
        out->page = v;
    if (num_of(j, ps->total_pages, &v))
        out->total_pages = v;
    if (num_of(j, ps->total_items, &v))
        out->total_items = v;
    int rc = read_list(c, list);
    bool counted = out->page >= ps->first && out->total_pages >= 0;
    const json_t *last = json_object_get(j, ps->last);
    bool more;
    if (ps->counts_first ? counted : !json_is_boolean(last))
        more = counted && out->page < out->total_pages;
    else
        more = json_is_false(last);
    if (more && json_array_size(list) > 0)
        next_link(c, out->page >= ps->first ? out->page + 1 : 2);
    return rc;
}

static int read_doc(rd *c, const json_t *j)
{
    feed_output *out = c->out;
    if (json_is_array(j)) {
        int rc = read_list(c, j);
        if (rc == SP_OK && json_array_size(j) > 0 && out->n_recs == c->first_rec) {
            /* A list with nothing ORUK-like in it at all. */
            bool any = false;
            for (size_t i = 0; i < json_array_size(j) && !any; i++) {
                const json_t *o = json_array_get(j, i);
                any = json_is_object(o) && str_of(o, "name") != NULL &&
                      any_key(o, other_keys);
            }
            if (!any)
                return sp_fail(c->err, SP_EPARSE,
                               "expected a list of ORUK/HSDS services; found no services");
        }
        return rc;
    }
    if (!json_is_object(j))
        return sp_fail(c->err, SP_EPARSE,
                       "expected a JSON object or array (ORUK/HSDS service, page or API root)");

    if (json_is_array(json_object_get(j, "resources")))
        return sp_fail(c->err, SP_EPARSE,
                       "this is a data package descriptor (it lists \"resources\"); "
                       "read it with the datapackage reader, not as ORUK JSON");

    /* API root */
    const char *ver = str_of(j, "version");
    if (ver != NULL && (has(j, "openapi_url") || has(j, "profile")) && !has(j, "name")) {
        free(out->version);
        out->version = sp_strdup(ver);
        return SP_OK;
    }

    for (size_t i = 0; i < sizeof page_styles / sizeof *page_styles; i++) {
        const json_t *list = json_object_get(j, page_styles[i].list);
        if (json_is_array(list))
            return read_page(c, j, &page_styles[i], list);
    }

    if (read_item(c, j, false))
        return SP_OK;
    return sp_fail(c->err, SP_EPARSE,
                   "expected an ORUK/HSDS service, page (contents/content), "
                   "organization, service_at_location or API root; found none");
}

int feed_read_oruk(const char *body, size_t len, const char *url, feed_output *out,
                   sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read_oruk", "document", err);
    if (chk != SP_OK)
        return chk;
    /* Some publishers send a UTF-8 byte order mark, which JSON forbids. */
    if (body != NULL && len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        len -= 3;
    }
    if (body == NULL || len == 0)
        return sp_fail(err, SP_EPARSE, "empty document; expected ORUK/HSDS JSON");
    if (sp_json_too_deep(body, len, ORUK_MAX_DEPTH))
        return sp_fail(err, SP_ELIMIT, "JSON nested deeper than %d levels; not an ORUK document",
                       ORUK_MAX_DEPTH);
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (j == NULL)
        return sp_fail(err, SP_EPARSE,
                       "not JSON (line %d, column %d: %s); expected ORUK/HSDS JSON", je.line,
                       je.column, je.text);
    rd c = {0};
    c.url = url != NULL ? url : "";
    c.origin = origin_of(url);
    c.out = out;
    c.first_rec = out->n_recs;
    c.err = err;
    if (c.origin == NULL) {
        json_decref(j);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    int rc = read_doc(&c, j);
    if (c.shallow_items > 0)
        out->shallow = true;
    json_decref(j);
    free(c.origin);
    if (rc == SP_OK)
        rc = c.rc;
    return rc;
}
