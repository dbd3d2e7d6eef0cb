/*
 * snapshot.c - the store tables searchd reads, carried in the index as
 * metadata (snapshot.h): the store's image of them
 * (store_snapshot_image), compressed with zlib and encoded with
 * libsodium's base64 because index metadata is text here.
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

/* "1 RAWSIZE BASE64" of the compressed image. */
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
    char head[48];
    int hn = snprintf(head, sizeof head, "1 %lld ", (long long)size);
    char *out = malloc((size_t)hn + b64);
    if (out) {
        memcpy(out, head, (size_t)hn);
        sodium_bin2base64(out + hn, b64, z, zlen, sodium_base64_VARIANT_ORIGINAL);
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

int snap_publish(idx *ix, const char *store_dir, bool changed, sp_err *err)
{
    if (sodium_init() < 0)
        return sp_fail(err, SP_ERROR, "cannot initialise libsodium");
    unsigned char *img = NULL;
    int64_t size = 0;
    int rc = store_snapshot_image(store_dir, &img, &size, err);
    if (rc != SP_OK)
        return rc;
    char *value = encode(img, size, err);
    store_snapshot_free(img);
    if (!value)
        return SP_ENOMEM;
    char *old = NULL;
    idx_meta_get(ix, SNAP_KEY, &old, NULL);
    bool same = old && !strcmp(old, value);
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
        rc = idx_meta_set(ix, SNAP_KEY, value, err);
    if (rc == SP_OK)
        rc = idx_meta_set(ix, SNAP_REVISION_KEY, rev, err);
    if (rc == SP_OK)
        rc = idx_meta_set(ix, SNAP_TIME_KEY, at, err);
    if (rc == SP_OK && !have_key) {
        char hex[2 * SNAP_FORM_KEY_LEN + 1];
        randombytes_buf(key, sizeof key);
        sodium_bin2hex(hex, sizeof hex, key, sizeof key);
        rc = idx_meta_set(ix, SNAP_FORM_KEY, hex, err);
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

/* The image back from "1 RAWSIZE BASE64". */
static int decode(const char *v, unsigned char **out, size_t *len, sp_err *err)
{
    *out = NULL;
    char *end = NULL;
    if (strncmp(v, "1 ", 2) != 0)
        return sp_fail(err, SP_EUNSUP, "snapshot: unknown format (a newer signpost wrote it)");
    errno = 0;
    long long raw = strtoll(v + 2, &end, 10);
    if (errno || !end || *end != ' ' || raw <= 0 || raw > SNAP_MAX_RAW)
        return sp_fail(err, SP_EINVAL, "snapshot: bad size");
    const char *b64 = end + 1;
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
    rc = decode(v, &img, &len, err);
    free(v);
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
