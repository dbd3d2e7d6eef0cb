/*
 * fuzz_oruk.c - libFuzzer target for the ORUK/HSDS JSON reader (and the
 * sniffer that routes to it).  tests/fuzz/replay.c runs the same entry
 * point over the seed files in CI without clang.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    (void)feed_sniff(body, size, "https://fuzz.example.org/services?page=1", NULL);
    feed_output o;
    feed_output_init(&o);
    sp_err e;
    (void)feed_read_oruk(body, size, "https://fuzz.example.org/api/services?page=1", &o, &e);
    fuzz_check_output(&o);
    feed_output_free(&o);
    return 0;
}
