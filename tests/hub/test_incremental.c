/*
 * test_incremental.c - incremental duplicate linkage gives what a whole
 * relink gives.
 *
 * Records are the 800 of tests/hub/data/pairs.tsv (duplicates written the
 * ways directories write them, and hard non-duplicates).  A seeded random
 * sequence of steps adds, changes (a field taken from another record: a
 * name, a description, phones, a URL, a postcode) and removes records in a
 * real index, noting each one as the crawler's indexer does
 * (store_hub_note), with a hub decision now and then; after each step
 * dedupe_run links incrementally.  Every few steps the hub tables
 * (hub_records' clusters, hub_links with their evidence, hub_matches) and
 * the hub's overlap and duplicates reports are taken, a whole relink
 * (dedupe_run with force, as `signpost index --relink`) is run over the
 * same index, and everything must be identical (hub_keys, the blocks the
 * incremental runs keep, included).  The incremental runs must also really
 * be incremental: fewer records relinked than there are.
 *
 * Then cases a random walk seldom meets, each an incremental run checked
 * the same way: a block that grows past DEDUPE_BLOCK_MAX (a common name's,
 * skipped past it; a phone's, walked as a window) and shrinks under it
 * again, a record whose keys all change, and removals.
 *
 * Usage: test_incremental [SOURCE_DIR] [SEED]
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedupe.h"
#include "hub.h"
#include "idx.h"
#include "store.h"
#include "vocab.h"

#define MAX_LINE (256 * 1024)
#define MAX_RECS 1024
#define STEPS 60
#define CHECK_EVERY 6

static char *pool[MAX_RECS];      /* record JSON, as in pairs.tsv */
static bool in_index[MAX_RECS];
static size_t n_pool;
static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng_state >> 33) % n);
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "FAIL: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

static int load_pool(const char *src)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/hub/data/pairs.tsv", src);
    FILE *f = fopen(path, "r");
    if (!f)
        return fail("cannot read", path);
    char *line = malloc(MAX_LINE);
    while (line && fgets(line, MAX_LINE, f) && n_pool + 2 <= MAX_RECS) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        strtok(line, "\t");
        strtok(NULL, "\t");
        char *a = strtok(NULL, "\t"), *b = strtok(NULL, "\t");
        if (a && b) {
            pool[n_pool++] = strdup(a);
            pool[n_pool++] = strdup(b);
        }
    }
    free(line);
    fclose(f);
    return n_pool >= 400 ? 0 : fail("too few records in", path);
}

static const char *record_id(size_t i, char *buf, size_t len)
{
    json_t *j = json_loads(pool[i], 0, NULL);
    snprintf(buf, len, "%s", j ? json_string_value(json_object_get(j, "id")) : "");
    json_decref(j);
    return buf;
}

/* Record i with one field taken from record k: the changes that make and
 * break duplicates. */
static void change(size_t i, size_t k)
{
    static const char *const fields[] = {"name", "description", "phones", "url",
                                         "service_at_locations", "email", "organization"};
    json_t *a = json_loads(pool[i], 0, NULL), *b = json_loads(pool[k], 0, NULL);
    const char *field = fields[rnd(sizeof fields / sizeof fields[0])];
    json_t *v = json_object_get(b, field);
    if (v)
        json_object_set(a, field, v);
    else
        json_object_del(a, field);
    char *text = json_dumps(a, JSON_COMPACT);
    if (text) {
        free(pool[i]);
        pool[i] = text;
    }
    json_decref(a);
    json_decref(b);
}

static int put(idx *ix, store *s, size_t i)
{
    rec_service r;
    sp_err err = {0};
    if (rec_from_json_string(pool[i], strlen(pool[i]), &r, &err) != SP_OK)
        return fail("bad record", err.msg);
    int rc = idx_put(ix, &r, &err);
    if (rc == SP_OK)
        rc = store_hub_note(s, r.id, &err);
    rec_service_free(&r);
    in_index[i] = true;
    return rc == SP_OK ? 0 : fail("put", err.msg);
}

static int removal(idx *ix, store *s, size_t i)
{
    char id[256];
    sp_err err = {0};
    record_id(i, id, sizeof id);
    if (idx_delete(ix, id, &err) != SP_OK || store_hub_note(s, id, &err) != SP_OK)
        return fail("remove", err.msg);
    in_index[i] = false;
    return 0;
}

