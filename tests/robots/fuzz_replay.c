/*
 * fuzz_replay.c - runs every file named on the command line (or every file
 * in a directory named there) through the fuzz_robots entry point, so the
 * fuzz seeds are a plain regression test that needs no clang.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    sp_err err = {0};
    if (sp_read_file(path, 16u << 20, &buf, &len, &err)) {
        fprintf(stderr, "fuzz_replay: %s\n", err.msg);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)(buf ? buf : ""), len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int n = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            while (d) {
                struct dirent *e = readdir(d);
                if (!e)
                    break;
                if (e->d_name[0] == '.')
                    continue;
                char *p = sp_printf("%s/%s", argv[i], e->d_name);
                failed += replay_file(p);
                n++;
                free(p);
            }
            if (d)
                closedir(d);
        } else {
            failed += replay_file(argv[i]);
            n++;
        }
    }
    printf("fuzz_replay: %d inputs replayed, %d unreadable\n", n, failed);
    return (failed || n == 0) ? 1 : 0;
}
