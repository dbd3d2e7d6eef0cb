/*
 * cmd_user.c - `signpost user` and `signpost token`: the accounts of a
 * store (searchd/auth.h, STORE/accounts.db) for the people and scripts
 * allowed to read the hub and to make decisions.
 *
 * Passwords never come from the command line (argv is visible to every
 * user of the machine in ps): they are read from a terminal with echo off,
 * twice, or as the first line of standard input when it is not a terminal
 * (for provisioning scripts).  A token is printed once, on standard
 * output, and only its hash is kept.  Every change goes into the audit
 * trail as "cli:USER".
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"

static void user_usage(FILE *out)
{
    fprintf(out,
            "usage: signpost user add NAME --store DIR [--role ROLE]\n"
            "       signpost user list --store DIR [--json]\n"
            "       signpost user remove NAME --store DIR\n"
            "       signpost user passwd NAME --store DIR\n"
            "\n"
            "Manage the staff accounts of a store (DIR/accounts.db): who may read the\n"
            "hub dashboard and API, and who may decide duplicates.  Jobseekers and\n"
            "coaches never need an account.\n"
            "\n"
            "  --store DIR   the store (required)\n"
            "  --role ROLE   viewer (reads the hub), editor (also decides duplicates)\n"
            "                or admin (also manages accounts); default viewer\n"
            "  --json        list as JSON\n"
            "  -h, --help    this help\n"
            "\n"
            "The password is asked for twice on the terminal, or read as the first\n"
            "line of standard input when that is not a terminal; it is never taken\n"
            "from the command line.  At least %d bytes.  remove also ends the\n"
            "account's sessions and tokens; passwd ends its sessions.\n"
            "Exit status: 0 done, 1 failed, 2 bad usage.  See docs/security.md.\n",
            AUTH_MIN_PASSWORD);
}

static void token_usage(FILE *out)
{
    fprintf(out,
            "usage: signpost token add --store DIR --user NAME [--role ROLE] [--label TEXT]\n"
            "       signpost token list --store DIR [--json]\n"
            "       signpost token revoke ID --store DIR\n"
            "\n"
            "API tokens for scripts: send one as 'Authorization: Bearer TOKEN'.  A\n"
            "token acts for its account with its own role (at most the account's),\n"
            "is printed once by add (only a hash is kept) and stops working when\n"
            "revoked or when its account is removed.\n"
            "\n"
            "  --store DIR   the store (required)\n"
            "  --user NAME   the account the token acts for (add)\n"
            "  --role ROLE   viewer, editor or admin; default: the account's role\n"
            "  --label TEXT  what the token is for (shown by list)\n"
            "  --json        list as JSON\n"
            "  -h, --help    this help\n"
            "\n"
            "Exit status: 0 done, 1 failed, 2 bad usage.  See docs/security.md.\n");
}

typedef struct cli_args {
    const char *store, *role, *label, *user;
    bool json, help;
    const char *verb, *operand;
    /* set by the command's check: the verb's index in its list, the role
     * (-1 when none given), token revoke's ID */
    int verb_i, role_i;
    long long id;
} cli_args;

/* parse's answer when --help was given and usage has printed the help. */
#define ANSWERED (-1)

/* Parse the common options; SP_OK, ANSWERED after printing usage for
 * --help, or CLI_USAGE after saying why not. */
static int parse(const char *cmd, int argc, char **argv, void (*usage)(FILE *out), cli_args *a)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'}, {"role", required_argument, NULL, 'r'},
        {"label", required_argument, NULL, 'l'}, {"user", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "h", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 's': a->store = optarg; break;
        case 'r': a->role = optarg; break;
        case 'l': a->label = optarg; break;
        case 'u': a->user = optarg; break;
        case 'j': a->json = true; break;
        case 'h': a->help = true; break;
        default:
            fprintf(stderr, "signpost %s: unknown or incomplete option '%s'; "
                            "'signpost %s --help' lists them\n",
                    cmd, argv[optind - 1], cmd);
            return CLI_USAGE;
        }
    }
    if (optind < argc)
        a->verb = argv[optind++];
    if (optind < argc)
        a->operand = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "signpost %s: unexpected argument '%s'; see --help\n", cmd, argv[optind]);
        return CLI_USAGE;
    }
    if (a->help) {
        usage(stdout);
        return ANSWERED;
    }
    return CLI_OK;
}

