/*
 * params.h - every query parameter searchd takes, as one table (params.c:
 * sd_params[]), and the one reader that checks a request's parameters
 * against it.  A row says a parameter's name, its kind, its vocabulary or
 * words, its bounds, whether it repeats and which endpoints take it; the
 * limits are the constants below and in person.h, written once.
 *
 * Reading is in two steps.  sd_params_read checks a whole request for
 * one endpoint (names, UTF-8, length, repeats, each value by its kind)
 * and gives one sd_arg per parameter, its value already converted (a
 * canonical slug, a number, a place).  Then the builders in params.c put
 * those into the structures the endpoints use: sd_search (the query of
 * /api/v1/search, the portal, the Atom feed and exports), person (the
 * answers /api/v1/eligible and /coach judge), hub_filter (the hub).  The
 * pages read parameters one at a time (sd_param_read) where a bad value
 * is shown on the page rather than refused.
 *
 * Messages name the parameter and say what it may be; they repeat the
 * value given except where values describe a person (/api/v1/eligible,
 * /coach and the person's answers anywhere: person.h).
 *
 * docs/api.md lists the same parameters: tests/searchd/test_params.c
 * fails when the two differ.  Adding a parameter: a row here (and its
 * use in a builder or handler), and a line in docs/api.md.
 */
#ifndef SD_PARAMS_H
#define SD_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"
#include "person.h"
#include "vocab.h"

/* Bounds on untrusted input, each written once. */
#define SD_MAX_ARGS 64          /* query parameters per request */
#define SD_MAX_VALUES 32        /* values of one repeatable filter */
#define SD_MAX_Q 1000           /* bytes of q */
#define SD_MAX_VALUE 200        /* bytes of any other parameter value */
#define SD_MAX_RESULTS 10000    /* page * per_page of a search */
#define SD_MAX_PER_PAGE 100     /* results a page, every endpoint */
#define SD_MAX_RADIUS_KM 100.0  /* radius_km */
#define SD_MAX_POSTCODE 16      /* bytes of a postcode as typed on /coach */
#define SD_MAX_NOTES 1000       /* bytes of a coach's notes (/coach) */
#define SD_MAX_STALE_DAYS 36500 /* the hub's stale report: days */
#define SD_MAX_ID 200           /* bytes of a record id (hub) */
#define SD_MAX_ACTION 64        /* bytes of an audit action */
#define SD_ELIG_CANDIDATES 1000 /* services judged per /api/v1/eligible or /coach */
#define SD_MAX_AGE PERSON_MAX_AGE /* indexer/person.h */
#define SD_MAX_NEXT 100         /* bytes of /login's next (a path on this site) */
#define SD_MAX_EPOCH 99999999999LL /* seconds since 1970 (year 5138): afterTimestamp */
#define SD_ORUK_MAX_PAGE 1000000 /* /oruk/ page */
#define SD_ORUK_MAX_PER_PAGE 1000 /* /oruk/ per_page */

/* Endpoints, as bits of a row's endpoints. */
enum {
    SD_EP_SEARCH = 1u << 0,   /* GET /api/v1/search (also /feeds/search.atom, /api/v1/export) */
    SD_EP_ELIGIBLE = 1u << 1, /* GET /api/v1/eligible */
    SD_EP_HUB = 1u << 2,      /* GET /api/v1/hub/{coverage,overlaps,duplicates,gaps,stale,sources} */
    SD_EP_AUDIT = 1u << 3,    /* GET /api/v1/hub/audit */
    SD_EP_PORTAL = 1u << 4,   /* GET /, the search page */
    SD_EP_COACH = 1u << 5,    /* GET /coach */
    SD_EP_GUIDED = 1u << 6,   /* GET /guided */
    SD_EP_HUB_PAGE = 1u << 7, /* GET /hub */
    SD_EP_SERVICE = 1u << 8,  /* GET /services/{id}, the service page */
    SD_EP_EXPORT = 1u << 9,   /* GET /api/v1/export.ndjson, /api/v1/export/{file} */
    SD_EP_CHANGES = 1u << 10, /* GET /feeds/changes */
    SD_EP_HUB_REPORTS = 1u << 11,     /* GET /api/v1/hub/reports */
    SD_EP_HUB_CORRECTIONS = 1u << 12, /* GET /api/v1/hub/corrections */
    SD_EP_LOGIN = 1u << 13,           /* GET /login */
    SD_EP_ORUK_SERVICES = 1u << 14,   /* GET /oruk/services, /oruk/service_at_locations */
    SD_EP_ORUK_ORGS = 1u << 15,       /* GET /oruk/organizations */
    SD_EP_ORUK_TAXONOMIES = 1u << 16, /* GET /oruk/taxonomies */
    SD_EP_ORUK_TERMS = 1u << 17,      /* GET /oruk/taxonomy_terms */
};
#define SD_EP_PAGES                                                                           \
    (SD_EP_PORTAL | SD_EP_COACH | SD_EP_GUIDED | SD_EP_HUB_PAGE | SD_EP_SERVICE | SD_EP_LOGIN)
#define SD_EP_ORUK                                                                            \
    (SD_EP_ORUK_SERVICES | SD_EP_ORUK_ORGS | SD_EP_ORUK_TAXONOMIES | SD_EP_ORUK_TERMS)
