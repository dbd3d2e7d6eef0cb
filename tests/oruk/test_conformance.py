#!/usr/bin/env python3
"""test_conformance.py - Signpost's /oruk/ API against the Open Referral UK
3.0 profile: every response of every endpoint (on an index of the bundled
sample) validates against the profile's JSON Schemas
(../shared/conformance/oruk-3.0-profile), the ORUK validator's HSDS-UK-3.0
test profile (../shared/conformance/oruk-validator-rules: level 1 and level 2
tests, with its schemas and its pagination checks) passes, and the API's
parameters, headers and errors behave as docs/oruk.md says.
Exit 77 (skipped) when ../shared is absent."""
import json
import math
import os
import random
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orukt  # noqa: E402
from orukt import e  # noqa: E402

validated = 0
responses = 0


def get(base, path, params=None):
    global responses
    responses += 1
    url = base + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    st, headers, body = orukt.raw_get(url)
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return st, headers, doc, body


def no_empties(doc, path="$"):
    """Empty optional fields are omitted: no null, "", [] or {} anywhere."""
    if doc is None or doc == "" or doc == [] or doc == {}:
        return [path]
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += no_empties(v, path + "." + k)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += no_empties(v, f"{path}[{i}]")
    return out


def check_valid(v, doc, what):
    global validated
    errs = orukt.errors(v, doc)
    validated += 1
    return e.check(not errs, f"{what} validates: {errs}")


# ---- the ORUK validator's test profile (level 1 and level 2) ----

def validator_pagination(base, endpoint, first):
    """ValidatorService.ValidatePagination: up to 3 pages at a per_page that
    spreads small lists over them."""
    issues = []
    per_page = 20
    total_pages = min(first["total_pages"], 3)
    if first["total_items"] < 60 and total_pages > 0:
        per_page = (first["total_items"] + (total_pages - 1)) // total_pages
    for page in range(1, total_pages + 1):
        st, _, cur, _ = get(base, endpoint, {"per_page": per_page, "page": page})
        if st != 200 or not isinstance(cur, dict):
            issues.append(f"{endpoint} page {page}: HTTP {st}")
            continue
        if cur["total_items"] != first["total_items"]:
            issues.append(f"{endpoint} page {page}: total_items changed")
        if page < total_pages and cur["size"] != per_page:
            issues.append(f"{endpoint} page {page}: size {cur['size']} != per_page {per_page}")
        if cur["size"] != len(cur["contents"]):
            issues.append(f"{endpoint} page {page}: size != len(contents)")
        if (page == 1) != cur["first_page"]:
            issues.append(f"{endpoint} page {page}: first_page wrong")
        if (page == first["total_pages"]) != cur["last_page"]:
            issues.append(f"{endpoint} page {page}: last_page wrong")
    return issues


def page_details(cur, page, total_pages, per_page):
    """PaginationTestingService.ValidatePageDetails."""
    issues = []
    if (page == 1) != cur["first_page"]:
        issues.append("first_page flag")
    if (page == total_pages) != cur["last_page"]:
        issues.append("last_page flag")
    if cur["empty"] != (len(cur["contents"]) == 0):
        issues.append("empty flag")
    if not (len(cur["contents"]) == per_page or (len(cur["contents"]) < per_page and cur["last_page"])):
        issues.append("items per page")
    if cur["size"] != len(cur["contents"]):
        issues.append("size")
    return issues


def testing_pagination(base, endpoint):
    """PaginationTestingService.ValidatePagination: per_page 5, first page,
    three random middle pages, last page."""
    per_page = 5
    st, _, first, _ = get(base, endpoint, {"per_page": per_page, "page": 1})
    if st != 200:
        return [f"{endpoint}: HTTP {st}"]
    last = first["total_pages"]
    issues = page_details(first, 1, last, per_page)
    if last == 1:
        return issues
    rnd = random.Random(7)
    pages = [] if last == 2 else [rnd.randint(2, max(2, last - 1)) for _ in range(3)]
    for p in pages + [last]:
        st, _, cur, _ = get(base, endpoint, {"per_page": per_page, "page": p})
        if st != 200:
            issues.append(f"{endpoint} page {p}: HTTP {st}")
            continue
        issues += [f"{endpoint} page {p}: {i}" for i in page_details(cur, p, last, per_page)]
    return issues


