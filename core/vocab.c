/*
 * vocab.c - see vocab.h.
 */
#include "vocab.h"
