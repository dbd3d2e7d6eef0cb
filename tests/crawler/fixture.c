/*
 * fixture.c - the crawler tests' web server: plays provider sites from a
 * directory tree and injects the faults real sites have, on 127.0.0.1 (or
 * another loopback address, --addr: 127.0.0.2, 127.0.0.3, ... play separate
 * hosts) at a random port (printed as the first line on stdout).
 *
 * usage: fixture ROOT [--robots-status CODE] [--addr 127.x.y.z]
 *
 * Files: ROOT/PATH (a directory serves its index.html).  A request with a
 * query string first looks for ROOT/PATH@QUERY (so a paged API is a set of
 * static files: services, services@page=2, ...), then, for a query
 * starting modified_after=, ROOT/PATH@modified_after, then ROOT/PATH.  A file
 * FILE.ctype beside FILE gives its Content-Type; otherwise the extension
 * decides.  "{host}" in a file is replaced by the request's Host header
 * (absolute URLs).  Every file has an ETag and a Last-Modified, and
 * If-None-Match / If-Modified-Since get a 304.
 *
 * Faults, by path:
 *   /__fault/slow/MS/PATH     wait MS milliseconds, then serve PATH
 *   /__fault/status/CODE      answer CODE with a short body
 *   /__fault/reset            close the connection without an answer
 *   /__fault/truncated        Content-Length 1000, then 100 bytes and close
 *   /__fault/loop/N           302 to /__fault/loop/N+1, forever
 *   /__fault/redirect/PORT/PATH  302 to http://127.0.0.1:PORT/PATH
 *   /__fault/huge             a 50 MB body (generated), with Content-Length
 *   /__fault/huge-chunked     the same without Content-Length
 *   /__fault/wrongtype/PATH   serve PATH as image/png
 *   /__fault/429/PATH         first request: 429 + Retry-After: 1; then PATH
 *   /__fault/503/PATH         first request: 503 + Retry-After: 1; then PATH
 *   /__fault/flaky/PATH       first request: 500; then PATH
 *   /robots.txt               ROOT/robots.txt, or --robots-status CODE
 * Introspection:
 *   /__stats   JSON: counts per request target, statuses, the request log in
 *              order (target, status, user agent, ms since start) and the
 *              most requests ever in flight at once
 *   /__reset   forget the stats
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUGE_BYTES (50u * 1024u * 1024u)
#define MAX_LOG 100000

static const char *root;
static int robots_status;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *counts;  /* target -> n */
static json_t *log_arr; /* [{target, status, ua, ms}] */
static json_t *seen;    /* fault targets answered once */
static int inflight, max_inflight;
static struct timespec t_start;
static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
    (void)sig;
    quit = 1;
}

static long ms_since_start(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t_start.tv_sec) * 1000 + (t.tv_nsec - t_start.tv_nsec) / 1000000;
}

static void note(const char *target, int status, const char *ua)
{
    pthread_mutex_lock(&mu);
    json_t *c = json_object_get(counts, target);
    json_object_set_new(counts, target, json_integer(c ? json_integer_value(c) + 1 : 1));
    if (json_array_size(log_arr) < MAX_LOG)
    {
        struct timespec w;
        clock_gettime(CLOCK_REALTIME, &w);
        json_int_t wall = (json_int_t)w.tv_sec * 1000 + w.tv_nsec / 1000000;
        json_array_append_new(log_arr, json_pack("{s:s,s:i,s:s,s:I,s:I}", "target", target,
                                                 "status", status, "ua", ua ? ua : "",
                                                 "ms", (json_int_t)ms_since_start(),
                                                 "wall_ms", wall));
    }
    pthread_mutex_unlock(&mu);
}

