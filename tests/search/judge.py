#!/usr/bin/env python3
"""judge.py - writes tests/search/judgments.tsv, the relevance judgements
of the search test set, from the bundled sample's truth (data/sample/
manifest.json: what the generator meant each service to be) and its text
(name and description as published), never from what Signpost returns.

Each query (tests/search/queries.tsv) is written as people type it, with
what it asks for:
  topic  categories (any of) and/or a regular expression over the
         service's name and description (either makes a service on topic);
  place  a borough (the service serves it) or a postcode (the service serves
         that postcode's borough, or its postcode sector is within 3 km);
  cost, group, age  further conditions the words state.
A service is relevant when it is active, on topic and meets every stated
condition.  Rerun after the sample changes:
    python3 tests/search/judge.py > tests/search/judgments.tsv
"""
import glob
import html
import json
import math
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "data")

TOPICS = {
    "cv": (["cv-and-applications"], r"\bCVs?\b|curriculum vitae|cover letter"),
    "interview": (["interview-preparation"], r"\binterview"),
    "esol": (["esol"], r"\bESOL\b|English for speakers|English (language )?(classes|lessons|courses)"),
    "debt": (["debt-advice"], r"\bdebts?\b"),
    "money": (["money-advice", "debt-advice", "benefits-advice", "better-off-calculations"], None),
    "benefits": (["benefits-advice", "better-off-calculations"], r"benefits? (advice|check)|welfare rights"),
    "forklift": ([], r"forklift|warehouse"),
    "any": ([], r"."),
    "training": (["skills-training", "vocational-training", "sector-based-work-academies",
                  "adult-community-learning", "apprenticeships", "careers-advice", "careers-guidance"], None),
    "digital": (["digital-skills", "digital-inclusion", "devices-and-data"], r"computer|digital skills|laptop"),
    "laptop": (["devices-and-data"], r"laptop|tablet|device|data sim"),
    "maths": (["english-and-maths"], r"\bmaths\b|numeracy|functional skills"),
    "apprentice": (["apprenticeships"], r"apprentice"),
    "selfemp": (["self-employment", "enterprise-support"], r"own business|self-employ|start a business"),
    "mental": (["mental-health"], r"mental health|anxiety|depression|counsell"),
    "housing": (["housing", "homelessness-support"], r"homeless|housing"),
    "homeless": (["homelessness-support"], r"homeless|rough sleep"),
    "food": (["food-support"], r"food bank|foodbank|pantry|food parcel"),
    "volunteer": (["volunteering"], r"volunteer"),
    "workexp": (["work-experience", "work-placements", "work-trials", "internships"], r"work experience|placement"),
    "childcare": (["childcare", "childcare-and-family"], r"childcare|creche|crèche"),
    "construction": ([], r"construction|CSCS"),
    "security": ([], r"\bSIA\b|security"),
    "care": ([], r"social care|care work|care sector|Care Certificate|careers in care"),
    "jobclub": (["job-clubs"], r"job club|jobs club|work club"),
    "jobsearch": (["job-search", "job-brokerage", "employment-support"], None),
    "careers": (["careers-advice", "careers-guidance"], r"careers (advice|guidance|adviser)"),
    "confidence": (["confidence-and-wellbeing"], r"confidence"),
    "mentor": (["mentoring-and-peer-support"], r"mentor"),
    "legal": (["legal-and-immigration", "immigration-advice"], r"immigration|legal advice"),
    "drugs": (["substance-misuse-support"], r"drug|alcohol|addiction"),
    "prison": (["resettlement"], r"prison|offender|conviction"),
    "travel": (["travel-and-clothing", "practical-costs"], r"travel|interview clothes|fares"),
    "disability": (["disability-support"], r"disab"),
    "inwork": (["in-work-support", "in-work-progression"], r"progression|pay rise|better pay"),
    "employer": (["employer-introductions", "job-brokerage"], r"jobs? fair|meet employers"),
    "wellbeing": (["wellbeing", "confidence-and-wellbeing"], r"wellbeing"),
    "swap": (["sector-based-work-academies"], r"work academ"),
    "health": (["health-and-disability", "physical-health", "mental-health"], None),
    "kickstart": ([], r"kickstart"),
    "retrain": (["skills-training", "vocational-training", "careers-advice", "careers-guidance",
                 "sector-based-work-academies", "adult-community-learning"], r"retrain|career change"),
    "hospitality": ([], r"hospitality|catering|chef|kitchen"),
    "driving": ([], r"driv|forklift|HGV|LGV"),
    "retail": ([], r"retail|shop work|customer service"),
}


