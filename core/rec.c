/*
 * rec.c - the service record: lifetime, derived tags, JSON in and out (the
 * HSDS 3.0 service object plus Signpost's "signpost" block) and stable ids
 * (UUID v5 over a small SHA-1).
 *
 * The many string fields of the HSDS sub-objects are described once, as
 * tables of (JSON key, struct offset), and a handful of generic routines
 * free, write and read them.  That keeps writer and reader symmetric, which
 * is what makes export -> import lossless.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"

/* Bounds on untrusted JSON (see docs/record.md). */
#define REC_MAX_ARRAY 10000u
#define REC_MAX_STRING (1024u * 1024u)
#define REC_MAX_TAGS 10000u
#define REC_MAX_DEPTH 64

/* ---------------------------------------------------------------- tables */

typedef rec_strfield sfield;

#define SF(T, f) { #f, offsetof(T, f) }
#define SF_END { NULL, 0 }

static const sfield address_f[] = {
    SF(rec_address, id), SF(rec_address, attention), SF(rec_address, address_1),
    SF(rec_address, address_2), SF(rec_address, city), SF(rec_address, region),
    SF(rec_address, state_province), SF(rec_address, postal_code),
    SF(rec_address, country), SF(rec_address, address_type), SF_END};

static const sfield phone_f[] = {
    SF(rec_phone, id), SF(rec_phone, number), SF(rec_phone, extension),
    SF(rec_phone, type), SF(rec_phone, description), SF_END};

static const sfield schedule_f[] = {
    SF(rec_schedule, id), SF(rec_schedule, valid_from), SF(rec_schedule, valid_to),
    SF(rec_schedule, dtstart), SF(rec_schedule, until), SF(rec_schedule, wkst),
    SF(rec_schedule, freq), SF(rec_schedule, byday), SF(rec_schedule, bymonthday),
    SF(rec_schedule, opens_at), SF(rec_schedule, closes_at),
    SF(rec_schedule, description), SF(rec_schedule, attending_type),
    SF(rec_schedule, notes), SF(rec_schedule, schedule_link), SF_END};

static const sfield language_f[] = {
    SF(rec_language, id), SF(rec_language, name), SF(rec_language, code),
    SF(rec_language, note), SF_END};

/* "version" is kept under taxonomy_detail, where HSDS 3.0 puts it. */
static const sfield term_f[] = {
    SF(rec_taxonomy_term, id), SF(rec_taxonomy_term, code),
    SF(rec_taxonomy_term, name), SF(rec_taxonomy_term, description),
    SF(rec_taxonomy_term, taxonomy), SF(rec_taxonomy_term, term_uri),
    SF(rec_taxonomy_term, parent_id), SF_END};

static const sfield attribute_f[] = {
    SF(rec_attribute, id), SF(rec_attribute, label), SF(rec_attribute, value),
    SF(rec_attribute, link_type), SF_END};

static const sfield area_f[] = {
    SF(rec_service_area, id), SF(rec_service_area, name),
    SF(rec_service_area, description), SF(rec_service_area, extent),
    SF(rec_service_area, extent_type), SF(rec_service_area, uri), SF_END};

static const sfield cost_f[] = {
    SF(rec_cost_option, id), SF(rec_cost_option, valid_from),
    SF(rec_cost_option, valid_to), SF(rec_cost_option, option),
    SF(rec_cost_option, currency), SF(rec_cost_option, amount_description), SF_END};

static const sfield funding_f[] = {
    SF(rec_funding, id), SF(rec_funding, source), SF_END};

/* HSDS 3.0 spells the scope "identifier_scheme"; both are read. */
static const sfield identifier_f[] = {
    SF(rec_identifier, id), {"identifier_scheme", offsetof(rec_identifier, identifier_scope)},
    SF(rec_identifier, identifier_type), SF(rec_identifier, identifier), SF_END};

static const sfield location_f[] = {
    SF(rec_location, id), SF(rec_location, location_type), SF(rec_location, url),
    SF(rec_location, name), SF(rec_location, alternate_name),
    SF(rec_location, description), SF(rec_location, transportation),
    SF(rec_location, external_identifier), SF(rec_location, external_identifier_type),
    SF_END};

static const sfield organization_f[] = {
    SF(rec_organization, id), SF(rec_organization, name),
    SF(rec_organization, alternate_name), SF(rec_organization, description),
    SF(rec_organization, email), SF(rec_organization, website),
    SF(rec_organization, legal_status), SF(rec_organization, logo),
    SF(rec_organization, uri), SF(rec_organization, parent_organization_id), SF_END};

static const sfield service_f[] = {
    SF(rec_service, id), SF(rec_service, name), SF(rec_service, alternate_name),
    SF(rec_service, description), SF(rec_service, url), SF(rec_service, email),
    SF(rec_service, status), SF(rec_service, interpretation_services),
    SF(rec_service, application_process), SF(rec_service, fees_description),
    SF(rec_service, accreditations), SF(rec_service, eligibility_description),
    SF(rec_service, alert), SF(rec_service, assured_date),
    SF(rec_service, assurer_email), SF(rec_service, licenses),
    SF(rec_service, last_modified), SF_END};

