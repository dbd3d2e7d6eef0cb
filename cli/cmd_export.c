/*
 * cmd_export.c - `signpost export`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost export: not available in this build yet\n");
    return CLI_FAIL;
}
