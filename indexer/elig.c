/*
 * elig.c - eligibility rules read from a service record (elig_extract; see
 * elig.h and docs/eligibility.md): the record's fields and text, sentence by
 * sentence, with the scopes over each; each dimension is read out of a
 * sentence in elig_dims.c (shared state in elig_int.h).  The person is
 * checked in elig_eval.c.
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
#include "elig_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>



/* ------------------------------------------------------------ the rules */


void elig_clear(rec_service *r)
{
    if (!r)
        return;
    rec_rules_free(r->rules, r->n_rules);
    r->rules = NULL;
    r->n_rules = 0;
}

/* Evidence: the sentence as written, cut to EL_EVIDENCE bytes on a
 * character boundary. */
char *el_ev_text(const char *s)
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

rec_rule *el_find_rule(ctx *c, const char *dim)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->rules[i].dim, dim))
            return &c->rules[i];
    return NULL;
}

/* Add a rule (values: n slugs).  The first rule of a dimension wins, as
 * the structured fields and the eligibility text are read first. */
/* A second "in" rule of a dimension another sentence already gave
 * ("To be eligible you must: * Receive ESA * Receive JSA * Receive
 * Universal Credit", or "You must live in Hackney. Open to Islington
 * residents."): each names people who may take part, so the rule admits
 * the values of both, as firm as the weaker of the two.  The first rule
 * alone would turn away everyone the later ones name. */
static bool rule_has(const rec_rule *u, const char *v)
{
    for (size_t j = 0; j < u->n_values; j++)
        if (!strcmp(u->values[j], v))
            return true;
    return false;
}

static void merge_in(ctx *c, rec_rule *u, const char *op, const char *const *vals, size_t nv,
                     double conf)
{
    if (strcmp(u->op, "in") || strcmp(op, "in") || !nv || !u->n_values)
        return;
    if (conf < u->ev.confidence)
        u->ev.confidence = conf;
    char **v = realloc(u->values, (u->n_values + nv) * sizeof *v);
    if (!v) {
        c->rc = SP_ENOMEM;
        return;
    }
    u->values = v;
    for (size_t i = 0; i < nv; i++) {
        if (rule_has(u, vals[i]))
            continue;
        if (!(u->values[u->n_values] = sp_strdup(vals[i]))) {
            c->rc = SP_ENOMEM;
            return;
        }
        u->n_values++;
    }
}

rec_rule *el_add_rule(ctx *c, const char *dim, const char *op, const char *const *vals,
                      size_t nv, const char *field, const char *text, double conf)
{
    rec_rule *prev = el_find_rule(c, dim);
    if (prev && c->rc == SP_OK)
        merge_in(c, prev, op, vals, nv, conf);
    if (c->rc != SP_OK || c->n >= EL_MAX_RULES || prev)
        return NULL;
    rec_rule *u = &c->rules[c->n];
    memset(u, 0, sizeof *u);
    u->dim = sp_strdup(dim);
    u->op = sp_strdup(op);
    u->ev.field = sp_strdup(field);
    u->ev.text = el_ev_text(text ? text : "");
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
        rec_rule_clear(u);
        c->rc = SP_ENOMEM;
        return NULL;
    }
    c->n++;
    return u;
}

/* ------------------------------------------------------------ scopes */

/* The trigger whose scope of class cls covers a byte of the sentence's
 * lower-cased text (low_off) or of its original (orig_off via o2l). */
const vocab_trigger *el_scope_low(const ctx *c, size_t low_off, int cls)
{
    return c->sc ? elig_scope_at(c->sc, low_off, cls) : NULL;
}

const vocab_trigger *el_scope_orig(const ctx *c, size_t orig_off, int cls)
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
    return el_scope_low(c, low_off, cls);
}

/* This rule was changed by t (the first trigger that changed it counts). */
void el_set_trigger(ctx *c, rec_rule *u, const vocab_trigger *t)
{
    if (!u || !t || u->trigger || c->rc != SP_OK)
        return;
    u->trigger = sp_strdup(t->label);
    if (!u->trigger)
        c->rc = SP_ENOMEM;
}

