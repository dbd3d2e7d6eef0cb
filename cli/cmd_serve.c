/*
 * cmd_serve.c - `signpost serve`: run searchd (searchd/sd.h) over a store's
 * index until SIGINT or SIGTERM, then stop gracefully (in-flight requests
 * finish, index handles close).  Settings come from flags, then from
 * signpost.conf (cli/config.h); SIGHUP reads the file again, applies what
 * can change live and reopens the log file, with no connection dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "sd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost serve --store DIR [--listen ADDR:PORT] [--web DIR]\n"
            "                      [--threads N] [--max-conns N] [--per-client N]\n"
            "                      [--head-timeout S] [--idle-timeout S] [--quiet]\n"
            "                      [--hub-public] [--metrics-allow CIDR]...\n"
            "                      [--secure-cookies] [--write-limit N]\n"
            "                      [--config FILE] [--public-url URL]\n"
            "                      [--trusted-proxies LIST] [--log-json] [--log-file FILE]\n"
            "                      [--replica-of HOST:PORT [--writer-url URL]\n"
            "                       [--replica-max-lag S]] [--replication-listen ADDR:PORT]\n"
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
            "  --config FILE       settings file (default " CONFIG_DEFAULT_PATH "\n"
            "                      when it exists); flags override it\n"
            "  --public-url URL    the base of every absolute URL in answers, e.g.\n"
            "                      https://signpost.example.org (behind a proxy)\n"
            "  --trusted-proxies LIST  addresses/CIDRs whose Forwarded and\n"
            "                      X-Forwarded-Proto/-Host headers are believed\n"
            "  --log-json          access log lines as JSON objects\n"
            "  --log-file FILE     log to FILE (reopened on SIGHUP) instead of stderr\n"
            "  --replica-of HOST:PORT  be a read replica: keep DIR/index a copy of the\n"
            "                      index of the writer whose --replication-listen this\n"
            "                      is (xapian-replicate, twice a second) and serve it\n"
            "  --writer-url URL    on a replica, forward writes (sign-ins, hub decisions,\n"
            "                      reports, corrections) to the writer at URL; without\n"
            "                      it they get 503\n"
            "  --replica-max-lag S on a replica, /healthz says \"degraded\" when the\n"
            "                      last sync with the writer is older (default 60)\n"
            "  -h, --help          this help\n"
            "\n"
            "Stops on SIGINT (Ctrl-C) or SIGTERM.  SIGHUP reloads the config file\n"
            "(public URL, trusted proxies, access log) and reopens the log file\n"
            "without dropping connections.  Tells systemd when it is ready\n"
            "($NOTIFY_SOCKET).  See docs/api.md for the API, docs/operations.md\n"
            "for running it as a service, docs/security.md for accounts, tokens\n"
            "and connection limits.\n");
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
    case CLI_OPT_REPLICATION_LISTEN:
        o->replication_listen = arg;
        return 1;
    case CLI_OPT_WRITE_LIMIT:
        return cli_number(cmd, "write-limit", arg, 100000, &o->write_limit) == CLI_OK ? 1
                                                                                   : CLI_USAGE;
    default:
        return 0;
    }
}

void cli_access_done(sd_opts *o, cli_access *a)
{
    o->metrics_allow = a->metrics_allow;
    o->n_metrics_allow = a->n;
}

int cli_next_option(const char *cmd, int argc, char **argv, const struct option *longopts,
                    sd_opts *o, cli_access *a)
{
    for (;;) {
        int c = getopt_long(argc, argv, "h", longopts, NULL);
        if (c == -1)
            return -1;
        int took = cli_access_option(cmd, c, optarg, o, a);
        if (took == CLI_USAGE)
            return CLI_OPT_USAGE;
        if (!took)
            return c;
    }
}

int cli_number(const char *cmd, const char *flag, const char *arg, long max, unsigned *out)
{
    char *end = NULL;
    long n = strtol(arg, &end, 10);
    if (!*arg || *end || n < 1 || n > max) {
        fprintf(stderr, "signpost %s: --%s takes a number from 1 to %ld\n", cmd, flag, max);
        return CLI_USAGE;
    }
    *out = (unsigned)n;
    return CLI_OK;
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

/* What the command line said, kept for reloads (flags win over the file). */
typedef struct serve_flags {
    sd_opts opts;
    const char *config, *log_file;
    bool quiet, log_json;
} serve_flags;

