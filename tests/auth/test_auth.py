#!/usr/bin/env python3
"""test_auth.py - accounts, roles, sessions, tokens, CSRF, rate limits and
the audit trail, through the real binary: `signpost index` builds a store
from the bundled sample, `signpost user` / `signpost token` make the
accounts, `signpost serve` answers, and every request goes over loopback
(some from 127.0.0.2-4, by binding the client socket, to be another
client address).

- the hub (page, API, CSVs) needs an account; open data does not;
- every refused write in writes.tsv gets its status and error code and
  changes nothing (hub_decisions and the audit trail are read afterwards);
- a token's decision names its account whatever `by` says; an editor
  signed in with the form decides from the dashboard's button, and the
  audit trail names them;
- a revoked token, a removed account and a signed-out session stop
  working; writes and logins are rate-limited (429 + Retry-After);
- /metrics answers only the --metrics-allow range;
- --hub-public opens the reports, never the writes;
- the dashboard journey in Chromium (dashboard.cjs), when available.
"""
import html
import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.parse

SOURCE = os.environ.get("SIGNPOST_SOURCE", os.getcwd())
sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
import spe2e as e  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORDS = {"ed": "ed's long passphrase", "vera": "vera's long passphrase", "bot": "bot's long passphrase",
             "ada": "ada's long passphrase"}


class Client:
    """HTTP/1.1 over loopback from a chosen client address."""

    def __init__(self, port, src="127.0.0.1"):
        self.port, self.src = port, src

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.src, 0))
        try:
            h = {"Host": f"127.0.0.1:{self.port}"}
            h.update(headers or {})
            if isinstance(body, str):
                body = body.encode()
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = {}
            for k, v in r.getheaders():
                hdrs.setdefault(k.lower(), []).append(v)
            return r.status, hdrs, data
        finally:
            c.close()


def jcode(data):
    try:
        return json.loads(data)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def cookie_of(hdrs, name):
    for c in hdrs.get("set-cookie", []):
        if c.startswith(name + "="):
            return c.split(";", 1)[0].split("=", 1)[1], c
    return None, None


def form_fields(page, form_class=None):
    """The hidden inputs of the first form (of class form_class)."""
    pat = r'<form class="%s"[^>]*>(.*?)</form>' % form_class if form_class else r"<form[^>]*>(.*?)</form>"
    m = re.search(pat, page, re.S)
    if not m:
        return None
    return {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', m.group(1))}


def login(cl, origin, name, password, extra=None):
    """(status, headers, body) of signing in with the form, as a browser
    would: GET /login for its token cookie, POST the form back."""
    st, h, body = cl.req("GET", "/login?next=/hub")
    token, _ = cookie_of(h, "sp_login")
    fields = form_fields(body.decode())
    if not e.check(st == 200 and token and fields and fields.get("csrf") == token,
                   f"GET /login gives a form whose token is also a cookie (got {st})"):
        return st, h, body
    form = urllib.parse.urlencode({"csrf": fields["csrf"], "next": fields["next"], "name": name, "password": password})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin, "Cookie": f"sp_login={token}"}
    headers.update(extra or {})
    return cl.req("POST", "/login", form, headers)


def session_login(cl, origin, name, extra=None):
    st, h, _ = login(cl, origin, name, PASSWORDS[name], extra)
    sid, raw = cookie_of(h, "sp_session")
    e.check(st == 303 and h.get("location") == ["/hub"] and sid,
            f"{name} signs in with the form: 303 to /hub with a session cookie (got {st} {h.get('location')})")
    return sid, raw


def session_csrf(cl, sid):
    st, h, body = cl.req("GET", "/hub", headers={"Cookie": f"sp_session={sid}"})
    f = form_fields(body.decode(), "signout")
    e.check(st == 200 and f and f.get("csrf"), f"a signed-in person's /hub has the sign-out form with a CSRF token (got {st})")
    return (f or {}).get("csrf", ""), body.decode()


