#!/usr/bin/env python3
"""serve_cli.py - `signpost serve` as a user runs it: --help, usage errors,
start on 127.0.0.1 port 0 (the bound port is read from the "listening on
port N" line on stderr), answer requests, keep query strings out of the
access log, and stop cleanly (exit 0) on SIGTERM and on SIGINT.

usage: serve_cli.py PATH/TO/signpost
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def get(port, target):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{target}", timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def serve(exe, store, sig):
    p = subprocess.Popen([exe, "serve", "--store", store, "--listen", "127.0.0.1:0"],
                         stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        m = re.search(r"listening on port (\d+)", line)
        if m:
            port = int(m.group(1))
            break
    check(port, "serve printed its port")
    if not port:
        p.kill()
        return
    secret = "confidentialword"
    st, body = get(port, f"/api/v1/search?q={secret}&age=47&near=E8+1DY")
    check(st == 503, f"search with no index: {st}")
    check(json.loads(body)["error"]["code"] == "index_unavailable", "503 body")
    st, body = get(port, "/api/v1/search?per_page=1000")
    check(st == 400, f"bad parameter through the binary: {st}")
    st, _ = get(port, "/healthz")
    check(st == 503, f"healthz with no index: {st}")
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        check(False, f"serve did not stop on signal {sig}")
    check(p.returncode == 0, f"exit status after signal {sig}: {p.returncode}")
    check("/api/v1/search" in err, "the access log has the path")
    check(secret not in err and "age=47" not in err and "E8" not in err,
          "the access log must not have query strings:\n" + err)


def main():
    exe = sys.argv[1]
    r = subprocess.run([exe, "serve", "--help"], capture_output=True, text=True)
    check(r.returncode == 0 and "--store" in r.stdout and "--listen" in r.stdout,
          "serve --help")
    r = subprocess.run([exe, "serve"], capture_output=True, text=True)
    check(r.returncode == 2 and "--store" in r.stderr, "serve without --store is a usage error")
    r = subprocess.run([exe, "serve", "--bogus"], capture_output=True, text=True)
    check(r.returncode == 2, "unknown option is a usage error")
    with tempfile.TemporaryDirectory() as store:
        r = subprocess.run([exe, "serve", "--store", store, "--listen", "nonsense"],
                           capture_output=True, text=True)
        check(r.returncode == 1 and "--listen" in r.stderr, "bad --listen")
        serve(exe, store, signal.SIGTERM)
        serve(exe, store, signal.SIGINT)
    print(f"serve_cli: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
