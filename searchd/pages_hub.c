/*
 * pages_hub.c - the /hub dashboard for London's Integration Hubs:
 * provision for one priority group (and optionally a category) on a tile
 * map of the 33 boroughs, the borough x group matrix, duplicated provision
 * (overlap clusters with the services side by side), gaps, duplicate
 * records, stale records and source health.  Server-rendered with the
 * portal's page helpers (pages.h), no script needed; every number is
 * written out, so nothing is said by colour alone.  The reports come from
 * indexer/hub.h, the same as /api/v1/hub/..., and each section links to its
 * CSV.  The page is for hub staff and is in English only: it needs the
 * viewer role (or --hub-public), and shows signed-in editors "same / not
 * the same" buttons on each duplicate pair: no-JS forms that POST to
 * /api/v1/hub/decisions with the session's CSRF token (sd_auth.c), which
 * answers with a redirect back here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "pages.h"

#define HUB_PAGE_OVERLAPS 15
#define HUB_PAGE_ROWS 50

/* One tile per borough in its rough place (row, column) on an 8 x 7 grid,
 * after the usual "London squared" layout; hub.css places .t-R-C. */
static const struct {
    const char *slug, *abbr;
    int row, col;
} tiles[] = {
    {"enfield", "Enf", 1, 5},
    {"harrow", "Hrw", 2, 3}, {"barnet", "Brn", 2, 4}, {"haringey", "Hgy", 2, 5},
    {"waltham-forest", "WF", 2, 6},
    {"hillingdon", "Hil", 3, 1}, {"ealing", "Eal", 3, 2}, {"brent", "Bre", 3, 3},
    {"camden", "Cam", 3, 4}, {"islington", "Isl", 3, 5}, {"hackney", "Hck", 3, 6},
    {"redbridge", "Red", 3, 7}, {"havering", "Hav", 3, 8},
    {"hounslow", "Hns", 4, 1}, {"hammersmith-and-fulham", "H&F", 4, 2},
    {"kensington-and-chelsea", "K&C", 4, 3}, {"westminster", "Wst", 4, 4},
    {"city-of-london", "City", 4, 5}, {"tower-hamlets", "TH", 4, 6}, {"newham", "New", 4, 7},
    {"barking-and-dagenham", "B&D", 4, 8},
    {"richmond-upon-thames", "Rch", 5, 2}, {"wandsworth", "Wns", 5, 3}, {"lambeth", "Lam", 5, 4},
    {"southwark", "Sth", 5, 5}, {"lewisham", "Lew", 5, 6}, {"greenwich", "Gre", 5, 7},
    {"bexley", "Bex", 5, 8},
    {"kingston-upon-thames", "Kng", 6, 3}, {"merton", "Mer", 6, 4}, {"croydon", "Cro", 6, 5},
    {"bromley", "Brm", 6, 6},
    {"sutton", "Sut", 7, 4},
};

