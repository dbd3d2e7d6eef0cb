/*
 * crawl.c - the crawler's engine (crawl.h): passes over sources, the
 * per-host politeness that decides which queued URL may go next, libcurl
 * multi transfers for many hosts at once, and what a finished transfer
 * means for the store.
 *
 * The queue lives in the store, not in memory: a URL is "queued" in the
 * store until the transaction that records its fetch (and queues the links
 * it led to) commits.  Fetches are recorded in batches (BATCH_MAX fetches
 * or BATCH_SECS, one transaction), so a crash loses at most the batch not
 * yet committed and the transfers in flight, and a rerun picks the same
 * pass up where it stopped, fetching those again.  In memory there
 * are only hosts (busy?, when may the next request start, robots.txt) and
 * the transfers themselves, with the page fetches waiting between two hops
 * of a redirect.  Where a fetched body leads (its links, and the links
 * kept with an unchanged URL) is crawl_links.c's.
 */
#define _GNU_SOURCE
#include "crawl.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crawl_int.h"
#include "feed.h"
#include "robots.h"

#define MAX_HOSTS 100000
#define MAX_HEADER_BYTES (64u * 1024u)
#define ROBOTS_TTL 86400         /* RFC 9309: cache at most 24 hours */
#define ROBOTS_ERROR_TTL 600     /* retry an unreachable robots.txt after 10 minutes */
#define MAX_CRAWL_DELAY 60.0     /* a larger Crawl-delay is honoured as 60 s */
#define MAX_RETRY_AFTER 3600
#define MAX_BACKOFF 600.0
#define MAX_REDIRECTS 5
#define QUEUE_BATCH 16 /* queued URLs looked at per source per turn */
#define DEFAULT_PARALLEL 32
/* Store writes are grouped: one transaction per BATCH_MAX fetches or
 * BATCH_SECS, whichever comes first (and at the end of a run).  A kill -9
 * loses at most that batch, whose URLs stay queued for the next run; the
 * indexer hears of a new document once its batch commits. */
#define BATCH_MAX 256
#define BATCH_SECS 0.25

typedef struct host {
    char *authority;     /* scheme://host:port */
    bool busy;           /* a transfer is in flight: one at a time per host */
    double next_ok;      /* monotonic time the next request may start */
    int robots_state;    /* 0 unknown, 1 fetching, 2 ready */
    robots_t *robots;
    double robots_expires;
    double crawl_delay;  /* from robots.txt; -1 none */
    int robots_status;   /* HTTP status of robots.txt; 0 unreachable */
    int errors;          /* consecutive failed requests: backoff */
    char *refused;       /* the fetch policy refused robots.txt: why */
} host;

typedef struct src_state {
    const crawl_source *src;
    bool running;
    bool full;
    bool done_once;       /* finished a pass in this run */
    bool sitemaps_seeded; /* this pass has queued its robots.txt sitemaps */
    long pass;
    long budget_used;     /* requests counted against the page budget */
    int inflight;
    int64_t next_crawl_at;
    int64_t last_success;
    /* When to look at this source's queue again.  The store is asked
     * only when something may have changed: dirty (a transfer of it ended,
     * its pass began, a URL of it was settled without a request), the host
     * its next URL waits for is free and due (wait_host, checked in
     * memory: a source waiting behind a busy host costs no query), or
     * recheck_at (a retry's time may have come; also when it waits for
     * more than one host, wait_multi). */
    bool dirty;
    bool wait_multi;
    bool check;           /* its queue may be empty: may its pass end? */
    double recheck_at;
    const struct host *wait_host;
    /* When it last started a request (a count, 0 never): the sources
     * waiting for a host are served least recently served first, so
     * sources sharing a host take turns (cr->order). */
    uint64_t served;
} src_state;

typedef struct crawler crawler;

/* One fetch: a robots.txt, or a queued URL with the redirects it leads
 * to.  A page fetch follows its redirects itself, one request per hop, so
 * each hop goes through the same gate as a queued URL (its host free and
 * due, its robots.txt known and allowing it); between hops it waits in the
 * crawler's waiting list, without a curl handle. */
typedef struct xfer {
    crawler *cr;
    CURL *h;              /* NULL while waiting for the next hop */
    host *host;           /* the host of url */
    src_state *ss;        /* NULL for a robots.txt fetch */
    const crawl_source *for_src; /* robots.txt: the source that needed it */
    store_queued q;       /* malloc'd copies */
    char *url;            /* page fetches: this hop's URL (q.url, then each Location) */
    int hops;             /* redirects followed so far */
    long last_status;     /* the answer that sent it here */
    bool waiting;         /* in cr->waiting (else, with h, in cr->xfers) */
    sp_buf body, hdrs;
    size_t max_body;
    bool too_big;
    bool truncate_ok;     /* robots.txt: keep the first max_body bytes */
    struct curl_slist *req;
    double t0;
    char errbuf[CURL_ERROR_SIZE];
    crawl_guard guard;    /* the fetch policy, asked before every connect */
    struct xfer *prev, *next; /* the crawler's list of transfers in flight */
} xfer;

