/*
 * i18n.c - the interface's words (the html_lang part of html.h).  English
 * is web/i18n/en.tsv (key TAB text; the code names words by key, so it
 * still reads in English through the keys); every other language is a GNU
 * gettext catalogue, web/i18n/CODE.po, where each entry's msgctxt is the
 * key and msgid the English text.  A .po is read by the small, bounded
 * reader here (no glibc locale data, no process-wide setlocale: searchd's
 * threads each answer in their own language) and resolved against English
 * once, when first used: an entry whose msgid is not today's English is
 * stale and not used, as gettext would not find it either.  Plural forms
 * come from the catalogue's Plural-Forms header (Polish has 3, Arabic 6),
 * compiled to a small expression tree.  Tables are immutable once loaded
 * and cached for the process, so any thread may read them.
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"

#define MAX_LANGS 16
#define MAX_WORDS_FILE (512u * 1024)
#define MAX_WORDS 2000
#define MAX_FORMS 6   /* Arabic has the most plural forms: 6 */
#define PF_NODES 128  /* nodes of a Plural-Forms expression */
#define PF_DEPTH 32   /* nesting of a Plural-Forms expression */
#define PO_STRING (16u * 1024)

/* ---- Plural-Forms expressions: the C subset gettext defines ---- */

enum { PF_N, PF_NUM, PF_NOT, PF_BIN, PF_COND };

typedef struct pf_node {
    uint8_t kind;
    char op[3]; /* PF_BIN: "==", "%", "&&", ... */
    int a, b, c;
    unsigned long v;
} pf_node;

typedef struct pf_expr {
    pf_node node[PF_NODES];
    int count, root;
} pf_expr;

typedef struct pf_parser {
    const char *s;
    pf_expr *x;
    int depth;
    bool bad;
} pf_parser;

static void pf_skip(pf_parser *p)
{
    while (*p->s == ' ' || *p->s == '\t')
        p->s++;
}

static int pf_new(pf_parser *p, uint8_t kind, const char *op, int a, int b, int c)
{
    if (p->x->count >= PF_NODES) {
        p->bad = true;
        return 0;
    }
    pf_node *n = &p->x->node[p->x->count];
    n->kind = kind;
    snprintf(n->op, sizeof n->op, "%s", op ? op : "");
    n->a = a;
    n->b = b;
    n->c = c;
    return p->x->count++;
}

static int pf_cond(pf_parser *p);

static int pf_primary(pf_parser *p)
{
    pf_skip(p);
    if (*p->s == 'n' && !isalnum((unsigned char)p->s[1])) {
        p->s++;
        return pf_new(p, PF_N, NULL, 0, 0, 0);
    }
    if (isdigit((unsigned char)*p->s)) {
        unsigned long v = 0;
        while (isdigit((unsigned char)*p->s) && v < 100000000)
            v = v * 10 + (unsigned long)(*p->s++ - '0');
        int i = pf_new(p, PF_NUM, NULL, 0, 0, 0);
        p->x->node[i].v = v;
        return i;
    }
    if (*p->s == '(') {
        p->s++;
        int i = pf_cond(p);
        pf_skip(p);
        if (*p->s != ')')
            p->bad = true;
        else
            p->s++;
        return i;
    }
    p->bad = true;
    return 0;
}

static int pf_unary(pf_parser *p)
{
    pf_skip(p);
    if (*p->s == '!' && p->s[1] != '=') {
        p->s++;
        if (++p->depth > PF_DEPTH) {
            p->bad = true;
            return 0;
        }
        int a = pf_unary(p);
        p->depth--;
        return pf_new(p, PF_NOT, NULL, a, 0, 0);
    }
    return pf_primary(p);
}

/* Binary operators by precedence, loosest first (level 0 is ||). */
static const char *const pf_ops[][4] = {
    {"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"},
};
#define PF_LEVELS (int)(sizeof pf_ops / sizeof pf_ops[0])

