/*
 * test_export_unit.c - table-driven tests of indexer/export.c:
 *   cases/oruk_repairs.json  record in (rec_from_json), the ORUK object out
 *                            (export_oruk_service): every key of "expect"
 *                            must match ("<uuid>" any UUID, "<any>" any
 *                            value), every path of "absent" must be absent,
 *                            and the same record must export the same bytes;
 *   cases/csv.tsv            one field in, its RFC 4180 form out;
 *   and the data package: tables, headers, shared rows written once.
 * Usage: test_export_unit CASES_DIR (the vocab comes from SIGNPOST_DATA).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"

/* A check on the shared harness, saying what failed and for which case. */
#define check(cond, what, name) CHECK(cond, "%s (%s)", what, name)

/* Does got contain everything in want? */
static int matches(const json_t *want, const json_t *got, char *where, size_t wsize)
{
    if (json_is_string(want) && !strcmp(json_string_value(want), "<any>"))
        return got != NULL;
    if (json_is_string(want) && !strcmp(json_string_value(want), "<uuid>"))
        return json_is_string(got) && rec_is_uuid(json_string_value(got));
    if (json_is_object(want)) {
        if (!json_is_object(got))
            return 0;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)want, k, v)
        {
            if (!matches(v, json_object_get(got, k), where, wsize)) {
                size_t n = strlen(where);
                snprintf(where + n, wsize - n, " <- %s", k);
                return 0;
            }
        }
        return 1;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) < json_array_size(want))
            return 0;
        size_t i;
        json_t *v;
        json_array_foreach(want, i, v)
        {
            if (!matches(v, json_array_get(got, i), where, wsize)) {
                size_t n = strlen(where);
                snprintf(where + n, wsize - n, " <- [%zu]", i);
                return 0;
            }
        }
        return 1;
    }
    return json_equal((json_t *)want, (json_t *)got);
}

/* A dotted path ("schedules.0.freq") into j, NULL when absent. */
static json_t *at_path(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)strtoul(tok, NULL, 10));
        else
            j = json_object_get(j, tok);
    }
    return j;
}

static int no_empty(const json_t *j)
{
    if (json_is_null(j) || (json_is_string(j) && json_string_length(j) == 0) ||
        (json_is_array(j) && json_array_size(j) == 0) ||
        (json_is_object(j) && json_object_size(j) == 0))
        return 0;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j))
        json_object_foreach((json_t *)j, k, v) if (!no_empty(v)) return 0;
    if (json_is_array(j))
        json_array_foreach(j, i, v) if (!no_empty(v)) return 0;
    return 1;
}

static void run_repairs(const char *dir, const vocab *v)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/oruk_repairs.json", dir);
    json_error_t je;
    json_t *cases = json_load_file(path, 0, &je);
    check(json_is_array(cases), "oruk_repairs.json loads", je.text);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        rec_service r;
        sp_err err = {0};
        int rc = rec_from_json(json_object_get(c, "record"), &r, &err);
        check(rc == SP_OK, "the record reads", name);
        if (rc != SP_OK)
            continue;
        json_t *o = export_oruk_service(&r, v);
        json_t *o2 = export_oruk_service(&r, v);
        char *s1 = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char *s2 = json_dumps(o2, JSON_COMPACT | JSON_PRESERVE_ORDER);
        check(s1 && s2 && !strcmp(s1, s2), "the same record exports the same bytes", name);
        char where[512] = "";
        int ok = matches(json_object_get(c, "expect"), o, where, sizeof where);
        if (!ok)
            printf("  got %s\n  mismatch at%s\n", s1 ? s1 : "(null)", where);
        check(ok, "the ORUK object has what is expected", name);
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(c, "absent"), k, p)
        {
            int absent = at_path(o, json_string_value(p)) == NULL;
            if (!absent)
                printf("  %s is present in %s\n", json_string_value(p), s1);
            check(absent, "a field is left out", name);
        }
        check(no_empty(o), "no empty fields", name);
        /* it round-trips through the data package writer */
        export_dp *dp = export_dp_new();
        check(dp && export_dp_add(dp, o, NULL) == SP_OK, "the data package takes it", name);
        export_dp_free(dp);
        free(s1);
        free(s2);
        json_decref(o);
        json_decref(o2);
        rec_service_free(&r);
    }
    json_decref(cases);
}

