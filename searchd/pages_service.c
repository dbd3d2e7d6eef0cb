/*
 * pages_service.c - GET /services/{id}: everything a person needs to act on
 * one service (what it is, who it is for, how to get help, cost, when,
 * where with a map link, how to get in touch, languages, when it was last
 * checked), the other sources that list the same service (its duplicate
 * cluster) and similar services nearby.  All record text is escaped; links
 * pass html_url_* or are shown as text.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

#define MAX_DESCRIPTION 20000
#define SIMILAR 5
#define MAX_SOURCES 20 /* other records of a duplicate cluster listed */

/* Description text as paragraphs: blank lines (or single newlines) split
 * them.  Bounded so a huge crawled description cannot bloat the page. */
static void put_paragraphs(pg *p, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n > MAX_DESCRIPTION)
        n = MAX_DESCRIPTION;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '))
            i++;
        size_t j = i;
        while (j < n && s[j] != '\n')
            j++;
        if (j > i) {
            pg_open(p, "<p"); /* the provider's words, in English */
            pg_textn(p, s + i, j - i);
            pg_raw(p, "</p>");
        }
        i = j;
    }
}

static void section(pg *p, const char *key)
{
    pg_raw(p, "<h2>");
    pg_t(p, key);
    pg_raw(p, "</h2>");
}

/* Referral routes in words a person can act on. */
static void put_referrals(pg *p, const rec_service *rec)
{
    if (!rec->referrals.n)
        return;
    pg_raw(p, "<ul>");
    for (size_t i = 0; i < rec->referrals.n; i++) {
        char key[64];
        snprintf(key, sizeof key, "ref.%s", rec->referrals.v[i].slug);
        const char *t = html_t(p->L, key);
        pg_raw(p, "<li>");
        if (strcmp(t, key)) {
            pg_text(p, t);
        } else {
            const char *label = pg_label(p, "referral", rec->referrals.v[i].slug);
            pg_text(p, label ? label : rec->referrals.v[i].slug);
        }
        pg_raw(p, "</li>");
    }
    pg_raw(p, "</ul>");
}

/* A paragraph's label: "<p><span class="k">Helps with</span> ". */
static void put_key(pg *p, const char *key)
{
    pg_raw(p, "<p><span class=\"k\">");
    pg_t(p, key);
    pg_raw(p, "</span> ");
}

/* A labelled paragraph of a record's tags in field (at most max), when it
 * has any. */
static void put_tag_line(pg *p, const char *key, const char *field, const rec_tags *t,
                         size_t max)
{
    if (!t->n)
        return;
    put_key(p, key);
    pg_tag_labels(p, field, t, max);
    pg_raw(p, "</p>");
}

/* "Last checked: 1 November 2026" in a <p class="checked">, or in a
 * <span> after a space, when the record says when. */
static void put_checked(pg *p, const rec_service *r, bool span)
{
    int64_t t = pg_checked(r);
    if (t <= 0)
        return;
    pg_raw_if(p, span, " <span class=\"checked\">", "<p class=\"checked\">");
    pg_t(p, "rec.checked");
    pg_raw(p, " ");
    pg_put_date(p, t);
    pg_raw_if(p, span, "</span>", "</p>");
}

/* "<li>" and a link to another service's page with its organisation; the
 * caller adds to it and closes the item. */
static void put_listing(pg *p, const rec_service *o)
{
    pg_raw(p, "<li><a href=\"/services/");
    pg_text(p, o->id);
    pg_lang_arg(p, "?");
    pg_open(p, "\""); /* the provider's words stay in English */
    pg_fmt(p, "%pT</a>", pg_service_name(p, o));
    if (o->organization.name) {
        pg_open(p, " <span class=\"org\"");
        pg_fmt(p, "%pT</span>", o->organization.name);
    }
}

/* The other records of rec's duplicate cluster: the same service as other
 * sources list it, each with its own page, source and last check. */
static void put_sources(pg *p, idx *ix, const rec_service *rec)
{
    if (!rec->cluster_id || !*rec->cluster_id)
        return;
    idx_query q;
    sd_cluster_query(&q, rec, MAX_SOURCES);
    idx_result res;
    sp_err e;
    if (pg_search(p, &ix, &q, &res, &e) != SP_OK)
        return;
    size_t others = res.total > 0 ? res.total - 1 : 0;
    if (others) {
        pg_raw(p, "<section class=\"sources\" aria-labelledby=\"sources-h\"><h2 id=\"sources-h\">");
        pg_tn(p, "service.also", others);
        pg_raw(p, "</h2><p>");
        pg_t(p, "service.also_note");
        pg_raw(p, "</p><ul>");
        size_t shown = 0;
        for (size_t i = 0; i < res.n_hits && shown < MAX_SOURCES; i++) {
            const rec_service *o = &res.hits[i].rec;
            if (!o->id || !strcmp(o->id, rec->id))
                continue;
            shown++;
            put_listing(p, o);
            if (o->prov.source_id && *o->prov.source_id) {
                pg_raw(p, " <span class=\"from\">");
                pg_tf(p, "service.listed_by", o->prov.source_id, NULL, NULL);
                pg_raw(p, "</span>");
            }
            put_checked(p, o, true);
            pg_raw(p, "</li>");
        }
        pg_raw(p, "</ul><p><a href=\"/api/v1/hub/duplicates?id=");
        pg_text(p, rec->id);
        pg_raw(p, "\">");
        pg_t(p, "service.also_why");
        pg_raw(p, "</a></p></section>");
    }
    idx_result_free(&res);
}

