/*
 * datapackage.c - the HSDS tabular data package reader: a
 * datapackage.json naming CSV resources (organizations, services,
 * locations, service_at_location, addresses, phones, schedules, taxonomy
 * terms, attributes, languages, cost options, service areas, fundings),
 * each fetched through the caller's callback, parsed as RFC 4180 CSV and
 * joined by their foreign keys into nested rec_service records, one per
 * services.csv row.
 *
 * HSDS 3.0 and the ORUK 3.0 profile are read as written; HSDS 1.1 packages
 * (physical_addresses, regular_schedules with weekday, services_taxonomy +
 * taxonomy, eligibility, organisations with "url") are mapped onto the same
 * record.  Resources may also be inline ("data": an array of objects or of
 * rows with a header row first), which is all feed_read can offer when it
 * has no fetcher.
 *
 * The CSV parser is small and careful (there is no CSV library in the
 * stack): quoted fields with doubled quotes, embedded commas and newlines,
 * CRLF or LF, a UTF-8 BOM, ragged rows (missing cells are empty, extra
 * cells ignored).  Bounds: 64 resources, each at most FEED_MAX_BODY bytes,
 * 200,000 rows, 256 columns, 1 MiB per cell; resource paths that are
 * absolute or climb with ".." are refused (the data package spec forbids
 * them, and a fetcher may be a file reader).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "feed_int.h"

#define DP_MAX_RESOURCES 64
#define DP_MAX_ROWS 200000u
#define DP_MAX_COLS 256u
#define DP_MAX_CELL (1024u * 1024u)
#define DP_MAX_CHILDREN 200 /* phones, schedules, ... kept per parent */

/* ======================================================================
 * CSV
 * ====================================================================== */

typedef struct csv_table {
    char **head;     /* column names */
    size_t ncols;
    char **cells;    /* nrows * ncols, NULL for empty */
    size_t nrows;
    size_t cap_rows;
} csv_table;

static void csv_free(csv_table *t)
{
    sp_strv_free(t->head, t->ncols);
    sp_strv_free(t->cells, t->nrows * t->ncols);
    memset(t, 0, sizeof *t);
}

/* One parsed record (row) as a list of malloc'd fields. */
typedef struct csv_row {
    char **f;
    size_t n, cap;
} csv_row;

