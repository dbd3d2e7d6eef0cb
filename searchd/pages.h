/*
 * pages.h - the portal's pages inside searchd (not a public header): the
 * handlers for /, /services/{id} and /coach, and the page-writing context
 * and record-rendering helpers pages.c, pages_service.c and pages_coach.c
 * share.  Pages are server-rendered HTML that works without JavaScript;
 * web/static/portal.js only makes it quicker.  Every page gets searchd's
 * strict CSP (no inline script or style), so pages never carry either.
 */
#ifndef SD_PAGES_H
#define SD_PAGES_H

#include <limits.h>

#include "html.h"
#include "sd_int.h"

#define PG_MAX_ARGS 96
#define PG_MAX_SHORTLIST 20

/* Handlers (rows in sd_routes[], route id SD_R_PAGE). */
enum MHD_Result sd_page_search(sd_req *r, const char *rest);
enum MHD_Result sd_page_service(sd_req *r, const char *rest);
enum MHD_Result sd_page_coach(sd_req *r, const char *rest);
/* GET /guided: the jobseeker's short question path (pages_guided.c). */
enum MHD_Result sd_page_guided(sd_req *r, const char *rest);
/* The HTML 404 page for a path no route serves (server.c). */
enum MHD_Result sd_page_not_found(sd_req *r);

typedef struct pg_arg {
    const char *key, *value; /* value "" for a bare key; owned by MHD */
} pg_arg;

/* One page being written.  Lives on the handler's stack; b is freed by
 * pg_reply. */
typedef struct pg {
    sd_req *r;
    struct sd_server *s;
    const vocab *v;
    const html_lang *L;
    sp_buf b;
    bool oom; /* a write failed (memory, or a pg_fmt conversion html_fmt refused) */
    pg_arg args[PG_MAX_ARGS];
    size_t n_args;
    bool too_many_args;
    bool english_only; /* coach, hub and sign-in pages: no other language */
    char web_dir[PATH_MAX];
} pg;

/* Set up p for request r: arguments, language, web dir. */
void pg_init(pg *p, sd_req *r);
/* The first value of a query parameter, NULL when absent or when the
 * table (params.c) gives no page that name. */
const char *pg_get(const pg *p, const char *key);
/* The page's parameter a read by the table (params.h) for endpoint ep:
 * SP_OK, SP_ENOTFOUND (ep takes no such name) or SP_EINVAL (msg). */
int pg_arg_read(const pg *p, unsigned ep, const pg_arg *a, sd_arg *out, char *msg,
                size_t size);

/* Writing.  Markup is only ever a string literal in the source: pg_raw
 * takes nothing else ("" s "" does not compile unless s is a literal;
 * tests/web/check_writer.py proves it).  Anything computed goes through
 * pg_fmt, whose conversions escape for where they land (html.h: %pT text,
 * %pA attribute value, %pU link, %pS snippet, numbers), or is an escaped
 * word (pg_t, pg_tf, pg_tn).  pg_raw_lit_ is the writer behind the
 * macros: never call it directly. */
