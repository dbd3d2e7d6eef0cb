/*
 * conf.c - sources.conf: the list of sources the crawler harvests
 * (crawl.h; the format is documented in docs/sources-conf.md).
 *
 * An INI-like file: "[source NAME]" starts a source, "key = value" lines
 * set its fields, "[defaults]" sets fields for every source that does not
 * set them itself, '#' and ';' start comment lines.  Parsing is strict (an
 * unknown key or a bad value is an error naming the line) because a typo
 * in a schedule or a budget should not pass silently.
 */
#define _GNU_SOURCE
#include "crawl.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COVERAGE 64

const char *crawl_kind_name(crawl_kind k)
{
    switch (k) {
    case CRAWL_AUTO: return "auto";
    case CRAWL_ORUK: return "oruk";
    case CRAWL_DATAPACKAGE: return "datapackage";
    case CRAWL_RSS: return "rss";
    case CRAWL_SITEMAP: return "sitemap";
    case CRAWL_HTML: return "html";
    }
    return "auto";
}

static int kind_from_name(const char *s)
{
    static const crawl_kind all[] = {CRAWL_AUTO, CRAWL_ORUK, CRAWL_DATAPACKAGE,
                                     CRAWL_RSS, CRAWL_SITEMAP, CRAWL_HTML};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, crawl_kind_name(all[i])))
            return (int)all[i];
    if (!strcmp(s, "atom"))
        return CRAWL_RSS;
    return -1;
}

int64_t crawl_parse_interval(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -1;
    while (*end == ' ')
        end++;
    double mul = 1;
    if (!*end || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else if (!strcmp(end, "d"))
        mul = 86400;
    else
        return -1;
    v *= mul;
    if (v > 366.0 * 86400)
        return -1;
    return (int64_t)llround(v);
}

/* Seconds, possibly fractional ("0.25", "2s", "500ms"); -1 when malformed. */
static double parse_seconds(const char *s, double max)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -1;
    if (!strcmp(end, "ms"))
        v /= 1000;
    else if (*end && strcmp(end, "s"))
        return -1;
    return v > max ? -1 : v;
}

/* Bytes with an optional K/M suffix; 0 when malformed. */
static size_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return 0;
    if (*end == 'K' || *end == 'k') {
        v *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        v *= 1024 * 1024;
        end++;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return 0;
    return (size_t)v;
}

static long parse_long(const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max)
        return LONG_MIN;
    return v;
}

/* yes/no (also true/false, on/off, 1/0): 1 or 0; -1 when neither. */
static int parse_bool(const char *s)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcasecmp(s, yes[i]))
            return 1;
        if (!strcasecmp(s, no[i]))
            return 0;
    }
    return -1;
}