struct crawler {
    const crawl_opts *o;
    store *s;
    CURLM *multi;
    host **hosts;
    size_t n_hosts, cap_hosts;
    /* A URL's text before its path ("scheme://user@Host:port") -> its
     * host: the authority is a function of that text, so libcurl parses
     * each spelling once, not every URL (host_get). */
    struct host_key {
        char *key;
        host *h;
    } *hkeys;
    size_t n_hkeys, cap_hkeys; /* cap_hkeys a power of two, or 0 */
    bool hkeys_lossy;          /* a host's own authority could not be put */
    src_state *srcs;
    size_t n_srcs;
    crawl_stats st;
    double t_start, last_progress;
    int inflight, max_parallel;
    int n_waiting;        /* length of waiting */
    const char *ua;
    xfer *xfers;          /* transfers in flight */
    xfer *waiting;        /* page fetches between two hops of a redirect */
    int fatal;
    sp_err fatal_err;
    bool stopping;
    src_state **order;    /* the sources, least recently served first (dispatch) */
    uint64_t serve_clock; /* the last src_state.served handed out */
    /* The open batch of store writes: fetches in it, when it began, and
     * the new documents to announce (on_document) once it commits. */
    int batch_n;
    double batch_t0;
    struct pending_doc {
        int64_t seq;
        char *source, *url;
    } *pend;
    size_t n_pend, cap_pend;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *crawl_user_agent(void)
{
    return "Signpost/" SP_VERSION " (+https://github.com/signpost-london/signpost)";
}

/* The links kept with an unchanged URL (crawl_links_from_store); a store
 * that cannot keep them is fatal for the run. */
static void links_from_store(crawler *cr, const crawl_source *src, const store_queued *q,
                             crawl_linkset *out)
{
    int rc = crawl_links_from_store(cr->s, src, q, out, &cr->fatal_err);
    if (rc)
        cr->fatal = rc;
}

/* ---- hosts -------------------------------------------------------------------- */

/* The length of url's text before its path, query or fragment, when that
 * text alone decides its host: an http(s) URL of at most CRAWL_MAX_URL_LEN bytes
 * with nothing libcurl would refuse after it.  0 otherwise (ask libcurl). */
static size_t host_key_len(const char *url)
{
    size_t k;
    if (!strncasecmp(url, "http://", 7))
        k = 7;
    else if (!strncasecmp(url, "https://", 8))
        k = 8;
    else
        return 0;
    k += strcspn(url + k, "/?#\\");
    size_t n = k;
    for (const unsigned char *p = (const unsigned char *)url + k; *p; p++, n++)
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    return n <= CRAWL_MAX_URL_LEN ? k : 0;
}

static struct host_key *host_key_slot(crawler *cr, const char *url, size_t k)
{
    size_t mask = cr->cap_hkeys - 1, i = (size_t)sp_fnv1a64(url, k) & mask;
    for (;; i = (i + 1) & mask) {
        struct host_key *e = &cr->hkeys[i];
        if (!e->key || (!strncmp(e->key, url, k) && e->key[k] == '\0'))
            return e;
    }
}

/* Remember that the text before url's path (k bytes) leads to h; a table
 * that cannot grow just forgets (host_get asks libcurl again). */
static bool host_key_put(crawler *cr, const char *url, size_t k, host *h)
{
    if (cr->n_hkeys + 1 > cr->cap_hkeys / 2) {
        size_t cap = cr->cap_hkeys ? cr->cap_hkeys * 2 : 64;
        if (cap > 8 * (size_t)MAX_HOSTS)
            return false;
        struct host_key *old = cr->hkeys, *nv = calloc(cap, sizeof *nv);
        if (!nv)
            return false;
        size_t old_cap = cr->cap_hkeys;
        cr->hkeys = nv;
        cr->cap_hkeys = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key)
                *host_key_slot(cr, old[i].key, strlen(old[i].key)) = old[i];
        free(old);
    }
    struct host_key *e = host_key_slot(cr, url, k);
    if (e->key)
        return true;
    if (!(e->key = strndup(url, k)))
        return false;
    e->h = h;
    cr->n_hkeys++;
    return true;
}

/* The host of url (created on first sight); NULL if url is not a
 * fetchable http(s) URL or there are too many hosts. */
static host *host_get(crawler *cr, const char *url)
{
    size_t k = host_key_len(url);
    if (k && cr->cap_hkeys) {
        struct host_key *e = host_key_slot(cr, url, k);
        if (e->key)
            return e->h;
    }
    char *auth = crawl_authority(url);
    if (!auth)
        return NULL;
    /* Each host's own authority is a key too (it spells itself). */
    host *h = NULL;
    if (cr->cap_hkeys) {
        struct host_key *e = host_key_slot(cr, auth, strlen(auth));
        h = e->key ? e->h : NULL;
    }
    for (size_t i = 0; !h && cr->hkeys_lossy && i < cr->n_hosts; i++)
        if (!strcmp(cr->hosts[i]->authority, auth))
            h = cr->hosts[i];
    if (!h && cr->n_hosts < MAX_HOSTS &&
        sp_grow(&cr->hosts, &cr->cap_hosts, cr->n_hosts + 1, sizeof *cr->hosts, 16) == SP_OK &&
        (h = calloc(1, sizeof *h))) {
        h->authority = auth;
        auth = NULL;
        h->crawl_delay = -1;
        cr->hosts[cr->n_hosts++] = h;
        if (!host_key_put(cr, h->authority, strlen(h->authority), h))
            cr->hkeys_lossy = true;
    }
    free(auth);
    if (h && k)
        host_key_put(cr, url, k, h);
    return h;
}

static void host_free(host *h)
{
    robots_free(h->robots);
    free(h->authority);
    free(h->refused);
    free(h);
}

/* Seconds between requests to h for a URL of src. */
static double host_delay(const crawler *cr, const host *h, const crawl_source *src)
{
    if (cr->o->no_delay)
        return 0;
    double d = src ? src->delay : 1.0;
    if (h->crawl_delay > d)
        d = h->crawl_delay > MAX_CRAWL_DELAY ? MAX_CRAWL_DELAY : h->crawl_delay;
    return d;
}

static void host_set_robots(crawler *cr, host *h, int status, const char *body, size_t len,
                            int64_t fetched_at)
{
    robots_free(h->robots);
    h->robots = NULL;
    if (robots_from_status(status, body, len, &h->robots, NULL) != SP_OK)
        h->robots = NULL;
    h->crawl_delay = -1;
    h->robots_status = status;
    if (h->robots) {
        double d = robots_crawl_delay(h->robots, cr->ua);
        h->crawl_delay = d;
    }
    int ttl = robots_for_status(status) == ROBOTS_DISALLOW_ALL ? ROBOTS_ERROR_TTL : ROBOTS_TTL;
    int64_t age = sp_now() - fetched_at;
    h->robots_expires = mono() + (double)(ttl - (age > 0 ? age : 0));
    h->robots_state = 2;
}

/* robots.txt from the store's cache when fresh; true when h is ready. */
static bool host_robots_cached(crawler *cr, host *h)
{
    int64_t fetched_at = 0;
    int status = 0;
    char *body = NULL;
    size_t len = 0;
    if (store_robots_get(cr->s, h->authority, &fetched_at, &status, &body, &len, NULL))
        return false;
    int ttl = robots_for_status(status) == ROBOTS_DISALLOW_ALL ? ROBOTS_ERROR_TTL : ROBOTS_TTL;
    bool fresh = sp_now() - fetched_at < ttl;
    if (fresh)
        host_set_robots(cr, h, status, body, len, fetched_at);
    free(body);
    return fresh;
}

/* ---- transfers ---------------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t bytes = size * n;
    if (x->body.len + bytes > x->max_body) {
        if (x->truncate_ok && x->body.len < x->max_body)
            sp_buf_append(&x->body, p, x->max_body - x->body.len);
        x->too_big = true;
        return 0; /* abort the transfer: bounded bodies */
    }
    if (sp_buf_append(&x->body, p, bytes))
        return 0;
    return bytes;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t bytes = size * n;
    /* A new status line (after a redirect or a 100) starts a new header set. */
    if (bytes >= 5 && !strncmp(p, "HTTP/", 5))
        sp_buf_reset(&x->hdrs);
    if (x->hdrs.len + bytes <= MAX_HEADER_BYTES)
        sp_buf_append(&x->hdrs, p, bytes);
    return bytes;
}