static const char *label(pg *p, const char *field, const char *slug)
{
    const char *l = slug ? vocab_label(p->v, field, slug) : NULL;
    return l ? l : slug ? slug : "";
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long jint(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* Colour step of a count: 0, 1, 2-3, 4-7, 8+. */
static int step(long long n)
{
    return n <= 0 ? 0 : n == 1 ? 1 : n < 4 ? 2 : n < 8 ? 3 : 4;
}

/* A link to a report's CSV with the page's filters. */
static void csv_link(pg *p, const char *report, const hub_filter *f, const char *what)
{
    sp_buf u = {0};
    sp_buf_printf(&u, "/api/v1/hub/%s?", report);
    html_query_add(&u, "format", "csv");
    if (f->subregion)
        html_query_add(&u, "subregion", f->subregion);
    if (f->group && strcmp(report, "sources") && strcmp(report, "stale") && strcmp(report, "duplicates"))
        html_query_add(&u, "group", f->group);
    if (f->category && strcmp(report, "sources") && strcmp(report, "stale") &&
        strcmp(report, "duplicates"))
        html_query_add(&u, "category", f->category);
    pg_raw(p, "<p class=\"csv\"><a href=\"");
    pg_href(p, sp_buf_cstr(&u));
    pg_raw(p, "\" download>Download ");
    pg_text(p, what);
    pg_raw(p, " (CSV)</a></p>");
    sp_buf_free(&u);
}

/* A section's end: the link to its report's CSV, then </section>. */
static void section_end(pg *p, const char *report, const hub_filter *f, const char *what)
{
    csv_link(p, report, f, what);
    pg_raw(p, "</section>");
}

static void select_field(pg *p, const char *name, const char *field, const char *title,
                         const char *current, const char *any, bool priority_first)
{
    size_t n = 0;
    const char *const *slugs = vocab_slugs(p->v, field, &n);
    pg_fmt(p, "<div class=\"field\"><label for=\"hub-%pA\">", name);
    pg_text(p, title);
    pg_fmt(p, "</label><select id=\"hub-%pA\" name=\"%pA\">", name, name);
    if (any) {
        pg_raw(p, "<option value=\"\">");
        pg_text(p, any);
        pg_raw(p, "</option>");
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            bool pri = priority_first && vocab_group_priority(p->v, slugs[i]);
            if (priority_first && (pass == 0) != pri)
                continue;
            if (!priority_first && pass == 1)
                continue;
            pg_raw(p, "<option value=\"");
            pg_text(p, slugs[i]);
            pg_raw_if(p, current && !strcmp(current, slugs[i]), "\" selected>", "\">");
            const char *parent = !strcmp(field, "category")
                                     ? vocab_category_parent(p->v, slugs[i])
                                     : NULL;
            if (parent && strcmp(parent, slugs[i]))
                pg_raw(p, "&nbsp;&nbsp;");
            pg_text(p, label(p, field, slugs[i]));
            pg_raw(p, "</option>");
        }
    pg_raw(p, "</select></div>");
}

static void put_form(pg *p, const hub_filter *f)
{
    pg_raw(p, "<form class=\"hubform\" method=\"get\" action=\"/hub\">");
    select_field(p, "group", "group", "Priority group", f->group, NULL, true);
    select_field(p, "category", "category", "Category", f->category, "Any category", false);
    select_field(p, "subregion", "subregion", "Sub-region", f->subregion, "All of London", false);
    pg_raw(p, "<div class=\"field\"><button type=\"submit\">Show</button></div></form>");
}

/* A table's opening up to its head row's last heading: the caption and
 * the column headings (up to the first NULL); the caller closes the row
 * ("</tr></thead><tbody>") after any headings of its own. */
static void table_open(pg *p, const char *cls, const char *caption, const char *const cols[])
{
    if (cls)
        pg_fmt(p, "<table class=\"%pA\">", cls);
    else
        pg_raw(p, "<table>");
    pg_fmt(p, "<caption>%pT</caption><thead><tr>", caption);
    for (size_t i = 0; cols[i]; i++)
        pg_fmt(p, "<th scope=\"col\">%pT</th>", cols[i]);
}

/* A row's heading cell, opening the row. */
static void row_head(pg *p, const char *text)
{
    pg_fmt(p, "<tr><th scope=\"row\">%pT</th>", text);
}

/* The priority groups' column headings of a borough x group table, and
 * the end of its head. */
static void group_heads(pg *p, const char *const *pri, size_t np)
{
    for (size_t g = 0; g < np; g++)
        pg_fmt(p, "<th scope=\"col\">%pT</th>", label(p, "group", pri[g]));
    pg_raw(p, "</tr></thead><tbody>");
}

/* The rows of a borough x group table from hub_coverage's rows (sorted
 * by borough): a row per borough, a cell per priority group by cell(). */
static void borough_rows(pg *p, const json_t *rows, void (*cell)(pg *p, const json_t *row))
{
    const char *cur = NULL;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!json_is_true(json_object_get(row, "priority")))
            continue;
        const char *b = jstr(row, "borough");
        if (!cur || strcmp(cur, b)) {
            if (cur)
                pg_raw(p, "</tr>");
            row_head(p, label(p, "borough", b));
            cur = b;
        }
        cell(p, row);
    }
    if (cur)
        pg_raw(p, "</tr>");
}

