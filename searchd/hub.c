/*
 * hub.c - the Integration Hubs' API: GET /api/v1/hub/{coverage, overlaps,
 * duplicates, gaps, stale, sources} (JSON, or CSV with ?format=csv) and
 * POST /api/v1/hub/decisions (a hub user says two records are, or are not,
 * the same service).  The reports come from indexer/hub.h over what the
 * indexer's linkage saved in STORE/crawl.db; decisions go to that database
 * (indexer/dedupe.h) and apply from the indexer's next run.
 *
 * Parameters (all optional): borough, subregion, group, category (slugs,
 * checked against the vocabulary), limit (1..HUB_MAX_LIMIT), days (stale),
 * kind (gaps: none | no-local), id (duplicates: one record's cluster),
 * format (json | csv).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dedupe.h"
#include "hub.h"
#include "sd_int.h"
#include "store.h"

#define HUB_MAX_ID 200

typedef json_t *(*report_fn)(const hub *h, const hub_filter *f, sp_err *err);

static const struct {
    const char *name;
    report_fn fn;
} reports[] = {
    {"coverage", hub_coverage}, {"overlaps", hub_overlaps}, {"duplicates", hub_duplicates},
    {"gaps", hub_gaps},         {"stale", hub_stale},       {"sources", hub_sources},
};

/* STORE from STORE/index. */
static char *store_dir_of(const struct sd_server *s)
{
    const char *ix = s->index_dir;
    size_t n = strlen(ix);
    if (n > 6 && !strcmp(ix + n - 6, "/index"))
        return sp_strndup(ix, n - 6);
    return sp_strdup(".");
}

/* mtime and size of STORE/crawl.db and its WAL: they change with every
 * write (a missing file stamps as -1). */
static void hub_stamp(const char *store_dir, long long st[6])
{
    static const char *const names[2] = {STORE_DB_NAME, STORE_DB_NAME "-wal"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", store_dir, names[i]);
        bool ok = stat(path, &sb) == 0;
        st[3 * i] = ok ? (long long)sb.st_mtim.tv_sec : -1;
        st[3 * i + 1] = ok ? (long long)sb.st_mtim.tv_nsec : -1;
        st[3 * i + 2] = ok ? (long long)sb.st_size : -1;
    }
}

struct hub *sd_hub_acquire(struct sd_server *s, sp_err *err)
{
    if (!s->hub_mu_made) {
        sp_fail(err, SP_ERROR, "no hub lock");
        return NULL;
    }
    char *store_dir = store_dir_of(s);
    if (!store_dir) {
        sp_fail(err, SP_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&s->hub_mu);
    long long st[6];
    hub_stamp(store_dir, st);
    if (s->hub_cache && memcmp(st, s->hub_stamp, sizeof st) != 0) {
        hub_close(s->hub_cache);
        s->hub_cache = NULL;
    }
    if (!s->hub_cache) {
        hub *h = NULL;
        if (hub_open(store_dir, s->voc, &h, err) == SP_OK) {
            s->hub_cache = h;
            memcpy(s->hub_stamp, st, sizeof st);
        }
    }
    free(store_dir);
    if (!s->hub_cache) {
        pthread_mutex_unlock(&s->hub_mu);
        return NULL;
    }
    return s->hub_cache;
}

void sd_hub_release(struct sd_server *s)
{
    pthread_mutex_unlock(&s->hub_mu);
}

void sd_hub_free(struct sd_server *s)
{
    hub_close(s->hub_cache);
    s->hub_cache = NULL;
}

bool sd_hub_accepts_post(const char *path)
{
    return path && !strcmp(path, "/api/v1/hub/decisions");
}

typedef struct arg_count {
    size_t n;
} arg_count;

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)key;
    (void)value;
    ((arg_count *)cls)->n++;
    return MHD_YES;
}

static const char *arg(sd_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A vocabulary slug parameter; false (and a 400 sent) when it is wrong. */
static bool slug_arg(sd_req *r, const char *field, const char *name, const char **out,
                     enum MHD_Result *ret)
{
    const char *v = arg(r, name);
    *out = NULL;
    if (!v || !*v)
        return true;
    const char *c = strlen(v) <= SD_MAX_VALUE ? vocab_canon(r->srv->voc, field, v) : NULL;
    if (!c) {
        *ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                              "%s: unknown %s '%.80s'; use a slug from /api/v1/search facets",
                              name, field, v);
        return false;
    }
    *out = c;
    return true;
}

static bool num_arg(sd_req *r, const char *name, long lo, long hi, long *out,
                    enum MHD_Result *ret)
{
    const char *v = arg(r, name);
    *out = 0;
    if (!v || !*v)
        return true;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi) {
        *ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                              "%s must be a whole number from %ld to %ld", name, lo, hi);
        return false;
    }
    *out = n;
    return true;
}

static enum MHD_Result reply_csv(sd_req *r, const char *name, const json_t *rep)
{
    char *csv = hub_rows_csv(rep);
    if (!csv)
        return MHD_NO;
    size_t len = strlen(csv);
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, csv, free);
    if (!resp) {
        free(csv);
        return MHD_NO;
    }
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"signpost-hub-%s.csv\"", name);
    MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
    MHD_add_response_header(resp, "Content-Disposition", disp);
    return sd_reply_response(r, MHD_HTTP_OK, resp, true);
}

