/*
 * xap_search.cc - searching, for the Xapian binding (xap.h): the query
 * parser, filters and ranges, the facet table (bit algebra over posting
 * lists, see struct xap_facets), match spies where the table cannot answer,
 * and snippets.
 */
#include "xap_impl.h"

#include <algorithm>
#include <immintrin.h>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

using xap_impl::dup_string;
using xap_impl::map_current;
using xap_impl::map_error;
using xap_impl::STEM_LANG;

namespace {

/* A few very common English words the query parser drops from queries
 * (not inside phrases), so that "help with cv" means "help cv" under AND. */
const char *const STOPWORDS[] = {
    "a",    "an",   "and",  "are",  "as",   "at",   "be",   "by",
    "for",  "from", "i",    "in",   "is",   "it",   "me",   "my",
    "of",   "on",   "or",   "the",  "to",   "with", "we",   "our",
    "you",  "your", "that", "this", "near", "want", "need", "looking"};

/* n zeroed Ts from calloc, as the C side frees them (xap_results_free). */
template <typename T> T *calloc_array(size_t n)
{
    T *p = static_cast<T *>(std::calloc(n, sizeof(T)));
    if (!p)
        throw std::bad_alloc();
    return p;
}

/* Appends (value, count) to sc, whose array has room for it. */
void add_count(xap_slot_counts &sc, const std::string &value, size_t count)
{
    sc.v[sc.n].value = dup_string(value);
    sc.v[sc.n].count = count;
    sc.n++;
}

/* Counts the values of several slots over every document the matcher
 * looks at.  A slot holds the document's values separated by '\n'.
 * Xapian calls a match spy before collapsing, so with a collapse slot a
 * (value, collapse key) pair is counted once: a value's count is then the
 * number of clusters having it, as the collapsed search filtered on the
 * value would report. */
class FacetSpy : public Xapian::MatchSpy {
  public:
    std::vector<Xapian::valueno> slots;
    std::vector<std::map<std::string, Xapian::doccount>> counts;
    bool collapse = false;
    Xapian::valueno collapse_slot = 0;
    std::vector<std::set<std::pair<std::string, std::string>>> seen;

    explicit FacetSpy(const std::vector<Xapian::valueno> &s)
        : slots(s), counts(s.size()), seen(s.size()) {}

    void operator()(const Xapian::Document &doc, double) override
    {
        std::string key;
        if (collapse)
            key = doc.get_value(collapse_slot);
        for (size_t i = 0; i < slots.size(); i++) {
            const std::string v = doc.get_value(slots[i]);
            size_t start = 0;
            while (start < v.size()) {
                size_t end = v.find('\n', start);
                if (end == std::string::npos)
                    end = v.size();
                if (end > start) {
                    std::string one = v.substr(start, end - start);
                    if (key.empty() || seen[i].emplace(one, key).second)
                        ++counts[i][one];
                }
                start = end + 1;
            }
        }
    }
};

/* Bits of a docid set, one per docid 0..last. */
typedef std::vector<uint64_t> Bits;

inline bool bit_test(const Bits &b, Xapian::docid d)
{
    return (b[d >> 6] >> (d & 63)) & 1;
}

inline void bit_set(Bits &b, Xapian::docid d)
{
    b[d >> 6] |= uint64_t(1) << (d & 63);
}

/* Collects the docids of every match the matcher looks at. */
class BitSpy : public Xapian::MatchSpy {
  public:
    Bits *bits;
    Xapian::docid last;
    BitSpy(Bits *b, Xapian::docid l) : bits(b), last(l) {}
    void operator()(const Xapian::Document &doc, double) override
    {
        Xapian::docid d = doc.get_docid();
        if (d <= last)
            bit_set(*bits, d);
    }
};

/* The documents of a bitmap as a posting source (weight 0): a filter
 * Xapian's matcher can skip through without reading posting lists. */
class BitsSource : public Xapian::PostingSource {
    std::shared_ptr<const Bits> bits;
    Xapian::docid last;
    Xapian::doccount count;
    Xapian::docid cur = 0;

    /* The first docid >= d in bits, last + 1 when none. */
    Xapian::docid from(Xapian::docid d) const
    {
        if (d > last)
            return last + 1;
        const Bits &b = *bits;
        size_t w = d >> 6;
        uint64_t x = b[w] & (~uint64_t(0) << (d & 63));
        while (!x) {
            if (++w >= b.size())
                return last + 1;
            x = b[w];
        }
        Xapian::docid r = static_cast<Xapian::docid>(w * 64 + __builtin_ctzll(x));
        return r <= last ? r : last + 1;
    }

  public:
    BitsSource(std::shared_ptr<const Bits> b, Xapian::docid l, Xapian::doccount n)
        : bits(std::move(b)), last(l), count(n) {}
    Xapian::doccount get_termfreq_min() const override { return count; }
    Xapian::doccount get_termfreq_est() const override { return count; }
    Xapian::doccount get_termfreq_max() const override { return count; }
    void init(const Xapian::Database &) override { cur = 0; }
    void next(double) override { cur = from(cur + 1); }
    void skip_to(Xapian::docid d, double) override
    {
        if (d > cur)
            cur = from(d);
    }
    bool at_end() const override { return cur > last; }
    Xapian::docid get_docid() const override { return cur; }
    Xapian::PostingSource *clone() const override { return new BitsSource(bits, last, count); }
};

} // namespace

/* The facet table of a read-only database: for every term under the count
 * prefixes (one per facet field: "XB" + borough, ...), the set of documents
 * having it, read once from its posting list: a bitmap when the term is
 * common, a sorted docid list when it is rare (the smaller of the two).
 * A search's facet counts are then popcounts of (matches AND term), and
 * the disjunctive counts of a filtered field come from bitmap algebra
 * (text matches AND the other fields' filters) instead of one more Xapian
 * query each; totals are exact.  Memory is about (documents / 8) bytes per
 * common term: ~20 MB for 1M services and the shipped vocabularies. */
struct xap_facets {
    struct Value {
        std::string name; /* the term without its prefix: the slug */
        size_t group;     /* index of its prefix */
        bool dense;
        Bits bits;                     /* dense */
        std::vector<Xapian::docid> ids; /* sparse, ascending */
    };
    std::vector<std::string> prefixes;
    Xapian::docid last = 0;
    size_t words = 0;
    Bits all; /* every document */
    std::vector<Value> values;
    std::vector<std::vector<size_t>> by_group;
    std::unordered_map<std::string, size_t> by_term;

    /* Duplicate clusters, for folded counts (ensure_clusters): the
     * documents whose collapse key another document shares, each one's
     * cluster number (1..n; 0 for none), and each cluster's documents. */
    long cluster_slot = -1; /* the collapse slot they were read from */
    Bits dup;
    std::vector<uint32_t> cluster;  /* by docid */
    std::vector<uint32_t> first;    /* cluster c's documents: members[first[c-1]..first[c]) */
    std::vector<Xapian::docid> members;
    /* Scratch for counting distinct clusters: stamp[c] == round when
     * cluster c was seen by the current count.  A table is used by one
     * thread at a time (its database handle's). */
    std::vector<uint32_t> stamp;
    uint32_t round = 0;

