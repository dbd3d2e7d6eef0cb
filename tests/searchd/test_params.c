/*
 * test_params.c - the parameter table (searchd/params.c) against itself
 * and against docs/api.md.
 *
 * The table: a name has at most one row per endpoint, ranges are sane,
 * every kind has what it needs (words, a vocabulary, a hint), every
 * vocabulary list exists, and the limits are the ones the person model
 * and the index take.  The docs: for every endpoint, the names in its
 * "| parameter |" tables under the heading "GET <endpoint>" in
 * docs/api.md are exactly the names the table gives that endpoint, so a
 * parameter cannot be added, dropped or renamed in one and not the other.
 * Then that searchd's sources read no parameter the table lacks
 * (check_sources).  Then readings of each kind (param_cases.tsv: a
 * parameter, an endpoint, accepted or refused with which words), converted
 * values, person values never echoed, and whole requests (unknown names,
 * repeats, too many).
 *
 * usage: test_params SOURCE_ROOT   (SIGNPOST_DATA: the data folder)
 */
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tcheck.h"
#include "sd_int.h"

/* Every endpoint's bit, 1 << i for i < N_EP. */
#define N_EP 18
#define EP(i) (1u << (i))

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static void check_table(const vocab *v)
{
    for (size_t i = 0; i < sd_n_params; i++) {
        const sd_param *p = &sd_params[i];
        CHECK(p->name && *p->name && p->endpoints && !(p->endpoints & ~SD_EP_ALL));
        for (size_t j = i + 1; j < sd_n_params; j++)
            if (!strcmp(p->name, sd_params[j].name) && (p->endpoints & sd_params[j].endpoints)) {
                fprintf(stderr, "two rows of %s share an endpoint\n", p->name);
                CHECK(0);
            }
        switch (p->kind) {
        case SD_PK_WORD:
            CHECK(p->vocab && *p->vocab);
            break;
        case SD_PK_SLUG: {
            size_t n = 0;
            CHECK(p->hint && p->vocab);
            CHECK(vocab_slugs(v, p->vocab, &n) != NULL && n > 0);
            break;
        }
        case SD_PK_PERSON:
            CHECK(person_is_field(p->vocab));
            CHECK(person_field_repeats(p->vocab) == p->repeat);
            break;
        case SD_PK_UINT:
        case SD_PK_DECIMAL:
        case SD_PK_NUMBER:
            CHECK(p->lo <= p->hi && p->hi > 0);
            break;
        case SD_PK_DAY:
        case SD_PK_PERIOD:
        case SD_PK_HHMM:
        case SD_PK_TIME:
            CHECK(p->hint != NULL);
            break;
        default:
            break;
        }
    }
    /* The limits the person model and the index take, once. */
    const sd_param *m = sd_param_find(SD_EP_SEARCH, "months_unemployed", 17);
    const sd_param *me = sd_param_find(SD_EP_ELIGIBLE, "months_unemployed", 17);
    const sd_param *mc = sd_param_find(SD_EP_COACH, "months", 6);
    CHECK(m && m == me && m->hi == PERSON_MAX_MONTHS && mc && mc->hi == PERSON_MAX_MONTHS);
    const sd_param *a = sd_param_find(SD_EP_SEARCH, "age", 3);
    CHECK(a && a == sd_param_find(SD_EP_COACH, "age", 3) && a->hi == PERSON_MAX_AGE);
    CHECK(sd_param_find(SD_EP_PORTAL, "per_page", 8) == NULL);
    CHECK(sd_param_find(SD_EP_SEARCH, "lang", 4) == NULL);
}

/* The names in the "| parameter |" tables of the section headed
 * "GET <path>" (up to the next heading of its level or above), joined
 * with spaces (each once, in order) into out; false when no such heading. */
