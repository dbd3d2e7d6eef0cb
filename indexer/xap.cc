/*
 * xap.cc - the Xapian binding (see xap.h): the only C++ in Signpost.  This
 * file opens databases, writes documents and dictionaries; searching is in
 * xap_search.cc, merging shards in xap_bulk.cc (xap_impl.h is what they
 * share).
 *
 * Every extern "C" function catches everything (Xapian::Error,
 * std::exception and ...) at the boundary and turns it into an SP_E* code
 * and a one-line message, so no exception ever unwinds through C frames.
 */
#include "xap_impl.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using xap_impl::dup_string;
using xap_impl::guarded;
using xap_impl::map_current;
using xap_impl::map_error;
using xap_impl::STEM_LANG;
using xap_impl::finish_doc;

namespace xap_impl {

const char *const STEM_LANG = "en";

int map_error(const Xapian::Error &e, sp_err *err, const char *what)
{
    int code = SP_ERROR;
    const std::string type = e.get_type();
    if (type == "DatabaseLockError")
        code = SP_EAGAIN;
    else if (type == "DocNotFoundError")
        code = SP_ENOTFOUND;
    else if (type == "DatabaseOpeningError" || type == "DatabaseError" ||
             type == "DatabaseCorruptError" || type == "DatabaseModifiedError" ||
             type == "DatabaseCreateError" || type == "DatabaseVersionError" ||
             type == "DatabaseClosedError" || type == "NetworkError")
        code = SP_EIO;
    else if (type == "InvalidArgumentError" || type == "InvalidOperationError" ||
             type == "QueryParserError" || type == "RangeError" ||
             type == "SerialisationError" || type == "UnimplementedError")
        code = SP_EINVAL;
    std::string msg = e.get_msg();
    if (!e.get_context().empty())
        msg += " (" + e.get_context() + ")";
    return sp_fail(err, code, "%s: Xapian %s: %s", what, type.c_str(), msg.c_str());
}

int map_current(sp_err *err, const char *what)
{
    try {
        throw;
    }
    catch (const Xapian::Error &e) {
        return map_error(e, err, what);
    }
    catch (const std::bad_alloc &) {
        return sp_fail(err, SP_ENOMEM, "%s: out of memory", what);
    }
    catch (const std::exception &e) {
        return sp_fail(err, SP_ERROR, "%s: %s", what, e.what());
    }
    catch (...) {
        return sp_fail(err, SP_ERROR, "%s: unknown error", what);
    }
}

/* The words a pair term starts with (docs/index.md, "Word pairs"): the
 * first parts of common hyphenated English words ("self-employment",
 * "e-mail", "part-time", "non-profit", "co-op", "ex-offenders", "wi-fi",
 * "in-work", "drop-in", "well-being", "follow-up", "over-50s", and the
 * first pair of "one-to-one", "face-to-face", "step-by-step",
 * "day-to-day"), ASCII-sorted for the binary search.  Each occurrence of
 * one of them before another word gives one pair term, so the list costs
 * what its words occur (bench/README.md, "Word pairs").  Readers take the
 * list from the index's metadata (xap_pair_heads, written with the
 * schema version), so changing it needs a schema version of its own. */
static const char *const PAIR_HEADS[] = {
    "after", "anti",  "check", "co",    "cross", "day",  "drop", "e",    "ex",
    "face",  "follow", "full", "half",  "high",  "in",   "inter", "long", "low",
    "multi", "non",   "one",   "out",   "over",  "part", "post", "pre",  "re",
    "self",  "semi",  "short", "sign",  "step",  "sub",  "walk", "well", "wi",
    "x",
};

size_t prefix_len(const std::string &term)
{
    size_t n = 0;
    while (n < term.size() && term[n] >= 'A' && term[n] <= 'Z')
        n++;
    return n;
}

std::string pair_term(const std::string &first, const std::string &second_word)
{
    if (first.size() + second_word.size() + 3 > PAIR_TERM_MAX)
        return std::string();
    std::string t = "XP";
    t.reserve(first.size() + second_word.size() + 3);
    t += first;
    t += ' ';
    t += second_word;
    return t;
}

/* Is word (a term without its prefix) one of PAIR_HEADS? */
static bool is_pair_head(std::string_view word)
{
    return std::binary_search(std::begin(PAIR_HEADS), std::end(PAIR_HEADS), word,
                              [](std::string_view a, std::string_view b) { return a < b; });
}

/* What a document gets when stored, from one walk over its terms: the
 * spelling data TermGenerator's FLAG_SPELLING would have added while
 * indexing (one for every occurrence of every word of unprefixed text:
 * the words are the unprefixed terms, each occurrence one position;
 * added once a word instead of once an occurrence, the same frequencies
 * without a spelling-table lookup for every word), and the pair terms:
 * "XP" + a term at position p whose word is a pair head + " " + the word
 * of the term with the same prefix at p + 1 (no positions, wdf 0), so a
 * document has "XPself employment" exactly when the phrase "self
 * employment" matches it, whatever separated the two words in the text
 * (a hyphen, any dash, a space, a line break). */
void finish_doc(Xapian::WritableDatabase &wr, Xapian::Document &doc)
{
    std::vector<std::pair<Xapian::termpos, std::string>> after; /* (p + 1, head term) */
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        Xapian::termcount n = t.positionlist_count();
        if (!n)
            continue; /* a stem, a boolean term */
        const std::string term = *t;
        size_t pl = prefix_len(term);
        if (pl == 0)
            wr.add_spelling(term, n);
        if (is_pair_head(std::string_view(term).substr(pl)))
            for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end();
                 ++p)
                after.emplace_back(*p + 1, term);
    }
    if (after.empty())
        return;
    std::sort(after.begin(), after.end());
    std::vector<std::string> pairs;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        if (!t.positionlist_count())
            continue;
        const std::string term = *t;
        size_t pl = prefix_len(term);
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
            if (*p < after.front().first || *p > after.back().first)
                continue;
            auto it = std::lower_bound(after.begin(), after.end(),
                                       std::make_pair(*p, std::string()));
            for (; it != after.end() && it->first == *p; ++it)
                if (prefix_len(it->second) == pl && !it->second.compare(0, pl, term, 0, pl))
                    pairs.push_back(pair_term(it->second, term.substr(pl)));
        }
    }
    for (const std::string &pt : pairs)
        if (!pt.empty())
            doc.add_boolean_term(pt);
}

