/*
 * cmd_crawl.c - `signpost crawl`: harvest the sources of a sources.conf
 * into a store (crawl.h), or print the sources' health (--status).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "crawl.h"
#include "store.h"

static atomic_int stop_flag;

static atomic_int term_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&term_flag, 1);
    atomic_store(&stop_flag, 1);
}

/* The config's log file, reopened on SIGHUP (open, dup2 and close are
 * async-signal-safe). */
static char log_path[PATH_MAX];

/* SIGHUP also asks for sources.conf to be read again: the pass in progress
 * stops as it does on SIGTERM (what it fetched is kept; the next pass
 * resumes), then the loop in cmd_crawl reloads and carries on. */
static atomic_int reload_flag;

static void on_hup(int sig)
{
    (void)sig;
    atomic_store(&reload_flag, 1);
    atomic_store(&stop_flag, 1);
    if (!log_path[0])
        return;
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
}

/* Totals over the passes of one run (a SIGHUP reload starts a new one). */
static void add_stats(crawl_stats *sum, const crawl_stats *p)
{
    sum->sources = p->sources;
    sum->passes += p->passes;
    sum->requests += p->requests;
    sum->stored += p->stored;
    sum->unchanged += p->unchanged;
    sum->errors += p->errors;
    sum->blocked += p->blocked;
    sum->bytes += p->bytes;
    sum->elapsed += p->elapsed;
}

