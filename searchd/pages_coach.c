/*
 * pages_coach.c - GET /coach: the page an employment coach uses during an
 * appointment.  A screening form for the client's circumstances, services
 * grouped as likely eligible / check with the provider / probably not
 * eligible with the reasons, and a shortlist the coach builds as they go:
 * printed for the client (?print=1: one clean page in large type), copied
 * as text for an e-mail or a Universal Credit journal note, or shared as a
 * link.  The shortlist lives only in the URL (s=ID, repeated); nothing
 * about the client is stored on the server, and searchd never logs query
 * strings.
 *
 * The client's answers are read by the one person model (indexer/person.h,
 * as /api/v1/eligible and /api/v1/search read them), and every service in
 * scope is judged and ordered by elig_rank.c exactly as /api/v1/eligible
 * does: the same candidates (the whole index, narrowed only by the needs
 * and the search words), the same verdicts, the same order (likely
 * eligible, check, probably not, closed), shown a page at a time.  Each
 * result carries its verdict in data-outcome for tools and tests.  A
 * closed service is shown as closed and never goes on the printout.  See
 * docs/portal.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages_coach.h"

#define COACH_PER_PAGE 15 /* results on a page unless per_page says (60 KB a page) */

typedef coach_client client;
typedef coach_list shortlist;

typedef enum verdict { V_YES, V_CHECK, V_NO, V_INFO } verdict; /* V_INFO: reasons only */

static void refuse(client *c, const char *msg)
{
    if (!c->refused[0])
        snprintf(c->refused, sizeof c->refused, "%s", msg);
}

/* The page's parameter a read by the table for /coach. */
static int coach_arg(const pg *p, const pg_arg *a, sd_arg *out, char *msg, size_t size)
{
    return pg_arg_read(p, SD_EP_COACH, a, out, msg, size);
}

/* near=: the client's postcode, sector or district, as /api/v1/eligible
 * reads it. */
static void read_near(pg *p, client *c, const pg_arg *pa)
{
    sd_arg a;
    char msg[sizeof c->refused];
    int rc = coach_arg(p, pa, &a, msg, sizeof msg);
    if (rc == SP_OK && a.empty)
        return;
    c->given = true;
    if (rc != SP_OK) {
        refuse(c, html_t(p->L, a.n == SD_POSTCODE_UNKNOWN ? "coach.near_unknown"
                                                          : "coach.near_bad"));
        return;
    }
    c->near = pa->value;
    c->has_near = true;
    c->lat = a.lat;
    c->lon = a.lon;
    if (a.borough && !c->pp.p.borough) {
        /* Where they live, from their postcode: one answer fewer. */
        sp_err e;
        sp_err_clear(&e);
        if (person_set(&c->pp, p->v, "borough", a.borough->slug, strlen(a.borough->slug),
                       &e) == SP_OK)
            c->borough_from_near = true;
    }
}

void coach_read_client(pg *p, client *c)
{
    memset(c, 0, sizeof *c);
    person_init(&c->pp);
    const pg_arg *near = NULL;
    bool seen_sector = false, seen_notes = false, seen_q = false;
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *pa = &p->args[i];
        sd_arg a;
        char msg[sizeof c->refused];
        int rc = coach_arg(p, pa, &a, msg, sizeof msg);
        if (rc == SP_ENOTFOUND)
            continue;
        const char *name = a.p->name;
        if (a.p->kind == SD_PK_PERSON) {
            /* A submitted form, even all "not asked", is a person to
             * screen: everything unknown. */
            c->given = true;
            sp_err e;
            sp_err_clear(&e);
            if (rc != SP_OK)
                refuse(c, msg);
            else if (person_set(&c->pp, p->v, a.p->vocab, a.text, a.len, &e) != SP_OK)
                refuse(c, e.msg);
        } else if (!strcmp(name, "near")) {
            near = near ? near : pa; /* after the answers: a borough given wins */
        } else if (!strcmp(name, "sector") && !seen_sector) {
            seen_sector = true;
            c->given = c->given || !a.empty;
            if (rc != SP_OK)
                refuse(c, html_t(p->L, "coach.sector_bad"));
            else
                c->sector = a.slug;
        } else if (!strcmp(name, "notes") && !seen_notes) {
            seen_notes = true;
            if (rc != SP_OK)
                refuse(c, html_t(p->L, "coach.notes_long"));
            else if (!a.empty)
                c->notes = a.text;
        } else if (!strcmp(name, "q") && !seen_q) {
            seen_q = true;
            c->q = rc == SP_OK && !a.empty ? a.text : NULL;
        }
    }
    if (near)
        read_near(p, c, near);
    c->given = c->given || person_given(&c->pp) || c->q;
}

