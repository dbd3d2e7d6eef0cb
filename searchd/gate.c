/*
 * gate.c - searchd's accept loop, in front of libmicrohttpd.
 *
 * Why it exists: MHD answers a request line that does not fit its
 * per-connection memory pool with its own HTML 414 and an abrupt close, so
 * a client sending a 10 MB query string gets HTML (or a reset) instead of a
 * JSON error.  Making the pool big enough is no cure: MHD zeroes the whole
 * pool after every request, so a 16 MB pool costs milliseconds and 16 MB of
 * RAM per keep-alive connection.  Instead this thread accepts connections
 * itself and, before handing a socket to MHD (MHD_add_connection), peeks
 * (MSG_PEEK, nothing consumed) at the first bytes until it sees the end of
 * the request head (the blank line after the headers).  A request line
 * longer than GATE_LINE_MAX gets a JSON 414 here, a head longer than
 * GATE_HEAD_MAX a JSON 431; the rest of the oversized request is then read
 * and thrown away (bounded in bytes and time) so the client sees the answer
 * rather than a reset.
 *
 * Only a connection's first request passes the gate; later requests on a
 * keep-alive connection that overflow the pool meet MHD's own 414.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sd_int.h"

#define GATE_LINE_MAX (SD_MAX_URI + 64) /* "GET " target " HTTP/1.1\r\n" */
#define GATE_HEAD_MAX (24 * 1024)       /* request line + headers; fits MHD's pool */
#define GATE_MAX_PENDING 1024           /* beyond: straight to MHD */
#define GATE_DRAIN_MAX (64u * 1024 * 1024)
#define GATE_DRAIN_SECONDS 10

typedef struct gate_conn {
    int fd;
    bool draining;
    size_t drained;
    uint64_t deadline_us;
    struct sockaddr_storage addr;
    socklen_t addrlen;
} gate_conn;

struct sd_gate {
    struct sd_server *srv;
    int lfd, epfd, wakefd;
    pthread_t thread;
    unsigned timeout_s;
    gate_conn *pending[GATE_MAX_PENDING];
    size_t n_pending;
    char peek[GATE_HEAD_MAX];
    char sink[65536];
};

/* epoll tags for the two non-connection descriptors */
static char tag_listen, tag_wake;

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void forget(struct sd_gate *g, gate_conn *c, bool close_fd)
{
    epoll_ctl(g->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (close_fd)
        close(c->fd);
    for (size_t i = 0; i < g->n_pending; i++)
        if (g->pending[i] == c) {
            g->pending[i] = g->pending[--g->n_pending];
            break;
        }
    free(c);
}

static void hand_over(struct sd_gate *g, int fd, const struct sockaddr *addr, socklen_t len)
{
    /* MHD owns (and on failure closes) fd from here. */
    MHD_add_connection(g->srv->mhd, fd, addr, len);
}

static const char too_long_body[] =
    "{\"error\":{\"code\":\"uri_too_long\",\"message\":\"the request line is too long: "
    "the request target takes at most 16384 bytes and q at most 1000\"}}";
static const char too_large_body[] =
    "{\"error\":{\"code\":\"headers_too_large\",\"message\":\"the request headers are too "
    "large: at most 24576 bytes with the request line\"}}";

static void reject(struct sd_gate *g, gate_conn *c, unsigned status)
{
    const char *body = status == 414 ? too_long_body : too_large_body;
    size_t blen = strlen(body);
    char head[768];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %u %s\r\n"
                     "Content-Type: application/json; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n"
                     "Connection: close\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Referrer-Policy: no-referrer\r\n"
                     "X-Frame-Options: DENY\r\n"
                     "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; "
                     "sandbox\r\n"
                     "\r\n",
                     status, status == 414 ? "URI Too Long" : "Request Header Fields Too Large",
                     blen);
    /* Small enough for any socket buffer; a short write only loses the
     * courtesy, never correctness. */
    if (n > 0 && send(c->fd, head, (size_t)n, MSG_NOSIGNAL) == n)
        send(c->fd, body, blen, MSG_NOSIGNAL);
    shutdown(c->fd, SHUT_WR);
    c->draining = true;
    c->deadline_us = mono_us() + GATE_DRAIN_SECONDS * 1000000u;
    sd_count_request(g->srv, SD_R_OTHER, status, 0.0);
    sd_access_log_refused(g->srv, status, (long long)blen);
}

