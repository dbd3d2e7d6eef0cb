/*
 * pages_when.c - the search page's opening-hours filter ("When can you
 * go?": open now, a day, a part of the day; hours.h), its removable chips
 * and the note about services whose hours are unknown, and the phone-first
 * summary of a search ("ESOL in Newham - change search") that the search
 * form folds into on a results page (a <details>, so it works without
 * JavaScript).  Kept apart from pages.c so the search page stays readable.
 * The hours facet (sd_hours_facet: exact counts for each day and part of
 * the day) is here too; /api/v1/search gives the same counts (api.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

static const char *const day_keys[HOURS_DAYS] = {"when.MO", "when.TU", "when.WE", "when.TH",
                                                 "when.FR", "when.SA", "when.SU"};
static const char *const period_keys[HOURS_PERIODS] = {"when.morning", "when.afternoon",
                                                       "when.evening"};

/* Is key one of the hours parameters? */
static bool hours_key(const char *key)
{
    return !strcmp(key, "day") || !strcmp(key, "time") || !strcmp(key, "at") ||
           !strcmp(key, "open");
}

/* The current search's address without the parameters drop says no to
 * (NULL: keep all) and without page. */
static void url_keeping(pg *p, sp_buf *u, bool (*drop)(const char *key))
{
    sp_buf_puts(u, "/?");
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *a = &p->args[i];
        if (!strcmp(a->key, "page") || !strcmp(a->key, "js") || !*a->value)
            continue;
        if (drop && drop(a->key))
            continue;
        html_query_add(u, a->key, a->value);
    }
    if (u->len > 0 && u->data[u->len - 1] == '?')
        u->data[--u->len] = '\0';
}

static bool drop_open(const char *k) { return !strcmp(k, "open"); }
static bool drop_day(const char *k) { return !strcmp(k, "day") || !strcmp(k, "at"); }
static bool drop_time(const char *k) { return !strcmp(k, "time"); }
static bool drop_at(const char *k) { return !strcmp(k, "at"); }

static void chip(pg *p, bool (*drop)(const char *), const char *label)
{
    sp_buf u = {0};
    url_keeping(p, &u, drop);
    pg_raw(p, "<li><a class=\"chip\" href=\"");
    pg_href(p, u.len ? sp_buf_cstr(&u) : "/");
    pg_raw(p, "\">");
    pg_tf(p, "filter.remove", label, NULL, NULL);
    pg_raw(p, "</a></li>");
    sp_buf_free(&u);
}

void pg_when_chips(pg *p, const sd_search *sp, idx **ix)
{
    if (!sp->q.n_hours)
        return;
    pg_raw(p, "<div class=\"chosen when-chosen\"><h2 class=\"small\">");
    pg_t(p, "when.chosen");
    pg_raw(p, "</h2><ul>");
    if (sp->open_now) {
        chip(p, drop_open, html_t(p->L, "when.open_now"));
    } else {
        if (sp->day >= 0)
            chip(p, drop_day, html_t(p->L, day_keys[sp->day]));
        if (sp->period >= 0)
            chip(p, drop_time, html_t(p->L, period_keys[sp->period]));
        if (sp->minute >= 0) {
            char at[16];
            snprintf(at, sizeof at, "%02d:%02d", sp->minute / 60, sp->minute % 60);
            chip(p, drop_at, at);
        }
    }
    pg_raw(p, "</ul>");
    /* Unknown hours are never shown as open, but not hidden silently. */
    long unknown = *ix ? sd_hours_unknown(*ix, sp) : -1;
    if (unknown > 0) {
        sp_buf u = {0};
        url_keeping(p, &u, hours_key);
        pg_raw(p, "<p class=\"unknown-hours\">");
        pg_tn(p, "when.unknown", (unsigned long)unknown);
        pg_raw(p, " <a href=\"");
        pg_href(p, u.len ? sp_buf_cstr(&u) : "/");
        pg_raw(p, "\">");
        pg_t(p, "when.show_unknown");
        pg_raw(p, "</a></p>");
        sp_buf_free(&u);
    }
    pg_raw(p, "</div>");
}

void pg_when_alt(pg *p, const sd_search *sp, idx **ix)
{
    if (!sp->q.n_hours || !*ix)
        return;
    idx_query q = sp->q;
    q.hours = NULL;
    q.n_hours = 0;
    long n = sd_count(*ix, q);
    if (n <= 0)
        return;
    sp_buf u = {0};
    url_keeping(p, &u, hours_key);
    pg_raw(p, "<li><a href=\"");
    pg_href(p, u.len ? sp_buf_cstr(&u) : "/");
    pg_raw(p, "\">");
    pg_t(p, "when.show_unknown");
    pg_raw(p, "</a> ");
    pg_tn(p, "none.count", (unsigned long)n);
    pg_raw(p, "</li>");
    sp_buf_free(&u);
}

