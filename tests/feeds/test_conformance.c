/*
 * test_conformance.c - the ORUK reader over every .json file of the public
 * ORUK/HSDS suites in $SIGNPOST_SHARED/conformance (hsds-3.0/examples,
 * oruk-3.0-profile/examples, oruk-validator-mocks), recursively.
 *
 * What each file must give is decided by its shape, from its name:
 *   services  service_full, service_list*, service_at_location_*,
 *             organization.json / organization_full (nest services):
 *             SP_OK and at least one record, each with an id and a name;
 *   none      taxonomies, terms, locations, organization lists, API roots
 *             (api_details, base), and the validator's failing service
 *             list whose items have no names: SP_OK and no records;
 *   reject    documents that are not ORUK at all (validator dashboards
 *             and reports, the tabular example, a data package
 *             descriptor): SP_EPARSE, no records, a message.
 * Every file must also survive export -> import: each record's JSON reads
 * back to the same JSON.  service_full.json gets field-by-field checks.
 * Exits 77 (skipped) when the shared folder is absent.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feed_int.h"
#include "tcheck.h"
#include "../readers/util.h"

static int n_files, n_services, n_none, n_reject, n_records;

typedef enum { X_SERVICES, X_NONE, X_REJECT, X_UNKNOWN } expect;

static expect expect_for(const char *path, const char *name)
{
    /* The validator's "Fail" list drops every service's name: nothing
     * usable, read as zero records. */
    if (fnmatch("*/V3.0-UK-Fail/service_list.json", path, 0) == 0)
        return X_NONE;
    static const struct {
        const char *glob;
        expect x;
    } table[] = {
        {"service_full.json", X_SERVICES},
        {"service_list*.json", X_SERVICES},
        {"service_at_location_*.json", X_SERVICES},
        {"organization_full.json", X_SERVICES},
        {"organization.json", X_SERVICES},
        {"organization_list.json", X_NONE},
        {"taxonomy*.json", X_NONE},
        {"location.json", X_NONE},
        {"api_details.json", X_NONE},
        {"base.json", X_NONE},
        {"dashboard_*.json", X_REJECT},
        {"V1_*Response.json", X_REJECT},
        {"tabular.json", X_REJECT},
        {"datapackage.json", X_REJECT},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (fnmatch(table[i].glob, name, 0) == 0)
            return table[i].x;
    return X_UNKNOWN;
}

static void check_roundtrip(const rec_service *r, const char *path)
{
    char *s1 = rec_to_json_string(r);
    rec_service b;
    sp_err e = {0};
    CHECK(s1 != NULL);
    if (s1 == NULL)
        return;
    int rc = rec_from_json_string(s1, strlen(s1), &b, &e);
    CHECK(rc == SP_OK);
    if (rc == SP_OK) {
        char *s2 = rec_to_json_string(&b);
        bool same = s2 != NULL && strcmp(s1, s2) == 0;
        CHECK(same);
        if (!same)
            fprintf(stderr, "%s: round trip differs\n", path);
        free(s2);
        rec_service_free(&b);
    }
    free(s1);
}

static const rec_service *find_rec(const feed_output *o, const char *name)
{
    for (size_t i = 0; i < o->n_recs; i++)
        if (o->recs[i].name != NULL && strcmp(o->recs[i].name, name) == 0)
            return &o->recs[i];
    return NULL;
}

/* hsds-3.0/examples/service_full.json, field by field. */
static void check_hsds_service_full(const feed_output *o)
{
    CHECK(o->n_recs == 1);
    if (o->n_recs != 1)
        return;
    const rec_service *r = &o->recs[0];
    CHECK_STR(r->name, "Community Counselling");
    CHECK_STR(r->id, "ac148810-d857-441c-9679-408f346de14b");
    CHECK_STR(r->prov.local_id, "ac148810-d857-441c-9679-408f346de14b");
    CHECK_STR(r->organization.name, "Example Organization Inc.");
    CHECK(r->minimum_age == 12 && r->maximum_age == 100);
    CHECK(r->n_locations == 1);
    if (r->n_locations == 1) {
        const rec_location *l = &r->locations[0];
        CHECK(l->n_addresses == 1);
        if (l->n_addresses == 1)
            CHECK_STR(l->addresses[0].postal_code, "ABC 1234");
        /* the example's latitude is 100: out of range, so no coordinates */
        CHECK(!l->has_coords);
        CHECK_STR(l->name, "MyCity Civic Center");
    }
    CHECK(r->n_phones >= 1);
    if (r->n_phones >= 1)
        CHECK_STR(r->phones[0].number, "\"+44 1234 234567\""); /* quotes and all */
    CHECK(r->n_schedules >= 1);
    if (r->n_schedules >= 1) {
        CHECK_STR(r->schedules[0].opens_at, "10:00:00");
        CHECK_STR(r->schedules[0].byday, "TH,FR");
    }
    CHECK(r->n_languages >= 1);
    CHECK(r->n_service_areas >= 1);
    CHECK(r->n_cost_options >= 1);
    CHECK(r->n_fundings >= 1);
    CHECK(r->n_attributes >= 1);
    if (r->n_attributes >= 1)
        CHECK(r->attributes[0].term.name != NULL);
    CHECK(r->organization.n_identifiers >= 1);
    CHECK(r->last_modified != NULL);
}

