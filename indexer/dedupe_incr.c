/*
 * dedupe_incr.c - an incremental linkage run (dd_incr, called by
 * dedupe_run) whose work follows the records noted since the last run and
 * the blocks they touch, not the size of the index.
 *
 * The last run kept every record's blocking keys (hub_keys: key -> record
 * id, with the record's order inside a block), its features (hub_features),
 * its matches with their scores (hub_matches) and its links (hub_links).
 * A run:
 *   1. reads the noted records: their last features (their old keys) and
 *      the records now in the index (their new keys);
 *   2. walks each block a noted record is or was in ("touched"): its kept
 *      members, less the noted records, plus the noted records that have
 *      the key now, in the order a whole run sorts them, paired by the
 *      same rules (dd_block_walked, dd_block_end: a weak key's block past
 *      DEDUPE_BLOCK_MAX is skipped, a strong key's is walked as a window);
 *      each pair is scored with the features of its two records (read by
 *      id), as a whole run scores it;
 *   3. finds the records whose cluster may change (close_over: those met
 *      so far, closed over the last clusters and matches) and keeps their
 *      last matches of two records not noted, unless both were in a
 *      touched block and no walk paired them: then it is still a
 *      candidate only if a block of theirs that nothing touched pairs them
 *      (an untouched block pairs what it paired last time), read to see;
 *   4. clusters those records over those matches and the walked ones
 *      (dd_cluster, as a whole run does);
 *   5. writes what changed: cluster ids into the index, the noted records'
 *      rows and keys, the matches and links that came or went.
 * A block of unchanged members that no noted record is or was in pairs
 * the same records as last time, and their scores have not changed, so
 * the result is a whole run's (tests/hub test_incremental checks it).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "dedupe_impl.h"

/* A record the run meets, by id. */
typedef struct slot {
    char *id;
    long f;            /* its features in w (-1: not read) */
    long old;          /* a noted record's last features in olds (-1: none) */
    char *old_cluster; /* its cluster before this run, as hub_records has it
                        * (NULL: alone) */
    bool noted;        /* noted since the last run */
    bool checked;      /* its hub_features row was looked for */
    bool exists;       /* in the index after this run */
    bool in_block;     /* a kept member of a walked touched block */
    bool visited;      /* its matches and cluster read (step 3) */
    bool links_read;   /* a cluster's id: that cluster's links read */
    long cl;           /* its place among the clustered records (-1: none) */
} slot;

/* A pair of slots (a < b by id) with a score. */
typedef struct spair {
    uint32_t a, b;
    double score;
} spair;

typedef struct incr {
    store *db;
    idx *ix;
    dedupe_set *w;    /* features: noted records as they are now, others read by id */
    dedupe_set *olds; /* noted records' last features */
    slot *v;
    size_t n, cap;
    uint32_t *tab;    /* open addressing: slot index + 1, 0 empty */
    size_t tcap;
    uint64_t *touched; /* the touched keys, sorted */
    size_t n_touched;
    uint64_t *cand;   /* walked pairs (slot << 32 | slot, a < b), sorted */
    size_t n_cand, cap_cand;
    spair *match, *prev; /* this run's matches; the last run's */
    size_t n_match, cap_match, n_prev, cap_prev;
    store_hub_link *links; /* the last run's links (strings owned) */
    size_t n_links, cap_links;
    bool oom;
    int rc;           /* from a callback */
    sp_err *err;
} incr;

static size_t slot_hash(const char *id, size_t cap)
{
    return (size_t)sp_fnv1a64(id, strlen(id)) & (cap - 1);
}

static long slot_find(const incr *c, const char *id)
{
    if (!c->tcap)
        return -1;
    for (size_t h = slot_hash(id, c->tcap);; h = (h + 1) & (c->tcap - 1)) {
        if (!c->tab[h])
            return -1;
        if (!strcmp(c->v[c->tab[h] - 1].id, id))
            return (long)c->tab[h] - 1;
    }
}

/* The slot of id, added when new (-1: out of memory). */
static long slot_of(incr *c, const char *id)
{
    long s = slot_find(c, id);
    if (s >= 0)
        return s;
    if ((c->n + 1) * 2 > c->tcap) {
        size_t cap = c->tcap ? c->tcap * 2 : 1024;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < c->n; i++) {
            size_t h = slot_hash(c->v[i].id, cap);
            while (t[h])
                h = (h + 1) & (cap - 1);
            t[h] = (uint32_t)i + 1;
        }
        free(c->tab);
        c->tab = t;
        c->tcap = cap;
    }
    if (sp_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v, 256) != SP_OK)
        return -1;
    slot *x = &c->v[c->n];
    *x = (slot){.id = sp_strdup(id), .f = -1, .old = -1, .cl = -1};
    if (!x->id)
        return -1;
    size_t h = slot_hash(id, c->tcap);
    while (c->tab[h])
        h = (h + 1) & (c->tcap - 1);
    c->tab[h] = (uint32_t)c->n + 1;
    return (long)c->n++;
}

