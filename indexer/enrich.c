/*
 * enrich.c - derives Signpost's tags for a service record (see enrich.h).
 *
 * Order of trust: structured fields first (postcodes, service-area names,
 * taxonomy terms, languages, cost options, location types: confidence 1.0),
 * then the service's own prose, read sentence by sentence with the keyword
 * lists in data/vocab (0.7-0.9 by field: the eligibility text says more
 * about who a service is for than the general description does).  Each tag
 * keeps the first evidence that produced it, so the strongest source wins
 * when the structured pass runs first.
 *
 * Prose is full of near misses ("feel free to call", "we welcome applicants
 * regardless of age, disability or ethnicity", "funded by the council"), so
 * sentences of that kind are skipped for the fields they would mislead.
 */
#include "enrich.h"
#include "elig.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounds on what one record may make us do. */
#define EN_MAX_SENTENCES 400
#define EN_MAX_SENTENCE 2000
#define EN_MAX_HITS 64
#define EN_EVIDENCE 200

typedef struct ctx {
    const vocab *v;
    rec_service *r;
    int rc; /* first hard error (SP_ENOMEM) */
} ctx;

void enrich_clear(rec_service *r)
{
    if (!r)
        return;
    rec_tags_clear(r);
    r->pan_london = false;
}

/* Add a tag; a full tag list (SP_ELIMIT) is not an error worth failing the
 * record for, running out of memory is. */
static void add(ctx *c, rec_tags *t, const char *slug, const char *field, const char *text,
                double conf)
{
    if (c->rc != SP_OK || !slug)
        return;
    int rc = rec_tags_add(t, slug, field, text, conf);
    if (rc == SP_ENOMEM)
        c->rc = rc;
}

/* A borough, and with it the sub-region it belongs to. */
static void add_borough(ctx *c, const vocab_borough *b, const char *field, const char *text,
                        double conf)
{
    if (!b)
        return;
    add(c, &c->r->boroughs, b->slug, field, text, conf);
    add(c, &c->r->subregions, b->subregion, field, text, conf);
}

/* A sub-region, and the boroughs it covers (a service for "South London
 * Partnership" serves a Croydon resident). */
static void add_subregion(ctx *c, const char *slug, const char *field, const char *text,
                          double conf)
{
    add(c, &c->r->subregions, slug, field, text, conf);
    const vocab_borough *m[40];
    size_t n = vocab_subregion_boroughs(c->v, slug, m, 40);
    for (size_t i = 0; i < n; i++)
        add(c, &c->r->boroughs, m[i]->slug, field, text, conf);
}

/* Pan-London: every sub-region and every borough is served, so a borough
 * or sub-region filter finds the service without special cases. */
static void set_pan_london(ctx *c, const char *field, const char *text, double conf)
{
    c->r->pan_london = true;
    size_t n = 0;
    const char *const *subs = vocab_slugs(c->v, "subregion", &n);
    for (size_t i = 0; i < n; i++)
        add(c, &c->r->subregions, subs[i], field, text, conf);
    const char *const *bors = vocab_slugs(c->v, "borough", &n);
    for (size_t i = 0; i < n; i++)
        add(c, &c->r->boroughs, bors[i], field, text, conf);
}

/* ---------------------------------------------------------------- text */

/* Case-insensitive search for phrase in s at word boundaries. */
static const char *find_phrase(const char *s, const char *phrase)
{
    size_t pl = strlen(phrase);
    /* Only where the first byte matches either case: strncasecmp at every
     * byte was a tenth of the indexing CPU. */
    int lo = tolower((unsigned char)phrase[0]), up = toupper((unsigned char)phrase[0]);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((pl && c != lo && c != up) || strncasecmp(p, phrase, pl) != 0)
            continue;
        bool before = p == s || !isalnum((unsigned char)p[-1]);
        bool after = !isalnum((unsigned char)p[pl]);
        if (before && after)
            return p;
    }
    return NULL;
}

/* Does w occur anywhere in s, in any case (no word boundaries)? */
static bool contains_ci(const char *s, const char *w)
{
    size_t wl = strlen(w);
    int lo = tolower((unsigned char)w[0]), up = toupper((unsigned char)w[0]);
    for (const char *p = s; *p; p++)
        if ((!wl || (unsigned char)*p == lo || (unsigned char)*p == up) &&
            strncasecmp(p, w, wl) == 0)
            return true;
    return false;
}

/* Does any of phrases occur in s (as find_phrase finds them)?  One pass
 * over s, trying at each byte only the phrases that start with it (a
 * find_phrase scan of the sentence for each of ~20 phrases was most of
 * the sentence skipping's time). */
static bool has_any(const char *s, const char *const *phrases)
{
    uint32_t first[256 / 32] = {0}; /* lower-cased first bytes */
    for (const char *const *ph = phrases; *ph; ph++) {
        unsigned char c = (unsigned char)tolower((unsigned char)(*ph)[0]);
        if (!c && find_phrase(s, *ph))
            return true; /* "" (where find_phrase has its own answer) */
        first[c >> 5] |= 1u << (c & 31);
    }
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*p);
        if (!(first[c >> 5] & (1u << (c & 31))))
            continue;
        if (p != s && isalnum((unsigned char)p[-1]))
            continue; /* not at a word boundary */
        for (const char *const *ph = phrases; *ph; ph++) {
            size_t pl = strlen(*ph);
            if (tolower((unsigned char)(*ph)[0]) == c && strncasecmp(p, *ph, pl) == 0 &&
                !isalnum((unsigned char)p[pl]))
                return true;
        }
    }
    return false;
}

/* Evidence: the sentence, or ~200 bytes of it around the match, cut on
 * UTF-8 character boundaries. */
static char *evidence(const char *s, size_t off, size_t len)
{
    size_t n = strlen(s);
    if (n <= EN_EVIDENCE)
        return sp_strdup(s);
    size_t pad = (EN_EVIDENCE - (len < EN_EVIDENCE ? len : EN_EVIDENCE)) / 2;
    size_t a = off > pad ? off - pad : 0;
    size_t b = a + EN_EVIDENCE;
    if (b > n) {
        b = n;
        a = n > EN_EVIDENCE ? n - EN_EVIDENCE : 0;
    }
    while (a > 0 && ((unsigned char)s[a] & 0xC0) == 0x80)
        a--;
    while (b < n && ((unsigned char)s[b] & 0xC0) == 0x80)
        b++;
    while (a < b && isspace((unsigned char)s[a]))
        a++;
    return sp_printf("%s%.*s%s", a > 0 ? "…" : "", (int)(b - a), s + a, b < n ? "…" : "");
}

/* Sentences skipped per field: they mention a group or need without the
 * service being for it. */
static const char *const skip_groups[] = {
    "regardless of", "equal opportunities", "equal opportunity", "equality and diversity",
    "diversity and inclusion", "equality, diversity", "discriminate", "discrimination",
    "not suitable for", "not open to", "are not eligible", "is not eligible",
    "disability confident", "our staff", "staff include", "our volunteers include",
    "our team includes", "our trustees", NULL};
/* ... and sentences saying who a service is for: their words ("people who
 * are homeless", "mental health conditions") describe people, not help. */
static const char *const skip_categories[] = {
    "disability confident", "refer you", "signpost you", "signposting to",
    "especially for", "we work with", "we particularly welcome", "aimed at", "designed for",
    "priority given to", "open to", "support for people", "for people who",
    "for people with", "for people affected", "we welcome", NULL};
/* Sentences of history ("was set up in March 2006", "Four years ago ...
 * relaunched this as the drop-in"): how people got in then is no way in
 * now, in any field. */
#define EN_REF_HISTORY                                                                     \
    "years ago", "was set up", "were set up", "was founded", "was established",            \
        "were established", "established in", "founded in", "operating since", "was started"
static const char *const skip_referrals_history[] = {EN_REF_HISTORY, NULL};
static const char *const skip_referrals_desc[] = {"funded by",     "commissioned by",
                                                  "in partnership with", "part of",
                                                  EN_REF_HISTORY,  NULL};

typedef struct scan {
    const char *vfield;   /* vocab field to match */
    rec_tags *tags;
    double conf;
    const char *const *skip; /* sentences to ignore, or NULL */
    const char *const *need; /* only sentences containing one of these, or NULL */
    int kind;                /* 0 plain, 1 borough, 2 subregion */
    bool laundry;            /* skip sentences listing many kinds of help */
} scan;

/* Blank out phrases that look like a keyword but are not ("feel free",
 * "smoke-free"), keeping offsets intact. */
/* Streets and buildings named after boroughs are all over London ("Harrow
 * Road" is in Westminster, "Westminster House" in Bexleyheath): blank the
 * word before a capitalised street or building word. */
static void blank_street_names(char *s)
{
    static const char *const streets[] = {
        "Road", "Rd", "Street", "St", "Lane", "Avenue", "Way", "House", "Gardens", "Grove",
        "Place", "Square", "Bridge", "Crescent", "Terrace", "Court", "Mews", NULL};
    for (const char *const *w = streets; *w; w++) {
        size_t l = strlen(*w);
        for (char *p = s; (p = strstr(p, *w)) != NULL; p += l) {
            if (p == s || p[-1] != ' ' || isalnum((unsigned char)p[l]))
                continue;
            /* The preceding word: back over the space, then letters. */
            char *e = p - 1, *b = e;
            while (b > s && isalpha((unsigned char)b[-1]))
                b--;
            if (b < e && isupper((unsigned char)*b))
                memset(b, ' ', (size_t)(p + l - b));
        }
    }
}

static bool word_is(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(w, list[i]))
            return true;
    return false;
}

static void cross_out_cost_decoys(char *s);

