/*
 * extract.c - the structured data of an HTML page, exactly as extruct
 * reads it: JSON-LD scripts (lenient parse, @graph and arrays kept as
 * written) and microdata items (itemscope / itemtype / itemprop, nested
 * items, itemref), and the page's links, plus the DOM helpers the HTML
 * reader (html.c) shares.
 * feed_html_extract gives both in extruct's JSON shape for the conformance
 * tests; html.c turns them into records.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

/* ======================================================================
 * Text helpers
 * ====================================================================== */

/* s with whitespace runs (U+00A0 included) folded, trimmed and cut to
 * max bytes; NULL when empty (feed_collapse). */
char *hx_collapse(const char *s, size_t max)
{
    return s != NULL ? feed_collapse(s, strlen(s), max, true) : NULL;
}

/* HTML whitespace stripped from both ends (extruct's strip_html5_whitespace). */
char *hx_strip_ws(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = feed_trim(&s);
    return sp_strndup(s, n);
}

char *hx_get_attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    char *s = sp_strdup((const char *)v);
    xmlFree(v);
    return s;
}

bool hx_has_attr(xmlNode *n, const char *name)
{
    return xmlHasProp(n, (const xmlChar *)name) != NULL;
}

bool hx_is_tag(const xmlNode *n, const char *tag)
{
    return n != NULL && n->type == XML_ELEMENT_NODE &&
           xmlStrcasecmp(n->name, (const xmlChar *)tag) == 0;
}

bool hx_attr_eq_ci(xmlNode *n, const char *name, const char *value)
{
    char *v = hx_get_attr(n, name);
    if (v == NULL)
        return false;
    char *t = hx_strip_ws(v);
    bool eq = t != NULL && strcasecmp(t, value) == 0;
    free(v);
    free(t);
    return eq;
}

/* Raw text of a subtree (text and CDATA nodes concatenated, script and
 * style skipped), as extruct's textContent. */
void hx_raw_text(xmlNode *n, sp_buf *b, int depth, size_t max)
{
    for (; n != NULL; n = n->next) {
        if (b->len > max)
            return;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content != NULL)
                sp_buf_puts(b, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE && depth < HTML_MAX_DEPTH) {
            if (hx_is_tag(n, "script") || hx_is_tag(n, "style"))
                continue;
            hx_raw_text(n->children, b, depth + 1, max);
        }
    }
}

char *hx_node_text(xmlNode *n, size_t max)
{
    sp_buf b = {0};
    hx_raw_text(n->children, &b, 0, max * 2 + 64);
    char *s = hx_collapse(sp_buf_cstr(&b), max);
    sp_buf_free(&b);
    return s;
}

/* ======================================================================
 * JSON-LD
 * ====================================================================== */

/* extruct falls back to a lenient parse: HTML comment markers, JS
 * comments and trailing commas dropped, raw control characters inside
 * strings escaped.  Returns a cleaned malloc'd copy. */
static char *jsonld_clean(const char *s)
{
    size_t n = strlen(s);
    sp_buf b = {0};
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\' && i + 1 < n) {
                sp_buf_append(&b, s + i, 2);
                i++;
            } else if (c == '"') {
                in_str = false;
                sp_buf_append(&b, &c, 1);
            } else if ((unsigned char)c < 0x20) {
                sp_buf_printf(&b, "\\u%04x", (unsigned)c);
            } else {
                sp_buf_append(&b, &c, 1);
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
            sp_buf_append(&b, &c, 1);
        } else if (strncmp(s + i, "<!--", 4) == 0) {
            /* A whole HTML comment before the data goes; a comment marker
             * wrapping the data (<!-- {...} -->) loses only the marker. */
            const char *e = strstr(s + i + 4, "-->");
            size_t brace = strcspn(s + i + 4, "{[\"");
            if (e != NULL && (size_t)(e - (s + i + 4)) < brace)
                i = (size_t)(e - s) + 2;
            else
                i += 3;
        } else if (strncmp(s + i, "-->", 3) == 0) {
            i += 2;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            i = e != NULL ? (size_t)(e - s) + 1 : n;
        } else if (c == ',') {
            /* A comma followed only by blanks and comments before a closer
             * is a trailing comma. */
            size_t k = i + 1;
            for (;;) {
                while (k < n && feed_is_space((unsigned char)s[k]))
                    k++;
                if (k + 1 < n && s[k] == '/' && s[k + 1] == '/') {
                    while (k < n && s[k] != '\n')
                        k++;
                    continue;
                }
                if (k + 1 < n && s[k] == '/' && s[k + 1] == '*') {
                    const char *e = strstr(s + k + 2, "*/");
                    k = e != NULL ? (size_t)(e - s) + 2 : n;
                    continue;
                }
                break;
            }
            if (k < n && (s[k] == '}' || s[k] == ']'))
                continue;
            sp_buf_append(&b, &c, 1);
        } else {
            sp_buf_append(&b, &c, 1);
        }
    }
    char *out = sp_buf_steal(&b);
    return out != NULL ? out : sp_strdup("");
}