static void put_map(pg *p, const json_t *cov, const hub_filter *f)
{
    const json_t *map = json_object_get(cov, "map");
    pg_raw(p, "<section aria-labelledby=\"h-map\"><h2 id=\"h-map\">Provision by borough</h2>"
              "<p>Distinct services (a service listed by several sources counts once) for ");
    pg_text(p, label(p, "group", f->group));
    if (f->category) {
        pg_raw(p, " in ");
        pg_text(p, label(p, "category", f->category));
    }
    pg_raw(p, ", including London-wide and online services. Each square is a borough in its "
              "rough place on the map.</p><ol class=\"tilemap\">");
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++) {
        const json_t *v = json_object_get(map, tiles[i].slug);
        bool in_scope = v != NULL;
        long long n = in_scope ? (long long)json_integer_value(v) : 0;
        static const char *const shade[] = {"s0", "s1", "s2", "s3", "s4"};
        pg_fmt(p, "<li class=\"tile t-%d-%d %pA\">", tiles[i].row, tiles[i].col,
               in_scope ? shade[step(n)] : "out");
        pg_raw(p, "<abbr title=\"");
        pg_text(p, label(p, "borough", tiles[i].slug));
        pg_raw(p, "\">");
        pg_text(p, tiles[i].abbr);
        pg_raw(p, "</abbr><span class=\"vh\"> ");
        pg_text(p, label(p, "borough", tiles[i].slug));
        pg_raw(p, ":</span> <span class=\"num\">");
        if (in_scope)
            pg_fmt(p, "%lld", n);
        else
            pg_raw(p, "–<span class=\"vh\"> not in the chosen sub-region</span>");
        pg_raw(p, "</span></li>");
    }
    pg_raw(p, "</ol><p class=\"legend\">Shade: <span class=\"key s0\">0</span> "
              "<span class=\"key s1\">1</span> <span class=\"key s2\">2–3</span> "
              "<span class=\"key s3\">4–7</span> <span class=\"key s4\">8 or more</span></p>");
    section_end(p, "coverage", f, "coverage");
}

static size_t priority_groups(pg *p, const char *pri[16]);

/* A cell of the matrix: the services, shaded by their number. */
static void matrix_cell(pg *p, const json_t *row)
{
    long long n = jint(row, "services");
    pg_fmt(p, "<td class=\"s%d\">%lld</td>", step(n), n);
}

static void put_matrix(pg *p, const hub *h, const hub_filter *f)
{
    const char *pri[16];
    size_t np = priority_groups(p, pri);
    pg_raw(p, "<section aria-labelledby=\"h-matrix\"><h2 id=\"h-matrix\">Boroughs and priority "
              "groups</h2><div class=\"scroll\" tabindex=\"0\" role=\"region\" "
              "aria-labelledby=\"h-matrix\"><table class=\"matrix\"><caption>Distinct services "
              "per borough and priority group");
    if (f->category) {
        pg_raw(p, " in ");
        pg_text(p, label(p, "category", f->category));
    }
    pg_raw(p, " (0 is a gap)</caption><thead><tr><th scope=\"col\">Borough</th>");
    group_heads(p, pri, np);
    hub_filter one = *f;
    one.group = NULL;
    one.limit = HUB_MAX_LIMIT;
    json_t *cov = hub_coverage(h, &one, NULL);
    borough_rows(p, json_object_get(cov, "rows"), matrix_cell);
    pg_raw(p, "</tbody></table></div></section>");
    json_decref(cov);
}

static void put_service_cell(pg *p, const json_t *svc)
{
    pg_fmt(p, "<td><a href=\"/services/%pA\">%pT</a></td>", jstr(svc, "id"),
           json_string_value(json_object_get(svc, "name")) ? jstr(svc, "name") : jstr(svc, "id"));
}

