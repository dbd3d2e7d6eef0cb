/*
 * dedupe_link.c - blocking and clustering (dedupe.h, steps 2 and 4), over
 * a whole set or incrementally.
 *
 * Incremental runs give exactly what a whole run gives.  A block's pairs
 * depend only on its members (and their order by name hash, then id), so a
 * block none of whose members changed, before or after, has the pairs it
 * had; those pairs join two unchanged records, whose score has not changed
 * either.  So only the blocks a changed record is or was in ("touched"
 * keys) are walked and scored; from every other block only the pairs that
 * were matches last time are taken again.  Clustering then runs over all
 * the matches (a few per cent of the records: cheap), strongest first,
 * with ties broken by record id, so the clusters do not depend on the
 * order the records were read in.
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

static bool is_touched(const dd_prior *pr, const uint64_t *touched, size_t n_touched,
                       uint64_t key)
{
    if (!pr)
        return true;
    return n_touched && bsearch(&key, touched, n_touched, sizeof *touched, dd_cmp_u64) != NULL;
}

/* Emit the candidate pairs of the blocks in keys[0..n) (sorted).
 * weak: a big block of a weak key (a common name, common boilerplate in
 * descriptions) says nothing and is skipped; a big block of a strong key
 * (one organisation's phone or e-mail) is walked as a sorted window.
 * With a prior, an untouched block gives only its last matches. */
static int emit_blocks(bkey *keys, size_t n, bool weak, const dd_prior *pr,
                       const uint64_t *touched, size_t n_touched, pairs *p)
{
    dd_sort_bkeys(keys, n);
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && keys[j].key == keys[i].key)
            j++;
        size_t len = j - i;
        if (len < 2 || (weak && len > DEDUPE_BLOCK_MAX)) {
            i = j;
            continue;
        }
        bool all = is_touched(pr, touched, n_touched, keys[i].key);
        for (size_t x = i; x < j; x++) {
            uint32_t a = keys[x].rec;
            if (!all && !pr->had_match[a])
                continue;
            size_t end = len <= DEDUPE_BLOCK_MAX ? j : (x + 1 + DEDUPE_WINDOW < j ? x + 1 + DEDUPE_WINDOW : j);
            for (size_t y = x + 1; y < end; y++) {
                uint32_t b = keys[y].rec;
                if (!all && (!pr->had_match[b] ||
                             !pr->is_prev_match(pr->ctx, a < b ? a : b, a < b ? b : a)))
                    continue;
                if (pairs_add(p, a, b) != SP_OK)
                    return SP_ENOMEM;
            }
        }
        i = j;
    }
    return SP_OK;
}

enum { K_URL, K_EMAIL, K_PHONE, K_POSTNAME, K_NAME, K_IDENT, K_BAND0 };
#define N_KINDS (K_BAND0 + DEDUPE_BANDS)

/* Keys of one kind for record i; returns how many (at most max). */
static size_t keys_of(const feat *f, int kind, uint64_t *out, size_t max)
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

/* An incremental run reads the kept records in id order and appends the
 * changed ones: the sorted head is kept, the tail sorted and merged in. */
uint32_t *dd_sort_by_id(const dedupe_set *s)
{
    size_t n = s->n;
    uint32_t *v = malloc((n ? n : 1) * sizeof *v), *out = NULL;
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (uint32_t)i;
    size_t head = n ? 1 : 0;
    while (head < n && strcmp(s->f[head - 1].id, s->f[head].id) < 0)
        head++;
    if (head == n)
        return v;
    qsort_r(v + head, n - head, sizeof *v, cmp_idrec, (void *)s);
    out = malloc(n * sizeof *out);
    if (!out) {
        free(v);
        return NULL;
    }
    size_t i = 0, j = head, k = 0;
    while (i < head && j < n)
        out[k++] = strcmp(s->f[v[i]].id, s->f[v[j]].id) <= 0 ? v[i++] : v[j++];
    while (i < head)
        out[k++] = v[i++];
    while (j < n)
        out[k++] = v[j++];
    free(v);
    return out;
}

