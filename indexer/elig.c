/*
 * elig.c - eligibility rules read from a service record (elig_extract; see
 * elig.h and docs/eligibility.md).  The person is checked in elig_eval.c.
 *
 * Prose is read sentence by sentence, lower-cased, with the gated patterns
 * of elig_pat.c for the numeric forms ("aged 18 to 24", "50+", "under
 * 25s", "out of work for 3 months or more") and the keyword lists of
 * data/vocab for named things (boroughs, benefits, statuses, groups).
 * Each sentence is also looked at for what changes its meaning: the scope
 * triggers of data/vocab/triggers.tsv (elig_scope.c: negation, whose words
 * they are, history, either/or), softeners ("priority given to",
 * "including") and exceptions ("unless referred", "discretion").
 */
#define _GNU_SOURCE /* strcasestr */
#include "elig.h"
#include "elig_pat.h"
#include "elig_scope.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounds on what one record may make us do. */
#define EL_MAX_SENTENCES 300
#define EL_MAX_SENTENCE 1200
#define EL_MAX_RULES 48
#define EL_MAX_VALUES 40
#define EL_EVIDENCE 240

/* ------------------------------------------------------------ patterns */

static bool match(int p, const char *s, elig_span *m)
{
    return elig_pat_match(p, s, m);
}

static bool has(int p, const char *s)
{
    return elig_pat_match(p, s, NULL);
}

/* ------------------------------------------------------------ the rules */

#define EL_MAX_ANCHORS 64

typedef struct ctx {
    const vocab *v;
    rec_service *r;
    rec_rule *rules;
    size_t n;
    int rc;
    /* The sentence being read: its scopes, where its original's bytes are
     * in the lower-cased text, the first rule it made, and the words each
     * rule came from (for either/or). */
    bool job; /* the record's text is a job advert */
    const elig_scope *sc;
    const uint16_t *o2l;
    size_t first;
    struct {
        const char *dim;
        size_t off; /* in low */
    } anch[EL_MAX_ANCHORS];
    size_t n_anch;
} ctx;

static void rule_free(rec_rule *u)
{
    free(u->trigger);
    free(u->dim);
    free(u->op);
    for (size_t i = 0; i < u->n_values; i++)
        free(u->values[i]);
    free(u->values);
    free(u->ev.field);
    free(u->ev.text);
}

void elig_clear(rec_service *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_rules; i++)
        rule_free(&r->rules[i]);
    free(r->rules);
    r->rules = NULL;
    r->n_rules = 0;
}

/* Evidence: the sentence as written, cut to EL_EVIDENCE bytes on a
 * character boundary. */
static char *ev_text(const char *s)
{
    size_t n = strlen(s);
    if (n > EL_EVIDENCE) {
        n = EL_EVIDENCE;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

static rec_rule *find_rule(ctx *c, const char *dim)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->rules[i].dim, dim))
            return &c->rules[i];
    return NULL;
}

/* Add a rule (values: n slugs).  The first rule of a dimension wins, as
 * the structured fields and the eligibility text are read first. */
static rec_rule *add_rule(ctx *c, const char *dim, const char *op, const char *const *vals,
                          size_t nv, const char *field, const char *text, double conf)
{
    if (c->rc != SP_OK || c->n >= EL_MAX_RULES || find_rule(c, dim))
        return NULL;
    rec_rule *u = &c->rules[c->n];
    memset(u, 0, sizeof *u);
    u->dim = sp_strdup(dim);
    u->op = sp_strdup(op);
    u->ev.field = sp_strdup(field);
    u->ev.text = ev_text(text ? text : "");
    u->ev.confidence = conf;
    if (nv) {
        u->values = calloc(nv, sizeof *u->values);
        if (u->values)
            for (size_t i = 0; i < nv; i++) {
                u->values[i] = sp_strdup(vals[i]);
                if (u->values[i])
                    u->n_values++;
            }
    }
    if (!u->dim || !u->op || !u->ev.field || !u->ev.text || u->n_values != nv) {
        rule_free(u);
        c->rc = SP_ENOMEM;
        return NULL;
    }
    c->n++;
    return u;
}

/* ------------------------------------------------------------ scopes */

/* The trigger whose scope of class cls covers a byte of the sentence's
 * lower-cased text (low_off) or of its original (orig_off via o2l). */
static const vocab_trigger *scope_low(const ctx *c, size_t low_off, int cls)
{
    return c->sc ? elig_scope_at(c->sc, low_off, cls) : NULL;
}

static const vocab_trigger *scope_orig(const ctx *c, size_t orig_off, int cls)
{
    if (!c->o2l || !c->sc)
        return NULL;
    size_t low_off = c->o2l[orig_off];
    /* A keyword that starts with its own negation ("not working", "not
     * looking for work") is not negated by it, nor by an earlier one: it
     * is the thing named. */
    if (cls == ESC_NEG) {
        size_t k = elig_scope_word(c->sc, low_off);
        for (size_t q = 0; q < c->sc->n_m; q++)
            if (c->sc->m[q].from == k && c->sc->m[q].t->kind == VT_NEGATION)
                return NULL;
    }
    return scope_low(c, low_off, cls);
}

/* This rule was changed by t (the first trigger that changed it counts). */
static void set_trigger(ctx *c, rec_rule *u, const vocab_trigger *t)
{
    if (!u || !t || u->trigger || c->rc != SP_OK)
        return;
    u->trigger = sp_strdup(t->label);
    if (!u->trigger)
        c->rc = SP_ENOMEM;
}

/* A rule of dim came from the word at low_off. */
static void anchor(ctx *c, const char *dim, size_t low_off)
{
    if (c->n_anch < EL_MAX_ANCHORS) {
        c->anch[c->n_anch].dim = dim;
        c->anch[c->n_anch].off = low_off;
        c->n_anch++;
    }
}

/* Hits sorted by what their scopes say: kept (pos), negated (neg) or
 * dropped (about someone else, or history).  Returns the trigger that
 * negated or dropped one, if any. */
typedef struct hitsort {
    const char *pos[EL_MAX_VALUES], *neg[EL_MAX_VALUES];
    size_t n_pos, n_neg;
    const vocab_trigger *why;
} hitsort;

static void sort_hit(ctx *c, hitsort *h, const char *dim, const vocab_hit *hit)
{
    const vocab_trigger *t = scope_orig(c, hit->off, ESC_DROP);
    if (t) {
        if (!h->why)
            h->why = t;
        return;
    }
    t = scope_orig(c, hit->off, ESC_NEG);
    if (t) {
        if (!h->why)
            h->why = t;
        if (h->n_neg < EL_MAX_VALUES)
            h->neg[h->n_neg++] = hit->slug;
    } else if (h->n_pos < EL_MAX_VALUES) {
        h->pos[h->n_pos++] = hit->slug;
    }
    if (c->o2l)
        anchor(c, dim, c->o2l[hit->off]);
}

/* ------------------------------------------------------------ helpers */

