#!/usr/bin/env bash
# bench/replicas.sh - search throughput behind nginx with 1 and with 2 read
# replicas (docs/scale-out.md), all on loopback: a writer serves the index
# of the sample (or of bench/out/synthetic-N.ndjson with SIZE=N) over
# xapian-replicate-server, two `signpost serve --replica-of` follow it, and
# nginx balances over one replica, then over both.  A client (Python, keep-
# alive connections, CLIENTS at once for SECS seconds) asks the query mix's
# words; prints requests/s for each and the ratio.  Not a test: figures.
#
#   bench/replicas.sh                 the sample, 8 clients, 15 s
#   SIZE=100000 bench/replicas.sh     bench/gen_synthetic.py's records
#   CLIENTS=16 SECS=30 bench/replicas.sh
#
# Needs nginx (apt-get install nginx-light); without it: "skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v nginx >/dev/null || { echo "skipped: nginx not installed (apt-get install nginx-light)"; exit 0; }
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
want=$(curl -s "127.0.0.1:$wp/healthz" | python3 -c 'import json,sys;print(json.load(sys.stdin)["documents"])' 2>/dev/null || echo 0)
for n in 1 2; do
  eval "p=\$p$n"
  for _ in $(seq 300); do
    got=$(curl -s "127.0.0.1:$p/healthz" | python3 -c 'import json,sys;print(json.load(sys.stdin)["documents"])' 2>/dev/null || echo 0)
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
  python3 - "$lb" "$clients" "$secs" <<'EOF'
import http.client, sys, threading, time
port, clients, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
words = ["cv", "english", "interview", "childcare", "debt", "digital skills", "construction",
         "mentoring", "disability", "apprenticeship", "self-employment", "volunteering"]
count, errors = [0] * clients, [0] * clients
end = time.time() + secs
def client(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    k = i
    while time.time() < end:
        w = words[k % len(words)].replace(" ", "+"); k += 1
        try:
            c.request("GET", f"/api/v1/search?q={w}&limit=10")
            r = c.getresponse(); r.read()
            if r.status == 200: count[i] += 1
            else: errors[i] += 1
        except Exception:
            errors[i] += 1
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
ts = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
[t.start() for t in ts]; [t.join() for t in ts]
print(f"{sum(count) / secs:.1f} {sum(errors)}")
EOF
  kill "$(cat "$tmp/nginx.pid")"; sleep 0.5
}

one=$(run_lb "server 127.0.0.1:$p1;")
two=$(run_lb "server 127.0.0.1:$p1; server 127.0.0.1:$p2;")
r1=${one% *}; r2=${two% *}
echo "1 replica:  $r1 req/s (errors ${one#* })"
echo "2 replicas: $r2 req/s (errors ${two#* })"
python3 -c "print(f'ratio 2/1: {float(\"$r2\") / float(\"$r1\"):.2f} ($(nproc) cores, $clients clients)')"
