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
 * Eligibility is the eligibility engine's (indexer/elig.h, as behind
 * /api/v1/eligible): the record's structured rules against the client's
 * answers, plus the groups the answers imply (age 19: young people); see
 * docs/portal.md.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

/* Issue 4's eligibility engine: the same judgement /api/v1/eligible gives. */
#include "elig.h"

#define COACH_RESULTS 30
#define MAX_REASONS 8

typedef struct client {
    int age;    /* -1 unknown */
    int months; /* months out of work, -1 unknown */
    const char *borough, *benefit, *status, *language, *q;
    const char *groups[SD_MAX_VALUES];
    size_t n_groups;
    const char *needs[SD_MAX_VALUES];
    size_t n_needs;
    /* Groups that follow from the answers (age 19: young people; 14 months
     * out of work: long-term unemployed), so the coach need not tick them. */
    const char *derived[8];
    size_t n_derived;
    bool given; /* the form was submitted with something in it */
} client;

typedef enum verdict { V_YES, V_CHECK, V_NO, V_INFO } verdict; /* V_INFO: reasons only */

typedef struct reason {
    const char *key; /* word key */
    char arg[240];   /* its {1}, plain text (escaped when written) */
    verdict v;
} reason;

typedef struct judged {
    verdict v;
    reason r[MAX_REASONS];
    size_t n;
} judged;

static const char *const benefits[] = {"universal-credit", "jsa", "esa", "pip",
                                       "income-support", "pension-credit", "none"};
static const char *const statuses[] = {"unemployed", "employed", "self-employed",
                                       "inactive", "in-education"};

static bool in_list(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (!strcmp(v, list[i]))
            return true;
    return false;
}

static int small_uint(const char *s, int max)
{
    if (!s || !*s || strlen(s) > 4)
        return -1;
    int v = 0;
    for (const char *c = s; *c; c++) {
        if (!isdigit((unsigned char)*c))
            return -1;
        v = v * 10 + (*c - '0');
    }
    return v <= max ? v : -1;
}

static bool has_vocab(pg *p, const char *field)
{
    size_t n = 0;
    vocab_slugs(p->v, field, &n);
    return n > 0;
}

static void add_derived(client *c, const char *g)
{
    if (c->n_derived < sizeof c->derived / sizeof c->derived[0])
        c->derived[c->n_derived++] = g;
}

/* The circumstances a group stands for, where the answers say so plainly.
 * These only add "yes" reasons; a group the answers do not imply stays a
 * "check", never a "no" (listings' group wording is not a hard rule). */
static void derive_groups(client *c)
{
    bool working = c->status && (!strcmp(c->status, "employed") || !strcmp(c->status, "self-employed") ||
                                 !strcmp(c->status, "in-work") || !strcmp(c->status, "low-paid") ||
                                 !strcmp(c->status, "redundancy"));
    bool out = c->status && (!strcmp(c->status, "unemployed") || !strcmp(c->status, "inactive"));
    if (c->age >= 16 && c->age <= 24)
        add_derived(c, "young-people");
    if (c->age >= 50)
        add_derived(c, "aged-50-plus");
    if (c->age >= 16 && c->age <= 24 && out)
        add_derived(c, "neet");
    if (c->months >= 12 && !working)
        add_derived(c, "long-term-unemployed");
    if (c->status && !strcmp(c->status, "inactive"))
        add_derived(c, "economically-inactive");
    if (working)
        add_derived(c, "in-work-progression");
}

