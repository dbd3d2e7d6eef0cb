/*
 * feed_int.h - what the readers in feeds/ share, not a public header: the
 * dispatcher behind feed_read_doc and the single readers it calls, the
 * output appenders, and the text helpers.  Only feeds/ and its tests
 * (tests/feeds, tests/readers: each reader tested and fuzzed alone)
 * include it; every other caller goes through feed_read_doc (feed.h).
 */
#ifndef FEED_INT_H
#define FEED_INT_H

#include <stdbool.h>

#include "feed.h"

/* Read a document in a given format (FEED_AUTO sniffs).  url is the
 * document's own URL (used to resolve links and to make stable ids); it may
 * be a file path.  Records get prov.source_url = url and prov.local_id. */
int feed_read(feed_format fmt, const char *body, size_t len, const char *url,
              const char *content_type, feed_output *out, sp_err *err);

/* The readers feed_read dispatches to (feed_read_datapackage's resources
 * come through fetch). */
int feed_read_oruk(const char *body, size_t len, const char *url,
                   feed_output *out, sp_err *err);
int feed_read_ndjson(const char *body, size_t len, const char *url,
                     feed_output *out, sp_err *err);
int feed_read_rss(const char *body, size_t len, const char *url,
                  feed_output *out, sp_err *err);
int feed_read_sitemap(const char *body, size_t len, const char *url,
                      feed_output *out, sp_err *err);
int feed_read_html(const char *body, size_t len, const char *url,
                   const char *content_type, feed_output *out, sp_err *err);

int feed_read_datapackage(const char *body, size_t len, const char *url,
                          feed_fetch_fn fetch, void *ctx, feed_output *out,
                          sp_err *err);

/* The resources of a data package, for a crawler: each path resolved with
 * feed_resolve_resource into out->links (FEED_LINK_DETAIL).  SP_EINVAL and
 * the first refusal's message when a resource lies on another host (the
 * others are still listed); SP_EPARSE when the JSON is not readable. */
int feed_datapackage_resources(const char *body, size_t len, const char *url,
                               feed_output *out, sp_err *err);

/* The checks each reader makes first: an output, a body unless len is 0,
 * at most FEED_MAX_BODY bytes.  reader names the function, what the
 * document ("feed", "page") in the messages. */
int feed_check_body(const feed_output *out, const char *body, size_t len, const char *reader,
                    const char *what, sp_err *err);

/* qsort order of (key, ord) pairs: by key, then by ord, so that equal
 * keys keep the order they came in. */
int feed_cmp_keyed(const char *ka, size_t oa, const char *kb, size_t ob);
/* In the n elements (elem bytes each) at base, sorted by the string member
 * at offset off: the index of the first whose string is not below key. */
size_t feed_lower_bound(const void *base, size_t n, size_t elem, size_t off, const char *key);

/* Append helpers for readers (take ownership of nothing; copy strings). */
int feed_add_link(feed_output *o, const char *url, feed_link_kind kind,
                  int64_t lastmod, double priority);
/* Moves *r into the output (r is reset to empty). */
int feed_add_rec(feed_output *o, rec_service *r);

/* Text and array helpers the readers share. */

/* HTML and XML whitespace: space, tab, LF, CR, FF, VT. */
bool feed_is_space(unsigned char c);

/* Skips that whitespace at the start of *s (NUL-terminated) and returns the
 * length of what is left without that at its end. */
size_t feed_trim(const char **s);

/* A copy of s[0..n) with whitespace runs folded to one space and the ends
 * trimmed, at most max bytes (cut on a UTF-8 boundary); NULL when s is
 * NULL or nothing is left.  With nbsp, U+00A0 (no-break space) counts as
 * whitespace too, as it does in page text.  Caller frees. */
char *feed_collapse(const char *s, size_t n, size_t max, bool nbsp);
/* The same, keeping line breaks when lines is set: a whitespace run that
 * holds a line break becomes one "\n". */
char *feed_fold(const char *s, size_t n, size_t max, bool nbsp, bool lines);

/* Text first (text.c).  Does s carry HTML markup (a tag or an entity)? */
bool feed_has_markup(const char *s);

/* The plain text an HTML fragment shows, through libxml2's HTML parser:
 * entities decoded, links reduced to their text, script/style/noscript
 * dropped, whitespace folded; with lines, block elements and <br> end a
 * line ("\n", a sentence break for enrichment), else all is one line.
 * Text without markup is only folded.  At most max bytes (UTF-8 safe);
 * NULL when nothing is left.  Caller frees. */
char *feed_html_to_text(const char *s, size_t max, bool lines);

/* The same over already-parsed nodes (inline XHTML in a feed): first and
 * its following siblings. */
struct _xmlNode;
char *feed_xml_text(const struct _xmlNode *first, size_t max, bool lines);

/* Every text field of r (names, prose, locations, schedules, areas,
 * costs) through feed_html_to_text, in place: readers whose fields come
 * raw from a provider call it on each record before feed_add_rec. */
void feed_rec_to_text(rec_service *r);

#endif
