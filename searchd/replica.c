/*
 * replica.c - searchd on several machines (docs/scale-out.md): one writer
 * crawls and indexes, read replicas serve copies of its index kept current
 * by Xapian's replication (xapian-replicate-server on the writer,
 * xapian-replicate on each replica, both from Debian's xapian-tools).
 *
 * A replica's sync thread runs `xapian-replicate --one-shot` against the
 * writer about twice a second.  Xapian applies a changeset to the live
 * copy with the new revision made visible last (a full copy goes to a new
 * folder, switched to through the XAPIANDB stub), so a reader sees one
 * revision or the next, never a mix; a reader overtaken by it gets
 * DatabaseModifiedError and searches again on a fresh handle (the snapshot
 * retry in idx_search).  When a sync changed the copy the generation moves
 * and each worker opens the index again, once.
 *
 * What searchd reads from STORE/crawl.db travels inside the index
 * (indexer/snapshot.h); a replica writes it out under STORE/snapshot/REV
 * (a copy of the revision before with the new deltas applied, when the
 * base is the same) and reads that instead.  Writes (POST: hub decisions,
 * logins) are forwarded to the writer over HTTP (libcurl) or refused with
 * a 503 that says where to send them.  The report form's token key travels in the
 * index too (sd_form_key), so the writer takes a form a replica served.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dirent.h>
#include <sodium.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sd_int.h"
#include "snapshot.h"
#include "store.h"

extern char **environ;

#define SYNC_EVERY_MS 500      /* between two syncs that worked */
#define SYNC_RETRY_MS 2000     /* after a failed one (writer away) */
#define FORWARD_MAX (1u << 20) /* bytes of a forwarded answer */

struct sd_replica {
    /* replica */
    char host[256], port[16];
    unsigned max_lag_s;
    char *writer_url;
    pthread_t thread;
    bool thread_made;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pid_t child;           /* the running xapian-replicate, 0 when none */
    char stamp[512];       /* what the live copy looked like after a sync */
    long long ok_ms;       /* last sync that worked (epoch ms), 0: never */
    long long revision, published_ms;
    unsigned long long syncs, failures;
    bool failing;          /* said so once */
    /* the snapshot written out for store reads */
    pthread_mutex_t snap_mu;
    long long snap_rev;
    char *snap_dir, *snap_old;
    snap_mark snap_mark; /* what snap_dir's crawl.db holds */
    /* writer */
    pid_t server;
    /* the report form's token key the index carries (sd_form_key) */
    unsigned char form_key[SNAP_FORM_KEY_LEN];
    bool have_form_key;
    long long form_key_ms; /* when it was last read */
};

static long long now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The child starts with no signal blocked and default handlers: searchd's
 * threads block SIGTERM (sd_wait_for_signal), which a child would inherit
 * and then never stop.  And in a process group of its own: on SIGTERM
 * xapian-replicate-server (Xapian's TcpServer) kills its whole group, which
 * would otherwise be ours and our parent's. */
static int spawn(char *const argv[], pid_t *pid)
{
    posix_spawnattr_t a;
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGHUP);
    sigaddset(&def, SIGPIPE);
    int e = posix_spawnattr_init(&a);
    if (e)
        return e;
    posix_spawnattr_setsigmask(&a, &none);
    posix_spawnattr_setsigdefault(&a, &def);
    posix_spawnattr_setpgroup(&a, 0);
    posix_spawnattr_setflags(&a, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                     POSIX_SPAWN_SETPGROUP);
    e = posix_spawnp(pid, argv[0], NULL, &a, argv, environ);
    posix_spawnattr_destroy(&a);
    return e;
}

/* The live copy's identity: the stub's text and the version file of the
 * folder it names (rewritten by every changeset applied). */
static void live_stamp(const char *index_dir, char *out, size_t size)
{
    char path[4096], stub[256] = "";
    snprintf(path, sizeof path, "%s/XAPIANDB", index_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "auto ", 5)) {
                line[strcspn(line, "\r\n")] = '\0';
                snprintf(stub, sizeof stub, "%s", line + 5);
            }
        fclose(f);
    }
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s/iamglass", index_dir, stub);
    if (!*stub || stat(path, &sb) != 0)
        memset(&sb, 0, sizeof sb);
    snprintf(out, size, "%s %lld.%09ld %lld", stub, (long long)sb.st_mtim.tv_sec,
             sb.st_mtim.tv_nsec, (long long)sb.st_size);
}

