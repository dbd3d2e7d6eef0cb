/*
 * elig_scope.c - triggers and their scopes in one sentence (see
 * elig_scope.h and docs/eligibility.md "Scope").
 */
#include "elig_scope.h"

#include <ctype.h>
#include <string.h>

static bool word_byte(unsigned char ch)
{
    return isalnum(ch) || ch == '\'' || ch == '-' || ch == '+' || ch >= 0x80;
}

/* Split low into words: runs of letters, digits, ' - + and non-ASCII; each
 * other printable mark (",", ";", "(") is a word of its own, as a scope
 * must see ";" and commas in lists count as words of the window. */
static void tokenise(const char *low, elig_scope *s)
{
    s->n = 0;
    for (size_t i = 0; low[i] && s->n < ESC_MAX_TOK && i < UINT16_MAX;) {
        unsigned char ch = (unsigned char)low[i];
        if (ch <= ' ') {
            i++;
            continue;
        }
        size_t j = i + 1;
        if (word_byte(ch))
            while (low[j] && word_byte((unsigned char)low[j]) && j < UINT16_MAX)
                j++;
        /* A word does not end in "-" or "'" ("16-" in "16- to 24"). */
        s->off[s->n] = (uint16_t)i;
        s->len[s->n] = (uint16_t)(j - i);
        s->n++;
        i = j;
    }
}

/* Compare word w (length wl) with the first word of phrase p. */
static int cmp_first(const char *w, size_t wl, const char *p)
{
    size_t pl = strcspn(p, " ");
    size_t k = wl < pl ? wl : pl;
    int c = memcmp(w, p, k);
    if (c)
        return c;
    return wl < pl ? -1 : wl > pl ? 1 : 0;
}

static bool word_is(const char *low, const elig_scope *s, size_t i, const char *p, size_t pl)
{
    if (pl == 1 && p[0] == '#')
        return isdigit((unsigned char)low[s->off[i]]);
    return s->len[i] == pl && !memcmp(low + s->off[i], p, pl);
}

/* The longest trigger starting at word i; its length in words in *nw. */
static const vocab_trigger *longest_at(const vocab_trigger *t, size_t nt, const char *low,
                                       const elig_scope *s, size_t i, size_t *nw)
{
    const char *w = low + s->off[i];
    size_t wl = s->len[i];
    /* Lower bound of the phrases whose first word is w. */
    size_t lo = 0, hi = nt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_first(w, wl, t[mid].phrase) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const vocab_trigger *best = NULL;
    size_t best_n = 0;
    bool digit = isdigit((unsigned char)*w);
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: phrases starting with w; pass 1: with "#" for a number */
        size_t k = lo;
        if (pass == 1) {
            if (!digit)
                break;
            size_t l2 = 0, h2 = nt;
            while (l2 < h2) {
                size_t mid = (l2 + h2) / 2;
                if (cmp_first("#", 1, t[mid].phrase) > 0)
                    l2 = mid + 1;
                else
                    h2 = mid;
            }
            k = l2;
        }
        for (; k < nt && cmp_first(pass ? "#" : w, pass ? 1 : wl, t[k].phrase) == 0; k++) {
            const char *p = t[k].phrase;
            size_t n = 0, at = i;
            bool ok = true;
            while (*p) {
                size_t pl = strcspn(p, " ");
                if (at >= s->n || !word_is(low, s, at, p, pl)) {
                    ok = false;
                    break;
                }
                n++;
                at++;
                p += pl;
                if (*p == ' ')
                    p++;
            }
            if (ok && n > best_n) {
                best = &t[k];
                best_n = n;
            }
        }
    }
    *nw = best_n;
    return best;
}

static int class_of(vocab_trigger_kind k, bool job)
{
    switch (k) {
    case VT_NEGATION:
        return ESC_NEG;
    case VT_EXPERIENCER:
    case VT_TIME:
    case VT_CONCESSION:
        return ESC_DROP;
    case VT_APPLICANT:
        return job ? ESC_DROP : -1;
    case VT_ALT_OPEN:
        return ESC_OPEN;
    case VT_WIDENING:
        return ESC_WIDEN;
    default:
        return -1;
    }
}

