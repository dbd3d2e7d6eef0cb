"""torture_http.py - searchd under attack, in small bounded doses: strict
request framing (cases in framing.tsv), oversized heads, pipelining, more
connections than searchd serves at once, too many from one address,
slowloris, and SIGTERM in the middle of it all.

Only loopback: the attackers use source addresses 127.0.1.x (one address
per simulated client), the normal client 127.0.0.1.  Assertions are about
answers (every request from the normal client is answered, bad framing gets
400 and a closed connection, a dripping head is cut off), never about speed;
the socket timeouts are generous bounds against a hang.

usage: torture_http.py SIGNPOST SRCDIR
"""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import spe2e as e  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_CONNS = 12
PER_CLIENT = 6
HEAD_TIMEOUT = 3
BOUND = 30  # seconds: "answered at all", not a speed


def unescape(s):
    s = s.replace("{big}", "a" * 30000)
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def connect(port, src="127.0.0.1", timeout=BOUND):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_all(s):
    """Everything until the server closes; (bytes, closed)."""
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return data, True
            data += d
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def status_of(data):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else None


def request(port, path, src="127.0.0.1"):
    s = connect(port, src)
    try:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data, _ = read_all(s)
    except OSError as ex:
        return None, str(ex).encode()
    finally:
        s.close()
    return status_of(data), data


