/*
 * elig_pat.c - the sentence patterns of indexer/elig.c without regular
 * expressions: an Aho-Corasick automaton over phrase lists, and bounded
 * hand-written scanners for the numeric forms (see elig_pat.h).
 */
#include "elig_pat.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ phrases */

/* Phrase lists: "|" separates phrases, "(a|b|)" inside a phrase is a
 * choice (an empty choice makes the part optional); expanded at init. */
static const char *const phrase_src[P__COUNT] = {
    [P_AGE_ANY] = "no (upper |lower |)age (limit|restriction|requirement)|all ages|any age|"
                  "regardless of (your |)age|whatever (your |)age|of all ages|"
                  "no matter (what |)(your age|how old)|open to all ages|age is no barrier|"
                  "(don't|do not|doesn't|does not) have (an|any) (upper |)age (limit|restriction)",
    [P_ADULTS] = "(all|any) adults|adults only|for adults|open to adults|adults of any|"
                 "adults (living|who live)|(for|to) any adult (who|living|aged)|"
                 "disabled adults|adults with (learning|a learning|disabilit|a disabilit|"
                 "mental|autism|dementia|additional)|"
                 "(help|helps|helping|support|supports|supporting|engage|give|those|"
                 "programmes to|programme to|interventions to|services to) adults "
                 "(who|with|to|furthest|for whom|improve|aged|presenting)",
    [P_NEGATE] = "not (suitable|open|available|eligible|for)|isn't (suitable|open|available|for)|"
                 "aren't eligible|no one|nobody|excluding|excludes|except|cannot|can't|can not|"
                 "unable to (support|help|accept)|we do not (accept|support|work with)|"
                 "does not (accept|support)",
    [P_SOFT] = "priority|prioriti|especially|particularly|in particular|including|includes|"
               "welcome|encourag|not only|not just|not exclusively|as well as|such as|"
               "for example|e.g.|among others|amongst others|but not limited|preference|"
               "preferred|whether or not|regardless|open to all|open to everyone|anyone can|"
               "everyone|all backgrounds|any background",
    [P_EXCEPT] = "unless|discretion|case by case|case-by-case|exceptions|exceptional|"
                 "may be considered|may be able to|flexib|in some cases|can sometimes|"
                 "normally|usually|generally|in most cases|not essential|isn't essential|"
                 "not always (necessary|required|essential)|not necessarily",
    [P_RES_TRIGGER] = "resident|live in|living in|lives in|live or work|live, work|live and work|"
                      "living or returning to|live or return to|lives or returns to|"
                      "live/work|who are based in|you are based in|reside|from the borough|"
                      "anyone in|everyone in|all adults in|anyone living|people living|"
                      "adults in (england|london|the uk)|lives, works|works or studies|"
                      "who lives in|where you live|live locally|address in|"
                      "(for|to) (all |)(people|anyone|everyone|adults|those|residents) in |"
                      "londoner|anywhere in|(live|lives|living) outside|postcode|"
                      "(have|has|must have|) lived in|been living in|permanently settled in|"
                      "(been|be|being) in the (uk|united kingdom) for|local connection (to|with) ",
    [P_RES_ANY] = "(don't|do not|doesn't|does not|no need to|not need to) (have to |need to |)live|"
                  "no matter where you live|wherever you live|regardless of where you live|"
                  "not just for|not only for|whichever borough|any borough|all boroughs",
    [P_RES_WORK] = "live(,|) (or|and) work|work or study|live, work|live/work|work in the borough|"
                   "or work in|or study in|works or studies",
    [P_BEN_NONE] = "(don't|do not|doesn't|does not|no need to|not need to|needn't|not have to|"
                   "don't have to|do not have to)( need to| have to|)( be|)( |)(claim|claiming|on|"
                   "receiving|in receipt of|get|getting)|"
                   "whether or not you('re| are|)( |)(claim|claiming|receive|get|on)|"
                   "regardless of (your |)benefit|no benefit (requirement|claim)|"
                   "outside the benefits system|with or without benefits|"
                   "rather than just those who claim|not just (for |)those (who are |)(claim|on)|"
                   "(claiming|on) benefits or not|benefit(s|) (is|are) not required|"
                   "not (necessary|required) to (be |)(claim|on)|"
                   "whether (you are|you're) (claiming|on)|do not have to be (on|claiming)|"
                   "don't need to be (on|claiming)|not claiming (any |)benefits|"
                   "not in receipt of (any |)benefits|"
                   "(doesn't|does not|don't|do not|won't|will not) depend on (the |your |any |)"
                   "benefit|not dependent on (the |your |any |)benefit|"
                   "regardless of whether you('re| are|) (claim|claiming|receive|on|in receipt)",
    [P_BEN_CLAIM] = "(claim|claiming|claims|claimant|claimants|in receipt of|receiving|receive|"
                    "receives|recipients of|on|getting|get|entitled to|must be on|in receipt)"
                    "( |,)",
    [P_BEN_HELP] = "help (you |)(to |)(claim|apply|make)|apply for|applying for|advice (on|about)|"
                   "advis(e|es|ing) (on|about|people on|you on)|"
                   "find out (about|how|what|if|whether)|information (on|about)|"
                   "learn (about|how)|help with|support with|support to claim|"
                   "benefit(s|) advice|benefit(s|) check|better( |-)off|maximi(s|z)e|appeal|"
                   "welfare rights|manage your|make a claim|what you('re| are) entitled|"
                   "entitled to claim|check (what|which)|changes to your|"
                   "moving (on|)to universal credit|migrat|you('re| are) entitled to|"
                   "claim the benefits|free if|reduced (fee|price|rate)|concession|discount|"
                   "'s based on|is based on|are based on",
    [P_BEN_NOT] = "not (claiming|on |receiving|in receipt of|eligible if you (claim|are claiming|"
                  "receive|get))|must not (be |)(claim|on |receiv)|cannot be (claim|on |receiv)|"
                  "aren't (claiming|on )|not available to (people|those) (claiming|on|receiving)",
    [P_BEN_GENERIC] = "benefit(s|)",
    [P_ST_ANY] = "in or out of work|employed or unemployed|unemployed or employed|working or not|"
                 "regardless of (your |)employment|whatever your employment|"
                 "whether you('re| are) working or not|out of work or in work|"
                 "in work or out of work|employed, unemployed|"
                 "(get|find|move) or stay in work|stay in or (get|find) work|"
                 "into or stay in work|working, out of work|"
                 "not in work or looking to change|"
                 "regardless of whether you('re| are) (in |)(education|work|employment|training|"
                 "working|studying|employed)|"
                 "whether (or not |)you('re| are) (studying|working|employed|in education|"
                 "in work|in employment)( or not|, employment or training| or training)",
    [P_ST_NOT] = "(must not|cannot|can't|not (open|available) to (people|those) who are|"
                 "not for people who are|not eligible if you are|aren't eligible if you are) "
                 "(be |)(in work|working|employed|unemployed|in full-time)",
    [P_LTU] = "long( |-)term unemploy",
    [P_MONTHS_ANY] = "no minimum (period|time)|however long|no matter how long|"
                     "any length of time|recently unemployed or|just lost your job or",
    [P_RTW] = "right to work|right to reside and work|"
              "eligible to work in (the uk|the united kingdom|england|great britain|britain)|"
              "able to work and study in (the uk|england)|permission to work|"
              "legally (able|entitled|allowed) to work|entitled to work in the uk|"
              "not be subject to (any |)(uk |)immigration control|"
              "national insurance number|ni number|settled status|recourse to public funds|"
              "immigration status|work permit|visa (status|conditions)|"
              "indefinite leave to remain|right to reside test|habitual residence|"
              "immigration rules|residency status|"
              "immigration and residence conditions|(access|accessing|receiving|rights to|"
              "right to) public funds",
    [P_RTW_NONE] = "regardless of|whatever (your|their)|no matter|don't need|do not need|"
                   "not required|without (a|the|any|permission|the right)|"
                   "no recourse to public funds (welcome|can|are welcome)|"
                   "(including|welcome|support) (people |those |)(with |)(no recourse|nrpf)|"
                   "even if you (have|don't)|any immigration status|all immigration statuses|"
                   "whether or not you have|no test for",
    [P_REQ] = "only|must|exclusively|need to be|have to be|to be eligible|eligible if|"
              "eligibility|criteria|restricted to|specifically for|designed for|dedicated to|"
              "you must|is for|are for|aimed at|targeted at|who identify as|must have|open to|"
              "available to|solely",
    [P_STRONG] = "only|must|exclusively|need to be|have to be|to be eligible|eligible if|"
                 "eligibility|criteria|restricted to|solely|you must",
    /* Words that make a sentence a requirement (elig_pat_requirement). */
    [P_FIRM] = "only|must|exclusively|solely|restricted to|need to be|have to be|need to have|"
               "have to have|need to live|have to live|you need to|you will need to|"
               "you'll need to|you have to|eligible|eligibility|ineligible|criteria|qualify|"
               "qualifies|required|requirement|requirements|"
               "not (suitable|open|available|for)|isn't (suitable|open|available|for)|"
               "aren't (suitable|open|available)",
    [P_MAND] = "mandatory|compulsory|sanction|required to (attend|take part|participate)|"
               "must attend|you have to attend|you will be referred and must|"
               "must take part in|enforceable",
    [P_MAND_NOT] = "not (mandatory|compulsory)|isn't (mandatory|compulsory)|no sanction|"
                   "won't be sanctioned|will not be sanctioned|won't affect your benefit|"
                   "will not affect your benefit|no risk to your benefit|"
                   "(don't|do not) have to take part|is voluntary, but|voluntary to join",
    /* Mandatory things that are not the service's attendance. */
    [P_MAND_OTHER] = "mandatory (training|first aid|duty|duties|provision|for renewing)|"
                     "compulsory (school|education)|non-compulsory|appealing sanctions|"
                     "sanctions and|or sanctioned|been sanctioned",
    [P_VOL] = "voluntary|your choice|you can leave at any time|optional|you choose whether",
    [P_VOL_NOT] = "voluntary (sector|organisation|organization|work|role|roles|placement|"
                  "placements|basis|and community|group|groups|service council|"
                  "services council|action|car|service|setting|and/or|or statutory|"
                  "or independent|and charity|and charitable)|voluntary, community|"
                  "community and voluntary|private, voluntary|small voluntary",
    /* A price band: who pays less, not who may come. */
    [P_PRICE_BAND] = "discount|discounted|concession|concessions|concessionary|"
                     "reduced (fee|fees|rate|rates|price|prices|cost|costs)|fee remission|"
                     "remission|remissions|waived|waive|% off|% reduction|free tuition|"
                     "tuition (is |will be |)free|(eligible|entitled) (for|to) (free|a reduc|"
                     "fee|a discount|a concession|funding)|"
                     "(do not|don't|won't|will not|wouldn't) (have to |need to |)pay|"
                     "not have to pay|not need to pay|"
                     "pay (a |)(lower|reduced|less)",
};

