/*
 * hours.c - opening hours as index terms and filters, and London time from
 * the tz database (hours.h).  The terms (documented in idx.c too):
 *   XHD<DD>          open on day DD (MO..SU): byday names it
 *   XHP<DD><p>       open in part p of day DD (0 morning, 1 afternoon,
 *                    2 evening): a schedule's hours overlap it
 *   XHH<DD><HH>      open for the whole hour from HH:00 on DD
 *   XHS<DD><HHMM>    open for the whole quarter hour from HH:MM on DD, in
 *                    an hour without XHH (the edges of an opening)
 * so "open at" a quarter hour is XHH of its hour OR its XHS: a record
 * carries ~4 times fewer of them than one term per quarter hour (issue 14).
 *   XHN              no schedule names a day: hours unknown
 */
#include "hours.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const day_codes[HOURS_DAYS] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
static const char *const day_names[HOURS_DAYS] = {"monday", "tuesday",  "wednesday", "thursday",
                                                  "friday", "saturday", "sunday"};
static const char *const period_names[HOURS_PERIODS] = {"morning", "afternoon", "evening"};
/* Where each part of the day starts and ends, minutes after midnight. */
static const int period_start[HOURS_PERIODS] = {0, 12 * 60, 17 * 60};
static const int period_end[HOURS_PERIODS] = {12 * 60, 17 * 60, 24 * 60};

#define SLOTS_PER_DAY (24 * 60 / HOURS_SLOT_MIN)
#define SLOTS_PER_HOUR (60 / HOURS_SLOT_MIN)

const char *hours_day_code(int day)
{
    return day >= 0 && day < HOURS_DAYS ? day_codes[day] : NULL;
}

int hours_parse_day(const char *s, size_t len)
{
    for (int i = 0; i < HOURS_DAYS; i++) {
        size_t nl = strlen(day_names[i]);
        if ((len == 2 && !strncasecmp(s, day_codes[i], 2)) ||
            (len == nl && !strncasecmp(s, day_names[i], nl)) ||
            (len == 3 && !strncasecmp(s, day_names[i], 3)))
            return i;
    }
    return -1;
}

int hours_parse_period(const char *s, size_t len)
{
    for (int i = 0; i < HOURS_PERIODS; i++)
        if (strlen(period_names[i]) == len && !strncasecmp(s, period_names[i], len))
            return i;
    return -1;
}

const char *hours_period_name(hours_period p)
{
    return (int)p >= 0 && p < HOURS_PERIODS ? period_names[p] : NULL;
}

int hours_parse_hhmm(const char *s, size_t n)
{
    if (s == NULL || (n != 5 && n != 8))
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((i == 2 || i == 5) ? s[i] != ':' : !isdigit((unsigned char)s[i]))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m > 0))
        return -1;
    return h * 60 + m;
}

/* The HH:MM at the start of a schedule time ("09:30:00", "09:30"). */
static int time_of(const char *s)
{
    if (s == NULL || strlen(s) < 5)
        return -1;
    return hours_parse_hhmm(s, 5);
}

bool hours_byday_has(const char *by, int day)
{
    const char *c = hours_day_code(day);
    if (by == NULL || c == NULL)
        return false;
    /* The code as a word of its own: "MO", "1MO", "-1MO" but not "MON". */
    for (const char *p = by; p[0] && p[1]; p++)
        if (toupper((unsigned char)p[0]) == c[0] && toupper((unsigned char)p[1]) == c[1] &&
            (p == by || !isalpha((unsigned char)p[-1])) && !isalpha((unsigned char)p[2]))
            return true;
    return false;
}

/* What a record's schedules say, as sets. */
typedef struct hours_set {
    bool day[HOURS_DAYS];
    bool period[HOURS_DAYS][HOURS_PERIODS];
    bool slot[HOURS_DAYS][SLOTS_PER_DAY];
} hours_set;

/* Open from minute a to b (a < b) on day d. */
static void add_span(hours_set *hs, int d, int a, int b)
{
    for (int p = 0; p < HOURS_PERIODS; p++)
        if (a < period_end[p] && b > period_start[p])
            hs->period[d][p] = true;
    for (int s = (a + HOURS_SLOT_MIN - 1) / HOURS_SLOT_MIN; s < SLOTS_PER_DAY; s++) {
        if ((s + 1) * HOURS_SLOT_MIN > b)
            break;
        hs->slot[d][s] = true;
    }
}

