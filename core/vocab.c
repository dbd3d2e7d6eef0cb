/*
 * vocab.c - loads the reference data in data/ (see docs/data.md) for the
 * lookups vocab_lookup.c answers: canonical slugs for every facet field,
 * borough spellings, postcodes to boroughs and coordinates, taxonomy term
 * mappings and keyword matching in free text.
 *
 * Everything is read from plain TSV files once; the file contents stay in
 * memory and entries point into them.  Lookups go through small
 * open-addressing hash tables keyed by a normalised form of the text, so
 * "LB Hammersmith & Fulham", "hammersmith and fulham" and "H&F" meet;
 * each field's keywords go into two tries (any case, capitals) that
 * keyword matching walks.  Nothing is written after vocab_load returns, so
 * a vocab may be shared by any number of threads.  This file loads;
 * vocab_lookup.c answers the lookups; vocab_impl.h holds the tables both
 * see.
 */
#include "vocab.h"
#include "vocab_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const field_names[F_COUNT] = {
    "borough", "subregion", "group", "category", "mode", "cost", "referral", "language",
    "benefit", "status", /* benefit, status: eligibility (indexer/elig.c) */
    "sector"};           /* job goals (the coach page) */

/* ------------------------------------------------------------ hash map */

static uint64_t hash_str(const char *s)
{
    return sp_fnv1a64(s, strlen(s));
}

int vc_map_get(const map *m, const char *key)
{
    if (m->cap == 0 || key == NULL)
        return -1;
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

static int map_grow(map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof *keys);
    int *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return SP_ENOMEM;
    }
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->keys[j])
            continue;
        size_t i = hash_str(m->keys[j]) & (cap - 1);
        while (keys[i])
            i = (i + 1) & (cap - 1);
        keys[i] = m->keys[j];
        vals[i] = m->vals[j];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return SP_OK;
}

/* Insert key -> val unless key is present.  *existing gets the value already
 * there (or -1).  The key must outlive the map. */
static int map_put(map *m, const char *key, int val, int *existing)
{
    *existing = -1;
    if ((m->n + 1) * 2 > m->cap && map_grow(m) != SP_OK)
        return SP_ENOMEM;
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) {
            *existing = m->vals[i];
            return SP_OK;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return SP_OK;
}

static void map_free(map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ the vocab */

int vc_field_index(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(name, field_names[i]) == 0)
            return i;
    if (strcmp(name, "lang") == 0 || strcmp(name, "languages") == 0)
        return F_LANGUAGE;
    if (strcmp(name, "benefits") == 0) /* the search field's name */
        return F_BENEFIT;
    return -1;
}

/* Keep p until vocab_free.  Frees p and fails when the pool cannot grow. */
static void *pool_keep(vocab *v, void *p)
{
    if (!p)
        return NULL;
    if (sp_grow(&v->pool, &v->cap_pool, v->n_pool + 1, sizeof *v->pool, 64) != SP_OK) {
        free(p);
        return NULL;
    }
    v->pool[v->n_pool++] = p;
    return p;
}

static char *pool_strdup(vocab *v, const char *s)
{
    return pool_keep(v, sp_strdup(s));
}

void vocab_free(vocab *v)
{
    if (!v)
        return;
    for (int i = 0; i < F_COUNT; i++) {
        vfield *f = &v->f[i];
        free(f->slugs);
        free(f->labels);
        free(f->parents);
        free(f->priority);
        free(f->kws);
        vc_trie_free(f);
        map_free(&f->keys);
        map_free(&f->terms);
    }
    free(v->boroughs);
    map_free(&v->gss);
    if (v->sub_members)
        for (size_t i = 0; i < v->f[F_SUBREGION].n; i++)
            free(v->sub_members[i]);
    free(v->sub_members);
    free(v->n_sub_members);
    pctab *tabs[] = {&v->sectors, &v->districts, &v->outcodes};
    for (size_t i = 0; i < 3; i++) {
        free(tabs[i]->v);
        map_free(&tabs[i]->idx);
    }
    free(v->syn);
    free(v->trig);
    for (size_t i = 0; i < v->n_pool; i++)
        free(v->pool[i]);
    free(v->pool);
    free(v);
}

/* ------------------------------------------------------- normalisation */

