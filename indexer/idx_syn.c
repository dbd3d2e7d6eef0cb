/*
 * idx_syn.c - the synonym dictionary of the index (idx.h): data/vocab/
 * synonyms.tsv loaded into Xapian's synonym table for the query parser,
 * and the concept terms ("XS...") a document gets for each synonym phrase
 * its text contains, so either side of a pair finds it.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idx_impl.h"

#define IDX_MAX_SYNONYMS 20000 /* lines read from synonyms.tsv */
#define IDX_MAX_SYN_LINE 512


void idx_free_synonyms(idx *ix)
{
    for (size_t i = 0; i < ix->n_syns; i++) {
        free(ix->syns[i].stemmed);
        free(ix->syns[i].concept);
    }
    free(ix->syns);
    ix->syns = NULL;
    ix->n_syns = 0;
}

/* "XS" + the canonical term's words joined by '_': one concept per
 * synonym group, named by the group's first column. */
static char *concept_term(const char *canon_words)
{
    sp_buf b = {0};
    if (sp_buf_puts(&b, "XS") < 0)
        return NULL;
    for (const char *p = canon_words; *p; p++) {
        char c = *p == ' ' ? '_' : *p;
        if (sp_buf_append(&b, &c, 1) < 0) {
            sp_buf_free(&b);
            return NULL;
        }
    }
    /* Xapian terms are limited to 245 bytes; concepts are short anyway. */
    if (b.len > 200)
        b.data[200] = '\0';
    return sp_buf_steal(&b);
}

static int remember_phrase(idx *ix, const char *words, const char *concept)
{
    char *stemmed = xap_normalise_words(words, true);
    if (!stemmed)
        return SP_ENOMEM;
    if (!*stemmed) {
        free(stemmed);
        return SP_OK;
    }
    idx_syn *v = realloc(ix->syns, (ix->n_syns + 1) * sizeof *v);
    if (!v) {
        free(stemmed);
        return SP_ENOMEM;
    }
    ix->syns = v;
    char *padded = sp_printf(" %s ", stemmed);
    free(stemmed);
    char *c = sp_strdup(concept);
    if (!padded || !c) {
        free(padded);
        free(c);
        return SP_ENOMEM;
    }
    ix->syns[ix->n_syns].stemmed = padded;
    ix->syns[ix->n_syns].concept = c;
    ix->n_syns++;
    return SP_OK;
}

/* key -> the concept, and the partner itself when it is one word (both
 * its exact and stemmed forms), under the key's exact and (single words)
 * stemmed forms, as the query parser looks keys up. */
static int add_synonym_dir(idx *ix, const char *key, const char *partner,
                           const char *concept, sp_err *err)
{
    const char *keys[2] = {key, NULL};
    char *zkey = NULL, *zpartner = NULL;
    int rc = SP_OK;
    if (!strchr(key, ' ')) {
        zkey = xap_stem_term(key);
        keys[1] = zkey;
    }
    if (!strchr(partner, ' '))
        zpartner = xap_stem_term(partner);
    for (int k = 0; k < 2 && rc == SP_OK; k++) {
        if (!keys[k])
            continue;
        rc = xap_add_synonym(ix->db, keys[k], concept, err);
        if (rc == SP_OK && zpartner) {
            rc = xap_add_synonym(ix->db, keys[k], partner, err);
            if (rc == SP_OK)
                rc = xap_add_synonym(ix->db, keys[k], zpartner, err);
        }
    }
    free(zkey);
    free(zpartner);
    return rc;
}

/* Load data/vocab/synonyms.tsv ("term<TAB>synonym" a line, '#' comments,
 * an optional "term<TAB>synonym" header) into the database's synonym
 * dictionary, both directions.  Xapian's synonyms expand a word or a run
 * of words into single terms, so a multi-word synonym ("english for
 * speakers of other languages") can't be a query term itself: each line's
 * pair shares a concept term XS<first column>, which documents get when
 * their text contains either side (see add_concepts) and which every key
 * expands to.
 *
 * The indexer opens the index on every run, so the dictionary is only
 * rewritten when the file changed (its hash is kept in the database's
 * metadata): an unchanged file makes no commit and searchd sees no change. */