/* One `xapian-replicate --one-shot`; true when it worked. */
static bool sync_once(struct sd_server *s, struct sd_replica *p)
{
    char *argv[] = {"xapian-replicate", "--one-shot", "--quiet", "-r", "1", "-t", "30",
                    "-h", p->host, "-p", p->port, "-m", "index", s->index_dir, NULL};
    pid_t pid = 0;
    int e = spawn(argv, &pid);
    if (e != 0) {
        pthread_mutex_lock(&p->mu);
        if (!p->failing)
            fprintf(stderr, "searchd: cannot run xapian-replicate (%s); install xapian-tools\n",
                    strerror(e));
        p->failing = true;
        pthread_mutex_unlock(&p->mu);
        return false;
    }
    pthread_mutex_lock(&p->mu);
    p->child = pid;
    pthread_mutex_unlock(&p->mu);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&p->mu);
    p->child = 0;
    pthread_mutex_unlock(&p->mu);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void *sync_main(void *arg)
{
    struct sd_server *s = arg;
    struct sd_replica *p = s->repl;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        pthread_mutex_unlock(&p->mu);
        bool ok = sync_once(s, p);
        char stamp[sizeof p->stamp];
        live_stamp(s->index_dir, stamp, sizeof stamp);
        long long rev = -1, pub = 0;
        if (ok && strcmp(stamp, p->stamp) != 0) {
            idx *ix = NULL;
            sp_err e = {0};
            if (idx_open_read(s->index_dir, &ix, &e) == SP_OK)
                snap_revision(ix, &rev, &pub);
            idx_close(ix);
        }
        pthread_mutex_lock(&p->mu);
        if (ok) {
            p->ok_ms = now_ms();
            p->syncs++;
            if (p->failing)
                fprintf(stderr, "searchd: replicating from %s:%s again\n", p->host, p->port);
            p->failing = false;
            if (strcmp(stamp, p->stamp) != 0) {
                snprintf(p->stamp, sizeof p->stamp, "%s", stamp);
                if (rev >= 0) {
                    p->revision = rev;
                    p->published_ms = pub;
                }
                atomic_fetch_add(&s->repl_gen, 1);
            }
        } else {
            p->failures++;
            if (!p->failing)
                fprintf(stderr, "searchd: cannot replicate from %s:%s; serving the copy as it "
                                "is and trying again\n", p->host, p->port);
            p->failing = true;
        }
        if (p->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = ts.tv_nsec + (long long)(ok ? SYNC_EVERY_MS : SYNC_RETRY_MS) * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* "HOST:PORT" or "[V6]:PORT". */
static int split_host_port(const char *hp, struct sd_replica *p, sp_err *err)
{
    const char *colon = strrchr(hp, ':');
    const char *h = hp, *he = colon;
    if (hp[0] == '[') {
        h = hp + 1;
        he = strchr(hp, ']');
        if (!he || he[1] != ':')
            he = NULL;
        colon = he ? he + 1 : NULL;
    }
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || !he || he == h || (size_t)(he - h) >= sizeof p->host || !end || *end ||
        port < 1 || port > 65535)
        return sp_fail(err, SP_EINVAL, "replica of '%.80s': use HOST:PORT, the writer's "
                                       "replication_listen", hp);
    memcpy(p->host, h, (size_t)(he - h));
    p->host[he - h] = '\0';
    snprintf(p->port, sizeof p->port, "%ld", port);
    return SP_OK;
}

int sd_replica_start(struct sd_server *s, const sd_opts *o, sp_err *err)
{
    s->store_dir = sp_strdup(o->store_dir);
    if (!s->store_dir)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    struct sd_replica *p = calloc(1, sizeof *p);
    if (!p)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    s->repl = p;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->snap_mu, NULL);
    p->snap_rev = -1;
    if (o->replica_of && o->replication_listen)
        return sp_fail(err, SP_EINVAL, "a replica does not serve replication itself: give "
                                       "replica_of or replication_listen, not both");
    if (o->replication_listen) {
        struct sd_replica q;
        int rc = split_host_port(o->replication_listen, &q, err);
        if (rc != SP_OK)
            return rc;
        char *argv[] = {"xapian-replicate-server", "-I", q.host, "-p", q.port, s->store_dir,
                        NULL};
        int e = spawn(argv, &p->server);
        if (e != 0)
            return sp_fail(err, SP_EIO, "cannot run xapian-replicate-server (%s); install "
                                        "xapian-tools", strerror(e));
        return SP_OK;
    }
    if (!o->replica_of)
        return SP_OK;
    int rc = split_host_port(o->replica_of, p, err);
    if (rc != SP_OK)
        return rc;
    p->max_lag_s = o->replica_max_lag_s ? o->replica_max_lag_s : 60;
    if (o->writer_url) {
        p->writer_url = sp_strdup(o->writer_url);
        if (!p->writer_url)
            return sp_fail(err, SP_ENOMEM, "out of memory");
        size_t n = strlen(p->writer_url);
        while (n > 0 && p->writer_url[n - 1] == '/')
            p->writer_url[--n] = '\0';
    }
    if (pthread_create(&p->thread, NULL, sync_main, s) != 0)
        return sp_fail(err, SP_ERROR, "cannot start the replication thread");
    p->thread_made = true;
    return SP_OK;
}

