/*
 * test_snapshot.c - the store snapshot a replica reads (indexer/snapshot.h,
 * crawldb/store_snap.c), on a real store and a real index.
 *
 * A base and deltas: after each of a sequence of store changes (records,
 * links, decisions, URLs, documents, gone records: inserted, updated and
 * deleted) the snapshot is published, as a delta when the bounds allow,
 * and the crawl.db written out of the index (base, deltas applied) holds
 * exactly the rows of a full image of the store at that moment, table by
 * table.  An unchanged store (or one whose change was rolled back)
 * publishes nothing.  Past the count of deltas
 * they are folded into one; past their size bound a new base is published
 * and the store's change log pruned up to it.  Pieces:
 * an image cut in 16-byte pieces reads back byte for byte; a missing or
 * torn piece of the base or of a delta is an error that says so, not
 * wrong rows.  Older indexes ("2 ..." pieces, "1 ..." whole) still read,
 * and a publish over one writes a base.
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "idx.h"
#include "snapshot.h"
#include "store.h"
#include "sp.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"

static const char *const tables[] = {"sources",       "urls",      "documents", "hub_records",
                                     "hub_decisions", "hub_links", "hub_meta",  "ingest_records"};

typedef struct fixture {
    char *dir, *store_dir, *index_dir, *out, *full;
    char *inc[2];  /* written out from the one before, as a replica does */
    int n_inc;     /* how many so far */
    snap_mark mark; /* what the last of them holds */
    store *s;
    idx *ix;
} fixture;

static void fixture_close(fixture *f)
{
    store_close(f->s);
    idx_close(f->ix);
    char *slash = strrchr(f->dir, '/');
    *slash = '\0';
    char *cmd = sp_printf("rm -rf '%s'", f->dir);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", f->dir);
    free(cmd);
    free(f->dir);
    free(f->index_dir);
    free(f->out);
    free(f->full);
    free(f->inc[0]);
    free(f->inc[1]);
}

/* Every row of every snapshot table in the SQLite file at path, sorted, as
 * text (one line a row). */
