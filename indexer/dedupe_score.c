/*
 * dedupe_score.c - scoring a candidate pair (dedupe.h, step 3): log-odds
 * points from a prior of DEDUPE_PRIOR, one weight per piece of evidence,
 * each recorded with what was compared so a hub user can read why two
 * records were linked.
 *
 * The weights were set by hand for the kinds of evidence directories carry
 * and checked against tests/hub/data/pairs.tsv; they reward what identifies
 * one service (its own URL, its name) more than what identifies its
 * organisation (e-mail, phone, address), and punish what tells two services
 * of one organisation apart (a different level or number in the name,
 * another schedule, another postcode).  They are all in W below, which
 * docs/hub.md ("Scoring", the table of weights by name) mirrors: change
 * both together (tests/hub/test_weights.c fails until they agree).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dedupe_impl.h"

/* Every weight and cut-off of the score, in log-odds points. */
static const struct dedupe_weights {
    double url_page, url_site, url_other_page;       /* the service's URL */
    double name_same, name_contains;                 /* folded names */
    double name_jaccard_floor, name_jaccard_slope, name_jaccard_zero, name_different;
    double name_level;                               /* "Entry 1" vs "Entry 3" */
    double org_same_above, org_similar_above, org_different_below; /* name jaccard */
    double org_same, org_similar, org_different;     /* organisation names */
    double ident_same, ident_different;              /* charity/company/UKPRN */
    double email_same, phone_same, phone_none_common;
    double org_cap;                  /* organisation-level evidence adds at most */
    double postcode_same, postcode_different;
    double far_km, far;              /* no postcodes: farther apart than far_km */
    double desc_slope, desc_zero;    /* description MinHash similarity */
    double place_text_below, place_text;  /* another place and another text */
    double schedule_same, schedule_different;
    double text_times_below, text_times;  /* another text and other times */
    double area_none, category_none;
} W = {
    .url_page = 4.0, .url_site = 1.0, .url_other_page = -1.0,
    .name_same = 5.0, .name_contains = 4.5,
    .name_jaccard_floor = 0.3, .name_jaccard_slope = 8.0, .name_jaccard_zero = 0.45,
    .name_different = -4.0,
    .name_level = -6.0,
    .org_same_above = 0.99, .org_similar_above = 0.5, .org_different_below = 0.2,
    .org_same = 1.5, .org_similar = 0.8, .org_different = -2.0,
    .ident_same = 1.5, .ident_different = -4.0,
    .email_same = 1.5, .phone_same = 1.5, .phone_none_common = -1.0,
    .org_cap = 3.0,
    .postcode_same = 1.5, .postcode_different = -3.5,
    .far_km = 2.0, .far = -2.0,
    .desc_slope = 6.0, .desc_zero = 0.35,
    .place_text_below = 0.5, .place_text = -2.0,
    .schedule_same = 0.5, .schedule_different = -2.0,
    .text_times_below = 0.2, .text_times = -2.0,
    .area_none = -3.0, .category_none = -2.0,
};

static const double prior = DEDUPE_PRIOR, threshold = DEDUPE_THRESHOLD;

/* W by name, with the prior and the threshold: what docs/hub.md's table
 * of weights lists, checked by tests/hub/test_weights.c. */
static const dedupe_weight weight_table[] = {
    {"prior", &prior},
    {"threshold", &threshold},
    {"url_page", &W.url_page},
    {"url_site", &W.url_site},
    {"url_other_page", &W.url_other_page},
    {"name_same", &W.name_same},
    {"name_contains", &W.name_contains},
    {"name_jaccard_floor", &W.name_jaccard_floor},
    {"name_jaccard_slope", &W.name_jaccard_slope},
    {"name_jaccard_zero", &W.name_jaccard_zero},
    {"name_different", &W.name_different},
    {"name_level", &W.name_level},
    {"org_same_above", &W.org_same_above},
    {"org_similar_above", &W.org_similar_above},
    {"org_different_below", &W.org_different_below},
    {"org_same", &W.org_same},
    {"org_similar", &W.org_similar},
    {"org_different", &W.org_different},
    {"ident_same", &W.ident_same},
    {"ident_different", &W.ident_different},
    {"email_same", &W.email_same},
    {"phone_same", &W.phone_same},
    {"phone_none_common", &W.phone_none_common},
    {"org_cap", &W.org_cap},
    {"postcode_same", &W.postcode_same},
    {"postcode_different", &W.postcode_different},
    {"far_km", &W.far_km},
    {"far", &W.far},
    {"desc_slope", &W.desc_slope},
    {"desc_zero", &W.desc_zero},
    {"place_text_below", &W.place_text_below},
    {"place_text", &W.place_text},
    {"schedule_same", &W.schedule_same},
    {"schedule_different", &W.schedule_different},
    {"text_times_below", &W.text_times_below},
    {"text_times", &W.text_times},
    {"area_none", &W.area_none},
    {"category_none", &W.category_none},
};

