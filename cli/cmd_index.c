/*
 * cmd_index.c - `signpost index`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_index(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost index: not available in this build yet\n");
    return CLI_FAIL;
}
