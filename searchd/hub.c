/*
 * hub.c - the Integration Hubs' API: GET /api/v1/hub/{coverage, overlaps,
 * duplicates, gaps, stale, sources} (JSON, or CSV with ?format=csv) and
 * POST /api/v1/hub/decisions (an editor says two records are, or are not,
 * the same service), GET /api/v1/hub/audit (who did what; editors) and
 * GET /api/v1/hub/accounts (accounts and tokens, no secrets; admins).
 * Reports need the viewer role unless searchd runs with --hub-public
 * (sd_auth_read); decisions pass sd_auth_write first.  The reports come from indexer/hub.h over what the
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


typedef json_t *(*report_fn)(const hub *h, const hub_filter *f, sp_err *err);

static const struct {
    const char *name;
    report_fn fn;
} reports[] = {
    {"coverage", hub_coverage}, {"overlaps", hub_overlaps}, {"duplicates", hub_duplicates},
    {"gaps", hub_gaps},         {"stale", hub_stale},       {"sources", hub_sources},
};

/* The store on a writer, the index's snapshot of it on a replica
 * (replica.c). */
static char *store_dir_of(struct sd_server *s)
{
    return sd_store_read_dir(s);
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

bool sd_hub_args(sd_req *r, unsigned ep, sd_arg *args, size_t *n, enum MHD_Result *ret)
{
    char msg[1200];
    int rc = sd_request_args(r, ep, 0, args, n, msg, sizeof msg);
    if (rc == SP_ELIMIT)
        *ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "too_many_parameters",
                              "at most %d query parameters are accepted", SD_MAX_ARGS);
    else if (rc != SP_OK)
        *ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    return rc == SP_OK;
}

enum MHD_Result sd_reply_csv(sd_req *r, const char *name, const json_t *rep)
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
    sd_arg args[SD_MAX_ARGS];
    size_t na = 0;
    if (!sd_hub_args(r, SD_EP_HUB, args, &na, &ret))
        return ret;
    hub_filter f;
    bool csv = false;
    sd_args_hub(args, na, &f, &csv);

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
        ret = sd_reply_csv(r, name, rep);
        json_decref(rep);
        return ret;
    }
    return sd_reply_json(r, MHD_HTTP_OK, rep);
}

/* ---- POST /api/v1/hub/decisions, GET /api/v1/hub/audit ---- */

/* Does id name a record in the index?  SP_OK, SP_ENOTFOUND, or another
 * error when the index cannot be read. */
int sd_record_exists(struct sd_server *s, const char *id)
{
    sp_err err = {0};
    idx *ix = sd_worker_index(s, false, &err);
    if (!ix)
        return SP_EAGAIN;
    rec_service rec;
    int rc = idx_get(ix, id, &rec, &err);
    if (rc == SP_OK)
        rec_service_free(&rec);
    return rc;
}

int sd_hub_decide(sd_req *r, const auth_who *who, const char *a, const char *b,
                  const char *verdict, char *msg, size_t msg_size)
{
    if (!a || !b || !verdict || !*a || !*b) {
        snprintf(msg, msg_size, "a, b and decision are required");
        return SP_EINVAL;
    }
    if (strlen(a) > SD_MAX_ID || strlen(b) > SD_MAX_ID || !sp_utf8_valid(a, strlen(a)) ||
        !sp_utf8_valid(b, strlen(b))) {
        snprintf(msg, msg_size, "a and b are record ids of at most %d bytes of UTF-8",
                 SD_MAX_ID);
        return SP_EINVAL;
    }
    if (!dedupe_verdict_parse(verdict)) {
        snprintf(msg, msg_size, "decision must be \"same\" or \"not-same\"");
        return SP_EINVAL;
    }
    /* A decision about ids no record has would fold nothing today and
     * something unexpected tomorrow: refuse it. */
    const char *ids[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        int rc = sd_record_exists(r->srv, ids[i]);
        if (rc == SP_ENOTFOUND) {
            snprintf(msg, msg_size, "no record has the id '%.200s'", ids[i]);
            return SP_ENOTFOUND;
        }
        if (rc != SP_OK) {
            snprintf(msg, msg_size, "the index cannot be read now; try again");
            return SP_EAGAIN;
        }
    }
    char *store_dir = sp_strdup(r->srv->store_dir); /* the writer's own store */
    sp_err err = {0};
    int rc = store_dir ? dedupe_decide(store_dir, a, b, verdict, who->name, &err) : SP_ENOMEM;
    free(store_dir);
    if (rc != SP_OK) {
        snprintf(msg, msg_size, "%s", err.msg);
        return rc;
    }
    char target[2 * SD_MAX_ID + 8], client[64];
    snprintf(target, sizeof target, "%s %s", a, b);
    sd_client_addr(r, client, sizeof client);
    const char *v = dedupe_verdict_parse(verdict) == DEDUPE_SAME ? "same" : "not-same";
    if (auth_audit(r->srv->accounts, who, "hub.decision", target, v, client, &err) != SP_OK)
        fprintf(stderr, "searchd: the audit trail missed a decision by %s: %s\n", who->name,
                err.msg);
    return SP_OK;
}