/* A rule of dim came from the word at low_off. */
void el_anchor(ctx *c, const char *dim, size_t low_off)
{
    if (c->n_anch < EL_MAX_ANCHORS) {
        c->anch[c->n_anch].dim = dim;
        c->anch[c->n_anch].off = low_off;
        c->n_anch++;
    }
}


/* A hit of dim sorted into h by the scopes over it (elig_int.h). */
void el_sort_hit(ctx *c, hitsort *h, const char *dim, const vocab_hit *hit)
{
    /* Dropped: about someone else or history, or in the scope of words
     * that admit everyone ("there is no requirement to live in X"). */
    const vocab_trigger *t = el_scope_orig(c, hit->off, ESC_DROP);
    if (!t)
        t = el_scope_orig(c, hit->off, ESC_OPEN);
    if (t) {
        if (!h->why)
            h->why = t;
        return;
    }
    t = el_scope_orig(c, hit->off, ESC_NEG);
    if (t) {
        if (!h->why)
            h->why = t;
        if (h->n_neg < EL_MAX_VALUES)
            h->neg[h->n_neg++] = hit->slug;
    } else if (h->n_pos < EL_MAX_VALUES) {
        h->pos[h->n_pos++] = hit->slug;
    }
    if (c->o2l)
        el_anchor(c, dim, c->o2l[hit->off]);
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
            el_set_trigger(c, &c->rules[i], t);
        }
}

/* The either/or trigger of the scope at low_off, if any. */
static const vocab_trigger *alternative_at(const ctx *c, size_t low_off)
{
    size_t k = elig_scope_word(c->sc, low_off);
    for (size_t q = 0; q < c->sc->n_m; q++)
        if (c->sc->m[q].t->kind == VT_ALTERNATIVE && c->sc->m[q].from == k)
            return c->sc->m[q].t;
    return NULL;
}

/* Criteria widened ("eligibility is expanded so that claimants of JSA can
 * be referred", "now also open to"): the people named are added to those
 * who may use the service, not the only ones, so each rule read in the
 * trigger's scope is one alternative: failing it alone is a check. */
static void widenings(ctx *c)
{
    for (size_t a = 0; a < c->n_anch; a++) {
        const vocab_trigger *t = elig_scope_at(c->sc, c->anch[a].off, ESC_WIDEN);
        if (!t)
            continue;
        soften(c, c->anch[a].dim, t);
        size_t w = 0;
        while (w < c->n_wid && strcmp(c->wid[w].dim, c->anch[a].dim))
            w++;
        if (w == c->n_wid && w < EL_MAX_ANCHORS) {
            c->wid[w].dim = c->anch[a].dim;
            c->wid[w].t = t;
            c->n_wid++;
        }
    }
}

/* "You must be aged 18-24. Care leavers up to 25 are also eligible.":
 * the widening sentence adds people to a rule another sentence made, so
 * that rule, firm as it reads, does not list everyone: failing it is a
 * check, wherever the two sentences are in the record. */
static void widen_record(ctx *c)
{
    for (size_t w = 0; w < c->n_wid; w++)
        for (size_t i = 0; i < c->n; i++) {
            rec_rule *u = &c->rules[i];
            if (strcmp(u->dim, c->wid[w].dim) || u->ev.confidence <= 0.7)
                continue;
            u->ev.confidence = 0.7;
            if (!u->trigger)
                el_set_trigger(c, u, c->wid[w].t);
        }
}

/* Does the sentence speak about eligibility rules rather than state one
 * ("there are certain eligibility rules for ...", "the eligibility
 * criteria for X is the same as ...")? */
static bool about_rules(const char *low)
{
    static const char *const about[] = {"there are certain eligibility", "there are eligibility",
                                        "there are different eligibility",
                                        "there are some eligibility",
                                        "certain eligibility rules", "different eligibility rules"};
    for (size_t i = 0; i < sizeof about / sizeof about[0]; i++)
        if (strstr(low, about[i]))
            return true;
    return !strncmp(low, "the eligibility criteria", 24) &&
           (strstr(low, " the same") || strstr(low, " different") || strstr(low, " changed"));
}

/* Does the other side of an "or" (words [from, to)) name a group or a
 * status that made no rule here ("over the age of 16 or school leaver":
 * young people are said better by age, so no group rule)?  Then the rule
 * on this side is one alternative of two dimensions too. */
