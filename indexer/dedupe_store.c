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
 * The tables are the store's (store.h, store_hub_*); a run writes them in
 * one batch.
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
static int put_record(store *db, const dedupe_set *s, size_t i, const char *cluster,
                      sp_err *err)
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

/* One hub_features row for record i. */
static int put_features(store *db, const dedupe_set *s, size_t i, const char *cluster,
                        sp_err *err)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    if (dd_feat_encode(&s->f[i], &blob, &len) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    return store_hub_features_put(db, s->f[i].id, cluster, blob, len, err);
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
static int save_links(store *db, const dedupe_set *s, const dedupe_result *res, sp_err *err)
{
    int rc = store_hub_links_clear(db, err);
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
        store_hub_link sl = {.evidence = ev, .score = k->decided ? sc.score : k->score,
                             .decided = k->decided};
        id_pair(s, k, &sl.id_a, &sl.id_b);
        sl.cluster_id = res->cluster_id[k->a] ? res->cluster_id[k->a] : sl.id_a;
        rc = store_hub_link_put(db, &sl, err);
        free(ev);
    }
    for (size_t l = 0; l < res->n_matched && rc == SP_OK; l++) {
        const char *a, *b;
        id_pair(s, &res->matched[l], &a, &b);
        rc = store_hub_match_put(db, a, b, err);
    }
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
    sp_strv_free(r->removed, r->n_removed);
    free(r->sorted);
    free(r->prev);
    free(r->had_match);
    memset(r, 0, sizeof *r);
}

/* The hub tables for this run: everything in a whole run; in an
 * incremental one the changed and removed records' rows, and the cluster
 * of the others whose cluster changed. */
static int save_records(store *db, const run_state *r, const dedupe_result *res, sp_err *err)
{
    const dedupe_set *s = r->s;
    int rc = r->full ? store_hub_clear(db, err) : SP_OK;
    for (size_t i = 0; i < r->n_removed && rc == SP_OK; i++)
        rc = store_hub_forget(db, r->removed[i], err);
    for (size_t i = 0; i < s->n && rc == SP_OK; i++) {
        const char *cluster = res->cluster_id[i];
        if (r->changed[i]) {
            rc = put_record(db, s, i, cluster, err);
            if (rc == SP_OK)
                rc = put_features(db, s, i, cluster, err);
        } else if (!str_eq(s->f[i].cluster_id, cluster)) {
            rc = store_hub_set_cluster(db, s->f[i].id, cluster, err);
        }
    }
    if (rc == SP_OK)
        rc = save_links(db, s, res, err);
    return rc;
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

typedef struct prev_ctx {
    run_state *r;
    size_t cap;
    bool oom;
} prev_ctx;

static int add_prev(void *ctx, const char *id_a, const char *id_b)
{
    prev_ctx *c = ctx;
    run_state *r = c->r;
    long a = dd_lookup(r->s, r->sorted, id_a), b = dd_lookup(r->s, r->sorted, id_b);
    if (a < 0 || b < 0 || a == b)
        return 0;
    if (sp_grow(&r->prev, &c->cap, r->n_prev + 1, sizeof *r->prev, 1024) != SP_OK) {
        c->oom = true;
        return 1;
    }
    uint64_t x = (uint64_t)(a < b ? a : b), y = (uint64_t)(a < b ? b : a);
    r->prev[r->n_prev++] = (x << 32) | y;
    r->had_match[a] = r->had_match[b] = true;
    return 0;
}

/* The last run's matches, by index into r->s. */
static int load_prev(store *db, run_state *r, sp_err *err)
{
    const dedupe_set *s = r->s;
    r->sorted = dd_sort_by_id(s);
    r->had_match = calloc(s->n ? s->n : 1, sizeof *r->had_match);
    if (!r->sorted || !r->had_match)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    prev_ctx c = {r, 0, false};
    int rc = store_hub_matches(db, add_prev, &c, err);
    if (rc == SP_OK && c.oom)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    if (r->n_prev)
        qsort(r->prev, r->n_prev, sizeof *r->prev, dd_cmp_u64);
    return rc;
}

typedef struct ids_ctx {
    char **v;
    size_t n;
    bool oom;
} ids_ctx;

static int add_id(void *ctx, const char *id)
{
    ids_ctx *c = ctx;
    char **slot = feed_push(&c->v, &c->n, sizeof *c->v, SIZE_MAX);
    c->oom = !slot || !(*slot = sp_strdup(id));
    return c->oom;
}

/* The noted ids (up to r->pending_max), sorted and unique. */
static int load_pending(store *db, run_state *r, char ***ids, size_t *n, sp_err *err)
{
    ids_ctx c = {0};
    int rc = store_hub_pending(db, r->pending_max, add_id, &c, err);
    if (rc == SP_OK && c.oom)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    *ids = c.v;
    *n = c.n;
    return rc;
}

typedef struct feat_ctx {
    run_state *r;
    char **ids;
    size_t n_ids;
    int rc;
} feat_ctx;

/* A kept record's features: into r->olds when it was noted (read again
 * from the index), else into r->s as it is. */
static int add_feat(void *ctx, const char *id, const char *cl, const void *blob, size_t len)
{
    feat_ctx *c = ctx;
    bool noted = id && c->n_ids && bsearch(&id, c->ids, c->n_ids, sizeof *c->ids, cmp_str);
    dedupe_set *into = noted ? c->r->olds : c->r->s;
    sp_err e = {0};
    if (!blob || dd_set_add_encoded(into, blob, len, &e) != SP_OK) {
        c->rc = e.code == SP_ENOMEM ? SP_ENOMEM : SP_EAGAIN;
        return 1;
    }
    feat *f = &into->f[into->n - 1];
    if (cl && !(f->cluster_id = sp_strdup(cl))) {
        c->rc = SP_ENOMEM;
        return 1;
    }
    return 0;
}

/* An incremental run's records: the cache, with the noted ones read again
 * from the index.  SP_EAGAIN when the cache cannot be trusted (then the
 * run is a whole one). */
static int load_incremental(store *db, idx *ix, run_state *r, sp_err *err)
{
    char **ids = NULL;
    size_t n_ids = 0;
    int rc = load_pending(db, r, &ids, &n_ids, err);
    if (rc == SP_OK)
        rc = dedupe_set_new(&r->s, err);
    if (rc == SP_OK)
        rc = dedupe_set_new(&r->olds, err);
    if (rc == SP_OK) {
        feat_ctx c = {r, ids, n_ids, SP_OK};
        rc = store_hub_features(db, add_feat, &c, err);
        if (rc == SP_OK && c.rc == SP_ENOMEM)
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        else if (rc == SP_OK)
            rc = c.rc;
    }
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
    sp_strv_free(ids, n_ids);
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

static int64_t pending_max(store *db)
{
    int64_t v = 0;
    sp_err e = {0};
    store_hub_pending_max(db, &v, &e);
    return v;
}

int dedupe_run(idx *ix, const char *store_dir, bool force, bool changed_hint,
               dedupe_stats *st, sp_err *err)
{
    memset(st, 0, sizeof *st);
    store *db = NULL;
    run_state r = {0};
    decisions d = {0};
    dedupe_result res = {0};
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
        store_close(db);
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
        rc = store_batch_begin(db, err);
    if (rc == SP_OK) {
        rc = save_records(db, &r, &res, err);
        if (rc == SP_OK)
            rc = store_hub_pending_clear(db, r.pending_max, err);
        if (rc == SP_OK)
            rc = store_hub_meta_set(db, "documents", count, err);
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
    store_close(db);
    return rc;
}
