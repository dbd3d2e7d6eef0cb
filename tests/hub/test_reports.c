/*
 * test_reports.c - the store behind "report a problem with this listing"
 * (searchd/reports.h), without HTTP: a report keeps the record's
 * provenance and leaves the open queue when handled; a correction is laid
 * over a record as crawled (a phone where it had none, a "closed" mark),
 * replaces an earlier one, is still there when the database is opened
 * again (as after a restart or a recrawl, which never touch it), and is
 * withdrawn by an empty value; a database with a newer schema version is
 * refused rather than guessed at.  And the indexer's side
 * (indexer/corrections.h): corr_reconcile lays the corrections over the
 * indexed record, does nothing when run again, corrects a record indexed
 * again from its source (a recrawl), follows a changed correction and gives
 * the crawled value back when a correction is withdrawn.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/tcheck.h"
#include "corrections.h"
#include "idx.h"
#include "reports.h"

#define SID "11111111-1111-4111-8111-000000000001"

static rec_service crawled(void)
{
    rec_service r;
    memset(&r, 0, sizeof r);
    r.id = sp_strdup(SID);
    r.name = sp_strdup("Job club");
    r.status = sp_strdup("active");
    r.minimum_age = r.maximum_age = -1;
    return r;
}


/* The indexed record of SID (freed by the caller). */
static rec_service indexed(idx *ix)
{
    rec_service r;
    sp_err err = {0};
    if (idx_get(ix, SID, &r, &err) != SP_OK) {
        fprintf(stderr, "idx_get: %s\n", err.msg);
        exit(1);
    }
    return r;
}

/* One index run's part: in a batch, as ingest.c calls it. */
static int reconcile(idx *ix, const char *dir, int64_t now, corr_stats *st)
{
    sp_err err = {0};
    int rc = idx_begin(ix, &err);
    if (rc == SP_OK)
        rc = corr_reconcile(ix, dir, now, st, &err);
    if (rc == SP_OK)
        rc = idx_commit(ix, &err);
    if (rc != SP_OK)
        fprintf(stderr, "reconcile: %s\n", err.msg);
    return rc;
}

/* The indexer's side: reconcile the index with reports.db. */
static void reconciled(const char *dir, rpt_db *db)
{
    sp_err err = {0};
    char path[256];
    snprintf(path, sizeof path, "%s/index", dir);
    idx *ix = NULL;
    CHECK(idx_open_write(path, &ix, &err) == SP_OK);
    rec_service r = crawled();
    r.phones = calloc(1, sizeof *r.phones);
    r.phones[0].number = sp_strdup("020 7946 0100");
    r.n_phones = 1;
    CHECK(idx_put(ix, &r, &err) == SP_OK);
    corr_stats st;
    CHECK(rpt_correct(db, SID, "phone", "", "ed", 0, &err) == SP_OK);
    /* nothing corrected: nothing written */
    CHECK(reconcile(ix, dir, 5, &st) == SP_OK && st.written == 0 && st.corrected == 0);
    CHECK(rpt_correct(db, SID, "phone", "020 7946 0999", "ed", 0, &err) == SP_OK);
    CHECK(rpt_correct(db, SID, "status", "closed", "ed", 0, &err) == SP_OK);
    CHECK(reconcile(ix, dir, 6, &st) == SP_OK && st.written == 1 && st.corrected == 1);
    rec_service got = indexed(ix);
    CHECK_STR(got.phones[0].number, "020 7946 0999");
    CHECK_STR(got.status, "inactive");
    CHECK_STR(got.alert, CORR_CLOSED_ALERT);
    CHECK(got.prov.last_changed == 6);
    rec_service_free(&got);
    /* again: nothing to do */
    CHECK(reconcile(ix, dir, 7, &st) == SP_OK && st.written == 0);
    /* indexed again from its source (a recrawl or a rebuild): corrected again */
    CHECK(idx_put(ix, &r, &err) == SP_OK);
    CHECK(reconcile(ix, dir, 8, &st) == SP_OK && st.written == 1);
    got = indexed(ix);
    CHECK_STR(got.phones[0].number, "020 7946 0999");
    CHECK_STR(got.status, "inactive");
    rec_service_free(&got);
    /* a changed correction, then withdrawn: the crawled value comes back */
    CHECK(rpt_correct(db, SID, "phone", "020 7946 0555", "ed", 0, &err) == SP_OK);
    CHECK(reconcile(ix, dir, 9, &st) == SP_OK && st.written == 1);
    got = indexed(ix);
    CHECK_STR(got.phones[0].number, "020 7946 0555");
    rec_service_free(&got);
    CHECK(rpt_correct(db, SID, "phone", "", "ed", 0, &err) == SP_OK);
    CHECK(rpt_correct(db, SID, "status", "", "ed", 0, &err) == SP_OK);
    CHECK(reconcile(ix, dir, 10, &st) == SP_OK && st.written == 1 && st.restored == 1);
    got = indexed(ix);
    CHECK_STR(got.phones[0].number, "020 7946 0100");
    CHECK_STR(got.status, "active");
    CHECK(got.alert == NULL);
    rec_service_free(&got);
    CHECK(reconcile(ix, dir, 11, &st) == SP_OK && st.written == 0);
    rec_service_free(&r);
    idx_close(ix);
}

