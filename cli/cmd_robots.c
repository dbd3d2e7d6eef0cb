/*
 * cmd_robots.c - `signpost robots --agent UA --url URL FILE`: say whether
 * the robots.txt in FILE lets user agent UA fetch URL, using the crawler's
 * own robots.txt code (crawler/robots.h), so what it prints is what the
 * crawler would do.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "robots.h"
#include "sp.h"

/* Files beyond this are refused; only the first ROBOTS_MAX_BYTES are
 * parsed anyway, as the crawler does. */
#define ROBOTS_CLI_MAX_FILE (64u * 1024u * 1024u)

static void robots_usage(FILE *out)
{
    fprintf(out,
            "usage: signpost robots --agent UA --url URL [--verbose] FILE\n"
            "\n"
            "Print 'allowed' or 'disallowed': whether the robots.txt in FILE lets\n"
            "user agent UA fetch URL, by RFC 9309 as the crawler applies it.\n"
            "FILE may be '-' for standard input.\n"
            "\n"
            "  --agent UA   the crawler's user agent; its product token (the part\n"
            "               before any '/') is matched against User-agent lines,\n"
            "               ignoring case\n"
            "  --url URL    an absolute URL (https://host/path?query) or a path\n"
            "  --verbose    also print the crawl delay and the sitemaps listed\n"
            "  --help       show this help\n"
            "\n"
            "Exit status: 0 when an answer was printed, 1 when FILE cannot be read,\n"
            "2 on bad usage.  See docs/robots.md.\n");
}

static int read_stdin(char **out, size_t *out_len)
{
    sp_buf b = {0};
    char chunk[65536];
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, stdin);
        if (n == 0)
            break;
        if (b.len + n > ROBOTS_CLI_MAX_FILE || sp_buf_append(&b, chunk, n)) {
            sp_buf_free(&b);
            return SP_ELIMIT;
        }
    }
    if (ferror(stdin)) {
        sp_buf_free(&b);
        return SP_EIO;
    }
    *out_len = b.len;
    *out = b.len ? sp_buf_steal(&b) : NULL;
    return SP_OK;
}

int cmd_robots(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"agent", required_argument, NULL, 'a'}, {"url", required_argument, NULL, 'u'},
        {"verbose", no_argument, NULL, 'v'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *agent = NULL, *url = NULL, *file = NULL;
    int verbose = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            robots_usage(stdout);
            return CLI_OK;
        case 'v': verbose = 1; break;
        case 'a': agent = optarg; break;
        case 'u': url = optarg; break;
        case ':':
            fprintf(stderr, "signpost robots: %s needs a value; see --help\n", argv[optind - 1]);
            return CLI_USAGE;
        default:
            fprintf(stderr, "signpost robots: unknown option '%s'; see --help\n", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind < argc)
        file = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "signpost robots: give one FILE only; see --help\n");
        return CLI_USAGE;
    }
    if (!agent || !url || !file) {
        fprintf(stderr, "signpost robots: %s is required; see --help\n",
                !agent ? "--agent UA" : !url ? "--url URL" : "FILE");
        return CLI_USAGE;
    }

    char *body = NULL;
    size_t len = 0;
    sp_err err = {0};
    int rc;
    if (!strcmp(file, "-")) {
        rc = read_stdin(&body, &len);
        if (rc)
            sp_fail(&err, rc, "cannot read standard input (or it is over %u bytes)",
                    ROBOTS_CLI_MAX_FILE);
    } else {
        rc = sp_read_file(file, ROBOTS_CLI_MAX_FILE, &body, &len, &err);
    }
    if (rc) {
        fprintf(stderr, "signpost robots: %s\n", err.msg[0] ? err.msg : sp_code_name(rc));
        return CLI_FAIL;
    }
    robots_t *robots = NULL;
    rc = robots_parse(body, len, &robots, &err);
    free(body);
    if (rc) {
        fprintf(stderr, "signpost robots: %s\n", err.msg);
        return CLI_FAIL;
    }
    printf("%s\n", robots_allowed(robots, agent, url) ? "allowed" : "disallowed");
    if (verbose) {
        double delay = robots_crawl_delay(robots, agent);
        if (delay >= 0)
            printf("crawl-delay: %g\n", delay);
        size_t n = 0;
        const char *const *maps = robots_sitemaps(robots, &n);
        for (size_t i = 0; i < n; i++)
            printf("sitemap: %s\n", maps[i]);
        if (robots_truncated(robots))
            printf("note: the file was over a size or count limit; only the first part was used\n");
    }
    robots_free(robots);
    return CLI_OK;
}
