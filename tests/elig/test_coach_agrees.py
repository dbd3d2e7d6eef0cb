#!/usr/bin/env python3
"""test_coach_agrees.py - /coach and /api/v1/eligible are one judgement.

End to end over the bundled sample (`signpost index`, `signpost serve` on
loopback, tests/e2e/spe2e.py): for each person in coach_persons.tsv, every
service the coach page judges (read from its data-outcome attributes, page
by page) has the same verdict, in the same order, as /api/v1/eligible gives
the same person; the coach judges every service in scope, not the first
few of a borough.  Also: a 19-year-old care leaver in Lambeth sees the
London-wide care-leaver services on the first page; inactive programmes
are "closed" everywhere, never "likely eligible", and never printed;
paging covers every service once; identical rules get identical verdicts;
no reason is cut mid-word."""
import csv
import html
import math
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import spe2e as e  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("SIGNPOST_DATA", os.path.join(HERE, "..", "..", "data"))
HIT = re.compile(r'<li class="hit" id="r-[^"]*" data-id="([^"]*)" data-outcome="([^"]*)">')
RESULTS = re.compile(r'<section class="screened" id="results"[^>]*>')


def persons():
    """(name, [(key, value)]) from coach_persons.tsv: name, then the
    person's answers as a query string ("" for nothing known)."""
    out = []
    with open(os.path.join(HERE, "data", "coach_persons.tsv"), encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0].startswith("#"):
                continue
            out.append((row[0], urllib.parse.parse_qsl(row[1] if len(row) > 1 else "")))
    return out


def eligible_all(base, params):
    """Every result of /api/v1/eligible for params, in its order."""
    out, page = [], 1
    while True:
        st, res = e.get(base, "/api/v1/eligible", params + [("per_page", "100"), ("page", str(page))])
        if not e.check(st == 200, f"eligible {params} page {page} is 200 (got {st}: {str(res)[:200]})"):
            return out, {}
        out += res["results"]
        if page * 100 >= res["total"]:
            return out, res
        page += 1


def coach_page(base, params):
    """(body, [(id, outcome)], data-* of the results section) of one coach page."""
    url = base + "/coach?" + urllib.parse.urlencode(params)
    st, body = e.get(base, "/coach?" + urllib.parse.urlencode(params))
    if not e.check(st == 200 and isinstance(body, str), f"GET {url[len(base):]} is 200 ({st})"):
        return "", [], {}
    sec = RESULTS.search(body)
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', sec.group(0))) if sec else {}
    return body, HIT.findall(body), attrs


def coach_all(base, params, per_page="100"):
    out, page = [], 1
    while True:
        body, hits, attrs = coach_page(base, params + [("per_page", per_page), ("page", str(page))])
        out += hits
        if not attrs or page >= int(attrs.get("pages", "0")):
            return out, attrs
        page += 1