static int num_word(const char *s, size_t len)
{
    static const char *const w[] = {"one", "two",   "three",  "four",   "five",
                                    "six", "seven", "eight",  "nine",   "ten",
                                    "eleven", "twelve"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strlen(w[i]) == len && !strncmp(s, w[i], len))
            return (int)i + 1;
    if ((len == 1 && s[0] == 'a') || (len == 2 && !strncmp(s, "an", 2)))
        return 1;
    if (len == 8 && !strncmp(s, "eighteen", 8))
        return 18;
    if (len == 11 && !strncmp(s, "twenty-four", 11))
        return 24;
    if (len == 0 || len > 3)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int grp_num(const char *s, const elig_span *m, int g)
{
    if (m[g].so < 0)
        return -1;
    return num_word(s + m[g].so, (size_t)(m[g].eo - m[g].so));
}

static bool grp_is(const char *s, const elig_span *m, int g, const char *word)
{
    if (m[g].so < 0)
        return false;
    size_t l = (size_t)(m[g].eo - m[g].so);
    return strlen(word) <= l && !strncmp(s + m[g].so, word, strlen(word));
}

/* Is the text before offset off (within 50 bytes) negated? */
static bool negated_before(const char *low, size_t off)
{
    size_t from = off > 50 ? off - 50 : 0;
    char buf[64];
    size_t n = off - from;
    memcpy(buf, low + from, n);
    buf[n] = '\0';
    return has(P_NEGATE, buf);
}

/* Words after a number that say it is not an age. */
static bool not_age_after(const char *s)
{
    static const char *const w[] = {"hour", "hrs", "%", "employer", "compan", "business",
                                    "organisation", "course", "partner", "staff",
                                    "volunteer", "job", "vacanc", "role", "language",
                                    "countr", "minute", "day", "week", "month", "year",
                                    "session", "place", "service", "pound", "mile", "km"};
    while (*s == ' ')
        s++;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (!strncmp(s, w[i], strlen(w[i])))
            return true;
    return false;
}

/* ------------------------------------------------------------ age */

/* low with the number words of ages ("fifty", "twenty-five", "eighteen")
 * as digits, so the age patterns see "50", "25", "18".  Smaller numbers
 * are left alone: "one-to-one", "no one". */
static void age_digits(const char *low, char *out, size_t outsz, uint16_t *a2l)
{
    static const char *const teens[] = {"thirteen", "fourteen", "fifteen", "sixteen",
                                        "seventeen", "eighteen", "nineteen"};
    static const char *const tens[] = {"twenty", "thirty", "forty", "fifty", "sixty",
                                       "seventy", "eighty", "ninety"};
    static const char *const units[] = {"one", "two", "three", "four", "five",
                                        "six", "seven", "eight", "nine"};
    size_t o = 0;
    const char *p = low;
    while (*p && o + 4 < outsz) {
        bool start = p == low || !isalpha((unsigned char)p[-1]);
        int val = -1;
        size_t used = 0;
        for (size_t i = 0; start && val < 0 && i < sizeof teens / sizeof teens[0]; i++)
            if (!strncmp(p, teens[i], strlen(teens[i]))) {
                val = 13 + (int)i;
                used = strlen(teens[i]);
            }
        for (size_t i = 0; start && val < 0 && i < sizeof tens / sizeof tens[0]; i++)
            if (!strncmp(p, tens[i], strlen(tens[i]))) {
                val = 20 + 10 * (int)i;
                used = strlen(tens[i]);
                if (p[used] == '-' || p[used] == ' ')
                    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
                        size_t ul = strlen(units[u]);
                        if (!strncmp(p + used + 1, units[u], ul) &&
                            !isalpha((unsigned char)p[used + 1 + ul])) {
                            val += (int)u + 1;
                            used += 1 + ul;
                            break;
                        }
                    }
            }
        if (val >= 0 && !isalpha((unsigned char)p[used])) {
            size_t o0 = o;
            o += (size_t)snprintf(out + o, outsz - o, "%d", val);
            for (size_t k = o0; k <= o && k < outsz; k++)
                a2l[k] = (uint16_t)(p - low);
            p += used;
            continue;
        }
        a2l[o] = (uint16_t)(p - low);
        out[o++] = *p++;
    }
    a2l[o] = (uint16_t)(p - low);
    out[o] = '\0';
}

typedef struct agebounds {
    int lo, hi; /* -1 none */
    bool any;
    int at; /* where a bound was read (offset in the text read); -1 none */
} agebounds;

static void age_sentence(const char *low, agebounds *b)
{
    elig_span m[12];
    b->lo = b->hi = -1;
    b->any = false;
    b->at = -1;
    int rlo = -1, rhi = -1;
    if (match(P_RANGE1, low, m)) {
        rlo = grp_num(low, m, 5);
        rhi = grp_num(low, m, 7);
    } else if (match(P_RANGE3, low, m)) {
        rlo = grp_num(low, m, 3);
        rhi = grp_num(low, m, 5);
    }
    if (rlo >= 11 && rhi > rlo && rhi <= 99) {
        b->lo = rlo;
        b->hi = rhi;
        b->at = (int)m[0].so;
        return;
    }
    if (match(P_RANGE2, low, m)) {
        int lo = grp_num(low, m, 2), hi = grp_num(low, m, 4);
        if (lo >= 11 && hi > lo && hi <= 99) {
            b->lo = lo;
            b->hi = hi;
            b->at = (int)m[0].so;
            return;
        }
    }
    if (match(P_RANGE4, low, m)) {
        int lo = grp_num(low, m, 2), mid = grp_num(low, m, 3), hi = grp_num(low, m, 5);
        if (lo >= 11 && mid > lo && hi > mid && hi <= 99) {
            b->lo = lo;
            b->hi = hi;
            b->at = (int)m[0].so;
            return;
        }
    }
    /* Minimums. */
    int lo = -1, hi = -1;
    bool neg_lo = false, neg_hi = false;
    if (match(P_MIN1, low, m)) {
        lo = grp_num(low, m, 2);
        neg_lo = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN3A, low, m)) {
        lo = grp_num(low, m, 3);
        /* "at least 2 trained advisers": a bare "at least" under 14 is a
         * count, not an age. */
        if (grp_is(low, m, 1, "at least") && (lo < 14 || not_age_after(low + m[0].eo)))
            lo = -1;
        if (lo >= 0 && grp_is(low, m, 1, "older than"))
            lo += 1;
        neg_lo = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN3B, low, m)) {
        lo = grp_num(low, m, 2);
        /* "over 20 years of experience" */
        if (!strncmp(low + m[0].eo, " of", 3) || !strncmp(low + m[0].eo, "'", 1))
            lo = -1;
        neg_lo = lo >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN4, low, m)) {
        lo = grp_num(low, m, 4);
        if (lo >= 0 && not_age_after(low + m[4].eo))
            lo = -1;
        neg_lo = lo >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN2, low, m)) {
        lo = grp_num(low, m, 2);
        if (lo < 14 || lo > 70 || not_age_after(low + m[0].eo))
            lo = -1;
        /* "£50+", "Level 2 or above" */
        if (lo >= 0 && m[2].so >= 2 && !strncmp(low + m[2].so - 2, "\xc2\xa3", 2))
            lo = -1;
        neg_lo = lo >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN5, low, m)) {
        lo = grp_num(low, m, 4);
    }
    int at_lo = lo >= 0 ? (int)m[0].so : -1;
    /* Maximums. */
    if (match(P_BDAY, low, m)) {
        hi = grp_num(low, m, 3);
        if (hi >= 0)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX1, low, m)) {
        hi = grp_num(low, m, 3);
        /* "under 25" is 24 at most; "up to 25" is 25. */
        char g1[40] = "";
        size_t gl = (size_t)(m[1].eo - m[1].so);
        if (gl < sizeof g1) {
            memcpy(g1, low + m[1].so, gl);
            g1[gl] = '\0';
        }
        bool strict = strstr(g1, "under") || strstr(g1, "below") || strstr(g1, "younger");
        if (hi >= 0 && strict)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX2, low, m)) {
        hi = grp_num(low, m, 2);
        if (hi >= 0)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX4, low, m)) {
        bool upto = m[3].so >= 0 && !strncmp(low + m[3].so, "up to", 5);
        hi = grp_num(low, m, 4);
        if (hi >= 0 && !upto)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX3, low, m)) {
        hi = grp_num(low, m, 2);
        if (hi < 14 || hi > 70)
            hi = -1;
        neg_hi = hi >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX5, low, m)) {
        hi = grp_num(low, m, 3);
        if (hi >= 0)
            hi -= 1;
    }
    int at_hi = hi >= 0 ? (int)m[0].so : -1;
    b->at = at_lo >= 0 && (at_hi < 0 || at_lo < at_hi) ? at_lo : at_hi;
    /* A negation turns the bound round: "not suitable for under 18s" is
     * 18 and over; "not open to people over 65" is 65 and under. */
    if (lo >= 0 && neg_lo) {
        b->hi = lo;
        lo = -1;
    }
    if (hi >= 0 && neg_hi) {
        b->lo = hi + 1;
        hi = -1;
    }
    if (lo >= 0)
        b->lo = lo;
    if (hi >= 0)
        b->hi = hi;
    if (b->lo >= 0 || b->hi >= 0) {
        if (b->lo >= 0 && b->hi >= 0 && b->hi < b->lo)
            b->lo = b->hi = -1;
        return;
    }
    if (has(P_AGE_ANY, low)) {
        b->any = true;
        return;
    }
    if (has(P_ADULTS, low))
        b->lo = 18;
}

