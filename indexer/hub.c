/*
 * hub.c - the Integration Hubs' reports over the linked records that
 * dedupe_run() saved (see hub.h).
 *
 * Records are folded into "units" first: a duplicate cluster is one unit
 * (its boroughs, groups and categories are the union of its records'), a
 * record alone is a unit of its own.  Coverage, overlaps and gaps count
 * units, so a service listed by three sources counts once.  Boroughs,
 * groups and categories become bit masks over the vocabulary's slug lists
 * (33, 27 and 50 of them: each fits a 64-bit word), which keeps a full
 * borough x group x category sweep cheap.
 */
#define _GNU_SOURCE
#include "hub.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dedupe.h"
#include "store.h"

#define MAXV 64 /* slugs per field that fit a mask */

typedef struct hrec {
    char *id, *cluster, *source, *name, *org, *url, *postcode, *schedule, *status,
        *last_modified, *funders, *modes, *boroughs_txt, *groups_txt, *categories_txt,
        *source_url;
    uint64_t bor, grp, cat;
    bool pan_london, online_only;
    double lat, lon, min_age, max_age;
    int64_t first_seen, last_seen, last_changed;
    uint32_t sig[DEDUPE_MINHASH];
    bool has_sig;
    size_t unit;
} hrec;

typedef struct unit {
    size_t rep;      /* representative record */
    size_t *recs;
    size_t n;
    uint64_t bor, grp, cat;
    bool london_wide; /* pan-London or online only */
} unit;

typedef struct src_row {
    char *name, *url, *kind, *last_error_msg;
    int64_t last_success, last_error, failing_since, last_start;
    long pages, documents, urls_failed, urls_gone, records;
    bool running;
} src_row;

struct hub {
    const vocab *v;
    const char *const *bslug, *const *gslug, *const *cslug;
    size_t nb, ng, nc;
    hrec *r;
    size_t n, cap;
    bool oom; /* loading ran out of memory */
    unit *u;
    size_t nu;
    src_row *src;
    size_t nsrc, capsrc;
    json_t *decisions; /* array of {a,b,decision,at,by} */
    json_t *links;     /* array of {a,b,cluster_id,score,decided,evidence} */
    char *linked_at;
};

/* ---- loading ---- */

static json_t *load_links(store *s);

static int slug_index(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n && i < MAXV; i++)
        if (!strcmp(list[i], s))
            return (int)i;
    return -1;
}

static uint64_t mask_of(const char *const *list, size_t n, const char *txt)
{
    uint64_t m = 0;
    if (!txt)
        return 0;
    const char *p = txt;
    while (*p) {
        size_t len = strcspn(p, "\n");
        char buf[128];
        if (len < sizeof buf) {
            memcpy(buf, p, len);
            buf[len] = '\0';
            int i = slug_index(list, n, buf);
            if (i >= 0)
                m |= (uint64_t)1 << i;
        }
        p += len;
        if (*p)
            p++;
    }
    return m;
}

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return strcmp(x ? x : "", y ? y : "");
}

static int load_sources(void *ctx, const store_source_info *info)
{
    hub *h = ctx;
    if (sp_grow(&h->src, &h->capsrc, h->nsrc + 1, sizeof *h->src, 16) != SP_OK)
        return 1;
    src_row *s = &h->src[h->nsrc++];
    *s = (src_row){.name = sp_strdup(info->name),
                   .url = sp_strdup(info->url),
                   .kind = sp_strdup(info->kind)};
    /* The fetch policy's refusals name internal addresses: operators read
     * them in `signpost crawl --status`, the hub says only what happened. */
    const char *msg = info->last_error_msg;
    s->last_error_msg = sp_strdup(msg && strstr(msg, "refused by the fetch policy")
                                      ? "refused by the fetch policy (details: signpost crawl "
                                        "--status)"
                                      : msg);
    s->last_success = info->last_success;
    s->last_error = info->last_error;
    s->failing_since = info->failing_since;
    s->last_start = info->last_start;
    s->pages = info->pages;
    s->documents = info->documents;
    s->urls_failed = info->urls_failed;
    s->urls_gone = info->urls_gone;
    s->records = info->records;
    s->running = info->running;
    return 0;
}

static int build_units(hub *h)
{
    sp_keyed *k = malloc((h->n ? h->n : 1) * sizeof *k);
    h->u = calloc(h->n ? h->n : 1, sizeof *h->u);
    if (!k || !h->u) {
        free(k);
        return SP_ENOMEM;
    }
    for (size_t i = 0; i < h->n; i++)
        k[i] = (sp_keyed){h->r[i].cluster ? h->r[i].cluster : h->r[i].id, i};
    sp_keyed_sort(k, h->n);
    size_t i = 0;
    while (i < h->n) {
        size_t j = i + 1;
        while (j < h->n && !strcmp(k[j].key, k[i].key))
            j++;
        unit *u = &h->u[h->nu++];
        u->recs = malloc((j - i) * sizeof *u->recs);
        if (!u->recs) {
            free(k);
            return SP_ENOMEM;
        }
        u->rep = k[i].i;
        for (size_t x = i; x < j; x++) {
            hrec *r = &h->r[k[x].i];
            u->recs[u->n++] = k[x].i;
            r->unit = h->nu - 1;
            u->bor |= r->bor;
            u->grp |= r->grp;
            u->cat |= r->cat;
            u->london_wide |= r->pan_london || r->online_only;
            /* the representative: the most recently changed record */
            if (r->last_changed > h->r[u->rep].last_changed)
                u->rep = k[x].i;
        }
        i = j;
    }
    free(k);
    return SP_OK;
}

