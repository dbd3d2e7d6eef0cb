/*
 * sd_int.h - searchd's insides, shared by its files (not a public header):
 * the request context, the route table that endpoints and (later) the
 * portal's pages plug into, reply helpers that add the security headers,
 * the per-worker index handle, and the search parameter parser.
 *
 * Adding an endpoint or a page: write a handler `enum MHD_Result
 * fn(sd_req *r, const char *rest)` (rest is the path after the route's
 * prefix) in a file of searchd/, declare it here, and add a row to
 * sd_routes[] in server.c.  Every handler must answer through one of the
 * sd_reply_* helpers so headers, status accounting and logging stay uniform.
 */
#ifndef SD_INT_H
#define SD_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "hours.h"
#include "idx.h"
#include "params.h"
#include "person.h"
#include "sd.h"
#include "snapshot.h"
#include "understand.h"
#include "vocab.h"

/* Routes, for metrics: requests are counted by route, never by raw path. */
typedef enum sd_route_id {
    SD_R_SEARCH,
    SD_R_SERVICE,
    SD_R_HEALTHZ,
    SD_R_METRICS,
    SD_R_STATIC,
    SD_R_PAGE,
    SD_R_OTHER,
    SD_R__COUNT
} sd_route_id;

/* HTTP statuses counted one by one; anything else counts as "other". */
#define SD_N_STATUS 16
/* Latency histogram bucket upper bounds, in seconds (+Inf is implicit). */
#define SD_N_BUCKETS 12

/* Bounds on untrusted input. */
#define SD_MAX_URI 16384       /* request target bytes; above: 414 */
/* (query parameters: params.h) */
#define SD_MAX_BODY 16384      /* bytes of a POST body (hub decisions) */

/* An address range (--metrics-allow, trusted_proxies): family AF_INET or AF_INET6, the
 * network's bytes and the prefix length. */
typedef struct sd_cidr {
    int family;
    unsigned char addr[16];
    unsigned bits;
} sd_cidr;

#define SD_MAX_CIDRS 16
#define SD_LIMIT_SLOTS 4096 /* keys the rate limiter tracks at once */

/* Fixed-window counters by key (sd_auth.c: sd_limit_hit). */
typedef struct sd_limit_slot {
    uint64_t key;  /* keyed hash of kind and key; 0 when free */
    int64_t start; /* window start, monotonic seconds */
    unsigned count;
} sd_limit_slot;

struct sd_server {
    struct MHD_Daemon *mhd;
    struct sd_gate *gate; /* accept loop (gate.c) */
    int lfd;              /* listening socket, -1 when none */
    char *index_dir;
    char *static_root; /* realpath of web_dir/static, NULL when none */
    vocab *voc;
    /* Europe/London from the tz database, for open=now; NULL when the
     * database is missing (open=now then answers 503). */
    hours_zone *london;
    uint16_t port;
    int reopen_ms;
    pthread_key_t worker_key;
    bool key_made;

    /* metrics */
    atomic_ullong requests[SD_R__COUNT][SD_N_STATUS];
    atomic_ullong hist[SD_R__COUNT][SD_N_BUCKETS + 1];
    atomic_ullong hist_sum_us[SD_R__COUNT];
    atomic_ullong reopens;       /* reopens that found a new commit */
    atomic_ullong opens;         /* read handles opened */
    atomic_ullong open_failures; /* index not there (yet) or unreadable */
    atomic_ullong documents;     /* last count a worker saw */
    atomic_ullong retries;       /* searches retried on a fresh snapshot */
    /* The hub snapshot (hub.c: sd_hub_acquire), shared by the hub API and
     * the /hub page, loaded again only when STORE/crawl.db changed. */
    pthread_mutex_t hub_mu;
    bool hub_mu_made;
    struct hub *hub_cache;
    long long hub_stamp[6]; /* mtime s, ns and size of crawl.db and its WAL */
    /* Accounts and access (sd_auth.c, auth.h). */
    auth_db *accounts;
    struct rpt_db *reports; /* STORE/reports.db (reports.h, pages_report.c) */
    bool hub_public;     /* hub reports readable without an account */
    bool secure_cookies; /* Secure on cookies even without X-Forwarded-Proto */
    unsigned write_limit; /* writes per account per minute */
    sd_cidr metrics_allow[SD_MAX_CIDRS];
    size_t n_metrics_allow;
    pthread_mutex_t limit_mu;
    bool limit_mu_made;
    sd_limit_slot limits[SD_LIMIT_SLOTS];
    unsigned char limit_key[16];
    atomic_uint hashing; /* password checks running now */
    atomic_bool open_failure_logged; /* say why once, not every second */
    atomic_bool schema_warned;       /* an old index: said once */
    /* Settings a reload may change (ops.c): public URL, trusted proxies,
     * access log; read under live_mu shared, swapped under it alone. */
    pthread_rwlock_t live_mu;
    bool live_made;
    struct sd_live *live;
    /* Scale-out (replica.c): a replica's sync thread and what it saw; a
     * writer's replication server. */
    char *store_dir;
    struct sd_replica *repl;
    atomic_ullong repl_gen; /* +1 per changeset applied: workers reopen */
};