static int pf_binary(pf_parser *p, int level)
{
    if (level == PF_LEVELS)
        return pf_unary(p);
    int a = pf_binary(p, level + 1);
    for (;;) {
        pf_skip(p);
        const char *op = NULL;
        for (int k = 0; k < 4 && pf_ops[level][k]; k++) {
            size_t l = strlen(pf_ops[level][k]);
            /* "<" must not take the first half of "<=", "|" is no op */
            if (!strncmp(p->s, pf_ops[level][k], l) && !(l == 1 && p->s[1] == '=' &&
                                                          (*p->s == '<' || *p->s == '>'))) {
                op = pf_ops[level][k];
                break;
            }
        }
        if (!op || p->bad)
            return a;
        p->s += strlen(op);
        int b = pf_binary(p, level + 1);
        a = pf_new(p, PF_BIN, op, a, b, 0);
    }
}

static int pf_cond(pf_parser *p)
{
    if (++p->depth > PF_DEPTH) {
        p->bad = true;
        return 0;
    }
    int c = pf_binary(p, 0);
    pf_skip(p);
    if (*p->s == '?' && !p->bad) {
        p->s++;
        int a = pf_cond(p);
        pf_skip(p);
        if (*p->s != ':') {
            p->bad = true;
        } else {
            p->s++;
            int b = pf_cond(p);
            c = pf_new(p, PF_COND, NULL, c, a, b);
        }
    }
    p->depth--;
    return c;
}

/* Compile "n==1 ? 0 : n%10>=2 && ... ? 1 : 2" (up to the ';' or the end). */
static bool pf_compile(const char *s, pf_expr *x)
{
    memset(x, 0, sizeof *x);
    pf_parser p = {s, x, 0, false};
    x->root = pf_cond(&p);
    pf_skip(&p);
    return !p.bad && (*p.s == ';' || *p.s == '\0' || *p.s == '\n');
}

static unsigned long pf_eval(const pf_expr *x, int i, unsigned long n)
{
    const pf_node *d = &x->node[i];
    switch (d->kind) {
    case PF_N:
        return n;
    case PF_NUM:
        return d->v;
    case PF_NOT:
        return !pf_eval(x, d->a, n);
    case PF_COND:
        return pf_eval(x, d->a, n) ? pf_eval(x, d->b, n) : pf_eval(x, d->c, n);
    default:
        break;
    }
    unsigned long a = pf_eval(x, d->a, n);
    if (!strcmp(d->op, "&&"))
        return a && pf_eval(x, d->b, n);
    if (!strcmp(d->op, "||"))
        return a || pf_eval(x, d->b, n);
    unsigned long b = pf_eval(x, d->b, n);
    switch (d->op[0]) {
    case '=':
        return a == b;
    case '!':
        return a != b;
    case '<':
        return d->op[1] ? a <= b : a < b;
    case '>':
        return d->op[1] ? a >= b : a > b;
    case '+':
        return a + b;
    case '-':
        return a - b;
    case '*':
        return a * b;
    case '/':
        return b ? a / b : 0; /* a catalogue must not crash the server */
    default:
        return b ? a % b : 0;
    }
}

/* ---- the tables ---- */

typedef struct word {
    const char *key, *text;
    const char *form[MAX_FORMS]; /* a translation's plural forms */
    int n_forms;
} word;

struct html_lang {
    char code[4];
    word *w; /* sorted by key */
    size_t n;
    char *mem;    /* en.tsv's bytes, which English words point into */
    char **owned; /* a catalogue's strings, which its words point into */
    size_t n_owned;
    int n_plurals;
    pf_expr *plural;
    size_t stale; /* entries for English that has since changed */
    const html_lang *fallback;
};

static int word_cmp(const void *a, const void *b)
{
    return strcmp(((const word *)a)->key, ((const word *)b)->key);
}

void html_lang_free(html_lang *l)
{
    if (!l)
        return;
    sp_strv_free(l->owned, l->n_owned);
    free(l->plural);
    free(l->w);
    free(l->mem);
    free(l);
}