static char *dump(const char *path)
{
    sqlite3 *db = NULL;
    sp_buf b = {0};
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        char sql[256];
        sqlite3_stmt *st = NULL;
        snprintf(sql, sizeof sql, "SELECT * FROM %s", tables[t]);
        int ncol = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK
                       ? sqlite3_column_count(st)
                       : 0;
        sqlite3_finalize(st);
        sp_buf q = {0};
        sp_buf_printf(&q, "SELECT ");
        st = NULL;
        if (ncol && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
            for (int c = 0; c < ncol; c++)
                sp_buf_printf(&q, "%squote(\"%s\")", c ? " || '|' || " : "",
                              sqlite3_column_name(st, c));
        sqlite3_finalize(st);
        sp_buf_printf(&q, " AS r FROM %s ORDER BY r", tables[t]);
        sp_buf_printf(&b, "== %s\n", tables[t]);
        st = NULL;
        if (ncol && sqlite3_prepare_v2(db, sp_buf_cstr(&q), -1, &st, NULL) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW)
                sp_buf_printf(&b, "%s\n", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sp_buf_free(&q);
    }
    sqlite3_close(db);
    return sp_buf_steal(&b);
}

/* The full image of the store now, written to f->full. */
static void write_full(fixture *f)
{
    store_snap snap = {0};
    sp_err err = {0};
    CHECK(store_snapshot_full(f->store_dir, &snap, &err) == SP_OK, "%s", err.msg);
    FILE *fp = fopen(f->full, "wb");
    CHECK(fp && fwrite(snap.img, 1, (size_t)snap.size, fp) == (size_t)snap.size, "write");
    if (fp)
        fclose(fp);
    store_snapshot_free(&snap);
}

/* Publish, write the index's snapshot out and compare it with a full
 * image: the same rows, table by table.  The written-out text in *rows
 * (optional). */
static snap_published publish_and_compare(fixture *f, const snap_tuning *t, const char *step,
                                          char **rows)
{
    snap_published p = {0};
    sp_err err = {0};
    CHECK(snap_publish_tuned(f->ix, f->store_dir, false, t, &p, &err) == SP_OK, "%s: %s", step,
          err.msg);
    CHECK(snap_write(f->ix, f->out, &err) == SP_OK, "%s: %s", step, err.msg);
    write_full(f);
    char *got = dump(f->out), *want = dump(f->full);
    CHECK(got && want && !strcmp(got, want), "%s: written out != full image\n--- got\n%s"
                                             "--- want\n%s", step, got ? got : "(none)",
          want ? want : "(none)");
    /* And from the copy written out before, as a replica does. */
    const char *prev = f->n_inc ? f->inc[(f->n_inc - 1) % 2] : NULL, *next = f->inc[f->n_inc % 2];
    unlink(next);
    CHECK(snap_write_from(f->ix, next, prev, &f->mark, &f->mark, &err) == SP_OK, "%s: %s", step,
          err.msg);
    f->n_inc++;
    char *inc = dump(next);
    CHECK(inc && want && !strcmp(inc, want), "%s: carried on from the copy before != full "
                                             "image\n--- got\n%s", step, inc ? inc : "(none)");
    free(inc);
    free(want);
    if (rows)
        *rows = got;
    else
        free(got);
    return p;
}

static void put_record(store *s, const char *id, const char *cluster, const char *name)
{
    store_hub_record r = {.id = id, .cluster_id = cluster, .source = "src", .name = name,
                          .org = "Org", .url = "https://example.org/", .boroughs = "hackney",
                          .lat = 51.5, .lon = -0.1, .min_age = -1, .max_age = 25,
                          .first_seen = 1, .last_seen = 2, .last_changed = 2, .sig = "ab",
                          .sig_len = 2};
    sp_err err = {0};
    CHECK(store_hub_record_put(s, &r, &err) == SP_OK, "%s", err.msg);
}

static void put_link(store *s, const char *a, const char *b, const char *cluster, double score)
{
    store_hub_link l = {.id_a = a, .id_b = b, .cluster_id = cluster, .evidence = "{}",
                        .score = score};
    sp_err err = {0};
    CHECK(store_hub_link_put(s, &l, &err) == SP_OK, "%s", err.msg);
}

static void fetch(store *s, const char *url, const char *body)
{
    store_fetch fe = {.source = "src", .url = url, .outcome = STORE_NEW_DOC, .status = 200,
                      .fetched_at = 100, .requested = true, .content_hash = body,
                      .format = "html", .body = body, .len = strlen(body)};
    sp_err err = {0};
    CHECK(store_record_fetch(s, &fe, NULL, 0, NULL, &err) == SP_OK, "%s", err.msg);
}

static void sql(fixture *f, const char *text)
{
    char *path = sp_printf("%s/crawl.db", f->store_dir);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
              sqlite3_exec(db, text, NULL, NULL, NULL) == SQLITE_OK,
          "%s: %s", text, sqlite3_errmsg(db));
    sqlite3_close(db);
    free(path);
}

static long long count(fixture *f, const char *query)
{
    char *path = sp_printf("%s/crawl.db", f->store_dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, query, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
    return n;
}

static char *meta(idx *ix, const char *key)
{
    char *v = NULL;
    sp_err err = {0};
    CHECK(idx_meta_get(ix, key, &v, &err) == SP_OK, "%s", err.msg);
    return v;
}

/* A store the tests start from: a source, two URLs with documents, three
 * records, two links, a decision, a gone record. */
static void seed(fixture *f)
{
    sp_err err = {0};
    CHECK(store_source_upsert(f->s, "src", "https://example.org/", "html", "{}", &err) == SP_OK,
          "%s", err.msg);
    store_link seeds[] = {{"https://example.org/a", "html", 0, 0},
                          {"https://example.org/b", "html", 0, 0}};
    long pass = 0;
    CHECK(store_pass_begin(f->s, "src", true, seeds, 2, 100, &pass, &err) == SP_OK, "%s",
          err.msg);
    fetch(f->s, "https://example.org/a", "page a");
    fetch(f->s, "https://example.org/b", "page b");
    put_record(f->s, "r1", "c1", "One");
    put_record(f->s, "r2", "c1", "Two");
    put_record(f->s, "r3", "c3", "Three");
    put_link(f->s, "r1", "r2", "c1", 0.9);
    put_link(f->s, "r2", "r3", "c1", 0.4);
    store_hub_decision d = {"r2", "r3", "distinct", "ann", 5};
    CHECK(store_hub_decide(f->s, &d, &err) == SP_OK, "%s", err.msg);
    CHECK(store_record_put(f->s, "r1", "src", "h1", 1, 2, 2, &err) == SP_OK, "%s", err.msg);
    CHECK(store_record_put(f->s, "r9", "src", "h9", 1, 2, 2, &err) == SP_OK, "%s", err.msg);
    CHECK(store_record_gone(f->s, "r9", 3, NULL, &err) == SP_OK, "%s", err.msg);
}

static int count_r4(void *ctx, const store_hub_link *l)
{
    *(int *)ctx += !strcmp(l->id_b, "r4b");
    return 0;
}

/* A fixture: a seeded store and an empty index in a new folder; closed
 * again when it cannot be made. */
static bool fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->dir = t_tmp_path("snap", "store");
    f->store_dir = f->dir;
    f->index_dir = sp_printf("%s/index", f->dir);
    f->out = sp_printf("%s/out.db", f->dir);
    f->full = sp_printf("%s/full.db", f->dir);
    f->inc[0] = sp_printf("%s/inc0.db", f->dir);
    f->inc[1] = sp_printf("%s/inc1.db", f->dir);
    sp_err err = {0};
    CHECK(store_open(f->store_dir, &f->s, &err) == SP_OK, "%s", err.msg);
    CHECK(idx_open_write(f->index_dir, &f->ix, &err) == SP_OK, "%s", err.msg);
    if (f->s && f->ix) {
        seed(f);
        return true;
    }
    fixture_close(f);
    return false;
}

