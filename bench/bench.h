/*
 * bench.h - what the query benchmarks share (bench_search.c, bench_fts5.c):
 * clocks, percentiles, and the seeded generator and word list of the query
 * mix, so Signpost and its peers are asked the same questions.  Header-only;
 * benchmarks are single files, not a module.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <time.h>

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the work a query did, whatever else the machine
 * runs (wall-clock latency on a busy machine includes waiting for a core). */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process, every thread: what indexing costs. */
static inline double proc_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th quantile (0..1) of n sorted values. */
static inline double pct(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* xorshift64*: a seeded, portable generator so every run asks the same. */
static unsigned long long rng_state = 88172645463325252ULL;
static inline unsigned long long rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* The query mix's words. */
static const char *const words[] = {
    "cv", "interview", "esol", "english", "maths", "digital", "skills", "apprenticeship",
    "careers", "advice", "job", "search", "construction", "cscs", "security", "care",
    "hospitality", "mental", "health", "housing", "debt", "benefits", "childcare",
    "volunteering", "mentoring", "confidence", "self-employment", "work", "placement",
    "young", "people", "over 50", "refugees", "disability", "training", "course", "support",
};
#define NWORDS (sizeof words / sizeof words[0])

#endif
