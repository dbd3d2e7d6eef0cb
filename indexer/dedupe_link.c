/*
 * dedupe_link.c - blocking and clustering (dedupe.h, steps 2 and 4) over a
 * whole set, and the parts of both an incremental run (dedupe_incr.c)
 * shares so that it gives exactly what a whole run gives: the keys of a
 * record, which places of a block are paired (dd_block_walked,
 * dd_block_end), and clustering over a list of matches (dd_cluster).
 * Clustering takes the matches strongest first, with ties broken by record
 * id, so the clusters do not depend on the order the records were read in
 * nor on which other records are in the set.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "dedupe_impl.h"

typedef dd_bkey bkey;

int dd_cmp_bkey(const void *x, const void *y)
{
    const bkey *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->sub != b->sub)
        return a->sub < b->sub ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* Sort keys as dd_cmp_bkey orders them.  At 1M records each kind's keys are a
 * million or more, and qsort's comparator calls were the largest cost of
 * an incremental linkage (perf, bench/README.md): a stable LSD radix sort
 * on the key (four 16-bit digits) groups the blocks, and only the blocks
 * of two or more are then sorted inside by name hash and rank.  Falls back
 * to qsort when small or when the scratch buffer cannot be had. */
void dd_sort_bkeys(bkey *v, size_t n)
{
    enum { DIGIT = 16, BUCKETS = 1 << DIGIT };
    bkey *tmp = n >= 4096 && n < UINT32_MAX ? malloc(n * sizeof *tmp) : NULL;
    uint32_t *count = tmp ? malloc(BUCKETS * sizeof *count) : NULL;
    if (!count) {
        free(tmp);
        qsort(v, n, sizeof *v, dd_cmp_bkey);
        return;
    }
    bkey *from = v, *to = tmp;
    for (unsigned shift = 0; shift < 64; shift += DIGIT) {
        memset(count, 0, BUCKETS * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(from[i].key >> shift) & (BUCKETS - 1)]++;
        if (count[(from[0].key >> shift) & (BUCKETS - 1)] == n)
            continue; /* every key has this digit: the order stands */
        uint32_t sum = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            uint32_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].key >> shift) & (BUCKETS - 1)]++] = from[i];
        bkey *t = from;
        from = to;
        to = t;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
    free(count);
    free(tmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].key == v[i].key)
            j++;
        if (j - i > 1)
            qsort(v + i, j - i, sizeof *v, dd_cmp_bkey);
        i = j;
    }
}

typedef struct pairs {
    uint64_t *v;
    size_t n, cap;
} pairs;

static int pairs_add(pairs *p, uint32_t a, uint32_t b)
{
    if (a == b)
        return SP_OK;
    if (a > b) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    if (sp_grow(&p->v, &p->cap, p->n + 1, sizeof *p->v, 4096) != SP_OK)
        return SP_ENOMEM;
    p->v[p->n++] = ((uint64_t)a << 32) | b;
    return SP_OK;
}

bool dd_block_walked(size_t len, bool weak)
{
    return len >= 2 && !(weak && len > DEDUPE_BLOCK_MAX);
}

size_t dd_block_end(size_t len, size_t x)
{
    if (len <= DEDUPE_BLOCK_MAX)
        return len;
    return x + 1 + DEDUPE_WINDOW < len ? x + 1 + DEDUPE_WINDOW : len;
}

/* Emit the candidate pairs of the blocks in keys[0..n) (sorted).
 * weak: a big block of a weak key (a common name, common boilerplate in
 * descriptions) says nothing and is skipped; a big block of a strong key
 * (one organisation's phone or e-mail) is walked as a sorted window. */
static int emit_blocks(bkey *keys, size_t n, bool weak, pairs *p)
{
    dd_sort_bkeys(keys, n);
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && keys[j].key == keys[i].key)
            j++;
        size_t len = j - i;
        for (size_t x = 0; dd_block_walked(len, weak) && x < len; x++) {
            size_t end = dd_block_end(len, x);
            for (size_t y = x + 1; y < end; y++)
                if (pairs_add(p, keys[i + x].rec, keys[i + y].rec) != SP_OK)
                    return SP_ENOMEM;
        }
        i = j;
    }
    return SP_OK;
}

