"""torture_ssrf.py - a hostile provider tries to make the crawler fetch
from this machine, and fails.

The provider (127.0.0.2, allowed by name in sources.conf, as a deployment
would allow a real provider it trusts) lists every form in
ssrf_targets.txt of an "internal" server on 127.0.0.1 and ::1: as RSS item
links, as HTML links, as data-package resources, as the targets of
redirects reached from its sitemap and its pages, and as the Sitemap line of
its robots.txt; one source names the internal server directly.  The crawl
must leave the internal server's request log empty, say why in
`signpost crawl --status`, and keep the detail out of the public hub API.
A control crawl with the internal range allowed proves the same matrix
does reach the internal server when the policy lets it.

usage: torture_ssrf.py SIGNPOST
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import spe2e as e  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Log:
    def __init__(self):
        self.lock = threading.Lock()
        self.lines = []

    def add(self, what):
        with self.lock:
            self.lines.append(what)


def serve(host, port, family, handler):
    class Server(http.server.ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

        def server_bind(self):
            if family == socket.AF_INET6:
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            super().server_bind()

    srv = Server((host, port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def internal_handler(log):
    class H(e.Handler):
        def do_GET(self):
            log.add(f"{self.client_address[0]} {self.path} Host={self.headers.get('Host')}")
            if self.path == "/robots.txt":
                # "no robots.txt: crawl everything" must not matter: the
                # host is never contacted at all.
                return self.reply(404)
            self.reply(200, "text/csv", b"id,name\n1,INTERNAL SECRET\n")
    return H


def provider_handler(log, pbase, targets):
    def target(i, route):
        return targets[i] + f"{route}-{i}"

    n = len(targets)

    def page(path):
        if path == "/robots.txt":
            return "text/plain", "User-agent: *\nAllow: /\nSitemap: %s\n" % target(0, "robots-sitemap")
        if path == "/feed.xml":
            items = "".join(f"<item><title>Service {i}</title><link>{target(i, 'rss')}</link>"
                            f"<description>x</description></item>" for i in range(n))
            items += "".join(f"<item><title>Hop {i}</title><link>{pbase}/redir/rss/{i}</link>"
                             f"<description>x</description></item>" for i in range(n))
            return ("application/rss+xml",
                    f'<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>'
                    f"<link>{pbase}/</link><description>d</description>{items}</channel></rss>")
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{target(i, 'sitemap')}</loc></url>" for i in range(n))
            locs += "".join(f"<url><loc>{pbase}/redir/sitemap/{i}</loc></url>" for i in range(n))
            return ("application/xml",
                    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                    f'sitemap/0.9">{locs}</urlset>')
        if path == "/datapackage.json":
            res = [{"name": f"r{i}", "path": target(i, "resource"), "format": "csv"}
                   for i in range(n)]
            res += [{"name": f"h{i}", "path": f"{pbase}/redir/resource/{i}", "format": "csv"}
                    for i in range(n)]
            return "application/json", json.dumps({"name": "hostile", "resources": res})
        if path in ("/", "/index.html"):
            links = "".join(f'<a href="{target(i, "html")}">x{i}</a>' for i in range(n))
            links += "".join(f'<a href="/redir/html/{i}">h{i}</a>' for i in range(n))
            return ("text/html",
                    f"<!doctype html><html><head><title>Hostile</title></head><body>{links}"
                    "</body></html>")
        return None

    class H(e.Handler):
        def do_GET(self):
            log.add(self.path)
            if self.path.startswith("/redir/"):
                _, _, route, i = self.path.split("/")
                return self.reply(302, headers=[("Location", target(int(i), "redirect-" + route))])
            got = page(self.path.split("?")[0])
            if not got:
                return self.reply(404)
            ctype, body = got
            self.reply(200, ctype, body.encode())
    return H


def write_conf(path, pbase, ibase, allow):
    with open(path, "w") as f:
        f.write(f"[defaults]\nallow_private = {allow}\ndelay = 0\ntimeout = 5\n"
                "connect_timeout = 2\nretries = 0\npages = 500\ncoverage = london\n")
        for name, url, kind in [("hostile-rss", pbase + "/feed.xml", "rss"),
                                ("hostile-sitemap", pbase + "/sitemap.xml", "sitemap"),
                                ("hostile-datapackage", pbase + "/datapackage.json", "datapackage"),
                                ("hostile-html", pbase + "/index.html", "html"),
                                ("direct-internal", ibase + "/direct", "html")]:
            f.write(f"\n[source {name}]\nurl = {url}\nkind = {kind}\n")


def crawl(conf, store):
    r = subprocess.run([e.SIGNPOST, "crawl", "--sources", conf, "--store", store, "--once",
                        "--quiet"], capture_output=True, text=True, timeout=240)
    e.check(r.returncode == 0, f"signpost crawl exits 0: {r.stderr[-500:]}")
    if "AddressSanitizer" in r.stderr or "runtime error" in r.stderr:
        e.check(False, "no sanitizer report: " + r.stderr[-2000:])


def main():
    iport = e.free_port()
    with open(os.path.join(HERE, "ssrf_targets.txt")) as f:
        targets = [ln.strip().replace("{port}", str(iport)) for ln in f
                   if ln.strip() and not ln.startswith("#")]
    ilog, plog = Log(), Log()
    internal = [serve("127.0.0.1", iport, socket.AF_INET, internal_handler(ilog)),
                serve("::1", iport, socket.AF_INET6, internal_handler(ilog))]
    provider = serve("127.0.0.2", 0, socket.AF_INET, None or provider_handler(
        plog, "", targets))
    pport = provider.server_address[1]
    pbase = f"http://127.0.0.2:{pport}"
    provider.RequestHandlerClass = provider_handler(plog, pbase, targets)
    ibase = f"http://127.0.0.1:{iport}"
    tmp = e.tempdir()
    try:
        # The policy as shipped: only the provider is allowed.
        conf = os.path.join(tmp, "sources.conf")
        write_conf(conf, pbase, ibase, "127.0.0.2/32")
        store = os.path.join(tmp, "store")
        crawl(conf, store)
        e.check(len(plog.lines) >= 4, f"the provider was crawled ({len(plog.lines)} requests)")
        for route in ("/feed.xml", "/sitemap.xml", "/datapackage.json", "/index.html"):
            e.check(route in plog.lines, f"the provider served {route}")
        e.check(any(p.startswith("/redir/") for p in plog.lines),
                "the crawler followed the provider's links to its redirects")
        e.check(ilog.lines == [], f"the internal server saw no request ({len(ilog.lines)}: "
                f"{ilog.lines[:5]})")
        print(f"ssrf: {len(targets)} address forms x (rss, html, sitemap, data package, "
              f"redirects, robots.txt, direct): provider saw {len(plog.lines)} requests, "
              f"internal saw {len(ilog.lines)}")

        r = subprocess.run([e.SIGNPOST, "crawl", "--store", store, "--status"],
                           capture_output=True, text=True, timeout=60)
        e.check("refused by the fetch policy" in r.stdout + r.stderr,
                "crawl --status tells the operator what the fetch policy refused")

        r = subprocess.run([e.SIGNPOST, "index", "--store", store], capture_output=True,
                           text=True, timeout=240)
        e.check(r.returncode == 0, f"signpost index: {r.stderr[-300:]}")
        port = e.free_port()
        base = f"http://127.0.0.1:{port}"
        with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--quiet"]):
            e.wait_for(base, cond=None)
            st, body = e.get(base, "/api/v1/search", {"q": "INTERNAL SECRET"})
            e.check(st == 200 and body.get("total") == 0 and "INTERNAL SECRET" not in
                    json.dumps(body.get("results")), f"nothing internal is searchable ({st})")
            st, body = e.get(base, "/api/v1/hub/sources")
            text = json.dumps(body)
            print(f"/api/v1/hub/sources: {st}")
            if st == 200:
                e.check("is a loopback address" not in text and "allow_private" not in text,
                        "the hub API does not publish the fetch policy's detail")

        # Control: with the internal range allowed the same matrix reaches it,
        # so the zero above is the policy's doing.
        ilog.lines.clear()
        write_conf(conf, pbase, ibase, "127.0.0.0/8 ::1/128")
        crawl(conf, os.path.join(tmp, "store-open"))
        e.check(len(ilog.lines) > 0, "control: with 127.0.0.0/8 allowed the internal server is "
                "reached")
        print(f"ssrf control (internal allowed): internal saw {len(ilog.lines)} requests")
    finally:
        for s in internal + [provider]:
            s.shutdown()
        e.rmtree(tmp)
    e.finish("torture-ssrf")


if __name__ == "__main__":
    main()
