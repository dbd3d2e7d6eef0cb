/*
 * server.c - searchd's HTTP machinery on libmicrohttpd: start and stop, the
 * route table, method checks, reply helpers with the security headers,
 * per-worker index handles and metrics accounting.  What an operator can
 * change while it runs (public URL, trusted proxies, the access log) and
 * the access log line are in ops.c; gzip in compress.c.
 *
 * Threading: MHD runs an epoll listener with a pool of worker threads (one
 * per CPU by default); a request is handled start to finish on one worker.
 * Each worker owns a read-only idx handle (thread-specific data, closed by
 * the key's destructor when MHD joins the worker), so searches never share
 * a Xapian object or take a lock.
 *
 * Connections: searchd owns the listening socket and its accept loop
 * (gate.c), which answers oversized request lines and heads with a JSON
 * 414 or 431 before MHD would answer them with HTML, and hands every other
 * connection to MHD (MHD_USE_NO_LISTEN_SOCKET + MHD_add_connection).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pages.h"
#include "sd_int.h"

/* MHD's per-connection pool holds the request line and headers.  It is
 * zeroed after every request, so it is kept small: the gate already refuses
 * request lines over SD_MAX_URI. */
#define CONN_MEMORY (64u * 1024)
#define DEFAULT_LISTEN "127.0.0.1:8080"

/* The route table.  First match wins; exact paths before prefixes.  The
 * portal's pages (/, /coach, /hub, /services/{id}) go here as SD_R_PAGE
 * rows when they exist. */
static const sd_route sd_routes[] = {
    {"/api/v1/search", false, SD_R_SEARCH, sd_api_search},
    {"/api/v1/eligible", false, SD_R_OTHER, sd_api_eligible},
    {"/api/v1/services/", true, SD_R_SERVICE, sd_api_service},
    {"/api/v1/reports", false, SD_R_OTHER, sd_api_report},
    {"/healthz", false, SD_R_HEALTHZ, sd_api_healthz},
    {"/metrics", false, SD_R_METRICS, sd_api_metrics},
    {"/static/", true, SD_R_STATIC, sd_static},
    {"/", false, SD_R_PAGE, sd_page_search},
    {"/services/", true, SD_R_PAGE, sd_page_service},
    {"/coach", false, SD_R_PAGE, sd_page_coach},
    {"/guided", false, SD_R_PAGE, sd_page_guided},
    {"/hub", false, SD_R_PAGE, sd_page_hub},
    {"/login", false, SD_R_PAGE, sd_page_login},
    {"/logout", false, SD_R_PAGE, sd_page_logout},
    {"/api/v1/hub/", true, SD_R_OTHER, sd_hub},
    {"/oruk", true, SD_R_OTHER, sd_oruk},
    {"/feeds/", true, SD_R_OTHER, sd_feeds},
    {"/api/v1/export", true, SD_R_OTHER, sd_export},
};

static const unsigned status_codes[SD_N_STATUS] = {200, 303, 304, 400, 401, 403, 404, 405,
                                                   413, 414, 415, 429, 431, 500, 503, 0};
