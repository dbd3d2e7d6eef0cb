/*
 * cli.h - the subcommands of `signpost`.  Each takes the arguments after its
 * own name (argv[0] is the subcommand) and returns the process exit code:
 * 0 ok, 1 failure, 2 bad usage.  Errors go to stderr as one line saying what
 * is wrong and what to do.
 */
#ifndef CLI_H
#define CLI_H

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_run(int argc, char **argv);
int cmd_crawl(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_robots(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
