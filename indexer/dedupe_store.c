/*
 * dedupe_store.c - the linkage over a store (dedupe.h, dedupe_run): the
 * hub tables in STORE/crawl.db, hub users' decisions, and the cluster ids
 * written back into the index.
 *
 * A run is incremental when it can be: writers of the index note each
 * record they add, change or remove in hub_pending (store_hub_note, in
 * their own transaction), and every run keeps each record's features
 * (hub_features), blocking keys (hub_keys), the matches with their scores
 * (hub_matches) and the links, so a run reads only the noted records and
 * the blocks they touch (dedupe_incr.c says how, and why that is exact)
 * and rewrites only the rows that changed.  A whole run (force, a writer
 * that did not note, no usable cache, or a cache that disagrees with the
 * index) reads every record and rewrites every table.  The tables are the
 * store's (store.h, store_hub_*); a run writes them in one batch, with
 * its notes' removal, so a run killed half way leaves the last run's.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dedupe_impl.h"
#include "feed.h"
#include "store.h"

/* Bump when the features' bytes or what goes into them change: the next
 * run is then a whole one and rewrites the cache. */
#define FEATURES_TAG "4" /* 3: sp_fnv1a64 with the right basis (2026-12);
                            * 4: hub_keys and hub_matches.score kept */


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
    store *db = NULL;
    int rc = store_open(store_dir, &db, err);
    if (rc != SP_OK)
        return rc;
    store_hub_decision d = {a, b, v == DEDUPE_SAME ? "same" : "not-same", by, sp_now()};
    rc = store_hub_decide(db, &d, err);
    store_close(db);
    return rc;
}

/* A hub_meta value (malloc'd), NULL when absent or unreadable. */
static char *meta_get(store *db, const char *key)
{
    char *v = NULL;
    sp_err e = {0};
    return store_hub_meta_get(db, key, &v, &e) == SP_OK ? v : NULL;
}

typedef struct decisions {
    dedupe_decision *v;
    size_t n;
    bool oom;
} decisions;

static void decisions_free(decisions *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free((char *)d->v[i].a);
        free((char *)d->v[i].b);
    }
    free(d->v);
}

static int add_decision(void *ctx, const store_hub_decision *sd)
{
    decisions *d = ctx;
    dedupe_decision *x = feed_push(&d->v, &d->n, sizeof *d->v, SIZE_MAX);
    if (x) {
        x->a = sp_strdup(sd->id_a);
        x->b = sp_strdup(sd->id_b);
        x->verdict = dedupe_verdict_parse(sd->decision) == DEDUPE_SAME ? DEDUPE_SAME
                                                                       : DEDUPE_NOT_SAME;
    }
    d->oom = !x || !x->a || !x->b;
    return d->oom;
}

