/*
 * gate.c - searchd's accept loop, in front of libmicrohttpd: it decides
 * which connections MHD gets, and when.
 *
 * Why it exists:
 *
 * - Exhaustion.  MHD (0.9.75, Debian 12's) deadlocks for good when a
 *   connection handed over with MHD_add_connection meets its connection
 *   limit (docs/security.md has the reproducer), and its idle timeout
 *   restarts on every byte, so a client dripping a header line every few
 *   seconds holds a slot forever (slowloris).  So MHD never sees a
 *   connection before its whole first request head is in, and never more
 *   connections than it can hold: the gate counts the connections MHD has
 *   (sd_gate_closed, from MHD's notify-connection callback), queues a
 *   ready connection while MHD is full, and answers 503 with Retry-After
 *   when the wait would outlast the head deadline.  Each connection has a
 *   fixed total deadline for its head from the moment it is accepted; a
 *   drip cannot extend it.  One client address (an IPv6 /64) may hold at
 *   most max_per_client connections, here and in MHD together.
 *
 * - Framing.  The head is checked against RFC 9112 (frame.c) before MHD
 *   parses it: ambiguous framing gets a 400 here.
 *
 * - Sizes.  MHD answers a request line that does not fit its
 *   per-connection memory pool with its own HTML 414 and an abrupt close,
 *   and making the pool big enough is no cure (MHD zeroes it after every
 *   request).  The gate peeks (MSG_PEEK, nothing consumed) at the head; a
 *   request line longer than GATE_LINE_MAX gets a JSON 414, a head longer
 *   than GATE_HEAD_MAX a JSON 431.
 *
 * Every refusal reads the rest of what the client sends (bounded in bytes
 * and time) before closing, so the client sees the answer, not a reset.
 * Only a connection's first request passes the gate; later requests on a
 * keep-alive connection are MHD's, bounded by its idle timeout, and when
 * MHD is three quarters full or anyone waits here, searchd stops keeping
 * connections alive (sd_gate_busy) so slots turn over to the clients
 * queued here, a client with nothing in MHD first.  The gate also keeps
 * the requests in MHD at once to a few per worker (max_active): MHD's
 * workers answer one request at a time each, so the queue belongs here,
 * where it is fair, not in front of a worker.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sd_int.h"

#define GATE_LINE_MAX (SD_MAX_URI + 64) /* "GET " target " HTTP/1.1\r\n" */
#define GATE_HEAD_MAX (24 * 1024)       /* request line + headers; fits MHD's pool */
#define GATE_PENDING_MAX 8192           /* connections waiting for their head */
#define GATE_DRAIN_MAX (64u * 1024 * 1024)
#define GATE_DRAIN_SECONDS 5
#define GATE_CLIENT_BUCKETS 4096
#define GATE_FD_RESERVE 64 /* descriptors kept for index files, logs, MHD */
#define Q_FIRST 0
#define Q_REST 1

typedef enum { C_HEAD, C_READY, C_DRAIN } conn_state;

typedef struct gate_conn {
    int fd;
    conn_state state;
    size_t slot; /* index in pending */
    size_t drained;
    uint64_t deadline_us;
    struct gate_conn *rnext, *rprev; /* its queue of ready connections */
    int queue;                       /* which: Q_FIRST or Q_REST */
    struct client *cl; /* its client; alive while c holds a count */
    struct sockaddr_storage addr;
    socklen_t addrlen;
} gate_conn;

/* Connections per client address (here and in MHD). */
typedef struct client {
    unsigned char key[17];
    unsigned count;      /* here and in MHD; under the gate's mutex */
    atomic_uint in_mhd;  /* of which in MHD */
    unsigned first;      /* of which in the gate's Q_FIRST (gate thread only) */
    struct client *next;
} client;

