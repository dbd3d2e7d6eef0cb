/*
 * tcheck.h - the one harness Signpost's C test programs share: CHECK counts
 * checks and failures and says where each failure is, so one run reports
 * every broken assertion; t_done turns the count into the exit status.
 *
 *   CHECK(cond);                       reports the condition's text
 *   CHECK(cond, "got %d", n);          ... and a printf-style message
 *   CHECK_STR(got, want);              two strings equal (NULL never is)
 *
 * The counters are atomic: a test that checks from several threads (the
 * searchd tests) counts right.
 */
#ifndef TCHECK_H
#define TCHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Atomic int t_failures;
static _Atomic int t_checks;

__attribute__((format(printf, 4, 5), unused)) static void
t_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "%s:%d: CHECK failed: %s;", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The message's format gets a leading space pasted on (" " "fmt"), which
 * also keeps CHECK(cond) from passing an empty format. */
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        t_checks++;                                                           \
        if (!(cond)) {                                                        \
            t_failures++;                                                     \
            t_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);               \
        }                                                                     \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *t_a = (a), *t_b = (b);                                    \
        t_checks++;                                                           \
        if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {            \
            t_failures++;                                                     \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, \
                    __LINE__, #a, t_a ? t_a : "(null)", t_b ? t_b : "(null)"); \
        }                                                                     \
    } while (0)

/* Print a summary and turn it into the exit status meson expects. */
static inline int t_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, (int)t_checks, (int)t_failures);
    return t_failures == 0 ? 0 : 1;
}

#endif
