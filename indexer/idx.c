/*
 * idx.c - the index schema (idx.h): which terms, value slots and weighted
 * text a service record becomes in Xapian, and how an idx_query becomes a
 * Xapian search (through the binding in xap.h).  docs/index.md describes
 * the schema for people; this file is its single source of truth.
 *
 * Terms (Omega's prefix conventions: Q unique id, S title, X... for
 * fields of our own):
 *   Q<id>            unique id (upserts replace by it)
 *   XB<borough> XR<subregion> XG<group> XC<category> XM<mode> XK<cost>
 *   XF<referral> XL<language>   boolean filter terms, one per slug
 *   XS<concept>      synonym concept (idx_syn.c)
 *   XEK<benefit> XES<status> XEM<months> XEA<age>  the person fields
 *                    (idx.h): benefit slugs ("none": claims no benefit),
 *                    employment status slugs, IDX_MONTHS_STEPS and
 *                    IDX_AGE_STEPS the service does not exclude (elig_evaluate on that one circumstance says
 *                    eligible or check on that dimension); benefits and
 *                    status only with a vocab (idx_set_vocab)
 *   XD<cluster>      the record's duplicate cluster (rec.cluster_id), for
 *                    listing a cluster's records (idx_query.cluster)
 *   XHD<day> XHP<day><part> XHH<day><HH> XHS<day><HHMM> XHN  opening
 *                    hours (hours.c)
 *   XEN<benefit>     no "not_in" rule excludes a claimant of it (so a
 *                    person on several benefits is one XEK group ORed and
 *                    one XEN term per benefit)
 *   free text        name x3 (and again under S), organisation x2 (and under
 *                    XO), description, eligibility, application process,
 *                    category/group/borough labels x1; English stems
 *                    (Z-prefixed, STEM_SOME); spelling data from all of it
 * Value slots: see IDX_SLOT_* below.
 */
#include "idx.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/entities.h>

#include "elig.h"
#include "hours.h"
#include "idx_impl.h"
#include "xap.h"

enum {
    IDX_SLOT_UPDATED = 0, /* sortable_serialise(epoch seconds) */
    IDX_SLOT_COORDS = 1,  /* LatLongCoords of every location */
    IDX_SLOT_MINAGE = 2,  /* sortable_serialise(min age), absent 0 */
    IDX_SLOT_MAXAGE = 3,  /* sortable_serialise(max age), absent 999 */
    IDX_SLOT_CLUSTER = 4, /* duplicate cluster id: the collapse key */
    IDX_SLOT_MINMONTHS = 5, /* sortable_serialise(least months out of work
                             * accepted), 0 when no rule or no vocab */
    IDX_SLOT_BRIEF = 6,   /* the brief fields a result list shows (schema 6) */
    IDX_SLOT_FACET0 = 10  /* + idx_field: that field's slugs, '\n'-joined */
};

#define IDX_NO_MIN_AGE 0.0
#define IDX_NO_MAX_AGE 999.0
#define IDX_SNIPPET_LEN 200
#define IDX_MAX_MATCH_TEXT (256 * 1024) /* text scanned for synonym phrases */
#define IDX_MAX_LIMIT 1000
#define IDX_MAX_QUERY 1024 /* bytes of query text */
#define IDX_MAX_ELIG_FILTERS 64 /* benefit filters in one query */
#define IDX_MAX_BOOST 8 /* category boosts in one query */
/* What a named category adds to a service's weight (BM25 weights of a
 * matching word here are about 1 to 10). */
#define IDX_BOOST_WEIGHT 6.0 /* tuned on tests/search */

static const char *const field_names[IDX_F__COUNT] = {
    "borough", "subregion", "group", "category",
    "mode", "cost", "referral", "language",
    "benefits", "status", "months_unemployed", "age"};
static const char *const field_prefixes[IDX_F__COUNT] = {
    "XB", "XR", "XG", "XC", "XM", "XK", "XF", "XL", "XEK", "XES", "XEM", "XEA"};
static const int months_steps[] = IDX_MONTHS_STEPS;
#define N_MONTHS_STEPS (sizeof months_steps / sizeof months_steps[0])
static const int age_steps[] = IDX_AGE_STEPS;
#define N_AGE_STEPS (sizeof age_steps / sizeof age_steps[0])


const char *idx_field_name(idx_field f)
{
    if ((int)f < 0 || f >= IDX_F__COUNT)
        return NULL;
    return field_names[f];
}

bool idx_field_is_number(idx_field f)
{
    return f == IDX_F_MONTHS || f == IDX_F_AGE;
}

bool idx_field_is_person(idx_field f)
{
    return f == IDX_F_BENEFITS || f == IDX_F_STATUS || idx_field_is_number(f);
}

int idx_field_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < IDX_F__COUNT; i++)
        if (!strcmp(field_names[i], name))
            return i;
    return -1;
}

void idx_query_init(idx_query *q)
{
    memset(q, 0, sizeof *q);
    q->limit = 10;
    q->sort = IDX_SORT_RELEVANCE;
    q->facets = true;
    q->exact_facets = true;
}

/* --- open / close ------------------------------------------------------- */

