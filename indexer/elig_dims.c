/*
 * elig_dims.c - each rule dimension read out of one sentence (age,
 * residency, benefits, employment status, months out of work, right to
 * work, groups, mandatory), for elig.c's sentence reader; the scopes of
 * elig_scope.c say which words are negated or about someone else
 * (docs/eligibility.md).
 */
#define _GNU_SOURCE /* strcasestr */
#include "elig_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ helpers */

static int num_word(const char *s, size_t len)
{
    static const char *const w[] = {"one", "two",   "three",  "four",   "five",
                                    "six", "seven", "eight",  "nine",   "ten",
                                    "eleven", "twelve"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strlen(w[i]) == len && !strncmp(s, w[i], len))
            return (int)i + 1;
    if ((len == 1 && s[0] == 'a') || (len == 2 && !strncmp(s, "an", 2)))
        return 1;
    if (len == 8 && !strncmp(s, "eighteen", 8))
        return 18;
    if (len == 11 && !strncmp(s, "twenty-four", 11))
        return 24;
    if (len == 0 || len > 3)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int grp_num(const char *s, const elig_span *m, int g)
{
    if (m[g].so < 0)
        return -1;
    return num_word(s + m[g].so, (size_t)(m[g].eo - m[g].so));
}

static bool grp_is(const char *s, const elig_span *m, int g, const char *word)
{
    if (m[g].so < 0)
        return false;
    size_t l = (size_t)(m[g].eo - m[g].so);
    return strlen(word) <= l && !strncmp(s + m[g].so, word, strlen(word));
}

/* The word of low that ends at e (letters and '-'), as p and n; false at
 * the start of the sentence or of a clause (".", ";", ":"). */
static bool word_ending(const char *low, const char *e, const char **p, size_t *n)
{
    while (e > low && !isalpha((unsigned char)e[-1]) && !strchr(".;:", e[-1]))
        e--;
    if (e == low || strchr(".;:", e[-1]))
        return false;
    const char *b = e;
    while (b > low && (isalpha((unsigned char)b[-1]) || b[-1] == '-'))
        b--;
    *p = b;
    *n = (size_t)(e - b);
    return true;
}

/* Does low hold a sum in pounds and pence ("£1.50"), a price (not
 * "£2.9 billion")? */
static bool pence_sum(const char *low)
{
    for (const char *m = strstr(low, "\xc2\xa3"); m; m = strstr(m + 2, "\xc2\xa3")) {
        const char *d = m + 2;
        while (isdigit((unsigned char)*d))
            d++;
        if (d > m + 2 && *d == '.' && isdigit((unsigned char)d[1]) &&
            isdigit((unsigned char)d[2]) && !isdigit((unsigned char)d[3]))
            return true;
    }
    return false;
}

/* Is the text before offset off (within 50 bytes) negated?  A negation
 * inside a closed bracket is an aside ("(except for any major religious
 * festival) for 60+"): only the words after the last ")" count. */
static bool negated_before(const char *low, size_t off)
{
    size_t from = off > 50 ? off - 50 : 0;
    char buf[64];
    size_t n = off - from;
    memcpy(buf, low + from, n);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')');
    return has(P_NEGATE, close ? close + 1 : buf);
}

/* Does s, after its spaces, start with one of the n words w? */
static bool opens_with(const char *s, const char *const *w, size_t n)
{
    while (*s == ' ')
        s++;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(s, w[i], strlen(w[i])))
            return true;
    return false;
}

/* Words after a number that say it is not an age. */
static bool not_age_after(const char *s)
{
    static const char *const w[] = {"hour", "hrs", "%", "employer", "compan", "business",
                                    "organisation", "course", "partner", "staff",
                                    "volunteer", "job", "vacanc", "role", "language",
                                    "countr", "minute", "day", "week", "month", "year",
                                    "session", "place", "service", "pound", "mile", "km"};
    return opens_with(s, w, sizeof w / sizeof w[0]);
}

/* After "are over 18", is the number an age: the clause ends, or goes on
 * with a word that is not what is counted ("and out of work", "to
 * qualify", "years of age")?  "There are over 20 organisations", "is over
 * 50 metres long" are counts and sizes. */
static bool age_clause_after(const char *s)
{
    while (*s == ' ')
        s++;
    if (!*s || strchr(".,;:!?()&-", *s))
        return true;
    static const char *const w[] = {"and", "to", "or", "years", "yrs", "when", "at", "on",
                                    "by", "with", "in", "living", "who", "if", "but", "+"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        size_t l = strlen(w[i]);
        if (!strncmp(s, w[i], l) && !isalpha((unsigned char)s[l]))
            return true;
    }
    return false;
}

/* Does s (after a number) say it is an age: "years of age", "years
 * old"?  Then "at least 16 years of age" is one, though "at least 3
 * years" is not. */
static bool age_unit_after(const char *s)
{
    static const char *const w[] = {"years of age", "years old", "year olds", "yrs old",
                                    "years or older", "years or over", "years and over"};
    return opens_with(s, w, sizeof w / sizeof w[0]);
}

/* "You must be 16 by the time the apprenticeship starts", "be aged 19 by
 * 31 August": the age reached by a date is a minimum.  The number, or -1. */
/* The age of exactly two digits at q, 14 to 70 (younger is a child's, not
 * a client's, older a count); -1 otherwise. */
static int two_digit_age(const char *q)
{
    if (!isdigit((unsigned char)q[0]) || !isdigit((unsigned char)q[1]) ||
        isdigit((unsigned char)q[2]))
        return -1;
    int n = (q[0] - '0') * 10 + (q[1] - '0');
    return n >= 14 && n <= 70 ? n : -1;
}

static int age_by_date(const char *low, size_t *at)
{
    /* The sentence may open with "Be" (a list item: "Be 19 years old at
     * the start of the academic year"). */
    for (const char *p = !strncmp(low, "be ", 3) ? low - 1 : strstr(low, " be "); p;
         p = strstr(p + 1, " be ")) {
        const char *q = p + 4;
        if (!strncmp(q, "aged ", 5))
            q += 5;
        int n = two_digit_age(q);
        if (n < 0)
            continue;
        const char *r = q + 2;
        if (!strncmp(r, " years old", 10))
            r += 10;
        if (strncmp(r, " by ", 4) && strncmp(r, " or over by ", 12) &&
            strncmp(r, " or older by ", 13) && strncmp(r, " at the start of ", 17))
            continue;
        *at = (size_t)(q - low);
        return n;
    }
    return -1;
}

/* "support until you're 21", "until you are 25": the age the service
 * ends at is a maximum.  The number, or -1. */
static int age_until(const char *low, size_t *at)
{
    /* low has its curly apostrophes straightened; "until" also finds
     * "up until". */
    static const char *const w[] = {"until you're ", "until you are ", "till you're ",
                                    "until you turn "};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        const char *p = strstr(low, w[i]);
        if (!p)
            continue;
        const char *q = p + strlen(w[i]);
        int n = two_digit_age(q);
        if (n >= 0 && strstr(w[i], "turn"))
            n = n > 14 ? n - 1 : -1; /* the year before: still 14 at least */
        if (n < 0)
            continue;
        *at = (size_t)(q - low);
        return n;
    }
    return -1;
}

/* The number ending at e in low: one or two digits (not a decimal, a
 * thousands group or a sum in pounds) or a word "one" to "twelve"
 * (num_word; not "a"/"an"); where it starts in *start.  -1 none. */
static int small_number_before(const char *low, const char *e, const char **start)
{
    const char *b = e;
    *start = e;
    if (b > low && isdigit((unsigned char)b[-1])) {
        while (b > low && isdigit((unsigned char)b[-1]))
            b--;
        *start = b;
        if (e - b > 2 || (b > low && (b[-1] == '.' || b[-1] == ',' ||
                                      (unsigned char)b[-1] == 0xA3)))
            return -1;
        return num_word(b, (size_t)(e - b));
    }
    while (b > low && isalpha((unsigned char)b[-1]))
        b--;
    *start = b;
    return e - b >= 3 ? num_word(b, (size_t)(e - b)) : -1;
}

/* The age of one year that a cohort of children is named by: "2 year
 * olds", "two-year-olds", "3 year old's", "your 2-year-old", "a two year
 * old child" (childcare, nursery and early-years funding are for the
 * child of that age).  The number (0 to 17 for plural cohorts, 0 to 5 for
 * one child: an older "16 year old" is more often a person described than
 * a cohort served), its offset in *at and the end of the words in *end;
 * -1 none; the least year of "three and four-year-olds" in *lo_out, and
 * in *kind 0, or 1 for a minimum ("16 year olds and over"), 2 for a
 * maximum ("5 year olds and under").  Not one child with a bound ("a 2
 * year old and over"), nor "a 10-year-old charity". */
static int age_cohort(const char *low, size_t *at, size_t *end, int *lo_out, int *kind)
{
    for (const char *p = strstr(low, "year"); p; p = strstr(p + 4, "year")) {
        /* "year old" or "year-old" */
        const char *q = p + 4;
        if (*q == ' ' || *q == '-')
            q++;
        if (strncmp(q, "old", 3))
            continue;
        q += 3;
        bool plural = *q == 's' || !strncmp(q, "'s", 2) || !strncmp(q, "\xe2\x80\x99s", 4);
        if (*q == 's')
            q++;
        else if (*q == '\'')
            q += 2;
        else if (!strncmp(q, "\xe2\x80\x99s", 4))
            q += 4;
        if (isalpha((unsigned char)*q))
            continue;
        /* The number before "year": "2 ", "2-", "two ", "two-". */
        if (p == low || (p[-1] != ' ' && p[-1] != '-'))
            continue;
        const char *b;
        int n = small_number_before(low, p - 1, &b);
        if (n < 0 || n > (plural ? 17 : 5))
            continue;
        /* "(exceptions may be made for 16- and 17-year-olds)": not whom
         * the service is for. */
        {
            size_t back = (size_t)(b - low) < 40 ? (size_t)(b - low) : 40;
            char win[48];
            memcpy(win, b - back, back);
            win[back] = '\0';
            if (strstr(win, "except"))
                continue;
        }
        /* One child is named by "a two year old", "your 2-year-old child";
         * "2-year-old funding", "a free 2 year old place", "Two Year Old
         * Free Entitlement" name a scheme. */
        if (!plural && isalpha((unsigned char)q[1]) && *q == ' ') {
            static const char *const next[] = {"child", "children", "who", "is", "and",
                                               "are", "can", "will", "in", "from", "with",
                                               "if", "to", NULL};
            char w[16];
            size_t wl = 0;
            while (wl + 1 < sizeof w && isalpha((unsigned char)q[1 + wl])) {
                w[wl] = q[1 + wl];
                wl++;
            }
            w[wl] = '\0';
            bool ok = false;
            for (const char *const *x = next; *x; x++)
                ok = ok || !strcmp(w, *x);
            if (!ok)
                continue;
        }
        /* "3 and 4 year olds" is a range the patterns read; "three and
         * four-year-olds", "16- and 17-year-olds" are read here. */
        int lo = n;
        const char *lb = b;
        {
            const char *r = b;
            while (r > low && r[-1] == ' ')
                r--;
            static const char *const join[] = {" and", " or", ","};
            for (size_t i = 0; i < sizeof join / sizeof join[0]; i++) {
                size_t jl = strlen(join[i]);
                if ((size_t)(r - low) < jl || strncmp(r - jl, join[i], jl))
                    continue;
                const char *t = r - jl;
                if (t > low && t[-1] == '-')
                    t--;
                const char *u;
                int m = small_number_before(low, t, &u);
                if (m >= 0 && m < n) {
                    lo = m;
                    lb = u;
                }
                break;
            }
        }
        /* "2 year olds and over", "16 year olds or older", "5 year olds+". */
        static const char *const more[] = {" and over", " or over", " and older", " or older",
                                           " and above", " or above", " and under",
                                           " or under", " and upwards", " and up", "+"};
        int bound = 0;
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            if (!strncmp(q, more[i], strlen(more[i]))) {
                bound = strstr(more[i], "under") ? 2 : 1;
                q += strlen(more[i]);
            }
        /* "a 10-year-old programme", "our 5 year old charity" */
        if (!plural && (bound || !strncmp(q, " charity", 8)))
            continue;
        *kind = bound;
        *at = (size_t)(lb - low);
        *end = (size_t)(q - low);
        *lo_out = lo;
        return n;
    }
    return -1;
}

/* ------------------------------------------------------------ age */

/* low with the number words of ages ("fifty", "twenty-five", "eighteen")
 * as digits, so the age patterns see "50", "25", "18".  Smaller numbers
 * are left alone: "one-to-one", "no one". */
void el_age_digits(const char *low, char *out, size_t outsz, uint16_t *a2l)
{
    static const char *const teens[] = {"thirteen", "fourteen", "fifteen", "sixteen",
                                        "seventeen", "eighteen", "nineteen"};
    static const char *const tens[] = {"twenty", "thirty", "forty", "fifty", "sixty",
                                       "seventy", "eighty", "ninety"};
    static const char *const units[] = {"one", "two", "three", "four", "five",
                                        "six", "seven", "eight", "nine"};
    size_t o = 0;
    const char *p = low;
    while (*p && o + 4 < outsz) {
        bool start = p == low || !isalpha((unsigned char)p[-1]);
        int val = -1;
        size_t used = 0;
        for (size_t i = 0; start && val < 0 && i < sizeof teens / sizeof teens[0]; i++)
            if (!strncmp(p, teens[i], strlen(teens[i]))) {
                val = 13 + (int)i;
                used = strlen(teens[i]);
            }
        for (size_t i = 0; start && val < 0 && i < sizeof tens / sizeof tens[0]; i++)
            if (!strncmp(p, tens[i], strlen(tens[i]))) {
                val = 20 + 10 * (int)i;
                used = strlen(tens[i]);
                if (p[used] == '-' || p[used] == ' ')
                    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
                        size_t ul = strlen(units[u]);
                        if (!strncmp(p + used + 1, units[u], ul) &&
                            !isalpha((unsigned char)p[used + 1 + ul])) {
                            val += (int)u + 1;
                            used += 1 + ul;
                            break;
                        }
                    }
            }
        if (val >= 0 && !isalpha((unsigned char)p[used])) {
            size_t o0 = o;
            o += (size_t)snprintf(out + o, outsz - o, "%d", val);
            for (size_t k = o0; k <= o && k < outsz; k++)
                a2l[k] = (uint16_t)(p - low);
            p += used;
            continue;
        }
        a2l[o] = (uint16_t)(p - low);
        out[o++] = *p++;
    }
    a2l[o] = (uint16_t)(p - low);
    out[o] = '\0';
}


/* "all adults and children that live in the property", "children and
 * adults alike": adults named with children are everyone, no minimum age. */
static bool adults_and_children(const char *low)
{
    static const char *const both[] = {"adults and children", "children and adults",
                                       "adults or children", "children or adults",
                                       "adults and young people", "young people and adults"};
    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++)
        if (strstr(low, both[i]))
            return true;
    return false;
}

void el_age_sentence(const char *low, agebounds *b)
{
    elig_span m[12];
    b->lo = b->hi = -1;
    b->any = false;
    b->cohort = false;
    b->at = -1;
    b->end = -1;
    int rlo = -1, rhi = -1;
    bool age_word = false; /* the range follows an age word (P_RANGE1) */
    if (match(P_RANGE1, low, m)) {
        rlo = grp_num(low, m, 5);
        rhi = grp_num(low, m, 7);
        age_word = true;
    } else if (match(P_RANGE3, low, m)) {
        rlo = grp_num(low, m, 3);
        rhi = grp_num(low, m, 5);
    }
    /* A range after an age word ("between the ages of 5 and 18") may be
     * of children; without one, 11 at least ("Level 2 to 3" is none). */
    if (rlo >= (age_word ? 0 : 11) && rhi > rlo && rhi <= 99) {
        b->lo = rlo;
        b->hi = rhi;
        b->at = (int)m[0].so;
        b->end = (int)m[0].eo;
        return;
    }
    if (match(P_RANGE2, low, m)) {
        int lo = grp_num(low, m, 2), hi = grp_num(low, m, 4);
        /* A range with years after it is an age however young ("0-4 year
         * olds", "for 5-11s"); a child's range ends by 25. */
        if ((lo >= 11 || (lo >= 0 && hi <= 25)) && hi > lo && hi <= 99) {
            b->lo = lo;
            b->hi = hi;
            b->at = (int)m[0].so;
            b->end = (int)m[0].eo;
            return;
        }
    }
    if (match(P_RANGE4, low, m)) {
        int lo = grp_num(low, m, 2), mid = grp_num(low, m, 3), hi = grp_num(low, m, 5);
        if (lo >= 11 && mid > lo && hi > mid && hi <= 99) {
            b->lo = lo;
            b->hi = hi;
            b->at = (int)m[0].so;
            b->end = (int)m[0].eo;
            return;
        }
    }
    /* Minimums. */
    int lo = -1, hi = -1;
    bool neg_lo = false, neg_hi = false;
    if (match(P_MIN1, low, m)) {
        lo = grp_num(low, m, 2);
        neg_lo = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN3A, low, m)) {
        lo = grp_num(low, m, 3);
        /* "at least 2 trained advisers": a bare "at least" under 14 is a
         * count, not an age. */
        if (grp_is(low, m, 1, "at least") &&
            (lo < 14 || (not_age_after(low + m[0].eo) && !age_unit_after(low + m[0].eo))))
            lo = -1;
        if (lo >= 0 && grp_is(low, m, 1, "older than"))
            lo += 1;
        /* "a minimum of 65 years old" is an age; "a minimum of 16 hours a
         * week", "a minimum of 3 sessions" are not: only with an age's
         * unit after the number. */
        if (lo >= 0 && (grp_is(low, m, 1, "a minimum of") || grp_is(low, m, 1, "minimum of")) &&
            !age_unit_after(low + m[0].eo))
            lo = -1;
        /* "need to be over 18", "are over 18 and out of work"; not "there
         * are over 20 organisations" nor "is over 30 people". */
        if (lo >= 0 && (grp_is(low, m, 1, "be over") || grp_is(low, m, 1, "are over") ||
                        grp_is(low, m, 1, "is over") || grp_is(low, m, 1, "you're over")) &&
            (lo < 14 || lo > 70 || !age_clause_after(low + m[0].eo)))
            lo = -1;
        neg_lo = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN3B, low, m)) {
        lo = grp_num(low, m, 2);
        /* "over 20 years of experience"; not "over 18 years of age" */
        if ((!strncmp(low + m[0].eo, " of", 3) && strncmp(low + m[0].eo, " of age", 7)) ||
            !strncmp(low + m[0].eo, "'", 1))
            lo = -1;
        neg_lo = lo >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN4, low, m)) {
        lo = grp_num(low, m, 4);
        if (lo >= 0 && not_age_after(low + m[4].eo))
            lo = -1;
        neg_lo = lo >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN2, low, m)) {
        lo = grp_num(low, m, 2);
        if (lo < 14 || lo > 70 ||
            (not_age_after(low + m[0].eo) && !age_unit_after(low + m[0].eo)))
            lo = -1;
        /* "£50+", "Level 2 or above" */
        if (lo >= 0 && m[2].so >= 2 && !strncmp(low + m[2].so - 2, "\xc2\xa3", 2))
            lo = -1;
        neg_lo = lo >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MIN5, low, m)) {
        lo = grp_num(low, m, 4);
    }
    int at_lo = lo >= 0 ? (int)m[0].so : -1, end_lo = lo >= 0 ? (int)m[0].eo : -1;
    size_t by_at = 0;
    if (lo < 0 && (lo = age_by_date(low, &by_at)) >= 0) {
        at_lo = (int)by_at;
        end_lo = (int)by_at + 2;
    }
    /* Maximums. */
    if (match(P_BDAY, low, m)) {
        hi = grp_num(low, m, 3);
        if (hi >= 0)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX1, low, m)) {
        hi = grp_num(low, m, 3);
        /* "under 25" is 24 at most; "up to 25" is 25. */
        char g1[40] = "";
        size_t gl = (size_t)(m[1].eo - m[1].so);
        if (gl < sizeof g1) {
            memcpy(g1, low + m[1].so, gl);
            g1[gl] = '\0';
        }
        bool strict = strstr(g1, "under") || strstr(g1, "below") || strstr(g1, "younger");
        if (hi >= 0 && strict)
            hi -= 1;
        /* "a maximum of 25 years old", not "a maximum of 20 people". */
        if (hi >= 0 && strstr(g1, "maximum of") && !age_unit_after(low + m[0].eo))
            hi = -1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX2, low, m)) {
        hi = grp_num(low, m, 2);
        if (hi >= 0)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX4, low, m)) {
        bool upto = m[3].so >= 0 && !strncmp(low + m[3].so, "up to", 5);
        hi = grp_num(low, m, 4);
        if (hi >= 0 && !upto)
            hi -= 1;
        neg_hi = negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX3, low, m)) {
        hi = grp_num(low, m, 2);
        if (hi < 14 || hi > 70)
            hi = -1;
        neg_hi = hi >= 0 && negated_before(low, (size_t)m[0].so);
    } else if (match(P_MAX5, low, m)) {
        hi = grp_num(low, m, 3);
        if (hi >= 0)
            hi -= 1;
    }
    int at_hi = hi >= 0 ? (int)m[0].so : -1, end_hi = hi >= 0 ? (int)m[0].eo : -1;
    size_t until_at = 0;
    if (hi < 0 && (hi = age_until(low, &until_at)) >= 0) {
        at_hi = (int)until_at;
        end_hi = (int)until_at + 2;
    }
    b->at = at_lo >= 0 && (at_hi < 0 || at_lo < at_hi) ? at_lo : at_hi;
    b->end = end_lo > end_hi ? end_lo : end_hi;
    /* A negation turns the bound round: "not suitable for under 18s" is
     * 18 and over; "not open to people over 65" is 65 and under. */
    if (lo >= 0 && neg_lo) {
        b->hi = lo;
        lo = -1;
    }
    if (hi >= 0 && neg_hi) {
        b->lo = hi + 1;
        hi = -1;
    }
    if (lo >= 0)
        b->lo = lo;
    if (hi >= 0)
        b->hi = hi;
    if (b->lo >= 0 || b->hi >= 0) {
        if (b->lo >= 0 && b->hi >= 0 && b->hi < b->lo)
            b->lo = b->hi = -1;
        return;
    }
    if (has(P_AGE_ANY, low)) {
        b->any = true;
        return;
    }
    /* "free childcare for 2 year olds": one year, a cohort of children,
     * read when the sentence has no bound ("over 18 (with exceptions for
     * 16- and 17-year-olds)" is 18 and over). */
    size_t c_at, c_end;
    int c_lo, c_kind = 0, one = age_cohort(low, &c_at, &c_end, &c_lo, &c_kind);
    if (one >= 0) {
        b->lo = c_kind == 2 ? -1 : c_kind == 1 ? one : c_lo;
        b->hi = c_kind == 1 ? -1 : one;
        b->at = (int)c_at;
        b->end = (int)c_end;
        b->cohort = one < 14; /* a child's (16 year olds and over may be the client) */
        return;
    }
    if (has(P_ADULTS, low) && !adults_and_children(low))
        b->lo = 18;
}

