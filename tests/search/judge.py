#!/usr/bin/env python3
"""judge.py - writes tests/search/judgments.tsv, the relevance judgements
of the search test set, from the bundled sample's truth (data/sample/
manifest.json: what the generator meant each service to be) and its text
(name and description as published), never from what Signpost returns.

Each query below is written as people type it, with what it asks for:
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

# (query, topic, conditions)
Q = [
    # sentences
    ("I'm 55 and want to retrain", "retrain", {"age": 55}),
    ("I want to learn to drive a forklift truck", "forklift", {}),
    ("somewhere to practise for my interview", "interview", {}),
    ("I need help with my CV", "cv", {}),
    ("help writing a cv", "cv", {}),
    ("can someone check my cv", "cv", {}),
    ("I want to improve my English", "esol", {}),
    ("where can I learn English", "esol", {}),
    ("free English classes Newham", "esol", {"borough": "newham", "cost": "free"}),
    ("english classes in newham", "esol", {"borough": "newham"}),
    ("I have debts and need advice", "debt", {}),
    ("debt advice", "debt", {}),
    ("debt advice near E8 1DY", "debt", {"near": "E8 1DY"}),
    ("help with money problems", "money", {}),
    ("I'm worried about money", "money", {}),
    ("check what benefits I can get", "benefits", {}),
    ("benefits advice in Hackney", "benefits", {"borough": "hackney"}),
    ("I'm looking for a job", "jobsearch", {}),
    ("looking for work in Croydon", "jobsearch", {"borough": "croydon"}),
    ("help finding a job in Tower Hamlets", "jobsearch", {"borough": "tower-hamlets"}),
    ("I want to get back to work after having kids", "jobsearch", {"group": ["lone-parents", "women-returners"]}),
    ("I want to start my own business", "selfemp", {}),
    ("help to become self employed", "selfemp", {}),
    ("I want to work in construction", "construction", {}),
    ("how do I get a CSCS card", "construction", {}),
    ("I want to be a security guard", "security", {}),
    ("SIA badge training", "security", {}),
    ("I want to work in care", "care", {}),
    ("jobs in health and social care", "care", {}),
    ("I want an apprenticeship", "apprentice", {}),
    ("apprenticeships for young people", "apprentice", {}),
    ("I don't know how to use a computer", "digital", {}),
    ("learn computer skills", "digital", {}),
    ("I need a laptop", "laptop", {}),
    ("free laptop for job hunting", "laptop", {}),
    ("I want to improve my maths", "maths", {}),
    ("maths and english classes", "maths", {}),
    ("I've been out of work for a long time and lost my confidence", "confidence", {}),
    ("building confidence", "confidence", {}),
    ("I'd like a mentor", "mentor", {}),
    ("someone to talk to about my mental health", "mental", {}),
    ("mental health support to get back to work", "mental", {}),
    ("I'm homeless and need a job", "homeless", {}),
    ("help with housing", "housing", {}),
    ("where is the nearest food bank", "food", {}),
    ("food bank", "food", {}),
    ("I want to volunteer", "volunteer", {}),
    ("volunteering opportunities", "volunteer", {}),
    ("work experience", "workexp", {}),
    ("I need some work experience", "workexp", {}),
    ("work placement for young people", "workexp", {}),
    ("childcare so I can work", "childcare", {}),
    ("help with childcare costs", "childcare", {}),
    ("I just got out of prison and need work", "prison", {}),
    ("jobs for ex offenders", "prison", {}),
    ("help with drug and alcohol problems", "drugs", {}),
    ("immigration advice", "legal", {}),
    ("help with travel costs to interviews", "travel", {}),
    ("I have a disability and want to work", "disability", {}),
    ("support for disabled people to find work", "disability", {}),
    ("I want a better paid job", "inwork", {}),
    ("help to get a pay rise", "inwork", {}),
    ("meet employers", "employer", {}),
    ("jobs fair", "employer", {}),
    ("careers advice", "careers", {}),
    ("I don't know what career to choose", "careers", {}),
    ("job club", "jobclub", {}),
    ("is there a job club near me", "jobclub", {}),
    ("sector based work academy", "swap", {}),
    ("kickstart", "kickstart", {}),
    ("warehouse jobs", "forklift", {}),
    ("forklift training", "forklift", {}),
    ("forklift licence", "forklift", {}),
    ("I want to be a chef", "hospitality", {}),
    ("hospitality training", "hospitality", {}),
    ("HGV driving course", "driving", {}),
    ("customer service training", "retail", {}),
    ("wellbeing", "wellbeing", {}),
    ("training courses", "training", {}),
    ("free courses", "training", {"cost": "free"}),
    ("free training in Newham", "training", {"cost": "free", "borough": "newham"}),
    ("interview practice", "interview", {}),
    ("mock interview", "interview", {}),
    ("help preparing for a job interview", "interview", {}),
    ("cv", "cv", {}),
    ("cv help hackney", "cv", {"borough": "hackney"}),
    ("cv workshop in Hackney", "cv", {"borough": "hackney"}),
    ("cv near SW1A 1AA", "cv", {"near": "SW1A 1AA"}),
    ("cv help near E8 1DY", "cv", {"near": "E8 1DY"}),
    ("esol", "esol", {}),
    ("esol classes near E15 1AA", "esol", {"near": "E15 1AA"}),
    ("esol Tower Hamlets", "esol", {"borough": "tower-hamlets"}),
    ("english lessons for adults in Ealing", "esol", {"borough": "ealing"}),
    ("learn english Brent", "esol", {"borough": "brent"}),
    ("debt help in Lewisham", "debt", {"borough": "lewisham"}),
    ("money advice Southwark", "money", {"borough": "southwark"}),
    ("jobs help Barking", "jobsearch", {"borough": "barking-and-dagenham"}),
    ("employment support in Enfield", "jobsearch", {"borough": "enfield"}),
    ("digital skills Lambeth", "digital", {"borough": "lambeth"}),
    ("computer classes in Islington", "digital", {"borough": "islington"}),
    ("training near N1 9GU", "training", {"near": "N1 9GU"}),
    ("job search near SE1 7PB", "jobsearch", {"near": "SE1 7PB"}),
    ("mental health support near E8 1DY", "mental", {"near": "E8 1DY"}),
    ("food bank near E8", "food", {"near": "E8"}),
    ("housing advice near N15", "housing", {"near": "N15"}),
    ("volunteering in Camden", "volunteer", {"borough": "camden"}),
    ("apprenticeships in Croydon", "apprentice", {"borough": "croydon"}),
    ("construction training Newham", "construction", {"borough": "newham"}),
    ("self employment support in Greenwich", "selfemp", {"borough": "greenwich"}),
    # ages and groups
    ("I'm 19 and need a job", "jobsearch", {"age": 19}),
    ("aged 19 looking for training", "training", {"age": 19}),
    ("training for 18 year olds", "training", {"age": 18}),
    ("I am 60 and looking for work", "jobsearch", {"age": 60}),
    ("over 50s employment support", "jobsearch", {"group": ["aged-50-plus"]}),
    ("help for older workers", "any", {"group": ["aged-50-plus"]}),
    ("support for young people", "any", {"group": ["young-people"]}),
    ("young people jobs Hackney", "jobsearch", {"group": ["young-people"], "borough": "hackney"}),
    ("care leavers support", "any", {"group": ["care-leavers"]}),
    ("help for refugees to find work", "jobsearch", {"group": ["refugees-asylum"]}),
    ("refugee employment", "jobsearch", {"group": ["refugees-asylum"]}),
    ("support for lone parents", "any", {"group": ["lone-parents"]}),
    ("single mum wants to work", "jobsearch", {"group": ["lone-parents", "women-returners"]}),
    ("women returning to work", "any", {"group": ["women-returners"]}),
    ("help for veterans", "any", {"group": ["veterans"]}),
    ("support for carers", "any", {"group": ["carers"]}),
    ("long term unemployed", "any", {"group": ["long-term-unemployed"]}),
    ("disabled young people", "any", {"group": ["young-people-send", "disabled"]}),
    # misspellings
    ("forklfit training", "forklift", {}),
    ("forklift trainning", "forklift", {}),
    ("intervew practice", "interview", {}),
    ("interveiw skills", "interview", {}),
    ("debt advise", "debt", {}),
    ("apprentiships", "apprentice", {}),
    ("volunteerin", "volunteer", {}),
    ("englsh classes", "esol", {}),
    ("mentel health", "mental", {}),
    ("homless", "homeless", {}),
    ("constrution jobs", "construction", {}),
    ("self-employed", "selfemp", {}),
    ("selfemployment", "selfemp", {}),
    ("C.V.", "cv", {}),
    ("CV's", "cv", {}),
    ("e.s.o.l", "esol", {}),
    # terse
    ("forklift", "forklift", {}),
    ("warehouse", "forklift", {}),
    ("chef", "hospitality", {}),
    ("security", "security", {}),
    ("care work", "care", {}),
    ("mentoring", "mentor", {}),
    ("confidence", "confidence", {}),
    ("childcare", "childcare", {}),
    ("homeless", "homeless", {}),
    ("housing", "housing", {}),
    ("laptop", "laptop", {}),
    ("retrain", "retrain", {}),
    ("retraining at 50", "retrain", {"age": 50}),
    ("career change", "retrain", {}),
    ("volunteering", "volunteer", {}),
    ("internship", "workexp", {}),
    ("job clubs in Newham", "jobclub", {"borough": "newham"}),
    ("free debt advice", "debt", {"cost": "free"}),
    ("free cv help", "cv", {"cost": "free"}),
    ("free esol classes", "esol", {"cost": "free"}),
]


def load_geo():
    sectors = {}
    with open(os.path.join(DATA, "geography", "postcode_sectors.tsv")) as f:
        next(f)
        for line in f:
            s, b, la, lo = line.rstrip("\n").split("\t")[:4]
            sectors[s] = (b, float(la), float(lo))
    districts = {}
    with open(os.path.join(DATA, "geography", "postcode_districts.tsv")) as f:
        next(f)
        for line in f:
            d, b, la, lo = line.rstrip("\n").split("\t")[:4]
            districts[d] = (b, float(la), float(lo))
    return sectors, districts


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