/* The hub tables and reports, as one text. */
static char *snapshot(sqlite3 *db, const char *dir, const vocab *v)
{
    static const char *const queries[] = {
        "SELECT id, ifnull(cluster_id,'-') FROM hub_records ORDER BY id",
        ("SELECT id_a, id_b, cluster_id, round(score, 6), decided, evidence FROM hub_links "
         "ORDER BY id_a, id_b"),
        "SELECT id_a, id_b, score FROM hub_matches ORDER BY id_a, id_b",
        "SELECT key, id, sub FROM hub_keys ORDER BY key, id",
        "SELECT id, ifnull(cluster_id,'-') FROM hub_features ORDER BY id",
    };
    sp_buf b = {0};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) != SQLITE_OK)
            return NULL;
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++)
                sp_buf_printf(&b, "%s\t", (const char *)sqlite3_column_text(st, c));
            sp_buf_puts(&b, "\n");
        }
        sqlite3_finalize(st);
        sp_buf_puts(&b, "--\n");
    }
    hub *h = NULL;
    sp_err err = {0};
    if (hub_open(dir, v, &h, &err) != SP_OK)
        return NULL;
    hub_filter f = {.limit = HUB_MAX_LIMIT, .now = 1700000000};
    json_t *reports[2] = {hub_overlaps(h, &f, &err), hub_duplicates(h, &f, &err)};
    for (int r = 0; r < 2; r++) {
        json_t *rows = json_object_get(reports[r], "rows");
        char *text = rows ? json_dumps(rows, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        sp_buf_puts(&b, text ? text : "(no report)");
        sp_buf_puts(&b, "\n--\n");
        free(text);
        json_decref(reports[r]);
    }
    hub_close(h);
    return sp_buf_steal(&b);
}

static void show_diff(const char *a, const char *b)
{
    size_t line = 1, i = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n')
            line++;
        i++;
    }
    size_t start = i > 120 ? i - 120 : 0;
    fprintf(stderr, "first difference at line %zu:\n  incremental: %.240s\n  relink:      %.240s\n",
            line, a + start, b + start);
}

/* An incremental run (which must be one), then the hub as it left it
 * against a whole relink of the same index. */
static int run_and_check(idx *ix, sqlite3 *db, const char *dir, const vocab *v, const char *what)
{
    dedupe_stats st;
    sp_err err = {0};
    if (dedupe_run(ix, dir, false, false, &st, &err) != SP_OK)
        return fail(what, err.msg);
    if (!st.incremental || st.skipped)
        return fail(what, "the run was not incremental");
    char *inc = snapshot(db, dir, v);
    dedupe_stats inc_st = st;
    if (dedupe_run(ix, dir, true, false, &st, &err) != SP_OK)
        return fail("relink", err.msg);
    char *full = snapshot(db, dir, v);
    int bad = 0;
    if (st.clusters != inc_st.clusters || st.clustered != inc_st.clustered)
        bad = fail(what, "cluster counts differ from a relink's");
    if (!inc || !full) {
        bad = fail("snapshot", NULL);
    } else if (strcmp(inc, full)) {
        fprintf(stderr, "FAIL: %s: incremental linkage differs from a relink\n", what);
        show_diff(inc, full);
        bad = 1;
    }
    free(inc);
    free(full);
    return bad;
}

/* Pool slot `at` becomes record i with id `id`, its name suffixed when
 * suffix; bare: without the fields that make strong keys (URL, e-mail,
 * phones, places, identifiers) and with a name and description of its
 * own, so it meets its twins only in weak blocks (name, description
 * bands). */
static void clone_into(size_t at, size_t i, const char *id, const char *suffix, bool bare)
{
    json_t *j = json_loads(pool[i], 0, NULL);
    json_object_set_new(j, "id", json_string(id));
    if (bare) {
        static const char *const strong[] = {"url", "email", "phones", "service_at_locations"};
        for (size_t k = 0; k < sizeof strong / sizeof strong[0]; k++)
            json_object_del(j, strong[k]);
        json_object_del(json_object_get(j, "organization"), "organization_identifiers");
        json_object_set_new(j, "name", json_string("Riverside Tenants Advice Drop-in"));
        json_object_set_new(j, "description",
                            json_string("Free advice for tenants on repairs, deposits and "
                                        "eviction notices, every Tuesday at the riverside hall."));
    }
    if (suffix) {
        char name[512];
        snprintf(name, sizeof name, "%s %s", json_string_value(json_object_get(j, "name")),
                 suffix);
        json_object_set_new(j, "name", json_string(name));
    }
    free(pool[at]);
    pool[at] = json_dumps(j, JSON_COMPACT);
    json_decref(j);
}

