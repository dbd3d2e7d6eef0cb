/*
 * files.c - GET /static/X: the portal's CSS, JavaScript and images from
 * web_dir/static/X.  Nothing outside that folder may ever be served, so a
 * path is refused (404) unless every segment is a plain name (no "", ".",
 * "..", dot files, control bytes or backslashes: MHD has already decoded
 * %2e and %2f), and the resolved real path (symlinks followed) still lies
 * under the real path of the static root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_int.h"

#define MAX_STATIC_PATH 512

static const struct {
    const char *ext, *type;
} mime_types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".html", "text/html; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".xml", "application/xml"},
};

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (!strcasecmp(dot, mime_types[i].ext))
                return mime_types[i].type;
    return "application/octet-stream";
}

/* Every segment a plain file name. */
static bool path_is_plain(const char *rest)
{
    size_t len = strlen(rest);
    if (len == 0 || len > MAX_STATIC_PATH)
        return false;
    const char *seg = rest;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || seg[0] == '.')
            return false; /* "", ".", "..", ".git", ".htaccess" */
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)seg[i];
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':')
                return false;
        }
        if (!end)
            return true;
        seg = end + 1;
    }
}

static enum MHD_Result not_found(sd_req *r)
{
    return sd_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such file");
}

enum MHD_Result sd_static(sd_req *r, const char *rest)
{
    const char *root = r->srv->static_root;
    if (!root || !path_is_plain(rest))
        return not_found(r);

    char joined[PATH_MAX];
    int n = snprintf(joined, sizeof joined, "%s/%s", root, rest);
    if (n < 0 || (size_t)n >= sizeof joined)
        return not_found(r);
    char *real = realpath(joined, NULL);
    if (!real)
        return not_found(r);
    size_t rl = strlen(root);
    bool inside = !strncmp(real, root, rl) && real[rl] == '/';
    if (!inside) {
        free(real);
        return not_found(r);
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(real);
    if (fd < 0)
        return not_found(r);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return not_found(r);
    }
    /* MHD closes fd with the response; not when creation fails. */
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", mime_of(rest));
    MHD_add_response_header(resp, "Cache-Control", "public, max-age=300");
    return sd_reply_response(r, MHD_HTTP_OK, resp, false);
}