static const sfield prov_f[] = {
    SF(rec_provenance, source_id), SF(rec_provenance, source_url),
    SF(rec_provenance, local_id), SF(rec_provenance, organization_from), SF_END};

const rec_strfield *rec_str_fields(rec_object o)
{
    static const sfield *const all[] = {
        [REC_ADDRESS] = address_f,   [REC_PHONE] = phone_f,
        [REC_SCHEDULE] = schedule_f, [REC_LANGUAGE] = language_f,
        [REC_TERM] = term_f,         [REC_ATTRIBUTE] = attribute_f,
        [REC_AREA] = area_f,         [REC_COST] = cost_f,
        [REC_FUNDING] = funding_f,   [REC_IDENTIFIER] = identifier_f,
        [REC_LOCATION] = location_f, [REC_ORGANIZATION] = organization_f,
        [REC_SERVICE] = service_f};
    return all[o];
}

static char **sf_ptr(void *obj, const sfield *f)
{
    return (char **)(void *)((char *)obj + f->off);
}

static char *const *sf_cptr(const void *obj, const sfield *f)
{
    return (char *const *)(const void *)((const char *)obj + f->off);
}

static void sf_free(void *obj, const sfield *f)
{
    for (; f->key != NULL; f++) {
        char **p = sf_ptr(obj, f);
        free(*p);
        *p = NULL;
    }
}

/* sf_free on each of the n elements (elem bytes each) of arr, then the
 * array itself. */
static void sf_free_each(void *arr, size_t n, size_t elem, const sfield *f)
{
    for (size_t i = 0; i < n; i++)
        sf_free((char *)arr + i * elem, f);
    free(arr);
}

/* ------------------------------------------------------------- lifetime */

static void free_evidence(rec_evidence *e)
{
    free(e->field);
    free(e->text);
    e->field = e->text = NULL;
}

static void free_tags(rec_tags *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].slug);
        free_evidence(&t->v[i].ev);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

void rec_tags_clear(rec_service *r)
{
    for (size_t i = 0; i < REC_TAGSETS; i++)
        free_tags(rec_tagset(r, i, NULL));
}

static void free_term(rec_taxonomy_term *t)
{
    sf_free(t, term_f);
    free(t->version);
    t->version = NULL;
}

static void free_location(rec_location *l)
{
    sf_free(l, location_f);
    sf_free_each(l->addresses, l->n_addresses, sizeof *l->addresses, address_f);
    sf_free_each(l->phones, l->n_phones, sizeof *l->phones, phone_f);
    sf_free_each(l->schedules, l->n_schedules, sizeof *l->schedules, schedule_f);
    sf_free_each(l->languages, l->n_languages, sizeof *l->languages, language_f);
}

void rec_rule_clear(rec_rule *u)
{
    free(u->dim);
    free(u->op);
    sp_strv_free(u->values, u->n_values);
    free_evidence(&u->ev);
    free(u->trigger);
    memset(u, 0, sizeof *u);
}

void rec_rules_free(rec_rule *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rec_rule_clear(&v[i]);
    free(v);
}

void rec_service_init(rec_service *r)
{
    memset(r, 0, sizeof *r);
    r->minimum_age = -1;
    r->maximum_age = -1;
}

void rec_service_free(rec_service *r)
{
    if (r == NULL)
        return;
    sf_free(r, service_f);
    rec_organization *o = &r->organization;
    sf_free(o, organization_f);
    sf_free_each(o->identifiers, o->n_identifiers, sizeof *o->identifiers, identifier_f);
    sf_free_each(o->phones, o->n_phones, sizeof *o->phones, phone_f);
    for (size_t i = 0; i < r->n_locations; i++)
        free_location(&r->locations[i]);
    free(r->locations);
    sf_free_each(r->phones, r->n_phones, sizeof *r->phones, phone_f);
    sf_free_each(r->schedules, r->n_schedules, sizeof *r->schedules, schedule_f);
    sf_free_each(r->languages, r->n_languages, sizeof *r->languages, language_f);
    sf_free_each(r->service_areas, r->n_service_areas, sizeof *r->service_areas, area_f);
    sf_free_each(r->cost_options, r->n_cost_options, sizeof *r->cost_options, cost_f);
    sf_free_each(r->fundings, r->n_fundings, sizeof *r->fundings, funding_f);
    for (size_t i = 0; i < r->n_taxonomy_terms; i++)
        free_term(&r->taxonomy_terms[i]);
    free(r->taxonomy_terms);
    for (size_t i = 0; i < r->n_attributes; i++) {
        sf_free(&r->attributes[i], attribute_f);
        free_term(&r->attributes[i].term);
    }
    free(r->attributes);
    rec_tags_clear(r);
    rec_rules_free(r->rules, r->n_rules);
    free(r->cluster_id);
    sf_free(&r->prov, prov_f);
    rec_service_init(r);
}

/* ----------------------------------------------------------------- tags */

