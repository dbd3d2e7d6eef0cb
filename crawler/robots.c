/*
 * robots.c - robots.txt parsing and matching (RFC 9309); see robots.h for
 * the rules and bounds, docs/robots.md for the choices made.
 *
 * The parsed form keeps groups in file order.  Because a group is a run of
 * user-agent lines followed by its rules, each group's agents and rules are
 * contiguous slices of two flat arrays, so matching needs no allocation
 * beyond a copy of the path.
 */
#define _GNU_SOURCE /* memmem */
#include "robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROBOTS_MAX_DELAY 86400.0

typedef struct {
    char *pat;  /* escaped pattern, NUL-terminated */
    size_t len; /* its length: the rule's priority */
    int allow;
} robots_rule;

typedef struct {
    size_t agent0, nagents; /* slice of robots->agents */
    size_t rule0, nrules;   /* slice of robots->rules */
    int global;             /* a "User-agent: *" line is in the group */
    double delay;           /* -1 when the group gives none */
} robots_group;

enum { MODE_RULES = 0, MODE_ALLOW_ALL, MODE_DISALLOW_ALL };

struct robots {
    int mode;
    int truncated;
    robots_group *groups;
    size_t ngroups, capgroups;
    char **agents; /* product tokens, as written (compared ignoring case) */
    size_t nagents, capagents;
    robots_rule *rules;
    size_t nrules, caprules;
    char **sitemaps;
    size_t nsitemaps, capsitemaps;
};

int robots_for_status(int http_status)
{
    if (http_status >= 200 && http_status < 300)
        return ROBOTS_PARSE;
    /* 429 is "slow down", not "no robots.txt": treating it as unavailable
     * would turn a rate limit into permission to crawl everything. */
    if (http_status == 429)
        return ROBOTS_DISALLOW_ALL;
    if (http_status >= 300 && http_status < 500)
        return ROBOTS_ALLOW_ALL;
    return ROBOTS_DISALLOW_ALL;
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Case-insensitive "s starts with prefix". */
static int starts_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return 0;
    return 1;
}

/* Trim ASCII whitespace from both ends of the NUL-terminated *s in place. */
static void strip(char **s)
{
    char *p = *s;
    while (is_ws((unsigned char)*p))
        p++;
    size_t n = strlen(p);
    while (n > 0 && is_ws((unsigned char)p[n - 1]))
        p[--n] = '\0';
    *s = p;
}

/* Percent-encode bytes >= 0x80 and upper-case the hex of existing %xx
 * escapes, so "/ツ", "/%e3%83%84" and "/%E3%83%84" are one pattern.
 * Caller frees the result. */
