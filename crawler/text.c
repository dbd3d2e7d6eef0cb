/*
 * text.c - what the crawler does to a body before storing it: the content
 * hash that makes "unchanged" cheap to decide, and the conversion of text
 * documents to UTF-8 (charset from Content-Type, BOM, <?xml encoding?> or
 * <meta charset>, converted with glibc's iconv), so that every reader and
 * the indexer see one encoding.
 */
#define _GNU_SOURCE
#include "crawl_int.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define SNIFF_BYTES 1024

void crawl_content_hash(const char *body, size_t len, char out[CRAWL_HASH_LEN])
{
    uint64_t h = sp_fnv1a64(body, len);
    uLong crc = crc32(0L, Z_NULL, 0);
    /* crc32 takes a uInt length: feed it in bounded chunks. */
    for (size_t off = 0; off < len;) {
        size_t n = len - off > (1u << 30) ? (1u << 30) : len - off;
        crc = crc32(crc, (const Bytef *)body + off, (uInt)n);
        off += n;
    }
    snprintf(out, CRAWL_HASH_LEN, "v1:%016llx%08lx:%zu", (unsigned long long)h,
             (unsigned long)crc, len);
}

static bool ci_contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

bool crawl_is_text(const char *ct, const char *body, size_t len)
{
    if (ct && *ct) {
        if (ci_contains(ct, "text/") || ci_contains(ct, "xml") || ci_contains(ct, "json") ||
            ci_contains(ct, "html") || ci_contains(ct, "javascript") || ci_contains(ct, "csv"))
            return true;
        if (!ci_contains(ct, "octet-stream"))
            return false;
    }
    /* gzip (sitemap.xml.gz) and other binaries stay as they are. */
    if (len >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b)
        return false;
    size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES;
    if (len >= 2 && (((unsigned char)body[0] == 0xff && (unsigned char)body[1] == 0xfe) ||
                     ((unsigned char)body[0] == 0xfe && (unsigned char)body[1] == 0xff)))
        return true;
    return memchr(body, '\0', n) == NULL;
}

/* Copy a charset name (letters, digits, - _ . : ( )) lower-cased. */
static bool take_name(const char *p, const char *end, char *out, size_t outsz)
{
    size_t n = 0;
    while (p < end && (*p == '"' || *p == '\'' || *p == ' '))
        p++;
    while (p < end && n + 1 < outsz &&
           (isalnum((unsigned char)*p) || strchr("-_.:()", *p)))
        out[n++] = (char)tolower((unsigned char)*p++);
    out[n] = '\0';
    return n > 0;
}

/* Where a charset name is declared inside the body (XML declaration or
 * meta tag in the first bytes): offset and length of the name. */
/* After a keyword of klen bytes at kw ("encoding", "charset"): the value
 * after " = ", or NULL when no '=' follows (a word in some other attribute
 * is not a declaration). */
static const char *value_after(const char *kw, size_t klen)
{
    const char *q = kw + klen;
    while (*q == ' ')
        q++;
    if (*q != '=')
        return NULL;
    q++;
    while (*q == ' ')
        q++;
    return q;
}

static bool find_declared(const char *body, size_t len, size_t *off, size_t *n)
{
    size_t lim = len < SNIFF_BYTES ? len : SNIFF_BYTES;
    char head[SNIFF_BYTES + 1];
    memcpy(head, body, lim);
    head[lim] = '\0';
    /* NUL bytes (UTF-16 without BOM) end the search, which is fine. */
    const char *p = NULL;
    if (!strncmp(head, "<?xml", 5)) {
        const char *close = strstr(head, "?>");
        const char *enc = strstr(head, "encoding");
        if (enc && (!close || enc < close))
            p = value_after(enc, 8);
    }
    if (!p) {
        const char *m = strcasestr(head, "<meta");
        for (; m && !p; m = strcasestr(m + 5, "<meta")) {
            const char *gt = strchr(m, '>');
            const char *cs = strcasestr(m, "charset");
            if (cs && (!gt || cs < gt))
                p = value_after(cs, 7);
        }
    }
    if (!p)
        return false;
    while (*p == '"' || *p == '\'')
        p++;
    const char *q = p;
    while (*q && (isalnum((unsigned char)*q) || strchr("-_.:()", *q)))
        q++;
    if (q == p)
        return false;
    *off = (size_t)(p - head);
    *n = (size_t)(q - p);
    return true;
}

bool crawl_detect_charset(const char *ct, const char *body, size_t len, char *out,
                          size_t outsz)
{
    if (ct) {
        const char *cs = strcasestr(ct, "charset=");
        if (cs && take_name(cs + 8, cs + strlen(cs), out, outsz))
            return true;
    }
    const unsigned char *b = (const unsigned char *)body;
    if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
        snprintf(out, outsz, "utf-8");
        return true;
    }
    if (len >= 2 && b[0] == 0xff && b[1] == 0xfe) {
        snprintf(out, outsz, "utf-16le");
        return true;
    }
    if (len >= 2 && b[0] == 0xfe && b[1] == 0xff) {
        snprintf(out, outsz, "utf-16be");
        return true;
    }
    size_t off, n;
    if (find_declared(body, len, &off, &n))
        return take_name(body + off, body + off + n, out, outsz);
    return false;
}

