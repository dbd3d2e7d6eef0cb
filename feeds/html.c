/*
 * html.c - the HTML page reader.
 *
 * A provider's web page says what a service is in one of three ways, tried
 * in this order:
 *   1. schema.org JSON-LD (<script type="application/ld+json">), with
 *      @graph, arrays and nesting;
 *   2. schema.org microdata (itemscope / itemtype / itemprop, nested items,
 *      itemref), extracted exactly as extruct does (extract.c; feed_html_extract gives
 *      both, in extruct's JSON shape, for the conformance tests);
 *   3. plain-page heuristics: the h1 (or <title>) as the name, the main
 *      text (<main>, role=main or <article>, never nav/header/footer/aside/
 *      script/style), UK postcodes, UK phone numbers, emails, opening-hours
 *      lines, and the paragraphs under headings such as "Who is it for" /
 *      "Eligibility" and "How to apply" / "How to refer".
 * Structured data of the types Service, GovernmentService, Course, Event,
 * Organization, LocalBusiness, Place (with PostalAddress, GeoCoordinates,
 * ContactPoint, OpeningHoursSpecification, Offer, Audience) becomes
 * rec_service records; a heuristic record is made only when the page looks
 * like a service page (a name and substantive text).  Every page also
 * yields its links: <a href> resolved against the page (or its <base>) as
 * FEED_LINK_PAGE, and <link rel=alternate> RSS/Atom feeds as FEED_LINK_FEED.
 * Only http(s) URLs are emitted, so javascript:, data: and mailto: never
 * reach the crawler.
 *
 * The schema.org mapping lives in html_schema.c, the structured data's
 * extraction in extract.c; here are the page text heuristics and the
 * reader itself.
 *
 * Bounds: body FEED_MAX_BODY, libxml2's tree depth limit (and our walks
 * stop at depth 256), 64 JSON-LD scripts of at most 1 MiB each, 2,000
 * microdata items, 5,000 links, 50 records per page, every text field cut
 * to a fixed size.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"

/* ======================================================================
 * Heuristics over the page text
 * ====================================================================== */

typedef struct line {
    char *text;
    int heading; /* 1-6 for h1-h6, 0 for body text */
} line;

typedef struct lines {
    line *v;
    size_t n;
    size_t bytes;
} lines;

static void lines_free(lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->v[i].text);
    free(ls->v);
}

static bool is_block(const xmlNode *n)
{
    static const char *const blocks[] = {
        "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table",
        "section", "article", "main", "br", "h1", "h2", "h3", "h4", "h5", "h6",
        "address", "blockquote", "pre", "hr", "form", "fieldset", "figure",
        "figcaption", "details", "summary", "caption", NULL};
    for (size_t i = 0; blocks[i]; i++)
        if (hx_is_tag(n, blocks[i]))
            return true;
    return false;
}

/* Does the class or id of n name a cookie or consent banner? */
static bool is_banner(xmlNode *n)
{
    static const char *const marks[] = {"cookie", "consent", "gdpr", NULL};
    static const char *const attrs[] = {"class", "id", NULL};
    for (size_t a = 0; attrs[a]; a++) {
        char *v = hx_get_attr(n, attrs[a]);
        bool hit = false;
        for (size_t i = 0; v != NULL && marks[i] && !hit; i++)
            hit = strcasestr(v, marks[i]) != NULL;
        free(v);
        if (hit)
            return true;
    }
    return false;
}

/* Page furniture: never a service's text or name. */
static bool is_noise(xmlNode *n)
{
    static const char *const noise[] = {"nav", "header", "footer", "aside", "script",
                                        "style", "noscript", "template", "svg",
                                        "iframe", "select", "button", "head", "form",
                                        "dialog", NULL};
    for (size_t i = 0; noise[i]; i++)
        if (hx_is_tag(n, noise[i]))
            return true;
    static const char *const roles[] = {"navigation", "banner", "contentinfo",
                                        "complementary", "search", "dialog",
                                        "alertdialog", NULL};
    for (size_t i = 0; roles[i]; i++)
        if (hx_attr_eq_ci(n, "role", roles[i]))
            return true;
    if (hx_attr_eq_ci(n, "hidden", "") || hx_attr_eq_ci(n, "aria-hidden", "true"))
        return true;
    return is_banner(n);
}

