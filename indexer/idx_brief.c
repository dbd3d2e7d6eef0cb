/*
 * idx_brief.c - the compact form of a record that a document's data holds
 * ahead of the record's JSON, so a search result list (idx_query.brief)
 * reads a few fields instead of parsing ~5 KB of JSON per hit.
 *
 * Data layout (schema 4): "SPB1", then fields, then '\n', then the JSON
 * (rec_to_json).  A field is one key byte, its length in decimal, ':' and
 * that many bytes.  Keys: i id, n name, o organisation name, u url,
 * w organisation website, d description, e eligibility description (only
 * without a description: the snippet's text), b g c one borough, group or
 * category slug each, p the first phone number, s status (both as hub
 * corrections leave them), K cluster id, M last_modified, and numbers as
 * decimal text: C last_changed, S last_seen, F first_seen.  Data without
 * "SPB1" is JSON alone (an index from before schema 4).
 */
#define _GNU_SOURCE
#include <inttypes.h>
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

int idx_brief_data(const rec_service *r, const char *json, sp_buf *out)
{
    int rc = sp_buf_puts(out, BRIEF_MAGIC) < 0 ? SP_ENOMEM : SP_OK;
    if (rc == SP_OK)
        rc = field(out, 'i', r->id);
    if (rc == SP_OK)
        rc = field(out, 'n', r->name);
    if (rc == SP_OK)
        rc = field(out, 'o', r->organization.name);
    if (rc == SP_OK)
        rc = field(out, 'u', r->url);
    if (rc == SP_OK)
        rc = field(out, 'w', r->organization.website);
    if (rc == SP_OK)
        rc = field(out, 'd', r->description);
    if (rc == SP_OK && !r->description)
        rc = field(out, 'e', r->eligibility_description);
    if (rc == SP_OK)
        rc = tags(out, 'b', &r->boroughs);
    if (rc == SP_OK)
        rc = tags(out, 'g', &r->groups);
    if (rc == SP_OK)
        rc = tags(out, 'c', &r->categories);
    if (rc == SP_OK)
        rc = field(out, 'p', r->n_phones ? r->phones[0].number : NULL);
    if (rc == SP_OK)
        rc = field(out, 's', r->status);
    if (rc == SP_OK)
        rc = field(out, 'K', r->cluster_id);
    if (rc == SP_OK)
        rc = field(out, 'M', r->last_modified);
    if (rc == SP_OK)
        rc = number(out, 'C', r->prov.last_changed);
    if (rc == SP_OK)
        rc = number(out, 'S', r->prov.last_seen);
    if (rc == SP_OK)
        rc = number(out, 'F', r->prov.first_seen);
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
        char num[24];
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
        case 'p':
            if (r->n_phones) /* one at most; a repeated key is ignored */
                break;
            r->phones = calloc(1, sizeof *r->phones);
            if (!r->phones) {
                rc = SP_ENOMEM;
                break;
            }
            r->n_phones = 1;
            rc = set_str(&r->phones[0].number, v, n);
            break;
        case 'M': rc = set_str(&r->last_modified, v, n); break;
        case 'b': case 'g': case 'c': {
            char *slug = strndup(v, n);
            rec_tags *tg = key == 'b' ? &r->boroughs : key == 'g' ? &r->groups : &r->categories;
            rc = slug ? rec_tags_add(tg, slug, NULL, NULL, 0) : SP_ENOMEM;
            rc = rc == SP_ENOMEM ? rc : SP_OK; /* an empty slug or too many: left out */
            free(slug);
            break;
        }
        default:
            if (t && n < sizeof num) {
                memcpy(num, v, n);
                num[n] = '\0';
                *t = strtoll(num, NULL, 10);
            }
            break; /* a key from a later schema: skipped */
        }
    }
    if (rc != SP_OK) {
        rec_service_free(r);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    return SP_OK;
}