static bool in_slugs(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return true;
    return false;
}

static bool client_has_group(const client *c, const char *g)
{
    return in_slugs(c->pp.p.groups, c->pp.p.n_groups, g);
}

/* ---- the shortlist (ids in the URL) ---- */

void coach_read_list(pg *p, shortlist *sl)
{
    sl->n = 0;
    for (size_t i = 0; i < p->n_args && sl->n < PG_MAX_SHORTLIST; i++) {
        sd_arg a;
        char msg[200];
        if (coach_arg(p, &p->args[i], &a, msg, sizeof msg) != SP_OK || a.empty ||
            strcmp(a.p->name, "s"))
            continue;
        bool dup = false;
        for (size_t k = 0; k < sl->n; k++)
            if (!strcmp(sl->ids[k], a.id))
                dup = true;
        if (!dup)
            memcpy(sl->ids[sl->n++], a.id, 37);
    }
}

bool coach_listed(const shortlist *sl, const char *id)
{
    for (size_t i = 0; id && i < sl->n; i++)
        if (!strcmp(sl->ids[i], id))
            return true;
    return false;
}

/* Parameters a link to another state of the page does not carry over
 * (notes too long to print are dropped, not carried). */
static bool transient(const pg_arg *a)
{
    return !strcmp(a->key, "s") || !strcmp(a->key, "print") ||
           (!strcmp(a->key, "notes") && strlen(a->value) > COACH_MAX_NOTES);
}

void coach_url(pg *p, sp_buf *u, const shortlist *sl, const char *add, const char *drop,
               bool only_list, bool print, long page_to)
{
    sp_buf_puts(u, "/coach?");
    if (!only_list)
        for (size_t i = 0; i < p->n_args; i++) {
            const pg_arg *a = &p->args[i];
            if (transient(a) || !*a->value ||
                (page_to > 0 && !strcmp(a->key, "page")))
                continue;
            html_query_add(u, a->key, a->value);
        }
    if (page_to > 0) {
        char n[24];
        snprintf(n, sizeof n, "%ld", page_to);
        html_query_add(u, "page", n);
    }
    if (print)
        html_query_add(u, "print", "1");
    const char *lang = pg_get(p, "lang");
    if (only_list && lang && html_lang_get(p->web_dir, lang))
        html_query_add(u, "lang", lang);
    for (size_t i = 0; i < sl->n; i++)
        if (!drop || strcmp(sl->ids[i], drop))
            html_query_add(u, "s", sl->ids[i]);
    if (add && sl->n < PG_MAX_SHORTLIST)
        html_query_add(u, "s", add);
    if (u->len > 0 && u->data[u->len - 1] == '?')
        u->data[--u->len] = '\0';
}

void coach_href(pg *p, const shortlist *sl, const char *add, const char *drop, bool only_list,
                bool print, const char *frag)
{
    sp_buf u = {0};
    coach_url(p, &u, sl, add, drop, only_list, print, 0);
    if (frag)
        sp_buf_puts(&u, frag);
    pg_href(p, sp_buf_cstr(&u));
    sp_buf_free(&u);
}

static void put_hidden(pg *p, const char *name, const char *value)
{
    pg_raw(p, "<input type=\"hidden\" name=\"");
    pg_text(p, name);
    pg_raw(p, "\" value=\"");
    pg_text(p, value);
    pg_raw(p, "\">");
}

void coach_hidden_args(pg *p, bool with_list, const shortlist *sl)
{
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *a = &p->args[i];
        if (transient(a) || !*a->value || !strcmp(a->key, "page") ||
            !strcmp(a->key, "notes") || strlen(a->value) > SD_MAX_Q)
            continue;
        put_hidden(p, a->key, a->value);
    }
    for (size_t i = 0; with_list && i < sl->n; i++)
        put_hidden(p, "s", sl->ids[i]);
}

/* ---- the form ---- */