    /* Numeric value slots a facet's range filter reads (ensure_numbers):
     * slot -> value by docid (NaN: none). */
    std::unordered_map<Xapian::valueno, std::vector<double>> nums;

    /* Other terms a search counted within its matches (count_sets: the
     * opening hours' terms), each read once per revision (term_bits). */
    std::unordered_map<std::string, Bits> sets;
};

void xap_facets_free::operator()(xap_facets *f) const
{
    delete f;
}

namespace {

xap_facets *build_facets(Xapian::Database &rd, const std::vector<std::string> &prefixes)
{
    std::unique_ptr<xap_facets> ft(new xap_facets());
    ft->prefixes = prefixes;
    ft->last = rd.get_lastdocid();
    ft->words = (static_cast<size_t>(ft->last) >> 6) + 1;
    ft->all.assign(ft->words, 0);
    for (Xapian::PostingIterator it = rd.postlist_begin(""); it != rd.postlist_end(""); ++it)
        if (*it <= ft->last)
            bit_set(ft->all, *it);
    ft->by_group.resize(prefixes.size());
    for (size_t g = 0; g < prefixes.size(); g++) {
        const std::string &p = prefixes[g];
        for (Xapian::TermIterator t = rd.allterms_begin(p); t != rd.allterms_end(p); ++t) {
            const std::string term = *t;
            xap_facets::Value v;
            v.name = term.substr(p.size());
            v.group = g;
            /* A bitmap costs last/8 bytes, a list 4 bytes a document;
             * counting with a bitmap reads its words (last/64), with a
             * list each document: a bitmap once the list is longer. */
            v.dense = static_cast<uint64_t>(t.get_termfreq()) * 64 > ft->last;
            if (v.dense)
                v.bits.assign(ft->words, 0);
            for (Xapian::PostingIterator it = rd.postlist_begin(term);
                 it != rd.postlist_end(term); ++it) {
                Xapian::docid d = *it;
                if (d > ft->last)
                    continue;
                if (v.dense)
                    bit_set(v.bits, d);
                else
                    v.ids.push_back(d);
            }
            ft->by_term.emplace(term, ft->values.size());
            ft->by_group[g].push_back(ft->values.size());
            ft->values.push_back(std::move(v));
        }
    }
    return ft.release();
}

/* Reads the duplicate clusters of the collapse slot into ft (once per
 * table and slot): about 12 bytes a document. */
void ensure_clusters(Xapian::Database &rd, xap_facets &ft, Xapian::valueno slot)
{
    if (ft.cluster_slot == static_cast<long>(slot))
        return;
    std::unordered_map<std::string, uint32_t> ids;
    std::vector<std::pair<Xapian::docid, uint32_t>> of;
    std::vector<uint32_t> size;
    for (Xapian::ValueIterator it = rd.valuestream_begin(slot); it != rd.valuestream_end(slot);
         ++it) {
        Xapian::docid d = it.get_docid();
        if (d > ft.last || (*it).empty())
            continue;
        auto r = ids.emplace(*it, static_cast<uint32_t>(size.size()));
        if (r.second)
            size.push_back(0);
        size[r.first->second]++;
        of.emplace_back(d, r.first->second);
    }
    std::vector<uint32_t> num(size.size(), 0);
    uint32_t n = 0;
    for (size_t i = 0; i < size.size(); i++)
        if (size[i] >= 2)
            num[i] = ++n;
    ft.dup.assign(ft.words, 0);
    ft.cluster.assign(static_cast<size_t>(ft.last) + 1, 0);
    ft.first.assign(static_cast<size_t>(n) + 1, 0);
    for (const auto &dc : of)
        if (num[dc.second])
            ft.first[num[dc.second]]++;
    for (size_t c = 1; c <= n; c++)
        ft.first[c] += ft.first[c - 1];
    ft.members.assign(ft.first[n], 0);
    std::vector<uint32_t> fill(ft.first.begin(), ft.first.end() - 1);
    for (const auto &dc : of) {
        uint32_t c = num[dc.second];
        if (!c)
            continue;
        bit_set(ft.dup, dc.first);
        ft.cluster[dc.first] = c;
        ft.members[fill[c - 1]++] = dc.first;
    }
    ft.stamp.assign(static_cast<size_t>(n) + 1, 0);
    ft.round = 0;
    ft.cluster_slot = static_cast<long>(slot);
}

/* Reads a numeric slot (xap_doc_set_value_number) into ft once. */
void ensure_numbers(Xapian::Database &rd, xap_facets &ft, Xapian::valueno slot)
{
    if (ft.nums.count(slot))
        return;
    std::vector<double> v(static_cast<size_t>(ft.last) + 1,
                          std::numeric_limits<double>::quiet_NaN());
    for (Xapian::ValueIterator it = rd.valuestream_begin(slot); it != rd.valuestream_end(slot);
         ++it)
        if (it.get_docid() <= ft.last)
            v[it.get_docid()] = Xapian::sortable_unserialise(*it);
    ft.nums.emplace(slot, std::move(v));
}

/* out = the documents whose slot passes the range (ensure_numbers first). */
void range_bits(const xap_facets &ft, const xap_range &r, Bits &out)
{
    out.assign(ft.words, 0);
    const std::vector<double> &v = ft.nums.at(r.slot);
    for (Xapian::docid d = 1; d <= ft.last; d++) {
        double x = v[d];
        if (!std::isnan(x) && (r.op == XAP_LE ? x <= r.x : x >= r.x))
            bit_set(out, d);
    }
}

/* A new round of distinct-cluster counting. */
uint32_t next_round(xap_facets &ft)
{
    if (++ft.round == 0) { /* wrapped: forget every old stamp */
        std::fill(ft.stamp.begin(), ft.stamp.end(), 0);
        ft.round = 1;
    }
    return ft.round;
}

/* Is d the first document of its cluster this round sees? */
inline bool new_cluster(xap_facets &ft, Xapian::docid d, uint32_t round)
{
    uint32_t c = ft.cluster[d];
    if (ft.stamp[c] == round)
        return false;
    ft.stamp[c] = round;
    return true;
}

/* The number of services among the documents (m AND v) (v NULL: m): a
 * cluster of duplicates once, as a collapsed search counts them.  Built
 * for CPUs with and without POPCNT, like and_popcount below. */
__attribute__((target_clones("popcnt", "default"))) size_t
folded_count(xap_facets &ft, const Bits &m, const std::vector<uint32_t> &nz,
             const xap_facets::Value *v)
{
    uint32_t round = next_round(ft);
    size_t c = 0;
    if (v && !v->dense) {
        for (Xapian::docid d : v->ids)
            if (bit_test(m, d))
                c += bit_test(ft.dup, d) ? new_cluster(ft, d, round) : 1;
        return c;
    }
    for (uint32_t w : nz) {
        uint64_t x = v ? m[w] & v->bits[w] : m[w];
        uint64_t dups = x & ft.dup[w];
        c += static_cast<size_t>(__builtin_popcountll(x & ~ft.dup[w]));
        while (dups) {
            Xapian::docid d = static_cast<Xapian::docid>(w * 64 + __builtin_ctzll(dups));
            c += new_cluster(ft, d, round);
            dups &= dups - 1;
        }
    }
    return c;
}

/* The other documents of d's cluster in m: what a collapsed hit folds. */
size_t folded_into(const xap_facets &ft, const Bits &m, Xapian::docid d)
{
    if (d > ft.last || !ft.cluster[d])
        return 0;
    uint32_t c = ft.cluster[d];
    size_t n = 0;
    for (uint32_t i = ft.first[c - 1]; i < ft.first[c]; i++)
        n += ft.members[i] != d && bit_test(m, ft.members[i]);
    return n;
}

/* Indexes of the nonzero words of m. */
std::vector<uint32_t> nonzero_words(const Bits &m)
{
    std::vector<uint32_t> nz;
    for (size_t w = 0; w < m.size(); w++)
        if (m[w])
            nz.push_back(static_cast<uint32_t>(w));
    return nz;
}

/* popcount(a[w] & b[w]) summed over the words nz: the inner loop of facet
 * counting.  Built twice, for CPUs with and without the POPCNT instruction
 * (the generic build's __builtin_popcountll is a libgcc call). */
__attribute__((target_clones("popcnt", "default"))) size_t
and_popcount_nz(const uint64_t *a, const uint64_t *b, const uint32_t *nz, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += static_cast<size_t>(__builtin_popcountll(a[nz[i]] & b[nz[i]]));
    return c;
}

/* The same over every word 0..n-1, 8 words an instruction where the CPU
 * has AVX-512's VPOPCNTDQ. */
__attribute__((target("popcnt,avx512f,avx512vpopcntdq"))) size_t
and_popcount_512(const uint64_t *a, const uint64_t *b, size_t n)
{
    __m512i acc = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_and_si512(
                                        _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i))));
    uint64_t lane[8];
    _mm512_storeu_si512(lane, acc);
    size_t c = 0;
    for (uint64_t x : lane)
        c += static_cast<size_t>(x);
    for (; i < n; i++)
        c += static_cast<size_t>(__builtin_popcountll(a[i] & b[i]));
    return c;
}