static json_t *jsonld_parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (v == NULL) {
        char *clean = jsonld_clean(text);
        if (clean != NULL)
            v = json_loads(clean, JSON_DECODE_ANY, &je);
        free(clean);
    }
    return v;
}

static void jsonld_collect(xmlNode *n, json_t *out, int depth, int *scripts)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
            continue;
        if (hx_is_tag(n, "script")) {
            if (*scripts < HTML_MAX_SCRIPTS &&
                hx_attr_eq_ci(n, "type", "application/ld+json")) {
                (*scripts)++;
                sp_buf b = {0};
                for (xmlNode *c = n->children; c != NULL; c = c->next)
                    if (c->content != NULL && b.len < HTML_MAX_SCRIPT_LEN)
                        sp_buf_puts(&b, (const char *)c->content);
                if (b.len > 0 && b.len <= HTML_MAX_SCRIPT_LEN) {
                    json_t *v = jsonld_parse(b.data);
                    if (json_is_array(v)) {
                        json_array_extend(out, v);
                    } else if (json_is_object(v)) {
                        json_array_append(out, v);
                    }
                    json_decref(v);
                }
                sp_buf_free(&b);
            }
            continue;
        }
        jsonld_collect(n->children, out, depth + 1, scripts);
    }
}

/* ======================================================================
 * Microdata (the extruct algorithm)
 * ====================================================================== */

typedef struct md_id {
    char *id;
    xmlNode *node;
    size_t ord; /* document order */
} md_id;

typedef struct md_ctx {
    md_id *ids;       /* elements with an id attribute, sorted, for itemref */
    size_t n_ids, cap_ids;
    const char *base; /* URL to resolve against; NULL leaves values as written */
    size_t items;
} md_ctx;

/* Items already extracted are marked through libxml2's per-node
 * application pointer (the tree is ours and freed after reading), so the
 * check is O(1) however many items a page has. */
static char md_mark;

static bool md_seen(xmlNode *n)
{
    return n->_private == &md_mark;
}

static void md_index_ids(md_ctx *c, xmlNode *n, int depth)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
            continue;
        if (c->n_ids < 100000 && hx_has_attr(n, "id")) {
            if (sp_grow(&c->ids, &c->cap_ids, c->n_ids + 1, sizeof *c->ids, 64) != SP_OK)
                return;
            char *id = hx_get_attr(n, "id");
            if (id != NULL) {
                c->ids[c->n_ids] = (md_id){id, n, c->n_ids};
                c->n_ids++;
            }
        }
        md_index_ids(c, n->children, depth + 1);
    }
}

/* Sort by id, keeping document order among equal ids (the first wins, as
 * getElementById does). */
static int md_id_cmp(const void *a, const void *b)
{
    const md_id *x = a, *y = b;
    return feed_cmp_keyed(x->id, x->ord, y->id, y->ord);
}

static xmlNode *md_by_id(md_ctx *c, const char *id)
{
    size_t lo = feed_lower_bound(c->ids, c->n_ids, sizeof *c->ids, offsetof(md_id, id), id);
    return lo < c->n_ids && strcmp(c->ids[lo].id, id) == 0 ? c->ids[lo].node : NULL;
}

