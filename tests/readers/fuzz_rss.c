/*
 * fuzz_rss.c - libFuzzer target: any bytes through the RSS/Atom/RDF reader.
 */
#include "feed_int.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed_output o;
    feed_output_init(&o);
    sp_err err;
    (void)feed_read_rss((const char *)data, size, "http://fuzz.example/feed.xml", &o, &err);
    feed_output_free(&o);
    return 0;
}