static void put_select(pg *p, const char *name, const char *label_key, const char *field,
                       const char *chosen)
{
    pg_raw(p, "<div class=\"field\"><label for=\"c-");
    pg_text(p, name);
    pg_raw(p, "\">");
    pg_t(p, label_key);
    pg_raw(p, "</label><select id=\"c-");
    pg_text(p, name);
    pg_raw(p, "\" name=\"");
    pg_text(p, name);
    pg_raw(p, "\"><option value=\"\">");
    pg_t(p, "coach.not_asked");
    pg_raw(p, "</option>");
    size_t n = 0;
    const char *const *vals = vocab_slugs(p->v, field, &n);
    for (size_t i = 0; vals && i < n; i++) {
        pg_raw(p, "<option value=\"");
        pg_text(p, vals[i]);
        pg_raw(p, "\"");
        if (chosen && !strcmp(chosen, vals[i]))
            pg_raw(p, " selected");
        pg_raw(p, ">");
        const char *l = pg_label(p, field, vals[i]);
        pg_text(p, l ? l : vals[i]);
        pg_raw(p, "</option>");
    }
    if (!strcmp(field, "benefit")) {
        /* "Gets no benefits" is an answer too (some services need one). */
        pg_raw_if(p, chosen && !strcmp(chosen, "none"), "<option value=\"none\" selected>",
                  "<option value=\"none\">");
        pg_t(p, "benefit.none");
        pg_raw(p, "</option>");
    }
    pg_raw(p, "</select></div>");
}

static void put_checkbox(pg *p, const char *name, const char *slug, const char *label,
                         bool checked)
{
    pg_raw(p, "<li><input type=\"checkbox\" name=\"");
    pg_text(p, name);
    pg_raw(p, "\" value=\"");
    pg_text(p, slug);
    pg_raw(p, "\" id=\"c-");
    pg_text(p, name);
    pg_raw(p, "-");
    pg_text(p, slug);
    pg_raw_if(p, checked, "\" checked><label for=\"c-", "\"><label for=\"c-");
    pg_text(p, name);
    pg_raw(p, "-");
    pg_text(p, slug);
    pg_raw(p, "\">");
    pg_text(p, label ? label : slug);
    pg_raw(p, "</label></li>");
}

static bool client_needs(const client *c, const char *n)
{
    return in_slugs(c->pp.p.needs, c->pp.p.n_needs, n);
}

static void put_number(pg *p, const char *name, const char *label_key, const char *hint_key,
                       int value, int max)
{
    pg_raw(p, "<div class=\"field\"><label for=\"c-");
    pg_text(p, name);
    pg_raw(p, "\">");
    pg_t(p, label_key);
    pg_raw(p, "</label>");
    if (hint_key) {
        pg_raw(p, "<span class=\"hint\" id=\"c-");
        pg_text(p, name);
        pg_raw(p, "-hint\">");
        pg_t(p, hint_key);
        pg_raw(p, "</span>");
    }
    pg_raw(p, "<input class=\"short\" type=\"text\" inputmode=\"numeric\" pattern=\"[0-9]*\" "
              "autocomplete=\"off\" id=\"c-");
    pg_text(p, name);
    pg_raw(p, "\" name=\"");
    pg_text(p, name);
    pg_fmt(p, "\" maxlength=\"%d\"", max);
    if (hint_key) {
        pg_raw(p, " aria-describedby=\"c-");
        pg_text(p, name);
        pg_raw(p, "-hint\"");
    }
    pg_raw(p, " value=\"");
    if (value >= 0)
        pg_fmt(p, "%d", value);
    pg_raw(p, "\"></div>");
}

/* A fieldset of checkboxes in two columns: its legend and the list's
 * start. */
static void checkboxes_open(pg *p, const char *legend_key)
{
    pg_raw(p, "<fieldset><legend>");
    pg_t(p, legend_key);
    pg_raw(p, "</legend><ul class=\"cbs cols2\">");
}

/* A checkbox per group: the priority groups, or the others. */
static void put_group_boxes(pg *p, const client *c, const char *const *groups, size_t ng,
                            bool priority)
{
    for (size_t i = 0; i < ng; i++)
        if (vocab_group_priority(p->v, groups[i]) == priority)
            put_checkbox(p, "group", groups[i], pg_label(p, "group", groups[i]),
                         client_has_group(c, groups[i]));
}