static html_lang *lang_new(const char *code)
{
    html_lang *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    snprintf(l->code, sizeof l->code, "%s", code);
    l->w = calloc(MAX_WORDS, sizeof *l->w);
    if (!l->w) {
        free(l);
        return NULL;
    }
    return l;
}

int html_lang_parse(const char *code, const char *text, size_t len, html_lang **out,
                    sp_err *err)
{
    *out = NULL;
    html_lang *l = lang_new(code);
    if (l)
        l->mem = sp_strndup(text, len);
    if (!l || !l->mem) {
        html_lang_free(l);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (!sp_utf8_valid(l->mem, len)) {
        html_lang_free(l);
        return sp_fail(err, SP_EPARSE, "words for '%s' are not valid UTF-8", code);
    }
    size_t lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(l->mem, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (!ll || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            html_lang_free(l);
            return sp_fail(err, SP_EPARSE, "words for '%s', line %zu: no TAB between key and text",
                           code, lineno);
        }
        *tab = '\0';
        if (l->n >= MAX_WORDS) {
            html_lang_free(l);
            return sp_fail(err, SP_ELIMIT, "words for '%s': more than %d keys", code, MAX_WORDS);
        }
        sp_unescape(tab + 1);
        l->w[l->n].key = line;
        l->w[l->n].text = tab + 1;
        l->n++;
    }
    qsort(l->w, l->n, sizeof *l->w, word_cmp);
    *out = l;
    return SP_OK;
}

static const word *find(const html_lang *l, const char *key)
{
    if (!l)
        return NULL;
    word k = {.key = key};
    return bsearch(&k, l->w, l->n, sizeof *l->w, word_cmp);
}

/* ---- reading a .po catalogue ---- */

typedef struct po_entry {
    char *ctxt, *id, *id_plural;
    char *str[MAX_FORMS];
    int n_str;
    bool fuzzy, has_ctxt;
} po_entry;

typedef struct po_reader {
    const char *code;
    html_lang *l;
    po_entry *e;
    size_t n, cap;
    po_entry cur;
    char **field; /* the string the next continuation line extends */
    size_t lineno;
    sp_err *err;
} po_reader;

static char *own(html_lang *l, char *s)
{
    /* The owned list is sized for every string a catalogue can hold. */
    if (s)
        l->owned[l->n_owned++] = s;
    return s;
}

/* Read a quoted C string at s ("..." with \n \t \" \\ escapes) and append
 * it to *to. */
static int po_string(po_reader *r, const char *s, char **to)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '"')
        return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: expected a quoted string", r->code,
                       r->lineno);
    s++;
    size_t have = *to ? strlen(*to) : 0;
    size_t rest = strlen(s);
    if (have + rest > PO_STRING)
        return sp_fail(r->err, SP_ELIMIT, "%s.po, line %zu: a string longer than %u bytes",
                       r->code, r->lineno, PO_STRING);
    char *o = realloc(*to, have + rest + 1);
    if (!o)
        return sp_fail(r->err, SP_ENOMEM, "out of memory");
    *to = o;
    o += have;
    for (;;) {
        if (!*s)
            return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: a string without its closing quote",
                           r->code, r->lineno);
        if (*s == '"')
            break;
        if (*s == '\\') {
            s++;
            switch (*s) {
            case 'n': *o++ = '\n'; break;
            case 't': *o++ = '\t'; break;
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            default:
                return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: unknown escape \\%c", r->code,
                               r->lineno, *s ? *s : '0');
            }
            s++;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    s++;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s)
        return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: text after the closing quote", r->code,
                       r->lineno);
    return SP_OK;
}

static void entry_free(po_entry *e)
{
    free(e->ctxt);
    free(e->id);
    free(e->id_plural);
    for (int i = 0; i < MAX_FORMS; i++)
        free(e->str[i]);
    memset(e, 0, sizeof *e);
}

