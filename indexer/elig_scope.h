/*
 * elig_scope.h - the scope engine of indexer/elig.c (private to elig):
 * a sentence's words, the triggers of data/vocab/triggers.tsv found in
 * them, and which words each trigger's scope covers (NegEx/ConText: a
 * direction and a window in words, cut short by terminators).
 *
 * Hand-rolled: one pass over the lower-cased sentence makes the word array,
 * and each word looks its triggers up by binary search in the sorted table
 * vocab_triggers gives (built once at vocab load).  No regex.
 */
#ifndef ELIG_SCOPE_H
#define ELIG_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

#define ESC_MAX_TOK 320   /* words of one sentence looked at */
#define ESC_MAX_MATCH 64  /* triggers of one sentence */

/* What a scope does to the rules in it (several kinds share one). */
enum {
    ESC_NEG,   /* negation */
    ESC_DROP,  /* experiencer, applicant (in a job advert), time, concession */
    ESC_OPEN,  /* alternative-open */
    ESC_WIDEN, /* widening */
    ESC__COUNT
};

typedef struct esc_match {
    const vocab_trigger *t;
    uint16_t from, to; /* words [from, to) */
} esc_match;

typedef struct elig_scope {
    size_t n; /* words */
    uint16_t off[ESC_MAX_TOK], len[ESC_MAX_TOK];
    int16_t cover[ESC__COUNT][ESC_MAX_TOK]; /* index into m, -1 none */
    uint8_t nneg[ESC_MAX_TOK]; /* negations covering a word: two cancel */
    esc_match m[ESC_MAX_MATCH];
    size_t n_m;
    bool job; /* a job-advert cue in this sentence */
} elig_scope;

/* Read low (lower case, as elig.c normalises it).  job: the record's text
 * has a job-advert cue, so "applicant" triggers count. */
void elig_scope_build(const vocab *v, const char *low, bool job, elig_scope *s);

/* The trigger whose scope of class cls (ESC_*) covers byte offset off of
 * low; NULL none. */
const vocab_trigger *elig_scope_at(const elig_scope *s, size_t off, int cls);

/* The word at or after byte offset off (s->n when none). */
size_t elig_scope_word(const elig_scope *s, size_t off);

#endif