static char *escape_pattern(const char *v, size_t *out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(v);
    char *out = malloc(n * 3 + 1); /* n <= ROBOTS_MAX_LINE */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '%' && i + 2 < n && is_hex((unsigned char)v[i + 1]) &&
            is_hex((unsigned char)v[i + 2])) {
            out[o++] = '%';
            out[o++] = (char)toupper((unsigned char)v[i + 1]);
            out[o++] = (char)toupper((unsigned char)v[i + 2]);
            i += 2;
        } else if (c >= 0x80) {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Split a line (comment already removed) into key and value.  Returns 0 when
 * the line has no key.  As most parsers do, a missing colon is tolerated
 * when the line is exactly two words ("disallow /"): the intent is plain. */
static int split_line(char *line, char **key, char **value)
{
    strip(&line);
    char *sep = strchr(line, ':');
    if (!sep) {
        sep = strpbrk(line, " \t");
        if (!sep)
            return 0;
        const char *val = sep + strspn(sep, " \t");
        if (strpbrk(val, " \t"))
            return 0;
    }
    *sep = '\0';
    *key = line;
    strip(key);
    *value = sep + 1;
    strip(value);
    return **key != '\0';
}

enum { KEY_UNKNOWN, KEY_AGENT, KEY_ALLOW, KEY_DISALLOW, KEY_SITEMAP, KEY_DELAY };

/* Keys match by case-insensitive prefix and accept the common misspellings
 * seen in the wild, so a typo does not silently drop a rule. */
static int key_kind(const char *k)
{
    static const struct {
        const char *name;
        int kind;
    } keys[] = {
        {"user-agent", KEY_AGENT}, {"useragent", KEY_AGENT},   {"user agent", KEY_AGENT},
        {"allow", KEY_ALLOW},      {"disallow", KEY_DISALLOW}, {"dissallow", KEY_DISALLOW},
        {"dissalow", KEY_DISALLOW}, {"disalow", KEY_DISALLOW}, {"diasllow", KEY_DISALLOW},
        {"disallaw", KEY_DISALLOW}, {"sitemap", KEY_SITEMAP}, {"site-map", KEY_SITEMAP},
        {"crawl-delay", KEY_DELAY}, {"crawldelay", KEY_DELAY}, {"crawl delay", KEY_DELAY},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (starts_ci(k, keys[i].name))
            return keys[i].kind;
    return KEY_UNKNOWN;
}

typedef struct {
    robots_t *r;
    int in_agents; /* the last group line was a user-agent line */
    int have_group;
} parse_state;

static int add_group(robots_t *r)
{
    if (sp_grow(&r->groups, &r->capgroups, r->ngroups + 1, sizeof *r->groups, 16))
        return SP_ENOMEM;
    robots_group *g = &r->groups[r->ngroups++];
    g->agent0 = r->nagents;
    g->nagents = 0;
    g->rule0 = r->nrules;
    g->nrules = 0;
    g->global = 0;
    g->delay = -1;
    return SP_OK;
}

/* Append a copy of s[0..n) to the string list (*v, *nv, *cap) of r;
 * SP_ELIMIT when it holds max already, and then r is marked truncated. */
static int push_str(robots_t *r, char ***v, size_t *nv, size_t *cap, size_t max, const char *s,
                    size_t n)
{
    if (*nv >= max) {
        r->truncated = 1;
        return SP_ELIMIT;
    }
    if (sp_grow(v, cap, *nv + 1, sizeof **v, 16))
        return SP_ENOMEM;
    char *c = sp_strndup(s, n);
    if (!c)
        return SP_ENOMEM;
    (*v)[(*nv)++] = c;
    return SP_OK;
}

static int on_agent(parse_state *st, const char *value)
{
    robots_t *r = st->r;
    if (!st->have_group || !st->in_agents) {
        if (r->nagents >= ROBOTS_MAX_AGENTS) {
            r->truncated = 1;
            return SP_OK;
        }
        if (add_group(r))
            return SP_ENOMEM;
        st->have_group = 1;
        st->in_agents = 1;
    }
    robots_group *g = &r->groups[r->ngroups - 1];
    /* "* something" is still the wildcard: the rest is a stray comment. */
    if (value[0] == '*' && (value[1] == '\0' || is_ws((unsigned char)value[1]))) {
        g->global = 1;
        return SP_OK;
    }
    size_t n = 0;
    while (isalpha((unsigned char)value[n]) || value[n] == '_' || value[n] == '-')
        n++;
    if (n == 0) /* not a product token: the line still opens the group */
        return SP_OK;
    int rc = push_str(r, &r->agents, &r->nagents, &r->capagents, ROBOTS_MAX_AGENTS, value, n);
    if (rc == SP_OK)
        g->nagents++;
    return rc == SP_ELIMIT ? SP_OK : rc;
}

static int on_rule(parse_state *st, int allow, const char *value)
{
    robots_t *r = st->r;
    if (!st->have_group)
        return SP_OK; /* rules before any user-agent line belong to no group */
    st->in_agents = 0;
    if (*value == '\0')
        return SP_OK; /* an empty pattern matches nothing */
    if (r->nrules >= ROBOTS_MAX_RULES) {
        r->truncated = 1;
        return SP_OK;
    }
    if (sp_grow(&r->rules, &r->caprules, r->nrules + 1, sizeof *r->rules, 16))
        return SP_ENOMEM;
    size_t len = 0;
    char *pat = escape_pattern(value, &len);
    if (!pat)
        return SP_ENOMEM;
    robots_rule *rule = &r->rules[r->nrules++];
    rule->pat = pat;
    rule->len = len;
    rule->allow = allow;
    r->groups[r->ngroups - 1].nrules++;
    return SP_OK;
}

static int on_delay(parse_state *st, const char *value)
{
    /* Crawl-delay does not end a run of user-agent lines (crawler-commons'
     * crawl-delay-group-merging fixture; Google ignores it altogether), so
     * "User-agent: a / Crawl-delay: 5 / User-agent: b" is one group. */
    if (!st->have_group)
        return SP_OK;
    char *end = NULL;
    double d = strtod(value, &end);
    /* d == d rejects NaN; "inf" clamps below. */
    if (end == value || !(d == d) || d < 0)
        return SP_OK;
    if (d > ROBOTS_MAX_DELAY)
        d = ROBOTS_MAX_DELAY;
    robots_group *g = &st->r->groups[st->r->ngroups - 1];
    if (g->delay < 0)
        g->delay = d;
    return SP_OK;
}

static int on_sitemap(robots_t *r, const char *value)
{
    if (*value == '\0')
        return SP_OK;
    for (size_t i = 0; i < r->nsitemaps; i++)
        if (!strcmp(r->sitemaps[i], value))
            return SP_OK;
    int rc = push_str(r, &r->sitemaps, &r->nsitemaps, &r->capsitemaps, ROBOTS_MAX_SITEMAPS,
                      value, strlen(value));
    return rc == SP_ELIMIT ? SP_OK : rc;
}

/* One line; line is a writable NUL-terminated copy. */
static int parse_line(parse_state *st, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *key = NULL, *value = NULL;
    if (!split_line(line, &key, &value))
        return SP_OK;
    switch (key_kind(key)) {
    case KEY_AGENT:
        return on_agent(st, value);
    case KEY_ALLOW:
        return on_rule(st, 1, value);
    case KEY_DISALLOW:
        return on_rule(st, 0, value);
    case KEY_DELAY:
        return on_delay(st, value);
    case KEY_SITEMAP:
        return on_sitemap(st->r, value);
    default:
        return SP_OK; /* unknown records are ignored and do not end a group */
    }
}

static robots_t *robots_new(int mode)
{
    robots_t *r = calloc(1, sizeof *r);
    if (r)
        r->mode = mode;
    return r;
}

int robots_parse(const char *body, size_t len, robots_t **out, sp_err *err)
{
    if (!out || (!body && len))
        return sp_fail(err, SP_EINVAL, "robots_parse: no output or no body");
    robots_t *r = robots_new(MODE_RULES);
    if (!r)
        return sp_fail(err, SP_ENOMEM, "robots.txt: out of memory");
    if (len > ROBOTS_MAX_BYTES) {
        /* Drop the line the limit cuts: half a rule can mean the opposite
         * of the whole one ("Allow: /p" from "Allow: /public"). */
        size_t cut = ROBOTS_MAX_BYTES;
        while (cut > 0 && body[cut - 1] != '\n' && body[cut - 1] != '\r')
            cut--;
        len = cut;
        r->truncated = 1;
    }
    char *line = malloc(ROBOTS_MAX_LINE + 1);
    if (!line) {
        robots_free(r);
        return sp_fail(err, SP_ENOMEM, "robots.txt: out of memory");
    }
    parse_state st = {r, 0, 0};
    size_t pos = 0;
    /* A UTF-8 byte order mark, even a partial one, is skipped. */
    static const unsigned char bom[] = {0xEF, 0xBB, 0xBF};
    for (size_t b = 0; pos < len && b < sizeof bom && (unsigned char)body[pos] == bom[b]; b++)
        pos++;
    size_t nlines = 0;
    int rc = SP_OK;
    while (pos < len) {
        if (++nlines > ROBOTS_MAX_LINES) {
            r->truncated = 1;
            break;
        }
        size_t start = pos;
        while (pos < len && body[pos] != '\n' && body[pos] != '\r')
            pos++;
        size_t n = pos - start;
        /* \n, \r and \r\n all end a line. */
        if (pos < len && body[pos] == '\r' && pos + 1 < len && body[pos + 1] == '\n')
            pos++;
        if (pos < len)
            pos++;
        if (n > ROBOTS_MAX_LINE)
            n = ROBOTS_MAX_LINE;
        memcpy(line, body + start, n);
        line[n] = '\0'; /* an embedded NUL ends the line early, harmlessly */
        rc = parse_line(&st, line);
        if (rc)
            break;
    }
    free(line);
    if (rc) {
        robots_free(r);
        return sp_fail(err, rc, "robots.txt: out of memory");
    }
    *out = r;
    return SP_OK;
}

int robots_from_status(int http_status, const char *body, size_t len, robots_t **out,
                       sp_err *err)
{
    if (!out)
        return sp_fail(err, SP_EINVAL, "robots_from_status: no output");
    int action = robots_for_status(http_status);
    if (action == ROBOTS_PARSE)
        return robots_parse(body, len, out, err);
    robots_t *r = robots_new(action == ROBOTS_ALLOW_ALL ? MODE_ALLOW_ALL : MODE_DISALLOW_ALL);
    if (!r)
        return sp_fail(err, SP_ENOMEM, "robots.txt: out of memory");
    *out = r;
    return SP_OK;
}

void robots_free(robots_t *r)
{
    if (!r)
        return;
    sp_strv_free(r->agents, r->nagents);
    for (size_t i = 0; i < r->nrules; i++)
        free(r->rules[i].pat);
    sp_strv_free(r->sitemaps, r->nsitemaps);
    free(r->rules);
    free(r->groups);
    free(r);
}

int robots_truncated(const robots_t *r)
{
    return r ? r->truncated : 0;
}

const char *const *robots_sitemaps(const robots_t *r, size_t *n)
{
    if (n)
        *n = r ? r->nsitemaps : 0;
    return r ? (const char *const *)r->sitemaps : NULL;
}

/* The caller's product token: its agent string up to the first '/',
 * without surrounding whitespace.  Sets *len; returns the start. */
static const char *agent_token(const char *agent, size_t *len)
{
    if (!agent)
        agent = "";
    while (is_ws((unsigned char)*agent))
        agent++;
    size_t n = strcspn(agent, "/");
    while (n > 0 && is_ws((unsigned char)agent[n - 1]))
        n--;
    *len = n;
    return agent;
}

static int group_names(const robots_t *r, const robots_group *g, const char *tok, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < g->nagents; i++) {
        const char *a = r->agents[g->agent0 + i];
        if (strlen(a) == n && !strncasecmp(a, tok, n))
            return 1;
    }
    return 0;
}

/* The path, parameters and query of url_or_path, from its first '/', '?' or
 * ';' after the authority, up to any '#'; "/" when there is none.  Written
 * out by hand rather than with curl_url because robots matching must see
 * the bytes as given (curl would re-encode and remove dot segments), and
 * because paths without a scheme and host are accepted too.  %xx escapes
 * are upper-cased, matching what escape_pattern does to patterns.
 * Caller frees; NULL when out of memory or longer than ROBOTS_MAX_PATH. */
static char *url_path(const char *url)
{
    size_t start = 0, ulen = strlen(url);
    if (ulen >= 2 && url[0] == '/' && url[1] == '/')
        start = 2; /* scheme-relative: skip the "//" before the host */
    size_t early = start + strcspn(url + start, "/?;");
    const char *proto = strstr(url + start, "://");
    size_t after = start;
    if (proto && (size_t)(proto - url) < early)
        after = (size_t)(proto - url) + 3;
    size_t pstart = after + strcspn(url + after, "/?;");
    const char *hash = strchr(url + start, '#');
    size_t hpos = hash ? (size_t)(hash - url) : ulen;
    const char *src = "/";
    size_t n = 1;
    int lead = 0;
    if (pstart < ulen && hpos > pstart) {
        src = url + pstart;
        n = hpos - pstart;
        lead = url[pstart] != '/'; /* "?q" becomes "/?q" */
    }
    if (n + (size_t)lead > ROBOTS_MAX_PATH)
        return NULL;
    char *p = malloc(n + (size_t)lead + 1);
    if (!p)
        return NULL;
    size_t o = 0;
    if (lead)
        p[o++] = '/';
    for (size_t i = 0; i < n; i++) {
        p[o++] = src[i];
        if (src[i] == '%' && i + 2 < n && is_hex((unsigned char)src[i + 1]) &&
            is_hex((unsigned char)src[i + 2])) {
            p[o++] = (char)toupper((unsigned char)src[i + 1]);
            p[o++] = (char)toupper((unsigned char)src[i + 2]);
            i += 2;
        }
    }
    p[o] = '\0';
    return p;
}

/* Find needle[0..nn) in hay[0..hn); returns offset or -1. */
static long find(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0)
        return 0;
    if (nn > hn)
        return -1;
    const char *p = memmem(hay, hn, needle, nn);
    return p ? (long)(p - hay) : -1;
}

