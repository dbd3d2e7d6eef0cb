/*
 * crawl_int.h - what the crawler's own files share (not a public header:
 * only the crawler's .c files and the crawler's tests include it).
 */
#ifndef CRAWL_INT_H
#define CRAWL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <sys/socket.h>

#include "crawl.h"
#include "sp.h"
#include "store.h"

/* The longest URL the crawler queues or fetches, before and after
 * libcurl normalises it. */
#define CRAWL_MAX_URL_LEN 2048

/* The content hash stored with each document: "v1:" + 16 hex digits of
 * FNV-1a-64 + 8 of CRC-32 + ":" + length.  It decides "unchanged", so it
 * only needs to tell different bodies apart, not resist an adversary. */
#define CRAWL_HASH_LEN 64
void crawl_content_hash(const char *body, size_t len, char out[CRAWL_HASH_LEN]);

/* Is this a text document we store as UTF-8?  By content type, else by a
 * sniff of the body (no NUL bytes in its first 1024). */
bool crawl_is_text(const char *content_type, const char *body, size_t len);

/* The charset a text document declares: Content-Type's charset parameter,
 * else a BOM, else <?xml encoding?> or <meta charset> in its first 1024
 * bytes.  Writes a lower-case name into out; false when none. */
bool crawl_detect_charset(const char *content_type, const char *body, size_t len,
                          char *out, size_t outsz);

/* Convert a text body to UTF-8 (iconv).  On SP_OK *out is a malloc'd,
 * NUL-terminated UTF-8 body without BOM (its XML declaration or meta
 * charset rewritten to UTF-8), and *out_ct the content type with
 * charset=utf-8 (malloc'd; NULL when content_type was NULL).  A body with
 * no declared charset that is valid UTF-8 is copied unchanged; one that is
 * not is read as windows-1252, the web's usual mislabel.  Fails with
 * SP_EUNSUP (unknown charset) or SP_EPARSE (bytes invalid in the charset):
 * the caller then stores the raw bytes. */
int crawl_to_utf8(const char *body, size_t len, const char *content_type,
                  char **out, size_t *out_len, char **out_ct, sp_err *err);

/* ---- where a document leads (crawl_links.c) ---- */

/* The URL without its fragment, as libcurl normalises it; NULL unless
 * http(s) and at most 2048 bytes.  Caller frees. */
char *crawl_norm_url(const char *url);
/* "scheme://host:port" of an http(s) URL, host lower-cased; NULL if bad. */
char *crawl_authority(const char *url);
/* Same host name and port (the scheme may differ). */
bool crawl_same_host(const char *a, const char *b);

/* Links to queue; the set owns each url, never a format (a static
 * string, as store_link's format is). */
typedef struct crawl_linkset {
    store_link *v;
    size_t n, cap;
} crawl_linkset;
void crawl_linkset_free(crawl_linkset *ls);
/* Takes url (NULL is ignored). */
void crawl_linkset_add(crawl_linkset *ls, char *url, const char *format, int depth,
                       int64_t lastmod);

/* The links of a fetched document that src follows, into out, with depths
 * relative to the document's (0: a next page or child sitemap, 1: one
 * level down), as the store keeps them (store_out_links).  fmt_name is how
 * the URL was reached (the store's urls.format).  One feed_read_doc call,
 * links only; *n_recs (optional) gets the records the reader built on the
 * way (ORUK; 0 for the others); *refused (optional) why a data package
 * resource on another host was not followed. */
void crawl_doc_links(const crawl_source *src, const char *fmt_name, const char *doc_url,
                     const char *body, size_t len, const char *ct, crawl_linkset *out,
                     size_t *n_recs, char **refused);
/* The links rel (relative depths) of a URL queued at depth, as URLs to
 * queue (absolute depths; pages one level down only within src's depth);
 * the URLs are copied. */
void crawl_queue_links(const crawl_source *src, int depth, const store_link *rel, size_t n,
                       crawl_linkset *out);
/* An unchanged URL still leads where it led: the links kept with it in
 * the store, or read once from its stored body (and kept from then on).
 * Fails only when keeping them fails. */
int crawl_links_from_store(store *s, const crawl_source *src, const store_queued *q,
                           crawl_linkset *out, sp_err *err);

/* ---- the fetch policy (guard.c) ---- */

/* What kind of non-public address sa is ("loopback", "private (RFC
 * 1918)", ...), or NULL when it is public.  IPv6 forms that carry an IPv4
 * address (mapped, compatible, NAT64, 6to4) are judged by that address. */
const char *crawl_addr_class(const struct sockaddr *sa);
/* May the crawler connect to sa?  Public addresses yes; others only inside
 * one of allow.  When not, why (if given) says so for the operator. */
bool crawl_addr_allowed(const struct sockaddr *sa, const crawl_cidr *allow, size_t n_allow,
                        char *why, size_t whysz);

/* One transfer's guard: set on its handle by crawl_guard_apply, which
 * makes libcurl ask it before every connect. */
typedef struct crawl_guard {
    const crawl_cidr *allow;
    size_t n_allow;
    bool refused;  /* a connect was refused: why says which and why */
    char why[200];
} crawl_guard;
void crawl_guard_apply(CURL *h, crawl_guard *g, const crawl_source *src);

#endif
