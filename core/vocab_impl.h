/*
 * vocab_impl.h - what core/vocab.c (loading data/) and core/vocab_lookup.c
 * (answering lookups on it) share: the in-memory tables and a few helpers.
 * Private to core/: other modules use vocab.h.
 */
#ifndef VOCAB_IMPL_H
#define VOCAB_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "vocab.h"

/* Bounds on what we read: data/ is ours, but a broken file must give a clear
 * error, not a crash or a silent truncation. */
#define VOCAB_MAX_FILE (16u << 20)
#define VOCAB_MAX_ROWS 100000
#define VOCAB_MAX_COLS 16
#define VOCAB_MAX_LIST 512
#define VOCAB_MAX_KEY 256
#define VOCAB_MAX_TEXT (256u << 10)

enum { F_BOROUGH, F_SUBREGION, F_GROUP, F_CATEGORY, F_MODE, F_COST, F_REFERRAL,
       F_LANGUAGE, F_BENEFIT, F_STATUS, F_SECTOR, F_COUNT };

/* An open-addressing hash table: normalised key -> index. */
typedef struct map {
    const char **keys; /* pool-owned */
    int *vals;
    size_t cap, n;
} map;

typedef struct kw {
    const char *orig; /* as written in the file, for evidence */
    char *text;       /* without the trailing '*'; pool-owned */
    size_t len;
    bool prefix;     /* trailing '*': any word ending */
    bool exact_case; /* written in capitals: match only in capitals */
    /* The byte a match must have second (lower-cased unless exact_case),
     * 0 when it is not that simple (a keyword of one byte, or a space or
     * hyphen in its first two): matching skips a keyword on it without
     * reading the text. */
    unsigned char second;
    int slug;
} kw;

typedef struct vfield {
    size_t n, cap;
    const char **slugs, **labels, **parents;
    unsigned char *priority;
    kw *kws;
    size_t n_kws, cap_kws;
    map keys;  /* normalised slug / label / names -> index */
    map terms; /* normalised esd / schema.org terms -> index */
    /* Keyword indexes grouped by the lower-cased first byte, so matching
     * scans the text once instead of once per keyword. */
    size_t *by_first;         /* n_kws entries */
    size_t first_off[257];    /* bucket b is by_first[first_off[b]..first_off[b+1]) */
    /* Within a bucket, the keywords without a simple second byte
     * (second == 0) come first, up to any_end[b]; the rest follow sorted
     * by their second byte (then by index), so a scan reads only those
     * whose second byte the text has. */
    size_t any_end[256];
} vfield;

typedef struct pcent {
    const char *code;
    int borough; /* index into boroughs, -1 outside London */
    double lat, lon;
    bool straddles;
} pcent;

typedef struct pctab {
    pcent *v;
    size_t n, cap;
    map idx;
} pctab;

struct vocab {
    vfield f[F_COUNT];
    vocab_borough *boroughs; /* parallel to f[F_BOROUGH] */
    map gss;
    const char ***sub_members; /* per sub-region, borough slugs */
    size_t *n_sub_members;
    pctab sectors, districts, outcodes;
    vocab_trigger *trig; /* sorted by phrase after loading */
    size_t n_trig, cap_trig;
    const char **syn; /* 2 per pair */
    size_t n_syn, cap_syn;
    void **pool; /* every allocation entries point into */
    size_t n_pool, cap_pool;
};

/* Index of key in m, -1 when absent (key already normalised). */
int vc_map_get(const map *m, const char *key);
/* The F_* of a field name ("borough", "lang", ...), -1 when unknown. */
int vc_field_index(const char *name);
/* Word boundaries in UTF-8 text (vocab.c "normalisation"). */
bool vc_is_word_byte(unsigned char c);
bool vc_word_at(const unsigned char *t, size_t i, size_t n);
bool vc_word_before(const unsigned char *t, size_t i);
/* The lookup key of a name (lower case, "&" as "and", ...); false when it
 * does not fit in outsz. */
bool vc_norm_key(const char *in, char *out, size_t outsz);

#endif