enum { K_URL, K_EMAIL, K_PHONE, K_POSTNAME, K_NAME, K_IDENT, K_BAND0 };

bool dd_kind_weak(int kind)
{
    return kind == K_NAME || kind >= K_BAND0;
}

uint32_t dd_name_hash(const feat *f)
{
    return f->name_key ? (uint32_t)sp_fnv1a64(f->name_key, strlen(f->name_key)) : 0;
}

size_t dd_keys_of(const feat *f, int kind, uint64_t *out, size_t max)
{
    size_t n = 0;
    uint64_t salt = dd_mix((uint64_t)kind + 1);
    const char *s = NULL; /* a kind keyed by one string */
    const hset *set = NULL; /* a kind keyed by each of a set */
    switch (kind) {
    case K_URL:
        s = f->url && strchr(f->url, '/') ? f->url : NULL;
        break;
    case K_EMAIL:
        s = f->email;
        break;
    case K_NAME:
        s = f->name_key;
        break;
    case K_PHONE:
        set = &f->phones;
        break;
    case K_IDENT:
        set = &f->idents;
        break;
    case K_POSTNAME:
        /* each name token with each postcode: a renamed service at the
         * same address still meets its twin */
        for (size_t p = 0; p < f->postcodes.n && p < 2; p++)
            for (size_t t = 0; t < f->name_tok.n && n < max; t++)
                out[n++] = dd_mix(f->postcodes.v[p] ^ (f->name_tok.v[t] * 3)) ^ salt;
        break;
    default: {
        if (!f->has_desc)
            break;
        size_t band = (size_t)(kind - K_BAND0);
        uint64_t h = salt;
        for (size_t r = 0; r < DD_ROWS; r++)
            h = dd_mix(h ^ f->sig[band * DD_ROWS + r]);
        out[n++] = h;
        break;
    }
    }
    if (s)
        out[n++] = sp_fnv1a64(s, strlen(s)) ^ salt;
    for (size_t i = 0; set && i < set->n && n < max; i++)
        out[n++] = set->v[i] ^ salt;
    return n;
}

static int find_root(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return (int)x;
}

typedef struct scored {
    uint32_t a, b;
    uint32_t ra, rb; /* ranks (id order) of a and b: ties go by id */
    double score;
    bool decided;
} scored;

static int cmp_scored(const void *x, const void *y)
{
    const scored *a = x, *b = y;
    if (a->decided != b->decided)
        return a->decided ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    uint32_t a1 = a->ra < a->rb ? a->ra : a->rb, a2 = a->ra < a->rb ? a->rb : a->ra;
    uint32_t b1 = b->ra < b->rb ? b->ra : b->rb, b2 = b->ra < b->rb ? b->rb : b->ra;
    if (a1 != b1)
        return a1 < b1 ? -1 : 1;
    return a2 < b2 ? -1 : a2 > b2;
}

static int cmp_idrec(const void *x, const void *y, void *ctx)
{
    const dedupe_set *s = ctx;
    return strcmp(s->f[*(const uint32_t *)x].id, s->f[*(const uint32_t *)y].id);
}

/* The records of s in id order (indexes). */
uint32_t *dd_sort_by_id(const dedupe_set *s)
{
    size_t n = s->n;
    uint32_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (uint32_t)i;
    if (n > 1)
        qsort_r(v, n, sizeof *v, cmp_idrec, (void *)s);
    return v;
}

/* The index of id among n records (id[], by_id: their indexes in id
 * order), -1 when absent. */
