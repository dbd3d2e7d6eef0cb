#!/usr/bin/env bash
# tools/deps.sh - install what Signpost needs to build, run and test, from
# Debian's packages (and npm for the browser tests).  Safe to run again: it
# installs only what is missing.  Usage: tools/deps.sh [--test] [--bench]
# (--bench: nginx and wrk for bench/replicas.sh; no test needs them)
set -euo pipefail

build_pkgs=(meson ninja-build pkg-config gcc g++ libxapian-dev libmicrohttpd-dev
  libcurl4-openssl-dev libxml2-dev libjansson-dev libsqlite3-dev zlib1g-dev libsodium-dev
  python3 xapian-tools libmimalloc-dev)
# fonts-lohit-beng-bengali: Chromium draws the language picker's "বাংলা" (and the
# Bengali pages) in the journeys and the README's screenshots instead of empty boxes.
test_pkgs=(clang libclang-rt-14-dev python3-jsonschema chromium nodejs npm prometheus
  debhelper dpkg-dev git gettext fonts-lohit-beng-bengali)

bench_pkgs=(nginx wrk)
want=("${build_pkgs[@]}")
for arg in "$@"; do
  case $arg in
    --test) want+=("${test_pkgs[@]}") ;;
    --bench) want+=("${bench_pkgs[@]}") ;;
    *) echo "usage: tools/deps.sh [--test] [--bench]" >&2; exit 2 ;;
  esac
done

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
  # Another apt or dpkg (unattended-upgrades, a first-boot job) may hold the
  # lock: wait for it rather than fail, up to DEPS_LOCK_TIMEOUT seconds.
  wait_s=${DEPS_LOCK_TIMEOUT:-900}
  apt_opts=(-o "DPkg::Lock::Timeout=$wait_s" -o "Acquire::Retries=3")
  if ! $SUDO apt-get "${apt_opts[@]}" update -qq ||
     ! $SUDO apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends \
         "${missing[@]}" >/dev/null; then
    echo "deps: apt-get could not install ${missing[*]}" >&2
    echo "deps: if another package manager held the lock for over ${wait_s}s, wait for it" \
      "to finish (or raise DEPS_LOCK_TIMEOUT) and run this again" >&2
    exit 1
  fi
fi