#define pg_raw(p, s) pg_raw_lit_((p), "" s "", sizeof(s) - 1)
/* One of two literals, by a condition. */
#define pg_raw_if(p, cond, a, b) ((cond) ? pg_raw(p, a) : pg_raw(p, b))
#define pg_fmt(p, fmt, ...) pg_fmt_((p), "" fmt "", __VA_ARGS__)
void pg_raw_lit_(pg *p, const char *lit, size_t n);
void pg_fmt_(pg *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop what was written since the page was len bytes long (p->b.len,
 * read earlier): a labelled item that turned out to have nothing. */
void pg_truncate(pg *p, size_t len);
void pg_text(pg *p, const char *s);
/* The first n bytes of s as text (n on a character boundary). */
void pg_textn(pg *p, const char *s, size_t n);
void pg_t(pg *p, const char *key);
void pg_tf(pg *p, const char *key, const char *a1, const char *a2, const char *a3);
/* A word that depends on a count: {1} is n, and the form is the language's
 * plural form for n (html_tn: "1 service found", "5 services found"). */
void pg_tn(pg *p, const char *key, unsigned long n);
/* template with its {1} replaced by arg, into buf (unescaped: for a
 * writer that escapes); buf is returned. */
const char *pg_fill1(const char *template, const char *arg, char *buf, size_t size);
/* The language to keep in links and forms: the ?lang= code when it names a
 * language (a choice made with the picker), else NULL (the language came
 * from Accept-Language or is English by default, as it will next time). */
const char *pg_keep_lang(const pg *p);
/* Write sep ("?" or "&", escaped) and lang=CODE when pg_keep_lang has
 * one. */
void pg_lang_arg(pg *p, const char *sep);
/* Write an opening tag (a literal "<p class=\"org\"", without its '>')
 * for the provider's own text, marked lang="en" on a page in another
 * language (pg_open_end writes that and the '>'). */
#define pg_open(p, tag) (pg_raw(p, tag), pg_open_end(p))
void pg_open_end(pg *p);
/* An href attribute value: pg_fmt's %pU (a safe scheme or relative, else
 * "#"), escaped. */
void pg_href(pg *p, const char *url);

/* The page frame.  title_key is a word key; extra is escaped text put
 * before it in the <title> (NULL for none).  body_class may be NULL. */
void pg_head(pg *p, const char *title_key, const char *extra, const char *body_class);
void pg_foot(pg *p);
enum MHD_Result pg_reply(pg *p, unsigned status);
/* A whole short page with a heading and a message (errors). */
enum MHD_Result pg_message(pg *p, unsigned status, const char *title_key,
                           const char *msg_key, const char *arg);

/* The worker's index, or NULL after answering 503 (*ret set). */
idx *pg_index(pg *p, enum MHD_Result *ret);
/* idx_search retried on a fresh snapshot (sd_search_fresh, like the API);
 * e is cleared first, and res is left empty when the search fails. */
int pg_search(pg *p, idx **ix, const idx_query *q, idx_result *res, sp_err *e);

/* Previous / next page links and "Page N of M" (nothing for one page);
 * url writes the address of page `to`.  No link beyond max_page. */
typedef void (*pg_page_url)(pg *p, sp_buf *u, long to, void *ctx);
void pg_pager(pg *p, long page, long pages, long max_page, pg_page_url url, void *ctx);

/* ---- a record, in plain English ---- */

/* Write "1 November 2026" (through the month words) for epoch seconds;
 * nothing for 0. */
void pg_put_date(pg *p, int64_t t);
/* When the record was last checked (last seen, else last changed, else
 * the source's last_modified); 0 when unknown. */
int64_t pg_checked(const rec_service *rec);
/* The label of a vocabulary slug in the page's language: the words file's
 * "label.FIELD.SLUG" when it has one, else data/vocab's English label;
 * NULL when neither knows the slug. */
const char *pg_label(pg *p, const char *field, const char *slug);
/* The service's name, or the page's word for an unnamed one. */
const char *pg_service_name(pg *p, const rec_service *rec);
/* Labels of the record's tags in field, joined with ", " (at most max). */
void pg_tag_labels(pg *p, const char *field, const rec_tags *t, size_t max);
/* Who it is for: groups and ages; returns false when nothing is known. */
bool pg_who(pg *p, const rec_service *rec);
/* A location's address on one line with a map link. */
void pg_address(pg *p, const rec_location *loc, bool map_link);
/* When it runs: schedules, one line each (at most max). */
bool pg_when(pg *p, const rec_service *rec, size_t max);
/* Contact links: phone (tel:), e-mail (mailto:), website (http/https
 * only; anything else shown as text).  Returns false when none. */
bool pg_contact(pg *p, const rec_service *rec, bool full);
/* The first phone number of the service, its locations or organisation. */
const char *pg_phone(const rec_service *rec);
const char *pg_email(const rec_service *rec);
const char *pg_website(const rec_service *rec);
/* The first location with an address or coordinates, NULL when none. */
const rec_location *pg_location(const rec_service *rec);
/* The definition-list summary a result shows. */
void pg_result_facts(pg *p, const idx_hit *h);
/* What the search made of the words (pages_understood.c): the filters
 * they named, each with a link that searches without those words; a link
 * to search the words as typed (understand=0); and whether not every word
 * matched or a spelling suggestion was searched instead.  q: as typed. */
void pg_understood(pg *p, const char *q, const und_result *u, const idx_result *res);

/* "Report a problem with this listing" (pages_report.c): the public form
 * on a service page, and the hub's review queue (a section of /hub). */
void pg_report_form(pg *p, const rec_service *rec);
void pg_hub_reports(pg *p);
/* Opening hours and the folded form on the search page (pages_when.c):
 * the "When can you go?" filter, its chips and the unknown-hours note,
 * whether the page leaves a parameter out (open=now over day and time),
 * the one-line summary that opens the form ("ESOL in Newham - change
 * search") and its end, and the link to /guided. */
/* c: the hours facet's counts shown with each choice (NULL: none). */
void pg_when_filter(pg *p, const sd_search *sp, const sd_hours_counts *c);
void pg_when_chips(pg *p, const sd_search *sp, idx **ix);
/* No results: the same search at any time, with its count (a <li>). */
void pg_when_alt(pg *p, const sd_search *sp, idx **ix);
bool pg_when_skip(const pg *p, const char *key);
void pg_change_open(pg *p, const sd_search *sp);
void pg_change_close(pg *p);
void pg_guided_link(pg *p);

#endif