/* Whole words only: no letter may touch a match on that side. */
#define WB_BEFORE 1
#define WB_AFTER 2
static const unsigned char phrase_wb[P__COUNT] = {
    [P_REQ] = WB_BEFORE | WB_AFTER,
    [P_STRONG] = WB_BEFORE | WB_AFTER,
    [P_FIRM] = WB_BEFORE | WB_AFTER,
    [P_BEN_GENERIC] = WB_AFTER,
    [P_BEN_CLAIM] = WB_BEFORE, /* "on " but not "along " */
};

#define PH_MAX_LEN 96
#define PH_MAX_EXPAND 4096

typedef struct phrase_list {
    char (*s)[PH_MAX_LEN];
    size_t n, cap;
} phrase_list;

static bool pl_add(phrase_list *l, const char *s, size_t n)
{
    if (n >= PH_MAX_LEN)
        return false;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        if (cap > PH_MAX_EXPAND)
            return false;
        void *p = realloc(l->s, cap * sizeof *l->s);
        if (!p)
            return false;
        l->s = p;
        l->cap = cap;
    }
    memcpy(l->s[l->n], s, n);
    l->s[l->n][n] = '\0';
    l->n++;
    return true;
}

/* End of the alternative starting at s (at "|" or ")" of this depth, or
 * the end). */
static const char *alt_end(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        if (*s == '(')
            depth++;
        else if (*s == ')' && depth-- == 0)
            return s;
        else if (*s == '|' && depth == 0)
            return s;
    }
    return s;
}

/* Expand the sequence [s, e) after the prefix pre (plen bytes) into out. */
static bool expand_seq(const char *s, const char *e, char *pre, size_t plen, phrase_list *out)
{
    while (s < e && *s != '(') {
        if (plen + 1 >= PH_MAX_LEN)
            return false;
        pre[plen++] = *s++;
    }
    if (s == e)
        return pl_add(out, pre, plen);
    /* A group: each of its alternatives, then the rest. */
    const char *a = s + 1;
    const char *close = a;
    for (;;) {
        close = alt_end(close);
        if (*close != '|')
            break;
        close++;
    }
    for (;;) {
        const char *ae = alt_end(a);
        char buf[PH_MAX_LEN];
        memcpy(buf, pre, plen);
        size_t bl = plen;
        /* The alternative itself may hold groups: expand it, then each
         * result with the rest of the sequence. */
        phrase_list mid = {0};
        if (!expand_seq(a, ae, buf, bl, &mid)) {
            free(mid.s);
            return false;
        }
        for (size_t i = 0; i < mid.n; i++) {
            char b2[PH_MAX_LEN];
            size_t l2 = strlen(mid.s[i]);
            memcpy(b2, mid.s[i], l2);
            if (!expand_seq(close + 1, e, b2, l2, out)) {
                free(mid.s);
                return false;
            }
        }
        free(mid.s);
        if (*ae != '|')
            break;
        a = ae + 1;
    }
    return true;
}

static bool expand(const char *src, phrase_list *out)
{
    const char *s = src;
    for (;;) {
        const char *e = alt_end(s);
        char pre[PH_MAX_LEN];
        if (!expand_seq(s, e, pre, 0, out))
            return false;
        if (*e != '|')
            return true;
        s = e + 1;
    }
}

/* The automaton: a DFA over byte classes (the bytes phrases use; every
 * other byte is class 0), with each state's outputs and a link to the
 * nearest shorter state that has outputs. */
typedef struct ph_out {
    uint8_t pat, len;
    int next; /* next output of the same state, -1 */
} ph_out;

static struct {
    uint8_t cls[256];
    int ncls;
    int32_t *delta; /* [state * ncls + class] */
    int *out;       /* first output of a state, -1 */
    int *dict;      /* nearest proper suffix state with outputs, 0 none */
    ph_out *outs;
    int nstates, nouts;
    bool ok;
} ac;

static pthread_once_t ac_once = PTHREAD_ONCE_INIT;