static bool doc_names(const char *doc, const char *path, char *out, size_t size)
{
    char head[128];
    snprintf(head, sizeof head, " GET %s\n", path);
    const char *h = doc;
    int level = 0;
    while ((h = strstr(h, head)) != NULL) {
        const char *bol = h;
        while (bol > doc && bol[-1] != '\n')
            bol--;
        level = 0;
        while (bol[level] == '#')
            level++;
        if (level > 0 && bol + level == h)
            break;
        h++;
    }
    out[0] = '\0';
    if (!h)
        return false;
    const char *line = strchr(h, '\n') + 1;
    bool in_table = false;
    while (*line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        int l = 0;
        while (line[l] == '#')
            l++;
        if (l > 0 && l <= level && line[l] == ' ')
            break;
        if (!strncmp(line, "| parameter |", 13))
            in_table = true;
        else if (len == 0 || line[0] != '|')
            in_table = false;
        else if (in_table && line[1] == ' ' && line[2] == '`') {
            const char *cell_end = memchr(line + 1, '|', len - 1);
            for (const char *c = line; c && c < cell_end; c++) {
                if (*c != '`')
                    continue;
                const char *e = memchr(c + 1, '`', (size_t)(cell_end - c - 1));
                if (!e)
                    break;
                char name[64];
                snprintf(name, sizeof name, " %.*s ", (int)(e - c - 1), c + 1);
                if (!strstr(out, name) || !*out) {
                    size_t at = strlen(out);
                    snprintf(out + at, size - at, "%s%.*s ", at ? "" : " ", (int)(e - c - 1),
                             c + 1);
                }
                c = e;
            }
        }
        if (!eol)
            break;
        line = eol + 1;
    }
    return true;
}

static void check_docs(const char *root)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/api.md", root);
    char *doc = slurp(path);
    CHECK(doc != NULL);
    if (!doc)
        return;
    CHECK(SD_EP_ALL == EP(N_EP) - 1);
    for (size_t e = 0; e < N_EP; e++) {
        unsigned ep = EP(e);
        CHECK(sd_endpoint_name(ep) != NULL);
        char in_doc[2048];
        bool found = doc_names(doc, sd_endpoint_name(ep), in_doc, sizeof in_doc);
        if (!found) {
            fprintf(stderr, "docs/api.md has no heading \"GET %s\"\n", sd_endpoint_name(ep));
            CHECK(0);
            continue;
        }
        for (size_t i = 0; i < sd_n_params; i++) {
            const sd_param *p = &sd_params[i];
            char name[64];
            snprintf(name, sizeof name, " %s ", p->name);
            if ((p->endpoints & ep) && !strstr(in_doc, name)) {
                fprintf(stderr, "GET %s takes %s; docs/api.md does not list it\n",
                        sd_endpoint_name(ep), p->name);
                CHECK(0);
            }
        }
        for (char *w = strtok(in_doc, " "); w; w = strtok(NULL, " "))
            if (!sd_param_find(ep, w, strlen(w))) {
                fprintf(stderr, "docs/api.md lists %s for GET %s; the table does not\n", w,
                        sd_endpoint_name(ep));
                CHECK(0);
            }
    }
    free(doc);
}

/* Nothing in searchd reads a query parameter the table does not have.
 * Query values reach a handler only through the table's readers
 * (sd_params_read, sd_search_parse, sd_request_args) or the pages' pg_get
 * and pg_args, so: MHD's query string is read only where it is collected
 * for those (or forwarded unread, or counted to refuse it); no file
 * compares a raw key (key_len ==, memcmp(kv...)); and every name a
 * handler asks for or compares a parameter with (pg_get, sd_args_get,
 * strcmp(name|key|k|a->key, "...")) is a row of the table.  pg_get also
 * answers NULL for a name no page has (searchd/pages.c), at run time. */
