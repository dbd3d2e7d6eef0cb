/*
 * test_robots.c - tests of crawler/robots.h and `signpost robots`.
 *
 *   test_robots conformance SKIPFILE [SIGNPOST]
 *       every case of Google's robots.txt conformance suite
 *       ($SIGNPOST_SHARED/conformance/robotstxt/robotstxt-spec-test.jsonl)
 *       through the library, except the cases listed in SKIPFILE; with
 *       SIGNPOST, also a sample of them through the real command.
 *   test_robots commons
 *       parse every crawler-commons robots.txt fixture; none may crash, and
 *       queries on each must answer.
 *   test_robots cases CASEFILE
 *       our own table of cases (see the top of cases.txt for the format).
 *   test_robots cli SIGNPOST
 *       exit codes and --help of `signpost robots`.
 *
 * Exits 0 on success, 1 on a failure, 77 when $SIGNPOST_SHARED is absent
 * for the modes that need it.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robots.h"
#include "sp.h"

#define SKIP_EXIT 77

static const char *shared_dir(void)
{
    const char *s = getenv("SIGNPOST_SHARED");
    struct stat st;
    if (!s || stat(s, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return s;
}

/* Decode standard base64; returns a malloc'd buffer and its length. */
static unsigned char *b64_decode(const char *in, size_t *out_len)
{
    size_t n = strlen(in);
    unsigned char *out = malloc(n / 4 * 3 + 3);
    if (!out)
        return NULL;
    unsigned int acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)in[i], v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            continue; /* '=' padding and whitespace */
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xFF);
        }
    }
    *out_len = o;
    return out;
}

/* Run SIGNPOST robots --agent A --url U FILE; returns the exit status and
 * puts the first line of stdout in out. */