static void ac_build(void)
{
    phrase_list pl[P__COUNT] = {{0}};
    size_t total = 0, chars = 0;
    for (int p = 0; p < P__COUNT; p++) {
        if (!phrase_src[p])
            continue;
        if (!expand(phrase_src[p], &pl[p]))
            goto done;
        total += pl[p].n;
        for (size_t i = 0; i < pl[p].n; i++) {
            for (const unsigned char *c = (const unsigned char *)pl[p].s[i]; *c; c++) {
                if (!ac.cls[*c])
                    ac.cls[*c] = (uint8_t)++ac.ncls;
                chars++;
            }
        }
    }
    ac.ncls++;
    size_t maxst = chars + 1;
    ac.delta = calloc(maxst * (size_t)ac.ncls, sizeof *ac.delta);
    ac.out = malloc(maxst * sizeof *ac.out);
    ac.dict = calloc(maxst, sizeof *ac.dict);
    ac.outs = malloc((total ? total : 1) * sizeof *ac.outs);
    int *fail = calloc(maxst, sizeof *fail), *queue = malloc(maxst * sizeof *queue);
    if (!ac.delta || !ac.out || !ac.dict || !ac.outs || !fail || !queue) {
        free(fail);
        free(queue);
        goto done;
    }
    memset(ac.out, -1, maxst * sizeof *ac.out);
    /* The trie (delta 0 = no edge yet; the root is state 0). */
    ac.nstates = 1;
    for (int p = 0; p < P__COUNT; p++) {
        for (size_t i = 0; i < pl[p].n; i++) {
            int st = 0;
            const unsigned char *c = (const unsigned char *)pl[p].s[i];
            size_t len = strlen((const char *)c);
            for (; *c; c++) {
                int32_t *d = &ac.delta[(size_t)st * (size_t)ac.ncls + ac.cls[*c]];
                if (!*d)
                    *d = ac.nstates++;
                st = *d;
            }
            ac.outs[ac.nouts] = (ph_out){.pat = (uint8_t)p, .len = (uint8_t)len, .next = ac.out[st]};
            ac.out[st] = ac.nouts++;
        }
    }
    /* Failure links breadth first; missing edges become the failure
     * state's edges, so the scan is one lookup per byte. */
    int qh = 0, qt = 0;
    for (int k = 0; k < ac.ncls; k++) {
        int32_t t = ac.delta[k];
        if (t) {
            fail[t] = 0;
            queue[qt++] = t;
        }
    }
    while (qh < qt) {
        int st = queue[qh++];
        ac.dict[st] = ac.out[fail[st]] >= 0 ? fail[st] : ac.dict[fail[st]];
        for (int k = 0; k < ac.ncls; k++) {
            int32_t *d = &ac.delta[(size_t)st * (size_t)ac.ncls + (size_t)k];
            int32_t f = ac.delta[(size_t)fail[st] * (size_t)ac.ncls + (size_t)k];
            if (*d) {
                fail[*d] = f;
                queue[qt++] = *d;
            } else {
                *d = f;
            }
        }
    }
    free(fail);
    free(queue);
    /* The states the trie used (phrases share prefixes). */
    void *d = realloc(ac.delta, (size_t)ac.nstates * (size_t)ac.ncls * sizeof *ac.delta);
    if (d)
        ac.delta = d;
    ac.ok = true;
done:
    for (int p = 0; p < P__COUNT; p++)
        free(pl[p].s);
}

static bool is_az(char c)
{
    return c >= 'a' && c <= 'z';
}

/* What one pass of the automaton found in a sentence: per phrase pattern,
 * where its leftmost match starts and ends (-1: none).  The last few
 * sentences are kept, as elig.c asks about one sentence many times. */
#define AC_KEEP 4
#define AC_KEEP_LEN 1280
typedef struct ac_result {
    int16_t so[P__COUNT], eo[P__COUNT];
} ac_result;

static _Thread_local struct {
    char s[AC_KEEP][AC_KEEP_LEN];
    ac_result r[AC_KEEP];
    bool used[AC_KEEP];
    int next;
} keep;

static void ac_scan(const char *s, size_t n, ac_result *r)
{
    for (int p = 0; p < P__COUNT; p++)
        r->so[p] = r->eo[p] = -1;
    int st = 0;
    for (size_t i = 0; i < n; i++) {
        st = ac.delta[(size_t)st * (size_t)ac.ncls + ac.cls[(unsigned char)s[i]]];
        for (int t = ac.out[st] >= 0 ? st : ac.dict[st]; t; t = ac.dict[t]) {
            for (int o = ac.out[t]; o >= 0; o = ac.outs[o].next) {
                const ph_out *h = &ac.outs[o];
                size_t so = i + 1 - h->len;
                if ((phrase_wb[h->pat] & WB_BEFORE) && so > 0 && is_az(s[so - 1]))
                    continue;
                if ((phrase_wb[h->pat] & WB_AFTER) && is_az(s[i + 1]))
                    continue;
                /* Leftmost, then longest, as regexec. */
                if (r->so[h->pat] < 0 || (int)so < r->so[h->pat] ||
                    ((int)so == r->so[h->pat] && (int)(i + 1) > r->eo[h->pat])) {
                    r->so[h->pat] = (int16_t)so;
                    r->eo[h->pat] = (int16_t)(i + 1);
                }
            }
        }
    }
}

static const ac_result *ac_get(const char *s, ac_result *local)
{
    size_t n = strlen(s);
    if (n >= AC_KEEP_LEN || n > INT16_MAX) {
        ac_scan(s, n < INT16_MAX ? n : INT16_MAX, local);
        return local;
    }
    for (int k = 0; k < AC_KEEP; k++)
        if (keep.used[k] && !memcmp(keep.s[k], s, n + 1))
            return &keep.r[k];
    int k = keep.next;
    keep.next = (keep.next + 1) % AC_KEEP;
    memcpy(keep.s[k], s, n + 1);
    keep.used[k] = true;
    ac_scan(s, n, &keep.r[k]);
    return &keep.r[k];
}

/* ------------------------------------------------------------ scanners */

static bool is_dig(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of w if s starts with it, else 0. */
static size_t lit(const char *s, const char *w)
{
    size_t n = strlen(w);
    return strncmp(s, w, n) ? 0 : n;
}

/* The longest word of ws (NULL-terminated) that s starts with: its
 * length, 0 none. */
static size_t lit_any(const char *s, const char *const *ws)
{
    size_t best = 0;
    for (; *ws; ws++) {
        size_t n = lit(s, *ws);
        if (n > best)
            best = n;
    }
    return best;
}

/* The longest word of ws that s[0, i) ends with: its length, 0 none. */
static size_t ends_any(const char *s, size_t i, const char *const *ws)
{
    size_t best = 0;
    for (; *ws; ws++) {
        size_t n = strlen(*ws);
        if (n <= i && n > best && !strncmp(s + i - n, *ws, n))
            best = n;
    }
    return best;
}

/* The run of digits starting at i (i must start a run): its length. */
static size_t run_at(const char *s, size_t i)
{
    size_t n = 0;
    while (is_dig(s[i + n]))
        n++;
    return n;
}

static void span(elig_span *m, int g, size_t so, size_t eo)
{
    m[g].so = (int)so;
    m[g].eo = (int)eo;
}

#define W(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *const who_words[] = {"people", "young people", "young adults", "adults", "residents", "those", "anyone",
      "learners", "jobseekers", "job seekers", "care leavers", "youth", "women", "men",
      "londoners", "young londoners", "participants", "customers", "clients", "individuals",
      "parents", "graduates", "students", "are you", "you are", "you're", "if you are", "(", NULL};

static const char *const older_words[] = {"+", "plus", "and over", "and above", "or over", "or above", "or older", "and older",
      "years and over", "years or over", "years or older", "years old or over",
      "years old and over", "years old or older", "years and above", "years of age or over",
      "years of age and over", "years of age or older", "years of age and older",
      "years and older", "years old and older", "and upwards", "or upwards", "years and upwards",
      "years upwards", "years of age and upwards", "years of age or above", NULL};

static const char *const younger_words[] = {"and under", "or under", "or younger", "and younger", "or below", "and below",
      "years and under", "years or under", "years or younger", "years old or under",
      "years old or younger", "years and younger", "years and below", "years or below",
      "years old and under", "years old and younger", "years of age and under",
      "years of age or under", "years of age or younger", NULL};

/* "N ?(sep) ?N" at i, each number one or two digits (a whole run): the
 * spans of the numbers; the end of the second number. */
static bool range_tail(const char *s, size_t i, const char *const *seps, elig_span *m, int g1,
                       int g2, size_t *end)
{
    size_t l1 = run_at(s, i);
    if (l1 < 1 || l1 > 2)
        return false;
    for (size_t k = i + l1; k <= i + l1 + 1; k++) {
        if (k > i + l1 && s[k - 1] != ' ')
            break;
        size_t sl = lit_any(s + k, seps);
        if (!sl)
            continue;
        for (size_t n = k + sl; n <= k + sl + 1; n++) {
            if (n > k + sl && s[n - 1] != ' ')
                break;
            size_t l2 = is_dig(s[n]) ? run_at(s, n) : 0;
            if (l2 >= 1 && l2 <= 2) {
                span(m, g1, i, i + l1);
                span(m, g2, n, n + l2);
                *end = n + l2;
                return true;
            }
        }
    }
    return false;
}

