/*
 * test_elig.c - tests of structured eligibility (indexer/elig.c).
 *
 *   test_elig labelled LABELLED.tsv FLOORS.tsv [MIN_ITEMS]
 *       reads each labelled sentence as a service's text, enriches the
 *       record (which extracts the rules) and compares the rule of the
 *       labelled dimension with the expected one; prints
 *       "elig: <dimension> precision P recall R (n=N; labelled L, extracted
 *       X, right T)" per dimension (rules labelled, rules read, rules equal
 *       to the label) and
 *       fails when a figure is below its floor in FLOORS.tsv.
 *   test_elig evaluate CASES.tsv
 *       table-driven elig_evaluate cases: rules and a person in, outcome
 *       out (see the file's header).
 *   test_elig verdicts LABELLED.tsv MAX_WRONG_RATE [MAX_WRONG]
 *       wrong "not eligible": for each labelled row, standard persons
 *       (one circumstance each, varied over the row's dimension) are
 *       judged on that dimension by the extracted rules and by the
 *       labelled rule; prints, per dimension and in all, how many
 *       extracted "not_eligible" verdicts the label does not give, and
 *       fails when that share of all extracted "not_eligible" verdicts is
 *       above MAX_WRONG_RATE, or their number above MAX_WRONG.  With
 *       ELIG_VERBOSE set, each person's extracted or labelled "not
 *       eligible" is listed as WRONG-NE, RIGHT-NE or MISSED-NE.
 *   test_elig pages [--max-wrong N] LABELLED.tsv...
 *       the same sentences read as services: the sentences of one page
 *       (consecutive sentences with the same "# origin:" line), in page
 *       order, one a line, are one record's eligibility text, so a list
 *       item is read under its heading and a rule read from any of the
 *       page's sentences counts for the page.  Per dimension, the rule
 *       values read for the page (a slug, or a whole age or months bound,
 *       or any/none) are compared with the union of the page's labels;
 *       prints "pages: <dimension> precision P recall R" and the wrong
 *       "not eligible" verdicts of standard persons judged by the page's
 *       rules against its labels; fails when there are more than N of
 *       those (precision and recall are a report, not a gate).  With
 *       ELIG_VERBOSE set, lists PAGE-FP/PAGE-FN rules and each person's
 *       PAGE-WRONG-NE, PAGE-RIGHT-NE or PAGE-MISSED-NE verdict.
 *   test_elig cases CASES.tsv [triggers]
 *       scope and place cases (trigger, dimension, expected rule, text):
 *       every one must be right, the rule must name the trigger that
 *       changed it; with "triggers", every trigger of
 *       data/vocab/triggers.tsv must have a case.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elig.h"
#include "enrich.h"
#include "rec.h"
#include "vocab.h"
#include "../core/tutil.h"

#define MAX_LINE 4096
#define MAX_DIMS 16

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a,b,c" sorted in place into a canonical "a,b,c". */
static void canon_list(char *s)
{
    char *items[64];
    size_t n = 0;
    char tmp[MAX_LINE];
    snprintf(tmp, sizeof tmp, "%s", s);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t && n < 64;
         t = strtok_r(NULL, ",", &save))
        items[n++] = t;
    qsort(items, n, sizeof *items, cmp_str);
    size_t o = 0;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, MAX_LINE - o, "%s%s", i ? "," : "", items[i]);
}

static const rec_rule *rule_of(const rec_service *r, const char *dim)
{
    for (size_t i = 0; i < r->n_rules; i++)
        if (!strcmp(r->rules[i].dim, dim))
            return &r->rules[i];
    return NULL;
}

/* The rule of a dimension written like the labels. */
static void rule_str(const rec_service *r, const char *dim, char *out, size_t sz)
{
    snprintf(out, sz, "-");
    /* "groups" and "routes": the record's group and referral-route tags. */
    if (!strcmp(dim, "groups") || !strcmp(dim, "routes")) {
        const rec_tags *tags = !strcmp(dim, "groups") ? &r->groups : &r->referrals;
        if (!tags->n)
            return;
        char buf[MAX_LINE] = "";
        size_t o = 0;
        for (size_t i = 0; i < tags->n; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "",
                                  tags->v[i].slug);
        canon_list(buf);
        snprintf(out, sz, "%s", buf);
        return;
    }
    for (size_t i = 0; i < r->n_rules; i++) {
        const rec_rule *u = &r->rules[i];
        if (strcmp(u->dim, dim))
            continue;
        char buf[MAX_LINE];
        size_t o = (size_t)snprintf(buf, sizeof buf, "%s", u->op);
        if (u->has_lo)
            o += (size_t)snprintf(buf + o, sizeof buf - o, " %g", u->lo);
        if (u->has_hi)
            o += (size_t)snprintf(buf + o, sizeof buf - o, " %g", u->hi);
        if (u->n_values) {
            char vals[MAX_LINE] = "";
            size_t vo = 0;
            for (size_t k = 0; k < u->n_values; k++)
                vo += (size_t)snprintf(vals + vo, sizeof vals - vo, "%s%s", k ? "," : "",
                                       u->values[k]);
            canon_list(vals);
            snprintf(buf + o, sizeof buf - o, " %s", vals);
        }
        snprintf(out, sz, "%s", buf);
        return;
    }
}

