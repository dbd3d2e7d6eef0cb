/*
 * elig_pat.h - the sentence patterns of indexer/elig.c (private to elig):
 * POSIX extended regular expressions for the numeric forms ("aged 18 to
 * 24", "out of work for 3 months") and a few phrase lists.
 *
 * Each pattern has a gate: words at least one of which any match must
 * contain (or "a digit").  The gate is checked first with plain substring
 * search, so regexec runs only on the few sentences that could match: on
 * most sentences no pattern gets that far (docs/eligibility.md, "Speed").
 */
#ifndef ELIG_PAT_H
#define ELIG_PAT_H

#include <regex.h>
#include <stdbool.h>

enum elig_pat {
    P_AGE_ANY,
    P_RANGE1,
    P_RANGE2,
    P_RANGE3,
    P_MIN1,
    P_MIN2,
    P_MIN3A,
    P_MIN3B,
    P_MIN4,
    P_MAX1,
    P_MAX2,
    P_MAX3,
    P_MAX4,
    P_RANGE4,
    P_MIN5,
    P_MAX5,
    P_BDAY,
    P_ADULTS,
    P_NEGATE,
    P_SOFT,
    P_EXCEPT,
    P_RES_TRIGGER,
    P_RES_ANY,
    P_RES_WORK,
    P_RES_EXCL,
    P_BEN_NONE,
    P_BEN_CLAIM,
    P_BEN_HELP,
    P_BEN_NOT,
    P_BEN_GENERIC,
    P_ST_ANY,
    P_ST_NOT,
    P_MONTHS1,
    P_MONTHS2,
    P_LTU,
    P_MONTHS_ANY,
    P_RTW,
    P_RTW_NONE,
    P_RTW_EXCL,
    P_REQ,
    P_STRONG,
    P_MAND,
    P_MAND_NOT,
    P_VOL,
    P_VOL_NOT,
    P__COUNT
};

/* Compile the patterns once (thread-safe).  False when one does not. */
bool elig_pat_init(void);

/* First match of pattern p in s; m gets up to 12 groups (may be NULL). */
bool elig_pat_match(int p, const char *s, regmatch_t *m);

#endif
