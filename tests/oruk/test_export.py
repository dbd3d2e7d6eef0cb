#!/usr/bin/env python3
"""test_export.py - exports of the whole directory and of a search, from
`signpost export` and from the API, import back through `signpost index`
unchanged:
  - NDJSON: every record of a second store equals the first's (HSDS fields,
    derived data and evidence; provenance names the new source);
  - the HSDS data package: exported again from the second store, every CSV
    is byte-identical to the first export;
  - a search's export holds exactly the services the search finds, and the
    API's exports are the command's, byte for byte."""
import csv
import io
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orukt  # noqa: E402
from orukt import e  # noqa: E402

# Tables the data package reader (feeds/datapackage.c) does not read back
# yet: their rows are written but lost on import.  Reported, not failed.
KNOWN_GAPS = set()


def run(*args):
    r = subprocess.run([e.SIGNPOST] + list(args), capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout, r.stderr


def records(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                out[rec["id"]] = rec
    return out


def without_provenance(rec):
    rec = json.loads(json.dumps(rec))
    rec.get("signpost", {}).pop("provenance", None)
    return rec


def diff(a, b, path=""):
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += diff(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main():
    with e.scratch("oruk-export") as (tmp, keep):
        a = orukt.sample_store(tmp, "a", "oruk-export")

        # --- usage
        code, _, err = run("export")
        e.check(code == 2 and "--store" in err, "no --store is bad usage (2)")
        code, _, err = run("export", "--store", a, "--format", "xml")
        e.check(code == 2, "an unknown format is bad usage (2)")
        code, _, err = run("export", "--store", a, "--format", "datapackage")
        e.check(code == 2 and "--out" in err, "a data package needs --out")
        code, _, err = run("export", "--store", a, "--borough", "atlantis")
        e.check(code == 2 and "borough" in err, "a bad search option is bad usage, naming it")
        code, out, _ = run("export", "--help")
        e.check(code == 0 and "datapackage" in out and "--q" in out, "--help describes the command")

        # --- NDJSON: whole directory, round trip
        nd_a = os.path.join(tmp, "a.ndjson")
        code, _, err = run("export", "--store", a, "--out", nd_a)
        e.check(code == 0 and "exported" in err, f"export ndjson: {err.strip()}")
        ra = records(nd_a)
        e.check(len(ra) >= 500, f"the export has every service ({len(ra)})")
        b = os.path.join(tmp, "b")
        code, _, err = run("index", "--store", b, nd_a)
        e.check(code == 0, f"signpost index reads the export: {err[-300:]}")
        nd_b = os.path.join(tmp, "b.ndjson")
        run("export", "--store", b, "--out", nd_b)
        rb = records(nd_b)
        e.check(set(ra) == set(rb), f"the same services come back ({len(ra)} / {len(rb)})")
        changed = 0
        for sid in ra:
            if sid in rb:
                d = diff(without_provenance(ra[sid]), without_provenance(rb[sid]))
                if d:
                    changed += 1
                    if changed <= 3:
                        print("  differs:", sid, d[:4])
        e.check(changed == 0, f"NDJSON export -> index -> export: every record unchanged ({changed} differ)")

        # --- the data package: whole directory, fixpoint
        dp_a = os.path.join(tmp, "dp-a")
        code, _, err = run("export", "--store", a, "--format", "datapackage", "--out", dp_a)
        e.check(code == 0, f"export datapackage: {err.strip()}")
        with open(os.path.join(dp_a, "datapackage.json"), encoding="utf-8") as f:
            desc = json.load(f)
        files = [r["path"] for r in desc["resources"]]
        e.check({"services.csv", "organizations.csv", "locations.csv", "service_at_location.csv",
                 "addresses.csv", "phones.csv", "schedules.csv", "taxonomy_terms.csv",
                 "attributes.csv"} <= set(files), "the package has HSDS's tables")
        for r in desc["resources"]:
            with open(os.path.join(dp_a, r["path"]), encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            e.check(rows and rows[0] == [fl["name"] for fl in r["schema"]["fields"]],
                    f"{r['path']}: the header is the schema's fields")
            e.check(all(len(x) == len(rows[0]) for x in rows), f"{r['path']}: every row has every column")
        with open(os.path.join(dp_a, "services.csv"), encoding="utf-8", newline="") as f:
            svc_rows = list(csv.DictReader(f))
        e.check(len(svc_rows) == len(ra), "services.csv has a row per service")
        e.check(any("\n" in (x["description"] or "") or "," in (x["description"] or "") for x in svc_rows),
                "descriptions with commas or newlines survive CSV quoting")
        c = os.path.join(tmp, "c")
        code, _, err = run("index", "--store", c, os.path.join(dp_a, "datapackage.json"))
        e.check(code == 0, f"signpost index reads the data package: {err[-300:]}")
        dp_c = os.path.join(tmp, "dp-c")
        run("export", "--store", c, "--format", "datapackage", "--out", dp_c)
        for name in files:
            with open(os.path.join(dp_a, name), "rb") as f1, open(os.path.join(dp_c, name), "rb") as f2:
                same = f1.read() == f2.read()
            if name in KNOWN_GAPS:
                print(f"KNOWN GAP: {name} is {'kept' if same else 'not read back by feeds/datapackage.c'}")
                continue
            e.check(same, f"data package -> index -> data package: {name} unchanged")

        # --- a search's export, from the command and from the API
        srv = keep(orukt.Served(a))
        e.check(srv.ok, "signpost serve starts")
        q = {"q": "esol", "borough": "newham"}
        nd_q = os.path.join(tmp, "q.ndjson")
        code, _, _ = run("export", "--store", a, "--out", nd_q, "--q", "esol", "--borough", "newham")
        rq = records(nd_q)
        st, res = e.get(srv.base, "/api/v1/search", dict(q, per_page=100))
        ids = {h["id"] for h in res.get("results", [])} if st == 200 else set()
        e.check(len(rq) > 0 and set(rq) == ids and res["total"] == len(rq),
                f"a search's export holds exactly what the search finds ({len(rq)})")
        st, h, body = orukt.raw_get(srv.base + "/api/v1/export.ndjson?q=esol&borough=newham")
        with open(nd_q, "rb") as f:
            e.check(st == 200 and body == f.read(), "/api/v1/export.ndjson is the command's export")
        e.check(h.get("Access-Control-Allow-Origin") == "*", "exports are open (CORS)")
        dp_q = os.path.join(tmp, "dp-q")
        run("export", "--store", a, "--format", "datapackage", "--out", dp_q, "--q", "esol", "--borough", "newham")
        st, _, body = orukt.raw_get(srv.base + "/api/v1/export/datapackage.json?q=esol&borough=newham")
        d = json.loads(body) if st == 200 else {}
        ok = st == 200
        for r in d.get("resources", []):
            e.check(r["path"].endswith("?q=esol&borough=newham"), "the descriptor's paths carry the search")
            st, _, body = orukt.raw_get(srv.base + "/api/v1/export/" + r["path"])
            with open(os.path.join(dp_q, r["path"].split("?")[0]), "rb") as f:
                ok = ok and st == 200 and body == f.read()
        e.check(ok and d.get("resources"), "the API's data package is the command's, table by table")
        st, _, _ = orukt.raw_get(srv.base + "/api/v1/export/secrets.csv")
        e.check(st == 404, "an unknown table is a 404")
        st, _, _ = orukt.raw_get(srv.base + "/api/v1/export.ndjson?borough=atlantis")
        e.check(st == 400, "a bad search parameter is a 400")
        # services.csv of a search parses as CSV with the search's rows
        rows = list(csv.DictReader(io.StringIO(open(os.path.join(dp_q, "services.csv"), encoding="utf-8").read())))
        e.check({x["id"] for x in rows} == set(rq), "the package of a search has the search's services")


if __name__ == "__main__":
    main()
