/*
 * understand.h - reading a search typed as a sentence ("I'm 55 and want to
 * retrain in Newham", "free English classes near E8 1DY"): which words are
 * really filters, which name a category, and which are filler.
 *
 * The rule (docs/portal.md, "Search that reads a sentence"): a recognised
 * place (borough, sub-region, postcode), cost ("free"), age ("I'm 55",
 * "aged 19", "18 year olds") or priority group ("over 50s", "care leavers")
 * is taken out of the words and becomes a filter; a recognised category
 * phrase ("English classes" -> esol) stays in the words and also boosts
 * the services of that category; filler ("I want to", "somewhere to",
 * "help with my", data/vocab/fillers.txt) is dropped.  What was applied is
 * reported so the caller can show it and offer to undo it.
 *
 * Thread safety: und_read may be called from any number of threads (the
 * filler list is loaded once, on first use).
 */
#ifndef UNDERSTAND_H
#define UNDERSTAND_H

#include <stdbool.h>
#include <stddef.h>

#include "idx.h"
#include "sp.h"
#include "vocab.h"

#define UND_MAX_TEXT 1024 /* bytes of query read; longer: cut on a word */
#define UND_MAX_APPLIED 12
#define UND_MAX_BOOST 6

/* One filter read from the words. */
typedef struct und_applied {
    const char *field; /* API name: "borough", "subregion", "group", "cost",
                        * "age" or "near" */
    int idx_field;     /* its idx_field, -1 for near */
    const char *value; /* slug (the vocab's), age or postcode (the result's) */
    char from[64];     /* the words as typed */
} und_applied;

typedef struct und_result {
    char text[UND_MAX_TEXT + 1]; /* the words left to search for */
    und_applied applied[UND_MAX_APPLIED];
    size_t n_applied;
    const char *boost[UND_MAX_BOOST]; /* category slugs named (the vocab's) */
    size_t n_boost;
    bool has_near;
    double lat, lon;
    char near[16]; /* the postcode, normalised ("E8 1DY") */
    char age[8];   /* decimal text */
} und_result;

/* Read q.  skip[f] true: the caller already filters field f (an idx_field;
 * IDX_F__COUNT stands for near), so words naming it stay words.  skip may
 * be NULL.  Always fills *out (at worst with q as it is); SP_ENOMEM only
 * when the filler list could not be loaded for want of memory. */
int und_read(const vocab *v, const char *q, const bool skip[IDX_F__COUNT + 1],
             und_result *out, sp_err *err);

#endif
