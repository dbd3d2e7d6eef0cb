#!/usr/bin/env python3
"""flood.py - searchd under a long connection attack, with figures: how
long a normal client's /healthz and search take while thousands of hostile
connections are open, and how long SIGTERM takes afterwards.

Attacks (loopback only; the attackers' connections come from many
127.0.x.y source addresses, so the per-address cap alone does not stop
them, as with a botnet):

  slowloris  every connection sends a request line, then one header line
             every --drip seconds, never finishing its head
  flood      every connection sends keep-alive searches as fast as it is
             answered (and reconnects when refused)
  idle       every connection sends one request and then stays open

usage:
  bench/flood.py --signpost build-bench/signpost [--attack slowloris|flood|idle|all]
                 [--conns 2000] [--seconds 30] [--addrs 50] [--drip 10]

It indexes the bundled sample into a temporary store, starts `signpost
serve` on 127.0.0.1 with its defaults, runs each attack, and prints per
attack: connections the attacker held open, the normal client's /healthz
and search latency (p50, p90, max, and how many failed), and at the end the
SIGTERM-to-exit time with the attack still running.
"""
import argparse
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "data", "sample", "sources")


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


class Attack:
    """N hostile connections driven by one selector loop."""

    def __init__(self, kind, port, conns, addrs, drip):
        self.kind, self.port, self.conns, self.addrs, self.drip = kind, port, conns, addrs, drip
        self.stop = threading.Event()
        self.open = 0
        self.peak = 0
        self.refused = 0
        self.answers = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def src(self, i):
        a = i % self.addrs
        return f"127.0.{100 + a // 250}.{1 + a % 250}"

    def connect(self, sel, i):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((self.src(i), 0))
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            return
        sel.register(s, selectors.EVENT_WRITE, {"i": i, "state": "connecting", "next": 0.0})

    def run(self):
        sel = selectors.DefaultSelector()
        for i in range(self.conns):
            self.connect(sel, i)
        req = b"GET /api/v1/search?q=cv HTTP/1.1\r\nHost: t\r\n\r\n"
        while not self.stop.is_set():
            now = time.time()
            for key, ev in sel.select(timeout=0.2):
                s, d = key.fileobj, key.data
                try:
                    if d["state"] == "connecting":
                        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                            raise OSError("connect failed")
                        self.open += 1
                        self.peak = max(self.peak, self.open)
                        d["state"] = "open"
                        if self.kind == "slowloris":
                            s.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
                            d["next"] = now + self.drip
                        else:
                            s.send(req)
                        sel.modify(s, selectors.EVENT_READ, d)
                    else:
                        data = s.recv(65536)
                        if not data:
                            raise OSError("closed")
                        if b" 503 " in data[:16] or b" 408 " in data[:16]:
                            self.refused += 1
                            raise OSError("refused")
                        self.answers += data.count(b"HTTP/1.1 200")
                        if self.kind == "flood":
                            s.send(req)
                except OSError:
                    if d["state"] == "open":
                        self.open -= 1
                    sel.unregister(s)
                    s.close()
                    self.connect(sel, d["i"])  # an attacker comes back at once
            if self.kind == "slowloris":
                for key in list(sel.get_map().values()):
                    d = key.data
                    if d["state"] == "open" and now >= d["next"]:
                        try:
                            key.fileobj.send(b"X-Drip: 1\r\n")
                        except OSError:
                            pass
                        d["next"] = now + self.drip
        for key in list(sel.get_map().values()):
            key.fileobj.close()


CONNECT_MS = []


def client_request(port, path):
    t = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        CONNECT_MS.append((time.time() - t) * 1000)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        data = s.recv(100)
        s.close()
        ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, time.time() - t


def measure(port, seconds):
    res = {"/healthz": [], "/api/v1/search?q=cv": []}
    failed = {k: 0 for k in res}
    end = time.time() + seconds
    while time.time() < end:
        for path in res:
            ok, dt = client_request(port, path)
            if ok:
                res[path].append(dt * 1000)
            else:
                failed[path] += 1
        time.sleep(0.2)
    return res, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signpost", required=True)
    ap.add_argument("--attack", default="all")
    ap.add_argument("--conns", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--addrs", type=int, default=50)
    ap.add_argument("--drip", type=float, default=10)
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = tempfile.mkdtemp(prefix="signpost-flood-")
    store = os.path.join(tmp, "store")
    subprocess.run([a.signpost, "index", "--store", store, SAMPLE], check=True,
                   capture_output=True)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    srv = subprocess.Popen([a.signpost, "serve", "--store", store, "--listen",
                            f"127.0.0.1:{port}", "--quiet"], stderr=subprocess.DEVNULL)
    for _ in range(100):
        if client_request(port, "/healthz")[0]:
            break
        time.sleep(0.1)
    kinds = ["slowloris", "flood", "idle"] if a.attack == "all" else [a.attack]
    print(f"searchd on 127.0.0.1:{port}; {a.conns} attacking connections from {a.addrs} "
          f"addresses, {a.seconds} s each")
    base, _ = measure(port, 3)
    print(f"{'baseline':10} healthz p50 {pct(base['/healthz'], 50):6.1f} ms  "
          f"max {max(base['/healthz']):6.1f} ms")
    attack = None
    for kind in kinds:
        attack = Attack(kind, port, a.conns, a.addrs, a.drip)
        attack.thread.start()
        time.sleep(2)
        res, failed = measure(port, a.seconds)
        for path, xs in res.items():
            name = "healthz" if path == "/healthz" else "search"
            print(f"{kind:10} {name:7} p50 {pct(xs, 50):7.1f} ms  p90 {pct(xs, 90):7.1f} ms  "
                  f"max {max(xs) if xs else float('nan'):7.1f} ms  answered {len(xs)}, "
                  f"failed {failed[path]}")
        print(f"{kind:10} of which TCP connect: p50 {pct(CONNECT_MS, 50):7.1f} ms  "
              f"max {max(CONNECT_MS) if CONNECT_MS else float('nan'):7.1f} ms")
        CONNECT_MS.clear()
        print(f"{kind:10} attacker: {attack.peak} connections open at the peak, "
              f"{attack.answers} answers, {attack.refused} refused/cut off")
        if kind != kinds[-1]:
            attack.stop.set()
            attack.thread.join()
            time.sleep(2)
    after, failed = measure(port, 2)
    t = time.time()
    srv.send_signal(signal.SIGTERM)
    try:
        srv.wait(60)
        print(f"SIGTERM during the {kinds[-1]} attack: exited in {time.time() - t:.2f} s "
              f"(status {srv.returncode})")
    except subprocess.TimeoutExpired:
        print("SIGTERM: still running after 60 s; killed")
        srv.kill()
    if attack:
        attack.stop.set()
        attack.thread.join()
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
