/*
 * pages_report.c - "Report a problem with this listing": the short public
 * form on each service page, POST /api/v1/reports that takes it, the
 * hub's review queue (a section of /hub, GET|POST /api/v1/hub/reports)
 * and the editors' corrections (GET /api/v1/hub/corrections), which are
 * laid over the crawled record whenever it is served (sd_reports_apply).
 * The store is reports.c.
 *
 * The public form has no session to tie a CSRF token to, so it is
 * protected by what it can check without one: the Origin (or Referer)
 * must name this host; the form carries a token that is a keyed hash of
 * the service's id and the time the page was made, valid for two hours
 * (the key is searchd's random per-process key, so a token cannot be
 * made elsewhere, and a page made before a restart asks the reader to
 * send again); only a form body is taken (a cross-site script cannot send
 * one with the Origin of this host); and each client address may send
 * RPT_PER_HOUR reports an hour.  Sizes are bounded (RPT_MAX_DETAILS,
 * RPT_MAX_CONTACT, SD_MAX_BODY).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "pages.h"
#include "reports.h"

#define RPT_PER_HOUR 10          /* reports per client address an hour */
#define RPT_TOKEN_SECONDS 7200   /* how long a form's token holds */
#define RPT_TOKEN_LEN 64
#define RPT_PAGE_ROWS 50

/* ---- the form token ---- */

static void token_make(struct sd_server *s, const char *id, long long t,
                       char out[RPT_TOKEN_LEN])
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "report|%s|%lld", id, t);
    unsigned char mac[16], key[SNAP_FORM_KEY_LEN];
    sd_form_key(s, key);
    crypto_generichash(mac, sizeof mac, (const unsigned char *)msg, (size_t)n, key, sizeof key);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, RPT_TOKEN_LEN, "%lld.%s", t, hex);
}

static bool token_ok(struct sd_server *s, const char *id, const char *tok)
{
    if (!tok || strlen(tok) >= RPT_TOKEN_LEN)
        return false;
    char *end = NULL;
    long long t = strtoll(tok, &end, 10);
    long long now = (long long)time(NULL);
    if (!end || *end != '.' || t > now + 60 || now - t > RPT_TOKEN_SECONDS)
        return false;
    char want[RPT_TOKEN_LEN];
    token_make(s, id, t, want);
    return auth_equal(tok, want);
}

/* ---- the service page ---- */

size_t sd_reports_apply(struct sd_server *s, rec_service *rec)
{
    return rpt_apply(s->reports, rec);
}

void pg_report_form(pg *p, const rec_service *rec)
{
    /* The form's POST must carry this page's origin (Referrer-Policy). */
    p->r->same_origin_referrer = true;
    pg_raw(p, "<section class=\"report box\" id=\"report\" aria-labelledby=\"h-report\">"
              "<h2 id=\"h-report\">");
    pg_t(p, "report.title");
    pg_raw(p, "</h2>");
    const char *done = pg_get(p, "reported"), *bad = pg_get(p, "report");
    if (done && !strcmp(done, "1")) {
        pg_raw(p, "<div class=\"notice\" role=\"status\"><p>");
        pg_t(p, "report.thanks");
        pg_raw(p, "</p></div>");
    } else if (bad && (!strcmp(bad, "missing") || !strcmp(bad, "expired") ||
                       !strcmp(bad, "long"))) {
        char key[32];
        snprintf(key, sizeof key, "report.%s", bad);
        pg_raw(p, "<div class=\"notice error\" role=\"alert\"><p>");
        pg_t(p, key);
        pg_raw(p, "</p></div>");
    }
    char tok[RPT_TOKEN_LEN];
    token_make(p->s, rec->id, (long long)time(NULL), tok);
    pg_raw(p, "<form class=\"report-form\" method=\"post\" action=\"/api/v1/reports\">"
              "<input type=\"hidden\" name=\"service\" value=\"");
    pg_text(p, rec->id);
    pg_raw(p, "\"><input type=\"hidden\" name=\"token\" value=\"");
    pg_text(p, tok);
    pg_raw(p, "\"><fieldset><legend>");
    pg_t(p, "report.what");
    pg_raw(p, "</legend>");
    for (size_t i = 0; rpt_kinds[i]; i++) {
        char key[40];
        snprintf(key, sizeof key, "report.kind.%s", rpt_kinds[i]);
        pg_fmt(p, "<div class=\"choice\"><input type=\"radio\" name=\"kind\" id=\"report-%pA\" "
                  "value=\"%pA\"",
               rpt_kinds[i], rpt_kinds[i]);
        pg_raw_if(p, i == 0, " required", "");
        pg_fmt(p, "><label for=\"report-%pA\">", rpt_kinds[i]);
        pg_t(p, key);
        pg_raw(p, "</label></div>");
    }
    pg_raw(p, "</fieldset><div class=\"field\"><label for=\"report-details\">");
    pg_t(p, "report.details");
    pg_fmt(p, "</label><textarea id=\"report-details\" name=\"details\" rows=\"3\" "
              "maxlength=\"%d\"></textarea></div><div class=\"field\">"
              "<label for=\"report-contact\">",
           RPT_MAX_DETAILS);
    pg_t(p, "report.contact");
    pg_raw(p, "</label><p class=\"hint\" id=\"report-contact-hint\">");
    pg_t(p, "report.contact_hint");
    pg_fmt(p, "</p><input type=\"text\" id=\"report-contact\" name=\"contact\" "
              "maxlength=\"%d\" autocomplete=\"email\" "
              "aria-describedby=\"report-contact-hint\"></div><button type=\"submit\">",
           RPT_MAX_CONTACT);
    pg_t(p, "report.send");
    pg_raw(p, "</button></form></section>");
}

