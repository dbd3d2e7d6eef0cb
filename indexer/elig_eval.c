/*
 * elig_eval.c - a person's circumstances checked against a record's rules
 * (elig_evaluate; see elig.h and docs/eligibility.md "Evaluating a person").
 *
 * The verdict policy is asymmetric because wrongly turning a person away
 * is the costliest error: a failed rule says "not eligible" only when it is
 * firm (read from a requirement with confidence 0.8 or more, and no scope
 * trigger left it unresolved); everything weaker says "check", with the
 * reason.  The outcome depends only on the rule (dim, op, values, bounds,
 * confidence, trigger), never on the field it came from or the order of
 * the rules, so identical rules get identical verdicts on every service.
 * A service marked inactive or closed is never eligible.
 */
#define _GNU_SOURCE /* strcasestr */
#include "elig.h"
#include "person.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


void elig_person_init(elig_person *p)
{
    memset(p, 0, sizeof *p);
    p->age = -1;
    p->months_unemployed = -1;
}

const char *elig_outcome_name(elig_outcome o)
{
    switch (o) {
    case ELIG_ELIGIBLE:
        return "eligible";
    case ELIG_CHECK:
        return "check";
    case ELIG_NOT_ELIGIBLE:
        return "not_eligible";
    default:
        return "info";
    }
}

static bool in_list(const char *s, char *const *vals, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(vals[i], s))
            return true;
    return false;
}

static bool str_in(const char *s, const char *const *vals, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(vals[i], s))
            return true;
    return false;
}

/* Values joined for a message: "Hackney, Newham".  A list too long for
 * out ends "and 12 more" after the last label that fits whole. */
static void join_labels(const vocab *v, const char *field, const rec_rule *u, char *out,
                        size_t sz)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < u->n_values; i++) {
        const char *l = field ? vocab_label(v, field, u->values[i]) : NULL;
        if (!l && field && !strcmp(field, "borough"))
            l = vocab_label(v, "subregion", u->values[i]);
        if (!l && !strcmp(u->values[i], "london"))
            l = "London";
        if (!l && !strcmp(u->values[i], "england"))
            l = "England";
        if (!l && !strcmp(u->values[i], "uk"))
            l = "the UK";
        if (!l && !strcmp(u->values[i], "work-or-study"))
            l = "(or work or study there)";
        if (!l)
            l = u->values[i];
        size_t need = strlen(l) + (i ? 2 : 0);
        size_t rest = u->n_values - i;
        /* Room for this label and, unless it is the last, "and N more". */
        if (o + need + (rest > 1 ? 16 : 0) >= sz) {
            snprintf(out + o, sz - o, "%sand %zu more", i ? " " : "", rest);
            return;
        }
        o += (size_t)snprintf(out + o, sz - o, "%s%s", i ? ", " : "", l);
    }
}

static void reason(elig_verdict *out, elig_outcome o, const char *dim, const rec_rule *u,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void reason(elig_verdict *out, elig_outcome o, const char *dim, const rec_rule *u,
                   const char *fmt, ...)
{
    if (out->n_reasons >= ELIG_MAX_REASONS)
        return;
    elig_reason *e = &out->reasons[out->n_reasons++];
    e->outcome = o;
    e->dimension = dim;
    e->rule = u;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= sizeof e->message) {
        /* Cut at a word and say so, never mid-word. */
        size_t cut = sizeof e->message - 4;
        while (cut > 0 && buf[cut] != ' ')
            cut--;
        memcpy(buf + cut, "\xe2\x80\xa6", 4); /* "…" */
    }
    size_t len = strnlen(buf, sizeof e->message - 1);
    memcpy(e->message, buf, len);
    e->message[len] = '\0';
    if (o != ELIG_INFO && o > out->outcome)
        out->outcome = o;
}

/* Firm: read from a requirement (confidence 0.8 or more: the eligibility
 * text, or a requirement sentence of the description) with no trigger
 * left unresolved.  A negation the rule's op already says ("not open to
 * people on Pension Credit" -> not_in) is resolved; a rule that kept its
 * values after other words of its sentence were about staff, history or
 * an alternative is not. */
static bool firm(const rec_rule *u)
{
    if (u->ev.confidence < 0.8)
        return false;
    if (!u->trigger)
        return true;
    if (strncmp(u->trigger, "negation:", 9))
        return false;
    /* A bare "not" or "no" turned the rule round by word order alone
     * ("students who do not fit the new criteria"): unresolved.  A phrase
     * that says who is excluded ("not open to", "not eligible",
     * "excluding", "outside") resolves it. */
    static const char *const bare[] = {"not", "no", "unable to", "unless"};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
        if (!strcmp(u->trigger + 9, bare[i]))
            return false;
    return true;
}

