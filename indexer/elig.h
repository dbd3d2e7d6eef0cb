/*
 * elig.h - structured eligibility: rules read from a service record, and a
 * person's circumstances checked against them.
 *
 * elig_extract reads the HSDS fields (minimum_age / maximum_age, service
 * areas, the derived referral and cost tags) and the English prose
 * (eligibility_description, description, application_process, fees) into
 * rec_rule values (dims and ops as in rec.h; docs/eligibility.md lists
 * them), each with its evidence (field and sentence) and a confidence.
 * A dimension the service says nothing about gets no rule: unknown excludes
 * nobody.  Softeners ("priority given to", "including", "especially") make
 * no requirement; negations ("not suitable for under 18s", "you don't need
 * to claim benefits", "not open to people who receive Pension Credit") turn
 * the rule round; words about staff, past clients or history make none
 * (the scope triggers of data/vocab/triggers.tsv, elig_scope.c); exceptions ("unless referred
 * by", "at our discretion") lower its confidence so that failing it means
 * "check", not "not eligible".
 *
 * elig_evaluate checks one person against one record's rules and says
 * eligible, check or not_eligible, with one reason per rule that mattered.
 * Only a firm rule (a requirement, confidence >= 0.8, no unresolved scope
 * trigger) can say not_eligible; a weaker one says check.  An inactive or
 * closed service is never eligible (a "status" reason says closed).
 * Nothing about the person is kept.
 *
 * Both are pure functions of their arguments (the vocab is read-only):
 * thread-safe for distinct records.
 */
#ifndef ELIG_H
#define ELIG_H

#include <stdbool.h>
#include <stddef.h>

#include "rec.h"
#include "sp.h"
#include "vocab.h"

/* The trigger a rule carries when another sentence of the record, not a
 * phrase of triggers.tsv, made it one alternative: a second age band that
 * neither holds the first nor lies within it ("aged 16 to 18" and, in
 * another sentence, "aged 19 to 25"). */
#define ELIG_TRIGGER_AGE_BANDS "alternative:another age band"

/* Replace r->rules with the rules read from r (call after enrichment: it
 * uses r->referrals, r->costs, r->boroughs and r->pan_london).  Returns
 * SP_OK, SP_EINVAL or SP_ENOMEM. */
int elig_extract(const vocab *v, rec_service *r, sp_err *err);

/* Free r->rules and set it empty. */
void elig_clear(rec_service *r);

/* A person's circumstances.  Every field may be unknown.  The arrays are
 * borrowed (not copied, not kept). */
typedef struct elig_person {
    int age;              /* years; -1 unknown */
    const char *borough;  /* borough slug of residence; NULL unknown */
    const char *const *benefits; /* benefit slugs (data/vocab/benefits.tsv) */
    size_t n_benefits;
    bool benefits_known;  /* true with n_benefits 0: claims no benefit */
    const char *status;   /* status slug (data/vocab/statuses.tsv); NULL unknown */
    int months_unemployed; /* -1 unknown */
    const char *const *groups; /* group slugs the person ticked */
    size_t n_groups;
    const char *const *needs;  /* category slugs wanted */
    size_t n_needs;
    const char *language; /* ISO 639-1 code; NULL unknown */
} elig_person;

void elig_person_init(elig_person *p); /* everything unknown */

typedef enum elig_outcome {
    ELIG_ELIGIBLE = 0,
    ELIG_CHECK = 1,
    ELIG_NOT_ELIGIBLE = 2,
    ELIG_INFO = 3 /* a fact for the adviser (referral route, cost): no verdict */
} elig_outcome;

/* "eligible", "check", "not_eligible", "info". */
const char *elig_outcome_name(elig_outcome o);

#define ELIG_MAX_REASONS 24

typedef struct elig_reason {
    elig_outcome outcome;
    const char *dimension;  /* rule dim, or "need" / "language" / "status" (closed) */
    const rec_rule *rule;   /* points into the record; NULL for need/language/status */
    char message[240];      /* plain English */
} elig_reason;

typedef struct elig_verdict {
    elig_outcome outcome; /* eligible, check or not_eligible */
    elig_reason reasons[ELIG_MAX_REASONS];
    size_t n_reasons;
    bool meets_needs;    /* offers one of the needs (true when none given) */
    bool speaks_language; /* the language is listed (true when none / en) */
    bool closed;         /* the service is inactive or closed: a "status" reason */
} elig_verdict;

/* Check p against r's rules (r->rules as elig_extract left them) into *out.
 * The verdict points into r: keep r alive while using it.  Returns SP_OK or
 * SP_EINVAL. */
int elig_evaluate(const vocab *v, const rec_service *r, const elig_person *p,
                  elig_verdict *out);

#endif