static void flush_line(lines *ls, sp_buf *cur, int heading)
{
    char *t = hx_collapse(sp_buf_cstr(cur), HTML_MAX_TEXT);
    sp_buf_reset(cur);
    if (t == NULL)
        return;
    if (ls->n >= 4000 || ls->bytes > HTML_MAX_TEXT * 4) {
        free(t);
        return;
    }
    line *p = hx_push(&ls->v, &ls->n, sizeof *ls->v);
    if (p == NULL) {
        /* push caps at 1000: keep going past it with plain realloc */
        line *nv = realloc(ls->v, (ls->n + 1) * sizeof *ls->v);
        if (nv == NULL) {
            free(t);
            return;
        }
        ls->v = nv;
        p = &ls->v[ls->n++];
    }
    p->text = t;
    p->heading = heading;
    ls->bytes += strlen(t);
}

static void walk_lines(xmlNode *n, lines *ls, sp_buf *cur, int depth)
{
    for (; n != NULL; n = n->next) {
        if (depth > HTML_MAX_DEPTH)
            return;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content != NULL && cur->len < HTML_MAX_TEXT)
                sp_buf_puts(cur, (const char *)n->content);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE || is_noise(n))
            continue;
        int h = 0;
        if (n->name[0] == 'h' || n->name[0] == 'H') {
            if (n->name[1] >= '1' && n->name[1] <= '6' && n->name[2] == '\0')
                h = n->name[1] - '0';
        }
        bool block = is_block(n);
        if (block)
            flush_line(ls, cur, 0);
        walk_lines(n->children, ls, cur, depth + 1);
        if (block)
            flush_line(ls, cur, h);
        else
            sp_buf_puts(cur, " ");
    }
}

/* The first element, in document order, of n and its following siblings
 * and their subtrees, that pred accepts; with content, furniture subtrees
 * (is_noise: <noscript>, <nav>, <header>, cookie banners...) are not
 * searched. */
static xmlNode *find_node(xmlNode *n, bool (*pred)(xmlNode *), bool content, int depth)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH || (content && is_noise(n)))
            continue;
        if (pred(n))
            return n;
        xmlNode *f = find_node(n->children, pred, content, depth + 1);
        if (f != NULL)
            return f;
    }
    return NULL;
}

static xmlNode *find_first(xmlNode *n, bool (*pred)(xmlNode *))
{
    return find_node(n, pred, false, 0);
}

/* find_first over the page's content only. */
static xmlNode *find_content(xmlNode *n, bool (*pred)(xmlNode *))
{
    return find_node(n, pred, true, 0);
}

static bool p_main(xmlNode *n) { return hx_is_tag(n, "main"); }
static bool p_role_main(xmlNode *n) { return hx_attr_eq_ci(n, "role", "main"); }
static bool p_article(xmlNode *n) { return hx_is_tag(n, "article"); }
static bool p_body(xmlNode *n) { return hx_is_tag(n, "body"); }
static bool p_title(xmlNode *n) { return hx_is_tag(n, "title"); }
static bool p_h1(xmlNode *n) { return hx_is_tag(n, "h1"); }
static bool p_og_title(xmlNode *n)
{
    return hx_is_tag(n, "meta") && hx_attr_eq_ci(n, "property", "og:title");
}

static bool ci_contains(const char *hay, const char *needle)
{
    return hay != NULL && strcasestr(hay, needle) != NULL;
}

/* UK postcode at s (outward code, optional space, inward code), not in
 * the middle of a word.  Returns its length or 0. */
