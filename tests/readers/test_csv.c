/*
 * test_csv.c - the data package reader's CSV parser (feed_csv_parse), table
 * driven: each data/csv/NAME.csv is parsed and compared with NAME.json,
 * the expected rows (header first, null for empty cells), or
 * {"error": "SP_E...", "rows": [...]} when the parse must fail and keep
 * the rows before the fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "util.h"

int main(void)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    char *dir = sp_printf("%s/tests/readers/data/csv", src != NULL ? src : ".");
    size_t n;
    char **files = tu_list(dir, &n);
    int cases = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!tu_ends_with(files[i], ".csv"))
            continue;
        cases++;
        size_t len;
        char *body = tu_read(files[i], &len);
        char *jpath = sp_printf("%.*s.json", (int)(strlen(files[i]) - 4), files[i]);
        json_error_t je;
        json_t *want = json_load_file(jpath, 0, &je);
        json_t *want_rows = want, *rows = NULL;
        const char *want_code = "SP_OK";
        if (json_is_object(want)) {
            want_rows = json_object_get(want, "rows");
            want_code = json_string_value(json_object_get(want, "error"));
        }
        sp_err err = {0};
        int rc = feed_csv_parse(body, len, &rows, &err);
        if (want == NULL || strcmp(sp_code_name(rc), want_code) != 0 ||
            !json_equal(rows, want_rows)) {
            char *got = json_dumps(rows, JSON_COMPACT);
            printf("FAIL %s: %s %s\n  got %s\n", files[i], sp_code_name(rc), err.msg, got);
            free(got);
            failed++;
        }
        json_decref(rows);
        json_decref(want);
        free(jpath);
        free(body);
    }
    tu_free_list(files, n);
    free(dir);
    printf("csv: %d/%d cases pass\n", cases - failed, cases);
    return failed || cases == 0 ? 1 : 0;
}