static void add_schedules(hours_set *hs, const rec_schedule *sc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int o = time_of(sc[i].opens_at), c = time_of(sc[i].closes_at);
        for (int d = 0; d < HOURS_DAYS; d++) {
            if (!hours_byday_has(sc[i].byday, d))
                continue;
            hs->day[d] = true;
            if (o < 0 || c < 0 || o == c)
                continue; /* the day, but not the hours */
            if (c > o) {
                add_span(hs, d, o, c);
            } else { /* past midnight */
                add_span(hs, d, o, 24 * 60);
                if (c > 0)
                    add_span(hs, (d + 1) % HOURS_DAYS, 0, c);
            }
        }
    }
}

int hours_record_terms(const rec_service *r, hours_term_fn fn, void *ctx)
{
    hours_set set = {0}, *hs = &set; /* ~700 bytes */
    add_schedules(hs, r->schedules, r->n_schedules);
    for (size_t i = 0; i < r->n_locations; i++)
        add_schedules(hs, r->locations[i].schedules, r->locations[i].n_schedules);
    int rc = 0;
    bool any = false;
    char t[HOURS_TERM_MAX];
    for (int d = 0; rc == 0 && d < HOURS_DAYS; d++) {
        if (!hs->day[d])
            continue;
        any = true;
        snprintf(t, sizeof t, "XHD%s", day_codes[d]);
        rc = fn(t, ctx);
    }
    /* Periods and quarter hours of a day may come from the evening
     * before (past midnight), so they are not under hs->day alone. */
    for (int d = 0; rc == 0 && d < HOURS_DAYS; d++) {
        for (int p = 0; rc == 0 && p < HOURS_PERIODS; p++) {
            if (!hs->period[d][p])
                continue;
            snprintf(t, sizeof t, "XHP%s%d", day_codes[d], p);
            rc = fn(t, ctx);
        }
        /* "XHH" DD HH for an hour open throughout, else "XHS" DD HH MM
         * for each quarter open in it; written by hand: snprintf showed
         * in the indexing profile at ~90 slot terms a record. */
        memcpy(t, "XHH", 3);
        memcpy(t + 3, day_codes[d], 2);
        for (int h = 0; rc == 0 && h < 24; h++) {
            const bool *q = &hs->slot[d][h * SLOTS_PER_HOUR];
            t[5] = (char)('0' + h / 10);
            t[6] = (char)('0' + h % 10);
            bool whole = true;
            for (int s = 0; s < SLOTS_PER_HOUR; s++)
                whole = whole && q[s];
            if (whole) {
                t[2] = 'H';
                t[7] = '\0';
                rc = fn(t, ctx);
                continue;
            }
            t[2] = 'S';
            t[9] = '\0';
            for (int s = 0; rc == 0 && s < SLOTS_PER_HOUR; s++) {
                if (!q[s])
                    continue;
                int mm = s * HOURS_SLOT_MIN;
                t[7] = (char)('0' + mm / 10);
                t[8] = (char)('0' + mm % 10);
                rc = fn(t, ctx);
            }
        }
    }
    if (rc == 0 && !any)
        rc = fn(HOURS_UNKNOWN_TERM, ctx);
    return rc;
}

size_t hours_query_terms(int day, int period, int minute,
                         char out[HOURS_MAX_QUERY_TERMS][HOURS_TERM_MAX])
{
    if (day >= HOURS_DAYS || period >= HOURS_PERIODS || minute >= 24 * 60)
        return 0;
    if (day >= 0 && minute >= 0) {
        /* Its hour open throughout, or that quarter in an hour open
         * only in part (hours_record_terms). */
        int m = minute / HOURS_SLOT_MIN * HOURS_SLOT_MIN;
        snprintf(out[0], HOURS_TERM_MAX, "XHH%s%02d", day_codes[day], m / 60);
        snprintf(out[1], HOURS_TERM_MAX, "XHS%s%02d%02d", day_codes[day], m / 60, m % 60);
        return 2;
    }
    if (period >= 0) {
        size_t n = 0;
        for (int d = 0; d < HOURS_DAYS; d++)
            if (day < 0 || d == day)
                snprintf(out[n++], HOURS_TERM_MAX, "XHP%s%d", day_codes[d], period);
        return n;
    }
    if (day >= 0) {
        snprintf(out[0], HOURS_TERM_MAX, "XHD%s", day_codes[day]);
        return 1;
    }
    return 0;
}

/* ---- the tz database ---- */

