/*
 * html.c - escaping and link sanitising for the portal's pages, and
 * html_fmt, the formatted writer whose conversions apply them (see html.h;
 * the interface's words are in i18n.c).  The pages are written in C
 * (pages*.c) with these primitives; nothing from a record or a request
 * reaches a page any other way.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "html.h"

#define MAX_URL 2048

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (!len || len > n)
        return 0;
    return sp_utf8_valid((const char *)s, len) ? len : 0;
}

int html_textn(sp_buf *b, const char *s, size_t n)
{
    if (!s)
        return SP_OK;
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        size_t adv = 1;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
                rep = "";
            } else if (c >= 0x80) {
                adv = utf8_len((const unsigned char *)s + i, n - i);
                if (!adv) {
                    rep = "\xEF\xBF\xBD"; /* U+FFFD */
                    adv = 1;
                }
            }
        }
        if (rep) {
            if (sp_buf_append(b, s + start, i - start) != SP_OK ||
                sp_buf_puts(b, rep) != SP_OK)
                return SP_ENOMEM;
            i += adv;
            start = i;
        } else {
            i += adv;
        }
    }
    if (i > start && sp_buf_append(b, s + start, i - start) != SP_OK)
        return SP_ENOMEM;
    return SP_OK;
}

int html_text(sp_buf *b, const char *s)
{
    return s ? html_textn(b, s, strlen(s)) : SP_OK;
}

/* An entity reference at s: "&name;" or "&#123;" or "&#x1F;" with a short
 * alphanumeric body.  Returns its length or 0. */
static size_t entity_len(const char *s)
{
    size_t i = 1;
    if (s[i] == '#')
        i++;
    size_t body = 0;
    while (isalnum((unsigned char)s[i]) && body < 10) {
        i++;
        body++;
    }
    return (body > 0 && s[i] == ';') ? i + 1 : 0;
}

int html_snippet(sp_buf *b, const char *s)
{
    if (!s)
        return SP_OK;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] != '<' && s[run] != '&' && s[run] != '>' && s[run] != '"' &&
               s[run] != '\'')
            run++;
        if (run > i && html_textn(b, s + i, run - i) != SP_OK)
            return SP_ENOMEM;
        i = run;
        if (i >= n)
            break;
        int rc;
        if (!strncmp(s + i, "<mark>", 6)) {
            rc = sp_buf_puts(b, "<mark>");
            i += 6;
        } else if (!strncmp(s + i, "</mark>", 7)) {
            rc = sp_buf_puts(b, "</mark>");
            i += 7;
        } else if (s[i] == '&' && entity_len(s + i)) {
            size_t el = entity_len(s + i);
            rc = sp_buf_append(b, s + i, el);
            i += el;
        } else {
            rc = html_textn(b, s + i, 1);
            i++;
        }
        if (rc != SP_OK)
            return SP_ENOMEM;
    }
    return SP_OK;
}

/* ---- links ---- */

static bool has_ctl_or_space(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Percent-encode what RFC 3986 never allows raw in a URL (quotes, angle
 * brackets, backslash, braces, non-ASCII), which curl leaves as given. */
static char *encode_unsafe(const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    sp_buf b = {0};
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        int rc;
        if (*p > 0x7e || *p < 0x21 || strchr("\"<>\\^`{|}", *p)) {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = sp_buf_append(&b, e, 3);
        } else {
            rc = sp_buf_append(&b, p, 1);
        }
        if (rc != SP_OK) {
            sp_buf_free(&b);
            return NULL;
        }
    }
    return sp_buf_steal(&b);
}

char *html_url_web(const char *url)
{
    if (!url)
        return NULL;
    while (*url == ' ' || *url == '\t' || *url == '\n' || *url == '\r')
        url++;
    size_t n = strlen(url);
    while (n > 0 && (url[n - 1] == ' ' || url[n - 1] == '\t' || url[n - 1] == '\n' ||
                     url[n - 1] == '\r'))
        n--;
    if (n == 0 || n > MAX_URL)
        return NULL;
    char *in = sp_strndup(url, n);
    if (!in)
        return NULL;
    char *out = NULL;
    if (has_ctl_or_space(in))
        goto done;
    /* A scheme is letters then ':'; without one only "www." hosts are
     * taken (with https), never relative paths. */
    size_t sl = 0;
    while (isalpha((unsigned char)in[sl]) || (sl > 0 && (isdigit((unsigned char)in[sl]) ||
                                                        in[sl] == '+' || in[sl] == '-' ||
                                                        in[sl] == '.')))
        sl++;
    bool has_scheme = sl > 0 && in[sl] == ':';
    if (has_scheme) {
        if (!((sl == 4 && !strncasecmp(in, "http", 4)) ||
              (sl == 5 && !strncasecmp(in, "https", 5))))
            goto done;
        if (strncmp(in + sl, "://", 3))
            goto done;
    } else if (strncasecmp(in, "www.", 4)) {
        goto done;
    }
    CURLU *u = curl_url();
    if (!u)
        goto done;
    unsigned flags = CURLU_URLENCODE | (has_scheme ? 0u : CURLU_DEFAULT_SCHEME);
    char *scheme = NULL, *host = NULL, *full = NULL;
    if (curl_url_set(u, CURLUPART_URL, in, flags) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] &&
        (!strcmp(scheme, "http") || !strcmp(scheme, "https")) &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && !has_ctl_or_space(full))
        out = encode_unsafe(full);
    curl_free(scheme);
    curl_free(host);
    curl_free(full);
    curl_url_cleanup(u);