/* One hub_records row into h->r. */
static int add_record(void *ctx, const store_hub_record *s)
{
    hub *h = ctx;
    if (!s->id)
        return 0;
    if (sp_grow(&h->r, &h->cap, h->n + 1, sizeof *h->r, 256) != SP_OK) {
        h->oom = true;
        return 1;
    }
    hrec *r = &h->r[h->n++];
    memset(r, 0, sizeof *r);
    r->id = dup(s->id);
    r->cluster = dup(s->cluster_id);
    r->source = dup(s->source);
    r->name = dup(s->name);
    r->org = dup(s->org);
    r->url = dup(s->url);
    r->boroughs_txt = dup(s->boroughs);
    r->groups_txt = dup(s->groups);
    r->categories_txt = dup(s->categories);
    r->modes = dup(s->modes);
    r->funders = dup(s->funders);
    r->postcode = dup(s->postcode);
    r->schedule = dup(s->schedule);
    r->status = dup(s->status);
    r->last_modified = dup(s->last_modified);
    r->source_url = dup(s->source_url);
    r->pan_london = s->pan_london;
    r->lat = s->lat;
    r->lon = s->lon;
    r->min_age = s->min_age;
    r->max_age = s->max_age;
    r->first_seen = s->first_seen;
    r->last_seen = s->last_seen;
    r->last_changed = s->last_changed;
    if (s->sig && s->sig_len == sizeof r->sig) {
        memcpy(r->sig, s->sig, sizeof r->sig);
        r->has_sig = r->sig[0] != UINT32_MAX;
    }
    r->bor = mask_of(h->bslug, h->nb, r->boroughs_txt);
    r->grp = mask_of(h->gslug, h->ng, r->groups_txt);
    r->cat = mask_of(h->cslug, h->nc, r->categories_txt);
    r->online_only = !r->bor && r->modes && strstr(r->modes, "online") &&
                     !strstr(r->modes, "in-person");
    if (!r->id)
        h->oom = true;
    return 0;
}

static int add_decision(void *ctx, const store_hub_decision *d)
{
    char at[32];
    sp_time_format(d->at, at);
    json_array_append_new(ctx, json_pack("{s:s,s:s,s:s,s:s,s:s?}", "a", d->id_a, "b", d->id_b,
                                         "decision", d->decision, "at", at, "by", d->by));
    return 0;
}

int hub_open(const char *store_dir, const vocab *v, hub **out, sp_err *err)
{
    *out = NULL;
    hub *h = calloc(1, sizeof *h);
    if (!h)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    h->v = v;
    h->bslug = vocab_slugs(v, "borough", &h->nb);
    h->gslug = vocab_slugs(v, "group", &h->ng);
    h->cslug = vocab_slugs(v, "category", &h->nc);
    if (h->nb > MAXV)
        h->nb = MAXV;
    if (h->ng > MAXV)
        h->ng = MAXV;
    if (h->nc > MAXV)
        h->nc = MAXV;
    h->decisions = json_array();
    int rc = SP_OK;
    store *db = NULL;
    sp_err e2 = {0};
    if (!h->decisions) {
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
        goto out;
    }
    /* never crawled nor linked: an empty snapshot */
    if (store_open_read(store_dir, 5000, &db, &e2) != SP_OK)
        goto units;
    /* A table an older store lacks reads as nothing. */
    store_hub_records(db, add_record, h, &e2);
    if (h->oom)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    store_hub_decisions(db, add_decision, h->decisions, &e2);
    store_hub_meta_get(db, "linked_at", &h->linked_at, &e2);
    h->links = load_links(db);
    store_source_health(db, load_sources, h, &e2);
    store_close(db);
units:
    if (rc == SP_OK && build_units(h) != SP_OK)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
out:
    return SP_HAND_OVER(rc, h, out, hub_close);
}

void hub_close(hub *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++) {
        hrec *r = &h->r[i];
        char *strs[] = {r->id,       r->cluster,  r->source,        r->name,
                        r->org,      r->url,      r->postcode,      r->schedule,
                        r->status,   r->last_modified, r->funders,  r->modes,
                        r->boroughs_txt, r->groups_txt, r->categories_txt, r->source_url};
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            free(strs[k]);
    }
    free(h->r);
    for (size_t i = 0; i < h->nu; i++)
        free(h->u[i].recs);
    free(h->u);
    for (size_t i = 0; i < h->nsrc; i++) {
        free(h->src[i].name);
        free(h->src[i].url);
        free(h->src[i].kind);
        free(h->src[i].last_error_msg);
    }
    free(h->src);
    json_decref(h->decisions);
    json_decref(h->links);
    free(h->linked_at);
    free(h);
}

/* ---- filters ---- */

/* The boroughs a report covers, as a mask. */
static uint64_t borough_scope(const hub *h, const hub_filter *f)
{
    uint64_t all = h->nb >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << h->nb) - 1);
    uint64_t m = all;
    if (f->borough) {
        int i = slug_index(h->bslug, h->nb, f->borough);
        m &= i >= 0 ? (uint64_t)1 << i : 0;
    }
    if (f->subregion) {
        const vocab_borough *bs[64];
        size_t n = vocab_subregion_boroughs(h->v, f->subregion, bs, 64);
        uint64_t sm = 0;
        for (size_t i = 0; i < n; i++) {
            int k = slug_index(h->bslug, h->nb, bs[i]->slug);
            if (k >= 0)
                sm |= (uint64_t)1 << k;
        }
        m &= sm;
    }
    return m;
}

/* Moves *i to the first index from *i up, below n, whose bit is set in
 * mask (a borough, group or category scope); false when there is none. */
static bool next_in(uint64_t mask, size_t n, size_t *i)
{
    while (*i < n && !(mask >> *i & 1))
        (*i)++;
    return *i < n;
}

static json_t *oom(sp_err *err)
{
    sp_fail(err, SP_ENOMEM, "out of memory");
    return NULL;
}

static uint64_t one_or_all(const char *const *list, size_t n, const char *slug)
{
    if (!slug)
        return n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    int i = slug_index(list, n, slug);
    return i >= 0 ? (uint64_t)1 << i : 0;
}

static size_t limit_of(const hub_filter *f)
{
    size_t l = f->limit ? f->limit : HUB_DEFAULT_LIMIT;
    return l > HUB_MAX_LIMIT ? HUB_MAX_LIMIT : l;
}

static json_t *filters_json(const hub_filter *f)
{
    return json_pack("{s:s?,s:s?,s:s?,s:s?}", "borough", f->borough, "subregion", f->subregion,
                     "group", f->group, "category", f->category);
}

/* A report: its rows and "columns", the flat keys of a row in CSV order
 * (so a CSV has its header even with no rows, and nested detail such as
 * an overlap's services never lands in a cell). */
/* A report's rows as they are found: every match counts in total, only
 * the first limit are kept (report() says when some were left out). */
typedef struct rows_acc {
    json_t *rows;
    size_t total, limit;
} rows_acc;

/* false when out of memory */
static bool rows_begin(rows_acc *a, const hub_filter *f)
{
    *a = (rows_acc){json_array(), 0, limit_of(f)};
    return a->rows != NULL;
}

/* Counts one more match; true when its row is to be kept. */
static bool rows_take(rows_acc *a)
{
    a->total++;
    return json_array_size(a->rows) < a->limit;
}

