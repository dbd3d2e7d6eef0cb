#!/usr/bin/env python3
"""freshness.py - how soon a change at a source is searchable.

FICTIONAL DATA (bench/gen_synthetic.py).  Not a test: it prints figures.

The N synthetic services are split into NDJSON feeds of --per-file records,
served by a loopback HTTP server in this process (Last-Modified and
If-Modified-Since, so unchanged feeds answer 304, as a real server does),
one source each in a sources.conf (delay 0: our own server).  The store is
crawled and indexed once (`signpost crawl --once`, `signpost index`: the
set-up, timed), then `signpost run` crawls, indexes and serves it live with
every source due each --interval.  Each trial rewrites one record of one
feed with a word no record has, and then polls /api/v1/search for that word
every 20 ms.  Per trial:

  change -> searchable   from writing the feed to the first search that
                         finds the word (includes waiting for the source's
                         next pass: up to --interval);
  fetch -> searchable    from the crawler's GET of the changed feed (the
                         server's 200, not the 304s) to that search;
  fetch -> run ended     to the indexer's "indexed" line, which it prints
                         after linkage (so searchable before it means the
                         change was searchable before linkage ended);
  linkage                the indexer's last linkage time (STORE/crawl.db,
                         meta index.linkage_seconds).

It also prints the CPU of `signpost run` and of its crawler and indexer
threads, for --idle seconds with no change and over the trials.  With
--reuse the feeds keep their port (so their URLs), and the trials start once
the indexer has read every stored document.  --crawl-only measures the live
crawler's scheduling alone (crawl_only below).

    python3 bench/freshness.py --count 10000 [--signpost build-bench/signpost]
    python3 bench/freshness.py --count 100000 --trials 7 [--reuse] [--verbose]
    python3 bench/freshness.py --crawl-only --count 1000000 --idle 30

Medians and the spread are printed, with the ratio to the goal (fetch ->
searchable <= 2 s).
"""

import argparse
import email.utils
import http.server
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from spe2e import free_port  # noqa: E402  (a free loopback port, as the end-to-end tests pick one)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOAL_S = 2.0


