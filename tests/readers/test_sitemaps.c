/*
 * test_sitemaps.c - the sitemap reader against crawler-commons' sitemap
 * and RSS fixtures ($SIGNPOST_SHARED/conformance/crawler-commons) and the
 * project's own cases, both listed with their expectations in
 * data/sitemaps.expect; then the bounds: 50,000 URLs per sitemap, 50 MB
 * inflated, truncated gzip.
 *
 * Prints "sitemaps: N/M cases pass (P%)"; every case must pass.  When the
 * shared folder is absent only the own cases and bounds run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "feed_int.h"
#include "util.h"
#include "../core/tcheck.h"

static const char *DOC = "http://www.example.com/sitemap.xml";


/* One line of sitemaps.expect; returns 1 pass, 0 fail, -1 skipped. */
static int run_case(char *line, const char *cc_root, const char *own_root)
{
    char *save = NULL;
    char *file = strtok_r(line, " \t", &save);
    char *kind = strtok_r(NULL, " \t", &save);
    char *count = strtok_r(NULL, " \t", &save);
    if (file == NULL || kind == NULL || count == NULL)
        return -1;
    char *path;
    if (strncmp(file, "cc:", 3) == 0) {
        if (cc_root == NULL)
            return -1;
        path = sp_printf("%s/%s", cc_root, file + 3);
    } else {
        path = sp_printf("%s/%s", own_root, file + 4);
    }
    size_t len;
    char *body = tu_read(path, &len);
    if (body == NULL) {
        printf("FAIL %s: cannot read\n", path);
        free(path);
        return 0;
    }
    feed_output o;
    feed_output_init(&o);
    sp_err err = {0};
    int rc = feed_read_sitemap(body, len, DOC, &o, &err);
    int ok = 1;
    const char *want_rc = "SP_OK";
    feed_link_kind k = strcmp(kind, "sitemap") == 0 ? FEED_LINK_SITEMAP : FEED_LINK_PAGE;
    if ((size_t)atol(count) != o.n_links) {
        printf("FAIL %s: %zu links, want %s\n", file, o.n_links, count);
        ok = 0;
    }
    for (size_t i = 0; i < o.n_links; i++)
        if (o.links[i].kind != k) {
            printf("FAIL %s: link %zu has kind %d\n", file, i, (int)o.links[i].kind);
            ok = 0;
        }
    for (char *c = strtok_r(NULL, " \t", &save); c != NULL; c = strtok_r(NULL, " \t", &save)) {
        if (strncmp(c, "rc=", 3) == 0) {
            want_rc = c + 3;
            continue;
        }
        char *eq = strchr(c, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        size_t idx = (size_t)atol(c);
        const char *field = strchr(c, '.');
        if (idx >= o.n_links) {
            printf("FAIL %s: no link %zu\n", file, idx);
            ok = 0;
            continue;
        }
        feed_link *l = &o.links[idx];
        if (field == NULL) {
            if (strcmp(l->url, eq + 1) != 0) {
                printf("FAIL %s: link %zu is %s, want %s\n", file, idx, l->url, eq + 1);
                ok = 0;
            }
        } else if (strcmp(field, ".lastmod") == 0) {
            char t[32] = "0";
            if (l->lastmod != 0)
                sp_time_format(l->lastmod, t);
            if (strcmp(t, eq + 1) != 0) {
                printf("FAIL %s: link %zu lastmod %s, want %s\n", file, idx, t, eq + 1);
                ok = 0;
            }
        } else if (strcmp(field, ".priority") == 0) {
            double want = atof(eq + 1);
            if (l->priority != want) {
                printf("FAIL %s: link %zu priority %g, want %g\n", file, idx, l->priority, want);
                ok = 0;
            }
        }
    }
    if (strcmp(sp_code_name(rc), want_rc) != 0) {
        printf("FAIL %s: returned %s (%s), want %s\n", file, sp_code_name(rc), err.msg, want_rc);
        ok = 0;
    }
    feed_output_free(&o);
    free(body);
    free(path);
    return ok;
}

static char *gzip_bytes(const char *data, size_t n, size_t *out_len)
{
    uLong bound = compressBound((uLong)n) + 64;
    char *out = malloc(bound);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)bound;
    deflate(&zs, Z_FINISH);
    *out_len = bound - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static void bounds(void)
{
    /* 50,001 URLs: the first 50,000 are kept and the reader says why it
     * stopped. */
    sp_buf b = {0};
    for (int i = 0; i < 50001; i++)
        sp_buf_printf(&b, "http://www.example.com/page/%d\n", i);
    feed_output o;
    feed_output_init(&o);
    sp_err err = {0};
    int rc = feed_read_sitemap(b.data, b.len, DOC, &o, &err);
    CHECK(rc == SP_ELIMIT, "50,001 URLs: rc %s, want SP_ELIMIT", sp_code_name(rc));
    CHECK(o.n_links == 50000, "50,001 URLs: kept %zu, want 50000", o.n_links);
    feed_output_free(&o);

    /* The same list gzipped and cut in half: what inflated is read. */
    size_t gl;
    char *gz = gzip_bytes(b.data, b.len, &gl);
    feed_output_init(&o);
    rc = feed_read_sitemap(gz, gl / 2, DOC, &o, &err);
    CHECK(rc == SP_OK && o.n_links > 100 && o.n_links < 50000,
          "truncated gzip: rc %s, %zu links", sp_code_name(rc), o.n_links);
    feed_output_free(&o);
    free(gz);
    sp_buf_free(&b);

    /* A gzip bomb: 60 MB of blanks inflate past the 50 MB bound. */
    size_t big = 60u * 1024u * 1024u;
    char *blank = malloc(big);
    memset(blank, ' ', big);
    memcpy(blank, "http://www.example.com/\n", 24);
    gz = gzip_bytes(blank, big, &gl);
    free(blank);
    feed_output_init(&o);
    rc = feed_read_sitemap(gz, gl, DOC, &o, &err);
    CHECK(rc == SP_ELIMIT, "gzip bomb: rc %s, want SP_ELIMIT", sp_code_name(rc));
    feed_output_free(&o);
    free(gz);

    /* Corrupt gzip. */
    feed_output_init(&o);
    rc = feed_read_sitemap("\x1f\x8b\x08\x00garbage-garbage", 20, DOC, &o, &err);
    CHECK(rc == SP_EPARSE && o.n_links == 0, "corrupt gzip: rc %s", sp_code_name(rc));
    feed_output_free(&o);
}

int main(void)
{
    const char *src = getenv("SIGNPOST_SOURCE");
    char *own = sp_printf("%s/tests/readers/data", src != NULL ? src : ".");
    char *expect = sp_printf("%s/sitemaps.expect", own);
    char *cc = tu_conformance("crawler-commons");
    char *text = tu_read(expect, NULL);
    if (text == NULL) {
        printf("FAIL cannot read %s\n", expect);
        return 1;
    }
    int cases = 0, passed = 0, cc_cases = 0, cc_passed = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        bool is_cc = strncmp(line, "cc:", 3) == 0;
        int r = run_case(line, cc, own);
        if (r < 0)
            continue;
        cases++;
        passed += r;
        if (is_cc) {
            cc_cases++;
            cc_passed += r;
        }
    }
    bounds();
    if (cc != NULL)
        printf("sitemaps: crawler-commons %d/%d fixtures as expected (%.1f%%)\n", cc_passed,
               cc_cases, cc_cases ? 100.0 * cc_passed / cc_cases : 0);
    else
        printf("sitemaps: crawler-commons fixtures skipped ($SIGNPOST_SHARED absent)\n");
    printf("sitemaps: %d/%d cases pass (%.1f%%), bounds %s\n", passed, cases,
           cases ? 100.0 * passed / cases : 0, t_failures ? "FAIL" : "ok");
    free(text);
    free(expect);
    free(own);
    free(cc);
    return passed == cases && t_failures == 0 ? 0 : 1;
}