char *dup_string(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}


} // namespace xap_impl

/* A writer's buffered postings go to the B-tree every
 * XAPIAN_FLUSH_THRESHOLD documents (Xapian's default 10,000, also inside
 * a batch).  Until then each term's new postings sit in a std::map keyed
 * by docid, and inserting into maps of up to 10,000 entries was ~16% of
 * the indexing CPU (tree walks that miss the cache): flushing every 1,000
 * documents was ~20% less CPU a record at 10,000 records (bench/README.md).
 * Xapian reads the variable when a writer opens and has no API for it;
 * it is set here, before main and any thread, unless the user set it. */
namespace {
struct flush_threshold {
    flush_threshold() { setenv("XAPIAN_FLUSH_THRESHOLD", "1000", 0); }
} flush_threshold_default;
} // namespace

extern "C" {

static int open_db(const char *dir, bool writable, xap_db **out, sp_err *err)
{
    *out = nullptr;
    if (!dir)
        return sp_fail(err, SP_EINVAL, "index directory missing");
    xap_db *db = nullptr;
    try {
        db = new xap_db();
        db->dir = dir;
        if (writable) {
            db->wr = new Xapian::WritableDatabase(dir, Xapian::DB_CREATE_OR_OPEN);
            db->rd = db->wr;
        } else {
            db->rd = new Xapian::Database(dir);
        }
        *out = db;
        return SP_OK;
    }
    catch (const Xapian::Error &e) {
        delete db;
        int rc = map_error(e, err, writable ? "opening the index for writing"
                                            : "opening the index");
        if (err && rc == SP_EAGAIN)
            sp_fail(err, rc, "the index %s is locked by another writer; wait for "
                    "it to finish or stop it", dir);
        return rc;
    }
    catch (...) {
        delete db;
        return map_current(err, "opening the index");
    }
}

int xap_open_write(const char *dir, xap_db **out, sp_err *err)
{
    return open_db(dir, true, out, err);
}

int xap_open_read(const char *dir, xap_db **out, sp_err *err)
{
    return open_db(dir, false, out, err);
}

int xap_reopen(xap_db *db, sp_err *err)
{
    return guarded(err, "reopening the index", [&] {
        bool changed = db->rd->reopen();
        if (changed) {
            db->facets.reset();
            db->pairs_read = false;
        }
        return changed ? 1 : 0;
    });
}

void xap_close(xap_db *db)
{
    if (!db)
        return;
    try {
        if (db->wr) {
            if (db->in_txn)
                db->wr->cancel_transaction();
            db->wr->close(); /* commits */
        } else {
            db->rd->close();
        }
    }
    catch (...) {
        /* Nothing useful to do: the last committed state stays on disk. */
    }
    delete db->rd; /* wr, when set, is the same object */
    delete db->committed;
    delete db;
}

bool xap_writable(const xap_db *db)
{
    return db && db->wr;
}

static int need_writable(xap_db *db, sp_err *err, const char *what)
{
    if (!db || !db->wr)
        return sp_fail(err, SP_EINVAL, "%s: the index is open read-only", what);
    return SP_OK;
}

/* need_writable, with a batch open on it. */
static int need_batch(xap_db *db, sp_err *err, const char *what)
{
    int rc = need_writable(db, err, what);
    if (rc == SP_OK && !db->in_txn)
        rc = sp_fail(err, SP_EINVAL, "no batch is open on this index");
    return rc;
}

/* need_writable (need_batch with batch; need names the operation in their
 * messages), then f guarded: the frame of every write. */
extern "C++" {
template <typename F>
static int write_op(xap_db *db, sp_err *err, const char *need, bool batch, const char *what,
                    F f)
{
    int rc = batch ? need_batch(db, err, need) : need_writable(db, err, need);
    return rc ? rc : guarded(err, what, f);
}
}

/* What a commit changes for the writer: nothing is pending any more, and
 * the read-only view of the last commit is out of date. */
static void after_commit(xap_db *db)
{
    db->pending.clear();
    db->committed_stale = true;
}

int xap_commit(xap_db *db, sp_err *err)
{
    return write_op(db, err, "commit", false, "committing the index", [&] {
        if (!db->in_txn) {
            db->wr->commit();
            after_commit(db);
        }
    });
}

int xap_begin_transaction(xap_db *db, sp_err *err)
{
    return write_op(db, err, "begin", false, "starting a batch", [&]() -> int {
        if (db->in_txn)
            return sp_fail(err, SP_EINVAL, "a batch is already open on this index");
        db->wr->begin_transaction(true);
        db->in_txn = true;
        return SP_OK;
    });
}

int xap_commit_transaction(xap_db *db, sp_err *err)
{
    return write_op(db, err, "commit", true, "committing a batch", [&] {
        db->in_txn = false;
        db->wr->commit_transaction();
        after_commit(db);
    });
}

int xap_cancel_transaction(xap_db *db, sp_err *err)
{
    return write_op(db, err, "cancel", true, "cancelling a batch", [&] {
        db->in_txn = false;
        db->pending.clear(); /* documents added in the batch are gone */
        db->wr->cancel_transaction();
    });
}

size_t xap_doc_count(xap_db *db)
{
    try {
        return db->rd->get_doccount();
    }
    catch (...) {
        return 0;
    }
}

/* --- documents ---------------------------------------------------------- */

xap_doc *xap_doc_new(xap_db *db)
{
    try {
        std::unique_ptr<xap_doc> d(new xap_doc{db, Xapian::Document(), Xapian::TermGenerator()});
        d->tg.set_stemmer(Xapian::Stem(STEM_LANG));
        d->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        d->tg.set_document(d->doc); /* spelling and pairs: finish_doc, when stored */
        return d.release();
    }
    catch (...) {
        return nullptr;
    }
}

void xap_doc_free(xap_doc *d)
{
    delete d;
}

int xap_doc_set_data(xap_doc *d, const char *data, size_t len, sp_err *err)
{
    return guarded(err, "setting document data",
                   [&] { d->doc.set_data(std::string(data ? data : "", data ? len : 0)); });
}

int xap_doc_add_boolean_term(xap_doc *d, const char *term, sp_err *err)
{
    if (!term || !*term)
        return sp_fail(err, SP_EINVAL, "empty term");
    return guarded(err, "adding a term", [&] { d->doc.add_boolean_term(term); });
}

int xap_doc_add_term(xap_doc *d, const char *term, unsigned wdf, sp_err *err)
{
    if (!term || !*term)
        return sp_fail(err, SP_EINVAL, "empty term");
    return guarded(err, "adding a term", [&] { d->doc.add_term(term, wdf); });
}

int xap_doc_index_text(xap_doc *d, const char *text, unsigned wdf_inc,
                       const char *prefix, sp_err *err)
{
    if (!text || !*text)
        return SP_OK;
    return guarded(err, "indexing text", [&] {
        d->tg.index_text(text, wdf_inc, prefix ? prefix : "");
        /* Keep phrases from spanning two fields. */
        d->tg.increase_termpos(100);
    });
}

int xap_doc_set_value(xap_doc *d, unsigned slot, const char *v, size_t len,
                      sp_err *err)
{
    return guarded(err, "setting a value",
                   [&] { d->doc.add_value(slot, std::string(v ? v : "", v ? len : 0)); });
}

int xap_doc_set_value_number(xap_doc *d, unsigned slot, double v, sp_err *err)
{
    return guarded(err, "setting a value",
                   [&] { d->doc.add_value(slot, Xapian::sortable_serialise(v)); });
}

int xap_doc_set_value_coords(xap_doc *d, unsigned slot, const double *lat,
                             const double *lon, size_t n, sp_err *err)
{
    return guarded(err, "setting coordinates", [&] {
        Xapian::LatLongCoords coords;
        for (size_t i = 0; i < n; i++)
            coords.append(Xapian::LatLongCoord(lat[i], lon[i]));
        if (!coords.empty())
            d->doc.add_value(slot, coords.serialise());
    });
}

/* The document indexed by term in the last commit, 0 when none or when
 * the read-only view can't say (the caller then asks the writer). */
static Xapian::docid committed_docid(xap_db *db, const std::string &term)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        try {
            if (!db->committed) {
                db->committed = new Xapian::Database(db->dir);
                db->committed_stale = false;
            } else if (db->committed_stale) {
                db->committed->reopen();
                db->committed_stale = false;
            }
            Xapian::PostingIterator it = db->committed->postlist_begin(term);
            return it == db->committed->postlist_end(term) ? 0 : *it;
        }
        catch (const Xapian::DatabaseModifiedError &) {
            db->committed_stale = true; /* overtaken by our own commits */
        }
        catch (const Xapian::Error &) {
            return 0;
        }
    }
    return 0;
}