/* At g, after at most maxgap bytes of the class cls, a word of tail? */
static bool gap_tail(const char *g, const char *cls, size_t maxgap, const char *const *tail)
{
    for (size_t k = 0;; k++) {
        if (lit_any(g + k, tail))
            return true;
        if (k == maxgap || !g[k] || !strchr(cls, g[k]))
            return false;
    }
}

/* Does a word of ws, then a gap of at most maxgap bytes of the class cls,
 * then a word of tail occur in s? */
static bool near(const char *s, const char *const *ws, const char *cls, size_t maxgap,
                 const char *const *tail)
{
    for (const char *const *w = ws; *w; w++) {
        size_t wl = strlen(*w);
        for (const char *a = strstr(s, *w); a; a = strstr(a + 1, *w))
            if (gap_tail(a + wl, cls, maxgap, tail))
                return true;
    }
    return false;
}

/* [P_RANGE1] "(aged|ages|between the ages of|age range( of)?|age group( of)?|age)[: ]+
 *  (between |from )?N ?(-|to|and|until) ?N([^0-9]|$)": groups 5 and 7. */
static bool m_range1(const char *s, elig_span *m)
{
    static const char *const kw[] = {"aged", "ages", "between the ages of", "age range",
                                            "age range of", "age group", "age group of", "age", NULL};
    for (size_t j = 0; s[j]; j++) {
        if (!is_dig(s[j]) || (j && is_dig(s[j - 1])))
            continue;
        size_t end;
        if (!range_tail(s, j, W("-", "to", "and", "until"), m, 5, 7, &end))
            continue;
        size_t pre[3] = {j, 0, 0};
        int np = 1;
        if (j >= 8 && !strncmp(s + j - 8, "between ", 8))
            pre[np++] = j - 8;
        if (j >= 5 && !strncmp(s + j - 5, "from ", 5))
            pre[np++] = j - 5;
        for (int k = 0; k < np; k++) {
            size_t q = pre[k];
            while (q > 0 && (s[q - 1] == ' ' || s[q - 1] == ':'))
                q--;
            size_t kl = q < pre[k] ? ends_any(s, q, kw) : 0;
            if (kl) {
                span(m, 0, q - kl, end + (s[end] ? 1 : 0));
                return true;
            }
        }
    }
    return false;
}

/* WHO " \(?(aged |between |from )?" ending at j: where WHO starts. */
static bool who_before(const char *s, size_t j, const char *const *mid, size_t *start)
{
    static const char *const pres[] = {"aged ", "between ", "from ", "", NULL};
    for (const char *const *p = pres; *p; p++) {
        size_t pl = strlen(*p);
        if (pl > j || strncmp(s + j - pl, *p, pl))
            continue;
        size_t q = j - pl;
        for (const char *const *md = mid; *md; md++) {
            size_t ml = strlen(*md);
            if (ml > q || strncmp(s + q - ml, *md, ml))
                continue;
            size_t r = q - ml;
            if (!r || s[r - 1] != ' ')
                continue;
            size_t wl = ends_any(s, r - 1, who_words);
            if (wl) {
                *start = r - 1 - wl;
                return true;
            }
        }
    }
    return false;
}

/* [P_RANGE3] WHO " \(?(aged |between |from )?N ?(-|to|and) ?N([^0-9]|$)": 3, 5. */
static bool m_range3(const char *s, elig_span *m)
{
    for (size_t j = 0; s[j]; j++) {
        if (!is_dig(s[j]) || (j && is_dig(s[j - 1])))
            continue;
        size_t end, start;
        if (!range_tail(s, j, W("-", "to", "and"), m, 3, 5, &end))
            continue;
        size_t q = j;
        /* "\(?" sits between the space and the prefix: try both. */
        if (who_before(s, q, W(""), &start) || who_before(s, q, W("("), &start)) {
            span(m, 0, start, end + (s[end] ? 1 : 0));
            return true;
        }
    }
    return false;
}

/* After a range: "[ -]?(year[ -]?olds?|years? old|yrs|yo([^a-z]|$)|s([^a-z]|$)|'s)". */
static bool years_old_after(const char *s, bool short_forms)
{
    for (int skip = 0; skip < 2; skip++) {
        const char *t = s;
        if (skip) {
            if (*t != ' ' && *t != '-')
                return false;
            t++;
        }
        if (!strncmp(t, "year", 4)) {
            const char *u = t + 4;
            if (!strncmp(u, "s old", 5) || !strncmp(u, "s of age", 8))
                return true;
            if (*u == ' ' || *u == '-')
                u++;
            if (!strncmp(u, "old", 3))
                return true;
        }
        if (!short_forms)
            continue;
        if (!strncmp(t, "yrs", 3) || !strncmp(t, "'s", 2))
            return true;
        if (!strncmp(t, "yo", 2) && !is_az(t[2]))
            return true;
        if (t[0] == 's' && !is_az(t[1]))
            return true;
    }
    return false;
}

/* [P_RANGE2] "(^|[^0-9.])N ?(-|to|and) ?N[ -]?(year-olds|years of age|...)": 2, 4. */
static bool m_range2(const char *s, elig_span *m)
{
    for (size_t j = 0; s[j]; j++) {
        if (!is_dig(s[j]) || (j && (is_dig(s[j - 1]) || s[j - 1] == '.')))
            continue;
        size_t end;
        if (range_tail(s, j, W("-", "to", "and"), m, 2, 4, &end) &&
            years_old_after(s + end, true)) {
            span(m, 0, j ? j - 1 : 0, end);
            return true;
        }
    }
    return false;
}

/* A run of exactly two digits at i, not after a digit, '.' or ',' (when
 * strict). */
static bool two_at(const char *s, size_t i, bool strict)
{
    if (!is_dig(s[i]) || run_at(s, i) != 2)
        return false;
    if (i && (is_dig(s[i - 1]) || (strict && (s[i - 1] == '.' || s[i - 1] == ','))))
        return false;
    return true;
}

/* [P_RANGE4] "16, 17 and 18 year olds": 2, 3, 5. */
static bool m_range4(const char *s, elig_span *m)
{
    for (size_t j = 0; s[j]; j++) {
        if (!two_at(s, j, true) || strncmp(s + j + 2, ", ", 2) || !two_at(s, j + 4, false))
            continue;
        size_t k = j + 6;
        if (s[k] == ',')
            k++;
        if (s[k] != ' ')
            continue;
        k++;
        size_t sl = lit_any(s + k, W("and", "or", "to"));
        if (!sl || s[k + sl] != ' ' || !two_at(s, k + sl + 1, false))
            continue;
        size_t n3 = k + sl + 1;
        if (!years_old_after(s + n3 + 2, false))
            continue;
        span(m, 0, j ? j - 1 : 0, n3 + 2);
        span(m, 2, j, j + 2);
        span(m, 3, j + 4, j + 6);
        span(m, 5, n3, n3 + 2);
        return true;
    }
    return false;
}

/* A word of ws ending at i, or at i - 1 before a space ("word ?N"): its
 * start; -1 none. */
static long kw_before(const char *s, size_t i, const char *const *ws, size_t *kend)
{
    size_t l = ends_any(s, i, ws);
    *kend = i;
    if (l)
        return (long)(i - l);
    if (i && s[i - 1] == ' ' && (l = ends_any(s, i - 1, ws))) {
        *kend = i - 1;
        return (long)(i - 1 - l);
    }
    return -1;
}

/* " ?WORD" after i, WORD the longest of ws: the end; 0 none. */
static size_t word_after(const char *s, size_t i, const char *const *ws)
{
    size_t l = lit_any(s + i, ws);
    if (s[i] == ' ') {
        size_t l2 = lit_any(s + i + 1, ws);
        if (l2 && l2 + 1 > l)
            return i + 1 + l2;
    }
    return l ? i + l : 0;
}

/* Each number (a run of one or two digits) of s, from the left. */
#define FOR_NUM(s, j, l)                                                                     \
    for (size_t j = 0, l = 0; s[j]; j += l ? l : 1)                                          \
        if ((l = run_at(s, j)) >= 1 && l <= 2 && !(j && is_dig(s[j - 1])))

