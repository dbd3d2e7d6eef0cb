#!/usr/bin/env bash
# bench/http_mix.sh - searches per second per core over HTTP: `signpost
# serve --threads 1` pinned to one core (taskset), wrk on another core with
# bench/querymix.lua (the API's query mix) or the portal's pages (PATH
# given), and the server's own CPU time over the run, so that the figure
# holds on a shared machine too: requests / server CPU-seconds is what one
# core would answer if it had nothing else to do.  A figure, not a test.
#
#   bench/http_mix.sh STORE [SIGNPOST] [SECONDS] [CONNECTIONS] [PATH]
#     STORE        a store with an index (bench/run.sh makes bench/out/store-N)
#     SIGNPOST     the binary (default build-bench/signpost)
#     SECONDS      of load (default 10); CONNECTIONS (default 8)
#     PATH         one URL path instead of the query mix (e.g. "/?q=cv")
# Needs 2 cores or more (server on the last core, wrk on the others).
set -euo pipefail
cd "$(dirname "$0")/.."
store=$1
bin=${2:-build-bench/signpost}
secs=${3:-10}
conns=${4:-8}
path=${5:-}
command -v wrk >/dev/null || { echo "skipped: no wrk"; exit 0; }
cores=$(nproc)
[ "$cores" -ge 2 ] || { echo "skipped: needs 2 cores"; exit 0; }
srv_cpu=$((cores - 1))
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
taskset -c "$srv_cpu" "$bin" serve --store "$store" --listen "127.0.0.1:$port" --threads 1 \
  2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
# The first search builds the facet table; a warm-up pass reads the index
# into the page cache.
script=()
if [ -z "$path" ]; then
  script=(-s bench/querymix.lua)
  curl -fs "http://127.0.0.1:$port/api/v1/search" >/dev/null
  taskset -c "0-$((srv_cpu - 1))" wrk -t1 -c1 -d3s "${script[@]}" "http://127.0.0.1:$port" >/dev/null
fi
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; } # utime + stime, clock ticks
tick=$(getconf CLK_TCK)
c0=$(cpu)
out=$(taskset -c "0-$((srv_cpu - 1))" wrk -t1 -c"$conns" -d"${secs}s" --latency "${script[@]}" \
  "http://127.0.0.1:$port${path}")
c1=$(cpu)
p50=$(awk '$1=="50%"{print $2}' <<<"$out")
p99=$(awk '$1=="99%"{print $2}' <<<"$out")
n=$(awk '/requests in/{print $1}' <<<"$out")
rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
bad=$(awk '/Non-2xx/{print $NF}' <<<"$out")
cpus=$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b - a) / t}')
awk -v n="$n" -v c="$cpus" -v s="$secs" -v r="$rps" -v p="$p50" -v q="$p99" -v k="$conns" \
  -v u="${path:-query mix}" -v bad="${bad:-0}" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{
  printf "%s: %d connections, server on 1 core: %.0f req/s wall, p50 %s p99 %s; server CPU %.2f s of %d s = %.0f%% of its core -> %.0f req per CPU-second (non-2xx %s, load %s)\n",
    u, k, r, p, q, c, s, 100 * c / s, (c > 0 ? n / c : 0), bad, l }'