static void incr_free(incr *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].id);
        free(c->v[i].old_cluster);
    }
    free(c->v);
    free(c->tab);
    dedupe_set_free(c->w);
    dedupe_set_free(c->olds);
    free(c->touched);
    free(c->cand);
    free(c->match);
    free(c->prev);
    for (size_t i = 0; i < c->n_links; i++) {
        free((char *)c->links[i].id_a);
        free((char *)c->links[i].id_b);
        free((char *)c->links[i].cluster_id);
    }
    free(c->links);
}

static int oom(incr *c)
{
    return sp_fail(c->err, SP_ENOMEM, "out of memory while linking");
}

typedef struct feat_into {
    dedupe_set *into;
    long *at;
    int rc;
} feat_into;

static int add_feat(void *ctx, const char *id, const char *cl, const void *blob, size_t len)
{
    (void)id;
    feat_into *fi = ctx;
    sp_err e = {0};
    if (!blob || dd_set_add_encoded(fi->into, blob, len, &e) != SP_OK) {
        fi->rc = e.code == SP_ENOMEM ? SP_ENOMEM : SP_EAGAIN;
        return 1;
    }
    feat *f = &fi->into->f[fi->into->n - 1];
    if (cl && !(f->cluster_id = sp_strdup(cl))) {
        fi->rc = SP_ENOMEM;
        return 1;
    }
    *fi->at = (long)fi->into->n - 1;
    return 0;
}

/* Read the kept features of slot s into set (at *at; -1 when none). */
static int read_kept(incr *c, long s, dedupe_set *set, long *at)
{
    feat_into fi = {set, at, SP_OK};
    *at = -1;
    int rc = store_hub_features_of(c->db, c->v[s].id, add_feat, &fi, c->err);
    if (rc == SP_OK && fi.rc == SP_ENOMEM)
        return oom(c);
    return rc == SP_OK ? fi.rc : rc;
}

/* The features of a record not noted, read once (SP_EAGAIN when a record
 * the kept blocks or matches name has none: the state does not add up). */
static int need_feat(incr *c, long s)
{
    slot *x = &c->v[s];
    if (!x->checked) {
        x->checked = true;
        long at;
        int rc = read_kept(c, s, c->w, &at);
        if (rc != SP_OK)
            return rc;
        c->v[s].f = at;
        c->v[s].exists = at >= 0;
    }
    return c->v[s].f >= 0 ? SP_OK : SP_EAGAIN;
}

static int add_noted(void *ctx, const char *id)
{
    incr *c = ctx;
    long s = slot_of(c, id);
    if (s < 0) {
        c->oom = true;
        return 1;
    }
    c->v[s].noted = true;
    return 0;
}

/* Step 1: the noted records, last and now. */
static int read_noted(incr *c, int64_t pending_max, size_t *added, size_t *gone)
{
    int rc = store_hub_pending(c->db, pending_max, add_noted, c, c->err);
    if (rc == SP_OK && c->oom)
        return oom(c);
    for (size_t s = 0; s < c->n && rc == SP_OK; s++) {
        rc = read_kept(c, (long)s, c->olds, &c->v[s].old);
        if (rc != SP_OK)
            break;
        rec_service r;
        sp_err e = {0};
        int g = idx_get(c->ix, c->v[s].id, &r, &e);
        c->v[s].checked = true;
        if (g == SP_OK) {
            rc = dedupe_set_add(c->w, &r, c->err);
            rec_service_free(&r);
            c->v[s].f = (long)c->w->n - 1;
            c->v[s].exists = true;
        } else if (g != SP_ENOTFOUND) {
            rc = sp_fail(c->err, g, "%s", e.msg);
        }
        *added += c->v[s].f >= 0 && c->v[s].old < 0;
        *gone += c->v[s].f < 0 && c->v[s].old >= 0;
    }
    return rc;
}

/* A noted record's key, for assembling the blocks as they are now. */
typedef struct nkey {
    uint64_t key;
    uint32_t slot, sub;
} nkey;