static void row_clear(csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

static int row_push(csv_row *r, sp_buf *field)
{
    if (r->n >= DP_MAX_COLS) {
        sp_buf_free(field);
        return SP_OK; /* extra columns are ignored */
    }
    if (sp_grow(&r->f, &r->cap, r->n + 1, sizeof *r->f, 16) != SP_OK)
        return SP_ENOMEM;
    r->f[r->n++] = field->len > 0 ? sp_buf_steal(field) : NULL;
    sp_buf_free(field);
    return SP_OK;
}

static int table_add(csv_table *t, csv_row *r, sp_err *err)
{
    if (t->head == NULL) {
        /* The header row: names trimmed and lower-cased. */
        t->ncols = r->n;
        t->head = calloc(r->n ? r->n : 1, sizeof *t->head);
        if (t->head == NULL)
            return sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
        for (size_t i = 0; i < r->n; i++) {
            const char *s = r->f[i] != NULL ? r->f[i] : "";
            size_t n = feed_trim(&s);
            t->head[i] = sp_strndup(s, n);
            if (t->head[i] == NULL)
                return sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
            for (char *p = t->head[i]; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        }
        row_clear(r);
        return SP_OK;
    }
    /* A blank line is not a row. */
    if (r->n == 1 && r->f[0] == NULL) {
        row_clear(r);
        return SP_OK;
    }
    if (t->nrows >= DP_MAX_ROWS) {
        row_clear(r);
        return sp_fail(err, SP_ELIMIT, "CSV has more than %u rows", DP_MAX_ROWS);
    }
    if (t->ncols == 0) {
        row_clear(r);
        return SP_OK;
    }
    /* a row of ncols cells is one element */
    if (sp_grow(&t->cells, &t->cap_rows, t->nrows + 1, t->ncols * sizeof *t->cells, 64) !=
        SP_OK) {
        row_clear(r);
        return sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
    }
    char **dst = &t->cells[t->nrows * t->ncols];
    for (size_t i = 0; i < t->ncols; i++) {
        dst[i] = i < r->n ? r->f[i] : NULL;
        if (i < r->n)
            r->f[i] = NULL;
    }
    t->nrows++;
    row_clear(r);
    return SP_OK;
}

/* Parse RFC 4180 CSV.  On failure the table holds the rows before it. */
static int csv_parse(const char *s, size_t n, csv_table *t, sp_err *err)
{
    memset(t, 0, sizeof *t);
    if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF) {
        s += 3;
        n -= 3;
    }
    csv_row row = {0};
    sp_buf field = {0};
    size_t i = 0;
    int rc = SP_OK;
    bool any = false; /* the current row has started */
    while (i < n && rc == SP_OK) {
        char c = s[i];
        if (c == '"' && field.len == 0) {
            /* A quoted field: runs to the closing quote; "" is a quote. */
            i++;
            for (;;) {
                if (i >= n) {
                    rc = sp_fail(err, SP_EPARSE, "CSV: a quoted field never closes");
                    break;
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        sp_buf_append(&field, "\"", 1);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                size_t j = i;
                while (j < n && s[j] != '"')
                    j++;
                if (field.len + (j - i) > DP_MAX_CELL) {
                    rc = sp_fail(err, SP_ELIMIT, "CSV cell over %u bytes", DP_MAX_CELL);
                    break;
                }
                if (sp_buf_append(&field, s + i, j - i) != SP_OK) {
                    rc = sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
                    break;
                }
                i = j;
            }
            if (rc == SP_OK && sp_csv_neutralised(field.data, field.len)) {
                /* '=... is a spreadsheet's "text, not a formula" (our own
                 * exports write it): the apostrophe is not content. */
                memmove(field.data, field.data + 1, --field.len);
                field.data[field.len] = '\0';
            }
            if (field.len == 0 && rc == SP_OK) {
                /* "" is an empty string, still a present cell: keep it
                 * empty (NULL) as HSDS treats both alike. */
            }
            any = true;
            /* Anything between the closing quote and the separator is
             * tolerated and appended, as most readers do. */
            continue;
        }
        if (c == ',') {
            if (row_push(&row, &field) != SP_OK)
                rc = sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
            any = true;
            i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (any || field.len > 0) {
                if (row_push(&row, &field) != SP_OK)
                    rc = sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
                else
                    rc = table_add(t, &row, err);
            }
            any = false;
            i += (c == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        size_t j = i;
        while (j < n && s[j] != ',' && s[j] != '\r' && s[j] != '\n' && s[j] != '"')
            j++;
        if (j == i) { /* a stray quote inside an unquoted field */
            j = i + 1;
        }
        if (field.len + (j - i) > DP_MAX_CELL) {
            rc = sp_fail(err, SP_ELIMIT, "CSV cell over %u bytes", DP_MAX_CELL);
            break;
        }
        if (sp_buf_append(&field, s + i, j - i) != SP_OK)
            rc = sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
        any = true;
        i = j;
    }
    if (rc == SP_OK && (any || field.len > 0)) {
        if (row_push(&row, &field) != SP_OK)
            rc = sp_fail(err, SP_ENOMEM, "out of memory reading CSV");
        else
            rc = table_add(t, &row, err);
    }
    row_clear(&row);
    free(row.f);
    sp_buf_free(&field);
    return rc;
}

static int col(const csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->head[i], name) == 0)
            return (int)i;
    return -1;
}

static const char *cell(const csv_table *t, size_t row, int c)
{
    if (c < 0 || (size_t)c >= t->ncols || row >= t->nrows)
        return NULL;
    return t->cells[row * t->ncols + (size_t)c];
}

static const char *get(const csv_table *t, size_t row, const char *name)
{
    return cell(t, row, col(t, name));
}

/* A trimmed copy of a cell; NULL when empty. */
static char *dup_cell(const csv_table *t, size_t row, const char *name)
{
    const char *s = get(t, row, name);
    if (s == NULL)
        return NULL;
    size_t n = feed_trim(&s);
    return n > 0 ? sp_strndup(s, n) : NULL;
}

/* ======================================================================
 * Foreign-key indexes: (key, row) sorted by key, searched by bsearch.
 * ====================================================================== */

typedef struct fk_ent {
    const char *key;
    size_t row;
} fk_ent;

typedef struct fk_index {
    fk_ent *v;
    size_t n;
} fk_index;

static int fk_cmp(const void *a, const void *b)
{
    const fk_ent *x = a, *y = b;
    return feed_cmp_keyed(x->key, x->row, y->key, y->row);
}

static void fk_build(fk_index *ix, const csv_table *t, const char *colname)
{
    memset(ix, 0, sizeof *ix);
    int c = col(t, colname);
    if (c < 0 || t->nrows == 0)
        return;
    ix->v = malloc(t->nrows * sizeof *ix->v);
    if (ix->v == NULL)
        return;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *k = cell(t, r, c);
        if (k != NULL && *k != '\0')
            ix->v[ix->n++] = (fk_ent){k, r};
    }
    qsort(ix->v, ix->n, sizeof *ix->v, fk_cmp);
}

/* The first entry with key, and how many share it. */
static size_t fk_find(const fk_index *ix, const char *key, size_t *first)
{
    if (ix->v == NULL || key == NULL)
        return 0;
    size_t lo = feed_lower_bound(ix->v, ix->n, sizeof *ix->v, offsetof(fk_ent, key), key);
    size_t e = lo;
    while (e < ix->n && strcmp(ix->v[e].key, key) == 0)
        e++;
    *first = lo;
    return e - lo;
}

/* The first row whose key is key; false when there is none. */
static bool fk_first(const fk_index *ix, const char *key, size_t *row)
{
    size_t first;
    if (fk_find(ix, key, &first) == 0)
        return false;
    *row = ix->v[first].row;
    return true;
}

/* Every row whose key is key, in row order:
 *     fk_rows w = fk_all(ix, key);
 *     while (fk_next(&w, &r)) ... */
typedef struct fk_rows {
    const fk_index *ix;
    size_t next, end;
} fk_rows;

static fk_rows fk_all(const fk_index *ix, const char *key)
{
    fk_rows w = {ix, 0, 0};
    size_t n = fk_find(ix, key, &w.next);
    w.end = w.next + n;
    return w;
}

static bool fk_next(fk_rows *w, size_t *row)
{
    if (w->next >= w->end)
        return false;
    *row = w->ix->v[w->next++].row;
    return true;
}

/* ======================================================================
 * Tables of the package
 * ====================================================================== */

enum {
    T_ORG, T_SERVICE, T_LOCATION, T_SAL, T_ADDRESS, T_PHONE, T_SCHEDULE,
    T_TERM, T_ATTRIBUTE, T_LANGUAGE, T_COST, T_AREA, T_FUNDING, T_SVC_TAX,
    T_ELIGIBILITY, T_ORG_ID, T__COUNT
};

/* Resource names (HSDS 3.0, ORUK, HSDS 1.1) -> table.  Names are compared
 * after lower-casing, '-' -> '_' and dropping a trailing "s". */
static int table_of(const char *name)
{
    static const struct {
        const char *name;
        int t;
    } map[] = {
        {"organization", T_ORG},        {"organisation", T_ORG},
        {"service", T_SERVICE},         {"location", T_LOCATION},
        {"service_at_location", T_SAL}, {"services_at_location", T_SAL},
        {"address", T_ADDRESS},         {"physical_address", T_ADDRESS},
        {"phone", T_PHONE},             {"schedule", T_SCHEDULE},
        {"regular_schedule", T_SCHEDULE}, {"taxonomy_term", T_TERM},
        {"taxonomy", T_TERM},           {"attribute", T_ATTRIBUTE},
        {"language", T_LANGUAGE},       {"cost_option", T_COST},
        {"service_area", T_AREA},       {"funding", T_FUNDING},
        {"service_taxonomy", T_SVC_TAX}, {"eligibility", T_ELIGIBILITY},
        {"organization_identifier", T_ORG_ID}, {"organisation_identifier", T_ORG_ID},
    };
    char buf[128];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof buf)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
    buf[n] = '\0';
    if (n > 4 && strcmp(buf + n - 4, ".csv") == 0)
        buf[n -= 4] = '\0';
    char *slash = strrchr(buf, '/');
    const char *b = slash != NULL ? slash + 1 : buf;
    char alt[128];
    snprintf(alt, sizeof alt, "%s", b);
    size_t an = strlen(alt);
    if (an > 1 && alt[an - 1] == 's')
        alt[an - 1] = '\0';
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(b, map[i].name) == 0 || strcmp(alt, map[i].name) == 0)
            return map[i].t;
    /* "taxonomies" is the taxonomy list in HSDS 3.0, not terms. */
    return -1;
}