/* [P_MIN1] "(aged|ages|age of|age) ?N ?OLDER": 2. */
static bool m_min1(const char *s, elig_span *m)
{
    FOR_NUM(s, j, l)
    {
        size_t ke;
        long st = kw_before(s, j, W("aged", "ages", "age of", "age"), &ke);
        size_t e = st >= 0 ? word_after(s, j + l, older_words) : 0;
        if (e) {
            span(m, 0, (size_t)st, e);
            span(m, 2, j, j + l);
            return true;
        }
    }
    return false;
}

/* [P_MIN2] "(^|[^0-9.,])NN ?OLDER" and [P_MAX3] the same with YOUNGER: 2. */
static bool m_two_then(const char *s, const char *const *ws, elig_span *m)
{
    for (size_t j = 0; s[j]; j++) {
        if (!two_at(s, j, true))
            continue;
        size_t e = word_after(s, j + 2, ws);
        if (e) {
            span(m, 0, j ? j - 1 : 0, e);
            span(m, 2, j, j + 2);
            return true;
        }
    }
    return false;
}

/* "KW ?N" with KW from ws (the longest, as the leftmost match): 1 the
 * keyword, g the number. */
static bool word_at(const char *p, const char *const *ws);

static bool m_kw_num(const char *s, const char *const *ws, int g, elig_span *m)
{
    FOR_NUM(s, j, l)
    {
        /* "at least 4,500 people": a count, not an age */
        if (s[j + l] == ',' && is_dig(s[j + l + 1]) && run_at(s, j + l + 1) == 3)
            continue;
        /* "a letter older than 3 months", "under 5 minutes' walk": a
         * number of another unit is no age */
        if (word_at(s + j + l + (s[j + l] == ' '), W("months", "month", "weeks", "week", "days",
                                                     "day", "hours", "hour", "minutes",
                                                     "miles", "mile", "percent", "per")))
            continue;
        size_t ke;
        long st = kw_before(s, j, ws, &ke);
        if (st >= 0) {
            span(m, 0, (size_t)st, j + l);
            span(m, 1, (size_t)st, ke);
            span(m, g, j, j + l);
            return true;
        }
    }
    return false;
}

/* [P_MIN3B]/[P_MAX2] "(over|above)[ -]NN('?s([^a-z]|$)| ?years| ?year[ -]olds)": 2. */
static bool m_over_nn(const char *s, const char *const *ws, elig_span *m)
{
    for (size_t j = 1; s[0] && s[j]; j++) {
        if (!two_at(s, j, false) || (s[j - 1] != ' ' && s[j - 1] != '-'))
            continue;
        size_t kl = ends_any(s, j - 1, ws);
        if (!kl)
            continue;
        const char *t = s + j + 2;
        size_t e = 0;
        const char *u = *t == '\'' ? t + 1 : t;
        if (*u == 's' && !is_az(u[1]))
            e = (size_t)(u + 1 - s) + (u[1] ? 1 : 0);
        const char *v = *t == ' ' ? t + 1 : t;
        if (!strncmp(v, "years", 5))
            e = (size_t)(v + 5 - s);
        if (!strncmp(v, "year", 4) && (v[4] == ' ' || v[4] == '-') && !strncmp(v + 5, "olds", 4))
            e = (size_t)(v + 9 - s);
        /* "over-50 year old residents", "our over 65 group", "the over 60s
         * club": the people of that age */
        else if (!strncmp(v, "year", 4) && (v[4] == ' ' || v[4] == '-') &&
                 !strncmp(v + 5, "old", 3) && !is_az(v[8]))
            e = (size_t)(v + 8 - s);
        else if (*t == ' ' && (!strncmp(v, "group", 5) || !strncmp(v, "club", 4)) &&
                 !is_az(v[*v == 'g' ? 5 : 4]))
            e = (size_t)(v - s);
        if (e) {
            span(m, 0, j - 1 - kl, e);
            span(m, 2, j, j + 2);
            return true;
        }
    }
    return false;
}

/* Does s open with a word of whom ("anyone", "people", ...) and end at e,
 * but for a full stop or spaces? */
static bool who_opens_to_end(const char *s, size_t e)
{
    size_t wl = lit_any(s, who_words);
    if (!wl || s[wl] != ' ' || s[0] == '(')
        return false;
    while (s[e] == '.' || s[e] == ' ' || s[e] == '!')
        e++;
    return !s[e];
}

/* [P_MIN4]/[P_MAX4] WHO " (aged )?(KW) NN([^0-9]|$)": 3 the keyword, 4. */
static bool m_who_kw_nn(const char *s, const char *const *ws, elig_span *m)
{
    for (size_t j = 1; s[0] && s[j]; j++) {
        if (!two_at(s, j, false) || s[j - 1] != ' ')
            continue;
        size_t kl = ends_any(s, j - 1, ws);
        if (!kl)
            continue;
        size_t k = j - 1 - kl;
        if (k >= 5 && !strncmp(s + k - 5, "aged ", 5) && k >= 6 && s[k - 6] == ' ' &&
            ends_any(s, k - 6, who_words)) {
            span(m, 0, k - 6 - ends_any(s, k - 6, who_words), j + 2);
        } else if (k >= 1 && s[k - 1] == ' ' && ends_any(s, k - 1, who_words)) {
            span(m, 0, k - 1 - ends_any(s, k - 1, who_words), j + 2);
        } else if (k >= 1 && s[k - 1] == ' ' && who_opens_to_end(s, j + 2)) {
            /* "Anyone living in Lambeth over 16.": the sentence's subject
             * is whom the age is of, the age closes the sentence. */
            span(m, 0, k, j + 2);
        } else {
            continue;
        }
        span(m, 3, k, k + kl);
        span(m, 4, j, j + 2);
        return true;
    }
    return false;
}

/* [P_MIN5]/[P_MAX5] the whole sentence "(are you )?(aged )?KW NN( years( old)?)?[?!. ]*": g. */
static bool m_only(const char *s, const char *const *ws, int g, elig_span *m)
{
    size_t i = lit(s, "are you ");
    i += lit(s + i, "aged ");
    size_t kl = lit_any(s + i, ws);
    if (!kl || s[i + kl] != ' ' || !two_at(s, i + kl + 1, false))
        return false;
    size_t n = i + kl + 1, e = n + 2;
    if (lit(s + e, " years")) {
        e += 6;
        e += lit(s + e, " old");
    }
    while (s[e] && strchr("?!. ", s[e]))
        e++;
    if (s[e])
        return false;
    span(m, 0, 0, e);
    span(m, g, n, n + 2);
    return true;
}

/* [P_BDAY] "(up to|until|before|under) (their|your|the|his|her) NN(st|nd|rd|th) birthday": 3. */
static bool m_bday(const char *s, elig_span *m)
{
    for (size_t j = 1; s[0] && s[j]; j++) {
        if (!two_at(s, j, false) || s[j - 1] != ' ')
            continue;
        size_t sl = lit_any(s + j + 2, W("st birthday", "nd birthday", "rd birthday", "th birthday"));
        size_t pl = sl ? ends_any(s, j - 1, W("their", "your", "the", "his", "her")) : 0;
        if (!pl || j - 1 - pl < 1 || s[j - 2 - pl] != ' ')
            continue;
        size_t kl = ends_any(s, j - 2 - pl, W("up to", "until", "before", "under"));
        if (!kl)
            continue;
        span(m, 0, j - 2 - pl - kl, j + 2 + sl);
        span(m, 3, j, j + 2);
        return true;
    }
    return false;
}

/* The number words of the months forms. */
static const char *const num_words[] = {"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
      "eleven", "twelve", "eighteen", "twenty-four", NULL};

/* A number (word or one or two digits) starting at i: its length, 0 none. */
static size_t numw_at(const char *s, size_t i)
{
    if (is_dig(s[i])) {
        size_t l = run_at(s, i);
        return l <= 2 && !(i && is_dig(s[i - 1])) ? l : 0;
    }
    if (i && is_az(s[i - 1]))
        return 0;
    for (const char *const *w = num_words; *w; w++) {
        size_t l = lit(s + i, *w);
        if (l && !is_az(s[i + l]))
            return l;
    }
    return 0;
}

