#!/usr/bin/env python3
"""test_hours.py - opening hours as search filters (issue 13, item 4).

The bundled sample and one plain page with no schedule are indexed and
served by the real `signpost serve`.  For every case of hours_cases.tsv the
services /api/v1/search returns (fold=0, every page) must be exactly those
whose schedules, read here from /oruk/services records, say they are open
then; day= must give the same services as /oruk/services?day=; a service
with unknown hours is never returned by an hours filter but counted in
hours.unknown_hours; open=now answers for the London clock (the day and
time it echoes); bad combinations are 400s naming the parameter."""
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oruk"))
import orukt  # noqa: E402
from orukt import e  # noqa: E402

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PERIODS = {"morning": (0, 720), "afternoon": (720, 1020), "evening": (1020, 1440)}


def hhmm(s):
    if not isinstance(s, str) or len(s) < 5 or s[2] != ":":
        return None
    try:
        h, m = int(s[:2]), int(s[3:5])
    except ValueError:
        return None
    return h * 60 + m if 0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 1440 else None


def byday_days(by):
    """The days a byday list names: a two-letter code as a word of its own
    ("1MO" is Monday, "MON" is nothing)."""
    out = set()
    if not isinstance(by, str):
        return out
    up = by.upper()
    for i, d in enumerate(DAYS):
        at = 0
        while True:
            at = up.find(d, at)
            if at < 0:
                break
            before = up[at - 1] if at else ","
            after = up[at + 2] if at + 2 < len(up) else ","
            if not before.isalpha() and not after.isalpha():
                out.add(i)
            at += 1
    return out


def spans(sched):
    """(days named, [(day, from, to)]) of one schedule."""
    days = byday_days(sched.get("byday"))
    o, c = hhmm(sched.get("opens_at")), hhmm(sched.get("closes_at"))
    out = []
    if o is None or c is None or o == c:
        return days, out
    for d in days:
        if c > o:
            out.append((d, o, c))
        else:
            out.append((d, o, 1440))
            if c > 0:
                out.append(((d + 1) % 7, 0, c))
    return days, out


def schedules(s):
    got = list(s.get("schedules") or [])
    for sal in s.get("service_at_locations") or []:
        got += list((sal.get("location") or {}).get("schedules") or [])
    return got


def means(s, what):
    kind = what.split()
    days, sp = set(), []
    for sc in schedules(s):
        d, x = spans(sc)
        days |= d
        sp += x
    if kind[0] == "day":
        return DAYS.index(kind[1]) in days
    if kind[0] == "period":
        lo, hi = PERIODS[kind[2]]
        want = None if kind[1] == "any" else DAYS.index(kind[1])
        return any((want is None or d == want) and a < hi and b > lo for d, a, b in sp)
    # at: open for the whole quarter hour holding the time (hours.h)
    d = DAYS.index(kind[1])
    m = hhmm(kind[2]) // 15 * 15
    return any(dd == d and a <= m and b >= m + 15 for dd, a, b in sp)


def api_ids(base, qs):
    ids, page, total, doc = [], 1, None, None
    while True:
        st, doc = e.get(base, "/api/v1/search", qs + "&fold=0&per_page=100&page=%d" % page)
        if not e.check(st == 200, "%s: status %s %s" % (qs, st, doc)):
            return None, None
        ids += [r["id"] for r in doc["results"]]
        total = doc["total"]
        if len(ids) >= total or not doc["results"]:
            return ids, doc
        page += 1


def oruk_ids(base, qs):
    return [s["id"] for s in oruk_list(base, qs) or []]


def oruk_list(base, qs):
    ids, page = [], 1
    while page < 100:
        st, doc = e.get(base, "/oruk/services", qs + "&per_page=100&page=%d" % page)
        if not e.check(st == 200, "/oruk/services?%s: %s" % (qs, st)):
            return None
        ids += doc["contents"]
        if doc["last_page"]:
            break
        page += 1
    return ids


