/*
 * cmd_parse.c - `signpost parse`: run one feeds/ reader on a local file and
 * print what it found as NDJSON, for debugging a source by hand.
 *
 * Records come out one per line in Signpost's JSON shape (rec_to_json);
 * with --links the links the reader found follow, one {"link","kind"}
 * object per line.  Nothing is written anywhere else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "enrich.h"
#include "feed.h"
#include "rec.h"
#include "sp.h"
#include "vocab.h"

static void parse_usage(FILE *out)
{
    fprintf(out,
            "usage: signpost parse [--format F] [--url URL] [--enrich] [--links]\n"
            "                      [--content-type TYPE] FILE\n"
            "\n"
            "Run one reader on FILE (\"-\" reads standard input) and print the\n"
            "service records it finds as NDJSON, one record per line.\n"
            "\n"
            "  --format F        oruk, ndjson, datapackage, rss, sitemap, html or auto\n"
            "                    (default: auto, sniffed from the body, type and URL)\n"
            "  --url URL         the URL the file was fetched from: resolves links and\n"
            "                    makes the same stable ids the crawler would (default:\n"
            "                    the file's path)\n"
            "  --content-type T  the Content-Type the server sent (helps sniffing)\n"
            "  --enrich          derive boroughs, groups, categories, ... (data/ vocab)\n"
            "  --links           also print the links found, as {\"link\":URL,\"kind\":K}\n"
            "  -h, --help        this help\n"
            "\n"
            "Exit status: 0 read cleanly, 1 the document (or part of it) could not be\n"
            "read (what was read is still printed), 2 bad usage.\n");
}

static const char *link_kind_name(feed_link_kind k)
{
    switch (k) {
    case FEED_LINK_PAGE:
        return "page";
    case FEED_LINK_NEXT:
        return "next";
    case FEED_LINK_DETAIL:
        return "detail";
    case FEED_LINK_SITEMAP:
        return "sitemap";
    case FEED_LINK_FEED:
        return "feed";
    }
    return "unknown";
}

static int read_stdin(char **out, size_t *out_len, sp_err *err)
{
    sp_buf b = {0};
    char chunk[65536];
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, stdin);
        if (n > 0) {
            if (b.len + n > FEED_MAX_BODY) {
                sp_buf_free(&b);
                return sp_fail(err, SP_ELIMIT, "standard input is over %u bytes",
                               FEED_MAX_BODY);
            }
            if (sp_buf_append(&b, chunk, n) != SP_OK) {
                sp_buf_free(&b);
                return sp_fail(err, SP_ENOMEM, "out of memory");
            }
        }
        if (n < sizeof chunk) {
            if (ferror(stdin)) {
                sp_buf_free(&b);
                return sp_fail(err, SP_EIO, "cannot read standard input: %s",
                               strerror(errno));
            }
            break;
        }
    }
    *out_len = b.len;
    *out = b.len > 0 ? sp_buf_steal(&b) : calloc(1, 1);
    if (*out == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    return SP_OK;
}

/* Data packages name their CSV resources relative to the descriptor: read
 * them beside FILE, refusing absolute paths and "..". */
