/*
 * vocab_impl.h - what core/vocab.c (loading data/) and core/vocab_lookup.c
 * (answering lookups on it) share: the in-memory tables and a few helpers.
 * Private to core/: other modules use vocab.h.
 */
#ifndef VOCAB_IMPL_H
#define VOCAB_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    bool ends_word;  /* its last byte is a word byte: a match must end a word */
    int slug;
} kw;

/* A trie of a field's keywords, so matching at a text position reads the
 * text once along the keywords' shared beginnings, whatever the size of
 * the vocabulary (trying the keywords one by one grew with it).  Node 0 is
 * the root; node x's edges are edge_key/edge_to[edge_off[x]..edge_off[x+1])
 * sorted by key, and the keywords ending at x are
 * term[term_off[x]..term_off[x+1]) (indexes into vfield.kws, ascending).
 * A key is a keyword byte, lower-cased in the trie of keywords matched in
 * any case; a key ' ' or '-' matches white space (and '-' a hyphen too),
 * as key_step in vocab_lookup.c says.  The arrays are owned by the trie
 * (vc_trie_free). */
typedef struct ktrie {
    uint32_t *edge_off, *edge_to, *term_off, *term;
    unsigned char *edge_key;
    size_t n_nodes;
    uint32_t root[256]; /* the root's child by key, 0 when none */
} ktrie;

typedef struct vfield {
    size_t n, cap;
    const char **slugs, **labels, **parents;
    unsigned char *priority;
    kw *kws;
    size_t n_kws, cap_kws;
    map keys;  /* normalised slug / label / names -> index */
    map terms; /* normalised esd / schema.org terms -> index */
    /* The keywords in two tries: those matched in any case (keys
     * lower-cased) and those written in capitals (matched as written). */
    ktrie fold, exact;
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
/* Build f's tries from f->kws (vocab_load, once its files are read);
 * SP_OK or SP_ENOMEM.  vc_trie_free frees them (vocab_free). */
int vc_trie_build(vfield *f);
void vc_trie_free(vfield *f);

#endif
