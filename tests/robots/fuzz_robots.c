/*
 * fuzz_robots.c - libFuzzer target for crawler/robots.h: the first line of
 * the input is the URL to ask about, the rest is a robots.txt body.  Parses,
 * then queries matching, crawl delay and sitemaps for a few agents.  Also
 * linked into robots_fuzz_replay (tests/fuzz/replay.c) so CI replays the
 * seeds without clang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t ulen = nl ? (size_t)(nl - p) : 0;
    if (ulen > 4096)
        ulen = 4096;
    char *url = malloc(ulen + 1);
    if (!url)
        return 0;
    memcpy(url, p, ulen);
    url[ulen] = '\0';
    const char *body = nl ? nl + 1 : p;
    size_t blen = nl ? size - (size_t)(nl + 1 - p) : size;
    robots_t *r = NULL;
    if (robots_parse(body, blen, &r, NULL) == SP_OK) {
        static const char *agents[] = {"*", "FooBot", "Signpost/0.1 (+https://x)", "", "a"};
        for (size_t i = 0; i < sizeof agents / sizeof agents[0]; i++) {
            int a = robots_allowed(r, agents[i], url);
            int m = robots_match(r, agents[i], url);
            if ((a != 0 && a != 1) || (m != 0 && m != 1) || (m && !a))
                abort(); /* allowed is match plus an implicit allow */
            double d = robots_crawl_delay(r, agents[i]);
            if (d != -1 && (d < 0 || d > 86400))
                abort();
        }
        size_t n = 0;
        const char *const *maps = robots_sitemaps(r, &n);
        for (size_t i = 0; i < n; i++)
            if (strlen(maps[i]) == 0)
                abort();
        robots_free(r);
    }
    free(url);
    return 0;
}
