/*
 * corrections.c - the editors' corrections laid over the index (see
 * corrections.h).  A correction names a field; it sets one or two slots of
 * the record (phone: the service's first number; website: url; a "closed"
 * mark: status and alert).  The index's metadata keeps, per service and
 * slot, {"orig": crawled value or null, "applied": value laid over}.
 */
#include "corrections.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define META_KEY "corrections"
#define REPORTS_DB "reports.db" /* searchd/reports.h, RPT_DB_NAME */
#define MAX_ROWS 100000

/* The slots a record can have corrected. */
static const char *const slots[] = {"phone", "email", "url", "status", "alert", NULL};

static const char *slot_get(const rec_service *r, const char *slot)
{
    if (!strcmp(slot, "phone"))
        return r->n_phones ? r->phones[0].number : NULL;
    if (!strcmp(slot, "email"))
        return r->email;
    if (!strcmp(slot, "url"))
        return r->url;
    if (!strcmp(slot, "status"))
        return r->status;
    return r->alert;
}

static int set_str(char **slot, const char *value)
{
    char *v = NULL;
    if (value && !(v = sp_strdup(value)))
        return SP_ENOMEM;
    free(*slot);
    *slot = v;
    return SP_OK;
}

/* value NULL takes the slot away (a phone laid over a record that had
 * none goes again with the correction). */
static int slot_set(rec_service *r, const char *slot, const char *value)
{
    if (strcmp(slot, "phone"))
        return set_str(!strcmp(slot, "email") ? &r->email
                       : !strcmp(slot, "url") ? &r->url
                       : !strcmp(slot, "status") ? &r->status
                                                 : &r->alert,
                       value);
    if (!r->n_phones) {
        if (!value)
            return SP_OK;
        r->phones = calloc(1, sizeof *r->phones);
        if (!r->phones)
            return SP_ENOMEM;
        r->n_phones = 1;
    }
    rec_phone *p = &r->phones[0];
    if (!value && r->n_phones == 1 && !p->id && !p->extension && !p->type && !p->description) {
        free(p->number);
        free(r->phones);
        r->phones = NULL;
        r->n_phones = 0;
        return SP_OK;
    }
    return set_str(&p->number, value);
}

/* The slots one correction sets, as {slot: value}; NULL for an unknown
 * field or value. */
static json_t *slots_of(const char *field, const char *value)
{
    if (!field || !value || !*value)
        return NULL;
    if (!strcmp(field, "phone") || !strcmp(field, "email"))
        return json_pack("{s:s}", field, value);
    if (!strcmp(field, "website"))
        return json_pack("{s:s}", "url", value);
    if (!strcmp(field, "status") && !strcmp(value, "closed"))
        return json_pack("{s:s,s:s}", "status", "inactive", "alert", CORR_CLOSED_ALERT);
    if (!strcmp(field, "status") && !strcmp(value, "open"))
        return json_pack("{s:s}", "status", "active");
    return NULL;
}

int corr_lay(rec_service *r, const char *field, const char *value)
{
    json_t *set = slots_of(field, value);
    if (!set)
        return 0;
    int rc = 1;
    const char *slot;
    json_t *v;
    json_object_foreach(set, slot, v)
    {
        if (slot_set(r, slot, json_string_value(v)) != SP_OK)
            rc = SP_ENOMEM;
    }
    json_decref(set);
    return rc;
}

/* Every correction in STORE/reports.db as {service id: {slot: value}}.
 * *out is {} without a reports.db. */
