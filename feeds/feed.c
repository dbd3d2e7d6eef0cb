/*
 * feed.c - what every reader shares: the output container, the link and
 * record appenders, URL resolution (libcurl's URL API), whitespace
 * folding and array growth, format names, sniffing a document's format,
 * and the dispatchers (feed_read_doc, the one every caller uses, and
 * feed_read).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "feed_int.h"

/* Bounds on what one document may produce, so a hostile page cannot make a
 * reader grow its output without limit. */
#define FEED_MAX_LINKS 200000u
#define FEED_MAX_RECS 100000u

void feed_output_init(feed_output *o)
{
    memset(o, 0, sizeof *o);
    o->page = -1;
    o->total_pages = -1;
    o->total_items = -1;
    o->want = FEED_WANT_ALL;
}

void feed_output_free(feed_output *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n_recs; i++)
        rec_service_free(&o->recs[i]);
    free(o->recs);
    for (size_t i = 0; i < o->n_links; i++)
        free(o->links[i].url);
    free(o->links);
    free(o->title);
    free(o->link);
    free(o->version);
    unsigned want = o->want;
    feed_output_init(o);
    o->want = want; /* a reused output keeps asking for the same */
}

/* Grow an array to hold one more element, or SP_ELIMIT when it holds max
 * already; capacity doubles, and is derived from n so the struct needs no
 * separate capacity field. */
static int grow(void **arr, size_t n, size_t max, size_t elem)
{
    if (n >= max)
        return SP_ELIMIT;
    if (n == 0 || (n & (n - 1)) == 0) {
        size_t cap = n == 0 ? 8 : n * 2;
        if (n != 0 && n < 8)
            return SP_OK; /* 1,2,4 already fit in the initial 8 */
        void *p = realloc(*arr, cap * elem);
        if (p == NULL)
            return SP_ENOMEM;
        *arr = p;
    }
    return SP_OK;
}

int feed_add_link(feed_output *o, const char *url, feed_link_kind kind,
                  int64_t lastmod, double priority)
{
    if (o == NULL || url == NULL)
        return SP_EINVAL;
    int rc = grow((void **)&o->links, o->n_links, FEED_MAX_LINKS, sizeof *o->links);
    if (rc != SP_OK)
        return rc;
    char *u = sp_strdup(url);
    if (u == NULL)
        return SP_ENOMEM;
    feed_link *l = &o->links[o->n_links++];
    l->url = u;
    l->kind = kind;
    l->lastmod = lastmod;
    l->priority = priority;
    return SP_OK;
}

int feed_add_rec(feed_output *o, rec_service *r)
{
    if (o == NULL || r == NULL)
        return SP_EINVAL;
    int rc = grow((void **)&o->recs, o->n_recs, FEED_MAX_RECS, sizeof *o->recs);
    if (rc != SP_OK)
        return rc;
    o->recs[o->n_recs++] = *r;
    rec_service_init(r);
    return SP_OK;
}

char *feed_resolve_url(const char *base, const char *ref)
{
    if (ref == NULL)
        return NULL;
    /* Whitespace around hrefs is common in hand-written pages. */
    while (*ref == ' ' || *ref == '\t' || *ref == '\n' || *ref == '\r')
        ref++;
    size_t rl = strlen(ref);
    while (rl > 0 && (ref[rl - 1] == ' ' || ref[rl - 1] == '\t' ||
                      ref[rl - 1] == '\n' || ref[rl - 1] == '\r'))
        rl--;
    if (rl == 0 || rl > 8192)
        return NULL;
    char *r = sp_strndup(ref, rl);
    if (r == NULL)
        return NULL;

    CURLU *u = curl_url();
    char *out = NULL;
    if (u == NULL)
        goto done;
    if (base != NULL && *base != '\0') {
        if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
            /* A bad base still lets an absolute ref through. */
            curl_url_cleanup(u);
            u = curl_url();
            if (u == NULL)
                goto done;
        }
    }
    if (curl_url_set(u, CURLUPART_URL, r, CURLU_URLENCODE) != CURLUE_OK)
        goto done;
    char *scheme = NULL;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        goto done;
    bool ok = strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0;
    curl_free(scheme);
    if (!ok)
        goto done;
    /* Fragments never change what the server returns. */
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    char *s = NULL;
    if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
        goto done;
    out = sp_strdup(s);
    curl_free(s);
done:
    curl_url_cleanup(u);
    free(r);
    return out;
}

