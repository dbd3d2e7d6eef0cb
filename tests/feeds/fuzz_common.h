/*
 * fuzz_common.h - what the feeds fuzz targets check beyond "no crash":
 * every record a reader returns must survive rec_to_json -> rec_from_json
 * unchanged (the export/import promise), and links must be absolute.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "feed_int.h"

static void fuzz_check_output(const feed_output *o)
{
    for (size_t i = 0; i < o->n_recs; i++) {
        char *s1 = rec_to_json_string(&o->recs[i]);
        if (s1 == NULL)
            continue; /* allocation failure is allowed */
        rec_service b;
        if (rec_from_json_string(s1, strlen(s1), &b, NULL) != SP_OK)
            abort();
        char *s2 = rec_to_json_string(&b);
        if (s2 != NULL && strcmp(s1, s2) != 0)
            abort();
        free(s2);
        free(s1);
        rec_service_free(&b);
    }
    for (size_t i = 0; i < o->n_links; i++)
        if (strncmp(o->links[i].url, "http", 4) != 0)
            abort();
}

#endif
