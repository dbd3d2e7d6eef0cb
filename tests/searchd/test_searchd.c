/*
 * test_searchd.c - searchd end to end: builds an index from fixtures.tsv
 * with idx_put in a temporary store, starts the daemon in-process with
 * sd_start on 127.0.0.1 port 0 (sd_port tells the bound port), and talks
 * HTTP to it with libcurl (and a raw socket for a 10 MB request line).
 *
 * One executable, one scenario per first argument (each its own meson test):
 *   api SRCDIR          searches (search_cases.tsv), facet invariant, bad
 *                       parameters (bad_params.tsv), records by id, 404/405,
 *                       headers, healthz, metrics, oversized requests
 *   static SRCDIR       /static files and path traversal attempts
 *   reopen SRCDIR       503 before the index exists; records indexed while
 *                       the daemon runs are found with no restart
 *   concurrency SRCDIR  several threads searching at once; prints latencies
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "idx.h"
#include "rec.h"
#include "sd.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"

/* LeakSanitizer: Xapian 1.4's QueryParser leaks the parser's internal
 * nodes when an exception (here DatabaseModifiedError, raised while the
 * spelling table is read as the writer commits) unwinds through
 * parse_query.  searchd catches it and retries on a fresh snapshot (the
 * concurrency scenario provokes exactly that); the leak is inside Xapian,
 * so only that frame is suppressed. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:Xapian::QueryParser::Internal::parse_query\n";
}

static const char *srcdir;


/* ---- temporary store ---- */

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup_tmp(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tmp(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/searchd-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(cleanup_tmp);
}

/* ---- fixtures ---- */

static void fixture_id(int n, char out[37])
{
    unsigned d = (unsigned)n % 10u; /* fixtures are numbered 1..9 */
    snprintf(out, 37, "%08u-%04u-4%03u-8%03u-%012u", d * 11111111u, d * 1111u, d * 111u,
             d * 111u, d);
}

static void add_list(rec_tags *t, const char *list)
{
    if (!strcmp(list, "-"))
        return;
    char *copy = strdup(list);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        rec_tags_add(t, tok, "fixture", tok, 1.0);
    free(copy);
}

/* Parse one fixtures.tsv line into r; returns the fixture number or -1. */
static int fixture_parse(char *line, rec_service *r)
{
    char *f[16];
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, "\t\n", &save); tok && n < 16;
         tok = strtok_r(NULL, "\t\n", &save))
        f[n++] = tok;
    if (n != 16)
        return -1;
    int num = atoi(f[0]);
    char id[37];
    fixture_id(num, id);
    rec_service_init(r);
    r->id = strdup(id);
    r->name = strdup(f[1]);
    r->organization.name = strdup(f[2]);
    r->description = strdup(f[3]);
    r->status = strdup("active");
    r->url = sp_printf("https://example.org/services/%d", num);
    add_list(&r->boroughs, f[4]);
    add_list(&r->subregions, f[5]);
    add_list(&r->groups, f[6]);
    add_list(&r->categories, f[7]);
    add_list(&r->modes, f[8]);
    add_list(&r->costs, f[9]);
    add_list(&r->referrals, f[10]);
    add_list(&r->langs, f[11]);
    r->minimum_age = strcmp(f[12], "-") ? atof(f[12]) : -1;
    r->maximum_age = strcmp(f[13], "-") ? atof(f[13]) : -1;
    if (strcmp(f[14], "-")) {
        r->locations = calloc(1, sizeof *r->locations);
        r->n_locations = 1;
        r->locations[0].name = sp_printf("%s venue", f[1]);
        sscanf(f[14], "%lf,%lf", &r->locations[0].latitude, &r->locations[0].longitude);
        r->locations[0].has_coords = true;
    }
    r->prov.source_id = strdup("file");
    r->prov.last_changed = sp_time_parse(f[15]);
    r->prov.first_seen = r->prov.last_seen = r->prov.last_changed;
    return num;
}

static int n_fixtures;

static void build_index(const char *index_dir, idx **keep_writer)
{
    t_lines l = t_lines_open("%s/tests/searchd/fixtures.tsv", srcdir);
    idx *w = NULL;
    sp_err err;
    if (idx_open_write(index_dir, &w, &err) != SP_OK) {
        fprintf(stderr, "idx_open_write: %s\n", err.msg);
        exit(1);
    }
    idx_begin(w, &err);
    n_fixtures = 0;
    while (t_line(&l)) {
        rec_service r;
        if (fixture_parse(l.line, &r) < 0) {
            fprintf(stderr, "bad fixture line\n");
            exit(1);
        }
        if (idx_put(w, &r, &err) != SP_OK) {
            fprintf(stderr, "idx_put: %s\n", err.msg);
            exit(1);
        }
        rec_service_free(&r);
        n_fixtures++;
    }
    if (idx_commit(w, &err) != SP_OK) {
        fprintf(stderr, "idx_commit: %s\n", err.msg);
        exit(1);
    }
    if (keep_writer)
        *keep_writer = w;
    else
        idx_close(w);
}

/* ---- the daemon ---- */

static sd_server *srv;
static char base_url[64];

