/*
 * store_hub.c - the duplicate linkage's tables in STORE/crawl.db (store.h,
 * "for the duplicate linkage and the hub"): hub_decisions (hub users'
 * decisions, the only rows here not derived from the index), hub_links and
 * hub_records (what the hub reports read), hub_features, hub_keys,
 * hub_matches and hub_pending (the linkage's state for incremental runs)
 * and hub_meta.
 *
 * indexer/dedupe_store.c writes them inside one batch per run
 * (store_batch_begin), indexer/hub.c reads them; the bytes of a feature
 * blob are the linkage's business, not the store's.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static double col_num(sqlite3_stmt *st, int i, double absent)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? absent : sqlite3_column_double(st, i);
}

static int hub_record_row(const sto_cb *cb, sqlite3_stmt *st)
{
    store_hub_record r = {
        .id = sto_text(st, 0),
        .cluster_id = sto_text(st, 1),
        .source = sto_text(st, 2),
        .name = sto_text(st, 3),
        .org = sto_text(st, 4),
        .url = sto_text(st, 5),
        .boroughs = sto_text(st, 6),
        .subregions = sto_text(st, 7),
        .groups = sto_text(st, 8),
        .categories = sto_text(st, 9),
        .modes = sto_text(st, 10),
        .funders = sto_text(st, 11),
        .postcode = sto_text(st, 12),
        .schedule = sto_text(st, 13),
        .status = sto_text(st, 14),
        .last_modified = sto_text(st, 15),
        .pan_london = sqlite3_column_int(st, 16) != 0,
        .lat = col_num(st, 17, NAN),
        .lon = col_num(st, 18, NAN),
        .min_age = col_num(st, 19, -1),
        .max_age = col_num(st, 20, -1),
        .first_seen = sqlite3_column_int64(st, 21),
        .last_seen = sqlite3_column_int64(st, 22),
        .last_changed = sqlite3_column_int64(st, 23),
        .sig = sqlite3_column_blob(st, 24),
        .sig_len = (size_t)sqlite3_column_bytes(st, 24),
        .source_url = sto_text(st, 25),
    };
    return ((store_hub_record_fn)cb->fn)(cb->ctx, &r);
}

int store_hub_records(store *s, store_hub_record_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                      "SELECT id, cluster_id, source, name, org, url, boroughs, subregions,"
                      " groups, categories, modes, funders, postcode, schedule, status,"
                      " last_modified, pan_london, lat, lon, min_age, max_age, first_seen,"
                      " last_seen, last_changed, sig, source_url FROM hub_records ORDER BY id",
                      "");
    return sto_each(s, st, rc, hub_record_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read hub records", err);
}

int store_hub_record_put(store *s, const store_hub_record *r, sp_err *err)
{
    /* lat and lon are both known or both not; ages below 0 are none */
    double lat = isnan(r->lon) ? NAN : r->lat, lon = isnan(r->lat) ? NAN : r->lon;
    return sto_run(s, err,
                   "INSERT OR REPLACE INTO hub_records(id, cluster_id, source, name, org, url,"
                   " boroughs, subregions, groups, categories, modes, funders, postcode,"
                   " schedule, status, last_modified, pan_london, lat, lon, min_age, max_age,"
                   " first_seen, last_seen, last_changed, sig, source_url)"
                   " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   "ttttttttttttttttiddddIIIbt", r->id, r->cluster_id, r->source, r->name,
                   r->org, r->url, r->boroughs, r->subregions, r->groups, r->categories,
                   r->modes, r->funders, r->postcode, r->schedule, r->status, r->last_modified,
                   r->pan_london ? 1 : 0, lat, lon, r->min_age < 0 ? NAN : r->min_age,
                   r->max_age < 0 ? NAN : r->max_age, r->first_seen, r->last_seen,
                   r->last_changed, (const char *)r->sig, r->sig_len, r->source_url);
}

static int hub_decision_row(const sto_cb *cb, sqlite3_stmt *st)
{
    store_hub_decision d = {sto_text(st, 0), sto_text(st, 1), sto_text(st, 2), sto_text(st, 4),
                            sqlite3_column_int64(st, 3)};
    return d.id_a && d.id_b && d.decision && ((store_hub_decision_fn)cb->fn)(cb->ctx, &d);
}

int store_hub_decisions(store *s, store_hub_decision_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                      "SELECT id_a, id_b, decision, at, by FROM hub_decisions ORDER BY at", "");
    return sto_each(s, st, rc, hub_decision_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read hub decisions", err);
}

