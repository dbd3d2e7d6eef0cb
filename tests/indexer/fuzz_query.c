/*
 * fuzz_query.c - libFuzzer target for query parsing and search: any bytes
 * as query text (plus a first byte choosing sort, folding, age and
 * distance) against a small index built once from the fixtures.  The
 * search must succeed (bad syntax is read as plain words) or refuse an
 * overlong query with SP_EINVAL; never crash, leak or hang.
 * replay_query (tests/fuzz/replay.c) runs the corpus through the same
 * entry point in CI.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idx.h"
#include "rec.h"
#include "sp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static idx *the_index;
static char index_path[256];

static void remove_index(void)
{
    idx_close(the_index);
    the_index = NULL;
    char *cmd = sp_printf("rm -rf '%s'", index_path);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", index_path);
    free(cmd);
}

static idx *fixture_index(void)
{
    if (the_index)
        return the_index;
    snprintf(index_path, sizeof index_path, "/tmp/signpost-fuzz-query-XXXXXX");
    if (!mkdtemp(index_path))
        abort();
    const char *src = getenv("SIGNPOST_SOURCE");
    char *path = sp_printf("%s/tests/indexer/data/services.ndjson", src ? src : ".");
    char *body = NULL;
    size_t len = 0;
    sp_err err = {0};
    if (!path || sp_read_file(path, 1 << 20, &body, &len, &err) != SP_OK ||
        idx_open_write(index_path, &the_index, &err) != SP_OK) {
        fprintf(stderr, "fuzz_query: %s (set SIGNPOST_SOURCE)\n", err.msg);
        abort();
    }
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        rec_service r;
        if (rec_from_json_string(line, strlen(line), &r, &err) == SP_OK) {
            idx_put(the_index, &r, &err);
            rec_service_free(&r);
        }
    }
    free(body);
    free(path);
    atexit(remove_index);
    return the_index;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    idx *ix = fixture_index();
    unsigned opts = size ? data[0] : 0;
    char *q = sp_strndup(size ? (const char *)data + 1 : "", size ? size - 1 : 0);
    if (!q)
        return 0;
    idx_query query;
    idx_query_init(&query);
    query.q = q;
    query.sort = (idx_sort)(opts % 3);
    query.collapse = opts & 4;
    char age[8];
    const char *age_ptr[1] = {age};
    if (opts & 8) {
        snprintf(age, sizeof age, "%d", (int)(opts >> 4) * 5);
        query.filters[IDX_F_AGE] = age_ptr;
        query.n_filters[IDX_F_AGE] = 1;
    }
    if (opts & 16) {
        query.has_near = true;
        query.near_lat = 51.5;
        query.near_lon = -0.1;
        query.radius_km = (opts & 32) ? 5 : 0;
    }
    static const char *const boroughs[] = {"hackney", "camden"};
    if (opts & 64) {
        query.filters[IDX_F_BOROUGH] = boroughs;
        query.n_filters[IDX_F_BOROUGH] = 2;
    }
    idx_result res;
    sp_err err = {0};
    int rc = idx_search(ix, &query, &res, &err);
    if (rc == SP_OK)
        idx_result_free(&res);
    else if (rc != SP_EINVAL)
        abort(); /* only an overlong query may be refused */
    free(q);
    return 0;
}
