/*
 * sd_auth.c - who may do what in searchd: the account behind a request (an
 * API token in "Authorization: Bearer", else the session cookie), the
 * checks a read for staff and a write must pass, cookies, rate limits and
 * the /metrics address ranges.  The accounts themselves live in auth.c;
 * docs/security.md says what is protected and why.
 *
 * A write by a browser is trusted only when three things agree: the
 * session cookie (SameSite=Strict, so other sites' pages do not send it),
 * the Origin (or Referer) naming this host, and the session's CSRF token
 * in the body or the X-CSRF-Token header.  A script uses a token instead,
 * which a browser never sends by itself, so it needs none of them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "reports.h"
#include "sd_int.h"

#define SESSION_COOKIE "sp_session"
#define LIMIT_PROBE 8

/* ---- start and stop ---- */

int sd_cidr_parse(const char *text, sd_cidr *c, sp_err *err)
{
    char buf[64];
    memset(c, 0, sizeof *c);
    if (!text || strlen(text) >= sizeof buf)
        return sp_fail(err, SP_EINVAL, "bad address range '%s': use ADDR/BITS", text ? text : "");
    snprintf(buf, sizeof buf, "%s", text);
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end = NULL;
        bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0)
            return sp_fail(err, SP_EINVAL, "bad prefix length in '%s'", text);
    }
    if (inet_pton(AF_INET, buf, c->addr) == 1) {
        c->family = AF_INET;
        if (bits < 0)
            bits = 32;
        if (bits > 32)
            return sp_fail(err, SP_EINVAL, "an IPv4 prefix is at most /32 ('%s')", text);
    } else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
        c->family = AF_INET6;
        if (bits < 0)
            bits = 128;
        if (bits > 128)
            return sp_fail(err, SP_EINVAL, "an IPv6 prefix is at most /128 ('%s')", text);
    } else {
        return sp_fail(err, SP_EINVAL,
                       "bad address range '%s': use ADDR/BITS, e.g. 10.0.0.0/8 or ::1", text);
    }
    c->bits = (unsigned)bits;
    return SP_OK;
}

int sd_check_range(const char *range, sp_err *err)
{
    sd_cidr c;
    return sd_cidr_parse(range, &c, err);
}

int sd_auth_start(struct sd_server *s, const sd_opts *o, const char *store_dir, sp_err *err)
{
    int rc = auth_open(store_dir, &s->accounts, err);
    if (rc == SP_OK)
        rc = rpt_open(store_dir, &s->reports, err);
    if (rc != SP_OK)
        return rc;
    s->hub_public = o->hub_public;
    s->secure_cookies = o->secure_cookies;
    s->write_limit = o->write_limit ? o->write_limit : 60;
    static const char *const loopback[] = {"127.0.0.0/8", "::1"};
    const char *const *nets = o->n_metrics_allow ? o->metrics_allow : loopback;
    size_t n = o->n_metrics_allow ? o->n_metrics_allow : 2;
    if (n > SD_MAX_CIDRS)
        return sp_fail(err, SP_EINVAL, "at most %d --metrics-allow ranges", SD_MAX_CIDRS);
    for (size_t i = 0; i < n; i++) {
        rc = sd_cidr_parse(nets[i], &s->metrics_allow[i], err);
        if (rc != SP_OK)
            return rc;
    }
    s->n_metrics_allow = n;
    s->limit_mu_made = pthread_mutex_init(&s->limit_mu, NULL) == 0;
    randombytes_buf(s->limit_key, sizeof s->limit_key);
    return s->limit_mu_made ? SP_OK : sp_fail(err, SP_ERROR, "cannot create a mutex");
}

void sd_auth_stop(struct sd_server *s)
{
    auth_close(s->accounts);
    s->accounts = NULL;
    rpt_close(s->reports);
    s->reports = NULL;
    if (s->limit_mu_made)
        pthread_mutex_destroy(&s->limit_mu);
    s->limit_mu_made = false;
}

/* ---- headers and cookies ---- */

