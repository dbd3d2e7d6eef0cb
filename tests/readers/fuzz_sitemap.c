/*
 * fuzz_sitemap.c - libFuzzer target: any bytes through the sitemap reader
 * (XML, index, text and gzip paths; the first bytes pick the path).
 */
#include "feed_int.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed_output o;
    feed_output_init(&o);
    sp_err err;
    (void)feed_read_sitemap((const char *)data, size, "http://fuzz.example/sitemap.xml", &o,
                            &err);
    feed_output_free(&o);
    return 0;
}
