#!/usr/bin/env python3
"""test_serve_ops.py - `signpost serve` run as an operator runs it (issue 15,
docs/operations.md): from a config file, readiness and reloads told to a
NOTIFY_SOCKET this test listens on, SIGHUP re-reading the file (a new
public_url seen on a keep-alive connection that stays open) and reopening a
rotated log file, Forwarded / X-Forwarded-* believed from a trusted proxy
(127.0.0.1) and ignored from an untrusted one (127.0.0.2), gzip with ETag
and 304 kept, CORS preflights on the open-data routes, the access log's
format, /metrics' build_info (and `promtool check metrics` when installed),
`signpost config check` messages, and a clean stop on SIGTERM.

usage: test_serve_ops.py PATH/TO/signpost"""
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oruk"))
import orukt  # noqa: E402
import spe2e as e  # noqa: E402

NAME = "ops-serve"


def request(port, method, target, headers=None, source="127.0.0.1", conn=None):
    """(status, headers dict (lower-case names), body bytes, connection)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                           source_address=(source, 0))
    c.request(method, target, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body, c


def notify_wait(sock, want, timeout=60):
    """The datagrams until one contains want; all of them."""
    sock.settimeout(timeout)
    got = []
    while True:
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            return got
        got.append(msg)
        if want in msg.split("\n"):
            return got


def own_urls(body, port):
    """Every absolute URL in a body that points at this server (by any name
    this test gives it), as text."""
    hosts = rf"(?:127\.0\.0\.1:{port}|proxy\.example\.org|fw\.example\.org|signpost\.example\.org)"
    return re.findall(rf"https?://{hosts}[^\s\"'<>]*", body.decode("utf-8", "replace"))


def proxy_checks(port):
    targets = ["/oruk/", "/feeds/changes", "/feeds/search.atom?q=english"]
    fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.org"}
    for t in targets:
        st, h, body, c = request(port, "GET", t, fwd)
        c.close()
        urls = own_urls(body, port)
        e.check(st == 200 and urls, f"{t}: 200 with absolute URLs (got {st}, {len(urls)} URLs)")
        bad = [u for u in urls if not u.startswith("https://proxy.example.org/")]
        e.check(not bad, f"{t} from a trusted proxy: every URL is https://proxy.example.org/... "
                         f"(not: {bad[:3]})")
        st, h, body, c = request(port, "GET", t, fwd, source="127.0.0.2")
        c.close()
        urls = own_urls(body, port)
        bad = [u for u in urls if not u.startswith(f"http://127.0.0.1:{port}/")]
        e.check(st == 200 and urls and not bad,
                f"{t} from an untrusted address: the forwarded headers are ignored (not: {bad[:3]})")
    st, h, body, c = request(port, "GET", "/oruk/",
                             {"Forwarded": 'for=192.0.2.1;proto=http, for="[2001:db8::1]";'
                                           "proto=https;host=fw.example.org"})
    c.close()
    e.check(json.loads(body).get("openapi_url") == "https://fw.example.org/oruk/openapi.json",
            f"Forwarded (RFC 7239), its last element, from a trusted proxy: {body[:200]!r}")
    st, h, body, c = request(port, "GET", "/oruk/", {"X-Forwarded-Host": "evil.example/x<y>"})
    c.close()
    e.check(json.loads(body).get("openapi_url") == f"http://127.0.0.1:{port}/oruk/openapi.json",
            f"a forwarded host that is not a host name is not used: {body[:200]!r}")


def http_checks(port):
    target = "/oruk/services?per_page=50"
    st, plain_h, plain, c = request(port, "GET", target)
    c.close()
    st2, h, body, c = request(port, "GET", target, {"Accept-Encoding": "gzip, deflate"})
    c.close()
    e.check(st == 200 and st2 == 200 and h.get("content-encoding") == "gzip",
            f"ORUK page gzipped when accepted: {h.get('content-encoding')}")
    e.check(gzip.decompress(body) == plain, "the gzipped body is the plain one")
    e.check(len(body) * 3 < len(plain), f"gzip gains ({len(plain)} -> {len(body)} bytes)")
    e.check("Accept-Encoding" in h.get("vary", "") and "Accept-Encoding" in plain_h.get("vary", ""),
            "Vary: Accept-Encoding on both variants")
    e.check(plain_h.get("etag") and h.get("etag") and plain_h["etag"] != h["etag"],
            f"each variant has its ETag ({plain_h.get('etag')} / {h.get('etag')})")
    st, h3, body3, c = request(port, "GET", target, {"Accept-Encoding": "gzip",
                                                     "If-None-Match": h.get("etag", "")})
    c.close()
    e.check(st == 304 and body3 == b"", f"If-None-Match with the gzip ETag: 304 (got {st})")
    st, h4, _, c = request(port, "GET", target, {"Accept-Encoding": "gzip;q=0, identity"})
    c.close()
    e.check(st == 200 and "content-encoding" not in h4, "gzip;q=0 refuses gzip")
    for t in ["/api/v1/search?q=english", "/api/v1/export/services.csv",
              "/api/v1/export.ndjson", "/", "/feeds/changes"]:
        st, h5, b5, c = request(port, "GET", t, {"Accept-Encoding": "gzip"})
        c.close()
        e.check(st == 200 and h5.get("content-encoding") == "gzip" and gzip.decompress(b5),
                f"{t}: gzipped ({st}, {h5.get('content-type')}, {h5.get('content-encoding')})")

    for t in ["/oruk/services", "/feeds/changes", "/api/v1/export.ndjson"]:
        st, h, body, c = request(port, "OPTIONS", t, {
            "Origin": "https://app.example.net", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match"})
        c.close()
        e.check(st == 204 and h.get("access-control-allow-origin") == "*"
                and "GET" in h.get("access-control-allow-methods", "")
                and "if-none-match" in h.get("access-control-allow-headers", "").lower()
                and h.get("access-control-max-age"),
                f"preflight on {t}: 204 with the CORS headers (got {st}, {h})")
    st, h, body, c = request(port, "OPTIONS", "/api/v1/search")
    c.close()
    e.check(st == 405, f"no preflight on the personal search API: {st}")

    # The config says metrics_allow = 127.0.0.2/32 and hub_public = yes.
    st, h, body, c = request(port, "GET", "/metrics")
    c.close()
    e.check(st == 403, f"/metrics from an address outside the config's metrics_allow: 403 ({st})")
    st, h, body, c = request(port, "GET", "/api/v1/hub/gaps")
    c.close()
    e.check(st == 200, f"hub_public = yes in the config: the hub API answers anonymously ({st})")
    st, h, body, c = request(port, "GET", "/metrics", source="127.0.0.2")
    c.close()
    e.check(st == 200, f"/metrics from the config's metrics_allow range: 200 ({st})")
    text = body.decode()
    metrics_checks(text)
    e.check(re.search(r'^signpost_build_info\{version="[^"]+",index_schema="\d+"\} 1$', text, re.M),
            "/metrics has signpost_build_info")
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                           text=True)
        e.check(r.returncode == 0, f"promtool check metrics: {r.stdout}{r.stderr}")
    else:
        print("promtool not installed (Debian package prometheus): not run", flush=True)


def oruk_checks(port):
    def get(t):
        st, h, body, c = request(port, "GET", t)
        c.close()
        try:
            return st, h, json.loads(body)
        except ValueError:
            return st, h, None
    # ServiceFinder / ORUK v1 style and HSDS 3.0 style requests.
    for t in ["/oruk/services?text=english&vocabulary=esdNeedsTypes&coverage=Hackney&page=1",
              "/oruk/services?full_service=true&per_page=5&api_key=x",
              "/oruk/services/?search=cv&minimal=false&_=12345",
              "/oruk/organizations?text=council&unknown=1",
              "/oruk/taxonomies?search=need&callback=x",
              "/oruk/taxonomy_terms?top_only=true&vocabulary=x",
              "/oruk/?format=json&foo=bar"]:
        st, h, doc = get(t)
        e.check(st == 200 and isinstance(doc, dict), f"{t}: 200 ({st})")
    st, _, plain = get("/oruk/services?search=english")
    st2, _, syn = get("/oruk/services?text=english")
    e.check(plain and syn and plain.get("total_items") == syn.get("total_items") and
            plain["total_items"] > 0, "text is a synonym of search")
    st, _, doc = get("/oruk/services?full_service=maybe")
    e.check(st == 400, f"a known parameter with a bad value is still a 400 ({st})")
    st, _, doc = get("/api/v1/search?q=english&text=english")
    e.check(st == 400, f"/api/v1 stays strict about unknown parameters ({st})")
    st, _, terms = get("/oruk/taxonomy_terms?per_page=1000")
    st, _, top = get("/oruk/taxonomy_terms?top_only=true&per_page=1000")
    all_terms = terms["contents"] if terms else []
    tops = top["contents"] if top else []
    e.check(0 < len(tops) <= len(all_terms) and all(not t.get("parent_id") for t in tops),
            f"top_only: terms without a parent ({len(tops)} of {len(all_terms)})")
    child = next((t for t in all_terms if t.get("parent_id")), None)
    if child:
        st, _, kids = get(f"/oruk/taxonomy_terms?parent_id={child['parent_id']}&per_page=1000")
        e.check(kids and kids["contents"] and
                all(t["parent_id"] == child["parent_id"] for t in kids["contents"]),
                "parent_id: the terms under that one")
    st, _, taxes = get("/oruk/taxonomies?per_page=1000")
    if taxes and taxes["contents"]:
        name = taxes["contents"][0]["name"]
        st, _, found = get("/oruk/taxonomies?search=" + urllib.parse.quote(name.lower()))
        e.check(found and 0 < len(found["contents"]) <= len(taxes["contents"]) and
                any(t["name"] == name for t in found["contents"]), "search on taxonomies")
        st, _, none = get("/oruk/taxonomies?search=zzqqxxnothing")
        e.check(none and none["contents"] == [], "search on taxonomies finds nothing for nonsense")
    # RPDE cache headers.
    st, h, doc = get("/feeds/changes")
    e.check(st == 200 and doc["items"] and h.get("cache-control") == "public, max-age=3600",
            f"RPDE page with items: public, max-age=3600 ({h.get('cache-control')})")
    nxt = doc["next"]
    while doc["items"]:
        st, h, doc = get(urllib.parse.urlsplit(nxt).path + "?" + urllib.parse.urlsplit(nxt).query)
        nxt = doc["next"]
    e.check(h.get("cache-control") == "public, max-age=8",
            f"RPDE last page: public, max-age=8 ({h.get('cache-control')})")


def seed_crawl_store(store):
    """A run of the indexer over the store (which notes itself for /metrics),
    and a crawler's bookkeeping for two sources, written as the crawler
    writes it (tables sources and fetch_log of STORE/crawl.db)."""
    import sqlite3
    # A hub decision pending (hub_meta "decisions" ahead of "applied") makes
    # the indexer's linkage run rather than skip, so it is timed.
    db = sqlite3.connect(os.path.join(store, "crawl.db"))
    db.execute("INSERT OR REPLACE INTO hub_meta(key, value) VALUES('decisions', '1')")
    db.commit()
    db.close()
    r = subprocess.run([e.SIGNPOST, "index", "--store", store, "--quiet"], capture_output=True,
                       text=True)
    e.check(r.returncode == 0, f"signpost index --store over the store: {r.stderr[-300:]}")
    import time
    now = int(time.time())
    db = sqlite3.connect(os.path.join(store, "crawl.db"))
    db.execute("INSERT INTO sources(name, url, kind, last_success, records) "
               "VALUES('alpha', 'http://127.0.0.1:1/a', 'oruk', ?, 12)", (now - 100,))
    db.execute("INSERT INTO sources(name, url, kind, failing_since, records) "
               "VALUES('beta', 'http://127.0.0.1:1/b', 'html', ?, 0)", (now - 50,))
    for url, status, err in [("a1", 200, None), ("a2", 304, None), ("a3", 503, None),
                             ("a4", 304, None), ("b1", None, "connection refused")]:
        db.execute("INSERT INTO fetch_log(source, url, time, status, bytes, ms, error) "
                   "VALUES(?, ?, ?, ?, 10, 5, ?)", ("alpha" if url[0] == "a" else "beta",
                                                    "http://127.0.0.1:1/" + url, now, status, err))
    db.commit()
    db.close()


def metrics_checks(text):
    def value(name):
        m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
        return float(m.group(1)) if m else None
    e.check(value('signpost_store_readable') == 1, "the store is readable for /metrics")
    want = {'signpost_crawl_source_fetches{source="alpha"}': 4,
            'signpost_crawl_source_not_modified{source="alpha"}': 2,
            'signpost_crawl_source_errors{source="alpha"}': 1,
            'signpost_crawl_source_errors{source="beta"}': 1,
            'signpost_crawl_source_failing{source="alpha"}': 0,
            'signpost_crawl_source_failing{source="beta"}': 1,
            'signpost_crawl_source_records{source="alpha"}': 12}
    for k, v in want.items():
        e.check(value(k) == v, f"{k} is {v} ({value(k)})")
    age = value('signpost_crawl_source_last_success_age_seconds{source="alpha"}')
    e.check(age is not None and 100 <= age < 3600, f"alpha's last success age ({age})")
    e.check(value('signpost_crawl_source_last_success_age_seconds{source="beta"}') is None,
            "no last success age for a source that never succeeded")
    e.check((value("signpost_indexer_documents") or 0) > 50 and
            value("signpost_indexer_last_run_timestamp_seconds") and
            value("signpost_indexer_linkage_seconds") is not None,
            "indexer metrics: documents, last run, linkage time")


def config_check_checks(tmp):
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("# comment\nstore = /srv/signpost\n[serve]\nlisten = 127.0.0.1:8080\n"
                "public_url = ftp://x\ncolour = blue\ntrusted_proxies = 10.0.0.0/33\n"
                "threads = 0\n[cache]\n[serve]\nhub_public = maybe\nmetrics_allow = 10.0.0.0/8, 10.1/99\n"
                "write_limit = 0\nper_client = 64\n")
    r = subprocess.run([e.SIGNPOST, "config", "check", bad], capture_output=True, text=True)
    e.check(r.returncode == 1, f"config check of a bad file exits 1 ({r.returncode})")
    for line, what in [(5, "public_url"), (6, "unknown key 'colour'"), (7, "trusted_proxies"),
                       (8, "threads"), (9, "unknown section [cache]"), (11, "yes or no"),
                       (12, "metrics_allow"), (13, "write_limit")]:
        e.check(f"{bad}:{line}: " in r.stderr and what in r.stderr,
                f"config check names line {line} ({what}): {r.stderr}")


def main():
    with e.scratch(NAME) as (tmp, keep):
        store = os.path.join(tmp, "store")
        e.check(orukt.index_sample(store), "the sample indexes")
        seed_crawl_store(store)
        config_check_checks(tmp)
        port = e.free_port()
        conf = os.path.join(tmp, "signpost.conf")
        log = os.path.join(tmp, "serve.log")
        body = (f"store = {store}\n[serve]\nlisten = 127.0.0.1:{port}\n"
                f"trusted_proxies = 127.0.0.1/32, ::1\naccess_log = json\nlog_file = {log}\n"
                f"metrics_allow = 127.0.0.2/32 ::1\nhub_public = yes\nper_client = 128\n"
                f"head_timeout = 20\nwrite_limit = 30\nsecure_cookies = no\n")
        with open(conf, "w") as f:
            f.write(body)
        r = subprocess.run([e.SIGNPOST, "config", "check", conf], capture_output=True, text=True)
        e.check(r.returncode == 0, f"config check of a good file: {r.stdout}{r.stderr}")

        ns_path = os.path.join(tmp, "notify")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(ns_path)
        env = dict(os.environ, NOTIFY_SOCKET=ns_path)
        srv = keep(subprocess.Popen([e.SIGNPOST, "serve", "--config", conf], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        got = notify_wait(ns, "READY=1")
        if not e.check(got and "READY=1" in got[-1], f"READY=1 on NOTIFY_SOCKET ({got})"):
            return

        proxy_checks(port)
        http_checks(port)
        oruk_checks(port)

        # A keep-alive connection open across the reload.
        st, h, b, keep = request(port, "GET", "/oruk/")
        local = keep.sock.getsockname()
        e.check(json.loads(b)["openapi_url"] == f"http://127.0.0.1:{port}/oruk/openapi.json",
                "before the reload: URLs from Host")
        os.rename(log, log + ".1")  # what logrotate does
        with open(conf, "w") as f:
            f.write(body + "public_url = https://signpost.example.org/sp/\n")
        srv.send_signal(signal.SIGHUP)
        got = notify_wait(ns, "READY=1")
        e.check(any(m.startswith("RELOADING=1\nMONOTONIC_USEC=") for m in got) and
                got and "READY=1" in got[-1], f"RELOADING=1 then READY=1 on a reload ({got})")
        e.check(srv.poll() is None, "SIGHUP does not stop serve")
        st, h, b, keep = request(port, "GET", "/oruk/", conn=keep)
        e.check(st == 200 and keep.sock and keep.sock.getsockname() == local,
                "the keep-alive connection survived the reload")
        e.check(json.loads(b)["openapi_url"] == "https://signpost.example.org/sp/oruk/openapi.json",
                f"after the reload the new public_url is used: {b[:200]!r}")
        st, h, b, c = request(port, "GET", "/feeds/changes",
                              {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "proxy.example.org"})
        c.close()
        urls = own_urls(b, port)
        e.check(urls and all(u.startswith("https://signpost.example.org/sp/feeds/") for u in urls),
                f"public_url wins over forwarded headers: {urls[:2]}")
        st, h, b, keep = request(port, "GET", "/api/v1/search?q=secret", conn=keep)
        e.check(st == 200 and keep.sock.getsockname() == local, "and it keeps serving")
        keep.close()

        # A bad file on reload changes nothing and stops nothing.
        with open(conf, "w") as f:
            f.write(body + "public_url = not a url\n")
        srv.send_signal(signal.SIGHUP)
        notify_wait(ns, "READY=1")
        st, h, b, c = request(port, "GET", "/oruk/")
        c.close()
        e.check(st == 200 and srv.poll() is None and
                json.loads(b)["openapi_url"].startswith("https://signpost.example.org/sp/"),
                "a bad config on reload keeps the running settings")

        srv.send_signal(signal.SIGTERM)
        rc = srv.wait(60)
        got = notify_wait(ns, "STOPPING=1", timeout=5)
        e.check(rc == 0 and "STOPPING=1" in got, f"SIGTERM: STOPPING=1 and exit 0 ({rc}, {got})")
        srv.stderr.read()

        with open(log) as f:
            after = f.read()
        with open(log + ".1") as f:
            before = f.read()
        e.check("reloaded" in after and '"path":"/oruk/"' in after,
                "after the rotation the log goes to the new file")
        lines = [json.loads(x) for x in (before + after).splitlines() if x.startswith("{")]
        e.check(len(lines) > 20, f"JSON access log lines ({len(lines)})")
        ok = all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", x["time"]) and
                 x["method"] and x["path"].startswith("/") and isinstance(x["status"], int) and
                 isinstance(x["ms"], (int, float)) for x in lines)
        e.check(ok, "every JSON line has time (ISO 8601), method, path, status, bytes, ms")
        e.check(any(x["status"] == 200 and x["bytes"] and x["bytes"] > 0 for x in lines),
                "bytes are logged")
        e.check("secret" not in before + after and "english" not in before + after,
                "no query string in the log")


if __name__ == "__main__":
    main()
