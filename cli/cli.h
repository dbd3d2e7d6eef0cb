/*
 * cli.h - the subcommands of `signpost`.  Each takes the arguments after its
 * own name (argv[0] is the subcommand) and returns the process exit code:
 * 0 ok, 1 failure, 2 bad usage.  Errors go to stderr as one line saying what
 * is wrong and what to do.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>

#include "sd.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_run(int argc, char **argv);
int cmd_crawl(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_robots(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_user(int argc, char **argv);

/* Access options of `serve` and `run` (cmd_serve.c; docs/security.md):
 * the getopt_long rows, their --help lines, and the parser. */
#define CLI_OPT_HUB_PUBLIC 1001
#define CLI_OPT_METRICS_ALLOW 1002
#define CLI_OPT_SECURE_COOKIES 1003
#define CLI_OPT_WRITE_LIMIT 1004
#define CLI_OPT_REPLICATION_LISTEN 1005
#define CLI_ACCESS_LONGOPTS                                                                  \
    {"hub-public", no_argument, NULL, CLI_OPT_HUB_PUBLIC},                                   \
        {"replication-listen", required_argument, NULL, CLI_OPT_REPLICATION_LISTEN},         \
        {"metrics-allow", required_argument, NULL, CLI_OPT_METRICS_ALLOW},                   \
        {"secure-cookies", no_argument, NULL, CLI_OPT_SECURE_COOKIES},                       \
    {                                                                                        \
        "write-limit", required_argument, NULL, CLI_OPT_WRITE_LIMIT                          \
    }
#define CLI_ACCESS_HELP                                                                      \
    "  --hub-public        anyone may read the hub (/hub, /api/v1/hub/...); by\n"              \
    "                      default it needs a staff account (signpost user)\n"                 \
    "  --metrics-allow CIDR  who may read /metrics (repeatable; default\n"                      \
    "                      loopback only: 127.0.0.0/8 and ::1)\n"                              \
    "  --secure-cookies    mark cookies Secure (automatic behind a proxy that\n"               \
    "                      sends X-Forwarded-Proto: https)\n"                                  \
    "  --write-limit N     writes per account per minute (default 60)\n"              \
    "  --replication-listen ADDR:PORT  serve the index to replicas there\n"                   \
    "                      (xapian-replicate-server; docs/scale-out.md)\n"

typedef struct cli_access {
    const char *metrics_allow[16];
    size_t n;
} cli_access;

/* Handle option c (one of CLI_OPT_*) into o and a: 1 when it was one of
 * them, 0 when not, CLI_USAGE after saying what is wrong.  Call
 * cli_access_done before using o. */
int cli_access_option(const char *cmd, int c, const char *arg, sd_opts *o, cli_access *a);
void cli_access_done(sd_opts *o, cli_access *a);
/* getopt_long over longopts (short options: -h only), the access options
 * handled on the way: the next other option, -1 at the end, or
 * CLI_OPT_USAGE after saying what is wrong with an access option. */
#define CLI_OPT_USAGE (-2)
struct option;
int cli_next_option(const char *cmd, int argc, char **argv, const struct option *longopts,
                    sd_opts *o, cli_access *a);
/* arg as a whole number from 1 to max into *out: CLI_OK, or CLI_USAGE
 * after saying that --flag takes one. */
int cli_number(const char *cmd, const char *flag, const char *arg, long max, unsigned *out);
int cmd_token(int argc, char **argv);

#endif