/* Is there a second age in the sentence besides b's ("aged 16-18 and
 * qualified below Level 3, or those aged 19-23 and ...", "18-24 (up to 25
 * with an EHCP)")?  Joined by "or", the two are alternatives: b becomes
 * their union (none at all when one side is open).  Either way the
 * sentence has more than one age band, so b is only worth a check
 * (issue 11: a band read alone must not turn away someone the other band
 * admits).  Returns EL_AGE_ONE, EL_AGE_OR (with *or_at, the offset of the
 * "or" in low) or EL_AGE_TWO. */
int el_age_alternative(const char *low, agebounds *b, size_t *or_at)
{
    if (b->any || b->at < 0 || b->end < 0)
        return EL_AGE_ONE;
    agebounds o;
    size_t from, to;
    el_age_sentence(low + b->end, &o);
    if (o.at >= 0 && !o.any) {
        from = (size_t)b->end;
        to = (size_t)b->end + (size_t)o.at;
    } else {
        char pre[EL_MAX_SENTENCE + 1];
        size_t n = (size_t)b->at < sizeof pre ? (size_t)b->at : sizeof pre - 1;
        memcpy(pre, low, n);
        pre[n] = '\0';
        el_age_sentence(pre, &o);
        if (o.at < 0 || o.any || o.end < 0)
            return EL_AGE_ONE;
        from = (size_t)o.end;
        to = (size_t)b->at;
    }
    for (size_t i = from; i + 4 <= to; i++) {
        if (strncmp(low + i, " or ", 4))
            continue;
        b->lo = b->lo >= 0 && o.lo >= 0 ? (b->lo < o.lo ? b->lo : o.lo) : -1;
        b->hi = b->hi >= 0 && o.hi >= 0 ? (b->hi > o.hi ? b->hi : o.hi) : -1;
        *or_at = i + 1;
        return EL_AGE_OR;
    }
    return EL_AGE_TWO;
}

/* Is the age read at `at` inside an "if"/"when" condition ("if age 16 to
 * 17", "when aged 19 or over") of the three words before it, not an "only
 * if" or "eligible if"? */
bool el_age_in_condition(const char *low, size_t at)
{
    size_t from = at, words = 0;
    while (from > 0 && words < 4) {
        from--;
        if (low[from] == ' ' && from + 1 < at)
            words++;
    }
    static const char *const cond[] = {"if ", "when ", "where "};
    for (size_t i = 0; i < sizeof cond / sizeof cond[0]; i++) {
        size_t l = strlen(cond[i]);
        for (size_t k = from; k + l <= at; k++) {
            if (strncmp(low + k, cond[i], l) || (k > 0 && isalpha((unsigned char)low[k - 1])))
                continue;
            bool necessary = (k >= 5 && !strncmp(low + k - 5, "only ", 5)) ||
                             (k >= 9 && !strncmp(low + k - 9, "eligible ", 9));
            return !necessary;
        }
    }
    return false;
}

/* Is the age at `at` in the if-condition a sentence opens with, and does
 * the sentence then send the reader elsewhere ("If you are under 18, head to our young carers page",
 * "if you're over 25, please see ...", "If a young person (aged 25 and
 * below) ... does not fit the above criteria, they should be signposted
 * to ...")? */
bool el_age_redirected(const char *low, size_t at)
{
    if (strncmp(low, "if ", 3))
        return false;
    static const char *const go[] = {", head to ", ", go to ", ", please see ", ", see our ",
                                     ", visit our ", ", please visit ", ", please contact ",
                                     ", contact our ", ", you should contact ",
                                     ", please go to ", " be signposted to ",
                                     " be signposted on to ", ", please refer to ",
                                     ", please refer them to ", ", refer them to ",
                                     ", please refer to the "};
    const char *rest = low + at;
    for (size_t i = 0; i < sizeof go / sizeof go[0]; i++)
        if (strstr(rest, go[i]))
            return true;
    return false;
}

/* "Care leavers aged 16 or 17 ..." then "... aged 18 to 21": a second band
 * that neither holds the record's first band nor lies within it (apart
 * from it, or overlapping one end) says the page has more than one band
 * (strands, alternatives, price bands, definitions).  The first band alone
 * would turn away people the page takes, so failing it is one alternative:
 * a check.  A band that holds the other ("18 or over" beside "18 to 24")
 * is consistent with both being required, and changes nothing. */
static void age_band_beside(ctx *c, rec_rule *old, const agebounds *b)
{
    double olo = old->has_lo ? old->lo : -1e9, ohi = old->has_hi ? old->hi : 1e9;
    double nlo = b->lo >= 0 ? b->lo : -1e9, nhi = b->hi >= 0 ? b->hi : 1e9;
    if ((nlo <= olo && nhi >= ohi) || (nlo >= olo && nhi <= ohi))
        return;
    if (old->ev.confidence > 0.5)
        old->ev.confidence = 0.5;
    if (!old->trigger && !(old->trigger = sp_strdup(ELIG_TRIGGER_AGE_BANDS)))
        c->rc = SP_ENOMEM;
}

void el_add_age(ctx *c, const agebounds *b, const char *field, const char *text,
                double conf)
{
    if (b->any) {
        el_add_rule(c, "age", "any", NULL, 0, field, text, conf);
        return;
    }
    if (b->lo < 0 && b->hi < 0)
        return;
    /* "Not suitable for under 18s" then "for people aged 18 to 24": the
     * bounds add up (when they agree), and so does the evidence. */
    rec_rule *old = el_find_rule(c, "age");
    if (old && c->rc == SP_OK && strcmp(old->op, "any")) {
        bool add_hi = !old->has_hi && b->hi >= 0 && (!old->has_lo || b->hi >= old->lo);
        bool add_lo = !old->has_lo && b->lo >= 0 && (!old->has_hi || b->lo <= old->hi);
        if (!add_hi && !add_lo) {
            age_band_beside(c, old, b);
            return;
        }
        size_t l1 = strlen(old->ev.text), l2 = strlen(text ? text : "");
        char *t = malloc(l1 + l2 + 4);
        if (!t) {
            c->rc = SP_ENOMEM;
            return;
        }
        snprintf(t, l1 + l2 + 4, "%s / %s", old->ev.text, text ? text : "");
        char *cut = el_ev_text(t);
        free(t);
        if (!cut) {
            c->rc = SP_ENOMEM;
            return;
        }
        free(old->ev.text);
        old->ev.text = cut;
        if (add_hi) {
            old->hi = b->hi;
            old->has_hi = true;
        }
        if (add_lo) {
            old->lo = b->lo;
            old->has_lo = true;
        }
        free(old->op);
        old->op = sp_strdup("range");
        if (!old->op)
            c->rc = SP_ENOMEM;
        if (conf < old->ev.confidence)
            old->ev.confidence = conf;
        return;
    }
    const char *op = b->lo >= 0 && b->hi >= 0 ? "range" : b->lo >= 0 ? "min" : "max";
    rec_rule *u = el_add_rule(c, "age", op, NULL, 0, field, text, conf);
    if (!u)
        return;
    if (b->lo >= 0) {
        u->lo = b->lo;
        u->has_lo = true;
    }
    if (b->hi >= 0) {
        u->hi = b->hi;
        u->has_hi = true;
    }
}

/* ------------------------------------------------------------ residency */

/* Is low a statistic or a count of people, not a condition ("1.6 million
 * Londoners live with problem debt", "one in five young Londoners is
 * unemployed", "40% of Haringey residents ...", "over 25,000 Londoners")?
 * A count with a goal ("will help 6,000 unemployed Londoners", "aims to
 * assist more than 1,600 people") names whom a programme is for.  Sums of
 * money ("£25,000", "£30 million") are no counts. */
static bool statistic(const char *low)
{
    static const char *const goal[] = {" will ", "expected to", "aim", "to help", "to support",
                                       "to assist", "set to"};
    static const char *const small[] = {"two", "three", "four", "five", "six", "seven", "eight",
                                        "nine", "ten"};
    for (size_t i = 0; i < sizeof goal / sizeof goal[0]; i++)
        if (strstr(low, goal[i]))
            return false;
    if (strstr(low, "per cent of") || strstr(low, "percent of") || strstr(low, "% of"))
        return true; /* a share of people, not "20 per cent support" */
    for (const char *p = strstr(low, "one in "); p; p = strstr(p + 1, "one in "))
        for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
            if (!strncmp(p + 7, small[i], strlen(small[i])))
                return true;
    for (const char *p = low; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > low && (isdigit((unsigned char)p[-1]) ||
                                                       p[-1] == ',' || p[-1] == '.')))
            continue;
        /* A number's start: money when "£" (or "$", "€") comes before. */
        bool money = p > low && (p[-1] == '$' || (unsigned char)p[-1] == 0xa3 ||
                                 (unsigned char)p[-1] == 0xac);
        const char *e = p;
        bool thousands = false;
        while (isdigit((unsigned char)*e) || ((*e == ',' || *e == '.') && isdigit((unsigned char)e[1]))) {
            thousands = thousands || (*e == ',' && isdigit((unsigned char)e[2]) &&
                                      isdigit((unsigned char)e[3]) &&
                                      !isdigit((unsigned char)e[4]));
            e++;
        }
        if (money)
            continue;
        if (thousands || !strncmp(e, " million", 8) ||
            (!strncmp(e, " in ", 4) && isdigit((unsigned char)e[4])))
            return true;
    }
    return false;
}

/* Does the country (England, the UK) named at offset at of low stand for
 * no residency rule Signpost can hold?  Listed with places it has no slug
 * for ("live in England, Scotland or Wales", "resident in the UK, EU or
 * EEA", "the UK, the Channel Islands or the Isle of Man"), the rule admits
 * more than the slug says; the right to live in the UK just before it
 * ("right to live and work in the UK", "permission to reside in the UK")
 * is immigration status, not where one lives. */
static bool country_not_residency(const char *low, size_t at)
{
    static const char *const other[] = {
        "scotland", "wales", "northern ireland", " eu ", " eu,", " eu)", "european union",
        "eea", "european economic area", "channel islands", "isle of man", "gibraltar",
        "switzerland", "overseas territor", "crown dependenc", "other countries",
        "other country"};
    static const char *const right[] = {"right to live", "right to reside", "right of abode",
                                        "permission to live", "permission to reside",
                                        "permission to stay", "leave to remain",
                                        "permitted to live"};
    size_t n = strlen(low), a = at > 40 ? at - 40 : 0, b = at + 80 < n ? at + 80 : n;
    char win[128];
    memcpy(win, low + a, b - a);
    win[b - a] = '\0';
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (strstr(win, other[i]))
            return true;
    memcpy(win, low + a, at - a);
    win[at - a] = '\0';
    for (size_t i = 0; i < sizeof right / sizeof right[0]; i++)
        if (strstr(win, right[i]))
            return true;
    return false;
}

/* Is "London" at offset off of low part of a name ("the London Living
 * Wage", "Greater London Authority", "London Councils") or a possessive
 * ("London's devolution agenda"): a word starting with a capital after it
 * ("a London Borough" is a place) or "'s"?  orig's capitals decide. */
static bool london_in_name(const ctx *c, const char *orig, size_t off)
{
    size_t oi = 0, n = strlen(orig);
    while (c->o2l && oi < n && oi < EL_MAX_SENTENCE && c->o2l[oi] < off)
        oi++;
    if (!c->o2l || oi + 6 > n || strncmp(orig + oi, "London", 6))
        return false;
    const char *a = orig + oi + 6;
    if (!strncmp(a, "'s ", 3) || !strncmp(a, "\xe2\x80\x99s ", 5))
        return true;
    return a[0] == ' ' && isupper((unsigned char)a[1]) && strncmp(a + 1, "Borough", 7);
}

/* Is the rule word at offset at of low softened ("priority to unemployed
 * people", "we welcome residents of Hackney")?  "Especially" and
 * "particularly" soften only what follows them: "unemployed Londoners,
 * particularly those with disabilities" still targets unemployed
 * Londoners.  So do the markers of examples ("including", "such as",
 * "for example"): "Lambeth residents who are survivors of violence,
 * including domestic abuse" still targets Lambeth residents (session 11;
 * news and statistics that this once caught are caught by their own
 * shapes). */
static bool softened_at(const char *low, size_t at)
{
    static const char *const opens[] = {"especially", "particularly", "in particular",
                                        "including", "includes", "such as", "for example",
                                        "e.g."};
    /* "everyone" before the place admits everyone there: "available to
     * everyone in England", "for everyone as long as you're ... living in
     * England". */
    static const char *const all[] = {"everyone", "open to everyone", "anyone can"};
    if (strstr(low, "regardless") || strstr(low, "open to all"))
        return false;
    elig_span m[ELIG_SPANS];
    for (size_t from = 0; low[from] && match(P_SOFT, low + from, m);) {
        size_t so = from + (size_t)m[0].so, eo = from + (size_t)m[0].eo;
        bool opener = false, everyone = false;
        for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++)
            opener = opener || !strncmp(low + so, opens[i], strlen(opens[i]));
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            everyone = everyone || (eo - so == strlen(all[i]) &&
                                    !strncmp(low + so, all[i], strlen(all[i])));
        if (everyone && so <= at) {
            from = eo > so ? eo : so + 1;
            continue;
        }
        if (so < at || !opener)
            return true;
        from = eo > so ? eo : so + 1;
    }
    return false;
}


/* Does low start a word at p? */
static bool word_at(const char *low, const char *p)
{
    return p == low || !isalpha((unsigned char)p[-1]);
}

/* Does low name where a provider works rather than where its clients
 * live: "across" or "throughout" a place ("We work across south London
 * helping residents", "businesses across London", "to tackle poverty
 * across the capital"), with no word of living there ("live", not the
 * "live" of "delivered") and no requirement ("only", "eligible")?
 * "throughout the pandemic" is a time, and leaves the sentence's place
 * to the rule. */
static bool coverage_only(const char *low)
{
    static const char *const over[] = {"across ", "throughout "};
    static const char *const place[] = {"london", "the capital", "the city", "the borough",
                                        "all ", "england", "the uk", "the country",
                                        "north ", "south ", "east ", "west ", "central ",
                                        "inner ", "outer ", "greater ", "our ", "the region"};
    for (const char *p = strstr(low, "liv"); p; p = strstr(p + 1, "liv"))
        if (word_at(low, p) && (!strncmp(p, "live", 4) || !strncmp(p, "living", 6)))
            return false;
    if (strstr(low, "only") || strstr(low, "eligib"))
        return false;
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++)
        for (const char *p = strstr(low, over[i]); p; p = strstr(p + 1, over[i])) {
            const char *w = p + strlen(over[i]);
            for (size_t k = 0; k < sizeof place / sizeof place[0]; k++)
                if (!strncmp(w, place[k], strlen(place[k])))
                    return true;
        }
    return false;
}

/* Is the word at p (n letters) one of list (NULL-ended)? */
static bool word_is(const char *p, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (n == strlen(list[i]) && !strncmp(p, list[i], n))
            return true;
    return false;
}

/* Does a word for people end right before offset at of low, or before an
 * age phrase that ends there ("young people in", "adults aged 19+ in",
 * "adults aged 40 - 74 in", "low-income households in")?  Not a count,
 * share or rate of them ("500 people in the UK", "Many young people in
 * the UK", "the employment rates of young black men in London"): those
 * describe, they do not target. */
static bool people_before(const char *low, size_t at)
{
    static const char *const who[] = {"people", "adults", "children", "residents", "households",
                                      "families", "parents", "carers", "learners", "everyone",
                                      "anyone", "jobseekers", "women", "men", "tenants", NULL};
    static const char *const age[] = {"aged", "over", "under", "and", "to", "above", "or",
                                      "years", NULL};
    static const char *const aged_words[] = {"aged", "over", "under", NULL};
    static const char *const count[] = {"many", "most", "more", "than", "thousands", "million",
                                        "hundreds", "number", "rate", "rates", "proportion",
                                        "share", "percentage", NULL};
    const char *e = low + at, *p;
    size_t n;
    bool aged = false;
    for (int k = 0; k < 6 && word_ending(low, e, &p, &n); k++, e = p) {
        if (word_is(p, n, who)) {
            if (k > 0 && !aged)
                return false;
            const char *q = p;
            while (q > low && q[-1] == ' ')
                q--;
            if (q > low && isdigit((unsigned char)q[-1]))
                return false;
            for (int j = 0; j < 4 && word_ending(low, q, &q, &n); j++)
                if (word_is(q, n, count))
                    return false;
            return true;
        }
        if (!word_is(p, n, age))
            return false;
        aged = aged || word_is(p, n, aged_words);
    }
    return false;
}

/* Where, as an offset of low, does the sentence name people in a place
 * Signpost has a slug for ("young people in London", "adults aged 19+ in
 * England", "low-income households in Kingston", "young carers in
 * Lambeth")?  -1 when it does not.  Naming the people a service is for
 * by their place states a residency rule as "residents of" does. */
static long people_in_place(const ctx *c, const char *orig, const char *low)
{
    static const char *const wide[] = {"london", "england", "the uk", "the united kingdom"};
    static const char *const dims[] = {"borough", "subregion"};
    size_t starts[2 * EL_MAX_VALUES], ns = 0; /* where named places start in low */
    bool matched = false;
    for (const char *p = strstr(low, " in "); p; p = strstr(p + 1, " in ")) {
        size_t at = (size_t)(p - low) + 4;
        if (!people_before(low, (size_t)(p - low)))
            continue; /* the cheap test first: most sentences stop here */
        bool place = false;
        for (size_t i = 0; i < sizeof wide / sizeof wide[0] && !place; i++)
            place = !strncmp(low + at, wide[i], strlen(wide[i])) &&
                    !isalpha((unsigned char)low[at + strlen(wide[i])]);
        for (size_t d = 0; d < 2 && !matched && c->o2l; d++) {
            vocab_hit hits[EL_MAX_VALUES];
            size_t nh = vocab_match_text(c->v, dims[d], orig, hits, EL_MAX_VALUES);
            for (size_t i = 0; i < nh; i++)
                if (hits[i].off < EL_MAX_SENTENCE)
                    starts[ns++] = c->o2l[hits[i].off];
        }
        matched = true;
        for (size_t i = 0; i < ns && !place; i++)
            place = starts[i] == at;
        if (place)
            return (long)at;
    }
    return -1;
}

/* Does low set a price, so that where one lives is the condition of a
 * price band, not of the service ("FEE 1 Greenwich resident on means
 * tested benefit* £1.50", "Residents of other boroughs - £6.80", "are
 * not normally entitled to the standard course fee")?  A word "fee" or a
 * sum with pence, not an earnings bound ("earn more than £8,670"). */
static bool price_band(const char *low)
{
    for (const char *f = strstr(low, "fee"); f; f = strstr(f + 1, "fee"))
        if (word_at(low, f) && (f[3] == 's' ? !isalpha((unsigned char)f[4])
                                            : !isalpha((unsigned char)f[3])))
            return true;
    if (strstr(low, "earn") || strstr(low, "income") || strstr(low, "salary") ||
        strstr(low, "wage"))
        return false;
    if (pence_sum(low))
        return true;
    return false;
}

/* Does an "or" after the residence at offset at of low open another way
 * in that is no place ("be resident in the London Borough of Sutton for at
 * least 6 weeks ..., or been placed in housing outside the borough", "a
 * resident of ... Kingston upon Thames (or if homeless ..., have
 * appropriate links to the borough)", "living in London (or be able to
 * travel into central London)", "either living in Lambeth or caring for
 * someone in Lambeth")?  Either route admits: no residency rule
 * (labelling guideline 4).  "who has experienced or is at risk of" joins
 * two things of another condition, so only ", or", "(or" and "either ...
 * or" count. */
