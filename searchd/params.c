/*
 * params.c - every query parameter searchd takes, as one table, and the
 * one reader of them (params.h): /api/v1/search (and the Atom feed and
 * exports, which take its parameters), /api/v1/eligible, the hub API, and
 * the portal's pages.  Everything here is untrusted input: every
 * parameter name must be one the endpoint takes, every value valid UTF-8
 * of bounded size, every number a plain decimal within its range, every
 * vocabulary value a known slug (or, for boroughs, a GSS code or a name).
 * A bad parameter is never "fixed up": the API answers 400 with a message
 * that names the parameter and says what is allowed; the pages say so on
 * the page.
 *
 * Empty values ("borough=", "page=") are treated as absent, because HTML
 * forms send empty fields for "any".
 *
 * The model is curl's src/tool_getparam.c: options as rows of one table,
 * read by one loop, instead of a parser per endpoint.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "person.h"
#include "sd_int.h"

/* Who reads what: the search filters (the service's fields), the person's
 * answers (the person model), paging, places, the hub, the pages. */
#define S_ (SD_EP_SEARCH | SD_EP_EXPORT | SD_EP_PORTAL) /* search parameters */
#define P_ (SD_EP_ELIGIBLE | SD_EP_COACH)  /* the person screened */
#define ALL_ (S_ | P_)

static const char hint_borough[] =
    "a London borough's GOV.UK slug (hackney), GSS code (E09000012) or name";
static const char hint_subregion[] =
    "central-london-forward, local-london, south-london-partnership or west-london-alliance";
static const char hint_group[] =
    "a group slug such as young-people, aged-50-plus, disabled, care-leavers";
static const char hint_category[] =
    "a category slug such as employment-support, cv-and-applications, esol";

