/*
 * mhd_limit_repro.c - libmicrohttpd 0.9.75: connections handed over with
 * MHD_add_connection beyond MHD_OPTION_CONNECTION_LIMIT, to a daemon with
 * internal threads and no listening socket, leave its threads blocked.
 *
 *   cc -o mhd_limit_repro mhd_limit_repro.c -lmicrohttpd -lpthread
 *   ./mhd_limit_repro        # exit 0: fine; exit 1: a request or the stop hung
 */
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#define LIMIT 4
#define EXTRA 8

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *m, const char *v, const char *up, size_t *n, void **p)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_alarm(int sig)
{
    static const char msg[] = "HUNG: libmicrohttpd did not answer or stop within 10 s\n";
    write(2, msg, sizeof msg - 1);
    _exit(1);
}

int main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
    signal(SIGALRM, on_alarm);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC, 0, NULL, NULL,
        handle, NULL, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!d)
        return 2;
    /* A listening socket of our own, as a server's accept loop has. */
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 64);
    getsockname(l, (struct sockaddr *)&a, &al);
    int clients[LIMIT + EXTRA];
    for (int i = 0; i < LIMIT + EXTRA; i++) {
        clients[i] = socket(AF_INET, SOCK_STREAM, 0);
        connect(clients[i], (struct sockaddr *)&a, sizeof a);
        struct sockaddr_in p;
        socklen_t pl = sizeof p;
        int fd = accept(l, (struct sockaddr *)&p, &pl);
        enum MHD_Result r = MHD_add_connection(d, fd, (struct sockaddr *)&p, pl);
        fprintf(stderr, "connection %d: MHD_add_connection %s\n", i + 1, r == MHD_YES ? "yes" : "no");
    }
    alarm(10);
    /* The first connection's request must still be answered ... */
    const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    write(clients[0], req, sizeof req - 1);
    char buf[256];
    ssize_t n = read(clients[0], buf, sizeof buf - 1);
    fprintf(stderr, "first connection's answer: %.12s\n", n > 0 ? buf : "(none)");
    /* ... and the daemon must stop. */
    MHD_stop_daemon(d);
    fprintf(stderr, "stopped\n");
    return n > 0 ? 0 : 1;
}
