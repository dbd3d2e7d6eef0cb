/*
 * ops.c - what an operator tunes while searchd runs (docs/operations.md):
 * the settings a reload (SIGHUP) may change without dropping a connection
 * (public base URL, trusted proxies, access log format), the absolute base
 * URL every link to ourselves is built from, and the access log line.
 *
 * The live settings sit behind a read-write lock: requests take it shared
 * for the few microseconds they read them, sd_reconfigure takes it alone to
 * swap in a new set.  Forwarded / X-Forwarded-* headers are believed only
 * from a peer inside one of the trusted_proxies networks: anyone else could
 * otherwise make our feeds point at a host of their choosing.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "sd_int.h"

#define MAX_PROXIES 64
#define MAX_HOST 255

struct sd_live {
    char *public_url; /* scheme://host[:port][/path], no trailing '/'; or NULL */
    sd_cidr nets[MAX_PROXIES];
    size_t n_nets;
    bool access_log;
    bool log_json;
};

/* ---- parsing (also used by `signpost config check` via sd_check_opts) ---- */

/* One entry of trusted_proxies: the range syntax of --metrics-allow. */
static int parse_net(const char *s, size_t len, sd_cidr *out, sp_err *err)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return sp_fail(err, SP_EINVAL, "trusted_proxies: '%.*s' is not an address or a CIDR",
                       (int)(len < 60 ? len : 60), s);
    memcpy(buf, s, len);
    buf[len] = '\0';
    sp_err e = {0};
    int rc = sd_cidr_parse(buf, out, &e);
    return rc == SP_OK ? SP_OK : sp_fail(err, rc, "trusted_proxies: %s", e.msg);
}

/* "127.0.0.1, 10.0.0.0/8 ::1": commas and/or spaces between entries. */
static int parse_nets(const char *list, sd_cidr *nets, size_t *n, sp_err *err)
{
    *n = 0;
    for (const char *p = list ? list : ""; *p;) {
        p += strspn(p, ", \t");
        size_t len = strcspn(p, ", \t");
        if (!len)
            break;
        if (*n == MAX_PROXIES)
            return sp_fail(err, SP_ELIMIT, "trusted_proxies: more than %d entries",
                           MAX_PROXIES);
        int rc = parse_net(p, len, &nets[*n], err);
        if (rc != SP_OK)
            return rc;
        (*n)++;
        p += len;
    }
    return SP_OK;
}

/* An absolute http(s) URL with a host and no query, fragment or user; the
 * result has no trailing '/'. */