/* Put (or remove) pool slots [from, to) in one batch. */
static int put_range(idx *ix, store *s, size_t from, size_t to, bool remove)
{
    sp_err err = {0};
    if (idx_begin(ix, &err) != SP_OK)
        return fail("begin", err.msg);
    int bad = 0;
    for (size_t i = from; i < to && !bad; i++)
        bad |= remove ? removal(ix, s, i) : put(ix, s, i);
    if (bad || idx_commit(ix, &err) != SP_OK)
        return fail("commit", err.msg);
    return 0;
}

/* The cases a random walk seldom meets (see the top). */
static int edge_cases(idx *ix, store *s, sqlite3 *db, const char *dir, const vocab *v)
{
    enum { CLONES = 40, BARE = 36 };
    if (n_pool + CLONES + BARE > MAX_RECS)
        return fail("pool too big for the clones", NULL);
    /* a record with a phone, its name and phone in one block each */
    size_t base = 0;
    while (base < n_pool && (!strstr(pool[base], "\"phones\"") || !strstr(pool[base], "\"name\"")))
        base++;
    if (base == n_pool)
        return fail("no record with a phone", NULL);
    size_t c0 = n_pool;
    for (size_t k = 0; k < CLONES; k++) {
        char id[64], suffix[32];
        snprintf(id, sizeof id, "zz-clone-%02zu", k);
        snprintf(suffix, sizeof suffix, "branch %zu", k);
        clone_into(c0 + k, base, id, k < 36 ? NULL : suffix, false);
    }
    size_t b0 = c0 + CLONES;
    for (size_t k = 0; k < BARE; k++) {
        char id[64];
        snprintf(id, sizeof id, "zz-bare-%02zu", k);
        clone_into(b0 + k, base, id, NULL, true);
    }
    /* clones [from, to) put or removed, then an incremental run checked;
     * the bare ones are twins in weak blocks only: paired under the cap,
     * not past it */
    static const struct {
        bool bare;
        size_t from, to;
        bool remove;
        const char *what;
    } steps[] = {
        {false, 0, 30, false, "a block of 31, under the cap"},
        {false, 30, 36, false, "the block grows to 37, past the cap"},
        {false, 30, 35, true, "the block shrinks to 32, under the cap"},
        {false, 36, 40, false, "a windowed phone block of 36 with other names"},
        {true, 0, 32, false, "a weak block of 32, at the cap"},
        {true, 32, 36, false, "the weak block grows to 36, past the cap"},
        {true, 32, 36, true, "the weak block shrinks to 32 again"},
        {false, 10, 11, true, "a record removed from the middle of a window"},
    };
    int bad = put_range(ix, s, base, base + 1, false);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !bad; i++) {
        size_t at = steps[i].bare ? b0 : c0;
        bad = put_range(ix, s, at + steps[i].from, at + steps[i].to, steps[i].remove) ||
              run_and_check(ix, db, dir, v, steps[i].what);
    }
    /* a record in a cluster takes another's every field: all its keys
     * change (its id stays) */
    size_t a = 0, other = n_pool / 2 + 1;
    bad = bad || put_range(ix, s, a, a + 2, false) || put_range(ix, s, other, other + 1, false) ||
          run_and_check(ix, db, dir, v, "a pair in the index");
    if (!bad) {
        char id[256];
        record_id(a, id, sizeof id);
        clone_into(a, other ^ 1, id, NULL, false);
    }
    bad = bad || put_range(ix, s, a, a + 1, false) ||
          run_and_check(ix, db, dir, v, "a record whose keys all change");
    bad = bad || put_range(ix, s, a + 1, a + 2, true) || put_range(ix, s, base, base + 1, true) ||
          run_and_check(ix, db, dir, v, "removals");
    return bad;
}