static void read_one(const char *path, const char *name)
{
    char *body = NULL;
    size_t len = 0;
    sp_err e = {0};
    if (sp_read_file(path, FEED_MAX_BODY, &body, &len, &e) != SP_OK) {
        fprintf(stderr, "%s\n", e.msg);
        t_failures++;
        return;
    }
    n_files++;
    feed_output o;
    feed_output_init(&o);
    char *url = sp_printf("https://conformance.example.org/%s", name);
    int rc = feed_read_oruk(body, len, url, &o, &e);
    expect x = expect_for(path, name);
    switch (x) {
    case X_SERVICES:
        n_services++;
        CHECK(rc == SP_OK);
        CHECK(o.n_recs >= 1);
        break;
    case X_NONE:
        n_none++;
        CHECK(rc == SP_OK);
        CHECK(o.n_recs == 0);
        break;
    case X_REJECT:
        n_reject++;
        CHECK(rc == SP_EPARSE);
        CHECK(o.n_recs == 0 && e.msg[0] != '\0');
        break;
    case X_UNKNOWN:
        fprintf(stderr, "%s: no expectation for this file name; add it to the table\n", path);
        t_failures++;
        break;
    }
    if ((x == X_SERVICES && (rc != SP_OK || o.n_recs == 0)) ||
        (x == X_NONE && (rc != SP_OK || o.n_recs != 0)) || (x == X_REJECT && rc != SP_EPARSE))
        fprintf(stderr, "%s: rc %s (%s), %zu records\n", path, sp_code_name(rc), e.msg,
                o.n_recs);
    for (size_t i = 0; i < o.n_recs; i++) {
        CHECK(o.recs[i].id != NULL && rec_is_uuid(o.recs[i].id));
        CHECK(o.recs[i].name != NULL);
        CHECK_STR(o.recs[i].prov.source_url, url);
        check_roundtrip(&o.recs[i], path);
    }
    n_records += (int)o.n_recs;
    if (strstr(path, "hsds-3.0/examples/service_full.json") != NULL)
        check_hsds_service_full(&o);
    if (strstr(path, "hsds-3.0/examples/organization_full.json") != NULL) {
        const rec_service *r = find_rec(&o, "Community Counselling");
        CHECK(r != NULL);
        if (r != NULL)
            CHECK_STR(r->organization.name, "Example Organization Inc.");
    }
    if (strcmp(name, "api_details.json") == 0 || strcmp(name, "base.json") == 0)
        CHECK(o.version != NULL);
    feed_output_free(&o);
    free(url);
    free(body);
}

/* Every .json file under dir. */
static void walk(const char *dir)
{
    size_t n;
    char **files = tu_list(dir, &n);
    CHECK(n > 0, "no files in %s", dir);
    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(files[i], '/') + 1;
        if (fnmatch("*.json", name, 0) == 0)
            read_one(files[i], name);
    }
    tu_free_list(files, n);
}

int main(void)
{
    const char *shared = getenv("SIGNPOST_SHARED");
    struct stat st;
    char *probe = sp_printf("%s/conformance/hsds-3.0/examples", shared ? shared : "../shared");
    if (probe == NULL || stat(probe, &st) != 0) {
        printf("conformance suites not found (%s): skipped\n", probe ? probe : "");
        free(probe);
        return 77;
    }
    free(probe);
    static const char *const dirs[] = {"hsds-3.0/examples", "oruk-3.0-profile/examples",
                                       "oruk-validator-mocks"};
    for (size_t i = 0; i < 3; i++) {
        char *d = sp_printf("%s/conformance/%s", shared ? shared : "../shared", dirs[i]);
        walk(d);
        free(d);
    }
    CHECK(n_files >= 70);
    printf("%d files: %d with services (%d records), %d ORUK without services, %d rejected\n",
           n_files, n_services, n_records, n_none, n_reject);
    return t_done("test_conformance");
}
