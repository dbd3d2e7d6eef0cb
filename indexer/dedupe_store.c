/*
 * dedupe_store.c - the linkage over a store (dedupe.h, dedupe_run): the
 * hub tables in STORE/crawl.db, hub users' decisions, and the cluster ids
 * written back into the index.
 *
 * A run is incremental when it can be: writers of the index note each
 * record they add, change or remove in hub_pending (dedupe_note_changed,
 * in their own transaction), and the features of every linked record are
 * kept in hub_features, so a run reads only the noted records from the
 * index and the rest from there, scores only pairs with a changed record
 * (dedupe_link.c says why that is exact), and rewrites only the rows that
 * changed.  A whole run (force, a writer that did not note, no usable
 * cache, or a cache that disagrees with the index) reads every record.
 */
#define _GNU_SOURCE
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dedupe_impl.h"
#include "store.h"

/* Bump when the features' bytes or what goes into them change: the next
 * run is then a whole one and rewrites the cache. */
#define FEATURES_TAG "3" /* 3: sp_fnv1a64 with the right basis (2026-12) */


int dedupe_verdict_parse(const char *s)
{
    if (!s)
        return 0;
    if (!strcasecmp(s, "same"))
        return DEDUPE_SAME;
    if (!strcasecmp(s, "not-same") || !strcasecmp(s, "not_same") ||
        !strcasecmp(s, "not the same") || !strcasecmp(s, "different"))
        return DEDUPE_NOT_SAME;
    return 0;
}

/* ---- the store tables ---- */

const char dedupe_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS hub_decisions("
    "  id_a TEXT NOT NULL, id_b TEXT NOT NULL, decision TEXT NOT NULL,"
    "  at INTEGER NOT NULL, by TEXT, PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS hub_links("
    "  id_a TEXT NOT NULL, id_b TEXT NOT NULL, cluster_id TEXT NOT NULL,"
    "  score REAL NOT NULL, decided INTEGER NOT NULL, evidence TEXT NOT NULL,"
    "  PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS hub_links_cluster ON hub_links(cluster_id);"
    "CREATE TABLE IF NOT EXISTS hub_records("
    "  id TEXT PRIMARY KEY, cluster_id TEXT, source TEXT, name TEXT, org TEXT, url TEXT,"
    "  boroughs TEXT, subregions TEXT, groups TEXT, categories TEXT, modes TEXT,"
    "  funders TEXT, postcode TEXT, schedule TEXT, status TEXT, last_modified TEXT,"
    "  pan_london INTEGER, lat REAL, lon REAL, min_age REAL, max_age REAL,"
    "  first_seen INTEGER, last_seen INTEGER, last_changed INTEGER, sig BLOB,"
    "  source_url TEXT) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS hub_records_cluster ON hub_records(cluster_id);"
    "CREATE TABLE IF NOT EXISTS hub_meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    /* the linkage's own state, for incremental runs (docs/hub.md) */
    "CREATE TABLE IF NOT EXISTS hub_features("
    "  id TEXT PRIMARY KEY, cluster_id TEXT, feat BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS hub_matches("
    "  id_a TEXT NOT NULL, id_b TEXT NOT NULL, PRIMARY KEY(id_a, id_b)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS hub_pending(id TEXT NOT NULL);";

static int db_open(const char *store_dir, sqlite3 **db, sp_err *err)
{
    /* store_open makes the folder and the crawler's schema when missing. */
    store *s = NULL;
    int rc = store_open(store_dir, &s, err);
    if (rc != SP_OK)
        return rc;
    store_close(s);
    char *path = sp_printf("%s/%s", store_dir, STORE_DB_NAME);
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    *db = NULL;
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "cannot open %s: %s", path, *db ? sqlite3_errmsg(*db) : "?");
        sqlite3_close(*db);
        *db = NULL;
        free(path);
        return rc;
    }
    free(path);
    sqlite3_busy_timeout(*db, SP_STORE_BUSY_MS);
    char *msg = NULL;
    /* hub_records is derived: an older layout is dropped, not migrated */
    sqlite3_stmt *probe = NULL;
    if (sqlite3_prepare_v2(*db, "SELECT source_url FROM hub_records LIMIT 0", -1, &probe,
                           NULL) != SQLITE_OK)
        sqlite3_exec(*db, "DROP TABLE IF EXISTS hub_records", NULL, NULL, NULL);
    sqlite3_finalize(probe);
    if (sqlite3_exec(*db, dedupe_schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "hub tables: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(*db);
        *db = NULL;
        return rc;
    }
    return SP_OK;
}