/* In the order docs/api.md lists them (and "allowed:" messages do). */
const sd_param sd_params[] = {
    /* name, kind, vocabulary or words, lo, hi, bytes, repeats, endpoints, hint */
    {"q", SD_PK_TEXT, NULL, 0, 0, SD_MAX_Q, false, ALL_, NULL},
    {"borough", SD_PK_SLUG, "borough", 0, 0, 0, true, S_, hint_borough},
    {"subregion", SD_PK_SLUG, "subregion", 0, 0, 0, true, S_, hint_subregion},
    {"group", SD_PK_SLUG, "group", 0, 0, 0, true, S_, hint_group},
    {"category", SD_PK_SLUG, "category", 0, 0, 0, true, S_, hint_category},
    {"mode", SD_PK_SLUG, "mode", 0, 0, 0, true, S_, "in-person, online, phone or hybrid"},
    {"cost", SD_PK_SLUG, "cost", 0, 0, 0, true, S_, "free, subsidised or fee"},
    {"referral", SD_PK_SLUG, "referral", 0, 0, 0, true, S_,
     "self, jobcentre, gp, council, probation, housing-provider or other-agency"},
    {"language", SD_PK_SLUG, "language", 0, 0, 0, true, S_,
     "an ISO 639-1 language code such as en, ar, bn, so, pl"},
    /* The person: one model and one set of limits (indexer/person.h). */
    {"age", SD_PK_PERSON, "age", 0, PERSON_MAX_AGE, 0, false, ALL_, NULL},
    {"borough", SD_PK_PERSON, "borough", 0, 0, 0, false, P_, NULL},
    {"near", SD_PK_POSTCODE, NULL, 0, 0, SD_MAX_POSTCODE, false, ALL_, NULL},
    {"radius_km", SD_PK_DECIMAL, NULL, 0, (long)SD_MAX_RADIUS_KM, 0, false,
     S_ | SD_EP_ELIGIBLE, NULL},
    {"sort", SD_PK_WORD, "relevance|distance|updated", 0, 0, 0, false, S_, NULL},
    {"page", SD_PK_UINT, NULL, 1, SD_MAX_RESULTS, 0, false, S_, NULL},
    /* /api/v1/eligible and /coach judge at most SD_ELIG_CANDIDATES. */
    {"page", SD_PK_UINT, NULL, 1, SD_ELIG_CANDIDATES, 0, false, P_, NULL},
    {"per_page", SD_PK_UINT, NULL, 1, SD_MAX_PER_PAGE, 0, false,
     SD_EP_SEARCH | SD_EP_EXPORT | P_, NULL},
    {"benefits", SD_PK_PERSON, "benefits", 0, 0, 0, true, ALL_, NULL},
    {"status", SD_PK_PERSON, "status", 0, 0, 0, false, ALL_, NULL},
    {"months_unemployed", SD_PK_PERSON, "months_unemployed", 0, PERSON_MAX_MONTHS, 0, false,
     ALL_, NULL},
    {"group", SD_PK_PERSON, "group", 0, 0, 0, true, P_, NULL},
    {"need", SD_PK_PERSON, "need", 0, 0, 0, true, P_, NULL},
    {"language", SD_PK_PERSON, "language", 0, 0, 0, false, P_, NULL},
    {"outcome", SD_PK_WORD, "eligible|check|not_eligible|closed", 0, 0, 0, false,
     SD_EP_ELIGIBLE, NULL},
    {"fold", SD_PK_WORD, "0|1", 0, 0, 0, false, S_, NULL},
    {"understand", SD_PK_WORD, "0|1", 0, 0, 0, false, S_, NULL},
    /* Opening hours (hours.h). */
    {"day", SD_PK_DAY, NULL, 0, 0, 0, false, S_ | SD_EP_ORUK_SERVICES,
     "a day of the week: MO, TU, WE, TH, FR, SA, SU or its English name"},
    {"time", SD_PK_PERIOD, NULL, 0, 0, 0, false, S_, "morning, afternoon or evening"},
    {"at", SD_PK_HHMM, NULL, 0, 0, 0, false, S_, "a time of day from 00:00 to 23:59 (HH:MM)"},
    {"open", SD_PK_WORD, "now", 0, 0, 0, false, S_, NULL},
    /* /coach: the names older links used, the job goal, notes for the
     * printout and the shortlist. */
    {"benefit", SD_PK_PERSON, "benefits", 0, 0, 0, true, SD_EP_COACH, NULL},
    {"months", SD_PK_PERSON, "months_unemployed", 0, PERSON_MAX_MONTHS, 0, false, SD_EP_COACH,
     NULL},
    {"sector", SD_PK_SLUG, "sector", 0, 0, 0, false, SD_EP_COACH, "a job sector slug"},
    {"notes", SD_PK_TEXT, NULL, 0, 0, SD_MAX_NOTES, false, SD_EP_COACH, NULL},
    {"s", SD_PK_UUID, NULL, 0, 0, 36, true, SD_EP_COACH, NULL},
    {"print", SD_PK_WORD, "1", 0, 0, 0, false, SD_EP_COACH, NULL},
    /* The hub (indexer/hub.h): one value each. */
    {"borough", SD_PK_SLUG, "borough", 0, 0, 0, false, SD_EP_HUB, hint_borough},
    {"subregion", SD_PK_SLUG, "subregion", 0, 0, 0, false, SD_EP_HUB | SD_EP_HUB_PAGE,
     hint_subregion},
    {"group", SD_PK_SLUG, "group", 0, 0, 0, false, SD_EP_HUB | SD_EP_HUB_PAGE, hint_group},
    {"category", SD_PK_SLUG, "category", 0, 0, 0, false, SD_EP_HUB | SD_EP_HUB_PAGE,
     hint_category},
    {"limit", SD_PK_UINT, NULL, 1, HUB_MAX_LIMIT, 0, false, SD_EP_HUB, NULL},
    {"days", SD_PK_UINT, NULL, 1, SD_MAX_STALE_DAYS, 0, false, SD_EP_HUB, NULL},
    {"kind", SD_PK_WORD, "none|no-local", 0, 0, 0, false, SD_EP_HUB, NULL},
    {"id", SD_PK_TEXT, NULL, 0, 0, SD_MAX_ID, false, SD_EP_HUB, NULL},
    {"format", SD_PK_WORD, "json|csv", 0, 0, 0, false,
     SD_EP_HUB | SD_EP_HUB_REPORTS | SD_EP_HUB_CORRECTIONS, NULL},
    /* The public's reports of a problem (reports.h). */
    {"status", SD_PK_WORD, "open|handled|all", 0, 0, 0, false, SD_EP_HUB_REPORTS, NULL},
    /* The audit trail (auth.h). */
    {"account", SD_PK_TEXT, NULL, 0, 0, AUTH_MAX_NAME, false, SD_EP_AUDIT, NULL},
    {"action", SD_PK_TEXT, NULL, 0, 0, SD_MAX_ACTION, false, SD_EP_AUDIT, NULL},
    {"limit", SD_PK_UINT, NULL, 1, AUTH_MAX_AUDIT, 0, false, SD_EP_AUDIT, NULL},
    /* The pages: messages after a form was sent, the language picker,
     * and the mark portal.js adds to a request it makes. */
    {"decided", SD_PK_WORD, "same|not-same", 0, 0, 0, false, SD_EP_HUB_PAGE, NULL},
    {"reviewed", SD_PK_TEXT, NULL, 0, 0, 0, false, SD_EP_HUB_PAGE, NULL},
    {"reported", SD_PK_TEXT, NULL, 0, 0, 0, false, SD_EP_SERVICE, NULL},
    {"report", SD_PK_TEXT, NULL, 0, 0, 0, false, SD_EP_SERVICE, NULL},
    {"lang", SD_PK_TEXT, NULL, 0, 0, 0, false, SD_EP_PAGES, NULL},
    {"js", SD_PK_TEXT, NULL, 0, 0, 0, false, SD_EP_PORTAL, NULL},
    {"next", SD_PK_TEXT, NULL, 0, 0, SD_MAX_NEXT, false, SD_EP_LOGIN, NULL},
    /* The exports take search's parameters and this one. */
    {"bom", SD_PK_WORD, "0|1", 0, 0, 0, false, SD_EP_EXPORT, NULL},
    /* The change feed's cursor, as a page's next URL gives it. */
    {"afterTimestamp", SD_PK_UINT, NULL, 0, SD_MAX_EPOCH, 0, false, SD_EP_CHANGES,
     "seconds since 1970, as given in a page's next URL"},
    {"afterId", SD_PK_UUID, NULL, 0, 0, 36, false, SD_EP_CHANGES, NULL},
    /* The ORUK API (oruk.c): HSDS's names, and ORUK v1's text and HSDS
     * 3.0's full_service for search and full.  It ignores names it does not
     * take, as HSDS clients expect. */
    {"search", SD_PK_TEXT, NULL, 0, 0, SD_MAX_Q, false, SD_EP_ORUK, NULL},
    {"text", SD_PK_TEXT, NULL, 0, 0, SD_MAX_Q, false, SD_EP_ORUK, NULL},
    {"page", SD_PK_UINT, NULL, 1, SD_ORUK_MAX_PAGE, 0, false, SD_EP_ORUK, NULL},
    {"per_page", SD_PK_UINT, NULL, 1, SD_ORUK_MAX_PER_PAGE, 0, false, SD_EP_ORUK, NULL},
    {"taxonomy_term_id", SD_PK_UUID, NULL, 0, 0, 36, false, SD_EP_ORUK_SERVICES,
     "a taxonomy term's id, a UUID (see /oruk/taxonomy_terms)"},
    {"taxonomy_id", SD_PK_UUID, NULL, 0, 0, 36, false, SD_EP_ORUK_SERVICES | SD_EP_ORUK_TERMS,
     "a taxonomy's id, a UUID (see /oruk/taxonomies)"},
    {"organization_id", SD_PK_UUID, NULL, 0, 0, 36, false, SD_EP_ORUK_SERVICES,
     "an organization's id, a UUID (see /oruk/organizations)"},
    {"modified_after", SD_PK_TIME, NULL, 0, 0, 0, false, SD_EP_ORUK_SERVICES,
     "a date or date-time such as 2026-11-01 or 2026-11-01T09:00:00Z"},
    {"minimal", SD_PK_WORD, "false|true|0|1", 0, 0, 0, false, SD_EP_ORUK_SERVICES, NULL},
    {"full", SD_PK_WORD, "false|true|0|1", 0, 0, 0, false, SD_EP_ORUK_SERVICES, NULL},
    {"full_service", SD_PK_WORD, "false|true|0|1", 0, 0, 0, false, SD_EP_ORUK_SERVICES, NULL},
    {"format", SD_PK_WORD, "json|ndjson", 0, 0, 0, false, SD_EP_ORUK_SERVICES, NULL},
    {"minimum_age", SD_PK_NUMBER, NULL, 0, SD_MAX_AGE, 0, false, SD_EP_ORUK_SERVICES, NULL},
    {"maximum_age", SD_PK_NUMBER, NULL, 0, SD_MAX_AGE, 0, false, SD_EP_ORUK_SERVICES, NULL},
    {"start_time", SD_PK_HHMM, NULL, 0, 0, 0, false, SD_EP_ORUK_SERVICES,
     "a time of day from 00:00 to 23:59 (HH:MM)"},
    {"end_time", SD_PK_HHMM, NULL, 0, 0, 0, false, SD_EP_ORUK_SERVICES,
     "a time of day from 00:00 to 23:59 (HH:MM)"},
    {"postcode", SD_PK_POSTCODE, NULL, 0, 0, SD_MAX_POSTCODE, false, SD_EP_ORUK_SERVICES, NULL},
    {"proximity", SD_PK_NUMBER, NULL, 1, (long)(SD_MAX_RADIUS_KM * 1000), 0, false,
     SD_EP_ORUK_SERVICES, "a distance in metres from 1 to 100000"},
    {"top_only", SD_PK_WORD, "false|true|0|1", 0, 0, 0, false, SD_EP_ORUK_TERMS, NULL},
    {"parent_id", SD_PK_UUID, NULL, 0, 0, 36, false, SD_EP_ORUK_TERMS,
     "a taxonomy term's id, a UUID (see /oruk/taxonomy_terms)"},
};
const size_t sd_n_params = sizeof sd_params / sizeof sd_params[0];

