#!/usr/bin/env bash
# bench/run.sh - Signpost's search benchmark.  Builds a release binary,
# generates synthetic services (bench/gen_synthetic.py, deterministic) at
# each size, indexes them and runs the fixed query mix in-process
# (bench_search) and over HTTP (wrk against `signpost serve`), printing
# indexing docs/s and latency percentiles.  Not a test: it prints figures.
#
#   bench/run.sh [SIZE...]      sizes default to: 10000 100000
#   bench/run.sh 1000000        the 1M run (about 3 GB of NDJSON, minutes)
#   BENCH_REUSE=1 bench/run.sh 100000   query an index built by an earlier run
#                                       (bench/out/store-N) instead of rebuilding
#   BENCH_FTS5=1 bench/run.sh 100000    also the SQLite FTS5 peer (bench_fts5)
#   BENCH_FRESH=1 bench/run.sh 10000    also freshness (bench/freshness.py)
#   BENCH_JOBS=2 bench/run.sh 100000    index as `signpost index --rebuild` does:
#                                       2 worker threads, shards merged (idx_bulk_begin)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${BENCH_OUT:-$root/bench/out}
mkdir -p "$out"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

tools/deps.sh >/dev/null
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }
if [ -d build-bench/meson-private ]; then
  meson setup --reconfigure build-bench -Dbuildtype=release >/dev/null
else
  meson setup build-bench -Dbuildtype=release >/dev/null
fi
ninja -C build-bench signpost bench/bench_search >/dev/null
[ "${BENCH_FTS5:-0}" = 1 ] && ninja -C build-bench bench/bench_fts5 >/dev/null

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
for n in "${sizes[@]}"; do
  data=$out/synthetic-$n.ndjson
  store=$out/store-$n
  if [ ! -s "$data" ]; then
    python3 bench/gen_synthetic.py --count "$n" --dup-rate 0.05 --out "$data" \
      --truth "$out/truth-$n.ndjson" --quiet
  fi
  echo
  echo "== $n synthetic services"
  if [ "${BENCH_REUSE:-0}" = 1 ] && [ -d "$store/index" ]; then
    build-bench/bench/bench_search --index "$store/index" --queries 3000 --brief
  else
    rm -rf "$store"; mkdir -p "$store"
    /usr/bin/time -f "indexing+queries: %e s wall, %U s user, %S s sys, peak RSS %M KiB" \
      build-bench/bench/bench_search --index "$store/index" --load "$data" \
      ${BENCH_JOBS:+--jobs "$BENCH_JOBS"} --queries 3000 --brief
  fi
  du -sh "$store/index" | awk '{print "index size: " $1}'
  if [ "${BENCH_FTS5:-0}" = 1 ]; then
    echo "-- peer: SQLite FTS5, same text-only queries"
    build-bench/bench/bench_fts5 --load "$data" --db "$out/fts5-$n.sqlite" \
      --index "$store/index" --queries 1000
  fi

  if command -v wrk >/dev/null; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    build-bench/signpost serve --store "$store" --listen "127.0.0.1:$port" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
    # One connection: each request's own latency.  Sixteen: throughput,
    # where latency is mostly waiting for one of the cores.
    echo "-- over HTTP (wrk, 1 thread, 1 connection, 20 s, same query mix)"
    wrk -t1 -c1 -d20s --latency -s bench/querymix.lua "http://127.0.0.1:$port" |
      grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx' || true
    echo "-- over HTTP (wrk, 2 threads, 16 connections, 20 s, same query mix)"
    wrk -t2 -c16 -d20s --latency -s bench/querymix.lua "http://127.0.0.1:$port" |
      grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx' || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
  fi
  if [ "${BENCH_FRESH:-0}" = 1 ]; then
    echo "-- freshness (bench/freshness.py)"
    python3 bench/freshness.py --count "$n" --trials 7 --signpost build-bench/signpost --out "$out"
  fi
done
