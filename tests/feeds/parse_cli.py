#!/usr/bin/env python3
"""parse_cli.py - `signpost parse` end to end: NDJSON records on stdout,
links with --links, stdin with "-", exit codes 0 (read), 1 (document
broken; what was read still printed), 2 (bad usage), and --help.

usage: parse_cli.py SIGNPOST DATA_DIR
"""
import json
import os
import subprocess
import sys

exe, data = sys.argv[1], sys.argv[2]
failures = 0
checks = 0


def run(args, stdin=None):
    p = subprocess.run([exe, "parse"] + args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAILED:", what, file=sys.stderr)


rc, out, err = run(["--url", "https://api.example.org/services?page=1", "--links",
                    data + "/v3_page1.json"])
lines = [json.loads(l) for l in out.splitlines()]
check(rc == 0, "v3 page exits 0 (%d, %s)" % (rc, err))
check(len(lines) == 3, "two records and one link")
check(lines[0].get("name") == "Job Club", "first record's name")
check(lines[0]["signpost"]["provenance"]["local_id"] == "svc-1", "provenance local id")
check(lines[2] == {"link": "https://api.example.org/services?page=2", "kind": "next"},
      "next link line: %r" % (lines[2:],))

rc, out, err = run(["--url", "https://api.example.org/services?page=1", data + "/v3_page1.json"])
check(rc == 0 and len(out.splitlines()) == 2, "no link lines without --links")

with open(data + "/v1_page.json", "rb") as f:
    rc, out, err = run(["--format", "oruk", "-"], stdin=f.read())
check(rc == 0 and len(out.splitlines()) == 2, "stdin with -: %d %s" % (rc, err))

rc, out, err = run(["--format", "ndjson", data + "/export.ndjson"])
check(rc == 1, "a bad NDJSON line exits 1")
check(len(out.splitlines()) == 3, "the good NDJSON lines are still printed")
check("line 4" in err, "the bad line is named: %s" % err)

rc, out, err = run([data + "/truncated.json"])
check(rc == 1 and out == "" and "signpost parse:" in err, "truncated JSON exits 1")

rc, out, err = run([data + "/does-not-exist.json"])
check(rc == 1 and "cannot open" in err, "missing file exits 1")

for bad in (["--format", "xml", data + "/v3_page1.json"], [], ["--url"], ["--bogus", "x"],
            ["a.json", "b.json"]):
    rc, out, err = run(bad)
    check(rc == 2 and err.strip() != "", "bad usage %r exits 2" % (bad,))

rc, out, err = run(["--help"])
check(rc == 0 and "usage: signpost parse" in out and "--enrich" in out, "--help")

# A data package reads its CSV resources from beside the descriptor.
shared = os.environ.get("SIGNPOST_SHARED", "")
dp = os.path.join(shared, "conformance/hsds-3.0/examples/csv/datapackage.json")
if shared and os.path.exists(dp):
    rc, out, err = run([dp])
    recs = [json.loads(l) for l in out.splitlines()]
    check(rc == 0 and len(recs) >= 1, "data package from files beside it: %d %s" % (rc, err))
    check(any(r.get("name") == "Community Counselling" for r in recs), "data package record")

print("parse_cli: %d checks, %d failed" % (checks, failures))
sys.exit(1 if failures else 0)
