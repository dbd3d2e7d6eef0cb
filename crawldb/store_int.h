/*
 * store_int.h - what the store's own files share (not a public header:
 * only the files in crawldb/ include it; everyone else goes through store.h).
 *
 * The handle, and the few ways its files talk to SQLite: a statement is
 * prepared and its parameters bound in one call (sto_prep, by a letter per
 * parameter), run when it returns no rows (sto_run), stepped with sto_next
 * and released with sto_done; the rows are read by a row function per
 * query through sto_each (every row) or sto_one (the one row), a single
 * number through sto_int.
 * Statements run for every fetch or record are prepared once and kept
 * (keep = true; the SQL must be a literal).
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store.h"

#define STO_CACHE 64 /* kept statements per handle */

struct store {
    sqlite3 *db;
    char *path;
    bool read_only;           /* store_open_read */
    int version;              /* PRAGMA user_version as opened */
    sqlite3_stmt *enqueue_st; /* prepared once: a sitemap may queue 50,000 links */
    bool batch;               /* store_batch_begin's transaction is open */
    /* Statements run for every fetch, prepared once (keyed by the address
     * of their SQL text, always a literal): preparing costs more than
     * running them. */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[STO_CACHE];
    size_t n_cache;
};

/* SP_EIO with the store's path, what failed and SQLite's message. */
int sto_fail(store *s, sp_err *err, const char *what);
/* Run SQL text (several statements; no parameters). */
int sto_exec(store *s, const char *sql, sp_err *err);
void sto_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Prepare sql and bind its parameters ?1, ?2, ... in order, one argument
 * each as a letter of types says: 't' text (a const char *, NULL binds
 * NULL), 'i' int, 'I' int64_t, 'd' double (NAN binds NULL), 'b' blob (a
 * const char * and a size_t; NULL is an empty blob).  keep: prepared once
 * and kept.  Release *st with sto_done. */
int sto_prep(store *s, sqlite3_stmt **st, sp_err *err, bool keep, const char *sql,
             const char *types, ...);
/* The first column of the one row sql gives (its one parameter, if any,
 * the text given; NULL: none) as an integer in *out: SP_OK, SP_ENOTFOUND
 * with *out 0 when there is no row (err left for the caller to say what is
 * missing), or the error, what naming what was read. */
int sto_int(store *s, int64_t *out, bool keep, const char *what, sp_err *err, const char *sql,
            const char *text);
/* Run one kept statement that returns no rows, bound as sto_prep's. */
int sto_run(store *s, sp_err *err, const char *sql, const char *types, ...);
/* Step: true while there is a row; at the end false with *rc left alone,
 * on an error false with *rc set (what says what was read). */
bool sto_next(store *s, sqlite3_stmt *st, int *rc, sp_err *err, const char *what);
void sto_done(store *s, sqlite3_stmt *st);
const char *sto_text(sqlite3_stmt *st, int i);
/* A write transaction (a savepoint inside a batch); sto_tx_end commits
 * when rc is SP_OK, else rolls back, and returns rc or the commit's
 * failure. */
int sto_tx_begin(store *s, sp_err *err);
int sto_tx_end(store *s, int rc, sp_err *err);
/* A caller's callback (any of store.h's *_fn types, cast back by the row
 * function that calls it) and its context. */
typedef struct sto_cb {
    void (*fn)(void);
    void *ctx;
} sto_cb;
/* For every row of st (from sto_prep, whose result is rc; released here)
 * call row(cb, st) until it returns non-zero; what names the rows in an
 * error. */
int sto_each(store *s, sqlite3_stmt *st, int rc, int (*row)(const sto_cb *cb, sqlite3_stmt *st),
             const sto_cb *cb, const char *what, sp_err *err);
/* Read the one row of st (from sto_prep, whose result is rc; released
 * here) with row(out, st): SP_OK, SP_ENOTFOUND when there is none (err
 * left for the caller to say what is missing), or the error. */
int sto_one(store *s, sqlite3_stmt *st, int rc, void (*row)(void *out, sqlite3_stmt *st),
            void *out, const char *what, sp_err *err);
/* Call fn(ctx, text) for the first column of every row of st (from
 * sto_prep; released here); fn returns non-zero to stop. */
int sto_each_text(store *s, sqlite3_stmt *st, store_text_fn fn, void *ctx, const char *what,
                  sp_err *err);

#endif