/* ---- the hours facet ---- */

static long hours_count(idx *ix, const sd_search *p, int day, int period, int minute)
{
    char terms[HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX];
    const char *ptrs[HOURS_MAX_QUERY_TERMS];
    size_t n = hours_query_terms(day, period, minute, terms);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = terms[i];
    idx_query q = p->q; /* the same search, with this hours filter in place */
    q.hours = ptrs;
    q.n_hours = n;
    return sd_count(ix, q);
}

/* The facet's values as term sets: each day with p's time (or at), each
 * part of the day with p's day; with open=now, each alone. */
static void hours_sets(const sd_search *p, sd_hours_sets *hs)
{
    int day = p->open_now ? -1 : p->day;
    int period = p->open_now ? -1 : p->period;
    int minute = p->open_now ? -1 : p->minute;
    for (int v = 0; v < SD_HOURS_VALUES; v++) {
        idx_term_set *set = &hs->sets[v];
        set->n = v < HOURS_DAYS ? hours_query_terms(v, period, minute, hs->terms[v])
                                : hours_query_terms(day, v - HOURS_DAYS, -1, hs->terms[v]);
        for (size_t i = 0; i < set->n; i++)
            hs->ptrs[v][i] = hs->terms[v][i];
        set->terms = hs->ptrs[v];
    }
}

void sd_hours_ask(const sd_search *p, sd_hours_sets *hs, idx_query *q)
{
    if (p->q.n_hours)
        return; /* the facet is counted without the search's hours filter */
    hours_sets(p, hs);
    q->count_sets = hs->sets;
    q->n_count_sets = SD_HOURS_VALUES;
}

/* Are res's set counts the facet's?  Not when the search took a
 * did-you-mean or relaxed its words: then each value is searched alone. */
static bool sets_counted(const idx_result *res)
{
    return res->n_set_counts == SD_HOURS_VALUES && !res->relaxed && !res->suggestion_used;
}

void sd_hours_facet(idx *ix, const sd_search *p, const idx_result *own, sd_hours_counts *out)
{
    memset(out, 0, sizeof *out);
    if (!ix)
        return;
    int day = p->open_now ? -1 : p->day;
    int period = p->open_now ? -1 : p->period;
    int minute = p->open_now ? -1 : p->minute;
    /* Every value at once: the search without its hours filter, each
     * value's terms counted within its matches (idx_query.count_sets);
     * that is p's own search when it has no hours filter (sd_hours_ask). */
    idx_result res;
    memset(&res, 0, sizeof res);
    const idx_result *got = own && !p->q.n_hours && sets_counted(own) ? own : NULL;
    if (!got) {
        sd_hours_sets hs;
        hours_sets(p, &hs);
        idx_query q = p->q;
        q.hours = NULL;
        q.n_hours = 0;
        q.facets = false;
        q.exact_facets = true;
        q.offset = 0;
        q.limit = 0;
        q.count_sets = hs.sets;
        q.n_count_sets = SD_HOURS_VALUES;
        sp_err e;
        sp_err_clear(&e);
        if (idx_search(ix, &q, &res, &e) == SP_OK)
            got = &res;
    }
    bool all = got && sets_counted(got);
    out->ok = true;
    for (int v = 0; v < SD_HOURS_VALUES; v++) {
        long n = all ? (long)got->set_counts[v] : -1;
        /* Few: the value's own search might relax its words or take a
         * did-you-mean (idx_query.relax), so it is searched alone, unless
         * nothing after its first pass could change its count. */
        if (n < 0 || idx_later_passes_may_change(&p->q, (size_t)n, got->spelling))
            n = v < HOURS_DAYS ? hours_count(ix, p, v, period, minute)
                               : hours_count(ix, p, day, v - HOURS_DAYS, -1);
        if (v < HOURS_DAYS)
            out->day[v] = n;
        else
            out->period[v - HOURS_DAYS] = n;
        out->ok = out->ok && n >= 0;
    }
    idx_result_free(&res);
}

/* An option of the When filter, with its count when there is one. */
static void option(pg *p, const char *value, const char *key, bool selected, long count)
{
    pg_raw(p, "<option value=\"");
    pg_text(p, value);
    pg_raw_if(p, selected, "\" selected>", "\">");
    pg_t(p, key);
    if (count >= 0)
        pg_fmt(p, " (%ld)", count);
    pg_raw(p, "</option>");
}

