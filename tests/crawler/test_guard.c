/*
 * test_guard.c - the crawler's fetch policy (guard.c): every address form
 * in guard/addresses.tsv is classified as the table says, allow_private
 * ranges open exactly what they name, and CIDR parsing refuses bad ranges.
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tcheck.h"
#include "../core/tutil.h"
#include "crawl.h"
#include "crawl_int.h"

static void check_row(int lineno, char *addr, const char *expect, char *allow_text)
{
    crawl_cidr allow[CRAWL_MAX_ALLOW];
    size_t n_allow = 0;
    char *save = NULL;
    for (char *t = allow_text ? strtok_r(allow_text, " ,", &save) : NULL; t;
         t = strtok_r(NULL, " ,", &save)) {
        CHECK(n_allow < CRAWL_MAX_ALLOW && crawl_cidr_parse(t, &allow[n_allow]) == 0);
        n_allow++;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(addr, "80", &hints, &ai);
    if (rc != 0 || !ai) {
        fprintf(stderr, "line %d: getaddrinfo(%s): %s\n", lineno, addr, gai_strerror(rc));
        CHECK(!"the address parses");
        return;
    }
    char why[200] = "";
    bool ok = crawl_addr_allowed(ai->ai_addr, allow, n_allow, why, sizeof why);
    const char *cls = crawl_addr_class(ai->ai_addr);
    if (!strcmp(expect, "public")) {
        if (!ok)
            fprintf(stderr, "line %d: %s refused: %s\n", lineno, addr, why);
        CHECK(ok);
    } else {
        bool match = !ok && cls && !strncmp(cls, expect, strlen(expect)) &&
                     strstr(why, "refused by the fetch policy");
        if (!match)
            fprintf(stderr, "line %d: %s is %s as %s (%s), expected %s\n", lineno, addr,
                    ok ? "allowed" : "refused", cls ? cls : "public", why, expect);
        CHECK(match);
    }
    freeaddrinfo(ai);
}

int main(int argc, char **argv)
{
    t_usage(argc, 2, "test_guard addresses.tsv");
    t_lines l = t_lines_open("%s", argv[1]);
    int rows = 0;
    while (t_line(&l)) {
        char *line = l.line;
        char *save = NULL;
        char *addr = strtok_r(line, "\t", &save);
        char *expect = strtok_r(NULL, "\t", &save);
        char *allow = strtok_r(NULL, "\t", &save);
        CHECK(addr && expect);
        if (addr && expect)
            check_row(l.no, addr, expect, allow);
        rows++;
    }
    CHECK(rows >= 50);

    /* Ranges: bad ones are refused rather than read as something wider. */
    crawl_cidr c;
    CHECK(crawl_cidr_parse("10.0.0.0/8", &c) == 0 && c.prefix == 8);
    CHECK(crawl_cidr_parse("::1", &c) == 0 && c.prefix == 128);
    CHECK(crawl_cidr_parse("10.0.0.0/33", &c) != 0);
    CHECK(crawl_cidr_parse("10.0.0.0/", &c) != 0);
    CHECK(crawl_cidr_parse("10.0.0.0/-1", &c) != 0);
    CHECK(crawl_cidr_parse("localhost", &c) != 0);
    CHECK(crawl_cidr_parse("", &c) != 0);
    CHECK(crawl_cidr_parse("fd00::/129", &c) != 0);
    return t_done("crawler_guard");
}