static void start_server(void)
{
    sd_opts o = {0};
    o.store_dir = tmpdir;
    o.listen = "127.0.0.1:0";
    char web[300];
    snprintf(web, sizeof web, "%s/web", tmpdir);
    o.web_dir = web;
    o.data_dir = getenv("SIGNPOST_DATA");
    o.threads = 4;
    sp_err err;
    sp_err_clear(&err);
    if (sd_start(&o, &srv, &err) != SP_OK) {
        fprintf(stderr, "sd_start: %s\n", err.msg);
        exit(1);
    }
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)sd_port(srv));
}

/* ---- HTTP client ---- */

typedef struct response {
    long status;
    sp_buf body, headers;
} response;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    sp_buf_append(ud, p, size * n);
    return size * n;
}

static void response_free(response *r)
{
    sp_buf_free(&r->body);
    sp_buf_free(&r->headers);
}

/* GET (or method) base_url + target, target sent as is (no ../ folding). */
static int http(const char *method, const char *target, response *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    char *url = sp_printf("%s%s", base_url, target);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (method && !strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (method && !strcmp(method, "GETBODY")) { /* a GET with a body */
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "GET");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "q=jobs");
    } else if (method) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (!strcmp(method, "POST"))
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "q=jobs");
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(c);
    free(url);
    if (sp_buf_error(&out->body) != SP_OK || sp_buf_error(&out->headers) != SP_OK)
        return -1;
    return rc == CURLE_OK ? 0 : -1;
}

static json_t *get_json(const char *target, long *status)
{
    response r;
    json_t *j = NULL;
    *status = 0;
    if (http(NULL, target, &r) == 0) {
        *status = r.status;
        j = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
    }
    response_free(&r);
    return j;
}

static bool header_has(const response *r, const char *needle)
{
    return r->headers.data && strcasestr(r->headers.data, needle) != NULL;
}

/* ---- t_checks over searches ---- */

/* "1,4,7" -> bitmask of fixture numbers. */
static unsigned mask_of_list(const char *list)
{
    unsigned m = 0;
    if (!strcmp(list, "-"))
        return 0;
    for (const char *p = list; *p;) {
        m |= 1u << atoi(p);
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    return m;
}

static int fixture_num(const char *id)
{
    for (int n = 1; n < 32; n++) {
        char want[37];
        fixture_id(n, want);
        if (id && !strcmp(id, want))
            return n;
    }
    return -1;
}

static void check_search_cases(void)
{
    t_lines l = t_lines_open("%s/tests/searchd/search_cases.tsv", srcdir);
    char *f[2];
    while (t_row(&l, f, 2)) {
        char *line = f[0];
        unsigned want = mask_of_list(f[1]);
        /* all results: ask for enough on one page, unless the case pages */
        char *target = strstr(line, "per_page=")
                           ? sp_printf("/api/v1/search?%s", line)
                           : sp_printf("/api/v1/search?%s%sper_page=100", line, *line ? "&" : "");
        long st;
        json_t *j = get_json(target, &st);
        CHECK(st == 200 && j, "%s: status %ld", target, st);
        if (j) {
            unsigned got = 0;
            size_t i;
            json_t *h;
            json_array_foreach(json_object_get(j, "results"), i, h)
            {
                int n = fixture_num(json_string_value(json_object_get(h, "id")));
                got |= n > 0 ? 1u << n : 1u;
            }
            size_t total = (size_t)json_integer_value(json_object_get(j, "total"));
            size_t want_n = (size_t)__builtin_popcount(want);
            CHECK(total == want_n, "%s: total %zu, want %zu", target, total, want_n);
            if (!strstr(line, "page=2"))
                CHECK(got == want, "%s: got set %#x, want %#x", target, got, want);
            else
                CHECK(json_array_size(json_object_get(j, "results")) == 2,
                      "%s: page 2 of 5 should have 2 of 7", target);
            CHECK(json_is_true(json_object_get(j, "exhaustive")) ||
                      json_is_false(json_object_get(j, "exhaustive")),
                  "%s: exhaustive missing", target);
            CHECK(json_is_object(json_object_get(j, "facets")), "%s: facets missing", target);
            CHECK(json_is_object(json_object_get(j, "query")), "%s: query echo missing", target);
        }
        json_decref(j);
        free(target);
    }
}

static const char *const facet_fields[] = {"borough", "subregion", "group", "category",
                                           "mode",    "cost",      "referral", "language"};

/* Does the query string qs carry field=...?  Returns a copy with every
 * field=... removed (caller frees) in *without. */
static bool strip_field(const char *qs, const char *field, char **without)
{
    sp_buf b = {0};
    bool had = false;
    size_t flen = strlen(field);
    const char *p = qs;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > flen && !strncmp(p, field, flen) && p[flen] == '=')
            had = true;
        else if (n) {
            if (b.len)
                sp_buf_puts(&b, "&");
            sp_buf_append(&b, p, n);
        }
        p += n;
        if (*p == '&')
            p++;
    }
    *without = sp_buf_steal(&b);
    if (!*without)
        *without = strdup("");
    return had;
}

/* For every facet value returned by search qs: its count equals the total
 * of the same search with that value as the field's filter (added when the
 * field had no filter; replacing the field's filter otherwise, because
 * counts of an already filtered field show what each other value would
 * give). */
