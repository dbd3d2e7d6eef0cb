/*
 * hours.h - opening hours as search filters: the schedule terms a service
 * record becomes in the index (idx.c adds them), the terms a "day", "time
 * of day" or "open at" filter looks for, the one reading of an ORUK byday
 * list that the index and /oruk/services?day= share, and the time of day
 * in London from the tz database (for "open now").
 *
 * Which schedules count: the service's own and those of its locations
 * (HSDS regular schedules).  A day is one whose two-letter code appears in
 * byday ("MO,WE", "1MO": a monthly "first Monday" counts as Monday, as
 * /oruk/services?day= reads it).  Times come from opens_at and closes_at
 * (HH:MM[:SS]); a schedule with a day and no times says the day only.
 * A closing time before the opening time runs past midnight into the next
 * day.  valid_from/valid_to and freq are not read (neither does
 * /oruk/services?day=).
 *
 * "Open at" is answered in whole quarter hours: a service counts as open
 * at 10:07 when one of its schedules covers all of 10:00-10:15.  Times on
 * the quarter hour (nearly all of them) are exact; others err towards
 * "not open" rather than claiming a service is open when it is not.
 *
 * A service with no schedule that names a day has unknown hours: it
 * carries HOURS_UNKNOWN_TERM and matches no hours filter.
 */
#ifndef HOURS_H
#define HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "sp.h"

/* Days are 0 (Monday) to 6 (Sunday), as ORUK's MO..SU. */
#define HOURS_DAYS 7
/* Parts of a day: morning before 12:00, afternoon 12:00-17:00, evening
 * from 17:00; a service is open then if any schedule overlaps it. */
typedef enum hours_period {
    HOURS_MORNING,
    HOURS_AFTERNOON,
    HOURS_EVENING,
    HOURS_PERIODS
} hours_period;
#define HOURS_SLOT_MIN 15 /* "open at" resolution, minutes */

/* The term of a record whose hours are unknown. */
#define HOURS_UNKNOWN_TERM "XHN"

/* "MO".."SU" for 0..6; NULL out of range. */
const char *hours_day_code(int day);
/* MO, Monday, mon (any case) -> 0..6; -1 if none of those. */
int hours_parse_day(const char *s, size_t len);
/* "morning", "afternoon", "evening" -> hours_period; -1 otherwise. */
int hours_parse_period(const char *s, size_t len);
const char *hours_period_name(hours_period p);
/* "HH:MM" or "HH:MM:SS" (00:00-24:00) -> minutes after midnight; -1 if not. */
int hours_parse_hhmm(const char *s, size_t len);

/* Does an ORUK byday list ("MO,TU", "1MO,-1FR") name day?  The one
 * reading shared by the index and /oruk/services?day=. */
bool hours_byday_has(const char *byday, int day);

/* Calls fn with every schedule term of r (each once, in no particular
 * order), or with HOURS_UNKNOWN_TERM alone when r names no day.  A nonzero
 * return from fn stops and is returned. */
typedef int (*hours_term_fn)(const char *term, void *ctx);
int hours_record_terms(const rec_service *r, hours_term_fn fn, void *ctx);

/* The terms of one hours filter, any of which a service must have
 * (written into out, at most HOURS_MAX_QUERY_TERMS of HOURS_TERM_MAX bytes):
 *   day >= 0, period < 0, minute < 0:  open that day
 *   period >= 0 (day < 0: any day):    open that part of the day
 *   day >= 0, minute >= 0:             open at that time of that day (its
 *                                      hour's term and its quarter's)
 * Returns how many terms (0 when nothing is asked). */
#define HOURS_MAX_QUERY_TERMS HOURS_DAYS
#define HOURS_TERM_MAX 16
size_t hours_query_terms(int day, int period, int minute,
                         char out[HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX]);

/* Local time in a zone of the tz database, read once from its TZif file
 * (TZif version 2 or later, 64-bit transitions, then the footer's rule
 * for times after the last transition), so converting is thread-safe and
 * never touches the process's TZ. */
typedef struct hours_zone hours_zone;
/* name: "Europe/London"; dir: the zoneinfo directory, NULL for $TZDIR or
 * /usr/share/zoneinfo.  *out owned by the caller (hours_zone_free). */
int hours_zone_load(const char *dir, const char *name, hours_zone **out, sp_err *err);
void hours_zone_free(hours_zone *z);
/* UTC offset in seconds at t (UTC epoch seconds). */
long hours_zone_offset(const hours_zone *z, int64_t t);
/* The local weekday (0 Monday) and minute of the day at t. */
void hours_zone_local(const hours_zone *z, int64_t t, int *day, int *minute);

#endif