bool vc_is_word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Bytes of a separator that is not ASCII at t (0 if none): the no-break
 * space (U+00A0, from HTML's &nbsp;) and the General Punctuation block
 * (U+2000-U+206F: en and em dashes, curly quotes, bullets, ellipsis). */
static size_t utf8_separator(const unsigned char *t, size_t n)
{
    if (n >= 2 && t[0] == 0xC2 && t[1] == 0xA0)
        return 2;
    if (n >= 3 && t[0] == 0xE2 && (t[1] == 0x80 || t[1] == 0x81) && (t[2] & 0xC0) == 0x80)
        return 3;
    return 0;
}

/* Is the character starting at t[i] (of n bytes) part of a word? */
bool vc_word_at(const unsigned char *t, size_t i, size_t n)
{
    if (i >= n)
        return false;
    if (t[i] < 0x80)
        return isalnum(t[i]) != 0;
    return utf8_separator(t + i, n - i) == 0;
}

/* Is the character ending just before t[i] part of a word? */
bool vc_word_before(const unsigned char *t, size_t i)
{
    if (i == 0)
        return false;
    size_t j = i - 1;
    while (j > 0 && (t[j] & 0xC0) == 0x80 && i - j < 4)
        j--;
    return vc_word_at(t, j, i);
}

/* The lookup key of a name: lower case, "&" as "and", apostrophes dropped,
 * other punctuation as spaces, and the noise words "the", "and", "council"
 * left out.  "The London Borough of Hammersmith & Fulham Council" ->
 * "london borough of hammersmith fulham".  Returns false when the result is
 * empty or too long. */
bool vc_norm_key(const char *in, char *out, size_t outsz)
{
    char tmp[VOCAB_MAX_KEY * 2];
    size_t t = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (t + 6 >= sizeof tmp)
            return false;
        if (*p == '&') {
            memcpy(tmp + t, " and ", 5);
            t += 5;
        } else if (*p == '\'' || *p == '`') {
            continue;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) {
            p += 2; /* curly apostrophes */
        } else if (utf8_separator(p, strnlen((const char *)p, 3)) > 0) {
            p += utf8_separator(p, strnlen((const char *)p, 3)) - 1;
            tmp[t++] = ' ';
        } else if (*p == '+' && t > 0 && tmp[t - 1] != ' ') {
            tmp[t++] = '+'; /* keep "50+", "LGBTQ+" */
        } else if (vc_is_word_byte(*p)) {
            tmp[t++] = (char)tolower(*p);
        } else {
            tmp[t++] = ' ';
        }
    }
    tmp[t] = '\0';
    /* Two passes: without the noise words, and if nothing is left (the
     * referral route "council"), with them. */
    for (int pass = 0; pass < 2; pass++) {
        size_t o = 0;
        const char *p = tmp;
        while (*p) {
            while (*p == ' ')
                p++;
            size_t n = strcspn(p, " ");
            if (n == 0)
                break;
            bool noise = (n == 3 && strncmp(p, "the", 3) == 0) ||
                         (n == 3 && strncmp(p, "and", 3) == 0) ||
                         (n == 7 && strncmp(p, "council", 7) == 0);
            if (!noise || pass == 1) {
                if (o + n + 2 > outsz)
                    return false;
                if (o)
                    out[o++] = ' ';
                memcpy(out + o, p, n);
                o += n;
            }
            p += n;
        }
        out[o] = '\0';
        if (o > 0)
            return true;
    }
    return false;
}

/* Add a normalised key for entry idx of field f.  A clash between two
 * different entries is an error only when strict (borough spellings must
 * be unambiguous; elsewhere the first entry wins). */