static bool other_dim_after(const ctx *c, const char *orig, const char *dim, size_t from,
                            size_t to)
{
    static const char *const fields[][2] = {{"group", "group"},
                                            {"status", "employment_status"}};
    for (size_t f = 0; f < 2; f++) {
        if (!strcmp(dim, fields[f][1]))
            continue;
        vocab_hit hits[EL_MAX_VALUES];
        size_t nh = vocab_match_text(c->v, fields[f][0], orig, hits, EL_MAX_VALUES);
        for (size_t i = 0; i < nh; i++) {
            size_t k = elig_scope_word(c->sc, c->o2l[hits[i].off]);
            if (k >= from && k < to)
                return true;
        }
    }
    return false;
}

static void alternatives(ctx *c, const char *orig)
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
        } else if (m->t->backward && left && !right &&
                   other_dim_after(c, orig, left, m->to, m->to + w)) {
            soften(c, left, m->t);
        } else if (!m->t->backward && two) {
            for (size_t a = 0; a < c->n_anch; a++) {
                size_t k = elig_scope_word(sc, c->anch[a].off);
                if (k >= m->to && k < m->to + w)
                    soften(c, c->anch[a].dim, m->t);
            }
        }
    }
}

/* Does the lower-cased text name a price band (who pays less) without a
 * word of requirement? */
static bool price_band(const char *low)
{
    return has(P_PRICE_BAND, low) && !has(P_STRONG, low);
}

/* Is low an item of a list of funding categories: an age band opening it
 * with a condition of prior learning ("Aged 19-23 and accessing learning
 * below level 2", "you're aged 16-19 and qualified below Level 3", "Aged
 * 19 to 25 with a current EHCP")?  Such an item is one route among
 * alternatives (who is funded, not who may come): no age rule. */
static bool funding_category(const char *low)
{
    static const char *const open[] = {"aged ", "be aged ", "are aged ", "you're aged ",
                                       "you are aged "};
    static const char *const learning[] = {"level 1", "level 2", "level 3", "qualification",
                                           "qualified", "ehcp", "health and care plan",
                                           "health care plan", "healthcare plan",
                                           "learning difficulty assessment", "gcse"};
    /* "you are 19-23 and do not already hold a full level 2
     * qualification", "studying for their first full Level 3": the age
     * band of a funding entitlement set by prior learning */
    static const char *const prior[] = {"already hold", "already have a full", "first full level",
                                        "first level 2", "first level 3", "their first full",
                                        "your first full"};
    for (size_t i = 0; i < sizeof prior / sizeof prior[0]; i++)
        if (strstr(low, prior[i]))
            return true;
    const char *p = low;
    while (*p == ' ' || *p == '-' || *p == '*')
        p++;
    bool opens = false;
    for (size_t i = 0; i < sizeof open / sizeof open[0] && !opens; i++)
        opens = !strncmp(p, open[i], strlen(open[i])) && isdigit((unsigned char)p[strlen(open[i])]);
    if (!opens)
        return false;
    for (size_t i = 0; i < sizeof learning / sizeof learning[0]; i++)
        if (strstr(p, learning[i]))
            return true;
    return false;
}

/* "an adult (18 years and older) who is ill, disabled or frail and cannot
 * manage without your help", "a child under 16 who relies on you": the
 * age of the person the reader helps (a carer's cared-for), not of the
 * client.  Words that say so after the age. */
static bool age_of_helped(const char *low, size_t at)
{
    static const char *const helped[] = {"without your help", "without your support",
                                         "without your care",  "needs your help",
                                         "need your help",     "relies on you",
                                         "rely on you",        "depends on you",
                                         "depend on you",      NULL};
    for (const char *const *h = helped; *h; h++)
        if (strstr(low + at, *h))
            return true;
    return false;
}

/* "19+ Advanced Learner Loans are not means tested", "the 16-19 Bursary
 * Fund may help", "the 24+ Advanced Learning Loan Bursary": an age band
 * that opens the name of a loan, bursary, fund or grant names the scheme
 * (whose own rules are elsewhere), not whom the service takes.  The band
 * is bare (digits where it was read, not "aged 19+") and a word of money
 * follows within four words. */