static void put_form(pg *p, const client *c, const shortlist *sl)
{
    pg_raw(p, "<form class=\"screen\" id=\"screen\" method=\"get\" action=\"/coach\">");
    const char *lang = pg_get(p, "lang");
    if (lang && html_lang_get(p->web_dir, lang))
        put_hidden(p, "lang", lang);
    if (c->notes) /* typed on the shortlist: kept while the answers change */
        put_hidden(p, "notes", c->notes);
    for (size_t i = 0; i < sl->n; i++)
        put_hidden(p, "s", sl->ids[i]);
    pg_raw(p, "<fieldset><legend>");
    pg_t(p, "coach.about");
    pg_raw(p, "</legend><div class=\"grid\">");
    const elig_person *ep = &c->pp.p;
    put_number(p, "age", "coach.age", NULL, ep->age, 3);
    /* The postcode: distances, and where they live when that is left
     * empty (a borough taken from it is not shown as chosen, so a new
     * postcode moves it). */
    const char *near = pg_get(p, "near");
    pg_raw(p, "<div class=\"field\"><label for=\"c-near\">");
    pg_t(p, "coach.near");
    pg_raw(p, "</label><span class=\"hint\" id=\"c-near-hint\">");
    pg_t(p, "coach.near_hint");
    pg_raw(p, "</span><input class=\"short\" type=\"text\" id=\"c-near\" name=\"near\" "
              "maxlength=\"16\" autocomplete=\"off\" aria-describedby=\"c-near-hint\" value=\"");
    pg_text(p, near && strlen(near) <= SD_MAX_POSTCODE ? near : NULL);
    pg_raw(p, "\"></div>");
    put_select(p, "borough", "coach.borough", "borough",
               c->borough_from_near ? NULL : ep->borough);
    put_select(p, "benefits", "coach.benefit", "benefit",
               !ep->benefits_known ? NULL : ep->n_benefits ? ep->benefits[0] : "none");
    put_select(p, "status", "coach.status", "status", ep->status);
    put_number(p, "months_unemployed", "coach.months", "coach.months_hint",
               ep->months_unemployed, 3);
    put_select(p, "language", "coach.language", "language", ep->language);
    put_select(p, "sector", "coach.sector", "sector", c->sector);
    pg_raw(p, "</div></fieldset>");

    size_t ng = 0;
    const char *const *groups = vocab_slugs(p->v, "group", &ng);
    checkboxes_open(p, "coach.groups");
    put_group_boxes(p, c, groups, ng, true);
    pg_raw(p, "</ul><details");
    for (size_t i = 0; i < ng; i++)
        if (!vocab_group_priority(p->v, groups[i]) && client_has_group(c, groups[i])) {
            pg_raw(p, " open");
            break;
        }
    pg_raw(p, "><summary>");
    pg_t(p, "coach.more_groups");
    pg_raw(p, "</summary><ul class=\"cbs cols2\">");
    put_group_boxes(p, c, groups, ng, false);
    pg_raw(p, "</ul></details></fieldset>");

    size_t nc = 0;
    const char *const *cats = vocab_slugs(p->v, "category", &nc);
    checkboxes_open(p, "coach.needs");
    for (size_t i = 0; i < nc; i++)
        if (vocab_category_parent(p->v, cats[i]))
            put_checkbox(p, "need", cats[i], pg_label(p, "category", cats[i]),
                         client_needs(c, cats[i]));
    pg_raw(p, "</ul></fieldset>");

    pg_raw(p, "<div class=\"field\"><label for=\"c-q\">");
    pg_t(p, "coach.q");
    pg_raw(p, "</label><input type=\"search\" id=\"c-q\" name=\"q\" maxlength=\"200\" value=\"");
    pg_text(p, c->q);
    pg_raw(p, "\"></div><button type=\"submit\" class=\"btn\">");
    pg_t(p, "coach.go");
    pg_raw(p, "</button> <a class=\"reset\" href=\"");
    coach_href(p, sl, NULL, NULL, true, false, NULL);
    pg_raw(p, "\">");
    pg_t(p, "coach.reset");
    pg_raw(p, "</a></form>");
}

/* ---- results ---- */