static bool residency_either_or(const char *low, size_t at)
{
    static const char *const route[] = {"be ", "been ", "if ", "have ", "has ", "caring ",
                                        "care ", "can "};
    bool either = strstr(low, "either ") != NULL;
    for (const char *o = strstr(low + at, "or "); o; o = strstr(o + 1, "or ")) {
        if (o == low || !word_at(low, o))
            continue;
        bool marked = (o - low >= 2 && !strncmp(o - 2, ", ", 2)) || o[-1] == '(' || either;
        for (size_t i = 0; marked && i < sizeof route / sizeof route[0]; i++)
            if (!strncmp(o + 3, route[i], strlen(route[i])))
                return true;
    }
    return false;
}

/* Does low lift a residency rule in words P_RES_ANY does not hold: a
 * negated "have to be a resident" ("You don't have to be a resident of
 * Winterton to attend"), no restriction to boroughs ("not restricted to
 * any particular boroughs"), or people of other boroughs let in
 * ("Residents from other boroughs are still invited to apply")? */
static bool residency_waived(const char *low)
{
    static const char *const be[] = {"have to be a resident", "have to be resident",
                                     "need to be a resident", "need to be resident", NULL};
    static const char *const neg[] = {"don't ", "do not ", "doesn't ", "does not ",
                                      "don\xe2\x80\x99t ", NULL};
    static const char *const let[] = {"invited", "welcome", "can also", "may also", "can apply",
                                      NULL};
    for (size_t i = 0; be[i]; i++) {
        const char *p = strstr(low, be[i]);
        for (size_t k = 0; p && neg[k]; k++)
            if ((size_t)(p - low) >= strlen(neg[k]) &&
                !strncmp(p - strlen(neg[k]), neg[k], strlen(neg[k])))
                return true;
    }
    if (strstr(low, "not restricted to any") && strstr(low, "borough"))
        return true;
    if (!strstr(low, "other borough") || strstr(low, "not "))
        return false;
    for (size_t i = 0; let[i]; i++)
        if (strstr(low, let[i]))
            return true;
    return false;
}

/* Do the few words before the residence at offset at of low make the
 * residents those whom something affects ("are impacting Camden
 * residents", "affecting local residents", "more pressure on
 * Londoners"), not those a service takes? */
static bool residents_affected(const char *low, size_t at)
{
    static const char *const hit[] = {"impacting ", "affecting ", "impact on ", "pressure on ",
                                      NULL};
    size_t a = at > 32 ? at - 32 : 0;
    char win[40];
    memcpy(win, low + a, at - a);
    win[at - a] = '\0';
    for (size_t i = 0; hit[i]; i++)
        if (strstr(win, hit[i]))
            return true;
    return false;
}

/* Is the place of hit h part of an e-mail or web address
 * ("HouseHoldGrants@merton.gov.uk", "www.hackney.gov.uk/work")? */
static bool place_in_address(const char *orig, const vocab_hit *h)
{
    const char *b = orig + h->off, *e = b + h->len;
    bool before = h->off > 0 && strchr("@./", b[-1]);
    bool after = (*e == '.' || *e == '@' || *e == '/') && isalnum((unsigned char)e[1]);
    return before || after;
}

/* Where (offset of low) does the sentence speak of living somewhere: a
 * P_RES_TRIGGER word or people named by their place?  -1 for a trigger
 * with no place of its own ("your ... address"), -2 for none. */
static long residency_trigger(const ctx *c, const char *orig, const char *low)
{
    elig_span rm[ELIG_SPANS];
    for (size_t from = 0; low[from] && match(P_RES_TRIGGER, low + from, rm);) {
        if (rm[0].so < 0)
            return -1;
        size_t so = from + (size_t)rm[0].so, eo = from + (size_t)rm[0].eo;
        /* "everyone interested in": a phrase ending in "in" must end its
         * word ("everyone in", not "everyone in|terested") */
        if (!(eo >= so + 2 && !strncmp(low + eo - 2, "in", 2) && isalpha((unsigned char)low[eo])))
            return (long)so;
        from = so + 1;
    }
    long at = people_in_place(c, orig, low);
    return at >= 0 ? at : -2;
}

/* Does the residence word at offset at (-1: none of its own) set no rule
 * of whom the service takes: softened, a statistic, a price band, one way
 * in of two, a waiting period of someone else's rules, residents an event
 * affects or counted, or where a provider works? */
static bool residency_not_rule(const ctx *c, const char *low, long at)
{
    size_t from = at >= 0 ? (size_t)at : 0;
    /* "available to everyone in England": the trigger's own "everyone"
     * admits everyone there, it softens nothing */
    size_t soft_at = from;
    if (!strncmp(low + from, "to everyone ", 12) || !strncmp(low + from, "for everyone ", 13))
        soft_at = (size_t)(strstr(low + from, "everyone") - low);
    if (softened_at(low, soft_at) && !has(P_RES_ANY, low))
        return true;
    if (statistic(low) || price_band(low) || residency_either_or(low, from))
        return true;
    /* "excluded from statutory provision until they have been in the UK
     * for 6 months": a waiting period of someone else's rules. */
    if (at >= 8) {
        size_t a = from > 24 ? from - 24 : 0;
        char win[32];
        memcpy(win, low + a, from - a);
        win[from - a] = '\0';
        if (strstr(win, "until "))
            return true;
    }
    /* "the measures ... are impacting Camden residents", "put more
     * pressure on Londoners": residents as those an event affects. */
    if (at >= 0 && residents_affected(low, from))
        return true;
    /* "the programme supported more than 400 residents": the residents
     * of a statistic, wherever the place is named. */
    if (at >= 0 && el_scope_low(c, from, ESC_DROP))
        return true;
    return coverage_only(low);
}

void el_residency_sentence(ctx *c, const char *orig, const char *low, const char *field,
                           double conf)
{
    /* before the softeners: "... to attend - everyone welcome" */
    if (residency_waived(low)) {
        el_add_rule(c, "residency", "any", NULL, 0, field, orig, conf);
        return;
    }
    long said = residency_trigger(c, orig, low);
    if (said == -2 || residency_not_rule(c, low, said))
        return;
    if (has(P_RES_ANY, low)) {
        el_add_rule(c, "residency", "any", NULL, 0, field, orig, conf);
        return;
    }
    hitsort h = {0};
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "borough", orig, hits, EL_MAX_VALUES);
    for (size_t i = 0; i < nh; i++)
        if (!place_in_address(orig, &hits[i]))
            el_sort_hit(c, &h, "residency", &hits[i]);
    nh = vocab_match_text(c->v, "subregion", orig, hits, EL_MAX_VALUES);
    for (size_t i = 0; i < nh; i++) {
        if (place_in_address(orig, &hits[i]))
            continue;
        el_sort_hit(c, &h, "residency", &hits[i]);
        /* "south London" is a place, not the partnership of that name: a
         * Lambeth resident is not shut out of "south London" by it. */
        const char *lab = vocab_label(c->v, "subregion", hits[i].slug);
        bool acronym = hits[i].keyword && isupper((unsigned char)hits[i].keyword[1]);
        if (lab && hits[i].keyword && strcasecmp(lab, hits[i].keyword) && !acronym &&
            conf > 0.7)
            conf = 0.7;
    }
    size_t n_named = h.n_pos + h.n_neg;
    /* Postcode districts ("N15, N17 and N22"), not whole postcodes (an
     * address): the district's main borough.  Districts straddle
     * boroughs, so a rule read from them is only worth a check. */
    for (size_t k = 0; c->sc && k < c->sc->n; k++) {
        const char *w = low + c->sc->off[k];
        size_t wl = c->sc->len[k], a = 0;
        while (a < wl && a < 2 && isalpha((unsigned char)w[a]))
            a++;
        if (a == 0 || wl < a + 1 || wl > a + 2 || !isdigit((unsigned char)w[a]) ||
            (wl == a + 2 && !isalnum((unsigned char)w[a + 1])))
            continue;
        if (k + 1 < c->sc->n && c->sc->len[k + 1] == 3 &&
            isdigit((unsigned char)low[c->sc->off[k + 1]]))
            continue; /* "N15 4AB": an address */
        char pc[8];
        for (size_t q = 0; q < wl; q++)
            pc[q] = (char)toupper((unsigned char)w[q]);
        pc[wl] = '\0';
        const vocab_borough *b = NULL;
        double lat, lon;
        if (vocab_postcode(c->v, pc, &lat, &lon, &b) != SP_OK || !b)
            continue;
        bool dup = false;
        for (size_t q = 0; q < h.n_pos; q++)
            dup = dup || !strcmp(h.pos[q], b->slug);
        if (dup || h.n_pos >= EL_MAX_VALUES - 4)
            continue;
        if (el_scope_low(c, c->sc->off[k], ESC_DROP))
            continue;
        const vocab_trigger *t = el_scope_low(c, c->sc->off[k], ESC_NEG);
        if (t) {
            h.why = h.why ? h.why : t;
            if (h.n_neg < EL_MAX_VALUES)
                h.neg[h.n_neg++] = b->slug;
        } else {
            h.pos[h.n_pos++] = b->slug;
        }
        if (conf > 0.7)
            conf = 0.7;
    }
    /* "London" on its own (not inside a sub-region's or borough's name). */
    const char *wide = NULL, *at = NULL;
    if (n_named == 0 && h.n_pos + h.n_neg == 0) {
        at = strstr(low, "london");
        while (at && london_in_name(c, orig, (size_t)(at - low)))
            at = strstr(at + 6, "london");
        if (at)
            wide = "london";
        else if ((at = strstr(low, "england")))
            wide = "england";
        else if ((at = strstr(low, " uk")) || (at = strstr(low, "united kingdom")))
            wide = "uk";
    }
    if (wide) {
        size_t off = (size_t)(at - low);
        const vocab_trigger *t = el_scope_low(c, off, ESC_DROP);
        if (t)
            return;
        t = el_scope_low(c, off, ESC_NEG);
        if (t) {
            h.why = t;
            h.neg[h.n_neg++] = wide;
        } else {
            h.pos[h.n_pos++] = wide;
        }
        el_anchor(c, "residency", off);
    }
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const char *op = "in";
    if (has(P_RES_EXCL, low)) {
        /* "not open to Hackney residents": the whole list is excluded. */
        op = "not_in";
        for (size_t i = 0; i < h.n_pos; i++)
            vals[nv++] = h.pos[i];
        for (size_t i = 0; i < h.n_neg; i++)
            vals[nv++] = h.neg[i];
    } else if (h.n_pos == 0) {
        /* "You must live outside Camden". */
        op = "not_in";
        for (size_t i = 0; i < h.n_neg; i++)
            vals[nv++] = h.neg[i];
    } else {
        for (size_t i = 0; i < h.n_pos; i++)
            vals[nv++] = h.pos[i];
    }
    if (nv == 0)
        return;
    if (at && strcmp(wide, "london") && country_not_residency(low, (size_t)(at - low)))
        return;
    if (!strcmp(op, "in") && has(P_RES_WORK, low))
        vals[nv++] = "work-or-study";
    rec_rule *u = el_add_rule(c, "residency", op, vals, nv, field, orig, conf);
    if (h.n_neg)
        el_set_trigger(c, u, h.why);
}

/* ------------------------------------------------------------ benefits */

/* Is the benefit of hit h named as an example ("children (including
 * those in families on Universal Credit)", "benefits such as JSA")?  A
 * marker of examples before it in the same clause (not past ";", ":"
 * or a closed bracket) makes it one: an example, not a requirement. */
static bool example_hit(const ctx *c, const char *low, const vocab_hit *h)
{
    if (!c->o2l)
        return false;
    size_t at = c->o2l[h->off < EL_MAX_SENTENCE ? h->off : EL_MAX_SENTENCE], from = at;
    while (from > 0 && !strchr(";:)", low[from - 1]))
        from--;
    static const char *const ex[] = {"including", "such as", "e.g", "for example",
                                     "for instance"};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        const char *x = strstr(low + from, ex[i]);
        if (x && (size_t)(x - low) < at)
            return true;
    }
    return false;
}

/* Does the sentence open with a benefit as its goal ("To receive
 * Universal Credit you will need to ...": the benefit is what the person
 * would get, not one they must already claim) or as the condition of a
 * duty ("Whilst you're claiming JSA, you must ...")?  EL_BEN_GOAL: it
 * makes no benefit rule; EL_BEN_REGIME: what the sentence asks are the
 * benefit's own conditions, a check at most.  0 when it does neither. */
unsigned el_benefit_lead(const ctx *c, const char *orig, const char *low)
{
    enum { GOAL = EL_BEN_GOAL, BOTH = EL_BEN_GOAL | EL_BEN_REGIME, COND = EL_BEN_REGIME | 4 };
    static const struct {
        const char *lead;
        unsigned what;
    } leads[] = {{"to claim ", BOTH},
                 {"to receive ", BOTH},
                 {"to get ", BOTH},
                 {"to qualify for ", GOAL},
                 {"in order to receive ", GOAL},
                 {"in order to claim ", GOAL},
                 {"in order to get ", GOAL},
                 {"whilst you're claiming ", COND},
                 {"whilst you are claiming ", COND},
                 {"while you're claiming ", COND},
                 {"while you are claiming ", COND},
                 {"if you're claiming ", COND},
                 {"if you are claiming ", COND},
                 {"when you're claiming ", COND},
                 {"when you are claiming ", COND},
                 {"once you're claiming ", COND},
                 {"once you are claiming ", COND}};
    size_t len = 0;
    unsigned what = 0;
    for (size_t i = 0; i < sizeof leads / sizeof leads[0] && !len; i++)
        if (!strncmp(low, leads[i].lead, strlen(leads[i].lead))) {
            len = strlen(leads[i].lead);
            what = leads[i].what;
        }
    if (!len || !c->o2l)
        return 0;
    /* "If you are claiming JSA ... then you will be eligible for the New
     * Deal": a condition of the service after all. */
    if ((what & 4) && (strstr(low, "eligib") || strstr(low, "qualif") || strstr(low, "entitled")))
        return 0;
    what &= EL_BEN_GOAL | EL_BEN_REGIME;
    /* The original (keywords in capitals, "JSA") and the normalised text
     * (curly apostrophes straightened: "jobseeker’s allowance"). */
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "benefit", orig, hits, EL_MAX_VALUES);
    for (size_t i = 0; i < nh; i++)
        if (c->o2l[hits[i].off] == len)
            return what;
    nh = vocab_match_text(c->v, "benefit", low, hits, EL_MAX_VALUES);
    for (size_t i = 0; i < nh; i++)
        if (hits[i].off == len)
            return what;
    return 0;
}

/* Is the benefit at offset at of low what someone applies for ("claims
 * for", "apply for", "application for") or the goal of the sentence ("to
 * get", "in order to claim")? */
static bool applied_for(const char *low, size_t at)
{
    static const char *const w[] = {"claim for the ", "claims for the ", "apply for the ",
                                    "claim for ", "claims for ", "claiming for ", "apply for ",
                                    "applying for ", "application for ", "applications for ",
                                    "likely to get ", "likely to receive ",
                                    "likely to get one of the above ",
                                    "likely to receive one of the above ", "want to claim ",
                                    "wants to claim ", "wish to claim ", "wishing to claim ",
                                    "wanting to claim ", "planning to claim ",
                                    /* what one could get: "You could get Universal
                                     * Credit if ...", "you can claim UC childcare
                                     * costs", "should also claim Child Tax Credit" */
                                    "could get ", "can get ", "could claim ", "can claim ",
                                    "can still claim ", "should claim ", "should also claim ",
                                    "may be able to get ", "may be able to claim ",
                                    "may be able to receive ", "might be able to get ",
                                    "might be able to claim ", "may be entitled to ",
                                    "might be entitled to ", "could be entitled to ",
                                    "may also be entitled to ",
                                    /* the goal of a duty: "You must accept the claimant
                                     * commitment to get universal credit" */
                                    "to get ", "to claim ", "to receive ", "in order to get ",
                                    "in order to claim ", "in order to receive ",
                                    /* the age of a benefit, access to one: "under
                                     * the qualifying age for state pension credit",
                                     * "prevents you from accessing welfare benefits" */
                                    "qualifying age for ", "qualifying for ", "accessing ",
                                    "access to ", "access ", "accessing welfare ",
                                    "access to welfare ", "access welfare "};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        size_t l = strlen(w[i]);
        if (at >= l && !strncmp(low + at - l, w[i], l))
            return true;
    }
    return false;
}

/* Is the benefit at offset at of low the subject of a duty named after it
 * ("Someone who is claiming JSA only need to be starting work", "... and
 * if you are claiming ESA you need to be ...", "People claiming JSA must
 * attend")?  Then it says whom the duty is for, not who may use the
 * service.  A condition or a claimant as subject since the last duty word
 * before it, and a duty word after it. */
static bool benefit_subject_of_duty(const char *low, size_t at)
{
    static const char *const duty[] = {" need to ", " needs to ", " must ", " have to ",
                                       " has to ", " required to "};
    static const char *const cond[] = {"if ", "when ", "whilst ", "while ", "someone who",
                                       "anyone who", "people who", "those who", "anybody who",
                                       "people claiming", "those claiming", "anyone claiming",
                                       "someone claiming"};
    const size_t nd = sizeof duty / sizeof duty[0], nc = sizeof cond / sizeof cond[0];
    size_t from = 0;
    for (size_t i = 0; i < nd; i++)
        for (const char *p = strstr(low, duty[i]); p && (size_t)(p - low) < at;
             p = strstr(p + 1, duty[i]))
            if ((size_t)(p - low) + strlen(duty[i]) > from)
                from = (size_t)(p - low) + strlen(duty[i]);
    bool cond_seen = false;
    for (size_t i = 0; i < nc && !cond_seen; i++)
        for (const char *p = strstr(low + from, cond[i]); p && (size_t)(p - low) < at;
             p = strstr(p + 1, cond[i]))
            if (p == low || !isalpha((unsigned char)p[-1])) {
                cond_seen = true;
                break;
            }
    if (!cond_seen)
        return false;
    for (size_t i = 0; i < nd; i++)
        if (strstr(low + at, duty[i]))
            return true;
    return false;
}

/* word_is for a whole NUL-terminated word. */
static bool word_in(const char *w, const char *const *list)
{
    return word_is(w, strlen(w), list);
}

/* The word of low that ends right before offset at (skipping spaces and
 * commas), copied into w; its start in *from. */
static void word_before(const char *low, size_t at, char *w, size_t wn, size_t *from)
{
    size_t e = at;
    while (e > 0 && (low[e - 1] == ' ' || low[e - 1] == ','))
        e--;
    size_t b = e;
    while (b > 0 && (isalpha((unsigned char)low[b - 1]) || low[b - 1] == '\''))
        b--;
    size_t n = e - b < wn - 1 ? e - b : wn - 1;
    memcpy(w, low + b, n);
    w[n] = '\0';
    *from = b;
}

/* Is the benefit at offset at (len bytes) of low what happens to
 * someone's benefits, not one they must get ("the money won't affect any
 * other benefits you're on", "Your benefits will continue whilst you are
 * on a SWAP", "they will lose their benefits", "If you receive benefits,
 * they will not be affected")? */
static bool benefit_affected(const char *low, size_t at, size_t len)
{
    static const char *const det[] = {"your", "any", "other", "the", "their", "of", "my",
                                      "his", "her", "existing", "current", "certain", NULL};
    static const char *const verb[] = {"affect", "affects", "affecting", "lose", "loses",
                                       "losing", "on", NULL};
    char w[32];
    size_t from = at;
    word_before(low, from, w, sizeof w, &from);
    bool theirs = !strcmp(w, "your") || !strcmp(w, "their") || !strcmp(w, "my");
    while (*w && word_in(w, det))
        word_before(low, from, w, sizeof w, &from);
    if (word_in(w, verb)) {
        if (strcmp(w, "on"))
            return true;
        /* "missing out on the benefits they are entitled to" */
        size_t f2;
        char w2[32];
        word_before(low, from, w2, sizeof w2, &f2);
        if (!strcmp(w2, "out"))
            return true;
        /* "an impact on any Tax Credits you receive" */
        word_before(low, from, w, sizeof w, &from);
        if (!strcmp(w, "impact") || !strcmp(w, "effect"))
            return true;
    }
    /* After it, in its clause: what becomes of someone's benefits ("your
     * benefits will continue", "benefits, they will not be affected"; not
     * "your entitlement to Income Support may stop if you're only claiming
     * it because ...": the entitlement's). */
    static const char *const after[] = {" be affected", " are affected", " is affected",
                                        " will continue", " may stop", " will stop",
                                        " payments may stop", " go down", " be reduced",
                                        " stop or go down"};
    const char *end = low + at + len, *stop = end;
    while (*stop && !strchr(".;:", *stop))
        stop++;
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
        const char *x = strstr(end, after[i]);
        if (x && x < stop && x - end <= 16) {
            const char *they = strstr(end, " they ");
            if (theirs || (they && they < x))
                return true;
        }
    }
    return false;
}

/* Is benefit hit h part of the name of a scheme ("the Self-Employment
 * Income Support Scheme", "the Universal Credit Full Service")? */
