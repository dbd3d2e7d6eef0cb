/*
 * dedupe.c - duplicate records: features, blocking, scoring with evidence,
 * clustering under decisions, and the store tables (see dedupe.h).
 *
 * The scores are log-odds points, written so that a hub user can read why
 * two records were linked: a prior of DEDUPE_PRIOR (most pairs that share a
 * block are still different services) plus one weight per field compared.
 * The weights were set by hand for the kinds of evidence directories carry
 * and checked against tests/hub/data/pairs.tsv; they reward what identifies
 * one service (its own URL, its name) more than what identifies its
 * organisation (e-mail, phone, address), and punish what tells two services
 * of one organisation apart (a different level or number in the name,
 * another schedule, another postcode).
 */
#define _GNU_SOURCE
#include "dedupe.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"

#define DEDUPE_PRIOR (-6.0)
#define MAX_TOKENS 64        /* tokens kept per name */
#define MAX_DESC_BYTES 8192  /* description bytes shingled */
#define MAX_KEYS 8           /* phones, postcodes, identifiers kept */
#define ROWS (DEDUPE_MINHASH / DEDUPE_BANDS)

/* ---- small helpers ---- */

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A set of hashed keys, sorted and unique. */
typedef struct hset {
    uint64_t *v;
    uint16_t n;
} hset;

static int hset_from(hset *h, uint64_t *tmp, size_t n)
{
    qsort(tmp, n, sizeof *tmp, cmp_u64);
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

static size_t hset_common(const hset *a, const hset *b)
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
    uint64_t h = fnv(w, strlen(w));
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

typedef struct feat {
    char *id, *source, *name, *org, *url, *email, *name_key, *display_name;
    char *boroughs, *subregions, *groups, *categories, *modes, *funders, *postcode,
        *schedule, *status, *last_modified, *cluster_id, *url_raw, *source_url;
    hset name_tok, org_tok, disc, phones, postcodes, idents, bor, cat;
    uint64_t sched;
    uint32_t sig[DEDUPE_MINHASH];
    bool has_desc, pan_london;
    double lat, lon, min_age, max_age;
    int64_t first_seen, last_seen, last_changed;
} feat;

struct dedupe_set {
    feat *f;
    size_t n, cap;
};

int dedupe_set_new(dedupe_set **out, sp_err *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
}

static void feat_free(feat *f)
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
        feat_free(&s->f[i]);
    free(s->f);
    free(s);
}

size_t dedupe_set_count(const dedupe_set *s)
{
    return s ? s->n : 0;
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
    uint64_t h = fnv(w, strlen(w));
    if (c->have_prev) {
        uint64_t sh = mix(c->prev * 31 + h);
        for (size_t k = 0; k < DEDUPE_MINHASH; k++) {
            uint32_t v = (uint32_t)(mix(sh ^ (0x51ed2701u * (k + 1))) >> 32);
            if (v < c->sig[k])
                c->sig[k] = v;
        }
        c->n++;
    }
    c->prev = h;
    c->have_prev = true;
}

static char *join_tags(const rec_tags *t)
{
    sp_buf b = {0};
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            sp_buf_puts(&b, "\n");
        sp_buf_puts(&b, t->v[i].slug ? t->v[i].slug : "");
    }
    return b.len ? sp_buf_steal(&b) : NULL;
}

static int tagset(hset *h, const rec_tags *t)
{
    uint64_t tmp[256];
    size_t n = 0;
    for (size_t i = 0; i < t->n && n < 256; i++)
        if (t->v[i].slug)
            tmp[n++] = fnv(t->v[i].slug, strlen(t->v[i].slug));
    return hset_from(h, tmp, n);
}

/* A schedule as "byday opens-closes" lines, sorted; hashed for comparing. */
static char *schedule_text(const rec_service *r)
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
    return b.len ? sp_buf_steal(&b) : NULL;
}

