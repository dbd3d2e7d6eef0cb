/*
 * vocab_lookup.c - answers lookups on the reference data vocab.c loaded:
 * canonical slugs and labels of facet values, keyword matching in free
 * text, and postcodes to boroughs and coordinates.  Reads only: a vocab is
 * never written after vocab_load, so any number of threads may ask.
 */
#include "vocab.h"
#include "vocab_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- lookups */

static int find_slug(const vocab *v, int fi, const char *value)
{
    if (fi < 0 || !value)
        return -1;
    char key[VOCAB_MAX_KEY];
    if (!vc_norm_key(value, key, sizeof key))
        return -1;
    return vc_map_get(&v->f[fi].keys, key);
}

/* The index of slug itself (not another spelling of it) in field fi; -1
 * when there is none, or v or slug is NULL. */
static int slug_index(const vocab *v, int fi, const char *slug)
{
    if (!v || !slug)
        return -1;
    int i = find_slug(v, fi, slug);
    if (i < 0 || strcmp(v->f[fi].slugs[i], slug) != 0)
        return -1;
    return i;
}

const vocab_borough *vocab_borough_get(const vocab *v, const char *slug)
{
    int i = slug_index(v, F_BOROUGH, slug);
    return i < 0 ? NULL : &v->boroughs[i];
}

/* Affixes people put around a borough's name, tried when the whole name is
 * not a known spelling: "London Borough of Kingston", "Sutton LBC". */
static const char *const borough_prefixes[] = {
    "london borough of ", "royal borough of ", "borough of ", "lb of ", "lb ", "rb ",
    "lbo ", "city of ", "corporation of ", "residents of ", "residents in ", "in "};
static const char *const borough_suffixes[] = {
    " london borough", " royal borough", " borough", " london boro", " lbc", " lb",
    " city", " residents", " area", " london", " uk", " england"};

const vocab_borough *vocab_borough_from_name(const vocab *v, const char *name)
{
    if (!v || !name)
        return NULL;
    char key[VOCAB_MAX_KEY];
    if (!vc_norm_key(name, key, sizeof key))
        return NULL;
    const map *m = &v->f[F_BOROUGH].keys;
    int i = vc_map_get(m, key);
    if (i < 0 && strlen(key) == 9 && key[0] == 'e')
        i = vc_map_get(&v->gss, key);
    /* Strip one affix at a time, trying after each; bounded by the key. */
    for (int round = 0; i < 0 && round < 4; round++) {
        bool changed = false;
        for (size_t p = 0; p < sizeof borough_prefixes / sizeof *borough_prefixes; p++) {
            size_t l = strlen(borough_prefixes[p]);
            if (strncmp(key, borough_prefixes[p], l) == 0 && key[l]) {
                memmove(key, key + l, strlen(key + l) + 1);
                changed = true;
                break;
            }
        }
        for (size_t s = 0; s < sizeof borough_suffixes / sizeof *borough_suffixes; s++) {
            size_t l = strlen(borough_suffixes[s]), kl = strlen(key);
            if (kl > l && strcmp(key + kl - l, borough_suffixes[s]) == 0) {
                key[kl - l] = '\0';
                changed = true;
                break;
            }
        }
        if (!changed)
            break;
        i = vc_map_get(m, key);
    }
    return i < 0 ? NULL : &v->boroughs[i];
}

const char *vocab_canon(const vocab *v, const char *field, const char *value)
{
    int fi = vc_field_index(field);
    if (!v || fi < 0 || !value)
        return NULL;
    if (fi == F_BOROUGH) {
        const vocab_borough *b = vocab_borough_from_name(v, value);
        return b ? b->slug : NULL;
    }
    int i = find_slug(v, fi, value);
    if (i < 0 && fi == F_LANGUAGE) {
        /* "en-GB", "pt_BR": the language part decides. */
        size_t l = strcspn(value, "-_");
        if (l == 2 && value[l]) {
            char code[3] = {value[0], value[1], '\0'};
            i = find_slug(v, fi, code);
        }
    }
    return i < 0 ? NULL : v->f[fi].slugs[i];
}

const char *vocab_label(const vocab *v, const char *field, const char *slug)
{
    int fi = vc_field_index(field);
    int i = slug_index(v, fi, slug);
    return i < 0 ? NULL : v->f[fi].labels[i];
}