/* Base, then a delta after each change, each written out equal to a full
 * image; nothing new for an unchanged store. */
static void test_deltas(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    snap_tuning t = {SNAP_CHUNK_BYTES, 100, 1 << 30, 1};
    char *rows = NULL;
    snap_published p = publish_and_compare(&f, &t, "base", &rows);
    CHECK(p.base && !p.delta, "the first publish is a base");
    CHECK(rows && strstr(rows, "'Three'") && strstr(rows, "'distinct'") &&
              strstr(rows, "'https://example.org/b'") && strstr(rows, "'r9'"),
          "the base holds the store's rows:\n%s", rows ? rows : "");
    free(rows);
    char *v = meta(f.ix, SNAP_KEY);
    CHECK(v && !strncmp(v, "3 ", 2), "a base of the current form: %s", v ? v : "(none)");
    free(v);
    long long rev = 0, ms = 0, rev2 = 0;
    snap_revision(f.ix, &rev, &ms);
    /* Nothing changed: nothing published, the revision stays. */
    sp_err err = {0};
    CHECK(snap_publish_tuned(f.ix, f.store_dir, false, &t, &p, &err) == SP_OK, "%s", err.msg);
    snap_revision(f.ix, &rev2, &ms);
    CHECK(!p.base && !p.delta && rev2 == rev, "unchanged: nothing published (rev %lld -> %lld)",
          rev, rev2);
    /* An unchanged recrawl: a new pass queues both pages again and each
     * comes back 304.  A page queued again keeps its content and is
     * published as done, so the pass logs nothing (store schema 8). */
    const char *urls_logged = "SELECT count(*) FROM snap_log WHERE tbl = 'urls'";
    long long logged = count(&f, urls_logged);
    store_link again[] = {{"https://example.org/a", "html", 0, 0},
                          {"https://example.org/b", "html", 0, 0}};
    long pass = 0;
    CHECK(store_pass_begin(f.s, "src", true, again, 2, 200, &pass, &err) == SP_OK, "%s", err.msg);
    CHECK(count(&f, "SELECT count(*) FROM urls WHERE state = 'queued'") == 2, "both queued again");
    CHECK(count(&f, urls_logged) == logged, "queued again: no URL logged");
    p = publish_and_compare(&f, &t, "pages queued again", &rows);
    CHECK(!p.base && p.changes == 0 && rows && !strstr(rows, "'queued'"),
          "queued again: no URL published, still done on a replica:\n%s", rows ? rows : "");
    free(rows);
    for (size_t i = 0; i < 2; i++) {
        store_fetch fe = {.source = "src", .url = again[i].url, .outcome = STORE_UNCHANGED,
                          .status = 304, .fetched_at = 200, .requested = true,
                          .content_hash = i ? "page b" : "page a"};
        CHECK(store_record_fetch(f.s, &fe, NULL, 0, NULL, &err) == SP_OK, "%s", err.msg);
    }
    CHECK(count(&f, "SELECT count(*) FROM urls WHERE state = 'done'") == 2, "both done again");
    CHECK(count(&f, urls_logged) == logged, "304s: no URL logged");
    CHECK(store_pass_end(f.s, "src", true, false, NULL, 201, 0, &err) == SP_OK, "%s", err.msg);
    p = publish_and_compare(&f, &t, "an unchanged recrawl", NULL);
    CHECK(!p.base && p.changes == 0, "an unchanged recrawl: no URL published (%lld)",
          (long long)p.changes);
    snap_revision(f.ix, &rev, &ms);
    /* A change rolled back (a batch aborted, as a kill -9 leaves it) logs
     * nothing: the log is written in the change's transaction. */
    CHECK(store_batch_begin(f.s, &err) == SP_OK, "%s", err.msg);
    put_record(f.s, "r1", "c9", "One, rolled back");
    store_batch_abort(f.s);
    CHECK(snap_publish_tuned(f.ix, f.store_dir, false, &t, &p, &err) == SP_OK && !p.base &&
              !p.delta,
          "a rolled-back change: nothing published");
    /* changed (records committed) moves the revision, with no new image. */
    CHECK(snap_publish_tuned(f.ix, f.store_dir, true, &t, &p, &err) == SP_OK, "%s", err.msg);
    snap_revision(f.ix, &rev2, &ms);
    CHECK(!p.base && !p.delta && rev2 == rev + 1, "changed: the revision moves (%lld)", rev2);

    /* One change at a time, a delta each. */
    put_record(f.s, "r2", "c1", "Two renamed");
    p = publish_and_compare(&f, &t, "record updated", &rows);
    CHECK(p.delta && p.changes == 1, "a delta of one change (%lld)", (long long)p.changes);
    CHECK(rows && strstr(rows, "'Two renamed'") && !strstr(rows, "'Two'|"), "renamed: %s",
          rows ? rows : "");
    free(rows);
    CHECK(store_hub_forget(f.s, "r3", &err) == SP_OK, "%s", err.msg);
    CHECK(store_hub_set_cluster(f.s, "r2", "c2", &err) == SP_OK, "%s", err.msg);
    put_record(f.s, "r4", "c4", "Four");
    p = publish_and_compare(&f, &t, "records deleted, moved, inserted", &rows);
    CHECK(p.delta && rows && !strstr(rows, "'Three'") && strstr(rows, "'Four'"),
          "r3 gone, r4 there: %s", rows ? rows : "");
    free(rows);
    CHECK(store_hub_links_clear(f.s, &err) == SP_OK, "%s", err.msg);
    put_link(f.s, "r1", "r4", "c1", 0.8);
    store_hub_decision d = {"r1", "r4", "same", "bob", 9};
    CHECK(store_hub_decide(f.s, &d, &err) == SP_OK, "%s", err.msg);
    p = publish_and_compare(&f, &t, "links rewritten, a decision", NULL);
    CHECK(p.delta, "a delta");
    /* URLs and documents: a new page, one gone, one deleted with its
     * documents; a record gone, one back. */
    fetch(f.s, "https://example.org/b", "page b, changed");
    CHECK(store_mark_gone(f.s, "src", "https://example.org/a", &err) == SP_OK, "%s", err.msg);
    CHECK(store_record_gone(f.s, "r1", 7, NULL, &err) == SP_OK, "%s", err.msg);
    CHECK(store_record_put(f.s, "r9", "src", "h9b", 1, 8, 8, &err) == SP_OK, "%s", err.msg);
    p = publish_and_compare(&f, &t, "urls, documents, gone records", NULL);
    CHECK(p.delta, "a delta");
    sql(&f, "DELETE FROM documents WHERE url = 'https://example.org/a';"
            "DELETE FROM urls WHERE url = 'https://example.org/a';"
            "UPDATE sources SET records = 42 WHERE name = 'src';"
            "UPDATE hub_records SET id = 'r4b' WHERE id = 'r4';"
            "UPDATE hub_links SET id_b = 'r4b' WHERE id_b = 'r4';"
            "UPDATE urls SET url = 'https://example.org/c' WHERE url = 'https://example.org/b';");
    p = publish_and_compare(&f, &t, "a URL and its documents deleted, a source changed, keys "
                                    "changed", &rows);
    CHECK(p.delta && rows && !strstr(rows, "example.org/a") && strstr(rows, "|42\n") &&
              strstr(rows, "'r4b'|") && !strstr(rows, "'r4'|'c4'") && strstr(rows, "example.org/c"),
          "deleted, moved: %s", rows ? rows : "");
    free(rows);
    /* Only a small table changed: still a delta (of no keys). */
    CHECK(store_hub_meta_set(f.s, "note", "x", &err) == SP_OK, "%s", err.msg);
    p = publish_and_compare(&f, &t, "hub_meta", NULL);
    CHECK(p.delta && p.changes == 0, "a delta for a small table");
    v = meta(f.ix, SNAP_DELTAS_KEY);
    CHECK(v && !strncmp(v, "8 ", 2), "eight deltas: %s", v ? v : "(none)");
    free(v);
    /* A written-out copy is a store that store_open_read reads. */
    store *r = NULL;
    char *odir = sp_printf("%s/o", f.store_dir);
    char *odb = sp_printf("%s/crawl.db", odir);
    mkdir(odir, 0700);
    CHECK(snap_write(f.ix, odb, &err) == SP_OK, "%s", err.msg);
    CHECK(store_open_read(odir, 0, &r, &err) == SP_OK, "%s", err.msg);
    int links = 0;
    CHECK(r && store_hub_links(r, count_r4, &links, &err) == SP_OK && links == 1,
          "the copy's hub links, read by the store: %d with r4b", links);
    store_close(r);
    free(odb);
    free(odir);
    fixture_close(&f);
}

