/*
 * test_extruct.c - structured-data extraction (feed_html_extract) against
 * extruct's sample pages ($SIGNPOST_SHARED/conformance/extruct).
 *
 * A case is a page X.html with an expected result beside it: X.jsonld
 * (the JSON-LD objects), X.json (the microdata items, or extruct's full
 * {"microdata": [...], "json-ld": [...], ...} envelope, of which those two
 * keys are compared).  Expected files with no page of the same name (the
 * "_flat", "custom_url" and "withtext" variants of other extruct options)
 * are not cases.  Folders: schema.org, schema.org.invalid, custom.invalid,
 * songkick, w3c, websites, misc (RDFa, OpenGraph, microformats and Dublin
 * Core are not extracted: there only .jsonld files and the microdata /
 * JSON-LD keys of envelopes count, since misc's bare .json lists hold
 * those other syntaxes).  Two W3C samples get the base URL extruct's own
 * tests give them.
 *
 * Comparison (see docs/readers.md): JSON equality with object keys in any
 * order, numbers compared by value, and one normalisation: a one-element
 * list equals its element, because extruct's W3C samples were produced in
 * its "strict" mode (every property a list) while Signpost, like extruct's
 * default, unwraps single values.  URLs are compared as written (no base
 * URL is passed, as extruct's own tests do).
 *
 * Prints "extruct: N/M cases match (P%)" and fails below the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "feed.h"
#include "util.h"

#define FLOOR 95.0

static bool same(json_t *a, json_t *b, int depth)
{
    if (depth > 64)
        return false;
    if (json_is_array(a) && !json_is_array(b) && json_array_size(a) == 1)
        return same(json_array_get(a, 0), b, depth + 1);
    if (json_is_array(b) && !json_is_array(a) && json_array_size(b) == 1)
        return same(a, json_array_get(b, 0), depth + 1);
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i), depth + 1))
                return false;
        return true;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) {
            json_t *w = json_object_get(b, k);
            if (w == NULL || !same(v, w, depth + 1))
                return false;
        }
        return true;
    }
    return json_equal(a, b);
}

static int g_cases, g_ok;
static bool verbose;

static void check(const char *name, const char *syntax, json_t *got, json_t *want)
{
    g_cases++;
    if (same(got, want, 0)) {
        g_ok++;
        return;
    }
    if (verbose) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
        printf("FAIL %s (%s)\n  got  %.600s\n  want %.600s\n", name, syntax, g, w);
        free(g);
        free(w);
    }
}

/* extruct's own tests pass a base URL for two W3C samples. */
static const char *base_for(const char *html_path)
{
    if (tu_ends_with(html_path, "w3c/microdata.7.1.html"))
        return "http://blog.example.com/progress-report";
    if (tu_ends_with(html_path, "w3c/microdata.object.html"))
        return "http://www.example.com/microdata/test";
    return NULL;
}

static void run_case(const char *html_path, const char *exp_path, bool jsonld_file,
                     bool list_is_microdata)
{
    size_t len;
    char *body = tu_read(html_path, &len);
    char *exp = tu_read(exp_path, NULL);
    if (body == NULL || exp == NULL) {
        free(body);
        free(exp);
        return;
    }
    json_error_t je;
    json_t *want = json_loads(exp, JSON_DECODE_ANY, &je);
    json_t *jl = NULL, *md = NULL;
    sp_err err = {0};
    if (want == NULL || feed_html_extract(body, len, base_for(html_path), &jl, &md, &err) != SP_OK) {
        g_cases++;
        if (verbose)
            printf("FAIL %s: %s\n", html_path, want == NULL ? "bad expected JSON" : err.msg);
    } else if (json_is_object(want)) {
        json_t *wm = json_object_get(want, "microdata");
        json_t *wj = json_object_get(want, "json-ld");
        if (wm != NULL)
            check(html_path, "microdata", md, wm);
        if (wj != NULL)
            check(html_path, "json-ld", jl, wj);
    } else if (jsonld_file || list_is_microdata) {
        check(html_path, jsonld_file ? "json-ld" : "microdata", jsonld_file ? jl : md, want);
    }
    json_decref(want);
    json_decref(jl);
    json_decref(md);
    free(body);
    free(exp);
}

static void quiet(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

int main(int argc, char **argv)
{
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    xmlSetGenericErrorFunc(NULL, quiet);
    char *root = tu_conformance("extruct");
    if (root == NULL) {
        printf("extruct: skipped ($SIGNPOST_SHARED/conformance/extruct absent)\n");
        return 77;
    }
    static const char *const dirs[] = {"schema.org", "schema.org.invalid", "custom.invalid",
                                       "songkick",   "w3c",                "websites",
                                       "misc",       NULL};
    for (size_t d = 0; dirs[d]; d++) {
        char *dir = sp_printf("%s/%s", root, dirs[d]);
        size_t n;
        char **files = tu_list(dir, &n);
        for (size_t i = 0; i < n; i++) {
            bool is_ld = tu_ends_with(files[i], ".jsonld");
            if (!is_ld && !tu_ends_with(files[i], ".json"))
                continue;
            size_t stem = strlen(files[i]) - (is_ld ? 7 : 5);
            char *html = sp_printf("%.*s.html", (int)stem, files[i]);
            FILE *f = fopen(html, "rb");
            if (f != NULL) {
                fclose(f);
                run_case(html, files[i], is_ld, strcmp(dirs[d], "misc") != 0);
            }
            free(html);
        }
        tu_free_list(files, n);
        free(dir);
    }
    free(root);
    double pct = g_cases ? 100.0 * g_ok / g_cases : 0;
    printf("extruct: %d/%d cases match (%.1f%%)\n", g_ok, g_cases, pct);
    if (g_cases < 20) {
        printf("extruct: too few cases found\n");
        return 1;
    }
    if (pct < FLOOR) {
        printf("extruct: below the %.0f%% floor\n", FLOOR);
        return 1;
    }
    return 0;
}
