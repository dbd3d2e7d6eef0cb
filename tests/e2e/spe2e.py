"""spe2e.py - helpers for Signpost's end-to-end tests: run the real
`signpost` binary on loopback and talk to it over HTTP (stdlib only)."""
import contextlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.error
import urllib.parse
import urllib.request

SIGNPOST = os.environ.get("SIGNPOST_BIN") or (sys.argv[1] if len(sys.argv) > 1 else "build/signpost")
SOURCE = os.environ.get("SIGNPOST_SOURCE", os.getcwd())
SAMPLE = os.path.join(SOURCE, "data", "sample", "sources")

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def finish(name):
    print(f"{name}: {checks - len(failures)}/{checks} checks passed", flush=True)
    sys.exit(1 if failures else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(base, path, params=None, timeout=30):
    """(status, parsed JSON or text) of GET base+path?params."""
    url = base + path
    if params:
        url += "?" + (params if isinstance(params, str) else urllib.parse.urlencode(params, doseq=True))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            status = r.status
            ctype = r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        body = e.read()
        status = e.code
        ctype = e.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode("utf-8", "replace")
    return status, body.decode("utf-8", "replace")


def wait_for(base, path="/healthz", timeout=60, cond=None):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            st, body = get(base, path, timeout=5)
            last = (st, body)
            if st == 200 and (cond is None or cond(body)):
                return body
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
            pass
        time.sleep(0.5)
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    """A test web server's request handler: reply() sends a whole answer;
    nothing is logged to stderr."""

    def reply(self, status, ctype=None, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def eventually(probe, timeout, every=1.0):
    """Call probe() every `every` seconds until it answers something true
    or `timeout` seconds have passed; its last answer."""
    end = time.time() + timeout
    while True:
        got = probe()
        if got or time.time() >= end:
            return got
        time.sleep(every)


class Proc:
    """A signpost subprocess, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, args, **kw):
        self.p = subprocess.Popen([SIGNPOST] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, **kw)
        # Read the output as it comes (the last 4 MB of it are kept): a
        # daemon whose pipe nobody reads blocks on its next log line once
        # the pipe's 64 KB are full.
        self.out = []
        self.out_len = 0
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for line in self.p.stdout:
            self.out.append(line)
            self.out_len += len(line)
            while self.out_len > 4 << 20 and len(self.out) > 1:
                self.out_len -= len(self.out.pop(0))

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.reader.join(10)
        return self.p.returncode, "".join(self.out)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()



def page_file(sites):
    """The first page of the first ORUK v3 source in a copy of the sample."""
    for name in sorted(os.listdir(sites)):
        p = os.path.join(sites, name, "services", "page-1.json")
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                if "contents" in json.load(f):
                    return p
    return None


def edit_page(path, fn):
    """Apply fn to the JSON document at path, as a provider edits its feed:
    written whole (rename), with a later mtime so ETag and Last-Modified
    change."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    fn(doc)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    os.replace(tmp, path)
    t = time.time() + 2
    os.utime(path, (t, t))


def kill(*procs):
    """Kill and reap the subprocesses still running (None is skipped): a
    test's finally, so a failed check leaves no server behind."""
    for p in procs:
        if p and p.poll() is None:
            p.kill()
            p.wait()

def tempdir():
    d = tempfile.mkdtemp(prefix="signpost-e2e-")
    return d


def rmtree(d):
    shutil.rmtree(d, ignore_errors=True)


def run_sample_copy(tmp, name, what, docs=400):
    """`signpost run` over a copy of the bundled sample in tmp/sites (a test
    edits it as providers edit their feeds), store tmp/store, on a free
    loopback port, recrawling every 2 s.  Waits until `docs` documents are
    indexed, else the check `what` fails and the test ends (finish(name)).
    Returns a namespace: run (the Proc), base, port, args, sites, store."""
    sites = os.path.join(tmp, "sites")
    shutil.copytree(SAMPLE, sites)
    store = os.path.join(tmp, "store")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["run", "--store", store, "--listen", f"127.0.0.1:{port}", "--sites", sites, "--interval", "2s"]
    run = Proc(args)
    try:
        health = wait_for(base, timeout=300, cond=lambda b: b.get("documents", 0) >= docs)
    except BaseException:
        run.stop()
        raise
    if not check(health is not None, what):
        print(run.stop()[1][-4000:])
        finish(name)
    return types.SimpleNamespace(run=run, base=base, port=port, args=args, sites=sites, store=store)


@contextlib.contextmanager
def scratch(name):
    """(a test's temporary folder, keep): keep(server) returns the server (a
    Proc, an orukt.Served or a subprocess.Popen) and has it stopped on the
    way out (stop(), or killed); then the folder is removed and the test
    finishes (finish(name)), also when it returns early."""
    tmp = tempdir()
    servers = []

    def keep(server):
        servers.append(server)
        return server
    try:
        yield tmp, keep
    finally:
        for s in servers:
            if isinstance(s, subprocess.Popen):
                kill(s)
            else:
                s.stop()
        rmtree(tmp)
    finish(name)


def browser_journey(name, script, args, what):
    """Run a browser test (node SCRIPT ARGS; see tests/web/lib/browser.cjs)
    and check it passed; None when it was skipped (no node, chromium or
    tests/web/node_modules), else whether it passed."""
    node = shutil.which("node")
    if not node:
        print(f"{name}: SKIPPED (no node)")
        return None
    r = subprocess.run([node, script] + list(args), capture_output=True, text=True, timeout=300)
    print(r.stdout.strip())
    if r.returncode == 77:
        print(f"{name}: SKIPPED")
        return None
    return check(r.returncode == 0, f"{what} ({r.stderr.strip()[-500:]})")


@contextlib.contextmanager
def sample_server(name):
    """Index the bundled sample with `signpost index` into a temporary store,
    serve it, and yield (base URL, the server's Proc); the store is removed
    afterwards.  When
    the index or the server fails, the test ends there (finish(name))."""
    tmp = tempdir()
    try:
        store = os.path.join(tmp, "store")
        r = subprocess.run([SIGNPOST, "index", "--store", store, SAMPLE], capture_output=True, text=True)
        check(r.returncode == 0, f"signpost index exits 0 (got {r.returncode}: {r.stderr[-300:]})")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}"]) as srv:
            if wait_for(base) is None:
                check(False, "searchd answers /healthz")
                print(srv.stop()[1])
                finish(name)
            yield base, srv
    finally:
        rmtree(tmp)
