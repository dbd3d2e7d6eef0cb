/*
 * elig_pat.c - the sentence patterns of indexer/elig.c and their gates
 * (see elig_pat.h).
 */
#include "elig_pat.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>



#define NUMW "(a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four|[0-9]{1,2})"
#define OLDER "(\\+|plus|and over|and above|or over|or above|or older|and older|years and over|years or over|years or older|years old or over|years old and over|years old or older|years and above|years of age or over|years of age and over)"
#define YOUNGER "(and under|or under|or younger|and younger|or below|and below|years and under|years or under|years or younger|years old or under|years old or younger)"
#define WHO "(people|young people|young adults|adults|residents|those|anyone|learners|jobseekers|job seekers|care leavers|youth|women|men|londoners|young londoners|participants|customers|clients|individuals|parents|graduates|students|are you|you are|you're|if you are|\\()"

static const char *const pat_src[P__COUNT] = {
    [P_AGE_ANY] = "no (upper |lower )?age (limit|restriction|requirement)|all ages|any age|"
                  "regardless of (your )?age|whatever (your )?age|of all ages|no matter (what )?"
                  "(your age|how old)|open to all ages|age is no barrier",
    [P_RANGE1] = "(aged|ages|between the ages of|age range( of)?|age group( of)?|age)[: ]+"
                 "(between |from )?([0-9]{1,2}) ?(-|to|and|until) ?([0-9]{1,2})([^0-9]|$)",
    [P_RANGE2] = "(^|[^0-9.])([0-9]{1,2}) ?(-|to) ?([0-9]{1,2})[ -]?(year[ -]?olds?|years? old|"
                 "yrs|yo([^a-z]|$)|s([^a-z]|$)|'s)",
    [P_RANGE3] = WHO " \\(?(aged |between |from )?([0-9]{1,2}) ?(-|to|and) ?([0-9]{1,2})([^0-9]|$)",
    [P_MIN1] = "(aged|ages|age of|age) ?([0-9]{1,2}) ?" OLDER,
    [P_MIN2] = "(^|[^0-9.,])([0-9]{2}) ?" OLDER,
    [P_MIN3A] = "(over the age of|above the age of|aged over|aged above|aged at least|"
                "minimum age( of| is|:)?|must be at least|must be over|older than|at least) "
                "?([0-9]{1,2})",
    [P_MIN3B] = "(over|above)[ -]([0-9]{2})('?s([^a-z]|$)| ?years| ?year[ -]olds)",
    [P_MIN4] = WHO " (aged )?(over|above) ([0-9]{2})([^0-9]|$)",
    [P_MAX1] = "(under the age of|below the age of|up to and including the age of|"
               "up to and including age|up to the age of|up to age|aged under|"
               "aged below|aged up to|younger than|maximum age( of| is|:)?|no older than|"
               "not older than|must be under|must be younger than|must be below) ?([0-9]{1,2})",
    [P_MAX2] = "(under|below)[ -]([0-9]{2})('?s([^a-z]|$)| ?years| ?year[ -]olds)",
    [P_MAX3] = "(^|[^0-9.,])([0-9]{2}) ?" YOUNGER,
    [P_MAX4] = WHO " (aged )?(under|up to) ([0-9]{2})([^0-9]|$)",
    /* "16, 17 and 18 year olds" */
    [P_RANGE4] = "(^|[^0-9.,])([0-9]{2}), ([0-9]{2}),? (and|or|to) ([0-9]{2})[ -]?(year[ -]?olds?|"
                 "years? old)",
    /* A sentence that is only "Over 55?" or "Aged 50 or over?" */
    [P_MIN5] = "^(are you )?(aged )?(over|above) ([0-9]{2})( years( old)?)?[?!. ]*$",
    [P_MAX5] = "^(are you )?(aged )?under ([0-9]{2})( years( old)?)?[?!. ]*$",
    /* "up to their 25th birthday": 24 at most */
    [P_BDAY] = "(up to|until|before|under) (their|your|the|his|her) ([0-9]{2})(st|nd|rd|th) "
               "birthday",
    [P_ADULTS] = "(all|any) adults|adults only|for adults|open to adults|adults of any|"
                 "adults (living|who live)",
    [P_NEGATE] = "(not (suitable|open|available|eligible|for)|isn't (suitable|open|available|"
                 "for)|aren't eligible|no one|nobody|excluding|excludes|except|cannot|can't|"
                 "can not|unable to (support|help|accept)|we do not (accept|support|work with)|"
                 "does not (accept|support))",
    [P_SOFT] = "priority|prioriti|especially|particularly|in particular|including|includes|"
               "welcome|encourag|not only|not just|not exclusively|as well as|such as|"
               "for example|e\\.g\\.|among others|amongst others|but not limited|preference|"
               "preferred|whether or not|regardless|open to all|open to everyone|anyone can|"
               "everyone|all backgrounds|any background",
    [P_EXCEPT] = "unless|discretion|case by case|case-by-case|exceptions|exceptional|may be "
                 "considered|may be able to|flexib|in some cases|can sometimes",
    [P_RES_TRIGGER] = "resident|live in|living in|lives in|live or work|live, work|live and work|"
                      "live/work|who are based in|you are based in|reside|from the borough|"
                      "anyone in|everyone in|all adults in|anyone living|people living|"
                      "adults in (england|london|the uk)|lives, works|works or studies|who lives in|where you live|"
                      "live locally|(an?|your) [a-z &-]{2,40} address|address in|"
                      "(for|to) (all )?(people|anyone|everyone|adults|those|residents) in |"
                      "londoners|anywhere in|(live|lives|living) outside|postcode",
    [P_RES_ANY] = "(don't|do not|doesn't|does not|no need to|not need to) (have to |need to )?"
                  "live|no matter where you live|wherever you live|regardless of where you "
                  "live|not just for|not only for|whichever borough|any borough|all boroughs",
    [P_RES_WORK] = "live,? (or|and) work|work or study|live, work|live/work|work in the borough|"
                   "work or study in|or work in|or study in|works or studies",
    [P_RES_EXCL] = "(not (open|available) to|excluding|except|not for) [a-z ,&]*residents",
    [P_BEN_NONE] = "(don't|do not|doesn't|does not|no need to|not need to|needn't|not have to|"
                   "don't have to|do not have to)( need to| have to)?( be)? ?(claim|claiming|on|"
                   "receiving|in receipt of|get|getting)|whether or not you('re| are)? ?(claim|"
                   "claiming|receive|get|on)|regardless of (your )?benefit|no benefit "
                   "(requirement|claim)|outside the benefits system|with or without benefits|"
                   "rather than just those who claim|not just (for )?those (who are )?(claim|on)|"
                   "(claiming|on) benefits or not|benefits? (is|are) not required|not "
                   "(necessary|required) to (be )?(claim|on)|whether (you are|you're) (claiming|on)"
                   "|do not have to be (on|claiming)|don't need to be (on|claiming)|"
                   "not claiming (any )?benefits|not in receipt of (any )?benefits",
    [P_BEN_CLAIM] = "(claim|claiming|claims|claimant|claimants|in receipt of|receiving|receive|"
                    "receives|recipients of|on|getting|get|entitled to|must be on|in receipt)"
                    "[ ,]",
    [P_BEN_HELP] = "help (you )?(to )?(claim|apply|make)|apply for|applying for|advice (on|about)|"
                   "advis(e|es|ing) (on|about|people on|you on)|"
                   "find out (about|how|what|if|whether)|information (on|about)|learn (about|how)|"
                   "help with|support with|support to claim|benefits? advice|benefits? check|"
                   "better[- ]off|maximi[sz]e|appeal|welfare rights|manage your|make a claim|"
                   "what you('re| are) entitled|entitled to claim|check (what|which)|"
                   "changes to your|moving (on)?to universal credit|migrat|you('re| are) entitled to|"
                   "claim the benefits|free if|reduced (fee|price|rate)|concession|discount",
    [P_BEN_NOT] = "not (claiming|on |receiving|in receipt of|eligible if you (claim|are claiming|"
                  "receive|get))|must not (be )?(claim|on |receiv)|cannot be (claim|on |receiv)|"
                  "aren't (claiming|on )|if you (claim|are claiming|receive|get)[a-z' ]*(you )?"
                  "(are|will be) not eligible|not available to (people|those) (claiming|on|"
                  "receiving)",
    [P_BEN_GENERIC] = "benefits?([^a-z]|$)",
    [P_ST_ANY] = "whether [a-z' ]{0,20}(in work|working|employed)[a-z, ']{0,30} or (not|out of "
                 "work|unemployed|looking for work|seeking work|job ?seeking)|in or out of work|employed or unemployed|unemployed or employed|"
                 "working or not|regardless of (your )?employment|whatever your employment|"
                 "whether you('re| are) working or not|out of work or in work|in work or out of"
                 " work|employed, unemployed",
    [P_ST_NOT] = "(must not|cannot|can't|not (open|available) to (people|those) who are|"
                 "not for people who are|not eligible if you are|aren't eligible if you are) "
                 "(be )?(in work|working|employed|unemployed|in full-time)",
    [P_MONTHS1] = "(out of work|unemployed|not worked|not been in work|been out of work|"
                  "looking for work|looking for a job|job ?seeking|"
                  "without work|not in work|out of employment|not working|without a job|"
                  "unemployment|claiming)( for| for at least| for more than| for over| for a "
                  "minimum of| for longer than| at least| more than| over)? " NUMW
                  " ?\\+? ?(months?|weeks?|years?)",
    [P_MONTHS2] = "(at least |more than |over |a minimum of |minimum of |)" NUMW
                  " ?\\+? ?(months?|weeks?|years?)( or more| or longer|\\+)? (out of work|"
                  "unemployed|unemployment|without work|not working|of unemployment|"
                  "without a job)",
    [P_LTU] = "long[- ]term unemploy",
    [P_MONTHS_ANY] = "no minimum (period|time)|however long|no matter how long|any length of "
                     "time|recently unemployed or|just lost your job or",
    [P_RTW] = "right to work|eligible to work in the uk|permission to work|legally (able|entitled|"
              "allowed) to work|entitled to work in the uk|national insurance number|ni number|"
              "settled status|recourse to public funds|immigration status|work permit|"
              "visa (status|conditions)",
    [P_RTW_NONE] = "regardless of|whatever (your|their)|no matter|don't need|do not need|not required|"
                   "without (a|the|any|permission|the right)|no recourse to public funds (welcome|can|are welcome)|"
                   "(including|welcome|support) (people |those )?(with )?(no recourse|nrpf)|"
                   "even if you (have|don't)|any immigration status|all immigration statuses|"
                   "whether or not you have",
    [P_RTW_EXCL] = "(not (open|available|eligible)|cannot|can't|unable to) [a-z ,]*(no recourse|"
                   "nrpf|without (the )?right to work)",
    [P_REQ] = "(^|[^a-z])(only|must|exclusively|need to be|have to be|to be eligible|eligible if|"
              "eligibility|criteria|restricted to|specifically for|designed for|dedicated to|"
              "you must|is for|are for|aimed at|targeted at|who identify as|must have|"
              "open to|available to|solely)([^a-z]|$)",
    [P_STRONG] = "(^|[^a-z])(only|must|exclusively|need to be|have to be|to be eligible|"
                 "eligible if|eligibility|criteria|restricted to|solely|you must)([^a-z]|$)",
    [P_MAND] = "mandatory|compulsory|sanction|required to (attend|take part|participate)|"
               "must attend|you have to attend|you will be referred and must",
    [P_MAND_NOT] = "not (mandatory|compulsory)|isn't (mandatory|compulsory)|no sanction|"
                   "won't be sanctioned|will not be sanctioned|won't affect your benefit|"
                   "will not affect your benefit|no risk to your benefit",
    [P_VOL] = "voluntary|your choice|you can leave at any time|optional|you choose whether",
    [P_VOL_NOT] = "voluntary (sector|organisation|organization|work|role|roles|placement|"
                  "placements|basis|and community|groups?|services? council|action)|"
                  "voluntary, community|community and voluntary",
};

