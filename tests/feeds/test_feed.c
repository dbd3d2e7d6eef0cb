/*
 * test_feed.c - feeds/feed.c: format names, sniffing (body, content type,
 * URL), URL resolution through libcurl, the output appenders; and the
 * ORUK/NDJSON readers' bounds on hostile input (deep nesting, huge arrays,
 * huge bodies, truncation at every byte) failing cleanly; and
 * feed_read_doc, the one document entry point: links only (the crawler's
 * cheap path) give the same links as a full read and no records.
 */
#include <stdlib.h>
#include <string.h>

#include "feed_int.h"
#include "tcheck.h"

static void test_names(void)
{
    for (int f = 0; f < FEED__COUNT; f++)
        CHECK(feed_format_from_name(feed_format_name((feed_format)f)) == f);
    CHECK(feed_format_from_name("ORUK") == FEED_ORUK);
    CHECK(feed_format_from_name("hsds") == FEED_ORUK);
    CHECK(feed_format_from_name("atom") == FEED_RSS);
    CHECK(feed_format_from_name("csv") == -1);
    CHECK(feed_format_from_name(NULL) == -1);
    CHECK_STR(feed_format_name(FEED_NDJSON), "ndjson");
    CHECK_STR(feed_format_name((feed_format)99), "unknown");
}

static void test_sniff(void)
{
    static const struct {
        const char *body, *url, *ctype;
        feed_format want;
    } t[] = {
        {"{\"contents\":[]}", NULL, NULL, FEED_ORUK},
        {"\xEF\xBB\xBF  [ {\"id\":1} ]", NULL, NULL, FEED_ORUK},
        {"{\"id\":1}\n{\"id\":2}\n", NULL, NULL, FEED_NDJSON},
        {"{\n  \"id\": 1,\n  \"x\": {}\n}\n", NULL, NULL, FEED_ORUK},
        {"{\n \"contents\": [\n  {\"id\": 1},\n  {\"id\": 2}\n ]\n}\n", NULL, NULL, FEED_ORUK},
        {"\n{\"a\":1}\r\n\r\n{\"b\":2}", NULL, NULL, FEED_NDJSON},
        {"{\"profile\":\"tabular-data-package\",\"resources\":[]}", NULL, NULL, FEED_DATAPACKAGE},
        {"{}", "https://x.org/data/datapackage.json", NULL, FEED_DATAPACKAGE},
        {"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>", NULL, NULL, FEED_RSS},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>", NULL, NULL, FEED_RSS},
        {"<?xml version=\"1.0\"?><rdf:RDF></rdf:RDF>", NULL, NULL, FEED_RSS},
        {"<?xml version=\"1.0\"?><urlset></urlset>", NULL, NULL, FEED_SITEMAP},
        {"<sitemapindex></sitemapindex>", NULL, NULL, FEED_SITEMAP},
        {"<!DOCTYPE html><html><body>x</body></html>", NULL, NULL, FEED_HTML},
        {"<html lang=en>", NULL, "text/html", FEED_HTML},
        {"https://a.org/1\nhttps://a.org/2\n", NULL, "text/plain", FEED_SITEMAP},
        {"https://a.org/1\r\nhttps://a.org/2\r\n", "https://a.org/sitemap.txt", NULL, FEED_SITEMAP},
        {"hello world\n", NULL, "text/plain", FEED_HTML},
        {"", "https://a.org/feed.rss", NULL, FEED_RSS},
        {"", "https://a.org/api/services.json?page=2", NULL, FEED_ORUK},
        {"", "https://a.org/export.ndjson", NULL, FEED_NDJSON},
        {"", NULL, "application/json; charset=utf-8", FEED_ORUK},
        {"", NULL, "application/x-ndjson", FEED_NDJSON},
        {"", NULL, "application/atom+xml", FEED_RSS},
        {"", "https://a.org/sitemap.xml", NULL, FEED_SITEMAP},
        {"", NULL, NULL, FEED_HTML},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        feed_format got = feed_sniff(t[i].body, strlen(t[i].body), t[i].url, t[i].ctype);
        t_checks++;
        if (got != t[i].want) {
            t_failures++;
            fprintf(stderr, "sniff case %zu: got %s, expected %s\n", i, feed_format_name(got),
                    feed_format_name(t[i].want));
        }
    }
    CHECK(feed_sniff(NULL, 10, NULL, NULL) == FEED_HTML);
}

