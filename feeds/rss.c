/*
 * rss.c - the syndication feed reader: RSS 0.9x/2.0, RDF/RSS 1.0, Atom
 * 0.3/1.0 (and the old CDF channel format, which costs a few lines).
 *
 * The feed's title and home link go to out->title / out->link; each item
 * becomes a rec_service (name = title, description = summary or content as
 * text, url = the item's page, last_modified from updated / pubDate /
 * dc:date) plus a FEED_LINK_PAGE link so the crawler can fetch the page
 * itself, which usually says more than the feed does.
 *
 * The rules follow the Universal Feed Parser (feedparser), whose test suite
 * tests/readers runs against this file: elements are matched by local name
 * and case-insensitively (feeds in the wild get namespaces wrong), only the
 * direct children of a channel or item count (an <image><link> is not the
 * channel's link), Atom prefers rel="alternate" links, relative URLs
 * resolve against xml:base and then the document URL, and titles that
 * carry HTML (escaped, inline XHTML or base64) are reduced to plain text.
 *
 * Safety: libxml2 parses with XML_PARSE_NONET and without XML_PARSE_NOENT
 * or DTD loading, so external entities are never fetched or expanded;
 * libxml2's own depth limit (256) and entity amplification checks apply;
 * the body, the item count and every text field are bounded.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include "feed_int.h"

#define RSS_MAX_ITEMS 10000   /* items read from one feed */
#define RSS_MAX_TEXT 65536    /* bytes kept of one description */
#define RSS_MAX_TITLE 1024    /* bytes kept of one title */

static const char NS_DC[] = "http://purl.org/dc/elements/1.1/";
static const char NS_ATOM10[] = "http://www.w3.org/2005/Atom";
static const char NS_ATOM03[] = "http://purl.org/atom/ns#";

/* ---- small text helpers ------------------------------------------------ */

/* A copy of s with runs of whitespace folded to one space and the ends
 * trimmed, at most max bytes (cut on a UTF-8 boundary); NULL when empty.
 * A no-break space in a feed is kept as written. */
static char *collapse(const char *s, size_t max)
{
    return s != NULL ? feed_collapse(s, strlen(s), max, false) : NULL;
}

/* Standard base64 (whitespace ignored); NULL on bad input. */
static char *b64_decode(const char *s)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (o == NULL)
        return NULL;
    size_t j = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (feed_is_space(c))
            continue;
        if (c == '=')
            break;
        const char *p = c ? strchr(tbl, c) : NULL;
        if (p == NULL) {
            free(o);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)(p - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[j++] = (char)((acc >> bits) & 0xFF);
        }
    }
    o[j] = '\0';
    return o;
}

/* ---- XML helpers -------------------------------------------------------- */

static bool is_el(const xmlNode *n, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE &&
           xmlStrcasecmp(n->name, (const xmlChar *)local) == 0;
}

static const char *ns_of(const xmlNode *n)
{
    return n->ns != NULL && n->ns->href != NULL ? (const char *)n->ns->href : "";
}

/* How good a child is as "the" element of that name: plain or feed
 * namespace first, Dublin Core next, any other module last. */
static int ns_rank(const xmlNode *n)
{
    const char *ns = ns_of(n);
    static const char *const feed_ns[] = {
        "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2", "http://backend.userland.com/rss",
        "http://blogs.law.harvard.edu/tech/rss", "http://purl.org/net/rss1.1#", NULL};
    if (*ns == '\0' || strcmp(ns, NS_ATOM10) == 0 || strcmp(ns, NS_ATOM03) == 0)
        return 0;
    for (size_t i = 0; feed_ns[i]; i++)
        if (strcmp(ns, feed_ns[i]) == 0)
            return 0;
    if (strcmp(ns, NS_DC) == 0)
        return 1;
    return 2;
}

/* The best direct child called local (see ns_rank). */
static xmlNode *child(xmlNode *parent, const char *local)
{
    xmlNode *best = NULL;
    int rank = 99;
    for (xmlNode *c = parent->children; c != NULL; c = c->next) {
        if (!is_el(c, local))
            continue;
        int r = ns_rank(c);
        if (r < rank) {
            best = c;
            rank = r;
        }
    }
    return best;
}