static bool benefit_in_name(const char *orig, const vocab_hit *h)
{
    static const char *const name[] = {"Scheme", "Fund", "Grant", "Full", NULL};
    const char *p = orig + h->off + h->len;
    while (*p == ' ')
        p++;
    for (size_t i = 0; name[i]; i++)
        if (!strncmp(p, name[i], strlen(name[i])) && !isalpha((unsigned char)p[strlen(name[i])]))
            return true;
    return false;
}

/* Does the sentence open with a benefit as the subject of a definition or
 * of news about it ("Universal Credit is a means-tested benefit for
 * people ...", "ESA is a benefit you could claim if ...", "UC replaces
 * ...")?  Then whom the benefit is for is not whom the service is for. */
static bool benefit_defined(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const verb[] = {"is", "was", "are", "means", "replaces", "replaced",
                                       "has", "will", NULL};
    if (!c->o2l)
        return false;
    size_t at = c->o2l[h->off], p = 0;
    while (low[p] == ' ' || low[p] == '*')
        p++;
    if (!strncmp(low + p, "the ", 4))
        p += 4;
    if (p != at)
        return false;
    size_t e = c->o2l[h->off + h->len];
    /* "(UC)" after the name */
    while (low[e] == ' ')
        e++;
    if (low[e] == '(') {
        const char *q = strchr(low + e, ')');
        if (q)
            e = (size_t)(q - low) + 1;
    }
    while (low[e] == ' ')
        e++;
    char w[32];
    size_t n = 0;
    while (n + 1 < sizeof w && isalpha((unsigned char)low[e + n])) {
        w[n] = low[e + n];
        n++;
    }
    w[n] = '\0';
    return word_in(w, verb);
}

/* Is one of the n phrases of list in low before offset at, in its clause
 * (after the last of the marks of stops)? */
static bool said_before(const char *low, size_t at, const char *stops,
                        const char *const *list, size_t n)
{
    size_t from = at;
    while (from > 0 && !strchr(stops, low[from - 1]))
        from--;
    for (size_t i = 0; i < n; i++) {
        const char *x = strstr(low + from, list[i]);
        if (x && (size_t)(x - low) < at)
            return true;
    }
    return false;
}

/* Is the benefit at offset at of low a child's ("People who have a
 * disabled child ... in receipt of DLA for that child", "Children in
 * receipt of DLA", "A child who receives DLA"): the client's child, not
 * the client (as with a parent's child's age)? */
static bool benefit_of_child(const char *low, size_t at, size_t len)
{
    static const char *const whose[] = {"the child", "that child", "your child", "their child",
                                        "the children", "your children", "a child"};
    const char *end = low + at + len, *f = strstr(end, " for ");
    if (f && f - end < 40 && !memchr(end, ',', (size_t)(f - end)))
        for (size_t i = 0; i < sizeof whose / sizeof whose[0]; i++)
            if (!strncmp(f + 5, whose[i], strlen(whose[i])))
                return true;
    static const char *const child[] = {"child who ", "children who ", "child in receipt",
                                        "children in receipt", "child receiving",
                                        "children receiving"};
    return said_before(low, at, ";:)", child, sizeof child / sizeof child[0]);
}

/* Is "benefit(s)" at offset at (len bytes) of low a topic of advice or a
 * system ("a Debt and Benefit Advisor", "advice about debt and benefits",
 * "getting benefit support", "navigate the benefits system")? */
static bool benefit_topic(const char *low, size_t at, size_t len)
{
    static const char *const thing[] = {"advice", "advisor", "advisors", "adviser", "advisers",
                                        "support", "system", "systems", "cap", "check",
                                        "checks", "team", "entitlement", "entitlements", "rules",
                                        NULL};
    static const char *const topic[] = {"debt", "money", "housing", "tax", "and", NULL};
    char w[32];
    size_t n = 0, e = at + len;
    while (low[e] == ' ')
        e++;
    while (n + 1 < sizeof w && isalpha((unsigned char)low[e + n])) {
        w[n] = low[e + n];
        n++;
    }
    w[n] = '\0';
    if (word_in(w, thing))
        return true;
    /* "debt and benefits", "money and benefits" */
    size_t from;
    word_before(low, at, w, sizeof w, &from);
    if (strcmp(w, "and"))
        return false;
    word_before(low, from, w, sizeof w, &from);
    return word_in(w, topic) && strcmp(w, "and");
}

/* Is the word of low at p (letters only) one that names a benefit or a
 * claim ("benefits", "receipt", "claiming", "credit", "jsa")?  Used to
 * tell an alternative on the benefit dimension from one on another. */
static bool benefit_word(const char *p, size_t n)
{
    static const char *const w[] = {"benefit", "benefits", "receipt", "receiving", "receive",
                                    "claiming", "claim", "claimant", "claimants", "credit",
                                    "credits", "allowance", "pension", "uc", "jsa", "esa",
                                    "pip", "dla", NULL};
    for (size_t i = 0; w[i]; i++)
        if (strlen(w[i]) == n && !strncmp(p, w[i], n))
            return true;
    /* "Income Support", "Employment and Support Allowance": benefits, not
     * an income or a work status. */
    return (n == 6 && !strncmp(p, "income", 6) && !strncmp(p + 6, " support", 8)) ||
           (n == 10 && !strncmp(p, "employment", 10) && !strncmp(p + 10, " and support", 12));
}

/* Is the word of low at p (n letters) one of an alternative on another
 * dimension: an income, earnings, hardship or work status ("or have a
 * household income of less than", "OR earning below", "or are in
 * employment", "or unemployed")? */
static bool other_dim_word(const char *p, size_t n)
{
    static const char *const pre[] = {"income", "earn", "salary", "salaries", "wage",
                                      "hardship", "employed", "employment", "unemploy",
                                      "self-employ", NULL};
    for (size_t i = 0; pre[i]; i++)
        if (n >= strlen(pre[i]) && !strncmp(p, pre[i], strlen(pre[i])))
            return !benefit_word(p, n);
    /* "working" but not "Working Tax Credit"; "job seeking" */
    if (n == 7 && !strncmp(p, "working", 7))
        return strncmp(p + 7, " tax", 4) != 0;
    return n == 3 && !strncmp(p, "job", 3) && !strncmp(p + 3, " seeking", 8);
}

/* Does the sentence join a benefit by "or" with an alternative on another
 * dimension ("In receipt of means-tested benefits or experiencing financial
 * hardship", "have an income of less than £30,000 per year, or be in
 * receipt of ...", "receiving income-based benefits, a salary below ... or
 * unemployed")?  Either route admits, so neither is a rule (labelling
 * guideline 4).  The words right after an "or" name the other dimension
 * before any benefit word while a benefit was named before it; or the
 * words right before it name the other dimension and a benefit follows. */
static bool benefit_either_or(const char *low)
{
    for (const char *o = strstr(low, "or "); o; o = strstr(o + 1, "or ")) {
        if (o == low || (o[-1] != ' ' && o[-1] != '/'))
            continue;
        /* after: up to six words, a word of the other dimension first */
        const char *p = o + 3;
        bool after_other = false, after_ben = false;
        for (int k = 0; k < 6 && *p && !after_other && !after_ben; k++) {
            while (*p && !isalpha((unsigned char)*p) && *p != '.' && *p != ';')
                p++;
            if (!*p || *p == '.' || *p == ';')
                break;
            size_t n = 0;
            while (isalpha((unsigned char)p[n]) || p[n] == '-')
                n++;
            if (benefit_word(p, n))
                after_ben = true;
            else if (other_dim_word(p, n))
                after_other = true;
            p += n;
        }
        /* before: up to ten words back, a word of the other dimension
         * nearer than any benefit word */
        const char *b = o;
        bool before_other = false, before_ben = false;
        for (int k = 0; k < 10 && b > low && !before_other && !before_ben; k++) {
            while (b > low && !isalpha((unsigned char)b[-1]) && b[-1] != '.' && b[-1] != ';')
                b--;
            if (b == low || b[-1] == '.' || b[-1] == ';')
                break;
            const char *e = b;
            while (b > low && (isalpha((unsigned char)b[-1]) || b[-1] == '-'))
                b--;
            size_t n = (size_t)(e - b);
            if (benefit_word(b, n))
                before_ben = true;
            else if (other_dim_word(b, n))
                before_other = true;
        }
        if (after_other && before_ben)
            return true;
        if (before_other && after_ben)
            return true;
    }
    return false;
}

/* Does the sentence say something other than whom the service takes,
 * though it names a benefit someone gets?  Shapes (each gives no benefit
 * rule in the labelled corpus):
 * - a means test: the benefit with an income bound in money ("Receiving
 *   Universal Credit, and your take-home pay ... is less than £343 a
 *   month"), a route of a fee or grant list;
 * - a price: fees, prices, funding ("FEE 1 ... resident on means tested
 *   benefit", "will only fund tuition fees for those on certain benefits");
 * - evidence asked for ("we need a current benefit letter", "Please show
 *   us your recent letter", "(evidence needs to be uploaded)");
 * - the benefit's own regime ("you both need to accept a claimant
 *   commitment", "working under Permitted Work rules", "the conditions of
 *   your benefit", "the benefit cap", "you can claim back up to 85 per
 *   cent"), what one may do while on it ("You can volunteer while
 *   receiving benefits"), or what one may have to do ("may have to take
 *   part in the Work Programme");
 * - a question ("Are you getting any of the following benefits?");
 * - history ("those who had been on Universal Credit"), a description of
 *   clients ("most are receiving benefits", "Many people who claim
 *   benefits fear ...") or an explanation ("The benefits you get depend
 *   on your circumstances"). */
static bool benefit_not_rule(const char *low)
{
    static const char *const shape[] = {
        /* price */
        "fees", "price", "funding", "fund tuition",
        /* evidence */
        "benefit letter", "letter from", "letter stating", "letter confirming",
        "evidence needs", "evidence must", "provide evidence", "show us",
        /* the benefit's regime, what one may or may have to do on it */
        "claimant commitment", "permitted work", "conditions of your benefit",
        "benefit cap", "claim back", "can volunteer", "while receiving", "whilst receiving",
        "while claiming", "whilst claiming", "while you're claiming",
        "whilst you're claiming", "while you are claiming", "whilst you are claiming",
        "may have to", "might have to", "rules about", "is a requirement for",
        "required to complete", "required to undertake", "run on", "run-on",
        "stop qualifying", "no longer be entitled", "no longer entitled", " affect whether",
        "please see",
        /* history, clients described, explanations */
        "had been", "most are", "many people", "many households", "benefits you get",
        "depend on your circumstances"};
    for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++)
        if (strstr(low, shape[i]))
            return true;
    /* a question (its "?" ends the sentence before it is read) */
    static const char *const ask[] = {"are you ", "do you ", "have you ", "is your ",
                                      "does your ", "did you "};
    for (size_t i = 0; i < sizeof ask / sizeof ask[0]; i++)
        if (!strncmp(low, ask[i], strlen(ask[i])))
            return true;
    /* "FEE 1 ...", "£1.50": a price (a sum in pence is one; not "£2.9
     * billion") */
    for (const char *f = strstr(low, "fee"); f; f = strstr(f + 1, "fee"))
        if ((f == low || !isalpha((unsigned char)f[-1])) && !isalpha((unsigned char)f[3]))
            return true;
    if (pence_sum(low))
        return true;
    /* a means test: an income bound in money, take-home pay, hardship */
    if (strstr(low, "\xc2\xa3") && (strstr(low, "income") || strstr(low, " pay") ||
                                    strstr(low, "earn") || strstr(low, "salary")))
        return true;
    if (strstr(low, "take-home pay") || strstr(low, "take home pay") ||
        strstr(low, "hardship") || strstr(low, "financial need"))
        return true;
    return benefit_either_or(low);
}

/* Is the sentence a bare item naming a benefit someone gets ("Receive
 * Employment and Support Allowance (ESA)", "You are in receipt of Job
 * Seeker's Allowance (JSA).", "Claiming JSA (Including partners on joint
 * claims)", "Unemployed and in receipt of JSA or Universal Credit")?  With
 * no word of requirement of its own or of a firm heading (conf at most
 * 0.7), such an item is one route of a list of alternatives ("if one of
 * the following applies:"), as benefit lists mostly are: no rule
 * (labelling guideline 4).  "Have spent at least nine months on UC" and
 * "are on low incomes and are receiving Pension Credit" say more and stay. */
static bool benefit_bare_item(const char *low)
{
    static const char *const open[] = {
        "receive ", "receiving ", "claiming ", "claim ", "in receipt of ", "get ", "getting ",
        "you receive ", "you get ", "you are in receipt of ", "you're in receipt of ",
        "you are receiving ", "you're receiving ", "you are claiming ", "you're claiming ",
        "you are getting ", "you're getting ", "they are in receipt of ", "they receive ",
        "they are receiving ", "are in receipt of ", "are receiving ", "are claiming ",
        "be in receipt of ", "be receiving ", "be claiming ", "unemployed and ",
        "you are unemployed", "you've been claiming ", "you have been claiming ",
        "learners in receipt of ", "learners claiming ", "people who receive ",
        "people who are in receipt of ", "whose parents receive ", "whose parents are "};
    size_t p = 0;
    while (low[p] && (low[p] == ' ' || low[p] == '*' || low[p] == '-' || isdigit((unsigned char)low[p]) ||
                      low[p] == '.'))
        p++;
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (!strncmp(low + p, open[i], strlen(open[i])))
            return true;
    return false;
}

/* Is "benefit(s)" at offset at of low the noun of a definition ("Free
 * School Meals are a statutory benefit", "ESA is a benefit")?  "is a" or
 * "are a" right before it, or with one word between. */
static bool benefit_is_defined_as(const char *low, size_t at)
{
    char w1[32], w2[32], w3[32];
    size_t f1, f2, f3;
    word_before(low, at, w1, sizeof w1, &f1);
    word_before(low, f1, w2, sizeof w2, &f2);
    word_before(low, f2, w3, sizeof w3, &f3);
    bool a1 = !strcmp(w1, "a") || !strcmp(w1, "an");
    bool a2 = !strcmp(w2, "a") || !strcmp(w2, "an");
    bool is2 = !strcmp(w2, "is") || !strcmp(w2, "are");
    bool is3 = !strcmp(w3, "is") || !strcmp(w3, "are");
    return (a1 && is2) || (a2 && is3);
}

void el_benefit_sentence(ctx *c, const char *orig, const char *low, const char *field,
                         double conf)
{
    if (has(P_BEN_NONE, low)) {
        /* Only with a benefit named ("You don't have to be on the streets",
         * "they do not get support from the council" name none), not in a
         * statistic ("... are not claiming any out-of-work benefits, a
         * study by ... has found") or an explanation ("will depend on ...
         * whether you're claiming Universal Credit"). */
        elig_span g[12];
        vocab_hit bh[EL_MAX_VALUES];
        bool gen = match(P_BEN_GENERIC, low, g);
        if (!gen && !vocab_match_text(c->v, "benefit", orig, bh, EL_MAX_VALUES))
            return;
        if (gen && el_scope_low(c, (size_t)g[0].so, ESC_DROP))
            return;
        if (strstr(low, "will depend on") || strstr(low, "depends on"))
            return;
        el_add_rule(c, "benefit", "none", NULL, 0, field, orig, conf);
        return;
    }
    if (c->ben_goal)
        return;
    /* "learners ... from a household in receipt of the following
     * benefits": the benefits of a client's household, not the client's
     * own (corpus README, session 11).  A child's service judged by its
     * parents' benefits ("Children whose parents are in receipt of ...")
     * keeps them: the family is the client. */
    static const char *const others[] = {"household in receipt", "households in receipt",
                                         "household receives", "household receiving", NULL};
    for (const char *const *o = others; *o; o++)
        if (strstr(low, *o))
            return;
    /* "Priority will be given to applicants who are in receipt of state
     * benefits", "particularly for parents not on Universal Credit": a
     * preference, no requirement. */
    static const char *const prefer[] = {"priorit", "especially", "particularly",
                                         "in particular", "preference", "welcome", "encourag"};
    for (size_t i = 0; i < sizeof prefer / sizeof prefer[0]; i++)
        if (strstr(low, prefer[i]))
            return;
    /* "ESA claimants are required to complete the training": whom taking
     * part is mandatory for, not who may join: a check at most. */
    if ((has(P_MAND, low) || strstr(low, " required to complete") ||
         strstr(low, " required to undertake")) && conf > 0.7)
        conf = 0.7;
    /* "receiving Universal Credit or a qualifying benefit": the benefits
     * named are some of those that count, so failing them is a check. */
    static const char *const or_other[] = {"or a qualifying benefit", "or another benefit",
                                           "or other benefits", "or any benefit",
                                           "or a means-tested benefit", "or other qualifying"};
    for (size_t i = 0; i < sizeof or_other / sizeof or_other[0] && conf > 0.5; i++)
        if (strstr(low, or_other[i]))
            conf = 0.5;
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "benefit", orig, hits, EL_MAX_VALUES), kept = 0;
    /* "Universal Credit is a means-tested benefit for people on a low
     * income": whom the benefit is for. */
    for (size_t i = 0; i < nh; i++)
        if (benefit_defined(c, low, &hits[i]))
            return;
    for (size_t i = 0; i < nh; i++)
        if (!example_hit(c, low, &hits[i]))
            hits[kept++] = hits[i];
    nh = kept;
    /* What becomes of someone's benefits, or a child's benefit: none the
     * client must get. */
    kept = 0;
    for (size_t i = 0; i < nh && c->o2l; i++) {
        size_t at = c->o2l[hits[i].off], len = c->o2l[hits[i].off + hits[i].len] - at;
        if (!benefit_affected(low, at, len) && !benefit_of_child(low, at, len) &&
            !benefit_in_name(orig, &hits[i]) && !benefit_topic(low, at, len))
            hits[kept++] = hits[i];
    }
    if (c->o2l && nh && !kept)
        return;
    if (c->o2l)
        nh = kept;
    /* "cannot make new claims for Universal Credit", "apply for PIP": the
     * benefit is what is applied for, not what the person must get; and
     * a sentence about claims themselves ("New claims made after 1st
     * February will have to be for Universal Credit") is the benefit's. */
    static const char *const claims[] = {"new claims", "claims ", "a claim ", "a new claim",
                                         "your claim"};
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++)
        if (!strncmp(low, claims[i], strlen(claims[i])))
            return;
    kept = 0;
    for (size_t i = 0; i < nh; i++)
        if (!c->o2l || !applied_for(low, c->o2l[hits[i].off]))
            hits[kept++] = hits[i];
    if (nh && !kept)
        return;
    nh = kept;
    /* Every benefit named says whom a later duty is for: a check at most. */
    bool subject = nh > 0 && c->o2l;
    for (size_t i = 0; i < nh && subject; i++)
        subject = benefit_subject_of_duty(low, c->o2l[hits[i].off]);
    if (subject && conf > 0.7)
        conf = 0.7;
    bool generic = has(P_BEN_GENERIC, low);
    if (!nh && !generic)
        return;
    /* "... available to Universal Credit and JSA claimants": a claim word
     * ending the sentence has no space after it. */
    size_t ln = strlen(low);
    bool claim_end = (ln >= 10 && !strcmp(low + ln - 10, " claimants")) ||
                     (ln >= 9 && !strcmp(low + ln - 9, " claimant"));
    if ((!has(P_BEN_CLAIM, low) && !claim_end) || has(P_BEN_HELP, low))
        return;
    if (benefit_not_rule(low))
        return;
    if (conf <= 0.7 && benefit_bare_item(low) && !has(P_BEN_NOT, low))
        return;
    /* "If you claim UC, or JSA, or are not claiming anything": everyone. */
    for (size_t i = 0; i < nh; i++) {
        const vocab_trigger *t = el_scope_orig(c, hits[i].off, ESC_OPEN);
        if (t) {
            el_set_trigger(c, el_add_rule(c, "benefit", "none", NULL, 0, field, orig, conf), t);
            return;
        }
    }
    if (!nh) {
        /* "benefits" alone, claimed: any benefit (but not "benefits you"). */
        elig_span m[12];
        if (!match(P_BEN_GENERIC, low, m))
            return;
        if (strstr(low, "benefit from") || strstr(low, "benefits of") ||
            strstr(low, "benefits include") || strstr(low, "benefit you"))
            return;
        /* Advantages ("of benefit to them", "employment benefits like
         * holiday pay"), or a definition ("Free School Meals are a statutory
         * benefit available to ..."): whom that benefit is for. */
        if (strstr(low, "of benefit") || strstr(low, "employment benefits") ||
            strstr(low, "employee benefits") || strstr(low, "benefits like"))
            return;
        if (benefit_is_defined_as(low, (size_t)m[0].so))
            return;
        size_t off = (size_t)m[0].so, glen = (size_t)(m[0].eo - m[0].so);
        if (el_scope_low(c, off, ESC_DROP) || applied_for(low, off) ||
            benefit_affected(low, off, glen) || benefit_of_child(low, off, glen) ||
            benefit_topic(low, off, glen))
            return;
        const vocab_trigger *t = el_scope_low(c, off, ESC_OPEN);
        if (t) {
            el_set_trigger(c, el_add_rule(c, "benefit", "none", NULL, 0, field, orig, conf), t);
            return;
        }
        bool ben_not = has(P_BEN_NOT, low);
        /* "outside of benefit arrangements", "not on benefits": no claim
         * of any benefit is required, nor is there a rule for "claims
         * none"; no rule. */
        if (!ben_not && el_scope_low(c, off, ESC_NEG))
            return;
        el_anchor(c, "benefit", off);
        /* "a qualifying State Benefit", "one of the following benefits":
         * which ones count is said elsewhere, so any benefit is a check. */
        static const char *const which[] = {"qualifying ", "qualifying state ", "certain ",
                                            "specified ", "relevant ", "one of the following ",
                                            "one of these ", "eligible ", "certain types of ",
                                            "certain kinds of ", "some types of ", "some "};
        for (size_t i = 0; i < sizeof which / sizeof which[0] && conf > 0.7; i++) {
            size_t l = strlen(which[i]);
            if (off >= l && !strncmp(low + off - l, which[i], l))
                conf = 0.7;
        }
        el_add_rule(c, "benefit", ben_not ? "none" : "any", NULL, 0, field, orig, conf);
        return;
    }
    hitsort h = {0};
    for (size_t i = 0; i < nh; i++)
        el_sort_hit(c, &h, "benefit", &hits[i]);
    rec_rule *u = NULL;
    if (has(P_BEN_NOT, low)) {
        /* The sentence's own negation already read ("not eligible if you
         * claim"): every benefit named is excluded. */
        const char *vals[2 * EL_MAX_VALUES];
        size_t nv = 0;
        for (size_t i = 0; i < h.n_pos; i++)
            vals[nv++] = h.pos[i];
        for (size_t i = 0; i < h.n_neg; i++)
            vals[nv++] = h.neg[i];
        if (nv)
            u = el_add_rule(c, "benefit", "not_in", vals, nv, field, orig, conf);
    } else if (h.n_pos) {
        /* A benefit in a provider's duty ("Local authorities should
         * confirm places for children in families on UC") is a target,
         * not a condition on the person: worth a check. */
        u = el_add_rule(c, "benefit", "in", h.pos, h.n_pos, field, orig,
                        elig_pat_provider_duty(low) && conf > 0.7 ? 0.7 : conf);
    } else if (h.n_neg) {
        u = el_add_rule(c, "benefit", "not_in", h.neg, h.n_neg, field, orig, conf);
    }
    if (h.n_neg || (u && h.why))
        el_set_trigger(c, u, h.why);
}


