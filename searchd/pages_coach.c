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
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

#define COACH_PER_PAGE 15 /* results on a page unless per_page says (60 KB a page) */

typedef struct client {
    person pp; /* the answers (indexer/person.h) */
    const char *q;
    char refused[sizeof(((sp_err *)0)->msg)]; /* the first refusal, for the coach */
    bool given; /* the form was submitted */
} client;

typedef enum verdict { V_YES, V_CHECK, V_NO, V_INFO } verdict; /* V_INFO: reasons only */

/* The form's names are the API's; "benefit" and "months" are the names
 * older links used. */
static const char *answer_name(const char *key)
{
    if (!strcmp(key, "benefit"))
        return "benefits";
    if (!strcmp(key, "months"))
        return "months_unemployed";
    return person_is_field(key) ? key : NULL;
}

static void read_client(pg *p, client *c)
{
    memset(c, 0, sizeof *c);
    person_init(&c->pp);
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *a = &p->args[i];
        const char *name = answer_name(a->key);
        size_t len = strlen(a->value);
        if (!name)
            continue;
        /* A submitted form, even all "not asked", is a person to screen:
         * everything unknown. */
        c->given = true;
        if (!len)
            continue;
        sp_err e;
        sp_err_clear(&e);
        if (len > SD_MAX_VALUE || !sp_utf8_valid(a->value, len))
            sp_fail(&e, SP_EINVAL, "%s is not a short plain text", name);
        else
            person_set(&c->pp, p->v, name, a->value, len, &e);
        if (e.msg[0] && !c->refused[0])
            snprintf(c->refused, sizeof c->refused, "%s", e.msg);
    }
    const char *q = pg_get(p, "q");
    c->q = q && *q && strlen(q) <= SD_MAX_Q && sp_utf8_valid(q, strlen(q)) ? q : NULL;
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

typedef struct shortlist {
    char ids[PG_MAX_SHORTLIST][37];
    size_t n;
} shortlist;

static void read_shortlist(pg *p, shortlist *sl)
{
    sl->n = 0;
    for (size_t i = 0; i < p->n_args && sl->n < PG_MAX_SHORTLIST; i++) {
        const pg_arg *a = &p->args[i];
        if (strcmp(a->key, "s") || strlen(a->value) != 36)
            continue;
        char id[37];
        for (size_t k = 0; k < 36; k++)
            id[k] = (char)tolower((unsigned char)a->value[k]);
        id[36] = '\0';
        if (!rec_is_uuid(id))
            continue;
        bool dup = false;
        for (size_t k = 0; k < sl->n; k++)
            if (!strcmp(sl->ids[k], id))
                dup = true;
        if (!dup)
            memcpy(sl->ids[sl->n++], id, 37);
    }
}

static bool shortlisted(const shortlist *sl, const char *id)
{
    for (size_t i = 0; id && i < sl->n; i++)
        if (!strcmp(sl->ids[i], id))
            return true;
    return false;
}

/* /coach?... with the page's parameters, the shortlist changed (add or
 * drop one id), and optionally only the shortlist (print and share);
 * page_to > 0 moves to that page of results. */
