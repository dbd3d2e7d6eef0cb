/*
 * sites.h - a small static web server on loopback that plays the part of
 * the providers' websites and APIs for `signpost run` and its tests: it
 * serves the bundled sample sources (data/sample/sources/) the way a real
 * ORUK API, feed or website would answer, with ETag and Last-Modified so the
 * crawler's conditional GETs get 304s.
 *
 * Path mapping (see data/sample/README.md): for GET /a/b?page=N it serves the
 * first file that exists of a/b/page-N.json (when page is given), a/b, a/b.json,
 * a/b/page-1.json, a/b/index.json, a/b/index.html.  Other query parameters
 * (modified_after, per_page) are accepted and ignored, as a simple API may.
 */
#ifndef SITES_H
#define SITES_H

#include "sp.h"

typedef struct sites sites;

/* Serve root on 127.0.0.1:port (0 = any free port). *out owned by caller. */
int sites_start(const char *root, unsigned port, sites **out, sp_err *err);
unsigned sites_port(const sites *s);
void sites_stop(sites *s);

#endif
