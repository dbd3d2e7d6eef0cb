/*
 * test_authdb.c - the accounts database (searchd/auth.h) and the address
 * ranges of --metrics-allow (sd_cidr_parse, sd_cidr_match), without HTTP:
 *   test_authdb cidr.tsv
 * The ranges are a table (cidr.tsv: range, address, allow/deny/bad); the
 * accounts part makes a store in a temporary folder and checks what the
 * daemon and the commands rely on: names and passwords are checked, a
 * login is right or "wrong account name or password" (the same for an
 * unknown name), sessions and tokens are found only by their secret and
 * stop when ended, revoked or their account is removed, a token never
 * acts above its account, and the audit trail filters by account and
 * action.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/tcheck.h"
#include "auth.h"
#include "sd_int.h"

static void check_cidrs(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    sp_err err;
    if (sp_read_file(path, 1 << 20, &text, &len, &err) != SP_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
        t_failures++;
        return;
    }
    int rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *range = line, *tab1 = strchr(line, '\t');
        char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        if (!tab1 || !tab2) {
            fprintf(stderr, "%s: bad row '%s'\n", path, line);
            t_failures++;
            continue;
        }
        *tab1 = *tab2 = '\0';
        const char *addr = tab1 + 1, *want = tab2 + 1;
        sd_cidr c;
        int rc = sd_cidr_parse(range, &c, &err);
        if (!strcmp(want, "bad")) {
            t_checks++;
            if (rc == SP_OK) {
                t_failures++;
                fprintf(stderr, "range '%s' should be refused\n", range);
            }
            rows++;
            continue;
        }
        struct sockaddr_storage ss = {0};
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1)
            s4->sin_family = AF_INET;
        else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1)
            s6->sin6_family = AF_INET6;
        bool got = rc == SP_OK && sd_cidr_match(&c, 1, (struct sockaddr *)&ss);
        t_checks++;
        if (rc != SP_OK || got != !strcmp(want, "allow")) {
            t_failures++;
            fprintf(stderr, "%s in %s: expected %s, got %s%s\n", addr, range, want,
                    got ? "allow" : "deny", rc == SP_OK ? "" : " (range refused)");
        }
        rows++;
    }
    CHECK(rows >= 20);
    free(text);
}

static void check_accounts(void)
{
    char dir[] = "/tmp/signpost-authdb-XXXXXX";
    if (!mkdtemp(dir)) {
        t_failures++;
        return;
    }
    auth_db *db = NULL;
    sp_err err;
    CHECK(auth_open(dir, &db, &err) == SP_OK);
    if (!db)
        return;

    static const char *const good[] = {"a", "ed", "alice.smith", "bob_2", "x-y", "me@example.org"};
    static const char *const bad[] = {"", "has space", "semi;colon", "quote'", "tab\t",
                                      "é", "<b>",
                                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(auth_name_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!auth_name_valid(bad[i]));
    CHECK(auth_role_parse("editor") == AUTH_EDITOR);
    CHECK(auth_role_parse("Editor") == -1);
    CHECK_STR(auth_role_name(AUTH_VIEWER), "viewer");

    CHECK(auth_user_add(db, "ed", AUTH_EDITOR, "a long enough one", &err) == SP_OK);
    CHECK(auth_user_add(db, "ed", AUTH_VIEWER, "a long enough one", &err) == SP_EINVAL);
    CHECK(auth_user_add(db, "vi", AUTH_VIEWER, "short", &err) == SP_EINVAL);
    CHECK(auth_user_add(db, "vi", AUTH_PUBLIC, "a long enough one", &err) == SP_EINVAL);
    CHECK(auth_user_add(db, "bad name", AUTH_VIEWER, "a long enough one", &err) == SP_EINVAL);
    CHECK(auth_user_add(db, "vi", AUTH_VIEWER, "another long one", &err) == SP_OK);

    auth_who who;
    CHECK(auth_login(db, "ed", "a long enough one", &who, &err) == SP_OK);
    CHECK_STR(who.name, "ed");
    CHECK(who.role == AUTH_EDITOR);
    CHECK(auth_login(db, "ed", "a long enough onE", &who, &err) == SP_EINVAL);
    char wrong[sizeof err.msg];
    snprintf(wrong, sizeof wrong, "%s", err.msg);
    CHECK(auth_login(db, "nobody", "a long enough one", &who, &err) == SP_EINVAL);
    CHECK_STR(err.msg, wrong); /* an unknown name reads like a wrong password */
    CHECK(who.name[0] == '\0' && who.role == AUTH_PUBLIC);
    CHECK(auth_login(db, "ed", "", &who, &err) == SP_EINVAL);

    /* sessions */
    char s1[AUTH_SECRET_LEN + 1], s2[AUTH_SECRET_LEN + 1];
    CHECK(auth_session_new(db, "ed", s1, &err) == SP_OK);
    CHECK(auth_session_new(db, "ed", s2, &err) == SP_OK);
    CHECK(strlen(s1) == AUTH_SECRET_LEN && strcmp(s1, s2) != 0);
    CHECK(auth_session_new(db, "nobody", s2, &err) == SP_ENOTFOUND);
    CHECK(auth_session_get(db, s1, &who, &err) == SP_OK && !strcmp(who.name, "ed"));
    CHECK_STR(who.via, "session");
    char c1[AUTH_SECRET_LEN + 1], c1b[AUTH_SECRET_LEN + 1], c2[AUTH_SECRET_LEN + 1];
    auth_csrf(s1, c1);
    auth_csrf(s1, c1b);
    auth_csrf(s2, c2);
    CHECK(auth_equal(c1, c1b) && !auth_equal(c1, c2) && !auth_equal(c1, s1));
    CHECK(!auth_equal(c1, NULL) && !auth_equal(NULL, NULL) && !auth_equal(c1, ""));
    char forged[AUTH_SECRET_LEN + 1];
    memcpy(forged, s1, sizeof forged);
    forged[0] = forged[0] == 'A' ? 'B' : 'A';
    CHECK(auth_session_get(db, forged, &who, &err) == SP_ENOTFOUND);
    CHECK(auth_session_get(db, "short", &who, &err) == SP_ENOTFOUND);
    CHECK(auth_session_end(db, s1, &err) == SP_OK);
    CHECK(auth_session_get(db, s1, &who, &err) == SP_ENOTFOUND);
    CHECK(auth_session_new(db, "ed", s1, &err) == SP_OK);
    CHECK(auth_user_passwd(db, "ed", "a new long one!", &err) == SP_OK);
    CHECK(auth_session_get(db, s1, &who, &err) == SP_ENOTFOUND); /* a new password ends it */
    CHECK(auth_login(db, "ed", "a new long one!", &who, &err) == SP_OK);
    CHECK(auth_user_passwd(db, "nobody", "a new long one!", &err) == SP_ENOTFOUND);

    /* tokens */
    char tok[sizeof AUTH_TOKEN_PREFIX + AUTH_SECRET_LEN], tv[sizeof tok];
    int64_t id = 0, idv = 0;
    CHECK(auth_token_add(db, "vi", AUTH_EDITOR, NULL, &id, tok, &err) == SP_EINVAL);
    CHECK(tok[0] == '\0');
    CHECK(auth_token_add(db, "nobody", AUTH_VIEWER, NULL, &id, tok, &err) == SP_ENOTFOUND);
    CHECK(auth_token_add(db, "vi", AUTH_VIEWER, "reports", &idv, tv, &err) == SP_OK);
    CHECK(auth_token_add(db, "ed", AUTH_EDITOR, "script", &id, tok, &err) == SP_OK);
    CHECK(!strncmp(tok, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)) && id != idv);
    CHECK(auth_token_get(db, tok, &who, &err) == SP_OK && !strcmp(who.name, "ed") &&
          who.role == AUTH_EDITOR && who.token_id == id);
    CHECK_STR(who.via, "token");
    CHECK(auth_token_get(db, tok + strlen(AUTH_TOKEN_PREFIX), &who, &err) == SP_ENOTFOUND);
    CHECK(auth_token_revoke(db, id, &err) == SP_OK);
    CHECK(auth_token_revoke(db, id, &err) == SP_ENOTFOUND);
    CHECK(auth_token_get(db, tok, &who, &err) == SP_ENOTFOUND);
    json_t *list = auth_token_list(db, &err);
    CHECK(json_array_size(list) == 2);
    json_decref(list);
    /* removing an account takes its tokens with it */
    CHECK(auth_token_get(db, tv, &who, &err) == SP_OK && who.role == AUTH_VIEWER);
    CHECK(auth_user_remove(db, "vi", &err) == SP_OK);
    CHECK(auth_token_get(db, tv, &who, &err) == SP_ENOTFOUND);
    CHECK(auth_user_remove(db, "vi", &err) == SP_ENOTFOUND);
    list = auth_user_list(db, &err);
    CHECK(json_array_size(list) == 1);
    json_decref(list);

    /* the audit trail */
    auth_who ed = {.name = "ed", .role = AUTH_EDITOR, .via = "token"};
    auth_who anon = {.via = "session"};
    CHECK(auth_audit(db, &ed, "hub.decision", "a b", "same", "127.0.0.1", &err) == SP_OK);
    CHECK(auth_audit(db, &anon, "login.failed", "ed", NULL, "127.0.0.3", &err) == SP_OK);
    CHECK(auth_audit(db, &ed, "hub.decision", "c d", "not-same", NULL, &err) == SP_OK);
    json_t *rows = auth_audit_list(db, NULL, NULL, 10, &err);
    CHECK(json_array_size(rows) == 3);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "target")), "c d");
    json_decref(rows);
    rows = auth_audit_list(db, "ed", "hub.decision", 10, &err);
    CHECK(json_array_size(rows) == 2);
    json_decref(rows);
    rows = auth_audit_list(db, NULL, "login.failed", 10, &err);
    CHECK(json_array_size(rows) == 1 &&
          !strcmp(json_string_value(json_object_get(json_array_get(rows, 0), "account")), ""));
    json_decref(rows);
    rows = auth_audit_list(db, NULL, NULL, 1, &err);
    CHECK(json_array_size(rows) == 1);
    json_decref(rows);

    auth_close(db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_authdb cidr.tsv\n");
        return 2;
    }
    check_cidrs(argv[1]);
    check_accounts();
    return t_done("authdb");
}
