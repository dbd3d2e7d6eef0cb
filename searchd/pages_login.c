/*
 * pages_login.c - /login and /logout for staff (hub viewers, editors,
 * admins): a plain form that works without JavaScript, in the portal's
 * frame.  Jobseekers and coaches never need an account.
 *
 * The login form is protected like every other form: its CSRF token is a
 * random value also set as a cookie (sp_login, "double submit"), so a page
 * on another site cannot sign a visitor in to an account of its choosing;
 * the POST must also come from this host (Origin or Referer).  Attempts
 * are limited per client address and per account name (429 with
 * Retry-After), checked before the password is, so a flood costs no
 * Argon2id work; at most LOGIN_MAX_HASHING password checks run at once
 * (each takes 64 MiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pages.h"

#define LOGIN_COOKIE "sp_login"
#define LOGIN_PER_ADDR 10      /* attempts per address per minute */
#define LOGIN_ADDR_WINDOW 60
#define LOGIN_PER_ACCOUNT 10   /* attempts on one account per 15 minutes */
#define LOGIN_ACCOUNT_WINDOW 900
#define LOGIN_MAX_HASHING 4

/* Where to go after signing in: a local path only ("/hub"), never
 * "//host" or a full URL, so the form cannot be made an open redirect. */
static const char *safe_next(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
        strlen(next) > SD_MAX_NEXT ||
        strspn(next, "abcdefghijklmnopqrstuvwxyz0123456789-/") != strlen(next))
        return "/hub";
    return next;
}

static void login_form(pg *p, const char *token, const char *next, const char *name,
                       const char *error)
{
    pg_raw(p, "<h1>Sign in</h1><p class=\"lead\">For Integration Hub staff. Looking for help? "
              "<a href=\"/\">Search the directory</a>, no account needed.</p>");
    if (error) {
        pg_raw(p, "<div class=\"notice error\" role=\"alert\"><p>");
        pg_text(p, error);
        pg_raw(p, "</p></div>");
    }
    pg_raw(p, "<form class=\"login\" method=\"post\" action=\"/login\">"
              "<input type=\"hidden\" name=\"csrf\" value=\"");
    pg_text(p, token);
    pg_raw(p, "\"><input type=\"hidden\" name=\"next\" value=\"");
    pg_text(p, safe_next(next));
    pg_raw(p, "\"><div class=\"field\"><label for=\"login-name\">Account name</label>"
              "<input id=\"login-name\" name=\"name\" autocomplete=\"username\" required "
              "maxlength=\"64\" autocapitalize=\"none\" spellcheck=\"false\" value=\"");
    pg_text(p, name ? name : "");
    pg_raw(p, "\"></div><div class=\"field\"><label for=\"login-password\">Password</label>"
              "<input id=\"login-password\" name=\"password\" type=\"password\" "
              "autocomplete=\"current-password\" required maxlength=\"1024\"></div>"
              "<div class=\"field\"><button type=\"submit\">Sign in</button></div></form>");
}

/* The login form's token: the sp_login cookie when it looks right, else a
 * fresh one set as that cookie. */
static void form_token(sd_req *r, char out[AUTH_SECRET_LEN + 1])
{
    const char *c = sd_cookie(r, LOGIN_COOKIE);
    if (c && strlen(c) == AUTH_SECRET_LEN) {
        snprintf(out, AUTH_SECRET_LEN + 1, "%s", c);
        return;
    }
    auth_random(out);
    sd_set_cookie(r, LOGIN_COOKIE, out, 3600);
}

static enum MHD_Result show_form(sd_req *r, unsigned status, const char *next, const char *name,
                                 const char *error)
{
    char token[AUTH_SECRET_LEN + 1];
    form_token(r, token);
    r->same_origin_referrer = true;
    pg p;
    pg_init(&p, r);
    pg_head(&p, "Sign in", NULL, NULL);
    login_form(&p, token, next, name, error);
    pg_foot(&p);
    return pg_reply(&p, status);
}

static enum MHD_Result signed_in(sd_req *r, const auth_who *who)
{
    pg p;
    pg_init(&p, r);
    pg_head(&p, "Sign in", NULL, NULL);
    pg_raw(&p, "<h1>Signed in</h1><p>You are signed in as <strong>");
    pg_text(&p, who->name);
    pg_raw(&p, "</strong> (");
    pg_text(&p, auth_role_name(who->role));
    pg_raw(&p, "). <a href=\"/hub\">Go to the hub dashboard</a>.</p>");
    pg_foot(&p);
    return pg_reply(&p, MHD_HTTP_OK);
}

static char *field(sd_req *r, const char *name)
{
    return sd_body_value(r, NULL, name);
}

