#!/usr/bin/env python3
"""same_answers.py - the answers of a fixed set of requests over every
endpoint (same_answers.txt) stay what same_answers.golden says: index the
sample, start `signpost serve --hub-public`, send each request and compare
what it answered with the line recorded for it.

What is compared is what a user relies on, not every byte (other changes
may reword a page or add a facet): the status; for an error, its code and
message (a bad parameter's 400 names the parameter); for JSON, the counts
(total, evaluated, counts, total_items) and the ids in the order they come;
for a page, the ids it links to, its data-* counts, its result count and,
when it is not a 200, its message; for anything else, the ids.

usage: same_answers.py SIGNPOST [--record] [--full DIR]
  --record   rewrite same_answers.golden from this build's answers
  --full DIR also write each whole answer to DIR (for a byte-for-byte diff
             between two builds over the same store: SIGNPOST_WEB_STORE)
"""
import html
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import spe2e as e  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REQUESTS = os.path.join(HERE, "same_answers.txt")
GOLDEN = os.path.join(HERE, "same_answers.golden")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def requests():
    out = []
    for line in open(REQUESTS, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        status_only = line.endswith(" #status")
        out.append((line[: -len(" #status")] if status_only else line, status_only))
    return out


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def ids(text):
    seen = []
    for m in UUID.findall(text):
        if not seen or seen[-1] != m:
            seen.append(m)
    return seen


def fingerprint(status, ctype, body, status_only):
    fp = {"status": status}
    if status_only:
        return fp
    text = body.decode("utf-8", "replace")
    if "json" in ctype and "ndjson" not in ctype:
        try:
            j = json.loads(text)
        except ValueError:
            fp["json"] = "invalid"
            return fp
        if isinstance(j, dict) and isinstance(j.get("error"), dict):
            fp["error"] = [j["error"].get("code"), j["error"].get("message")]
            return fp
        if isinstance(j, dict):
            for k in ("total", "evaluated", "counts", "total_items", "report"):
                if k in j:
                    fp[k] = j[k]
            if isinstance(j.get("rows"), list):
                fp["rows"] = len(j["rows"])
        fp["ids"] = ids(text)
    elif "html" in ctype:
        fp["ids"] = ids(text)
        fp["data"] = re.findall(r'data-(?:total|eligible|check|not-eligible|closed|page|pages|'
                                r'per-page|outcome)="[^"]*"', text)
        m = re.search(r'<h2 id="count">(.*?)</h2>', text, re.S)
        if m:
            fp["count"] = re.findall(r"\d+", m.group(1))[:1]
        m = re.search(r'<p class="notice[^"]*"[^>]*>(.*?)</p>', text, re.S)
        if m:
            fp["notice"] = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
        if status != 200:
            m = re.search(r"<main[^>]*>(.*?)</main>", text, re.S)
            words = m.group(1) if m else text
            fp["message"] = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", words)).split())
    else:
        fp["ctype"] = ctype.split(";")[0]
        fp["ids"] = ids(text)
    return fp


def main():
    args = sys.argv[2:]
    record = "--record" in args
    full = args[args.index("--full") + 1] if "--full" in args else None
    tmp = None
    store = os.environ.get("SIGNPOST_WEB_STORE")
    if not store:
        tmp = e.tempdir()
        store = os.path.join(tmp, "store")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store, e.SAMPLE],
                           capture_output=True, text=True)
        if not e.check(r.returncode == 0, f"signpost index exits 0 ({r.stderr[-300:]})"):
            e.finish("searchd_same_answers")
    port = e.free_port()
    base = f"http://127.0.0.1:{port}"
    got = []
    try:
        with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--web",
                     os.path.join(e.SOURCE, "web"), "--hub-public"]) as srv:
            if e.wait_for(base) is None:
                e.check(False, "searchd answers /healthz")
                print(srv.stop()[1])
                e.finish("searchd_same_answers")
            for i, (path, status_only) in enumerate(requests()):
                st, ctype, body = fetch(base, path)
                fp = fingerprint(st, ctype, body, status_only)
                if "sort=updated" in path and "ids" in fp:
                    # Records updated in the same second tie, and a fresh
                    # crawl of the sample fetches its hosts in parallel, so
                    # which of them lands on a page varies between stores:
                    # keep the order's rule, not the ids.
                    res = json.loads(body).get("results", [])
                    upd = [r.get("updated") or "" for r in res]
                    fp["ids"] = len(fp["ids"])
                    fp["newest_first"] = upd == sorted(upd, reverse=True)
                got.append({"request": path, **fp})
                if full:
                    os.makedirs(full, exist_ok=True)
                    with open(os.path.join(full, f"{i:03d}"), "wb") as f:
                        f.write(f"{path}\n{st} {ctype}\n\n".encode() + body)
    finally:
        if tmp:
            e.rmtree(tmp)
    if record:
        with open(GOLDEN, "w", encoding="utf-8") as f:
            for g in got:
                f.write(json.dumps(g, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"recorded {len(got)} answers in {GOLDEN}")
        return
    want = [json.loads(line) for line in open(GOLDEN, encoding="utf-8")]
    e.check(len(want) == len(got), f"{len(got)} requests, {len(want)} recorded answers")
    by_req = {w["request"]: w for w in want}
    for g in got:
        w = by_req.get(g["request"])
        e.check(w == g, f"{g['request'][:120]}: answered\n  {json.dumps(g, sort_keys=True)[:600]}\n"
                        f"  recorded\n  {json.dumps(w, sort_keys=True)[:600]}")
    e.finish("searchd_same_answers")


if __name__ == "__main__":
    main()
