/*
 * text.c - text first: every text field a reader hands on is plain text.
 *
 * Providers write HTML into fields that HSDS and ORUK define as text (ORUK
 * v1 council feeds: "<p>We offer...</p><a href=...>map</a>"), RSS carries
 * escaped HTML, JSON-LD descriptions carry markup, data-package CSV cells
 * carry entities.  Enrichment reads sentences and quotes them as evidence,
 * so markup must be gone before it runs: a URL inside an href is not a
 * sentence, and "&amp;" is not what the provider said.
 *
 * feed_html_to_text() is the one conversion (libxml2's HTML parser, which
 * decodes every entity and repairs broken markup): text nodes are kept with
 * their whitespace folded, block elements and <br> end a line (the
 * sentence splitter in indexer/elig.c ends a sentence at a line break),
 * links keep only their text, and script, style, noscript, template,
 * head, svg, iframe and object are dropped with their content.  Input,
 * output and tree depth are bounded.  feed_rec_to_text() applies it to
 * every text field of a record; readers whose fields come raw from the
 * provider (ORUK/HSDS JSON, data-package CSV) call it on each record, and
 * the RSS and HTML readers call feed_html_to_text() on the fields they know
 * to be HTML.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "feed_int.h"

#define TEXT_MAX_IN (1024u * 1024u) /* bytes of markup parsed for one field */
#define TEXT_MAX_DEPTH 256          /* element nesting walked */

bool feed_has_markup(const char *s)
{
    if (s == NULL)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!') &&
            strchr(p, '>') != NULL)
            return true;
        if (*p == '&' && (isalpha((unsigned char)p[1]) || p[1] == '#')) {
            const char *q = p + 1;
            while (*q && (isalnum((unsigned char)*q) || *q == '#') && q - p < 12)
                q++;
            if (*q == ';')
                return true;
        }
    }
    return false;
}

static bool tag_is(const xmlNode *n, const char *const *tags)
{
    for (size_t i = 0; tags[i] != NULL; i++)
        if (xmlStrcasecmp(n->name, (const xmlChar *)tags[i]) == 0)
            return true;
    return false;
}

/* Content that is not text a reader sees. */
static const char *const dropped[] = {"script", "style", "noscript", "template", "head",
                                      "svg", "iframe", "object", "select", NULL};

/* Elements that end a line (a sentence break for enrichment). */
static const char *const blocks[] = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table",
    "section", "article", "main", "aside", "header", "footer", "nav", "h1", "h2", "h3",
    "h4", "h5", "h6", "address", "blockquote", "pre", "hr", "form", "fieldset",
    "figure", "figcaption", "details", "summary", "caption", "body", "html", NULL};

typedef struct walk {
    sp_buf b;
    size_t cap;  /* stop appending past this many bytes */
    bool lines;  /* blocks end lines (else everything on one line) */
} walk;

static void brk(walk *w)
{
    sp_buf_puts(&w->b, w->lines ? "\n" : " ");
}

static void text_walk(walk *w, xmlNode *n, int depth)
{
    for (; n != NULL && w->b.len < w->cap; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content != NULL)
                sp_buf_puts(&w->b, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE && depth < TEXT_MAX_DEPTH) {
            if (tag_is(n, dropped))
                continue;
            bool block = tag_is(n, blocks);
            if (block)
                brk(w);
            text_walk(w, n->children, depth + 1);
            if (block)
                brk(w);
        }
    }
}

char *feed_html_to_text(const char *s, size_t max, bool lines)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    if (!feed_has_markup(s))
        return feed_fold(s, n, max, true, lines);
    if (n > TEXT_MAX_IN)
        n = TEXT_MAX_IN;
    htmlDocPtr d = htmlReadMemory(s, (int)n, NULL, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                      HTML_PARSE_NOWARNING);
    if (d == NULL)
        return feed_fold(s, n, max, true, lines);
    /* The parser wraps a fragment in implied html/body elements (a leading
     * script lands in an implied head, which is dropped). */
    char *out = feed_xml_text(d->children, max, lines);
    xmlFreeDoc(d);
    return out;
}

char *feed_xml_text(const struct _xmlNode *first, size_t max, bool lines)
{
    walk w = {.cap = max * 2 + 64, .lines = lines};
    text_walk(&w, (xmlNode *)first, 0);
    char *out = feed_fold(w.b.data != NULL ? w.b.data : "", w.b.len, max, true, lines);
    sp_buf_free(&w.b);
    return out;
}

/* Replace *f by its text (lines: keep line breaks). */
static void conv(char **f, bool lines)
{
    if (*f == NULL || !feed_has_markup(*f))
        return;
    char *t = feed_html_to_text(*f, strlen(*f), lines);
    free(*f);
    *f = t;
}

static void conv_schedules(rec_schedule *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        conv(&v[i].description, true);
        conv(&v[i].notes, true);
    }
}

void feed_rec_to_text(rec_service *r)
{
    if (r == NULL)
        return;
    /* Names are one line; prose keeps its line (sentence) breaks. */
    conv(&r->name, false);
    conv(&r->alternate_name, false);
    char **prose[] = {&r->description, &r->interpretation_services, &r->application_process,
                      &r->fees_description, &r->accreditations, &r->eligibility_description,
                      &r->alert, &r->licenses};
    for (size_t i = 0; i < sizeof prose / sizeof *prose; i++)
        conv(prose[i], true);
    conv(&r->organization.name, false);
    conv(&r->organization.alternate_name, false);
    conv(&r->organization.description, true);
    for (size_t i = 0; i < r->n_locations; i++) {
        rec_location *l = &r->locations[i];
        conv(&l->name, false);
        conv(&l->alternate_name, false);
        conv(&l->description, true);
        conv(&l->transportation, true);
        for (size_t k = 0; k < l->n_addresses; k++) {
            conv(&l->addresses[k].address_1, false);
            conv(&l->addresses[k].address_2, false);
            conv(&l->addresses[k].city, false);
        }
        conv_schedules(l->schedules, l->n_schedules);
    }
    conv_schedules(r->schedules, r->n_schedules);
    for (size_t i = 0; i < r->n_phones; i++)
        conv(&r->phones[i].description, true);
    for (size_t i = 0; i < r->n_service_areas; i++) {
        conv(&r->service_areas[i].name, false);
        conv(&r->service_areas[i].description, true);
    }
    for (size_t i = 0; i < r->n_cost_options; i++) {
        conv(&r->cost_options[i].option, true);
        conv(&r->cost_options[i].amount_description, true);
    }
}
