/*
 * understand.c - reading a search typed as a sentence (understand.h):
 * postcodes, ages, places, cost and priority groups become filters and
 * leave the words; category phrases stay and boost; filler goes.
 *
 * Everything works on one copy of the query with a mask of the bytes to
 * drop, so several readings never overlap and the words left keep their
 * order.  Matching is ASCII case-insensitive on whole words; the
 * vocabulary's keyword matcher (vocab_match_text) finds the places,
 * groups, cost and categories.
 */
#include "understand.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UND_MAX_FILLERS 1000
#define UND_MAX_FILLER_FILE (64u * 1024u)
#define UND_MAX_HITS 16

/* ---- the filler list (data/vocab/fillers.txt), loaded once ---- */

static char *filler_body;
static const char **fillers; /* longest first */
static size_t n_fillers;
static int filler_rc = SP_OK;
static pthread_once_t filler_once = PTHREAD_ONCE_INIT;

static int by_length_desc(const void *a, const void *b)
{
    size_t x = strlen(*(const char *const *)a), y = strlen(*(const char *const *)b);
    return (x < y) - (x > y);
}

static void load_fillers(void)
{
    char *path = sp_printf("%s/vocab/fillers.txt", sp_data_dir());
    size_t len = 0;
    if (!path) {
        filler_rc = SP_ENOMEM;
        return;
    }
    /* No file: no filler, the search reads the words as they are. */
    if (sp_read_file(path, UND_MAX_FILLER_FILE, &filler_body, &len, NULL) != SP_OK) {
        free(path);
        return;
    }
    free(path);
    fillers = calloc(UND_MAX_FILLERS, sizeof *fillers);
    if (!fillers) {
        filler_rc = SP_ENOMEM;
        return;
    }
    char *save = NULL;
    for (char *line = strtok_r(filler_body, "\n", &save); line && n_fillers < UND_MAX_FILLERS;
         line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "\r")] = '\0';
        if (line[0] && line[0] != '#')
            fillers[n_fillers++] = line;
    }
    qsort(fillers, n_fillers, sizeof *fillers, by_length_desc);
}

/* ---- helpers over the working copy ---- */

typedef struct work {
    const vocab *v;
    char s[UND_MAX_TEXT + 1];
    bool drop[UND_MAX_TEXT + 1];
    size_t len;
    und_result *out;
    const bool *skip;
} work;

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '\'' || (c & 0x80);
}

static bool dropped_any(const work *w, size_t off, size_t len)
{
    for (size_t i = off; i < off + len && i < w->len; i++)
        if (w->drop[i])
            return true;
    return false;
}

static void drop(work *w, size_t off, size_t len)
{
    for (size_t i = off; i < off + len && i < w->len; i++)
        w->drop[i] = true;
}

static bool skipped(const work *w, int f)
{
    return w->skip && f >= 0 && f <= IDX_F__COUNT && w->skip[f];
}

static und_applied *apply(work *w, const char *field, int f, const char *value, size_t off,
                          size_t len)
{
    und_result *o = w->out;
    for (size_t i = 0; i < o->n_applied; i++)
        if (!strcmp(o->applied[i].field, field) && !strcmp(o->applied[i].value, value)) {
            drop(w, off, len);
            return &o->applied[i];
        }
    if (o->n_applied >= UND_MAX_APPLIED)
        return NULL;
    und_applied *a = &o->applied[o->n_applied++];
    a->field = field;
    a->idx_field = f;
    a->value = value;
    size_t n = len < sizeof a->from - 1 ? len : sizeof a->from - 1;
    while (n > 0 && n < len && ((unsigned char)w->s[off + n] & 0xC0) == 0x80)
        n--; /* never cut a UTF-8 sequence */
    memcpy(a->from, w->s + off, n);
    a->from[n] = '\0';
    drop(w, off, len);
    return a;
}

/* The words of the copy: start offsets and lengths (at most max). */
static size_t tokens(const work *w, size_t *off, size_t *len, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < w->len && n < max;) {
        while (i < w->len && !word_char(w->s[i]))
            i++;
        if (i >= w->len)
            break;
        size_t st = i;
        while (i < w->len && (word_char(w->s[i]) || w->s[i] == '+'))
            i++;
        off[n] = st;
        len[n] = i - st;
        n++;
    }
    return n;
}

static bool tok_is(const work *w, size_t off, size_t len, const char *word)
{
    return strlen(word) == len && !strncasecmp(w->s + off, word, len);
}

/* ---- postcodes ---- */