/* The value of a response header (first occurrence), malloc'd; NULL if absent. */
static char *header_value(const sp_buf *hdrs, const char *name)
{
    size_t nl = strlen(name);
    const char *p = hdrs->data, *end = hdrs->data + hdrs->len;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        if ((size_t)(le - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = le;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            return sp_strndup(v, (size_t)(ve - v));
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

static void xfer_link(xfer *x, xfer **head)
{
    x->prev = NULL;
    x->next = *head;
    if (*head)
        (*head)->prev = x;
    *head = x;
}

static void xfer_unlink(xfer *x, xfer **head)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        *head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

/* Take x's curl handle out of the multi and the list in flight. */
static void xfer_stop(xfer *x)
{
    if (!x->h)
        return;
    curl_multi_remove_handle(x->cr->multi, x->h);
    curl_easy_cleanup(x->h);
    x->h = NULL;
    xfer_unlink(x, &x->cr->xfers);
}

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    xfer_stop(x);
    if (x->waiting) {
        xfer_unlink(x, &x->cr->waiting);
        x->cr->n_waiting--;
    }
    curl_slist_free_all(x->req);
    sp_buf_free(&x->body);
    sp_buf_free(&x->hdrs);
    store_queued_free(&x->q);
    free(x->url);
    free(x);
}

static int xfer_start(crawler *cr, xfer *x, const char *url, const crawl_source *src)
{
    CURL *h = curl_easy_init();
    if (!h)
        return SP_ENOMEM;
    x->h = h;
    x->cr = cr;
    if (x->t0 == 0)
        x->t0 = mono(); /* a redirect's hops count as one fetch */
    xfer_link(x, &cr->xfers);
    double timeout = src ? src->timeout : 30.0;
    double ctimeout = src ? src->connect_timeout : 10.0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(h, CURLOPT_USERAGENT, cr->ua);
    /* libcurl follows robots.txt's redirects (RFC 9309: at least five);
     * page fetches follow theirs one hop at a time (redirect_next). */
    if (!x->ss) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    }
    crawl_guard_apply(h, &x->guard, src ? src : x->for_src); /* public addresses only */
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(ctimeout * 1000));
    /* robots.txt keeps its first max_body bytes instead of failing whole. */
    if (!x->truncate_ok)
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    if (x->req)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->req);
    if (curl_multi_add_handle(cr->multi, h) != CURLM_OK)
        return SP_EIO;
    x->host->busy = true;
    cr->inflight++;
    cr->st.requests++;
    if (x->ss)
        x->ss->inflight++;
    return SP_OK;
}

static void start_robots(crawler *cr, host *h, const crawl_source *src)
{
    xfer *x = calloc(1, sizeof *x);
    if (!x)
        return;
    x->host = h;
    x->for_src = src;
    x->max_body = ROBOTS_MAX_BYTES;
    x->truncate_ok = true;
    char *url = sp_printf("%s/robots.txt", h->authority);
    h->robots_state = 1;
    if (!url || xfer_start(cr, x, url, NULL) != SP_OK) {
        /* Could not even try: treat as unreachable for now. */
        h->robots_state = 0;
        h->next_ok = mono() + 1;
        xfer_free(x);
    }
    free(url);
}

static void robots_done(crawler *cr, xfer *x, CURLcode res, long status)
{
    host *h = x->host;
    int st = (res == CURLE_OK || (x->too_big && status == 200)) ? (int)status : 0;
    int64_t now = sp_now();
    if (store_robots_put(cr->s, h->authority, now, st, x->body.data, x->body.len,
                         &cr->fatal_err))
        cr->fatal = cr->fatal_err.code;
    host_set_robots(cr, h, st, x->body.data, x->body.len, now);
    free(h->refused);
    h->refused = x->guard.refused ? sp_strdup(x->guard.why) : NULL;
    h->next_ok = mono() + host_delay(cr, h, x->for_src);
}

/* A fetch record of url for ss's source, made at now. */
static void fetch_init(store_fetch *f, const src_state *ss, const char *url,
                       store_outcome outcome, int64_t now)
{
    memset(f, 0, sizeof *f);
    f->source = ss->src->name;
    f->url = url;
    f->outcome = outcome;
    f->fetched_at = now;
}

/* Commit the open batch, then announce its new documents. */
static void batch_commit(crawler *cr)
{
    if (store_in_batch(cr->s)) {
        int rc = store_batch_commit(cr->s, &cr->fatal_err);
        if (rc && !cr->fatal)
            cr->fatal = rc;
    }
    for (size_t i = 0; i < cr->n_pend; i++) {
        struct pending_doc *p = &cr->pend[i];
        if (!cr->fatal && cr->o->on_document &&
            cr->o->on_document(cr->o->ctx, p->seq, p->source, p->url))
            cr->stopping = true;
        free(p->source);
        free(p->url);
    }
    cr->n_pend = 0;
    cr->batch_n = 0;
}

/* Commit the batch when it is full or old enough. */
static void batch_check(crawler *cr)
{
    if (store_in_batch(cr->s) &&
        (cr->batch_n >= BATCH_MAX || mono() - cr->batch_t0 >= BATCH_SECS))
        batch_commit(cr);
}

static void pending_add(crawler *cr, int64_t seq, const char *source, const char *url)
{
    if (!cr->o->on_document)
        return;
    if (sp_grow(&cr->pend, &cr->cap_pend, cr->n_pend + 1, sizeof *cr->pend, 64) != SP_OK)
        return; /* the indexer still finds it on its next look */
    cr->pend[cr->n_pend++] = (struct pending_doc){seq, sp_strdup(source), sp_strdup(url)};
}

/* Record f (+ links) in the open batch (begun here when none is) and count
 * it. */
static void record(crawler *cr, store_fetch *f, crawl_linkset *ls)
{
    if (!store_in_batch(cr->s)) {
        int brc = store_batch_begin(cr->s, &cr->fatal_err);
        if (brc) {
            cr->fatal = brc;
            return;
        }
        cr->batch_t0 = mono();
        cr->batch_n = 0;
    }
    int64_t seq = 0;
    int rc = store_record_fetch(cr->s, f, ls ? ls->v : NULL, ls ? ls->n : 0, &seq,
                                &cr->fatal_err);
    if (rc) {
        cr->fatal = rc;
        return;
    }
    cr->batch_n++;
    switch (f->outcome) {
    case STORE_NEW_DOC: cr->st.stored++; break;
    case STORE_UNCHANGED: cr->st.unchanged++; break;
    case STORE_FAIL:
    case STORE_RETRY:
    case STORE_GONE_NOW: cr->st.errors++; break;
    case STORE_REQUEUE: break;
    }
    if (seq)
        pending_add(cr, seq, f->source, f->url);
    batch_check(cr);
}

static bool transient_curl(CURLcode res)
{
    switch (res) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* Seconds from a Retry-After value (delta-seconds or an HTTP date). */
static double retry_after(const sp_buf *hdrs)
{
    char *v = header_value(hdrs, "Retry-After");
    if (!v)
        return 0;
    double s = 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (end != v && !*end && n >= 0) {
        s = (double)n;
    } else {
        time_t t = curl_getdate(v, NULL);
        if (t > 0)
            s = (double)(t - time(NULL));
    }
    free(v);
    if (s < 0)
        s = 0;
    return s > MAX_RETRY_AFTER ? MAX_RETRY_AFTER : s;
}

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 ||
           status == 308;
}

