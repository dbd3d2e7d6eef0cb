#!/bin/sh
# cli_index.sh - `signpost index` as a user runs it: --help, usage errors
# (exit 2), importing a folder with one broken file (exit 0, summary line),
# nothing readable (exit 1), no store and no files (exit 1).
# usage: cli_index.sh SIGNPOST_BINARY
set -u
bin=$1
data=${SIGNPOST_SOURCE:-.}/tests/indexer/data
tmp=$(mktemp -d /tmp/signpost-cli-index-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect CODE DESCRIPTION -- command...
    want=$1; what=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL $what: exit $got, wanted $want"; cat "$tmp/err"; fail=1
    fi
}
expect 0 help -- "$bin" index --help
grep -q '^usage: signpost index --store DIR' "$tmp/out" || { echo "FAIL help text"; fail=1; }
expect 2 "no store" -- "$bin" index "$data/services.ndjson"
expect 2 "unknown option" -- "$bin" index --store "$tmp/s" --bogus
expect 0 "import folder" -- "$bin" index --store "$tmp/s" "$data"
grep -q '^indexed 12 services from 4 files (1 failed) in [0-9.]* s' "$tmp/err" ||
    { echo "FAIL summary line:"; cat "$tmp/err"; fail=1; }
grep -q 'broken.json' "$tmp/err" || { echo "FAIL broken file not named"; fail=1; }
[ -d "$tmp/s/index" ] || { echo "FAIL no index folder"; fail=1; }
expect 0 "re-import" -- "$bin" index --store "$tmp/s" --quiet "$data/services.ndjson"
[ -s "$tmp/err" ] && { echo "FAIL --quiet printed:"; cat "$tmp/err"; fail=1; }
expect 1 "nothing readable" -- "$bin" index --store "$tmp/s" "$data/import/broken.json"
expect 1 "no crawl store" -- "$bin" index --store "$tmp/empty"
grep -q "signpost crawl" "$tmp/err" || { echo "FAIL no-store message"; fail=1; }
[ $fail = 0 ] && echo "cli_index: all passed"
exit $fail