const char *const *vocab_slugs(const vocab *v, const char *field, size_t *n)
{
    int fi = vc_field_index(field);
    if (!v || fi < 0) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = v->f[fi].n;
    return v->f[fi].slugs;
}

const char *vocab_category_parent(const vocab *v, const char *slug)
{
    int i = slug_index(v, F_CATEGORY, slug);
    return i < 0 ? NULL : v->f[F_CATEGORY].parents[i];
}

bool vocab_group_priority(const vocab *v, const char *slug)
{
    int i = slug_index(v, F_GROUP, slug);
    return i >= 0 && v->f[F_GROUP].priority[i];
}

const char *vocab_term(const vocab *v, const char *field, const char *term)
{
    int fi = vc_field_index(field);
    if (!v || (fi != F_GROUP && fi != F_CATEGORY) || !term)
        return NULL;
    char key[VOCAB_MAX_KEY];
    if (!vc_norm_key(term, key, sizeof key))
        return NULL;
    int i = vc_map_get(&v->f[fi].terms, key);
    if (i < 0)
        i = vc_map_get(&v->f[fi].keys, key);
    return i < 0 ? NULL : v->f[fi].slugs[i];
}

size_t vocab_subregion_boroughs(const vocab *v, const char *subregion,
                                const vocab_borough **out, size_t max)
{
    if (!v || !subregion)
        return 0;
    int i = find_slug(v, F_SUBREGION, subregion);
    if (i < 0)
        return 0;
    size_t n = 0;
    for (size_t k = 0; k < v->n_sub_members[i]; k++) {
        if (n < max && out)
            out[n] = vocab_borough_get(v, v->sub_members[i][k]);
        n++;
    }
    return n < max ? n : max;
}

const char *const *vocab_synonyms(const vocab *v, size_t *n)
{
    if (n)
        *n = v ? v->n_syn / 2 : 0;
    return v ? v->syn : NULL;
}

/* ------------------------------------------------------- text matching */

#define VOCAB_STACK_SLUGS 128 /* slugs of a field matched without malloc */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* vc_word_at and vc_word_before with their ASCII case inline: the scan
 * below asks at every byte of every sentence, and the calls into vocab.c
 * (and the ctype lookups behind them) were most of its time.  For a byte
 * below 0x80 both answer isalnum of that byte, which is the C locale's in
 * any ASCII-compatible one. */
static bool ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool word_at(const unsigned char *t, size_t i, size_t n)
{
    if (i < n && t[i] < 0x80)
        return ascii_alnum(t[i]);
    return vc_word_at(t, i, n);
}

static bool word_before(const unsigned char *t, size_t i)
{
    if (i > 0 && t[i - 1] < 0x80)
        return ascii_alnum(t[i - 1]);
    return vc_word_before(t, i);
}

/* tolower, with the ASCII letters inline. */
static unsigned char lower(unsigned char c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
    return (unsigned char)tolower(c);
}

/* The earliest hit of each slug of a field, in one scan of a text. */
typedef struct match_state {
    size_t *off, *len, *q; /* per slug: SIZE_MAX offset when not hit */
    const char **kw;
} match_state;

/* Where the keyword byte key, met at t[p], leaves the text (0 when it does
 * not match).  A space in the keyword matches any run of white space,
 * no-break spaces included; a hyphen matches a hyphen or white space; any
 * other byte matches itself, in either case when fold (the trie's keys are
 * lower-cased). */
static size_t key_step(unsigned char key, bool fold, const unsigned char *t, size_t p,
                       size_t avail)
{
    unsigned char tc = t[p];
    if (key != ' ' && key != '-')
        return (fold ? lower(tc) : tc) == key ? p + 1 : 0;
    if (key == '-' && tc == '-')
        return p + 1;
    if (!is_space(tc) && !(tc == 0xC2 && p + 1 < avail && t[p + 1] == 0xA0))
        return 0;
    while (p < avail) {
        if (is_space(t[p]))
            p++;
        else if (t[p] == 0xC2 && p + 1 < avail && t[p + 1] == 0xA0)
            p += 2;
        else
            break;
    }
    return p;
}

/* One walk down a trie from a text position. */
typedef struct walk {
    const vfield *f;
    const ktrie *tr;
    bool fold;
    const unsigned char *t; /* the text from the position */
    size_t avail, at;       /* bytes from t on; t's offset in the text */
    match_state *st;
} walk;

