/*
 * html.h - the portal's HTML writing primitives: escaping of untrusted text
 * for HTML text and quoted attribute values, link sanitising (only http,
 * https, mailto and tel survive; everything else is shown as text), query
 * string encoding, html_fmt, a printf whose conversions apply them (html.c),
 * and the interface's words (i18n.c: English in web/i18n/en.tsv, other
 * languages as gettext catalogues web/i18n/CODE.po).
 *
 * Every string a crawled record contains is hostile until it has passed
 * through html_text (or html_snippet for the index's highlighted snippets)
 * and every link through html_url_* before it reaches a page; the pages
 * do both through html_fmt's conversions (pages.h, pg_fmt).
 *
 * Ownership: functions appending to an sp_buf leave the buffer owned by
 * the caller; returned char * strings are malloc'd and freed by the caller;
 * html_lang tables are cached for the process and never freed by callers.
 */
#ifndef SD_HTML_H
#define SD_HTML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "sp.h"

/* Append s escaped for HTML text and double- or single-quoted attribute
 * values: & < > " ' become entities; C0 controls other than tab, newline
 * and CR and DEL are dropped; invalid UTF-8 bytes become U+FFFD.  NULL
 * appends nothing.  Returns SP_OK or SP_ENOMEM. */
int html_text(sp_buf *b, const char *s);
int html_textn(sp_buf *b, const char *s, size_t n);

/* Append a highlighted snippet from the index (supposed to be escaped text
 * with <mark>…</mark>) without trusting it: <mark> and </mark> and entity
 * references (&amp; &#39; ...) pass, any other markup character is
 * escaped. */
int html_snippet(sp_buf *b, const char *s);

/* A web link from a record: http or https only, parsed and normalised by
 * libcurl's URL API; a bare "www.example.org/x" gets https://.  NULL when
 * it is anything else (javascript:, data:, relative, malformed). */
char *html_url_web(const char *url);
/* "mailto:ADDRESS" for a plausible e-mail address (one @, no spaces,
 * quotes, angle brackets or controls; at most 254 bytes); NULL otherwise.
 * A leading "mailto:" in the input is accepted. */
char *html_url_mail(const char *email);
/* "tel:+442079460000" for a phone number made of digits, spaces, + - ( )
 * and dots with 6 to 20 digits; a UK number starting 0 keeps its 0.  NULL
 * otherwise. */
char *html_url_tel(const char *number);

/* ---- the formatted writer ----
 *
 * html_fmt appends fmt to b with every conversion escaped for the place it
 * lands (SQLite's %q in spirit), so a page never needs to write a string
 * it did not escape itself.  Conversions (a Linux-kernel-style %p suffix,
 * so gcc and clang check the argument count and the integer types):
 *
 *   %pT  HTML text: html_text (NULL writes nothing)
 *   %pA  a double-quoted attribute value: the same escaping (the name says
 *        where it goes; NULL writes nothing)
 *   %pU  a link for href/action/src: html_url_safe's schemes or a relative
 *        reference, else "#"; then escaped as an attribute value
 *   %pS  an index snippet: html_snippet (only <mark> survives)
 *   %d %i %u %x %ld %lu %lld %llu %zu %zd (width and '0' '-' flags allowed)
 *   %.Nf (and %f) for doubles
 *   %%   a percent sign
 *
 * There is no %s and no conversion that copies bytes unescaped: markup is
 * the literal format itself.  Any other conversion (or a %p without one of
 * the letters above) writes nothing more and returns SP_EINVAL; a check
 * at build time (tests/web/check_writer.py) keeps every format in searchd
 * to this list.  Returns SP_OK, SP_ENOMEM or SP_EINVAL. */
int html_fmt(sp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int html_vfmt(sp_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Whether url may be a link target as it is: http:, https:, mailto: or
 * tel: (any case), or a relative reference ("/x", "?q=", "#id", "x/y")
 * that does not start "//" or contain a backslash; no byte at or below
 * space and no DEL anywhere (browsers drop tabs and newlines inside
 * "java\tscript:").  NULL is not. */
bool html_url_safe(const char *url);

/* Append key=value to a query string being built in b, percent-encoding
 * both (everything but A-Z a-z 0-9 - . _ ~) and adding '&' when b already
 * holds a parameter (b->len > 0 and the last byte is not '?'). */
int html_query_add(sp_buf *b, const char *key, const char *value);

/* ---- the interface's words ---- */

typedef struct html_lang html_lang;

/* The words for a language code ("en", "pl", "ar"): web_dir/i18n/en.tsv for
 * English, web_dir/i18n/CODE.po for the others, loaded once and cached;
 * NULL when that file does not exist or cannot be read (the reason goes to
 * stderr), or code is not 2-3 lower-case letters.  English must exist for
 * html_lang_pick and for any other language. */
const html_lang *html_lang_get(const char *web_dir, const char *code);
/* The language to answer in: ?lang= if that file exists, else the first
 * Accept-Language entry with a file, else English.  May return NULL only
 * when even English cannot be loaded. */
const html_lang *html_lang_pick(const char *web_dir, const char *lang_param,
                                const char *accept_language);
/* The code of a loaded language ("en"). */
const char *html_lang_code(const html_lang *l);
/* Text direction of a language: "rtl" when its file says lang.dir is rtl
 * (Arabic, Urdu, ...), else "ltr". */
const char *html_lang_dir(const html_lang *l);
/* The languages that have a words file in web_dir/i18n (en.tsv, *.po),
 * sorted by code:
 * up to max codes written to out (3 bytes + NUL each).  Returns the count. */
size_t html_lang_list(const char *web_dir, char (*out)[4], size_t max);
/* The string for key in l, else in English, else the key itself. */
const char *html_t(const html_lang *l, const char *key);
/* The string for key and a count n: in a translation, the plural form its
 * Plural-Forms expression picks for n; in English (and when the
 * translation lacks that form) key for n == 1, else key.plural. */
const char *html_tn(const html_lang *l, const char *key, unsigned long n);
/* Append the string for key with {1}, {2}, {3} replaced by the escaped
 * arguments (NULL args are empty); the string itself is escaped too. */
int html_tf(sp_buf *b, const html_lang *l, const char *key, const char *a1,
            const char *a2, const char *a3);

/* html_tn's string with {1} replaced by n and {2}, {3} by the escaped
 * arguments: "{1} services found". */
int html_tnf(sp_buf *b, const html_lang *l, const char *key, unsigned long n, const char *a2,
             const char *a3);

/* Parse a TSV of words (key TAB string, '#' comments, \n and \t escapes)
 * into a table; exposed for tests.  Caller frees with html_lang_free. */
int html_lang_parse(const char *code, const char *text, size_t len, html_lang **out,
                    sp_err *err);
/* Parse a gettext catalogue (msgctxt = key, msgid = English) against
 * english (from html_lang_parse): only entries for today's English are
 * kept; others are counted by html_lang_stale.  Malformed input (bad
 * quoting or escapes, a msgstr without msgid, plural forms out of order or
 * not as many as Plural-Forms says, an unreadable plural= expression,
 * duplicate entries, a charset other than UTF-8) is SP_EPARSE naming the
 * line or entry.  The result keeps a pointer to english. */
int html_lang_parse_po(const char *code, const char *text, size_t len, const html_lang *english,
                       html_lang **out, sp_err *err);
size_t html_lang_stale(const html_lang *l);
void html_lang_free(html_lang *l);

#endif