static void run_csv(const char *dir)
{
    t_lines l = t_lines_open("%s/csv.tsv", dir);
    int n = 0;
    char *f[2];
    while (t_row(&l, f, 2)) {
        char *in = f[0], *want = f[1];
        sp_unescape(in);
        sp_unescape(want);
        sp_buf b = {0};
        export_csv_field(&b, in);
        const char *got = sp_buf_cstr(&b);
        if (got == NULL)
            got = "(out of memory)";
        if (strcmp(got, want))
            printf("  csv: [%s] -> [%s], want [%s]\n", in, got, want);
        check(!strcmp(got, want), "a CSV field is quoted as RFC 4180 says", in);
        sp_buf_free(&b);
        n++;
    }
    check(n >= 6, "csv.tsv has cases", l.path);
}

/* Two services of one organization at one location: the shared rows are
 * written once, every table has its header. */
static void run_package(const vocab *v)
{
    const char *ids[] = {"cccccccc-cccc-4ccc-8ccc-cccccccccccc",
                         "dddddddd-dddd-4ddd-8ddd-dddddddddddd"};
    export_dp *dp = export_dp_new();
    for (int i = 0; i < 2; i++) {
        json_t *in = json_pack("{s:s,s:s,s:{s:s,s:s},s:[{s:{s:s,s:s,s:f,s:f}}]}", "id", ids[i],
                               "name", "S", "organization", "id",
                               "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "name", "Org, Ltd",
                               "service_at_locations", "location", "id",
                               "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "name", "Hall",
                               "latitude", 51.5, "longitude", -0.1);
        rec_service r;
        sp_err err = {0};
        int rc = rec_from_json(in, &r, &err);
        json_decref(in);
        if (rc != SP_OK) {
            check(0, "package record reads", err.msg);
            continue;
        }
        json_t *o = export_oruk_service(&r, v);
        export_dp_add(dp, o, NULL);
        export_dp_add(dp, o, NULL); /* the same service twice: once */
        json_decref(o);
        rec_service_free(&r);
    }
    for (size_t t = 0; t < export_dp_count(); t++) {
        sp_buf b = {0};
        check(export_dp_csv(dp, t, &b) == SP_OK && b.len > 0 && !strncmp(b.data, "id,", 3),
              "every table starts with its header", export_dp_file(t));
        size_t lines = 0;
        for (size_t k = 0; k < b.len; k++)
            lines += b.data[k] == '\n';
        const char *file = export_dp_file(t);
        if (!strcmp(file, "services.csv"))
            check(lines == 3, "two services, one row each", file);
        if (!strcmp(file, "organizations.csv")) {
            check(lines == 2, "the shared organization once", file);
            check(strstr(b.data, "\"Org, Ltd\"") != NULL, "a name with a comma is quoted", file);
        }
        if (!strcmp(file, "locations.csv"))
            check(lines == 2, "the shared location once", file);
        if (!strcmp(file, "service_at_location.csv"))
            check(lines == 3, "a link per service", file);
        sp_buf_free(&b);
    }
    json_t *d = export_dp_descriptor(dp, NULL, "?q=x");
    json_t *res = json_object_get(d, "resources");
    check(json_array_size(res) == export_dp_count(), "the descriptor lists every table", "dp");
    check(!strcmp(json_string_value(json_object_get(json_array_get(res, 0), "path")),
                  "organizations.csv?q=x"),
          "paths carry the suffix", "dp");
    check(export_dp_find("services.csv") >= 0 && export_dp_find("../etc/passwd") < 0,
          "tables are found by file name only", "dp");
    json_decref(d);
    export_dp_free(dp);
}

int main(int argc, char **argv)
{
    t_usage(argc, 2, "test_export_unit CASES_DIR");
    vocab *v = t_vocab();
    run_repairs(argv[1], v);
    run_csv(argv[1]);
    run_package(v);
    vocab_free(v);
    return t_done("export unit");
}
