/*
 * html.c - escaping, link sanitising and the interface's words for the
 * portal's pages (see html.h).  The pages are written in C (pages*.c) with
 * these primitives; nothing from a record or a request reaches a page any
 * other way.
 */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "html.h"

#define MAX_URL 2048
#define MAX_LANGS 16
#define MAX_WORDS_FILE (256u * 1024)
#define MAX_WORDS 2000

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (!len || len > n)
        return 0;
    return sp_utf8_valid((const char *)s, len) ? len : 0;
}

int html_textn(sp_buf *b, const char *s, size_t n)
{
    if (!s)
        return SP_OK;
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        size_t adv = 1;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
                rep = "";
            } else if (c >= 0x80) {
                adv = utf8_len((const unsigned char *)s + i, n - i);
                if (!adv) {
                    rep = "\xEF\xBF\xBD"; /* U+FFFD */
                    adv = 1;
                }
            }
        }
        if (rep) {
            if (sp_buf_append(b, s + start, i - start) != SP_OK ||
                sp_buf_puts(b, rep) != SP_OK)
                return SP_ENOMEM;
            i += adv;
            start = i;
        } else {
            i += adv;
        }
    }
    if (i > start && sp_buf_append(b, s + start, i - start) != SP_OK)
        return SP_ENOMEM;
    return SP_OK;
}

int html_text(sp_buf *b, const char *s)
{
    return s ? html_textn(b, s, strlen(s)) : SP_OK;
}

/* An entity reference at s: "&name;" or "&#123;" or "&#x1F;" with a short
 * alphanumeric body.  Returns its length or 0. */
static size_t entity_len(const char *s)
{
    size_t i = 1;
    if (s[i] == '#')
        i++;
    size_t body = 0;
    while (isalnum((unsigned char)s[i]) && body < 10) {
        i++;
        body++;
    }
    return (body > 0 && s[i] == ';') ? i + 1 : 0;
}

int html_snippet(sp_buf *b, const char *s)
{
    if (!s)
        return SP_OK;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] != '<' && s[run] != '&' && s[run] != '>' && s[run] != '"' &&
               s[run] != '\'')
            run++;
        if (run > i && html_textn(b, s + i, run - i) != SP_OK)
            return SP_ENOMEM;
        i = run;
        if (i >= n)
            break;
        int rc;
        if (!strncmp(s + i, "<mark>", 6)) {
            rc = sp_buf_puts(b, "<mark>");
            i += 6;
        } else if (!strncmp(s + i, "</mark>", 7)) {
            rc = sp_buf_puts(b, "</mark>");
            i += 7;
        } else if (s[i] == '&' && entity_len(s + i)) {
            size_t el = entity_len(s + i);
            rc = sp_buf_append(b, s + i, el);
            i += el;
        } else {
            rc = html_textn(b, s + i, 1);
            i++;
        }
        if (rc != SP_OK)
            return SP_ENOMEM;
    }
    return SP_OK;
}

/* ---- links ---- */

static bool has_ctl_or_space(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Percent-encode what RFC 3986 never allows raw in a URL (quotes, angle
 * brackets, backslash, braces, non-ASCII), which curl leaves as given. */
static char *encode_unsafe(const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    sp_buf b = {0};
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        int rc;
        if (*p > 0x7e || *p < 0x21 || strchr("\"<>\\^`{|}", *p)) {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = sp_buf_append(&b, e, 3);
        } else {
            rc = sp_buf_append(&b, p, 1);
        }
        if (rc != SP_OK) {
            sp_buf_free(&b);
            return NULL;
        }
    }
    return sp_buf_steal(&b);
}

char *html_url_web(const char *url)
{
    if (!url)
        return NULL;
    while (*url == ' ' || *url == '\t' || *url == '\n' || *url == '\r')
        url++;
    size_t n = strlen(url);
    while (n > 0 && (url[n - 1] == ' ' || url[n - 1] == '\t' || url[n - 1] == '\n' ||
                     url[n - 1] == '\r'))
        n--;
    if (n == 0 || n > MAX_URL)
        return NULL;
    char *in = sp_strndup(url, n);
    if (!in)
        return NULL;
    char *out = NULL;
    if (has_ctl_or_space(in))
        goto done;
    /* A scheme is letters then ':'; without one only "www." hosts are
     * taken (with https), never relative paths. */
    size_t sl = 0;
    while (isalpha((unsigned char)in[sl]) || (sl > 0 && (isdigit((unsigned char)in[sl]) ||
                                                        in[sl] == '+' || in[sl] == '-' ||
                                                        in[sl] == '.')))
        sl++;
    bool has_scheme = sl > 0 && in[sl] == ':';
    if (has_scheme) {
        if (!((sl == 4 && !strncasecmp(in, "http", 4)) ||
              (sl == 5 && !strncasecmp(in, "https", 5))))
            goto done;
        if (strncmp(in + sl, "://", 3))
            goto done;
    } else if (strncasecmp(in, "www.", 4)) {
        goto done;
    }
    CURLU *u = curl_url();
    if (!u)
        goto done;
    unsigned flags = CURLU_URLENCODE | (has_scheme ? 0u : CURLU_DEFAULT_SCHEME);
    char *scheme = NULL, *host = NULL, *full = NULL;
    if (curl_url_set(u, CURLUPART_URL, in, flags) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] &&
        (!strcmp(scheme, "http") || !strcmp(scheme, "https")) &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && !has_ctl_or_space(full))
        out = encode_unsafe(full);
    curl_free(scheme);
    curl_free(host);
    curl_free(full);
    curl_url_cleanup(u);
done:
    free(in);
    return out;
}