/* ---- POST /api/v1/reports ---- */

/* Back to the service page's form, saying how it went. */
static enum MHD_Result back_to_form(sd_req *r, const char *id, const char *how)
{
    char loc[160];
    snprintf(loc, sizeof loc, "/services/%s?%s#report", id, how);
    return sd_reply_see_other(r, loc);
}

static bool text_ok(const char *s, size_t max)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > max || !sp_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            return false;
    return true;
}

bool sd_wants_json(sd_req *r)
{
    const char *a = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept");
    return a && strstr(a, "application/json") != NULL;
}

enum MHD_Result sd_api_report(sd_req *r, const char *rest)
{
    (void)rest;
    if (strcmp(r->method, MHD_HTTP_METHOD_POST) != 0)
        return sd_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                              "reports are sent with POST from a service page's form");
    if (!sd_same_origin(r))
        return sd_reply_error(r, MHD_HTTP_FORBIDDEN, "cross_origin",
                              "a report must come from this site's own service page "
                              "(Origin or Referer naming this host)");
    if (r->body_too_big)
        return sd_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                              "a body is at most %d bytes", SD_MAX_BODY);
    const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0)
        return sd_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "send the service page's form "
                              "(application/x-www-form-urlencoded)");
    char client[64];
    sd_client_addr(r, client, sizeof client);
    unsigned wait = sd_limit_hit(r->srv, "report", client, RPT_PER_HOUR, 3600);
    if (wait)
        return sd_reply_limited(r, wait);
    char *id = sd_body_value(r, NULL, "service"), *tok = sd_body_value(r, NULL, "token");
    char *kind = sd_body_value(r, NULL, "kind"), *details = sd_body_value(r, NULL, "details");
    char *contact = sd_body_value(r, NULL, "contact");
    enum MHD_Result ret;
    rec_service rec;
    bool have_rec = false;
    if (!id || strlen(id) != 36 || !rec_is_uuid(id)) {
        ret = sd_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_report",
                             "service must be the id of a service (a UUID)");
    } else if (!token_ok(r->srv, id, tok)) {
        ret = back_to_form(r, id, "report=expired");
    } else if (!rpt_kind_valid(kind)) {
        ret = back_to_form(r, id, "report=missing");
    } else if (!text_ok(details, RPT_MAX_DETAILS) || !text_ok(contact, RPT_MAX_CONTACT)) {
        ret = back_to_form(r, id, "report=long");
    } else {
        sp_err e = {0};
        idx *ix = sd_worker_index(r->srv, false, &e);
        int rc = ix ? idx_get(ix, id, &rec, &e) : SP_EAGAIN;
        have_rec = rc == SP_OK;
        int64_t rid = 0;
        if (rc == SP_ENOTFOUND) {
            ret = sd_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no service with id %s", id);
        } else if (rc != SP_OK) {
            ret = sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                 "the index cannot be read now; try again");
        } else {
            int64_t seen = rec.prov.last_seen ? rec.prov.last_seen : rec.prov.last_changed;
            rpt_report in = {id,      rec.name,          kind,
                             details, contact,           rec.prov.source_id,
                             rec.prov.source_url, seen};
            if (rpt_add(r->srv->reports, &in, &rid, &e) != SP_OK) {
                fprintf(stderr, "searchd: a report was not saved: %s\n", e.msg);
                ret = sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
                                     "the report could not be saved; try again");
            } else {
                ret = back_to_form(r, id, "reported=1");
            }
        }
    }
    if (have_rec)
        rec_service_free(&rec);
    free(id);
    free(tok);
    free(kind);
    free(details);
    free(contact);
    return ret;
}

