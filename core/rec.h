/*
 * rec.h - the service record: what Signpost knows about one service.
 *
 * The shape follows HSDS 3.0 (organization, service, locations with
 * addresses and coordinates, phones, schedules, languages, service areas,
 * cost options, fundings, taxonomy terms, attributes, eligibility fields).
 * On top sit the fields Signpost derives (boroughs, sub-regions, priority
 * groups, categories, modes, referral routes, cost, eligibility rules,
 * duplicate cluster), each carrying the evidence that produced it, and the
 * provenance of the record (source, first/last seen, last changed).
 *
 * Ownership: a rec_service owns every string and array reachable from it;
 * rec_service_free() releases all of it.  Strings are UTF-8, NULL when
 * absent (never "" to mean absent).  Arrays are (pointer, count) pairs.
 *
 * JSON: rec_to_json() writes the HSDS 3.0 service object, fully nested, with
 * Signpost's derived data and provenance under the "signpost" key.
 * rec_from_json() reads the same shape back (and any plain HSDS 3.0 service
 * object), so export -> import is lossless.
 */
#ifndef REC_H
#define REC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp.h"

/* Why a derived value holds: the field it came from and the text that said
 * so, with a confidence in [0,1]. */
typedef struct rec_evidence {
    char *field;      /* "service_areas[0].name", "description", ... */
    char *text;       /* the sentence or value that said so */
    double confidence;
} rec_evidence;

/* One derived value (a slug from data/) and its evidence. */
typedef struct rec_tag {
    char *slug;
    rec_evidence ev;
} rec_tag;

typedef struct rec_tags {
    rec_tag *v;
    size_t n;
} rec_tags;

typedef struct rec_address {
    char *id, *attention, *address_1, *address_2, *city, *region,
        *state_province, *postal_code, *country, *address_type;
} rec_address;

typedef struct rec_phone {
    char *id, *number, *extension, *type, *description;
} rec_phone;

typedef struct rec_schedule {
    char *id, *valid_from, *valid_to, *dtstart, *until, *wkst, *freq, *byday,
        *bymonthday, *opens_at, *closes_at, *description, *attending_type,
        *notes, *schedule_link;
    int interval; /* 0 when absent */
} rec_schedule;

typedef struct rec_language {
    char *id, *name, *code, *note;
} rec_language;

typedef struct rec_taxonomy_term {
    char *id, *code, *name, *description, *taxonomy, *term_uri, *parent_id,
        *version;
} rec_taxonomy_term;

typedef struct rec_attribute {
    char *id, *label, *value, *link_type;
    rec_taxonomy_term term;
} rec_attribute;

typedef struct rec_service_area {
    char *id, *name, *description, *extent, *extent_type, *uri;
} rec_service_area;

typedef struct rec_cost_option {
    char *id, *valid_from, *valid_to, *option, *currency, *amount_description;
    double amount;
    bool has_amount;
} rec_cost_option;

typedef struct rec_funding {
    char *id, *source;
} rec_funding;

typedef struct rec_identifier {
    char *id, *identifier_scope, *identifier_type, *identifier;
} rec_identifier;

typedef struct rec_location {
    char *id, *location_type, *url, *name, *alternate_name, *description,
        *transportation, *external_identifier, *external_identifier_type;
    double latitude, longitude;
    bool has_coords;
    rec_address *addresses;
    size_t n_addresses;
    rec_phone *phones;
    size_t n_phones;
    rec_schedule *schedules;
    size_t n_schedules;
    rec_language *languages;
    size_t n_languages;
} rec_location;

typedef struct rec_organization {
    char *id, *name, *alternate_name, *description, *email, *website,
        *legal_status, *logo, *uri, *parent_organization_id;
    int year_incorporated; /* 0 when absent */
    rec_identifier *identifiers;
    size_t n_identifiers;
    rec_phone *phones;
    size_t n_phones;
} rec_organization;

/* One structured eligibility rule (issue 4 fills these).  dim names the
 * dimension ("age", "residency", "benefit", "employment_status",
 * "months_unemployed", "right_to_work", "group", "referral", "mandatory",
 * "cost"); op is "range", "in", "not_in", "min", "max", "any", "none";
 * values are slugs; lo/hi are numbers where the op is numeric. */
typedef struct rec_rule {
    char *dim, *op;
    char **values;
    size_t n_values;
    double lo, hi;
    bool has_lo, has_hi;
    rec_evidence ev;
    char *trigger; /* "negation:unable to": the scope trigger that changed
                    * the rule (data/vocab/triggers.tsv); NULL none */
} rec_rule;