typedef struct pkg {
    csv_table t[T__COUNT];
    bool have[T__COUNT];
    bool taxonomy_is_terms_v11; /* HSDS 1.1 "taxonomy" table */
    fk_index org_id, loc_id, term_id;
    fk_index sal_by_svc, addr_by_loc, phone_by_svc, phone_by_loc, phone_by_org,
        sched_by_svc, sched_by_loc, sched_by_sal, attr_by_link, lang_by_svc,
        lang_by_loc, cost_by_svc, area_by_svc, fund_by_svc, svctax_by_svc,
        elig_by_svc, orgid_by_org;
} pkg;

static void pkg_free(pkg *p)
{
    for (int i = 0; i < T__COUNT; i++)
        csv_free(&p->t[i]);
    fk_index *all[] = {&p->org_id, &p->loc_id, &p->term_id, &p->sal_by_svc,
                       &p->addr_by_loc, &p->phone_by_svc, &p->phone_by_loc,
                       &p->phone_by_org, &p->sched_by_svc, &p->sched_by_loc,
                       &p->sched_by_sal, &p->attr_by_link, &p->lang_by_svc,
                       &p->lang_by_loc, &p->cost_by_svc, &p->area_by_svc,
                       &p->fund_by_svc, &p->svctax_by_svc, &p->elig_by_svc,
                       &p->orgid_by_org};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]->v);
}

static void pkg_index(pkg *p)
{
    fk_build(&p->org_id, &p->t[T_ORG], "id");
    fk_build(&p->loc_id, &p->t[T_LOCATION], "id");
    fk_build(&p->term_id, &p->t[T_TERM], "id");
    fk_build(&p->sal_by_svc, &p->t[T_SAL], "service_id");
    fk_build(&p->addr_by_loc, &p->t[T_ADDRESS], "location_id");
    fk_build(&p->phone_by_svc, &p->t[T_PHONE], "service_id");
    fk_build(&p->phone_by_loc, &p->t[T_PHONE], "location_id");
    fk_build(&p->phone_by_org, &p->t[T_PHONE], "organization_id");
    fk_build(&p->orgid_by_org, &p->t[T_ORG_ID], "organization_id");
    fk_build(&p->sched_by_svc, &p->t[T_SCHEDULE], "service_id");
    fk_build(&p->sched_by_loc, &p->t[T_SCHEDULE], "location_id");
    fk_build(&p->sched_by_sal, &p->t[T_SCHEDULE], "service_at_location_id");
    fk_build(&p->attr_by_link, &p->t[T_ATTRIBUTE], "link_id");
    fk_build(&p->lang_by_svc, &p->t[T_LANGUAGE], "service_id");
    fk_build(&p->lang_by_loc, &p->t[T_LANGUAGE], "location_id");
    fk_build(&p->cost_by_svc, &p->t[T_COST], "service_id");
    fk_build(&p->area_by_svc, &p->t[T_AREA], "service_id");
    fk_build(&p->fund_by_svc, &p->t[T_FUNDING], "service_id");
    fk_build(&p->svctax_by_svc, &p->t[T_SVC_TAX], "service_id");
    fk_build(&p->elig_by_svc, &p->t[T_ELIGIBILITY], "service_id");
}