int store_hub_decide(store *s, const store_hub_decision *d, sp_err *err)
{
    int rc = sto_tx_begin(s, err);
    if (rc)
        return rc;
    rc = sto_run(s, err,
                 "INSERT OR REPLACE INTO hub_decisions(id_a, id_b, decision, at, by)"
                 " VALUES(?, ?, ?, ?, ?)",
                 "tttIt", d->id_a, d->id_b, d->decision, d->at, d->by);
    /* the linkage's next run must not skip: it has a decision to apply */
    if (!rc)
        rc = sto_run(s, err,
                     "INSERT INTO hub_meta(key, value) VALUES('decisions', '1')"
                     " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                     "");
    return sto_tx_end(s, rc, err);
}

static int hub_link_row(const sto_cb *cb, sqlite3_stmt *st)
{
    store_hub_link l = {sto_text(st, 0), sto_text(st, 1), sto_text(st, 2), sto_text(st, 3),
                        sqlite3_column_double(st, 4), sqlite3_column_int(st, 5) != 0};
    return l.id_a && l.id_b && l.cluster_id && ((store_hub_link_fn)cb->fn)(cb->ctx, &l);
}

int store_hub_links(store *s, store_hub_link_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false,
                      "SELECT id_a, id_b, cluster_id, evidence, score, decided FROM hub_links"
                      " ORDER BY cluster_id, score DESC",
                      "");
    return sto_each(s, st, rc, hub_link_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read hub links", err);
}

int store_hub_links_of(store *s, const char *cluster_id, store_hub_link_fn fn, void *ctx,
                       sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                      "SELECT id_a, id_b, cluster_id, NULL, score, decided FROM hub_links"
                      " WHERE cluster_id = ?",
                      "t", cluster_id);
    return sto_each(s, st, rc, hub_link_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read hub links", err);
}

int store_hub_links_clear(store *s, sp_err *err)
{
    return sto_exec(s, "DELETE FROM hub_links; DELETE FROM hub_matches;", err);
}

int store_hub_link_put(store *s, const store_hub_link *l, sp_err *err)
{
    return sto_run(s, err,
                   "INSERT OR REPLACE INTO hub_links(id_a, id_b, cluster_id, score, decided,"
                   " evidence) VALUES(?, ?, ?, ?, ?, ?)",
                   "tttdit", l->id_a, l->id_b, l->cluster_id, l->score, l->decided ? 1 : 0,
                   l->evidence ? l->evidence : "{}");
}

static int hub_match_row(const sto_cb *cb, sqlite3_stmt *st)
{
    const char *a = sto_text(st, 0), *b = sto_text(st, 1);
    return a && b && ((store_hub_match_fn)cb->fn)(cb->ctx, a, b, sqlite3_column_double(st, 2));
}

int store_hub_matches_of(store *s, const char *id, store_hub_match_fn fn, void *ctx,
                         sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                      "SELECT id_a, id_b, score FROM hub_matches WHERE id_a = ?1 UNION ALL"
                      " SELECT id_a, id_b, score FROM hub_matches WHERE id_b = ?1",
                      "t", id);
    return sto_each(s, st, rc, hub_match_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read hub matches", err);
}

int store_hub_match_put(store *s, const char *id_a, const char *id_b, double score,
                        sp_err *err)
{
    return sto_run(s, err, "INSERT OR REPLACE INTO hub_matches(id_a, id_b, score) VALUES(?, ?, ?)",
                   "ttd", id_a, id_b, score);
}

static int hub_features_row(const sto_cb *cb, sqlite3_stmt *st)
{
    return ((store_hub_features_fn)cb->fn)(cb->ctx, sto_text(st, 0), sto_text(st, 1),
                                            sqlite3_column_blob(st, 2),
                                            (size_t)sqlite3_column_bytes(st, 2));
}

int store_hub_features_of(store *s, const char *id, store_hub_features_fn fn, void *ctx,
                          sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true, "SELECT id, cluster_id, feat FROM hub_features WHERE id = ?",
                      "t", id);
    return sto_each(s, st, rc, hub_features_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read hub features", err);
}

int store_hub_features_put(store *s, const char *id, const char *cluster_id, void *blob,
                           size_t len, sp_err *err)
{
    int rc = sto_run(s, err,
                     "INSERT OR REPLACE INTO hub_features(id, cluster_id, feat) VALUES(?, ?, ?)",
                     "ttb", id, cluster_id, (const char *)blob, len);
    free(blob);
    return rc;
}

int store_hub_match_del(store *s, const char *id_a, const char *id_b, sp_err *err)
{
    return sto_run(s, err, "DELETE FROM hub_matches WHERE id_a = ? AND id_b = ?", "tt", id_a,
                   id_b);
}

int store_hub_link_del(store *s, const char *id_a, const char *id_b, sp_err *err)
{
    return sto_run(s, err, "DELETE FROM hub_links WHERE id_a = ? AND id_b = ?", "tt", id_a,
                   id_b);
}

int store_hub_link_set_cluster(store *s, const char *id_a, const char *id_b,
                               const char *cluster_id, sp_err *err)
{
    return sto_run(s, err, "UPDATE hub_links SET cluster_id = ? WHERE id_a = ? AND id_b = ?",
                   "ttt", cluster_id, id_a, id_b);
}

int store_hub_key_put(store *s, uint64_t key, const char *id, uint32_t sub, sp_err *err)
{
    return sto_run(s, err, "INSERT OR REPLACE INTO hub_keys(key, id, sub) VALUES(?, ?, ?)",
                   "ItI", (int64_t)key, id, (int64_t)sub);
}

int store_hub_key_del(store *s, uint64_t key, const char *id, sp_err *err)
{
    return sto_run(s, err, "DELETE FROM hub_keys WHERE key = ? AND id = ?", "It", (int64_t)key,
                   id);
}

static int hub_member_row(const sto_cb *cb, sqlite3_stmt *st)
{
    const char *id = sto_text(st, 0);
    return id && ((store_hub_member_fn)cb->fn)(cb->ctx, id, (uint32_t)sqlite3_column_int64(st, 1));
}

int store_hub_block(store *s, uint64_t key, store_hub_member_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true, "SELECT id, sub FROM hub_keys WHERE key = ?", "I",
                      (int64_t)key);
    return sto_each(s, st, rc, hub_member_row, &(sto_cb){(void (*)(void))fn, ctx},
                    "read a hub block", err);
}

