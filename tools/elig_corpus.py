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
  elig_corpus.py sample N_LABELLED N_NONE SEED FILE.tsv... > ITEMS
      a second labeller's work list: a seeded random sample of the
      sentences of FILE.tsv, N_LABELLED of those with a label in some
      dimension and N_NONE of those with none, written as an item file
      (ORIGIN TAB TEXT TAB, labels empty) in a random order that hides the
      stratum, for labelling blind to the first labels.
  elig_corpus.py agree ITEMS FILE.tsv...
      agreement of the second labeller (ITEMS, labelled) with the first
      (FILE.tsv, the same sentences): per dimension, the precision and
      recall the second labeller would score if the first labeller's rules
      were the truth, counted exactly as test_elig labelled counts them
      (same rule string, value lists in any order).  Each stratum is
      weighted by its share of FILE.tsv's sentences, so the figures
      estimate agreement over the whole corpus; the unweighted counts are
      printed beside them.  This is the ceiling a reader can reach when it
      is measured against one labeller's labels.

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


def read_corpus(paths):
    """{sentence text: (origin, {dim: expected})} of labelled .tsv files."""
    out = {}
    for path in paths:
        origin = "?"
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if line.startswith("# origin: "):
                origin = line[10:]
                continue
            if not line or line.startswith("#"):
                continue
            dim, exp, text = line.split("\t", 2)
            out.setdefault(text, (origin, {}))[1][dim] = exp
    return out


def canon(exp):
    """A rule string as test_elig compares it: the value list sorted."""
    words = exp.split()
    if words and "," in words[-1]:
        words[-1] = ",".join(sorted(words[-1].split(",")))
    return " ".join(words)


def labelled_any(labels):
    return any(e != "-" for e in labels.values())


def cmd_sample(args):
    import random
    if len(args) < 4:
        sys.exit(__doc__)
    n_lab, n_none, seed = int(args[0]), int(args[1]), int(args[2])
    corpus = read_corpus(args[3:])
    lab = sorted(t for t, (_, l) in corpus.items() if labelled_any(l))
    none = sorted(t for t, (_, l) in corpus.items() if not labelled_any(l))
    rng = random.Random(seed)
    pick = rng.sample(lab, n_lab) + rng.sample(none, n_none)
    rng.shuffle(pick)
    print("# sample of %d sentences (seed %d) from %s" % (len(pick), seed, " ".join(args[3:])))
    for t in pick:
        print("%s\t%s\t" % (corpus[t][0], t))


def cmd_agree(args):
    if len(args) < 2:
        sys.exit(__doc__)
    corpus = read_corpus(args[1:])
    n_lab = sum(1 for _, l in corpus.values() if labelled_any(l))
    n_none = len(corpus) - n_lab
    second = []
    for n, line in enumerate(open(args[0], encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3:
            sys.exit("%s:%d: expected ORIGIN TAB TEXT TAB LABELS" % (args[0], n))
        text = re.sub(r"\s+", " ", cols[1]).strip()
        if text not in corpus:
            sys.exit("%s:%d: sentence not in the corpus: %s" % (args[0], n, text[:60]))
        second.append((text, parse_labels(cols[2], "%s:%d" % (args[0], n))))
    s_lab = sum(1 for t, _ in second if labelled_any(corpus[t][1]))
    s_none = len(second) - s_lab
    w_lab = n_lab / s_lab if s_lab else 0.0
    w_none = n_none / s_none if s_none else 0.0
    print("agree: %d sentences (%d of %d labelled, %d of %d with none); weights %.1f, %.1f"
          % (len(second), s_lab, n_lab, s_none, n_none, w_lab, w_none))
    for d in DIMS:
        tp = fp = fn = 0.0
        raw = [0, 0, 0]
        for text, labels in second:
            first = corpus[text][1]
            w = w_lab if labelled_any(first) else w_none
            a, b = canon(first.get(d, "-")), canon(labels.get(d, "-"))
            same = a == b
            for i, hit in enumerate((a != "-" and same, b != "-" and not same,
                                     a != "-" and not same)):
                if hit:
                    raw[i] += 1
                    if i == 0:
                        tp += w
                    elif i == 1:
                        fp += w
                    else:
                        fn += w
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print("agree: %-18s precision %.3f recall %.3f (weighted; unweighted: first %d, "
              "second %d, same %d)" % (d, p, r, raw[0] + raw[2], raw[0] + raw[1], raw[0]))


def main():
    cmds = {"tsv": cmd_tsv, "stats": cmd_stats, "sample": cmd_sample, "agree": cmd_agree}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
