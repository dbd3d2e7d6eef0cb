#!/usr/bin/env python3
"""test_pages.py - the portal's pages over plain HTTP, without a browser (so
they are tested even where Chromium is missing): index the sample, start
`signpost serve`, and check status codes, headers (strict CSP, no-store,
no-referrer), well-formed HTML, the hostile records rendered inert, the
coach's shortlist links, the printout and friendly error pages.

Usage: test_pages.py SIGNPOST_BIN  (SIGNPOST_WEB_STORE reuses an index)"""
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import spe2e as e  # noqa: E402

VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "embed", "wbr"}


class Checker(html.parser.HTMLParser):
    """Well-formedness (every element closed in order, ids unique) and
    everything a hostile record could smuggle in: scripts other than ours,
    event-handler attributes, unsafe link schemes, images."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.errors = [], set(), []
        self.scripts, self.handlers, self.bad_links, self.images = [], [], [], 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append("duplicate id " + a["id"])
            self.ids.add(a["id"])
        for k, _ in attrs:
            if k.lower().startswith("on"):
                self.handlers.append(f"{tag}[{k}]")
        if tag == "script":
            self.scripts.append(a.get("src") or "INLINE")
        if tag == "img":
            self.images += 1
        for k in ("href", "src", "action"):
            v = a.get(k)
            if v is not None and not re.match(r"^(https?://|mailto:|tel:|/|#|\?)", v, re.I):
                self.bad_links.append(v)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")

    def handle_data(self, data):
        self.text.append(data)


def fetch(base, path, method="GET", headers=None):
    req = urllib.request.Request(base + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def page(base, path, want=200, **kw):
    """GET a page and check what every page must be; returns (body, checker)."""
    st, hd, body = fetch(base, path, **kw)
    e.check(st == want, f"{path}: status {want} (got {st})")
    e.check(hd.get("Content-Type", "").startswith("text/html; charset=utf-8"), f"{path}: HTML in UTF-8")
    csp = hd.get("Content-Security-Policy", "")
    e.check("script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp,
            f"{path}: strict CSP ({csp})")
    e.check(hd.get("Cache-Control") == "no-store", f"{path}: Cache-Control no-store")
    # a service page carries the "report a problem" form, whose POST must
    # carry its origin: same-origin still sends no referrer to other sites
    want = ("no-referrer", "same-origin") if path.lower().startswith("/services/") else ("no-referrer",)
    e.check(hd.get("Referrer-Policy") in want, f"{path}: no referrer to providers' sites")
    c = Checker()
    c.feed(body)
    c.close()
    e.check(not c.errors and not c.stack, f"{path}: well-formed HTML ({c.errors[:3]} {c.stack[-3:]})")
    e.check(all(s == "/static/portal.js" for s in c.scripts), f"{path}: only /static/portal.js ({c.scripts})")
    e.check(not c.handlers, f"{path}: no event-handler attributes ({c.handlers[:3]})")
    e.check(not c.bad_links, f"{path}: links are http(s), mailto, tel or local ({c.bad_links[:3]})")
    e.check(c.images == 0, f"{path}: no images")
    e.check(" style=" not in body and "<style" not in body, f"{path}: no inline styles")
    e.check(body.count("<h1") == 1, f"{path}: one h1")
    e.check(len(body.encode()) < 60 * 1024, f"{path}: under 60 KB ({len(body.encode())} bytes)")
    return body, c


def main():
    tmp = None
    store = os.environ.get("SIGNPOST_WEB_STORE")
    if not store:
        tmp = e.tempdir()
        store = os.path.join(tmp, "store")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store, e.SAMPLE], capture_output=True, text=True)
        e.check(r.returncode == 0, f"signpost index exits 0 ({r.stderr[-300:]})")
    port = e.free_port()
    base = f"http://127.0.0.1:{port}"
    manifest = json.load(open(os.path.join(e.SOURCE, "data", "sample", "manifest.json")))
    hostile = manifest.get("hostile", [])
    web = os.path.join(e.SOURCE, "web")
    try:
        with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--web", web]) as srv:
            if e.wait_for(base) is None:
                e.check(False, "searchd answers /healthz")
                print(srv.stop()[1])
                e.finish("web-pages")

            body, c = page(base, "/")
            e.check('<html lang="en" dir="ltr">' in body, "/: language and direction declared")
            e.check('class="skip" href="#main"' in body and 'id="main"' in body, "/: a skip link to main")
            for f in ("category", "group", "borough", "mode", "cost", "referral", "language"):
                e.check(f'name="{f}"' in body, f"/: a filter for {f}")
            e.check(re.search(r'<label for="f-cost-free">Free <span class="n">\(\d+\)</span>', body) is not None,
                    "/: filter values show counts")

            body, c = page(base, "/?q=ESOL&near=E8+1DY")
            e.check(re.search(r"\d+ services found near E8 1DY", body) is not None, "results: count near the postcode")
            e.check("miles away" in body and "Last checked:" in body, "results: distance and last checked")
            e.check("https://www.openstreetmap.org/?mlat=" in body, "results: a map link")
            e.check('href="tel:' in body, "results: phone numbers are tel: links")
            e.check('<option value="" selected>Best match, nearer first</option>' in body
                    and '<option value="distance">Nearest first</option>' in body,
                    "results: best match with nearer first by default, nearest first a choice")
            ids = re.findall(r'<li class="hit"><h3><a href="/services/([0-9a-f-]{36})"', body)
            e.check(len(ids) == 10, f"results: 10 on the first page ({len(ids)})")
            e.check('rel="next"' in body, "results: a next page link")

            body, _ = page(base, "/?q=ESOL&near=E8+1DY&cost=free&page=2")
            e.check('rel="prev"' in body and "Remove filter: Free" in body, "page 2 with a filter: back link and the filter listed")

            # A person's circumstances as filters: plain words, and each can be removed
            body, _ = page(base, "/?benefits=none&status=unemployed&months_unemployed=08")
            e.check("Remove filter: Not claiming benefits" in body and "Remove filter: Out of work 8 months" in body
                    and "Remove filter: Unemployed" in body, "person filters are listed in words")
            chips = dict((html.unescape(lbl), html.unescape(href)) for href, lbl in
                         re.findall(r'<a class="chip" href="([^"]*)">Remove filter: ([^<]*)</a>', body))
            e.check("months_unemployed" not in chips.get("Out of work 8 months", "months_unemployed")
                    and "benefits=none" in chips.get("Out of work 8 months", ""),
                    f"removing the months filter keeps the others ({chips})")
            e.check("benefits" not in chips.get("Not claiming benefits", "benefits"),
                    "removing benefits=none drops it")

            body, _ = page(base, "/no/such/page", want=404)
            e.check("Page not found" in body and 'href="/"' in body, "a mistyped address: a plain-English 404 page")

            body, _ = page(base, "/?q=cv&near=ZZ99+9ZZ")
            e.check("could not find the postcode" in body, "unknown postcode: explained, results across London")
            body, _ = page(base, "/?q=intervew")
            e.check("No service matched “intervew”, so we are showing results for “interview”." in body
                    and "services found" in body, "misspelling: the corrected word is searched, and said so")
            body, _ = page(base, "/?q=retrain")
            e.check("Did you mean" not in body and "services found" in body,
                    "a word that finds services is not 'corrected' (retrain is not train)")

            # A sentence: filler dropped, place and cost read as filters, each removable
            body, _ = page(base, "/?q=free+English+classes+Newham")
            chips = dict((html.unescape(lbl), html.unescape(href)) for href, lbl in
                         re.findall(r'<a class="chip" href="([^"]*)">([^<]*)</a>', body))
            e.check("From your words we chose" in body and "services found" in body,
                    "sentence: the filters read from the words are shown")
            e.check("q=free English classes" in urllib.parse.unquote_plus(
                    chips.get("Newham (remove: search all of London)", "")), f"sentence: removing Newham searches the other words ({chips})")
            e.check("q=English classes Newham" in urllib.parse.unquote_plus(chips.get("Remove filter: Free", "")),
                    f"sentence: removing Free searches the other words ({chips})")
            e.check("understand=0" in body and "exactly as typed instead" in body,
                    "sentence: a link to search the words as typed")
            body, _ = page(base, "/?q=I+want+to+learn+to+drive+a+forklift+truck")
            e.check("Forklift" in body and "services found" in body,
                    "sentence: forklift services found for a whole sentence")
            body, _ = page(base, "/?q=forklift+bicycle+repair")
            e.check("No service matched every word, so these are the closest matches." in body,
                    "relaxed: said so when not every word matched")

            # A page past the end says so and links to the last page
            body, _ = page(base, "/?q=cv&page=999")
            last = re.search(r'<a href="/\?q=cv&amp;page=(\d+)">Go to the last page', body)
            e.check("There are only" in body and last is not None and "could not find any services" not in body,
                    "a page past the end: said so, with a link to the last page")

            # Boroughs are listed by name; a service that is not active is marked
            body, _ = page(base, "/?q=training")
            names = [html.unescape(n) for n in re.findall(r'<label for="f-borough-[^"]*">([^<]*?) <span', body)]
            e.check(len(names) > 5 and names == sorted(names), f"the borough filter lists boroughs by name ({names[:6]})")
            body, _ = page(base, "/?q=kickstart")
            e.check("may not be running at the moment (status: inactive)" in body,
                    "an inactive programme is marked in the results")
            body, _ = page(base, "/?q=ESOL&borough=city-of-london&language=so")
            alts = re.findall(r"\((\d+) services?\)", body)
            e.check("could not find any services" in body and alts and all(int(a) > 0 for a in alts),
                    f"no results: broader searches with counts ({alts})")
            body, _ = page(base, "/?borough=nowhere", want=400)
            e.check("could not understand this search" in body, "a bad filter value: a plain-English 400 page")
            body, _ = page(base, "/?unknown=1&lang=zz&js=1")
            e.check("services found" in body, "unknown parameters are ignored")

            if ids:
                body, c = page(base, f"/services/{ids[0]}")
                for h in ("How to get in touch", "What it is", "Who it is for", "How to get help", "Cost", "When",
                          "Where", "Last checked:"):
                    e.check(h in body, f"service page: {h}")
                e.check('class="similar"' in body, "service page: similar services nearby")
                body, _ = page(base, f"/services/{ids[0].upper()}")
                e.check("How to get in touch" in body, "service ids are case-insensitive")
            page(base, "/services/not-a-uuid", want=404)
            page(base, "/services/00000000-0000-5000-8000-000000000000", want=404)

            for hid in hostile:
                body, c = page(base, f"/services/{hid}")
                text = "".join(c.text)
                api = json.loads(fetch(base, f"/api/v1/services/{hid}")[2])
                e.check(api["name"] in text, f"hostile {hid}: the name shows as literal text")
                e.check("<script>alert" not in body, f"hostile {hid}: markup escaped")
                e.check("javascript:" not in re.sub(r">[^<]*<", "><", body), f"hostile {hid}: no javascript: in markup")
            hs = "&".join("s=" + h for h in hostile)
            for path in ("/?q=TEST+DATA", f"/coach?q=TEST+DATA&age=30&{hs}", f"/coach?print=1&{hs}",
                         "/?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E&near=%3Cscript%3E",
                         "/coach?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&age=abc&borough=%3Cb%3E"):
                page(base, path)

            body, _ = page(base, "/coach")
            for label in ("Age", "Where they live", "Benefits they get", "Work situation", "Months out of work",
                          "Their circumstances", "What they need help with", "Language they prefer"):
                e.check(label in body, f"coach form: {label}")
            sid = ids[0] if ids else ""
            q = "/coach?age=19&borough=hackney&benefit=universal-credit&status=unemployed&group=young-people" \
                "&need=cv-and-applications"
            body, _ = page(base, q + f"&s={sid}")
            e.check(re.search(r"Likely eligible \(\d+\)", body) is not None, "coach: likely eligible group")
            e.check("Yes:" in body, "coach: reasons marked in words")
            e.check("Shortlist (1)" in body, "coach: the shortlist from the address")
            share = re.search(r'id="share" aria-describedby="share-hint" value="([^"]*)"', body)
            e.check(share is not None and share.group(1).endswith(f"/coach?s={sid}"),
                    f"coach: the share link holds only the shortlist ({share and share.group(1)})")
            adds = re.findall(r'class="btn2 add" data-id="[^"]*" href="([^"]*)"', body)
            e.check(adds and all("s=" + sid in a.replace("&amp;", "&") for a in adds),
                    "coach: add links keep the current shortlist")
            body, _ = page(base, "/coach?age=55&borough=camden&status=unemployed&months=14&need=digital-skills")
            e.check(re.search(r'class="mark">Yes:</span> [^<]*(aged 50|50 and over|50 or over|55)', body) is not None,
                    "coach: the client's age or the groups it implies count as a fit")
            e.check("Does not cover" not in body, "coach: the borough filter keeps services that cover it")
            body, _ = page(base, f"/coach?print=1&s={sid}&s={sid}&s=bad")
            e.check(body.count('<section class="card">') == 1, "print: one card per distinct valid id")
            e.check("When you call, you could say:" in body, "print: what to say when calling")

            st, hd, body = fetch(base, "/", method="HEAD")
            e.check(st == 200 and body == "", "HEAD / answers without a body")
            st, _, _ = fetch(base, "/coach", method="POST")
            e.check(st == 405, f"POST /coach is 405 ({st})")
            st, hd, body = fetch(base, "/", headers={"Accept-Language": "so-SO,so;q=0.9"})
            e.check('<html lang="en"' in body, "a language without words falls back to English")
            too_many = "&".join(f"q{i}=1" for i in range(120))
            page(base, "/?" + too_many, want=400)

            rc, log = srv.stop()
            e.check(rc == 0 and "Sanitizer" not in log and "runtime error" not in log,
                    f"searchd stops cleanly, no sanitizer reports (exit {rc})")
            e.check("ESOL" not in log and "hackney" not in log and "age=" not in log,
                    "the access log never holds query strings")
        # Another language: a copy of web/ with a partial Somali file and an
        # Arabic one: picked by ?lang= and Accept-Language, untranslated words
        # in English, vocabulary labels translatable, direction and switcher.
        webcopy = e.tempdir()
        shutil.copytree(web, os.path.join(webcopy, "web"))
        with open(os.path.join(webcopy, "web", "i18n", "so.po"), "w", encoding="utf-8") as f:
            f.write('msgctxt "lang.name"\nmsgid "English"\nmsgstr "Soomaali"\n\n'
                    'msgctxt "search.go"\nmsgid "Search"\nmsgstr "Raadi"\n\n'
                    'msgctxt "label.borough.hackney"\nmsgid "Hackney"\nmsgstr "Hackney (SO)"\n')
        port2 = e.free_port()
        base2 = f"http://127.0.0.1:{port2}"
        try:
            with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port2}", "--web",
                         os.path.join(webcopy, "web")]):
                e.wait_for(base2)
                body, _ = page(base2, "/?borough=hackney&lang=so")
                e.check('<html lang="so" dir="ltr">' in body, "?lang=so answers in Somali")
                e.check(">Raadi</button>" in body, "a translated word")
                e.check("What help are you looking for?" in body, "an untranslated word falls back to English")
                e.check("Remove filter: Hackney (SO)" in body, "vocabulary labels come from the words file")
                e.check('<a lang="en" href="/?borough=hackney&amp;lang=en">English</a>' in body,
                        "the switcher links to the same page in English")
                body, _ = page(base2, "/services/" + (ids[0] if ids else ""), headers={"Accept-Language": "ar, en;q=0.5"})
                e.check('<html lang="ar" dir="rtl">' in body, "Accept-Language ar: Arabic, right to left")
        finally:
            e.rmtree(webcopy)
    finally:
        if tmp:
            e.rmtree(tmp)
    e.finish("web-pages")


if __name__ == "__main__":
    main()