static int open_common(const char *dir, bool write, idx **out, sp_err *err)
{
    *out = NULL;
    idx *ix = calloc(1, sizeof *ix);
    if (!ix)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    ix->dir = sp_strdup(dir);
    if (!ix->dir) {
        free(ix);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    int rc = write ? xap_open_write(dir, &ix->db, err) : xap_open_read(dir, &ix->db, err);
    if (rc == SP_OK && write)
        rc = idx_load_synonyms(ix, err);
    if (rc == SP_OK && write && xap_doc_count(ix->db) == 0)
        rc = idx_mark_schema(ix, err); /* a new index starts current */
    if (rc < 0) {
        idx_close(ix);
        return rc;
    }
    *out = ix;
    return SP_OK;
}

#define IDX_SCHEMA_KEY "signpost.schema"

int idx_schema_version(idx *ix)
{
    char *v = NULL;
    if (xap_get_metadata(ix->db, IDX_SCHEMA_KEY, &v, NULL) != SP_OK || !v)
        return xap_doc_count(ix->db) ? 1 : IDX_SCHEMA_VERSION;
    int n = atoi(v);
    free(v);
    return n > 0 ? n : 1;
}

/* "SCHEMA HEAD HEAD...": the words whose pairs have terms (xap.h,
 * xap_replace), valid while SCHEMA is the index's schema version (an index
 * rebuilt by an older Signpost keeps this key, not its version). */
#define IDX_PAIRS_KEY "signpost.pairs"

int idx_mark_schema(idx *ix, sp_err *err)
{
    char v[16];
    snprintf(v, sizeof v, "%d", IDX_SCHEMA_VERSION);
    int rc = idx_meta_set(ix, IDX_SCHEMA_KEY, v, err);
    char *pairs = rc == SP_OK ? sp_printf("%s %s", v, xap_pair_heads()) : NULL;
    if (rc == SP_OK && !pairs)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    if (rc == SP_OK)
        rc = idx_meta_set(ix, IDX_PAIRS_KEY, pairs, err);
    free(pairs);
    return rc;
}

int idx_meta_get(idx *ix, const char *key, char **value, sp_err *err)
{
    return xap_get_metadata(ix->db, key, value, err);
}

int idx_meta_set(idx *ix, const char *key, const char *value, sp_err *err)
{
    if (ix->bulk)
        return idx_bulk_meta(ix, key, value, err);
    return xap_set_metadata(ix->db, key, value, err);
}

int idx_open_write(const char *dir, idx **out, sp_err *err)
{
    return open_common(dir, true, out, err);
}

int idx_open_read(const char *dir, idx **out, sp_err *err)
{
    return open_common(dir, false, out, err);
}

int idx_reopen(idx *ix, sp_err *err)
{
    return xap_reopen(ix->db, err);
}

void idx_close(idx *ix)
{
    if (!ix)
        return;
    idx_bulk_abort(ix); /* a bulk build not finished: its shards go */
    xap_doc_free(ix->doc);
    xap_close(ix->db); /* cancels an open batch, commits the rest */
    idx_free_synonyms(ix);
    free(ix->dir);
    free(ix);
}

void idx_set_vocab(idx *ix, const vocab *v)
{
    ix->v = v;
}

/* --- writes ------------------------------------------------------------- */

int idx_begin(idx *ix, sp_err *err)
{
    if (ix->bulk) { /* the build lands whole in idx_bulk_finish */
        ix->in_batch = true;
        return SP_OK;
    }
    int rc = xap_begin_transaction(ix->db, err);
    if (rc == SP_OK)
        ix->in_batch = true;
    return rc;
}

int idx_commit(idx *ix, sp_err *err)
{
    ix->in_batch = false;
    if (ix->bulk)
        return idx_bulk_check(ix, err);
    return xap_commit_transaction(ix->db, err);
}

int idx_cancel(idx *ix, sp_err *err)
{
    ix->in_batch = false;
    if (ix->bulk) { /* nothing can be taken back out of the shards */
        idx_bulk_abort(ix);
        return SP_OK;
    }
    return xap_cancel_transaction(ix->db, err);
}

static int autocommit(idx *ix, int rc, sp_err *err)
{
    if (rc == SP_OK && !ix->in_batch)
        rc = xap_commit(ix->db, err);
    return rc;
}

/* A boolean term: prefix + value. */
static int add_term(xap_doc *d, const char *prefix, const char *slug, sp_err *err)
{
    char *term = sp_printf("%s%s", prefix, slug);
    if (!term)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = xap_doc_add_boolean_term(d, term, err);
    free(term);
    return rc;
}

static const rec_tags *rec_field(const rec_service *r, idx_field f)
{
    switch (f) {
    case IDX_F_BOROUGH: return &r->boroughs;
    case IDX_F_SUBREGION: return &r->subregions;
    case IDX_F_GROUP: return &r->groups;
    case IDX_F_CATEGORY: return &r->categories;
    case IDX_F_MODE: return &r->modes;
    case IDX_F_COST: return &r->costs;
    case IDX_F_REFERRAL: return &r->referrals;
    case IDX_F_LANGUAGE: return &r->langs;
    default: return NULL;
    }
}

/* A slug read as words ("cv-and-applications" -> "cv and applications"),
 * so labels are searchable even without the vocabulary loaded. */
static int append_slug_words(sp_buf *b, const char *slug)
{
    for (const char *p = slug; *p; p++) {
        char c = *p == '-' ? ' ' : *p;
        if (sp_buf_append(b, &c, 1) < 0)
            return SP_ENOMEM;
    }
    return sp_buf_puts(b, ". ") < 0 ? SP_ENOMEM : SP_OK;
}

static int64_t rec_updated(const rec_service *r)
{
    if (r->prov.last_changed > 0)
        return r->prov.last_changed;
    if (r->last_modified) {
        int64_t t = sp_time_parse(r->last_modified);
        if (t > 0)
            return t;
    }
    if (r->prov.last_seen > 0)
        return r->prov.last_seen;
    return r->prov.first_seen > 0 ? r->prov.first_seen : 0;
}

static int add_hours_term(const char *term, void *ctx)
{
    return xap_doc_add_boolean_term((xap_doc *)ctx, term, NULL) == SP_OK ? 0 : SP_EIO;
}

static int build_doc(idx *ix, const rec_service *r, const char *json, xap_doc *d,
                     sp_err *err)
{
    int rc = SP_OK;
    char *own = json ? NULL : rec_to_json_string(r);
    sp_buf data = {0};
    if ((!json && !own) || idx_brief_data(r, json ? json : own, &data) != SP_OK)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    /* A result list reads the brief from its slot (schema 6), a page
     * about one service the record's JSON from the data (schema 8: the
     * brief is no longer in both). */
    size_t jlen = 0;
    const char *body = rc == SP_OK ? idx_data_json(data.data, data.len, &jlen) : NULL;
    if (body)
        rc = xap_doc_set_value(d, IDX_SLOT_BRIEF, data.data, (size_t)(body - data.data), err);
    if (body && rc == SP_OK)
        rc = xap_doc_set_data(d, body, jlen, err);
    free(own);
    sp_buf_free(&data);
    if (rc)
        return rc;

    /* Ranked text: the name counts three times as much as the body, the
     * organisation twice. */
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->name, 3, "", err);
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->name, 1, "S", err);
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->organization.name, 2, "", err);
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->organization.name, 1, "XO", err);
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->description, 1, "", err);
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->eligibility_description, 1, "", err);
    if (rc == SP_OK)
        rc = xap_doc_index_text(d, r->application_process, 1, "", err);

    sp_buf labels = {0}, all = {0};
    static const idx_field labelled[] = {IDX_F_CATEGORY, IDX_F_GROUP, IDX_F_BOROUGH,
                                         IDX_F_LANGUAGE};
    for (size_t i = 0; rc == SP_OK && i < sizeof labelled / sizeof labelled[0]; i++) {
        const rec_tags *t = rec_field(r, labelled[i]);
        for (size_t j = 0; rc == SP_OK && j < t->n; j++) {
            const char *slug = t->v[j].slug;
            const char *label =
                slug && ix->v ? vocab_label(ix->v, field_names[labelled[i]], slug) : NULL;
            if (label) {
                if (sp_buf_puts(&labels, label) < 0 || sp_buf_puts(&labels, ". ") < 0)
                    rc = SP_ENOMEM;
            } else if (slug && labelled[i] != IDX_F_LANGUAGE) {
                /* "en" as a word would only add noise: languages need labels. */
                rc = append_slug_words(&labels, slug);
            }
        }
    }
    if (rc == SP_ENOMEM)
        rc = sp_fail(err, rc, "out of memory");
    if (rc == SP_OK && labels.len)
        rc = xap_doc_index_text(d, sp_buf_cstr(&labels), 1, "", err);

    /* Synonym concepts from all of the text. */
    const char *parts[] = {r->name, r->organization.name, r->description,
                           r->eligibility_description, r->application_process,
                           labels.len ? sp_buf_cstr(&labels) : NULL};
    for (size_t i = 0; rc == SP_OK && i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i] || all.len > IDX_MAX_MATCH_TEXT)
            continue;
        if (sp_buf_puts(&all, parts[i]) < 0 || sp_buf_puts(&all, " . ") < 0)
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (rc == SP_OK && all.len)
        rc = idx_add_concepts(ix, d, sp_buf_cstr(&all), err);
    sp_buf_free(&labels);
    sp_buf_free(&all);

    /* Filter terms and the facet slots (same slugs, packed). */
    for (int f = 0; rc == SP_OK && f < IDX_F__COUNT; f++) {
        const rec_tags *t = rec_field(r, (idx_field)f);
        if (!t)
            continue; /* a person field: build_elig */
        sp_buf packed = {0};
        for (size_t j = 0; rc == SP_OK && j < t->n; j++) {
            const char *slug = t->v[j].slug;
            /* Xapian refuses terms over 245 bytes; real slugs are short. */
            if (!slug || !*slug || strchr(slug, '\n') || strlen(slug) > 200)
                continue;
            char *term = sp_printf("%s%s", field_prefixes[f], slug);
            if (!term) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
                break;
            }
            rc = xap_doc_add_boolean_term(d, term, err);
            free(term);
            if (rc == SP_OK && packed.len && sp_buf_puts(&packed, "\n") < 0)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
            if (rc == SP_OK && sp_buf_puts(&packed, slug) < 0)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
        }
        if (rc == SP_OK && packed.len)
            rc = xap_doc_set_value(d, IDX_SLOT_FACET0 + (unsigned)f, packed.data,
                                   packed.len, err);
        sp_buf_free(&packed);
    }

    if (rc == SP_OK && (rc = hours_record_terms(r, add_hours_term, d)) != SP_OK)
        rc = sp_fail(err, rc, "adding opening hours terms failed");

    /* Values. */
    if (rc == SP_OK)
        rc = xap_doc_set_value_number(d, IDX_SLOT_UPDATED, (double)rec_updated(r), err);
    if (rc == SP_OK)
        rc = xap_doc_set_value_number(d, IDX_SLOT_MINAGE,
                                      r->minimum_age >= 0 ? r->minimum_age : IDX_NO_MIN_AGE,
                                      err);
    if (rc == SP_OK)
        rc = xap_doc_set_value_number(d, IDX_SLOT_MAXAGE,
                                      r->maximum_age >= 0 ? r->maximum_age : IDX_NO_MAX_AGE,
                                      err);
    if (rc == SP_OK && r->cluster_id && *r->cluster_id)
        rc = xap_doc_set_value(d, IDX_SLOT_CLUSTER, r->cluster_id,
                               strlen(r->cluster_id), err);
    if (rc == SP_OK && r->cluster_id && *r->cluster_id && strlen(r->cluster_id) <= 200)
        rc = add_term(d, "XD", r->cluster_id, err);
    if (rc == SP_OK && r->n_locations) {
        double *lat = calloc(r->n_locations, sizeof *lat);
        double *lon = calloc(r->n_locations, sizeof *lon);
        size_t n = 0;
        if (!lat || !lon) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        } else {
            for (size_t i = 0; i < r->n_locations; i++) {
                const rec_location *l = &r->locations[i];
                if (!l->has_coords || l->latitude < -90 || l->latitude > 90 ||
                    l->longitude < -180 || l->longitude > 180)
                    continue;
                lat[n] = l->latitude;
                lon[n] = l->longitude;
                n++;
            }
            if (n)
                rc = xap_doc_set_value_coords(d, IDX_SLOT_COORDS, lat, lon, n, err);
        }
        free(lat);
        free(lon);
    }
    return rc;
}