static void check_facet_invariant(const char *qs)
{
    char *target = sp_printf("/api/v1/search?%s", qs);
    long st;
    json_t *j = get_json(target, &st);
    CHECK(st == 200 && j, "%s: status %ld", target, st);
    json_t *facets = json_object_get(j, "facets");
    for (size_t f = 0; f < sizeof facet_fields / sizeof facet_fields[0]; f++) {
        json_t *vals = json_object_get(facets, facet_fields[f]);
        CHECK(json_is_array(vals), "%s: facet %s missing", target, facet_fields[f]);
        char *rest = NULL;
        bool filtered = strip_field(qs, facet_fields[f], &rest);
        size_t i;
        json_t *v;
        json_array_foreach(vals, i, v)
        {
            const char *value = json_string_value(json_object_get(v, "value"));
            json_int_t count = json_integer_value(json_object_get(v, "count"));
            CHECK(value && json_is_string(json_object_get(v, "label")),
                  "%s: facet value without value/label", target);
            if (!value)
                continue;
            char *t2 = sp_printf("/api/v1/search?%s%s%s=%s&per_page=1", rest, *rest ? "&" : "",
                                 facet_fields[f], value);
            long st2;
            json_t *j2 = get_json(t2, &st2);
            json_int_t total = json_integer_value(json_object_get(j2, "total"));
            CHECK(st2 == 200 && total == count,
                  "facet invariant: search '%s' says %s=%s has %lld, but %s gives %lld (%s)", qs,
                  facet_fields[f], value, (long long)count, t2, (long long)total,
                  filtered ? "field filtered" : "field not filtered");
            json_decref(j2);
            free(t2);
        }
        free(rest);
    }
    json_decref(j);
    free(target);
}

static void check_bad_params(void)
{
    t_lines l = t_lines_open("%s/tests/searchd/bad_params.tsv", srcdir);
    int n = 0;
    char *f[2];
    while (t_row(&l, f, 2)) {
        char *target = sp_printf("/api/v1/search?%s", f[0]);
        response r;
        int rc = http(NULL, target, &r);
        json_t *j = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
        const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
        const char *msg =
            json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        CHECK(rc == 0 && r.status == 400, "%s: status %ld, want 400", target, r.status);
        CHECK(code && !strcmp(code, "bad_parameter"), "%s: error code %s", target,
              code ? code : "(none)");
        CHECK(msg && strstr(msg, f[1]), "%s: message '%s' does not mention '%s'", target,
              msg ? msg : "(none)", f[1]);
        CHECK(header_has(&r, "application/json"), "%s: not JSON", target);
        json_decref(j);
        response_free(&r);
        free(target);
        n++;
    }
    CHECK(n >= 40, "bad_params.tsv has only %d cases", n);

    /* Lengths are easier made than written down. */
    sp_buf b = {0};
    sp_buf_puts(&b, "/api/v1/search?q=");
    for (int i = 0; i < 1001; i++)
        sp_buf_puts(&b, "a");
    long st;
    json_t *j = get_json(sp_buf_cstr(&b), &st);
    CHECK(st == 400, "q of 1001 bytes: status %ld", st);
    json_decref(j);
    sp_buf_free(&b);
    sp_buf_puts(&b, "/api/v1/search?q=");
    for (int i = 0; i < 500; i++)
        sp_buf_puts(&b, "%C3%A9"); /* 1000 bytes of é: allowed */
    j = get_json(sp_buf_cstr(&b), &st);
    CHECK(st == 200, "q of exactly 1000 bytes: status %ld", st);
    json_decref(j);
    sp_buf_free(&b);
    sp_buf_puts(&b, "/api/v1/search?");
    for (int i = 0; i < 70; i++)
        sp_buf_printf(&b, "%sborough=hackney", i ? "&" : "");
    j = get_json(sp_buf_cstr(&b), &st);
    CHECK(st == 400, "70 parameters: status %ld", st);
    json_decref(j);
    sp_buf_free(&b);

    /* and the daemon still serves */
    j = get_json("/api/v1/search?q=bricklaying", &st);
    CHECK(st == 200 && json_integer_value(json_object_get(j, "total")) == 1,
          "search after bad parameters: status %ld", st);
    json_decref(j);
}

