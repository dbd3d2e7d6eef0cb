/*
 * sd.h - searchd, Signpost's HTTP daemon (libmicrohttpd): the JSON search
 * API, service records, health and metrics, static files of the portal, and
 * (later) the portal's pages.  It only reads the index under STORE/index/
 * and reopens it about once a second, so records the indexer commits while
 * the daemon runs show up in the next searches with no restart.
 *
 * The daemon runs in-process: `signpost serve` and `signpost run` both call
 * sd_start and sd_stop.  Requests are served by a pool of worker threads
 * (one per online CPU); each worker opens its own read-only index handle
 * lazily, so no lock is taken on the search path.
 *
 * Privacy: jobseekers and coaches search anonymously.  searchd never logs a
 * query string (search terms, ages, postcodes); the optional access log has
 * the time of day, method, path, status, bytes and duration only
 * (docs/operations.md).
 */
#ifndef SD_H
#define SD_H

#include <stdbool.h>
#include <stdint.h>

#include "sp.h"

typedef struct sd_opts {
    const char *store_dir;  /* required: the index is store_dir/index */
    const char *listen;     /* "ADDR:PORT", "[v6]:PORT" or NULL for
                               127.0.0.1:8080; port 0 picks a free port */
    const char *web_dir;    /* portal files; /static/X serves web_dir/static/X.
                               NULL: no static files (404) */
    const char *data_dir;   /* data/ for vocab; NULL: sp_data_dir() */
    unsigned threads;       /* worker threads; 0: one per online CPU */
    unsigned max_conns;     /* connections served at once; 0: 512 */
    unsigned max_per_client;/* connections from one address (IPv6: /64) at
                               once; 0: 64.  Behind a proxy, raise it */
    unsigned head_timeout_s;/* a new connection's request head must be
                               in within this, however it drips; 0: 10 s */
    unsigned timeout_s;     /* idle keep-alive timeout; 0: 15 s */
    int reopen_ms;          /* minimum ms between idx_reopen calls per
                               worker; 0: 1000; negative: every request */
    bool access_log;        /* one stderr line per request (no query) */
    /* Access (docs/security.md).  The hub (/hub, /api/v1/hub/...) needs an
     * account with the viewer role or more unless hub_public; decisions
     * need an editor.  Accounts live in store_dir/accounts.db. */
    bool hub_public;
    /* Address ranges ("127.0.0.0/8", "::1") allowed to read /metrics;
     * none given: loopback only. */
    const char *const *metrics_allow;
    size_t n_metrics_allow;
    bool secure_cookies;    /* Secure cookies even without a proxy saying
                               X-Forwarded-Proto: https */
    unsigned write_limit;   /* writes per account per minute; 0: 60 */
    bool log_json;          /* ... as a JSON object rather than text */
    const char *public_url; /* "https://host[/prefix]": the base of every
                               absolute URL; NULL: from Host (and trusted
                               proxies' Forwarded headers) */
    const char *trusted_proxies; /* addresses/CIDRs whose Forwarded and
                               X-Forwarded-* headers are believed */
    /* Scale-out (docs/scale-out.md, searchd/replica.c). */
    const char *replica_of; /* "HOST:PORT" of a writer's replication server:
                               keep store_dir/index a replica of its index
                               (xapian-replicate) and serve it; NULL: none */
    const char *writer_url; /* replicas: forward writes (POST) to this base
                               URL; NULL: refuse them (503, saying why) */
    unsigned replica_max_lag_s; /* replicas: /healthz says "degraded" when
                               the last sync is older; 0: 60 s */
    const char *replication_listen; /* writers: run xapian-replicate-server
                               on "ADDR:PORT" for store_dir; NULL: none */
} sd_opts;

typedef struct sd_server sd_server;

/* Start serving; returns once the socket is bound and the workers run.
 * *out is owned by the caller and released by sd_stop.  A missing index is
 * not an error: the API answers 503 until the indexer creates it. */
int sd_start(const sd_opts *opts, sd_server **out, sp_err *err);
/* The bound port (useful with port 0) and the address as given. */
uint16_t sd_port(const sd_server *s);
/* Stop accepting, finish in-flight requests, close every index handle and
 * free s.  NULL is fine. */
void sd_stop(sd_server *s);

/* Is range a valid --metrics-allow value ("10.0.0.0/8", "::1")?  SP_OK,
 * or SP_EINVAL with a message saying what is wrong. */
int sd_check_range(const char *range, sp_err *err);

/* Apply the settings a reload may change (access_log, log_json,
 * public_url, trusted_proxies) to a running server; the rest of opts is
 * ignored (a new listen address or store needs a restart).  In-flight
 * requests and open connections are untouched.  On error nothing changes. */
int sd_reconfigure(sd_server *s, const sd_opts *opts, sp_err *err);
/* Check those settings without a server (`signpost config check`). */
int sd_check_opts(const sd_opts *opts, sp_err *err);

/* Block SIGINT, SIGTERM and SIGHUP in the calling thread: call it before
 * any thread starts, so threads inherit the mask and only
 * sd_wait_for_signal takes them. */
void sd_block_signals(void);
/* Block the calling thread until SIGINT, SIGTERM or SIGHUP arrives (used by
 * `signpost serve` between sd_start and sd_stop).  Returns the signal;
 * SIGHUP asks for a reload. */
int sd_wait_for_signal(void);

#endif
