/*
 * params.c - the query parameters of GET /api/v1/search, validated and
 * turned into an idx_query.  Everything here is untrusted input: every
 * parameter name must be known, every value valid UTF-8 of bounded size,
 * every number a plain decimal within its range, every vocabulary value a
 * known slug (or, for boroughs, a GSS code or a name).  A bad parameter is
 * never ignored or "fixed up": the caller answers 400 with a message that
 * names the parameter and says what is allowed.
 *
 * Empty values ("borough=", "page=") are treated as absent, because HTML
 * forms send empty fields for "any".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "person.h"
#include "sd_int.h"


/* Every parameter /api/v1/search accepts, in documentation order. */
static const char *const known_params[] = {
    "q",   "borough", "subregion", "group",     "category", "mode",
    "cost", "referral", "language", "age",      "near",     "radius_km",
    "sort", "page",     "per_page", "benefits", "status", "months_unemployed",
    "fold",     "understand", "day", "time", "at", "open",
};
#define N_KNOWN (sizeof known_params / sizeof known_params[0])

static const char allowed_list[] =
    "q, borough, subregion, group, category, mode, cost, referral, "
    "language, age, near, radius_km, sort, page, per_page, benefits, status, "
    "months_unemployed, fold, understand, day, time, at, open";

static int fail(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    return SP_EINVAL;
}

/* Copy at most max bytes of a valid UTF-8 string, cutting on a character
 * boundary, so an echoed value keeps the message valid UTF-8 and short. */
static void clip(char *out, size_t out_size, const char *s, size_t len)
{
    size_t max = out_size - 4;
    size_t n = len < max ? len : max;
    while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    strcpy(out + n, n < len ? "..." : "");
}

static int known_index(const char *key, size_t len)
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (strlen(known_params[i]) == len && !memcmp(known_params[i], key, len))
            return (int)i;
    return -1;
}

/* A plain non-negative decimal integer of at most 9 digits; -1 otherwise.
 * strtol alone would accept " 7", "+7", "7abc" (with endptr checks) and
 * overflow quietly: be strict instead. */