/* ---- the hub: GET|POST /api/v1/hub/reports, GET /api/v1/hub/corrections ---- */

static const char *const report_cols[] = {
    "id",         "at",     "service_id", "service_name", "kind",       "details",
    "contact",    "source", "source_url", "fetched_at",   "status",     "handled_at",
    "handled_by", "outcome", NULL};
static const char *const correction_cols[] = {"service_id", "field", "value",
                                              "at",         "by",    "report_id", NULL};

static enum MHD_Result reply_rows(sd_req *r, const char *name, json_t *rows,
                                  const char *const *cols, const sd_arg *format)
{
    json_t *c = json_array();
    for (size_t i = 0; cols[i]; i++)
        json_array_append_new(c, json_string(cols[i]));
    json_t *rep = json_pack("{s:s,s:o,s:o}", "report", name, "columns", c, "rows", rows);
    if (!rep)
        return MHD_NO;
    if (!format || format->n == 0)
        return sd_reply_json(r, MHD_HTTP_OK, rep);
    enum MHD_Result ret = sd_reply_csv(r, name, rep);
    json_decref(rep);
    return ret;
}

/* GET /api/v1/hub/reports (editors only: reports carry the public's
 * contact details; status= open, handled or all) and /corrections (any
 * reader), with format= as params.c reads it. */
static enum MHD_Result get_rows(sd_req *r, bool reports)
{
    enum MHD_Result ret = MHD_NO;
    sd_arg args[SD_MAX_ARGS];
    size_t na = 0;
    if (!sd_auth_read(r, reports ? AUTH_EDITOR : AUTH_VIEWER, false, &ret) ||
        !sd_hub_args(r, reports ? SD_EP_HUB_REPORTS : SD_EP_HUB_CORRECTIONS, args, &na, &ret))
        return ret;
    static const char *const statuses[] = {"open", "handled", NULL /* all */};
    const sd_arg *status = sd_args_get(args, na, "status");
    const char *what = reports ? "reports" : "corrections";
    sp_err e = {0};
    json_t *rows = reports ? rpt_list(r->srv->reports, statuses[status ? status->n : 0],
                                      RPT_MAX_LIST, &e)
                           : rpt_corrections(r->srv->reports, NULL, &e);
    if (!rows)
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
                              "the %s cannot be read now; try again", what);
    return reply_rows(r, what, rows, reports ? report_cols : correction_cols,
                      sd_args_get(args, na, "format"));
}