static void test_resolve(void)
{
    static const struct {
        const char *base, *ref, *want;
    } t[] = {
        {"https://a.org/x/y.html", "z.html", "https://a.org/x/z.html"},
        {"https://a.org/x/y.html", "/top", "https://a.org/top"},
        {"https://a.org/x/y.html", "../up", "https://a.org/up"},
        {"https://a.org/x/y.html", "?page=2", "https://a.org/x/y.html?page=2"},
        {"https://a.org/x/", "//cdn.org/f", "https://cdn.org/f"},
        {"https://a.org/x/", "  http://b.org/p#frag  ", "http://b.org/p"},
        {"https://a.org/x/", "HTTPS://b.org/Q", "https://b.org/Q"},
        {NULL, "https://b.org/", "https://b.org/"},
        {"not a url", "https://b.org/p", "https://b.org/p"},
        {"https://a.org/", "mailto:x@a.org", NULL},
        {"https://a.org/", "javascript:alert(1)", NULL},
        {"https://a.org/", "ftp://a.org/f", NULL},
        {"https://a.org/", "", NULL},
        {NULL, "relative/only", NULL},
        {"https://a.org/", NULL, NULL},
        {"https://a.org/", "a b", "https://a.org/a%20b"},
        {"https://a.org/", "a%20b?x=%2F", "https://a.org/a%20b?x=%2F"},
        {"https://a.org/d/", "caf\xc3\xa9", "https://a.org/d/caf%c3%a9"},
        {"https://a.org:8443/d/", "e", "https://a.org:8443/d/e"},
        {"https://a.org/", "www.b.org/x", "https://a.org/www.b.org/x"},
        {NULL, "www.b.org/x", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *got = feed_resolve_url(t[i].base, t[i].ref);
        t_checks++;
        if ((got == NULL) != (t[i].want == NULL) ||
            (got != NULL && strcmp(got, t[i].want) != 0)) {
            t_failures++;
            fprintf(stderr, "resolve case %zu: got %s, expected %s\n", i, got ? got : "NULL",
                    t[i].want ? t[i].want : "NULL");
        }
        free(got);
    }
}

static void test_output(void)
{
    feed_output o;
    feed_output_init(&o);
    CHECK(o.page == -1 && o.total_pages == -1 && o.total_items == -1 && !o.shallow);
    for (int i = 0; i < 100; i++) {
        char u[64];
        snprintf(u, sizeof u, "https://a.org/%d", i);
        CHECK(feed_add_link(&o, u, FEED_LINK_PAGE, i, 0.5) == SP_OK);
    }
    CHECK(o.n_links == 100);
    CHECK_STR(o.links[99].url, "https://a.org/99");
    CHECK(o.links[42].lastmod == 42);
    CHECK(feed_add_link(&o, NULL, FEED_LINK_PAGE, 0, 0) == SP_EINVAL);
    rec_service r;
    for (int i = 0; i < 20; i++) {
        rec_service_init(&r);
        r.name = sp_printf("rec %d", i);
        CHECK(feed_add_rec(&o, &r) == SP_OK);
        CHECK(r.name == NULL); /* moved */
    }
    CHECK(o.n_recs == 20);
    CHECK_STR(o.recs[19].name, "rec 19");
    o.version = sp_strdup("3.0");
    feed_output_free(&o);
    CHECK(o.n_recs == 0 && o.recs == NULL && o.version == NULL && o.page == -1);
    feed_output_free(&o); /* twice is harmless */
}

static int read_oruk(const char *s, size_t n, size_t *recs, sp_err *e)
{
    feed_output o;
    feed_output_init(&o);
    int rc = feed_read_oruk(s, n, "https://a.org/services", &o, e);
    if (recs != NULL)
        *recs = o.n_recs;
    feed_output_free(&o);
    return rc;
}

static void test_hostile(void)
{
    sp_err e = {0};
    sp_buf b = {0};
    size_t n = 0;

    /* 10,000-deep nesting, objects and arrays */
    for (int i = 0; i < 10000; i++)
        sp_buf_puts(&b, "[");
    CHECK(read_oruk(b.data, b.len, NULL, &e) == SP_ELIMIT);
    sp_buf_free(&b);
    for (int i = 0; i < 10000; i++)
        sp_buf_puts(&b, "{\"a\":");
    CHECK(read_oruk(b.data, b.len, NULL, &e) == SP_ELIMIT);
    sp_buf_free(&b);
    /* brackets inside strings do not count */
    sp_buf_puts(&b, "{\"id\":\"1\",\"name\":\"");
    for (int i = 0; i < 1000; i++)
        sp_buf_puts(&b, "[{");
    sp_buf_puts(&b, "\",\"description\":\"d\",\"status\":\"active\"}");
    CHECK(read_oruk(b.data, b.len, &n, &e) == SP_OK && n == 1);
    sp_buf_free(&b);

    /* a page of 10,001 items */
    sp_buf_puts(&b, "{\"contents\":[");
    for (int i = 0; i < 10001; i++)
        sp_buf_printf(&b, "%s{\"id\":\"%d\",\"name\":\"n\"}", i ? "," : "", i);
    sp_buf_puts(&b, "]}");
    CHECK(read_oruk(b.data, b.len, &n, &e) == SP_ELIMIT && n == 0);
    sp_buf_free(&b);

    /* one service with 20,000 phones: that record is refused, the page's
     * other records are kept */
    sp_buf_puts(&b, "[{\"id\":\"a\",\"name\":\"A\",\"description\":\"x\"},"
                    "{\"id\":\"b\",\"name\":\"B\",\"description\":\"y\",\"phones\":[");
    for (int i = 0; i < 20000; i++)
        sp_buf_puts(&b, i ? ",{\"number\":\"1\"}" : "{\"number\":\"1\"}");
    sp_buf_puts(&b, "]},{\"id\":\"c\",\"name\":\"C\",\"description\":\"z\"}]");
    CHECK(read_oruk(b.data, b.len, &n, &e) == SP_ELIMIT);
    CHECK(n == 2);
    CHECK(strstr(e.msg, "phones") != NULL);
    sp_buf_free(&b);

    /* over the body limit */
    CHECK(read_oruk("{}", (size_t)FEED_MAX_BODY + 1, NULL, &e) == SP_ELIMIT);
    CHECK(read_oruk("", 0, NULL, &e) == SP_EPARSE);
    CHECK(read_oruk("\xEF\xBB\xBF", 3, NULL, &e) == SP_EPARSE);
    const char *bom = "\xEF\xBB\xBF{\"id\":\"1\",\"name\":\"A\",\"status\":\"active\"}";
    CHECK(read_oruk(bom, strlen(bom), &n, &e) == SP_OK && n == 1);
    CHECK(read_oruk(NULL, 0, NULL, &e) == SP_EPARSE);

    /* every truncation of a valid page fails cleanly or reads */
    const char *page = "{\"total_pages\":2,\"page_number\":1,\"contents\":[{\"id\":\"s\","
                       "\"name\":\"N\",\"description\":\"D\",\"service_at_locations\":[{"
                       "\"location\":{\"name\":\"L\",\"addresses\":[{\"postal_code\":\"E8\"}]}}]}]}";
    size_t plen = strlen(page);
    int clean = 0;
    for (size_t k = 0; k < plen; k++) {
        int rc = read_oruk(page, k, &n, &e);
        if (rc == SP_EPARSE && n == 0)
            clean++;
    }
    CHECK(clean == (int)plen);
    CHECK(read_oruk(page, plen, &n, &e) == SP_OK && n == 1);

    /* NDJSON: bad lines counted by number; good ones kept; NUL bytes */
    const char nd[] = "{\"id\":\"1\",\"name\":\"A\",\"description\":\"a\"}\n\0garbage\n"
                      "[1,2,3]\n{\"id\":\"2\",\"name\":\"B\",\"description\":\"b\"}";
    feed_output o;
    feed_output_init(&o);
    CHECK(feed_read_ndjson(nd, sizeof nd - 1, "https://a.org/x.ndjson", &o, &e) == SP_EPARSE);
    CHECK(o.n_recs == 2);
    CHECK(strstr(e.msg, "line 2") != NULL);
    feed_output_free(&o);
}

/* Links only: the same links as a full read, in the same order, and no
 * records even where a full read finds some (JSON-LD, a service page). */
static void test_read_doc(void)
{
    static const char page[] =
        "<!DOCTYPE html><html><head><title>Job club</title>"
        "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed.rss\">"
        "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
        "\"@type\":\"Service\",\"name\":\"Job club\",\"description\":\"CV help\"}"
        "</script></head><body><base href=\"https://a.org/dir/\">"
        "<a href=\"x.html\">x</a><a href=\"javascript:alert(1)\">j</a>"
        "<a href=\"https://b.org/y\">y</a><area href=\"/z#frag\"></body></html>";
    feed_output all, links;
    feed_output_init(&all);
    feed_output_init(&links);
    sp_err e = {0};
    CHECK(feed_read_doc("auto", page, sizeof page - 1, "https://a.org/p", "text/html",
                        FEED_WANT_ALL, NULL, NULL, &all, &e) == SP_OK);
    CHECK(feed_read_doc("html", page, sizeof page - 1, "https://a.org/p", "text/html",
                        FEED_WANT_LINKS, NULL, NULL, &links, &e) == SP_OK);
    CHECK(all.format == FEED_HTML && links.format == FEED_HTML);
    CHECK(all.n_recs == 1);
    CHECK(links.n_recs == 0);
    CHECK(links.n_links == all.n_links && links.n_links >= 3);
    for (size_t i = 0; i < links.n_links && i < all.n_links; i++) {
        CHECK_STR(links.links[i].url, all.links[i].url);
        CHECK(links.links[i].kind == all.links[i].kind);
    }
    feed_output_free(&all);
    feed_output_free(&links);

    /* A package's resource is read with its package, never alone. */
    feed_output o;
    feed_output_init(&o);
    CHECK(feed_read_doc("csv", "id,name\n1,x\n", 12, "https://a.org/s.csv", "text/csv",
                        FEED_WANT_ALL, NULL, NULL, &o, &e) == SP_OK);
    CHECK(o.format == FEED_AUTO && o.n_recs == 0 && o.n_links == 0);
    /* A data package's links are its resources, on its own host only. */
    static const char pkg[] =
        "{\"profile\":\"tabular-data-package\",\"resources\":["
        "{\"path\":\"services.csv\"},{\"path\":\"https://evil.example/x.csv\"}]}";
    CHECK(feed_read_doc("datapackage", pkg, sizeof pkg - 1, "https://a.org/d/datapackage.json",
                        NULL, FEED_WANT_LINKS, NULL, NULL, &o, &e) == SP_EINVAL);
    CHECK(o.format == FEED_DATAPACKAGE && o.n_links == 1);
    if (o.n_links == 1)
        CHECK_STR(o.links[0].url, "https://a.org/d/services.csv");
    CHECK(strstr(e.msg, "evil.example") != NULL);
    feed_output_free(&o);
    /* An export links nowhere: links only reads nothing. */
    CHECK(feed_read_doc("ndjson", "{\"id\":1}\n", 9, "https://a.org/x.ndjson", NULL,
                        FEED_WANT_LINKS, NULL, NULL, &o, &e) == SP_OK);
    CHECK(o.n_recs == 0 && o.n_links == 0 && o.format == FEED_NDJSON);
    feed_output_free(&o);
}

int main(void)
{
    test_names();
    test_sniff();
    test_resolve();
    test_output();
    test_hostile();
    test_read_doc();
    return t_done("test_feed");
}
