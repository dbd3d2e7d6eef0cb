/*
 * main.c - the `signpost` command: dispatches to its subcommands (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"run", cmd_run, "crawl, index and serve, live (the bundled sample by default)"},
    {"crawl", cmd_crawl, "harvest the sources of a sources.conf into a store"},
    {"index", cmd_index, "index what the crawler stored, or import local files"},
    {"serve", cmd_serve, "serve the search API and the portal"},
    {"parse", cmd_parse, "run one reader on a file and print NDJSON records"},
    {"robots", cmd_robots, "say whether a robots.txt allows a URL"},
    {"export", cmd_export, "write the directory as NDJSON or an HSDS data package"},
    {"user", cmd_user, "add, list, remove staff accounts or change a password"},
    {"token", cmd_token, "add, list or revoke API tokens for scripts"},
    {"config", cmd_config, "check a signpost.conf (signpost config check [FILE])"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost COMMAND [OPTIONS]\n"
            "\n"
            "Signpost %s: a live directory and search engine of employment,\n"
            "skills and wraparound services in London.\n"
            "\n"
            "Commands:\n",
            SP_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n'signpost COMMAND --help' tells more about each.\n");
}

int main(int argc, char **argv)
{
    /* Xapian keeps changesets only when this is set in the writing
     * process: without them every replica (docs/scale-out.md) would copy
     * the whole index at each commit.  Set before any thread starts. */
    setenv("XAPIAN_MAX_CHANGESETS", "10", 0);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("signpost %s\n", SP_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "signpost: unknown command '%s'; 'signpost --help' lists them\n", argv[1]);
    return CLI_USAGE;
}