static void canon_expected(char *e)
{
    /* the list part (last word when it has letters) sorted */
    char *sp = strrchr(e, ' ');
    if (sp && strchr(sp, ',') )
        canon_list(sp + 1);
    else if (!sp && strchr(e, ','))
        canon_list(e);
}

typedef struct dimstat {
    char name[32];
    size_t n, tp, fp, fn;
    double floor_p, floor_r;
} dimstat;

static dimstat *dim_get(dimstat *d, size_t *nd, const char *name)
{
    for (size_t i = 0; i < *nd; i++)
        if (!strcmp(d[i].name, name))
            return &d[i];
    if (*nd >= MAX_DIMS)
        return NULL;
    memset(&d[*nd], 0, sizeof d[*nd]);
    snprintf(d[*nd].name, sizeof d[*nd].name, "%s", name);
    d[*nd].floor_p = d[*nd].floor_r = -1;
    return &d[(*nd)++];
}

/* The next labelled row "dimension TAB expected TAB text" of f, split in
 * place in line (comments and blank lines skipped): 1, 0 at the end, -1
 * (with a message) on a malformed row. */
static int next_row(t_lines *l, size_t *lineno, char **dim, char **exp, char **text)
{
    if (!t_line(l))
        return 0;
    *lineno = (size_t)l->no;
    char *f[3];
    if (t_split(l->line, f, 3) != 3) {
        fprintf(stderr, "%s:%zu: expected 3 tab-separated columns\n", l->path, *lineno);
        t_lines_close(l);
        return -1;
    }
    *dim = f[0];
    *exp = f[1];
    *text = f[2];
    return 1;
}

/* A record whose text is the labelled sentence (the current row of l),
 * enriched (which extracts the rules): the description for "groups", else
 * the eligibility text.  On failure: a message, r freed and l closed. */
static int enrich_text(const vocab *v, t_lines *l, const char *dim, const char *text,
                       rec_service *r)
{
    rec_service_init(r);
    r->name = strdup("Labelled service");
    if (!strcmp(dim, "groups"))
        r->description = strdup(text);
    else
        r->eligibility_description = strdup(text);
    sp_err e;
    sp_err_clear(&e);
    int rc = enrich_record(v, r, &e);
    if (rc != SP_OK) {
        fprintf(stderr, "%s:%d: enrich failed: %s\n", l->path, l->no, e.msg);
        rec_service_free(r);
        t_lines_close(l);
    }
    return rc;
}

static int labelled(const vocab *v, const char *path, const char *floors, size_t min_items)
{
    t_lines l = t_lines_open("%s", path);
    dimstat d[MAX_DIMS];
    size_t nd = 0, lineno = 0, items = 0;
    int verbose = getenv("ELIG_VERBOSE") != NULL;
    char *dim, *exp, *text;
    int got_row;
    while ((got_row = next_row(&l, &lineno, &dim, &exp, &text)) > 0) {
        char want[MAX_LINE];
        snprintf(want, sizeof want, "%s", exp);
        canon_expected(want);

        rec_service r;
        if (enrich_text(v, &l, dim, text, &r) != SP_OK)
            return 1;
        char got[MAX_LINE];
        rule_str(&r, dim, got, sizeof got);
        rec_service_free(&r);

        dimstat *s = dim_get(d, &nd, dim);
        if (!s)
            continue;
        s->n++;
        items++;
        bool w = strcmp(want, "-") != 0, g = strcmp(got, "-") != 0;
        bool same = !strcmp(want, got);
        if (w && same)
            s->tp++;
        if (g && !same)
            s->fp++;
        if (w && !same)
            s->fn++;
        if (!same && verbose)
            printf("MISS %s:%zu %s want [%s] got [%s]: %s\n", path, lineno, dim, want, got,
                   text);
    }
    if (got_row < 0)
        return 1;

    t_lines fl = t_lines_open("%s", floors);
    while (t_line(&fl)) {
        char name[32];
        double p, rr;
        if (sscanf(fl.line, "%31s %lf %lf", name, &p, &rr) != 3)
            continue;
        dimstat *s = dim_get(d, &nd, name);
        if (s) {
            s->floor_p = p;
            s->floor_r = rr;
        }
    }

    int fails = 0;
    for (size_t i = 0; i < nd; i++) {
        dimstat *s = &d[i];
        double p = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 1.0;
        double r = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 1.0;
        printf("elig: %s precision %.3f recall %.3f (n=%zu; labelled %zu, extracted %zu, "
               "right %zu)\n",
               s->name, p, r, s->n, s->tp + s->fn, s->tp + s->fp, s->tp);
        if (s->floor_p < 0) {
            printf("FAIL: %s has no floor in %s\n", s->name, floors);
            fails++;
        } else if (p + 1e-9 < s->floor_p || r + 1e-9 < s->floor_r) {
            printf("FAIL: %s below its floor (precision %.2f, recall %.2f)\n", s->name,
                   s->floor_p, s->floor_r);
            fails++;
        }
    }
    printf("elig: %zu labelled items\n", items);
    if (items < min_items) {
        printf("FAIL: fewer than %zu labelled items\n", min_items);
        fails++;
    }
    return fails ? 1 : 0;
}

