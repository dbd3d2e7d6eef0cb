/*
 * html_schema.c - the HTML reader's schema.org mapping (html.c reads the
 * page): JSON-LD objects, and microdata items turned into the same shape
 * (hx_md_to_ld), become rec_service records.  Service, GovernmentService,
 * Course, Event, Organization, LocalBusiness and Place, with PostalAddress,
 * GeoCoordinates, ContactPoint, OpeningHoursSpecification, Offer and
 * Audience.  Every text field is cut to a fixed size; at most 1,000 of
 * anything per record.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

/* ======================================================================
 * Records from schema.org objects
 * ====================================================================== */

/* Append one zeroed element to an array held as (pointer, count): at most
 * 1000 of anything per record. */
void *hx_push(void *arr_p, size_t *n, size_t elem)
{
    return feed_push(arr_p, n, elem, 1000);
}

/* One more zeroed element of (arr_p, *n), at most HTML_MAX_LIST, to hold
 * the value *val (malloc'd or NULL): NULL when there is no value or no
 * room, and then *val is freed. */
static void *push_for(void *arr_p, size_t *n, size_t elem, char **val)
{
    void *e = *val != NULL && *n < HTML_MAX_LIST ? hx_push(arr_p, n, elem) : NULL;
    if (e == NULL) {
        free(*val);
        *val = NULL;
    }
    return e;
}

/* The local name of a schema.org type: "http://schema.org/Service",
 * "schema:Service" and "Service" are all "Service". */
static const char *type_local(const char *t)
{
    const char *s = strrchr(t, '/');
    const char *c = strrchr(t, ':');
    if (c != NULL && (s == NULL || c > s))
        s = c;
    const char *h = strrchr(t, '#');
    if (h != NULL && (s == NULL || h > s))
        s = h;
    return s != NULL ? s + 1 : t;
}

bool hx_type_in(json_t *o, const char *const *names)
{
    json_t *t = json_object_get(o, "@type");
    size_t n = json_is_array(t) ? json_array_size(t) : 1;
    for (size_t i = 0; i < n && i < 16; i++) {
        json_t *v = json_is_array(t) ? json_array_get(t, i) : t;
        if (!json_is_string(v))
            continue;
        const char *l = type_local(json_string_value(v));
        for (size_t k = 0; names[k] != NULL; k++) {
            size_t nl = strlen(names[k]);
            /* "*Event" style entries match a suffix (MusicEvent). */
            if (names[k][0] == '*') {
                size_t ll = strlen(l);
                if (ll >= nl - 1 && strcmp(l + ll - (nl - 1), names[k] + 1) == 0)
                    return true;
            } else if (strcmp(l, names[k]) == 0) {
                return true;
            }
        }
    }
    return false;
}

const char *const hx_service_types[] = {
    "Service", "GovernmentService", "FinancialProduct", "Course", "*Event",
    "EducationalOccupationalProgram", "WorkBasedProgram", NULL};
const char *const hx_org_types[] = {
    "Organization", "NGO", "GovernmentOrganization", "LocalBusiness",
    "EducationalOrganization", "*Service", "Library", "CivicStructure", "Place",
    "GovernmentOffice", "Charity", "*Organization", "*Center", "*Centre", NULL};

/* A string out of a JSON value: strings as they are, numbers printed,
 * objects by their name (or @value / @id), arrays by their first item. */
static char *jstr(json_t *v, size_t max)
{
    if (v == NULL)
        return NULL;
    if (json_is_string(v))
        return feed_html_to_text(json_string_value(v), max, max > HTML_MAX_FIELD);
    if (json_is_integer(v))
        return sp_printf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return sp_printf("%g", json_real_value(v));
    if (json_is_array(v))
        return json_array_size(v) > 0 ? jstr(json_array_get(v, 0), max) : NULL;
    if (json_is_object(v)) {
        static const char *const keys[] = {"name", "@value", "value", "text", "@id", NULL};
        for (size_t i = 0; keys[i]; i++) {
            json_t *x = json_object_get(v, keys[i]);
            if (x != NULL && !json_is_object(x))
                return jstr(x, max);
        }
    }
    return NULL;
}

static char *jget(json_t *o, const char *key, size_t max)
{
    return json_is_object(o) ? jstr(json_object_get(o, key), max) : NULL;
}

static double jnum(json_t *v, bool *ok)
{
    *ok = false;
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (json_is_number(v)) {
        *ok = true;
        return json_number_value(v);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        double d = strtod(s, &end);
        if (end != s && isfinite(d)) {
            *ok = true;
            return d;
        }
    }
    return 0;
}

