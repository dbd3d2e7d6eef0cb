/*
 * cmd_export.c - `signpost export`: the whole directory, or the services a
 * search finds, written as NDJSON (Signpost's full records, the shape
 * /api/v1/services/{id} answers and `signpost index FILE` reads back) or as
 * an HSDS 3.0 tabular data package (datapackage.json + CSVs, the ORUK
 * profile's tables).  The search options are those of /api/v1/search and
 * are validated by the same code (searchd/params.c); the writers are
 * indexer/export.c's, shared with the API.  docs/oruk.md has the formats.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "export.h"
#include "idx.h"
#include "sd_int.h"
#include "vocab.h"

#define EXPORT_MAX_ARGS 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost export --store DIR [--format ndjson|datapackage] [--out PATH]\n"
            "                       [--q TEXT] [--borough B] [--subregion S] [--group G]\n"
            "                       [--category C] [--mode M] [--cost C] [--referral R]\n"
            "                       [--language L] [--age N] [--near POSTCODE]\n"
            "                       [--radius_km KM]\n"
            "\n"
            "Write the services in DIR/index: all of them, or those a search finds\n"
            "(the options are the parameters of /api/v1/search; filters repeat).\n"
            "\n"
            "  --format ndjson       one JSON record per line: the HSDS 3.0 service with\n"
            "                        Signpost's derived data and provenance (default)\n"
            "  --format datapackage  an HSDS 3.0 tabular data package: datapackage.json\n"
            "                        and one CSV per table, in the folder --out names\n"
            "  --out PATH            the file (ndjson; default: standard output) or the\n"
            "                        folder (datapackage; required, created if missing)\n"
            "\n"
            "Both read back with 'signpost index --store OTHER PATH' (for a data\n"
            "package, PATH/datapackage.json).  Prints 'exported N services' on stderr.\n"
            "Exit status: 0 ok, 1 failure, 2 bad usage.\n");
}

typedef struct exp_ctx {
    bool datapackage;
    FILE *out;
    export_dp *dp;
    const vocab *v;
    size_t n;
    sp_err *err;
} exp_ctx;

static int one(const rec_service *r, void *cls)
{
    exp_ctx *c = cls;
    c->n++;
    if (c->datapackage) {
        json_t *o = export_oruk_service(r, c->v);
        if (o == NULL)
            return sp_fail(c->err, SP_ENOMEM, "out of memory");
        int rc = export_dp_add(c->dp, o, c->err);
        json_decref(o);
        return rc;
    }
    char *line = rec_to_json_string(r);
    if (line == NULL)
        return sp_fail(c->err, SP_ENOMEM, "out of memory");
    int ok = fputs(line, c->out) >= 0 && fputc('\n', c->out) != EOF;
    free(line);
    return ok ? SP_OK : sp_fail(c->err, SP_EIO, "writing the export failed: %s", strerror(errno));
}

static int write_file(const char *dir, const char *name, const char *data, size_t len,
                      sp_err *err)
{
    char *path = sp_printf("%s/%s", dir, name);
    if (path == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    FILE *f = fopen(path, "wb");
    int rc = SP_OK;
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len))
        rc = sp_fail(err, SP_EIO, "cannot write %s: %s", path, strerror(errno));
    if (f != NULL && fclose(f) != 0 && rc == SP_OK)
        rc = sp_fail(err, SP_EIO, "cannot write %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

static int write_package(const char *dir, const export_dp *dp, sp_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sp_fail(err, SP_EIO, "cannot create %s: %s", dir, strerror(errno));
    int rc = SP_OK;
    for (size_t t = 0; rc == SP_OK && t < export_dp_count(); t++) {
        sp_buf b = {0};
        rc = export_dp_csv(dp, t, &b);
        if (rc == SP_OK)
            rc = write_file(dir, export_dp_file(t), b.data, b.len, err);
        else
            sp_fail(err, rc, "out of memory writing %s", export_dp_file(t));
        sp_buf_free(&b);
    }
    if (rc != SP_OK)
        return rc;
    json_t *d = export_dp_descriptor(dp, "Signpost directory export", NULL);
    char *s = d ? json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(d);
    if (s == NULL)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    rc = write_file(dir, "datapackage.json", s, strlen(s), err);
    free(s);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    const char *store = NULL, *format = "ndjson", *outp = NULL;
    sd_kv kv[EXPORT_MAX_ARGS];
    size_t n_kv = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            fprintf(stderr, "signpost export: unexpected argument '%s'; see 'signpost export "
                    "--help'\n", a);
            return CLI_USAGE;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const char *val = NULL;
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "signpost export: --%s needs a value\n", name);
            return CLI_USAGE;
        }
        if (name_len == 5 && !strncmp(name, "store", 5)) {
            store = val;
        } else if (name_len == 6 && !strncmp(name, "format", 6)) {
            format = val;
        } else if (name_len == 3 && !strncmp(name, "out", 3)) {
            outp = val;
        } else if (name_len == 4 && !strncmp(name, "sort", 4)) {
            fprintf(stderr, "signpost export: --sort does not apply; exports are in index "
                    "order\n");
            return CLI_USAGE;
        } else {
            if (n_kv >= EXPORT_MAX_ARGS) {
                fprintf(stderr, "signpost export: too many search options (at most %d)\n",
                        EXPORT_MAX_ARGS);
                return CLI_USAGE;
            }
            kv[n_kv].key = name;
            kv[n_kv].key_len = name_len;
            kv[n_kv].value = val;
            kv[n_kv].value_len = strlen(val);
            n_kv++;
        }
    }
    if (store == NULL || *store == '\0') {
        fprintf(stderr, "signpost export: --store DIR is required; see 'signpost export "
                "--help'\n");
        return CLI_USAGE;
    }
    bool dpk = false;
    if (!strcmp(format, "datapackage")) {
        dpk = true;
    } else if (strcmp(format, "ndjson") != 0) {
        fprintf(stderr, "signpost export: --format must be ndjson or datapackage, not '%s'\n",
                format);
        return CLI_USAGE;
    }
    if (dpk && (outp == NULL || *outp == '\0')) {
        fprintf(stderr, "signpost export: --format datapackage writes a folder; name it "
                "with --out DIR\n");
        return CLI_USAGE;
    }

    sp_err err = {0};
    vocab *v = NULL;
    if (vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "signpost export: %s\n", err.msg);
        return CLI_FAIL;
    }
    sd_search p;
    char msg[512];
    if (sd_search_parse(v, kv, n_kv, &p, msg, sizeof msg) != SP_OK) {
        fprintf(stderr, "signpost export: %s\n", msg);
        vocab_free(v);
        return CLI_USAGE;
    }
    char *dir = sp_printf("%s/index", store);
    idx *ix = NULL;
    int rc = dir ? idx_open_read(dir, &ix, &err) : SP_ENOMEM;
    free(dir);
    if (rc != SP_OK) {
        fprintf(stderr, "signpost export: no index in %s/index (%s); run 'signpost index "
                "--store %s' first\n", store, err.msg, store);
        vocab_free(v);
        return CLI_FAIL;
    }
    exp_ctx c = {.datapackage = dpk, .out = stdout, .v = v, .err = &err};
    if (dpk) {
        c.dp = export_dp_new();
        if (c.dp == NULL)
            rc = sp_fail(&err, SP_ENOMEM, "out of memory");
    } else if (outp != NULL && strcmp(outp, "-") != 0) {
        c.out = fopen(outp, "w");
        if (c.out == NULL)
            rc = sp_fail(&err, SP_EIO, "cannot write %s: %s", outp, strerror(errno));
    }
    if (rc == SP_OK)
        rc = export_each(ix, &p.q, 0, one, &c, &err);
    if (rc == SP_OK && dpk)
        rc = write_package(outp, c.dp, &err);
    if (!dpk && c.out != NULL && c.out != stdout && fclose(c.out) != 0 && rc == SP_OK)
        rc = sp_fail(&err, SP_EIO, "cannot write %s: %s", outp, strerror(errno));
    if (!dpk && c.out == stdout && fflush(stdout) != 0 && rc == SP_OK)
        rc = sp_fail(&err, SP_EIO, "writing the export failed: %s", strerror(errno));
    export_dp_free(c.dp);
    idx_close(ix);
    vocab_free(v);
    if (rc != SP_OK) {
        fprintf(stderr, "signpost export: %s\n", err.msg);
        return CLI_FAIL;
    }
    fprintf(stderr, "exported %zu services\n", c.n);
    return CLI_OK;
}