long sd_parse_uint(const char *s, size_t len)
{
    if (len == 0 || len > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* A plain decimal like "2", "2.5", ".5"; NAN otherwise (no signs,
 * exponents, hex, inf or nan spellings that strtod would take). */
double sd_parse_decimal(const char *s, size_t len)
{
    if (len == 0 || len > 20)
        return NAN;
    size_t dots = 0, digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.')
            dots++;
        else if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else
            return NAN;
    }
    if (dots > 1 || digits == 0)
        return NAN;
    char buf[32];
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

bool sd_field_single(idx_field f)
{
    return f == IDX_F_STATUS || idx_field_is_number(f);
}

static const char *field_hint(idx_field f)
{
    switch (f) {
    case IDX_F_BOROUGH:
        return "a London borough's GOV.UK slug (hackney), GSS code (E09000012) or name";
    case IDX_F_SUBREGION:
        return "central-london-forward, local-london, south-london-partnership or "
               "west-london-alliance";
    case IDX_F_GROUP:
        return "a group slug such as young-people, aged-50-plus, disabled, care-leavers";
    case IDX_F_CATEGORY:
        return "a category slug such as employment-support, cv-and-applications, esol";
    case IDX_F_MODE:
        return "in-person, online, phone or hybrid";
    case IDX_F_COST:
        return "free, subsidised or fee";
    case IDX_F_REFERRAL:
        return "self, jobcentre, gp, council, probation, housing-provider or other-agency";
    case IDX_F_LANGUAGE:
        return "an ISO 639-1 language code such as en, ar, bn, so, pl";
    default:
        return "a known value";
    }
}

int sd_search_parse(const vocab *v, const sd_kv *kv, size_t n, sd_search *out,
                    char *msg, size_t msg_size)
{
    char shown[80];
    int seen[N_KNOWN] = {0};

    memset(out, 0, sizeof *out);
    idx_query_init(&out->q);
    out->q.sort = IDX_SORT_RELEVANCE;
    out->q.facets = true;
    out->q.exact_facets = true;
    out->q.collapse = true; /* duplicates fold into one result (fold=0: off) */
    out->qtext = NULL;
    out->sort = "relevance";
    out->page = 1;
    out->per_page = 10;
    out->day = out->period = out->minute = -1;
    for (int f = 0; f < IDX_F__COUNT; f++) {
        out->q.filters[f] = out->vals[f];
        out->q.n_filters[f] = 0;
    }

    if (n > SD_MAX_ARGS)
        return fail(msg, msg_size, "too many query parameters (%zu); at most %d", n,
                    SD_MAX_ARGS);

    /* First pass: names known, bytes valid, repeats only where allowed. */
    for (size_t i = 0; i < n; i++) {
        const sd_kv *p = &kv[i];
        if (!sp_utf8_valid(p->key, p->key_len) || memchr(p->key, '\0', p->key_len))
            return fail(msg, msg_size,
                        "a parameter name is not valid UTF-8 text; allowed names: %s",
                        allowed_list);
        int k = known_index(p->key, p->key_len);
        if (k < 0) {
            clip(shown, sizeof shown, p->key, p->key_len);
            return fail(msg, msg_size, "unknown parameter '%s'; allowed: %s", shown,
                        allowed_list);
        }
        const char *name = known_params[k];
        if (p->value &&
            (!sp_utf8_valid(p->value, p->value_len) || memchr(p->value, '\0', p->value_len)))
            return fail(msg, msg_size, "%s is not valid UTF-8 text", name);
        size_t max = !strcmp(name, "q") ? SD_MAX_Q : SD_MAX_VALUE;
        if (p->value_len > max)
            return fail(msg, msg_size, "%s is %zu bytes long; at most %zu are allowed",
                        name, p->value_len, max);
        int fk = idx_field_from_name(name);
        bool repeatable = fk >= 0 && !sd_field_single((idx_field)fk);
        if (!repeatable && seen[k])
            return fail(msg, msg_size, "%s is given more than once; it takes one value",
                        name);
        seen[k]++;
    }

    /* Second pass: values. */
    for (size_t i = 0; i < n; i++) {
        const sd_kv *p = &kv[i];
        const char *name = known_params[known_index(p->key, p->key_len)];
        const char *val = p->value ? p->value : "";
        size_t len = p->value ? p->value_len : 0;
        int f = idx_field_from_name(name);

        if (!strcmp(name, "q")) {
            out->qtext = val;
            out->q.q = val;
            continue;
        }
        if (len == 0)
            continue; /* an empty form field means "any" */
        clip(shown, sizeof shown, val, len);

        if (f >= 0 && idx_field_is_number((idx_field)f)) {
            /* The person's answers: one model and one set of limits with
             * /api/v1/eligible and /coach (indexer/person.h). */
            int m = 0;
            sp_err pe;
            sp_err_clear(&pe);
            if (person_number(name, val, len, &m, &pe) != SP_OK)
                return fail(msg, msg_size, "%s, not '%s'", pe.msg, shown);
            char *text = f == IDX_F_AGE ? out->age : out->months;
            snprintf(text, sizeof out->age, "%d", m);
            out->vals[f][0] = text;
            out->q.n_filters[f] = 1;
        } else if (f >= 0) {
            sp_err pe;
            sp_err_clear(&pe);
            const char *slug = idx_field_is_person((idx_field)f)
                                   ? person_slug(v, name, val, len, &pe)
                                   : vocab_canon(v, name, val);
            if (!slug && idx_field_is_person((idx_field)f))
                return fail(msg, msg_size, "%s", pe.msg); /* not echoed: about a person */
            if (!slug)
                return fail(msg, msg_size, "%s: unknown value '%s'; use %s", name, shown,
                            field_hint((idx_field)f));
            size_t *nf = &out->q.n_filters[f];
            bool dup = false;
            for (size_t j = 0; j < *nf; j++)
                if (!strcmp(out->vals[f][j], slug))
                    dup = true;
            if (dup)
                continue; /* hackney and E09000012 are one filter */
            if (*nf >= SD_MAX_VALUES)
                return fail(msg, msg_size, "%s: too many values; at most %d", name,
                            SD_MAX_VALUES);
            out->vals[f][(*nf)++] = slug;
        } else if (!strcmp(name, "near")) {
            double lat = NAN, lon = NAN;
            const vocab_borough *b = NULL;
            int rc = vocab_postcode(v, val, &lat, &lon, &b);
            if (rc == SP_EINVAL)
                return fail(msg, msg_size,
                            "near: '%s' is not a UK postcode; give a postcode (E8 1DY), "
                            "sector (E8 1) or district (E8)",
                            shown);
            if (rc != SP_OK && (isnan(lat) || isnan(lon)))
                return fail(msg, msg_size,
                            "near: postcode '%s' is not known; give a London postcode, "
                            "sector or district",
                            shown);
            out->near = val;
            out->q.has_near = true;
            out->q.near_lat = lat;
            out->q.near_lon = lon;
        } else if (!strcmp(name, "radius_km")) {
            double r = sd_parse_decimal(val, len);
            if (isnan(r) || !(r > 0) || r > SD_MAX_RADIUS_KM)
                return fail(msg, msg_size,
                            "radius_km must be a number of kilometres above 0 and at "
                            "most %g, not '%s'",
                            SD_MAX_RADIUS_KM, shown);
            out->q.radius_km = r;
        } else if (!strcmp(name, "sort")) {
            if (!strcmp(val, "relevance")) {
                out->q.sort = IDX_SORT_RELEVANCE;
                out->sort = "relevance";
            } else if (!strcmp(val, "distance")) {
                out->q.sort = IDX_SORT_DISTANCE;
                out->sort = "distance";
            } else if (!strcmp(val, "updated")) {
                out->q.sort = IDX_SORT_UPDATED;
                out->sort = "updated";
            } else {
                return fail(msg, msg_size,
                            "sort must be relevance, distance or updated, not '%s'", shown);
            }
        } else if (!strcmp(name, "fold")) {
            if (len == 1 && (val[0] == '0' || val[0] == '1'))
                out->q.collapse = val[0] == '1';
            else
                return fail(msg, msg_size, "fold must be 0 or 1, not '%s'", shown);
        } else if (!strcmp(name, "understand")) {
            if (len == 1 && (val[0] == '0' || val[0] == '1'))
                out->literal = val[0] == '0';
            else
                return fail(msg, msg_size, "understand must be 0 or 1, not '%s'", shown);
        } else if (!strcmp(name, "day")) {
            out->day = hours_parse_day(val, len);
            if (out->day < 0)
                return fail(msg, msg_size,
                            "day must be a day of the week: MO, TU, WE, TH, FR, SA, SU or "
                            "its English name, not '%s'",
                            shown);
        } else if (!strcmp(name, "time")) {
            out->period = hours_parse_period(val, len);
            if (out->period < 0)
                return fail(msg, msg_size,
                            "time must be morning, afternoon or evening, not '%s'", shown);
        } else if (!strcmp(name, "at")) {
            out->minute = hours_parse_hhmm(val, len);
            if (out->minute < 0 || out->minute >= 24 * 60)
                return fail(msg, msg_size,
                            "at must be a time of day from 00:00 to 23:59 (HH:MM), not '%s'",
                            shown);
        } else if (!strcmp(name, "open")) {
            if (strcmp(val, "now"))
                return fail(msg, msg_size, "open must be now, not '%s'", shown);
            out->open_now = true;
        } else if (!strcmp(name, "page")) {
            long pg = sd_parse_uint(val, len);
            if (pg < 1 || pg > SD_MAX_RESULTS)
                return fail(msg, msg_size,
                            "page must be a whole number from 1 to %d, not '%s'",
                            SD_MAX_RESULTS, shown);
            out->page = pg;
        } else if (!strcmp(name, "per_page")) {
            long pp = sd_parse_uint(val, len);
            if (pp < 1 || pp > SD_MAX_PER_PAGE)
                return fail(msg, msg_size,
                            "per_page must be a whole number from 1 to %d, not '%s'",
                            SD_MAX_PER_PAGE, shown);
            out->per_page = pp;
        }
    }

    /* Cross-parameter rules. */
    if (out->q.radius_km > 0 && !out->q.has_near)
        return fail(msg, msg_size, "radius_km needs near=POSTCODE");
    if (out->q.sort == IDX_SORT_DISTANCE && !out->q.has_near)
        return fail(msg, msg_size, "sort=distance needs near=POSTCODE");
    if (out->open_now && (out->day >= 0 || out->period >= 0 || out->minute >= 0))
        return fail(msg, msg_size,
                    "open=now cannot be combined with day, time or at (it sets them)");
    if (out->minute >= 0 && out->day < 0)
        return fail(msg, msg_size, "at needs day (open at that time on that day)");
    if (out->minute >= 0 && out->period >= 0)
        return fail(msg, msg_size,
                    "give time (a part of the day) or at (a time), not both");
    if (!out->open_now)
        sd_search_hours(out, NULL, 0); /* cannot fail without open=now */
    if (out->page * out->per_page > SD_MAX_RESULTS)
        return fail(msg, msg_size,
                    "page * per_page must be at most %d (results beyond that are not "
                    "served); narrow the search with q or filters instead",
                    SD_MAX_RESULTS);
    out->q.offset = (size_t)((out->page - 1) * out->per_page);
    out->q.limit = (size_t)out->per_page;
    return SP_OK;
}

int sd_search_hours(sd_search *p, const hours_zone *z, int64_t now)
{
    if (p->open_now) {
        if (!z)
            return SP_EIO;
        hours_zone_local(z, now, &p->day, &p->minute);
    }
    size_t n = hours_query_terms(p->day, p->period, p->minute, p->hours_terms);
    for (size_t i = 0; i < n; i++)
        p->hours_ptrs[i] = p->hours_terms[i];
    p->q.hours = n ? p->hours_ptrs : NULL;
    p->q.n_hours = n;
    return SP_OK;
}
