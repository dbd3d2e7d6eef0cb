/*
 * tutil.h - small helpers Signpost's C test programs share, header-only like
 * tcheck.h (so a test needs no extra source in its meson.build):
 *
 *   t_tmp_path("idx", "index")  a new /tmp/signpost-test-idx-XXXXXX folder,
 *                               and DIR/index in it (the caller frees)
 *   t_vocab()                   the project's vocabulary, loaded
 *   t_read(&len, "%s/f", dir)   a fixture file's whole text (the caller
 *                               frees), its length in len
 *   t_usage(argc, 2, "x FILE")  the command line has its arguments, or
 *                               "usage: x FILE" and status 2
 *   t_lines l = t_lines_open("%s/c.tsv", dir); while (t_line(&l)) l.line
 *                               a case file's lines in turn, without their
 *                               line ends, blank and '#' lines skipped
 *                               (l.no is the line's number); t_lines_close
 *                               when leaving before the end
 *   t_split(line, f, 3)         a line cut at its tabs into at most 3
 *                               fields (the last keeps any further tabs)
 *   while (t_row(&l, f, 2))     the next case line cut into 2 fields; a
 *                               line with fewer ends the test
 *
 * Each exits the test with status 1 and a message when it cannot do its
 * job: a test without its fixture has nothing to check.
 */
#ifndef TUTIL_H
#define TUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp.h"

/* Make a fresh temporary folder and return "FOLDER/leaf" in it. */
__attribute__((unused)) static char *t_tmp_path(const char *tag, const char *leaf)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "/tmp/signpost-test-%s-XXXXXX", tag);
    char *d = mkdtemp(tmpl);
    char *p = d ? sp_printf("%s/%s", d, leaf) : NULL;
    if (!p) {
        perror("mkdtemp");
        exit(1);
    }
    return p;
}

/* The whole text of the file whose path the format makes (1 MiB at most),
 * NUL-terminated, for the caller to free; its length in *len. */
__attribute__((unused, format(printf, 2, 3))) static char *t_read(size_t *len, const char *fmt, ...)
{
    char path[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    char *body = NULL;
    sp_err err = {0};
    if (sp_read_file(path, 1 << 20, &body, len, &err) != SP_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
        exit(1);
    }
    return body;
}

/* End the test with status 2 and its usage line when it has fewer than
 * `need` command-line words (argv[0] included). */
__attribute__((unused)) static void t_usage(int argc, int need, const char *usage)
{
    if (argc < need) {
        fprintf(stderr, "usage: %s\n", usage);
        exit(2);
    }
}

/* A case file read a line at a time. */
typedef struct {
    FILE *f;
    char *line; /* the current line, without its line end */
    size_t cap;
    int no; /* its number, from 1 */
    char path[4096];
} t_lines;

/* Open the file whose path the format makes. */
__attribute__((unused, format(printf, 1, 2))) static t_lines t_lines_open(const char *fmt, ...)
{
    t_lines l = {0};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l.path, sizeof l.path, fmt, ap);
    va_end(ap);
    l.f = fopen(l.path, "r");
    if (!l.f) {
        perror(l.path);
        exit(1);
    }
    return l;
}

/* Close l before its end. */
__attribute__((unused)) static void t_lines_close(t_lines *l)
{
    if (l->f)
        fclose(l->f);
    free(l->line);
    l->f = NULL;
    l->line = NULL;
}

/* The next line that is neither blank nor a '#' comment, its line end cut
 * off, in l->line; false (and the file closed) at the end. */
__attribute__((unused)) static int t_line(t_lines *l)
{
    for (;;) {
        if (getline(&l->line, &l->cap, l->f) < 0) {
            t_lines_close(l);
            return 0;
        }
        l->no++;
        l->line[strcspn(l->line, "\r\n")] = '\0';
        if (l->line[0] && l->line[0] != '#')
            return 1;
    }
}

/* Cut line at tabs into at most max fields (f[0] .. ); returns how many. */
__attribute__((unused)) static size_t t_split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

/* The next case line of l cut into n fields in f; a line with fewer is a
 * broken case file and ends the test.  False at the end. */
__attribute__((unused)) static int t_row(t_lines *l, char **f, size_t n)
{
    if (!t_line(l))
        return 0;
    if (t_split(l->line, f, n) < n) {
        fprintf(stderr, "%s:%d: fewer than %zu tab-separated fields\n", l->path, l->no, n);
        exit(1);
    }
    return 1;
}

#ifdef VOCAB_H
/* The vocabulary in data/ (vocab_load's default), for the caller to free. */
__attribute__((unused)) static vocab *t_vocab(void)
{
    vocab *v = NULL;
    sp_err err = {0};
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "vocab_load: %s\n", err.msg);
        exit(1);
    }
    return v;
}
#endif

#endif