static int load_decisions(store *db, decisions *d, sp_err *err)
{
    memset(d, 0, sizeof *d);
    int rc = store_hub_decisions(db, add_decision, d, err);
    return rc == SP_OK && d->oom ? sp_fail(err, SP_ENOMEM, "out of memory") : rc;
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

int dd_write_clusters(idx *ix, size_t n, const char *const *id, const char *const *old,
                      const char *const *now, size_t *changed, sp_err *err)
{
    *changed = 0;
    int rc = idx_begin(ix, err);
    if (rc != SP_OK)
        return rc;
    for (size_t i = 0; i < n && rc == SP_OK; i++) {
        if (str_eq(old[i], now[i]))
            continue;
        rec_service r;
        rc = idx_get(ix, id[i], &r, err);
        if (rc != SP_OK)
            break;
        free(r.cluster_id);
        r.cluster_id = sp_strdup(now[i]);
        if (now[i] && !r.cluster_id)
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

/* A whole run's: every record against what the index holds. */
static int write_clusters(idx *ix, const dedupe_set *s, const dedupe_result *res,
                          size_t *changed, sp_err *err)
{
    const char **id = malloc((s->n ? s->n : 1) * sizeof *id);
    const char **old = malloc((s->n ? s->n : 1) * sizeof *old);
    int rc = id && old ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SP_OK && i < s->n; i++) {
        id[i] = s->f[i].id;
        old[i] = s->f[i].cluster_id;
    }
    if (rc == SP_OK)
        rc = dd_write_clusters(ix, s->n, id, old, res->cluster_id, changed, err);
    free(id);
    free(old);
    return rc;
}

int dd_put_record(store *db, const dedupe_set *s, size_t i, const char *cluster, sp_err *err)
{
    dedupe_facts f;
    dedupe_set_facts(s, i, &f);
    store_hub_record r = {
        .id = f.id, .cluster_id = cluster, .source = f.source, .name = f.name,
        .org = f.org, .url = f.url, .boroughs = f.boroughs, .subregions = f.subregions,
        .groups = f.groups, .categories = f.categories, .modes = f.modes,
        .funders = f.funders, .postcode = f.postcode, .schedule = f.schedule,
        .status = f.status, .last_modified = f.last_modified, .source_url = f.source_url,
        .pan_london = f.pan_london, .lat = f.lat, .lon = f.lon, .min_age = f.min_age,
        .max_age = f.max_age, .first_seen = f.first_seen, .last_seen = f.last_seen,
        .last_changed = f.last_changed, .sig = f.sig,
        .sig_len = DEDUPE_MINHASH * sizeof *f.sig,
    };
    return store_hub_record_put(db, &r, err);
}

int dd_put_features(store *db, const dedupe_set *s, size_t i, const char *cluster, sp_err *err)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    if (dd_feat_encode(&s->f[i], &blob, &len) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    return store_hub_features_put(db, s->f[i].id, cluster, blob, len, err);
}

int dd_keys_save(store *db, const feat *f, bool put, sp_err *err)
{
    int rc = SP_OK;
    uint32_t sub = dd_name_hash(f);
    for (int kind = 0; kind < DD_N_KINDS && rc == SP_OK; kind++) {
        uint64_t tmp[DD_MAX_KEYS];
        size_t m = dd_keys_of(f, kind, tmp, DD_MAX_KEYS);
        for (size_t j = 0; j < m && rc == SP_OK; j++)
            rc = put ? store_hub_key_put(db, tmp[j], f->id, sub, err)
                     : store_hub_key_del(db, tmp[j], f->id, err);
    }
    return rc;
}

int dd_put_link(store *db, const dedupe_set *s, size_t a, size_t b, double score, bool decided,
                const char *cluster, sp_err *err)
{
    if (strcmp(s->f[a].id, s->f[b].id) > 0) {
        size_t t = a;
        a = b;
        b = t;
    }
    /* in id order, as linkage scored it (dedupe_link.c) */
    dedupe_score sc;
    dedupe_compare(s, a, b, &sc);
    json_t *j = dedupe_score_json(&sc);
    char *ev = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    store_hub_link sl = {.id_a = s->f[a].id, .id_b = s->f[b].id,
                         .cluster_id = cluster ? cluster : s->f[a].id, .evidence = ev,
                         .score = decided ? sc.score : score, .decided = decided};
    int rc = store_hub_link_put(db, &sl, err);
    free(ev);
    return rc;
}

/* hub_links and hub_matches, written whole.  Every pair inside a cluster
 * that scores a match (or was decided) is kept with its evidence, not
 * only the spanning links: a hub user sees each reason two records were
 * joined. */
static int save_links(store *db, const dedupe_set *s, const dedupe_result *res, sp_err *err)
{
    int rc = store_hub_links_clear(db, err);
    for (size_t l = 0; l < res->n_links && rc == SP_OK; l++) {
        const dedupe_link *k = &res->links[l];
        rc = dd_put_link(db, s, k->a, k->b, k->score, k->decided, res->cluster_id[k->a], err);
    }
    for (size_t l = 0; l < res->n_matched && rc == SP_OK; l++) {
        const dedupe_link *k = &res->matched[l];
        const char *a = s->f[k->a].id, *b = s->f[k->b].id;
        rc = strcmp(a, b) < 0 ? store_hub_match_put(db, a, b, k->score, err)
                              : store_hub_match_put(db, b, a, k->score, err);
    }
    return rc;
}

/* A whole run's blocking keys, as dd_link sorted them (kind by kind), to
 * write into hub_keys in about the table's order. */
typedef struct kept_keys {
    struct {
        uint64_t key;
        uint32_t rec;
    } *v;
    size_t n, cap;
} kept_keys;

static int keep_keys(void *ctx, const dd_bkey *keys, size_t n, sp_err *err)
{
    kept_keys *k = ctx;
    if (sp_grow(&k->v, &k->cap, k->n + n, sizeof *k->v, 1024) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory while keeping the blocks");
    for (size_t i = 0; i < n; i++) {
        k->v[k->n].key = keys[i].key;
        k->v[k->n++].rec = keys[i].rec;
    }
    return SP_OK;
}

/* A whole run's hub tables, rewritten. */
static int save_whole(store *db, const dedupe_set *s, const dedupe_result *res,
                      const kept_keys *k, sp_err *err)
{
    int rc = store_hub_clear(db, err);
    for (size_t i = 0; i < s->n && rc == SP_OK; i++) {
        rc = dd_put_record(db, s, i, res->cluster_id[i], err);
        if (rc == SP_OK)
            rc = dd_put_features(db, s, i, res->cluster_id[i], err);
    }
    for (size_t i = 0; i < k->n && rc == SP_OK; i++) {
        const feat *f = &s->f[k->v[i].rec];
        rc = store_hub_key_put(db, k->v[i].key, f->id, dd_name_hash(f), err);
    }
    if (rc == SP_OK)
        rc = save_links(db, s, res, err);
    return rc;
}

static int64_t pending_max(store *db)
{
    int64_t v = 0;
    sp_err e = {0};
    store_hub_pending_max(db, &v, &e);
    return v;
}

/* A whole run: every record of the index read, linked and saved (the
 * batch left open for the caller's meta rows). */
static int run_whole(store *db, idx *ix, const decisions *d, dedupe_stats *st, sp_err *err)
{
    dedupe_set *s = NULL;
    dedupe_result res = {0};
    kept_keys k = {0};
    int rc = dedupe_set_new(&s, err);
    if (rc == SP_OK)
        rc = read_index(ix, s, err);
    if (rc == SP_OK)
        rc = dd_link(s, d->v, d->n, keep_keys, &k, &res, err);
    if (rc == SP_OK)
        rc = write_clusters(ix, s, &res, &st->changed, err);
    if (rc == SP_OK)
        rc = store_batch_begin(db, err);
    if (rc == SP_OK) {
        rc = save_whole(db, s, &res, &k, err);
        if (rc != SP_OK)
            store_batch_abort(db);
    }
    st->records = s ? s->n : 0;
    st->relinked = st->records;
    st->candidates = res.candidates;
    st->matches = res.matches;
    st->clusters = res.clusters;
    st->clustered = res.clustered;
    st->refused = res.refused;
    free(k.v);
    dedupe_result_free(&res);
    dedupe_set_free(s);
    return rc;
}

int dedupe_run(idx *ix, const char *store_dir, bool force, bool changed_hint,
               dedupe_stats *st, sp_err *err)
{
    memset(st, 0, sizeof *st);
    store *db = NULL;
    decisions d = {0};
    int rc = store_open(store_dir, &db, err);
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
    int64_t pmax = pending_max(db);
    bool cache_ok = tag && !strcmp(tag, FEATURES_TAG);
    bool whole = force || changed_hint || !cache_ok;
    bool skip = !whole && pmax == 0 && last && !strcmp(last, count) &&
                !strcmp(decided ? decided : "0", applied ? applied : "0");
    free(applied);
    free(last);
    free(tag);
    if (skip) {
        st->skipped = true;
        free(decided);
        store_close(db);
        return SP_OK;
    }
    rc = load_decisions(db, &d, err);
    if (rc == SP_OK && !whole) {
        rc = dd_incr(db, ix, pmax, d.v, d.n, st, err);
        if (rc == SP_EAGAIN) {
            memset(st, 0, sizeof *st);
            pmax = pending_max(db);
        }
    }
    if (rc == SP_OK && !st->incremental)
        rc = SP_EAGAIN; /* a whole run asked for */
    if (rc == SP_EAGAIN)
        rc = run_whole(db, ix, &d, st, err);
    /* the batch is open: the run's meta rows and the notes it read go in
     * the same commit as its tables */
    if (rc == SP_OK) {
        rc = store_hub_pending_clear(db, pmax, err);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "documents", count, err);
        char n[2][32];
        snprintf(n[0], sizeof n[0], "%zu", st->clusters);
        snprintf(n[1], sizeof n[1], "%zu", st->clustered);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "clusters", n[0], err);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "clustered", n[1], err);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "applied", decided ? decided : "0", err);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "features", FEATURES_TAG, err);
        char now[32];
        sp_time_format(sp_now(), now);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "linked_at", now, err);
        if (rc == SP_OK)
            rc = store_batch_commit(db, err);
        else
            store_batch_abort(db);
    }
    decisions_free(&d);
    free(decided);
    store_close(db);
    return rc;
}