/* Fill --store and --sources from the config file when not given. */
static int apply_config(const char *path, const char **dir, const char **sources)
{
    static char dirbuf[PATH_MAX], srcbuf[PATH_MAX];
    config *c = NULL;
    sp_err err = {0};
    if (config_find(path, &c, &err) != SP_OK) {
        fprintf(stderr, "signpost crawl: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (c && !*dir && c->store)
        *dir = strncpy(dirbuf, c->store, sizeof dirbuf - 1);
    if (c && !*sources && c->sources)
        *sources = strncpy(srcbuf, c->sources, sizeof srcbuf - 1);
    if (c && c->crawl_log_file) {
        snprintf(log_path, sizeof log_path, "%s", c->crawl_log_file);
        if (config_open_log(log_path, &err) != SP_OK) {
            fprintf(stderr, "signpost crawl: %s\n", err.msg);
            config_free(c);
            return CLI_FAIL;
        }
    }
    config_free(c);
    return CLI_OK;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost crawl --sources FILE --store DIR [--once] [--force]\n"
            "                      [--quiet] [--no-delay] [--config FILE]\n"
            "       signpost crawl --store DIR --status\n"
            "\n"
            "Fetch what each source in FILE lists (docs/sources-conf.md), politely\n"
            "(robots.txt, one request at a time per host, a delay between them) and\n"
            "incrementally (conditional GET, content hashes), into DIR/crawl.db.\n"
            "\n"
            "  --sources FILE  the sources to crawl\n"
            "  --store DIR     the store directory (created if missing)\n"
            "  --once          one pass over each source that is due, then exit;\n"
            "                  without it, recrawl each source on its interval until\n"
            "                  interrupted (Ctrl-C stops cleanly; a rerun resumes)\n"
            "  --force         crawl every source now, even if its interval has not\n"
            "                  elapsed since its last pass\n"
            "  --status        print each source's health from the store and exit\n"
            "  --quiet         no progress line and no summary\n"
            "  --no-delay      no per-host delay and no Crawl-delay: for benchmarks\n"
            "                  against your own test servers only, never real sites\n"
            "  --config FILE   settings file (default " CONFIG_DEFAULT_PATH " when\n"
            "                  it exists): store, [crawl] sources and log_file fill\n"
            "                  what the flags leave out\n"
            "\n"
            "Stops cleanly on SIGINT or SIGTERM.  SIGHUP reopens the log file and reads\n"
            "the sources file again (a bad file keeps the sources as they were).\n");
}

static void on_progress(void *ctx, const crawl_stats *st)
{
    (void)ctx;
    double rate = st->elapsed > 0 ? (double)st->requests / st->elapsed : 0;
    fprintf(stderr,
            "\r\033[Ksources %ld running/%ld | requests %ld (%.1f/s) | new %ld unchanged %ld"
            " | queued %ld | errors %ld",
            st->running, st->sources, st->requests, rate, st->stored, st->unchanged,
            st->queued, st->errors);
    fflush(stderr);
}

static void print_time(const char *label, int64_t t)
{
    char buf[32];
    if (t > 0) {
        sp_time_format(t, buf);
        printf(" %s=%s", label, buf);
    } else {
        printf(" %s=-", label);
    }
}

static int status_cb(void *ctx, const store_source_info *i)
{
    int *count = ctx;
    (*count)++;
    const char *state = i->running          ? "running"
                        : i->failing_since  ? "failing"
                        : i->last_success   ? "ok"
                                            : "never";
    printf("%s status=%s kind=%s", i->name, state, i->kind);
    print_time("last_success", i->last_success);
    print_time("failing_since", i->failing_since);
    print_time("next_crawl", i->next_crawl_at);
    printf(" passes=%ld pages=%ld documents=%ld records=%ld queued=%ld done=%ld failed=%ld"
           " gone=%ld",
           i->pass, i->pages, i->documents, i->records, i->urls_queued, i->urls_done,
           i->urls_failed, i->urls_gone);
    if (i->last_error_msg) {
        print_time("last_error", i->last_error);
        /* One line per source: keep the message on it. */
        printf(" last_error_msg=\"");
        for (const char *p = i->last_error_msg; *p; p++)
            putchar(*p == '\n' || *p == '"' ? '\'' : *p);
        putchar('"');
    }
    putchar('\n');
    return 0;
}

/* After a crawl: one line per configured source that is failing. */
static int report_failing(void *ctx, const store_source_info *i)
{
    const crawl_conf *conf = ctx;
    bool ours = false;
    for (size_t k = 0; k < conf->n && !ours; k++)
        ours = !strcmp(conf->v[k].name, i->name);
    if (!ours || !i->failing_since || i->running)
        return 0;
    char since[32];
    sp_time_format(i->failing_since, since);
    fprintf(stderr, "signpost crawl: source %s failing since %s: %s (its earlier documents "
                    "are kept; 'signpost crawl --status' shows more)\n",
            i->name, since, i->last_error_msg ? i->last_error_msg : "entry URL failed");
    return 0;
}

int cmd_crawl(int argc, char **argv)
{
    const char *sources = NULL, *dir = NULL, *config_path = NULL;
    bool once = false, force = false, status = false, quiet = false, no_delay = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--sources") && i + 1 < argc) {
            sources = argv[++i];
        } else if (!strcmp(a, "--store") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strncmp(a, "--sources=", 10)) {
            sources = a + 10;
        } else if (!strncmp(a, "--store=", 8)) {
            dir = a + 8;
        } else if (!strcmp(a, "--once")) {
            once = true;
        } else if (!strcmp(a, "--force")) {
            force = true;
        } else if (!strcmp(a, "--status")) {
            status = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (!strcmp(a, "--no-delay")) {
            no_delay = true;
        } else if (!strcmp(a, "--config") && i + 1 < argc) {
            config_path = argv[++i];
        } else {
            fprintf(stderr, "signpost crawl: unknown or incomplete option '%s'; "
                            "'signpost crawl --help' lists them\n", a);
            return CLI_USAGE;
        }
    }
    if (apply_config(config_path, &dir, &sources) != CLI_OK)
        return CLI_FAIL;
    if (!dir) {
        fprintf(stderr, "signpost crawl: --store DIR is required (where crawl.db lives)\n");
        return CLI_USAGE;
    }
    if (!status && !sources) {
        fprintf(stderr, "signpost crawl: --sources FILE is required "
                        "(see docs/sources-conf.md), or --status\n");
        return CLI_USAGE;
    }
    sp_err err = {0};
    store *s = NULL;
    if (status) {
        char *db = sp_printf("%s/%s", dir, STORE_DB_NAME);
        bool exists = db && access(db, F_OK) == 0;
        free(db);
        if (!exists) {
            fprintf(stderr, "signpost crawl: no store at %s; crawl into it first with "
                            "'signpost crawl --sources FILE --store %s'\n", dir, dir);
            return CLI_FAIL;
        }
        if (store_open(dir, &s, &err)) {
            fprintf(stderr, "signpost crawl: %s\n", err.msg);
            return CLI_FAIL;
        }
        int count = 0;
        int rc = store_source_health(s, status_cb, &count, &err);
        store_close(s);
        if (rc) {
            fprintf(stderr, "signpost crawl: %s\n", err.msg);
            return CLI_FAIL;
        }
        if (!count)
            fprintf(stderr, "signpost crawl: the store has no sources yet; run "
                            "'signpost crawl --sources FILE --store %s'\n", dir);
        return CLI_OK;
    }
    crawl_conf *conf = NULL;
    if (crawl_conf_load(sources, &conf, &err)) {
        fprintf(stderr, "signpost crawl: %s\n", err.msg);
        return err.code == SP_EIO ? CLI_FAIL : CLI_USAGE;
    }
    if (store_open(dir, &s, &err)) {
        fprintf(stderr, "signpost crawl: %s\n", err.msg);
        crawl_conf_free(conf);
        return CLI_FAIL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    bool tty = isatty(STDERR_FILENO) && !quiet;
    crawl_opts o = {
        .conf = conf,
        .once = once,
        .force = force,
        .no_delay = no_delay,
        .stop = &stop_flag,
        .on_progress = tty ? on_progress : NULL,
    };
    crawl_stats st;
    memset(&st, 0, sizeof st);
    int rc;
    for (;;) {
        crawl_stats pass;
        memset(&pass, 0, sizeof pass);
        rc = crawl_run(&o, s, &pass, &err);
        add_stats(&st, &pass);
        if (rc || !atomic_exchange(&reload_flag, 0))
            break;
        /* SIGHUP: a bad file keeps the sources as they were. */
        crawl_conf *fresh = NULL;
        sp_err lerr = {0};
        if (crawl_conf_load(sources, &fresh, &lerr) == SP_OK) {
            crawl_conf_free(conf);
            conf = fresh;
            o.conf = conf;
            fprintf(stderr, "crawl: reloaded %s (%zu sources)\n", sources, conf->n);
        } else {
            fprintf(stderr, "crawl: reload: %s; still crawling the sources as they were\n",
                    lerr.msg);
        }
        /* A TERM that came with or after the HUP still stops us. */
        if (atomic_load(&term_flag))
            break;
        atomic_store(&stop_flag, 0);
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    if (!quiet)
        fprintf(stderr,
                "crawl: %ld passes finished, %ld requests, %ld new documents, %ld unchanged, "
                "%ld errors, %ld blocked by robots.txt, %.1f MB in %.1f s%s\n",
                st.passes, st.requests, st.stored, st.unchanged, st.errors, st.blocked,
                (double)st.bytes / 1e6, st.elapsed,
                atomic_load(&term_flag) ? " (interrupted: rerun to resume)" : "");
    if (rc)
        fprintf(stderr, "signpost crawl: %s\n", err.msg);
    else if (!quiet)
        store_source_health(s, report_failing, conf, NULL);
    store_close(s);
    crawl_conf_free(conf);
    return rc ? CLI_FAIL : CLI_OK;
}
