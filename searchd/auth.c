/*
 * auth.c - the accounts database (auth.h): accounts with Argon2id password
 * hashes, sessions and API tokens stored as hashes of their secrets, and
 * the audit trail, in STORE/accounts.db.
 *
 * One sqlite3 handle per auth_db, used under a mutex: logins are rare and
 * session look-ups are one indexed read, so searchd's workers share it.
 * The slow part of a login (crypto_pwhash_str_verify, ~0.1 s and 64 MiB)
 * runs outside the mutex.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <sqlite3.h>

#include "auth.h"

struct auth_db {
    sqlite3 *db;
    pthread_mutex_t mu;
};

static const char schema_sql[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS accounts("
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, pwhash TEXT NOT NULL,"
    " created INTEGER NOT NULL, last_login INTEGER);"
    "CREATE TABLE IF NOT EXISTS sessions("
    " hash BLOB PRIMARY KEY, account TEXT NOT NULL, created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account);"
    "CREATE TABLE IF NOT EXISTS tokens("
    " id INTEGER PRIMARY KEY, hash BLOB UNIQUE NOT NULL, account TEXT NOT NULL,"
    " role TEXT NOT NULL, label TEXT, created INTEGER NOT NULL, last_used INTEGER,"
    " revoked INTEGER);"
    "CREATE TABLE IF NOT EXISTS audit("
    " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, account TEXT NOT NULL, via TEXT,"
    " action TEXT NOT NULL, target TEXT, detail TEXT, client TEXT);";

static const char *const role_names[] = {"public", "viewer", "editor", "admin"};

const char *auth_role_name(auth_role r)
{
    return r >= AUTH_PUBLIC && r <= AUTH_ADMIN ? role_names[r] : "public";
}

int auth_role_parse(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (!strcmp(s, role_names[i]))
            return i;
    return -1;
}

int auth_init(sp_err *err)
{
    if (sodium_init() < 0)
        return sp_fail(err, SP_ERROR, "cannot initialise libsodium");
    return SP_OK;
}

bool auth_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > AUTH_MAX_NAME)
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == n;
}

static int db_fail(auth_db *db, sp_err *err)
{
    return sp_fail(err, SP_EIO, "accounts database: %s", sqlite3_errmsg(db->db));
}

int auth_open(const char *store_dir, auth_db **out, sp_err *err)
{
    *out = NULL;
    int rc = auth_init(err);
    if (rc != SP_OK)
        return rc;
    char *path = sp_printf("%s/%s", store_dir, AUTH_DB_NAME);
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    auth_db *db = calloc(1, sizeof *db);
    if (!db) {
        free(path);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&db->mu, NULL);
    /* Password and token hashes: readable by the owner only.  The WAL and
     * shm files SQLite makes take the database file's mode. */
    mode_t old = umask(077);
    int src = sqlite3_open_v2(path, &db->db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                              NULL);
    umask(old);
    if (src == SQLITE_OK) {
        chmod(path, 0600);
        sqlite3_busy_timeout(db->db, 5000);
        char *msg = NULL;
        if (sqlite3_exec(db->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
            rc = sp_fail(err, SP_EIO, "accounts database %s: %s", path, msg ? msg : "?");
            sqlite3_free(msg);
        }
    } else {
        rc = sp_fail(err, SP_EIO, "cannot open %s: %s", path,
                     db->db ? sqlite3_errmsg(db->db) : "out of memory");
    }
    free(path);
    return SP_HAND_OVER(rc, db, out, auth_close);
}

void auth_close(auth_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    pthread_mutex_destroy(&db->mu);
    free(db);
}

/* ---- secrets ---- */

