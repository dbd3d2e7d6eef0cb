/*
 * person.h - the person model: a client's answers (age, borough, benefits,
 * employment status, months out of work, groups, needs, language) read
 * into an elig_person, with one set of limits and one set of messages, and
 * the priority groups those answers imply.
 *
 * /api/v1/eligible, the person filters of /api/v1/search and the /coach
 * page all read answers through person_set (or person_number and
 * person_slug, for search's own multi-valued filters), so the same answer
 * means the same thing everywhere and is refused with the same words.
 * Messages never repeat the value given: it describes a person.
 *
 * person_implies_group says which groups a person is in by their answers
 * (age 16-24: young people; 12 months out of work: long-term unemployed;
 * status inactive: economically inactive ...).  The pages and the API use
 * it and nothing else; elig_evaluate's group rules (indexer/elig.c, which
 * should call it) are held to it by the elig_person test over a grid of
 * ages, statuses and months.
 *
 * Everything here is a pure function of its arguments: thread-safe.
 */
#ifndef PERSON_H
#define PERSON_H

#include <stdbool.h>
#include <stddef.h>

#include "elig.h"
#include "sp.h"
#include "vocab.h"

#define PERSON_MAX_AGE 120    /* years */
#define PERSON_MAX_MONTHS 600 /* months out of work: fifty years */
#define PERSON_MAX_LIST 16    /* values of a repeatable answer */

/* A person and the storage its elig_person borrows (p's arrays point into
 * the struct: do not copy it by assignment). */
typedef struct person {
    elig_person p;
    const char *benefits[PERSON_MAX_LIST], *groups[PERSON_MAX_LIST],
        *needs[PERSON_MAX_LIST];
} person;

/* Everything unknown. */
void person_init(person *pp);

/* The answer names person_set knows: "age", "borough", "benefits",
 * "status", "months_unemployed", "group", "need", "language". */
bool person_is_field(const char *name);
/* True for the repeatable ones: benefits, group, need. */
bool person_field_repeats(const char *name);

/* One answer (len bytes of value, not NUL-terminated; valid UTF-8 checked
 * by the caller).  An empty value means unknown and is ignored, except
 * benefits=none (claims nothing).  Returns SP_OK, or SP_EINVAL with
 * err->msg naming the answer and what it may be. */
int person_set(person *pp, const vocab *v, const char *name, const char *value, size_t len,
               sp_err *err);

/* age / months_unemployed: a whole number from 0 to PERSON_MAX_AGE or
 * PERSON_MAX_MONTHS into *out.  SP_OK or SP_EINVAL (err says the range). */
int person_number(const char *name, const char *value, size_t len, int *out, sp_err *err);

/* borough, benefits ("none" kept as "none"), status, group, need (a
 * category), language: the canonical slug (owned by v), or NULL with
 * err->msg saying which values are allowed. */
const char *person_slug(const vocab *v, const char *name, const char *value, size_t len,
                        sp_err *err);

/* Anything known about the person. */
bool person_given(const person *pp);

/* The person is in group g by their answers alone (not counting the
 * groups they ticked). */
bool person_implies_group(const elig_person *p, const char *g);

/* Do the answers decide whether the person is in group g, either way?
 * Only for groups defined by answered facts (young-people by an age
 * given outside 25-29, which some programmes count as young; aged-50-plus
 * by an age given, long-term-unemployed by months given,
 * economically-inactive, low-pay-low-skills, in-work-progression by a
 * status given, neet by both).  Ticked groups are not exhaustive: a
 * person who ticked "carers" may still be disabled, so for every other
 * group not ticked the answer is unknown. */
bool person_decides_group(const elig_person *p, const char *g);

/* The group slugs of v's "group" list that the answers imply, in the
 * vocabulary's order, at most max of them into out (slugs owned by v).
 * Returns how many. */
size_t person_implied_groups(const vocab *v, const elig_person *p, const char **out,
                             size_t max);

#endif
