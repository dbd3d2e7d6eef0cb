/*
 * ndjson.c - newline-delimited JSON: one record per line, as Signpost's
 * exports write them (rec_to_json) or as plain HSDS/ORUK service objects.
 *
 * Each line goes through the ORUK reader, so every service shape it knows
 * is accepted here too.  A bad line is reported (the first one, by number)
 * but does not cost the good lines around it.
 */
#include <string.h>

#include "feed_int.h"

int feed_read_ndjson(const char *body, size_t len, const char *url, feed_output *out,
                     sp_err *err)
{
    int chk = feed_check_body(out, body, len, "feed_read_ndjson", "document", err);
    if (chk != SP_OK)
        return chk;
    int first_rc = SP_OK;
    size_t lineno = 0;
    size_t i = 0;
    while (i < len) {
        const char *line = body + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - line) : len - i;
        i += n + 1;
        lineno++;
        /* Trim blanks (and a CR from CRLF files); skip empty lines. */
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        while (n > 0 && (*line == ' ' || *line == '\t')) {
            line++;
            n--;
        }
        if (lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3;
            n -= 3;
        }
        if (n == 0)
            continue;
        sp_err e = {0};
        int rc = feed_read_oruk(line, n, url, out, &e);
        if (rc != SP_OK && first_rc == SP_OK) {
            first_rc = rc;
            sp_fail(err, rc, "line %zu: %s", lineno, e.msg);
        }
        if (rc == SP_ENOMEM)
            break;
    }
    return first_rc;
}