static void blank_decoys(char *s, const char *vfield)
{
    if (strcmp(vfield, "borough") == 0) {
        blank_street_names(s);
        return;
    }
    static const char *const cost_decoys[] = {
        "feel free", "smoke-free", "smoke free", "drug-free", "drug free", "alcohol-free",
        "alcohol free", "free time", "free-time", "hands-free", "toll-free",
        "freely", "free to contact", "free parking", "free wi-fi", "free wifi",
        "free refreshments", "free tea", "free lunch", "free snacks", "free drinks",
        "free to talk", "you are free to", "you're free to", "you\u2019re free to",
        "are free to choose", "free refill", "free refills",
        /* food free of something ("gluten & dairy free, all slices are £1") */
        "gluten free", "gluten-free", "dairy free", "dairy-free", "nut free", "nut-free",
        "sugar free", "sugar-free", "lactose free", "lactose-free", "wheat free",
        "wheat-free", "meat free", "meat-free", "caffeine free", "caffeine-free",
        /* "free" and "discount" inside the name of something else: an
         * entitlement, a scheme, a state ("Debt Free London", "break free"),
         * a council tax reduction; money paid to a learner is not a price. */
        "free school meal", "free school meals", "tax-free", "tax free", "debt free",
        "debt-free", "break free", "stay free", "jargon-free", "jargon free",
        "council tax discount", "council tax discounts", "single person's discount",
        "single person\u2019s discount", "single persons discount", "single person discount",
        "single occupancy discount", "bursary", "bursaries", "recruitment fee",
        "recruitment fees", "non-fee paying", "non fee paying",
        /* fees as the topic of a document or of help towards them */
        "fee information", "fees information", "fee waiver", "fee waivers", "help with fees",
        "help with tuition fees", "help with course fees", "help with tuition fee costs",
        "help with your fees", "help towards fees", NULL};
    /* Funding streams named after a kind of provision. */
    static const char *const category_decoys[] = {"adult education budget", NULL};
    /* A fall ("a drop in income") or a leaflet round is no way in. */
    static const char *const referral_decoys[] = {"a drop in", "leaflet drop", NULL};
    const char *const *decoys = strcmp(vfield, "cost") == 0       ? cost_decoys
                                : strcmp(vfield, "category") == 0 ? category_decoys
                                : strcmp(vfield, "referral") == 0 ? referral_decoys
                                                                  : NULL;
    if (!decoys)
        return;
    /* One pass to see whether any decoy is there at all (most sentences
     * have none) before a scan for each. */
    for (const char *const *d = has_any(s, decoys) ? decoys : NULL; d && *d; d++) {
        char *p = s;
        const char *hit;
        while ((hit = find_phrase(p, *d)) != NULL) {
            size_t l = strlen(*d);
            memset((char *)hit, ' ', l);
            p = (char *)hit + l;
        }
    }
    if (decoys == cost_decoys)
        cross_out_cost_decoys(s); /* negated or misplaced bands and frees */
    /* A compound "X-free" is free of X, not of charge ("a fear-free
     * environment", "stress-free", "interest-free"), unless X is a price
     * word ("cost-free", "charge-free", "fee-free"). */
    if (decoys == cost_decoys) {
        static const char *const priced[] = {"cost", "charge", "fee", "fees", "payment", "tuition", NULL};
        for (char *f = strstr(s, "-free"); f; f = strstr(f + 5, "-free")) {
            if (f == s || !isalpha((unsigned char)f[-1]) || isalpha((unsigned char)f[5]))
                continue;
            char *b = f;
            while (b > s && isalpha((unsigned char)b[-1]))
                b--;
            char w[16];
            size_t n = (size_t)(f - b);
            if (n >= sizeof w)
                n = sizeof w - 1;
            for (size_t i = 0; i < n; i++)
                w[i] = (char)tolower((unsigned char)b[i]);
            w[n] = '\0';
            if (!word_is(w, priced))
                memset(f + 1, ' ', 4);
        }
    }
}

/* A cost keyword that names a fee without a price ("fees", "course fee"). */
static bool bare_fee(const char *kw)
{
    static const char *const bare[] = {"fee", "fees", "course fee*", "tuition fee*", NULL};
    for (size_t i = 0; bare[i]; i++)
        if (!strcmp(kw, bare[i]))
            return true;
    return false;
}

/* The lower-cased word of s ending just before end (after skipping
 * spaces and ':'), into w; where it starts, or NULL. */
static const char *word_before(const char *s, const char *end, char *w, size_t wn)
{
    const char *e = end;
    while (e > s && (isspace((unsigned char)e[-1]) || e[-1] == ':'))
        e--;
    const char *b = e;
    while (b > s && isalpha((unsigned char)b[-1]))
        b--;
    size_t n = (size_t)(e - b);
    if (n == 0 || n >= wn)
        return NULL;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)tolower((unsigned char)b[i]);
    w[n] = '\0';
    return b;
}

/* The lower-cased word of s starting at p (after spaces), into w; just
 * past it, or NULL. */
static const char *word_after(const char *p, char *w, size_t wn)
{
    while (isspace((unsigned char)*p))
        p++;
    size_t n = 0;
    while (isalpha((unsigned char)p[n]) && n + 1 < wn) {
        w[n] = (char)tolower((unsigned char)p[n]);
        n++;
    }
    w[n] = '\0';
    return n && !isalpha((unsigned char)p[n]) ? p + n : NULL;
}


/* Words of a sentence whose sums are pay, income or money given, not a
 * price the client pays. */
static const char *const not_price[] = {
        "wage", "wages", "salary", "earn", "earns", "earning", "earnings", "income",
        "take-home", "take home", "pay is", "paid to you", "bursary", "grant", "grants",
        "allowance", "voucher", "vouchers", "loan", "loans", "worth", "raised", "funding",
        "allocated", "award", "awarded", "donate", "donation", "save", "saving", "savings",
        "refund", "budget", "contribution", "tax credit", "tax credits", "live on",
        "living on", "lives on", "survive on", NULL};

/* Is the sum at [p, a) of sent (a price's figure, "£5" or "60p") one
 * the client pays?  A priced noun after it ("a £5 charge"), "each" or
 * "per"/"a" with a unit ("£21 each", "£9 a session", "60p per mile"),
 * "payable", or a word of cost before it within four words ("Cost £2",
 * "Entry is £3", "Fares are £0.50 per mile").  NULL when a bound makes
 * the sentence's sums thresholds ("less than £952 per month"); else
 * *yes says. */
static bool sum_is_price(const char *sent, const char *p, const char *a, bool *bound)
{
    static const char *const cue_before[] = {
        "cost", "costs", "costing", "price", "prices", "priced", "charge", "charges",
        "charged", "fee", "fees", "subscription", "membership", "ticket", "tickets", "pay",
        "paying", "fare", "fares", "registration",
        /* what is sold: "Entry is £3", "Classes are £6", "Courses start from £45" */
        "entry", "admission", "session", "sessions", "class", "classes", "course", "courses",
        "lesson", "lessons", "workshop", "workshops", NULL};
    static const char *const filler[] = {"just", "only", "is", "are", "of", "at", "from",
                                         "will", "be", "approximately", "around", "about",
                                         "start", "starts", "starting", NULL};
    /* "a £5 charge", "a £25 deposit" */
    static const char *const priced_noun[] = {"charge", "fee", "fees", "deposit", "entrance",
                                              "admission", "entry", "membership", "fare",
                                              "registration", "subscription", NULL};
    static const char *const per[] = {"per", "a", "an", NULL};
    static const char *const large[] = {"million", "billion", "m", "bn", NULL};
    static const char *const bound_word[] = {"than", "to", "below", "under", "over", "above",
                                             "maximum", "max", "least", NULL};
    static const char *const unit[] = {
        "session", "class", "lesson", "hour", "hr", "week", "visit", "shop", "family",
        "person", "couple", "child", "term", "month", "day", "course", "book", "night",
        "adult", "head", "module", "workshop", "meal", "year", "mile", "journey", "trip",
        NULL};
    *bound = false;
    bool yes = false;
    char w[24];
    if (*a == '/') {
        const char *e = word_after(a + 1, w, sizeof w);
        yes = e && word_is(w, unit);
    }
    const char *e = yes ? NULL : word_after(a, w, sizeof w);
    if (e && word_is(w, large))
        return false;
    char u[24];
    const char *e2 = e ? word_after(e, u, sizeof u) : NULL;
    if (e && word_is(w, priced_noun))
        yes = true;
    else if (e && !strcmp(w, "each"))
        yes = !e2 || word_is(u, unit); /* "£21 each", not "£2,000 each child" */
    else if (e && word_is(w, per))
        yes = e2 && word_is(u, unit);
    else if (e && (!strcmp(w, "payable") || (!strcmp(w, "is") && e2 && !strcmp(u, "payable"))))
        yes = true;
    /* A bound is a threshold or a most paid out ("less than £952 per
     * month", "up to £160 per child"), not a price; nor, then, is any
     * other sum of the sentence ("(or £175 per child ...)"). */
    const char *b = word_before(sent, p, w, sizeof w);
    if (b && !strcmp(w, "of")) /* "a maximum of £175 a week" */
        b = word_before(sent, b, w, sizeof w);
    if (b && word_is(w, bound_word)) {
        *bound = true;
        return false;
    }
    b = p;
    for (int k = 0; !yes && k < 4; k++) {
        b = word_before(sent, b, w, sizeof w);
        if (!b)
            break;
        if (word_is(w, cue_before))
            yes = true;
        else if (!word_is(w, filler))
            break;
    }
    return yes;
}