/* Does pattern pat[0..plen) match a prefix of path[0..n)?  '*' matches any
 * run of bytes; a final '$' anchors the end.  Literal segments between '*'
 * are matched at their leftmost position, which is optimal when '*' is the
 * only wildcard, so the cost is linear: no backtracking to exploit. */
static int pattern_matches(const char *pat, size_t plen, const char *path, size_t n)
{
    int anchored = plen > 0 && pat[plen - 1] == '$';
    if (anchored)
        plen--;
    size_t seg_end = 0;
    while (seg_end < plen && pat[seg_end] != '*')
        seg_end++;
    /* First segment: must be a prefix of the path. */
    if (seg_end > n || memcmp(pat, path, seg_end) != 0)
        return 0;
    if (seg_end == plen) /* no '*' */
        return anchored ? seg_end == n : 1;
    size_t pos = seg_end;
    size_t i = seg_end;
    for (;;) {
        while (i < plen && pat[i] == '*')
            i++;
        size_t s = i;
        while (i < plen && pat[i] != '*')
            i++;
        size_t slen = i - s;
        if (i == plen) { /* last segment */
            if (!anchored)
                return find(path + pos, n - pos, pat + s, slen) >= 0;
            return slen <= n - pos && memcmp(path + n - slen, pat + s, slen) == 0;
        }
        long at = find(path + pos, n - pos, pat + s, slen);
        if (at < 0)
            return 0;
        pos += (size_t)at + slen;
    }
}

