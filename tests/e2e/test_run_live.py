#!/usr/bin/env python3
"""test_run_live.py - `signpost run` end to end: the crawler harvests the
sample providers over HTTP on loopback, the indexer commits, searchd serves;
a service added to a provider's feed becomes searchable, and one removed
disappears, with nothing restarted; kill -9 and a rerun keep everything."""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import spe2e as e  # noqa: E402

NEW_ID = "5e1f0a57-7e57-4c0d-9a11-000000000001"
NEW_NAME = "Zephyrine Bakery Skills Academy"


page_file, edit_page = e.page_file, e.edit_page


def total(base, q):
    st, res = e.get(base, "/api/v1/search", {"q": q})
    return res.get("total", -1) if st == 200 and isinstance(res, dict) else -1


def main():
    tmp = e.tempdir()
    try:
        live = e.run_sample_copy(tmp, "run-live", "signpost run crawls and indexes at least 400 sample services")
        run, base, port, args, sites, store = live.run, live.base, live.port, live.args, live.sites, live.store
        e.check(total(base, "cv") > 0, "search works while running")

        page = page_file(sites)
        e.check(page is not None, "the sample has an ORUK v3 page to edit")
        template = None

        def add(doc):
            nonlocal template
            svc = json.loads(json.dumps(doc["contents"][0]))
            svc["id"] = NEW_ID
            svc["name"] = NEW_NAME
            svc["description"] = "Fictional test service: bread and pastry skills for people looking for work."
            doc["contents"].append(svc)
            doc["total_items"] = doc.get("total_items", 0) + 1
            template = svc

        edit_page(page, add)
        found = e.eventually(lambda: total(base, "zephyrine") == 1, 120)
        e.check(found, "a service added to a provider's feed is found with no restart")

        edit_page(page, lambda doc: doc.update(contents=[s for s in doc["contents"] if s["id"] != NEW_ID]))
        gone = e.eventually(lambda: total(base, "zephyrine") == 0, 120)
        e.check(gone, "a service removed from a provider's feed disappears from search")

        # kill -9, rerun: the store and the index are intact
        run.p.send_signal(signal.SIGKILL)
        run.p.wait()
        run2 = e.Proc(args)
        health = e.wait_for(base, timeout=60, cond=lambda b: b.get("documents", 0) >= 400)
        e.check(health is not None, "after kill -9 a rerun serves everything at once")
        code, out = run2.stop()
        e.check(code == 0, f"signpost run stops cleanly on SIGTERM (exit {code})")
        if e.failures:
            print(out[-4000:])

        # An index built by an older Signpost (schema 1) is rebuilt by the
        # next indexing run on its own, once.
        tool = os.environ.get("SIGNPOST_SCHEMA_SET")
        if tool:
            index_dir = os.path.join(store, "index")
            r = subprocess.run([tool, index_dir, "1"], capture_output=True, text=True)
            e.check(r.returncode == 0, f"index marked as schema 1 ({r.stderr.strip()})")
            r = subprocess.run([e.SIGNPOST, "index", "--store", store], capture_output=True, text=True)
            e.check(r.returncode == 0 and "indexing every stored document again" in r.stderr,
                    f"an old index is rebuilt by `signpost index` ({r.returncode}: {r.stderr.strip()[-300:]})")
            r = subprocess.run([e.SIGNPOST, "index", "--store", store], capture_output=True, text=True)
            e.check(r.returncode == 0 and "again" not in r.stderr,
                    f"and only once ({r.stderr.strip()[-300:]})")
            with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}"]):
                health = e.wait_for(base)
                e.check(health is not None and health.get("documents", 0) >= 400,
                        "the rebuilt index serves every service")
                st, res = e.get(base, "/api/v1/search", {"benefits": "jsa", "months_unemployed": "6"})
                e.check(st == 200 and res.get("total", 0) > 0, "eligibility filters work on the rebuilt index")
    finally:
        e.rmtree(tmp)
    e.finish("run-live")


if __name__ == "__main__":
    main()