def run_profile(base):
    with open(os.path.join(orukt.RULES, "TestProfiles", "HSDS-UK-3.0.json"), encoding="utf-8") as f:
        prof = json.load(f)
    saved = {}
    results = []
    for group in prof["testGroups"]:
        level = "level-1" if group["required"] else "level-2"
        for t in group["tests"]:
            endpoint = t["endpoint"]
            issues = []
            if "{id}" in endpoint:
                list_ep = endpoint.split("/{id}")[0]
                if list_ep not in saved:
                    st, _, lst, _ = get(base, list_ep)
                    saved[list_ep] = lst["contents"][0]["id"] if st == 200 and lst.get("contents") else None
                if saved[list_ep] is None:
                    issues.append("no id to test with")
                endpoint = endpoint.replace("{id}", saved[list_ep] or "none")
            st, headers, doc, _ = get(base, endpoint)
            if st != 200 or doc is None:
                issues.append(f"HTTP {st}")
            else:
                v = orukt.validator(os.path.join(orukt.RULES, "Schemas", t["schema"]))
                errs = orukt.errors(v, doc, 5)
                issues += errs
                global validated
                validated += 1
                if t.get("pagination"):
                    issues += validator_pagination(base, t["endpoint"], doc)
                    issues += testing_pagination(base, t["endpoint"])
            ok = e.check(not issues, f"{level} {t['name']} ({endpoint}): {issues[:5]}")
            results.append((level, ok))
    for level in ("level-1", "level-2"):
        n = sum(1 for lv, _ in results if lv == level)
        passed = sum(1 for lv, ok in results if lv == level and ok)
        print(f"validator HSDS-UK-3.0 {level}: {passed}/{n} checks passed", flush=True)


# ---- every response against the profile's schemas ----

def all_pages(base, path, params=None):
    params = dict(params or {})
    params["per_page"] = 100
    page = 1
    while True:
        params["page"] = page
        st, headers, doc, _ = get(base, path, params)
        if not e.check(st == 200 and isinstance(doc, dict), f"GET {path} page {page}: {st}"):
            return
        yield headers, doc
        if doc["last_page"] or page > 200:
            return
        page += 1


def page_ok(doc, what):
    keys = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"]
    e.check(all(k in doc for k in keys), f"{what} has the HSDS page fields")
    e.check(doc["size"] == len(doc["contents"]), f"{what}: size is the number of items")


