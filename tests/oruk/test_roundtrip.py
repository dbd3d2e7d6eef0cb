#!/usr/bin/env python3
"""test_roundtrip.py - Signpost is a member of the ORUK ecosystem both ways:
an index of the bundled sample is served on /oruk/; a second Signpost
crawls that API like any other ORUK source (`signpost crawl` with kind oruk,
then `signpost index`), and every service reads back with no field lost:
each field of each /oruk/services/{id} of the first is in the second's,
with the same value."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orukt  # noqa: E402
from orukt import e  # noqa: E402


def leaves(doc, path=""):
    """(path, value) of every scalar; array items are keyed by their id when
    they have one, so order does not matter."""
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.update(leaves(v, f"{path}.{k}"))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            key = v.get("id") if isinstance(v, dict) and "id" in v else str(i)
            out.update(leaves(v, f"{path}[{key}]"))
    else:
        out[path] = doc
    return out


def all_ids(base):
    ids = []
    page = 1
    while True:
        st, doc = e.get(base, "/oruk/services", {"per_page": 100, "page": page, "minimal": "true"})
        if st != 200:
            return ids
        ids += [s["id"] for s in doc["contents"]]
        if doc["last_page"]:
            return ids
        page += 1


def main():
    with e.scratch("oruk-roundtrip") as (tmp, keep):
        store_a = orukt.sample_store(tmp, "a", "oruk-roundtrip")
        store_b = os.path.join(tmp, "b")
        a = keep(orukt.Served(store_a))
        e.check(a.ok, "the first Signpost serves /oruk/")
        conf = os.path.join(tmp, "sources.conf")
        with open(conf, "w") as f:
            f.write("[source signpost-a]\n"
                    f"url = {a.base}/oruk/services?per_page=100\n"
                    "kind = oruk\norganisation = Signpost A (test)\ncoverage = pan-london\n"
                    "interval = 1h\npages = 1000\nallow_private = 127.0.0.1/32\n")
        r = subprocess.run([e.SIGNPOST, "crawl", "--sources", conf, "--store", store_b, "--once"],
                           capture_output=True, text=True, timeout=600)
        e.check(r.returncode == 0, f"signpost crawl of the first's /oruk/ succeeds: {r.stderr[-500:]}")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store_b], capture_output=True, text=True,
                           timeout=600)
        e.check(r.returncode == 0, f"signpost index of the crawl succeeds: {r.stderr[-500:]}")
        b = keep(orukt.Served(store_b))
        e.check(b.ok, "the second Signpost serves /oruk/")

        ids_a, ids_b = all_ids(a.base), all_ids(b.base)
        e.check(len(ids_a) >= 500, f"the first has the sample's services ({len(ids_a)})")
        e.check(set(ids_a) == set(ids_b), f"the same services, by id ({len(ids_a)} and {len(ids_b)})")
        lost = {}
        fields = 0
        for sid in ids_a:
            st1, s1 = e.get(a.base, "/oruk/services/" + sid)
            st2, s2 = e.get(b.base, "/oruk/services/" + sid)
            if not e.check(st1 == 200 and st2 == 200, f"both serve {sid}"):
                continue
            l1, l2 = leaves(s1), leaves(s2)
            fields += len(l1)
            for k, v in l1.items():
                if l2.get(k) != v:
                    lost.setdefault(k.split("[")[0] if "[" in k else k, []).append((sid, k, v, l2.get(k)))
        for k, cases in sorted(lost.items()):
            sid, path, v1, v2 = cases[0]
            print(f"  {len(cases)} x {path} of {sid}: {v1!r} -> {v2!r}")
        e.check(not lost, f"no field lost or changed in the round trip ({fields} fields compared)")
        print(f"round trip: {len(ids_a)} services, {fields} fields compared, "
              f"{sum(len(c) for c in lost.values())} differences", flush=True)


if __name__ == "__main__":
    main()
