/*
 * pages.c - the portal's frame and its search page, GET /: one search box,
 * an optional postcode, filters with counts, results in plain English, and
 * kind help when nothing matches.  Server-rendered HTML with a GET form, so
 * it works without JavaScript; portal.js swaps results in place when it
 * can.  Record text is untrusted: it only reaches the page through
 * html_text / html_snippet, links only through html_url_*, by way of the
 * page writer here (pg_fmt's conversions, pg_text); markup is only ever a
 * string literal (pg_raw, pages.h).
 */
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pages.h"

/* ---- context ---- */

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    pg *p = cls;
    if (!key || !*key)
        return MHD_YES;
    if (p->n_args >= PG_MAX_ARGS) {
        p->too_many_args = true;
        return MHD_NO;
    }
    p->args[p->n_args].key = key;
    p->args[p->n_args].value = value ? value : "";
    p->n_args++;
    return MHD_YES;
}

void pg_init(pg *p, sd_req *r)
{
    memset(p, 0, sizeof *p);
    p->r = r;
    p->s = r->srv;
    p->v = r->srv->voc;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, p);
    /* The web dir is the parent of the static root searchd already
     * resolved (web_dir/static). */
    if (p->s->static_root && strlen(p->s->static_root) < sizeof p->web_dir) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", p->s->static_root);
        snprintf(p->web_dir, sizeof p->web_dir, "%s", dirname(tmp));
    }
    const char *al = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language");
    p->L = html_lang_pick(p->web_dir[0] ? p->web_dir : NULL, pg_get(p, "lang"), al);
    /* The pages for coaches and staff are in English only (docs/portal.md):
     * a page half in another language would mislead a screen reader. */
    static const char *const english_only[] = {"/coach", "/hub", "/login", "/logout"};
    for (size_t i = 0; r->path && i < sizeof english_only / sizeof english_only[0]; i++)
        if (!strncmp(r->path, english_only[i], strlen(english_only[i]))) {
            p->english_only = true;
            if (p->web_dir[0])
                p->L = html_lang_get(p->web_dir, "en");
        }
}

int pg_arg_read(const pg *p, unsigned ep, const pg_arg *a, sd_arg *out, char *msg,
                size_t size)
{
    sd_kv kv = {a->key, a->value, strlen(a->key), strlen(a->value)};
    return sd_param_read(p->v, ep, &kv, out, msg, size);
}

const char *pg_keep_lang(const pg *p)
{
    const char *lang = pg_get(p, "lang");
    if (p->english_only || !lang || !p->web_dir[0] || !html_lang_get(p->web_dir, lang))
        return NULL;
    return html_lang_code(p->L);
}

void pg_lang_arg(pg *p, const char *sep)
{
    const char *lang = pg_keep_lang(p);
    if (lang)
        pg_fmt(p, "%pAlang=%pA", sep, lang);
}

void pg_open_end(pg *p)
{
    if (strcmp(html_lang_code(p->L), "en"))
        pg_raw(p, " lang=\"en\"");
    pg_raw(p, ">");
}

const char *pg_get(const pg *p, const char *key)
{
    if (!sd_param_find(SD_EP_PAGES, key, strlen(key)))
        return NULL; /* a name the table (params.c) gives no page */
    for (size_t i = 0; i < p->n_args; i++)
        if (!strcmp(p->args[i].key, key))
            return p->args[i].value;
    return NULL;
}

void pg_raw_lit_(pg *p, const char *lit, size_t n)
{
    if (sp_buf_append(&p->b, lit, n) != SP_OK)
        p->oom = true;
}

void pg_fmt_(pg *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (html_vfmt(&p->b, fmt, ap) != SP_OK)
        p->oom = true; /* SP_EINVAL too: the page fails rather than go out wrong */
    va_end(ap);
}

void pg_truncate(pg *p, size_t len)
{
    if (len < p->b.len) {
        p->b.len = len;
        p->b.data[len] = '\0';
    }
}

void pg_text(pg *p, const char *s)
{
    if (html_text(&p->b, s) != SP_OK)
        p->oom = true;
}

void pg_textn(pg *p, const char *s, size_t n)
{
    if (html_textn(&p->b, s, n) != SP_OK)
        p->oom = true;
}

void pg_t(pg *p, const char *key)
{
    pg_text(p, html_t(p->L, key));
}

void pg_tf(pg *p, const char *key, const char *a1, const char *a2, const char *a3)
{
    if (html_tf(&p->b, p->L, key, a1, a2, a3) != SP_OK)
        p->oom = true;
}

void pg_tn(pg *p, const char *key, unsigned long n)
{
    if (html_tnf(&p->b, p->L, key, n, NULL, NULL) != SP_OK)
        p->oom = true;
}

void pg_href(pg *p, const char *url)
{
    if (url == NULL) /* a URL buffer that ran out of memory (sp_buf_cstr) */
        p->oom = true;
    pg_fmt(p, "%pU", url);
}

/* For signed-in staff: the hub and a sign-out button (a POST form with
 * the session's CSRF token, so no other site can sign anyone out). */
static void put_staff_nav(pg *p)
{
    const auth_who *who = sd_auth_who(p->r);
    if (who->role < AUTH_VIEWER || !p->r->session[0])
        return;
    char csrf[AUTH_SECRET_LEN + 1];
    auth_csrf(p->r->session, csrf);
    pg_raw(p, "<li><a href=\"/hub\">");
    pg_t(p, "nav.hub");
    pg_raw(p, "</a></li><li><form class=\"signout\" method=\"post\" action=\"/logout\">"
              "<input type=\"hidden\" name=\"csrf\" value=\"");
    pg_text(p, csrf);
    pg_raw(p, "\"><button type=\"submit\">");
    pg_tf(p, "nav.signout", who->name, NULL, NULL);
    pg_raw(p, "</button></form></li>");
}

/* The language picker: links to the same page in every language that has
 * a words file, each named in itself (no JavaScript needed; the choice
 * then travels as ?lang= in every link and form).  None on the pages that
 * are in English only. */
