/*
 * test_bkeys.c - the blocking keys' sort (indexer/dedupe_link.c,
 * dd_sort_bkeys) gives exactly qsort's order under dd_cmp_bkey, on the
 * sizes where it takes its radix path (4,096 keys and more) and where it
 * does not: keys from a narrow range (many big blocks), from the whole
 * 64-bit range (mostly blocks of one), keys sharing their low digits, and
 * all keys equal.  A wrong order would split or merge linkage blocks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe_impl.h"

static unsigned long long rng = 88172645463325252ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

enum { NARROW, WIDE, HIGH_ONLY, ALL_EQUAL };

static int check(size_t n, int shape)
{
    dd_bkey *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        fprintf(stderr, "FAIL: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = next();
        if (shape == NARROW)
            k %= n / 8 + 1;                /* blocks of about eight */
        else if (shape == HIGH_ONLY)
            k = (k % 97) << 48;            /* only the top digit differs */
        else if (shape == ALL_EQUAL)
            k = 42;
        a[i] = (dd_bkey){k, (uint32_t)(next() % 5), (uint32_t)(n - i), (uint32_t)i};
    }
    memcpy(b, a, n * sizeof *a);
    dd_sort_bkeys(a, n);
    qsort(b, n, sizeof *b, dd_cmp_bkey);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++)
        if (a[i].key != b[i].key || a[i].sub != b[i].sub || a[i].rank != b[i].rank ||
            a[i].rec != b[i].rec) {
            fprintf(stderr, "FAIL: n=%zu shape=%d: key %zu differs from qsort's order\n", n,
                    shape, i);
            bad = 1;
        }
    free(a);
    free(b);
    return bad;
}

int main(void)
{
    static const size_t sizes[] = {0, 1, 2, 100, 4095, 4096, 4097, 65537, 300000};
    int fails = 0, runs = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int shape = NARROW; shape <= ALL_EQUAL; shape++) {
            fails += check(sizes[s], shape);
            runs++;
        }
    printf("bkeys: %d sorts checked against qsort, %d failed\n", runs, fails);
    return fails != 0;
}