def main():
    tmp = e.tempdir()
    srv = orukt.serve_sample_and_page(tmp, "searchd_hours")
    try:
        base = srv.base
        # Every record, as ORUK (full schedules).
        records = {s["id"]: s for s in oruk_list(base, "full=true") or []}
        unknown = {sid for sid, s in records.items()
                   if not any(byday_days(sc.get("byday")) for sc in schedules(s))}
        e.check(len(records) > 100, "the sample has services (%d)" % len(records))
        e.check(len(unknown) >= 1, "a service with unknown hours (the plain page)")

        cases = 0
        with open(os.path.join(HERE, "hours_cases.tsv"), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                qs, what = line.split("\t")
                cases += 1
                got, doc = api_ids(base, qs)
                if got is None:
                    continue
                # The same search without the hours filter: the pool.
                rest = "&".join(p for p in qs.split("&")
                                if p.split("=")[0] not in ("day", "time", "at"))
                pool, _ = api_ids(base, rest or "q=")
                if pool is None:
                    continue
                want = {sid for sid in pool if sid in records and means(records[sid], what)}
                e.check(set(got) == want,
                        "%s (%s): %d services, %d expected; extra %s, missing %s" % (
                            qs, what, len(got), len(want), sorted(set(got) - want)[:3],
                            sorted(want - set(got))[:3]))
                e.check(not (set(got) & unknown), "%s: no service of unknown hours" % qs)
                h = doc.get("hours") or {}
                e.check(h.get("unknown_hours") == len(set(pool) & unknown),
                        "%s: hours.unknown_hours %s, %d in the pool" % (
                            qs, h.get("unknown_hours"), len(set(pool) & unknown)))
                e.check(h.get("zone") == "Europe/London", "%s: hours.zone" % qs)
        e.check(cases >= 15, "hours_cases.tsv read (%d cases)" % cases)

        # day= is one filter with /oruk/services?day= (hours.h's byday).
        for d in DAYS + ["wednesday", "fri"]:
            a, _ = api_ids(base, "day=" + d)
            o = oruk_ids(base, "day=" + d)
            if a is not None and o is not None:
                e.check(set(a) == set(o), "day=%s: /api/v1/search %d, /oruk/services %d" % (
                    d, len(a), len(o)))
        a, _ = api_ids(base, "day=TU")
        e.check(a is not None and len(a) > 0, "somebody is open on Tuesdays")

        # open=now: the London day and time it used, and the services open then.
        st, doc = e.get(base, "/api/v1/search", "open=now&fold=0&per_page=100")
        if e.check(st == 200, "open=now: %s %s" % (st, doc)):
            h = doc["hours"]
            e.check(doc["query"].get("open") == "now", "open=now echoed")
            e.check(h.get("day") in DAYS and hhmm(h.get("at", "")) is not None,
                    "open=now says which London day and time it used: %s" % h)
            same, _ = api_ids(base, "day=%s&at=%s" % (h["day"], h["at"]))
            # Every page of open=now (over 100 services are open on a
            # weekday morning), each at the same London minute.
            now, page = [r["id"] for r in doc["results"]], 2
            while now is not None and len(now) < doc["total"] and page < 50:
                st2, d2 = e.get(base, "/api/v1/search",
                                "open=now&fold=0&per_page=100&page=%d" % page)
                if st2 != 200 or d2.get("hours") != h or not d2["results"]:
                    now = None  # the minute turned: nothing to compare
                    break
                now += [r["id"] for r in d2["results"]]
                page += 1
            # The minute may turn between the two requests: allow a quarter-
            # hour boundary by comparing only when it is not one.
            if same is not None and now is not None and hhmm(h["at"]) % 15 != 14:
                e.check(set(now) == set(same),
                        "open=now gives the services of day=%s&at=%s" % (h["day"], h["at"]))
            e.check(not (set(now) & unknown), "open=now: no service of unknown hours")

        # Refused, naming the parameter.
        for qs, word in [("day=funday", "day"), ("time=noon", "time"), ("at=25:00&day=MO", "at"),
                         ("at=10:00", "at needs day"), ("open=soon", "open"),
                         ("open=now&day=MO", "open=now"),
                         ("day=MO&time=morning&at=10:00", "not both"), ("day=MO&day=TU", "day")]:
            st, doc = e.get(base, "/api/v1/search", qs)
            msg = doc.get("error", {}).get("message", "") if isinstance(doc, dict) else ""
            e.check(st == 400 and word in msg, "%s: 400 naming %s (%s %s)" % (qs, word, st, msg))
    finally:
        srv.stop()
    e.finish("searchd_hours")


if __name__ == "__main__":
    main()
