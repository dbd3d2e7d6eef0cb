#!/usr/bin/env python3
"""test_coach.py - the coach page over plain HTTP (issue 13 item 7): the
client's postcode (distances, the borough taken from it, relevance x
distance within a verdict), the job goal (data/vocab/sectors.tsv) moving
the sector's services up, the results before the form (answers
summarised, the form folded behind "Change answers"), the print form with
the coach's notes, and the printout's "how to join" and "why this fits".
The notes must reach no file: not the access log, not the store.

Every page also passes test_pages.page (status, CSP, well-formed, under
60 KB).  Usage: test_coach.py SIGNPOST_BIN (SIGNPOST_WEB_STORE reuses an
index)."""
import html
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import spe2e as e  # noqa: E402
from test_pages import fetch, page  # noqa: E402

# A word no record or log has, long enough that the index's binary files
# cannot hold it by chance (three bytes did, once in CI).
MARK = "Zq7Wm4KxJv"
NOTE = MARK + " ring Tuesday, bring passport"


def hits(body):
    """(id, outcome, name) of each result, in order."""
    return [(i, o, html.unescape(n)) for i, o, n in re.findall(
        r'<li class="hit" id="r-[^"]*" data-id="([^"]*)" data-outcome="(\w+)"><h4><a[^>]*>([^<]*)</a>', body)]


def text_of(body):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def route_ids(base):
    """A service of each referral route, from the API's rules."""
    found = {}
    for pg in range(1, 40):
        d = json.loads(fetch(base, f"/api/v1/search?per_page=50&page={pg}")[2])
        if not d.get("results"):
            break
        for r in d["results"]:
            s = json.loads(fetch(base, "/api/v1/services/" + r["id"])[2])
            if (s.get("status") or "active") != "active":
                continue
            rules = [x for x in s["signpost"].get("rules", []) if x.get("dim") == "referral"]
            vals = tuple(rules[0].get("values", [])) if len(rules) == 1 and rules[0].get("op") == "in" else None
            if vals == ("jobcentre",):
                found.setdefault("jobcentre", r["id"])
            elif vals == ("gp",):
                found.setdefault("gp", r["id"])
            elif vals == ("self",):
                found.setdefault("self", r["id"])
        if len(found) == 3:
            break
    return found


