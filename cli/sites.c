/*
 * sites.c - the sample providers' web server (see sites.h).
 */
#define _GNU_SOURCE
#include "sites.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sites {
    struct MHD_Daemon *d;
    char root[PATH_MAX];
    unsigned port;
};

/* What the test sites serve, by file name ending (case matters). */
static const struct {
    const char *dot, *type;
} content_types[] = {
    {".json", "application/json"},         {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},  {".xml", "application/xml"},
    {".rss", "application/rss+xml"},       {".atom", "application/atom+xml"},
    {".txt", "text/plain; charset=utf-8"}, {".csv", "text/csv; charset=utf-8"},
    {".gz", "application/gzip"},
};

static const char *content_type_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof content_types / sizeof *content_types; i++)
        if (!strcmp(dot, content_types[i].dot))
            return content_types[i].type;
    return "application/octet-stream";
}

/* A regular file under root, by realpath, so no request escapes it. */
static int resolve(const sites *s, const char *rel, char out[PATH_MAX], struct stat *st)
{
    char joined[PATH_MAX * 2];
    size_t rl = strlen(s->root), ql = strlen(rel);
    if (rl + ql + 2 > sizeof joined)
        return 0;
    memcpy(joined, s->root, rl);
    joined[rl] = '/';
    memcpy(joined + rl + 1, rel, ql + 1);
    char real[PATH_MAX];
    if (!realpath(joined, real))
        return 0;
    size_t n = strlen(s->root);
    if (strncmp(real, s->root, n) != 0 || (real[n] != '/' && real[n] != '\0'))
        return 0;
    if (stat(real, st) != 0 || !S_ISREG(st->st_mode))
        return 0;
    memcpy(out, real, strlen(real) + 1);
    return 1;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload, size_t *upload_size, void **state)
{
    sites *s = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    if (strstr(url, "..") || strlen(url) > 1024)
        return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");

    char base[1100];
    snprintf(base, sizeof base, "%s", url + (url[0] == '/'));
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';

    const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
    char cand[6][1200];
    int nc = 0;
    if (page && strspn(page, "0123456789") == strlen(page) && *page && strlen(page) < 8)
        snprintf(cand[nc++], sizeof cand[0], "%s/page-%s.json", base, page);
    snprintf(cand[nc++], sizeof cand[0], "%s", bl ? base : "index.html");
    snprintf(cand[nc++], sizeof cand[0], "%s.json", base);
    snprintf(cand[nc++], sizeof cand[0], "%s/page-1.json", base);
    snprintf(cand[nc++], sizeof cand[0], "%s/index.json", base);
    snprintf(cand[nc++], sizeof cand[0], "%s/index.html", base);

    char path[PATH_MAX];
    struct stat st;
    int found = 0;
    for (int i = 0; i < nc && !found; i++)
        found = resolve(s, cand[i], path, &st);
    if (!found)
        return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");

    char etag[64], lastmod[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_mtime,
             (unsigned long long)st.st_size);
    struct tm tm;
    time_t mt = st.st_mtime;
    gmtime_r(&mt, &tm);
    strftime(lastmod, sizeof lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    int not_modified = (inm && strstr(inm, etag)) || (!inm && ims && !strcmp(ims, lastmod));

    struct MHD_Response *r;
    if (not_modified) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        if (!r)
            close(fd);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", lastmod);
    if (!not_modified)
        MHD_add_response_header(r, "Content-Type", content_type_for(path));
    enum MHD_Result ret = MHD_queue_response(c, not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int sites_start(const char *root, unsigned port, sites **out, sp_err *err)
{
    sites *s = calloc(1, sizeof *s);
    if (!s)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    if (!realpath(root, s->root)) {
        int e = errno;
        free(s);
        return sp_fail(err, SP_EIO, "sample sites folder %s: %s", root, strerror(e));
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
                            NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 64u,
                            MHD_OPTION_END);
    if (!s->d) {
        free(s);
        return sp_fail(err, SP_EIO, "cannot start the sample sites server on 127.0.0.1:%u", port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    *out = s;
    return SP_OK;
}

unsigned sites_port(const sites *s)
{
    return s->port;
}

void sites_stop(sites *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