/* Send a raw request over a new socket; return the whole answer. */
static char *raw_request(const char *head_start, size_t fill, char fill_char, const char *head_end)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(sd_port(srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s", strerror(errno));
    sp_buf req = {0};
    sp_buf_puts(&req, head_start);
    char *big = malloc(fill + 1);
    memset(big, fill_char, fill);
    sp_buf_append(&req, big, fill);
    free(big);
    sp_buf_puts(&req, head_end);
    size_t off = 0;
    while (off < req.len) {
        ssize_t w = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    sp_buf_free(&req);
    sp_buf resp = {0};
    char chunk[4096];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            break;
        sp_buf_append(&resp, chunk, (size_t)n);
    }
    close(fd);
    return sp_buf_steal(&resp);
}

static void check_raw_error(const char *what, const char *s, int want_status, const char *want_code)
{
    int status = 0;
    sscanf(s ? s : "", "HTTP/1.%*d %d", &status);
    CHECK(status == want_status, "%s: status %d, want %d", what, status, want_status);
    const char *body = s ? strstr(s, "\r\n\r\n") : NULL;
    json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
    const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    CHECK(code && !strcmp(code, want_code) && msg && strstr(msg, "request"), "%s: body %.200s",
          what, body ? body : s ? s : "(none)");
    CHECK(s && strstr(s, "Content-Type: application/json"), "%s: not JSON", what);
    json_decref(j);
}

/* A request line of 10 MB over a raw socket (curl refuses such URLs), and
 * 30 KB of headers: the client must get a JSON error naming the problem,
 * and the daemon go on. */
static void check_huge_request(void)
{
    char *s = raw_request("GET /api/v1/search?q=", 10u * 1024 * 1024, 'a',
                          " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    check_raw_error("10 MB request line", s, 414, "uri_too_long");
    free(s);
    s = raw_request("GET /api/v1/search?q=", 17000, 'a',
                    " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    check_raw_error("17 KB request line", s, 414, "uri_too_long");
    free(s);
    s = raw_request("GET /healthz HTTP/1.1\r\nHost: localhost\r\nCookie: a=", 30000, 'b',
                    "\r\nConnection: close\r\n\r\n");
    check_raw_error("30 KB of headers", s, 431, "headers_too_large");
    free(s);
    s = raw_request("GET /healthz HTTP/1.1\r\nHost: localhost\r\nCookie: a=", 10000, 'b',
                    "\r\nConnection: close\r\n\r\n");
    CHECK(s && !strncmp(s, "HTTP/1.1 200", 12), "10 KB of headers are fine: %.40s", s ? s : "");
    free(s);

    long st;
    json_t *j = get_json("/healthz", &st);
    CHECK(st == 200, "healthz after oversized requests: %ld", st);
    json_decref(j);
    response m;
    http(NULL, "/metrics", &m);
    CHECK(strstr(sp_buf_cstr(&m.body),
                 "signpost_http_requests_total{route=\"other\",status=\"414\"} 2"),
          "metrics count the 414s");
    CHECK(strstr(sp_buf_cstr(&m.body),
                 "signpost_http_requests_total{route=\"other\",status=\"431\"} 1"),
          "metrics count the 431");
    response_free(&m);

    /* keep-alive: two requests on one connection (the gate hands over the
     * connection once; MHD serves both) */
    CURL *c = curl_easy_init();
    sp_buf b = {0};
    char *url = sp_printf("%s/api/v1/search?q=job", base_url);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CHECK(curl_easy_perform(c) == CURLE_OK, "keep-alive first");
    curl_easy_setopt(c, CURLOPT_URL, url);
    CHECK(curl_easy_perform(c) == CURLE_OK, "keep-alive second");
    long nconn = -1, code = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    CHECK(nconn == 0 && code == 200, "second request reused the connection: %ld new, %ld", nconn,
          code);
    curl_easy_cleanup(c);
    free(url);
    sp_buf_free(&b);
}

static void check_errors_and_headers(void)
{
    response r;
    struct {
        const char *method, *target;
        long status;
        const char *code;
    } cases[] = {
        {NULL, "/api/v1/nothing", 404, "not_found"},
        {NULL, "/api/v2/search", 404, "not_found"},
        {NULL, "/api/v1/search/", 404, "not_found"},
        {"POST", "/api/v1/search", 405, "method_not_allowed"},
        {"DELETE", "/api/v1/services/11111111-1111-4111-8111-000000000001", 405,
         "method_not_allowed"},
        {"PUT", "/healthz", 405, "method_not_allowed"},
        {"GETBODY", "/api/v1/search", 413, "body_not_allowed"},
        {NULL, "/api/v1/services/not-a-uuid", 400, "bad_parameter"},
        {NULL, "/api/v1/services/11111111-1111-4111-8111-00000000000", 400, "bad_parameter"},
        {NULL, "/api/v1/services/11111111-1111-4111-8111-000000000001/x", 400, "bad_parameter"},
        {NULL, "/api/v1/services/", 400, "bad_parameter"},
        {NULL, "/api/v1/services/99999999-9999-4999-8999-999999999999", 404, "not_found"},
        {"DELETE", "/api/v1/hub/decisions", 405, "method_not_allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http(cases[i].method, cases[i].target, &r);
        json_t *j = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
        const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
        CHECK(r.status == cases[i].status, "%s %s: status %ld, want %ld",
              cases[i].method ? cases[i].method : "GET", cases[i].target, r.status,
              cases[i].status);
        CHECK(code && !strcmp(code, cases[i].code), "%s: code %s, want %s", cases[i].target,
              code ? code : "(none)", cases[i].code);
        CHECK(json_is_string(json_object_get(json_object_get(j, "error"), "message")),
              "%s: no message", cases[i].target);
        if (r.status == 405)
            CHECK(header_has(&r, strstr(cases[i].target, "/hub/decisions") ? "Allow: GET, HEAD, POST"
                                                                          : "Allow: GET, HEAD\r"),
                  "%s: 405 without the right Allow", cases[i].target);
        CHECK(header_has(&r, "X-Content-Type-Options: nosniff"), "%s: no nosniff",
              cases[i].target);
        json_decref(j);
        response_free(&r);
    }

    /* A mistyped page address is a person's: an HTML page, not JSON. */
    http(NULL, "/nowhere", &r);
    CHECK(r.status == 404 && header_has(&r, "Content-Type: text/html") &&
              r.body.data && strstr(r.body.data, "<h1>") &&
              strstr(r.body.data, "href=\"/\""),
          "/nowhere: an HTML 404 page with a way back (%ld)", r.status);
    response_free(&r);

    http(NULL, "/api/v1/search?q=job", &r);
    CHECK(r.status == 200, "search status %ld", r.status);
    CHECK(header_has(&r, "Content-Type: application/json"), "search: content type");
    CHECK(header_has(&r, "X-Content-Type-Options: nosniff"), "search: nosniff");
    CHECK(header_has(&r, "Content-Security-Policy: default-src 'none'"), "search: CSP");
    CHECK(header_has(&r, "Referrer-Policy: no-referrer"), "search: Referrer-Policy");
    CHECK(header_has(&r, "Cache-Control: no-store"), "search: Cache-Control");
    response_free(&r);

    http("HEAD", "/api/v1/search?q=job", &r);
    CHECK(r.status == 200 && r.body.len == 0, "HEAD search: status %ld, body %zu", r.status,
          r.body.len);
    response_free(&r);

    long st;
    json_t *j = get_json("/healthz", &st);
    CHECK(st == 200 && !strcmp(json_string_value(json_object_get(j, "status")) ?: "", "ok"),
          "healthz: %ld", st);
    CHECK(json_integer_value(json_object_get(j, "documents")) == n_fixtures,
          "healthz documents %lld, want %d",
          (long long)json_integer_value(json_object_get(j, "documents")), n_fixtures);
    json_decref(j);

    http(NULL, "/metrics", &r);
    CHECK(r.status == 200, "metrics: %ld", r.status);
    const char *m = sp_buf_cstr(&r.body);
    CHECK(strstr(m, "signpost_http_requests_total{route=\"search\",status=\"200\"}"),
          "metrics: search 200 counter");
    CHECK(strstr(m, "signpost_http_requests_total{route=\"search\",status=\"400\"}"),
          "metrics: search 400 counter");
    CHECK(strstr(m, "signpost_http_request_duration_seconds_bucket{route=\"search\",le=\"+Inf\"}"),
          "metrics: histogram");
    CHECK(strstr(m, "signpost_index_documents 7"), "metrics: documents");
    CHECK(strstr(m, "signpost_index_reopens_total"), "metrics: reopens");
    CHECK(!strstr(m, "bricklaying"), "metrics must not carry query text");
    response_free(&r);
}

static void check_results_shape(void)
{
    long st;
    json_t *j = get_json("/api/v1/search?q=bricklaying&borough=E09000025", &st);
    CHECK(st == 200, "shape: %ld", st);
    json_t *h = json_array_get(json_object_get(j, "results"), 0);
    CHECK(h, "shape: no result");
    const char *snip = json_string_value(json_object_get(h, "snippet"));
    CHECK(snip && strstr(snip, "<mark>"), "snippet without <mark>: %s", snip ? snip : "(null)");
    CHECK(json_is_string(json_object_get(h, "name")) &&
              json_is_string(json_object_get(h, "organization")) &&
              json_is_array(json_object_get(h, "boroughs")) &&
              json_is_array(json_object_get(h, "groups")) &&
              json_is_array(json_object_get(h, "categories")) &&
              json_is_string(json_object_get(h, "url")),
          "shape: result fields");
    const char *upd = json_string_value(json_object_get(h, "updated"));
    CHECK(upd && !strcmp(upd, "2026-11-01T08:00:00Z"), "updated %s", upd ? upd : "(null)");
    CHECK(!json_object_get(h, "distance_km"), "distance_km without near");
    json_t *q = json_object_get(j, "query");
    json_t *b = json_object_get(q, "borough");
    CHECK(json_array_size(b) == 1 && !strcmp(json_string_value(json_array_get(b, 0)), "newham"),
          "echo: borough canonicalised");
    CHECK(json_integer_value(json_object_get(j, "page")) == 1 &&
              json_integer_value(json_object_get(j, "per_page")) == 10,
          "page/per_page defaults");
    /* facets: selected flags and labels from the vocabulary */
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(j, "facets"), "borough"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "value")), "newham")) {
            found = true;
            CHECK(json_is_true(json_object_get(v, "selected")), "newham not selected");
            CHECK(!strcmp(json_string_value(json_object_get(v, "label")), "Newham"),
                  "newham label %s", json_string_value(json_object_get(v, "label")));
        } else {
            CHECK(json_is_false(json_object_get(v, "selected")), "other borough selected");
        }
    }
    CHECK(found, "selected borough missing from facets");
    json_decref(j);

    /* near: distances, radius and sort */
    j = get_json("/api/v1/search?near=E8+1DY&radius_km=10&sort=distance", &st);
    CHECK(st == 200, "near: %ld", st);
    double last = -1;
    unsigned got = 0;
    json_array_foreach(json_object_get(j, "results"), i, v)
    {
        double d = json_number_value(json_object_get(v, "distance_km"));
        CHECK(json_is_number(json_object_get(v, "distance_km")) && d >= last && d <= 10.0,
              "near: distance %g after %g", d, last);
        last = d;
        got |= 1u << fixture_num(json_string_value(json_object_get(v, "id")));
    }
    CHECK(got == ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 7)), "near 10 km: set %#x", got);
    json_decref(j);
    j = get_json("/api/v1/search?near=E8+1DY&radius_km=3", &st);
    CHECK(json_integer_value(json_object_get(j, "total")) == 2, "near 3 km: total %lld",
          (long long)json_integer_value(json_object_get(j, "total")));
    json_decref(j);

    /* did you mean */
    j = get_json("/api/v1/search?q=bricklayng", &st);
    const char *sug = json_string_value(json_object_get(j, "suggestion"));
    CHECK(st == 200 && sug && !strcmp(sug, "bricklaying"), "suggestion for bricklayng: %s",
          sug ? sug : "(none)");
    json_decref(j);
    j = get_json("/api/v1/search?q=bricklaying", &st);
    CHECK(!json_object_get(j, "suggestion"), "no suggestion for a word that matches");
    json_decref(j);

    /* a record by id */
    char id[37];
    fixture_id(3, id);
    char *t = sp_printf("/api/v1/services/%s", id);
    j = get_json(t, &st);
    CHECK(st == 200, "service: %ld", st);
    CHECK(!strcmp(json_string_value(json_object_get(j, "id")) ?: "", id), "service id");
    CHECK(!strcmp(json_string_value(json_object_get(j, "name")) ?: "",
                  "Construction Skills Academy Newham"),
          "service name");
    CHECK(json_is_object(json_object_get(j, "signpost")), "service: signpost block");
    json_decref(j);
    free(t);
    /* upper-case ids are the same id */
    for (char *p = id; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    t = sp_printf("/api/v1/services/%s", id);
    j = get_json(t, &st);
    CHECK(st == 200, "service by upper-case id: %ld", st);
    json_decref(j);
    free(t);
}

