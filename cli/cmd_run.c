/*
 * cmd_run.c - `signpost run`: the whole pipeline, live, in one process.
 *
 * Three threads share one store directory: the crawler (crawl_run, on its
 * schedule) writes documents into the store; the indexer (ingest_run) wakes
 * when a document lands, or every few seconds, and commits new records to
 * the index; searchd (sd_start) reopens the index and serves.  So a change
 * on a provider's site is searchable seconds after it is fetched.
 *
 * With no --sources it runs the bundled sample: a loopback web server
 * (sites.h) plays the sample providers, and the crawler harvests them over
 * HTTP like any other source.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "crawl.h"
#include "ingest.h"
#include "sd.h"
#include "sites.h"
#include "store.h"
#include "vocab.h"

typedef struct run_state {
    const char *store_dir;
    const vocab *v;
    crawl_conf *conf;
    bool sample;
    atomic_int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long pending; /* documents stored since the indexer last ran */
    int crawl_rc, index_rc;
    sp_err crawl_err, index_err;
    atomic_long indexed;
    int64_t keep_failing;
} run_state;

static int on_document(void *ctx, int64_t seq, const char *source, const char *url)
{
    run_state *rs = ctx;
    pthread_mutex_lock(&rs->mu);
    rs->pending++;
    pthread_cond_signal(&rs->cv);
    pthread_mutex_unlock(&rs->mu);
    return 0;
}

static void *crawler_main(void *arg)
{
    run_state *rs = arg;
    store *s = NULL;
    rs->crawl_rc = store_open(rs->store_dir, &s, &rs->crawl_err);
    if (rs->crawl_rc != SP_OK)
        return NULL;
    crawl_opts o = {
        .conf = rs->conf,
        .once = false,
        /* The sample's providers are our own loopback server: no politeness
         * delay is owed to it.  Real sources keep their delays. */
        .no_delay = rs->sample,
        .stop = &rs->stop,
        .on_document = on_document,
        .ctx = rs,
    };
    crawl_stats st;
    rs->crawl_rc = crawl_run(&o, s, &st, &rs->crawl_err);
    store_close(s);
    pthread_mutex_lock(&rs->mu);
    pthread_cond_signal(&rs->cv);
    pthread_mutex_unlock(&rs->mu);
    return NULL;
}

static void *indexer_main(void *arg)
{
    run_state *rs = arg;
    ingest_opts o = {.store_dir = rs->store_dir, .vocab = rs->v, .drop_after = rs->keep_failing};
    while (!atomic_load(&rs->stop)) {
        pthread_mutex_lock(&rs->mu);
        if (rs->pending == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 3;
            pthread_cond_timedwait(&rs->cv, &rs->mu, &ts);
        }
        rs->pending = 0;
        pthread_mutex_unlock(&rs->mu);
        if (atomic_load(&rs->stop))
            break;
        ingest_stats st;
        sp_err err = {0};
        int rc = ingest_run(&o, &st, &err);
        if (rc != SP_OK) {
            if (rc != SP_EAGAIN)
                fprintf(stderr, "signpost run: indexing: %s (will retry)\n", err.msg);
            sleep(1);
            continue;
        }
        if (st.records || st.gone) {
            atomic_fetch_add(&rs->indexed, (long)st.records);
            fprintf(stderr, "signpost run: indexed %zu new or changed services, %zu gone (%zu documents read)\n",
                    st.records, st.gone, st.documents);
        }
    }
    return NULL;
}

