/*
 * robots.h - robots.txt (RFC 9309, the Robots Exclusion Protocol) for the
 * crawler: parse a robots.txt body once, then ask whether a URL may be
 * fetched by a user agent, what crawl delay it asks for and which sitemaps it
 * lists.
 *
 * Matching follows RFC 9309 as the Google conformance suite
 * (google/robotstxt-spec-test) pins it down:
 *  - groups start with one or more consecutive user-agent lines; groups for
 *    the same agent are merged; the product token in a user-agent line is
 *    its leading run of [A-Za-z_-] and is compared case-insensitively with
 *    the caller's product token (the caller's agent up to its first '/', so
 *    "Signpost/0.1 (+https://...)" is "Signpost");
 *  - when no group names the agent, the '*' groups apply; when a group names
 *    it, the '*' groups are ignored even if that group has no rules;
 *  - the longest matching allow/disallow pattern wins, allow wins a tie;
 *    '*' matches any run of bytes, '$' at the end anchors the end;
 *    an empty pattern matches nothing (so "Disallow:" allows everything);
 *  - patterns are compared byte for byte after percent-encoding their
 *    non-ASCII bytes and upper-casing %xx escapes; the URL's path is used as
 *    given apart from upper-casing its %xx escapes (see docs/robots.md for
 *    where this departs from RFC 9309 section 2.2.2 and why).
 *  - robots_allowed() also applies RFC 9309's implicit allow of /robots.txt;
 *    robots_match() is the rules alone.
 *
 * Bounds on hostile input: only the first ROBOTS_MAX_BYTES of a body are
 * parsed (a cut final line is dropped), lines are truncated at
 * ROBOTS_MAX_LINE bytes, and at most ROBOTS_MAX_LINES lines, ROBOTS_MAX_RULES
 * rules, ROBOTS_MAX_AGENTS user-agent lines and ROBOTS_MAX_SITEMAPS sitemaps
 * are kept.  Matching is linear in path and pattern length per rule (no
 * backtracking), and paths longer than ROBOTS_MAX_PATH are disallowed.
 *
 * A robots_t is immutable after parsing, so one may be shared by threads.
 */
#ifndef ROBOTS_H
#define ROBOTS_H

#include <stddef.h>

#include "sp.h"

#define ROBOTS_MAX_BYTES (500u * 1024u) /* RFC 9309: parse at least 500 KiB */
#define ROBOTS_MAX_LINE 16384            /* bytes kept of one line */
#define ROBOTS_MAX_LINES 200000
#define ROBOTS_MAX_RULES 50000
#define ROBOTS_MAX_AGENTS 10000
#define ROBOTS_MAX_SITEMAPS 1000
#define ROBOTS_MAX_PATH 8192 /* longer paths are disallowed */

typedef struct robots robots_t;

/* What to do with a robots.txt fetch, by its final HTTP status (after the
 * fetcher has followed up to five redirects).  RFC 9309 section 2.3.1. */
enum robots_action {
    ROBOTS_PARSE = 0,        /* 2xx: parse the body */
    ROBOTS_ALLOW_ALL = 1,    /* 4xx except 429 (unavailable), or 3xx left
                                unresolved after the redirect limit */
    ROBOTS_DISALLOW_ALL = 2  /* 5xx, 429, or unreachable (status <= 0 or
                                anything else): crawl nothing for now */
};

int robots_for_status(int http_status);

/* Parse body[0..len) (bytes; need not be NUL-terminated; NULL with len 0 is
 * an empty file).  On success *out is a new robots_t the caller frees with
 * robots_free().  Fails only with SP_EINVAL (out is NULL) or SP_ENOMEM;
 * malformed lines are skipped, as RFC 9309 requires. */
int robots_parse(const char *body, size_t len, robots_t **out, sp_err *err);

/* A robots_t for a fetch outcome: robots_for_status(http_status) decides
 * between parsing body, allow-all and disallow-all.  Caller frees *out. */
int robots_from_status(int http_status, const char *body, size_t len,
                       robots_t **out, sp_err *err);

/* 1 if agent may fetch url_or_path, else 0.  url_or_path is an absolute URL
 * ("https://host/a/b?q") or a path ("/a/b?q"); the fragment is ignored.
 * A NULL robots means "no robots.txt": allowed.  Never fails: an internal
 * allocation failure answers 0 (disallowed). */
int robots_allowed(const robots_t *robots, const char *agent, const char *url_or_path);

/* As robots_allowed() but without the implicit allow of /robots.txt: just
 * what the groups and rules say (what the conformance suite tests). */
int robots_match(const robots_t *robots, const char *agent, const char *url_or_path);

/* The Crawl-delay (seconds, >= 0) of the group(s) that apply to agent: the
 * first valid value among them, or -1 if none gives one.  Values above
 * 86400 are clamped to 86400. */
double robots_crawl_delay(const robots_t *robots, const char *agent);

/* The Sitemap URLs the file lists, in order, without duplicates.  *n gets
 * the count.  Owned by robots: valid until robots_free(). */
const char *const *robots_sitemaps(const robots_t *robots, size_t *n);

/* 1 if the body was longer than ROBOTS_MAX_BYTES or hit a count bound. */
int robots_truncated(const robots_t *robots);

void robots_free(robots_t *robots); /* NULL is fine */

#endif