/* The keywords ending at node x, the text read up to t[p]: a keyword with
 * '*' takes the rest of the word, one ending in a word byte must end a
 * word.  Where two keywords of one slug match at the same offset the one
 * listed first in the file (the lower index) gives the evidence. */
static void walk_ends(const walk *w, uint32_t x, size_t p)
{
    match_state *st = w->st;
    for (uint32_t e = w->tr->term_off[x]; e < w->tr->term_off[x + 1]; e++) {
        uint32_t q = w->tr->term[e];
        const kw *k = &w->f->kws[q];
        if (st->off[k->slug] != SIZE_MAX && (st->off[k->slug] < w->at || st->q[k->slug] < q))
            continue;
        size_t ml = p;
        if (k->prefix) {
            while (word_at(w->t, ml, w->avail))
                ml++;
            while (ml < w->avail && (w->t[ml] & 0xC0) == 0x80)
                ml++; /* finish a multi-byte character */
        } else if (k->ends_word && word_at(w->t, ml, w->avail)) {
            continue;
        }
        st->off[k->slug] = w->at;
        st->len[k->slug] = ml;
        st->q[k->slug] = q;
        st->kw[k->slug] = k->orig;
    }
}

/* Node x reached with the text read up to t[p]: its keywords, then every
 * edge the text goes on with (a space or hyphen key and the byte's own key
 * can both; keys are sorted, so the scan stops past both). */
static void walk_from(const walk *w, uint32_t x, size_t p)
{
    const ktrie *tr = w->tr;
    if (tr->term_off[x] != tr->term_off[x + 1])
        walk_ends(w, x, p);
    if (p >= w->avail)
        return;
    unsigned char c = w->fold ? lower(w->t[p]) : w->t[p];
    for (uint32_t e = tr->edge_off[x]; e < tr->edge_off[x + 1]; e++) {
        unsigned char key = tr->edge_key[e];
        if (key != ' ' && key != '-' && key != c) {
            if (key > c && key > '-')
                break;
            continue;
        }
        size_t np = key_step(key, w->fold, w->t, p, w->avail);
        if (np)
            walk_from(w, tr->edge_to[e], np);
    }
}

/* The keywords of trie tr matching at text offset i, from its root's child
 * x (key: the text byte there, lower-cased when fold). */
static void walk_at(const vfield *f, const ktrie *tr, bool fold, uint32_t x, unsigned char key,
                    const char *text, size_t i, size_t tlen, match_state *st)
{
    walk w = {f, tr, fold, (const unsigned char *)text + i, tlen - i, i, st};
    size_t p = key_step(key, fold, w.t, 0, w.avail);
    if (p)
        walk_from(&w, x, p);
}

size_t vocab_match_text(const vocab *v, const char *field, const char *text, vocab_hit *out,
                        size_t max)
{
    int fi = vc_field_index(field);
    if (!v || fi < 0 || !text || !out || max == 0)
        return 0;
    const vfield *f = &v->f[fi];
    size_t tlen = strnlen(text, VOCAB_MAX_TEXT);
    /* Best (earliest) hit per slug: on the stack for the usual fields (a
     * call per sentence of every record made malloc show in the profile). */
    size_t off_st[VOCAB_STACK_SLUGS], len_st[VOCAB_STACK_SLUGS], q_st[VOCAB_STACK_SLUGS];
    const char *kw_st[VOCAB_STACK_SLUGS];
    bool heap = f->n > VOCAB_STACK_SLUGS;
    match_state st = {off_st, len_st, q_st, kw_st};
    if (heap) {
        st.off = malloc(f->n * sizeof *st.off);
        st.len = malloc(f->n * sizeof *st.len);
        st.q = malloc(f->n * sizeof *st.q);
        st.kw = malloc(f->n * sizeof *st.kw);
    }
    size_t n = 0;
    if (!st.off || !st.len || !st.q || !st.kw)
        goto done;
    for (size_t s = 0; s < f->n; s++)
        st.off[s] = SIZE_MAX;
    /* Positions in order, so the first hit of a slug is its earliest; at
     * each only the keywords beginning with its byte are walked. */
    for (size_t i = 0; i < tlen; i++) {
        unsigned char raw = (unsigned char)text[i], low = lower(raw);
        uint32_t xf = f->fold.root[low], xe = f->exact.root[raw];
        if (!xf && !xe)
            continue; /* no keyword starts with this byte */
        if (word_at((const unsigned char *)text, i, tlen) &&
            word_before((const unsigned char *)text, i))
            continue; /* not the start of a word */
        if (xf)
            walk_at(f, &f->fold, true, xf, low, text, i, tlen, &st);
        if (xe)
            walk_at(f, &f->exact, false, xe, raw, text, i, tlen, &st);
    }
    for (size_t s = 0; s < f->n && n < max; s++) {
        if (st.off[s] == SIZE_MAX)
            continue;
        out[n].slug = f->slugs[s];
        out[n].keyword = st.kw[s];
        out[n].off = st.off[s];
        out[n].len = st.len[s];
        n++;
    }
done:
    if (heap) {
        free(st.off);
        free(st.len);
        free(st.q);
        free(st.kw);
    }
    return n;
}