/* " ?\+? ?(months?|weeks?|years?)" at i: the unit's start, the end; 0. */
static size_t unit_at(const char *s, size_t i, size_t *unit)
{
    if (s[i] == ' ')
        i++;
    if (s[i] == '+')
        i++;
    if (s[i] == ' ')
        i++;
    size_t l = lit_any(s + i, W("month", "week", "year"));
    if (!l)
        return 0;
    *unit = i;
    return i + l + (s[i + l] == 's');
}

/* [P_MONTHS1] "(out of work|unemployed|...)( for| for at least|...)? NUMW ?\+? ?UNIT": 3, 4. */
static bool m_months1(const char *s, elig_span *m)
{
    static const char *const kw[] = {"out of work", "unemployed", "not worked", "not been in work", "been out of work",
          "looking for work", "looking for a job", "jobseeking", "job seeking", "without work",
          "not in work", "out of employment", "not working", "without a job", "unemployment",
          "claiming", NULL};
    static const char *const mods[] = {" for at least", " for more than", " for over", " for a minimum of",
          " for longer than", " for between", " for the last", " for the past", " for",
          " at least", " more than", " over", "",
          NULL};
    long best = -1;
    for (const char *const *w = kw; *w; w++) {
        size_t wl = strlen(*w);
        for (const char *a = strstr(s, *w); a; a = strstr(a + 1, *w)) {
            size_t at = (size_t)(a - s);
            if (best >= 0 && (long)at >= best)
                break;
            for (const char *const *md = mods; *md; md++) {
                size_t k = at + wl;
                size_t ml = lit(s + k, *md);
                if (**md && !ml)
                    continue;
                k += ml;
                if (s[k] != ' ')
                    continue;
                size_t nl = numw_at(s, k + 1), unit, e;
                if (!nl)
                    continue;
                /* "for 12 to 18 months", "for 12-18 months": the least. */
                size_t r = k + 1 + nl;
                size_t rl = lit_any(s + r, W(" to ", " - ", "-", " and "));
                if (rl && is_dig(s[k + 1]) && is_dig(s[r + rl]) && run_at(s, r + rl) <= 2)
                    r += rl + run_at(s, r + rl);
                if (!(e = unit_at(s, r, &unit)) && !(e = unit_at(s, k + 1 + nl, &unit)))
                    continue;
                best = (long)at;
                span(m, 0, at, e);
                span(m, 3, k + 1, k + 1 + nl);
                span(m, 4, unit, e);
                break;
            }
        }
    }
    return best >= 0;
}

/* [P_MONTHS2] "(at least |over |...)?NUMW ?\+? ?UNIT( or more| or longer|\+)? (out of work|...)": 2, 3. */
static bool m_months2(const char *s, elig_span *m)
{
    static const char *const kw[] = {"out of work", "unemployed", "unemployment", "without work", "not working",
          "of unemployment", "without a job", NULL};
    static const char *const pre[] = {"at least ", "more than ", "over ", "a minimum of ", "minimum of ", NULL};
    for (size_t i = 0; s[i]; i++) {
        size_t nl = numw_at(s, i), unit, e;
        if (!nl || !(e = unit_at(s, i + nl, &unit)))
            continue;
        size_t f = e + lit_any(s + e, W(" or more", " or longer", "+"));
        if (s[f] != ' ' || !lit_any(s + f + 1, kw))
            continue;
        size_t pl = ends_any(s, i, pre);
        span(m, 0, i - pl, f + 1 + lit_any(s + f + 1, kw));
        span(m, 2, i, i + nl);
        span(m, 3, unit, e);
        return true;
    }
    return false;
}

/* "(an?|your) [a-z &-]{2,40} address": a residency word. */
static bool some_address(const char *s)
{
    for (const char *a = strstr(s, " address"); a; a = strstr(a + 1, " address")) {
        size_t i = (size_t)(a - s);
        for (size_t g = 2; g <= 40 && g <= i; g++) {
            char c = s[i - g];
            if (!is_az(c) && c != ' ' && c != '&' && c != '-')
                break;
            size_t q = i - g; /* the gap is s[q, i) */
            if (q >= 1 && s[q - 1] == ' ' && g >= 2) {
                size_t l = ends_any(s, q - 1, W("a", "an", "your"));
                if (l)
                    return true;
            }
        }
    }
    return false;
}

static bool special(int p, const char *s)
{
    switch (p) {
    case P_RES_TRIGGER:
        return some_address(s);
    case P_RES_EXCL:
        return near(s, W("not open to ", "not available to ", "excluding ", "except ",
                         "not for "),
                    "abcdefghijklmnopqrstuvwxyz ,&", 200, W("residents"));
    case P_BEN_NOT:
        return near(s, W("if you claim", "if you are claiming", "if you receive", "if you get"),
                    "abcdefghijklmnopqrstuvwxyz' ", 400,
                    W("are not eligible", "will be not eligible"));
    case P_ST_ANY:
        /* "whether [a-z' ]{0,20}(in work|working|employed)[a-z, ']{0,30} or (not|...)" */
        for (const char *a = strstr(s, "whether "); a; a = strstr(a + 1, "whether ")) {
            static const char *const work[] = {"in work", "working", "employed", NULL};
            for (const char *const *w = work; *w; w++)
                for (const char *b = strstr(a + 8, *w); b && b - (a + 8) <= 20;
                     b = strstr(b + 1, *w))
                    if (strspn(a + 8, "abcdefghijklmnopqrstuvwxyz' ") >= (size_t)(b - (a + 8)) &&
                        gap_tail(b + strlen(*w), "abcdefghijklmnopqrstuvwxyz, '", 30,
                                 W(" or not", " or out of work", " or unemployed",
                                   " or looking for work", " or seeking work",
                                   " or jobseeking", " or job seeking")))
                        return true;
        }
        return false;
    case P_RTW_EXCL:
        return near(s, W("not open ", "not available ", "not eligible ", "cannot ", "can't ",
                         "unable to "),
                    "abcdefghijklmnopqrstuvwxyz ,", 200,
                    W("no recourse", "nrpf", "without right to work",
                      "without the right to work"));
    default:
        return false;
    }
}

/* ------------------------------------------------------------ the API */

bool elig_pat_init(void)
{
    pthread_once(&ac_once, ac_build);
    return ac.ok;
}

bool elig_pat_match(int p, const char *s, elig_span *m)
{
    elig_span dummy[ELIG_SPANS];
    if (!m)
        m = dummy;
    for (int g = 0; g < ELIG_SPANS; g++)
        m[g].so = m[g].eo = -1;
    switch (p) {
    case P_RANGE1:
        return m_range1(s, m);
    case P_RANGE2:
        return m_range2(s, m);
    case P_RANGE3:
        return m_range3(s, m);
    case P_RANGE4:
        return m_range4(s, m);
    case P_MIN1:
        return m_min1(s, m);
    case P_MIN2:
        return m_two_then(s, older_words, m);
    case P_MIN3A:
        return m_kw_num(s,
                        W("over the age of", "above the age of", "aged over", "aged above",
                          "aged at least", "minimum age of", "minimum age is", "minimum age:",
                          "minimum age", "must be at least", "must be over", "older than",
                          "minimum age of membership is", "minimum age for membership is",
                          "minimum age for joining is", "minimum age to join is",
                          "at least", "a minimum of", "minimum of", "be over", "are over",
                          "is over", "you're over"),
                        3, m);
    case P_MIN3B:
        return m_over_nn(s, W("over", "above"), m);
    case P_MIN4:
        return m_who_kw_nn(s, W("over", "above"), m);
    case P_MIN5:
        return m_only(s, W("over", "above"), 4, m);
    case P_MAX1:
        return m_kw_num(s,
                        W("under the age of", "below the age of",
                          "up to and including the age of", "up to and including age",
                          "up to the age of", "up to age", "aged under", "aged below",
                          "aged up to", "younger than", "maximum age of", "maximum age is",
                          "maximum age:", "maximum age", "no older than", "not older than",
                          "must be under", "must be younger than", "must be below",
                          "a maximum of", "maximum of"),
                        3, m);
    case P_MAX2:
        return m_over_nn(s, W("under", "below"), m);
    case P_MAX3:
        return m_two_then(s, younger_words, m);
    case P_MAX4:
        return m_who_kw_nn(s, W("under", "up to"), m);
    case P_MAX5:
        return m_only(s, W("under"), 3, m);
    case P_BDAY:
        return m_bday(s, m);
    case P_MONTHS1:
        return m_months1(s, m);
    case P_MONTHS2:
        return m_months2(s, m);
    default:
        break;
    }
    if (!elig_pat_init())
        return false;
    ac_result local;
    const ac_result *r = ac_get(s, &local);
    if (r->so[p] >= 0) {
        span(m, 0, (size_t)r->so[p], (size_t)r->eo[p]);
        return true;
    }
    return special(p, s);
}