/* Query syntax people type by accident must never be a server error. */
static void check_odd_queries(void)
{
    const char *odd[] = {
        "%22unbalanced",  "AND",           "OR%20OR%20OR",  "NOT",        "*",
        "NEAR%2F3",       "%29%29%29",     "%28%28%28",     "title%3Afoo", "-",
        "%2B%2B%2B",      "job*",          "%22%22",        "a%20-",      "%F0%9F%98%80",
        "%E5%B7%A5%E4%BD%9C", "caf%C3%A9", "%5C",           "~",          "%3C%2Fmark%3E%3Cscript%3E",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char *t = sp_printf("/api/v1/search?q=%s", odd[i]);
        long st;
        json_t *j = get_json(t, &st);
        const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
        CHECK(st == 200 || (st == 400 && code && !strcmp(code, "bad_parameter")),
              "%s: status %ld", t, st);
        size_t k;
        json_t *h;
        json_array_foreach(json_object_get(j, "results"), k, h)
        {
            const char *snip = json_string_value(json_object_get(h, "snippet"));
            CHECK(!snip || !strstr(snip, "<script"), "%s: unescaped snippet %s", t, snip);
        }
        json_decref(j);
        free(t);
    }
}

static void scenario_api(void)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/index", tmpdir);
    build_index(dir, NULL);
    start_server();
    check_search_cases();
    const char *facet_queries[] = {
        "",
        "q=skills",
        "borough=hackney",
        "borough=hackney&borough=camden&cost=free",
        "group=disabled&mode=online",
        "category=skills-training&language=en",
        "age=20",
        "near=E8+1DY&radius_km=10",
    };
    for (size_t i = 0; i < sizeof facet_queries / sizeof facet_queries[0]; i++)
        check_facet_invariant(facet_queries[i]);
    check_bad_params();
    check_odd_queries();
    check_results_shape();
    check_errors_and_headers();
    check_huge_request();
    sd_stop(srv);
}

