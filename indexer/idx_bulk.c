/*
 * idx_bulk.c - a rebuild of the index on several cores (idx.h,
 * idx_bulk_begin).  The caller's thread serialises each record and gives
 * it a docid, the next one as a single writer would; worker threads turn
 * the records into Xapian documents (idx_build: the costly part) and put
 * them at those docids into shard databases, each holding one contiguous
 * range of docids ("blocks" of 2,000 to 10,000).  idx_bulk_finish merges
 * the shards with Xapian's compaction (docids kept, spelling frequencies
 * added up) into DIR.new, then swaps it in for DIR.
 *
 * Why blocks, not one shard per worker: compaction keeps docids only when
 * the shards' ranges do not overlap, and the docids must be those of a
 * sequential build for ties to rank in the same order (browsing ranks
 * every match equal: docid order).  A worker is given whole blocks, each
 * new block to the worker with the shortest queue, and a queue holds up to
 * 1.5 blocks, so both workers stay busy while the caller reads on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idx_impl.h"
#include "rec.h"

static size_t min_block = 2000, max_block = 10000;
#define BULK_MAX_WORKERS 16

typedef struct job {
    char *json; /* the record as stored; NULL: delete */
    unsigned docid;
    size_t block;
    struct job *next;
} job;

typedef struct worker {
    struct idx_bulk *b;
    pthread_t th;
    bool started;
    job *head, *tail;
    size_t queued;
    int rc;     /* the first failure (under the lock), */
    sp_err err; /* its message: written before rc */
} worker;

typedef struct block {
    unsigned first; /* docids first .. first + size - 1 */
    size_t size, used;
    size_t worker;
} block;

/* id -> docid (0: deleted), open addressing. */
typedef struct slot {
    char *id;
    unsigned docid;
} slot;

struct idx_bulk {
    idx *ix;
    char *build_dir; /* DIR.build: meta/ and one folder per block */
    worker *w;
    size_t n_workers;
    pthread_mutex_t mu;
    pthread_cond_t work, room;
    bool stop;
    block *blocks;
    size_t n_blocks, cap_blocks;
    unsigned last; /* the last docid given */
    slot *ids;
    size_t n_ids, cap_ids;
    char **meta; /* key, value, key, value ... for the new index */
    size_t n_meta;
};

/* --- the id map --------------------------------------------------------- */

static uint64_t hash_id(const char *s)
{
    return sp_fnv1a64(s, strlen(s));
}

static slot *find_slot(slot *v, size_t cap, const char *id)
{
    size_t i = (size_t)hash_id(id) & (cap - 1);
    while (v[i].id && strcmp(v[i].id, id))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

static int grow_ids(idx_bulk *b)
{
    size_t cap = b->cap_ids ? b->cap_ids * 2 : 1024;
    slot *v = calloc(cap, sizeof *v);
    if (!v)
        return SP_ENOMEM;
    for (size_t i = 0; i < b->cap_ids; i++)
        if (b->ids[i].id)
            *find_slot(v, cap, b->ids[i].id) = b->ids[i];
    free(b->ids);
    b->ids = v;
    b->cap_ids = cap;
    return SP_OK;
}

/* --- workers ------------------------------------------------------------ */

static char *block_dir(const idx_bulk *b, size_t blk)
{
    return sp_printf("%s/b%06zu", b->build_dir, blk);
}

static int do_job(worker *w, const job *j, xap_db *db, xap_doc *d, sp_err *err)
{
    if (!j->json)
        return xap_delete_docid(db, j->docid, err);
    rec_service r;
    int rc = rec_from_json_string(j->json, strlen(j->json), &r, err);
    if (rc != SP_OK)
        return rc;
    rc = xap_doc_reset(d, db, err);
    if (rc == SP_OK)
        rc = idx_build(w->b->ix, &r, j->json, d, err);
    if (rc == SP_OK)
        rc = xap_put_docid(db, j->docid, d, err);
    rec_service_free(&r);
    return rc;
}

/* Note a worker's first failure (read by the caller's thread). */
static void set_failed(worker *w, int rc)
{
    pthread_mutex_lock(&w->b->mu);
    if (w->rc == SP_OK)
        w->rc = rc;
    pthread_cond_broadcast(&w->b->room);
    pthread_mutex_unlock(&w->b->mu);
}

static void *work(void *arg)
{
    worker *w = arg;
    idx_bulk *b = w->b;
    sp_err err = {0};
    xap_doc *d = xap_doc_new(NULL);
    xap_db *db = NULL;
    size_t at = SIZE_MAX; /* the block db holds */
    int rc = d ? SP_OK : sp_fail(&err, SP_ENOMEM, "out of memory");
    bool reported = false;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (!w->head && !b->stop)
            pthread_cond_wait(&b->work, &b->mu);
        job *j = w->head;
        if (j) {
            w->head = j->next;
            if (!w->head)
                w->tail = NULL;
            w->queued--;
            pthread_cond_broadcast(&b->room);
        }
        pthread_mutex_unlock(&b->mu);
        if (!j)
            break;
        if (rc == SP_OK && j->block != at) {
            /* A block is finished when its worker moves on: committing
             * keeps the writer's buffers small.  A record put again
             * later reopens its block. */
            if (db)
                xap_doc_reset(d, NULL, NULL);
            xap_close(db);
            db = NULL;
            char *dir = block_dir(b, j->block);
            rc = dir ? xap_open_write(dir, &db, &err) : sp_fail(&err, SP_ENOMEM, "out of memory");
            free(dir);
            at = j->block;
        }
        if (rc == SP_OK)
            rc = do_job(w, j, db, d, &err);
        if (rc != SP_OK && !reported) {
            w->err = err; /* read only after set_failed, under the lock */
            set_failed(w, rc);
            reported = true;
        }
        free(j->json);
        free(j);
    }
    xap_doc_free(d);
    xap_close(db);
    return NULL;
}