typedef struct {
    long allow, disallow; /* longest matching pattern of each kind, -1: none */
} verdict;

static void apply_rules(const robots_t *r, const robots_group *g, const char *path, size_t n,
                        verdict *v)
{
    for (size_t i = 0; i < g->nrules; i++) {
        const robots_rule *rule = &r->rules[g->rule0 + i];
        long *best = rule->allow ? &v->allow : &v->disallow;
        if ((long)rule->len <= *best)
            continue; /* cannot beat what already matched */
        if (pattern_matches(rule->pat, rule->len, path, n))
            *best = (long)rule->len;
    }
}

int robots_match(const robots_t *r, const char *agent, const char *url_or_path)
{
    if (!r || r->mode == MODE_ALLOW_ALL)
        return 1;
    if (r->mode == MODE_DISALLOW_ALL)
        return 0;
    char *path = url_path(url_or_path ? url_or_path : "");
    if (!path)
        return 0;
    size_t n = strlen(path);
    size_t tlen = 0;
    const char *tok = agent_token(agent, &tlen);
    verdict spec = {-1, -1}, glob = {-1, -1};
    int named = 0;
    for (size_t i = 0; i < r->ngroups; i++) {
        const robots_group *g = &r->groups[i];
        if (group_names(r, g, tok, tlen)) {
            named = 1;
            apply_rules(r, g, path, n, &spec);
        } else if (g->global) {
            apply_rules(r, g, path, n, &glob);
        }
    }
    free(path);
    const verdict *v = named ? &spec : &glob;
    if (v->disallow < 0)
        return 1;
    return v->allow >= v->disallow; /* allow wins a tie */
}

int robots_allowed(const robots_t *r, const char *agent, const char *url_or_path)
{
    if (!r || r->mode != MODE_RULES)
        return robots_match(r, agent, url_or_path);
    char *path = url_path(url_or_path ? url_or_path : "");
    if (!path)
        return 0;
    /* RFC 9309 2.2.2: "/robots.txt" is implicitly allowed (query aside). */
    int implicit = !strncmp(path, "/robots.txt", 11) && (path[11] == '\0' || path[11] == '?');
    free(path);
    if (implicit)
        return 1;
    return robots_match(r, agent, url_or_path);
}

double robots_crawl_delay(const robots_t *r, const char *agent)
{
    if (!r || r->mode != MODE_RULES)
        return -1;
    size_t tlen = 0;
    const char *tok = agent_token(agent, &tlen);
    double named = -1, glob = -1;
    int any_named = 0;
    for (size_t i = 0; i < r->ngroups; i++) {
        const robots_group *g = &r->groups[i];
        if (group_names(r, g, tok, tlen)) {
            any_named = 1;
            if (named < 0)
                named = g->delay;
        } else if (g->global && glob < 0) {
            glob = g->delay;
        }
    }
    return any_named ? named : glob;
}
