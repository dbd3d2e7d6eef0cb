#!/usr/bin/env python3
"""tools/fuzz_all.py BUILD_DIR OUT.json - run every libFuzzer target of a
-Dfuzz=true build that meson's 'fuzz' suite does not already run, briefly
(a few thousand inputs from its seeds), and write one meson-testlog-style
JSON line per target so tools/test_summary.py counts them."""
import json
import os
import subprocess
import sys
import tempfile

build, out = sys.argv[1], sys.argv[2]
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Executables the meson 'fuzz' suite runs already (by path: two modules
# may each have a fuzz_html).
already = set()
try:
    listed = subprocess.run(["meson", "introspect", "--tests", build],
                            capture_output=True, text=True).stdout
    for t in json.loads(listed or "[]"):
        if any(s.split(":")[-1] == "fuzz" for s in t.get("suite", [])) and t.get("cmd"):
            already.add(os.path.realpath(t["cmd"][0]))
except (OSError, ValueError):
    pass

results = []
for dirpath, dirnames, files in os.walk(os.path.join(build, "tests")):
    dirnames[:] = [d for d in dirnames if not d.endswith(".p")]
    for f in sorted(files):
        path = os.path.join(dirpath, f)
        if (not f.startswith("fuzz_") or not os.access(path, os.X_OK)
                or os.path.realpath(path) in already):
            continue
        rel = os.path.relpath(dirpath, build)          # tests/<module>
        name = f[len("fuzz_"):]
        seeds = []
        for cand in (os.path.join(src, rel, "seeds", name), os.path.join(src, rel, "seeds"),
                     os.path.join(src, rel, "fuzz_corpus")):
            if os.path.isdir(cand):
                seeds.append(cand)
                break
        with tempfile.TemporaryDirectory() as corpus:
            cmd = [path, "-runs=3000", "-max_total_time=60", "-rss_limit_mb=2048", corpus] + seeds
            r = subprocess.run(cmd, capture_output=True, text=True)
        ok = r.returncode == 0
        module = os.path.basename(rel)
        print(f"fuzz run {module}/{f}: {'OK' if ok else 'FAIL'}")
        if not ok:
            print(r.stderr[-3000:])
        results.append({"name": f"fuzz-run-{module}-{name}", "result": "OK" if ok else "FAIL"})
with open(out, "w") as fh:
    for r in results:
        fh.write(json.dumps(r) + "\n")