def run_schemas(base):
    S = os.path.join(orukt.PROFILE, "schema")
    v_item = orukt.validator(os.path.join(S, "compiled", "service_list.json"))
    v_full = orukt.validator(os.path.join(S, "compiled", "service.json"))
    v_sal_item = orukt.validator(os.path.join(S, "compiled", "service_at_location_list.json"))
    v_sal = orukt.validator(os.path.join(S, "compiled", "service_at_location.json"))
    v_org_item = orukt.validator(os.path.join(S, "compiled", "organization_list.json"))
    v_org = orukt.validator(os.path.join(S, "compiled", "organization.json"))
    v_tax = orukt.validator(os.path.join(S, "taxonomy.json"))
    v_term = orukt.validator(os.path.join(S, "taxonomy_term.json"))

    ids = []
    for headers, doc in all_pages(base, "/oruk/services"):
        page_ok(doc, "/oruk/services")
        e.check(headers.get("Access-Control-Allow-Origin") == "*", "CORS on /oruk/services")
        for s in doc["contents"]:
            check_valid(v_item, s, f"/oruk/services item {s.get('id')}")
            e.check(not no_empties(s), f"no empty fields in {s.get('id')}: {no_empties(s)[:3]}")
            ids.append(s["id"])
    e.check(len(ids) >= 500, f"the sample gives at least 500 services ({len(ids)})")
    e.check(len(set(ids)) == len(ids), "no service is listed twice")
    for sid in ids:
        st, headers, doc, _ = get(base, "/oruk/services/" + sid)
        if e.check(st == 200, f"/oruk/services/{sid}: {st}"):
            check_valid(v_full, doc, f"/oruk/services/{sid}")
            e.check(doc["id"] == sid, "the service asked for")
    # service_at_locations and organizations: every page's items valid, ids
    # unique (and more than `least`), 15 of them (a seeded sample) fetched
    # one by one and valid in full.
    for path, v_each, v_one, seed, least, unique in (
            ("/oruk/service_at_locations", v_sal_item, v_sal, 3, 0, "service_at_location ids are unique"),
            ("/oruk/organizations", v_org_item, v_org, 4, 10, "organizations listed once each")):
        got = []
        for _, doc in all_pages(base, path):
            page_ok(doc, path)
            for s in doc["contents"]:
                check_valid(v_each, s, f"{path} item {s.get('id')}")
                got.append(s["id"])
        e.check(len(got) > least and len(set(got)) == len(got), unique)
        for one in random.Random(seed).sample(got, min(15, len(got))):
            st, _, doc, _ = get(base, f"{path}/{one}")
            if e.check(st == 200, f"{path}/{one}: {st}"):
                check_valid(v_one, doc, f"{path}/{one}")
                if path == "/oruk/organizations":
                    e.check(len(doc.get("services", [])) >= 1, "an organization lists its services")
    term_ids, tax_ids = [], []
    for _, doc in all_pages(base, "/oruk/taxonomies"):
        for t in doc["contents"]:
            check_valid(v_tax, t, f"/oruk/taxonomies item {t.get('id')}")
            tax_ids.append(t["id"])
    for _, doc in all_pages(base, "/oruk/taxonomy_terms"):
        for t in doc["contents"]:
            check_valid(v_term, t, f"/oruk/taxonomy_terms item {t.get('id')}")
            term_ids.append(t["id"])
    e.check(len(tax_ids) == 2 and len(term_ids) > 40, f"taxonomies {len(tax_ids)}, terms {len(term_ids)}")
    for tid in tax_ids:
        st, _, doc, _ = get(base, "/oruk/taxonomies/" + tid)
        if e.check(st == 200, f"/oruk/taxonomies/{tid}"):
            check_valid(v_tax, doc, f"/oruk/taxonomies/{tid}")
    for tid in term_ids:
        st, _, doc, _ = get(base, "/oruk/taxonomy_terms/" + tid)
        if e.check(st == 200, f"/oruk/taxonomy_terms/{tid}"):
            check_valid(v_term, doc, f"/oruk/taxonomy_terms/{tid}")
    return ids


# ---- parameters ----

def term_ids_of(s):
    out = set()
    for a in s.get("attributes", []):
        t = a.get("taxonomy_term") or {}
        out.add(t.get("id"))
    for t in s.get("taxonomy_terms", []):
        out.add(t.get("id"))
    return out


