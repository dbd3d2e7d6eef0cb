#!/usr/bin/env python3
"""gen_synthetic.py - deterministic synthetic services for benchmarks.

FICTIONAL DATA.  Writes N HSDS 3.0 service objects (the same nested shape,
vocabularies, text pieces and rough distributions as the bundled sample made
by tools/gen_sample.py, whose pieces it imports) as NDJSON: one service per
line, to a file or stdout.  Streaming: memory stays constant whatever N is
(a bounded pool of organisations and a bounded queue of pending duplicates),
so --count 1000000 works; it takes a few minutes.

--dup-rate R plants near-duplicates: after a record, with probability R, a
second description of the same service (reworded description, "&"/"and" in
the name, "Ltd" on the organisation, reformatted phone and postcode, new id)
is emitted a little later in the stream.  --truth FILE writes one JSON line
per planted pair: {"a": id, "b": id}.  Records count towards N either way.

The same --seed and arguments give the same bytes.

    python3 bench/gen_synthetic.py --count 100000 --dup-rate 0.05 \\
        --out /tmp/syn.ndjson --truth /tmp/syn.truth.ndjson

Geography comes from $SIGNPOST_SHARED/data (default ../shared next to the
source tree); without it, from the bundled sample's own records.
"""

import argparse
import collections
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_sample as gs  # noqa: E402  (the sample's vocabularies and text)

MAX_ORGS = 20000       # organisation pool bound (constant memory)
MAX_PENDING = 2048     # pending near-duplicates bound
DELAY = (1, 500)       # how many records later a duplicate appears


def geo_from_sample(sample_dir):
    """Boroughs with postcode sectors rebuilt from the committed sample, for
    machines without the shared reference data."""
    man = json.load(open(os.path.join(sample_dir, "manifest.json"), encoding="utf-8"))
    boroughs = {}
    for sid, t in man["services"].items():
        for b in t["boroughs"]:
            if b not in boroughs:
                boroughs[b] = {"slug": b, "name": b.replace("-", " ").title().replace(" And ", " and ")
                               .replace(" Upon ", " upon ").replace(" Of ", " of "),
                               "official": "", "sectors": [], "jobcentres": [], "colleges": [],
                               "subregion": None}
            if len(t["subregions"]) == 1:
                boroughs[b]["subregion"] = t["subregions"][0]
    src = os.path.join(sample_dir, "sources")
    for slug in os.listdir(src):
        d = os.path.join(src, slug, "services")
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if not fn.startswith("page-"):
                continue
            page = json.load(open(os.path.join(d, fn), encoding="utf-8"))
            for r in page.get("contents", []):
                t = man["services"].get(r["id"])
                if not t or t["coverage"] != "borough":
                    continue
                for sal in r.get("service_at_locations", []):
                    loc = sal["location"]
                    if loc.get("location_type") != "physical":
                        continue
                    pc = loc["addresses"][0]["postal_code"]
                    if " " in pc:
                        boroughs[t["boroughs"][0]]["sectors"].append((pc[:-2], loc["latitude"], loc["longitude"]))
    out = [b for b in boroughs.values() if b["sectors"] and b["subregion"]]
    for b in out:
        b["sectors"] = sorted(set(b["sectors"]))
    return sorted(out, key=lambda b: b["slug"])