def framing_cases():
    """(name, expected status, raw bytes) of each case in framing.tsv."""
    with open(os.path.join(HERE, "framing.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                name, want, raw = line.split("\t", 2)
                yield name, want, unescape(raw)


def case_framing(port):
    n = 0
    for name, want, raw in framing_cases():
        s = connect(port, timeout=15)
        try:
            s.sendall(raw)
        except OSError:
            pass
        data, closed = read_all(s)
        s.close()
        st = status_of(data)
        e.check(st == int(want), f"framing {name}: status {st}, expected {want}")
        if int(want) >= 400:
            e.check(closed, f"framing {name}: the server closes the connection")
            e.check(b'"error"' in data, f"framing {name}: a JSON error body")
        n += 1
    e.check(n >= 25, f"at least 25 framing cases (found {n})")


def case_keepalive_framing(port):
    """The same framing attacks as the second request of a keep-alive
    connection: libmicrohttpd parses it, searchd checks what it kept."""
    want = {"no-host-11", "two-hosts", "cl-differ", "te-space-colon", "name-space-colon",
            "te-and-cl", "cl-and-te", "te-twice"}
    n = 0
    for name, _, raw in framing_cases():
        if name not in want:
            continue
        s = connect(port, timeout=15)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + raw)
        except OSError:
            pass
        data, closed = read_all(s)
        s.close()
        first_ok = data.startswith(b"HTTP/1.1 200")
        rest = data[data.find(b"HTTP/1.1", 12):] if data.count(b"HTTP/1.1 ") > 1 else b""
        e.check(first_ok, f"keep-alive {name}: the first request is answered 200")
        e.check(rest.startswith(b"HTTP/1.1 400") or (not rest and closed),
                f"keep-alive {name}: the second request is refused "
                f"({rest[:12]!r}), never answered as if well framed")
        e.check(b"HTTP/1.1 200" not in rest and closed,
                f"keep-alive {name}: nothing after it is served; the connection closes")
        n += 1
    e.check(n == len(want), f"{len(want)} keep-alive framing cases (found {n})")


def case_pipelining(port):
    s = connect(port)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
              b"GET /api/v1/search?q=cv HTTP/1.1\r\nHost: t\r\n\r\n"
              b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    data, closed = read_all(s)
    s.close()
    e.check(data.count(b"HTTP/1.1 200") == 3, f"three pipelined requests, three 200s "
            f"(got {data.count(b'HTTP/1.1 200')})")
    e.check(closed, "the last pipelined request's Connection: close is honoured")


def case_per_client(port):
    held = [connect(port, "127.0.1.200") for _ in range(PER_CLIENT)]
    time.sleep(0.5)
    st, data = request(port, "/healthz", "127.0.1.200")
    e.check(st == 503, f"connection {PER_CLIENT + 1} from one address: 503 (got {st})")
    e.check(b"Retry-After:" in data, "the 503 says Retry-After")
    e.check(b"too_many_connections" in data, "the 503 says why")
    st, _ = request(port, "/healthz")
    e.check(st == 200, f"another address is served meanwhile (got {st})")
    for s in held:
        s.close()
    time.sleep(0.5)
    st, _ = request(port, "/healthz", "127.0.1.200")
    e.check(st == 200, f"the address is served again once it closes its connections (got {st})")


def flood_worker(port, src, stop, seen):
    """Keep-alive searches as fast as the server answers them."""
    while not stop.is_set():
        try:
            s = connect(port, src, timeout=BOUND)
        except OSError:
            seen["connect_error"] = seen.get("connect_error", 0) + 1
            continue
        try:
            while not stop.is_set():
                s.sendall(b"GET /api/v1/search?q=cv HTTP/1.1\r\nHost: t\r\n\r\n")
                d = s.recv(65536)
                if not d:
                    break
                st = status_of(d)
                seen[st] = seen.get(st, 0) + 1
                if st != 200:
                    break
        except OSError:
            seen["reset"] = seen.get("reset", 0) + 1
        finally:
            s.close()


def metric(port, name):
    st, data = request(port, "/metrics")
    m = re.search(rb"\n" + name.encode() + rb" (\d+)", data or b"")
    return int(m.group(1)) if m else None


def case_above_limit(port):
    """Twice as many busy connections as searchd serves at once, from four
    addresses: the normal client's /healthz and search are answered
    throughout, and afterwards nothing is left held."""
    stop = threading.Event()
    seen = {}
    workers = []
    for a in range(4):
        for _ in range(PER_CLIENT):
            t = threading.Thread(target=flood_worker, args=(port, f"127.0.1.{10 + a}", stop, seen))
            t.start()
            workers.append(t)
    time.sleep(1)
    answered = 0
    for i in range(6):
        st, _ = request(port, "/healthz" if i % 2 == 0 else "/api/v1/search?q=cv")
        answered += st == 200
    stop.set()
    for t in workers:
        t.join()
    e.check(answered == 6, f"the normal client got 6 of 6 answers during the flood ({answered})")
    e.check(seen.get(200, 0) > 0, f"the flood was served too ({seen})")
    time.sleep(1)
    st, _ = request(port, "/healthz")
    e.check(st == 200, "/healthz answers after the flood")
    held = metric(port, "signpost_http_connections")
    e.check(held is not None and held <= 2, f"connections held after the flood: {held}")
    e.check(metric(port, "signpost_http_connections_limit") == MAX_CONNS, "the limit is reported")


def case_idle_above_limit(port):
    """More idle keep-alive connections than the limit (the shape that
    froze libmicrohttpd 0.9.75): the server still answers."""
    idle = []
    for a in range(MAX_CONNS + 8):
        s = connect(port, f"127.0.2.{10 + a}")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        idle.append(s)
    time.sleep(1)
    st, _ = request(port, "/healthz")
    e.check(st == 200, f"/healthz with {len(idle)} idle keep-alive connections open (got {st})")
    st, _ = request(port, "/api/v1/search?q=cv")
    e.check(st == 200, f"a search meanwhile (got {st})")
    for s in idle:
        s.close()


def case_slowloris(port):
    """Connections dripping a header line every half second are cut off at
    the head deadline, however long they keep dripping; the normal client
    is answered meanwhile."""
    drips = []
    for a in range(5):
        for _ in range(PER_CLIENT):
            s = connect(port, f"127.0.3.{10 + a}", timeout=1)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            drips.append(s)
    start = time.time()
    cut = [None] * len(drips)
    answered = 0
    asked = 0
    while time.time() - start < BOUND and None in cut:
        for i, s in enumerate(drips):
            if cut[i] is not None:
                continue
            try:
                s.sendall(b"X-Drip: 1\r\n")
                s.setblocking(False)
                try:
                    d = s.recv(4096)
                    if d == b"" or d.startswith(b"HTTP/1.1 408"):
                        cut[i] = time.time() - start
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
            except OSError:
                cut[i] = time.time() - start
        if asked < 4:
            st, _ = request(port, "/healthz")
            asked += 1
            answered += st == 200
        time.sleep(0.5)
    for s in drips:
        s.close()
    e.check(None not in cut, f"every dripping connection was cut off ({cut.count(None)} still open "
            f"after {BOUND} s)")
    e.check(answered == asked, f"/healthz answered during slowloris ({answered}/{asked})")
    done = [c for c in cut if c is not None]
    if done:
        print(f"slowloris: {len(drips)} dripping connections cut off after "
              f"{min(done):.1f}-{max(done):.1f} s (head deadline {HEAD_TIMEOUT} s)")


def case_sigterm(proc, port):
    """SIGTERM with connections open in every state stops the daemon."""
    socks = []
    for a in range(10):
        s = connect(port, f"127.0.4.{10 + a}")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")  # head not finished
        socks.append(s)
        s = connect(port, f"127.0.4.{10 + a}")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")  # keep-alive, idle
        socks.append(s)
    time.sleep(0.5)
    t0 = time.time()
    proc.p.send_signal(signal.SIGTERM)
    try:
        rc = proc.p.wait(BOUND)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.time() - t0
    e.check(rc == 0, f"searchd stops on SIGTERM with {len(socks)} connections open (rc {rc})")
    print(f"SIGTERM to exit: {took:.2f} s with {len(socks)} connections open")
    for s in socks:
        s.close()


def main():
    tmp = e.tempdir()
    try:
        store = os.path.join(tmp, "store")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store, e.SAMPLE], capture_output=True,
                           text=True)
        e.check(r.returncode == 0, f"signpost index: {r.stderr[-300:]}")
        port = e.free_port()
        base = f"http://127.0.0.1:{port}"
        proc = e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--quiet",
                       "--threads", "2", "--max-conns", str(MAX_CONNS), "--per-client",
                       str(PER_CLIENT), "--head-timeout", str(HEAD_TIMEOUT), "--idle-timeout", "3"])
        try:
            if e.wait_for(base) is None:
                e.check(False, "searchd answers /healthz")
                e.finish("torture-http")
            case_framing(port)
            case_keepalive_framing(port)
            case_pipelining(port)
            case_per_client(port)
            case_idle_above_limit(port)
            case_above_limit(port)
            case_slowloris(port)
            case_sigterm(proc, port)
        finally:
            rc, out = proc.stop(signal.SIGKILL)
            if "ERROR: AddressSanitizer" in out or "runtime error" in out:
                e.check(False, "no sanitizer report: " + out[-2000:])
    finally:
        e.rmtree(tmp)
    e.finish("torture-http")


if __name__ == "__main__":
    main()
