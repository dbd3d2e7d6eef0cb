/*
 * test_rec.c - core/rec: the record's JSON is lossless (a rich record with
 * every field set reads and writes back unchanged, twice), derived tags
 * deduplicate, ids are stable UUID v5, and hostile JSON (too deep, too
 * long, too many items, wrong types, bad UTF-8) fails cleanly.
 */
#include <math.h>
#include <stdlib.h>

#include "rec.h"
#include "tcheck.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    return sp_printf("%s/%s", src != NULL ? src : "..", rel);
}

static void test_rich_roundtrip(void)
{
    char *path = src_path("tests/core/data/rich.json");
    char *body = NULL;
    size_t len = 0;
    sp_err e = {0};
    CHECK(sp_read_file(path, 1 << 20, &body, &len, &e) == SP_OK);
    free(path);
    if (body == NULL)
        return;
    json_error_t je;
    json_t *in = json_loadb(body, len, 0, &je);
    CHECK(in != NULL);

    rec_service r;
    CHECK(rec_from_json_string(body, len, &r, &e) == SP_OK);
    free(body);

    /* Spot checks on the struct: every level was read. */
    CHECK_STR(r.name, "Hackney Works: employment support");
    CHECK(r.minimum_age == 16 && r.maximum_age == 64.5);
    CHECK_STR(r.organization.name, "London Borough of Hackney");
    CHECK(r.organization.year_incorporated == 1965);
    CHECK(r.organization.n_identifiers == 2);
    if (r.organization.n_identifiers == 2)
        CHECK_STR(r.organization.identifiers[0].identifier_scope, "GB-LAE");
    CHECK(r.n_locations == 2);
    if (r.n_locations == 2) {
        CHECK(r.locations[0].has_coords && fabs(r.locations[0].latitude - 51.5448) < 1e-9);
        CHECK(!r.locations[1].has_coords);
        CHECK(r.locations[0].n_addresses == 1);
        if (r.locations[0].n_addresses == 1)
            CHECK_STR(r.locations[0].addresses[0].postal_code, "E8 1DY");
        CHECK(r.locations[0].n_schedules == 1 && r.locations[0].schedules[0].interval == 1);
        CHECK(r.locations[0].n_languages == 1);
    }
    CHECK(r.n_schedules == 1 && r.schedules[0].interval == 2);
    CHECK(r.n_cost_options == 2);
    if (r.n_cost_options == 2) {
        CHECK(r.cost_options[0].has_amount && r.cost_options[0].amount == 12.5);
        CHECK(r.cost_options[1].has_amount && r.cost_options[1].amount == 0);
    }
    CHECK(r.n_fundings == 1);
    CHECK(r.n_attributes == 1);
    if (r.n_attributes == 1) {
        CHECK_STR(r.attributes[0].term.version, "4.2");
        CHECK_STR(r.attributes[0].term.code, "EMP");
    }
    CHECK(r.n_taxonomy_terms == 2);
    CHECK(rec_tags_has(&r.boroughs, "hackney"));
    CHECK(rec_tags_has(&r.langs, "bn"));
    CHECK(r.groups.n == 2);
    if (r.groups.n == 2) {
        CHECK(r.groups.v[0].ev.confidence == 0.8);
        CHECK(r.groups.v[1].ev.field == NULL);
    }
    CHECK(r.pan_london);
    CHECK(r.n_rules == 5);
    if (r.n_rules == 5) {
        CHECK(r.rules[0].has_lo && r.rules[0].lo == 16 && r.rules[0].has_hi);
        CHECK(r.rules[2].has_lo && !r.rules[2].has_hi);
        CHECK(r.rules[3].n_values == 2 && !r.rules[3].has_lo);
        CHECK(r.rules[0].trigger == NULL);
        CHECK_STR(r.rules[4].trigger, "negation:not for"); /* evidence.trigger */
    }
    CHECK_STR(r.cluster_id, "c0ffee00-0000-5000-8000-000000000001");
    CHECK_STR(r.prov.local_id, "HW-17");
    CHECK(r.prov.first_seen == sp_time_parse("2026-10-01T08:00:00Z"));
    CHECK(r.prov.last_changed == sp_time_parse("2026-11-01T09:00:00Z"));

    /* Writing it back gives exactly the input document. */
    json_t *out = rec_to_json(&r);
    CHECK(out != NULL);
    bool same = json_equal(in, out);
    CHECK(same);
    if (!same) {
        char *s = json_dumps(out, JSON_INDENT(1) | JSON_SORT_KEYS);
        fprintf(stderr, "written:\n%s\n", s);
        free(s);
    }

    /* And read -> write again is a fixed point (string form too). */
    char *s1 = rec_to_json_string(&r);
    rec_service r2;
    CHECK(s1 != NULL && rec_from_json_string(s1, strlen(s1), &r2, &e) == SP_OK);
    char *s2 = rec_to_json_string(&r2);
    CHECK(s2 != NULL && strcmp(s1, s2) == 0);
    free(s1);
    free(s2);
    rec_service_free(&r2);
    json_decref(out);
    json_decref(in);
    rec_service_free(&r);
    /* free leaves an empty, reusable record */
    CHECK(r.name == NULL && r.n_locations == 0 && r.minimum_age == -1);
    rec_service_free(&r);
}

