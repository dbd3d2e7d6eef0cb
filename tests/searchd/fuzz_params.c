/*
 * fuzz_params.c - libFuzzer target for searchd's query-parameter parser
 * (searchd/params.c: sd_search_parse, and sd_params_read for every
 * endpoint): the input is a query string already percent-decoded (any
 * bytes), split on '&' and '=' the way MHD splits it.
 * Beyond "no crash, no leak, no UB" it checks what the API promises: an
 * accepted query is within every bound, a refused one has a message that is
 * valid UTF-8 (it goes into JSON).  The same entry point is replayed over
 * the seeds by tests/fuzz/replay.c in the ordinary test suite.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vocab *voc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!voc) {
        sp_err err;
        if (vocab_load(getenv("SIGNPOST_DATA"), &voc, &err) != SP_OK) {
            fprintf(stderr, "fuzz_params: %s\n", err.msg);
            abort();
        }
    }
    /* Copy so every value is NUL-terminated like MHD's (sizes still rule). */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    sd_kv kv[SD_MAX_ARGS + 2];
    size_t n = 0;
    char *p = buf, *end = buf + size;
    while (p < end && n < SD_MAX_ARGS + 2) {
        char *amp = memchr(p, '&', (size_t)(end - p));
        char *stop = amp ? amp : end;
        *stop = '\0';
        char *eq = memchr(p, '=', (size_t)(stop - p));
        kv[n].key = p;
        kv[n].key_len = (size_t)((eq ? eq : stop) - p);
        if (eq) {
            *eq = '\0';
            kv[n].value = eq + 1;
            kv[n].value_len = (size_t)(stop - eq - 1);
        } else {
            kv[n].value = NULL;
            kv[n].value_len = 0;
        }
        n++;
        p = stop + 1;
    }
    sd_search s;
    char msg[512];
    msg[0] = '\0';
    int rc = sd_search_parse(voc, kv, n, &s, msg, sizeof msg);
    if (rc == SP_OK) {
        if (s.page < 1 || s.per_page < 1 || s.per_page > SD_MAX_PER_PAGE ||
            s.page * s.per_page > SD_MAX_RESULTS || s.q.limit != (size_t)s.per_page ||
            (s.q.q && strlen(s.q.q) > SD_MAX_Q) ||
            (s.q.n_filters[IDX_F_AGE] && atoi(s.q.filters[IDX_F_AGE][0]) > SD_MAX_AGE) ||
            s.q.radius_km < 0 || s.q.radius_km > SD_MAX_RADIUS_KM ||
            (s.q.sort == IDX_SORT_DISTANCE && !s.q.has_near))
            abort();
        for (int f = 0; f < IDX_F__COUNT; f++) {
            if (s.q.n_filters[f] > SD_MAX_VALUES)
                abort();
            for (size_t i = 0; i < s.q.n_filters[f]; i++)
                if (!s.q.filters[f][i] || !*s.q.filters[f][i])
                    abort();
        }
    } else if (rc != SP_EINVAL || !msg[0] || !sp_utf8_valid(msg, strlen(msg))) {
        abort();
    }
    /* Every endpoint's reading of the same parameters (the table):
     * accepted values within their rows' bounds, refusals in words. */
    sd_arg args[SD_MAX_ARGS + 2];
    for (unsigned ep = 1; ep <= SD_EP_SERVICE; ep <<= 1) {
        size_t na = 0;
        msg[0] = '\0';
        rc = sd_params_read(voc, ep, 0, kv, n, args, &na, msg, sizeof msg);
        if (rc != SP_OK && (rc != SP_EINVAL || !msg[0] || !sp_utf8_valid(msg, strlen(msg))))
            abort();
        for (size_t i = 0; rc == SP_OK && i < na; i++) {
            const sd_arg *a = &args[i];
            if (!(a->p->endpoints & ep) || !sp_utf8_valid(a->text, a->len) ||
                a->len > (a->p->max ? a->p->max : SD_MAX_VALUE) ||
                (a->p->kind == SD_PK_UINT && !a->empty && (a->n < a->p->lo || a->n > a->p->hi)))
                abort();
        }
    }
    free(buf);
    return 0;
}
