/*
 * test_hsds.c - the HSDS tabular data package reader on the published
 * examples ($SIGNPOST_SHARED/conformance: hsds-3.0/examples/csv,
 * oruk-3.0-profile/examples/csv with the profile's datapackage.json, and
 * the HSDS 1.1 sample packages), plus the project's own package in
 * data/datapackage/ (quoting, embedded newlines, BOM, CRLF, missing
 * optional tables, inline data) and hostile resource paths.
 *
 * Each package must yield the services its services.csv lists, joined with
 * their organisation, locations (through service_at_location), addresses,
 * phones, schedules, languages, service areas, cost options, fundings and
 * taxonomy terms, as the assertions below spell out from the files.
 * With -v the records are printed as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_int.h"
#include "util.h"
#include "../core/tcheck.h"

static bool verbose;


static bool eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The fetcher: paths relative to a folder (the data package spec's
 * resolution for a local package). */
static int fetch_dir(void *ctx, const char *path, char **body, size_t *len, sp_err *err)
{
    char *p = sp_printf("%s/%s", (const char *)ctx, path);
    size_t l;
    char *b = tu_read(p, &l);
    free(p);
    if (b == NULL)
        return sp_fail(err, SP_ENOTFOUND, "no resource %s", path);
    *body = b;
    *len = l;
    return SP_OK;
}

static int read_pkg(const char *descriptor, const char *dir, feed_output *o, sp_err *err)
{
    size_t len;
    char *body = tu_read(descriptor, &len);
    if (body == NULL)
        return sp_fail(err, SP_EIO, "cannot read %s", descriptor);
    feed_output_init(o);
    int rc = feed_read_datapackage(body, len, "file:datapackage.json", fetch_dir, (void *)dir,
                                   o, err);
    free(body);
    if (verbose)
        for (size_t i = 0; i < o->n_recs; i++) {
            json_t *j = rec_to_json(&o->recs[i]);
            char *s = json_dumps(j, JSON_INDENT(1));
            printf("%s\n", s);
            free(s);
            json_decref(j);
        }
    return rc;
}

/* Read the package dp (its tables in dir; both freed here) into o, checking
 * that it reads and gives `want` services; returns how many it gives. */
static size_t pkg(const char *label, char *dir, char *dp, size_t want, feed_output *o)
{
    sp_err err = {0};
    int rc = read_pkg(dp, dir, o, &err);
    CHECK(rc == SP_OK, "%s: %s", label, err.msg);
    CHECK(o->n_recs == want, "%s: %zu services, want %zu", label, o->n_recs, want);
    free(dp);
    free(dir);
    return o->n_recs;
}

static void hsds30(const char *root)
{
    char *dir = sp_printf("%s/hsds-3.0/examples/csv", root);
    feed_output o;
    if (pkg("hsds-3.0", dir, sp_printf("%s/datapackage.json", dir), 1, &o) >= 1) {
        rec_service *r = &o.recs[0];
        CHECK(eq(r->name, "Community Counselling"), "name %s", r->name);
        CHECK(eq(r->prov.local_id, "ac148810-d857-441c-9679-408f346de14b"), "local id");
        CHECK(eq(r->id, "ac148810-d857-441c-9679-408f346de14b"), "a UUID id is kept: %s", r->id);
        CHECK(eq(r->organization.name, "Example Organization Inc."), "org %s",
              r->organization.name);
        CHECK(r->n_locations == 1 && eq(r->locations[0].name, "MyCity Civic Center"),
              "location");
        if (r->n_locations == 1) {
            rec_location *l = &r->locations[0];
            CHECK(l->n_addresses == 1 && eq(l->addresses[0].postal_code, "ABC 1234"),
                  "address postcode");
            /* The example's latitude 100 / longitude 101 are out of range:
             * no coordinates rather than wrong ones. */
            CHECK(!l->has_coords, "out-of-range coordinates dropped");
            CHECK(l->n_schedules >= 1, "schedule through service_at_location: %zu",
                  l->n_schedules);
        }
        CHECK(r->n_phones == 1 && eq(r->phones[0].number, "+44 1234 234567"),
              "phone (quoted in the CSV): %s", r->n_phones ? r->phones[0].number : "-");
        CHECK(r->n_schedules == 1 && eq(r->schedules[0].byday, "TH,FR"), "schedule byday");
        CHECK(r->n_languages == 1 && eq(r->languages[0].code, "ur"), "language");
        CHECK(r->n_service_areas == 1, "service area");
        CHECK(r->n_cost_options == 1 && r->cost_options[0].has_amount &&
                  r->cost_options[0].amount == 35,
              "cost option");
        CHECK(r->n_fundings == 1, "funding");
        CHECK(r->minimum_age >= 0 && r->maximum_age > r->minimum_age, "ages %g-%g",
              r->minimum_age, r->maximum_age);
    }
    feed_output_free(&o);
}

