#!/usr/bin/env python3
"""test_corrections_index.py - a hub editor's correction reaches what is
exported from the index when the records come from files
(`signpost index --store DIR FILE...`), not only from a crawl
(hub-sample covers that): a corrected phone and a "closed" mark are laid
over at the next index run, held when the same files are indexed again,
and withdrawn by deleting the correction (the crawled values come back).

reports.db is written here as searchd writes it (searchd/reports.c,
schema version 1), as the hub's API would after an editor's correction.
"""
import json
import os
import sqlite3
import subprocess
import sys

SOURCE = os.environ.get("SIGNPOST_SOURCE", os.getcwd())
sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
import spe2e as e  # noqa: E402

SCHEMA = """PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS reports(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,
 service_id TEXT NOT NULL, service_name TEXT, kind TEXT NOT NULL, details TEXT NOT NULL,
 contact TEXT, source TEXT, source_url TEXT, fetched_at INTEGER,
 status TEXT NOT NULL DEFAULT 'open', handled_at INTEGER, handled_by TEXT, outcome TEXT);
CREATE TABLE IF NOT EXISTS corrections(service_id TEXT NOT NULL, field TEXT NOT NULL,
 value TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL, report_id INTEGER,
 PRIMARY KEY(service_id, field));
PRAGMA user_version=1;"""


def index(store, files):
    r = subprocess.run([e.SIGNPOST, "index", "--store", store, files], capture_output=True, text=True)
    e.check(r.returncode == 0, f"signpost index exits 0 ({r.stderr.strip()[-300:]})")


def exported(store):
    r = subprocess.run([e.SIGNPOST, "export", "--store", store], capture_output=True, text=True)
    e.check(r.returncode == 0, f"signpost export exits 0 ({r.stderr.strip()[-300:]})")
    return {s["id"]: s for s in map(json.loads, r.stdout.splitlines())}


def phone(rec):
    return [p.get("number") for p in rec.get("phones", [])][:1]


def main():
    tmp = e.tempdir()
    try:
        store = os.path.join(tmp, "store")
        files = os.path.join(e.SAMPLE, sorted(os.listdir(e.SAMPLE))[0])
        index(store, files)
        before = exported(store)
        with_phone = [s for s in before.values() if phone(s) and s.get("status", "active") == "active"]
        e.check(len(with_phone) >= 2, f"two active services with a phone to correct ({len(with_phone)})")
        a, b = with_phone[0]["id"], with_phone[1]["id"]
        db = sqlite3.connect(os.path.join(store, "reports.db"))
        db.executescript(SCHEMA)
        db.execute("INSERT INTO corrections VALUES(?, 'phone', '020 7946 0555', 1, 'ed', NULL)", (a,))
        db.execute("INSERT INTO corrections VALUES(?, 'status', 'closed', 1, 'ed', NULL)", (b,))
        db.commit()
        for when in ("at the next index run", "when the same files are indexed again"):
            index(store, files)
            now = exported(store)
            e.check(phone(now.get(a, {})) == ["020 7946 0555"], f"the corrected phone is exported {when} ({phone(now.get(a, {}))})")
            e.check(now.get(b, {}).get("status") == "inactive", f"the 'closed' mark is exported {when}")
            e.check(phone(now.get(b, {})) == phone(before[b]), f"an uncorrected field keeps its crawled value {when}")
        db.execute("DELETE FROM corrections")
        db.commit()
        db.close()
        index(store, files)
        now = exported(store)
        e.check(phone(now.get(a, {})) == phone(before[a]), f"a withdrawn phone gives the crawled one back ({phone(now.get(a, {}))})")
        e.check(now.get(b, {}).get("status") == before[b].get("status"), "a withdrawn 'closed' mark gives the crawled status back")
        e.check(all(phone(now[s]) == phone(before[s]) for s in before), "every other service is as crawled")
    finally:
        e.rmtree(tmp)
    e.finish("corrections-index")


if __name__ == "__main__":
    main()
