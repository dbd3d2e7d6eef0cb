/*
 * cmd_run.c - `signpost run`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost run: not available in this build yet\n");
    return CLI_FAIL;
}
