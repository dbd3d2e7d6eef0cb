/*
 * elig_rank.c - the one eligibility judgement behind /api/v1/eligible and
 * /coach: which services are candidates for a person, their verdicts
 * (indexer/elig.h), closed services set apart, the order they are shown
 * in, and reasons as shown to people.  Both endpoints call these, so the
 * same person gets the same verdict on the same service from either.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sd_int.h"

void sd_elig_query(const vocab *v, const elig_person *p, const char *q, bool has_near,
                   double lat, double lon, double radius_km, idx_query *out)
{
    idx_query_init(out);
    out->q = q && *q ? q : NULL;
    out->filters[IDX_F_CATEGORY] = p->needs;
    out->n_filters[IDX_F_CATEGORY] = p->n_needs;
    out->facets = false;
    out->exact_facets = false;
    out->collapse = false; /* every record is judged, duplicates too */
    out->sort = IDX_SORT_RELEVANCE;
    out->offset = 0;
    out->limit = SD_ELIG_CANDIDATES;
    /* Distance from the postcode, else from the centre of the person's
     * borough: "nearer" still means something without a postcode. */
    const vocab_borough *home = p->borough ? vocab_borough_get(v, p->borough) : NULL;
    if (has_near) {
        out->has_near = true;
        out->near_lat = lat;
        out->near_lon = lon;
        out->radius_km = radius_km;
    } else if (home) {
        out->has_near = true;
        out->near_lat = home->lat;
        out->near_lon = home->lon;
    }
}

static int item_cmp(const void *a, const void *b)
{
    const sd_elig_item *x = a, *y = b;
    if (x->outcome != y->outcome)
        return x->outcome - y->outcome;
    if (x->verdict->speaks_language != y->verdict->speaks_language)
        return x->verdict->speaks_language ? -1 : 1;
    /* Relevance with a distance decay, so that a near service that does
     * not do what was asked does not lead (nearest first only among
     * equals: a browse without words). */
    if (x->fit != y->fit)
        return x->fit > y->fit ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

int sd_elig_judge(const vocab *v, const elig_person *p, sd_elig *e)
{
    size_t n = e->res.n_hits;
    e->items = calloc(n ? n : 1, sizeof *e->items);
    e->vds = calloc(n ? n : 1, sizeof *e->vds);
    if (!e->items || !e->vds)
        return SP_ENOMEM;
    memset(e->counts, 0, sizeof e->counts);
    for (size_t i = 0; i < n; i++) {
        const idx_hit *h = &e->res.hits[i];
        elig_evaluate(v, &h->rec, p, &e->vds[i]);
        sd_elig_item *it = &e->items[i];
        it->hit = h;
        it->verdict = &e->vds[i];
        /* A closed service is never "likely eligible", whatever its rules
         * say: it takes nobody. */
        it->outcome = sd_rec_closed(&h->rec) ? SD_CLOSED : (int)e->vds[i].outcome;
        it->rank = i;
        it->km = h->distance_km;
        double w = h->score > 0 ? h->score : 1.0;
        it->fit = w / (1.0 + (h->distance_km >= 0 ? h->distance_km : IDX_DECAY_UNKNOWN_KM) /
                                 IDX_DECAY_KM);
        e->counts[it->outcome]++;
    }
    e->n = n;
    qsort(e->items, n, sizeof *e->items, item_cmp);
    return SP_OK;
}

void sd_elig_free(sd_elig *e)
{
    free(e->items);
    free(e->vds);
    idx_result_free(&e->res);
    memset(e, 0, sizeof *e);
}

static const char *const outcome_names[] = {"eligible", "check", "not_eligible", "closed"};

const char *sd_elig_outcome_name(int outcome)
{
    return outcome >= 0 && outcome <= SD_CLOSED ? outcome_names[outcome] : "check";
}

int sd_elig_outcome_from_name(const char *name)
{
    for (int i = 0; name && i <= SD_CLOSED; i++)
        if (!strcmp(name, outcome_names[i]))
            return i;
    return -1;
}

bool sd_rec_closed(const rec_service *r)
{
    return r->status && *r->status && strcasecmp(r->status, "active") != 0;
}

/* The length of s without a last word that was cut off (text filled a
 * buffer), and without the spaces and commas before it. */
static size_t cut_word(const char *s, size_t len)
{
    size_t n = len;
    while (n > 0 && !isspace((unsigned char)s[n - 1]))
        n--;
    while (n > 0 && (isspace((unsigned char)s[n - 1]) || strchr(",;:(", s[n - 1])))
        n--;
    return n;
}

/* s (len bytes) into out (sz bytes): whole when it fits, else cut after
 * a whole word and ended with ellipsis. */
static void whole_words(char *out, size_t sz, const char *s, size_t len, const char *ellipsis)
{
    if (!sz)
        return;
    if (!s) /* a buffer that ran out of memory: say nothing */
        s = "", len = 0;
    if (len < sz) {
        memcpy(out, s, len);
        out[len] = '\0';
        return;
    }
    size_t el = strlen(ellipsis), n = sz - 1 > el ? sz - 1 - el : 0;
    n = cut_word(s, isspace((unsigned char)s[n]) ? n + 1 : n);
    memcpy(out, s, n);
    memcpy(out + n, ellipsis, n + el < sz ? el + 1 : 1);
    out[n + el < sz ? n + el : n] = '\0';
}

bool sd_rec_closed_note(const rec_service *r, char *out, size_t sz)
{
    static const char *const says[] = {"closed", "no longer", "has ended", "ended in",
                                        "not accepting", "not taking", "stopped taking"};
    const char *texts[] = {r->alert, r->description, r->eligibility_description,
                           r->application_process};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        const char *s = texts[t];
        while (s && *s) {
            const char *end = s;
            while (*end && !((*end == '.' || *end == '!' || *end == '?') &&
                             (end[1] == ' ' || end[1] == '\0' || end[1] == '\n')) &&
                   *end != '\n')
                end++;
            size_t len = (size_t)(end - s) + (*end && *end != '\n' ? 1 : 0);
            bool hit = false;
            for (size_t k = 0; !hit && k < sizeof says / sizeof says[0]; k++) {
                size_t kl = strlen(says[k]);
                for (size_t i = 0; !hit && i + kl <= len; i++)
                    hit = !strncasecmp(s + i, says[k], kl);
            }
            if (hit && len > 0) {
                whole_words(out, sz, s, len, "\xe2\x80\xa6");
                return true;
            }
            s = *end ? end + 1 : end;
            while (*s == ' ' || *s == '\n')
                s++;
        }
    }
    return false;
}