/* The document the writer holds under term (0 when none), without making
 * it flush; see struct xap_db. */
static Xapian::docid find_docid(xap_db *db, const std::string &term, bool *sure)
{
    *sure = true;
    if (!db->wr->term_exists(term)) /* counts pending changes, no flush */
        return 0;
    auto it = db->pending.find(term);
    if (it != db->pending.end())
        return it->second;
    Xapian::docid did = committed_docid(db, term);
    if (!did)
        *sure = false;
    return did;
}

int xap_replace(xap_db *db, const char *unique_term, xap_doc *d,
                sp_err *err)
{
    return write_op(db, err, "replace", false, "storing a document", [&]() -> int {
        if (!unique_term || !*unique_term)
            return sp_fail(err, SP_EINVAL, "empty term");
        std::string term(unique_term);
        bool sure = true;
        Xapian::docid did = find_docid(db, term, &sure);
        finish_doc(*db->wr, d->doc);
        if (!sure) {
            did = db->wr->replace_document(term, d->doc); /* slow path */
        } else if (did) {
            db->wr->replace_document(did, d->doc);
        } else {
            did = db->wr->add_document(d->doc);
        }
        db->pending[term] = did;
        return SP_OK;
    });
}

int xap_delete(xap_db *db, const char *term, sp_err *err)
{
    return write_op(db, err, "delete", false, "deleting a document", [&]() -> int {
        if (!term || !*term)
            return sp_fail(err, SP_EINVAL, "empty term");
        bool sure = true;
        Xapian::docid did = find_docid(db, term, &sure);
        if (sure && !did)
            return sp_fail(err, SP_ENOTFOUND, "no document with term %s", term);
        if (sure)
            db->wr->delete_document(did);
        else
            db->wr->delete_document(term);
        db->pending.erase(term);
        return SP_OK;
    });
}

