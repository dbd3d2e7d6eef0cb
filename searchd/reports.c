/*
 * reports.c - STORE/reports.db: the public's problem reports about a
 * listing, the hub's review of them and the editors' corrections (see
 * reports.h).  Version 1 of the schema; a database made by a newer
 * Signpost is refused rather than guessed at.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corrections.h"
#include "reports.h"

struct rpt_db {
    sqlite3 *db;
    pthread_mutex_t mu;
};

static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS reports("
    " id INTEGER PRIMARY KEY, at INTEGER NOT NULL, service_id TEXT NOT NULL,"
    " service_name TEXT, kind TEXT NOT NULL, details TEXT NOT NULL, contact TEXT,"
    " source TEXT, source_url TEXT, fetched_at INTEGER,"
    " status TEXT NOT NULL DEFAULT 'open', handled_at INTEGER, handled_by TEXT,"
    " outcome TEXT);"
    "CREATE INDEX IF NOT EXISTS reports_status ON reports(status, id);"
    "CREATE TABLE IF NOT EXISTS corrections("
    " service_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,"
    " at INTEGER NOT NULL, by TEXT NOT NULL, report_id INTEGER,"
    " PRIMARY KEY(service_id, field));"
    "PRAGMA user_version=1;";

const char *const rpt_kinds[] = {"phone", "address", "hours", "website", "closed",
                                 "eligibility", "other", NULL};

bool rpt_kind_valid(const char *s)
{
    for (size_t i = 0; s && rpt_kinds[i]; i++)
        if (!strcmp(s, rpt_kinds[i]))
            return true;
    return false;
}

bool rpt_field_valid(const char *field, const char *value)
{
    if (!field || !value)
        return false;
    if (!strcmp(field, "status"))
        return !*value || !strcmp(value, "closed") || !strcmp(value, "open");
    return !strcmp(field, "phone") || !strcmp(field, "email") || !strcmp(field, "website");
}

static int db_fail(rpt_db *db, sp_err *err)
{
    return sp_fail(err, SP_EIO, "reports database: %s", sqlite3_errmsg(db->db));
}

int rpt_open(const char *store_dir, rpt_db **out, sp_err *err)
{
    *out = NULL;
    char *path = sp_printf("%s/%s", store_dir, RPT_DB_NAME);
    rpt_db *db = path ? calloc(1, sizeof *db) : NULL;
    if (!db) {
        free(path);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&db->mu, NULL);
    int rc = SP_OK;
    if (sqlite3_open_v2(path, &db->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "cannot open %s: %s", path,
                     db->db ? sqlite3_errmsg(db->db) : "out of memory");
    } else {
        sqlite3_busy_timeout(db->db, 5000);
        sqlite3_stmt *st = NULL;
        int version = -1;
        if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        char *msg = NULL;
        if (version < 0)
            rc = db_fail(db, err);
        else if (version > RPT_SCHEMA_VERSION)
            rc = sp_fail(err, SP_EINVAL,
                         "%s has schema version %d; this Signpost knows up to %d: use a newer "
                         "signpost",
                         path, version, RPT_SCHEMA_VERSION);
        else if (sqlite3_exec(db->db, schema_v1, NULL, NULL, &msg) != SQLITE_OK)
            rc = sp_fail(err, SP_EIO, "reports database %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
    }
    free(path);
    return SP_HAND_OVER(rc, db, out, rpt_close);
}

void rpt_close(rpt_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    pthread_mutex_destroy(&db->mu);
    free(db);
}

/* Bind text (NULL stays NULL) or an integer: fmt is 't' or 'i' per
 * parameter. */
static sqlite3_stmt *prep(rpt_db *db, sp_err *err, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(db, err);
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't') {
            const char *t = va_arg(ap, const char *);
            if (t)
                sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        }
    }
    va_end(ap);
    return st;
}

static int step_done(rpt_db *db, sqlite3_stmt *st, sp_err *err)
{
    int rc = st && sqlite3_step(st) == SQLITE_DONE ? SP_OK : st ? db_fail(db, err) : SP_EIO;
    sqlite3_finalize(st);
    return rc;
}

