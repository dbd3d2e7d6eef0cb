#!/usr/bin/env python3
"""test_changes.py - the change feed (/feeds/changes, RPDE style) on an
index of the bundled sample, with deletions recorded the way the indexer
records them (STORE/crawl.db, ingest_records.gone_at): every service once,
ordered by (modified, id), pages chained by next, deletions in order, a
cursor in the middle resumes strictly after it, and the last next URL is
empty until something changes.  Also the Atom feed's shape."""
import os
import sqlite3
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orukt  # noqa: E402
from orukt import e  # noqa: E402

GONE_ID = "0e0e0e0e-0000-4000-8000-00000000dead"
ATOM = "{http://www.w3.org/2005/Atom}"


def drain(base, url):
    items, pages = [], 0
    while pages < 100:
        st, doc = e.get(base, url[len(base):])
        if not e.check(st == 200 and isinstance(doc, dict), f"GET {url}: {st}"):
            return items, url, pages
        pages += 1
        items += doc["items"]
        if not doc["items"]:
            return items, doc["next"], pages
        url = doc["next"]
    return items, url, pages


def main():
    with e.scratch("oruk-changes") as (tmp, keep):
        store = orukt.sample_store(tmp, "store", "oruk-changes")
        db = sqlite3.connect(os.path.join(store, "crawl.db"))
        db.execute("CREATE TABLE IF NOT EXISTS ingest_records(id TEXT PRIMARY KEY, source TEXT NOT NULL,"
                   " hash TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
                   " last_changed INTEGER NOT NULL, gone_at INTEGER)")
        db.execute("INSERT INTO ingest_records VALUES(?,?,?,?,?,?,?)",
                   (GONE_ID, "test", "x", 1000, 1000, 1000, 1500))
        db.commit()
        db.close()
        srv = keep(orukt.Served(store))
        e.check(srv.ok, "signpost serve starts")
        base = srv.base
        st, h, body = orukt.raw_get(base + "/feeds/changes")
        e.check(st == 200 and h.get("Access-Control-Allow-Origin") == "*", "the change feed is open (CORS)")
        items, nxt, pages = drain(base, base + "/feeds/changes")
        ups = [i for i in items if i["state"] == "updated"]
        dels = [i for i in items if i["state"] == "deleted"]
        st, doc = e.get(base, "/oruk/services", {"minimal": "true", "per_page": 1000})
        ids = {s["id"] for s in doc["contents"]}
        e.check(len(ids) >= 500 and {i["id"] for i in ups} == ids and len(ups) == len(ids),
                f"every service once as updated ({len(ups)} of {len(ids)}, {pages} pages)")
        e.check([d["id"] for d in dels] == [GONE_ID] and dels[0]["modified"] == 1500 and "data" not in dels[0],
                "a record gone from its source is a deleted item at its gone time, without data")
        keys = [(i["modified"], i["id"]) for i in items]
        e.check(keys == sorted(keys) and len(set(keys)) == len(keys), "ordered by (modified, id), no repeats")
        e.check(items and items[0]["id"] == GONE_ID, "the older deletion comes first")
        e.check(all(i["kind"] == "Service" and isinstance(i["modified"], int) for i in items),
                "items say kind and modified")
        mid = items[len(items) // 2]
        st, doc = e.get(base, "/feeds/changes", {"afterTimestamp": mid["modified"], "afterId": mid["id"]})
        rest, _, _ = drain(base, base + f"/feeds/changes?afterTimestamp={mid['modified']}&afterId={mid['id']}")
        e.check([i["id"] for i in rest] == [i["id"] for i in items[len(items) // 2 + 1:]],
                "a cursor resumes strictly after (modified, id)")
        st, doc = e.get(base, nxt[len(base):])
        e.check(st == 200 and doc["items"] == [] and doc["next"] == nxt,
                "the last next URL is empty and stays put until something changes")
        for bad in ({"afterTimestamp": "-1"}, {"afterTimestamp": "x"}, {"afterId": "42"}, {"since": "1"}):
            st, doc = e.get(base, "/feeds/changes", bad)
            e.check(st == 400 and "error" in doc, f"bad cursor {bad} is a 400")

        # the Atom feed's shape
        st, h, body = orukt.raw_get(base + "/feeds/search.atom?q=esol&per_page=5")
        e.check(st == 200 and h.get("Content-Type", "").startswith("application/atom+xml"), "Atom served")
        root = ET.fromstring(body)
        ents = root.findall(ATOM + "entry")
        e.check(root.tag == ATOM + "feed" and root.findtext(ATOM + "id") and root.findtext(ATOM + "title")
                and root.findtext(ATOM + "updated"), "feed has id, title, updated")
        e.check(any(ln.get("rel") == "self" for ln in root.findall(ATOM + "link")), "feed links to itself")
        e.check(0 < len(ents) <= 50, f"entries for the search ({len(ents)})")
        e.check(all(en.findtext(ATOM + "id", "").startswith("urn:uuid:") and en.findtext(ATOM + "title")
                    and en.findtext(ATOM + "updated") for en in ents), "entries have id, title, updated")
        ups = [en.findtext(ATOM + "updated") for en in ents]
        e.check(ups == sorted(ups, reverse=True), "newest first")
        st, _, body = orukt.raw_get(base + "/feeds/search.atom?q=%3Cscript%3E%26")
        e.check(st == 200 and b"<script>" not in body and ET.fromstring(body) is not None,
                "search text is escaped in the feed")
        # polling costs a 304 when nothing changed
        import urllib.request
        import urllib.error
        st, h, body = orukt.raw_get(base + "/feeds/search.atom?q=esol")
        tag = h.get("ETag")
        e.check(st == 200 and tag, "the feed has an ETag")
        req = urllib.request.Request(base + "/feeds/search.atom?q=esol", headers={"If-None-Match": tag or "x"})
        try:
            code = urllib.request.urlopen(req, timeout=30).status
        except urllib.error.HTTPError as err:
            code = err.code
        e.check(code == 304, f"If-None-Match with the same ETag: 304 ({code})")
        req = urllib.request.Request(base + "/feeds/search.atom?q=cv", headers={"If-None-Match": tag or "x"})
        e.check(urllib.request.urlopen(req, timeout=30).status == 200, "another search: 200")
        st, _, _ = orukt.raw_get(base + "/feeds/other.rss")
        e.check(st == 404, "unknown feed is a 404")


if __name__ == "__main__":
    main()
