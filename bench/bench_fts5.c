/*
 * bench_fts5.c - a peer for the search benchmark: SQLite FTS5 over the same
 * synthetic services, asked the same text-only queries as bench_search
 * (same words, same seeded generator), each answered as Signpost answers
 * it: the top 10 by relevance (FTS5's bm25), the total and the counts of
 * one facet (GROUP BY over every match).  It then runs the same queries
 * against a Signpost index built by bench_search (all eight facets, exact,
 * plus snippets and the stored records of the hits) and prints both and
 * their ratio.  Not a test: it prints figures.
 *
 *   bench_fts5 --load FILE.ndjson --db FILE.sqlite --index DIR [--queries N]
 *
 * The FTS5 table holds the text Signpost ranks (name, organisation name,
 * description, eligibility, application process) with the porter stemmer;
 * its facet column is the record's first service area name (FTS5 needs no
 * enrichment for that; Signpost's facets come from enrichment).  With an
 * existing --db the load is skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "bench.h"
#include "idx.h"

#define MAX_LINE (1u << 20) /* bytes of one NDJSON record */

static const char *str_at(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int load(sqlite3 *db, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_fts5: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *err = NULL;
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                     "CREATE VIRTUAL TABLE svc USING fts5(name, org, description, eligibility,"
                     " process, area UNINDEXED, tokenize='porter unicode61');"
                     "BEGIN;",
                     NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_fts5: %s\n", err);
        sqlite3_free(err);
        fclose(f);
        return -1;
    }
    sqlite3_stmt *ins = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO svc VALUES (?,?,?,?,?,?)", -1, &ins, NULL);
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len;
    double t0 = now_s(), c0 = proc_cpu_s();
    while ((len = getline(&line, &cap, f)) > 0) {
        if ((size_t)len > MAX_LINE)
            continue;
        json_t *o = json_loadb(line, (size_t)len, 0, NULL);
        if (!o)
            continue;
        json_t *areas = json_object_get(o, "service_areas");
        const char *area = str_at(json_array_get(areas, 0), "name");
        sqlite3_bind_text(ins, 1, str_at(o, "name"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, str_at(json_object_get(o, "organization"), "name"), -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, str_at(o, "description"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, str_at(o, "eligibility_description"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, str_at(o, "application_process"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 6, area, -1, SQLITE_TRANSIENT);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        json_decref(o);
        n++;
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT; INSERT INTO svc(svc) VALUES('optimize');", NULL, NULL, NULL);
    double t = now_s() - t0, cpu = proc_cpu_s() - c0;
    printf("fts5 indexing CPU: %.2f s = %.3f ms a record\n", cpu, n ? cpu * 1000.0 / (double)n : 0.0);
    printf("fts5 indexing: %zu docs in %.1f s = %.0f docs/s (JSON parse included, no "
           "enrichment)\n", n, t, (double)n / t);
    free(line);
    fclose(f);
    return 0;
}

typedef struct stats {
    double *lat;
    size_t n;
    double wall;
} stats;

static void report(const char *name, stats *s)
{
    qsort(s->lat, s->n, sizeof(double), cmp_double);
    printf("%-26s %6zu %8.2f %8.2f %8.2f %8.0f\n", name, s->n, pct(s->lat, s->n, .5),
           pct(s->lat, s->n, .95), pct(s->lat, s->n, .99), (double)s->n / s->wall);
}

int main(int argc, char **argv)
{
    const char *loadfile = NULL, *dbfile = NULL, *dir = NULL;
    long nq = 1000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--load") && i + 1 < argc)
            loadfile = argv[++i];
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            dbfile = argv[++i];
        else if (!strcmp(argv[i], "--index") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
            nq = strtol(argv[++i], NULL, 10);
        else
            dbfile = NULL, nq = -1;
    }
    if (!dbfile || !dir || nq <= 0) {
        fprintf(stderr, "usage: bench_fts5 --load FILE.ndjson --db FILE.sqlite --index DIR "
                        "[--queries N]\n");
        return 2;
    }
    sqlite3 *db = NULL;
    FILE *exists = fopen(dbfile, "r");
    bool fresh = !exists;
    if (exists)
        fclose(exists);
    if (sqlite3_open(dbfile, &db) != SQLITE_OK) {
        fprintf(stderr, "bench_fts5: cannot open %s\n", dbfile);
        return 1;
    }
    if (fresh && (!loadfile || load(db, loadfile) != 0))
        return 1;
    sqlite3_stmt *top = NULL, *grp = NULL;
    if (sqlite3_prepare_v2(db, "SELECT rowid, name FROM svc WHERE svc MATCH ?1 ORDER BY rank "
                               "LIMIT 10", -1, &top, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT area, count(*) FROM svc WHERE svc MATCH ?1 GROUP BY area",
                           -1, &grp, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_fts5: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    idx *ix = NULL;
    sp_err err = {0};
    if (idx_open_read(dir, &ix, &err) != SP_OK) {
        fprintf(stderr, "bench_fts5: %s\n", err.msg);
        return 1;
    }
    idx_result warm;
    idx_query wq;
    idx_query_init(&wq);
    if (idx_search(ix, &wq, &warm, &err) == SP_OK) /* builds the facet table */
        idx_result_free(&warm);

    stats fts = {calloc((size_t)nq, sizeof(double)), 0, 0};
    stats sp = {calloc((size_t)nq, sizeof(double)), 0, 0};
    /* Text-only queries drawn as bench_search draws its own: one or two of
     * the same words, same seeded generator. */
    char (*qs)[128] = calloc((size_t)nq, sizeof *qs);
    size_t nqs = 0;
    for (long i = 0; i < nq; i++) {
        size_t nw = 1 + rng() % 2;
        char q[128] = "";
        for (size_t k = 0; k < nw; k++) {
            strncat(q, words[rng() % NWORDS], sizeof q - strlen(q) - 2);
            strncat(q, " ", sizeof q - strlen(q) - 1);
        }
        memcpy(qs[nqs++], q, sizeof q);
    }
    size_t fts_total = 0, sp_total = 0;
    double t0 = now_s();
    for (size_t i = 0; i < nqs; i++) {
        /* Each word quoted: "self-employment" and "over 50" become phrases,
         * words AND together as in Signpost. */
        char m[256] = "";
        char *save = NULL, copy[128];
        memcpy(copy, qs[i], sizeof copy);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            strncat(m, "\"", sizeof m - strlen(m) - 1);
            strncat(m, w, sizeof m - strlen(m) - 1);
            strncat(m, "\" ", sizeof m - strlen(m) - 1);
        }
        double a = now_s();
        sqlite3_bind_text(top, 1, m, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(top) == SQLITE_ROW)
            ;
        sqlite3_reset(top);
        sqlite3_bind_text(grp, 1, m, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(grp) == SQLITE_ROW)
            fts_total += (size_t)sqlite3_column_int64(grp, 1);
        sqlite3_reset(grp);
        fts.lat[fts.n++] = (now_s() - a) * 1000.0;
    }
    fts.wall = now_s() - t0;
    t0 = now_s();
    for (size_t i = 0; i < nqs; i++) {
        idx_query q;
        idx_query_init(&q);
        q.q = qs[i];
        idx_result res;
        double a = now_s();
        if (idx_search(ix, &q, &res, &err) != SP_OK) {
            fprintf(stderr, "bench_fts5: %s\n", err.msg);
            return 1;
        }
        sp.lat[sp.n++] = (now_s() - a) * 1000.0;
        sp_total += res.total;
        idx_result_free(&res);
    }
    sp.wall = now_s() - t0;
    printf("index: %zu documents\n", idx_count(ix));
    printf("%-26s %6s %8s %8s %8s %8s\n", "text-only queries", "n", "p50 ms", "p95 ms",
           "p99 ms", "QPS");
    report("SQLite FTS5 (1 facet)", &fts);
    report("Signpost (8 facets)", &sp);
    printf("matches summed over the queries: FTS5 %zu, Signpost %zu (stemmers and synonyms "
           "differ)\n", fts_total, sp_total);
    printf("ratio FTS5/Signpost: p50 %.2f, p99 %.2f, QPS %.2f (above 1: Signpost faster)\n",
           pct(fts.lat, fts.n, .5) / pct(sp.lat, sp.n, .5),
           pct(fts.lat, fts.n, .99) / pct(sp.lat, sp.n, .99),
           ((double)sp.n / sp.wall) / ((double)fts.n / fts.wall));
    free(fts.lat);
    free(sp.lat);
    free(qs);
    sqlite3_finalize(top);
    sqlite3_finalize(grp);
    sqlite3_close(db);
    idx_close(ix);
    return 0;
}