class Synth:
    def __init__(self, boroughs, seed, count):
        self.gen = gs.Gen(boroughs)
        self.gen.rng = random.Random(seed)
        self.rng = self.gen.rng
        self.seed = seed
        self.B = boroughs
        self.by_sr = collections.defaultdict(list)
        for b in boroughs:
            self.by_sr[b["subregion"]].append(b["slug"])
        self.norgs = max(50, min(MAX_ORGS, count // 3))
        self.orgs = [self.make_org(j) for j in range(self.norgs)]
        self.local_kinds = [k["key"] for k in gs.KINDS if k["key"] not in ("ncs", "ips", "talking")]

    def make_org(self, j):
        rng = self.rng
        b = self.B[j % len(self.B)]
        name = "%s %s %s%s" % (rng.choice(gs.ORG_WORDS1), b["name"] if rng.random() < 0.5 else rng.choice(gs.ORG_WORDS1),
                               rng.choice(gs.ORG_WORDS2), rng.choice(gs.ORG_SUFFIX))
        if name in self.gen.used_org_names:
            name = "%s %d" % (name, j)
        self.gen.used_org_names.add(name)
        return self.gen.org(name, "charity", borough=b["slug"])

    def spec(self, i):
        """One original service, the way build_specs() shapes the sample."""
        rng = self.rng
        o = self.orgs[rng.randrange(self.norgs)]
        r = rng.random()
        home = o["borough"]
        if r < 0.82:
            cov = ("borough", [home])
        elif r < 0.90:
            sr = self.gen.bslug[home]["subregion"]
            others = [x for x in self.by_sr[sr] if x != home]
            cov = ("borough", [home] + rng.sample(others, min(len(others), rng.choice([1, 2, 3]))))
        elif r < 0.96:
            cov = ("subregion", self.gen.bslug[home]["subregion"])
        elif r < 0.99:
            cov = ("london",)
        else:
            cov = ("online",)
        kind = rng.choice(self.local_kinds) if rng.random() < 0.97 else rng.choice(["ncs", "ips", "talking"])
        k = gs.KIND[kind]
        groups = self.gen.pick_groups(kind, cov)
        for g in k.get("implies", []):
            if g not in groups:
                groups.append(g)
        s = {"org": o, "kind": kind, "coverage": cov, "groups": groups, "source": "synthetic",
             "cats": gs.with_parents(k["cats"]), "name": rng.choice(k["names"]), "seq": i,
             "id": gs.uid("synthetic", self.seed, i)}
        if rng.random() < 0.015:
            s["stale_year"] = rng.choice([2019, 2020, 2021, 2022])
        gs.finish_one(self.gen, s, rng)
        return s

    def variant(self, orig, i):
        s = dict(orig, variant=True, seq=i, id=gs.uid("synthetic-dup", self.seed, i))
        gs.make_variant(s, orig, self.rng)
        return s


def main(argv=None):
    ap = argparse.ArgumentParser(description="Deterministic synthetic HSDS services (NDJSON) for benchmarks.")
    ap.add_argument("--count", type=int, default=10000, help="number of records (default 10000)")
    ap.add_argument("--dup-rate", type=float, default=0.0, help="share of records followed by a near-duplicate (0..0.5)")
    ap.add_argument("--seed", type=int, default=gs.SEED)
    ap.add_argument("--out", default="-", help="output file (default - : stdout)")
    ap.add_argument("--truth", help="write planted duplicate pairs here (NDJSON)")
    ap.add_argument("--shared", default=os.environ.get("SIGNPOST_SHARED", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--sample", default=os.path.join(ROOT, "data", "sample"))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.count < 0 or not 0.0 <= a.dup_rate <= 0.5:
        ap.error("--count must be >= 0 and --dup-rate within 0..0.5")
    if os.path.isdir(os.path.join(a.shared, "data", "geography")):
        boroughs = gs.load_geo(a.shared)
    elif os.path.isfile(os.path.join(a.sample, "manifest.json")):
        boroughs = geo_from_sample(a.sample)
    else:
        sys.stderr.write("gen_synthetic: no geography: pass --shared DIR or --sample DIR\n")
        return 2
    t0 = time.time()
    syn = Synth(boroughs, a.seed, a.count)
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8", newline="\n")
    truth = open(a.truth, "w", encoding="utf-8", newline="\n") if a.truth else None
    pending = collections.deque()  # (due index, original spec)
    rng = syn.rng
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    n = pairs = 0
    while n < a.count:
        if pending and (pending[0][0] <= n or n + len(pending) >= a.count):
            _, orig = pending.popleft()
            s = syn.variant(orig, n)
            if truth:
                truth.write('{"a":"%s","b":"%s"}\n' % (orig["id"], s["id"]))
            pairs += 1
        else:
            s = syn.spec(n)
            if a.dup_rate and len(pending) < MAX_PENDING and rng.random() < a.dup_rate \
                    and n + len(pending) + 1 < a.count:
                pending.append((n + rng.randint(*DELAY), s))
        out.write(enc.encode(gs.hsds(syn.gen, s)))
        out.write("\n")
        n += 1
    if out is not sys.stdout:
        out.close()
    else:
        out.flush()
    if truth:
        truth.close()
    if not a.quiet:
        dt = time.time() - t0
        sys.stderr.write("gen_synthetic: %d records (%d planted duplicate pairs, %d organisations) in %.1f s, %.0f records/s\n"
                         % (n, pairs, syn.norgs, dt, n / dt if dt else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
