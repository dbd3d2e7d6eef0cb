/*
 * idx_brief.c - the compact form of a record that a document's value slot
 * 6 holds (and, in indexes written before 7 Dec 2026, its data ahead of
 * the record's JSON), so a search result list (idx_query.brief)
 * reads a few fields instead of parsing ~5 KB of JSON per hit; and what a
 * result shows of a record (idx_rec_location, idx_rec_schedules,
 * idx_rec_phone), which that form keeps.
 *
 * Data layout (schema 4): "SPB1", then fields, then '\n', then the JSON
 * (rec_to_json).  A field is one key byte, its length in decimal, ':' and
 * that many bytes.  Keys: i id, n name, o organisation name, u url,
 * w organisation website, d description, e eligibility description (only
 * without a description: the snippet's text), b g c one borough, group or
 * category slug each, p the first phone number, s status (both as hub
 * corrections leave them), K cluster id, M last_modified, and numbers as
 * decimal text: C last_changed, S last_seen, F first_seen.  Data without
 * "SPB1" is JSON alone (an index from before schema 4, or any document
 * written since 7 Dec 2026, whose brief is only in the slot).
 *
 * Schema 5 adds what the portal's result list shows (searchd/pages.c,
 * pg_result_facts): a minimum_age, A maximum_age (%.17g), m a mode slug
 * each, L pan_london ("1"); the location a result shows
 * (idx_rec_location): Q starts it, l its name, R starts its first
 * address, 1 address_1, 2 address_2, y city, z postal_code, x "lat lon";
 * the schedules it shows (idx_rec_schedules, IDX_BRIEF_SCHEDULES of
 * them): h starts one, D byday, O opens_at, Z closes_at, T description,
 * N notes; P the phone shown (idx_rec_phone) when it is not p (read back
 * as the organisation's), E the e-mail shown (the service's, else the
 * organisation's).  Readers skip keys they do not know.
 *
 * Schema 6 puts the brief fields ("SPB1" to the '\n', inclusive) in value
 * slot 6 as well: a brief search reads that instead of the data, which
 * Xapian stores compressed (no inflating the JSON for a result list).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx_impl.h"

#define BRIEF_MAGIC "SPB1"
#define BRIEF_MAGIC_LEN 4

static int field(sp_buf *b, char key, const char *v)
{
    if (!v)
        return SP_OK;
    char head[32];
    int n = snprintf(head, sizeof head, "%c%zu:", key, strlen(v));
    if (sp_buf_append(b, head, (size_t)n) < 0 || sp_buf_puts(b, v) < 0)
        return SP_ENOMEM;
    return SP_OK;
}

/* field(b, keys[i], v[i]) for each key, in order, until one fails. */
static int fields(sp_buf *b, const char *keys, const char *const *v)
{
    int rc = SP_OK;
    for (size_t i = 0; rc == SP_OK && keys[i] != '\0'; i++)
        rc = field(b, keys[i], v[i]);
    return rc;
}

/* The keys of an address (after 'R') and of a schedule (after 'h'): one
 * table for writing and reading them. */
typedef struct brief_key {
    char key;
    size_t off; /* of the char * member */
} brief_key;

static const brief_key address_keys[] = {
    {'1', offsetof(rec_address, address_1)}, {'2', offsetof(rec_address, address_2)},
    {'y', offsetof(rec_address, city)},      {'z', offsetof(rec_address, postal_code)},
    {'\0', 0}};

static const brief_key schedule_keys[] = {
    {'D', offsetof(rec_schedule, byday)},       {'O', offsetof(rec_schedule, opens_at)},
    {'Z', offsetof(rec_schedule, closes_at)},   {'T', offsetof(rec_schedule, description)},
    {'N', offsetof(rec_schedule, notes)},       {'\0', 0}};

static char **member(void *obj, size_t off)
{
    return (char **)(void *)((char *)obj + off);
}

/* The object's start key, then its members under their keys. */
static int keyed(sp_buf *b, char start, const void *obj, const brief_key *k)
{
    int rc = field(b, start, "");
    for (; rc == SP_OK && k->key != '\0'; k++)
        rc = field(b, k->key, *member((void *)obj, k->off));
    return rc;
}