/* Which of a dimension's rules dim_outcome looks at: all of them, only
 * those a person meets by having one of the values (in, any), or only
 * those they fail by having one (not_in). */
enum { ELIG_RULES_ALL, ELIG_RULES_POS, ELIG_RULES_NEG };

/* The worst verdict elig_evaluate gives r on dimension dim for p; eligible
 * when r has no such rule (unknown excludes nobody). */
static elig_outcome dim_outcome(const vocab *v, const rec_service *r, const elig_person *p,
                                const char *dim, int which)
{
    elig_verdict vd;
    if (elig_evaluate(v, r, p, &vd) != SP_OK)
        return ELIG_ELIGIBLE;
    elig_outcome worst = ELIG_ELIGIBLE;
    for (size_t i = 0; i < vd.n_reasons; i++) {
        const elig_reason *w = &vd.reasons[i];
        if (w->outcome == ELIG_INFO || strcmp(w->dimension, dim))
            continue;
        bool neg = w->rule && w->rule->op && !strcmp(w->rule->op, "not_in");
        if ((which == ELIG_RULES_POS && neg) || (which == ELIG_RULES_NEG && !neg))
            continue;
        if (w->outcome > worst)
            worst = w->outcome;
    }
    return worst;
}

/* One value of a person field: its term (prefix + slug) and its place in
 * the field's facet slot. */
static int add_person_value(xap_doc *d, idx_field f, const char *slug, sp_buf *packed,
                            sp_err *err)
{
    if (!slug || !*slug || strlen(slug) > 200 || strchr(slug, '\n'))
        return SP_OK;
    char *term = sp_printf("%s%s", field_prefixes[f], slug);
    if (!term)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = xap_doc_add_boolean_term(d, term, err);
    free(term);
    if (rc == SP_OK && ((packed->len && sp_buf_puts(packed, "\n") < 0) ||
                        sp_buf_puts(packed, slug) < 0))
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    return rc;
}

