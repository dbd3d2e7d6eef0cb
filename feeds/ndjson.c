/*
 * ndjson.c - see feed.h.
 */
#include "feed.h"
