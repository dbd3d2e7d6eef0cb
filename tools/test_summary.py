#!/usr/bin/env python3
"""tools/test_summary.py - fold meson's testlog.json files into the one line
CI reads: "N passed, N failed, N skipped".  Exit 1 when any test failed."""
import json
import sys

passed = failed = skipped = 0
seen = set()
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"test_summary: cannot read {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        key = (path, t.get("name"))
        if key in seen:
            continue
        seen.add(key)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {t.get('name')} ({r})", file=sys.stderr)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
