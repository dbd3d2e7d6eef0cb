/*
 * dedupe_feat.c - a record's features for linkage (dedupe.h, step 1):
 * normalised names, URLs, phones, postcodes, e-mails and identifiers, the
 * hashed key sets compared and blocked on, and the description's MinHash
 * signature; the set that holds them; and the features as bytes, which
 * dedupe_store.c keeps per record (hub_features) so an incremental run
 * reads a changed record from the index and every other one from there.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dedupe_impl.h"

#define MAX_TOKENS 64        /* tokens kept per name */
#define MAX_DESC_BYTES 8192  /* description bytes shingled */
#define MAX_KEYS 8           /* phones, postcodes, identifiers kept */

/* ---- small helpers ---- */

uint64_t dd_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

int dd_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}


int dd_hset_from(hset *h, uint64_t *tmp, size_t n)
{
    qsort(tmp, n, sizeof *tmp, dd_cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || tmp[k - 1] != tmp[i])
            tmp[k++] = tmp[i];
    h->n = (uint16_t)k;
    h->v = NULL;
    if (!k)
        return SP_OK;
    h->v = malloc(k * sizeof *h->v);
    if (!h->v)
        return SP_ENOMEM;
    memcpy(h->v, tmp, k * sizeof *h->v);
    return SP_OK;
}

size_t dd_hset_common(const hset *a, const hset *b)
{
    size_t i = 0, j = 0, c = 0;
    while (i < a->n && j < b->n) {
        if (a->v[i] == b->v[j]) {
            c++;
            i++;
            j++;
        } else if (a->v[i] < b->v[j]) {
            i++;
        } else {
            j++;
        }
    }
    return c;
}

/* ---- normalisation ---- */

static const char *const stopwords[] = {"the", "a", "an", "of", "and", "for", "in", "at", "to",
                                        "with", "on", "by", NULL};
static const char *const org_suffixes[] = {"ltd", "limited", "trust", "cic", "plc", "llp",
                                           "inc", "co", "company", "uk", "charity", "cio",
                                           NULL};
/* Abbreviations directories use, folded to one spelling. */
static const char *const abbrevs[][2] = {
    {"ctr", "centre"},          {"center", "centre"},     {"cntr", "centre"},
    {"assoc", "association"},   {"assn", "association"},  {"intl", "international"},
    {"dept", "department"},     {"govt", "government"},   {"svc", "service"},
    {"svcs", "services"},       {"serv", "service"},      {"mgmt", "management"},
    {"info", "information"},    {"trg", "training"},      {"trng", "training"},
    {"emp", "employment"},      {"empl", "employment"},   {"prog", "programme"},
    {"program", "programme"},   {"progs", "programmes"},  {"comm", "community"},
    {"cmty", "community"},      {"dev", "development"},   {"edu", "education"},
    {"educ", "education"},      {"coll", "college"},      {"univ", "university"},
    {"natl", "national"},       {"nat", "national"},      {"yp", "young-people"},
    {"st", "saint"},            {"hse", "house"},         {"rd", "road"},
    {"bldg", "building"},       {"vol", "volunteer"},     {"vols", "volunteers"},
    {"wk", "work"},             {"advc", "advice"},       {"adv", "advice"},
    {"grp", "group"},           {"apprenticeship", "apprenticeships"},
    {"skill", "skills"},        {"job", "jobs"},          {"course", "courses"},
    {"organisation", "organization"}, {"centres", "centre"}, {"services", "service"},
    {"+", "and"},
};
/* Words that tell two services of one provider apart when only one name
 * has them: levels, sessions, places on a ladder. */
static const char *const discriminators[] = {
    "entry", "level", "beginner", "beginners", "intermediate", "advanced", "pre", "higher",
    "foundation", "morning", "afternoon", "evening", "weekend", "saturday", "sunday",
    "monday", "tuesday", "wednesday", "thursday", "friday", "part", "full", "junior",
    "senior", "women", "men", "youth", "adults", "online", "remote", "i", "ii", "iii",
    "iv", "one", "two", "three", "four", "five", "gcse", "a-level", "refresher", NULL};

static bool in_list(const char *const *list, const char *w)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], w))
            return true;
    return false;
}