int dedupe_set_add(dedupe_set *s, const rec_service *r, sp_err *err)
{
    if (!r->id)
        return SP_OK;
    if (s->n >= DEDUPE_MAX_RECORDS)
        return sp_fail(err, SP_ELIMIT, "more than %d records to link", DEDUPE_MAX_RECORDS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        feat *v = realloc(s->f, cap * sizeof *v);
        if (!v)
            return sp_fail(err, SP_ENOMEM, "out of memory");
        s->f = v;
        s->cap = cap;
    }
    feat *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    int rc = SP_OK;
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
    rc |= hset_from(&f->name_tok, nc.hashes, nc.n);
    rc |= hset_from(&f->disc, nc.disc, nc.n_disc);
    memset(&nc, 0, sizeof nc);
    nc.org = true;
    tokenize(r->organization.name, 512, name_token, &nc);
    rc |= hset_from(&f->org_tok, nc.hashes, nc.n);

    uint64_t tmp[MAX_KEYS * 4];
    size_t n = 0;
    char buf[24];
    const rec_phone *lists[2] = {r->phones, NULL};
    size_t counts[2] = {r->n_phones, 0};
    for (size_t li = 0; li < 1; li++)
        for (size_t i = 0; i < counts[li] && n < MAX_KEYS; i++)
            if (norm_phone(lists[li][i].number, buf))
                tmp[n++] = fnv(buf, strlen(buf));
    for (size_t l = 0; l < r->n_locations; l++)
        for (size_t i = 0; i < r->locations[l].n_phones && n < MAX_KEYS; i++)
            if (norm_phone(r->locations[l].phones[i].number, buf))
                tmp[n++] = fnv(buf, strlen(buf));
    rc |= hset_from(&f->phones, tmp, n);

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
                tmp[n++] = fnv(buf, strlen(buf));
                if (!f->postcode)
                    f->postcode = sp_strdup(loc->addresses[a].postal_code);
            }
    }
    rc |= hset_from(&f->postcodes, tmp, n);

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
        tmp[n++] = fnv(key, k);
    }
    rc |= hset_from(&f->idents, tmp, n);

    rc |= tagset(&f->bor, &r->boroughs);
    rc |= tagset(&f->cat, &r->categories);
    f->boroughs = join_tags(&r->boroughs);
    f->subregions = join_tags(&r->subregions);
    f->groups = join_tags(&r->groups);
    f->categories = join_tags(&r->categories);
    f->modes = join_tags(&r->modes);
    f->pan_london = r->pan_london;
    sp_buf fb = {0};
    for (size_t i = 0; i < r->n_fundings && i < 8; i++)
        if (r->fundings[i].source) {
            if (fb.len)
                sp_buf_puts(&fb, "\n");
            sp_buf_puts(&fb, r->fundings[i].source);
        }
    f->funders = fb.len ? sp_buf_steal(&fb) : NULL;
    f->schedule = schedule_text(r);
    f->sched = f->schedule ? fnv(f->schedule, strlen(f->schedule)) : 0;
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
        feat_free(f);
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

/* ---- scoring ---- */

static void add_ev(dedupe_score *sc, const char *what, double w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_ev(dedupe_score *sc, const char *what, double w, const char *fmt, ...)
{
    sc->score += w;
    if (sc->n_ev >= DEDUPE_MAX_EVIDENCE || sc->brief)
        return;
    dedupe_evidence *e = &sc->ev[sc->n_ev++];
    e->what = what;
    e->weight = w;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
}

static double sig_similarity(const feat *a, const feat *b)
{
    size_t same = 0;
    for (size_t k = 0; k < DEDUPE_MINHASH; k++)
        same += a->sig[k] == b->sig[k];
    return (double)same / DEDUPE_MINHASH;
}

static double km_between(double lat1, double lon1, double lat2, double lon2)
{
    double p = M_PI / 180.0;
    double dlat = (lat2 - lat1) * p, dlon = (lon2 - lon1) * p;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * p) * cos(lat2 * p) * sin(dlon / 2) * sin(dlon / 2);
    return 6371.0 * 2 * atan2(sqrt(h), sqrt(1 - h));
}

static bool same_host(const char *a, const char *b)
{
    size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
    return na == nb && !strncmp(a, b, na);
}

/* brief: the score only, no evidence text (linkage compares millions of
 * pairs; the evidence is written again for the links that are kept). */
