/*
 * test_enrich.c - enrichment cases from a JSON file: each case is a small
 * HSDS service record and the tags enrichment must derive from it.
 *
 *   {"name": "...", "record": {...},
 *    "expect": {"boroughs": ["hackney"], ...},   must be present
 *    "exact":  {"modes": ["online"], ...},       exactly these
 *    "absent": {"groups": ["disabled"], ...},    must not be present
 *    "pan_london": true}                         optional
 *
 * Every run also t_checks that each tag carries evidence (field, text,
 * confidence in (0,1]) and that enriching twice gives the same record.
 * Usage: test_enrich CASES.json
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich.h"
#include "../core/tcheck.h"



/* A record's tag set by its key in the record's JSON ("languages"). */
static rec_tags *tags_of(rec_service *r, const char *field)
{
    for (size_t i = 0; i < REC_TAGSETS; i++) {
        const char *key;
        rec_tags *t = rec_tagset(r, i, &key);
        if (strcmp(key, field) == 0)
            return t;
    }
    return NULL;
}

static void list_tags(const rec_tags *t, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < t->n; i++) {
        strncat(out, i ? " " : "", n - strlen(out) - 1);
        strncat(out, t->v[i].slug, n - strlen(out) - 1);
    }
}

static void check_case(const vocab *v, const json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    if (!name)
        name = "(unnamed)";
    rec_service r;
    rec_service_init(&r);
    sp_err err = {0};
    int rc = rec_from_json(json_object_get(c, "record"), &r, &err);
    CHECK(rc == SP_OK, "%s: record: %s", name, err.msg);
    if (rc != SP_OK)
        return;
    rc = enrich_record(v, &r, &err);
    CHECK(rc == SP_OK, "%s: enrich: %s", name, err.msg);
    char *once = rec_to_json_string(&r);
    rc = enrich_record(v, &r, &err);
    char *twice = rec_to_json_string(&r);
    CHECK(rc == SP_OK && once && twice && strcmp(once, twice) == 0,
          "%s: enriching twice changed the record", name);
    free(once);
    free(twice);

    for (size_t f = 0; f < REC_TAGSETS; f++) {
        const char *field;
        rec_tags *t = rec_tagset(&r, f, &field);
        for (size_t i = 0; i < t->n; i++) {
            const rec_evidence *e = &t->v[i].ev;
            CHECK(e->field && *e->field && e->text && *e->text && e->confidence > 0 &&
                      e->confidence <= 1 && strlen(e->text) <= 220,
                  "%s: %s %s lacks evidence", name, field, t->v[i].slug);
        }
    }
    const char *kinds[] = {"expect", "exact", "absent"};
    for (size_t k = 0; k < 3; k++) {
        const json_t *o = json_object_get(c, kinds[k]);
        const char *key;
        const json_t *arr;
        json_object_foreach((json_t *)o, key, arr) {
            rec_tags *t = tags_of(&r, key);
            CHECK(t != NULL, "%s: unknown tag field %s", name, key);
            if (!t)
                continue;
            char got[2048];
            list_tags(t, got, sizeof got);
            size_t i;
            const json_t *s;
            json_array_foreach(arr, i, s) {
                const char *slug = json_string_value(s);
                bool has = slug && rec_tags_has(t, slug);
                CHECK(k == 2 ? !has : has, "%s: %s %s %s (got: %s)", name, key,
                      k == 2 ? "must not have" : "must have", slug ? slug : "?", got);
            }
            if (k == 1)
                CHECK(t->n == json_array_size(arr), "%s: %s: exactly %zu expected, got: %s",
                      name, key, json_array_size(arr), got);
        }
    }
    const json_t *pl = json_object_get(c, "pan_london");
    if (pl)
        CHECK(r.pan_london == json_is_true(pl), "%s: pan_london is %d", name, r.pan_london);
    rec_service_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_enrich CASES.json\n");
        return 2;
    }
    json_error_t jerr;
    json_t *cases = json_load_file(argv[1], 0, &jerr);
    if (!json_is_array(cases)) {
        fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
        return 1;
    }
    vocab *v = NULL;
    sp_err err = {0};
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "vocab_load: %s\n", err.msg);
        json_decref(cases);
        return 1;
    }
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c) check_case(v, c);
    /* NULL arguments are refused, not crashed on. */
    CHECK(enrich_record(NULL, NULL, &err) == SP_EINVAL, "NULL record accepted");
    printf("enrich: %zu cases\n", json_array_size(cases));
    vocab_free(v);
    json_decref(cases);
    return t_done("enrich");
}
