/*
 * crawl.h - the crawler: reads sources.conf, then fetches, politely and
 * incrementally, what each source lists and what it links to, and writes
 * every document into the store (store.h).  It never parses records: it
 * asks the feeds/ entry point (feed_read_doc) for a fetched body's links
 * only (next pages, details, sitemap children, item and page links), and
 * keeps them with the URL, so an unchanged body is never read again.
 *
 * Politeness: robots.txt (RFC 9309, robots.h) per scheme://host:port,
 * cached in the store for at most 24 hours; one request at a time per host
 * with a minimum delay between them (the source's delay, default 1 s, or a
 * larger Crawl-delay); Retry-After on 429/503; exponential backoff on
 * errors.  Redirects are followed one hop at a time, each hop under the
 * same rules for its own host (robots.txt fetched first, delay, one request
 * at a time).  Many hosts are fetched in parallel through libcurl's multi
 * interface, in one thread.
 *
 * Seeds: a source's entry URL; for html and sitemap sources also the
 * sitemaps their site's robots.txt lists (robots_sitemaps, at most
 * CRAWL_ROBOTS_SITEMAPS, same host only).
 *
 * Incremental: conditional GET with the stored ETag/Last-Modified, content
 * hashes (an unchanged body stores no new document), sitemap lastmod, and
 * modified_after on ORUK recrawls between full passes (full_interval).
 *
 * docs/crawler.md explains it all; docs/sources-conf.md the config file.
 */
#ifndef CRAWL_H
#define CRAWL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp.h"
#include "store.h"

/* ---- sources.conf ---------------------------------------------------------- */

#define CRAWL_MAX_SOURCES 10000
#define CRAWL_MAX_CONF_BYTES (4u * 1024u * 1024u)
#define CRAWL_DEFAULT_MAX_BODY (10u * 1024u * 1024u)
#define CRAWL_ROBOTS_SITEMAPS 16 /* sitemaps taken from one robots.txt */

typedef enum crawl_kind {
    CRAWL_AUTO = 0,
    CRAWL_ORUK,
    CRAWL_DATAPACKAGE,
    CRAWL_RSS,
    CRAWL_SITEMAP,
    CRAWL_HTML
} crawl_kind;

const char *crawl_kind_name(crawl_kind k);

/* An address range a source may fetch from although it is not public
 * (allow_private in sources.conf; see guard.c and docs/security.md). */
#define CRAWL_MAX_ALLOW 16
typedef struct crawl_cidr {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char addr[16];  /* network byte order; IPv4 in the first 4 */
    int prefix;              /* bits */
} crawl_cidr;

/* Parse "127.0.0.2", "10.0.0.0/8", "::1", "fd00::/8"; 0 or -1. */
int crawl_cidr_parse(const char *s, crawl_cidr *out);

/* One [source NAME] section.  All strings owned by the crawl_conf. */
typedef struct crawl_source {
    char *name;
    char *url;
    crawl_kind kind;
    char *organisation;   /* NULL when not given */
    char **coverage;      /* borough slugs, a sub-region slug, or "london" */
    size_t n_coverage;
    int64_t interval;     /* seconds between passes */
    int64_t full_interval;/* ORUK: seconds between full passes; in between, passes
                             ask modified_after (0, the default: always full) */
    long pages;           /* page budget per pass */
    int depth;            /* link depth followed from the entry URL */
    double delay;         /* minimum seconds between requests to one host */
    double timeout;       /* seconds per request, all included */
    double connect_timeout;
    size_t max_body;      /* bytes; a longer body aborts the transfer */
    int retries;          /* extra attempts after a transient error */
    int robots_sitemaps;  /* 1: the sitemaps the entry host's robots.txt lists
                             are extra seeds, CRAWL_ROBOTS_SITEMAPS at most
                             (html and sitemap: on by default; auto: opt-in;
                             other kinds: always 0) */
    /* Non-public addresses this source may still connect to (by default
     * the crawler connects only to public ones: guard.c). */
    crawl_cidr allow[CRAWL_MAX_ALLOW];
    size_t n_allow;
    int line;             /* where the section starts in the file */
} crawl_source;

typedef struct crawl_conf {
    crawl_source *v;
    size_t n;
} crawl_conf;

/* Parse a sources.conf text (name is used in messages: "FILE:LINE: ...").
 * *out is owned by the caller (crawl_conf_free). */
int crawl_conf_parse(const char *text, size_t len, const char *name,
                     crawl_conf **out, sp_err *err);
int crawl_conf_load(const char *path, crawl_conf **out, sp_err *err);
void crawl_conf_free(crawl_conf *c);

/* The section as a JSON object (malloc'd text; caller frees), as stored in
 * the store's sources.config for the indexer (organisation, coverage). */
char *crawl_source_json(const crawl_source *src);

/* Parse "90", "90s", "15m", "6h", "2d" into seconds; -1 when malformed. */
int64_t crawl_parse_interval(const char *s);

/* ---- running --------------------------------------------------------------- */

typedef struct crawl_stats {
    long sources;         /* sources in the configuration */
    long running;         /* passes in progress */
    long passes;          /* passes finished in this run */
    long requests;        /* HTTP requests made (robots.txt included) */
    long stored;          /* new documents stored */
    long unchanged;       /* 304, same content hash, or sitemap lastmod */
    long errors;          /* fetches that failed (each recorded on its URL) */
    long blocked;         /* URLs robots.txt kept us from */
    long queued;          /* URLs waiting in running passes (approximate) */
    long in_flight;
    int64_t bytes;        /* body bytes received */
    double elapsed;       /* seconds since crawl_run began */
} crawl_stats;

typedef struct crawl_opts {
    const crawl_conf *conf;
    /* One pass over each source that is due, then return.  Otherwise run
     * until *stop: each source is recrawled on its interval. */
    bool once;
    /* Crawl every source now, even if its interval has not elapsed. */
    bool force;
    /* No per-host delay and no Crawl-delay: for benchmarks against our own
     * fixture servers only, never against real providers. */
    bool no_delay;
    /* Set (from a signal handler or another thread) to stop soon: transfers
     * in flight are abandoned and their URLs stay queued for the next run. */
    const atomic_int *stop;
    /* Called after each new document is committed to the store (seq is its
     * documents.seq), e.g. to wake an indexer.  Return non-zero to stop. */
    int (*on_document)(void *ctx, int64_t seq, const char *source,
                       const char *url);
    /* Called about four times a second with running figures. */
    void (*on_progress)(void *ctx, const crawl_stats *stats);
    void *ctx;
    int max_parallel;     /* transfers at once across hosts; 0: 32 */
    const char *user_agent; /* NULL: "Signpost/VERSION (+https://github.com/signpost-london/signpost)" */
} crawl_opts;

/* The default User-Agent. */
const char *crawl_user_agent(void);

/* Crawl.  Returns SP_OK when it finished (or was stopped); individual fetch
 * failures are not errors (they are recorded in the store against their
 * URLs and sources); a store failure is.  stats (optional) gets the final
 * figures.  The caller should have called curl_global_init() once in the
 * process (crawl_run does it too; libcurl counts). */
int crawl_run(const crawl_opts *opts, store *s, crawl_stats *stats,
              sp_err *err);

#endif