static json_t *report(const hub *h, const hub_filter *f, json_t *rows, size_t total,
                      const char *const *cols)
{
    json_t *c = json_array();
    for (size_t i = 0; c && cols[i]; i++)
        json_array_append_new(c, json_string(cols[i]));
    return json_pack("{s:o,s:o,s:o,s:I,s:b,s:s?,s:I}", "filters", filters_json(f), "columns",
                     c, "rows", rows, "total", (json_int_t)total, "truncated",
                     json_array_size(rows) < total, "linked_at", h->linked_at, "records",
                     (json_int_t)h->n);
}

static const char *const cov_cols[] = {"borough", "subregion", "group", "group_label",
                                       "category", "priority", "services", "local",
                                       "london_wide", "records", NULL};
static const char *const gap_cols[] = {"borough", "subregion", "group", "group_label",
                                       "category", "kind", "priority", "london_wide",
                                       "nearest_borough", "nearest_km", NULL};
static const char *const ov_cols[] = {"borough", "subregion", "groups", "categories", "size",
                                      "score", "service_ids", "service_names",
                                      "organizations", NULL};
static const char *const dup_cols[] = {"cluster_id", "name", "size", "record_ids", "sources",
                                       "names", "link_score", "link_reasons", NULL};
static const char *const stale_cols[] = {"id", "name", "organization", "source", "cluster_id",
                                         "last_seen", "last_changed", "last_modified", "days",
                                         "reasons", NULL};
static const char *const src_cols[] = {"source", "health", "kind", "url", "last_success",
                                       "last_error", "failing_since", "last_error_message",
                                       "pages", "documents", "urls_failed", "urls_gone",
                                       "records", "duplicated_elsewhere", "stale", NULL};

static json_t *split_json(const char *txt)
{
    json_t *a = json_array();
    if (!txt || !a)
        return a;
    const char *p = txt;
    while (*p) {
        size_t len = strcspn(p, "\n");
        json_array_append_new(a, json_stringn(p, len));
        p += len;
        if (*p)
            p++;
    }
    return a;
}

static json_t *service_json(const hub *h, size_t i)
{
    const hrec *r = &h->r[i];
    const unit *u = &h->u[r->unit];
    return json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:I}", "id", r->id, "name", r->name,
                     "organization", r->org, "source", r->source, "source_url", r->source_url,
                     "url", r->url, "cluster_id",
                     r->cluster, "boroughs", split_json(r->boroughs_txt), "sources",
                     (json_int_t)u->n);
}

/* Does a unit serve borough bit b? */
static bool serves(const unit *u, int b)
{
    return (u->bor >> b & 1) || u->london_wide;
}

/* ---- coverage and gaps ---- */

typedef struct cell {
    size_t services, local, london_wide, records;
} cell;

static void count_cell(const hub *h, int b, int g, uint64_t cats, cell *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < h->nu; i++) {
        const unit *u = &h->u[i];
        if (!(u->grp >> g & 1) || !(u->cat & cats) || !serves(u, b))
            continue;
        c->services++;
        c->records += u->n;
        if (u->bor >> b & 1 && !u->london_wide)
            c->local++;
        else
            c->london_wide++;
    }
}

static uint64_t category_scope(const hub *h, const hub_filter *f)
{
    return one_or_all(h->cslug, h->nc, f->category);
}

json_t *hub_coverage(const hub *h, const hub_filter *f, sp_err *err)
{
    uint64_t bm = borough_scope(h, f), gm = one_or_all(h->gslug, h->ng, f->group);
    uint64_t cm = category_scope(h, f);
    rows_acc acc;
    json_t *map = json_object();
    if (!rows_begin(&acc, f) || !map) {
        json_decref(acc.rows);
        json_decref(map);
        return oom(err);
    }
    for (size_t b = 0; next_in(bm, h->nb, &b); b++) {
        const vocab_borough *vb = vocab_borough_get(h->v, h->bslug[b]);
        size_t in_borough = 0;
        for (size_t i = 0; i < h->nu; i++) {
            const unit *u = &h->u[i];
            if ((u->grp & gm) && (u->cat & cm) && serves(u, (int)b))
                in_borough++;
        }
        json_object_set_new(map, h->bslug[b], json_integer((json_int_t)in_borough));
        for (size_t g = 0; next_in(gm, h->ng, &g); g++) {
            cell c;
            count_cell(h, (int)b, (int)g, cm, &c);
            if (!rows_take(&acc))
                continue;
            json_array_append_new(
                acc.rows, json_pack("{s:s,s:s?,s:s,s:s?,s:s,s:b,s:I,s:I,s:I,s:I}", "borough",
                                h->bslug[b], "subregion", vb ? vb->subregion : NULL, "group",
                                h->gslug[g], "group_label",
                                vocab_label(h->v, "group", h->gslug[g]), "category",
                                f->category ? f->category : "", "priority",
                                vocab_group_priority(h->v, h->gslug[g]), "services",
                                (json_int_t)c.services, "local", (json_int_t)c.local,
                                "london_wide", (json_int_t)c.london_wide, "records",
                                (json_int_t)c.records));
        }
    }
    json_t *rep = report(h, f, acc.rows, acc.total, cov_cols);
    if (rep)
        json_object_set_new(rep, "map", map);
    else
        json_decref(map);
    return rep;
}

