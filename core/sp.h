/*
 * sp.h - the one way Signpost reports errors, and a few small helpers every
 * module shares.
 *
 * Every fallible function returns an int: SP_OK (0) on success or a negative
 * SP_E* code, and fills an optional caller-owned sp_err with a one-line,
 * human-readable message.  A function that fails leaves its out-parameters
 * untouched (or NULL) and owns nothing the caller must free.
 */
#ifndef SP_H
#define SP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SP_OK = 0,
    SP_ERROR = -1,     /* generic failure */
    SP_ENOMEM = -2,    /* allocation failed */
    SP_EINVAL = -3,    /* bad argument or bad input from a user */
    SP_EIO = -4,       /* file, network or database I/O failed */
    SP_EPARSE = -5,    /* malformed input document */
    SP_ENOTFOUND = -6, /* no such thing */
    SP_ELIMIT = -7,    /* a size, depth, count or time bound was hit */
    SP_EUNSUP = -8,    /* valid, but not something we handle */
    SP_EAGAIN = -9     /* try again later (busy, locked, rate limited) */
};

/* How long a store writer waits for another connection's SQLite lock
 * before giving up (sqlite3_busy_timeout).  Every crawl.db writer uses it:
 * on a loaded 2-core machine an indexing or linkage transaction can hold
 * the lock for tens of seconds, and a crawl pass that gives up loses its
 * work until the next pass. */
#define SP_STORE_BUSY_MS 120000

typedef struct sp_err {
    int code;
    char msg[512];
} sp_err;

/* Record an error in err (if non-NULL) and return code.  printf-style. */
int sp_fail(sp_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sp_vfail(sp_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void sp_err_clear(sp_err *err);
/* Name of a code: "SP_EINVAL" and so on. */
const char *sp_code_name(int code);

/* Allocation that aborts on failure is NOT used: callers check NULL.  These
 * helpers only save repetition. */
char *sp_strdup(const char *s);            /* NULL in, NULL out */
char *sp_strndup(const char *s, size_t n);
char *sp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; always NUL-terminated when len > 0 or after
 * sp_buf_cstr().  Zero-initialise to use. */
typedef struct sp_buf {
    char *data;
    size_t len;
    size_t cap;
} sp_buf;

int sp_buf_append(sp_buf *b, const void *p, size_t n);
int sp_buf_puts(sp_buf *b, const char *s);
int sp_buf_printf(sp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *sp_buf_cstr(sp_buf *b); /* "" when empty */
char *sp_buf_steal(sp_buf *b);      /* caller frees; buffer reset */
void sp_buf_free(sp_buf *b);

/* Read a whole file, bounded by max bytes (SP_ELIMIT beyond). */
int sp_read_file(const char *path, size_t max, char **out, size_t *out_len,
                 sp_err *err);

/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates)? */
int sp_utf8_valid(const char *s, size_t n);

/* Do objects and arrays in the JSON text s[0..n) nest deeper than max?  A
 * scan, not a parse (strings are skipped), so a reader can refuse such a
 * document before jansson's recursive parser sees it. */
int sp_json_too_deep(const char *s, size_t n, int max);

/* Seconds since the epoch <-> RFC 3339 UTC ("2026-11-23T11:30:00Z").
 * sp_time_parse accepts dates ("2026-11-23") and offsets; returns -1 if bad. */
int64_t sp_time_parse(const char *s);
void sp_time_format(int64_t t, char out[32]);
int64_t sp_now(void);

/* Where the project's data/ folder is: $SIGNPOST_DATA, else the installed
 * data dir, else the source tree's data/ (set at build time). */
const char *sp_data_dir(void);

#endif