typedef struct rec_provenance {
    char *source_id;   /* the source's key in sources.conf, or "file" */
    char *source_url;  /* the URL (or path) the record was read from */
    char *local_id;    /* the id the source gave it */
    int64_t first_seen, last_seen, last_changed; /* epoch seconds; 0 unknown */
    /* Where organization came from when the source's record named none:
     * "sources.conf organisation", "page site name" or "web address";
     * NULL when the source said it. */
    char *organization_from;
} rec_provenance;

typedef struct rec_service {
    /* HSDS service fields */
    char *id; /* Signpost's stable id: a UUID (see rec_make_id) */
    char *name, *alternate_name, *description, *url, *email, *status,
        *interpretation_services, *application_process, *fees_description,
        *accreditations, *eligibility_description, *alert, *assured_date,
        *assurer_email, *licenses, *last_modified;
    double minimum_age, maximum_age; /* -1 when absent */
    rec_organization organization;
    rec_location *locations; /* service_at_locations[].location */
    size_t n_locations;
    rec_phone *phones;
    size_t n_phones;
    rec_schedule *schedules;
    size_t n_schedules;
    rec_language *languages;
    size_t n_languages;
    rec_service_area *service_areas;
    size_t n_service_areas;
    rec_cost_option *cost_options;
    size_t n_cost_options;
    rec_funding *fundings;
    size_t n_fundings;
    rec_taxonomy_term *taxonomy_terms;
    size_t n_taxonomy_terms;
    rec_attribute *attributes;
    size_t n_attributes;

    /* Signpost's derived fields, each value with its evidence */
    rec_tags boroughs;   /* GOV.UK slugs of boroughs served */
    rec_tags subregions; /* sub-region slugs */
    rec_tags groups;     /* priority / other group slugs */
    rec_tags categories; /* taxonomy slugs */
    rec_tags modes;      /* in-person, online, phone, hybrid */
    rec_tags referrals;  /* self, jobcentre, gp, council, ... */
    rec_tags costs;      /* free, subsidised, fee */
    rec_tags langs;      /* ISO 639-1 codes of languages spoken */
    bool pan_london;
    rec_rule *rules;
    size_t n_rules;
    char *cluster_id; /* duplicate cluster; NULL when alone */

    rec_provenance prov;
} rec_service;

/* Free what a rule owns and zero it (u itself is the caller's). */
void rec_rule_clear(rec_rule *u);
/* Clear n rules and free the array v itself. */
void rec_rules_free(rec_rule *v, size_t n);

/* Initialise to the empty record (ages -1). */
void rec_service_init(rec_service *r);
void rec_service_free(rec_service *r);

/* Add a derived value, deduplicated by slug (first evidence kept). */
int rec_tags_add(rec_tags *t, const char *slug, const char *field,
                 const char *text, double confidence);
bool rec_tags_has(const rec_tags *t, const char *slug);
/* Remove the value slug (and its evidence) if present, keeping the order
 * of the others. */
void rec_tags_remove(rec_tags *t, const char *slug);
/* Frees every derived tag list of r (boroughs ... langs), leaving them empty. */
void rec_tags_clear(rec_service *r);

/* The derived tag sets above, for code that treats them all alike (JSON in
 * and out, rec_tags_clear): rec_tagset gives the i-th of the REC_TAGSETS,
 * in the order they are declared, and its key in the record's JSON in *key
 * when key is not NULL ("languages" for langs). */
#define REC_TAGSETS 8
rec_tags *rec_tagset(rec_service *r, size_t i, const char **key);

/* JSON in and out (see the top of this file).  rec_to_json returns a new
 * reference or NULL on allocation failure. */
json_t *rec_to_json(const rec_service *r);
int rec_from_json(const json_t *j, rec_service *out, sp_err *err);

/* Compact one-line JSON; caller frees. */
char *rec_to_json_string(const rec_service *r);
int rec_from_json_string(const char *s, size_t len, rec_service *out,
                         sp_err *err);

/* The text (char *) fields of each HSDS object, described once: (name,
 * offset of the member), the name being the HSDS 3.0 JSON key and CSV
 * column; the list ends with a NULL name.  The JSON code and the data
 * package reader both walk these. */
typedef struct rec_strfield {
    const char *key;
    size_t off;
} rec_strfield;

typedef enum rec_object {
    REC_ADDRESS, REC_PHONE, REC_SCHEDULE, REC_LANGUAGE, REC_TERM, REC_ATTRIBUTE,
    REC_AREA, REC_COST, REC_FUNDING, REC_IDENTIFIER, REC_LOCATION, REC_ORGANIZATION,
    REC_SERVICE
} rec_object;

const rec_strfield *rec_str_fields(rec_object o);

/* Signpost's stable id: local_id itself when it is a UUID, otherwise a
 * name-based (v5, SHA-1) UUID of "origin|local_id". out gets 37 bytes. */
void rec_make_id(const char *origin, const char *local_id, char out[37]);
bool rec_is_uuid(const char *s);

#endif