static int db_exec(sqlite3 *db, const char *sql, sp_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = sp_fail(err, SP_EIO, "hub tables: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return rc;
    }
    return SP_OK;
}

int dedupe_decide(const char *store_dir, const char *a, const char *b, const char *verdict,
                  const char *by, sp_err *err)
{
    int v = dedupe_verdict_parse(verdict);
    if (!v)
        return sp_fail(err, SP_EINVAL, "decision must be \"same\" or \"not-same\"");
    if (!a || !b || !*a || !*b || !strcmp(a, b))
        return sp_fail(err, SP_EINVAL, "a decision needs two different record ids (a and b)");
    if (strlen(a) > 200 || strlen(b) > 200 || (by && strlen(by) > 200))
        return sp_fail(err, SP_EINVAL, "ids and names are at most 200 bytes");
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    sqlite3 *db;
    int rc = db_open(store_dir, &db, err);
    if (rc != SP_OK)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO hub_decisions(id_a,id_b,decision,at,by) "
                           "VALUES(?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "hub decisions: %s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return rc;
    }
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, v == DEDUPE_SAME ? "same" : "not-same", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, sp_now());
    if (by)
        sqlite3_bind_text(st, 5, by, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sp_fail(err, SP_EIO, "hub decisions: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    /* the next dedupe_run must not skip: it has a decision to apply */
    if (rc == SP_OK)
        rc = db_exec(db,
                     "INSERT INTO hub_meta(key,value) VALUES('decisions','1') ON CONFLICT(key) "
                     "DO UPDATE SET value=CAST(value AS INTEGER)+1",
                     err);
    sqlite3_close(db);
    return rc;
}

static char *meta_get(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM hub_meta WHERE key=?", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = sp_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static int meta_set(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO hub_meta(key,value) VALUES(?,?)", -1,
                           &st, NULL) != SQLITE_OK)
        return SP_EIO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? SP_OK : SP_EIO;
}

typedef struct decisions {
    dedupe_decision *v;
    size_t n;
} decisions;

static void decisions_free(decisions *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free((char *)d->v[i].a);
        free((char *)d->v[i].b);
    }
    free(d->v);
}

static int load_decisions(sqlite3 *db, decisions *d, sp_err *err)
{
    memset(d, 0, sizeof *d);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT id_a,id_b,decision FROM hub_decisions", -1, &st, NULL) !=
        SQLITE_OK)
        return sp_fail(err, SP_EIO, "hub decisions: %s", sqlite3_errmsg(db));
    size_t cap = 0;
    int rc = SP_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (d->n == cap) {
            cap = cap ? cap * 2 : 64;
            dedupe_decision *v = realloc(d->v, cap * sizeof *v);
            if (!v) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
                break;
            }
            d->v = v;
        }
        dedupe_decision *x = &d->v[d->n++];
        x->a = sp_strdup((const char *)sqlite3_column_text(st, 0));
        x->b = sp_strdup((const char *)sqlite3_column_text(st, 1));
        x->verdict = dedupe_verdict_parse((const char *)sqlite3_column_text(st, 2)) ==
                             DEDUPE_SAME
                         ? DEDUPE_SAME
                         : DEDUPE_NOT_SAME;
        if (!x->a || !x->b) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v) || v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

typedef struct read_ctx {
    dedupe_set *s;
    sp_err *err;
} read_ctx;

static int read_one(const rec_service *r, void *cls)
{
    read_ctx *c = cls;
    return dedupe_set_add(c->s, r, c->err);
}

/* Every record of the index into s, in one walk over the documents. */
static int read_index(idx *ix, dedupe_set *s, sp_err *err)
{
    read_ctx c = {s, err};
    return idx_each(ix, read_one, &c, err);
}

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return !strcmp(a, b);
}

