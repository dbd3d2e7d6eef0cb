#!/usr/bin/env python3
"""test_eligible_endpoint.py - GET /api/v1/eligible over the bundled sample,
end to end: `signpost index` the sample, `signpost serve` it on loopback,
ask what a work coach would (the acceptance person: 52, Newham, Universal
Credit, unemployed for 8 months) and check the answer is explained, ordered
and strict about its parameters.  Uses tests/e2e/spe2e.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import spe2e as e  # noqa: E402

ORDER = {"eligible": 0, "check": 1, "not_eligible": 2}
PERSON = {"age": "52", "borough": "newham", "benefits": "universal-credit",
          "status": "unemployed", "months_unemployed": "8"}


def verdict_ok(r):
    """A result's reasons agree with its outcome."""
    outs = [x["outcome"] for x in r["reasons"] if x["outcome"] != "info"]
    worst = max([ORDER[o] for o in outs], default=0)
    return ORDER[r["outcome"]] == worst


def main():
    with e.sample_server("elig-endpoint") as (base, srv):
        # --- the acceptance query
        st, res = e.get(base, "/api/v1/eligible", dict(PERSON, per_page="100"))
        e.check(st == 200, f"acceptance query is 200 (got {st}: {str(res)[:300]})")
        counts = res.get("counts", {})
        print("counts:", counts, "evaluated:", res.get("evaluated"))
        for o in ORDER:
            e.check(counts.get(o, 0) > 0, f"some services are {o} (counts {counts})")
        e.check(res.get("person", {}).get("borough") == "newham", "the person is echoed back canonical")
        e.check(res.get("distance_from") == "borough", "distances are from the borough without near=")
        results = res.get("results", [])
        e.check(len(results) == 100, f"per_page=100 gives 100 results (got {len(results)})")
        ranks = [ORDER[x["outcome"]] for x in results]
        e.check(ranks == sorted(ranks), "eligible first, then check, then not_eligible")
        for x in results:
            e.check(len(x.get("reasons", [])) > 0, f"{x.get('name')} has reasons")
            stated = {w["dimension"] for w in x.get("reasons", []) if w.get("rule")}
            e.check(isinstance(x.get("not_stated"), list) and not (stated & set(x["not_stated"])),
                    f"{x.get('name')}: not_stated lists only dimensions without rules")
            e.check(verdict_ok(x), f"{x.get('name')}: outcome {x['outcome']} agrees with its reasons")
            for why in x.get("reasons", []):
                if why.get("rule"):
                    ev = why["rule"].get("evidence", {})
                    e.check(bool(ev.get("text")) and bool(ev.get("field")),
                            f"{x.get('name')}: {why['dimension']} reason has evidence")
                if why["dimension"] == "age" and why["outcome"] == "eligible" and "lo" in why.get("rule", {}):
                    e.check(why["rule"]["lo"] <= 52, f"{x.get('name')}: age min fits 52")
                if why["dimension"] == "residency" and why["outcome"] == "eligible" and why["rule"]["op"] == "in":
                    vals = why["rule"].get("values", [])
                    e.check("newham" in vals or "local-london" in vals or "london" in vals or
                            "england" in vals or "uk" in vals, f"{x.get('name')}: residency includes Newham")
        # the eligible ones near Newham come first among the eligible
        elig = [x for x in results if x["outcome"] == "eligible"]
        if elig:
            e.check(elig[0].get("distance_km") is not None and elig[0]["distance_km"] < 5,
                    f"the first eligible service is near Newham ({elig[0].get('distance_km')} km)")
        # a not_eligible result says which rule failed
        st, ne = e.get(base, "/api/v1/eligible", dict(PERSON, outcome="not_eligible", per_page="20"))
        e.check(st == 200 and ne.get("results"), "outcome=not_eligible lists services")
        for x in ne.get("results", []):
            e.check(x["outcome"] == "not_eligible", "outcome filter holds")
            e.check(any(w["outcome"] == "not_eligible" and w.get("rule") for w in x["reasons"]),
                    f"{x.get('name')}: a not_eligible reason names its rule")
        st, ck = e.get(base, "/api/v1/eligible", dict(PERSON, outcome="check", per_page="20"))
        for x in ck.get("results", []):
            e.check(any(w["outcome"] == "check" for w in x["reasons"]), f"{x.get('name')}: a check reason")
        # the stored record carries its rules
        if elig:
            st, rec = e.get(base, "/api/v1/services/" + elig[0]["id"])
            rules = rec.get("signpost", {}).get("rules", []) if st == 200 else []
            e.check(len(rules) > 0, "the record of an eligible service carries rules")

        # --- needs, near, language
        st, es = e.get(base, "/api/v1/eligible", dict(PERSON, need="esol", language="bn"))
        e.check(st == 200 and es.get("total", 0) > 0, "need=esol finds services")
        for x in es.get("results", []):
            e.check("esol" in x.get("categories", []) or "skills-training" in x.get("categories", []),
                    f"{x.get('name')} offers ESOL")
        st, nr = e.get(base, "/api/v1/eligible", dict(PERSON, near="E15 1", radius_km="3"))
        e.check(st == 200 and nr.get("distance_from") == "near", "near= gives distances from the postcode")
        for x in nr.get("results", []):
            e.check(x.get("distance_km") is not None and x["distance_km"] <= 3.01,
                    f"{x.get('name')} within 3 km ({x.get('distance_km')})")

        # --- search by near= with distances (issue item 1)
        st, sr = e.get(base, "/api/v1/search", {"near": "E15", "radius_km": "4", "sort": "distance"})
        e.check(st == 200 and sr.get("total", 0) > 0, "search near=E15 finds services")
        d = [x.get("distance_km") for x in sr.get("results", [])]
        e.check(all(v is not None and v <= 4.01 for v in d) and d == sorted(d),
                f"search near=E15 sorted by distance within 4 km ({d})")

        # --- strict parameters: 400 naming the parameter
        for bad, name in [({"age": "abc"}, "age"), ({"age": "200"}, "age"),
                          ({"borough": "atlantis"}, "borough"), ({"benefits": "lottery"}, "benefits"),
                          ({"status": "retired-ish"}, "status"), ({"group": "nobody"}, "group"),
                          ({"need": "telepathy"}, "need"), ({"months_unemployed": "-3"}, "months_unemployed"),
                          ({"radius_km": "3"}, "radius_km"), ({"near": "XYZ"}, "near"),
                          ({"outcome": "maybe"}, "outcome"), ({"colour": "blue"}, "colour"),
                          ({"language": "klingon"}, "language")]:
            st, body = e.get(base, "/api/v1/eligible", bad)
            msg = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
            e.check(st == 400 and name in msg, f"{bad} is 400 naming {name} (got {st}: {msg})")
        st, body = e.get(base, "/api/v1/eligible", "age=30&age=40")
        e.check(st == 400, "age twice is 400")
        st, body = e.get(base, "/api/v1/eligible", {"benefits": "none", "age": "30"})
        e.check(st == 200 and body.get("person", {}).get("benefits") == [], "benefits=none means claims none")

        code, out = srv.stop()
        e.check(code == 0, f"searchd exits 0 on SIGTERM (got {code}: {out[-500:]})")
        e.check("universal-credit" not in out and "months_unemployed" not in out,
                "nothing about the person reaches searchd's output")
    e.finish("elig-endpoint")


if __name__ == "__main__":
    main()
