#!/usr/bin/env python3
"""test_search_elig.py - the eligibility dimensions as /api/v1/search
filters (benefits, status, months_unemployed), end to end over the bundled
sample: a search with a person's circumstances returns exactly the services
that /api/v1/eligible, for the same person, does not call not_eligible on
the benefit, employment status or months-out-of-work dimensions (within the
same borough filter), and benefits=none leaves out services that require
Jobseeker's Allowance.  Uses tests/e2e/spe2e.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import spe2e as e  # noqa: E402

DIMS = {"benefit", "employment_status", "months_unemployed"}
PERSON = {"benefits": "universal-credit", "status": "unemployed", "months_unemployed": "8"}


def search_ids(base, params):
    """Every id /api/v1/search returns for params (all pages), duplicates
    not folded: /api/v1/eligible lists every record."""
    ids, page = [], 1
    pairs = (list(params.items()) if isinstance(params, dict) else list(params)) + [("fold", "0")]
    while True:
        st, res = e.get(base, "/api/v1/search", pairs + [("per_page", "100"), ("page", str(page))])
        if not e.check(st == 200, f"search {params} page {page} is 200 (got {st}: {str(res)[:300]})"):
            return set(ids), res
        got = res.get("results", [])
        ids += [x["id"] for x in got]
        if len(got) < 100 or page * 100 >= res.get("total", 0):
            return set(ids), res
        page += 1


def eligible_all(base, params):
    """id -> result of /api/v1/eligible for params (every evaluated service)."""
    out, page = {}, 1
    while page <= 10:
        st, res = e.get(base, "/api/v1/eligible", dict(params, per_page="100", page=str(page)))
        if not e.check(st == 200, f"eligible {params} page {page} is 200 (got {st}: {str(res)[:300]})"):
            return out
        got = res.get("results", [])
        for x in got:
            out[x["id"]] = x
        if len(got) < 100:
            break
        page += 1
    return out


def excluded(result):
    """Is the service not_eligible on one of DIMS?"""
    return any(w.get("dimension") in DIMS and w.get("outcome") == "not_eligible"
               for w in result.get("reasons", []))


def main():
    with e.sample_server("search-elig") as (base, srv):
        # --- the acceptance person, as filters and as /eligible
        in_borough, _ = search_ids(base, {"borough": "newham"})
        got, res = search_ids(base, dict(PERSON, borough="newham"))
        echo = res.get("query", {})
        e.check(echo.get("benefits") == ["universal-credit"] and echo.get("status") == "unemployed"
                and echo.get("months_unemployed") == 8,
                f"the filters are echoed canonical (got {echo})")
        verdicts = eligible_all(base, dict(PERSON, borough="newham"))
        e.check(in_borough <= set(verdicts), "/eligible evaluated every Newham service")
        want = {i for i in in_borough if i in verdicts and not excluded(verdicts[i])}
        print(f"newham: {len(in_borough)}, search with circumstances: {len(got)}, "
              f"not excluded by /eligible: {len(want)}")
        e.check(len(want) < len(in_borough), "the circumstances exclude some Newham services")
        e.check(len(got) > 0, "some services remain")
        e.check(got == want, f"search == eligible on benefit/status/months "
                f"(only search: {sorted(got - want)[:5]}, only eligible: {sorted(want - got)[:5]})")

        # --- each dimension alone
        for k, v in PERSON.items():
            got1, _ = search_ids(base, {k: v})
            ver1 = eligible_all(base, {k: v})
            want1 = {i for i, x in ver1.items() if not excluded(x)}
            e.check(got1 == want1, f"{k}={v}: search == eligible "
                    f"(only search: {sorted(got1 - want1)[:5]}, only eligible: {sorted(want1 - got1)[:5]})")

        # --- benefits=none leaves out services that require JSA
        ver_none = eligible_all(base, {"benefits": "none"})
        jsa = {i for i, x in ver_none.items()
               if any(w.get("dimension") == "benefit" and w.get("outcome") == "not_eligible"
                      and "jsa" in ((w.get("rule") or {}).get("values") or [])
                      for w in x.get("reasons", []))}
        got_none, _ = search_ids(base, {"benefits": "none"})
        print(f"benefits=none: {len(got_none)} results; services requiring JSA: {len(jsa)}")
        e.check(len(jsa) > 0, "the sample has services requiring JSA")
        e.check(not (jsa & got_none), f"benefits=none returns no service requiring JSA "
                f"(got {sorted(jsa & got_none)[:5]})")
        got_jsa, _ = search_ids(base, {"benefits": "jsa"})
        e.check(jsa <= got_jsa, "benefits=jsa returns the services requiring JSA")
        # two benefits: "in" rules need one of them, so JSA+PIP keeps them
        got_two, _ = search_ids(base, [("benefits", "jsa"), ("benefits", "pip")])
        e.check(jsa <= got_two, "benefits=jsa&benefits=pip keeps the services requiring JSA")

        # --- bad values name the parameter
        for params, name in [({"benefits": "lottery"}, "benefits"),
                             ({"status": "retired-pirate"}, "status"),
                             ({"months_unemployed": "601"}, "months_unemployed"),
                             ({"months_unemployed": "-1"}, "months_unemployed"),
                             ({"months_unemployed": "8x"}, "months_unemployed"),
                             ([("status", "unemployed"), ("status", "in-work")], "status")]:
            st, res = e.get(base, "/api/v1/search", params)
            msg = str(res.get("error", {}).get("message", "")) if isinstance(res, dict) else str(res)
            e.check(st == 400 and name in msg, f"{params}: 400 naming {name} (got {st}: {msg[:200]})")
    e.finish("search-elig")


if __name__ == "__main__":
    main()