static const double buckets[SD_N_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
static const char *const route_names[SD_R__COUNT] = {
    "search", "service", "healthz", "metrics", "static", "page", "other"};

/* The only paths that take POST (a body of at most SD_MAX_BODY); every
 * write behind them passes sd_auth_write or the login form's checks. */
static const char *const post_paths[] = {"/api/v1/hub/decisions", "/api/v1/hub/reports",
                                         "/api/v1/reports", "/login", "/logout"};

bool sd_route_accepts_post(const char *path)
{
    for (size_t i = 0; path && i < sizeof post_paths / sizeof post_paths[0]; i++)
        if (!strcmp(path, post_paths[i]))
            return true;
    return false;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- replies ---- */

static void add_common_headers(sd_req *r, struct MHD_Response *resp, bool api)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* Pages that carry POST forms (signed-in staff, /login) send their
     * origin with the form, which the write checks want (sd_auth.c);
     * everything else sends no referrer at all. */
    MHD_add_response_header(resp, "Referrer-Policy",
                            r->same_origin_referrer ? "same-origin" : "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (r->route == SD_R_PAGE)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'");
    else
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'; sandbox");
    /* Searches are anonymous and personal (ages, postcodes): no caching by
     * browsers or proxies for anything but static files. */
    if (api)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    /* Nearly full: free this connection's slot for a client the gate has
     * queued rather than keep it alive. */
    if (sd_gate_busy(r->srv) || r->bad_frame) {
        MHD_add_response_header(resp, "Connection", "close");
        r->closing = true;
    }
}

static enum MHD_Result queue(sd_req *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO; /* out of memory: MHD closes the connection */
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, "Allow",
                                sd_route_accepts_post(r->path) ? "GET, HEAD, POST"
                                                               : "GET, HEAD");
    for (size_t i = 0; i < r->n_extra; i++)
        MHD_add_response_header(resp, r->extra[i].name, r->extra[i].value);
    r->status = status;
    r->responded = true;
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result sd_reply_response(sd_req *r, unsigned status, struct MHD_Response *resp,
                                  bool no_store)
{
    if (!resp)
        return MHD_NO;
    add_common_headers(r, resp, no_store);
    return queue(r, status, resp);
}

enum MHD_Result sd_reply_bytes(sd_req *r, unsigned status, const char *ctype,
                               const void *body, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return MHD_NO;
    memcpy(copy, body, len);
    struct MHD_Response *resp = sd_body_response(r, ctype, copy, len);
    if (!resp)
        return MHD_NO;
    add_common_headers(r, resp, r->route != SD_R_STATIC);
    return queue(r, status, resp);
}

/* A reply of JSON text s (taken; NULL: MHD_NO). */
static enum MHD_Result json_body(sd_req *r, unsigned status, char *s, size_t len)
{
    if (!s)
        return MHD_NO;
    struct MHD_Response *resp =
        sd_body_response(r, "application/json; charset=utf-8", s, len);
    if (!resp)
        return MHD_NO;
    add_common_headers(r, resp, true);
    return queue(r, status, resp);
}

enum MHD_Result sd_reply_json(sd_req *r, unsigned status, json_t *j)
{
    size_t len = 0;
    char *s = j ? sd_json_text(j, &len) : NULL;
    json_decref(j);
    return json_body(r, status, s, len);
}

enum MHD_Result sd_reply_jw(sd_req *r, sd_jw *w)
{
    size_t len = 0;
    char *s = sd_jw_text(w, &len);
    return json_body(r, MHD_HTTP_OK, s, len);
}

enum MHD_Result sd_reply_error_as(sd_req *r, bool open, unsigned status, const char *code,
                                  const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages may quote user input clipped on a byte boundary by
     * vsnprintf: never let that make the JSON unencodable. */
    if (!sp_utf8_valid(msg, strlen(msg)))
        snprintf(msg, sizeof msg, "the request is not valid (%s)", code);
    json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    return open ? sd_reply_open_json(r, status, j) : sd_reply_json(r, status, j);
}

/* Here, beside the replies, not in params.c: the parameter reader stays
 * free of replies so tests/searchd/fuzz_params links it alone. */
bool sd_request_search(sd_req *r, unsigned ep, sd_search_req *out, enum MHD_Result *ret)
{
    char msg[512];
    out->n = 0;
    /* One more than allowed, so sd_params_read names the limit. */
    if (sd_collect_args(r, out->kv, SD_MAX_ARGS + 1, &out->n) != SP_OK)
        snprintf(msg, sizeof msg, "too many query parameters; at most %d", SD_MAX_ARGS);
    else if (sd_search_parse_for(r->srv->voc, ep, out->kv, out->n, &out->p, msg, sizeof msg) ==
             SP_OK)
        return true;
    *ret = sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    return false;
}

/* ---- per-worker index handles ---- */

typedef struct sd_worker {
    idx *ix;
    uint64_t last_us; /* last open attempt or reopen */
    unsigned long long gen; /* a replica's changesets seen (repl_gen) */
    bool tried;
} sd_worker;

static void worker_free(void *p)
{
    sd_worker *w = p;
    if (w) {
        idx_close(w->ix);
        free(w);
    }
}

/* Clients only hear "not available yet" (503); the operator hears why,
 * once per outage rather than once a second per worker. */
static void open_failed(struct sd_server *s, const sp_err *err)
{
    atomic_fetch_add(&s->open_failures, 1);
    if (!atomic_exchange(&s->open_failure_logged, true))
        fprintf(stderr, "searchd: cannot open the index (%s); answering 503 until it can\n",
                err && err->msg[0] ? err->msg : "unknown error");
}

idx *sd_index_retry(struct sd_server *s, sp_err *e)
{
    atomic_fetch_add(&s->retries, 1);
    return sd_worker_index(s, true, e);
}

int sd_search_fresh(struct sd_server *s, idx **ix, const idx_query *q, idx_result *res,
                    sp_err *e)
{
    memset(res, 0, sizeof *res);
    int rc = *ix ? idx_search(*ix, q, res, e) : SP_EAGAIN;
    for (int tries = 1; rc != SP_OK && rc != SP_EINVAL && tries < SD_SEARCH_TRIES; tries++) {
        idx_result_free(res);
        memset(res, 0, sizeof *res);
        sp_err_clear(e);
        *ix = sd_index_retry(s, e);
        if (!*ix)
            return SP_EAGAIN;
        rc = idx_search(*ix, q, res, e);
    }
    return rc;
}

/* Open the worker's handle afresh (counted in s->opens); false, with the
 * failure logged (open_failed), when the index cannot be opened. */
static bool open_index(struct sd_server *s, sd_worker *w, sp_err *err)
{
    if (idx_open_read(s->index_dir, &w->ix, err) != SP_OK) {
        w->ix = NULL;
        open_failed(s, err);
        return false;
    }
    atomic_fetch_add(&s->opens, 1);
    return true;
}

idx *sd_worker_index(struct sd_server *s, bool force, sp_err *err)
{
    sd_worker *w = pthread_getspecific(s->worker_key);
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w || pthread_setspecific(s->worker_key, w) != 0) {
            free(w);
            sp_fail(err, SP_ENOMEM, "out of memory");
            return NULL;
        }
    }
    uint64_t now = now_us();
    uint64_t interval = s->reopen_ms < 0 ? 0 : (uint64_t)s->reopen_ms * 1000u;
    bool due = force || !w->tried || now - w->last_us >= interval;
    /* A replica's copy changes only when a sync applies a changeset: open
     * it again then, once, rather than on a timer.  A full copy lands in a
     * new folder behind the same stub, which a reopen would not follow. */
    bool replica = sd_is_replica(s);
    unsigned long long gen = atomic_load(&s->repl_gen);
    if (replica && w->ix && !force) {
        if (w->gen == gen)
            return w->ix;
        idx_close(w->ix);
        w->ix = NULL;
        due = true;
        atomic_fetch_add(&s->reopens, 1);
    }
    w->gen = gen;

    if (!w->ix) {
        if (!due) {
            sp_fail(err, SP_ENOTFOUND, "the index is not available yet");
            return NULL;
        }
        w->tried = true;
        w->last_us = now;
        if (!open_index(s, w, err))
            return NULL;
        atomic_store(&s->open_failure_logged, false);
        atomic_store(&s->documents, idx_count(w->ix));
        if (idx_schema_version(w->ix) != IDX_SCHEMA_VERSION &&
            !atomic_exchange(&s->schema_warned, true))
            fprintf(stderr,
                    "searchd: the index at %s was built for schema %d, this is %d: "
                    "eligibility filters and facets may be wrong until "
                    "`signpost index --store DIR` rebuilds it\n",
                    s->index_dir, idx_schema_version(w->ix), IDX_SCHEMA_VERSION);
        return w->ix;
    }
    if (due) {
        w->last_us = now;
        sp_err e;
        sp_err_clear(&e);
        int rc = idx_reopen(w->ix, &e);
        if (rc == 1)
            atomic_fetch_add(&s->reopens, 1);
        if (rc < 0) {
            /* A handle that cannot reopen is stale for good: open afresh. */
            idx_close(w->ix);
            if (!open_index(s, w, err))
                return NULL;
        }
        atomic_store(&s->documents, idx_count(w->ix));
    }
    return w->ix;
}