__attribute__((target_clones("popcnt", "default"))) size_t
and_popcount_words(const uint64_t *a, const uint64_t *b, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += static_cast<size_t>(__builtin_popcountll(a[i] & b[i]));
    return c;
}

/* popcount(a AND b) where a's nonzero words are nz: word by word through
 * nz when a is sparse, else over every word (no indirection). */
size_t and_popcount(const Bits &a, const Bits &b, const std::vector<uint32_t> &nz)
{
    if (nz.size() * 2 < a.size())
        return and_popcount_nz(a.data(), b.data(), nz.data(), nz.size());
    static const bool wide = __builtin_cpu_supports("avx512vpopcntdq");
    return wide ? and_popcount_512(a.data(), b.data(), a.size())
                : and_popcount_words(a.data(), b.data(), a.size());
}

__attribute__((target_clones("popcnt", "default"))) size_t
popcount_all(const uint64_t *a, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += static_cast<size_t>(__builtin_popcountll(a[i]));
    return c;
}

/* A set m split for folded counts of many values: one: m with one
 * document of each cluster of duplicates (its first in m), others: the
 * rest of m (nz_others: its nonzero words).  A value's folded count is
 * then its popcount with one, plus the clusters whose first document
 * lacks it and another has it. */
struct Split {
    bool ready = false; /* split_clusters has filled it */
    const Bits *m = nullptr;
    Bits one, others;
    std::vector<uint32_t> nz_others;
};

/* The first document of d's cluster in m (d's when it has no cluster). */
Xapian::docid first_in(const xap_facets &ft, const Bits &m, Xapian::docid d)
{
    uint32_t c = ft.cluster[d];
    for (uint32_t i = c ? ft.first[c - 1] : 0; c && i < ft.first[c]; i++)
        if (bit_test(m, ft.members[i]))
            return ft.members[i];
    return d;
}

void split_clusters(xap_facets &ft, const Bits &m, const std::vector<uint32_t> &nz, Split &sp)
{
    uint32_t round = next_round(ft);
    sp.one.assign(ft.words, 0);
    sp.others.assign(ft.words, 0);
    sp.nz_others.clear();
    sp.m = &m;
    for (uint32_t w : nz) {
        uint64_t dups = m[w] & ft.dup[w];
        uint64_t one = m[w] & ~ft.dup[w], others = 0;
        while (dups) {
            int b = __builtin_ctzll(dups);
            Xapian::docid d = static_cast<Xapian::docid>(w * 64 + b);
            if (new_cluster(ft, d, round)) { /* members ascend: d is the first */
                one |= uint64_t(1) << b;
            } else {
                others |= uint64_t(1) << b;
            }
            dups &= dups - 1;
        }
        sp.one[w] = one;
        sp.others[w] = others;
        if (others)
            sp.nz_others.push_back(w);
    }
    sp.ready = true;
}

/* The folded count of the dense value v over the split sp of m (nz: m's
 * nonzero words): as folded_count(ft, m, nz, &v). */
size_t split_count(xap_facets &ft, const Split &sp, const std::vector<uint32_t> &nz,
                   const xap_facets::Value &v)
{
    size_t c = and_popcount(sp.one, v.bits, nz);
    uint32_t round = 0;
    for (uint32_t w : sp.nz_others) {
        uint64_t x = sp.others[w] & v.bits[w];
        while (x) {
            Xapian::docid d = static_cast<Xapian::docid>(w * 64 + __builtin_ctzll(x));
            x &= x - 1;
            if (bit_test(v.bits, first_in(ft, *sp.m, d)))
                continue; /* counted in one */
            if (!round)
                round = next_round(ft);
            c += new_cluster(ft, d, round);
        }
    }
    return c;
}

/* Counts of group g's values over the set m (nz: its nonzero words) into
 * sc (values with a count only); with fold, clusters of duplicates count
 * once (ensure_clusters first; sp: m's split, made here when not ready). */
void count_group(xap_facets &ft, size_t g, const Bits &m, const std::vector<uint32_t> &nz,
                 bool fold, Split &sp, xap_slot_counts &sc)
{
    std::vector<std::pair<size_t, size_t>> got;
    for (size_t vi : ft.by_group[g]) {
        const xap_facets::Value &v = ft.values[vi];
        size_t c = 0;
        if (fold && v.dense) {
            if (!sp.ready)
                split_clusters(ft, m, nz, sp);
            c = split_count(ft, sp, nz, v);
        } else if (fold) {
            c = folded_count(ft, m, nz, &v);
        } else if (v.dense) {
            c = and_popcount(m, v.bits, nz);
        } else {
            for (Xapian::docid d : v.ids)
                c += bit_test(m, d);
        }
        if (c)
            got.emplace_back(vi, c);
    }
    if (got.empty())
        return;
    sc.v = calloc_array<xap_count>(got.size());
    for (const auto &vc : got)
        add_count(sc, ft.values[vc.first].name, vc.second);
}

/* m |= the documents having value v. */
void or_value(const xap_facets &ft, const xap_facets::Value &v, Bits &m)
{
    if (v.dense) {
        for (size_t w = 0; w < ft.words; w++)
            m[w] |= v.bits[w];
    } else {
        for (Xapian::docid d : v.ids)
            bit_set(m, d);
    }
}