static void test_empty_and_built(void)
{
    rec_service r;
    rec_service_init(&r);
    CHECK(r.minimum_age == -1 && r.maximum_age == -1);
    char *s = rec_to_json_string(&r);
    CHECK_STR(s, "{}"); /* empty optional fields are omitted */
    free(s);

    /* A record built in code survives the trip. */
    r.name = sp_strdup("Built");
    r.id = sp_strdup("00000000-0000-5000-8000-000000000000");
    r.prov.last_seen = 1795433400;
    CHECK(rec_tags_add(&r.modes, "online", "url", "https://x", 0.5) == SP_OK);
    CHECK(rec_tags_add(&r.modes, "online", "other", "second", 0.9) == SP_OK);
    CHECK(rec_tags_add(&r.modes, "phone", NULL, NULL, 1) == SP_OK);
    CHECK(rec_tags_add(&r.modes, "", NULL, NULL, 1) == SP_EINVAL);
    CHECK(r.modes.n == 2);
    CHECK_STR(r.modes.v[0].ev.field, "url"); /* first evidence kept */
    CHECK(rec_tags_has(&r.modes, "phone") && !rec_tags_has(&r.modes, "hybrid"));
    s = rec_to_json_string(&r);
    rec_service b;
    sp_err e = {0};
    CHECK(s != NULL && rec_from_json_string(s, strlen(s), &b, &e) == SP_OK);
    CHECK_STR(b.name, "Built");
    CHECK(b.prov.last_seen == 1795433400);
    CHECK(b.modes.n == 2 && b.modes.v[0].ev.confidence == 0.5);
    char *s2 = rec_to_json_string(&b);
    CHECK(s2 != NULL && strcmp(s, s2) == 0);
    free(s);
    free(s2);
    rec_service_free(&b);
    rec_service_free(&r);
}

/* rec_tagset walks every derived tag set once, under the key the record's
 * JSON uses, and a tag put in each through it reads back in that set. */