/* A page fetch was answered with a redirect.  Park it in the waiting list
 * to request the Location as its next hop once that host lets us (true);
 * or say why not in *why (malloc'd), or leave *why NULL when there is no
 * Location to follow (false both times). */
static bool redirect_next(crawler *cr, xfer *x, long status, char **why)
{
    *why = NULL;
    char *loc = NULL;
    curl_easy_getinfo(x->h, CURLINFO_REDIRECT_URL, &loc);
    if (!loc)
        return false;
    if (x->hops >= MAX_REDIRECTS) {
        *why = sp_printf("more than %d redirects", MAX_REDIRECTS);
        return false;
    }
    char *next = crawl_norm_url(loc); /* loc belongs to the handle xfer_stop frees */
    if (!next) {
        *why = sp_printf("redirected to %.300s, not a fetchable http(s) URL", loc);
        return false;
    }
    xfer_stop(x);
    free(x->url);
    x->url = next;
    x->hops++;
    x->last_status = status;
    sp_buf_reset(&x->body);
    sp_buf_reset(&x->hdrs);
    x->too_big = false;
    x->errbuf[0] = '\0';
    x->waiting = true;
    xfer_link(x, &cr->waiting);
    cr->n_waiting++;
    return true;
}

/* What a finished page transfer means: recorded against its queued URL,
 * or (true) x now waits to follow a redirect and must not be freed. */
