/*
 * frame.c - strict HTTP/1.x request framing (RFC 9112), checked on the
 * raw request head before libmicrohttpd sees it.
 *
 * Why: a request that two HTTP parsers can read differently is how
 * request smuggling works.  Behind a proxy, "Content-Length: 5" twice with
 * different values, "Transfer-Encoding : chunked" (a space before the
 * colon, which one parser ignores and another honours) or Content-Length
 * together with Transfer-Encoding let a client hide a second request in
 * the first one's body.  RFC 9112 says a server must reject these; so do
 * we, with a 400 and a closed connection, in the accept loop (gate.c) that
 * has the whole head in hand anyway.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sd_int.h"

/* RFC 9110 token characters (method, header field names). */
static bool tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* One line of head, [p, end), without its CRLF or LF. */
typedef struct line {
    const char *p;
    size_t n;
} line;

/* The next line from *pos; false at the end of the buffer.  A CR must be
 * followed by LF (a bare CR is a line end to some parsers, not others). */
static int next_line(const char *buf, size_t len, size_t *pos, line *out)
{
    const char *start = buf + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    if (!nl)
        return 0;
    size_t n = (size_t)(nl - start);
    *pos += n + 1;
    if (n && start[n - 1] == '\r')
        n--;
    if (memchr(start, '\r', n) || memchr(start, '\0', n))
        return -1;
    out->p = start;
    out->n = n;
    return 1;
}

static bool name_is(const line *l, size_t name_len, const char *want)
{
    return name_len == strlen(want) && !strncasecmp(l->p, want, name_len);
}

/* The field value with optional whitespace trimmed. */
static void value_of(const line *l, size_t colon, const char **v, size_t *vn)
{
    const char *p = l->p + colon + 1, *e = l->p + l->n;
    while (p < e && ows((unsigned char)*p))
        p++;
    while (e > p && ows((unsigned char)e[-1]))
        e--;
    *v = p;
    *vn = (size_t)(e - p);
}

/* Does the last transfer coding of a Transfer-Encoding value read
 * "chunked"?  (RFC 9112 6.3: otherwise a request's length is unknown.) */
static bool ends_chunked(const char *v, size_t n)
{
    const char *comma = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == ',')
            comma = v + i;
    const char *p = comma ? comma + 1 : v;
    while (p < v + n && ows((unsigned char)*p))
        p++;
    return (size_t)(v + n - p) == 7 && !strncasecmp(p, "chunked", 7);
}

/* The length of the token (tchars) l starts with when sep follows it; 0
 * when there is none. */
static size_t token(const line *l, char sep)
{
    size_t i = 0;
    while (i < l->n && tchar((unsigned char)l->p[i]))
        i++;
    return i < l->n && l->p[i] == sep ? i : 0;
}

const char *sd_frame_check(const char *head, size_t len)
{
    size_t pos = 0;
    line l;
    int rc = next_line(head, len, &pos, &l);
    if (rc <= 0)
        return "the request line is malformed";
    /* method SP request-target SP HTTP-version */
    size_t i = token(&l, ' ');
    if (!i)
        return "the request line is malformed";
    const char *sp2 = memchr(l.p + i + 1, ' ', l.n - i - 1);
    if (!sp2 || sp2 == l.p + i + 1)
        return "the request line is malformed";
    size_t vlen = (size_t)(l.p + l.n - sp2 - 1);
    const char *ver = sp2 + 1;
    if (vlen != 8 || strncmp(ver, "HTTP/1.", 7) || (ver[7] != '0' && ver[7] != '1'))
        return "the request line is malformed (HTTP/1.0 or HTTP/1.1 only)";
    bool http11 = ver[7] == '1';

    int hosts = 0, lengths = 0, encodings = 0;
    const char *cl = NULL;
    size_t cl_n = 0;
    bool chunked_last = true;
    for (;;) {
        rc = next_line(head, len, &pos, &l);
        if (rc < 0)
            return "a header line holds a bare CR or a NUL";
        if (rc == 0)
            return "the request head has no end"; /* the gate only calls with one */
        if (l.n == 0)
            break;
        if (ows((unsigned char)l.p[0]))
            return "a header line is folded (starts with whitespace)";
        size_t colon = token(&l, ':');
        if (!colon)
            return "a header field name is malformed (whitespace before the colon?)";
        const char *v;
        size_t vn;
        value_of(&l, colon, &v, &vn);
        if (name_is(&l, colon, "Host")) {
            hosts++;
        } else if (name_is(&l, colon, "Content-Length")) {
            if (vn == 0 || vn > 18)
                return "Content-Length is not a number";
            for (size_t k = 0; k < vn; k++)
                if (!isdigit((unsigned char)v[k]))
                    return "Content-Length is not a number";
            if (cl && (cl_n != vn || memcmp(cl, v, vn)))
                return "Content-Length is given twice with different values";
            cl = v;
            cl_n = vn;
            lengths++;
        } else if (name_is(&l, colon, "Transfer-Encoding")) {
            encodings++;
            chunked_last = ends_chunked(v, vn);
        }
    }
    if (encodings && lengths)
        return "Content-Length and Transfer-Encoding together";
    if (encodings && !http11)
        return "Transfer-Encoding in an HTTP/1.0 request";
    if (encodings && (!chunked_last || encodings > 1))
        return "Transfer-Encoding must be chunked, once";
    if (http11 && hosts == 0)
        return "an HTTP/1.1 request without Host";
    if (hosts > 1)
        return "Host is given more than once";
    return NULL;
}
