/*
 * util.c - see util.h.
 */
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "sp.h"

char *tu_conformance(const char *sub)
{
    const char *shared = getenv("SIGNPOST_SHARED");
    if (shared == NULL || *shared == '\0')
        return NULL;
    char *p = sp_printf("%s/conformance/%s", shared, sub);
    struct stat st;
    if (p == NULL || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(p);
        return NULL;
    }
    return p;
}

static void walk(const char *dir, char ***v, size_t *n, size_t *cap, int depth)
{
    if (depth > 16)
        return;
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = sp_printf("%s/%s", dir, e->d_name);
        struct stat st;
        if (p == NULL || stat(p, &st) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk(p, v, n, cap, depth + 1);
            free(p);
        } else if (S_ISREG(st.st_mode)) {
            if (sp_grow(v, cap, *n + 1, sizeof **v, 256) != SP_OK) {
                free(p);
                continue;
            }
            (*v)[(*n)++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **tu_list(const char *dir, size_t *n)
{
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    walk(dir, &v, n, &cap, 0);
    if (*n > 0)
        qsort(v, *n, sizeof *v, cmp);
    return v;
}

void tu_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

char *tu_read(const char *path, size_t *len)
{
    char *b = NULL;
    size_t l = 0;
    if (sp_read_file(path, 64u * 1024u * 1024u, &b, &l, NULL) != SP_OK)
        return NULL;
    if (len != NULL)
        *len = l;
    return b;
}

char *tu_collapse(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    char *o = malloc(n + 1);
    size_t j = 0;
    int pend = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            pend = j > 0;
            continue;
        }
        if (pend)
            o[j++] = ' ';
        pend = 0;
        o[j++] = (char)c;
    }
    o[j] = '\0';
    return o;
}

static void text_walk(xmlNode *n, sp_buf *b)
{
    for (; n != NULL; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content != NULL)
                sp_buf_puts(b, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            if (xmlStrcasecmp(n->name, (const xmlChar *)"script") == 0 ||
                xmlStrcasecmp(n->name, (const xmlChar *)"style") == 0)
                continue;
            sp_buf_puts(b, " ");
            text_walk(n->children, b);
            sp_buf_puts(b, " ");
        }
    }
}

char *tu_html_text(const char *html)
{
    if (html == NULL || *html == '\0')
        return tu_collapse("");
    htmlDocPtr d = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NONET |
                                      HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    if (d == NULL)
        return tu_collapse(html);
    sp_buf b = {0};
    text_walk(xmlDocGetRootElement(d), &b);
    xmlFreeDoc(d);
    char *out = tu_collapse(sp_buf_cstr(&b));
    sp_buf_free(&b);
    return out;
}

bool tu_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}
