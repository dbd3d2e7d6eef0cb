/*
 * replay.c - runs a fuzz target's entry point over seed files (each
 * argument a file or a folder of files), so the targets run in every CI
 * build, sanitizers included, without clang's libFuzzer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "sp.h"
#include "util.h"

int main(int argc, char **argv)
{
    size_t total = 0;
    for (int i = 1; i < argc; i++) {
        size_t n;
        char **files = tu_list(argv[i], &n);
        if (n == 0) {
            /* A single file rather than a folder. */
            size_t len;
            char *b = tu_read(argv[i], &len);
            if (b != NULL) {
                LLVMFuzzerTestOneInput((const uint8_t *)b, len);
                total++;
            }
            free(b);
        }
        for (size_t k = 0; k < n; k++) {
            size_t len;
            char *b = tu_read(files[k], &len);
            if (b == NULL)
                continue;
            LLVMFuzzerTestOneInput((const uint8_t *)b, len);
            /* Every prefix too: truncated downloads are the common fault. */
            for (size_t cut = 1; cut < len; cut += 1 + len / 64)
                LLVMFuzzerTestOneInput((const uint8_t *)b, cut);
            free(b);
            total++;
        }
        tu_free_list(files, n);
    }
    printf("replayed %zu seed files\n", total);
    return total > 0 ? 0 : 1;
}