static void oruk30(const char *root)
{
    feed_output o;
    if (pkg("oruk-3.0", sp_printf("%s/oruk-3.0-profile/examples/csv", root),
            sp_printf("%s/oruk-3.0-profile/datapackage.json", root), 1, &o) >= 1) {
        rec_service *r = &o.recs[0];
        CHECK(r->name != NULL && r->organization.name != NULL, "name and organisation");
        CHECK(r->n_locations == 1, "oruk location: %zu", r->n_locations);
        /* The example's one attribute links to another id (link_id
         * f28dd44b...), not to the service: no term may be attached. */
        CHECK(r->n_taxonomy_terms == 0, "oruk: attribute of another entity attached: %zu",
              r->n_taxonomy_terms);
    }
    feed_output_free(&o);
}

static void hsds11(const char *root, const char *which, size_t want)
{
    char *dir = sp_printf("%s/hsds-1.1-sample/%s", root, which);
    char label[256];
    snprintf(label, sizeof label, "hsds-1.1 %s", which);
    feed_output o;
    pkg(label, dir, sp_printf("%s/datapackage.json", dir), want, &o);
    size_t with_org = 0, with_loc = 0;
    for (size_t i = 0; i < o.n_recs; i++) {
        with_org += o.recs[i].organization.name != NULL;
        with_loc += o.recs[i].n_locations > 0;
    }
    CHECK(with_org == o.n_recs, "hsds-1.1 %s: %zu/%zu with organisation", which, with_org,
          o.n_recs);
    CHECK(with_loc > 0, "hsds-1.1 %s: none with a location", which);
    feed_output_free(&o);
}

/* Count the data rows of a CSV the way a spreadsheet would (quoted
 * newlines do not end a row), to derive the expected service count from
 * the file itself. */
static size_t csv_rows(const char *path)
{
    size_t len;
    char *b = tu_read(path, &len);
    if (b == NULL)
        return 0;
    json_t *rows = NULL;
    feed_csv_parse(b, len, &rows, NULL);
    size_t n = json_array_size(rows);
    json_decref(rows);
    free(b);
    return n > 0 ? n - 1 : 0;
}