/* ---- static files ---- */

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void scenario_static(void)
{
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/web", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/web/static", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/web/static/css", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/web/static/css/site.css", tmpdir);
    write_file(p, "body{color:#111}\n");
    snprintf(p, sizeof p, "%s/web/static/.hidden", tmpdir);
    write_file(p, "hidden\n");
    snprintf(p, sizeof p, "%s/web/template.html", tmpdir);
    write_file(p, "TEMPLATE-NOT-STATIC\n");
    snprintf(p, sizeof p, "%s/secret.txt", tmpdir);
    write_file(p, "SECRET\n");
    /* symlinks: one leading out of the static root, one staying inside */
    snprintf(q, sizeof q, "%s/web/static/escape.txt", tmpdir);
    CHECK(symlink(p, q) == 0, "symlink: %s", strerror(errno));
    snprintf(q, sizeof q, "%s/web/static/up", tmpdir);
    CHECK(symlink("..", q) == 0, "symlink: %s", strerror(errno));
    snprintf(q, sizeof q, "%s/web/static/alias.css", tmpdir);
    CHECK(symlink("css/site.css", q) == 0, "symlink: %s", strerror(errno));

    start_server(); /* no index: static files do not need one */
    response r;
    http(NULL, "/static/css/site.css", &r);
    CHECK(r.status == 200 && strstr(sp_buf_cstr(&r.body), "color:#111"), "site.css: %ld",
          r.status);
    CHECK(header_has(&r, "Content-Type: text/css"), "site.css content type");
    CHECK(header_has(&r, "X-Content-Type-Options: nosniff"), "site.css nosniff");
    response_free(&r);
    http("HEAD", "/static/css/site.css", &r);
    CHECK(r.status == 200 && r.body.len == 0 && header_has(&r, "Content-Length: 17"),
          "HEAD site.css: %ld", r.status);
    response_free(&r);
    http(NULL, "/static/alias.css", &r);
    CHECK(r.status == 200, "a symlink inside static: %ld", r.status);
    response_free(&r);

    const char *attacks[] = {
        "/static/../secret.txt",
        "/static/../../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/%2E%2E/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/..%2Fsecret.txt",
        "/static/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/css%2f..%2f..%2fsecret.txt",
        "/static/.%2e/secret.txt",
        "/static/%252e%252e/secret.txt",
        "/static/escape.txt",
        "/static/up/secret.txt",
        "/static/up/template.html",
        "/static/../template.html",
        "/static/.hidden",
        "/static/",
        "/static/css",
        "/static/css/",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/css/site.css%00.png",
        "/static/nothing.css",
        "/template.html",
        "/secret.txt",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        http(NULL, attacks[i], &r);
        const char *b = sp_buf_cstr(&r.body);
        CHECK(r.status == 404 || r.status == 400, "%s: status %ld", attacks[i], r.status);
        CHECK(!strstr(b, "SECRET") && !strstr(b, "TEMPLATE") && !strstr(b, "root:") &&
                  !strstr(b, "hidden"),
              "%s: leaked %.60s", attacks[i], b);
        response_free(&r);
    }
    /* without an index the API says 503, in JSON */
    long st;
    json_t *j = get_json("/api/v1/search?q=jobs", &st);
    CHECK(st == 503, "search without index: %ld", st);
    CHECK(!strcmp(json_string_value(json_object_get(json_object_get(j, "error"), "code")) ?: "",
                  "index_unavailable"),
          "503 code");
    json_decref(j);
    sd_stop(srv);
}