/* "host:port" of an http(s) URL, host lower-cased; NULL when malformed. */
static char *host_port(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *out = NULL;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        out = sp_printf("%s:%s", host, port);
        for (char *p = out; p != NULL && *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

char *feed_resolve_resource(const char *pkg_url, const char *path, sp_err *err)
{
    char *u = feed_resolve_url(pkg_url, path);
    if (u == NULL) {
        sp_fail(err, SP_EINVAL, "resource \"%.200s\" is not an http(s) URL relative to %.200s",
                path != NULL ? path : "", pkg_url != NULL ? pkg_url : "");
        return NULL;
    }
    char *a = host_port(pkg_url), *b = host_port(u);
    bool same = a != NULL && b != NULL && strcmp(a, b) == 0;
    free(a);
    free(b);
    if (!same) {
        sp_fail(err, SP_EINVAL,
                "resource %.200s is on another host than its package %.200s; refused", u,
                pkg_url);
        free(u);
        return NULL;
    }
    return u;
}

bool feed_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

int feed_check_body(const feed_output *out, const char *body, size_t len, const char *reader,
                    const char *what, sp_err *err)
{
    if (out == NULL || (body == NULL && len > 0))
        return sp_fail(err, SP_EINVAL, "%s: no output or no body", reader);
    if (len > FEED_MAX_BODY)
        return sp_fail(err, SP_ELIMIT, "%s is %zu bytes, over the %u byte limit", what, len,
                       FEED_MAX_BODY);
    return SP_OK;
}

int feed_cmp_keyed(const char *ka, size_t oa, const char *kb, size_t ob)
{
    int c = strcmp(ka, kb);
    if (c != 0)
        return c;
    return oa < ob ? -1 : oa > ob;
}

size_t feed_lower_bound(const void *base, size_t n, size_t elem, size_t off, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = *(const char *const *)(const void *)((const char *)base + mid * elem + off);
        if (strcmp(k, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t feed_trim(const char **s)
{
    while (feed_is_space((unsigned char)**s))
        (*s)++;
    size_t n = strlen(*s);
    while (n > 0 && feed_is_space((unsigned char)(*s)[n - 1]))
        n--;
    return n;
}

char *feed_collapse(const char *s, size_t n, size_t max, bool nbsp)
{
    return feed_fold(s, n, max, nbsp, false);
}

char *feed_fold(const char *s, size_t n, size_t max, bool nbsp, bool lines)
{
    if (s == NULL)
        return NULL;
    char *o = malloc(n + 1);
    if (o == NULL)
        return NULL;
    size_t j = 0;
    int pend = 0; /* 0 none, 1 space, 2 line break */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int ws = 0;
        if (nbsp && c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            ws = 1;
            i++;
        } else if (lines && (c == '\n' || c == '\r')) {
            ws = 2;
        } else if (feed_is_space(c)) {
            ws = 1;
        }
        if (ws) {
            if (j > 0 && ws > pend)
                pend = ws;
            continue;
        }
        if (pend)
            o[j++] = pend == 2 ? '\n' : ' ';
        pend = 0;
        o[j++] = (char)c;
    }
    if (j > max) {
        j = max;
        while (j > 0 && ((unsigned char)o[j] & 0xC0) == 0x80)
            j--;
    }
    o[j] = '\0';
    if (j == 0) {
        free(o);
        return NULL;
    }
    return o;
}

void *feed_push(void *arr_p, size_t *n, size_t elem, size_t max)
{
    void **arr = arr_p;
    if (*n >= max)
        return NULL;
    void *p = realloc(*arr, (*n + 1) * elem);
    if (p == NULL)
        return NULL;
    *arr = p;
    void *e = (char *)p + *n * elem;
    memset(e, 0, elem);
    (*n)++;
    return e;
}

static const char *const format_names[FEED__COUNT] = {
    "auto", "oruk", "datapackage", "rss", "sitemap", "html", "ndjson",
};

const char *feed_format_name(feed_format f)
{
    if ((int)f < 0 || f >= FEED__COUNT)
        return "unknown";
    return format_names[f];
}

int feed_format_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < FEED__COUNT; i++)
        if (strcasecmp(name, format_names[i]) == 0)
            return i;
    /* Common aliases users type. */
    if (strcasecmp(name, "hsds") == 0 || strcasecmp(name, "json") == 0)
        return FEED_ORUK;
    if (strcasecmp(name, "atom") == 0 || strcasecmp(name, "rdf") == 0)
        return FEED_RSS;
    if (strcasecmp(name, "jsonl") == 0)
        return FEED_NDJSON;
    return -1;
}

/* Does s (not NUL-terminated, length n) contain needle, ignoring case? */
static bool has_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m > n)
        return false;
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, needle, m) == 0)
            return true;
    return false;
}