static void rm_snapshot(const char *dir)
{
    static const char *const names[] = {STORE_DB_NAME, STORE_DB_NAME "-wal",
                                        STORE_DB_NAME "-shm", STORE_DB_NAME ".tmp"};
    char path[4096];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

void sd_replica_stop(struct sd_server *s)
{
    struct sd_replica *p = s->repl;
    if (p) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        if (p->child > 0)
            kill(p->child, SIGTERM);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (p->thread_made)
            pthread_join(p->thread, NULL);
        if (p->server > 0) {
            kill(p->server, SIGTERM);
            while (waitpid(p->server, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->snap_mu);
        free(p->writer_url);
        free(p->snap_dir);
        free(p->snap_old);
        free(p);
        s->repl = NULL;
    }
    free(s->store_dir);
    s->store_dir = NULL;
}

bool sd_is_replica(const struct sd_server *s)
{
    return s->repl && s->repl->thread_made;
}

/* ---- store reads ---- */

char *sd_store_read_dir(struct sd_server *s)
{
    struct sd_replica *p = s->repl;
    if (!p)
        return NULL;
    if (!sd_is_replica(s)) {
        char *db = sp_printf("%s/%s", s->store_dir, STORE_DB_NAME);
        struct stat sb;
        bool writer = db && stat(db, &sb) == 0;
        free(db);
        if (writer)
            return sp_strdup(s->store_dir);
    }
    /* No store here: the one the index carries, written out once per
     * revision.  The one before stays (a reader may have it open).  A
     * handle of its own: the caller may be holding the worker's. */
    pthread_mutex_lock(&p->mu);
    long long rev = sd_is_replica(s) ? p->revision : -1, pub = 0;
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->snap_mu);
    if (p->snap_dir && p->snap_rev == rev) {
        char *out = sp_strdup(p->snap_dir);
        pthread_mutex_unlock(&p->snap_mu);
        return out;
    }
    sp_err e = {0};
    idx *ix = NULL;
    if (idx_open_read(s->index_dir, &ix, &e) != SP_OK)
        ix = NULL;
    rev = 0;
    if (ix)
        snap_revision(ix, &rev, &pub);
    if (p->snap_dir && p->snap_rev == rev) {
        idx_close(ix);
        char *out = sp_strdup(p->snap_dir);
        pthread_mutex_unlock(&p->snap_mu);
        return out;
    }
    char *top = sp_printf("%s/snapshot", s->store_dir);
    char *dir = sp_printf("%s/snapshot/%lld", s->store_dir, rev);
    char *db = sp_printf("%s/%s", dir ? dir : "", STORE_DB_NAME);
    if (!top || !dir || !db) {
        free(top);
        free(dir);
        free(db);
        idx_close(ix);
        pthread_mutex_unlock(&p->snap_mu);
        return NULL;
    }
    mkdir(top, 0755);
    mkdir(dir, 0755);
    free(top);
    /* An earlier run's copy of this revision may be half written. */
    rm_snapshot(dir);
    mkdir(dir, 0755);
    /* From the revision before when it holds the same base: a copy with
     * the deltas after it applied (snapshot.h). */
    char *prev = p->snap_dir ? sp_printf("%s/%s", p->snap_dir, STORE_DB_NAME) : NULL;
    snap_mark mark = {0};
    if (ix && snap_write_from(ix, db, prev, &p->snap_mark, &mark, &e) != SP_OK &&
        e.code != SP_ENOTFOUND)
        fprintf(stderr, "searchd: %s; hub reports and deletions are empty until the next "
                        "revision\n", e.msg);
    free(prev);
    p->snap_mark = mark;
    idx_close(ix);
    free(db);
    if (p->snap_old && strcmp(p->snap_old, dir) != 0)
        rm_snapshot(p->snap_old);
    free(p->snap_old);
    p->snap_old = p->snap_dir;
    p->snap_dir = dir;
    p->snap_rev = rev;
    char *out = sp_strdup(dir);
    pthread_mutex_unlock(&p->snap_mu);
    return out;
}

/* ---- the form key ---- */

void sd_form_key(struct sd_server *s, unsigned char out[SNAP_FORM_KEY_LEN])
{
    struct sd_replica *p = s->repl;
    bool have = false;
    if (p) {
        /* Read again now and then: a rebuilt index has a new one. */
        pthread_mutex_lock(&p->mu);
        long long now = now_ms();
        if (now - p->form_key_ms >= (p->have_form_key ? 60000 : 5000)) {
            p->form_key_ms = now;
            idx *ix = NULL;
            sp_err e = {0};
            if (idx_open_read(s->index_dir, &ix, &e) == SP_OK)
                p->have_form_key = snap_form_key(ix, p->form_key) || p->have_form_key;
            idx_close(ix);
        }
        have = p->have_form_key;
        if (have)
            memcpy(out, p->form_key, SNAP_FORM_KEY_LEN);
        pthread_mutex_unlock(&p->mu);
    }
    if (!have) /* an index not yet published: this process's own key */
        crypto_generichash(out, SNAP_FORM_KEY_LEN, s->limit_key, sizeof s->limit_key, NULL, 0);
}

/* ---- writes ---- */

typedef struct fwd {
    sp_buf body;
    char ctype[192], location[192], cookies[2][192];
    size_t n_cookies;
    bool too_big;
} fwd;

static size_t fwd_body(char *ptr, size_t size, size_t n, void *cls)
{
    fwd *f = cls;
    if (f->body.len + size * n > FORWARD_MAX) {
        f->too_big = true;
        return 0;
    }
    return sp_buf_append(&f->body, ptr, size * n) == SP_OK ? size * n : 0;
}

static void keep_header(char *dst, size_t size, const char *v, size_t len)
{
    while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n'))
        len--;
    while (len > 0 && *v == ' ')
        v++, len--;
    if (len < size) {
        memcpy(dst, v, len);
        dst[len] = '\0';
    }
}

static size_t fwd_header(char *ptr, size_t size, size_t n, void *cls)
{
    fwd *f = cls;
    size_t len = size * n;
    static const char *const names[] = {"content-type:", "location:", "set-cookie:"};
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(names[i]);
        if (len > k && !strncasecmp(ptr, names[i], k)) {
            if (i == 0)
                keep_header(f->ctype, sizeof f->ctype, ptr + k, len - k);
            else if (i == 1)
                keep_header(f->location, sizeof f->location, ptr + k, len - k);
            else if (f->n_cookies < 2)
                keep_header(f->cookies[f->n_cookies++], sizeof f->cookies[0], ptr + k, len - k);
        }
    }
    return len;
}