/* A price the client pays, named in a sentence no cost keyword read:
 * "Cost £2", "costs just £3 per family", "£9 a session", "£5 is payable",
 * "£45/hr", "£21 each", "Entry is £3", "a £5 charge", "Fares are £0.50
 * per mile", "60p per mile", "Annual registration is £18".  Not a sum
 * about pay, income or money given ("£7.55 per hour" minimum wage,
 * "income £15,400 a year", "a £1,000 bursary", "vouchers at £3.50 per
 * day").  Where the price starts (its length in *len), or NULL. */
static const char *price_named(const char *sent, size_t *len)
{
    if (!strpbrk(sent, "0123456789") || has_any(sent, not_price))
        return NULL;
    bool bound;
    for (const char *p = strstr(sent, "\xc2\xa3"); p; p = strstr(p + 2, "\xc2\xa3")) {
        const char *a = p + 2;
        if (!isdigit((unsigned char)*a))
            continue;
        while (isdigit((unsigned char)*a) || ((*a == ',' || *a == '.') &&
                                               isdigit((unsigned char)a[1])))
            a++;
        if (a[0] == 'p' && a[1] == 'p' && !isalpha((unsigned char)a[2]))
            a += 2; /* "£30pp" */
        if (sum_is_price(sent, p, a, &bound)) {
            *len = (size_t)(a - p);
            return p;
        }
        if (bound)
            return NULL;
    }
    /* Pence: "60p per mile", "charged at 20p per mile" (a word start, one
     * to three digits, "p", then no letter). */
    for (const char *p = sent; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > sent && (isalnum((unsigned char)p[-1]) ||
                                                         p[-1] == '.' || p[-1] == ',')))
            continue;
        const char *a = p;
        while (isdigit((unsigned char)*a) && a - p < 4)
            a++;
        if (a - p > 3 || *a != 'p' || isalnum((unsigned char)a[1]))
            continue;
        if (sum_is_price(sent, p, a + 1, &bound)) {
            *len = (size_t)(a + 1 - p);
            return p;
        }
        if (bound)
            return NULL;
    }
    return NULL;
}

/* ---------------------------------------------------------------- cost */

/* The next word of s at or after p (skipping anything not a letter),
 * lower-cased into w; just past it, or NULL at the end. */
static const char *next_word(const char *p, char *w, size_t wn)
{
    while (*p && !isalpha((unsigned char)*p))
        p++;
    size_t n = 0;
    for (; isalpha((unsigned char)p[n]); n++)
        if (n + 1 < wn)
            w[n] = (char)tolower((unsigned char)p[n]);
    w[n < wn ? n : wn - 1] = '\0';
    return n ? p + n : NULL;
}

/* Does the word starting at b end an "n't" ("won't", "don’t"): b is the
 * "t" after an apostrophe?  Where the apostrophe starts, or NULL. */
static const char *nt_apostrophe(const char *s, const char *b)
{
    if (b > s && b[-1] == '\'')
        return b - 1;
    if (b - s >= 3 && (unsigned char)b[-3] == 0xE2 && (unsigned char)b[-2] == 0x80 &&
        (unsigned char)b[-1] == 0x99)
        return b - 3;
    return NULL;
}

/* Is the word starting at p negated: "not", "never", "no", "without",
 * "unable" or an n't within four words before it, over filler words only
 * ("not have to pay", "won't need to pay", "unable to offer a concession")?
 * Not being able to ("can't pay", "cannot pay", "unable to pay for the
 * essentials") is no negation where can_counts is false: a client who
 * cannot pay has a price to pay. */
static bool negated_before(const char *s, const char *p, const char *const *filler,
                           bool can_counts)
{
    static const char *const negator[] = {"not", "never", "no", "without", NULL};
    static const char *const cannot[] = {"can", "couldn", "cannot", NULL};
    char w[24], v[24];
    const char *b = p;
    for (int k = 0; k < 4; k++) {
        b = word_before(s, b, w, sizeof w);
        if (!b)
            return false;
        const char *apos = !strcmp(w, "t") ? nt_apostrophe(s, b) : NULL;
        if (apos)
            return can_counts || !word_before(s, apos, v, sizeof v) || !word_is(v, cannot);
        if (word_is(w, negator) || (can_counts && (!strcmp(w, "cannot") || !strcmp(w, "unable"))))
            return true;
        if (!word_is(w, filler))
            return false;
    }
    return false;
}

/* The word before end as word_before finds it, stepping over the "t" of
 * an n't ("don't" reads as "don"). */
static const char *word_back(const char *s, const char *end, char *w, size_t wn)
{
    const char *b = word_before(s, end, w, wn);
    const char *apos = b && !strcmp(w, "t") ? nt_apostrophe(s, b) : NULL;
    return apos ? word_before(s, apos, w, wn) : b;
}

/* Is the negated paying at p someone else's or a warning: its subject a
 * payer other than the client ("the council does not pay for", "the NHS
 * won't pay", "Universal Credit does not pay for", "we do not pay travel
 * expenses"), not the client described by one ("learners on Universal
 * Credit will not pay"), or an order ("Do not pay anyone claiming to be
 * from the council", "Please don't pay for debt advice")? */
static bool paying_refused(const char *s, const char *p)
{
    static const char *const aux[] = {
        "not", "never", "do", "does", "did", "don", "doesn", "didn", "will", "won",
        "would", "wouldn", "can", "may", "might", "should", "shouldn", "shall", "usually",
        "normally", "also", "have", "has", "to", "need", "needs", NULL};
    static const char *const payer[] = {"we", "council", "government", "nhs", "credit",
                                        "benefit", "benefits", "employer", "employers",
                                        "scheme", "fund", "insurance", "authority", NULL};
    static const char *const client_on[] = {"on", "claiming", "receiving", "of", NULL};
    char w[24];
    const char *b = p;
    for (int k = 0; k < 8; k++) {
        const char *a = word_back(s, b, w, sizeof w);
        if (!a || !strcmp(w, "please"))
            return true; /* an order */
        if (!word_is(w, aux)) {
            if (!word_is(w, payer))
                return false;
            for (int j = 0; j < 2 && (a = word_back(s, a, w, sizeof w)) != NULL; j++)
                if (word_is(w, client_on))
                    return false;
            return true;
        }
        b = a;
    }
    return false;
}

/* Is the sentence a condition ("if you do not pay") at the negation
 * before p: "if" or "unless" within five words before it? */
static bool conditional_before(const char *s, const char *p)
{
    char w[24];
    const char *b = p;
    for (int k = 0; k < 5; k++) {
        b = word_back(s, b, w, sizeof w);
        if (!b)
            return false;
        if (!strcmp(w, "if") || !strcmp(w, "unless"))
            return true;
    }
    return false;
}

/* Is the paying at p (the word w) no price to the client: when or how
 * one pays ("pay in advance", "pay by cash"), paying back, tax, interest
 * or less than the full price ("pay it back", "pay tax or national
 * insurance", "do not pay the full fee": a band, which the vocabulary
 * reads), or paying the client or the provider ("doesn't pay you above a
 * threshold", "does not charge us for the room")? */
static bool paying_other(const char *p, const char *w)
{
    static const char *const how[] = {"off", "well", "in", "upfront", "up", "until", "by",
                                      "with", "now", "cash", "at", "online", "directly",
                                      "rent", "us", NULL};
    static const char *const owed[] = {"back", "tax", "taxes", "vat", "national", "interest",
                                       "council", "income", "full", NULL};
    static const char *const payee[] = {"you", "them", NULL};
    char nx[24];
    const char *q = next_word(p, nx, sizeof nx);
    if (q && (word_is(nx, how) || (!strncmp(w, "pay", 3) && word_is(nx, payee))))
        return true;
    for (int k = 0; q && k < 3; k++, q = next_word(q, nx, sizeof nx))
        if (word_is(nx, owed))
            return true;
    return false;
}

/* Does the sentence say the client pays nothing by negating paying ("you
 * will not pay tuition fees", "won't need to pay the fee", "may not have
 * to pay", "without having to pay fees", "we do not charge for", "it
 * won't cost you anything")?  Not a condition ("if you do not pay"),
 * paying of another kind (paying_other), nor another payer's refusal or
 * an order (paying_refused).  Where the word of paying starts, or NULL. */
static const char *payment_negated(const char *sent)
{
    static const char *const pay[] = {"pay",      "paying", "charge", "charged",
                                      "charging", "cost",   NULL};
    static const char *const filler[] = {
        "have", "has", "had", "to", "need", "needs", "be", "been", "having", "ever", "usually",
        "normally", "also", "asked", "required", "expected", "going", "even", "actually",
        "then", "do", "does", NULL};
    /* Most sentences name no paying at all: look before reading words. */
    if (!contains_ci(sent, "pay") && !contains_ci(sent, "charg") && !contains_ci(sent, "cost"))
        return NULL;
    char w[24];
    for (const char *p = sent; (p = next_word(p, w, sizeof w)) != NULL;) {
        if (!word_is(w, pay))
            continue;
        const char *start = p - strlen(w);
        if (paying_other(p, w))
            continue;
        if (negated_before(sent, start, filler, false) && !conditional_before(sent, start) &&
            (strncmp(w, "pay", 3) != 0 || !paying_refused(sent, start)))
            return start;
    }
    return NULL;
}

/* Are the employers named just before p alone, not one of a list
 * ("Employers and jobseekers can use the service free of charge",
 * "Employers, jobseekers and residents ...")?  After an opening "For",
 * a comma ends the phrase ("For local employers, we offer ..."). */
static bool only_firms(const char *p, bool opening)
{
    char w[24];
    while (*p == ' ')
        p++;
    if (*p == ',')
        return opening;
    return !next_word(p, w, sizeof w) || (strcmp(w, "and") != 0 && strcmp(w, "or") != 0);
}