/* Read and discard what an oversized request still sends. */
static void drain(struct sd_gate *g, gate_conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, g->sink, sizeof g->sink, 0);
        if (n > 0) {
            c->drained += (size_t)n;
            if (c->drained > GATE_DRAIN_MAX) {
                forget(g, c, true);
                return;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        forget(g, c, true); /* EOF or error: done */
        return;
    }
}

static void on_readable(struct sd_gate *g, gate_conn *c)
{
    if (c->draining) {
        drain(g, c);
        return;
    }
    ssize_t n = recv(c->fd, g->peek, sizeof g->peek, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        forget(g, c, true);
        return;
    }
    const char *nl = memchr(g->peek, '\n', (size_t)n);
    if (nl ? nl - g->peek >= GATE_LINE_MAX : (size_t)n >= GATE_LINE_MAX) {
        reject(g, c, 414);
        drain(g, c);
        return;
    }
    /* The head ends at a blank line ("\n\r\n" or "\n\n"). */
    if (nl && (memmem(g->peek, (size_t)n, "\n\r\n", 3) || memmem(g->peek, (size_t)n, "\n\n", 2))) {
        int fd = c->fd;
        struct sockaddr_storage addr = c->addr;
        socklen_t len = c->addrlen;
        forget(g, c, false);
        hand_over(g, fd, (struct sockaddr *)&addr, len);
        return;
    }
    if ((size_t)n >= sizeof g->peek) {
        reject(g, c, 431);
        drain(g, c);
        return;
    }
    /* else: a partial head; edge-triggered epoll tells us when more comes */
}

static void accept_all(struct sd_gate *g)
{
    for (;;) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(g->lfd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of descriptors: the listening socket stays readable,
                 * so pause instead of spinning; connections closing will
                 * free some. */
                struct timespec pause = {0, 20 * 1000 * 1000};
                nanosleep(&pause, NULL);
            }
            return; /* EAGAIN: all accepted */
        }
        gate_conn *c = g->n_pending < GATE_MAX_PENDING ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            hand_over(g, fd, (struct sockaddr *)&addr, len);
            continue;
        }
        c->fd = fd;
        c->addr = addr;
        c->addrlen = len;
        c->deadline_us = mono_us() + (uint64_t)g->timeout_s * 1000000u;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            free(c);
            hand_over(g, fd, (struct sockaddr *)&addr, len);
            continue;
        }
        g->pending[g->n_pending++] = c;
    }
}

static void expire(struct sd_gate *g)
{
    uint64_t now = mono_us();
    for (size_t i = 0; i < g->n_pending;) {
        gate_conn *c = g->pending[i];
        if (now >= c->deadline_us)
            forget(g, c, true); /* swaps the last one into slot i */
        else
            i++;
    }
}

static void *gate_main(void *arg)
{
    struct sd_gate *g = arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(g->epfd, evs, 64, 200);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &tag_wake)
                return NULL;
            if (p == &tag_listen)
                accept_all(g);
            else
                on_readable(g, p);
        }
        expire(g);
    }
    return NULL;
}

int sd_gate_start(struct sd_server *s, int lfd, unsigned timeout_s, sp_err *err)
{
    struct sd_gate *g = calloc(1, sizeof *g);
    if (!g)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    g->srv = s;
    g->lfd = lfd;
    g->timeout_s = timeout_s;
    g->epfd = epoll_create1(EPOLL_CLOEXEC);
    g->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event el = {.events = EPOLLIN, .data.ptr = &tag_listen};
    struct epoll_event ew = {.events = EPOLLIN, .data.ptr = &tag_wake};
    if (g->epfd < 0 || g->wakefd < 0 || epoll_ctl(g->epfd, EPOLL_CTL_ADD, lfd, &el) != 0 ||
        epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->wakefd, &ew) != 0 ||
        pthread_create(&g->thread, NULL, gate_main, g) != 0) {
        int e = errno;
        if (g->epfd >= 0)
            close(g->epfd);
        if (g->wakefd >= 0)
            close(g->wakefd);
        free(g);
        return sp_fail(err, SP_ERROR, "cannot start the accept loop: %s", strerror(e));
    }
    s->gate = g;
    return SP_OK;
}

void sd_gate_stop(struct sd_server *s)
{
    struct sd_gate *g = s->gate;
    if (!g)
        return;
    uint64_t one = 1;
    if (write(g->wakefd, &one, sizeof one) < 0)
        perror("searchd: waking the accept loop");
    pthread_join(g->thread, NULL);
    while (g->n_pending)
        forget(g, g->pending[0], true);
    close(g->epfd);
    close(g->wakefd);
    free(g);
    s->gate = NULL;
}