def cli(*args, stdin=None):
    r = subprocess.run([e.SIGNPOST] + list(args), input=stdin, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def decisions(store):
    db = sqlite3.connect(os.path.join(store, "crawl.db"))
    try:
        return db.execute("SELECT id_a, id_b, decision, by FROM hub_decisions ORDER BY at").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def audit_rows(store, action=None):
    db = sqlite3.connect(os.path.join(store, "accounts.db"))
    try:
        q = "SELECT account, via, action, target, detail, client FROM audit"
        rows = db.execute(q + (" WHERE action=?" if action else "") + " ORDER BY seq", (action,) if action else ()).fetchall()
        return rows
    finally:
        db.close()


def load_cases():
    cases = []
    with open(os.path.join(HERE, "writes.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            what, who, origin, ctype, query, body, status, code = line.split("\t")
            cases.append(dict(what=what, who=who, origin=origin, ctype=ctype, query=query, body=body,
                              status=int(status), code=code))
    return cases


def check_cli(store):
    st, out, err = cli("user", "--help")
    e.check(st == 0 and "signpost user add NAME" in out, "signpost user --help exits 0 with the usage")
    st, out, err = cli("token", "--help")
    e.check(st == 0 and "signpost token add" in out, "signpost token --help exits 0 with the usage")
    for args, want, what in [
        (["user", "add", "x"], 2, "user add without --store"),
        (["user", "frob", "--store", store], 2, "an unknown user verb"),
        (["user", "add", "x", "--store", store, "--password", "secret-secret"], 2, "a password on the command line"),
        (["user", "add", "x y", "--store", store], 2, "a bad account name"),
        (["user", "add", "x", "--store", store, "--role", "king"], 2, "an unknown role"),
        (["user", "remove", "nobody", "--store", store], 1, "removing an account that does not exist"),
        (["token", "revoke", "abc", "--store", store], 2, "revoking a token that is not a number"),
        (["token", "revoke", "999", "--store", store], 1, "revoking a token that does not exist"),
        (["token", "add", "--store", store], 2, "token add without --user"),
        (["token", "add", "--store", store, "--user", "nobody"], 1, "a token for an account that does not exist"),
    ]:
        st, out, err = cli(*args, stdin="")
        e.check(st == want and err.strip() and "\n" not in err.strip(),
                f"signpost {what} exits {want} with one line on stderr (got {st}: {err.strip()[:200]})")
    st, out, err = cli("serve", "--store", store, "--metrics-allow", "10.0.0.0/33")
    e.check(st == 2 and "prefix" in err, f"serve --metrics-allow with a bad range exits 2 (got {st}: {err.strip()})")
    st, out, err = cli("user", "add", "shorty", "--store", store, stdin="short\n")
    e.check(st == 1 and "10 to 1024" in err, f"a short password is refused (got {st}: {err.strip()})")


def main():
    tmp = e.tempdir()
    srv = None
    try:
        store = os.path.join(tmp, "store")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store, e.SAMPLE], capture_output=True, text=True)
        if not e.check(r.returncode == 0, f"signpost index exits 0 ({r.stderr[-300:]})"):
            e.finish("auth")
        check_cli(store)
        for name, role in [("ed", "editor"), ("vera", "viewer"), ("bot", "editor"), ("ada", "admin")]:
            st, out, err = cli("user", "add", name, "--role", role, "--store", store, stdin=PASSWORDS[name] + "\n")
            e.check(st == 0, f"signpost user add {name} --role {role} exits 0 ({err.strip()})")
        st, out, err = cli("user", "add", "ed", "--store", store, stdin="another passphrase\n")
        e.check(st == 1 and "exists" in err, "adding an account twice is refused")
        tokens = {}
        for name, args in [("ed", ["--user", "ed", "--label", "ed's script"]), ("vera", ["--user", "vera"]),
                           ("bot", ["--user", "bot"]), ("revoked", ["--user", "ed"]),
                           ("ed-viewer", ["--user", "ed", "--role", "viewer"]), ("admin", ["--user", "ada"])]:
            st, out, err = cli("token", "add", "--store", store, *args)
            tokens[name] = out.strip()
            e.check(st == 0 and tokens[name].startswith("spt_"), f"signpost token add {' '.join(args)} prints a token")
        st, out, err = cli("token", "add", "--store", store, "--user", "vera", "--role", "admin")
        e.check(st == 1 and not out.strip(), "a token cannot have more than its account's role")
        st, out, _ = cli("token", "list", "--store", store, "--json")
        listed = json.loads(out) if st == 0 else []
        revoked_id = next((t["id"] for t in listed if t["account"] == "ed" and t["label"] is None and t["role"] == "editor"), None)
        st, _, err = cli("token", "revoke", str(revoked_id), "--store", store)
        e.check(st == 0, f"signpost token revoke exits 0 ({err.strip()})")
        with open(os.path.join(store, "accounts.db"), "rb") as f:
            raw = f.read()
        e.check(not any(t.encode() in raw for t in tokens.values()), "accounts.db holds no token in clear")
        e.check(not any(p.encode() in raw for p in PASSWORDS.values()), "accounts.db holds no password in clear")
        e.check(oct(os.stat(os.path.join(store, "accounts.db")).st_mode & 0o777) == "0o600",
                "accounts.db is readable by its owner only")
        st, out, _ = cli("user", "list", "--store", store)
        e.check(st == 0 and all(n in out for n in PASSWORDS), "signpost user list names every account")

        port = e.free_port()
        base = f"http://127.0.0.1:{port}"
        origin = base
        srv = e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--metrics-allow", "127.0.0.1/32",
                      "--write-limit", "20"])
        if not e.check(e.wait_for(base) is not None, "searchd serves the store"):
            print(srv.stop()[1][-3000:])
            e.finish("auth")
        cl = Client(port)
        st, res = e.get(base, "/api/v1/search", {"per_page": 3})
        ids = [h["id"] for h in res.get("results", [])] if st == 200 else []
        if not e.check(len(ids) == 3, "the sample has records to decide about"):
            e.finish("auth")
        A, B = ids[0], ids[1]

        # 1. reads: the hub for staff, open data for anyone
        bearer = lambda t: {"Authorization": "Bearer " + tokens[t]}  # noqa: E731
        for path in ["/api/v1/hub/coverage", "/api/v1/hub/duplicates?format=csv", "/api/v1/hub/sources",
                     "/api/v1/hub/audit"]:
            st, h, body = cl.req("GET", path)
            e.check(st == 401 and jcode(body) == "unauthorized" and h.get("www-authenticate"),
                    f"anonymous GET {path} is 401 with WWW-Authenticate (got {st})")
        st, h, body = cl.req("GET", "/hub")
        e.check(st == 303 and h.get("location") == ["/login?next=/hub"], f"anonymous /hub is sent to /login (got {st} {h.get('location')})")
        for path in ["/api/v1/search?q=cv", "/oruk/services", "/api/v1/export/services.csv", "/feeds/search.atom?q=cv", "/",
                     "/login"]:
            st, h, body = cl.req("GET", path)
            e.check(st == 200, f"anonymous GET {path} stays open (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/coverage", headers=bearer("vera"))
        e.check(st == 200, f"a viewer's token reads the hub (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/audit", headers=bearer("vera"))
        e.check(st == 403 and jcode(body) == "forbidden", f"a viewer's token cannot read the audit trail (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/audit", headers=bearer("ed"))
        e.check(st == 200, f"an editor's token reads the audit trail (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/accounts", headers=bearer("ed"))
        e.check(st == 403, f"an editor cannot list the accounts (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/accounts", headers=bearer("admin"))
        acc = json.loads(body) if st == 200 else {}
        e.check(st == 200 and {a["name"] for a in acc.get("accounts", [])} >= set(PASSWORDS)
                and not any(t in body.decode() for t in tokens.values()) and "pwhash" not in body.decode()
                and "$argon2" not in body.decode(),
                f"an admin lists accounts and tokens, without a secret (got {st})")

        # 2. sessions
        ed_sid, raw = session_login(cl, origin, "ed")
        e.check(raw and "HttpOnly" in raw and "SameSite=Strict" in raw and "Path=/" in raw and "Secure" not in raw,
                f"the session cookie is HttpOnly, SameSite=Strict, not Secure over plain http ({raw})")
        vera_sid, raw = session_login(cl, origin, "vera", {"X-Forwarded-Proto": "https"})
        e.check(raw and "Secure" in raw, f"behind a TLS proxy the session cookie is Secure ({raw})")
        with open(os.path.join(store, "accounts.db"), "rb") as f:
            raw = f.read()
        wal = os.path.join(store, "accounts.db-wal")
        if os.path.exists(wal):
            with open(wal, "rb") as f:
                raw += f.read()
        e.check(ed_sid and ed_sid.encode() not in raw, "accounts.db holds no session id in clear")
        ed_csrf, page = session_csrf(cl, ed_sid)
        e.check('href="/hub"' in page and "Sign out (ed)" in page, "the header links the hub for signed-in staff")
        e.check('class="decide"' in page, "an editor's dashboard has the decision buttons")
        vera_csrf, page = session_csrf(cl, vera_sid)
        e.check('class="decide"' not in page, "a viewer's dashboard has no decision buttons")
        st, h, body = cl.req("GET", "/")
        e.check('href="/hub"' not in body.decode(), "the header does not link the hub for the public")
        st, h, body = login(cl, origin, "ed", "wrong password!")
        e.check(st == 401 and "Wrong account name or password" in body.decode() and not cookie_of(h, "sp_session")[0],
                f"a wrong password is 401 with the form again and no session (got {st})")
        st, h, body = login(cl, "http://evil.example", "ed", PASSWORDS["ed"])
        e.check(st == 403 and not cookie_of(h, "sp_session")[0], f"a cross-site login form is refused (got {st})")

        # 3. refused writes change nothing
        before = decisions(store)
        cookies = {"editor-session": ed_sid, "viewer-session": vera_sid}
        csrfs = {"editor-session": ed_csrf, "viewer-session": vera_csrf}
        for c in load_cases():
            h = {}
            if c["ctype"] != "-":
                h["Content-Type"] = c["ctype"]
            if c["who"] in cookies:
                h["Cookie"] = f"sp_session={cookies[c['who']]}"
            elif c["who"] == "bad-token":
                h["Authorization"] = "Bearer spt_" + "A" * 43
            elif c["who"] == "basic":
                h["Authorization"] = "Basic ZWQ6cGFzc3dvcmQ="
            elif c["who"] == "revoked-token":
                h["Authorization"] = "Bearer " + tokens["revoked"]
            elif c["who"] == "editor-token":
                h["Authorization"] = "Bearer " + tokens["ed"]
            elif c["who"] == "viewer-token":
                h["Authorization"] = "Bearer " + tokens["ed-viewer"]
            h.update({"same": {"Origin": origin}, "cross": {"Origin": "http://evil.example"}, "null": {"Origin": "null"},
                      "none": {}, "referer-same": {"Referer": origin + "/hub"},
                      "referer-cross": {"Referer": "http://evil.example/"}}[c["origin"]])
            sub = lambda s: s.replace("{A}", A).replace("{B}", B).replace("{X}", "no-such-record").replace(  # noqa: E731
                "{CSRF}", csrfs.get(c["who"], ""))
            path = "/api/v1/hub/decisions" + ("?" + sub(c["query"]) if c["query"] != "-" else "")
            body = sub(c["body"]) if c["body"] != "-" else None
            st, hh, data = cl.req("POST", path, body, h)
            e.check(st == c["status"] and jcode(data) == c["code"],
                    f"{c['what']}: {c['status']} {c['code']} (got {st} {jcode(data)})")
        e.check(decisions(store) == before, f"refused writes change no decision (have {decisions(store)})")
        e.check(not audit_rows(store, "hub.decision"), "refused writes leave no decision in the audit trail")

        # 4. writes that count: a token, and the dashboard's button
        st, h, body = cl.req("POST", "/api/v1/hub/decisions",
                             json.dumps({"a": A, "b": B, "decision": "not-same", "by": "mallory"}),
                             {"Authorization": "Bearer " + tokens["ed"], "Content-Type": "application/json"})
        got = json.loads(body) if st == 200 else {}
        e.check(st == 200 and got.get("by") == "ed", f"an editor's token decides, and by is the account, not the body's (got {st} {got})")
        e.check(any(d[3] == "ed" for d in decisions(store)), "hub_decisions records the account as by")
        _, page = session_csrf(cl, ed_sid)
        f = form_fields(page, "decide")
        st, h, body = cl.req("POST", "/api/v1/hub/decisions", urllib.parse.urlencode(f),
                             {"Cookie": f"sp_session={ed_sid}", "Origin": origin,
                              "Content-Type": "application/x-www-form-urlencoded"})
        e.check(st == 303 and h.get("location", [""])[0].startswith("/hub?decided="),
                f"the dashboard's button decides and comes back to /hub (got {st} {h.get('location')})")
        rows = audit_rows(store, "hub.decision")
        e.check(len(rows) == 2 and rows[0][:2] == ("ed", "token") and rows[1][:2] == ("ed", "session")
                and rows[1][3] == f"{f['a']} {f['b']}",
                f"the audit trail names ed for both decisions, by token and by session ({rows})")
        st, h, body = cl.req("GET", "/api/v1/hub/audit?action=hub.decision", headers={"Cookie": f"sp_session={ed_sid}"})
        arows = json.loads(body).get("rows", []) if st == 200 else []
        e.check(len(arows) == 2 and all(r["account"] == "ed" and r["client"] == "127.0.0.1" for r in arows),
                f"GET /api/v1/hub/audit lists them for a signed-in editor (got {st} {arows})")
        st, h, body = cl.req("GET", "/hub?decided=not-same", headers={"Cookie": f"sp_session={ed_sid}"})
        e.check("Decision saved" in body.decode(), "the dashboard says the decision was saved")
        st, h, body = cl.req("POST", "/api/v1/hub/decisions", urllib.parse.urlencode({"a": A, "b": B, "decision": "same"}),
                             {"Authorization": "Bearer " + tokens["ed"], "Content-Type": "application/x-www-form-urlencoded"})
        e.check(st == 200 and json.loads(body).get("by") == "ed",
                f"a script's form with a token gets JSON, not the dashboard's redirect (got {st})")

        # 5. rate limit on writes (--write-limit 20 per minute per account)
        statuses = []
        for i in range(22):
            st, h, body = cl.req("POST", "/api/v1/hub/decisions", json.dumps({"a": A, "b": ids[2], "decision": "same"}),
                                 {"Authorization": "Bearer " + tokens["bot"], "Content-Type": "application/json"})
            statuses.append(st)
            retry = h.get("retry-after", [""])[0]
        e.check(statuses[:20] == [200] * 20 and statuses[20:] == [429, 429] and retry.isdigit() and 0 < int(retry) <= 60,
                f"the 21st write in a minute is 429 with Retry-After (got {statuses}, Retry-After {retry})")
        st, h, body = cl.req("POST", "/api/v1/hub/decisions", json.dumps({"a": A, "b": ids[2], "decision": "same"}),
                             {"Authorization": "Bearer " + tokens["ed"], "Content-Type": "application/json"})
        e.check(st == 200, f"another account is not limited by bot's writes (got {st})")

        # 6. revoked tokens, removed accounts, signed-out sessions
        ed_id = next((t["id"] for t in listed if t["account"] == "ed" and t["label"] == "ed's script"), None)
        st, _, err = cli("token", "revoke", str(ed_id), "--store", store)
        e.check(st == 0, "ed's token is revoked")
        st, h, body = cl.req("GET", "/api/v1/hub/coverage", headers=bearer("ed"))
        e.check(st == 401 and jcode(body) == "invalid_token", f"a revoked token stops working at once (got {st})")
        st, h, body = cl.req("POST", "/api/v1/hub/decisions", json.dumps({"a": A, "b": B, "decision": "same"}),
                             {"Authorization": "Bearer " + tokens["ed"], "Content-Type": "application/json"})
        e.check(st == 401, f"a revoked token cannot decide (got {st})")
        st, _, err = cli("user", "remove", "vera", "--store", store)
        e.check(st == 0, "vera is removed")
        st, h, body = cl.req("GET", "/api/v1/hub/coverage", headers={"Cookie": f"sp_session={vera_sid}"})
        e.check(st == 401, f"a removed account's session stops working (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/coverage", headers=bearer("vera"))
        e.check(st == 401, f"a removed account's token stops working (got {st})")
        st, h, body = cl.req("POST", "/logout", urllib.parse.urlencode({"csrf": "x" * 43}),
                             {"Cookie": f"sp_session={ed_sid}", "Origin": origin,
                              "Content-Type": "application/x-www-form-urlencoded"})
        e.check(st == 403, f"signing out needs the CSRF token (got {st})")
        st, h, body = cl.req("POST", "/logout", urllib.parse.urlencode({"csrf": ed_csrf}),
                             {"Cookie": f"sp_session={ed_sid}", "Origin": origin,
                              "Content-Type": "application/x-www-form-urlencoded"})
        sid, raw = cookie_of(h, "sp_session")
        e.check(st == 303 and sid == "" and "Max-Age=0" in (raw or ""), f"signing out clears the cookie (got {st} {raw})")
        st, h, body = cl.req("GET", "/api/v1/hub/coverage", headers={"Cookie": f"sp_session={ed_sid}"})
        e.check(st == 401, f"a signed-out session stops working (got {st})")

        # 7. login brute force, from another client address
        attacker = Client(port, "127.0.0.3")
        statuses = []
        for i in range(12):
            st, h, body = login(attacker, origin, "bot", f"guess number {i}")
            statuses.append(st)
            if st == 429:
                retry = h.get("retry-after", [""])[0]
        e.check(statuses[:10] == [401] * 10 and statuses[10:] == [429, 429] and retry.isdigit() and int(retry) > 0,
                f"the 11th login attempt a minute from one address is 429 with Retry-After (got {statuses})")
        st, h, body = login(attacker, origin, "bot", PASSWORDS["bot"])
        e.check(st == 429 and not cookie_of(h, "sp_session")[0], f"even the right password waits (got {st})")
        st, h, body = login(Client(port, "127.0.0.4"), origin, "bot", PASSWORDS["bot"])
        e.check(st == 429 and not cookie_of(h, "sp_session")[0],
                f"the account is limited from any address after 10 attempts (got {st})")
        failed = audit_rows(store, "login.failed")
        e.check(sum(1 for r in failed if r[3] == "bot" and r[5] == "127.0.0.3") == 10,
                f"the audit trail has the 10 failed logins with their address ({len(failed)})")

        # 8. /metrics for the allowed range only
        st, h, body = cl.req("GET", "/metrics")
        e.check(st == 200 and b"signpost_http_requests_total" in body, f"/metrics from 127.0.0.1 is 200 (got {st})")
        st, h, body = Client(port, "127.0.0.2").req("GET", "/metrics")
        e.check(st == 403 and jcode(body) == "forbidden", f"/metrics from 127.0.0.2 is refused (got {st})")
        e.check(b'status="429"' in cl.req("GET", "/metrics")[2], "/metrics counts the 429s")

        # 9. the dashboard in Chromium
        dashboard_in_chromium(base, store, tmp)

        code, out = srv.stop()
        srv = None
        e.check(code == 0, f"signpost serve exits 0 (exit {code}: {out[-2000:]})")

        # 10. --hub-public opens the reports, not the writes or the audit
        port = e.free_port()
        base = f"http://127.0.0.1:{port}"
        srv = e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}", "--hub-public"])
        e.check(e.wait_for(base) is not None, "searchd --hub-public serves")
        cl = Client(port)
        for path in ["/api/v1/hub/coverage", "/hub", "/api/v1/hub/stale?format=csv"]:
            st, h, body = cl.req("GET", path)
            e.check(st == 200, f"with --hub-public anonymous GET {path} is 200 (got {st})")
        st, h, body = cl.req("GET", "/api/v1/hub/audit")
        e.check(st == 401, f"with --hub-public the audit trail still needs an editor (got {st})")
        st, h, body = cl.req("POST", "/api/v1/hub/decisions", json.dumps({"a": A, "b": B, "decision": "same"}),
                             {"Content-Type": "application/json"})
        e.check(st == 401, f"with --hub-public anonymous writes are still 401 (got {st})")
        st, h, body = Client(port, "127.0.0.2").req("GET", "/metrics")
        e.check(st == 200, f"by default /metrics is open to loopback (got {st})")
        code, out = srv.stop()
        srv = None
        e.check(code == 0, f"signpost serve --hub-public exits 0 (exit {code}: {out[-2000:]})")
    finally:
        if srv:
            srv.stop()
        e.rmtree(tmp)
    e.finish("auth")


def dashboard_in_chromium(base, store, tmp):
    """Sign in and decide from the dashboard in headless Chromium
    (dashboard.cjs); skipped when node, chromium or tests/web/node_modules
    is missing."""
    st, _, err = cli("user", "add", "edna", "--role", "editor", "--store", store, stdin="edna's long passphrase\n")
    before = len(audit_rows(store, "hub.decision"))
    if e.browser_journey("dashboard", os.path.join(HERE, "dashboard.cjs"), [base, "edna", "edna's long passphrase"],
                         "the dashboard journey passes in Chromium") is None:
        return
    rows = audit_rows(store, "hub.decision")
    e.check(len(rows) == before + 2 and all(r[:2] == ("edna", "session") for r in rows[before:]),
            f"the decisions made in Chromium (with and without JavaScript) are in the audit trail under edna ({rows[before:]})")


if __name__ == "__main__":
    main()
