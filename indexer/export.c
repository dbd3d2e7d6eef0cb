/*
 * export.c - Signpost's records in the shapes other tools read (see
 * export.h): the ORUK 3.0 service object, Signpost's taxonomies, the walk
 * over an index, and the HSDS tabular data package.
 *
 * The ORUK object starts from rec_to_json() (already HSDS 3.0 shaped) and
 * is repaired where the ORUK profile is stricter than what sources give us:
 * every id a UUID, required fields present, formats valid.  Repairs are
 * deterministic (derived ids are name-based UUIDs), so the same record
 * always exports the same bytes and an export read back and exported again
 * is identical.
 *
 * The data package is the same objects flattened into HSDS 3.0's tables:
 * each nested object becomes a row of its table with the foreign key of its
 * parent; rows are kept once per (table, id) because organizations,
 * locations and terms are shared between services.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export.h"

#define EXPORT_PAGE 500 /* records per idx_search call in export_each */

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static void make_id2(const char *ns, const char *a, const char *b, char out[37])
{
    char *key = sp_printf("%s|%s", a ? a : "", b ? b : "");
    rec_make_id(ns, key ? key : "", out);
    free(key);
}

static const char *sget(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void sset(json_t *o, const char *k, const char *v)
{
    if (v != NULL)
        json_object_set_new(o, k, json_string(v));
}

/* A URL the profile's "uri" format accepts: scheme ":" and no blanks.  A
 * bare host ("www.x.org.uk/page") gets https://; anything else is dropped,
 * since a broken link is worse than none. */
static void fix_uri(json_t *o, const char *k)
{
    const char *u = sget(o, k);
    if (u == NULL)
        return;
    bool blank = false;
    for (const char *p = u; *p; p++)
        if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
            blank = true;
    const char *colon = strchr(u, ':');
    bool scheme = colon != NULL && colon > u && isalpha((unsigned char)u[0]);
    for (const char *p = u; scheme && p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            scheme = false;
    if (!blank && scheme && colon[1] != '\0')
        return;
    if (!blank && !scheme && strchr(u, '.') != NULL && u[0] != '.' && u[0] != '/') {
        char *fixed = sp_printf("https://%s", u);
        if (fixed != NULL)
            json_object_set_new(o, k, json_string(fixed));
        free(fixed);
        return;
    }
    json_object_del(o, k);
}

static void fix_email(json_t *o, const char *k)
{
    const char *e = sget(o, k);
    if (e == NULL)
        return;
    const char *at = strchr(e, '@');
    bool ok = at != NULL && at > e && at[1] != '\0' && strchr(at + 1, '@') == NULL;
    for (const char *p = e; ok && *p; p++)
        if (isspace((unsigned char)*p))
            ok = false;
    if (!ok)
        json_object_del(o, k);
}

static void fix_datetime(json_t *o, const char *k, int64_t fallback)
{
    const char *s = sget(o, k);
    int64_t t = s != NULL ? sp_time_parse(s) : -1;
    if (t <= 0)
        t = fallback;
    if (t <= 0) {
        json_object_del(o, k);
        return;
    }
    char buf[32];
    sp_time_format(t, buf);
    json_object_set_new(o, k, json_string(buf));
}

/* o[key], a reference to an object of kind by the source's id, as that
 * object's UUID (ensure_id's), unless it is a UUID already. */
static void uuid_ref(json_t *o, const char *key, const char *kind)
{
    const char *v = sget(o, key);
    if (v == NULL || rec_is_uuid(v))
        return;
    char out[37];
    make_id2("signpost:oruk-id", kind, v, out);
    json_object_set_new(o, key, json_string(out));
}

/* Every object reached under key gets a UUID id: kept when it is one,
 * otherwise derived from the kind and the source's id (so a location shared
 * by services keeps one id), or from the service and the position. */
static void ensure_id(json_t *o, const char *kind, const char *service_id, size_t pos)
{
    const char *id = sget(o, "id");
    if (id != NULL && rec_is_uuid(id))
        return;
    char out[37];
    if (id != NULL && *id) {
        make_id2("signpost:oruk-id", kind, id, out);
    } else {
        char p[24];
        snprintf(p, sizeof p, "%zu", pos);
        char *k = sp_printf("%s|%s", kind, p);
        make_id2("signpost:oruk-pos", service_id, k, out);
        free(k);
    }
    json_object_set_new(o, "id", json_string(out));
}

/* ids of every object in the array at o[key], plus its parent key. */
static void fix_array(json_t *o, const char *key, const char *service_id,
                      const char *fk_name, const char *fk)
{
    json_t *a = json_object_get(o, key);
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it)
    {
        if (!json_is_object(it))
            continue;
        ensure_id(it, key, service_id, i);
        if (fk_name != NULL && fk != NULL)
            json_object_set_new(it, fk_name, json_string(fk));
    }
}

static void taxonomy_id_of_name(const char *name, char out[37]);

static void fix_term(json_t *t, const char *service_id, size_t pos)
{
    ensure_id(t, "taxonomy_term", service_id, pos);
    if (sget(t, "name") == NULL)
        sset(t, "name", sget(t, "code") ? sget(t, "code") : "(unnamed term)");
    if (sget(t, "description") == NULL)
        sset(t, "description", sget(t, "name"));
    uuid_ref(t, "parent_id", "taxonomy_term");
    const char *tax = sget(t, "taxonomy");
    if (tax != NULL && sget(t, "taxonomy_id") == NULL) {
        char out[37];
        taxonomy_id_of_name(tax, out);
        json_object_set_new(t, "taxonomy_id", json_string(out));
    }
    fix_uri(t, "term_uri");
}

/* ======================================================================
 * Signpost's taxonomies
 * ====================================================================== */

static const struct {
    const char *field, *name, *title, *description;
} taxonomies[] = {
    {"category", "signpost-categories", "Signpost categories",
     "What a service does: Signpost's two-level taxonomy of employment, skills "
     "and wraparound support."},
    {"group", "signpost-groups", "Signpost groups",
     "Who a service is for: the seven London priority groups and other groups."},
};

static const char *tax_name(const char *field);

/* A taxonomy's id is derived from its name, so a term read back from an
 * export (which keeps the name, not the id) links to the same taxonomy. */
static void taxonomy_id_of_name(const char *name, char out[37])
{
    make_id2("signpost:taxonomy", "taxonomy", name, out);
}

void export_taxonomy_id(const char *field, char out[37])
{
    taxonomy_id_of_name(tax_name(field), out);
}

void export_term_id(const char *field, const char *slug, char out[37])
{
    make_id2("signpost:taxonomy", field, slug, out);
}

static const char *tax_name(const char *field)
{
    for (size_t i = 0; i < sizeof taxonomies / sizeof *taxonomies; i++)
        if (strcmp(taxonomies[i].field, field) == 0)
            return taxonomies[i].name;
    return field;
}

static json_t *term_obj(const vocab *v, const char *field, const char *slug)
{
    char id[37], tid[37];
    export_term_id(field, slug, id);
    export_taxonomy_id(field, tid);
    const char *label = v ? vocab_label(v, field, slug) : NULL;
    if (label == NULL)
        label = slug;
    json_t *t = json_object();
    if (t == NULL)
        return NULL;
    sset(t, "id", id);
    sset(t, "code", slug);
    sset(t, "name", label);
    sset(t, "description", label);
    if (strcmp(field, "category") == 0 && v != NULL) {
        const char *parent = vocab_category_parent(v, slug);
        if (parent != NULL && strcmp(parent, slug) != 0) {
            char pid[37];
            export_term_id(field, parent, pid);
            sset(t, "parent_id", pid);
        }
    }
    sset(t, "taxonomy", tax_name(field));
    sset(t, "taxonomy_id", tid);
    return t;
}

json_t *export_taxonomies(const vocab *v)
{
    (void)v;
    json_t *a = json_array();
    for (size_t i = 0; a && i < sizeof taxonomies / sizeof *taxonomies; i++) {
        char id[37];
        export_taxonomy_id(taxonomies[i].field, id);
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "name",
                                           taxonomies[i].name, "description",
                                           taxonomies[i].description, "version", "1"));
    }
    return a;
}