static void test_tagsets(void)
{
    rec_service r;
    rec_service_init(&r);
    for (size_t i = 0; i < REC_TAGSETS; i++) {
        const char *key = NULL;
        rec_tags *t = rec_tagset(&r, i, &key);
        CHECK(key != NULL && t != NULL);
        for (size_t k = 0; k < i; k++)
            CHECK(rec_tagset(&r, k, NULL) != t, "tag sets %zu and %zu are one", k, i);
        CHECK(t && rec_tags_add(t, key, "field", "text", 1) == SP_OK);
    }
    CHECK(rec_tagset(&r, 0, NULL) == &r.boroughs && rec_tagset(&r, 7, NULL) == &r.langs);
    json_t *j = rec_to_json(&r);
    const json_t *sp = json_object_get(j, "signpost");
    for (size_t i = 0; i < REC_TAGSETS; i++) {
        const char *key;
        rec_tagset(&r, i, &key);
        const json_t *a = json_object_get(sp, key);
        CHECK(json_array_size(a) == 1, "signpost.%s", key);
        CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "slug")), key);
    }
    CHECK(json_object_get(sp, "languages") != NULL, "langs are \"languages\" in JSON");
    rec_service b;
    sp_err e = {0};
    CHECK(rec_from_json(j, &b, &e) == SP_OK, "%s", e.msg);
    for (size_t i = 0; i < REC_TAGSETS; i++) {
        const char *key;
        rec_tags *t = rec_tagset(&b, i, &key);
        CHECK(t->n == 1 && rec_tags_has(t, key), "%s read back", key);
    }
    json_decref(j);
    rec_service_free(&b);
    /* Clearing empties every set (ASan reports anything left behind). */
    rec_tags_clear(&r);
    for (size_t i = 0; i < REC_TAGSETS; i++) {
        const rec_tags *t = rec_tagset(&r, i, NULL);
        CHECK(t->n == 0 && t->v == NULL);
    }
    rec_service_free(&r);
}

static void test_plain_hsds(void)
{
    /* Numeric ids, numeric-string ages, "" as absent, nulls, wrong types. */
    const char *j = "{\"id\":42,\"name\":\"N\",\"description\":\"\",\"minimum_age\":\"18\","
                    "\"maximum_age\":null,\"phones\":\"not a list\",\"schedules\":[1,\"x\",{\"opens_at\":\"09:00\"}],"
                    "\"organization\":[],\"languages\":{\"name\":\"Polish\"},"
                    "\"service_at_locations\":[{\"id\":\"sal\",\"location\":{\"name\":\"L\",\"latitude\":\"51.5\",\"longitude\":\"-0.1\"}}],"
                    "\"organization\":{\"name\":\"O\",\"identifiers\":[{\"identifier_scope\":\"S\",\"identifier\":\"1\"}]}}";
    rec_service r;
    sp_err e = {0};
    /* duplicate "organization" key: refused as ambiguous */
    CHECK(rec_from_json_string(j, strlen(j), &r, &e) == SP_EPARSE);
    const char *k = strstr(j, "\"organization\":[],");
    char *fixed = sp_printf("%.*s%s", (int)(k - j), j, k + strlen("\"organization\":[],"));
    CHECK(rec_from_json_string(fixed, strlen(fixed), &r, &e) == SP_OK);
    free(fixed);
    CHECK_STR(r.id, "42");
    CHECK(r.description == NULL);
    CHECK(r.minimum_age == 18 && r.maximum_age == -1);
    CHECK(r.n_phones == 0);
    CHECK(r.n_schedules == 1);
    CHECK(r.n_languages == 1);
    CHECK(r.n_locations == 1 && r.locations[0].has_coords);
    CHECK(r.organization.n_identifiers == 1);
    if (r.organization.n_identifiers == 1)
        CHECK_STR(r.organization.identifiers[0].identifier_scope, "S");
    rec_service_free(&r);
}