static json_t *md_item(md_ctx *c, xmlNode *n, int depth);

static json_t *md_url_value(md_ctx *c, xmlNode *n, const char *attr)
{
    char *v = hx_get_attr(n, attr);
    char *s = hx_strip_ws(v != NULL ? v : "");
    free(v);
    if (s == NULL)
        return json_string("");
    if (c->base != NULL && s[0] == '#') {
        /* A fragment names a place in the page itself (libcurl 7.88
         * resolves a bare fragment against the site root instead). */
        size_t bl = strcspn(c->base, "#");
        char *u = sp_printf("%.*s%s", (int)bl, c->base, s);
        if (u != NULL) {
            free(s);
            s = u;
        }
    } else if (c->base != NULL && *s != '\0') {
        char *u = feed_resolve_url(c->base, s);
        if (u != NULL) {
            free(s);
            s = u;
        }
    }
    json_t *j = json_string(s);
    free(s);
    return j != NULL ? j : json_null();
}

/* The text of a microdata element as extruct gets it (html_text with
 * layout guessing): whitespace normalised in each text run, runs joined by
 * a space unless punctuation follows, newlines around block elements and
 * a blank line around paragraphs, headings and lists. */
typedef struct md_text_ctx {
    sp_buf out;
    int prev;        /* 0 text, 1 newline, 2 blank line */
    bool prev_ws;    /* previous raw text ended in whitespace */
    bool prev_open;  /* previous raw text ended in '(' */
} md_text_ctx;

static bool tag_in(const xmlNode *n, const char *const *tags)
{
    for (size_t i = 0; tags[i]; i++)
        if (xmlStrcasecmp(n->name, (const xmlChar *)tags[i]) == 0)
            return true;
    return false;
}

static void md_newlines(md_text_ctx *c, const xmlNode *n)
{
    static const char *const nl[] = {"article", "aside", "br", "dd", "details", "div",
                                     "dt", "fieldset", "figcaption", "footer", "form",
                                     "header", "hr", "legend", "li", "main", "nav",
                                     "table", "tr", NULL};
    static const char *const dnl[] = {"blockquote", "dl", "figure", "h1", "h2", "h3",
                                      "h4", "h5", "h6", "ol", "p", "pre", "title",
                                      "ul", NULL};
    if (c->prev == 2)
        return;
    if (tag_in(n, dnl)) {
        sp_buf_puts(&c->out, c->prev == 1 ? "\n" : "\n\n");
        c->prev = 2;
    } else if (tag_in(n, nl)) {
        if (c->prev != 1)
            sp_buf_puts(&c->out, "\n");
        c->prev = 1;
    }
}

static void md_add_text(md_text_ctx *c, const char *raw)
{
    char *t = hx_collapse(raw, HTML_MAX_TEXT);
    if (t == NULL)
        return;
    bool space = true;
    if (c->prev != 0)
        space = false;
    else if (!c->prev_ws && (strchr(",:;.!?\")", t[0]) != NULL || c->prev_open))
        space = false;
    if (space)
        sp_buf_puts(&c->out, " ");
    sp_buf_puts(&c->out, t);
    free(t);
    size_t n = strlen(raw);
    c->prev = 0;
    c->prev_ws = n > 0 && feed_is_space((unsigned char)raw[n - 1]);
    c->prev_open = n > 0 && raw[n - 1] == '(';
}

static void md_text_walk(md_text_ctx *c, xmlNode *n, int depth)
{
    if (depth > HTML_MAX_DEPTH || c->out.len > HTML_MAX_TEXT)
        return;
    md_newlines(c, n);
    for (xmlNode *ch = n->children; ch != NULL; ch = ch->next) {
        if (ch->type == XML_TEXT_NODE || ch->type == XML_CDATA_SECTION_NODE) {
            if (ch->content != NULL)
                md_add_text(c, (const char *)ch->content);
        } else if (ch->type == XML_ELEMENT_NODE && !hx_is_tag(ch, "script") &&
                   !hx_is_tag(ch, "style")) {
            md_text_walk(c, ch, depth + 1);
        }
    }
    md_newlines(c, n);
}