void auth_random(char out[AUTH_SECRET_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, AUTH_SECRET_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

/* The stored form of a session id or token: BLAKE2b-256 of its text. */
static void secret_hash(const char *secret, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

void auth_csrf(const char *secret, char out[AUTH_SECRET_LEN + 1])
{
    unsigned char key[32], mac[32];
    secret_hash(secret, key);
    static const char label[] = "signpost csrf v1";
    crypto_generichash(mac, sizeof mac, (const unsigned char *)label, sizeof label - 1, key,
                       sizeof key);
    sodium_bin2base64(out, AUTH_SECRET_LEN + 1, mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool auth_equal(const char *a, const char *b)
{
    size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
    if (!a || !b || na != nb)
        return false;
    return sodium_memcmp(a, b, na) == 0;
}

/* A well-formed secret: AUTH_SECRET_LEN base64url characters. */
static bool secret_shape(const char *s)
{
    return s && strlen(s) == AUTH_SECRET_LEN &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
               AUTH_SECRET_LEN;
}

/* ---- small statement helpers (called with db->mu held) ---- */

/* Prepare sql and bind its parameters as fmt says, one character each:
 * 't' text (const char *, NULL binds NULL), 'i' int64_t, 'h' a 32-byte
 * hash.  NULL (and err set) when the statement cannot be prepared. */
static sqlite3_stmt *vprep(auth_db *db, sp_err *err, const char *sql, const char *fmt,
                           va_list ap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(db, err);
        return NULL;
    }
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't') {
            const char *t = va_arg(ap, const char *);
            if (t)
                sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT);
        } else if (fmt[i] == 'i') {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else {
            sqlite3_bind_blob(st, i + 1, va_arg(ap, const unsigned char *), 32,
                              SQLITE_TRANSIENT);
        }
    }
    return st;
}

static sqlite3_stmt *prep(auth_db *db, sp_err *err, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = vprep(db, err, sql, fmt, ap);
    va_end(ap);
    return st;
}

/* Run a statement that returns no rows; SP_OK or SP_EIO.  *changes (may be
 * NULL) gets the number of rows it changed. */
static int run(auth_db *db, sp_err *err, int *changes, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = vprep(db, err, sql, fmt, ap);
    va_end(ap);
    if (!st)
        return SP_EIO;
    int rc = sqlite3_step(st) == SQLITE_DONE ? SP_OK : db_fail(db, err);
    sqlite3_finalize(st);
    if (changes)
        *changes = rc == SP_OK ? sqlite3_changes(db->db) : 0;
    return rc;
}

static void col_copy(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* ---- accounts ---- */

static int check_password(const char *password, sp_err *err)
{
    size_t n = password ? strlen(password) : 0;
    if (n < AUTH_MIN_PASSWORD || n > AUTH_MAX_PASSWORD)
        return sp_fail(err, SP_EINVAL, "a password is %d to %d bytes long", AUTH_MIN_PASSWORD,
                       AUTH_MAX_PASSWORD);
    return SP_OK;
}

/* Check a new password and hash it (Argon2id, interactive limits). */
static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES], sp_err *err)
{
    int rc = check_password(password, err);
    if (rc != SP_OK)
        return rc;
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return sp_fail(err, SP_ENOMEM, "cannot hash the password (out of memory)");
    return SP_OK;
}

/* Store the hash of password for name: a new account with role (add), or
 * a new password for an existing one (role unused), which ends every
 * session the old one opened. */
static int put_password(auth_db *db, const char *name, auth_role role, const char *password,
                        bool add, sp_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc = hash_password(password, hash, err); /* slow on purpose: not under the lock */
    if (rc != SP_OK)
        return rc;
    int n = 0;
    pthread_mutex_lock(&db->mu);
    if (add)
        rc = run(db, err, &n,
                 "INSERT INTO accounts(name,role,pwhash,created) VALUES(?,?,?,?)"
                 " ON CONFLICT(name) DO NOTHING",
                 "ttti", name, auth_role_name(role), hash, (int64_t)sp_now());
    else
        rc = run(db, err, &n, "UPDATE accounts SET pwhash=? WHERE name=?", "tt", hash, name);
    if (rc == SP_OK && n == 0)
        rc = add ? sp_fail(err, SP_EINVAL, "an account named '%s' exists already", name)
                 : sp_fail(err, SP_ENOTFOUND, "no account named '%s'", name);
    if (rc == SP_OK && !add)
        rc = run(db, err, NULL, "DELETE FROM sessions WHERE account=?", "t", name);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int auth_user_add(auth_db *db, const char *name, auth_role role, const char *password,
                  sp_err *err)
{
    if (!auth_name_valid(name))
        return sp_fail(err, SP_EINVAL,
                       "an account name is 1 to %d of the characters a-z A-Z 0-9 . _ - @",
                       AUTH_MAX_NAME);
    if (role < AUTH_VIEWER || role > AUTH_ADMIN)
        return sp_fail(err, SP_EINVAL, "an account's role is viewer, editor or admin");
    return put_password(db, name, role, password, true, err);
}

int auth_user_remove(auth_db *db, const char *name, sp_err *err)
{
    int n = 0;
    pthread_mutex_lock(&db->mu);
    int rc = run(db, err, NULL, "BEGIN IMMEDIATE", "");
    if (rc == SP_OK)
        rc = run(db, err, NULL, "DELETE FROM sessions WHERE account=?", "t", name);
    if (rc == SP_OK)
        rc = run(db, err, NULL, "DELETE FROM tokens WHERE account=?", "t", name);
    if (rc == SP_OK)
        rc = run(db, err, &n, "DELETE FROM accounts WHERE name=?", "t", name);
    if (rc == SP_OK && n == 0)
        rc = sp_fail(err, SP_ENOTFOUND, "no account named '%s'", name);
    sqlite3_exec(db->db, rc == SP_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int auth_user_passwd(auth_db *db, const char *name, const char *password, sp_err *err)
{
    return put_password(db, name, AUTH_VIEWER, password, false, err);
}

static json_t *int_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? json_null()
               : json_integer(sqlite3_column_int64(st, col));
}

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? json_string((const char *)t) : json_null();
}

/* The rows of st (prepared with db->mu held, which this releases) as a JSON
 * array of row()'s objects; NULL when st is NULL or memory runs out. */
static json_t *list_rows(auth_db *db, sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *st))
{
    json_t *out = st ? json_array() : NULL;
    while (out && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(out, row(st));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->mu);
    return out;
}

static json_t *user_row(sqlite3_stmt *st)
{
    return json_pack("{s:s,s:s,s:I,s:o,s:I,s:I}", "name",
                     (const char *)sqlite3_column_text(st, 0), "role",
                     (const char *)sqlite3_column_text(st, 1), "created",
                     (json_int_t)sqlite3_column_int64(st, 2), "last_login", int_or_null(st, 3),
                     "sessions", (json_int_t)sqlite3_column_int64(st, 4), "tokens",
                     (json_int_t)sqlite3_column_int64(st, 5));
}

json_t *auth_user_list(auth_db *db, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(
        db, err,
        "SELECT name, role, created, last_login,"
        " (SELECT count(*) FROM sessions s WHERE s.account=a.name AND s.expires>?),"
        " (SELECT count(*) FROM tokens t WHERE t.account=a.name AND t.revoked IS NULL)"
        " FROM accounts a ORDER BY name",
        "i", (int64_t)sp_now());
    return list_rows(db, st, user_row);
}

/* The hash auth_login verifies unknown names against. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[AUTH_SECRET_LEN + 1];
    auth_random(pw);
    if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
}

/* The role in column col of st (AUTH_PUBLIC for anything unknown). */
static auth_role col_role(sqlite3_stmt *st, int col)
{
    int r = auth_role_parse((const char *)sqlite3_column_text(st, col));
    return r > 0 ? (auth_role)r : AUTH_PUBLIC;
}

int auth_login(auth_db *db, const char *name, const char *password, auth_who *who,
               sp_err *err)
{
    char hash[crypto_pwhash_STRBYTES] = "";
    auth_role role = AUTH_PUBLIC;
    memset(who, 0, sizeof *who);
    if (auth_name_valid(name)) {
        pthread_mutex_lock(&db->mu);
        sqlite3_stmt *st =
            prep(db, err, "SELECT pwhash, role FROM accounts WHERE name=?", "t", name);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            col_copy(st, 0, hash, sizeof hash);
            role = col_role(st, 1);
        }
        sqlite3_finalize(st);
        pthread_mutex_unlock(&db->mu);
    }
    /* An unknown name costs the same as a wrong password: verify against a
     * hash of a password nobody has, made once. */
    bool known = hash[0] != '\0';
    if (!known) {
        pthread_once(&dummy_once, make_dummy);
        snprintf(hash, sizeof hash, "%s", dummy_hash);
    }
    size_t plen = password ? strlen(password) : 0;
    bool ok = plen > 0 && plen <= AUTH_MAX_PASSWORD &&
              crypto_pwhash_str_verify(hash, password, plen) == 0;
    if (!known || !ok || role <= AUTH_PUBLIC)
        return sp_fail(err, SP_EINVAL, "wrong account name or password");
    snprintf(who->name, sizeof who->name, "%s", name);
    who->role = role;
    who->via = "session";
    pthread_mutex_lock(&db->mu);
    run(db, NULL, NULL, "UPDATE accounts SET last_login=? WHERE name=?", "it",
        (int64_t)sp_now(), name);
    pthread_mutex_unlock(&db->mu);
    return SP_OK;
}

