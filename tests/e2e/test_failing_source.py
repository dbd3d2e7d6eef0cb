#!/usr/bin/env python3
"""test_failing_source.py - a source that fails keeps its services in the
index until it has failed for longer than --keep-failing (default 14 days),
then they are dropped, and they come back when the source works again.
Real crawler, real fixture web server (tests/crawler), real store."""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import spe2e as e  # noqa: E402

FIXTURE = os.environ.get("SIGNPOST_FIXTURE", "")


def live(store):
    db = sqlite3.connect(os.path.join(store, "crawl.db"))
    n = db.execute("SELECT count(*) FROM ingest_records WHERE gone_at IS NULL").fetchone()[0]
    db.close()
    return n


def sp(*args):
    r = subprocess.run([e.SIGNPOST] + list(args), capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        print(r.stderr[-2000:])
    return r.returncode


def main():
    if not FIXTURE or not os.path.exists(FIXTURE):
        print("no fixture server binary")
        sys.exit(77)
    tmp = e.tempdir()
    fx = None
    try:
        site = os.path.join(tmp, "site")
        src = os.path.join(e.SOURCE, "tests", "crawler", "sites", "oruk-b")
        shutil.copytree(src, os.path.join(site, "oruk-b"))
        fx = subprocess.Popen([FIXTURE, site], stdout=subprocess.PIPE, text=True)
        port = int(fx.stdout.readline())
        conf = os.path.join(tmp, "sources.conf")
        with open(conf, "w") as f:
            f.write(f"[source oruk-b]\nurl = http://127.0.0.1:{port}/oruk-b/services\nkind = oruk\n"
                    "coverage = local-london\ninterval = 1d\ndelay = 0\n"
                    "allow_private = 127.0.0.1/32\n")
        store = os.path.join(tmp, "store")
        e.check(sp("crawl", "--sources", conf, "--store", store, "--once", "--quiet") == 0, "first crawl")
        e.check(sp("index", "--store", store, "--quiet") == 0, "first index")
        n = live(store)
        e.check(n > 0, f"the source's services are indexed ({n})")

        shutil.rmtree(os.path.join(site, "oruk-b"))  # the provider's API goes away
        sp("crawl", "--sources", conf, "--store", store, "--once", "--force", "--quiet")
        e.check(sp("index", "--store", store, "--quiet") == 0, "index after the failure")
        e.check(live(store) == n, "a failing source keeps its services (default: 14 days)")
        time.sleep(2.5)
        e.check(sp("index", "--store", store, "--quiet", "--keep-failing", "1s") == 0,
                "index with --keep-failing 1s")
        e.check(live(store) == 0, "after failing for longer than --keep-failing its services are dropped")

        shutil.copytree(src, os.path.join(site, "oruk-b"))  # back again
        sp("crawl", "--sources", conf, "--store", store, "--once", "--force", "--quiet")
        e.check(sp("index", "--store", store, "--quiet", "--keep-failing", "1s") == 0, "index after recovery")
        e.check(live(store) == n, f"when the source works again its services come back ({live(store)}/{n})")
    finally:
        if fx:
            fx.terminate()
            fx.wait()
        e.rmtree(tmp)
    e.finish("failing-source")


if __name__ == "__main__":
    main()