static bool age_names_fund(const char *alow, const agebounds *b)
{
    static const char *const money[] = {"loan", "loans", "bursary", "bursaries", "fund",
                                        "funds", "grant", "grants", "allowance"};
    if (b->at < 0 || b->end < 0)
        return false;
    size_t at = (size_t)b->at;
    while (alow[at] == ' ')
        at++;
    if (!isdigit((unsigned char)alow[at]))
        return false;
    static const char *const aged[] = {"aged ", "age ", "ages "};
    for (size_t i = 0; i < sizeof aged / sizeof aged[0]; i++) {
        size_t n = strlen(aged[i]);
        if (at >= n && !strncmp(alow + at - n, aged[i], n))
            return false;
    }
    const char *p = alow + b->end;
    for (int words = 0; *p && words < 4; words++) {
        while (*p && !isalpha((unsigned char)*p)) {
            if (strchr(".,;:()", *p))
                return false;
            p++;
        }
        const char *w = p;
        while (isalpha((unsigned char)*p) || *p == '\'' || *p == '-')
            p++;
        for (size_t i = 0; i < sizeof money / sizeof money[0]; i++)
            if ((size_t)(p - w) == strlen(money[i]) && !strncmp(w, money[i], (size_t)(p - w)))
                return true;
    }
    return false;
}