/* All the endpoints' bits (tests/searchd/test_params.c walks them). */
#define SD_EP_ALL ((1u << 18) - 1)

typedef enum sd_pkind {
    SD_PK_TEXT,     /* UTF-8 text of at most max bytes */
    SD_PK_WORD,     /* one of the words of vocab ("a|b|c"); n is its index */
    SD_PK_SLUG,     /* a value of the vocabulary list vocab (vocab_canon) */
    SD_PK_PERSON,   /* the person's answer vocab (person.h: person_number/person_slug) */
    SD_PK_UINT,     /* a whole number from lo to hi */
    SD_PK_DECIMAL,  /* a plain decimal above lo, at most hi */
    SD_PK_NUMBER,   /* a plain decimal from lo to hi */
    SD_PK_TIME,     /* a date or date-time (sp_time_parse); t is it in seconds since 1970 */
    SD_PK_POSTCODE, /* a postcode, sector or district the vocabulary places */
    SD_PK_DAY,      /* a day of the week (hours.h); n is 0 (Monday) to 6 */
    SD_PK_PERIOD,   /* morning, afternoon or evening (hours.h) */
    SD_PK_HHMM,     /* a time of day HH:MM; n is minutes from midnight */
    SD_PK_UUID,     /* a record id (a UUID, any case); slug is it in lower case */
} sd_pkind;

typedef struct sd_param {
    const char *name;
    sd_pkind kind;
    const char *vocab; /* SLUG: the list; PERSON: the answer; WORD: the words */
    long lo, hi;       /* UINT, DECIMAL: the range */
    size_t max;        /* bytes of a value (0: SD_MAX_VALUE) */
    bool repeat;       /* may be given more than once */
    unsigned endpoints;
    const char *hint; /* what the value may be, in a message; NULL: from the kind */
} sd_param;

/* The table, and how many rows it has.  A name has one row per meaning
 * (search's group filters services, eligible's group is the person's);
 * no two rows of one name share an endpoint. */
extern const sd_param sd_params[];
extern const size_t sd_n_params;

/* The row of name (len bytes) for endpoint ep; NULL when ep takes none. */
const sd_param *sd_param_find(unsigned ep, const char *name, size_t len);
/* The endpoint's path as docs/api.md heads it ("/api/v1/search"). */
const char *sd_endpoint_name(unsigned ep);

/* A query parameter as the request has it (value NULL for a bare key). */
typedef struct sd_kv {
    const char *key, *value;
    size_t key_len, value_len;
} sd_kv;

/* One parameter read by its row. */
typedef struct sd_arg {
    const sd_param *p;
    const char *text; /* the value as given (into the kv), "" for none */
    size_t len;
    bool empty;       /* no value: an empty form field means "any" */
    long n;           /* UINT, WORD, DAY, PERIOD, HHMM, PERSON numbers */
    double d;         /* DECIMAL, NUMBER */
    int64_t t;        /* TIME */
    const char *slug; /* SLUG, PERSON slugs, WORD (the word), UUID: canonical */
    char id[37];      /* UUID */
    double lat, lon;  /* POSTCODE (n: SD_POSTCODE_UNKNOWN when refused as unknown) */
    const vocab_borough *borough; /* POSTCODE: the borough it is in, if known */
} sd_arg;

#define SD_POSTCODE_UNKNOWN 2 /* a postcode's form, but no place known */

/* Read one parameter for endpoint ep into out.  SP_OK; SP_ENOTFOUND when
 * ep takes no parameter of that name; SP_EINVAL with msg saying what is
 * wrong (the name, what is allowed).  out->p is set but for SP_ENOTFOUND. */
int sd_param_read(const vocab *v, unsigned ep, const sd_kv *kv, sd_arg *out, char *msg,
                  size_t msg_size);

/* Flags of sd_params_read. */
#define SD_PF_IGNORE_UNKNOWN 1u /* pages: a name ep does not take is left out */

/* Read a request's n parameters for endpoint ep into out (room for n):
 * at most SD_MAX_ARGS of them, every name known (unless
 * SD_PF_IGNORE_UNKNOWN), valid UTF-8 within its length, a name that does
 * not repeat given once, every value valid for its kind.  *n_out: how
 * many are in out.  SP_OK, or SP_EINVAL with msg naming the parameter. */
int sd_params_read(const vocab *v, unsigned ep, unsigned flags, const sd_kv *kv, size_t n,
                   sd_arg *out, size_t *n_out, char *msg, size_t msg_size);

/* Builders.  The person's answers among args (PERSON rows) into pp, which
 * the caller has initialised; SP_OK or SP_EINVAL (msg). */
int sd_args_person(const vocab *v, const sd_arg *args, size_t n, person *pp, char *msg,
                   size_t msg_size);
/* The hub's filter (borough, subregion, group, category, limit, days,
 * kind, id) from args; *csv for format=csv. */
void sd_args_hub(const sd_arg *args, size_t n, hub_filter *f, bool *csv);
/* The first arg of that name, NULL when absent or empty. */
const sd_arg *sd_args_get(const sd_arg *args, size_t n, const char *name);

/* Strict number parsing: a plain non-negative integer of at most 18
 * digits (-1 otherwise), and a plain decimal such as "2.5" (NAN
 * otherwise: no signs, exponents or spellings strtod would accept). */
long sd_parse_uint(const char *s, size_t len);
double sd_parse_decimal(const char *s, size_t len);

#endif