/* rec_service's tag sets and their JSON keys, in declaration order. */
static const struct {
    const char *key;
    size_t off;
} tagsets[REC_TAGSETS] = {
    {"boroughs", offsetof(rec_service, boroughs)},
    {"subregions", offsetof(rec_service, subregions)},
    {"groups", offsetof(rec_service, groups)},
    {"categories", offsetof(rec_service, categories)},
    {"modes", offsetof(rec_service, modes)},
    {"referrals", offsetof(rec_service, referrals)},
    {"costs", offsetof(rec_service, costs)},
    {"languages", offsetof(rec_service, langs)},
};

rec_tags *rec_tagset(rec_service *r, size_t i, const char **key)
{
    if (key)
        *key = tagsets[i].key;
    return (rec_tags *)(void *)((char *)r + tagsets[i].off);
}

bool rec_tags_has(const rec_tags *t, const char *slug)
{
    if (t == NULL || slug == NULL)
        return false;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].slug, slug) == 0)
            return true;
    return false;
}

int rec_tags_add(rec_tags *t, const char *slug, const char *field,
                 const char *text, double confidence)
{
    if (t == NULL || slug == NULL || *slug == '\0')
        return SP_EINVAL;
    if (rec_tags_has(t, slug))
        return SP_OK;
    if (t->n >= REC_MAX_TAGS)
        return SP_ELIMIT;
    rec_tag *v = realloc(t->v, (t->n + 1) * sizeof *v);
    if (v == NULL)
        return SP_ENOMEM;
    t->v = v;
    rec_tag nt = {0};
    nt.slug = sp_strdup(slug);
    nt.ev.field = sp_strdup(field);
    nt.ev.text = sp_strdup(text);
    nt.ev.confidence = confidence;
    if (nt.slug == NULL || (field != NULL && nt.ev.field == NULL) ||
        (text != NULL && nt.ev.text == NULL)) {
        free(nt.slug);
        free_evidence(&nt.ev);
        return SP_ENOMEM;
    }
    t->v[t->n++] = nt;
    return SP_OK;
}

void rec_tags_remove(rec_tags *t, const char *slug)
{
    if (t == NULL || slug == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].slug, slug)) {
            free(t->v[i].slug);
            free_evidence(&t->v[i].ev);
            memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
            t->n--;
            return;
        }
}

/* --------------------------------------------------------------- writing */

/* A JSON string for s; bytes that are not UTF-8 become U+FFFD so one bad
 * byte from a provider does not lose the field (or the record). */
static json_t *jstr(const char *s)
{
    size_t n = strlen(s);
    if (sp_utf8_valid(s, n))
        return json_stringn(s, n);
    sp_buf b = {0};
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k <= n && sp_utf8_valid(s + i, k)) {
            sp_buf_append(&b, s + i, k);
            i += k;
        } else {
            sp_buf_puts(&b, "\xEF\xBF\xBD");
            i++;
        }
    }
    json_t *j = json_stringn(sp_buf_cstr(&b), b.len);
    sp_buf_free(&b);
    return j;
}

/* Set o[key] = v, taking v; false when v is NULL (out of memory). */
static bool put(json_t *o, const char *key, json_t *v)
{
    if (v == NULL)
        return false;
    return json_object_set_new(o, key, v) == 0;
}

static bool put_str(json_t *o, const char *key, const char *s)
{
    if (s == NULL || *s == '\0')
        return true;
    return put(o, key, jstr(s));
}

/* Numbers that are whole print as integers ("16", not "16.0"). */
static json_t *jnum(double d)
{
    if (isfinite(d) && d == floor(d) && fabs(d) < 9e15)
        return json_integer((json_int_t)d);
    return json_real(d);
}

static bool sf_put(json_t *o, const void *obj, const sfield *f)
{
    for (; f->key != NULL; f++)
        if (!put_str(o, f->key, *sf_cptr(obj, f)))
            return false;
    return true;
}

/* Write n elements of an array as a JSON array under key (omitted when
 * empty), each element written by fn. */
typedef json_t *(*put_fn)(const void *elem);

static bool put_arr(json_t *o, const char *key, const void *arr, size_t n,
                    size_t elem, put_fn fn)
{
    if (n == 0)
        return true;
    json_t *a = json_array();
    if (a == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_t *e = fn((const char *)arr + i * elem);
        if (e == NULL || json_array_append_new(a, e) != 0) {
            json_decref(a);
            return false;
        }
    }
    return put(o, key, a);
}

/* The end of every builder below: o when it was built whole, else
 * nothing (a half-built object is freed; o may be NULL). */
static json_t *whole(json_t *o, bool ok)
{
    if (ok)
        return o;
    json_decref(o);
    return NULL;
}

static json_t *simple_obj(const void *p, const sfield *f)
{
    json_t *o = json_object();
    return whole(o, o != NULL && sf_put(o, p, f));
}

static json_t *phone_json(const void *p) { return simple_obj(p, phone_f); }
static json_t *address_json(const void *p) { return simple_obj(p, address_f); }
static json_t *language_json(const void *p) { return simple_obj(p, language_f); }
static json_t *area_json(const void *p) { return simple_obj(p, area_f); }
static json_t *funding_json(const void *p) { return simple_obj(p, funding_f); }
static json_t *identifier_json(const void *p) { return simple_obj(p, identifier_f); }

