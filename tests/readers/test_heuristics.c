/*
 * test_heuristics.c - the HTML reader on the project's own pages
 * (data/html/NAME.html), each with its expectations in NAME.expect: a
 * council page read by heuristics, a charity page with a JSON-LD Service,
 * a page full of nav/aside/footer/script noise, a link listing (no record),
 * a hostile page (scripts in text, javascript:/data: links, broken
 * JSON-LD), and a microdata page with itemref.
 *
 * .expect lines ("#" comments): "url U" (the page's URL; first), then
 * checks on the output or on record 0 (or "rec N" to switch):
 *   records N | links N | title T | has-link U | has-feed U |
 *   no-link-containing S | name T | record-url U | local-id T |
 *   description-has S | description-lacks S | eligibility-has S |
 *   eligibility-lacks S | application-has S | postcode P | no-postcode |
 *   address A | coords LAT LON | phone N | no-phone N | email E | no-email |
 *   schedule-byday D | schedule-opens T | schedule-closes T | area A |
 *   term T | attribute V | org O | org-website U | cost-free yes |
 *   min-age N | max-age N
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "feed_int.h"
#include "util.h"

static int failures, checks;

static bool has(const char *hay, const char *needle)
{
    return hay != NULL && strstr(hay, needle) != NULL;
}

static bool any_phone(const rec_service *r, const char *num)
{
    for (size_t i = 0; i < r->n_phones; i++)
        if (strcmp(r->phones[i].number, num) == 0)
            return true;
    for (size_t i = 0; i < r->organization.n_phones; i++)
        if (strcmp(r->organization.phones[i].number, num) == 0)
            return true;
    for (size_t l = 0; l < r->n_locations; l++)
        for (size_t i = 0; i < r->locations[l].n_phones; i++)
            if (strcmp(r->locations[l].phones[i].number, num) == 0)
                return true;
    return false;
}

static const rec_address *first_address(const rec_service *r)
{
    for (size_t l = 0; l < r->n_locations; l++)
        if (r->locations[l].n_addresses > 0)
            return &r->locations[l].addresses[0];
    return NULL;
}

static bool check_line(const char *file, const char *key, const char *arg,
                       const feed_output *o, size_t rec)
{
    const rec_service *r = rec < o->n_recs ? &o->recs[rec] : NULL;
    const rec_address *a = r != NULL ? first_address(r) : NULL;
    const rec_schedule *s = r != NULL && r->n_schedules > 0 ? &r->schedules[0] : NULL;
    if (strcmp(key, "records") == 0)
        return o->n_recs == (size_t)atol(arg);
    if (strcmp(key, "links") == 0) {
        size_t pages = 0;
        for (size_t i = 0; i < o->n_links; i++)
            pages += o->links[i].kind == FEED_LINK_PAGE;
        return pages == (size_t)atol(arg);
    }
    if (strcmp(key, "title") == 0)
        return o->title != NULL && strcmp(o->title, arg) == 0;
    if (strcmp(key, "has-link") == 0 || strcmp(key, "has-feed") == 0) {
        feed_link_kind k = key[4] == 'l' ? FEED_LINK_PAGE : FEED_LINK_FEED;
        for (size_t i = 0; i < o->n_links; i++)
            if (o->links[i].kind == k && strcmp(o->links[i].url, arg) == 0)
                return true;
        return false;
    }
    if (strcmp(key, "no-link-containing") == 0) {
        for (size_t i = 0; i < o->n_links; i++)
            if (strstr(o->links[i].url, arg) != NULL)
                return false;
        return true;
    }
    if (r == NULL)
        return false;
    if (strcmp(key, "name") == 0)
        return r->name != NULL && strcmp(r->name, arg) == 0;
    if (strcmp(key, "record-url") == 0)
        return r->url != NULL && strcmp(r->url, arg) == 0;
    if (strcmp(key, "local-id") == 0)
        return r->prov.local_id != NULL && strcmp(r->prov.local_id, arg) == 0;
    if (strcmp(key, "description-has") == 0)
        return has(r->description, arg);
    if (strcmp(key, "description-lacks") == 0)
        return !has(r->description, arg) && !has(r->name, arg);
    if (strcmp(key, "eligibility-has") == 0)
        return has(r->eligibility_description, arg);
    if (strcmp(key, "eligibility-lacks") == 0)
        return !has(r->eligibility_description, arg);
    if (strcmp(key, "application-has") == 0)
        return has(r->application_process, arg);
    if (strcmp(key, "postcode") == 0)
        return a != NULL && a->postal_code != NULL && strcmp(a->postal_code, arg) == 0;
    if (strcmp(key, "no-postcode") == 0)
        return a == NULL;
    if (strcmp(key, "address") == 0)
        return a != NULL && has(a->address_1, arg);
    if (strcmp(key, "coords") == 0) {
        double lat, lon;
        if (sscanf(arg, "%lf %lf", &lat, &lon) != 2)
            return false;
        for (size_t l = 0; l < r->n_locations; l++)
            if (r->locations[l].has_coords && fabs(r->locations[l].latitude - lat) < 1e-6 &&
                fabs(r->locations[l].longitude - lon) < 1e-6)
                return true;
        return false;
    }
    if (strcmp(key, "phone") == 0)
        return any_phone(r, arg);
    if (strcmp(key, "no-phone") == 0)
        return !any_phone(r, arg);
    if (strcmp(key, "email") == 0)
        return (r->email != NULL && strcmp(r->email, arg) == 0) ||
               (r->organization.email != NULL && strcmp(r->organization.email, arg) == 0);
    if (strcmp(key, "no-email") == 0)
        return r->email == NULL;
    if (strcmp(key, "schedule-byday") == 0)
        return s != NULL && s->byday != NULL && strcmp(s->byday, arg) == 0;
    if (strcmp(key, "schedule-opens") == 0)
        return s != NULL && s->opens_at != NULL && strcmp(s->opens_at, arg) == 0;
    if (strcmp(key, "schedule-closes") == 0)
        return s != NULL && s->closes_at != NULL && strcmp(s->closes_at, arg) == 0;
    if (strcmp(key, "min-age") == 0)
        return r->minimum_age == atof(arg);
    if (strcmp(key, "max-age") == 0)
        return r->maximum_age == atof(arg);
    if (strcmp(key, "area") == 0) {
        for (size_t i = 0; i < r->n_service_areas; i++)
            if (strcmp(r->service_areas[i].name, arg) == 0)
                return true;
        return false;
    }
    if (strcmp(key, "term") == 0) {
        for (size_t i = 0; i < r->n_taxonomy_terms; i++)
            if (strcmp(r->taxonomy_terms[i].name, arg) == 0 &&
                r->taxonomy_terms[i].taxonomy != NULL &&
                strcmp(r->taxonomy_terms[i].taxonomy, "schema.org") == 0)
                return true;
        return false;
    }
    if (strcmp(key, "attribute") == 0) {
        for (size_t i = 0; i < r->n_attributes; i++)
            if (r->attributes[i].value != NULL && strcmp(r->attributes[i].value, arg) == 0)
                return true;
        return false;
    }
    if (strcmp(key, "org") == 0)
        return r->organization.name != NULL && strcmp(r->organization.name, arg) == 0;
    if (strcmp(key, "org-website") == 0)
        return r->organization.website != NULL && strcmp(r->organization.website, arg) == 0;
    if (strcmp(key, "cost-free") == 0) {
        bool amount0 = false;
        for (size_t i = 0; i < r->n_cost_options; i++)
            amount0 = amount0 || (r->cost_options[i].has_amount && r->cost_options[i].amount == 0);
        return amount0 && rec_tags_has(&r->costs, "free");
    }
    printf("FAIL %s: unknown check \"%s\"\n", file, key);
    return false;
}

static void dump(const feed_output *o)
{
    for (size_t i = 0; i < o->n_recs; i++) {
        char *j = rec_to_json_string(&o->recs[i]);
        printf("  record %zu: %.3000s\n", i, j);
        free(j);
    }
    for (size_t i = 0; i < o->n_links; i++)
        printf("  link %d %s\n", (int)o->links[i].kind, o->links[i].url);
}

static void quiet(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

int main(int argc, char **argv)
{
    bool verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    xmlSetGenericErrorFunc(NULL, quiet);
    const char *src = getenv("SIGNPOST_SOURCE");
    char *dir = sp_printf("%s/tests/readers/data/html", src != NULL ? src : ".");
    size_t n;
    char **files = tu_list(dir, &n);
    int pages = 0;
    for (size_t f = 0; f < n; f++) {
        if (!tu_ends_with(files[f], ".expect"))
            continue;
        pages++;
        char *expect = tu_read(files[f], NULL);
        char *html_path = sp_printf("%.*s.html", (int)(strlen(files[f]) - 7), files[f]);
        size_t len;
        char *html = tu_read(html_path, &len);
        if (expect == NULL || html == NULL) {
            printf("FAIL %s: cannot read\n", html_path);
            failures++;
            free(expect);
            free(html);
            free(html_path);
            continue;
        }
        feed_output o;
        feed_output_init(&o);
        bool read = false;
        size_t rec = 0;
        int before = failures;
        char *save = NULL;
        for (char *line = strtok_r(expect, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
            if (line[0] == '#' || line[0] == '\0')
                continue;
            char *sp = strchr(line, ' ');
            const char *arg = sp != NULL ? sp + 1 : "";
            if (sp != NULL)
                *sp = '\0';
            if (strcmp(line, "url") == 0 && !read) {
                sp_err err = {0};
                int rc = feed_read_html(html, len, arg, "text/html; charset=utf-8", &o, &err);
                checks++;
                if (rc != SP_OK) {
                    printf("FAIL %s: %s %s\n", html_path, sp_code_name(rc), err.msg);
                    failures++;
                }
                read = true;
                continue;
            }
            if (strcmp(line, "rec") == 0) {
                rec = (size_t)atol(arg);
                continue;
            }
            checks++;
            if (!check_line(html_path, line, arg, &o, rec)) {
                printf("FAIL %s: %s %s\n", html_path, line, arg);
                failures++;
            }
        }
        if (verbose || failures > before)
            dump(&o);
        feed_output_free(&o);
        free(expect);
        free(html);
        free(html_path);
    }
    tu_free_list(files, n);
    free(dir);
    printf("heuristics: %d pages, %d/%d checks pass\n", pages, checks - failures, checks);
    return failures || pages == 0 ? 1 : 0;
}