/* Is the sentence addressed to employers ("Employers who could benefit
 * ... at no cost to them", "For the borough's employers, ... a
 * free-to-use recruitment service")?  What employers pay is no price
 * for the service's clients. */
static bool to_employers(const char *sent)
{
    static const char *const firm[] = {"employer", "employers", "businesses", NULL};
    char w[24];
    const char *p = next_word(sent, w, sizeof w);
    if (!p)
        return false;
    if (word_is(w, firm) && *p != '-') /* not "Employer-led training" */
        return only_firms(p, false);
    if (strcmp(w, "for") != 0)
        return false;
    for (int k = 0; k < 4 && (p = next_word(p, w, sizeof w)) != NULL; k++)
        if (word_is(w, firm))
            return only_firms(p, true);
    return false;
}

/* Does the sentence name a fee only as a barrier someone cannot get over
 * ("learners who can't afford the fee", "find it difficult to afford
 * course fees")?  It says who a fund is for, not what the service costs. */
static bool fee_unaffordable(const char *sent)
{
    static const char *const unable[] = {"cannot", "unable", "difficult", "hard",
                                         "struggle", "struggling", "could", NULL};
    static const char *const cannot[] = {"can", "couldn", NULL};
    char w[24];
    for (const char *p = find_phrase(sent, "afford"); p; p = find_phrase(p + 6, "afford")) {
        const char *b = word_before(sent, p, w, sizeof w);
        if (b && !strcmp(w, "to"))
            b = word_before(sent, b, w, sizeof w);
        if (!b)
            continue;
        const char *apos = !strcmp(w, "t") ? nt_apostrophe(sent, b) : NULL;
        if (apos && word_before(sent, apos, w, sizeof w) && word_is(w, cannot))
            return true;
        if (!apos && word_is(w, unable))
            return true;
    }
    return false;
}

/* Is the cost word ending at q the provider's ("the cost of delivering
 * adult learning", "of running the service")? */
static bool cost_of_provider(const char *q)
{
    static const char *const running[] = {"delivering", "running", "providing", "delivery",
                                          NULL};
    char w[24];
    q = next_word(q, w, sizeof w);
    return q && !strcmp(w, "of") && next_word(q, w, sizeof w) && word_is(w, running);
}

/* Does the sentence say the client pays part of the cost by a share
 * ("up to 70% of the childcare costs", "20 per cent support towards
 * qualifying childcare costs", "a 50% reduction in course fees")?  A
 * share below 100 followed by a word of reduction, or by a cost word
 * within five words of the cost's own (not the provider's costs, "of our
 * costs", "the cost of delivering"; not "50% of people say cost ..."). */
static bool share_of_cost(const char *sent)
{
    static const char *const cut[] = {"discount", "discounts", "reduction", "reductions",
                                      NULL};
    static const char *const cost[] = {"cost", "costs", "fee", "fees", "price", "prices",
                                       NULL};
    /* Words that may stand between the share and the cost: "of your
     * eligible childcare costs", "support towards qualifying costs", "a
     * reduction in course fees"; any other word ends the look. */
    static const char *const between[] = {
        "of", "the", "your", "a", "an", "in", "on", "off", "towards", "toward", "support",
        "tuition", "course", "childcare", "qualifying", "eligible", "total", "full", NULL};
    for (const char *p = sent; *p; p++) {
        bool pct = *p == '%';
        if (!pct && !(p > sent && isdigit((unsigned char)p[-1]) &&
                      !strncasecmp(p, " per cent", 9) && !isalpha((unsigned char)p[9])))
            continue;
        const char *d = p;
        while (d > sent && (isdigit((unsigned char)d[-1]) || d[-1] == '.'))
            d--;
        double share = strtod(d, NULL);
        if (d == p || share <= 0 || share >= 100)
            continue;
        char w[24];
        const char *q = next_word(pct ? p + 1 : p + 9, w, sizeof w);
        if (q && word_is(w, cut))
            return true;
        for (int k = 0; q && k < 5; k++) {
            if (word_is(w, cost))
                return !cost_of_provider(q);
            if (!word_is(w, between))
                break;
            q = next_word(q, w, sizeof w);
        }
    }
    return false;
}

/* A line of a price list: a sum closing the sentence right after a dash,
 * a colon or a footnote star ("Residents of other boroughs – £6.80",
 * "resident on means-tested benefit* £1.50").  Where the sum starts (its
 * length in *len), or NULL; not a sum about pay, income or money given. */
static const char *price_line(const char *sent, size_t *len)
{
    const char *p = NULL;
    for (const char *q = strstr(sent, "\xc2\xa3"); q; q = strstr(q + 2, "\xc2\xa3"))
        p = q;
    if (!p || !isdigit((unsigned char)p[2]))
        return NULL;
    const char *a = p + 2;
    while (isdigit((unsigned char)*a) ||
           ((*a == ',' || *a == '.') && isdigit((unsigned char)a[1])))
        a++;
    if (a[strspn(a, " .*)")] != '\0')
        return NULL;
    const char *b = p;
    while (b > sent && b[-1] == ' ')
        b--;
    bool dash = b - sent >= 3 && (unsigned char)b[-3] == 0xE2 && (unsigned char)b[-2] == 0x80 &&
                ((unsigned char)b[-1] == 0x93 || (unsigned char)b[-1] == 0x94);
    if (!dash && (b == sent || (b[-1] != '-' && b[-1] != ':' && b[-1] != '*')))
        return NULL;
    if (has_any(sent, not_price))
        return NULL;
    *len = (size_t)(a - p);
    return p;
}

/* Is a price line's band one of a concession: its people named by a
 * benefit or low income ("resident on means-tested benefit – £1.50")? */
static bool line_for_concession(const char *sent)
{
    static const char *const poor[] = {"benefit", "benefits", "unwaged", "unemployed",
                                       "means-tested", "means tested", "low income", NULL};
    return has_any(sent, poor);
}

/* Overwrite n bytes at p with a letter: the words are gone, and the words
 * either side do not join into a phrase ("no concession fee" must not
 * become "no fee"). */
static void cross_out(char *p, size_t n)
{
    memset(p, 'x', n);
}

/* A price band word: "concession(s/ary)", "discount(s/ed)", "reduced",
 * "subsidised". */
static bool band_word(const char *w)
{
    static const char *const exact[] = {"reduced", "subsidised", "subsidized", NULL};
    return !strncmp(w, "concession", 10) || !strncmp(w, "discount", 8) || word_is(w, exact);
}

/* Is the band word at p (ending at after) the object of using or claiming
 * one ("if you wish to use a concession", "if you have used a discount
 * code", "the concession to be claimed", "concessions cannot be used with
 * discounts")?  The procedure for a band stated elsewhere states none. */
static bool band_in_use(const char *s, const char *p, const char *after)
{
    static const char *const use[] = {"use", "used", "using", NULL};
    static const char *const det[] = {"a", "an", "the", "your", "any", NULL};
    static const char *const done[] = {"used", "claimed", "combined", NULL};
    char w[24];
    const char *b = word_before(s, p, w, sizeof w);
    if (b && word_is(w, det))
        b = word_before(s, b, w, sizeof w);
    if (b && word_is(w, use))
        return true;
    const char *q = after;
    for (int k = 0; k < 3 && (q = next_word(q, w, sizeof w)) != NULL; k++)
        if (!strcmp(w, "be") && next_word(q, w, sizeof w) && word_is(w, done))
            return true;
    return false;
}

/* Is the band word at p no band of this service's price: negated ("no
 * concession fee is available", "unable to offer a concessionary rate",
 * "do not involve concessions"), part of a card's name ("a free Travel
 * Discount Card", "concessionary card holders"), the full band ("a fully
 * funded concession": free), or a council tax discount (a benefit)? */
static bool band_not_price(const char *s, const char *p, const char *after, bool council_tax)
{
    static const char *const filler[] = {"a", "an", "any", "the", "offer", "to", "for", "be",
                                          "able", "is", "are", "provide", "give", "involve",
                                          "do", "does", "currently", NULL};
    static const char *const card[] = {"card", "cards", NULL};
    char w[24];
    const char *q = next_word(after, w, sizeof w);
    if (q && !word_is(w, card))
        q = next_word(q, w, sizeof w);
    if (q && word_is(w, card))
        return true;
    size_t off = (size_t)(p - s);
    if ((off >= 13 && !strncasecmp(p - 13, "fully funded ", 13)) ||
        (off >= 13 && !strncasecmp(p - 13, "fully-funded ", 13)))
        return true;
    if (council_tax && !strncasecmp(p, "discount", 8))
        return true;
    return band_in_use(s, p, after) || negated_before(s, p, filler, true);
}

/* Cross out the band words of s that name no band of the service's price,
 * with the fee, rate or price word right after a negated one. */
static void cross_out_bands(char *s)
{
    static const char *const priced[] = {"fee", "fees", "rate", "rates", "price", "prices",
                                         NULL};
    bool council_tax = find_phrase(s, "council tax") != NULL;
    char w[24];
    for (const char *q = s; (q = next_word(q, w, sizeof w)) != NULL;) {
        size_t l = strlen(w);
        char *p = s + (q - s) - l;
        if (!band_word(w) || !band_not_price(s, p, q, council_tax))
            continue;
        char nx[24];
        const char *e = next_word(q, nx, sizeof nx);
        if (e && word_is(nx, priced) && (size_t)(e - q) <= strlen(nx) + 1)
            l = (size_t)(e - p);
        cross_out(p, l);
        q = p + l;
    }
}

