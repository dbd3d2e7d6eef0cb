/*
 * test_pairs.c - evaluates duplicate linkage on the labelled pairs in
 * tests/hub/data/pairs.tsv (written by gen_pairs.py): each pair is scored
 * by dedupe_compare(), and every pair is also run through the whole
 * pipeline (blocking, scoring, union-find) with dedupe_link_all(), which
 * must find the same duplicates.  Prints
 *   dedupe: precision P recall R on N pairs
 * and fails below the floors (PRECISION_FLOOR, RECALL_FLOOR).  Wrong
 * answers are listed with their evidence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"

#define PRECISION_FLOOR 0.95
#define RECALL_FLOOR 0.90
#define MIN_PAIRS 300
#define MAX_LINE (256 * 1024)

static int add(dedupe_set *s, const char *json)
{
    rec_service r;
    sp_err err = {0};
    if (rec_from_json_string(json, strlen(json), &r, &err) != SP_OK) {
        fprintf(stderr, "bad record: %s\n", err.msg);
        return -1;
    }
    int rc = dedupe_set_add(s, &r, &err);
    rec_service_free(&r);
    return rc;
}

int main(int argc, char **argv)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/hub/data/pairs.tsv", argc > 1 ? argv[1] : src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    dedupe_set *s = NULL;
    sp_err err = {0};
    if (dedupe_set_new(&s, &err) != SP_OK)
        return 1;
    char *line = malloc(MAX_LINE);
    int *labels = NULL;
    char **kinds = NULL;
    size_t n = 0;
    int bad = 0;
    while (line && fgets(line, MAX_LINE, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *label = strtok(line, "\t"), *kind = strtok(NULL, "\t");
        char *a = strtok(NULL, "\t"), *b = strtok(NULL, "\t");
        if (!label || !kind || !a || !b || add(s, a) != SP_OK || add(s, b) != SP_OK) {
            fprintf(stderr, "%s: bad line %zu\n", path, n + 1);
            bad = 1;
            break;
        }
        labels = realloc(labels, (n + 1) * sizeof *labels);
        kinds = realloc(kinds, (n + 1) * sizeof *kinds);
        labels[n] = atoi(label);
        kinds[n] = strdup(kind);
        n++;
    }
    fclose(f);
    free(line);

    size_t tp = 0, fp = 0, fn = 0, tn = 0;
    double min_pos = 1e9, max_neg = -1e9;
    for (size_t i = 0; i < n; i++) {
        dedupe_score sc;
        dedupe_compare(s, 2 * i, 2 * i + 1, &sc);
        if (labels[i] && sc.score < min_pos)
            min_pos = sc.score;
        if (!labels[i] && sc.score > max_neg)
            max_neg = sc.score;
        if (sc.match && labels[i])
            tp++;
        else if (sc.match)
            fp++;
        else if (labels[i])
            fn++;
        else
            tn++;
        if (sc.match != (labels[i] == 1)) {
            printf("WRONG pair %zu (%s, label %d): score %.2f\n", i, kinds[i], labels[i], sc.score);
            for (size_t k = 0; k < sc.n_ev; k++)
                printf("    %-12s %+5.2f  %s\n", sc.ev[k].what, sc.ev[k].weight, sc.ev[k].detail);
        }
    }
    double precision = tp + fp ? (double)tp / (double)(tp + fp) : 0;
    double recall = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    printf("scores: lowest duplicate %.2f, highest non-duplicate %.2f (threshold %.1f)\n",
           min_pos, max_neg, DEDUPE_THRESHOLD);
    printf("dedupe: precision %.3f recall %.3f on %zu pairs (%zu duplicates, %zu non-duplicates; "
           "tp %zu fp %zu fn %zu tn %zu)\n",
           precision, recall, n, tp + fn, fp + tn, tp, fp, fn, tn);

    /* The whole pipeline: blocking must bring every found pair together,
     * and clustering must not join what scoring kept apart. */
    dedupe_result res;
    size_t ltp = 0, lfp = 0;
    if (dedupe_link_all(s, NULL, 0, &res, &err) != SP_OK) {
        fprintf(stderr, "link_all: %s\n", err.msg);
        bad = 1;
    } else {
        for (size_t i = 0; i < n; i++) {
            bool same = res.root[2 * i] == res.root[2 * i + 1];
            if (same && labels[i])
                ltp++;
            else if (same)
                lfp++;
        }
        double lp = ltp + lfp ? (double)ltp / (double)(ltp + lfp) : 0;
        double lr = tp + fn ? (double)ltp / (double)(tp + fn) : 0;
        printf("dedupe (blocking + clustering): precision %.3f recall %.3f; %zu candidate pairs, "
               "%zu clusters\n",
               lp, lr, res.candidates, res.clusters);
        if (lp < PRECISION_FLOOR || lr < RECALL_FLOOR) {
            printf("FAIL: the pipeline is below the floors\n");
            bad = 1;
        }
        dedupe_result_free(&res);
    }
    if (n < MIN_PAIRS) {
        printf("FAIL: only %zu labelled pairs (at least %d)\n", n, MIN_PAIRS);
        bad = 1;
    }
    if (precision < PRECISION_FLOOR || recall < RECALL_FLOOR) {
        printf("FAIL: below the floors (precision %.2f, recall %.2f)\n", PRECISION_FLOOR,
               RECALL_FLOOR);
        bad = 1;
    }
    for (size_t i = 0; i < n; i++)
        free(kinds[i]);
    free(kinds);
    free(labels);
    dedupe_set_free(s);
    return bad;
}