/* What an editor did, checked and saved; msg says why not. */
static int review(sd_req *r, const auth_who *who, const json_t *j, char *done, size_t dsize,
                  char *msg, size_t msize)
{
    char *action = sd_body_value(r, j, "action"), *report = sd_body_value(r, j, "report");
    char *service = sd_body_value(r, j, "service"), *field = sd_body_value(r, j, "field");
    char *value = sd_body_value(r, j, "value"), *note = sd_body_value(r, j, "note");
    int rc = SP_EINVAL;
    int64_t rid = 0;
    char sid[64] = "";
    sp_err e = {0};
    if (report && *report) {
        char *end = NULL;
        rid = strtoll(report, &end, 10);
        if (*end || rid <= 0)
            snprintf(msg, msize, "report must be a report's id (a whole number)");
        else if ((rc = rpt_service_of(r->srv->reports, rid, sid, sizeof sid, &e)) != SP_OK)
            snprintf(msg, msize, "%s", rc == SP_ENOTFOUND ? "no such report" : e.msg);
    } else if (service && strlen(service) == 36 && rec_is_uuid(service)) {
        snprintf(sid, sizeof sid, "%s", service);
        rc = SP_OK;
    } else {
        snprintf(msg, msize, "report (a report's id) or service (a service id) is required");
    }
    if (rc != SP_OK)
        goto out;
    rc = SP_EINVAL;
    if (!text_ok(note, 200)) {
        snprintf(msg, msize, "note is at most 200 bytes of text");
    } else if (action && !strcmp(action, "handled")) {
        if (!rid) {
            snprintf(msg, msize, "handled needs report (a report's id)");
            goto out;
        }
        const char *outcome = note && *note ? note : "handled";
        rc = rpt_handle(r->srv->reports, rid, who->name, outcome, &e);
        snprintf(done, dsize, "handled");
        if (rc == SP_OK) {
            char target[96], client[64];
            snprintf(target, sizeof target, "report %" PRId64 " %s", rid, sid);
            sd_client_addr(r, client, sizeof client);
            auth_audit(r->srv->accounts, who, "hub.report.handled", target, outcome, client,
                       NULL);
        }
    } else if (action && !strcmp(action, "correct")) {
        const char *v = value ? value : "";
        if (!rpt_field_valid(field, v) || !text_ok(v, RPT_MAX_VALUE) || strchr(v, '\n')) {
            snprintf(msg, msize, "field must be phone, email, website or status (closed or "
                                 "open), and value one line of at most %d bytes",
                     RPT_MAX_VALUE);
            goto out;
        }
        int known = sd_record_exists(r->srv, sid);
        if (known != SP_OK) {
            rc = known;
            snprintf(msg, msize, "%s", known == SP_ENOTFOUND ? "no record has that service id"
                                                             : "the index cannot be read now");
            goto out;
        }
        rc = rpt_correct(r->srv->reports, sid, field, v, who->name, rid, &e);
        char detail[RPT_MAX_VALUE + 64];
        snprintf(detail, sizeof detail, "%s=%s", field, *v ? v : "(withdrawn)");
        if (rc == SP_OK && rid)
            rc = rpt_handle(r->srv->reports, rid, who->name, detail, &e);
        snprintf(done, dsize, "corrected");
        if (rc == SP_OK) {
            char target[96], client[64];
            if (rid)
                snprintf(target, sizeof target, "%s report %" PRId64, sid, rid);
            else
                snprintf(target, sizeof target, "%s", sid);
            sd_client_addr(r, client, sizeof client);
            auth_audit(r->srv->accounts, who, "hub.correction", target, detail, client, NULL);
        }
    } else {
        snprintf(msg, msize, "action must be 'handled' or 'correct'");
        goto out;
    }
    if (rc != SP_OK && rc != SP_ENOTFOUND)
        snprintf(msg, msize, "%s", e.msg);
    else if (rc == SP_ENOTFOUND)
        snprintf(msg, msize, "no such report");
out:
    free(action);
    free(report);
    free(service);
    free(field);
    free(value);
    free(note);
    return rc;
}

static enum MHD_Result post_review(sd_req *r)
{
    sd_write w;
    if (!sd_auth_write(r, AUTH_EDITOR, &w))
        return w.ret;
    char done[16] = "", msg[512] = "";
    int rc = review(r, w.who, w.body, done, sizeof done, msg, sizeof msg);
    json_decref(w.body);
    return sd_reply_write(
        r, &w, rc,
        !strcmp(done, "handled") ? "/hub?reviewed=handled#h-reports"
                                 : "/hub?reviewed=corrected#h-reports",
        rc == SP_OK ? json_pack("{s:s,s:s}", "done", done, "by", w.who->name) : NULL,
        "bad_review", "not_found", msg, "the review could not be saved; try again");
}

enum MHD_Result sd_hub_reports(sd_req *r, const char *rest)
{
    if (!strcmp(rest, "corrections"))
        return get_rows(r, false);
    if (!strcmp(r->method, MHD_HTTP_METHOD_POST))
        return post_review(r);
    return get_rows(r, true);
}

/* ---- the /hub section ---- */

static void hidden(pg *p, const char *name, const char *value)
{
    pg_fmt(p, "<input type=\"hidden\" name=\"%pA\" value=\"%pA\">", name, value);
}