static void put_languages(pg *p)
{
    char codes[16][4];
    size_t n = p->web_dir[0] && !p->english_only ? html_lang_list(p->web_dir, codes, 16) : 0;
    if (n < 2)
        return;
    pg_raw(p, "<nav class=\"langs\" aria-label=\"");
    pg_t(p, "nav.languages");
    pg_raw(p, "\"><ul>");
    for (size_t i = 0; i < n; i++) {
        const html_lang *l = html_lang_get(p->web_dir, codes[i]);
        if (!l)
            continue;
        pg_raw(p, "<li>");
        bool current = !strcmp(codes[i], html_lang_code(p->L));
        if (!current) {
            /* Same page, other language: the current query with lang
             * replaced. */
            sp_buf u = {0};
            const char *path = p->r->path ? p->r->path : "/";
            if (strspn(path, "abcdefghijklmnopqrstuvwxyz0123456789-/") != strlen(path))
                path = "/"; /* an error page for an odd path: go home */
            sp_buf_puts(&u, path);
            sp_buf_puts(&u, "?");
            for (size_t a = 0; a < p->n_args; a++)
                if (strcmp(p->args[a].key, "lang"))
                    html_query_add(&u, p->args[a].key, p->args[a].value);
            html_query_add(&u, "lang", codes[i]);
            pg_raw(p, "<a lang=\"");
            pg_text(p, codes[i]);
            pg_raw(p, "\" href=\"");
            pg_href(p, sp_buf_cstr(&u));
            pg_raw(p, "\">");
            sp_buf_free(&u);
        } else {
            pg_raw(p, "<span aria-current=\"true\" lang=\"");
            pg_text(p, codes[i]);
            pg_raw(p, "\">");
        }
        pg_text(p, html_t(l, "lang.name"));
        pg_raw_if(p, current, "</span></li>", "</a></li>");
    }
    pg_raw(p, "</ul></nav>");
}

void pg_head(pg *p, const char *title_key, const char *extra, const char *body_class)
{
    pg_raw(p, "<!doctype html>\n<html lang=\"");
    pg_text(p, html_lang_code(p->L));
    pg_fmt(p, "\" dir=\"%pA", html_lang_dir(p->L));
    pg_raw(p, "\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<title>");
    if (extra && *extra) {
        pg_text(p, extra);
        pg_raw(p, " - ");
    }
    pg_t(p, title_key);
    pg_raw(p, " - ");
    pg_t(p, "site.name");
    pg_raw(p, "</title><link rel=\"stylesheet\" href=\"/static/portal.css\">"
              "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
              "<script src=\"/static/portal.js\" defer></script></head><body");
    if (body_class) {
        pg_raw(p, " class=\"");
        pg_text(p, body_class);
        pg_raw(p, "\"");
    }
    pg_raw(p, "><a class=\"skip\" href=\"#main\">");
    pg_t(p, "nav.skip");
    pg_raw(p, "</a><header class=\"top\"><div class=\"wrap\"><a class=\"brand\" href=\"/");
    pg_lang_arg(p, "?");
    pg_raw(p, "\">");
    pg_t(p, "site.name");
    pg_raw(p, "</a><nav aria-label=\"");
    pg_t(p, "nav.label");
    pg_raw(p, "\"><ul><li><a href=\"/");
    pg_lang_arg(p, "?");
    pg_raw(p, "\">");
    pg_t(p, "nav.find");
    pg_raw(p, "</a></li><li><a href=\"/coach\">");
    pg_t(p, "nav.coach");
    pg_raw(p, "</a></li>");
    put_staff_nav(p);
    pg_raw(p, "</ul></nav>");
    put_languages(p);
    pg_raw(p, "</div></header><main id=\"main\" class=\"wrap\" tabindex=\"-1\">");
}

void pg_foot(pg *p)
{
    pg_raw(p, "</main><footer class=\"foot\"><div class=\"wrap\"><p>");
    pg_t(p, "foot.about");
    pg_raw(p, "</p><p>");
    pg_t(p, "foot.privacy");
    pg_raw(p, "</p></div></footer></body></html>\n");
}

enum MHD_Result pg_reply(pg *p, unsigned status)
{
    if (p->oom || !p->b.data) {
        sp_buf_free(&p->b);
        return MHD_NO;
    }
    enum MHD_Result ret =
        sd_reply_bytes(p->r, status, "text/html; charset=utf-8", p->b.data, p->b.len);
    sp_buf_free(&p->b);
    return ret;
}

enum MHD_Result pg_message(pg *p, unsigned status, const char *title_key,
                           const char *msg_key, const char *arg)
{
    sp_buf_free(&p->b);
    p->oom = false;
    pg_head(p, title_key, NULL, NULL);
    pg_raw(p, "<h1>");
    pg_t(p, title_key);
    pg_raw(p, "</h1><p>");
    pg_tf(p, msg_key, arg, NULL, NULL);
    pg_raw(p, "</p><p><a href=\"/");
    pg_lang_arg(p, "?");
    pg_raw(p, "\">");
    pg_t(p, "msg.home");
    pg_raw(p, "</a></p>");
    pg_foot(p);
    return pg_reply(p, status);
}

idx *pg_index(pg *p, enum MHD_Result *ret)
{
    sp_err e;
    sp_err_clear(&e);
    idx *ix = sd_worker_index(p->s, false, &e);
    if (!ix)
        *ret = pg_message(p, MHD_HTTP_SERVICE_UNAVAILABLE, "msg.unavailable.title",
                          "msg.unavailable", NULL);
    return ix;
}

int pg_search(pg *p, idx **ix, const idx_query *q, idx_result *res, sp_err *e)
{
    sp_err_clear(e);
    int rc = sd_search_fresh(p->s, ix, q, res, e);
    if (rc != SP_OK)
        idx_result_free(res);
    return rc;
}

/* ---- a record in plain English ---- */

const char *pg_service_name(pg *p, const rec_service *rec)
{
    return rec->name ? rec->name : html_t(p->L, "rec.unnamed");
}

const char *pg_label(pg *p, const char *field, const char *slug)
{
    if (!slug)
        return NULL;
    char key[128];
    int n = snprintf(key, sizeof key, "label.%s.%s", field, slug);
    if (n > 0 && (size_t)n < sizeof key) {
        const char *t = html_t(p->L, key);
        if (t != key)
            return t;
    }
    return vocab_label(p->v, field, slug);
}

static const char *const month_keys[12] = {"month.1", "month.2",  "month.3",  "month.4",
                                           "month.5", "month.6",  "month.7",  "month.8",
                                           "month.9", "month.10", "month.11", "month.12"};

/* "1 November 2026" through the month words. */
void pg_put_date(pg *p, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm))
        return;
    char d[16], y[16];
    snprintf(d, sizeof d, "%d", tm.tm_mday);
    snprintf(y, sizeof y, "%d", tm.tm_year + 1900);
    pg_tf(p, "date.format", d, html_t(p->L, month_keys[tm.tm_mon]), y);
}