def place_names():
    """The names a residency reason may list: boroughs, sub-regions and
    the wider areas the engine names."""
    names = {"London", "England", "the UK", "(or work or study there)"}
    for f in ("boroughs.tsv", "subregions.tsv"):
        with open(os.path.join(DATA, "geography", f), encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                names.add(row["name"])
    return names


LIST = re.compile(r"(?:residents of|live, work or study in|^serves) (.*?)(?:: |; |, not |$)")
MORE = re.compile(r"^(.*) and (\d+) more$")


def reason_whole(msg, names):
    """A residency reason's list of places is whole names, and the text
    does not end in a cut word."""
    m = LIST.search(msg)
    if m:
        items = m.group(1)
        more = MORE.match(items)
        if more:
            items = more.group(1)
        for it in items.split(", "):
            if it not in names:
                return False
    return True


def main():
    names = place_names()
    with e.sample_server("coach-agrees") as (base, srv):
        manifest_closed = []
        # --- every person: the same verdict on every service, in the same order
        for name, answers in persons():
            api, res = eligible_all(base, answers)
            # The coach's form names are the API's; an empty answer is
            # "not asked" (so a person with nothing known is still screened).
            form = answers or [("age", "")]
            coach, attrs = coach_all(base, form)
            e.check(res.get("exhaustive") is True, f"{name}: /api/v1/eligible judged every service")
            e.check(len(coach) == len(api) and len(api) == res.get("evaluated"),
                    f"{name}: the coach judges every service in scope ({len(coach)} on /coach, "
                    f"{len(api)} on /api/v1/eligible)")
            want = [(x["id"], x["outcome"]) for x in api]
            differ = [(a, b) for a, b in zip(want, coach) if a != b]
            e.check(not differ and want == coach,
                    f"{name}: /coach and /api/v1/eligible agree on every service and its place "
                    f"({len(differ)} differ, first {differ[:2]})")
            # Identical rules (dimension, op, values, bounds, evidence field
            # and confidence) give this person the identical verdict.
            seen = {}
            for x in api:
                for w in x["reasons"]:
                    r = w.get("rule")
                    if not r:
                        continue
                    key = (w["dimension"], r["op"], tuple(r.get("values", [])), r.get("lo"), r.get("hi"),
                           r["evidence"].get("field", "").split("[")[0], r["evidence"]["confidence"])
                    first = seen.setdefault(key, (w["outcome"], x["name"]))
                    e.check(first[0] == w["outcome"],
                            f"{name}: the same {w['dimension']} rule is {first[0]} on {first[1]} "
                            f"and {w['outcome']} on {x['name']}")
            counts = res.get("counts", {})
            e.check(attrs.get("eligible") == str(counts.get("eligible")) and
                    attrs.get("closed") == str(counts.get("closed")),
                    f"{name}: the coach's counts are the API's ({attrs} vs {counts})")
            print(f"{name}: {len(api)} services, {counts}")
            for x in api:
                if x["outcome"] == "closed":
                    manifest_closed.append(x["id"])
                for w in x["reasons"]:
                    e.check(reason_whole(w["message"], names),
                            f"{name}: {x['name']}: reason not cut mid-word: {w['message']!r}")
            for body in [coach_page(base, form)[0]]:
                for li in re.findall(r'<ul class="reasons">(.*?)</ul>', body, re.S):
                    for msg in re.findall(r'</span> ([^<]*)</li>', li):
                        e.check(reason_whole(html.unescape(msg), names),
                                f"{name}: coach reason not cut mid-word: {msg!r}")

        # --- closed programmes: shown as closed, never likely eligible, never printed
        closed = sorted(set(manifest_closed))
        e.check(len(closed) >= 1, f"the sample's inactive programmes are closed ({closed})")
        kick = "96e7a2d0-168e-56e3-b8d8-3db2e95f7f0f"  # Kickstart: inactive, closed to new starts
        e.check(kick in closed, "Kickstart (inactive, closed to new starts) is closed")
        young = [("age", "19"), ("borough", "hackney"), ("benefits", "universal-credit"),
                 ("status", "unemployed"), ("group", "young-people")]
        hits, _ = coach_all(base, young)
        e.check(dict(hits).get(kick) == "closed", f"/coach shows Kickstart as closed to a 19-year-old "
                f"on Universal Credit ({dict(hits).get(kick)})")
        st, one = e.get(base, "/api/v1/eligible", young + [("outcome", "closed"), ("per_page", "100")])
        e.check(st == 200 and kick in [x["id"] for x in one.get("results", [])],
                "/api/v1/eligible?outcome=closed lists it")
        k = [x for x in one.get("results", []) if x["id"] == kick]
        e.check(bool(k) and "March 2022" in (k[0].get("closed", {}).get("note") or ""),
                f"it says when it closed ({k and k[0].get('closed')})")
        # the page holding it says so in words, and offers no way onto the shortlist
        pos = ([i for i, (sid, _) in enumerate(hits) if sid == kick] + [0])[0]
        per = int(coach_page(base, young)[2].get("per-page", "15"))
        body, _, _ = coach_page(base, young + [("page", str(pos // per + 1))])
        item = re.search(r'data-id="%s" data-outcome="closed">(.*?)</li>' % kick, body, re.S)
        e.check(item is not None and "Closed:" in item.group(1) and "March 2022" in item.group(1)
                and 'class="btn2 add"' not in item.group(1),
                "the coach page shows it closed, with when, and without 'Add to shortlist'")
        body, _, _ = coach_page(base, [("print", "1"), ("s", kick)])
        e.check('<section class="card">' not in body and "Kickstart" not in body,
                "the printout never offers a closed programme to join")

        # --- the 19-year-old care leaver in Lambeth sees London-wide care-leaver services
        leaver = [("age", "19"), ("borough", "lambeth"), ("group", "care-leavers")]
        api, _ = eligible_all(base, leaver)
        wide = [x for x in api if "care-leavers" in x["groups"] and x["outcome"] != "not_eligible"
                and x["outcome"] != "closed" and len(x["boroughs"]) > 1]
        e.check(len(wide) >= 1, f"the sample has London-wide care-leaver services ({len(wide)})")
        _, first, attrs = coach_page(base, leaver)
        shown = {sid for sid, _ in first}
        per = int(attrs.get("per-page", "0"))
        e.check(per >= 10 and len(first) == per, f"the first page shows {per} services ({len(first)})")
        top = [x["name"] for x in wide if x["id"] in shown]
        e.check(len(top) >= 1, f"a London-wide care-leaver service is on the first coach page ({top})")

        # --- paging: every service once, "Showing 16–30 of M"
        all100, attrs = coach_all(base, leaver)
        paged, attrs20 = coach_all(base, leaver, per_page="20")
        e.check(paged == all100, "pages of 20 hold the same services in the same order as pages of 100")
        total = int(attrs20.get("total", "0"))
        e.check(int(attrs20.get("pages", "0")) == math.ceil(total / 20) and total == len(api),
                f"{total} services make {attrs20.get('pages')} pages")
        body, two, a2 = coach_page(base, leaver + [("page", "2")])
        e.check(a2.get("page") == "2" and f"Showing {per + 1}–{2 * per} of {total} services" in body,
                "page 2 says which services it shows")
        e.check(re.search(r'rel="prev"', body) and re.search(r'rel="next"', body),
                "page 2 links to the pages before and after")
        e.check(not ({s for s, _ in two} & shown), "page 2 shows other services than page 1")

        rc, log = srv.stop()
        e.check(rc == 0, f"signpost serve exits 0 ({rc})")
    e.finish("coach-agrees")


if __name__ == "__main__":
    main()
