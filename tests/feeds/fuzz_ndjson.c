/*
 * fuzz_ndjson.c - libFuzzer target for the NDJSON reader (exports and
 * line-per-record HSDS).  tests/fuzz/replay.c runs it over the seed files
 * in CI.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed_output o;
    feed_output_init(&o);
    sp_err e;
    (void)feed_read_ndjson((const char *)data, size, "https://fuzz.example.org/export.ndjson",
                           &o, &e);
    fuzz_check_output(&o);
    feed_output_free(&o);
    return 0;
}
