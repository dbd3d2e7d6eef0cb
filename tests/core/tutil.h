/*
 * tutil.h - small helpers Signpost's C test programs share, header-only like
 * tcheck.h (so a test needs no extra source in its meson.build):
 *
 *   t_tmp_path("idx", "index")  a new /tmp/signpost-test-idx-XXXXXX folder,
 *                               and DIR/index in it (the caller frees)
 *   t_vocab()                   the project's vocabulary, loaded
 *
 * Each exits the test with status 1 and a message when it cannot do its
 * job: a test without its fixture has nothing to check.
 */
#ifndef TUTIL_H
#define TUTIL_H

#include <stdio.h>
#include <stdlib.h>

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