static void sentence(ctx *c, const char *orig, const char *field, double conf, bool elig_field,
                     bool firm_item)
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
    /* "You must be unemployed (or be working less than 16 hours per
     * week)", "aged 16-24 (or 25 with an EHCP)": a bracketed alternative
     * admits people the rule read from the rest does not name: failing
     * that rule is a check. */
    if (cf > 0.7 && strstr(low, "(or "))
        cf = 0.7;

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
    /* Only a requirement can turn a person away (issue 11 item 4): a
     * sentence with a word of requirement, or an item of a list whose
     * heading has one.  A bare item ("60+ and not working") may be a
     * price band's or a target's as well as a requirement: a check. */
    double cf_req = cf; /* as if it had a word of requirement */
    if (cf > 0.7 && !firm_item && !elig_pat_requirement(low, elig_field))
        cf = 0.7;
    /* A condition next to a price may be the price's ("free for people on
     * JSA", "£5, or £3 for over 60s"), not the service's: a check. */
    if (cf > 0.7 && elig_pat_price(low))
        cf = 0.7;
    if (cf_req > 0.7 && elig_pat_price(low))
        cf_req = 0.7;
    /* "To claim jobseeker's allowance, you need to be available for work",
     * "Whilst you're claiming JSA, you must ...", "If you are claiming ESA,
     * you will need to ...": the conditions of a benefit, not of the
     * service: a check at most; a benefit as the goal makes no benefit
     * rule (el_benefit_lead). */
    /* "There are certain eligibility rules for lone parents who want to
     * claim JSA", "The eligibility criteria for existing students is the
     * same ...": about the rules, not the rules; whatever they name is
     * worth a check at most. */
    if (cf > 0.5 && about_rules(low))
        cf = 0.5;
    if (cf_req > 0.5 && about_rules(low))
        cf_req = 0.5;
    unsigned lead = el_benefit_lead(c, orig, low);
    if (cf > 0.7 && (lead & EL_BEN_REGIME))
        cf = 0.7;
    if (cf_req > 0.7 && (lead & EL_BEN_REGIME))
        cf_req = 0.7;
    c->ben_goal = lead & EL_BEN_GOAL;
    agebounds b;
    char alow[EL_MAX_SENTENCE + 1];
    uint16_t a2l[EL_MAX_SENTENCE + 1];
    el_age_digits(low, alow, sizeof alow, a2l);
    el_age_sentence(alow, &b);
    /* An age of staff, of past clients or of the organisation is none;
     * nor is a funding category's band, nor one naming a fund. */
    /* "If you are aged 19-23 ... you may be eligible for fee remission",
     * "a 60+ fee and a concessionary fee": the age of a price band is who
     * pays less, not who may come (guideline 5 of the corpus): no age.
     * A child's age is kept: "free childcare for 3 and 4-year-olds" is
     * the service, for those children. */
    if (b.at >= 0 && (b.lo >= 14 || (b.lo < 0 && b.hi >= 18)) && price_band(low))
        b.lo = b.hi = -1;
    if (b.at >= 0 && (el_scope_low(c, a2l[b.at], ESC_DROP) || funding_category(low) ||
                      age_names_fund(alow, &b) || age_of_helped(low, a2l[b.at])))
        b.lo = b.hi = -1;
    else if (b.at >= 0)
        el_anchor(c, "age", a2l[b.at]);
    bool soft = has(P_SOFT, low) && !strstr(low, "regardless") && !strstr(low, "open to all");
    /* "Especially for 16-24 year olds" prefers; it does not exclude. */
    bool prefers = strstr(low, "priorit") || strstr(low, "especially") ||
                   strstr(low, "particularly") || strstr(low, "in particular") ||
                   strstr(low, "preference");
    size_t or_at = 0;
    int alt = b.lo >= 0 || b.hi >= 0 ? el_age_alternative(alow, &b, &or_at) : EL_AGE_ONE;
    double age_cf = cf;
    /* "Supported internships are for young people aged 16-24", "ESOL
     * classes are for adults aged 19 and over": the ages a service says it
     * is for are whom it takes, as a word of requirement would say.  Only
     * a youth or adult range (a child's age may be of a parent's child),
     * alone in its sentence (no number after it: "(up to 29 for care
     * leavers)"), not softened, negated or added ("also"). */
    if (b.at >= 0 && cf_req > cf && (b.lo >= 14 || (b.lo < 0 && b.hi >= 18)) && !soft &&
        !has(P_NEGATE, low) && !strstr(low, "n't") && !strstr(low, " not ") &&
        !strstr(low, " also ") && !strpbrk(alow + b.end, "0123456789") &&
        el_age_for_whom(alow, (size_t)b.at))
        age_cf = cf_req;
    /* "(at least 540 hours if age 16 to 17)": an age in a condition of
     * something else; only "only if" / "eligible if" make it necessary. */
    if (b.at >= 0 && age_cf > 0.7 && el_age_in_condition(alow, (size_t)b.at))
        age_cf = 0.7;
    /* "If you are under the age of 18, head to our young carers page": the
     * age the sentence sends elsewhere is the one this service is not for
     * (a check: the other page may be an extra, not the only way). */
    if (b.at >= 0 && el_age_redirected(alow, (size_t)b.at) && !b.any &&
        ((b.lo >= 0) != (b.hi >= 0))) {
        if (b.hi >= 0) {
            b.lo = b.hi + 1;
            b.hi = -1;
        } else {
            b.hi = b.lo - 1;
            b.lo = -1;
        }
        if (age_cf > 0.7)
            age_cf = 0.7;
    }
    /* "Eligible two year olds are entitled to ...": the child's year of
     * age, while the client may be the parent: a check at most. */
    if (b.cohort && age_cf > 0.5)
        age_cf = 0.5;
    if (b.any || !prefers) {
        el_add_age(c, &b, field, orig, alt != EL_AGE_ONE && age_cf > 0.5 ? 0.5 : age_cf);
        if (alt == EL_AGE_OR)
            soften(c, "age", alternative_at(c, a2l[or_at]));
    }
    /* The conditions of a price band ("Unemployed learners who are in
     * receipt of certain benefits receive 50% discount", an item under
     * "The following fee remissions apply to:") say who pays less, not who
     * may come: no rule on the person's circumstances (the cost rule says
     * the rest).  Ages stay ("free to everyone aged 16-18" is the course's
     * ages too) unless the sentence is a price band (a youth or adult age
     * was dropped above), groups (a target, never decided by a price: "we waive
     * charges to carers"), and a word of requirement ("only") keeps all,
     * except in an item under the band's heading (its heading says what
     * the item is a condition of). */
    bool band = c->band_item || price_band(low);
    if (!band) /* softeners: el_residency_sentence, el_status_sentence */
        el_residency_sentence(c, orig, low, field, cf);
    if (!band)
        el_benefit_sentence(c, orig, low, field, cf);
    if (!band)
        el_status_sentence(c, orig, low, field, cf);
    if (!band && (!soft || has(P_MONTHS_ANY, low)))
        el_months_sentence(c, orig, low, field, cf);
    if (!band)
        el_rtw_sentence(c, orig, low, field, cf);
    el_group_sentence(c, orig, low, field, cf, elig_field, b.lo >= 0 || b.hi >= 0);
    el_mandatory_sentence(c, orig, low, field, cf);
    alternatives(c, orig);
    widenings(c);
    c->sc = NULL;
    c->o2l = NULL;
}