/* Write the new cluster ids into the index records that changed. */
static int write_clusters(idx *ix, const dedupe_set *s, const dedupe_result *res,
                          size_t *changed, sp_err *err)
{
    *changed = 0;
    int rc = idx_begin(ix, err);
    if (rc != SP_OK)
        return rc;
    for (size_t i = 0; i < s->n && rc == SP_OK; i++) {
        if (str_eq(s->f[i].cluster_id, res->cluster_id[i]))
            continue;
        rec_service r;
        rc = idx_get(ix, s->f[i].id, &r, err);
        if (rc != SP_OK)
            break;
        free(r.cluster_id);
        r.cluster_id = sp_strdup(res->cluster_id[i]);
        if (res->cluster_id[i] && !r.cluster_id)
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        if (rc == SP_OK)
            rc = idx_put(ix, &r, err);
        rec_service_free(&r);
        (*changed)++;
    }
    if (rc == SP_OK)
        return idx_commit(ix, err);
    sp_err e2 = {0};
    idx_cancel(ix, &e2);
    return rc;
}


/* One hub_records row (INSERT OR REPLACE) for record i. */
static int put_record(sqlite3 *db, sqlite3_stmt *st, const dedupe_set *s, size_t i,
                      const char *cluster, sp_err *err)
{
    dedupe_facts f;
    dedupe_set_facts(s, i, &f);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    bind_opt(st, 1, f.id);
    bind_opt(st, 2, cluster);
    bind_opt(st, 3, f.source);
    bind_opt(st, 4, f.name);
    bind_opt(st, 5, f.org);
    bind_opt(st, 6, f.url);
    bind_opt(st, 7, f.boroughs);
    bind_opt(st, 8, f.subregions);
    bind_opt(st, 9, f.groups);
    bind_opt(st, 10, f.categories);
    bind_opt(st, 11, f.modes);
    bind_opt(st, 12, f.funders);
    bind_opt(st, 13, f.postcode);
    bind_opt(st, 14, f.schedule);
    bind_opt(st, 15, f.status);
    bind_opt(st, 16, f.last_modified);
    sqlite3_bind_int(st, 17, f.pan_london);
    if (isnan(f.lat)) {
        sqlite3_bind_null(st, 18);
        sqlite3_bind_null(st, 19);
    } else {
        sqlite3_bind_double(st, 18, f.lat);
        sqlite3_bind_double(st, 19, f.lon);
    }
    bind_num(st, 20, f.min_age);
    bind_num(st, 21, f.max_age);
    sqlite3_bind_int64(st, 22, f.first_seen);
    sqlite3_bind_int64(st, 23, f.last_seen);
    sqlite3_bind_int64(st, 24, f.last_changed);
    sqlite3_bind_blob(st, 25, f.sig, (int)(DEDUPE_MINHASH * sizeof *f.sig), SQLITE_STATIC);
    bind_opt(st, 26, f.source_url);
    if (sqlite3_step(st) != SQLITE_DONE)
        return sp_fail(err, SP_EIO, "hub records: %s", sqlite3_errmsg(db));
    return SP_OK;
}

/* One hub_features row for record i. */
static int put_features(sqlite3 *db, sqlite3_stmt *st, const dedupe_set *s, size_t i,
                        const char *cluster, sp_err *err)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    if (dd_feat_encode(&s->f[i], &blob, &len) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, s->f[i].id, -1, SQLITE_STATIC);
    bind_opt(st, 2, cluster);
    sqlite3_bind_blob(st, 3, blob, (int)len, free);
    if (sqlite3_step(st) != SQLITE_DONE)
        return sp_fail(err, SP_EIO, "hub features: %s", sqlite3_errmsg(db));
    return SP_OK;
}

/* Two ids in the order the link tables keep them. */
static void id_pair(const dedupe_set *s, const dedupe_link *k, const char **a, const char **b)
{
    *a = s->f[k->a].id;
    *b = s->f[k->b].id;
    if (strcmp(*a, *b) > 0) {
        const char *t = *a;
        *a = *b;
        *b = t;
    }
}

/* hub_links and hub_matches, rewritten whole: they hold a few rows per
 * cluster, not one per record. */
