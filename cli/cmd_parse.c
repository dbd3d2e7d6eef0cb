/*
 * cmd_parse.c - `signpost parse`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_parse(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost parse: not available in this build yet\n");
    return CLI_FAIL;
}