/* Past the count of deltas one delta since the base; past their size a
 * base, and the log pruned up to it. */
static void test_rebase(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    snap_tuning t = {SNAP_CHUNK_BYTES, 2, 1 << 30, 1};
    snap_published p = publish_and_compare(&f, &t, "base", NULL);
    /* Pruned but for the newest row (seq only grows). */
    long long logged = count(&f, "SELECT count(*) FROM snap_log");
    CHECK(p.base && logged == 1, "the base's changes pruned: %lld rows left", logged);
    put_record(f.s, "r5", "c5", "Five");
    p = publish_and_compare(&f, &t, "delta 1", NULL);
    CHECK(p.delta && count(&f, "SELECT count(*) FROM snap_log") == 2, "delta 1, logged");
    put_record(f.s, "r6", "c6", "Six");
    p = publish_and_compare(&f, &t, "delta 2", NULL);
    CHECK(p.delta, "delta 2");
    put_record(f.s, "r7", "c7", "Seven");
    p = publish_and_compare(&f, &t, "a third: over max_deltas", NULL);
    char *v = meta(f.ix, SNAP_DELTAS_KEY), *d2 = meta(f.ix, SNAP_DELTA_KEY ".2");
    CHECK(p.delta && p.changes == 3 && v && !strncmp(v, "1 ", 2) && (!d2 || !*d2),
          "past max_deltas, one delta of the 3 changes since the base instead: %s, %s",
          v ? v : "(none)", d2 ? d2 : "(gone)");
    CHECK(count(&f, "SELECT count(*) FROM snap_log") == 4, "the log kept");
    free(v);
    free(d2);
    /* By size: deltas over an eighth of the base (and the floor). */
    t = (snap_tuning){SNAP_CHUNK_BYTES, 100, 1, 1};
    put_record(f.s, "r8", "c8", "Eight");
    p = publish_and_compare(&f, &t, "a delta over the size bound", NULL);
    CHECK(p.base && !p.delta, "a base when the deltas would be too large");
    CHECK(count(&f, "SELECT count(*) FROM snap_log") == 1, "the log pruned");
    v = meta(f.ix, SNAP_DELTAS_KEY);
    char *d1 = meta(f.ix, SNAP_DELTA_KEY ".1");
    CHECK(v && !strncmp(v, "0 ", 2) && (!d1 || !*d1), "no deltas after the base: %s, %s",
          v ? v : "(none)", d1 ? d1 : "(gone)");
    free(v);
    free(d1);
    /* The log pruned by another publisher past this index's point: a base,
     * not a delta missing changes. */
    t = (snap_tuning){SNAP_CHUNK_BYTES, 100, 1 << 30, 1};
    put_record(f.s, "r10", "c10", "Ten");
    p = publish_and_compare(&f, &t, "delta", NULL);
    CHECK(p.delta, "a delta");
    put_record(f.s, "r11", "c11", "Eleven");
    sp_err err = {0};
    CHECK(store_snapshot_prune(f.s, count(&f, "SELECT max(seq) FROM snap_log"), &err) == SP_OK,
          "%s", err.msg);
    p = publish_and_compare(&f, &t, "after a prune elsewhere", NULL);
    CHECK(p.base, "a base when the log no longer reaches back");
    fixture_close(&f);
}