const char *sd_endpoint_name(unsigned ep)
{
    switch (ep) {
    case SD_EP_SEARCH: return "/api/v1/search";
    case SD_EP_ELIGIBLE: return "/api/v1/eligible";
    case SD_EP_HUB: return "/api/v1/hub/{report}";
    case SD_EP_AUDIT: return "/api/v1/hub/audit";
    case SD_EP_PORTAL: return "/";
    case SD_EP_COACH: return "/coach";
    case SD_EP_GUIDED: return "/guided";
    case SD_EP_HUB_PAGE: return "/hub";
    case SD_EP_SERVICE: return "/services/{id}";
    case SD_EP_EXPORT: return "/api/v1/export";
    case SD_EP_CHANGES: return "/feeds/changes";
    case SD_EP_HUB_REPORTS: return "/api/v1/hub/reports";
    case SD_EP_HUB_CORRECTIONS: return "/api/v1/hub/corrections";
    case SD_EP_LOGIN: return "/login";
    case SD_EP_ORUK_SERVICES: return "/oruk/services";
    case SD_EP_ORUK_ORGS: return "/oruk/organizations";
    case SD_EP_ORUK_TAXONOMIES: return "/oruk/taxonomies";
    case SD_EP_ORUK_TERMS: return "/oruk/taxonomy_terms";
    default: return NULL;
    }
}