int xap_get_data(xap_db *db, const char *term, char **data, size_t *len,
                 sp_err *err)
{
    *data = nullptr;
    return guarded(err, "reading a document", [&]() -> int {
        Xapian::PostingIterator it = db->rd->postlist_begin(term);
        if (it == db->rd->postlist_end(term))
            return sp_fail(err, SP_ENOTFOUND, "no document with term %s", term);
        std::string s = db->rd->get_document(*it).get_data();
        *data = dup_string(s);
        if (len)
            *len = s.size();
        return SP_OK;
    });
}

int xap_each_data(xap_db *db, xap_data_fn fn, void *ctx, sp_err *err)
{
    return guarded(err, "reading every document", [&]() -> int {
        Xapian::Database &rd = *db->rd;
        for (Xapian::PostingIterator it = rd.postlist_begin(""); it != rd.postlist_end("");
             ++it) {
            std::string s = rd.get_document(*it).get_data();
            int rc = fn(s.data(), s.size(), ctx);
            if (rc)
                return rc;
        }
        return SP_OK;
    });
}

/* --- dictionaries ------------------------------------------------------- */

int xap_add_synonym(xap_db *db, const char *key, const char *syn, sp_err *err)
{
    return write_op(db, err, "synonyms", false, "adding a synonym", [&]() -> int {
        if (!key || !*key || !syn || !*syn)
            return sp_fail(err, SP_EINVAL, "empty synonym");
        db->wr->add_synonym(key, syn);
        return SP_OK;
    });
}