static int put_packed(xap_doc *d, idx_field f, sp_buf *packed, sp_err *err)
{
    int rc = SP_OK;
    if (packed->len)
        rc = xap_doc_set_value(d, IDX_SLOT_FACET0 + (unsigned)f, packed->data, packed->len,
                               err);
    sp_buf_free(packed);
    return rc;
}

/* The least months out of work r accepts: 0 when it says nothing, more
 * than IDX_MAX_MONTHS when nobody qualifies.  Months rules are minimums,
 * so acceptance only grows with time: the answer is 0 or one of the
 * rules' bounds (rounded up to whole months). */
static double least_months(const vocab *v, const rec_service *r)
{
    double cand[1 + 16];
    size_t nc = 0;
    cand[nc++] = 0;
    for (size_t i = 0; i < r->n_rules && nc < sizeof cand / sizeof cand[0]; i++) {
        const rec_rule *u = &r->rules[i];
        if (u->dim && !strcmp(u->dim, "months_unemployed") && u->has_lo && u->lo > 0) {
            double c = u->lo > IDX_MAX_MONTHS ? IDX_MAX_MONTHS : (double)(long)u->lo;
            cand[nc++] = c < u->lo && c < IDX_MAX_MONTHS ? c + 1 : c;
        }
    }
    double least = IDX_MAX_MONTHS + 1;
    for (size_t i = 0; i < nc; i++) {
        if (cand[i] >= least)
            continue;
        elig_person p;
        elig_person_init(&p);
        p.months_unemployed = (int)cand[i];
        if (dim_outcome(v, r, &p, "months_unemployed", ELIG_RULES_ALL) != ELIG_NOT_ELIGIBLE)
            least = cand[i];
    }
    return least;
}

/* The person fields (benefits, status, months_unemployed: terms and facet
 * slots) and the months slot: which benefits and statuses r does not
 * exclude, and the least time out of work it accepts.  The rules are
 * r->rules as stored (elig_extract ran in enrichment).  Without a vocab
 * nothing is known to be excluded by months, and benefits and status get
 * no terms. */
static int build_elig(idx *ix, const rec_service *r, xap_doc *d, sp_err *err)
{
    int rc = SP_OK;
    double min_months = ix->v ? least_months(ix->v, r) : 0;
    if (ix->v) {
        elig_person p;
        size_t n = 0;
        sp_buf packed = {0};
        const char *const *ben = vocab_slugs(ix->v, "benefit", &n);
        elig_person_init(&p);
        p.benefits_known = true;
        if (dim_outcome(ix->v, r, &p, "benefit", ELIG_RULES_ALL) != ELIG_NOT_ELIGIBLE)
            rc = add_person_value(d, IDX_F_BENEFITS, "none", &packed, err);
        for (size_t i = 0; rc == SP_OK && i < n; i++) {
            elig_person_init(&p);
            p.benefits = &ben[i];
            p.n_benefits = 1;
            p.benefits_known = true;
            bool pos = dim_outcome(ix->v, r, &p, "benefit", ELIG_RULES_POS) != ELIG_NOT_ELIGIBLE;
            bool neg = dim_outcome(ix->v, r, &p, "benefit", ELIG_RULES_NEG) != ELIG_NOT_ELIGIBLE;
            if (pos && neg)
                rc = add_person_value(d, IDX_F_BENEFITS, ben[i], &packed, err);
            if (rc == SP_OK && neg && strlen(ben[i]) <= 200)
                rc = add_term(d, "XEN", ben[i], err);
        }
        if (rc == SP_OK)
            rc = put_packed(d, IDX_F_BENEFITS, &packed, err);
        const char *const *st = vocab_slugs(ix->v, "status", &n);
        for (size_t i = 0; rc == SP_OK && i < n; i++) {
            elig_person_init(&p);
            p.status = st[i];
            if (dim_outcome(ix->v, r, &p, "employment_status", ELIG_RULES_ALL) != ELIG_NOT_ELIGIBLE)
                rc = add_person_value(d, IDX_F_STATUS, st[i], &packed, err);
        }
        if (rc == SP_OK)
            rc = put_packed(d, IDX_F_STATUS, &packed, err);
        sp_buf_free(&packed);
    }
    sp_buf packed = {0};
    for (size_t i = 0; rc == SP_OK && i < N_MONTHS_STEPS; i++) {
        char step[16];
        snprintf(step, sizeof step, "%d", months_steps[i]);
        if (min_months <= months_steps[i])
            rc = add_person_value(d, IDX_F_MONTHS, step, &packed, err);
    }
    if (rc == SP_OK)
        rc = put_packed(d, IDX_F_MONTHS, &packed, err);
    for (size_t i = 0; rc == SP_OK && i < N_AGE_STEPS; i++) {
        char step[16];
        snprintf(step, sizeof step, "%d", age_steps[i]);
        if ((r->minimum_age < 0 || r->minimum_age <= age_steps[i]) &&
            (r->maximum_age < 0 || r->maximum_age >= age_steps[i]))
            rc = add_person_value(d, IDX_F_AGE, step, &packed, err);
    }
    if (rc == SP_OK)
        rc = put_packed(d, IDX_F_AGE, &packed, err);
    sp_buf_free(&packed);
    if (rc == SP_OK)
        rc = xap_doc_set_value_number(d, IDX_SLOT_MINMONTHS, min_months, err);
    return rc;
}

typedef struct each_ctx {
    idx_each_fn fn;
    void *ctx;
    sp_err *err;
} each_ctx;

static int each_record(const char *data, size_t len, void *cls)
{
    each_ctx *c = cls;
    rec_service r;
    size_t jlen = 0;
    const char *json = idx_data_json(data, len, &jlen);
    int rc = rec_from_json_string(json, jlen, &r, c->err);
    if (rc != SP_OK)
        return rc;
    rc = c->fn(&r, c->ctx);
    rec_service_free(&r);
    return rc;
}

int idx_each(idx *ix, idx_each_fn fn, void *ctx, sp_err *err)
{
    each_ctx c = {fn, ctx, err};
    return xap_each_data(ix->db, each_record, &c, err);
}

static char *id_term(const char *id)
{
    return sp_printf("Q%s", id);
}

int idx_check_record(const rec_service *r, sp_err *err)
{
    if (!r || !r->id || !*r->id)
        return sp_fail(err, SP_EINVAL, "a record without an id cannot be indexed");
    if (strlen(r->id) > 200)
        return sp_fail(err, SP_EINVAL, "record id too long (%zu bytes)", strlen(r->id));
    return SP_OK;
}

