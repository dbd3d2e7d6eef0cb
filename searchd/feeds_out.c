/*
 * feeds_out.c - feeds out of Signpost, for people and for machines:
 *
 *   GET /feeds/search.atom?<the parameters of /api/v1/search>
 *       An Atom 1.0 feed of the services that search finds, the most
 *       recently new or changed first (FEED_ENTRIES of them), so a hub or a
 *       coach can subscribe to "new ESOL courses in Newham" in any reader.
 *   GET /feeds/changes[?afterTimestamp=T&afterId=ID]
 *       A change feed in the style of RPDE (OpenActive's Realtime Paged
 *       Data Exchange): items ordered by (modified, id), each "updated"
 *       with its ORUK service as data, or "deleted" (gone from its source,
 *       from the ingest bookkeeping in STORE/crawl.db); "next" is the URL
 *       of the following page.  A consumer follows next until a page comes
 *       back empty, then polls that same URL.
 *
 * XML is written with libxml2's xmlTextWriter (escaping is its job).
 * Replies carry Access-Control-Allow-Origin: * like /oruk/.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/xmlwriter.h>

#include "export.h"
#include "sd_int.h"
#include "store.h"

#define FEED_ENTRIES 50      /* entries in an Atom feed */
#define CHANGES_PAGE 200     /* items per change feed page */
#define CHANGES_MAX 200000   /* records walked per change feed request */

/* ======================================================================
 * Shared: the query string re-encoded (the URL base is sd_base_url, ops.c)
 * ====================================================================== */

/* key=value&... of kv, percent-encoded; "" when empty.  Caller frees. */
char *sd_query_string(const sd_kv *kv, size_t n)
{
    sp_buf b = {0};
    int rc = SP_OK;
    for (size_t i = 0; rc == SP_OK && i < n; i++) {
        char *k = curl_easy_escape(NULL, kv[i].key, (int)kv[i].key_len);
        char *v = kv[i].value ? curl_easy_escape(NULL, kv[i].value, (int)kv[i].value_len) : NULL;
        if (!k || (kv[i].value && !v))
            rc = SP_ENOMEM;
        else
            rc = sp_buf_printf(&b, "%s%s%s%s", i ? "&" : "", k, v ? "=" : "", v ? v : "");
        curl_free(k);
        curl_free(v);
    }
    if (rc != SP_OK) {
        sp_buf_free(&b);
        return NULL;
    }
    return b.len ? sp_buf_steal(&b) : sp_strdup("");
}

idx *sd_open_index(sd_req *r, sp_err *e, enum MHD_Result *ret)
{
    sp_err_clear(e);
    idx *ix = sd_worker_index(r->srv, false, e);
    if (!ix)
        *ret = sd_reply_open_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "index_unavailable",
                                   "the directory is not available yet");
    return ix;
}

/* ======================================================================
 * Atom
 * ====================================================================== */

static void time_text(xmlTextWriterPtr w, const char *el, int64_t t)
{
    char buf[32];
    sp_time_format(t > 0 ? t : 0, buf);
    xmlTextWriterWriteElement(w, BAD_CAST el, BAD_CAST buf);
}

/* <link rel= type= href="BASE PATH ID">. */
static void atom_link(xmlTextWriterPtr w, const char *rel, const char *type, const char *base,
                      const char *path, const char *id)
{
    char *href = sp_printf("%s%s%s", base, path, id);
    xmlTextWriterStartElement(w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST rel);
    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST type);
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST(href ? href : ""));
    xmlTextWriterEndElement(w);
    free(href);
}

static void entry(xmlTextWriterPtr w, const rec_service *r, const char *base, const vocab *v)
{
    xmlTextWriterStartElement(w, BAD_CAST "entry");
    char *id = sp_printf("urn:uuid:%s", r->id);
    xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST(id ? id : ""));
    free(id);
    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST(r->name ? r->name : "(unnamed service)"));
    int64_t updated = export_modified(r);
    time_text(w, "updated", updated);
    if (r->prov.first_seen > 0)
        time_text(w, "published", r->prov.first_seen);
    atom_link(w, "alternate", "text/html", base, "/services/", r->id);
    atom_link(w, "related", "application/json", base, "/oruk/services/", r->id);
    if (r->organization.name) {
        xmlTextWriterStartElement(w, BAD_CAST "author");
        xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST r->organization.name);
        xmlTextWriterEndElement(w);
    }
    for (size_t i = 0; i < r->categories.n; i++) {
        const char *slug = r->categories.v[i].slug;
        if (!slug)
            continue;
        const char *label = vocab_label(v, "category", slug);
        xmlTextWriterStartElement(w, BAD_CAST "category");
        xmlTextWriterWriteAttribute(w, BAD_CAST "term", BAD_CAST slug);
        xmlTextWriterWriteAttribute(w, BAD_CAST "label", BAD_CAST(label ? label : slug));
        xmlTextWriterEndElement(w);
    }
    if (r->description) {
        xmlTextWriterStartElement(w, BAD_CAST "summary");
        xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "text");
        xmlTextWriterWriteString(w, BAD_CAST r->description);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
}