static size_t postcode_at(const char *text, const char *s)
{
    if (s > text && (isalnum((unsigned char)s[-1])))
        return 0;
    const char *p = s;
    int letters = 0;
    while (isupper((unsigned char)*p) && letters < 2) {
        p++;
        letters++;
    }
    if (letters == 0 || !isdigit((unsigned char)*p))
        return 0;
    p++;
    if (isdigit((unsigned char)*p) || isupper((unsigned char)*p)) {
        /* a second outward character, unless it starts the inward code */
        if (!(isdigit((unsigned char)*p) && isupper((unsigned char)p[1]) &&
              isupper((unsigned char)p[2]) && !isalnum((unsigned char)p[3])))
            p++;
    }
    if (*p == ' ')
        p++;
    if (!isdigit((unsigned char)p[0]) || !isupper((unsigned char)p[1]) ||
        !isupper((unsigned char)p[2]) || isalnum((unsigned char)p[3]))
        return 0;
    return (size_t)(p + 3 - s);
}

/* A UK phone number at s: 0 or +44 then 9-10 more digits, with spaces,
 * hyphens, dots or brackets between.  Fills out (normalised "020 7946
 * 0000" as written, trimmed) and returns the span length, or 0. */
static size_t phone_at(const char *text, const char *s, char *out, size_t outsz)
{
    if (s > text && (isalnum((unsigned char)s[-1]) || s[-1] == '+' || s[-1] == '/'))
        return 0;
    const char *p = s;
    char digits[24];
    size_t nd = 0;
    bool intl = false;
    if (*p == '(')
        p++;
    if (*p == '+') {
        if (strncmp(p, "+44", 3) != 0)
            return 0;
        intl = true;
        p += 3;
        digits[nd++] = '0';
        while (*p == ' ' || *p == '(')
            p++;
        if (*p == '0') /* +44 (0)20 ... */
            p++;
        if (*p == ')')
            p++;
    } else if (*p != '0') {
        return 0;
    }
    const char *end = p;
    int seps = 0;
    while (*p != '\0' && nd < 13) {
        if (isdigit((unsigned char)*p)) {
            digits[nd++] = *p;
            end = p + 1;
        } else if ((*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')') &&
                   seps < 5 && isdigit((unsigned char)p[1 + (p[1] == ' ' || p[1] == ')')])) {
            seps++;
        } else {
            break;
        }
        p++;
    }
    if (isdigit((unsigned char)*end) || nd < 10 || nd > 11)
        return 0;
    if (digits[0] != '0' || !strchr("12378", digits[1]))
        return 0;
    (void)intl;
    size_t len = (size_t)(end - s);
    if (len + 1 > outsz)
        return 0;
    memcpy(out, s, len);
    out[len] = '\0';
    return len;
}

/* An email address around the '@' at s. */
static char *email_at(const char *text, const char *at)
{
    const char *b = at;
    while (b > text && (isalnum((unsigned char)b[-1]) || strchr("._%+-", b[-1])))
        b--;
    const char *e = at + 1;
    while (isalnum((unsigned char)*e) || *e == '.' || *e == '-')
        e++;
    while (e > at + 1 && e[-1] == '.')
        e--;
    if (b == at || e - at < 4)
        return NULL;
    const char *dot = memchr(at, '.', (size_t)(e - at));
    if (dot == NULL)
        return NULL;
    return sp_strndup(b, (size_t)(e - b));
}

static const char *const DAYS[] = {"monday", "tuesday", "wednesday", "thursday",
                                   "friday", "saturday", "sunday", "weekday", "mon-",
                                   "mon ", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

static bool has_time(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > s && isdigit((unsigned char)p[-1])))
            continue;
        const char *q = p;
        while (isdigit((unsigned char)*q))
            q++;
        if (q - p > 2)
            continue;
        if ((*q == ':' || *q == '.') && isdigit((unsigned char)q[1]) &&
            isdigit((unsigned char)q[2]))
            return true;
        while (*q == ' ')
            q++;
        if (strncasecmp(q, "am", 2) == 0 || strncasecmp(q, "pm", 2) == 0)
            return true;
    }
    return false;
}

static bool is_hours_line(const char *s)
{
    if (strlen(s) > 200 || !has_time(s))
        return false;
    for (size_t i = 0; DAYS[i]; i++)
        if (ci_contains(s, DAYS[i]))
            return true;
    return false;
}

static const char *const ELIG_HEADS[] = {
    "who is it for", "who is this for", "who it's for", "who it is for", "eligib",
    "who can use", "who can apply", "who can join", "who can get", "who can access",
    "who we help", "who we support", "who can attend", "is this for me",
    "who is eligible", "criteria", NULL};