/* The member of obj that key sets, when k has key: NULL when it has not,
 * or when there is no obj. */
static char **keyed_slot(void *obj, const brief_key *k, char key)
{
    for (; k->key != '\0'; k++)
        if (k->key == key)
            return obj ? member(obj, k->off) : NULL;
    return NULL;
}

static int number(sp_buf *b, char key, int64_t v)
{
    char num[24];
    if (!v)
        return SP_OK;
    snprintf(num, sizeof num, "%" PRId64, v);
    return field(b, key, num);
}

static int tags(sp_buf *b, char key, const rec_tags *t)
{
    int rc = SP_OK;
    for (size_t i = 0; rc == SP_OK && i < t->n; i++)
        rc = field(b, key, t->v[i].slug);
    return rc;
}

static int real(sp_buf *b, char key, double v)
{
    char num[32];
    snprintf(num, sizeof num, "%.17g", v);
    return field(b, key, num);
}

const rec_location *idx_rec_location(const rec_service *r)
{
    for (size_t i = 0; i < r->n_locations; i++)
        if (r->locations[i].n_addresses || r->locations[i].has_coords)
            return &r->locations[i];
    return NULL;
}

const rec_schedule *idx_rec_schedules(const rec_service *r, size_t *n)
{
    *n = r->n_schedules;
    const rec_schedule *sc = r->schedules;
    for (size_t i = 0; !*n && i < r->n_locations; i++) {
        sc = r->locations[i].schedules;
        *n = r->locations[i].n_schedules;
    }
    return sc;
}

const char *idx_rec_phone(const rec_service *r)
{
    for (size_t i = 0; i < r->n_phones; i++)
        if (r->phones[i].number)
            return r->phones[i].number;
    for (size_t l = 0; l < r->n_locations; l++)
        for (size_t i = 0; i < r->locations[l].n_phones; i++)
            if (r->locations[l].phones[i].number)
                return r->locations[l].phones[i].number;
    for (size_t i = 0; i < r->organization.n_phones; i++)
        if (r->organization.phones[i].number)
            return r->organization.phones[i].number;
    return NULL;
}

/* Schema 5's fields: what a result in the portal shows. */
static int shown(const rec_service *r, sp_buf *out)
{
    int rc = SP_OK;
    if (r->minimum_age >= 0)
        rc = real(out, 'a', r->minimum_age);
    if (rc == SP_OK && r->maximum_age >= 0)
        rc = real(out, 'A', r->maximum_age);
    if (rc == SP_OK)
        rc = tags(out, 'm', &r->modes);
    if (rc == SP_OK && r->pan_london)
        rc = field(out, 'L', "1");
    const rec_location *loc = idx_rec_location(r);
    if (rc == SP_OK && loc) {
        rc = field(out, 'Q', "");
        if (rc == SP_OK)
            rc = field(out, 'l', loc->name);
        const rec_address *a = loc->n_addresses ? &loc->addresses[0] : NULL;
        if (rc == SP_OK && a)
            rc = keyed(out, 'R', a, address_keys);
        if (rc == SP_OK && loc->has_coords) {
            char ll[64];
            snprintf(ll, sizeof ll, "%.17g %.17g", loc->latitude, loc->longitude);
            rc = field(out, 'x', ll);
        }
    }
    size_t n_sc = 0;
    const rec_schedule *sc = idx_rec_schedules(r, &n_sc);
    for (size_t i = 0; rc == SP_OK && i < n_sc && i < IDX_BRIEF_SCHEDULES; i++) {
        rc = keyed(out, 'h', &sc[i], schedule_keys);
    }
    const char *phone = idx_rec_phone(r);
    if (rc == SP_OK && phone && !(r->n_phones && r->phones[0].number == phone))
        rc = field(out, 'P', phone);
    if (rc == SP_OK)
        rc = field(out, 'E', r->email ? r->email : r->organization.email);
    return rc;
}