static bool page_done(crawler *cr, xfer *x, CURLcode res, long status)
{
    src_state *ss = x->ss;
    const crawl_source *src = ss->src;
    host *h = x->host;
    store_queued *q = &x->q;
    double delay = host_delay(cr, h, src);
    char *errmsg = NULL;
    if (res == CURLE_OK && is_redirect(status) && redirect_next(cr, x, status, &errmsg)) {
        /* This host has answered: its delay runs while the next hop waits
         * for its own host. */
        h->errors = 0;
        h->next_ok = mono() + delay;
        return true;
    }
    int64_t now = sp_now();
    store_fetch f;
    fetch_init(&f, ss, q->url, STORE_FAIL, now);
    f.ms = (long)((mono() - x->t0) * 1000);
    f.bytes = x->body.len;
    f.requested = true;
    f.status = (int)status;
    cr->st.bytes += (int64_t)x->body.len;
    crawl_linkset ls = {0}, rel = {0};
    char *etag = NULL, *lastmod = NULL, *conv = NULL, *conv_ct = NULL;
    char *final = NULL;
    char hash[CRAWL_HASH_LEN];
    double wait = delay;
    bool can_retry = q->tries + 1 <= src->retries;
    double backoff = (cr->o->no_delay ? 0.0 : (delay > 0.5 ? delay : 0.5)) *
                     pow(2.0, q->tries);
    if (backoff > MAX_BACKOFF)
        backoff = MAX_BACKOFF;

    if (res != CURLE_OK) {
        if (x->too_big || res == CURLE_FILESIZE_EXCEEDED)
            errmsg = sp_printf("body larger than %zu bytes (max_body): transfer aborted",
                               x->max_body);
        else
            errmsg = sp_printf("%s", x->guard.refused ? x->guard.why
                                     : x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
        if (transient_curl(res) && can_retry && !x->guard.refused) {
            f.outcome = STORE_RETRY;
            f.next_fetch_at = now + (int64_t)ceil(backoff);
        } else {
            f.outcome = STORE_FAIL;
        }
        h->errors++;
    } else if (errmsg) {
        /* A redirect we do not follow (too many, or not http(s)). */
        f.outcome = STORE_FAIL;
    } else if (status >= 200 && status < 300) {
        const char *ct = NULL;
        curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
        final = sp_strdup(x->url);
        const char *body = x->body.data ? x->body.data : "";
        size_t len = x->body.len;
        size_t conv_len = 0;
        if (crawl_is_text(ct, body, len) &&
            crawl_to_utf8(body, len, ct, &conv, &conv_len, &conv_ct, NULL) == SP_OK) {
            body = conv;
            len = conv_len;
            if (conv_ct)
                ct = conv_ct;
        }
        crawl_content_hash(body, len, hash);
        etag = header_value(&x->hdrs, "ETag");
        lastmod = header_value(&x->hdrs, "Last-Modified");
        f.etag = etag;
        f.last_modified = lastmod;
        f.content_hash = hash;
        size_t n_recs = (size_t)-1;
        bool same = q->content_hash && !strcmp(q->content_hash, hash);
        bool delta = strstr(q->url, "modified_after=") != NULL;
        if (same && !delta && x->hops == 0) {
            /* The body we have, reached the same way: it leads where it
             * led, no need to read it again. */
            links_from_store(cr, src, q, &ls);
        } else {
            /* errmsg is NULL here; a data package resource refused (another
             * host) becomes the stored package's recorded error. */
            crawl_doc_links(src, q->format, final, body, len, ct, &rel, &n_recs, &errmsg);
            crawl_queue_links(src, q->depth, rel.v, rel.n, &ls);
            f.keep_out_links = true;
            f.out_links = rel.v;
            f.n_out_links = rel.n;
        }
        /* An incremental ORUK listing with nothing in it says "no change":
         * not worth a document (its URL is new each pass). */
        bool empty_delta = delta && n_recs == 0 && rel.n == 0;
        if (same || empty_delta) {
            f.outcome = STORE_UNCHANGED;
        } else {
            f.outcome = STORE_NEW_DOC;
            f.final_url = final;
            f.format = q->format;
            f.content_type = ct;
            f.headers = sp_buf_cstr(&x->hdrs);
            f.body = body;
            f.len = len;
        }
        h->errors = 0;
    } else if (status == 304 && q->has_doc) {
        etag = header_value(&x->hdrs, "ETag");
        lastmod = header_value(&x->hdrs, "Last-Modified");
        f.etag = etag;
        f.last_modified = lastmod;
        f.outcome = STORE_UNCHANGED;
        links_from_store(cr, src, q, &ls);
        h->errors = 0;
    } else if (status == 404 || status == 410) {
        errmsg = sp_printf("HTTP %ld: gone", status);
        f.outcome = STORE_GONE_NOW;
        h->errors = 0;
    } else if (status == 429 || status >= 500) {
        double ra = retry_after(&x->hdrs);
        errmsg = sp_printf("HTTP %ld%s", status,
                           status == 429 ? ": rate limited" : ": server error");
        if (ra > wait)
            wait = ra;
        if (can_retry) {
            f.outcome = STORE_RETRY;
            f.next_fetch_at = now + (int64_t)ceil(ra > backoff ? ra : backoff);
        } else {
            f.outcome = STORE_FAIL;
        }
        h->errors++;
    } else {
        errmsg = sp_printf("HTTP %ld", status);
        f.outcome = STORE_FAIL;
    }
    if (h->errors > 1 && !cr->o->no_delay) {
        /* A host that keeps failing is asked less often. */
        double hb = delay * pow(2.0, h->errors > 6 ? 6 : h->errors - 1);
        if (hb > wait)
            wait = hb > MAX_BACKOFF ? MAX_BACKOFF : hb;
    }
    h->next_ok = mono() + wait;
    f.error = errmsg;
    record(cr, &f, &ls);
    crawl_linkset_free(&ls);
    crawl_linkset_free(&rel);
    free(errmsg);
    free(etag);
    free(lastmod);
    free(conv);
    free(conv_ct);
    free(final);
    return false;
}

static void on_done(crawler *cr, CURLMsg *m)
{
    xfer *x = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    if (!x)
        return;
    long status = 0;
    curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
    x->host->busy = false;
    cr->inflight--;
    /* x's source looks at its queue again; the sources waiting for x's
     * host see in dispatch that it is free (wait_host). */
    if (x->ss)
        x->ss->dirty = true;
    if (!x->ss) {
        robots_done(cr, x, m->data.result, status);
    } else if (page_done(cr, x, m->data.result, status)) {
        return; /* waits for its next hop, still counted in its source's inflight */
    } else {
        x->ss->inflight--;
    }
    xfer_free(x);
}

/* ---- passes ------------------------------------------------------------------- */

/* The URLs a pass starts from; the first is the entry URL whose failure
 * makes the source fail.  ORUK: /services (with modified_after when this
 * pass is incremental), then the API root (its version; an API without one
 * is not failing).  The configured url may be the API's base or its
 * /services endpoint. */
static size_t make_seeds(const src_state *ss, bool full, int64_t last_success,
                         store_link seeds[2], char *own[2])
{
    const crawl_source *src = ss->src;
    own[0] = own[1] = NULL;
    if (src->kind != CRAWL_ORUK) {
        own[0] = crawl_norm_url(src->url);
        const char *fmt = src->kind == CRAWL_AUTO ? "auto" : crawl_kind_name(src->kind);
        seeds[0] = (store_link){own[0] ? own[0] : src->url, fmt, 0, 0};
        return 1;
    }
    size_t n = strcspn(src->url, "?#");
    while (n > 0 && src->url[n - 1] == '/')
        n--;
    char *base, *svc;
    if (n >= 9 && !strncmp(src->url + n - 9, "/services", 9)) {
        base = sp_strndup(src->url, n - 8); /* keeps the '/' before "services" */
        svc = sp_strdup(src->url);
    } else {
        base = sp_printf("%.*s/", (int)n, src->url);
        svc = feed_resolve_url(base, "services");
    }
    if (!full && svc) {
        char t[32];
        /* A margin for clocks that disagree and changes made mid-pass. */
        sp_time_format(last_success - 3600, t);
        char *with = sp_printf("%s%smodified_after=%s", svc, strchr(svc, '?') ? "&" : "?", t);
        free(svc);
        svc = with;
    }
    own[0] = crawl_norm_url(svc);
    own[1] = crawl_norm_url(base);
    free(svc);
    free(base);
    seeds[0] = (store_link){own[0] ? own[0] : src->url, "oruk", 0, 0};
    if (!own[1])
        return 1;
    seeds[1] = (store_link){own[1], "oruk", 0, 0};
    return 2;
}

static void begin_pass(crawler *cr, src_state *ss)
{
    store_pass p;
    if (store_pass_get(cr->s, ss->src->name, &p, &cr->fatal_err)) {
        cr->fatal = cr->fatal_err.code;
        return;
    }
    int64_t now = sp_now();
    bool full = ss->src->kind != CRAWL_ORUK || p.last_success == 0 ||
                now - p.last_full >= ss->src->full_interval;
    store_link seeds[2];
    char *own[2];
    size_t n = make_seeds(ss, full, p.last_success, seeds, own);
    long pass = 0;
    int rc = store_pass_begin(cr->s, ss->src->name, full, seeds, n, now, &pass, &cr->fatal_err);
    free(own[0]);
    free(own[1]);
    if (rc) {
        cr->fatal = rc;
        return;
    }
    ss->running = true;
    ss->dirty = true;
    ss->check = false;
    ss->wait_host = NULL;
    ss->full = full;
    ss->pass = pass;
    ss->budget_used = 0;
    ss->sitemaps_seeded = false;
    ss->last_success = p.last_success;
    cr->st.running++;
}

typedef struct seed_check {
    bool ok;
    char *msg;
} seed_check;

static int seed_cb(void *ctx, const store_url_info *u)
{
    seed_check *c = ctx;
    if (strcmp(u->state, STORE_DONE)) {
        c->ok = false;
        if (!c->msg)
            c->msg = sp_printf("%s: %s", u->url, u->last_error ? u->last_error : u->state);
    }
    return 0;
}

static void end_pass(crawler *cr, src_state *ss, bool budget_hit)
{
    store_link seeds[2];
    char *own[2];
    size_t n = make_seeds(ss, ss->full, ss->last_success, seeds, own);
    seed_check c = {true, NULL};
    /* Only the entry URL decides; the ORUK root is a courtesy. */
    if (n > 0 && store_url_get(cr->s, ss->src->name, seeds[0].url, seed_cb, &c, NULL)) {
        c.ok = false;
        c.msg = sp_printf("%s: never fetched", seeds[0].url);
    }
    free(own[0]);
    free(own[1]);
    int64_t now = sp_now();
    /* Only a whole pass that reached everything can say what disappeared. */
    bool mark_gone = c.ok && ss->full && !budget_hit;
    int rc = store_pass_end(cr->s, ss->src->name, c.ok, mark_gone, c.msg, now,
                            now + ss->src->interval, &cr->fatal_err);
    free(c.msg);
    if (rc) {
        cr->fatal = rc;
        return;
    }
    ss->running = false;
    ss->done_once = true;
    ss->next_crawl_at = now + ss->src->interval;
    cr->st.running--;
    cr->st.passes++;
}

static bool is_due(const crawler *cr, const src_state *ss, int64_t now)
{
    if (ss->running)
        return false;
    if (cr->o->once && ss->done_once)
        return false;
    if (cr->o->force && !ss->done_once)
        return true;
    return ss->next_crawl_at <= now;
}

/* End passes with nothing left to fetch (or no budget left).  Only the
 * sources dispatch found nothing due for (check) are asked: a source
 * waiting for its host costs no query here either.  One with URLs queued
 * for later (retries) is looked at again when the first comes due. */
static void check_passes(crawler *cr)
{
    for (size_t i = 0; i < cr->n_srcs && !cr->fatal; i++) {
        src_state *ss = &cr->srcs[i];
        if (!ss->running || ss->inflight > 0 || !ss->check)
            continue;
        ss->check = false;
        long any = 0;
        int64_t earliest = 0;
        if (store_queued_count(cr->s, ss->src->name, &any, &earliest, &cr->fatal_err)) {
            cr->fatal = cr->fatal_err.code;
            return;
        }
        bool budget_hit = ss->budget_used >= ss->src->pages;
        if (any == 0 || budget_hit) {
            end_pass(cr, ss, any > 0);
        } else {
            double wait = (double)(earliest - sp_now());
            ss->recheck_at = mono() + (wait > 0.25 ? wait : 0.25);
        }
    }
}

/* The queued figure for progress lines (a count per running source). */
static void count_queued(crawler *cr)
{
    long queued = 0;
    for (size_t i = 0; i < cr->n_srcs; i++) {
        long n = 0;
        int64_t earliest = 0;
        if (cr->srcs[i].running &&
            store_queued_count(cr->s, cr->srcs[i].src->name, &n, &earliest, NULL) == SP_OK)
            queued += n;
    }
    cr->st.queued = queued;
}

/* ---- dispatch ----------------------------------------------------------------- */

typedef struct qvec {
    store_queued *v;
    size_t n, cap;
} qvec;

static int collect_cb(void *ctx, const store_queued *q)
{
    qvec *qv = ctx;
    if (sp_grow(&qv->v, &qv->cap, qv->n + 1, sizeof *qv->v, 64) != SP_OK)
        return 1;
    store_queued *c = &qv->v[qv->n];
    *c = *q;
    c->source = sp_strdup(q->source);
    c->url = sp_strdup(q->url);
    c->format = sp_strdup(q->format);
    c->etag = sp_strdup(q->etag);
    c->last_modified = sp_strdup(q->last_modified);
    c->content_hash = sp_strdup(q->content_hash);
    if (!c->source || !c->url || !c->format) {
        store_queued_free(c);
        return 1;
    }
    qv->n++;
    return 0;
}

/* A URL we will not request (robots, bad URL, or known unchanged). */
static void settle_without_request(crawler *cr, src_state *ss, store_queued *q,
                                   store_outcome outcome, const char *error)
{
    store_fetch f;
    fetch_init(&f, ss, q->url, outcome, sp_now());
    f.error = error;
    crawl_linkset ls = {0};
    if (outcome == STORE_UNCHANGED)
        links_from_store(cr, ss->src, q, &ls);
    record(cr, &f, &ls);
    crawl_linkset_free(&ls);
    if (outcome == STORE_FAIL && error && strstr(error, "robots.txt"))
        cr->st.blocked++;
    ss->dirty = true; /* its queue changed: the links it led to, or one fewer */
}

static void start_page(crawler *cr, src_state *ss, host *h, store_queued *q)
{
    xfer *x = calloc(1, sizeof *x);
    if (!x)
        return;
    x->host = h;
    x->ss = ss;
    x->q = *q;
    memset(q, 0, sizeof *q); /* moved */
    x->max_body = ss->src->max_body;
    x->url = sp_strdup(x->q.url);
    if (!x->url) {
        xfer_free(x);
        return;
    }
    if (x->q.has_doc) {
        char *line;
        if (x->q.etag) {
            line = sp_printf("If-None-Match: %s", x->q.etag);
            if (line)
                x->req = curl_slist_append(x->req, line);
            free(line);
        }
        if (x->q.last_modified) {
            line = sp_printf("If-Modified-Since: %s", x->q.last_modified);
            if (line)
                x->req = curl_slist_append(x->req, line);
            free(line);
        }
    }
    if (xfer_start(cr, x, x->url, ss->src) != SP_OK) {
        xfer_free(x);
        return;
    }
    ss->budget_used++;
    ss->served = ++cr->serve_clock;
}

/* May a request to h start now?  When h's robots.txt is unknown or stale
 * this loads it from the store's cache or starts fetching it (for src);
 * false until it is ready and h is free and due. */
static bool host_ready(crawler *cr, host *h, const crawl_source *src, double now_m)
{
    if (h->busy || h->next_ok > now_m)
        return false;
    if (h->robots_state != 2 || h->robots_expires <= now_m) {
        if (h->robots_state != 1 && !host_robots_cached(cr, h))
            start_robots(cr, h, src);
        if (h->busy || h->robots_state != 2)
            return false;
    }
    return true;
}

/* Does h's robots.txt keep us from url?  Then msg says why. */
static bool robots_refuses(const crawler *cr, const host *h, const char *url, char *msg,
                           size_t n)
{
    if (robots_allowed(h->robots, cr->ua, url))
        return false;
    if (h->refused)
        snprintf(msg, n, "%s", h->refused); /* never contacted */
    else if (robots_for_status(h->robots_status) == ROBOTS_DISALLOW_ALL)
        snprintf(msg, n, "robots.txt unavailable (%s %d): RFC 9309 says "
                 "crawl nothing from this host for now",
                 h->robots_status ? "HTTP" : "status", h->robots_status);
    else
        snprintf(msg, n, "disallowed by robots.txt");
    return true;
}

/* Is a fetch of this source's url under way on another host than url's
 * own (a redirect's later hop, in flight or waiting)?  url's own host
 * being busy covers the first hop. */
static bool fetch_in_progress(const crawler *cr, const char *source, const char *url)
{
    const xfer *lists[2] = {cr->waiting, cr->xfers};
    for (size_t i = 0; i < 2; i++)
        for (const xfer *x = lists[i]; x; x = x->next)
            if (x->ss && x->hops > 0 && !strcmp(x->q.url, url) &&
                !strcmp(x->ss->src->name, source))
                return true;
    return false;
}

/* Give up a page fetch before its next hop: record why against its queued
 * URL (a request was made, so the fetch is logged), and free x. */
static void hop_refused(crawler *cr, xfer *x, const char *why, bool robots)
{
    src_state *ss = x->ss;
    char *msg = sp_printf("redirected to %s: %s", x->url, why);
    store_fetch f;
    fetch_init(&f, ss, x->q.url, STORE_FAIL, sp_now());
    f.status = (int)x->last_status;
    f.error = msg ? msg : why;
    f.ms = (long)((mono() - x->t0) * 1000);
    f.requested = true;
    record(cr, &f, NULL);
    free(msg);
    if (robots)
        cr->st.blocked++;
    ss->inflight--;
    xfer_free(x);
}

/* Page fetches waiting to follow a redirect: each hop passes the same gate
 * as a queued URL (host free and due, robots.txt fetched and allowing). */
static void dispatch_hops(crawler *cr, double now_m)
{
    xfer *next;
    for (xfer *x = cr->waiting; x && !cr->fatal && !cr->stopping; x = next) {
        next = x->next;
        if (cr->inflight >= cr->max_parallel)
            break;
        host *h = host_get(cr, x->url);
        if (!h) {
            hop_refused(cr, x, "not a fetchable http(s) URL", false);
            continue;
        }
        if (!host_ready(cr, h, x->ss->src, now_m))
            continue;
        char msg[160];
        if (robots_refuses(cr, h, x->url, msg, sizeof msg)) {
            hop_refused(cr, x, msg, true);
            continue;
        }
        xfer_unlink(x, &cr->waiting);
        cr->n_waiting--;
        x->waiting = false;
        x->host = h;
        x->ss->inflight--; /* xfer_start counts it again */
        if (xfer_start(cr, x, x->url, x->ss->src) != SP_OK)
            xfer_free(x); /* its URL is still queued: tried again from the start */
    }
}

/* The sitemaps the robots.txt of a source's entry host lists become extra
 * seeds of its pass, once that robots.txt is known (robots_sitemaps): on
 * the entry host only, CRAWL_ROBOTS_SITEMAPS at most, queued like a
 * configured sitemap (so robots.txt, politeness and the page budget apply
 * to them as to any URL).  A URL already queued in the pass, such as the
 * configured seed, is not queued twice. */
static void seed_robots_sitemaps(crawler *cr, src_state *ss, double now_m)
{
    const crawl_source *src = ss->src;
    host *h = host_get(cr, src->url);
    if (h) {
        host_ready(cr, h, src, now_m); /* loads or fetches robots.txt when due */
        if (h->robots_state != 2 || h->robots_expires <= now_m)
            return;
    }
    ss->sitemaps_seeded = true;
    ss->dirty = true;
    size_t n = 0;
    const char *const *maps = h ? robots_sitemaps(h->robots, &n) : NULL;
    crawl_linkset ls = {0};
    for (size_t i = 0; i < n && ls.n < CRAWL_ROBOTS_SITEMAPS; i++) {
        char *u = crawl_norm_url(maps[i]);
        for (size_t j = 0; u && j < ls.n; j++)
            if (!strcmp(ls.v[j].url, u)) {
                free(u);
                u = NULL;
            }
        if (u && crawl_same_host(u, src->url))
            crawl_linkset_add(&ls, u, "sitemap", 0, 0);
        else
            free(u);
    }
    if (ls.n && store_queue_links(cr->s, src->name, ls.v, ls.n, sp_now(), &cr->fatal_err))
        cr->fatal = cr->fatal_err.code;
    crawl_linkset_free(&ls);
}

/* cr->order by src_state.served, least recently served first (ties in
 * sources.conf order).  Insertion sort: between two calls only the few
 * sources that were served move, to the end. */
static void order_sources(crawler *cr)
{
    for (size_t i = 1; i < cr->n_srcs; i++) {
        src_state *v = cr->order[i];
        size_t j = i;
        while (j > 0 && (cr->order[j - 1]->served > v->served ||
                         (cr->order[j - 1]->served == v->served && cr->order[j - 1] > v))) {
            cr->order[j] = cr->order[j - 1];
            j--;
        }
        cr->order[j] = v;
    }
}

/* Is ss's queue worth a query now?  Only when it may have changed (dirty),
 * when the host its next URL waits for is free and due, or at recheck_at
 * (a retry's time; or it waits for several hosts). */
static bool wants_look(const src_state *ss, double now_m)
{
    if (ss->dirty)
        return true;
    const host *h = ss->wait_host;
    if (h && !h->busy && h->next_ok <= now_m)
        return true;
    return now_m >= ss->recheck_at && (!h || ss->wait_multi);
}

/* One look at ss's queue (look_at_queue): how many URLs it settled
 * without a request. */
static size_t look_once(crawler *cr, src_state *ss, int64_t now, double now_m)
{
    qvec qv = {0};
    size_t settled = 0;
    if (store_next_queued(cr->s, ss->src->name, now, QUEUE_BATCH, collect_cb, &qv,
                          &cr->fatal_err))
        cr->fatal = cr->fatal_err.code;
    if (qv.n == 0 && ss->inflight == 0)
        ss->check = true; /* nothing due: maybe nothing left (check_passes) */
    for (size_t i = 0; i < qv.n && !cr->fatal && !cr->stopping; i++) {
        store_queued *q = &qv.v[i];
        if (cr->inflight + cr->n_waiting >= cr->max_parallel) {
            ss->dirty = true; /* looked at but not served: again when a slot frees */
            break;
        }
        if (ss->budget_used >= ss->src->pages)
            break;
        host *h = host_get(cr, q->url);
        if (!h) {
            settle_without_request(cr, ss, q, STORE_FAIL, "not a fetchable http(s) URL");
            settled++;
            continue;
        }
        if (!host_ready(cr, h, ss->src, now_m)) {
            if (!ss->wait_host)
                ss->wait_host = h;
            else if (ss->wait_host != h)
                ss->wait_multi = true;
            continue;
        }
        if (fetch_in_progress(cr, ss->src->name, q->url))
            continue;
        char msg[160];
        if (robots_refuses(cr, h, q->url, msg, sizeof msg)) {
            settle_without_request(cr, ss, q, STORE_FAIL, msg);
            settled++;
            continue;
        }
        /* A sitemap said when the page last changed, and we have it since. */
        if (q->lastmod > 0 && q->has_doc && q->last_fetched >= q->lastmod) {
            settle_without_request(cr, ss, q, STORE_UNCHANGED, NULL);
            settled++;
            continue;
        }
        start_page(cr, ss, h, q);
    }
    for (size_t i = 0; i < qv.n; i++)
        store_queued_free(&qv.v[i]);
    free(qv.v);
    return settled;
}

/* Ask the store for ss's next due URLs and start those whose host is free
 * and due; remember which host the first of the others waits for. */
static void look_at_queue(crawler *cr, src_state *ss, int64_t now, double now_m)
{
    ss->dirty = false;
    ss->wait_host = NULL;
    ss->wait_multi = false;
    ss->recheck_at = now_m + 0.25;
    /* A batch settled whole without a request (robots.txt, sitemap
     * lastmod) is followed by the next at once. */
    for (int round = 0; round < 64 && !cr->fatal; round++) {
        size_t settled = look_once(cr, ss, now, now_m);
        if (settled < QUEUE_BATCH)
            break;
    }
}

static void dispatch(crawler *cr)
{
    double now_m = mono();
    dispatch_hops(cr, now_m);
    for (size_t i = 0; i < cr->n_srcs && !cr->fatal; i++) {
        src_state *ss = &cr->srcs[i];
        /* Depth 0 reaches no page, so a sitemap would lead nowhere. */
        if (ss->running && !ss->sitemaps_seeded && ss->src->robots_sitemaps &&
            ss->src->depth > 0 && cr->inflight < cr->max_parallel)
            seed_robots_sitemaps(cr, ss, now_m);
    }
    /* Waiting hops count against the limit: a redirecting site cannot pile
     * up fetches behind a slow host. */
    if (cr->inflight + cr->n_waiting >= cr->max_parallel)
        return;
    /* Each running source gets its own look at the queue, so a big source's
     * backlog cannot hide a small source on another host; and they look in
     * turn, least recently served first, so sources sharing a host take
     * turns at it: however many are due, each is served once before any is
     * served twice. */
    order_sources(cr);
    int64_t now = sp_now();
    for (size_t i = 0; i < cr->n_srcs && !cr->fatal && !cr->stopping; i++) {
        src_state *ss = cr->order[i];
        if (!ss->running)
            continue;
        if (ss->budget_used >= ss->src->pages) {
            ss->check = ss->inflight == 0;
            continue;
        }
        if (!wants_look(ss, now_m))
            continue;
        if (cr->inflight + cr->n_waiting >= cr->max_parallel) {
            ss->dirty = true; /* looked at when a slot frees */
            break;
        }
        look_at_queue(cr, ss, now, now_m);
    }
}

static void progress(crawler *cr, bool force)
{
    double now = mono();
    cr->st.elapsed = now - cr->t_start;
    cr->st.in_flight = cr->inflight;
    if (!cr->o->on_progress)
        return;
    if (!force && now - cr->last_progress < 0.25)
        return;
    cr->last_progress = now;
    count_queued(cr);
    cr->o->on_progress(cr->o->ctx, &cr->st);
}

static bool should_stop(const crawler *cr)
{
    return cr->stopping || (cr->o->stop && atomic_load(cr->o->stop));
}

static int run_loop(crawler *cr)
{
    while (!cr->fatal) {
        if (should_stop(cr))
            break;
        int64_t now = sp_now();
        bool any_running = false, any_waiting = false;
        int64_t next_due = INT64_MAX;
        for (size_t i = 0; i < cr->n_srcs && !cr->fatal; i++) {
            src_state *ss = &cr->srcs[i];
            if (is_due(cr, ss, now))
                begin_pass(cr, ss);
            if (ss->running)
                any_running = true;
            else if (!(cr->o->once && ss->done_once)) {
                any_waiting = true;
                if (ss->next_crawl_at < next_due)
                    next_due = ss->next_crawl_at;
            }
        }
        if (cr->fatal)
            break;
        if (!any_running && cr->inflight == 0 && (cr->o->once || !any_waiting))
            break;
        dispatch(cr);
        int still = 0;
        curl_multi_perform(cr->multi, &still);
        CURLMsg *m;
        int left;
        int finished = 0;
        while ((m = curl_multi_info_read(cr->multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE) {
                on_done(cr, m);
                finished++;
            }
            if (cr->fatal)
                break;
        }
        batch_check(cr);
        check_passes(cr);
        progress(cr, false);
        /* Sleep until a transfer needs us, a host's delay runs out, or a
         * source falls due; a freed host is served at once. */
        int timeout_ms = finished ? 0 : 50;
        if (!finished) {
            double now_m = mono(), soonest = now_m + 0.05;
            for (size_t i = 0; i < cr->n_hosts; i++)
                if (!cr->hosts[i]->busy && cr->hosts[i]->next_ok > now_m &&
                    cr->hosts[i]->next_ok < soonest)
                    soonest = cr->hosts[i]->next_ok;
            timeout_ms = (int)((soonest - now_m) * 1000) + 1;
        }
        if (!any_running && cr->inflight == 0) {
            int64_t wait = next_due - sp_now();
            timeout_ms = wait <= 0 ? 0 : wait > 1 ? 1000 : (int)(wait * 1000);
        }
        if (store_in_batch(cr->s)) {
            /* Wake in time to commit the batch. */
            int left_ms = (int)((cr->batch_t0 + BATCH_SECS - mono()) * 1000) + 1;
            if (left_ms < timeout_ms)
                timeout_ms = left_ms < 0 ? 0 : left_ms;
        }
        curl_multi_poll(cr->multi, NULL, 0, timeout_ms, NULL);
    }
    return cr->fatal;
}

int crawl_run(const crawl_opts *o, store *s, crawl_stats *stats, sp_err *err)
{
    if (!o || !o->conf || !s)
        return sp_fail(err, SP_EINVAL, "crawl_run: no configuration or store");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sp_fail(err, SP_ERROR, "cannot initialise libcurl");
    crawler cr;
    memset(&cr, 0, sizeof cr);
    cr.o = o;
    cr.s = s;
    cr.ua = o->user_agent ? o->user_agent : crawl_user_agent();
    cr.max_parallel = o->max_parallel > 0 ? o->max_parallel : DEFAULT_PARALLEL;
    cr.t_start = mono();
    cr.st.sources = (long)o->conf->n;
    cr.multi = curl_multi_init();
    cr.srcs = calloc(o->conf->n ? o->conf->n : 1, sizeof *cr.srcs);
    cr.order = calloc(o->conf->n ? o->conf->n : 1, sizeof *cr.order);
    int rc = SP_OK;
    if (!cr.multi || !cr.srcs || !cr.order) {
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
        goto out;
    }
    /* One connection per host; the host table keeps it to one request. */
    curl_multi_setopt(cr.multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
    curl_multi_setopt(cr.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)cr.max_parallel);
    for (size_t i = 0; i < o->conf->n; i++) {
        const crawl_source *src = &o->conf->v[i];
        char *json = crawl_source_json(src);
        rc = store_source_upsert(s, src->name, src->url, crawl_kind_name(src->kind), json, err);
        free(json);
        if (rc)
            goto out;
        store_pass p;
        rc = store_pass_get(s, src->name, &p, err);
        if (rc)
            goto out;
        src_state *ss = &cr.srcs[cr.n_srcs];
        cr.order[cr.n_srcs++] = ss;
        ss->src = src;
        ss->next_crawl_at = p.next_crawl_at;
        ss->last_success = p.last_success;
        if (p.running) {
            /* Interrupted: carry on with the same pass. */
            ss->running = true;
            ss->full = p.full;
            ss->pass = p.pass;
            ss->budget_used = p.fetched;
            cr.st.running++;
        }
    }
    rc = run_loop(&cr);
out:
    /* What was recorded is kept, also when stopping or failing (a failed
     * step has undone itself). */
    batch_commit(&cr);
    if (!rc && cr.fatal)
        rc = cr.fatal;
    if (rc && cr.fatal && err)
        *err = cr.fatal_err;
    free(cr.pend);
    progress(&cr, true);
    if (stats)
        *stats = cr.st;
    /* Abandon transfers in flight: their URLs are still queued in the store. */
    while (cr.xfers)
        xfer_free(cr.xfers);
    while (cr.waiting)
        xfer_free(cr.waiting);
    if (cr.multi)
        curl_multi_cleanup(cr.multi);
    for (size_t i = 0; i < cr.n_hosts; i++)
        host_free(cr.hosts[i]);
    free(cr.hosts);
    for (size_t i = 0; i < cr.cap_hkeys; i++)
        free(cr.hkeys[i].key);
    free(cr.hkeys);
    free(cr.srcs);
    free(cr.order);
    curl_global_cleanup();
    return rc;
}
