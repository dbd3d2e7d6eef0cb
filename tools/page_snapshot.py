#!/usr/bin/env python3
"""tools/page_snapshot.py - the portal's pages for a fixed set of requests,
saved so that a refactoring of the page code can be shown to change no
byte of them (issue 17: "the same answers before and after").

  page_snapshot.py save BIN STORE OUTDIR [--editor NAME:PASSWORD] [--report]
      serve STORE with BIN (--hub-public, port chosen here) and save each
      page's body as OUTDIR/NN.html with OUTDIR/index.tsv (file, status,
      bytes, path): search (filters, sorting, paging, languages, hostile
      queries), /guided, /coach (answers, shortlist, printout), /hub, the
      first ESOL results' and the sample's hostile records' service pages,
      errors.  --editor signs in as that account (signpost user add) and
      saves /hub, /coach and / as it sees them too; --report first posts
      one public problem report (it stays in STORE: do it once, before the
      first save).
  page_snapshot.py compare A B
      compare two saves byte for byte, with what differs on every request
      masked (form tokens, CSRF tokens, the server's port); exit 1 when a
      page differs.

Make the store once (signpost index --store STORE data/sample/sources) and
save with the old and the new binary against it."""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAGES = ["/", "/?q=ESOL", "/?q=ESOL&near=E8+1DY", "/?q=cv&borough=hackney", "/?q=esol&page=2",
         "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/?q=job&cost=free&mode=online",
         "/?q=esol&sort=updated", "/?q=esol&near=E8+1DY&sort=distance", "/?lang=pl", "/?q=esol&lang=ar",
         "/?q=zzzzqqq", "/?q=english+classes+in+newham", "/?q=esol&open=now",
         "/?q=esol&day=mon&time=morning", "/?q=esol&group=young-people&category=esol",
         "/?q=%22quoted%22+%26+amp", "/?near=NOTAPOSTCODE", "/guided", "/guided?step=2&need=esol",
         "/coach", "/coach?age=30&borough=newham&per_page=100",
         "/coach?age=19&near=E8+1DY&benefits=universal-credit&status=unemployed&need=cv-and-applications",
         "/coach?age=30&near=NOT+A+POSTCODE", "/coach?q=interview&near=E8+1DY&per_page=100",
         "/coach?age=30&sector=astronaut", "/hub", "/hub?group=disabled", "/hub?group=bame&category=esol",
         "/hub?category=esol", "/login", "/nonexistent", "/services/nope", "/?q=esol&lang=pl&page=2"]
EDITOR_PAGES = ["/hub", "/hub?decided=same", "/hub?reviewed=corrected&group=disabled", "/coach", "/"]


class Server:
    def __init__(self, binary, store, *extra):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([binary, "serve", "--store", store, "--listen", f"127.0.0.1:{self.port}",
                                      "--web", os.path.join(SOURCE, "web"), *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if self.req("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        sys.exit("page_snapshot: the server did not answer /healthz")

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body, headers or {})
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def cookie(headers, name):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0].split("=", 1)[1]
    return None


def save(binary, store, out, editor, report):
    os.makedirs(out, exist_ok=True)
    srv = Server(binary, store, "--hub-public")
    manifest = json.load(open(os.path.join(SOURCE, "data", "sample", "manifest.json")))
    ids = manifest["hostile"][:4]
    st, _, body = srv.req("GET", "/api/v1/search?q=ESOL&per_page=6")
    ids += [h["id"] for h in json.loads(body)["results"]][:6]
    paths = PAGES + ["/services/" + i for i in ids]
    paths += ["/coach?age=30&borough=newham&s=" + ids[4] + "&s=" + ids[5],
              "/coach?age=30&borough=newham&s=" + "&s=".join(ids[4:8]) +
              "&print=1&notes=call+%3Cb%3Ethem%3C%2Fb%3E",
              "/coach?q=esol&near=E8+1DY&s=" + "&s=".join(ids[:4])]
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": srv.origin}
    if report:
        st, _, body = srv.req("GET", "/services/" + ids[4])
        tok = re.search(rb'name="token" value="([^"]*)"', body).group(1).decode()
        fields = {"service": ids[4], "token": tok, "kind": "phone",
                  "details": "<b>wrong</b> \"number\" & 'more'", "contact": "a@example.org"}
        st, _, _ = srv.req("POST", "/api/v1/reports", urllib.parse.urlencode(fields), form)
        print(f"report posted: {st}")
    rows = [(p, {}) for p in paths]
    if editor:
        name, password = editor.split(":", 1)
        st, h, _ = srv.req("GET", "/login?next=/hub")
        tok = cookie(h, "sp_login")
        fields = {"csrf": tok, "next": "/hub", "name": name, "password": password}
        st, h, _ = srv.req("POST", "/login", urllib.parse.urlencode(fields), dict(form, Cookie=f"sp_login={tok}"))
        sess = cookie(h, "sp_session")
        if not sess:
            srv.stop()
            sys.exit(f"page_snapshot: {name} could not sign in ({st})")
        rows += [(p, {"Cookie": f"sp_session={sess}"}) for p in EDITOR_PAGES]
    lines = []
    for i, (path, headers) in enumerate(rows):
        st, _, body = srv.req("GET", path, headers=headers)
        fn = f"{i:02d}.html"
        with open(os.path.join(out, fn), "wb") as f:
            f.write(body)
        lines.append(f"{fn}\t{st}\t{len(body)}\t{path}{' (signed in)' if headers else ''}")
    srv.stop()
    with open(os.path.join(out, "index.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(rows)} pages saved in {out}")


def masked(body):
    body = re.sub(rb'(name="(?:token|csrf)" value=")[^"]*', rb"\1TOKEN", body)
    return re.sub(rb"http://127\.0\.0\.1:\d+", b"http://HOST", body)


def compare(a, b):
    same = differ = 0
    for line in open(os.path.join(a, "index.tsv")):
        fn, _, _, path = line.rstrip("\n").split("\t", 3)
        x = masked(open(os.path.join(a, fn), "rb").read())
        y = masked(open(os.path.join(b, fn), "rb").read())
        if x == y:
            same += 1
            continue
        differ += 1
        at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
        print(f"{fn} {path}: differs at byte {at}:\n  {x[max(0, at - 60):at + 60]!r}\n  {y[max(0, at - 60):at + 60]!r}")
    print(f"{same} identical, {differ} differ")
    return differ == 0


def main():
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "save":
        editor = args[args.index("--editor") + 1] if "--editor" in args else None
        save(args[1], args[2], args[3], editor, "--report" in args)
    elif len(args) == 3 and args[0] == "compare":
        sys.exit(0 if compare(args[1], args[2]) else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
