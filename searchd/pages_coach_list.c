/*
 * pages_coach_list.c - the coach page's shortlist and what leaves the
 * appointment with the client: the shortlist panel (remove, share link,
 * text for an e-mail or a Universal Credit journal note, notes and "Print
 * for client"), and the printout (?print=1): one page in large type with,
 * for each service, how to get referred (self-referral, "ask your
 * Jobcentre work coach to refer you" or professional referral only, from
 * the record's referral rule and routes), why it fits the client, its
 * contact details, and the coach's notes and next steps.
 *
 * The answers and the notes travel only in the print form's URL (GET) and
 * on the printed page: nothing is stored, and the access log never holds
 * query strings (docs/portal.md "Coach").
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages_coach.h"

typedef coach_client client;
typedef coach_list shortlist;

/* ---- how to join ---- */

/* The routes a referral may take (slugs owned by rec or the rule), from
 * the referral rule elig.c derived, else the record's routes; *no_self
 * when the provider turns self-referrals away. */
static size_t route_slugs(const rec_service *rec, const char **out, size_t max, bool *no_self)
{
    size_t n = 0;
    *no_self = false;
    const rec_rule *u = NULL;
    for (size_t i = 0; i < rec->n_rules && !u; i++)
        if (rec->rules[i].dim && !strcmp(rec->rules[i].dim, "referral"))
            u = &rec->rules[i];
    if (u && u->op && !strcmp(u->op, "in")) {
        for (size_t i = 0; i < u->n_values && n < max; i++)
            out[n++] = u->values[i];
        return n;
    }
    bool refused = u && u->op && !strcmp(u->op, "not_in");
    for (size_t i = 0; refused && i < u->n_values; i++)
        if (!strcmp(u->values[i], "self"))
            *no_self = true;
    for (size_t i = 0; i < rec->referrals.n && n < max; i++) {
        const char *s = rec->referrals.v[i].slug;
        bool gone = false;
        for (size_t k = 0; refused && k < u->n_values; k++)
            gone = gone || !strcmp(u->values[k], s);
        if (!gone)
            out[n++] = s;
    }
    return n;
}

static bool has_slug(const char *const *l, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i], s))
            return true;
    return false;
}

coach_route coach_route_of(const rec_service *rec)
{
    const char *r[16];
    bool no_self;
    size_t n = route_slugs(rec, r, 16, &no_self);
    if (has_slug(r, n, "self"))
        return ROUTE_SELF;
    if (has_slug(r, n, "jobcentre"))
        return ROUTE_JOBCENTRE;
    return n || no_self ? ROUTE_PRO : ROUTE_UNKNOWN;
}

void coach_put_route(pg *p, const rec_service *rec, bool text)
{
    const char *r[16];
    bool no_self;
    size_t n = route_slugs(rec, r, 16, &no_self);
    coach_route how = coach_route_of(rec);
    /* The professionals who refer, named (not self, not the Jobcentre). */
    sp_buf who = {0};
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(r[i], "self") || !strcmp(r[i], "jobcentre"))
            continue;
        const char *l = pg_label(p, "referral", r[i]);
        if (who.len)
            sp_buf_puts(&who, ", ");
        sp_buf_puts(&who, l ? l : r[i]);
    }
    static const char *const names[] = {"unknown", "self", "jobcentre", "professional"};
    if (text)
        pg_raw(p, "   ");
    else
        pg_fmt(p, "<p class=\"route\" data-route=\"%pA\"><strong>", names[how]);
    pg_t(p, "route.h");
    pg_raw_if(p, text, " ", "</strong> ");
    switch (how) {
    case ROUTE_SELF:
        pg_t(p, has_slug(r, n, "jobcentre") ? "route.self_or_jc" : "route.self");
        break;
    case ROUTE_JOBCENTRE:
        pg_t(p, "route.jobcentre");
        break;
    case ROUTE_PRO:
        if (who.len)
            pg_tf(p, "route.pro", sp_buf_cstr(&who), NULL, NULL);
        else
            pg_t(p, "route.pro_any");
        break;
    default:
        pg_t(p, "route.unknown");
    }
    pg_raw_if(p, text, "\n", "</p>");
    sp_buf_free(&who);
}

/* ---- why it fits ---- */

bool coach_sector_fits(const vocab *v, const char *sector, const rec_service *rec)
{
    if (!sector)
        return false;
    const char *texts[] = {rec->name, rec->description, rec->eligibility_description,
                           rec->alternate_name};
    vocab_hit hits[32];
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        if (!texts[t])
            continue;
        size_t n = vocab_match_text(v, "sector", texts[t], hits, 32);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(hits[i].slug, sector))
                return true;
    }
    return false;
}