int64_t pg_checked(const rec_service *rec)
{
    if (rec->prov.last_seen > 0)
        return rec->prov.last_seen;
    if (rec->prov.last_changed > 0)
        return rec->prov.last_changed;
    return rec->last_modified ? sp_time_parse(rec->last_modified) : 0;
}

static void put_checked(pg *p, const rec_service *rec)
{
    int64_t t = pg_checked(rec);
    if (t <= 0)
        return;
    pg_raw(p, "<p class=\"checked\">");
    pg_t(p, "rec.checked");
    pg_raw(p, " ");
    pg_put_date(p, t);
    pg_raw(p, "</p>");
}

void pg_tag_labels(pg *p, const char *field, const rec_tags *t, size_t max)
{
    size_t shown = 0;
    for (size_t i = 0; i < t->n && shown < max; i++) {
        const char *label = pg_label(p, field, t->v[i].slug);
        if (shown)
            pg_raw(p, ", ");
        pg_text(p, label ? label : t->v[i].slug);
        shown++;
    }
    if (t->n > max)
        pg_tf(p, "rec.and_more", NULL, NULL, NULL);
}

static void put_ages(pg *p, const rec_service *rec)
{
    char lo[16], hi[16];
    snprintf(lo, sizeof lo, "%.0f", rec->minimum_age);
    snprintf(hi, sizeof hi, "%.0f", rec->maximum_age);
    if (rec->minimum_age >= 0 && rec->maximum_age >= 0)
        pg_tf(p, "rec.ages_range", lo, hi, NULL);
    else if (rec->minimum_age >= 0)
        pg_tf(p, "rec.ages_min", lo, NULL, NULL);
    else
        pg_tf(p, "rec.ages_max", hi, NULL, NULL);
}

bool pg_who(pg *p, const rec_service *rec)
{
    bool ages = rec->minimum_age >= 0 || rec->maximum_age >= 0;
    if (!rec->groups.n && !ages)
        return false;
    if (rec->groups.n)
        pg_tag_labels(p, "group", &rec->groups, 4);
    if (ages) {
        if (rec->groups.n)
            pg_raw(p, ". ");
        put_ages(p, rec);
    }
    return true;
}

const rec_location *pg_location(const rec_service *rec)
{
    return idx_rec_location(rec);
}

void pg_address(pg *p, const rec_location *loc, bool map_link)
{
    bool any = false;
    if (loc->name) {
        pg_text(p, loc->name);
        any = true;
    }
    if (loc->n_addresses) {
        const rec_address *a = &loc->addresses[0];
        const char *parts[] = {a->address_1, a->address_2, a->city, a->postal_code};
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            if (!parts[i])
                continue;
            if (any)
                pg_raw(p, ", ");
            pg_text(p, parts[i]);
            any = true;
        }
    }
    if (map_link && loc->has_coords && isfinite(loc->latitude) && isfinite(loc->longitude) &&
        fabs(loc->latitude) <= 90 && fabs(loc->longitude) <= 180) {
        /* Numbers we format ourselves: nothing of the record's text. */
        pg_fmt(p,
               " <a class=\"map\" href=\"https://www.openstreetmap.org/?mlat=%.5f&amp;"
               "mlon=%.5f#map=17/%.5f/%.5f\">",
               loc->latitude, loc->longitude, loc->latitude, loc->longitude);
        pg_t(p, "rec.map");
        pg_raw(p, "</a>");
    }
}