/* Kinds that crawl a site, whose robots.txt sitemaps may seed a pass. */
static bool kind_reads_robots_sitemaps(crawl_kind k)
{
    return k == CRAWL_HTML || k == CRAWL_SITEMAP || k == CRAWL_AUTO;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static bool valid_slug(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* An absolute http(s) URL, checked with libcurl's parser. */
static bool valid_url(const char *s)
{
    if (strlen(s) > 2048)
        return false;
    CURLU *u = curl_url();
    if (!u)
        return false;
    bool ok = false;
    if (curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK) {
        char *scheme = NULL;
        if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
            ok = !strcmp(scheme, "http") || !strcmp(scheme, "https");
        curl_free(scheme);
    }
    curl_url_cleanup(u);
    return ok;
}

static void source_free(crawl_source *s)
{
    free(s->name);
    free(s->url);
    free(s->organisation);
    sp_strv_free(s->coverage, s->n_coverage);
}

void crawl_conf_free(crawl_conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        source_free(&c->v[i]);
    free(c->v);
    free(c);
}

/* Unset markers: fields left at these take the [defaults] value, then the
 * built-in default. */
static void source_unset(crawl_source *s)
{
    memset(s, 0, sizeof *s);
    s->kind = CRAWL_AUTO;
    s->interval = -1;
    s->full_interval = -1;
    s->pages = -1;
    s->depth = -1;
    s->delay = -1;
    s->timeout = -1;
    s->connect_timeout = -1;
    s->retries = -1;
    s->robots_sitemaps = -1;
}

static int set_coverage(crawl_source *s, char *v)
{
    sp_strv_free(s->coverage, s->n_coverage);
    s->coverage = NULL;
    s->n_coverage = 0;
    char *save = NULL;
    for (char *tok = strtok_r(v, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
        if (!valid_slug(tok) || s->n_coverage >= MAX_COVERAGE)
            return -1;
        char **nv = realloc(s->coverage, (s->n_coverage + 1) * sizeof *nv);
        if (!nv)
            return -1;
        s->coverage = nv;
        s->coverage[s->n_coverage] = strdup(tok);
        if (!s->coverage[s->n_coverage])
            return -1;
        s->n_coverage++;
    }
    return s->n_coverage ? 0 : -1;
}

/* allow_private: the non-public ranges this source may reach (guard.c). */
static int set_allow(crawl_source *s, char *v)
{
    s->n_allow = 0;
    char *save = NULL;
    for (char *tok = strtok_r(v, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save))
        if (s->n_allow >= CRAWL_MAX_ALLOW || crawl_cidr_parse(tok, &s->allow[s->n_allow++]))
            return -1;
    return s->n_allow ? 0 : -1;
}

/* Apply key = value to s; returns NULL or what is wrong. */
static const char *set_key(crawl_source *s, bool defaults, const char *key, char *v)
{
    if (!strcmp(key, "url")) {
        if (defaults)
            return "url cannot be a default";
        if (!valid_url(v))
            return "url must be an absolute http:// or https:// URL";
        free(s->url);
        s->url = strdup(v);
    } else if (!strcmp(key, "kind")) {
        int k = kind_from_name(v);
        if (k < 0)
            return "kind must be one of oruk, datapackage, rss, sitemap, html, auto";
        s->kind = (crawl_kind)k;
    } else if (!strcmp(key, "organisation") || !strcmp(key, "organization")) {
        if (strlen(v) > 500)
            return "organisation is longer than 500 bytes";
        free(s->organisation);
        s->organisation = strdup(v);
    } else if (!strcmp(key, "coverage")) {
        if (set_coverage(s, v))
            return "coverage must be up to 64 slugs (borough, sub-region or london), "
                   "separated by spaces or commas";
    } else if (!strcmp(key, "interval")) {
        s->interval = crawl_parse_interval(v);
        if (s->interval < 1)
            return "interval must be a duration like 90s, 15m, 6h or 2d (at least 1s)";
    } else if (!strcmp(key, "full_interval")) {
        s->full_interval = crawl_parse_interval(v);
        if (s->full_interval < 0)
            return "full_interval must be a duration like 1d";
    } else if (!strcmp(key, "pages")) {
        s->pages = parse_long(v, 1, 1000000);
        if (s->pages == LONG_MIN)
            return "pages must be a whole number from 1 to 1000000";
    } else if (!strcmp(key, "depth")) {
        long d = parse_long(v, 0, 10);
        if (d == LONG_MIN)
            return "depth must be a whole number from 0 to 10";
        s->depth = (int)d;
    } else if (!strcmp(key, "delay")) {
        s->delay = parse_seconds(v, 3600);
        if (s->delay < 0)
            return "delay must be seconds (like 1, 0.5 or 250ms), at most 3600";
    } else if (!strcmp(key, "timeout")) {
        s->timeout = parse_seconds(v, 3600);
        if (s->timeout <= 0)
            return "timeout must be seconds above 0, at most 3600";
    } else if (!strcmp(key, "connect_timeout")) {
        s->connect_timeout = parse_seconds(v, 600);
        if (s->connect_timeout <= 0)
            return "connect_timeout must be seconds above 0, at most 600";
    } else if (!strcmp(key, "max_body")) {
        s->max_body = parse_size(v);
        if (s->max_body == 0 || s->max_body > 32u * 1024 * 1024)
            return "max_body must be a size like 10M or 500K, at most 32M";
    } else if (!strcmp(key, "robots_sitemaps")) {
        s->robots_sitemaps = parse_bool(v);
        if (s->robots_sitemaps < 0)
            return "robots_sitemaps must be yes or no";
    } else if (!strcmp(key, "allow_private")) {
        if (set_allow(s, v))
            return "allow_private must be up to 16 addresses or ranges like 127.0.0.2/32, "
                   "10.0.0.0/8 or fd00::/8, separated by spaces or commas";
    } else if (!strcmp(key, "retries")) {
        long r = parse_long(v, 0, 10);
        if (r == LONG_MIN)
            return "retries must be a whole number from 0 to 10";
        s->retries = (int)r;
    } else {
        return "unknown key (see docs/sources-conf.md)";
    }
    return NULL;
}

/* Fill what s left unset from d (the [defaults] section), then built-ins. */
static int apply_defaults(crawl_source *s, const crawl_source *d)
{
    if (!s->organisation && d->organisation) {
        s->organisation = strdup(d->organisation);
        if (!s->organisation)
            return -1;
    }
    if (!s->n_coverage && d->n_coverage) {
        s->coverage = calloc(d->n_coverage, sizeof *s->coverage);
        if (!s->coverage)
            return -1;
        for (size_t i = 0; i < d->n_coverage; i++) {
            s->coverage[i] = strdup(d->coverage[i]);
            if (!s->coverage[i])
                return -1;
            s->n_coverage++;
        }
    }
    if (!s->n_allow) {
        memcpy(s->allow, d->allow, sizeof s->allow);
        s->n_allow = d->n_allow;
    }
#define DEF(f, builtin) \
    if (s->f < 0)       \
        s->f = d->f >= 0 ? d->f : (builtin);
    DEF(interval, 6 * 3600)
    DEF(full_interval, 0) /* every pass full unless asked: see docs/sources-conf.md */
    DEF(pages, 1000)
    DEF(delay, 1.0)
    DEF(timeout, 30.0)
    DEF(connect_timeout, 10.0)
    DEF(retries, 2)
#undef DEF
    if (s->depth < 0) {
        if (d->depth >= 0)
            s->depth = d->depth;
        else
            s->depth = (s->kind == CRAWL_HTML || s->kind == CRAWL_AUTO) ? 2
                       : (s->kind == CRAWL_RSS || s->kind == CRAWL_SITEMAP) ? 1 : 0;
    }
    if (!s->max_body)
        s->max_body = d->max_body ? d->max_body : CRAWL_DEFAULT_MAX_BODY;
    /* A site's robots.txt sitemaps: on for html and sitemap sources unless
     * turned off, off for auto unless turned on, never for the others (an
     * API's or a feed's host is not the site they describe). */
    if (s->robots_sitemaps < 0)
        s->robots_sitemaps = d->robots_sitemaps >= 0 ? d->robots_sitemaps
                             : s->kind == CRAWL_HTML || s->kind == CRAWL_SITEMAP;
    if (!kind_reads_robots_sitemaps(s->kind))
        s->robots_sitemaps = 0;
    return 0;
}

int crawl_conf_parse(const char *text, size_t len, const char *name,
                     crawl_conf **out, sp_err *err)
{
    if (len > CRAWL_MAX_CONF_BYTES)
        return sp_fail(err, SP_ELIMIT, "%s: larger than %u bytes", name,
                       CRAWL_MAX_CONF_BYTES);
    crawl_conf *c = calloc(1, sizeof *c);
    if (!c)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    crawl_source defaults;
    source_unset(&defaults);
    crawl_source *cur = NULL;
    bool in_defaults = false;
    int rc = SP_OK;
    sp_ini it;
    sp_ini_init(&it, text, len);
    char *word, *val;
    for (int kind; !rc && (kind = sp_ini_next(&it, &word, &val)) != SP_INI_END;) {
        int lineno = (int)it.line;
        if (kind == SP_INI_LONG) {
            rc = sp_fail(err, SP_ELIMIT, "%s:%d: line longer than %d bytes", name, lineno,
                         SP_INI_MAX_LINE - 1);
            break;
        }
        if (kind == SP_INI_NUL) {
            rc = sp_fail(err, SP_EPARSE, "%s:%d: NUL byte in line", name, lineno);
            break;
        }
        if (kind == SP_INI_BAD_HEADER) {
            rc = sp_fail(err, SP_EPARSE, "%s:%d: a section header looks like "
                         "[source NAME] or [defaults]", name, lineno);
            break;
        }
        if (kind == SP_INI_SECTION) {
            char *sec = word;
            if (!strcmp(sec, "defaults")) {
                in_defaults = true;
                cur = NULL;
                continue;
            }
            if (strncmp(sec, "source", 6) || !isspace((unsigned char)sec[6])) {
                rc = sp_fail(err, SP_EPARSE, "%s:%d: unknown section [%s]; use [source NAME] "
                             "or [defaults]", name, lineno, sec);
                break;
            }
            char *sname = sp_trim(sec + 6);
            if (!valid_name(sname)) {
                rc = sp_fail(err, SP_EPARSE, "%s:%d: source name '%s' must be 1-64 letters, "
                             "digits, '-', '_' or '.'", name, lineno, sname);
                break;
            }
            for (size_t i = 0; i < c->n; i++)
                if (!strcmp(c->v[i].name, sname)) {
                    rc = sp_fail(err, SP_EPARSE, "%s:%d: source '%s' is already defined at "
                                 "line %d", name, lineno, sname, c->v[i].line);
                    break;
                }
            if (rc)
                break;
            if (c->n >= CRAWL_MAX_SOURCES) {
                rc = sp_fail(err, SP_ELIMIT, "%s:%d: more than %d sources", name, lineno,
                             CRAWL_MAX_SOURCES);
                break;
            }
            crawl_source *nv = realloc(c->v, (c->n + 1) * sizeof *nv);
            if (!nv) {
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
                break;
            }
            c->v = nv;
            cur = &c->v[c->n++];
            source_unset(cur);
            cur->line = lineno;
            cur->name = strdup(sname);
            if (!cur->name)
                rc = sp_fail(err, SP_ENOMEM, "out of memory");
            in_defaults = false;
            continue;
        }
        if (kind == SP_INI_NO_EQUALS) {
            rc = sp_fail(err, SP_EPARSE, "%s:%d: expected 'key = value'", name, lineno);
            break;
        }
        const char *key = word;
        if (!cur && !in_defaults) {
            rc = sp_fail(err, SP_EPARSE, "%s:%d: '%s' outside a section; start one with "
                         "[source NAME]", name, lineno, key);
            break;
        }
        if (!*val) {
            rc = sp_fail(err, SP_EPARSE, "%s:%d: %s has no value", name, lineno, key);
            break;
        }
        const char *why = set_key(in_defaults ? &defaults : cur, in_defaults, key, val);
        if (why)
            rc = sp_fail(err, SP_EPARSE, "%s:%d: %s: %s", name, lineno, key, why);
    }
    for (size_t i = 0; !rc && i < c->n; i++) {
        crawl_source *s = &c->v[i];
        if (!s->url)
            rc = sp_fail(err, SP_EPARSE, "%s:%d: source '%s' has no url", name, s->line,
                         s->name);
        else if (s->robots_sitemaps == 1 && !kind_reads_robots_sitemaps(s->kind))
            rc = sp_fail(err, SP_EPARSE, "%s:%d: source '%s': robots_sitemaps: only html, "
                         "sitemap and auto sources take sitemaps from robots.txt; remove it "
                         "or set kind", name, s->line, s->name);
        else if (apply_defaults(s, &defaults))
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (!rc && c->n == 0)
        rc = sp_fail(err, SP_EPARSE, "%s: no sources; add a [source NAME] section with a url",
                     name);
    source_free(&defaults);
    if (rc) {
        crawl_conf_free(c);
        return rc;
    }
    *out = c;
    return SP_OK;
}

int crawl_conf_load(const char *path, crawl_conf **out, sp_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = sp_read_file(path, CRAWL_MAX_CONF_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = crawl_conf_parse(text, len, path, out, err);
    free(text);
    return rc;
}

char *crawl_source_json(const crawl_source *src)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "name", json_string(src->name));
    json_object_set_new(o, "url", json_string(src->url));
    json_object_set_new(o, "kind", json_string(crawl_kind_name(src->kind)));
    if (src->organisation)
        json_object_set_new(o, "organisation", json_string(src->organisation));
    json_t *cov = json_array();
    for (size_t i = 0; i < src->n_coverage; i++)
        json_array_append_new(cov, json_string(src->coverage[i]));
    json_object_set_new(o, "coverage", cov);
    json_object_set_new(o, "interval", json_integer(src->interval));
    json_object_set_new(o, "pages", json_integer(src->pages));
    json_object_set_new(o, "depth", json_integer(src->depth));
    json_object_set_new(o, "delay", json_real(src->delay));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}