static const char *fold_abbrev(const char *w)
{
    for (size_t i = 0; i < sizeof abbrevs / sizeof abbrevs[0]; i++)
        if (!strcmp(abbrevs[i][0], w))
            return abbrevs[i][1];
    return w;
}

/* Split text into lower-case word tokens ('&' and '+' are "and"; an
 * apostrophe joins; other punctuation splits).  Calls fn per token. */
typedef void (*token_fn)(void *ctx, const char *w);

static void tokenize(const char *s, size_t max_bytes, token_fn fn, void *ctx)
{
    char w[64];
    size_t n = 0;
    if (!s)
        return;
    for (size_t i = 0;; i++) {
        unsigned char c = i < max_bytes ? (unsigned char)s[i] : 0;
        bool word = c && (isalnum(c) || c >= 0x80);
        if (c == '\'' || (c == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
                          (unsigned char)s[i + 2] == 0x99)) {
            if (c == 0xe2)
                i += 2;
            continue; /* workers' = workers; a curly apostrophe too */
        }
        if (word) {
            if (n < sizeof w - 1)
                w[n++] = (char)tolower(c);
            continue;
        }
        if (n) {
            w[n] = '\0';
            fn(ctx, w);
            n = 0;
        }
        if (c == '&' || c == '+')
            fn(ctx, "and");
        if (!c)
            break;
    }
}

typedef struct name_ctx {
    char buf[512];
    size_t len;
    uint64_t hashes[MAX_TOKENS];
    size_t n;
    bool org;
    uint64_t disc[MAX_TOKENS];
    size_t n_disc;
} name_ctx;

static bool has_digit(const char *w)
{
    for (; *w; w++)
        if (isdigit((unsigned char)*w))
            return true;
    return false;
}

static void name_token(void *ctx, const char *w)
{
    name_ctx *c = ctx;
    w = fold_abbrev(w);
    if (in_list(stopwords, w))
        return;
    if (c->org && in_list(org_suffixes, w))
        return;
    if (c->n >= MAX_TOKENS)
        return;
    uint64_t h = sp_fnv1a64(w, strlen(w));
    c->hashes[c->n++] = h;
    if (has_digit(w) || in_list(discriminators, w))
        c->disc[c->n_disc++] = h;
    size_t wl = strlen(w);
    if (c->len + wl + 2 < sizeof c->buf) {
        if (c->len)
            c->buf[c->len++] = ' ';
        memcpy(c->buf + c->len, w, wl);
        c->len += wl;
        c->buf[c->len] = '\0';
    }
}

/* "02079460268" from "+44 (0)20 7946 0268", "020-7946-0268", "0044 20 ..." */
static bool norm_phone(const char *s, char out[20])
{
    char d[32];
    size_t n = 0;
    for (; s && *s && n < sizeof d - 1; s++)
        if (*s >= '0' && *s <= '9')
            d[n++] = *s;
    d[n] = '\0';
    size_t skip = 0;
    if (n > 4 && d[0] == '0' && d[1] == '0' && d[2] == '4' && d[3] == '4')
        skip = 4;
    else if (n >= 12 && d[0] == '4' && d[1] == '4')
        skip = 2;
    if (skip && d[skip] == '0')
        skip++; /* +44 (0)20 ... */
    const char *p = d + skip;
    size_t len = n - skip;
    if (skip)
        len = strlen(p);
    if (!skip && p[0] == '0') {
        p++;
        len--;
    }
    if (len < 9 || len > 10)
        return false;
    snprintf(out, 20, "0%.18s", p);
    return true;
}

static bool norm_postcode(const char *s, char out[12])
{
    size_t n = 0;
    for (; s && *s && n < 11; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)toupper((unsigned char)*s);
    out[n] = '\0';
    return n >= 5 && n <= 7;
}