static enum MHD_Result get_report(sd_req *r, report_fn fn, const char *name)
{
    enum MHD_Result ret = MHD_NO;
    arg_count ac = {0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, count_arg, &ac);
    if (ac.n > SD_MAX_ARGS)
        return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "too_many_parameters",
                              "at most %d query parameters are accepted", SD_MAX_ARGS);
    hub_filter f = {0};
    long limit = 0, days = 0;
    if (!slug_arg(r, "borough", "borough", &f.borough, &ret) ||
        !slug_arg(r, "subregion", "subregion", &f.subregion, &ret) ||
        !slug_arg(r, "group", "group", &f.group, &ret) ||
        !slug_arg(r, "category", "category", &f.category, &ret) ||
        !num_arg(r, "limit", 1, HUB_MAX_LIMIT, &limit, &ret) ||
        !num_arg(r, "days", 1, 36500, &days, &ret))
        return ret;
    f.limit = (size_t)limit;
    f.stale_days = (int)days;
    const char *kind = arg(r, "kind");
    if (kind && *kind) {
        if (strcmp(kind, "none") != 0 && strcmp(kind, "no-local") != 0)
            return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                  "kind must be 'none' or 'no-local'");
        f.kind = kind;
    }
    const char *id = arg(r, "id");
    if (id && *id) {
        if (strlen(id) > HUB_MAX_ID)
            return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                  "id is at most %d bytes", HUB_MAX_ID);
        f.id = id;
    }
    const char *format = arg(r, "format");
    bool csv = false;
    if (format && *format) {
        if (!strcmp(format, "csv"))
            csv = true;
        else if (strcmp(format, "json") != 0)
            return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                  "format must be 'json' or 'csv'");
    }

    sp_err err = {0};
    hub *h = sd_hub_acquire(r->srv, &err);
    if (!h)
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "hub_unavailable",
                              "the hub reports are not available yet; they appear once the "
                              "indexer has linked the records");
    json_t *rep = fn(h, &f, &err);
    sd_hub_release(r->srv);
    if (!rep)
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                              "the %s report could not be made", name);
    json_object_set_new(rep, "report", json_string(name));
    if (csv) {
        ret = reply_csv(r, name, rep);
        json_decref(rep);
        return ret;
    }
    return sd_reply_json(r, MHD_HTTP_OK, rep);
}

/* ---- POST /api/v1/hub/decisions ---- */

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

static char *body_value(sd_req *r, json_t *j, const char *name)
{
    if (j) {
        const char *s = json_string_value(json_object_get(j, name));
        return sp_strdup(s);
    }
    if (r->body.len)
        return form_value(r->body.data, r->body.len, name);
    return sp_strdup(arg(r, name));
}

static enum MHD_Result post_decision(sd_req *r)
{
    if (r->body_too_big)
        return sd_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                              "a decision body is at most %d bytes", SD_MAX_BODY);
    const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    json_t *j = NULL;
    if (ctype && !strncasecmp(ctype, "application/json", 16)) {
        j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
        if (!json_is_object(j)) {
            json_decref(j);
            return sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_body",
                                  "the body must be a JSON object {\"a\":id,\"b\":id,"
                                  "\"decision\":\"same\"|\"not-same\"}");
        }
    }
    char *a = body_value(r, j, "a"), *b = body_value(r, j, "b");
    char *decision = body_value(r, j, "decision"), *by = body_value(r, j, "by");
    json_decref(j);
    enum MHD_Result ret;
    char *store_dir = store_dir_of(r->srv);
    sp_err err = {0};
    int rc = SP_EINVAL;
    if (!a || !b || !decision)
        snprintf(err.msg, sizeof err.msg, "a, b and decision are required");
    else if (!sp_utf8_valid(a, strlen(a)) || !sp_utf8_valid(b, strlen(b)) ||
             (by && !sp_utf8_valid(by, strlen(by))))
        snprintf(err.msg, sizeof err.msg, "a, b and by must be UTF-8");
    else if (store_dir)
        rc = dedupe_decide(store_dir, a, b, decision, by, &err);
    if (rc == SP_OK) {
        ret = sd_reply_json(r, MHD_HTTP_OK,
                            json_pack("{s:s,s:s,s:s,s:s?,s:s}", "a", a, "b", b, "decision",
                                      dedupe_verdict_parse(decision) == DEDUPE_SAME ? "same"
                                                                                    : "not-same",
                                      "by", by, "applies",
                                      "from the indexer's next run (within one crawl batch)"));
    } else if (rc == SP_EINVAL) {
        ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_decision", "%s", err.msg);
    } else {
        ret = sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
                             "the decision could not be saved; try again");
    }
    free(a);
    free(b);
    free(decision);
    free(by);
    free(store_dir);
    return ret;
}

enum MHD_Result sd_hub(sd_req *r, const char *rest)
{
    if (!strcmp(rest, "decisions")) {
        if (strcmp(r->method, MHD_HTTP_METHOD_POST) != 0)
            return sd_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                  "decisions are sent with POST (a, b, decision, by)");
        return post_decision(r);
    }
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (!strcmp(rest, reports[i].name))
            return get_report(r, reports[i].fn, reports[i].name);
    return sd_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                          "no such hub report; use coverage, overlaps, duplicates, gaps, "
                          "stale, sources (GET) or decisions (POST)");
}