/* m |= the documents having any of the terms. */
void or_terms(const xap_facets &ft, const xap_filter &f, Bits &m)
{
    for (size_t j = 0; j < f.n; j++) {
        if (!f.terms[j])
            continue;
        auto it = ft.by_term.find(f.terms[j]);
        if (it != ft.by_term.end())
            or_value(ft, ft.values[it->second], m);
    }
}

/* m |= the documents of term's posting list; how many it has. */
size_t or_postings(Xapian::Database &rd, const xap_facets &ft, const std::string &term, Bits &m)
{
    size_t n = 0;
    for (Xapian::PostingIterator p = rd.postlist_begin(term); p != rd.postlist_end(term); ++p)
        if (*p <= ft.last) {
            bit_set(m, *p);
            n++;
        }
    return n;
}

/* What a table's sets keep: at most SET_BYTES of bitmaps (a search
 * counting "open at" times of every day could ask for hundreds of terms,
 * and every word searched is one), and, of the query's words, only those
 * in at least 1 document in SET_RARE (a rare word's posting list is read
 * in about the time its bitmap is copied).  When full they are dropped
 * and kept afresh. */
#define SET_BYTES (16u << 20)
#define SET_MIN_TERMS 64
#define SET_RARE 256

/* m |= the documents having term: a facet value's set, else its posting
 * list, kept for the next search of the revision (only when common
 * enough, for a word of the query: word). */
void or_term_bits(Xapian::Database &rd, xap_facets &ft, const std::string &term, Bits &m,
                  bool word)
{
    auto fv = ft.by_term.find(term);
    if (fv != ft.by_term.end()) {
        or_value(ft, ft.values[fv->second], m);
        return;
    }
    auto it = ft.sets.find(term);
    if (it == ft.sets.end()) {
        Bits b(ft.words, 0);
        size_t n = or_postings(rd, ft, term, b);
        if (word && n * SET_RARE < ft.last) {
            for (size_t w = 0; w < ft.words; w++)
                m[w] |= b[w];
            return;
        }
        size_t max_terms = SET_BYTES / (ft.words * sizeof(uint64_t));
        if (ft.sets.size() >= std::max<size_t>(max_terms, SET_MIN_TERMS))
            ft.sets.clear();
        it = ft.sets.emplace(term, std::move(b)).first;
    }
    for (size_t w = 0; w < ft.words; w++)
        m[w] |= it->second[w];
}

/* Does q read positions (a phrase, NEAR)? */
bool has_positional(const Xapian::Query &q, int depth)
{
    if (depth > 64)
        return true;
    switch (q.get_type()) {
    case Xapian::Query::OP_PHRASE:
    case Xapian::Query::OP_NEAR:
        return true;
    default:
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            if (has_positional(q.get_subquery(i), depth + 1))
                return true;
        return false;
    }
}

/* The pair heads the index holds pair terms for (xap_search.pairs_key),
 * sorted; none when the keys are not given, the value is missing or its
 * tag is not the tag key's value.  A reader reads them once a revision. */
const std::vector<std::string> &pair_heads(xap_db *db, const xap_search *s,
                                           std::vector<std::string> &scratch)
{
    std::vector<std::string> &heads = db->wr ? scratch : db->pair_heads;
    if (!db->wr && db->pairs_read)
        return heads;
    heads.clear();
    if (s->pairs_key && s->pairs_tag_key) {
        std::string v = db->rd->get_metadata(s->pairs_key);
        std::string tag = db->rd->get_metadata(s->pairs_tag_key);
        size_t sp = v.find(' ');
        if (!tag.empty() && sp != std::string::npos && !v.compare(0, sp, tag)) {
            size_t start = sp + 1;
            while (start < v.size()) {
                size_t end = v.find(' ', start);
                if (end == std::string::npos)
                    end = v.size();
                if (end > start)
                    heads.push_back(v.substr(start, end - start));
                start = end + 1;
            }
            std::sort(heads.begin(), heads.end());
        }
    }
    if (!db->wr)
        db->pairs_read = true;
    return heads;
}

/* What with_pairs puts in place of a phrase. */
enum pair_form {
    PAIR_MATCH, /* the pair term alone: the same documents */
    PAIR_RANK   /* the words ANDed, filtered by the pair term: the same
                   documents and weights (Xapian weighs a phrase as the sum
                   of its words) */
};

/* The pair term of words i and i + 1 of the phrase q (LEAF_TERMs with
 * one prefix), "" when the index has none for them. */
std::string phrase_pair(const Xapian::Query &q, size_t i, const std::vector<std::string> &heads)
{
    Xapian::Query a = q.get_subquery(i), b = q.get_subquery(i + 1);
    if (a.get_type() != Xapian::Query::LEAF_TERM || b.get_type() != Xapian::Query::LEAF_TERM)
        return std::string();
    const std::string ta = *a.get_terms_begin(), tb = *b.get_terms_begin();
    size_t pl = xap_impl::prefix_len(ta);
    if (xap_impl::prefix_len(tb) != pl || ta.compare(0, pl, tb, 0, pl) || tb.size() == pl ||
        !std::binary_search(heads.begin(), heads.end(), ta.substr(pl)))
        return std::string();
    return xap_impl::pair_term(ta, tb.substr(pl));
}

/* q with its phrases answered from pair terms where the index has them,
 * where they are reached through operators that add or pick the weights
 * of their parts (AND, OR, FILTER, AND_NOT, AND_MAYBE, XOR, MAX); *used
 * counts them.  The parser's phrases are exact (window = words), and
 * "XP<word> <next word>" (xap.cc, finish_doc) is in exactly the documents
 * where the two are adjacent, so a two-word phrase becomes its pair term
 * (see pair_form), and a longer one is filtered by the pair terms of its
 * word pairs that have one: the same documents, positions read only for
 * those ("one-to-one": "XPone to"). */
Xapian::Query with_pairs(const Xapian::Query &q, const std::vector<std::string> &heads,
                         pair_form form, int depth, size_t *used)
{
    if (depth > 64)
        return q;
    switch (q.get_type()) {
    case Xapian::Query::OP_PHRASE: {
        size_t n = q.get_num_subqueries();
        std::vector<Xapian::Query> parts{q};
        for (size_t i = 0; i + 1 < n; i++) {
            std::string pt = phrase_pair(q, i, heads);
            if (!pt.empty())
                parts.emplace_back(pt);
        }
        if (parts.size() == 1)
            return q;
        ++*used;
        if (n > 2)
            return Xapian::Query(Xapian::Query::OP_FILTER, parts.begin(), parts.end());
        if (form == PAIR_MATCH)
            return parts[1];
        return Xapian::Query(Xapian::Query::OP_FILTER,
                             Xapian::Query(Xapian::Query::OP_AND, q.get_subquery(0),
                                           q.get_subquery(1)),
                             parts[1]);
    }
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_MAX: {
        size_t before = *used;
        std::vector<Xapian::Query> subs;
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            subs.push_back(with_pairs(q.get_subquery(i), heads, form, depth + 1, used));
        if (*used == before)
            return q;
        return Xapian::Query(q.get_type(), subs.begin(), subs.end());
    }
    default:
        return q;
    }
}

/* Must every document q matches match each phrase in it?  True when the
 * phrases are reached only through AND and FILTER (and the left of
 * AND_MAYBE), so q's positional parts decide nothing but the match set. */
