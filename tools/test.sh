#!/usr/bin/env bash
# tools/test.sh - the README's test command: installs what the tests need,
# builds Signpost with AddressSanitizer + UndefinedBehaviorSanitizer and
# warnings as errors, runs every test, builds the libFuzzer targets with
# clang and runs each one briefly, and ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tools/deps.sh --test

# Browser tests (portal) need playwright-core and axe-core from npm.
if [ -f tests/web/package.json ]; then
  (cd tests/web && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; })
fi

logs=()
status=0

# A build that fails does not stop the script: its tests are counted as
# failed (the summary counts a missing log as a failure), the other parts
# still run, and the last line is still "N passed, N failed".
build() { # dir, then meson options
  local dir=$1; shift
  rm -f "$dir/meson-logs/testlog.json" "$dir/fuzz-runs.json"
  if [ -d "$dir/meson-private" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" "$@" >/dev/null || return 1
  fi
  ninja -C "$dir" || { echo "== $dir did not build"; return 1; }
}

echo "== build with ASan + UBSan (build-test/)"
if build build-test -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
  -Dbuildtype=debugoptimized; then
  echo "== tests"
  meson test -C build-test --print-errorlogs --num-processes 2 --timeout-multiplier 3 || status=1
else
  status=1
fi
logs+=(build-test/meson-logs/testlog.json)

if command -v clang >/dev/null; then
  echo "== libFuzzer targets (build-fuzz/, clang)"
  if CC=clang CXX=clang++ build build-fuzz -Dfuzz=true -Db_lundef=false -Dwerror=true \
    -Dbuildtype=debugoptimized; then
    meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2 || status=1
    # Every other libFuzzer target runs briefly over its seeds too.
    python3 tools/fuzz_all.py build-fuzz build-fuzz/fuzz-runs.json || status=1
  else
    status=1
  fi
  logs+=(build-fuzz/meson-logs/testlog.json)
  logs+=(build-fuzz/fuzz-runs.json)
fi

python3 "$root/tools/test_summary.py" "${logs[@]}" || status=1
exit $status