/* ---- evaluate cases ----
 * Lines: TEXT TAB PERSON TAB OUTCOME [TAB DIM:OUTCOME ...]
 * TEXT is the eligibility_description ("desc:TEXT": the description); PERSON is "key=value;..." with keys
 * age, borough, benefits (comma list or none), status, months, groups,
 * needs, language, area (a service-area borough name). */
static int evaluate(const vocab *v, const char *path)
{
    t_lines l = t_lines_open("%s", path);
    size_t checks = 0, fails = 0;
    while (t_line(&l)) {
        size_t lineno = (size_t)l.no;
        char *line = l.line;
        char *cols[16];
        size_t nc = 0;
        for (char *save = NULL, *t = strtok_r(line, "\t", &save); t && nc < 16;
             t = strtok_r(NULL, "\t", &save))
            cols[nc++] = t;
        if (nc < 3) {
            fprintf(stderr, "%s:%zu: expected at least 3 columns\n", path, lineno);
            fails++;
            continue;
        }
        rec_service r;
        rec_service_init(&r);
        r.name = strdup("Case");
        if (!strncmp(cols[0], "desc:", 5))
            r.description = strdup(cols[0] + 5); /* read as the description */
        else if (strcmp(cols[0], "-"))
            r.eligibility_description = strdup(cols[0]);
        elig_person p;
        elig_person_init(&p);
        const char *ben[16], *grp[16], *need[16];
        char pers[MAX_LINE];
        snprintf(pers, sizeof pers, "%s", cols[1]);
        p.benefits = ben;
        p.groups = grp;
        p.needs = need;
        for (char *s1 = NULL, *kvp = strtok_r(pers, ";", &s1); kvp;
             kvp = strtok_r(NULL, ";", &s1)) {
            char *eq = strchr(kvp, '=');
            if (!eq)
                continue;
            *eq++ = '\0';
            if (!strcmp(kvp, "age"))
                p.age = atoi(eq);
            else if (!strcmp(kvp, "months"))
                p.months_unemployed = atoi(eq);
            else if (!strcmp(kvp, "borough"))
                p.borough = vocab_canon(v, "borough", eq);
            else if (!strcmp(kvp, "status"))
                p.status = vocab_canon(v, "status", eq);
            else if (!strcmp(kvp, "language"))
                p.language = vocab_canon(v, "language", eq);
            else if (!strcmp(kvp, "svcstatus"))
                r.status = strdup(eq); /* the service's HSDS status */
            else if (!strcmp(kvp, "area")) {
                r.service_areas = calloc(1, sizeof *r.service_areas);
                r.service_areas[0].name = strdup(eq);
                r.n_service_areas = 1;
            } else {
                const char **arr = !strcmp(kvp, "benefits") ? ben
                                   : !strcmp(kvp, "groups") ? grp
                                                            : need;
                size_t *cnt = !strcmp(kvp, "benefits") ? &p.n_benefits
                              : !strcmp(kvp, "groups") ? &p.n_groups
                                                       : &p.n_needs;
                const char *field = !strcmp(kvp, "benefits") ? "benefit"
                                    : !strcmp(kvp, "groups") ? "group"
                                                             : "category";
                if (!strcmp(kvp, "benefits"))
                    p.benefits_known = true;
                for (char *s2 = NULL, *t = strtok_r(eq, ",", &s2); t && *cnt < 16;
                     t = strtok_r(NULL, ",", &s2)) {
                    if (!strcmp(t, "none"))
                        continue;
                    const char *c = vocab_canon(v, field, t);
                    if (!c) {
                        fprintf(stderr, "%s:%zu: unknown %s %s\n", path, lineno, field, t);
                        fails++;
                    } else {
                        arr[(*cnt)++] = c;
                    }
                }
            }
        }
        sp_err e;
        sp_err_clear(&e);
        enrich_record(v, &r, &e);
        elig_verdict vd;
        elig_evaluate(v, &r, &p, &vd);
        checks++;
        if (strcmp(elig_outcome_name(vd.outcome), cols[2])) {
            printf("FAIL %s:%zu: want %s, got %s\n", path, lineno, cols[2],
                   elig_outcome_name(vd.outcome));
            for (size_t i = 0; i < vd.n_reasons; i++)
                printf("   %s %s: %s\n", elig_outcome_name(vd.reasons[i].outcome),
                       vd.reasons[i].dimension, vd.reasons[i].message);
            fails++;
        }
        for (size_t c = 3; c < nc; c++) {
            char *tilde = strchr(cols[c], '~');
            if (tilde) {
                /* DIM~TEXT: that dimension's reason says TEXT. */
                *tilde = '\0';
                bool said = false;
                for (size_t i = 0; i < vd.n_reasons; i++)
                    if (!strcmp(vd.reasons[i].dimension, cols[c]) &&
                        strstr(vd.reasons[i].message, tilde + 1))
                        said = true;
                checks++;
                if (!said) {
                    printf("FAIL %s:%zu: no %s reason saying \"%s\"\n", path, lineno, cols[c],
                           tilde + 1);
                    for (size_t i = 0; i < vd.n_reasons; i++)
                        printf("   %s: %s\n", vd.reasons[i].dimension, vd.reasons[i].message);
                    fails++;
                }
                continue;
            }
            char *colon = strchr(cols[c], ':');
            if (!colon)
                continue;
            *colon = '\0';
            bool found = false;
            for (size_t i = 0; i < vd.n_reasons; i++)
                if (!strcmp(vd.reasons[i].dimension, cols[c]) &&
                    !strcmp(elig_outcome_name(vd.reasons[i].outcome), colon + 1))
                    found = true;
            checks++;
            if (!found) {
                printf("FAIL %s:%zu: no %s reason saying %s\n", path, lineno, cols[c],
                       colon + 1);
                fails++;
            }
        }
        rec_service_free(&r);
    }
    printf("evaluate: %zu checks, %zu failed\n", checks, fails);
    return fails ? 1 : 0;
}