/* A failed rule: not eligible only when firm; otherwise check. */
static elig_outcome fail_of(const rec_rule *u)
{
    return firm(u) ? ELIG_NOT_ELIGIBLE : ELIG_CHECK;
}

/* What a "check" from a failed rule says about why it is no "no". */
static const char *soft_why(const rec_rule *u)
{
    if (firm(u))
        return "";
    if (u->trigger && !strncmp(u->trigger, "alternative:", 12))
        return " (one of several alternatives: check)";
    if (u->trigger && !strncmp(u->trigger, "widening:", 9))
        return " (named among others the service was widened to: check)";
    return u->ev.confidence < 0.6 ? " (exceptions possible)"
                                  : " (not a firm requirement)";
}

/* The groups a person is in: those ticked, and those their age, status
 * and time out of work imply (person.c: the one rule /coach, /eligible
 * and search share). */
static bool person_in_group(const elig_person *p, const char *g)
{
    return str_in(g, p->groups, p->n_groups) || person_implies_group(p, g);
}

static bool status_matches(const char *have, const char *want)
{
    if (!strcmp(have, want))
        return true;
    /* Low-paid and under-notice people are in work. */
    if (!strcmp(want, "in-work") && (!strcmp(have, "low-paid") || !strcmp(have, "redundancy")))
        return true;
    return false;
}

