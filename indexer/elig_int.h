/*
 * elig_int.h - what the two halves of the eligibility extractor share
 * (private to indexer/elig*.c): elig.c reads a record sentence by
 * sentence, scopes and structured fields; elig_dims.c reads each
 * dimension out of one sentence (age, residency, benefits, status,
 * months out of work, right to work, groups, mandatory).
 */
#ifndef ELIG_INT_H
#define ELIG_INT_H

#include "elig.h"
#include "elig_pat.h"
#include "elig_scope.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what one record may make us do. */
#define EL_MAX_SENTENCES 300
#define EL_MAX_SENTENCE 1200
#define EL_MAX_RULES 48
#define EL_MAX_VALUES 40
#define EL_EVIDENCE 240

/* ------------------------------------------------------------ patterns */

static inline bool match(int p, const char *s, elig_span *m)
{
    return elig_pat_match(p, s, m);
}

static inline bool has(int p, const char *s)
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
    bool ben_goal; /* the sentence opens with a benefit as its goal */
    bool band_item; /* the sentence is an item under a price band's heading */
    bool question;  /* the sentence ended with "?" */
    const elig_scope *sc;
    const uint16_t *o2l;
    size_t first;
    struct {
        const char *dim;
        size_t off; /* in low */
    } anch[EL_MAX_ANCHORS];
    size_t n_anch;
    /* Dimensions a widening named people on anywhere in the record ("Care
     * leavers up to 25 are also eligible"), and the trigger: no rule of
     * theirs, from any sentence, lists everyone who may take part. */
    struct {
        const char *dim;
        const vocab_trigger *t;
    } wid[EL_MAX_ANCHORS];
    size_t n_wid;
} ctx;

/* Hits sorted by what their scopes say: kept (pos), negated (neg) or
 * dropped (about someone else, or history).  Returns the trigger that
 * negated or dropped one, if any. */
typedef struct hitsort {
    const char *pos[EL_MAX_VALUES], *neg[EL_MAX_VALUES];
    size_t n_pos, n_neg;
    const vocab_trigger *why;
} hitsort;

typedef struct agebounds {
    int lo, hi; /* -1 none */
    bool any;
    bool cohort; /* one year of age naming children ("2 year olds"): a check at most */
    int at;  /* where a bound was read (offset in the text read); -1 none */
    int end; /* where the last words a bound was read from end; -1 none */
} agebounds;

/* elig.c: rules, scopes (docs/eligibility.md "Scope"). */
char *el_ev_text(const char *s);
rec_rule *el_find_rule(ctx *c, const char *dim);
rec_rule *el_add_rule(ctx *c, const char *dim, const char *op, const char *const *vals,
                      size_t nv, const char *field, const char *text, double conf);
const vocab_trigger *el_scope_low(const ctx *c, size_t low_off, int cls);
const vocab_trigger *el_scope_orig(const ctx *c, size_t orig_off, int cls);
void el_set_trigger(ctx *c, rec_rule *u, const vocab_trigger *t);
void el_anchor(ctx *c, const char *dim, size_t low_off);
void el_sort_hit(ctx *c, hitsort *h, const char *dim, const vocab_hit *hit);

/* elig_dims.c: one sentence, one dimension each. */
void el_age_digits(const char *low, char *out, size_t outsz, uint16_t *a2l);
void el_age_sentence(const char *low, agebounds *b);
enum { EL_AGE_ONE, EL_AGE_OR, EL_AGE_TWO };
int el_age_alternative(const char *low, agebounds *b, size_t *or_at);
bool el_age_in_condition(const char *low, size_t at);
bool el_age_for_whom(const char *low, size_t at);
bool el_age_redirected(const char *low, size_t at);
void el_add_age(ctx *c, const agebounds *b, const char *field, const char *text, double conf);
void el_residency_sentence(ctx *c, const char *orig, const char *low, const char *field,
                           double conf);
enum { EL_BEN_GOAL = 1, EL_BEN_REGIME = 2 };
unsigned el_benefit_lead(const ctx *c, const char *orig, const char *low);
void el_benefit_sentence(ctx *c, const char *orig, const char *low, const char *field,
                         double conf);
void el_status_sentence(ctx *c, const char *orig, const char *low, const char *field,
                        double conf);
void el_months_sentence(ctx *c, const char *orig, const char *low, const char *field,
                        double conf);
void el_rtw_sentence(ctx *c, const char *orig, const char *low, const char *field, double conf);
void el_group_sentence(ctx *c, const char *orig, const char *low, const char *field,
                       double conf, bool elig_field, bool age_rule_here);
void el_mandatory_sentence(ctx *c, const char *orig, const char *low, const char *field,
                           double conf);

#endif