static char *md_text(xmlNode *n)
{
    md_text_ctx c;
    memset(&c, 0, sizeof c);
    c.prev = 2;
    md_text_walk(&c, n, 0);
    const char *s = sp_buf_cstr(&c.out);
    if (s == NULL) /* out of memory */
        return NULL;
    size_t len = feed_trim(&s);
    char *out = sp_strndup(s, len);
    sp_buf_free(&c.out);
    return out;
}

static json_t *json_str_or_empty(char *s)
{
    json_t *j = json_string(s != NULL ? s : "");
    free(s);
    return j != NULL ? j : json_null();
}

static json_t *md_value(md_ctx *c, xmlNode *n, bool force, int depth)
{
    if (!force && hx_has_attr(n, "itemscope")) {
        json_t *it = md_item(c, n, depth + 1);
        return it != NULL ? it : json_null();
    }
    if (hx_is_tag(n, "meta"))
        return json_str_or_empty(hx_get_attr(n, "content"));
    static const char *const src_tags[] = {"audio", "embed", "iframe", "img",
                                           "source", "track", "video"};
    for (size_t i = 0; i < sizeof src_tags / sizeof *src_tags; i++)
        if (hx_is_tag(n, src_tags[i]))
            return md_url_value(c, n, "src");
    if (hx_is_tag(n, "a") || hx_is_tag(n, "area") || hx_is_tag(n, "link"))
        return md_url_value(c, n, "href");
    if (hx_is_tag(n, "object"))
        return md_url_value(c, n, "data");
    if (hx_is_tag(n, "data") || hx_is_tag(n, "meter"))
        return json_str_or_empty(hx_get_attr(n, "value"));
    if (hx_is_tag(n, "time") && hx_has_attr(n, "datetime"))
        return json_str_or_empty(hx_get_attr(n, "datetime"));
    char *content = hx_get_attr(n, "content");
    if (content != NULL && *content != '\0')
        return json_str_or_empty(content);
    free(content);
    return json_str_or_empty(md_text(n));
}

/* Add value under each name in itemprop to props (name -> array). */
static void md_add_prop(md_ctx *c, json_t *props, xmlNode *p, int depth)
{
    char *names = hx_get_attr(p, "itemprop");
    if (names == NULL)
        return;
    json_t *v = md_value(c, p, false, depth);
    char *save = NULL;
    for (char *t = strtok_r(names, " \t\r\n\f", &save); t != NULL;
         t = strtok_r(NULL, " \t\r\n\f", &save)) {
        json_t *arr = json_object_get(props, t);
        if (arr == NULL) {
            arr = json_array();
            json_object_set_new(props, t, arr);
        }
        json_array_append(arr, v);
    }
    json_decref(v);
    free(names);
}

/* The properties of an item: descendants with itemprop, not looking inside
 * nested items (but the nested item's own element is a property). */
static void md_props(md_ctx *c, json_t *props, xmlNode *n, int depth)
{
    for (xmlNode *ch = n->children; ch != NULL; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
            continue;
        if (hx_has_attr(ch, "itemprop"))
            md_add_prop(c, props, ch, depth);
        if (!hx_has_attr(ch, "itemscope"))
            md_props(c, props, ch, depth + 1);
    }
}

static xmlNode *nearest_scope(xmlNode *n, bool include_self)
{
    for (xmlNode *p = include_self ? n : n->parent; p != NULL; p = p->parent)
        if (p->type == XML_ELEMENT_NODE && hx_has_attr(p, "itemscope"))
            return p;
    return NULL;
}

static void md_ref_walk(md_ctx *c, json_t *props, xmlNode *n, xmlNode *base_scope,
                        int depth)
{
    if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
        return;
    if (hx_has_attr(n, "itemprop") && nearest_scope(n, false) == base_scope)
        md_add_prop(c, props, n, depth);
    for (xmlNode *ch = n->children; ch != NULL; ch = ch->next)
        md_ref_walk(c, props, ch, base_scope, depth + 1);
}