char *hx_resolve_or_null(const char *base, const char *ref)
{
    if (ref == NULL)
        return NULL;
    char *u = feed_resolve_url(base, ref);
    return u;
}

char *hx_clean_email(char *e)
{
    if (e == NULL)
        return NULL;
    const char *s = e;
    if (strncasecmp(s, "mailto:", 7) == 0)
        s += 7;
    size_t n = strcspn(s, "?");
    char *out = (strchr(s, '@') != NULL && n > 2 && n < 256) ? sp_strndup(s, n) : NULL;
    free(e);
    return out;
}

void hx_add_phone(rec_phone **arr, size_t *n, char *number, const char *type)
{
    if (number == NULL)
        return;
    for (size_t i = 0; i < *n; i++)
        if ((*arr)[i].number != NULL && strcmp((*arr)[i].number, number) == 0) {
            free(number);
            return;
        }
    rec_phone *p = push_for(arr, n, sizeof **arr, &number);
    if (p == NULL)
        return;
    p->number = number;
    p->type = type != NULL ? sp_strdup(type) : NULL;
}

static void for_each(json_t *v, void (*fn)(json_t *, void *), void *ctx)
{
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v) && i < 100; i++)
            fn(json_array_get(v, i), ctx);
    } else if (v != NULL) {
        fn(v, ctx);
    }
}

static void fill_address(rec_address *a, json_t *addr)
{
    if (json_is_string(addr)) {
        a->address_1 = jstr(addr, HTML_MAX_FIELD);
        return;
    }
    a->address_1 = jget(addr, "streetAddress", HTML_MAX_FIELD);
    a->city = jget(addr, "addressLocality", HTML_MAX_FIELD);
    a->region = jget(addr, "addressRegion", HTML_MAX_FIELD);
    a->postal_code = jget(addr, "postalCode", 64);
    a->country = jget(addr, "addressCountry", 64);
    a->address_type = sp_strdup("physical");
}

/* A location from a Place (or anything with address / geo). */
static void add_location(rec_service *r, json_t *place, const char *base)
{
    if (place == NULL || r->n_locations >= HTML_MAX_LIST)
        return;
    json_t *addr = json_is_object(place) ? json_object_get(place, "address") : place;
    json_t *geo = json_is_object(place) ? json_object_get(place, "geo") : NULL;
    if (json_is_array(addr))
        addr = json_array_get(addr, 0);
    if (addr == NULL && geo == NULL && !json_is_string(place))
        return;
    rec_location *l = hx_push(&r->locations, &r->n_locations, sizeof *r->locations);
    if (l == NULL)
        return;
    l->location_type = sp_strdup("physical");
    if (json_is_object(place) && json_object_get(place, "address") != NULL)
        l->name = jget(place, "name", HTML_MAX_FIELD);
    if (json_is_object(place))
        l->url = hx_resolve_or_null(base, json_string_value(json_object_get(place, "url")));
    if (addr != NULL) {
        rec_address *a = hx_push(&l->addresses, &l->n_addresses, sizeof *l->addresses);
        if (a != NULL)
            fill_address(a, addr);
    }
    if (json_is_object(geo)) {
        bool ok1, ok2;
        double lat = jnum(json_object_get(geo, "latitude"), &ok1);
        double lon = jnum(json_object_get(geo, "longitude"), &ok2);
        if (ok1 && ok2 && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
            l->latitude = lat;
            l->longitude = lon;
            l->has_coords = true;
        }
    }
    if (json_is_object(place)) {
        char *tel = jget(place, "telephone", 64);
        hx_add_phone(&l->phones, &l->n_phones, tel, NULL);
    }
}

static void location_cb(json_t *v, void *ctx)
{
    void **a = ctx;
    add_location(a[0], v, a[1]);
}

static void area_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    char *name = jstr(v, HTML_MAX_FIELD);
    rec_service_area *a =
        push_for(&r->service_areas, &r->n_service_areas, sizeof *r->service_areas, &name);
    if (a != NULL)
        a->name = name;
}

static void term_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    char *name = jstr(v, HTML_MAX_FIELD);
    rec_taxonomy_term *t =
        push_for(&r->taxonomy_terms, &r->n_taxonomy_terms, sizeof *r->taxonomy_terms, &name);
    if (t == NULL)
        return;
    t->name = name;
    t->taxonomy = sp_strdup("schema.org");
}