/* The mark and class of a reason's outcome. */
static verdict verdict_of(elig_outcome o)
{
    return o == ELIG_NOT_ELIGIBLE ? V_NO : o == ELIG_CHECK ? V_CHECK : o == ELIG_INFO ? V_INFO
                                                                                    : V_YES;
}

static void put_reasons(pg *p, const elig_verdict *vd)
{
    static const char *const cls[4] = {"yes", "check", "no", "info"};
    static const char *const mark[4] = {"elig.mark_yes", "elig.mark_check", "elig.mark_no",
                                        "elig.mark_info"};
    pg_raw(p, "<ul class=\"reasons\">");
    if (!vd->n_reasons) {
        pg_fmt(p, "<li class=\"%pA\"><span class=\"mark\">", cls[V_YES]);
        pg_t(p, mark[V_YES]);
        pg_raw(p, "</span> ");
        pg_t(p, "elig.open");
        pg_raw(p, "</li>");
    }
    for (size_t i = 0; i < vd->n_reasons; i++) {
        const elig_reason *e = &vd->reasons[i];
        verdict v = verdict_of(e->outcome);
        /* The engine's words, from the record's text: escaped, and never
         * cut mid-word (sd_reason_text). */
        char text[SD_REASON_MAX];
        sd_reason_text(p->v, e, text, sizeof text);
        pg_fmt(p, "<li class=\"%pA\"><span class=\"mark\">", cls[v]);
        pg_t(p, mark[v]);
        pg_raw(p, "</span> ");
        pg_tf(p, v == V_INFO ? "elig.note" : "elig.msg", text, NULL, NULL);
        pg_raw(p, "</li>");
    }
    pg_raw(p, "</ul>");
}

/* Closed: the provider's own words about when, else its status. */
static void put_closed(pg *p, const rec_service *rec)
{
    char note[SD_REASON_MAX];
    pg_raw(p, "<p class=\"closed\"><strong>");
    pg_t(p, "coach.closed_mark");
    pg_raw(p, "</strong> ");
    if (sd_rec_closed_note(rec, note, sizeof note)) {
        pg_text(p, note);
    } else {
        pg_tf(p, "coach.closed_status", rec->status, NULL, NULL);
    }
    pg_raw(p, "</p>");
}

static void put_judged(pg *p, const client *c, const shortlist *sl, const sd_elig_item *it)
{
    const idx_hit *h = it->hit;
    const rec_service *rec = &h->rec;
    /* Adding or removing returns here (#r-ID), so the coach keeps their
     * place in the list. */
    char frag[48];
    snprintf(frag, sizeof frag, "#r-%.36s", rec->id ? rec->id : "");
    pg_raw(p, "<li class=\"hit\" id=\"");
    pg_text(p, frag + 1);
    pg_raw(p, "\" data-id=\"");
    pg_text(p, rec->id);
    pg_fmt(p, "\" data-outcome=\"%pA\"><h4><a href=\"/services/%pA\">%pT</a></h4>",
           sd_elig_outcome_name(it->outcome), rec->id, pg_service_name(p, rec));
    if (rec->organization.name)
        pg_fmt(p, "<p class=\"org\">%pT</p>", rec->organization.name);
    if (it->outcome == SD_CLOSED) {
        /* Nothing to join: no reasons to fit, no way onto the printout. */
        put_closed(p, rec);
        pg_raw(p, "</li>");
        return;
    }
    /* The reasons and the distance follow: only what they do not say. */
    coach_put_why(p, c, rec, NULL, -1, false);
    put_reasons(p, it->verdict);
    pg_result_facts(p, h);
    if (coach_listed(sl, rec->id)) {
        pg_raw(p, "<p class=\"onlist\">");
        pg_t(p, "coach.on_list");
        pg_raw(p, " <a href=\"");
        coach_href(p, sl, NULL, rec->id, false, false, frag);
        pg_raw(p, "\">");
        pg_tf(p, "coach.remove", rec->name, NULL, NULL);
        pg_raw(p, "</a></p>");
    } else if (sl->n < PG_MAX_SHORTLIST) {
        pg_raw(p, "<p><a class=\"btn2 add\" data-id=\"");
        pg_text(p, rec->id);
        pg_raw(p, "\" href=\"");
        coach_href(p, sl, rec->id, NULL, false, false, frag);
        pg_raw(p, "\">");
        pg_tf(p, "coach.add", rec->name, NULL, NULL);
        pg_raw(p, "</a></p>");
    }
    pg_raw(p, "</li>");
}