static int parse_public_url(const char *s, char **out, sp_err *err)
{
    *out = NULL;
    if (!s || !*s)
        return SP_OK;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL, *user = NULL;
    int rc = SP_OK;
    if (!u)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        rc = sp_fail(err, SP_EINVAL, "public_url '%s' is not an absolute URL", s);
    else if (strcmp(scheme, "https") && strcmp(scheme, "http"))
        rc = sp_fail(err, SP_EINVAL, "public_url '%s' must start with https:// or http://", s);
    else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
        rc = sp_fail(err, SP_EINVAL,
                     "public_url '%s' must not have a query, a fragment or a user name", s);
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(frag);
    curl_free(user);
    char *url = NULL;
    if (rc == SP_OK && curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        rc = sp_fail(err, SP_EINVAL, "public_url '%s' is not an absolute URL", s);
    curl_url_cleanup(u);
    if (rc != SP_OK)
        return rc;
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        len--;
    *out = sp_strndup(url, len);
    curl_free(url);
    return *out ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
}

static void live_free(struct sd_live *l)
{
    if (l) {
        free(l->public_url);
        free(l);
    }
}

static struct sd_live *live_make(const sd_opts *o, sp_err *err)
{
    struct sd_live *l = calloc(1, sizeof *l);
    if (!l) {
        sp_fail(err, SP_ENOMEM, "out of memory");
        return NULL;
    }
    if (parse_public_url(o->public_url, &l->public_url, err) != SP_OK ||
        parse_nets(o->trusted_proxies, l->nets, &l->n_nets, err) != SP_OK) {
        live_free(l);
        return NULL;
    }
    l->access_log = o->access_log;
    l->log_json = o->log_json;
    return l;
}

int sd_check_opts(const sd_opts *o, sp_err *err)
{
    struct sd_live *l = live_make(o, err);
    live_free(l);
    return l ? SP_OK : err ? err->code : SP_EINVAL;
}

int sd_live_init(struct sd_server *s, const sd_opts *o, sp_err *err)
{
    if (pthread_rwlock_init(&s->live_mu, NULL) != 0)
        return sp_fail(err, SP_ERROR, "cannot create a lock");
    s->live_made = true;
    s->live = live_make(o, err);
    return s->live ? SP_OK : err ? err->code : SP_EINVAL;
}

void sd_live_free(struct sd_server *s)
{
    live_free(s->live);
    s->live = NULL;
    if (s->live_made)
        pthread_rwlock_destroy(&s->live_mu);
    s->live_made = false;
}

int sd_reconfigure(sd_server *s, const sd_opts *o, sp_err *err)
{
    struct sd_live *l = live_make(o, err);
    if (!l)
        return err ? err->code : SP_EINVAL;
    pthread_rwlock_wrlock(&s->live_mu);
    struct sd_live *old = s->live;
    s->live = l;
    pthread_rwlock_unlock(&s->live_mu);
    live_free(old);
    return SP_OK;
}

/* ---- the base URL ---- */

static bool peer_trusted(sd_req *r, const struct sd_live *l)
{
    if (!l->n_nets)
        return false;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return false;
    return sd_cidr_match(l->nets, l->n_nets, ci->client_addr);
}

/* A host[:port] we are willing to put in a URL: name characters only. */
static bool host_ok(const char *h, size_t n)
{
    if (!h || n == 0 || n > MAX_HOST)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && !strchr(".-:[]", h[i]))
            return false;
    return true;
}

/* The last element of a comma-separated header (the one the nearest proxy,
 * the trusted one, added), quotes respected; trimmed. */
static const char *last_element(const char *v, size_t *len)
{
    const char *start = v;
    bool quoted = false;
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            start = p + 1;
    }
    while (*start == ' ' || *start == '\t')
        start++;
    size_t n = strlen(start);
    while (n && (start[n - 1] == ' ' || start[n - 1] == '\t'))
        n--;
    *len = n;
    return start;
}

/* proto= and host= of one Forwarded element (RFC 7239), into buffers. */
static void forwarded_pairs(const char *e, size_t n, char *proto, char *host)
{
    size_t i = 0;
    while (i < n) {
        size_t klen = 0;
        while (i + klen < n && e[i + klen] != '=' && e[i + klen] != ';')
            klen++;
        const char *key = e + i;
        i += klen;
        char val[MAX_HOST + 1];
        size_t vlen = 0;
        if (i < n && e[i] == '=') {
            i++;
            bool q = i < n && e[i] == '"';
            if (q)
                i++;
            while (i < n && (q ? e[i] != '"' : e[i] != ';')) {
                if (vlen < MAX_HOST)
                    val[vlen++] = e[i];
                i++;
            }
            if (q && i < n)
                i++;
        }
        val[vlen] = '\0';
        while (klen && key[0] == ' ')
            key++, klen--;
        if (klen == 5 && !strncasecmp(key, "proto", 5))
            snprintf(proto, 8, "%s", val);
        else if (klen == 4 && !strncasecmp(key, "host", 4))
            snprintf(host, MAX_HOST + 1, "%s", val);
        while (i < n && e[i] != ';')
            i++;
        if (i < n)
            i++;
    }
}