static void put_overlaps(pg *p, const hub *h, const hub_filter *f)
{
    hub_filter o = *f;
    o.limit = HUB_PAGE_OVERLAPS;
    json_t *ov = hub_overlaps(h, &o, NULL);
    pg_raw(p, "<section aria-labelledby=\"h-ov\"><h2 id=\"h-ov\">Duplicated provision</h2>"
              "<p>Different services for the same group, in the same borough and category, "
              "scored by how much they overlap (area, group, category, eligibility, "
              "description, schedule, funder; 1 is complete overlap).</p>");
    pg_fmt(p, "<p>%lld overlapping sets; the %zu strongest:</p>", jint(ov, "total"),
           json_array_size(json_object_get(ov, "rows")));
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(ov, "rows"), i, row)
    {
        const json_t *svcs = json_object_get(row, "services");
        pg_raw(p, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Overlap ");
        pg_fmt(p, "%zu", i + 1);
        pg_raw(p, "\"><table class=\"side\"><caption>");
        pg_text(p, label(p, "borough", jstr(row, "borough")));
        pg_raw(p, " · ");
        pg_text(p, label(p, "group", jstr(row, "group")));
        pg_raw(p, " · ");
        pg_text(p, label(p, "category", jstr(row, "category")));
        pg_fmt(p, " — overlap %.2f</caption><tbody><tr><th scope=\"row\">Service</th>",
               json_real_value(json_object_get(row, "score")));
        size_t k;
        json_t *s;
        json_array_foreach(svcs, k, s) put_service_cell(p, s);
        static const char *const facts[][2] = {{"organization", "Organisation"},
                                               {"source", "Listed by"},
                                               {"url", "Website"}};
        for (size_t fi = 0; fi < 3; fi++) {
            pg_raw(p, "</tr><tr><th scope=\"row\">");
            pg_text(p, facts[fi][1]);
            pg_raw(p, "</th>");
            json_array_foreach(svcs, k, s)
            {
                pg_raw(p, "<td>");
                pg_text(p, jstr(s, facts[fi][0]));
                pg_raw(p, "</td>");
            }
        }
        pg_raw(p, "</tr><tr><th scope=\"row\">Sources</th>");
        json_array_foreach(svcs, k, s) pg_fmt(p, "<td>%lld</td>", jint(s, "sources"));
        pg_raw(p, "</tr></tbody></table></div>");
    }
    section_end(p, "overlaps", f, "all overlaps");
    json_decref(ov);
}

/* A table's own scrolling box: on a phone a wide table scrolls inside it,
 * not the whole page; focusable and named so a keyboard can scroll it. */
static void scroll_open(pg *p, const char *labelled_by)
{
    pg_fmt(p, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"%pA\">",
           labelled_by);
}

/* The priority groups, in the vocabulary's order (at most 16). */
static size_t priority_groups(pg *p, const char *pri[16])
{
    size_t ng = 0, np = 0;
    const char *const *groups = vocab_slugs(p->v, "group", &ng);
    for (size_t i = 0; i < ng && np < 16; i++)
        if (vocab_group_priority(p->v, groups[i]))
            pri[np++] = groups[i];
    return np;
}

/* A cell of the gap matrix: the services based in the borough, or the
 * gap. */
static void gap_cell(pg *p, const json_t *row)
{
    long long local = jint(row, "local"), wide = jint(row, "london_wide");
    if (jint(row, "services") == 0)
        pg_raw(p, "<td class=\"gap none\">none</td>");
    else if (local == 0)
        pg_fmt(p, "<td class=\"gap\">no local (%lld)</td>", wide);
    else
        pg_fmt(p, "<td>%lld</td>", local);
}

/* Gaps for every priority group at once: borough x group, each cell the
 * services based in the borough, or the gap ("none", or "no local" with
 * the London-wide count), and each group's number of gaps. */
static void put_gap_matrix(pg *p, const hub *h, const hub_filter *f)
{
    const char *pri[16];
    size_t np = priority_groups(p, pri);
    hub_filter all = *f;
    all.group = NULL;
    all.limit = HUB_MAX_LIMIT;
    json_t *cov = hub_coverage(h, &all, NULL);
    const json_t *rows = json_object_get(cov, "rows");
    size_t gaps[16] = {0}, cells = 0, total = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (size_t g = 0; g < np; g++)
            if (!strcmp(jstr(row, "group"), pri[g])) {
                cells++;
                if (jint(row, "local") == 0) {
                    gaps[g]++;
                    total++;
                }
            }
    }
    pg_fmt(p, "<h3 id=\"h-gapm\">Every priority group</h3><p>%zu of %zu borough and group "
              "pairs", total, cells);
    if (f->subregion) {
        pg_raw(p, " in ");
        pg_text(p, label(p, "subregion", f->subregion));
    }
    if (f->category) {
        pg_raw(p, " (");
        pg_text(p, label(p, "category", f->category));
        pg_raw(p, ")");
    }
    pg_raw(p, " have no provision based in the borough. Each cell gives the services based in "
              "the borough, or the gap: <q>none</q> (nothing at all) or <q>no local</q> with "
              "the number of London-wide or online services.</p>");
    scroll_open(p, "h-gapm");
    table_open(p, "gapm", "Gaps by borough and priority group", (const char *const[]){"Borough", NULL});
    group_heads(p, pri, np);
    borough_rows(p, rows, gap_cell);
    pg_raw(p, "</tbody><tfoot><tr><th scope=\"row\">Gaps</th>");
    for (size_t g = 0; g < np; g++)
        pg_fmt(p, "<td>%zu</td>", gaps[g]);
    pg_raw(p, "</tr></tfoot></table></div>");
    hub_filter csv = *f;
    csv.group = NULL;
    csv_link(p, "gaps", &csv, "gaps for every group");
    json_decref(cov);
}

