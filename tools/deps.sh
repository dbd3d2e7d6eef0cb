#!/usr/bin/env bash
# tools/deps.sh - install what Signpost needs to build, run and test, from
# Debian's packages (and npm for the browser tests).  Safe to run again: it
# installs only what is missing.  Usage: tools/deps.sh [--test]
set -euo pipefail

build_pkgs=(meson ninja-build pkg-config gcc g++ libxapian-dev libmicrohttpd-dev
  libcurl4-openssl-dev libxml2-dev libjansson-dev libsqlite3-dev zlib1g-dev python3)
test_pkgs=(clang libclang-rt-14-dev python3-jsonschema chromium nodejs npm prometheus)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (a machine image's own).
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do case $p in nodejs|npm) ;; *) tmp+=("$p");; esac; done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