char *sd_base_url(sd_req *r)
{
    struct sd_server *s = r->srv;
    pthread_rwlock_rdlock(&s->live_mu);
    const struct sd_live *l = s->live;
    char *out = NULL;
    if (l->public_url) {
        out = sp_strdup(l->public_url);
        pthread_rwlock_unlock(&s->live_mu);
        return out;
    }
    char proto[8] = "", fhost[MAX_HOST + 1] = "";
    if (peer_trusted(r, l)) {
        const char *fw = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Forwarded");
        const char *xp = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
        const char *xh = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Host");
        size_t n;
        if (fw && strlen(fw) < 4096) {
            const char *e = last_element(fw, &n);
            forwarded_pairs(e, n, proto, fhost);
        }
        if (!proto[0] && xp) {
            const char *e = last_element(xp, &n);
            snprintf(proto, sizeof proto, "%.*s", (int)(n < 7 ? n : 7), e);
        }
        if (!fhost[0] && xh) {
            const char *e = last_element(xh, &n);
            if (n <= MAX_HOST)
                snprintf(fhost, sizeof fhost, "%.*s", (int)n, e);
        }
    }
    pthread_rwlock_unlock(&s->live_mu);
    const char *scheme = !strcasecmp(proto, "https") ? "https" : "http";
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
    if (fhost[0] && host_ok(fhost, strlen(fhost)))
        host = fhost;
    if (host && host_ok(host, strlen(host)))
        return sp_printf("%s://%s", scheme, host);
    return sp_printf("%s://127.0.0.1:%u", scheme, (unsigned)s->port);
}

/* ---- CORS preflight ---- */

/* The open-data routes are public and read-only: any origin may read them
 * (Access-Control-Allow-Origin: * on every answer, oruk.c), and a browser
 * that asks first (OPTIONS, e.g. for an If-None-Match header) is told so.
 * No credentials are ever involved. */
enum MHD_Result sd_reply_preflight(sd_req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    const char *want = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                   "Access-Control-Request-Headers");
    /* Request headers are harmless on a read-only API: allow the ones a
     * client names (if they are plain header names), else the usual ones. */
    bool plain = want && strlen(want) < 512;
    for (const char *p = want; plain && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_, ", *p))
            plain = false;
    MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                            plain && *want ? want
                                           : "Accept, Accept-Language, If-None-Match, "
                                             "If-Modified-Since");
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", "ETag, Link");
    MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
    r->bytes = 0;
    return sd_reply_response(r, MHD_HTTP_NO_CONTENT, resp, false);
}

/* ---- the access log ---- */

/* Format (docs/operations.md), one line per answered request:
 *   text: 2026-12-06T02:30:00.123Z GET /oruk/services 200 5120 1.8ms
 *   json: {"time":"...","method":"GET","path":"/oruk/services","status":200,
 *          "bytes":5120,"ms":1.8}
 * bytes is the body as sent (compressed when it was), "-" / null when not
 * known (files sent straight from disk).  The path is percent-decoded,
 * clipped at 160 bytes and printable ASCII only; the query string, which
 * may hold a person's age or postcode, is never written. */
static void printable(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = in ? in : "-"; *p && n < size - 1; p++)
        out[n++] = (*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p : '?';
    out[n] = '\0';
}

void sd_access_log(const sd_req *r, double secs)
{
    struct sd_server *s = r->srv;
    pthread_rwlock_rdlock(&s->live_mu);
    bool on = s->live->access_log, json = s->live->log_json;
    pthread_rwlock_unlock(&s->live_mu);
    if (!on)
        return;
    char path[161], method[17];
    printable(r->path, path, sizeof path);
    printable(r->method, method, sizeof method);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000);
    char bytes[24] = "-";
    if (r->bytes >= 0)
        snprintf(bytes, sizeof bytes, "%lld", r->bytes);
    if (json)
        fprintf(stderr,
                "{\"time\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%u,"
                "\"bytes\":%s,\"ms\":%.1f}\n",
                when, method, path, r->status, r->bytes >= 0 ? bytes : "null", secs * 1000.0);
    else
        fprintf(stderr, "%s %s %s %u %s %.1fms\n", when, method, path, r->status, bytes,
                secs * 1000.0);
}

void sd_access_log_refused(struct sd_server *s, unsigned status, long long bytes)
{
    sd_req fake = {.srv = s, .method = "-", .path = "-", .status = status, .bytes = bytes};
    sd_access_log(&fake, 0.0);
}
