#!/usr/bin/env python3
"""test_sample_search.py - the Foundation's acceptance checks, end to end:
index the bundled sample with `signpost index`, serve it with
`signpost serve`, and ask the API what a user would."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import spe2e as e  # noqa: E402

FIELDS = ["borough", "subregion", "group", "category", "mode", "cost", "referral", "language",
          "benefits", "status", "months_unemployed", "age"]


def main():
    tmp = e.tempdir()
    try:
        store = os.path.join(tmp, "store")
        r = subprocess.run([e.SIGNPOST, "index", "--store", store, e.SAMPLE], capture_output=True, text=True)
        print(r.stderr.strip())
        e.check(r.returncode == 0, f"signpost index exits 0 (got {r.returncode})")
        port = e.free_port()
        base = f"http://127.0.0.1:{port}"
        with e.Proc(["serve", "--store", store, "--listen", f"127.0.0.1:{port}"]) as srv:
            health = e.wait_for(base)
            e.check(health is not None, "searchd answers /healthz")
            if health is None:
                print(srv.stop()[1])
                e.finish("sample-search")
            e.check(health.get("documents", 0) >= 400, f"at least 400 services indexed (got {health.get('documents')})")

            # cv in Hackney: Hackney services about CVs, with facets
            st, res = e.get(base, "/api/v1/search", {"q": "cv", "borough": "hackney"})
            e.check(st == 200, "q=cv&borough=hackney is 200")
            e.check(res.get("total", 0) > 0, "q=cv&borough=hackney finds services")
            for hit in res.get("results", []):
                e.check("hackney" in hit.get("boroughs", []), f"{hit.get('name')} serves Hackney")
                text = (hit.get("name", "") + " " + hit.get("snippet", "")).lower()
                e.check("cv" in text or "curriculum" in text or "<mark>" in text,
                        f"{hit.get('name')} is about CVs")
            e.check(set(FIELDS) <= set(res.get("facets", {}).keys()), "all facet fields returned")

            # Facet counts equal the total of the same search with the value added
            # (fold=0 counts records through the index's facet table, the
            # default counts folded clusters: both must hold; a months value
            # between the steps 0/3/6/12/24 is counted the slow way.)
            queries = [{}, {"q": "cv"}, {"q": "esol"}, {"borough": "hackney"},
                       {"q": "training", "group": "young-people"}, {"category": "skills-training", "cost": "free"},
                       {"benefits": "universal-credit", "status": "unemployed", "months_unemployed": "8", "age": "52"},
                       {"q": "training", "age": "18", "fold": "0"},
                       {"benefits": "universal-credit", "status": "unemployed", "months_unemployed": "6", "fold": "0"},
                       {"q": "cv", "benefits": ["jsa", "pip"], "fold": "0"},
                       {"borough": "newham", "benefits": "none", "months_unemployed": "0"}]
            n_checked = 0
            for base_q in queries:
                st, res = e.get(base, "/api/v1/search", base_q)
                if not e.check(st == 200, f"search {base_q} is 200"):
                    continue
                for field in FIELDS:
                    for fv in res["facets"].get(field, [])[:6]:
                        # disjunctive: a value of a filtered field counts as if it
                        # were that field's only filter
                        q2 = dict(base_q)
                        q2[field] = fv["value"]
                        st2, res2 = e.get(base, "/api/v1/search", q2)
                        n_checked += 1
                        e.check(st2 == 200 and res2.get("total") == fv["count"],
                                f"facet {field}={fv['value']} under {base_q}: count {fv['count']} == total {res2.get('total')}")
            e.check(n_checked >= 50, f"facet invariant checked on many values ({n_checked})")

            # The hours facet: every day and part of the day, counted exactly as the
            # search with that value in place of its day (with its time or at) or its
            # time (with its day; at gives way); with open=now each value alone.
            hours_q = [{}, {"q": "cv"}, {"day": "SA"}, {"day": "MO", "time": "morning"},
                       {"borough": "hackney", "time": "evening"}, {"day": "TU", "at": "10:30"},
                       {"open": "now", "q": "training"}, {"day": "WE", "fold": "0"}]
            n_hours = 0
            for base_q in hours_q:
                st, res = e.get(base, "/api/v1/search", base_q)
                if not e.check(st == 200, f"search {base_q} is 200"):
                    continue
                fc = res.get("facets", {})
                e.check([v["value"] for v in fc.get("day", [])] == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
                        and [v["value"] for v in fc.get("time", [])] == ["morning", "afternoon", "evening"],
                        f"hours facet lists every day and part of the day under {base_q}")
                for field in ("day", "time"):
                    for fv in fc.get(field, []):
                        q2 = {k: v for k, v in base_q.items() if k != "open" and not (field == "time" and k == "at")}
                        q2[field] = fv["value"]
                        st2, res2 = e.get(base, "/api/v1/search", q2)
                        n_hours += 1
                        e.check(st2 == 200 and res2.get("total") == fv["count"],
                                f"hours facet {field}={fv['value']} under {base_q}: count {fv['count']} == total {res2.get('total')}")
                        if base_q.get(field) == fv["value"]:
                            e.check(fv["selected"] and fv["count"] == res.get("total"),
                                    f"the chosen {field} is selected and counts the search's total ({fv})")
            e.check(n_hours == 80, f"hours facet checked on every value of 8 searches ({n_hours})")
            st, res = e.get(base, "/api/v1/search", {"day": "SA"})
            sat = {v["value"]: v["count"] for v in res.get("facets", {}).get("day", [])}
            e.check(0 < sat.get("SA", 0) < sat.get("MO", 0), f"fewer services open on Saturday than Monday ({sat})")

            # The person fields' facets say something: not every service is
            # open to everyone, and more are open the longer someone is out of work.
            st, res = e.get(base, "/api/v1/search", {"fold": "0"})
            fc = res.get("facets", {}) if st == 200 else {}
            ben = {v["value"]: v["count"] for v in fc.get("benefits", [])}
            e.check(ben.get("none", 0) < ben.get("universal-credit", 0) <= res.get("total", 0),
                    f"benefits facet: more services for universal-credit than for no benefit ({ben})")
            e.check(0 < ben.get("none", 0) < res.get("total", 0),
                    f"benefits facet: some services need a benefit (none: {ben.get('none')} of {res.get('total')})")
            months = [(int(v["value"]), v["count"]) for v in fc.get("months_unemployed", [])]
            e.check([m for m, _ in months] == [0, 3, 6, 12, 24], f"months facet steps in order ({months})")
            e.check(all(a[1] <= b[1] for a, b in zip(months, months[1:])) and months and months[0][1] < months[-1][1],
                    f"months facet counts grow with time out of work ({months})")
            ages = [(int(v["value"]), v["count"]) for v in fc.get("age", [])]
            e.check([a for a, _ in ages] == [16, 18, 25, 50, 66] and all(0 < c < res.get("total", 0) for _, c in ages),
                    f"age facet: every step, none open to all ages in the sample ({ages})")
            st_vals = {v["value"] for v in fc.get("status", [])}
            e.check({"unemployed", "in-work"} <= st_vals, f"status facet lists statuses ({sorted(st_vals)})")
            labels = {v["value"]: v["label"] for v in fc.get("benefits", [])}
            e.check(labels.get("universal-credit") == "Universal Credit", "benefits facet carries labels")

            # did-you-mean
            st, res = e.get(base, "/api/v1/search", {"q": "intervew skils"})
            e.check(st == 200 and res.get("suggestion") == "interview skills",
                    f"'intervew skils' suggests 'interview skills' (got {res.get('suggestion')!r})")

            # ESOL finds a service described only as "English for speakers of other languages"
            st, res = e.get(base, "/api/v1/search", {"q": "ESOL", "per_page": 100})
            found = False
            for hit in res.get("results", []):
                st3, rec = e.get(base, f"/api/v1/services/{hit['id']}")
                blob = (rec.get("name", "") + " " + rec.get("description", "")).lower() if isinstance(rec, dict) else ""
                if "english for speakers of other languages" in blob and "esol" not in blob:
                    found = True
                    break
            e.check(found, "ESOL finds a service described only as 'English for speakers of other languages'")

            # Bad parameters: 400 naming the problem, and the daemon keeps serving
            bad = [("borough=atlantis", "borough"), ("page=-1", "page"), ("per_page=100000", "per_page"),
                   ("q=" + "a" * 2000, "q"), ("q=%ff%fe", "q"), ("colour=blue", "colour"), ("age=abc", "age")]
            for qs, name in bad:
                st, res = e.get(base, "/api/v1/search", qs)
                msg = res.get("error", {}).get("message", "") if isinstance(res, dict) else ""
                e.check(st == 400 and name in msg, f"{qs[:40]} -> 400 naming {name} (got {st} {msg[:80]!r})")
            try:
                st, res = e.get(base, "/api/v1/search", "q=" + "x" * (10 * 1024 * 1024), timeout=60)
                e.check(st in (400, 413, 414), f"10 MB q is refused with 400/413/414 (got {st})")
            except Exception as ex:  # the server may close the connection on a huge request line
                e.check(False, f"10 MB q gets an HTTP answer (got {ex!r})")
            st, _ = e.get(base, "/healthz")
            e.check(st == 200, "daemon still serving after bad requests")
    finally:
        e.rmtree(tmp)
    e.finish("sample-search")


if __name__ == "__main__":
    main()
