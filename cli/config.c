/*
 * config.c - signpost.conf (config.h): parsing with a message per problem
 * naming its line, `signpost config check`, the log file, and sd_notify.
 *
 * The syntax is sources.conf's (docs/sources-conf.md): "key = value" lines,
 * "[section]" headers, '#' or ';' starting a comment line, read with the
 * same line reader (sp_ini in core/sp.h); what the lines mean differs, as
 * sources.conf builds crawl sources.  Parsing is strict, as for
 * sources.conf: an unknown key or a bad value is an error naming the line,
 * because a typo in trusted_proxies or public_url should not pass silently.
 *
 * Readiness: the NOTIFY_SOCKET datagram protocol (sd_notify(3)) is written
 * here rather than linking libsystemd: it is one sendto() of "KEY=VALUE"
 * lines to a Unix socket, documented as a stable interface for exactly this
 * purpose, and the daemon then runs the same with or without systemd.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_CONFIG (256 * 1024)
#define MAX_PROBLEMS 50

typedef enum key_type { K_PATH, K_LISTEN, K_URL, K_PROXIES, K_UINT, K_LOG, K_BOOL, K_RANGES } key_type;

/* Types whose value is stored as a string the config owns. */
#define K_IS_STRING(t) ((t) == K_PATH || (t) == K_LISTEN || (t) == K_URL || (t) == K_PROXIES || (t) == K_RANGES)

static const struct key {
    const char *section; /* "" for the top level */
    const char *name;
    key_type type;
    size_t offset;
    long min, max;
} keys[] = {
    {"", "store", K_PATH, offsetof(config, store), 0, 0},
    {"serve", "listen", K_LISTEN, offsetof(config, listen), 0, 0},
    {"serve", "web", K_PATH, offsetof(config, web), 0, 0},
    {"serve", "public_url", K_URL, offsetof(config, public_url), 0, 0},
    {"serve", "trusted_proxies", K_PROXIES, offsetof(config, trusted_proxies), 0, 0},
    {"serve", "threads", K_UINT, offsetof(config, threads), 1, 256},
    {"serve", "max_connections", K_UINT, offsetof(config, max_connections), 1, 100000},
    {"serve", "timeout", K_UINT, offsetof(config, timeout), 1, 3600},
    {"serve", "access_log", K_LOG, offsetof(config, access_log), 0, 0},
    {"serve", "log_file", K_PATH, offsetof(config, log_file), 0, 0},
    {"serve", "per_client", K_UINT, offsetof(config, per_client), 1, 100000},
    {"serve", "head_timeout", K_UINT, offsetof(config, head_timeout), 1, 3600},
    {"serve", "hub_public", K_BOOL, offsetof(config, hub_public), 0, 0},
    {"serve", "metrics_allow", K_RANGES, offsetof(config, metrics_allow), 0, 0},
    {"serve", "secure_cookies", K_BOOL, offsetof(config, secure_cookies), 0, 0},
    {"serve", "write_limit", K_UINT, offsetof(config, write_limit), 1, 100000},
    {"serve", "replica_of", K_LISTEN, offsetof(config, replica_of), 0, 0},
    {"serve", "writer_url", K_URL, offsetof(config, writer_url), 0, 0},
    {"serve", "replica_max_lag", K_UINT, offsetof(config, replica_max_lag), 1, 86400},
    {"serve", "replication_listen", K_LISTEN, offsetof(config, replication_listen), 0, 0},
    {"crawl", "sources", K_PATH, offsetof(config, sources), 0, 0},
    {"crawl", "log_file", K_PATH, offsetof(config, crawl_log_file), 0, 0},
};

void config_free(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (K_IS_STRING(keys[i].type))
            free(*(char **)((char *)c + keys[i].offset));
    for (size_t i = 0; i < c->n_metrics_ranges; i++)
        free((char *)c->metrics_ranges[i]);
    free(c->path);
    free(c);
}

typedef struct parse_ctx {
    const char *name;
    sp_buf *problems;
    sp_err *err;
    int n;
} parse_ctx;

