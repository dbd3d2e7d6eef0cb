/*
 * fuzz.h - the libFuzzer entry point every fuzz_*.c defines;
 * tests/fuzz/replay.c calls it over seed files so CI exercises the
 * targets without clang.
 */
#ifndef READERS_FUZZ_H
#define READERS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