static void add_age(ctx *c, const agebounds *b, const char *field, const char *text,
                    double conf)
{
    if (b->any) {
        add_rule(c, "age", "any", NULL, 0, field, text, conf);
        return;
    }
    if (b->lo < 0 && b->hi < 0)
        return;
    /* "Not suitable for under 18s" then "for people aged 18 to 24": the
     * bounds add up (when they agree), and so does the evidence. */
    rec_rule *old = find_rule(c, "age");
    if (old && c->rc == SP_OK && strcmp(old->op, "any")) {
        bool add_hi = !old->has_hi && b->hi >= 0 && (!old->has_lo || b->hi >= old->lo);
        bool add_lo = !old->has_lo && b->lo >= 0 && (!old->has_hi || b->lo <= old->hi);
        if (!add_hi && !add_lo)
            return;
        size_t l1 = strlen(old->ev.text), l2 = strlen(text ? text : "");
        char *t = malloc(l1 + l2 + 4);
        if (!t) {
            c->rc = SP_ENOMEM;
            return;
        }
        snprintf(t, l1 + l2 + 4, "%s / %s", old->ev.text, text ? text : "");
        char *cut = ev_text(t);
        free(t);
        if (!cut) {
            c->rc = SP_ENOMEM;
            return;
        }
        free(old->ev.text);
        old->ev.text = cut;
        if (add_hi) {
            old->hi = b->hi;
            old->has_hi = true;
        }
        if (add_lo) {
            old->lo = b->lo;
            old->has_lo = true;
        }
        free(old->op);
        old->op = sp_strdup("range");
        if (!old->op)
            c->rc = SP_ENOMEM;
        if (conf < old->ev.confidence)
            old->ev.confidence = conf;
        return;
    }
    const char *op = b->lo >= 0 && b->hi >= 0 ? "range" : b->lo >= 0 ? "min" : "max";
    rec_rule *u = add_rule(c, "age", op, NULL, 0, field, text, conf);
    if (!u)
        return;
    if (b->lo >= 0) {
        u->lo = b->lo;
        u->has_lo = true;
    }
    if (b->hi >= 0) {
        u->hi = b->hi;
        u->has_hi = true;
    }
}

/* ------------------------------------------------------------ residency */