done:
    free(in);
    return out;
}

char *html_url_mail(const char *email)
{
    if (!email)
        return NULL;
    if (!strncasecmp(email, "mailto:", 7))
        email += 7;
    size_t n = strlen(email);
    if (n < 3 || n > 254)
        return NULL;
    const char *at = strchr(email, '@');
    if (!at || at == email || strchr(at + 1, '@') || !at[1] || !strchr(at + 1, '.'))
        return NULL;
    for (const char *p = email; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"'<>()[]\\,;:?&=%#/`", c))
            return NULL;
    }
    return sp_printf("mailto:%s", email);
}

char *html_url_tel(const char *number)
{
    if (!number)
        return NULL;
    char digits[24];
    size_t nd = 0;
    bool plus = false;
    for (const char *p = number; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (nd >= 20)
                return NULL;
            digits[nd++] = *p;
        } else if (*p == '+' && nd == 0 && !plus) {
            plus = true;
        } else if (!strchr(" -().", *p)) {
            return NULL;
        }
    }
    if (nd < 6)
        return NULL;
    digits[nd] = '\0';
    return sp_printf("tel:%s%s", plus ? "+" : "", digits);
}

static int pct_encode(sp_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            if (sp_buf_append(b, p, 1) != SP_OK)
                return SP_ENOMEM;
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            if (sp_buf_append(b, e, 3) != SP_OK)
                return SP_ENOMEM;
        }
    }
    return SP_OK;
}

int html_query_add(sp_buf *b, const char *key, const char *value)
{
    if (b->len > 0 && b->data[b->len - 1] != '?' && sp_buf_puts(b, "&") != SP_OK)
        return SP_ENOMEM;
    if (pct_encode(b, key) != SP_OK || sp_buf_puts(b, "=") != SP_OK ||
        pct_encode(b, value ? value : "") != SP_OK)
        return SP_ENOMEM;
    return SP_OK;
}

/* ---- the formatted writer ---- */