json_t *hub_gaps(const hub *h, const hub_filter *f, sp_err *err)
{
    uint64_t bm = borough_scope(h, f), gm = one_or_all(h->gslug, h->ng, f->group);
    uint64_t cm = category_scope(h, f);
    bool want_none = !f->kind || !strcmp(f->kind, "none");
    bool want_local = !f->kind || !strcmp(f->kind, "no-local");
    rows_acc acc;
    if (!rows_begin(&acc, f))
        return oom(err);
    /* Two passes so every "none" gap comes before the "no-local" ones. */
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0 && !want_none) || (pass == 1 && !want_local))
            continue;
        for (size_t g = 0; next_in(gm, h->ng, &g); g++) {
            cell cells[MAXV];
            for (size_t b = 0; b < h->nb; b++)
                count_cell(h, (int)b, (int)g, cm, &cells[b]);
            for (size_t b = 0; next_in(bm, h->nb, &b); b++) {
                bool none = cells[b].services == 0;
                bool nolocal = !none && cells[b].local == 0;
                if ((pass == 0 && !none) || (pass == 1 && !nolocal))
                    continue;
                /* the nearest borough with provision based there */
                const vocab_borough *vb = vocab_borough_get(h->v, h->bslug[b]);
                const char *near = NULL;
                double best = INFINITY;
                for (size_t o = 0; vb && o < h->nb; o++) {
                    if (o == b || !cells[o].local)
                        continue;
                    const vocab_borough *ob = vocab_borough_get(h->v, h->bslug[o]);
                    if (!ob)
                        continue;
                    double p = M_PI / 180.0;
                    double dlat = (ob->lat - vb->lat) * p, dlon = (ob->lon - vb->lon) * p;
                    double a = sin(dlat / 2) * sin(dlat / 2) +
                               cos(vb->lat * p) * cos(ob->lat * p) * sin(dlon / 2) * sin(dlon / 2);
                    double km = 6371.0 * 2 * atan2(sqrt(a), sqrt(1 - a));
                    if (km < best) {
                        best = km;
                        near = h->bslug[o];
                    }
                }
                if (!rows_take(&acc))
                    continue;
                json_t *row = json_pack(
                    "{s:s,s:s?,s:s,s:s?,s:s,s:s,s:b,s:I,s:s?}", "borough", h->bslug[b],
                    "subregion", vb ? vb->subregion : NULL, "group", h->gslug[g], "group_label",
                    vocab_label(h->v, "group", h->gslug[g]), "category",
                    f->category ? f->category : "", "kind", none ? "none" : "no-local",
                    "priority", vocab_group_priority(h->v, h->gslug[g]), "london_wide",
                    (json_int_t)cells[b].london_wide, "nearest_borough", near);
                if (row && near)
                    json_object_set_new(row, "nearest_km", json_real(round(best * 10) / 10));
                else if (row)
                    json_object_set_new(row, "nearest_km", json_null());
                json_array_append_new(acc.rows, row);
            }
        }
    }
    return report(h, f, acc.rows, acc.total, gap_cols);
}

/* ---- overlaps ---- */

static double jacc64(uint64_t a, uint64_t b)
{
    uint64_t u = a | b;
    return u ? (double)__builtin_popcountll(a & b) / (double)__builtin_popcountll(u) : 0;
}

static bool shares_line(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    const char *p = a;
    while (*p) {
        size_t len = strcspn(p, "\n");
        const char *q = b;
        while (*q) {
            size_t l2 = strcspn(q, "\n");
            if (l2 == len && !strncmp(p, q, len))
                return true;
            q += l2;
            if (*q)
                q++;
        }
        p += len;
        if (*p)
            p++;
    }
    return false;
}

/* How much two different services overlap, 0..1, and why. */
static double overlap_score(const hub *h, const unit *x, const unit *y, json_t *why)
{
    const hrec *a = &h->r[x->rep], *b = &h->r[y->rep];
    double area = jacc64(x->bor, y->bor);
    double group = jacc64(x->grp, y->grp);
    double cat = jacc64(x->cat, y->cat);
    double elig = 0.5;
    if (a->min_age >= 0 || a->max_age >= 0 || b->min_age >= 0 || b->max_age >= 0) {
        double lo = fmax(a->min_age < 0 ? 0 : a->min_age, b->min_age < 0 ? 0 : b->min_age);
        double hi = fmin(a->max_age < 0 ? 120 : a->max_age, b->max_age < 0 ? 120 : b->max_age);
        elig = hi >= lo ? 1.0 : 0.0;
    }
    double desc = 0;
    if (a->has_sig && b->has_sig) {
        size_t same = 0;
        for (size_t k = 0; k < DEDUPE_MINHASH; k++)
            same += a->sig[k] == b->sig[k];
        desc = (double)same / DEDUPE_MINHASH;
    }
    double sched = a->schedule && b->schedule ? (!strcmp(a->schedule, b->schedule) ? 1.0 : 0.3)
                                              : 0.5;
    double funder = shares_line(a->funders, b->funders) ? 1.0 : 0.0;
    double score = 0.25 * area + 0.2 * group + 0.2 * cat + 0.1 * elig + 0.1 * desc +
                   0.05 * sched + 0.1 * funder;
    if (why) {
        json_t *parts = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "area",
                                          round(area * 100) / 100, "group",
                                          round(group * 100) / 100, "category",
                                          round(cat * 100) / 100, "eligibility", elig,
                                          "description", round(desc * 100) / 100, "schedule",
                                          sched, "funder", funder);
        json_object_update(why, parts);
        json_decref(parts);
    }
    return score;
}

/* Two services are alike enough to be called duplicated provision when
 * their people's ages meet and they overlap at least this much; a CV
 * workshop and a food bank that share a borough, a group and a broad
 * category are not. */
#define OV_ALIKE 0.5

typedef struct ov {
    double score;
    size_t b;
    uint64_t gm, cm; /* the groups and categories the set shares */
    size_t m;
    size_t *mem;     /* its units, ascending */
} ov;

static bool ages_meet(const hrec *a, const hrec *b)
{
    if (a->min_age < 0 && a->max_age < 0 && b->min_age < 0 && b->max_age < 0)
        return true;
    double lo = fmax(a->min_age < 0 ? 0 : a->min_age, b->min_age < 0 ? 0 : b->min_age);
    double hi = fmin(a->max_age < 0 ? 120 : a->max_age, b->max_age < 0 ? 120 : b->max_age);
    return hi >= lo;
}

static bool alike(const hub *h, size_t x, size_t y)
{
    return ages_meet(&h->r[h->u[x].rep], &h->r[h->u[y].rep]) &&
           overlap_score(h, &h->u[x], &h->u[y], NULL) >= OV_ALIKE;
}

static json_t *slugs_json(const char *const *slugs, size_t n, uint64_t mask)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (mask >> i & 1)
            json_array_append_new(a, json_string(slugs[i]));
    return a;
}

/* One overlap set as a report row: the services, what they share (each
 * group and category once) and each pair's score with its components. */