static enum MHD_Result post_login(sd_req *r)
{
    struct sd_server *s = r->srv;
    const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0)
        return sd_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "sign in with the form at /login");
    if (r->body_too_big)
        return sd_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                              "a body is at most %d bytes", SD_MAX_BODY);
    char *name = field(r, "name"), *password = field(r, "password");
    char *csrf = field(r, "csrf"), *next = field(r, "next");
    const char *cookie = sd_cookie(r, LOGIN_COOKIE);
    char client[64];
    sd_client_addr(r, client, sizeof client);
    enum MHD_Result ret;
    unsigned wait = 0;
    if (!sd_same_origin(r) || !cookie || strlen(cookie) != AUTH_SECRET_LEN ||
        !auth_equal(csrf, cookie)) {
        ret = show_form(r, MHD_HTTP_FORBIDDEN, next, NULL,
                        "The form had expired. Please sign in again.");
    } else if ((wait = sd_limit_hit(s, "login-addr", client, LOGIN_PER_ADDR,
                                    LOGIN_ADDR_WINDOW)) != 0 ||
               (wait = sd_limit_hit(s, "login-account", name ? name : "", LOGIN_PER_ACCOUNT,
                                    LOGIN_ACCOUNT_WINDOW)) != 0) {
        char v[16];
        snprintf(v, sizeof v, "%u", wait);
        sd_add_header(r, "Retry-After", v);
        char msg[160];
        snprintf(msg, sizeof msg,
                 "Too many attempts to sign in. Please wait %u seconds and try again.", wait);
        ret = show_form(r, MHD_HTTP_TOO_MANY_REQUESTS, next, name, msg);
    } else if (atomic_fetch_add(&s->hashing, 1) >= LOGIN_MAX_HASHING) {
        atomic_fetch_sub(&s->hashing, 1);
        sd_add_header(r, "Retry-After", "1");
        ret = show_form(r, MHD_HTTP_SERVICE_UNAVAILABLE, next, name,
                        "The server is busy. Please try again in a moment.");
    } else {
        auth_who who;
        sp_err err = {0};
        int rc = auth_login(s->accounts, name, password, &who, &err);
        atomic_fetch_sub(&s->hashing, 1);
        char secret[AUTH_SECRET_LEN + 1];
        if (rc == SP_OK)
            rc = auth_session_new(s->accounts, who.name, secret, &err);
        if (rc == SP_OK) {
            auth_audit(s->accounts, &who, "login", NULL, NULL, client, NULL);
            sd_set_cookie(r, "sp_session", secret, AUTH_SESSION_SECONDS);
            sd_set_cookie(r, LOGIN_COOKIE, "", 0);
            ret = sd_reply_see_other(r, safe_next(next));
        } else {
            auth_who anon = {.via = "session"};
            char target[AUTH_MAX_NAME + 1];
            snprintf(target, sizeof target, "%s", auth_name_valid(name) ? name : "?");
            auth_audit(s->accounts, &anon, "login.failed", target, NULL, client, NULL);
            ret = show_form(r, MHD_HTTP_UNAUTHORIZED, next, name,
                            "Wrong account name or password.");
        }
    }
    free(name);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    free(csrf);
    free(next);
    return ret;
}

enum MHD_Result sd_page_login(sd_req *r, const char *rest)
{
    (void)rest;
    if (!strcmp(r->method, MHD_HTTP_METHOD_POST))
        return post_login(r);
    const auth_who *who = sd_auth_who(r);
    if (who->role > AUTH_PUBLIC)
        return signed_in(r, who);
    pg p;
    pg_init(&p, r);
    const char *next = pg_get(&p, "next");
    return show_form(r, MHD_HTTP_OK, next, NULL, NULL);
}

enum MHD_Result sd_page_logout(sd_req *r, const char *rest)
{
    (void)rest;
    const auth_who *who = sd_auth_who(r);
    if (strcmp(r->method, MHD_HTTP_METHOD_POST) != 0) {
        if (!r->session[0])
            return sd_reply_see_other(r, "/");
        char csrf[AUTH_SECRET_LEN + 1];
        auth_csrf(r->session, csrf);
        pg p;
        pg_init(&p, r);
        pg_head(&p, "Sign out", NULL, NULL);
        pg_raw(&p, "<h1>Sign out</h1><form method=\"post\" action=\"/logout\">"
                   "<input type=\"hidden\" name=\"csrf\" value=\"");
        pg_text(&p, csrf);
        pg_raw(&p, "\"><button type=\"submit\">Sign out</button></form>");
        pg_foot(&p);
        return pg_reply(&p, MHD_HTTP_OK);
    }
    if (!r->session[0])
        return sd_reply_see_other(r, "/");
    char want[AUTH_SECRET_LEN + 1];
    auth_csrf(r->session, want);
    char *got = field(r, "csrf");
    bool ok = sd_same_origin(r) && auth_equal(got, want);
    free(got);
    if (!ok)
        return sd_reply_error(r, MHD_HTTP_FORBIDDEN, "csrf",
                              "sign out with the button on this site's pages");
    char client[64];
    sd_client_addr(r, client, sizeof client);
    auth_session_end(r->srv->accounts, r->session, NULL);
    auth_audit(r->srv->accounts, who, "logout", NULL, NULL, client, NULL);
    sd_set_cookie(r, "sp_session", "", 0);
    return sd_reply_see_other(r, "/");
}
