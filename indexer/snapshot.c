/*
 * snapshot.c - the store tables searchd reads, carried in the index as
 * metadata (snapshot.h): the store's image of them
 * (store_snapshot_image), compressed with zlib and encoded with
 * libsodium's base64 because index metadata is text here, in pieces of
 * SNAP_CHUNK_BYTES (a metadata tag has a size limit).
 */
#include "snapshot.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "store.h"

/* The image of a London-scale store's hub tables is tens of MB; refuse to
 * inflate anything claiming more than this. */
#define SNAP_MAX_RAW (1024LL * 1024 * 1024)

/* BASE64 of the compressed image. */
static char *encode(const unsigned char *img, int64_t size, sp_err *err)
{
    uLongf zlen = compressBound((uLong)size);
    unsigned char *z = malloc(zlen);
    if (!z || compress2(z, &zlen, img, (uLong)size, 6) != Z_OK) {
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

static long long meta_ll(idx *ix, const char *key)
{
    char *v = NULL;
    long long n = 0;
    if (idx_meta_get(ix, key, &v, NULL) == SP_OK && v)
        n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

/* The key of piece i (from 1). */
static void chunk_key(char *out, size_t n, long long i)
{
    snprintf(out, n, "%s.%lld", SNAP_KEY, i);
}

/* How many pieces the header of an index's snapshot says it has (0 for
 * none, or the whole-value form "1 ..."). */
static long long header_chunks(const char *head)
{
    long long raw = 0, n = 0;
    if (!head || sscanf(head, "2 %lld %lld", &raw, &n) != 2 || n < 0)
        return 0;
    return n;
}

/* Write value in pieces of chunk bytes under a new header (in the open
 * batch), and clear the pieces of the old header past the new count. */
static int put_chunks(idx *ix, const char *head, const char *value, size_t chunk,
                      long long old_n, sp_err *err)
{
    size_t len = strlen(value);
    long long n = (long long)((len + chunk - 1) / chunk);
    char key[64];
    char *piece = malloc(chunk + 1);
    if (!piece)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = SP_OK;
    for (long long i = 0; rc == SP_OK && i < n; i++) {
        size_t off = (size_t)i * chunk, m = len - off < chunk ? len - off : chunk;
        memcpy(piece, value + off, m);
        piece[m] = '\0';
        chunk_key(key, sizeof key, i + 1);
        rc = idx_meta_set(ix, key, piece, err);
    }
    free(piece);
    for (long long i = n; rc == SP_OK && i < old_n; i++) {
        chunk_key(key, sizeof key, i + 1);
        rc = idx_meta_set(ix, key, "", err); /* Xapian: empty removes it */
    }
    if (rc == SP_OK)
        rc = idx_meta_set(ix, SNAP_KEY, head, err);
    return rc;
}

int snap_publish(idx *ix, const char *store_dir, bool changed, sp_err *err)
{
    return snap_publish_chunked(ix, store_dir, changed, SNAP_CHUNK_BYTES, err);
}

int snap_publish_chunked(idx *ix, const char *store_dir, bool changed, size_t chunk,
                         sp_err *err)
{
    if (sodium_init() < 0)
        return sp_fail(err, SP_ERROR, "cannot initialise libsodium");
    if (chunk == 0)
        return sp_fail(err, SP_EINVAL, "snapshot: a piece of 0 bytes");
    unsigned char *img = NULL;
    int64_t size = 0;
    int rc = store_snapshot_image(store_dir, &img, &size, err);
    if (rc != SP_OK)
        return rc;
    char *value = encode(img, size, err);
    store_snapshot_free(img);
    if (!value)
        return SP_ENOMEM;
    /* The header names the value by its digest, so an unchanged snapshot
     * is told by the header alone. */
    unsigned char dg[crypto_generichash_BYTES];
    char hex[2 * crypto_generichash_BYTES + 1], head[160];
    crypto_generichash(dg, sizeof dg, (const unsigned char *)value, strlen(value), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, dg, sizeof dg);
    long long n_new = (long long)((strlen(value) + chunk - 1) / chunk);
    snprintf(head, sizeof head, "2 %lld %lld %s", (long long)size, n_new, hex);
    char *old = NULL;
    idx_meta_get(ix, SNAP_KEY, &old, NULL);
    bool same = old && !strcmp(old, head);
    long long old_n = header_chunks(old);
    free(old);
    unsigned char key[SNAP_FORM_KEY_LEN];
    bool have_key = snap_form_key(ix, key);
    if (same && !changed && have_key) {
        free(value);
        return SP_OK;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char rev[32], at[32];
    snprintf(rev, sizeof rev, "%lld", meta_ll(ix, SNAP_REVISION_KEY) + 1);
    snprintf(at, sizeof at, "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    rc = idx_begin(ix, err);
    if (rc == SP_OK && !same)
        rc = put_chunks(ix, head, value, chunk, old_n, err);
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
    free(value);
    if (rc == SP_OK)
        return idx_commit(ix, err);
    sp_err e2 = {0};
    idx_cancel(ix, &e2);
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

/* The base64 text of the snapshot ix holds whose header is head: after
 * the size in the whole-value form "1 RAWSIZE BASE64", else its pieces
 * joined ("2 RAWSIZE NCHUNKS DIGEST"); *raw the image's size. */
static int snapshot_text(idx *ix, const char *head, char **text, long long *raw, sp_err *err)
{
    *text = NULL;
    char *end = NULL;
    int form = !strncmp(head, "1 ", 2) ? 1 : !strncmp(head, "2 ", 2) ? 2 : 0;
    if (!form)
        return sp_fail(err, SP_EUNSUP, "snapshot: unknown format (a newer signpost wrote it)");
    errno = 0;
    *raw = strtoll(head + 2, &end, 10);
    if (errno || !end || *end != ' ' || *raw <= 0 || *raw > SNAP_MAX_RAW)
        return sp_fail(err, SP_EINVAL, "snapshot: bad size");
    if (form == 1) {
        *text = strdup(end + 1);
        return *text ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
    }
    long long n = strtoll(end + 1, &end, 10);
    if (n <= 0 || n > 1000000)
        return sp_fail(err, SP_EINVAL, "snapshot: bad number of pieces");
    sp_buf b = {0};
    int rc = SP_OK;
    for (long long i = 0; rc == SP_OK && i < n; i++) {
        char key[64], *piece = NULL;
        chunk_key(key, sizeof key, i + 1);
        rc = idx_meta_get(ix, key, &piece, err);
        if (rc == SP_OK && (!piece || !*piece))
            rc = sp_fail(err, SP_EINVAL, "snapshot: piece %lld of %lld is missing", i + 1, n);
        if (rc == SP_OK)
            sp_buf_puts(&b, piece);
        free(piece);
    }
    if (rc != SP_OK) {
        sp_buf_free(&b);
        return rc;
    }
    *text = sp_buf_steal(&b);
    return *text ? SP_OK : sp_fail(err, SP_ENOMEM, "out of memory");
}

/* The image back from its base64 text (raw bytes long). */
static int decode(const char *b64, long long raw, unsigned char **out, size_t *len, sp_err *err)
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
    *len = (size_t)raw;
    return SP_OK;
}

int snap_write(idx *ix, const char *path, sp_err *err)
{
    if (sodium_init() < 0)
        return sp_fail(err, SP_ERROR, "cannot initialise libsodium");
    char *v = NULL;
    int rc = idx_meta_get(ix, SNAP_KEY, &v, err);
    if (rc != SP_OK)
        return rc;
    if (!v)
        return sp_fail(err, SP_ENOTFOUND, "the index holds no store snapshot");
    unsigned char *img = NULL;
    size_t len = 0;
    char *text = NULL;
    long long raw = 0;
    rc = snapshot_text(ix, v, &text, &raw, err);
    free(v);
    if (rc == SP_OK)
        rc = decode(text, raw, &img, &len, err);
    free(text);
    if (rc != SP_OK)
        return rc;
    char *tmp = sp_printf("%s.tmp", path);
    FILE *f = tmp ? fopen(tmp, "wb") : NULL;
    bool ok = f && fwrite(img, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    free(img);
    if (!ok || rename(tmp, path) != 0) {
        rc = sp_fail(err, SP_EIO, "snapshot: cannot write %s: %s", tmp ? tmp : path,
                     strerror(errno));
        if (tmp)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}