#define TZ_MAX_FILE (256 * 1024)
#define TZ_MAX_TIMES 4096
#define TZ_MAX_TYPES 256

/* A POSIX TZ rule "Mm.w.d/time": month, week (5: last), weekday (0:
 * Sunday), seconds after local midnight. */
typedef struct tz_rule {
    int month, week, wday;
    long secs;
} tz_rule;

struct hours_zone {
    int64_t *times; /* transitions, ascending */
    unsigned char *idx; /* each one's type */
    size_t n_times;
    long offs[TZ_MAX_TYPES]; /* each type's UTC offset */
    size_t n_types;
    /* The footer, for times after the last transition. */
    bool has_footer, has_dst;
    long std_off, dst_off; /* seconds east of UTC */
    tz_rule start, end;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int year_of(int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int y = (int)(1970 + days / 366);
    while (days_from_civil(y + 1, 1, 1) <= days)
        y++;
    while (days_from_civil(y, 1, 1) > days)
        y--;
    return y;
}

/* Local seconds since the epoch at which rule ru falls in year y. */
static int64_t rule_local(const tz_rule *ru, int y)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[ru->month - 1];
    if (ru->month == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        dim = 29;
    int64_t first = days_from_civil(y, ru->month, 1);
    int wd1 = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int day = 1 + (ru->wday - wd1 + 7) % 7 + 7 * (ru->week - 1);
    while (day > dim)
        day -= 7;
    return (first + day - 1) * 86400 + ru->secs;
}

/* [+-]hh[:mm[:ss]] -> seconds; *s moves past it.  false if malformed. */
static bool parse_secs(const char **s, long *out)
{
    const char *p = *s;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return false;
    long v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        int nd = 0;
        while (isdigit((unsigned char)*p) && nd < 3)
            v[i] = v[i] * 10 + (*p++ - '0'), nd++;
        if (!nd)
            return false;
        if (i < 2 && *p == ':')
            p++;
        else
            break;
    }
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    *s = p;
    return true;
}

static bool skip_name(const char **s)
{
    const char *p = *s;
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return false;
        p++;
    } else {
        while (isalpha((unsigned char)*p))
            p++;
    }
    if (p - *s < 3)
        return false;
    *s = p;
    return true;
}

static bool parse_rule(const char **s, tz_rule *ru)
{
    const char *p = *s;
    if (*p++ != 'M')
        return false;
    char *end;
    long m = strtol(p, &end, 10);
    if (end == p || *end != '.')
        return false;
    p = end + 1;
    long w = strtol(p, &end, 10);
    if (end == p || *end != '.')
        return false;
    p = end + 1;
    long d = strtol(p, &end, 10);
    if (end == p || m < 1 || m > 12 || w < 1 || w > 5 || d < 0 || d > 6)
        return false;
    p = end;
    ru->month = (int)m;
    ru->week = (int)w;
    ru->wday = (int)d;
    ru->secs = 2 * 3600;
    if (*p == '/' && (p++, !parse_secs(&p, &ru->secs)))
        return false;
    *s = p;
    return true;
}

/* The footer "GMT0BST,M3.5.0/1,M10.5.0": only the Mm.w.d rules that
 * every zone in the database uses today. */
static bool parse_footer(hours_zone *z, const char *s)
{
    long off;
    if (!skip_name(&s) || !parse_secs(&s, &off))
        return false;
    z->std_off = -off; /* POSIX counts west of Greenwich */
    if (*s == '\0')
        return true;
    if (!skip_name(&s))
        return false;
    z->dst_off = z->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (!parse_secs(&s, &off))
            return false;
        z->dst_off = -off;
    }
    if (*s++ != ',' || !parse_rule(&s, &z->start) || *s++ != ',' || !parse_rule(&s, &z->end) ||
        *s != '\0')
        return false;
    z->has_dst = true;
    return true;
}