/* Queue a job for the worker of its block, waiting for room. */
static int enqueue(idx_bulk *b, job *j, sp_err *err)
{
    worker *w = &b->w[b->blocks[j->block].worker];
    size_t bound = b->blocks[b->n_blocks - 1].size * 3 / 2;
    pthread_mutex_lock(&b->mu);
    while (w->queued >= bound && w->rc == SP_OK)
        pthread_cond_wait(&b->room, &b->mu);
    int rc = w->rc;
    if (rc == SP_OK) {
        if (w->tail)
            w->tail->next = j;
        else
            w->head = j;
        w->tail = j;
        w->queued++;
        pthread_cond_broadcast(&b->work);
    }
    pthread_mutex_unlock(&b->mu);
    if (rc != SP_OK) {
        free(j->json);
        free(j);
        return sp_fail(err, rc, "%s", w->err.msg);
    }
    return SP_OK;
}

/* The block of a docid given earlier. */
static size_t block_of(const idx_bulk *b, unsigned docid)
{
    size_t lo = 0, hi = b->n_blocks;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (b->blocks[mid].first <= docid)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* A new block for the next docids, to the least busy worker. */
static int new_block(idx_bulk *b)
{
    if (sp_grow(&b->blocks, &b->cap_blocks, b->n_blocks + 1, sizeof *b->blocks, 64) != SP_OK)
        return SP_ENOMEM;
    size_t size = b->last / 4;
    size = size < min_block ? min_block : size > max_block ? max_block : size;
    size_t best = 0;
    pthread_mutex_lock(&b->mu);
    for (size_t i = 1; i < b->n_workers; i++)
        if (b->w[i].queued < b->w[best].queued)
            best = i;
    pthread_mutex_unlock(&b->mu);
    b->blocks[b->n_blocks++] = (block){b->last + 1, size, 0, best};
    return SP_OK;
}

/* --- the caller's side -------------------------------------------------- */

void idx_bulk_tune(size_t min, size_t max)
{
    min_block = min ? min : 1;
    max_block = max < min_block ? min_block : max;
}

int idx_bulk_check(idx *ix, sp_err *err)
{
    idx_bulk *b = ix->bulk;
    int rc = SP_OK;
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; rc == SP_OK && i < b->n_workers; i++)
        if (b->w[i].rc != SP_OK)
            rc = sp_fail(err, b->w[i].rc, "%s", b->w[i].err.msg);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

int idx_bulk_put(idx *ix, const rec_service *r, sp_err *err)
{
    idx_bulk *b = ix->bulk;
    if (b->n_ids * 2 >= b->cap_ids && grow_ids(b) != SP_OK)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    slot *s = find_slot(b->ids, b->cap_ids, r->id);
    job *j = calloc(1, sizeof *j);
    if (!j)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    j->json = rec_to_json_string(r);
    if (!j->json || (!s->id && !(s->id = sp_strdup(r->id)))) {
        free(j->json);
        free(j);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    if (s->docid) { /* put again: replaced where it is */
        j->docid = s->docid;
        j->block = block_of(b, s->docid);
    } else {
        if (!b->n_blocks || b->blocks[b->n_blocks - 1].used == b->blocks[b->n_blocks - 1].size) {
            if (new_block(b) != SP_OK) {
                free(j->json);
                free(j);
                return sp_fail(err, SP_ENOMEM, "out of memory");
            }
        }
        j->docid = s->docid = ++b->last;
        j->block = b->n_blocks - 1;
        b->blocks[j->block].used++;
        b->n_ids++;
    }
    return enqueue(b, j, err);
}

int idx_bulk_delete(idx *ix, const char *id, sp_err *err)
{
    idx_bulk *b = ix->bulk;
    slot *s = b->cap_ids ? find_slot(b->ids, b->cap_ids, id) : NULL;
    if (!s || !s->id || !s->docid)
        return sp_fail(err, SP_ENOTFOUND, "no service %s in the index", id);
    job *j = calloc(1, sizeof *j);
    if (!j)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    j->docid = s->docid;
    j->block = block_of(b, s->docid);
    s->docid = 0; /* put again, it gets a new docid, as add_document would */
    return enqueue(b, j, err);
}

int idx_bulk_meta(idx *ix, const char *key, const char *value, sp_err *err)
{
    idx_bulk *b = ix->bulk;
    char **v = realloc(b->meta, (b->n_meta + 2) * sizeof *v);
    if (!v)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    b->meta = v;
    v[b->n_meta] = sp_strdup(key);
    v[b->n_meta + 1] = sp_strdup(value ? value : "");
    b->n_meta += 2;
    if (!v[b->n_meta - 2] || !v[b->n_meta - 1])
        return sp_fail(err, SP_ENOMEM, "out of memory");
    return SP_OK;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Stop and join the workers; SP_OK when every one succeeded. */
static int stop_workers(idx_bulk *b, sp_err *err)
{
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_broadcast(&b->work);
    pthread_mutex_unlock(&b->mu);
    int rc = SP_OK;
    for (size_t i = 0; i < b->n_workers; i++) {
        if (b->w[i].started)
            pthread_join(b->w[i].th, NULL);
        b->w[i].started = false;
        if (rc == SP_OK && b->w[i].rc != SP_OK)
            rc = sp_fail(err, b->w[i].rc, "%s", b->w[i].err.msg);
    }
    return rc;
}

static void bulk_free(idx_bulk *b)
{
    for (size_t i = 0; i < b->cap_ids; i++)
        free(b->ids[i].id);
    free(b->ids);
    sp_strv_free(b->meta, b->n_meta);
    free(b->blocks);
    free(b->w);
    free(b->build_dir);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->work);
    pthread_cond_destroy(&b->room);
    free(b);
}

void idx_bulk_abort(idx *ix)
{
    idx_bulk *b = ix->bulk;
    if (!b)
        return;
    ix->bulk = NULL;
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < b->n_workers; i++) { /* drop what is queued */
        while (b->w[i].head) {
            job *j = b->w[i].head;
            b->w[i].head = j->next;
            free(j->json);
            free(j);
        }
        b->w[i].tail = NULL;
        b->w[i].queued = 0;
    }
    pthread_mutex_unlock(&b->mu);
    stop_workers(b, NULL);
    rm_tree(b->build_dir);
    bulk_free(b);
}

int idx_bulk_begin(idx *ix, unsigned workers, sp_err *err)
{
    if (ix->bulk)
        return sp_fail(err, SP_EINVAL, "a bulk build is already under way");
    if (!xap_writable(ix->db) || ix->in_batch)
        return sp_fail(err, SP_EINVAL, "a bulk build needs a writer outside a batch");
    if (!workers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        workers = n > 0 ? (unsigned)n : 1;
    }
    if (workers > BULK_MAX_WORKERS)
        workers = BULK_MAX_WORKERS;
    idx_bulk *b = calloc(1, sizeof *b);
    if (!b)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work, NULL);
    pthread_cond_init(&b->room, NULL);
    b->ix = ix;
    b->n_workers = workers;
    b->w = calloc(workers, sizeof *b->w);
    b->build_dir = sp_printf("%s.build", ix->dir);
    if (!b->w || !b->build_dir) {
        bulk_free(b);
        return sp_fail(err, SP_ENOMEM, "out of memory");
    }
    rm_tree(b->build_dir); /* left by a build that was killed */
    if (mkdir(b->build_dir, 0777) != 0) {
        int rc = sp_fail(err, SP_EIO, "cannot create %s: %s", b->build_dir, strerror(errno));
        bulk_free(b);
        return rc;
    }
    /* The dictionaries (synonyms) and metadata of the index go on in a
     * shard of their own, with no documents. */
    char *meta = sp_printf("%s/meta", b->build_dir);
    xap_db *m = NULL;
    int rc = meta ? xap_open_write(meta, &m, err) : sp_fail(err, SP_ENOMEM, "out of memory");
    if (rc == SP_OK)
        rc = xap_copy_dicts(ix->db, m, err);
    if (rc == SP_OK)
        rc = xap_commit(m, err);
    xap_close(m);
    free(meta);
    for (size_t i = 0; rc == SP_OK && i < workers; i++) {
        b->w[i].b = b;
        if (pthread_create(&b->w[i].th, NULL, work, &b->w[i]) != 0)
            rc = sp_fail(err, SP_ERROR, "cannot start an indexing thread");
        else
            b->w[i].started = true;
    }
    if (rc != SP_OK) {
        stop_workers(b, NULL);
        rm_tree(b->build_dir);
        bulk_free(b);
        return rc;
    }
    ix->bulk = b;
    return SP_OK;
}