/* schema.org's age bounds (on a Service, a Course or its PeopleAudience)
 * are the record's minimum_age / maximum_age: structured data, which
 * eligibility reads before any prose.  The first one given wins. */
static void ages_from(rec_service *r, json_t *o)
{
    static const char *const keys[2] = {"suggestedMinAge", "suggestedMaxAge"};
    double *dst[2] = {&r->minimum_age, &r->maximum_age};
    for (size_t i = 0; i < 2 && json_is_object(o); i++) {
        bool ok = false;
        double a = jnum(json_object_get(o, keys[i]), &ok);
        if (ok && *dst[i] < 0 && a >= 0 && a <= 130)
            *dst[i] = a;
    }
}

static void audience_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    char *val = NULL;
    ages_from(r, v);
    if (json_is_object(v)) {
        val = jget(v, "audienceType", HTML_MAX_FIELD);
        if (val == NULL)
            val = jget(v, "name", HTML_MAX_FIELD);
        if (val == NULL)
            val = jget(v, "description", HTML_MAX_FIELD);
    } else {
        val = jstr(v, HTML_MAX_FIELD);
    }
    rec_attribute *a = push_for(&r->attributes, &r->n_attributes, sizeof *r->attributes, &val);
    if (a == NULL)
        return;
    a->label = sp_strdup("audience");
    a->value = val;
    a->term.taxonomy = sp_strdup("schema.org");
    a->term.name = sp_strdup("audience");
}

/* schema.org day names (or URLs) -> iCalendar BYDAY codes. */
static const char *day_code(const char *s)
{
    static const char *const names[][2] = {
        {"monday", "MO"}, {"tuesday", "TU"}, {"wednesday", "WE"}, {"thursday", "TH"},
        {"friday", "FR"}, {"saturday", "SA"}, {"sunday", "SU"},   {"mo", "MO"},
        {"tu", "TU"},     {"we", "WE"},      {"th", "TH"},         {"fr", "FR"},
        {"sa", "SA"},     {"su", "SU"},      {"mon", "MO"},        {"tue", "TU"},
        {"wed", "WE"},    {"thu", "TH"},     {"fri", "FR"},        {"sat", "SA"},
        {"sun", "SU"}};
    const char *l = type_local(s);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(l, names[i][0]) == 0)
            return names[i][1];
    return NULL;
}

static char *hhmm(const char *t)
{
    if (t == NULL)
        return NULL;
    int h, m = 0;
    if (sscanf(t, "%d:%d", &h, &m) < 1 || h < 0 || h > 24 || m < 0 || m > 59)
        return NULL;
    return sp_printf("%02d:%02d", h, m);
}

static void hours_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    if (!json_is_object(v) || r->n_schedules >= HTML_MAX_LIST)
        return;
    sp_buf days = {0};
    json_t *d = json_object_get(v, "dayOfWeek");
    size_t nd = json_is_array(d) ? json_array_size(d) : 1;
    for (size_t i = 0; i < nd && i < 7; i++) {
        json_t *x = json_is_array(d) ? json_array_get(d, i) : d;
        char *s = jstr(x, 128);
        const char *code = s != NULL ? day_code(s) : NULL;
        if (code != NULL)
            sp_buf_printf(&days, "%s%s", days.len ? "," : "", code);
        free(s);
    }
    char *opens = jget(v, "opens", 32), *closes = jget(v, "closes", 32);
    rec_schedule *sc = hx_push(&r->schedules, &r->n_schedules, sizeof *r->schedules);
    if (sc != NULL) {
        sc->freq = sp_strdup("WEEKLY");
        sc->byday = days.len ? sp_buf_steal(&days) : NULL;
        sc->opens_at = hhmm(opens);
        sc->closes_at = hhmm(closes);
        sc->valid_from = jget(v, "validFrom", 32);
        sc->valid_to = jget(v, "validThrough", 32);
        sc->description = jget(v, "description", HTML_MAX_FIELD);
    }
    sp_buf_free(&days);
    free(opens);
    free(closes);
}

static void opening_hours_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    char *s = jstr(v, 256);
    if (s == NULL || r->n_schedules >= HTML_MAX_LIST) {
        free(s);
        return;
    }
    rec_schedule *sc = hx_push(&r->schedules, &r->n_schedules, sizeof *r->schedules);
    if (sc == NULL) {
        free(s);
        return;
    }
    sc->description = s;
    /* "Mo-Fr 09:00-17:00": the times are easy to lift out. */
    char a[8], b[8];
    const char *t = strpbrk(s, "0123456789");
    if (t != NULL && sscanf(t, "%5[0-9:]-%5[0-9:]", a, b) == 2) {
        sc->opens_at = hhmm(a);
        sc->closes_at = hhmm(b);
        sc->freq = sp_strdup("WEEKLY");
    }
}

