/*
 * replay.c - runs a fuzz target's entry point over every file in the
 * directories given (seed corpora, test data), so CI exercises the fuzz
 * harness without clang or libFuzzer.  Exit 0 when every input ran.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replayed;

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return 1;
    }
    int bad = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *p = sp_printf("%s/%s", dir, de->d_name);
        struct stat st;
        if (p != NULL && stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            char *body = NULL;
            size_t len = 0;
            sp_err e = {0};
            if (sp_read_file(p, 64u * 1024u * 1024u, &body, &len, &e) == SP_OK) {
                LLVMFuzzerTestOneInput((const uint8_t *)body, len);
                replayed++;
            } else {
                fprintf(stderr, "replay: %s\n", e.msg);
                bad = 1;
            }
            free(body);
        }
        free(p);
    }
    closedir(d);
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++)
        bad |= replay_dir(argv[i]);
    printf("replayed %d inputs\n", replayed);
    return bad || replayed == 0 ? 1 : 0;
}