bool html_url_safe(const char *url)
{
    if (!url)
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\')
            return false;
    if (url[0] == '/' && url[1] == '/')
        return false; /* another host, whatever scheme the page has */
    /* A scheme is a letter, then letters, digits, + - or ., then ':'.
     * With no ':' before the first / ? or # the reference is relative. */
    size_t sl = 0;
    while (isalpha((unsigned char)url[sl]) ||
           (sl > 0 && (isdigit((unsigned char)url[sl]) || (url[sl] && strchr("+-.", url[sl])))))
        sl++;
    size_t colon = strcspn(url, ":");
    if (colon >= strcspn(url, "/?#"))
        return true;
    if (sl == 0 || sl != colon)
        return false;
    static const char *const ok[] = {"http", "https", "mailto", "tel"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (sl == strlen(ok[i]) && !strncasecmp(url, ok[i], sl))
            return true;
    return false;
}

/* A conversion's flags, width and precision ("%-05.2f": left, zero,
 * 5, 2); prec is -1 when absent. */
typedef struct {
    bool left, zero;
    int width, prec;
} fmt_spec;

/* Append the digits in out[0..n) padded to the spec's width. */
static int put_padded(sp_buf *b, const fmt_spec *sp, const char *out, size_t n)
{
    size_t width = sp->width > 0 ? (size_t)sp->width : 0;
    size_t pad = width > n ? width - n : 0;
    size_t sign = (sp->zero && n && out[0] == '-') ? 1 : 0; /* "-0042" */
    if (sign && sp_buf_append(b, out, 1) != SP_OK)
        return SP_ENOMEM;
    for (size_t i = 0; !sp->left && i < pad; i++)
        if (sp_buf_append(b, sp->zero ? "0" : " ", 1) != SP_OK)
            return SP_ENOMEM;
    if (sp_buf_append(b, out + sign, n - sign) != SP_OK)
        return SP_ENOMEM;
    for (size_t i = 0; sp->left && i < pad; i++)
        if (sp_buf_append(b, " ", 1) != SP_OK)
            return SP_ENOMEM;
    return SP_OK;
}

/* An integer conversion (d i u x X with length "", hh, h, l, ll, z, j):
 * the argument is read with its promoted type, then written in base 10
 * or 16 by hand (no format string built at run time). */
static int fmt_int(sp_buf *b, const fmt_spec *sp, const char *lenmod, char conv, va_list *ap)
{
    bool is_signed = conv == 'd' || conv == 'i';
    unsigned long long mag;
    bool neg = false;
    if (is_signed) {
        long long v;
        if (!strcmp(lenmod, "ll"))
            v = va_arg(*ap, long long);
        else if (!strcmp(lenmod, "l"))
            v = va_arg(*ap, long);
        else if (!strcmp(lenmod, "z"))
            v = va_arg(*ap, ptrdiff_t); /* ssize_t's width */
        else if (!strcmp(lenmod, "j"))
            v = va_arg(*ap, intmax_t);
        else
            v = va_arg(*ap, int); /* "", h and hh are promoted to int */
        neg = v < 0;
        mag = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    } else if (!strcmp(lenmod, "ll")) {
        mag = va_arg(*ap, unsigned long long);
    } else if (!strcmp(lenmod, "l")) {
        mag = va_arg(*ap, unsigned long);
    } else if (!strcmp(lenmod, "z")) {
        mag = va_arg(*ap, size_t);
    } else if (!strcmp(lenmod, "j")) {
        mag = va_arg(*ap, uintmax_t);
    } else {
        mag = va_arg(*ap, unsigned);
    }
    const char *digits = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    unsigned base = (conv == 'x' || conv == 'X') ? 16 : 10;
    char tmp[32], out[34];
    size_t n = 0, o = 0;
    do {
        tmp[n++] = digits[mag % base];
        mag /= base;
    } while (mag);
    if (neg)
        out[o++] = '-';
    while (n)
        out[o++] = tmp[--n];
    return put_padded(b, sp, out, o);
}

/* %f: a double with the precision given (6 when none), "nan"/"inf"
 * as the C library writes them. */
static int fmt_double(sp_buf *b, const fmt_spec *sp, double d)
{
    char out[80];
    int n = snprintf(out, sizeof out, "%.*f", sp->prec < 0 ? 6 : sp->prec, d);
    if (n < 0 || (size_t)n >= sizeof out)
        return SP_EINVAL; /* beyond 1e60 or a precision over 70: not a page's number */
    return put_padded(b, sp, out, (size_t)n);
}

/* Read "[-0]*[width][.prec]" at *s; false when a number is too long. */
static bool parse_spec(const char **s, fmt_spec *sp)
{
    *sp = (fmt_spec){.prec = -1};
    for (; **s == '-' || **s == '0'; (*s)++)
        *(**s == '-' ? &sp->left : &sp->zero) = true;
    size_t wl = strspn(*s, "0123456789");
    if (wl > 3)
        return false;
    sp->width = wl ? atoi(*s) : 0;
    *s += wl;
    if (**s == '.') {
        (*s)++;
        size_t pl = strspn(*s, "0123456789");
        if (pl > 2)
            return false;
        sp->prec = atoi(*s);
        *s += pl;
    }
    return true;
}

int html_vfmt(sp_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int rc = SP_OK;
    const char *s = fmt;
    while (rc == SP_OK && *s) {
        size_t run = strcspn(s, "%");
        if (run) {
            rc = sp_buf_append(b, s, run);
            s += run;
            continue;
        }
        s++; /* past '%' */
        if (*s == '%') {
            rc = sp_buf_append(b, "%", 1);
            s++;
            continue;
        }
        if (*s == 'p') {
            const char *arg = va_arg(aq, const char *);
            switch (s[1]) {
            case 'T':
            case 'A': rc = html_text(b, arg); break;
            case 'S': rc = html_snippet(b, arg); break;
            case 'U': rc = html_text(b, html_url_safe(arg) ? arg : "#"); break;
            default: rc = SP_EINVAL;
            }
            s += s[1] ? 2 : 1;
            continue;
        }
        fmt_spec sp;
        char lenmod[3] = "";
        size_t ll;
        if (!parse_spec(&s, &sp) || (ll = strspn(s, "hlzj")) > 2) {
            rc = SP_EINVAL;
            break;
        }
        memcpy(lenmod, s, ll);
        s += ll;
        char conv = *s;
        bool is_int = conv && strchr("diuxX", conv);
        if ((!is_int && conv != 'f') || (conv == 'f' && ll) || (is_int && sp.prec >= 0) ||
            (ll == 2 && (lenmod[0] != lenmod[1] || strchr("zj", lenmod[0])))) {
            rc = SP_EINVAL;
            break;
        }
        s++;
        rc = conv == 'f' ? fmt_double(b, &sp, va_arg(aq, double)) : fmt_int(b, &sp, lenmod, conv, &aq);
    }
    va_end(aq);
    return rc;
}

int html_fmt(sp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = html_vfmt(b, fmt, ap);
    va_end(ap);
    return rc;
}