static void test_limits(void)
{
    rec_service r;
    sp_err e = {0};
    memset(&r, 0x5a, sizeof r); /* untouched on failure */

    CHECK(rec_from_json_string("[1,2]", 5, &r, &e) == SP_EPARSE);
    CHECK(rec_from_json_string("{\"name\":", 8, &r, &e) == SP_EPARSE);
    CHECK(rec_from_json_string("", 0, &r, &e) == SP_EPARSE);
    CHECK(rec_from_json(NULL, &r, &e) == SP_EPARSE);

    /* 10,000-deep nesting */
    sp_buf b = {0};
    sp_buf_puts(&b, "{\"name\":\"x\",\"d\":");
    for (int i = 0; i < 10000; i++)
        sp_buf_puts(&b, "[");
    for (int i = 0; i < 10000; i++)
        sp_buf_puts(&b, "]");
    sp_buf_puts(&b, "}");
    CHECK(rec_from_json_string(b.data, b.len, &r, &e) == SP_ELIMIT);
    sp_buf_free(&b);

    /* too many phones */
    sp_buf_puts(&b, "{\"name\":\"x\",\"phones\":[");
    for (int i = 0; i < 10001; i++)
        sp_buf_puts(&b, i ? ",{}" : "{}");
    sp_buf_puts(&b, "]}");
    CHECK(rec_from_json_string(b.data, b.len, &r, &e) == SP_ELIMIT);
    CHECK(strstr(e.msg, "phones") != NULL);
    sp_buf_free(&b);

    /* a string over 1 MB, deep inside */
    sp_buf_puts(&b, "{\"name\":\"x\",\"service_at_locations\":[{\"location\":{\"addresses\":[{\"city\":\"");
    for (int i = 0; i < (1 << 20) + 1; i++)
        sp_buf_puts(&b, "a");
    sp_buf_puts(&b, "\"}]}}]}");
    CHECK(rec_from_json_string(b.data, b.len, &r, &e) == SP_ELIMIT);
    CHECK(strstr(e.msg, "city") != NULL);
    sp_buf_free(&b);

    /* out-parameter untouched by all of the above */
    unsigned char probe[sizeof r];
    memset(probe, 0x5a, sizeof probe);
    CHECK(memcmp(&r, probe, sizeof r) == 0);
}

static void test_bad_utf8_out(void)
{
    rec_service r;
    rec_service_init(&r);
    r.name = sp_strdup("bad \xff byte and \xc3");
    char *s = rec_to_json_string(&r);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK(sp_utf8_valid(s, strlen(s)));
        CHECK(strstr(s, "bad \xef\xbf\xbd byte") != NULL);
    }
    free(s);
    rec_service_free(&r);
}

static void test_ids(void)
{
    char id[37], id2[37];
    /* RFC 4122 v5 in the URL namespace, checked against Python's
     * uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org|42") */
    rec_make_id("https://example.org", "42", id);
    CHECK_STR(id, "0fbb6b61-7e65-5654-9393-5c0d21c57e2c");
    rec_make_id(NULL, NULL, id);
    CHECK_STR(id, "4fa8b891-207f-50dc-bf66-7e784be83f1e"); /* uuid5(URL, "|") */
    /* stable and distinct */
    rec_make_id("https://example.org", "42", id2);
    CHECK_STR(id, id);
    CHECK(strcmp(id2, "0fbb6b61-7e65-5654-9393-5c0d21c57e2c") == 0);
    rec_make_id("https://example.org", "43", id2);
    CHECK(strcmp(id2, "0fbb6b61-7e65-5654-9393-5c0d21c57e2c") != 0);
    rec_make_id("https://example.com", "42", id);
    CHECK(strcmp(id, id2) != 0 && rec_is_uuid(id) && id[14] == '5');
    /* a UUID local id is the id, lower-cased */
    rec_make_id("https://x", "AC148810-D857-441C-9679-408F346DE14B", id);
    CHECK_STR(id, "ac148810-d857-441c-9679-408f346de14b");
    /* long names cross SHA-1 block boundaries */
    char longid[300];
    memset(longid, 'z', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    rec_make_id("o", longid, id);
    CHECK(rec_is_uuid(id)); /* uuid5(URL, "o|" + 299 'z') */
    CHECK_STR(id, "d857037c-840a-51a2-8672-fd3d463c8ebc");

    CHECK(rec_is_uuid("ac148810-d857-441c-9679-408f346de14b"));
    CHECK(!rec_is_uuid("ac148810d857441c9679408f346de14b"));
    CHECK(!rec_is_uuid("ac148810-d857-441c-9679-408f346de14"));
    CHECK(!rec_is_uuid("zc148810-d857-441c-9679-408f346de14b"));
    CHECK(!rec_is_uuid(NULL));
}

int main(void)
{
    test_rich_roundtrip();
    test_empty_and_built();
    test_tagsets();
    test_plain_hsds();
    test_limits();
    test_bad_utf8_out();
    test_ids();
    return t_done("test_rec");
}