static char *attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL) {
        /* CDF and old feeds write attributes in capitals. */
        for (xmlAttr *a = n->properties; a != NULL; a = a->next)
            if (xmlStrcasecmp(a->name, (const xmlChar *)name) == 0) {
                v = xmlNodeGetContent((xmlNode *)a);
                break;
            }
    }
    if (v == NULL)
        return NULL;
    char *s = sp_strdup((const char *)v);
    xmlFree(v);
    return s;
}

static char *content(xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    if (v == NULL)
        return NULL;
    char *s = sp_strdup((const char *)v);
    xmlFree(v);
    return s;
}

/* Resolve ref against the node's xml:base chain and the document URL. */
static char *resolve(xmlNode *n, const char *docurl, const char *ref)
{
    if (ref == NULL)
        return NULL;
    char *out = NULL;
    xmlChar *base = n != NULL ? xmlNodeGetBase(n->doc, n) : NULL;
    if (base != NULL) {
        /* xml:base may itself be relative to the document URL. */
        char *b = feed_resolve_url(docurl, (const char *)base);
        if (b != NULL) {
            out = feed_resolve_url(b, ref);
            free(b);
        }
        xmlFree(base);
    }
    if (out == NULL)
        out = feed_resolve_url(docurl, ref);
    return out;
}

/* The text of a title/summary/content element, markup reduced to text.
 * atom says whether Atom's type/mode attributes apply. */
