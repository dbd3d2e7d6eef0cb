/*
 * bench_search.c - the search benchmark: index N synthetic services (NDJSON
 * from bench/gen_synthetic.py) and run a fixed, seeded query mix against the
 * index in-process, printing indexing docs/s and p50/p95/p99 latency and QPS
 * per kind of query.  All searches ask for exact facets, as the API does.
 *
 *   bench_search --index DIR [--load FILE.ndjson [--jobs N]] [--queries N] [--brief] [--seed S]
 *                [--verify N] [--slow MS] [--one TEXT [--filter FIELD=SLUG]...]
 *
 * --verify N checks the facet counts of the first N queries of the mix
 * against Xapian itself: for every value a facet reports, the same query
 * with that value as its field's only filter and facets off (Xapian counts
 * every match) must have exactly that total; it exits 1 on a mismatch.
 * --slow MS prints each query that took at least MS ms, with its matches.
 * --one TEXT [--filter FIELD=SLUG]... times that one query, run 20 times,
 * and prints the median wall and CPU time of the runs after the first.
 * --brief: the hits of the mix as /api/v1/search asks for them (brief
 * records, idx_query.brief); without it, whole stored records.
 * --jobs N (with --load): build on N threads and merge the shards
 * (idx_bulk_begin, what `signpost index --rebuild` does); without it, one
 * writer puts each record in turn, as `signpost index FILE` does.
 * With --load it (re)builds the index from FILE first; without, it reuses
 * DIR.  The HTTP half of the benchmark is bench/run.sh (wrk against
 * `signpost serve` over the same index).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "enrich.h"
#include "idx.h"
#include "rec.h"
#include "vocab.h"

static int load(const char *dir, const char *path, const vocab *v, unsigned jobs)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_search: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    idx *ix = NULL;
    sp_err err = {0};
    if (idx_open_write(dir, &ix, &err) != SP_OK) {
        fprintf(stderr, "bench_search: %s\n", err.msg);
        fclose(f);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t n = 0, bad = 0;
    double t0 = now_s(), c0 = proc_cpu_s(), parse_s = 0, merge_s = 0, merge_cpu = 0;
    if (jobs && idx_bulk_begin(ix, jobs, &err) != SP_OK) {
        fprintf(stderr, "bench_search: %s\n", err.msg);
        fclose(f);
        idx_close(ix);
        return -1;
    }
    idx_begin(ix, &err);
    while ((len = getline(&line, &cap, f)) > 0) {
        double p0 = now_s();
        rec_service r;
        if (rec_from_json_string(line, (size_t)len, &r, &err) != SP_OK) {
            bad++;
            continue;
        }
        enrich_record(v, &r, &err);
        parse_s += now_s() - p0;
        if (idx_put(ix, &r, &err) != SP_OK)
            bad++;
        rec_service_free(&r);
        if (++n % 10000 == 0) {
            idx_commit(ix, &err);
            idx_begin(ix, &err);
            fprintf(stderr, "\rindexed %zu", n);
        }
    }
    if (idx_commit(ix, &err) != SP_OK)
        fprintf(stderr, "bench_search: commit: %s\n", err.msg);
    if (jobs) {
        double m0 = now_s(), mc0 = proc_cpu_s();
        if (idx_bulk_finish(ix, &err) != SP_OK)
            fprintf(stderr, "bench_search: bulk build: %s\n", err.msg);
        merge_s = now_s() - m0;
        merge_cpu = proc_cpu_s() - mc0;
    }
    double t = now_s() - t0, cpu = proc_cpu_s() - c0;
    fprintf(stderr, "\n");
    printf("indexing: %zu docs in %.1f s = %.0f docs/s (parse+enrich %.1f s", n, t,
           (double)n / t, parse_s);
    if (jobs)
        printf(", %u worker threads; idx_bulk_finish (the workers finishing their queues, then the merge) %.1f s, %.1f s CPU", jobs, merge_s,
               merge_cpu);
    printf("), %zu bad\n", bad);
    printf("indexing CPU: %.1f s (every thread) = %.3f ms a record\n", cpu,
           n ? cpu * 1000.0 / (double)n : 0.0);
    free(line);
    fclose(f);
    idx_close(ix);
    return 0;
}


enum { Q_TEXT, Q_TEXT_FILTERS, Q_BROWSE, Q_KINDS };
static const char *kind_names[Q_KINDS] = {"text only", "text + 1-3 filters", "browse by facet"};

/* Copy of q with field f filtered on v alone and no facets: its exact
 * total is what the facet count of v must be. */
