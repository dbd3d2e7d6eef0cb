/*
 * rss.c - see feed.h.
 */
#include "feed.h"