int idx_build(idx *ix, const rec_service *r, const char *json, xap_doc *d, sp_err *err)
{
    char *term = id_term(r->id);
    int rc = term ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
    if (rc == SP_OK)
        rc = xap_doc_add_boolean_term(d, term, err);
    if (rc == SP_OK)
        rc = build_doc(ix, r, json, d, err);
    if (rc == SP_OK)
        rc = build_elig(ix, r, d, err);
    free(term);
    return rc;
}

int idx_put(idx *ix, const rec_service *r, sp_err *err)
{
    int rc = idx_check_record(r, err);
    if (rc != SP_OK)
        return rc;
    if (ix->bulk)
        return idx_bulk_put(ix, r, err);
    if (!xap_writable(ix->db))
        return sp_fail(err, SP_EINVAL, "the index is open read-only");
    /* One document, emptied for each record: its buffers are reused. */
    if (!ix->doc && !(ix->doc = xap_doc_new(ix->db)))
        return sp_fail(err, SP_ENOMEM, "out of memory");
    rc = xap_doc_reset(ix->doc, ix->db, err);
    char *term = rc == SP_OK ? id_term(r->id) : NULL;
    if (rc == SP_OK && !term)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    if (rc == SP_OK)
        rc = idx_build(ix, r, NULL, ix->doc, err);
    if (rc == SP_OK)
        rc = xap_replace(ix->db, term, ix->doc, err);
    free(term);
    return autocommit(ix, rc, err);
}

int idx_delete(idx *ix, const char *id, sp_err *err)
{
    if (!id || !*id)
        return sp_fail(err, SP_EINVAL, "no id to delete");
    if (ix->bulk)
        return idx_bulk_delete(ix, id, err);
    char *term = id_term(id);
    if (!term)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = xap_delete(ix->db, term, err);
    free(term);
    if (rc == SP_ENOTFOUND)
        return sp_fail(err, rc, "no service %s in the index", id);
    return autocommit(ix, rc, err);
}

int idx_get(idx *ix, const char *id, rec_service *out, sp_err *err)
{
    if (!id || !*id)
        return sp_fail(err, SP_EINVAL, "no id");
    char *term = id_term(id);
    if (!term)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    char *data = NULL;
    size_t len = 0;
    int rc = xap_get_data(ix->db, term, &data, &len, err);
    free(term);
    if (rc == SP_ENOTFOUND)
        return sp_fail(err, rc, "no service %s in the index", id);
    if (rc)
        return rc;
    size_t jlen = 0;
    const char *json = idx_data_json(data, len, &jlen);
    rc = rec_from_json_string(json, jlen, out, err);
    free(data);
    return rc;
}

size_t idx_count(idx *ix)
{
    return xap_doc_count(ix->db);
}

/* --- search ------------------------------------------------------------- */

static void facet_free(idx_facet *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].value);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

void idx_result_free(idx_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n_hits; i++) {
        rec_service_free(&res->hits[i].rec);
        free(res->hits[i].snippet);
    }
    free(res->hits);
    for (int f = 0; f < IDX_F__COUNT; f++)
        facet_free(&res->facets[f]);
    free(res->suggestion);
    memset(res, 0, sizeof *res);
}

static int cmp_facet_value(const void *a, const void *b)
{
    const idx_facet_value *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

static bool is_selected(const idx_query *q, idx_field f, const char *slug)
{
    for (size_t i = 0; i < q->n_filters[f]; i++)
        if (q->filters[f][i] && !strcmp(q->filters[f][i], slug))
            return true;
    return false;
}

static int cmp_number_value(const void *a, const void *b)
{
    const idx_facet_value *x = a, *y = b;
    long m = strtol(x->value, NULL, 10), n = strtol(y->value, NULL, 10);
    return (m > n) - (m < n);
}

/* Counts of one field into an idx_facet; selected values are always listed
 * (count 0 when nothing has them) so the UI can show and clear them.  A
 * months_unemployed or age value between the steps is the field's only
 * filter, so its count is the search's total.  Those two are listed in
 * ascending order, other fields by count. */
static int fill_facet(const idx_query *q, idx_field f, const xap_slot_counts *sc,
                      size_t total, idx_facet *out)
{
    size_t cap = sc->n + q->n_filters[f];
    if (!cap)
        return SP_OK;
    out->v = calloc(cap, sizeof *out->v);
    if (!out->v)
        return SP_ENOMEM;
    for (size_t i = 0; i < sc->n; i++) {
        idx_facet_value *v = &out->v[out->n];
        v->value = sp_strdup(sc->v[i].value);
        if (!v->value)
            return SP_ENOMEM;
        v->count = sc->v[i].count;
        v->selected = is_selected(q, f, v->value);
        out->n++;
    }
    for (size_t i = 0; i < q->n_filters[f]; i++) {
        const char *s = q->filters[f][i];
        bool seen = false;
        if (!s || !*s)
            continue;
        for (size_t j = 0; j < out->n && !seen; j++)
            seen = !strcmp(out->v[j].value, s);
        if (seen)
            continue;
        idx_facet_value *v = &out->v[out->n];
        v->value = sp_strdup(s);
        if (!v->value)
            return SP_ENOMEM;
        v->selected = true;
        if (idx_field_is_number(f))
            v->count = total;
        out->n++;
    }
    qsort(out->v, out->n, sizeof *out->v,
          idx_field_is_number(f) ? cmp_number_value : cmp_facet_value);
    return SP_OK;
}

/* The start of text, cut at a word boundary near max bytes, HTML-escaped
 * by libxml2: the snippet when there are no query words to mark. */
static char *excerpt(const char *text, size_t max)
{
    size_t len = strlen(text);
    bool cut = len > max;
    if (cut) {
        len = max;
        size_t sp = len;
        while (sp > max / 2 && text[sp] != ' ')
            sp--;
        if (text[sp] == ' ')
            len = sp;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--; /* never split a UTF-8 sequence */
    }
    char *plain = sp_printf("%.*s%s", (int)len, text, cut ? "\xe2\x80\xa6" : "");
    if (!plain)
        return NULL;
    xmlChar *esc = xmlEncodeSpecialChars(NULL, (const xmlChar *)plain);
    free(plain);
    if (!esc)
        return NULL;
    char *out = sp_strdup((const char *)esc);
    xmlFree(esc);
    return out;
}

/* Copy a trimmed, case-insensitive comparison of the corrected query; the
 * suggestion is only useful when it says something different. */
static bool same_ignoring_case(const char *a, const char *b)
{
    while (*a && *b) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
    return *a == *b;
}

/* A months_unemployed or age filter value: a whole number 0..max in plain
 * decimal; -1 when it is anything else. */
static int parse_count(const char *s, int max)
{
    if (!s || !*s || strlen(s) > 4)
        return -1;
    int m = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        m = m * 10 + (*c - '0');
    }
    return m <= max ? m : -1;
}