int main(void)
{
    char dir[] = "/tmp/signpost-reports-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    sp_err err = {0};
    rpt_db *db = NULL;
    CHECK(rpt_open(dir, &db, &err) == SP_OK);
    rpt_report in = {SID, "Job club", "phone", "new number", "me@example.org",
                     "acme", "http://127.0.0.1/job-club", 1700000000};
    int64_t id = 0;
    CHECK(rpt_add(db, &in, &id, &err) == SP_OK && id > 0);
    CHECK(rpt_count_open(db) == 1);
    json_t *rows = rpt_list(db, "open", 10, &err);
    json_t *row = json_array_get(rows, 0);
    CHECK_STR(json_string_value(json_object_get(row, "source_url")), "http://127.0.0.1/job-club");
    CHECK(json_integer_value(json_object_get(row, "fetched_at")) == 1700000000);
    json_decref(rows);
    CHECK(!rpt_kind_valid("colour") && rpt_kind_valid("closed"));
    CHECK(!rpt_field_valid("name", "x") && !rpt_field_valid("status", "gone") &&
          rpt_field_valid("status", "closed") && rpt_field_valid("phone", ""));

    CHECK(rpt_correct(db, SID, "phone", "020 7946 0001", "ed", id, &err) == SP_OK);
    CHECK(rpt_correct(db, SID, "phone", "020 7946 0999", "ed", id, &err) == SP_OK);
    CHECK(rpt_correct(db, SID, "status", "closed", "ed", 0, &err) == SP_OK);
    CHECK(rpt_handle(db, id, "ed", "phone=020 7946 0999", &err) == SP_OK);
    CHECK(rpt_handle(db, id + 100, "ed", "x", &err) == SP_ENOTFOUND);
    CHECK(rpt_count_open(db) == 0);
    rpt_close(db);

    /* opened again: the corrections are still there */
    CHECK(rpt_open(dir, &db, &err) == SP_OK);
    rec_service r = crawled();
    CHECK(rpt_apply(db, &r) == 2);
    CHECK(r.n_phones == 1);
    CHECK_STR(r.n_phones ? r.phones[0].number : NULL, "020 7946 0999");
    CHECK_STR(r.status, "inactive");
    CHECK(r.alert && strstr(r.alert, "closed"));
    rec_service_free(&r);
    json_t *all = rpt_corrections(db, NULL, &err);
    CHECK(json_array_size(all) == 2);
    json_decref(all);
    CHECK(rpt_correct(db, SID, "status", "", "ed", 0, &err) == SP_OK);
    r = crawled();
    CHECK(rpt_apply(db, &r) == 1);
    CHECK_STR(r.status, "active");
    rec_service_free(&r);
    reconciled(dir, db);
    rpt_close(db);

    /* a newer schema is refused */
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, RPT_DB_NAME);
    sqlite3 *raw = NULL;
    CHECK(sqlite3_open(path, &raw) == SQLITE_OK &&
          sqlite3_exec(raw, "PRAGMA user_version=2", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(raw);
    db = NULL;
    CHECK(rpt_open(dir, &db, &err) == SP_EINVAL && db == NULL && strstr(err.msg, "version 2"));

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return t_done("reports");
}
