#!/usr/bin/env bash
# bench/crawl.sh - the crawler benchmark, with wget2 as the peer, on two
# local sites served by the crawler tests' fixture server on loopback:
#
#   one host:    a 10,000-page site (100 sections x 100 pages) on 127.0.0.1;
#   many hosts:  the same number of pages spread over HOSTS sites, one per
#                loopback address (127.0.0.2, 127.0.0.3, ...), one source each.
#
# For each: `signpost crawl --no-delay` (one connection per host, hosts in
# parallel) against `wget2 --max-threads=1` and wget2's default 5 threads;
# it prints pages/s and pages per CPU-second of each and the ratios.  Then
# it recrawls the unchanged one-host site (signpost --force: conditional
# GETs; wget2 -N: timestamping) and prints the CPU seconds of each and the
# bytes transferred.  Not a test: it prints figures.
#
#   bench/crawl.sh [PAGES] [HOSTS]      default 10000 pages, 8 hosts
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pages=${1:-10000}
hosts=${2:-8}
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

gen_site() { # dir pages
python3 - "$1" "$2" <<'PY'
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
print(f"site {root}: {made} pages", file=sys.stderr)
PY
}

fpids=()
trap 'for p in "${fpids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
start_fixture() { # dir addr -> sets fbase to the server's base URL
  local f=$out/fixture-$2.out
  build-bench/tests/crawler/crawler_fixture "$1" --addr "$2" >"$f" 2>/dev/null &
  fpids+=($!)
  for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
  fbase="http://$2:$(head -1 "$f")/"
}

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$out/time" "$@" >/dev/null 2>"$out/$label.err" || true
  # The last line: time puts "Command exited with non-zero status N" first
  # (wget2 exits 8 when a server answered an error, e.g. 404 for robots.txt).
  read -r wall user sys < <(tail -1 "$out/time")
  echo "$wall $user $sys"
}

report() { # title, then name pages wall user sys, repeated
  python3 - "$@" <<'PY'
import sys
a = sys.argv[1:]
print(a[0])
rows = [a[i:i + 5] for i in range(1, len(a), 5)]
print(f"  {'crawler':40} {'pages':>7} {'wall s':>8} {'CPU s':>7} {'pages/s':>9} {'pages/CPU s':>12}")
rate, eff = {}, {}
for name, n, w, u, s in rows:
    n, w, cpu = int(n), float(w), float(u) + float(s)
    rate[name] = n / w if w else 0
    eff[name] = n / cpu if cpu else 0
    print(f"  {name:40} {n:7d} {w:8.2f} {cpu:7.2f} {rate[name]:9.0f} {eff[name]:12.0f}")
s, w1, w5 = rows[0][0], rows[1][0], rows[2][0]
print(f"  signpost / wget2 1 thread: {rate[s] / rate[w1]:.2f}x pages/s, "
      f"{eff[s] / eff[w1]:.2f}x pages per CPU-s; signpost / wget2 5 threads: "
      f"{rate[s] / rate[w5]:.2f}x pages/s, {eff[s] / eff[w5]:.2f}x pages per CPU-s")
PY
}

# ---- one host ------------------------------------------------------------------
gen_site "$out/site" "$pages"
start_fixture "$out/site" 127.0.0.1
base=$fbase
cat >"$out/sources.conf" <<CONF
[source bench]
url = $base
kind = html
pages = $((pages * 2))
depth = 3
interval = 1d
allow_private = 127.0.0.1/32
CONF

read -r w1 u1 s1 < <(measure signpost build-bench/signpost crawl --sources "$out/sources.conf" \
  --store "$out/store" --once --no-delay --quiet)
docs1=$(sqlite3 "$out/store/crawl.db" "SELECT count(*) FROM documents")
read -r w2 u2 s2 < <(measure wget2 wget2 --recursive --level=3 --no-parent --quiet \
  --max-threads=1 -P "$out/wget2-1" "$base")
