/*
 * replay_vocab.c - runs every file in the given folders (fuzz_corpus)
 * through fuzz_vocab.c's entry point, so CI exercises the fuzzer's inputs
 * without clang.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char *path = sp_printf("%s/%s", argv[i], de->d_name);
            char *body = NULL;
            size_t len = 0;
            if (path && sp_read_file(path, 1 << 20, &body, &len, NULL) == SP_OK) {
                LLVMFuzzerTestOneInput((const uint8_t *)body, len);
                n++;
            }
            free(body);
            free(path);
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", n);
    return n > 0 ? 0 : 1;
}