static int file_fetch(void *ctx, const char *path, char **body, size_t *len, sp_err *err)
{
    const char *dir = ctx;
    if (path == NULL || path[0] == '/' || strstr(path, "..") != NULL ||
        strstr(path, "://") != NULL)
        return sp_fail(err, SP_EINVAL, "resource path '%s' is not a relative file path",
                       path ? path : "");
    char *full = sp_printf("%s/%s", dir, path);
    if (full == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = sp_read_file(full, FEED_MAX_BODY, body, len, err);
    free(full);
    return rc;
}

int cmd_parse(int argc, char **argv)
{
    const char *format = "auto", *url = NULL, *file = NULL, *ctype = NULL;
    bool enrich = false, links = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            parse_usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--format") || !strcmp(a, "--url") ||
                   !strcmp(a, "--content-type")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "signpost parse: %s needs a value; see --help\n", a);
                return CLI_USAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--format"))
                format = v;
            else if (!strcmp(a, "--url"))
                url = v;
            else
                ctype = v;
        } else if (!strcmp(a, "--enrich")) {
            enrich = true;
        } else if (!strcmp(a, "--links")) {
            links = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "signpost parse: unknown option '%s'; see --help\n", a);
            return CLI_USAGE;
        } else if (file != NULL) {
            fprintf(stderr, "signpost parse: one FILE only ('%s' and '%s'); see --help\n",
                    file, a);
            return CLI_USAGE;
        } else {
            file = a;
        }
    }
    if (file == NULL) {
        fprintf(stderr, "signpost parse: no FILE given (use - for standard input); "
                        "see --help\n");
        return CLI_USAGE;
    }
    int f = feed_format_from_name(format);
    if (f < 0) {
        fprintf(stderr,
                "signpost parse: unknown format '%s'; use oruk, ndjson, datapackage, "
                "rss, sitemap, html or auto\n",
                format);
        return CLI_USAGE;
    }

    sp_err err = {0};
    char *body = NULL;
    size_t len = 0;
    int rc = !strcmp(file, "-") ? read_stdin(&body, &len, &err)
                                : sp_read_file(file, FEED_MAX_BODY, &body, &len, &err);
    if (rc != SP_OK) {
        fprintf(stderr, "signpost parse: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (url == NULL)
        url = !strcmp(file, "-") ? "stdin" : file;

    vocab *v = NULL;
    if (enrich && vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "signpost parse: cannot load the reference data for --enrich: %s\n",
                err.msg);
        free(body);
        return CLI_FAIL;
    }

    feed_output out;
    feed_output_init(&out);
    feed_format fmt = (feed_format)f;
    if (fmt == FEED_AUTO)
        fmt = feed_sniff(body, len, url, ctype);
    /* A data package's resources are files beside it. */
    char *dir = sp_strdup(!strcmp(file, "-") ? "." : file);
    char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
    if (slash != NULL)
        *slash = '\0';
    else if (dir != NULL)
        strcpy(dir, ".");
    /* A package's links would be its resources resolved as URLs: --links
     * lists what the readers of web documents find. */
    unsigned what = FEED_WANT_RECORDS |
                    (links && fmt != FEED_DATAPACKAGE ? FEED_WANT_LINKS : 0);
    rc = dir == NULL ? SP_ENOMEM
                     : feed_read_doc(feed_format_name(fmt), body, len, url, ctype, what,
                                     file_fetch, dir, &out, &err);
    free(dir);
    free(body);
    int status = CLI_OK;
    if (rc != SP_OK) {
        fprintf(stderr, "signpost parse: %s (%s reader): %s\n", file, feed_format_name(fmt),
                err.msg[0] ? err.msg : sp_code_name(rc));
        status = CLI_FAIL;
    }

    for (size_t i = 0; i < out.n_recs; i++) {
        if (v != NULL) {
            sp_err e = {0};
            if (enrich_record(v, &out.recs[i], &e) != SP_OK) {
                fprintf(stderr, "signpost parse: enriching record %zu: %s\n", i + 1, e.msg);
                status = CLI_FAIL;
            }
        }
        char *s = rec_to_json_string(&out.recs[i]);
        if (s == NULL) {
            fprintf(stderr, "signpost parse: out of memory writing record %zu\n", i + 1);
            status = CLI_FAIL;
            continue;
        }
        puts(s);
        free(s);
    }
    if (links) {
        for (size_t i = 0; i < out.n_links; i++) {
            json_t *j = json_pack("{s:s,s:s}", "link", out.links[i].url, "kind",
                                  link_kind_name(out.links[i].kind));
            char *s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            if (s != NULL)
                puts(s);
            free(s);
            json_decref(j);
        }
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "signpost parse: cannot write output: %s\n", strerror(errno));
        status = CLI_FAIL;
    }
    feed_output_free(&out);
    vocab_free(v);
    return status;
}