/* The gates: a match of the pattern contains one of these ("\\d": a
 * digit).  NULL: no gate (patterns only tried on rare sentences). */
#define G(...) (const char *const[]){__VA_ARGS__, NULL}
static const char *const *const pat_gate[P__COUNT] = {
    [P_AGE_ANY] = G("age", "how old"),
    [P_RANGE1] = G("\\d"),
    [P_RANGE2] = G("\\d"),
    [P_RANGE3] = G("\\d"),
    [P_MIN1] = G("\\d"),
    [P_MIN2] = G("\\d"),
    [P_MIN3A] = G("\\d"),
    [P_MIN3B] = G("\\d"),
    [P_MIN4] = G("\\d"),
    [P_MAX1] = G("\\d"),
    [P_MAX2] = G("\\d"),
    [P_MAX3] = G("\\d"),
    [P_MAX4] = G("\\d"),
    [P_RANGE4] = G("\\d"),
    [P_MIN5] = G("\\d"),
    [P_MAX5] = G("\\d"),
    [P_BDAY] = G("\\d"),
    [P_ADULTS] = G("adults"),
    [P_NEGATE] = G("not", "n't", "no one", "nobody", "exclud", "except", "unable"),
    [P_SOFT] = G("priorit", "especially", "particularly", "in particular", "includ", "welcome",
                 "encourag", "not only", "not just", "not exclusively", "as well as", "such as",
                 "for example", "e.g.", "among", "but not limited", "preferen", "preferred",
                 "whether or not", "regardless", "open to all", "open to everyone", "anyone can",
                 "everyone", "all backgrounds", "any background"),
    [P_EXCEPT] = G("unless", "discretion", "case", "exception", "may be", "flexib",
                   "can sometimes"),
    [P_RES_TRIGGER] = G("resident", "liv", "reside", "based in", "borough", "anyone",
                        "everyone", "adults in", "works or studies", "address", "people in",
                        "those in", "londoners", "anywhere in", "postcode"),
    [P_RES_ANY] = G("liv", "not just for", "not only for", "borough"),
    [P_RES_WORK] = G("work", "stud"),
    [P_RES_EXCL] = G("resident"),
    [P_BEN_NONE] = G("not", "n't", "no need", "regardless", "no benefit", "outside", "without",
                     "rather than", "whether"),
    [P_BEN_CLAIM] = G("claim", "receipt", "receiv", "recipients", "on ", "on,", "get",
                      "entitled"),
    [P_BEN_GENERIC] = G("benefit"),
    [P_ST_ANY] = G("whether", "out of work", "employed", "working or not", "regardless",
                   "whatever"),
    [P_ST_NOT] = G("not", "n't"),
    [P_MONTHS1] = G("month", "week", "year"),
    [P_MONTHS2] = G("month", "week", "year"),
    [P_LTU] = G("unemploy"),
    [P_MONTHS_ANY] = G("no minimum", "however long", "how long", "any length",
                       "recently unemployed or", "just lost your job or"),
    [P_RTW] = G("to work", "work permit", "national insurance", "ni number", "settled status", "recourse",
                "immigration", "visa"),
    [P_REQ] = G("only", "must", "exclusively", "need to be", "have to be", "eligib", "criteria",
                "restricted to", "specifically for", "designed for", "dedicated to", "is for",
                "are for", "aimed at", "targeted at", "who identify as", "open to",
                "available to", "solely"),
    [P_STRONG] = G("only", "must", "exclusively", "need to be", "have to be", "eligib",
                   "criteria", "restricted to", "solely"),
    [P_MAND] = G("mandatory", "compulsory", "sanction", "required to", "must attend",
                 "have to attend", "will be referred"),
    [P_MAND_NOT] = G("mandatory", "compulsory", "sanction", "affect your benefit",
                     "risk to your benefit"),
    [P_VOL] = G("voluntary", "your choice", "leave at any time", "optional", "you choose"),
    [P_VOL_NOT] = G("voluntary"),
};
#undef G

static regex_t pats[P__COUNT];
static bool pats_ok;
static pthread_once_t pats_once = PTHREAD_ONCE_INIT;

static void pats_init(void)
{
    for (int i = 0; i < P__COUNT; i++) {
        if (regcomp(&pats[i], pat_src[i], REG_EXTENDED) != 0) {
            fprintf(stderr, "elig: pattern %d does not compile\n", i);
            for (int j = 0; j < i; j++)
                regfree(&pats[j]);
            return;
        }
    }
    pats_ok = true;
}

bool elig_pat_init(void)
{
    pthread_once(&pats_once, pats_init);
    return pats_ok;
}

/* Could pattern p match s?  (A cheap necessary condition.) */
static bool gate(int p, const char *s)
{
    const char *const *g = pat_gate[p];
    if (!g)
        return true;
    for (; *g; g++) {
        if ((*g)[0] == '\\' ? strpbrk(s, "0123456789") != NULL : strstr(s, *g) != NULL)
            return true;
    }
    return false;
}

bool elig_pat_match(int p, const char *s, regmatch_t *m)
{
    regmatch_t dummy[12];
    if (!gate(p, s))
        return false;
    return regexec(&pats[p], s, m ? 12 : 0, m ? m : dummy, 0) == 0;
}