/* "Co-funded by" or "partly funded by" a body says who pays the provider
 * ("the project is part of a fund co-funded by the ESF", "the advice
 * centre is partly funded by the council"), not what the client pays,
 * unless the sentence is about learning or childcare, where funding the
 * course is paying the learner's fee ("courses are co-funded by the
 * ESFA"). */
static void cross_out_funders(char *s)
{
    static const char *const funded_by[] = {"co-funded by", "co funded by", "partly funded by",
                                            "part-funded by", "part funded by", NULL};
    static const char *const learning[] = {
        "course", "courses", "training", "apprenticeship", "apprenticeships", "tuition",
        "qualification", "qualifications", "class", "classes", "study", "learning",
        "learners", "provision", "place", "places", "childcare", "ESOL", NULL};
    if (has_any(s, learning))
        return;
    for (const char *const *f = funded_by; *f; f++)
        for (char *p = (char *)find_phrase(s, *f); p; p = (char *)find_phrase(p, *f))
            cross_out(p, strlen(*f));
}

/* Is the "free" at p the offer of a short first meeting or a trial of a
 * paid service ("a free 15-minute consultation", "free, no obligation
 * appointments", "a free initial consultation", "free trial")?  Not a
 * free activity that lasts minutes ("a free 30-60 minute walk"), nor
 * free first help ("free initial advice"). */
static bool free_taster(const char *p)
{
    static const char *const first[] = {"initial", "introductory", NULL};
    static const char *const minute[] = {"min", "mins", "minute", "minutes", NULL};
    static const char *const meeting[] = {"consultation", "consultations", "appointment",
                                          "appointments", "call", "chat", "meeting", NULL};
    const char *a = p + 4;
    char w[24];
    while (*a == ',' || *a == ' ')
        a++;
    if (!strncasecmp(a, "no obligation", 13) || !strncasecmp(a, "no-obligation", 13))
        return true;
    const char *q = NULL;
    if (isdigit((unsigned char)*a)) {
        while (isdigit((unsigned char)*a))
            a++;
        q = next_word(a, w, sizeof w);
        if (!q || !word_is(w, minute))
            return false;
    } else {
        q = next_word(a, w, sizeof w);
        if (q && !strcmp(w, "trial"))
            return true;
        if (!q || !word_is(w, first))
            return false;
    }
    return next_word(q, w, sizeof w) && word_is(w, meeting);
}

/* Is the "free" at p free of something other than a price ("a room free
 * of judgment", "free from fear")?  Free of charge is no decoy, nor are
 * calls free from landlines and mobiles (a helpline that costs nothing). */
static bool free_of_other(const char *p)
{
    static const char *const priced[] = {"charge", "charges", "cost", "costs", "fee", "fees",
                                         "payment", "landlines", "landline", "mobiles",
                                         "mobile", "phones", NULL};
    char w[24];
    const char *q = next_word(p + 4, w, sizeof w);
    if (!q || (strcmp(w, "of") != 0 && strcmp(w, "from") != 0))
        return false;
    return !next_word(q, w, sizeof w) || !word_is(w, priced);
}

/* Is the "Free" at p (in s) part of a proper name met mid-sentence ("we
 * love Free Code Camp", "the Free Early Years Entitlements"): after a
 * lower-case word and before two capitalised ones?  A name of another
 * scheme says nothing of this service's price. */
static bool free_in_name(const char *s, const char *p)
{
    if (strncmp(p, "Free ", 5) != 0)
        return false;
    const char *b = p;
    while (b > s && b[-1] == ' ')
        b--;
    if (b == s || !islower((unsigned char)b[-1]))
        return false;
    const char *a = p + 5;
    for (int k = 0; k < 2; k++) {
        if (!isupper((unsigned char)*a) || !islower((unsigned char)a[1]))
            return false;
        while (isalpha((unsigned char)*a))
            a++;
        if (k == 0 && *a++ != ' ')
            return false;
    }
    return true;
}

/* Cross out each "free" that offers no free service: a taster of a paid
 * one, free of something other than a price, or part of a name. */
static void cross_out_free(char *s)
{
    for (char *p = (char *)find_phrase(s, "free"); p; p = (char *)find_phrase(p + 4, "free"))
        if (free_taster(p) || free_of_other(p) || free_in_name(s, p))
            cross_out(p, 4);
}

/* Cross out a word of free that is negated ("learners who are not
 * eligible for fee remission", "the course is not free"): whoever it
 * leaves out pays. */
static void cross_out_negated_free(char *s)
{
    static const char *const heads[] = {"free", "fee remission", "fully funded",
                                        "fully-funded", NULL};
    static const char *const filler[] = {"eligible", "entitled", "for", "to", "qualify",
                                         "claim", "be", "are", "is", "get", "receive", "a",
                                         "an", "the", "any", "always", "currently",
                                         "necessarily", "longer", NULL};
    for (const char *const *h = heads; *h; h++) {
        size_t l = strlen(*h);
        for (char *p = (char *)find_phrase(s, *h); p; p = (char *)find_phrase(p + l, *h))
            if (negated_before(s, p, filler, true))
                cross_out(p, l);
    }
}

/* Does the sentence deny that something is free ("the course is not
 * free", "sessions aren't free", "is no longer free")?  There is a price.
 * Where "free" starts, or NULL. */
static const char *free_denied(const char *sent)
{
    static const char *const be[] = {"is", "are", "was", "were", "be", NULL};
    static const char *const be_not[] = {"isn", "aren", "wasn", "weren", NULL};
    char w[24];
    for (const char *p = find_phrase(sent, "free"); p; p = find_phrase(p + 4, "free")) {
        if (free_of_other(p)) /* "not free from risk" */
            continue;
        const char *b = word_before(sent, p, w, sizeof w);
        const char *apos = b && !strcmp(w, "t") ? nt_apostrophe(sent, b) : NULL;
        if (apos) {
            if (word_before(sent, apos, w, sizeof w) && word_is(w, be_not))
                return p;
            continue;
        }
        if (b && !strcmp(w, "longer")) {
            b = word_before(sent, b, w, sizeof w); /* "no longer" */
            if (!b || strcmp(w, "no") != 0)
                continue;
        } else if (!b || strcmp(w, "not") != 0) {
            continue;
        }
        if (word_before(sent, b, w, sizeof w) && word_is(w, be))
            return p;
    }
    return NULL;
}

/* Words of a sentence that look like a cost but are not the service's. */
static void cross_out_cost_decoys(char *s)
{
    cross_out_bands(s);
    cross_out_funders(s);
    cross_out_free(s);
    cross_out_negated_free(s);
}

static bool asked_to_get_in(const char *sent);

/* A cost tag with the sentence around off..off+len as evidence. */
static void add_cost(ctx *c, const scan *sc, const char *field, const char *sent,
                     const char *slug, size_t off, size_t len)
{
    if (c->rc != SP_OK)
        return;
    char *ev = evidence(sent, off, len);
    if (!ev) {
        c->rc = SP_ENOMEM;
        return;
    }
    add(c, sc->tags, slug, field, ev, sc->conf);
    free(ev);
}

/* Is there a fee keyword in work that is more than a bare "fee(s)" (one
 * for the band: "a discounted course fee")?  "Where fees are paid in
 * full" and "a standard full fee" still name the full price beside a
 * band; a unit ("concessionary fees ... are £2.50 per hour") is the
 * band's price.  The first such hit into *out. */
static bool fee_beyond_band(const ctx *c, const char *work, vocab_hit *out)
{
    static const char *const bare[] = {"fee", "fees", NULL};
    char copy[EN_MAX_SENTENCE + 1];
    snprintf(copy, sizeof copy, "%s", work);
    for (const char *const *b = bare; *b; b++)
        for (char *p = (char *)find_phrase(copy, *b); p; p = (char *)find_phrase(p, *b))
            cross_out(p, strlen(*b));
    vocab_hit hits[EN_MAX_HITS];
    size_t n = vocab_match_text(c->v, "cost", copy, hits, EN_MAX_HITS);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(hits[i].slug, "fee") && hits[i].keyword && !bare_fee(hits[i].keyword) &&
            strncmp(hits[i].keyword, "per ", 4) != 0) {
            *out = hits[i];
            return true;
        }
    return false;
}

/* Does a fee hit say the client pays?  Not beside a word of free ("no
 * fees"), nor as a barrier ("can't afford the fee"), nor how fees are
 * decided, nor a bare fee beside a band ("a discounted course fee", "50%
 * discount on fees": the fee named is the band's; a price named, "£5 per
 * session", still says fee), nor "£7.55 per hour" of a wage.  A bare fee
 * beside a band gives way to a fuller fee keyword of the sentence, into
 * *h. */
static bool fee_hit_kept(const ctx *c, const char *sent, const char *work, vocab_hit *h,
                         bool free_seen, bool band_seen)
{
    /* How fees are decided ("the fees are set each year by the Executive",
     * "the Fees are subject to our Terms") says nothing of the price. */
    static const char *const governed[] = {"are set by", "is set by",   "be set by",
                                           "are set each", "are subject to", "is subject to",
                                           NULL};
    static const char *const pay_words[] = {"wage",   "wages",     "salary",    "earn",
                                            "earns",  "earning",   "earnings",  "income",
                                            "take-home", "take home", NULL};
    if (free_seen || fee_unaffordable(sent) || has_any(sent, governed))
        return false;
    if (band_seen && h->keyword && bare_fee(h->keyword) && !fee_beyond_band(c, work, h))
        return false;
    return !(h->keyword && !strncmp(h->keyword, "per ", 4) && has_any(sent, pay_words));
}