static void own(const char *src)
{
    char *dir = sp_printf("%s/tests/readers/data/datapackage", src);
    char *dp = sp_printf("%s/datapackage.json", dir);
    feed_output o;
    sp_err err = {0};
    int rc = read_pkg(dp, dir, &o, &err);
    CHECK(rc == SP_OK, "own package: %s", err.msg);
    CHECK(o.n_recs == 2, "own package: %zu services, want 2", o.n_recs);
    if (o.n_recs == 2) {
        rec_service *a = &o.recs[0], *b = &o.recs[1];
        CHECK(eq(a->name, "Job Club, \"Hackney\""), "quoted name: %s", a->name);
        CHECK(a->description != NULL && strstr(a->description, "Line one\nLine two") != NULL,
              "embedded newline kept: %s", a->description);
        CHECK(eq(a->organization.name, "Hackney Works"), "org");
        CHECK(a->n_locations == 1 && a->locations[0].n_addresses == 1 &&
                  eq(a->locations[0].addresses[0].postal_code, "E8 1EA"),
              "address");
        CHECK(a->n_taxonomy_terms == 1 && eq(a->taxonomy_terms[0].name, "Job search"),
              "taxonomy term via attribute");
        CHECK(a->n_phones == 1 && eq(a->phones[0].number, "020 8356 3000"), "phone");
        CHECK(eq(b->name, "ESOL classes"), "second service: %s", b->name);
        CHECK(b->n_locations == 0, "no location for the second service");
        CHECK(b->minimum_age == 19, "min age %g", b->minimum_age);
    }
    feed_output_free(&o);

    /* Hostile paths are refused before the fetcher sees them. */
    static const char *const bad[] = {
        "{\"resources\":[{\"name\":\"services\",\"path\":\"../../etc/passwd\"}]}",
        "{\"resources\":[{\"name\":\"services\",\"path\":\"/etc/passwd\"}]}",
        "{\"resources\":[{\"name\":\"services\",\"path\":\"file:///etc/passwd\"}]}",
        "{\"resources\":[{\"name\":\"services\",\"path\":\"a/../../b.csv\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        feed_output_init(&o);
        rc = feed_read_datapackage(bad[i], strlen(bad[i]), "x", fetch_dir, dir, &o, &err);
        CHECK(rc == SP_EINVAL && o.n_recs == 0, "hostile path %zu: %s", i, sp_code_name(rc));
        feed_output_free(&o);
    }

    /* Inline data, no fetcher (what feed_read can do alone). */
    const char *inl =
        "{\"profile\":\"tabular-data-package\",\"resources\":["
        "{\"name\":\"organizations\",\"data\":[{\"id\":\"o1\",\"name\":\"Org\"}]},"
        "{\"name\":\"services\",\"data\":[[\"id\",\"organization_id\",\"name\"],"
        "[\"s1\",\"o1\",\"Inline service\"]]}]}";
    feed_output_init(&o);
    rc = feed_read(FEED_AUTO, inl, strlen(inl), "http://x.example/datapackage.json", NULL, &o,
                   &err);
    CHECK(rc == SP_OK && o.n_recs == 1 && eq(o.recs[0].name, "Inline service") &&
              eq(o.recs[0].organization.name, "Org"),
          "inline package: %s", err.msg);
    feed_output_free(&o);

    /* No services resource is an error that says so. */
    const char *none = "{\"resources\":[{\"name\":\"organizations\",\"path\":\"x.csv\"}]}";
    feed_output_init(&o);
    rc = feed_read_datapackage(none, strlen(none), "x", fetch_dir, dir, &o, &err);
    CHECK(rc == SP_EPARSE && strstr(err.msg, "services") != NULL, "no services: %s", err.msg);
    feed_output_free(&o);
    free(dp);
    free(dir);
}

int main(int argc, char **argv)
{
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    const char *src = getenv("SIGNPOST_SOURCE");
    own(src != NULL ? src : ".");
    char *root = tu_conformance("");
    if (root != NULL) {
        char *hsds = tu_conformance("hsds-3.0");
        if (hsds != NULL) {
            hsds30(root);
            oruk30(root);
            char *s11 = sp_printf("%s/hsds-1.1-sample/simple/services.csv", root);
            char *a11 = sp_printf("%s/hsds-1.1-sample/all_resources/services.csv", root);
            hsds11(root, "simple", csv_rows(s11));
            hsds11(root, "all_resources", csv_rows(a11));
            free(s11);
            free(a11);
        }
        free(hsds);
        free(root);
    } else {
        printf("hsds: shared examples skipped ($SIGNPOST_SHARED absent)\n");
    }
    return t_done("hsds");
}
