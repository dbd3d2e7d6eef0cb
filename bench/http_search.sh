#!/usr/bin/env bash
# bench/http_search.sh - the default search over HTTP: `signpost serve` on a
# store, wrk with 1 connection on /api/v1/search (browse: 10 folded hits and
# facets, what the portal's first page asks), ?q=cv, ?q=cv&per_page=1 and the
# portal's own page (/ and /?q=cv, HTML from brief hits),
# printing p50/p99 and requests/s of each.  A figure, not a test.
#
#   bench/http_search.sh STORE [SIGNPOST] [SECONDS]
#     STORE     a store with an index (e.g. `signpost index --store S data/sample/sources`)
#     SIGNPOST  the binary (default build-bench/signpost); SECONDS per URL (default 10)
set -euo pipefail
store=$1
bin=${2:-build-bench/signpost}
secs=${3:-10}
command -v wrk >/dev/null || { echo "skipped: no wrk"; exit 0; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --store "$store" --listen "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
for path in "/api/v1/search" "/api/v1/search?q=cv" "/api/v1/search?q=cv&per_page=1" "/" "/?q=cv"; do
  curl -fs "http://127.0.0.1:$port$path" >/dev/null # the first search builds the facet table
  out=$(wrk -t1 -c1 -d"${secs}s" --latency "http://127.0.0.1:$port$path")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  echo "$path: p50 $p50 p99 $p99 $rps req/s (1 connection, ${secs} s)"
done