static void read_client(pg *p, client *c)
{
    memset(c, 0, sizeof *c);
    c->age = small_uint(pg_get(p, "age"), SD_MAX_AGE);
    c->months = small_uint(pg_get(p, "months"), 600);
    c->borough = vocab_canon(p->v, "borough", pg_get(p, "borough") ? pg_get(p, "borough") : "");
    /* Benefits and work situations from data/vocab when it has them (the
     * eligibility engine's slugs), else the page's own short lists. */
    const char *b = pg_get(p, "benefit");
    if (has_vocab(p, "benefit"))
        c->benefit = b && !strcmp(b, "none") ? "none" : vocab_canon(p->v, "benefit", b ? b : "");
    else
        c->benefit = in_list(b, benefits, sizeof benefits / sizeof benefits[0]) ? b : NULL;
    const char *st = pg_get(p, "status");
    if (has_vocab(p, "status"))
        c->status = vocab_canon(p->v, "status", st ? st : "");
    else
        c->status = in_list(st, statuses, sizeof statuses / sizeof statuses[0]) ? st : NULL;
    const char *lang = pg_get(p, "language");
    c->language = lang && *lang ? vocab_canon(p->v, "language", lang) : NULL;
    const char *q = pg_get(p, "q");
    c->q = q && *q && strlen(q) <= SD_MAX_Q && sp_utf8_valid(q, strlen(q)) ? q : NULL;
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *a = &p->args[i];
        if (!strcmp(a->key, "group") && c->n_groups < SD_MAX_VALUES) {
            const char *g = vocab_canon(p->v, "group", a->value);
            if (g)
                c->groups[c->n_groups++] = g;
        } else if (!strcmp(a->key, "need") && c->n_needs < SD_MAX_VALUES) {
            const char *n = vocab_canon(p->v, "category", a->value);
            if (n)
                c->needs[c->n_needs++] = n;
        }
    }
    c->given = c->age >= 0 || c->months >= 0 || c->borough || c->benefit || c->status ||
               c->language || c->q || c->n_groups || c->n_needs;
    derive_groups(c);
}

static bool client_has_group(const client *c, const char *g)
{
    for (size_t i = 0; i < c->n_groups; i++)
        if (!strcmp(c->groups[i], g))
            return true;
    return false;
}

static void add_reason(judged *j, verdict v, const char *key, const char *arg)
{
    if (v > j->v && v != V_INFO)
        j->v = v;
    if (j->n >= MAX_REASONS)
        return;
    reason *r = &j->r[j->n++];
    r->key = key;
    r->v = v;
    snprintf(r->arg, sizeof r->arg, "%s", arg ? arg : "");
}

/* The eligibility engine's verdict and reasons (its messages are plain
 * English built partly from the record's text: escaped when written).
 * Returns false when it could not judge. */
static bool judge_elig(pg *p, const client *c, const rec_service *rec, judged *j)
{
    elig_person ep;
    elig_person_init(&ep);
    ep.age = c->age;
    ep.borough = c->borough;
    const char *ben[1] = {c->benefit};
    if (c->benefit) {
        ep.benefits_known = true;
        if (strcmp(c->benefit, "none")) {
            ep.benefits = ben;
            ep.n_benefits = 1;
        }
    }
    ep.status = c->status;
    ep.months_unemployed = c->months;
    const char *groups[SD_MAX_VALUES + 8];
    size_t ng = 0;
    for (size_t i = 0; i < c->n_groups; i++)
        groups[ng++] = c->groups[i];
    for (size_t i = 0; i < c->n_derived; i++)
        groups[ng++] = c->derived[i];
    ep.groups = groups;
    ep.n_groups = ng;
    ep.needs = c->needs;
    ep.n_needs = c->n_needs;
    ep.language = c->language;
    elig_verdict *ev = malloc(sizeof *ev);
    if (!ev)
        return false;
    bool ok = elig_evaluate(p->v, rec, &ep, ev) == SP_OK;
    if (ok) {
        j->v = ev->outcome == ELIG_NOT_ELIGIBLE ? V_NO : ev->outcome == ELIG_CHECK ? V_CHECK : V_YES;
        for (size_t i = 0; i < ev->n_reasons && j->n < MAX_REASONS; i++) {
            const elig_reason *er = &ev->reasons[i];
            reason *r = &j->r[j->n++];
            r->key = er->outcome == ELIG_INFO ? "elig.note" : "elig.msg";
            r->v = er->outcome == ELIG_NOT_ELIGIBLE ? V_NO
                   : er->outcome == ELIG_CHECK     ? V_CHECK
                   : er->outcome == ELIG_INFO      ? V_INFO
                                                   : V_YES;
            snprintf(r->arg, sizeof r->arg, "%s", er->message);
        }
        if (!j->n) {
            reason *r = &j->r[j->n++];
            r->key = "elig.open";
            r->v = V_YES;
            r->arg[0] = '\0';
        }
    }
    free(ev);
    return ok;
}

