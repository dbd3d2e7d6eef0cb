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
#include <stdbool.h>
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
/* Free the n strings of v, then v itself: the one way an owned array of
 * strings goes.  NULL v frees nothing (n is then ignored). */
void sp_strv_free(char **v, size_t n);

/* A string key and the index of the thing it belongs to.  sp_keyed_sort
 * orders an array of them by key (strcmp), equal keys by index: things
 * sorted by a key keep their order among equals, which qsort alone does
 * not promise.  The keys stay the caller's. */
typedef struct sp_keyed {
    const char *key;
    size_t i;
} sp_keyed;
void sp_keyed_sort(sp_keyed *v, size_t n);

/* The end of a constructor that builds obj for the caller: when rc is
 * SP_OK, *out = obj; otherwise free_fn(obj) frees what was built so far
 * (free_fn takes a partly built obj, as every X_free/X_close does).  The
 * value is rc, so a constructor ends with
 *
 *     return SP_HAND_OVER(rc, h, out, hub_close);
 *
 * rc and obj are evaluated twice: pass plain variables. */
#define SP_HAND_OVER(rc, obj, out, free_fn) \
    ((rc) == SP_OK ? (*(out) = (obj), SP_OK) : ((free_fn)(obj), (rc)))

/* A result the caller must look at (gcc and clang warn, -Werror fails);
 * a (void) cast does not silence gcc: use the value. */
#define SP_MUST_CHECK __attribute__((warn_unused_result))

/* Make room in a growable array for at least need elements of elem bytes.
 * arrp is the address of the array pointer (a T **, as void * so that any
 * element type passes), cap the address of its capacity in elements.  When
 * need > *cap the capacity doubles (from first when it is 0) until need
 * fits and the array is realloc'ed.  SP_ENOMEM when the size would
 * overflow or realloc fails; then *arrp and *cap are as they were (the old
 * array still belongs to the caller).  The one way Signpost grows arrays:
 *
 *     if (sp_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v, 16) != SP_OK)
 *         return SP_ENOMEM;
 *     l->v[l->n++] = x;
 */
int sp_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
    SP_MUST_CHECK;

/* A growable byte buffer; always NUL-terminated when len > 0 or after
 * sp_buf_cstr().  Zero-initialise to use.
 *
 * The error is sticky, as in SQLite's printf accumulator: the first append
 * that fails (out of memory) frees the text and records the code in err;
 * every later append does nothing and returns that code, and the buffer's
 * finishers report it: sp_buf_steal and sp_buf_cstr give NULL, sp_buf_error
 * the code.  So a run of appends needs no check of its own: check the
 * finisher once at the end (SP_MUST_CHECK makes the compiler insist).  An
 * append's result is worth reading only to stop early.  Code that reads
 * data/len directly checks sp_buf_error first.  sp_buf_free clears it. */
typedef struct sp_buf {
    char *data;
    size_t len;
    size_t cap;
    int err; /* SP_OK, or the first failure (sticky) */
} sp_buf;

int sp_buf_append(sp_buf *b, const void *p, size_t n);
int sp_buf_puts(sp_buf *b, const char *s);
int sp_buf_printf(sp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The text so far, "" when empty; NULL when an append failed. */
const char *sp_buf_cstr(sp_buf *b) SP_MUST_CHECK;
/* The text for the caller to free, "" when empty; NULL when an append
 * failed (or copying "" did).  The buffer is reset either way. */
char *sp_buf_steal(sp_buf *b) SP_MUST_CHECK;
/* SP_OK, or the code of the first append that failed. */
int sp_buf_error(const sp_buf *b) SP_MUST_CHECK;
/* Empty the buffer for reuse, keeping its memory; clears the error. */
void sp_buf_reset(sp_buf *b);
void sp_buf_free(sp_buf *b);

/* Append s as one CSV field (RFC 4180): quoted when it holds a comma, a
 * quote, a line break or leading/trailing whitespace.  A cell a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR)
 * is neutralised with a leading apostrophe, inside quotes.  NULL and ""
 * append nothing.  Every CSV Signpost serves goes through here. */
int sp_csv_cell(sp_buf *b, const char *s);
/* Does a CSV cell's text (quotes removed) carry sp_csv_cell's apostrophe,
 * a leading ' before one of those characters?  Readers drop it, as a
 * spreadsheet does, so an export reads back as it was. */
bool sp_csv_neutralised(const char *cell, size_t len);

/* FNV-1a, 64 bits (offset basis 14695981039346656037, prime
 * 1099511628211): a fast hash for noticing change and for in-memory
 * tables, never for security.  sp_fnv1a64_add continues a hash over more
 * bytes, starting from SP_FNV1A64_BASIS. */
#define SP_FNV1A64_BASIS 14695981039346656037ull
uint64_t sp_fnv1a64(const void *p, size_t n);
uint64_t sp_fnv1a64_add(uint64_t h, const void *p, size_t n);
/* The same with the basis five copies used before 2026-12
 * (1469598103934665603, a digit short).  Only for recognising a hash an
 * older release stored (indexer/ingest.c's ingest_records.hash, see
 * docs/index.md "Content hashes"); never for a new one. */
uint64_t sp_fnv1a64_legacy(const void *p, size_t n);

/* Undo backslash escapes in s, in place: \n, \t and \r become the
 * control characters, a backslash before any other character stands for
 * that character (\\ for one backslash); a lone backslash at the end
 * stays.  For one-line text formats (searchd's en.tsv, test tables). */
void sp_unescape(char *s);

/* Strip white space (isspace) from both ends of s, in place: the text
 * from the first kept character, the end cut with a NUL. */
char *sp_trim(char *s);

/* Reading the INI-style syntax of signpost.conf and sources.conf
 * (docs/sources-conf.md) line by line: "key = value" lines, "[section]"
 * headers, blank lines and comment lines starting with '#' or ';' (after
 * any blanks), which sp_ini_next passes over.  Names and values come
 * trimmed, pointing into the reader's copy of the line, good until the
 * next call.  What each kind of line means is the caller's to say. */
#define SP_INI_MAX_LINE 4096
typedef struct sp_ini {
    const char *text;
    size_t len, pos;
    long line; /* the number of the line sp_ini_next read last, from 1 */
    char buf[SP_INI_MAX_LINE];
} sp_ini;
enum {
    SP_INI_END,        /* no more lines */
    SP_INI_SECTION,    /* a header: *name is the section */
    SP_INI_PAIR,       /* *name = *value (value may be "") */
    SP_INI_LONG,       /* a line of SP_INI_MAX_LINE bytes or more */
    SP_INI_NUL,        /* a NUL byte in the line */
    SP_INI_BAD_HEADER, /* starts with '[' but does not end with the only ']' */
    SP_INI_NO_EQUALS   /* none of the above */
};
void sp_ini_init(sp_ini *it, const char *text, size_t len);
int sp_ini_next(sp_ini *it, char **name, char **value);

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