static int save_links(sqlite3 *db, const dedupe_set *s, const dedupe_result *res, sp_err *err)
{
    int rc = db_exec(db, "DELETE FROM hub_links; DELETE FROM hub_matches;", err);
    if (rc != SP_OK)
        return rc;
    sqlite3_stmt *ls = NULL, *ms = NULL;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO hub_links VALUES(?,?,?,?,?,?)", -1, &ls,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO hub_matches VALUES(?,?)", -1, &ms, NULL) !=
            SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "hub links: %s", sqlite3_errmsg(db));
        goto out;
    }
    /* Every pair inside a cluster that scores a match (or was decided)
     * is kept with its evidence, not only the spanning links: a hub user
     * sees each reason two records were joined. */
    for (size_t l = 0; l < res->n_links && rc == SP_OK; l++) {
        const dedupe_link *k = &res->links[l];
        dedupe_score sc;
        /* in id order, as linkage scored it (dedupe_link.c) */
        if (strcmp(s->f[k->a].id, s->f[k->b].id) < 0)
            dedupe_compare(s, k->a, k->b, &sc);
        else
            dedupe_compare(s, k->b, k->a, &sc);
        json_t *j = dedupe_score_json(&sc);
        char *ev = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        const char *a, *b;
        id_pair(s, k, &a, &b);
        sqlite3_reset(ls);
        sqlite3_bind_text(ls, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_text(ls, 2, b, -1, SQLITE_STATIC);
        sqlite3_bind_text(ls, 3, res->cluster_id[k->a] ? res->cluster_id[k->a] : a, -1,
                          SQLITE_STATIC);
        sqlite3_bind_double(ls, 4, k->decided ? sc.score : k->score);
        sqlite3_bind_int(ls, 5, k->decided);
        sqlite3_bind_text(ls, 6, ev ? ev : "{}", -1, SQLITE_TRANSIENT);
        free(ev);
        if (sqlite3_step(ls) != SQLITE_DONE)
            rc = sp_fail(err, SP_EIO, "hub links: %s", sqlite3_errmsg(db));
    }
    for (size_t l = 0; l < res->n_matched && rc == SP_OK; l++) {
        const char *a, *b;
        id_pair(s, &res->matched[l], &a, &b);
        sqlite3_reset(ms);
        sqlite3_bind_text(ms, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_text(ms, 2, b, -1, SQLITE_STATIC);
        if (sqlite3_step(ms) != SQLITE_DONE)
            rc = sp_fail(err, SP_EIO, "hub matches: %s", sqlite3_errmsg(db));
    }
out:
    sqlite3_finalize(ls);
    sqlite3_finalize(ms);
    return rc;
}

/* What one run works on: the records (s), which of them are new or changed
 * (changed; all of them in a whole run), the last run's features of the
 * changed and removed ones (olds) and the ids removed. */
typedef struct run_state {
    dedupe_set *s, *olds;
    bool *changed;
    char **removed;
    size_t n_removed;
    bool full;
    int64_t pending_max;
    uint32_t *sorted;  /* s in id order, for the last run's matches */
    uint64_t *prev;    /* the last run's matches, as index pairs, sorted */
    size_t n_prev;
    bool *had_match;
} run_state;

static void run_state_free(run_state *r)
{
    dedupe_set_free(r->s);
    dedupe_set_free(r->olds);
    free(r->changed);
    for (size_t i = 0; i < r->n_removed; i++)
        free(r->removed[i]);
    free(r->removed);
    free(r->sorted);
    free(r->prev);
    free(r->had_match);
    memset(r, 0, sizeof *r);
}

/* The hub tables for this run: everything in a whole run; in an
 * incremental one the changed and removed records' rows, and the cluster
 * of the others whose cluster changed. */
static int save_records(sqlite3 *db, const run_state *r, const dedupe_result *res, sp_err *err)
{
    const dedupe_set *s = r->s;
    int rc = r->full ? db_exec(db, "DELETE FROM hub_records; DELETE FROM hub_features;", err)
                     : SP_OK;
    if (rc != SP_OK)
        return rc;
    sqlite3_stmt *rs = NULL, *fs = NULL, *dr = NULL, *df = NULL, *cr = NULL, *cf = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO hub_records VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,"
                           "?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &rs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO hub_features VALUES(?,?,?)", -1, &fs,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM hub_records WHERE id=?", -1, &dr, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM hub_features WHERE id=?", -1, &df, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE hub_records SET cluster_id=? WHERE id=?", -1, &cr,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE hub_features SET cluster_id=? WHERE id=?", -1, &cf,
                           NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "hub tables: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (size_t i = 0; i < r->n_removed && rc == SP_OK; i++) {
        sqlite3_stmt *del[2] = {dr, df};
        for (int k = 0; k < 2 && rc == SP_OK; k++) {
            sqlite3_reset(del[k]);
            sqlite3_bind_text(del[k], 1, r->removed[i], -1, SQLITE_STATIC);
            if (sqlite3_step(del[k]) != SQLITE_DONE)
                rc = sp_fail(err, SP_EIO, "hub tables: %s", sqlite3_errmsg(db));
        }
    }
    for (size_t i = 0; i < s->n && rc == SP_OK; i++) {
        const char *cluster = res->cluster_id[i];
        if (r->changed[i]) {
            rc = put_record(db, rs, s, i, cluster, err);
            if (rc == SP_OK)
                rc = put_features(db, fs, s, i, cluster, err);
            continue;
        }
        if (str_eq(s->f[i].cluster_id, cluster))
            continue;
        sqlite3_stmt *upd[2] = {cr, cf};
        for (int k = 0; k < 2 && rc == SP_OK; k++) {
            sqlite3_reset(upd[k]);
            bind_opt(upd[k], 1, cluster);
            sqlite3_bind_text(upd[k], 2, s->f[i].id, -1, SQLITE_STATIC);
            if (sqlite3_step(upd[k]) != SQLITE_DONE)
                rc = sp_fail(err, SP_EIO, "hub tables: %s", sqlite3_errmsg(db));
        }
    }
    if (rc == SP_OK)
        rc = save_links(db, s, res, err);
out:
    sqlite3_finalize(rs);
    sqlite3_finalize(fs);
    sqlite3_finalize(dr);
    sqlite3_finalize(df);
    sqlite3_finalize(cr);
    sqlite3_finalize(cf);
    return rc;
}

