/*
 * compress.c - gzip (zlib) for searchd's text answers: JSON, NDJSON, CSV,
 * HTML, Atom and plain text, when the client says it accepts gzip and the
 * body is big enough to gain.  A 1,000-item ORUK page goes from ~3.7 MB to
 * ~0.7 MB.  Every compressible answer says Vary: Accept-Encoding, so caches
 * keep the two variants apart; ETags are per variant (oruk.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "sd_int.h"

#define MIN_GZIP 512 /* smaller bodies gain nothing worth the header */

bool sd_compressible(const char *ctype)
{
    static const char *const types[] = {"application/json", "application/x-ndjson",
                                        "application/atom+xml", "application/xml",
                                        "application/javascript", "text/"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (ctype && !strncasecmp(ctype, types[i], strlen(types[i])))
            return true;
    return false;
}

/* Does Accept-Encoding allow gzip?  "gzip", "x-gzip" or "*" with a q that
 * is not zero; an explicit "gzip;q=0" refuses it. */
static bool accepts_gzip(sd_req *r)
{
    const char *ae =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (!ae || strlen(ae) > 1024)
        return false;
    int gzip = -1, star = -1; /* -1 unsaid, 0 refused, 1 accepted */
    for (const char *p = ae; *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t name = strcspn(p, ";, \t");
        if (name > len)
            name = len;
        bool zero = false;
        const char *q = memchr(p, ';', len);
        if (q) {
            q++;
            q += strspn(q, " \t");
            if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                double v = strtod(q + 2, NULL);
                zero = !(v > 0);
            }
        }
        if ((name == 4 && !strncasecmp(p, "gzip", 4)) || (name == 6 && !strncasecmp(p, "x-gzip", 6)))
            gzip = !zero;
        else if (name == 1 && *p == '*')
            star = !zero;
        p += len;
    }
    return gzip == 1 || (gzip == -1 && star == 1);
}

bool sd_will_gzip(sd_req *r, const char *ctype, size_t len)
{
    return len >= MIN_GZIP && sd_compressible(ctype) && accepts_gzip(r);
}

/* gzip of body, or NULL (out of memory: the caller sends it plain). */
static char *gzip_of(const char *body, size_t len, size_t *out_len)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&zs, (uLong)len);
    char *out = malloc(cap);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)body;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

struct MHD_Response *sd_body_response(sd_req *r, const char *ctype, char *body, size_t len)
{
    bool gz = len < UINT32_MAX && sd_will_gzip(r, ctype, len);
    if (gz) {
        size_t zlen = 0;
        char *z = gzip_of(body, len, &zlen);
        if (z) {
            free(body);
            body = z;
            len = zlen;
        } else {
            gz = false;
        }
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!resp) {
        free(body);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", ctype);
    if (sd_compressible(ctype))
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (gz)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    r->bytes = (long long)len;
    return resp;
}