static const char *const day_codes[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

/* "Monday and Wednesday, 9:00 to 17:00" from RRULE-ish parts. */
static bool put_schedule(pg *p, const rec_schedule *sc)
{
    bool any = false;
    if (sc->byday) {
        size_t nd = 0;
        for (int d = 0; d < 7; d++) {
            if (!strstr(sc->byday, day_codes[d]))
                continue;
            char key[16];
            snprintf(key, sizeof key, "day.%s", day_codes[d]);
            if (nd)
                pg_raw(p, ", ");
            pg_t(p, key);
            nd++;
        }
        any = nd > 0;
    }
    if (sc->opens_at && sc->closes_at) {
        char o[6], c[6];
        snprintf(o, sizeof o, "%.5s", sc->opens_at);
        snprintf(c, sizeof c, "%.5s", sc->closes_at);
        if (any)
            pg_raw(p, ", ");
        pg_tf(p, "rec.hours", o, c, NULL);
        any = true;
    }
    if (!any && sc->description) {
        pg_text(p, sc->description);
        any = true;
    }
    if (any && sc->notes) {
        pg_raw(p, " (");
        pg_text(p, sc->notes);
        pg_raw(p, ")");
    }
    return any;
}

bool pg_when(pg *p, const rec_service *rec, size_t max)
{
    size_t n = 0;
    const rec_schedule *sc = idx_rec_schedules(rec, &n);
    bool any = false;
    for (size_t i = 0; i < n && i < max; i++) {
        if (any)
            pg_raw(p, "; ");
        if (put_schedule(p, &sc[i]))
            any = true;
    }
    return any;
}

const char *pg_phone(const rec_service *rec)
{
    return idx_rec_phone(rec);
}

const char *pg_email(const rec_service *rec)
{
    return rec->email ? rec->email : rec->organization.email;
}

const char *pg_website(const rec_service *rec)
{
    return rec->url ? rec->url : rec->organization.website;
}

/* A link when the URL is safe, else the text alone (never a link). */
static void put_link_or_text(pg *p, char *safe, const char *shown)
{
    if (safe)
        pg_fmt(p, "<a href=\"%pU\">%pT</a>", safe, shown);
    else
        pg_text(p, shown);
    free(safe);
}

/* A contact line's start: its label, then the link or the text (the
 * caller closes the <li>). */
static void put_contact_item(pg *p, const char *key, char *safe, const char *shown)
{
    pg_raw(p, "<li><span class=\"k\">");
    pg_t(p, key);
    pg_raw(p, "</span> ");
    put_link_or_text(p, safe, shown);
}

/* A website shown as its host and path, without the scheme. */
static const char *url_shown(const char *url)
{
    const char *s = strstr(url, "://");
    return s ? s + 3 : url;
}

bool pg_contact(pg *p, const rec_service *rec, bool full)
{
    bool any = false;
    const char *phone = pg_phone(rec);
    const char *email = pg_email(rec);
    const char *web = pg_website(rec);
    pg_raw(p, "<ul class=\"contact\">");
    if (phone) {
        put_contact_item(p, "rec.phone", html_url_tel(phone), phone);
        pg_raw(p, "</li>");
        any = true;
    }
    if (email) {
        put_contact_item(p, "rec.email", html_url_mail(email), email);
        pg_raw(p, "</li>");
        any = true;
    }
    if (web) {
        char *safe = html_url_web(web);
        put_contact_item(p, "rec.website", safe, safe ? url_shown(safe) : web);
        pg_raw(p, "</li>");
        any = true;
    }
    if (full) {
        for (size_t i = 1; i < rec->n_phones; i++) {
            if (!rec->phones[i].number)
                continue;
            put_contact_item(p, "rec.phone", html_url_tel(rec->phones[i].number),
                             rec->phones[i].number);
            if (rec->phones[i].description) {
                pg_raw(p, " (");
                pg_text(p, rec->phones[i].description);
                pg_raw(p, ")");
            }
            pg_raw(p, "</li>");
        }
    }
    pg_raw(p, "</ul>");
    return any;
}

static void put_distance(pg *p, double km)
{
    if (km < 0 || !isfinite(km))
        return;
    char d[32];
    double miles = km / 1.609344;
    snprintf(d, sizeof d, "%.1f", miles);
    pg_raw(p, " <span class=\"dist\">(");
    pg_tf(p, "rec.distance", d, NULL, NULL);
    pg_raw(p, ")</span>");
}

void pg_result_facts(pg *p, const idx_hit *h)
{
    const rec_service *rec = &h->rec;
    if (rec->status && strcmp(rec->status, "active")) {
        /* A closed programme still in the index must not look open. */
        pg_raw(p, "<p class=\"closed\"><strong>");
        pg_tf(p, "results.not_active", rec->status, NULL, NULL);
        pg_raw(p, "</strong></p>");
    }
    pg_raw(p, "<dl class=\"facts\">");
    pg_raw(p, "<div><dt>");
    pg_t(p, "rec.who");
    pg_raw(p, "</dt><dd>");
    if (!pg_who(p, rec))
        pg_t(p, "rec.who_any");
    pg_raw(p, "</dd></div>");

    pg_raw(p, "<div><dt>");
    pg_t(p, "rec.where");
    pg_raw(p, "</dt><dd>");
    const rec_location *loc = pg_location(rec);
    bool online_only = !loc && (rec_tags_has(&rec->modes, "online") ||
                                rec_tags_has(&rec->modes, "phone"));
    if (loc)
        pg_address(p, loc, true);
    else if (online_only)
        pg_t(p, rec_tags_has(&rec->modes, "online") ? "rec.online" : "rec.by_phone");
    put_distance(p, h->distance_km);
    if (rec->pan_london) {
        pg_raw_if(p, loc || online_only, ". ", "");
        pg_t(p, "rec.all_london");
    } else if (rec->boroughs.n) {
        pg_raw_if(p, loc || online_only, ". ", "");
        pg_t(p, "rec.serves");
        pg_raw(p, " ");
        pg_tag_labels(p, "borough", &rec->boroughs, 3);
    }
    pg_raw(p, "</dd></div>");

    pg_raw(p, "<div><dt>");
    pg_t(p, "rec.when");
    pg_raw(p, "</dt><dd>");
    if (!pg_when(p, rec, 2))
        pg_t(p, "rec.when_ask");
    pg_raw(p, "</dd></div>");

    pg_raw(p, "<div><dt>");
    pg_t(p, "rec.contact");
    pg_raw(p, "</dt><dd>");
    if (!pg_contact(p, rec, false))
        pg_t(p, "rec.no_contact");
    pg_raw(p, "</dd></div></dl>");
    put_checked(p, rec);
    if (h->collapsed > 0) {
        /* Other sources' records of this service, folded into this one. */
        pg_raw(p, "<p class=\"also-listed\">");
        pg_tn(p, "rec.also_listed", h->collapsed);
        pg_raw(p, "</p>");
    }
}

/* ---- the search page ---- */

/* Parameters the search page passes on to the search: the table's
 * (params.c) search parameters the portal takes; anything else (lang, js,
 * typos) is left out rather than refused. */
static bool search_param(const char *key)
{
    const sd_param *row = sd_param_find(SD_EP_PORTAL, key, strlen(key));
    return row && (row->endpoints & SD_EP_SEARCH);
}

/* The facets shown, in the order a person thinks about them. */
static const struct {
    idx_field f;
    const char *key; /* word key of the legend */
} shown_facets[] = {
    {IDX_F_CATEGORY, "filter.category"}, {IDX_F_GROUP, "filter.group"},
    {IDX_F_BOROUGH, "filter.borough"},   {IDX_F_MODE, "filter.mode"},
    {IDX_F_COST, "filter.cost"},         {IDX_F_REFERRAL, "filter.referral"},
    {IDX_F_LANGUAGE, "filter.language"},
};

typedef struct search_state {
    sd_kv kv[PG_MAX_ARGS];
    size_t n;
    sd_search sp;
    const char *bad_near; /* a postcode we could not use */
    und_result u;         /* what the words said (sd_understand) */
    bool folded;          /* a results page: the form folds into a summary */
    sd_hours_counts when; /* the hours facet (pages_when.c) */
} search_state;

/* The current search's URL with one parameter value left out (drop_key /
 * drop_val, drop_val NULL for every value) and page reset. */
static void url_without(pg *p, sp_buf *u, const char *drop_key, const char *drop_val)
{
    sp_buf_puts(u, "/?");
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *a = &p->args[i];
        if (!strcmp(a->key, "page") || !strcmp(a->key, "js") || !*a->value)
            continue;
        if (drop_key && !strcmp(a->key, drop_key) &&
            (!drop_val || !strcmp(a->value, drop_val)))
            continue;
        if (!search_param(a->key) && strcmp(a->key, "lang"))
            continue;
        html_query_add(u, a->key, a->value);
    }
    if (u->len > 0 && u->data[u->len - 1] == '?')
        u->data[--u->len] = '\0';
}

/* Ticked in the form: a filter in the address.  One read from the words
 * is not ticked: the words carry it, and ticking it would send it twice. */
static bool value_selected(const search_state *st, idx_field f, const char *slug)
{
    if (sd_understood(&st->u, f, slug))
        return false;
    for (size_t i = 0; i < st->sp.q.n_filters[f]; i++)
        if (!strcmp(st->sp.vals[f][i], slug))
            return true;
    return false;
}

/* The order a filter lists its values in: boroughs by name (a person
 * looks for theirs), everything else as the facet comes (by count). */