json_t *export_taxonomy_terms(const vocab *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && v && i < sizeof taxonomies / sizeof *taxonomies; i++) {
        size_t n = 0;
        const char *const *slugs = vocab_slugs(v, taxonomies[i].field, &n);
        for (size_t k = 0; slugs && k < n; k++)
            json_array_append_new(a, term_obj(v, taxonomies[i].field, slugs[k]));
    }
    return a;
}

/* ======================================================================
 * The ORUK service object
 * ====================================================================== */

int64_t export_modified(const rec_service *r)
{
    if (r->prov.last_changed > 0)
        return r->prov.last_changed;
    int64_t t = r->last_modified ? sp_time_parse(r->last_modified) : -1;
    if (t > 0)
        return t;
    return r->prov.last_seen > 0 ? r->prov.last_seen : 0;
}

static bool has_term(const json_t *attrs, const char *term_id)
{
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        const char *t = sget(json_object_get(a, "taxonomy_term"), "id");
        if (t == NULL)
            t = sget(a, "taxonomy_term_id");
        if (t != NULL && strcmp(t, term_id) == 0)
            return true;
    }
    return false;
}

static void add_tag_attributes(json_t *s, const rec_tags *tags, const char *field,
                               const vocab *v, const char *sid)
{
    json_t *attrs = json_object_get(s, "attributes");
    for (size_t i = 0; i < tags->n; i++) {
        const char *slug = tags->v[i].slug;
        if (slug == NULL)
            continue;
        char tid[37];
        export_term_id(field, slug, tid);
        if (attrs != NULL && has_term(attrs, tid))
            continue;
        if (attrs == NULL) {
            attrs = json_array();
            if (attrs == NULL || json_object_set_new(s, "attributes", attrs) != 0)
                return;
        }
        json_t *a = json_object();
        if (a == NULL)
            return;
        char aid[37];
        make_id2("signpost:oruk-attribute", sid, tid, aid);
        sset(a, "id", aid);
        sset(a, "link_id", sid);
        sset(a, "link_type", field);
        sset(a, "link_entity", "service");
        sset(a, "taxonomy_term_id", tid);
        json_object_set_new(a, "taxonomy_term", term_obj(v, field, slug));
        json_array_append_new(attrs, a);
    }
}

