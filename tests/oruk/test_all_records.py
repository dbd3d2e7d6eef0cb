#!/usr/bin/env python3
"""test_all_records.py - every record /oruk/ serves validates against the
ORUK 3.0 profile's service schema: the whole bundled sample (ORUK APIs,
feeds, provider pages, sitemaps, read with `signpost index`) and a plain
HTML page with no structured data (pages/plain-page.html).  Addresses are
completed from their postcode (city, state_province), and every service
carries an organization (organization_id).  Exit 77 without ../shared."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orukt  # noqa: E402
from orukt import e  # noqa: E402
import json  # noqa: E402


def get(base, path):
    st, _, body = orukt.raw_get(base + path)
    return st, (json.loads(body) if st == 200 else None)


def main():
    if not orukt.have_schemas():
        print("SKIP: ../shared/conformance (ORUK profile) is absent")
        sys.exit(77)
    v_full = orukt.validator(os.path.join(orukt.PROFILE, "schema", "compiled", "service.json"))
    tmp = e.tempdir()
    try:
        srv = orukt.serve_sample_and_page(tmp, "oruk-all-records")
        try:
            ids, pg = [], 1
            while pg < 100:
                st, doc = get(srv.base, "/oruk/services?per_page=100&page=%d" % pg)
                if not e.check(st == 200, "/oruk/services page %d: %s" % (pg, st)):
                    break
                ids += [s["id"] for s in doc["contents"]]
                if doc["last_page"]:
                    break
                pg += 1
            bad, no_org, plain = [], [], None
            for sid in ids:
                st, s = get(srv.base, "/oruk/services/" + sid)
                if not e.check(st == 200, "GET /oruk/services/%s: %s" % (sid, st)):
                    continue
                errs = orukt.errors(v_full, s)
                if errs:
                    bad.append((s.get("name"), errs))
                if not s.get("organization_id") or not isinstance(s.get("organization"), dict):
                    no_org.append(s.get("name"))
                if s.get("name") == "Back to Work Club":
                    plain = s
            print("%d services validated, %d invalid, %d without an organization"
                  % (len(ids), len(bad), len(no_org)), flush=True)
            e.check(len(ids) > 100, "the whole sample is served (%d services)" % len(ids))
            e.check(not bad, "every service validates: %s" % bad[:5])
            e.check(not no_org, "every service has an organization: %s" % no_org[:5])
            if e.check(plain is not None, "the plain page gives a record"):
                addr = plain["service_at_locations"][0]["location"]["addresses"][0]
                e.check(addr.get("city") == "London" and addr.get("state_province") == "Greater London"
                        and addr.get("region") == "Hackney" and addr.get("postal_code") == "E8 1HE",
                        "the page's address is completed from its postcode: %s" % addr)
                e.check(plain["organization"]["name"] == "Riverside Community Trust",
                        "the page's organisation is its site name: %s" % plain["organization"])
        finally:
            srv.stop()
    finally:
        e.rmtree(tmp)
    e.finish("oruk-all-records")


if __name__ == "__main__":
    main()