static json_t *overlap_row(const hub *h, const ov *o)
{
    json_t *services = json_array(), *pairs = json_array();
    json_t *ids = json_array(), *names = json_array(), *orgs = json_array();
    size_t np = 0;
    for (size_t x = 0; x < o->m; x++) {
        const hrec *r = &h->r[h->u[o->mem[x]].rep];
        json_array_append_new(services, service_json(h, h->u[o->mem[x]].rep));
        json_array_append_new(ids, json_string(r->id));
        json_array_append_new(names, json_string(r->name ? r->name : r->id));
        json_array_append_new(orgs, json_string(r->org ? r->org : ""));
        for (size_t y = x + 1; y < o->m && np < 50; y++, np++) {
            json_t *why = json_object();
            double s = overlap_score(h, &h->u[o->mem[x]], &h->u[o->mem[y]], why);
            json_array_append_new(pairs, json_pack("{s:s,s:s,s:f,s:o}", "a", r->id, "b",
                                                   h->r[h->u[o->mem[y]].rep].id, "score",
                                                   round(s * 100) / 100, "components", why));
        }
    }
    const vocab_borough *vb = vocab_borough_get(h->v, h->bslug[o->b]);
    int g0 = __builtin_ctzll(o->gm), c0 = __builtin_ctzll(o->cm);
    return json_pack("{s:s,s:s?,s:s,s:s,s:o,s:o,s:I,s:f,s:o,s:o,s:o,s:o,s:o}", "borough",
                     h->bslug[o->b], "subregion", vb ? vb->subregion : NULL, "group",
                     h->gslug[g0], "category", h->cslug[c0], "groups",
                     slugs_json(h->gslug, h->ng, o->gm), "categories",
                     slugs_json(h->cslug, h->nc, o->cm), "size", (json_int_t)o->m, "score",
                     round(o->score * 100) / 100, "service_ids", ids, "service_names", names,
                     "organizations", orgs, "services", services, "pairs", pairs);
}

/* Sets in borough order, then by their members: one set found in several
 * cells lies next to itself. */
static int cmp_ov_members(const void *a, const void *b)
{
    const ov *x = a, *y = b;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    if (x->m != y->m)
        return x->m < y->m ? -1 : 1;
    for (size_t i = 0; i < x->m; i++)
        if (x->mem[i] != y->mem[i])
            return x->mem[i] < y->mem[i] ? -1 : 1;
    return 0;
}

static int cmp_ov(const void *a, const void *b)
{
    const ov *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    /* then borough, groups, categories: the same data gives the same order */
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    int gx = __builtin_ctzll(x->gm), gy = __builtin_ctzll(y->gm);
    if (gx != gy)
        return gx < gy ? -1 : 1;
    int cx = __builtin_ctzll(x->cm), cy = __builtin_ctzll(y->cm);
    if (cx != cy)
        return cx < cy ? -1 : 1;
    return cmp_ov_members(a, b);
}

/* Add one set found in a cell (b, g, c). */
static bool ov_add(ov **found, size_t *nf, size_t *capf, size_t b, size_t g, size_t c,
                   const size_t *set, size_t m, double score)
{
    if (sp_grow(found, capf, *nf + 1, sizeof **found, 64) != SP_OK)
        return false;
    size_t *mem = malloc(m * sizeof *mem);
    if (!mem)
        return false;
    memcpy(mem, set, m * sizeof *mem);
    (*found)[(*nf)++] = (ov){score, b, (uint64_t)1 << g, (uint64_t)1 << c, m, mem};
    return true;
}

/* Split a cell's services into sets of alike ones: two services alike
 * are in one set, and so is a service alike any member (single linkage,
 * so the sets do not depend on the order the records were read in); a
 * service alike none is left out.  Each set of two or more is added. */
static bool ov_cell(const hub *h, ov **found, size_t *nf, size_t *capf, size_t b, size_t g,
                    size_t c, const size_t *members, size_t m)
{
    size_t set_of[50], set[50];
    for (size_t x = 0; x < m; x++)
        set_of[x] = x;
    for (size_t x = 0; x < m; x++)
        for (size_t y = x + 1; y < m; y++) {
            if (set_of[x] == set_of[y] || !alike(h, members[x], members[y]))
                continue;
            size_t from = set_of[y], to = set_of[x];
            for (size_t k = 0; k < m; k++)
                if (set_of[k] == from)
                    set_of[k] = to;
        }
    size_t nsets = m;
    for (size_t s = 0; s < nsets; s++) {
        size_t n = 0;
        for (size_t x = 0; x < m; x++)
            if (set_of[x] == s)
                set[n++] = members[x];
        if (n < 2)
            continue;
        double sum = 0;
        size_t np = 0;
        for (size_t x = 0; x < n; x++)
            for (size_t y = x + 1; y < n; y++, np++)
                sum += overlap_score(h, &h->u[set[x]], &h->u[set[y]], NULL);
        if (!ov_add(found, nf, capf, b, g, c, set, n, sum / (double)np))
            return false;
    }
    return true;
}

/* Fold the sets found in several cells (one pair of services sharing
 * three categories) into one, with the groups and categories it shares. */
static size_t ov_merge(ov *found, size_t nf)
{
    if (!nf)
        return 0;
    qsort(found, nf, sizeof *found, cmp_ov_members);
    size_t k = 0;
    for (size_t i = 1; i < nf; i++) {
        if (!cmp_ov_members(&found[k], &found[i])) {
            found[k].gm |= found[i].gm;
            found[k].cm |= found[i].cm;
            free(found[i].mem);
        } else {
            found[++k] = found[i];
        }
    }
    return k + 1;
}

/* Categories worth an overlap cell: children, and parents without any. */
static uint64_t leaf_categories(const hub *h)
{
    uint64_t parents = 0, all = 0;
    for (size_t c = 0; c < h->nc; c++) {
        all |= (uint64_t)1 << c;
        const char *p = vocab_category_parent(h->v, h->cslug[c]);
        if (p && strcmp(p, h->cslug[c]) != 0) {
            int i = slug_index(h->cslug, h->nc, p);
            if (i >= 0)
                parents |= (uint64_t)1 << i;
        }
    }
    return all & ~parents;
}