int xap_clear_synonyms(xap_db *db, sp_err *err)
{
    return write_op(db, err, "synonyms", false, "clearing synonyms", [&] {
        std::vector<std::string> keys;
        for (Xapian::TermIterator it = db->wr->synonym_keys_begin();
             it != db->wr->synonym_keys_end(); ++it)
            keys.push_back(*it);
        for (const std::string &k : keys)
            db->wr->clear_synonyms(k);
    });
}

int xap_get_metadata(xap_db *db, const char *key, char **value, sp_err *err)
{
    *value = nullptr;
    return guarded(err, "reading index metadata", [&] {
        std::string v = db->rd->get_metadata(key);
        if (!v.empty())
            *value = dup_string(v);
    });
}

int xap_set_metadata(xap_db *db, const char *key, const char *value, sp_err *err)
{
    return write_op(db, err, "metadata", false, "writing index metadata",
                    [&] { db->wr->set_metadata(key, value ? value : ""); });
}

char *xap_normalise_words(const char *text, bool stem)
{
    try {
        Xapian::Stem stemmer(STEM_LANG);
        std::string out, word;
        auto flush = [&]() {
            if (word.empty())
                return;
            if (!out.empty())
                out += ' ';
            out += stem ? stemmer(word) : word;
            word.clear();
        };
        for (Xapian::Utf8Iterator it(text ? text : ""); it != Xapian::Utf8Iterator(); ++it) {
            unsigned ch = *it;
            if (Xapian::Unicode::is_wordchar(ch))
                Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(ch));
            else if (ch != '\'' && ch != 0x2019) /* "o'clock" stays one word */
                flush();
        }
        flush();
        return dup_string(out);
    }
    catch (...) {
        return nullptr;
    }
}

const char *xap_pair_heads(void)
{
    static const std::string heads = [] {
        std::string h;
        for (const char *w : xap_impl::PAIR_HEADS) {
            if (!h.empty())
                h += ' ';
            h += w;
        }
        return h;
    }();
    return heads.c_str();
}

char *xap_stem_term(const char *word)
{
    try {
        Xapian::Stem stemmer(STEM_LANG);
        return dup_string("Z" + stemmer(word ? word : ""));
    }
    catch (...) {
        return nullptr;
    }
}

} // extern "C"