def metres(la1, lo1, la2, lo2):
    r = math.pi / 180
    a = math.sin((la2 - la1) * r / 2) ** 2 + math.cos(la1 * r) * math.cos(la2 * r) * math.sin((lo2 - lo1) * r / 2) ** 2
    return 6371008.8 * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def run_params(base, n_all):
    S = os.path.join(orukt.PROFILE, "schema")
    v_full = orukt.validator(os.path.join(S, "compiled", "service.json"))

    v_item = orukt.validator(os.path.join(S, "compiled", "service_list.json"))

    def items(params):
        out = []
        for _, doc in all_pages(base, "/oruk/services", params):
            page_ok(doc, f"/oruk/services {params}")
            for s in doc["contents"]:
                check_valid(v_item, s, f"/oruk/services {params} item {s.get('id')}")
            out += doc["contents"]
        return out

    esol = items({"search": "esol"})
    e.check(0 < len(esol) < n_all, f"search=esol narrows the list ({len(esol)} of {n_all})")
    st, _, terms, _ = get(base, "/oruk/taxonomy_terms", {"per_page": 1000})
    esol_term = [t for t in terms["contents"] if t.get("code") == "esol"]
    if e.check(len(esol_term) == 1, "Signpost's taxonomy has the esol term"):
        tid = esol_term[0]["id"]
        by_term = items({"taxonomy_term_id": tid})
        e.check(len(by_term) > 0 and all(tid in term_ids_of(s) for s in by_term),
                f"taxonomy_term_id: every service carries the term ({len(by_term)})")
        both = items({"taxonomy_term_id": tid, "search": "evening"})
        e.check(all(tid in term_ids_of(s) for s in both) and len(both) <= len(by_term),
                "parameters combine with AND")
        tax = esol_term[0]["taxonomy_id"]
        by_tax = items({"taxonomy_id": tax})
        e.check(len(by_term) <= len(by_tax) <= n_all, "taxonomy_id: any term of the taxonomy")
    org = esol[0]["organization"]["id"] if esol and "organization" in esol[0] else None
    if org:
        by_org = items({"organization_id": org})
        e.check(len(by_org) >= 1 and all(s["organization"]["id"] == org for s in by_org),
                "organization_id: only that organization's services")
    e.check(len(items({"modified_after": "2100-01-01"})) == 0, "modified_after in the future: none")
    e.check(len(items({"modified_after": "1990-01-01T00:00:00Z"})) == n_all, "modified_after long ago: all")
    adults = items({"minimum_age": 18})
    e.check(len(adults) > 0 and all(s.get("minimum_age", -1) >= 18 for s in adults), "minimum_age")
    young = items({"maximum_age": 25})
    e.check(len(young) > 0 and all(s.get("maximum_age", 999) <= 25 for s in young), "maximum_age")

    def scheds(s):
        out = list(s.get("schedules", []))
        for sal in s.get("service_at_locations", []):
            out += sal.get("location", {}).get("schedules", [])
        return out

    monday = items({"day": "MO"})
    e.check(len(monday) > 0 and all(any("MO" in (x.get("byday") or "") for x in scheds(s)) for s in monday),
            "day=MO: a schedule on Mondays")
    e.check(len(items({"day": "monday"})) == len(monday), "day takes English names")
    evening = items({"start_time": "17:00"})
    e.check(len(evening) > 0 and all(any((x.get("opens_at") or "") >= "17:00" for x in scheds(s)) for s in evening),
            "start_time: opening at or after")
    early = items({"end_time": "13:00"})
    e.check(all(any("" < (x.get("closes_at") or "") <= "13:00:00" for x in scheds(s)) for s in early),
            "end_time: closing at or before")
    mo_ev = items({"day": "MO", "start_time": "17:00"})
    e.check(len(mo_ev) <= min(len(monday), len(evening)), "day and start_time combine")

    st, h, _, body = get(base, "/oruk/services", {"format": "ndjson", "search": "esol"})
    lines = [ln for ln in body.decode().split("\n") if ln]
    e.check(st == 200 and "ndjson" in h.get("Content-Type", ""), "format=ndjson answers NDJSON")
    e.check(len(lines) == len(esol), f"format=ndjson streams every match unpaged ({len(lines)})")
    for ln in lines[:20]:
        check_valid(v_full, json.loads(ln), "an NDJSON line")
    st, _, mini, _ = get(base, "/oruk/services", {"minimal": "true", "per_page": 1000})
    e.check(st == 200 and mini["total_items"] == n_all and all(set(s) <= {"id", "last_modified"} for s in mini["contents"]),
            "minimal=true: ids and last_modified only")

    # postcode and proximity on service_at_locations
    pc = "E8 1DY"
    near = []
    for _, doc in all_pages(base, "/oruk/service_at_locations", {"postcode": pc, "proximity": 2000}):
        near += doc["contents"]
    e.check(len(near) > 0, f"service_at_locations near {pc}: {len(near)}")
    la, lo = 51.5455, -0.0553  # E8 1 sector, roughly: checked within slack below
    e.check(all(metres(la, lo, s["location"]["latitude"], s["location"]["longitude"]) <= 3500 for s in near),
            "proximity: every location within the distance (metres)")
    wide = []
    for _, doc in all_pages(base, "/oruk/service_at_locations", {"postcode": pc, "proximity": 8000}):
        wide += doc["contents"]
    e.check(len(wide) >= len(near), "a larger proximity finds at least as many")
    served = []
    for _, doc in all_pages(base, "/oruk/service_at_locations", {"postcode": pc}):
        served += doc["contents"]
    e.check(len(served) > 0, "postcode alone: services covering that place")

    # errors: JSON, CORS, 400/404
    for path, params, code in [
        ("/oruk/services", {"per_page": "0"}, 400),
        ("/oruk/services", {"page": "x"}, 400),
        ("/oruk/services", {"taxonomy_term_id": "esol"}, 400),
        ("/oruk/services", {"modified_after": "yesterday"}, 400),
        ("/oruk/services", {"day": "funday"}, 400),
        ("/oruk/services", {"start_time": "25:00"}, 400),
        ("/oruk/services", {"text": "\u00e9" * 1001}, 400),
        ("/oruk/service_at_locations", {"proximity": "100"}, 400),
        ("/oruk/service_at_locations", {"postcode": "NOT A POSTCODE"}, 400),
        ("/oruk/services/not-a-uuid", None, 400),
        ("/oruk/services/00000000-0000-4000-8000-000000000000", None, 404),
        ("/oruk/taxonomy_terms/00000000-0000-4000-8000-000000000000", None, 404),
        ("/oruk/nothing", None, 404),
    ]:
        st, h, doc, _ = get(base, path, params)
        e.check(st == code and isinstance(doc, dict) and "error" in doc
                and h.get("Access-Control-Allow-Origin") == "*",
                f"{path} {params} answers {code} as JSON with CORS (got {st})")

    st, h, api, _ = get(base, "/oruk/openapi.json")
    e.check(st == 200 and api and api.get("openapi", "").startswith("3."), "/oruk/openapi.json is OpenAPI 3")
    for p in ["/", "/services", "/services/{id}", "/service_at_locations", "/organizations",
              "/taxonomies", "/taxonomy_terms"]:
        e.check(p in (api or {}).get("paths", {}), f"openapi describes {p}")
    st, _, root, _ = get(base, "/oruk/")
    e.check(st == 200 and root.get("openapi_url", "").endswith("/oruk/openapi.json") and root.get("version"),
            "/oruk/ gives version, profile and openapi_url")


def main():
    if not orukt.have_schemas():
        print("SKIP: ../shared/conformance (ORUK profile and validator rules) is absent")
        sys.exit(77)
    tmp = e.tempdir()
    try:
        store = os.path.join(tmp, "store")
        if not e.check(orukt.index_sample(store), "the sample indexes"):
            e.finish("oruk-conformance")
        srv = orukt.Served(store)
        try:
            if not e.check(srv.ok, "signpost serve starts"):
                e.finish("oruk-conformance")
            run_profile(srv.base + "/oruk")
            ids = run_schemas(srv.base)
            run_params(srv.base, len(ids))
        finally:
            srv.stop()
    finally:
        e.rmtree(tmp)
    print(f"HTTP responses: {responses}; objects validated against ORUK schemas "
          f"(whole responses and every list item): {validated}", flush=True)
    e.finish("oruk-conformance")


if __name__ == "__main__":
    main()