def main():
    tmp = e.tempdir()
    store = os.environ.get("SIGNPOST_WEB_STORE")
    if not store:
        store = os.path.join(tmp, "store")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store, e.SAMPLE], capture_output=True, text=True)
        e.check(r.returncode == 0, f"signpost index exits 0 ({r.stderr[-300:]})")
    port = e.free_port()
    base = f"http://127.0.0.1:{port}"
    log = os.path.join(tmp, "access.log")
    web = os.path.join(e.SOURCE, "web")
    try:
        with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--web", web,
                     "--log-file", log]) as srv:
            if e.wait_for(base) is None:
                e.check(False, "searchd answers /healthz")
                e.finish("web-coach")

            # --- the form: a postcode and a job goal among the answers
            body, _ = page(base, "/coach")
            e.check('name="near"' in body and "Client's postcode" in text_of(body), "form: the client's postcode")
            e.check('name="sector"' in body and ">Warehouse and logistics<" in body and ">Care work<" in body,
                    "form: a job goal with the sectors of data/vocab/sectors.tsv")
            e.check('<details class="change"' not in body, "form: open when nothing is answered yet")

            # --- results first: answers summarised, the form folded
            q = "/coach?age=19&near=E8+1DY&benefits=universal-credit&status=unemployed&need=cv-and-applications"
            body, _ = page(base, q)
            t = text_of(body)
            e.check('<details class="change" id="change"><summary>Change answers</summary><form' in body,
                    "results: the form is folded behind \"Change answers\"")
            e.check(body.find('id="answers"') < body.find('id="results"') and 'id="results"' in body,
                    "results: the answers summary comes before the results")
            e.check("Client's postcode: E8 1DY" in t and "Where they live: Hackney" in t,
                    f"results: the postcode and the borough taken from it are summarised ({t[:300]})")
            e.check("Distances from E8 1DY." in t and "miles away" in t, "results: distances from the client's postcode")
            h = hits(body)
            order = [o for _, o, _ in h]
            rank = {"eligible": 0, "check": 1, "not_eligible": 2, "closed": 3}
            e.check(h and order == sorted(order, key=rank.get), f"results: verdict first ({order})")
            # (the borough the coach page took from the postcode, given)
            api = json.loads(fetch(base, "/api/v1/eligible?age=19&near=E8+1DY&borough=hackney&benefits=universal-credit"
                                         "&status=unemployed&need=cv-and-applications&per_page=15")[2])
            e.check([r["id"] for r in api.get("results", [])] == [i for i, _, _ in h],
                    "results: the same order as /api/v1/eligible with near=")
            body, _ = page(base, q + "&borough=camden")
            e.check("Where they live: Camden" in text_of(body), "a borough given in the form wins over the postcode's")
            body, _ = page(base, "/coach?age=30&near=NOT+A+POSTCODE")
            e.check("not a UK postcode" in body and '<details class="change" id="change" open>' in body,
                    "a bad postcode is explained and the form is open to correct it")

            # --- relevance x distance within a verdict: a near service that
            # only mentions the word does not lead one that is about it
            # (every result on one page: over 60 KB, so fetched, not checked)
            body = fetch(base, "/coach?q=interview&near=E8+1DY&per_page=100")[2]
            groups = {}
            for _, o, n in hits(body):
                groups.setdefault(o, []).append(n)
            for o, names in groups.items():
                if any("interview" in n.lower() for n in names):
                    e.check("interview" in names[0].lower(),
                            f"q=interview near E8 1DY: the first '{o}' service is about interviews ({names[:3]})")

            # --- the job goal: the sector's services first within a verdict
            plain = fetch(base, "/coach?age=30&borough=newham&per_page=100")[2]
            steer = fetch(base, "/coach?age=30&borough=newham&sector=warehouse&per_page=100")[2]
            hp, hs = hits(plain), hits(steer)

            def every_hit(q):
                """Every result of every page of the coach for q."""
                out, n = [], 1
                while True:
                    h = hits(fetch(base, f"{q}&per_page=100&page={n}")[2])
                    out += h
                    if len(h) < 100:
                        return out
                    n += 1
            e.check(sorted(every_hit("/coach?age=30&borough=newham")) ==
                    sorted(every_hit("/coach?age=30&borough=newham&sector=warehouse")),
                    "the job goal changes the order only, not which services")
            sector = re.compile(r"warehouse|forklift|logistic", re.I)
            for o in ("eligible", "check", "not_eligible"):
                g = [n for _, oo, n in hs if oo == o]
                fit = [bool(sector.search(n)) for n in g]
                if any(fit):
                    first_miss = fit.index(False) if False in fit else len(fit)
                    e.check(all(fit[:first_miss]) and not any(fit[first_miss:]),
                            f"sector=warehouse: the '{o}' warehouse services lead ({g[:4]})")
            first_check = [n for _, o, n in hs if o == "check"][:1]
            e.check(first_check and sector.search(first_check[0]) and
                    [n for _, o, n in hp if o == "check"][:1] != first_check,
                    f"sector=warehouse moves a warehouse service to the top of its group ({first_check})")
            e.check("Job goal (the work they want): Warehouse and logistics" in text_of(steer)
                    and "for their job goal (Warehouse and logistics)" in text_of(steer),
                    "the job goal is summarised, and why a service fits says so")
            page(base, "/coach?age=30&sector=astronaut")

            # --- the print form carries the answers and the notes
            ids = route_ids(base)
            e.check(len(ids) == 3, f"the sample has self, Jobcentre-only and GP-only referral services ({ids})")
            sl = "&".join("s=" + ids[k] for k in ("self", "jobcentre", "gp") if k in ids)
            body, _ = page(base, q + "&" + sl)
            form = re.search(r'<form class="printform" id="printform" method="get" action="/coach">(.*?)</form>',
                             body, re.S)
            e.check(form is not None and 'name="notes"' in form.group(1) and
                    '<input type="hidden" name="print" value="1">' in form.group(1) and
                    '<input type="hidden" name="near" value="E8 1DY">' in form.group(1) and
                    form.group(1).count('name="s"') == len(ids),
                    "shortlist: a print form with the notes, the answers and the shortlist")
            share = re.search(r'id="share" aria-describedby="share-hint" value="([^"]*)"', body)
            e.check(share and "near=" not in share.group(1) and "notes" not in share.group(1),
                    "the share link still holds only the shortlist")
            text = re.search(r'<textarea readonly id="astext"[^>]*>(.*?)</textarea>', body, re.S)
            text = html.unescape(text.group(1)) if text else ""
            e.check("How to join: ask your Jobcentre work coach to refer you" in text
                    and "How to join: professional referral only" in text
                    and "How to join: you can contact them yourself" in text,
                    f"copy as text: how to join each service ({text[:200]})")

            # --- the printout
            pq = q + "&" + sl + "&print=1&notes=" + urllib.parse.quote(NOTE)
            body, _ = page(base, pq)
            t = text_of(body)
            cards = re.findall(r'<section class="card">(.*?)</section>', body, re.S)
            e.check(len(cards) == len(ids), f"print: a card per service ({len(cards)})")
            by_route = {re.search(r'data-route="(\w+)"', c).group(1): text_of(c) for c in cards
                        if re.search(r'data-route="(\w+)"', c)}
            e.check("ask your Jobcentre work coach to refer you" in by_route.get("jobcentre", "")
                    and "When you call" not in by_route.get("jobcentre", "")
                    and "refer me to" in by_route.get("jobcentre", ""),
                    f"print: a Jobcentre-only service says to ask the work coach, not to phone and join "
                    f"({by_route.get('jobcentre', '')[:200]})")
            e.check("professional referral only" in by_route.get("professional", "")
                    and "GP or health professional" in by_route.get("professional", ""),
                    "print: a GP-referral service says professional referral only, and who")
            e.check("contact them yourself (self-referral)" in by_route.get("self", "")
                    and "When you call, you could say" in by_route.get("self", ""),
                    "print: a self-referral service says so")
            e.check(t.count("Why this fits:") >= 1 and re.search(r"Why this fits: .{0,300}?about [0-9.]+ miles from E8 1DY", t),
                    "print: why each service fits, with the distance from the client's postcode")
            e.check("Notes and next steps from your coach" in t and NOTE in t, "print: the coach's notes")
            back = re.search(r'<p class="noprint"><a href="([^"]*)"', body)
            e.check(back and "notes=" in back.group(1) and "print=1" not in back.group(1),
                    "print: back to the coach page keeps the answers and notes (in the URL only)")
            body, _ = page(base, "/coach?print=1&" + sl)
            e.check("Why this fits" not in body and "How to join:" in body,
                    "print from a share link: how to join, nothing about the client")
            body, _ = page(base, "/coach?print=1&notes=" + "x" * 1200 + "&" + sl)
            e.check("x" * 1001 not in body, "print: notes over 1,000 bytes are not printed")

            rc, out = srv.stop()
            e.check(rc == 0 and "Sanitizer" not in out and "runtime error" not in out,
                    f"searchd stops cleanly, no sanitizer reports (exit {rc})")
        # Nothing of the notes or the answers is written anywhere.
        logged = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
        e.check("/coach" in logged, f"the access log has the requests ({len(logged)} bytes)")
        e.check(MARK not in logged and "notes" not in logged and "E8" not in logged and "age=" not in logged,
                "the access log holds no notes, postcode or answers")
        leaked = []
        for root, _, files in os.walk(store):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    if MARK.encode() in fh.read():
                        leaked.append(f)
        e.check(not leaked, f"the store holds no notes ({leaked})")
    finally:
        e.rmtree(tmp)
    e.finish("web-coach")


if __name__ == "__main__":
    main()