static json_t *schedule_json(const void *p)
{
    const rec_schedule *s = p;
    json_t *o = simple_obj(p, schedule_f);
    return whole(o, o != NULL &&
                        (s->interval == 0 || put(o, "interval", json_integer(s->interval))));
}

static json_t *cost_json(const void *p)
{
    const rec_cost_option *c = p;
    json_t *o = simple_obj(p, cost_f);
    return whole(o, o != NULL && (!c->has_amount || put(o, "amount", jnum(c->amount))));
}

static json_t *term_json(const void *p)
{
    const rec_taxonomy_term *t = p;
    json_t *o = simple_obj(p, term_f);
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (t->version != NULL && *t->version != '\0') {
        json_t *d = json_object();
        ok = put(o, "taxonomy_detail", d) && put_str(d, "version", t->version);
    }
    return whole(o, ok);
}

static bool term_empty(const rec_taxonomy_term *t)
{
    for (const sfield *f = term_f; f->key != NULL; f++)
        if (*sf_cptr(t, f) != NULL)
            return false;
    return t->version == NULL;
}

static json_t *attribute_json(const void *p)
{
    const rec_attribute *a = p;
    json_t *o = simple_obj(p, attribute_f);
    return whole(o, o != NULL &&
                        (term_empty(&a->term) || put(o, "taxonomy_term", term_json(&a->term))));
}

static json_t *location_json(const void *p)
{
    const rec_location *l = p;
    json_t *o = simple_obj(p, location_f);
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (l->has_coords)
        ok = put(o, "latitude", json_real(l->latitude)) &&
             put(o, "longitude", json_real(l->longitude));
    ok = ok &&
         put_arr(o, "addresses", l->addresses, l->n_addresses, sizeof *l->addresses, address_json) &&
         put_arr(o, "phones", l->phones, l->n_phones, sizeof *l->phones, phone_json) &&
         put_arr(o, "schedules", l->schedules, l->n_schedules, sizeof *l->schedules, schedule_json) &&
         put_arr(o, "languages", l->languages, l->n_languages, sizeof *l->languages, language_json);
    return whole(o, ok);
}

/* service_at_locations[] items wrap the location. */
static json_t *sal_json(const void *p)
{
    json_t *o = json_object();
    return whole(o, o != NULL && put(o, "location", location_json(p)));
}

static json_t *evidence_json(const rec_evidence *e)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    return whole(o, put_str(o, "field", e->field) && put_str(o, "text", e->text) &&
                        put(o, "confidence", json_real(e->confidence)));
}

static bool evidence_empty(const rec_evidence *e)
{
    return e->field == NULL && e->text == NULL && e->confidence == 0;
}

static json_t *tag_json(const void *p)
{
    const rec_tag *t = p;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    return whole(o, put_str(o, "slug", t->slug) &&
                        (evidence_empty(&t->ev) || put(o, "evidence", evidence_json(&t->ev))));
}

static json_t *rule_json(const void *p)
{
    const rec_rule *r = p;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    bool ok = put_str(o, "dim", r->dim) && put_str(o, "op", r->op);
    if (ok && r->n_values > 0) {
        json_t *a = json_array();
        ok = put(o, "values", a);
        for (size_t i = 0; ok && i < r->n_values; i++)
            ok = json_array_append_new(a, jstr(r->values[i] ? r->values[i] : "")) == 0;
    }
    if (ok && r->has_lo)
        ok = put(o, "lo", jnum(r->lo));
    if (ok && r->has_hi)
        ok = put(o, "hi", jnum(r->hi));
    if (ok && !evidence_empty(&r->ev)) {
        json_t *ev = evidence_json(&r->ev);
        ok = put(o, "evidence", ev);
        if (ok && r->trigger)
            ok = put_str(ev, "trigger", r->trigger);
    }
    return whole(o, ok);
}

static bool put_time(json_t *o, const char *key, int64_t t)
{
    if (t == 0)
        return true;
    char buf[32];
    sp_time_format(t, buf);
    return put_str(o, key, buf);
}

static bool put_tags(json_t *o, const char *key, const rec_tags *t)
{
    return put_arr(o, key, t->v, t->n, sizeof *t->v, tag_json);
}

static json_t *organization_json(const rec_organization *g)
{
    json_t *o = simple_obj(g, organization_f);
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (g->year_incorporated != 0)
        ok = put(o, "year_incorporated", json_integer(g->year_incorporated));
    ok = ok &&
         put_arr(o, "organization_identifiers", g->identifiers, g->n_identifiers,
                 sizeof *g->identifiers, identifier_json) &&
         put_arr(o, "phones", g->phones, g->n_phones, sizeof *g->phones, phone_json);
    return whole(o, ok);
}