/* ---- request lifecycle ---- */

/* Called by MHD as soon as the request line is in, before any parsing: the
 * earliest point to start the clock.  The URI is never kept or logged. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *conn)
{
    sd_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = cls;
    r->conn = conn;
    r->counted = true;
    sd_gate_work(r->srv, 1);
    r->uri_len = uri ? strlen(uri) : 0;
    /* MHD hands handlers a decoded path cut at the first NUL, so
     * "/static/a.css%00.png" would look like "/static/a.css": refuse
     * encoded NULs in the path while the raw URI is still at hand. */
    if (uri) {
        size_t path_len = strcspn(uri, "?");
        for (size_t i = 0; i + 2 < path_len; i++)
            if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0')
                r->nul_in_path = true;
    }
    r->route = SD_R_OTHER;
    r->bytes = -1;
    r->t0_us = now_us();
    return r;
}

static int status_slot(unsigned status)
{
    for (int i = 0; i < SD_N_STATUS - 1; i++)
        if (status_codes[i] == status)
            return i;
    return SD_N_STATUS - 1;
}

void sd_count_request(struct sd_server *s, sd_route_id route, unsigned status, double secs)
{
    atomic_fetch_add(&s->requests[route][status_slot(status)], 1);
    int b = 0;
    while (b < SD_N_BUCKETS && secs > buckets[b])
        b++;
    atomic_fetch_add(&s->hist[route][b], 1);
    atomic_fetch_add(&s->hist_sum_us[route], (unsigned long long)(secs * 1e6));
}

