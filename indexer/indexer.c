/*
 * indexer.c - local documents into the index (indexer.h): read, parse with
 * the feeds/ readers, enrich, upsert, one transaction per document.
 */
#define _GNU_SOURCE
#include "indexer.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "enrich.h"
#include "rec.h"

struct indexer {
    idx *ix;
    const vocab *v;
    vocab *own_vocab;
    bool quiet;
    bool fatal;
    bool in_txn;    /* a batch is open: documents share commits */
    size_t pending; /* records put since the last commit */
};

/* Commit the open batch.  Documents share one transaction so a folder of
 * small files costs one fsync per INDEXER_BATCH records, not one per file. */
static int flush(indexer *x, sp_err *err)
{
    if (!x->in_txn)
        return SP_OK;
    x->in_txn = false;
    x->pending = 0;
    int rc = idx_commit(x->ix, err);
    if (rc != SP_OK)
        x->fatal = true;
    return rc;
}

int indexer_open(const char *index_dir, const vocab *v, bool quiet,
                 indexer **out, sp_err *err)
{
    *out = NULL;
    indexer *x = calloc(1, sizeof *x);
    if (!x)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    x->quiet = quiet;
    int rc = SP_OK;
    if (v) {
        x->v = v;
    } else {
        rc = vocab_load(NULL, &x->own_vocab, err);
        x->v = x->own_vocab;
    }
    if (rc == SP_OK)
        rc = idx_open_write(index_dir, &x->ix, err);
    if (rc == SP_OK)
        idx_set_vocab(x->ix, x->v);
    return SP_HAND_OVER(rc, x, out, indexer_close);
}

void indexer_close(indexer *x)
{
    if (!x)
        return;
    sp_err err = {0};
    if (flush(x, &err) != SP_OK)
        fprintf(stderr, "signpost index: %s\n", err.msg);
    idx_close(x->ix);
    vocab_free(x->own_vocab);
    free(x);
}

idx *indexer_idx(indexer *x)
{
    return x->ix;
}

bool indexer_fatal(const indexer *x)
{
    return x->fatal;
}

static void report(const indexer *x, const char *url, const sp_err *e)
{
    if (!x->quiet)
        fprintf(stderr, "signpost index: skipped %s: %s\n", url, e->msg[0] ? e->msg : "unreadable");
}

/* A record read from a file gets what the store would have given it: an
 * id when the source had none usable (stable: file path + local id or
 * name), and a source. */
static int prepare(rec_service *r, const char *url)
{
    if (!r->id || !*r->id) {
        const char *local = r->prov.local_id ? r->prov.local_id : r->name;
        if (!local)
            return SP_EINVAL;
        char id[37];
        rec_make_id(r->prov.source_url ? r->prov.source_url : url, local, id);
        free(r->id);
        r->id = sp_strdup(id);
        if (!r->id)
            return SP_ENOMEM;
    }
    if (!r->prov.source_id) {
        r->prov.source_id = sp_strdup("file");
        if (!r->prov.source_id)
            return SP_ENOMEM;
    }
    if (!r->prov.source_url && url) {
        r->prov.source_url = sp_strdup(url);
        if (!r->prov.source_url)
            return SP_ENOMEM;
    }
    return SP_OK;
}

/* Seen and changed times, kept from the index when the record is already
 * there so re-importing the same file does not make everything look new.
 * After enrichment, so the comparison with the stored record is like for
 * like. */
static void set_times(indexer *x, rec_service *r, int64_t now)
{
    if (r->prov.first_seen && r->prov.last_seen && r->prov.last_changed)
        return; /* an export carries its own history */

    rec_service old;
    bool have_old = idx_get(x->ix, r->id, &old, NULL) == SP_OK;
    int64_t first = have_old && old.prov.first_seen ? old.prov.first_seen : now;
    int64_t changed = now;
    if (have_old) {
        /* Same content (ignoring the times) means unchanged. */
        rec_provenance keep_new = r->prov, keep_old = old.prov;
        r->prov.first_seen = r->prov.last_seen = r->prov.last_changed = 0;
        old.prov.first_seen = old.prov.last_seen = old.prov.last_changed = 0;
        char *a = rec_to_json_string(r);
        char *b = rec_to_json_string(&old);
        if (a && b && !strcmp(a, b) && keep_old.last_changed)
            changed = keep_old.last_changed;
        free(a);
        free(b);
        r->prov = keep_new;
        old.prov = keep_old;
        rec_service_free(&old);
    }
    if (!r->prov.first_seen)
        r->prov.first_seen = first;
    if (!r->prov.last_seen)
        r->prov.last_seen = now;
    if (!r->prov.last_changed)
        r->prov.last_changed = changed;
}