static void residency_sentence(ctx *c, const char *orig, const char *low, const char *field,
                               double conf)
{
    elig_span rm[ELIG_SPANS];
    if (!match(P_RES_TRIGGER, low, rm))
        return;
    /* "the programme supported more than 400 residents": the residents
     * of a statistic, wherever the place is named. */
    if (rm[0].so >= 0 && scope_low(c, (size_t)rm[0].so, ESC_DROP))
        return;
    /* "We work across south London helping residents": coverage, not a
     * condition of residence (geography in enrich.c has it). */
    if ((strstr(low, "across ") || strstr(low, "throughout ")) && !strstr(low, "live") &&
        !strstr(low, "only"))
        return;
    if (has(P_RES_ANY, low)) {
        add_rule(c, "residency", "any", NULL, 0, field, orig, conf);
        return;
    }
    hitsort h = {0};
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "borough", orig, hits, EL_MAX_VALUES);
    for (size_t i = 0; i < nh; i++)
        sort_hit(c, &h, "residency", &hits[i]);
    nh = vocab_match_text(c->v, "subregion", orig, hits, EL_MAX_VALUES);
    for (size_t i = 0; i < nh; i++) {
        sort_hit(c, &h, "residency", &hits[i]);
        /* "south London" is a place, not the partnership of that name: a
         * Lambeth resident is not shut out of "south London" by it. */
        const char *lab = vocab_label(c->v, "subregion", hits[i].slug);
        bool acronym = hits[i].keyword && isupper((unsigned char)hits[i].keyword[1]);
        if (lab && hits[i].keyword && strcasecmp(lab, hits[i].keyword) && !acronym &&
            conf > 0.7)
            conf = 0.7;
    }
    size_t n_named = h.n_pos + h.n_neg;
    /* Postcode districts ("N15, N17 and N22"), not whole postcodes (an
     * address): the district's main borough.  Districts straddle
     * boroughs, so a rule read from them is only worth a check. */
    for (size_t k = 0; c->sc && k < c->sc->n; k++) {
        const char *w = low + c->sc->off[k];
        size_t wl = c->sc->len[k], a = 0;
        while (a < wl && a < 2 && isalpha((unsigned char)w[a]))
            a++;
        if (a == 0 || wl < a + 1 || wl > a + 2 || !isdigit((unsigned char)w[a]) ||
            (wl == a + 2 && !isalnum((unsigned char)w[a + 1])))
            continue;
        if (k + 1 < c->sc->n && c->sc->len[k + 1] == 3 &&
            isdigit((unsigned char)low[c->sc->off[k + 1]]))
            continue; /* "N15 4AB": an address */
        char pc[8];
        for (size_t q = 0; q < wl; q++)
            pc[q] = (char)toupper((unsigned char)w[q]);
        pc[wl] = '\0';
        const vocab_borough *b = NULL;
        double lat, lon;
        if (vocab_postcode(c->v, pc, &lat, &lon, &b) != SP_OK || !b)
            continue;
        bool dup = false;
        for (size_t q = 0; q < h.n_pos; q++)
            dup = dup || !strcmp(h.pos[q], b->slug);
        if (dup || h.n_pos >= EL_MAX_VALUES - 4)
            continue;
        if (scope_low(c, c->sc->off[k], ESC_DROP))
            continue;
        const vocab_trigger *t = scope_low(c, c->sc->off[k], ESC_NEG);
        if (t) {
            h.why = h.why ? h.why : t;
            if (h.n_neg < EL_MAX_VALUES)
                h.neg[h.n_neg++] = b->slug;
        } else {
            h.pos[h.n_pos++] = b->slug;
        }
        if (conf > 0.7)
            conf = 0.7;
    }
    /* "London" on its own (not inside a sub-region's or borough's name). */
    const char *wide = NULL, *at = NULL;
    if (n_named == 0 && h.n_pos + h.n_neg == 0) {
        if ((at = strstr(low, "london")))
            wide = "london";
        else if ((at = strstr(low, "england")))
            wide = "england";
        else if ((at = strstr(low, " uk")) || (at = strstr(low, "united kingdom")))
            wide = "uk";
    }
    if (wide) {
        size_t off = (size_t)(at - low);
        const vocab_trigger *t = scope_low(c, off, ESC_DROP);
        if (t)
            return;
        t = scope_low(c, off, ESC_NEG);
        if (t) {
            h.why = t;
            h.neg[h.n_neg++] = wide;
        } else {
            h.pos[h.n_pos++] = wide;
        }
        anchor(c, "residency", off);
    }
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const char *op = "in";
    if (has(P_RES_EXCL, low)) {
        /* "not open to Hackney residents": the whole list is excluded. */
        op = "not_in";
        for (size_t i = 0; i < h.n_pos; i++)
            vals[nv++] = h.pos[i];
        for (size_t i = 0; i < h.n_neg; i++)
            vals[nv++] = h.neg[i];
    } else if (h.n_pos == 0) {
        /* "You must live outside Camden". */
        op = "not_in";
        for (size_t i = 0; i < h.n_neg; i++)
            vals[nv++] = h.neg[i];
    } else {
        for (size_t i = 0; i < h.n_pos; i++)
            vals[nv++] = h.pos[i];
    }
    if (nv == 0)
        return;
    if (!strcmp(op, "in") && has(P_RES_WORK, low))
        vals[nv++] = "work-or-study";
    rec_rule *u = add_rule(c, "residency", op, vals, nv, field, orig, conf);
    if (h.n_neg)
        set_trigger(c, u, h.why);
}

/* ------------------------------------------------------------ benefits */

static void benefit_sentence(ctx *c, const char *orig, const char *low, const char *field,
                             double conf)
{
    if (has(P_BEN_NONE, low)) {
        add_rule(c, "benefit", "none", NULL, 0, field, orig, conf);
        return;
    }
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "benefit", orig, hits, EL_MAX_VALUES);
    bool generic = has(P_BEN_GENERIC, low);
    if (!nh && !generic)
        return;
    if (!has(P_BEN_CLAIM, low) || has(P_BEN_HELP, low))
        return;
    /* "If you claim UC, or JSA, or are not claiming anything": everyone. */
    for (size_t i = 0; i < nh; i++) {
        const vocab_trigger *t = scope_orig(c, hits[i].off, ESC_OPEN);
        if (t) {
            set_trigger(c, add_rule(c, "benefit", "none", NULL, 0, field, orig, conf), t);
            return;
        }
    }
    if (!nh) {
        /* "benefits" alone, claimed: any benefit (but not "benefits you"). */
        elig_span m[12];
        if (!match(P_BEN_GENERIC, low, m))
            return;
        if (strstr(low, "benefit from") || strstr(low, "benefits of") ||
            strstr(low, "benefits include") || strstr(low, "benefit you"))
            return;
        size_t off = (size_t)m[0].so;
        if (scope_low(c, off, ESC_DROP))
            return;
        const vocab_trigger *t = scope_low(c, off, ESC_OPEN);
        if (t) {
            set_trigger(c, add_rule(c, "benefit", "none", NULL, 0, field, orig, conf), t);
            return;
        }
        anchor(c, "benefit", off);
        add_rule(c, "benefit", has(P_BEN_NOT, low) ? "none" : "any", NULL, 0, field, orig,
                 conf);
        return;
    }
    hitsort h = {0};
    for (size_t i = 0; i < nh; i++)
        sort_hit(c, &h, "benefit", &hits[i]);
    rec_rule *u = NULL;
    if (has(P_BEN_NOT, low)) {
        /* The sentence's own negation already read ("not eligible if you
         * claim"): every benefit named is excluded. */
        const char *vals[2 * EL_MAX_VALUES];
        size_t nv = 0;
        for (size_t i = 0; i < h.n_pos; i++)
            vals[nv++] = h.pos[i];
        for (size_t i = 0; i < h.n_neg; i++)
            vals[nv++] = h.neg[i];
        if (nv)
            u = add_rule(c, "benefit", "not_in", vals, nv, field, orig, conf);
    } else if (h.n_pos) {
        u = add_rule(c, "benefit", "in", h.pos, h.n_pos, field, orig, conf);
    } else if (h.n_neg) {
        u = add_rule(c, "benefit", "not_in", h.neg, h.n_neg, field, orig, conf);
    }
    if (h.n_neg || (u && h.why))
        set_trigger(c, u, h.why);
}

/* ------------------------------------------------------------ status */

