/*
 * cmd_index.c - `signpost index`: import local files (feeds, API dumps,
 * Signpost exports) into STORE/index (indexer.h), or index what the crawler
 * stored in STORE/crawl.db (ingest.h).  docs/index.md describes the index.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "corrections.h"
#include "crawl.h"
#include "dedupe.h"
#include "indexer.h"
#include "ingest.h"
#include "snapshot.h"
#include "vocab.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost index --store DIR [--quiet] [FILE|FOLDER...]\n"
            "       signpost index --store DIR [--rebuild [--jobs N]] [--relink] [--quiet]\n"
            "\n"
            "With files: read each (ORUK/HSDS JSON, NDJSON exports, HSDS data packages,\n"
            "RSS/Atom, HTML pages), enrich the service records and upsert them into\n"
            "DIR/index.  A folder is searched for *.json and *.ndjson files.  A file\n"
            "that cannot be read is reported and skipped; the others are indexed.\n"
            "\n"
            "Without files: index what `signpost crawl` stored in DIR/crawl.db since the\n"
            "last run; an index built by an older Signpost is rebuilt whole, once.\n"
            "\n"
            "Either way, duplicate records are then linked (the hub reports and the\n"
            "\"also listed by\" of search and service pages): after a crawl, only the\n"
            "records that changed are compared again; after a file import, all of them.\n"
            "\n"
            "  --store DIR  the store directory (created if missing); the index is\n"
            "               DIR/index\n"
            "  --rebuild    index every stored document again (after a parser or\n"
            "               vocabulary change); the index is derived from the store.\n"
            "               A new index is built beside the old one, which searches\n"
            "               keep using until the new one replaces it at the end\n"
            "  --jobs N     --rebuild on N threads (default: one per core)\n"
            "  --relink     link duplicates over the whole index again, not only the\n"
            "               records that changed (gives the same clusters)\n"
            "  --quiet      no per-file messages and no summary\n"
            "  --keep-failing TIME  how long a failing source keeps its services in the\n"
            "               index (30d, 12h; default 14d); after that they are dropped\n"
            "               until the source works again\n"
            "\n"
            "Prints a summary on stderr: indexed N services from M files (K failed) in T s.\n"
            "Exit status: 0 ok, 1 the index failed or no file could be read, 2 bad usage.\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ensure_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

static int index_store(const char *store_dir, bool rebuild, bool relink, bool quiet,
                       int64_t keep_failing, unsigned jobs)
{
    char *db = sp_printf("%s/crawl.db", store_dir);
    struct stat sb;
    if (!db)
        return CLI_FAIL;
    if (stat(db, &sb) != 0) {
        fprintf(stderr, "signpost index: no crawl store in %s (no crawl.db); run "
                "'signpost crawl --store %s' first, or name files to import\n", store_dir, store_dir);
        free(db);
        return CLI_FAIL;
    }
    free(db);
    sp_err err = {0};
    vocab *v = NULL;
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "signpost index: %s\n", err.msg);
        return CLI_FAIL;
    }
    ingest_opts o = {.store_dir = store_dir, .vocab = v, .drop_after = keep_failing,
                     .relink = relink, .jobs = jobs};
    ingest_stats st;
    memset(&st, 0, sizeof st);
    double t0 = now_s();
    int rc = rebuild ? ingest_rebuild(&o, &st, &err) : ingest_run(&o, &st, &err);
    double t = now_s() - t0;
    vocab_free(v);
    if (rc != SP_OK) {
        fprintf(stderr, "signpost index: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (!quiet)
        fprintf(stderr, "indexed %zu services from %zu documents (%zu failed) in %.2f s"
                " (%zu unchanged, %zu gone)\n", st.records, st.documents, st.failed, t,
                st.unchanged, st.gone);
    return CLI_OK;
}

int cmd_index(int argc, char **argv)
{
    const char *store_dir = NULL;
    bool rebuild = false, relink = false, quiet = false;
    long jobs = 0;
    int64_t keep_failing = 0;
    const char **files = calloc((size_t)(argc > 0 ? argc : 1), sizeof *files);
    size_t n_files = 0;
    if (!files) {
        fprintf(stderr, "signpost index: out of memory\n");
        return CLI_FAIL;
    }
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            usage(stdout);
            free(files);
            return CLI_OK;
        } else if (!only_files && !strcmp(a, "--store")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "signpost index: --store needs a directory\n");
                free(files);
                return CLI_USAGE;
            }
            store_dir = argv[++i];
        } else if (!only_files && !strncmp(a, "--store=", 8)) {
            store_dir = a + 8;
        } else if (!only_files && !strcmp(a, "--rebuild")) {
            rebuild = true;
        } else if (!only_files && !strcmp(a, "--jobs")) {
            char *end = NULL;
            jobs = i + 1 < argc ? strtol(argv[++i], &end, 10) : -1;
            if (jobs < 1 || jobs > 64 || !end || *end) {
                fprintf(stderr, "signpost index: --jobs needs a number of threads from 1 to 64\n");
                free(files);
                return CLI_USAGE;
            }
        } else if (!only_files && !strcmp(a, "--relink")) {
            relink = true;
        } else if (!only_files && !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!only_files && !strcmp(a, "--keep-failing")) {
            keep_failing = i + 1 < argc ? crawl_parse_interval(argv[++i]) : -1;
            if (keep_failing <= 0) {
                fprintf(stderr, "signpost index: --keep-failing needs a duration such as 14d or 12h\n");
                free(files);
                return CLI_USAGE;
            }
        } else if (!only_files && !strcmp(a, "--")) {
            only_files = true;
        } else if (!only_files && a[0] == '-' && a[1]) {
            fprintf(stderr, "signpost index: unknown option '%s'; see 'signpost index --help'\n",
                    a);
            free(files);
            return CLI_USAGE;
        } else {
            files[n_files++] = a;
        }
    }
    if (!store_dir || !*store_dir) {
        fprintf(stderr, "signpost index: --store DIR is required; see 'signpost index --help'\n");
        free(files);
        return CLI_USAGE;
    }
    if (rebuild && n_files) {
        fprintf(stderr, "signpost index: --rebuild re-reads the store; give either --rebuild "
                "or files, not both\n");
        free(files);
        return CLI_USAGE;
    }
    if (ensure_dir(store_dir) != 0) {
        fprintf(stderr, "signpost index: cannot create %s: %s\n", store_dir, strerror(errno));
        free(files);
        return CLI_FAIL;
    }
    if (!n_files) {
        free(files);
        return index_store(store_dir, rebuild, relink, quiet, keep_failing, (unsigned)jobs);
    }

    char *index_dir = sp_printf("%s/index", store_dir);
    indexer *x = NULL;
    sp_err err = {0};
    double t0 = now_s();
    if (!index_dir || indexer_open(index_dir, NULL, quiet, &x, &err) != SP_OK) {
        fprintf(stderr, "signpost index: %s\n", index_dir ? err.msg : "out of memory");
        free(index_dir);
        free(files);
        return CLI_FAIL;
    }
    indexer_stats st;
    memset(&st, 0, sizeof st);
    int rc = SP_OK;
    for (size_t i = 0; i < n_files && rc == SP_OK; i++)
        rc = indexer_import_path(x, files[i], &st, &err);
    if (rc == SP_OK) { /* the hub editors' corrections, as ingest does (corrections.h) */
        corr_stats cs;
        rc = idx_begin(indexer_idx(x), &err);
        if (rc == SP_OK)
            rc = corr_reconcile(indexer_idx(x), store_dir, sp_now(), &cs, &err);
        if (rc == SP_OK)
            rc = idx_commit(indexer_idx(x), &err);
    }
    /* Link duplicates over the whole index (docs/hub.md): the importer
     * does not note the records it writes, so a run that wrote any is a
     * whole one. */
    dedupe_stats ds;
    if (rc == SP_OK)
        rc = dedupe_run(indexer_idx(x), store_dir, relink, st.records > 0, &ds, &err);
    if (rc == SP_OK)
        rc = snap_publish(indexer_idx(x), store_dir, st.records > 0, &err);
    indexer_close(x);
    double t = now_s() - t0;
    free(index_dir);
    free(files);
    if (rc != SP_OK) {
        fprintf(stderr, "signpost index: %s (batches committed before this are kept)\n",
                err.msg);
        return CLI_FAIL;
    }
    if (!quiet) {
        fprintf(stderr, "indexed %zu services from %zu files (%zu failed) in %.2f s", st.records,
                st.files, st.files_failed, t);
        if (st.records_failed)
            fprintf(stderr, "; %zu records skipped", st.records_failed);
        if (t > 0 && st.records >= 100)
            fprintf(stderr, " (%.0f services/s)", (double)st.records / t);
        fputc('\n', stderr);
    }
    if (st.files && st.files_failed == st.files)
        return CLI_FAIL;
    return CLI_OK;
}