const sd_param *sd_param_find(unsigned ep, const char *name, size_t len)
{
    for (size_t i = 0; i < sd_n_params; i++) {
        const sd_param *p = &sd_params[i];
        if ((p->endpoints & ep) && strlen(p->name) == len && !memcmp(p->name, name, len))
            return p;
    }
    return NULL;
}

/* "a, b, c" of the names ep takes, once each, into out. */
static void names_of(unsigned ep, char *out, size_t size)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sd_n_params; i++) {
        const sd_param *p = &sd_params[i];
        if (!(p->endpoints & ep) || sd_param_find(ep, p->name, strlen(p->name)) != p)
            continue;
        int w = snprintf(out + at, size - at, "%s%s", at ? ", " : "", p->name);
        if (w < 0 || (size_t)w >= size - at)
            return;
        at += (size_t)w;
    }
}

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

/* Copy at most out_size - 4 bytes of a valid UTF-8 string, cutting on a
 * character boundary, so an echoed value keeps the message valid UTF-8
 * and short. */
static void clip(char *out, size_t out_size, const char *s, size_t len)
{
    size_t max = out_size - 4;
    size_t n = len < max ? len : max;
    while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    strcpy(out + n, n < len ? "..." : "");
}

/* A plain non-negative decimal integer of at most 18 digits; -1 otherwise.
 * strtol alone would accept " 7", "+7", "7abc" (with endptr checks) and
 * overflow quietly: be strict instead. */