static void offer_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    if (!json_is_object(v) || r->n_cost_options >= HTML_MAX_LIST)
        return;
    bool ok;
    double price = jnum(json_object_get(v, "price"), &ok);
    char *ps = jget(v, "price", 64);
    if (!ok && ps != NULL && strcasecmp(ps, "free") == 0) {
        ok = true;
        price = 0;
    }
    free(ps);
    if (!ok)
        return;
    rec_cost_option *c = hx_push(&r->cost_options, &r->n_cost_options, sizeof *r->cost_options);
    if (c == NULL)
        return;
    c->amount = price;
    c->has_amount = true;
    c->currency = jget(v, "priceCurrency", 16);
    c->option = price == 0 ? sp_strdup("Free") : jget(v, "name", HTML_MAX_FIELD);
    c->amount_description = jget(v, "description", HTML_MAX_FIELD);
    if (price == 0)
        rec_tags_add(&r->costs, "free", "offers.price", "0", 0.9);
}

static void contact_cb(json_t *v, void *ctx)
{
    rec_service *r = ctx;
    if (!json_is_object(v))
        return;
    char *type = jget(v, "contactType", 128);
    hx_add_phone(&r->phones, &r->n_phones, jget(v, "telephone", 64), type);
    if (r->email == NULL)
        r->email = hx_clean_email(jget(v, "email", 256));
    free(type);
}

static void fill_org(rec_organization *org, json_t *o, const char *base)
{
    if (json_is_string(o)) {
        org->name = jstr(o, HTML_MAX_FIELD);
        return;
    }
    if (!json_is_object(o))
        return;
    org->name = jget(o, "name", HTML_MAX_FIELD);
    org->alternate_name = jget(o, "alternateName", HTML_MAX_FIELD);
    org->description = jget(o, "description", HTML_MAX_TEXT);
    org->email = hx_clean_email(jget(o, "email", 256));
    org->website = hx_resolve_or_null(base, json_string_value(json_object_get(o, "url")));
    org->logo = hx_resolve_or_null(base, json_string_value(json_object_get(o, "logo")));
    hx_add_phone(&org->phones, &org->n_phones, jget(o, "telephone", 64), NULL);
    json_t *id = json_object_get(o, "@id");
    if (json_is_string(id))
        org->uri = sp_strdup(json_string_value(id));
}

/* The list properties of a Service read into the record, each by its
 * callback (for_each: one value or an array of them). */
typedef struct list_prop {
    const char *key;
    void (*fn)(json_t *, void *);
} list_prop;

static const list_prop service_lists[] = {
    {"areaServed", area_cb},     {"serviceArea", area_cb},
    {"eligibleRegion", area_cb}, {"serviceType", term_cb},
    {"category", term_cb},       {"audience", audience_cb},
    {"openingHoursSpecification", hours_cb}, {"hoursAvailable", hours_cb},
    {"openingHours", opening_hours_cb},      {"offers", offer_cb},
    {"contactPoint", contact_cb}};

