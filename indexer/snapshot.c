/*
 * snapshot.c - the store tables searchd reads, carried in the index as
 * metadata (snapshot.h): a base, the store's full image of them
 * (store_snapshot_full), and deltas after it (store_snapshot_delta), each
 * compressed with zlib and encoded with libsodium's base64 because index
 * metadata is text here, in pieces of SNAP_CHUNK_BYTES (a metadata tag has
 * a size limit), named by the BLAKE2b digest of the text, which reading
 * checks.  Reading writes the base out and applies the deltas in order
 * (store_snapshot_apply).
 */
#define _GNU_SOURCE
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "store.h"

/* refuse to inflate anything claiming more than this */
#define SNAP_MAX_RAW (1024LL * 1024 * 1024)
#define DIGEST_HEX (2 * crypto_generichash_BYTES + 1)

static const snap_tuning default_tuning = {SNAP_CHUNK_BYTES, SNAP_MAX_DELTAS, SNAP_DELTA_FLOOR,
                                           1};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* BASE64 of the compressed image. */
static char *encode(const unsigned char *img, int64_t size, int level, sp_err *err)
{
    uLongf zlen = compressBound((uLong)size);
    unsigned char *z = malloc(zlen);
    if (!z || compress2(z, &zlen, img, (uLong)size, level) != Z_OK) {
        free(z);
        sp_fail(err, SP_ENOMEM, "snapshot: cannot compress");
        return NULL;
    }
    size_t b64 = sodium_base64_ENCODED_LEN(zlen, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(b64);
    if (out) {
        sodium_bin2base64(out, b64, z, zlen, sodium_base64_VARIANT_ORIGINAL);
    } else {
        sp_fail(err, SP_ENOMEM, "out of memory");
    }
    free(z);
    return out;
}

static void digest_hex(const void *p, size_t n, char out[DIGEST_HEX])
{
    unsigned char dg[crypto_generichash_BYTES];
    crypto_generichash(dg, sizeof dg, p, n, NULL, 0);
    sodium_bin2hex(out, DIGEST_HEX, dg, sizeof dg);
}

static long long meta_ll(idx *ix, const char *key)
{
    char *v = NULL;
    long long n = 0;
    if (idx_meta_get(ix, key, &v, NULL) == SP_OK && v)
        n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

/* The header of an image (the base or a delta) as the index holds it. */
typedef struct img_head {
    int form;             /* the base's format (1, 2, 3); 0 none */
    long long raw, n;     /* image bytes, pieces */
    char digest[DIGEST_HEX];
    long long from, seq;  /* a delta's changes (from, seq]; a base's seq */
    char log[33];         /* a base's change log */
} img_head;

/* A base's header ("3 ..." or "2 ..."); form 0 when unreadable. */
static img_head parse_base(const char *v)
{
    img_head h = {0};
    if (v && sscanf(v, "3 %lld %lld %64s %lld %32s", &h.raw, &h.n, h.digest, &h.seq, h.log) == 5)
        h.form = 3;
    else if (v && sscanf(v, "2 %lld %lld %64s", &h.raw, &h.n, h.digest) == 3)
        h.form = 2;
    else if (v && !strncmp(v, "1 ", 2))
        h.form = 1;
    return h;
}

/* Delta i's header; *ok false when absent or unreadable. */
static img_head delta_head(idx *ix, long long i, bool *ok)
{
    char key[96], *v = NULL;
    img_head h = {0};
    snprintf(key, sizeof key, "%s.%lld", SNAP_DELTA_KEY, i);
    idx_meta_get(ix, key, &v, NULL);
    *ok = v && sscanf(v, "%lld %lld %64s %lld %lld", &h.raw, &h.n, h.digest, &h.from, &h.seq) ==
                   5;
    free(v);
    return h;
}

/* The deltas' header. */
typedef struct deltas {
    long long k, seq, raw;
    long long old; /* deltas to clear before writing the next (compact) */
    char small[DIGEST_HEX];
    bool ok;
} deltas;

static deltas read_deltas(idx *ix)
{
    char *v = NULL;
    deltas d = {0};
    idx_meta_get(ix, SNAP_DELTAS_KEY, &v, NULL);
    d.ok = v && sscanf(v, "%lld %lld %lld %64s", &d.k, &d.seq, &d.raw, d.small) == 4 && d.k >= 0;
    free(v);
    return d;
}

/* Write text in pieces of chunk bytes under prefix.1 ... (in the open
 * batch), and clear the pieces of the old image past the new count. */
static int put_pieces(idx *ix, const char *prefix, const char *text, size_t chunk,
                      long long old_n, long long *n_out, sp_err *err)
{
    size_t len = strlen(text);
    long long n = (long long)((len + chunk - 1) / chunk);
    char key[128];
    char *piece = malloc(chunk + 1);
    if (!piece)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = SP_OK;
    for (long long i = 0; rc == SP_OK && i < n; i++) {
        size_t off = (size_t)i * chunk, m = len - off < chunk ? len - off : chunk;
        memcpy(piece, text + off, m);
        piece[m] = '\0';
        snprintf(key, sizeof key, "%s.%lld", prefix, i + 1);
        rc = idx_meta_set(ix, key, piece, err);
    }
    free(piece);
    for (long long i = n; rc == SP_OK && i < old_n; i++) {
        snprintf(key, sizeof key, "%s.%lld", prefix, i + 1);
        rc = idx_meta_set(ix, key, "", err); /* Xapian: empty removes it */
    }
    *n_out = n;
    return rc;
}

/* Remove deltas 1..k, headers and pieces (in the open batch). */
static int clear_deltas(idx *ix, long long k, sp_err *err)
{
    int rc = SP_OK;
    for (long long i = 1; rc == SP_OK && i <= k; i++) {
        bool ok = false;
        img_head h = delta_head(ix, i, &ok);
        char prefix[96];
        long long n = 0;
        snprintf(prefix, sizeof prefix, "%s.%lld", SNAP_DELTA_KEY, i);
        rc = put_pieces(ix, prefix, "", 1, ok ? h.n : 0, &n, err);
        if (rc == SP_OK)
            rc = idx_meta_set(ix, prefix, "", err);
    }
    return rc;
}

int snap_publish(idx *ix, const char *store_dir, bool changed, sp_err *err)
{
    return snap_publish_tuned(ix, store_dir, changed, NULL, NULL, err);
}

/* After a base: the store's log up to it is no longer needed. */
static void prune_log(const char *store_dir, int64_t seq)
{
    store *s = NULL;
    sp_err e = {0};
    if (store_open(store_dir, &s, &e) != SP_OK || store_snapshot_prune(s, seq, &e) != SP_OK)
        fprintf(stderr, "signpost: the store's change log stays unpruned: %s\n", e.msg);
    store_close(s);
}

/* Too many deltas: one delta of every change since the base instead,
 * while that stays within budget (cheaper than a base, for the writer and
 * for the replicas that copy it).  *d becomes "none yet" (d->old the
 * deltas to clear); false when a base is due. */
static bool compact(const char *store_dir, const img_head *base, int64_t budget,
                    store_snap *snap, deltas *d, char small[DIGEST_HEX])
{
    store_snapshot_free(snap);
    sp_err e = {0};
    if (store_snapshot_delta(store_dir, base->log, base->seq, budget / 16 + 16, snap, &e) !=
            SP_OK ||
        snap->size > budget)
        return false;
    digest_hex(snap->small, snap->small_len, small);
    d->old = d->k;
    d->k = d->raw = 0;
    d->seq = base->seq;
    return true;
}

int snap_publish_tuned(idx *ix, const char *store_dir, bool changed, const snap_tuning *t,
                       snap_published *out, sp_err *err)
{
    snap_published pub = {0};
    double t0 = now_s();
    if (!t)
        t = &default_tuning;
    if (sodium_init() < 0)
        return sp_fail(err, SP_ERROR, "cannot initialise libsodium");
    if (t->chunk == 0)
        return sp_fail(err, SP_EINVAL, "snapshot: a piece of 0 bytes");
    char *old = NULL;
    idx_meta_get(ix, SNAP_KEY, &old, NULL);
    img_head base = parse_base(old);
    deltas d = read_deltas(ix);
    unsigned char key[SNAP_FORM_KEY_LEN];
    bool have_key = snap_form_key(ix, key);
    /* A delta when the index holds a base of this form and the store's
     * log reaches back to its last publish. */
    store_snap snap = {0};
    bool want_base = base.form != 3 || !d.ok;
    int64_t budget = base.raw / 8 > t->delta_floor ? base.raw / 8 : t->delta_floor;
    char small[DIGEST_HEX] = "";
    int rc = SP_OK;
    if (!want_base) {
        sp_err de = {0};
        rc = store_snapshot_delta(store_dir, base.log, d.seq, (budget - d.raw) / 16 + 16, &snap,
                                  &de);
        if (rc == SP_ENOTFOUND || rc == SP_ELIMIT) {
            want_base = true;
            rc = SP_OK;
        } else if (rc != SP_OK) {
            free(old);
            return sp_fail(err, rc, "%s", de.msg);
        } else {
            digest_hex(snap.small, snap.small_len, small);
            if (snap.keys == 0 && !strcmp(small, d.small))
                pub.changes = -1; /* nothing new */
            else if (d.raw + snap.size > budget)
                want_base = true;
            else if (d.k + 1 > t->max_deltas)
                want_base = !compact(store_dir, &base, budget, &snap, &d, small);
        }
    }
    pub.build_s = now_s() - t0;
    if (want_base) {
        store_snapshot_free(&snap);
        double b0 = now_s();
        rc = store_snapshot_full(store_dir, &snap, err);
        pub.build_s = now_s() - b0;
        if (rc != SP_OK) {
            free(old);
            return rc;
        }
        digest_hex(snap.small, snap.small_len, small);
    }
    /* The new image as text, and its header. */
    char *text = NULL, head[256] = "", dhead[256] = "";
    if (pub.changes >= 0) {
        text = encode(snap.img, snap.size, want_base ? t->base_level : 6, err);
        if (!text) {
            store_snapshot_free(&snap);
            free(old);
            return SP_ENOMEM;
        }
        pub.raw = snap.size;
        pub.text = (int64_t)strlen(text);
        pub.changes = want_base ? 0 : snap.keys;
        char dg[DIGEST_HEX];
        digest_hex(text, strlen(text), dg);
        long long n = (long long)((strlen(text) + t->chunk - 1) / t->chunk);
        if (want_base) {
            snprintf(head, sizeof head, "3 %lld %lld %s %lld %s", (long long)snap.size, n, dg,
                     (long long)snap.seq, snap.log_id[0] ? snap.log_id : "-");
            snprintf(dhead, sizeof dhead, "0 %lld 0 %s", (long long)snap.seq, small);
        } else {
            snprintf(head, sizeof head, "%lld %lld %s %lld %lld", (long long)snap.size, n, dg,
                     d.seq, (long long)snap.seq);
            snprintf(dhead, sizeof dhead, "%lld %lld %lld %s", d.k + 1, (long long)snap.seq,
                     d.raw + (long long)snap.size, small);
        }
    }
    /* The same base again, with no deltas after the one there, is not
     * new (an empty store, say). */
    bool same = want_base && old && !strcmp(old, head) && d.ok && d.k == 0;
    free(old);
    if (same) {
        free(text);
        text = NULL;
        pub.changes = -1;
    }
    int64_t base_seq = snap.seq;
    bool prune = want_base && snap.log_id[0];
    store_snapshot_free(&snap);
    if (!text && !changed && have_key) {
        if (out)
            *out = (snap_published){.build_s = pub.build_s, .total_s = now_s() - t0};
        return SP_OK;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char rev[32], at[32];
    snprintf(rev, sizeof rev, "%lld", meta_ll(ix, SNAP_REVISION_KEY) + 1);
    snprintf(at, sizeof at, "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    rc = idx_begin(ix, err);
    long long n = 0;
    if (rc == SP_OK && text && want_base) {
        rc = put_pieces(ix, SNAP_KEY, text, t->chunk, base.form >= 2 ? base.n : 0, &n, err);
        if (rc == SP_OK)
            rc = clear_deltas(ix, d.ok ? d.k : 0, err);
        if (rc == SP_OK)
            rc = idx_meta_set(ix, SNAP_KEY, head, err);
    } else if (rc == SP_OK && text) {
        char prefix[96];
        snprintf(prefix, sizeof prefix, "%s.%lld", SNAP_DELTA_KEY, d.k + 1);
        rc = clear_deltas(ix, d.old, err);
        if (rc == SP_OK)
            rc = put_pieces(ix, prefix, text, t->chunk, 0, &n, err);
        if (rc == SP_OK)
            rc = idx_meta_set(ix, prefix, head, err);
    }
    if (rc == SP_OK && text)
        rc = idx_meta_set(ix, SNAP_DELTAS_KEY, dhead, err);
    if (rc == SP_OK)
        rc = idx_meta_set(ix, SNAP_REVISION_KEY, rev, err);
    if (rc == SP_OK)
        rc = idx_meta_set(ix, SNAP_TIME_KEY, at, err);
    if (rc == SP_OK && !have_key) {
        char khex[2 * SNAP_FORM_KEY_LEN + 1];
        randombytes_buf(key, sizeof key);
        sodium_bin2hex(khex, sizeof khex, key, sizeof key);
        rc = idx_meta_set(ix, SNAP_FORM_KEY, khex, err);
    }
    free(text);
    if (rc == SP_OK) {
        rc = idx_commit(ix, err);
    } else {
        sp_err e2 = {0};
        idx_cancel(ix, &e2);
    }
    /* Only once the base is committed: until then the deltas after the
     * old one may still be needed. */
    if (rc == SP_OK && prune && !same)
        prune_log(store_dir, base_seq);
    pub.base = rc == SP_OK && want_base && pub.changes >= 0;
    pub.delta = rc == SP_OK && !want_base && pub.changes >= 0;
    pub.total_s = now_s() - t0;
    if (out)
        *out = pub;
    return rc;
}

bool snap_form_key(idx *ix, unsigned char out[SNAP_FORM_KEY_LEN])
{
    char *v = NULL;
    size_t n = 0;
    bool ok = idx_meta_get(ix, SNAP_FORM_KEY, &v, NULL) == SP_OK && v &&
              strlen(v) == 2 * SNAP_FORM_KEY_LEN &&
              sodium_hex2bin(out, SNAP_FORM_KEY_LEN, v, strlen(v), NULL, &n, NULL) == 0 &&
              n == SNAP_FORM_KEY_LEN;
    free(v);
    return ok;
}

void snap_revision(idx *ix, long long *revision, long long *published_ms)
{
    *revision = meta_ll(ix, SNAP_REVISION_KEY);
    *published_ms = meta_ll(ix, SNAP_TIME_KEY);
}

/* The image back from its base64 text (raw bytes long). */
static int decode(const char *b64, long long raw, unsigned char **out, sp_err *err)
{
    *out = NULL;
    size_t b64len = strlen(b64);
    size_t zcap = b64len / 4 * 3 + 3;
    unsigned char *z = malloc(zcap);
    unsigned char *img = malloc((size_t)raw);
    size_t zlen = 0;
    int rc = SP_OK;
    uLongf ilen = (uLongf)raw;
    if (!z || !img)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    else if (sodium_base642bin(z, zcap, b64, b64len, NULL, &zlen, NULL,
                               sodium_base64_VARIANT_ORIGINAL) != 0)
        rc = sp_fail(err, SP_EINVAL, "snapshot: bad base64");
    else if (uncompress(img, &ilen, z, zlen) != Z_OK || ilen != (uLongf)raw)
        rc = sp_fail(err, SP_EINVAL, "snapshot: bad compressed data");
    free(z);
    if (rc != SP_OK) {
        free(img);
        return rc;
    }
    *out = img;
    return SP_OK;
}

/* The image of h (pieces prefix.1 ...; what names it in errors): its
 * pieces joined, checked against its digest, decoded. */
static int read_image(idx *ix, const char *prefix, const img_head *h, const char *what,
                      unsigned char **img, sp_err *err)
{
    *img = NULL;
    if (h->raw <= 0 || h->raw > SNAP_MAX_RAW)
        return sp_fail(err, SP_EINVAL, "snapshot: %s: bad size", what);
    if (h->n <= 0 || h->n > 1000000)
        return sp_fail(err, SP_EINVAL, "snapshot: %s: bad number of pieces", what);
    sp_buf b = {0};
    int rc = SP_OK;
    for (long long i = 0; rc == SP_OK && i < h->n; i++) {
        char key[128], *piece = NULL;
        snprintf(key, sizeof key, "%s.%lld", prefix, i + 1);
        rc = idx_meta_get(ix, key, &piece, err);
        if (rc == SP_OK && (!piece || !*piece))
            rc = sp_fail(err, SP_EINVAL, "snapshot: %s: piece %lld of %lld is missing", what,
                         i + 1, h->n);
        if (rc == SP_OK)
            sp_buf_puts(&b, piece);
        free(piece);
    }
    const char *text = rc == SP_OK ? sp_buf_cstr(&b) : NULL;
    if (rc == SP_OK && !text)
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    char dg[DIGEST_HEX];
    if (rc == SP_OK) {
        digest_hex(text, strlen(text), dg);
        if (strcmp(dg, h->digest) != 0)
            rc = sp_fail(err, SP_EINVAL, "snapshot: %s: its pieces do not match its digest "
                                         "(torn or mixed with another publish's)", what);
    }
    if (rc == SP_OK)
        rc = decode(text, h->raw, img, err);
    sp_buf_free(&b);
    return rc;
}

static int write_file(const char *path, const unsigned char *img, size_t len, sp_err *err)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(img, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    return ok ? SP_OK : sp_fail(err, SP_EIO, "snapshot: cannot write %s: %s", path,
                                strerror(errno));
}

/* Deltas first..d->k (the one before ending at change seq), applied in
 * order to the file at path; *last the header of the last one. */
static int apply_deltas(idx *ix, const deltas *d, long long first, long long seq,
                        const char *path, char *last, size_t last_size, sp_err *err)
{
    int rc = SP_OK;
    for (long long i = first; rc == SP_OK && i <= d->k; i++) {
        bool ok = false;
        img_head h = delta_head(ix, i, &ok);
        char prefix[96], what[48];
        snprintf(prefix, sizeof prefix, "%s.%lld", SNAP_DELTA_KEY, i);
        snprintf(what, sizeof what, "delta %lld of %lld", i, d->k);
        if (!ok)
            return sp_fail(err, SP_EINVAL, "snapshot: %s is missing", what);
        if (h.from != seq)
            return sp_fail(err, SP_EINVAL, "snapshot: %s starts after change %lld, not %lld",
                           what, h.from, seq);
        unsigned char *img = NULL;
        rc = read_image(ix, prefix, &h, what, &img, err);
        if (rc == SP_OK)
            rc = store_snapshot_apply(path, img, h.raw, err);
        free(img);
        seq = h.seq;
        char *v = NULL;
        idx_meta_get(ix, prefix, &v, NULL);
        snprintf(last, last_size, "%s", v ? v : "");
        free(v);
    }
    if (rc == SP_OK && seq != d->seq)
        rc = sp_fail(err, SP_EINVAL, "snapshot: the deltas end at change %lld, not %lld", seq,
                     d->seq);
    return rc;
}

/* A copy of the file at from as to. */
static int copy_file(const char *from, const char *to, sp_err *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t n = 0;
    struct stat sb;
    bool ok = out >= 0 && fstat(in, &sb) == 0;
    for (off_t left = ok ? sb.st_size : 0; ok && left > 0; left -= n) {
        n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        ok = n > 0;
    }
    if (out >= 0 && close(out) != 0)
        ok = false;
    if (in >= 0)
        close(in);
    return ok ? SP_OK : sp_fail(err, SP_EIO, "snapshot: cannot copy %s: %s", from,
                                strerror(errno));
}

/* Whether the file prev (holding *m) can be carried on from: the same
 * base, and its last delta still there; *d and *seq the deltas and where
 * prev's end. */
static bool carries_on(idx *ix, const char *base, const snap_mark *m, deltas *d,
                       long long *seq)
{
    *d = read_deltas(ix);
    img_head h = parse_base(base);
    if (h.form != 3 || strcmp(m->base, base) != 0 || !d->ok || d->k < m->deltas)
        return false;
    *seq = h.seq;
    if (m->deltas == 0)
        return true;
    char key[96], *v = NULL;
    snprintf(key, sizeof key, "%s.%lld", SNAP_DELTA_KEY, m->deltas);
    idx_meta_get(ix, key, &v, NULL);
    bool ok = false;
    h = delta_head(ix, m->deltas, &ok);
    bool same = ok && v && !strcmp(v, m->last);
    free(v);
    *seq = h.seq;
    return same;
}

/* The base whose header is v (parsed: *h) written to path. */
static int write_base(idx *ix, const char *v, img_head *h, const char *path, sp_err *err)
{
    unsigned char *img = NULL;
    int rc;
    if (h->form == 1) { /* "1 RAWSIZE BASE64": an index from before the pieces */
        char *end = NULL;
        h->raw = strtoll(v + 2, &end, 10);
        rc = h->raw > 0 && h->raw <= SNAP_MAX_RAW && end && *end == ' '
                 ? decode(end + 1, h->raw, &img, err)
                 : sp_fail(err, SP_EINVAL, "snapshot: bad size");
    } else if (h->form) {
        rc = read_image(ix, SNAP_KEY, h, "the base", &img, err);
    } else {
        rc = sp_fail(err, SP_EUNSUP, "snapshot: unknown format (a newer signpost wrote it)");
    }
    if (rc == SP_OK)
        rc = write_file(path, img, (size_t)h->raw, err);
    free(img);
    return rc;
}

int snap_write(idx *ix, const char *path, sp_err *err)
{
    return snap_write_from(ix, path, NULL, NULL, NULL, err);
}

int snap_write_from(idx *ix, const char *path, const char *prev, const snap_mark *prev_mark,
                    snap_mark *mark, sp_err *err)
{
    snap_mark m = {0};
    if (sodium_init() < 0)
        return sp_fail(err, SP_ERROR, "cannot initialise libsodium");
    char *v = NULL;
    int rc = idx_meta_get(ix, SNAP_KEY, &v, err);
    if (rc != SP_OK)
        return rc;
    if (!v)
        return sp_fail(err, SP_ENOTFOUND, "the index holds no store snapshot");
    char *tmp = sp_printf("%s.tmp", path);
    if (!tmp) {
        free(v);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    snprintf(m.base, sizeof m.base, "%s", v);
    img_head h = parse_base(v);
    deltas d = {0};
    long long seq = 0;
    unlink(tmp);
    /* Nothing to apply: the same file under a second name (neither is
     * written again). */
    if (prev && prev_mark && carries_on(ix, v, prev_mark, &d, &seq) &&
        ((d.k == prev_mark->deltas && link(prev, tmp) == 0) ||
         copy_file(prev, tmp, &(sp_err){0}) == SP_OK)) {
        snprintf(m.last, sizeof m.last, "%s", prev_mark->last);
        rc = apply_deltas(ix, &d, prev_mark->deltas + 1, seq, tmp, m.last, sizeof m.last, err);
        m.deltas = d.k;
    } else {
        rc = write_base(ix, v, &h, tmp, err);
        if (rc == SP_OK && h.form == 3) {
            d = read_deltas(ix);
            rc = d.ok ? apply_deltas(ix, &d, 1, h.seq, tmp, m.last, sizeof m.last, err)
                      : sp_fail(err, SP_EINVAL, "snapshot: the deltas' header is missing");
            m.deltas = d.k;
        }
    }
    free(v);
    if (rc == SP_OK && rename(tmp, path) != 0)
        rc = sp_fail(err, SP_EIO, "snapshot: cannot write %s: %s", path, strerror(errno));
    if (rc != SP_OK)
        unlink(tmp);
    free(tmp);
    if (mark)
        *mark = rc == SP_OK ? m : (snap_mark){0};
    return rc;
}