static void why_part(pg *p, bool *any, bool text)
{
    if (!*any) {
        pg_raw_if(p, text, "   ", "<p class=\"why\"><strong>");
        pg_t(p, "why.h");
        pg_raw_if(p, text, " ", "</strong> ");
    } else {
        pg_raw(p, "; ");
    }
    *any = true;
}

/* The nearest of the service's places, in km (equirectangular: exact
 * enough across London); -1 when none has coordinates. */
static double km_to(const client *c, const rec_service *rec)
{
    const double rad = 3.14159265358979323846 / 180.0;
    double best = -1;
    for (size_t i = 0; c->has_near && i < rec->n_locations; i++) {
        const rec_location *l = &rec->locations[i];
        if (!l->has_coords)
            continue;
        double dx = (l->longitude - c->lon) * rad * cos(c->lat * rad);
        double dy = (l->latitude - c->lat) * rad, d = 6371.0 * sqrt(dx * dx + dy * dy);
        if (best < 0 || d < best)
            best = d;
    }
    return best;
}

bool coach_put_why(pg *p, const client *c, const rec_service *rec, const elig_verdict *vd,
                   double km, bool text)
{
    bool any = false;
    const elig_person *ep = &c->pp.p;
    sp_buf b = {0};
    for (size_t i = 0; i < ep->n_needs; i++)
        if (rec_tags_has(&rec->categories, ep->needs[i])) {
            const char *l = pg_label(p, "category", ep->needs[i]);
            if (b.len)
                sp_buf_puts(&b, ", ");
            sp_buf_puts(&b, l ? l : ep->needs[i]);
        }
    if (b.len) {
        why_part(p, &any, text);
        pg_tf(p, "why.needs", sp_buf_cstr(&b), NULL, NULL);
    }
    sp_buf_free(&b);
    if (coach_sector_fits(p->v, c->sector, rec)) {
        const char *l = pg_label(p, "sector", c->sector);
        why_part(p, &any, text);
        pg_tf(p, "why.sector", l ? l : c->sector, NULL, NULL);
    }
    if (ep->language && strcmp(ep->language, "en") && rec_tags_has(&rec->langs, ep->language)) {
        const char *l = pg_label(p, "language", ep->language);
        why_part(p, &any, text);
        pg_tf(p, "why.language", l ? l : ep->language, NULL, NULL);
    }
    for (size_t i = 0, shown = 0; vd && i < vd->n_reasons && shown < 3; i++) {
        const elig_reason *e = &vd->reasons[i];
        if (e->outcome != ELIG_ELIGIBLE || !e->rule)
            continue;
        char t[SD_REASON_MAX];
        sd_reason_text(p->v, e, t, sizeof t);
        why_part(p, &any, text);
        pg_text(p, t);
        shown++;
    }
    if (km >= 0 && c->has_near) {
        char d[32];
        snprintf(d, sizeof d, "%.1f", km / 1.609344);
        why_part(p, &any, text);
        pg_tf(p, "why.distance", d, c->near, NULL);
    }
    if (any)
        pg_raw_if(p, text, "\n", "</p>");
    return any;
}

/* ---- the shortlist panel and the text to copy ---- */

/* One fact's label: an indented line of the text to copy, or a <dt>
 * and the start of its <dd> (a big one for the phone number). */
static void fact_open(pg *p, const char *key, bool text, bool big)
{
    pg_raw_if(p, text, "   ", "<dt>");
    pg_t(p, key);
    if (text)
        pg_raw(p, " ");
    else
        pg_raw_if(p, big, "</dt><dd class=\"big\">", "</dt><dd>");
}

/* A record's phone, e-mail, website, address and times (at most
 * max_when), each only when it has one: lines of the text to copy, or
 * <dt>/<dd> pairs of the printout's list. */
static void put_facts(pg *p, const rec_service *rec, size_t max_when, bool text)
{
    const char *phone = pg_phone(rec), *email = pg_email(rec);
    char *web = html_url_web(pg_website(rec));
    const rec_location *loc = pg_location(rec);
    const struct {
        const char *key, *value;
    } facts[] = {{"rec.phone", phone}, {"rec.email", email}, {"rec.website", web}};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        if (facts[i].value) {
            fact_open(p, facts[i].key, text, i == 0);
            pg_text(p, facts[i].value);
            pg_raw_if(p, text, "\n", "</dd>");
        }
    free(web);
    if (loc) {
        fact_open(p, "rec.address", text, false);
        pg_address(p, loc, false);
        pg_raw_if(p, text, "\n", "</dd>");
    }
    size_t before = p->b.len;
    pg_raw_if(p, text, "   ", "<dt>");
    pg_t(p, "rec.when");
    pg_raw_if(p, text, ": ", "</dt><dd>");
    if (pg_when(p, rec, max_when))
        pg_raw_if(p, text, "\n", "</dd>");
    else
        pg_truncate(p, before); /* nothing known: no label either */
}

