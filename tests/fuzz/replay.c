/*
 * replay.c - the one seed-replay driver every fuzz target shares: runs the
 * target's LLVMFuzzerTestOneInput over seed files without libFuzzer, so
 * the ordinary (sanitizer) test suite exercises each harness and needs no
 * clang.  Each tests/<module>/meson.build compiles it into a replay_*
 * executable beside its fuzz_*.c (fuzz_replay_c, tests/fuzz/meson.build).
 *
 * usage: replay [--prefixes] FILE_OR_DIR...
 *   A folder stands for every regular file directly in it (names starting
 *   with '.' skipped), in name order.  --prefixes also runs truncations
 *   of each input (every length of a small one, about 64 evenly spaced of
 *   a large one): cut-off downloads are the readers' most common fault.
 * Exits 1 when an argument or a file cannot be read, or when there was
 * nothing to replay (a mistyped seed folder must not pass quietly).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp.h"

/* Larger than any reader's own bound, so oversized seeds reach the
 * target's limit checks. */
#define REPLAY_MAX_INPUT (64u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool prefixes;
static size_t inputs, truncations;

static int replay_file(const char *path)
{
    char *body = NULL;
    size_t len = 0;
    sp_err err = {0};
    if (sp_read_file(path, REPLAY_MAX_INPUT, &body, &len, &err) != SP_OK) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return 1;
    }
    const uint8_t *data = (const uint8_t *)(body != NULL ? body : "");
    LLVMFuzzerTestOneInput(data, len);
    inputs++;
    for (size_t cut = 1; prefixes && cut < len; cut += 1 + len / 64) {
        LLVMFuzzerTestOneInput(data, cut);
        truncations++;
    }
    free(body);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return 1;
    }
    char **paths = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        char *p = sp_printf("%s/%s", dir, e->d_name);
        struct stat st;
        if (p == NULL || stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (sp_grow(&paths, &cap, n + 1, sizeof *paths, 64) != SP_OK) {
            free(p);
            bad = 1;
            break;
        }
        paths[n++] = p;
    }
    closedir(d);
    if (n > 0)
        qsort(paths, n, sizeof *paths, by_name);
    for (size_t i = 0; i < n; i++) {
        bad |= replay_file(paths[i]);
        free(paths[i]);
    }
    free(paths);
    return bad;
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--prefixes") == 0) {
        prefixes = true;
        first = 2;
    }
    int bad = 0;
    for (int i = first; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            bad |= replay_dir(argv[i]);
        else
            bad |= replay_file(argv[i]);
    }
    if (prefixes)
        printf("replayed %zu inputs and %zu truncations of them\n", inputs, truncations);
    else
        printf("replayed %zu inputs\n", inputs);
    return bad || inputs == 0 ? 1 : 0;
}