struct sd_gate {
    struct sd_server *srv;
    int lfd, epfd, wakefd;
    pthread_t thread;
    bool running;
    unsigned head_timeout_s, max_conns, max_per_client;
    size_t max_pending;
    gate_conn **pending;
    size_t n_pending;
    /* Ready connections wait in two queues: Q_FIRST holds at most one per
     * client with nothing in MHD, Q_REST the others; Q_FIRST goes first.
     * So a client with one request is not stuck behind a flood from a few
     * hundred addresses that keeps MHD full. */
    gate_conn *ready_head[2], *ready_tail[2];
    uint64_t next_expire_us;
    atomic_uint in_mhd;
    /* Work in MHD: requests begun and not done, plus connections handed
     * over that MHD has not started yet (each brings a whole request).
     * MHD's workers answer their requests one at a time, so a connection
     * handed to a worker with hundreds of searches queued waits seconds;
     * held here instead, it waits its fair turn (Q_FIRST) for a few. */
    atomic_int active;
    unsigned max_active;
    atomic_uint waiting; /* ready connections queued here */
    pthread_mutex_t mu; /* clients: MHD's threads release theirs */
    client *clients[GATE_CLIENT_BUCKETS];
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

/* ---- connections per client ---- */

/* An IPv4 address (also when IPv4-mapped), or an IPv6 /64: one user
 * usually gets a whole /64. */
static void client_key(const struct sockaddr *sa, unsigned char key[17])
{
    memset(key, 0, 17);
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const unsigned char *a = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a, mapped, 12)) {
            key[0] = 4;
            memcpy(key + 1, a + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a, 8);
        }
    }
}

static size_t client_bucket(const unsigned char key[17])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % GATE_CLIENT_BUCKETS;
}

/* Count one more connection for sa's client and return it; NULL (nothing
 * counted) when it has max_per_client already. */
static client *client_acquire(struct sd_gate *g, const struct sockaddr *sa)
{
    unsigned char key[17];
    client_key(sa, key);
    size_t b = client_bucket(key);
    bool ok = true;
    pthread_mutex_lock(&g->mu);
    client *c = g->clients[b];
    while (c && memcmp(c->key, key, 17))
        c = c->next;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (c) {
            memcpy(c->key, key, 17);
            c->next = g->clients[b];
            g->clients[b] = c;
        }
    }
    if (!c || c->count >= g->max_per_client)
        ok = false;
    else
        c->count++;
    pthread_mutex_unlock(&g->mu);
    return ok ? c : NULL;
}

static void client_release(struct sd_gate *g, const struct sockaddr *sa, bool from_mhd)
{
    unsigned char key[17];
    client_key(sa, key);
    size_t b = client_bucket(key);
    pthread_mutex_lock(&g->mu);
    for (client **pp = &g->clients[b]; *pp; pp = &(*pp)->next) {
        client *c = *pp;
        if (memcmp(c->key, key, 17))
            continue;
        if (c->count)
            c->count--;
        if (from_mhd && atomic_load(&c->in_mhd))
            atomic_fetch_sub(&c->in_mhd, 1);
        if (!c->count) {
            *pp = c->next;
            free(c);
        }
        break;
    }
    pthread_mutex_unlock(&g->mu);
}

/* ---- answers the gate gives itself ---- */

/* A small JSON error answer; the message is ours (never client text), so
 * it needs no escaping.  Small enough for any socket buffer: a short write
 * only loses the courtesy, never correctness. */
static void send_error(int fd, unsigned status, const char *reason, const char *code,
                       const char *msg, unsigned retry_after)
{
    char body[512], head[1024], ra[48] = "";
    int bn = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                      code, msg);
    if (retry_after)
        snprintf(ra, sizeof ra, "Retry-After: %u\r\n", retry_after);
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %u %s\r\n"
                      "Content-Type: application/json; charset=utf-8\r\n"
                      "Content-Length: %d\r\n"
                      "%s"
                      "Connection: close\r\n"
                      "Cache-Control: no-store\r\n"
                      "X-Content-Type-Options: nosniff\r\n"
                      "Referrer-Policy: no-referrer\r\n"
                      "X-Frame-Options: DENY\r\n"
                      "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; "
                      "sandbox\r\n"
                      "\r\n",
                      status, reason, bn, ra);
    if (hn > 0 && (size_t)hn < sizeof head && bn > 0 && (size_t)bn < sizeof body &&
        send(fd, head, (size_t)hn, MSG_NOSIGNAL) == hn)
        send(fd, body, (size_t)bn, MSG_NOSIGNAL);
}

static const char busy_msg[] =
    "the server is busy: try again in a few seconds";
static const char per_client_msg[] =
    "too many connections from your address at once: close some and try again";

/* Refused straight after accept: answer and close at once, keeping no
 * descriptor for a client we are turning away. */
