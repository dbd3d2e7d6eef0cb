/*
 * xap_bulk.cc - what a bulk rebuild on several cores needs from the Xapian
 * binding (xap.h, "bulk builds"): documents put at a docid of the caller's
 * choosing into shard databases, the dictionaries and metadata copied
 * between databases, and the shards merged into one with Xapian's own
 * compaction (Database::compact, what xapian-compact runs).
 */
#include "xap_impl.h"

#include <sys/resource.h>

#include <cstring>
#include <string>
#include <vector>

using xap_impl::map_current;

extern "C" {

int xap_doc_reset(xap_doc *d, xap_db *db, sp_err *err)
{
    try {
        d->doc = Xapian::Document();
        d->tg.set_document(d->doc);
        d->tg.set_termpos(0);
        d->db = db;
        return SP_OK;
    }
    XAP_CATCH(err, "starting a document")
}

int xap_put_docid(xap_db *db, unsigned docid, xap_doc *d, sp_err *err)
{
    if (!db || !db->wr || docid == 0)
        return sp_fail(err, SP_EINVAL, "put: a writable shard and a docid are needed");
    try {
        xap_impl::finish_doc(*db->wr, d->doc);
        db->wr->replace_document(docid, d->doc);
        return SP_OK;
    }
    XAP_CATCH(err, "storing a document")
}

int xap_delete_docid(xap_db *db, unsigned docid, sp_err *err)
{
    if (!db || !db->wr || docid == 0)
        return sp_fail(err, SP_EINVAL, "delete: a writable shard and a docid are needed");
    try {
        db->wr->delete_document(docid);
        return SP_OK;
    }
    XAP_CATCH(err, "deleting a document")
}

int xap_copy_dicts(xap_db *from, xap_db *to, sp_err *err)
{
    if (!to || !to->wr)
        return sp_fail(err, SP_EINVAL, "copying dictionaries: the target is read-only");
    try {
        Xapian::Database &src = *from->rd;
        for (Xapian::TermIterator k = src.synonym_keys_begin(); k != src.synonym_keys_end();
             ++k)
            for (Xapian::TermIterator s = src.synonyms_begin(*k); s != src.synonyms_end(*k);
                 ++s)
                to->wr->add_synonym(*k, *s);
        for (Xapian::TermIterator k = src.metadata_keys_begin(); k != src.metadata_keys_end();
             ++k)
            to->wr->set_metadata(*k, src.get_metadata(*k));
        return SP_OK;
    }
    XAP_CATCH(err, "copying dictionaries")
}

int xap_compact(const char *const *srcs, size_t n, const char *dest, sp_err *err)
{
    if (!n || !dest)
        return sp_fail(err, SP_EINVAL, "compacting: no shards");
    /* Every shard's tables are open at once: a rebuild of 1M services
     * merges ~100 shards of 6 tables. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    try {
        Xapian::Database all;
        for (size_t i = 0; i < n; i++)
            all.add_database(Xapian::Database(srcs[i]));
        /* Docids kept: the shards hold disjoint ranges, numbered as one
         * writer adding the records in order would have. */
        all.compact(dest, Xapian::DBCOMPACT_NO_RENUMBER | Xapian::DBCOMPACT_MULTIPASS);
        return SP_OK;
    }
    XAP_CATCH(err, "merging the index shards")
}

} // extern "C"
