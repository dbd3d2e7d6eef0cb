"""orukt.py - helpers for the open-data tests (tests/oruk): an index of the
bundled sample served by the real `signpost` binary, and JSON Schema
validation with the formats the ORUK validator requires (uuid, uri, email,
date-time).  Builds on tests/e2e/spe2e.py."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import spe2e as e  # noqa: E402,F401

SHARED = os.environ.get("SIGNPOST_SHARED") or os.path.join(e.SOURCE, "..", "shared")
PROFILE = os.path.join(SHARED, "conformance", "oruk-3.0-profile")
RULES = os.path.join(SHARED, "conformance", "oruk-validator-rules")


def sample_files():
    """The sample's ORUK API pages (v3 and v1): every service once."""
    out = []
    for src in sorted(os.listdir(e.SAMPLE)):
        d = os.path.join(e.SAMPLE, src, "services")
        if not os.path.isdir(d):
            continue
        pages = sorted(f for f in os.listdir(d) if f.startswith("page-") and f.endswith(".json"))
        out += [os.path.join(d, f) for f in pages]
    return out


def index_sample(store):
    import subprocess
    files = sample_files()
    r = subprocess.run([e.SIGNPOST, "index", "--store", store, "--quiet"] + files,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
    return r.returncode == 0


def sample_store(tmp, name, test):
    """The sample indexed into tmp/name; the test ends (finish(test)) when
    it does not index."""
    store = os.path.join(tmp, name)
    if not e.check(index_sample(store), "the sample indexes"):
        e.finish(test)
    return store


def serve_sample_and_page(tmp, test):
    """`signpost serve` (a Served) on the sample and pages/plain-page.html
    (an HTML page with no structured data) indexed into tmp/store; the test
    ends (finish(test)) when either step fails."""
    import subprocess
    store = os.path.join(tmp, "store")
    page = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pages", "plain-page.html")
    r = subprocess.run([e.SIGNPOST, "index", "--store", store, "--quiet", e.SAMPLE, page],
                       capture_output=True, text=True)
    if not e.check(r.returncode == 0, "the sample and the page index: %s" % r.stderr[-500:]):
        e.finish(test)
    srv = Served(store)
    if not e.check(srv.ok, "signpost serve starts"):
        srv.stop()
        e.finish(test)
    return srv


class Served:
    """`signpost serve` on a store, on a free loopback port."""

    def __init__(self, store):
        self.port = e.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{self.port}"])
        self.ok = e.wait_for(self.base, timeout=60) is not None

    def stop(self):
        code, out = self.proc.stop()
        if e.failures or code not in (0, None):
            print(f"signpost serve exited {code}; its output ends:\n{out[-3000:]}", flush=True)
        return code, out


def raw_get(url, timeout=60):
    """(status, headers, body bytes)."""
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# ---- JSON Schema with formats ----

def have_schemas():
    return os.path.isdir(PROFILE) and os.path.isdir(RULES)


def _format_checker():
    import jsonschema
    fc = jsonschema.FormatChecker()

    @fc.checks("uri", raises=ValueError)
    def is_uri(v):
        if not isinstance(v, str):
            return True
        p = urllib.parse.urlsplit(v)
        if not p.scheme or any(c.isspace() for c in v) or not (p.netloc or p.path):
            raise ValueError("not an absolute URI")
        return True

    @fc.checks("uuid", raises=ValueError)
    def is_uuid(v):
        import uuid
        if not isinstance(v, str):
            return True
        uuid.UUID(v)
        if len(v) != 36:
            raise ValueError("not a hyphenated UUID")
        return True

    return fc


_FC = None


def validator(path):
    """A Draft 2020-12 validator for the schema file at path, resolving
    relative $refs against its folder."""
    global _FC
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
    if _FC is None:
        _FC = _format_checker()
    folder = os.path.dirname(os.path.abspath(path))
    resources = []
    for f in os.listdir(folder):
        if f.endswith(".json"):
            try:
                with open(os.path.join(folder, f), encoding="utf-8") as fh:
                    doc = json.load(fh)
            except ValueError:
                continue
            uri = "file://" + os.path.join(folder, f)
            if isinstance(doc, dict):
                doc = dict(doc)
                doc["$id"] = uri
            resources.append((uri, Resource.from_contents(doc, default_specification=DRAFT202012)))
    registry = Registry().with_resources(resources)
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    schema = dict(schema)
    schema["$id"] = "file://" + os.path.abspath(path)
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=_FC)


def errors(v, doc, limit=3):
    """Up to limit error strings (path: message)."""
    out = []
    for err in v.iter_errors(doc):
        out.append("/".join(str(p) for p in err.absolute_path) + ": " + err.message[:200])
        if len(out) >= limit:
            break
    return out