static void compare(const dedupe_set *s, size_t ia, size_t ib, dedupe_score *sc, bool brief)
{
    const feat *a = &s->f[ia], *b = &s->f[ib];
    sc->score = DEDUPE_PRIOR;
    sc->n_ev = 0;
    sc->brief = brief;

    /* The service's own page is the strongest single sign. */
    if (a->url && b->url) {
        bool pa = strchr(a->url, '/') != NULL, pb = strchr(b->url, '/') != NULL;
        if (!strcmp(a->url, b->url) && pa)
            add_ev(sc, "url", 4.0, "same page %s", a->url);
        else if (!strcmp(a->url, b->url))
            add_ev(sc, "url", 1.0, "same site %s", a->url);
        else if (same_host(a->url, b->url) && pa && pb)
            add_ev(sc, "url", -1.0, "other pages of one site");
    }

    /* Names: equal after normalisation, or by token overlap. */
    if (a->name_tok.n && b->name_tok.n) {
        size_t c = hset_common(&a->name_tok, &b->name_tok);
        size_t u = a->name_tok.n + b->name_tok.n - c;
        double j = (double)c / (double)u;
        size_t mn = a->name_tok.n < b->name_tok.n ? a->name_tok.n : b->name_tok.n;
        double contain = (double)c / (double)mn;
        if (a->name_key && b->name_key && !strcmp(a->name_key, b->name_key))
            add_ev(sc, "name", 5.0, "same name \"%.60s\"", a->name_key);
        else if (contain == 1.0 && mn >= 2)
            add_ev(sc, "name", 4.5, "one name contains the other (jaccard %.2f)", j);
        else if (j >= 0.3)
            add_ev(sc, "name", 8.0 * (j - 0.45), "name tokens jaccard %.2f", j);
        else
            add_ev(sc, "name", -4.0, "different names (jaccard %.2f)", j);
        /* "ESOL Entry 1" and "ESOL Entry 3": a level or number in one name
         * and not the other tells two courses of one provider apart. */
        size_t dc = hset_common(&a->disc, &b->disc);
        if (a->disc.n + b->disc.n > 2 * dc)
            add_ev(sc, "name-level", -6.0, "names differ in a level, number or session word");
    }

    /* The organisation's name, numbers, e-mail and phone all say "same
     * organisation": they are one piece of evidence, not four, so what
     * they add together is capped (what they subtract is not). */
    double org_before = sc->score;
    size_t org_first = sc->n_ev;
    if (a->org_tok.n && b->org_tok.n) {
        size_t c = hset_common(&a->org_tok, &b->org_tok);
        double j = (double)c / (double)(a->org_tok.n + b->org_tok.n - c);
        if (j >= 0.99)
            add_ev(sc, "organisation", 1.5, "same organisation");
        else if (j >= 0.5)
            add_ev(sc, "organisation", 0.8, "organisation names jaccard %.2f", j);
        else if (j < 0.2)
            add_ev(sc, "organisation", -2.0, "different organisations (jaccard %.2f)", j);
    }

    if (a->idents.n && b->idents.n) {
        if (hset_common(&a->idents, &b->idents))
            add_ev(sc, "identifier", 1.5, "same charity/company/UKPRN number");
        else
            add_ev(sc, "identifier", -4.0, "different charity/company/UKPRN numbers");
    }

    if (a->email && b->email) {
        if (!strcmp(a->email, b->email))
            add_ev(sc, "email", 1.5, "same e-mail %.60s", a->email);
    }

    if (a->phones.n && b->phones.n) {
        if (hset_common(&a->phones, &b->phones))
            add_ev(sc, "phone", 1.5, "a phone number in common");
        else
            add_ev(sc, "phone", -1.0, "no phone number in common");
    }

    double org_sum = sc->score - org_before;
    if (org_sum > 3.0) {
        sc->score -= org_sum - 3.0;
        if (sc->n_ev < DEDUPE_MAX_EVIDENCE && !brief) {
            dedupe_evidence *e = &sc->ev[sc->n_ev++];
            e->what = "org-cap";
            e->weight = -(org_sum - 3.0);
            snprintf(e->detail, sizeof e->detail,
                     "organisation-level evidence capped at +3 (%zu items)", sc->n_ev - 1 - org_first);
        }
    }
    bool other_place = false;
    if (a->postcodes.n && b->postcodes.n) {
        other_place = !hset_common(&a->postcodes, &b->postcodes);
        if (!other_place)
            add_ev(sc, "postcode", 1.5, "same postcode %.12s", a->postcode ? a->postcode : "");
        else
            add_ev(sc, "postcode", -3.5, "different postcodes");
    } else if (!isnan(a->lat) && !isnan(b->lat)) {
        double km = km_between(a->lat, a->lon, b->lat, b->lon);
        other_place = km > 2.0;
        if (other_place)
            add_ev(sc, "location", -2.0, "%.1f km apart", km);
    }

    if (a->has_desc && b->has_desc) {
        double j = sig_similarity(a, b);
        add_ev(sc, "description", 6.0 * (j - 0.35), "description minhash similarity %.2f", j);
        if (other_place && j < 0.5)
            add_ev(sc, "place-and-text", -2.0, "another address and another description");
    }

    if (a->sched && b->sched) {
        if (a->sched == b->sched)
            add_ev(sc, "schedule", 0.5, "same schedule");
        else
            add_ev(sc, "schedule", -2.0, "different schedules");
        /* one organisation's two runs of a service: its page, name and
         * contacts agree, but nothing of the text and not the times */
        if (a->sched != b->sched && a->has_desc && b->has_desc && sig_similarity(a, b) < 0.2)
            add_ev(sc, "text-and-times", -2.0, "another description and another schedule");
    }

    if (a->bor.n && b->bor.n && !hset_common(&a->bor, &b->bor) && !a->pan_london &&
        !b->pan_london)
        add_ev(sc, "area", -3.0, "no borough in common");

    if (a->cat.n && b->cat.n && !hset_common(&a->cat, &b->cat))
        add_ev(sc, "category", -2.0, "no category in common");

    sc->probability = 1.0 / (1.0 + exp(-sc->score));
    sc->match = sc->score >= DEDUPE_THRESHOLD;
}