static void status_sentence(ctx *c, const char *orig, const char *low, const char *field,
                            double conf)
{
    if (has(P_ST_ANY, low)) {
        add_rule(c, "employment_status", "any", NULL, 0, field, orig, conf);
        return;
    }
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "status", orig, hits, EL_MAX_VALUES);
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const char *neg[EL_MAX_VALUES];
    size_t nn = 0;
    const vocab_trigger *why = NULL;
    /* "not in education, employment or training" names the NEET group
     * (enrich.c tags it), not a status to exclude. */
    bool neet = strstr(low, "education, employment") || strstr(low, "employment, education") ||
                strstr(low, "education or training") || strstr(low, "employment or training");
    for (size_t i = 0; i < nh; i++) {
        /* "in-work support" and "in work progression" name a service, not
         * who may use it; "students" in a college's text is no status. */
        const char *after = orig + hits[i].off + hits[i].len;
        if (!strcmp(hits[i].slug, "in-work") &&
            (!strncmp(after, " support", 8) || !strncmp(after, " progression", 12) ||
             !strncmp(after, " benefit", 8)))
            continue;
        /* "not in work" is the unemployed keyword's, not in-work's. */
        if (!strcmp(hits[i].slug, "in-work") && hits[i].off >= 4 &&
            !strncasecmp(orig + hits[i].off - 4, "not ", 4))
            continue;
        if (!strcmp(hits[i].slug, "inactive") && strstr(low, "physically inactive"))
            continue;
        /* A college's "students" is no status; "open to students in
         * full-time education" sets one. */
        if (!strcmp(hits[i].slug, "in-education") && !has(P_REQ, low))
            continue;
        const vocab_trigger *t = scope_orig(c, hits[i].off, ESC_DROP);
        if (!t && (t = scope_orig(c, hits[i].off, ESC_NEG)) != NULL) {
            if (!(neet && !strcmp(hits[i].slug, "in-education")))
                neg[nn++] = hits[i].slug;
        }
        if (t) {
            why = why ? why : t;
            continue;
        }
        anchor(c, "employment_status", c->o2l ? c->o2l[hits[i].off] : 0);
        vals[nv++] = hits[i].slug;
    }
    /* "not working and not looking for work" is inactive, not unemployed. */
    if (nv == 2 && strstr(low, "not looking") &&
        ((!strcmp(vals[0], "unemployed") && !strcmp(vals[1], "inactive")) ||
         (!strcmp(vals[1], "unemployed") && !strcmp(vals[0], "inactive")))) {
        vals[0] = "inactive";
        nv = 1;
    }
    const char *op = has(P_ST_NOT, low) ? "not_in" : "in";
    if (!nv && nn) {
        /* "Not for people already working 16 hours or more". */
        memcpy(vals, neg, nn * sizeof *neg);
        nv = nn;
        op = "not_in";
    }
    if (!nv)
        return;
    /* "Aimed at unemployed people" targets; "you must be unemployed" rules. */
    rec_rule *u = add_rule(c, "employment_status", op, vals, nv, field, orig,
                           has(P_STRONG, low) ? conf : (conf < 0.7 ? conf : 0.7));
    set_trigger(c, u, why);
}

/* ------------------------------------------------------------ months */

static void months_sentence(ctx *c, const char *orig, const char *low, const char *field,
                            double conf)
{
    elig_span m[12];
    int n = -1;
    const char *unit = NULL;
    if (has(P_MONTHS_ANY, low)) {
        add_rule(c, "months_unemployed", "any", NULL, 0, field, orig, conf);
        return;
    }
    if (match(P_MONTHS1, low, m)) {
        n = grp_num(low, m, 3);
        unit = low + m[4].so;
    } else if (match(P_MONTHS2, low, m)) {
        n = grp_num(low, m, 2);
        unit = low + m[3].so;
    }
    if ((n > 0 && unit) || has(P_LTU, low)) {
        /* Time out of work of staff or past clients, or in history. */
        size_t off = n > 0 && unit ? (size_t)m[0].so : 0;
        if (!(n > 0 && unit)) {
            const char *l = strstr(low, "long");
            off = l ? (size_t)(l - low) : 0;
        }
        if (scope_low(c, off, ESC_DROP))
            return;
        anchor(c, "months_unemployed", off);
    }
    if (n > 0 && unit) {
        double months = n;
        if (!strncmp(unit, "week", 4))
            months = round(n * 12.0 / 52.0);
        else if (!strncmp(unit, "year", 4))
            months = n * 12.0;
        if (months < 1 || months > 120)
            return;
        rec_rule *u = add_rule(c, "months_unemployed", "min", NULL, 0, field, orig, conf);
        if (u) {
            u->lo = months;
            u->has_lo = true;
        }
        return;
    }
    if (has(P_LTU, low)) {
        /* "long-term unemployed" means 12 months by convention, not by the
         * service's own word: failing it is "check". */
        rec_rule *u = add_rule(c, "months_unemployed", "min", NULL, 0, field, orig,
                               conf < 0.6 ? conf : 0.6);
        if (u) {
            u->lo = 12;
            u->has_lo = true;
        }
    }
}

/* ------------------------------------------------------------ right to work */

static void rtw_sentence(ctx *c, const char *orig, const char *low, const char *field,
                         double conf)
{
    elig_span m[12];
    bool named = match(P_RTW, low, m);
    const char *nrpf = named ? NULL : strstr(low, "nrpf");
    if (!named && !nrpf)
        return;
    /* Staff, or applicants for a job: not a condition on clients. */
    size_t off = named ? (size_t)m[0].so : (size_t)(nrpf - low);
    if (scope_low(c, off, ESC_DROP))
        return;
    anchor(c, "right_to_work", off);
    if (has(P_RTW_EXCL, low)) {
        const char *vals[] = {"right-to-work"};
        add_rule(c, "right_to_work", "in", vals, 1, field, orig, conf);
        return;
    }
    /* A service aimed at people with insecure status asks for no right to
     * work (a refusal was caught just above). */
    if (has(P_RTW_NONE, low) || strstr(low, "no recourse") || strstr(low, "nrpf") ||
        strstr(low, "insecure immigration") || strstr(low, "undocumented")) {
        add_rule(c, "right_to_work", "none", NULL, 0, field, orig, conf);
        return;
    }
    /* A requirement only when the sentence asks for something ("must have
     * the right to work"); "advice on right to work" is a service. */
    if (!has(P_REQ, low) && !strstr(low, "need") && !strstr(low, "require") &&
        !strstr(low, "proof") && !strstr(low, "evidence of"))
        return;
    const char *vals[] = {"right-to-work"};
    add_rule(c, "right_to_work", "in", vals, 1, field, orig, conf);
}

/* ------------------------------------------------------------ groups */

/* The word after a hit (letters and apostrophes), copied lower-cased into
 * w; *cap: it starts with a capital. */
static void next_word(const char *orig, const vocab_hit *h, char *w, size_t wn, bool *cap)
{
    const char *p = orig + h->off + h->len;
    while (*p == ' ')
        p++;
    *cap = isupper((unsigned char)*p);
    size_t n = 0;
    while (n + 1 < wn && (isalpha((unsigned char)*p) || *p == '\'' || *p == '-'))
        w[n++] = (char)tolower((unsigned char)*p++);
    w[n] = '\0';
}

static bool word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(w, *list))
            return true;
    return false;
}

/* Is a group word part of the name of a service or of a thing rather than
 * people ("ESOL classes", "disability cars", "co-funded ESOL", a web
 * address)?  Then it may require nobody to be in the group. */