bool phrases_required(const Xapian::Query &q, int depth)
{
    if (depth > 64)
        return false;
    switch (q.get_type()) {
    case Xapian::Query::OP_PHRASE:
    case Xapian::Query::OP_NEAR:
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            if (q.get_subquery(i).get_type() != Xapian::Query::LEAF_TERM)
                return false;
        return true;
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_FILTER:
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            if (!phrases_required(q.get_subquery(i), depth + 1))
                return false;
        return true;
    case Xapian::Query::OP_AND_MAYBE:
        for (size_t i = 1; i < q.get_num_subqueries(); i++)
            if (has_positional(q.get_subquery(i), depth + 1))
                return false;
        return q.get_num_subqueries() > 0 && phrases_required(q.get_subquery(0), depth + 1);
    default:
        return !has_positional(q, depth + 1);
    }
}

/* The documents that pass every counted filter but one field's (fbits[k]
 * is counted filter k's documents, cfacet[k] its field): the only ones
 * whose text match can change a count or the matches.  NULL when that is
 * every document (fewer than two fields filtered). */
static Bits *near_matches(const xap_facets &ft, const std::vector<int> &cfacet,
                          const std::vector<Bits> &fbits)
{
    std::vector<int> fields(cfacet);
    std::sort(fields.begin(), fields.end());
    fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
    if (fields.size() < 2)
        return nullptr;
    Bits *u = new Bits(ft.words, 0);
    for (int f : fields) {
        Bits r = ft.all;
        for (size_t k = 0; k < fbits.size(); k++)
            if (cfacet[k] != f)
                for (size_t w = 0; w < ft.words; w++)
                    r[w] &= fbits[k][w];
        for (size_t w = 0; w < ft.words; w++)
            (*u)[w] |= r[w];
    }
    return u;
}

/* out = the documents q matches, from posting lists and bit algebra, no
 * weights: about 13 ns a posting where the matcher, asked to look at every
 * match, takes ~90 ns a match.  False when q has a part this does not
 * know (phrases, NEAR, value ranges, posting sources, wildcards, elite
 * sets...): the caller then asks Xapian. */
bool eval_bits(Xapian::Database &rd, xap_facets &ft, const Xapian::Query &q, Bits &out,
               int depth)
{
    if (depth > 64)
        return false;
    switch (q.get_type()) {
    case Xapian::Query::LEAF_MATCH_ALL:
        out = ft.all;
        return true;
    case Xapian::Query::LEAF_MATCH_NOTHING:
        out.assign(ft.words, 0);
        return true;
    case Xapian::Query::LEAF_TERM: {
        Xapian::TermIterator ti = q.get_terms_begin();
        if (ti == q.get_terms_end())
            return false;
        out.assign(ft.words, 0);
        or_term_bits(rd, ft, *ti, out, true);
        return true;
    }
    case Xapian::Query::OP_SCALE_WEIGHT:
    case Xapian::Query::OP_AND_MAYBE: /* the right side only weighs */
        if (q.get_num_subqueries() < 1)
            return false;
        return eval_bits(rd, ft, q.get_subquery(0), out, depth + 1);
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
    case Xapian::Query::OP_AND_NOT: {
        const Xapian::Query::op op = q.get_type();
        size_t n = q.get_num_subqueries();
        if (n == 0 || !eval_bits(rd, ft, q.get_subquery(0), out, depth + 1))
            return false;
        Bits sub;
        for (size_t i = 1; i < n; i++) {
            if (!eval_bits(rd, ft, q.get_subquery(i), sub, depth + 1))
                return false;
            const size_t words = ft.words;
            if (op == Xapian::Query::OP_AND || op == Xapian::Query::OP_FILTER) {
                for (size_t w = 0; w < words; w++)
                    out[w] &= sub[w];
            } else if (op == Xapian::Query::OP_AND_NOT) {
                for (size_t w = 0; w < words; w++)
                    out[w] &= ~sub[w];
            } else {
                for (size_t w = 0; w < words; w++)
                    out[w] |= sub[w];
            }
        }
        return true;
    }
    default:
        return false;
    }
}

struct Priv {
    Xapian::MSet mset;
    Xapian::Stem stem{STEM_LANG};
    bool has_text = false;
    /* When the page was ranked with another form of the query (pair terms,
     * or a required phrase's words ANDed): the query as parsed, whose
     * terms and phrases snippets mark, and the MSet made for that (no
     * matches: get_mset(0, 0) only gathers the terms' statistics), on the
     * first snippet. */
    Xapian::Database db;
    Xapian::Query snip_q;
    Xapian::MSet snip;
    bool snip_ready = false;
};

bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!std::isspace(static_cast<unsigned char>(*s)))
            return false;
    return true;
}

/* The query as plain words: every non-word character becomes a space, so
 * the parser has no syntax left to reject. */
std::string plain_words(const std::string &q)
{
    std::string out;
    for (Xapian::Utf8Iterator it(q); it != Xapian::Utf8Iterator(); ++it) {
        unsigned ch = *it;
        if (Xapian::Unicode::is_wordchar(ch))
            Xapian::Unicode::append_utf8(out, ch);
        else
            out += ' ';
    }
    return out;
}

} // namespace

