#!/usr/bin/env python3
"""test_crawl_reload.py - `signpost crawl` left running (no --once) reads its
sources file again on SIGHUP (issue 15): a source added to the file is
crawled without a restart, a bad file keeps the sources as they were and
stops nothing, and SIGTERM afterwards still stops it cleanly.  Real crawler,
real fixture web server (tests/crawler), real store."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import spe2e as e  # noqa: E402

FIXTURE = os.environ.get("SIGNPOST_FIXTURE", "")
NAME = "e2e-crawl-reload"


def source(name, port, path, kind):
    return (f"[source {name}]\nurl = http://127.0.0.1:{port}/{path}\nkind = {kind}\n"
            "coverage = local-london\ninterval = 1d\ndelay = 0\nallow_private = 127.0.0.1/32\n")


def fetched(store, name):
    """Documents stored for the named source (0 when it is unknown yet)."""
    try:
        db = sqlite3.connect(os.path.join(store, "crawl.db"), timeout=60)
        row = db.execute("SELECT count(*) FROM documents WHERE source = ?", (name,)).fetchone()
        db.close()
        return row[0]
    except sqlite3.Error:
        return 0


def wait(cond, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.3)
    return False


def main():
    if not FIXTURE or not os.path.exists(FIXTURE):
        print("no fixture server binary")
        sys.exit(77)
    tmp = e.tempdir()
    fx = crawl = None
    try:
        site = os.path.join(tmp, "site")
        for name in ("oruk-a", "rss-a"):
            shutil.copytree(os.path.join(e.SOURCE, "tests", "crawler", "sites", name),
                            os.path.join(site, name))
        fx = subprocess.Popen([FIXTURE, site], stdout=subprocess.PIPE, text=True)
        port = int(fx.stdout.readline())
        conf = os.path.join(tmp, "sources.conf")
        first = source("oruk-a", port, "oruk-a/services", "oruk")
        with open(conf, "w") as f:
            f.write(first)
        store = os.path.join(tmp, "store")
        crawl = subprocess.Popen([e.SIGNPOST, "crawl", "--sources", conf, "--store", store,
                                  "--quiet"], stderr=subprocess.PIPE, text=True)
        e.check(wait(lambda: fetched(store, "oruk-a") > 0), "the first source is crawled")
        e.check(fetched(store, "rss-a") == 0, "the second source is not in the file yet")

        with open(conf, "w") as f:
            f.write(first + source("rss-a", port, "rss-a/feed.rss", "rss"))
        crawl.send_signal(signal.SIGHUP)
        e.check(wait(lambda: fetched(store, "rss-a") > 0),
                "after SIGHUP the source added to the file is crawled, without a restart")
        e.check(crawl.poll() is None, "SIGHUP does not stop the crawler")

        with open(conf, "w") as f:
            f.write("[source broken\nurl = nowhere\n")
        crawl.send_signal(signal.SIGHUP)
        time.sleep(1)
        e.check(crawl.poll() is None, "a bad sources file on SIGHUP stops nothing")

        crawl.send_signal(signal.SIGTERM)
        try:
            rc = crawl.wait(60)
        except subprocess.TimeoutExpired:
            rc = None
        err = crawl.stderr.read()
        e.check(rc == 0, f"SIGTERM stops it cleanly (exit {rc})")
        e.check("reloaded" in err and "still crawling the sources as they were" in err,
                f"it says what each reload did: {err[-600:]}")
        crawl = None
    finally:
        e.kill(crawl, fx)
        e.rmtree(tmp)
    e.finish(NAME)


if __name__ == "__main__":
    main()