/* The profile requires address_type and country: a Signpost address with
 * neither is a street address in the UK.  It also requires address_1,
 * city, state_province and postal_code, which enrichment completes from a
 * London postcode (indexer/enrich.c); an address still without them (no
 * postcode, or one outside London) is left out rather than invented. */
static void fix_addresses(json_t *a, const vocab *v)
{
    static const char *const required[] = {"address_1", "city", "state_province",
                                           "postal_code"};
    for (size_t i = json_array_size(a); i-- > 0;) {
        json_t *it = json_array_get(a, i);
        const vocab_borough *b = NULL;
        const char *pc = sget(it, "postal_code");
        if (v != NULL && pc != NULL && vocab_postcode(v, pc, NULL, NULL, &b) == SP_OK && b) {
            /* As enrichment does, for records exported without it. */
            if (sget(it, "city") == NULL)
                sset(it, "city", "London");
            if (sget(it, "state_province") == NULL)
                sset(it, "state_province", "Greater London");
        }
        bool whole = json_is_object(it);
        for (size_t k = 0; whole && k < sizeof required / sizeof *required; k++)
            whole = sget(it, required[k]) != NULL;
        if (!whole) {
            json_array_remove(a, i);
            continue;
        }
        if (sget(it, "address_type") == NULL)
            sset(it, "address_type", "physical");
        if (sget(it, "country") == NULL)
            sset(it, "country", "GB");
    }
}

static void fix_location(json_t *loc, const char *sid, size_t pos, const vocab *v)
{
    ensure_id(loc, "location", sid, pos);
    const char *lid = sget(loc, "id");
    const char *lt = sget(loc, "location_type");
    if (lt == NULL || (strcmp(lt, "physical") && strcmp(lt, "postal") && strcmp(lt, "virtual"))) {
        bool physical = json_object_get(loc, "latitude") != NULL ||
                        json_array_size(json_object_get(loc, "addresses")) > 0;
        sset(loc, "location_type", physical ? "physical" : "virtual");
    }
    fix_uri(loc, "url");
    fix_array(loc, "addresses", lid, "location_id", lid);
    fix_addresses(json_object_get(loc, "addresses"), v);
    if (json_array_size(json_object_get(loc, "addresses")) == 0)
        json_object_del(loc, "addresses");
    fix_array(loc, "phones", lid, "location_id", lid);
    fix_array(loc, "schedules", lid, "location_id", lid);
    fix_array(loc, "languages", lid, "location_id", lid);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(loc, "schedules"), i, it) fix_uri(it, "schedule_link");
}

/* The value of the list ok (n long) that o[key] is, ignoring case, in the
 * list's spelling; NULL when it is none of them or absent. */
static const char *one_of(const json_t *o, const char *key, const char *const *ok, size_t n)
{
    const char *v = sget(o, key);
    for (size_t k = 0; v != NULL && k < n; k++)
        if (strcasecmp(v, ok[k]) == 0)
            return ok[k];
    return NULL;
}

static void fix_schedules(json_t *a)
{
    static const char *const freqs[] = {"WEEKLY", "MONTHLY"};
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it)
    {
        const char *f = one_of(it, "freq", freqs, sizeof freqs / sizeof *freqs);
        if (f != NULL)
            json_object_set_new(it, "freq", json_string(f));
        else if (sget(it, "freq") != NULL)
            json_object_del(it, "freq");
        fix_uri(it, "schedule_link");
    }
}

static void fix_status(json_t *s)
{
    static const char *const ok[] = {"active", "inactive", "defunct", "temporarily closed"};
    const char *st = one_of(s, "status", ok, sizeof ok / sizeof *ok);
    json_object_set_new(s, "status", json_string(st != NULL ? st : "active"));
}