int main(int argc, char **argv)
{
    const char *src = argc > 1 ? argv[1] : getenv("SIGNPOST_SOURCE");
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261206;
    if (load_pool(src ? src : "."))
        return 1;
    char dir[] = "/tmp/sp-incr-XXXXXX";
    if (!mkdtemp(dir))
        return fail("mkdtemp", NULL);
    sp_err err = {0};
    vocab *v = NULL;
    store *s = NULL;
    if (vocab_load(NULL, &v, &err) != SP_OK || store_open(dir, &s, &err) != SP_OK)
        return fail("setup", err.msg);
    /* s notes the records as the indexer does; db reads the tables back
     * to compare an incremental run's result with a whole run's. */
    char path[4096];
    snprintf(path, sizeof path, "%s/crawl.db", dir);
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return fail("crawl.db", sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 10000);
    snprintf(path, sizeof path, "%s/index", dir);
    idx *ix = NULL;
    if (idx_open_write(path, &ix, &err) != SP_OK)
        return fail("index", err.msg);

    int bad = 0, checks = 0;
    size_t incremental = 0, relinked_less = 0, max_clusters = 0;
    for (int step = 0; step <= STEPS && !bad; step++) {
        if (idx_begin(ix, &err) != SP_OK)
            return fail("begin", err.msg);
        /* the first step fills the index; later ones change a few records,
         * or none (a step with only a decision) */
        int ops = step == 0 ? (int)(n_pool / 2) : (int)rnd(7);
        for (int o = 0; o < ops && !bad; o++) {
            size_t i = rnd((unsigned)n_pool);
            unsigned what = step == 0 ? 0 : rnd(10);
            if (!in_index[i] || what < 4) {
                /* add, or put again a record with the same content */
                bad |= put(ix, s, i);
            } else if (what < 8) {
                /* near a pair's other half more often than not */
                size_t k = rnd(3) ? (i ^ 1) : rnd((unsigned)n_pool);
                change(i, k);
                bad |= put(ix, s, i);
            } else {
                bad |= removal(ix, s, i);
            }
        }
        if (bad || idx_commit(ix, &err) != SP_OK)
            return fail("commit", err.msg);
        if (step > 0 && (ops == 0 || rnd(8) == 0)) {
            /* a hub user's decision about two records of the pool */
            char a[256], b[256];
            size_t i = rnd((unsigned)n_pool);
            record_id(i, a, sizeof a);
            record_id(rnd(3) ? (i ^ 1) : rnd((unsigned)n_pool), b, sizeof b);
            if (strcmp(a, b) && dedupe_decide(dir, a, b, rnd(2) ? "same" : "not-same", "test",
                                              &err) != SP_OK)
                return fail("decide", err.msg);
        }
        dedupe_stats st;
        if (dedupe_run(ix, dir, false, false, &st, &err) != SP_OK)
            return fail("incremental run", err.msg);
        if (step > 0 && !st.skipped) {
            incremental += st.incremental;
            relinked_less += st.incremental && st.relinked < st.records;
        }
        if (st.clusters > max_clusters)
            max_clusters = st.clusters;
        if (step % CHECK_EVERY != 0)
            continue;
        char *inc = snapshot(db, dir, v);
        dedupe_stats inc_st = st;
        if (dedupe_run(ix, dir, true, false, &st, &err) != SP_OK)
            return fail("relink", err.msg);
        if (st.incremental)
            bad |= fail("a forced run was incremental", NULL);
        if (st.clusters != inc_st.clusters || st.clustered != inc_st.clustered) {
            fprintf(stderr, "FAIL: step %d: %zu clusters of %zu records, a relink %zu of %zu\n",
                    step, inc_st.clusters, inc_st.clustered, st.clusters, st.clustered);
            bad = 1;
        }
        char *full = snapshot(db, dir, v);
        if (!inc || !full) {
            bad |= fail("snapshot", NULL);
        } else if (strcmp(inc, full)) {
            fprintf(stderr, "FAIL: step %d: incremental linkage differs from a relink\n", step);
            show_diff(inc, full);
            bad = 1;
        }
        checks++;
        free(inc);
        free(full);
    }
    printf("incremental linkage: %d checks against a whole relink over %d steps, %zu "
           "incremental runs (%zu relinking fewer records than indexed), up to %zu clusters\n",
           checks, STEPS, incremental, relinked_less, max_clusters);
    if (!bad && (incremental < STEPS / 2 || relinked_less < STEPS / 2))
        bad = fail("the runs were not incremental", NULL);
    if (!bad && max_clusters < 20)
        bad = fail("too few clusters to say anything", NULL);
    if (!bad)
        bad = edge_cases(ix, s, db, dir, v);
    if (!bad)
        printf("edge cases (a block past and under the cap, a record whose keys all change, "
               "removals): as a relink\n");
    idx_close(ix);
    sqlite3_close(db);
    store_close(s);
    vocab_free(v);
    for (size_t i = 0; i < MAX_RECS; i++)
        free(pool[i]);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return bad;
}