/* page or per_page as the table reads them (params.c), or def when
 * absent, not a number the table takes, or above hi. */
static long param_num(pg *p, const char *key, long hi, long def)
{
    for (size_t i = 0; i < p->n_args; i++) {
        if (strcmp(p->args[i].key, key))
            continue;
        sd_arg a;
        char msg[200];
        if (coach_arg(p, &p->args[i], &a, msg, sizeof msg) != SP_OK || a.empty || a.n > hi)
            return def;
        return a.n;
    }
    return def;
}

/* The coach page's address on results page `to` (ctx: the shortlist). */
static void coach_page_url(pg *p, sp_buf *u, long to, void *ctx)
{
    coach_url(p, u, ctx, NULL, NULL, false, false, to);
    sp_buf_puts(u, "#results");
}

/* Every service in scope, judged and ordered as /api/v1/eligible does,
 * one page of them under headings by verdict (each heading counts all
 * pages). */
static void put_results(pg *p, const client *c, const shortlist *sl, const sd_elig *el)
{
    long per = param_num(p, "per_page", SD_MAX_PER_PAGE, COACH_PER_PAGE);
    long pages = (long)((el->n + (size_t)per - 1) / (size_t)per);
    long page = param_num(p, "page", pages > 0 ? pages : 1, 1);
    size_t from = (size_t)((page - 1) * per), to = from + (size_t)per;
    if (to > el->n)
        to = el->n;
    pg_raw(p, "<section class=\"screened\" id=\"results\" aria-labelledby=\"res-h\"");
    pg_fmt(p,
           " data-total=\"%zu\" data-eligible=\"%zu\" data-check=\"%zu\" "
           "data-not-eligible=\"%zu\" data-closed=\"%zu\" data-page=\"%ld\" "
           "data-pages=\"%ld\" data-per-page=\"%ld\"><h2 id=\"res-h\">",
           el->n, el->counts[ELIG_ELIGIBLE], el->counts[ELIG_CHECK],
           el->counts[ELIG_NOT_ELIGIBLE], el->counts[SD_CLOSED], page, pages, per);
    char n[24], yes[24];
    snprintf(n, sizeof n, "%zu", el->n);
    snprintf(yes, sizeof yes, "%zu", el->counts[ELIG_ELIGIBLE]);
    pg_tf(p, "coach.results", n, yes, NULL);
    pg_raw(p, "</h2>");
    /* One line: which of them are shown, where distances are from, and
     * that the job goal leads. */
    pg_raw(p, "<p class=\"showing\">");
    if (!el->n) {
        pg_t(p, "coach.none");
    } else {
        char f[24], t[24];
        snprintf(f, sizeof f, "%zu", from + 1);
        snprintf(t, sizeof t, "%zu", to);
        pg_tf(p, "coach.showing", f, t, n);
    }
    if (c->has_near) {
        pg_raw(p, " ");
        pg_tf(p, "coach.from_near", c->near, NULL, NULL);
    } else if (c->pp.p.borough) {
        const char *bl = pg_label(p, "borough", c->pp.p.borough);
        pg_raw(p, " ");
        pg_tf(p, "coach.from_borough", bl ? bl : c->pp.p.borough, NULL, NULL);
    }
    if (c->sector) {
        const char *l = pg_label(p, "sector", c->sector);
        pg_raw(p, " ");
        pg_tf(p, "coach.sector_first", l ? l : c->sector, NULL, NULL);
    }
    pg_raw(p, "</p>");
    static const char *const heads[4] = {"coach.yes", "coach.check", "coach.no",
                                         "coach.closed"};
    static const char *const cls[4] = {"yes", "check", "no", "closed"};
    int open = -1;
    for (size_t i = from; i < to; i++) {
        const sd_elig_item *it = &el->items[i];
        if (it->outcome != open) {
            if (open >= 0)
                pg_raw(p, "</ol></div>");
            open = it->outcome;
            char cnt[24];
            snprintf(cnt, sizeof cnt, "%zu", el->counts[open]);
            pg_fmt(p, "<div class=\"group %pA\"><h3>", cls[open]);
            pg_tf(p, heads[open], cnt, NULL, NULL);
            pg_raw(p, "</h3><ol class=\"hits\">");
        }
        put_judged(p, c, sl, it);
    }
    if (open >= 0)
        pg_raw(p, "</ol></div>");
    pg_pager(p, page, pages, pages, coach_page_url, (void *)sl);
    pg_raw(p, "</section>");
}