/* The host of an http(s) URL ("www.hackney.gov.uk"); NULL when none. */
static char *host_of(const char *url)
{
    if (url == NULL || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
        return NULL;
    const char *h = strstr(url, "://") + 3;
    size_t n = strcspn(h, "/?#:");
    return n > 0 ? sp_strndup(h, n) : NULL;
}

/* Every exported service carries an organization: a record whose source,
 * sources.conf and page named none is the organization behind its web
 * address (or, read from a file, its source). */
static void default_organization(json_t *s, const rec_service *r)
{
    json_t *g = json_object_get(s, "organization");
    if (json_is_object(g) && (sget(g, "name") || sget(g, "website") || sget(g, "email")))
        return;
    char *host = host_of(r->url);
    if (host == NULL)
        host = host_of(r->prov.source_url);
    const char *name = host ? host : r->prov.source_id ? r->prov.source_id : "unknown provider";
    if (!json_is_object(g)) {
        g = json_object();
        json_object_set_new(s, "organization", g);
    }
    sset(g, "name", name);
    free(host);
}

static void fix_organization(json_t *s, const char *sid)
{
    json_t *g = json_object_get(s, "organization");
    if (!json_is_object(g))
        return;
    if (sget(g, "name") == NULL) {
        /* The profile requires a name; an organization known only by its
         * website or e-mail is named by them. */
        const char *n = sget(g, "website") ? sget(g, "website") : sget(g, "email");
        if (n == NULL) {
            json_object_del(s, "organization");
            return;
        }
        sset(g, "name", n);
    }
    const char *id = sget(g, "id");
    if (id == NULL || !rec_is_uuid(id)) {
        char out[37];
        make_id2("signpost:oruk-id", "organization", id ? id : sget(g, "name"), out);
        json_object_set_new(g, "id", json_string(out));
    }
    if (sget(g, "description") == NULL)
        sset(g, "description", sget(g, "name"));
    fix_email(g, "email");
    fix_uri(g, "website");
    fix_uri(g, "uri");
    uuid_ref(g, "parent_organization_id", "organization");
    const char *gid = sget(g, "id");
    fix_array(g, "organization_identifiers", sid, "organization_id", gid);
    json_t *ids = json_object_get(g, "organization_identifiers");
    for (size_t i = json_array_size(ids); i-- > 0;) {
        json_t *it = json_array_get(ids, i);
        if (sget(it, "identifier") == NULL)
            json_array_remove(ids, i);
        else if (sget(it, "identifier_type") == NULL)
            sset(it, "identifier_type",
                 sget(it, "identifier_scheme") ? sget(it, "identifier_scheme") : "identifier");
    }
    fix_array(g, "phones", gid, "organization_id", gid);
    sset(s, "organization_id", gid);
}

json_t *export_oruk_service(const rec_service *r, const vocab *v)
{
    if (r == NULL || r->id == NULL)
        return NULL;
    json_t *s = rec_to_json(r);
    if (s == NULL)
        return NULL;
    json_object_del(s, "signpost");
    const char *sid = r->id;
    if (sget(s, "name") == NULL)
        sset(s, "name", "(unnamed service)");
    fix_status(s);
    fix_uri(s, "url");
    fix_email(s, "email");
    fix_email(s, "assurer_email");
    fix_datetime(s, "last_modified", export_modified(r));
    /* The ORUK profile calls HSDS 3.0's fees_description "fees"; both are
     * written so readers of either find it. */
    if (sget(s, "fees_description") != NULL && sget(s, "fees") == NULL)
        sset(s, "fees", sget(s, "fees_description"));
    default_organization(s, r);
    fix_organization(s, sid);

    json_t *sals = json_object_get(s, "service_at_locations");
    size_t i;
    json_t *it;
    json_array_foreach(sals, i, it)
    {
        json_t *loc = json_object_get(it, "location");
        if (!json_is_object(loc))
            continue;
        fix_location(loc, sid, i, v);
        const char *lid = sget(loc, "id");
        char salid[37];
        make_id2("signpost:oruk-sal", sid, lid, salid);
        sset(it, "id", salid);
        sset(it, "service_id", sid);
        sset(it, "location_id", lid);
    }
    fix_array(s, "phones", sid, "service_id", sid);
    fix_array(s, "schedules", sid, "service_id", sid);
    fix_schedules(json_object_get(s, "schedules"));
    fix_array(s, "languages", sid, "service_id", sid);
    fix_array(s, "service_areas", sid, "service_id", sid);
    fix_array(s, "cost_options", sid, "service_id", sid);
    fix_array(s, "funding", sid, "service_id", sid);
    fix_array(s, "attributes", sid, "link_id", sid);
    json_array_foreach(json_object_get(s, "attributes"), i, it)
    {
        json_t *t = json_object_get(it, "taxonomy_term");
        if (json_is_object(t)) {
            fix_term(t, sid, i);
            sset(it, "taxonomy_term_id", sget(t, "id"));
        }
        if (sget(it, "link_entity") == NULL)
            sset(it, "link_entity", "service");
    }
    json_array_foreach(json_object_get(s, "taxonomy_terms"), i, it)
    {
        if (json_is_object(it))
            fix_term(it, sid, i);
    }
    add_tag_attributes(s, &r->categories, "category", v, sid);
    add_tag_attributes(s, &r->groups, "group", v, sid);
    return s;
}

/* ======================================================================
 * Walking the index
 * ====================================================================== */

int export_each(idx *ix, const idx_query *q, size_t max, export_rec_fn fn, void *ctx,
                sp_err *err)
{
    idx_query all;
    idx_query_init(&all);
    idx_query qq = q ? *q : all;
    qq.facets = false;
    qq.exact_facets = false;
    qq.collapse = false;
    size_t done = 0;
    for (;;) {
        qq.offset = done;
        qq.limit = EXPORT_PAGE;
        if (max > 0 && max - done < qq.limit)
            qq.limit = max - done;
        if (qq.limit == 0)
            return SP_OK;
        idx_result res;
        memset(&res, 0, sizeof res);
        int rc = idx_search(ix, &qq, &res, err);
        if (rc != SP_OK) {
            idx_result_free(&res);
            return rc;
        }
        for (size_t i = 0; rc == SP_OK && i < res.n_hits; i++)
            rc = fn(&res.hits[i].rec, ctx);
        size_t got = res.n_hits;
        idx_result_free(&res);
        if (rc != SP_OK)
            return rc;
        done += got;
        if (got < qq.limit)
            return SP_OK;
    }
}

/* ======================================================================
 * The data package
 * ====================================================================== */

enum {
    T_ORG,
    T_ORG_ID,
    T_SERVICE,
    T_LOCATION,
    T_SAL,
    T_ADDRESS,
    T_PHONE,
    T_SCHEDULE,
    T_LANGUAGE,
    T_AREA,
    T_COST,
    T_FUNDING,
    T_ATTRIBUTE,
    T_TERM,
    T_TAXONOMY,
    T__N
};

/* Columns are HSDS 3.0's, plus the ones Signpost's records carry that the
 * standard spells elsewhere (fees, taxonomy_detail's version). */
static const struct {
    const char *name, *file;
    const char *cols[32];
} tables[T__N] = {
    [T_ORG] = {"organization", "organizations.csv",
               {"id", "name", "alternate_name", "description", "email", "website",
                "legal_status", "logo", "uri", "parent_organization_id", "year_incorporated"}},
    [T_ORG_ID] = {"organization_identifier", "organization_identifiers.csv",
                  {"id", "organization_id", "identifier_scheme", "identifier_type",
                   "identifier"}},
    [T_SERVICE] = {"service", "services.csv",
                   {"id", "organization_id", "name", "alternate_name", "description", "url",
                    "email", "status", "interpretation_services", "application_process",
                    "fees_description", "fees", "accreditations", "eligibility_description",
                    "minimum_age", "maximum_age", "assured_date", "assurer_email", "alert",
                    "licenses", "last_modified"}},
    [T_LOCATION] = {"location", "locations.csv",
                    {"id", "location_type", "url", "name", "alternate_name", "description",
                     "transportation", "latitude", "longitude", "external_identifier",
                     "external_identifier_type"}},
    [T_SAL] = {"service_at_location", "service_at_location.csv",
               {"id", "service_id", "location_id", "description"}},
    [T_ADDRESS] = {"address", "addresses.csv",
                   {"id", "location_id", "attention", "address_1", "address_2", "city",
                    "region", "state_province", "postal_code", "country", "address_type"}},
    [T_PHONE] = {"phone", "phones.csv",
                 {"id", "location_id", "service_id", "organization_id", "number", "extension",
                  "type", "description"}},
    [T_SCHEDULE] = {"schedule", "schedules.csv",
                    {"id", "service_id", "location_id", "service_at_location_id", "valid_from",
                     "valid_to", "dtstart", "until", "wkst", "freq", "interval", "byday",
                     "bymonthday", "description", "opens_at", "closes_at", "schedule_link",
                     "attending_type", "notes"}},
    [T_LANGUAGE] = {"language", "languages.csv",
                    {"id", "service_id", "location_id", "name", "code", "note"}},
    [T_AREA] = {"service_area", "service_areas.csv",
                {"id", "service_id", "name", "description", "extent", "extent_type", "uri"}},
    [T_COST] = {"cost_option", "cost_options.csv",
                {"id", "service_id", "valid_from", "valid_to", "option", "currency", "amount",
                 "amount_description"}},
    [T_FUNDING] = {"funding", "funding.csv", {"id", "service_id", "source"}},
    [T_ATTRIBUTE] = {"attribute", "attributes.csv",
                     {"id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value",
                      "label"}},
    [T_TERM] = {"taxonomy_term", "taxonomy_terms.csv",
                {"id", "code", "name", "description", "parent_id", "taxonomy", "taxonomy_id",
                 "term_uri", "version"}},
    [T_TAXONOMY] = {"taxonomy", "taxonomies.csv", {"id", "name", "description", "uri", "version"}},
};

struct export_dp {
    json_t *rows[T__N]; /* arrays of flat objects, in order of arrival */
    json_t *seen[T__N]; /* id -> true */
};

export_dp *export_dp_new(void)
{
    export_dp *dp = calloc(1, sizeof *dp);
    if (dp == NULL)
        return NULL;
    for (int t = 0; t < T__N; t++) {
        dp->rows[t] = json_array();
        dp->seen[t] = json_object();
        if (dp->rows[t] == NULL || dp->seen[t] == NULL) {
            export_dp_free(dp);
            return NULL;
        }
    }
    return dp;
}

void export_dp_free(export_dp *dp)
{
    if (dp == NULL)
        return;
    for (int t = 0; t < T__N; t++) {
        json_decref(dp->rows[t]);
        json_decref(dp->seen[t]);
    }
    free(dp);
}

size_t export_dp_count(void)
{
    return T__N;
}

const char *export_dp_file(size_t i)
{
    return i < T__N ? tables[i].file : NULL;
}

int export_dp_find(const char *file)
{
    for (int t = 0; file && t < T__N; t++)
        if (strcmp(tables[t].file, file) == 0)
            return t;
    return -1;
}

/* One row: the scalar members of o, plus a foreign key.  Returns false when
 * the row was there already (same table and id), so callers do not descend
 * into a shared object twice. */
static bool add_row(export_dp *dp, int t, const json_t *o, const char *fk_name,
                    const char *fk)
{
    const char *id = sget(o, "id");
    if (id != NULL && json_object_get(dp->seen[t], id) != NULL)
        return false;
    json_t *row = json_object();
    if (row == NULL)
        return false;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (json_is_string(v) || json_is_number(v) || json_is_boolean(v))
            json_object_set(row, k, v);
    }
    /* taxonomy_detail.version is a term's version in HSDS 3.0's JSON. */
    const char *ver = sget(json_object_get(o, "taxonomy_detail"), "version");
    if (ver != NULL)
        sset(row, "version", ver);
    if (fk_name != NULL && fk != NULL)
        sset(row, fk_name, fk);
    json_array_append_new(dp->rows[t], row);
    if (id != NULL)
        json_object_set_new(dp->seen[t], id, json_true());
    return true;
}