void pg_when_filter(pg *p, const sd_search *sp, const sd_hours_counts *c)
{
    pg_raw_if(p, sp->q.n_hours, "<details open class=\"when\">", "<details class=\"when\">");
    pg_raw(p, "<summary>");
    pg_t(p, "when.title");
    pg_raw(p, "</summary><fieldset><legend class=\"vh\">");
    pg_t(p, "when.title");
    pg_raw(p, "</legend><ul class=\"cbs\"><li><input type=\"checkbox\" name=\"open\" "
              "value=\"now\" id=\"f-open-now\"");
    if (sp->open_now)
        pg_raw(p, " checked");
    pg_raw(p, "><label for=\"f-open-now\">");
    pg_t(p, "when.open_now");
    pg_raw(p, "</label></li></ul><p class=\"hint\" id=\"when-hint\">");
    pg_t(p, "when.hint");
    pg_raw(p, "</p><div class=\"field\"><label for=\"f-day\">");
    pg_t(p, "when.day");
    pg_raw(p, "</label><select id=\"f-day\" name=\"day\" aria-describedby=\"when-hint\">");
    option(p, "", "when.any_day", sp->open_now || sp->day < 0, -1);
    for (int d = 0; d < HOURS_DAYS; d++)
        option(p, hours_day_code(d), day_keys[d], !sp->open_now && sp->day == d,
               c && c->ok ? c->day[d] : -1);
    pg_raw(p, "</select></div><div class=\"field\"><label for=\"f-time\">");
    pg_t(p, "when.time");
    pg_raw(p, "</label><select id=\"f-time\" name=\"time\" aria-describedby=\"when-hint\">");
    option(p, "", "when.any_time", sp->open_now || sp->period < 0, -1);
    for (int t = 0; t < HOURS_PERIODS; t++)
        option(p, hours_period_name((hours_period)t), period_keys[t],
               !sp->open_now && sp->period == t, c && c->ok ? c->period[t] : -1);
    pg_raw(p, "</select></div>");
    if (!sp->open_now && sp->minute >= 0) {
        /* at= came in the address: keep it until its chip removes it. */
        char at[16];
        snprintf(at, sizeof at, "%02d:%02d", sp->minute / 60, sp->minute % 60);
        pg_raw(p, "<input type=\"hidden\" name=\"at\" value=\"");
        pg_text(p, at);
        pg_raw(p, "\">");
    }
    pg_raw(p, "</fieldset></details>");
}

bool pg_when_skip(const pg *p, const char *key)
{
    /* "Open now" ticked wins over a day or time left in the form. */
    const char *open = pg_get(p, "open");
    return open && !strcmp(open, "now") &&
           (!strcmp(key, "day") || !strcmp(key, "time") || !strcmp(key, "at"));
}

/* ---- phone first: the search as one line ---- */

void pg_change_open(pg *p, const sd_search *sp)
{
    const char *q = sp->qtext && *sp->qtext ? sp->qtext : NULL;
    const char *where = NULL;
    if (sp->q.has_near && sp->near)
        where = sp->near;
    else if (sp->q.n_filters[IDX_F_BOROUGH] == 1)
        where = pg_label(p, "borough", sp->vals[IDX_F_BOROUGH][0]);
    const char *what = q;
    if (!what && sp->q.n_filters[IDX_F_CATEGORY] == 1)
        what = pg_label(p, "category", sp->vals[IDX_F_CATEGORY][0]);
    if (!what)
        what = html_t(p->L, "change.all");
    pg_raw(p, "<details class=\"change\" id=\"change\" data-wide-open><summary><span class=\"what\">");
    if (where)
        pg_tf(p, sp->q.has_near ? "change.near" : "change.in", what, where, NULL);
    else
        pg_text(p, what);
    pg_raw(p, "</span> <span class=\"act\">");
    pg_t(p, "change.link");
    pg_raw(p, "</span></summary>");
}

void pg_change_close(pg *p)
{
    pg_raw(p, "</details>");
}

void pg_guided_link(pg *p)
{
    pg_raw(p, "<p class=\"guided-link\"><a href=\"/guided");
    const char *lang = pg_get(p, "lang");
    if (lang && html_lang_get(p->web_dir, lang)) {
        pg_raw(p, "?lang=");
        pg_text(p, lang);
    }
    pg_raw(p, "\">");
    pg_t(p, "guided.link");
    pg_raw(p, "</a></p>");
}