static int verify_one(idx *ix, const idx_query *q, const idx_result *res, long qi)
{
    int bad = 0;
    sp_err err = {0};
    idx_query t = *q;
    t.facets = false;
    t.exact_facets = true;
    t.limit = 0;
    idx_result r;
    if (idx_search(ix, &t, &r, &err) != SP_OK) {
        fprintf(stderr, "verify: %s\n", err.msg);
        return 1;
    }
    if (r.total != res->total) {
        fprintf(stderr, "verify: query %ld: total %zu, Xapian counts %zu\n", qi, res->total,
                r.total);
        bad++;
    }
    idx_result_free(&r);
    for (int f = 0; f < IDX_F__COUNT; f++) {
        for (size_t i = 0; i < res->facets[f].n; i++) {
            const idx_facet_value *fv = &res->facets[f].v[i];
            const char *one[1] = {fv->value};
            idx_query u = t;
            u.filters[f] = one;
            u.n_filters[f] = 1;
            if (idx_search(ix, &u, &r, &err) != SP_OK) {
                fprintf(stderr, "verify: %s\n", err.msg);
                return 1;
            }
            if (r.total != fv->count) {
                fprintf(stderr, "verify: query %ld: %s=%s counted %zu, Xapian counts %zu\n", qi,
                        idx_field_name((idx_field)f), fv->value, fv->count, r.total);
                bad++;
            }
            idx_result_free(&r);
        }
    }
    return bad;
}

/* --brief: hits as /api/v1/search asks for them (idx_query.brief). */
static bool brief_hits;