static bool is_utf8_name(const char *cs)
{
    return !strcmp(cs, "utf-8") || !strcmp(cs, "utf8") || !strcmp(cs, "us-ascii") ||
           !strcmp(cs, "ascii");
}

/* The content type with its charset parameter set to utf-8. */
static char *ct_utf8(const char *ct)
{
    if (!ct)
        return NULL;
    const char *semi = strchr(ct, ';');
    size_t base = semi ? (size_t)(semi - ct) : strlen(ct);
    while (base && ct[base - 1] == ' ')
        base--;
    sp_buf b = {0};
    sp_buf_append(&b, ct, base);
    sp_buf_puts(&b, "; charset=utf-8");
    /* keep other parameters */
    while (semi) {
        const char *next = strchr(semi + 1, ';');
        const char *p = semi + 1;
        while (*p == ' ')
            p++;
        size_t n = next ? (size_t)(next - p) : strlen(p);
        if (n && strncasecmp(p, "charset", 7)) {
            sp_buf_puts(&b, "; ");
            sp_buf_append(&b, p, n);
        }
        semi = next;
    }
    return sp_buf_steal(&b);
}

static int iconv_all(const char *from, const char *in, size_t len, sp_buf *out, sp_err *err)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return sp_fail(err, SP_EUNSUP, "unknown charset '%s'", from);
    char *ip = (char *)in;
    size_t il = len;
    int rc = SP_OK;
    char chunk[8192];
    while (il > 0) {
        char *op = chunk;
        size_t ol = sizeof chunk;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        if (sp_buf_append(out, chunk, sizeof chunk - ol)) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
            break;
        }
        if (r == (size_t)-1 && errno != E2BIG) {
            rc = sp_fail(err, SP_EPARSE, "bytes invalid in charset '%s' at offset %zu", from,
                         len - il);
            break;
        }
    }
    iconv_close(cd);
    return rc;
}

int crawl_to_utf8(const char *body, size_t len, const char *ct, char **out,
                  size_t *out_len, char **out_ct, sp_err *err)
{
    char cs[64];
    bool declared = crawl_detect_charset(ct, body, len, cs, sizeof cs);
    const unsigned char *b = (const unsigned char *)body;
    size_t skip = 0;
    if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
        skip = 3; /* a BOM outranks a header that contradicts it */
        snprintf(cs, sizeof cs, "utf-8");
        declared = true;
    } else if (len >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
        snprintf(cs, sizeof cs, b[0] == 0xff ? "utf-16le" : "utf-16be");
        skip = 2;
        declared = true;
    }
    sp_buf o = {0};
    int rc = SP_OK;
    if (declared && is_utf8_name(cs)) {
        rc = sp_buf_append(&o, body + skip, len - skip) ? SP_ENOMEM : SP_OK;
    } else if (!declared && sp_utf8_valid(body, len)) {
        rc = sp_buf_append(&o, body, len) ? SP_ENOMEM : SP_OK;
    } else {
        /* latin1/iso-8859-1 labels mean windows-1252 on the web (WHATWG). */
        const char *from = !declared || !strcmp(cs, "iso-8859-1") || !strcmp(cs, "latin1") ||
                                   !strcmp(cs, "us-ascii")
                               ? "WINDOWS-1252"
                               : cs;
        rc = iconv_all(from, body + skip, len - skip, &o, err);
    }
    if (rc == SP_ENOMEM)
        sp_fail(err, rc, "out of memory");
    if (rc) {
        sp_buf_free(&o);
        return rc;
    }
    size_t off, n;
    char inner[64];
    if (o.len && find_declared(o.data, o.len, &off, &n) &&
        take_name(o.data + off, o.data + off + n, inner, sizeof inner) &&
        !is_utf8_name(inner)) {
        /* The body now says UTF-8 inside too (also when the header already
         * said UTF-8 and the body disagreed), or a parser trusting the
         * body's declaration would decode it again. */
        sp_buf fixed = {0};
        sp_buf_append(&fixed, o.data, off);
        sp_buf_puts(&fixed, "UTF-8");
        sp_buf_append(&fixed, o.data + off + n, o.len - off - n);
        sp_buf_free(&o);
        o = fixed;
        if (sp_buf_error(&o) != SP_OK)
            return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    char *nct = NULL;
    if (ct) {
        nct = ct_utf8(ct);
        if (!nct) {
            sp_buf_free(&o);
            return sp_fail(err, SP_ENOMEM, "out of memory");
        }
    }
    *out_len = o.len;
    if (!o.data) {
        o.data = calloc(1, 1);
        if (!o.data) {
            free(nct);
            return sp_fail(err, SP_ENOMEM, "out of memory");
        }
    }
    *out = o.data;
    *out_ct = nct;
    return SP_OK;
}
