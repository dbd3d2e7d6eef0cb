#!/usr/bin/env bash
# tools/run.sh - the README's run command: installs what is missing, builds
# Signpost, then crawls the bundled sample sources (served over HTTP on
# loopback), indexes them and serves the portal and API on
# http://127.0.0.1:8080 until Ctrl-C.  Extra arguments go to `signpost run`.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/deps.sh
if [ -d build/meson-private ]; then
  meson setup --reconfigure build -Dbuildtype=release >/dev/null
else
  meson setup build -Dbuildtype=release >/dev/null
fi
ninja -C build >/dev/null
exec ./build/signpost run --store "${SIGNPOST_STORE:-store}" --listen 127.0.0.1:8080 "$@"
