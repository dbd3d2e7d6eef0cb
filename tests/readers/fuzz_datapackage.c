/*
 * fuzz_datapackage.c - libFuzzer target: any bytes as CSV, alone
 * (feed_csv_parse) and as every resource of a full HSDS data package, so
 * the foreign-key joins run over hostile tables too.
 */
#include <stdlib.h>
#include <string.h>

#include "feed_int.h"
#include "fuzz.h"

typedef struct blob {
    const uint8_t *data;
    size_t size;
} blob;

static int fetch(void *ctx, const char *path, char **body, size_t *len, sp_err *err)
{
    const blob *b = ctx;
    (void)path;
    (void)err;
    char *copy = malloc(b->size + 1);
    if (copy == NULL)
        return SP_ENOMEM;
    memcpy(copy, b->data, b->size);
    copy[b->size] = '\0';
    *body = copy;
    *len = b->size;
    return SP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_err err;
    json_t *rows = NULL;
    (void)feed_csv_parse((const char *)data, size, &rows, &err);
    json_decref(rows);

    static const char pkg[] =
        "{\"resources\":["
        "{\"name\":\"organization\",\"path\":\"o.csv\"},{\"name\":\"service\",\"path\":\"s.csv\"},"
        "{\"name\":\"location\",\"path\":\"l.csv\"},"
        "{\"name\":\"service_at_location\",\"path\":\"sal.csv\"},"
        "{\"name\":\"address\",\"path\":\"a.csv\"},{\"name\":\"phone\",\"path\":\"p.csv\"},"
        "{\"name\":\"schedule\",\"path\":\"sc.csv\"},{\"name\":\"attribute\",\"path\":\"at.csv\"},"
        "{\"name\":\"taxonomy_term\",\"path\":\"t.csv\"},{\"name\":\"language\",\"path\":\"la.csv\"},"
        "{\"name\":\"cost_option\",\"path\":\"c.csv\"},{\"name\":\"service_area\",\"path\":\"sa.csv\"},"
        "{\"name\":\"funding\",\"path\":\"f.csv\"}]}";
    blob b = {data, size};
    feed_output o;
    feed_output_init(&o);
    (void)feed_read_datapackage(pkg, sizeof pkg - 1, "http://fuzz.example/datapackage.json",
                                fetch, &b, &o, &err);
    feed_output_free(&o);
    return 0;
}
