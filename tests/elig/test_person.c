/*
 * test_person.c - the person model (indexer/person.h): answers read with
 * one set of limits and messages (table in data/person_answers.tsv), and
 * the groups the answers imply agreeing with the eligibility engine: for
 * every group person_implies_group knows and a grid of ages, statuses and
 * months out of work, a service "only for" that group is eligible exactly
 * when the person model says the person is in it, and "not eligible" only
 * when the answers decide the group (person_decides_group), a check
 * otherwise.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tcheck.h"
#include "elig.h"
#include "person.h"
#include "../core/tutil.h"

/* ok, saying why when it is not (for CHECK's report). */
static bool said(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool said(bool ok, const char *fmt, ...)
{
    if (!ok) {
        va_list ap;
        va_start(ap, fmt);
        fputs("  because: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    return ok;
}

/* Each line: name TAB value TAB "ok" or the text the refusal must contain.
 * A value of "-" stands for the empty string. */
static void answers(const vocab *v, const char *path)
{
    t_lines l = t_lines_open("%s", path);
    int n = 0;
    while (t_line(&l)) {
        char *line = l.line;
        char *name = line, *val = strchr(line, '\t'), *want = NULL;
        if (val) {
            *val++ = '\0';
            want = strchr(val, '\t');
        }
        if (!want) {
            CHECK(said(0, "%s: bad line", path));
            continue;
        }
        *want++ = '\0';
        if (!strcmp(val, "-"))
            val[0] = '\0';
        person pp;
        person_init(&pp);
        sp_err e;
        sp_err_clear(&e);
        int rc = person_set(&pp, v, name, val, strlen(val), &e);
        if (!strcmp(want, "ok"))
            CHECK(said(rc == SP_OK, "%s=%s: refused (%s)", name, val, e.msg));
        else
            CHECK(said(rc == SP_EINVAL && strstr(e.msg, want) && !(*val && strstr(e.msg, val)),
                  "%s=%s: want a refusal saying '%s' without the value, got %d '%s'", name,
                  val, want, rc, e.msg));
        n++;
    }
    CHECK(said(n >= 20, "only %d answer cases", n));
}

/* A service whose only rule is a firm "only for g". */
static void only_for(rec_service *r, rec_rule *u, char **vals, const char *g)
{
    memset(r, 0, sizeof *r);
    memset(u, 0, sizeof *u);
    vals[0] = (char *)g;
    u->dim = "group";
    u->op = "in";
    u->values = vals;
    u->n_values = 1;
    u->ev.field = "eligibility_description";
    u->ev.text = "test";
    u->ev.confidence = 0.9;
    r->rules = u;
    r->n_rules = 1;
}

static void groups_agree(const vocab *v)
{
    size_t ng = 0;
    const char *const *groups = vocab_slugs(v, "group", &ng);
    const char *statuses[] = {NULL, "unemployed", "inactive", "in-work", "low-paid",
                              "redundancy", "in-education"};
    const int ages[] = {-1, 15, 16, 19, 24, 25, 49, 50, 66, 120};
    const int months[] = {-1, 0, 11, 12, 600};
    size_t implied = 0, decides = 0;
    for (size_t g = 0; g < ng; g++)
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
            for (size_t a = 0; a < sizeof ages / sizeof ages[0]; a++)
                for (size_t m = 0; m < sizeof months / sizeof months[0]; m++) {
                    person pp;
                    person_init(&pp);
                    pp.p.age = ages[a];
                    pp.p.status = statuses[s];
                    pp.p.months_unemployed = months[m];
                    rec_service r;
                    rec_rule u;
                    char *vals[1];
                    only_for(&r, &u, vals, groups[g]);
                    elig_verdict vd;
                    CHECK(said(elig_evaluate(v, &r, &pp.p, &vd) == SP_OK, "evaluate"));
                    bool in = person_implies_group(&pp.p, groups[g]);
                    implied += in;
                    CHECK(said(in == (vd.outcome == ELIG_ELIGIBLE),
                          "group %s, age %d, status %s, months %d: person model says %s, "
                          "the engine %s",
                          groups[g], ages[a], statuses[s] ? statuses[s] : "-", months[m],
                          in ? "in" : "not in", elig_outcome_name(vd.outcome)));
                    /* Not in it: "not eligible" only when the answers
                     * decide the group (ticked groups are not exhaustive). */
                    bool decided = person_decides_group(&pp.p, groups[g]);
                    decides += decided;
                    if (!in)
                        CHECK(said(vd.outcome == (decided ? ELIG_NOT_ELIGIBLE : ELIG_CHECK),
                                   "group %s, age %d, status %s, months %d: not in it, "
                                   "decided %d, the engine %s",
                                   groups[g], ages[a], statuses[s] ? statuses[s] : "-",
                                   months[m], decided, elig_outcome_name(vd.outcome)));
                    const char *list[PERSON_MAX_LIST];
                    size_t n = person_implied_groups(v, &pp.p, list, PERSON_MAX_LIST);
                    bool listed = false;
                    for (size_t i = 0; i < n; i++)
                        listed = listed || !strcmp(list[i], groups[g]);
                    CHECK(said(listed == in, "person_implied_groups lists %s: %d", groups[g],
                               in));
                }
    CHECK(said(implied > 0, "no group is ever implied"));
    CHECK(said(decides > 0, "no group is ever decided by the answers"));
}

int main(int argc, char **argv)
{
    t_usage(argc, 2, "test_person ANSWERS.tsv");
    vocab *v = t_vocab();
    answers(v, argv[1]);
    groups_agree(v);
    /* One set of limits: the same numbers the API documents. */
    CHECK(said(PERSON_MAX_AGE == 120 && PERSON_MAX_MONTHS == 600, "limits"));
    vocab_free(v);
    return t_done("person");
}