const dedupe_weight *dedupe_weights(size_t *n)
{
    *n = sizeof weight_table / sizeof *weight_table;
    return weight_table;
}

static void add_ev(dedupe_score *sc, const char *what, double w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_ev(dedupe_score *sc, const char *what, double w, const char *fmt, ...)
{
    sc->score += w;
    if (sc->n_ev >= DEDUPE_MAX_EVIDENCE || sc->brief)
        return;
    dedupe_evidence *e = &sc->ev[sc->n_ev++];
    e->what = what;
    e->weight = w;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
}

static double sig_similarity(const feat *a, const feat *b)
{
    size_t same = 0;
    for (size_t k = 0; k < DEDUPE_MINHASH; k++)
        same += a->sig[k] == b->sig[k];
    return (double)same / DEDUPE_MINHASH;
}

static double km_between(double lat1, double lon1, double lat2, double lon2)
{
    double p = M_PI / 180.0;
    double dlat = (lat2 - lat1) * p, dlon = (lon2 - lon1) * p;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * p) * cos(lat2 * p) * sin(dlon / 2) * sin(dlon / 2);
    return 6371.0 * 2 * atan2(sqrt(h), sqrt(1 - h));
}

static bool same_host(const char *a, const char *b)
{
    size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
    return na == nb && !strncmp(a, b, na);
}

/* brief: the score only, no evidence text (linkage compares millions of
 * pairs; the evidence is written again for the links that are kept). */