int dedupe_note_changed(sqlite3 *db, const char *id, sp_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO hub_pending(id) VALUES(?)", -1, &st, NULL) !=
        SQLITE_OK)
        return sp_fail(err, SP_EIO, "hub pending: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? SP_OK : sp_fail(err, SP_EIO, "hub pending: %s", sqlite3_errmsg(db));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool prev_match(void *ctx, uint32_t a, uint32_t b)
{
    const run_state *r = ctx;
    uint64_t k = ((uint64_t)a << 32) | b;
    return r->n_prev && bsearch(&k, r->prev, r->n_prev, sizeof k, dd_cmp_u64) != NULL;
}

/* The last run's matches, by index into r->s. */
static int load_prev(sqlite3 *db, run_state *r, sp_err *err)
{
    const dedupe_set *s = r->s;
    r->sorted = dd_sort_by_id(s);
    r->had_match = calloc(s->n ? s->n : 1, sizeof *r->had_match);
    if (!r->sorted || !r->had_match)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT id_a, id_b FROM hub_matches", -1, &st, NULL) !=
        SQLITE_OK)
        return sp_fail(err, SP_EIO, "hub matches: %s", sqlite3_errmsg(db));
    size_t cap = 0;
    int rc = SP_OK;
    while (rc == SP_OK && sqlite3_step(st) == SQLITE_ROW) {
        long a = dd_lookup(s, r->sorted, (const char *)sqlite3_column_text(st, 0));
        long b = dd_lookup(s, r->sorted, (const char *)sqlite3_column_text(st, 1));
        if (a < 0 || b < 0 || a == b)
            continue;
        if (r->n_prev == cap) {
            cap = cap ? cap * 2 : 1024;
            uint64_t *v = realloc(r->prev, cap * sizeof *v);
            if (!v) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
                break;
            }
            r->prev = v;
        }
        uint64_t x = (uint64_t)(a < b ? a : b), y = (uint64_t)(a < b ? b : a);
        r->prev[r->n_prev++] = (x << 32) | y;
        r->had_match[a] = r->had_match[b] = true;
    }
    sqlite3_finalize(st);
    if (r->n_prev)
        qsort(r->prev, r->n_prev, sizeof *r->prev, dd_cmp_u64);
    return rc;
}