/* The entry read so far is complete: check it and keep it. */
static int po_flush(po_reader *r)
{
    po_entry *c = &r->cur;
    r->field = NULL;
    if (!c->id && !c->n_str && !c->has_ctxt) {
        bool fuzzy = c->fuzzy;
        entry_free(c);
        c->fuzzy = fuzzy; /* flags read before the entry's first keyword */
        return SP_OK;
    }
    if (!c->id || !c->n_str)
        return sp_fail(r->err, SP_EPARSE, "%s.po, entry ending line %zu: needs a msgid and a msgstr",
                       r->code, r->lineno);
    if (c->id_plural && !c->str[0])
        return sp_fail(r->err, SP_EPARSE, "%s.po, entry ending line %zu: a plural entry needs "
                       "msgstr[0], msgstr[1] ...", r->code, r->lineno);
    if (r->n == r->cap) {
        if (r->cap >= MAX_WORDS)
            return sp_fail(r->err, SP_ELIMIT, "%s.po: more than %d entries", r->code, MAX_WORDS);
        if (sp_grow(&r->e, &r->cap, r->n + 1, sizeof *r->e, 256) != SP_OK)
            return sp_fail(r->err, SP_ENOMEM, "out of memory");
    }
    r->e[r->n++] = *c;
    memset(c, 0, sizeof *c);
    return SP_OK;
}

static int po_line(po_reader *r, char *line)
{
    po_entry *c = &r->cur;
    if (!*line)
        return po_flush(r);
    if (line[0] == '#') {
        if (line[1] == '~')
            return SP_OK; /* obsolete entries are kept by msgmerge, not used */
        if (line[1] == ',' && strstr(line, "fuzzy")) {
            if (c->id && po_flush(r) != SP_OK)
                return SP_ERROR;
            r->cur.fuzzy = true;
        }
        return SP_OK;
    }
    if (line[0] == '"') {
        if (!r->field)
            return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: a string that continues nothing",
                           r->code, r->lineno);
        return po_string(r, line, r->field);
    }
    char kw[16];
    size_t wl = strcspn(line, " \t");
    if (wl >= sizeof kw)
        wl = sizeof kw - 1;
    memcpy(kw, line, wl);
    kw[wl] = '\0';
    const char *rest = line + strcspn(line, " \t");
    /* A new keyword that starts an entry completes the one before. */
    if ((!strcmp(kw, "msgctxt") || (!strcmp(kw, "msgid") && !c->has_ctxt)) &&
        (c->id || c->n_str) && po_flush(r) != SP_OK)
        return SP_ERROR;
    if (!strcmp(kw, "msgctxt")) {
        c->has_ctxt = true;
        r->field = &c->ctxt;
        c->ctxt = calloc(1, 1);
    } else if (!strcmp(kw, "msgid")) {
        if (c->id)
            return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: a second msgid in one entry",
                           r->code, r->lineno);
        r->field = &c->id;
        c->id = calloc(1, 1);
    } else if (!strcmp(kw, "msgid_plural")) {
        if (!c->id || c->id_plural)
            return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: msgid_plural without its msgid",
                           r->code, r->lineno);
        r->field = &c->id_plural;
        c->id_plural = calloc(1, 1);
    } else if (!strcmp(kw, "msgstr")) {
        if (!c->id || c->id_plural || c->n_str)
            return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: msgstr %s", r->code, r->lineno,
                           c->id_plural ? "of a plural entry needs an index: msgstr[0]"
                                        : "without its msgid, or a second one");
        r->field = &c->str[0];
        c->str[0] = calloc(1, 1);
        c->n_str = 1;
    } else if (!strncmp(kw, "msgstr[", 7)) {
        char *end = NULL;
        long i = strtol(kw + 7, &end, 10);
        if (!c->id_plural || !end || strcmp(end, "]") || i != c->n_str)
            return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: %s out of order or without "
                           "msgid_plural", r->code, r->lineno, kw);
        if (i >= MAX_FORMS)
            return sp_fail(r->err, SP_ELIMIT, "%s.po, line %zu: more than %d plural forms",
                           r->code, r->lineno, MAX_FORMS);
        r->field = &c->str[i];
        c->str[i] = calloc(1, 1);
        c->n_str++;
    } else {
        return sp_fail(r->err, SP_EPARSE, "%s.po, line %zu: unknown keyword '%s'", r->code,
                       r->lineno, kw);
    }
    if (!*r->field)
        return sp_fail(r->err, SP_ENOMEM, "out of memory");
    return po_string(r, rest, r->field);
}