static void add_children(export_dp *dp, const json_t *o, const char *key, int t,
                         const char *fk_name, const char *fk)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(o, key), i, it)
    {
        if (json_is_object(it))
            add_row(dp, t, it, fk_name, fk);
    }
}

/* A term, and the taxonomy it names (Signpost's own with its description,
 * else one made of the term's taxonomy name), so every taxonomy_id of
 * taxonomy_terms.csv is a row of taxonomies.csv. */
static void add_term_row(export_dp *dp, const json_t *term)
{
    if (!json_is_object(term) || !add_row(dp, T_TERM, term, NULL, NULL))
        return;
    const char *tid = sget(term, "taxonomy_id"), *name = sget(term, "taxonomy");
    if (tid == NULL || json_object_get(dp->seen[T_TAXONOMY], tid) != NULL)
        return;
    json_t *all = export_taxonomies(NULL), *tax = NULL, *it;
    size_t i;
    json_array_foreach(all, i, it)
    {
        if (tax == NULL && sget(it, "id") != NULL && strcmp(sget(it, "id"), tid) == 0)
            tax = json_incref(it);
    }
    json_decref(all);
    if (tax == NULL && name != NULL)
        tax = json_pack("{s:s,s:s,s:s}", "id", tid, "name", name, "description", name);
    if (tax != NULL)
        add_row(dp, T_TAXONOMY, tax, NULL, NULL);
    json_decref(tax);
}