#define IDX_SYN_META "signpost.synonyms"
#define IDX_SYN_VERSION "1" /* bump when the dictionary's layout changes */
#define IDX_MAX_SYN_FILE (4u * 1024u * 1024u)

int idx_load_synonyms(idx *ix, sp_err *err)
{
    char *path = sp_printf("%s/vocab/synonyms.tsv", sp_data_dir());
    if (!path)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    char *body = NULL;
    size_t len = 0;
    sp_err rerr = {0};
    int rc = sp_read_file(path, IDX_MAX_SYN_FILE, &body, &len, &rerr);
    if (rc != SP_OK) {
        bool missing = access(path, F_OK) != 0;
        free(path);
        if (missing)
            return SP_OK; /* no synonyms shipped: nothing to expand */
        return sp_fail(err, rc, "reading synonyms: %s", rerr.msg);
    }
    char stamp[64];
    snprintf(stamp, sizeof stamp, "v%s:%016llx", IDX_SYN_VERSION,
             (unsigned long long)sp_fnv1a64(body, len));
    char *old = NULL;
    rc = xap_get_metadata(ix->db, IDX_SYN_META, &old, err);
    bool write = rc == SP_OK && (!old || strcmp(old, stamp) != 0);
    free(old);
    if (rc == SP_OK && write)
        rc = xap_clear_synonyms(ix->db, err);

    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); rc == SP_OK && line && n < IDX_MAX_SYNONYMS;
         line = strtok_r(NULL, "\n", &save)) {
        n++;
        line[strcspn(line, "\r")] = '\0';
        if (line[0] == '#' || !strchr(line, '\t') || strlen(line) > IDX_MAX_SYN_LINE ||
            (n == 1 && !strcmp(line, "term\tsynonym")))
            continue;
        char *tab = strchr(line, '\t');
        *tab = '\0';
        char *rest = tab + 1;
        rest[strcspn(rest, "\t")] = '\0'; /* extra columns are notes */
        char *a = xap_normalise_words(line, false);
        char *b = xap_normalise_words(rest, false);
        char *concept = a ? concept_term(a) : NULL;
        if (!a || !b || !concept) {
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
        } else if (*a && *b && strcmp(a, b)) {
            if (write)
                rc = add_synonym_dir(ix, a, b, concept, err);
            if (rc == SP_OK && write)
                rc = add_synonym_dir(ix, b, a, concept, err);
            if (rc == SP_OK)
                rc = remember_phrase(ix, a, concept);
            if (rc == SP_OK)
                rc = remember_phrase(ix, b, concept);
            if (rc == SP_ENOMEM)
                sp_fail(err, rc, "out of memory");
        }
        free(a);
        free(b);
        free(concept);
    }
    free(body);
    if (rc == SP_OK && write)
        rc = xap_set_metadata(ix->db, IDX_SYN_META, stamp, err);
    if (rc == SP_OK && write)
        rc = xap_commit(ix->db, err);
    if (rc < 0 && err) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        sp_fail(err, rc, "loading synonyms from %s: %s", path, msg);
    }
    free(path);
    return rc;
}

/* Give the document the concept term of every synonym phrase its text
 * contains (matched on stems, so "speaker" finds "speakers"). */
int idx_add_concepts(idx *ix, xap_doc *d, const char *text, sp_err *err)
{
    if (!ix->n_syns || !text || !*text)
        return SP_OK;
    char *norm = xap_normalise_words(text, true);
    if (!norm)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    char *padded = sp_printf(" %s ", norm);
    free(norm);
    if (!padded)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    int rc = SP_OK;
    for (size_t i = 0; i < ix->n_syns && rc == SP_OK; i++)
        if (strstr(padded, ix->syns[i].stemmed))
            rc = xap_doc_add_term(d, ix->syns[i].concept, 1, err);
    free(padded);
    return rc;
}