/* The filter groups of the person fields (see build_elig), appended to
 * filters; terms go to owned (freed by the caller) with ptrs pointing at
 * them.  benefits: one group ORing XEK<b>, and with several benefits one
 * XEN<b> group each ("none" alone: XEKnone); status: one group; months:
 * XEM<m> when m is a step, else a range on the months slot.  Every group
 * belongs to its field's facet, so the facet counts leave it out. */
static int person_filters(const idx_query *q, xap_filter *filters, size_t *n_filters,
                          char **owned, const char **ptrs, size_t *n_owned,
                          xap_range *ranges, size_t *n_ranges, sp_err *err)
{
    const int fb = q->facets ? IDX_F_BENEFITS : -1;
    const int fs = q->facets ? IDX_F_STATUS : -1;
    size_t nb = q->n_filters[IDX_F_BENEFITS];
    if (nb > IDX_MAX_ELIG_FILTERS)
        return sp_fail(err, SP_ELIMIT, "too many benefits filters (%zu; at most %d)", nb,
                       IDX_MAX_ELIG_FILTERS);
    size_t n_ben = 0; /* benefits other than "none" */
    for (size_t i = 0; i < nb; i++)
        if (q->filters[IDX_F_BENEFITS][i] && strcmp(q->filters[IDX_F_BENEFITS][i], "none"))
            n_ben++;
    /* Terms in order: XEK<b>... then XEN<b>... (only with several). */
    for (int pass = 0; pass < 2 && n_ben && (pass == 0 || n_ben > 1); pass++) {
        size_t first = *n_owned;
        for (size_t i = 0; i < nb; i++) {
            const char *b = q->filters[IDX_F_BENEFITS][i];
            if (!b || !strcmp(b, "none"))
                continue;
            owned[*n_owned] = sp_printf("%s%s", pass ? "XEN" : "XEK", b);
            if (!owned[*n_owned])
                return sp_fail(err, SP_ENOMEM, "out of memory");
            ptrs[*n_owned] = owned[*n_owned];
            if (pass)
                filters[(*n_filters)++] = (xap_filter){&ptrs[*n_owned], 1, fb};
            (*n_owned)++;
        }
        if (!pass)
            filters[(*n_filters)++] = (xap_filter){&ptrs[first], *n_owned - first, fb};
    }
    if (nb && !n_ben) {
        static const char *const none[] = {"XEKnone"};
        filters[(*n_filters)++] = (xap_filter){none, 1, fb};
    }
    size_t ns = q->n_filters[IDX_F_STATUS];
    if (ns) {
        size_t first = *n_owned;
        for (size_t i = 0; i < ns; i++) {
            const char *v = q->filters[IDX_F_STATUS][i];
            owned[*n_owned] = sp_printf("XES%s", v ? v : "");
            if (!owned[*n_owned])
                return sp_fail(err, SP_ENOMEM, "out of memory");
            ptrs[*n_owned] = owned[*n_owned];
            (*n_owned)++;
        }
        filters[(*n_filters)++] = (xap_filter){&ptrs[first], ns, fs};
    }
    /* months and age: one number each, a step's term or else range(s). */
    for (int k = 0; k < 2; k++) {
        idx_field f = k ? IDX_F_AGE : IDX_F_MONTHS;
        size_t n = q->n_filters[f];
        if (n > 1)
            return sp_fail(err, SP_EINVAL, "%s takes one value, not %zu", field_names[f], n);
        if (!n)
            continue;
        int max = k ? IDX_MAX_AGE : IDX_MAX_MONTHS;
        int m = parse_count(q->filters[f][0], max);
        if (m < 0)
            return sp_fail(err, SP_EINVAL, "%s must be a whole number from 0 to %d",
                           field_names[f], max);
        const int *steps = k ? age_steps : months_steps;
        size_t n_steps = k ? N_AGE_STEPS : N_MONTHS_STEPS;
        bool step = false;
        for (size_t i = 0; i < n_steps; i++)
            step = step || steps[i] == m;
        int fc = q->facets ? (int)f : -1;
        if (step) { /* the same documents as the range(s), from the term */
            owned[*n_owned] = sp_printf("%s%d", field_prefixes[f], m);
            if (!owned[*n_owned])
                return sp_fail(err, SP_ENOMEM, "out of memory");
            ptrs[*n_owned] = owned[*n_owned];
            filters[(*n_filters)++] = (xap_filter){&ptrs[*n_owned], 1, fc};
            (*n_owned)++;
        } else if (k) {
            ranges[(*n_ranges)++] = (xap_range){IDX_SLOT_MINAGE, XAP_LE, (double)m, fc};
            ranges[(*n_ranges)++] = (xap_range){IDX_SLOT_MAXAGE, XAP_GE, (double)m, fc};
        } else {
            ranges[(*n_ranges)++] = (xap_range){IDX_SLOT_MINMONTHS, XAP_LE, (double)m, fc};
        }
    }
    return SP_OK;
}

/* More than a few words ("forklift truck"), as the relaxed pass needs. */
static bool several_words(const char *text)
{
    size_t n = 0;
    bool in = false;
    for (const char *c = text ? text : ""; *c; c++) {
        bool w = isalnum((unsigned char)*c) || ((unsigned char)*c & 0x80);
        if (w && !in)
            n++;
        in = w;
    }
    return n >= 2;
}

/* How many words b changes in a (compared in order, case-insensitively);
 * a different number of words counts as many. */
static size_t words_changed(const char *a, const char *b)
{
    size_t n = 0;
    a = a ? a : "";
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (!*a || !*b)
            return *a || *b ? 99 : n;
        size_t la = strcspn(a, " "), lb = strcspn(b, " ");
        if (la != lb || strncasecmp(a, b, la))
            n++;
        a += la;
        b += lb;
    }
}

/* After the search of every word (xr): a did-you-mean only when the words
 * find nothing and the corrected words find something (with relax, those
 * become the results: suggestion_used); then, with relax, when fewer than
 * IDX_RELAX_BELOW services match every word, the services that match the
 * most of them (any word, ranked by weight: more words and rarer words
 * weigh more), or a boosted category alone. */