static void scan_sentence(ctx *c, const scan *sc, const char *field, const char *sent)
{
    if (sc->skip && has_any(sent, sc->skip))
        return;
    bool cost = !strcmp(sc->vfield, "cost");
    if (cost && to_employers(sent))
        return;
    if (sc->need) {
        bool found = false;
        for (const char *const *w = sc->need; *w && !found; w++)
            found = contains_ci(sent, *w);
        if (!found)
            return;
    }
    /* Decoys only take hits away: a sentence with none needs no blanking
     * (most sentences name no cost, no place). */
    vocab_hit hits[EN_MAX_HITS];
    char work[EN_MAX_SENTENCE + 1];
    size_t n = vocab_match_text(c->v, sc->vfield, sent, hits, EN_MAX_HITS);
    if (n) {
        snprintf(work, sizeof work, "%s", sent);
        blank_decoys(work, sc->vfield);
        n = vocab_match_text(c->v, sc->vfield, work, hits, EN_MAX_HITS);
    }
    if (sc->laundry && n >= 5) {
        /* A sentence naming five or more kinds of help in different areas
         * ("childcare, debts, housing, confidence and CVs") is a general
         * list of what might get in the way, not what the service offers. */
        const char *tops[EN_MAX_HITS];
        size_t nt = 0;
        for (size_t i = 0; i < n; i++) {
            const char *top = vocab_category_parent(c->v, hits[i].slug);
            top = top ? top : hits[i].slug;
            bool seen = false;
            for (size_t k = 0; k < nt; k++)
                seen |= strcmp(tops[k], top) == 0;
            if (!seen)
                tops[nt++] = top;
        }
        if (nt >= 5)
            return;
    }
    bool free_seen = false, band_seen = false, fee_seen = false;
    for (size_t i = 0; i < n && cost; i++) {
        free_seen |= strcmp(hits[i].slug, "free") == 0;
        band_seen |= strcmp(hits[i].slug, "subsidised") == 0;
    }
    /* "You will not pay tuition fees": free, and the fee named is waived. */
    const char *unpaid = cost && !free_seen ? payment_negated(sent) : NULL;
    if (unpaid) {
        add_cost(c, sc, field, sent, "free", (size_t)(unpaid - sent), 3);
        free_seen = true;
    }
    /* "Up to 70% of the childcare costs" names a band without its word
     * (and the fee named is the band's). */
    if (cost && !free_seen && !band_seen && share_of_cost(sent)) {
        add_cost(c, sc, field, sent, "subsidised", 0, strlen(sent));
        band_seen = true;
    }
    /* A line of a price list: the band's price where its people are named
     * by a benefit, else a fee. */
    size_t llen = 0;
    const char *line = cost && !free_seen && !band_seen ? price_line(sent, &llen) : NULL;
    if (line && line_for_concession(sent)) {
        add_cost(c, sc, field, sent, "subsidised", (size_t)(line - sent), llen);
        band_seen = true;
        line = NULL;
    }
    for (size_t i = 0; i < n && c->rc == SP_OK; i++) {
        if (!strcmp(hits[i].slug, "fee") &&
            !fee_hit_kept(c, sent, work, &hits[i], free_seen, band_seen))
            continue;
        char *ev = evidence(sent, hits[i].off, hits[i].len);
        if (!ev) {
            c->rc = SP_ENOMEM;
            return;
        }
        if (sc->kind == 1)
            add_borough(c, vocab_borough_get(c->v, hits[i].slug), field, ev, sc->conf);
        else if (sc->kind == 2)
            add_subregion(c, hits[i].slug, field, ev, sc->conf);
        else
            add(c, sc->tags, hits[i].slug, field, ev, sc->conf);
        fee_seen |= strcmp(hits[i].slug, "fee") == 0;
        free(ev);
    }
    /* A way in told without a self-referral keyword. */
    bool self_seen = false;
    for (size_t i = 0; i < n; i++)
        self_seen |= strcmp(hits[i].slug, "self") == 0;
    if (!strcmp(sc->vfield, "referral") && !self_seen && c->rc == SP_OK &&
        asked_to_get_in(sent)) {
        char *ev = evidence(sent, 0, strlen(sent));
        if (!ev) {
            c->rc = SP_ENOMEM;
            return;
        }
        add(c, sc->tags, "self", field, ev, sc->conf);
        free(ev);
    }
    size_t plen = 0;
    /* (With a band named the price is the band's: "a concessionary fee
     * of £3.25 an hour" says subsidised.) */
    const char *price = cost && !free_seen && !fee_seen && !band_seen && c->rc == SP_OK
                            ? price_named(sent, &plen)
                            : NULL;
    if (price)
        add_cost(c, sc, field, sent, "fee", (size_t)(price - sent), plen);
    else if (line && !fee_seen)
        add_cost(c, sc, field, sent, "fee", (size_t)(line - sent), llen);
    const char *denied = cost && !free_seen && !fee_seen && !price && !line
                             ? free_denied(sent)
                             : NULL;
    if (denied)
        add_cost(c, sc, field, sent, "fee", (size_t)(denied - sent), 4);
}

/* Is the full stop at e (in the text from p) the end of "e.g." or "i.e.",
 * which go on with the sentence ("professionals (e.g. health visitors)")? */
static bool abbrev_end(const char *p, const char *e)
{
    if (*e != '.' || e - p < 3 || e[-2] != '.')
        return false;
    char a = (char)tolower((unsigned char)e[-3]), b = (char)tolower((unsigned char)e[-1]);
    if (!((a == 'e' && b == 'g') || (a == 'i' && b == 'e')))
        return false;
    return e - p == 3 || !isalpha((unsigned char)e[-4]);
}

/* Split text into sentences (., !, ?, ; or a line break followed by space,
 * and bullets) and scan each. */
static void scan_text(ctx *c, const scan *sc, const char *field, const char *text)
{
    if (!text || !*text)
        return;
    const char *p = text;
    int count = 0;
    while (*p && count < EN_MAX_SENTENCES && c->rc == SP_OK) {
        while (*p && (isspace((unsigned char)*p) || *p == '-' || *p == '*'))
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e) {
            if (*e == '\n' || *e == '\r')
                break;
            if ((*e == '.' || *e == '!' || *e == '?' || *e == ';') &&
                (e[1] == '\0' || isspace((unsigned char)e[1])) && !abbrev_end(p, e))
                break;
            if ((unsigned char)e[0] == 0xE2 && (unsigned char)e[1] == 0x80 &&
                (unsigned char)e[2] == 0xA2) /* bullet */
                break;
            e++;
        }
        size_t len = (size_t)(e - p) + (*e && *e != '\n' && *e != '\r' &&
                                        (unsigned char)*e != 0xE2);
        if (len > EN_MAX_SENTENCE) {
            len = EN_MAX_SENTENCE;
            while (len && ((unsigned char)p[len] & 0xC0) == 0x80)
                len--;
        }
        char sent[EN_MAX_SENTENCE + 1];
        memcpy(sent, p, len);
        sent[len] = '\0';
        /* Trim, and keep UTF-8 whole if the cut fell mid-character. */
        while (len && isspace((unsigned char)sent[len - 1]))
            sent[--len] = '\0';
        if (len && sp_utf8_valid(sent, len))
            scan_sentence(c, sc, field, sent);
        count++;
        p = *e ? e + ((unsigned char)*e == 0xE2 ? 3 : 1) : e;
    }
}

/* ----------------------------------------------------------- geography */

static const char *const pan_london_phrases[] = {
    "pan-london", "pan london", "across london", "all london boroughs",
    "all 33 london boroughs", "all 32 london boroughs", "all of london", "london-wide",
    "london wide", "londonwide", "anywhere in london", "throughout london",
    "across the capital", "across greater london", "all over london", "all london residents",
    "any london resident", "anyone living in london", "all londoners", NULL};

/* Whole service-area names that mean all of London. */
static const char *const london_names[] = {"london", "greater london", "all london",
                                           "pan-london", "pan london", "london-wide",
                                           "all london boroughs", NULL};

static bool is_london_name(const char *s)
{
    char buf[64];
    size_t n = 0;
    while (isspace((unsigned char)*s))
        s++;
    for (; *s && n + 1 < sizeof buf; s++)
        buf[n++] = (char)tolower((unsigned char)*s);
    while (n && (isspace((unsigned char)buf[n - 1]) || buf[n - 1] == '.'))
        n--;
    buf[n] = '\0';
    for (const char *const *p = london_names; *p; p++)
        if (strcmp(buf, *p) == 0)
            return true;
    return false;
}

static void pan_london_in(ctx *c, const char *field, const char *text, double conf)
{
    if (!text)
        return;
    for (const char *const *p = pan_london_phrases; *p; p++) {
        const char *hit = find_phrase(text, *p);
        /* "anyone living in London Borough of Ealing" is one borough. */
        while (hit) {
            const char *after = hit + strlen(*p);
            while (isspace((unsigned char)*after))
                after++;
            if (strncasecmp(after, "borough", 7) != 0)
                break;
            hit = find_phrase(after, *p);
        }
        if (hit) {
            char *ev = evidence(text, (size_t)(hit - text), strlen(*p));
            if (!ev) {
                c->rc = SP_ENOMEM;
                return;
            }
            set_pan_london(c, field, ev, conf);
            free(ev);
            return;
        }
    }
}

/* An address whose postcode places it in a London borough is completed
 * with what that says (ORUK 3.0 requires city and state_province): city
 * "London", state_province "Greater London", region the borough's name.
 * What the provider wrote is never replaced, and the postcode is not moved
 * out of an address line (enriching twice must give the same record). */
