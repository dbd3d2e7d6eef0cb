/*
 * export.c - exports over HTTP, of the whole directory or of any search
 * (the parameters of /api/v1/search; page, per_page and sort do not apply):
 *
 *   GET /api/v1/export.ndjson?...             Signpost's full records, one
 *                                             per line (what `signpost export`
 *                                             writes; `signpost index` reads)
 *   GET /api/v1/export/datapackage.json?...   an HSDS 3.0 tabular data package
 *   GET /api/v1/export/<table>.csv?...        its tables; the descriptor's
 *                                             paths carry the same query;
 *                                             bom=1 puts a UTF-8 byte order
 *                                             mark first (Excel on Windows
 *                                             reads the file as UTF-8 then)
 *
 * The writers are indexer/export.c's, shared with `signpost export`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "sd_int.h"

#define EXPORT_MAX_RECORDS 200000

typedef struct ex {
    const vocab *v;
    export_dp *dp; /* data package, or NULL for NDJSON */
    sp_buf out;
    int rc;
} ex;

static int one(const rec_service *r, void *cls)
{
    ex *x = cls;
    if (x->dp) {
        json_t *o = export_oruk_service(r, x->v);
        if (!o)
            return SP_ENOMEM;
        int rc = export_dp_add(x->dp, o, NULL);
        json_decref(o);
        return rc;
    }
    char *line = rec_to_json_string(r);
    if (!line)
        return SP_ENOMEM;
    int rc = sp_buf_puts(&x->out, line);
    if (rc == SP_OK)
        rc = sp_buf_append(&x->out, "\n", 1);
    free(line);
    return rc;
}

/* The query string of the search alone (bom, the export's own, left
 * out): what the descriptor's CSV links carry.  Caller frees. */
static char *search_query(const sd_kv *kv, size_t n)
{
    sd_kv own[SD_MAX_ARGS];
    size_t m = 0;
    for (size_t i = 0; i < n && m < SD_MAX_ARGS; i++)
        if (sd_param_find(SD_EP_SEARCH, kv[i].key, kv[i].key_len))
            own[m++] = kv[i];
    return sd_query_string(own, m);
}

enum MHD_Result sd_export(sd_req *r, const char *rest)
{
    /* rest follows "/api/v1/export" */
    bool ndjson = !strcmp(rest, ".ndjson");
    bool descriptor = !strcmp(rest, "/datapackage.json");
    int table = -1;
    if (!ndjson && !descriptor && !strncmp(rest, "/", 1))
        table = export_dp_find(rest + 1);
    if (!ndjson && !descriptor && table < 0)
        return sd_reply_open_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                                   "no such export; there are /api/v1/export.ndjson and "
                                   "/api/v1/export/datapackage.json");
    sd_search_req sr;
    enum MHD_Result ret;
    if (!sd_request_search(r, SD_EP_EXPORT, &sr, &ret))
        return ret;
    if (descriptor) {
        char *qs = search_query(sr.kv, sr.n);
        char *suffix = qs && *qs ? sp_printf("?%s", qs) : NULL;
        json_t *d = export_dp_descriptor(NULL, "Signpost directory export", suffix);
        free(qs);
        free(suffix);
        return sd_reply_open_json(r, MHD_HTTP_OK, d);
    }
    sp_err e;
    idx *ix = sd_open_index(r, &e, &ret);
    if (!ix)
        return ret;
    ex x;
    memset(&x, 0, sizeof x);
    x.v = r->srv->voc;
    if (table >= 0) {
        x.dp = export_dp_new();
        if (!x.dp)
            return MHD_NO;
    }
    int rc = export_each(ix, &sr.p.q, EXPORT_MAX_RECORDS, one, &x, &e);
    if (rc != SP_OK && rc != SP_ENOMEM && rc != SP_EINVAL) {
        /* A new snapshot: start over. */
        sp_buf_reset(&x.out);
        if (x.dp) {
            export_dp_free(x.dp);
            x.dp = export_dp_new();
        }
        ix = sd_index_retry(r->srv, &e);
        rc = ix && (table < 0 || x.dp) ? export_each(ix, &sr.p.q, EXPORT_MAX_RECORDS, one, &x, &e)
                                       : SP_EAGAIN;
    }
    if (rc == SP_OK && x.dp)
        rc = export_dp_csv(x.dp, (size_t)table, &x.out);
    export_dp_free(x.dp);
    if (rc != SP_OK) {
        sp_buf_free(&x.out);
        if (rc == SP_EINVAL)
            return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "q: %s",
                                       e.msg);
        return sd_reply_open_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   "the export failed; try again");
    }
    if (sr.p.bom && table >= 0) {
        sp_buf b = {0};
        if (sp_buf_append(&b, "\xEF\xBB\xBF", 3) != SP_OK ||
            sp_buf_append(&b, x.out.data ? x.out.data : "", x.out.len) != SP_OK) {
            sp_buf_free(&b);
            sp_buf_free(&x.out);
            return MHD_NO;
        }
        sp_buf_free(&x.out);
        x.out = b;
    }
    size_t len = x.out.len;
    char *body = x.out.len ? sp_buf_steal(&x.out) : sp_strdup("");
    return sd_reply_open(r, MHD_HTTP_OK,
                         table >= 0 ? "text/csv; charset=utf-8"
                                    : "application/x-ndjson; charset=utf-8",
                         body, len);
}
