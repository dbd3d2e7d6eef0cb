/*
 * test_weights.c - docs/hub.md's table of scoring weights says what the
 * code scores with: every row of the table "| name | value | what |" names
 * a weight of dedupe_weights() (W in indexer/dedupe_score.c, with the prior
 * and the threshold) and gives its value, and every weight has its row.
 *
 * Usage: test_weights [SOURCE_DIR]   (default: $SIGNPOST_SOURCE)
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "tcheck.h"

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : getenv("SIGNPOST_SOURCE");
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/hub.md", src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    size_t n = 0;
    const dedupe_weight *w = dedupe_weights(&n);
    int *seen = calloc(n, sizeof *seen);
    char line[1024];
    bool in_table = false;
    int rows = 0;
    while (seen && fgets(line, sizeof line, f)) {
        const char *p = line + strspn(line, " ");
        if (!strncmp(p, "| name | value |", 16)) {
            in_table = true;
            continue;
        }
        if (!in_table || !strncmp(p, "|---", 4))
            continue;
        if (*p != '|') {
            in_table = false;
            continue;
        }
        char name[128];
        double value = NAN;
        if (sscanf(p, "| `%127[^`]` | %lf |", name, &value) != 2) {
            CHECK(!"a row of the weights table reads | `name` | number | ... |");
            fprintf(stderr, "  %s", line);
            continue;
        }
        rows++;
        size_t i = 0;
        while (i < n && strcmp(w[i].name, name) != 0)
            i++;
        CHECK(i < n); /* docs/hub.md names a weight the code has */
        if (i == n) {
            fprintf(stderr, "  no weight %s in the code\n", name);
            continue;
        }
        seen[i]++;
        CHECK(fabs(*w[i].value - value) < 1e-9); /* with the code's value */
        if (fabs(*w[i].value - value) >= 1e-9)
            fprintf(stderr, "  %s: docs %g, code %g\n", name, value, *w[i].value);
    }
    fclose(f);
    CHECK(rows > 0);
    for (size_t i = 0; seen && i < n; i++) {
        CHECK(seen[i] == 1); /* each weight of the code has one row */
        if (seen[i] != 1)
            fprintf(stderr, "  %s: %d rows in docs/hub.md\n", w[i].name, seen[i]);
    }
    free(seen);
    return t_done("dedupe weights vs docs/hub.md");
}
