/*
 * auth.h - accounts, roles, sessions, API tokens and the audit trail of a
 * Signpost instance, kept in STORE/accounts.db (SQLite, WAL, file mode
 * 0600).  Used by searchd (who is asking, may they) and by `signpost user`
 * and `signpost token` (cli/cmd_user.c).
 *
 * Why a database of its own rather than tables in crawl.db: the hub's
 * snapshot is reloaded whenever crawl.db changes (searchd/hub.c), and a
 * login or a session touch must not cost a reload; the secrets (password
 * hashes, token hashes) also stay out of the file that exports and backups
 * of the crawl read.
 *
 * Secrets: passwords are stored as libsodium crypto_pwhash_str strings
 * (Argon2id, the "interactive" limits); session ids and API tokens are 32
 * random bytes the client holds, stored only as their BLAKE2b hash, so a
 * copy of the database lets nobody in.
 *
 * Roles, weakest first: public (anyone, never stored), viewer (reads the
 * hub), editor (hub decisions), admin (accounts and sources).  A role
 * includes every weaker one.  A token has a role of its own, capped by its
 * account's when used.
 *
 * Ownership: an auth_db belongs to the caller (auth_close); it serialises
 * its own use with a mutex, so searchd's workers share one handle.  Strings
 * written into the fixed-size fields of auth_who are copies.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sp.h"

#define AUTH_DB_NAME "accounts.db"
#define AUTH_MAX_NAME 64        /* bytes of an account name */
#define AUTH_MIN_PASSWORD 10    /* bytes of a password */
#define AUTH_MAX_PASSWORD 1024
#define AUTH_SECRET_LEN 43      /* base64url of 32 random bytes */
#define AUTH_TOKEN_PREFIX "spt_" /* API tokens start with this */
#define AUTH_SESSION_SECONDS (12 * 3600) /* a session lasts this long */
#define AUTH_MAX_AUDIT 1000     /* rows one audit listing returns */

typedef enum auth_role {
    AUTH_PUBLIC = 0,
    AUTH_VIEWER = 1,
    AUTH_EDITOR = 2,
    AUTH_ADMIN = 3
} auth_role;

/* "public", "viewer", "editor", "admin"; the parser returns -1 for other. */
const char *auth_role_name(auth_role r);
int auth_role_parse(const char *s);

typedef struct auth_db auth_db;

/* Initialise libsodium (once per process; safe to call again). */
int auth_init(sp_err *err);

/* Open (creating the file and tables as needed) STORE/accounts.db. */
int auth_open(const char *store_dir, auth_db **out, sp_err *err);
void auth_close(auth_db *db);

/* Who is asking: an account and the role it acts with now.  name is ""
 * for the public.  via is "session", "token" or "cli". */
typedef struct auth_who {
    char name[AUTH_MAX_NAME + 1];
    auth_role role;
    const char *via;
    int64_t token_id; /* the token used, or 0 */
} auth_who;

/* ---- accounts ---- */

/* Account names: 1..AUTH_MAX_NAME of a-z A-Z 0-9 . _ - @ (an e-mail
 * address fits).  Passwords: AUTH_MIN_PASSWORD..AUTH_MAX_PASSWORD bytes. */
bool auth_name_valid(const char *name);
int auth_user_add(auth_db *db, const char *name, auth_role role, const char *password,
                  sp_err *err);
/* Removes the account, its sessions and its tokens (SP_ENOTFOUND). */
int auth_user_remove(auth_db *db, const char *name, sp_err *err);
/* New password; every session of the account ends (SP_ENOTFOUND). */
int auth_user_passwd(auth_db *db, const char *name, const char *password, sp_err *err);
/* [{name, role, created, last_login, sessions, tokens}], a new reference. */
json_t *auth_user_list(auth_db *db, sp_err *err);
/* Check a password: SP_OK and *who filled, or SP_EINVAL for a wrong name
 * or password alike (the same work is done for an unknown name, so the
 * time taken does not tell which). */
int auth_login(auth_db *db, const char *name, const char *password, auth_who *who,
               sp_err *err);

/* ---- sessions ---- */

/* A new session for an account; secret receives the cookie value
 * (AUTH_SECRET_LEN chars + NUL).  Expired sessions are pruned here. */
int auth_session_new(auth_db *db, const char *name, char secret[AUTH_SECRET_LEN + 1],
                     sp_err *err);
/* The session's account (SP_ENOTFOUND when unknown or expired). */
int auth_session_get(auth_db *db, const char *secret, auth_who *who, sp_err *err);
int auth_session_end(auth_db *db, const char *secret, sp_err *err);
/* The CSRF token of a session: a keyed hash of its secret, so it needs no
 * storage and a stolen database does not give it away (AUTH_SECRET_LEN
 * chars + NUL). */
void auth_csrf(const char *secret, char out[AUTH_SECRET_LEN + 1]);
/* Constant-time comparison of two NUL-terminated strings. */
bool auth_equal(const char *a, const char *b);
/* A fresh random secret (base64url of 32 bytes). */
void auth_random(char out[AUTH_SECRET_LEN + 1]);

/* ---- API tokens ---- */

/* A token for an account with a role (at most the account's); token
 * receives the whole token (AUTH_TOKEN_PREFIX + secret), shown once. */
int auth_token_add(auth_db *db, const char *name, auth_role role, const char *label,
                   int64_t *id, char token[sizeof AUTH_TOKEN_PREFIX + AUTH_SECRET_LEN],
                   sp_err *err);
/* The token's account and role (SP_ENOTFOUND when unknown or revoked). */
int auth_token_get(auth_db *db, const char *token, auth_who *who, sp_err *err);
int auth_token_revoke(auth_db *db, int64_t id, sp_err *err);
/* [{id, account, role, label, created, last_used, revoked}]. */
json_t *auth_token_list(auth_db *db, sp_err *err);

/* ---- the audit trail ---- */

/* One row: who (name "" for anonymous), action ("hub.decision",
 * "login", "login.failed", "user.add", ...), target and detail (free text
 * made by the code, never by the client), client (an address or NULL). */
int auth_audit(auth_db *db, const auth_who *who, const char *action, const char *target,
               const char *detail, const char *client, sp_err *err);
/* Newest first: [{at, account, via, action, target, detail, client}];
 * action and account may be NULL (all).  limit 1..AUTH_MAX_AUDIT. */
json_t *auth_audit_list(auth_db *db, const char *account, const char *action, size_t limit,
                        sp_err *err);

#endif