long sd_parse_uint(const char *s, size_t len)
{
    if (len == 0 || len > 18)
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

/* Which of the words "a|b|c" s is (its index), -1 for none; the words as
 * "a, b or c" into list. */
static long word_index(const char *words, const char *s, size_t len, char *list, size_t size)
{
    long found = -1, i = 0;
    size_t at = 0, n = 1;
    for (const char *c = words; *c; c++)
        n += *c == '|';
    list[0] = '\0';
    for (const char *w = words; *w; i++) {
        size_t wl = strcspn(w, "|");
        if (wl == len && !memcmp(w, s, len))
            found = i;
        const char *sep = i == 0 ? "" : (size_t)i + 1 == n ? " or " : ", ";
        int k = snprintf(list + at, size - at, "%s%.*s", sep, (int)wl, w);
        if (k > 0 && (size_t)k < size - at)
            at += (size_t)k;
        w += wl + (w[wl] == '|');
    }
    return found;
}

/* Values about a person are never repeated in a message (person.h): the
 * person's answers, and anything on /api/v1/eligible and /coach. */
static bool echoes(unsigned ep, const sd_param *p)
{
    return p->kind != SD_PK_PERSON && !(ep & (SD_EP_ELIGIBLE | SD_EP_COACH));
}

int sd_param_read(const vocab *v, unsigned ep, const sd_kv *kv, sd_arg *out, char *msg,
                  size_t msg_size)
{
    memset(out, 0, sizeof *out);
    const sd_param *p = sd_param_find(ep, kv->key, kv->key_len);
    if (!p)
        return SP_ENOTFOUND;
    out->p = p;
    const char *name = p->name;
    const char *val = kv->value ? kv->value : "";
    size_t len = kv->value ? kv->value_len : 0;
    out->text = val;
    out->len = len;
    if (!sp_utf8_valid(val, len) || memchr(val, '\0', len))
        return fail(msg, msg_size, "%s is not valid UTF-8 text", name);
    size_t max = p->max ? p->max : SD_MAX_VALUE;
    if (len > max)
        return fail(msg, msg_size, "%s is %zu bytes long; at most %zu are allowed", name, len,
                    max);
    if (len == 0) {
        out->empty = true; /* an empty form field means "any" */
        return SP_OK;
    }
    char shown[80], not_shown[96] = "", words[160];
    if (echoes(ep, p)) {
        clip(shown, sizeof shown, val, len);
        snprintf(not_shown, sizeof not_shown, ", not '%s'", shown);
    } else {
        shown[0] = '\0';
    }
    char buf[SD_MAX_VALUE + 1];
    if (len < sizeof buf) {
        memcpy(buf, val, len);
        buf[len] = '\0';
    } else {
        buf[0] = '\0';
    }
    sp_err pe;
    sp_err_clear(&pe);
    switch (p->kind) {
    case SD_PK_TEXT:
        return SP_OK;
    case SD_PK_WORD:
        out->n = word_index(p->vocab, val, len, words, sizeof words);
        if (out->n < 0)
            return fail(msg, msg_size, "%s must be %s%s", name, words, not_shown);
        return SP_OK;
    case SD_PK_SLUG:
        out->slug = buf[0] ? vocab_canon(v, p->vocab, buf) : NULL;
        if (!out->slug)
            return echoes(ep, p)
                       ? fail(msg, msg_size, "%s: unknown value '%s'; use %s", name, shown,
                              p->hint)
                       : fail(msg, msg_size, "%s: unknown value; use %s", name, p->hint);
        return SP_OK;
    case SD_PK_PERSON:
        if (p->hi > 0) {
            int m = 0;
            if (person_number(p->vocab, val, len, &m, &pe) != SP_OK)
                return fail(msg, msg_size, "%s", pe.msg);
            out->n = m;
            return SP_OK;
        }
        out->slug = person_slug(v, p->vocab, val, len, &pe);
        if (!out->slug)
            return fail(msg, msg_size, "%s", pe.msg);
        return SP_OK;
    case SD_PK_UINT:
    case SD_PK_NUMBER: {
        bool whole = p->kind == SD_PK_UINT;
        double x = whole ? (double)(out->n = sd_parse_uint(val, len))
                         : (out->d = sd_parse_decimal(val, len));
        if (x >= (double)p->lo && x <= (double)p->hi) /* false for NAN */
            return SP_OK;
        if (p->hint)
            return fail(msg, msg_size, "%s must be %s%s", name, p->hint, not_shown);
        return fail(msg, msg_size, "%s must be a %s from %ld to %ld%s", name,
                    whole ? "whole number" : "number", p->lo, p->hi, not_shown);
    }
    case SD_PK_DECIMAL:
        out->d = sd_parse_decimal(val, len);
        if (isnan(out->d) || !(out->d > (double)p->lo) || out->d > (double)p->hi)
            return fail(msg, msg_size,
                        "%s must be a number of kilometres above %ld and at most %ld%s", name,
                        p->lo, p->hi, not_shown);
        return SP_OK;
    case SD_PK_TIME:
        out->t = sp_time_parse(buf);
        if (out->t < 0)
            return fail(msg, msg_size, "%s must be %s%s", name, p->hint, not_shown);
        return SP_OK;
    case SD_PK_POSTCODE: {
        double lat = NAN, lon = NAN;
        int rc = vocab_postcode(v, buf, &lat, &lon, &out->borough);
        if (rc == SP_EINVAL)
            return echoes(ep, p) ? fail(msg, msg_size,
                                        "%s: '%s' is not a UK postcode; give a postcode "
                                        "(E8 1DY), sector (E8 1) or district (E8)",
                                        name, shown)
                                 : fail(msg, msg_size,
                                        "%s: not a UK postcode; give a postcode (E8 1DY), "
                                        "sector (E8 1) or district (E8)",
                                        name);
        out->n = SD_POSTCODE_UNKNOWN;
        if (rc != SP_OK && (isnan(lat) || isnan(lon)))
            return echoes(ep, p) ? fail(msg, msg_size,
                                        "%s: postcode '%s' is not known; give a London "
                                        "postcode, sector or district",
                                        name, shown)
                                 : fail(msg, msg_size,
                                        "%s: postcode not known; give a London postcode, "
                                        "sector or district",
                                        name);
        out->n = 0;
        out->lat = lat;
        out->lon = lon;
        return SP_OK;
    }
    case SD_PK_DAY:
        out->n = hours_parse_day(val, len);
        break;
    case SD_PK_PERIOD:
        out->n = hours_parse_period(val, len);
        break;
    case SD_PK_HHMM:
        out->n = hours_parse_hhmm(val, len);
        if (out->n >= 24 * 60)
            out->n = -1;
        break;
    case SD_PK_UUID:
        out->n = -1;
        if (len == 36) {
            for (size_t k = 0; k < 36; k++)
                out->id[k] = (char)(val[k] >= 'A' && val[k] <= 'Z' ? val[k] + 32 : val[k]);
            out->id[36] = '\0';
            if (rec_is_uuid(out->id)) {
                out->slug = out->id;
                out->n = 0;
            }
        }
        if (out->n < 0)
            return fail(msg, msg_size, "%s must be %s%s", name,
                        p->hint ? p->hint : "a record id (a UUID)", not_shown);
        return SP_OK;
    }
    if (out->n < 0)
        return fail(msg, msg_size, "%s must be %s%s", name, p->hint, not_shown);
    return SP_OK;
}

int sd_params_read(const vocab *v, unsigned ep, unsigned flags, const sd_kv *kv, size_t n,
                   sd_arg *out, size_t *n_out, char *msg, size_t msg_size)
{
    char names[1024];
    *n_out = 0;
    if (n > SD_MAX_ARGS)
        return fail(msg, msg_size, "too many query parameters (%zu); at most %d", n,
                    SD_MAX_ARGS);
    for (size_t i = 0; i < n; i++) {
        const sd_kv *p = &kv[i];
        sd_arg *a = &out[*n_out];
        int rc = sd_param_read(v, ep, p, a, msg, msg_size);
        if (rc == SP_ENOTFOUND && (flags & SD_PF_IGNORE_UNKNOWN))
            continue;
        if (rc == SP_ENOTFOUND) {
            names_of(ep, names, sizeof names);
            if (!sp_utf8_valid(p->key, p->key_len) || memchr(p->key, '\0', p->key_len))
                return fail(msg, msg_size,
                            "a parameter name is not valid UTF-8 text; allowed names: %s",
                            names);
            char shown[80];
            clip(shown, sizeof shown, p->key, p->key_len);
            return fail(msg, msg_size, "unknown parameter '%s'; allowed: %s", shown, names);
        }
        if (rc != SP_OK)
            return rc;
        if (!a->p->repeat)
            for (size_t j = 0; j < *n_out; j++)
                if (out[j].p == a->p)
                    return fail(msg, msg_size, "%s is given more than once; it takes one value",
                                a->p->name);
        (*n_out)++;
    }
    return SP_OK;
}

/* ---- builders ---- */

const sd_arg *sd_args_get(const sd_arg *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!args[i].empty && !strcmp(args[i].p->name, name))
            return &args[i];
    return NULL;
}

