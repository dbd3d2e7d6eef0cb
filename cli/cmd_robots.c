/*
 * cmd_robots.c - `signpost robots`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_robots(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost robots: not available in this build yet\n");
    return CLI_FAIL;
}