__attribute__((format(printf, 3, 4))) static void problem(parse_ctx *p, long line,
                                                          const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->n == 0)
        sp_fail(p->err, SP_EINVAL, "%s:%ld: %s", p->name, line, msg);
    if (p->problems && p->n < MAX_PROBLEMS)
        sp_buf_printf(p->problems, "%s:%ld: %s\n", p->name, line, msg);
    p->n++;
}

static void known_keys(const char *section, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!strcmp(keys[i].section, section) && n < size)
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "", keys[i].name);
}

/* Check one value; NULL when fine, else what is wrong. */
static const char *check_value(const struct key *k, const char *v, config *c, char *why,
                               size_t size)
{
    sp_err e;
    sp_err_clear(&e);
    switch (k->type) {
    case K_PATH:
        if (v[0] != '/')
            return "must be an absolute path (it starts with /)";
        return NULL;
    case K_LISTEN: {
        const char *colon = strrchr(v, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || colon == v || !colon[1] || *end || port < 0 || port > 65535)
            return "must be ADDR:PORT or [V6ADDR]:PORT, e.g. 127.0.0.1:8080";
        return NULL;
    }
    case K_URL:
    case K_PROXIES: {
        /* searchd's own parser says what is wrong (ops.c). */
        sd_opts o = {.public_url = k->type == K_URL ? v : NULL,
                     .trusted_proxies = k->type == K_PROXIES ? v : NULL};
        if (sd_check_opts(&o, &e) != SP_OK) {
            snprintf(why, size, "%.300s", e.msg);
            return why;
        }
        return NULL;
    }
    case K_UINT: {
        char *end = NULL;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (!*v || *end || errno || n < k->min || n > k->max) {
            snprintf(why, size, "must be a whole number from %ld to %ld", k->min, k->max);
            return why;
        }
        *(long *)((char *)c + k->offset) = n;
        return NULL;
    }
    case K_BOOL: {
        config_bool *b = (config_bool *)(void *)((char *)c + k->offset);
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on"))
            *b = CONFIG_YES;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off"))
            *b = CONFIG_NO;
        else
            return "must be yes or no";
        return NULL;
    }
    case K_RANGES: {
        /* Split on commas and spaces; each range checked by searchd's own
         * parser, as --metrics-allow is. */
        for (const char *p = v; *p;) {
            size_t n = strcspn(p, ", \t");
            if (n) {
                if (c->n_metrics_ranges >= CONFIG_MAX_RANGES) {
                    snprintf(why, size, "at most %d ranges", CONFIG_MAX_RANGES);
                    return why;
                }
                char *r = strndup(p, n);
                if (!r)
                    return "out of memory";
                if (sd_check_range(r, &e) != SP_OK) {
                    free(r);
                    snprintf(why, size, "%.300s", e.msg);
                    return why;
                }
                c->metrics_ranges[c->n_metrics_ranges++] = r;
            }
            p += n;
            p += strspn(p, ", \t");
        }
        if (!c->n_metrics_ranges)
            return "needs at least one address range, e.g. 127.0.0.0/8";
        return NULL;
    }
    case K_LOG:
        if (!strcmp(v, "off"))
            c->access_log = CONFIG_LOG_OFF;
        else if (!strcmp(v, "text"))
            c->access_log = CONFIG_LOG_TEXT;
        else if (!strcmp(v, "json"))
            c->access_log = CONFIG_LOG_JSON;
        else
            return "must be text, json or off";
        return NULL;
    }
    return NULL;
}