int rpt_add(rpt_db *db, const rpt_report *in, int64_t *id, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err,
                            "INSERT INTO reports(at,service_id,service_name,kind,details,"
                            "contact,source,source_url,fetched_at) VALUES(?,?,?,?,?,?,?,?,?)",
                            "itttttttt", (int64_t)time(NULL), in->service_id, in->service_name,
                            in->kind, in->details ? in->details : "",
                            in->contact && *in->contact ? in->contact : NULL, in->source,
                            in->source_url, NULL);
    if (st && in->fetched_at > 0)
        sqlite3_bind_int64(st, 9, in->fetched_at);
    int rc = step_done(db, st, err);
    if (rc == SP_OK && id)
        *id = sqlite3_last_insert_rowid(db->db);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_TEXT: return json_string((const char *)sqlite3_column_text(st, i));
    default: return json_null();
    }
}

/* Every row of a statement as an object of its columns. */
static json_t *rows_json(rpt_db *db, sqlite3_stmt *st, sp_err *err)
{
    json_t *rows = json_array();
    int src;
    while (rows && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; o && i < sqlite3_column_count(st); i++)
            json_object_set_new(o, sqlite3_column_name(st, i), col_json(st, i));
        json_array_append_new(rows, o);
    }
    if (rows && src != SQLITE_DONE) {
        json_decref(rows);
        rows = NULL;
        db_fail(db, err);
    }
    sqlite3_finalize(st);
    return rows;
}

json_t *rpt_list(rpt_db *db, const char *status, size_t limit, sp_err *err)
{
    if (!limit || limit > RPT_MAX_LIST)
        limit = RPT_MAX_LIST;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err,
                            "SELECT id,at,service_id,service_name,kind,details,contact,source,"
                            "source_url,fetched_at,status,handled_at,handled_by,outcome FROM "
                            "reports WHERE ?1 IS NULL OR status=?1 ORDER BY id DESC LIMIT ?2",
                            "ti", status, (int64_t)limit);
    json_t *rows = st ? rows_json(db, st, err) : NULL;
    pthread_mutex_unlock(&db->mu);
    return rows;
}

size_t rpt_count_open(rpt_db *db)
{
    size_t n = 0;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, NULL, "SELECT count(*) FROM reports WHERE status='open'", "");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->mu);
    return n;
}

int rpt_service_of(rpt_db *db, int64_t id, char *out, size_t size, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err, "SELECT service_id FROM reports WHERE id=?", "i", id);
    int rc = SP_EIO;
    if (st) {
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
            rc = SP_OK;
        } else {
            rc = src == SQLITE_DONE ? sp_fail(err, SP_ENOTFOUND, "no report %lld", (long long)id)
                                    : db_fail(db, err);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int rpt_handle(rpt_db *db, int64_t id, const char *by, const char *outcome, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err,
                            "UPDATE reports SET status='handled', handled_at=?, handled_by=?,"
                            " outcome=? WHERE id=?",
                            "itti", (int64_t)time(NULL), by, outcome, id);
    int rc = step_done(db, st, err);
    if (rc == SP_OK && sqlite3_changes(db->db) == 0)
        rc = sp_fail(err, SP_ENOTFOUND, "no report %lld", (long long)id);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int rpt_correct(rpt_db *db, const char *service_id, const char *field, const char *value,
                const char *by, int64_t report_id, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st =
        *value ? prep(db, err,
                      "INSERT INTO corrections(service_id,field,value,at,by,report_id) "
                      "VALUES(?,?,?,?,?,?) ON CONFLICT(service_id,field) DO UPDATE SET "
                      "value=excluded.value, at=excluded.at, by=excluded.by, "
                      "report_id=excluded.report_id",
                      "tttiti", service_id, field, value, (int64_t)time(NULL), by, report_id)
               : prep(db, err, "DELETE FROM corrections WHERE service_id=? AND field=?", "tt",
                      service_id, field);
    if (st && *value && !report_id)
        sqlite3_bind_null(st, 6);
    int rc = step_done(db, st, err);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

json_t *rpt_corrections(rpt_db *db, const char *service_id, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err,
                            "SELECT service_id,field,value,at,by,report_id FROM corrections "
                            "WHERE ?1 IS NULL OR service_id=?1 ORDER BY at DESC, service_id, "
                            "field LIMIT 5000",
                            "t", service_id);
    json_t *rows = st ? rows_json(db, st, err) : NULL;
    pthread_mutex_unlock(&db->mu);
    return rows;
}

size_t rpt_apply(rpt_db *db, rec_service *rec)
{
    if (!db || !rec || !rec->id)
        return 0;
    json_t *rows = rpt_corrections(db, rec->id, NULL);
    size_t n = 0, i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (corr_lay(rec, json_string_value(json_object_get(row, "field")),
                     json_string_value(json_object_get(row, "value"))) == 1)
            n++;
    }
    json_decref(rows);
    return n;
}