/* "host/path" without scheme, "www.", query, fragment or trailing "/". */
static char *norm_url(const char *u)
{
    if (!u || !*u)
        return NULL;
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    if (!strncasecmp(p, "www.", 4))
        p += 4;
    size_t n = strcspn(p, "?#");
    while (n > 0 && p[n - 1] == '/')
        n--;
    char *out = sp_strndup(p, n);
    if (!out)
        return NULL;
    for (char *q = out; *q && *q != '/'; q++)
        *q = (char)tolower((unsigned char)*q);
    /* index.html and the like name the folder's page */
    char *slash = strrchr(out, '/');
    if (slash && (!strcmp(slash, "/index.html") || !strcmp(slash, "/index.htm")))
        *slash = '\0';
    return out;
}

static char *lower_dup(const char *s)
{
    char *o = sp_strdup(s);
    if (!o)
        return NULL;
    size_t n = strlen(o);
    while (n && isspace((unsigned char)o[n - 1]))
        o[--n] = '\0';
    for (char *q = o; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return o;
}

/* ---- features ---- */


int dedupe_set_new(dedupe_set **out, sp_err *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
}

void dd_feat_free(feat *f)
{
    char **strs[] = {&f->id,       &f->source,   &f->name,      &f->org,      &f->url,
                     &f->email,    &f->name_key, &f->display_name, &f->boroughs,
                     &f->subregions, &f->groups, &f->categories, &f->modes,   &f->funders,
                     &f->postcode, &f->schedule, &f->status,    &f->last_modified,
                     &f->cluster_id, &f->url_raw, &f->source_url};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    hset *sets[] = {&f->name_tok, &f->org_tok, &f->disc, &f->phones, &f->postcodes,
                    &f->idents, &f->bor, &f->cat};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        free(sets[i]->v);
}

void dedupe_set_free(dedupe_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        dd_feat_free(&s->f[i]);
    free(s->f);
    free(s);
}

typedef struct shingle_ctx {
    uint64_t prev;
    bool have_prev;
    uint32_t *sig;
    size_t n;
} shingle_ctx;

static void shingle_token(void *ctx, const char *w)
{
    shingle_ctx *c = ctx;
    if (in_list(stopwords, w))
        return;
    uint64_t h = sp_fnv1a64(w, strlen(w));
    if (c->have_prev) {
        uint64_t sh = dd_mix(c->prev * 31 + h);
        for (size_t k = 0; k < DEDUPE_MINHASH; k++) {
            uint32_t v = (uint32_t)(dd_mix(sh ^ (0x51ed2701u * (k + 1))) >> 32);
            if (v < c->sig[k])
                c->sig[k] = v;
        }
        c->n++;
    }
    c->prev = h;
    c->have_prev = true;
}

/* The slugs of t, a line each; NULL for none.  A failed append ORs
 * SP_ENOMEM into *rc. */
static char *join_tags(const rec_tags *t, int *rc)
{
    sp_buf b = {0};
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            sp_buf_puts(&b, "\n");
        sp_buf_puts(&b, t->v[i].slug ? t->v[i].slug : "");
    }
    *rc |= sp_buf_error(&b);
    return b.len ? sp_buf_steal(&b) : NULL;
}

static int tagset(hset *h, const rec_tags *t)
{
    uint64_t tmp[256];
    size_t n = 0;
    for (size_t i = 0; i < t->n && n < 256; i++)
        if (t->v[i].slug)
            tmp[n++] = sp_fnv1a64(t->v[i].slug, strlen(t->v[i].slug));
    return dd_hset_from(h, tmp, n);
}

/* A schedule as "byday opens-closes" lines, sorted; hashed for comparing. */
static char *schedule_text(const rec_service *r, int *rc)
{
    sp_buf b = {0};
    for (size_t i = 0; i < r->n_schedules && i < 8; i++) {
        const rec_schedule *s = &r->schedules[i];
        if (!s->byday && !s->opens_at)
            continue;
        if (b.len)
            sp_buf_puts(&b, "; ");
        sp_buf_printf(&b, "%s %.5s-%.5s", s->byday ? s->byday : "*",
                      s->opens_at ? s->opens_at : "", s->closes_at ? s->closes_at : "");
    }
    *rc |= sp_buf_error(&b);
    return b.len ? sp_buf_steal(&b) : NULL;
}