/* ---- reopen ---- */

static json_t *poll_search(const char *target, json_int_t want_total, long *st)
{
    json_t *j = NULL;
    for (int tries = 0; tries < 100; tries++) { /* up to ~10 s */
        json_decref(j);
        j = get_json(target, st);
        if (*st == 200 && json_integer_value(json_object_get(j, "total")) == want_total)
            break;
        usleep(100 * 1000);
    }
    return j;
}

static void scenario_reopen(void)
{
    start_server();
    long st;
    json_t *j = get_json("/api/v1/search?q=job", &st);
    CHECK(st == 503, "before the index exists: %ld", st);
    json_decref(j);
    j = get_json("/healthz", &st);
    CHECK(st == 503, "healthz before the index exists: %ld", st);
    json_decref(j);
    j = get_json("/api/v1/services/11111111-1111-4111-8111-000000000001", &st);
    CHECK(st == 503, "service before the index exists: %ld", st);
    json_decref(j);

    /* the indexer creates the index while the daemon runs */
    char dir[300];
    snprintf(dir, sizeof dir, "%s/index", tmpdir);
    idx *w = NULL;
    build_index(dir, &w);
    j = poll_search("/api/v1/search", n_fixtures, &st);
    CHECK(st == 200, "the new index is found with no restart: %ld", st);
    json_decref(j);

    /* ...and adds a record */
    rec_service r;
    rec_service_init(&r);
    char id[37];
    fixture_id(8, id);
    r.id = strdup(id);
    r.name = strdup("Tower Hamlets Retrofit Apprenticeships");
    r.description = strdup("Apprenticeships in retrofitting homes for energy efficiency.");
    rec_tags_add(&r.boroughs, "tower-hamlets", "fixture", "tower-hamlets", 1.0);
    rec_tags_add(&r.categories, "skills-training", "fixture", "x", 1.0);
    rec_tags_add(&r.categories, "apprenticeships", "fixture", "x", 1.0);
    sp_err err;
    CHECK(idx_begin(w, &err) == SP_OK, "idx_begin: %s", err.msg);
    CHECK(idx_put(w, &r, &err) == SP_OK, "idx_put: %s", err.msg);
    rec_service_free(&r);
    CHECK(idx_commit(w, &err) == SP_OK, "idx_commit: %s", err.msg);

    j = poll_search("/api/v1/search?q=retrofitting", 1, &st);
    CHECK(st == 200 && json_integer_value(json_object_get(j, "total")) == 1,
          "a record committed while serving is found: %ld", st);
    json_decref(j);
    j = poll_search("/api/v1/search?borough=tower-hamlets", 1, &st);
    CHECK(json_integer_value(json_object_get(j, "total")) == 1, "new record by filter");
    json_decref(j);
    char *t = sp_printf("/api/v1/services/%s", id);
    for (int tries = 0; tries < 100; tries++) {
        j = get_json(t, &st);
        json_decref(j);
        if (st == 200)
            break;
        usleep(100 * 1000);
    }
    CHECK(st == 200, "new record by id: %ld", st);
    free(t);

    /* and deletes one */
    char id1[37];
    fixture_id(1, id1);
    CHECK(idx_begin(w, &err) == SP_OK, "idx_begin: %s", err.msg);
    CHECK(idx_delete(w, id1, &err) == SP_OK, "idx_delete: %s", err.msg);
    CHECK(idx_commit(w, &err) == SP_OK, "idx_commit: %s", err.msg);
    j = poll_search("/api/v1/search?q=bricklaying%20OR%20retrofitting%20OR%20club", 2, &st);
    json_decref(j);
    j = poll_search("/api/v1/search", n_fixtures, &st); /* 7 - 1 + 1 */
    CHECK(json_integer_value(json_object_get(j, "total")) == n_fixtures,
          "after a delete: total %lld", (long long)json_integer_value(json_object_get(j, "total")));
    json_decref(j);
    idx_close(w);

    response resp;
    http(NULL, "/metrics", &resp);
    const char *m = sp_buf_cstr(&resp.body);
    /* A worker sees a new commit by reopening its handle, or by opening
     * one for the first time when an earlier request went to another
     * worker: either way the metrics count it. */
    const char *line = strstr(m, "\nsignpost_index_reopens_total ");
    const char *opens = strstr(m, "\nsignpost_index_opens_total ");
    int n_re = line ? atoi(line + strlen("\nsignpost_index_reopens_total ")) : -1;
    int n_open = opens ? atoi(opens + strlen("\nsignpost_index_opens_total ")) : -1;
    CHECK(n_re >= 0 && n_open >= 1 && (n_re >= 1 || n_open >= 2),
          "metrics count reopens (%d) and opens (%d)", n_re, n_open);
    response_free(&resp);
    sd_stop(srv);
}