bool hx_rec_from_schema(json_t *o, const char *url, const char *page, bool is_org,
                            rec_service *r)
{
    r->name = jget(o, "name", HTML_MAX_FIELD);
    if (r->name == NULL)
        r->name = jget(o, "headline", HTML_MAX_FIELD);
    if (r->name == NULL)
        return false;
    r->alternate_name = jget(o, "alternateName", HTML_MAX_FIELD);
    r->description = jget(o, "description", HTML_MAX_TEXT);
    r->url = hx_resolve_or_null(url, json_string_value(json_object_get(o, "url")));
    if (r->url == NULL)
        r->url = hx_resolve_or_null(NULL, page); /* the page itself */
    r->email = hx_clean_email(jget(o, "email", 256));
    hx_add_phone(&r->phones, &r->n_phones, jget(o, "telephone", 64), NULL);

    void *lctx[2] = {r, (void *)url};
    if (json_object_get(o, "address") != NULL || json_object_get(o, "geo") != NULL)
        add_location(r, o, url);
    for_each(json_object_get(o, "location"), location_cb, lctx);
    json_t *ch = json_object_get(o, "availableChannel");
    if (json_is_object(ch))
        for_each(json_object_get(ch, "serviceLocation"), location_cb, lctx);
    json_t *ci = json_object_get(o, "hasCourseInstance");
    if (json_is_object(ci))
        for_each(json_object_get(ci, "location"), location_cb, lctx);

    /* The service's own ages first: they win over its audience's. */
    ages_from(r, o);
    for (size_t i = 0; i < sizeof service_lists / sizeof *service_lists; i++)
        for_each(json_object_get(o, service_lists[i].key), service_lists[i].fn, r);
    if (json_is_true(json_object_get(o, "isAccessibleForFree"))) {
        /* A cost option of 0 too: the structured field enrichment reads
         * (derived tags are recomputed at indexing). */
        json_t *free_offer = json_pack("{s:i}", "price", 0);
        if (r->n_cost_options == 0)
            offer_cb(free_offer, r);
        json_decref(free_offer);
        rec_tags_add(&r->costs, "free", "isAccessibleForFree", "true", 0.9);
    }

    json_t *start = json_object_get(o, "startDate");
    if (json_is_string(start) && r->n_schedules < HTML_MAX_LIST) {
        rec_schedule *sc = hx_push(&r->schedules, &r->n_schedules, sizeof *r->schedules);
        if (sc != NULL) {
            sc->dtstart = jstr(start, 64);
            sc->until = jget(o, "endDate", 64);
        }
    }

    json_t *prov = json_object_get(o, "provider");
    if (prov == NULL)
        prov = json_object_get(o, "organizer");
    if (prov == NULL)
        prov = json_object_get(o, "parentOrganization");
    if (json_is_array(prov))
        prov = json_array_get(prov, 0);
    if (prov != NULL) {
        fill_org(&r->organization, prov, url);
        if (json_is_object(prov)) {
            /* A provider's address stands in when the service has none. */
            if (r->n_locations == 0 && json_object_get(prov, "address") != NULL)
                add_location(r, prov, url);
            if (r->n_phones == 0)
                for_each(json_object_get(prov, "contactPoint"), contact_cb, r);
        }
    } else if (is_org) {
        fill_org(&r->organization, o, url);
    }
    return true;
}

/* Every object worth looking at: the roots, @graph members, and what a
 * WebPage or ItemList points at. */
void hx_collect_objects(json_t *v, json_t *out, int depth)
{
    if (depth > 6 || json_array_size(out) >= 500)
        return;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v) && i < 500; i++)
            hx_collect_objects(json_array_get(v, i), out, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    json_array_append(out, v);
    static const char *const follow[] = {"@graph", "mainEntity", "itemListElement",
                                         "item", "about", NULL};
    for (size_t i = 0; follow[i] != NULL; i++) {
        json_t *x = json_object_get(v, follow[i]);
        if (x != NULL)
            hx_collect_objects(x, out, depth + 1);
    }
}

/* extruct's microdata item -> a JSON-LD-shaped object, so one mapping
 * serves both syntaxes. */
json_t *hx_md_to_ld(json_t *item, int depth)
{
    if (!json_is_object(item))
        return json_incref(item);
    json_t *props = json_object_get(item, "properties");
    if (props == NULL || depth > 16) {
        json_t *v = json_object_get(item, "value");
        return v != NULL ? json_incref(v) : json_null();
    }
    json_t *o = json_object();
    json_t *t = json_object_get(item, "type");
    if (t != NULL)
        json_object_set(o, "@type", t);
    json_t *id = json_object_get(item, "id");
    if (id != NULL)
        json_object_set(o, "@id", id);
    const char *k;
    json_t *v;
    json_object_foreach(props, k, v) {
        if (json_is_array(v)) {
            json_t *a = json_array();
            for (size_t i = 0; i < json_array_size(v); i++)
                json_array_append_new(a, hx_md_to_ld(json_array_get(v, i), depth + 1));
            json_object_set_new(o, k, a);
        } else {
            json_object_set_new(o, k, hx_md_to_ld(v, depth + 1));
        }
    }
    return o;
}

void hx_set_prov(rec_service *r, const char *url, const char *local)
{
    r->prov.source_url = sp_strdup(url);
    r->prov.local_id = sp_strdup(local != NULL ? local : (url != NULL ? url : "page"));
    char id[37];
    rec_make_id(url != NULL ? url : "file", r->prov.local_id != NULL ? r->prov.local_id : "page",
                id);
    r->id = sp_strdup(id);
}
