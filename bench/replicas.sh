#!/usr/bin/env bash
# bench/replicas.sh - search throughput behind nginx with 1 and with 2 read
# replicas (docs/scale-out.md), all on loopback: a writer serves the index
# of the sample (or of bench/out/synthetic-N.ndjson with SIZE=N) over
# xapian-replicate-server, two `signpost serve --replica-of` follow it, and
# nginx balances over one replica, then over both.  wrk (CLIENTS keep-alive
# connections on 2 threads, SECS seconds) asks the query mix's words;
# prints requests/s and median latency for each, and the ratio.  Not a
# test: figures.
#
#   bench/replicas.sh                 the sample, 8 clients, 15 s
#   SIZE=100000 bench/replicas.sh     bench/gen_synthetic.py's records
#   CLIENTS=16 SECS=30 bench/replicas.sh
#
# Needs nginx and wrk (tools/deps.sh --bench); without them: "skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
for t in nginx wrk; do
  command -v $t >/dev/null || { echo "skipped: $t not installed (tools/deps.sh --bench)"; exit 0; }
done
command -v xapian-replicate >/dev/null || { echo "skipped: xapian-tools not installed"; exit 0; }
bin=${SIGNPOST_BIN:-$root/build-bench/signpost}
if [ ! -x "$bin" ]; then
  [ -d build-bench/meson-private ] || meson setup build-bench -Dbuildtype=release >/dev/null
  ninja -C build-bench signpost >/dev/null
fi
clients=${CLIENTS:-8}
secs=${SECS:-15}
tmp=$(mktemp -d /tmp/signpost-replicas.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

if [ -n "${SIZE:-}" ]; then
  data=$root/bench/out/synthetic-$SIZE.ndjson
  [ -f "$data" ] || python3 bench/gen_synthetic.py --count "$SIZE" --out "$data"
else
  data=$root/data/sample/sources
fi
"$bin" index --store "$tmp/w" --quiet "$data"
rp=$(port); wp=$(port); p1=$(port); p2=$(port); lb=$(port)
"$bin" serve --store "$tmp/w" --listen "127.0.0.1:$wp" --replication-listen "127.0.0.1:$rp" --quiet 2>"$tmp/w.log" &
pids+=($!)
for n in 1 2; do
  eval "p=\$p$n"
  "$bin" serve --store "$tmp/r$n" --listen "127.0.0.1:$p" --replica-of "127.0.0.1:$rp" --quiet 2>"$tmp/r$n.log" &
  pids+=($!)
done
docs() { curl -s "127.0.0.1:$1/healthz" | grep -o '"documents":[0-9]*' | cut -d: -f2 || echo 0; }
want=0
for _ in $(seq 100); do
  want=$(docs "$wp")
  [ "${want:-0}" != 0 ] && break
  sleep 0.2
done
for n in 1 2; do
  eval "p=\$p$n"
  for _ in $(seq 300); do
    got=$(docs "$p")
    [ "$got" = "$want" ] && [ "$got" != 0 ] && break
    sleep 1
  done
  echo "replica $n: $got documents (writer $want)"
done

run_lb() { # $1: upstream lines
  cat >"$tmp/nginx.conf" <<EOF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
  uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  upstream signpost { $1 keepalive 32; }
  server {
    listen 127.0.0.1:$lb;
    location / { proxy_pass http://signpost; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
  nginx -c "$tmp/nginx.conf" -p "$tmp"
  sleep 0.5
  # wrk: CLIENTS connections on 2 threads, the query mix's words in turn.
  cat >"$tmp/mix.lua" <<'EOF'
local words = {"cv", "english", "interview", "childcare", "debt", "digital+skills",
  "construction", "mentoring", "disability", "apprenticeship", "self-employment", "volunteering"}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/search?q=" .. words[n % #words + 1] .. "&per_page=10")
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout
  io.write(string.format("%.1f %d %.1f\n", summary.requests / (summary.duration / 1e6), errors,
    latency:percentile(50) / 1000))
end
EOF
  wrk -t2 -c"$clients" -d"${secs}s" -s "$tmp/mix.lua" "http://127.0.0.1:$lb/" | tail -1
  kill "$(cat "$tmp/nginx.pid")"; sleep 0.5
}

one=$(run_lb "server 127.0.0.1:$p1;")
two=$(run_lb "server 127.0.0.1:$p1; server 127.0.0.1:$p2;")
read -r r1 e1 l1 <<<"$one"
read -r r2 e2 l2 <<<"$two"
echo "1 replica:  $r1 req/s (median latency $l1 ms, errors $e1)"
echo "2 replicas: $r2 req/s (median latency $l2 ms, errors $e2)"
python3 -c "print(f'ratio 2/1: {float(\"$r2\") / float(\"$r1\"):.2f} ($(nproc) cores, $clients clients)')"
