/*
 * guard.c - the crawler's outbound fetch policy: which addresses it may
 * connect to.
 *
 * Every byte a provider serves is untrusted, and so is every URL in it: an
 * RSS item link, a sitemap entry, a data-package resource or a redirect can
 * point at 127.0.0.1, 169.254.169.254 or an intranet host, and whatever
 * such a fetch returns would end up in the public index.  So by default
 * the crawler connects only to public addresses.  The check is made on the
 * address libcurl is about to connect to (CURLOPT_OPENSOCKETFUNCTION), after
 * name resolution, for every connection of every transfer: host names that
 * resolve inward, numeric forms (2130706433, 0x7f.1, 017700000001) and
 * IPv4-mapped IPv6 are all judged by what they really reach, and a DNS
 * answer cannot change between check and connect.
 *
 * A source may name ranges it may reach anyway (allow_private), for a
 * deployment that really crawls an intranet, for `signpost run`'s bundled
 * sample server, and for tests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crawl.h"
#include "crawl_int.h"

typedef struct range {
    unsigned char net[16];
    int prefix;
    const char *what;
} range;

/* Non-public IPv4 ranges (RFC 6890 and friends). */
static const range v4_ranges[] = {
    {{0, 0, 0, 0}, 8, "unspecified (this network)"},
    {{10, 0, 0, 0}, 8, "private (RFC 1918)"},
    {{100, 64, 0, 0}, 10, "shared (CGNAT, RFC 6598)"},
    {{127, 0, 0, 0}, 8, "loopback"},
    {{169, 254, 0, 0}, 16, "link-local"},
    {{172, 16, 0, 0}, 12, "private (RFC 1918)"},
    {{192, 0, 0, 0}, 24, "reserved (IETF protocol assignments)"},
    {{192, 0, 2, 0}, 24, "documentation"},
    {{192, 88, 99, 0}, 24, "reserved (6to4 relay)"},
    {{192, 168, 0, 0}, 16, "private (RFC 1918)"},
    {{198, 18, 0, 0}, 15, "benchmarking"},
    {{198, 51, 100, 0}, 24, "documentation"},
    {{203, 0, 113, 0}, 24, "documentation"},
    {{224, 0, 0, 0}, 4, "multicast"},
    {{240, 0, 0, 0}, 4, "reserved"}, /* includes 255.255.255.255 */
};

/* Non-public IPv6 ranges; those that embed an IPv4 address are handled
 * before these (see classify6). */
static const range v6_ranges[] = {
    {{0}, 128, "unspecified"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
    {{0x01, 0x00}, 64, "discard-only"},
    {{0x20, 0x01, 0x00, 0x00}, 32, "reserved (Teredo)"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation"},
    {{0x20, 0x01, 0x00, 0x10}, 28, "reserved (ORCHID)"},
    {{0x20, 0x01, 0x00, 0x20}, 28, "reserved (ORCHIDv2)"},
    {{0xfc}, 7, "unique-local"},
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xfe, 0xc0}, 10, "site-local"},
    {{0xff}, 8, "multicast"},
};

static bool in_prefix(const unsigned char *a, const unsigned char *net, int prefix)
{
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, net, (size_t)full))
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (net[full] & mask);
}

static const char *classify4(const unsigned char a[4])
{
    for (size_t i = 0; i < sizeof v4_ranges / sizeof v4_ranges[0]; i++)
        if (in_prefix(a, v4_ranges[i].net, v4_ranges[i].prefix))
            return v4_ranges[i].what;
    return NULL;
}

/* The IPv4 address an IPv6 one stands for, if any: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and
 * 6to4 (2002:AABB:CCDD::/48).  A connection to any of them may end at
 * that IPv4 address. */
static const unsigned char *embedded_v4(const unsigned char *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char compat[12] = {0};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
        return a + 12;
    /* :: and ::1 are themselves, not 0.0.0.0 and 0.0.0.1 */
    if (!memcmp(a, compat, 12) && (a[12] | a[13] | a[14] | (a[15] > 1)))
        return a + 12;
    if (a[0] == 0x20 && a[1] == 0x02)
        return a + 2;
    return NULL;
}

static const char *classify6(const unsigned char a[16])
{
    const unsigned char *v4 = embedded_v4(a);
    if (v4)
        return classify4(v4);
    for (size_t i = 0; i < sizeof v6_ranges / sizeof v6_ranges[0]; i++)
        if (in_prefix(a, v6_ranges[i].net, v6_ranges[i].prefix))
            return v6_ranges[i].what;
    return NULL;
}

const char *crawl_addr_class(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return classify4((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family == AF_INET6)
        return classify6((const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return "not an internet address";
}

int crawl_cidr_parse(const char *s, crawl_cidr *out)
{
    char buf[64];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash++ = '\0';
    memset(out, 0, sizeof *out);
    int max;
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    out->prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash, &end, 10);
        if (!*slash || *end || p < 0 || p > max)
            return -1;
        out->prefix = (int)p;
    }
    return 0;
}

static bool cidr_match(const crawl_cidr *c, int family, const unsigned char *a)
{
    return c->family == family && in_prefix(a, c->addr, c->prefix);
}

bool crawl_addr_allowed(const struct sockaddr *sa, const crawl_cidr *allow, size_t n_allow,
                        char *why, size_t whysz)
{
    const char *what = crawl_addr_class(sa);
    if (!what)
        return true;
    const unsigned char *a = NULL, *v4 = NULL;
    char text[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        a = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        v4 = a;
        inet_ntop(AF_INET, a, text, sizeof text);
    } else if (sa->sa_family == AF_INET6) {
        a = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        v4 = embedded_v4(a);
        inet_ntop(AF_INET6, a, text, sizeof text);
    }
    for (size_t i = 0; a && i < n_allow; i++)
        if (cidr_match(&allow[i], sa->sa_family, a) ||
            (v4 && cidr_match(&allow[i], AF_INET, v4)))
            return true;
    if (why && whysz)
        snprintf(why, whysz,
                 "refused by the fetch policy: %s is a %s address (allow_private in "
                 "sources.conf to crawl it)",
                 text, what);
    return false;
}

/* libcurl asks us for every socket it is about to connect with. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
                                 struct curl_sockaddr *address)
{
    crawl_guard *g = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        !crawl_addr_allowed(&address->addr, g->allow, g->n_allow, g->why, sizeof g->why)) {
        g->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

void crawl_guard_apply(CURL *h, crawl_guard *g, const crawl_source *src)
{
    g->allow = src ? src->allow : NULL;
    g->n_allow = src ? src->n_allow : 0;
    g->refused = false;
    g->why[0] = '\0';
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
    /* A proxy would be the address checked, not the target: none (the
     * http_proxy environment variables are ignored too). */
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}