static char *node_text(xmlNode *n, bool atom, size_t max)
{
    if (n == NULL)
        return NULL;
    char *type = attr(n, "type");
    char *mode = attr(n, "mode");
    char *out = NULL;
    bool has_elements = false;
    for (xmlNode *c = n->children; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            has_elements = true;
    if (has_elements) {
        /* Inline (X)HTML: its text, without scripts and styles. */
        out = feed_xml_text(n->children, max, max > RSS_MAX_TITLE);
        free(type);
        free(mode);
        return out;
    }
    char *raw = content(n);
    if (raw == NULL)
        goto done;
    /* Atom 1.0: a MIME type that is neither text nor XML means base64. */
    bool b64 = mode != NULL && strcasecmp(mode, "base64") == 0;
    if (atom && mode == NULL && type != NULL && strchr(type, '/') != NULL &&
        strncasecmp(type, "text/", 5) != 0 && strstr(type, "xml") == NULL)
        b64 = true;
    if (b64) {
        char *dec = b64_decode(raw);
        if (dec != NULL && sp_utf8_valid(dec, strlen(dec))) {
            free(raw);
            raw = dec;
        } else {
            free(dec);
        }
    }
    bool html;
    if (b64) {
        html = feed_has_markup(raw);
    } else if (atom && type != NULL && *type != '\0') {
        html = strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") == 0;
        if (strcasecmp(type, "xhtml") == 0 || strstr(type, "xhtml") != NULL ||
            (mode != NULL && strcasecmp(mode, "xml") == 0 &&
             n->children != NULL && n->children->type == XML_ELEMENT_NODE))
            html = false; /* inline markup: its text content is the text */
        else if (mode != NULL && strcasecmp(mode, "escaped") == 0)
            html = true;
    } else if (atom && type != NULL) {
        html = false;
    } else {
        html = !atom && feed_has_markup(raw);
        if (atom && mode != NULL && strcasecmp(mode, "escaped") == 0)
            html = true;
    }
    /* Titles are one line; descriptions keep their sentence breaks. */
    out = html ? feed_html_to_text(raw, max, max > RSS_MAX_TITLE) : collapse(raw, max);
done:
    free(raw);
    free(type);
    free(mode);
    return out;
}

static bool is_atom_ns(const xmlNode *n)
{
    const char *ns = ns_of(n);
    return strcmp(ns, NS_ATOM10) == 0 || strcmp(ns, NS_ATOM03) == 0;
}

/* An Atom link's target: href, or (seen in the wild) its text. */
static char *link_target(xmlNode *l)
{
    char *href = attr(l, "href");
    if (href != NULL)
        return href;
    char *t = content(l);
    char *s = collapse(t, 8192);
    free(t);
    return s;
}

/* Atom's link choice: rel="alternate" (the default) with an HTML or no
 * type first, then any alternate, then (for RSS documents carrying
 * atom:link) nothing else: self/edit/enclosure links are not the page. */
static char *atom_link(xmlNode *parent, const char *docurl, bool require_atom_ns)
{
    xmlNode *best = NULL;
    int rank = 99;
    for (xmlNode *c = parent->children; c != NULL; c = c->next) {
        if (!is_el(c, "link"))
            continue;
        if (require_atom_ns && !is_atom_ns(c))
            continue;
        char *href = link_target(c);
        if (href == NULL)
            continue;
        free(href);
        char *rel = attr(c, "rel");
        char *type = attr(c, "type");
        int r = 99;
        if (rel == NULL || strcasecmp(rel, "alternate") == 0) {
            if (type == NULL || strstr(type, "html") != NULL)
                r = 0;
            else
                r = 1;
        }
        free(rel);
        free(type);
        if (r < rank) {
            best = c;
            rank = r;
        }
    }
    if (best == NULL)
        return NULL;
    char *href = link_target(best);
    char *u = resolve(best, docurl, href);
    free(href);
    return u;
}

/* An RSS <link> element's URL (text content, resolved). */
static char *rss_link(xmlNode *parent, const char *docurl)
{
    for (xmlNode *c = parent->children; c != NULL; c = c->next) {
        if (!is_el(c, "link") || is_atom_ns(c))
            continue;
        char *t = content(c);
        char *s = collapse(t, 8192);
        free(t);
        if (s == NULL) {
            /* <link href="..."/> written Atom-style inside RSS. */
            s = attr(c, "href");
            if (s == NULL)
                continue;
        }
        char *u = resolve(c, docurl, s);
        free(s);
        if (u != NULL)
            return u;
    }
    return NULL;
}

static int64_t parse_date(const char *s)
{
    if (s == NULL)
        return -1;
    char *t = collapse(s, 256);
    if (t == NULL)
        return -1;
    int64_t v = sp_time_parse(t);
    if (v < 0) {
        /* RFC 822 / 1123 dates (pubDate) are what curl parses for HTTP. */
        time_t c = curl_getdate(t, NULL);
        v = c == (time_t)-1 ? -1 : (int64_t)c;
    }
    free(t);
    return v;
}

/* ---- reading ------------------------------------------------------------ */

typedef enum { K_RSS, K_RDF, K_ATOM, K_CDF } feed_kind;

static int read_item(xmlNode *it, feed_kind kind, const char *docurl,
                     feed_output *out)
{
    bool atom = kind == K_ATOM;
    rec_service r;
    rec_service_init(&r);
    int rc = SP_OK;

    r.name = node_text(child(it, "title"), atom, RSS_MAX_TITLE);

    /* The page: Atom alternate link; RSS <link>, then a permalink guid;
     * RDF items carry rdf:about too; CDF items an HREF attribute. */
    char *link = NULL;
    if (atom) {
        link = atom_link(it, docurl, false);
    } else if (kind == K_CDF) {
        char *h = attr(it, "href");
        link = resolve(it, docurl, h);
        free(h);
        if (link == NULL)
            link = rss_link(it, docurl);
    } else {
        link = rss_link(it, docurl);
        if (link == NULL)
            link = atom_link(it, docurl, true);
        if (link == NULL) {
            xmlNode *g = child(it, "guid");
            char *perma = g != NULL ? attr(g, "isPermaLink") : NULL;
            if (g != NULL && (perma == NULL || strcasecmp(perma, "false") != 0)) {
                char *t = content(g);
                char *s = collapse(t, 8192);
                link = resolve(g, docurl, s);
                free(t);
                free(s);
            }
            free(perma);
        }
        if (link == NULL && kind == K_RDF) {
            char *about = attr(it, "about");
            link = resolve(it, docurl, about);
            free(about);
        }
    }
    r.url = link;

    /* The description: summary first (it is written to be read alone),
     * then the full content. */
    static const char *const desc_names[] = {"summary", "description", "abstract",
                                             "content", "encoded"};
    for (size_t i = 0; i < sizeof desc_names / sizeof *desc_names && !r.description; i++) {
        xmlNode *d = child(it, desc_names[i]);
        if (d != NULL)
            r.description = node_text(d, atom, RSS_MAX_TEXT);
    }

    static const char *const date_names[] = {"updated", "modified", "date", "pubDate",
                                             "published", "issued", "created"};
    for (size_t i = 0; i < sizeof date_names / sizeof *date_names; i++) {
        xmlNode *d = child(it, date_names[i]);
        if (d == NULL)
            continue;
        char *t = content(d);
        int64_t v = parse_date(t);
        free(t);
        if (v >= 0) {
            char buf[32];
            sp_time_format(v, buf);
            r.last_modified = sp_strdup(buf);
            r.prov.last_changed = v;
            break;
        }
    }

    /* The item's own identity: Atom id, RSS guid, else its link. */
    char *local = NULL;
    xmlNode *idn = child(it, atom ? "id" : "guid");
    if (idn != NULL) {
        char *t = content(idn);
        local = collapse(t, 2048);
        free(t);
    }
    if (local == NULL && r.url != NULL)
        local = sp_strdup(r.url);
    if (local == NULL && r.name != NULL)
        local = sp_strdup(r.name);

    if (r.name == NULL && r.url == NULL && r.description == NULL) {
        free(local);
        rec_service_free(&r);
        return SP_OK; /* an empty item says nothing */
    }
    r.prov.source_url = sp_strdup(docurl);
    r.prov.local_id = local;
    if (local != NULL) {
        char id[37];
        rec_make_id(docurl != NULL ? docurl : "file", local, id);
        r.id = sp_strdup(id);
    }
    if (r.url != NULL) {
        rc = feed_add_link(out, r.url, FEED_LINK_PAGE, r.prov.last_changed, -1);
        if (rc != SP_OK) {
            rec_service_free(&r);
            return rc;
        }
    }
    rc = feed_add_rec(out, &r);
    rec_service_free(&r);
    return rc;
}

static int read_channel_meta(xmlNode *ch, feed_kind kind, const char *docurl,
                             feed_output *out)
{
    bool atom = kind == K_ATOM;
    if (out->title == NULL)
        out->title = node_text(child(ch, "title"), atom, RSS_MAX_TITLE);
    if (out->link == NULL) {
        if (atom) {
            out->link = atom_link(ch, docurl, false);
        } else if (kind == K_CDF) {
            char *h = attr(ch, "href");
            out->link = resolve(ch, docurl, h);
            free(h);
            if (out->link == NULL)
                out->link = rss_link(ch, docurl);
        } else {
            out->link = rss_link(ch, docurl);
            if (out->link == NULL)
                out->link = atom_link(ch, docurl, true);
        }
    }
    return SP_OK;
}

static int read_items(xmlNode *parent, feed_kind kind, const char *docurl,
                      feed_output *out, size_t *count, sp_err *err)
{
    const char *item = kind == K_ATOM ? "entry" : "item";
    for (xmlNode *c = parent->children; c != NULL; c = c->next) {
        if (!is_el(c, item))
            continue;
        if (*count >= RSS_MAX_ITEMS)
            return sp_fail(err, SP_ELIMIT, "feed has more than %d items; the rest were skipped",
                           RSS_MAX_ITEMS);
        (*count)++;
        int rc = read_item(c, kind, docurl, out);
        if (rc != SP_OK)
            return sp_fail(err, rc, "feed item %zu: %s", *count,
                           rc == SP_ELIMIT ? "output limit reached" : "out of memory");
    }
    return SP_OK;
}

/* Feeds are often written by HTML tools and use HTML's named entities
 * (&nbsp;, &eacute;) without declaring them, which XML calls an error and
 * libxml2 would drop.  This SAX hook answers an unknown entity with the
 * HTML character it names, declared in the document's own internal subset
 * (one character: no expansion risk); anything else stays unknown. */
static xmlEntityPtr html_entity(void *ctx, const xmlChar *name)
{
    xmlParserCtxtPtr ctxt = ctx;
    xmlEntityPtr e = xmlSAX2GetEntity(ctx, name);
    if (e != NULL || ctxt == NULL || ctxt->myDoc == NULL)
        return e;
    const htmlEntityDesc *h = htmlEntityLookup(name);
    if (h == NULL)
        return NULL;
    unsigned cp = h->value;
    xmlChar buf[8];
    int n = xmlCopyCharMultiByte(buf, (int)cp);
    if (n <= 0 || n > 4)
        return NULL;
    buf[n] = 0;
    if (ctxt->myDoc->intSubset == NULL &&
        xmlCreateIntSubset(ctxt->myDoc, (const xmlChar *)"feed", NULL, NULL) == NULL)
        return NULL;
    return xmlAddDocEntity(ctxt->myDoc, name, XML_INTERNAL_GENERAL_ENTITY, NULL, NULL, buf);
}

static xmlDocPtr parse_xml(const char *body, size_t len, const char *url,
                           const char *encoding)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return NULL;
    if (ctxt->sax != NULL)
        ctxt->sax->getEntity = html_entity;
    /* NONET: never fetch; no NOENT / DTDLOAD: external entities are left
     * alone; RECOVER: a feed with one stray '&' still yields its items. */
    int opts = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
               XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr d = xmlCtxtReadMemory(ctxt, body, (int)len,
                                    url != NULL && strstr(url, "://") ? url : NULL,
                                    encoding, opts);
    xmlFreeParserCtxt(ctxt);
    return d;
}