static void check_sources(const char *root)
{
    static const char *const collectors[] = {
        "params.c",  /* sd_collect_args: for the table's readers */
        "pages.c",   /* pg_init: the page's args, for pg_get and pg_arg_read */
        "replica.c", /* a write forwarded to the writer, unread */
        "sd_auth.c", /* counted: a write takes its fields in the body */
    };
    static const char *const name_patterns[] = {
        "pg_get\\([^,()]+, \"([^\"]+)\"",
        "sd_args_get\\([^,()]+, [^,()]+, \"([^\"]+)\"",
        "strcmp\\((name|key|k|a->key), \"([^\"]+)\"\\)",
    };
    regex_t re[3], raw;
    for (size_t i = 0; i < 3; i++)
        CHECK(regcomp(&re[i], name_patterns[i], REG_EXTENDED) == 0);
    CHECK(regcomp(&raw, "key_len *==|== *[a-z_.>-]*key_len|memcmp\\([^,]*key, \"",
                  REG_EXTENDED) == 0);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/searchd", root);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    size_t files = 0, names = 0;
    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        size_t len = strlen(de->d_name);
        if (len < 3 || strcmp(de->d_name + len - 2, ".c") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *src = slurp(path);
        CHECK(src != NULL);
        if (!src)
            continue;
        files++;
        bool collects = false;
        for (size_t i = 0; i < sizeof collectors / sizeof *collectors; i++)
            collects |= !strcmp(de->d_name, collectors[i]);
        if (!collects && strstr(src, "MHD_GET_ARGUMENT_KIND")) {
            fprintf(stderr, "searchd/%s reads the query string itself; read parameters "
                            "through the table (params.h)\n", de->d_name);
            CHECK(0);
        }
        bool own = !strcmp(de->d_name, "params.c");
        int line = 1;
        for (char *at = src, *eol; *at; at = eol + 1, line++) {
            eol = strchr(at, '\n');
            if (!eol)
                eol = at + strlen(at);
            char keep = *eol;
            *eol = '\0';
            regmatch_t m[3];
            if (!own && regexec(&raw, at, 0, NULL, 0) == 0) {
                fprintf(stderr, "searchd/%s:%d compares a raw parameter name: %s\n",
                        de->d_name, line, at);
                CHECK(0);
            }
            for (size_t i = 0; i < 3; i++) {
                int g = i == 2 ? 2 : 1;
                for (const char *c = at; regexec(&re[i], c, 3, m, 0) == 0; c += m[0].rm_eo) {
                    const char *name = c + m[g].rm_so;
                    size_t nlen = (size_t)(m[g].rm_eo - m[g].rm_so);
                    names++;
                    if (!sd_param_find(SD_EP_ALL, name, nlen)) {
                        fprintf(stderr, "searchd/%s:%d reads parameter '%.*s', which the "
                                        "table (params.c) does not have\n",
                                de->d_name, line, (int)nlen, name);
                        CHECK(0);
                    }
                }
            }
            *eol = keep;
            if (!keep)
                break;
        }
        free(src);
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < 3; i++)
        regfree(&re[i]);
    regfree(&raw);
    /* The check saw the sources: searchd has dozens of files and names. */
    CHECK(files > 20 && names > 50);
}

/* Read name=value for ep; the return code, the message in msg. */
static int read1(const vocab *v, unsigned ep, const char *name, const char *value, sd_arg *a,
                 char *msg, size_t size)
{
    sd_kv kv = {name, value, strlen(name), value ? strlen(value) : 0};
    msg[0] = '\0';
    return sd_param_read(v, ep, &kv, a, msg, size);
}

/* param_cases.tsv: one parameter for one endpoint, and what happens. */
static void check_cases(const vocab *v, const char *root)
{
    char path[4096], line[2048];
    snprintf(path, sizeof path, "%s/tests/searchd/param_cases.tsv", root);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *col[5] = {0};
        char *at = line;
        for (int i = 0; i < 5 && at; i++) {
            col[i] = at;
            at = strchr(at, '\t');
            if (at)
                *at++ = '\0';
        }
        unsigned ep = 0;
        for (size_t e = 0; e < N_EP; e++)
            if (col[0] && !strcmp(sd_endpoint_name(EP(e)), col[0]))
                ep = EP(e);
        if (!ep || !col[3]) {
            fprintf(stderr, "param_cases.tsv: bad line %s\n", line);
            CHECK(0);
            continue;
        }
        char value[256]; /* %XX decoded, for bytes a text file cannot hold */
        size_t vn = 0;
        for (const char *c = !strcmp(col[2], "(empty)") ? "" : col[2];
             *c && vn < sizeof value - 1; c++) {
            unsigned x;
            if (c[0] == '%' && sscanf(c + 1, "%2x", &x) == 1) {
                value[vn++] = (char)x;
                c += 2;
            } else {
                value[vn++] = *c;
            }
        }
        value[vn] = '\0';
        int want = !strcmp(col[3], "ok") ? SP_OK : !strcmp(col[3], "unknown") ? SP_ENOTFOUND
                                                                              : SP_EINVAL;
        sd_arg a;
        char msg[600];
        sd_kv kv = {col[1], value, strlen(col[1]), vn};
        msg[0] = '\0';
        int rc = sd_param_read(v, ep, &kv, &a, msg, sizeof msg);
        bool ok = rc == want && (!col[4] || strstr(msg, col[4]));
        if (!ok)
            fprintf(stderr, "%s %s=%s: rc %d (want %d), message \"%s\"\n", col[0], col[1],
                    col[2], rc, want, msg);
        CHECK(ok);
    }
    if (f)
        fclose(f);
}