static int second_passes(idx *ix, const idx_query *q, xap_search *s, xap_results *xr,
                         idx_result *out, sp_err *err)
{
    int rc = SP_OK;
    char *corrected = xr->corrected && *xr->corrected && q->q &&
                              !same_ignoring_case(xr->corrected, q->q)
                          ? sp_strdup(xr->corrected)
                          : NULL;
    if (xr->total == 0 && corrected) {
        /* A did-you-mean that changes one word is taken; one that changes
         * several ("SIA badge" -> "asian budget") is only offered. */
        bool take = q->relax && words_changed(s->text, corrected) == 1;
        xap_search s2 = *s;
        s2.text = corrected;
        xap_results x2;
        rc = xap_run(ix->db, &s2, &x2, err);
        if (rc == SP_OK && x2.total > 0) {
            out->suggestion = corrected;
            corrected = NULL;
            if (take) {
                xap_results_free(xr);
                *xr = x2;
                memset(&x2, 0, sizeof x2);
                s->text = out->suggestion;
                out->suggestion_used = true;
            }
        }
        xap_results_free(&x2);
    }
    free(corrected);
    if (rc == SP_OK && q->relax && xr->total < IDX_RELAX_BELOW && xr->has_text &&
        (several_words(s->text) || s->n_boost)) {
        xap_search s2 = *s;
        s2.default_and = false;
        xap_results x2;
        rc = xap_run(ix->db, &s2, &x2, err);
        if (rc == SP_OK && x2.total > xr->total) {
            xap_results_free(xr);
            *xr = x2;
            memset(&x2, 0, sizeof x2);
            out->relaxed = true;
        }
        xap_results_free(&x2);
    }
    if (rc == SP_OK && q->relax && q->relax_to_filters && xr->total == 0 && xr->has_text) {
        xap_search s2 = *s;
        s2.text = NULL;
        xap_results x2;
        rc = xap_run(ix->db, &s2, &x2, err);
        if (rc == SP_OK && x2.total > 0) {
            xap_results_free(xr);
            *xr = x2;
            memset(&x2, 0, sizeof x2);
            out->relaxed = true;
        }
        xap_results_free(&x2);
    }
    return rc;
}

bool idx_later_passes_may_change(const idx_query *q, size_t total, bool spelling)
{
    /* What second_passes looks at, read without searching. */
    bool text = q->q && strspn(q->q, " \t\r\n\f\v") < strlen(q->q);
    if (!q->relax || !text || total >= IDX_RELAX_BELOW)
        return false;
    if (several_words(q->q) || q->n_boost)
        return true;
    return total == 0 && (spelling || q->relax_to_filters);
}

typedef struct ranked {
    size_t i;
    double key;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i); /* stable: the matcher's order */
}

/* The matches to show, as indexes into xr->matches.  Without decay, all of
 * them in order (xap_run already paged).  With decay (near, by relevance),
 * xr holds the best matches from the first: the first IDX_DECAY_TOP are
 * ordered by weight x 1 / (1 + km / IDX_DECAY_KM) (without words, every
 * weight is 1: nearest first), the rest stay as they are, and the page is
 * cut from that. */
static int rank_order(const idx_query *q, const xap_results *xr, bool decay, size_t **order,
                      size_t *n_order, sp_err *err)
{
    *order = NULL;
    *n_order = 0;
    size_t n = xr->n_matches;
    if (!n)
        return SP_OK;
    ranked *r = calloc(n, sizeof *r);
    *order = calloc(n, sizeof **order);
    if (!r || !*order) {
        free(r);
        free(*order);
        *order = NULL;
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const xap_match *m = &xr->matches[i];
        double km = m->distance_km >= 0 ? m->distance_km : IDX_DECAY_UNKNOWN_KM;
        double w = xr->has_text ? m->weight : 1.0;
        r[i].i = i;
        r[i].key = w / (1.0 + km / IDX_DECAY_KM);
    }
    if (decay)
        qsort(r, n < IDX_DECAY_TOP ? n : IDX_DECAY_TOP, sizeof *r, cmp_ranked);
    size_t from = decay ? q->offset : 0;
    size_t to = decay ? from + q->limit : n;
    for (size_t i = from; i < to && i < n; i++)
        (*order)[(*n_order)++] = r[i].i;
    free(r);
    return SP_OK;
}