static void make_query(int kind, const vocab *v, idx_query *q, char *qbuf, size_t qcap,
                       const char *vals[IDX_F__COUNT][3])
{
    idx_query_init(q);
    q->brief = brief_hits;
    q->facets = true;
    q->exact_facets = true;
    q->limit = 10;
    if (kind != Q_BROWSE) {
        size_t nw = 1 + rng() % 2;
        qbuf[0] = '\0';
        for (size_t i = 0; i < nw; i++) {
            strncat(qbuf, words[rng() % NWORDS], qcap - strlen(qbuf) - 2);
            strncat(qbuf, " ", qcap - strlen(qbuf) - 1);
        }
        q->q = qbuf;
    }
    size_t nf = kind == Q_TEXT ? 0 : 1 + rng() % 3;
    static const char *fields[] = {"borough", "group", "category", "cost", "mode", "subregion"};
    static const idx_field fids[] = {IDX_F_BOROUGH, IDX_F_GROUP, IDX_F_CATEGORY, IDX_F_COST,
                                     IDX_F_MODE, IDX_F_SUBREGION};
    for (size_t i = 0; i < nf; i++) {
        size_t k = rng() % 6;
        size_t ns = 0;
        const char *const *slugs = vocab_slugs(v, fields[k], &ns);
        if (!ns || q->n_filters[fids[k]] >= 3)
            continue;
        vals[fids[k]][q->n_filters[fids[k]]++] = slugs[rng() % ns];
        q->filters[fids[k]] = vals[fids[k]];
    }
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *loadfile = NULL;
    unsigned jobs = 0;
    long nq = 2000, nverify = 0;
    double slow_ms = -1;
    const char *one = NULL; /* --one: time this query alone */
    const char *one_vals[IDX_F__COUNT][3];
    idx_query oneq;
    idx_query_init(&oneq);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--index") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--load") && i + 1 < argc)
            loadfile = argv[++i];
        else if (!strcmp(argv[i], "--brief"))
            brief_hits = true;
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
            nq = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--one") && i + 1 < argc)
            one = argv[++i];
        else if (!strcmp(argv[i], "--filter") && i + 1 < argc && strchr(argv[i + 1], '=')) {
            char *fv = argv[++i];
            char *eq = strchr(fv, '=');
            *eq = '\0';
            int f = idx_field_from_name(fv);
            if (f < 0 || oneq.n_filters[f] >= 3) {
                fprintf(stderr, "bench_search: bad --filter %s\n", fv);
                return 2;
            }
            one_vals[f][oneq.n_filters[f]++] = eq + 1;
            oneq.filters[f] = one_vals[f];
        } else if (!strcmp(argv[i], "--slow") && i + 1 < argc)
            slow_ms = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--verify") && i + 1 < argc)
            nverify = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            rng_state = strtoull(argv[++i], NULL, 10) | 1;
        else {
            fprintf(stderr, "usage: bench_search --index DIR [--load FILE.ndjson] [--queries N] "
                            "[--seed S] [--verify N] [--slow MS]\n");
            return 2;
        }
    }
    if (!dir || nq <= 0) {
        fprintf(stderr, "usage: bench_search --index DIR [--load FILE.ndjson] [--queries N]\n");
        return 2;
    }
    sp_err err = {0};
    vocab *v = NULL;
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "bench_search: %s\n", err.msg);
        return 1;
    }
    if (loadfile && load(dir, loadfile, v, jobs) != 0)
        return 1;

    idx *ix = NULL;
    if (idx_open_read(dir, &ix, &err) != SP_OK) {
        fprintf(stderr, "bench_search: %s\n", err.msg);
        return 1;
    }
    printf("index: %zu documents\n", idx_count(ix));
    if (one) {
        /* One query, repeated: the first run pays for the facet table, so
         * the medians are of the others. */
        oneq.q = one;
        double ms[20], cpu_ms[20];
        long runs = nq < 20 ? nq : 20;
        for (long i = 0; i < runs; i++) {
            idx_result res;
            double t0 = now_s(), c0 = cpu_s();
            if (idx_search(ix, &oneq, &res, &err) != SP_OK) {
                fprintf(stderr, "bench_search: %s\n", err.msg);
                return 1;
            }
            ms[i] = (now_s() - t0) * 1000.0;
            cpu_ms[i] = (cpu_s() - c0) * 1000.0;
            printf("run %ld: %.2f ms (CPU %.2f ms), %zu matches\n", i, ms[i], cpu_ms[i],
                   res.total);
            idx_result_free(&res);
        }
        if (runs > 1) {
            qsort(ms + 1, (size_t)runs - 1, sizeof(double), cmp_double);
            qsort(cpu_ms + 1, (size_t)runs - 1, sizeof(double), cmp_double);
            printf("median of runs 1-%ld: %.2f ms, CPU %.2f ms\n", runs - 1,
                   pct(ms + 1, (size_t)runs - 1, .5), pct(cpu_ms + 1, (size_t)runs - 1, .5));
        }
        idx_close(ix);
        vocab_free(v);
        return 0;
    }
    if (nverify > 0) {
        unsigned long long saved = rng_state;
        int bad = 0;
        for (long i = 0; i < nverify; i++) {
            idx_query q;
            char qbuf[128];
            const char *vals[IDX_F__COUNT][3];
            make_query((int)(i % Q_KINDS), v, &q, qbuf, sizeof qbuf, vals);
            idx_result res;
            if (idx_search(ix, &q, &res, &err) != SP_OK) {
                fprintf(stderr, "bench_search: search failed: %s\n", err.msg);
                return 1;
            }
            bad += verify_one(ix, &q, &res, i);
            idx_result_free(&res);
        }
        printf("verify: %ld queries, %d mismatches\n", nverify, bad);
        if (bad)
            return 1;
        rng_state = saved;
    }
    /* The first search builds the facet table (once per index revision,
     * see docs/index.md): timed apart from the mix. */
    {
        idx_query q;
        idx_query_init(&q);
        idx_result res;
        double t0 = now_s();
        if (idx_search(ix, &q, &res, &err) != SP_OK) {
            fprintf(stderr, "bench_search: search failed: %s\n", err.msg);
            return 1;
        }
        printf("first search (builds the facet table): %.1f ms\n", (now_s() - t0) * 1000.0);
        idx_result_free(&res);
    }
    double *lat[Q_KINDS];
    size_t nlat[Q_KINDS] = {0};
    double *cpu = calloc((size_t)nq, sizeof(double));
    double all_t0 = now_s();
    for (int k = 0; k < Q_KINDS; k++)
        lat[k] = calloc((size_t)nq, sizeof(double));
    double *all = calloc((size_t)nq, sizeof(double));
    size_t nall = 0;
    for (long i = 0; i < nq; i++) {
        int kind = (int)(i % Q_KINDS);
        idx_query q;
        char qbuf[128];
        const char *vals[IDX_F__COUNT][3];
        make_query(kind, v, &q, qbuf, sizeof qbuf, vals);
        idx_result res;
        double c0 = cpu_s();
        double t0 = now_s();
        int rc = idx_search(ix, &q, &res, &err);
        double dt = (now_s() - t0) * 1000.0;
        cpu[nall] = (cpu_s() - c0) * 1000.0;
        if (rc != SP_OK) {
            fprintf(stderr, "bench_search: search failed: %s\n", err.msg);
            continue;
        }
        if (slow_ms >= 0 && dt >= slow_ms) {
            fprintf(stderr, "slow: %.2f ms, %zu matches, %s q=\"%s\"", dt, res.total,
                    kind_names[kind], q.q ? q.q : "");
            for (int f = 0; f < IDX_F__COUNT; f++)
                for (size_t j = 0; j < q.n_filters[f]; j++)
                    fprintf(stderr, " %s=%s", idx_field_name((idx_field)f), q.filters[f][j]);
            fprintf(stderr, "\n");
        }
        idx_result_free(&res);
        lat[kind][nlat[kind]++] = dt;
        all[nall++] = dt;
    }
    double wall = now_s() - all_t0;
    printf("%-20s %8s %8s %8s %8s %8s\n", "query mix (in-process)", "n", "p50 ms", "p95 ms",
           "p99 ms", "QPS");
    for (int k = 0; k < Q_KINDS; k++) {
        qsort(lat[k], nlat[k], sizeof(double), cmp_double);
        double sum = 0;
        for (size_t i = 0; i < nlat[k]; i++)
            sum += lat[k][i];
        printf("%-22s %8zu %8.2f %8.2f %8.2f %8.0f\n", kind_names[k], nlat[k],
               pct(lat[k], nlat[k], .5), pct(lat[k], nlat[k], .95), pct(lat[k], nlat[k], .99),
               sum > 0 ? (double)nlat[k] / (sum / 1000.0) : 0);
        free(lat[k]);
    }
    qsort(all, nall, sizeof(double), cmp_double);
    printf("%-22s %8zu %8.2f %8.2f %8.2f %8.0f\n", "all", nall, pct(all, nall, .5),
           pct(all, nall, .95), pct(all, nall, .99), (double)nall / wall);
    qsort(cpu, nall, sizeof(double), cmp_double);
    printf("%-22s %8zu %8.2f %8.2f %8.2f %8.0f\n", "all, CPU time", nall, pct(cpu, nall, .5),
           pct(cpu, nall, .95), pct(cpu, nall, .99), (double)nall / wall);
    free(all);
    free(cpu);
    idx_close(ix);
    vocab_free(v);
    return 0;
}