char *html_url_mail(const char *email)
{
    if (!email)
        return NULL;
    if (!strncasecmp(email, "mailto:", 7))
        email += 7;
    size_t n = strlen(email);
    if (n < 3 || n > 254)
        return NULL;
    const char *at = strchr(email, '@');
    if (!at || at == email || strchr(at + 1, '@') || !at[1] || !strchr(at + 1, '.'))
        return NULL;
    for (const char *p = email; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"'<>()[]\\,;:?&=%#/`", c))
            return NULL;
    }
    return sp_printf("mailto:%s", email);
}

char *html_url_tel(const char *number)
{
    if (!number)
        return NULL;
    char digits[24];
    size_t nd = 0;
    bool plus = false;
    for (const char *p = number; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (nd >= 20)
                return NULL;
            digits[nd++] = *p;
        } else if (*p == '+' && nd == 0 && !plus) {
            plus = true;
        } else if (!strchr(" -().", *p)) {
            return NULL;
        }
    }
    if (nd < 6)
        return NULL;
    digits[nd] = '\0';
    return sp_printf("tel:%s%s", plus ? "+" : "", digits);
}

static int pct_encode(sp_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            if (sp_buf_append(b, p, 1) != SP_OK)
                return SP_ENOMEM;
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            if (sp_buf_append(b, e, 3) != SP_OK)
                return SP_ENOMEM;
        }
    }
    return SP_OK;
}

int html_query_add(sp_buf *b, const char *key, const char *value)
{
    if (b->len > 0 && b->data[b->len - 1] != '?' && sp_buf_puts(b, "&") != SP_OK)
        return SP_ENOMEM;
    if (pct_encode(b, key) != SP_OK || sp_buf_puts(b, "=") != SP_OK ||
        pct_encode(b, value ? value : "") != SP_OK)
        return SP_ENOMEM;
    return SP_OK;
}

/* ---- words ---- */

typedef struct word {
    char *key, *text;
} word;

struct html_lang {
    char code[4];
    word *w; /* sorted by key */
    size_t n;
    char *mem; /* the file's bytes, which w points into */
    const html_lang *fallback;
};

static int word_cmp(const void *a, const void *b)
{
    return strcmp(((const word *)a)->key, ((const word *)b)->key);
}

/* Undo \n \t \\ escapes in place. */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

void html_lang_free(html_lang *l)
{
    if (!l)
        return;
    free(l->w);
    free(l->mem);
    free(l);
}

int html_lang_parse(const char *code, const char *text, size_t len, html_lang **out,
                    sp_err *err)
{
    *out = NULL;
    html_lang *l = calloc(1, sizeof *l);
    if (!l)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    snprintf(l->code, sizeof l->code, "%s", code);
    l->mem = sp_strndup(text, len);
    l->w = calloc(MAX_WORDS, sizeof *l->w);
    if (!l->mem || !l->w) {
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
        unescape(tab + 1);
        l->w[l->n].key = line;
        l->w[l->n].text = tab + 1;
        l->n++;
    }
    qsort(l->w, l->n, sizeof *l->w, word_cmp);
    *out = l;
    return SP_OK;
}

static const char *lookup(const html_lang *l, const char *key)
{
    if (!l)
        return NULL;
    word k = {(char *)key, NULL};
    const word *w = bsearch(&k, l->w, l->n, sizeof *l->w, word_cmp);
    return w ? w->text : NULL;
}

const char *html_t(const html_lang *l, const char *key)
{
    const char *s = lookup(l, key);
    if (!s && l)
        s = lookup(l->fallback, key);
    return s ? s : key;
}

int html_tf(sp_buf *b, const html_lang *l, const char *key, const char *a1, const char *a2,
            const char *a3)
{
    const char *s = html_t(l, key);
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

static html_lang *load_locked(const char *web_dir, const char *code)
{
    for (size_t i = 0; i < n_lang_cache; i++)
        if (!strcmp(lang_cache[i].code, code) && !strcmp(lang_cache[i].dir, web_dir))
            return lang_cache[i].l;
    char *path = sp_printf("%s/i18n/%s.tsv", web_dir, code);
    char *text = NULL;
    size_t len = 0;
    html_lang *l = NULL;
    sp_err e;
    sp_err_clear(&e);
    if (path && sp_read_file(path, MAX_WORDS_FILE, &text, &len, &e) == SP_OK) {
        if (html_lang_parse(code, text, len, &l, &e) != SP_OK) {
            fprintf(stderr, "searchd: %s: %s\n", path, e.msg);
            l = NULL;
        }
    }
    free(text);
    free(path);
    if (l && strcmp(code, "en"))
        l->fallback = load_locked(web_dir, "en");
    /* Only languages that exist are cached: a stream of made-up codes in
     * Accept-Language must not fill the cache and crowd out real ones. */
    if (!l)
        return NULL;
    if (n_lang_cache < MAX_LANGS && strlen(web_dir) < sizeof lang_cache[0].dir) {
        snprintf(lang_cache[n_lang_cache].dir, sizeof lang_cache[0].dir, "%s", web_dir);
        snprintf(lang_cache[n_lang_cache].code, sizeof lang_cache[0].code, "%s", code);
        lang_cache[n_lang_cache].l = l;
        n_lang_cache++;
    } else if (strcmp(code, "en")) {
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
        if (len < 6 || len > 7 || strcmp(e->d_name + len - 4, ".tsv"))
            continue;
        char code[4];
        snprintf(code, sizeof code, "%.*s", (int)(len - 4), e->d_name);
        if (!code_ok(code))
            continue;
        memcpy(out[n++], code, sizeof code);
    }
    closedir(d);
    qsort(out, n, sizeof *out, code_cmp);
    return n;
}