static void eval_rule(const vocab *v, const rec_rule *u, const elig_person *p,
                      elig_verdict *out)
{
    char vals[200];
    const char *d = u->dim;
    if (!strcmp(d, "age")) {
        if (!strcmp(u->op, "any")) {
            reason(out, ELIG_ELIGIBLE, d, u, "open to any age");
            return;
        }
        char lim[64];
        if (u->has_lo && u->has_hi)
            snprintf(lim, sizeof lim, "aged %g to %g", u->lo, u->hi);
        else if (u->has_lo)
            snprintf(lim, sizeof lim, "aged %g or over", u->lo);
        else
            snprintf(lim, sizeof lim, "aged %g or under", u->hi);
        if (p->age < 0) {
            reason(out, ELIG_CHECK, d, u, "for people %s; age not given", lim);
            return;
        }
        bool ok = (!u->has_lo || p->age >= u->lo) && (!u->has_hi || p->age <= u->hi);
        if (ok)
            reason(out, ELIG_ELIGIBLE, d, u, "for people %s: %d fits", lim, p->age);
        else
            reason(out, fail_of(u), d, u, "for people %s: %d does not fit%s", lim, p->age,
                   soft_why(u));
        return;
    }
    if (!strcmp(d, "residency")) {
        if (!strcmp(u->op, "any")) {
            reason(out, ELIG_ELIGIBLE, d, u, "open wherever you live");
            return;
        }
        join_labels(v, "borough", u, vals, sizeof vals);
        if (!p->borough) {
            reason(out, ELIG_CHECK, d, u, "for residents of %s; borough not given", vals);
            return;
        }
        const vocab_borough *b = vocab_borough_get(v, p->borough);
        bool in = in_list(p->borough, u->values, u->n_values) ||
                  (b && in_list(b->subregion, u->values, u->n_values)) ||
                  (b && (in_list("london", u->values, u->n_values) ||
                         in_list("england", u->values, u->n_values) ||
                         in_list("uk", u->values, u->n_values)));
        const char *bl = b ? b->name : p->borough;
        if (!strcmp(u->op, "not_in")) {
            /* An exclusion of an area holding all of London (London,
             * England, the UK) read from a London provider's text is a
             * misreading, never a reason to turn a Londoner away. */
            bool all_london = b && (in_list("london", u->values, u->n_values) ||
                                    in_list("england", u->values, u->n_values) ||
                                    in_list("uk", u->values, u->n_values));
            if (in && all_london)
                reason(out, ELIG_CHECK, d, u,
                       "not for residents of %s? (all of London excluded: read as a check)",
                       vals);
            else if (in)
                reason(out, fail_of(u), d, u, "not for residents of %s%s", vals, soft_why(u));
            else
                reason(out, ELIG_ELIGIBLE, d, u, "%s is not excluded", bl);
            return;
        }
        if (in)
            reason(out, ELIG_ELIGIBLE, d, u, "for residents of %s: %s qualifies", vals, bl);
        else if (in_list("work-or-study", u->values, u->n_values))
            reason(out, ELIG_CHECK, d, u,
                   "for people who live, work or study in %s: %s residents qualify only if "
                   "they work or study there",
                   vals, bl);
        else if (u->ev.confidence < 0.7 && u->ev.field &&
                 !strncmp(u->ev.field, "service_areas", 13))
            reason(out, ELIG_CHECK, d, u, "serves %s; ask whether %s residents can use it",
                   vals, bl);
        else
            reason(out, fail_of(u), d, u, "for residents of %s, not %s%s", vals, bl, soft_why(u));
        return;
    }
    if (!strcmp(d, "benefit")) {
        if (!strcmp(u->op, "none")) {
            reason(out, ELIG_ELIGIBLE, d, u, "no benefit claim needed");
            return;
        }
        join_labels(v, "benefit", u, vals, sizeof vals);
        if (!p->benefits_known) {
            if (!strcmp(u->op, "any"))
                reason(out, ELIG_CHECK, d, u, "for people claiming benefits; benefits not given");
            else if (!strcmp(u->op, "in"))
                reason(out, ELIG_CHECK, d, u, "for people claiming %s; benefits not given",
                       vals);
            else
                reason(out, ELIG_CHECK, d, u, "not for people claiming %s; benefits not given",
                       vals);
            return;
        }
        if (!strcmp(u->op, "any")) {
            if (p->n_benefits)
                reason(out, ELIG_ELIGIBLE, d, u, "for people claiming benefits: you claim %s",
                       vocab_label(v, "benefit", p->benefits[0]) ? vocab_label(v, "benefit",
                                                                               p->benefits[0])
                                                                 : p->benefits[0]);
            else
                reason(out, fail_of(u), d, u, "for people claiming benefits; you claim none%s",
                       soft_why(u));
            return;
        }
        bool hit = false;
        for (size_t i = 0; i < p->n_benefits; i++)
            if (in_list(p->benefits[i], u->values, u->n_values))
                hit = true;
        if (!strcmp(u->op, "in"))
            reason(out, hit ? ELIG_ELIGIBLE : fail_of(u), d, u,
                   hit ? "for people claiming %s: you do%s" : "for people claiming %s: you don't%s",
                   vals, hit ? "" : soft_why(u));
        else
            reason(out, hit ? fail_of(u) : ELIG_ELIGIBLE, d, u,
                   hit ? "not for people claiming %s%s" : "not for people claiming %s: you don't%s",
                   vals, hit ? soft_why(u) : "");
        return;
    }
    if (!strcmp(d, "employment_status")) {
        if (!strcmp(u->op, "any")) {
            reason(out, ELIG_ELIGIBLE, d, u, "in work or out of work");
            return;
        }
        join_labels(v, "status", u, vals, sizeof vals);
        if (!p->status) {
            reason(out, ELIG_CHECK, d, u, "for: %s; employment status not given", vals);
            return;
        }
        bool hit = false;
        for (size_t i = 0; i < u->n_values; i++)
            if (status_matches(p->status, u->values[i]))
                hit = true;
        const char *pl = vocab_label(v, "status", p->status);
        if (!strcmp(u->op, "not_in"))
            hit = !hit;
        if (hit)
            reason(out, ELIG_ELIGIBLE, d, u, "%s%s: matches (%s)",
                   strcmp(u->op, "not_in") ? "for: " : "not for: ", vals, pl ? pl : p->status);
        else
            reason(out, fail_of(u), d, u, "%s%s: you are %s%s",
                   strcmp(u->op, "not_in") ? "for: " : "not for: ", vals, pl ? pl : p->status,
                   soft_why(u));
        return;
    }
    if (!strcmp(d, "months_unemployed")) {
        if (!strcmp(u->op, "any") || !u->has_lo) {
            reason(out, ELIG_ELIGIBLE, d, u, "no minimum time out of work");
            return;
        }
        if (p->months_unemployed < 0) {
            reason(out, ELIG_CHECK, d, u,
                   "for people out of work at least %g months; time out of work not given",
                   u->lo);
            return;
        }
        if (p->months_unemployed >= u->lo)
            reason(out, ELIG_ELIGIBLE, d, u, "out of work at least %g months: %d fits", u->lo,
                   p->months_unemployed);
        else
            reason(out, fail_of(u), d, u, "out of work at least %g months: %d is not enough%s",
                   u->lo, p->months_unemployed, soft_why(u));
        return;
    }
    if (!strcmp(d, "right_to_work")) {
        bool insecure = str_in("insecure-immigration", p->groups, p->n_groups) ||
                        str_in("refugees-asylum", p->groups, p->n_groups);
        if (!strcmp(u->op, "none"))
            reason(out, insecure ? ELIG_ELIGIBLE : ELIG_INFO, d, u,
                   "open whatever your immigration status");
        else if (insecure)
            reason(out, ELIG_CHECK, d, u, "needs the right to work in the UK");
        else
            reason(out, ELIG_INFO, d, u, "needs the right to work in the UK");
        return;
    }
    if (!strcmp(d, "group")) {
        join_labels(v, "group", u, vals, sizeof vals);
        bool hit = false;
        for (size_t i = 0; i < u->n_values; i++)
            if (person_in_group(p, u->values[i]))
                hit = true;
        /* Ticked groups are not exhaustive: failing a group the answers
         * do not decide ("only for carers", and carers not ticked) is a
         * check, never "not eligible" (issue 11: a wrong "not eligible"
         * is the costliest error). */
        bool decided = u->n_values > 0;
        for (size_t i = 0; i < u->n_values; i++)
            if (!person_decides_group(p, u->values[i]))
                decided = false;
        if (hit)
            reason(out, ELIG_ELIGIBLE, d, u, "for: %s: you are", vals);
        else if (decided)
            reason(out, fail_of(u), d, u, "only for: %s%s", vals, soft_why(u));
        else if (!p->n_groups)
            reason(out, ELIG_CHECK, d, u, "only for: %s; groups not given", vals);
        else
            reason(out, ELIG_CHECK, d, u, "only for: %s; check whether this applies", vals);
        return;
    }
    if (!strcmp(d, "referral")) {
        join_labels(v, "referral", u, vals, sizeof vals);
        reason(out, ELIG_INFO, d, u, "referral: %s%s", strcmp(u->op, "not_in") ? "" : "not ",
               vals);
        return;
    }
    if (!strcmp(d, "mandatory")) {
        reason(out, ELIG_INFO, d, u, "%s",
               in_list("mandatory", u->values, u->n_values)
                   ? "mandatory once referred (benefit sanctions may apply)"
                   : "voluntary: taking part is your choice");
        return;
    }
    if (!strcmp(d, "cost")) {
        join_labels(v, "cost", u, vals, sizeof vals);
        reason(out, ELIG_INFO, d, u, "cost: %s", vals);
    }
}