/* Does word k end a scope of class cls? */
static bool ends(const unsigned char *endw, size_t k, int cls)
{
    return (endw[k] & 1) || (cls == ESC_DROP && (endw[k] & 2));
}

/* Is the word before word i, or the one before that ("which is not"),
 * a relative pronoun that opens a clause about a thing? */
static bool relative_before(const char *low, const elig_scope *s, size_t i)
{
    for (size_t back = 1; back <= 2 && back <= i; back++) {
        size_t k = i - back;
        if (word_is(low, s, k, "which", 5) || word_is(low, s, k, "that", 4))
            return true;
    }
    return false;
}

void elig_scope_build(const vocab *v, const char *low, bool job, elig_scope *s)
{
    tokenise(low, s);
    s->n_m = 0;
    s->job = false;
    memset(s->cover, 0xff, sizeof s->cover); /* -1 */
    memset(s->nneg, 0, sizeof s->nneg);
    size_t nt = 0;
    const vocab_trigger *t = vocab_triggers(v, &nt);
    if (!nt)
        return;
    unsigned char endw[ESC_MAX_TOK];
    memset(endw, 0, s->n);
    for (size_t i = 0; i < s->n;) {
        size_t nw = 0;
        const vocab_trigger *m = longest_at(t, nt, low, s, i, &nw);
        if (!m) {
            i++;
            continue;
        }
        if (m->kind == VT_TERMINATOR)
            endw[i] |= 1;
        else if (m->kind == VT_SUBJECT)
            endw[i] |= 2;
        else if (m->kind == VT_JOB)
            s->job = true;
        if (s->n_m < ESC_MAX_MATCH && m->kind != VT_PSEUDO && m->kind != VT_TERMINATOR &&
            m->kind != VT_SUBJECT) {
            s->m[s->n_m].t = m;
            s->m[s->n_m].from = (uint16_t)i;
            s->m[s->n_m].to = (uint16_t)(i + nw);
            s->n_m++;
        }
        i += nw;
    }
    job = job || s->job;
    for (size_t q = 0; q < s->n_m; q++) {
        const esc_match *m = &s->m[q];
        int cls = class_of(m->t->kind, job);
        if (cls < 0)
            continue;
        int16_t *cv = s->cover[cls];
        /* A time phrase covers its own words ("for over 20 years"). */
        if (m->t->kind == VT_TIME)
            for (size_t k = m->from; k < m->to; k++)
                if (cv[k] < 0)
                    cv[k] = (int16_t)q;
        /* A negation inside a relative clause ("to live in the UK which
         * is not for educational purposes, and lived in England") says
         * what the thing named before it is not: its scope ends with the
         * clause, at the next comma. */
        bool rel = cls == ESC_NEG && relative_before(low, s, m->from);
        if (m->t->forward)
            for (size_t k = m->to; k < s->n && k < (size_t)m->to + (size_t)m->t->window; k++) {
                if (ends(endw, k, cls) || (rel && s->len[k] == 1 && low[s->off[k]] == ','))
                    break;
                if (cv[k] < 0)
                    cv[k] = (int16_t)q;
                if (cls == ESC_NEG && s->nneg[k] < 255)
                    s->nneg[k]++;
            }
        if (m->t->backward)
            for (size_t k = m->from; k > 0 && (size_t)m->from - k < (size_t)m->t->window; k--) {
                if (ends(endw, k - 1, cls))
                    break;
                if (cv[k - 1] < 0)
                    cv[k - 1] = (int16_t)q;
                if (cls == ESC_NEG && s->nneg[k - 1] < 255)
                    s->nneg[k - 1]++;
            }
    }
}

size_t elig_scope_word(const elig_scope *s, size_t off)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((size_t)s->off[mid] + s->len[mid] <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const vocab_trigger *elig_scope_at(const elig_scope *s, size_t off, int cls)
{
    if (cls < 0 || cls >= ESC__COUNT)
        return NULL;
    size_t k = elig_scope_word(s, off);
    if (k >= s->n || s->cover[cls][k] < 0)
        return NULL;
    /* "We cannot help if you live outside Hackney": two negations over a
     * word cancel (so do four). */
    if (cls == ESC_NEG && s->nneg[k] % 2 == 0)
        return NULL;
    return s->m[s->cover[cls][k]].t;
}