int config_parse(const char *text, size_t len, const char *name, config **out,
                 sp_buf *problems, sp_err *err)
{
    *out = NULL;
    config *c = calloc(1, sizeof *c);
    if (!c)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    parse_ctx p = {name, problems, err, 0};
    bool seen[sizeof keys / sizeof *keys] = {0};
    char section[32] = "";
    bool section_ok = true;
    sp_ini it;
    sp_ini_init(&it, text, len);
    char *key, *val;
    for (int kind; (kind = sp_ini_next(&it, &key, &val)) != SP_INI_END;) {
        long line = it.line;
        if (kind == SP_INI_LONG) {
            problem(&p, line, "line longer than %d bytes", SP_INI_MAX_LINE - 1);
            continue;
        }
        if (kind == SP_INI_NUL) {
            problem(&p, line, "a NUL byte; is this a text file?");
            continue;
        }
        if (kind == SP_INI_BAD_HEADER) {
            problem(&p, line, "a section header is [serve] or [crawl]");
            section_ok = false;
            continue;
        }
        if (kind == SP_INI_SECTION) {
            const char *sec = key;
            section_ok = !strcmp(sec, "serve") || !strcmp(sec, "crawl");
            if (!section_ok)
                problem(&p, line, "unknown section [%.40s]; known: [serve], [crawl]", sec);
            snprintf(section, sizeof section, "%s", section_ok ? sec : "");
            continue;
        }
        if (kind == SP_INI_NO_EQUALS) {
            problem(&p, line, "expected 'key = value', '[section]' or a # comment");
            continue;
        }
        if (!section_ok)
            continue; /* said once at the header */
        const struct key *k = NULL;
        size_t ki = 0;
        for (; ki < sizeof keys / sizeof *keys; ki++)
            if (!strcmp(keys[ki].section, section) && !strcmp(keys[ki].name, key)) {
                k = &keys[ki];
                break;
            }
        if (!k) {
            char known[300];
            known_keys(section, known, sizeof known);
            bool elsewhere = false;
            for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
                if (!strcmp(keys[i].name, key))
                    elsewhere = true;
            problem(&p, line, "unknown key '%.60s' %s%s%s; known here: %s", key,
                    section[0] ? "in [" : "at the top level", section,
                    section[0] ? "]" : "", known);
            if (elsewhere)
                problem(&p, line, "('%.60s' belongs in another section: see signpost.conf(5))",
                        key);
            continue;
        }
        if (seen[ki]) {
            problem(&p, line, "'%s' is set twice", key);
            continue;
        }
        seen[ki] = true;
        if (!*val) {
            problem(&p, line, "'%s' has no value", key);
            continue;
        }
        char why[400];
        const char *bad = check_value(k, val, c, why, sizeof why);
        if (bad) {
            if (k->type == K_URL || k->type == K_PROXIES)
                problem(&p, line, "%s", bad); /* names the key itself */
            else
                problem(&p, line, "%s: %s", key, bad);
            continue;
        }
        if (K_IS_STRING(k->type)) {
            char **slot = (char **)((char *)c + k->offset);
            *slot = sp_strdup(val);
            if (!*slot) {
                config_free(c);
                return sp_fail(err, SP_ENOMEM, "out of memory");
            }
        }
    }
    if (p.n) {
        config_free(c);
        return SP_EINVAL;
    }
    c->path = sp_strdup(name);
    *out = c;
    return SP_OK;
}

int config_load(const char *path, config **out, sp_buf *problems, sp_err *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = sp_read_file(path, MAX_CONFIG, &text, &len, err);
    if (rc != SP_OK) {
        if (problems)
            sp_buf_printf(problems, "%s\n", err ? err->msg : path);
        return rc;
    }
    rc = config_parse(text, len, path, out, problems, err);
    free(text);
    return rc;
}

int config_find(const char *explicit_path, config **out, sp_err *err)
{
    *out = NULL;
    if (explicit_path)
        return config_load(explicit_path, out, NULL, err);
    if (access(CONFIG_DEFAULT_PATH, F_OK) == 0)
        return config_load(CONFIG_DEFAULT_PATH, out, NULL, err);
    return SP_OK;
}

/* The settings a flag overrides, field by field: a string (text) or a
 * number of sd_opts left unset (NULL or 0) takes the config's. */