static void facet_order(pg *p, idx_field f, const idx_facet *fc, size_t *order, size_t n)
{
    for (size_t j = 0; j < n; j++)
        order[j] = j;
    if (f != IDX_F_BOROUGH || n < 2)
        return;
    sp_keyed *bl = calloc(n, sizeof *bl);
    if (!bl)
        return;
    for (size_t j = 0; j < n; j++) {
        const char *l = pg_label(p, "borough", fc->v[j].value);
        bl[j].key = l ? l : fc->v[j].value;
        bl[j].i = j;
    }
    sp_keyed_sort(bl, n);
    for (size_t j = 0; j < n; j++)
        order[j] = bl[j].i;
    free(bl);
}

static void put_filters(pg *p, const search_state *st, const idx_result *res)
{
    pg_raw(p, "<div class=\"filters\" id=\"filters\"><h2>");
    pg_t(p, "filter.title");
    pg_raw(p, "</h2>");
    for (size_t k = 0; k < sizeof shown_facets / sizeof shown_facets[0]; k++) {
        idx_field f = shown_facets[k].f;
        const char *field = idx_field_name(f);
        const idx_facet *fc = res ? &res->facets[f] : NULL;
        size_t n = fc ? fc->n : 0;
        if (!n && !st->sp.q.n_filters[f])
            continue;
        bool open = st->sp.q.n_filters[f] > 0 && !sd_understood(&st->u, f, st->sp.vals[f][0]);
        pg_raw_if(p, open, "<details open>", "<details>");
        pg_raw(p, "<summary>");
        pg_t(p, shown_facets[k].key);
        pg_raw(p, "</summary><fieldset><legend class=\"vh\">");
        pg_t(p, shown_facets[k].key);
        pg_raw(p, "</legend><ul class=\"cbs\">");
        /* Selected values first even if the facet has no count for them. */
        for (size_t i = 0; i < st->sp.q.n_filters[f]; i++) {
            const char *slug = st->sp.vals[f][i];
            if (sd_understood(&st->u, f, slug))
                continue;
            bool in_facet = false;
            for (size_t j = 0; j < n; j++)
                if (!strcmp(fc->v[j].value, slug))
                    in_facet = true;
            if (in_facet)
                continue;
            const char *label = pg_label(p, field, slug);
            pg_raw(p, "<li><input type=\"checkbox\" checked name=\"");
            pg_text(p, field);
            pg_raw(p, "\" value=\"");
            pg_text(p, slug);
            pg_raw(p, "\" id=\"f-");
            pg_text(p, field);
            pg_raw(p, "-");
            pg_text(p, slug);
            pg_raw(p, "\"><label for=\"f-");
            pg_text(p, field);
            pg_raw(p, "-");
            pg_text(p, slug);
            pg_raw(p, "\">");
            pg_text(p, label ? label : slug);
            pg_raw(p, " <span class=\"n\">(0)</span></label></li>");
        }
        size_t *order = n ? calloc(n, sizeof *order) : NULL;
        if (n && !order) {
            p->oom = true;
            n = 0;
        }
        facet_order(p, f, fc, order, n);
        for (size_t jj = 0; jj < n; jj++) {
            const idx_facet_value *fv = &fc->v[order[jj]];
            if (f == IDX_F_CATEGORY && !vocab_category_parent(p->v, fv->value) &&
                !value_selected(st, f, fv->value) && n > 12)
                continue; /* broad headings only when there are few */
            const char *label = pg_label(p, field, fv->value);
            pg_raw(p, "<li><input type=\"checkbox\"");
            if (value_selected(st, f, fv->value))
                pg_raw(p, " checked");
            pg_raw(p, " name=\"");
            pg_text(p, field);
            pg_raw(p, "\" value=\"");
            pg_text(p, fv->value);
            pg_raw(p, "\" id=\"f-");
            pg_text(p, field);
            pg_raw(p, "-");
            pg_text(p, fv->value);
            pg_raw(p, "\"><label for=\"f-");
            pg_text(p, field);
            pg_raw(p, "-");
            pg_text(p, fv->value);
            pg_raw(p, "\">");
            pg_text(p, label ? label : fv->value);
            pg_fmt(p, " <span class=\"n\">(%zu)</span></label></li>", fv->count);
        }
        free(order);
        pg_raw(p, "</ul></fieldset></details>");
    }
    pg_when_filter(p, &st->sp, &st->when);
    pg_raw(p, "<button type=\"submit\" class=\"btn2\">");
    pg_t(p, "filter.apply");
    pg_raw(p, "</button></div>");
}

static void put_search_form_top(pg *p, const search_state *st)
{
    const char *q = pg_get(p, "q");
    const char *near = pg_get(p, "near");
    const char *lang = pg_keep_lang(p);
    pg_raw(p, "<form class=\"search\" id=\"search\" method=\"get\" action=\"/\" role=\"search\">");
    if (lang) {
        pg_raw(p, "<input type=\"hidden\" name=\"lang\" value=\"");
        pg_text(p, lang);
        pg_raw(p, "\">");
    }
    if (st->folded)
        pg_change_open(p, &st->sp);
    pg_raw(p, "<div class=\"fields\"><div class=\"field grow\"><label for=\"q\">");
    pg_t(p, "search.q");
    pg_raw(p, "</label><span class=\"hint\" id=\"q-hint\">");
    pg_t(p, "search.q_hint");
    pg_raw(p, "</span><input type=\"search\" id=\"q\" name=\"q\" maxlength=\"200\" "
              "aria-describedby=\"q-hint\" autocomplete=\"off\" value=\"");
    pg_text(p, q);
    pg_raw(p, "\"></div><div class=\"field\"><label for=\"near\">");
    pg_t(p, "search.near");
    pg_raw(p, "</label><span class=\"hint\" id=\"near-hint\">");
    pg_t(p, "search.near_hint");
    pg_raw(p, "</span><input type=\"text\" id=\"near\" name=\"near\" maxlength=\"10\" "
              "autocomplete=\"postal-code\" aria-describedby=\"near-hint\" class=\"short\" value=\"");
    pg_text(p, st->bad_near ? st->bad_near : near);
    pg_raw(p, "\"></div><div class=\"field go\"><button type=\"submit\" class=\"btn\">");
    pg_t(p, "search.go");
    pg_raw(p, "</button></div></div>");
    if (st->folded)
        pg_change_close(p);
}

const char *pg_fill1(const char *template, const char *arg, char *buf, size_t size)
{
    const char *at = strstr(template, "{1}");
    if (at)
        snprintf(buf, size, "%.*s%s%s", (int)(at - template), template, arg, at + 3);
    else
        snprintf(buf, size, "%s", template);
    return buf;
}

