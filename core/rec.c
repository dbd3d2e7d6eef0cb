/*
 * rec.c - see rec.h.
 */
#include "rec.h"