void sd_add_header(sd_req *r, const char *name, const char *value)
{
    size_t max = sizeof r->extra / sizeof r->extra[0];
    if (r->n_extra >= max || strlen(value) >= sizeof r->extra[0].value)
        return;
    r->extra[r->n_extra].name = name;
    snprintf(r->extra[r->n_extra].value, sizeof r->extra[0].value, "%s", value);
    r->n_extra++;
}

const char *sd_cookie(sd_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* Behind a TLS proxy (X-Forwarded-Proto: https) or when told so. */
static bool https(sd_req *r)
{
    const char *p = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    return r->srv->secure_cookies || (p && !strcasecmp(p, "https"));
}

void sd_set_cookie(sd_req *r, const char *name, const char *value, long max_age)
{
    char c[192];
    snprintf(c, sizeof c, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s", name,
             max_age > 0 ? value : "", max_age > 0 ? max_age : 0L, https(r) ? "; Secure" : "");
    sd_add_header(r, "Set-Cookie", c);
}

void sd_client_addr(sd_req *r, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, a6->s6_addr + 12, out, (socklen_t)size);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)size);
    }
}

/* ---- who is asking ---- */

const auth_who *sd_auth_who(sd_req *r)
{
    if (r->who_known)
        return &r->who;
    r->who_known = true;
    memset(&r->who, 0, sizeof r->who);
    struct sd_server *s = r->srv;
    const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    if (authz) {
        /* A client that sent credentials gets them checked, never a quiet
         * fall back to its cookie. */
        if (strncasecmp(authz, "Bearer ", 7) != 0 ||
            auth_token_get(s->accounts, authz + 7, &r->who, NULL) != SP_OK) {
            memset(&r->who, 0, sizeof r->who);
            r->bad_token = true;
        }
        return &r->who;
    }
    const char *sid = sd_cookie(r, SESSION_COOKIE);
    if (sid && auth_session_get(s->accounts, sid, &r->who, NULL) == SP_OK) {
        snprintf(r->session, sizeof r->session, "%s", sid);
        /* Staff pages carry POST forms (sign out, decisions): their Origin
         * must reach us, which Referrer-Policy: no-referrer would blank. */
        r->same_origin_referrer = true;
    } else {
        memset(&r->who, 0, sizeof r->who);
    }
    return &r->who;
}

static enum MHD_Result reply_unauthorized(sd_req *r)
{
    sd_add_header(r, "WWW-Authenticate", "Bearer realm=\"signpost\"");
    if (r->bad_token)
        return sd_reply_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_token",
                              "the API token is unknown or revoked; ask an admin for a new "
                              "one (signpost token add)");
    return sd_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                          "sign in at /login or send an API token (Authorization: Bearer ...)");
}

bool sd_auth_read(sd_req *r, auth_role need, bool page, enum MHD_Result *ret)
{
    if (need == AUTH_VIEWER && r->srv->hub_public)
        return true;
    const auth_who *who = sd_auth_who(r);
    if (who->role >= need)
        return true;
    if (!who->name[0] && page && !r->bad_token) {
        char loc[160];
        snprintf(loc, sizeof loc, "/login?next=%s", r->path && !strcmp(r->path, "/hub") ? "/hub" : "/");
        *ret = sd_reply_see_other(r, loc);
    } else if (!who->name[0]) {
        *ret = reply_unauthorized(r);
    } else {
        *ret = sd_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
                              "this needs the %s role; '%s' is %s", auth_role_name(need),
                              who->name, auth_role_name(who->role));
    }
    return false;
}

/* ---- writes ---- */

/* "http://HOST[:PORT]..." names the Host header's host[:port]. */
static bool names_host(const char *url, const char *host)
{
    const char *p = NULL;
    if (!strncasecmp(url, "https://", 8))
        p = url + 8;
    else if (!strncasecmp(url, "http://", 7))
        p = url + 7;
    if (!p || !host || !*host)
        return false;
    size_t n = strlen(host);
    return !strncasecmp(p, host, n) && (p[n] == '\0' || p[n] == '/');
}