static sd_opts merged_opts(const serve_flags *f, const config *conf)
{
    sd_opts o = f->opts;
    o.access_log = true;
    config_serve_opts(conf, &o);
    if (f->quiet)
        o.access_log = false;
    if (f->log_json)
        o.log_json = true;
    return o;
}

static bool differ(const char *a, const char *b)
{
    return (a || b) && (!a || !b || strcmp(a, b));
}

/* SIGHUP: the log file reopened (logrotate moved it), the config file read
 * again and what can change live applied; a bad file changes nothing. */
static void reload(const serve_flags *f, sd_server *srv, sd_opts *running, config **conf)
{
    sp_err err;
    sp_err_clear(&err);
    config *fresh = NULL;
    const char *path = f->config ? f->config : *conf ? (*conf)->path : NULL;
    int rc = path ? config_load(path, &fresh, NULL, &err) : config_find(NULL, &fresh, &err);
    if (rc != SP_OK) {
        fprintf(stderr, "signpost serve: reload: %s; still running with the settings as they "
                        "were\n", err.msg);
        return;
    }
    const char *log_file = f->log_file ? f->log_file : fresh ? fresh->log_file : NULL;
    if (config_open_log(log_file, &err) != SP_OK)
        fprintf(stderr, "signpost serve: reload: %s\n", err.msg);
    sd_opts o = merged_opts(f, fresh);
    if (sd_reconfigure(srv, &o, &err) != SP_OK) {
        fprintf(stderr, "signpost serve: reload: %s; still running with the settings as they "
                        "were\n", err.msg);
        config_free(fresh);
        return;
    }
    if ((o.store_dir && differ(o.store_dir, running->store_dir)) ||
        differ(o.listen, running->listen) || (o.web_dir && differ(o.web_dir, running->web_dir)) ||
        o.threads != running->threads || o.max_conns != running->max_conns ||
        o.timeout_s != running->timeout_s || o.max_per_client != running->max_per_client ||
        o.head_timeout_s != running->head_timeout_s || o.write_limit != running->write_limit ||
        o.hub_public != running->hub_public || o.secure_cookies != running->secure_cookies ||
        o.n_metrics_allow != running->n_metrics_allow)
        fprintf(stderr, "signpost serve: reload: store, listen, web, threads, max_connections, "
                        "timeout, per_client, head_timeout and the access settings (hub_public, "
                        "metrics_allow, secure_cookies, write_limit) take effect at the next "
                        "restart\n");
    fprintf(stderr, "signpost serve: reloaded%s%s\n", fresh ? " " : "",
            fresh ? fresh->path : "");
    /* The running options keep pointing at the strings they started with:
     * keep the first config alive, free the ones in between. */
    if (*conf && fresh) {
        config_free(fresh);
    } else if (!*conf) {
        *conf = fresh;
    }
}