static json_t *signpost_json(const rec_service *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < REC_TAGSETS; i++)
        ok = put_tags(o, tagsets[i].key,
                      (const rec_tags *)(const void *)((const char *)r + tagsets[i].off));
    ok = ok && (!r->pan_london || put(o, "pan_london", json_true())) &&
              put_arr(o, "rules", r->rules, r->n_rules, sizeof *r->rules, rule_json) &&
              put_str(o, "cluster_id", r->cluster_id);
    if (ok) {
        json_t *p = simple_obj(&r->prov, prov_f);
        ok = p != NULL && put_time(p, "first_seen", r->prov.first_seen) &&
             put_time(p, "last_seen", r->prov.last_seen) &&
             put_time(p, "last_changed", r->prov.last_changed);
        if (ok && json_object_size(p) > 0)
            ok = put(o, "provenance", p);
        else
            json_decref(p);
    }
    return whole(o, ok);
}

json_t *rec_to_json(const rec_service *r)
{
    if (r == NULL)
        return NULL;
    json_t *o = simple_obj(r, service_f);
    if (o == NULL)
        return NULL;
    bool ok = true;
    if (r->minimum_age >= 0)
        ok = put(o, "minimum_age", jnum(r->minimum_age));
    if (ok && r->maximum_age >= 0)
        ok = put(o, "maximum_age", jnum(r->maximum_age));
    if (ok) {
        json_t *g = organization_json(&r->organization);
        if (g != NULL && json_object_size(g) == 0)
            json_decref(g);
        else
            ok = put(o, "organization", g);
    }
    ok = ok &&
         put_arr(o, "service_at_locations", r->locations, r->n_locations,
                 sizeof *r->locations, sal_json) &&
         put_arr(o, "phones", r->phones, r->n_phones, sizeof *r->phones, phone_json) &&
         put_arr(o, "schedules", r->schedules, r->n_schedules, sizeof *r->schedules, schedule_json) &&
         put_arr(o, "languages", r->languages, r->n_languages, sizeof *r->languages, language_json) &&
         put_arr(o, "service_areas", r->service_areas, r->n_service_areas,
                 sizeof *r->service_areas, area_json) &&
         put_arr(o, "cost_options", r->cost_options, r->n_cost_options,
                 sizeof *r->cost_options, cost_json) &&
         put_arr(o, "funding", r->fundings, r->n_fundings, sizeof *r->fundings, funding_json) &&
         put_arr(o, "attributes", r->attributes, r->n_attributes, sizeof *r->attributes,
                 attribute_json) &&
         put_arr(o, "taxonomy_terms", r->taxonomy_terms, r->n_taxonomy_terms,
                 sizeof *r->taxonomy_terms, term_json);
    if (ok) {
        json_t *s = signpost_json(r);
        if (s != NULL && json_object_size(s) == 0)
            json_decref(s);
        else
            ok = put(o, "signpost", s);
    }
    return whole(o, ok);
}

char *rec_to_json_string(const rec_service *r)
{
    json_t *j = rec_to_json(r);
    if (j == NULL)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

/* --------------------------------------------------------------- reading */

/* A copy of a scalar JSON value as a string: strings as they are, numbers
 * printed (providers send numeric ids), "" and null as absent. */
static int get_str(const json_t *v, const char *key, char **dst, sp_err *err)
{
    if (v == NULL || json_is_null(v))
        return SP_OK;
    char *s = NULL;
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n > REC_MAX_STRING)
            return sp_fail(err, SP_ELIMIT, "field \"%s\" is %zu bytes, over the %u byte limit",
                           key, n, REC_MAX_STRING);
        if (n == 0)
            return SP_OK;
        s = sp_strndup(json_string_value(v), n);
    } else if (json_is_integer(v)) {
        s = sp_printf("%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        s = sp_printf("%.17g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        s = sp_strdup(json_is_true(v) ? "true" : "false");
    } else {
        return SP_OK; /* objects and arrays where text belongs are ignored */
    }
    if (s == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    free(*dst);
    *dst = s;
    return SP_OK;
}

static int sf_get(const json_t *o, void *obj, const sfield *f, sp_err *err)
{
    for (; f->key != NULL; f++) {
        int rc = get_str(json_object_get(o, f->key), f->key, sf_ptr(obj, f), err);
        if (rc != SP_OK)
            return rc;
    }
    return SP_OK;
}

/* A number, also from a numeric string ("16"); false when absent or not a
 * number. */
static bool get_num(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        double d = strtod(s, &end);
        if (end != s && *end == '\0' && isfinite(d)) {
            *out = d;
            return true;
        }
    }
    return false;
}

typedef int (*get_fn)(const json_t *o, void *elem, sp_err *err);

/* Read o[key] (an array of objects; a lone object counts as one item) into
 * a fresh array.  *arr / *n are set as items arrive so a failure part way
 * leaves a consistent, freeable state. */