bool sd_same_origin(sd_req *r)
{
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (origin)
        return names_host(origin, host);
    const char *ref = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Referer");
    return ref && names_host(ref, host);
}

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)key;
    (void)value;
    (*(size_t *)cls)++;
    return MHD_YES;
}

/* One value of an application/x-www-form-urlencoded body, decoded into a
 * new string; NULL when absent. */
static char *form_value(const char *body, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == nlen && !strncmp(p, name, nlen)) {
            char *v = sp_strndup(eq + 1, (size_t)(stop - eq - 1));
            if (!v)
                return NULL;
            for (char *q = v; *q; q++)
                if (*q == '+')
                    *q = ' ';
            MHD_http_unescape(v);
            return v;
        }
        p = stop + 1;
    }
    return NULL;
}

char *sd_body_value(sd_req *r, const json_t *json, const char *name)
{
    if (json)
        return sp_strdup(json_string_value(json_object_get(json, name)));
    return r->body.len ? form_value(r->body.data, r->body.len, name) : NULL;
}

bool sd_auth_write(sd_req *r, auth_role need, sd_write *w)
{
    json_t **json = &w->body;
    bool *form = &w->form;
    enum MHD_Result *ret = &w->ret;
    w->who = NULL;
    *json = NULL;
    *form = false;
    const auth_who *who = sd_auth_who(r);
    if (!who->name[0]) {
        *ret = reply_unauthorized(r);
        return false;
    }
    bool by_session = !strcmp(who->via, "session");
    if (by_session && !sd_same_origin(r)) {
        *ret = sd_reply_error(r, MHD_HTTP_FORBIDDEN, "cross_origin",
                              "a signed-in write must come from this site's own pages "
                              "(Origin or Referer naming this host)");
        return false;
    }
    if (who->role < need) {
        *ret = sd_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
                              "this needs the %s role; '%s' is %s", auth_role_name(need),
                              who->name, auth_role_name(who->role));
        return false;
    }
    size_t nargs = 0;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, count_arg, &nargs);
    if (nargs) {
        *ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "fields_in_query",
                              "send the fields in the body (JSON or a form), not in the "
                              "query string");
        return false;
    }
    if (r->body_too_big) {
        *ret = sd_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                              "a body is at most %d bytes", SD_MAX_BODY);
        return false;
    }
    const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    size_t clen = ctype ? strcspn(ctype, "; \t") : 0;
    if (ctype && clen == 16 && !strncasecmp(ctype, "application/json", 16)) {
        *json = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
        if (!json_is_object(*json)) {
            json_decref(*json);
            *json = NULL;
            *ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_body",
                                  "the body must be a JSON object");
            return false;
        }
    } else if (ctype && clen == 33 && !strncasecmp(ctype, "application/x-www-form-urlencoded", 33)) {
        *form = true;
    } else {
        *ret = sd_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "send application/json or application/x-www-form-urlencoded");
        return false;
    }
    if (by_session) {
        char want[AUTH_SECRET_LEN + 1];
        auth_csrf(r->session, want);
        char *got = sd_body_value(r, *json, "csrf");
        const char *hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        bool ok = auth_equal(got ? got : hdr, want);
        free(got);
        if (!ok) {
            json_decref(*json);
            *json = NULL;
            *ret = sd_reply_error(r, MHD_HTTP_FORBIDDEN, "csrf",
                                  "the form's CSRF token is missing or stale; reload the page "
                                  "and try again");
            return false;
        }
    }
    unsigned wait = sd_limit_hit(r->srv, "write", who->name, r->srv->write_limit, 60);
    if (wait) {
        json_decref(*json);
        *json = NULL;
        *ret = sd_reply_limited(r, wait);
        return false;
    }
    w->who = who;
    return true;
}