static void refuse_now(struct sd_gate *g, int fd, const char *code, const char *msg)
{
    send_error(fd, 503, "Service Unavailable", code, msg, 2);
    shutdown(fd, SHUT_WR);
    close(fd);
    sd_count_request(g->srv, SD_R_OTHER, 503, 0.0);
}

/* ---- the connections the gate holds ---- */

static void ready_push(struct sd_gate *g, gate_conn *c)
{
    /* "nothing in MHD" allows one: MHD may report a client's previous
     * connection closed only after its next one is here. */
    int q = atomic_load(&c->cl->in_mhd) <= 1 && c->cl->first == 0 ? Q_FIRST : Q_REST;
    c->queue = q;
    if (q == Q_FIRST)
        c->cl->first++;
    c->state = C_READY;
    atomic_fetch_add(&g->waiting, 1);
    c->rprev = g->ready_tail[q];
    if (g->ready_tail[q])
        g->ready_tail[q]->rnext = c;
    else
        g->ready_head[q] = c;
    g->ready_tail[q] = c;
}

static void ready_unlink(struct sd_gate *g, gate_conn *c)
{
    int q = c->queue;
    atomic_fetch_sub(&g->waiting, 1);
    if (q == Q_FIRST)
        c->cl->first--;
    if (c->rprev)
        c->rprev->rnext = c->rnext;
    else
        g->ready_head[q] = c->rnext;
    if (c->rnext)
        c->rnext->rprev = c->rprev;
    else
        g->ready_tail[q] = c->rprev;
    c->rnext = c->rprev = NULL;
}

/* Stop tracking c; close its descriptor (and release its client's count)
 * unless MHD has taken it over. */
static void forget(struct sd_gate *g, gate_conn *c, bool close_fd)
{
    epoll_ctl(g->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (close_fd) {
        close(c->fd);
        client_release(g, (struct sockaddr *)&c->addr, false);
    }
    if (c->state == C_READY)
        ready_unlink(g, c);
    gate_conn *last = g->pending[--g->n_pending];
    g->pending[c->slot] = last;
    last->slot = c->slot;
    free(c);
}

/* Answer c with an error and read what it still sends until it closes,
 * GATE_DRAIN_SECONDS pass or GATE_DRAIN_MAX bytes came. */
static void reject(struct sd_gate *g, gate_conn *c, unsigned status, const char *reason,
                   const char *code, const char *msg, unsigned retry_after)
{
    send_error(c->fd, status, reason, code, msg, retry_after);
    shutdown(c->fd, SHUT_WR);
    if (c->state == C_READY)
        ready_unlink(g, c);
    c->state = C_DRAIN;
    c->deadline_us = mono_us() + GATE_DRAIN_SECONDS * 1000000u;
    sd_count_request(g->srv, SD_R_OTHER, status, 0.0);
    sd_access_log_refused(g->srv, status, 0);
}

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

/* Hand ready connections to MHD while it has room. */
static void dispatch(struct sd_gate *g)
{
    while ((g->ready_head[Q_FIRST] || g->ready_head[Q_REST]) &&
           atomic_load(&g->in_mhd) < g->max_conns &&
           atomic_load(&g->active) < (int)g->max_active) {
        gate_conn *c = g->ready_head[Q_FIRST] ? g->ready_head[Q_FIRST] : g->ready_head[Q_REST];
        atomic_fetch_add(&c->cl->in_mhd, 1);
        int fd = c->fd;
        struct sockaddr_storage addr = c->addr;
        socklen_t len = c->addrlen;
        forget(g, c, false);
        /* MHD owns (and on failure closes) fd from here; sd_gate_closed
         * gives the count back when it closes it. */
        atomic_fetch_add(&g->in_mhd, 1);
        atomic_fetch_add(&g->active, 1); /* until MHD starts it */
        if (MHD_add_connection(g->srv->mhd, fd, (struct sockaddr *)&addr, len) != MHD_YES) {
            atomic_fetch_sub(&g->in_mhd, 1);
            atomic_fetch_sub(&g->active, 1);
            client_release(g, (struct sockaddr *)&addr, true);
        }
    }
}

static void on_readable(struct sd_gate *g, gate_conn *c, uint32_t events)
{
    if (c->state == C_DRAIN) {
        drain(g, c);
        return;
    }
    if (c->state == C_READY) {
        /* Queued with its head in: only a hang-up matters now. */
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            forget(g, c, true);
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
        reject(g, c, 414, "URI Too Long", "uri_too_long",
               "the request line is too long: the request target takes at most 16384 bytes "
               "and q at most 1000",
               0);
        drain(g, c);
        return;
    }
    /* The head ends at a blank line ("\n\r\n" or "\n\n"). */
    const char *e1 = nl ? memmem(g->peek, (size_t)n, "\n\r\n", 3) : NULL;
    const char *e2 = nl ? memmem(g->peek, (size_t)n, "\n\n", 2) : NULL;
    const char *end = e1 && (!e2 || e1 < e2) ? e1 + 3 : e2 ? e2 + 2 : NULL;
    if (end) {
        const char *why = sd_frame_check(g->peek, (size_t)(end - g->peek));
        if (why) {
            char msg[200];
            snprintf(msg, sizeof msg, "the request is not valid HTTP/1.1 framing: %s", why);
            reject(g, c, 400, "Bad Request", "bad_request", msg, 0);
            drain(g, c);
            return;
        }
        ready_push(g, c);
        dispatch(g);
        return;
    }
    if ((size_t)n >= sizeof g->peek) {
        reject(g, c, 431, "Request Header Fields Too Large", "headers_too_large",
               "the request headers are too large: at most 24576 bytes with the request line",
               0);
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
        if (g->n_pending >= g->max_pending) {
            refuse_now(g, fd, "busy", busy_msg);
            continue;
        }
        client *cl = client_acquire(g, (struct sockaddr *)&addr);
        if (!cl) {
            refuse_now(g, fd, "too_many_connections", per_client_msg);
            continue;
        }
        gate_conn *c = calloc(1, sizeof *c);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.ptr = c};
        if (!c || epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            free(c);
            client_release(g, (struct sockaddr *)&addr, false);
            refuse_now(g, fd, "busy", busy_msg);
            continue;
        }
        c->fd = fd;
        c->cl = cl;
        c->addr = addr;
        c->addrlen = len;
        c->state = C_HEAD;
        c->deadline_us = mono_us() + (uint64_t)g->head_timeout_s * 1000000u;
        c->slot = g->n_pending;
        g->pending[g->n_pending++] = c;
    }
}