static const char *const APPLY_HEADS[] = {
    "how to apply", "how to refer", "referral", "how to access", "how to join",
    "how to get", "how do i", "get started", "apply now", "how to register",
    "how to book", "access the service", "making a referral", "sign up", NULL};

static bool matches_any(const char *s, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++)
        if (ci_contains(s, keys[i]))
            return true;
    return false;
}

/* The text under the first heading matching keys, up to the next heading
 * of the same or a higher level. */
static char *section_under(const lines *ls, const char *const *keys)
{
    for (size_t i = 0; i < ls->n; i++) {
        if (ls->v[i].heading == 0 || strlen(ls->v[i].text) > 120 ||
            !matches_any(ls->v[i].text, keys))
            continue;
        int level = ls->v[i].heading;
        sp_buf b = {0};
        for (size_t j = i + 1; j < ls->n; j++) {
            if (ls->v[j].heading != 0 && ls->v[j].heading <= level)
                break;
            if (b.len > HTML_MAX_SECTION)
                break;
            sp_buf_printf(&b, "%s%s", b.len ? "\n" : "", ls->v[j].text);
        }
        char *s = b.len ? sp_buf_steal(&b) : NULL;
        sp_buf_free(&b);
        if (s != NULL && strlen(s) > HTML_MAX_SECTION) {
            size_t k = HTML_MAX_SECTION;
            while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
                k--;
            s[k] = '\0';
        }
        if (s != NULL)
            return s;
    }
    return NULL;
}