/* ---- sessions ---- */

int auth_session_new(auth_db *db, const char *name, char secret[AUTH_SECRET_LEN + 1],
                     sp_err *err)
{
    unsigned char h[32];
    auth_random(secret);
    secret_hash(secret, h);
    int64_t now = sp_now();
    int n = 0;
    pthread_mutex_lock(&db->mu);
    int rc = run(db, err, NULL, "DELETE FROM sessions WHERE expires<=?", "i", now);
    if (rc == SP_OK)
        rc = run(db, err, &n,
                 "INSERT INTO sessions(hash,account,created,expires) "
                 "SELECT ?,name,?,? FROM accounts WHERE name=?",
                 "hiit", h, now, now + (int64_t)AUTH_SESSION_SECONDS, name);
    pthread_mutex_unlock(&db->mu);
    if (rc == SP_OK && n == 0)
        rc = sp_fail(err, SP_ENOTFOUND, "no account named '%s'", name);
    return rc;
}

/* Look up one row by the hash of a secret: sql selects the account name,
 * the role, and (tokens) a second role and the token id.  Fills who. */
static int who_by_hash(auth_db *db, const char *sql, const char *secret, bool token,
                       auth_who *who, sp_err *err)
{
    unsigned char h[32];
    secret_hash(secret, h);
    int rc = SP_ENOTFOUND;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = token ? prep(db, err, sql, "h", h)
                             : prep(db, err, sql, "hi", h, (int64_t)sp_now());
    if (!st) {
        rc = SP_EIO;
    } else if (sqlite3_step(st) == SQLITE_ROW) {
        col_copy(st, 0, who->name, sizeof who->name);
        who->role = col_role(st, 1);
        who->via = token ? "token" : "session";
        if (token) {
            auth_role account = col_role(st, 2);
            if (account < who->role)
                who->role = account; /* never more than the account has now */
            who->token_id = sqlite3_column_int64(st, 3);
        }
        rc = SP_OK;
    }
    sqlite3_finalize(st);
    if (rc == SP_OK && token)
        run(db, NULL, NULL, "UPDATE tokens SET last_used=? WHERE id=?", "ii",
            (int64_t)sp_now(), who->token_id);
    pthread_mutex_unlock(&db->mu);
    if (rc == SP_ENOTFOUND)
        sp_fail(err, rc, token ? "unknown or revoked token" : "no such session, or it expired");
    return rc;
}