int indexer_add_document(indexer *x, const char *body, size_t len,
                         const char *url, const char *content_type,
                         feed_fetch_fn fetch, void *fetch_ctx,
                         indexer_stats *st, sp_err *err)
{
    x->fatal = false;
    st->files++;
    feed_output out;
    feed_output_init(&out);
    sp_err perr = {0};
    int rc;
    rc = feed_read_doc(NULL, body, len, url, content_type, FEED_WANT_RECORDS, fetch, fetch_ctx,
                       &out, &perr);
    feed_format fmt = out.format;
    if (rc == SP_OK && out.n_recs == 0 && fmt != FEED_ORUK && fmt != FEED_NDJSON &&
        fmt != FEED_DATAPACKAGE)
        rc = sp_fail(&perr, SP_EUNSUP, "no service records in this %s document",
                     feed_format_name(fmt));
    if (rc != SP_OK) {
        /* A document that does not parse is skipped whole, so a half-read
         * file never replaces good records with a fragment. */
        st->files_failed++;
        report(x, url, &perr);
        feed_output_free(&out);
        if (err)
            *err = perr;
        return rc;
    }

    int64_t now = sp_now();
    rc = SP_OK;
    if (!x->in_txn) {
        rc = idx_begin(x->ix, err);
        x->in_txn = rc == SP_OK;
    }
    for (size_t i = 0; rc == SP_OK && i < out.n_recs; i++) {
        rec_service *r = &out.recs[i];
        sp_err rerr = {0};
        int prc = prepare(r, url);
        if (prc == SP_ENOMEM) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
            break;
        }
        if (prc == SP_OK)
            prc = enrich_record(x->v, r, &rerr);
        if (prc != SP_OK) {
            st->records_failed++;
            if (!x->quiet)
                fprintf(stderr, "signpost index: %s: record %zu skipped: %s\n", url, i + 1,
                        prc == SP_EINVAL && !rerr.msg[0] ? "it has no id or name" : rerr.msg);
            continue;
        }
        set_times(x, r, now);
        rc = idx_put(x->ix, r, err);
        if (rc != SP_OK)
            break;
        st->records++;
        /* Commit in slices to bound memory. */
        if (++x->pending >= INDEXER_BATCH) {
            rc = flush(x, err);
            if (rc == SP_OK) {
                rc = idx_begin(x->ix, err);
                x->in_txn = rc == SP_OK;
            }
        }
    }
    if (rc != SP_OK) {
        if (x->in_txn)
            idx_cancel(x->ix, NULL);
        x->in_txn = false;
        x->pending = 0;
        x->fatal = true;
    }
    feed_output_free(&out);
    return rc;
}

/* --- files and directories ---------------------------------------------- */

typedef struct dp_ctx {
    char *dir; /* the descriptor's directory */
} dp_ctx;

/* Data package resources: relative paths beside the descriptor only (no
 * absolute paths, no "..", no URLs: an import never leaves its folder). */
static int dp_fetch(void *ctx, const char *path, char **body, size_t *len, sp_err *err)
{
    dp_ctx *c = ctx;
    if (!path || !*path || path[0] == '/' || strstr(path, "..") || strstr(path, "://"))
        return sp_fail(err, SP_EINVAL, "data package resource %s is not a local relative path",
                       path ? path : "(none)");
    char *full = sp_printf("%s/%s", c->dir, path);
    if (!full)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = sp_read_file(full, FEED_MAX_BODY, body, len, err);
    free(full);
    return rc;
}

static int import_file(indexer *x, const char *path, indexer_stats *st, sp_err *err)
{
    char *body = NULL;
    size_t len = 0;
    sp_err rerr = {0};
    int rc = sp_read_file(path, FEED_MAX_BODY, &body, &len, &rerr);
    if (rc != SP_OK) {
        st->files++;
        st->files_failed++;
        report(x, path, &rerr);
        return SP_OK;
    }
    dp_ctx c = {0};
    const char *slash = strrchr(path, '/');
    c.dir = slash ? sp_strndup(path, (size_t)(slash - path)) : sp_strdup(".");
    if (!c.dir) {
        free(body);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    rc = indexer_add_document(x, body, len, path, NULL, dp_fetch, &c, st, err);
    free(c.dir);
    free(body);
    if (rc != SP_OK && !x->fatal)
        rc = SP_OK; /* counted and reported; go on with the next file */
    return rc;
}

static bool wanted_name(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return false;
    return (n > 5 && !strcmp(name + n - 5, ".json")) ||
           (n > 7 && !strcmp(name + n - 7, ".ndjson"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(indexer *x, const char *dir, int depth, size_t *seen,
                indexer_stats *st, sp_err *err)
{
    if (depth > INDEXER_MAX_DEPTH) {
        if (!x->quiet)
            fprintf(stderr, "signpost index: %s: deeper than %d folders, not read\n", dir,
                    INDEXER_MAX_DEPTH);
        return SP_OK;
    }
    DIR *d = opendir(dir);
    if (!d) {
        sp_err e;
        sp_fail(&e, SP_EIO, "cannot open folder: %s", strerror(errno));
        st->files_failed++;
        report(x, dir, &e);
        return SP_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = SP_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (sp_grow(&names, &cap, n + 1, sizeof *names, 64) != SP_OK) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
            break;
        }
        names[n] = sp_strdup(de->d_name);
        if (!names[n]) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; rc == SP_OK && i < n; i++) {
        char *full = sp_printf("%s/%s", dir, names[i]);
        if (!full) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
            break;
        }
        struct stat sb;
        if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            rc = walk(x, full, depth + 1, seen, st, err);
        } else if (wanted_name(names[i])) {
            if (++*seen > INDEXER_MAX_FILES)
                rc = sp_fail(err, SP_ELIMIT, "more than %d files to import; import "
                             "folders separately", INDEXER_MAX_FILES);
            else
                rc = import_file(x, full, st, err);
        }
        free(full);
    }
    sp_strv_free(names, n);
    return rc;
}

int indexer_import_path(indexer *x, const char *path, indexer_stats *st, sp_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        sp_err e;
        sp_fail(&e, SP_EIO, "%s", strerror(errno));
        st->files++;
        st->files_failed++;
        report(x, path, &e);
        return SP_OK;
    }
    int rc;
    if (S_ISDIR(sb.st_mode)) {
        size_t seen = 0;
        rc = walk(x, path, 0, &seen, st, err);
    } else {
        rc = import_file(x, path, st, err);
    }
    /* Each path given is committed when it is done. */
    if (rc == SP_OK)
        rc = flush(x, err);
    return rc;
}