int export_dp_add(export_dp *dp, const json_t *s, sp_err *err)
{
    const char *sid = sget(s, "id");
    if (dp == NULL || sid == NULL)
        return sp_fail(err, SP_EINVAL, "export_dp_add: no package or a service without an id");
    if (!add_row(dp, T_SERVICE, s, NULL, NULL))
        return SP_OK; /* the same service twice (a search listed it again) */
    const json_t *g = json_object_get(s, "organization");
    if (json_is_object(g)) {
        const char *gid = sget(g, "id");
        if (add_row(dp, T_ORG, g, NULL, NULL)) {
            add_children(dp, g, "organization_identifiers", T_ORG_ID, "organization_id", gid);
            add_children(dp, g, "phones", T_PHONE, "organization_id", gid);
        }
    }
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(s, "service_at_locations"), i, it)
    {
        const json_t *loc = json_object_get(it, "location");
        if (!json_is_object(loc))
            continue;
        add_row(dp, T_SAL, it, NULL, NULL);
        const char *lid = sget(loc, "id");
        if (add_row(dp, T_LOCATION, loc, NULL, NULL)) {
            add_children(dp, loc, "addresses", T_ADDRESS, "location_id", lid);
            add_children(dp, loc, "phones", T_PHONE, "location_id", lid);
            add_children(dp, loc, "schedules", T_SCHEDULE, "location_id", lid);
            add_children(dp, loc, "languages", T_LANGUAGE, "location_id", lid);
        }
    }
    add_children(dp, s, "phones", T_PHONE, "service_id", sid);
    add_children(dp, s, "schedules", T_SCHEDULE, "service_id", sid);
    add_children(dp, s, "languages", T_LANGUAGE, "service_id", sid);
    add_children(dp, s, "service_areas", T_AREA, "service_id", sid);
    add_children(dp, s, "cost_options", T_COST, "service_id", sid);
    add_children(dp, s, "funding", T_FUNDING, "service_id", sid);
    json_t *attrs = json_object_get(s, "attributes");
    json_array_foreach(attrs, i, it)
    {
        add_row(dp, T_ATTRIBUTE, it, "link_id", sid);
        add_term_row(dp, json_object_get(it, "taxonomy_term"));
    }
    /* Terms the service carries outside attributes: HSDS 3.0 links a
     * service to a term only through an attribute, so one is written. */
    json_array_foreach(json_object_get(s, "taxonomy_terms"), i, it)
    {
        const char *tid = sget(it, "id");
        if (tid == NULL || has_term(attrs, tid))
            continue;
        add_term_row(dp, it);
        char aid[37];
        make_id2("signpost:oruk-attribute", sid, tid, aid);
        json_t *a = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", aid, "link_id", sid,
                              "taxonomy_term_id", tid, "link_type", "taxonomy_term",
                              "link_entity", "service");
        if (a != NULL)
            add_row(dp, T_ATTRIBUTE, a, NULL, NULL);
        json_decref(a);
    }
    return SP_OK;
}

