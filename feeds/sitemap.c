/*
 * sitemap.c - the sitemap reader (sitemaps.org protocol): <urlset> pages
 * become FEED_LINK_PAGE links, <sitemapindex> entries FEED_LINK_SITEMAP
 * links, each with lastmod (W3C datetime, epoch seconds) and priority;
 * plain-text sitemaps (one URL a line, UTF-8, BOM allowed) become page
 * links; gzip bodies (recognised by their magic bytes, whatever the URL or
 * content type says) are inflated first.  An RSS or Atom feed offered as a
 * sitemap (the protocol allows it) yields its items' links.
 *
 * Lenient where crawlers in the wild need it (crawler-commons' fixtures):
 * any namespace or none, <loc> text with surrounding whitespace, index
 * entries written as bare text inside <sitemap>.  URLs that do not resolve
 * to http(s) are skipped.
 *
 * Bounds: 50 MB inflated (the protocol's limit), 50,000 URLs per sitemap
 * (beyond that SP_ELIMIT, keeping the first 50,000), libxml2's depth limit;
 * the XML parser never touches the network or external entities.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zlib.h>

#include "feed_int.h"

#define SITEMAP_MAX_INFLATED (50u * 1024u * 1024u)
#define SITEMAP_MAX_URLS 50000u
#define SITEMAP_MAX_URL_LEN 8192u

/* Inflate a gzip body into a malloc'd buffer of at most
 * SITEMAP_MAX_INFLATED bytes. */
static int gunzip(const char *in, size_t n, char **out, size_t *out_len,
                  sp_err *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return sp_fail(err, SP_ENOMEM, "cannot start gzip decompression");
    size_t cap = n * 4 + 1024;
    if (cap > SITEMAP_MAX_INFLATED + 1)
        cap = SITEMAP_MAX_INFLATED + 1;
    char *buf = malloc(cap);
    if (buf == NULL) {
        inflateEnd(&zs);
        return sp_fail(err, SP_ENOMEM, "out of memory inflating sitemap");
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    size_t len = 0;
    int rc = SP_OK;
    for (;;) {
        if (len == cap) {
            if (cap > SITEMAP_MAX_INFLATED) {
                rc = sp_fail(err, SP_ELIMIT,
                             "gzip sitemap inflates beyond %u bytes; not read",
                             SITEMAP_MAX_INFLATED);
                break;
            }
            size_t ncap = cap * 2;
            if (ncap > SITEMAP_MAX_INFLATED + 1)
                ncap = SITEMAP_MAX_INFLATED + 1;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory inflating sitemap");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        zs.next_out = (Bytef *)buf + len;
        zs.avail_out = (uInt)(cap - len);
        int z = inflate(&zs, Z_NO_FLUSH);
        len = cap - zs.avail_out;
        if (z == Z_STREAM_END)
            break;
        if (z == Z_BUF_ERROR && zs.avail_in == 0) {
            /* Truncated download: keep what inflated. */
            break;
        }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            if (len == 0)
                rc = sp_fail(err, SP_EPARSE, "gzip sitemap is corrupt: %s",
                             zs.msg != NULL ? zs.msg : "inflate failed");
            break;
        }
        if (len > SITEMAP_MAX_INFLATED) {
            rc = sp_fail(err, SP_ELIMIT, "gzip sitemap inflates beyond %u bytes; not read",
                         SITEMAP_MAX_INFLATED);
            break;
        }
    }
    inflateEnd(&zs);
    if (rc != SP_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = len;
    return SP_OK;
}

/* Resolve one URL as written in a sitemap: absolute URLs stand alone,
 * relative ones (not allowed, but seen) resolve against the sitemap. */
static char *sm_resolve(const char *docurl, const char *ref)
{
    char *u = feed_resolve_url(docurl, ref);
    if (u == NULL)
        u = feed_resolve_url(NULL, ref);
    return u;
}

/* Add one URL; *count tracks the protocol bound. */
static int add_url(feed_output *out, const char *docurl, const char *raw,
                   feed_link_kind kind, int64_t lastmod, double priority,
                   size_t *count, sp_err *err)
{
    if (raw == NULL)
        return SP_OK;
    if (*count >= SITEMAP_MAX_URLS)
        return sp_fail(err, SP_ELIMIT,
                       "sitemap lists more than %u URLs; the rest were skipped",
                       SITEMAP_MAX_URLS);
    if (strlen(raw) > SITEMAP_MAX_URL_LEN)
        return SP_OK;
    char *u = sm_resolve(docurl, raw);
    if (u == NULL)
        return SP_OK; /* not an http(s) URL: skipped */
    int rc = feed_add_link(out, u, kind, lastmod, priority);
    free(u);
    if (rc != SP_OK)
        return sp_fail(err, rc, "sitemap: %s",
                       rc == SP_ELIMIT ? "output link limit reached" : "out of memory");
    (*count)++;
    return SP_OK;
}

static int read_text(const char *b, size_t n, const char *docurl,
                     feed_output *out, sp_err *err)
{
    size_t count = 0;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && b[e] != '\n' && b[e] != '\r')
            e++;
        size_t s = i, t = e;
        while (s < t && feed_is_space((unsigned char)b[s]))
            s++;
        while (t > s && feed_is_space((unsigned char)b[t - 1]))
            t--;
        if (t > s && t - s <= SITEMAP_MAX_URL_LEN && b[s] != '#') {
            char *line = sp_strndup(b + s, t - s);
            if (line == NULL)
                return sp_fail(err, SP_ENOMEM, "out of memory reading sitemap");
            /* Only absolute URLs count in a text sitemap: a stray word or
             * a relative path is not a URL list entry. */
            int rc = SP_OK;
            if (strncasecmp(line, "http://", 7) == 0 || strncasecmp(line, "https://", 8) == 0)
                rc = add_url(out, docurl, line, FEED_LINK_PAGE, 0, -1, &count, err);
            free(line);
            if (rc != SP_OK)
                return rc;
        }
        i = e + 1;
    }
    return SP_OK;
}