/* The sample's sources.conf names its host as {host}: point it at ours. */
static int sample_conf(const char *port_host, crawl_conf **out, sp_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sample/sources.conf", sp_data_dir());
    char *text = NULL;
    size_t len = 0;
    int rc = sp_read_file(path, CRAWL_MAX_CONF_BYTES, &text, &len, err);
    if (rc != SP_OK)
        return rc;
    sp_buf b = {0};
    const char *p = text;
    const char *hit;
    while ((hit = strstr(p, "{host}")) != NULL) {
        sp_buf_append(&b, p, (size_t)(hit - p));
        sp_buf_puts(&b, port_host);
        p = hit + 6;
    }
    sp_buf_puts(&b, p);
    free(text);
    const char *conf = sp_buf_cstr(&b);
    rc = conf ? crawl_conf_parse(conf, b.len, path, out, err)
              : sp_fail(err, SP_ENOMEM, "out of memory");
    sp_buf_free(&b);
    /* Our own sample server is on loopback, which the fetch policy refuses:
     * allow exactly its address, for these sources only. */
    for (size_t i = 0; rc == SP_OK && i < (*out)->n; i++) {
        crawl_source *src = &(*out)->v[i];
        if (src->n_allow < CRAWL_MAX_ALLOW)
            crawl_cidr_parse("127.0.0.1/32", &src->allow[src->n_allow++]);
    }
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: signpost run [--store DIR] [--listen ADDR:PORT] [--sources FILE] [--sites DIR] [--web DIR]\n"
            "                    [--hub-public] [--metrics-allow CIDR]... [--secure-cookies] [--write-limit N]\n"
            "\n"
            "Crawl, index and serve, live, in one process: the crawler harvests the\n"
            "sources on their schedules, the indexer commits what it fetched within\n"
            "seconds, and the search API and portal answer on ADDR:PORT.\n"
            "\n"
            "  --store DIR        where the store and index live (default: store)\n"
            "  --listen ADDR:PORT where to serve (default: 127.0.0.1:8080)\n"
            "  --sources FILE     a sources.conf (default: the bundled sample, served\n"
            "                     over HTTP on loopback by a built-in web server)\n"
            "  --sites DIR        with the sample: serve these provider sites instead\n"
            "                     of data/sample/sources (paths as in sources.conf)\n"
            "  --web DIR          the portal's files (default: the installed web/)\n"
            "  --interval TIME    recrawl every source this often (30s, 5m, 6h; default:\n"
            "                     each source's own, and 1m for the bundled sample)\n"
            "  --keep-failing TIME how long a failing source keeps its services in\n"
            "                     search (default 14d)\n"
            CLI_ACCESS_HELP
            "\n"
            "Stop with Ctrl-C; a rerun resumes where it left off.\n");
}

static const char *default_web_dir(void)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/../web", sp_data_dir());
    struct stat st;
    if (stat(buf, &st) == 0)
        return buf;
    snprintf(buf, sizeof buf, "%s/web", sp_data_dir());
    return buf;
}

/* arg as a duration (crawl_parse_interval) into *out: CLI_OK, or CLI_USAGE
 * after saying --flag wants one such as eg. */
static int duration(const char *flag, const char *arg, const char *eg, int64_t *out)
{
    *out = crawl_parse_interval(arg);
    if (*out > 0)
        return CLI_OK;
    fprintf(stderr, "signpost run: --%s '%s' is not a duration such as %s\n", flag, arg, eg);
    return CLI_USAGE;
}