static void put_similar(pg *p, idx *ix, const rec_service *rec)
{
    /* The most specific category says what the service does. */
    const char *cat = NULL;
    for (size_t i = 0; i < rec->categories.n && !cat; i++)
        if (vocab_category_parent(p->v, rec->categories.v[i].slug))
            cat = rec->categories.v[i].slug;
    if (!cat && rec->categories.n)
        cat = rec->categories.v[0].slug;
    if (!cat)
        return;
    const rec_location *loc = pg_location(rec);
    idx_query q;
    idx_query_init(&q);
    const char *cats[1] = {cat};
    q.filters[IDX_F_CATEGORY] = cats;
    q.n_filters[IDX_F_CATEGORY] = 1;
    const char *bor[1];
    if (loc && loc->has_coords) {
        q.has_near = true;
        q.near_lat = loc->latitude;
        q.near_lon = loc->longitude;
        q.radius_km = 10;
        q.sort = IDX_SORT_DISTANCE;
    } else if (rec->boroughs.n) {
        bor[0] = rec->boroughs.v[0].slug;
        q.filters[IDX_F_BOROUGH] = bor;
        q.n_filters[IDX_F_BOROUGH] = 1;
    }
    q.limit = SIMILAR + 1;
    q.facets = false;
    q.collapse = true;
    idx_result res;
    sp_err e;
    if (pg_search(p, &ix, &q, &res, &e) != SP_OK)
        return;
    size_t shown = 0;
    for (size_t i = 0; i < res.n_hits && shown < SIMILAR; i++) {
        const rec_service *o = &res.hits[i].rec;
        if (!o->id || !strcmp(o->id, rec->id) ||
            (rec->cluster_id && o->cluster_id && !strcmp(o->cluster_id, rec->cluster_id)))
            continue;
        if (!shown) {
            pg_raw(p, "<section class=\"similar\" aria-labelledby=\"similar-h\"><h2 id=\"similar-h\">");
            const char *label = pg_label(p, "category", cat);
            pg_tf(p, "service.similar", label ? label : cat, NULL, NULL);
            pg_raw(p, "</h2><ul>");
        }
        put_listing(p, o);
        if (res.hits[i].distance_km >= 0) {
            char d[32];
            snprintf(d, sizeof d, "%.1f", res.hits[i].distance_km / 1.609344);
            pg_raw(p, " <span class=\"dist\">(");
            pg_tf(p, "rec.distance", d, NULL, NULL);
            pg_raw(p, ")</span>");
        }
        pg_raw(p, "</li>");
        shown++;
    }
    if (shown)
        pg_raw(p, "</ul></section>");
    idx_result_free(&res);
}