/* ======================================================================
 * Joining rows into records
 * ====================================================================== */

/* Append one zeroed child (phone, schedule, ...) to an array held as
 * (pointer, count): at most DP_MAX_CHILDREN per parent. */
static void *push(void *arr_p, size_t *n, size_t elem)
{
    return feed_push(arr_p, n, elem, DP_MAX_CHILDREN);
}

static bool parse_num(const char *s, double *out)
{
    if (s == NULL)
        return false;
    char *end = NULL;
    double v = strtod(s, &end);
    while (end != NULL && isspace((unsigned char)*end))
        end++;
    if (end == s || end == NULL || *end != '\0' || v != v)
        return false;
    *out = v;
    return true;
}

/* Another spelling of a text column (HSDS 1.1, ORUK), read when the HSDS
 * 3.0 one is empty; a list of them ends with a NULL col. */
typedef struct dp_alt {
    size_t off;
    const char *col;
} dp_alt;

#define NCOLS(a) (sizeof(a) / sizeof *(a))

static char **field_at(void *rec, size_t off)
{
    return (char **)(void *)((char *)rec + off);
}

/* The text fields of an HSDS object (rec_str_fields) from the trimmed cells
 * of row r, then the other spellings of those still empty. */
static void fill_cols(void *rec, const csv_table *t, size_t r, rec_object o, const dp_alt *alt)
{
    for (const rec_strfield *f = rec_str_fields(o); f->key != NULL; f++)
        *field_at(rec, f->off) = dup_cell(t, r, f->key);
    for (; alt != NULL && alt->col != NULL; alt++)
        if (*field_at(rec, alt->off) == NULL)
            *field_at(rec, alt->off) = dup_cell(t, r, alt->col);
}

/* Does row r have a non-blank cell in column name? */
static bool filled(const csv_table *t, size_t r, const char *name)
{
    const char *s = get(t, r, name);
    return s != NULL && feed_trim(&s) > 0;
}

/* How the rows of one child table (phones, schedules, ...) become records
 * of an array in their parent. */
typedef struct dp_child {
    size_t elem;         /* the record's size */
    rec_object obj;      /* its text fields, id first */
    const dp_alt *alt;   /* their other spellings, or NULL */
    const char *need[4]; /* when set, a row with none of these filled is skipped */
    bool unique;         /* a row whose id the array already holds is skipped */
    /* What the columns cannot say (numbers, defaults); ctx is add_rows'. */
    void (*extra)(void *item, const csv_table *t, size_t r, void *ctx);
} dp_child;

/* The rows of t that ix files under key, as records appended to the array
 * (arr_p, n); with skip_with_service, rows that name a service are left to
 * that service. */
static void add_rows(void *arr_p, size_t *n, const dp_child *c, const csv_table *t,
                     const fk_index *ix, const char *key, bool skip_with_service, void *ctx)
{
    fk_rows w = fk_all(ix, key);
    size_t r;
    while (fk_next(&w, &r)) {
        if (skip_with_service && get(t, r, "service_id") != NULL)
            continue;
        bool want = c->need[0] == NULL;
        for (size_t k = 0; k < NCOLS(c->need) && c->need[k] != NULL && !want; k++)
            want = filled(t, r, c->need[k]);
        if (c->unique && want) {
            char *id = dup_cell(t, r, "id");
            const char *arr = *(char **)arr_p;
            for (size_t k = 0; id != NULL && k < *n && want; k++) {
                const char *old = *(char *const *)(const void *)(arr + k * c->elem);
                want = old == NULL || strcmp(old, id) != 0;
            }
            free(id);
        }
        if (!want)
            continue;
        void *item = push(arr_p, n, c->elem);
        if (item == NULL)
            return;
        fill_cols(item, t, r, c->obj, c->alt);
        if (c->extra != NULL)
            c->extra(item, t, r, ctx);
    }
}

/* The HSDS 3.0 example quotes its number ("""+44 ..."""). */
static void phone_extra(void *item, const csv_table *t, size_t r, void *ctx)
{
    (void)t, (void)r, (void)ctx;
    char *num = ((rec_phone *)item)->number;
    size_t l = strlen(num);
    if (l >= 2 && num[0] == '"' && num[l - 1] == '"') {
        memmove(num, num + 1, l - 2);
        num[l - 2] = '\0';
    }
}

static const dp_child phone_rows = {sizeof(rec_phone), REC_PHONE, NULL,
                                    {"number"}, false, phone_extra};