int idx_brief_data(const rec_service *r, const char *json, sp_buf *out)
{
    int rc = sp_buf_puts(out, BRIEF_MAGIC) < 0 ? SP_ENOMEM : SP_OK;
    if (rc == SP_OK)
        rc = fields(out, "inouwde",
                    (const char *const[]){r->id, r->name, r->organization.name, r->url,
                                          r->organization.website, r->description,
                                          r->description ? NULL : r->eligibility_description});
    const rec_tags *const tl[] = {&r->boroughs, &r->groups, &r->categories};
    for (size_t i = 0; rc == SP_OK && i < 3; i++)
        rc = tags(out, "bgc"[i], tl[i]);
    if (rc == SP_OK)
        rc = fields(out, "psKM",
                    (const char *const[]){r->n_phones ? r->phones[0].number : NULL, r->status,
                                          r->cluster_id, r->last_modified});
    const int64_t nums[] = {r->prov.last_changed, r->prov.last_seen, r->prov.first_seen};
    for (size_t i = 0; rc == SP_OK && i < 3; i++)
        rc = number(out, "CSF"[i], nums[i]);
    if (rc == SP_OK)
        rc = shown(r, out);
    if (rc == SP_OK && (sp_buf_puts(out, "\n") < 0 || sp_buf_puts(out, json) < 0))
        rc = SP_ENOMEM;
    return rc;
}

/* The end of the brief fields (at the '\n'), or NULL when data has none
 * or they are cut short. */
static const char *brief_end(const char *data, size_t len)
{
    if (len < BRIEF_MAGIC_LEN || memcmp(data, BRIEF_MAGIC, BRIEF_MAGIC_LEN))
        return NULL;
    const char *p = data + BRIEF_MAGIC_LEN, *end = data + len;
    while (p < end && *p != '\n') {
        char *colon = NULL;
        unsigned long long n = strtoull(p + 1, &colon, 10);
        if (!colon || colon >= end || *colon != ':' || n > (unsigned long long)(end - colon - 1))
            return NULL;
        p = colon + 1 + n;
    }
    return p < end ? p : NULL;
}

const char *idx_data_json(const char *data, size_t len, size_t *json_len)
{
    const char *e = brief_end(data, len);
    if (!e) {
        *json_len = len;
        return data;
    }
    *json_len = len - (size_t)(e + 1 - data);
    return e + 1;
}

static int set_str(char **dst, const char *v, size_t n)
{
    free(*dst);
    *dst = strndup(v, n);
    return *dst ? SP_OK : SP_ENOMEM;
}

/* A decimal number of at most 63 bytes; 0 otherwise. */
static double num_of(const char *v, size_t n)
{
    char num[64];
    if (n >= sizeof num)
        return 0;
    memcpy(num, v, n);
    num[n] = '\0';
    return strtod(num, NULL);
}

/* Append one zeroed element to *arr (of *n, each size bytes). */
static void *one_more(void *arr, size_t *n, size_t size)
{
    char *a = realloc(arr, (*n + 1) * size);
    if (!a)
        return NULL;
    memset(a + *n * size, 0, size);
    (*n)++;
    return a;
}

/* One slug into t (an empty slug or too many: left out). */
static int add_tag(rec_tags *t, const char *v, size_t n)
{
    char *slug = strndup(v, n);
    int rc = slug ? rec_tags_add(t, slug, NULL, NULL, 0) : SP_ENOMEM;
    free(slug);
    return rc == SP_ENOMEM ? rc : SP_OK;
}

/* A phone list of one number (p, P): a repeated key is ignored. */
static int set_phone(rec_phone **phones, size_t *n_phones, const char *v, size_t n)
{
    if (*n_phones)
        return SP_OK;
    rec_phone *ph = one_more(NULL, n_phones, sizeof *ph);
    if (!ph)
        return SP_ENOMEM;
    *phones = ph;
    return set_str(&ph->number, v, n);
}

/* Keys of the location (Q) and its address (R), and of a schedule (h):
 * the string they set, NULL before their start key. */
static char **location_slot(rec_service *r, char key)
{
    rec_location *loc = r->n_locations ? &r->locations[0] : NULL;
    rec_address *a = loc && loc->n_addresses ? &loc->addresses[0] : NULL;
    if (key == 'l')
        return loc ? &loc->name : NULL;
    rec_schedule *sc = r->n_schedules ? &r->schedules[r->n_schedules - 1] : NULL;
    char **s = keyed_slot(a, address_keys, key);
    return s != NULL ? s : keyed_slot(sc, schedule_keys, key);
}

