/*
 * util.h - helpers the reader tests share: where the shared conformance
 * suites are, listing a folder's files, reading a file, and the text an
 * HTML fragment shows (to compare feed titles as text).
 */
#ifndef READERS_UTIL_H
#define READERS_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* $SIGNPOST_SHARED/conformance/<sub>, or NULL (then the test exits 77). */
char *tu_conformance(const char *sub);

/* Every regular file under dir (recursively), sorted; *n gets the count.
 * Free with tu_free_list. */
char **tu_list(const char *dir, size_t *n);
void tu_free_list(char **v, size_t n);

/* Whole file, NUL-terminated; NULL when unreadable.  *len may be NULL. */
char *tu_read(const char *path, size_t *len);

/* The visible text of an HTML fragment, whitespace collapsed (malloc'd). */
char *tu_html_text(const char *html);
/* s with whitespace runs collapsed and trimmed (malloc'd, never NULL). */
char *tu_collapse(const char *s);

bool tu_ends_with(const char *s, const char *suffix);

#endif