static bool file_is(const char *path, const unsigned char *img, int64_t size)
{
    size_t len = 0;
    char *got = t_read(&len, "%s", path);
    bool same = got && (int64_t)len == size && !memcmp(got, img, len);
    free(got);
    return same;
}

/* BASE64(zlib(img)), as the older forms held it. */
static char *old_text(const unsigned char *img, int64_t size)
{
    uLongf zlen = compressBound((uLong)size);
    unsigned char *z = malloc(zlen);
    CHECK(z && compress2(z, &zlen, img, (uLong)size, 6) == Z_OK, "compress");
    size_t b64 = sodium_base64_ENCODED_LEN(zlen, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(b64);
    sodium_bin2base64(b, b64, z, zlen, sodium_base64_VARIANT_ORIGINAL);
    free(z);
    return b;
}

static void set_meta(idx *ix, const char *key, const char *value)
{
    sp_err err = {0};
    CHECK(idx_begin(ix, &err) == SP_OK && idx_meta_set(ix, key, value, &err) == SP_OK &&
              idx_commit(ix, &err) == SP_OK,
          "%s", err.msg);
}

/* Pieces: 16-byte ones read back; missing or torn ones are errors; the
 * older forms read. */
static void test_pieces(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    sp_err err = {0};
    store_snap snap = {0};
    CHECK(store_snapshot_full(f.store_dir, &snap, &err) == SP_OK && snap.size > 0, "%s",
          err.msg);
    snap_tuning t = {16, 100, 1 << 30, 1};
    snap_published p = {0};
    CHECK(snap_publish_tuned(f.ix, f.store_dir, true, &t, &p, &err) == SP_OK && p.base, "%s",
          err.msg);
    long long n = 0;
    char *v = meta(f.ix, SNAP_KEY);
    CHECK(v && sscanf(v, "3 %*d %lld", &n) == 1 && n > 3, "a base of several pieces: %s",
          v ? v : "(none)");
    free(v);
    CHECK(snap_write(f.ix, f.out, &err) == SP_OK, "%s", err.msg);
    CHECK(file_is(f.out, snap.img, snap.size), "16-byte pieces read back as the image");
    /* Fewer, larger pieces: the old ones past the new count are removed. */
    t.chunk = 1 << 20;
    t.delta_floor = 1; /* any delta is over an eighth of this base */
    put_record(f.s, "r5", "c5", "Five");
    CHECK(snap_publish_tuned(f.ix, f.store_dir, true, &t, &p, &err) == SP_OK && p.base, "%s",
          err.msg);
    char key[96];
    snprintf(key, sizeof key, "%s.%lld", SNAP_KEY, n);
    v = meta(f.ix, key);
    CHECK(!v || !*v, "piece %lld cleared: %s", n, v ? "still there" : "gone");
    free(v);
    /* A delta in 16-byte pieces; then one of its pieces missing, one torn. */
    t.chunk = 16;
    t.delta_floor = 1 << 30;
    put_record(f.s, "r6", "c6", "Six");
    CHECK(snap_publish_tuned(f.ix, f.store_dir, true, &t, &p, &err) == SP_OK && p.delta, "%s",
          err.msg);
    CHECK(snap_write(f.ix, f.out, &err) == SP_OK, "%s", err.msg);
    char *p2 = meta(f.ix, SNAP_DELTA_KEY ".1.2"), *p3 = meta(f.ix, SNAP_DELTA_KEY ".1.3");
    set_meta(f.ix, SNAP_DELTA_KEY ".1.2", "");
    sp_err e2 = {0};
    CHECK(snap_write(f.ix, f.out, &e2) == SP_EINVAL && strstr(e2.msg, "delta 1 of 1") &&
              strstr(e2.msg, "missing"),
          "a missing piece of a delta: %s", e2.msg);
    set_meta(f.ix, SNAP_DELTA_KEY ".1.2", p3 ? p3 : "x");
    e2 = (sp_err){0};
    CHECK(snap_write(f.ix, f.out, &e2) == SP_EINVAL && strstr(e2.msg, "digest"),
          "a torn delta: %s", e2.msg);
    set_meta(f.ix, SNAP_DELTA_KEY ".1.2", p2 ? p2 : "x");
    CHECK(snap_write(f.ix, f.out, &err) == SP_OK, "mended: %s", err.msg);
    /* A delta missing altogether, and the deltas' header saying more than
     * there are. */
    char *dh = meta(f.ix, SNAP_DELTAS_KEY);
    long long k = 0, seq = 0, raw = 0;
    char small[80] = "";
    CHECK(dh && sscanf(dh, "%lld %lld %lld %79s", &k, &seq, &raw, small) == 4 && k == 1,
          "one delta: %s", dh ? dh : "");
    char *more = sp_printf("2 %lld %lld %s", seq, raw, small);
    set_meta(f.ix, SNAP_DELTAS_KEY, more);
    e2 = (sp_err){0};
    CHECK(snap_write(f.ix, f.out, &e2) == SP_EINVAL && strstr(e2.msg, "delta 2 of 2 is missing"),
          "a missing delta: %s", e2.msg);
    set_meta(f.ix, SNAP_DELTAS_KEY, dh);
    free(more);
    free(dh);
    free(p2);
    free(p3);
    /* A missing piece of the base. */
    snprintf(key, sizeof key, "%s.1", SNAP_KEY);
    set_meta(f.ix, key, "");
    e2 = (sp_err){0};
    CHECK(snap_write(f.ix, f.out, &e2) == SP_EINVAL && strstr(e2.msg, "base") &&
              strstr(e2.msg, "missing"),
          "a missing piece of the base: %s", e2.msg);
    /* Older indexes: "2 RAWSIZE NCHUNKS DIGEST" pieces, "1 RAWSIZE BASE64". */
    char *b = old_text(snap.img, snap.size);
    unsigned char dg[crypto_generichash_BYTES];
    char hex[2 * crypto_generichash_BYTES + 1];
    crypto_generichash(dg, sizeof dg, (const unsigned char *)b, strlen(b), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, dg, sizeof dg);
    char *two = sp_printf("2 %lld 1 %s", (long long)snap.size, hex);
    snprintf(key, sizeof key, "%s.1", SNAP_KEY);
    set_meta(f.ix, key, b);
    set_meta(f.ix, SNAP_KEY, two);
    CHECK(snap_write(f.ix, f.out, &err) == SP_OK, "%s", err.msg);
    CHECK(file_is(f.out, snap.img, snap.size), "the \"2\" form reads back as the image");
    char *whole = sp_printf("1 %lld %s", (long long)snap.size, b);
    set_meta(f.ix, SNAP_KEY, whole);
    CHECK(snap_write(f.ix, f.out, &err) == SP_OK, "%s", err.msg);
    CHECK(file_is(f.out, snap.img, snap.size), "the whole-value form reads back as the image");
    /* Publishing over an older form writes a base of the current one. */
    set_meta(f.ix, SNAP_KEY, two);
    t = (snap_tuning){SNAP_CHUNK_BYTES, 100, 1 << 30, 1};
    p = publish_and_compare(&f, &t, "over a \"2\"", NULL);
    CHECK(p.base, "a base over the older form");
    free(two);
    free(whole);
    free(b);
    store_snapshot_free(&snap);
    fixture_close(&f);
}

/* No crawl.db: an empty snapshot, published once. */
static void test_no_store(void)
{
    fixture f;
    if (!fixture_open(&f))
        return;
    char *none = sp_printf("%s/none", f.dir);
    sp_err err = {0};
    snap_published p = {0};
    CHECK(snap_publish_tuned(f.ix, none, false, NULL, &p, &err) == SP_OK && p.base, "%s",
          err.msg);
    CHECK(snap_publish_tuned(f.ix, none, false, NULL, &p, &err) == SP_OK && !p.base && !p.delta,
          "an empty store again: nothing new");
    CHECK(snap_write(f.ix, f.out, &err) == SP_OK, "%s", err.msg);
    free(none);
    fixture_close(&f);
}

int main(void)
{
    test_deltas();
    test_rebase();
    test_pieces();
    test_no_store();
    return t_done("test_snapshot");
}