static bool is_el(const xmlNode *n, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE &&
           xmlStrcasecmp(n->name, (const xmlChar *)local) == 0;
}

/* Trimmed text content of a node; NULL when empty. */
static char *text_of(xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    if (v == NULL)
        return NULL;
    const char *s = (const char *)v;
    size_t len = feed_trim(&s);
    char *out = len > 0 ? sp_strndup(s, len) : NULL;
    xmlFree(v);
    return out;
}

static double parse_priority(const char *s)
{
    if (s == NULL)
        return -1;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0))
        return -1;
    return v;
}

static int read_entries(xmlNode *root, const char *entry, feed_link_kind kind,
                        const char *docurl, feed_output *out, sp_err *err)
{
    size_t count = 0;
    for (xmlNode *c = root->children; c != NULL; c = c->next) {
        if (!is_el(c, entry))
            continue;
        char *loc = NULL, *lastmod = NULL, *prio = NULL;
        bool has_children = false;
        for (xmlNode *f = c->children; f != NULL; f = f->next) {
            if (f->type != XML_ELEMENT_NODE)
                continue;
            has_children = true;
            if (is_el(f, "loc") && loc == NULL)
                loc = text_of(f);
            else if (is_el(f, "lastmod") && lastmod == NULL)
                lastmod = text_of(f);
            else if (is_el(f, "priority") && prio == NULL)
                prio = text_of(f);
        }
        if (loc == NULL && !has_children)
            loc = text_of(c); /* <sitemap>URL</sitemap>, seen in the wild */
        int64_t lm = lastmod != NULL ? sp_time_parse(lastmod) : -1;
        int rc = add_url(out, docurl, loc, kind, lm > 0 ? lm : 0, parse_priority(prio),
                         &count, err);
        free(loc);
        free(lastmod);
        free(prio);
        if (rc != SP_OK)
            return rc;
    }
    return SP_OK;
}

/* A feed offered as a sitemap: its item links are the pages. */
static int read_feed(const char *b, size_t n, const char *docurl,
                     feed_output *out, sp_err *err)
{
    feed_output tmp;
    feed_output_init(&tmp);
    int rc = feed_read_rss(b, n, docurl, &tmp, err);
    size_t count = 0;
    for (size_t i = 0; i < tmp.n_links; i++) {
        int r2 = add_url(out, docurl, tmp.links[i].url, FEED_LINK_PAGE,
                         tmp.links[i].lastmod, -1, &count, err);
        if (r2 != SP_OK) {
            rc = r2;
            break;
        }
    }
    feed_output_free(&tmp);
    return rc;
}

static int read_xml(const char *b, size_t n, const char *docurl,
                    feed_output *out, sp_err *err)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory parsing sitemap");
    /* NONET and no entity substitution: a sitemap never needs a DTD. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, b, (int)n, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_RECOVER |
                                          XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_NOCDATA);
    xmlFreeParserCtxt(ctxt);
    xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    int rc;
    if (root == NULL) {
        rc = sp_fail(err, SP_EPARSE, "sitemap is not well-formed XML");
    } else if (is_el(root, "urlset")) {
        rc = read_entries(root, "url", FEED_LINK_PAGE, docurl, out, err);
    } else if (is_el(root, "sitemapindex")) {
        rc = read_entries(root, "sitemap", FEED_LINK_SITEMAP, docurl, out, err);
    } else if (is_el(root, "rss") || is_el(root, "feed") || is_el(root, "RDF")) {
        xmlFreeDoc(doc);
        return read_feed(b, n, docurl, out, err);
    } else {
        rc = sp_fail(err, SP_EPARSE, "not a sitemap: the root element is <%s>",
                     (const char *)root->name);
    }
    if (doc != NULL)
        xmlFreeDoc(doc);
    return rc;
}

int feed_read_sitemap(const char *body, size_t len, const char *url,
                      feed_output *out, sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read_sitemap", "sitemap", err);
    if (chk != SP_OK)
        return chk;
    char *inflated = NULL;
    const char *b = body != NULL ? body : "";
    size_t n = len;
    if (n >= 2 && (unsigned char)b[0] == 0x1f && (unsigned char)b[1] == 0x8b) {
        int rc = gunzip(b, n, &inflated, &n, err);
        if (rc != SP_OK)
            return rc;
        b = inflated;
    }
    if (n >= 3 && (unsigned char)b[0] == 0xEF && (unsigned char)b[1] == 0xBB &&
        (unsigned char)b[2] == 0xBF) {
        b += 3;
        n -= 3;
    }
    size_t i = 0;
    while (i < n && feed_is_space((unsigned char)b[i]))
        i++;
    int rc;
    if (i < n && b[i] == '<')
        rc = read_xml(b, n, url, out, err);
    else
        rc = read_text(b, n, url, out, err);
    free(inflated);
    return rc;
}