/* Does a list heading (lower-cased) widen who may take part ("You may also
 * qualify if you're:", "Also open to:")?  A widening trigger of
 * triggers.tsv in it. */
static bool widening_heading(const ctx *c, const char *low)
{
    elig_scope sc;
    elig_scope_build(c->v, low, false, &sc);
    for (size_t q = 0; q < sc.n_m; q++)
        if (sc.m[q].t->kind == VT_WIDENING)
            return true;
    return false;
}

/* Split text into sentences (". ", "! ", "? ", ";", newlines, bullets). */
static void scan_text(ctx *c, const char *text, const char *field, double conf, bool elig)
{
    if (!text)
        return;
    char buf[EL_MAX_SENTENCE + 1];
    size_t n = 0, count = 0;
    /* The items of a list take what its heading says: "To be eligible you
     * must:" makes them requirements; a heading without a word of
     * requirement, or over a price band ("You are entitled to a reduced fee
     * if you are:"), leaves what they are conditions of unknown: each is
     * worth a check.  The list ends at a line too long to be an item. */
    bool in_list = false, item_firm = false, item_band = false;
    double item_conf = conf;
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
            size_t e = n;
            while (e > s && buf[e - 1] == ' ')
                e--;
            bool head = e > s && buf[e - 1] == ':';
            if (!head && in_list && !elig_pat_list_item(buf + s))
                in_list = false;
            c->band_item = in_list && !head && item_band;
            c->question = *p == '?';
            if (buf[s] && count++ < EL_MAX_SENTENCES)
                sentence(c, buf + s, field, in_list && !head ? item_conf : conf, elig,
                         in_list && !head && item_firm);
            c->band_item = c->question = false;
            if (head) {
                /* Items under a widening heading add people to those who
                 * may take part: none of them alone can turn anyone away. */
                in_list = true;
                char hlow[EL_MAX_SENTENCE + 1];
                uint16_t h2l[EL_MAX_SENTENCE + 2];
                lower_norm(buf + s, hlow, sizeof hlow, h2l);
                item_firm = elig_pat_firm_heading(buf + s) && !widening_heading(c, hlow);
                item_conf = item_firm || conf < 0.7 ? conf : 0.7;
                /* "The following fee remissions apply to any individual
                 * who ...:": its items are a price band's conditions. */
                item_band = price_band(hlow);
            }
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
        agebounds b = {.lo = -1, .hi = -1, .at = -1, .end = -1};
        char text[96];
        if (r->minimum_age >= 0 && r->minimum_age < 130)
            b.lo = (int)r->minimum_age;
        if (r->maximum_age >= 0 && r->maximum_age < 130 && r->maximum_age >= r->minimum_age)
            b.hi = (int)r->maximum_age;
        snprintf(text, sizeof text, "minimum_age %g, maximum_age %g", r->minimum_age,
                 r->maximum_age);
        el_add_age(c, &b, r->minimum_age >= 0 ? "minimum_age" : "maximum_age", text, 1.0);
    }
}

/* The trigger that turns a referral route away in the sentence enrich.c
 * read it from ("we are unable to take self-referrals"); NULL when the
 * route is offered there.  *dropped is set when the words over the route
 * only drop it (about staff, a past client, history): no route at all. */
static const vocab_trigger *route_refused(ctx *c, const char *slug, const char *text,
                                          bool *dropped)
{
    *dropped = false;
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
        /* A keyword that is itself a word of doing without ("don't need a
         * referral", "without a referral") offers the route. */
        const char *kw = hits[i].keyword ? hits[i].keyword : "";
        if (strstr(kw, "n't ") || strstr(kw, "not ") || strstr(kw, "no ") ||
            strstr(kw, "without "))
            return NULL;
        const vocab_trigger *t = elig_scope_at(&sc, o2l[hits[i].off], ESC_NEG);
        bool drop = false;
        if (!t)
            drop = (t = elig_scope_at(&sc, o2l[hits[i].off], ESC_DROP)) != NULL;
        if (!t)
            return NULL;
        if (!why || !drop) {
            why = t;
            *dropped = drop;
        }
    }
    return why;
}

