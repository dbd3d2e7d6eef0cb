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