int sd_args_person(const vocab *v, const sd_arg *args, size_t n, person *pp, char *msg,
                   size_t msg_size)
{
    for (size_t i = 0; i < n; i++) {
        const sd_arg *a = &args[i];
        if (a->p->kind != SD_PK_PERSON || a->empty)
            continue;
        sp_err e;
        sp_err_clear(&e);
        if (person_set(pp, v, a->p->vocab, a->text, a->len, &e) != SP_OK)
            return fail(msg, msg_size, "%s", e.msg);
    }
    return SP_OK;
}

void sd_args_hub(const sd_arg *args, size_t n, hub_filter *f, bool *csv)
{
    memset(f, 0, sizeof *f);
    *csv = false;
    for (size_t i = 0; i < n; i++) {
        const sd_arg *a = &args[i];
        const char *name = a->p->name;
        if (a->empty)
            continue;
        if (!strcmp(name, "borough"))
            f->borough = a->slug;
        else if (!strcmp(name, "subregion"))
            f->subregion = a->slug;
        else if (!strcmp(name, "group"))
            f->group = a->slug;
        else if (!strcmp(name, "category"))
            f->category = a->slug;
        else if (!strcmp(name, "limit"))
            f->limit = (size_t)a->n;
        else if (!strcmp(name, "days"))
            f->stale_days = (int)a->n;
        else if (!strcmp(name, "kind"))
            f->kind = a->n == 0 ? "none" : "no-local";
        else if (!strcmp(name, "id"))
            f->id = a->text;
        else if (!strcmp(name, "format"))
            *csv = a->n == 1;
    }
}