static void put_gaps(pg *p, const hub *h, const hub_filter *f)
{
    hub_filter g = *f;
    g.limit = HUB_PAGE_ROWS;
    json_t *gaps = hub_gaps(h, &g, NULL);
    pg_raw(p, "<section aria-labelledby=\"h-gaps\"><h2 id=\"h-gaps\">Gaps</h2>");
    put_gap_matrix(p, h, f);
    pg_raw(p, "<h3 id=\"h-gap1\">");
    pg_text(p, label(p, "group", f->group));
    pg_raw(p, "</h3><p>Boroughs with no provision at all (<q>none</q>), or only London-wide or "
              "online provision (<q>no local</q>), with the nearest borough that has local "
              "provision.</p>");
    const json_t *rows = json_object_get(gaps, "rows");
    if (!json_array_size(rows)) {
        pg_raw(p, "<p>No gaps for this group: every borough in view has provision based "
                  "there.</p>");
    } else {
        scroll_open(p, "h-gap1");
        table_open(p, NULL, "Gaps for this group",
                   (const char *const[]){"Borough", "Gap", "London-wide services",
                                         "Nearest local provision", NULL});
        pg_raw(p, "</tr></thead><tbody>");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            row_head(p, label(p, "borough", jstr(row, "borough")));
            pg_fmt(p, "<td>%pT", !strcmp(jstr(row, "kind"), "none") ? "none" : "no local");
            pg_fmt(p, "</td><td>%lld</td><td>", jint(row, "london_wide"));
            const char *near = json_string_value(json_object_get(row, "nearest_borough"));
            if (near) {
                pg_text(p, label(p, "borough", near));
                pg_fmt(p, " (%.1f km)", json_real_value(json_object_get(row, "nearest_km")));
            } else {
                pg_raw(p, "none in London");
            }
            pg_raw(p, "</td></tr>");
        }
        pg_raw(p, "</tbody></table></div>");
    }
    section_end(p, "gaps", f, "gaps for this group");
    json_decref(gaps);
}

/* One decision button: a form with the pair, the verdict and the CSRF
 * token; the button's accessible name says which pair it is about. */
static void decide_button(pg *p, const char *csrf, const char *a, const char *b,
                          const char *verdict, const char *text, const char *name)
{
    pg_raw(p, "<form class=\"decide\" data-inplace method=\"post\" action=\"/api/v1/hub/decisions\">"
              "<input type=\"hidden\" name=\"csrf\" value=\"");
    pg_text(p, csrf);
    pg_raw(p, "\"><input type=\"hidden\" name=\"a\" value=\"");
    pg_text(p, a);
    pg_raw(p, "\"><input type=\"hidden\" name=\"b\" value=\"");
    pg_text(p, b);
    pg_raw(p, "\"><input type=\"hidden\" name=\"decision\" value=\"");
    pg_text(p, verdict);
    pg_raw(p, "\"><button type=\"submit\">");
    pg_text(p, text);
    pg_raw(p, "<span class=\"vh\">: ");
    pg_text(p, name);
    pg_raw(p, "</span></button></form>");
}

/* The buttons for a cluster's strongest link (its two record ids). */
static void put_decide(pg *p, const char *csrf, const json_t *row)
{
    const json_t *l0 = json_array_get(json_object_get(row, "links"), 0);
    const char *a = json_string_value(json_object_get(l0, "a"));
    const char *b = json_string_value(json_object_get(l0, "b"));
    if (!a || !b) {
        const json_t *recs = json_object_get(row, "records");
        a = jstr(json_array_get(recs, 0), "id");
        b = jstr(json_array_get(recs, 1), "id");
    }
    if (!*a || !*b)
        return;
    decide_button(p, csrf, a, b, "not-same", "Not the same", jstr(row, "name"));
    decide_button(p, csrf, a, b, "same", "Same service", jstr(row, "name"));
}

