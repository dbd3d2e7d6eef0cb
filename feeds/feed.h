/*
 * feed.h - the format readers: pure functions from bytes (+ URL + content
 * type) to service records and links.  feed_read_doc is the way in for
 * every caller; the single readers and their shared helpers are internal
 * to feeds/ (feed_int.h, which only feeds/ and its tests include).  No I/O, no globals, no clocks: each
 * reader can be fuzzed and tested alone (tests/feeds, tests/fuzz).
 *
 * Every reader bounds what it accepts (body size, nesting depth, item
 * count) and fails with SP_EPARSE or SP_ELIMIT and a message naming the
 * problem; on failure the output holds whatever was read before the fault
 * (records already complete are kept), so a half-broken page loses only its
 * broken part.
 */
#ifndef FEED_H
#define FEED_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "sp.h"

typedef enum feed_format {
    FEED_AUTO = 0,    /* sniff from content type, URL and body */
    FEED_ORUK,        /* ORUK / HSDS JSON: API root, one service, or a page */
    FEED_DATAPACKAGE, /* HSDS tabular data package (datapackage.json + CSV) */
    FEED_RSS,         /* RSS 0.9x/2.0, Atom 0.3/1.0, RDF/RSS 1.0 */
    FEED_SITEMAP,     /* urlset, sitemap index, plain text (gzip undone) */
    FEED_HTML,        /* schema.org JSON-LD / microdata, then heuristics */
    FEED_NDJSON,      /* one Signpost/HSDS record per line (exports) */
    FEED__COUNT
} feed_format;

/* "oruk", "datapackage", "rss", "sitemap", "html", "ndjson", "auto". */
const char *feed_format_name(feed_format f);
int feed_format_from_name(const char *name); /* -1 when unknown */

/* Largest body any reader accepts. */
#define FEED_MAX_BODY (32u * 1024u * 1024u)

typedef enum feed_link_kind {
    FEED_LINK_PAGE = 0, /* an HTML page to fetch */
    FEED_LINK_NEXT,     /* the next page of a paged API or feed */
    FEED_LINK_DETAIL,   /* a full record behind a shallow list item */
    FEED_LINK_SITEMAP,  /* a child sitemap */
    FEED_LINK_FEED      /* a feed found on a page */
} feed_link_kind;

typedef struct feed_link {
    char *url;       /* absolute (resolved against the document's URL) */
    feed_link_kind kind;
    int64_t lastmod; /* epoch seconds; 0 unknown */
    double priority; /* sitemap priority; -1 unknown */
} feed_link;

/* What a caller wants from a document (feed_read_doc's what, and
 * feed_output.want): the crawler asks for links only, which lets the HTML
 * reader skip its structured data and heuristics altogether. */
typedef enum feed_want {
    FEED_WANT_LINKS = 1,   /* links to follow */
    FEED_WANT_RECORDS = 2, /* service records */
    FEED_WANT_ALL = 3
} feed_want;

typedef struct feed_output {
    rec_service *recs;
    size_t n_recs;
    feed_link *links;
    size_t n_links;
    /* Document-level facts, when the format has them. */
    char *title;    /* feed or page title */
    char *link;     /* feed's home link */
    char *version;  /* ORUK API root "version"; RSS/Atom flavour */
    long page, total_pages, total_items; /* paged APIs; -1 unknown */
    bool shallow;   /* list items lacked detail: fetch FEED_LINK_DETAIL */
    /* Set before reading (feed_output_init: FEED_WANT_ALL).  A reader may
     * skip what is not wanted; records may still come with links only
     * (the ORUK and RSS readers find links while building records). */
    unsigned want;
    /* The reader feed_read_doc ran (after sniffing); FEED_AUTO when none
     * did (a CSV resource, read only through its data package). */
    feed_format format;
} feed_output;

void feed_output_init(feed_output *o);
void feed_output_free(feed_output *o);

/* Guess the format of a document. */
feed_format feed_sniff(const char *body, size_t len, const char *url,
                       const char *content_type);

/* HSDS tabular data packages span several files: the reader asks for each
 * resource through this callback (path as written in datapackage.json),
 * which returns SP_OK and a malloc'd body the reader frees. */
typedef int (*feed_fetch_fn)(void *ctx, const char *path, char **body,
                             size_t *len, sp_err *err);

/* The one entry point for a fetched or stored document, used by the
 * crawler (links) and the indexer (records) alike.  kind is how the
 * document was reached, the store's format name ("oruk", "rss", "sitemap",
 * "html", "datapackage", "ndjson", "csv", "auto"; NULL or unknown reads as
 * "auto", which sniffs).  "csv" is a data package's resource: it is read
 * only through its package, so nothing is read here (SP_OK, out->format
 * FEED_AUTO).  A data package's links are its resources
 * (feed_datapackage_resources: SP_EINVAL and the first refusal's message
 * when one lies on another host, the others still listed); its records are
 * read through fetch (NULL: inline resources only).  what is a mask of
 * feed_want.  As with every reader, out keeps what was read before a
 * failure. */
int feed_read_doc(const char *kind, const char *body, size_t len, const char *url,
                  const char *content_type, unsigned what, feed_fetch_fn fetch,
                  void *fetch_ctx, feed_output *out, sp_err *err);

/* The structured data of an HTML page in extruct's JSON shape (for the
 * conformance tests and `signpost parse`): *jsonld gets the array of
 * JSON-LD objects (each script's object, or its array's members), and
 * *microdata the array of top-level microdata items ({"type", "id",
 * "properties"} as extruct's non-strict mode writes them).  url, when not
 * NULL, resolves microdata URL values; NULL leaves them as written.  Both
 * are new references the caller releases with json_decref. */
int feed_html_extract(const char *body, size_t len, const char *url,
                      json_t **jsonld, json_t **microdata, sp_err *err);

/* The data package reader's RFC 4180 CSV parser on its own (tests, fuzzing):
 * *rows gets an array of rows, the header first (names trimmed and
 * lower-cased), each an array of strings, null for an empty cell; rows are
 * padded or cut to the header's width.  The caller json_decref()s it. */
int feed_csv_parse(const char *body, size_t len, json_t **rows, sp_err *err);

/* Resolve ref against base with libcurl's URL API; NULL when not http(s)
 * or malformed.  Caller frees. */
char *feed_resolve_url(const char *base, const char *ref);

/* A data package's resource path resolved against the package's URL (the
 * libcurl URL API), and only on the package's own host and port: NULL and
 * an error naming both when the path leaves that host or is not http(s).
 * The crawler queues, and the indexer looks up, exactly this URL.  Caller
 * frees. */
char *feed_resolve_resource(const char *pkg_url, const char *path, sp_err *err);

/* Append one zeroed element of elem bytes to the array *arr_p holding *n,
 * and return it; NULL (nothing changed) when it holds max already or
 * memory runs out.  arr_p is the address of the array pointer. */
void *feed_push(void *arr_p, size_t *n, size_t elem, size_t max);

#endif