/* ---- concurrency ---- */

#define N_THREADS 8
#define N_PER_THREAD 40

static const struct {
    const char *qs;
    int total;
} mix[] = {
    {"q=skills", -1},
    {"borough=hackney", 3},
    {"q=job&borough=hackney", -1},
    {"group=aged-50-plus", 2},
    {"near=E8+1DY&radius_km=10&sort=distance", 4},
    {"category=skills-training&page=1&per_page=2", 3},
    {"", -1}, /* grows while the writer runs */
};

static double lat_ms[N_THREADS * N_PER_THREAD];
static _Atomic int searchers_done;

/* Commits new records while the searchers run, so workers reopen under
 * load; the mix's totals do not depend on these records. */
static void *writer(void *arg)
{
    idx *w = arg;
    for (int i = 0; searchers_done < N_THREADS && i < 200; i++) {
        rec_service r;
        rec_service_init(&r);
        r.id = sp_printf("aaaaaaaa-0000-4000-8000-%012d", i);
        r.name = sp_printf("Writer record %d", i);
        r.description = strdup("Zanzibarite transient record.");
        rec_tags_add(&r.boroughs, "sutton", "fixture", "sutton", 1.0);
        sp_err err;
        idx_begin(w, &err);
        CHECK(idx_put(w, &r, &err) == SP_OK, "writer put: %s", err.msg);
        CHECK(idx_commit(w, &err) == SP_OK, "writer commit: %s", err.msg);
        rec_service_free(&r);
        usleep(20 * 1000);
    }
    return NULL;
}

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < N_PER_THREAD; i++) {
        size_t k = (size_t)(t + i) % (sizeof mix / sizeof mix[0]);
        char *target = sp_printf("/api/v1/search?%s", mix[k].qs);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        long st;
        json_t *j = get_json(target, &st);
        clock_gettime(CLOCK_MONOTONIC, &b);
        lat_ms[t * N_PER_THREAD + i] =
            (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        CHECK(st == 200, "concurrent %s: %ld", target, st);
        if (mix[k].total >= 0)
            CHECK(json_integer_value(json_object_get(j, "total")) == mix[k].total,
                  "concurrent %s: total %lld", target,
                  (long long)json_integer_value(json_object_get(j, "total")));
        json_decref(j);
        free(target);
    }
    searchers_done++;
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void scenario_concurrency(void)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/index", tmpdir);
    idx *w = NULL;
    build_index(dir, &w);
    start_server();
    pthread_t th[N_THREADS], wt;
    pthread_create(&wt, NULL, writer, w);
    for (int t = 0; t < N_THREADS; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    for (int t = 0; t < N_THREADS; t++)
        pthread_join(th[t], NULL);
    pthread_join(wt, NULL);
    idx_close(w);
    size_t n = N_THREADS * N_PER_THREAD;
    qsort(lat_ms, n, sizeof lat_ms[0], cmp_double);
    /* Figures, not assertions: the build type and sanitizers dominate. */
    printf("searchd latency over %zu requests from %d threads (7-record index, new "
           "connection each): median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           n, N_THREADS, lat_ms[n / 2], lat_ms[n * 9 / 10], lat_ms[n * 99 / 100], lat_ms[n - 1]);
    response m;
    http(NULL, "/metrics", &m);
    const char *rl = strstr(sp_buf_cstr(&m.body), "\nsignpost_search_retries_total ");
    const char *ro = strstr(sp_buf_cstr(&m.body), "\nsignpost_index_reopens_total ");
    printf("index reopens %d, searches retried after the writer moved on %d\n",
           ro ? atoi(ro + 30) : -1, rl ? atoi(rl + 31) : -1);
    response_free(&m);
    long st;
    json_t *j = get_json("/healthz", &st);
    CHECK(st == 200, "healthz after the storm: %ld", st);
    json_decref(j);
    sd_stop(srv);
}

int main(int argc, char **argv)
{
    t_usage(argc, 3, "test_searchd api|static|reopen|concurrency SRCDIR");
    srcdir = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    make_tmp();
    if (!strcmp(argv[1], "api"))
        scenario_api();
    else if (!strcmp(argv[1], "static"))
        scenario_static();
    else if (!strcmp(argv[1], "reopen"))
        scenario_reopen();
    else if (!strcmp(argv[1], "concurrency"))
        scenario_concurrency();
    else {
        fprintf(stderr, "unknown scenario %s\n", argv[1]);
        return 2;
    }
    curl_global_cleanup();
    return t_done(argv[1]);
}