static bool group_in_name(const char *orig, const vocab_hit *h)
{
    static const char *const people[] = {
        "people", "person", "persons", "adults", "adult", "children", "families", "parents",
        "residents", "learners", "learner", "students", "student", "speakers", "needs",
        "clients", "participants", "users", "women", "men", "young", "claimants", NULL};
    static const char *const things[] = {
        "class", "classes", "course", "courses", "provision", "lessons", "handbook", "car",
        "cars", "toilet", "equipment", "staff", "employees", "workforce", "teachers",
        "tutors", "awareness", "rights", "campaign", "sector", NULL};
    static const char *const course[] = {"co-funded", "funded", "fully-funded", "free",
                                         "accredited", "mainstream", NULL};
    char w[32];
    bool cap;
    next_word(orig, h, w, sizeof w, &cap);
    if (word_in(w, things))
        return true;
    if (word_in(w, people))
        return false;
    /* ESOL is also a kind of course ("eligible for co-funded ESOL"). */
    if (h->keyword && !strcmp(h->keyword, "ESOL")) {
        char prev[32];
        size_t e = h->off, b;
        while (e > 0 && orig[e - 1] == ' ')
            e--;
        for (b = e; b > 0 && orig[b - 1] != ' ';)
            b--;
        size_t n = e - b < sizeof prev - 1 ? e - b : sizeof prev - 1;
        for (size_t i = 0; i < n; i++)
            prev[i] = (char)tolower((unsigned char)orig[b + i]);
        prev[n] = '\0';
        if (word_in(prev, course))
            return true;
    }
    /* Inside a web address ("gov.uk/transport-disabled"). */
    size_t k = h->off;
    while (k > 0 && orig[k - 1] != ' ')
        k--;
    return memchr(orig + k, '/', h->off - k) || !strncmp(orig + k, "www.", 4);
}

static void group_sentence(ctx *c, const char *orig, const char *low, const char *field,
                           double conf, bool elig_field, bool age_rule_here)
{
    if (has(P_SOFT, low))
        return;
    bool req = has(P_REQ, low);
    if (!req && !elig_field)
        return;
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "group", orig, hits, EL_MAX_VALUES);
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const vocab_trigger *why = NULL;
    bool named = false;
    for (size_t i = 0; i < nh; i++) {
        const char *s = hits[i].slug;
        /* A group of staff, or one the sentence turns away ("not for
         * carers"), is no requirement to belong to it. */
        const vocab_trigger *t = scope_orig(c, hits[i].off, ESC_DROP);
        if (!t)
            t = scope_orig(c, hits[i].off, ESC_NEG);
        if (t) {
            why = why ? why : t;
            continue;
        }
        /* Inside a name or a word for a thing: kept, but only worth a
         * check (when in doubt, never "not eligible"). */
        if (group_in_name(orig, &hits[i]))
            named = true;
        /* Groups the other dimensions say better. */
        if (!strcmp(s, "young-people") || !strcmp(s, "aged-50-plus") ||
            !strcmp(s, "long-term-unemployed") || !strcmp(s, "economically-inactive") ||
            !strcmp(s, "in-work-progression") || !strcmp(s, "neet"))
            continue;
        if (c->o2l)
            anchor(c, "group", c->o2l[hits[i].off]);
        vals[nv++] = s;
    }
    (void)age_rule_here;
    if (!nv)
        return;
    double gc = has(P_STRONG, low) ? conf : (conf < 0.7 ? conf : 0.7);
    rec_rule *u = add_rule(c, "group", "in", vals, nv, field, orig,
                           named && gc > 0.5 ? 0.5 : gc);
    set_trigger(c, u, why);
}

/* ------------------------------------------------------------ mandatory */

static void mandatory_sentence(ctx *c, const char *orig, const char *low, const char *field,
                               double conf)
{
    if (has(P_MAND_NOT, low)) {
        const char *vals[] = {"voluntary"};
        add_rule(c, "mandatory", "in", vals, 1, field, orig, conf);
        return;
    }
    if (has(P_MAND, low)) {
        const char *vals[] = {"mandatory"};
        add_rule(c, "mandatory", "in", vals, 1, field, orig, conf);
        return;
    }
    if (has(P_VOL, low) && !has(P_VOL_NOT, low)) {
        const char *vals[] = {"voluntary"};
        add_rule(c, "mandatory", "in", vals, 1, field, orig, conf);
    }
}

/* ------------------------------------------------------------ sentences */

/* Lower-case ASCII, dashes to '-', curly quotes to '\'', NBSP to ' '. */
static void lower_norm(const char *in, char *out, size_t outsz, uint16_t *o2l)
{
    size_t o = 0, i = 0;
    for (; in[i] && o + 1 < outsz; i++) {
        unsigned char ch = (unsigned char)in[i];
        /* Every byte of a character maps to where it went ("\xe2\x80\x99"
         * -> one "'"). */
        for (size_t k = 0; k < 3 && in[i + k]; k++)
            o2l[i + k] = (uint16_t)o;
        if (ch == 0xE2 && (unsigned char)in[i + 1] == 0x80 &&
            ((unsigned char)in[i + 2] == 0x93 || (unsigned char)in[i + 2] == 0x94)) {
            out[o++] = '-';
            i += 2;
        } else if (ch == 0xE2 && (unsigned char)in[i + 1] == 0x80 &&
                   ((unsigned char)in[i + 2] == 0x98 || (unsigned char)in[i + 2] == 0x99)) {
            out[o++] = '\'';
            i += 2;
        } else if (ch == 0xC2 && (unsigned char)in[i + 1] == 0xA0) {
            out[o++] = ' ';
            i += 1;
        } else if (ch == '\t' || ch == '\n' || ch == '\r') {
            out[o++] = ' ';
        } else {
            out[o++] = (char)tolower(ch);
        }
    }
    for (; i <= EL_MAX_SENTENCE; i++)
        o2l[i] = (uint16_t)o;
    out[o] = '\0';
}

/* Either/or between two dimensions: each rule made in this sentence on
 * either side is one alternative, so failing it alone is only a check.
 * "either": the dimensions in its scope; "or": the nearest word a rule came
 * from on each side, when their dimensions differ. */
static void soften(ctx *c, const char *dim, const vocab_trigger *t)
{
    for (size_t i = c->first; i < c->n; i++)
        if (!strcmp(c->rules[i].dim, dim)) {
            if (c->rules[i].ev.confidence > 0.5)
                c->rules[i].ev.confidence = 0.5;
            set_trigger(c, &c->rules[i], t);
        }
}

static void alternatives(ctx *c)
{
    const elig_scope *sc = c->sc;
    for (size_t q = 0; q < sc->n_m; q++) {
        const esc_match *m = &sc->m[q];
        if (m->t->kind != VT_ALTERNATIVE)
            continue;
        size_t w = (size_t)m->t->window;
        const char *left = NULL, *right = NULL, *first = NULL;
        size_t lw = 0, rw = SIZE_MAX;
        bool two = false;
        for (size_t a = 0; a < c->n_anch; a++) {
            size_t k = elig_scope_word(sc, c->anch[a].off);
            if (m->t->backward && k < m->from && k + w >= m->from && (!left || k >= lw)) {
                left = c->anch[a].dim;
                lw = k;
            }
            if (k >= m->to && k < m->to + w) {
                if (!right || k < rw) {
                    right = c->anch[a].dim;
                    rw = k;
                }
                if (!first)
                    first = c->anch[a].dim;
                else if (strcmp(first, c->anch[a].dim))
                    two = true;
            }
        }
        if (m->t->backward && left && right && strcmp(left, right)) {
            soften(c, left, m->t);
            soften(c, right, m->t);
        } else if (!m->t->backward && two) {
            for (size_t a = 0; a < c->n_anch; a++) {
                size_t k = elig_scope_word(sc, c->anch[a].off);
                if (k >= m->to && k < m->to + w)
                    soften(c, c->anch[a].dim, m->t);
            }
        }
    }
}