static bool looks_outward(const char *s, size_t n)
{
    /* A1, A12, AB1, AB12, A1B, AB1C: letters then a digit. */
    size_t i = 0;
    while (i < n && isalpha((unsigned char)s[i]))
        i++;
    if (i < 1 || i > 2 || i >= n || !isdigit((unsigned char)s[i]))
        return false;
    for (; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return false;
    return n <= 4;
}

static bool looks_inward(const char *s, size_t n)
{
    return n == 3 && isdigit((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
           isalpha((unsigned char)s[2]);
}

static void read_postcode(work *w, const size_t *off, const size_t *len, size_t n)
{
    if (skipped(w, IDX_F__COUNT))
        return;
    for (size_t i = 0; i < n; i++) {
        if (!looks_outward(w->s + off[i], len[i]))
            continue;
        char pc[16];
        size_t span = len[i];
        if (i + 1 < n && looks_inward(w->s + off[i + 1], len[i + 1])) {
            snprintf(pc, sizeof pc, "%.*s %.*s", (int)len[i], w->s + off[i], (int)len[i + 1],
                     w->s + off[i + 1]);
            span = off[i + 1] + len[i + 1] - off[i];
        } else {
            snprintf(pc, sizeof pc, "%.*s", (int)len[i], w->s + off[i]);
        }
        double lat = 0, lon = 0;
        const vocab_borough *b = NULL;
        if (vocab_postcode(w->v, pc, &lat, &lon, &b) != SP_OK)
            continue;
        und_result *o = w->out;
        for (char *c = pc; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        snprintf(o->near, sizeof o->near, "%s", pc);
        o->has_near = true;
        o->lat = lat;
        o->lon = lon;
        apply(w, "near", -1, o->near, off[i], span);
        return;
    }
}

/* ---- ages: "I'm 55", "I am 60", "aged 19", "age 19", "at 50",
 * "18 year olds", "19 years old", "19yo" ---- */

static void read_age(work *w, const size_t *off, const size_t *len, size_t n)
{
    if (skipped(w, IDX_F_AGE))
        return;
    for (size_t i = 0; i < n; i++) {
        const char *t = w->s + off[i];
        size_t tl = len[i];
        size_t digits = 0;
        while (digits < tl && isdigit((unsigned char)t[digits]))
            digits++;
        bool yo = digits < tl && tl - digits == 2 && !strncasecmp(t + digits, "yo", 2);
        if (digits < 1 || digits > 2 || (digits != tl && !yo))
            continue;
        int age = atoi(t);
        if (age < 14 || age > 99)
            continue;
        size_t first = i, last = i;
        if (i >= 1 && (tok_is(w, off[i - 1], len[i - 1], "i'm") ||
                       tok_is(w, off[i - 1], len[i - 1], "im") ||
                       tok_is(w, off[i - 1], len[i - 1], "aged") ||
                       tok_is(w, off[i - 1], len[i - 1], "age") ||
                       tok_is(w, off[i - 1], len[i - 1], "at")))
            first = i - 1;
        else if (i >= 2 && tok_is(w, off[i - 1], len[i - 1], "am") &&
                 tok_is(w, off[i - 2], len[i - 2], "i"))
            first = i - 2;
        if (i + 1 < n && (tok_is(w, off[i + 1], len[i + 1], "year") ||
                          tok_is(w, off[i + 1], len[i + 1], "years") ||
                          tok_is(w, off[i + 1], len[i + 1], "yr") ||
                          tok_is(w, off[i + 1], len[i + 1], "yrs"))) {
            last = i + 1;
            if (i + 2 < n && (tok_is(w, off[i + 2], len[i + 2], "old") ||
                              tok_is(w, off[i + 2], len[i + 2], "olds")))
                last = i + 2;
        }
        if (first == i && last == i && !yo)
            continue; /* a bare number is not an age */
        und_result *o = w->out;
        snprintf(o->age, sizeof o->age, "%d", age);
        apply(w, "age", IDX_F_AGE, o->age, off[first], off[last] + len[last] - off[first]);
        return;
    }
}

/* ---- vocabulary: places, cost, groups (filters); categories (boost) ---- */

static void read_field(work *w, const char *field, int f, bool filter)
{
    if (filter && skipped(w, f))
        return;
    vocab_hit hits[UND_MAX_HITS];
    size_t n = vocab_match_text(w->v, field, w->s, hits, UND_MAX_HITS);
    if (!filter && n < UND_MAX_HITS) {
        /* People type "cv" for the keyword CV: categories (a boost only)
         * also match the words in capitals.  Offsets are the same. */
        char up[UND_MAX_TEXT + 1];
        for (size_t i = 0; i <= w->len; i++)
            up[i] = (char)toupper((unsigned char)w->s[i]);
        vocab_hit more[UND_MAX_HITS];
        size_t m = vocab_match_text(w->v, field, up, more, UND_MAX_HITS - n);
        for (size_t i = 0; i < m && n < UND_MAX_HITS; i++) {
            bool seen = false;
            for (size_t j = 0; j < n; j++)
                seen = seen || !strcmp(hits[j].slug, more[i].slug);
            if (!seen)
                hits[n++] = more[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        const vocab_hit *h = &hits[i];
        if (!filter) { /* "drug and alcohol" is a group and a category */
            und_result *o = w->out;
            if (o->n_boost < UND_MAX_BOOST)
                o->boost[o->n_boost++] = h->slug;
            continue;
        }
        if (dropped_any(w, h->off, h->len))
            continue; /* already read as something else */
        /* A group keyword written as a name ("Kickstart", a programme)
         * names a service, not the person: not a filter. */
        if (f == IDX_F_GROUP && h->keyword && isupper((unsigned char)h->keyword[0]) &&
            h->keyword[1] && islower((unsigned char)h->keyword[1]))
            continue;
        /* Only "free" reads as a cost: "fees" in "help with course fees"
         * asks about fees, not for services that charge them. */
        if (f == IDX_F_COST && strcmp(h->slug, "free"))
            continue;
        apply(w, field, f, h->slug, h->off, h->len);
    }
}

/* "C.V." and "e.s.o.l" are the words cv and esol: the dots of single
 * letters go before anything else reads the copy. */
static void join_initials(work *w)
{
    char out[UND_MAX_TEXT + 1];
    size_t o = 0, i = 0;
    while (i < w->len) {
        /* A run of letter-dot pairs, at least two, at a word start. */
        size_t j = i, pairs = 0;
        if (i == 0 || !isalnum((unsigned char)w->s[i - 1]))
            while (j + 1 < w->len && isalpha((unsigned char)w->s[j]) && w->s[j + 1] == '.') {
                j += 2;
                pairs++;
            }
        if (pairs >= 2 || (pairs == 1 && j < w->len && isalpha((unsigned char)w->s[j]) &&
                           (j + 1 >= w->len || !isalnum((unsigned char)w->s[j + 1])))) {
            for (size_t k = i; k < j; k += 2)
                out[o++] = w->s[k];
            if (j < w->len && isalpha((unsigned char)w->s[j]) &&
                (j + 1 >= w->len || !isalnum((unsigned char)w->s[j + 1])))
                out[o++] = w->s[j++];
            i = j;
            continue;
        }
        out[o++] = w->s[i++];
    }
    memcpy(w->s, out, o);
    w->s[o] = '\0';
    w->len = o;
}

static void read_fillers(work *w)
{
    for (size_t k = 0; k < n_fillers; k++) {
        const char *ph = fillers[k];
        size_t pl = strlen(ph);
        for (size_t i = 0; i + pl <= w->len; i++) {
            if ((i > 0 && word_char(w->s[i - 1])) || strncasecmp(w->s + i, ph, pl) ||
                (i + pl < w->len && word_char(w->s[i + pl])))
                continue;
            drop(w, i, pl);
        }
    }
}

int und_read(const vocab *v, const char *q, const bool skip[IDX_F__COUNT + 1],
             und_result *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    work *w = calloc(1, sizeof *w);
    if (!w)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    w->v = v;
    w->out = out;
    w->skip = skip;
    size_t n = q ? strlen(q) : 0;
    if (n > UND_MAX_TEXT) {
        n = UND_MAX_TEXT;
        while (n > 0 && ((unsigned char)q[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(w->s, q ? q : "", n);
    w->s[n] = '\0';
    w->len = n;
    snprintf(out->text, sizeof out->text, "%s", w->s);
    pthread_once(&filler_once, load_fillers);
    if (filler_rc != SP_OK) {
        free(w);
        return sp_fail(err, filler_rc, "out of memory");
    }
    if (!v || !n) {
        free(w);
        return SP_OK;
    }

    join_initials(w);
    size_t off[64], len[64];
    size_t nt = tokens(w, off, len, 64);
    read_postcode(w, off, len, nt);
    read_age(w, off, len, nt);
    read_field(w, "borough", IDX_F_BOROUGH, true);
    read_field(w, "subregion", IDX_F_SUBREGION, true);
    read_field(w, "cost", IDX_F_COST, true);
    read_field(w, "group", IDX_F_GROUP, true);
    read_field(w, "category", IDX_F_CATEGORY, false);
    read_fillers(w);

    /* The words left, single-spaced; punctuation alone goes too. */
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < w->len; i++) {
        char c = w->drop[i] ? ' ' : w->s[i];
        if (isspace((unsigned char)c) || (!word_char(c) && c != '-' && c != '+')) {
            space = o > 0;
            continue;
        }
        if (space)
            out->text[o++] = ' ';
        space = false;
        out->text[o++] = c;
    }
    out->text[o] = '\0';
    free(w);
    return SP_OK;
}