/* "Plural-Forms: nplurals=3; plural=(n==1 ? 0 : ...);" in the header. */
static int po_header(po_reader *r, const char *h)
{
    const char *ct = strstr(h, "charset=");
    if (ct && strncasecmp(ct + 8, "UTF-8", 5))
        return sp_fail(r->err, SP_EUNSUP, "%s.po: the charset must be UTF-8", r->code);
    const char *pf = strstr(h, "Plural-Forms:");
    if (!pf) {
        r->l->n_plurals = 2; /* gettext's default: English-like */
        return SP_OK;
    }
    const char *np = strstr(pf, "nplurals=");
    const char *ex = strstr(pf, "plural=");
    if (ex && np && ex == np + 2)
        ex = strstr(np + 9, "plural=");
    if (!np || !ex)
        return sp_fail(r->err, SP_EPARSE, "%s.po: Plural-Forms needs nplurals= and plural=",
                       r->code);
    int n = atoi(np + 9);
    if (n < 1 || n > MAX_FORMS)
        return sp_fail(r->err, SP_ELIMIT, "%s.po: nplurals=%d (1 to %d)", r->code, n, MAX_FORMS);
    r->l->n_plurals = n;
    r->l->plural = malloc(sizeof *r->l->plural);
    if (!r->l->plural)
        return sp_fail(r->err, SP_ENOMEM, "out of memory");
    if (!pf_compile(ex + 7, r->l->plural))
        return sp_fail(r->err, SP_EPARSE, "%s.po: Plural-Forms: cannot read the plural= expression",
                       r->code);
    return SP_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    const po_entry *x = a, *y = b;
    if (x->has_ctxt != y->has_ctxt)
        return x->has_ctxt ? -1 : 1;
    int c = x->has_ctxt ? strcmp(x->ctxt, y->ctxt) : 0;
    return c ? c : strcmp(x->id, y->id);
}

static const po_entry *entry_find(const po_reader *r, const char *ctxt, const char *id)
{
    po_entry k = {.ctxt = (char *)ctxt, .id = (char *)id, .has_ctxt = ctxt != NULL};
    return bsearch(&k, r->e, r->n, sizeof *r->e, entry_cmp);
}

/* The catalogue's word for English key (text en, plural en_pl or NULL):
 * the entry with that key as context, else the entry for the bare English
 * text; its msgid must be today's English. */
static int resolve(po_reader *r, const char *key, const char *en, const char *en_pl)
{
    const po_entry *e = entry_find(r, key, en);
    if (!e)
        e = entry_find(r, NULL, en);
    if (!e || e->fuzzy || !e->str[0][0])
        return SP_OK;
    if (en_pl && (!e->id_plural || strcmp(e->id_plural, en_pl))) {
        r->l->stale++;
        return SP_OK;
    }
    html_lang *l = r->l;
    word *w = &l->w[l->n];
    w->key = own(l, strdup(key));
    if (!w->key)
        return sp_fail(r->err, SP_ENOMEM, "out of memory");
    w->text = e->str[0];
    if (e->id_plural) {
        w->n_forms = e->n_str;
        for (int i = 0; i < e->n_str; i++)
            w->form[i] = e->str[i];
    }
    l->n++;
    return SP_OK;
}

/* The entries with a context English does not have: the labels of
 * data/vocab ("label.borough.hackney", whose English is not in en.tsv) are
 * kept as they are.  Returns how many entries are for English that has
 * changed since they were translated. */
