/*
 * bench_dedupe.c - duplicate linkage at scale: reads synthetic services
 * (bench/gen_synthetic.py NDJSON) and the planted pairs (--truth), links
 * them with indexer/dedupe.h and prints time, peak memory, and precision
 * and recall against the planted duplicates.
 *
 *   python3 bench/gen_synthetic.py --count 100000 --dup-rate 0.05 \
 *       --out /tmp/syn.ndjson --truth /tmp/syn.truth.ndjson
 *   build/bench/bench_dedupe /tmp/syn.ndjson /tmp/syn.truth.ndjson
 *
 * Precision counts every pair of records that linkage put in one cluster
 * (a cluster of n makes n(n-1)/2 pairs) and asks whether the truth puts
 * them together too (truth pairs are closed transitively); recall counts
 * the truth's pairs that linkage put in one cluster.  Records are read
 * as published (no enrichment), so boroughs and categories do not weigh in.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dedupe.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

typedef struct idpos {
    char *id;
    uint32_t pos;
} idpos;

static int cmp_idpos(const void *a, const void *b)
{
    return strcmp(((const idpos *)a)->id, ((const idpos *)b)->id);
}

static long find(const idpos *v, size_t n, const char *id)
{
    idpos key = {(char *)id, 0};
    const idpos *hit = bsearch(&key, v, n, sizeof *v, cmp_idpos);
    return hit ? (long)hit->pos : -1;
}

static uint32_t root(uint32_t *p, uint32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_dedupe RECORDS.ndjson TRUTH.ndjson\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    dedupe_set *s = NULL;
    sp_err err = {0};
    if (dedupe_set_new(&s, &err) != SP_OK)
        return 1;
    idpos *ids = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    double t0 = now_s();
    while ((len = getline(&line, &lcap, f)) > 0) {
        rec_service r;
        if (rec_from_json_string(line, (size_t)len, &r, &err) != SP_OK)
            continue;
        if (r.id && dedupe_set_add(s, &r, &err) == SP_OK) {
            if (sp_grow(&ids, &cap, n + 1, sizeof *ids, 65536) != SP_OK) {
                fprintf(stderr, "bench_dedupe: out of memory\n");
                return 1;
            }
            ids[n].id = strdup(r.id);
            ids[n].pos = (uint32_t)n;
            n++;
        }
        rec_service_free(&r);
    }
    free(line);
    fclose(f);
    double t1 = now_s();
    long mem_features = peak_mb();

    dedupe_result res;
    if (dedupe_link_all(s, NULL, 0, &res, &err) != SP_OK) {
        fprintf(stderr, "bench_dedupe: %s\n", err.msg);
        return 1;
    }
    double t2 = now_s();

    /* the truth, closed transitively */
    qsort(ids, n, sizeof *ids, cmp_idpos);
    uint32_t *truth = malloc((n ? n : 1) * sizeof *truth);
    for (size_t i = 0; i < n; i++)
        truth[i] = (uint32_t)i;
    FILE *tf = fopen(argv[2], "r");
    if (!tf) {
        perror(argv[2]);
        return 1;
    }
    size_t n_truth = 0, truth_found = 0;
    line = NULL;
    lcap = 0;
    uint32_t *ta = NULL, *tb = NULL;
    size_t tcap = 0;
    while ((len = getline(&line, &lcap, tf)) > 0) {
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        long a = find(ids, n, json_string_value(json_object_get(j, "a")));
        long b = find(ids, n, json_string_value(json_object_get(j, "b")));
        json_decref(j);
        if (a < 0 || b < 0)
            continue;
        size_t bcap = tcap;
        if (sp_grow(&ta, &tcap, n_truth + 1, sizeof *ta, 4096) != SP_OK ||
            sp_grow(&tb, &bcap, n_truth + 1, sizeof *tb, 4096) != SP_OK) {
            fprintf(stderr, "bench_dedupe: out of memory\n");
            return 1;
        }
        ta[n_truth] = (uint32_t)a;
        tb[n_truth] = (uint32_t)b;
        n_truth++;
        uint32_t ra = root(truth, (uint32_t)a), rb = root(truth, (uint32_t)b);
        if (ra != rb)
            truth[ra] = rb;
    }
    free(line);
    fclose(tf);
    for (size_t i = 0; i < n_truth; i++)
        truth_found += res.root[ta[i]] == res.root[tb[i]];

    /* predicted pairs: every pair of members of each cluster */
    size_t pred = 0, correct = 0;
    /* bucket the members by root once */
    uint32_t *start = calloc(n + 1, sizeof *start), *member = malloc((n ? n : 1) * sizeof *member);
    for (size_t i = 0; i < n; i++)
        start[res.root[i] + 1]++;
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    uint32_t *fill = calloc(n + 1, sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = res.root[i];
        member[start[r] + fill[r]++] = (uint32_t)i;
    }
    size_t biggest = 0, shown = 0;
    size_t show = getenv("BENCH_SHOW") ? (size_t)atol(getenv("BENCH_SHOW")) : 0;
    for (size_t r = 0; r < n; r++) {
        size_t m = start[r + 1] - start[r];
        if (m > biggest)
            biggest = m;
        for (size_t x = 0; m > 1 && x < m; x++)
            for (size_t y = x + 1; y < m; y++) {
                pred++;
                uint32_t a = member[start[r] + x], b = member[start[r] + y];
                bool ok = root(truth, a) == root(truth, b);
                correct += ok;
                if (!ok && shown < show) {
                    /* BENCH_SHOW=N prints N wrong links with their evidence */
                    dedupe_score sc;
                    dedupe_compare(s, a, b, &sc);
                    dedupe_facts fa, fb;
                    dedupe_set_facts(s, a, &fa);
                    dedupe_set_facts(s, b, &fb);
                    printf("  wrong link: %s | %s  (%s | %s) score %.2f\n", fa.name, fb.name, fa.org,
                           fb.org, sc.score);
                    for (size_t k = 0; k < sc.n_ev; k++)
                        printf("      %-12s %+5.2f %s\n", sc.ev[k].what, sc.ev[k].weight,
                               sc.ev[k].detail);
                    shown++;
                }
            }
    }
    double precision = pred ? (double)correct / (double)pred : 0;
    double recall = n_truth ? (double)truth_found / (double)n_truth : 0;
    printf("bench_dedupe: %zu records, %zu planted pairs\n", n, n_truth);
    printf("  read + features: %.1f s (%.0f records/s), peak %ld MB\n", t1 - t0,
           (double)n / (t1 - t0), mem_features);
    printf("  linkage (blocking, scoring, clustering): %.1f s, %zu candidate pairs, %zu matches\n",
           t2 - t1, res.candidates, res.matches);
    printf("  clusters: %zu (%zu records, largest %zu)\n", res.clusters, res.clustered, biggest);
    printf("  precision %.4f (%zu of %zu linked pairs) recall %.4f (%zu of %zu planted pairs)\n",
           precision, correct, pred, recall, truth_found, n_truth);
    printf("  peak memory %ld MB\n", peak_mb());
    free(start);
    free(member);
    free(fill);
    free(truth);
    free(ta);
    free(tb);
    for (size_t i = 0; i < n; i++)
        free(ids[i].id);
    free(ids);
    dedupe_result_free(&res);
    dedupe_set_free(s);
    return 0;
}
