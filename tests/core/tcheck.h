/*
 * tcheck.h - the few macros Signpost's C test programs share: CHECK counts
 * failures and says where, so one run reports every broken assertion.
 */
#ifndef TCHECK_H
#define TCHECK_H

#include <stdio.h>
#include <string.h>

static int t_failures;
static int t_checks;

#define CHECK(c)                                                              \
    do {                                                                      \
        t_checks++;                                                           \
        if (!(c)) {                                                           \
            t_failures++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
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
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return t_failures == 0 ? 0 : 1;
}

#endif
