/*
 * cmd_serve.c - `signpost serve`: run searchd (searchd/sd.h) over a store's
 * index until SIGINT or SIGTERM, then stop gracefully (in-flight requests
 * finish, index handles close).
 */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost serve --store DIR [--listen ADDR:PORT] [--web DIR]\n"
            "                      [--threads N] [--max-conns N] [--per-client N]\n"
            "                      [--head-timeout S] [--idle-timeout S] [--quiet]\n"
            "                      [--hub-public] [--metrics-allow CIDR]...\n"
            "                      [--secure-cookies] [--write-limit N]\n"
            "\n"
            "Serve the search API (/api/v1/search, /api/v1/services/{id}), /healthz,\n"
            "/metrics and the portal's static files over HTTP.  Records the indexer\n"
            "commits while the daemon runs are found within about a second.\n"
            "\n"
            "  --store DIR         the store; the index is DIR/index (required)\n"
            "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080); port 0\n"
            "                      picks a free port, printed on stderr at start\n"
            "  --web DIR           the portal's files; /static/X serves DIR/static/X\n"
            "                      (default: the installed or source web/ folder)\n"
            "  --threads N         worker threads (default: one per CPU)\n"
            "  --max-conns N       connections served at once (default 512); more wait\n"
            "                      for a slot, then get 503 with Retry-After\n"
            "  --per-client N      connections from one address (IPv6: one /64) at once\n"
            "                      (default 64; behind a proxy, raise it)\n"
            "  --head-timeout S    seconds a new connection has to send its whole request\n"
            "                      head, however slowly (default 10)\n"
            "  --idle-timeout S    seconds an idle keep-alive connection is kept (default 15)\n"
            "  --quiet             no access log (the log never has query strings)\n"
            CLI_ACCESS_HELP
            "  -h, --help          this help\n"
            "\n"
            "Stops on SIGINT (Ctrl-C) or SIGTERM.  See docs/api.md for the API and\n"
            "docs/security.md for accounts, tokens and deploying behind TLS.\n");
}

int cli_access_option(const char *cmd, int c, const char *arg, sd_opts *o, cli_access *a)
{
    switch (c) {
    case CLI_OPT_HUB_PUBLIC:
        o->hub_public = true;
        return 1;
    case CLI_OPT_SECURE_COOKIES:
        o->secure_cookies = true;
        return 1;
    case CLI_OPT_METRICS_ALLOW: {
        sp_err err;
        sp_err_clear(&err);
        if (a->n >= sizeof a->metrics_allow / sizeof a->metrics_allow[0]) {
            fprintf(stderr, "signpost %s: at most 16 --metrics-allow ranges\n", cmd);
            return CLI_USAGE;
        }
        if (sd_check_range(arg, &err) != SP_OK) {
            fprintf(stderr, "signpost %s: --metrics-allow: %s\n", cmd, err.msg);
            return CLI_USAGE;
        }
        a->metrics_allow[a->n++] = arg;
        return 1;
    }
    case CLI_OPT_WRITE_LIMIT: {
        char *end = NULL;
        long n = strtol(arg, &end, 10);
        if (!*arg || *end || n < 1 || n > 100000) {
            fprintf(stderr, "signpost %s: --write-limit takes a number from 1 to 100000\n", cmd);
            return CLI_USAGE;
        }
        o->write_limit = (unsigned)n;
        return 1;
    }
    default:
        return 0;
    }
}

void cli_access_done(sd_opts *o, cli_access *a)
{
    o->metrics_allow = a->metrics_allow;
    o->n_metrics_allow = a->n;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* web/ next to the installed data, else the source tree's. */
static const char *default_web_dir(char *buf, size_t size)
{
    snprintf(buf, size, "%s/web", SP_INSTALLED_DATA_DIR);
    if (is_dir(buf))
        return buf;
    snprintf(buf, size, "%s/../web", SP_SOURCE_DATA_DIR);
    if (is_dir(buf))
        return buf;
    return NULL;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'}, {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, 'w'},   {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {"max-conns", required_argument, NULL, 'm'}, {"per-client", required_argument, NULL, 'p'},
        {"head-timeout", required_argument, NULL, 'H'},
        {"idle-timeout", required_argument, NULL, 'i'},
        CLI_ACCESS_LONGOPTS,                     {NULL, 0, NULL, 0},
    };
    sd_opts o = {0};
    cli_access acc = {0};
    o.access_log = true;
    char webbuf[PATH_MAX];

    optind = 1;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "h", longopts, NULL);
        if (c == -1)
            break;
        int took = cli_access_option("serve", c, optarg, &o, &acc);
        if (took == CLI_USAGE)
            return CLI_USAGE;
        if (took)
            continue;
        switch (c) {
        case 's':
            o.store_dir = optarg;
            break;
        case 'l':
            o.listen = optarg;
            break;
        case 'w':
            o.web_dir = optarg;
            break;
        case 't': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 256) {
                fprintf(stderr, "signpost serve: --threads takes a number from 1 to 256\n");
                return CLI_USAGE;
            }
            o.threads = (unsigned)n;
            break;
        }
        case 'm':
        case 'p':
        case 'H':
        case 'i': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            long max = c == 'm' || c == 'p' ? 100000 : 3600;
            if (!*optarg || *end || n < 1 || n > max) {
                fprintf(stderr, "signpost serve: --%s takes a number from 1 to %ld\n",
                        c == 'm' ? "max-conns" : c == 'p' ? "per-client"
                        : c == 'H' ? "head-timeout" : "idle-timeout", max);
                return CLI_USAGE;
            }
            unsigned *f = c == 'm' ? &o.max_conns : c == 'p' ? &o.max_per_client
                          : c == 'H' ? &o.head_timeout_s : &o.timeout_s;
            *f = (unsigned)n;
            break;
        }
        case 'q':
            o.access_log = false;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            fprintf(stderr,
                    "signpost serve: unknown or incomplete option '%s'; "
                    "'signpost serve --help' lists them\n",
                    argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "signpost serve: unexpected argument '%s'; see --help\n", argv[optind]);
        return CLI_USAGE;
    }
    if (!o.store_dir) {
        fprintf(stderr, "signpost serve: --store DIR is required (the store the indexer "
                        "writes); see --help\n");
        return CLI_USAGE;
    }
    if (!is_dir(o.store_dir)) {
        fprintf(stderr, "signpost serve: store '%s' is not a directory; create it with "
                        "`signpost index --store DIR` or `signpost crawl`\n",
                o.store_dir);
        return CLI_FAIL;
    }
    cli_access_done(&o, &acc);
    if (!o.web_dir)
        o.web_dir = default_web_dir(webbuf, sizeof webbuf);
    else if (!is_dir(o.web_dir)) {
        fprintf(stderr, "signpost serve: --web '%s' is not a directory\n", o.web_dir);
        return CLI_USAGE;
    }

    /* Block the signals before the workers start so only sigwait sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    sd_server *srv = NULL;
    sp_err err;
    sp_err_clear(&err);
    if (sd_start(&o, &srv, &err) != SP_OK) {
        fprintf(stderr, "signpost serve: %s\n", err.msg);
        return CLI_FAIL;
    }
    fprintf(stderr, "signpost serve: listening on port %u (store %s); Ctrl-C stops\n",
            (unsigned)sd_port(srv), o.store_dir);
    int sig = sd_wait_for_signal();
    fprintf(stderr, "signpost serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sd_stop(srv);
    return CLI_OK;
}