/* Is the in-work hit h a goal of the help ("help you stay in work",
 * "progressing in work") or an activity in a list ("in work, training,
 * education or volunteering", "in work-related activity"), not the
 * status of whom the service takes?  *both is set when the sentence
 * names getting into work as well ("find and stay in work"): work named
 * with its opposite, any status. */
static bool in_work_goal(const char *orig, const char *low, const vocab_hit *h, bool *both)
{
    static const char *const stay[] = {"stay ", "staying ", "progress ", "progressing ",
                                       "remain ", "remaining "};
    static const char *const list[] = {", training", ", education", " training,",
                                       " education,", "-related", " or volunteering"};
    static const char *const enter[] = {"find", "get ", "gain", "return"};
    const char *after = orig + h->off + h->len;
    for (size_t i = 0; h->keyword && !strcmp(h->keyword, "in work") && i < sizeof list / sizeof list[0];
         i++)
        if (!strncasecmp(after, list[i], strlen(list[i])))
            return true;
    for (size_t i = 0; i < sizeof stay / sizeof stay[0]; i++) {
        size_t l = strlen(stay[i]);
        if (h->off >= l && !strncasecmp(orig + h->off - l, stay[i], l)) {
            for (size_t k = 0; k < sizeof enter / sizeof enter[0]; k++)
                for (const char *p = strstr(low, enter[k]); p && !*both;
                     p = strstr(p + 1, enter[k]))
                    *both = p == low || !isalpha((unsigned char)p[-1]);
            return true;
        }
    }
    return false;
}

/* Does the in-work hit whose text ends at after say with whom or where
 * someone works together ("we are currently working with some major
 * employers", "not ... currently working with the Leaving Care Team",
 * "partner agencies already working in our communities"), not that a
 * client has a job? */
static bool working_together(const char *after)
{
    return !strncasecmp(after, " with ", 6) || !strncasecmp(after, " alongside ", 11) ||
           !strncasecmp(after, " in our ", 8) || !strncasecmp(after, " across our ", 12);
}

/* The first place in low where a phrase of list (NULL-ended) starts a
 * word; NULL when none does. */
static const char *first_phrase(const char *low, const char *const *list)
{
    const char *first = NULL;
    for (size_t i = 0; list[i]; i++) {
        const char *p = strstr(low, list[i]);
        while (p && !word_at(low, p))
            p = strstr(p + 1, list[i]);
        if (p && (!first || p < first))
            first = p;
    }
    return first;
}

/* Does the sentence name getting into work and keeping or bettering it
 * as the help's aims, one clause apart at most ("return to work ..., stay
 * employed, or find new job opportunities", "start or stay in work",
 * "enter the workplace, change careers or gain a promotion", "find paid
 * employment, or progress to alternative employment")?  Work named with
 * its opposite: any status (labelling guideline 8).  A word of work
 * (work, employment, job, career, workplace) must follow the pair. */
static bool goal_pair(const char *low)
{
    static const char *const enter[] = {"find ", "start ", "enter ", "re-enter", "return to",
                                        "get into", "back into", "into work", "first job",
                                        "seeking work", "gain ", NULL};
    static const char *const keep[] = {"stay in work", "stay in employment", "stay in a job",
                                       "stay in,", "stay in or", "stay employed",
                                       "staying in work", "retain",
                                       "progress", "change career", "promotion", "up skill",
                                       "upskill", "existing employees", "already employed",
                                       "already in work", "current job", NULL};
    static const char *const noun[] = {"work", "employ", "job", "career", NULL};
    bool any_noun = false;
    for (size_t i = 0; noun[i] && !any_noun; i++)
        any_noun = strstr(low, noun[i]) != NULL;
    if (!any_noun)
        return false; /* the cheap test first */
    const char *e = first_phrase(low, enter), *k = first_phrase(low, keep);
    if (!e || !k)
        return false;
    const char *a = e < k ? e : k, *b = e < k ? k : e;
    /* "you may need extra help to start a new job, or to stay in work",
     * "You could use this to pay for ...": what help might do, hedged
     * before the aims, not whom it is for */
    static const char *const hedge[] = {" may ", " could ", " might ", "unless ", NULL};
    for (size_t i = 0; hedge[i]; i++) {
        const char *h = strstr(low, hedge[i]);
        if (h && h < a)
            return false;
    }
    /* coordinated: "or", "and" or a comma between the two, near */
    char gap[64];
    if (b - a > 60)
        return false;
    memcpy(gap, a, (size_t)(b - a));
    gap[b - a] = '\0';
    if (strchr(gap, '.') || strchr(gap, ';') ||
        (!strstr(gap, " or ") && !strstr(gap, " and ") && !strchr(gap, ',')))
        return false;
    for (size_t i = 0; noun[i]; i++) {
        const char *p = strstr(a, noun[i]);
        if (p && p - b < 40)
            return true;
    }
    return false;
}

/* Does a word of requirement govern the words of hit h ("you must be
 * unemployed", "carers only"), rather than something else of the sentence
 * ("If you are a carer, both of you must be employed")? */
static bool hit_governed(const ctx *c, const char *low, const vocab_hit *h)
{
    if (!c->o2l)
        return true;
    size_t end = h->off + h->len;
    size_t at = c->o2l[h->off];
    end = c->o2l[end < EL_MAX_SENTENCE ? end : EL_MAX_SENTENCE];
    return elig_pat_governs(low, at, end > at ? end - at : 0);
}
/* ------------------------------------------------------------ status */

static bool listed_item(const char *low, size_t off);

/* Does the sentence talk about people out of work rather than set who may
 * use the service: research and comparisons ("offenders who are unemployed
 * are twice as likely to reoffend"), shares ("1 person in every 25 is
 * unemployed"), crowds ("thousands of unemployed 16-25 year olds") or a
 * story ("When I became unemployed")? */
static bool status_talk(const char *low)
{
    static const char *const talk[] = {"research shows", "research by", "twice as likely",
                                       "times as likely", "times more likely", " in every ",
                                       "when i ", "thousands of", "reports that", "study by",
                                       "has found", "was explained", NULL};
    for (size_t i = 0; talk[i]; i++)
        if (strstr(low, talk[i]))
            return true;
    return false;
}

/* Does the sentence set the conditions of a benefit, not of the service
 * ("To claim jobseeker's allowance, you need to be available for and
 * actively seeking work", "Whilst you're claiming jobseeker's allowance,
 * you must be ...", "Anyone working 16 hours or more per week would lose
 * their entitlement to JSA"), or define a word ("the DfE defines a
 * learner as unemployed if")?  The status is the benefit's or the
 * definition's, not whom the service takes. */
static bool status_of_benefit(const char *low)
{
    static const char *const regime[] = {"whilst you're claiming", "while you're claiming",
                                         "whilst you\xe2\x80\x99re claiming",
                                         "while you\xe2\x80\x99re claiming",
                                         "whilst you are claiming", "while you are claiming",
                                         "whilst claiming", "while claiming",
                                         "lose their entitlement", "lose your entitlement",
                                         " defines ", NULL};
    for (size_t i = 0; regime[i]; i++)
        if (strstr(low, regime[i]))
            return true;
    return !strncmp(low, "to claim ", 9);
}

/* Is the status at off the target of the help in its list item ("gives
 * free, expert assistance to unemployed residents", "will target ...
 * claimants who are seeking employment"): a word of aim between the comma
 * before it and it? */
static bool item_target(const char *low, size_t off)
{
    size_t lo = off > 120 ? off - 120 : 0, i = off;
    while (i > lo && low[i - 1] != ',')
        i--;
    if (i == lo)
        return false;
    static const char *const aim[] = {" to ", " for ", "target"};
    size_t n = off - i;
    char seg[124];
    memcpy(seg, low + i, n);
    seg[n] = '\0';
    for (size_t k = 0; k < sizeof aim / sizeof aim[0]; k++)
        if (strstr(seg, aim[k]))
            return true;
    return false;
}

/* Is the word at p (n letters) one that names a benefit itself ("ESA",
 * "Universal Credit", "benefits"), not only a claim ("receiving", "claim"),
 * retirement or a job about to start?  The other side of an "or" from a
 * work status. */
static bool status_other_route(const char *p, size_t n)
{
    static const char *const verb[] = {"receipt", "receiving", "receive", "claiming",
                                       "claim", "claimant", "claimants", NULL};
    /* "retired"; "about to start work" is a job not yet held */
    if ((n == 7 && !strncmp(p, "retired", 7)) || (n == 5 && !strncmp(p, "about to start", 14)))
        return true;
    for (size_t i = 0; verb[i]; i++)
        if (strlen(verb[i]) == n && !strncmp(p, verb[i], n))
            return false;
    return benefit_word(p, n);
}

/* Is the word at p (n letters) one of a work status or of earnings
 * ("unemployed", "working", "earning", "out of work", "jobless")? */
static bool status_side_word(const char *p, size_t n)
{
    return other_dim_word(p, n) || (n == 4 && !strncmp(p, "work", 4)) ||
           (n == 7 && !strncmp(p, "jobless", 7));
}

/* Does an "or" join a work status with a benefit, retirement or a job
 * about to start ("people who are unemployed or on Employment and Support
 * Allowance", "Receiving eligible benefits OR earning below the Real
 * Living Wage", "Are unemployed or retired", "in paid work, or about to
 * start work")?  Either route admits, so the status is no
 * rule (labelling guideline 4).  The word of either kind nearest the "or"
 * on each side decides, so "unemployed and on JSA or Universal Credit"
 * joins two benefits, not a status and a benefit. */
static bool status_either_or(const char *low)
{
    for (const char *o = strstr(low, "or "); o; o = strstr(o + 1, "or ")) {
        if (o == low || (o[-1] != ' ' && o[-1] != '/'))
            continue;
        bool st_before = false, other_before = false, st_after = false, other_after = false;
        const char *e = o, *p;
        size_t n;
        for (int k = 0; k < 8 && !st_before && !other_before && word_ending(low, e, &p, &n);
             k++, e = p) {
            st_before = status_side_word(p, n);
            other_before = status_other_route(p, n);
        }
        e = o + 2;
        for (int k = 0; k < 8 && !st_after && !other_after && *e && !strchr(".;:", *e); k++) {
            while (*e && !isalpha((unsigned char)*e) && !strchr(".;:", *e))
                e++;
            p = e;
            while (isalpha((unsigned char)*e) || *e == '-')
                e++;
            n = (size_t)(e - p);
            st_after = status_side_word(p, n);
            other_after = status_other_route(p, n);
        }
        if ((st_before && other_after) || (other_before && st_after))
            return true;
    }
    return false;
}

/* Does hit h stand alone at the start of orig, after a bullet and "are",
 * "be", "you are" or "currently" at most? */
static bool status_opens(const char *orig, const vocab_hit *h)
{
    static const char *const lead[] = {"are ", "be ", "you are ", "you're ",
                                       "you\xe2\x80\x99re ", "currently ", ""};
    size_t p = 0;
    while (orig[p] && (strchr(" *-\t", orig[p]) || (unsigned char)orig[p] >= 0x80) && p < h->off)
        p++;
    for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++)
        if (p + strlen(lead[i]) == h->off && !strncasecmp(orig + p, lead[i], strlen(lead[i])))
            return true;
    return false;
}

/* Is hit i a work status joined to a condition of another kind in a bare
 * list item ("Unemployed and in receipt of JSA or Universal Credit",
 * "Are employed but, earns less than £30,000", "Out of work with little
 * work experience", "Universal Credit and not working")?  Such an item is
 * one route of a list of alternatives ("if one of the following
 * applies:"): no rule (labelling guideline 4).  A status joined to
 * another status ("Unemployed and looking for work") is one condition,
 * and an item that ends in "and" is one of conditions all required. */
static bool status_route_item(const ctx *c, const char *orig, const vocab_hit *hits, size_t nh,
                              size_t i)
{
    static const char *const join[] = {" and ", "* and ", ", ", " but", " with "};
    static const char *const age[] = {"aged ", "over ", "under ", "age "};
    const vocab_hit *h = &hits[i];
    size_t end = h->off + h->len, n = strlen(orig);
    while (n > 0 && strchr(" .;,\t", orig[n - 1]))
        n--;
    if (n >= 4 && !strncasecmp(orig + n - 4, " and", 4))
        return false;
    if (status_opens(orig, h)) {
        for (size_t k = 0; k < sizeof join / sizeof join[0]; k++) {
            size_t l = strlen(join[k]);
            if (strncasecmp(orig + end, join[k], l))
                continue;
            for (size_t q = 0; q < nh; q++)
                if (hits[q].off >= end && hits[q].off <= end + l + 1)
                    return false;
            /* another status next ("Unemployed and looking for work"),
             * though a slug's second keyword is no hit of its own */
            vocab_hit next[EL_MAX_VALUES];
            size_t nn = vocab_match_text(c->v, "status", orig + end + l, next, EL_MAX_VALUES);
            for (size_t q = 0; q < nn; q++)
                if (next[q].off == 0)
                    return false;
            /* "are unemployed and aged 18-24": an age is part of the
             * same requirement, not another route. */
            const char *w = orig + end + l;
            /* "Unemployed, you can be receiving benefits or not": a
             * clause of its own follows, not a second condition. */
            if (!strncasecmp(w, "you ", 4) || !strncasecmp(w, "we ", 3))
                return false;
            for (size_t a = 0; a < sizeof age / sizeof age[0]; a++)
                if (!strncasecmp(w, age[a], strlen(age[a])))
                    return false;
            return !isdigit((unsigned char)*w);
        }
        return false;
    }
    /* "Universal Credit and not working": a benefit and the status that
     * ends the item ("are over 18 and out of work" stays a rule). */
    if (end != n || h->off < 5 || strncasecmp(orig + h->off - 5, " and ", 5))
        return false;
    for (size_t b = 0; b + 5 < h->off;) {
        while (b < h->off && !isalpha((unsigned char)orig[b]))
            b++;
        size_t e = b;
        char w[24];
        while (e < h->off && (isalpha((unsigned char)orig[e]) || orig[e] == '-'))
            e++;
        if (e - b < sizeof w) {
            for (size_t q = b; q < e; q++)
                w[q - b] = (char)tolower((unsigned char)orig[q]);
            w[e - b] = '\0';
            if (status_other_route(w, e - b))
                return true;
        }
        b = e;
    }
    return false;
}

/* Does status hit i of orig name no status of whom the service takes: a
 * service ("in-work support"), a benefit ("in-work benefits", "Working
 * Families Tax Credit", "Income Based Jobseekers Allowance"), a goal of
 * the help (in_work_goal, setting *goal_both), working together, a
 * softened or listed alternative, or one route of a list? */
static bool hit_names_no_status(const ctx *c, const char *orig, const char *low,
                                const vocab_hit *hits, size_t nh, size_t i, bool *goal_both)
{
    /* "in-work support" and "in work progression" name a service, not
     * who may use it. */
    const char *after = orig + hits[i].off + hits[i].len;
    if (!strcmp(hits[i].slug, "in-work") &&
        (!strncmp(after, " support", 8) || !strncmp(after, " progression", 12)))
        return true;
    /* "in-work benefits", "out of work benefits", "Working Families
     * Tax Credit", "(not Working Tax Credit)" name benefits. */
    if (!strncasecmp(after, " benefit", 8) || !strncasecmp(after, " tax credit", 11))
        return true;
    /* "not in work" is the unemployed keyword's, not in-work's. */
    if (!strcmp(hits[i].slug, "in-work") && hits[i].off >= 4 &&
        !strncasecmp(orig + hits[i].off - 4, "not ", 4))
        return true;
    if (!strcmp(hits[i].slug, "in-work") && in_work_goal(orig, low, &hits[i], goal_both))
        return true;
    if (!strcmp(hits[i].slug, "in-work") && hits[i].len >= 7 &&
        !strncasecmp(after - 7, "working", 7) && working_together(after))
        return true;
    if (softened_at(low, c->o2l ? c->o2l[hits[i].off] : 0) && !has(P_ST_ANY, low))
        return true;
    /* One kind of people in a list of others ("homeless people, long
     * term unemployed people and people with mental health problems"):
     * an alternative, no rule of its own. */
    if (c->o2l && !has(P_STRONG, low) && listed_item(low, c->o2l[hits[i].off]) &&
        !item_target(low, c->o2l[hits[i].off]))
        return true;
    if (!strcmp(hits[i].slug, "inactive") && strstr(low, "physically inactive"))
        return true;
    if (!has(P_STRONG, low) && status_route_item(c, orig, hits, nh, i))
        return true;
    /* "Income Based Jobseekers Allowance" names a benefit, not a status. */
    if (!strncasecmp(after, " allowance", 10) || !strncasecmp(after, "' allowance", 11) ||
        !strncasecmp(after, "\xe2\x80\x99 allowance", 13))
        return true;
    return false;
}

void el_status_sentence(ctx *c, const char *orig, const char *low, const char *field,
                        double conf)
{
    /* Most sentences name no status at all: look for one (or a phrase
     * admitting any) before the costlier checks of why a named one would
     * be no rule. */
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "status", orig, hits, EL_MAX_VALUES);
    bool any = has(P_ST_ANY, low);
    if (!nh && !any && !goal_pair(low))
        return;
    if (statistic(low) || status_talk(low) || status_either_or(low) || status_of_benefit(low))
        return;
    if (any) {
        el_add_rule(c, "employment_status", "any", NULL, 0, field, orig, conf);
        return;
    }
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const char *neg[EL_MAX_VALUES];
    size_t nn = 0;
    const vocab_trigger *why = NULL;
    bool governed = false, goal_both = false;
    /* "not in education, employment or training" names the NEET group
     * (enrich.c tags it), not a status to exclude. */
    bool neet = strstr(low, "education, employment") || strstr(low, "employment, education") ||
                strstr(low, "education or training") || strstr(low, "employment or training");
    for (size_t i = 0; i < nh; i++) {
        if (hit_names_no_status(c, orig, low, hits, nh, i, &goal_both))
            continue;
        /* A college's "students" is no status; "open to students in
         * full-time education" sets one, and so does a negated full-time
         * education ("Anyone aged 16 or over and not in full-time
         * education" excludes). */
        const vocab_trigger *t = el_scope_orig(c, hits[i].off, ESC_DROP);
        if (!strcmp(hits[i].slug, "in-education") && !has(P_REQ, low) &&
            (t || !el_scope_orig(c, hits[i].off, ESC_NEG) || !strstr(hits[i].keyword, "full")))
            continue;
        if (!t && (t = el_scope_orig(c, hits[i].off, ESC_NEG)) != NULL) {
            if (!(neet && !strcmp(hits[i].slug, "in-education")))
                neg[nn++] = hits[i].slug;
        }
        if (t) {
            why = why ? why : t;
            continue;
        }
        el_anchor(c, "employment_status", c->o2l ? c->o2l[hits[i].off] : 0);
        governed = governed || hit_governed(c, low, &hits[i]);
        vals[nv++] = hits[i].slug;
    }
    /* "not working and not looking for work" is inactive, not unemployed. */
    if (nv == 2 && strstr(low, "not looking") &&
        ((!strcmp(vals[0], "unemployed") && !strcmp(vals[1], "inactive")) ||
         (!strcmp(vals[1], "unemployed") && !strcmp(vals[0], "inactive")))) {
        vals[0] = "inactive";
        nv = 1;
    }
    if (goal_both && !nn) {
        el_set_trigger(c, el_add_rule(c, "employment_status", "any", NULL, 0, field, orig, conf),
                       why);
        return;
    }
    const char *op = has(P_ST_NOT, low) ? "not_in" : "in";
    if (!nv && nn) {
        /* "Not for people already working 16 hours or more". */
        memcpy(vals, neg, nn * sizeof *neg);
        nv = nn;
        op = "not_in";
    }
    if (!nv && goal_pair(low)) {
        el_set_trigger(c, el_add_rule(c, "employment_status", "any", NULL, 0, field, orig, conf),
                       why);
        return;
    }
    if (!nv)
        return;
    /* "for people in work and for those seeking employment": a status
     * named with its opposite admits any. */
    bool in_work = false, out_of_work = false;
    for (size_t i = 0; i < nv; i++) {
        in_work = in_work || !strcmp(vals[i], "in-work");
        out_of_work = out_of_work || !strcmp(vals[i], "unemployed");
    }
    if (in_work && out_of_work && !strcmp(op, "in")) {
        el_set_trigger(c, el_add_rule(c, "employment_status", "any", NULL, 0, field, orig, conf),
                       why);
        return;
    }
    /* "Aimed at unemployed people" targets; "you must be unemployed" rules;
     * "unemployed people must bring ID" asks for ID, not for a status (a
     * turned-round "not_in" has its own trigger to resolve it). */
    bool strong = has(P_STRONG, low) && (governed || !strcmp(op, "not_in"));
    rec_rule *u = el_add_rule(c, "employment_status", op, vals, nv, field, orig,
                           strong ? conf : (conf < 0.7 ? conf : 0.7));
    el_set_trigger(c, u, why);
}

