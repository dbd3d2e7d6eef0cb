/*
 * test_text.c - charset detection and conversion to UTF-8, and the content
 * hash, as the crawler applies them before storing a body.  Cases are data
 * files in tests/crawler/charset/: NAME.in (the body as served), NAME.ct
 * (the Content-Type header; optional) and NAME.out (the UTF-8 body the
 * store must hold).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl_int.h"

static char *slurp(const char *dir, const char *name, const char *ext, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    char *data = NULL;
    if (sp_read_file(path, 1 << 20, &data, len, NULL) != SP_OK)
        return NULL;
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_text CHARSET-DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int failures = 0, cases = 0;
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".in"))
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 3), e->d_name);
        size_t in_len = 0, out_len = 0, ct_len = 0;
        char *in = slurp(dir, name, ".in", &in_len);
        char *want = slurp(dir, name, ".out", &out_len);
        char *ct = slurp(dir, name, ".ct", &ct_len);
        if (ct)
            ct[strcspn(ct, "\r\n")] = '\0';
        cases++;
        char *got = NULL, *got_ct = NULL;
        size_t got_len = 0;
        sp_err err = {0};
        int rc = crawl_to_utf8(in ? in : "", in_len, ct, &got, &got_len, &got_ct, &err);
        if (rc != SP_OK || !want || got_len != out_len || memcmp(got, want, out_len) ||
            !sp_utf8_valid(got, got_len)) {
            fprintf(stderr, "%s: conversion differs (rc %d %s)\n got: %.*s\nwant: %.*s\n", name,
                    rc, err.msg, (int)got_len, got ? got : "", (int)out_len, want ? want : "");
            failures++;
        }
        if (ct && (!got_ct || !strstr(got_ct, "charset=utf-8"))) {
            fprintf(stderr, "%s: content type not relabelled: %s\n", name,
                    got_ct ? got_ct : "(null)");
            failures++;
        }
        free(in);
        free(want);
        free(ct);
        free(got);
        free(got_ct);
    }
    closedir(d);

    /* The hash tells bodies apart and is stable. */
    char h1[CRAWL_HASH_LEN], h2[CRAWL_HASH_LEN], h3[CRAWL_HASH_LEN];
    crawl_content_hash("abc", 3, h1);
    crawl_content_hash("abc", 3, h2);
    crawl_content_hash("abd", 3, h3);
    if (strcmp(h1, h2) || !strcmp(h1, h3)) {
        fprintf(stderr, "content hash: %s %s %s\n", h1, h2, h3);
        failures++;
    }
    if (!crawl_is_text("text/html", "x", 1) || crawl_is_text("image/png", "x", 1) ||
        crawl_is_text(NULL, "\x1f\x8b\x08", 3)) {
        fprintf(stderr, "crawl_is_text wrong\n");
        failures++;
    }
    if (cases < 5) {
        fprintf(stderr, "only %d charset cases found in %s\n", cases, dir);
        failures++;
    }
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("text: %d charset cases passed\n", cases);
    return 0;
}