/* One request.  Allocated when MHD has the request line, freed when the
 * response is done; its lifetime bounds everything a handler allocates. */
typedef struct sd_req {
    struct sd_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *path; /* percent-decoded by MHD, without the query */
    size_t uri_len;   /* raw request target length, query included */
    bool head;
    bool closing;   /* the answer says Connection: close (sd_gate_busy) */
    bool bad_frame; /* a later keep-alive request failed sd_frame_check:
                       answered 400 with Connection: close */
    bool counted;   /* counted in the gate's work (sd_gate_work) */
    bool responded;
    bool nul_in_path; /* %00 in the raw path */
    bool headers_seen; /* the handler's first call has happened */
    size_t body_bytes; /* of a body GET or HEAD should not have */
    sp_buf body;       /* a POST body (hub decisions), at most SD_MAX_BODY */
    bool body_too_big;
    sd_route_id route;
    unsigned status;
    long long bytes; /* body bytes sent, -1 when not known (access log) */
    uint64_t t0_us;
    bool who_known;        /* who has been looked up (sd_auth_who) */
    auth_who who;          /* the account asking, or the public */
    char session[AUTH_SECRET_LEN + 1]; /* the session cookie, when valid */
    bool bad_token;        /* an Authorization header that let nobody in */
    bool same_origin_referrer; /* pages with POST forms: see add_common_headers */
    /* Headers the reply carries besides the usual ones (Set-Cookie,
     * Location, Retry-After, WWW-Authenticate): sd_add_header. */
    struct {
        const char *name;
        char value[192];
    } extra[4];
    size_t n_extra;
} sd_req;

/* Add a header to r's reply (copied; at most 4, 191 bytes each). */
void sd_add_header(sd_req *r, const char *name, const char *value);

typedef enum MHD_Result (*sd_handler)(sd_req *r, const char *rest);

typedef struct sd_route {
    const char *path; /* exact path, or a prefix when prefix is true */
    bool prefix;
    sd_route_id id;
    sd_handler fn;
} sd_route;

/* Does the route of path take POST (server.c; for Allow headers)? */
bool sd_route_accepts_post(const char *path);

/* Replies (each sets r->status and adds the security headers).  The JSON
 * reply takes ownership of j (a reference is stolen). */
enum MHD_Result sd_reply_json(sd_req *r, unsigned status, json_t *j);
/* An error reply, {"error": {"code", "message"}}: sd_reply_error for the
 * site and API, sd_reply_open_error (declared with the open data below)
 * for the CORS-open endpoints; open picks sd_reply_open_json over
 * sd_reply_json. */