/* ------------------------------------------------------------ postcodes */

/* The UK's postcode areas (the leading letters): a candidate whose letters
 * are not one of these is not a postcode ("AA1 1AA" is). */
static const char *const pc_areas[] = {
    "AB", "AL", "B",  "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF",
    "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT",
    "DY", "E",  "EC", "EH", "EN", "EX", "FK", "FY", "G",  "GL", "GU", "GY", "HA", "HD", "HG",
    "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L",
    "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M",  "ME", "MK", "ML", "N",  "NE", "NG", "NN",
    "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S",
    "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA",
    "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W",  "WA", "WC", "WD", "WF", "WN", "WR",
    "WS", "WV", "YO", "ZE"};

/* Is s[0..n) (upper case) a well-formed outward code of a real area? */
static bool valid_outward(const char *s, size_t n)
{
    size_t a = 0;
    while (a < n && a < 2 && isupper((unsigned char)s[a]))
        a++;
    if (a == 0 || a >= n || !isdigit((unsigned char)s[a]))
        return false;
    size_t rest = n - a; /* digit + optional digit or letter */
    if (rest > 2)
        return false;
    if (rest == 2 && !isdigit((unsigned char)s[a + 1]) && !isupper((unsigned char)s[a + 1]))
        return false;
    for (size_t i = 0; i < sizeof pc_areas / sizeof *pc_areas; i++)
        if (strlen(pc_areas[i]) == a && strncmp(pc_areas[i], s, a) == 0)
            return true;
    return false;
}