/* What searchd keeps per MHD connection: whether the gate has its slot
 * back already. */
typedef struct sd_conn {
    bool released;
} sd_conn;
static sd_conn untracked; /* when calloc fails: released on close */

static void release_slot(struct sd_server *s, struct MHD_Connection *conn, sd_conn *c)
{
    if (!c || c->released)
        return;
    if (c != &untracked)
        c->released = true;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    sd_gate_closed(s, ci ? ci->client_addr : NULL);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sd_server *s = cls;
    sd_req *r = *req_cls;
    if (!r)
        return;
    *req_cls = NULL;
    if (r->counted)
        sd_gate_work(s, -1);
    /* An answer with Connection: close frees its slot now: MHD reports the
     * close itself only when its worker next wakes, which under a full
     * load of idle connections can be seconds later. */
    if (r->closing) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        release_slot(s, conn, ci ? ci->socket_context : NULL);
    }
    double secs = (double)(now_us() - r->t0_us) / 1e6;
    if (r->responded) {
        sd_count_request(s, r->route, r->status, secs);
        sd_access_log(r, secs);
    }
    sp_buf_free(&r->body);
    free(r);
}

/* MHD tells the gate when a connection it was handed closes. */
static void conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
    struct sd_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        sd_gate_work(s, -1); /* its request counts from uri_logger on */
        sd_conn *c = calloc(1, sizeof *c);
        *socket_context = c ? c : &untracked;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        sd_conn *c = *socket_context;
        *socket_context = NULL;
        release_slot(s, conn, c);
        if (c != &untracked)
            free(c);
    }
}

/* The gate frames a connection's first request (gate.c); later requests
 * on a keep-alive connection are parsed by libmicrohttpd alone.  Their
 * head, as MHD kept it, is written out again and put through the same
 * check, so that duplicate Content-Lengths, Transfer-Encoding with
 * Content-Length, a name with whitespace before its colon or HTTP/1.1
 * without Host get 400 and a closed connection on every request.  The
 * target is left out (MHD has decoded it); the gate checked its shape. */
