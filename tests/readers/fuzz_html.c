/*
 * fuzz_html.c - libFuzzer target: any bytes through the HTML reader
 * (JSON-LD, microdata, heuristics, links) and the extruct-shaped extractor.
 */
#include "feed_int.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed_output o;
    feed_output_init(&o);
    sp_err err;
    (void)feed_read_html((const char *)data, size, "http://fuzz.example/page", NULL, &o, &err);
    feed_output_free(&o);
    json_t *jl = NULL, *md = NULL;
    if (feed_html_extract((const char *)data, size, "http://fuzz.example/page", &jl, &md,
                          &err) == SP_OK) {
        json_decref(jl);
        json_decref(md);
    }
    return 0;
}