int auth_session_get(auth_db *db, const char *secret, auth_who *who, sp_err *err)
{
    memset(who, 0, sizeof *who);
    if (!secret_shape(secret))
        return sp_fail(err, SP_ENOTFOUND, "no such session");
    return who_by_hash(db,
                       "SELECT a.name, a.role FROM sessions s JOIN accounts a "
                       "ON a.name=s.account WHERE s.hash=? AND s.expires>?",
                       secret, false, who, err);
}

int auth_session_end(auth_db *db, const char *secret, sp_err *err)
{
    if (!secret_shape(secret))
        return SP_OK;
    unsigned char h[32];
    secret_hash(secret, h);
    pthread_mutex_lock(&db->mu);
    int rc = run(db, err, NULL, "DELETE FROM sessions WHERE hash=?", "h", h);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

/* ---- API tokens ---- */

int auth_token_add(auth_db *db, const char *name, auth_role role, const char *label,
                   int64_t *id, char token[sizeof AUTH_TOKEN_PREFIX + AUTH_SECRET_LEN],
                   sp_err *err)
{
    if (role < AUTH_VIEWER || role > AUTH_ADMIN)
        return sp_fail(err, SP_EINVAL, "a token's role is viewer, editor or admin");
    if (label && (strlen(label) > 200 || !sp_utf8_valid(label, strlen(label))))
        return sp_fail(err, SP_EINVAL, "a token's label is at most 200 bytes of UTF-8");
    char secret[AUTH_SECRET_LEN + 1];
    auth_random(secret);
    snprintf(token, sizeof AUTH_TOKEN_PREFIX + AUTH_SECRET_LEN, "%s%s", AUTH_TOKEN_PREFIX,
             secret);
    unsigned char h[32];
    secret_hash(token, h);
    int rc = SP_EIO;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err, "SELECT role FROM accounts WHERE name=?", "t", name);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        auth_role have = col_role(st, 0);
        rc = role <= have ? SP_OK
                          : sp_fail(err, SP_EINVAL,
                                    "'%s' is %s: a token cannot have a stronger role", name,
                                    auth_role_name(have));
    } else if (st) {
        rc = sp_fail(err, SP_ENOTFOUND, "no account named '%s'", name);
    }
    sqlite3_finalize(st);
    if (rc == SP_OK)
        rc = run(db, err, NULL,
                 "INSERT INTO tokens(hash,account,role,label,created) VALUES(?,?,?,?,?)",
                 "httti", h, name, auth_role_name(role), label, (int64_t)sp_now());
    if (rc == SP_OK && id)
        *id = sqlite3_last_insert_rowid(db->db);
    pthread_mutex_unlock(&db->mu);
    if (rc != SP_OK)
        sodium_memzero(token, sizeof AUTH_TOKEN_PREFIX + AUTH_SECRET_LEN);
    return rc;
}