/* Does the word list ws hold the word that ends just before at (at is
 * preceded by one space)? */
static bool word_before(const char *s, const char *at, const char *const *ws)
{
    if (at - s < 2 || at[-1] != ' ')
        return false;
    const char *e = at - 1, *b = e;
    while (b > s && b[-1] != ' ')
        b--;
    for (; *ws; ws++)
        if ((size_t)(e - b) == strlen(*ws) && !strncmp(b, *ws, (size_t)(e - b)))
            return true;
    return false;
}

/* Does the word starting at p belong to ws? */
static bool word_at(const char *p, const char *const *ws)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]) || p[n] == '-')
        n++;
    for (; *ws; ws++)
        if (n == strlen(*ws) && !strncmp(p, *ws, n))
            return true;
    return false;
}

/* Does a condition ("if", "when", "provided", "only" ...) follow p within
 * eight words ("qualify for a Household Support Fund payment if ...")? */
static bool condition_follows(const char *p)
{
    static const char *const cond[] = {"if", "when", "provided", "providing", "only", "as",
                                       "where", "whilst", "while", "once", NULL};
    for (int words = 0; *p && words < 8; words++) {
        while (*p == ' ' || *p == ',')
            p++;
        if (word_at(p, cond))
            return true;
        while (*p && *p != ' ')
            p++;
    }
    return false;
}

/* Is "eligible" at `at` a sufficiency, not a requirement?  "People
 * claiming benefits are eligible", "you could be eligible for a
 * Traineeship": the people named may use the service, which says nothing
 * of who may not.  Hedged ("could/may/might be eligible") always; "are/is
 * eligible" unless a condition follows within a few words ("you are
 * eligible if you live in Hackney", "eligible only").  "To be eligible"
 * and "are not eligible" stay requirements. */
static bool sufficient(const char *s, const char *at)
{
    static const char *const hedge[] = {"could be ", "may be ", "might be ", "may also be ",
                                        "could also be ", "may still be ", "could still be ",
                                        "might still be ", "may well be ", "might also be ",
                                        "automatically ", "are automatically ",
                                        "will automatically be "};
    /* "Any prisoner resident in Sutton ... will be eligible" names people
     * who may apply; "If you are claiming JSA ... then you will be
     * eligible" states the criterion itself. */
    bool cond_first = !strncmp(s, "if ", 3) || !strncmp(s, "provided ", 9) ||
                      !strncmp(s, "as long as ", 11);
    static const char *const plain[] = {" are ", " is ", " are also ", " is also ",
                                        " will be ", " would be ", " will also be ",
                                        " would also be "};
    const size_t n_plain = cond_first ? 4 : sizeof plain / sizeof plain[0];
    size_t before = (size_t)(at - s);
    for (size_t i = 0; i < sizeof hedge / sizeof hedge[0]; i++) {
        size_t l = strlen(hedge[i]);
        if (before >= l && !strncmp(at - l, hedge[i], l))
            return true;
    }
    bool is_plain = false;
    for (size_t i = 0; i < n_plain && !is_plain; i++) {
        size_t l = strlen(plain[i]);
        is_plain = before >= l && !strncmp(at - l, plain[i], l);
    }
    if (!is_plain)
        return false;
    return !condition_follows(at + 8);
}

/* Subjects whose "must" is their own duty, not the person's. */
static const char *const providers[] = {
    "which", "schools", "school", "colleges", "college", "employers", "employer",
    "providers", "provider", "services", "councils", "council", "authorities",
    "authority", "organisations", "organizations", "agencies", "universities", "staff",
    "landlords", "partners", "we", NULL};

/* Is the word of requirement at [at, at + len) of s one that asks
 * something of the person?  Not "not only" (widens), "which must" (a
 * thing's), "schools must" (a provider's duty), "must undertake an
 * assessment" (a step of the process, not who may take part), "don't have
 * to be" (says what is not required), "only one in five" (a statistic),
 * "to confirm their eligibility" (a check of it). */
static bool asks_person(const char *s, const char *at, size_t len)
{
    static const char *const nots[] = {"not", "don't", "dont", "doesn't", "didn't", "no",
                                       "never", NULL};
    static const char *const steps[] = {
        "undertake", "undergo", "provide", "complete", "bring", "contact", "get", "register",
        "book", "call", "submit", "fill", "pay", "secure", "ensure", "follow", "agree",
        "sign", "tell", "inform", "notify", "arrange", "keep", "return", "make", "give",
        "take", "attend", "consider", "offer", "apply", NULL};
    static const char *const counts[] = {"one", "two", "three", "four", "five", "a", "half",
                                         "about", "around", "some", "few", NULL};
    const char *next = at + len;
    while (*next == ' ')
        next++;
    /* "support normally only lasts 12 months": what the service does, not
     * what it asks of the person. */
    static const char *const of_service[] = {"last", "lasts", "run", "runs", "take", "takes",
                                             "cost", "costs", "cover", "covers", "pay", "pays",
                                             "fund", "funds", "operate", "operates", NULL};
    if (len == 4 && !strncmp(at, "only", 4)) {
        /* "Receive JSA, including those receiving NI credits only": the
         * "only" of an included part, no limit on the rest. */
        const char *inc = strstr(s, "including ");
        if (inc && inc < at && !memchr(inc, ',', (size_t)(at - inc)) &&
            !memchr(inc, ';', (size_t)(at - inc)))
            return false;
        return !word_before(s, at, nots) && !isdigit((unsigned char)*next) &&
               !word_at(next, counts) && !word_at(next, of_service);
    }
    /* "This must be done within 21 days", "forms must be returned by":
     * a step of the process in the passive, not a condition on anyone. */
    static const char *const done[] = {"done", "completed", "made", "submitted", "received",
                                       "returned", "sent", "signed", "filled", "paid", "booked",
                                       "lodged", "accompanied", "dated", "uploaded", NULL};
    if (len == 4 && !strncmp(at, "must", 4))
        return !word_before(s, at, providers) && !word_at(next, steps) &&
               !(!strncmp(next, "be ", 3) && word_at(next + 3, done));
    /* "were a 'relevant' or 'eligible' child": a quoted word is a
     * status's name, not a word of requirement. */
    if (at > s && (at[-1] == '\'' || at[-1] == '"' ||
                   (at - s >= 3 && (unsigned char)at[-3] == 0xe2 &&
                    (unsigned char)at[-2] == 0x80 &&
                    ((unsigned char)at[-1] == 0x98 || (unsigned char)at[-1] == 0x9c))))
        return false;
    /* "an assessment to confirm your eligibility": a step that checks it,
     * not what it is. */
    if (len >= 8 && !strncmp(at, "eligib", 6)) {
        static const char *const check[] = {"confirm", "check", "assess", "determine",
                                            "establish", "verify", "prove"};
        size_t back = (size_t)(at - s) < 40 ? (size_t)(at - s) : 40;
        char win[48];
        memcpy(win, at - back, back);
        win[back] = '\0';
        for (size_t i = 0; i < sizeof check / sizeof check[0]; i++)
            if (strstr(win, check[i]))
                return false;
    }
    if (len == 8 && !strncmp(at, "eligible", 8) && sufficient(s, at))
        return false;
    /* "ineligible for Pension Credit", "if you are eligible for Universal
     * Credit", "qualify for Housing Benefit": whether someone gets a
     * benefit is the benefit's rule; the sentence's other conditions are
     * not made firm by it (a benefit rule read from it stays a check). */
    if ((len >= 8 && (!strncmp(at, "eligib", 6) || !strncmp(at, "ineligib", 8))) ||
        (len == 7 && !strncmp(at, "qualify", 7))) {
        static const char *const benefit[] = {
            "universal credit", "pension credit", "jobseeker", "jsa", "esa ",
            "employment and support allowance", "income support", "housing benefit",
            "council tax support", "council tax reduction", "free school meals",
            "tax credit", "child benefit", "personal independence payment", "pip",
            "disability living allowance", "carer's allowance", "attendance allowance",
            "winter fuel", "state pension", "benefits", "a benefit", "the benefit",
            "means-tested", "means tested", "legal aid", NULL};
        /* By offset from s: GCC cannot then take at + len for the end of
         * a word it has seen ("-Wstringop-overread"). */
        size_t k = (size_t)(at - s) + len;
        while (s[k] == ' ')
            k++;
        if (s[k] == 'f' && s[k + 1] == 'o' && s[k + 2] == 'r' && s[k + 3] == ' ') {
            k += 4;
            if (s[k] == 't' && s[k + 1] == 'h' && s[k + 2] == 'e' && s[k + 3] == ' ')
                k += 4;
            for (const char *const *b = benefit; *b; b++) {
                size_t i = 0;
                while ((*b)[i] && s[k + i] == (*b)[i])
                    i++;
                if (!(*b)[i])
                    return false;
            }
        }
    }
    /* "You may also qualify if you get Universal Credit" adds people and
     * excludes no one; so does a hedged "you may qualify" with no
     * condition after it ("you may qualify if ..." is one). */
    static const char *const also[] = {"also", NULL};
    static const char *const hedged[] = {"may", "might", "could", NULL};
    if (len == 7 && !strncmp(at, "qualify", 7) &&
        (word_before(s, at, also) || (word_before(s, at, hedged) && !condition_follows(at + 7))))
        return false;
    /* "studying an eligible first full Level 2 qualification", "any
     * eligible needs": a thing that qualifies, not the person. */
    static const char *const det[] = {"a", "an", "the", "any", "your", "their", "its", "all",
                                      "other", "non", NULL};
    if (len == 8 && !strncmp(at, "eligible", 8) && word_before(s, at, det))
        return false;
    /* "need to be", "have to be", "you need to"...: negated, they say
     * what is not required ("you don't have to be on the streets"). */
    const char *w = at;
    if (!strncmp(w, "you ", 4))
        w += 4;
    if (!strncmp(w, "need to", 7) || !strncmp(w, "have to", 7))
        return !word_before(s, w, nots);
    return true;
}