/* The job goal steers the order: within each verdict, services that
 * speak to the sector come first, otherwise in the order they had. */
static int sector_first(const vocab *v, const char *sector, sd_elig *el)
{
    if (!sector || !el->n)
        return SP_OK;
    sd_elig_item *out = malloc(el->n * sizeof *out);
    bool *fits = calloc(el->n, sizeof *fits);
    if (!out || !fits) {
        free(out);
        free(fits);
        return SP_ENOMEM;
    }
    for (size_t i = 0; i < el->n; i++)
        fits[i] = coach_sector_fits(v, sector, &el->items[i].hit->rec);
    size_t k = 0;
    for (size_t from = 0; from < el->n;) {
        size_t to = from;
        while (to < el->n && el->items[to].outcome == el->items[from].outcome)
            to++;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = from; i < to; i++)
                if (fits[i] == (pass == 0))
                    out[k++] = el->items[i];
        from = to;
    }
    memcpy(el->items, out, el->n * sizeof *out);
    free(out);
    free(fits);
    return SP_OK;
}

static void summary_item(pg *p, bool *first, const char *label_key, const char *value)
{
    if (!value || !*value)
        return;
    pg_raw_if(p, *first, "<li>", "</li><li>");
    *first = false;
    pg_t(p, label_key);
    pg_raw(p, ": <strong>");
    pg_text(p, value);
    pg_raw(p, "</strong>");
}

static void labels_joined(pg *p, sp_buf *b, const char *field, const char *const *slugs,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *l = pg_label(p, field, slugs[i]);
        if (i)
            sp_buf_puts(b, ", ");
        sp_buf_puts(b, l ? l : slugs[i]);
    }
}

/* The client's answers in one short list, so the results come first and
 * the form waits, folded, behind "Change answers". */
static void put_answers(pg *p, const client *c)
{
    const elig_person *ep = &c->pp.p;
    bool first = true;
    char num[24];
    pg_raw(p, "<section class=\"answers\" id=\"answers\" aria-label=\"");
    pg_t(p, "coach.answers");
    pg_raw(p, "\"><ul class=\"answers-list\">");
    if (ep->age >= 0) {
        snprintf(num, sizeof num, "%d", ep->age);
        summary_item(p, &first, "coach.age", num);
    }
    summary_item(p, &first, "coach.near", c->near);
    if (ep->borough) {
        const char *l = pg_label(p, "borough", ep->borough);
        summary_item(p, &first, "coach.borough", l ? l : ep->borough);
    }
    sp_buf b = {0};
    if (ep->benefits_known) {
        if (ep->n_benefits)
            labels_joined(p, &b, "benefit", ep->benefits, ep->n_benefits);
        else
            sp_buf_puts(&b, html_t(p->L, "benefit.none"));
        summary_item(p, &first, "coach.benefit", sp_buf_cstr(&b));
        sp_buf_free(&b);
    }
    if (ep->status) {
        const char *l = pg_label(p, "status", ep->status);
        summary_item(p, &first, "coach.status", l ? l : ep->status);
    }
    if (ep->months_unemployed >= 0) {
        snprintf(num, sizeof num, "%d", ep->months_unemployed);
        summary_item(p, &first, "coach.months", num);
    }
    if (ep->language) {
        const char *l = pg_label(p, "language", ep->language);
        summary_item(p, &first, "coach.language", l ? l : ep->language);
    }
    if (ep->n_groups) {
        labels_joined(p, &b, "group", ep->groups, ep->n_groups);
        summary_item(p, &first, "coach.groups", sp_buf_cstr(&b));
        sp_buf_free(&b);
    }
    if (ep->n_needs) {
        labels_joined(p, &b, "category", ep->needs, ep->n_needs);
        summary_item(p, &first, "coach.needs", sp_buf_cstr(&b));
        sp_buf_free(&b);
    }
    if (c->sector) {
        const char *l = pg_label(p, "sector", c->sector);
        summary_item(p, &first, "coach.sector", l ? l : c->sector);
    }
    summary_item(p, &first, "coach.ans_q", c->q);
    const char *implied[PERSON_MAX_LIST];
    size_t ni = person_implied_groups(p->v, ep, implied, PERSON_MAX_LIST);
    if (ni) {
        /* What the answers already say, so the coach need not tick it. */
        labels_joined(p, &b, "group", implied, ni);
        summary_item(p, &first, "coach.implied", sp_buf_cstr(&b));
        sp_buf_free(&b);
    }
    if (first)
        pg_raw(p, "<li>");
    if (first)
        pg_t(p, "coach.answers_none");
    pg_raw(p, "</li></ul><p class=\"privacy\">");
    pg_t(p, "coach.privacy");
    pg_raw(p, "</p></section>");
}