int cmd_run(int argc, char **argv)
{
    const char *store_dir = "store", *listen = "127.0.0.1:8080", *sources = NULL,
               *sites_dir = NULL, *web = NULL;
    int64_t interval = 0, keep_failing = 0;
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'}, {"listen", required_argument, NULL, 'l'},
        {"sources", required_argument, NULL, 'c'}, {"sites", required_argument, NULL, 'S'},
        {"web", required_argument, NULL, 'w'},     {"help", no_argument, NULL, 'h'},
        {"interval", required_argument, NULL, 'i'},
        {"keep-failing", required_argument, NULL, 'k'},
        CLI_ACCESS_LONGOPTS, {NULL, 0, NULL, 0}};
    int c;
    sd_opts access = {0};
    cli_access acc = {0};
    optind = 1;
    while ((c = cli_next_option("run", argc, argv, opts, &access, &acc)) != -1) {
        if (c == CLI_OPT_USAGE)
            return CLI_USAGE;
        switch (c) {
        case 's': store_dir = optarg; break;
        case 'l': listen = optarg; break;
        case 'c': sources = optarg; break;
        case 'S': sites_dir = optarg; break;
        case 'w': web = optarg; break;
        case 'k':
            if (duration("keep-failing", optarg, "14d", &keep_failing) != CLI_OK)
                return CLI_USAGE;
            break;
        case 'i':
            if (duration("interval", optarg, "30s, 5m or 6h", &interval) != CLI_OK)
                return CLI_USAGE;
            break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "signpost run: unexpected argument '%s'; see 'signpost run --help'\n", argv[optind]);
        return CLI_USAGE;
    }
    if (mkdir(store_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "signpost run: cannot create %s: %s\n", store_dir, strerror(errno));
        return CLI_FAIL;
    }

    /* Block the signals before any thread starts, so only the main thread
     * (in sd_wait_for_signal) takes them. */
    sd_block_signals();
    signal(SIGPIPE, SIG_IGN);

    sp_err err = {0};
    run_state rs = {.store_dir = store_dir};
    pthread_mutex_init(&rs.mu, NULL);
    pthread_cond_init(&rs.cv, NULL);
    vocab *v = NULL;
    sites *site = NULL;
    sd_server *srv = NULL;
    int ret = CLI_FAIL;
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "signpost run: %s\n", err.msg);
        return CLI_FAIL;
    }
    rs.v = v;
    rs.keep_failing = keep_failing;

    if (sources) {
        if (crawl_conf_load(sources, &rs.conf, &err) != SP_OK) {
            fprintf(stderr, "signpost run: %s\n", err.msg);
            goto out;
        }
    } else {
        char root[4096];
        if (sites_dir)
            snprintf(root, sizeof root, "%s", sites_dir);
        else
            snprintf(root, sizeof root, "%s/sample/sources", sp_data_dir());
        if (sites_start(root, 0, &site, &err) != SP_OK) {
            fprintf(stderr, "signpost run: %s\n", err.msg);
            goto out;
        }
        char host[64];
        snprintf(host, sizeof host, "127.0.0.1:%u", sites_port(site));
        if (sample_conf(host, &rs.conf, &err) != SP_OK) {
            fprintf(stderr, "signpost run: %s\n", err.msg);
            goto out;
        }
        rs.sample = true;
        fprintf(stderr, "signpost run: the bundled sample providers (fictional) are on http://%s/\n", host);
    }

    if (!interval && rs.sample)
        interval = 60;
    for (size_t i = 0; interval && i < rs.conf->n; i++)
        rs.conf->v[i].interval = interval;

    sd_opts so = access;
    cli_access_done(&so, &acc);
    so.store_dir = store_dir;
    so.listen = listen;
    so.web_dir = web ? web : default_web_dir();
    /* The indexer commits beside us: look for a new commit every 250 ms,
     * not every second (a reopen that finds none costs a file read), so
     * a change shows within a quarter of a second of its commit. */
    so.reopen_ms = 250;
    if (sd_start(&so, &srv, &err) != SP_OK) {
        fprintf(stderr, "signpost run: %s\n", err.msg);
        goto out;
    }
    fprintf(stderr, "signpost run: crawling %zu sources into %s; serving http://%s/ (Ctrl-C stops)\n",
            rs.conf->n, store_dir, listen);

    pthread_t crawler, indexer;
    pthread_create(&crawler, NULL, crawler_main, &rs);
    pthread_create(&indexer, NULL, indexer_main, &rs);
    /* Named for top, perf and bench/freshness.py's CPU per thread. */
    pthread_setname_np(crawler, "sp-crawler");
    pthread_setname_np(indexer, "sp-indexer");
    int sig;
    /* run is for trying Signpost out: nothing to reload (serve reloads). */
    while ((sig = sd_wait_for_signal()) == SIGHUP)
        fprintf(stderr, "signpost run: SIGHUP ignored (signpost serve reloads its config)\n");
    fprintf(stderr, "signpost run: stopping (signal %d)\n", sig);
    atomic_store(&rs.stop, 1);
    pthread_mutex_lock(&rs.mu);
    pthread_cond_broadcast(&rs.cv);
    pthread_mutex_unlock(&rs.mu);
    pthread_join(crawler, NULL);
    pthread_join(indexer, NULL);
    if (rs.crawl_rc != SP_OK)
        fprintf(stderr, "signpost run: crawler: %s\n", rs.crawl_err.msg);
    ret = rs.crawl_rc == SP_OK ? CLI_OK : CLI_FAIL;
out:
    sd_stop(srv);
    sites_stop(site);
    crawl_conf_free(rs.conf);
    vocab_free(v);
    pthread_mutex_destroy(&rs.mu);
    pthread_cond_destroy(&rs.cv);
    return ret;
}
