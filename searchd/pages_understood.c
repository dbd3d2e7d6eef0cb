/*
 * pages_understood.c - the search page's account of how it read the words
 * (sd_understand): "From your words: Free, Newham — search all London
 * instead", the link back to the words as typed, and why the results may
 * not match every word.  Each filter read from the words is undone by
 * searching again without those words, so the URL stays the only state.
 */
#include <stdio.h>
#include <string.h>

#include "pages.h"

/* The page's URL with q replaced by q_new (page, js and empty values
 * dropped); extra_key=extra_val appended when given. */
static void url_with_q(pg *p, sp_buf *u, const char *q_new, const char *extra_key,
                       const char *extra_val)
{
    sp_buf_puts(u, "/?");
    bool had_q = false;
    for (size_t i = 0; i < p->n_args; i++) {
        const pg_arg *a = &p->args[i];
        if (!strcmp(a->key, "page") || !strcmp(a->key, "js") || !*a->value ||
            (extra_key && !strcmp(a->key, extra_key)))
            continue;
        if (!strcmp(a->key, "q")) {
            if (!had_q && *q_new)
                html_query_add(u, "q", q_new);
            had_q = true;
            continue;
        }
        html_query_add(u, a->key, a->value);
    }
    if (extra_key)
        html_query_add(u, extra_key, extra_val);
    if (u->len > 0 && u->data[u->len - 1] == '?')
        u->data[--u->len] = '\0';
}

/* q without the first occurrence of words (and the space before it). */
static void without_words(const char *q, const char *words, char *out, size_t size)
{
    const char *at = *words ? strstr(q, words) : NULL;
    if (!at) {
        snprintf(out, size, "%s", q);
        return;
    }
    size_t head = (size_t)(at - q);
    const char *tail = at + strlen(words);
    while (head > 0 && q[head - 1] == ' ')
        head--;
    if (head == 0)
        while (*tail == ' ')
            tail++;
    snprintf(out, size, "%.*s%s", (int)head, q, tail);
}

void pg_understood(pg *p, const char *q, const und_result *u, const idx_result *res)
{
    q = q ? q : "";
    if (res->suggestion_used && res->suggestion) {
        pg_raw(p, "<p class=\"notice\" role=\"status\">");
        pg_tf(p, "understood.corrected", q, res->suggestion, NULL);
        pg_raw(p, "</p>");
    } else if (res->relaxed) {
        pg_raw(p, "<p class=\"notice\" role=\"status\">");
        pg_t(p, "understood.relaxed");
        pg_raw(p, "</p>");
    }
    if (!u || !u->n_applied)
        return;
    pg_raw(p, "<div class=\"chosen understood\"><h2 class=\"small\">");
    pg_t(p, "understood.title");
    pg_raw(p, "</h2><ul>");
    for (size_t i = 0; i < u->n_applied; i++) {
        const und_applied *a = &u->applied[i];
        char lbuf[128], qbuf[UND_MAX_TEXT + 1];
        const char *label;
        bool place = a->idx_field < 0 || a->idx_field == IDX_F_BOROUGH ||
                     a->idx_field == IDX_F_SUBREGION;
        if (a->idx_field < 0)
            label = pg_fill1(html_t(p->L, "results.near"), a->value, lbuf, sizeof lbuf);
        else if (a->idx_field == IDX_F_AGE)
            label = pg_fill1(html_t(p->L, "filter.age_value"), a->value, lbuf, sizeof lbuf);
        else
            label = pg_label(p, a->field, a->value);
        without_words(q, a->from, qbuf, sizeof qbuf);
        sp_buf url = {0};
        url_with_q(p, &url, qbuf, NULL, NULL);
        pg_raw(p, "<li><a class=\"chip\" href=\"");
        pg_href(p, sp_buf_cstr(&url));
        pg_raw(p, "\">");
        pg_tf(p, place ? "understood.all_london" : "filter.remove", label ? label : a->value,
              NULL, NULL);
        pg_raw(p, "</a></li>");
        sp_buf_free(&url);
    }
    pg_raw(p, "</ul><p><a href=\"");
    sp_buf url = {0};
    url_with_q(p, &url, q, "understand", "0");
    pg_href(p, sp_buf_cstr(&url));
    sp_buf_free(&url);
    pg_raw(p, "\">");
    pg_tf(p, "understood.literal", q, NULL, NULL);
    pg_raw(p, "</a></p></div>");
}