bool sd_field_single(idx_field f)
{
    const char *name = idx_field_name(f);
    const sd_param *row = name ? sd_param_find(SD_EP_SEARCH, name, strlen(name)) : NULL;
    return row && !row->repeat;
}

/* One value of a search filter (field f), once. */
static int add_filter(sd_search *out, int f, const char *slug, char *msg, size_t msg_size)
{
    size_t *nf = &out->q.n_filters[f];
    for (size_t j = 0; j < *nf; j++)
        if (!strcmp(out->vals[f][j], slug))
            return SP_OK; /* hackney and E09000012 are one filter */
    if (*nf >= SD_MAX_VALUES)
        return fail(msg, msg_size, "%s: too many values; at most %d", idx_field_name(f),
                    SD_MAX_VALUES);
    out->vals[f][(*nf)++] = slug;
    return SP_OK;
}

int sd_search_parse_for(const vocab *v, unsigned ep, const sd_kv *kv, size_t n,
                        sd_search *out, char *msg, size_t msg_size)
{
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

    sd_arg *args = malloc((n ? n : 1) * sizeof *args);
    if (!args)
        return fail(msg, msg_size, "out of memory");
    size_t na = 0;
    unsigned flags = (ep & SD_EP_PAGES) ? SD_PF_IGNORE_UNKNOWN : 0;
    int rc = sd_params_read(v, ep, flags, kv, n, args, &na, msg, msg_size);
    for (size_t i = 0; rc == SP_OK && i < na; i++) {
        const sd_arg *a = &args[i];
        const char *name = a->p->name;
        int f = idx_field_from_name(name);
        if (!strcmp(name, "q")) {
            out->qtext = a->text;
            out->q.q = a->text;
        } else if (a->empty) {
            continue;
        } else if (f >= 0 && idx_field_is_number((idx_field)f)) {
            char *text = f == IDX_F_AGE ? out->age : out->months;
            snprintf(text, sizeof out->age, "%ld", a->n);
            out->vals[f][0] = text;
            out->q.n_filters[f] = 1;
        } else if (f >= 0) {
            rc = add_filter(out, f, a->slug, msg, msg_size);
        } else if (!strcmp(name, "near")) {
            out->near = a->text;
            out->q.has_near = true;
            out->q.near_lat = a->lat;
            out->q.near_lon = a->lon;
        } else if (!strcmp(name, "radius_km")) {
            out->q.radius_km = a->d;
        } else if (!strcmp(name, "sort")) {
            static const idx_sort sorts[] = {IDX_SORT_RELEVANCE, IDX_SORT_DISTANCE,
                                             IDX_SORT_UPDATED};
            static const char *const names[] = {"relevance", "distance", "updated"};
            out->q.sort = sorts[a->n];
            out->sort = names[a->n];
        } else if (!strcmp(name, "fold")) {
            out->q.collapse = a->n == 1;
        } else if (!strcmp(name, "understand")) {
            out->literal = a->n == 0;
        } else if (!strcmp(name, "day")) {
            out->day = (int)a->n;
        } else if (!strcmp(name, "time")) {
            out->period = (int)a->n;
        } else if (!strcmp(name, "at")) {
            out->minute = (int)a->n;
        } else if (!strcmp(name, "open")) {
            out->open_now = true;
        } else if (!strcmp(name, "page")) {
            out->page = a->n;
        } else if (!strcmp(name, "per_page")) {
            out->per_page = a->n;
        } else if (!strcmp(name, "bom")) {
            out->bom = a->n == 1;
        }
    }
    free(args);
    if (rc != SP_OK)
        return rc;

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

int sd_search_parse(const vocab *v, const sd_kv *kv, size_t n, sd_search *out, char *msg,
                    size_t msg_size)
{
    return sd_search_parse_for(v, SD_EP_SEARCH, kv, n, out, msg, msg_size);
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

/* ---- the request's parameters, as MHD has them ---- */

typedef struct collected {
    sd_kv v[SD_MAX_ARGS + 1];
    size_t n;
    bool overflow;
} collected;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    collected *l = cls;
    if (key_size == 0 && (!value || value_size == 0))
        return MHD_YES;
    if (l->n >= SD_MAX_ARGS + 1) {
        l->overflow = true;
        return MHD_NO;
    }
    l->v[l->n].key = key;
    l->v[l->n].key_len = key_size;
    l->v[l->n].value = value;
    l->v[l->n].value_len = value ? value_size : 0;
    l->n++;
    return MHD_YES;
}

int sd_collect_args(sd_req *r, sd_kv *out, size_t max, size_t *n)
{
    collected a;
    a.n = 0;
    a.overflow = false;
    MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, collect, &a);
    if (a.overflow || a.n > max)
        return SP_ELIMIT;
    memcpy(out, a.v, a.n * sizeof *out);
    *n = a.n;
    return SP_OK;
}

int sd_request_args(sd_req *r, unsigned ep, unsigned flags, sd_arg *args, size_t *n,
                    char *msg, size_t msg_size)
{
    sd_kv kv[SD_MAX_ARGS];
    size_t nkv = 0;
    *n = 0;
    if (sd_collect_args(r, kv, SD_MAX_ARGS, &nkv) != SP_OK) {
        snprintf(msg, msg_size, "too many query parameters; at most %d", SD_MAX_ARGS);
        return SP_ELIMIT;
    }
    return sd_params_read(r->srv->voc, ep, flags, kv, nkv, args, n, msg, msg_size);
}
