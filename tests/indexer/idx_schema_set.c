/*
 * idx_schema_set.c - test helper: `idx_schema_set INDEX_DIR N` records
 * schema version N in an index, so tests can make an index look as if an
 * older Signpost built it (and check that the next indexing run rebuilds
 * it).  Not installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sp.h"
#include "xap.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: idx_schema_set INDEX_DIR N\n");
        return 2;
    }
    xap_db *db = NULL;
    sp_err err = {0};
    int rc = xap_open_write(argv[1], &db, &err);
    if (rc == SP_OK)
        rc = xap_set_metadata(db, "signpost.schema", argv[2], &err);
    if (rc == SP_OK)
        rc = xap_commit(db, &err);
    xap_close(db);
    if (rc != SP_OK) {
        fprintf(stderr, "idx_schema_set: %s\n", err.msg);
        return 1;
    }
    return 0;
}