/* True the first time a fault target is seen. */
static int first_time(const char *target)
{
    pthread_mutex_lock(&mu);
    int first = json_object_get(seen, target) == NULL;
    if (first)
        json_object_set_new(seen, target, json_true());
    pthread_mutex_unlock(&mu);
    return first;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code, const char *type,
                                 const char *text, const char *h1, const char *v1)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                                             MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    if (h1)
        MHD_add_response_header(r, h1, v1);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *type_by_ext(const char *path, const char *body, size_t len)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        static const char *map[][2] = {
            {".json", "application/json"},      {".xml", "application/xml"},
            {".rss", "application/rss+xml"},    {".atom", "application/atom+xml"},
            {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
            {".csv", "text/csv"},               {".txt", "text/plain"},
            {".gz", "application/gzip"},
        };
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (!strcmp(dot, map[i][0]))
                return map[i][1];
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
        i++;
    if (i < len && (body[i] == '{' || body[i] == '['))
        return "application/json";
    if (i < len && body[i] == '<')
        return "text/html; charset=utf-8";
    return "text/plain";
}

static char *read_small(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Resolve a URL path (no query) to a regular file under root; NULL if none. */
static char *file_for(const char *path, const char *query)
{
    if (strstr(path, "..") || path[0] != '/')
        return NULL;
    char *p = NULL;
    struct stat st;
    if (query && *query) {
        if (asprintf(&p, "%s%s@%s", root, path, query) < 0)
            return NULL;
        if (!stat(p, &st) && S_ISREG(st.st_mode))
            return p;
        free(p);
        /* An API that honours modified_after: PATH@modified_after answers
         * every such query (whatever the date). */
        if (!strncmp(query, "modified_after=", 15)) {
            if (asprintf(&p, "%s%s@modified_after", root, path) < 0)
                return NULL;
            if (!stat(p, &st) && S_ISREG(st.st_mode))
                return p;
            free(p);
        }
    }
    if (asprintf(&p, "%s%s", root, path) < 0)
        return NULL;
    if (!stat(p, &st) && S_ISDIR(st.st_mode)) {
        /* A directory serves its index.json (an API) or index.html. */
        const char *sep = p[strlen(p) - 1] == '/' ? "" : "/";
        char *q = NULL;
        if (asprintf(&q, "%s%sindex.json", p, sep) < 0) {
            free(p);
            return NULL;
        }
        if (stat(q, &st) != 0) {
            free(q);
            if (asprintf(&q, "%s%sindex.html", p, sep) < 0) {
                free(p);
                return NULL;
            }
        }
        free(p);
        p = q;
    }
    if (!stat(p, &st) && S_ISREG(st.st_mode))
        return p;
    free(p);
    return NULL;
}

/* Replace each "{host}" in body with host (the request's Host header), so
 * static files can hold absolute URLs (text sitemaps must). */
static char *fill_host(char *body, size_t *len, const char *host)
{
    size_t hl = strlen(host), n = 0;
    for (const char *p = body; (p = memmem(p, *len - (size_t)(p - body), "{host}", 6)); p += 6)
        n++;
    char *out = malloc(*len + n * hl + 1);
    if (!out)
        return body;
    size_t o = 0;
    for (size_t i = 0; i < *len;) {
        if (*len - i >= 6 && !memcmp(body + i, "{host}", 6)) {
            memcpy(out + o, host, hl);
            o += hl;
            i += 6;
        } else {
            out[o++] = body[i++];
        }
    }
    free(body);
    *len = o;
    return out;
}

static enum MHD_Result serve_file(struct MHD_Connection *c, const char *target,
                                  const char *path, const char *query, const char *force_type,
                                  const char *ua)
{
    char *fp = file_for(path, query);
    if (!fp) {
        note(target, 404, ua);
        return send_text(c, 404, "text/plain", "not found\n", NULL, NULL);
    }
    struct stat st;
    stat(fp, &st);
    char etag[64], lm[64];
    snprintf(etag, sizeof etag, "\"%lld-%lld\"", (long long)st.st_size,
             (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
    struct tm tm;
    gmtime_r(&st.st_mtime, &tm);
    strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    int not_modified = 0;
    if (inm)
        not_modified = strstr(inm, etag) != NULL;
    else if (ims)
        not_modified = !strcmp(ims, lm);
    if (not_modified) {
        free(fp);
        note(target, 304, ua);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"",
                                                                 MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Last-Modified", lm);
        enum MHD_Result ret = MHD_queue_response(c, 304, r);
        MHD_destroy_response(r);
        return ret;
    }
    size_t len = 0;
    char *body = read_small(fp, &len);
    const char *hosthdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (body && hosthdr && memmem(body, len, "{host}", 6))
        body = fill_host(body, &len, hosthdr);
    char *ctype_path = NULL;
    char *ctype = NULL;
    size_t ctlen = 0;
    if (asprintf(&ctype_path, "%s.ctype", fp) >= 0) {
        ctype = read_small(ctype_path, &ctlen);
        free(ctype_path);
    }
    if (ctype) {
        while (ctlen && (ctype[ctlen - 1] == '\n' || ctype[ctlen - 1] == '\r'))
            ctlen--;
        char *t = realloc(ctype, ctlen + 1);
        ctype = t ? t : ctype;
        ctype[ctlen] = '\0';
    }
    const char *type = force_type ? force_type : ctype ? ctype : type_by_ext(fp, body ? body : "", len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body ? body : (void *)"",
                                                             body ? MHD_RESPMEM_MUST_FREE
                                                                  : MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", lm);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    note(target, 200, ua);
    free(ctype);
    free(fp);
    return ret;
}

static ssize_t huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (pos >= HUGE_BYTES)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = HUGE_BYTES - pos < max ? (size_t)(HUGE_BYTES - pos) : max;
    memset(buf, 'x', n);
    return (ssize_t)n;
}

static ssize_t truncated_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (pos >= 100)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = 100 - pos < max ? (size_t)(100 - pos) : max;
    memset(buf, '{', n);
    return (ssize_t)n;
}

static enum MHD_Result stats(struct MHD_Connection *c)
{
    pthread_mutex_lock(&mu);
    json_t *o = json_pack("{s:O,s:O,s:i}", "counts", counts, "log", log_arr,
                          "max_concurrent", max_inflight);
    char *s = json_dumps(o, JSON_COMPACT);
    pthread_mutex_unlock(&mu);
    json_decref(o);
    enum MHD_Result ret = send_text(c, 200, "application/json", s ? s : "{}", NULL, NULL);
    free(s);
    return ret;
}

struct qctx {
    char *buf;
    size_t cap, len;
};

static enum MHD_Result add_arg(void *cx, enum MHD_ValueKind k, const char *key,
                               const char *val)
{
    (void)k;
    struct qctx *q = cx;
    int n = snprintf(q->buf + q->len, q->cap - q->len, "%s%s%s%s", q->len ? "&" : "", key,
                     val ? "=" : "", val ? val : "");
    if (n > 0 && (size_t)n < q->cap - q->len)
        q->len += (size_t)n;
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*state) {
        /* First call for this request: count it in flight until completed. */
        *state = (void *)1;
        pthread_mutex_lock(&mu);
        inflight++;
        if (inflight > max_inflight)
            max_inflight = inflight;
        pthread_mutex_unlock(&mu);
        /* Answer on the next call, once the request is fully read: an answer
         * queued now would make libmicrohttpd close the connection. */
        return MHD_YES;
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return send_text(c, 405, "text/plain", "GET only\n", NULL, NULL);
    const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    /* libmicrohttpd hands over the path decoded and the arguments one by
     * one: join them back into a query string. */
    char query[2048] = "";
    struct qctx qc = {query, sizeof query, 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &qc);
    char target[4096];
    snprintf(target, sizeof target, "%s%s%s", url, query[0] ? "?" : "", query);

    if (!strcmp(url, "/__stats"))
        return stats(c);
    if (!strcmp(url, "/__reset")) {
        pthread_mutex_lock(&mu);
        json_object_clear(counts);
        json_array_clear(log_arr);
        json_object_clear(seen);
        max_inflight = inflight;
        pthread_mutex_unlock(&mu);
        return send_text(c, 200, "text/plain", "ok\n", NULL, NULL);
    }
    if (!strcmp(url, "/robots.txt") && robots_status) {
        note(target, robots_status, ua);
        return send_text(c, (unsigned)robots_status, "text/plain", "robots unavailable\n",
                         NULL, NULL);
    }
    if (strncmp(url, "/__fault/", 9))
        return serve_file(c, target, url, query, NULL, ua);

    const char *f = url + 9;
    if (!strncmp(f, "slow/", 5)) {
        char *rest;
        long ms = strtol(f + 5, &rest, 10);
        if (ms > 0 && ms < 600000)
            usleep((useconds_t)ms * 1000);
        return serve_file(c, target, *rest ? rest : "/", query, NULL, ua);
    }
    if (!strncmp(f, "status/", 7)) {
        int code = atoi(f + 7);
        if (code < 100 || code > 599)
            code = 500;
        note(target, code, ua);
        return send_text(c, (unsigned)code, "text/plain", "injected status\n", NULL, NULL);
    }
    if (!strcmp(f, "reset")) {
        note(target, 0, ua);
        return MHD_NO; /* libmicrohttpd closes the connection */
    }
    if (!strcmp(f, "truncated")) {
        note(target, 200, ua);
        struct MHD_Response *r = MHD_create_response_from_callback(1000, 100, truncated_reader,
                                                                   NULL, NULL);
        MHD_add_response_header(r, "Content-Type", "application/json");
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (!strncmp(f, "loop/", 5)) {
        char loc[64];
        snprintf(loc, sizeof loc, "/__fault/loop/%ld", strtol(f + 5, NULL, 10) + 1);
        note(target, 302, ua);
        return send_text(c, 302, "text/plain", "again\n", "Location", loc);
    }
    if (!strncmp(f, "redirect/", 9)) {
        /* /__fault/redirect/PORT/PATH: 302 to the same path on another port
         * (another host, as far as robots.txt and politeness go). */
        char *rest;
        long port = strtol(f + 9, &rest, 10);
        char loc[2048];
        snprintf(loc, sizeof loc, "http://127.0.0.1:%ld%s", port, rest);
        note(target, 302, ua);
        return send_text(c, 302, "text/plain", "moved\n", "Location", loc);
    }
    if (!strcmp(f, "huge") || !strcmp(f, "huge-chunked")) {
        note(target, 200, ua);
        struct MHD_Response *r = MHD_create_response_from_callback(
            strcmp(f, "huge") ? MHD_SIZE_UNKNOWN : HUGE_BYTES, 64 * 1024, huge_reader, NULL,
            NULL);
        MHD_add_response_header(r, "Content-Type", "text/html");
        enum MHD_Result ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (!strncmp(f, "wrongtype/", 10))
        return serve_file(c, target, f + 9, query, "image/png", ua);
    if (!strncmp(f, "429/", 4) || !strncmp(f, "503/", 4) || !strncmp(f, "flaky/", 6)) {
        int flaky = f[0] == 'f';
        const char *rest = flaky ? f + 5 : f + 3;
        if (first_time(target)) {
            int code = flaky ? 500 : atoi(f);
            note(target, code, ua);
            return send_text(c, (unsigned)code, "text/plain", "try later\n",
                             flaky ? NULL : "Retry-After", "1");
        }
        return serve_file(c, target, rest, query, NULL, ua);
    }
    note(target, 404, ua);
    return send_text(c, 404, "text/plain", "no such fault\n", NULL, NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    if (*state) {
        pthread_mutex_lock(&mu);
        inflight--;
        pthread_mutex_unlock(&mu);
        *state = NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fixture ROOT [--robots-status CODE] [--addr 127.x.y.z]\n");
        return 2;
    }
    root = argv[1];
    struct in_addr bind_addr = {htonl(INADDR_LOOPBACK)};
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--robots-status") && i + 1 < argc) {
            robots_status = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--addr") && i + 1 < argc) {
            /* Loopback only: tests never listen anywhere else. */
            if (inet_pton(AF_INET, argv[++i], &bind_addr) != 1 ||
                (ntohl(bind_addr.s_addr) >> 24) != 127) {
                fprintf(stderr, "fixture: --addr takes a 127.0.0.0/8 address\n");
                return 2;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t_start);
    counts = json_object();
    log_arr = json_array();
    seen = json_object();
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr = bind_addr;
    addr.sin_port = 0;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
        0, NULL, NULL, handle, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "fixture: cannot start the server on %s\n", inet_ntoa(bind_addr));
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("%u\n", info ? (unsigned)info->port : 0u);
    fflush(stdout);
    while (!quit)
        pause();
    MHD_stop_daemon(d);
    json_decref(counts);
    json_decref(log_arr);
    json_decref(seen);
    return 0;
}