/* The first word of requirement of s at or after from that asks
 * something of the person (asks_person), as an offset, or -1. */
static long next_firm(const char *s, size_t from)
{
    elig_span m[ELIG_SPANS];
    for (const char *p = s + from; *p && elig_pat_match(P_FIRM, p, m);) {
        const char *at = p + m[0].so;
        size_t len = (size_t)(m[0].eo - m[0].so);
        if (asks_person(s, at, len))
            return at - s;
        p = at + (len ? len : 1);
    }
    return -1;
}

/* Does s[from, to) start a new clause about someone else ("..., and our
 * workers support refugees", "which", "we")? */
static bool new_subject(const char *s, size_t from, size_t to)
{
    static const char *const subj[] = {" we ", " our ", " us ", " which ", " they ",
                                       " this service", " the service"};
    for (size_t i = 0; i < sizeof subj / sizeof subj[0]; i++) {
        const char *h = strstr(s + from, subj[i]);
        if (h && (size_t)(h - s) + strlen(subj[i]) <= to)
            return true;
    }
    return false;
}

bool elig_pat_governs(const char *s, size_t pos, size_t len)
{
    /* A word of requirement before the words, in the same clause. */
    for (long f = next_firm(s, 0); f >= 0 && (size_t)f < pos; f = next_firm(s, (size_t)f + 1))
        if (!new_subject(s, (size_t)f, pos))
            return true;
    /* "Carers only", "women-only sessions", "(over 50's only)", and
     * "only" closing the clause: "for people in recovery from drug or
     * alcohol misuse only", "open to LGBTQ+ people only". */
    const char *p = s + pos + len;
    for (int words = 0; *p; words++) {
        while (*p && !isalpha((unsigned char)*p) && !strchr(",;:", *p))
            p++;
        if (!isalpha((unsigned char)*p))
            return false;
        const char *w = p;
        while (isalpha((unsigned char)*p) || *p == '\'')
            p++;
        bool only = p - w == 4 && !strncmp(w, "only", 4);
        if (only && (words == 0 || !*p || strchr(".,;:)!", *p)))
            return true;
        if (words >= 1 && new_subject(s, pos + len, (size_t)(p - s)))
            return false;
    }
    return false;
}

bool elig_pat_requirement(const char *s, bool elig_field)
{
    if (next_firm(s, 0) >= 0)
        return true;
    if (!elig_field)
        return false;
    /* A line of the eligibility text that says whom it is open to, however
     * long its list of places or groups.  Lines that only name a target
     * ("For people aged 50+", "Over 18 years old") are no requirement by
     * themselves: they may be a price band's or a list heading's. */
    static const char *const lead[] = {"open to", "available to", "only", "restricted to",
                                       "exclusively"};
    for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++)
        if (!strncmp(s, lead[i], strlen(lead[i])))
            /* "Only one application is permitted per household": a count */
            return strcmp(lead[i], "only") || asks_person(s, s, 4);
    return false;
}

bool elig_pat_list_item(const char *s)
{
    size_t words = 0;
    for (const char *p = s; *p; p++)
        if (*p != ' ' && (p == s || p[-1] == ' '))
            words++;
    return words <= 12;
}

bool elig_pat_firm_heading(const char *s)
{
    char low[512];
    size_t n = 0;
    for (; s[n] && n + 1 < sizeof low; n++)
        low[n] = (char)tolower((unsigned char)s[n]);
    low[n] = '\0';
    /* A heading over who is funded ("To be eligible for funding, you
     * must:", "You may be eligible for help with funding if you are:")
     * states the conditions of a price, not of the service. */
    static const char *const price[] = {"fee",     "concession", "discount", "reduced", "free",
                                        "cost",    "price",      "pay",      "charge",  "fund",
                                        "bursar",  "loan",       "remission", "subsid",
                                        "\xc2\xa3"};
    for (size_t i = 0; i < sizeof price / sizeof price[0]; i++)
        if (strstr(low, price[i]))
            return false;
    /* "You are automatically eligible for membership if you are:": each
     * item is enough on its own; those it does not name may still join
     * (by an assessment, another route), so the items are sufficient
     * conditions, not requirements. */
    if (strstr(low, "automatically") || strstr(low, "automatic "))
        return false;
    return elig_pat_match(P_FIRM, low, NULL);
}

bool elig_pat_price(const char *s)
{
    static const char *const price[] = {"free", "fee", "cost", "pay ", "paid", "charge", "\xc2\xa3",
                                        "buy ", "buy.", "buy,",
                                        "concession", "discount", "funded", "subsidised",
                                        "reduced rate", "price", "full funding",
                                        "fee remission"};
    for (size_t i = 0; i < sizeof price / sizeof price[0]; i++)
        for (const char *h = strstr(s, price[i]); h; h = strstr(h + 1, price[i]))
            if (!(h - s >= 2 && !strncmp(h - 2, "un", 2))) /* "unpaid carers" */
                return true;
    return false;
}

bool elig_pat_provider_duty(const char *s)
{
    static const char *const modals[] = {"should", "must", "will", "shall", "need", "have",
                                         NULL};
    static const char *const own[] = {"we", "which", NULL}; /* "we will only take..." */
    const char *p = s;
    for (int words = 0; words < 4 && *p; words++) {
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
        if (words > 0 && word_at(w, modals))
            return word_before(s, w, providers) && !word_before(s, w, own);
    }
    return false;
}