/* ------------------------------------------------------------ months */

/* Is the phrase at off one item of a list of kinds of people ("homeless
 * people, long term unemployed people and people with mental health
 * problems", "disabled people, people with long term health conditions,
 * and people who have been out of work for more than two years")?  A comma
 * before it and another in the clause around it, and the list goes on
 * after it (a comma, "and", "or") or it is the last item ("..., and
 * people who ...").  Each item is an alternative: no rule of its own. */
static bool listed_item(const char *low, size_t off)
{
    size_t n = strlen(low), lo = off > 120 ? off - 120 : 0, hi = off + 120 < n ? off + 120 : n;
    size_t comma = 0; /* just past the last comma before off */
    int all = 0;
    for (size_t i = off; i > lo; i--) {
        char ch = low[i - 1];
        if (ch == '.' || ch == ';' || ch == ':')
            break;
        if (ch == ',') {
            if (!comma)
                comma = i;
            all++;
        }
    }
    bool goes_on = false;
    for (size_t i = off; i < hi; i++) {
        char ch = low[i];
        if (ch == '.' || ch == ';' || ch == ':')
            break;
        if (ch == ',' || !strncmp(low + i, " and ", 5) || !strncmp(low + i, " or ", 4)) {
            goes_on = true;
            all += ch == ',';
        }
    }
    if (!comma || all < 2)
        return false;
    const char *seg = low + comma;
    while (*seg == ' ')
        seg++;
    return goes_on || !strncmp(seg, "and ", 4) || !strncmp(seg, "or ", 3);
}

void el_months_sentence(ctx *c, const char *orig, const char *low, const char *field,
                        double conf)
{
    elig_span m[12];
    int n = -1;
    const char *unit = NULL;
    if (has(P_MONTHS_ANY, low)) {
        el_add_rule(c, "months_unemployed", "any", NULL, 0, field, orig, conf);
        return;
    }
    if (match(P_MONTHS1, low, m)) {
        n = grp_num(low, m, 3);
        unit = low + m[4].so;
    } else if (match(P_MONTHS2, low, m)) {
        n = grp_num(low, m, 2);
        unit = low + m[3].so;
    }
    if ((n > 0 && unit) || has(P_LTU, low)) {
        /* Time out of work of staff or past clients, or in history. */
        size_t off = n > 0 && unit ? (size_t)m[0].so : 0;
        if (!(n > 0 && unit)) {
            const char *l = strstr(low, "long");
            off = l ? (size_t)(l - low) : 0;
        }
        if (el_scope_low(c, off, ESC_DROP) || listed_item(low, off))
            return;
        el_anchor(c, "months_unemployed", off);
    }
    if (n > 0 && unit) {
        double months = n;
        if (!strncmp(unit, "week", 4))
            months = round(n * 12.0 / 52.0);
        else if (!strncmp(unit, "year", 4))
            months = n * 12.0;
        if (months < 1 || months > 120)
            return;
        rec_rule *u = el_add_rule(c, "months_unemployed", "min", NULL, 0, field, orig, conf);
        if (u) {
            u->lo = months;
            u->has_lo = true;
        }
        return;
    }
    if (has(P_LTU, low)) {
        /* "long-term unemployed" means 12 months by convention, not by the
         * service's own word: failing it is "check". */
        rec_rule *u = el_add_rule(c, "months_unemployed", "min", NULL, 0, field, orig,
                               conf < 0.6 ? conf : 0.6);
        if (u) {
            u->lo = 12;
            u->has_lo = true;
        }
    }
}

/* ------------------------------------------------------------ right to work */

/* Does the sentence take people with insecure status in (a service open
 * to them asks for no right to work: "Residents with no recourse to public
 * funds are eligible to apply too", "... are welcome", "NRPF visa
 * conditions do NOT affect this")?  A bare mention ("No recourse to public
 * funds (NRPF) refers to people who ...", "Your passport will be stamped
 * ...", "Free classes are nearly impossible to find, especially for people
 * with NRPF") defines or describes and admits no one. */
static bool rtw_admits(const char *low, size_t at)
{
    /* "or if homeless or with no recourse to public funds, have links to
     * the borough", "on low income and NRPF": one route of alternatives. */
    size_t from = at;
    while (from > 0 && !strchr(".;:(", low[from - 1]))
        from--;
    for (const char *x = low + from; x < low + at; x++)
        if ((x == low || !isalpha((unsigned char)x[-1])) && (!strncmp(x, "or ", 3) || !strncmp(x, "if ", 3)))
            return false;
    static const char *const w[] = {"eligib", "welcome", "can apply", "apply too", "open to",
                                    "aimed at", "targeted at", "designed for", "dedicated to",
                                    "specifically for",
                                    "available to", "can use", "can access", "can join",
                                    "accept", "not affect", "n't affect", "regardless",
                                    "whatever", "no matter"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strstr(low, w[i]))
            return true;
    return false;
}

/* Is the right to work at offset at of low something other than a
 * condition on the client: a document asked for ("all you need is your
 * National Insurance number", "you must provide your NI Number"), an
 * employer's check ("check the right to work of every person before we
 * can employ them", "pass your right to work assessment", "prove your
 * right to work by using ..."), or what one applies for ("to be considered
 * for permission to work", "get permission to work if ...")? */