#define REFRAME_MAX (32 * 1024) /* above the gate's head limit: MHD kept less */

typedef struct head_buf {
    sp_buf b;
    bool full;
} head_buf;

static enum MHD_Result head_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    head_buf *h = cls;
    if (h->b.len > REFRAME_MAX) {
        h->full = true;
        return MHD_NO;
    }
    if (sp_buf_printf(&h->b, "%s: %s\r\n", key ? key : "", value ? value : "") != SP_OK)
        h->full = true;
    return h->full ? MHD_NO : MHD_YES;
}

static const char *reframe_check(struct MHD_Connection *conn, const char *method,
                                 const char *version)
{
    head_buf h = {{0}, false};
    const char *bad = NULL;
    if (sp_buf_printf(&h.b, "%s / %s\r\n", method, version ? version : "") != SP_OK)
        return NULL; /* out of memory: let the request through as MHD read it */
    MHD_get_connection_values(conn, MHD_HEADER_KIND, head_line, &h);
    if (!h.full && sp_buf_puts(&h.b, "\r\n") == SP_OK)
        bad = sd_frame_check(h.b.data, h.b.len);
    sp_buf_free(&h.b);
    return bad;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **req_cls)
{
    struct sd_server *s = cls;
    sd_req *r = *req_cls;
    if (!r) {
        r = uri_logger(s, NULL, conn);
        if (!r)
            return MHD_NO;
        *req_cls = r;
    }
    if (r->responded) {
        /* Answered already (405 on the first call): drop any body. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    r->method = method;
    r->path = url;
    r->head = !strcmp(method, MHD_HTTP_METHOD_HEAD);
    if (!r->headers_seen) {
        const char *bad = reframe_check(conn, method, version);
        if (bad) {
            r->bad_frame = true;
            return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", bad);
        }
    }

    const sd_route *route = NULL;
    const char *rest = "";
    for (size_t i = 0; i < sizeof sd_routes / sizeof sd_routes[0]; i++) {
        size_t len = strlen(sd_routes[i].path);
        if (sd_routes[i].prefix ? !strncmp(url, sd_routes[i].path, len)
                                : !strcmp(url, sd_routes[i].path)) {
            route = &sd_routes[i];
            rest = url + len;
            break;
        }
    }
    r->route = route ? route->id : SD_R_OTHER;

    /* POST is taken on /api/v1/hub/decisions only, its body kept up to
     * SD_MAX_BODY bytes (searchd/hub.c). */
    bool post = !strcmp(method, MHD_HTTP_METHOD_POST) && sd_route_accepts_post(url);
    /* CORS preflights are answered on the open-data routes (ops.c). */
    bool preflight = !strcmp(method, MHD_HTTP_METHOD_OPTIONS) && route &&
                     (route->fn == sd_oruk || route->fn == sd_feeds || route->fn == sd_export);
    if (strcmp(method, MHD_HTTP_METHOD_GET) && !r->head && !post && !preflight)
        return sd_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                              sd_route_accepts_post(url) ? "only GET, HEAD and POST are supported"
                                                       : "only GET and HEAD are supported");
    /* A body declared over the limit is refused before it is sent: a client
     * that sent "Expect: 100-continue" (curl does above 1 MB) gets the 413
     * instead of a 100 and then a closed connection.  MHD closes this one
     * after the reply, as it must with a body left unread. */
    if (!r->headers_seen && post) {
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        char *end = NULL;
        unsigned long long n = cl ? strtoull(cl, &end, 10) : 0;
        if (cl && end != cl && n > SD_MAX_BODY) {
            r->headers_seen = true;
            r->body_too_big = true;
            return sd_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                                  "a body is at most %d bytes", SD_MAX_BODY);
        }
    }
    /* libmicrohttpd (0.9.75) closes the connection when the response is
     * queued on the first call, before it knows the request has no body;
     * answering on the second call keeps the connection alive. */
    if (!r->headers_seen) {
        r->headers_seen = true;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        /* MHD will not take a response in the middle of a body: skip the
         * body (a little of it; a big one just closes the connection) and
         * answer 413 once it is over. */
        if (post && !r->body_too_big && r->body.len + *upload_data_size <= SD_MAX_BODY) {
            if (sp_buf_append(&r->body, upload_data, *upload_data_size) != SP_OK)
                return MHD_NO;
        } else if (post) {
            r->body_too_big = true;
        }
        r->body_bytes += *upload_data_size;
        *upload_data_size = 0;
        return r->body_bytes > 65536 ? MHD_NO : MHD_YES;
    }
    if (r->body_bytes > 0 && !post)
        return sd_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_not_allowed",
                              "GET and HEAD requests take no body; put parameters in the "
                              "query string");
    if (r->uri_len > SD_MAX_URI)
        return sd_reply_error(r, MHD_HTTP_URI_TOO_LONG, "uri_too_long",
                              "the request target is %zu bytes long; at most %d are "
                              "accepted (q takes at most %d bytes)",
                              r->uri_len, SD_MAX_URI, SD_MAX_Q);
    if (r->nul_in_path)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
                              "the path contains an encoded NUL byte (%%00)");
    if (preflight)
        return sd_reply_preflight(r);
    if (post && sd_is_replica(s))
        return sd_replica_write(r); /* forwarded to the writer or refused */
    if (!route) {
        if (!strncmp(url, "/api/", 5))
            return sd_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                                  "no such API endpoint; see /api/v1/search and "
                                  "/api/v1/services/{id}");
        return sd_page_not_found(r); /* a person's mistyped address: HTML */
    }
    return route->fn(r, rest);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    /* MHD's own messages (bind errors, oversized requests) carry no query
     * strings; prefix them so they are recognisable in the daemon's log. */
    fputs("searchd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- start and stop ---- */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                        sp_err *err)
{
    char host[256];
    const char *port;
    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');
        if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof host)
            return sp_fail(err, SP_EINVAL, "bad --listen '%s': use ADDR:PORT or [V6ADDR]:PORT",
                           listen);
        memcpy(host, listen + 1, (size_t)(end - listen - 1));
        host[end - listen - 1] = '\0';
        port = end + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host)
            return sp_fail(err, SP_EINVAL, "bad --listen '%s': use ADDR:PORT, e.g. 127.0.0.1:8080",
                           listen);
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
    }
    char *end = NULL;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        return sp_fail(err, SP_EINVAL, "bad port in --listen '%s': use 0..65535", listen);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc != 0 || !ai)
        return sp_fail(err, SP_EINVAL, "cannot use address '%s' in --listen: %s", host,
                       gai_strerror(rc));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sslen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return SP_OK;
}

