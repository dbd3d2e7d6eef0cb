/*
 * person.c - a client's answers into an elig_person, and the groups the
 * answers imply (see person.h).  The one place the limits on an answer
 * (PERSON_MAX_AGE, PERSON_MAX_MONTHS) and the words refusing a bad one
 * live, shared by /api/v1/eligible, /api/v1/search and /coach.
 */
#include "person.h"

#include <stdio.h>
#include <string.h>

#include "idx.h"

/* /api/v1/search filters on the index's months and ages: every answer the
 * person model takes must be one the index can answer. */
_Static_assert(PERSON_MAX_MONTHS <= IDX_MAX_MONTHS, "months beyond the index's range");
_Static_assert(PERSON_MAX_AGE <= IDX_MAX_AGE, "ages beyond the index's range");

void person_init(person *pp)
{
    memset(pp, 0, sizeof *pp);
    elig_person_init(&pp->p);
    pp->p.benefits = pp->benefits;
    pp->p.groups = pp->groups;
    pp->p.needs = pp->needs;
}

static const char *const fields[] = {"age",    "borough", "benefits", "status",
                                     "months_unemployed", "group", "need", "language"};

bool person_is_field(const char *name)
{
    for (size_t i = 0; name && i < sizeof fields / sizeof fields[0]; i++)
        if (!strcmp(name, fields[i]))
            return true;
    return false;
}

bool person_field_repeats(const char *name)
{
    return name && (!strcmp(name, "benefits") || !strcmp(name, "group") || !strcmp(name, "need"));
}

int person_number(const char *name, const char *value, size_t len, int *out, sp_err *err)
{
    bool age = !strcmp(name, "age");
    long max = age ? PERSON_MAX_AGE : PERSON_MAX_MONTHS;
    long n = len ? 0 : -1;
    for (size_t i = 0; i < len && n >= 0; i++) {
        if (value[i] < '0' || value[i] > '9' || n > max)
            n = -1;
        else
            n = n * 10 + (value[i] - '0');
    }
    if (n < 0 || n > max)
        return sp_fail(err, SP_EINVAL, "%s must be a whole number of %s from 0 to %ld", name,
                       age ? "years" : "months", max);
    *out = (int)n;
    return SP_OK;
}

/* What each answer may be, for the message refusing one. */
static const char *hint(const char *name)
{
    if (!strcmp(name, "borough"))
        return "a London borough's GOV.UK slug (newham), GSS code (E09000025) or name";
    if (!strcmp(name, "benefits"))
        return "none or a benefit slug such as universal-credit, jsa, esa, income-support, "
               "pip, carers-allowance, housing-benefit, pension-credit";
    if (!strcmp(name, "status"))
        return "unemployed, inactive, in-work, low-paid, redundancy or in-education";
    if (!strcmp(name, "group"))
        return "a group slug such as young-people, aged-50-plus, disabled, care-leavers";
    if (!strcmp(name, "need"))
        return "a category slug such as employment-support, cv-and-applications, esol, "
               "mental-health";
    return "an ISO 639-1 code such as en, ar, bn, so, pl";
}

const char *person_slug(const vocab *v, const char *name, const char *value, size_t len,
                        sp_err *err)
{
    char buf[256];
    const char *s = NULL;
    if (len < sizeof buf && !memchr(value, '\0', len)) {
        memcpy(buf, value, len);
        buf[len] = '\0';
        if (!strcmp(name, "benefits"))
            s = !strcmp(buf, "none") ? "none" : vocab_canon(v, "benefit", buf);
        else if (!strcmp(name, "need"))
            s = vocab_canon(v, "category", buf);
        else
            s = vocab_canon(v, name, buf);
    }
    if (!s)
        sp_fail(err, SP_EINVAL, "%s: unknown value; use %s", name, hint(name));
    return s;
}

/* Add a slug to a list once. */
static int add(const char **list, size_t *n, const char *slug, const char *name, sp_err *err)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(list[i], slug))
            return SP_OK;
    if (*n >= PERSON_MAX_LIST)
        return sp_fail(err, SP_EINVAL, "%s: too many values; at most %d", name,
                       PERSON_MAX_LIST);
    list[(*n)++] = slug;
    return SP_OK;
}