/* Room for one more record. */
static int set_reserve(dedupe_set *s, sp_err *err)
{
    if (s->n >= DEDUPE_MAX_RECORDS)
        return sp_fail(err, SP_ELIMIT, "more than %d records to link", DEDUPE_MAX_RECORDS);
    if (sp_grow(&s->f, &s->cap, s->n + 1, sizeof *s->f, 1024) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    return SP_OK;
}

int dedupe_set_add(dedupe_set *s, const rec_service *r, sp_err *err)
{
    if (!r->id)
        return SP_OK;
    int rc = set_reserve(s, err);
    if (rc != SP_OK)
        return rc;
    feat *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    f->id = sp_strdup(r->id);
    f->source = sp_strdup(r->prov.source_id);
    f->source_url = sp_strdup(r->prov.source_url);
    f->display_name = sp_strdup(r->name);
    f->org = sp_strdup(r->organization.name);
    f->url_raw = sp_strdup(r->url ? r->url : r->organization.website);
    f->url = norm_url(r->url);
    f->email = r->email ? lower_dup(r->email) : NULL;
    f->cluster_id = sp_strdup(r->cluster_id);

    name_ctx nc;
    memset(&nc, 0, sizeof nc);
    tokenize(r->name, 512, name_token, &nc);
    f->name_key = nc.len ? sp_strdup(nc.buf) : NULL;
    rc |= dd_hset_from(&f->name_tok, nc.hashes, nc.n);
    rc |= dd_hset_from(&f->disc, nc.disc, nc.n_disc);
    memset(&nc, 0, sizeof nc);
    nc.org = true;
    tokenize(r->organization.name, 512, name_token, &nc);
    rc |= dd_hset_from(&f->org_tok, nc.hashes, nc.n);

    uint64_t tmp[MAX_KEYS * 4];
    size_t n = 0;
    char buf[24];
    const rec_phone *lists[2] = {r->phones, NULL};
    size_t counts[2] = {r->n_phones, 0};
    for (size_t li = 0; li < 1; li++)
        for (size_t i = 0; i < counts[li] && n < MAX_KEYS; i++)
            if (norm_phone(lists[li][i].number, buf))
                tmp[n++] = sp_fnv1a64(buf, strlen(buf));
    for (size_t l = 0; l < r->n_locations; l++)
        for (size_t i = 0; i < r->locations[l].n_phones && n < MAX_KEYS; i++)
            if (norm_phone(r->locations[l].phones[i].number, buf))
                tmp[n++] = sp_fnv1a64(buf, strlen(buf));
    rc |= dd_hset_from(&f->phones, tmp, n);

    n = 0;
    f->lat = f->lon = NAN;
    for (size_t l = 0; l < r->n_locations; l++) {
        const rec_location *loc = &r->locations[l];
        if (loc->has_coords && isnan(f->lat)) {
            f->lat = loc->latitude;
            f->lon = loc->longitude;
        }
        for (size_t a = 0; a < loc->n_addresses && n < MAX_KEYS; a++)
            if (norm_postcode(loc->addresses[a].postal_code, buf)) {
                tmp[n++] = sp_fnv1a64(buf, strlen(buf));
                if (!f->postcode)
                    f->postcode = sp_strdup(loc->addresses[a].postal_code);
            }
    }
    rc |= dd_hset_from(&f->postcodes, tmp, n);

    n = 0;
    for (size_t i = 0; i < r->organization.n_identifiers && n < MAX_KEYS; i++) {
        const rec_identifier *id = &r->organization.identifiers[i];
        if (!id->identifier)
            continue;
        char key[128];
        size_t k = 0;
        const char *t = id->identifier_type ? id->identifier_type : "";
        for (; *t && k < 40; t++)
            if (isalnum((unsigned char)*t))
                key[k++] = (char)tolower((unsigned char)*t);
        key[k++] = ':';
        for (t = id->identifier; *t && k < sizeof key - 1; t++)
            if (isalnum((unsigned char)*t))
                key[k++] = (char)toupper((unsigned char)*t);
        /* leading zeros of company numbers are not significant */
        key[k] = '\0';
        tmp[n++] = sp_fnv1a64(key, k);
    }
    rc |= dd_hset_from(&f->idents, tmp, n);

    rc |= tagset(&f->bor, &r->boroughs);
    rc |= tagset(&f->cat, &r->categories);
    f->boroughs = join_tags(&r->boroughs, &rc);
    f->subregions = join_tags(&r->subregions, &rc);
    f->groups = join_tags(&r->groups, &rc);
    f->categories = join_tags(&r->categories, &rc);
    f->modes = join_tags(&r->modes, &rc);
    f->pan_london = r->pan_london;
    sp_buf fb = {0};
    for (size_t i = 0; i < r->n_fundings && i < 8; i++)
        if (r->fundings[i].source) {
            if (fb.len)
                sp_buf_puts(&fb, "\n");
            sp_buf_puts(&fb, r->fundings[i].source);
        }
    rc |= sp_buf_error(&fb);
    f->funders = fb.len ? sp_buf_steal(&fb) : NULL;
    f->schedule = schedule_text(r, &rc);
    f->sched = f->schedule ? sp_fnv1a64(f->schedule, strlen(f->schedule)) : 0;
    f->status = sp_strdup(r->status);
    f->last_modified = sp_strdup(r->last_modified);
    f->min_age = r->minimum_age;
    f->max_age = r->maximum_age;
    f->first_seen = r->prov.first_seen;
    f->last_seen = r->prov.last_seen;
    f->last_changed = r->prov.last_changed;

    shingle_ctx sc = {.sig = f->sig};
    for (size_t k = 0; k < DEDUPE_MINHASH; k++)
        f->sig[k] = UINT32_MAX;
    tokenize(r->description, MAX_DESC_BYTES, shingle_token, &sc);
    f->has_desc = sc.n >= 3;
    s->n++;
    if (rc != SP_OK) {
        s->n--;
        dd_feat_free(f);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    return SP_OK;
}

void dedupe_set_facts(const dedupe_set *s, size_t i, dedupe_facts *o)
{
    const feat *f = &s->f[i];
    memset(o, 0, sizeof *o);
    o->id = f->id;
    o->cluster_id = f->cluster_id;
    o->source = f->source;
    o->source_url = f->source_url;
    o->name = f->display_name;
    o->org = f->org;
    o->url = f->url_raw;
    o->boroughs = f->boroughs;
    o->subregions = f->subregions;
    o->groups = f->groups;
    o->categories = f->categories;
    o->modes = f->modes;
    o->funders = f->funders;
    o->postcode = f->postcode;
    o->schedule = f->schedule;
    o->status = f->status;
    o->last_modified = f->last_modified;
    o->pan_london = f->pan_london;
    o->lat = f->lat;
    o->lon = f->lon;
    o->min_age = f->min_age;
    o->max_age = f->max_age;
    o->first_seen = f->first_seen;
    o->last_seen = f->last_seen;
    o->last_changed = f->last_changed;
    o->sig = f->sig;
}

/* ---- features as bytes ---- */

/* Layout (host byte order: the cache lives beside the index on one
 * machine): a version byte, then the strings (u32 length + bytes, length
 * UINT32_MAX for none), the key sets (u16 count + u64 each), then the
 * numbers.  Only what comparing and blocking read is kept: a record read
 * back from here is never written to hub_records (only a changed one is,
 * and that one comes from the index), so its display fields stay NULL.
 * cluster_id is not in it either: it is a column of its own. */
#define FEAT_VERSION 2
#define FEAT_MAX_STR (1u << 20)
#define FEAT_N_STRS 5

/* The strings of f, in their order in the bytes. */
static void feat_strs(feat *f, char **v[FEAT_N_STRS])
{
    char **p[FEAT_N_STRS] = {&f->id, &f->url, &f->email, &f->name_key, &f->postcode};
    memcpy(v, p, sizeof p);
}

static hset *feat_sets(feat *f, size_t i)
{
    hset *sets[] = {&f->name_tok, &f->org_tok, &f->disc, &f->phones,
                    &f->postcodes, &f->idents, &f->bor, &f->cat};
    return i < sizeof sets / sizeof sets[0] ? sets[i] : NULL;
}

int dd_feat_encode(const feat *fc, unsigned char **out, size_t *len)
{
    feat *f = (feat *)fc; /* only read */
    sp_buf b = {0};
    int rc = 0;
    unsigned char v = FEAT_VERSION;
    rc |= sp_buf_append(&b, (const char *)&v, 1);
    char **strs[FEAT_N_STRS];
    feat_strs(f, strs);
    for (size_t i = 0; i < FEAT_N_STRS; i++) {
        const char *s = *strs[i];
        uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
        rc |= sp_buf_append(&b, (const char *)&n, sizeof n);
        if (s)
            rc |= sp_buf_append(&b, s, n);
    }
    hset *h;
    for (size_t i = 0; (h = feat_sets(f, i)) != NULL; i++) {
        rc |= sp_buf_append(&b, (const char *)&h->n, sizeof h->n);
        if (h->n)
            rc |= sp_buf_append(&b, (const char *)h->v, h->n * sizeof *h->v);
    }
    unsigned char flags = (unsigned char)(f->has_desc | (f->pan_london << 1));
    rc |= sp_buf_append(&b, (const char *)&flags, 1);
    rc |= sp_buf_append(&b, (const char *)&f->sched, sizeof f->sched);
    rc |= sp_buf_append(&b, (const char *)f->sig, sizeof f->sig);
    double d[4] = {f->lat, f->lon, f->min_age, f->max_age};
    rc |= sp_buf_append(&b, (const char *)d, sizeof d);
    int64_t t[3] = {f->first_seen, f->last_seen, f->last_changed};
    rc |= sp_buf_append(&b, (const char *)t, sizeof t);
    if (rc != SP_OK) {
        sp_buf_free(&b);
        return SP_ENOMEM;
    }
    *len = b.len;
    *out = (unsigned char *)sp_buf_steal(&b);
    return *out ? SP_OK : SP_ENOMEM;
}

typedef struct reader {
    const unsigned char *p;
    size_t left;
    bool bad;
} reader;

static void take(reader *r, void *dst, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
}

int dd_set_add_encoded(dedupe_set *s, const unsigned char *p, size_t len, sp_err *err)
{
    int rc = set_reserve(s, err);
    if (rc != SP_OK)
        return rc;
    feat *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    reader r = {p, len, false};
    unsigned char v = 0;
    take(&r, &v, 1);
    r.bad |= v != FEAT_VERSION;
    bool oom = false;
    char **strs[FEAT_N_STRS];
    feat_strs(f, strs);
    for (size_t i = 0; i < FEAT_N_STRS && !r.bad; i++) {
        uint32_t n;
        take(&r, &n, sizeof n);
        if (n == UINT32_MAX || r.bad)
            continue;
        if (n > FEAT_MAX_STR || n > r.left) {
            r.bad = true;
            break;
        }
        *strs[i] = sp_strndup((const char *)r.p, n);
        oom |= !*strs[i];
        r.p += n;
        r.left -= n;
    }
    hset *h;
    for (size_t i = 0; (h = feat_sets(f, i)) != NULL && !r.bad; i++) {
        take(&r, &h->n, sizeof h->n);
        if (!h->n || r.bad)
            continue;
        if ((size_t)h->n * sizeof *h->v > r.left) {
            h->n = 0;
            r.bad = true;
            break;
        }
        h->v = malloc(h->n * sizeof *h->v);
        if (!h->v) {
            h->n = 0;
            oom = true;
            break;
        }
        take(&r, h->v, h->n * sizeof *h->v);
    }
    unsigned char flags = 0;
    take(&r, &flags, 1);
    f->has_desc = flags & 1;
    f->pan_london = (flags >> 1) & 1;
    take(&r, &f->sched, sizeof f->sched);
    take(&r, f->sig, sizeof f->sig);
    double d[4];
    take(&r, d, sizeof d);
    f->lat = d[0];
    f->lon = d[1];
    f->min_age = d[2];
    f->max_age = d[3];
    int64_t t[3];
    take(&r, t, sizeof t);
    f->first_seen = t[0];
    f->last_seen = t[1];
    f->last_changed = t[2];
    if (r.bad || r.left || oom || !f->id) {
        dd_feat_free(f);
        return oom ? sp_fail(err, SP_ENOMEM, "out of memory")
                   : sp_fail(err, SP_EINVAL, "a cached record's features are not readable");
    }
    s->n++;
    return SP_OK;
}