static enum MHD_Result atom(sd_req *r)
{
    struct sd_server *s = r->srv;
    sd_search_req sr;
    enum MHD_Result ret;
    if (!sd_request_search(r, SD_EP_SEARCH, &sr, &ret))
        return ret;
    sd_search *p = &sr.p;
    /* New and changed first, whatever order the search page would use. */
    p->q.sort = IDX_SORT_UPDATED;
    p->q.offset = 0;
    p->q.limit = FEED_ENTRIES;
    p->q.facets = false;
    p->q.collapse = false;

    sp_err e;
    idx *ix = sd_open_index(r, &e, &ret);
    if (!ix)
        return ret;
    idx_result res;
    int rc = sd_search_fresh(s, &ix, &p->q, &res, &e);
    if (rc != SP_OK) {
        idx_result_free(&res);
        if (rc == SP_EINVAL)
            return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "q: %s",
                                       e.msg);
        return sd_reply_open_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   "the search failed; try again");
    }

    char *base = sd_base_url(r);
    char *qs = sd_query_string(sr.kv, sr.n);
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!base || !qs || !w) {
        free(base);
        free(qs);
        if (w)
            xmlFreeTextWriter(w);
        if (buf)
            xmlBufferFree(buf);
        idx_result_free(&res);
        return MHD_NO;
    }
    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(w, BAD_CAST "feed");
    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2005/Atom");
    char *self = sp_printf("%s/feeds/search.atom%s%s", base, *qs ? "?" : "", qs);
    char *html = sp_printf("%s/%s%s", base, *qs ? "?" : "", qs);
    xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST(self ? self : ""));
    char *title = sp_printf("Signpost: %s%s", p->qtext && *p->qtext ? p->qtext : "services",
                            *qs ? " (filtered)" : "");
    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST(title ? title : "Signpost"));
    free(title);
    xmlTextWriterWriteElement(w, BAD_CAST "subtitle",
                              BAD_CAST "New and changed employment, skills and wraparound "
                                       "services in London matching this search");
    int64_t newest = 0;
    for (size_t i = 0; i < res.n_hits; i++) {
        int64_t t = export_modified(&res.hits[i].rec);
        if (t > newest)
            newest = t;
    }
    time_text(w, "updated", newest);
    xmlTextWriterStartElement(w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "self");
    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "application/atom+xml");
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST(self ? self : ""));
    xmlTextWriterEndElement(w);
    xmlTextWriterStartElement(w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate");
    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "text/html");
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST(html ? html : ""));
    xmlTextWriterEndElement(w);
    xmlTextWriterStartElement(w, BAD_CAST "author");
    xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST "Signpost");
    xmlTextWriterEndElement(w);
    xmlTextWriterWriteElement(w, BAD_CAST "generator", BAD_CAST "Signpost");
    free(self);
    free(html);
    for (size_t i = 0; i < res.n_hits; i++)
        entry(w, &res.hits[i].rec, base, s->voc);
    xmlTextWriterEndElement(w);
    int end = xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    idx_result_free(&res);
    free(base);
    free(qs);
    if (end < 0) {
        xmlBufferFree(buf);
        return sd_reply_open_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   "writing the feed failed");
    }
    size_t len = (size_t)xmlBufferLength(buf);
    char *body = malloc(len + 1);
    if (body) {
        memcpy(body, xmlBufferContent(buf), len);
        body[len] = '\0';
    }
    xmlBufferFree(buf);
    return sd_reply_open(r, MHD_HTTP_OK, "application/atom+xml; charset=utf-8", body, len);
}

/* ======================================================================
 * The change feed
 * ====================================================================== */

typedef struct change {
    int64_t modified;
    char id[37];
    bool deleted;
} change;

typedef struct changes {
    change *v;
    size_t n, cap;
    int64_t after_t;
    char after_id[37];
} changes;

static bool after_cursor(const changes *c, int64_t t, const char *id)
{
    return t > c->after_t || (t == c->after_t && strcmp(id, c->after_id) > 0);
}

static int push(changes *c, int64_t t, const char *id, bool deleted)
{
    if (!rec_is_uuid(id) || !after_cursor(c, t, id))
        return SP_OK;
    if (sp_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v, 256) != SP_OK)
        return SP_ENOMEM;
    change *ch = &c->v[c->n++];
    ch->modified = t;
    snprintf(ch->id, sizeof ch->id, "%s", id);
    ch->deleted = deleted;
    return SP_OK;
}

static int collect_updated(const rec_service *r, void *cls)
{
    return push(cls, export_modified(r), r->id, false);
}

static int cmp_change(const void *a, const void *b)
{
    const change *x = a, *y = b;
    if (x->modified != y->modified)
        return x->modified < y->modified ? -1 : 1;
    return strcmp(x->id, y->id);
}

typedef struct deleted_ctx {
    changes *c;
    int rc;
} deleted_ctx;

static int push_deleted(void *ctx, int64_t gone_at, const char *id)
{
    deleted_ctx *d = ctx;
    d->rc = push(d->c, gone_at, id, true);
    return d->rc != SP_OK;
}