static int get_arr(const json_t *o, const char *key, void **arr, size_t *n,
                   size_t elem, get_fn fn, sp_err *err)
{
    const json_t *a = json_object_get(o, key);
    if (a == NULL || json_is_null(a))
        return SP_OK;
    size_t cnt;
    if (json_is_array(a))
        cnt = json_array_size(a);
    else if (json_is_object(a))
        cnt = 1;
    else
        return SP_OK;
    if (cnt > REC_MAX_ARRAY)
        return sp_fail(err, SP_ELIMIT, "\"%s\" has %zu items, over the limit of %u",
                       key, cnt, REC_MAX_ARRAY);
    if (cnt == 0)
        return SP_OK;
    char *buf = calloc(cnt, elem);
    if (buf == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    *arr = buf;
    *n = 0;
    for (size_t i = 0; i < cnt; i++) {
        const json_t *item = json_is_array(a) ? json_array_get(a, i) : a;
        if (!json_is_object(item))
            continue;
        /* Counted first: fn may fail half way, and free must see it. */
        void *e = buf + *n * elem;
        (*n)++;
        int rc = fn(item, e, err);
        if (rc != SP_OK)
            return rc;
    }
    return SP_OK;
}

static int phone_get(const json_t *o, void *e, sp_err *err) { return sf_get(o, e, phone_f, err); }
static int address_get(const json_t *o, void *e, sp_err *err) { return sf_get(o, e, address_f, err); }
static int language_get(const json_t *o, void *e, sp_err *err) { return sf_get(o, e, language_f, err); }
static int area_get(const json_t *o, void *e, sp_err *err) { return sf_get(o, e, area_f, err); }
static int funding_get(const json_t *o, void *e, sp_err *err) { return sf_get(o, e, funding_f, err); }

static int identifier_get(const json_t *o, void *e, sp_err *err)
{
    rec_identifier *id = e;
    int rc = sf_get(o, e, identifier_f, err);
    if (rc == SP_OK && id->identifier_scope == NULL)
        rc = get_str(json_object_get(o, "identifier_scope"), "identifier_scope",
                     &id->identifier_scope, err);
    return rc;
}

static int schedule_get(const json_t *o, void *e, sp_err *err)
{
    rec_schedule *s = e;
    double d;
    if (get_num(json_object_get(o, "interval"), &d) && d > 0 && d < 1e6)
        s->interval = (int)d;
    return sf_get(o, e, schedule_f, err);
}

static int cost_get(const json_t *o, void *e, sp_err *err)
{
    rec_cost_option *c = e;
    c->has_amount = get_num(json_object_get(o, "amount"), &c->amount);
    return sf_get(o, e, cost_f, err);
}

static int term_get(const json_t *o, void *e, sp_err *err)
{
    rec_taxonomy_term *t = e;
    int rc = sf_get(o, e, term_f, err);
    if (rc != SP_OK)
        return rc;
    const json_t *d = json_object_get(o, "taxonomy_detail");
    rc = get_str(json_object_get(o, "version"), "version", &t->version, err);
    if (rc == SP_OK && json_is_object(d)) {
        if (t->version == NULL)
            rc = get_str(json_object_get(d, "version"), "version", &t->version, err);
        if (rc == SP_OK && t->taxonomy == NULL)
            rc = get_str(json_object_get(d, "name"), "taxonomy", &t->taxonomy, err);
    }
    return rc;
}

static int attribute_get(const json_t *o, void *e, sp_err *err)
{
    rec_attribute *a = e;
    int rc = sf_get(o, e, attribute_f, err);
    const json_t *t = json_object_get(o, "taxonomy_term");
    if (rc == SP_OK && json_is_object(t))
        rc = term_get(t, &a->term, err);
    return rc;
}

static int location_get(const json_t *o, void *e, sp_err *err)
{
    rec_location *l = e;
    int rc = sf_get(o, e, location_f, err);
    if (rc != SP_OK)
        return rc;
    double la, lo;
    if (get_num(json_object_get(o, "latitude"), &la) &&
        get_num(json_object_get(o, "longitude"), &lo) && la >= -90 && la <= 90 &&
        lo >= -180 && lo <= 180) {
        l->latitude = la;
        l->longitude = lo;
        l->has_coords = true;
    }
    rc = get_arr(o, "addresses", (void **)&l->addresses, &l->n_addresses,
                 sizeof *l->addresses, address_get, err);
    if (rc == SP_OK)
        rc = get_arr(o, "phones", (void **)&l->phones, &l->n_phones, sizeof *l->phones,
                     phone_get, err);
    if (rc == SP_OK)
        rc = get_arr(o, "schedules", (void **)&l->schedules, &l->n_schedules,
                     sizeof *l->schedules, schedule_get, err);
    if (rc == SP_OK)
        rc = get_arr(o, "languages", (void **)&l->languages, &l->n_languages,
                     sizeof *l->languages, language_get, err);
    return rc;
}

/* A service_at_locations item: {"location": {...}}; an item without a
 * "location" is read as the location itself. */
static int sal_get(const json_t *o, void *e, sp_err *err)
{
    const json_t *l = json_object_get(o, "location");
    return location_get(json_is_object(l) ? l : o, e, err);
}

static int evidence_get(const json_t *o, rec_evidence *e, sp_err *err)
{
    if (!json_is_object(o))
        return SP_OK;
    int rc = get_str(json_object_get(o, "field"), "field", &e->field, err);
    if (rc == SP_OK)
        rc = get_str(json_object_get(o, "text"), "text", &e->text, err);
    double c;
    if (get_num(json_object_get(o, "confidence"), &c))
        e->confidence = c;
    return rc;
}

static int tag_get(const json_t *o, void *e, sp_err *err)
{
    rec_tag *t = e;
    int rc = get_str(json_object_get(o, "slug"), "slug", &t->slug, err);
    if (rc == SP_OK)
        rc = evidence_get(json_object_get(o, "evidence"), &t->ev, err);
    return rc;
}

static int tags_get(const json_t *o, const char *key, rec_tags *t, sp_err *err)
{
    int rc = get_arr(o, key, (void **)&t->v, &t->n, sizeof *t->v, tag_get, err);
    if (rc != SP_OK)
        return rc;
    /* Every tag has a slug (rec_tags_has relies on it): drop those without. */
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].slug == NULL)
            free_evidence(&t->v[i].ev);
        else
            t->v[k++] = t->v[i];
    }
    t->n = k;
    return SP_OK;
}