/* Is the agency hit at off of text (slug's) no way in (route_not_taken)? */
static bool hit_not_taken(const char *slug, const char *text, size_t off)
{
    static const char *const without[] = {"without ", "bypass", "don't need", "do not need",
                                          "no need", "not need", "don\xe2\x80\x99t need"};
    static const char *const sender[] = {" by ", " from ", " through ", " via "};
    /* "the referring agency", "referral partners" name the sender. */
    if (!strncasecmp(text + off, "refer", 5))
        return false;
    size_t lo = off > 80 ? off - 80 : 0;
    char w[84];
    size_t n = 0;
    for (size_t k = lo; k < off && n < sizeof w - 1; k++)
        w[n++] = (char)tolower((unsigned char)text[k]);
    w[n] = '\0';
    /* "health professionals", "medical professionals" are the gp's. */
    static const char *const health[] = {"health ", "healthcare ", "medical ", "clinical "};
    for (size_t k = 0; !strcmp(slug, "other-agency") && k < sizeof health / sizeof health[0];
         k++) {
        size_t l = strlen(health[k]);
        if (n >= l && !strcmp(w + n - l, health[k]) &&
            !strncasecmp(text + off, "professional", 12))
            return true;
    }
    /* The clause of the agency: after the last '.', ';' or ':'. */
    char *cl = w;
    for (char *p = w; *p; p++)
        if (*p == '.' || *p == ';' || *p == ':')
            cl = p + 1;
    const char *near = n > 40 && cl < w + n - 40 ? w + n - 40 : cl;
    for (size_t k = 0; k < sizeof without / sizeof without[0]; k++) {
        const char *wo = strstr(near, without[k]);
        bool by = false;
        for (size_t j = 0; wo && j < sizeof sender / sizeof sender[0]; j++)
            by = by || strstr(wo, sender[j]);
        if (wo && !by)
            return true;
    }
    const char *send = NULL;
    for (const char *p = cl; (p = strstr(p, "refer")) != NULL; p++)
        send = p;
    for (const char *p = cl; (p = strstr(p, "signpost")) != NULL; p++)
        send = send && send > p ? send : p;
    /* "refer yourself to", "self-refer to": the client goes in. */
    if (!send || (send - w >= 5 && !strncmp(send - 5, "self", 4)) ||
        !strncmp(send + strcspn(send, " "), " yourself", 9) ||
        !strncmp(send + strcspn(send, " "), " themselves", 11))
        return false;
    const char *to = strstr(send, " to ");
    if (!to)
        return false;
    bool by = false;
    for (size_t k = 0; k < sizeof sender / sizeof sender[0]; k++)
        by = by || strstr(to, sender[k]);
    return !by;
}

/* Is the agency of slug named in text as no way in: where a referral goes
 * onward ("we may refer your application to another council", "a referral
 * to Adult Social Services", "signposting to a housing association"), or a
 * route the client may skip ("without GP registration", "bypass a GP
 * referral", "you don't need a GP referral")?  Reads back from each place
 * the agency is named (at most four) over its clause (at most 80 bytes): a
 * word of sending with "to" after it and no "by", "from", "through" or
 * "via" between; or a word of doing without just before it (40 bytes).
 * True only when no place names it as a way in. */
static bool route_not_taken(ctx *c, const char *slug, const char *text)
{
    if (!text)
        return false;
    size_t base = 0, len = strlen(text);
    for (int k = 0; k < 4 && base < len; k++) {
        vocab_hit hits[EL_MAX_VALUES];
        size_t nh = vocab_match_text(c->v, "referral", text + base, hits, EL_MAX_VALUES);
        size_t i = 0;
        while (i < nh && strcmp(hits[i].slug, slug))
            i++;
        if (i == nh)
            return k > 0;
        if (!hit_not_taken(slug, text, base + hits[i].off))
            return false;
        base += hits[i].off + (hits[i].len ? hits[i].len : 1);
    }
    return true;
}