extern "C" {

/* --- searching ---------------------------------------------------------- */

static Xapian::Query build_filters(const xap_search *s, Xapian::Query q)
{
    for (size_t i = 0; i < s->n_filters; i++) {
        const xap_filter &f = s->filters[i];
        std::vector<Xapian::Query> terms;
        for (size_t j = 0; j < f.n; j++)
            if (f.terms[j] && *f.terms[j])
                terms.emplace_back(f.terms[j]);
        /* An empty OR group matches nothing, as a filter on no value should. */
        Xapian::Query group(Xapian::Query::OP_OR, terms.begin(), terms.end());
        q = Xapian::Query(Xapian::Query::OP_FILTER, q, group);
    }
    for (size_t i = 0; i < s->n_ranges; i++) {
        const xap_range &r = s->ranges[i];
        std::string x = Xapian::sortable_serialise(r.x);
        Xapian::Query vr = r.op == XAP_LE
            ? Xapian::Query(Xapian::Query::OP_VALUE_LE, r.slot, x)
            : Xapian::Query(Xapian::Query::OP_VALUE_GE, r.slot, x);
        q = Xapian::Query(Xapian::Query::OP_FILTER, q, vr);
    }
    return q;
}

/* run_once's answer when the revision it read was discarded by the writer
 * and a retry on a fresh one is allowed. */
#define XAP_RETRY 1

static int run_once(xap_db *db, const xap_search *s, xap_results *out, sp_err *err,
                    bool may_retry)
{
    std::memset(out, 0, sizeof *out);
    Priv *priv = nullptr;
    try {
        std::unique_ptr<Priv> p(new Priv());
        Xapian::Database &rd = *db->rd;
        Xapian::doccount dbsize = rd.get_doccount();

        /* The text part. */
        /* Query(""), not the shared static Query::MatchAll: copying that
         * bumps a refcount that is not atomic, a race (and a use after
         * free under ASan) when searchd's threads search at once. */
        Xapian::Query q = Xapian::Query(std::string());
        Xapian::Query q_np; /* q without positions, when q has any */
        /* With pair terms (with_pairs): q_pos the query as parsed, q_match
         * its match set's form; q is then the ranking form. */
        Xapian::Query q_pos, q_match;
        std::vector<std::string> heads_scratch;
        std::string corrected;
        bool fallback = false;
        if (!blank(s->text)) {
            Xapian::QueryParser qp;
            qp.set_stemmer(p->stem);
            qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
            qp.set_database(rd);
            Xapian::SimpleStopper stopper(std::begin(STOPWORDS), std::end(STOPWORDS));
            qp.set_stopper(&stopper);
            qp.set_default_op(s->default_and ? Xapian::Query::OP_AND
                                             : Xapian::Query::OP_OR);
            for (size_t i = 0; i < s->n_prefixes; i++)
                qp.add_prefix(s->prefixes[i].field, s->prefixes[i].prefix);
            unsigned flags = Xapian::QueryParser::FLAG_DEFAULT |
                             Xapian::QueryParser::FLAG_SYNONYM |
                             Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS |
                             Xapian::QueryParser::FLAG_SPELLING_CORRECTION;
            try {
                q = qp.parse_query(s->text, flags);
            }
            catch (const Xapian::QueryParserError &) {
                /* Never an error for the user: read the words alone. */
                fallback = true;
                q = qp.parse_query(plain_words(s->text),
                                   Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS |
                                       Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
            }
            if (!fallback && has_positional(q, 0)) {
                try {
                    q_np = qp.parse_query(s->text, flags | Xapian::QueryParser::FLAG_NO_POSITIONS);
                }
                catch (const Xapian::QueryParserError &) {
                    q_np = Xapian::Query();
                }
                /* Two-word phrases from their pair terms, when the index
                 * has them: the match set from the pair term's posting
                 * list, the ranking from the words, no positions read. */
                const std::vector<std::string> &heads = pair_heads(db, s, heads_scratch);
                if (!heads.empty()) {
                    size_t used = 0;
                    Xapian::Query rank = with_pairs(q, heads, PAIR_RANK, 0, &used);
                    if (used) {
                        q_pos = q;
                        p->snip_q = q;
                        p->db = rd;
                        q_match = with_pairs(q, heads, PAIR_MATCH, 0, &used);
                        q = rank;
                    }
                }
            }
            corrected = qp.get_corrected_query_string();
            /* All stopwords ("the"): treat as browsing rather than nothing. */
            if (q.empty())
                q = Xapian::Query(std::string());
            else
                p->has_text = true;
        }
        std::vector<Xapian::Query> boost;
        for (size_t i = 0; p->has_text && i < s->n_boost; i++)
            if (s->boost_terms[i] && *s->boost_terms[i])
                boost.emplace_back(s->boost_terms[i]);
        /* match_q: what text_q matches, for eval_bits (which does not
         * read posting sources): the fixed weight matches every document,
         * so the boost's match set is its terms'. */
        Xapian::Query match_q = q_match.empty() ? q : q_match;
        if (q_pos.empty())
            q_pos = q;
        const Xapian::Query q_parsed = q_pos;
        if (!boost.empty()) {
            /* Boolean terms weigh nothing: a fixed weight, filtered by them. */
            Xapian::Query terms(Xapian::Query::OP_OR, boost.begin(), boost.end());
            Xapian::Query b(Xapian::Query::OP_FILTER,
                            Xapian::Query((new Xapian::FixedWeightPostingSource(
                                               s->boost_weight))->release()),
                            terms);
            Xapian::Query::op op =
                s->default_and ? Xapian::Query::OP_AND_MAYBE : Xapian::Query::OP_OR;
            q = Xapian::Query(op, q, b);
            match_q = Xapian::Query(op, match_q, terms);
            q_pos = Xapian::Query(op, q_pos, b);
            if (!q_np.empty())
                q_np = Xapian::Query(op, q_np, b);
        }
        Xapian::Query text_q = q, text_np = q_np;
        /* Whether every phrase must hold is a question about the query as
         * parsed: with_pairs leaves none to find. */
        const bool np_ranks = !text_np.empty() && phrases_required(q_pos, 0);

        /* Location. */
        Xapian::LatLongCoord centre(s->has_near ? s->lat : 0, s->has_near ? s->lon : 0);
        Xapian::GreatCircleMetric metric;
        Xapian::Query geo_q;
        if (s->has_near && s->radius_km > 0) {
            /* release(): the query owns the source, so it lives as long as
             * anything (the MSet kept for snippets) refers to the query. */
            geo_q = Xapian::Query((new Xapian::LatLongDistancePostingSource(
                s->geo_slot, Xapian::LatLongCoords(centre), metric,
                s->radius_km * 1000.0))->release());
        }

        auto full_query = [&](const xap_search *ss, const Xapian::Query &text) {
            Xapian::Query fq = build_filters(ss, text);
            if (!geo_q.empty())
                fq = Xapian::Query(Xapian::Query::OP_FILTER, fq, geo_q);
            return fq;
        };
        Xapian::Query main_q = full_query(s, text_q);

        Xapian::Enquire enq(rd);
        enq.set_query(main_q);
        if (!p->has_text)
            enq.set_weighting_scheme(Xapian::BoolWeight());
        switch (s->sort) {
        case XAP_SORT_DISTANCE:
            if (s->has_near) {
                enq.set_sort_by_key_then_relevance(
                    (new Xapian::LatLongDistanceKeyMaker(
                         s->geo_slot, Xapian::LatLongCoords(centre), metric, 1e12))
                        ->release(),
                    false);
            }
            break;
        case XAP_SORT_VALUE_DESC:
            enq.set_sort_by_value_then_relevance(s->sort_slot, true);
            break;
        case XAP_SORT_RELEVANCE:
            break;
        }
        if (s->collapse)
            enq.set_collapse_key(s->collapse_slot);

        std::vector<Xapian::valueno> slots(s->count_slots, s->count_slots + s->n_count_slots);

        /* Facets from the facet table (see xap_facets) when it can answer:
         * a reader, and every counted filter's terms known to the table.
         * Collapsed, counts are of clusters (folded_count). */
        xap_facets *ft = nullptr;
        if (!slots.empty() && s->count_prefixes && !db->wr) {
            std::vector<std::string> prefixes;
            bool ok = true;
            for (size_t i = 0; i < slots.size(); i++) {
                const char *pf = s->count_prefixes[i];
                ok = ok && pf && *pf;
                prefixes.emplace_back(pf ? pf : "");
            }
            if (ok && (!db->facets || db->facets->prefixes != prefixes))
                db->facets.reset(build_facets(rd, prefixes));
            ft = ok ? db->facets.get() : nullptr;
            for (size_t j = 0; ft && j < s->n_ranges; j++)
                if (s->ranges[j].facet >= 0 &&
                    static_cast<size_t>(s->ranges[j].facet) < slots.size())
                    ensure_numbers(rd, *ft, s->ranges[j].slot);
            for (size_t j = 0; ft && j < s->n_filters; j++) {
                const xap_filter &f = s->filters[j];
                if (f.facet < 0 || static_cast<size_t>(f.facet) >= slots.size())
                    continue;
                for (size_t k = 0; ft && k < f.n; k++)
                    if (f.terms[k] && *f.terms[k] && !ft->by_term.count(f.terms[k]) &&
                        rd.term_exists(f.terms[k]))
                        ft = nullptr; /* not a facet term: count the slow way */
            }
            if (ft && s->collapse)
                ensure_clusters(rd, *ft, s->collapse_slot);
        }
        /* A count alone (no hits, no facets: searchd's sd_count) takes the
         * total from the table a faceted search of this revision built,
         * when there is one, rather than have the matcher visit every
         * match. */
        if (!ft && slots.empty() && s->exact && s->limit == 0 && !db->wr && db->facets) {
            ft = db->facets.get();
            if (s->collapse)
                ensure_clusters(rd, *ft, s->collapse_slot);
        }
        /* Fast path: t = matches of the text with the filters that are not
         * counted (and ranges, location); fbits[k] = documents passing
         * counted filter counted[k]; m = t AND every fbits = the matches. */
        Bits t, m;
        std::vector<size_t> counted;      /* filters, then ranges (n_filters + k) */
        std::vector<int> cfacet;          /* the facet of each counted entry */
        std::vector<Bits> fbits;
        bool m_from_spy = false;
        if (ft) {
            std::vector<xap_filter> rest;
            std::vector<xap_range> rest_ranges;
            for (size_t j = 0; j < s->n_filters; j++) {
                int fc = s->filters[j].facet;
                if (fc >= 0 && static_cast<size_t>(fc) < slots.size()) {
                    counted.push_back(j);
                    cfacet.push_back(fc);
                } else {
                    rest.push_back(s->filters[j]);
                }
            }
            for (size_t j = 0; j < s->n_ranges; j++) {
                int fc = s->ranges[j].facet;
                if (fc >= 0 && static_cast<size_t>(fc) < slots.size()) {
                    counted.push_back(s->n_filters + j);
                    cfacet.push_back(fc);
                } else {
                    rest_ranges.push_back(s->ranges[j]);
                }
            }
            bool t_all = !p->has_text && geo_q.empty() && rest_ranges.empty() && rest.empty();
            xap_search ts = *s;
            ts.filters = rest.data();
            ts.n_filters = rest.size();
            ts.ranges = rest_ranges.data();
            ts.n_ranges = rest_ranges.size();
            bool t_known = t_all;
            if (t_all)
                t = ft->all;
            else
                t_known = eval_bits(rd, *ft, full_query(&ts, match_q), t, 0);
            for (size_t j : counted) {
                Bits fb(ft->words, 0);
                if (j < s->n_filters)
                    or_terms(*ft, s->filters[j], fb);
                else
                    range_bits(*ft, s->ranges[j - s->n_filters], fb);
                fbits.push_back(std::move(fb));
            }
            if (!t_known && !counted.empty()) {
                /* Xapian checks the text here (a phrase: positions).  Only
                 * documents that pass every counted filter but one field's
                 * can change a count or the matches (the counts of a field
                 * are over the others' filters), so with two fields or
                 * more filtered only those are checked. */
                Xapian::Query tq = full_query(&ts, text_q);
                std::shared_ptr<const Bits> u(near_matches(*ft, cfacet, fbits));
                if (u)
                    tq = Xapian::Query(
                        Xapian::Query::OP_FILTER, tq,
                        Xapian::Query((new BitsSource(u, ft->last,
                                                      static_cast<Xapian::doccount>(popcount_all(
                                                          u->data(), u->size()))))
                                          ->release()));
                t_known = true;
                t.assign(ft->words, 0);
                BitSpy tspy(&t, ft->last);
                Xapian::Enquire e2(rd);
                e2.set_query(tq);
                e2.set_weighting_scheme(Xapian::BoolWeight());
                e2.add_matchspy(&tspy);
                e2.get_mset(0, 0, dbsize);
            }
            if (t_known) {
                m = t;
                for (const Bits &fb : fbits)
                    for (size_t w = 0; w < ft->words; w++)
                        m[w] &= fb[w];
            } else {
                m.assign(ft->words, 0); /* text alone: the search fills it */
                m_from_spy = true;
            }
        }
        /* The matches known, the ranked search filters by them rather
         * than by the filters' posting lists: the same documents, the same
         * weights (a filter weighs nothing), and the matcher skips
         * through a bitmap. */
        if (ft && !m_from_spy && (s->n_filters || s->n_ranges || !geo_q.empty())) {
            auto mb = std::make_shared<const Bits>(m);
            Xapian::doccount n =
                static_cast<Xapian::doccount>(popcount_all(m.data(), m.size()));
            /* Every phrase the text requires already holds in m, so its
             * words ANDed match the same documents there with the same
             * weights (a phrase weighs the sum of its words), and Xapian
             * does not read their positions a second time. */
            const Xapian::Query &rank_q = np_ranks ? text_np : text_q;
            if (np_ranks) {
                p->snip_q = q_parsed;
                p->db = rd;
            }
            enq.set_query(Xapian::Query(
                Xapian::Query::OP_FILTER, rank_q,
                Xapian::Query((new BitsSource(mb, ft->last, n))->release())));
        }
        BitSpy mspy(&m, ft ? ft->last : 0);
        FacetSpy spy(slots);
        spy.collapse = s->collapse;
        spy.collapse_slot = s->collapse_slot;
        if (ft && m_from_spy)
            enq.add_matchspy(&mspy);
        else if (!ft && !slots.empty())
            enq.add_matchspy(&spy);

        size_t limit = s->limit;
        if (limit > 10000)
            limit = 10000;
        Xapian::doccount check = static_cast<Xapian::doccount>(s->offset + limit);
        if (ft && !m_from_spy)
            ; /* the total comes from m: the matcher may stop early */
        else if (s->exact || m_from_spy || s->collapse)
            check = dbsize; /* collapsed: the fold count is exact only when
                               the matcher examined every match */
        else if (!slots.empty() && check < 1000)
            check = 1000;
        /* No hits asked and the total from m: no ranked search at all. */
        if (!(ft && !m_from_spy && limit == 0))
            p->mset = enq.get_mset(static_cast<Xapian::doccount>(s->offset),
                                   static_cast<Xapian::doccount>(limit), check);

        std::vector<uint32_t> nz_m;
        if (ft)
            nz_m = nonzero_words(m);
        if (ft) {
            out->total = s->collapse ? folded_count(*ft, m, nz_m, nullptr)
                                     : popcount_all(m.data(), m.size());
            out->exhaustive = true;
        } else if (s->collapse) {
            /* Every match was examined (check = dbsize), so Xapian's
             * collapsed bounds meet: the number of distinct clusters, a
             * record without a cluster id counting as its own. */
            out->total = p->mset.get_matches_lower_bound();
            out->exhaustive = p->mset.get_matches_lower_bound() ==
                              p->mset.get_matches_upper_bound();
        } else {
            out->total = p->mset.get_matches_estimated();
            out->exhaustive = p->mset.get_matches_lower_bound() ==
                              p->mset.get_matches_upper_bound();
        }
        out->parse_fallback = fallback;
        out->has_text = p->has_text;
        if (!corrected.empty())
            out->corrected = dup_string(corrected);

        /* Term sets counted within the matches m. */
        for (size_t i = 0; ft && i < s->n_count_sets && i < XAP_MAX_COUNT_SETS; i++) {
            const xap_filter &cs = s->count_sets[i];
            Bits g(ft->words, 0);
            for (size_t j = 0; j < cs.n; j++)
                if (cs.terms[j])
                    or_term_bits(rd, *ft, cs.terms[j], g, false);
            for (size_t w = 0; w < ft->words; w++)
                g[w] &= m[w];
            out->set_counts[i] = s->collapse ? folded_count(*ft, g, nonzero_words(g), nullptr)
                                             : popcount_all(g.data(), g.size());
            out->n_set_counts = i + 1;
        }

        /* Matches. */
        size_t n = p->mset.size();
        if (n)
            out->matches = calloc_array<xap_match>(n);
        const Bits &matched = m;
        for (Xapian::MSetIterator it = p->mset.begin(); it != p->mset.end(); ++it) {
            xap_match &m = out->matches[out->n_matches];
            Xapian::Document doc = it.get_document();
            std::string data;
            if (s->data_slot)
                data = doc.get_value(s->data_slot);
            if (data.empty())
                data = doc.get_data();
            m.docid = *it;
            m.weight = p->has_text ? it.get_weight() : 0.0;
            m.data = dup_string(data);
            m.data_len = data.size();
            /* With the table the matcher may stop early, so Xapian's own
             * collapse count can fall short: count from the matches. */
            m.collapsed = !s->collapse ? 0
                          : ft         ? folded_into(*ft, matched, *it)
                                       : it.get_collapse_count();
            m.distance_km = -1;
            if (s->has_near) {
                std::string v = doc.get_value(s->geo_slot);
                if (!v.empty()) {
                    Xapian::LatLongCoords coords;
                    coords.unserialise(v);
                    m.distance_km = metric(Xapian::LatLongCoords(centre), coords) / 1000.0;
                }
            }
            out->n_matches++;
        }

        /* Facet counts: a field that is filtered is counted without its own
         * filter (disjunctive facets), so the other values of a selected
         * field keep their counts: one extra query per filtered field. */
        if (!slots.empty()) {
            out->counts = calloc_array<xap_slot_counts>(slots.size());
            out->n_counts = slots.size();
        }
        if (ft) {
            Split m_split;
            for (size_t i = 0; i < slots.size(); i++) {
                xap_slot_counts &sc = out->counts[i];
                sc.slot = slots[i];
                bool filtered = false;
                for (int fc : cfacet)
                    filtered = filtered || fc == static_cast<int>(i);
                if (!filtered) {
                    count_group(*ft, i, m, nz_m, s->collapse, m_split, sc);
                    continue;
                }
                /* Disjunctive: the matches as if this field had no filter. */
                Bits r = t;
                for (size_t k = 0; k < counted.size(); k++) {
                    if (cfacet[k] == static_cast<int>(i))
                        continue;
                    const Bits &fb = fbits[k];
                    for (size_t w = 0; w < ft->words; w++)
                        r[w] &= fb[w];
                }
                Split r_split;
                count_group(*ft, i, r, nonzero_words(r), s->collapse, r_split, sc);
            }
        } else if (!slots.empty()) {
            for (size_t i = 0; i < slots.size(); i++) {
                const std::map<std::string, Xapian::doccount> *src = &spy.counts[i];
                std::unique_ptr<FacetSpy> own;
                std::vector<xap_filter> fl;
                std::vector<xap_range> rl;
                bool filtered = false;
                for (size_t j = 0; j < s->n_filters; j++) {
                    if (s->filters[j].facet == static_cast<int>(i))
                        filtered = true;
                    else
                        fl.push_back(s->filters[j]);
                }
                for (size_t j = 0; j < s->n_ranges; j++) {
                    if (s->ranges[j].facet == static_cast<int>(i))
                        filtered = true;
                    else
                        rl.push_back(s->ranges[j]);
                }
                if (filtered) {
                    xap_search without = *s;
                    without.filters = fl.data();
                    without.n_filters = fl.size();
                    without.ranges = rl.data();
                    without.n_ranges = rl.size();
                    own.reset(new FacetSpy(std::vector<Xapian::valueno>{slots[i]}));
                    own->collapse = s->collapse;
                    own->collapse_slot = s->collapse_slot;
                    Xapian::Enquire e2(rd);
                    e2.set_query(full_query(&without, text_q));
                    e2.set_weighting_scheme(Xapian::BoolWeight());
                    if (s->collapse)
                        e2.set_collapse_key(s->collapse_slot);
                    e2.add_matchspy(own.get());
                    e2.get_mset(0, 0, (s->exact || s->collapse) ? dbsize : check);
                    src = &own->counts[0];
                }
                xap_slot_counts &sc = out->counts[i];
                sc.slot = slots[i];
                if (!src->empty())
                    sc.v = calloc_array<xap_count>(src->size());
                for (const auto &kv : *src)
                    add_count(sc, kv.first, kv.second);
            }
        }
        priv = p.release();
        out->priv = priv;
        return SP_OK;
    }
    catch (const Xapian::DatabaseModifiedError &e) {
        xap_results_free(out);
        if (may_retry)
            return XAP_RETRY;
        return map_error(e, err, "searching");
    }
    catch (...) {
        xap_results_free(out);
        return map_current(err, "searching");
    }
}

/* A reader whose revision the writer discarded mid-search (it commits
 * often while crawling) reopens and searches again, twice at most, rather
 * than failing the request. */
int xap_run(xap_db *db, const xap_search *s, xap_results *out, sp_err *err)
{
    for (int attempt = 0;; attempt++) {
        int rc = run_once(db, s, out, err, !db->wr && attempt < 2);
        if (rc != XAP_RETRY)
            return rc;
        try {
            db->rd->reopen();
        }
        catch (...) {
            /* the next attempt reports what is wrong */
        }
        db->facets.reset();
        db->pairs_read = false;
    }
}

char *xap_results_snippet(const xap_results *r, const char *text, size_t max_len)
{
    try {
        Priv *p = static_cast<Priv *>(r->priv);
        std::string t = text ? text : "";
        std::string snip;
        if (!p || !p->has_text)
            return nullptr;
        if (!p->snip_q.empty() && !p->snip_ready) {
            Xapian::Enquire e(p->db);
            e.set_query(p->snip_q);
            p->snip = e.get_mset(0, 0);
            p->snip_ready = true;
        }
        const Xapian::MSet &ms = p->snip_ready ? p->snip : p->mset;
        snip = ms.snippet(t, max_len, p->stem,
                          Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                              Xapian::MSet::SNIPPET_EXHAUSTIVE,
                          "<mark>", "</mark>", "\xe2\x80\xa6");
        return dup_string(snip);
    }
    catch (...) {
        return nullptr;
    }
}

void xap_results_free(xap_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_matches; i++)
        std::free(r->matches[i].data);
    std::free(r->matches);
    for (size_t i = 0; i < r->n_counts; i++) {
        for (size_t j = 0; j < r->counts[i].n; j++)
            std::free(r->counts[i].v[j].value);
        std::free(r->counts[i].v);
    }
    std::free(r->counts);
    std::free(r->corrected);
    delete static_cast<Priv *>(r->priv);
    std::memset(r, 0, sizeof *r);
}

} // extern "C"