static bool rtw_not_condition(const char *low, size_t at)
{
    /* "your National Insurance number", "must provide your NI Number": a
     * document to bring ("You must have a National Insurance number" is a
     * condition) */
    if ((!strncmp(low + at, "national insurance", 18) || !strncmp(low + at, "ni number", 9)) &&
        ((at >= 5 && !strncmp(low + at - 5, "your ", 5)) || strstr(low, "provide") ||
         strstr(low, "in order to work")))
        return true;
    static const char *const other[] = {"check the right to work", "right to work check",
                                        "right to work assessment", "before we can employ",
                                        "prove your right to work by"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (strstr(low, other[i]))
            return true;
    static const char *const goal[] = {"considered for ", "get ", "apply for ", "applying for ",
                                       "granted ", "obtain ", "become "};
    for (size_t i = 0; i < sizeof goal / sizeof goal[0]; i++) {
        size_t l = strlen(goal[i]);
        if (at >= l && !strncmp(low + at - l, goal[i], l))
            return true;
    }
    return false;
}

/* Does the sentence open with the right to work as a condition of its own,
 * as an item of a list of requirements does ("Eligible to work in
 * England", "have the right to work in the UK", "not be subject to
 * immigration control", "Be a UK national or have settled status")? */
static bool rtw_item(const char *low)
{
    static const char *const open[] = {"have the right", "have the legal right",
                                       "be eligible to work", "eligible to work",
                                       "right to work", "legally", "not be subject",
                                       "be legally"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (!strncmp(low, open[i], strlen(open[i])))
            return true;
    return false;
}

void el_rtw_sentence(ctx *c, const char *orig, const char *low, const char *field,
                     double conf)
{
    elig_span m[12];
    bool named = match(P_RTW, low, m);
    const char *nrpf = named ? NULL : strstr(low, "nrpf");
    if (!named && !nrpf)
        return;
    /* Staff, or applicants for a job: not a condition on clients. */
    size_t off = named ? (size_t)m[0].so : (size_t)(nrpf - low);
    if (el_scope_low(c, off, ESC_DROP))
        return;
    if (named && rtw_not_condition(low, off))
        return;
    el_anchor(c, "right_to_work", off);
    if (has(P_RTW_EXCL, low)) {
        const char *vals[] = {"right-to-work"};
        el_add_rule(c, "right_to_work", "in", vals, 1, field, orig, conf);
        return;
    }
    /* "Applicants without indefinite leave to remain ... must be able to
     * raise a mortgage": whom another duty is for. */
    if (named && off >= 8 && !strncmp(low + off - 8, "without ", 8) && !has(P_RTW_NONE, low))
        return;
    /* A service that takes people with insecure status asks for no right
     * to work (a refusal was caught just above). */
    if (has(P_RTW_NONE, low) ||
        ((strstr(low, "no recourse") || strstr(low, "nrpf") || strstr(low, "insecure immigration") ||
          strstr(low, "undocumented")) &&
         rtw_admits(low, off))) {
        el_add_rule(c, "right_to_work", "none", NULL, 0, field, orig, conf);
        return;
    }
    if (strstr(low, "no recourse") || strstr(low, "nrpf"))
        return;
    /* A requirement only when the sentence asks for something ("must have
     * the right to work", "If you ... have the right to work in the UK, you
     * are eligible"), makes it a condition of access or a refusal ("With
     * settled status you are able to use the NHS", "your status excludes
     * you from receiving public funds"), or is an item that states it;
     * "advice on right to work" is a service. */
    const char *elig = strstr(low, "eligib");
    if (elig && elig == low + off) /* "eligible to work" is the right itself */
        elig = strstr(elig + 1, "eligib");
    if (!has(P_REQ, low) && !strstr(low, "need") && !strstr(low, "require") &&
        !strstr(low, "proof") && !strstr(low, "evidence of") && !elig &&
        !strstr(low, "subject to") && !strstr(low, "exclud") && !strstr(low, "not be able to") &&
        !strstr(low, "can access") && !strstr(low, "able to use") && !rtw_item(low))
        return;
    const char *vals[] = {"right-to-work"};
    el_add_rule(c, "right_to_work", "in", vals, 1, field, orig, conf);
}

/* ------------------------------------------------------------ groups */

/* The word after a hit (letters and apostrophes), copied lower-cased into
 * w; *cap: it starts with a capital. */
static void next_word(const char *orig, const vocab_hit *h, char *w, size_t wn, bool *cap)
{
    const char *p = orig + h->off + h->len;
    while (*p == ' ')
        p++;
    *cap = isupper((unsigned char)*p);
    size_t n = 0;
    while (n + 1 < wn && (isalpha((unsigned char)*p) || *p == '\'' || *p == '-'))
        w[n++] = (char)tolower((unsigned char)*p++);
    w[n] = '\0';
}

/* Is the group the subject the sentence opens with, saying something
 * other than what its members may use ("Care leavers face a range of
 * challenges", "A carer is someone who provides unpaid care", "The Carer
 * may be helping with:")?  Then it states no one's eligibility.  A subject
 * followed by a word of access ("Carers can ...", "Refugees, including
 * ..., can now apply", "Carers are entitled to") still may. */
static bool group_condition_word(const char *orig, const vocab_hit *h);

static bool group_subject_only(const char *orig, const vocab_hit *h)
{
    static const char *const lead[] = {"a", "an", "the", "young", "unpaid", "adult", "adults",
                                       "all", "our", "most", "many", "some", NULL};
    static const char *const access[] = {
        "can", "could", "may", "might", "must", "should", "will", "would", "qualify",
        "qualifies", "get", "receive", "only", "need", "needing", "who", "with", "aged",
        "living", "looking", "wanting", "seeking", "and", "or", "of", "in", "from", "over",
        "under", "between", "at", "on", NULL};
    static const char *const be[] = {"is", "are", NULL};
    static const char *const be_ok[] = {"entitled", "eligible", "welcome", "invited", "able",
                                        "encouraged", "also", "all", "currently", "for",
                                        "guaranteed", "offered", "given", NULL};
    /* Only determiners and the group's own adjectives before it. */
    const char *p = orig;
    while (p < orig + h->off) {
        while (*p == ' ' || *p == '-' || *p == '*')
            p++;
        if (p >= orig + h->off)
            break;
        char w[32];
        size_t n = 0;
        while (n + 1 < sizeof w && isalpha((unsigned char)p[n]))
            n++;
        if (!n || n + 1 >= sizeof w)
            return false;
        for (size_t i = 0; i < n; i++)
            w[i] = (char)tolower((unsigned char)p[i]);
        w[n] = '\0';
        if (!word_in(w, lead))
            return false;
        p += n;
    }
    /* The verb after it, past one noun of a name ("ESOL classes are for
     * adults"): a word of access keeps it, "is/are" keeps it when what
     * follows is ("are entitled", "are for"). */
    char w[32];
    bool cap;
    vocab_hit at = *h;
    /* A condition that opens the sentence and "can" or "may" do
     * something ("Domestic abuse can affect people of any age", "Caring
     * responsibilities can have a big impact") is said of, not to,
     * anyone. */
    static const char *const modal[] = {"can", "could", "may", "might", "will", "would", NULL};
    bool condition = group_condition_word(orig, h);
    for (int noun = 0; noun < 2; noun++) {
        next_word(orig, &at, w, sizeof w, &cap);
        if (!*w || (word_in(w, access) && !(condition && word_in(w, modal))))
            return false;
        /* "Care leavers attending college are eligible": a participle
         * says which of them; what follows may give access. */
        size_t wl = strlen(w);
        if (noun == 0 && wl > 5 && !strcmp(w + wl - 3, "ing"))
            return false;
        /* Past this word to the next one. */
        const char *q = orig + at.off + at.len;
        while (*q == ' ')
            q++;
        while (isalpha((unsigned char)*q) || *q == '\'' || *q == '-')
            q++;
        at.off = (size_t)(q - orig);
        at.len = 0;
        if (word_in(w, be)) {
            next_word(orig, &at, w, sizeof w, &cap);
            return !word_in(w, be_ok);
        }
    }
    return true;
}

/* Is a group word part of the name of a service or of a thing rather than
 * people ("ESOL classes", "disability cars", "co-funded ESOL", "the
 * Refugee Council", "refugee status", "an asylum case", a web address)?
 * Then it may require nobody to be in the group. */
static bool group_in_name(const char *orig, const vocab_hit *h)
{
    static const char *const people[] = {
        "people", "person", "persons", "adults", "adult", "children", "families", "parents",
        "residents", "learners", "learner", "students", "student", "speakers", "needs",
        "clients", "participants", "users", "women", "men", "young", "claimants", NULL};
    static const char *const things[] = {
        "class", "classes", "course", "courses", "provision", "lessons", "handbook", "car",
        "cars", "toilet", "equipment", "staff", "employees", "workforce", "teachers",
        "tutors", "awareness", "rights", "campaign", "sector", "team", "teams", "scheme",
        "schemes", "grant", "grants", "factsheet", "provider", "providers", "organisation",
        "organisations", "event", "events", "page", "website", "adviser", "advisers",
        "advisor", "advisors", "element", "programme", "programmes", "access", "facilities",
        "parking", "toilets", "badge", "badges", "employment", "gap", "living", "application",
        "applications", "worker", "workers", "population", "prevention", "reduction",
        /* a legal status or process, not the people in it ("refugee
         * status", "an asylum case", "the asylum process") */
        "status", "case", "cases", "claim", "claims", "process", "appeal", "appeals",
        "decision", "decisions", "interview", "interviews",
        /* what the people do or where they were ("carer tasks", "refugee
         * camps") */
        "task", "tasks", "duties", "camp", "camps", NULL};
    static const char *const course[] = {"co-funded", "funded", "fully-funded", "free",
                                         "accredited", "mainstream", NULL};
    char w[32];
    bool cap;
    next_word(orig, h, w, sizeof w, &cap);
    if (word_in(w, things))
        return true;
    if (word_in(w, people))
        return false;
    /* A name in capitals ("the Refugee Council", "Young Carers Project"),
     * not a heading ("Care Leavers Only"). */
    if (cap && isupper((unsigned char)orig[h->off]) && strcmp(w, "only"))
        return true;
    /* ESOL is also a kind of course ("eligible for co-funded ESOL"). */
    if (h->keyword && !strcmp(h->keyword, "ESOL")) {
        char prev[32];
        size_t e = h->off, b;
        while (e > 0 && orig[e - 1] == ' ')
            e--;
        for (b = e; b > 0 && orig[b - 1] != ' ';)
            b--;
        size_t n = e - b < sizeof prev - 1 ? e - b : sizeof prev - 1;
        for (size_t i = 0; i < n; i++)
            prev[i] = (char)tolower((unsigned char)orig[b + i]);
        prev[n] = '\0';
        if (word_in(prev, course))
            return true;
    }
    /* Inside a web address ("gov.uk/transport-disabled"). */
    size_t k = h->off;
    while (k > 0 && orig[k - 1] != ' ')
        k--;
    return memchr(orig + k, '/', h->off - k) || !strncmp(orig + k, "www.", 4);
}

/* Does the name or thing that group hit h opens say whom it is for: a
 * service named after its clients ("the Young Carers Service", "a Pan
 * Disability Football Club": one more capitalised word at most before
 * "Service", "Club" or "Project"), or a thing "for" people ("ESOL courses
 * for those who speak little English")? */
static bool group_name_of_clients(const char *orig, const vocab_hit *h)
{
    static const char *const service[] = {"service", "services", "club", "project", NULL};
    static const char *const whom[] = {"those", "people", "adults", "anyone", "learners",
                                       "children", "young", "residents", "women", "men", NULL};
    /* The three words after the hit, lower-cased, and whether each is
     * capitalised. */
    char w[3][32];
    bool cap[3];
    vocab_hit at = *h;
    for (int k = 0; k < 3; k++) {
        next_word(orig, &at, w[k], sizeof w[k], &cap[k]);
        const char *p = orig + at.off + at.len;
        while (*p == ' ')
            p++;
        at.off = (size_t)(p - orig);
        at.len = strlen(w[k]);
    }
    if (cap[0] && word_in(w[0], service))
        return true;
    if (cap[0] && cap[1] && word_in(w[1], service))
        return true;
    return *w[0] && !strcmp(w[1], "for") && word_in(w[2], whom);
}

/* Is group hit h the subject of a definition by whom ("A young carer is
 * someone ...", "Young carers are children and young people ...")? */
static bool group_defined(const char *orig, const vocab_hit *h)
{
    static const char *const be[] = {"is", "are", NULL};
    static const char *const whom[] = {"someone", "anyone", "children", "people", "young",
                                       "individuals", "those", NULL};
    char w[32];
    bool cap;
    vocab_hit at = *h;
    next_word(orig, &at, w, sizeof w, &cap);
    if (!word_in(w, be))
        return false;
    const char *p = orig + at.off + at.len;
    while (*p == ' ')
        p++;
    at.off = (size_t)(p - orig);
    at.len = strlen(w);
    next_word(orig, &at, w, sizeof w, &cap);
    return word_in(w, whom);
}

/* Is group hit h someone else's than the client's: the person a carer
 * looks after ("A carer is anyone who cares for a friend or family member
 * who due to illness, disability or addiction ...", "Carer's Allowance is
 * payable to carers looking after a sick or disabled individual"), or the
 * client's child ("£4,000 if your child is disabled")?  A word of caring
 * or "your child" before it in its clause.  The carers group itself is
 * the client's. */
static bool group_of_cared_for(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const whose[] = {"look after ", "looks after ", "looking after ",
                                        "you care for ", "who care for ", "to care for ",
                                        "unpaid care for ", "cares for ", "caring for ",
                                        "cared for ",
                                        "carer of ", "carers of ", "care to ", "your child",
                                        "provide unpaid", "provides unpaid", "unpaid help",
                                        "unpaid care", "cares, unpaid", "care, unpaid",
                                        "manage without", "cope without", "could be due to",
                                        "their child", "a disabled child", "child has ",
                                        "child is "};
    if (!c->o2l || !strcmp(h->slug, "carers"))
        return false;
    return said_before(low, c->o2l[h->off], ";:.", whose, sizeof whose / sizeof whose[0]);
}

/* Is carers hit h one who cares for a living or in a child's placement
 * ("a professional carer", "foster carers", "paid carers"), not an unpaid
 * carer? */
static bool carer_by_trade(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const trade[] = {"professional", "foster", "paid", "agency",
                                        "care-home", "homecare", NULL};
    if (!c->o2l || strcmp(h->slug, "carers"))
        return false;
    char w[32];
    size_t from;
    word_before(low, c->o2l[h->off], w, sizeof w, &from);
    return word_in(w, trade);
}

/* Is carers hit h a child's parent figure ("parents and carers", "parent
 * or carer", "parents/carers", "parent, guardian or carer", "carers and
 * grandparents", "a baby, toddler and carer group"), not an unpaid carer
 * ("parent carers" are)?  A parent or child word joined to it by "and",
 * "or", "," or "/". */
static bool carer_of_child(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const parent[] = {"parent", "parents", "guardian", "guardians",
                                         "grandparent", "grandparents", "step-parents",
                                         "step-parent", "baby", "babies", "toddler",
                                         "toddlers", NULL};
    static const char *const join[] = {"and", "or", NULL};
    if (!c->o2l || strcmp(h->slug, "carers"))
        return false;
    size_t at = c->o2l[h->off], e = c->o2l[h->off + h->len];
    /* Before it: "parents and", "parent or", "parents/", "guardian, ". */
    char w[32];
    size_t from = at;
    bool joined = at > 0 && low[at - 1] == '/';
    word_before(low, from, w, sizeof w, &from);
    if (word_in(w, join)) {
        joined = true;
        word_before(low, from, w, sizeof w, &from);
    } else if (at > 0 && (low[at - 1] == ',' || (at > 1 && low[at - 2] == ','))) {
        joined = true;
    }
    /* "a two parent or carer family" stays the family's (a check). */
    const char *p = low + e;
    while (*p == ' ')
        p++;
    if (!strncmp(p, "famil", 5))
        return false;
    if (joined && word_in(w, parent))
        return true;
    /* After it: "carers and parents", "carer/parent". */
    p = low + e;
    joined = *p == '/' || *p == ',';
    while (*p == ' ' || *p == '/' || *p == ',')
        p++;
    size_t n = 0;
    while (n + 1 < sizeof w && (isalpha((unsigned char)p[n]) || p[n] == '-')) {
        w[n] = p[n];
        n++;
    }
    w[n] = '\0';
    if (word_in(w, join)) {
        joined = true;
        p += n;
        while (*p == ' ')
            p++;
        for (n = 0; n + 1 < sizeof w && (isalpha((unsigned char)p[n]) || p[n] == '-'); n++)
            w[n] = p[n];
        w[n] = '\0';
    }
    return joined && word_in(w, parent);
}

/* The word of low that ends at or before e (past spaces and the marks of
 * a list: ",", "/", "(", ")", "&", quotes), lower-cased into w, its
 * start in *b; *paren: a "(" or ")" lies between it and e.  False at the
 * start of the text or of a clause (".", ";", ":", "!", "?"), with *b
 * there. */
static bool frame_word(const char *low, size_t e, char *w, size_t wn, size_t *b, bool *paren)
{
    *paren = false;
    while (e > 0 && strchr(" ,/\"*()&+'", low[e - 1])) {
        if (low[e - 1] == '(' || low[e - 1] == ')')
            *paren = true;
        e--;
    }
    *b = e;
    if (e == 0 || !(isalnum((unsigned char)low[e - 1]) || low[e - 1] == '-'))
        return false;
    size_t s = e;
    while (s > 0 && (isalnum((unsigned char)low[s - 1]) || low[s - 1] == '\'' ||
                     low[s - 1] == '-' || (low[s - 1] == ',' && s > 1 &&
                                           isdigit((unsigned char)low[s - 2]) &&
                                           isdigit((unsigned char)low[s]))))
        s--;
    size_t n = e - s < wn - 1 ? e - s : wn - 1;
    memcpy(w, low + s, n);
    w[n] = '\0';
    *b = s;
    return true;
}

/* Does the mention of a group at h stand in an audience frame: whom the
 * service is for, serves or admits ("for carers", "supports disabled
 * people", "open to those who are homeless", "help young people with
 * SEND", "if you are a carer", "your disability", "as a care leaver")?
 * Walking back from the group over the words of a people phrase ("people
 * who are at risk of", "adults with", "young Londoners experiencing") to
 * the word that frames it; a group that opens the sentence or a clause
 * (an item, "have a mental health condition", or a subject, "Carers can
 * ...": group_subject_only decides) stands in one too.  Not framed: a
 * group only named ("projects around homelessness", "to prevent
 * homelessness"), counted ("supports over 40,000 young Londoners", "placed
 * 2 refugees": a statistic), described among others ("long-term
 * unemployed people, many with disabilities") or the condition of an age
 * extension ("(up to 25 with SEND)", "(or age 25 for people with a
 * disability)": guideline 6 folds none in). */
enum { FR_NO, FR_YES, FR_OPENS };

/* One word of orig from offset i (letters, digits, "-", "'"),
 * lower-cased into w; the offset after it. */
static size_t orig_word(const char *orig, size_t i, char *w, size_t wn)
{
    size_t n = 0;
    while (orig[i] && (isalnum((unsigned char)orig[i]) || orig[i] == '-' || orig[i] == '\'')) {
        if (n + 1 < wn)
            w[n++] = (char)tolower((unsigned char)orig[i]);
        i++;
    }
    w[n] = '\0';
    return i;
}

/* Does group hit h name a condition or a thing ("disability",
 * "homelessness", "ESOL", "a mental health condition", "no recourse to
 * public funds") rather than people ("carers", "homeless", "ESOL
 * learners", "caring for someone", "improve their English")?  Its last
 * word is a condition's, and neither its first word nor the word after it
 * says who. */
static bool group_condition_word(const char *orig, const vocab_hit *h)
{
    static const char *const cond[] = {
        "disability", "disabilities", "condition", "conditions", "illness", "homelessness",
        "asylum", "abuse", "violence", "addiction", "misuse", "alcohol", "dementia", "autism",
        "adhd", "dyslexia", "dyspraxia", "esol", "funds", "nrpf", "status", "income", "pay",
        "responsibilities", "needs", "send", "ehcp", "plan", "record", "records", "conviction",
        "convictions", "unemployment", "loss", "impairment", "problem", "problems",
        "neurodiversity", "languages", "system", "service", "accommodation", NULL};
    static const char *const who[] = {
        "people", "person", "persons", "adults", "adult", "children", "learners", "learner",
        "students", "student", "speakers", "users", "clients", "residents", "families",
        "women", "men", "individuals", "community", "communities", "young", "parents",
        "carers", "victims", "survivors", "sufferers", NULL};
    char w[32], last[32] = "";
    size_t i = h->off, e = h->off + h->len;
    i = orig_word(orig, i, w, sizeof w);
    if (word_in(w, who))
        return false;
    while (i < e) {
        while (i < e && !isalnum((unsigned char)orig[i]))
            i++;
        if (i < e)
            i = orig_word(orig, i, last, sizeof last);
    }
    if (!*last)
        snprintf(last, sizeof last, "%s", w);
    if (!word_in(last, cond))
        return false;
    while (orig[i] == ' ')
        i++;
    orig_word(orig, i, w, sizeof w);
    return !word_in(w, who);
}

static int group_framed(const ctx *c, const char *orig, const char *low, const vocab_hit *h)
{
    static const char *const frame[] = {
        "for", "to", "towards", "toward", "as", "if", "when", "whether", "you", "you're",
        "youre", "your", "yourself", "they're", "support", "supports", "supporting", "help",
        "helps", "helping", "serve", "serves", "serving", "assist", "assists", "assisting",
        "enable", "enables", "enabling", "empower", "empowers", "equip", "target", "targets",
        "targeting", "aimed", "designed", "dedicated", "refer", "accept", "accepts", "admit",
        "admits", "must", "eligible", "qualify", "entitled", "work", "works",
        "working", NULL};
    static const char *const pass[] = {
        "a", "an", "the", "any", "all", "those", "these", "our", "other", "people", "persons",
        "person", "individuals", "individual", "adults", "adult", "anyone", "anybody",
        "someone", "somebody", "children", "child", "young", "residents", "resident",
        "customers", "customer", "clients", "client", "users", "learners", "learner",
        "students", "student", "families", "family", "members", "member", "community",
        "communities", "men", "women", "claimants", "londoners", "jobseekers", "parents",
        "parent", "participants", "patients", "need", "needs", "unemployed", "employed",
        "jobless", "inactive", "economically", "and", "or", "nor", "who", "whom", "are", "is",
        "be", "being", "been", "become", "becoming", "have", "has", "having", "had", "with",
        "currently", "already", "recently", "potentially", "previously", "formerly", "now",
        "still", "also", "either", "at", "risk", "of", "experiencing", "facing", "affected",
        "impacted", "by", "living", "suffering", "from", "diagnosed", "due", "because",
        "threatened", "likely", "might", "long", "term", "long-term", "severe", "mild",
        "complex", "enduring", "unpaid", "older", "single", "vulnerable", "local", "aged",
        "over", "under", "between", "years", "year", "old", "olds", "plus", "sick",
        "physically", "mentally", "their", NULL};
    /* Words of the phrase that only qualify the group ("a", "severe"):
     * a condition ("disability") framed past these alone is a thing
     * ("support for mental health conditions", "to prevent
     * homelessness"), not people. */
    static const char *const bare[] = {"a", "an", "the", "any", "all", "these", "our", "of",
                                       "other", "long", "term", "long-term", "severe", "mild",
                                       "complex", "enduring", "local", "and", "or", NULL};
    /* Frames that need people ("for", "support"), unlike "if", "you",
     * "must". */
    static const char *const needs_people[] = {"if", "when", "whether", "you", "you're",
                                               "youre", "your", "yourself", "they're", "must",
                                               "eligible", "qualify", "entitled", NULL};
    /* Words that make a phrase that opens the sentence an item ("have a
     * disability", "Currently homeless"), not a subject. */
    static const char *const pred[] = {
        "have", "has", "having", "had", "are", "is", "be", "being", "been", "become",
        "becoming", "experiencing", "facing", "affected", "impacted", "living", "suffering",
        "diagnosed", "threatened", "currently", "recently", "previously", "formerly",
        "already", "still", "likely", "risk", NULL};
    /* Words that judge how hard or good something is for someone. */
    static const char *const judged[] = {"hard", "harder", "difficult", "challenging", "easier",
                                         "tough", "impossible", "successful", "effective",
                                         "invaluable", "beneficial", "common", NULL};
    /* Words that make a condition the topic, not anyone's. */
    static const char *const topic[] = {
        "prevent", "preventing", "prevention", "end", "ending", "tackle", "tackling",
        "around", "about", "on", "reduce", "reducing", "report", "reporting", "into", "out",
        "awareness", "against", "regarding", "relating", "combat", "combating", "combatting",
        NULL};
    /* The words a count of people goes with ("40,000 young Londoners"). */
    static const char *const counted[] = {
        "people", "persons", "adults", "individuals", "children", "young", "residents",
        "londoners", "families", "women", "men", "learners", "students", "clients",
        "participants", "", NULL};
    static const char *const count[] = {"two", "three", "four", "five", "six", "seven",
                                        "eight", "nine", "ten", "dozens", "hundreds",
                                        "thousands", "millions", NULL};
    if (!c->o2l)
        return FR_YES;
    size_t at = c->o2l[h->off];
    int unknown = 0;
    bool person = !group_condition_word(orig, h), linked = false, predicate = false;
    char nearer[32] = ""; /* the word walked before this one, nearer the group */
    for (int k = 0; k < 16; k++) {
        char w[32];
        size_t b;
        bool paren;
        if (!frame_word(low, at, w, sizeof w, &b, &paren)) {
            if (b == 0 || strchr(":;", low[b - 1])) /* the sentence's or a clause's */
                return predicate ? FR_YES : FR_OPENS;
            return FR_YES;
        }
        at = b;
        bool num = isdigit((unsigned char)w[0]) || word_in(w, count);
        /* "40,000 young Londoners", "2 refugees": a count; not a year
         * ("in 2015 carers") nor a capacity ("for up to 150 people"). */
        if (num && !unknown && word_in(nearer, counted) &&
            (isdigit((unsigned char)w[strlen(w) - 1]) || word_in(w, count)) &&
            !(strlen(w) == 4 && (w[0] == '1' || w[0] == '2'))) {
            char p[32];
            size_t pb;
            bool pparen;
            if (!frame_word(low, b, p, sizeof p, &pb, &pparen) || strcmp(p, "to") ||
                !frame_word(low, pb, p, sizeof p, &pb, &pparen) || strcmp(p, "up"))
                return FR_NO;
        }
        /* "many with disabilities", "for many single parents": some of
         * those described. */
        if (!strcmp(w, "many")) {
            char p[32];
            size_t pb;
            bool pparen;
            if (!strcmp(nearer, "with") || !strcmp(nearer, "who") ||
                (frame_word(low, b, p, sizeof p, &pb, &pparen) && !strcmp(p, "for")))
                return FR_NO;
        }
        if (word_in(w, frame)) {
            bool after_num = isdigit((unsigned char)nearer[0]);
            char p[32];
            size_t pb;
            bool pparen;
            bool any = frame_word(low, b, p, sizeof p, &pb, &pparen);
            bool p_num = any && isdigit((unsigned char)p[0]);
            /* "aged 16 to 25 with an EHCP": a range, walk on. */
            if (!strcmp(w, "to") && after_num && p_num && !pparen && !paren) {
                at = pb;
                snprintf(nearer, sizeof nearer, "%s", p);
                continue;
            }
            /* "(up to 25 with SEND)", "(to 25 with an EHCP)", "(or age 25
             * for people with a disability)", "£3 for carers". */
            if ((after_num && atoi(nearer) <= 30 && (!strcmp(w, "to") || !strcmp(w, "under"))) ||
                (!strcmp(w, "for") && p_num))
                return FR_NO;
            /* "it can be challenging for people living with ... to
             * navigate", "more successful ... for people with ...": how
             * hard or good something is for them, not whom it serves. */
            if (!strcmp(w, "for") && any && word_in(p, judged))
                return FR_NO;
            if (!person && !linked && !word_in(w, needs_people))
                return FR_NO;
            return FR_YES;
        }
        snprintf(nearer, sizeof nearer, "%s", w);
        predicate = predicate || word_in(w, pred);
        if (num || word_in(w, pass)) {
            linked = linked || !word_in(w, bare);
            continue;
        }
        /* "projects around homelessness", "to end and prevent
         * homelessness", "when reporting domestic abuse": a condition
         * as the topic. */
        if (!person && !linked && word_in(w, topic)) {
            /* Unless people say it of themselves ("local people need to
             * end and prevent homelessness"). */
            size_t q = b, qb;
            bool qp;
            char v[32];
            int i = 0;
            while (i < 6 && frame_word(low, q, v, sizeof v, &qb, &qp) && !word_in(v, counted)) {
                q = qb;
                i++;
            }
            if (i == 6 || !word_in(v, counted))
                return FR_NO;
        }
        linked = true;
        if (++unknown > 1)
            return FR_YES;
    }
    return FR_YES;
}

/* Does an item open with the group as a word about the person
 * ("homeless or likely to lose your home", "Disabled, or with a health
 * condition"), not a noun that is a subject ("Care leavers are ...")? */
static bool group_item_word(const char *orig, const vocab_hit *h)
{
    static const char *const adj[] = {"homeless", "disabled", "autistic", "deaf", "blind",
                                      "dyslexic", "neurodivergent", "care-experienced",
                                      "care experienced", NULL};
    size_t e = h->off + h->len;
    char w[32];
    size_t n = h->len < sizeof w - 1 ? h->len : sizeof w - 1;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)tolower((unsigned char)orig[h->off + i]);
    w[n] = '\0';
    if (!word_in(w, adj))
        return false;
    for (size_t i = 0; i < h->off; i++)
        if (isalnum((unsigned char)orig[i]))
            return false;
    while (orig[e] == ' ')
        e++;
    return orig[e] == ',' || !strncmp(orig + e, "or ", 3) || !strncmp(orig + e, "and ", 4);
}

/* Does the clause after a group that opens the sentence say what its
 * members may have ("Care leavers can receive", "Carers are entitled to",
 * "Lone parents can get", "... who go to university receive")?  A word
 * of access before any negation; "Care leavers are guaranteed an
 * interview", "Refugees seeking work face significant barriers" and a
 * bare item ("people with learning disabilities") have none. */
static bool group_access_after(const char *low, size_t from)
{
    static const char *const access[] = {"can", "could", "may", "receive", "receives", "get",
                                         "gets", "qualify", "qualifies", "eligible",
                                         "entitled", "apply", "access", "attend", "join",
                                         "referred", "use", "only", "must", NULL};
    static const char *const stop[] = {"not", "no", "cannot", "can't", "never", "don't",
                                       "won't", NULL};
    char prev[32] = "";
    for (size_t i = from, k = 0; low[i] && !strchr(".;:!?", low[i]) && k < 40; k++) {
        while (low[i] == ' ' || low[i] == ',' || low[i] == '(' || low[i] == ')')
            i++;
        char w[32];
        size_t n = 0;
        while (low[i] && (isalnum((unsigned char)low[i]) || low[i] == '\'' || low[i] == '-')) {
            if (n + 1 < sizeof w)
                w[n++] = low[i];
            i++;
        }
        w[n] = '\0';
        if (!n) {
            if (low[i] && !strchr(".;:!?", low[i]))
                i++;
            continue;
        }
        if (word_in(w, stop))
            return false;
        if (word_in(w, access) || (!strcmp(w, "for") && (!strcmp(prev, "are") ||
                                                         !strcmp(prev, "is"))))
            return true;
        snprintf(prev, sizeof prev, "%s", w);
    }
    return false;
}

/* Is group hit h the name of a course ("ESOL", "English for Speakers of
 * Other Languages"): "join an ESOL course", "a relevant ESOL
 * qualification", "Applications for ESOL ... are now open", "ESOL means
 * ..."?  The course is the service, not whom it takes (a name: a check
 * at most, beside a word of requirement); "ESOL learners"
 * and "ESOL students" are people, and so are those "ESOL courses for
 * those who ..." name (group_name_of_clients). */
static bool group_course(const char *orig, const vocab_hit *h)
{
    static const char *const who[] = {"learner", "learners", "student", "students", "needs",
                                      "speakers", "people", "clients", "users",
                                      "participants", NULL};
    if (!h->keyword || (strcmp(h->keyword, "ESOL") &&
                        strcmp(h->keyword, "english for speakers of other languages")))
        return false;
    char w[32];
    bool cap;
    vocab_hit at = *h;
    next_word(orig, &at, w, sizeof w, &cap);
    if (!*w && orig[h->off + h->len] == ')') {
        /* "English for Speakers of Other Languages (ESOL) learners" */
        at.len++;
        next_word(orig, &at, w, sizeof w, &cap);
    }
    return !word_in(w, who);
}

/* Is group hit h one of a wider set the sentence admits (guideline 12:
 * "individuals with disabilities or other barriers to employment",
 * "refugees, asylum seekers and disadvantaged groups", "... and anyone
 * else facing material barriers")?  A word of the wider set after it in
 * its sentence; a work status listed after it ("disabled people, ... and
 * people who have been out of work for more than two years") is an
 * alternative in another dimension (guideline 4). */
static bool group_wider_set(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const wider[] = {"other barriers", "complex barriers",
                                        "specific barriers", "significant barriers",
                                        "disadvantaged groups", "anyone else", " and others",
                                        " others who", "and people who have been out of work",
                                        ", long term unemployed", ", long-term unemployed",
                                        "and long term unemployed", "and long-term unemployed"};
    if (!c->o2l)
        return false;
    const char *from = low + c->o2l[h->off + h->len], *end = from;
    while (*end && *end != '.' && *end != ';')
        end++;
    for (size_t i = 0; i < sizeof wider / sizeof wider[0]; i++) {
        const char *x = strstr(from, wider[i]);
        if (x && x < end)
            return true;
    }
    return false;
}

/* Do the words of low from a to b only join the items of one list
 * (",", "/", "&", "and", "or", and the words of the refugee group's
 * names)? */
static bool only_list_words(const char *low, size_t a, size_t b)
{
    static const char *const glue[] = {"and", "or", "refugees", "refugee", "asylum",
                                       "seekers", "seeker", "seeking", NULL};
    while (a < b) {
        if (strchr(" ,/&", low[a])) {
            a++;
            continue;
        }
        char w[32];
        size_t n = 0;
        while (a < b && isalpha((unsigned char)low[a])) {
            if (n + 1 < sizeof w)
                w[n++] = low[a];
            a++;
        }
        w[n] = '\0';
        if (!n || !word_in(w, glue))
            return false;
    }
    return true;
}

/* Is refugee hit h listed with migrants ("asylum seekers, refugees and
 * migrants", "migrants/refugees")?  The set the sentence names is wider
 * than the refugee group (guideline 12); "forced migrants" are refugees. */
static bool group_with_migrants(const ctx *c, const char *low, const vocab_hit *h)
{
    if (!c->o2l || strcmp(h->slug, "refugees-asylum"))
        return false;
    size_t at = c->o2l[h->off], e = c->o2l[h->off + h->len];
    for (const char *m = strstr(low, "migrant"); m; m = strstr(m + 1, "migrant")) {
        size_t mo = (size_t)(m - low);
        if (mo >= 7 && !strncmp(m - 7, "forced ", 7))
            continue;
        if ((mo >= e && only_list_words(low, e, mo)) ||
            (mo < at && only_list_words(low, mo + strcspn(m, " ,/&"), at)))
            return true;
    }
    return false;
}

/* Is group hit h what a definition tells the reader they are ("If you
 * help someone regularly ..., you are classed as a carer.", "then you are
 * a carer.", "you are probably a carer, even if ...")?  "You are a
 * carer" that ends its clause says who counts, not who may come; "you are
 * a carer and may be eligible for support" goes on to say it. */
static bool group_you_are(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const lead[] = {"you are a ", "you are an ", "you are probably a ",
                                       "you are classed as a ", "you are considered a ",
                                       "you are considered to be a ",
                                       "you are likely to be a ", "you may be a "};
    if (!c->o2l)
        return false;
    size_t at = c->o2l[h->off], e = c->o2l[h->off + h->len];
    bool led = false;
    for (size_t i = 0; i < sizeof lead / sizeof lead[0] && !led; i++) {
        size_t l = strlen(lead[i]);
        /* past the group's own adjectives ("a young carer", "an unpaid
         * carer") */
        for (size_t k = at; k + 24 > at && k >= l && !led; k--) {
            if (!strncmp(low + k - l, lead[i], l))
                led = k - l >= 5 && strncmp(low + k - l - 5, "that ", 5);
            if (k == 0 || low[k - 1] == ',' || low[k - 1] == '.')
                break;
        }
    }
    /* "If you ..., you are a carer." */
    const char *cond = strstr(low, "if ");
    if (!led || !cond || (size_t)(cond - low) >= at)
        return false;
    while (low[e] == ' ' || low[e] == '"' || low[e] == '\'')
        e++;
    return !low[e] || low[e] == '.' || low[e] == '!' || !strncmp(low + e, ", even", 6);
}

/* Is lone-parents hit h one household of two the sentence gives a rule
 * for ("both parents are working (or the sole parent is working in a lone
 * parent family)", "If you are a two parent or carer family, ...")?  A
 * branch of an either/or (guideline 4), not whom the service takes. */
static bool lone_parent_branch(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const couple[] = {"both parents", "two parent", "two-parent",
                                         "a couple", "your partner", "both of you"};
    if (!c->o2l || strcmp(h->slug, "lone-parents"))
        return false;
    for (size_t i = 0; i < sizeof couple / sizeof couple[0]; i++)
        if (strstr(low, couple[i]))
            return true;
    return false;
}

/* Is group hit h what someone is counted as ("to be considered homeless",
 * "you will be considered intentionally homeless", "to be considered to
 * have a learning disability")?  A rule of who counts as the group (often
 * another body's), not whom the service takes.  "considered" or "classed"
 * at most four words before it, in its clause. */
static bool group_counted_as(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const counts[] = {"considered", "classed", "regarded", "classified",
                                         NULL};
    if (!c->o2l)
        return false;
    size_t at = c->o2l[h->off];
    for (int k = 0; k < 4 && at > 0 && !strchr(",.;:", low[at - 1]); k++) {
        char w[32];
        word_before(low, at, w, sizeof w, &at);
        if (!*w)
            return false;
        if (word_in(w, counts))
            return true;
    }
    return false;
}

/* Is care-leavers hit h a child in care now ("who are looked after by the
 * local authority", "will become looked after") or one of "people in care
 * or care leavers" ("they are or have been in care")?  A looked-after
 * child is not a care leaver; the set with those in care is wider than
 * the slug. */
static bool group_in_care(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const now[] = {"is", "are", "become", "becomes", "being", "child",
                                      "children", NULL};
    if (!c->o2l || strcmp(h->slug, "care-leavers"))
        return false;
    size_t at = c->o2l[h->off];
    while (at > 0 && (low[at - 1] == '\'' || low[at - 1] == '"' || low[at - 1] == ' '))
        at--;
    if (!strncmp(low + c->o2l[h->off], "looked", 6) ||
        !strncmp(low + c->o2l[h->off] + 1, "looked", 6)) {
        char w[32];
        size_t from;
        word_before(low, at, w, sizeof w, &from);
        return word_in(w, now);
    }
    static const char *const wider[] = {"in care or ", "in care and ", "are or have been "};
    return said_before(low, c->o2l[h->off], ";:.", wider, sizeof wider / sizeof wider[0]);
}

/* Is group hit h a word wider than its group, so that it names people
 * outside it: "migrants" (most hold a settled status, not an insecure
 * one), "immigration status" (everyone's, whatever it is), "returning to
 * work" (after sickness or a spell on benefits, not only women after a
 * career break)?  A later, narrower mention of the group may still name
 * it ("women returners"). */
static bool group_word_wider(const vocab_hit *h)
{
    static const char *const wider[] = {"migrants", "immigration status", "returning to work",
                                        "returning to work after", "return to work after",
                                        "returners", NULL};
    return h->keyword && word_in(h->keyword, wider);
}

/* Is group hit h the condition of advice that gives nothing ("If you are
 * a carer, you need to look after yourself as well", "If you have a
 * long-term condition, try to keep working", "if you have caring
 * responsibilities" the hours of job search "can be less")?  The group
 * stands in an "if" clause and nothing in the sentence is a way in: no
 * help, support, eligibility, application, referral, assessment or
 * contact.  "If you are homeless, contact us" and "If you have a
 * disability, you may be eligible" say whom the service takes. */
static bool group_if_without_access(const ctx *c, const char *low, const vocab_hit *h)
{
    static const char *const way[] = {
        "help", "support", "assist", "eligib", "entitle", "qualif", "apply", "applic",
        "access", "available", "contact", "in touch", "call", "tell us", "tell them", "refer",
        "assess", "form", "regist", "duty", "advi", "guide", "can get", "receive", "offer",
        "provide", "book", "join", "claim", "grant", "service", "approach"};
    static const char *const cond[] = {"if "};
    if (!c->o2l || !said_before(low, c->o2l[h->off], ".;:", cond, 1))
        return false;
    for (size_t i = 0; i < sizeof way / sizeof way[0]; i++)
        if (strstr(low, way[i]))
            return false;
    return true;
}

/* What one mention of a group makes of the sentence: nothing (the
 * subject of a definition), nothing at all (a group of staff or one
 * turned away: GH_SCOPED, the sentence says no more of the group), a name
 * or a thing only, or a group of clients. */
enum { GH_NONE, GH_SCOPED, GH_NAMED, GH_PEOPLE };

static int group_hit_kind(const ctx *c, const char *orig, const char *low,
                          const vocab_hit *h, bool aged, const vocab_trigger **why)
{
    /* A group of staff, or one the sentence turns away ("not for carers"),
     * is no requirement to belong to it. */
    const vocab_trigger *t = el_scope_orig(c, h->off, ESC_DROP);
    if (!t)
        t = el_scope_orig(c, h->off, ESC_NEG);
    if (t) {
        *why = *why ? *why : t;
        return GH_SCOPED;
    }
    /* "non-disabled people": the others. */
    if (h->off >= 4 && !strncasecmp(orig + h->off - 4, "non-", 4))
        return GH_NONE;
    /* A scheme named after whom it serves ("Access to Work", "Carer's
     * Allowance", "supported internships"): the sentence is about the
     * scheme, its own rules ("To be eligible for Access to Work you
     * must:") are no one's group; a later mention of the people may be. */
    static const char *const scheme[] = {"supported internship*", "access to work",
                                         "carer's allowance", "carer\u2019s allowance",
                                         "carers allowance", "temporary accommodation", NULL};
    if (h->keyword && word_in(h->keyword, scheme))
        return GH_NONE;
    if (group_course(orig, h) && !group_name_of_clients(orig, h))
        return GH_NAMED;
    if (group_wider_set(c, low, h) || group_with_migrants(c, low, h) || group_you_are(c, low, h) ||
        group_in_care(c, low, h) || lone_parent_branch(c, low, h))
        return GH_NONE;
    /* A condition of advice that gives nothing, or what someone counts
     * as, is a name at most: beside a word of requirement of something
     * else ("If you are a lone parent, you must bring ...", "You don't have
     * to be on the streets to be considered homeless") it is worth a
     * check, alone no rule. */
    if (group_if_without_access(c, low, h) || group_counted_as(c, low, h))
        return GH_NAMED;
    if (group_of_cared_for(c, low, h))
        return GH_SCOPED;
    if (carer_of_child(c, low, h) || carer_by_trade(c, low, h))
        return GH_NONE;
    int fr = group_framed(c, orig, low, h);
    if (fr == FR_NO)
        return GH_NONE;
    bool named = group_in_name(orig, h);
    /* "A young carer is someone under 18 who ...": a definition that
     * bounds the group by age says whom the service takes. */
    bool defined = aged && group_defined(orig, h);
    if (group_subject_only(orig, h) && !defined)
        return GH_NONE;
    if (fr == FR_OPENS && !defined && !named && !group_item_word(orig, h) &&
        !group_access_after(low, c->o2l[h->off + h->len]))
        return GH_NONE;
    return named && !group_name_of_clients(orig, h) ? GH_NAMED : GH_PEOPLE;
}

/* The next mention of h's group after h in orig (h moved to it), or
 * false: the first mention may be a name or a thing ("Learning & Skills
 * offer ESOL courses for those who speak ... English is not their first
 * language") and a later one the people. */
static bool next_group_hit(const ctx *c, const char *orig, vocab_hit *h)
{
    size_t from = h->off + h->len;
    vocab_hit hs[EL_MAX_VALUES];
    size_t n = vocab_match_text(c->v, "group", orig + from, hs, EL_MAX_VALUES);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(hs[i].slug, h->slug)) {
            *h = hs[i];
            h->off += from;
            return true;
        }
    return false;
}