/* ---- wrong "not eligible" ----
 * The labelled rule of a row as a rule of its own: "range 18 24",
 * "min 50", "max 24", "any", "none", "in a,b", "not_in a".  Firm (0.9),
 * as a correct reading of a requirement sentence would be. */
static bool label_rule(const char *dim, const char *want, const char *text, rec_rule *u)
{
    char buf[MAX_LINE];
    snprintf(buf, sizeof buf, "%s", want);
    char *save = NULL, *op = strtok_r(buf, " ", &save);
    if (!op)
        return false;
    memset(u, 0, sizeof *u);
    u->dim = strdup(dim);
    u->op = strdup(op);
    u->ev.field = strdup("eligibility_description");
    u->ev.text = strdup(text);
    u->ev.confidence = 0.9;
    char *a = strtok_r(NULL, " ", &save), *b = strtok_r(NULL, " ", &save);
    if (!strcmp(op, "range") && a && b) {
        u->lo = atof(a), u->hi = atof(b), u->has_lo = u->has_hi = true;
    } else if (!strcmp(op, "min") && a) {
        u->lo = atof(a), u->has_lo = true;
    } else if (!strcmp(op, "max") && a) {
        u->hi = atof(a), u->has_hi = true;
    } else if (a) {
        u->values = calloc(64, sizeof *u->values);
        for (char *s2 = NULL, *t = strtok_r(a, ",", &s2); t && u->n_values < 64;
             t = strtok_r(NULL, ",", &s2))
            u->values[u->n_values++] = strdup(t);
    }
    return true;
}

/* The verdict of one dimension: the worst of its reasons that are not
 * "info"; eligible when no rule of it spoke. */
static elig_outcome dim_outcome(const elig_verdict *vd, const char *dim)
{
    elig_outcome o = ELIG_ELIGIBLE;
    for (size_t i = 0; i < vd->n_reasons; i++)
        if (!strcmp(vd->reasons[i].dimension, dim) && vd->reasons[i].outcome != ELIG_INFO &&
            vd->reasons[i].outcome > o)
            o = vd->reasons[i].outcome;
    return o;
}

#define MAX_PERSONS 64

/* Standard persons for a dimension: one circumstance each, varied over
 * the dimension (every borough, benefit, status and group; a spread of
 * ages and months).  Returns the count; the dimensions that never say
 * "not eligible" (referral, cost, mandatory, right_to_work) get none. */
static size_t persons_for(const vocab *v, const char *dim, elig_person *ps,
                          const char **one)
{
    static const int ages[] = {15, 17, 19, 22, 26, 35, 52, 62, 70};
    static const int months[] = {0, 2, 4, 7, 10, 13, 20, 30};
    const char *field = !strcmp(dim, "residency")           ? "borough"
                        : !strcmp(dim, "benefit")           ? "benefit"
                        : !strcmp(dim, "employment_status") ? "status"
                        : !strcmp(dim, "group")             ? "group"
                                                            : NULL;
    size_t n = 0;
    if (!strcmp(dim, "age") || !strcmp(dim, "months_unemployed")) {
        bool age = !strcmp(dim, "age");
        size_t k = age ? sizeof ages / sizeof *ages : sizeof months / sizeof *months;
        for (size_t i = 0; i < k; i++, n++) {
            elig_person_init(&ps[n]);
            if (age)
                ps[n].age = ages[i];
            else
                ps[n].months_unemployed = months[i];
        }
        return n;
    }
    if (!field)
        return 0;
    size_t ns = 0;
    const char *const *slugs = vocab_slugs(v, field, &ns);
    if (!strcmp(dim, "benefit")) { /* claims nothing */
        elig_person_init(&ps[n]);
        ps[n++].benefits_known = true;
    }
    for (size_t i = 0; i < ns && n < MAX_PERSONS; i++, n++) {
        elig_person_init(&ps[n]);
        one[n] = slugs[i];
        if (!strcmp(field, "borough"))
            ps[n].borough = slugs[i];
        else if (!strcmp(field, "status"))
            ps[n].status = slugs[i];
        else if (!strcmp(field, "benefit")) {
            ps[n].benefits = &one[n], ps[n].n_benefits = 1, ps[n].benefits_known = true;
        } else {
            ps[n].groups = &one[n], ps[n].n_groups = 1;
        }
    }
    return n;
}

