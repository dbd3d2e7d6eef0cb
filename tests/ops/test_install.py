#!/usr/bin/env python3
"""test_install.py - Signpost installed as a package would install it:
`meson install --destdir` into a temporary tree puts the program, web files,
data, an example signpost.conf, the systemd units and the man pages in
place; the installed program indexes the bundled sample, serves it from the
installed tree with a config file, says READY=1 on a NOTIFY_SOCKET this
test listens on, and on SIGHUP sees a changed config while a keep-alive
connection stays open.

With `deb SOURCE_DIR` instead, the tree is the Debian package: debian/
builds a .deb with dpkg-buildpackage from a copy of the sources, and the
same checks run on what `dpkg-deb -x` unpacks from it (the package's
declared dependencies checked too), so the packaging cannot rot unseen.

usage: test_install.py BUILD_DIR MESON
       test_install.py deb SOURCE_DIR"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import spe2e as e  # noqa: E402

NAME = "ops-deb" if len(sys.argv) > 1 and sys.argv[1] == "deb" else "ops-install"


def find(root, name):
    for d, _, files in os.walk(root):
        if name in files:
            return os.path.join(d, name)
    return None


def meson_install(tmp, build, meson):
    """The tree `meson install --destdir` makes; None after a failed check."""
    dest = os.path.join(tmp, "dest")
    r = subprocess.run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild",
                        "--quiet"], capture_output=True, text=True)
    if not e.check(r.returncode == 0, f"meson install --destdir: {r.stdout[-500:]}{r.stderr[-1000:]}"):
        return None
    return dest


def deb_install(tmp, source):
    """The tree unpacked from the .deb that debian/ builds from a copy of the
    sources (the files git knows, as they are in the work tree)."""
    r = subprocess.run(["git", "-C", source, "ls-files", "-z"], capture_output=True)
    if not e.check(r.returncode == 0, "git ls-files lists the sources"):
        return None
    src = os.path.join(tmp, "src", "signpost")
    for rel in r.stdout.decode().split("\0"):
        path = os.path.join(source, rel)
        if rel and os.path.isfile(path) and not os.path.islink(path):
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            shutil.copy2(path, os.path.join(src, rel))
    r = subprocess.run(["dpkg-checkbuilddeps"], cwd=src, capture_output=True, text=True)
    if not e.check(r.returncode == 0, f"debian/control's build dependencies are installed "
                                      f"(tools/deps.sh --test): {r.stderr[-500:]}"):
        return None
    env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=2 nocheck")
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                       capture_output=True, text=True)
    if not e.check(r.returncode == 0, f"dpkg-buildpackage -b: {r.stdout[-1500:]}{r.stderr[-1500:]}"):
        return None
    debs = [f for f in os.listdir(os.path.dirname(src))
            if f.startswith("signpost_") and f.endswith(".deb")]
    if not e.check(len(debs) == 1, f"one signpost .deb built ({debs})"):
        return None
    deb = os.path.join(os.path.dirname(src), debs[0])
    r = subprocess.run(["dpkg-deb", "-f", deb, "Depends"], capture_output=True, text=True)
    depends = r.stdout
    e.check(all(lib in depends for lib in ["libxapian", "libmicrohttpd", "libcurl", "libxml2",
                                            "libsqlite3", "libsodium", "libjansson", "libmimalloc"]),
            f"the package depends on the libraries it links: {depends.strip()}")
    dest = os.path.join(tmp, "dest")
    r = subprocess.run(["dpkg-deb", "-x", deb, dest], capture_output=True, text=True)
    if not e.check(r.returncode == 0, f"dpkg-deb -x: {r.stderr[-500:]}"):
        return None
    return dest


def main():
    with e.scratch(NAME) as (tmp, keep):
        if sys.argv[1] == "deb":
            for tool in ["dpkg-buildpackage", "dpkg-checkbuilddeps", "git"]:
                if not shutil.which(tool):
                    print(f"SKIP: {tool} is not installed (tools/deps.sh --test installs it)")
                    sys.exit(77)
            dest = deb_install(tmp, sys.argv[2])
        else:
            dest = meson_install(tmp, sys.argv[1], sys.argv[2])
        if not dest:
            return
        exe = find(dest, "signpost")
        e.check(exe and os.access(exe, os.X_OK) and exe.endswith("/bin/signpost"),
                f"the program is installed in bin/ ({exe})")
        share = os.path.join(os.path.dirname(os.path.dirname(exe)), "share", "signpost")
        e.check(os.path.isdir(os.path.join(share, "web", "static")), "web files installed")
        e.check(os.path.isdir(os.path.join(share, "geography")), "data installed")
        conf_example = find(dest, "signpost.conf")
        e.check(conf_example and conf_example.endswith("/etc/signpost/signpost.conf"),
                f"an example config in etc/signpost ({conf_example})")
        for unit in ["signpost-serve.service", "signpost-crawl.service",
                     "signpost-index.service", "signpost-index.timer"]:
            path = find(dest, unit)
            e.check(path and "/lib/systemd/system/" in path, f"{unit} installed ({path})")
        serve_unit = find(dest, "signpost-serve.service")
        if serve_unit:
            text = open(serve_unit).read()
            bindir = os.path.dirname(exe)[len(dest):]
            e.check("Type=notify" in text and f"ExecStart={bindir}/signpost serve --config " in text
                    and "ExecReload=/bin/kill -HUP $MAINPID" in text
                    and "ProtectSystem=strict" in text and "NoNewPrivileges=yes" in text
                    and "StateDirectory=signpost" in text and "@" not in text.split("ExecStart")[1][:80],
                    "the serve unit: notify, reload by HUP, hardened, paths filled in")
        for page in ["man1/signpost.1", "man5/signpost.conf.5"]:
            base = os.path.basename(page)
            e.check(find(dest, base) or find(dest, base + ".gz"), f"man page {page} installed")

        env = dict(os.environ, SIGNPOST_DATA=share)
        r = subprocess.run([exe, "config", "check", conf_example], capture_output=True, text=True,
                           env=env)
        e.check(r.returncode == 0, f"the example config passes config check: {r.stdout}{r.stderr}")

        store = os.path.join(tmp, "store")
        sample = os.path.join(share, "sample", "sources")
        r = subprocess.run([exe, "index", "--store", store, "--quiet", sample],
                           capture_output=True, text=True, env=env)
        if not e.check(r.returncode == 0, f"the installed program indexes the sample: {r.stderr[-500:]}"):
            return

        port = e.free_port()
        conf = os.path.join(tmp, "signpost.conf")
        body = (f"store = {store}\n[serve]\nlisten = 127.0.0.1:{port}\n"
                f"web = {os.path.join(share, 'web')}\naccess_log = off\n")
        with open(conf, "w") as f:
            f.write(body)
        ns_path = os.path.join(tmp, "notify")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(ns_path)
        ns.settimeout(120)
        srv = keep(subprocess.Popen([exe, "serve", "--config", conf],
                                    env=dict(env, NOTIFY_SOCKET=ns_path),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        msg = ns.recv(4096).decode()
        if not e.check(msg == "READY=1", f"READY=1 from the installed daemon ({msg!r})"):
            return
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/static/portal.css")
        resp = c.getresponse()
        resp.read()
        e.check(resp.status == 200, f"the installed web files are served ({resp.status})")
        local = c.sock.getsockname()
        c.request("GET", "/oruk/")
        resp = c.getresponse()
        e.check(json.loads(resp.read())["openapi_url"].startswith(f"http://127.0.0.1:{port}/"),
                "before the reload: URLs from Host")
        with open(conf, "w") as f:
            f.write(body + "public_url = https://directory.example.org\n")
        srv.send_signal(signal.SIGHUP)
        got = [ns.recv(4096).decode() for _ in range(2)]
        e.check(got[0].startswith("RELOADING=1") and got[1] == "READY=1",
                f"RELOADING=1, READY=1 on the reload ({got})")
        c.request("GET", "/oruk/")
        resp = c.getresponse()
        doc = json.loads(resp.read())
        e.check(c.sock and c.sock.getsockname() == local, "the connection stayed open")
        e.check(doc["openapi_url"] == "https://directory.example.org/oruk/openapi.json",
                f"the changed config is seen: {doc}")
        c.close()
        srv.send_signal(signal.SIGTERM)
        e.check(srv.wait(60) == 0, "SIGTERM stops it (exit 0)")
        srv.stderr.read()


if __name__ == "__main__":
    main()
