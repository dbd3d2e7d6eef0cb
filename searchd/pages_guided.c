/*
 * pages_guided.c - GET /guided: a short, optional question path for
 * jobseekers who do not know what to type: what they want help with,
 * where, their age band and their situation.  It is one short form (four
 * fieldsets, every question optional) that sends a normal search to /, so
 * each answer arrives as an ordinary filter the results page shows as a
 * removable chip.  One form rather than one question per screen: it needs
 * no JavaScript and no state between pages, costs one request on a slow
 * phone, and a person sees at once that there are only four questions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

/* One answer of a question: the parameter's value and its words. */
typedef struct {
    const char *value, *key;
} choice;

/* What a person may want help with: category slug and the plain words. */
static const choice wants[] = {
    {"employment-support", "guided.what.job"},
    {"cv-and-applications", "guided.what.cv"},
    {"interview-preparation", "guided.what.interview"},
    {"esol", "guided.what.english"},
    {"skills-training", "guided.what.training"},
    {"work-experience", "guided.what.experience"},
    {"self-employment", "guided.what.business"},
    {"money-advice", "guided.what.money"},
    {"wellbeing", "guided.what.confidence"},
};

/* Age bands: the band's youngest age is the filter (a service that takes
 * that age), as the age facet's steps (IDX_AGE_STEPS). */
static const choice bands[] = {
    {"16", "guided.age.16"}, {"18", "guided.age.18"}, {"25", "guided.age.25"},
    {"50", "guided.age.50"}, {"66", "guided.age.66"},
};

/* Situations: each one parameter of the search. */
static const struct {
    const char *param, *value, *key;
} situations[] = {
    {"status", "unemployed", "guided.sit.unemployed"},
    {"benefits", "universal-credit", "guided.sit.uc"},
    {"group", "care-leavers", "guided.sit.care"},
    {"group", "disabled", "guided.sit.disabled"},
    {"group", "refugees-asylum", "guided.sit.refugee"},
    {"group", "lone-parents", "guided.sit.lone_parent"},
};

static void radio(pg *p, const char *name, const char *value, const char *id, const char *key,
                  bool checked)
{
    pg_raw(p, "<li><input type=\"radio\" name=\"");
    pg_text(p, name);
    pg_raw(p, "\" value=\"");
    pg_text(p, value);
    pg_raw(p, "\" id=\"");
    pg_text(p, id);
    pg_raw_if(p, checked, "\" checked><label for=\"", "\"><label for=\"");
    pg_text(p, id);
    pg_raw(p, "\">");
    pg_t(p, key);
    pg_raw(p, "</label></li>");
}

/* A question's radio buttons: one per choice (id PREFIX-VALUE), then the
 * checked answer that leaves the parameter out; closes the fieldset. */
static void radio_list(pg *p, const char *name, const char *prefix, const choice *c, size_t n,
                       const char *none_id, const char *none_key)
{
    pg_raw(p, "<ul class=\"cbs\">");
    for (size_t i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof id, "%s-%s", prefix, c[i].value);
        radio(p, name, c[i].value, id, c[i].key, false);
    }
    radio(p, name, "", none_id, none_key, true);
    pg_raw(p, "</ul></fieldset>");
}

static void legend(pg *p, const char *key, const char *hint_key, const char *hint_id)
{
    pg_raw(p, "<fieldset class=\"q\"");
    if (hint_id) {
        pg_raw(p, " aria-describedby=\"");
        pg_text(p, hint_id);
        pg_raw(p, "\"");
    }
    pg_raw(p, "><legend>");
    pg_t(p, key);
    pg_raw(p, "</legend>");
    if (hint_key) {
        pg_raw(p, "<p class=\"hint\" id=\"");
        pg_text(p, hint_id);
        pg_raw(p, "\">");
        pg_t(p, hint_key);
        pg_raw(p, "</p>");
    }
}

static int cmp_name(const void *a, const void *b)
{
    const vocab_borough *x = *(const vocab_borough *const *)a;
    const vocab_borough *y = *(const vocab_borough *const *)b;
    return strcmp(x->name, y->name);
}

