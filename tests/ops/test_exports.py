#!/usr/bin/env python3
"""test_exports.py - the HSDS data package holds what it declares (issue 15):
a licence, taxonomies.csv, every column its schema marks required filled in
every row, every declared foreign key resolving to a row of the table it
names; both from `signpost export --format datapackage` and over HTTP.  And
CSVs with ?bom=1 start with a UTF-8 byte order mark (for spreadsheets),
without it they do not; a bad bom value is a 400.

usage: test_exports.py PATH/TO/signpost"""
import csv
import io
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oruk"))
import orukt  # noqa: E402
import spe2e as e  # noqa: E402

NAME = "ops-exports"
BOM = b"\xef\xbb\xbf"


def check_package(desc, read, where):
    e.check(any(lic.get("name") == "CC-BY-4.0" and lic.get("path", "").startswith("https://")
                for lic in desc.get("licenses", [])), f"{where}: a licence is declared")
    res = {r["name"]: r for r in desc["resources"]}
    e.check("taxonomy" in res and res["taxonomy"]["path"].startswith("taxonomies.csv"),
            f"{where}: taxonomies.csv is a resource")
    tables = {}
    for name, r in res.items():
        data = read(r["path"])
        e.check(not data.startswith(BOM), f"{where}: {r['path']} has no BOM by default")
        tables[name] = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    e.check(len(tables["taxonomy"]) >= 2, f"{where}: taxonomies.csv has rows ({len(tables['taxonomy'])})")
    n_required = n_fks = 0
    for name, r in res.items():
        schema = r["schema"]
        cols = [f["name"] for f in schema["fields"]]
        for f in schema["fields"]:
            if f.get("constraints", {}).get("required"):
                n_required += 1
                empty = [row.get("id") for row in tables[name] if not row.get(f["name"])]
                e.check(not empty, f"{where}: {name}.{f['name']} is required and filled in "
                                   f"({len(empty)} empty, e.g. {empty[:2]})")
        for fk in schema.get("foreignKeys", []):
            n_fks += 1
            e.check(fk["fields"] in cols, f"{where}: foreign key {name}.{fk['fields']} is a column")
            ref = fk["reference"]["resource"]
            ids = {row["id"] for row in tables.get(ref, [])}
            bad = [row[fk["fields"]] for row in tables[name]
                   if row.get(fk["fields"]) and row[fk["fields"]] not in ids]
            e.check(not bad, f"{where}: {name}.{fk['fields']} -> {ref}.id resolves "
                             f"({len(bad)} dangling, e.g. {bad[:2]})")
    e.check(n_required >= 20 and n_fks >= 15,
            f"{where}: required fields ({n_required}) and foreign keys ({n_fks}) are declared")


def main():
    with e.scratch(NAME) as (tmp, keep):
        store = orukt.sample_store(tmp, "store", NAME)
        out = os.path.join(tmp, "dp")
        r = subprocess.run([e.SIGNPOST, "export", "--store", store, "--format", "datapackage",
                            "--out", out], capture_output=True, text=True)
        e.check(r.returncode == 0, f"signpost export: {r.stderr[-300:]}")
        with open(os.path.join(out, "datapackage.json")) as f:
            desc = json.load(f)

        def read_file(path):
            with open(os.path.join(out, path.split("?")[0]), "rb") as fh:
                return fh.read()
        check_package(desc, read_file, "signpost export")

        srv = keep(orukt.Served(store))
        if not e.check(srv.ok, "serve starts"):
            return
        st, h, body = orukt.raw_get(srv.base + "/api/v1/export/datapackage.json?borough=hackney")
        desc = json.loads(body)

        def read_http(path):
            st, h, body = orukt.raw_get(srv.base + "/api/v1/export/" + path)
            e.check(st == 200, f"GET {path}: {st}")
            return body
        check_package(desc, read_http, "HTTP")

        st, h, body = orukt.raw_get(srv.base + "/api/v1/export/services.csv?bom=1&borough=hackney")
        st2, h2, plain = orukt.raw_get(srv.base + "/api/v1/export/services.csv?borough=hackney")
        e.check(st == 200 and body.startswith(BOM) and body[3:] == plain,
                f"?bom=1: the same CSV after a UTF-8 BOM ({st}, {body[:5]!r})")
        st, h, body = orukt.raw_get(srv.base + "/api/v1/export/services.csv?bom=0")
        e.check(st == 200 and not body.startswith(BOM), "?bom=0: no BOM")
        st, h, body = orukt.raw_get(srv.base + "/api/v1/export/services.csv?bom=yes")
        e.check(st == 400 and b"bom" in body, f"?bom=yes is a 400 naming bom ({st})")
        st, h, body = orukt.raw_get(srv.base + "/api/v1/export.ndjson?bom=1")
        e.check(st == 200 and not body.startswith(BOM), "NDJSON never gets a BOM")


if __name__ == "__main__":
    main()
