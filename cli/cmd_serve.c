/*
 * cmd_serve.c - `signpost serve`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "signpost serve: not available in this build yet\n");
    return CLI_FAIL;
}