typedef struct nestat {
    char name[32];
    size_t judged, ext_ne, wrong_ne, exp_ne, missed_ne;
} nestat;

/* Judge person p on dimension dim by the extracted rules (got) and the
 * labelled ones (want), counting into the dimension's and the overall
 * tallies. */
static void judge_person(const vocab *v, const rec_service *got, const rec_service *want,
                         const elig_person *p, const char *dim, elig_outcome *og,
                         elig_outcome *ow, nestat *one, nestat *all)
{
    elig_verdict vg, vw;
    elig_evaluate(v, got, p, &vg);
    elig_evaluate(v, want, p, &vw);
    *og = dim_outcome(&vg, dim);
    *ow = dim_outcome(&vw, dim);
    nestat *d[2] = {one, all};
    for (size_t j = 0; j < 2; j++) {
        d[j]->judged++;
        d[j]->ext_ne += *og == ELIG_NOT_ELIGIBLE;
        d[j]->exp_ne += *ow == ELIG_NOT_ELIGIBLE;
        d[j]->wrong_ne += *og == ELIG_NOT_ELIGIBLE && *ow != ELIG_NOT_ELIGIBLE;
        d[j]->missed_ne += *ow == ELIG_NOT_ELIGIBLE && *og != ELIG_NOT_ELIGIBLE;
    }
}

static int verdicts(const vocab *v, const char *path, double max_rate, long max_wrong)
{
    t_lines l = t_lines_open("%s", path);
    nestat st[MAX_DIMS + 1];
    size_t nst = 0, lineno = 0;
    memset(st, 0, sizeof st);
    snprintf(st[MAX_DIMS].name, sizeof st[MAX_DIMS].name, "all");
    int verbose = getenv("ELIG_VERBOSE") != NULL;
    char *dim, *exp, *text;
    int got_row;
    while ((got_row = next_row(&l, &lineno, &dim, &exp, &text)) > 0) {
        elig_person ps[MAX_PERSONS];
        const char *one[MAX_PERSONS] = {0};
        size_t np = persons_for(v, dim, ps, one);
        if (!np)
            continue;
        rec_service got, want;
        if (enrich_text(v, &l, dim, text, &got) != SP_OK)
            return 1;
        rec_service_init(&want);
        if (strcmp(exp, "-")) {
            want.rules = calloc(1, sizeof *want.rules);
            if (want.rules && label_rule(dim, exp, text, want.rules))
                want.n_rules = 1;
        }
        size_t k = 0;
        while (k < nst && strcmp(st[k].name, dim))
            k++;
        if (k == nst && nst < MAX_DIMS)
            snprintf(st[nst++].name, sizeof st[k].name, "%s", dim);
        for (size_t i = 0; i < np && k < nst; i++) {
            elig_outcome og, ow;
            judge_person(v, &got, &want, &ps[i], dim, &og, &ow, &st[k], &st[MAX_DIMS]);
            if (verbose && (og == ELIG_NOT_ELIGIBLE || ow == ELIG_NOT_ELIGIBLE))
                printf("%s %s:%zu %s [%s] person %zu (age %d, months %d, %s): %s\n",
                       og != ELIG_NOT_ELIGIBLE   ? "MISSED-NE"
                       : ow != ELIG_NOT_ELIGIBLE ? "WRONG-NE"
                                                 : "RIGHT-NE",
                       path, lineno, dim, exp, i, ps[i].age, ps[i].months_unemployed,
                       one[i] ? one[i] : "-", text);
        }
        rec_service_free(&got);
        rec_service_free(&want);
    }
    if (got_row < 0)
        return 1;
    st[nst++] = st[MAX_DIMS];
    for (size_t k = 0; k < nst; k++) {
        const nestat *d = &st[k];
        printf("verdicts: %s judged %zu, not_eligible extracted %zu (labelled %zu), "
               "wrong %zu (%.3f of extracted), missed %zu\n",
               d->name, d->judged, d->ext_ne, d->exp_ne, d->wrong_ne,
               d->ext_ne ? (double)d->wrong_ne / (double)d->ext_ne : 0.0, d->missed_ne);
    }
    const nestat *all = &st[nst - 1];
    double rate = all->ext_ne ? (double)all->wrong_ne / (double)all->ext_ne : 0.0;
    if (rate > max_rate + 1e-9) {
        printf("FAIL: wrong not_eligible rate %.3f above %.3f\n", rate, max_rate);
        return 1;
    }
    if (max_wrong >= 0 && all->wrong_ne > (size_t)max_wrong) {
        printf("FAIL: %zu wrong not_eligible verdicts, above %ld\n", all->wrong_ne, max_wrong);
        return 1;
    }
    return 0;
}

/* ---- pages ----
 * A page of the corpus: its sentences in order and, per dimension, the
 * labels of those sentences that state a rule. */