static const char *weekday_code(const char *w)
{
    static const char *const names[][2] = {
        {"monday", "MO"}, {"tuesday", "TU"}, {"wednesday", "WE"}, {"thursday", "TH"},
        {"friday", "FR"}, {"saturday", "SA"}, {"sunday", "SU"}, {"1", "MO"},
        {"2", "TU"}, {"3", "WE"}, {"4", "TH"}, {"5", "FR"}, {"6", "SA"}, {"7", "SU"},
        {"0", "SU"}};
    if (w == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(w, names[i][0]) == 0 || strcasecmp(w, names[i][1]) == 0 ||
            (strlen(w) == 3 && strncasecmp(w, names[i][0], 3) == 0))
            return names[i][1];
    return NULL;
}

static void schedule_extra(void *item, const csv_table *t, size_t r, void *ctx)
{
    (void)ctx;
    rec_schedule *s = item;
    double iv;
    if (parse_num(get(t, r, "interval"), &iv) && iv >= 0 && iv < 10000)
        s->interval = (int)iv;
    /* HSDS 1.1 regular_schedules: one weekday per row. */
    const char *wd = weekday_code(get(t, r, "weekday"));
    if (s->byday == NULL && wd != NULL) {
        s->byday = sp_strdup(wd);
        if (s->freq == NULL)
            s->freq = sp_strdup("WEEKLY");
    }
}

static const dp_child schedule_rows = {sizeof(rec_schedule), REC_SCHEDULE, NULL, {NULL}, true,
                                       schedule_extra};

static const dp_alt language_alt[] = {{offsetof(rec_language, name), "language"}, /* HSDS 1.1 */
                                     {0, NULL}};
static const dp_child language_rows = {sizeof(rec_language), REC_LANGUAGE, language_alt,
                                       {"name", "language", "code"}, false, NULL};

static void address_extra(void *item, const csv_table *t, size_t r, void *ctx)
{
    (void)t, (void)r, (void)ctx;
    rec_address *a = item;
    if (a->address_type == NULL)
        a->address_type = sp_strdup("physical");
}

static const dp_child address_rows = {sizeof(rec_address), REC_ADDRESS, NULL, {NULL}, false,
                                      address_extra};

/* Charity, company and UKPRN numbers (HSDS 3.0 organization_identifiers). */
static const dp_child identifier_rows = {sizeof(rec_identifier), REC_IDENTIFIER, NULL,
                                         {"identifier"}, false, NULL};

/* HSDS 1.1 */
static const dp_alt area_alt[] = {{offsetof(rec_service_area, name), "service_area"},
                                 {0, NULL}};
static const dp_child area_rows = {sizeof(rec_service_area), REC_AREA, area_alt,
                                   {NULL}, false, NULL};

static void cost_extra(void *item, const csv_table *t, size_t r, void *ctx)
{
    (void)ctx;
    rec_cost_option *c = item;
    c->has_amount = parse_num(get(t, r, "amount"), &c->amount);
}

static const dp_child cost_rows = {sizeof(rec_cost_option), REC_COST, NULL,
                                   {NULL}, false, cost_extra};

static const dp_child funding_rows = {sizeof(rec_funding), REC_FUNDING, NULL, {NULL}, false,
                                      NULL};

static const dp_alt term_alt[] = {
    {offsetof(rec_taxonomy_term, name), "term"},           /* ORUK's example */
    {offsetof(rec_taxonomy_term, taxonomy), "vocabulary"}, /* HSDS 1.1 */
    {offsetof(rec_taxonomy_term, version), "version"},     /* not a JSON key */
    {0, NULL}};

static void add_term(rec_service *rs, const pkg *p, const char *term_id)
{
    size_t tr;
    if (!fk_first(&p->term_id, term_id, &tr))
        return;
    for (size_t k = 0; k < rs->n_taxonomy_terms; k++)
        if (rs->taxonomy_terms[k].id != NULL && strcmp(rs->taxonomy_terms[k].id, term_id) == 0)
            return;
    rec_taxonomy_term *tt = push(&rs->taxonomy_terms, &rs->n_taxonomy_terms,
                                 sizeof *rs->taxonomy_terms);
    if (tt != NULL)
        fill_cols(tt, &p->t[T_TERM], tr, REC_TERM, term_alt);
}

/* HSDS 3.0 attributes link a term to the service (link_id); ctx is the
 * service. */
typedef struct attr_ctx {
    rec_service *rs;
    const pkg *p;
} attr_ctx;

static void attribute_extra(void *item, const csv_table *t, size_t r, void *ctx)
{
    const attr_ctx *a = ctx;
    const char *tid = get(t, r, "taxonomy_term_id");
    size_t tr;
    if (fk_first(&a->p->term_id, tid, &tr))
        fill_cols(&((rec_attribute *)item)->term, &a->p->t[T_TERM], tr, REC_TERM, term_alt);
    add_term(a->rs, a->p, tid);
}

static const dp_child attribute_rows = {sizeof(rec_attribute), REC_ATTRIBUTE, NULL, {NULL},
                                        false, attribute_extra};

