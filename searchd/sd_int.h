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
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "idx.h"
#include "sd.h"
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
#define SD_N_STATUS 12
/* Latency histogram bucket upper bounds, in seconds (+Inf is implicit). */
#define SD_N_BUCKETS 12

/* Bounds on untrusted input. */
#define SD_MAX_URI 16384       /* request target bytes; above: 414 */
#define SD_MAX_ARGS 64         /* query parameters per request */
#define SD_MAX_VALUES 32       /* values of one repeatable filter */
#define SD_MAX_Q 1000          /* bytes of q */
#define SD_MAX_VALUE 200       /* bytes of any other parameter value */
#define SD_MAX_RESULTS 10000   /* page * per_page */
#define SD_MAX_PER_PAGE 100
#define SD_MAX_RADIUS_KM 100.0
#define SD_MAX_AGE 120
#define SD_MAX_BODY 16384      /* bytes of a POST body (hub decisions) */

struct sd_server {
    struct MHD_Daemon *mhd;
    struct sd_gate *gate; /* accept loop (gate.c) */
    int lfd;              /* listening socket, -1 when none */
    char *index_dir;
    char *static_root; /* realpath of web_dir/static, NULL when none */
    vocab *voc;
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
    atomic_bool open_failure_logged; /* say why once, not every second */
    atomic_bool schema_warned;       /* an old index: said once */
    /* Settings a reload may change (ops.c): public URL, trusted proxies,
     * access log; read under live_mu shared, swapped under it alone. */
    pthread_rwlock_t live_mu;
    bool live_made;
    struct sd_live *live;
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
} sd_req;

typedef enum MHD_Result (*sd_handler)(sd_req *r, const char *rest);

typedef struct sd_route {
    const char *path; /* exact path, or a prefix when prefix is true */
    bool prefix;
    sd_route_id id;
    sd_handler fn;
} sd_route;

/* Replies (each sets r->status and adds the security headers).  The JSON
 * reply takes ownership of j (a reference is stolen). */
enum MHD_Result sd_reply_json(sd_req *r, unsigned status, json_t *j);
enum MHD_Result sd_reply_error(sd_req *r, unsigned status, const char *code,
                               const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
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

/* The accept loop in front of MHD (gate.c): accepts on lfd, answers
 * oversized request lines with a JSON 414 itself, hands the rest to MHD. */
int sd_gate_start(struct sd_server *s, int lfd, unsigned timeout_s, sp_err *err);
void sd_gate_stop(struct sd_server *s);

/* The calling worker's read-only index handle, opened lazily and reopened
 * at most every reopen_ms.  NULL (and a message in err) when the index
 * cannot be opened: callers answer 503.  force: reopen now. */
idx *sd_worker_index(struct sd_server *s, bool force, sp_err *err);

/* Handlers (api.c, files.c). */
enum MHD_Result sd_api_search(sd_req *r, const char *rest);
enum MHD_Result sd_api_service(sd_req *r, const char *rest);
enum MHD_Result sd_api_healthz(sd_req *r, const char *rest);
enum MHD_Result sd_api_metrics(sd_req *r, const char *rest);
enum MHD_Result sd_static(sd_req *r, const char *rest);
/* GET /api/v1/eligible (eligible.c; docs/eligibility.md). */
enum MHD_Result sd_api_eligible(sd_req *r, const char *rest);
/* The hub API (hub.c): GET reports, POST decisions (the only POST). */
enum MHD_Result sd_hub(sd_req *r, const char *rest);
bool sd_hub_accepts_post(const char *path);
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

/* ---- search parameters (params.c): no MHD, so tests can drive it ---- */

typedef struct sd_kv {
    const char *key, *value; /* value NULL for a bare "key" */
    size_t key_len, value_len;
} sd_kv;

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
} sd_search;

/* A search for the records of rec's duplicate cluster (rec among them),
 * most recently changed first, enough for max others (api.c). */
void sd_cluster_query(idx_query *q, const rec_service *rec, size_t max);

/* Does the search field take one value (status and the numbers)? */
bool sd_field_single(idx_field f);

/* Validate and translate the query parameters of /api/v1/search.  On
 * SP_EINVAL msg says which parameter is wrong and what is allowed.  The
 * result points into kv and the vocab: keep both alive while using it. */
int sd_search_parse(const vocab *v, const sd_kv *kv, size_t n, sd_search *out,
                    char *msg, size_t msg_size);

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
enum MHD_Result sd_reply_open_error(sd_req *r, unsigned status, const char *code,
                                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The request's query parameters (at most max) into out; SP_ELIMIT when
 * there are more. */
int sd_collect_args(sd_req *r, sd_kv *out, size_t max, size_t *n);
/* key=value&... of kv, percent-encoded (feeds_out.c); caller frees. */
char *sd_query_string(const sd_kv *kv, size_t n);
/* The OpenAPI 3.0 description of /oruk/ (a static string). */
const char *sd_oruk_openapi(void);

/* Strict number parsing for query parameters (params.c): a plain
 * non-negative integer of at most 9 digits (-1 otherwise), and a plain
 * decimal such as "2.5" (NAN otherwise: no signs, exponents or spellings
 * strtod would accept). */
long sd_parse_uint(const char *s, size_t len);
double sd_parse_decimal(const char *s, size_t len);

#endif
