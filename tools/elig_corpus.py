#!/usr/bin/env python3
"""elig_corpus.py - the real-text eligibility corpus (tests/elig/data/real/).

  elig_corpus.py tsv ITEMS... > FILE.tsv
      writes labelled rows in the syntax of tests/elig/data/labelled.tsv
      (dimension TAB expected TAB text) from item files, one sentence a
      line: ORIGIN TAB TEXT TAB LABELS, where LABELS is "dim=expected;..."
      for the dimensions the sentence states (empty: it states none).
      Every sentence gets a row for each rule dimension, "-" where it is
      not labelled, so a rule read from a sentence that states none counts
      against precision.  A "# origin: ORIGIN" line precedes each sentence.
  elig_corpus.py stats FILE.tsv...
      prints the corpus statistics: sentences, labelled rules per
      dimension and expected value kind, web pages, sentences per origin
      (site, or ORUK feed).

The item files are the labeller's working form; the .tsv files are what is
committed and scored (test_elig labelled / verdicts, tests/elig/meson.build).
"""
import collections
import re
import sys
import urllib.parse

DIMS = ["age", "residency", "benefit", "employment_status", "months_unemployed",
        "right_to_work", "group", "mandatory", "referral", "cost"]


def parse_labels(s, where):
    out = {}
    for part in filter(None, (p.strip() for p in s.split(";"))):
        dim, _, exp = part.partition("=")
        dim, exp = dim.strip(), exp.strip()
        if dim not in DIMS or not exp:
            sys.exit("%s: bad label %r" % (where, part))
        if dim in out:
            sys.exit("%s: %s labelled twice" % (where, dim))
        out[dim] = exp
    return out


def cmd_tsv(paths):
    seen = set()
    for path in paths:
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 3:
                sys.exit("%s:%d: expected ORIGIN TAB TEXT TAB LABELS" % (path, n))
            origin, text, labels = cols
            text = re.sub(r"\s+", " ", text).strip()
            if text.lower() in seen:
                continue  # the same sentence from another page: keep the first
            seen.add(text.lower())
            lab = parse_labels(labels, "%s:%d" % (path, n))
            print("# origin: %s" % origin)
            for d in DIMS:
                print("%s\t%s\t%s" % (d, lab.get(d, "-"), text))


def origin_key(origin):
    if "fh-or-tester" in origin:
        m = re.search(r"data/(.+?)\.json", urllib.parse.unquote(origin))
        return "ORUK feed: " + (m.group(1) if m else "?")
    host = urllib.parse.urlparse(origin.split()[0]).netloc
    return host[4:] if host.startswith("www.") else host


def cmd_stats(paths):
    for path in paths:
        sentences, origins, pages = 0, collections.Counter(), set()
        kinds = collections.defaultdict(collections.Counter)
        origin = "?"
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if line.startswith("# origin: "):
                origin = line[10:]
                sentences += 1
                origins[origin_key(origin)] += 1
                if "fh-or-tester" not in origin:
                    pages.add(origin.split()[0])
                continue
            if not line or line.startswith("#"):
                continue
            dim, exp, _ = line.split("\t", 2)
            kinds[dim]["_rule" if exp != "-" else "_none"] += 1
            if exp != "-":
                kinds[dim][exp.split()[0]] += 1
        print("%s: %d sentences, %d rows, %d labelled rules" % (
            path, sentences, sum(v["_rule"] + v["_none"] for v in kinds.values()),
            sum(v["_rule"] for v in kinds.values())))
        for d in DIMS:
            k = kinds[d]
            ops = ", ".join("%s %d" % (o, k[o]) for o in sorted(k) if not o.startswith("_"))
            print("  %-18s rules %3d  no rule %3d  (%s)" % (d, k["_rule"], k["_none"], ops))
        feeds = sum(v for o, v in origins.items() if o.startswith("ORUK"))
        print("  origins: %d sentences from ORUK feeds, %d from %d web pages on %d sites" % (
            feeds, sentences - feeds, len(pages), len(origins) - (1 if feeds else 0)))
        for o, v in sorted(origins.items(), key=lambda x: (-x[1], x[0])):
            print("    %4d  %s" % (v, o))


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("tsv", "stats"):
        sys.exit(__doc__)
    (cmd_tsv if sys.argv[1] == "tsv" else cmd_stats)(sys.argv[2:])


if __name__ == "__main__":
    main()