/* Records gone from their sources (the store's bookkeeping,
 * store_records_gone_after). */
static int collect_deleted(struct sd_server *s, changes *c)
{
    /* the store, or on a replica the snapshot the index carries */
    char *dir = sd_store_read_dir(s);
    if (!dir)
        return SP_ENOMEM;
    store *db = NULL;
    sp_err err = {0};
    int rc = store_open_read(dir, 2000, &db, &err);
    free(dir);
    if (rc != SP_OK)
        return SP_OK; /* no crawl store (an index of files): no deletions */
    deleted_ctx d = {c, SP_OK};
    /* A store the indexer never ran on has no bookkeeping yet (an error
     * reading it): nothing gone. */
    store_records_gone_after(db, c->after_t, c->after_id, CHANGES_PAGE, push_deleted, &d, &err);
    store_close(db);
    return d.rc;
}

static enum MHD_Result changes_feed(sd_req *r)
{
    struct sd_server *s = r->srv;
    changes c;
    memset(&c, 0, sizeof c);
    sd_arg args[SD_MAX_ARGS];
    size_t na = 0;
    char msg[512];
    if (sd_request_args(r, SD_EP_CHANGES, 0, args, &na, msg, sizeof msg) != SP_OK)
        return sd_reply_open_error(r, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", msg);
    const sd_arg *t = sd_args_get(args, na, "afterTimestamp");
    const sd_arg *id = sd_args_get(args, na, "afterId");
    c.after_t = t ? t->n : 0;
    snprintf(c.after_id, sizeof c.after_id, "%s", id ? id->slug : "");
    sp_err e;
    enum MHD_Result ret;
    idx *ix = sd_open_index(r, &e, &ret);
    if (!ix)
        return ret;
    int rc = export_each(ix, NULL, CHANGES_MAX, collect_updated, &c, &e);
    if (rc != SP_OK && rc != SP_ENOMEM) {
        c.n = 0; /* a new snapshot: start over */
        ix = sd_index_retry(s, &e);
        rc = ix ? export_each(ix, NULL, CHANGES_MAX, collect_updated, &c, &e) : SP_EAGAIN;
    }
    if (rc == SP_OK)
        rc = collect_deleted(s, &c);
    if (rc != SP_OK) {
        free(c.v);
        return sd_reply_open_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   "reading the directory failed; try again");
    }
    if (c.n > 1)
        qsort(c.v, c.n, sizeof *c.v, cmp_change);
    size_t take = c.n < CHANGES_PAGE ? c.n : CHANGES_PAGE;
    json_t *items = json_array();
    for (size_t i = 0; items && i < take; i++) {
        const change *ch = &c.v[i];
        json_t *it = json_pack("{s:s,s:s,s:s,s:I}", "state", ch->deleted ? "deleted" : "updated",
                               "kind", "Service", "id", ch->id, "modified",
                               (json_int_t)ch->modified);
        if (it && !ch->deleted) {
            rec_service rec;
            int grc = idx_get(ix, ch->id, &rec, &e);
            if (grc != SP_OK && grc != SP_ENOTFOUND) {
                ix = sd_index_retry(s, &e);
                grc = ix ? idx_get(ix, ch->id, &rec, &e) : SP_EAGAIN;
            }
            json_t *data = grc == SP_OK ? export_oruk_service(&rec, s->voc) : NULL;
            if (grc == SP_OK)
                rec_service_free(&rec);
            if (!data) {
                /* Changed again (or removed) since the walk: end the page
                 * here, so the next request reports its latest state. */
                json_decref(it);
                take = i;
                break;
            }
            json_object_set_new(it, "data", data);
        }
        json_array_append_new(items, it);
    }
    int64_t next_t = take ? c.v[take - 1].modified : c.after_t;
    const char *next_id = take ? c.v[take - 1].id : c.after_id;
    char *base = sd_base_url(r);
    char *next = sp_printf("%s/feeds/changes?afterTimestamp=%lld%s%s", base ? base : "",
                           (long long)next_t, *next_id ? "&afterId=" : "", next_id);
    free(base);
    free(c.v);
    json_t *out = json_pack("{s:s?,s:o,s:s}", "next", next, "items", items, "license",
                            "https://creativecommons.org/licenses/by/4.0/");
    free(next);
    /* RPDE's advice: pages with items may be cached for long (a consumer
     * that polls again gets the same page), the last, empty page only for
     * seconds, so new items are seen soon. */
    const char *cache = take ? "public, max-age=3600" : "public, max-age=8";
    char *body = out ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(out);
    return sd_reply_open_cached(r, MHD_HTTP_OK, "application/json; charset=utf-8", body,
                                body ? strlen(body) : 0, cache);
}

enum MHD_Result sd_feeds(sd_req *r, const char *rest)
{
    /* rest follows "/feeds/" */
    if (!strcmp(rest, "search.atom"))
        return atom(r);
    if (!strcmp(rest, "changes"))
        return changes_feed(r);
    return sd_reply_open_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                               "no such feed; there are /feeds/search.atom?... and "
                               "/feeds/changes");
}