int export_csv_field(sp_buf *out, const char *s)
{
    return sp_csv_cell(out, s); /* quoting and formula neutralising, as the hub's CSVs */
}

static int csv_value(sp_buf *out, const json_t *v)
{
    char num[64];
    if (json_is_string(v))
        return export_csv_field(out, json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return sp_buf_puts(out, num);
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        /* the shortest form that reads back as the same double */
        for (int prec = 1; prec <= 17; prec++) {
            char t[64];
            snprintf(t, sizeof t, "%.*g", prec, json_real_value(v));
            if (strtod(t, NULL) == json_real_value(v)) {
                snprintf(num, sizeof num, "%s", t);
                break;
            }
        }
        return sp_buf_puts(out, num);
    }
    if (json_is_boolean(v))
        return sp_buf_puts(out, json_is_true(v) ? "true" : "false");
    return SP_OK;
}

int export_dp_csv(const export_dp *dp, size_t t, sp_buf *out)
{
    if (t >= T__N)
        return SP_EINVAL;
    int rc = SP_OK;
    for (size_t c = 0; rc == SP_OK && tables[t].cols[c]; c++) {
        if (c > 0)
            rc = sp_buf_append(out, ",", 1);
        if (rc == SP_OK)
            rc = sp_buf_puts(out, tables[t].cols[c]);
    }
    if (rc == SP_OK)
        rc = sp_buf_append(out, "\r\n", 2);
    size_t i;
    json_t *row;
    json_array_foreach(dp ? dp->rows[t] : NULL, i, row)
    {
        for (size_t c = 0; rc == SP_OK && tables[t].cols[c]; c++) {
            if (c > 0)
                rc = sp_buf_append(out, ",", 1);
            if (rc == SP_OK)
                rc = csv_value(out, json_object_get(row, tables[t].cols[c]));
        }
        if (rc == SP_OK)
            rc = sp_buf_append(out, "\r\n", 2);
        if (rc != SP_OK)
            break;
    }
    return rc;
}

