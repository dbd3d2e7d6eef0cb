/*
 * xap_impl.h - what the Xapian binding's C++ files share (xap.cc: opening,
 * writing, documents and dictionaries; xap_search.cc: searching and the
 * facet table; xap_bulk.cc: compacting shards into one database).  Private
 * to indexer/: C callers use xap.h.
 */
#ifndef XAP_IMPL_H
#define XAP_IMPL_H

#include "xap.h"

#include <xapian.h>

#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

/* A writer finds the document to replace without asking the writable
 * database for the id term's posting list: Xapian (glass) answers that by
 * flushing every buffered position list into the B-tree first, one
 * document at a time, which made indexing superlinear (each put rewrote
 * scattered blocks of a growing position table).  Instead, a document
 * added or replaced since the last commit is found in `pending`, and one
 * committed before in `committed`, a read-only view of the last commit
 * (reopened lazily after each commit). */
struct xap_facets;
struct xap_facets_free {
    void operator()(xap_facets *f) const;
};

struct xap_db {
    Xapian::Database *rd = nullptr;        /* always set */
    Xapian::WritableDatabase *wr = nullptr; /* set when writable (== rd) */
    bool in_txn = false;
    Xapian::Database *committed = nullptr; /* writer only, opened lazily */
    bool committed_stale = true;
    std::string dir;
    std::unordered_map<std::string, Xapian::docid> pending;
    /* Readers: the facet table of the open revision (see FacetTable),
     * built on the first faceted search after an open or a reopen. */
    std::unique_ptr<xap_facets, xap_facets_free> facets;
    /* Readers: the pair heads of the open revision (xap_search.pairs_key),
     * read on the first search after an open or a reopen. */
    bool pairs_read = false;
    std::vector<std::string> pair_heads; /* sorted */
};

struct xap_doc {
    xap_db *db;
    Xapian::Document doc;
    Xapian::TermGenerator tg;
};

namespace xap_impl {

/* English, as the indexer and the query parser both see it. */
extern const char *const STEM_LANG;

int map_error(const Xapian::Error &e, sp_err *err, const char *what);
/* The SP_E* code and message for the exception being handled; call it
 * only from inside a catch block (it rethrows that exception to sort it). */
int map_current(sp_err *err, const char *what);
/* What doc gets when stored in wr (xap.cc): the spelling data of its
 * unprefixed text, and its pair terms. */
void finish_doc(Xapian::WritableDatabase &wr, Xapian::Document &doc);

/* Pair terms (docs/index.md, "Word pairs"): "XP" + first (a positional
 * term, prefix and word) + " " + second_word (the next position's word,
 * without the prefix), or "" when that would be longer than
 * PAIR_TERM_MAX bytes (Xapian takes at most 245): such a pair has no
 * term, and a query for it keeps its phrase.  prefix_len: the length of
 * a term's prefix (its leading capitals). */
#define PAIR_TERM_MAX 240
size_t prefix_len(const std::string &term);
std::string pair_term(const std::string &first, const std::string &second_word);
/* A malloc'd copy (the C side frees it); throws std::bad_alloc. */
char *dup_string(const std::string &s);

/* Runs f and returns its SP_* code (SP_OK when f returns nothing); an
 * exception becomes the code and message map_current gives, what saying
 * what was being done.  The one try/catch of the entry points. */
template <typename F> int guarded(sp_err *err, const char *what, F f)
{
    try {
        if constexpr (std::is_void_v<decltype(f())>) {
            f();
            return SP_OK;
        } else {
            return f();
        }
    }
    catch (...) {
        return map_current(err, what);
    }
}

} // namespace xap_impl

/* The catch-all every entry point uses. */
#define XAP_CATCH(err, ctx)                                                   \
    catch (...) { return xap_impl::map_current(err, ctx); }

#endif