enum MHD_Result sd_page_coach(sd_req *r, const char *rest)
{
    pg p;
    pg_init(&p, r);
    if (p.too_many_args)
        return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.too_many", NULL);
    shortlist sl;
    coach_read_list(&p, &sl);
    enum MHD_Result ret = MHD_NO;
    idx *ix = pg_index(&p, &ret);
    if (!ix)
        return ret;
    const char *pr = pg_get(&p, "print");
    if (pr && !strcmp(pr, "1"))
        return coach_print_page(&p, ix, &sl);

    client c;
    coach_read_client(&p, &c);
    pg_head(&p, "coach.title", NULL, "coach");
    pg_fmt(&p, "<h1>%pT</h1>", html_t(p.L, "coach.h1"));
    if (!c.given) /* with results the privacy note closes the answers (put_answers) */
        pg_fmt(&p, "<p class=\"lead\">%pT</p><p class=\"privacy\">%pT</p>",
               html_t(p.L, "coach.lead"), html_t(p.L, "coach.privacy"));
    /* Where portal.js says what "Add to shortlist" did. */
    pg_raw(&p, "<p class=\"vh\" id=\"coach-live\" role=\"status\" data-added=\"");
    pg_t(&p, "coach.added");
    pg_raw(&p, "\" data-removed=\"");
    pg_t(&p, "coach.removed");
    pg_raw(&p, "\"></p><div class=\"cols coachcols\"><div>");
    if (c.given) {
        /* Results first: the answers in a line, the form folded behind
         * "Change answers" (open when an answer was refused). */
        put_answers(&p, &c);
        pg_raw_if(&p, c.refused[0], "<details class=\"change\" id=\"change\" open><summary>",
                  "<details class=\"change\" id=\"change\"><summary>");
        pg_t(&p, "coach.change");
        pg_raw(&p, "</summary>");
    }
    put_form(&p, &c, &sl);
    if (c.given)
        pg_raw(&p, "</details>");
    if (c.refused[0]) {
        pg_raw(&p, "<p class=\"notice\">");
        pg_tf(&p, "coach.refused", c.refused, NULL, NULL);
        pg_raw(&p, "</p>");
    }
    if (c.given) {
        /* The same candidates, verdicts and order as /api/v1/eligible
         * (with near= the client's postcode); the job goal then moves
         * the sector's services up within each verdict. */
        idx_query q;
        sd_elig_query(p.v, &c.pp.p, c.q, c.has_near, c.lat, c.lon, 0, &q);
        sd_elig el;
        memset(&el, 0, sizeof el);
        sp_err e;
        int rc = pg_search(&p, &ix, &q, &el.res, &e);
        if (rc == SP_OK && (sd_elig_judge(p.v, &c.pp.p, &el) != SP_OK ||
                            sector_first(p.v, c.sector, &el) != SP_OK))
            p.oom = true;
        else if (rc == SP_OK)
            put_results(&p, &c, &sl, &el);
        else {
            pg_raw(&p, "<p class=\"notice\">");
            pg_t(&p, rc == SP_EINVAL ? "coach.bad_q" : "msg.error");
            pg_raw(&p, "</p>");
        }
        sd_elig_free(&el);
        if (!ix)
            return pg_message(&p, MHD_HTTP_SERVICE_UNAVAILABLE, "msg.unavailable.title",
                              "msg.unavailable", NULL);
    }
    pg_raw(&p, "</div><div>");
    coach_put_shortlist(&p, ix, &c, &sl);
    pg_raw(&p, "</div></div>");
    pg_foot(&p);
    return pg_reply(&p, MHD_HTTP_OK);
}