static void sentence(ctx *c, const char *orig, const char *field, double conf, bool elig_field)
{
    char low[EL_MAX_SENTENCE + 1];
    uint16_t o2l[EL_MAX_SENTENCE + 2];
    lower_norm(orig, low, sizeof low, o2l);
    if (!*low)
        return;
    elig_scope sc;
    elig_scope_build(c->v, low, c->job, &sc);
    c->sc = &sc;
    c->o2l = o2l;
    c->first = c->n;
    c->n_anch = 0;
    double cf = conf;
    if (has(P_EXCEPT, low))
        cf = 0.5; /* failing it means "check", not "not eligible" */

    /* A description listing several target groups ("for women returners,
     * young adults aged 18-25 and low-paid workers") gives each condition
     * to one group only: such conditions are worth a check, no more. */
    if (!elig_field) {
        vocab_hit gh[8];
        if (vocab_match_text(c->v, "group", orig, gh, 8) >= 2 && cf > 0.5)
            cf = 0.5;
    }
    /* A line that introduces a list ("Older people aged 50 and over:", "You
     * are entitled to a reduced fee if you are:") heads what follows; what
     * it is a condition of is not known: worth a check. */
    size_t ll = strlen(low);
    while (ll > 0 && low[ll - 1] == ' ')
        ll--;
    if (ll > 0 && low[ll - 1] == ':' && cf > 0.7)
        cf = 0.7;
    /* Targeting without a firm word ("aimed at people claiming UC") is no
     * requirement, whatever the dimension: failing it is a check. */
    static const char *const aim[] = {"aimed at", "targeted at", "designed for", "tailored to",
                                      "tailored for", "geared towards", "focused on", "ideal for",
                                      "suited to"};
    for (size_t i = 0; cf > 0.7 && i < sizeof aim / sizeof aim[0]; i++)
        if (strstr(low, aim[i]) && !has(P_STRONG, low))
            cf = 0.7;
    agebounds b;
    char alow[EL_MAX_SENTENCE + 1];
    uint16_t a2l[EL_MAX_SENTENCE + 1];
    age_digits(low, alow, sizeof alow, a2l);
    age_sentence(alow, &b);
    /* An age of staff, of past clients or of the organisation is none. */
    if (b.at >= 0 && scope_low(c, a2l[b.at], ESC_DROP))
        b.lo = b.hi = -1;
    else if (b.at >= 0)
        anchor(c, "age", a2l[b.at]);
    bool soft = has(P_SOFT, low) && !strstr(low, "regardless") && !strstr(low, "open to all");
    /* "Especially for 16-24 year olds" prefers; it does not exclude. */
    bool prefers = strstr(low, "priorit") || strstr(low, "especially") ||
                   strstr(low, "particularly") || strstr(low, "in particular") ||
                   strstr(low, "preference");
    if (b.any || !prefers)
        add_age(c, &b, field, orig, cf);
    if (!soft || has(P_RES_ANY, low))
        residency_sentence(c, orig, low, field, cf);
    benefit_sentence(c, orig, low, field, cf);
    if (!soft || has(P_ST_ANY, low))
        status_sentence(c, orig, low, field, cf);
    if (!soft || has(P_MONTHS_ANY, low))
        months_sentence(c, orig, low, field, cf);
    rtw_sentence(c, orig, low, field, cf);
    group_sentence(c, orig, low, field, cf, elig_field, b.lo >= 0 || b.hi >= 0);
    mandatory_sentence(c, orig, low, field, cf);
    alternatives(c);
    c->sc = NULL;
    c->o2l = NULL;
}

/* Split text into sentences (". ", "! ", "? ", ";", newlines, bullets). */
static void scan_text(ctx *c, const char *text, const char *field, double conf, bool elig)
{
    if (!text)
        return;
    char buf[EL_MAX_SENTENCE + 1];
    size_t n = 0, count = 0;
    for (const char *p = text;; p++) {
        bool end = !*p || *p == '\n' || *p == ';' || *p == '\r' ||
                   ((*p == '.' || *p == '!' || *p == '?') && (p[1] == ' ' || !p[1])) ||
                   (*p == '\xe2' && p[1] == '\x80' && p[2] == '\xa2');
        /* "e.g. " and "approx. " do not end a sentence. */
        if (end && *p == '.' && n >= 3 && (!strncmp(buf + n - 3, "e.g", 3) ||
                                           !strncmp(buf + n - 3, "i.e", 3)))
            end = false;
        if (end) {
            buf[n] = '\0';
            size_t s = 0;
            while (buf[s] == ' ')
                s++;
            if (buf[s] && count++ < EL_MAX_SENTENCES)
                sentence(c, buf + s, field, conf, elig);
            n = 0;
            if (!*p)
                break;
            if (*p == '\xe2')
                p += 2;
            continue;
        }
        if (n < EL_MAX_SENTENCE)
            buf[n++] = *p;
    }
}

/* ------------------------------------------------------------ structured */

static void structured(ctx *c)
{
    rec_service *r = c->r;
    /* HSDS minimum_age / maximum_age. */
    if (r->minimum_age >= 0 || r->maximum_age >= 0) {
        agebounds b = {-1, -1, false, -1};
        char text[96];
        if (r->minimum_age >= 0 && r->minimum_age < 130)
            b.lo = (int)r->minimum_age;
        if (r->maximum_age >= 0 && r->maximum_age < 130 && r->maximum_age >= r->minimum_age)
            b.hi = (int)r->maximum_age;
        snprintf(text, sizeof text, "minimum_age %g, maximum_age %g", r->minimum_age,
                 r->maximum_age);
        add_age(c, &b, r->minimum_age >= 0 ? "minimum_age" : "maximum_age", text, 1.0);
    }
}

/* The trigger that turns a referral route away in the sentence enrich.c
 * read it from ("we are unable to take self-referrals"); NULL when the
 * route is offered there. */
static const vocab_trigger *route_refused(ctx *c, const char *slug, const char *text)
{
    if (!text)
        return NULL;
    char orig[EL_MAX_SENTENCE + 1], low[EL_MAX_SENTENCE + 1];
    uint16_t o2l[EL_MAX_SENTENCE + 2];
    size_t n = strlen(text);
    if (n > EL_MAX_SENTENCE)
        n = EL_MAX_SENTENCE;
    memcpy(orig, text, n);
    orig[n] = '\0';
    lower_norm(orig, low, sizeof low, o2l);
    elig_scope sc;
    elig_scope_build(c->v, low, c->job, &sc);
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "referral", orig, hits, EL_MAX_VALUES);
    const vocab_trigger *why = NULL;
    for (size_t i = 0; i < nh; i++) {
        if (strcmp(hits[i].slug, slug))
            continue;
        const vocab_trigger *t = elig_scope_at(&sc, o2l[hits[i].off], ESC_NEG);
        if (!t)
            t = elig_scope_at(&sc, o2l[hits[i].off], ESC_DROP);
        if (!t)
            return NULL;
        why = t;
    }
    return why;
}

