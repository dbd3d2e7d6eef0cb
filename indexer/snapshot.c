/*
 * snapshot.c - the store tables searchd reads, carried in the index as
 * metadata (snapshot.h): built from STORE/crawl.db with SQLite (an
 * in-memory database filled by CREATE TABLE ... AS SELECT, then
 * sqlite3_serialize), compressed with zlib and encoded with libsodium's
 * base64 because index metadata is text here.
 */
#include "snapshot.h"

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "store.h"

/* The image of a London-scale store's hub tables is tens of MB; refuse to
 * inflate anything claiming more than this. */
#define SNAP_MAX_RAW (1024LL * 1024 * 1024)

/* What searchd reads, table by table: the columns its queries use
 * (indexer/hub.c, crawler/store.c store_source_health, searchd/feeds_out.c).
 * Bodies and headers of documents stay behind. */
static const struct {
    const char *table, *select;
} snap_tables[] = {
    {"sources", "SELECT * FROM src.sources"},
    {"urls", "SELECT source, url, state, content_hash FROM src.urls"},
    {"documents", "SELECT seq, source FROM src.documents"},
    {"hub_records", "SELECT * FROM src.hub_records"},
    {"hub_decisions", "SELECT * FROM src.hub_decisions"},
    {"hub_links", "SELECT * FROM src.hub_links"},
    {"hub_meta", "SELECT * FROM src.hub_meta"},
    {"ingest_records",
     "SELECT id, source, gone_at FROM src.ingest_records WHERE gone_at IS NOT NULL"},
};

static bool has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    bool yes = sqlite3_prepare_v2(db, "SELECT 1 FROM src.sqlite_master WHERE type='table' "
                                      "AND name=?1", -1, &st, NULL) == SQLITE_OK &&
               sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* The snapshot's SQLite image (sqlite3_malloc'd) in *img. */
static int build_image(const char *store_dir, unsigned char **img, sqlite3_int64 *size,
                       sp_err *err)
{
    *img = NULL;
    *size = 0;
    char *path = sp_printf("%s/%s", store_dir, STORE_DB_NAME);
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    struct stat sb;
    bool have = stat(path, &sb) == 0;
    sqlite3 *db = NULL;
    /* The copy is main (in memory), the store attached as src. */
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(db, "ATTACH ?1 AS src", -1, &st, NULL);
        if (rc == SQLITE_OK)
            sqlite3_bind_text(st, 1, have ? path : ":memory:", -1, SQLITE_STATIC);
        if (rc == SQLITE_OK && sqlite3_step(st) != SQLITE_DONE)
            rc = SQLITE_ERROR;
        sqlite3_finalize(st);
        st = NULL;
    }
    free(path);
    if (rc != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "snapshot: cannot open the store: %s",
                     db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, SP_STORE_BUSY_MS);
    /* One read transaction: every table as of the same moment. */
    char *msg = NULL;
    int src = sqlite3_exec(db, "BEGIN", NULL, NULL, &msg);
    int version = 0;
    if (src == SQLITE_OK && sqlite3_prepare_v2(db, "PRAGMA src.user_version", -1, &st, NULL) ==
                                SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    for (size_t i = 0; src == SQLITE_OK && i < sizeof snap_tables / sizeof snap_tables[0]; i++) {
        if (!has_table(db, snap_tables[i].table))
            continue;
        char *sql = sp_printf("CREATE TABLE main.%s AS %s", snap_tables[i].table,
                              snap_tables[i].select);
        if (!sql) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_close(db);
            return sp_fail(err, SP_ENOMEM, "out of memory");
        }
        src = sqlite3_exec(db, sql, NULL, NULL, &msg);
        free(sql);
    }
    if (src == SQLITE_OK) {
        /* A store's version, so store_open reading the copy migrates
         * nothing. */
        char *sql = sp_printf("PRAGMA main.user_version=%d", version);
        src = sql ? sqlite3_exec(db, sql, NULL, NULL, &msg) : SQLITE_NOMEM;
        free(sql);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = sp_fail(err, SP_EIO, "snapshot: %s", msg ? msg : sqlite3_errstr(src));
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    *img = sqlite3_serialize(db, "main", size, 0);
    sqlite3_close(db);
    if (!*img)
        return sp_fail(err, SP_ENOMEM, "snapshot: out of memory");
    return SP_OK;
}

/* "1 RAWSIZE BASE64" of the compressed image. */
static char *encode(const unsigned char *img, sqlite3_int64 size, sp_err *err)
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
    sqlite3_int64 size = 0;
    int rc = build_image(store_dir, &img, &size, err);
    if (rc != SP_OK)
        return rc;
    char *value = encode(img, size, err);
    sqlite3_free(img);
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