int store_hub_block_size(store *s, uint64_t key, int64_t limit, int64_t *n, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                      "SELECT count(*) FROM (SELECT 1 FROM hub_keys WHERE key = ? LIMIT ?)", "II",
                      (int64_t)key, limit);
    if (rc)
        return rc;
    *n = 0;
    if (sto_next(s, st, &rc, err, "count a hub block"))
        *n = sqlite3_column_int64(st, 0);
    sto_done(s, st);
    return rc;
}

int store_hub_cluster_of(store *s, const char *id, bool *found, char **cluster_id, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true, "SELECT cluster_id FROM hub_records WHERE id = ?", "t",
                      id);
    if (rc)
        return rc;
    *found = false;
    *cluster_id = NULL;
    if (sto_next(s, st, &rc, err, "read a hub record")) {
        *found = true;
        if (sto_text(st, 0) && !(*cluster_id = sp_strdup(sto_text(st, 0))))
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    }
    sto_done(s, st);
    return rc;
}

int store_hub_set_cluster(store *s, const char *id, const char *cluster_id, sp_err *err)
{
    int rc = sto_run(s, err, "UPDATE hub_records SET cluster_id = ? WHERE id = ?", "tt",
                     cluster_id, id);
    if (!rc)
        rc = sto_run(s, err, "UPDATE hub_features SET cluster_id = ? WHERE id = ?", "tt",
                     cluster_id, id);
    return rc;
}

int store_hub_forget(store *s, const char *id, sp_err *err)
{
    int rc = sto_run(s, err, "DELETE FROM hub_records WHERE id = ?", "t", id);
    if (!rc)
        rc = sto_run(s, err, "DELETE FROM hub_features WHERE id = ?", "t", id);
    return rc;
}

int store_hub_clear(store *s, sp_err *err)
{
    return sto_exec(s, "DELETE FROM hub_records; DELETE FROM hub_features; DELETE FROM hub_keys;",
                    err);
}

int store_hub_note(store *s, const char *id, sp_err *err)
{
    return sto_run(s, err, "INSERT INTO hub_pending(id) VALUES(?)", "t", id);
}

int store_hub_pending_max(store *s, int64_t *max, sp_err *err)
{
    int rc = sto_int(s, max, false, "read hub notes", err,
                     "SELECT coalesce(max(rowid), 0) FROM hub_pending", NULL);
    return rc == SP_ENOTFOUND ? SP_OK : rc;
}

int store_hub_pending(store *s, int64_t max, store_text_fn fn, void *ctx, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, true,
                      "SELECT DISTINCT id FROM hub_pending WHERE rowid <= ? ORDER BY id",
                      "I", max);
    return rc ? rc : sto_each_text(s, st, fn, ctx, "read hub notes", err);
}

int store_hub_pending_clear(store *s, int64_t max, sp_err *err)
{
    return sto_run(s, err, "DELETE FROM hub_pending WHERE rowid <= ?", "I", max);
}

int store_hub_meta_get(store *s, const char *key, char **out, sp_err *err)
{
    sqlite3_stmt *st;
    int rc = sto_prep(s, &st, err, false, "SELECT value FROM hub_meta WHERE key = ?", "t", key);
    if (rc)
        return rc;
    *out = NULL;
    if (sto_next(s, st, &rc, err, "read hub meta") && sto_text(st, 0) &&
        !(*out = sp_strdup(sto_text(st, 0))))
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    sto_done(s, st);
    return rc;
}

int store_hub_meta_set(store *s, const char *key, const char *value, sp_err *err)
{
    return sto_run(s, err, "INSERT OR REPLACE INTO hub_meta(key, value) VALUES(?, ?)", "tt",
                   key, value);
}