void dedupe_compare(const dedupe_set *s, size_t a, size_t b, dedupe_score *out)
{
    memset(out, 0, sizeof *out);
    compare(s, a, b, out, false);
}

json_t *dedupe_score_json(const dedupe_score *sc)
{
    json_t *ev = json_array();
    for (size_t i = 0; ev && i < sc->n_ev; i++)
        json_array_append_new(ev, json_pack("{s:s,s:s,s:f}", "what", sc->ev[i].what, "detail",
                                            sc->ev[i].detail, "weight",
                                            round(sc->ev[i].weight * 100) / 100));
    if (!ev)
        return NULL;
    return json_pack("{s:f,s:f,s:b,s:f,s:o}", "score", round(sc->score * 100) / 100,
                     "probability", round(sc->probability * 1000) / 1000, "match", sc->match,
                     "prior", DEDUPE_PRIOR, "evidence", ev);
}

/* ---- blocking ---- */

typedef struct bkey {
    uint64_t key;
    uint32_t sub; /* order inside a block: the name's hash, so a window over
                   * a big block compares records with like names */
    uint32_t rec;
} bkey;

static int cmp_bkey(const void *x, const void *y)
{
    const bkey *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->sub != b->sub)
        return a->sub < b->sub ? -1 : 1;
    return a->rec < b->rec ? -1 : a->rec > b->rec;
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
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4096;
        uint64_t *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return SP_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = ((uint64_t)a << 32) | b;
    return SP_OK;
}

/* Emit the candidate pairs of the blocks in keys[0..n) (sorted). */
/* weak: a big block of a weak key (a common name, common boilerplate in
 * descriptions) says nothing and is skipped; a big block of a strong key
 * (one organisation's phone or e-mail) is walked as a sorted window. */