/* Deadlines: a head not in on time gets 408, a ready connection MHD had no
 * room for 503, a drain simply ends.  Checked a few times a second. */
static void expire(struct sd_gate *g)
{
    uint64_t now = mono_us();
    if (now < g->next_expire_us)
        return;
    g->next_expire_us = now + 100000u;
    for (size_t i = 0; i < g->n_pending;) {
        gate_conn *c = g->pending[i];
        if (now < c->deadline_us) {
            i++;
            continue;
        }
        if (c->state == C_HEAD) {
            send_error(c->fd, 408, "Request Timeout", "request_timeout",
                       "the request head did not arrive in time", 0);
            sd_count_request(g->srv, SD_R_OTHER, 408, 0.0);
        } else if (c->state == C_READY) {
            send_error(c->fd, 503, "Service Unavailable", "busy", busy_msg, 2);
            sd_count_request(g->srv, SD_R_OTHER, 503, 0.0);
        }
        forget(g, c, true); /* swaps the last one into slot i */
    }
}

static void *gate_main(void *arg)
{
    struct sd_gate *g = arg;
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(g->epfd, evs, 256, g->ready_head[Q_FIRST] || g->ready_head[Q_REST] ? 10 : 200);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &tag_wake)
                return NULL;
            if (p == &tag_listen)
                accept_all(g);
            else
                on_readable(g, p, evs[i].events);
        }
        dispatch(g);
        expire(g);
    }
    return NULL;
}

/* ---- start, stop, MHD's side ---- */

void sd_gate_closed(struct sd_server *s, const struct sockaddr *addr)
{
    struct sd_gate *g = s->gate;
    if (!g)
        return;
    atomic_fetch_sub(&g->in_mhd, 1);
    if (addr)
        client_release(g, addr, true);
}

void sd_gate_metrics(const struct sd_server *s, sp_buf *b)
{
    const struct sd_gate *g = s->gate;
    if (!g)
        return;
    sp_buf_printf(b,
                  "# HELP signpost_http_connections Connections libmicrohttpd holds now.\n"
                  "# TYPE signpost_http_connections gauge\n"
                  "signpost_http_connections %u\n"
                  "# HELP signpost_http_connections_limit Most it may hold (--max-conns).\n"
                  "# TYPE signpost_http_connections_limit gauge\n"
                  "signpost_http_connections_limit %u\n",
                  atomic_load(&g->in_mhd), g->max_conns);
}