int sd_start(const sd_opts *opts, sd_server **out, sp_err *err)
{
    *out = NULL;
    if (!opts || !opts->store_dir)
        return sp_fail(err, SP_EINVAL, "searchd needs a store directory (--store DIR)");

    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    int rc = parse_listen(opts->listen ? opts->listen : DEFAULT_LISTEN, &ss, &sslen, err);
    if (rc != SP_OK)
        return rc;

    struct sd_server *s = calloc(1, sizeof *s);
    if (!s)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    s->lfd = -1;
    s->hub_mu_made = pthread_mutex_init(&s->hub_mu, NULL) == 0;
    s->reopen_ms = opts->reopen_ms == 0 ? 1000 : opts->reopen_ms;
    s->index_dir = sp_printf("%s/index", opts->store_dir);
    rc = sd_live_init(s, opts, err);
    if (rc != SP_OK) {
        sd_stop(s);
        return rc;
    }
    if (!s->index_dir) {
        sd_stop(s);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (opts->web_dir) {
        char *dir = sp_printf("%s/static", opts->web_dir);
        s->static_root = dir ? realpath(dir, NULL) : NULL;
        free(dir);
    }
    rc = vocab_load(opts->data_dir, &s->voc, err);
    if (rc != SP_OK) {
        s->voc = NULL;
        sd_stop(s);
        return rc;
    }
    {
        /* Read once, before the workers start: converting is then
         * thread-safe and the process's TZ is left alone.  Without the
         * tz database every search works but open=now. */
        sp_err ze;
        sp_err_clear(&ze);
        if (hours_zone_load(NULL, SD_ZONE, &s->london, &ze) != SP_OK)
            fprintf(stderr, "searchd: open=now is unavailable: %s\n", ze.msg);
    }
    rc = sd_auth_start(s, opts, opts->store_dir, err);
    if (rc == SP_OK)
        rc = sd_replica_start(s, opts, err);
    if (rc != SP_OK) {
        sd_stop(s);
        return rc;
    }
    if (pthread_key_create(&s->worker_key, worker_free) != 0) {
        sd_stop(s);
        return sp_fail(err, SP_ERROR, "cannot create thread-specific data");
    }
    s->key_made = true;

    unsigned threads = opts->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (threads > 256)
        threads = 256;

    /* The listening socket is ours (see gate.c), bound before anything
     * starts so a busy port fails fast with a clear message. */
    const char *where = opts->listen ? opts->listen : DEFAULT_LISTEN;
    s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(s->lfd, (struct sockaddr *)&ss, sslen) != 0 || listen(s->lfd, 511) != 0) {
        int e = errno;
        sd_stop(s);
        return sp_fail(err, SP_EIO, "cannot listen on %s (%s); is another server on that port?",
                       where, strerror(e));
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(s->lfd, (struct sockaddr *)&bound, &blen) == 0)
        s->port = ntohs(bound.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)&bound)->sin6_port
                            : ((struct sockaddr_in *)&bound)->sin_port);

    /* Workers inherit the signal mask: keep SIGINT, SIGTERM and SIGHUP for
     * the thread that waits for them (sd_wait_for_signal), never a worker. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    unsigned timeout_s = opts->timeout_s ? opts->timeout_s : 15;
    sd_gate_limits lim = {
        .head_timeout_s = opts->head_timeout_s ? opts->head_timeout_s : 10,
        .max_conns = opts->max_conns ? opts->max_conns : 512,
        .max_per_client = opts->max_per_client ? opts->max_per_client : 64,
        /* enough to keep every worker busy, few enough that a new request
         * waits for a handful of others, not hundreds */
        .max_active = threads * 8 > 16 ? threads * 8 : 16,
    };
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(threads > 1 ? threads : 0),
        MHD_OPTION_CONNECTION_LIMIT, sd_gate_mhd_limit(lim.max_conns, threads),
        MHD_OPTION_NOTIFY_CONNECTION, conn_notify, s,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONN_MEMORY, MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
        MHD_OPTION_NOTIFY_COMPLETED, request_done, s, MHD_OPTION_END);
    rc = s->mhd ? sd_gate_start(s, s->lfd, &lim, err)
                : sp_fail(err, SP_ERROR, "cannot start the HTTP daemon (libmicrohttpd)");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return SP_HAND_OVER(rc, s, out, sd_stop);
}

