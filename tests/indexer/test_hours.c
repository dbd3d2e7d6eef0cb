/*
 * test_hours.c - London time from the tz database (hours.h): the instants
 * of tz_cases.tsv, around the clock changes and past the TZif file's last
 * transition (the footer's rule), give the local day and time Python's
 * zoneinfo gives.  Also a zone that does not exist is an error, not GMT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "../core/tcheck.h"
#include "../core/tutil.h"



int main(int argc, char **argv)
{
    t_usage(argc, 2, "test_hours TZ_CASES.tsv");
    hours_zone *z = NULL;
    sp_err err;
    sp_err_clear(&err);
    if (hours_zone_load(NULL, "Europe/London", &z, &err) != SP_OK) {
        printf("SKIP: no tz database: %s\n", err.msg);
        return 77;
    }
    t_lines l = t_lines_open("%s", argv[1]);
    int cases = 0;
    while (t_line(&l)) {
        char *line = l.line;
        char *when = strtok(line, "\t"), *day = strtok(NULL, "\t"), *at = strtok(NULL, "\t");
        if (!when || !day || !at) {
            CHECK(0, "a case needs three columns: %s", line);
            continue;
        }
        int64_t t = sp_time_parse(when);
        int d = -1, m = -1;
        hours_zone_local(z, t, &d, &m);
        char got[32];
        snprintf(got, sizeof got, "%02d:%02d", m / 60, m % 60);
        CHECK(hours_day_code(d) && !strcmp(hours_day_code(d), day) && !strcmp(got, at),
              "%s: London %s %s, expected %s %s", when, hours_day_code(d), got, day, at);
        cases++;
    }
    CHECK(cases >= 10, "tz_cases.tsv read (%d cases)", cases);
    hours_zone_free(z);

    hours_zone *none = NULL;
    CHECK(hours_zone_load(NULL, "Europe/Nowhere", &none, &err) != SP_OK && !none,
          "an unknown zone is an error");
    CHECK(hours_zone_load(NULL, "../etc/passwd", &none, &err) == SP_EINVAL,
          "a zone name cannot leave the zoneinfo directory");
    return t_done("test_hours");
}