static void complete_address(ctx *c, rec_address *a, const vocab_borough *b)
{
    char **fields[] = {&a->city, &a->state_province, &a->region};
    const char *values[] = {"London", "Greater London", b->name};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (*fields[i] == NULL && values[i] != NULL) {
            *fields[i] = sp_strdup(values[i]);
            if (*fields[i] == NULL)
                c->rc = SP_ENOMEM;
        }
    }
}

static void geography(ctx *c)
{
    rec_service *r = c->r;
    char field[128];
    for (size_t i = 0; i < r->n_locations; i++) {
        rec_location *loc = &r->locations[i];
        size_t had = r->boroughs.n;
        for (size_t j = 0; j < loc->n_addresses; j++) {
            rec_address *a = &loc->addresses[j];
            const vocab_borough *b = NULL;
            if (a->postal_code &&
                vocab_postcode(c->v, a->postal_code, NULL, NULL, &b) == SP_OK && b) {
                snprintf(field, sizeof field, "locations[%zu].addresses[%zu].postal_code", i,
                         j);
                add_borough(c, b, field, a->postal_code, 1.0);
                complete_address(c, a, b);
                continue;
            }
            /* No usable postcode field: one written in the address lines. */
            const char *lines[] = {a->address_1, a->address_2};
            for (size_t k = 0; k < 2 && !b; k++) {
                char *pcs[2];
                size_t n = vocab_find_postcodes(lines[k], pcs, 2);
                for (size_t q = 0; q < n; q++) {
                    if (!b && vocab_postcode(c->v, pcs[q], NULL, NULL, &b) == SP_OK && b) {
                        snprintf(field, sizeof field, "locations[%zu].addresses[%zu].address_%zu",
                                 i, j, k + 1);
                        add_borough(c, b, field, pcs[q], 0.9);
                        complete_address(c, a, b);
                    }
                    free(pcs[q]);
                }
            }
            if (b)
                continue;
            /* The town or region naming a borough ("Hackney", "LB Brent"). */
            const char *names[] = {a->city, a->region, a->state_province};
            static const char *const nfield[] = {"city", "region", "state_province"};
            for (size_t k = 0; k < 3 && !b; k++) {
                if (!names[k])
                    continue;
                b = vocab_borough_from_name(c->v, names[k]);
                if (b) {
                    snprintf(field, sizeof field, "locations[%zu].addresses[%zu].%s", i, j,
                             nfield[k]);
                    add_borough(c, b, field, names[k], 1.0);
                }
            }
        }
        /* Coordinates and no usable address (schema.org geo on a web page):
         * the nearest postcode sector, if it is close. */
        if (r->boroughs.n == had && loc->has_coords) {
            const vocab_borough *b =
                vocab_borough_at(c->v, loc->latitude, loc->longitude, 1.5, NULL);
            if (b) {
                char ll[64];
                snprintf(ll, sizeof ll, "%.5f,%.5f", loc->latitude, loc->longitude);
                snprintf(field, sizeof field, "locations[%zu].latitude", i);
                add_borough(c, b, field, ll, 0.8);
            }
        }
    }

    static const scan borough_scan = {"borough", NULL, 0.9, NULL, NULL, 1, false};
    static const scan sub_scan = {"subregion", NULL, 0.9, NULL, NULL, 2, false};
    for (size_t i = 0; i < r->n_service_areas && c->rc == SP_OK; i++) {
        const rec_service_area *sa = &r->service_areas[i];
        if (sa->name) {
            snprintf(field, sizeof field, "service_areas[%zu].name", i);
            const vocab_borough *b = vocab_borough_from_name(c->v, sa->name);
            const char *sub = vocab_canon(c->v, "subregion", sa->name);
            if (b)
                add_borough(c, b, field, sa->name, 1.0);
            else if (sub)
                add_subregion(c, sub, field, sa->name, 1.0);
            else if (is_london_name(sa->name))
                set_pan_london(c, field, sa->name, 1.0);
            else {
                pan_london_in(c, field, sa->name, 0.9);
                scan_text(c, &borough_scan, field, sa->name);
                scan_text(c, &sub_scan, field, sa->name);
            }
        }
        if (sa->description) {
            snprintf(field, sizeof field, "service_areas[%zu].description", i);
            pan_london_in(c, field, sa->description, 0.9);
            scan_text(c, &borough_scan, field, sa->description);
            scan_text(c, &sub_scan, field, sa->description);
        }
    }

    /* Prose: who may use it ("Hackney residents"), and the reach of the
     * service ("across south London", "pan-London"). */
    static const scan elig_b = {"borough", NULL, 0.8, NULL, NULL, 1, false};
    static const scan elig_s = {"subregion", NULL, 0.8, NULL, NULL, 2, false};
    static const scan desc_b = {"borough", NULL, 0.7, NULL, NULL, 1, false};
    static const scan desc_s = {"subregion", NULL, 0.7, NULL, NULL, 2, false};
    pan_london_in(c, "eligibility_description", r->eligibility_description, 0.8);
    scan_text(c, &elig_b, "eligibility_description", r->eligibility_description);
    scan_text(c, &elig_s, "eligibility_description", r->eligibility_description);
    pan_london_in(c, "description", r->description, 0.8);
    scan_text(c, &desc_b, "description", r->description);
    scan_text(c, &desc_s, "description", r->description);
}

/* ------------------------------------------------------------ taxonomy */

static void term_tags(ctx *c, const rec_taxonomy_term *t, const char *base)
{
    char field[128];
    const char *vals[] = {t->name, t->code, t->id};
    static const char *const names[] = {"name", "code", "id"};
    for (size_t k = 0; k < 3; k++) {
        if (!vals[k])
            continue;
        snprintf(field, sizeof field, "%s.%s", base, names[k]);
        const char *cat = vocab_term(c->v, "category", vals[k]);
        const char *grp = vocab_term(c->v, "group", vals[k]);
        add(c, &c->r->categories, cat, field, vals[k], 1.0);
        add(c, &c->r->groups, grp, field, vals[k], 1.0);
        /* Our own facet slugs given as terms ("online", "self", "free"). */
        add(c, &c->r->modes, vocab_canon(c->v, "mode", vals[k]), field, vals[k], 1.0);
        add(c, &c->r->costs, vocab_canon(c->v, "cost", vals[k]), field, vals[k], 1.0);
        add(c, &c->r->referrals, vocab_canon(c->v, "referral", vals[k]), field, vals[k], 1.0);
        if (cat || grp)
            break;
    }
}

static void taxonomy(ctx *c)
{
    rec_service *r = c->r;
    char base[96], field[128];
    for (size_t i = 0; i < r->n_taxonomy_terms; i++) {
        snprintf(base, sizeof base, "taxonomy_terms[%zu]", i);
        term_tags(c, &r->taxonomy_terms[i], base);
    }
    for (size_t i = 0; i < r->n_attributes; i++) {
        const rec_attribute *a = &r->attributes[i];
        snprintf(base, sizeof base, "attributes[%zu].taxonomy_term", i);
        term_tags(c, &a->term, base);
        if (a->value) {
            snprintf(field, sizeof field, "attributes[%zu].value", i);
            add(c, &r->categories, vocab_term(c->v, "category", a->value), field, a->value,
                1.0);
            add(c, &r->groups, vocab_term(c->v, "group", a->value), field, a->value, 1.0);
        }
    }
}

/* ------------------------------------------------------- the rest */

static void languages(ctx *c)
{
    rec_service *r = c->r;
    char field[128];
    for (size_t i = 0; i < r->n_languages; i++) {
        const rec_language *l = &r->languages[i];
        const char *code = vocab_canon(c->v, "language", l->code);
        if (!code)
            code = vocab_canon(c->v, "language", l->name);
        snprintf(field, sizeof field, "languages[%zu].%s", i, l->code && code ? "code" : "name");
        add(c, &r->langs, code, field, l->code ? l->code : l->name, 1.0);
    }
    for (size_t i = 0; i < r->n_locations; i++) {
        const rec_location *loc = &r->locations[i];
        for (size_t j = 0; j < loc->n_languages; j++) {
            const rec_language *l = &loc->languages[j];
            const char *code = vocab_canon(c->v, "language", l->code);
            if (!code)
                code = vocab_canon(c->v, "language", l->name);
            snprintf(field, sizeof field, "locations[%zu].languages[%zu]", i, j);
            add(c, &r->langs, code, field, l->code ? l->code : l->name, 1.0);
        }
    }
    /* "Interpreters for Arabic and Somali speakers". */
    static const scan interp = {"language", NULL, 0.8, NULL, NULL, 0, false};
    scan interp_l = interp;
    interp_l.tags = &r->langs;
    scan_text(c, &interp_l, "interpretation_services", r->interpretation_services);
    /* "Languages: English, Tigrinya, Somali" or "advisers who speak Polish"
     * in the prose of a plain web page. */
    static const char *const about_language[] = {"language", "speak", "interpret",
                                                 "translat", NULL};
    scan desc_l = {"language", &r->langs, 0.7, NULL, about_language, 0, false};
    scan_text(c, &desc_l, "description", r->description);
}

static void costs(ctx *c)
{
    rec_service *r = c->r;
    char field[128];
    /* Notices about the price list ("fees are correct at the time of
     * publishing", "we keep fees as low as possible") say no price. */
    static const char *const notices[] = {"correct at the time", "correct at time of",
                                          "as low as possible", NULL};
    scan sc = {"cost", &r->costs, 0.9, notices, NULL, 0, false};
    for (size_t i = 0; i < r->n_cost_options; i++) {
        const rec_cost_option *o = &r->cost_options[i];
        if (o->has_amount) {
            char amount[64];
            snprintf(amount, sizeof amount, "%.2f %s", o->amount, o->currency ? o->currency : "");
            snprintf(field, sizeof field, "cost_options[%zu].amount", i);
            add(c, &r->costs, o->amount > 0 ? "fee" : "free", field, amount, 1.0);
        }
        snprintf(field, sizeof field, "cost_options[%zu].option", i);
        scan_text(c, &sc, field, o->option);
        snprintf(field, sizeof field, "cost_options[%zu].amount_description", i);
        scan_text(c, &sc, field, o->amount_description);
    }
    scan_text(c, &sc, "fees_description", r->fees_description);
    sc.conf = 0.7;
    scan_text(c, &sc, "eligibility_description", r->eligibility_description);
    scan_text(c, &sc, "description", r->description);
}