/* The words for a filter value: the vocabulary's label, or for the person
 * fields' values that have none ("none", a number of months) the page's. */
static const char *filter_label(pg *p, idx_field f, const char *slug, char *buf,
                                size_t size)
{
    if (f == IDX_F_MONTHS && !strcmp(slug, "0"))
        return html_t(p->L, "filter.months_zero");
    if (idx_field_is_number(f)) {
        const char *t = html_t(p->L, f == IDX_F_AGE ? "filter.age_value" : "filter.months_value");
        return pg_fill1(strstr(t, "{1}") ? t : "{1}", slug, buf, size);
    }
    if (f == IDX_F_BENEFITS && !strcmp(slug, "none"))
        return html_t(p->L, "filter.no_benefits");
    return pg_label(p, idx_field_name(f), slug);
}

static void put_selected(pg *p, const search_state *st)
{
    size_t total = 0;
    for (int f = 0; f < IDX_F__COUNT; f++)
        total += st->sp.q.n_filters[f];
    if (total <= st->u.n_applied - (st->u.has_near ? 1 : 0))
        return; /* every filter came from the words */
    pg_raw(p, "<div class=\"chosen\"><h2 class=\"small\">");
    pg_t(p, "filter.chosen");
    pg_raw(p, "</h2><ul>");
    for (int f = 0; f < IDX_F__COUNT; f++) {
        const char *field = idx_field_name((idx_field)f);
        for (size_t i = 0; i < st->sp.q.n_filters[f]; i++) {
            const char *slug = st->sp.vals[f][i];
            if (sd_understood(&st->u, (idx_field)f, slug))
                continue; /* put_understood shows it */
            char lbuf[96];
            const char *label = filter_label(p, (idx_field)f, slug, lbuf, sizeof lbuf);
            pg_raw(p, "<li><a class=\"chip\" href=\"");
            /* The URL may carry the slug or another spelling (a GSS code):
             * drop both. */
            sp_buf u = {0};
            sp_buf_puts(&u, "/?");
            for (size_t a = 0; a < p->n_args; a++) {
                const pg_arg *ar = &p->args[a];
                if (!strcmp(ar->key, "page") || !*ar->value)
                    continue;
                if (!search_param(ar->key) && strcmp(ar->key, "lang"))
                    continue;
                if (!strcmp(ar->key, field)) {
                    if (idx_field_is_number((idx_field)f))
                        continue; /* one value */
                    const char *c = f == IDX_F_BENEFITS && !strcmp(ar->value, "none")
                                        ? "none"
                                        : vocab_canon(p->v, field, ar->value);
                    if (c && !strcmp(c, slug))
                        continue;
                }
                html_query_add(&u, ar->key, ar->value);
            }
            pg_href(p, sp_buf_cstr(&u));
            sp_buf_free(&u);
            pg_raw(p, "\">");
            pg_tf(p, "filter.remove", label ? label : slug, NULL, NULL);
            pg_raw(p, "</a></li>");
        }
    }
    pg_raw(p, "</ul></div>");
}

void pg_pager(pg *p, long page, long pages, long max_page, pg_page_url url, void *ctx)
{
    if (pages <= 1)
        return;
    pg_raw(p, "<nav class=\"pager\" aria-label=\"");
    pg_t(p, "pager.label");
    pg_raw(p, "\"><ul>");
    for (int dir = -1; dir <= 1; dir += 2) {
        long to = page + dir;
        if (to < 1 || to > pages || to > max_page)
            continue;
        sp_buf u = {0};
        url(p, &u, to, ctx);
        pg_raw(p, "<li><a href=\"");
        pg_href(p, sp_buf_cstr(&u));
        pg_raw_if(p, dir < 0, "\" rel=\"prev\">", "\" rel=\"next\">");
        pg_t(p, dir < 0 ? "pager.prev" : "pager.next");
        pg_raw(p, "</a></li>");
        sp_buf_free(&u);
    }
    char a[24], b[24];
    snprintf(a, sizeof a, "%ld", page);
    snprintf(b, sizeof b, "%ld", pages);
    pg_raw(p, "<li class=\"of\">");
    pg_tf(p, "pager.of", a, b, NULL);
    pg_raw(p, "</li></ul></nav>");
}

/* The search page's address with page=to. */
static void search_page_url(pg *p, sp_buf *u, long to, void *ctx)
{
    (void)ctx;
    url_without(p, u, NULL, NULL);
    char pgs[24];
    snprintf(pgs, sizeof pgs, "%ld", to);
    if (u->len == 1)
        sp_buf_puts(u, "?");
    html_query_add(u, "page", pgs);
}

static void put_pager(pg *p, const search_state *st, const idx_result *res)
{
    long pages = (long)((res->total + (size_t)st->sp.per_page - 1) / (size_t)st->sp.per_page);
    pg_pager(p, st->sp.page, pages, SD_MAX_RESULTS / st->sp.per_page, search_page_url, NULL);
}

/* A page beyond the last (?page=999): say so and link to the last. */
static void put_past_end(pg *p, const search_state *st, const idx_result *res)
{
    long pages = (long)((res->total + (size_t)st->sp.per_page - 1) / (size_t)st->sp.per_page);
    while (pages > 1 && pages * st->sp.per_page > SD_MAX_RESULTS)
        pages--;
    char n[24];
    snprintf(n, sizeof n, "%ld", pages);
    sp_buf u = {0};
    url_without(p, &u, NULL, NULL);
    if (u.len == 1)
        sp_buf_puts(&u, "?");
    if (pages > 1)
        html_query_add(&u, "page", n);
    pg_raw(p, "<div class=\"none\"><p>");
    pg_tn(p, "results.past_end", (unsigned long)pages);
    pg_raw(p, "</p><p><a href=\"");
    pg_href(p, sp_buf_cstr(&u));
    pg_raw(p, "\">");
    pg_tf(p, "results.last_page", n, NULL, NULL);
    pg_raw(p, "</a></p></div>");
    sp_buf_free(&u);
}

/* How many services a broader version of the search would find (exact),
 * or -1 when the count failed. */
static long alt_count(idx **ix, idx_query q)
{
    return *ix ? sd_count(*ix, q) : -1;
}

/* One broader search: a link with how many it finds, left out when it
 * would find nothing either. */
static void put_alt(pg *p, const char *href, long count, const char *key, const char *arg)
{
    if (count == 0)
        return;
    pg_raw(p, "<li><a href=\"");
    pg_href(p, href);
    pg_raw(p, "\">");
    pg_tf(p, key, arg, NULL, NULL);
    pg_raw(p, "</a>");
    if (count > 0) {
        pg_raw(p, " ");
        pg_tn(p, "none.count", (unsigned long)count);
    }
    pg_raw(p, "</li>");
}