json_t *hub_overlaps(const hub *h, const hub_filter *f, sp_err *err)
{
    uint64_t bm = borough_scope(h, f), gm = one_or_all(h->gslug, h->ng, f->group);
    uint64_t cm = category_scope(h, f);
    /* A parent category makes a cell of its own only for services tagged
     * with the parent and none of its children (else the children's cells
     * already say it): parent_of[c] is c's parent's bit, 0 for parents. */
    uint64_t leaves = leaf_categories(h), parent_of[MAXV] = {0};
    for (size_t c = 0; c < h->nc; c++) {
        const char *p = vocab_category_parent(h->v, h->cslug[c]);
        int i = p && strcmp(p, h->cslug[c]) != 0 ? slug_index(h->cslug, h->nc, p) : -1;
        if (i >= 0)
            parent_of[c] = (uint64_t)1 << i;
    }
    ov *found = NULL;
    size_t nf = 0, capf = 0;
    /* Narrowed step by step (borough, then group, then category) so a
     * sweep over 33 x 27 x 50 cells stays near-linear in the services. */
    size_t *members = malloc((h->nu ? h->nu : 1) * sizeof *members);
    size_t *local = malloc((h->nu ? h->nu : 1) * sizeof *local);
    size_t *lg = malloc((h->nu ? h->nu : 1) * sizeof *lg);
    if (!members || !local || !lg) {
        free(members);
        free(local);
        free(lg);
        return oom(err);
    }
    for (size_t b = 0; next_in(bm, h->nb, &b); b++) {
        /* services based in the borough (not London-wide ones: those
         * overlap with everything and say nothing about the borough) */
        size_t nl = 0;
        for (size_t i = 0; i < h->nu; i++)
            if ((h->u[i].bor >> b & 1) && !h->u[i].london_wide)
                local[nl++] = i;
        for (size_t g = 0; next_in(gm, h->ng, &g); g++) {
            size_t ngl = 0;
            for (size_t i = 0; i < nl; i++)
                if (h->u[local[i]].grp >> g & 1)
                    lg[ngl++] = local[i];
            for (size_t c = 0; ngl >= 2 && next_in(cm, h->nc, &c); c++) {
                size_t m = 0;
                for (size_t i = 0; i < ngl && m < 50; i++)
                    if (h->u[lg[i]].cat >> c & 1)
                        members[m++] = lg[i];
                if (m < 2)
                    continue;
                if (!f->category && !(leaves >> c & 1)) {
                    bool parent_only = false;
                    for (size_t x = 0; x < m && !parent_only; x++) {
                        uint64_t children = 0;
                        for (size_t k = 0; k < h->nc; k++)
                            if (parent_of[k] == (uint64_t)1 << c)
                                children |= (uint64_t)1 << k;
                        parent_only = !(h->u[members[x]].cat & children);
                    }
                    if (!parent_only)
                        continue;
                }
                if (!ov_cell(h, &found, &nf, &capf, b, g, c, members, m))
                    goto out;
            }
        }
    }
out:
    free(members);
    free(local);
    free(lg);
    nf = ov_merge(found, nf);
    if (nf)
        qsort(found, nf, sizeof *found, cmp_ov);
    json_t *rows = json_array();
    size_t limit = limit_of(f);
    for (size_t i = 0; i < nf; i++) {
        if (i < limit)
            json_array_append_new(rows, overlap_row(h, &found[i]));
        free(found[i].mem);
    }
    free(found);
    return report(h, f, rows, nf, ov_cols);
}

/* ---- duplicates ---- */

static bool unit_in_scope(const hub *h, const unit *u, uint64_t bm)
{
    uint64_t all = h->nb >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << h->nb) - 1);
    return bm == all || (u->bor & bm) || u->london_wide;
}

/* The canonical view: each field from the freshest record that has it,
 * naming that record and its source; lists are the union. */
static json_t *canonical(const hub *h, const unit *u)
{
    json_t *c = json_object();
    static const char *const fields[] = {"name", "organization", "url", "postcode",
                                         "schedule", "last_modified"};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        const hrec *best = NULL;
        const char *val = NULL;
        for (size_t i = 0; i < u->n; i++) {
            const hrec *r = &h->r[u->recs[i]];
            const char *v = k == 0 ? r->name : k == 1 ? r->org : k == 2 ? r->url
                          : k == 3 ? r->postcode : k == 4 ? r->schedule : r->last_modified;
            if (!v)
                continue;
            if (!best || r->last_changed > best->last_changed ||
                (k == 5 && strcmp(v, val) > 0)) {
                best = r;
                val = v;
            }
        }
        if (best)
            json_object_set_new(c, fields[k],
                                json_pack("{s:s,s:s,s:s?}", "value", val, "id", best->id,
                                          "source", best->source));
    }
    static const char *const lists[] = {"boroughs", "groups", "categories"};
    for (size_t k = 0; k < 3; k++) {
        json_t *vals = json_object();
        for (size_t i = 0; i < u->n; i++) {
            const hrec *r = &h->r[u->recs[i]];
            const char *txt = k == 0 ? r->boroughs_txt : k == 1 ? r->groups_txt
                                                                : r->categories_txt;
            json_t *a = split_json(txt);
            size_t j;
            json_t *s;
            json_array_foreach(a, j, s)
            {
                const char *slug = json_string_value(s);
                json_t *srcs = json_object_get(vals, slug);
                if (!srcs) {
                    srcs = json_array();
                    json_object_set_new(vals, slug, srcs);
                }
                json_array_append_new(srcs, json_string(r->source ? r->source : r->id));
            }
            json_decref(a);
        }
        json_t *arr = json_array();
        const char *key;
        json_t *srcs;
        json_object_foreach(vals, key, srcs)
        {
            json_array_append_new(arr, json_pack("{s:s,s:O}", "value", key, "sources", srcs));
        }
        json_decref(vals);
        json_object_set_new(c, lists[k], arr);
    }
    return c;
}

static json_t *cluster_links(const json_t *links_all, const char *cid)
{
    json_t *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(links_all, i, l)
    {
        const char *c = json_string_value(json_object_get(l, "cluster_id"));
        if (c && !strcmp(c, cid))
            json_array_append(out, l);
    }
    return out;
}

/* A link's evidence in words, strongest first: "same phone number, very
 * similar description; but different postcodes".  The words follow the
 * evidence dedupe.c records (what, weight and, for text, the similarity
 * in its detail), so a person can judge the link without the scores. */