static int open_store(const char *cmd, const cli_args *a, auth_db **db)
{
    struct stat st;
    if (!a->store) {
        fprintf(stderr, "signpost %s: --store DIR is required; see --help\n", cmd);
        return CLI_USAGE;
    }
    if (stat(a->store, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "signpost %s: store '%s' is not a directory; create it with "
                        "`signpost crawl` or `signpost index` first\n",
                cmd, a->store);
        return CLI_FAIL;
    }
    sp_err err;
    sp_err_clear(&err);
    if (auth_open(a->store, db, &err) != SP_OK) {
        fprintf(stderr, "signpost %s: %s\n", cmd, err.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* The operator, for the audit trail. */
static void cli_who(auth_who *who)
{
    memset(who, 0, sizeof *who);
    const struct passwd *pw = getpwuid(geteuid());
    snprintf(who->name, sizeof who->name, "cli:%.58s", pw && pw->pw_name ? pw->pw_name : "?");
    who->role = AUTH_ADMIN;
    who->via = "cli";
}

static void audit(auth_db *db, const char *action, const char *target, const char *detail)
{
    auth_who who;
    cli_who(&who);
    sp_err err;
    sp_err_clear(&err);
    if (auth_audit(db, &who, action, target, detail, NULL, &err) != SP_OK)
        fprintf(stderr, "signpost: warning: the audit trail missed %s: %s\n", action, err.msg);
}

/* One line from f without its newline into buf; false at EOF/too long. */
static bool read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return false;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (n == size - 1)
        return false;
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return true;
}

static bool prompt(FILE *tty, const char *what, char *buf, size_t size)
{
    struct termios old, quiet;
    int fd = fileno(tty);
    bool echo_off = tcgetattr(fd, &old) == 0;
    if (echo_off) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fprintf(tty, "%s", what);
    fflush(tty);
    bool ok = read_line(tty, buf, size);
    if (echo_off)
        tcsetattr(fd, TCSAFLUSH, &old);
    fprintf(tty, "\n");
    return ok;
}

/* A new password: from the terminal (twice) or stdin's first line. */
static int read_password(const char *cmd, char *buf, size_t size)
{
    if (!isatty(STDIN_FILENO)) {
        if (!read_line(stdin, buf, size)) {
            fprintf(stderr, "signpost %s: no password on standard input (one line, at most "
                            "%d bytes)\n",
                    cmd, AUTH_MAX_PASSWORD);
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty) {
        fprintf(stderr, "signpost %s: cannot open the terminal to ask for a password\n", cmd);
        return CLI_FAIL;
    }
    char again[AUTH_MAX_PASSWORD + 2];
    bool ok = prompt(tty, "New password: ", buf, size) &&
              prompt(tty, "The same again: ", again, sizeof again);
    fclose(tty);
    bool same = ok && !strcmp(buf, again);
    memset(again, 0, sizeof again);
    if (!same) {
        fprintf(stderr, "signpost %s: the passwords did not match; nothing changed\n", cmd);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int fail(const char *cmd, const sp_err *err)
{
    fprintf(stderr, "signpost %s: %s\n", cmd, err->msg);
    return CLI_FAIL;
}

/* The role of account name, -1 when there is none. */
static int account_role(auth_db *db, const char *name)
{
    int role = -1;
    json_t *users = auth_user_list(db, NULL);
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        if (!strcmp(json_string_value(json_object_get(u, "name")), name))
            role = auth_role_parse(json_string_value(json_object_get(u, "role")));
    }
    json_decref(users);
    return role;
}

static void put_time(const json_t *v)
{
    char t[32] = "-";
    if (json_is_integer(v))
        sp_time_format((int64_t)json_integer_value(v), t);
    printf("  %-20s", t);
}

static int list(json_t *rows, bool as_json, bool tokens)
{
    if (as_json) {
        char *s = json_dumps(rows, JSON_INDENT(1));
        if (s)
            puts(s);
        free(s);
        return CLI_OK;
    }
    size_t i;
    json_t *row;
    if (!tokens) {
        printf("%-32s  %-6s  %-20s  %-20s  %s\n", "NAME", "ROLE", "CREATED", "LAST LOGIN",
               "TOKENS");
        json_array_foreach(rows, i, row)
        {
            printf("%-32s  %-6s", json_string_value(json_object_get(row, "name")),
                   json_string_value(json_object_get(row, "role")));
            put_time(json_object_get(row, "created"));
            put_time(json_object_get(row, "last_login"));
            printf("  %lld\n", (long long)json_integer_value(json_object_get(row, "tokens")));
        }
        return CLI_OK;
    }
    printf("%-4s  %-24s  %-6s  %-20s  %-20s  %-20s  %s\n", "ID", "ACCOUNT", "ROLE", "CREATED",
           "LAST USED", "REVOKED", "LABEL");
    json_array_foreach(rows, i, row)
    {
        printf("%-4lld  %-24s  %-6s", (long long)json_integer_value(json_object_get(row, "id")),
               json_string_value(json_object_get(row, "account")),
               json_string_value(json_object_get(row, "role")));
        put_time(json_object_get(row, "created"));
        put_time(json_object_get(row, "last_used"));
        put_time(json_object_get(row, "revoked"));
        const char *l = json_string_value(json_object_get(row, "label"));
        printf("  %s\n", l ? l : "");
    }
    return CLI_OK;
}

/* The usage checks of `signpost user VERB ...`, before the store opens. */
static int user_check(cli_args *a)
{
    static const char *const verbs[] = {"add", "list", "remove", "passwd"};
    int verb = -1;
    for (int i = 0; a->verb && i < 4; i++)
        if (!strcmp(a->verb, verbs[i]))
            verb = i;
    if (verb < 0) {
        fprintf(stderr, "signpost user: say add, list, remove or passwd; see --help\n");
        return CLI_USAGE;
    }
    if ((verb == 1) == (a->operand != NULL)) {
        fprintf(stderr, verb == 1 ? "signpost user list: takes no NAME; see --help\n"
                                  : "signpost user %s: NAME is required; see --help\n",
                a->verb);
        return CLI_USAGE;
    }
    int role = AUTH_VIEWER;
    if (a->role && (verb != 0 || (role = auth_role_parse(a->role)) < AUTH_VIEWER)) {
        fprintf(stderr, verb != 0 ? "signpost user: --role goes with add only\n"
                                  : "signpost user add: --role is viewer, editor or admin\n");
        return CLI_USAGE;
    }
    if (verb == 0 && !auth_name_valid(a->operand)) {
        fprintf(stderr, "signpost user add: an account name is 1 to %d of a-z A-Z 0-9 . _ - @\n",
                AUTH_MAX_NAME);
        return CLI_USAGE;
    }
    a->verb_i = verb;
    a->role_i = role;
    return CLI_OK;
}

/* `signpost user VERB ...` on the open store. */
static int user_act(const cli_args *a, auth_db *db)
{
    int verb = a->verb_i, role = a->role_i, rc = CLI_OK;
    sp_err err;
    sp_err_clear(&err);
    char pw[AUTH_MAX_PASSWORD + 2];
    if (verb == 1) {
        json_t *rows = auth_user_list(db, &err);
        rc = rows ? list(rows, a->json, false) : fail("user list", &err);
        json_decref(rows);
    } else if (verb == 2) {
        rc = auth_user_remove(db, a->operand, &err) == SP_OK ? CLI_OK : CLI_FAIL;
        if (rc == CLI_OK) {
            audit(db, "user.remove", a->operand, NULL);
            fprintf(stderr, "signpost user: removed '%s', its sessions and its tokens\n",
                    a->operand);
        } else {
            fprintf(stderr, "signpost user remove: %s\n", err.msg);
        }
    } else if ((rc = read_password(verb == 0 ? "user add" : "user passwd", pw, sizeof pw)) ==
               CLI_OK) {
        int r = verb == 0 ? auth_user_add(db, a->operand, (auth_role)role, pw, &err)
                          : auth_user_passwd(db, a->operand, pw, &err);
        if (r == SP_OK) {
            audit(db, verb == 0 ? "user.add" : "user.passwd", a->operand,
                  verb == 0 ? auth_role_name((auth_role)role) : NULL);
            fprintf(stderr, verb == 0 ? "signpost user: added '%s' (%s)\n"
                                      : "signpost user: new password for '%s'%s\n",
                    a->operand, verb == 0 ? auth_role_name((auth_role)role) : "; its sessions ended");
        } else {
            rc = fail(verb == 0 ? "user add" : "user passwd", &err);
        }
    }
    memset(pw, 0, sizeof pw);
    return rc;
}

/* The usage checks of `signpost token VERB ...`, before the store opens. */
static int token_check(cli_args *a)
{
    bool add = a->verb && !strcmp(a->verb, "add"), lst = a->verb && !strcmp(a->verb, "list");
    bool revoke = a->verb && !strcmp(a->verb, "revoke");
    if (!add && !lst && !revoke) {
        fprintf(stderr, "signpost token: say add, list or revoke; see --help\n");
        return CLI_USAGE;
    }
    if ((add && (!a->user || a->operand)) || (lst && a->operand) || (revoke && !a->operand)) {
        fprintf(stderr, add ? "signpost token add: --user NAME is required (and no other "
                              "argument); see --help\n"
                        : lst ? "signpost token list: takes no argument; see --help\n"
                              : "signpost token revoke: the token's ID is required (see "
                                "`signpost token list`)\n");
        return CLI_USAGE;
    }
    int role = -1;
    if (a->role && (!add || (role = auth_role_parse(a->role)) < AUTH_VIEWER)) {
        fprintf(stderr, "signpost token: --role goes with add and is viewer, editor or admin\n");
        return CLI_USAGE;
    }
    long long id = 0;
    if (revoke) {
        char *end = NULL;
        id = strtoll(a->operand, &end, 10);
        if (!*a->operand || *end || id < 1) {
            fprintf(stderr, "signpost token revoke: ID is a number from `signpost token list`\n");
            return CLI_USAGE;
        }
    }
    a->verb_i = add ? 0 : lst ? 1 : 2;
    a->role_i = role;
    a->id = id;
    return CLI_OK;
}

/* `signpost token VERB ...` on the open store. */
static int token_act(const cli_args *a, auth_db *db)
{
    bool lst = a->verb_i == 1, revoke = a->verb_i == 2;
    int role = a->role_i, rc = CLI_OK;
    long long id = a->id;
    sp_err err;
    sp_err_clear(&err);
    if (lst) {
        json_t *rows = auth_token_list(db, &err);
        rc = rows ? list(rows, a->json, true) : fail("token list", &err);
        json_decref(rows);
    } else if (revoke) {
        if (auth_token_revoke(db, id, &err) == SP_OK) {
            char t[24];
            snprintf(t, sizeof t, "%lld", id);
            audit(db, "token.revoke", t, NULL);
            fprintf(stderr, "signpost token: token %lld revoked\n", id);
            rc = CLI_OK;
        } else {
            fprintf(stderr, "signpost token revoke: %s\n", err.msg);
            rc = CLI_FAIL;
        }
    } else {
        if (role < 0)
            role = account_role(db, a->user); /* the account's own */
        char token[sizeof AUTH_TOKEN_PREFIX + AUTH_SECRET_LEN];
        int64_t tid = 0;
        int r = role < 0 ? sp_fail(&err, SP_ENOTFOUND, "no account named '%s'", a->user)
                         : auth_token_add(db, a->user, (auth_role)role, a->label, &tid, token, &err);
        if (r == SP_OK) {
            char t[24];
            snprintf(t, sizeof t, "%lld", (long long)tid);
            audit(db, "token.add", t, auth_role_name((auth_role)role));
            printf("%s\n", token);
            fprintf(stderr, "signpost token: token %lld for '%s' (%s); it is shown only now\n",
                    (long long)tid, a->user, auth_role_name((auth_role)role));
            memset(token, 0, sizeof token);
            rc = CLI_OK;
        } else {
            rc = fail("token add", &err);
        }
    }
    return rc;
}

/* Read the options, answer --help, check the usage, then act on the open
 * store. */
static int run(const char *cmd, int argc, char **argv, void (*usage)(FILE *out),
               int (*check)(cli_args *a), int (*act)(const cli_args *a, auth_db *db))
{
    cli_args a;
    int rc = parse(cmd, argc, argv, usage, &a);
    if (rc != CLI_OK)
        return rc == ANSWERED ? CLI_OK : rc;
    rc = check(&a);
    auth_db *db = NULL;
    if (rc == CLI_OK)
        rc = open_store(cmd, &a, &db);
    if (rc == CLI_OK)
        rc = act(&a, db);
    auth_close(db);
    return rc;
}

int cmd_user(int argc, char **argv)
{
    return run("user", argc, argv, user_usage, user_check, user_act);
}

int cmd_token(int argc, char **argv)
{
    return run("token", argc, argv, token_usage, token_check, token_act);
}