/* One field of schema 5 (the top of this file) into r. */
static int read_shown(rec_service *r, char key, const char *v, size_t n)
{
    void *grown;
    switch (key) {
    case 'a': r->minimum_age = num_of(v, n); return SP_OK;
    case 'A': r->maximum_age = num_of(v, n); return SP_OK;
    case 'L': r->pan_london = true; return SP_OK;
    case 'E': return set_str(&r->email, v, n);
    case 'P': return set_phone(&r->organization.phones, &r->organization.n_phones, v, n);
    case 'Q':
        if (r->n_locations)
            return SP_OK; /* one at most */
        grown = one_more(r->locations, &r->n_locations, sizeof *r->locations);
        if (grown)
            r->locations = grown;
        return grown ? SP_OK : SP_ENOMEM;
    case 'R':
        if (!r->n_locations || r->locations[0].n_addresses)
            return SP_OK;
        grown = one_more(NULL, &r->locations[0].n_addresses, sizeof(rec_address));
        r->locations[0].addresses = grown;
        return grown ? SP_OK : SP_ENOMEM;
    case 'x':
        if (r->n_locations) {
            char ll[64], *end = NULL;
            snprintf(ll, sizeof ll, "%.*s", (int)(n < sizeof ll ? n : sizeof ll - 1), v);
            r->locations[0].latitude = strtod(ll, &end);
            r->locations[0].longitude = strtod(end, NULL);
            r->locations[0].has_coords = true;
        }
        return SP_OK;
    case 'h':
        grown = one_more(r->schedules, &r->n_schedules, sizeof *r->schedules);
        if (grown)
            r->schedules = grown;
        return grown ? SP_OK : SP_ENOMEM;
    case 'm': return add_tag(&r->modes, v, n);
    default: {
        char **dst = location_slot(r, key);
        return dst ? set_str(dst, v, n) : SP_OK; /* a key from a later schema: skipped */
    }
    }
}

int idx_brief_read(const char *data, size_t len, rec_service *r, sp_err *err)
{
    rec_service_init(r);
    const char *end = brief_end(data, len);
    if (!end)
        return sp_fail(err, SP_ENOTFOUND, "no brief record");
    int rc = SP_OK;
    for (const char *p = data + BRIEF_MAGIC_LEN; rc == SP_OK && p < end;) {
        char key = *p, *colon = NULL;
        size_t n = (size_t)strtoull(p + 1, &colon, 10);
        const char *v = colon + 1;
        p = v + n;
        int64_t *t = key == 'C' ? &r->prov.last_changed
                     : key == 'S' ? &r->prov.last_seen
                     : key == 'F' ? &r->prov.first_seen
                                  : NULL;
        switch (key) {
        case 'i': rc = set_str(&r->id, v, n); break;
        case 'n': rc = set_str(&r->name, v, n); break;
        case 'o': rc = set_str(&r->organization.name, v, n); break;
        case 'u': rc = set_str(&r->url, v, n); break;
        case 'w': rc = set_str(&r->organization.website, v, n); break;
        case 'd': rc = set_str(&r->description, v, n); break;
        case 'e': rc = set_str(&r->eligibility_description, v, n); break;
        case 'K': rc = set_str(&r->cluster_id, v, n); break;
        case 's': rc = set_str(&r->status, v, n); break;
        case 'p': rc = set_phone(&r->phones, &r->n_phones, v, n); break;
        case 'M': rc = set_str(&r->last_modified, v, n); break;
        case 'b': rc = add_tag(&r->boroughs, v, n); break;
        case 'g': rc = add_tag(&r->groups, v, n); break;
        case 'c': rc = add_tag(&r->categories, v, n); break;
        case 'C': case 'S': case 'F': {
            char num[24]; /* bounded: the next key may be a digit */
            snprintf(num, sizeof num, "%.*s", (int)(n < sizeof num ? n : sizeof num - 1), v);
            *t = (int64_t)strtoll(num, NULL, 10);
            break;
        }
        default:
            rc = read_shown(r, key, v, n);
            break;
        }
    }
    if (rc != SP_OK) {
        rec_service_free(r);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    return SP_OK;
}