typedef struct fwd_query {
    sp_buf q;
    CURL *c;
} fwd_query;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    fwd_query *fq = cls;
    char *k = curl_easy_escape(fq->c, key, 0);
    char *v = value ? curl_easy_escape(fq->c, value, 0) : NULL;
    sp_buf_printf(&fq->q, "%s%s%s%s", fq->q.len ? "&" : "?", k ? k : "", v ? "=" : "",
                  v ? v : "");
    curl_free(k);
    curl_free(v);
    return MHD_YES;
}

enum MHD_Result sd_replica_write(sd_req *r)
{
    struct sd_replica *p = r->srv->repl;
    if (!p->writer_url)
        return sd_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "read_only_replica",
                              "this server is a read-only replica of %s:%s; send hub "
                              "decisions, logins and account changes to the writer",
                              p->host, p->port);
    CURL *c = curl_easy_init();
    if (!c)
        return sd_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
    fwd_query fq = {.c = c};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &fq);
    char *url = sp_printf("%s%s%s", p->writer_url, r->path, sp_buf_cstr(&fq.q));
    sp_buf_free(&fq.q);
    struct curl_slist *h = NULL;
    /* Host too: the writer checks Origin against it (sign-ins, forms) and
     * builds its links from it, as behind any proxy. */
    static const char *const pass[] = {"Host",   "Content-Type", "Authorization", "Cookie",
                                       "Accept", "Origin",       "Referer",       "User-Agent"};
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) {
        const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, pass[i]);
        char line[1024];
        if (v && (size_t)snprintf(line, sizeof line, "%s: %s", pass[i], v) < sizeof line)
            h = curl_slist_append(h, line);
    }
    /* curl adds Expect: 100-continue to bigger bodies; the writer needs none. */
    h = curl_slist_append(h, "Expect:");
    char client[64];
    sd_client_addr(r, client, sizeof client);
    char xff[128];
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", client);
    h = curl_slist_append(h, xff);
    fwd f = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body.data ? r->body.data : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)r->body.len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwd_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fwd_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = url ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    enum MHD_Result ret;
    if (cc != CURLE_OK || status < 100 || status > 599) {
        ret = sd_reply_error(r, MHD_HTTP_BAD_GATEWAY, "writer_unavailable",
                             "this server is a read-only replica and the writer it forwards "
                             "writes to did not answer (%s); try again later",
                             f.too_big ? "answer too big" : curl_easy_strerror(cc));
    } else {
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            f.body.len, f.body.data ? f.body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
        if (!resp) {
            sp_buf_free(&f.body);
            return MHD_NO;
        }
        if (*f.ctype)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f.ctype);
        if (*f.location)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, f.location);
        for (size_t i = 0; i < f.n_cookies; i++)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, f.cookies[i]);
        ret = sd_reply_response(r, (unsigned)status, resp, true);
    }
    sp_buf_free(&f.body);
    return ret;
}

