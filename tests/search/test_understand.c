/*
 * test_understand.c - how a search typed as a sentence is read
 * (indexer/understand.h), from the cases in understand_cases.tsv: the
 * words left to search, the filters read from the words and the
 * categories named.  Runs over the shipped data/ (vocab and fillers).
 *
 *   test_understand CASES.tsv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "understand.h"
#include "../core/tutil.h"

static int failures;

static void expect(const char *q, const char *what, const char *got, const char *want)
{
    if (strcmp(got, want)) {
        fprintf(stderr, "FAIL %s: %s: got \"%s\", want \"%s\"\n", q, what, got, want);
        failures++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_understand CASES.tsv\n");
        return 2;
    }
    vocab *v = t_vocab();
    sp_err err = {0};
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        vocab_free(v);
        return 1;
    }
    char line[2048];
    int n = 0;
    und_result *u = malloc(sizeof *u);
    while (u && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *col[4] = {0};
        char *save = NULL, *t = strtok_r(line, "\t", &save);
        for (int i = 0; i < 4 && t; i++, t = strtok_r(NULL, "\t", &save))
            col[i] = t;
        if (!col[3]) {
            fprintf(stderr, "FAIL: a case needs four columns: %s\n", line);
            failures++;
            continue;
        }
        if (und_read(v, col[0], NULL, u, &err) != SP_OK) {
            fprintf(stderr, "FAIL %s: und_read: %s\n", col[0], err.msg);
            failures++;
            continue;
        }
        char applied[512] = "", named[512] = "";
        for (size_t i = 0; i < u->n_applied; i++)
            snprintf(applied + strlen(applied), sizeof applied - strlen(applied), "%s%s=%s",
                     i ? "," : "", u->applied[i].field, u->applied[i].value);
        for (size_t i = 0; i < u->n_boost; i++)
            snprintf(named + strlen(named), sizeof named - strlen(named), "%s%s", i ? "," : "",
                     u->boost[i]);
        expect(col[0], "words left", u->text[0] ? u->text : "-", col[1]);
        expect(col[0], "filters", applied[0] ? applied : "-", col[2]);
        expect(col[0], "categories", named[0] ? named : "-", col[3]);
        n++;
    }
    fclose(f);
    free(u);
    vocab_free(v);
    printf("understand: %d cases, %d failed\n", n, failures);
    return failures || n == 0 ? 1 : 0;
}
