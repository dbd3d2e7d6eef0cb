/*
 * fuzz_vocab.c - libFuzzer target for everything in vocab and enrichment
 * that reads untrusted text: postcodes from users (near=), filter values,
 * borough names from feeds, and a provider's prose run through
 * enrich_record.  Built with -Dfuzz=true (clang); replay_vocab
 * (tests/fuzz/replay.c) replays the corpus in CI.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enrich.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vocab *the_vocab(void)
{
    static vocab *v;
    if (!v && vocab_load(NULL, &v, NULL) != SP_OK)
        abort(); /* the data must load: nothing to fuzz otherwise */
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const vocab *v = the_vocab();
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    double lat, lon;
    const vocab_borough *b;
    vocab_postcode(v, s, &lat, &lon, &b);
    vocab_borough_from_name(v, s);
    static const char *const fields[] = {"borough", "subregion", "group", "category",
                                         "mode", "cost", "referral", "language"};
    vocab_hit hits[32];
    for (size_t i = 0; i < 8; i++) {
        vocab_canon(v, fields[i], s);
        vocab_label(v, fields[i], s);
        size_t n = vocab_match_text(v, fields[i], s, hits, 32);
        for (size_t k = 0; k < n; k++)
            if (hits[k].off + hits[k].len > size)
                abort();
    }
    vocab_term(v, "category", s);
    char *pcs[8];
    size_t n = vocab_find_postcodes(s, pcs, 8);
    for (size_t i = 0; i < n; i++)
        free(pcs[i]);

    rec_service r;
    rec_service_init(&r);
    r.name = strdup(s);
    r.description = strdup(s);
    r.eligibility_description = strdup(s);
    r.application_process = strdup(s);
    r.fees_description = strdup(s);
    r.service_areas = calloc(1, sizeof *r.service_areas);
    if (r.service_areas) {
        r.n_service_areas = 1;
        r.service_areas[0].name = strdup(s);
        r.service_areas[0].description = strdup(s);
    }
    enrich_record(v, &r, NULL);
    rec_service_free(&r);
    free(s);
    return 0;
}