static size_t add_others(po_reader *r, const html_lang *en)
{
    size_t stale = 0;
    for (size_t i = 0; i < r->n; i++) {
        const po_entry *e = &r->e[i];
        if (!e->has_ctxt || e->fuzzy || !e->str[0][0])
            continue;
        const word *w = find(en, e->ctxt);
        if (w) {
            stale += strcmp(w->text, e->id) != 0;
        } else if (r->l->n < MAX_WORDS) {
            r->l->w[r->l->n].key = e->ctxt;
            r->l->w[r->l->n].text = e->str[0];
            r->l->n++;
        }
    }
    return stale;
}

int html_lang_parse_po(const char *code, const char *text, size_t len, const html_lang *english,
                       html_lang **out, sp_err *err)
{
    *out = NULL;
    if (!sp_utf8_valid(text, len))
        return sp_fail(err, SP_EPARSE, "%s.po is not valid UTF-8", code);
    if (memchr(text, '\0', len))
        return sp_fail(err, SP_EPARSE, "%s.po has a NUL byte", code);
    po_reader r = {.code = code, .err = err};
    r.l = lang_new(code);
    char *mem = sp_strndup(text, len);
    if (r.l)
        r.l->owned = calloc(MAX_WORDS * (MAX_FORMS + 4) + 2, sizeof *r.l->owned);
    int rc = SP_OK;
    if (!r.l || !mem || !r.l->owned) {
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
        goto done;
    }
    char *line = mem;
    for (char *nl; line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        r.lineno++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        while (ll && (line[ll - 1] == ' ' || line[ll - 1] == '\t'))
            line[--ll] = '\0';
        if ((rc = po_line(&r, line)) != SP_OK)
            goto done;
    }
    if ((rc = po_flush(&r)) != SP_OK)
        goto done;
    qsort(r.e, r.n, sizeof *r.e, entry_cmp);
    for (size_t i = 0; i + 1 < r.n; i++)
        if (!entry_cmp(&r.e[i], &r.e[i + 1])) {
            rc = sp_fail(err, SP_EPARSE, "%s.po: two entries for %s%s\"%s\"", code,
                         r.e[i].has_ctxt ? r.e[i].ctxt : "", r.e[i].has_ctxt ? " " : "",
                         r.e[i].id);
            goto done;
        }
    const po_entry *h = entry_find(&r, NULL, "");
    if ((rc = po_header(&r, h ? h->str[0] : "")) != SP_OK)
        goto done;
    for (size_t i = 0; i < r.n; i++)
        if (r.e[i].id_plural && r.e[i].n_str != r.l->n_plurals) {
            rc = sp_fail(err, SP_EPARSE, "%s.po: \"%s\" has %d plural forms; Plural-Forms says %d",
                         code, r.e[i].id, r.e[i].n_str, r.l->n_plurals);
            goto done;
        }
    /* Resolve against English: only words English has are kept. */
    for (size_t i = 0; english && i < english->n && rc == SP_OK; i++) {
        const char *key = english->w[i].key;
        size_t kl = strlen(key);
        if (kl > 7 && !strcmp(key + kl - 7, ".plural"))
            continue;
        char pk[256];
        snprintf(pk, sizeof pk, "%s.plural", key);
        const word *pl = find(english, pk);
        rc = resolve(&r, key, english->w[i].text, pl ? pl->text : NULL);
    }
    if (rc != SP_OK)
        goto done;
    r.l->stale += add_others(&r, english);
    qsort(r.l->w, r.l->n, sizeof *r.l->w, word_cmp);
    /* The strings the words point to stay; the entries' shells go. */
    for (size_t i = 0; i < r.n; i++) {
        po_entry *e = &r.e[i];
        own(r.l, e->ctxt);
        own(r.l, e->id);
        own(r.l, e->id_plural);
        for (int k = 0; k < MAX_FORMS; k++)
            own(r.l, e->str[k]);
        memset(e, 0, sizeof *e);
    }
    r.l->fallback = english;
    *out = r.l;
    r.l = NULL;
done:
    for (size_t i = 0; i < r.n; i++)
        entry_free(&r.e[i]);
    entry_free(&r.cur);
    free(r.e);
    free(mem);
    html_lang_free(r.l);
    return rc;
}