/* Does the sentence say how people are sent to the service?  A council,
 * Jobcentre or GP named for any other reason ("in partnership with
 * Jobcentre Plus", "a preferred provider for the Council", news about the
 * DWP) is no referral route. */
static bool referral_cue(const char *text)
{
    static const char *const cue[] = {
        "through your", "via your", "via the", "through the", "signpost", "sent by",
        "ask your", "speak to your", "talk to your", "recommended by", "introduced by",
        "nominated by", "put you forward", "speak to a", "talk to a", "talking to a",
        "contact their", "issue vouchers", "issue them", "provide vouchers",
        "food bank voucher", "foodbank voucher", "food voucher", "in touch with one",
        "accepts referrals", "referrals come", NULL};
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
    if (!el_find_rule(c, "residency")) {
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
            el_add_rule(c, "residency", "in", vals, nv, ev->field, ev->text, 0.6);
    }
    nv = 0;
    ev = NULL;
    const char *refused[EL_MAX_VALUES];
    size_t nr = 0;
    const vocab_trigger *why = NULL;
    const rec_evidence *rev = NULL;
    for (size_t i = 0; i < r->referrals.n && nv < EL_MAX_VALUES; i++) {
        const rec_tag *t = &r->referrals.v[i];
        /* An agency named with no word of referring (self keywords say how
         * one gets in by themselves; other-agency ones name professionals
         * and partners, who are named for other reasons too). */
        if (strcmp(t->slug, "self") && t->ev.text &&
            !referral_cue(t->ev.text))
            continue;
        /* An agency a referral goes on to, or one the client may skip. */
        if (strcmp(t->slug, "self") && route_not_taken(c, t->slug, t->ev.text))
            continue;
        /* A question ("Can I just drop in to my local centre?") states no
         * route. */
        size_t tl = t->ev.text ? strlen(t->ev.text) : 0;
        while (tl && isspace((unsigned char)t->ev.text[tl - 1]))
            tl--;
        if (tl && t->ev.text[tl - 1] == '?')
            continue;
        bool dropped;
        const vocab_trigger *no = route_refused(c, t->slug, t->ev.text, &dropped);
        /* "Do not hesitate to get in touch" invites; "if you are not
         * sure, ask your adviser" is advice: neither refuses the route. */
        if (no && t->ev.text && strstr(t->ev.text, "hesitate"))
            no = NULL;
        if (no && t->ev.text && (strstr(t->ev.text, "not sure") || strstr(t->ev.text, "unsure")))
            continue;
        /* About someone else (staff, a past client) or history: no route
         * offered and none refused. */
        if (no && dropped)
            continue;
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
        u = el_add_rule(c, "referral", "in", vals, nv, ev->field ? ev->field : "referrals",
                     ev->text, ev->confidence);
    else if (nr)
        u = el_add_rule(c, "referral", "not_in", refused, nr,
                     rev->field ? rev->field : "referrals", rev->text, rev->confidence);
    el_set_trigger(c, u, why);
    /* A route the text turns away ("self-referrals are not accepted") is
     * no way in: it leaves the record's routes, so the portal's filter and
     * "how to get in" never offer it (the rule keeps the refusal). */
    for (size_t i = 0; i < nr && c->rc == SP_OK; i++) {
        char *slug = sp_strdup(refused[i]);
        if (!slug) {
            c->rc = SP_ENOMEM;
            break;
        }
        rec_tags_remove(&r->referrals, slug);
        free(slug);
    }
    nv = 0;
    ev = NULL;
    for (size_t i = 0; i < r->costs.n && nv < EL_MAX_VALUES; i++) {
        vals[nv++] = r->costs.v[i].slug;
        if (!ev)
            ev = &r->costs.v[i].ev;
    }
    if (nv)
        el_add_rule(c, "cost", "in", vals, nv, ev->field ? ev->field : "costs", ev->text,
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
        el_add_rule(c, "group", "in", vals, nv, field, first, 0.8);
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
    widen_record(&c);
    from_tags(&c);
    if (c.rc != SP_OK) {
        rec_rules_free(c.rules, c.n);
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