/* The noted ids (up to r->pending_max), sorted and unique. */
static int load_pending(sqlite3 *db, run_state *r, char ***ids, size_t *n, sp_err *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT id FROM hub_pending WHERE rowid <= ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return sp_fail(err, SP_EIO, "hub pending: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, r->pending_max);
    size_t cap = 0;
    int rc = SP_OK;
    while (rc == SP_OK && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(*ids, cap * sizeof *v);
            if (!v) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
                break;
            }
            *ids = v;
        }
        (*ids)[*n] = sp_strdup((const char *)sqlite3_column_text(st, 0));
        if (!(*ids)[(*n)++])
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

/* An incremental run's records: the cache, with the noted ones read again
 * from the index.  SP_EAGAIN when the cache cannot be trusted (then the
 * run is a whole one). */
static int load_incremental(sqlite3 *db, idx *ix, run_state *r, sp_err *err)
{
    char **ids = NULL;
    size_t n_ids = 0;
    int rc = load_pending(db, r, &ids, &n_ids, err);
    if (rc == SP_OK)
        rc = dedupe_set_new(&r->s, err);
    if (rc == SP_OK)
        rc = dedupe_set_new(&r->olds, err);
    sqlite3_stmt *st = NULL;
    if (rc == SP_OK &&
        sqlite3_prepare_v2(db, "SELECT id, cluster_id, feat FROM hub_features", -1, &st, NULL) !=
            SQLITE_OK)
        rc = sp_fail(err, SP_EIO, "hub features: %s", sqlite3_errmsg(db));
    while (rc == SP_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        bool noted = id && n_ids && bsearch(&id, ids, n_ids, sizeof *ids, cmp_str);
        dedupe_set *into = noted ? r->olds : r->s;
        const void *blob = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        sp_err e = {0};
        if (!blob || dd_set_add_encoded(into, blob, len, &e) != SP_OK) {
            rc = e.code == SP_ENOMEM ? sp_fail(err, SP_ENOMEM, "out of memory") : SP_EAGAIN;
            break;
        }
        const char *cl = (const char *)sqlite3_column_text(st, 1);
        feat *f = &into->f[into->n - 1];
        if (cl && !(f->cluster_id = sp_strdup(cl)))
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    size_t kept = r->s ? r->s->n : 0;
    for (size_t i = 0; rc == SP_OK && i < n_ids; i++) {
        rec_service rec;
        sp_err e = {0};
        int g = idx_get(ix, ids[i], &rec, &e);
        if (g == SP_OK) {
            rc = dedupe_set_add(r->s, &rec, err);
            rec_service_free(&rec);
        } else if (g == SP_ENOTFOUND) {
            char **v = realloc(r->removed, (r->n_removed + 1) * sizeof *v);
            if (!v) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
                break;
            }
            r->removed = v;
            r->removed[r->n_removed++] = ids[i];
            ids[i] = NULL;
        } else {
            rc = sp_fail(err, g, "%s", e.msg);
        }
    }
    for (size_t i = 0; i < n_ids; i++)
        free(ids[i]);
    free(ids);
    if (rc != SP_OK)
        return rc;
    /* A writer that did not note its records shows here as a count that
     * does not add up (a change it made in place would not: such writers
     * ask for a whole run, see dedupe_run). */
    if (r->s->n != idx_count(ix))
        return SP_EAGAIN;
    r->changed = calloc(r->s->n ? r->s->n : 1, sizeof *r->changed);
    if (!r->changed)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    for (size_t i = kept; i < r->s->n; i++)
        r->changed[i] = true;
    return load_prev(db, r, err);
}

/* A whole run's records: every record of the index. */
static int load_full(idx *ix, run_state *r, sp_err *err)
{
    int rc = dedupe_set_new(&r->s, err);
    if (rc == SP_OK)
        rc = read_index(ix, r->s, err);
    if (rc != SP_OK)
        return rc;
    r->changed = malloc((r->s->n ? r->s->n : 1) * sizeof *r->changed);
    if (!r->changed)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->s->n; i++)
        r->changed[i] = true;
    r->full = true;
    return SP_OK;
}