def load_queries():
    """(query, topic, conditions) for each line of queries.tsv."""
    out = []
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "queries.tsv"),
              encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                q, topic, cond = line.split("\t")
                out.append((q, topic, json.loads(cond) if cond else {}))
    return out


Q = load_queries()


def load_geo():
    """Postcode sectors and districts: code -> (borough, lat, lon) each."""
    tables = []
    for name in ("postcode_sectors.tsv", "postcode_districts.tsv"):
        t = {}
        with open(os.path.join(DATA, "geography", name)) as f:
            next(f)
            for line in f:
                code, b, la, lo = line.rstrip("\n").split("\t")[:4]
                t[code] = (b, float(la), float(lo))
        tables.append(t)
    return tables


def where(pc, sectors, districts):
    pc = pc.upper().strip()
    if " " in pc:
        out, inw = pc.split(" ", 1)
        sec = f"{out} {inw[:1]}"
        if sec in sectors:
            return sectors[sec]
        pc = out
    return districts.get(pc)


def km(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[1], a[2], b[1], b[2]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


def texts():
    """id -> (name + description, minimum_age, maximum_age) from the sources."""
    out = {}
    for path in glob.glob(os.path.join(DATA, "sample", "sources", "*", "services", "*.json")):
        with open(path) as f:
            d = json.load(f)
        if isinstance(d, dict) and d.get("id"):
            out[d["id"]] = (f"{d.get('name', '')} {d.get('description', '')}",
                            d.get("minimum_age"), d.get("maximum_age"))
    for path in glob.glob(os.path.join(DATA, "sample", "sources", "*", "services", "*.html")):
        with open(path) as f:
            body = html.unescape(re.sub(r"<[^>]+>", " ", f.read()))
        out["path:" + path.split("/sources", 1)[1]] = (body, None, None)
    return out


def main():
    m = json.load(open(os.path.join(DATA, "sample", "manifest.json")))
    sectors, districts = load_geo()
    tx = texts()
    n = 0
    print("# query\trelevant service ids (judged by tests/search/judge.py from data/sample)")
    for q, topic, cond in Q:
        cats, rx = TOPICS[topic]
        rel = []
        here = where(cond["near"], sectors, districts) if "near" in cond else None
        for sid, s in m["services"].items():
            if s["status"] != "active":
                continue
            text, amin, amax = tx.get(sid) or tx.get("path:" + s["path"]) or ("", None, None)
            on = bool(set(cats) & set(s["categories"])) or bool(rx and re.search(rx, text, re.I))
            if not on:
                continue
            if "borough" in cond and cond["borough"] not in s["boroughs"]:
                continue
            if "cost" in cond and s["cost"] != cond["cost"]:
                continue
            if "group" in cond and not set(cond["group"]) & set(s["groups"]):
                continue
            if "age" in cond and ((amin is not None and cond["age"] < amin) or
                                  (amax is not None and cond["age"] > amax)):
                continue
            if here:
                loc = where(s["postcode"], sectors, districts) if s.get("postcode") else None
                if here[0] not in s["boroughs"] and not (loc and km(here, loc) <= 3.0):
                    continue
            rel.append(sid)
        if not rel:
            print(f"no relevant services for {q!r}", file=sys.stderr)
        n += 1
        print(f"{q}\t{' '.join(sorted(rel))}")
    print(f"{n} queries", file=sys.stderr)


if __name__ == "__main__":
    main()