static void review_forms(pg *p, const char *csrf, const json_t *row)
{
    char rid[32];
    snprintf(rid, sizeof rid, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
    const char *name = json_string_value(json_object_get(row, "service_name"));
    pg_raw(p, "<form class=\"review\" data-inplace method=\"post\" action=\"/api/v1/hub/reports\">");
    hidden(p, "csrf", csrf);
    hidden(p, "report", rid);
    hidden(p, "action", "correct");
    pg_fmt(p, "<label for=\"rf-%pA\">Field</label><select id=\"rf-%pA\" name=\"field\">"
              "<option value=\"phone\">Phone</option><option value=\"email\">E-mail</option>"
              "<option value=\"website\">Website</option><option value=\"status\">Status "
              "(closed or open)</option></select><label for=\"rv-%pA\">Corrected value</label>"
              "<input id=\"rv-%pA\" name=\"value\" maxlength=\"%d\" required>"
              "<button type=\"submit\">Save correction<span class=\"vh\">: ",
           rid, rid, rid, rid, RPT_MAX_VALUE);
    pg_text(p, name ? name : rid);
    pg_raw(p, "</span></button></form><form class=\"review\" data-inplace method=\"post\" "
              "action=\"/api/v1/hub/reports\">");
    hidden(p, "csrf", csrf);
    hidden(p, "report", rid);
    hidden(p, "action", "handled");
    pg_raw(p, "<button type=\"submit\">Mark handled<span class=\"vh\">: ");
    pg_text(p, name ? name : rid);
    pg_raw(p, "</span></button></form>");
}

void pg_hub_reports(pg *p)
{
    const auth_who *who = sd_auth_who(p->r);
    bool editor = who->role >= AUTH_EDITOR && p->r->session[0];
    size_t open = rpt_count_open(p->s->reports);
    pg_fmt(p, "<section aria-labelledby=\"h-reports\" id=\"reports\"><h2 id=\"h-reports\">"
              "Problems reported by the public</h2><p>%zu open report",
           open);
    pg_raw_if(p, open == 1, "", "s");
    pg_raw(p, " from the <q>Report a problem with this listing</q> form on service pages. An "
              "editor marks each one handled, or records a correction (phone, e-mail, website, "
              "or a <q>closed</q> mark) that is shown over the crawled record from then on, "
              "whatever later crawls bring; the audit trail names the editor.</p>");
    const char *reviewed = pg_get(p, "reviewed");
    if (reviewed && (!strcmp(reviewed, "handled") || !strcmp(reviewed, "corrected")))
        pg_raw_if(p, !strcmp(reviewed, "handled"),
                  "<div class=\"notice\" role=\"status\"><p>Report marked handled.</p></div>",
                  "<div class=\"notice\" role=\"status\"><p>Report corrected and handled.</p></div>");
    if (!editor) {
        pg_raw(p, "<p>Editors see the reports here.</p></section>");
        return;
    }
    char csrf[AUTH_SECRET_LEN + 1];
    auth_csrf(p->r->session, csrf);
    json_t *rows = rpt_list(p->s->reports, "open", RPT_PAGE_ROWS, NULL);
    if (json_array_size(rows)) {
        pg_raw(p, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" "
                  "aria-labelledby=\"h-reports\"><table class=\"reports\"><caption>Open reports"
                  "</caption><thead><tr><th scope=\"col\">Service</th><th scope=\"col\">What is "
                  "wrong</th><th scope=\"col\">Contact</th><th scope=\"col\">Record as crawled"
                  "</th><th scope=\"col\">Review</th></tr></thead><tbody>");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            const char *sid = json_string_value(json_object_get(row, "service_id"));
            const char *name = json_string_value(json_object_get(row, "service_name"));
            const char *details = json_string_value(json_object_get(row, "details"));
            const char *contact = json_string_value(json_object_get(row, "contact"));
            const char *src = json_string_value(json_object_get(row, "source"));
            const char *url = json_string_value(json_object_get(row, "source_url"));
            pg_fmt(p, "<tr><th scope=\"row\"><a href=\"/services/%pA\">%pT", sid ? sid : "",
                   name ? name : sid ? sid : "");
            pg_raw(p, "</a></th><td><strong>");
            pg_text(p, json_string_value(json_object_get(row, "kind")));
            pg_raw(p, "</strong> ");
            pg_text(p, details ? details : "");
            pg_raw(p, "</td><td>");
            pg_text(p, contact ? contact : "none given");
            pg_raw(p, "</td><td>");
            pg_text(p, src ? src : "unknown source");
            if (url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8))) {
                pg_raw(p, ", <a href=\"");
                pg_href(p, url);
                pg_raw(p, "\" rel=\"noopener noreferrer\">page</a>");
            }
            json_int_t fetched = json_integer_value(json_object_get(row, "fetched_at"));
            if (fetched) {
                pg_raw(p, ", fetched ");
                pg_put_date(p, (int64_t)fetched);
            }
            pg_raw(p, "</td><td>");
            review_forms(p, csrf, row);
            pg_raw(p, "</td></tr>");
        }
        pg_raw(p, "</tbody></table></div>");
    }
    json_decref(rows);
    pg_raw(p, "<p class=\"csv\"><a href=\"/api/v1/hub/reports?format=csv&amp;status=all\" "
              "download>Download all reports (CSV)</a> · <a "
              "href=\"/api/v1/hub/corrections?format=csv\" download>Download corrections "
              "(CSV)</a></p></section>");
}