static json_t *md_item(md_ctx *c, xmlNode *n, int depth)
{
    if (md_seen(n) || c->items >= HTML_MAX_ITEMS || depth > HTML_MAX_DEPTH)
        return NULL;
    n->_private = &md_mark;
    c->items++;
    json_t *item = json_object();
    char *types = hx_get_attr(n, "itemtype");
    if (types != NULL) {
        json_t *tl = json_array();
        char *save = NULL;
        for (char *t = strtok_r(types, " \t\r\n\f", &save); t != NULL;
             t = strtok_r(NULL, " \t\r\n\f", &save))
            json_array_append_new(tl, json_string(t));
        if (json_array_size(tl) == 1)
            json_object_set(item, "type", json_array_get(tl, 0));
        else if (json_array_size(tl) > 1)
            json_object_set(item, "type", tl);
        json_decref(tl);
        free(types);
        if (json_object_get(item, "type") != NULL) {
            char *id = hx_get_attr(n, "itemid");
            char *sid = hx_strip_ws(id);
            if (sid != NULL && *sid != '\0')
                json_object_set_new(item, "id", json_string(sid));
            free(id);
            free(sid);
        }
    }
    json_t *props = json_object();
    md_props(c, props, n, depth);
    char *refs = hx_get_attr(n, "itemref");
    if (refs != NULL) {
        char *save = NULL;
        for (char *t = strtok_r(refs, " \t\r\n\f", &save); t != NULL;
             t = strtok_r(NULL, " \t\r\n\f", &save)) {
            xmlNode *r = md_by_id(c, t);
            if (r == NULL)
                continue;
            if (hx_has_attr(r, "itemprop") && hx_has_attr(r, "itemscope"))
                md_add_prop(c, props, r, depth);
            else
                md_ref_walk(c, props, r, nearest_scope(r, true), depth);
        }
        free(refs);
    }
    if (json_object_size(props) > 0) {
        /* Single values unwrap (extruct's non-strict mode). */
        const char *k;
        json_t *v;
        json_object_foreach(props, k, v) {
            if (json_array_size(v) == 1)
                json_object_set(props, k, json_array_get(v, 0));
        }
        json_object_set(item, "properties", props);
    } else {
        json_object_set_new(item, "value", md_value(c, n, true, depth));
    }
    json_decref(props);
    return item;
}

static void md_walk(md_ctx *c, xmlNode *n, json_t *out, int depth)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
            continue;
        if (hx_has_attr(n, "itemscope") && !md_seen(n)) {
            json_t *it = md_item(c, n, depth);
            if (it != NULL)
                json_array_append_new(out, it);
        }
        md_walk(c, n->children, out, depth + 1);
    }
}

htmlDocPtr hx_parse_html(const char *body, size_t len, const char *url,
                             const char *content_type)
{
    const char *enc = NULL;
    char encbuf[64];
    if (content_type != NULL) {
        const char *cs = strcasestr(content_type, "charset=");
        if (cs != NULL) {
            cs += 8;
            size_t k = 0;
            while (cs[k] != '\0' && cs[k] != ';' && !feed_is_space((unsigned char)cs[k]) &&
                   k < sizeof encbuf - 1) {
                encbuf[k] = cs[k] == '"' ? ' ' : cs[k];
                k++;
            }
            encbuf[k] = '\0';
            if (k > 0 && xmlFindCharEncodingHandler(encbuf) != NULL) {
                enc = encbuf;
            }
        }
    }
    return htmlReadMemory(body, (int)len, url, enc,
                          HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                              HTML_PARSE_NOWARNING);
}

void hx_extract_doc(htmlDocPtr doc, const char *url, json_t *jsonld, json_t *md)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root == NULL)
        return;
    if (jsonld != NULL) {
        int scripts = 0;
        jsonld_collect(root, jsonld, 0, &scripts);
    }
    if (md != NULL) {
        md_ctx c;
        memset(&c, 0, sizeof c);
        c.base = url;
        md_index_ids(&c, root, 0);
        if (c.n_ids > 1)
            qsort(c.ids, c.n_ids, sizeof *c.ids, md_id_cmp);
        md_walk(&c, root, md, 0);
        for (size_t i = 0; i < c.n_ids; i++)
            free(c.ids[i].id);
        free(c.ids);
    }
}