/* HSDS status: "active", "inactive", "defunct", "temporarily closed".  A
 * service that takes no one new is never eligible: closed for good is
 * "not eligible" for everyone, closed for now is "check". */
static void closed(const rec_service *r, elig_verdict *out)
{
    const char *s = r->status;
    if (!s || !*s || !strcasecmp(s, "active"))
        return;
    static const char *const gone[] = {"inactive", "defunct", "closed", "withdrawn", "ended"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        if (!strcasecmp(s, gone[i])) {
            out->closed = true;
            reason(out, ELIG_NOT_ELIGIBLE, "status", NULL,
                   "closed: the service is marked %s and takes no one new", gone[i]);
            return;
        }
    if (strcasestr(s, "temporar") || strcasestr(s, "suspend") || strcasestr(s, "paus") ||
        strcasestr(s, "closed")) {
        out->closed = true;
        reason(out, ELIG_CHECK, "status", NULL,
               "closed for now (marked \"%.60s\"): check when it reopens", s);
    }
}

int elig_evaluate(const vocab *v, const rec_service *r, const elig_person *p,
                  elig_verdict *out)
{
    if (!v || !r || !p || !out)
        return SP_EINVAL;
    memset(out, 0, sizeof *out);
    out->outcome = ELIG_ELIGIBLE;
    closed(r, out);
    for (size_t i = 0; i < r->n_rules; i++)
        if (r->rules[i].dim && r->rules[i].op)
            eval_rule(v, &r->rules[i], p, out);
    /* Needs: does it offer one of them (a child category counts for its
     * parent and the other way round)? */
    out->meets_needs = p->n_needs == 0;
    for (size_t i = 0; i < p->n_needs && !out->meets_needs; i++)
        for (size_t k = 0; k < r->categories.n; k++) {
            const char *cat = r->categories.v[k].slug;
            const char *par = vocab_category_parent(v, cat);
            if (!strcmp(cat, p->needs[i]) || (par && !strcmp(par, p->needs[i])))
                out->meets_needs = true;
        }
    if (p->n_needs)
        reason(out, ELIG_INFO, "need", NULL, "%s",
               out->meets_needs ? "offers what you need" : "does not list what you need");
    out->speaks_language = !p->language || !strcmp(p->language, "en");
    for (size_t k = 0; k < r->langs.n && !out->speaks_language; k++)
        if (!strcmp(r->langs.v[k].slug, p->language))
            out->speaks_language = true;
    if (p->language && strcmp(p->language, "en")) {
        const char *ll = vocab_label(v, "language", p->language);
        reason(out, ELIG_INFO, "language", NULL, out->speaks_language ? "speaks %s"
                                                                      : "%s not listed",
               ll ? ll : p->language);
    }
    return SP_OK;
}
