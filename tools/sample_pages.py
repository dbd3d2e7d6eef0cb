#!/usr/bin/env python3
"""sample_pages.py - renders the bundled sample's HTML pages (FICTIONAL SAMPLE DATA).

The provider websites and news pages of data/sample/sources/ (*.html) are not
committed: tools/gen_sample.py writes what each page says to
data/sample/pages.json, and this script renders every page from it with the
one template below.  `meson setup` runs it (configure_file in meson.build, so
a changed pages.json or template re-renders), and gen_sample.py calls render()
after writing pages.json, so a fresh clone, an install and a regeneration all
serve the same bytes.  Python 3 standard library only; no shared data needed.

    python3 tools/sample_pages.py [--out DIR] [--stamp FILE]

--out is the sample folder (default data/sample); --stamp is written with the
number of pages once they are all in place (for meson).
"""

import argparse
import json
import os
import sys
from xml.sax.saxutils import escape as xesc


def html_page(title, body, jsonld=None):
    ld = ""
    if jsonld:
        ld = '<script type="application/ld+json">\n%s\n</script>\n' % json.dumps(jsonld, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n%s</head>\n"
            "<body>\n<p class=\"notice\">Fictional sample data for testing Signpost.</p>\n%s\n</body>\n</html>\n") % (
        xesc(title), ld, body)


def service_page(p):
    """A provider's page for one service: what, who for, where and when, how
    to join, cost, contact (and JSON-LD where the site publishes it)."""
    body = ['<header><a href="/%s/">%s</a></header>' % (p["site"], xesc(p["org"])),
            "<main>", "<h1>%s</h1>" % xesc(p["name"]), "<p>%s</p>" % xesc(p["description"]),
            "<h2>Who is it for?</h2>", "<p>%s</p>" % xesc(p["who"]),
            "<h2>Where and when</h2>", "<p>%s</p>" % xesc(p["where"]), "<p>%s</p>" % p["when"],
            "<h2>How to join</h2><p>%s</p>" % xesc(p["join"]),
            "<h2>Cost</h2><p>%s</p>" % p["cost"],
            '<h2>Contact</h2><p>Phone <a href="tel:%s">%s</a> or email <a href="mailto:%s">%s</a></p>' % (
                p["phone"].replace(" ", ""), xesc(p["phone"]), xesc(p["email"]), xesc(p["email"])),
            "<p>Areas: %s. Languages: %s.</p>" % (xesc("; ".join(p["areas"])), ", ".join(p["languages"])),
            "<p><small>Last updated %s</small></p>" % p["updated"],
            "</main>"]
    return html_page("%s - %s" % (p["name"], p["org"]), "\n".join(body), p.get("jsonld"))


def home_page(p):
    """A provider's home page: who they are and links to their services."""
    home = ['<h1>%s</h1>' % xesc(p["org"]), "<p>%s</p>" % xesc(p["description"]), "<h2>Our services</h2>",
            "<ul>", *('<li><a href="%s">%s</a></li>' % (xesc(path), xesc(name)) for path, name in p["links"]), "</ul>"]
    return html_page(p["org"], "\n".join(home))


def news_page(p):
    """A news item a feed links to."""
    return html_page(p["title"], "<main><h1>%s</h1>\n<p>%s</p>\n<p>%s, %s</p></main>" % (
        xesc(p["title"]), xesc(p["text"]), xesc(p["org"]), p["date"]))


KINDS = {"service": service_page, "home": home_page, "news": news_page}


def load(out):
    with open(os.path.join(out, "pages.json"), encoding="utf-8") as f:
        return json.load(f)["pages"]


def paths(out):
    """Where the pages pages.json lists are rendered."""
    return [os.path.join(out, "sources", p["site"], p["page"]) for p in load(out)]


def render(out):
    """Write every page pages.json lists under out/sources/; returns how many."""
    pages = load(out)
    for p, path in zip(pages, paths(out)):
        text = KINDS[p["kind"]](p)
        try:
            with open(path, encoding="utf-8", newline="\n") as f:
                if f.read() == text:
                    continue  # unchanged: leave the file (and its mtime) alone
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return len(pages)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "data", "sample"))
    ap.add_argument("--stamp", help="write the page count here when done")
    a = ap.parse_args(argv)
    n = render(a.out)
    if a.stamp:
        with open(a.stamp, "w", encoding="utf-8") as f:
            f.write("%d pages rendered from %s\n" % (n, os.path.join(a.out, "pages.json")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
