/*
 * test_rss_cases.c - the feed reader on the project's own feeds
 * (data/rss/): RSS 2.0 in Latin-1 with CDATA, escaped HTML, RFC 822 dates,
 * relative links and permalink guids; Atom with nested xml:base, xhtml
 * titles and rel choice; and hostile XML (external entities, an entity
 * expansion bomb), plus the item count bound and junk input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "feed_int.h"
#include "util.h"
#include "../core/tcheck.h"



static bool eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

static int read_file(const char *dir, const char *name, const char *url, feed_output *o,
                     sp_err *err)
{
    char *p = sp_printf("%s/%s", dir, name);
    size_t len;
    char *b = tu_read(p, &len);
    free(p);
    feed_output_init(o);
    if (b == NULL)
        return sp_fail(err, SP_EIO, "cannot read %s", name);
    int rc = feed_read_rss(b, len, url, o, err);
    free(b);
    return rc;
}

static void quiet(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

int main(void)
{
    xmlSetGenericErrorFunc(NULL, quiet);
    const char *src = getenv("SIGNPOST_SOURCE");
    char *dir = sp_printf("%s/tests/readers/data/rss", src != NULL ? src : ".");
    feed_output o;
    sp_err err = {0};

    int rc = read_file(dir, "jobs.xml", "https://works.example/feed.xml", &o, &err);
    CHECK(rc == SP_OK, "jobs.xml: %s", err.msg);
    CHECK(eq(o.title, "Hackney Works & Partners"), "title trimmed, entity undone: %s", o.title);
    CHECK(eq(o.link, "https://works.example/"), "channel link, not atom:link self: %s", o.link);
    CHECK(eq(o.version, "rss2.0"), "version %s", o.version);
    CHECK(o.n_recs == 2, "%zu items", o.n_recs);
    if (o.n_recs == 2) {
        CHECK(eq(o.recs[0].name, "Job club every Tuesday"), "CDATA HTML title: %s",
              o.recs[0].name);
        CHECK(eq(o.recs[0].url, "https://works.example/events/job-club"), "relative link: %s",
              o.recs[0].url);
        CHECK(eq(o.recs[0].description, "Help with CVs & applications. Caf\xc3\xa9 on site."),
              "escaped HTML description: %s", o.recs[0].description);
        CHECK(eq(o.recs[0].last_modified, "2026-11-10T09:30:00Z"), "RFC 822 date: %s",
              o.recs[0].last_modified);
        CHECK(eq(o.recs[0].prov.local_id, "job-club-2026"), "guid as local id");
        CHECK(eq(o.recs[1].name, "Caf\xc3\xa9 skills course"), "Latin-1 decoded: %s",
              o.recs[1].name);
        CHECK(eq(o.recs[1].url, "https://works.example/courses/cafe"), "permalink guid: %s",
              o.recs[1].url);
        CHECK(eq(o.recs[1].last_modified, "2026-11-01T11:00:00Z"), "dc:date: %s",
              o.recs[1].last_modified);
        CHECK(o.recs[0].id != NULL && o.recs[1].id != NULL && strcmp(o.recs[0].id, o.recs[1].id),
              "distinct stable ids");
    }
    CHECK(o.n_links == 2 && o.links[0].kind == FEED_LINK_PAGE, "one page link per item");
    feed_output_free(&o);

    rc = read_file(dir, "atom-base.xml", "https://other.example/feed", &o, &err);
    CHECK(rc == SP_OK, "atom-base.xml: %s", err.msg);
    CHECK(eq(o.title, "Skills news"), "html title as text: %s", o.title);
    CHECK(eq(o.link, "https://base.example/news/"), "xml:base link: %s", o.link);
    CHECK(eq(o.version, "atom10"), "version %s", o.version);
    if (o.n_recs == 1) {
        CHECK(eq(o.recs[0].name, "ESOL starts soon"), "xhtml title: %s", o.recs[0].name);
        CHECK(eq(o.recs[0].url, "https://base.example/news/items/esol.html"),
              "nested xml:base, alternate over enclosure: %s", o.recs[0].url);
        CHECK(eq(o.recs[0].description, "Free English classes."), "summary first");
        CHECK(eq(o.recs[0].last_modified, "2026-11-20T08:00:00Z"), "updated");
    } else {
        CHECK(false, "atom: %zu entries", o.n_recs);
    }
    feed_output_free(&o);

    rc = read_file(dir, "xxe.xml", "http://feed.example/feed", &o, &err);
    CHECK(rc == SP_OK && o.n_recs == 1, "xxe.xml read: %s", err.msg);
    for (size_t i = 0; i < o.n_recs; i++)
        CHECK(!(o.recs[i].description && strstr(o.recs[i].description, "root:x:0:0:")) &&
                  !(o.recs[i].name && strstr(o.recs[i].name, "root:")),
              "external entity expanded");
    CHECK(o.title == NULL || strstr(o.title, "root:") == NULL, "external entity in title");
    feed_output_free(&o);

    rc = read_file(dir, "laughs.xml", "http://feed.example/feed", &o, &err);
    size_t biggest = 0;
    for (size_t i = 0; i < o.n_recs; i++)
        if (o.recs[i].name != NULL && strlen(o.recs[i].name) > biggest)
            biggest = strlen(o.recs[i].name);
    CHECK(biggest <= 1024, "entity bomb bounded: title of %zu bytes", biggest);
    feed_output_free(&o);

    /* HTML's named entities, undeclared, as HTML tools write them. */
    static const char ents[] =
        "<rss version=\"2.0\"><channel><title>Caf&eacute;&nbsp;club &copy; 2026</title>"
        "<item><title>Na&iuml;ve &amp; &unknownentity; ok</title><link>http://x.example/1</link>"
        "</item></channel></rss>";
    feed_output_init(&o);
    rc = feed_read_rss(ents, sizeof ents - 1, "http://x.example/feed", &o, &err);
    CHECK(eq(o.title, "Caf\xc3\xa9\xc2\xa0" "club \xc2\xa9 2026"), "HTML entities: %s", o.title);
    CHECK(o.n_recs == 1 && eq(o.recs[0].name, "Na\xc3\xafve & ok"), "item entities: %s",
          o.n_recs ? o.recs[0].name : "-");
    feed_output_free(&o);

    /* More items than the bound: the first 10,000 kept, SP_ELIMIT says why. */
    sp_buf b = {0};
    sp_buf_puts(&b, "<rss><channel><title>Many</title>");
    for (int i = 0; i < 10001; i++)
        sp_buf_printf(&b, "<item><title>T%d</title><link>http://x.example/%d</link></item>", i, i);
    sp_buf_puts(&b, "</channel></rss>");
    feed_output_init(&o);
    rc = feed_read_rss(b.data, b.len, "http://x.example/feed", &o, &err);
    CHECK(rc == SP_ELIMIT && o.n_recs == 10000, "item bound: %s, %zu items", sp_code_name(rc),
          o.n_recs);
    feed_output_free(&o);
    sp_buf_free(&b);

    /* Junk is an error with a message, never a crash. */
    static const char *const junk[] = {"", "not xml at all", "<html><body>page</body></html>",
                                       "<?xml version='1.0'?><rss", "\x00\x01\x02"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        feed_output_init(&o);
        rc = feed_read_rss(junk[i], strlen(junk[i]), "http://x.example/", &o, &err);
        CHECK(o.n_recs == 0, "junk %zu gave items", i);
        CHECK(rc != SP_OK || i == 3, "junk %zu accepted (%s)", i, sp_code_name(rc));
        feed_output_free(&o);
    }

    free(dir);
    return t_done("rss_cases");
}