static int serve(const serve_flags *f, sd_opts *opts, config *conf, char *webbuf,
                 size_t webbuf_size);

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'}, {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, 'w'},   {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {"max-conns", required_argument, NULL, 'm'}, {"per-client", required_argument, NULL, 'p'},
        {"head-timeout", required_argument, NULL, 'H'},
        {"idle-timeout", required_argument, NULL, 'i'},
        {"config", required_argument, NULL, 'C'},
        {"public-url", required_argument, NULL, 'U'},
        {"trusted-proxies", required_argument, NULL, 'P'},
        {"log-json", no_argument, NULL, 'J'},
        {"log-file", required_argument, NULL, 'L'},
        {"replica-of", required_argument, NULL, 'R'},
        {"writer-url", required_argument, NULL, 'W'},
        {"replica-max-lag", required_argument, NULL, 'G'},
        CLI_ACCESS_LONGOPTS,                     {NULL, 0, NULL, 0},
    };
    sd_opts o = {0}; /* the flags; the config file fills the rest */
    serve_flags f = {0};
    cli_access acc = {0};
    char webbuf[PATH_MAX];

    optind = 1;
    opterr = 0;
    for (;;) {
        int c = cli_next_option("serve", argc, argv, longopts, &o, &acc);
        if (c == -1)
            break;
        if (c == CLI_OPT_USAGE)
            return CLI_USAGE;
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
        case 't':
            if (cli_number("serve", "threads", optarg, 256, &o.threads) != CLI_OK)
                return CLI_USAGE;
            break;
        case 'm':
        case 'p':
        case 'H':
        case 'i': {
            bool conns = c == 'm' || c == 'p';
            const char *flag = c == 'm'   ? "max-conns"
                               : c == 'p' ? "per-client"
                               : c == 'H' ? "head-timeout"
                                          : "idle-timeout";
            unsigned *field = c == 'm'   ? &o.max_conns
                              : c == 'p' ? &o.max_per_client
                              : c == 'H' ? &o.head_timeout_s
                                         : &o.timeout_s;
            if (cli_number("serve", flag, optarg, conns ? 100000 : 3600, field) != CLI_OK)
                return CLI_USAGE;
            break;
        }
        case 'q':
            f.quiet = true;
            break;
        case 'R':
            o.replica_of = optarg;
            break;
        case 'W':
            o.writer_url = optarg;
            break;
        case 'G':
            if (cli_number("serve", "replica-max-lag", optarg, 86400, &o.replica_max_lag_s) !=
                CLI_OK)
                return CLI_USAGE;
            break;
        case 'C':
            f.config = optarg;
            break;
        case 'U':
            o.public_url = optarg;
            break;
        case 'P':
            o.trusted_proxies = optarg;
            break;
        case 'J':
            f.log_json = true;
            break;
        case 'L':
            f.log_file = optarg;
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
    cli_access_done(&o, &acc);
    f.opts = o;
    config *conf = NULL;
    sp_err err;
    sp_err_clear(&err);
    if (config_find(f.config, &conf, &err) != SP_OK) {
        fprintf(stderr, "signpost serve: %s\n", err.msg);
        return CLI_FAIL;
    }
    o = merged_opts(&f, conf);
    const char *log_file = f.log_file ? f.log_file : conf ? conf->log_file : NULL;
    if (config_open_log(log_file, &err) != SP_OK) {
        fprintf(stderr, "signpost serve: %s\n", err.msg);
        config_free(conf);
        return CLI_FAIL;
    }
    int ret = serve(&f, &o, conf, webbuf, sizeof webbuf);
    return ret;
}

static int serve(const serve_flags *f, sd_opts *opts, config *conf, char *webbuf,
                 size_t webbuf_size)
{
    sd_opts o = *opts;
    int ret = CLI_FAIL;
    if (!o.store_dir) {
        fprintf(stderr, "signpost serve: --store DIR is required (the store the indexer "
                        "writes; or `store =` in the config file); see --help\n");
        config_free(conf);
        return CLI_USAGE;
    }
    /* A replica starts from nothing: its copy arrives over the network. */
    if (o.replica_of && !is_dir(o.store_dir) && mkdir(o.store_dir, 0755) != 0)
        fprintf(stderr, "signpost serve: cannot create %s: %s\n", o.store_dir, strerror(errno));
    if (!is_dir(o.store_dir)) {
        fprintf(stderr, "signpost serve: store '%s' is not a directory; create it with "
                        "`signpost index --store DIR` or `signpost crawl`\n",
                o.store_dir);
        config_free(conf);
        return CLI_FAIL;
    }
    if (!o.web_dir)
        o.web_dir = default_web_dir(webbuf, webbuf_size);
    else if (!is_dir(o.web_dir)) {
        fprintf(stderr, "signpost serve: --web '%s' is not a directory\n", o.web_dir);
        config_free(conf);
        return CLI_USAGE;
    }

    /* Block the signals before the workers start so only sigwait sees them. */
    sd_block_signals();

    sd_server *srv = NULL;
    sp_err err;
    sp_err_clear(&err);
    if (sd_start(&o, &srv, &err) != SP_OK) {
        fprintf(stderr, "signpost serve: %s\n", err.msg);
        config_free(conf);
        return CLI_FAIL;
    }
    fprintf(stderr, "signpost serve: listening on port %u (store %s%s%s); Ctrl-C stops\n",
            (unsigned)sd_port(srv), o.store_dir, conf ? ", config " : "",
            conf ? conf->path : "");
    config_notify("READY=1");
    int sig;
    while ((sig = sd_wait_for_signal()) == SIGHUP) {
        config_notify("RELOADING=1");
        reload(f, srv, &o, &conf);
        config_notify("READY=1");
    }
    config_notify("STOPPING=1");
    fprintf(stderr, "signpost serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    sd_stop(srv);
    config_free(conf);
    ret = CLI_OK;
    return ret;
}