int feed_read_rss(const char *body, size_t len, const char *url,
                  feed_output *out, sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read_rss", "feed", err);
    if (chk != SP_OK)
        return chk;
    if (len == 0)
        return sp_fail(err, SP_EPARSE, "feed is empty");

    xmlDocPtr doc = parse_xml(body, len, url, NULL);
    xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (root == NULL) {
        /* A wrong or unknown declared encoding: read the bytes as UTF-8,
         * then as Latin-1 (which accepts any byte). */
        static const char *const fallbacks[] = {"UTF-8", "ISO-8859-1"};
        for (size_t i = 0; i < 2 && root == NULL; i++) {
            if (doc != NULL)
                xmlFreeDoc(doc);
            doc = parse_xml(body, len, url, fallbacks[i]);
            root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
        }
    }
    if (root == NULL) {
        if (doc != NULL)
            xmlFreeDoc(doc);
        return sp_fail(err, SP_EPARSE, "not an XML feed: no root element could be read");
    }

    int rc = SP_OK;
    size_t count = 0;
    feed_kind kind;
    if (is_el(root, "feed")) {
        kind = K_ATOM;
        free(out->version);
        out->version = sp_strdup(strcmp(ns_of(root), NS_ATOM03) == 0 ? "atom03" : "atom10");
        read_channel_meta(root, kind, url, out);
        rc = read_items(root, kind, url, out, &count, err);
    } else if (is_el(root, "rss") || is_el(root, "RDF")) {
        kind = is_el(root, "RDF") ? K_RDF : K_RSS;
        free(out->version);
        if (kind == K_RDF) {
            out->version = sp_strdup(strstr(ns_of(root), "netscape") ? "rss090" : "rss10");
        } else {
            char *v = attr(root, "version");
            out->version = sp_printf("rss%s", v != NULL ? v : "");
            free(v);
        }
        xmlNode *ch = child(root, "channel");
        if (ch != NULL) {
            read_channel_meta(ch, kind, url, out);
            rc = read_items(ch, kind, url, out, &count, err);
        }
        /* RDF and RSS 0.90 put items beside the channel, not inside it. */
        if (rc == SP_OK)
            rc = read_items(root, kind, url, out, &count, err);
    } else if (is_el(root, "channel")) {
        /* CDF (or a bare channel): items may nest in sub-channels, which
         * we do not follow. */
        kind = K_CDF;
        free(out->version);
        out->version = sp_strdup("cdf");
        read_channel_meta(root, kind, url, out);
        rc = read_items(root, kind, url, out, &count, err);
    } else {
        rc = sp_fail(err, SP_EPARSE, "not a feed: the root element is <%.100s>",
                     (const char *)root->name);
        xmlFreeDoc(doc);
        return rc;
    }
    xmlFreeDoc(doc);
    return rc;
}