static void hours_from_line(rec_service *r, const char *s)
{
    if (r->n_schedules >= HTML_MAX_LIST)
        return;
    rec_schedule *sc = hx_push(&r->schedules, &r->n_schedules, sizeof *r->schedules);
    if (sc == NULL)
        return;
    sc->description = sp_strndup(s, 200);
    /* Days named in the line, in week order ("Monday to Friday" spans). */
    static const char *const full[] = {"monday", "tuesday", "wednesday", "thursday",
                                       "friday", "saturday", "sunday"};
    static const char *const code[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    int first = -1, last = -1;
    bool seen[7] = {false};
    for (int d = 0; d < 7; d++) {
        char abbr[4];
        memcpy(abbr, full[d], 3);
        abbr[3] = '\0';
        if (ci_contains(s, full[d]) || ci_contains(s, abbr)) {
            seen[d] = true;
            if (first < 0)
                first = d;
            last = d;
        }
    }
    if (first >= 0 && last > first &&
        (ci_contains(s, " to ") || strchr(s, '-') != NULL || ci_contains(s, "–"))) {
        int nseen = 0;
        for (int d = 0; d < 7; d++)
            nseen += seen[d];
        if (nseen == 2)
            for (int d = first; d <= last; d++)
                seen[d] = true;
    }
    sp_buf days = {0};
    for (int d = 0; d < 7; d++)
        if (seen[d])
            sp_buf_printf(&days, "%s%s", days.len ? "," : "", code[d]);
    if (days.len) {
        sc->byday = sp_buf_steal(&days);
        sc->freq = sp_strdup("WEEKLY");
    }
    sp_buf_free(&days);
    /* The first two times are opening and closing. */
    int found = 0;
    char *times[2] = {NULL, NULL};
    for (const char *p = s; *p && found < 2; p++) {
        if (!isdigit((unsigned char)*p) || (p > s && isdigit((unsigned char)p[-1])))
            continue;
        int h = 0, m = 0;
        const char *q = p;
        while (isdigit((unsigned char)*q) && q - p < 3)
            h = h * 10 + (*q++ - '0');
        if (q - p > 2 || isdigit((unsigned char)*q))
            continue;
        bool ok = false;
        if ((*q == ':' || *q == '.') && isdigit((unsigned char)q[1]) &&
            isdigit((unsigned char)q[2])) {
            m = (q[1] - '0') * 10 + (q[2] - '0');
            q += 3;
            ok = true;
        }
        const char *z = q;
        while (*z == ' ')
            z++;
        if (strncasecmp(z, "pm", 2) == 0) {
            if (h < 12)
                h += 12;
            ok = true;
        } else if (strncasecmp(z, "am", 2) == 0) {
            if (h == 12)
                h = 0;
            ok = true;
        }
        if (ok && h <= 24 && m < 60)
            times[found++] = sp_printf("%02d:%02d", h, m);
        p = q - 1 > p ? q - 1 : p;
    }
    sc->opens_at = times[0];
    sc->closes_at = times[1];
}

/* Apply the text heuristics to r (filling only what r lacks). */
static void heuristics(rec_service *r, const lines *ls, xmlNode *root)
{
    if (r->eligibility_description == NULL)
        r->eligibility_description = section_under(ls, ELIG_HEADS);
    if (r->application_process == NULL)
        r->application_process = section_under(ls, APPLY_HEADS);

    bool want_loc = r->n_locations == 0;
    bool want_sched = r->n_schedules == 0;
    for (size_t i = 0; i < ls->n; i++) {
        const char *t = ls->v[i].text;
        if (ls->v[i].heading)
            continue;
        for (const char *p = t; *p; p++) {
            if (want_loc && isupper((unsigned char)*p)) {
                size_t pl = postcode_at(t, p);
                if (pl > 0) {
                    rec_location *l = hx_push(&r->locations, &r->n_locations,
                                           sizeof *r->locations);
                    if (l != NULL) {
                        l->location_type = sp_strdup("physical");
                        rec_address *a = hx_push(&l->addresses, &l->n_addresses,
                                              sizeof *l->addresses);
                        if (a != NULL) {
                            a->postal_code = sp_strndup(p, pl);
                            a->address_type = sp_strdup("physical");
                            a->country = sp_strdup("GB");
                            /* The line before the postcode is the street
                             * address when the line is address-sized. */
                            size_t before = (size_t)(p - t);
                            while (before > 0 && (t[before - 1] == ' ' || t[before - 1] == ','))
                                before--;
                            if (before > 3 && before < 160)
                                a->address_1 = feed_collapse(t, before, HTML_MAX_FIELD, true);
                        }
                    }
                    want_loc = false;
                }
            }
            if (*p == '0' || *p == '+' || *p == '(') {
                char num[40];
                size_t n = phone_at(t, p, num, sizeof num);
                if (n > 0) {
                    hx_add_phone(&r->phones, &r->n_phones, sp_strdup(num), NULL);
                    p += n - 1;
                    continue;
                }
            }
            if (*p == '@' && r->email == NULL)
                r->email = email_at(t, p);
        }
        if (want_sched && is_hours_line(t))
            hours_from_line(r, t);
    }
    (void)root;
}

/* mailto: and tel: links say it outright. */
static void contact_links(rec_service *r, xmlNode *n, int depth)
{
    for (; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
            continue;
        if (hx_is_tag(n, "a") && !is_noise(n)) {
            char *href = hx_get_attr(n, "href");
            char *h = hx_strip_ws(href);
            free(href);
            if (h != NULL && strncasecmp(h, "mailto:", 7) == 0 && r->email == NULL)
                r->email = hx_clean_email(sp_strdup(h));
            else if (h != NULL && strncasecmp(h, "tel:", 4) == 0)
                hx_add_phone(&r->phones, &r->n_phones, hx_collapse(h + 4, 40), NULL);
            free(h);
        }
        if (!hx_is_tag(n, "footer") && !hx_is_tag(n, "nav"))
            contact_links(r, n->children, depth + 1);
    }
}

static bool p_base(xmlNode *n) { return hx_is_tag(n, "base") && hx_has_attr(n, "href"); }

/* ======================================================================
 * The reader
 * ====================================================================== */

/* Does a page without structured data read as a service page?  A name
 * that is not site furniture (privacy, cookies, 404...), and either a
 * heading about eligibility or applying, contact details, or at least two
 * distinct words services are described with. */
static bool looks_like_service(const char *name, const lines *ls)
{
    static const char *const furniture[] = {
        "privacy", "cookie", "terms and conditions", "terms of use", "accessibility statement",
        "page not found", "404", "site map", "sitemap", "log in", "sign in", "search results",
        "error", NULL};
    if (matches_any(name, furniture))
        return false;
    static const char *const words[] = {
        "service", "support", "advice", "course", "training", "employment", "job",
        "skills", "apply", "referral", "refer ", "free", "volunteer", "session", "workshop",
        "mentor", "help you", "eligib", "appointment", "drop-in", "drop in", NULL};
    int seen = 0;
    for (size_t w = 0; words[w] != NULL && seen < 2; w++) {
        bool found = ci_contains(name, words[w]);
        for (size_t i = 0; i < ls->n && !found; i++)
            found = ci_contains(ls->v[i].text, words[w]);
        seen += found;
    }
    if (seen >= 2)
        return true;
    for (size_t i = 0; i < ls->n; i++) {
        const char *t = ls->v[i].text;
        if (ls->v[i].heading && (matches_any(t, ELIG_HEADS) || matches_any(t, APPLY_HEADS)))
            return true;
        for (const char *p = t; *p; p++)
            if ((isupper((unsigned char)*p) && postcode_at(t, p) > 0) || *p == '@')
                return true;
    }
    return false;
}

static char *page_title(xmlNode *root)
{
    xmlNode *t = find_first(root, p_title);
    return t != NULL ? hx_node_text(t, HTML_MAX_FIELD) : NULL;
}

/* "Job Club | Hackney Council" -> "Job Club": sites append their name. */
static char *trim_site_name(char *t)
{
    if (t == NULL)
        return NULL;
    static const char *const seps[] = {" | ", " - ", " – ", " — ", " :: ", NULL};
    for (size_t i = 0; seps[i]; i++) {
        char *p = strstr(t, seps[i]);
        if (p != NULL && p > t + 2) {
            *p = '\0';
            break;
        }
    }
    return t;
}

static bool furniture_name(const char *name);

static bool p_og_site(xmlNode *n)
{
    return hx_is_tag(n, "meta") && hx_attr_eq_ci(n, "property", "og:site_name");
}

/* The site's own name, which names the provider of a page that says no
 * more: og:site_name, else what the <title> appends after its last
 * separator ("Job Club | Hackney Council" -> "Hackney Council").  NULL when
 * neither is there or it is the service's own name. */
static char *site_name(xmlNode *root, const char *name)
{
    xmlNode *m = find_first(root, p_og_site);
    char *c = m != NULL ? hx_get_attr(m, "content") : NULL;
    char *out = hx_collapse(c, HTML_MAX_FIELD);
    free(c);
    if (out == NULL) {
        char *t = page_title(root);
        static const char *const seps[] = {" | ", " - ", " – ", " — ", " :: ", NULL};
        const char *last = NULL;
        size_t sl = 0;
        for (size_t i = 0; t != NULL && seps[i]; i++) {
            for (const char *p = strstr(t, seps[i]); p != NULL; p = strstr(p + 1, seps[i]))
                if (last == NULL || p > last) {
                    last = p;
                    sl = strlen(seps[i]);
                }
        }
        if (last != NULL && last > t)
            out = hx_collapse(last + sl, HTML_MAX_FIELD);
        free(t);
    }
    if (out != NULL && (furniture_name(out) || (name != NULL && strcasecmp(out, name) == 0))) {
        free(out);
        out = NULL;
    }
    return out;
}

/* A record whose page names no provider is the site's (with provenance). */
static void site_org(rec_service *r, xmlNode *root)
{
    if (r->organization.name != NULL)
        return;
    r->organization.name = site_name(root, r->name);
    if (r->organization.name != NULL)
        r->prov.organization_from = sp_strdup("page site name");
}

/* A heading or title that names no service: site furniture, greetings,
 * and the warnings sites show when scripts or cookies are off. */
static bool furniture_name(const char *name)
{
    static const char *const exact[] = {
        "home", "homepage", "home page", "welcome", "welcome!", "menu", "main menu",
        "search", "navigation", "skip to content", "skip to main content", "cookies",
        "error", "sorry", "oops", "loading", "loading...", "untitled", "index", NULL};
    for (size_t i = 0; exact[i]; i++)
        if (strcasecmp(name, exact[i]) == 0)
            return true;
    static const char *const parts[] = {
        "javascript is disabled", "javascript is turned off", "enable javascript",
        "javascript is required", "javascript must be enabled", "turn on javascript",
        "your browser does not support", "browser is out of date", "we use cookies",
        "cookie settings", "cookies on ", "page not found", "404", "access denied",
        "an error occurred", "something went wrong", NULL};
    return matches_any(name, parts);
}

/* An h1-h3 whose text is not furniture. */
static bool p_heading(xmlNode *n)
{
    if (!hx_is_tag(n, "h1") && !hx_is_tag(n, "h2") && !hx_is_tag(n, "h3"))
        return false;
    char *t = hx_node_text(n, HTML_MAX_FIELD);
    bool ok = t != NULL && !furniture_name(t);
    free(t);
    return ok;
}

/* A candidate name: kept unless empty or furniture (then freed). */
static char *usable_name(char *name)
{
    if (name != NULL && furniture_name(name)) {
        free(name);
        return NULL;
    }
    return name;
}

/* The name of a service page without structured data, from its main
 * content: the h1 of the main content (or of the page, never one inside
 * <noscript>, <nav>, <header>, <footer> or a banner), else the first
 * h2/h3 there, else og:title, else the <title> without the site's name.
 * Furniture ("Home", "Welcome", "JavaScript is disabled") is skipped. */
static char *page_name(xmlNode *root, xmlNode *mainn)
{
    xmlNode *h = find_content(mainn->children, p_h1);
    char *name = usable_name(h != NULL ? hx_node_text(h, HTML_MAX_FIELD) : NULL);
    if (name == NULL && (h = find_content(root, p_h1)) != NULL)
        name = usable_name(hx_node_text(h, HTML_MAX_FIELD));
    if (name == NULL && (h = find_content(mainn->children, p_heading)) != NULL)
        name = usable_name(hx_node_text(h, HTML_MAX_FIELD));
    if (name == NULL && (h = find_first(root, p_og_title)) != NULL) {
        char *c = hx_get_attr(h, "content");
        name = usable_name(trim_site_name(hx_collapse(c, HTML_MAX_FIELD)));
        free(c);
    }
    if (name == NULL)
        name = usable_name(trim_site_name(page_title(root)));
    return name;
}

int feed_read_html(const char *body, size_t len, const char *url,
                   const char *content_type, feed_output *out, sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read_html", "page", err);
    if (chk != SP_OK)
        return chk;
    if (len == 0)
        return SP_OK; /* an empty page has nothing to say */
    htmlDocPtr doc = hx_parse_html(body, len, url, content_type);
    xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (root == NULL) {
        if (doc != NULL)
            xmlFreeDoc(doc);
        return sp_fail(err, SP_EPARSE, "page could not be parsed as HTML");
    }

    /* <base href> changes what relative links mean. */
    char *base = NULL;
    xmlNode *bn = find_first(root, p_base);
    if (bn != NULL) {
        char *h = hx_get_attr(bn, "href");
        base = feed_resolve_url(url, h);
        free(h);
    }
    const char *b = base != NULL ? base : url;

    if (!(out->want & FEED_WANT_RECORDS)) {
        /* Links only (the crawler): no structured data, no heuristics. */
        size_t count = 0;
        hx_collect_links(root, b, out, &count, 0);
        free(base);
        xmlFreeDoc(doc);
        return SP_OK;
    }
    if (out->title == NULL)
        out->title = page_title(root);

    int rc = SP_OK;
    json_t *jl = json_array(), *md = json_array(), *objs = json_array();
    if (jl == NULL || md == NULL || objs == NULL) {
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
        goto done;
    }
    hx_extract_doc(doc, b, jl, md);
    hx_collect_objects(jl, objs, 0);
    for (size_t i = 0; i < json_array_size(md); i++) {
        json_t *ld = hx_md_to_ld(json_array_get(md, i), 0);
        hx_collect_objects(ld, objs, 0);
        json_decref(ld);
    }

    /* The page's text, once: heuristics and gap-filling both use it. */
    xmlNode *mainn = find_first(root, p_main);
    if (mainn == NULL)
        mainn = find_first(root, p_role_main);
    if (mainn == NULL)
        mainn = find_first(root, p_article);
    if (mainn == NULL)
        mainn = find_first(root, p_body);
    if (mainn == NULL)
        mainn = root;
    lines ls = {0};
    sp_buf cur = {0};
    walk_lines(mainn->children, &ls, &cur, 0);
    flush_line(&ls, &cur, 0);
    sp_buf_free(&cur);

    size_t made = 0;
    /* Services first; an organisation or place only when no service is
     * described (it is then what the page is about). */
    for (int pass = 0; pass < 2 && made == 0; pass++) {
        for (size_t i = 0; i < json_array_size(objs) && made < HTML_MAX_RECS; i++) {
            json_t *o = json_array_get(objs, i);
            if (!hx_type_in(o, pass == 0 ? hx_service_types : hx_org_types))
                continue;
            rec_service r;
            rec_service_init(&r);
            if (!hx_rec_from_schema(o, b, url, pass == 1, &r)) {
                rec_service_free(&r);
                continue;
            }
            json_t *id = json_object_get(o, "@id");
            char *local = json_is_string(id) ? sp_strdup(json_string_value(id))
                          : made == 0       ? sp_strdup(url)
                                            : sp_printf("%s#%zu", url ? url : "", made);
            hx_set_prov(&r, url, local);
            free(local);
            if (r.description == NULL && ls.bytes >= HTML_MIN_TEXT) {
                sp_buf d = {0};
                for (size_t k = 0; k < ls.n && d.len < HTML_MAX_TEXT; k++)
                    sp_buf_printf(&d, "%s%s", d.len ? "\n" : "", ls.v[k].text);
                r.description = sp_buf_steal(&d);
            }
            if (made == 0) {
                /* One service on the page: its headings and text fill the
                 * fields the markup left out. */
                heuristics(&r, &ls, root);
            }
            site_org(&r, root);
            rc = feed_add_rec(out, &r);
            rec_service_free(&r);
            if (rc != SP_OK) {
                sp_fail(err, rc, "page records: output limit reached");
                break;
            }
            made++;
        }
    }

    if (made == 0 && rc == SP_OK) {
        /* No structured data: a record only if this reads as a service page. */
        char *name = page_name(root, mainn);
        size_t body_bytes = 0;
        for (size_t k = 0; k < ls.n; k++)
            if (!ls.v[k].heading)
                body_bytes += strlen(ls.v[k].text);
        if (name != NULL && body_bytes >= HTML_MIN_TEXT && looks_like_service(name, &ls)) {
            rec_service r;
            rec_service_init(&r);
            r.name = name;
            name = NULL;
            r.url = hx_resolve_or_null(url, url);
            sp_buf d = {0};
            for (size_t k = 0; k < ls.n && d.len < HTML_MAX_TEXT; k++) {
                if (k == 0 && ls.v[k].heading > 0 && strcmp(ls.v[k].text, r.name) == 0)
                    continue; /* the name is not part of the description */
                sp_buf_printf(&d, "%s%s", d.len ? "\n" : "", ls.v[k].text);
            }
            r.description = d.len ? sp_buf_steal(&d) : NULL;
            sp_buf_free(&d);
            if (r.description != NULL && strlen(r.description) > HTML_MAX_TEXT) {
                size_t k = HTML_MAX_TEXT;
                while (k > 0 && ((unsigned char)r.description[k] & 0xC0) == 0x80)
                    k--;
                r.description[k] = '\0';
            }
            contact_links(&r, mainn, 0);
            heuristics(&r, &ls, root);
            site_org(&r, root);
            hx_set_prov(&r, url, url);
            rc = feed_add_rec(out, &r);
            rec_service_free(&r);
            if (rc != SP_OK)
                sp_fail(err, rc, "page record: output limit reached");
        }
        free(name);
    }
    lines_free(&ls);

    if (rc == SP_OK && (out->want & FEED_WANT_LINKS)) {
        size_t count = 0;
        hx_collect_links(root, b, out, &count, 0);
    }
done:
    json_decref(jl);
    json_decref(md);
    json_decref(objs);
    free(base);
    xmlFreeDoc(doc);
    return rc;
}