static int load(const char *store_dir, json_t **out, sp_err *err)
{
    *out = NULL;
    char *path = sp_printf("%s/%s", store_dir, REPORTS_DB);
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    if (access(path, F_OK) != 0) {
        free(path);
        *out = json_object();
        return *out ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = SP_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, SP_STORE_BUSY_MS) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT service_id, field, value FROM corrections "
                           "ORDER BY service_id, at",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "reading %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
    } else {
        json_t *all = json_object();
        int src = SQLITE_DONE;
        size_t n = 0;
        while (all && n++ < MAX_ROWS && (src = sqlite3_step(st)) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(st, 0);
            json_t *set = slots_of((const char *)sqlite3_column_text(st, 1),
                                   (const char *)sqlite3_column_text(st, 2));
            if (!id || !set) {
                json_decref(set);
                continue;
            }
            json_t *have = json_object_get(all, id);
            if (have)
                json_object_update(have, set);
            else
                json_object_set(all, id, set);
            json_decref(set);
        }
        if (!all)
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        else if (n <= MAX_ROWS && src != SQLITE_DONE)
            rc = sp_fail(err, SP_EIO, "reading %s: %s", path, sqlite3_errmsg(db));
        if (rc == SP_OK)
            *out = all;
        else
            json_decref(all);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
    return rc;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* Lay want ({slot: value}, may be NULL: withdrawn) over r, given what was
 * laid before (had: {slot: {orig, applied}}, may be NULL).  *now gets the
 * new bookkeeping (NULL when nothing is corrected any more); returns 1
 * when r changed, 0 when not, SP_ENOMEM. */
static int lay_service(rec_service *r, json_t *want, json_t *had, json_t **now)
{
    *now = NULL;
    json_t *book = json_object();
    if (!book)
        return SP_ENOMEM;
    int changed = 0;
    for (size_t i = 0; slots[i]; i++) {
        const char *slot = slots[i];
        json_t *w = json_object_get(want, slot);
        json_t *h = json_object_get(had, slot);
        if (!w && !h)
            continue;
        const char *cur = slot_get(r, slot);
        /* Holding what was laid over it: not indexed again since, and the
         * crawled value is the one kept; otherwise cur is the crawled value. */
        const char *orig = h && same(cur, json_string_value(json_object_get(h, "applied")))
                               ? json_string_value(json_object_get(h, "orig"))
                               : cur;
        const char *target = w ? json_string_value(w) : orig;
        json_t *entry = w ? json_pack("{s:o,s:s}", "orig", orig ? json_string(orig) : json_null(),
                                      "applied", target)
                          : NULL;
        if (w && (!entry || json_object_set_new(book, slot, entry) != 0)) {
            json_decref(book);
            return SP_ENOMEM;
        }
        if (!same(cur, target)) {
            char *keep = target ? sp_strdup(target) : NULL; /* target may be cur's */
            if ((target && !keep) || slot_set(r, slot, keep) != SP_OK) {
                free(keep);
                json_decref(book);
                return SP_ENOMEM;
            }
            free(keep);
            changed = 1;
        }
    }
    if (json_object_size(book))
        *now = book;
    else
        json_decref(book);
    return changed;
}

int corr_reconcile(idx *ix, const char *store_dir, int64_t now, corr_stats *st, sp_err *err)
{
    memset(st, 0, sizeof *st);
    json_t *want = NULL;
    sp_err le = {0};
    if (load(store_dir, &want, &le) != SP_OK) {
        fprintf(stderr, "signpost index: corrections left as they were: %s\n", le.msg);
        return SP_OK;
    }
    char *text = NULL;
    int rc = idx_meta_get(ix, META_KEY, &text, err);
    json_t *had = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!json_is_object(had)) {
        json_decref(had);
        had = json_object();
    }
    json_t *book = json_object();
    json_t *ids = json_object(); /* every service to look at */
    if (rc == SP_OK && (!had || !book || !ids || json_object_update(ids, had) ||
                        json_object_update(ids, want)))
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    st->corrected = json_object_size(want);
    const char *id;
    json_t *unused;
    json_object_foreach(ids, id, unused)
    {
        if (rc != SP_OK)
            break;
        rec_service r;
        int grc = idx_get(ix, id, &r, err);
        if (grc == SP_ENOTFOUND) { /* laid over again when it is indexed */
            sp_err_clear(err);
            continue;
        }
        if (grc != SP_OK) {
            rc = grc;
            break;
        }
        json_t *w = json_object_get(want, id), *mine = NULL;
        int changed = lay_service(&r, w, json_object_get(had, id), &mine);
        if (changed < 0) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        } else if (changed) {
            r.prov.last_changed = now; /* the change feed reports it */
            rc = idx_put(ix, &r, err);
            st->written++;
            if (!w)
                st->restored++;
        }
        if (mine)
            json_object_set_new(book, id, mine);
        rec_service_free(&r);
    }
    if (rc == SP_OK && !json_equal(book, had)) {
        char *out = json_dumps(book, JSON_COMPACT | JSON_SORT_KEYS);
        rc = out ? idx_meta_set(ix, META_KEY, out, err) : sp_fail(err, SP_ENOMEM, "out of memory");
        free(out);
    }
    json_decref(ids);
    json_decref(book);
    json_decref(had);
    json_decref(want);
    return rc;
}