enum MHD_Result sd_reply_write(sd_req *r, const sd_write *w, int rc, const char *back,
                               json_t *ok, const char *bad, const char *missing, const char *msg,
                               const char *unsaved)
{
    if (rc == SP_OK && w->form && !strcmp(w->who->via, "session") && !sd_wants_json(r)) {
        /* A dashboard button (a browser's form): back to the dashboard,
         * which says so.  A script's form gets JSON like any other. */
        json_decref(ok);
        return sd_reply_see_other(r, back);
    }
    if (rc == SP_OK)
        return sd_reply_json(r, MHD_HTTP_OK, ok);
    json_decref(ok);
    if (rc == SP_EINVAL)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, bad, "%s", msg);
    if (rc == SP_ENOTFOUND)
        return sd_reply_error(r, MHD_HTTP_NOT_FOUND, missing, "%s", msg);
    return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable", "%s", unsaved);
}

/* ---- rate limits ---- */

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

unsigned sd_limit_hit(struct sd_server *s, const char *kind, const char *key, unsigned max,
                      unsigned window_s)
{
    /* A keyed hash (SipHash): a client cannot choose keys that collide. */
    unsigned char h[crypto_shorthash_BYTES];
    size_t kl = strlen(kind), kk = strlen(key);
    unsigned char buf[256];
    size_t n = 0;
    memcpy(buf, kind, kl < 64 ? kl : 64);
    n = kl < 64 ? kl : 64;
    buf[n++] = 0;
    size_t take = kk < sizeof buf - n ? kk : sizeof buf - n;
    memcpy(buf + n, key, take);
    n += take;
    crypto_shorthash(h, buf, n, s->limit_key);
    uint64_t k;
    memcpy(&k, h, sizeof k);
    if (!k)
        k = 1;
    int64_t now = mono_s();
    unsigned wait = 0;
    pthread_mutex_lock(&s->limit_mu);
    size_t base = (size_t)(k % SD_LIMIT_SLOTS), pick = base;
    int64_t oldest = INT64_MAX;
    sd_limit_slot *slot = NULL;
    for (size_t i = 0; i < LIMIT_PROBE; i++) {
        sd_limit_slot *c = &s->limits[(base + i) % SD_LIMIT_SLOTS];
        if (c->key == k) {
            slot = c;
            break;
        }
        /* a free slot, or the one whose window started longest ago */
        int64_t age = c->key ? c->start : INT64_MIN;
        if (age < oldest) {
            oldest = age;
            pick = (base + i) % SD_LIMIT_SLOTS;
        }
    }
    if (!slot) {
        slot = &s->limits[pick];
        slot->key = k;
        slot->start = now;
        slot->count = 0;
    }
    if (now - slot->start >= (int64_t)window_s) {
        slot->start = now;
        slot->count = 0;
    }
    if (slot->count >= max)
        wait = (unsigned)(slot->start + window_s - now);
    else
        slot->count++;
    pthread_mutex_unlock(&s->limit_mu);
    return wait;
}

enum MHD_Result sd_reply_limited(sd_req *r, unsigned retry_after)
{
    char v[16];
    snprintf(v, sizeof v, "%u", retry_after ? retry_after : 1);
    sd_add_header(r, "Retry-After", v);
    return sd_reply_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                          "too many requests; try again in %u s", retry_after ? retry_after : 1);
}

enum MHD_Result sd_reply_see_other(sd_req *r, const char *location)
{
    sd_add_header(r, "Location", location);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    return sd_reply_response(r, MHD_HTTP_SEE_OTHER, resp, true);
}

/* ---- /metrics ---- */

static bool in_cidr(const sd_cidr *c, int family, const unsigned char *addr)
{
    if (c->family != family)
        return false;
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, addr, full) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

bool sd_cidr_match(const sd_cidr *nets, size_t n, const struct sockaddr *sa)
{
    int family = sa ? sa->sa_family : AF_UNSPEC;
    const unsigned char *addr;
    if (family == AF_INET) {
        addr = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        addr = a6->s6_addr;
        /* an IPv4 client on a dual-stack socket is matched as IPv4 */
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            family = AF_INET;
            addr += 12;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (in_cidr(&nets[i], family, addr))
            return true;
    return false;
}

bool sd_metrics_allowed(sd_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return ci && sd_cidr_match(r->srv->metrics_allow, r->srv->n_metrics_allow, ci->client_addr);
}