static int64_t pending_max(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(rowid) FROM hub_pending", -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int dedupe_run(idx *ix, const char *store_dir, bool force, bool changed_hint,
               dedupe_stats *st, sp_err *err)
{
    memset(st, 0, sizeof *st);
    sqlite3 *db = NULL;
    run_state r = {0};
    decisions d = {0};
    dedupe_result res = {0};
    int rc = db_open(store_dir, &db, err);
    if (rc != SP_OK)
        return rc;
    char count[32];
    snprintf(count, sizeof count, "%zu", idx_count(ix));
    /* Decisions are counted (hub_meta "decisions"); a run remembers the
     * count it read before loading them ("applied"), so a decision made
     * while a run is under way is applied by the next one. */
    char *decided = meta_get(db, "decisions");
    char *applied = meta_get(db, "applied");
    char *last = meta_get(db, "documents");
    char *tag = meta_get(db, "features");
    r.pending_max = pending_max(db);
    bool cache_ok = tag && !strcmp(tag, FEATURES_TAG);
    bool whole = force || changed_hint || !cache_ok;
    bool skip = !whole && r.pending_max == 0 && last && !strcmp(last, count) &&
                !strcmp(decided ? decided : "0", applied ? applied : "0");
    free(applied);
    free(last);
    free(tag);
    if (skip) {
        st->skipped = true;
        free(decided);
        sqlite3_close(db);
        return SP_OK;
    }
    if (!whole) {
        rc = load_incremental(db, ix, &r, err);
        if (rc == SP_EAGAIN) {
            run_state_free(&r);
            r.pending_max = pending_max(db);
        }
    }
    if (whole || rc == SP_EAGAIN)
        rc = load_full(ix, &r, err);
    if (rc == SP_OK)
        rc = load_decisions(db, &d, err);
    if (rc == SP_OK) {
        dd_prior pr = {.sorted = r.sorted, .olds = r.olds, .changed = r.changed, .is_prev_match = prev_match,
                       .had_match = r.had_match, .ctx = &r};
        rc = dd_link(r.s, d.v, d.n, r.full ? NULL : &pr, &res, err);
    }
    if (rc == SP_OK)
        rc = write_clusters(ix, r.s, &res, &st->changed, err);
    if (rc == SP_OK)
        rc = db_exec(db, "BEGIN IMMEDIATE", err);
    if (rc == SP_OK) {
        rc = save_records(db, &r, &res, err);
        char pend[32];
        snprintf(pend, sizeof pend, "%lld", (long long)r.pending_max);
        sqlite3_stmt *del = NULL;
        if (rc == SP_OK &&
            (sqlite3_prepare_v2(db, "DELETE FROM hub_pending WHERE rowid <= ?", -1, &del,
                                NULL) != SQLITE_OK ||
             sqlite3_bind_int64(del, 1, r.pending_max) != SQLITE_OK ||
             sqlite3_step(del) != SQLITE_DONE))
            rc = sp_fail(err, SP_EIO, "hub pending: %s", sqlite3_errmsg(db));
        sqlite3_finalize(del);
        if (rc == SP_OK && (meta_set(db, "documents", count) != SP_OK ||
                            meta_set(db, "applied", decided ? decided : "0") != SP_OK ||
                            meta_set(db, "features", FEATURES_TAG) != SP_OK))
            rc = sp_fail(err, SP_EIO, "hub meta: %s", sqlite3_errmsg(db));
        char now[32];
        sp_time_format(sp_now(), now);
        if (rc == SP_OK)
            meta_set(db, "linked_at", now);
        if (rc == SP_OK)
            rc = db_exec(db, "COMMIT", err);
        else
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    st->records = r.s ? r.s->n : 0;
    st->incremental = !r.full;
    for (size_t i = 0; r.changed && r.s && i < r.s->n; i++)
        st->relinked += r.changed[i];
    st->relinked += r.n_removed;
    st->candidates = res.candidates;
    st->matches = res.matches;
    st->clusters = res.clusters;
    st->clustered = res.clustered;
    st->refused = res.refused;
    dedupe_result_free(&res);
    decisions_free(&d);
    run_state_free(&r);
    free(decided);
    sqlite3_close(db);
    return rc;
}