/* ---- health ---- */

static void iso_ms(long long ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *sd_replica_health(struct sd_server *s, bool *degraded)
{
    *degraded = false;
    if (!sd_is_replica(s))
        return NULL;
    struct sd_replica *p = s->repl;
    pthread_mutex_lock(&p->mu);
    long long ok = p->ok_ms, rev = p->revision, pub = p->published_ms;
    unsigned long long syncs = p->syncs, failures = p->failures;
    pthread_mutex_unlock(&p->mu);
    long long now = now_ms();
    double age = ok ? (double)(now - ok) / 1000.0 : -1;
    *degraded = !ok || age > (double)p->max_lag_s;
    char synced[32] = "", published[32] = "";
    if (ok)
        iso_ms(ok, synced);
    if (pub)
        iso_ms(pub, published);
    char of[300];
    snprintf(of, sizeof of, "%s:%s", p->host, p->port);
    return json_pack("{s:s,s:I,s:s?,s:s?,s:f,s:I,s:I,s:I,s:b}", "of", of, "revision",
                     (json_int_t)rev, "published", pub ? published : NULL, "synced",
                     ok ? synced : NULL, "age_s", age, "max_lag_s",
                     (json_int_t)p->max_lag_s, "syncs", (json_int_t)syncs, "failures",
                     (json_int_t)failures, "forwards_writes", p->writer_url != NULL);
}