/* Judge one record for the client: the engine's verdict, or "check" when
 * it could not judge (out of memory). */
static void judge(pg *p, const client *c, const rec_service *rec, judged *j)
{
    memset(j, 0, sizeof *j);
    j->v = V_YES;
    if (judge_elig(p, c, rec, j))
        return;
    memset(j, 0, sizeof *j);
    add_reason(j, V_CHECK, "elig.unknown", NULL);
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
 * drop one id), and optionally only the shortlist (print and share). */
static void coach_url(pg *p, sp_buf *u, const shortlist *sl, const char *add,
                      const char *drop, bool only_list, bool print)
{
    sp_buf_puts(u, "/coach?");
    if (!only_list)
        for (size_t i = 0; i < p->n_args; i++) {
            const pg_arg *a = &p->args[i];
            if (!strcmp(a->key, "s") || !strcmp(a->key, "print") || !*a->value)
                continue;
            html_query_add(u, a->key, a->value);
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
    coach_url(p, &u, sl, add, drop, only_list, print);
    if (frag)
        sp_buf_puts(&u, frag);
    pg_href(p, sp_buf_cstr(&u));
    sp_buf_free(&u);
}

/* ---- the form ---- */

static void put_select(pg *p, const char *name, const char *label_key, const char *field,
                       const char *const *fixed, size_t n_fixed, const char *word_prefix,
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
    size_t n = n_fixed;
    const char *const *vals = fixed;
    if (field)
        vals = vocab_slugs(p->v, field, &n);
    for (size_t i = 0; vals && i < n; i++) {
        pg_raw(p, "<option value=\"");
        pg_text(p, vals[i]);
        pg_raw(p, "\"");
        if (chosen && !strcmp(chosen, vals[i]))
            pg_raw(p, " selected");
        pg_raw(p, ">");
        if (field) {
            const char *l = pg_label(p, field, vals[i]);
            pg_text(p, l ? l : vals[i]);
        } else {
            char key[64];
            snprintf(key, sizeof key, "%s%s", word_prefix, vals[i]);
            pg_t(p, key);
        }
        pg_raw(p, "</option>");
    }
    if (field && !strcmp(field, "benefit")) {
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
    for (size_t i = 0; i < c->n_needs; i++)
        if (!strcmp(c->needs[i], n))
            return true;
    return false;
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
    put_number(p, "age", "coach.age", NULL, c->age, 3);
    put_select(p, "borough", "coach.borough", "borough", NULL, 0, NULL, c->borough);
    put_select(p, "language", "coach.language", "language", NULL, 0, NULL, c->language);
    if (has_vocab(p, "benefit"))
        put_select(p, "benefit", "coach.benefit", "benefit", NULL, 0, NULL, c->benefit);
    else
        put_select(p, "benefit", "coach.benefit", NULL, benefits,
                   sizeof benefits / sizeof benefits[0], "benefit.", c->benefit);
    if (has_vocab(p, "status"))
        put_select(p, "status", "coach.status", "status", NULL, 0, NULL, c->status);
    else
        put_select(p, "status", "coach.status", NULL, statuses,
                   sizeof statuses / sizeof statuses[0], "status.", c->status);
    put_number(p, "months", "coach.months", "coach.months_hint", c->months, 3);
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

static void put_judged(pg *p, const shortlist *sl, const idx_hit *h,
                       const judged *j)
{
    const rec_service *rec = &h->rec;
    /* Adding or removing returns here (#r-ID), so the coach keeps their
     * place in the list. */
    char frag[48];
    snprintf(frag, sizeof frag, "#r-%.36s", rec->id ? rec->id : "");
    pg_raw(p, "<li class=\"hit\" id=\"");
    pg_text(p, frag + 1);
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
    pg_raw(p, "<ul class=\"reasons\">");
    for (size_t i = 0; i < j->n; i++) {
        const reason *r = &j->r[i];
        static const char *const li[4] = {"<li class=\"yes\"><span class=\"mark\">",
                                          "<li class=\"check\"><span class=\"mark\">",
                                          "<li class=\"no\"><span class=\"mark\">",
                                          "<li class=\"info\"><span class=\"mark\">"};
        static const char *const mark[4] = {"elig.mark_yes", "elig.mark_check", "elig.mark_no",
                                            "elig.mark_info"};
        pg_raw(p, li[r->v]);
        pg_t(p, mark[r->v]);
        pg_raw(p, "</span> ");
        pg_tf(p, r->key, r->arg, NULL, NULL);
        pg_raw(p, "</li>");
    }
    pg_raw(p, "</ul>");
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

static void put_results(pg *p, const client *c, const shortlist *sl, const idx_result *res)
{
    judged *js = calloc(res->n_hits ? res->n_hits : 1, sizeof *js);
    if (!js) {
        p->oom = true;
        return;
    }
    size_t counts[3] = {0, 0, 0};
    for (size_t i = 0; i < res->n_hits; i++) {
        judge(p, c, &res->hits[i].rec, &js[i]);
        counts[js[i].v]++;
    }
    pg_raw(p, "<section class=\"screened\" id=\"results\" aria-labelledby=\"res-h\"><h2 id=\"res-h\">");
    char n[24];
    snprintf(n, sizeof n, "%zu", res->n_hits);
    pg_tf(p, "coach.results", n, NULL, NULL);
    pg_raw(p, "</h2>");
    if (!res->n_hits) {
        pg_raw(p, "<p>");
        pg_t(p, "coach.none");
        pg_raw(p, "</p>");
    }
    static const char *const heads[3] = {"coach.yes", "coach.check", "coach.no"};
    static const char *const cls[3] = {"yes", "check", "no"};
    for (int v = V_YES; v <= V_NO; v++) {
        if (!counts[v])
            continue;
        char cnt[24];
        snprintf(cnt, sizeof cnt, "%zu", counts[v]);
        pg_raw(p, "<div class=\"group ");
        pg_raw(p, cls[v]);
        pg_raw(p, "\"><h3>");
        pg_tf(p, heads[v], cnt, NULL, NULL);
        pg_raw(p, "</h3><ol class=\"hits\">");
        for (size_t i = 0; i < res->n_hits; i++)
            if ((int)js[i].v == v)
                put_judged(p, sl, &res->hits[i], &js[i]);
        pg_raw(p, "</ol></div>");
    }
    pg_raw(p, "</section>");
    free(js);
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
    coach_url(p, &u, sl, NULL, NULL, true, false);
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
        if (ok[i])
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
    for (size_t i = 0; i < sl->n; i++) {
        rec_service rec;
        sp_err e;
        sp_err_clear(&e);
        if (idx_get(ix, sl->ids[i], &rec, &e) != SP_OK)
            continue;
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
    if (c.given) {
        idx_query q;
        idx_query_init(&q);
        q.q = c.q;
        const char *bor[1] = {c.borough};
        if (c.borough) {
            q.filters[IDX_F_BOROUGH] = bor;
            q.n_filters[IDX_F_BOROUGH] = 1;
        }
        if (c.n_needs) {
            q.filters[IDX_F_CATEGORY] = c.needs;
            q.n_filters[IDX_F_CATEGORY] = c.n_needs;
        }
        q.limit = COACH_RESULTS;
        q.facets = false;
        q.collapse = true;
        idx_result res;
        sp_err e;
        sp_err_clear(&e);
        int rc = pg_search(&p, &ix, &q, &res, &e);
        if (rc == SP_OK) {
            put_results(&p, &c, &sl, &res);
        } else {
            pg_raw(&p, "<p class=\"notice\">");
            pg_t(&p, rc == SP_EINVAL ? "coach.bad_q" : "msg.error");
            pg_raw(&p, "</p>");
        }
        idx_result_free(&res);
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