static bool starts_ci(const char *s, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    return n >= m && strncasecmp(s, prefix, m) == 0;
}

/* The URL's path without query or fragment, for suffix tests. */
static bool url_path_ends(const char *url, const char *suffix)
{
    if (url == NULL)
        return false;
    size_t n = strcspn(url, "?#");
    size_t m = strlen(suffix);
    return n >= m && strncasecmp(url + n - m, suffix, m) == 0;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Count lines that hold one whole JSON object ("{...}"): two or more, the
 * first non-blank line among them, mean NDJSON. */
static int json_object_lines(const char *b, size_t n)
{
    int count = 0;
    size_t lim = n; /* one pass at most: the loop stops at the second line */
    size_t i = 0;
    while (i < lim && count < 2) {
        size_t j = i;
        while (j < lim && (b[j] == ' ' || b[j] == '\t'))
            j++;
        if (j < lim && b[j] == '{') {
            /* A line counts only when its object closes on that line:
             * pretty-printed JSON has "{" lines too. */
            size_t e = j;
            while (e < lim && b[e] != '\n')
                e++;
            size_t k = e;
            while (k > j && is_ws(b[k - 1]))
                k--;
            if (k > j + 1 && b[k - 1] == '}')
                count++;
            else if (count == 0)
                return 0; /* the first record line must be whole */
        } else if (count == 0 && j < lim && b[j] != '\r' && b[j] != '\n') {
            return 0;
        }
        while (i < lim && b[i] != '\n')
            i++;
        i++;
    }
    return count;
}

/* A text/plain body whose non-blank lines (first few) are all http(s) URLs. */
static bool is_url_list(const char *b, size_t n)
{
    size_t lim = n < 65536 ? n : 65536;
    size_t i = 0;
    int urls = 0;
    while (i < lim && urls < 20) {
        size_t e = i;
        while (e < lim && b[e] != '\n')
            e++;
        size_t s = i;
        while (s < e && is_ws(b[s]))
            s++;
        size_t t = e;
        while (t > s && is_ws(b[t - 1]))
            t--;
        if (t > s) {
            if (!starts_ci(b + s, t - s, "http://") &&
                !starts_ci(b + s, t - s, "https://"))
                return false;
            for (size_t k = s; k < t; k++)
                if (is_ws(b[k]))
                    return false;
            urls++;
        }
        i = e + 1;
    }
    return urls > 0;
}

feed_format feed_sniff(const char *body, size_t len, const char *url,
                       const char *content_type)
{
    if (body == NULL)
        len = 0;
    /* Skip a UTF-8 BOM and leading blanks. */
    const char *b = body;
    size_t n = len;
    if (n >= 3 && (unsigned char)b[0] == 0xEF && (unsigned char)b[1] == 0xBB &&
        (unsigned char)b[2] == 0xBF) {
        b += 3;
        n -= 3;
    }
    while (n > 0 && is_ws(*b)) {
        b++;
        n--;
    }
    size_t head = n < 4096 ? n : 4096;

    /* The file name says it outright. */
    if (url_path_ends(url, "datapackage.json"))
        return FEED_DATAPACKAGE;

    /* The body decides first where it is unambiguous: servers mislabel. */
    if (n > 0 && (b[0] == '{' || b[0] == '[')) {
        if (b[0] == '{' && json_object_lines(b, n) >= 2)
            return FEED_NDJSON;
        /* A data package descriptor has "resources" and "profile"
         * tabular-data-package; services never have "resources". */
        if (b[0] == '{' && has_ci(b, head, "\"resources\"") &&
            has_ci(b, head, "data-package"))
            return FEED_DATAPACKAGE;
        return FEED_ORUK;
    }
    if (n > 0 && b[0] == '<') {
        if (has_ci(b, head, "<rss") || has_ci(b, head, "<feed") ||
            has_ci(b, head, "<rdf:RDF"))
            return FEED_RSS;
        if (has_ci(b, head, "<urlset") || has_ci(b, head, "<sitemapindex"))
            return FEED_SITEMAP;
        if (has_ci(b, head, "<html") || has_ci(b, head, "<!doctype html"))
            return FEED_HTML;
    }

    /* Then the content type. */
    if (content_type != NULL) {
        size_t cl = strlen(content_type);
        if (has_ci(content_type, cl, "ndjson") ||
            has_ci(content_type, cl, "jsonl") ||
            has_ci(content_type, cl, "json-seq"))
            return FEED_NDJSON;
        if (has_ci(content_type, cl, "json"))
            return FEED_ORUK;
        if (has_ci(content_type, cl, "rss") || has_ci(content_type, cl, "atom") ||
            has_ci(content_type, cl, "rdf"))
            return FEED_RSS;
        if (has_ci(content_type, cl, "html"))
            return FEED_HTML;
        if (has_ci(content_type, cl, "text/plain") && is_url_list(b, n))
            return FEED_SITEMAP;
    }

    /* Then the URL's suffix. */
    if (url_path_ends(url, ".ndjson") || url_path_ends(url, ".jsonl"))
        return FEED_NDJSON;
    if (url_path_ends(url, ".json"))
        return FEED_ORUK;
    if (url_path_ends(url, ".rss") || url_path_ends(url, ".atom") ||
        url_path_ends(url, ".rdf"))
        return FEED_RSS;
    if (url_path_ends(url, "sitemap.xml") || url_path_ends(url, ".xml.gz") ||
        url_path_ends(url, "sitemap.txt"))
        return FEED_SITEMAP;
    if (url_path_ends(url, ".html") || url_path_ends(url, ".htm"))
        return FEED_HTML;

    if (n > 0 && is_url_list(b, n))
        return FEED_SITEMAP;
    /* An XML document we could not place, or anything else: HTML heuristics
     * are the most forgiving reader. */
    if (n > 0 && b[0] == '<' && has_ci(b, head, "<?xml") &&
        (has_ci(b, head, "<channel") || has_ci(b, head, "<item")))
        return FEED_RSS;
    return FEED_HTML;
}

int feed_read(feed_format fmt, const char *body, size_t len, const char *url,
              const char *content_type, feed_output *out, sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read", "document", err);
    if (chk != SP_OK)
        return chk;
    if (body == NULL)
        body = "";
    if (fmt == FEED_AUTO)
        fmt = feed_sniff(body, len, url, content_type);
    switch (fmt) {
    case FEED_ORUK:
        return feed_read_oruk(body, len, url, out, err);
    case FEED_NDJSON:
        return feed_read_ndjson(body, len, url, out, err);
    case FEED_RSS:
        return feed_read_rss(body, len, url, out, err);
    case FEED_SITEMAP:
        return feed_read_sitemap(body, len, url, out, err);
    case FEED_HTML:
        return feed_read_html(body, len, url, content_type, out, err);
    case FEED_DATAPACKAGE:
        /* Without a fetcher only inline resources can be read. */
        return feed_read_datapackage(body, len, url, NULL, NULL, out, err);
    default:
        return sp_fail(err, SP_EINVAL, "unknown feed format %d", (int)fmt);
    }
}

int feed_read_doc(const char *kind, const char *body, size_t len, const char *url,
                  const char *content_type, unsigned what, feed_fetch_fn fetch,
                  void *fetch_ctx, feed_output *out, sp_err *err)
{
    if (out == NULL || (body == NULL && len > 0))
        return sp_fail(err, SP_EINVAL, "feed_read_doc: no output or no body");
    out->want = what ? what : FEED_WANT_ALL;
    out->format = FEED_AUTO;
    if (kind != NULL && strcmp(kind, "csv") == 0)
        return SP_OK;
    if (len > FEED_MAX_BODY)
        return sp_fail(err, SP_ELIMIT, "document is %zu bytes, over the %u byte limit",
                       len, FEED_MAX_BODY);
    if (body == NULL)
        body = "";
    int f = kind != NULL ? feed_format_from_name(kind) : FEED_AUTO;
    if (f < 0 || f == FEED_AUTO)
        f = (int)feed_sniff(body, len, url, content_type);
    out->format = (feed_format)f;
    if (f == FEED_DATAPACKAGE) {
        int rc = SP_OK;
        if (out->want & FEED_WANT_RECORDS)
            rc = feed_read_datapackage(body, len, url, fetch, fetch_ctx, out, err);
        if (out->want & FEED_WANT_LINKS) {
            sp_err e = {0};
            int lrc = feed_datapackage_resources(body, len, url, out, &e);
            if (lrc != SP_OK && rc == SP_OK) {
                rc = lrc;
                if (err != NULL)
                    *err = e;
            }
        }
        return rc;
    }
    if (f == FEED_NDJSON && !(out->want & FEED_WANT_RECORDS))
        return SP_OK; /* an export links nowhere */
    return feed_read((feed_format)f, body, len, url, content_type, out, err);
}