#define SERVE_FIELD(text, c, o) {text, offsetof(config, c), offsetof(sd_opts, o)}
static const struct {
    bool text;
    size_t conf, opt;
} serve_fields[] = {
    SERVE_FIELD(true, store, store_dir),
    SERVE_FIELD(true, listen, listen),
    SERVE_FIELD(true, web, web_dir),
    SERVE_FIELD(true, public_url, public_url),
    SERVE_FIELD(true, trusted_proxies, trusted_proxies),
    SERVE_FIELD(false, threads, threads),
    SERVE_FIELD(false, max_connections, max_conns),
    SERVE_FIELD(false, timeout, timeout_s),
    SERVE_FIELD(false, per_client, max_per_client),
    SERVE_FIELD(false, head_timeout, head_timeout_s),
    SERVE_FIELD(false, write_limit, write_limit),
    SERVE_FIELD(true, replica_of, replica_of),
    SERVE_FIELD(true, writer_url, writer_url),
    SERVE_FIELD(false, replica_max_lag, replica_max_lag_s),
    SERVE_FIELD(true, replication_listen, replication_listen),
};

void config_serve_opts(const config *c, sd_opts *o)
{
    if (!c)
        return;
    for (size_t i = 0; i < sizeof serve_fields / sizeof *serve_fields; i++) {
        const void *from = (const char *)c + serve_fields[i].conf;
        void *to = (char *)o + serve_fields[i].opt;
        if (serve_fields[i].text && !*(const char **)to)
            *(const char **)to = *(char *const *)from;
        else if (!serve_fields[i].text && !*(unsigned *)to)
            *(unsigned *)to = (unsigned)*(const long *)from;
    }
    if (c->hub_public == CONFIG_YES)
        o->hub_public = true;
    if (c->secure_cookies == CONFIG_YES)
        o->secure_cookies = true;
    if (!o->n_metrics_allow && c->n_metrics_ranges) {
        o->metrics_allow = c->metrics_ranges;
        o->n_metrics_allow = c->n_metrics_ranges;
    }
    if (c->access_log == CONFIG_LOG_OFF)
        o->access_log = false;
    if (c->access_log == CONFIG_LOG_JSON)
        o->log_json = true;
}

int config_open_log(const char *path, sp_err *err)
{
    if (!path)
        return SP_OK;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return sp_fail(err, SP_EIO, "cannot open the log file %s (%s)", path, strerror(errno));
    fflush(stderr);
    int rc = dup2(fd, STDERR_FILENO) < 0 ? sp_fail(err, SP_EIO, "cannot use the log file %s (%s)",
                                                  path, strerror(errno))
                                         : SP_OK;
    close(fd);
    return rc;
}

void config_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path || (path[0] != '/' && path[0] != '@'))
        return;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t plen = strlen(path);
    if (plen >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, plen);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* an abstract socket */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    char msg[512];
    int n;
    if (!strcmp(state, "RELOADING=1")) {
        /* systemd 253's Type=notify-reload wants the time of the request. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        n = snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
                     (unsigned long long)ts.tv_sec * 1000000ull +
                         (unsigned long long)ts.tv_nsec / 1000ull);
    } else {
        n = snprintf(msg, sizeof msg, "%s", state);
    }
    if (n > 0 && (size_t)n < sizeof msg)
        (void)sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen));
    close(fd);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: signpost config check [FILE]\n"
            "\n"
            "Check a signpost.conf (default %s): every unknown\n"
            "section or key and every bad value is reported with its line number.\n"
            "Exit 0 when the file is fine, 1 when it is not.  The keys are documented\n"
            "in docs/operations.md and signpost.conf(5).\n",
            CONFIG_DEFAULT_PATH);
}

int cmd_config(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "check") || argc > 3) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *path = argc == 3 ? argv[2] : CONFIG_DEFAULT_PATH;
    config *c = NULL;
    sp_buf problems = {0};
    sp_err err;
    sp_err_clear(&err);
    int rc = config_load(path, &c, &problems, &err);
    if (rc == SP_OK) {
        printf("%s: OK\n", path);
        if (c->store && access(c->store, F_OK) != 0)
            printf("%s: note: store %s does not exist yet (crawl or index creates it)\n", path,
                   c->store);
        config_free(c);
        return CLI_OK;
    }
    fputs(problems.len ? sp_buf_cstr(&problems) : err.msg, stderr);
    if (!problems.len)
        fputc('\n', stderr);
    sp_buf_free(&problems);
    return CLI_FAIL;
}