static void put_boroughs(pg *p)
{
    static const char *const subregions[] = {"central-london-forward", "local-london",
                                             "south-london-partnership",
                                             "west-london-alliance"};
    const vocab_borough *all[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof subregions / sizeof subregions[0]; i++)
        n += vocab_subregion_boroughs(p->v, subregions[i], all + n, 64 - n);
    qsort(all, n, sizeof all[0], cmp_name);
    pg_raw(p, "<div class=\"field\"><label for=\"g-borough\">");
    pg_t(p, "guided.where.borough");
    pg_raw(p, "</label><select id=\"g-borough\" name=\"borough\"><option value=\"\">");
    pg_t(p, "guided.where.anywhere");
    pg_raw(p, "</option>");
    for (size_t i = 0; i < n; i++) {
        pg_raw(p, "<option value=\"");
        pg_text(p, all[i]->slug);
        pg_raw(p, "\">");
        pg_text(p, all[i]->name);
        pg_raw(p, "</option>");
    }
    pg_raw(p, "</select></div>");
}

enum MHD_Result sd_page_guided(sd_req *r, const char *rest)
{
    (void)rest;
    pg p;
    pg_init(&p, r);
    pg_head(&p, "guided.title", NULL, NULL);
    pg_raw(&p, "<h1>");
    pg_t(&p, "guided.h1");
    pg_raw(&p, "</h1><p class=\"lead\">");
    pg_t(&p, "guided.lead");
    pg_raw(&p, "</p><form class=\"guided\" method=\"get\" action=\"/\">");
    const char *lang = pg_get(&p, "lang");
    if (lang && html_lang_get(p.web_dir, lang)) {
        pg_raw(&p, "<input type=\"hidden\" name=\"lang\" value=\"");
        pg_text(&p, lang);
        pg_raw(&p, "\">");
    }

    legend(&p, "guided.what", NULL, NULL);
    radio_list(&p, "category", "g-what", wants, sizeof wants / sizeof wants[0], "g-what-any",
               "guided.what.any");

    legend(&p, "guided.where", "guided.where_hint", "g-where-hint");
    put_boroughs(&p);
    pg_raw(&p, "<div class=\"field\"><label for=\"g-near\">");
    pg_t(&p, "guided.where.postcode");
    pg_raw(&p, "</label><input type=\"text\" id=\"g-near\" name=\"near\" maxlength=\"10\" "
               "autocomplete=\"postal-code\" class=\"short\"></div></fieldset>");

    legend(&p, "guided.age", "guided.age_hint", "g-age-hint");
    radio_list(&p, "age", "g-age", bands, sizeof bands / sizeof bands[0], "g-age-none",
               "guided.age.none");

    legend(&p, "guided.sit", "guided.sit_hint", "g-sit-hint");
    pg_raw(&p, "<ul class=\"cbs\">");
    for (size_t i = 0; i < sizeof situations / sizeof situations[0]; i++) {
        char id[64];
        snprintf(id, sizeof id, "g-sit-%s", situations[i].value);
        pg_raw(&p, "<li><input type=\"checkbox\" name=\"");
        pg_text(&p, situations[i].param);
        pg_raw(&p, "\" value=\"");
        pg_text(&p, situations[i].value);
        pg_raw(&p, "\" id=\"");
        pg_text(&p, id);
        pg_raw(&p, "\"><label for=\"");
        pg_text(&p, id);
        pg_raw(&p, "\">");
        pg_t(&p, situations[i].key);
        pg_raw(&p, "</label></li>");
    }
    pg_fmt(&p,
           "</ul></fieldset><button type=\"submit\" class=\"btn\">%pT</button></form>"
           "<p><a href=\"/\">%pT</a></p>",
           html_t(p.L, "guided.go"), html_t(p.L, "guided.back"));
    pg_foot(&p);
    return pg_reply(&p, MHD_HTTP_OK);
}