static bool valid_inward(const char *s)
{
    return isdigit((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
           isupper((unsigned char)s[2]);
}

typedef struct pcode {
    char out[5];  /* outward code */
    char in[4];   /* "", one digit (sector) or digit + two letters */
} pcode;

/* Parse "e8 1dy", "E81DY", "E8 1", "E8" (spacing and case free). */
static bool pc_parse(const char *s, pcode *p)
{
    char a[8], b[8];
    size_t na = 0, nb = 0;
    int part = 0;
    const char *q = s;
    while (is_space((unsigned char)*q))
        q++;
    for (; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (is_space(c)) {
            if (part == 0 && na > 0)
                part = 1;
            continue;
        }
        if (!isalnum(c))
            return false;
        if (part == 1 && nb == 0 && na > 0)
            part = 2;
        if (part == 0) {
            if (na >= 7)
                return false;
            a[na++] = (char)toupper(c);
        } else {
            if (nb >= 3 || part != 2)
                return false;
            b[nb++] = (char)toupper(c);
        }
    }
    a[na] = b[nb] = '\0';
    if (nb == 0 && na >= 5 && valid_inward(a + na - 3)) {
        memcpy(b, a + na - 3, 4);
        nb = 3;
        na -= 3;
        a[na] = '\0';
    }
    if (na < 2 || na > 4 || !valid_outward(a, na))
        return false;
    if (nb == 1 && !isdigit((unsigned char)b[0]))
        return false;
    if (nb == 2 || (nb == 3 && !valid_inward(b)))
        return false;
    memcpy(p->out, a, na + 1);
    memcpy(p->in, b, nb + 1);
    return true;
}

int vocab_postcode(const vocab *v, const char *postcode, double *lat, double *lon,
                   const vocab_borough **borough)
{
    if (borough)
        *borough = NULL;
    pcode p;
    if (!v || !postcode || !pc_parse(postcode, &p))
        return SP_EINVAL;
    const pcent *e = NULL;
    if (p.in[0]) {
        char sector[8];
        snprintf(sector, sizeof sector, "%s %c", p.out, p.in[0]);
        int i = vc_map_get(&v->sectors.idx, sector);
        if (i >= 0)
            e = &v->sectors.v[i];
    }
    if (!e) {
        int i = vc_map_get(&v->districts.idx, p.out);
        if (i >= 0)
            e = &v->districts.v[i];
    }
    if (!e) {
        int i = vc_map_get(&v->outcodes.idx, p.out);
        if (i >= 0)
            e = &v->outcodes.v[i];
    }
    if (!e)
        return SP_ENOTFOUND;
    if (lat)
        *lat = e->lat;
    if (lon)
        *lon = e->lon;
    if (e->borough < 0)
        return SP_ENOTFOUND;
    if (borough)
        *borough = &v->boroughs[e->borough];
    return SP_OK;
}

const vocab_borough *vocab_borough_at(const vocab *v, double lat, double lon, double max_km,
                                      double *km)
{
    if (!v || !isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 ||
        lon > 180)
        return NULL;
    /* Equirectangular distance: exact enough at city scale. */
    const double r = 6371.0, rad = 3.14159265358979323846 / 180.0;
    double coslat = cos(lat * rad), best = INFINITY;
    const pcent *near = NULL;
    for (size_t i = 0; i < v->sectors.n; i++) {
        const pcent *e = &v->sectors.v[i];
        double dx = (e->lon - lon) * rad * coslat, dy = (e->lat - lat) * rad;
        double d = r * sqrt(dx * dx + dy * dy);
        if (d < best) {
            best = d;
            near = e;
        }
    }
    if (!near || best > max_km || near->borough < 0)
        return NULL;
    if (km)
        *km = best;
    return &v->boroughs[near->borough];
}

size_t vocab_find_postcodes(const char *text, char **out, size_t max)
{
    if (!text || !out)
        return 0;
    size_t n = 0, len = strnlen(text, VOCAB_MAX_TEXT);
    for (size_t i = 0; i < len && n < max; i++) {
        if (!isalpha((unsigned char)text[i]) ||
            (i > 0 && vc_is_word_byte((unsigned char)text[i - 1])))
            continue;
        /* One alphanumeric run, then optionally one space and a run of 3. */
        size_t ea = i;
        while (ea < len && isalnum((unsigned char)text[ea]) && ea - i < 8)
            ea++;
        if (ea < len && vc_is_word_byte((unsigned char)text[ea]))
            continue;
        char cand[16];
        size_t na = ea - i;
        size_t end = ea;
        if (ea + 4 <= len && text[ea] == ' ' && isalnum((unsigned char)text[ea + 1]) &&
            isalnum((unsigned char)text[ea + 2]) && isalnum((unsigned char)text[ea + 3]) &&
            (ea + 4 == len || !vc_is_word_byte((unsigned char)text[ea + 4])) && na <= 4) {
            memcpy(cand, text + i, na);
            cand[na] = ' ';
            memcpy(cand + na + 1, text + ea + 1, 3);
            cand[na + 4] = '\0';
            end = ea + 4;
        } else if (na >= 5 && na <= 7) {
            memcpy(cand, text + i, na);
            cand[na] = '\0';
        } else {
            continue;
        }
        /* Written in one case ("E8 1DY", "e8 1dy"), and not an ordinal
         * ("B12 3rd"): prose is full of letter-digit tokens. */
        bool up = false, low = false;
        for (const char *c = cand; *c; c++) {
            up |= isupper((unsigned char)*c) != 0;
            low |= islower((unsigned char)*c) != 0;
        }
        size_t cl = strlen(cand);
        const char *suf = cand + cl - 2;
        if ((up && low) || strcmp(suf, "st") == 0 || strcmp(suf, "nd") == 0 ||
            strcmp(suf, "rd") == 0 || strcmp(suf, "th") == 0)
            continue;
        pcode p;
        if (!pc_parse(cand, &p) || strlen(p.in) != 3)
            continue;
        char norm[16];
        snprintf(norm, sizeof norm, "%s %s", p.out, p.in);
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= strcmp(out[k], norm) == 0;
        if (!dup) {
            out[n] = sp_strdup(norm);
            if (!out[n])
                break;
            n++;
        }
        i = end - 1;
    }
    return n;
}