got2=$(find "$out/wget2-1" -type f | wc -l)
read -r w3 u3 s3 < <(measure wget2-5 wget2 --recursive --level=3 --no-parent --quiet \
  -P "$out/wget2-5" "$base")
got3=$(find "$out/wget2-5" -type f | wc -l)
report "one host ($base):" \
  "signpost crawl (1 connection)" "$docs1" "$w1" "$u1" "$s1" \
  "wget2 --max-threads=1" "$got2" "$w2" "$u2" "$s2" \
  "wget2 (5 threads, default)" "$got3" "$w3" "$u3" "$s3"

# Recrawl of the unchanged site: conditional GETs should make it cheap.
before=$(sqlite3 "$out/store/crawl.db" "SELECT coalesce(max(id),0) FROM fetch_log")
read -r w4 u4 s4 < <(measure recrawl build-bench/signpost crawl --sources "$out/sources.conf" \
  --store "$out/store" --once --force --no-delay --quiet)
docs2=$(sqlite3 "$out/store/crawl.db" "SELECT count(*) FROM documents")
# wget2 -N: If-Modified-Since against the files it saved (one thread).
read -r w5 u5 s5 < <(measure wget2-N wget2 --recursive --level=3 --no-parent --quiet -N \
  --max-threads=1 -P "$out/wget2-1" "$base")
sqlite3 -separator ' ' "$out/store/crawl.db" \
  "SELECT count(*), coalesce(sum(bytes),0), sum(status=304) FROM fetch_log WHERE id > $before" |
  { read -r reqs bytes n304
    echo "unchanged recrawl: signpost $reqs requests, $n304 answered 304, $bytes body bytes," \
         "$((docs2 - docs1)) new documents, ${w4}s wall"; }
python3 - "$u4" "$s4" "$u5" "$s5" "$w4" "$w5" <<'PY'
import sys
u4, s4, u5, s5, w4, w5 = map(float, sys.argv[1:])
c4, c5 = u4 + s4, u5 + s5
print(f"  CPU s: signpost --force {c4:.2f} ({w4:.2f} s wall), wget2 -N (1 thread) {c5:.2f} "
      f"({w5:.2f} s wall); signpost / wget2 -N: {c4 / c5 if c5 else 0:.2f}x the CPU")
PY

# ---- many hosts ----------------------------------------------------------------
per=$(( (pages + hosts - 1) / hosts ))
: >"$out/sources-many.conf"
urls=()
for i in $(seq 1 "$hosts"); do
  addr=127.0.0.$((i + 1))
  gen_site "$out/site-$addr" "$per"
  start_fixture "$out/site-$addr" "$addr"
  b=$fbase
  urls+=("$b")
  cat >>"$out/sources-many.conf" <<CONF
[source h$i]
url = $b
kind = html
pages = $((per * 2))
depth = 3
interval = 1d
allow_private = $addr/32

CONF
done
read -r m1 mu1 ms1 < <(measure signpost-many build-bench/signpost crawl \
  --sources "$out/sources-many.conf" --store "$out/store-many" --once --no-delay --quiet)
mdocs=$(sqlite3 "$out/store-many/crawl.db" "SELECT count(*) FROM documents")
read -r m2 mu2 ms2 < <(measure wget2-many wget2 --recursive --level=3 --no-parent --quiet \
  --max-threads=1 -P "$out/wget2-many-1" "${urls[@]}")
mgot2=$(find "$out/wget2-many-1" -type f | wc -l)
read -r m3 mu3 ms3 < <(measure wget2-many-5 wget2 --recursive --level=3 --no-parent --quiet \
  -P "$out/wget2-many-5" "${urls[@]}")
mgot3=$(find "$out/wget2-many-5" -type f | wc -l)
report "$hosts hosts (127.0.0.2-$((hosts + 1))), $per pages each:" \
  "signpost crawl (1 connection/host)" "$mdocs" "$m1" "$mu1" "$ms1" \
  "wget2 --max-threads=1" "$mgot2" "$m2" "$mu2" "$ms2" \
  "wget2 (5 threads, default)" "$mgot3" "$m3" "$mu3" "$ms3"