int idx_search(idx *ix, const idx_query *q, idx_result *out, sp_err *err)
{
    memset(out, 0, sizeof *out);
    if (!q)
        return sp_fail(err, SP_EINVAL, "no query");
    if (q->q && strlen(q->q) > IDX_MAX_QUERY)
        return sp_fail(err, SP_EINVAL, "the query is too long (%zu bytes; at most %d)",
                       strlen(q->q), IDX_MAX_QUERY);

    /* Filter groups: one per service field ("XB" + slug for each value);
     * the person fields as in person_filters.  owned: the terms. */
    xap_filter filters[IDX_F__COUNT + IDX_MAX_ELIG_FILTERS + 4];
    size_t n_filters = 0;
    char **owned = NULL;
    size_t n_owned = 0;
    const char **ptrs = NULL;
    xap_range ranges[4];
    size_t n_ranges = 0;
    unsigned count_slots[IDX_F__COUNT];
    int rc = SP_OK;
    size_t n_values = 0;
    for (int f = 0; f < IDX_F__COUNT; f++) {
        count_slots[f] = IDX_SLOT_FACET0 + (unsigned)f;
        if (q->n_filters[f] > 1000) {
            rc = sp_fail(err, SP_ELIMIT, "too many %s filters (%zu)", field_names[f],
                         q->n_filters[f]);
            break;
        }
        n_values += 2 * q->n_filters[f];
    }
    if (rc == SP_OK && n_values) {
        owned = calloc(n_values, sizeof *owned);
        ptrs = calloc(n_values, sizeof *ptrs);
        if (!owned || !ptrs)
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    }
    for (int f = 0; rc == SP_OK && f < IDX_F__COUNT; f++) {
        size_t n = q->n_filters[f];
        if (!n || idx_field_is_person((idx_field)f))
            continue;
        size_t first = n_owned;
        for (size_t i = 0; i < n && rc == SP_OK; i++) {
            const char *v = q->filters[f][i] ? q->filters[f][i] : "";
            owned[n_owned] = sp_printf("%s%s", field_prefixes[f], v);
            if (!owned[n_owned])
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
            ptrs[n_owned] = owned[n_owned];
            n_owned++;
        }
        filters[n_filters++] = (xap_filter){&ptrs[first], n, q->facets ? f : -1};
    }
    if (rc == SP_OK)
        rc = person_filters(q, filters, &n_filters, owned, ptrs, &n_owned, ranges,
                            &n_ranges, err);
    char *cluster_term = NULL;
    const char *cluster_ptr[1];
    if (rc == SP_OK && q->cluster) {
        cluster_term = sp_printf("XD%s", q->cluster);
        if (!cluster_term)
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        cluster_ptr[0] = cluster_term;
        filters[n_filters++] = (xap_filter){cluster_ptr, 1, -1};
    }
    if (rc == SP_OK && q->n_hours)
        filters[n_filters++] = (xap_filter){q->hours, q->n_hours, -1};
    static const xap_prefix prefixes[] = {
        {"name", "S"}, {"title", "S"}, {"org", "XO"}, {"organisation", "XO"},
        {"organization", "XO"}};

    xap_search s = {0};
    s.text = q->q;
    s.default_and = true;
    s.prefixes = prefixes;
    s.n_prefixes = sizeof prefixes / sizeof prefixes[0];
    s.filters = filters;
    s.n_filters = n_filters;
    s.ranges = ranges;
    s.n_ranges = n_ranges;
    s.has_near = q->has_near;
    s.geo_slot = IDX_SLOT_COORDS;
    s.lat = q->near_lat;
    s.lon = q->near_lon;
    s.radius_km = q->radius_km;
    switch (q->sort) {
    case IDX_SORT_DISTANCE: s.sort = q->has_near ? XAP_SORT_DISTANCE : XAP_SORT_RELEVANCE; break;
    case IDX_SORT_UPDATED: s.sort = XAP_SORT_VALUE_DESC; break;
    default: s.sort = XAP_SORT_RELEVANCE; break;
    }
    s.sort_slot = IDX_SLOT_UPDATED;
    s.offset = q->offset;
    s.limit = q->limit > IDX_MAX_LIMIT ? IDX_MAX_LIMIT : q->limit;
    s.collapse = q->collapse;
    s.collapse_slot = IDX_SLOT_CLUSTER;
    s.count_slots = q->facets ? count_slots : NULL;
    s.n_count_slots = q->facets ? IDX_F__COUNT : 0;
    s.exact = q->exact_facets;
    s.count_prefixes = q->facets ? field_prefixes : NULL;
    s.data_slot = q->brief ? IDX_SLOT_BRIEF : 0; /* empty before schema 6 */
    s.pairs_key = IDX_PAIRS_KEY; /* schema 8 */
    s.pairs_tag_key = IDX_SCHEMA_KEY;
    _Static_assert(IDX_MAX_COUNT_SETS == XAP_MAX_COUNT_SETS, "set_counts are copied whole");
    xap_filter sets[IDX_MAX_COUNT_SETS];
    for (size_t i = 0; i < q->n_count_sets && i < IDX_MAX_COUNT_SETS; i++)
        sets[s.n_count_sets++] = (xap_filter){q->count_sets[i].terms, q->count_sets[i].n, -1};
    s.count_sets = sets;

    /* Category boosts: "XC" + slug. */
    char *boost_terms[IDX_MAX_BOOST];
    size_t n_boost = 0;
    for (size_t i = 0; rc == SP_OK && i < q->n_boost && n_boost < IDX_MAX_BOOST; i++) {
        if (!q->boost[i])
            continue;
        boost_terms[n_boost] = sp_printf("XC%s", q->boost[i]);
        if (!boost_terms[n_boost])
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        else
            n_boost++;
    }
    s.boost_terms = (const char *const *)boost_terms;
    s.n_boost = n_boost;
    s.boost_weight = IDX_BOOST_WEIGHT;
    /* With a postcode, by relevance: the best matches from the top, ranked
     * again with the distance decay (rank_order), then the page. */
    bool decay = q->has_near && q->sort == IDX_SORT_RELEVANCE && q->limit; /* not for a count */
    if (decay) {
        s.offset = 0;
        s.limit = q->offset + s.limit;
        if (s.limit < IDX_DECAY_TOP)
            s.limit = IDX_DECAY_TOP;
    }

    xap_results xr;
    memset(&xr, 0, sizeof xr);
    if (rc == SP_OK)
        rc = xap_run(ix->db, &s, &xr, err);
    if (rc == SP_OK)
        rc = second_passes(ix, q, &s, &xr, out, err);
    size_t *order = NULL, n_order = 0;
    if (rc == SP_OK)
        rc = rank_order(q, &xr, decay, &order, &n_order, err);

    if (rc == SP_OK) {
        out->total = xr.total;
        out->exhaustive = xr.exhaustive;
        out->n_set_counts = xr.n_set_counts;
        out->spelling = xr.corrected && *xr.corrected && q->q &&
                        !same_ignoring_case(xr.corrected, q->q);
        memcpy(out->set_counts, xr.set_counts, sizeof out->set_counts);
        if (n_order) {
            out->hits = calloc(n_order, sizeof *out->hits);
            if (!out->hits)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
        }
        for (size_t i = 0; rc == SP_OK && i < n_order; i++) {
            const xap_match *m = &xr.matches[order[i]];
            idx_hit *h = &out->hits[out->n_hits];
            /* A result list needs a few fields (idx_brief.c), a page
             * about one service all of it. */
            rc = q->brief ? idx_brief_read(m->data, m->data_len, &h->rec, NULL) : SP_ENOTFOUND;
            if (rc == SP_ENOTFOUND) {
                size_t jlen = 0;
                const char *json = idx_data_json(m->data, m->data_len, &jlen);
                rc = rec_from_json_string(json, jlen, &h->rec, err);
            } else if (rc != SP_OK) {
                rc = sp_fail(err, rc, "out of memory");
            }
            if (rc)
                break;
            out->n_hits++;
            h->score = m->weight;
            h->distance_km = m->distance_km;
            h->collapsed = m->collapsed;
            const char *text = h->rec.description ? h->rec.description
                             : h->rec.eligibility_description ? h->rec.eligibility_description
                             : "";
            h->snippet = xr.has_text ? xap_results_snippet(&xr, text, IDX_SNIPPET_LEN) : NULL;
            /* Without query words, or when the writer moved the database on
             * under the snippet's term statistics: the plain start. */
            if (!h->snippet)
                h->snippet = excerpt(text, IDX_SNIPPET_LEN);
            if (!h->snippet)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
        }
        for (size_t i = 0; rc == SP_OK && i < xr.n_counts; i++) {
            idx_field f = (idx_field)(xr.counts[i].slot - IDX_SLOT_FACET0);
            if (fill_facet(q, f, &xr.counts[i], out->total, &out->facets[f]))
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
        }
    }
    free(order);
    for (size_t i = 0; i < n_boost; i++)
        free(boost_terms[i]);
    xap_results_free(&xr);
    free(cluster_term);
    sp_strv_free(owned, n_owned);
    free(ptrs);
    if (rc)
        idx_result_free(out);
    return rc;
}