/* ---- reasons as shown ---- */

/* The vocabulary field of a rule's values, for their labels. */
static const char *values_field(const char *dim)
{
    static const char *const map[][2] = {
        {"residency", "borough"},  {"benefit", "benefit"},   {"employment_status", "status"},
        {"group", "group"},        {"referral", "referral"}, {"cost", "cost"}};
    for (size_t i = 0; dim && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(dim, map[i][0]))
            return map[i][1];
    return NULL;
}

/* A value as the engine names it in messages. */
static const char *value_label(const vocab *v, const char *field, const char *slug)
{
    const char *l = vocab_label(v, field, slug);
    if (!l && !strcmp(field, "borough"))
        l = vocab_label(v, "subregion", slug);
    if (!l && !strcmp(slug, "london"))
        l = "London";
    if (!l && !strcmp(slug, "england"))
        l = "England";
    if (!l && !strcmp(slug, "uk"))
        l = "the UK";
    if (!l && !strcmp(slug, "work-or-study"))
        l = "(or work or study there)";
    return l ? l : slug;
}

/* The engine's list buffer (elig.c joins a rule's values into 200 bytes):
 * a joined list this long or longer was cut. */
#define ENGINE_LIST 200
#define SHOWN_LIST 110 /* bytes of names before "and N more" */

void sd_reason_text(const vocab *v, const elig_reason *e, char *out, size_t sz)
{
    const char *msg = e->message;
    size_t len = strnlen(msg, sizeof e->message);
    const rec_rule *u = e->rule;
    const char *field = values_field(e->dimension);
    if (u && field && u->n_values > 1) {
        sp_buf full = {0};
        for (size_t i = 0; i < u->n_values; i++) {
            if (i)
                sp_buf_puts(&full, ", ");
            sp_buf_puts(&full, value_label(v, field, u->values[i]));
        }
        const char *f = sp_buf_cstr(&full);
        const char *at = NULL;
        if (full.len >= ENGINE_LIST - 1) {
            /* Where the engine's cut list sits in the message. */
            char cut[ENGINE_LIST];
            memcpy(cut, f, ENGINE_LIST - 1);
            cut[ENGINE_LIST - 1] = '\0';
            at = strstr(msg, cut);
        }
        if (at) {
            sp_buf b = {0};
            sp_buf_append(&b, msg, (size_t)(at - msg));
            size_t shown = 0, k = 0;
            for (; k < u->n_values; k++) {
                const char *l = value_label(v, field, u->values[k]);
                if (k && shown + strlen(l) + 2 > SHOWN_LIST)
                    break;
                if (k)
                    sp_buf_puts(&b, ", ");
                sp_buf_puts(&b, l);
                shown += strlen(l) + 2;
            }
            if (k < u->n_values) {
                char more[32];
                snprintf(more, sizeof more, " and %zu more", u->n_values - k);
                sp_buf_puts(&b, more);
            }
            const char *rest = at + ENGINE_LIST - 1;
            size_t rl = len - (size_t)(rest - msg);
            if (len >= sizeof e->message - 1) { /* the message was full too */
                sp_buf_append(&b, rest, cut_word(rest, rl));
                sp_buf_puts(&b, "\xe2\x80\xa6");
            } else {
                sp_buf_append(&b, rest, rl);
            }
            whole_words(out, sz, sp_buf_cstr(&b), b.len, "\xe2\x80\xa6");
            sp_buf_free(&b);
            sp_buf_free(&full);
            return;
        }
        sp_buf_free(&full);
    }
    if (len >= sizeof e->message - 1) { /* full: it may end mid-word */
        sp_buf b = {0};
        sp_buf_append(&b, msg, cut_word(msg, len));
        sp_buf_puts(&b, "\xe2\x80\xa6");
        whole_words(out, sz, sp_buf_cstr(&b), b.len, "\xe2\x80\xa6");
        sp_buf_free(&b);
        return;
    }
    whole_words(out, sz, msg, len, "\xe2\x80\xa6");
}