static void fill_location(rec_location *l, const pkg *p, size_t lr, const char *sal_id)
{
    const csv_table *t = &p->t[T_LOCATION];
    const char *lid = get(t, lr, "id");
    fill_cols(l, t, lr, REC_LOCATION, NULL);
    double lat, lon;
    if (parse_num(get(t, lr, "latitude"), &lat) && parse_num(get(t, lr, "longitude"), &lon) &&
        lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
        l->latitude = lat;
        l->longitude = lon;
        l->has_coords = true;
    }
    add_rows(&l->addresses, &l->n_addresses, &address_rows, &p->t[T_ADDRESS],
             &p->addr_by_loc, lid, false, NULL);
    add_rows(&l->phones, &l->n_phones, &phone_rows, &p->t[T_PHONE], &p->phone_by_loc, lid,
             true, NULL);
    add_rows(&l->schedules, &l->n_schedules, &schedule_rows, &p->t[T_SCHEDULE],
             &p->sched_by_loc, lid, true, NULL);
    if (sal_id != NULL)
        add_rows(&l->schedules, &l->n_schedules, &schedule_rows, &p->t[T_SCHEDULE],
                 &p->sched_by_sal, sal_id, false, NULL);
    add_rows(&l->languages, &l->n_languages, &language_rows, &p->t[T_LANGUAGE],
             &p->lang_by_loc, lid, true, NULL);
}

static const dp_alt org_alt[] = {{offsetof(rec_organization, website), "url"}, /* HSDS 1.1 */
                                {0, NULL}};

static void fill_org(rec_organization *o, const pkg *p, const char *org_id)
{
    size_t r;
    if (!fk_first(&p->org_id, org_id, &r))
        return;
    const csv_table *t = &p->t[T_ORG];
    fill_cols(o, t, r, REC_ORGANIZATION, org_alt);
    double y;
    if (parse_num(get(t, r, "year_incorporated"), &y) && y > 1000 && y < 3000)
        o->year_incorporated = (int)y;
    add_rows(&o->phones, &o->n_phones, &phone_rows, &p->t[T_PHONE], &p->phone_by_org, org_id,
             true, NULL);
    add_rows(&o->identifiers, &o->n_identifiers, &identifier_rows, &p->t[T_ORG_ID],
             &p->orgid_by_org, org_id, false, NULL);
}

static const dp_alt service_alt[] = {{offsetof(rec_service, fees_description), "fees"},
                                    {0, NULL}};

static int build_service(const pkg *p, size_t sr, const char *url, rec_service *rs)
{
    const csv_table *t = &p->t[T_SERVICE];
    const char *sid = get(t, sr, "id");
    fill_cols(rs, t, sr, REC_SERVICE, service_alt);
    double a;
    if (parse_num(get(t, sr, "minimum_age"), &a) && a >= 0 && a < 200)
        rs->minimum_age = a;
    if (parse_num(get(t, sr, "maximum_age"), &a) && a >= 0 && a < 200)
        rs->maximum_age = a;

    fill_org(&rs->organization, p, get(t, sr, "organization_id"));

    /* Locations through service_at_location. */
    const csv_table *sal = &p->t[T_SAL];
    fk_rows w = fk_all(&p->sal_by_svc, sid);
    size_t r;
    while (fk_next(&w, &r)) {
        size_t lr;
        if (!fk_first(&p->loc_id, get(sal, r, "location_id"), &lr))
            continue;
        rec_location *l = push(&rs->locations, &rs->n_locations, sizeof *rs->locations);
        if (l == NULL)
            break;
        fill_location(l, p, lr, get(sal, r, "id"));
    }

    add_rows(&rs->phones, &rs->n_phones, &phone_rows, &p->t[T_PHONE], &p->phone_by_svc, sid,
             false, NULL);
    add_rows(&rs->schedules, &rs->n_schedules, &schedule_rows, &p->t[T_SCHEDULE],
             &p->sched_by_svc, sid, false, NULL);
    add_rows(&rs->languages, &rs->n_languages, &language_rows, &p->t[T_LANGUAGE],
             &p->lang_by_svc, sid, false, NULL);
    add_rows(&rs->service_areas, &rs->n_service_areas, &area_rows, &p->t[T_AREA],
             &p->area_by_svc, sid, false, NULL);
    add_rows(&rs->cost_options, &rs->n_cost_options, &cost_rows, &p->t[T_COST],
             &p->cost_by_svc, sid, false, NULL);
    add_rows(&rs->fundings, &rs->n_fundings, &funding_rows, &p->t[T_FUNDING], &p->fund_by_svc,
             sid, false, NULL);
    attr_ctx actx = {rs, p};
    add_rows(&rs->attributes, &rs->n_attributes, &attribute_rows, &p->t[T_ATTRIBUTE],
             &p->attr_by_link, sid, false, &actx);

    /* HSDS 1.1: services_taxonomy rows and the taxonomy_ids column. */
    const csv_table *ct = &p->t[T_SVC_TAX];
    w = fk_all(&p->svctax_by_svc, sid);
    while (fk_next(&w, &r))
        add_term(rs, p, get(ct, r, "taxonomy_id"));
    char *ids = dup_cell(t, sr, "taxonomy_ids");
    if (ids != NULL) {
        char *save = NULL;
        for (char *tok = strtok_r(ids, ", ;", &save); tok != NULL;
             tok = strtok_r(NULL, ", ;", &save))
            add_term(rs, p, tok);
        free(ids);
    }
    /* HSDS 1.1 eligibility.csv */
    ct = &p->t[T_ELIGIBILITY];
    if (rs->eligibility_description == NULL && fk_first(&p->elig_by_svc, sid, &r))
        rs->eligibility_description = dup_cell(ct, r, "eligibility");

    rs->prov.source_url = sp_strdup(url);
    rs->prov.local_id = sid != NULL ? sp_strdup(sid) : sp_printf("row-%zu", sr + 1);
    char id[37];
    rec_make_id(url != NULL ? url : "file", rs->prov.local_id ? rs->prov.local_id : "row", id);
    free(rs->id); /* the id column's, filled with the other fields */
    rs->id = sp_strdup(id);
    return SP_OK;
}