static const char *col_type(const char *col)
{
    static const char *const nums[] = {"minimum_age", "maximum_age", "latitude", "longitude",
                                       "amount", "interval", "year_incorporated"};
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        if (strcmp(col, nums[i]) == 0)
            return "number";
    return "string";
}

/* Columns every row has (HSDS 3.0's required fields that the repairs in
 * this file guarantee; tests/ops/test_exports.py checks them on the
 * sample), as "table.column". */
static const char *const required_cols[] = {
    "organization.name", "organization.description", "organization_identifier.organization_id",
    "service.name", "service.status", "service.organization_id", "location.location_type",
    "service_at_location.service_id", "service_at_location.location_id",
    "address.location_id", "address.address_1", "address.country", "address.address_type",
    "phone.number", "attribute.link_id", "attribute.taxonomy_term_id", "attribute.link_type",
    "taxonomy_term.name", "taxonomy_term.description", "taxonomy.name",
    "taxonomy.description"};

/* Foreign keys: table.column -> table (its id).  A term's parent_id is not
 * declared: a package holds the terms its services use, not always their
 * parents. */
static const struct {
    int t;
    const char *col;
    int ref;
} foreign_keys[] = {
    {T_ORG_ID, "organization_id", T_ORG},   {T_SERVICE, "organization_id", T_ORG},
    {T_SAL, "service_id", T_SERVICE},       {T_SAL, "location_id", T_LOCATION},
    {T_ADDRESS, "location_id", T_LOCATION}, {T_PHONE, "service_id", T_SERVICE},
    {T_PHONE, "location_id", T_LOCATION},   {T_PHONE, "organization_id", T_ORG},
    {T_SCHEDULE, "service_id", T_SERVICE},  {T_SCHEDULE, "location_id", T_LOCATION},
    {T_LANGUAGE, "service_id", T_SERVICE},  {T_LANGUAGE, "location_id", T_LOCATION},
    {T_AREA, "service_id", T_SERVICE},      {T_COST, "service_id", T_SERVICE},
    {T_FUNDING, "service_id", T_SERVICE},   {T_ATTRIBUTE, "taxonomy_term_id", T_TERM},
    {T_TERM, "taxonomy_id", T_TAXONOMY},
};

static bool col_required(int t, const char *col)
{
    size_t n = strlen(tables[t].name);
    if (strcmp(col, "id") == 0)
        return true;
    for (size_t i = 0; i < sizeof required_cols / sizeof *required_cols; i++)
        if (strncmp(required_cols[i], tables[t].name, n) == 0 && required_cols[i][n] == '.' &&
            strcmp(required_cols[i] + n + 1, col) == 0)
            return true;
    return false;
}

static json_t *table_schema(int t)
{
    json_t *fields = json_array(), *fks = json_array();
    for (size_t c = 0; fields && tables[t].cols[c]; c++) {
        const char *col = tables[t].cols[c];
        json_t *f = json_pack("{s:s,s:s}", "name", col, "type", col_type(col));
        if (f && col_required(t, col))
            json_object_set_new(f, "constraints", json_pack("{s:b}", "required", 1));
        json_array_append_new(fields, f);
    }
    for (size_t i = 0; fks && i < sizeof foreign_keys / sizeof *foreign_keys; i++)
        if (foreign_keys[i].t == t)
            json_array_append_new(fks, json_pack("{s:s,s:{s:s,s:s}}", "fields",
                                                 foreign_keys[i].col, "reference", "resource",
                                                 tables[foreign_keys[i].ref].name, "fields",
                                                 "id"));
    return json_pack("{s:o?,s:s,s:o?}", "fields", fields, "primaryKey", "id", "foreignKeys",
                     fks);
}

json_t *export_dp_descriptor(const export_dp *dp, const char *title, const char *path_suffix)
{
    (void)dp;
    json_t *res = json_array();
    for (int t = 0; res && t < T__N; t++) {
        char *path = sp_printf("%s%s", tables[t].file, path_suffix ? path_suffix : "");
        json_t *r = json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s,s:o?}", "name", tables[t].name,
                              "path", path, "profile", "tabular-data-resource", "format", "csv",
                              "mediatype", "text/csv", "encoding", "utf-8", "schema",
                              table_schema(t));
        free(path);
        json_array_append_new(res, r);
    }
    /* The licence the open-data feeds declare too (feeds_out.c). */
    return json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:s}],s:o?}", "name", "signpost-export",
                     "title", title ? title : "Signpost directory export", "profile",
                     "tabular-data-package", "version", "HSDS 3.0 (Open Referral UK profile)",
                     "licenses", "name", "CC-BY-4.0", "path",
                     "https://creativecommons.org/licenses/by/4.0/", "title",
                     "Creative Commons Attribution 4.0", "resources", res);
}