enum MHD_Result sd_reply_error_as(sd_req *r, bool open, unsigned status, const char *code,
                                  const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define sd_reply_error(r, status, ...) sd_reply_error_as((r), false, (status), __VA_ARGS__)
/* Any response built by the caller (headers of its own added); consumes
 * resp.  no_store adds Cache-Control: no-store. */
enum MHD_Result sd_reply_response(sd_req *r, unsigned status, struct MHD_Response *resp,
                                  bool no_store);
/* body is copied; ctype like "text/plain; charset=utf-8". */
enum MHD_Result sd_reply_bytes(sd_req *r, unsigned status, const char *ctype,
                               const void *body, size_t len);

/* Operations (ops.c, compress.c; docs/operations.md). */
int sd_live_init(struct sd_server *s, const sd_opts *o, sp_err *err);
void sd_live_free(struct sd_server *s);
/* scheme://host[:port][/prefix] of this server as its clients see it: the
 * public_url when set, else the Host header, with Forwarded /
 * X-Forwarded-Proto / X-Forwarded-Host believed from trusted proxies only.
 * Never ends in '/'.  Caller frees; NULL when out of memory. */
char *sd_base_url(sd_req *r);
/* One access log line for an answered request (when the log is on). */
void sd_access_log(const sd_req *r, double secs);
/* ... and for a request the gate refused before MHD saw it (no path). */
void sd_access_log_refused(struct sd_server *s, unsigned status, long long bytes);
/* Is ctype worth compressing, and will this request's answer of len bytes
 * be gzipped? */
bool sd_compressible(const char *ctype);
bool sd_will_gzip(sd_req *r, const char *ctype, size_t len);
/* A response carrying body (malloc'd; ownership passes, freed even on
 * failure), gzipped when sd_will_gzip says so, with Content-Type, Vary and
 * Content-Encoding set and r->bytes recorded.  NULL when out of memory. */
struct MHD_Response *sd_body_response(sd_req *r, const char *ctype, char *body, size_t len);
/* Answer a CORS preflight (OPTIONS) on the open-data routes: 204. */
enum MHD_Result sd_reply_preflight(sd_req *r);

/* The crawler's and indexer's metrics from the store beside index_dir
 * (metrics_store.c), appended to b in the Prometheus text format. */
void sd_store_metrics(const char *index_dir, sp_buf *b);

/* Count one answered request in the metrics. */
void sd_count_request(struct sd_server *s, sd_route_id route, unsigned status, double secs);

/* The accept loop in front of MHD (gate.c): accepts on lfd, holds each
 * connection until its request head is in (within head_timeout_s, however
 * slowly it drips), answers bad framing (frame.c), oversized heads and
 * overload itself, and hands the rest to MHD, never more than max_conns
 * at once and never more than max_per_client from one address. */
typedef struct sd_gate_limits {
    unsigned head_timeout_s;
    unsigned max_conns;
    unsigned max_per_client;
    unsigned max_active; /* requests in MHD at once; more wait in the gate */
} sd_gate_limits;
int sd_gate_start(struct sd_server *s, int lfd, const sd_gate_limits *lim, sp_err *err);
/* Stop accepting and close the connections the gate holds. */
void sd_gate_stop(struct sd_server *s);
/* After MHD has stopped (it reports closes until then): free the gate. */
void sd_gate_free(struct sd_server *s);
/* MHD closed a connection the gate handed it (notify-connection). */
void sd_gate_closed(struct sd_server *s, const struct sockaddr *addr);
/* MHD started a handed connection (-1), began a request (+1), finished
 * one (-1): the gate's count of work in MHD. */
void sd_gate_work(struct sd_server *s, int delta);
/* Connection gauges for /metrics. */
void sd_gate_metrics(const struct sd_server *s, sp_buf *b);
/* MHD is three quarters full, or connections wait in the gate: answers
 * should close their connection. */
bool sd_gate_busy(const struct sd_server *s);
/* The connection limit to give MHD for max_conns over threads workers. */
unsigned sd_gate_mhd_limit(unsigned max_conns, unsigned threads);

/* NULL when the request head [head, head+len) (request line through the
 * blank line) is framed as RFC 9112 asks; else what is wrong with it. */
const char *sd_frame_check(const char *head, size_t len);

/* The calling worker's read-only index handle, opened lazily and reopened
 * at most every reopen_ms.  NULL (and a message in err) when the index
 * cannot be opened: callers answer 503.  force: reopen now. */
idx *sd_worker_index(struct sd_server *s, bool force, sp_err *err);
/* idx_search on the worker's handle *ix, retried on a fresh snapshot when
 * the writer moved on under it (Xapian discards old revisions: under load a
 * reader can be overtaken more than once), at most SD_SEARCH_TRIES times in
 * all; each retry counts in signpost_search_retries_total.  *ix is updated
 * (NULL when the index could not be reopened: SP_EAGAIN).  res is always
 * initialised; the caller frees it. */
#define SD_SEARCH_TRIES 5
/* Every retry on a fresh snapshot (sd_search_fresh, and the walks and
 * reads that cannot use it: exports, feeds, /oruk/) goes through here:
 * counted in signpost_search_retries_total, then the handle reopened
 * (NULL with err when it cannot be). */
idx *sd_index_retry(struct sd_server *s, sp_err *e);
int sd_search_fresh(struct sd_server *s, idx **ix, const idx_query *q, idx_result *res,
                    sp_err *e);

/* Scale-out (replica.c, docs/scale-out.md).  Start the replica's sync
 * thread or the writer's replication server as opts say; stop them. */
int sd_replica_start(struct sd_server *s, const sd_opts *opts, sp_err *err);
void sd_replica_stop(struct sd_server *s);
/* Is s a replica (it reopens when a changeset lands, not on a timer)? */
bool sd_is_replica(const struct sd_server *s);
/* The folder whose crawl.db answers store reads (hub, change feed): the
 * store itself on a writer, else the snapshot the index carries written
 * out (indexer/snapshot.h).  Caller frees; NULL when out of memory. */
char *sd_store_read_dir(struct sd_server *s);
/* A write (POST) on a replica: forwarded to the writer or refused. */
enum MHD_Result sd_replica_write(sd_req *r);
/* The key of the report form's tokens: the one the index carries (the same
 * on the writer and its replicas), else this process's own. */
void sd_form_key(struct sd_server *s, unsigned char out[SNAP_FORM_KEY_LEN]);
/* /healthz's "replica" (NULL on a writer) and whether it is degraded. */
json_t *sd_replica_health(struct sd_server *s, bool *degraded);

/* Handlers (api.c, files.c). */
enum MHD_Result sd_api_search(sd_req *r, const char *rest);
enum MHD_Result sd_api_service(sd_req *r, const char *rest);
enum MHD_Result sd_api_healthz(sd_req *r, const char *rest);
enum MHD_Result sd_api_metrics(sd_req *r, const char *rest);
enum MHD_Result sd_static(sd_req *r, const char *rest);
/* GET /api/v1/eligible (eligible.c; docs/eligibility.md). */
enum MHD_Result sd_api_eligible(sd_req *r, const char *rest);
/* The hub API (hub.c): GET reports and the audit trail, POST decisions. */
enum MHD_Result sd_hub(sd_req *r, const char *rest);
/* Record the decision a, b, verdict by who after the write checks
 * (hub.c): SP_OK, SP_ENOTFOUND (an id that is no record), SP_EINVAL (msg
 * says why) or another error. */
int sd_hub_decide(sd_req *r, const auth_who *who, const char *a, const char *b,
                  const char *verdict, char *msg, size_t msg_size);

/* "Report a problem with this listing" (pages_report.c): POST
 * /api/v1/reports (public), GET|POST /api/v1/hub/reports and GET
 * /api/v1/hub/corrections (hub staff). */
enum MHD_Result sd_api_report(sd_req *r, const char *rest);
enum MHD_Result sd_hub_reports(sd_req *r, const char *rest);
/* Is id a record in the index?  SP_OK, SP_ENOTFOUND, or another error
 * when the index cannot be read (hub.c). */
int sd_record_exists(struct sd_server *s, const char *id);
/* A hub report's "rows" as a CSV attachment signpost-hub-NAME.csv. */
enum MHD_Result sd_reply_csv(sd_req *r, const char *name, const json_t *rep);
/* The hub API's request parameters read by the table for endpoint ep
 * into args (room for SD_MAX_ARGS); false (and the 400 sent, *ret set)
 * when one is wrong (hub.c). */
bool sd_hub_args(sd_req *r, unsigned ep, sd_arg *args, size_t *n, enum MHD_Result *ret);
/* Lay the hub's corrections over a record about to be served. */
size_t sd_reports_apply(struct sd_server *s, rec_service *rec);
/* Does the client ask for JSON (Accept: application/json)?  The hub's
 * in-place buttons do; a plain form is redirected back to the page. */
bool sd_wants_json(sd_req *r);

/* ---- accounts and access (sd_auth.c; docs/security.md) ---- */

/* Open STORE/accounts.db and set the access options (sd_start). */
int sd_auth_start(struct sd_server *s, const sd_opts *o, const char *store_dir, sp_err *err);
void sd_auth_stop(struct sd_server *s);
/* Who is asking: a Bearer token, else the session cookie, else the
 * public (looked up once per request). */
const auth_who *sd_auth_who(sd_req *r);
/* The client's address as text (for limits and the audit trail). */
void sd_client_addr(sd_req *r, char *out, size_t size);
/* Reads for staff: true when who may read with role need (the hub's
 * viewer role is waived by --hub-public); otherwise the 401 or 403 is
 * sent (*ret set).  page: answer an anonymous person with a redirect to
 * /login rather than JSON. */
bool sd_auth_read(sd_req *r, auth_role need, bool page, enum MHD_Result *ret);
/* A write that passed sd_auth_write: the account, the body (a JSON object,
 * or NULL for a form: read fields with sd_body_value; the caller
 * json_decrefs it) and whether a form sent it (a browser form or a
 * script's); on refusal, the reply sent. */
typedef struct sd_write {
    const auth_who *who;
    json_t *body;
    bool form;
    enum MHD_Result ret;
} sd_write;
/* Every check a write must pass before it changes anything: no query
 * string, a JSON or form body, an account with role need (a token, or a
 * session with a same-origin Origin/Referer and its CSRF token), and the
 * account's write rate.  On failure the error reply is sent (w->ret) and
 * false returned. */
bool sd_auth_write(sd_req *r, auth_role need, sd_write *w);
/* The reply to such a write, by its outcome rc: a browser's form on the
 * dashboard (a session, not asking for JSON) goes back to `back` (303);
 * otherwise SP_OK replies `ok` (taken, like every path here), SP_EINVAL is
 * 400 `bad` and SP_ENOTFOUND 404 `missing` (both saying msg), anything else
 * 503 store_unavailable saying `unsaved`. */
enum MHD_Result sd_reply_write(sd_req *r, const sd_write *w, int rc, const char *back,
                               json_t *ok, const char *bad, const char *missing, const char *msg,
                               const char *unsaved);
/* A field of the write's body (JSON object or form), a new string or
 * NULL when absent. */
char *sd_body_value(sd_req *r, const json_t *json, const char *name);
/* Count one event under kind/key; 0 when under max per window_s, else
 * the seconds until the window ends (nothing counted then). */
unsigned sd_limit_hit(struct sd_server *s, const char *kind, const char *key, unsigned max,
                      unsigned window_s);
/* 429 with Retry-After (JSON). */
enum MHD_Result sd_reply_limited(sd_req *r, unsigned retry_after);
/* Same-origin checks of a cookie-authenticated POST: Origin, else
 * Referer, must name this host (the Host header). */
bool sd_same_origin(sd_req *r);
/* The cookie of that name, NULL when absent. */
const char *sd_cookie(sd_req *r, const char *name);
/* A Set-Cookie for name=value (HttpOnly, SameSite=Strict, Path=/, Secure
 * behind https); max_age 0 deletes the cookie. */
void sd_set_cookie(sd_req *r, const char *name, const char *value, long max_age);
/* 303 See Other to a local path (with any cookies set on r). */
enum MHD_Result sd_reply_see_other(sd_req *r, const char *location);
/* Is the client allowed /metrics (--metrics-allow)? */
bool sd_metrics_allowed(sd_req *r);
/* Parse "ADDR/BITS" (or a bare address) into c. */
int sd_cidr_parse(const char *s, sd_cidr *c, sp_err *err);
/* Is the address sa in one of the n ranges? */
bool sd_cidr_match(const sd_cidr *nets, size_t n, const struct sockaddr *sa);
/* The login and logout pages (pages_login.c). */
enum MHD_Result sd_page_login(sd_req *r, const char *rest);
enum MHD_Result sd_page_logout(sd_req *r, const char *rest);
/* The hub snapshot of the server's store, loaded on first use and again
 * when STORE/crawl.db or its WAL has changed since (a crawl, a linkage run,
 * a decision); NULL with err when it cannot be loaded.  The caller has it
 * alone until sd_hub_release (a mutex: hub reports are rare, a load costs
 * ~1 s at 100,000 records). */
struct hub *sd_hub_acquire(struct sd_server *s, sp_err *err);
void sd_hub_release(struct sd_server *s);
/* Frees the cached snapshot (sd_stop). */
void sd_hub_free(struct sd_server *s);
/* The /hub dashboard page (pages_hub.c). */
enum MHD_Result sd_page_hub(sd_req *r, const char *rest);

/* ---- query parameters (params.c, params.h) ---- */

/* The request's query parameters (at most max) into out; SP_ELIMIT when
 * there are more. */
int sd_collect_args(sd_req *r, sd_kv *out, size_t max, size_t *n);
/* The request's query parameters read by the table for endpoint ep
 * (params.h: sd_params_read, with flags) into args, room for SD_MAX_ARGS.
 * SP_OK; SP_ELIMIT (more than SD_MAX_ARGS) or SP_EINVAL with msg saying
 * what is wrong. */
int sd_request_args(sd_req *r, unsigned ep, unsigned flags, sd_arg *args, size_t *n,
                    char *msg, size_t msg_size);

typedef struct sd_search {
    idx_query q;
    /* canonical slugs (owned by the vocab, or "none" for benefits, or
     * months below), pointed to by q.filters */
    const char *vals[IDX_F__COUNT][SD_MAX_VALUES];
    const char *qtext;   /* q as given (points into the kv array) */
    const char *near;    /* the postcode as given */
    const char *sort;    /* "relevance", "distance" or "updated" */
    long page, per_page;
    char months[8]; /* months_unemployed as decimal text: vals[IDX_F_MONTHS][0] */
    char age[8];    /* age as decimal text: vals[IDX_F_AGE][0] */
    bool literal;   /* understand=0: the words searched as typed */
    bool bom;       /* exports' bom=1: a byte order mark before CSV */
    /* Opening hours (hours.h): day 0-6, period (time=), minute (at=);
     * -1 when not given.  open=now sets open_now, and sd_search_now
     * fills day and minute from the London clock. */
    int day, period, minute;
    bool open_now;
    char hours_terms[HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX];
    const char *hours_ptrs[HOURS_MAX_QUERY_TERMS]; /* q.hours */
} sd_search;

/* The zone that "open now" is in. */
#define SD_ZONE "Europe/London"

/* Resolve open=now in p against the London clock at now (epoch seconds)
 * and point p->q.hours at the terms of its hours filter (also for day,
 * time and at).  SP_EIO when open=now is asked and z is NULL. */
int sd_search_hours(sd_search *p, const hours_zone *z, int64_t now);
/* j as JSON text, exactly what json_dumps(j, JSON_COMPACT) writes (faster;
 * json_out.c), its length in *len; NULL where that fails.  Free it. */
char *sd_json_text(const json_t *j, size_t *len);
/* JSON text written as it goes, in json_dumps(JSON_COMPACT)'s form:
 * zero-initialise; open/close a container ('{' '}', '[' ']'), sd_jw_key
 * before each member's value, values (sd_jw_str: NULL is null; sd_jw_json:
 * a jansson value); commas come by themselves.  sd_jw_text ends it: the
 * text (free it) or NULL when writing failed (out of memory, a string not
 * UTF-8: check with sd_jw_ok first where jansson would have left the
 * member out), and resets w. */
typedef struct sd_jw {
    sp_buf b;
    bool bad;
    bool after_key;
    unsigned depth;
    uint64_t fresh; /* bit d: the container at depth d has no member yet */
} sd_jw;
void sd_jw_open(sd_jw *w, char c);
void sd_jw_close(sd_jw *w, char c);
void sd_jw_key(sd_jw *w, const char *key);
void sd_jw_str(sd_jw *w, const char *s);
void sd_jw_int(sd_jw *w, json_int_t v);
void sd_jw_bool(sd_jw *w, bool v);
void sd_jw_real(sd_jw *w, double x);
void sd_jw_null(sd_jw *w);
void sd_jw_json(sd_jw *w, const json_t *j);
bool sd_jw_ok(const char *s); /* NULL or UTF-8: what json_string accepts */
char *sd_jw_text(sd_jw *w, size_t *len);
/* A 200 reply of w's text as JSON (sd_jw_text; MHD_NO when it failed). */
enum MHD_Result sd_reply_jw(sd_req *r, sd_jw *w);
/* The exact total of q on ix's snapshot (no hits, no facets: limit 0, so
 * no record is read and no snippet made); -1 when the search failed. */
long sd_count(idx *ix, idx_query q);
/* How many services the search p would find without its hours filter
 * whose hours are unknown (HOURS_UNKNOWN_TERM); -1 on error. */
long sd_hours_unknown(idx *ix, const sd_search *p);
/* The hours facet of the search p (pages_when.c): how many services it
 * finds on each day (day=MO..SU in place of its day, with its time or at)
 * and in each part of the day (time= in place of its time or at, with its
 * day); with open=now, each day or part of the day alone.  Exact, on ix's
 * snapshot; -1 where a count failed. */
typedef struct sd_hours_counts {
    long day[HOURS_DAYS];
    long period[HOURS_PERIODS];
    bool ok; /* counted (false: not asked for, or the index failed) */
} sd_hours_counts;
/* The hours facet's values as term sets (idx_query.count_sets). */
#define SD_HOURS_VALUES (HOURS_DAYS + HOURS_PERIODS)
typedef struct sd_hours_sets {
    char terms[SD_HOURS_VALUES][HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX];
    const char *ptrs[SD_HOURS_VALUES][HOURS_MAX_QUERY_TERMS];
    idx_term_set sets[SD_HOURS_VALUES];
} sd_hours_sets;
/* Have q (the search of p itself) count the hours facet within its
 * matches too, in hs, when p has no hours filter (the facet is counted
 * without it): sd_hours_facet then needs no search of its own. */
void sd_hours_ask(const sd_search *p, sd_hours_sets *hs, idx_query *q);
/* own: the result of p's search made with sd_hours_ask, or NULL. */
void sd_hours_facet(idx *ix, const sd_search *p, const idx_result *own, sd_hours_counts *out);

/* A search for the records of rec's duplicate cluster (rec among them),
 * most recently changed first, enough for max others (api.c). */
void sd_cluster_query(idx_query *q, const rec_service *rec, size_t max);

/* Does the search field take one value (status and the numbers: its row
 * in the parameter table does not repeat)? */
bool sd_field_single(idx_field f);

/* Validate and translate the query parameters of /api/v1/search.  On
 * SP_EINVAL msg says which parameter is wrong and what is allowed.  The
 * result points into kv and the vocab: keep both alive while using it. */
int sd_search_parse(const vocab *v, const sd_kv *kv, size_t n, sd_search *out,
                    char *msg, size_t msg_size);
/* The same for another endpoint that takes the search's parameters (the
 * portal's search page: SD_EP_PORTAL, which leaves out the names it does
 * not take, such as lang). */
int sd_search_parse_for(const vocab *v, unsigned ep, const sd_kv *kv, size_t n,
                        sd_search *out, char *msg, size_t msg_size);
/* An open-data endpoint's search (exports, the Atom feed): the query
 * parameters as given (kv, n) and the search they make (p points into kv). */
typedef struct sd_search_req {
    sd_kv kv[SD_MAX_ARGS + 1];
    size_t n;
    sd_search p;
} sd_search_req;
/* The request's query parameters read by sd_search_parse_for for ep into
 * out.  When they are wrong (or too many) the 400 bad_parameter open-data
 * error is sent, *ret set and false returned. */
bool sd_request_search(sd_req *r, unsigned ep, sd_search_req *out, enum MHD_Result *ret);

/* Reading the words of q (understood.c; indexer/understand.h), unless
 * understand=0: filters the words name are added to p (fields p already
 * filters keep their words), q becomes the words left, category phrases
 * boost, and a search that finds little is relaxed.  u keeps what p now
 * points into: keep it alive while using p. */
int sd_understand(const vocab *v, sd_search *p, und_result *u, sp_err *err);
/* Did p's filter value (field f, slug) come from the words? */
bool sd_understood(const und_result *u, idx_field f, const char *slug);
/* "applied": [{"field", "value", "from"}] of u. */
json_t *sd_applied_json(const und_result *u);

/* Open data (oruk.c, oruk_openapi.c, feeds_out.c, export.c; docs/oruk.md):
 * the ORUK 3.0 API under /oruk/, Atom and change feeds under /feeds/, and
 * exports under /api/v1/export.  Their replies carry
 * Access-Control-Allow-Origin: *.  sd_reply_open takes ownership of body
 * (malloc'd); sd_reply_open_json steals j. */
enum MHD_Result sd_oruk(sd_req *r, const char *rest);
enum MHD_Result sd_feeds(sd_req *r, const char *rest);
enum MHD_Result sd_export(sd_req *r, const char *rest);
enum MHD_Result sd_reply_open(sd_req *r, unsigned status, const char *ctype, char *body,
                              size_t len);
enum MHD_Result sd_reply_open_json(sd_req *r, unsigned status, json_t *j);
/* sd_reply_open with a Cache-Control of the caller's (NULL: no-store). */
enum MHD_Result sd_reply_open_cached(sd_req *r, unsigned status, const char *ctype, char *body,
                                     size_t len, const char *cache_control);
#define sd_reply_open_error(r, status, ...) sd_reply_error_as((r), true, (status), __VA_ARGS__)
/* The worker's index for an open-data endpoint (feeds_out.c), or NULL
 * after sending 503 index_unavailable (*ret set). */
idx *sd_open_index(sd_req *r, sp_err *e, enum MHD_Result *ret);
/* key=value&... of kv, percent-encoded (feeds_out.c); caller frees. */
char *sd_query_string(const sd_kv *kv, size_t n);
/* The OpenAPI 3.0 description of /oruk/ (a static string). */
const char *sd_oruk_openapi(void);


/* ---- eligibility ranking (elig_rank.c): the one judgement behind
 * /api/v1/eligible and /coach ---- */

#include "elig.h"

#define SD_CLOSED 3             /* an outcome beyond elig_outcome: closed */
#define SD_REASON_MAX 400       /* bytes of a reason as shown */

typedef struct sd_elig_item {
    const idx_hit *hit;
    const elig_verdict *verdict;
    int outcome;  /* ELIG_ELIGIBLE, ELIG_CHECK, ELIG_NOT_ELIGIBLE or SD_CLOSED */
    size_t rank;  /* relevance order */
    double km;    /* < 0 unknown */
    double fit;   /* relevance x distance decay, as /api/v1/search ranks */
} sd_elig_item;

typedef struct sd_elig {
    idx_result res;       /* filled by the caller's search of sd_elig_query */
    elig_verdict *vds;    /* one per hit */
    sd_elig_item *items;  /* every hit, best first */
    size_t n;
    size_t counts[4];     /* by outcome: eligible, check, not_eligible, closed */
} sd_elig;

/* The candidates: services matching q (NULL: all) and the person's needs,
 * at most SD_ELIG_CANDIDATES in relevance order, with distances from
 * (lat, lon) when has_near, else from the centre of the person's borough. */
void sd_elig_query(const vocab *v, const elig_person *p, const char *q, bool has_near,
                   double lat, double lon, double radius_km, idx_query *out);

/* Judge every hit of e->res for p and order them: eligible, check,
 * not_eligible, closed; within each, the person's language first, then
 * relevance x 1 / (1 + km / IDX_DECAY_KM) as /api/v1/search ranks near a
 * postcode (without search words every service weighs the same: nearest
 * first), over every candidate.  SP_OK or SP_ENOMEM. */
int sd_elig_judge(const vocab *v, const elig_person *p, sd_elig *e);
void sd_elig_free(sd_elig *e);

/* "eligible", "check", "not_eligible", "closed" and back (-1 unknown). */
const char *sd_elig_outcome_name(int outcome);
int sd_elig_outcome_from_name(const char *name);

/* The service no longer takes people: its HSDS status is set and is not
 * "active" (inactive, defunct, ...). */
bool sd_rec_closed(const rec_service *r);
/* The provider's own sentence about the closing ("The scheme closed to
 * new starts in March 2022."), whole words, into out; false if none. */
bool sd_rec_closed_note(const rec_service *r, char *out, size_t sz);

/* A reason as shown: its message, with a list of places, benefits or
 * groups that the engine had to cut (elig_reason.message and its lists
 * are bounded) summarised in whole names ("Barnet, Bexley and 25 more"),
 * and never ending mid-word. */
void sd_reason_text(const vocab *v, const elig_reason *e, char *out, size_t sz);

#endif