/* ======================================================================
 * The descriptor and resources
 * ====================================================================== */

static bool safe_path(const char *path)
{
    if (path == NULL || *path == '\0' || path[0] == '/' || path[0] == '\\' ||
        strchr(path, '\0') - path > 1024)
        return false;
    if (strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0)
        return true;
    if (strchr(path, ':') != NULL) /* C:\..., file:, data: */
        return false;
    for (const char *p = path; *p; p++)
        if (p[0] == '.' && p[1] == '.' && (p == path || p[-1] == '/' || p[-1] == '\\') &&
            (p[2] == '/' || p[2] == '\\' || p[2] == '\0'))
            return false;
    return true;
}

/* Inline resource data -> a table: an array of objects, or of arrays with
 * the header first. */
static int table_from_inline(json_t *data, csv_table *t, sp_err *err)
{
    memset(t, 0, sizeof *t);
    size_t n = json_array_size(data);
    if (n == 0)
        return SP_OK;
    csv_row row = {0};
    int rc = SP_OK;
    json_t *first = json_array_get(data, 0);
    json_t *keys = NULL;
    if (json_is_object(first)) {
        keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(first, k, v) json_array_append_new(keys, json_string(k));
    }
    for (size_t i = 0; i < (keys ? n + 1 : n) && rc == SP_OK; i++) {
        json_t *r = keys ? (i == 0 ? keys : json_array_get(data, i - 1)) : json_array_get(data, i);
        size_t nc = keys ? json_array_size(keys) : json_array_size(r);
        for (size_t c = 0; c < nc && c < DP_MAX_COLS; c++) {
            json_t *v = keys && i > 0 ? json_object_get(r, json_string_value(json_array_get(keys, c)))
                                      : json_array_get(r, c);
            sp_buf f = {0};
            if (json_is_string(v))
                sp_buf_puts(&f, json_string_value(v));
            else if (json_is_integer(v))
                sp_buf_printf(&f, "%lld", (long long)json_integer_value(v));
            else if (json_is_real(v))
                sp_buf_printf(&f, "%.10g", json_real_value(v));
            else if (json_is_boolean(v))
                sp_buf_puts(&f, json_is_true(v) ? "true" : "false");
            if (row_push(&row, &f) != SP_OK)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
        }
        if (rc == SP_OK)
            rc = table_add(t, &row, err);
    }
    row_clear(&row);
    free(row.f);
    json_decref(keys);
    return rc;
}

/* Add one resource's URL to out, or keep why it was refused in *first. */
static void resource_link(const char *url, const char *path, feed_output *out, sp_err *first,
                          int *rc)
{
    sp_err e = {0};
    char *u = feed_resolve_resource(url, path, &e);
    if (u == NULL) {
        if (*rc == SP_OK)
            *rc = sp_fail(first, SP_EINVAL, "%s", e.msg);
        return;
    }
    feed_add_link(out, u, FEED_LINK_DETAIL, 0, -1);
    free(u);
}

int feed_datapackage_resources(const char *body, size_t len, const char *url,
                               feed_output *out, sp_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return sp_fail(err, SP_EPARSE, "datapackage.json line %d: %s", je.line, je.text);
    int rc = SP_OK;
    json_t *res = json_object_get(root, "resources");
    size_t i, j;
    json_t *r, *p;
    json_array_foreach(res, i, r) {
        if (i >= DP_MAX_RESOURCES)
            break;
        json_t *path = json_object_get(r, "path");
        if (json_is_string(path))
            resource_link(url, json_string_value(path), out, err, &rc);
        json_array_foreach(json_is_array(path) ? path : NULL, j, p) {
            if (json_is_string(p))
                resource_link(url, json_string_value(p), out, err, &rc);
        }
    }
    json_decref(root);
    return rc;
}