static char *link_words(const json_t *evidence)
{
    static const struct {
        const char *what;
        const char *pos, *neg;
    } say[] = {
        {"url", "same web page", "other pages of one website"},
        {"name", "same name", "different names"},
        {"name-level", NULL, "a different level or session in the name"},
        {"organisation", "same organisation", "different organisations"},
        {"identifier", "same charity or company number", "different charity or company numbers"},
        {"email", "same e-mail address", NULL},
        {"phone", "same phone number", "no phone number in common"},
        {"postcode", "same postcode", "different postcodes"},
        {"location", NULL, "over 2 km apart"},
        {"description", "similar description", "different descriptions"},
        {"schedule", "same opening times", "different opening times"},
        {"area", NULL, "no borough in common"},
        {"category", NULL, "no category in common"},
    };
    sp_buf pos = {0}, neg = {0};
    /* strongest first: the evidence is in scoring order, so two passes
     * over weights, big ones then small ones */
    for (int pass = 0; pass < 2; pass++) {
        size_t i;
        json_t *e;
        json_array_foreach(evidence, i, e)
        {
            const char *what = json_string_value(json_object_get(e, "what"));
            const char *detail = json_string_value(json_object_get(e, "detail"));
            double w = json_number_value(json_object_get(e, "weight"));
            if (!what || (pass == 0) != (fabs(w) >= 3.0))
                continue;
            for (size_t k = 0; k < sizeof say / sizeof say[0]; k++) {
                if (strcmp(what, say[k].what) != 0)
                    continue;
                const char *t = w > 0 ? say[k].pos : say[k].neg;
                char buf[64];
                if (!strcmp(what, "url") && w > 0 && w < 2)
                    t = "same website";
                if (!strcmp(what, "name") && w > 0 && w < 5)
                    t = w >= 4.5 ? "one name contains the other" : "similar names";
                if (!strcmp(what, "organisation") && w > 0 && w < 1.5)
                    t = "similar organisation names";
                if (!strcmp(what, "description")) {
                    const char *num = detail ? strrchr(detail, ' ') : NULL;
                    double j = num ? atof(num + 1) : 0;
                    t = j >= 0.9   ? "the same description"
                        : j >= 0.6 ? "very similar description"
                        : j > 0.35 ? "similar description"
                                   : "different descriptions";
                    w = j > 0.35 ? 1 : -1;
                }
                if (!t)
                    break;
                snprintf(buf, sizeof buf, "%s", t);
                sp_buf *dst = w > 0 ? &pos : &neg;
                if (dst->len)
                    sp_buf_puts(dst, ", ");
                sp_buf_puts(dst, buf);
                break;
            }
        }
    }
    sp_buf out = {0};
    const char *p = sp_buf_cstr(&pos), *n = sp_buf_cstr(&neg);
    if (!p || !n) { /* out of memory */
        sp_buf_free(&pos);
        sp_buf_free(&neg);
        return NULL;
    }
    sp_buf_puts(&out, pos.len ? p : "nothing strong in common");
    if (neg.len) {
        sp_buf_puts(&out, "; but ");
        sp_buf_puts(&out, n);
    }
    sp_buf_free(&pos);
    sp_buf_free(&neg);
    return sp_buf_steal(&out);
}

/* How sure a link is, in words, from its score (log-odds points). */
static const char *link_strength(double score, bool decided)
{
    return decided ? "decided by an editor" : score >= 8 ? "near certain" : score >= 4 ? "strong" : "likely";
}

/* One link of a cluster, with its evidence in words. */
static int add_link(void *ctx, const store_hub_link *l)
{
    json_t *ev = l->evidence ? json_loads(l->evidence, 0, NULL) : NULL;
    json_t *items = json_object_get(ev, "evidence");
    json_incref(items); /* kept after ev goes */
    json_decref(ev);
    char *words = link_words(items);
    json_array_append_new(
        ctx, json_pack("{s:s,s:s,s:s,s:f,s:b,s:s,s:s?,s:o?}", "a", l->id_a, "b", l->id_b,
                       "cluster_id", l->cluster_id, "score", round(l->score * 100) / 100,
                       "decided", l->decided, "strength", link_strength(l->score, l->decided),
                       "reasons", words, "evidence", items));
    free(words);
    return 0;
}

/* The links of every cluster (the duplicates report's evidence). */
static json_t *load_links(store *s)
{
    json_t *out = json_array();
    sp_err e = {0};
    if (out)
        store_hub_links(s, add_link, out, &e);
    return out;
}

json_t *hub_duplicates(const hub *h, const hub_filter *f, sp_err *err)
{
    uint64_t bm = borough_scope(h, f);
    rows_acc acc;
    if (!rows_begin(&acc, f))
        return oom(err);
    for (size_t i = 0; i < h->nu; i++) {
        const unit *u = &h->u[i];
        if (u->n < 2 || !unit_in_scope(h, u, bm))
            continue;
        const hrec *rep = &h->r[u->rep];
        if (f->id) {
            bool has = false;
            for (size_t k = 0; k < u->n && !has; k++)
                has = !strcmp(h->r[u->recs[k]].id, f->id);
            if (!has)
                continue;
        }
        if (!rows_take(&acc))
            continue;
        json_t *ids = json_array(), *srcs = json_array(), *names = json_array(),
               *members = json_array();
        for (size_t k = 0; k < u->n; k++) {
            const hrec *r = &h->r[u->recs[k]];
            json_array_append_new(ids, json_string(r->id));
            json_array_append_new(srcs, json_string(r->source ? r->source : ""));
            json_array_append_new(names, json_string(r->name ? r->name : ""));
            json_array_append_new(members, service_json(h, u->recs[k]));
        }
        json_t *links = cluster_links(h->links, rep->cluster);
        const json_t *l0 = json_array_get(links, 0);
        char *why = l0 ? sp_printf("%s: %s", json_string_value(json_object_get(l0, "strength")),
                                   json_string_value(json_object_get(l0, "reasons")))
                       : NULL;
        json_array_append_new(
            acc.rows,
            json_pack("{s:s,s:s?,s:I,s:o,s:o,s:o,s:O?,s:s?,s:o,s:o,s:o}", "cluster_id",
                      rep->cluster, "name", rep->name, "size", (json_int_t)u->n, "record_ids",
                      ids, "sources", srcs, "names", names, "link_score",
                      json_object_get(l0, "score"), "link_reasons", why, "records", members,
                      "canonical", canonical(h, u), "links", links));
        free(why);
    }
    json_t *rep = report(h, f, acc.rows, acc.total, dup_cols);
    if (rep)
        json_object_set(rep, "decisions", h->decisions);
    return rep;
}

/* ---- stale ---- */

json_t *hub_stale(const hub *h, const hub_filter *f, sp_err *err)
{
    uint64_t bm = borough_scope(h, f);
    int64_t now = f->now ? f->now : sp_now();
    int days = f->stale_days > 0 ? f->stale_days : HUB_DEFAULT_STALE_DAYS;
    int64_t limit_s = (int64_t)days * 86400;
    rows_acc acc;
    if (!rows_begin(&acc, f))
        return oom(err);
    for (size_t i = 0; i < h->n; i++) {
        const hrec *r = &h->r[i];
        const unit *u = &h->u[r->unit];
        if (!unit_in_scope(h, u, bm))
            continue;
        json_t *why = json_array();
        int64_t worst = 0;
        if (r->last_seen > 0 && now - r->last_seen > limit_s) {
            json_array_append_new(why, json_string("not seen"));
            worst = now - r->last_seen;
        }
        if (r->last_changed > 0 && now - r->last_changed > limit_s) {
            json_array_append_new(why, json_string("not changed"));
            if (now - r->last_changed > worst)
                worst = now - r->last_changed;
        }
        int64_t lm = r->last_modified ? sp_time_parse(r->last_modified) : -1;
        if (lm > 0 && now - lm > limit_s) {
            json_array_append_new(why, json_string("not updated by the provider"));
            if (now - lm > worst)
                worst = now - lm;
        }
        if (!json_array_size(why)) {
            json_decref(why);
            continue;
        }
        if (!rows_take(&acc)) {
            json_decref(why);
            continue;
        }
        char seen[32] = "", changed[32] = "";
        if (r->last_seen > 0)
            sp_time_format(r->last_seen, seen);
        if (r->last_changed > 0)
            sp_time_format(r->last_changed, changed);
        json_array_append_new(
            acc.rows, json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s,s:s,s:s?,s:I,s:o}", "id", r->id,
                            "name", r->name, "organization", r->org, "source", r->source,
                            "cluster_id", r->cluster, "last_seen", seen, "last_changed",
                            changed, "last_modified", r->last_modified, "days",
                            (json_int_t)(worst / 86400), "reasons", why));
    }
    json_t *rep = report(h, f, acc.rows, acc.total, stale_cols);
    if (rep)
        json_object_set_new(rep, "days", json_integer(days));
    return rep;
}