static void check_reading(const vocab *v)
{
    sd_arg a;
    char msg[600];
    /* Converted values. */
    CHECK(read1(v, SD_EP_SEARCH, "sort", "updated", &a, msg, sizeof msg) == SP_OK && a.n == 2);
    CHECK(read1(v, SD_EP_COACH, "s", "9E375382-66C6-57E6-B0CF-0CD5C00FB839", &a, msg,
                sizeof msg) == SP_OK);
    CHECK_STR(a.id, "9e375382-66c6-57e6-b0cf-0cd5c00fb839");
    CHECK(read1(v, SD_EP_HUB, "borough", "E09000012", &a, msg, sizeof msg) == SP_OK);
    CHECK_STR(a.slug, "hackney");
    CHECK(read1(v, SD_EP_SEARCH, "page", "", &a, msg, sizeof msg) == SP_OK && a.empty);
    /* A person's answers are never repeated in a message. */
    CHECK(read1(v, SD_EP_SEARCH, "age", "130", &a, msg, sizeof msg) == SP_EINVAL);
    CHECK(strstr(msg, "age") && !strstr(msg, "130"));
    CHECK(read1(v, SD_EP_ELIGIBLE, "outcome", "secret", &a, msg, sizeof msg) == SP_EINVAL);
    CHECK(strstr(msg, "outcome") && !strstr(msg, "secret"));

    /* A whole request: unknown names, repeats, too many. */
    sd_kv kv[SD_MAX_ARGS + 1];
    sd_arg args[SD_MAX_ARGS + 1];
    size_t n = 0;
    kv[0] = (sd_kv){"limit", "5", 5, 1};
    kv[1] = (sd_kv){"limt", "5", 4, 1};
    CHECK(sd_params_read(v, SD_EP_HUB, 0, kv, 2, args, &n, msg, sizeof msg) == SP_EINVAL);
    CHECK(strstr(msg, "unknown parameter 'limt'; allowed: borough, subregion, group, "
                      "category, limit, days, kind, id, format") != NULL);
    CHECK(sd_params_read(v, SD_EP_HUB_PAGE, SD_PF_IGNORE_UNKNOWN, kv, 2, args, &n, msg,
                         sizeof msg) == SP_OK &&
          n == 0);
    kv[1] = (sd_kv){"limit", "6", 5, 1};
    CHECK(sd_params_read(v, SD_EP_HUB, 0, kv, 2, args, &n, msg, sizeof msg) == SP_EINVAL);
    CHECK(strstr(msg, "limit is given more than once") != NULL);
    kv[0] = (sd_kv){"benefits", "jsa", 8, 3};
    kv[1] = (sd_kv){"benefits", "esa", 8, 3};
    CHECK(sd_params_read(v, SD_EP_ELIGIBLE, 0, kv, 2, args, &n, msg, sizeof msg) == SP_OK &&
          n == 2);
    person pp;
    person_init(&pp);
    CHECK(sd_args_person(v, args, n, &pp, msg, sizeof msg) == SP_OK && pp.p.n_benefits == 2);
    for (size_t i = 0; i <= SD_MAX_ARGS; i++)
        kv[i] = (sd_kv){"q", "x", 1, 1};
    CHECK(sd_params_read(v, SD_EP_SEARCH, 0, kv, SD_MAX_ARGS + 1, args, &n, msg, sizeof msg) ==
          SP_EINVAL);
    CHECK(strstr(msg, "too many query parameters") != NULL);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : getenv("SIGNPOST_SOURCE");
    vocab *v = NULL;
    sp_err err;
    if (!root || vocab_load(NULL, &v, &err) != SP_OK) {
        fprintf(stderr, "usage: test_params SOURCE_ROOT, with SIGNPOST_DATA set\n");
        return 2;
    }
    check_table(v);
    check_docs(root);
    check_sources(root);
    check_cases(v, root);
    check_reading(v);
    vocab_free(v);
    return t_done("test_params");
}