/* Merge the shards into DIR.new. */
static int merge(idx_bulk *b, const char *out, sp_err *err)
{
    size_t n = b->n_blocks + 1;
    char **dirs = calloc(n, sizeof *dirs);
    if (!dirs)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    dirs[0] = sp_printf("%s/meta", b->build_dir);
    for (size_t i = 0; i < b->n_blocks; i++)
        dirs[i + 1] = block_dir(b, i);
    int rc = SP_OK;
    for (size_t i = 0; i < n; i++)
        if (!dirs[i])
            rc = sp_fail(err, SP_ENOMEM, "out of memory");
    rm_tree(out);
    if (rc == SP_OK)
        rc = xap_compact((const char *const *)dirs, n, out, err);
    sp_strv_free(dirs, n);
    return rc;
}

int idx_bulk_finish(idx *ix, sp_err *err)
{
    idx_bulk *b = ix->bulk;
    if (!b)
        return sp_fail(err, SP_EINVAL, "no bulk build is under way");
    ix->bulk = NULL;
    int rc = stop_workers(b, err);
    char *fresh = sp_printf("%s.new", ix->dir);
    char *old = sp_printf("%s.old", ix->dir);
    if (rc == SP_OK && (!fresh || !old))
        rc = sp_fail(err, SP_ENOMEM, "out of memory");
    if (rc == SP_OK)
        rc = merge(b, fresh, err);
    if (rc == SP_OK) {
        /* The swap: the writer lets go of DIR (its lock too), the merged
         * index takes its place, and the writer opens that.  Readers
         * holding the old one see it fail to reopen and open afresh. */
        xap_doc_free(ix->doc);
        ix->doc = NULL;
        xap_close(ix->db);
        ix->db = NULL;
        rm_tree(old);
        if (rename(ix->dir, old) != 0 && errno != ENOENT)
            rc = sp_fail(err, SP_EIO, "cannot move %s aside: %s", ix->dir, strerror(errno));
        else if (rename(fresh, ix->dir) != 0)
            rc = sp_fail(err, SP_EIO, "cannot move %s into place: %s", fresh, strerror(errno));
        int orc = xap_open_write(ix->dir, &ix->db, rc == SP_OK ? err : NULL);
        if (rc == SP_OK)
            rc = orc;
        if (rc == SP_OK)
            rm_tree(old);
    }
    for (size_t i = 0; rc == SP_OK && i + 1 < b->n_meta; i += 2)
        rc = xap_set_metadata(ix->db, b->meta[i], b->meta[i + 1], err);
    if (rc == SP_OK)
        rc = xap_commit(ix->db, err);
    if (rc == SP_OK && ix->in_batch) /* the caller's batch goes on */
        rc = xap_begin_transaction(ix->db, err);
    rm_tree(b->build_dir);
    if (fresh)
        rm_tree(fresh);
    free(fresh);
    free(old);
    bulk_free(b);
    return rc;
}