static void put_duplicates(pg *p, const hub *h, const hub_filter *f)
{
    const auth_who *who = sd_auth_who(p->r);
    bool editor = who->role >= AUTH_EDITOR && p->r->session[0];
    char csrf[AUTH_SECRET_LEN + 1] = "";
    if (editor)
        auth_csrf(p->r->session, csrf);
    hub_filter d = *f;
    d.group = d.category = NULL;
    d.limit = HUB_PAGE_ROWS;
    json_t *dups = hub_duplicates(h, &d, NULL);
    pg_fmt(p, "<section aria-labelledby=\"h-dup\"><h2 id=\"h-dup\">Duplicate records</h2>"
              "<p>%lld services are listed by more than one source. Each link has its "
              "evidence in the CSV and in <a href=\"/api/v1/hub/duplicates\">the API</a>; "
              "an editor can mark a pair <q>not the same</q> or <q>the same</q> here or "
              "with <code>POST /api/v1/hub/decisions</code>. Decisions apply from the "
              "indexer's next run.</p>",
           jint(dups, "total"));
    const json_t *rows = json_object_get(dups, "rows");
    if (json_array_size(rows)) {
        scroll_open(p, "h-dup");
        table_open(p, NULL, "Services listed more than once",
                   (const char *const[]){"Service", "Records", "Sources",
                                         "Why we think they are the same",
                                         editor ? "Decision" : NULL, NULL});
        pg_raw(p, "</tr></thead><tbody>");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            const json_t *recs = json_object_get(row, "records");
            pg_fmt(p, "<tr><th scope=\"row\"><a href=\"/services/%pA\">%pT",
                   jstr(json_array_get(recs, 0), "id"), jstr(row, "name"));
            pg_fmt(p, "</a></th><td>%lld</td><td>", jint(row, "size"));
            size_t k;
            json_t *src;
            json_array_foreach(json_object_get(row, "sources"), k, src)
            {
                if (k)
                    pg_raw(p, ", ");
                pg_text(p, json_string_value(src));
            }
            pg_raw(p, "</td><td>");
            pg_text(p, jstr(row, "link_reasons"));
            pg_raw(p, "</td>");
            if (editor) {
                pg_raw(p, "<td>");
                put_decide(p, csrf, row);
                pg_raw(p, "</td>");
            }
            pg_raw(p, "</tr>");
        }
        pg_raw(p, "</tbody></table></div>");
    }
    section_end(p, "duplicates", f, "duplicate clusters");
    json_decref(dups);
}

/* f for every group and category: the stale and source reports are about
 * the records and the crawl, not a need. */
static hub_filter every_group(const hub_filter *f)
{
    hub_filter s = *f;
    s.group = s.category = NULL;
    return s;
}

static void put_stale(pg *p, const hub *h, const hub_filter *f)
{
    hub_filter s = every_group(f);
    s.limit = HUB_PAGE_ROWS;
    json_t *st = hub_stale(h, &s, NULL);
    pg_fmt(p, "<section aria-labelledby=\"h-stale\"><h2 id=\"h-stale\">Stale records</h2>"
              "<p>%lld records not seen, not changed or not updated by the provider for "
              "%lld days or more.</p>",
           jint(st, "total"), jint(st, "days"));
    const json_t *rows = json_object_get(st, "rows");
    if (json_array_size(rows)) {
        scroll_open(p, "h-stale");
        table_open(p, NULL, "Stale records",
                   (const char *const[]){"Service", "Organisation", "Source",
                                         "Last updated by the provider", "Days", NULL});
        pg_raw(p, "</tr></thead><tbody>");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            pg_fmt(p, "<tr><th scope=\"row\"><a href=\"/services/%pA\">%pT", jstr(row, "id"),
                   jstr(row, "name"));
            pg_raw(p, "</a></th><td>");
            pg_text(p, jstr(row, "organization"));
            pg_raw(p, "</td><td>");
            pg_text(p, jstr(row, "source"));
            pg_raw(p, "</td><td>");
            pg_text(p, jstr(row, "last_modified"));
            pg_fmt(p, "</td><td>%lld</td></tr>", jint(row, "days"));
        }
        pg_raw(p, "</tbody></table></div>");
    }
    section_end(p, "stale", f, "stale records");
    json_decref(st);
}