#define PAGE_MAX_SENT 64
#define PAGE_MAX_ATOMS 64

typedef struct page {
    char *origin;
    char *sent[PAGE_MAX_SENT];
    size_t n_sent;
    char *label[MAX_DIMS][PAGE_MAX_SENT]; /* per dimension of dims[] */
    size_t n_label[MAX_DIMS];
} page;

static const char *const page_dims[] = {"age",
                                        "residency",
                                        "benefit",
                                        "employment_status",
                                        "months_unemployed",
                                        "right_to_work",
                                        "group",
                                        "mandatory",
                                        "referral",
                                        "cost"};
#define N_PAGE_DIMS (sizeof page_dims / sizeof *page_dims)

static void page_clear(page *pg)
{
    free(pg->origin);
    for (size_t i = 0; i < pg->n_sent; i++)
        free(pg->sent[i]);
    for (size_t d = 0; d < N_PAGE_DIMS; d++)
        for (size_t i = 0; i < pg->n_label[d]; i++)
            free(pg->label[d][i]);
    memset(pg, 0, sizeof *pg);
}

/* Add atom a to set (no duplicates). */
static void atom_add(char set[][96], size_t *n, const char *a)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(set[i], a))
            return;
    if (*n < PAGE_MAX_ATOMS)
        snprintf(set[(*n)++], 96, "%s", a);
}

/* The atoms of a rule written like a label ("in a,b" -> "in:a", "in:b";
 * "range 16 24", "any" whole). */
static void atoms_of(const char *rule, char set[][96], size_t *n)
{
    char buf[MAX_LINE];
    snprintf(buf, sizeof buf, "%s", rule);
    char *sp = strchr(buf, ' ');
    if (!sp || !strcmp(buf, "-") ||
        (strncmp(buf, "in ", 3) && strncmp(buf, "not_in ", 7))) {
        if (strcmp(buf, "-"))
            atom_add(set, n, buf);
        return;
    }
    *sp = '\0';
    for (char *save = NULL, *t = strtok_r(sp + 1, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        char a[96];
        snprintf(a, sizeof a, "%.7s:%.80s", buf, t);
        atom_add(set, n, a);
    }
}

static bool atom_in(char set[][96], size_t n, const char *a)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(set[i], a))
            return true;
    return false;
}

/* The page's labelled rules of dimension d as rules: every "in" label
 * merged into one (each names people who may take part, as the reader
 * merges them), the others one each. */
static size_t page_gold_rules(const page *pg, size_t d, rec_service *want)
{
    char in[MAX_LINE] = "";
    size_t o = 0;
    want->rules = calloc(pg->n_label[d] + 1, sizeof *want->rules);
    if (!want->rules)
        return 0;
    for (size_t i = 0; i < pg->n_label[d]; i++) {
        const char *l = pg->label[d][i];
        if (!strncmp(l, "in ", 3))
            o += (size_t)snprintf(in + o, sizeof in - o, "%s%s", o ? "," : "in ", l + 3);
        else if (label_rule(page_dims[d], l, pg->sent[0], &want->rules[want->n_rules]))
            want->n_rules++;
    }
    if (o && label_rule(page_dims[d], in, pg->sent[0], &want->rules[want->n_rules]))
        want->n_rules++;
    return want->n_rules;
}

typedef struct pagestat {
    size_t pages, tp, fp, fn;
    nestat ne;
} pagestat;