size_t html_lang_stale(const html_lang *l)
{
    return l ? l->stale : 0;
}

/* ---- looking words up ---- */

const char *html_t(const html_lang *l, const char *key)
{
    const word *w = find(l, key);
    if (!w && l)
        w = find(l->fallback, key);
    return w ? w->text : key;
}

const char *html_tn(const html_lang *l, const char *key, unsigned long n)
{
    if (l && l->fallback) { /* a translation: its Plural-Forms choose */
        const word *w = find(l, key);
        if (w && w->n_forms) {
            unsigned long i = l->plural ? pf_eval(l->plural, l->plural->root, n) : n != 1;
            if (i < (unsigned long)w->n_forms && w->form[i][0])
                return w->form[i];
        }
        return html_tn(l->fallback, key, n);
    }
    /* English: the singular for 1, else KEY.plural. */
    char pk[256];
    const word *w = NULL;
    if (n != 1 && snprintf(pk, sizeof pk, "%s.plural", key) < (int)sizeof pk)
        w = find(l, pk);
    return w ? w->text : html_t(l, key);
}

/* Append s with {1}, {2}, {3} replaced by the escaped arguments. */
static int fill(sp_buf *b, const char *s, const char *a1, const char *a2, const char *a3)
{
    const char *args[3] = {a1, a2, a3};
    while (*s) {
        const char *brace = strchr(s, '{');
        if (!brace)
            return html_text(b, s);
        if (html_textn(b, s, (size_t)(brace - s)) != SP_OK)
            return SP_ENOMEM;
        if (brace[1] >= '1' && brace[1] <= '3' && brace[2] == '}') {
            if (html_text(b, args[brace[1] - '1']) != SP_OK)
                return SP_ENOMEM;
            s = brace + 3;
        } else {
            if (html_textn(b, brace, 1) != SP_OK)
                return SP_ENOMEM;
            s = brace + 1;
        }
    }
    return SP_OK;
}

int html_tf(sp_buf *b, const html_lang *l, const char *key, const char *a1, const char *a2,
            const char *a3)
{
    return fill(b, html_t(l, key), a1, a2, a3);
}

int html_tnf(sp_buf *b, const html_lang *l, const char *key, unsigned long n, const char *a2,
             const char *a3)
{
    char num[24];
    snprintf(num, sizeof num, "%lu", n);
    return fill(b, html_tn(l, key, n), num, a2, a3);
}

/* The process-wide cache: languages are loaded on first use and kept. */
static pthread_mutex_t lang_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char dir[512];
    char code[4];
    html_lang *l;
} lang_cache[MAX_LANGS];
static size_t n_lang_cache;

static bool code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (code[i] < 'a' || code[i] > 'z')
            return false;
    return true;
}