static int cmp_nkey(const void *x, const void *y)
{
    const nkey *a = x, *b = y;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* A touched key, and whether its kind is weak (kinds are salted apart, so
 * a key has one kind). */
typedef struct tkey {
    uint64_t key;
    bool weak;
} tkey;

static int cmp_tkey(const void *x, const void *y)
{
    const tkey *a = x, *b = y;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* Keys of every kind of feature record f, appended to *v as tkeys (and
 * to *nk with slot s when nk). */
static int keys_into(const feat *f, uint32_t s, tkey **v, size_t *n, size_t *cap, nkey **nk,
                     size_t *n_nk, size_t *cap_nk)
{
    for (int kind = 0; kind < DD_N_KINDS; kind++) {
        uint64_t tmp[DD_MAX_KEYS];
        size_t m = dd_keys_of(f, kind, tmp, DD_MAX_KEYS);
        for (size_t j = 0; j < m; j++) {
            if (sp_grow(v, cap, *n + 1, sizeof **v, 256) != SP_OK)
                return SP_ENOMEM;
            (*v)[(*n)++] = (tkey){tmp[j], dd_kind_weak(kind)};
            if (!nk)
                continue;
            if (sp_grow(nk, cap_nk, *n_nk + 1, sizeof **nk, 256) != SP_OK)
                return SP_ENOMEM;
            (*nk)[(*n_nk)++] = (nkey){tmp[j], s, dd_name_hash(f)};
        }
    }
    return SP_OK;
}

/* A block's member: a slot and its order. */
typedef struct member {
    uint32_t slot, sub;
} member;

typedef struct block {
    incr *c;
    member *m;
    size_t n, cap;
    bool mark; /* mark the kept members in_block */
} block;

static int add_member(void *ctx, const char *id, uint32_t sub)
{
    block *b = ctx;
    incr *c = b->c;
    long s = slot_of(c, id);
    if (s < 0 || sp_grow(&b->m, &b->cap, b->n + 1, sizeof *b->m, 64) != SP_OK) {
        c->oom = true;
        return 1;
    }
    if (c->v[s].noted) /* its kept entry is last run's: the noted are added as they are now */
        return 0;
    c->v[s].in_block |= b->mark;
    c->v[s].exists = true;
    b->m[b->n++] = (member){(uint32_t)s, sub};
    return 0;
}

/* A block's order in a whole run: name hash, then id. */
static int cmp_member(const void *x, const void *y, void *ctx)
{
    const incr *c = ctx;
    const member *a = x, *b = y;
    if (a->sub != b->sub)
        return a->sub < b->sub ? -1 : 1;
    return strcmp(c->v[a->slot].id, c->v[b->slot].id);
}

static void sort_block(incr *c, block *b)
{
    qsort_r(b->m, b->n, sizeof *b->m, cmp_member, c);
}

static uint64_t pair_key(const incr *c, uint32_t a, uint32_t b)
{
    if (strcmp(c->v[a].id, c->v[b].id) > 0) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    return ((uint64_t)a << 32) | b;
}

/* Step 2: walk the touched blocks as they are now. */
static int walk_touched(incr *c, size_t n_noted)
{
    tkey *tk = NULL;
    nkey *nk = NULL;
    size_t n_tk = 0, cap_tk = 0, n_nk = 0, cap_nk = 0;
    int rc = SP_OK;
    for (size_t s = 0; s < c->n && rc == SP_OK; s++) {
        if (!c->v[s].noted)
            continue;
        if (c->v[s].old >= 0)
            rc = keys_into(&c->olds->f[c->v[s].old], (uint32_t)s, &tk, &n_tk, &cap_tk, NULL,
                           NULL, NULL);
        if (rc == SP_OK && c->v[s].f >= 0)
            rc = keys_into(&c->w->f[c->v[s].f], (uint32_t)s, &tk, &n_tk, &cap_tk, &nk, &n_nk,
                           &cap_nk);
    }
    if (rc != SP_OK)
        goto out;
    if (n_tk)
        qsort(tk, n_tk, sizeof *tk, cmp_tkey);
    if (n_nk)
        qsort(nk, n_nk, sizeof *nk, cmp_nkey);
    c->touched = malloc((n_tk ? n_tk : 1) * sizeof *c->touched);
    if (!c->touched) {
        rc = SP_ENOMEM;
        goto out;
    }
    block b = {.c = c, .mark = true};
    for (size_t i = 0; i < n_tk && rc == SP_OK; i++) {
        if (i && tk[i].key == tk[i - 1].key)
            continue;
        uint64_t key = tk[i].key;
        c->touched[c->n_touched++] = key;
        if (tk[i].weak) {
            /* a weak block past the cap now and before pairs nothing:
             * counted, not read */
            int64_t limit = DEDUPE_BLOCK_MAX + (int64_t)n_noted + 1, size = 0;
            rc = store_hub_block_size(c->db, key, limit, &size, c->err);
            if (rc != SP_OK || size >= limit)
                continue;
        }
        b.n = 0;
        rc = store_hub_block(c->db, key, add_member, &b, c->err);
        if (rc == SP_OK && c->oom)
            rc = SP_ENOMEM;
        nkey want = {key, 0, 0};
        nkey *at = n_nk ? bsearch(&want, nk, n_nk, sizeof *nk, cmp_nkey) : NULL;
        while (at && at > nk && at[-1].key == key)
            at--;
        for (; rc == SP_OK && at && at < nk + n_nk && at->key == key; at++) {
            if (b.n && b.m[b.n - 1].slot == at->slot)
                continue; /* a key twice in one record */
            if (sp_grow(&b.m, &b.cap, b.n + 1, sizeof *b.m, 64) != SP_OK)
                rc = SP_ENOMEM;
            else
                b.m[b.n++] = (member){at->slot, at->sub};
        }
        if (rc != SP_OK || !dd_block_walked(b.n, tk[i].weak))
            continue;
        sort_block(c, &b);
        for (size_t x = 0; x < b.n && rc == SP_OK; x++) {
            size_t end = dd_block_end(b.n, x);
            for (size_t y = x + 1; y < end && rc == SP_OK; y++) {
                if (sp_grow(&c->cand, &c->cap_cand, c->n_cand + 1, sizeof *c->cand, 1024) !=
                    SP_OK)
                    rc = SP_ENOMEM;
                else
                    c->cand[c->n_cand++] = pair_key(c, b.m[x].slot, b.m[y].slot);
            }
        }
    }
    free(b.m);
out:
    free(tk);
    free(nk);
    if (rc == SP_ENOMEM)
        return oom(c);
    if (rc != SP_OK)
        return rc;
    if (c->n_cand)
        qsort(c->cand, c->n_cand, sizeof *c->cand, dd_cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < c->n_cand; i++)
        if (!u || c->cand[u - 1] != c->cand[i])
            c->cand[u++] = c->cand[i];
    c->n_cand = u;
    return SP_OK;
}

static int push_pair(spair **v, size_t *n, size_t *cap, uint32_t a, uint32_t b, double score)
{
    if (sp_grow(v, cap, *n + 1, sizeof **v, 256) != SP_OK)
        return SP_ENOMEM;
    (*v)[(*n)++] = (spair){a, b, score};
    return SP_OK;
}

/* Score the walked pairs, as a whole run does (in id order). */
static int score_walked(incr *c)
{
    for (size_t i = 0; i < c->n_cand; i++) {
        uint32_t a = (uint32_t)(c->cand[i] >> 32), b = (uint32_t)c->cand[i];
        int rc = need_feat(c, a);
        if (rc == SP_OK)
            rc = need_feat(c, b);
        if (rc != SP_OK)
            return rc;
        dedupe_score one;
        dd_compare(c->w, (size_t)c->v[a].f, (size_t)c->v[b].f, &one, true);
        if (one.match && push_pair(&c->match, &c->n_match, &c->cap_match, a, b, one.score))
            return oom(c);
    }
    return SP_OK;
}

static int add_prev(void *ctx, const char *id_a, const char *id_b, double score)
{
    incr *c = ctx;
    long a = slot_of(c, id_a), b = slot_of(c, id_b);
    if (a < 0 || b < 0 ||
        push_pair(&c->prev, &c->n_prev, &c->cap_prev, (uint32_t)a, (uint32_t)b, score)) {
        c->oom = true;
        return 1;
    }
    c->v[a].exists |= !c->v[a].noted;
    c->v[b].exists |= !c->v[b].noted;
    return 0;
}

static bool is_cand(const incr *c, uint64_t k)
{
    return c->n_cand && bsearch(&k, c->cand, c->n_cand, sizeof k, dd_cmp_u64);
}

/* Whether slots a and b (id order) are paired by a block of theirs that no
 * noted record touched: such a block is as the last run walked it. */
static int paired_untouched(incr *c, uint32_t a, uint32_t b, bool *yes)
{
    *yes = false;
    int rc = need_feat(c, a);
    if (rc == SP_OK)
        rc = need_feat(c, b);
    if (rc != SP_OK)
        return rc;
    block blk = {.c = c};
    for (int kind = 0; kind < DD_N_KINDS && !*yes && rc == SP_OK; kind++) {
        uint64_t ka[DD_MAX_KEYS], kb[DD_MAX_KEYS];
        size_t na = dd_keys_of(&c->w->f[c->v[a].f], kind, ka, DD_MAX_KEYS);
        size_t nb = dd_keys_of(&c->w->f[c->v[b].f], kind, kb, DD_MAX_KEYS);
        for (size_t i = 0; i < na && !*yes && rc == SP_OK; i++) {
            bool shared = false;
            for (size_t j = 0; j < nb && !shared; j++)
                shared = ka[i] == kb[j];
            if (!shared || bsearch(&ka[i], c->touched, c->n_touched, sizeof ka[i], dd_cmp_u64))
                continue;
            blk.n = 0;
            rc = store_hub_block(c->db, ka[i], add_member, &blk, c->err);
            if (rc == SP_OK && c->oom)
                rc = oom(c);
            if (rc != SP_OK || !dd_block_walked(blk.n, dd_kind_weak(kind)))
                continue;
            sort_block(c, &blk);
            size_t pa = blk.n, pb = blk.n;
            for (size_t x = 0; x < blk.n; x++) {
                if (blk.m[x].slot == a || blk.m[x].slot == b) {
                    if (pa == blk.n)
                        pa = x;
                    else
                        pb = x;
                }
            }
            *yes = pb < blk.n && pb < dd_block_end(blk.n, pa);
        }
    }
    free(blk.m);
    return rc;
}

/* Step 3: the last matches that still hold, of the records read. */
static int keep_prev(incr *c)
{
    int rc = SP_OK;
    for (size_t i = 0; i < c->n_prev && rc == SP_OK; i++) {
        spair *p = &c->prev[i];
        if (c->v[p->a].noted || c->v[p->b].noted)
            continue; /* scored again where it is still paired */
        if (is_cand(c, pair_key(c, p->a, p->b)))
            continue; /* scored with the walked pairs */
        bool keep = !(c->v[p->a].in_block && c->v[p->b].in_block);
        if (!keep)
            rc = paired_untouched(c, p->a, p->b, &keep);
        if (rc == SP_OK && keep &&
            push_pair(&c->match, &c->n_match, &c->cap_match, p->a, p->b, p->score))
            rc = oom(c);
    }
    return rc;
}

static int add_link(void *ctx, const store_hub_link *l)
{
    incr *c = ctx;
    long a = slot_of(c, l->id_a), b = slot_of(c, l->id_b);
    bool ok = a >= 0 && b >= 0 &&
              sp_grow(&c->links, &c->cap_links, c->n_links + 1, sizeof *c->links, 256) == SP_OK;
    store_hub_link *x = ok ? &c->links[c->n_links] : NULL;
    if (x) {
        *x = (store_hub_link){sp_strdup(l->id_a), sp_strdup(l->id_b), sp_strdup(l->cluster_id),
                              NULL, l->score, l->decided};
        if (x->id_a && x->id_b && x->cluster_id)
            c->n_links++;
        else
            ok = false;
    }
    for (int k = 0; ok && k < 2; k++) {
        slot *s = &c->v[k ? b : a];
        if (!s->noted)
            s->exists = true;
        if (!s->old_cluster && !(s->old_cluster = sp_strdup(l->cluster_id)))
            ok = false;
    }
    c->oom |= !ok;
    return !ok;
}

static int cmp_spair(const void *x, const void *y)
{
    const spair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Step 3's reading: the records whose cluster may change, closed over the
 * last clusters and matches.  It starts from every record met so far (the
 * noted, the walked blocks' members, the decisions'); each record read
 * brings in its last cluster's members (by its links) and its last
 * matches' other records.  A record left out was in no last cluster or
 * match with one read, nor in a walked block, so its matches and cluster
 * are as they were: clustering the records read gives a whole run's
 * clusters for them, and the others keep theirs. */
static int close_over(incr *c)
{
    int rc = SP_OK;
    for (size_t i = 0; i < c->n && rc == SP_OK; i++) {
        bool found = false;
        char *cl = NULL;
        c->v[i].visited = true;
        rc = store_hub_cluster_of(c->db, c->v[i].id, &found, &cl, c->err);
        if (rc != SP_OK)
            break;
        c->v[i].exists |= found && !c->v[i].noted;
        if (!c->v[i].old_cluster)
            c->v[i].old_cluster = cl;
        else
            free(cl);
        rc = store_hub_matches_of(c->db, c->v[i].id, add_prev, c, c->err);
        if (rc == SP_OK && c->oom)
            rc = oom(c);
        const char *mine = c->v[i].old_cluster;
        long r = rc == SP_OK && mine ? slot_of(c, mine) : -2;
        if (r == -1)
            rc = oom(c);
        if (r >= 0 && !c->v[r].links_read) {
            c->v[r].links_read = true;
            rc = store_hub_links_of(c->db, c->v[i].old_cluster, add_link, c, c->err);
            if (rc == SP_OK && c->oom)
                rc = oom(c);
        }
    }
    /* each match was read from both its records */
    for (size_t i = 0; i < c->n_prev; i++) {
        spair *p = &c->prev[i];
        uint64_t k = pair_key(c, p->a, p->b);
        p->a = (uint32_t)(k >> 32);
        p->b = (uint32_t)k;
    }
    if (c->n_prev)
        qsort(c->prev, c->n_prev, sizeof *c->prev, cmp_spair);
    size_t u = 0;
    for (size_t i = 0; i < c->n_prev; i++)
        if (!u || c->prev[u - 1].a != c->prev[i].a || c->prev[u - 1].b != c->prev[i].b)
            c->prev[u++] = c->prev[i];
    c->n_prev = u;
    return rc;
}

static int cmp_slot_id(const void *x, const void *y, void *ctx)
{
    const incr *c = ctx;
    return strcmp(c->v[*(const uint32_t *)x].id, c->v[*(const uint32_t *)y].id);
}

static bool same_str(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

static bool in_sorted(const uint64_t *v, size_t n, uint64_t k)
{
    return n && bsearch(&k, v, n, sizeof k, dd_cmp_u64);
}

/* Pair keys of n pairs (slot a, slot b), sorted: into *out (malloc'd). */
static int pair_keys(incr *c, const spair *p, size_t n, uint64_t **out)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return oom(c);
    for (size_t i = 0; i < n; i++)
        (*out)[i] = pair_key(c, p[i].a, p[i].b);
    if (n)
        qsort(*out, n, sizeof **out, dd_cmp_u64);
    return SP_OK;
}

/* Step 5, the matches: the last run's that went are deleted, the new and
 * those of a noted record written. */
static int save_matches(incr *c)
{
    uint64_t *prev = NULL, *now = NULL;
    int rc = pair_keys(c, c->prev, c->n_prev, &prev);
    if (rc == SP_OK)
        rc = pair_keys(c, c->match, c->n_match, &now);
    for (size_t i = 0; i < c->n_prev && rc == SP_OK; i++) {
        const spair *p = &c->prev[i];
        if (!in_sorted(now, c->n_match, pair_key(c, p->a, p->b)))
            rc = store_hub_match_del(c->db, c->v[p->a].id, c->v[p->b].id, c->err);
    }
    for (size_t i = 0; i < c->n_match && rc == SP_OK; i++) {
        const spair *p = &c->match[i];
        if (c->v[p->a].noted || c->v[p->b].noted ||
            !in_sorted(prev, c->n_prev, pair_key(c, p->a, p->b)))
            rc = store_hub_match_put(c->db, c->v[p->a].id, c->v[p->b].id, p->score, c->err);
    }
    free(prev);
    free(now);
    return rc;
}

/* A last link by its pair key. */
typedef struct oldlink {
    uint64_t k;
    size_t i;
} oldlink;

static int cmp_oldlink(const void *x, const void *y)
{
    return dd_cmp_u64(&((const oldlink *)x)->k, &((const oldlink *)y)->k);
}

/* Step 5, the links: the last run's that went are deleted, new ones
 * written with their evidence, kept ones moved to their new cluster. */
static int save_links(incr *c, const uint32_t *cl_slot, const dedupe_result *res)
{
    int rc = SP_OK;
    uint64_t *now = malloc((res->n_links ? res->n_links : 1) * sizeof *now);
    oldlink *old = malloc((c->n_links ? c->n_links : 1) * sizeof *old);
    if (!now || !old) {
        free(now);
        free(old);
        return oom(c);
    }
    for (size_t l = 0; l < res->n_links; l++)
        now[l] = pair_key(c, cl_slot[res->links[l].a], cl_slot[res->links[l].b]);
    for (size_t i = 0; i < c->n_links; i++)
        old[i] = (oldlink){pair_key(c, (uint32_t)slot_find(c, c->links[i].id_a),
                                    (uint32_t)slot_find(c, c->links[i].id_b)),
                           i};
    if (c->n_links)
        qsort(old, c->n_links, sizeof *old, cmp_oldlink);
    for (size_t l = 0; l < res->n_links && rc == SP_OK; l++) {
        const dedupe_link *k = &res->links[l];
        uint32_t a = (uint32_t)(now[l] >> 32), b = (uint32_t)now[l];
        const char *cluster = res->cluster_id[k->a];
        oldlink want = {now[l], 0};
        const oldlink *hit =
            c->n_links ? bsearch(&want, old, c->n_links, sizeof *old, cmp_oldlink) : NULL;
        const store_hub_link *o = hit ? &c->links[hit->i] : NULL;
        if (o && o->decided == k->decided && !c->v[a].noted && !c->v[b].noted) {
            if (!same_str(o->cluster_id, cluster))
                rc = store_hub_link_set_cluster(c->db, o->id_a, o->id_b, cluster, c->err);
            continue;
        }
        rc = need_feat(c, a);
        if (rc == SP_OK)
            rc = need_feat(c, b);
        if (rc == SP_OK)
            rc = dd_put_link(c->db, c->w, (size_t)c->v[a].f, (size_t)c->v[b].f, k->score,
                             k->decided, cluster, c->err);
    }
    if (res->n_links)
        qsort(now, res->n_links, sizeof *now, dd_cmp_u64);
    for (size_t i = 0; i < c->n_links && rc == SP_OK; i++)
        if (!in_sorted(now, res->n_links, old[i].k))
            rc = store_hub_link_del(c->db, c->links[old[i].i].id_a, c->links[old[i].i].id_b,
                                    c->err);
    free(now);
    free(old);
    return rc;
}

/* Records named by a decision: whether they exist (a decision about a
 * record not in the index is ignored, as a whole run ignores it). */
static int check_decided(incr *c, const dedupe_decision *d, size_t n_d)
{
    for (size_t i = 0; i < n_d; i++) {
        const char *ids[2] = {d[i].a, d[i].b};
        for (int k = 0; k < 2; k++) {
            long s = slot_of(c, ids[k]);
            if (s < 0)
                return oom(c);
            if (c->v[s].noted || c->v[s].exists || c->v[s].checked)
                continue;
            int rc = need_feat(c, s);
            if (rc != SP_OK && rc != SP_EAGAIN)
                return rc;
        }
    }
    return SP_OK;
}

/* Step 5, the noted records' rows and keys, and the new clusters of the
 * others. */
static int save_records(incr *c, const dedupe_result *res)
{
    int rc = SP_OK;
    for (size_t s = 0; s < c->n && rc == SP_OK; s++) {
        const slot *x = &c->v[s];
        const char *cluster = x->cl >= 0 ? res->cluster_id[x->cl] : NULL;
        if (!x->noted) {
            if (x->cl >= 0 && !same_str(x->old_cluster, cluster))
                rc = store_hub_set_cluster(c->db, x->id, cluster, c->err);
            continue;
        }
        if (x->old >= 0)
            rc = dd_keys_save(c->db, &c->olds->f[x->old], false, c->err);
        if (rc == SP_OK && x->f < 0 && x->old >= 0)
            rc = store_hub_forget(c->db, x->id, c->err);
        if (rc == SP_OK && x->f >= 0)
            rc = dd_put_record(c->db, c->w, (size_t)x->f, cluster, c->err);
        if (rc == SP_OK && x->f >= 0)
            rc = dd_put_features(c->db, c->w, (size_t)x->f, cluster, c->err);
        if (rc == SP_OK && x->f >= 0)
            rc = dd_keys_save(c->db, &c->w->f[x->f], true, c->err);
    }
    return rc;
}

int dd_incr(store *db, idx *ix, int64_t pending_max, const dedupe_decision *d, size_t n_d,
            dedupe_stats *st, sp_err *err)
{
    incr c = {.db = db, .ix = ix, .err = err};
    size_t added = 0, gone = 0, n_cl = 0, clusters = 0, clustered = 0;
    dedupe_result res = {0};
    uint32_t *cl_slot = NULL, *by_id = NULL;
    const char **ids = NULL, **old = NULL;
    dedupe_link *m = NULL;
    int rc = dedupe_set_new(&c.w, err);
    if (rc == SP_OK)
        rc = dedupe_set_new(&c.olds, err);
    if (rc == SP_OK)
        rc = read_noted(&c, pending_max, &added, &gone);
    size_t n_noted = c.n;
    if (rc == SP_OK) {
        /* a writer that did not note its records shows here as a count
         * that does not add up */
        char *kept = NULL, *cs = NULL, *cd = NULL;
        sp_err e = {0};
        store_hub_meta_get(db, "documents", &kept, &e);
        store_hub_meta_get(db, "clusters", &cs, &e);
        store_hub_meta_get(db, "clustered", &cd, &e);
        if (!kept || !cs || !cd || strtoull(kept, NULL, 10) + added - gone != idx_count(ix))
            rc = SP_EAGAIN;
        clusters = cs ? strtoull(cs, NULL, 10) : 0;
        clustered = cd ? strtoull(cd, NULL, 10) : 0;
        free(kept);
        free(cs);
        free(cd);
    }
    if (rc == SP_OK)
        rc = walk_touched(&c, n_noted);
    if (rc == SP_OK)
        rc = score_walked(&c);
    if (rc == SP_OK)
        rc = check_decided(&c, d, n_d);
    if (rc == SP_OK)
        rc = close_over(&c);
    if (rc == SP_OK)
        rc = keep_prev(&c);
    if (rc != SP_OK)
        goto out;

    /* Step 4: cluster every record met that is in the index. */
    cl_slot = malloc((c.n ? c.n : 1) * sizeof *cl_slot);
    by_id = malloc((c.n ? c.n : 1) * sizeof *by_id);
    ids = malloc((c.n ? c.n : 1) * sizeof *ids);
    old = malloc((c.n ? c.n : 1) * sizeof *old);
    m = malloc((c.n_match ? c.n_match : 1) * sizeof *m);
    if (!cl_slot || !by_id || !ids || !old || !m) {
        rc = oom(&c);
        goto out;
    }
    size_t was_clusters = 0, was_clustered = 0;
    for (size_t s = 0; s < c.n; s++) {
        const slot *x = &c.v[s];
        if (!x->visited)
            continue;
        was_clustered += x->old_cluster != NULL;
        was_clusters += x->old_cluster && !strcmp(x->old_cluster, x->id);
        if (x->noted ? x->f >= 0 : x->exists)
            cl_slot[n_cl++] = (uint32_t)s;
    }
    if (n_cl)
        qsort_r(cl_slot, n_cl, sizeof *cl_slot, cmp_slot_id, &c);
    for (size_t i = 0; i < n_cl; i++) {
        slot *x = &c.v[cl_slot[i]];
        x->cl = (long)i;
        by_id[i] = (uint32_t)i;
        ids[i] = x->id;
        old[i] = x->noted ? c.w->f[x->f].cluster_id : x->old_cluster;
    }
    for (size_t i = 0; i < c.n_match; i++) {
        long a = c.v[c.match[i].a].cl, b = c.v[c.match[i].b].cl;
        if (a < 0 || b < 0) {
            rc = SP_EAGAIN; /* a match with a record not in the index: relink */
            goto out;
        }
        m[i] = (dedupe_link){(uint32_t)a, (uint32_t)b, c.match[i].score, false};
    }
    rc = dd_cluster(ids, by_id, n_cl, m, c.n_match, d, n_d, &res, err);
    if (rc == SP_OK)
        rc = dd_write_clusters(ix, n_cl, ids, old, res.cluster_id, &st->changed, err);
    if (rc == SP_OK)
        rc = store_batch_begin(db, err);
    if (rc != SP_OK)
        goto out;
    rc = save_records(&c, &res);
    if (rc == SP_OK)
        rc = save_matches(&c);
    if (rc == SP_OK)
        rc = save_links(&c, cl_slot, &res);
    if (rc != SP_OK)
        store_batch_abort(db);
    st->records = idx_count(ix);
    st->incremental = true;
    for (size_t s = 0; s < n_noted; s++)
        st->relinked += c.v[s].f >= 0 || c.v[s].old >= 0;
    st->candidates = c.n_cand;
    st->matches = c.n_match;
    /* the records read hold whole clusters, before and after */
    st->clusters = clusters + res.clusters - was_clusters;
    st->clustered = clustered + res.clustered - was_clustered;
    st->refused = res.refused;
out:
    dedupe_result_free(&res);
    free(cl_slot);
    free(by_id);
    free(ids);
    free(old);
    free(m);
    incr_free(&c);
    return rc;
}
