/*
 * crawl_links.c - where a fetched document leads (crawl_int.h): URLs
 * normalised as libcurl parses them, the links feed_read_doc finds in a
 * body (links only) filtered by what the source follows (same host, depth,
 * kind), and the links kept with an unchanged URL in the store.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl_int.h"
#include "feed.h"

#define MAX_LINKS_PER_DOC 50000 /* a sitemap's limit */

/* ---- URLs --------------------------------------------------------------------- */

/* The URL without its fragment, as libcurl normalises it; NULL unless
 * http(s) and at most CRAWL_MAX_URL_LEN bytes.  With hostport, also its
 * "host:port" (host lower-cased, default port filled in; malloc'd), from
 * the same parse.  Caller frees. */
static char *norm_url_hp(const char *url, char **hostport)
{
    if (hostport)
        *hostport = NULL;
    if (!url || strlen(url) > CRAWL_MAX_URL_LEN)
        return NULL;
    CURLU *u = curl_url();
    if (!u)
        return NULL;
    char *out = NULL, *scheme = NULL, *full = NULL, *hostname = NULL, *port = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (!strcmp(scheme, "http") || !strcmp(scheme, "https")) &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK &&
        strlen(full) <= CRAWL_MAX_URL_LEN) {
        out = strdup(full);
        if (out && hostport &&
            curl_url_get(u, CURLUPART_HOST, &hostname, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
            for (char *p = hostname; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            *hostport = sp_printf("%s:%s", hostname, port);
        }
        if (out && hostport && !*hostport) {
            free(out);
            out = NULL;
        }
    }
    curl_free(scheme);
    curl_free(full);
    curl_free(hostname);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

char *crawl_norm_url(const char *url)
{
    return norm_url_hp(url, NULL);
}

/* "scheme://host:port" of an http(s) URL, host lower-cased; NULL if bad. */
char *crawl_authority(const char *url)
{
    char *hp = NULL, *norm = norm_url_hp(url, &hp);
    char *out = norm ? sp_printf("%s://%s", strncmp(norm, "https:", 6) ? "http" : "https", hp)
                     : NULL;
    free(norm);
    free(hp);
    return out;
}

/* "host:port" of a URL (the scheme may differ between two URLs of one
 * site); NULL if bad.  Caller frees. */
static char *host_port(const char *url)
{
    char *hp = NULL;
    free(norm_url_hp(url, &hp));
    return hp;
}

/* Same host name and port (the scheme may differ). */
bool crawl_same_host(const char *a, const char *b)
{
    char *x = host_port(a), *y = host_port(b);
    bool same = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

/* ---- links -------------------------------------------------------------------- */

void crawl_linkset_free(crawl_linkset *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free((char *)ls->v[i].url);
    free(ls->v);
    memset(ls, 0, sizeof *ls);
}

/* Takes ownership of url. */
void crawl_linkset_add(crawl_linkset *ls, char *url, const char *format, int depth,
                        int64_t lastmod)
{
    if (!url)
        return;
    /* No dedupe here: queueing is idempotent in the store. */
    if (ls->n >= MAX_LINKS_PER_DOC) {
        free(url);
        return;
    }
    if (sp_grow(&ls->v, &ls->cap, ls->n + 1, sizeof *ls->v, 16) != SP_OK) {
        free(url);
        return;
    }
    ls->v[ls->n++] = (store_link){url, format, depth, lastmod};
}

/* The store's format names the links carry, as static strings (store_link
 * does not own its format). */
static const char *format_const(const char *name)
{
    static const char *const names[] = {"auto", "oruk", "rss", "sitemap", "html",
                                        "datapackage", "ndjson", "csv"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(names[i], name))
            return names[i];
    return "auto";
}

/* The links of a fetched document that this source follows, with depths
 * relative to the document's (0: a next page or child sitemap, 1: one
 * level down), as the store keeps them (store_out_links): queue_links
 * turns them into URLs to queue at a given depth.  fmt_name is how the URL
 * was reached (the store's urls.format).  One reader call through
 * feed_read_doc, links only; *n_recs gets the records the reader built on
 * the way (ORUK; 0 for the others). */
void crawl_doc_links(const crawl_source *src, const char *fmt_name, const char *doc_url,
                      const char *body, size_t len, const char *ct, crawl_linkset *out,
                      size_t *n_recs, char **refused)
{
    feed_output o;
    feed_output_init(&o);
    sp_err e = {0};
    /* A reader that fails part-way keeps the links read before the fault. */
    int rc = feed_read_doc(fmt_name, body, len, doc_url, ct, FEED_WANT_LINKS, NULL, NULL,
                           &o, &e);
    if (n_recs)
        *n_recs = o.n_recs;
    feed_format f = o.format;
    if (f == FEED_DATAPACKAGE) {
        /* The CSV files beside datapackage.json, on the package's own host
         * only: a resource elsewhere is not fetched, and why becomes the
         * package fetch's recorded error. */
        if (rc == SP_EINVAL && refused && !*refused)
            *refused = sp_strdup(e.msg);
        for (size_t i = 0; i < o.n_links; i++)
            crawl_linkset_add(out, crawl_norm_url(o.links[i].url), "csv", 1, 0);
        feed_output_free(&o);
        return;
    }
    const char *self = feed_format_name(f);
    bool pages_ok = src->kind != CRAWL_ORUK && src->kind != CRAWL_DATAPACKAGE;
    char *doc_hp = host_port(doc_url), *src_hp = host_port(src->url);
    for (size_t i = 0; i < o.n_links && i < MAX_LINKS_PER_DOC; i++) {
        const feed_link *l = &o.links[i];
        char *hp = NULL;
        char *u = norm_url_hp(l->url, &hp);
        if (!u)
            continue;
        bool same = (doc_hp && !strcmp(hp, doc_hp)) || (src_hp && !strcmp(hp, src_hp));
        free(hp);
        switch (l->kind) {
        case FEED_LINK_NEXT:
            if (same) {
                crawl_linkset_add(out, u, self, 0, 0);
                u = NULL;
            }
            break;
        case FEED_LINK_DETAIL:
            if (same) {
                crawl_linkset_add(out, u, "oruk", 1, 0);
                u = NULL;
            }
            break;
        case FEED_LINK_SITEMAP:
            if (same) {
                crawl_linkset_add(out, u, "sitemap", 0, l->lastmod);
                u = NULL;
            }
            break;
        case FEED_LINK_PAGE:
            /* Feed items may live on other hosts; pages of a site do not. */
            if (pages_ok && (same || f == FEED_RSS)) {
                crawl_linkset_add(out, u, "auto", 1, l->lastmod);
                u = NULL;
            }
            break;
        case FEED_LINK_FEED:
            if (pages_ok && same &&
                (src->kind == CRAWL_HTML || src->kind == CRAWL_AUTO)) {
                crawl_linkset_add(out, u, "rss", 1, 0);
                u = NULL;
            }
            break;
        }
        free(u);
    }
    free(doc_hp);
    free(src_hp);
    feed_output_free(&o);
}

/* A page or feed one level down ("auto" and "rss" links at relative depth
 * 1) is followed only within the source's depth; next pages, child
 * sitemaps, detail records and a package's resources always. */
static bool link_is_page(const store_link *l)
{
    return l->depth > 0 && (!strcmp(l->format, "auto") || !strcmp(l->format, "rss"));
}

/* The links rel (relative depths) of a URL queued at depth, as URLs to
 * queue (absolute depths); the URLs are copied. */
void crawl_queue_links(const crawl_source *src, int depth, const store_link *rel, size_t n,
                        crawl_linkset *out)
{
    for (size_t i = 0; i < n; i++) {
        if (link_is_page(&rel[i]) && depth + rel[i].depth > src->depth)
            continue;
        crawl_linkset_add(out, sp_strdup(rel[i].url), format_const(rel[i].format),
                    depth + rel[i].depth, rel[i].lastmod);
    }
}

typedef struct stored_links {
    const crawl_source *src;
    const char *format; /* how the URL is queued */
    crawl_linkset *rel;
} stored_links;

static int stored_links_cb(void *ctx, const store_doc *d)
{
    stored_links *sl = ctx;
    char *refused = NULL; /* recorded when the package was first stored */
    crawl_doc_links(sl->src, sl->format, d->final_url ? d->final_url : d->url,
              d->body, d->len, d->content_type, sl->rel, NULL, &refused);
    free(refused);
    return 1;
}

/* An unchanged document still leads where it led: queue the links kept
 * with its URL (store_out_links).  A store from before they were kept
 * reads the stored copy once and keeps its links from then on. */
int crawl_links_from_store(store *s, const crawl_source *src, const store_queued *q,
                           crawl_linkset *out, sp_err *err)
{
    store_link *kept = NULL;
    size_t n = 0;
    int rc = store_out_links(s, src->name, q->url, &kept, &n, NULL);
    if (rc == SP_OK) {
        crawl_queue_links(src, q->depth, kept, n, out);
        store_links_free(kept, n);
        return SP_OK;
    }
    if (rc != SP_ENOTFOUND)
        return SP_OK;
    crawl_linkset rel = {0};
    stored_links sl = {src, q->format, &rel};
    rc = SP_OK;
    if (store_latest_doc(s, src->name, q->url, stored_links_cb, &sl, NULL) == SP_OK)
        rc = store_out_links_put(s, src->name, q->url, rel.v, rel.n, err);
    crawl_queue_links(src, q->depth, rel.v, rel.n, out);
    crawl_linkset_free(&rel);
    return rc;
}

