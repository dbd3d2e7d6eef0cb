/*
 * hub_report.c - print one hub report of a store as JSON (or CSV), straight
 * from indexer/hub.h without searchd: a debugging aid and a helper for the
 * hub tests.  Usage: hub_report STORE REPORT [borough=..] [group=..] [csv]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "../core/tutil.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: hub_report STORE coverage|overlaps|duplicates|gaps|stale|sources "
                        "[key=value...] [csv]\n");
        return 2;
    }
    vocab *v = t_vocab();
    sp_err err = {0};
    hub *h = NULL;
    if (hub_open(argv[1], v, &h, &err) != SP_OK) {
        fprintf(stderr, "hub_report: %s\n", err.msg);
        vocab_free(v);
        return 1;
    }
    hub_filter f = {0};
    int csv = 0;
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!strcmp(argv[i], "csv"))
            csv = 1;
        else if (eq && !strncmp(argv[i], "borough=", 8))
            f.borough = eq + 1;
        else if (eq && !strncmp(argv[i], "subregion=", 10))
            f.subregion = eq + 1;
        else if (eq && !strncmp(argv[i], "group=", 6))
            f.group = eq + 1;
        else if (eq && !strncmp(argv[i], "category=", 9))
            f.category = eq + 1;
        else if (eq && !strncmp(argv[i], "limit=", 6))
            f.limit = (size_t)atol(eq + 1);
        else if (eq && !strncmp(argv[i], "days=", 5))
            f.stale_days = atoi(eq + 1);
        else if (eq && !strncmp(argv[i], "id=", 3))
            f.id = eq + 1;
        else if (eq && !strncmp(argv[i], "kind=", 5))
            f.kind = eq + 1;
    }
    json_t *(*fns[])(const hub *, const hub_filter *, sp_err *) = {
        hub_coverage, hub_overlaps, hub_duplicates, hub_gaps, hub_stale, hub_sources};
    const char *names[] = {"coverage", "overlaps", "duplicates", "gaps", "stale", "sources"};
    json_t *rep = NULL;
    int found = 0;
    for (size_t i = 0; i < 6; i++)
        if (!strcmp(argv[2], names[i])) {
            found = 1;
            rep = fns[i](h, &f, &err);
        }
    int rc = 0;
    if (!found) {
        fprintf(stderr, "hub_report: no report '%s'\n", argv[2]);
        rc = 2;
    } else if (!rep) {
        fprintf(stderr, "hub_report: %s report failed: %s\n", argv[2], err.msg);
        rc = 1;
    } else if (csv) {
        char *s = hub_rows_csv(rep);
        fputs(s ? s : "", stdout);
        free(s);
    } else {
        char *s = json_dumps(rep, JSON_INDENT(1));
        if (!s) {
            fprintf(stderr, "hub_report: the report cannot be encoded\n");
            rc = 1;
        } else {
            puts(s);
        }
        free(s);
    }
    json_decref(rep);
    hub_close(h);
    vocab_free(v);
    return rc;
}