static long lookup_id(const char *const *id, const uint32_t *by_id, size_t n, const char *want)
{
    size_t lo = 0, hi = n;
    while (want && lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(id[by_id[mid]], want);
        if (!c)
            return by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int dedupe_link_all(const dedupe_set *s, const dedupe_decision *d, size_t n_d,
                    dedupe_result *out, sp_err *err)
{
    return dd_link(s, d, n_d, NULL, NULL, out, err);
}

int dd_link(const dedupe_set *s, const dedupe_decision *d, size_t n_d, dd_keys_fn on_keys,
            void *ctx, dedupe_result *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = s->n;
    pairs p = {0};
    bkey *keys = NULL;
    uint32_t *by_id = dd_sort_by_id(s), *rank = malloc((n ? n : 1) * sizeof *rank);
    uint32_t *name_hash = malloc((n ? n : 1) * sizeof *name_hash);
    const char **id = malloc((n ? n : 1) * sizeof *id);
    int rc = SP_OK;
    if (!by_id || !rank || !name_hash || !id)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        rank[by_id[i]] = (uint32_t)i;
        id[i] = s->f[i].id;
        /* the order inside a block: name hash, then id */
        name_hash[i] = dd_name_hash(&s->f[i]);
    }

    /* Blocking, one key kind at a time so memory stays at one key per
     * record (a few for phones and name x postcode). */
    for (int kind = 0; kind < DD_N_KINDS; kind++) {
        size_t cap = n * 4 + 16, k = 0;
        keys = malloc(cap * sizeof *keys);
        if (!keys)
            goto oom;
        for (size_t i = 0; i < n; i++) {
            uint64_t tmp[DD_MAX_KEYS];
            size_t m = dd_keys_of(&s->f[i], kind, tmp, DD_MAX_KEYS);
            for (size_t j = 0; j < m; j++) {
                if (k == cap) {
                    cap *= 2;
                    bkey *v = realloc(keys, cap * sizeof *v);
                    if (!v)
                        goto oom;
                    keys = v;
                }
                keys[k++] = (bkey){tmp[j], name_hash[i], rank[i], (uint32_t)i};
            }
        }
        if (emit_blocks(keys, k, dd_kind_weak(kind), &p) != SP_OK)
            goto oom;
        if (on_keys && (rc = on_keys(ctx, keys, k, err)) != SP_OK)
            goto done;
        free(keys);
        keys = NULL;
        /* Keep the pair list compact between kinds. */
        if (p.n)
            qsort(p.v, p.n, sizeof *p.v, dd_cmp_u64);
        size_t u = 0;
        for (size_t i = 0; i < p.n; i++)
            if (!u || p.v[u - 1] != p.v[i])
                p.v[u++] = p.v[i];
        p.n = u;
    }
    out->candidates = p.n;

    out->matched = malloc((p.n ? p.n : 1) * sizeof *out->matched);
    if (!out->matched)
        goto oom;
    for (size_t i = 0; i < p.n; i++) {
        uint32_t a = (uint32_t)(p.v[i] >> 32), b = (uint32_t)p.v[i];
        dedupe_score one;
        /* in id order: the score and its evidence do not depend on where
         * the records sit in s */
        if (rank[a] < rank[b])
            dd_compare(s, a, b, &one, true);
        else
            dd_compare(s, b, a, &one, true);
        if (one.match)
            out->matched[out->n_matched++] = (dedupe_link){a, b, one.score, false};
    }
    out->matches = out->n_matched;
    free(p.v);
    p.v = NULL;
    rc = dd_cluster(id, by_id, n, out->matched, out->n_matched, d, n_d, out, err);
    goto done;
oom:
    rc = sp_fail(err, SP_ENOMEM, "out of memory while linking %zu records", n);
done:
    if (rc != SP_OK)
        dedupe_result_free(out);
    free(keys);
    free(p.v);
    free(by_id);
    free(rank);
    free(name_hash);
    free(id);
    return rc;
}

int dd_cluster(const char *const *id, const uint32_t *by_id, size_t n, const dedupe_link *m,
               size_t n_m, const dedupe_decision *d, size_t n_d, dedupe_result *out,
               sp_err *err)
{
    uint32_t *rank = malloc((n ? n : 1) * sizeof *rank), *size = NULL;
    scored *sc = malloc((n_m + n_d + 1) * sizeof *sc);
    long *no_a = malloc((n_d ? n_d : 1) * sizeof *no_a);
    long *no_b = malloc((n_d ? n_d : 1) * sizeof *no_b);
    size_t n_no = 0, n_sc = 0;
    out->root = malloc((n ? n : 1) * sizeof *out->root);
    out->cluster_id = calloc(n ? n : 1, sizeof *out->cluster_id);
    out->links = malloc((n_m + n_d + 1) * sizeof *out->links);
    size = calloc(n ? n : 1, sizeof *size);
    if (!rank || !sc || !no_a || !no_b || !out->root || !out->cluster_id || !out->links ||
        !size) {
        free(rank);
        free(sc);
        free(no_a);
        free(no_b);
        free(size);
        return sp_fail(err, SP_ENOMEM, "out of memory while clustering %zu records", n);
    }
    for (size_t i = 0; i < n; i++) {
        rank[by_id[i]] = (uint32_t)i;
        out->root[i] = (uint32_t)i;
    }
    /* Decisions by record index. */
    for (size_t i = 0; i < n_d; i++) {
        long a = lookup_id(id, by_id, n, d[i].a), b = lookup_id(id, by_id, n, d[i].b);
        if (a < 0 || b < 0 || a == b)
            continue;
        if (d[i].verdict == DEDUPE_NOT_SAME) {
            no_a[n_no] = a;
            no_b[n_no++] = b;
        } else {
            uint32_t x = (uint32_t)(a < b ? a : b), y = (uint32_t)(a < b ? b : a);
            sc[n_sc++] = (scored){x, y, rank[x], rank[y], 100.0, true};
        }
    }
    for (size_t i = 0; i < n_m; i++)
        sc[n_sc++] = (scored){m[i].a, m[i].b, rank[m[i].a], rank[m[i].b], m[i].score, false};
    qsort(sc, n_sc, sizeof *sc, cmp_scored);

    /* Union-find, strongest first; a merge that would join a "not the
     * same" pair is refused (so the decision holds whatever else links). */
    for (size_t i = 0; i < n_sc; i++) {
        int ra = find_root(out->root, sc[i].a), rb = find_root(out->root, sc[i].b);
        if (ra == rb)
            continue;
        bool refuse = false;
        for (size_t k = 0; k < n_no && !refuse; k++) {
            int x = find_root(out->root, (uint32_t)no_a[k]);
            int y = find_root(out->root, (uint32_t)no_b[k]);
            refuse = (x == ra && y == rb) || (x == rb && y == ra);
        }
        if (refuse) {
            out->refused++;
            continue;
        }
        /* the smaller id's record becomes the root: cluster ids are the
         * smallest member id, stable while membership is */
        if (strcmp(id[ra], id[rb]) < 0)
            out->root[rb] = (uint32_t)ra;
        else
            out->root[ra] = (uint32_t)rb;
        out->links[out->n_links++] = (dedupe_link){sc[i].a, sc[i].b, sc[i].score, sc[i].decided};
    }
    for (size_t i = 0; i < n; i++)
        out->root[i] = (uint32_t)find_root(out->root, (uint32_t)i);
    /* Sizes: a record is clustered when its root has other members. */
    for (size_t i = 0; i < n; i++)
        size[out->root[i]]++;
    for (size_t i = 0; i < n; i++) {
        if (size[out->root[i]] > 1) {
            out->cluster_id[i] = id[out->root[i]];
            out->clustered++;
            if (out->root[i] == i)
                out->clusters++;
        }
    }
    free(size);
    free(rank);
    free(sc);
    free(no_a);
    free(no_b);
    return SP_OK;
}

void dedupe_result_free(dedupe_result *r)
{
    free(r->root);
    free(r->cluster_id);
    free(r->links);
    free(r->matched);
    memset(r, 0, sizeof *r);
}