static int parse_tzif(hours_zone *z, const unsigned char *b, size_t len, sp_err *err)
{
    if (len < 44 || memcmp(b, "TZif", 4) || b[4] < '2')
        return sp_fail(err, SP_EINVAL, "not a TZif file of version 2 or later");
    /* Skip the 32-bit block: its counts are in the first header. */
    size_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be32(b + 20 + 4 * i);
    size_t skip = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (skip + 44 > len || memcmp(b + skip, "TZif", 4))
        return sp_fail(err, SP_EINVAL, "TZif file cut short");
    const unsigned char *h = b + skip;
    for (int i = 0; i < 6; i++)
        c[i] = be32(h + 20 + 4 * i);
    size_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4],
           charcnt = c[5];
    if (timecnt > TZ_MAX_TIMES || typecnt == 0 || typecnt > TZ_MAX_TYPES)
        return sp_fail(err, SP_EINVAL, "TZif file with %zu transitions and %zu types",
                       timecnt, typecnt);
    size_t need = 44 + timecnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isut;
    if (skip + need > len)
        return sp_fail(err, SP_EINVAL, "TZif file cut short");
    const unsigned char *p = h + 44;
    z->times = calloc(timecnt ? timecnt : 1, sizeof *z->times);
    z->idx = calloc(timecnt ? timecnt : 1, 1);
    if (!z->times || !z->idx)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    for (size_t i = 0; i < timecnt; i++)
        z->times[i] = be64(p + 8 * i);
    p += 8 * timecnt;
    for (size_t i = 0; i < timecnt; i++) {
        if (p[i] >= typecnt)
            return sp_fail(err, SP_EINVAL, "TZif transition of an unknown type");
        z->idx[i] = p[i];
    }
    p += timecnt;
    for (size_t i = 0; i < typecnt; i++)
        z->offs[i] = (long)(int32_t)be32(p + 6 * i);
    z->n_times = timecnt;
    z->n_types = typecnt;
    /* The footer: "\n" rule "\n" after the data. */
    const char *f = (const char *)h + need;
    size_t left = len - skip - need;
    if (left >= 2 && f[0] == '\n') {
        const char *nl = memchr(f + 1, '\n', left - 1);
        if (nl && nl - f - 1 < 128) {
            char rule[128];
            memcpy(rule, f + 1, (size_t)(nl - f - 1));
            rule[nl - f - 1] = '\0';
            z->has_footer = rule[0] && parse_footer(z, rule);
        }
    }
    return SP_OK;
}

int hours_zone_load(const char *dir, const char *name, hours_zone **out, sp_err *err)
{
    *out = NULL;
    if (!dir)
        dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    if (!name || strstr(name, "..") || name[0] == '/')
        return sp_fail(err, SP_EINVAL, "bad time zone name");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return sp_fail(err, SP_EIO, "%s: %s", path, strerror(errno));
    unsigned char *b = malloc(TZ_MAX_FILE);
    size_t len = b ? fread(b, 1, TZ_MAX_FILE, fp) : 0;
    fclose(fp);
    if (!b)
        return sp_fail(err, SP_ENOMEM, "out of memory");
    hours_zone *z = calloc(1, sizeof *z);
    int rc = z ? parse_tzif(z, b, len, err) : sp_fail(err, SP_ENOMEM, "out of memory");
    free(b);
    if (rc == SP_OK && !z->has_footer && z->n_times == 0)
        rc = sp_fail(err, SP_EINVAL, "%s: no transitions and no rule", path);
    if (rc == SP_EINVAL && err) {
        char why[sizeof err->msg];
        memcpy(why, err->msg, sizeof why);
        sp_fail(err, rc, "%.300s: %.200s", path, why);
    }
    return SP_HAND_OVER(rc, z, out, hours_zone_free);
}

void hours_zone_free(hours_zone *z)
{
    if (!z)
        return;
    free(z->times);
    free(z->idx);
    free(z);
}

long hours_zone_offset(const hours_zone *z, int64_t t)
{
    if (z->has_footer && (z->n_times == 0 || t >= z->times[z->n_times - 1])) {
        if (!z->has_dst)
            return z->std_off;
        int y = year_of(t + z->std_off);
        /* The change to summer time is told in standard time, the change
         * back in summer time. */
        int64_t on = rule_local(&z->start, y) - z->std_off;
        int64_t off = rule_local(&z->end, y) - z->dst_off;
        bool dst = on < off ? (t >= on && t < off) : (t >= on || t < off);
        return dst ? z->dst_off : z->std_off;
    }
    if (z->n_times == 0 || t < z->times[0])
        return z->offs[0];
    size_t lo = 0, hi = z->n_times; /* the last transition at or before t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->offs[z->idx[lo]];
}

void hours_zone_local(const hours_zone *z, int64_t t, int *day, int *minute)
{
    int64_t l = t + hours_zone_offset(z, t);
    int64_t days = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    int64_t secs = l - days * 86400;
    *day = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01, a Thursday: 3 */
    *minute = (int)(secs / 60);
}
