#!/usr/bin/env bash
# bench/crawl.sh - the crawler benchmark: a 10,000-page local site (generated,
# 100 sections x 100 pages, served by the crawler tests' fixture server on
# loopback) crawled by `signpost crawl --no-delay` and by `wget2 --recursive`
# in the same run; prints pages/s and CPU seconds of each and their ratio,
# then recrawls the unchanged site and prints the bytes transferred and the
# documents written.  Not a test: it prints figures.
#
#   bench/crawl.sh [PAGES]      default 10000
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pages=${1:-10000}
out=${BENCH_OUT:-$root/bench/out}/crawl
rm -rf "$out"; mkdir -p "$out"

tools/deps.sh >/dev/null
command -v wget2 >/dev/null || apt-get install -y -qq wget2 >/dev/null 2>&1 || true
if [ -d build-bench/meson-private ]; then
  meson setup --reconfigure build-bench -Dbuildtype=release >/dev/null
else
  meson setup build-bench -Dbuildtype=release >/dev/null
fi
ninja -C build-bench signpost tests/crawler/crawler_fixture >/dev/null

python3 - "$out/site" "$pages" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
sections = max(1, int(n ** 0.5))
per = (n + sections - 1) // sections
os.makedirs(root, exist_ok=True)
filler = ("<p>Free help with CVs, interviews and job applications for people in London. "
          "Drop in to our job club on Tuesdays, or book a session with an adviser.</p>\n") * 12
def page(title, links):
    items = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in links)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head>"
            f"<body><main><h1>{title}</h1>{filler}<ul>{items}</ul></main></body></html>\n")
with open(os.path.join(root, "index.html"), "w") as f:
    f.write(page("Bench site", [(f"/s{i}/", f"Section {i}") for i in range(sections)]))
made = 1
for i in range(sections):
    d = os.path.join(root, f"s{i}")
    os.makedirs(d, exist_ok=True)
    kids = [j for j in range(per) if made + j < n]
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write(page(f"Section {i}", [(f"/s{i}/p{j}.html", f"Page {j}") for j in kids] + [("/", "Home")]))
    made += 1
    for j in kids:
        if made >= n:
            break
        with open(os.path.join(d, f"p{j}.html"), "w") as f:
            f.write(page(f"Service {i}.{j}", [(f"/s{i}/", "Back"), ("/", "Home")]))
        made += 1
print(f"site: {made} pages")
PY

build-bench/tests/crawler/crawler_fixture "$out/site" >"$out/fixture.out" 2>/dev/null &
fpid=$!
trap 'kill $fpid 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$out/fixture.out" ] && break; sleep 0.1; done
port=$(head -1 "$out/fixture.out")
base="http://127.0.0.1:$port/"

cat >"$out/sources.conf" <<CONF
[source bench]
url = $base
kind = html
pages = $((pages * 2))
depth = 3
interval = 1d
allow_private = 127.0.0.1/32
CONF

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$out/time" "$@" >/dev/null 2>"$out/$label.err" || true
  read -r wall user sys <"$out/time"
  echo "$wall $user $sys"
}

read -r w1 u1 s1 < <(measure signpost build-bench/signpost crawl --sources "$out/sources.conf" \
  --store "$out/store" --once --no-delay --quiet)
docs1=$(sqlite3 "$out/store/crawl.db" "SELECT count(*) FROM documents")
read -r w2 u2 s2 < <(measure wget2 wget2 --recursive --level=3 --no-parent --quiet \
  --max-threads=1 -P "$out/wget2-1" "$base")
got2=$(find "$out/wget2-1" -type f | wc -l)
read -r w3 u3 s3 < <(measure wget2-5 wget2 --recursive --level=3 --no-parent --quiet \
  -P "$out/wget2-5" "$base")
got3=$(find "$out/wget2-5" -type f | wc -l)

python3 - "$docs1" "$w1" "$u1" "$s1" "$got2" "$w2" "$u2" "$s2" "$got3" "$w3" "$u3" "$s3" <<'PY'
import sys
a = sys.argv[1:]
rows = [("signpost crawl (1 connection/host)", *a[0:4]), ("wget2 --max-threads=1", *a[4:8]),
        ("wget2 (5 threads, default)", *a[8:12])]
print(f"{'crawler':38} {'pages':>7} {'wall s':>8} {'CPU s':>7} {'pages/s':>9} {'pages/CPU s':>12}")
rate = {}
for name, n, w, u, s in rows:
    n, w, cpu = int(n), float(w), float(u) + float(s)
    rate[name] = n / w if w else 0
    print(f"{name:38} {n:7d} {w:8.2f} {cpu:7.2f} {n / w if w else 0:9.0f} {n / cpu if cpu else 0:12.0f}")
s = rate[rows[0][0]]
print(f"ratio signpost / wget2 (1 thread): {s / rate[rows[1][0]]:.2f}x pages/s; "
      f"signpost / wget2 (5 threads): {s / rate[rows[2][0]]:.2f}x")
PY

# Recrawl of the unchanged site: conditional GETs should make it cheap.
before=$(sqlite3 "$out/store/crawl.db" "SELECT coalesce(max(id),0) FROM fetch_log")
read -r w4 u4 s4 < <(measure recrawl build-bench/signpost crawl --sources "$out/sources.conf" \
  --store "$out/store" --once --force --no-delay --quiet)
docs2=$(sqlite3 "$out/store/crawl.db" "SELECT count(*) FROM documents")
sqlite3 -separator ' ' "$out/store/crawl.db" \
  "SELECT count(*), coalesce(sum(bytes),0), sum(status=304) FROM fetch_log WHERE id > $before" |
  { read -r reqs bytes n304
    echo "recrawl of the unchanged site: $reqs requests, $n304 answered 304, $bytes body bytes transferred," \
         "$((docs2 - docs1)) new documents written, ${w4}s wall"; }