static void put_alt_without(pg *p, long count, const char *drop, const char *key,
                            const char *arg)
{
    sp_buf u = {0};
    url_without(p, &u, drop, NULL);
    put_alt(p, sp_buf_cstr(&u), count, key, arg);
    sp_buf_free(&u);
}

/* Nothing found: say so kindly and offer the nearest broader searches,
 * each with how many services it finds. */
static void put_no_results(pg *p, idx **ix, const search_state *st, const idx_result *res)
{
    const idx_query *q0 = &st->sp.q;
    pg_raw(p, "<div class=\"none\"><h2>");
    pg_t(p, "none.title");
    pg_raw(p, "</h2><p>");
    pg_t(p, "none.kind");
    pg_raw(p, "</p><ul>");
    if (res && res->suggestion && *res->suggestion) {
        idx_query q = *q0;
        q.q = res->suggestion;
        sp_buf u = {0};
        url_without(p, &u, "q", NULL);
        if (u.len == 1)
            sp_buf_puts(&u, "?");
        html_query_add(&u, "q", res->suggestion);
        put_alt(p, sp_buf_cstr(&u), alt_count(ix, q), "none.didyoumean", res->suggestion);
        sp_buf_free(&u);
    }
    for (int f = 0; f < IDX_F__COUNT; f++) {
        /* A filter read from the words is undone from the "From your
         * words" box (pages_understood.c), not by dropping a parameter. */
        if (!q0->n_filters[f] || sd_understood(&st->u, (idx_field)f, st->sp.vals[f][0]))
            continue;
        const char *field = idx_field_name((idx_field)f);
        char lbuf[96];
        const char *label = filter_label(p, (idx_field)f, st->sp.vals[f][0], lbuf, sizeof lbuf);
        idx_query q = *q0;
        q.n_filters[f] = 0; /* one link per field drops all its values */
        put_alt_without(p, alt_count(ix, q), field, "none.drop",
                        label ? label : st->sp.vals[f][0]);
    }
    pg_when_alt(p, &st->sp, ix);
    if (q0->radius_km > 0) {
        idx_query q = *q0;
        q.radius_km = 0;
        put_alt_without(p, alt_count(ix, q), "radius_km", "none.widen", NULL);
    }
    if (q0->has_near && !st->u.has_near) {
        idx_query q = *q0;
        q.has_near = false;
        q.radius_km = 0;
        q.sort = IDX_SORT_RELEVANCE;
        put_alt_without(p, alt_count(ix, q), "near", "none.all_london", NULL);
    }
    if (st->sp.qtext && *st->sp.qtext) {
        idx_query q = *q0;
        q.q = NULL;
        put_alt_without(p, alt_count(ix, q), "q", "none.drop_q", st->sp.qtext);
    }
    pg_raw(p, "</ul><p>");
    pg_t(p, "none.help");
    pg_raw(p, "</p></div>");
}

static void put_sort(pg *p, const search_state *st)
{
    static const char *const sorts[] = {"distance", "relevance", "updated"};
    pg_raw(p, "<div class=\"sortby\"><label for=\"sort\">");
    pg_t(p, "sort.label");
    pg_raw(p, "</label> <select id=\"sort\" name=\"sort\">");
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++) {
        /* The default order, best match (with a postcode, nearer ones
         * first among equally good), is the empty value. */
        bool dflt = i == 1u;
        if (i == 0 && !st->sp.q.has_near)
            continue;
        pg_fmt(p, "<option value=\"%pA", dflt ? "" : sorts[i]);
        pg_raw_if(p, strcmp(st->sp.sort, sorts[i]), "\">", "\" selected>");
        char key[32];
        snprintf(key, sizeof key, "sort.%s%s", sorts[i],
                 i == 1 && st->sp.q.has_near ? "_near" : "");
        pg_t(p, key);
        pg_raw(p, "</option>");
    }
    pg_raw(p, "</select> <button type=\"submit\" class=\"btn2 nojs\">");
    pg_t(p, "sort.go");
    pg_raw(p, "</button></div>");
}

static void put_results(pg *p, idx **ix, const search_state *st, const idx_result *res)
{
    pg_raw(p, "<div class=\"results\" id=\"results\"><h2 id=\"count\">");
    pg_tn(p, "results.found", res->total);
    if (st->sp.q.has_near && st->sp.near) {
        pg_raw(p, " ");
        pg_tf(p, "results.near", st->sp.near, NULL, NULL);
    }
    pg_raw(p, "</h2><p class=\"tofilters\"><a href=\"#filters\">");
    pg_t(p, "filter.jump");
    pg_raw(p, "</a></p>");
    if (res->total > 1)
        put_sort(p, st);
    if (st->bad_near) {
        pg_raw(p, "<p class=\"notice\" role=\"status\">");
        pg_tf(p, "search.bad_near", st->bad_near, NULL, NULL);
        pg_raw(p, "</p>");
    }
    put_selected(p, st);
    pg_when_chips(p, &st->sp, ix);
    pg_understood(p, st->sp.qtext, &st->u, res);
    if (res->suggestion && *res->suggestion && res->total > 0 && !res->suggestion_used) {
        sp_buf u = {0};
        url_without(p, &u, "q", NULL);
        if (u.len == 1)
            sp_buf_puts(&u, "?");
        html_query_add(&u, "q", res->suggestion);
        pg_raw(p, "<p class=\"dym\"><a href=\"");
        pg_href(p, sp_buf_cstr(&u));
        pg_raw(p, "\">");
        pg_tf(p, "none.didyoumean", res->suggestion, NULL, NULL);
        pg_raw(p, "</a></p>");
        sp_buf_free(&u);
    }
    if (!res->n_hits && res->total > 0) {
        put_past_end(p, st, res);
    } else if (!res->n_hits) {
        put_no_results(p, ix, st, res);
    } else {
        pg_raw(p, "<ol class=\"hits\">");
        for (size_t i = 0; i < res->n_hits; i++) {
            const idx_hit *h = &res->hits[i];
            pg_raw(p, "<li class=\"hit\">");
            pg_open(p, "<h3"); /* the provider's words stay in English */
            pg_raw(p, "<a href=\"/services/");
            pg_text(p, h->rec.id);
            pg_lang_arg(p, "?");
            pg_raw(p, "\">");
            pg_text(p, pg_service_name(p, &h->rec));
            pg_raw(p, "</a></h3>");
            if (h->rec.organization.name) {
                pg_open(p, "<p class=\"org\"");
                pg_text(p, h->rec.organization.name);
                pg_raw(p, "</p>");
            }
            if (h->snippet && *h->snippet) {
                pg_open(p, "<p class=\"snip\"");
                pg_fmt(p, "%pS</p>", h->snippet);
            } else if (h->rec.description) {
                /* No snippet: the description's start, cut on a
                 * character boundary. */
                const char *d = h->rec.description;
                size_t dn = strlen(d), cut = dn > 240 ? 240 : dn;
                while (cut > 0 && cut < dn && ((unsigned char)d[cut] & 0xC0) == 0x80)
                    cut--;
                pg_open(p, "<p class=\"snip\"");
                pg_textn(p, d, cut);
                pg_raw_if(p, cut < dn, "…</p>", "</p>");
            }
            pg_result_facts(p, h);
            pg_raw(p, "</li>");
        }
        pg_raw(p, "</ol>");
        put_pager(p, st, res);
    }
    pg_raw(p, "</div>");
}