/* Does the sentence say how people are sent to the service?  A council,
 * Jobcentre or GP named for any other reason ("in partnership with
 * Jobcentre Plus", "a preferred provider for the Council", news about the
 * DWP) is no referral route. */
static bool referral_cue(const char *text)
{
    static const char *const cue[] = {"through your", "via your", "via the", "through the",
                                      "signpost", "sent by", "ask your", "speak to your",
                                      "talk to your", "recommended by", "introduced by",
                                      "nominated by", "put you forward", NULL};
    char low[EL_MAX_SENTENCE + 1];
    size_t n = 0;
    for (; text[n] && n < EL_MAX_SENTENCE; n++)
        low[n] = (char)tolower((unsigned char)text[n]);
    low[n] = '\0';
    for (const char *p = strstr(low, "refer"); p; p = strstr(p + 1, "refer"))
        if (p == low || !isalpha((unsigned char)p[-1]))
            return true;
    for (size_t i = 0; cue[i]; i++)
        if (strstr(low, cue[i]))
            return true;
    return false;
}

/* From the derived tags, after the prose: service area as a residency
 * guess, referral routes, cost. */
static void from_tags(ctx *c)
{
    rec_service *r = c->r;
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const rec_evidence *ev = NULL;
    if (!find_rule(c, "residency")) {
        for (size_t i = 0; i < r->boroughs.n && nv < EL_MAX_VALUES; i++) {
            const rec_tag *t = &r->boroughs.v[i];
            if (t->ev.field && !strncmp(t->ev.field, "service_areas", 13)) {
                vals[nv++] = t->slug;
                if (!ev)
                    ev = &t->ev;
            }
        }
        /* (A pan-London service restricts no Londoner: no rule.) */
        if (nv)
            add_rule(c, "residency", "in", vals, nv, ev->field, ev->text, 0.6);
    }
    nv = 0;
    ev = NULL;
    const char *refused[EL_MAX_VALUES];
    size_t nr = 0;
    const vocab_trigger *why = NULL;
    const rec_evidence *rev = NULL;
    for (size_t i = 0; i < r->referrals.n && nv < EL_MAX_VALUES; i++) {
        const rec_tag *t = &r->referrals.v[i];
        /* An agency named with no word of referring (self and other-agency
         * keywords say how one gets in by themselves). */
        if (strcmp(t->slug, "self") && strcmp(t->slug, "other-agency") && t->ev.text &&
            !referral_cue(t->ev.text))
            continue;
        const vocab_trigger *no = route_refused(c, t->slug, t->ev.text);
        if (no) {
            why = why ? why : no;
            rev = rev ? rev : &t->ev;
            refused[nr++] = t->slug;
            continue;
        }
        vals[nv++] = t->slug;
        if (!ev)
            ev = &t->ev;
    }
    rec_rule *u = NULL;
    if (nv)
        u = add_rule(c, "referral", "in", vals, nv, ev->field ? ev->field : "referrals",
                     ev->text, ev->confidence);
    else if (nr)
        u = add_rule(c, "referral", "not_in", refused, nr,
                     rev->field ? rev->field : "referrals", rev->text, rev->confidence);
    set_trigger(c, u, why);
    nv = 0;
    ev = NULL;
    for (size_t i = 0; i < r->costs.n && nv < EL_MAX_VALUES; i++) {
        vals[nv++] = r->costs.v[i].slug;
        if (!ev)
            ev = &r->costs.v[i].ev;
    }
    if (nv)
        add_rule(c, "cost", "in", vals, nv, ev->field ? ev->field : "costs", ev->text,
                 ev->confidence);
}

/* ORUK attributes with link_type "eligibility": a taxonomy term (an
 * esdCircumstances label or our group slug) naming who the service is for,
 * or text.  Groups become one group rule; anything else is read as prose. */
static void eligibility_attributes(ctx *c)
{
    const rec_service *r = c->r;
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    char field[64] = "attributes";
    const char *first = NULL;
    for (size_t i = 0; i < r->n_attributes && i < 200; i++) {
        const rec_attribute *a = &r->attributes[i];
        if (!a->link_type || strcasecmp(a->link_type, "eligibility") != 0)
            continue;
        const char *name = a->term.name ? a->term.name : a->value;
        if (!name)
            continue;
        const char *g = vocab_term(c->v, "group", name);
        if (!g && a->term.code)
            g = vocab_term(c->v, "group", a->term.code);
        if (!g)
            g = vocab_canon(c->v, "group", name);
        if (g) {
            bool dup = false;
            for (size_t k = 0; k < nv; k++)
                if (!strcmp(vals[k], g))
                    dup = true;
            if (!dup && nv < EL_MAX_VALUES) {
                if (!first) {
                    first = name;
                    snprintf(field, sizeof field, "attributes[%zu].taxonomy_term", i);
                }
                vals[nv++] = g;
            }
        } else {
            char f2[64];
            snprintf(f2, sizeof f2, "attributes[%zu]", i);
            scan_text(c, name, f2, 0.9, true);
        }
    }
    if (nv)
        add_rule(c, "group", "in", vals, nv, field, first, 0.8);
}

/* Does text name a job advert cue (a "job" trigger) as whole words? */
static bool job_cue(const vocab *v, const char *text)
{
    size_t nt = 0;
    const vocab_trigger *t = vocab_triggers(v, &nt);
    for (size_t i = 0; text && i < nt; i++) {
        if (t[i].kind != VT_JOB)
            continue;
        size_t pl = strlen(t[i].phrase);
        for (const char *p = strcasestr(text, t[i].phrase); p;
             p = strcasestr(p + 1, t[i].phrase))
            if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[pl]))
                return true;
    }
    return false;
}

int elig_extract(const vocab *v, rec_service *r, sp_err *err)
{
    if (!v || !r)
        return sp_fail(err, SP_EINVAL, "elig_extract: NULL argument");
    if (!elig_pat_init())
        return sp_fail(err, SP_EINVAL, "elig_extract: out of memory building the phrase automaton");
    elig_clear(r);
    ctx c = {.v = v, .r = r, .rules = calloc(EL_MAX_RULES, sizeof(rec_rule)), .rc = SP_OK};
    if (!c.rules)
        return sp_fail(err, SP_ENOMEM, "elig_extract: out of memory");
    c.job = job_cue(v, r->eligibility_description) || job_cue(v, r->description) ||
            job_cue(v, r->application_process);
    structured(&c);
    scan_text(&c, r->eligibility_description, "eligibility_description", 0.9, true);
    eligibility_attributes(&c);
    scan_text(&c, r->description, "description", 0.8, false);
    scan_text(&c, r->application_process, "application_process", 0.8, false);
    scan_text(&c, r->fees_description, "fees_description", 0.8, false);
    from_tags(&c);
    if (c.rc != SP_OK) {
        for (size_t i = 0; i < c.n; i++)
            rule_free(&c.rules[i]);
        free(c.rules);
        return sp_fail(err, c.rc, "elig_extract: out of memory");
    }
    if (c.n == 0) {
        free(c.rules);
        c.rules = NULL;
    }
    r->rules = c.rules;
    r->n_rules = c.n;
    return SP_OK;
}