static void put_service(pg *p, idx *ix, const rec_service *rec)
{
    pg_raw(p, "<p class=\"back\"><a href=\"/");
    pg_lang_arg(p, "?");
    pg_raw(p, "\">");
    pg_t(p, "service.back");
    pg_raw(p, "</a></p><article class=\"service\">");
    pg_open(p, "<h1");
    pg_text(p, pg_service_name(p, rec));
    pg_raw(p, "</h1>");
    if (rec->organization.name) {
        pg_raw(p, "<p class=\"org\">");
        pg_tf(p, "service.by", rec->organization.name, NULL, NULL);
        pg_raw(p, "</p>");
    }
    if (rec->alert || (rec->status && strcmp(rec->status, "active"))) {
        pg_raw(p, "<div class=\"notice\" role=\"note\"><p><strong>");
        pg_t(p, "service.alert");
        pg_raw(p, "</strong> ");
        if (rec->alert) {
            pg_open(p, "<span");
            pg_text(p, rec->alert);
            pg_raw(p, "</span>");
        }
        else
            pg_tf(p, "service.status", rec->status, NULL, NULL);
        pg_raw(p, "</p></div>");
    }

    /* How to get in touch first: it is what a person came to do. */
    pg_raw(p, "<div class=\"box\">");
    section(p, "service.contact");
    if (!pg_contact(p, rec, true)) {
        pg_raw(p, "<p>");
        pg_t(p, "rec.no_contact");
        pg_raw(p, "</p>");
    }
    pg_raw(p, "</div>");

    section(p, "service.what");
    if (rec->description) {
        put_paragraphs(p, rec->description);
    } else {
        pg_raw(p, "<p>");
        pg_t(p, "service.no_description");
        pg_raw(p, "</p>");
    }
    put_tag_line(p, "service.helps_with", "category", &rec->categories, 8);

    section(p, "service.who");
    pg_raw(p, "<p>");
    if (!pg_who(p, rec))
        pg_t(p, "rec.who_any");
    pg_raw(p, "</p>");
    if (rec->eligibility_description)
        put_paragraphs(p, rec->eligibility_description);
    put_key(p, "service.area");
    if (rec->pan_london)
        pg_t(p, "rec.all_london");
    else if (rec->boroughs.n)
        pg_tag_labels(p, "borough", &rec->boroughs, 33);
    else
        pg_t(p, "service.area_unknown");
    pg_raw(p, "</p>");

    section(p, "service.how");
    if (rec->application_process)
        put_paragraphs(p, rec->application_process);
    put_referrals(p, rec);

    section(p, "service.cost");
    pg_raw(p, "<p>");
    if (rec->costs.n)
        pg_tag_labels(p, "cost", &rec->costs, 3);
    else
        pg_t(p, "service.cost_ask");
    pg_raw(p, "</p>");
    if (rec->fees_description)
        put_paragraphs(p, rec->fees_description);

    section(p, "service.when");
    pg_raw(p, "<p>");
    if (!pg_when(p, rec, 14))
        pg_t(p, "rec.when_ask");
    pg_raw(p, "</p>");
    put_tag_line(p, "service.modes", "mode", &rec->modes, 4);

    section(p, "service.where");
    size_t shown = 0;
    pg_raw(p, "<ul class=\"places\">");
    for (size_t i = 0; i < rec->n_locations && shown < 20; i++) {
        const rec_location *loc = &rec->locations[i];
        if (!loc->n_addresses && !loc->has_coords && !loc->name)
            continue;
        pg_raw(p, "<li>");
        pg_address(p, loc, true);
        if (loc->transportation) {
            pg_raw(p, "<br><span class=\"k\">");
            pg_t(p, "service.getting_there");
            pg_raw(p, "</span> ");
            pg_text(p, loc->transportation);
        }
        pg_raw(p, "</li>");
        shown++;
    }
    pg_raw(p, "</ul>");
    if (!shown) {
        pg_raw(p, "<p>");
        pg_t(p, rec_tags_has(&rec->modes, "online") ? "rec.online" : "service.where_ask");
        pg_raw(p, "</p>");
    }

    if (rec->langs.n) {
        section(p, "service.languages");
        pg_raw(p, "<p>");
        pg_tag_labels(p, "language", &rec->langs, 20);
        pg_raw(p, "</p>");
    }

    pg_raw(p, "<div class=\"meta\">");
    put_checked(p, rec, false);
    char *src = html_url_web(rec->prov.source_url);
    if (src) {
        pg_raw(p, "<p>");
        pg_t(p, "service.source");
        pg_raw(p, " <a href=\"");
        pg_href(p, src);
        pg_raw(p, "\">");
        pg_text(p, src);
        pg_raw(p, "</a></p>");
        free(src);
    }
    pg_raw(p, "<p>");
    pg_t(p, "service.wrong");
    pg_raw(p, "</p></div>");
    put_sources(p, ix, rec);
    pg_raw(p, "</article>");
    put_similar(p, ix, rec);
}

enum MHD_Result sd_page_service(sd_req *r, const char *rest)
{
    pg p;
    pg_init(&p, r);
    char id[37];
    size_t len = strlen(rest);
    bool ok = len == 36;
    for (size_t i = 0; ok && i < len; i++)
        id[i] = (char)tolower((unsigned char)rest[i]);
    if (ok) {
        id[len] = '\0';
        ok = rec_is_uuid(id);
    }
    if (!ok)
        return pg_message(&p, MHD_HTTP_NOT_FOUND, "msg.notfound.title", "msg.notfound", NULL);
    enum MHD_Result ret = MHD_NO;
    idx *ix = pg_index(&p, &ret);
    if (!ix)
        return ret;
    rec_service rec;
    sp_err e;
    sp_err_clear(&e);
    int rc = idx_get(ix, id, &rec, &e);
    if (rc == SP_ENOTFOUND)
        return pg_message(&p, MHD_HTTP_NOT_FOUND, "msg.notfound.title", "msg.notfound", NULL);
    if (rc != SP_OK) {
        fprintf(stderr, "searchd: reading a record failed: %s\n", e.msg);
        return pg_message(&p, MHD_HTTP_INTERNAL_SERVER_ERROR, "msg.error.title", "msg.error",
                          NULL);
    }
    sd_reports_apply(r->srv, &rec);
    pg_head(&p, "service.title", rec.name, NULL);
    put_service(&p, ix, &rec);
    pg_report_form(&p, &rec);
    pg_foot(&p);
    rec_service_free(&rec);
    return pg_reply(&p, MHD_HTTP_OK);
}

enum MHD_Result sd_page_not_found(sd_req *r)
{
    r->route = SD_R_PAGE; /* the page's headers and metrics */
    pg p;
    pg_init(&p, r);
    return pg_message(&p, MHD_HTTP_NOT_FOUND, "msg.notfound.title", "msg.page_notfound", NULL);
}
