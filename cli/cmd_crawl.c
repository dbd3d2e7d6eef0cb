/*
 * cmd_crawl.c - `signpost crawl`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_crawl(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost crawl: not available in this build yet\n");
    return CLI_FAIL;
}