/* Does group hit h lie inside a longer mention of another group, as a
 * word of that group's name ("disabilities" in "special educational needs
 * and disabilities")?  The longer phrase says which group it is.  hits
 * holds each group's first mention; later ones are walked to h. */
static bool group_inside_other(const ctx *c, const char *orig, const vocab_hit *hits,
                               size_t nh, const vocab_hit *h)
{
    for (size_t j = 0; j < nh; j++) {
        if (!strcmp(hits[j].slug, h->slug))
            continue;
        vocab_hit x = hits[j];
        do {
            if (x.len > h->len && x.off <= h->off && h->off + h->len <= x.off + x.len)
                return true;
        } while (x.off < h->off && next_group_hit(c, orig, &x));
    }
    return false;
}

/* Does the sentence open with a time in the past: "In <year>," or "Since
 * <a year, month, season or "the ...">," ("Since Spring 2022, ...", "Since
 * the pandemic, ...")?  Not "Since you are a carer, ...". */
static bool opens_with_past(const char *low)
{
    static const char *const when[] = {
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "spring", "summer", "autumn",
        "winter", "the", "its", "our", "last", "then", NULL};
    while (*low == ' ' || *low == '-' || *low == '*')
        low++;
    if (!strncmp(low, "in ", 3) && (low[3] == '1' || low[3] == '2') &&
        isdigit((unsigned char)low[4]) && isdigit((unsigned char)low[5]) &&
        isdigit((unsigned char)low[6]) && !isdigit((unsigned char)low[7]))
        return true;
    if (strncmp(low, "since ", 6))
        return false;
    const char *comma = strchr(low, ',');
    char w[16];
    size_t n = 0;
    for (const char *p = low + 6; n + 1 < sizeof w && isalnum((unsigned char)*p); p++)
        w[n++] = *p;
    w[n] = '\0';
    return comma && comma - low < 40 && (isdigit((unsigned char)w[0]) || word_in(w, when));
}

/* Does the sentence count people ("there are an estimated 700,000 young
 * carers", "6.5 million people are carers", "approximately 2.8 million
 * people", "unemployment rates among disabled people", "Surveys of
 * disabled people"), report what research found ("Recent research on
 * young adult carers ... showed", "The report ... found that", "It is well
 * documented that"), tally past clients ("to have benefitted ... so far")
 * or open with the past ("Since Spring 2022, ...", "In 2013, ...")?  A
 * statistic or history (guideline 1), not who may come; money ("£52
 * million programme") is no count. */
static bool group_statistic(const char *low)
{
    static const char *const count[] = {"there are an estimated", "there are around",
                                        "there are over", "there are about",
                                        "there are approximately", "approximately",
                                        "surveys of", "rates among", "rate among", "%",
                                        "per cent", "research", "the report ", "found that",
                                        "been found",
                                        " showed ", "well documented", "widely acknowledged",
                                        " so far"};
    for (size_t i = 0; i < sizeof count / sizeof count[0]; i++)
        if (strstr(low, count[i]))
            return true;
    if (opens_with_past(low))
        return true;
    for (const char *m = strstr(low, " million"); m; m = strstr(m + 1, " million")) {
        const char *b = m;
        while (b > low && (isalnum((unsigned char)b[-1]) || b[-1] == '.' || b[-1] == ','))
            b--;
        bool money = b > low && (unsigned char)b[-1] == 0xA3; /* the last byte of "£" */
        if (b != m && !money && strncmp(m + 8, " pound", 6))
            return true;
    }
    return false;
}

/* Does the sentence point the reader to another page or paper ("For
 * information and support for carers, visit the ... web page", "Read our
 * factsheet Support for carers", "See our guide to services for carers",
 * "sign up to the newsletter ... for carers")?  Whom that is for is not
 * whom the service takes. */
static bool group_pointer(const char *low)
{
    static const char *const open[] = {"visit ", "see ", "read ", "download ", "sign up ",
                                       "click ", "follow ", "go to "};
    static const char *const any[] = {"visit the ", "visit our ", "see our ", "read our ",
                                      "download the ", "download our ", "sign up to ",
                                      "click here", "click on ", "web page", "webpage",
                                      "newsletter", "factsheet", "leaflet"};
    const char *p = low;
    while (*p == ' ' || *p == '-' || *p == '*')
        p++;
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (!strncmp(p, open[i], strlen(open[i])))
            return true;
    for (size_t i = 0; i < sizeof any / sizeof any[0]; i++)
        if (strstr(p, any[i]))
            return true;
    return false;
}

/* Is the group word at offset at of low softened ("we welcome carers",
 * "priority to care leavers", "services for everyone, including
 * refugees", "mainly for single parents")?  A softener before it softens
 * it; after it, only one that says nothing of examples or of other
 * conditions does ("... are welcome"): "mental health conditions such as
 * depression", "unpaid carers, including parent carers" and "disabled
 * people, particularly those with ..." name the group's own members, and
 * "carers ..., regardless of their level of care" / "whether or not the
 * adult you care for has eligible needs" waive another condition; the
 * group stays whom the service is for. */
static bool group_softened_at(const char *low, size_t at)
{
    static const char *const examples[] = {"especially", "particularly", "in particular",
                                           "including", "includes", "such as", "for example",
                                           "e.g.", "regardless", "whether or not", NULL};
    /* "mainly for single parents", "focused primarily on ... people with
     * health conditions": most of whom it serves, not all (a priority);
     * "those who find it hard to get a job, like lone parents": an
     * example of them. */
    static const char *const mostly[] = {"mainly ", "mostly ", "primarily ", "largely ",
                                         "predominantly ", ", like "};
    for (size_t i = 0; i < sizeof mostly / sizeof mostly[0]; i++) {
        const char *x = strstr(low, mostly[i]);
        if (x && (size_t)(x - low) < at &&
            (x == low || *x == ',' || !isalpha((unsigned char)x[-1])))
            return true;
    }
    elig_span m[ELIG_SPANS];
    for (size_t from = 0; low[from] && match(P_SOFT, low + from, m);) {
        size_t so = from + (size_t)m[0].so, eo = from + (size_t)m[0].eo;
        char w[16];
        size_t n = eo - so < sizeof w - 1 ? eo - so : sizeof w - 1;
        memcpy(w, low + so, n);
        w[n] = '\0';
        if (so < at || !word_in(w, examples))
            return true;
        from = eo > so ? eo : so + 1;
    }
    return false;
}

void el_group_sentence(ctx *c, const char *orig, const char *low, const char *field,
                       double conf, bool elig_field, bool age_rule_here)
{
    /* A question ("Are you a veteran or family member?") asserts nothing
     * of whom the service takes; its answer may. */
    if (c->question)
        return;
    bool req = has(P_REQ, low);
    if (!req && !elig_field)
        return;
    vocab_hit hits[EL_MAX_VALUES];
    size_t nh = vocab_match_text(c->v, "group", orig, hits, EL_MAX_VALUES);
    /* Statistics and pointers only where a group is named (most sentences
     * name none, and those checks are the costlier). */
    if (!nh || group_statistic(low) || group_pointer(low))
        return;
    bool strong = has(P_STRONG, low);
    const char *vals[EL_MAX_VALUES];
    size_t nv = 0;
    const vocab_trigger *why = NULL;
    bool named = false, governed = false;
    for (size_t i = 0; i < nh; i++) {
        const char *s = hits[i].slug;
        /* Groups the other dimensions say better. */
        if (!strcmp(s, "young-people") || !strcmp(s, "aged-50-plus") ||
            !strcmp(s, "long-term-unemployed") || !strcmp(s, "economically-inactive") ||
            !strcmp(s, "in-work-progression") || !strcmp(s, "neet") ||
            !strcmp(s, "low-pay-low-skills"))
            continue;
        /* A group word inside a name or a word for a thing ("ESOL
         * classes", "the Homelessness Team") names no client: a later
         * mention of the group may.  Kept, but only worth a check (when
         * in doubt, never "not eligible"), when nothing else names the
         * group and a word of requirement ("only", "must") governs the
         * sentence; without one it is no rule. */
        vocab_hit h = hits[i], first_named = {0};
        int kind;
        while ((kind = group_word_wider(&h) || group_inside_other(c, orig, hits, nh, &h)
                           ? GH_NONE
                           : group_hit_kind(c, orig, low, &h, age_rule_here, &why)) != GH_PEOPLE) {
            if (kind == GH_NAMED && !first_named.slug)
                first_named = h;
            if (kind == GH_SCOPED || !next_group_hit(c, orig, &h)) {
                kind = GH_NONE;
                break;
            }
        }
        if (kind == GH_NONE && first_named.slug && strong) {
            h = first_named;
            kind = GH_NAMED;
        }
        if (kind == GH_NONE || group_softened_at(low, c->o2l ? c->o2l[h.off] : 0))
            continue;
        named = named || kind == GH_NAMED;
        if (c->o2l)
            el_anchor(c, "group", c->o2l[h.off]);
        governed = governed || hit_governed(c, low, &h);
        vals[nv++] = s;
    }
    if (!nv)
        return;
    /* A group is required only when a word of requirement governs it: a
     * coach cannot check who belongs to a group, and a group named beside
     * a requirement of something else ("If you are a carer family, both of
     * you must be employed") is a target, not a condition: a check. */
    double gc = strong && governed ? conf : (conf < 0.7 ? conf : 0.7);
    rec_rule *u = el_add_rule(c, "group", "in", vals, nv, field, orig,
                           named && gc > 0.5 ? 0.5 : gc);
    el_set_trigger(c, u, why);
}

/* ------------------------------------------------------------ mandatory */

void el_mandatory_sentence(ctx *c, const char *orig, const char *low, const char *field,
                           double conf)
{
    if (has(P_MAND_NOT, low)) {
        const char *vals[] = {"voluntary"};
        el_add_rule(c, "mandatory", "in", vals, 1, field, orig, conf);
        return;
    }
    if (has(P_MAND, low) && !has(P_MAND_OTHER, low)) {
        const char *vals[] = {"mandatory"};
        el_add_rule(c, "mandatory", "in", vals, 1, field, orig, conf);
        return;
    }
    if (has(P_VOL, low) && !has(P_VOL_NOT, low)) {
        const char *vals[] = {"voluntary"};
        el_add_rule(c, "mandatory", "in", vals, 1, field, orig, conf);
    }
}

/* Is the age at offset at the one a service says it is for: "for young
 * people aged 16-24", "for 16 to 24 year olds", "is for those aged
 * 18-65"?  Then it says whom the service takes, as a requirement would.
 * The age's span may open with whom it is of ("young people aged
 * 16-24") or with its number. */
bool el_age_for_whom(const char *low, size_t at)
{
    while (low[at] == ' ')
        at++; /* a span may open with the space before its number */
    static const char *const who[] = {"those", "people", "young people", "young adults",
                                      "adults", "anyone", "learners", "participants",
                                      "residents", "women", "men", "jobseekers", "carers",
                                      "care leavers", "students", "parents", "veterans"};
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        size_t l = strlen(who[i]), p = SIZE_MAX;
        if (!strncmp(low + at, who[i], l) && !strncmp(low + at + l, " aged ", 6))
            p = at; /* the span opens with whom */
        else if (!strncmp(low + at, "aged ", 5) && at >= l + 1 && low[at - 1] == ' ' &&
                 !strncmp(low + at - 1 - l, who[i], l))
            p = at - 1 - l; /* whom, then the span's "aged" */
        if (p != SIZE_MAX && p >= 4 && !strncmp(low + p - 4, "for ", 4))
            return true;
    }
    /* "for 16 to 24 year olds": the number itself after "for" */
    return isdigit((unsigned char)low[at]) && at >= 4 && !strncmp(low + at - 4, "for ", 4);
}
