/*
 * test_indexer.c - importing local files (indexer.h): a folder with good,
 * broken and ignored files is walked; broken files are skipped while the
 * rest is indexed and enriched; ids are stable so a re-import replaces
 * rather than duplicates, and keeps when a record was first seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "rec.h"
#include "sp.h"
#include "../core/tcheck.h"



static size_t total_for(idx *ix, const char *q)
{
    idx_query qq;
    idx_query_init(&qq);
    qq.q = q;
    idx_result res;
    sp_err err = {0};
    if (idx_search(ix, &qq, &res, &err) != SP_OK) {
        CHECK(0, "search %s: %s", q, err.msg);
        return 0;
    }
    size_t t = res.total;
    idx_result_free(&res);
    return t;
}

int main(void)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    char dir[4096], ndjson[4200];
    snprintf(dir, sizeof dir, "%s/tests/indexer/data/import", src ? src : ".");
    snprintf(ndjson, sizeof ndjson, "%s/tests/indexer/data/services.ndjson", src ? src : ".");

    char tmpl[] = "/tmp/signpost-test-indexer-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    if (!tmp) {
        perror("mkdtemp");
        return 1;
    }
    char *index_dir = sp_printf("%s/index", tmp);

    indexer *x = NULL;
    sp_err err = {0};
    int rc = indexer_open(index_dir, NULL, true, &x, &err);
    CHECK(rc == SP_OK, "open: %s", err.msg);
    if (rc != SP_OK)
        return 1;

    indexer_stats st;
    memset(&st, 0, sizeof st);
    rc = indexer_import_path(x, dir, &st, &err);
    CHECK(rc == SP_OK, "import: %s", err.msg);
    /* broken.json, nested/more.ndjson, oruk_service.json; notes.txt ignored */
    CHECK(st.files == 3, "files %zu", st.files);
    CHECK(st.files_failed == 1, "failed %zu", st.files_failed);
    CHECK(st.records == 3, "records %zu", st.records);
    CHECK(idx_count(indexer_idx(x)) == 3, "count %zu", idx_count(indexer_idx(x)));

    /* Enriched on the way in: the E8 postcode puts the service in Hackney. */
    rec_service r;
    rc = idx_get(indexer_idx(x), "8d0b1a4e-6a52-4a8e-9d3c-3f1b2a7c9e01", &r, &err);
    CHECK(rc == SP_OK, "get: %s", err.msg);
    int64_t first_seen = 0;
    if (rc == SP_OK) {
        CHECK(rec_tags_has(&r.boroughs, "hackney"), "borough from postcode");
        CHECK(r.prov.source_id && !strcmp(r.prov.source_id, "file"), "source_id");
        CHECK(r.prov.source_url && strstr(r.prov.source_url, "oruk_service.json"), "source_url");
        CHECK(r.prov.first_seen > 0 && r.prov.last_seen > 0 && r.prov.last_changed > 0,
              "times set");
        first_seen = r.prov.first_seen;
        rec_service_free(&r);
    }
    CHECK(total_for(indexer_idx(x), "coaching") == 1, "searchable");
    CHECK(total_for(indexer_idx(x), "placements") == 1, "record without id indexed");

    /* Re-import: same ids, so nothing is duplicated. */
    sleep(1);
    memset(&st, 0, sizeof st);
    rc = indexer_import_path(x, dir, &st, &err);
    CHECK(rc == SP_OK, "reimport: %s", err.msg);
    CHECK(idx_count(indexer_idx(x)) == 3, "count after reimport %zu",
          idx_count(indexer_idx(x)));
    rc = idx_get(indexer_idx(x), "8d0b1a4e-6a52-4a8e-9d3c-3f1b2a7c9e01", &r, &err);
    if (rc == SP_OK) {
        CHECK(r.prov.first_seen == first_seen, "first_seen kept");
        CHECK(r.prov.last_changed == first_seen, "unchanged content keeps last_changed");
        rec_service_free(&r);
    }

    /* A single file, and a missing one (reported, not fatal). */
    memset(&st, 0, sizeof st);
    rc = indexer_import_path(x, ndjson, &st, &err);
    CHECK(rc == SP_OK && st.records == 9 && st.files == 1, "ndjson file: %zu", st.records);
    memset(&st, 0, sizeof st);
    rc = indexer_import_path(x, "/nonexistent/signpost.json", &st, &err);
    CHECK(rc == SP_OK && st.files_failed == 1, "missing file");
    CHECK(idx_count(indexer_idx(x)) == 12, "count %zu", idx_count(indexer_idx(x)));

    /* One document through the pipeline entry point (what a store source
     * calls): a parse failure leaves the index as it was. */
    memset(&st, 0, sizeof st);
    const char *bad = "{\"id\": ";
    rc = indexer_add_document(x, bad, strlen(bad), "https://example.org/api/services/1",
                              "application/json", NULL, NULL, &st, &err);
    CHECK(rc < 0 && !indexer_fatal(x) && st.files_failed == 1, "bad document");
    CHECK(idx_count(indexer_idx(x)) == 12, "count unchanged %zu", idx_count(indexer_idx(x)));

    indexer_close(x);
    char *cmd = sp_printf("rm -rf '%s'", tmp);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tmp);
    free(cmd);
    free(index_dir);
    return t_done("test_indexer");
}