class Feeds(http.server.BaseHTTPRequestHandler):
    """GET /NAME.ndjson from the site folder, with Last-Modified and 304;
    each 200 is logged with its time."""
    site = None
    log = []
    lock = threading.Lock()

    def do_GET(self):
        path = os.path.join(self.site, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        st = os.stat(path)
        with self.lock:
            Counter.n += 1
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                if int(st.st_mtime) <= email.utils.parsedate_to_datetime(ims).timestamp():
                    self.send_response(304)
                    self.end_headers()
                    return
            except (TypeError, ValueError):
                pass
        with open(path, "rb") as f:
            body = f.read()
        with self.lock:
            self.log.append((time.time(), os.path.basename(path)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", email.utils.formatdate(int(st.st_mtime), usegmt=True))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def search_total(port, word):
    url = "http://127.0.0.1:%d/api/v1/search?q=%s&per_page=1" % (port, word)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r).get("total", 0)
    except (OSError, ValueError):
        return -1


def cpu_seconds(pid, thread=None):
    """User + system CPU seconds of a process so far (/proc/PID/stat), or
    of its threads named thread (signpost run names its crawler
    "sp-crawler" and its indexer "sp-indexer")."""
    paths = ["/proc/%d/stat" % pid]
    if thread:
        try:
            paths = ["/proc/%d/task/%s/stat" % (pid, t)
                     for t in os.listdir("/proc/%d/task" % pid)]
        except OSError:
            return None
    total, found = 0.0, False
    for path in paths:
        try:
            with open(path) as f:
                comm, rest = f.read().rsplit(")", 1)
        except OSError:
            continue
        if thread and comm.split("(", 1)[1] != thread:
            continue
        fields = rest.split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        found = True
    return total if found else None


def cpu_line(pid, before, wall):
    """CPU since before (cpu_snapshot) per part of signpost run."""
    now = cpu_snapshot(pid)
    parts = ["%s %.1f s" % (k, now[k] - before[k]) for k in now
             if now[k] is not None and before.get(k) is not None]
    return "%s in %.1f s wall" % (", ".join(parts), wall)


def cpu_snapshot(pid):
    return {"process": cpu_seconds(pid), "crawler": cpu_seconds(pid, "sp-crawler"),
            "indexer": cpu_seconds(pid, "sp-indexer")}


def max_seq(store):
    try:
        db = sqlite3.connect("file:%s/crawl.db?mode=ro" % store, uri=True, timeout=5)
        row = db.execute("SELECT max(seq) FROM documents").fetchone()
        db.close()
        return row[0] or 0
    except sqlite3.Error:
        return 0


def meta(store, key):
    try:
        db = sqlite3.connect("file:%s/crawl.db?mode=ro" % store, uri=True, timeout=5)
        row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        db.close()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def crawl_only(a):
    """--crawl-only: the live crawler's scheduling alone.  --count/--per-file
    feeds of one record each (the feeds' number as at --count, not their
    size), served as above; `signpost crawl` (no indexer) recrawls them every
    --interval for --idle seconds (at least 20), then SIGTERM.  Prints the
    passes each source finished (a fair crawler gives every source about the
    same number), the requests served and the crawler's CPU."""
    n = max(1, a.count // a.per_file)
    base = os.path.join(a.out, "sched-%d" % n)
    site, store = os.path.join(base, "site"), os.path.join(base, "store")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(site)
    for i in range(n):
        with open(os.path.join(site, "s%05d.ndjson" % i), "w", encoding="utf-8") as f:
            f.write(json.dumps({"id": "svc-%d" % i, "name": "Service %d" % i}) + "\n")
    Feeds.site = site
    Feeds.log = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    conf = os.path.join(base, "sources.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[defaults]\ninterval = %s\ndelay = 0\nallow_private = 127.0.0.1/32\n"
                "kind = auto\ndepth = 0\npages = 1\n\n" % a.interval)
        for i in range(n):
            f.write("[source s%05d]\nurl = http://127.0.0.1:%d/s%05d.ndjson\n\n" %
                    (i, srv.server_address[1], i))
    Counter.n = 0
    secs = max(20.0, a.idle)
    p = subprocess.Popen([a.signpost, "crawl", "--sources", conf, "--store", store, "--quiet"])
    t0 = time.time()
    time.sleep(secs)
    cpu = cpu_seconds(p.pid)
    p.send_signal(2)
    p.wait(timeout=60)
    srv.shutdown()
    db = sqlite3.connect("file:%s/crawl.db?mode=ro" % store, uri=True, timeout=30)
    done = sorted(r[0] for r in db.execute("SELECT pass - running FROM sources"))
    db.close()
    print("crawl only: %d sources (feeds of one record) every %s, %.0f s: %d requests "
          "(%.0f/s), crawler CPU %.1f s (%.2f ms a request)" %
          (n, a.interval, secs, Counter.n, Counter.n / secs, cpu or -1,
           1000.0 * (cpu or 0) / max(1, Counter.n)))
    print("passes finished per source: min %d, median %d, max %d; %d sources none" %
          (done[0], statistics.median(done), done[-1], sum(1 for d in done if d == 0)))


class Counter:
    n = 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--per-file", type=int, default=500)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--interval", default="2s")
    ap.add_argument("--signpost", default=os.path.join(ROOT, "build-bench", "signpost"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--reuse", action="store_true", help="keep a store set up by an earlier run")
    ap.add_argument("--crawl-only", action="store_true",
                    help="the crawler's scheduling alone: --count/--per-file feeds of one record, "
                         "`signpost crawl` for --idle seconds (see crawl_only)")
    ap.add_argument("--verbose", action="store_true",
                    help="print signpost run's lines around each trial, timed from the change")
    ap.add_argument("--idle", type=float, default=10,
                    help="seconds of signpost run with no change before the trials, for its "
                         "CPU (0: none)")
    ap.add_argument("--once", action="store_true",
                    help="no signpost run: per trial `signpost crawl --once` then `signpost index`, "
                         "with `signpost serve` answering the polls (the indexer alone, without "
                         "the live crawler's scheduling)")
    a = ap.parse_args()

    os.makedirs(a.out, exist_ok=True)
    if a.crawl_only:
        return crawl_only(a)
    data = os.path.join(a.out, "synthetic-%d.ndjson" % a.count)
    if not os.path.exists(data):
        subprocess.check_call([sys.executable, os.path.join(HERE, "gen_synthetic.py"),
                               "--count", str(a.count), "--dup-rate", "0.05", "--out", data,
                               "--truth", os.path.join(a.out, "truth-%d.ndjson" % a.count),
                               "--quiet"])
    base = os.path.join(a.out, "fresh-%d" % a.count)
    site, store = os.path.join(base, "site"), os.path.join(base, "store")
    if not (a.reuse and os.path.isdir(os.path.join(store, "index"))):
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(site)
        with open(data, encoding="utf-8") as f:
            lines = f.readlines()
        for i in range(0, len(lines), a.per_file):
            with open(os.path.join(site, "s%04d.ndjson" % (i // a.per_file)), "w",
                      encoding="utf-8") as out:
                out.writelines(lines[i:i + a.per_file])
    feeds = sorted(n for n in os.listdir(site) if n.endswith(".ndjson"))

    Feeds.site = site
    # The feeds keep their port (and so their URLs) across --reuse runs:
    # on a new port every feed would be a new URL, fetched whole and read
    # again by the indexer (100,000 records at 100k) while the trials run.
    port_file = os.path.join(base, "port")
    srv = None
    if a.reuse and os.path.exists(port_file):
        try:
            with open(port_file) as f:
                srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(f.read())), Feeds)
        except (OSError, ValueError):
            print("freshness: the feeds' earlier port is taken: a new one, so the first "
                  "pass fetches every feed again")
    if srv is None:
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    with open(port_file, "w") as f:
        f.write(str(port))
    conf = os.path.join(base, "sources.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[defaults]\ninterval = %s\ndelay = 0\nallow_private = 127.0.0.1/32\n"
                "kind = auto\ndepth = 0\npages = 1\n\n" % a.interval)
        for n in feeds:
            f.write("[source %s]\nurl = http://127.0.0.1:%d/%s\n\n" % (n[:-7], port, n))

    print("freshness: %d services in %d feeds of %d, interval %s, %s" %
          (a.count, len(feeds), a.per_file, a.interval, a.signpost))
    if not (a.reuse and os.path.isdir(os.path.join(store, "index"))):
        t0 = time.time()
        subprocess.check_call([a.signpost, "crawl", "--sources", conf, "--store", store,
                               "--once", "--quiet"])
        t1 = time.time()
        subprocess.check_call([a.signpost, "index", "--store", store, "--quiet"])
        t2 = time.time()
        print("set-up: crawl %.1f s, index (and a whole linkage) %.1f s, linkage %s s" %
              (t1 - t0, t2 - t1, meta(store, "index.linkage_seconds")))
    else:
        # a store from an earlier run (or another build): index what is
        # left and link, so the trials do not pay a first whole linkage
        t0 = time.time()
        subprocess.check_call([a.signpost, "index", "--store", store, "--quiet"])
        print("set-up: reused the store; settling index run %.1f s, linkage %s s" %
              (time.time() - t0, meta(store, "index.linkage_seconds")))

    http_port = free_port()
    lines = []

    def read_stderr(p):
        for raw in p.stderr:
            lines.append((time.time(), raw.decode("utf-8", "replace").rstrip()))

    if a.once:
        cmd = [a.signpost, "serve", "--store", store, "--listen", "127.0.0.1:%d" % http_port]
    else:
        cmd = [a.signpost, "run", "--sources", conf, "--store", store,
               "--listen", "127.0.0.1:%d" % http_port, "--interval", a.interval, "--hub-public"]
    run = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    threading.Thread(target=read_stderr, args=(run,), daemon=True).start()
    rows = []
    try:
        deadline = time.time() + 600
        while search_total(http_port, "employment") <= 0 and not a.once or \
                a.once and search_total(http_port, "employment") < 0:
            if time.time() > deadline or run.poll() is not None:
                sys.exit("signpost run did not come up: %s" % lines[-5:])
            time.sleep(0.2)
        time.sleep(5)  # the first passes (304s)
        # and an indexer that has read every stored document
        deadline = time.time() + 600
        while time.time() < deadline and (meta(store, "cursor.index") or "0") != \
                str(max_seq(store)):
            time.sleep(0.5)
        if not a.once and a.idle > 0:
            # nothing changes: what crawling every source each interval
            # (all 304s) and an idle indexer cost
            c0, w0 = cpu_snapshot(run.pid), time.time()
            time.sleep(a.idle)
            print("idle (no change, %d sources every %s): CPU %s" %
                  (len(feeds), a.interval, cpu_line(run.pid, c0, time.time() - w0)))
        cpu0, wall0 = cpu_snapshot(run.pid), time.time()
        rng = random.Random(20261206)
        for trial in range(a.trials):
            # a word no earlier run wrote either (--reuse keeps the feeds)
            word = "fresh%dq%dz%s" % (a.count, trial, os.urandom(4).hex())
            feed = rng.choice(feeds)
            path = os.path.join(site, feed)
            with open(path, encoding="utf-8") as f:
                recs = f.readlines()
            k = rng.randrange(len(recs))
            r = json.loads(recs[k])
            r["description"] = (r.get("description") or "") + " Now also " + word + "."
            recs[k] = json.dumps(r) + "\n"
            # a new mtime second, so If-Modified-Since sees the change
            time.sleep(max(0.0, 1.05 - (time.time() % 1.0)))
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.writelines(recs)
            t_change = time.time()
            os.replace(path + ".tmp", path)
            t_seen = None
            indexer = None
            if a.once:
                subprocess.check_call([a.signpost, "crawl", "--sources", conf, "--store", store,
                                       "--once", "--force", "--quiet"])
                t_index = time.time()
                indexer = subprocess.Popen([a.signpost, "index", "--store", store, "--quiet"])
            while time.time() - t_change < 300:
                if search_total(http_port, word) > 0:
                    t_seen = time.time()
                    break
                time.sleep(0.02)
            with Feeds.lock:
                fetches = [t for t, n in Feeds.log if n == feed and t >= t_change]
            t_fetch = fetches[0] if fetches else None
            if indexer:
                indexer.wait()
                t_end = time.time()
                print("  index run: started %.2f s after the fetch, searchable %.2f s after it "
                      "started, ended (linkage included) %.2f s after it started" %
                      (t_index - t_fetch if t_fetch else -1,
                       t_seen - t_index if t_seen else -1, t_end - t_index))
            else:
                # the run's end, after linkage and the replicas' snapshot
                t_end, give_up = None, time.time() + 30
                while t_end is None and time.time() < give_up:
                    ended = [t for t, l in list(lines)
                             if t >= (t_fetch or t_change) and "indexed" in l]
                    t_end = ended[0] if ended else None
                    time.sleep(0.1)
            link = meta(store, "index.linkage_seconds")
            row = {"change": t_seen - t_change if t_seen else None,
                   "fetch": t_seen - t_fetch if t_seen and t_fetch else None,
                   "ended": t_end - t_fetch if t_end and t_fetch else None,
                   "linkage": float(link) if link else None}
            rows.append(row)
            if a.verbose:
                for t, l in lines:
                    if t >= t_change - 5:
                        print("    %+7.2f s  %s" % (t - t_change, l))
                if t_fetch:
                    print("    %+7.2f s  the feed's GET (200)" % (t_fetch - t_change))
                if t_seen:
                    print("    %+7.2f s  searchable" % (t_seen - t_change))
            print("trial %d: change -> searchable %s, fetch -> searchable %s, "
                  "fetch -> run ended %s, linkage %s" %
                  (trial + 1, *("%.2f s" % row[k] if row[k] is not None else "-"
                                for k in ("change", "fetch", "ended", "linkage"))))
            time.sleep(1)
        if not a.once:
            print("trials: CPU %s" % cpu_line(run.pid, cpu0, time.time() - wall0))
    finally:
        run.terminate()
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            run.kill()
        srv.shutdown()

    def med(k):
        v = [r[k] for r in rows if r[k] is not None]
        return (statistics.median(v), min(v), max(v)) if v else None

    for k, label in (("change", "change -> searchable"), ("fetch", "fetch -> searchable"),
                     ("ended", "fetch -> run ended"), ("linkage", "linkage (last run)")):
        m = med(k)
        if m:
            extra = " (%.2fx the %.0f s goal)" % (m[0] / GOAL_S, GOAL_S) if k == "fetch" else ""
            print("%-22s median %.2f s (min %.2f, max %.2f) over %d trials%s" %
                  (label, m[0], m[1], m[2], len([r for r in rows if r[k] is not None]), extra))
        else:
            print("%-22s no measurement" % label)


if __name__ == "__main__":
    main()