static int page_judge(const vocab *v, const page *pg, pagestat *st, int verbose)
{
    if (!pg->n_sent)
        return 0;
    size_t len = 1;
    for (size_t i = 0; i < pg->n_sent; i++)
        len += strlen(pg->sent[i]) + 1;
    char *text = malloc(len);
    if (!text)
        return 1;
    size_t o = 0;
    for (size_t i = 0; i < pg->n_sent; i++)
        o += (size_t)snprintf(text + o, len - o, "%s\n", pg->sent[i]);
    rec_service got;
    rec_service_init(&got);
    got.name = strdup("Labelled page");
    got.eligibility_description = text;
    sp_err e;
    sp_err_clear(&e);
    if (enrich_record(v, &got, &e) != SP_OK) {
        fprintf(stderr, "%s: enrich failed: %s\n", pg->origin, e.msg);
        rec_service_free(&got);
        return 1;
    }
    for (size_t d = 0; d < N_PAGE_DIMS; d++) {
        char gs[PAGE_MAX_ATOMS][96], ws[PAGE_MAX_ATOMS][96];
        size_t ng = 0, nw = 0;
        for (size_t i = 0; i < got.n_rules; i++) {
            if (strcmp(got.rules[i].dim, page_dims[d]))
                continue;
            rec_service one = {0};
            one.rules = &got.rules[i];
            one.n_rules = 1;
            char r[MAX_LINE];
            rule_str(&one, page_dims[d], r, sizeof r);
            atoms_of(r, gs, &ng);
        }
        for (size_t i = 0; i < pg->n_label[d]; i++) {
            char w[MAX_LINE];
            snprintf(w, sizeof w, "%s", pg->label[d][i]);
            canon_expected(w);
            atoms_of(w, ws, &nw);
        }
        pagestat *s = &st[d];
        s->pages++;
        for (size_t i = 0; i < ng; i++) {
            bool right = atom_in(ws, nw, gs[i]);
            s->tp += right;
            s->fp += !right;
            if (!right && verbose)
                printf("PAGE-FP %s [%s]: %s\n", page_dims[d], gs[i], pg->origin);
        }
        for (size_t i = 0; i < nw; i++)
            if (!atom_in(gs, ng, ws[i])) {
                s->fn++;
                if (verbose)
                    printf("PAGE-FN %s [%s]: %s\n", page_dims[d], ws[i], pg->origin);
            }
        /* Verdicts of standard persons on this dimension. */
        elig_person ps[MAX_PERSONS];
        const char *one[MAX_PERSONS] = {0};
        size_t np = persons_for(v, page_dims[d], ps, one);
        if (!np)
            continue;
        rec_service want;
        rec_service_init(&want);
        page_gold_rules(pg, d, &want);
        for (size_t i = 0; i < np; i++) {
            elig_outcome og, ow;
            judge_person(v, &got, &want, &ps[i], page_dims[d], &og, &ow, &s->ne,
                         &st[N_PAGE_DIMS].ne);
            if (verbose && og == ELIG_NOT_ELIGIBLE && ow != ELIG_NOT_ELIGIBLE)
                printf("PAGE-WRONG-NE %s person %zu (age %d, months %d, %s): %s\n",
                       page_dims[d], i, ps[i].age, ps[i].months_unemployed,
                       one[i] ? one[i] : "-", pg->origin);
            else if (verbose && og == ELIG_NOT_ELIGIBLE)
                printf("PAGE-RIGHT-NE %s person %zu (age %d, months %d, %s): %s\n",
                       page_dims[d], i, ps[i].age, ps[i].months_unemployed,
                       one[i] ? one[i] : "-", pg->origin);
            else if (verbose && ow == ELIG_NOT_ELIGIBLE)
                printf("PAGE-MISSED-NE %s person %zu (age %d, months %d, %s): %s\n",
                       page_dims[d], i, ps[i].age, ps[i].months_unemployed,
                       one[i] ? one[i] : "-", pg->origin);
        }
        rec_service_free(&want);
    }
    rec_service_free(&got);
    return 0;
}

static int pages(const vocab *v, int nfiles, char **files)
{
    long max_wrong = -1;
    if (nfiles >= 2 && !strcmp(files[0], "--max-wrong")) {
        max_wrong = atol(files[1]);
        nfiles -= 2;
        files += 2;
    }
    pagestat st[N_PAGE_DIMS + 1];
    memset(st, 0, sizeof st);
    int verbose = getenv("ELIG_VERBOSE") != NULL;
    size_t n_pages = 0, n_sent = 0;
    /* Read with getline, not t_lines: t_lines skips '#' lines, and the
     * "# origin:" comments are what groups sentences into pages. */
    for (int f = 0; f < nfiles; f++) {
        FILE *fp = fopen(files[f], "r");
        if (!fp) {
            perror(files[f]);
            return 1;
        }
        page pg = {0};
        char *line = NULL, *origin = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, fp)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            if (!strncmp(line, "# origin:", 9)) {
                free(origin);
                origin = strdup(line + 9);
                continue;
            }
            if (!line[0] || line[0] == '#')
                continue;
            char *c[3];
            if (t_split(line, c, 3) != 3)
                continue;
            size_t d = 0;
            while (d < N_PAGE_DIMS && strcmp(page_dims[d], c[0]))
                d++;
            if (d == N_PAGE_DIMS)
                continue;
            const char *o = origin ? origin : "";
            if (!pg.origin || strcmp(pg.origin, o)) {
                if (page_judge(v, &pg, st, verbose))
                    return 1;
                n_pages += pg.n_sent > 0;
                page_clear(&pg);
                pg.origin = strdup(o);
            }
            if ((!pg.n_sent || strcmp(pg.sent[pg.n_sent - 1], c[2])) &&
                pg.n_sent < PAGE_MAX_SENT) {
                pg.sent[pg.n_sent++] = strdup(c[2]);
                n_sent++;
            }
            if (strcmp(c[1], "-") && pg.n_label[d] < PAGE_MAX_SENT)
                pg.label[d][pg.n_label[d]++] = strdup(c[1]);
        }
        if (page_judge(v, &pg, st, verbose))
            return 1;
        n_pages += pg.n_sent > 0;
        page_clear(&pg);
        free(origin);
        free(line);
        fclose(fp);
    }
    printf("pages: %zu pages, %zu sentences\n", n_pages, n_sent);
    for (size_t d = 0; d < N_PAGE_DIMS; d++) {
        const pagestat *s = &st[d];
        double p = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 1.0;
        double r = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 1.0;
        printf("pages: %s precision %.3f recall %.3f (labelled %zu, read %zu, right %zu)\n",
               page_dims[d], p, r, s->tp + s->fn, s->tp + s->fp, s->tp);
    }
    const nestat *a = &st[N_PAGE_DIMS].ne;
    printf("pages: verdicts judged %zu, not_eligible extracted %zu (labelled %zu), wrong %zu "
           "(%.3f of extracted), missed %zu\n",
           a->judged, a->ext_ne, a->exp_ne, a->wrong_ne,
           a->ext_ne ? (double)a->wrong_ne / (double)a->ext_ne : 0.0, a->missed_ne);
    if (max_wrong >= 0 && a->wrong_ne > (size_t)max_wrong) {
        printf("FAIL: %zu wrong not_eligible verdicts, above %ld\n", a->wrong_ne, max_wrong);
        return 1;
    }
    return 0;
}