static int add_key(vocab *v, map *m, const char *name, int idx, bool strict,
                   const char *where, const char *const *slugs, sp_err *err)
{
    char key[VOCAB_MAX_KEY];
    if (!vc_norm_key(name, key, sizeof key))
        return sp_fail(err, SP_EPARSE, "%s: name \"%s\" is empty or too long", where, name);
    if (vc_map_get(m, key) >= 0) {
        int ex = vc_map_get(m, key);
        if (ex != idx && strict)
            return sp_fail(err, SP_EPARSE, "%s: \"%s\" already names %s", where, name,
                           slugs[ex]);
        return SP_OK;
    }
    char *k = pool_strdup(v, key);
    int ex;
    if (!k || map_put(m, k, idx, &ex) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    return SP_OK;
}

/* ------------------------------------------------------------ TSV files */

typedef int (*row_fn)(vocab *v, int field, char **cols, const char *where, sp_err *err);

/* Read dir/rel, check its header line against cols (cols NULL: the file has
 * no header), and call fn for every row with exactly ncols tab-separated
 * columns (blank lines and lines starting with '#' are skipped).  The file
 * stays in memory (pool). */
static int load_tsv(vocab *v, const char *dir, const char *rel, const char *const *cols,
                    size_t ncols, row_fn fn, int field, sp_err *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
        return sp_fail(err, SP_EINVAL, "data directory path too long: %s", dir);
    char *buf = NULL;
    size_t len = 0;
    int rc = sp_read_file(path, VOCAB_MAX_FILE, &buf, &len, err);
    if (rc != SP_OK) {
        return sp_fail(err, rc,
                       "cannot read %.400s (is SIGNPOST_DATA set to the project's data/ folder?)",
                       path);
    }
    if (!pool_keep(v, buf))
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", path);
    if (memchr(buf, '\0', len))
        return sp_fail(err, SP_EPARSE, "%s: contains a NUL byte", path);
    if (!sp_utf8_valid(buf, len))
        return sp_fail(err, SP_EPARSE, "%s: not valid UTF-8", path);

    bool header = cols != NULL;
    size_t rows = 0, lineno = 0;
    char *line = buf;
    while (line && *line) {
        lineno++;
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        char *next = nl ? nl + 1 : NULL;
        if (ll == 0 || line[0] == '#') {
            line = next;
            continue;
        }
        char where[4200];
        snprintf(where, sizeof where, "%s:%zu", path, lineno);
        char *c[VOCAB_MAX_COLS];
        size_t n = 0;
        char *p = line;
        for (;;) {
            if (n == VOCAB_MAX_COLS)
                return sp_fail(err, SP_EPARSE, "%s: too many columns", where);
            c[n++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (n != ncols)
            return sp_fail(err, SP_EPARSE, "%s: expected %zu tab-separated columns, got %zu",
                           where, ncols, n);
        if (header) {
            for (size_t i = 0; i < ncols; i++)
                if (strcmp(c[i], cols[i]) != 0)
                    return sp_fail(err, SP_EPARSE,
                                   "%s: header column %zu is \"%s\", expected \"%s\"", where,
                                   i + 1, c[i], cols[i]);
            header = false;
        } else {
            if (++rows > VOCAB_MAX_ROWS)
                return sp_fail(err, SP_ELIMIT, "%s: more than %d rows", path, VOCAB_MAX_ROWS);
            rc = fn(v, field, c, where, err);
            if (rc != SP_OK)
                return rc;
        }
        line = next;
    }
    if (header)
        return sp_fail(err, SP_EPARSE, "%s: empty (no header line)", path);
    if (!cols && rows == 0)
        return sp_fail(err, SP_EPARSE, "%s: no rows", path);
    return SP_OK;
}

/* Split a '|' list in place.  *out is pool-owned. */
static int split_list(vocab *v, char *s, char ***out, size_t *n, const char *where,
                      sp_err *err)
{
    *out = NULL;
    *n = 0;
    if (!*s)
        return SP_OK;
    size_t cnt = 1;
    for (char *p = s; *p; p++)
        cnt += *p == '|';
    if (cnt > VOCAB_MAX_LIST)
        return sp_fail(err, SP_ELIMIT, "%s: more than %d items in a list", where,
                       VOCAB_MAX_LIST);
    char **arr = pool_keep(v, calloc(cnt, sizeof *arr));
    if (!arr)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    size_t k = 0;
    for (char *p = s;;) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = '\0';
        while (*p == ' ')
            p++;
        size_t l = strlen(p);
        while (l && p[l - 1] == ' ')
            p[--l] = '\0';
        if (*p)
            arr[k++] = p;
        if (!bar)
            break;
        p = bar + 1;
    }
    *out = arr;
    *n = k;
    return SP_OK;
}

static int parse_double(const char *s, double lo, double hi, double *out, const char *what,
                        const char *where, sp_err *err)
{
    char *end = NULL;
    double d = strtod(s, &end);
    if (!*s || *end || !isfinite(d) || d < lo || d > hi)
        return sp_fail(err, SP_EPARSE, "%s: bad %s \"%s\"", where, what, s);
    *out = d;
    return SP_OK;
}

static bool valid_slug(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            return false;
    return true;
}

/* Append one entry to a field; returns its index or a negative error. */
static int field_add(vocab *v, int fi, const char *slug, const char *label, const char *where,
                     sp_err *err)
{
    vfield *f = &v->f[fi];
    if (!valid_slug(slug))
        return sp_fail(err, SP_EPARSE, "%s: bad slug \"%s\" (lower case, digits, '-')", where,
                       slug);
    char key[VOCAB_MAX_KEY];
    if (vc_norm_key(slug, key, sizeof key) && vc_map_get(&f->keys, key) >= 0 &&
        strcmp(f->slugs[vc_map_get(&f->keys, key)], slug) == 0)
        return sp_fail(err, SP_EPARSE, "%s: duplicate %s \"%s\"", where, field_names[fi], slug);
    size_t cap = f->cap;
    if (sp_grow(&f->slugs, &cap, f->n + 1, sizeof *f->slugs, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    cap = f->cap;
    if (sp_grow(&f->labels, &cap, f->n + 1, sizeof *f->labels, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    cap = f->cap;
    if (sp_grow(&f->parents, &cap, f->n + 1, sizeof *f->parents, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    cap = f->cap;
    if (sp_grow(&f->priority, &cap, f->n + 1, sizeof *f->priority, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    f->cap = cap;
    int idx = (int)f->n;
    f->slugs[idx] = slug;
    f->labels[idx] = label;
    f->parents[idx] = NULL;
    f->priority[idx] = 0;
    f->n++;
    /* The slug itself and its label are lookup keys (so "Job search" and
     * "job_search" find job-search). */
    int rc = add_key(v, &f->keys, slug, idx, false, where, f->slugs, err);
    if (rc == SP_OK && label && *label)
        rc = add_key(v, &f->keys, label, idx, false, where, f->slugs, err);
    return rc == SP_OK ? idx : rc;
}

static int add_keywords(vocab *v, int fi, int idx, char **list, size_t n, const char *where,
                        sp_err *err)
{
    vfield *f = &v->f[fi];
    for (size_t i = 0; i < n; i++) {
        if (sp_grow(&f->kws, &f->cap_kws, f->n_kws + 1, sizeof *f->kws, 16) != SP_OK)
            return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
        kw *k = &f->kws[f->n_kws];
        k->orig = list[i];
        k->text = pool_strdup(v, list[i]);
        if (!k->text)
            return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
        k->len = strlen(k->text);
        k->prefix = k->len > 1 && k->text[k->len - 1] == '*';
        if (k->prefix)
            k->text[--k->len] = '\0';
        int letters = 0;
        bool lower = false;
        for (const char *p = k->text; *p; p++) {
            letters += isalpha((unsigned char)*p) != 0;
            lower |= islower((unsigned char)*p) != 0;
        }
        k->exact_case = letters >= 2 && !lower;
        k->slug = idx;
        if (k->len == 0)
            return sp_fail(err, SP_EPARSE, "%s: empty keyword", where);
        k->ends_word = vc_is_word_byte((unsigned char)k->text[k->len - 1]);
        f->n_kws++;
    }
    return SP_OK;
}

static int add_terms(vocab *v, int fi, int idx, char **list, size_t n, const char *where,
                     sp_err *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = add_key(v, &v->f[fi].terms, list[i], idx, false, where, v->f[fi].slugs, err);
        if (rc != SP_OK)
            return rc;
    }
    return SP_OK;
}

/* boroughs.tsv: slug gss name subregion lat lon spellings */
static int row_borough(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    int idx = field_add(v, F_BOROUGH, c[0], c[2], where, err);
    if (idx < 0)
        return idx;
    /* boroughs[] runs parallel to the field's arrays, with the same capacity. */
    vocab_borough *nb = realloc(v->boroughs, v->f[F_BOROUGH].cap * sizeof *nb);
    if (!nb)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    v->boroughs = nb;
    vocab_borough *b = &v->boroughs[idx];
    b->slug = c[0];
    b->gss = c[1];
    b->name = c[2];
    b->subregion = c[3];
    int rc = parse_double(c[4], 49, 61, &b->lat, "latitude", where, err);
    if (rc == SP_OK)
        rc = parse_double(c[5], -9, 3, &b->lon, "longitude", where, err);
    if (rc != SP_OK)
        return rc;
    if (strlen(c[1]) != 9 || c[1][0] != 'E')
        return sp_fail(err, SP_EPARSE, "%s: bad GSS code \"%s\"", where, c[1]);
    char gss[16];
    for (size_t i = 0; i < 10; i++)
        gss[i] = (char)tolower((unsigned char)c[1][i]);
    char *g = pool_strdup(v, gss);
    int ex;
    if (!g || map_put(&v->gss, g, idx, &ex) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    if (ex >= 0)
        return sp_fail(err, SP_EPARSE, "%s: duplicate GSS code %s", where, c[1]);
    char **sp;
    size_t n;
    rc = split_list(v, c[6], &sp, &n, where, err);
    for (size_t i = 0; rc == SP_OK && i < n; i++)
        rc = add_key(v, &v->f[F_BOROUGH].keys, sp[i], idx, true, where, v->f[F_BOROUGH].slugs,
                     err);
    /* For prose, leave out spellings too vague to mean the borough. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char key[VOCAB_MAX_KEY];
        if (vc_norm_key(sp[i], key, sizeof key) && strcmp(key, "city") == 0)
            continue;
        sp[k++] = sp[i];
    }
    if (rc == SP_OK)
        rc = add_keywords(v, F_BOROUGH, idx, sp, k, where, err);
    (void)fi;
    return rc;
}

/* subregions.tsv: slug name boroughs aliases */
static int row_subregion(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    int idx = field_add(v, F_SUBREGION, c[0], c[1], where, err);
    if (idx < 0)
        return idx;
    char *name_list[1] = {c[1]};
    int rc = add_keywords(v, F_SUBREGION, idx, name_list, 1, where, err);
    char **al;
    size_t n;
    if (rc == SP_OK)
        rc = split_list(v, c[3], &al, &n, where, err);
    for (size_t i = 0; rc == SP_OK && i < n; i++)
        rc = add_key(v, &v->f[F_SUBREGION].keys, al[i], idx, true, where,
                     v->f[F_SUBREGION].slugs, err);
    if (rc == SP_OK)
        rc = add_keywords(v, F_SUBREGION, idx, al, n, where, err);
    if (rc != SP_OK)
        return rc;
    /* Members: space-separated borough slugs, each a known borough whose
     * own row names this sub-region (the two files must agree). */
    size_t cap = (size_t)idx + 1;
    const char ***m = realloc(v->sub_members, cap * sizeof *m);
    size_t *nm = m ? realloc(v->n_sub_members, cap * sizeof *nm) : NULL;
    if (m)
        v->sub_members = m;
    if (nm)
        v->n_sub_members = nm;
    if (!m || !nm)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    v->sub_members[idx] = NULL;
    v->n_sub_members[idx] = 0;
    size_t cnt = 0;
    const char **list = calloc(v->f[F_BOROUGH].n + 1, sizeof *list);
    if (!list)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    v->sub_members[idx] = list;
    char *save = NULL;
    for (char *tok = strtok_r(c[2], " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        const vocab_borough *b = vocab_borough_get(v, tok);
        if (!b)
            return sp_fail(err, SP_EPARSE, "%s: unknown borough \"%s\"", where, tok);
        if (strcmp(b->subregion, c[0]) != 0)
            return sp_fail(err, SP_EPARSE, "%s: %s is in %s according to boroughs.tsv",
                           where, tok, b->subregion);
        if (cnt == v->f[F_BOROUGH].n)
            return sp_fail(err, SP_EPARSE, "%s: too many boroughs", where);
        list[cnt++] = b->slug;
    }
    v->n_sub_members[idx] = cnt;
    (void)fi;
    return SP_OK;
}

static int pc_add(vocab *v, pctab *t, char **c, const char *borough, bool straddles,
                  const char *where, sp_err *err)
{
    if (sp_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    pcent *e = &t->v[t->n];
    e->code = c[0];
    e->borough = -1;
    e->straddles = straddles;
    if (borough && *borough) {
        const vocab_borough *b = vocab_borough_get(v, borough);
        if (!b)
            return sp_fail(err, SP_EPARSE, "%s: unknown borough \"%s\"", where, borough);
        e->borough = (int)(b - v->boroughs);
    }
    int rc = parse_double(c[borough ? 2 : 1], 49, 61, &e->lat, "latitude", where, err);
    if (rc == SP_OK)
        rc = parse_double(c[borough ? 3 : 2], -9, 3, &e->lon, "longitude", where, err);
    if (rc != SP_OK)
        return rc;
    int ex;
    if (map_put(&t->idx, c[0], (int)t->n, &ex) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    if (ex >= 0)
        return sp_fail(err, SP_EPARSE, "%s: duplicate \"%s\"", where, c[0]);
    t->n++;
    return SP_OK;
}

static int row_district(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    if (strcmp(c[4], "yes") != 0 && strcmp(c[4], "no") != 0)
        return sp_fail(err, SP_EPARSE, "%s: straddles must be yes or no", where);
    (void)fi;
    return pc_add(v, &v->districts, c, c[1], strcmp(c[4], "yes") == 0, where, err);
}

static int row_sector(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    (void)fi;
    return pc_add(v, &v->sectors, c, c[1], false, where, err);
}

static int row_outcode(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    (void)fi;
    return pc_add(v, &v->outcodes, c, NULL, false, where, err);
}

/* groups.tsv: slug label priority keywords esd */
static int row_group(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    int idx = field_add(v, F_GROUP, c[0], c[1], where, err);
    if (idx < 0)
        return idx;
    if (strcmp(c[2], "1") != 0 && strcmp(c[2], "0") != 0)
        return sp_fail(err, SP_EPARSE, "%s: priority must be 1 or 0", where);
    v->f[F_GROUP].priority[idx] = c[2][0] == '1';
    char **l;
    size_t n;
    int rc = split_list(v, c[3], &l, &n, where, err);
    if (rc == SP_OK)
        rc = add_keywords(v, F_GROUP, idx, l, n, where, err);
    if (rc == SP_OK)
        rc = split_list(v, c[4], &l, &n, where, err);
    if (rc == SP_OK)
        rc = add_terms(v, F_GROUP, idx, l, n, where, err);
    (void)fi;
    return rc;
}

/* categories.tsv: slug parent label keywords esd schema_org */
static int row_category(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    int idx = field_add(v, F_CATEGORY, c[0], c[2], where, err);
    if (idx < 0)
        return idx;
    vfield *f = &v->f[F_CATEGORY];
    if (*c[1]) {
        int p = -1;
        for (size_t i = 0; i < (size_t)idx; i++)
            if (strcmp(f->slugs[i], c[1]) == 0)
                p = (int)i;
        if (p < 0 || f->parents[p])
            return sp_fail(err, SP_EPARSE,
                           "%s: parent \"%s\" must be a top-level category listed above", where,
                           c[1]);
        f->parents[idx] = f->slugs[p];
    }
    char **l;
    size_t n;
    int rc = split_list(v, c[3], &l, &n, where, err);
    if (rc == SP_OK)
        rc = add_keywords(v, F_CATEGORY, idx, l, n, where, err);
    for (int col = 4; col <= 5 && rc == SP_OK; col++) {
        rc = split_list(v, c[col], &l, &n, where, err);
        if (rc == SP_OK)
            rc = add_terms(v, F_CATEGORY, idx, l, n, where, err);
    }
    (void)fi;
    return rc;
}

/* modes / costs / referrals.tsv: slug label keywords */
static int row_simple(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    int idx = field_add(v, fi, c[0], c[1], where, err);
    if (idx < 0)
        return idx;
    char **l;
    size_t n;
    int rc = split_list(v, c[2], &l, &n, where, err);
    if (rc == SP_OK)
        rc = add_keywords(v, fi, idx, l, n, where, err);
    return rc;
}

/* languages.tsv: code name names */
static int row_language(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    if (strlen(c[0]) != 2)
        return sp_fail(err, SP_EPARSE, "%s: \"%s\" is not an ISO 639-1 code", where, c[0]);
    int idx = field_add(v, F_LANGUAGE, c[0], c[1], where, err);
    if (idx < 0)
        return idx;
    char **l;
    size_t n;
    int rc = split_list(v, c[2], &l, &n, where, err);
    for (size_t i = 0; rc == SP_OK && i < n; i++)
        rc = add_key(v, &v->f[F_LANGUAGE].keys, l[i], idx, false, where,
                     v->f[F_LANGUAGE].slugs, err);
    if (rc == SP_OK)
        rc = add_keywords(v, F_LANGUAGE, idx, l, n, where, err);
    (void)fi;
    return rc;
}

/* synonyms.tsv: term synonym */
static int row_synonym(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    (void)fi;
    if (!*c[0] || !*c[1])
        return sp_fail(err, SP_EPARSE, "%s: empty term or synonym", where);
    for (int i = 0; i < 2; i++)
        for (const char *p = c[i]; *p; p++)
            if (isupper((unsigned char)*p))
                return sp_fail(err, SP_EPARSE, "%s: \"%s\" must be lower case", where, c[i]);
    if (sp_grow(&v->syn, &v->cap_syn, v->n_syn + 2, sizeof *v->syn, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    v->syn[v->n_syn++] = c[0];
    v->syn[v->n_syn++] = c[1];
    return SP_OK;
}

static const char *const trigger_kinds[VT__COUNT] = {
    "negation", "experiencer", "applicant", "job",       "time",
    "alternative", "alternative-open", "pseudo", "terminator", "subject",
    "widening", "concession"};

/* triggers.tsv: phrase kind direction window */
static int row_trigger(vocab *v, int fi, char **c, const char *where, sp_err *err)
{
    (void)fi;
    vocab_trigger t = {0};
    t.kind = VT__COUNT;
    for (int k = 0; k < VT__COUNT; k++)
        if (!strcmp(c[1], trigger_kinds[k]))
            t.kind = (vocab_trigger_kind)k;
    if (t.kind == VT__COUNT)
        return sp_fail(err, SP_EPARSE, "%s: unknown trigger kind \"%s\"", where, c[1]);
    if (!*c[0] || c[0][0] == ' ' || c[0][strlen(c[0]) - 1] == ' ' || strstr(c[0], "  "))
        return sp_fail(err, SP_EPARSE, "%s: a phrase is words one space apart", where);
    for (const char *p = c[0]; *p; p++)
        if (isupper((unsigned char)*p))
            return sp_fail(err, SP_EPARSE, "%s: \"%s\" must be lower case", where, c[0]);
    t.forward = !strcmp(c[2], "forward") || !strcmp(c[2], "both");
    t.backward = !strcmp(c[2], "backward") || !strcmp(c[2], "both");
    if (!t.forward && !t.backward && strcmp(c[2], "-"))
        return sp_fail(err, SP_EPARSE, "%s: direction is forward, backward, both or -", where);
    char *end = NULL;
    long w = strtol(c[3], &end, 10);
    if (!*c[3] || *end || w < 0 || w > 30)
        return sp_fail(err, SP_EPARSE, "%s: window is 0 to 30 words", where);
    t.window = (int)w;
    t.phrase = c[0];
    char label[256];
    snprintf(label, sizeof label, "%s:%s", c[1], c[0]);
    t.label = pool_strdup(v, label);
    if (!t.label || sp_grow(&v->trig, &v->cap_trig, v->n_trig + 1, sizeof *v->trig, 16) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", where);
    for (size_t i = 0; i < v->n_trig; i++)
        if (!strcmp(v->trig[i].phrase, t.phrase))
            return sp_fail(err, SP_EPARSE, "%s: \"%s\" listed twice", where, t.phrase);
    v->trig[v->n_trig++] = t;
    return SP_OK;
}

static int cmp_trigger(const void *a, const void *b)
{
    return strcmp(((const vocab_trigger *)a)->phrase, ((const vocab_trigger *)b)->phrase);
}

const vocab_trigger *vocab_triggers(const vocab *v, size_t *n)
{
    if (n)
        *n = v ? v->n_trig : 0;
    return v ? v->trig : NULL;
}

/* ------------------------------------------------------ keyword tries */

/* A trie while it is built: children in a sibling list sorted by key. */
typedef struct tnode {
    uint32_t child, sibling; /* 0: none (the root is nobody's child) */
    unsigned char key;
} tnode;

void vc_trie_free(vfield *f)
{
    ktrie *ts[2] = {&f->fold, &f->exact};
    for (int i = 0; i < 2; i++) {
        free(ts[i]->edge_off);
        free(ts[i]->edge_to);
        free(ts[i]->edge_key);
        free(ts[i]->term_off);
        free(ts[i]->term);
        memset(ts[i], 0, sizeof *ts[i]);
    }
}

/* The child of node x with key c in the building trie t (of *n nodes, room
 * for one more), added when missing. */
static uint32_t tnode_child(tnode *t, size_t *n, uint32_t x, unsigned char c)
{
    uint32_t *link = &t[x].child;
    while (*link && t[*link].key < c)
        link = &t[*link].sibling;
    if (*link && t[*link].key == c)
        return *link;
    uint32_t y = (uint32_t)(*n)++;
    t[y] = (tnode){0, *link, c};
    *link = y;
    return y;
}

/* The trie of f's keywords with exact_case == exact, into *out. */
static int trie_build(const vfield *f, bool exact, ktrie *out)
{
    size_t cap = 1;
    for (size_t q = 0; q < f->n_kws; q++)
        if (f->kws[q].exact_case == exact)
            cap += f->kws[q].len;
    tnode *t = calloc(cap, sizeof *t);
    uint32_t *end = malloc((f->n_kws ? f->n_kws : 1) * sizeof *end);
    ktrie k = {0};
    k.edge_off = calloc(cap + 1, sizeof *k.edge_off);
    k.term_off = calloc(cap + 1, sizeof *k.term_off);
    k.edge_to = malloc(cap * sizeof *k.edge_to);
    k.edge_key = malloc(cap);
    k.term = malloc((f->n_kws ? f->n_kws : 1) * sizeof *k.term);
    if (!t || !end || !k.edge_off || !k.term_off || !k.edge_to || !k.edge_key || !k.term) {
        free(t);
        free(end);
        vfield tmp = {.fold = k};
        vc_trie_free(&tmp);
        return SP_ENOMEM;
    }
    size_t n = 1;
    for (size_t q = 0; q < f->n_kws; q++) {
        const kw *w = &f->kws[q];
        if (w->exact_case != exact)
            continue;
        uint32_t x = 0;
        for (size_t j = 0; j < w->len; j++) {
            unsigned char c = (unsigned char)w->text[j];
            x = tnode_child(t, &n, x, exact ? c : (unsigned char)tolower(c));
        }
        end[q] = x;
        k.term_off[x + 1]++;
    }
    /* Flatten: node x's edges follow node x-1's, in key order; its
     * keywords in file order. */
    for (size_t x = 0; x < n; x++) {
        size_t e = k.edge_off[x];
        for (uint32_t y = t[x].child; y; y = t[y].sibling) {
            k.edge_key[e] = t[y].key;
            k.edge_to[e++] = y;
        }
        k.edge_off[x + 1] = (uint32_t)e;
        k.term_off[x + 1] += k.term_off[x];
    }
    for (size_t q = 0; q < f->n_kws; q++)
        if (f->kws[q].exact_case == exact)
            k.term[k.term_off[end[q]]++] = (uint32_t)q;
    /* Filling moved each node's start to the next node's: move them back. */
    for (size_t x = n; x > 0; x--)
        k.term_off[x] = k.term_off[x - 1];
    k.term_off[0] = 0;
    for (uint32_t y = t[0].child; y; y = t[y].sibling)
        k.root[t[y].key] = y;
    k.n_nodes = n;
    free(t);
    free(end);
    *out = k;
    return SP_OK;
}

int vc_trie_build(vfield *f)
{
    int rc = trie_build(f, false, &f->fold);
    if (rc == SP_OK)
        rc = trie_build(f, true, &f->exact);
    return rc;
}

int vocab_load(const char *dir, vocab **out, sp_err *err)
{
    if (!out)
        return sp_fail(err, SP_EINVAL, "vocab_load: NULL out");
    *out = NULL;
    if (!dir)
        dir = sp_data_dir();
    vocab *v = calloc(1, sizeof *v);
    if (!v)
        return sp_fail(err, SP_ENOMEM, "vocab_load: out of memory");

    static const char *const c_bor[] = {"slug", "gss", "name", "subregion", "lat", "lon",
                                        "spellings"};
    static const char *const c_sub[] = {"slug", "name", "boroughs", "aliases"};
    static const char *const c_dis[] = {"district", "borough", "lat", "lon", "straddles"};
    static const char *const c_sec[] = {"sector", "borough", "lat", "lon"};
    static const char *const c_out[] = {"outcode", "lat", "lon"};
    static const char *const c_grp[] = {"slug", "label", "priority", "keywords", "esd"};
    static const char *const c_cat[] = {"slug",     "parent", "label",
                                        "keywords", "esd",    "schema_org"};
    static const char *const c_smp[] = {"slug", "label", "keywords"};
    static const char *const c_lng[] = {"code", "name", "names"};
    static const char *const c_trg[] = {"phrase", "kind", "direction", "window"};
    struct {
        const char *rel;
        const char *const *cols;
        size_t n;
        row_fn fn;
        int field;
        bool optional; /* eligibility vocabularies: absent means empty */
    } files[] = {
        {"geography/boroughs.tsv", c_bor, 7, row_borough, F_BOROUGH, false},
        {"geography/subregions.tsv", c_sub, 4, row_subregion, F_SUBREGION, false},
        {"geography/postcode_districts.tsv", c_dis, 5, row_district, -1, false},
        {"geography/postcode_sectors.tsv", c_sec, 4, row_sector, -1, false},
        {"geography/outcodes.tsv", c_out, 3, row_outcode, -1, false},
        {"vocab/groups.tsv", c_grp, 5, row_group, F_GROUP, false},
        {"vocab/categories.tsv", c_cat, 6, row_category, F_CATEGORY, false},
        {"vocab/modes.tsv", c_smp, 3, row_simple, F_MODE, false},
        {"vocab/costs.tsv", c_smp, 3, row_simple, F_COST, false},
        {"vocab/referrals.tsv", c_smp, 3, row_simple, F_REFERRAL, false},
        {"vocab/languages.tsv", c_lng, 3, row_language, F_LANGUAGE, false},
        {"vocab/benefits.tsv", c_smp, 3, row_simple, F_BENEFIT, true},
        {"vocab/statuses.tsv", c_smp, 3, row_simple, F_STATUS, true},
        {"vocab/sectors.tsv", c_smp, 3, row_simple, F_SECTOR, true},
        {"vocab/synonyms.tsv", NULL, 2, row_synonym, -1, false},
        {"vocab/triggers.tsv", c_trg, 4, row_trigger, -1, true},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i].optional) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, files[i].rel);
            if (access(path, R_OK) != 0)
                continue;
        }
        int rc = load_tsv(v, dir, files[i].rel, files[i].cols, files[i].n, files[i].fn,
                          files[i].field, err);
        if (rc != SP_OK) {
            vocab_free(v);
            return rc;
        }
    }
    for (int fi = 0; fi < F_COUNT; fi++) {
        if (vc_trie_build(&v->f[fi]) != SP_OK) {
            vocab_free(v);
            return sp_fail(err, SP_ENOMEM, "vocab_load: out of memory");
        }
    }
    if (v->n_trig)
        qsort(v->trig, v->n_trig, sizeof *v->trig, cmp_trigger);
    /* Every borough must belong to a listed sub-region. */
    for (size_t i = 0; i < v->f[F_BOROUGH].n; i++) {
        const char *sub = vocab_canon(v, "subregion", v->boroughs[i].subregion);
        if (!sub || strcmp(sub, v->boroughs[i].subregion) != 0) {
            int rc = sp_fail(err, SP_EPARSE, "%s/geography/boroughs.tsv: %s: unknown sub-region %s",
                             dir, v->boroughs[i].slug, v->boroughs[i].subregion);
            vocab_free(v);
            return rc;
        }
    }
    *out = v;
    return SP_OK;
}