int auth_token_get(auth_db *db, const char *token, auth_who *who, sp_err *err)
{
    memset(who, 0, sizeof *who);
    size_t pl = strlen(AUTH_TOKEN_PREFIX);
    if (!token || strncmp(token, AUTH_TOKEN_PREFIX, pl) || !secret_shape(token + pl))
        return sp_fail(err, SP_ENOTFOUND, "not a Signpost API token");
    return who_by_hash(db,
                       "SELECT a.name, t.role, a.role, t.id FROM tokens t JOIN accounts a "
                       "ON a.name=t.account WHERE t.hash=? AND t.revoked IS NULL",
                       token, true, who, err);
}

int auth_token_revoke(auth_db *db, int64_t id, sp_err *err)
{
    int n = 0;
    pthread_mutex_lock(&db->mu);
    int rc = run(db, err, &n, "UPDATE tokens SET revoked=? WHERE id=? AND revoked IS NULL",
                 "ii", (int64_t)sp_now(), id);
    pthread_mutex_unlock(&db->mu);
    if (rc == SP_OK && n == 0)
        rc = sp_fail(err, SP_ENOTFOUND, "no token %lld that is not revoked already",
                     (long long)id);
    return rc;
}

static json_t *token_row(sqlite3_stmt *st)
{
    return json_pack("{s:I,s:s,s:s,s:o,s:I,s:o,s:o}", "id",
                     (json_int_t)sqlite3_column_int64(st, 0), "account",
                     (const char *)sqlite3_column_text(st, 1), "role",
                     (const char *)sqlite3_column_text(st, 2), "label", text_or_null(st, 3),
                     "created", (json_int_t)sqlite3_column_int64(st, 4), "last_used",
                     int_or_null(st, 5), "revoked", int_or_null(st, 6));
}

json_t *auth_token_list(auth_db *db, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err,
                            "SELECT id, account, role, label, created, last_used, revoked "
                            "FROM tokens ORDER BY id",
                            "");
    return list_rows(db, st, token_row);
}

/* ---- the audit trail ---- */

int auth_audit(auth_db *db, const auth_who *who, const char *action, const char *target,
               const char *detail, const char *client, sp_err *err)
{
    pthread_mutex_lock(&db->mu);
    int rc = run(db, err, NULL,
                 "INSERT INTO audit(at,account,via,action,target,detail,client) "
                 "VALUES(?,?,?,?,?,?,?)",
                 "itttttt", (int64_t)sp_now(), who ? who->name : "", who ? who->via : NULL,
                 action, target, detail, client);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static json_t *audit_row(sqlite3_stmt *st)
{
    char at[32];
    sp_time_format(sqlite3_column_int64(st, 1), at);
    return json_pack("{s:I,s:s,s:s,s:o,s:s,s:o,s:o,s:o}", "seq",
                     (json_int_t)sqlite3_column_int64(st, 0), "at", at, "account",
                     (const char *)sqlite3_column_text(st, 2), "via", text_or_null(st, 3),
                     "action", (const char *)sqlite3_column_text(st, 4), "target",
                     text_or_null(st, 5), "detail", text_or_null(st, 6), "client",
                     text_or_null(st, 7));
}

json_t *auth_audit_list(auth_db *db, const char *account, const char *action, size_t limit,
                        sp_err *err)
{
    if (limit < 1 || limit > AUTH_MAX_AUDIT)
        limit = AUTH_MAX_AUDIT;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = prep(db, err,
                            "SELECT seq, at, account, via, action, target, detail, client "
                            "FROM audit WHERE (?1 IS NULL OR account=?1) AND "
                            "(?2 IS NULL OR action=?2) ORDER BY seq DESC LIMIT ?3",
                            "tti", account, action, (int64_t)limit);
    return list_rows(db, st, audit_row);
}