static int emit_blocks(bkey *keys, size_t n, bool weak, pairs *p)
{
    qsort(keys, n, sizeof *keys, cmp_bkey);
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && keys[j].key == keys[i].key)
            j++;
        size_t len = j - i;
        if (weak && len > DEDUPE_BLOCK_MAX) {
            i = j;
            continue;
        }
        for (size_t x = i; x < j; x++) {
            size_t end = len <= DEDUPE_BLOCK_MAX ? j : (x + 1 + DEDUPE_WINDOW < j ? x + 1 + DEDUPE_WINDOW : j);
            for (size_t y = x + 1; y < end; y++)
                if (pairs_add(p, keys[x].rec, keys[y].rec) != SP_OK)
                    return SP_ENOMEM;
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
    uint64_t salt = mix((uint64_t)kind + 1);
    switch (kind) {
    case K_URL:
        if (f->url && strchr(f->url, '/'))
            out[n++] = fnv(f->url, strlen(f->url)) ^ salt;
        break;
    case K_EMAIL:
        if (f->email)
            out[n++] = fnv(f->email, strlen(f->email)) ^ salt;
        break;
    case K_PHONE:
        for (size_t i = 0; i < f->phones.n && n < max; i++)
            out[n++] = f->phones.v[i] ^ salt;
        break;
    case K_IDENT:
        for (size_t i = 0; i < f->idents.n && n < max; i++)
            out[n++] = f->idents.v[i] ^ salt;
        break;
    case K_NAME:
        if (f->name_key)
            out[n++] = fnv(f->name_key, strlen(f->name_key)) ^ salt;
        break;
    case K_POSTNAME:
        /* each name token with each postcode: a renamed service at the
         * same address still meets its twin */
        for (size_t p = 0; p < f->postcodes.n && p < 2; p++)
            for (size_t t = 0; t < f->name_tok.n && n < max; t++)
                out[n++] = mix(f->postcodes.v[p] ^ (f->name_tok.v[t] * 3)) ^ salt;
        break;
    default: {
        if (!f->has_desc)
            break;
        size_t band = (size_t)(kind - K_BAND0);
        uint64_t h = salt;
        for (size_t r = 0; r < ROWS; r++)
            h = mix(h ^ f->sig[band * ROWS + r]);
        out[n++] = h;
        break;
    }
    }
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
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static int cmp_idrec(const void *x, const void *y, void *ctx)
{
    const dedupe_set *s = ctx;
    return strcmp(s->f[*(const uint32_t *)x].id, s->f[*(const uint32_t *)y].id);
}

static long lookup(const dedupe_set *s, const uint32_t *sorted, const char *id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
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

int dedupe_link_all(const dedupe_set *s, const dedupe_decision *d, size_t n_d,
                    dedupe_result *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    size_t n = s->n;
    pairs p = {0};
    bkey *keys = NULL;
    uint32_t *sorted = NULL;
    scored *sc = NULL;
    long *no_a = NULL, *no_b = NULL;
    size_t n_no = 0, n_sc = 0;
    int rc = SP_OK;

    out->root = malloc((n ? n : 1) * sizeof *out->root);
    out->cluster_id = calloc(n ? n : 1, sizeof *out->cluster_id);
    sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!out->root || !out->cluster_id || !sorted)
        goto oom;
    for (size_t i = 0; i < n; i++)
        out->root[i] = sorted[i] = (uint32_t)i;
    qsort_r(sorted, n, sizeof *sorted, cmp_idrec, (void *)s);

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
                const char *nk = s->f[i].name_key;
                keys[k++] = (bkey){tmp[j], nk ? (uint32_t)fnv(nk, strlen(nk)) : 0, (uint32_t)i};
            }
        }
        if (emit_blocks(keys, k, kind == K_NAME || kind >= K_BAND0, &p) != SP_OK)
            goto oom;
        free(keys);
        keys = NULL;
        /* Keep the pair list compact between kinds. */
        if (p.n)
            qsort(p.v, p.n, sizeof *p.v, cmp_u64);
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
    if (!no_a || !no_b || !sc)
        goto oom;
    for (size_t i = 0; i < n_d; i++) {
        long a = lookup(s, sorted, d[i].a), b = lookup(s, sorted, d[i].b);
        if (a < 0 || b < 0 || a == b)
            continue;
        if (d[i].verdict == DEDUPE_NOT_SAME) {
            no_a[n_no] = a;
            no_b[n_no++] = b;
        } else {
            sc[n_sc++] = (scored){(uint32_t)(a < b ? a : b), (uint32_t)(a < b ? b : a), 100.0, true};
        }
    }
    for (size_t i = 0; i < p.n; i++) {
        uint32_t a = (uint32_t)(p.v[i] >> 32), b = (uint32_t)p.v[i];
        dedupe_score one;
        compare(s, a, b, &one, true);
        if (one.match) {
            sc[n_sc++] = (scored){a, b, one.score, false};
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
    memset(r, 0, sizeof *r);
}

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
    "CREATE TABLE IF NOT EXISTS hub_meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;";

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

static int save_tables(sqlite3 *db, const dedupe_set *s, const dedupe_result *res, sp_err *err)
{
    int rc = db_exec(db, "DELETE FROM hub_records; DELETE FROM hub_links;", err);
    if (rc != SP_OK)
        return rc;
    sqlite3_stmt *st = NULL, *ls = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO hub_records VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                           "?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO hub_links VALUES(?,?,?,?,?,?)", -1, &ls,
                           NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "hub tables: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (size_t i = 0; i < s->n && rc == SP_OK; i++) {
        dedupe_facts f;
        dedupe_set_facts(s, i, &f);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        bind_opt(st, 1, f.id);
        bind_opt(st, 2, res->cluster_id[i]);
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
            rc = sp_fail(err, SP_EIO, "hub records: %s", sqlite3_errmsg(db));
    }
    /* Every pair inside a cluster that scores a match (or was decided)
     * is kept with its evidence, not only the spanning links: a hub user
     * sees each reason two records were joined. */
    for (size_t l = 0; l < res->n_links && rc == SP_OK; l++) {
        const dedupe_link *k = &res->links[l];
        dedupe_score sc;
        dedupe_compare(s, k->a, k->b, &sc);
        json_t *j = dedupe_score_json(&sc);
        char *ev = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        const char *a = s->f[k->a].id, *b = s->f[k->b].id;
        if (strcmp(a, b) > 0) {
            const char *t = a;
            a = b;
            b = t;
        }
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
out:
    sqlite3_finalize(st);
    sqlite3_finalize(ls);
    return rc;
}

/* Read every record of the index, a page at a time. */
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

int dedupe_run(idx *ix, const char *store_dir, bool force, bool changed_hint,
               dedupe_stats *st, sp_err *err)
{
    memset(st, 0, sizeof *st);
    sqlite3 *db = NULL;
    dedupe_set *s = NULL;
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
    bool skip = !force && !changed_hint && last && !strcmp(last, count) &&
                !strcmp(decided ? decided : "0", applied ? applied : "0");
    free(applied);
    free(last);
    if (skip) {
        st->skipped = true;
        free(decided);
        sqlite3_close(db);
        return SP_OK;
    }
    rc = dedupe_set_new(&s, err);
    if (rc == SP_OK)
        rc = read_index(ix, s, err);
    if (rc == SP_OK)
        rc = load_decisions(db, &d, err);
    if (rc == SP_OK)
        rc = dedupe_link_all(s, d.v, d.n, &res, err);
    if (rc == SP_OK)
        rc = write_clusters(ix, s, &res, &st->changed, err);
    if (rc == SP_OK)
        rc = db_exec(db, "BEGIN IMMEDIATE", err);
    if (rc == SP_OK) {
        rc = save_tables(db, s, &res, err);
        if (rc == SP_OK && (meta_set(db, "documents", count) != SP_OK ||
                            meta_set(db, "applied", decided ? decided : "0") != SP_OK))
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
    st->records = s ? s->n : 0;
    st->candidates = res.candidates;
    st->matches = res.matches;
    st->clusters = res.clusters;
    st->clustered = res.clustered;
    st->refused = res.refused;
    dedupe_result_free(&res);
    decisions_free(&d);
    dedupe_set_free(s);
    free(decided);
    sqlite3_close(db);
    return rc;
}
