/*
 * test_cases.c - runs a table of reader cases (the .cases files in tests/feeds/data):
 * each case reads an input file through feed_read and checks the return
 * code, the error message and values in the result, addressed by paths
 * like recs[0].organization.name.  See the head of oruk.cases.
 *
 * usage: test_cases FILE.cases   (inputs are looked up beside FILE)
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed_int.h"
#include "tcheck.h"

static const char *kind_name(feed_link_kind k)
{
    static const char *const names[] = {"page", "next", "detail", "sitemap", "feed"};
    return (unsigned)k < 5 ? names[k] : "?";
}

/* The reader's whole output as one JSON document for path lookups. */
static json_t *result_json(const feed_output *o)
{
    json_t *recs = json_array(), *links = json_array();
    for (size_t i = 0; i < o->n_recs; i++)
        json_array_append_new(recs, rec_to_json(&o->recs[i]));
    for (size_t i = 0; i < o->n_links; i++)
        json_array_append_new(links, json_pack("{s:s,s:s}", "url", o->links[i].url, "kind",
                                               kind_name(o->links[i].kind)));
    json_t *j = json_pack("{s:I,s:I,s:I,s:b,s:I,s:o,s:I,s:o}", "page", (json_int_t)o->page,
                          "total_pages", (json_int_t)o->total_pages, "total_items",
                          (json_int_t)o->total_items, "shallow", o->shallow, "n_recs",
                          (json_int_t)o->n_recs, "recs", recs, "n_links",
                          (json_int_t)o->n_links, "links", links);
    json_object_set_new(j, "version", o->version ? json_string(o->version) : json_null());
    json_object_set_new(j, "title", o->title ? json_string(o->title) : json_null());
    return j;
}

/* Walk "a.b[2].c" from j; NULL when any step is missing. */
static json_t *lookup(json_t *j, const char *path)
{
    const char *p = path;
    while (j != NULL && *p != '\0') {
        size_t n = strcspn(p, ".[");
        if (n > 0) {
            char key[128];
            if (n >= sizeof key)
                return NULL;
            memcpy(key, p, n);
            key[n] = '\0';
            j = json_object_get(j, key);
            p += n;
        }
        while (j != NULL && *p == '[') {
            char *end = NULL;
            long i = strtol(p + 1, &end, 10);
            if (end == NULL || *end != ']' || i < 0)
                return NULL;
            j = json_array_get(j, (size_t)i);
            p = end + 1;
        }
        if (*p == '.')
            p++;
    }
    return j;
}

typedef struct tcase {
    char *name, *input, *url, *format, *ctype;
} tcase;

static void tcase_free(tcase *c)
{
    free(c->name);
    free(c->input);
    free(c->url);
    free(c->format);
    free(c->ctype);
    memset(c, 0, sizeof *c);
}

/* Replace *dst with a copy of s. */
static void set(char **dst, const char *s)
{
    free(*dst);
    *dst = sp_strdup(s);
}

static const char *dir_of_cases;
static feed_output out;
static int last_rc;
static sp_err last_err;
static json_t *result;
static bool ran;

static void run_case(const tcase *c)
{
    if (ran)
        return;
    ran = true;
    char *path = sp_printf("%s/%s", dir_of_cases, c->input ? c->input : "");
    char *body = NULL;
    size_t len = 0;
    sp_err e = {0};
    if (sp_read_file(path, FEED_MAX_BODY, &body, &len, &e) != SP_OK) {
        fprintf(stderr, "case '%s': %s\n", c->name, e.msg);
        t_failures++;
    }
    free(path);
    int f = c->format ? feed_format_from_name(c->format) : FEED_ORUK;
    feed_output_init(&out);
    sp_err_clear(&last_err);
    last_rc = feed_read((feed_format)f, body ? body : "", len, c->url, c->ctype, &out,
                        &last_err);
    free(body);
    result = result_json(&out);
}

static void end_case(void)
{
    if (ran) {
        json_decref(result);
        feed_output_free(&out);
    }
    ran = false;
    result = NULL;
}

static void fail(const tcase *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(const tcase *c, int line, const char *fmt, ...)
{
    t_failures++;
    fprintf(stderr, "line %d, case '%s': ", line, c->name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_cases FILE.cases\n");
        return 2;
    }
    char *dir = sp_strdup(argv[1]);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        strcpy(dir, ".");
    dir_of_cases = dir;

    FILE *f = fopen(argv[1], "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    char line[4096];
    int lineno = 0, ncases = 0;
    tcase c;
    bool in_case = false;
    memset(&c, 0, sizeof c);
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "case ", 5) == 0) {
            end_case();
            tcase_free(&c);
            set(&c.name, line + 5);
            in_case = true;
            ncases++;
            continue;
        }
        if (!in_case)
            continue;
        if (strncmp(line, "input ", 6) == 0) {
            set(&c.input, line + 6);
        } else if (strncmp(line, "url ", 4) == 0) {
            set(&c.url, line + 4);
        } else if (strncmp(line, "format ", 7) == 0) {
            set(&c.format, line + 7);
        } else if (strncmp(line, "ctype ", 6) == 0) {
            set(&c.ctype, line + 6);
        } else if (strncmp(line, "rc ", 3) == 0) {
            run_case(&c);
            t_checks++;
            if (strcmp(sp_code_name(last_rc), line + 3) != 0)
                fail(&c, lineno, "rc is %s (%s), expected %s", sp_code_name(last_rc),
                     last_err.msg, line + 3);
        } else if (strncmp(line, "error ~ ", 8) == 0) {
            run_case(&c);
            t_checks++;
            if (strstr(last_err.msg, line + 8) == NULL)
                fail(&c, lineno, "error \"%s\" lacks \"%s\"", last_err.msg, line + 8);
        } else if (strstr(line, " = ") != NULL) {
            run_case(&c);
            char *eq = strstr(line, " = ");
            *eq = '\0';
            json_error_t je;
            json_t *want = json_loads(eq + 3, JSON_DECODE_ANY, &je);
            json_t *got = lookup(result, line);
            t_checks++;
            if (want == NULL) {
                fail(&c, lineno, "expected value is not JSON");
            } else if (got == NULL && json_is_null(want)) {
                /* "= null" means absent: empty fields are omitted */
            } else if (got == NULL || !json_equal(got, want)) {
                char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                fail(&c, lineno, "%s is %s, expected %s", line, g ? g : "(missing)", eq + 3);
                free(g);
            }
            json_decref(want);
        } else {
            fprintf(stderr, "line %d: cannot read '%s'\n", lineno, line);
            t_failures++;
        }
    }
    end_case();
    tcase_free(&c);
    fclose(f);
    free(dir);
    printf("%d cases\n", ncases);
    return t_done("test_cases");
}