int feed_read_datapackage(const char *body, size_t len, const char *url,
                          feed_fetch_fn fetch, void *ctx, feed_output *out,
                          sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read_datapackage", "datapackage.json", err);
    if (chk != SP_OK)
        return chk;
    json_error_t je;
    json_t *dp = json_loadb(body != NULL ? body : "", len, 0, &je);
    if (!json_is_object(dp)) {
        json_decref(dp);
        return sp_fail(err, SP_EPARSE, "datapackage.json is not a JSON object (line %d: %s)",
                       je.line, je.text);
    }
    json_t *res = json_object_get(dp, "resources");
    if (!json_is_array(res)) {
        json_decref(dp);
        return sp_fail(err, SP_EPARSE, "datapackage.json has no \"resources\" array");
    }
    free(out->version);
    out->version = json_is_string(json_object_get(dp, "version"))
                       ? sp_strdup(json_string_value(json_object_get(dp, "version")))
                       : NULL;
    if (out->title == NULL && json_is_string(json_object_get(dp, "title")))
        out->title = sp_strdup(json_string_value(json_object_get(dp, "title")));

    pkg *p = calloc(1, sizeof *p);
    if (p == NULL) {
        json_decref(dp);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    int rc = SP_OK;
    size_t nres = json_array_size(res);
    if (nres > DP_MAX_RESOURCES)
        nres = DP_MAX_RESOURCES;
    for (size_t i = 0; i < nres && rc == SP_OK; i++) {
        json_t *r = json_array_get(res, i);
        const char *name = json_string_value(json_object_get(r, "name"));
        json_t *pathv = json_object_get(r, "path");
        if (json_is_array(pathv))
            pathv = json_array_get(pathv, 0); /* multi-part: the first part */
        const char *path = json_string_value(pathv);
        int kind = name != NULL ? table_of(name) : -1;
        if (kind < 0 && path != NULL)
            kind = table_of(path);
        if (kind < 0 || p->have[kind])
            continue;
        /* HSDS 3.0's "taxonomy" resource is the list of taxonomies, not
         * terms; HSDS 1.1's "taxonomy" holds the terms. */
        if (kind == T_TERM && name != NULL && strcasecmp(name, "taxonomy") == 0 &&
            path != NULL && strstr(path, "taxonomies") != NULL)
            continue;
        json_t *data = json_object_get(r, "data");
        sp_err e2 = {0};
        int r2;
        if (json_is_array(data)) {
            r2 = table_from_inline(data, &p->t[kind], &e2);
        } else if (fetch != NULL && path != NULL) {
            if (!safe_path(path)) {
                rc = sp_fail(err, SP_EINVAL,
                             "resource path \"%.200s\" is absolute or leaves the package; "
                             "refused", path);
                break;
            }
            char *rb = NULL;
            size_t rl = 0;
            r2 = fetch(ctx, path, &rb, &rl, &e2);
            if (r2 == SP_OK) {
                if (rl > FEED_MAX_BODY)
                    r2 = sp_fail(&e2, SP_ELIMIT, "over %u bytes", FEED_MAX_BODY);
                else
                    r2 = csv_parse(rb != NULL ? rb : "", rl, &p->t[kind], &e2);
            }
            free(rb);
        } else {
            continue;
        }
        if (r2 != SP_OK) {
            /* A missing optional table loses its detail, not the package;
             * the services table itself is required. */
            if (kind == T_SERVICE || r2 == SP_ENOMEM) {
                rc = sp_fail(err, r2, "resource %s: %s", path ? path : name, e2.msg);
                break;
            }
        }
        p->have[kind] = true;
    }
    if (rc == SP_OK && !p->have[T_SERVICE])
        rc = sp_fail(err, SP_EPARSE,
                     "data package has no readable services resource (services.csv)");
    if (rc == SP_OK) {
        pkg_index(p);
        const csv_table *st = &p->t[T_SERVICE];
        for (size_t r = 0; r < st->nrows && rc == SP_OK; r++) {
            rec_service rs;
            rec_service_init(&rs);
            build_service(p, r, url, &rs);
            feed_rec_to_text(&rs); /* cells may hold HTML and entities */
            if (rs.name == NULL) {
                rec_service_free(&rs);
                continue;
            }
            rc = feed_add_rec(out, &rs);
            rec_service_free(&rs);
            if (rc != SP_OK)
                sp_fail(err, rc, "data package: output limit reached at service %zu", r + 1);
        }
        out->total_items = (long)st->nrows;
    }
    pkg_free(p);
    free(p);
    json_decref(dp);
    return rc;
}

/* The CSV parser, exposed for the fuzzer and tests (see feed.h). */
int feed_csv_parse(const char *body, size_t len, json_t **rows, sp_err *err)
{
    csv_table t;
    if (rows != NULL)
        *rows = NULL;
    if (len > FEED_MAX_BODY)
        return sp_fail(err, SP_ELIMIT, "CSV is %zu bytes, over the %u byte limit", len,
                       FEED_MAX_BODY);
    int rc = csv_parse(body != NULL ? body : "", body != NULL ? len : 0, &t, err);
    if (rows != NULL) {
        json_t *a = json_array();
        json_t *h = json_array();
        for (size_t c = 0; c < t.ncols; c++)
            json_array_append_new(h, json_string(t.head[c]));
        json_array_append_new(a, h);
        for (size_t r = 0; r < t.nrows; r++) {
            json_t *row = json_array();
            for (size_t c = 0; c < t.ncols; c++) {
                const char *v = cell(&t, r, (int)c);
                json_t *jv = v != NULL ? json_stringn(v, strlen(v)) : json_null();
                json_array_append_new(row, jv != NULL ? jv : json_null());
            }
            json_array_append_new(a, row);
        }
        *rows = a;
    }
    csv_free(&t);
    return rc;
}
