/*
 * html_int.h - what the HTML reader's files share: html.c (the reader: page
 * text heuristics, records and links from a page), html_schema.c (schema.org
 * objects to records) and extract.c (the page's structured data, JSON-LD and
 * microdata, in extruct's shape, and the DOM helpers all use).  Internal to
 * feeds/; the public interface is feed.h.
 */
#ifndef HTML_INT_H
#define HTML_INT_H

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "feed_int.h"

#define HTML_MAX_DEPTH 256
#define HTML_MAX_SCRIPTS 64
#define HTML_MAX_SCRIPT_LEN (1024u * 1024u)
#define HTML_MAX_ITEMS 2000
#define HTML_MAX_LINKS 5000
#define HTML_MAX_RECS 50
#define HTML_MAX_TEXT 32768     /* main text kept as description */
#define HTML_MAX_FIELD 4096     /* one short field (name, address line) */
#define HTML_MAX_SECTION 8192   /* eligibility / application text */
#define HTML_MAX_LIST 20        /* phones, emails, schedules, areas kept */
#define HTML_MIN_TEXT 200       /* "substantive" main text, in bytes */

/* s with whitespace runs (U+00A0 included) folded, trimmed and cut to
 * max bytes; NULL when empty (feed_collapse). */
char *hx_collapse(const char *s, size_t max);
/* HTML whitespace stripped from both ends (extruct's strip_html5_whitespace). */
char *hx_strip_ws(const char *s);
char *hx_get_attr(xmlNode *n, const char *name);
bool hx_has_attr(xmlNode *n, const char *name);
bool hx_is_tag(const xmlNode *n, const char *tag);
bool hx_attr_eq_ci(xmlNode *n, const char *name, const char *value);
/* Raw text of a subtree (script and style skipped), as extruct's
 * textContent, appended to b up to about max bytes. */
void hx_raw_text(xmlNode *n, sp_buf *b, int depth, size_t max);
/* A node's text, folded, at most max bytes; NULL when empty. */
char *hx_node_text(xmlNode *n, size_t max);
/* Parse a page (charset from the content type when given). */
htmlDocPtr hx_parse_html(const char *body, size_t len, const char *url,
                         const char *content_type);
/* The JSON-LD objects and microdata items of a parsed page, appended to
 * jsonld and md (either may be NULL). */
void hx_extract_doc(htmlDocPtr doc, const char *url, json_t *jsonld, json_t *md);

/* The page's links into out: <a>/<area href> as FEED_LINK_PAGE, <link
 * rel=alternate> feeds as FEED_LINK_FEED, resolved against base; script
 * and data URLs never; at most HTML_MAX_LINKS (*count counts them). */
void hx_collect_links(xmlNode *n, const char *base, feed_output *out, size_t *count,
                      int depth);

/* ---- html_schema.c: schema.org objects to records ---- */

/* The @types read as a service, and as an organisation or place (what a
 * page is about when no service is described); NULL-terminated, "*X"
 * matches a suffix. */
extern const char *const hx_service_types[];
extern const char *const hx_org_types[];
/* Does o's @type (a string or an array) match one of names? */
bool hx_type_in(json_t *o, const char *const *names);
/* feed_push with a bound of 1,000 of anything per record. */
void *hx_push(void *arr_p, size_t *n, size_t elem);
/* ref resolved against base, or NULL (ref NULL, not http(s)). */
char *hx_resolve_or_null(const char *base, const char *ref);
/* An email address without "mailto:" and query, trimmed; frees e and
 * returns NULL when it is not one. */
char *hx_clean_email(char *e);
/* Append a phone number (taking number) unless already there. */
void hx_add_phone(rec_phone **arr, size_t *n, char *number, const char *type);
/* A record from one schema.org object (a service, or with is_org an
 * organisation or place); false when it yields none.  url resolves, page
 * is the page's URL. */
bool hx_rec_from_schema(json_t *o, const char *url, const char *page, bool is_org,
                        rec_service *r);
/* Every object worth looking at in v (roots, @graph members, what a
 * WebPage or ItemList points at), appended to out. */
void hx_collect_objects(json_t *v, json_t *out, int depth);
/* extruct's microdata item as a JSON-LD-shaped object (new reference). */
json_t *hx_md_to_ld(json_t *item, int depth);
/* A record's provenance: the page's URL and its local id. */
void hx_set_prov(rec_service *r, const char *url, const char *local);

#endif