/* Kinds of trigger a rule names when one changed it. */
static bool kind_recorded(const char *label)
{
    static const char *const k[] = {"negation:", "experiencer:", "applicant:", "time:",
                                    "alternative:", "alternative-open:", "widening:"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strncmp(label, k[i], strlen(k[i])))
            return true;
    return false;
}

static int cases(const vocab *v, const char *path, bool coverage)
{
    t_lines l = t_lines_open("%s", path);
    size_t nt = 0;
    const vocab_trigger *trig = vocab_triggers(v, &nt);
    bool *seen = calloc(nt ? nt : 1, sizeof *seen);
    size_t n = 0, fails = 0;
    while (t_line(&l)) {
        size_t lineno = (size_t)l.no;
        char *col[4];
        if (t_split(l.line, col, 4) != 4) {
            printf("FAIL %s:%zu: expected 4 tab-separated columns\n", path, lineno);
            fails++;
            continue;
        }
        const char *label = col[0], *dim = col[1], *text = col[3];
        char want[MAX_LINE];
        snprintf(want, sizeof want, "%s", col[2]);
        canon_expected(want);
        bool known = !strcmp(label, "-") || !strcmp(label, ELIG_TRIGGER_AGE_BANDS);
        for (size_t i = 0; i < nt; i++)
            if (!strcmp(trig[i].label, label)) {
                seen[i] = true;
                known = true;
            }
        if (!known) {
            printf("FAIL %s:%zu: no trigger %s in triggers.tsv\n", path, lineno, label);
            fails++;
        }
        rec_service r;
        rec_service_init(&r);
        r.name = strdup("Case");
        if (!strncmp(text, "desc:", 5))
            r.description = strdup(text + 5);
        else
            r.eligibility_description = strdup(text);
        sp_err e;
        sp_err_clear(&e);
        if (enrich_record(v, &r, &e) != SP_OK) {
            printf("FAIL %s:%zu: enrich: %s\n", path, lineno, e.msg);
            fails++;
            rec_service_free(&r);
            continue;
        }
        n++;
        char got[MAX_LINE];
        rule_str(&r, dim, got, sizeof got);
        if (strcmp(got, want)) {
            printf("FAIL %s:%zu: %s want [%s] got [%s]: %s\n", path, lineno, dim, want, got,
                   text);
            fails++;
        } else if (strcmp(want, "-") && strcmp(dim, "groups") && strcmp(dim, "routes")) {
            const rec_rule *u = rule_of(&r, dim);
            const char *wt = kind_recorded(label) ? label : NULL;
            const char *gt = u ? u->trigger : NULL;
            if ((wt == NULL) != (gt == NULL) || (wt && strcmp(wt, gt))) {
                printf("FAIL %s:%zu: %s rule's trigger is %s, want %s: %s\n", path, lineno,
                       dim, gt ? gt : "none", wt ? wt : "none", text);
                fails++;
            }
        }
        rec_service_free(&r);
    }
    if (coverage) {
        if (nt == 0) {
            printf("FAIL: no triggers loaded (data/vocab/triggers.tsv)\n");
            fails++;
        }
        for (size_t i = 0; i < nt; i++)
            if (!seen[i]) {
                printf("FAIL: trigger %s has no case in %s\n", trig[i].label, path);
                fails++;
            }
    }
    free(seen);
    printf("cases: %zu read, %zu failed\n", n, fails);
    return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
    t_usage(argc, 3, "test_elig labelled FILE FLOORS [MIN_ITEMS] | evaluate FILE | "
                     "verdicts FILE MAX_WRONG_RATE [MAX_WRONG] | pages [--max-wrong N] FILE... | cases FILE [triggers]");
    vocab *v = t_vocab();
    int rc = 2;
    if (!strcmp(argv[1], "labelled") && argc >= 4)
        rc = labelled(v, argv[2], argv[3], argc >= 5 ? (size_t)atol(argv[4]) : 300);
    else if (!strcmp(argv[1], "evaluate"))
        rc = evaluate(v, argv[2]);
    else if (!strcmp(argv[1], "verdicts") && argc >= 4)
        rc = verdicts(v, argv[2], atof(argv[3]), argc >= 5 ? atol(argv[4]) : -1);
    else if (!strcmp(argv[1], "pages"))
        rc = pages(v, argc - 2, argv + 2);
    else if (!strcmp(argv[1], "cases"))
        rc = cases(v, argv[2], argc >= 4 && !strcmp(argv[3], "triggers"));
    vocab_free(v);
    return rc;
}