static void coach_url(pg *p, sp_buf *u, const shortlist *sl, const char *add,
                      const char *drop, bool only_list, bool print, long page_to)
{
    sp_buf_puts(u, "/coach?");
    if (!only_list)
        for (size_t i = 0; i < p->n_args; i++) {
            const pg_arg *a = &p->args[i];
            if (!strcmp(a->key, "s") || !strcmp(a->key, "print") || !*a->value ||
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

static void put_coach_href(pg *p, const shortlist *sl, const char *add, const char *drop,
                           bool only_list, bool print, const char *frag)
{
    sp_buf u = {0};
    coach_url(p, &u, sl, add, drop, only_list, print, 0);
    if (frag)
        sp_buf_puts(&u, frag);
    pg_href(p, sp_buf_cstr(&u));
    sp_buf_free(&u);
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
        pg_raw(p, chosen && !strcmp(chosen, "none") ? "<option value=\"none\" selected>"
                                                    : "<option value=\"none\">");
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
    pg_raw(p, checked ? "\" checked><label for=\"c-" : "\"><label for=\"c-");
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
    pg_printf(p, "\" maxlength=\"%d\"", max);
    if (hint_key) {
        pg_raw(p, " aria-describedby=\"c-");
        pg_text(p, name);
        pg_raw(p, "-hint\"");
    }
    pg_raw(p, " value=\"");
    if (value >= 0)
        pg_printf(p, "%d", value);
    pg_raw(p, "\"></div>");
}

static void put_form(pg *p, const client *c, const shortlist *sl)
{
    pg_raw(p, "<form class=\"screen\" id=\"screen\" method=\"get\" action=\"/coach\">");
    const char *lang = pg_get(p, "lang");
    if (lang && html_lang_get(p->web_dir, lang)) {
        pg_raw(p, "<input type=\"hidden\" name=\"lang\" value=\"");
        pg_text(p, lang);
        pg_raw(p, "\">");
    }
    for (size_t i = 0; i < sl->n; i++) {
        pg_raw(p, "<input type=\"hidden\" name=\"s\" value=\"");
        pg_text(p, sl->ids[i]);
        pg_raw(p, "\">");
    }
    pg_raw(p, "<fieldset><legend>");
    pg_t(p, "coach.about");
    pg_raw(p, "</legend><div class=\"grid\">");
    const elig_person *ep = &c->pp.p;
    put_number(p, "age", "coach.age", NULL, ep->age, 3);
    put_select(p, "borough", "coach.borough", "borough", ep->borough);
    put_select(p, "language", "coach.language", "language", ep->language);
    put_select(p, "benefits", "coach.benefit", "benefit",
               !ep->benefits_known ? NULL : ep->n_benefits ? ep->benefits[0] : "none");
    put_select(p, "status", "coach.status", "status", ep->status);
    put_number(p, "months_unemployed", "coach.months", "coach.months_hint",
               ep->months_unemployed, 3);
    pg_raw(p, "</div></fieldset>");

    size_t ng = 0;
    const char *const *groups = vocab_slugs(p->v, "group", &ng);
    pg_raw(p, "<fieldset><legend>");
    pg_t(p, "coach.groups");
    pg_raw(p, "</legend><ul class=\"cbs cols2\">");
    for (size_t i = 0; i < ng; i++)
        if (vocab_group_priority(p->v, groups[i]))
            put_checkbox(p, "group", groups[i], pg_label(p, "group", groups[i]),
                         client_has_group(c, groups[i]));
    pg_raw(p, "</ul><details");
    for (size_t i = 0; i < ng; i++)
        if (!vocab_group_priority(p->v, groups[i]) && client_has_group(c, groups[i])) {
            pg_raw(p, " open");
            break;
        }
    pg_raw(p, "><summary>");
    pg_t(p, "coach.more_groups");
    pg_raw(p, "</summary><ul class=\"cbs cols2\">");
    for (size_t i = 0; i < ng; i++)
        if (!vocab_group_priority(p->v, groups[i]))
            put_checkbox(p, "group", groups[i], pg_label(p, "group", groups[i]),
                         client_has_group(c, groups[i]));
    pg_raw(p, "</ul></details></fieldset>");

    size_t nc = 0;
    const char *const *cats = vocab_slugs(p->v, "category", &nc);
    pg_raw(p, "<fieldset><legend>");
    pg_t(p, "coach.needs");
    pg_raw(p, "</legend><ul class=\"cbs cols2\">");
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
    put_coach_href(p, sl, NULL, NULL, true, false, NULL);
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
    static const char *const li[4] = {"<li class=\"yes\"><span class=\"mark\">",
                                      "<li class=\"check\"><span class=\"mark\">",
                                      "<li class=\"no\"><span class=\"mark\">",
                                      "<li class=\"info\"><span class=\"mark\">"};
    static const char *const mark[4] = {"elig.mark_yes", "elig.mark_check", "elig.mark_no",
                                        "elig.mark_info"};
    pg_raw(p, "<ul class=\"reasons\">");
    if (!vd->n_reasons) {
        pg_raw(p, li[V_YES]);
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
        pg_raw(p, li[v]);
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

static void put_judged(pg *p, const shortlist *sl, const sd_elig_item *it)
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
    pg_raw(p, "\" data-outcome=\"");
    pg_raw(p, sd_elig_outcome_name(it->outcome));
    pg_raw(p, "\"><h4><a href=\"/services/");
    pg_text(p, rec->id);
    pg_raw(p, "\">");
    pg_text(p, rec->name ? rec->name : html_t(p->L, "rec.unnamed"));
    pg_raw(p, "</a></h4>");
    if (rec->organization.name) {
        pg_raw(p, "<p class=\"org\">");
        pg_text(p, rec->organization.name);
        pg_raw(p, "</p>");
    }
    if (it->outcome == SD_CLOSED) {
        /* Nothing to join: no reasons to fit, no way onto the printout. */
        put_closed(p, rec);
        pg_raw(p, "</li>");
        return;
    }
    put_reasons(p, it->verdict);
    pg_result_facts(p, h);
    if (shortlisted(sl, rec->id)) {
        pg_raw(p, "<p class=\"onlist\">");
        pg_t(p, "coach.on_list");
        pg_raw(p, " <a href=\"");
        put_coach_href(p, sl, NULL, rec->id, false, false, frag);
        pg_raw(p, "\">");
        pg_tf(p, "coach.remove", rec->name, NULL, NULL);
        pg_raw(p, "</a></p>");
    } else if (sl->n < PG_MAX_SHORTLIST) {
        pg_raw(p, "<p><a class=\"btn2 add\" data-id=\"");
        pg_text(p, rec->id);
        pg_raw(p, "\" href=\"");
        put_coach_href(p, sl, rec->id, NULL, false, false, frag);
        pg_raw(p, "\">");
        pg_tf(p, "coach.add", rec->name, NULL, NULL);
        pg_raw(p, "</a></p>");
    }
    pg_raw(p, "</li>");
}

/* A whole number from a parameter, or def when absent or out of range. */
static long param_num(pg *p, const char *key, long lo, long hi, long def)
{
    const char *v = pg_get(p, key);
    if (!v || !*v || strlen(v) > 6)
        return def;
    long n = 0;
    for (const char *c = v; *c; c++) {
        if (!isdigit((unsigned char)*c))
            return def;
        n = n * 10 + (*c - '0');
    }
    return n < lo || n > hi ? def : n;
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
    long per = param_num(p, "per_page", 1, SD_MAX_PER_PAGE, COACH_PER_PAGE);
    long pages = (long)((el->n + (size_t)per - 1) / (size_t)per);
    long page = param_num(p, "page", 1, pages > 0 ? pages : 1, 1);
    size_t from = (size_t)((page - 1) * per), to = from + (size_t)per;
    if (to > el->n)
        to = el->n;
    pg_raw(p, "<section class=\"screened\" id=\"results\" aria-labelledby=\"res-h\"");
    pg_printf(p,
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
    const char *implied[PERSON_MAX_LIST];
    size_t ni = person_implied_groups(p->v, &c->pp.p, implied, PERSON_MAX_LIST);
    if (ni) {
        /* What the answers already say, so the coach need not tick it. */
        sp_buf l = {0};
        for (size_t i = 0; i < ni; i++) {
            const char *lab = pg_label(p, "group", implied[i]);
            if (i)
                sp_buf_puts(&l, ", ");
            sp_buf_puts(&l, lab ? lab : implied[i]);
        }
        pg_raw(p, "<p class=\"implied\">");
        pg_tf(p, "coach.implied", sp_buf_cstr(&l), NULL, NULL);
        pg_raw(p, "</p>");
        sp_buf_free(&l);
    }
    if (!el->n) {
        pg_raw(p, "<p>");
        pg_t(p, "coach.none");
        pg_raw(p, "</p>");
    } else {
        char f[24], t[24];
        snprintf(f, sizeof f, "%zu", from + 1);
        snprintf(t, sizeof t, "%zu", to);
        pg_raw(p, "<p class=\"showing\">");
        pg_tf(p, "coach.showing", f, t, n);
        pg_raw(p, "</p>");
    }
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
            pg_raw(p, "<div class=\"group ");
            pg_raw(p, cls[open]);
            pg_raw(p, "\"><h3>");
            pg_tf(p, heads[open], cnt, NULL, NULL);
            pg_raw(p, "</h3><ol class=\"hits\">");
        }
        put_judged(p, sl, it);
    }
    if (open >= 0)
        pg_raw(p, "</ol></div>");
    pg_pager(p, page, pages, pages, coach_page_url, (void *)sl);
    pg_raw(p, "</section>");
}

/* ---- shortlist panel, text and print ---- */

static void put_plain_record(pg *p, size_t k, const rec_service *rec)
{
    /* Inside a <textarea>: escaped text only, no markup. */
    pg_printf(p, "%zu. ", k);
    pg_text(p, rec->name ? rec->name : html_t(p->L, "rec.unnamed"));
    if (rec->organization.name) {
        pg_raw(p, " - ");
        pg_text(p, rec->organization.name);
    }
    pg_raw(p, "\n");
    const char *phone = pg_phone(rec), *email = pg_email(rec);
    char *web = html_url_web(pg_website(rec));
    if (phone) {
        pg_raw(p, "   ");
        pg_t(p, "rec.phone");
        pg_raw(p, " ");
        pg_text(p, phone);
        pg_raw(p, "\n");
    }
    if (email) {
        pg_raw(p, "   ");
        pg_t(p, "rec.email");
        pg_raw(p, " ");
        pg_text(p, email);
        pg_raw(p, "\n");
    }
    if (web) {
        pg_raw(p, "   ");
        pg_t(p, "rec.website");
        pg_raw(p, " ");
        pg_text(p, web);
        pg_raw(p, "\n");
        free(web);
    }
    const rec_location *loc = pg_location(rec);
    if (loc) {
        pg_raw(p, "   ");
        pg_t(p, "rec.address");
        pg_raw(p, " ");
        pg_address(p, loc, false);
        pg_raw(p, "\n");
    }
    size_t before = p->b.len;
    pg_raw(p, "   ");
    pg_t(p, "rec.when");
    pg_raw(p, ": ");
    if (pg_when(p, rec, 3)) {
        pg_raw(p, "\n");
    } else {
        p->b.len = before;
        if (p->b.data)
            p->b.data[before] = '\0';
    }
    pg_raw(p, "\n");
}

static void put_shortlist(pg *p, idx *ix, const shortlist *sl)
{
    pg_raw(p, "<section class=\"shortlist\" id=\"shortlist\" aria-labelledby=\"sl-h\" "
              "tabindex=\"-1\"><h2 id=\"sl-h\">");
    char n[24];
    snprintf(n, sizeof n, "%zu", sl->n);
    pg_tf(p, "coach.shortlist", n, NULL, NULL);
    pg_raw(p, "</h2>");
    if (!sl->n) {
        pg_raw(p, "<p>");
        pg_t(p, "coach.shortlist_empty");
        pg_raw(p, "</p></section>");
        return;
    }
    rec_service *recs = calloc(sl->n, sizeof *recs);
    bool *ok = calloc(sl->n, sizeof *ok);
    if (!recs || !ok) {
        free(recs);
        free(ok);
        p->oom = true;
        return;
    }
    for (size_t i = 0; i < sl->n; i++) {
        sp_err e;
        sp_err_clear(&e);
        ok[i] = idx_get(ix, sl->ids[i], &recs[i], &e) == SP_OK;
    }
    pg_raw(p, "<ol class=\"sl\">");
    for (size_t i = 0; i < sl->n; i++) {
        pg_raw(p, "<li>");
        if (ok[i]) {
            pg_raw(p, "<a href=\"/services/");
            pg_text(p, sl->ids[i]);
            pg_raw(p, "\">");
            pg_text(p, recs[i].name ? recs[i].name : html_t(p->L, "rec.unnamed"));
            pg_raw(p, "</a>");
            const char *ph = pg_phone(&recs[i]);
            if (sd_rec_closed(&recs[i])) {
                /* Kept so the coach sees why it is not printed. */
                ph = NULL;
                pg_raw(p, " <strong class=\"closed\">");
                pg_t(p, "coach.closed_mark");
                pg_raw(p, "</strong> ");
                pg_t(p, "coach.closed_not_printed");
            }
            if (ph) {
                pg_raw(p, " <span class=\"k\">");
                pg_text(p, ph);
                pg_raw(p, "</span>");
            }
        } else {
            pg_t(p, "coach.gone");
        }
        pg_raw(p, " <a class=\"rm\" href=\"");
        put_coach_href(p, sl, NULL, sl->ids[i], false, false, "#shortlist");
        pg_raw(p, "\">");
        pg_tf(p, "coach.remove", ok[i] ? recs[i].name : NULL, NULL, NULL);
        pg_raw(p, "</a></li>");
    }
    pg_raw(p, "</ol><p class=\"actions\"><a class=\"btn\" id=\"print-link\" href=\"");
    put_coach_href(p, sl, NULL, NULL, true, true, NULL);
    pg_raw(p, "\">");
    pg_t(p, "coach.print");
    pg_raw(p, "</a></p>");

    /* Share: the link is the whole shortlist. */
    pg_raw(p, "<div class=\"field\"><label for=\"share\">");
    pg_t(p, "coach.share");
    pg_raw(p, "</label><span class=\"hint\" id=\"share-hint\">");
    pg_t(p, "coach.share_hint");
    pg_raw(p, "</span><input type=\"text\" readonly id=\"share\" aria-describedby=\"share-hint\" value=\"");
    sp_buf u = {0};
    char *base = sd_base_url(p->r); /* public_url or Host (ops.c) */
    if (base)
        sp_buf_puts(&u, base);
    free(base);
    coach_url(p, &u, sl, NULL, NULL, true, false, 0);
    pg_text(p, sp_buf_cstr(&u));
    sp_buf_free(&u);
    pg_raw(p, "\"><button type=\"button\" class=\"btn2 js-only copy\" data-copy=\"share\" hidden "
              "data-done=\"");
    pg_t(p, "coach.copied");
    pg_raw(p, "\">");
    pg_t(p, "coach.copy_link");
    pg_raw(p, "</button><span class=\"copied\" role=\"status\"></span></div>");

    /* Copy as text: for an e-mail or a Universal Credit journal note. */
    pg_raw(p, "<div class=\"field\"><label for=\"astext\">");
    pg_t(p, "coach.text");
    pg_raw(p, "</label><span class=\"hint\" id=\"astext-hint\">");
    pg_t(p, "coach.text_hint");
    pg_raw(p, "</span><textarea readonly id=\"astext\" rows=\"8\" aria-describedby=\"astext-hint\">");
    pg_t(p, "print.h1");
    pg_raw(p, "\n\n");
    size_t k = 1;
    for (size_t i = 0; i < sl->n; i++)
        if (ok[i] && !sd_rec_closed(&recs[i]))
            put_plain_record(p, k++, &recs[i]);
    pg_raw(p, "</textarea><button type=\"button\" class=\"btn2 js-only copy\" data-copy=\"astext\" "
              "hidden data-done=\"");
    pg_t(p, "coach.copied");
    pg_raw(p, "\">");
    pg_t(p, "coach.copy_text");
    pg_raw(p, "</button><span class=\"copied\" role=\"status\"></span></div></section>");
    for (size_t i = 0; i < sl->n; i++)
        if (ok[i])
            rec_service_free(&recs[i]);
    free(recs);
    free(ok);
}

static enum MHD_Result print_page(pg *p, idx *ix, const shortlist *sl)
{
    pg_head(p, "print.title", NULL, "printable");
    pg_raw(p, "<p class=\"noprint\"><a href=\"");
    put_coach_href(p, sl, NULL, NULL, true, false, "#shortlist");
    pg_raw(p, "\">");
    pg_t(p, "print.back");
    pg_raw(p, "</a> <button type=\"button\" class=\"btn js-only\" id=\"print-now\" hidden>");
    pg_t(p, "print.now");
    pg_raw(p, "</button></p><h1>");
    pg_t(p, "print.h1");
    pg_raw(p, "</h1><p>");
    pg_t(p, "print.intro");
    pg_raw(p, "</p><p class=\"checked\">");
    pg_t(p, "print.date");
    pg_raw(p, " ");
    pg_put_date(p, sp_now());
    pg_raw(p, "</p>");
    if (!sl->n) {
        pg_raw(p, "<p>");
        pg_t(p, "coach.shortlist_empty");
        pg_raw(p, "</p>");
    }
    size_t closed = 0;
    for (size_t i = 0; i < sl->n; i++) {
        rec_service rec;
        sp_err e;
        sp_err_clear(&e);
        if (idx_get(ix, sl->ids[i], &rec, &e) != SP_OK)
            continue;
        if (sd_rec_closed(&rec)) { /* never printed as something to join */
            closed++;
            rec_service_free(&rec);
            continue;
        }
        pg_raw(p, "<section class=\"card\"><h2>");
        pg_text(p, rec.name ? rec.name : html_t(p->L, "rec.unnamed"));
        pg_raw(p, "</h2>");
        if (rec.organization.name) {
            pg_raw(p, "<p class=\"org\">");
            pg_text(p, rec.organization.name);
            pg_raw(p, "</p>");
        }
        const char *ph = pg_phone(&rec), *em = pg_email(&rec);
        char *web = html_url_web(pg_website(&rec));
        pg_raw(p, "<dl>");
        if (ph) {
            pg_raw(p, "<dt>");
            pg_t(p, "rec.phone");
            pg_raw(p, "</dt><dd class=\"big\">");
            pg_text(p, ph);
            pg_raw(p, "</dd>");
        }
        if (em) {
            pg_raw(p, "<dt>");
            pg_t(p, "rec.email");
            pg_raw(p, "</dt><dd>");
            pg_text(p, em);
            pg_raw(p, "</dd>");
        }
        if (web) {
            pg_raw(p, "<dt>");
            pg_t(p, "rec.website");
            pg_raw(p, "</dt><dd>");
            pg_text(p, web);
            pg_raw(p, "</dd>");
            free(web);
        }
        const rec_location *loc = pg_location(&rec);
        if (loc) {
            pg_raw(p, "<dt>");
            pg_t(p, "rec.address");
            pg_raw(p, "</dt><dd>");
            pg_address(p, loc, false);
            pg_raw(p, "</dd>");
        }
        size_t before = p->b.len;
        pg_raw(p, "<dt>");
        pg_t(p, "rec.when");
        pg_raw(p, "</dt><dd>");
        if (pg_when(p, &rec, 4)) {
            pg_raw(p, "</dd>");
        } else {
            p->b.len = before;
            if (p->b.data)
                p->b.data[before] = '\0';
        }
        pg_raw(p, "</dl><p class=\"say\"><strong>");
        pg_t(p, "print.say_h");
        pg_raw(p, "</strong> ");
        pg_tf(p, "print.say", rec.name, NULL, NULL);
        pg_raw(p, "</p></section>");
        rec_service_free(&rec);
    }
    if (closed) {
        char n[24];
        snprintf(n, sizeof n, "%zu", closed);
        pg_raw(p, "<p class=\"noprint\">");
        pg_tf(p, "print.closed_left_out", n, NULL, NULL);
        pg_raw(p, "</p>");
    }
    pg_foot(p);
    return pg_reply(p, MHD_HTTP_OK);
}

enum MHD_Result sd_page_coach(sd_req *r, const char *rest)
{
    pg p;
    pg_init(&p, r);
    if (p.too_many_args)
        return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.too_many", NULL);
    shortlist sl;
    read_shortlist(&p, &sl);
    enum MHD_Result ret = MHD_NO;
    idx *ix = pg_index(&p, &ret);
    if (!ix)
        return ret;
    const char *pr = pg_get(&p, "print");
    if (pr && !strcmp(pr, "1"))
        return print_page(&p, ix, &sl);

    client c;
    read_client(&p, &c);
    pg_head(&p, "coach.title", NULL, "coach");
    pg_raw(&p, "<h1>");
    pg_t(&p, "coach.h1");
    pg_raw(&p, "</h1><p class=\"lead\">");
    pg_t(&p, "coach.lead");
    pg_raw(&p, "</p><p class=\"privacy\">");
    pg_t(&p, "coach.privacy");
    pg_raw(&p, "</p><div class=\"cols coachcols\"><div>");
    put_form(&p, &c, &sl);
    if (c.refused[0]) {
        pg_raw(&p, "<p class=\"notice\">");
        pg_tf(&p, "coach.refused", c.refused, NULL, NULL);
        pg_raw(&p, "</p>");
    }
    if (c.given) {
        /* The same candidates, verdicts and order as /api/v1/eligible. */
        idx_query q;
        sd_elig_query(p.v, &c.pp.p, c.q, false, 0, 0, 0, &q);
        sd_elig el;
        memset(&el, 0, sizeof el);
        sp_err e;
        sp_err_clear(&e);
        int rc = pg_search(&p, &ix, &q, &el.res, &e);
        if (rc == SP_OK && sd_elig_judge(p.v, &c.pp.p, &el) != SP_OK)
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
    put_shortlist(&p, ix, &sl);
    pg_raw(&p, "</div></div>");
    pg_foot(&p);
    return pg_reply(&p, MHD_HTTP_OK);
}