/* A schedule's attending type: a mode slug or label ("online", "In
 * person") or words for one ("By telephone"). */
static void attending(ctx *c, const char *at, const char *field)
{
    if (!at)
        return;
    const char *m = vocab_canon(c->v, "mode", at);
    if (m) {
        add(c, &c->r->modes, m, field, at, 1.0);
        return;
    }
    scan sc = {"mode", &c->r->modes, 1.0, NULL, NULL, 0, false};
    scan_text(c, &sc, field, at);
}

static void modes(ctx *c)
{
    rec_service *r = c->r;
    char field[128];
    for (size_t i = 0; i < r->n_locations; i++) {
        const rec_location *loc = &r->locations[i];
        for (size_t j = 0; j < loc->n_schedules; j++) {
            snprintf(field, sizeof field, "locations[%zu].schedules[%zu].attending_type", i, j);
            attending(c, loc->schedules[j].attending_type, field);
        }
    }
    for (size_t j = 0; j < r->n_schedules; j++) {
        snprintf(field, sizeof field, "schedules[%zu].attending_type", j);
        attending(c, r->schedules[j].attending_type, field);
    }
    /* Location types: a virtual location is online delivery.  A physical
     * one is in-person delivery unless the schedules already said how people
     * attend (a phone service still lists its office). */
    bool told = r->modes.n > 0;
    for (size_t i = 0; i < r->n_locations; i++) {
        const rec_location *loc = &r->locations[i];
        if (!loc->location_type)
            continue;
        snprintf(field, sizeof field, "locations[%zu].location_type", i);
        if (strcasecmp(loc->location_type, "virtual") == 0)
            add(c, &r->modes, "online", field, loc->location_type, 1.0);
        else if (strcasecmp(loc->location_type, "physical") == 0 && !told)
            add(c, &r->modes, "in-person", field, loc->location_type, 1.0);
    }
    scan sc = {"mode", &r->modes, 0.9, NULL, NULL, 0, false};
    for (size_t j = 0; j < r->n_schedules; j++) {
        snprintf(field, sizeof field, "schedules[%zu].description", j);
        scan_text(c, &sc, field, r->schedules[j].description);
    }
    scan_text(c, &sc, "application_process", r->application_process);
    sc.conf = 0.8;
    scan_text(c, &sc, "description", r->description);
    /* Online and in person both offered: that is what a user filtering on
     * "hybrid" is looking for. */
    if (rec_tags_has(&r->modes, "online") && rec_tags_has(&r->modes, "in-person"))
        add(c, &r->modes, "hybrid", "modes", "offered both online and in person", 0.7);
}

/* Does the sentence tell the client to reach someone for a way in:
 * call, phone, ring, email or contact them to book, enrol, apply, join or
 * get help ("Please ring any centre to enrol and pay", "phone Quit 51 on
 * 0800 6226968 for an appointment"), or complete, fill in, submit or
 * download a form ("complete the homeless application form")?  Not a
 * contact for information ("for more information", "to find out"), nor
 * words to referrers, volunteers, managers or complainants. */
static bool asked_to_get_in(const char *sent)
{
    static const char *const reach[] = {"contact", "contacting", "call", "phone", "ring",
                                        "email", "e-mail", "telephone", "get in touch",
                                        NULL};
    static const char *const purpose[] = {
        "to book", "to enrol", "to apply", "apply for a place", "to access", "to join",
        "to register", "to reserve", "to arrange", "for an appointment", "get help",
        "for help", "seek help", "immediately", "as soon as possible", "see if you can",
        "check your eligibility", NULL};
    static const char *const form_verb[] = {"complete", "fill in", "fill out", "submit",
                                            "download", NULL};
    static const char *const not_in[] = {
        "more information", "further information", "more details", "further details",
        "for details", "find out", "unsure", "not sure", "query", "queries", "volunteer",
        "volunteering", "refer", "referring", "complaint", "manager", "employer",
        "contact details", "help to complete", "once", "detail", "unable", "not be able",
        "do not meet", "don't meet", "try again", "your details", "get a referral",
        "getting a referral", "your parents", "your family", "your partner", "declaration",
        "self-declaration", "evidence",
        /* emergency services are no way into this one */
        "police", "999", "111", "ambulance", "emergency services", "samaritans", NULL};
    /* Cheap cues first: one pass each over the sentence. */
    bool purposed = has_any(sent, purpose), formed = has_any(sent, form_verb);
    if (!purposed && !formed)
        return false;
    /* A word of reaching as a verb for the client: not a noun ("an email",
     * "point of contact", "telephone-based"), not the provider reaching
     * the client or someone else ("will contact you", "contact them"). */
    bool contact = false;
    for (size_t i = 0; purposed && !contact && reach[i]; i++) {
        size_t l = strlen(reach[i]);
        for (const char *p = find_phrase(sent, reach[i]); p && !contact;
             p = find_phrase(p + l, reach[i])) {
            const char *a = p + l;
            bool noun = *a == '-' ||
                        (p - sent >= 3 &&
                         (!strncasecmp(p - 3, "an ", 3) || !strncasecmp(p - 3, "of ", 3)) &&
                         (p - sent == 3 || !isalnum((unsigned char)p[-4])));
            bool object = !strncasecmp(a, " you", 4) || !strncasecmp(a, " them", 5) ||
                          !strncasecmp(a, " their", 6);
            contact = !noun && (!object || !strncasecmp(a, " your", 5));
        }
    }
    bool form = false;
    for (size_t i = 0; formed && !contact && !form && form_verb[i]; i++) {
        const char *v = find_phrase(sent, form_verb[i]);
        /* "form" within the next five words. */
        for (int w = 0; v && *v && w < 5 && !form; w++) {
            v += strcspn(v, " ");
            v += strspn(v, " ");
            form = !strncasecmp(v, "form", 4) && !isalnum((unsigned char)v[4]);
        }
    }
    return (contact || form) && !has_any(sent, not_in);
}

static void referrals(ctx *c)
{
    rec_service *r = c->r;
    scan sc = {"referral", &r->referrals, 0.9, skip_referrals_history, NULL, 0, false};
    scan_text(c, &sc, "application_process", r->application_process);
    sc.conf = 0.8;
    scan_text(c, &sc, "eligibility_description", r->eligibility_description);
    /* In the general description only sentences about referral count. */
    sc.conf = 0.7;
    /* Word stems: "refer", "referral", "book", "booking", "join". */
    static const char *const about_referral[] = {"refer",   "book",    "join", "sign up",
                                                 "drop in", "drop-in", "pop in", NULL};
    sc.need = about_referral;
    sc.skip = skip_referrals_desc;
    scan_text(c, &sc, "description", r->description);
}

static void groups_and_categories(ctx *c)
{
    rec_service *r = c->r;
    char ev[64];
    /* Age limits are structured eligibility. */
    if (r->maximum_age >= 16 && r->maximum_age <= 30 && r->minimum_age < 25) {
        snprintf(ev, sizeof ev, "maximum age %g", r->maximum_age);
        add(c, &r->groups, "young-people", "maximum_age", ev, 1.0);
    }
    if (r->minimum_age >= 50) {
        snprintf(ev, sizeof ev, "minimum age %g", r->minimum_age);
        add(c, &r->groups, "aged-50-plus", "minimum_age", ev, 1.0);
    }
    scan g = {"group", &r->groups, 0.9, skip_groups, NULL, 0, false};
    scan k = {"category", &r->categories, 0.9, skip_categories, NULL, 0, true};
    scan_text(c, &g, "name", r->name);
    scan_text(c, &k, "name", r->name);
    g.conf = 0.85;
    scan_text(c, &g, "eligibility_description", r->eligibility_description);
    g.conf = 0.8;
    k.conf = 0.8;
    scan_text(c, &g, "description", r->description);
    scan_text(c, &k, "description", r->description);
    k.conf = 0.7;
    scan_text(c, &k, "alternate_name", r->alternate_name);
}

/* A child category implies its parent, with the same evidence. */
static void category_parents(ctx *c)
{
    rec_tags *t = &c->r->categories;
    size_t n = t->n; /* parents appended below need no parents themselves */
    for (size_t i = 0; i < n && c->rc == SP_OK; i++) {
        const char *p = vocab_category_parent(c->v, t->v[i].slug);
        if (p)
            add(c, t, p, t->v[i].ev.field, t->v[i].ev.text, t->v[i].ev.confidence);
    }
}

int enrich_record(const vocab *v, rec_service *r, sp_err *err)
{
    if (!v || !r)
        return sp_fail(err, SP_EINVAL, "enrich_record: NULL argument");
    enrich_clear(r);
    ctx c = {v, r, SP_OK};
    geography(&c);
    taxonomy(&c);
    languages(&c);
    costs(&c);
    modes(&c);
    referrals(&c);
    groups_and_categories(&c);
    category_parents(&c);
    if (c.rc != SP_OK)
        return sp_fail(err, c.rc, "enrich_record: out of memory");
    return elig_extract(v, r, err); /* structured eligibility (elig.h) */
}