static int rule_get(const json_t *o, void *e, sp_err *err)
{
    rec_rule *r = e;
    int rc = get_str(json_object_get(o, "dim"), "dim", &r->dim, err);
    if (rc == SP_OK)
        rc = get_str(json_object_get(o, "op"), "op", &r->op, err);
    const json_t *vals = json_object_get(o, "values");
    if (rc == SP_OK && json_is_array(vals) && json_array_size(vals) > 0) {
        size_t cnt = json_array_size(vals);
        if (cnt > REC_MAX_ARRAY)
            return sp_fail(err, SP_ELIMIT, "rule has %zu values, over the limit", cnt);
        r->values = calloc(cnt, sizeof *r->values);
        if (r->values == NULL)
            return sp_fail(err, SP_ENOMEM, "out of memory");
        for (size_t i = 0; i < cnt && rc == SP_OK; i++) {
            char *s = NULL;
            rc = get_str(json_array_get(vals, i), "values", &s, err);
            if (s != NULL)
                r->values[r->n_values++] = s;
        }
    }
    r->has_lo = get_num(json_object_get(o, "lo"), &r->lo);
    r->has_hi = get_num(json_object_get(o, "hi"), &r->hi);
    if (rc == SP_OK)
        rc = evidence_get(json_object_get(o, "evidence"), &r->ev, err);
    const json_t *ev = json_object_get(o, "evidence");
    if (rc == SP_OK && json_is_object(ev))
        rc = get_str(json_object_get(ev, "trigger"), "trigger", &r->trigger, err);
    return rc;
}

static int get_time(const json_t *o, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v)) {
        int64_t t = sp_time_parse(json_string_value(v));
        if (t != -1)
            *out = t;
    } else if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
    }
    return SP_OK;
}

static int organization_get(const json_t *o, rec_organization *g, sp_err *err)
{
    int rc = sf_get(o, g, organization_f, err);
    if (rc != SP_OK)
        return rc;
    double y;
    if (get_num(json_object_get(o, "year_incorporated"), &y) && y > 0 && y < 10000)
        g->year_incorporated = (int)y;
    const char *idkey = json_object_get(o, "organization_identifiers") != NULL
                            ? "organization_identifiers"
                            : "identifiers";
    rc = get_arr(o, idkey, (void **)&g->identifiers, &g->n_identifiers,
                 sizeof *g->identifiers, identifier_get, err);
    if (rc == SP_OK)
        rc = get_arr(o, "phones", (void **)&g->phones, &g->n_phones, sizeof *g->phones,
                     phone_get, err);
    return rc;
}

static int signpost_get(const json_t *o, rec_service *r, sp_err *err)
{
    int rc = SP_OK;
    for (size_t i = 0; rc == SP_OK && i < REC_TAGSETS; i++) {
        const char *key;
        rec_tags *t = rec_tagset(r, i, &key);
        rc = tags_get(o, key, t, err);
    }
    if (rc != SP_OK)
        return rc;
    r->pan_london = json_is_true(json_object_get(o, "pan_london"));
    rc = get_arr(o, "rules", (void **)&r->rules, &r->n_rules, sizeof *r->rules, rule_get, err);
    if (rc == SP_OK)
        rc = get_str(json_object_get(o, "cluster_id"), "cluster_id", &r->cluster_id, err);
    const json_t *p = json_object_get(o, "provenance");
    if (rc == SP_OK && json_is_object(p)) {
        rc = sf_get(p, &r->prov, prov_f, err);
        get_time(p, "first_seen", &r->prov.first_seen);
        get_time(p, "last_seen", &r->prov.last_seen);
        get_time(p, "last_changed", &r->prov.last_changed);
    }
    return rc;
}

