#!/usr/bin/env bash
# bench/replica_lag.sh - replication lag at a given index size, on loopback:
# index N synthetic records (bench/gen_synthetic.py), serve them with
# --replication-listen, start a replica from nothing (prints the time to a
# full copy), then commit one new record with `signpost index` three times
# and print, each time, the seconds from the record being searchable on the
# writer (its commit, seen by the writer's searchd) to its being searchable
# on the replica (the lag), and how long that `signpost index` ran.  Not a
# test: figures.
#
#   bench/replica_lag.sh 100000        (default 10000)
#   SIGNPOST_BIN=build-test/signpost bench/replica_lag.sh 10000
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-10000}
command -v xapian-replicate >/dev/null || { echo "skipped: xapian-tools not installed"; exit 0; }
bin=${SIGNPOST_BIN:-$root/build-bench/signpost}
if [ ! -x "$bin" ]; then
  [ -d build-bench/meson-private ] || meson setup build-bench -Dbuildtype=release >/dev/null
  ninja -C build-bench signpost >/dev/null
fi
data=$root/bench/out/synthetic-$n.ndjson
mkdir -p bench/out
[ -f "$data" ] || python3 bench/gen_synthetic.py --count "$n" --out "$data"
tmp=$(mktemp -d /tmp/signpost-lag.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
now() { python3 -c 'import time;print(f"{time.time():.3f}")'; }
# curl and grep, not a Python per poll: its start-up would be the figure.
docs() { curl -s "127.0.0.1:$1/healthz" | grep -o '"documents":[0-9]*' | cut -d: -f2 || echo 0; }
hits() { curl -s "127.0.0.1:$1/api/v1/search?q=$2&per_page=1" | grep -o '"total":[0-9]*' | cut -d: -f2 || echo 0; }

# signpost index takes files of up to 32 MB: bigger sets go in 10,000-line
# parts.
src=$data
if [ "$(stat -c %s "$data")" -gt 30000000 ]; then
  mkdir -p "$tmp/parts"
  split -l 10000 -d --additional-suffix=.ndjson "$data" "$tmp/parts/part-"
  src=$tmp/parts
fi
t0=$(now)
"$bin" index --store "$tmp/w" --quiet "$src"
t1=$(now)
echo "indexed $n records in $(python3 -c "print(f'{$t1-$t0:.1f}')") s; index $(du -sh "$tmp/w/index" | cut -f1)"
rp=$(port); wp=$(port); p1=$(port)
"$bin" serve --store "$tmp/w" --listen "127.0.0.1:$wp" --replication-listen "127.0.0.1:$rp" --quiet 2>"$tmp/w.log" &
pids+=($!)
sleep 1
want=$(docs "$wp")
t0=$(now)
"$bin" serve --store "$tmp/r" --listen "127.0.0.1:$p1" --replica-of "127.0.0.1:$rp" --quiet 2>"$tmp/r.log" &
pids+=($!)
until [ "$(docs "$p1")" = "$want" ]; do sleep 0.1; done
t1=$(now)
echo "full copy to a new replica: $(python3 -c "print(f'{$t1-$t0:.2f}')") s ($want documents)"
for i in 1 2 3; do
  word=lagprobe$i$RANDOM
  id=$(python3 -c 'import uuid;print(uuid.uuid4())')
  head -1 "$data" | python3 -c "
import json,sys
r=json.loads(sys.stdin.readline()); r['id']='$id'; r['name']='Lag probe $word'
print(json.dumps(r))" >"$tmp/probe.ndjson"
  t0=$(now)
  ( "$bin" index --store "$tmp/w" --quiet "$tmp/probe.ndjson"; now >"$tmp/ix.done" ) &
  ix=$!
  tw=""
  while :; do
    [ -z "$tw" ] && [ "$(hits "$wp" "$word")" = 1 ] && tw=$(now)
    [ -n "$tw" ] && [ "$(hits "$p1" "$word")" = 1 ] && break
    sleep 0.05
  done
  tr=$(now)
  wait "$ix"
  td=$(cat "$tmp/ix.done")
  python3 -c "print(f'probe $i ($n records): signpost index ran {$td-$t0:.2f} s; searchable on the writer after {$tw-$t0:.2f} s, on the replica after {$tr-$t0:.2f} s: lag {$tr-$tw:.2f} s')"
done