static enum MHD_Result post_decision(sd_req *r)
{
    sd_write w;
    if (!sd_auth_write(r, AUTH_EDITOR, &w))
        return w.ret;
    char *a = sd_body_value(r, w.body, "a"), *b = sd_body_value(r, w.body, "b");
    char *decision = sd_body_value(r, w.body, "decision");
    json_decref(w.body);
    char msg[512];
    int rc = sd_hub_decide(r, w.who, a, b, decision, msg, sizeof msg);
    bool same = rc == SP_OK && dedupe_verdict_parse(decision) == DEDUPE_SAME;
    json_t *ok = rc != SP_OK ? NULL
                             : json_pack("{s:s,s:s,s:s,s:s,s:s}", "a", a, "b", b, "decision",
                                         same ? "same" : "not-same", "by", w.who->name,
                                         "applies",
                                         "from the indexer's next run (within one crawl batch)");
    enum MHD_Result ret =
        sd_reply_write(r, &w, rc, same ? "/hub?decided=same#h-dup" : "/hub?decided=not-same#h-dup",
                       ok, "bad_decision", "no_such_record", msg,
                       "the decision could not be saved; try again");
    free(a);
    free(b);
    free(decision);
    return ret;
}

static enum MHD_Result get_audit(sd_req *r)
{
    enum MHD_Result ret = MHD_NO;
    if (!sd_auth_read(r, AUTH_EDITOR, false, &ret))
        return ret;
    sd_arg args[SD_MAX_ARGS];
    size_t na = 0;
    if (!sd_hub_args(r, SD_EP_AUDIT, args, &na, &ret))
        return ret;
    const sd_arg *account = sd_args_get(args, na, "account");
    const sd_arg *action = sd_args_get(args, na, "action");
    const sd_arg *limit = sd_args_get(args, na, "limit");
    sp_err err = {0};
    json_t *rows = auth_audit_list(r->srv->accounts, account ? account->text : NULL,
                                   action ? action->text : NULL,
                                   limit ? (size_t)limit->n : 100, &err);
    if (!rows)
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
                              "the audit trail cannot be read now; try again");
    return sd_reply_json(r, MHD_HTTP_OK, json_pack("{s:s,s:o}", "report", "audit", "rows", rows));
}

/* GET /api/v1/hub/accounts: the accounts and tokens, never a secret
 * (admins). */
static enum MHD_Result get_accounts(sd_req *r)
{
    enum MHD_Result ret = MHD_NO;
    if (!sd_auth_read(r, AUTH_ADMIN, false, &ret))
        return ret;
    sp_err err = {0};
    json_t *users = auth_user_list(r->srv->accounts, &err);
    json_t *tokens = users ? auth_token_list(r->srv->accounts, &err) : NULL;
    if (!tokens) {
        json_decref(users);
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
                              "the accounts cannot be read now; try again");
    }
    return sd_reply_json(r, MHD_HTTP_OK,
                         json_pack("{s:s,s:o,s:o}", "report", "accounts", "accounts", users,
                                   "tokens", tokens));
}

enum MHD_Result sd_hub(sd_req *r, const char *rest)
{
    if (!strcmp(rest, "decisions")) {
        if (strcmp(r->method, MHD_HTTP_METHOD_POST) != 0)
            return sd_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                  "decisions are sent with POST (a, b, decision)");
        return post_decision(r);
    }
    if (!strcmp(rest, "audit"))
        return get_audit(r);
    if (!strcmp(rest, "reports") || !strcmp(rest, "corrections"))
        return sd_hub_reports(r, rest);
    if (!strcmp(rest, "accounts"))
        return get_accounts(r);
    enum MHD_Result ret = MHD_NO;
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (!strcmp(rest, reports[i].name))
            return sd_auth_read(r, AUTH_VIEWER, false, &ret)
                       ? get_report(r, reports[i].fn, reports[i].name)
                       : ret;
    return sd_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                          "no such hub report; use coverage, overlaps, duplicates, gaps, "
                          "stale, sources, audit, accounts (GET) or decisions (POST)");
}