static int service_get(const json_t *j, rec_service *r, sp_err *err)
{
    int rc = sf_get(j, r, service_f, err);
    if (rc != SP_OK)
        return rc;
    double d;
    if (get_num(json_object_get(j, "minimum_age"), &d) && d >= 0 && d < 1000)
        r->minimum_age = d;
    if (get_num(json_object_get(j, "maximum_age"), &d) && d >= 0 && d < 1000)
        r->maximum_age = d;
    const json_t *g = json_object_get(j, "organization");
    if (json_is_object(g)) {
        rc = organization_get(g, &r->organization, err);
        if (rc != SP_OK)
            return rc;
    }
#define ARR(key, ptr, cnt, fn)                                                    \
    do {                                                                          \
        rc = get_arr(j, key, (void **)&r->ptr, &r->cnt, sizeof *r->ptr, fn, err); \
        if (rc != SP_OK)                                                          \
            return rc;                                                            \
    } while (0)
    ARR("service_at_locations", locations, n_locations, sal_get);
    /* Some producers nest plain "locations" instead. */
    if (r->n_locations == 0)
        ARR("locations", locations, n_locations, sal_get);
    ARR("phones", phones, n_phones, phone_get);
    ARR("schedules", schedules, n_schedules, schedule_get);
    ARR("languages", languages, n_languages, language_get);
    ARR("service_areas", service_areas, n_service_areas, area_get);
    ARR("cost_options", cost_options, n_cost_options, cost_get);
    ARR("funding", fundings, n_fundings, funding_get);
    if (r->n_fundings == 0)
        ARR("fundings", fundings, n_fundings, funding_get);
    ARR("attributes", attributes, n_attributes, attribute_get);
    ARR("taxonomy_terms", taxonomy_terms, n_taxonomy_terms, term_get);
#undef ARR
    const json_t *s = json_object_get(j, "signpost");
    if (json_is_object(s))
        rc = signpost_get(s, r, err);
    return rc;
}

int rec_from_json(const json_t *j, rec_service *out, sp_err *err)
{
    if (out == NULL)
        return sp_fail(err, SP_EINVAL, "rec_from_json: no output record");
    if (!json_is_object(j))
        return sp_fail(err, SP_EPARSE, "expected a service object");
    rec_service r;
    rec_service_init(&r);
    int rc = service_get(j, &r, err);
    if (rc != SP_OK) {
        rec_service_free(&r);
        return rc;
    }
    *out = r;
    return SP_OK;
}

int rec_from_json_string(const char *s, size_t len, rec_service *out, sp_err *err)
{
    if (s == NULL)
        return sp_fail(err, SP_EINVAL, "rec_from_json_string: no input");
    if (sp_json_too_deep(s, len, REC_MAX_DEPTH))
        return sp_fail(err, SP_ELIMIT, "JSON nested deeper than %d levels", REC_MAX_DEPTH);
    json_error_t je;
    json_t *j = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (j == NULL)
        return sp_fail(err, SP_EPARSE, "bad JSON at line %d column %d: %s", je.line,
                       je.column, je.text);
    int rc = rec_from_json(j, out, err);
    json_decref(j);
    return rc;
}

/* ------------------------------------------------------------------ ids */

/* SHA-1 (FIPS 180-4), only for name-based UUIDs: not for security. */
typedef struct sha1_ctx {
    uint32_t h[5];
    uint64_t len;
    unsigned char blk[64];
    size_t n;
} sha1_ctx;

static uint32_t rol(uint32_t x, int k)
{
    return (x << k) | (x >> (32 - k));
}

static void sha1_block(sha1_ctx *c, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & cc) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ cc ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & cc) | (b & d) | (cc & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ cc ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = cc;
        cc = rol(b, 30);
        b = a;
        a = t;
    }
    c->h[0] += a;
    c->h[1] += b;
    c->h[2] += cc;
    c->h[3] += d;
    c->h[4] += e;
}

static void sha1_init(sha1_ctx *c)
{
    static const uint32_t h0[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
                                   0xC3D2E1F0};
    memcpy(c->h, h0, sizeof h0);
    c->len = 0;
    c->n = 0;
}

static void sha1_update(sha1_ctx *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->len += n;
    while (n > 0) {
        size_t k = 64 - c->n < n ? 64 - c->n : n;
        memcpy(c->blk + c->n, p, k);
        c->n += k;
        p += k;
        n -= k;
        if (c->n == 64) {
            sha1_block(c, c->blk);
            c->n = 0;
        }
    }
}

static void sha1_final(sha1_ctx *c, unsigned char out[20])
{
    uint64_t bits = c->len * 8;
    unsigned char pad = 0x80;
    sha1_update(c, &pad, 1);
    pad = 0;
    while (c->n != 56)
        sha1_update(c, &pad, 1);
    unsigned char lb[8];
    for (int i = 0; i < 8; i++)
        lb[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(c, lb, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

bool rec_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* RFC 4122 URL namespace: ids are names within the source's origin. */
static const unsigned char ns_url[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

void rec_make_id(const char *origin, const char *local_id, char out[37])
{
    if (local_id != NULL && rec_is_uuid(local_id)) {
        for (int i = 0; i < 36; i++)
            out[i] = (char)tolower((unsigned char)local_id[i]);
        out[36] = '\0';
        return;
    }
    sha1_ctx c;
    unsigned char h[20];
    sha1_init(&c);
    sha1_update(&c, ns_url, sizeof ns_url);
    if (origin != NULL)
        sha1_update(&c, origin, strlen(origin));
    sha1_update(&c, "|", 1);
    if (local_id != NULL)
        sha1_update(&c, local_id, strlen(local_id));
    sha1_final(&c, h);
    h[6] = (unsigned char)((h[6] & 0x0F) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3F) | 0x80);
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[h[i] >> 4];
        out[k++] = hex[h[i] & 15];
    }
    out[36] = '\0';
}