int person_set(person *pp, const vocab *v, const char *name, const char *value, size_t len,
               sp_err *err)
{
    if (!person_is_field(name))
        return sp_fail(err, SP_EINVAL, "%s is not an answer about a person", name);
    if (!len)
        return SP_OK; /* an empty form field means "unknown" */
    elig_person *p = &pp->p;
    if (!strcmp(name, "age"))
        return person_number(name, value, len, &p->age, err);
    if (!strcmp(name, "months_unemployed"))
        return person_number(name, value, len, &p->months_unemployed, err);
    const char *s = person_slug(v, name, value, len, err);
    if (!s)
        return SP_EINVAL;
    if (!strcmp(name, "borough"))
        p->borough = s;
    else if (!strcmp(name, "status"))
        p->status = s;
    else if (!strcmp(name, "language"))
        p->language = s;
    else if (!strcmp(name, "benefits")) {
        p->benefits_known = true;
        if (strcmp(s, "none"))
            return add(pp->benefits, &p->n_benefits, s, name, err);
    } else if (!strcmp(name, "group"))
        return add(pp->groups, &p->n_groups, s, name, err);
    else
        return add(pp->needs, &p->n_needs, s, name, err);
    return SP_OK;
}

bool person_given(const person *pp)
{
    const elig_person *p = &pp->p;
    return p->age >= 0 || p->months_unemployed >= 0 || p->borough || p->benefits_known ||
           p->status || p->language || p->n_groups || p->n_needs;
}

static bool status_is(const elig_person *p, const char *s)
{
    return p->status && !strcmp(p->status, s);
}

bool person_implies_group(const elig_person *p, const char *g)
{
    if (!g)
        return false;
    bool young = p->age >= 16 && p->age <= 24;
    if (!strcmp(g, "young-people"))
        return young;
    if (!strcmp(g, "aged-50-plus"))
        return p->age >= 50;
    if (!strcmp(g, "long-term-unemployed"))
        return p->months_unemployed >= 12;
    if (!strcmp(g, "economically-inactive"))
        return status_is(p, "inactive");
    if (!strcmp(g, "low-pay-low-skills") || !strcmp(g, "in-work-progression"))
        return status_is(p, "low-paid");
    if (!strcmp(g, "neet"))
        return young && (status_is(p, "unemployed") || status_is(p, "inactive"));
    return false;
}

bool person_decides_group(const elig_person *p, const char *g)
{
    if (!g)
        return false;
    /* "Young people" reaches 25 or 29 on many programmes (care leavers,
     * SEND): ages 25-29 are a check, not a "no". */
    bool young_decided = p->age >= 0 && (p->age <= 24 || p->age >= 30);
    if (!strcmp(g, "young-people"))
        return young_decided;
    if (!strcmp(g, "aged-50-plus"))
        return p->age >= 0;
    if (!strcmp(g, "long-term-unemployed"))
        return p->months_unemployed >= 0;
    /* "Low pay or qualifications at Level 2 or below": the answers hold
     * no qualifications, so an unemployed person may still be in it.
     * "Economically inactive people who want to work": the line between
     * looking for work and not is thin for someone out of work a long
     * time, and a programme for the inactive rarely turns the unemployed
     * away; a check (a wrong "not eligible" is the costliest error). */
    if (!strcmp(g, "low-pay-low-skills") || !strcmp(g, "economically-inactive"))
        return false;
    if (!strcmp(g, "in-work-progression"))
        return p->status != NULL;
    if (!strcmp(g, "neet"))
        return young_decided && p->status != NULL;
    return false;
}

size_t person_implied_groups(const vocab *v, const elig_person *p, const char **out,
                             size_t max)
{
    size_t n = 0, ng = 0;
    const char *const *all = vocab_slugs(v, "group", &ng);
    for (size_t i = 0; all && i < ng && n < max; i++)
        if (person_implies_group(p, all[i]))
            out[n++] = all[i];
    return n;
}