int feed_html_extract(const char *body, size_t len, const char *url,
                      json_t **jsonld, json_t **microdata, sp_err *err)
{
    if (body == NULL || jsonld == NULL || microdata == NULL)
        return sp_fail(err, SP_EINVAL, "feed_html_extract: missing argument");
    *jsonld = NULL;
    *microdata = NULL;
    if (len > FEED_MAX_BODY)
        return sp_fail(err, SP_ELIMIT, "page is %zu bytes, over the %u byte limit", len,
                       FEED_MAX_BODY);
    json_t *jl = json_array(), *md = json_array();
    if (jl == NULL || md == NULL) {
        json_decref(jl);
        json_decref(md);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (len > 0) {
        htmlDocPtr doc = hx_parse_html(body, len, url, NULL);
        if (doc != NULL) {
            hx_extract_doc(doc, url, jl, md);
            xmlFreeDoc(doc);
        }
    }
    *jsonld = jl;
    *microdata = md;
    return SP_OK;
}

/* ======================================================================
 * Links
 * ====================================================================== */

/* Does an href name a script, however disguised ("JaVaScRiPt:",
 * "java\tscript:", an HTML5 "&colon;" libxml2 does not decode)?  Such
 * links are dropped outright rather than resolved into odd relative
 * paths. */
static bool script_href(const char *h)
{
    char buf[16];
    size_t k = 0;
    for (const char *p = h; *p && k < sizeof buf - 1; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20)
            continue; /* browsers ignore blanks and controls in schemes */
        buf[k++] = (char)tolower(c);
    }
    buf[k] = '\0';
    return strncmp(buf, "javascript", 10) == 0 || strncmp(buf, "vbscript", 8) == 0 ||
           strncmp(buf, "livescript", 10) == 0 || strncmp(buf, "data:", 5) == 0 ||
           strncmp(buf, "data&colon", 10) == 0;
}

void hx_collect_links(xmlNode *n, const char *base, feed_output *out, size_t *count,
                      int depth)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
            continue;
        if (*count >= HTML_MAX_LINKS)
            return;
        if (hx_is_tag(n, "a") || hx_is_tag(n, "area")) {
            char *href = hx_get_attr(n, "href");
            char *h = hx_strip_ws(href);
            /* "#top" is this page again; skip it before libcurl 7.88 turns
             * a bare fragment into the site root. */
            char *u = h != NULL && h[0] != '#' && !script_href(h) ? feed_resolve_url(base, h)
                                                                   : NULL;
            free(href);
            free(h);
            if (u != NULL) {
                bool dup = false;
                /* Recent duplicates are common (menus repeat links). */
                for (size_t i = out->n_links; i > 0 && i + 200 > out->n_links; i--)
                    if (strcmp(out->links[i - 1].url, u) == 0) {
                        dup = true;
                        break;
                    }
                if (!dup && feed_add_link(out, u, FEED_LINK_PAGE, 0, -1) == SP_OK)
                    (*count)++;
                free(u);
            }
        } else if (hx_is_tag(n, "link")) {
            char *rel = hx_get_attr(n, "rel");
            char *type = hx_get_attr(n, "type");
            if (rel != NULL && type != NULL && strcasestr(rel, "alternate") != NULL &&
                (strcasestr(type, "application/rss+xml") != NULL ||
                 strcasestr(type, "application/atom+xml") != NULL)) {
                char *href = hx_get_attr(n, "href");
                char *u = href != NULL ? feed_resolve_url(base, href) : NULL;
                if (u != NULL && feed_add_link(out, u, FEED_LINK_FEED, 0, -1) == SP_OK)
                    (*count)++;
                free(u);
                free(href);
            }
            free(rel);
            free(type);
        }
        hx_collect_links(n->children, base, out, count, depth + 1);
    }
}
