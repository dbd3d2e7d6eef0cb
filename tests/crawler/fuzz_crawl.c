/*
 * fuzz_crawl.c - libFuzzer target for what the crawler does to untrusted
 * bytes itself: charset detection and conversion of fetched bodies
 * (text.c) and the sources.conf parser (conf.c).  The first input byte
 * picks the target and, for bodies, the Content-Type header.  The plain
 * regression tests (crawler_text, crawl_conf) replay the data cases in
 * tests/crawler/charset and tests/crawler/conf through the same functions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawl.h"
#include "crawl_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *types[] = {
        NULL, "text/html", "text/html; charset=iso-8859-1", "application/xml",
        "application/json; charset=utf-16", "text/plain; charset=bogus-charset",
        "text/csv; charset=\"windows-1252\"", "application/octet-stream",
    };
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    if (sel & 0x80) {
        crawl_conf *c = NULL;
        if (crawl_conf_parse(body, len, "fuzz.conf", &c, NULL) == SP_OK) {
            for (size_t i = 0; i < c->n; i++)
                free(crawl_source_json(&c->v[i]));
            crawl_conf_free(c);
        }
        return 0;
    }
    const char *ct = types[sel % (sizeof types / sizeof types[0])];
    char *out = NULL, *out_ct = NULL, cs[64], hash[CRAWL_HASH_LEN];
    size_t out_len = 0;
    (void)crawl_is_text(ct, body, len);
    (void)crawl_detect_charset(ct, body, len, cs, sizeof cs);
    if (crawl_to_utf8(body, len, ct, &out, &out_len, &out_ct, NULL) == SP_OK) {
        crawl_content_hash(out, out_len, hash);
        free(out);
        free(out_ct);
    }
    return 0;
}
