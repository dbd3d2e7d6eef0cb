/*
 * elig_pat.h - the sentence patterns of indexer/elig.c (private to elig),
 * without regular expressions (issue 11 item 10: regexec was ~12% of
 * indexing CPU).
 *
 * Two kinds:
 *  - phrase patterns (negation words, softeners, residency words, benefit
 *    help...): lists of literal phrases, written with "(a|b|)" for
 *    alternatives and expanded once at init; all of them are matched in
 *    one pass over a sentence by an Aho-Corasick automaton, and the answer
 *    is kept for the last few sentences asked about;
 *  - the numeric forms ("aged 18 to 24", "50+", "out of work for 3
 *    months") and a few "X ... Y" phrases: hand-written scanners, bounded
 *    by the sentence (which elig.c bounds) and by small fixed gaps.
 *
 * A match fills spans numbered as the groups of the regular expressions
 * these replace (docs/eligibility.md, "Speed"), so elig.c reads the same
 * numbers and words out of them.
 */
#ifndef ELIG_PAT_H
#define ELIG_PAT_H

#include <stdbool.h>
#include <stddef.h>

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
    P_FIRM,
    P_MAND,
    P_MAND_NOT,
    P_MAND_OTHER,
    P_VOL,
    P_VOL_NOT,
    P_PRICE_BAND,
    P__COUNT
};

/* A part of a match: bytes [so, eo) of the sentence; -1 when absent. */
typedef struct elig_span {
    int so, eo;
} elig_span;

#define ELIG_SPANS 12

/* Build the phrase automaton once (thread-safe).  False when out of
 * memory. */
bool elig_pat_init(void);

/* First (leftmost) match of pattern p in the lower-cased sentence s; m
 * (may be NULL) gets ELIG_SPANS spans, m[0] the whole match. */
bool elig_pat_match(int p, const char *s, elig_span *m);

/* Is the lower-cased sentence s a requirement, that is, can a rule read
 * from it be firm enough to say "not eligible"?  Yes when it says so with
 * a word of requirement (P_FIRM: "must", "only" but not "not only",
 * "eligible", "criteria", "you need to", "not open to"...), or when it is
 * a line of the eligibility text that starts by saying whom it is open
 * to ("Open to ...", "Only ...").  A bare condition ("if you live in
 * Hackney", "Over 18 years old") is not: what it is a condition of is not
 * said.  Items under a requirement heading are the caller's (elig.c). */
bool elig_pat_requirement(const char *s, bool elig_field);

/* Does a word of requirement of the lower-cased sentence s govern the
 * words at [pos, pos + len)?  Yes when one that asks something of the
 * person comes before them ("only for carers", "you must be a care
 * leaver") or "only" follows within two words ("carers only").  A group
 * named before the requirement ("If you are a carer, both of you must be
 * employed") or in a statistic ("only one in five young Londoners") is
 * not required by it. */
bool elig_pat_governs(const char *s, size_t pos, size_t len);

/* Is s (as written) short enough to be an item of a list (12 words or
 * fewer)? */
bool elig_pat_list_item(const char *s);

/* Does a line that introduces a list (s, as written, ending with ':') make
 * its items requirements ("To be eligible you must:")?  Not when it names
 * no requirement, nor when it heads a price band ("You are entitled to a
 * reduced fee if you are:"). */
bool elig_pat_firm_heading(const char *s);

/* Does the lower-cased sentence s name a price ("free", "fee", "£",
 * "concession", "funded"...)?  Its conditions may be the price's. */
bool elig_pat_price(const char *s);

/* Does s open with a provider as its subject and a modal ("Local
 * authorities should confirm places...", "Schools must offer...")?  What
 * follows is the provider's duty, not a condition on the person. */
bool elig_pat_provider_duty(const char *s);

#endif