void dd_compare(const dedupe_set *s, size_t ia, size_t ib, dedupe_score *sc, bool brief)
{
    const feat *a = &s->f[ia], *b = &s->f[ib];
    sc->score = DEDUPE_PRIOR;
    sc->n_ev = 0;
    sc->brief = brief;

    /* The service's own page is the strongest single sign. */
    if (a->url && b->url) {
        bool pa = strchr(a->url, '/') != NULL, pb = strchr(b->url, '/') != NULL;
        if (!strcmp(a->url, b->url) && pa)
            add_ev(sc, "url", W.url_page, "same page %s", a->url);
        else if (!strcmp(a->url, b->url))
            add_ev(sc, "url", W.url_site, "same site %s", a->url);
        else if (same_host(a->url, b->url) && pa && pb)
            add_ev(sc, "url", W.url_other_page, "other pages of one site");
    }

    /* Names: equal after normalisation, or by token overlap. */
    if (a->name_tok.n && b->name_tok.n) {
        size_t c = dd_hset_common(&a->name_tok, &b->name_tok);
        size_t u = a->name_tok.n + b->name_tok.n - c;
        double j = (double)c / (double)u;
        size_t mn = a->name_tok.n < b->name_tok.n ? a->name_tok.n : b->name_tok.n;
        double contain = (double)c / (double)mn;
        if (a->name_key && b->name_key && !strcmp(a->name_key, b->name_key))
            add_ev(sc, "name", W.name_same, "same name \"%.60s\"", a->name_key);
        else if (contain == 1.0 && mn >= 2)
            add_ev(sc, "name", W.name_contains, "one name contains the other (jaccard %.2f)", j);
        else if (j >= W.name_jaccard_floor)
            add_ev(sc, "name", W.name_jaccard_slope * (j - W.name_jaccard_zero), "name tokens jaccard %.2f", j);
        else
            add_ev(sc, "name", W.name_different, "different names (jaccard %.2f)", j);
        /* "ESOL Entry 1" and "ESOL Entry 3": a level or number in one name
         * and not the other tells two courses of one provider apart. */
        size_t dc = dd_hset_common(&a->disc, &b->disc);
        if (a->disc.n + b->disc.n > 2 * dc)
            add_ev(sc, "name-level", W.name_level, "names differ in a level, number or session word");
    }

    /* The organisation's name, numbers, e-mail and phone all say "same
     * organisation": they are one piece of evidence, not four, so what
     * they add together is capped (what they subtract is not). */
    double org_before = sc->score;
    size_t org_first = sc->n_ev;
    if (a->org_tok.n && b->org_tok.n) {
        size_t c = dd_hset_common(&a->org_tok, &b->org_tok);
        double j = (double)c / (double)(a->org_tok.n + b->org_tok.n - c);
        if (j >= W.org_same_above)
            add_ev(sc, "organisation", W.org_same, "same organisation");
        else if (j >= W.org_similar_above)
            add_ev(sc, "organisation", W.org_similar, "organisation names jaccard %.2f", j);
        else if (j < W.org_different_below)
            add_ev(sc, "organisation", W.org_different, "different organisations (jaccard %.2f)", j);
    }

    if (a->idents.n && b->idents.n) {
        if (dd_hset_common(&a->idents, &b->idents))
            add_ev(sc, "identifier", W.ident_same, "same charity/company/UKPRN number");
        else
            add_ev(sc, "identifier", W.ident_different, "different charity/company/UKPRN numbers");
    }

    if (a->email && b->email) {
        if (!strcmp(a->email, b->email))
            add_ev(sc, "email", W.email_same, "same e-mail %.60s", a->email);
    }

    if (a->phones.n && b->phones.n) {
        if (dd_hset_common(&a->phones, &b->phones))
            add_ev(sc, "phone", W.phone_same, "a phone number in common");
        else
            add_ev(sc, "phone", W.phone_none_common, "no phone number in common");
    }

    double org_sum = sc->score - org_before;
    if (org_sum > W.org_cap) {
        sc->score -= org_sum - W.org_cap;
        if (sc->n_ev < DEDUPE_MAX_EVIDENCE && !brief) {
            dedupe_evidence *e = &sc->ev[sc->n_ev++];
            e->what = "org-cap";
            e->weight = -(org_sum - W.org_cap);
            snprintf(e->detail, sizeof e->detail,
                     "organisation-level evidence capped at %+g (%zu items)", W.org_cap,
                     sc->n_ev - 1 - org_first);
        }
    }
    bool other_place = false;
    if (a->postcodes.n && b->postcodes.n) {
        other_place = !dd_hset_common(&a->postcodes, &b->postcodes);
        if (!other_place)
            add_ev(sc, "postcode", W.postcode_same, "same postcode %.12s", a->postcode ? a->postcode : "");
        else
            add_ev(sc, "postcode", W.postcode_different, "different postcodes");
    } else if (!isnan(a->lat) && !isnan(b->lat)) {
        double km = km_between(a->lat, a->lon, b->lat, b->lon);
        other_place = km > W.far_km;
        if (other_place)
            add_ev(sc, "location", W.far, "%.1f km apart", km);
    }

    if (a->has_desc && b->has_desc) {
        double j = sig_similarity(a, b);
        add_ev(sc, "description", W.desc_slope * (j - W.desc_zero), "description minhash similarity %.2f", j);
        if (other_place && j < W.place_text_below)
            add_ev(sc, "place-and-text", W.place_text, "another address and another description");
    }

    if (a->sched && b->sched) {
        if (a->sched == b->sched)
            add_ev(sc, "schedule", W.schedule_same, "same schedule");
        else
            add_ev(sc, "schedule", W.schedule_different, "different schedules");
        /* one organisation's two runs of a service: its page, name and
         * contacts agree, but nothing of the text and not the times */
        if (a->sched != b->sched && a->has_desc && b->has_desc && sig_similarity(a, b) < W.text_times_below)
            add_ev(sc, "text-and-times", W.text_times, "another description and another schedule");
    }

    if (a->bor.n && b->bor.n && !dd_hset_common(&a->bor, &b->bor) && !a->pan_london &&
        !b->pan_london)
        add_ev(sc, "area", W.area_none, "no borough in common");

    if (a->cat.n && b->cat.n && !dd_hset_common(&a->cat, &b->cat))
        add_ev(sc, "category", W.category_none, "no category in common");

    sc->probability = 1.0 / (1.0 + exp(-sc->score));
    sc->match = sc->score >= DEDUPE_THRESHOLD;
}

void dedupe_compare(const dedupe_set *s, size_t a, size_t b, dedupe_score *out)
{
    memset(out, 0, sizeof *out);
    dd_compare(s, a, b, out, false);
}

json_t *dedupe_score_json(const dedupe_score *sc)
{
    json_t *ev = json_array();
    for (size_t i = 0; ev && i < sc->n_ev; i++)
        json_array_append_new(ev, json_pack("{s:s,s:s,s:f}", "what", sc->ev[i].what, "detail",
                                            sc->ev[i].detail, "weight",
                                            round(sc->ev[i].weight * 100) / 100));
    if (!ev)
        return NULL;
    return json_pack("{s:f,s:f,s:b,s:f,s:o}", "score", round(sc->score * 100) / 100,
                     "probability", round(sc->probability * 1000) / 1000, "match", sc->match,
                     "prior", DEDUPE_PRIOR, "evidence", ev);}