/* Build the parameter list for sd_search_parse from the page's args. */
static void search_kv(pg *p, search_state *st, bool with_near)
{
    st->n = 0;
    for (size_t i = 0; i < p->n_args && st->n < PG_MAX_ARGS; i++) {
        const pg_arg *a = &p->args[i];
        if (!search_param(a->key) || (!with_near && !strcmp(a->key, "near")) ||
            pg_when_skip(p, a->key))
            continue;
        /* "Nearest first" chosen earlier, postcode since removed. */
        if (!strcmp(a->key, "sort") && !strcmp(a->value, "distance") &&
            (!with_near || !pg_get(p, "near") || !*pg_get(p, "near")))
            continue;
        st->kv[st->n].key = a->key;
        st->kv[st->n].key_len = strlen(a->key);
        st->kv[st->n].value = a->value;
        st->kv[st->n].value_len = strlen(a->value);
        st->n++;
    }
}

enum MHD_Result sd_page_search(sd_req *r, const char *rest)
{
    pg p;
    pg_init(&p, r);
    if (p.too_many_args)
        return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.too_many", NULL);

    search_state *st = calloc(1, sizeof *st);
    if (!st)
        return MHD_NO;
    char msg[512];
    search_kv(&p, st, true);
    int rc = sd_search_parse_for(p.v, SD_EP_PORTAL, st->kv, st->n, &st->sp, msg, sizeof msg);
    const char *near = pg_get(&p, "near");
    if (rc != SP_OK && near && *near) {
        /* A postcode we do not know: search all of London and say so. */
        search_kv(&p, st, false);
        rc = sd_search_parse_for(p.v, SD_EP_PORTAL, st->kv, st->n, &st->sp, msg, sizeof msg);
        if (rc == SP_OK)
            st->bad_near = near;
    }
    if (rc == SP_OK && sd_search_hours(&st->sp, r->srv->london, (int64_t)time(NULL)) != SP_OK) {
        rc = SP_EIO;
        snprintf(msg, sizeof msg, "open=now is unavailable: no time zone database");
    }
    if (rc != SP_OK) {
        free(st);
        return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.bad", msg);
    }
    /* The words of a sentence: filters they name, relaxing (understood.c).
     * Near a postcode the default order is relevance with distance decay
     * (idx.h); "nearest first" is a choice. */
    if (sd_understand(p.v, &st->sp, &st->u, NULL) != SP_OK) {
        free(st);
        return pg_message(&p, MHD_HTTP_INTERNAL_SERVER_ERROR, "msg.error.title",
                          "msg.error", NULL);
    }
    /* Duplicates fold (fold=0 turns it off): a collapsed search's total
     * and filter counts are exact, so a filter's count is still the number
     * the person then sees. */

    enum MHD_Result ret = MHD_NO;
    idx *ix = pg_index(&p, &ret);
    if (!ix) {
        free(st);
        return ret;
    }
    /* The hits from their compact copies (idx_query.brief) when the index
     * keeps what a result shows (schema 5), not their whole records. */
    st->sp.q.brief = idx_schema_version(ix) >= 5;
    idx_result res;
    sp_err e;
    idx_query q = st->sp.q;
    sd_hours_sets hs; /* the hours facet, counted by this search */
    sd_hours_ask(&st->sp, &hs, &q);
    rc = pg_search(&p, &ix, &q, &res, &e);
    if (rc == SP_EINVAL) {
        free(st);
        return pg_message(&p, MHD_HTTP_BAD_REQUEST, "msg.bad.title", "msg.bad", e.msg);
    }
    if (rc != SP_OK) {
        free(st);
        fprintf(stderr, "searchd: page search failed: %s\n", e.msg);
        return pg_message(&p, MHD_HTTP_INTERNAL_SERVER_ERROR, "msg.error.title",
                          "msg.error", NULL);
    }

    bool searched = p.n_args > 0 && (st->sp.qtext || st->sp.q.has_near || st->bad_near ||
                                     st->sp.q.n_hours);
    for (int f = 0; f < IDX_F__COUNT; f++)
        if (st->sp.q.n_filters[f])
            searched = true;
    pg_head(&p, searched ? "results.title" : "search.title",
            st->sp.qtext && *st->sp.qtext ? st->sp.qtext : NULL, NULL);
    /* Phone first: on a results page the form folds into one line
     * (pages_when.c) and the lead goes, so the first result is on the
     * first screen. */
    st->folded = searched;
    pg_raw_if(&p, searched, "<h1 class=\"compact\">", "<h1>");
    pg_t(&p, "search.h1");
    pg_raw(&p, "</h1>");
    if (!searched) {
        pg_raw(&p, "<p class=\"lead\">");
        pg_t(&p, "search.lead");
        pg_raw(&p, "</p>");
        pg_guided_link(&p);
    }
    put_search_form_top(&p, st);
    /* Results before filters: on a phone the answer comes first (with a
     * link down to the filters); wide screens show the filters beside. */
    /* Where portal.js announces the new count after an in-place update
     * (a live region must exist before it changes). */
    pg_raw(&p, "<p id=\"live\" class=\"vh\" role=\"status\"></p><div class=\"cols sc\">");
    put_results(&p, &ix, st, &res);
    sd_hours_facet(ix, &st->sp, &res, &st->when);
    put_filters(&p, st, &res);
    pg_raw(&p, "</div></form>");
    pg_foot(&p);
    idx_result_free(&res);
    free(st);
    return pg_reply(&p, MHD_HTTP_OK);
}