static int run_cli(const char *exe, char *const args[], char *out, size_t outsz)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execv(exe, args);
        _exit(127);
    }
    close(fd[1]);
    size_t o = 0;
    char tmp[4096];
    for (;;) {
        ssize_t r = read(fd[0], tmp, sizeof tmp);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && o + 1 < outsz; i++)
            out[o++] = tmp[i];
    }
    out[o] = '\0';
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = '\0';
    close(fd[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

/* skip.txt: "file<TAB>test_index<TAB>useragent<TAB>url<TAB>reason" lines. */
typedef struct {
    char *key; /* file\ttest_index\tuseragent\turl */
    int used;
} skip_entry;

static skip_entry *load_skips(const char *path, size_t *n)
{
    char *body = NULL;
    size_t len = 0;
    sp_err err = {0};
    *n = 0;
    if (sp_read_file(path, 1 << 20, &body, &len, &err)) {
        fprintf(stderr, "robots: %s\n", err.msg);
        return NULL;
    }
    skip_entry *v = calloc(len + 1, sizeof *v);
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        /* Keep the first four tab-separated fields. */
        char *p = line;
        for (int t = 0; t < 4 && p; t++) {
            p = strchr(p, '\t');
            if (p && t < 3)
                p++;
        }
        if (p)
            *p = '\0';
        v[(*n)++].key = sp_strdup(line);
    }
    free(body);
    return v;
}

static int conformance(const char *skipfile, const char *exe)
{
    const char *shared = shared_dir();
    if (!shared) {
        printf("robots: SIGNPOST_SHARED not found; skipped\n");
        return SKIP_EXIT;
    }
    char *path = sp_printf("%s/conformance/robotstxt/robotstxt-spec-test.jsonl", shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("robots: %s missing; skipped\n", path);
        free(path);
        return SKIP_EXIT;
    }
    size_t nskips = 0;
    skip_entry *skips = load_skips(skipfile, &nskips);
    if (!skips) {
        fclose(f);
        free(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int total = 0, passed = 0, skipped = 0, failed = 0, cli_runs = 0, cli_failed = 0;
    char tmpl[] = "/tmp/robots-test-XXXXXX";
    char *tmpdir = exe ? mkdtemp(tmpl) : NULL;
    while (getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *c = json_loads(line, 0, &jerr);
        if (!c) {
            fprintf(stderr, "robots: bad JSON line: %s\n", jerr.text);
            failed++;
            continue;
        }
        total++;
        const char *file = json_string_value(json_object_get(c, "file"));
        int idx = (int)json_integer_value(json_object_get(c, "test_index"));
        const char *b64 = json_string_value(json_object_get(c, "robotstxt_b64"));
        const char *ua = json_string_value(json_object_get(c, "useragent"));
        const char *url = json_string_value(json_object_get(c, "url"));
        const char *expected = json_string_value(json_object_get(c, "expected"));
        if (!file || !b64 || !ua || !url || !expected) {
            fprintf(stderr, "robots: case %d lacks a field\n", total);
            failed++;
            json_decref(c);
            continue;
        }
        char *key = sp_printf("%s\t%d\t%s\t%s", file, idx, ua, url);
        int skip = 0;
        for (size_t i = 0; i < nskips; i++)
            if (!strcmp(skips[i].key, key)) {
                skips[i].used = 1;
                skip = 1;
            }
        free(key);
        if (skip) {
            skipped++;
            json_decref(c);
            continue;
        }
        size_t blen = 0;
        unsigned char *body = b64_decode(b64, &blen);
        robots_t *r = NULL;
        sp_err err = {0};
        int want = !strcmp(expected, "ALLOWED");
        if (!body || robots_parse((const char *)body, blen, &r, &err)) {
            fprintf(stderr, "FAIL %s #%d: parse failed: %s\n", file, idx, err.msg);
            failed++;
        } else {
            int got = robots_match(r, ua, url);
            if (got == want) {
                passed++;
            } else {
                failed++;
                fprintf(stderr, "FAIL %s #%d agent '%s' url '%s': want %s got %s\n", file, idx,
                        ua, url, expected, got ? "ALLOWED" : "DISALLOWED");
            }
            /* A sample through the real command, where the rules alone and
             * the implicit /robots.txt allow agree. */
            if (tmpdir && total % 37 == 1 && !strstr(url, "robots.txt") && ua[0]) {
                char *bpath = sp_printf("%s/robots.txt", tmpdir);
                char out[256];
                char *args[] = {(char *)exe, "robots",  "--agent", (char *)ua,
                                "--url",     (char *)url, bpath,    NULL};
                int st = write_file(bpath, body, blen) ? -1 : run_cli(exe, args, out, sizeof out);
                cli_runs++;
                if (st != 0 || strcmp(out, want ? "allowed" : "disallowed") != 0) {
                    cli_failed++;
                    fprintf(stderr, "FAIL cli %s #%d: exit %d, printed '%s'\n", file, idx, st, out);
                }
                unlink(bpath);
                free(bpath);
            }
        }
        robots_free(r);
        free(body);
        json_decref(c);
    }
    free(line);
    fclose(f);
    free(path);
    if (tmpdir)
        rmdir(tmpdir);
    int unused = 0;
    for (size_t i = 0; i < nskips; i++) {
        if (!skips[i].used) {
            fprintf(stderr, "FAIL skip.txt entry matches no case: %s\n", skips[i].key);
            unused++;
        }
        free(skips[i].key);
    }
    free(skips);
    printf("robots: %d/%d passed, %d skipped\n", passed, total, skipped);
    if (exe)
        printf("robots: %d/%d sampled cases passed through `signpost robots`\n",
               cli_runs - cli_failed, cli_runs);
    if (total != 400)
        fprintf(stderr, "FAIL expected 400 cases, read %d\n", total);
    return (failed || unused || cli_failed || total != 400 || (exe && cli_runs < 5)) ? 1 : 0;
}

static int commons(void)
{
    const char *shared = shared_dir();
    if (!shared) {
        printf("robots: SIGNPOST_SHARED not found; skipped\n");
        return SKIP_EXIT;
    }
    char *dir = sp_printf("%s/conformance/crawler-commons/robots", shared);
    DIR *d = opendir(dir);
    if (!d) {
        printf("robots: %s missing; skipped\n", dir);
        free(dir);
        return SKIP_EXIT;
    }
    int files = 0, failed = 0;
    for (;;) {
        struct dirent *e = readdir(d);
        if (!e)
            break;
        if (e->d_name[0] == '.')
            continue;
        char *p = sp_printf("%s/%s", dir, e->d_name);
        char *body = NULL;
        size_t len = 0;
        sp_err err = {0};
        robots_t *r = NULL;
        if (sp_read_file(p, 1 << 24, &body, &len, &err) || robots_parse(body, len, &r, &err)) {
            fprintf(stderr, "FAIL %s: %s\n", e->d_name, err.msg);
            failed++;
        } else {
            static const char *agents[] = {"*", "mybot", "Googlebot", "Signpost/0.1", ""};
            static const char *urls[] = {"/", "/private/x", "https://h/a?b#c", "", "/robots.txt"};
            for (size_t a = 0; a < 5; a++) {
                for (size_t u = 0; u < 5; u++) {
                    int v = robots_allowed(r, agents[a], urls[u]);
                    if (v != 0 && v != 1)
                        failed++;
                }
                (void)robots_crawl_delay(r, agents[a]);
            }
            size_t n = 0;
            const char *const *maps = robots_sitemaps(r, &n);
            for (size_t i = 0; i < n; i++)
                if (!maps[i] || !maps[i][0])
                    failed++;
            files++;
        }
        robots_free(r);
        free(body);
        free(p);
    }
    closedir(d);
    free(dir);
    printf("robots: %d crawler-commons fixtures parsed and queried, %d failures\n", files, failed);
    return (failed || files == 0) ? 1 : 0;
}

/*
 * cases.txt: blocks separated by lines "== NAME".  After the name line, the
 * robots.txt body follows verbatim up to a line "--" (or, instead of a body,
 * a line "@file RELPATH" names a file under $SIGNPOST_SHARED/conformance,
 * or "@status N" builds the robots_t from an HTTP status with an empty body).
 * In a body, "\r" and "\xNN" are unescaped; a line "@repeat N TEXT" repeats
 * TEXT (unescaped) plus a newline N times.  After "--", one check a line:
 *   allow AGENT URL | disallow AGENT URL   (robots_allowed)
 *   match AGENT URL | nomatch AGENT URL    (robots_match)
 *   delay AGENT SECONDS                    (robots_crawl_delay; -1 = none)
 *   sitemaps N                             (count)
 *   sitemap I URL                          (the I-th, from 0)
 *   truncated 0|1
 * AGENT "-" stands for the empty string.
 */
static size_t unescape(const char *in, char *out)
{
    size_t o = 0;
    for (size_t i = 0; in[i]; i++) {
        if (in[i] == '\\' && in[i + 1] == 'r') {
            out[o++] = '\r';
            i++;
        } else if (in[i] == '\\' && in[i + 1] == 'x' && in[i + 2] && in[i + 3]) {
            char h[3] = {in[i + 2], in[i + 3], 0};
            out[o++] = (char)strtol(h, NULL, 16);
            i += 3;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

typedef struct {
    const char *name;
    int checks, failed;
} case_ctx;

static void check(case_ctx *cx, int ok, const char *line)
{
    cx->checks++;
    if (!ok) {
        cx->failed++;
        fprintf(stderr, "FAIL [%s] %s\n", cx->name, line);
    }
}

static void run_check(case_ctx *cx, const robots_t *r, char *line)
{
    char verb[32] = "", a[512] = "", b[4096] = "";
    int n = sscanf(line, "%31s %511s %4095s", verb, a, b);
    if (n < 2) {
        check(cx, 0, line);
        return;
    }
    const char *agent = strcmp(a, "-") ? a : "";
    const char *url = n >= 3 ? b : "";
    if (!strcmp(verb, "allow"))
        check(cx, robots_allowed(r, agent, url) == 1, line);
    else if (!strcmp(verb, "disallow"))
        check(cx, robots_allowed(r, agent, url) == 0, line);
    else if (!strcmp(verb, "match"))
        check(cx, robots_match(r, agent, url) == 1, line);
    else if (!strcmp(verb, "nomatch"))
        check(cx, robots_match(r, agent, url) == 0, line);
    else if (!strcmp(verb, "delay"))
        check(cx, robots_crawl_delay(r, agent) == strtod(url, NULL), line);
    else if (!strcmp(verb, "sitemaps")) {
        size_t cnt = 0;
        robots_sitemaps(r, &cnt);
        check(cx, cnt == (size_t)atol(a), line);
    } else if (!strcmp(verb, "sitemap")) {
        size_t cnt = 0;
        const char *const *m = robots_sitemaps(r, &cnt);
        size_t i = (size_t)atol(a);
        check(cx, i < cnt && !strcmp(m[i], url), line);
    } else if (!strcmp(verb, "truncated"))
        check(cx, robots_truncated(r) == atoi(a), line);
    else
        check(cx, 0, line);
}

static int cases(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    sp_err err = {0};
    if (sp_read_file(path, 1 << 20, &text, &len, &err)) {
        fprintf(stderr, "robots: %s\n", err.msg);
        return 1;
    }
    const char *shared = shared_dir();
    int ncases = 0, nskipped = 0, checks = 0, failed = 0;
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    while (line) {
        if (strncmp(line, "== ", 3) != 0) {
            line = strtok_r(NULL, "\n", &save);
            continue;
        }
        case_ctx cx = {line + 3, 0, 0};
        sp_buf body = {0};
        int status = 0, has_status = 0, skip = 0;
        /* Blank lines matter inside a body, and strtok_r skips them, so the
         * body is read with strsep-like scanning of the remaining text. */
        char *p = save;
        for (;;) {
            if (!p || !*p)
                break;
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            char *cur = p;
            p = nl ? nl + 1 : NULL;
            if (!strcmp(cur, "--"))
                break;
            if (!strncmp(cur, "@status ", 8)) {
                status = atoi(cur + 8);
                has_status = 1;
            } else if (!strncmp(cur, "@file ", 6)) {
                if (!shared) {
                    skip = 1;
                    continue;
                }
                char *fp = sp_printf("%s/conformance/%s", shared, cur + 6);
                char *fb = NULL;
                size_t fl = 0;
                if (sp_read_file(fp, 1 << 24, &fb, &fl, &err) == SP_OK)
                    sp_buf_append(&body, fb, fl);
                else
                    check(&cx, 0, cur);
                free(fb);
                free(fp);
            } else if (!strncmp(cur, "@repeat ", 8)) {
                char *rest = NULL;
                long times = strtol(cur + 8, &rest, 10);
                if (rest && *rest == ' ')
                    rest++;
                char *u = malloc(strlen(rest) + 2);
                size_t ul = unescape(rest, u);
                u[ul++] = '\n';
                for (long i = 0; i < times; i++)
                    sp_buf_append(&body, u, ul);
                free(u);
            } else {
                char *u = malloc(strlen(cur) + 2);
                size_t ul = unescape(cur, u);
                u[ul++] = '\n';
                sp_buf_append(&body, u, ul);
                free(u);
            }
        }
        robots_t *r = NULL;
        int rc = has_status ? robots_from_status(status, body.data, body.len, &r, &err)
                        : robots_parse(body.data, body.len, &r, &err);
        if (rc)
            check(&cx, 0, "parse");
        /* Checks up to the next "== " line. */
        line = p ? strtok_r(p, "\n", &save) : NULL;
        while (line && strncmp(line, "== ", 3) != 0) {
            if (line[0] != '#' && r && !skip)
                run_check(&cx, r, line);
            line = strtok_r(NULL, "\n", &save);
        }
        if (skip)
            nskipped++;
        robots_free(r);
        sp_buf_free(&body);
        ncases++;
        checks += cx.checks;
        failed += cx.failed;
    }
    free(text);
    printf("robots: %d cases (%d skipped without SIGNPOST_SHARED), %d/%d checks passed\n",
           ncases, nskipped, checks - failed, checks);
    return (failed || checks == 0) ? 1 : 0;
}

static int cli(const char *exe)
{
    char out[4096];
    int failed = 0;
    char tmpl[] = "/tmp/robots-cli-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir)
        return 1;
    char *f = sp_printf("%s/robots.txt", dir);
    const char *body = "User-agent: *\nDisallow: /private\nCrawl-delay: 2\n"
                       "Sitemap: https://example.org/sitemap.xml\n";
    if (write_file(f, body, strlen(body)))
        return 1;
    struct {
        char *args[10];
        int status;
        const char *out; /* first line of stdout, or NULL: not checked */
    } t[] = {
        {{"signpost", "robots", "--help"}, 0, "usage: signpost robots --agent UA --url URL [--verbose] FILE"},
        {{"signpost", "robots", "--agent", "Signpost/0.1", "--url", "https://example.org/private/x", f}, 0, "disallowed"},
        {{"signpost", "robots", "--agent=Signpost", "--url=/public", f}, 0, "allowed"},
        {{"signpost", "robots", "--agent", "x", "--url", "/robots.txt", f}, 0, "allowed"},
        {{"signpost", "robots", "--verbose", "--agent", "x", "--url", "/", f}, 0, "allowed"},
        {{"signpost", "robots", "--url", "/", f}, 2, NULL},
        {{"signpost", "robots", "--agent", "x", f}, 2, NULL},
        {{"signpost", "robots", "--agent", "x", "--url", "/"}, 2, NULL},
        {{"signpost", "robots", "--agent", "x", "--url", "/", f, f}, 2, NULL},
        {{"signpost", "robots", "--bogus", "--agent", "x", "--url", "/", f}, 2, NULL},
        {{"signpost", "robots", "--agent"}, 2, NULL},
        {{"signpost", "robots", "--agent", "x", "--url", "/", "/nonexistent/robots.txt"}, 1, NULL},
    };
    size_t n = sizeof t / sizeof t[0];
    for (size_t i = 0; i < n; i++) {
        int st = run_cli(exe, t[i].args, out, sizeof out);
        if (st != t[i].status || (t[i].out && strcmp(out, t[i].out) != 0)) {
            fprintf(stderr, "FAIL cli case %zu: exit %d (want %d), printed '%s'\n", i, st,
                    t[i].status, out);
            failed++;
        }
    }
    unlink(f);
    free(f);
    rmdir(dir);
    printf("robots: %zu/%zu cli cases passed\n", n - (size_t)failed, n);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "conformance"))
        return conformance(argv[2], argc >= 4 ? argv[3] : NULL);
    if (argc >= 2 && !strcmp(argv[1], "commons"))
        return commons();
    if (argc >= 3 && !strcmp(argv[1], "cases"))
        return cases(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "cli"))
        return cli(argv[2]);
    fprintf(stderr, "usage: test_robots conformance SKIPFILE [SIGNPOST] | commons | "
                    "cases CASEFILE | cli SIGNPOST\n");
    return 2;
}