/* English is en.tsv; another language is CODE.po, read against English. */
static html_lang *load_locked(const char *web_dir, const char *code)
{
    for (size_t i = 0; i < n_lang_cache; i++)
        if (!strcmp(lang_cache[i].code, code) && !strcmp(lang_cache[i].dir, web_dir))
            return lang_cache[i].l;
    bool en = !strcmp(code, "en");
    const html_lang *english = en ? NULL : load_locked(web_dir, "en");
    if (!en && !english)
        return NULL;
    char *path = sp_printf("%s/i18n/%s.%s", web_dir, code, en ? "tsv" : "po");
    char *text = NULL;
    size_t len = 0;
    html_lang *l = NULL;
    sp_err e;
    sp_err_clear(&e);
    if (path && sp_read_file(path, MAX_WORDS_FILE, &text, &len, &e) == SP_OK) {
        int rc = en ? html_lang_parse(code, text, len, &l, &e)
                    : html_lang_parse_po(code, text, len, english, &l, &e);
        if (rc != SP_OK) {
            fprintf(stderr, "searchd: %s: %s (this language falls back to English)\n", path,
                    e.msg);
            l = NULL;
        } else if (l->stale) {
            fprintf(stderr, "searchd: %s: %zu translations are for English that has changed "
                    "and are not used until updated\n", path, l->stale);
        }
    }
    free(text);
    free(path);
    /* Only languages that exist are cached: a stream of made-up codes in
     * Accept-Language must not fill the cache and crowd out real ones. */
    if (!l)
        return NULL;
    if (n_lang_cache < MAX_LANGS && strlen(web_dir) < sizeof lang_cache[0].dir) {
        snprintf(lang_cache[n_lang_cache].dir, sizeof lang_cache[0].dir, "%s", web_dir);
        snprintf(lang_cache[n_lang_cache].code, sizeof lang_cache[0].code, "%s", code);
        lang_cache[n_lang_cache].l = l;
        n_lang_cache++;
    } else if (!en) {
        html_lang_free(l); /* more languages than the cache holds */
        l = NULL;
    }
    return l;
}

const html_lang *html_lang_get(const char *web_dir, const char *code)
{
    if (!web_dir || !code_ok(code))
        return NULL;
    pthread_mutex_lock(&lang_mu);
    const html_lang *l = load_locked(web_dir, code);
    pthread_mutex_unlock(&lang_mu);
    return l;
}

const html_lang *html_lang_pick(const char *web_dir, const char *lang_param,
                                const char *accept_language)
{
    const html_lang *l = lang_param ? html_lang_get(web_dir, lang_param) : NULL;
    if (l)
        return l;
    /* Accept-Language: "so-SO,so;q=0.9,en;q=0.5": the entries in order
     * (quality values are already in preference order in practice). */
    if (accept_language) {
        const char *p = accept_language;
        for (int k = 0; *p && k < 8; k++) {
            while (*p == ' ' || *p == ',')
                p++;
            char code[4];
            size_t n = 0;
            while (n < 3 && isalpha((unsigned char)p[n])) {
                code[n] = (char)tolower((unsigned char)p[n]);
                n++;
            }
            code[n] = '\0';
            l = html_lang_get(web_dir, code);
            if (l)
                return l;
            const char *comma = strchr(p, ',');
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    return html_lang_get(web_dir, "en");
}

const char *html_lang_code(const html_lang *l)
{
    return l ? l->code : "en";
}

const char *html_lang_dir(const html_lang *l)
{
    return !strcmp(html_t(l, "lang.dir"), "rtl") ? "rtl" : "ltr";
}

static int code_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

size_t html_lang_list(const char *web_dir, char (*out)[4], size_t max)
{
    char path[4096];
    if (!web_dir || snprintf(path, sizeof path, "%s/i18n", web_dir) >= (int)sizeof path)
        return 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    size_t n = 0, seen = 0;
    /* Bounded: a folder of thousands of files is not read to the end. */
    for (struct dirent *e = readdir(d); e && n < max && seen < 1000; e = readdir(d), seen++) {
        size_t len = strlen(e->d_name);
        /* en.tsv, and CODE.po for every other language */
        const char *ext = len > 3 ? strrchr(e->d_name, '.') : NULL;
        size_t cl = ext ? (size_t)(ext - e->d_name) : 0;
        if (!ext || !(!strcmp(ext, ".po") || (!strcmp(e->d_name, "en.tsv"))) || cl < 2 || cl > 3)
            continue;
        char code[4];
        snprintf(code, sizeof code, "%.*s", (int)cl, e->d_name);
        if (!code_ok(code))
            continue;
        memcpy(out[n++], code, sizeof code);
    }
    closedir(d);
    qsort(out, n, sizeof *out, code_cmp);
    return n;
}