/* ---- sources ---- */

json_t *hub_sources(const hub *h, const hub_filter *f, sp_err *err)
{
    uint64_t bm = borough_scope(h, f);
    uint64_t all = h->nb >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << h->nb) - 1);
    int64_t now = f->now ? f->now : sp_now();
    int64_t stale_s = (int64_t)HUB_DEFAULT_STALE_DAYS * 86400;
    /* sources known to the crawler, then any others the records name */
    const char **names = calloc(h->nsrc + h->n + 1, sizeof *names);
    json_t *rows = json_array();
    if (!names || !rows) {
        free(names);
        json_decref(rows);
        return oom(err);
    }
    size_t nn = 0;
    for (size_t i = 0; i < h->nsrc; i++)
        names[nn++] = h->src[i].name;
    for (size_t i = 0; i < h->n; i++)
        names[nn++] = h->r[i].source ? h->r[i].source : "";
    qsort(names, nn, sizeof *names, cmp_str);
    size_t total = 0;
    for (size_t i = 0; i < nn; i++) {
        if (i && !strcmp(names[i], names[i - 1]))
            continue;
        const src_row *s = NULL;
        for (size_t k = 0; k < h->nsrc; k++)
            if (!strcmp(h->src[k].name, names[i]))
                s = &h->src[k];
        size_t recs = 0, dup = 0, stale = 0;
        for (size_t k = 0; k < h->n; k++) {
            const hrec *r = &h->r[k];
            if (strcmp(r->source ? r->source : "", names[i]))
                continue;
            const unit *u = &h->u[r->unit];
            if (bm != all && !(u->bor & bm) && !u->london_wide)
                continue;
            recs++;
            dup += u->n > 1;
            int64_t lm = r->last_modified ? sp_time_parse(r->last_modified) : -1;
            stale += (lm > 0 && now - lm > stale_s) ||
                     (r->last_seen > 0 && now - r->last_seen > stale_s);
        }
        if (bm != all && !recs)
            continue;
        const char *health = "ok";
        if (!s)
            health = "not crawled";
        else if (s->failing_since > 0)
            health = "failing";
        else if (!s->last_success)
            health = s->running ? "crawling" : "never succeeded";
        else if (s->urls_failed > 0)
            health = "some pages failing";
        char ls[32] = "", le[32] = "", fs[32] = "";
        if (s && s->last_success)
            sp_time_format(s->last_success, ls);
        if (s && s->last_error)
            sp_time_format(s->last_error, le);
        if (s && s->failing_since)
            sp_time_format(s->failing_since, fs);
        total++;
        json_array_append_new(
            rows,
            json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:s,s:s,s:s?,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "source",
                      names[i], "health", health, "kind", s ? s->kind : NULL, "url",
                      s ? s->url : NULL, "last_success", ls, "last_error", le, "failing_since",
                      fs, "last_error_message", s ? s->last_error_msg : NULL, "pages",
                      (json_int_t)(s ? s->pages : 0), "documents",
                      (json_int_t)(s ? s->documents : 0), "urls_failed",
                      (json_int_t)(s ? s->urls_failed : 0), "urls_gone",
                      (json_int_t)(s ? s->urls_gone : 0), "records", (json_int_t)recs,
                      "duplicated_elsewhere", (json_int_t)dup, "stale", (json_int_t)stale));
    }
    free(names);
    return report(h, f, rows, total, src_cols);
}

/* ---- CSV ---- */

/* Append v as a CSV cell; b's sticky error, or SP_ENOMEM when joining an
 * array's strings failed. */
static int csv_value(sp_buf *b, const json_t *v)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING: sp_csv_cell(b, json_string_value(v)); break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        sp_buf_puts(b, num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof num, "%g", json_real_value(v));
        sp_buf_puts(b, num);
        break;
    case JSON_TRUE: sp_buf_puts(b, "true"); break;
    case JSON_FALSE: sp_buf_puts(b, "false"); break;
    case JSON_ARRAY: {
        /* arrays of strings joined; anything nested is not a CSV value
         * (reports list only flat columns, so this does not happen) */
        sp_buf j = {0};
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (!json_is_string(x))
                continue;
            if (j.len)
                sp_buf_puts(&j, "; ");
            sp_buf_puts(&j, json_string_value(x));
        }
        const char *joined = sp_buf_cstr(&j);
        if (!joined)
            return SP_ENOMEM;
        sp_csv_cell(b, joined);
        sp_buf_free(&j);
        break;
    }
    default: break;
    }
    return sp_buf_error(b);
}

char *hub_rows_csv(const json_t *report_json)
{
    const json_t *rows = json_object_get(report_json, "rows");
    const json_t *cols = json_object_get(report_json, "columns");
    sp_buf b = {0};
    size_t i, k;
    json_t *row, *c;
    json_array_foreach(cols, k, c)
    {
        if (k)
            sp_buf_puts(&b, ",");
        sp_csv_cell(&b, json_string_value(c));
    }
    sp_buf_puts(&b, "\r\n");
    json_array_foreach(rows, i, row)
    {
        json_array_foreach(cols, k, c)
        {
            if (k)
                sp_buf_puts(&b, ",");
            const json_t *v = json_object_get(row, json_string_value(c));
            if (v && csv_value(&b, v) != SP_OK) {
                sp_buf_free(&b);
                return NULL;
            }
        }
        sp_buf_puts(&b, "\r\n");
    }
    return sp_buf_steal(&b);
}