static void put_sources(pg *p, const hub *h, const hub_filter *f)
{
    hub_filter s = every_group(f);
    json_t *src = hub_sources(h, &s, NULL);
    pg_raw(p, "<section aria-labelledby=\"h-src\"><h2 id=\"h-src\">Source health</h2>");
    scroll_open(p, "h-src");
    table_open(p, NULL, "Sources",
               (const char *const[]){"Source", "Health", "Records", "Also listed elsewhere",
                                     "Stale", "Failed pages", "Last success", NULL});
    pg_raw(p, "</tr></thead><tbody>");
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(src, "rows"), i, row)
    {
        row_head(p, jstr(row, "source"));
        pg_fmt(p, "<td>%pT", jstr(row, "health"));
        pg_fmt(p, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
               jint(row, "records"), jint(row, "duplicated_elsewhere"), jint(row, "stale"),
               jint(row, "urls_failed"));
        pg_text(p, jstr(row, "last_success"));
        pg_raw(p, "</td></tr>");
    }
    pg_raw(p, "</tbody></table></div>");
    section_end(p, "sources", f, "source health");
    json_decref(src);
}

enum MHD_Result sd_page_hub(sd_req *r, const char *rest)
{
    (void)rest; /* an exact route: nothing follows /hub */
    enum MHD_Result ret;
    if (!sd_auth_read(r, AUTH_VIEWER, true, &ret))
        return ret;
    pg p;
    pg_init(&p, r);
    if (p.too_many_args)
        return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.too_many", NULL);
    /* The filters, read by the table (params.c); other names (lang) are
     * the frame's. */
    hub_filter f = {0};
    for (size_t i = 0; i < p.n_args; i++) {
        const char *key = p.args[i].key;
        sd_arg a;
        char msg[400];
        int rc = pg_arg_read(&p, SD_EP_HUB_PAGE, &p.args[i], &a, msg, sizeof msg);
        if (rc == SP_ENOTFOUND || (rc == SP_OK && (a.empty || a.p->kind != SD_PK_SLUG)))
            continue;
        if (rc != SP_OK && a.p->kind == SD_PK_SLUG)
            return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.bad", a.p->name);
        if (rc != SP_OK)
            continue; /* a message of a form sent earlier: not shown */
        if (!strcmp(key, "group") && !f.group)
            f.group = a.slug;
        else if (!strcmp(key, "category") && !f.category)
            f.category = a.slug;
        else if (!strcmp(key, "subregion") && !f.subregion)
            f.subregion = a.slug;
    }
    if (!f.group)
        f.group = "young-people";
    sp_err err = {0};
    hub *h = sd_hub_acquire(r->srv, &err);
    if (!h)
        return pg_message(&p, MHD_HTTP_SERVICE_UNAVAILABLE, "msg.unavailable.title",
                          "msg.unavailable", NULL);
    pg_head(&p, "Integration Hub dashboard", NULL, "hub");
    pg_raw(&p, "<link rel=\"stylesheet\" href=\"/static/hub.css\">"
               "<script src=\"/static/hub.js\" defer></script><h1>Integration Hub dashboard"
               "</h1><p class=\"lead\">Skills and employment provision across London: where it "
               "is, where it is duplicated and where it is missing.</p>");
    const char *decided = pg_get(&p, "decided");
    if (decided && (!strcmp(decided, "same") || !strcmp(decided, "not-same"))) {
        pg_raw(&p, "<div class=\"notice\" role=\"status\"><p>Decision saved: ");
        pg_raw_if(&p, !strcmp(decided, "same"), "the same service", "not the same service");
        pg_raw(&p, ". It applies from the indexer's next run; the audit trail records it "
                   "under your name.</p></div>");
    }
    put_form(&p, &f);
    hub_filter cov_f = f;
    cov_f.limit = HUB_MAX_LIMIT;
    json_t *cov = hub_coverage(h, &cov_f, NULL);
    put_map(&p, cov, &f);
    json_decref(cov);
    put_matrix(&p, h, &f);
    put_overlaps(&p, h, &f);
    put_gaps(&p, h, &f);
    put_duplicates(&p, h, &f);
    put_stale(&p, h, &f);
    put_sources(&p, h, &f);
    sd_hub_release(r->srv);
    pg_hub_reports(&p);
    pg_foot(&p);
    return pg_reply(&p, MHD_HTTP_OK);
}