static void put_plain_record(pg *p, const client *c, size_t k, const rec_service *rec)
{
    /* Inside a <textarea>: escaped text only, no markup. */
    pg_fmt(p, "%zu. ", k);
    pg_text(p, pg_service_name(p, rec));
    if (rec->organization.name) {
        pg_raw(p, " - ");
        pg_text(p, rec->organization.name);
    }
    pg_raw(p, "\n");
    put_facts(p, rec, 3, true);
    coach_put_route(p, rec, true);
    coach_put_why(p, c, rec, NULL, km_to(c, rec), true);
    pg_raw(p, "\n");
}

void coach_put_shortlist(pg *p, idx *ix, const client *c, const shortlist *sl)
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
            pg_text(p, pg_service_name(p, &recs[i]));
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
        coach_href(p, sl, NULL, sl->ids[i], false, false, "#shortlist");
        pg_raw(p, "\">");
        pg_tf(p, "coach.remove", ok[i] ? recs[i].name : NULL, NULL, NULL);
        pg_raw(p, "</a></li>");
    }
    /* Print: a form, so the coach's notes and next steps go on the
     * printout through the URL alone (GET; never stored). */
    pg_raw(p, "</ol><form class=\"printform\" id=\"printform\" method=\"get\" action=\"/coach\">");
    coach_hidden_args(p, true, sl);
    pg_raw(p, "<input type=\"hidden\" name=\"print\" value=\"1\"><div class=\"field\">"
              "<label for=\"notes\">");
    pg_t(p, "coach.notes");
    pg_raw(p, "</label><span class=\"hint\" id=\"notes-hint\">");
    pg_t(p, "coach.notes_hint");
    pg_fmt(p, "</span><textarea id=\"notes\" name=\"notes\" rows=\"4\" maxlength=\"%d\" "
              "aria-describedby=\"notes-hint\">",
           COACH_MAX_NOTES);
    pg_text(p, c->notes);
    pg_raw(p, "</textarea></div><p class=\"actions\"><button type=\"submit\" class=\"btn\" "
              "id=\"print-link\">");
    pg_t(p, "coach.print");
    pg_raw(p, "</button></p></form>");

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
    pg_href(p, sp_buf_cstr(&u));
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
            put_plain_record(p, c, k++, &recs[i]);
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

enum MHD_Result coach_print_page(pg *p, idx *ix, const shortlist *sl)
{
    client c;
    coach_read_client(p, &c);
    pg_head(p, "print.title", NULL, "printable");
    pg_raw(p, "<p class=\"noprint\"><a href=\"");
    coach_href(p, sl, NULL, NULL, false, false, "#shortlist");
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
    if (c.notes) {
        /* The coach's words for this client: on the page, nowhere else. */
        pg_raw(p, "<section class=\"notes\" aria-labelledby=\"notes-h\"><h2 id=\"notes-h\">");
        pg_t(p, "print.notes_h");
        pg_raw(p, "</h2><p class=\"notes-text\">");
        pg_text(p, c.notes);
        pg_raw(p, "</p></section>");
    }
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
        pg_text(p, pg_service_name(p, &rec));
        pg_raw(p, "</h2>");
        if (rec.organization.name) {
            pg_raw(p, "<p class=\"org\">");
            pg_text(p, rec.organization.name);
            pg_raw(p, "</p>");
        }
        coach_put_route(p, &rec, false);
        if (c.given) {
            elig_verdict vd;
            bool judged = elig_evaluate(p->v, &rec, &c.pp.p, &vd) == SP_OK;
            coach_put_why(p, &c, &rec, judged ? &vd : NULL, km_to(&c, &rec), false);
        }
        pg_raw(p, "<dl>");
        put_facts(p, &rec, 4, false);
        /* What to say to whoever can get them in: the service itself, or
         * the person who has to refer them. */
        coach_route how = coach_route_of(&rec);
        bool jc = how == ROUTE_JOBCENTRE, pro = how == ROUTE_PRO;
        pg_raw(p, "</dl><p class=\"say\"><strong>");
        pg_t(p, jc ? "print.say_h_jc" : pro ? "print.say_h_pro" : "print.say_h");
        pg_raw(p, "</strong> ");
        pg_tf(p, jc || pro ? "print.say_refer" : "print.say", rec.name, NULL, NULL);
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