void sd_gate_work(struct sd_server *s, int delta)
{
    struct sd_gate *g = s->gate;
    if (g)
        atomic_fetch_add(&g->active, delta);
}

bool sd_gate_busy(const struct sd_server *s)
{
    const struct sd_gate *g = s->gate;
    return g && (atomic_load(&g->in_mhd) * 4 >= g->max_conns * 3 || atomic_load(&g->waiting) > 0);
}

unsigned sd_gate_mhd_limit(unsigned max_conns, unsigned threads)
{
    /* MHD splits its limit between its worker threads and picks a worker
     * by descriptor number, not by load: give every worker room for all of
     * them, twice over (a connection answered with Connection: close is
     * counted free before MHD has cleaned it up), so the gate's count is
     * the only limit ever reached.  MHD only allocates per connection, so
     * the head room costs nothing. */
    return max_conns * (threads ? threads : 1) * 2 + 64;
}

/* Thousands of sockets need thousands of descriptors: the soft limit is
 * often 1024.  Raise it to the hard limit; return what we have. */
static rlim_t raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

int sd_gate_start(struct sd_server *s, int lfd, const sd_gate_limits *lim, sp_err *err)
{
    struct sd_gate *g = calloc(1, sizeof *g);
    if (!g)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    g->srv = s;
    g->lfd = lfd;
    g->head_timeout_s = lim->head_timeout_s;
    g->max_conns = lim->max_conns;
    g->max_per_client = lim->max_per_client;
    g->max_active = lim->max_active;
    rlim_t fds = raise_fd_limit();
    rlim_t room = fds > (rlim_t)(g->max_conns + GATE_FD_RESERVE + 64)
                      ? fds - g->max_conns - GATE_FD_RESERVE
                      : 64;
    g->max_pending = room < GATE_PENDING_MAX ? (size_t)room : GATE_PENDING_MAX;
    if (fds < (rlim_t)(g->max_conns + g->max_pending + GATE_FD_RESERVE))
        fprintf(stderr,
                "searchd: only %llu file descriptors (ulimit -n): at most %zu connections "
                "wait for their request head\n",
                (unsigned long long)fds, g->max_pending);
    g->pending = calloc(g->max_pending, sizeof *g->pending);
    pthread_mutex_init(&g->mu, NULL);
    g->epfd = epoll_create1(EPOLL_CLOEXEC);
    g->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event el = {.events = EPOLLIN, .data.ptr = &tag_listen};
    struct epoll_event ew = {.events = EPOLLIN, .data.ptr = &tag_wake};
    s->gate = g;
    if (!g->pending || g->epfd < 0 || g->wakefd < 0 ||
        epoll_ctl(g->epfd, EPOLL_CTL_ADD, lfd, &el) != 0 ||
        epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->wakefd, &ew) != 0 ||
        pthread_create(&g->thread, NULL, gate_main, g) != 0) {
        int e = errno;
        sd_gate_free(s);
        return sp_fail(err, SP_ERROR, "cannot start the accept loop: %s", strerror(e));
    }
    g->running = true;
    return SP_OK;
}

void sd_gate_stop(struct sd_server *s)
{
    struct sd_gate *g = s->gate;
    if (!g || !g->running)
        return;
    uint64_t one = 1;
    if (write(g->wakefd, &one, sizeof one) < 0)
        perror("searchd: waking the accept loop");
    pthread_join(g->thread, NULL);
    g->running = false;
    while (g->n_pending)
        forget(g, g->pending[0], true);
}

void sd_gate_free(struct sd_server *s)
{
    struct sd_gate *g = s->gate;
    if (!g)
        return;
    sd_gate_stop(s);
    if (g->epfd >= 0)
        close(g->epfd);
    if (g->wakefd >= 0)
        close(g->wakefd);
    for (size_t b = 0; b < GATE_CLIENT_BUCKETS; b++)
        while (g->clients[b]) {
            client *c = g->clients[b];
            g->clients[b] = c->next;
            free(c);
        }
    pthread_mutex_destroy(&g->mu);
    free(g->pending);
    free(g);
    s->gate = NULL;
}