uint16_t sd_port(const sd_server *s)
{
    return s ? s->port : 0;
}

void sd_stop(sd_server *s)
{
    if (!s)
        return;
    /* No new connections first, then MHD joins the workers (their index
     * handles close in worker_free). */
    sd_gate_stop(s);
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    sd_gate_free(s);
    sd_replica_stop(s);
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->key_made)
        pthread_key_delete(s->worker_key);
    sd_hub_free(s);
    sd_auth_stop(s);
    if (s->hub_mu_made)
        pthread_mutex_destroy(&s->hub_mu);
    vocab_free(s->voc);
    hours_zone_free(s->london);
    sd_live_free(s);
    free(s->index_dir);
    free(s->static_root);
    free(s);
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

void sd_block_signals(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int sd_wait_for_signal(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    return sig;
}

/* ---- /metrics ---- */

enum MHD_Result sd_api_metrics(sd_req *r, const char *rest)
{
    struct sd_server *s = r->srv;
    if (!sd_metrics_allowed(r))
        return sd_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
                              "/metrics is open to the addresses --metrics-allow names "
                              "(loopback by default)");
    sp_buf b = {0};
    sp_buf_printf(&b, "# HELP signpost_build_info The running build; always 1.\n"
                      "# TYPE signpost_build_info gauge\n"
                      "signpost_build_info{version=\"%s\",index_schema=\"%d\"} 1\n",
                  SP_VERSION, IDX_SCHEMA_VERSION);
    sp_buf_puts(&b, "# HELP signpost_http_requests_total HTTP requests answered, by route "
                    "and status.\n# TYPE signpost_http_requests_total counter\n");
    for (int rt = 0; rt < SD_R__COUNT; rt++)
        for (int st = 0; st < SD_N_STATUS; st++) {
            unsigned long long n = atomic_load(&s->requests[rt][st]);
            if (!n)
                continue;
            if (status_codes[st])
                sp_buf_printf(&b, "signpost_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                              route_names[rt], status_codes[st], n);
            else
                sp_buf_printf(&b,
                              "signpost_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                              route_names[rt], n);
        }
    sp_buf_puts(&b, "# HELP signpost_http_request_duration_seconds Time from request line to "
                    "response done.\n# TYPE signpost_http_request_duration_seconds histogram\n");
    for (int rt = 0; rt < SD_R__COUNT; rt++) {
        unsigned long long cum = 0;
        for (int k = 0; k <= SD_N_BUCKETS; k++) {
            cum += atomic_load(&s->hist[rt][k]);
            if (k < SD_N_BUCKETS)
                sp_buf_printf(&b,
                              "signpost_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"%g\"} %llu\n",
                              route_names[rt], buckets[k], cum);
            else
                sp_buf_printf(&b,
                              "signpost_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"+Inf\"} %llu\n",
                              route_names[rt], cum);
        }
        sp_buf_printf(&b, "signpost_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                      route_names[rt], (double)atomic_load(&s->hist_sum_us[rt]) / 1e6);
        sp_buf_printf(&b, "signpost_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      route_names[rt], cum);
    }
    /* Refresh the document count from this worker's handle if it has one. */
    sp_err e;
    sd_worker_index(s, false, &e);
    sp_buf_printf(&b,
                  "# HELP signpost_index_documents Documents in the index.\n"
                  "# TYPE signpost_index_documents gauge\n"
                  "signpost_index_documents %llu\n"
                  "# HELP signpost_index_reopens_total Reopens that picked up a new commit.\n"
                  "# TYPE signpost_index_reopens_total counter\n"
                  "signpost_index_reopens_total %llu\n"
                  "# HELP signpost_index_opens_total Read handles opened by workers.\n"
                  "# TYPE signpost_index_opens_total counter\n"
                  "signpost_index_opens_total %llu\n"
                  "# HELP signpost_index_open_failures_total Failed attempts to open the index.\n"
                  "# TYPE signpost_index_open_failures_total counter\n"
                  "signpost_index_open_failures_total %llu\n"
                  "# HELP signpost_search_retries_total Searches retried on a fresh snapshot "
                  "(the indexer had moved on).\n"
                  "# TYPE signpost_search_retries_total counter\n"
                  "signpost_search_retries_total %llu\n",
                  atomic_load(&s->documents), atomic_load(&s->reopens),
                  atomic_load(&s->opens), atomic_load(&s->open_failures),
                  atomic_load(&s->retries));
    sd_gate_metrics(s, &b);
    sd_store_metrics(s->index_dir, &b);
    if (!b.data)
        return MHD_NO;
    enum MHD_Result ret = sd_reply_bytes(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                                         b.data, b.len);
    sp_buf_free(&b);
    return ret;
}