long dd_lookup(const dedupe_set *s, const uint32_t *sorted, const char *id)
{
    size_t lo = 0, hi = s->n;
    while (id && lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->f[sorted[mid]].id, id);
        if (!c)
            return sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Keys of every kind of the records in s (all of them, or those marked in
 * only), sorted and unique, added to *v. */
static int touched_keys(const dedupe_set *s, const bool *only, uint64_t **v, size_t *n,
                        size_t *cap)
{
    for (size_t i = 0; s && i < s->n; i++) {
        if (only && !only[i])
            continue;
        for (int kind = 0; kind < N_KINDS; kind++) {
            uint64_t tmp[32];
            size_t m = keys_of(&s->f[i], kind, tmp, 32);
            for (size_t j = 0; j < m; j++) {
                if (sp_grow(v, cap, *n + 1, sizeof **v, 256) != SP_OK)
                    return SP_ENOMEM;
                (*v)[(*n)++] = tmp[j];
            }
        }
    }
    return SP_OK;
}

int dedupe_link_all(const dedupe_set *s, const dedupe_decision *d, size_t n_d,
                    dedupe_result *out, sp_err *err)
{
    return dd_link(s, d, n_d, NULL, out, err);
}

int dd_link(const dedupe_set *s, const dedupe_decision *d, size_t n_d, const dd_prior *pr,
            dedupe_result *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = s->n;
    pairs p = {0};
    bkey *keys = NULL;
    uint32_t *sorted = NULL, *rank = NULL, *name_hash = NULL;
    uint64_t *touched = NULL;
    size_t n_touched = 0, cap_touched = 0;
    scored *sc = NULL;
    long *no_a = NULL, *no_b = NULL;
    size_t n_no = 0, n_sc = 0;
    int rc = SP_OK;

    out->root = malloc((n ? n : 1) * sizeof *out->root);
    out->cluster_id = calloc(n ? n : 1, sizeof *out->cluster_id);
    sorted = pr && pr->sorted ? NULL : dd_sort_by_id(s);
    const uint32_t *by_id = sorted ? sorted : pr ? pr->sorted : NULL;
    rank = malloc((n ? n : 1) * sizeof *rank);
    if (!out->root || !out->cluster_id || !by_id || !rank)
        goto oom;
    for (size_t i = 0; i < n; i++)
        out->root[i] = (uint32_t)i;
    for (size_t i = 0; i < n; i++)
        rank[by_id[i]] = (uint32_t)i;

    if (pr) {
        if (touched_keys(pr->olds, NULL, &touched, &n_touched, &cap_touched) != SP_OK ||
            touched_keys(s, pr->changed, &touched, &n_touched, &cap_touched) != SP_OK)
            goto oom;
        if (n_touched)
            qsort(touched, n_touched, sizeof *touched, dd_cmp_u64);
    }

    /* The order inside a block: name hash, then id. */
    name_hash = malloc((n ? n : 1) * sizeof *name_hash);
    if (!name_hash)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *nk = s->f[i].name_key;
        name_hash[i] = nk ? (uint32_t)sp_fnv1a64(nk, strlen(nk)) : 0;
    }

    /* Blocking, one key kind at a time so memory stays at one key per
     * record (a few for phones and name x postcode). */
    for (int kind = 0; kind < N_KINDS; kind++) {
        size_t cap = n * 4 + 16, k = 0;
        keys = malloc(cap * sizeof *keys);
        if (!keys)
            goto oom;
        for (size_t i = 0; i < n; i++) {
            uint64_t tmp[32];
            size_t m = keys_of(&s->f[i], kind, tmp, 32);
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
        if (emit_blocks(keys, k, kind == K_NAME || kind >= K_BAND0, pr, touched, n_touched,
                        &p) != SP_OK)
            goto oom;
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

    /* Decisions by record index. */
    no_a = malloc((n_d ? n_d : 1) * sizeof *no_a);
    no_b = malloc((n_d ? n_d : 1) * sizeof *no_b);
    sc = malloc((p.n + n_d + 1) * sizeof *sc);
    out->matched = malloc((p.n ? p.n : 1) * sizeof *out->matched);
    if (!no_a || !no_b || !sc || !out->matched)
        goto oom;
    for (size_t i = 0; i < n_d; i++) {
        long a = dd_lookup(s, by_id, d[i].a), b = dd_lookup(s, by_id, d[i].b);
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
    for (size_t i = 0; i < p.n; i++) {
        uint32_t a = (uint32_t)(p.v[i] >> 32), b = (uint32_t)p.v[i];
        dedupe_score one;
        /* in id order: the score and its evidence do not depend on where
         * the records sit in s */
        if (rank[a] < rank[b])
            dd_compare(s, a, b, &one, true);
        else
            dd_compare(s, b, a, &one, true);
        if (one.match) {
            sc[n_sc++] = (scored){a, b, rank[a], rank[b], one.score, false};
            out->matched[out->n_matched++] = (dedupe_link){a, b, one.score, false};
            out->matches++;
        }
    }
    free(p.v);
    p.v = NULL;
    qsort(sc, n_sc, sizeof *sc, cmp_scored);

    /* Union-find, strongest first; a merge that would join a "not the
     * same" pair is refused (so the decision holds whatever else links). */
    out->links = malloc((n_sc ? n_sc : 1) * sizeof *out->links);
    if (!out->links)
        goto oom;
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
        if (strcmp(s->f[ra].id, s->f[rb].id) < 0)
            out->root[rb] = (uint32_t)ra;
        else
            out->root[ra] = (uint32_t)rb;
        out->links[out->n_links++] = (dedupe_link){sc[i].a, sc[i].b, sc[i].score, sc[i].decided};
    }
    for (size_t i = 0; i < n; i++)
        out->root[i] = (uint32_t)find_root(out->root, (uint32_t)i);
    /* Sizes: a record is clustered when its root has other members. */
    uint32_t *size = calloc(n ? n : 1, sizeof *size);
    if (!size)
        goto oom;
    for (size_t i = 0; i < n; i++)
        size[out->root[i]]++;
    for (size_t i = 0; i < n; i++) {
        if (size[out->root[i]] > 1) {
            out->cluster_id[i] = s->f[out->root[i]].id;
            out->clustered++;
            if (out->root[i] == i)
                out->clusters++;
        }
    }
    free(size);
    goto done;
oom:
    rc = sp_fail(err, SP_ENOMEM, "out of memory while linking %zu records", n);
    dedupe_result_free(out);
done:
    free(keys);
    free(p.v);
    free(sorted);
    free(rank);
    free(name_hash);
    free(touched);
    free(sc);
    free(no_a);
    free(no_b);
    return rc;
}

void dedupe_result_free(dedupe_result *r)
{
    free(r->root);
    free(r->cluster_id);
    free(r->links);
    free(r->matched);
    memset(r, 0, sizeof *r);
}