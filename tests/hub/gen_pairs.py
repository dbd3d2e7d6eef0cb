#!/usr/bin/env python3
"""gen_pairs.py - writes tests/hub/data/pairs.tsv, the labelled record pairs
that evaluate duplicate linkage (indexer/dedupe.c).

Every record here is fictional and written for this project: organisations,
services, phones in Ofcom's drama range (020 7946 0xxx), *.example.org.uk
sites.  Each line is `label<TAB>kind<TAB>record A<TAB>record B`, label 1 for
the same service listed twice, 0 for two different services; records are
HSDS 3.0 service objects (with Signpost's "signpost" block for boroughs and
categories) on one line.

Positives vary the way directories do: "&" and "and", "The", upper case,
"service" appended, "Ltd"/"Limited"/"Trust"/"CIC", abbreviations (Ctr,
Assoc, Intl, St), postcode spacing and case, phone formats, http/https/www,
rewritten or shortened descriptions, fields missing on one side.
Negatives are the hard ones: two Jobcentres in one borough, two ESOL levels
(or sessions) at one college, two services of one charity sharing its
phone, e-mail and address, one course title at two colleges, one programme
by two providers in two boroughs.

Deterministic (fixed seed): `python3 tests/hub/gen_pairs.py` rewrites the
same file.
"""
import json
import os
import random

R = random.Random(20261123)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pairs.tsv")

# (org, short, borough, postcode, phone suffix, category list)
ORGS = [
    ("Hackney Pathway Network", "hackney-pathway", "hackney", "E8 1DY", "0101", "employment-support"),
    ("Brightside Collective", "brightside", "newham", "E15 4QZ", "0102", "employment-support"),
    ("Northstar Community Association", "northstar", "barnet", "N12 0DR", "0103", "employment-support"),
    ("Westway Works", "westway-works", "kensington-and-chelsea", "W10 5XL", "0104", "employment-support"),
    ("Lighthouse Greenwich Project", "lighthouse-greenwich", "greenwich", "SE10 9GB", "0105", "digital-inclusion"),
    ("Southside Skills and Training", "southside-skills", "lambeth", "SW9 8HE", "0106", "skills-training"),
    ("Horizon Alliance", "horizon-alliance", "camden", "NW1 2DB", "0107", "skills-training"),
    ("Compass Futures", "compass-futures", "tower-hamlets", "E1 6AN", "0108", "wellbeing"),
    ("Riverside Enterprise Centre", "riverside-enterprise", "wandsworth", "SW18 4AQ", "0109", "self-employment"),
    ("St Mary's Community Trust", "st-marys", "islington", "N1 8QH", "0110", "money-advice"),
    ("Greenfield International Welcome", "greenfield-welcome", "croydon", "CR0 1NX", "0111", "legal-and-immigration"),
    ("Ealing Youth Partnership", "ealing-youth", "ealing", "W5 2HL", "0112", "employment-support"),
    ("Bridge to Work CIC", "bridge-to-work", "haringey", "N17 6RA", "0113", "employment-support"),
    ("Harbour Carers Association", "harbour-carers", "lewisham", "SE13 6LG", "0114", "wellbeing"),
    ("Kingfisher Recovery Trust", "kingfisher", "southwark", "SE1 4YB", "0115", "substance-misuse-support"),
    ("New Leaf Resettlement", "new-leaf", "enfield", "EN1 3PL", "0116", "resettlement"),
    ("Oakwood Food & Community Hub", "oakwood-hub", "brent", "NW10 4RS", "0117", "food-support"),
    ("Redbridge Women Into Work", "redbridge-women", "redbridge", "IG1 1BA", "0118", "employment-support"),
    ("Hillside Disability Employment Centre", "hillside", "hounslow", "TW3 1ES", "0119", "health-and-disability"),
    ("Thamesmead Digital Skills Centre", "thamesmead-digital", "bexley", "DA8 1RT", "0120", "skills-training"),
]

SERVICES = [
    ("Drop-in CV Workshop", ["cv-and-applications"], "Bring your CV or start one from scratch with an adviser. We help you tailor applications, write cover letters and fill in online forms. Sessions are free and no appointment is needed."),
    ("Interview Confidence Coaching", ["interview-preparation"], "One-to-one coaching to prepare for interviews: practice questions, feedback on how you come across and help with nerves. Suits anyone with an interview coming up."),
    ("Jobs and Skills Service", ["job-search", "job-brokerage"], "Our job brokers match local residents with vacancies from employers in the area. We check your CV, set up interviews and stay in touch for the first months in work."),
    ("Health and Social Care Academy", ["vocational-training"], "Start a career in adult social care: Care Certificate training, a paid DBS check and interviews with local care providers at the end of the course."),
    ("Construction Skills and CSCS Card", ["vocational-training"], "A two-week course with Health and Safety Awareness, the CSCS test and introductions to site employers. Boots and PPE are provided."),
    ("Device Lending and Free Data", ["devices-and-data"], "Borrow a laptop or tablet for up to three months and get a free SIM with data, so you can job search, study and stay in touch."),
    ("Youth Mentoring", ["mentoring-and-peer-support"], "Young people aged 16 to 24 are matched with a volunteer mentor who meets them weekly for six months to set goals and build confidence."),
    ("Start Your Own Business", ["enterprise-support"], "Free workshops on business planning, marketing and tax, followed by one-to-one advice and help to apply for start-up loans."),
    ("Debt and Benefits Advice", ["debt-advice", "benefits-advice"], "Advisers check you get every benefit you are entitled to, help with Universal Credit claims and deal with creditors on your behalf."),
    ("Immigration and Right to Work Advice", ["immigration-advice"], "Regulated advisers explain your right to work, help with status applications and check documents employers ask for."),
    ("Carers Back to Work", ["job-search", "confidence-and-wellbeing"], "For unpaid carers who want to return to work: flexible job search support, confidence sessions and help finding replacement care."),
    ("Recovery into Work", ["job-search"], "Support for people in recovery from drug or alcohol use to prepare for work, with a keyworker, volunteering placements and peer support."),
    ("Through the Gate Employment Support", ["job-search"], "We meet people leaving prison and help them find housing, open a bank account and look for work with employers who recruit ex-offenders."),
    ("Community Food Pantry", ["food-support"], "Members pay a small weekly fee and choose groceries worth much more. Advice on money and work is available at every session."),
    ("Women into Work Programme", ["job-search", "confidence-and-wellbeing"], "A twelve-week programme for women returning to work after a career break, with childcare costs covered while you attend."),
    ("Supported Employment for Disabled People", ["disability-support", "job-search"], "Employment specialists support disabled people and people with long-term health conditions to find and keep paid work."),
    ("Digital Skills for Work", ["digital-skills"], "Learn to use email, online forms, video calls and office software. Small friendly classes for complete beginners and improvers."),
    ("Volunteering Brokerage", ["volunteering"], "We find volunteering roles that build your experience and references, and support you through your first weeks."),
    ("Money Skills Workshop", ["debt-advice"], "Practical sessions on budgeting, bills and avoiding debt, run by trained money advisers."),
    ("Hospitality Training and Barista Course", ["vocational-training"], "Train in our community cafe: barista skills, food hygiene certificate and customer service, with guaranteed interviews at local employers."),
]

SCHEDULES = [("MO,WE", "10:00", "13:00"), ("TU,TH", "09:30", "15:30"), ("MO,TU,WE,TH,FR", "09:00", "17:00"),
             ("WE", "18:00", "20:30"), ("SA", "10:00", "14:00"), ("FR", "13:00", "16:00")]

ABBREV = [("Centre", "Ctr"), ("Association", "Assoc"), ("International", "Intl"), ("Saint", "St"),
          ("Training", "Trg"), ("Programme", "Program"), ("Community", "Comm")]

LEAD_INS = ["", "We offer ", "Our service: ", "About this service. "]
TAILS = [" (Listing supplied by the provider.)", " Contact us to find out more.", " Updated by the council's directory team.",
         " Please note: places are limited.", ""]


def slugify(s):
    out = "".join(c.lower() if c.isalnum() else "-" for c in s.replace("&", "and").replace("'", ""))
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def phone_fmt(suffix, style):
    styles = [
        f"020 7946 {suffix}",
        f"+44 20 7946 {suffix}",
        f"020-7946-{suffix}",
        f"0207946{suffix}",
        f"(020) 7946 {suffix}",
        f"+44 (0)20 7946 {suffix}",
        f"0044 20 7946 {suffix}",
    ]
    return styles[style % len(styles)]


def postcode_fmt(pc, style):
    if style == 1:
        return pc.replace(" ", "")
    if style == 2:
        return pc.lower()
    if style == 3:
        return pc.replace(" ", "  ")
    return pc


def record(name, org, borough, postcode, phone, email, url, desc, cats, sched=None, ident=None):
    r = {
        "id": "",
        "name": name,
        "description": desc,
        "status": "active",
        "organization": {"name": org},
        "signpost": {"boroughs": [{"slug": borough}], "categories": [{"slug": c} for c in cats]},
    }
    if url:
        r["url"] = url
    if email:
        r["email"] = email
    if phone:
        r["phones"] = [{"number": phone}]
    if postcode:
        r["service_at_locations"] = [{"location": {"name": org, "addresses": [{"address_1": "1 High Street", "city": "London", "postal_code": postcode, "country": "GB"}]}}]
    if sched:
        r["schedules"] = [{"freq": "WEEKLY", "byday": sched[0], "opens_at": sched[1] + ":00", "closes_at": sched[2] + ":00"}]
    if ident:
        r["organization"]["organization_identifiers"] = [{"identifier_type": ident[0], "identifier": ident[1]}]
    return r


def base(org_i, svc_i):
    org, short, borough, pc, ph, _ = ORGS[org_i]
    name, cats, desc = SERVICES[svc_i]
    site = f"{short}.example.org.uk"
    url = f"https://www.{site}/{slugify(name)}"
    email = f"info@{site}"
    sched = SCHEDULES[(org_i + svc_i) % len(SCHEDULES)]
    ident = ("charity", f"11{org_i:02d}{(org_i * 7919) % 10000:04d}") if org_i % 3 == 0 else None
    parent = ORGS[org_i][5]
    return dict(name=name, org=org, borough=borough, postcode=pc, phone_suffix=ph, email=email, url=url,
                desc=desc, cats=cats + [parent] if parent not in cats else cats, sched=sched, ident=ident, site=site)


def vary_name(n, k):
    ops = []
    if "and" in n.split() and R.random() < 0.7:
        n = n.replace(" and ", " & ", 1)
        ops.append("&")
    elif "&" in n:
        n = n.replace("&", "and")
        ops.append("and")
    if k % 5 == 0:
        n = "The " + n
        ops.append("The")
    if k % 7 == 1:
        n = n.upper()
        ops.append("upper")
    if k % 4 == 2:
        n = n + " service"
        ops.append("service")
    for long, short in ABBREV:
        if long in n and R.random() < 0.6:
            n = n.replace(long, short)
            ops.append("abbrev")
    return n, ops


def vary_org(o, k):
    for long, short in ABBREV:
        if long in o and R.random() < 0.5:
            o = o.replace(long, short)
    if k % 3 == 0:
        o = o + " Ltd"
    elif k % 3 == 1:
        o = o + " Limited" if not o.endswith("Trust") else o[:-6]
    if o.endswith(" CIC") and R.random() < 0.5:
        o = o[:-4]
    o = o.replace(" & ", " and ") if R.random() < 0.5 else o.replace(" and ", " & ")
    return o


def rewrite(desc, k):
    sents = [s.strip() for s in desc.replace("..", ".").split(". ") if s.strip()]
    mode = k % 5
    if mode == 0 and len(sents) > 1:
        sents = sents[1:] + sents[:1]
    elif mode == 1:
        sents = sents[:1]
    elif mode == 2:
        sents = [s.replace("help", "support").replace("free", "at no cost") for s in sents]
    elif mode == 3:
        sents = sents + ["Referrals from work coaches are welcome"]
    text = ". ".join(s.rstrip(".") for s in sents) + "."
    return LEAD_INS[k % len(LEAD_INS)] + text + TAILS[k % len(TAILS)]


def positive(k):
    oi = R.randrange(len(ORGS))
    si = R.randrange(len(SERVICES))
    b = base(oi, si)
    a = record(b["name"], b["org"], b["borough"], b["postcode"], phone_fmt(b["phone_suffix"], 0),
               b["email"], b["url"], b["desc"], b["cats"], b["sched"], b["ident"])
    name, ops = vary_name(b["name"], k)
    url = b["url"]
    us = k % 4
    if us == 0:
        url = url.replace("https://www.", "http://")
    elif us == 1:
        url = url + "/"
    elif us == 2:
        url = url.replace("https://www.", "https://")
    email = b["email"].upper() if k % 6 == 0 else b["email"]
    phone = phone_fmt(b["phone_suffix"], k)
    pc = postcode_fmt(b["postcode"], k % 4)
    cats = list(b["cats"])
    if k % 5 == 4 and len(cats) > 1:
        cats = cats[1:]  # the other taxonomy choice
    # one side missing a field, as directories often are
    drop = k % 9
    if drop == 1:
        url = None
    elif drop == 2:
        email = None
    elif drop == 3:
        phone = None
    elif drop == 4:
        pc = None
    sched = b["sched"] if k % 8 != 5 else None
    ident = b["ident"] if k % 2 == 0 else None
    bb = record(name, vary_org(b["org"], k), b["borough"], pc, phone, email, url, rewrite(b["desc"], k), cats,
                sched, ident)
    return "1", "dup:" + ",".join(ops + [f"desc{k % 5}"]), a, bb


JOBCENTRES = {
    "newham": [("Stratford", "E15 1BT", "0301"), ("Canning Town", "E16 1DR", "0302"), ("East Ham", "E6 2RP", "0303")],
    "hackney": [("Hackney", "E8 1DY", "0304"), ("Dalston", "E8 3AZ", "0305")],
    "croydon": [("Croydon", "CR0 2RJ", "0306"), ("Thornton Heath", "CR7 8RS", "0307"), ("New Addington", "CR0 0JH", "0308")],
    "barnet": [("Barnet", "EN5 5TW", "0309"), ("Edgware", "HA8 7AA", "0310"), ("Finchley", "N3 2BP", "0311")],
    "lambeth": [("Brixton", "SW9 8HE", "0312"), ("Streatham", "SW16 1EX", "0313")],
    "ealing": [("Ealing", "W5 2HL", "0314"), ("Southall", "UB1 3AR", "0315"), ("Acton", "W3 6NE", "0316")],
    "southwark": [("Peckham", "SE15 5JT", "0317"), ("Southwark", "SE1 4YB", "0318")],
    "enfield": [("Enfield", "EN1 3PL", "0319"), ("Edmonton Green", "N9 0TT", "0320")],
}
JC_SERVICES = [("work coach support", ["job-search", "employment-support"]),
               ("Restart Scheme referrals", ["job-search"]),
               ("youth hub", ["job-search", "careers-guidance"])]
JC_DESC = ("Your work coach helps you look for work, agree your Claimant Commitment and find training. "
           "Appointments are in person at the Jobcentre. Call Jobcentre Plus to book.")


def jobcentre_pair(k):
    borough = list(JOBCENTRES)[k % len(JOBCENTRES)]
    offices = JOBCENTRES[borough]
    i, j = R.sample(range(len(offices)), 2)
    svc, cats = JC_SERVICES[k % len(JC_SERVICES)]
    recs = []
    for o in (offices[i], offices[j]):
        name = f"{o[0]} Jobcentre - {svc}"
        url = f"https://jobcentre-finder.example.org.uk/{slugify(o[0])}-jobcentre"
        recs.append(record(name, "Jobcentre Plus", borough, o[1], phone_fmt(o[2], k), None, url, JC_DESC, cats,
                           ("MO,TU,WE,TH,FR", "09:00", "17:00")))
    return "0", "jobcentres-one-borough", recs[0], recs[1]


COLLEGES = [("Northbank College", "northbank-college", "N7 0SP", "0401", "islington"),
            ("Southwark Adult Education College", "southwark-ae", "SE5 7AB", "0402", "southwark"),
            ("Waltham Forest Learning Centre", "wf-learning", "E17 4JB", "0403", "waltham-forest"),
            ("Hounslow Community College", "hounslow-cc", "TW3 3DP", "0404", "hounslow"),
            ("Lewisham Skills College", "lewisham-skills", "SE13 7HW", "0405", "lewisham")]
ESOL_LEVELS = ["ESOL Entry 1", "ESOL Entry 2", "ESOL Entry 3", "ESOL Level 1", "ESOL Level 2", "ESOL Pre-Entry"]
SESSIONS = [("(daytime)", ("MO,WE", "09:30", "12:00")), ("(evening)", ("TU,TH", "18:00", "20:30")),
            ("(Saturday)", ("SA", "10:00", "13:00"))]
ESOL_DESC = ("English for speakers of other languages: speaking, listening, reading and writing for everyday life and work. "
             "Free for learners on benefits or a low wage. Assessment before you start.")


def esol_pair(k):
    col, short, pc, ph, borough = COLLEGES[k % len(COLLEGES)]
    site = f"{short}.example.org.uk"
    if k % 2 == 0:
        a_lvl, b_lvl = R.sample(ESOL_LEVELS, 2)
        sa = sb = SESSIONS[k % 3]
    else:
        a_lvl = b_lvl = R.choice(ESOL_LEVELS)
        sa, sb = R.sample(SESSIONS, 2)
    recs = []
    for lvl, ses in ((a_lvl, sa), (b_lvl, sb)):
        name = f"{lvl} {ses[0]}" if k % 2 else lvl
        url = f"https://www.{site}/courses/{slugify(name)}"
        recs.append(record(name, col, borough, pc, phone_fmt(ph, k), f"enrol@{site}", url, ESOL_DESC,
                           ["esol", "skills-training"], ses[1]))
    return "0", "esol-courses-one-college", recs[0], recs[1]


def same_org_pair(k):
    oi = R.randrange(len(ORGS))
    si, sj = R.sample(range(len(SERVICES)), 2)
    a, b = base(oi, si), base(oi, sj)
    recs = []
    for x in (a, b):
        recs.append(record(x["name"], x["org"], x["borough"], x["postcode"], phone_fmt(x["phone_suffix"], k),
                           x["email"], x["url"] if k % 3 else f"https://www.{x['site']}/", x["desc"], x["cats"],
                           x["sched"], x["ident"]))
    return "0", "same-org-other-service", recs[0], recs[1]


def same_title_pair(k):
    si = R.randrange(len(SERVICES))
    oi, oj = R.sample(range(len(ORGS)), 2)
    a, b = base(oi, si), base(oj, si)
    ra = record(a["name"], a["org"], a["borough"], a["postcode"], phone_fmt(a["phone_suffix"], k), a["email"],
                a["url"], a["desc"], a["cats"], a["sched"], a["ident"])
    # the other provider writes its own text about the same kind of service
    rb = record(b["name"], b["org"], b["borough"], b["postcode"], phone_fmt(b["phone_suffix"], k + 1), b["email"],
                b["url"], rewrite(b["desc"], k + 2), b["cats"], b["sched"], b["ident"])
    return "0", "same-title-other-provider", ra, rb


PROGRAMMES = [("Restart Scheme", ["job-search"], "Restart gives people who have been out of work for nine months or more up to 12 months of tailored support to find work. Referral by your Jobcentre work coach."),
              ("Work and Health Programme", ["disability-support", "job-search"], "Voluntary support for disabled people and the long-term unemployed to find and stay in work. Referral through your Jobcentre."),
              ("JETS - Job Entry Targeted Support", ["job-search"], "Six months of light-touch support to get back into work quickly, with CV help and job matching. Referral by your work coach.")]
PROVIDERS = [("Maximus Works", "E20 1JN", "0501", "newham"), ("Reed in Partnership", "SE1 7TP", "0502", "southwark"),
             ("Shaw Trust", "N17 9LR", "0503", "haringey"), ("Seetec Pluss", "CR0 1LD", "0504", "croydon"),
             ("Ingeus", "UB8 1JZ", "0505", "hillingdon")]


def programme_pair(k):
    name, cats, desc = PROGRAMMES[k % len(PROGRAMMES)]
    p, q = R.sample(PROVIDERS, 2)
    recs = []
    for prov in (p, q):
        site = slugify(prov[0]) + ".example.org.uk"
        recs.append(record(f"{name} in {prov[3].replace('-', ' ').title()}", prov[0], prov[3], prov[1],
                           phone_fmt(prov[2], k), f"restart@{site}", f"https://www.{site}/{slugify(name)}", desc, cats))
    return "0", "programme-two-providers", recs[0], recs[1]


LEVEL_COURSES = [("Level 1 Award in Health and Social Care", "Level 2 Certificate in Health and Social Care"),
                 ("Functional Skills Maths Entry 3", "Functional Skills Maths Level 1"),
                 ("Functional Skills English Level 1", "Functional Skills English Level 2"),
                 ("Digital Skills for Beginners", "Digital Skills for Work - Intermediate"),
                 ("Introduction to Customer Service", "Advanced Customer Service")]


def level_pair(k):
    col, short, pc, ph, borough = COLLEGES[(k + 2) % len(COLLEGES)]
    an, bn = LEVEL_COURSES[k % len(LEVEL_COURSES)]
    site = f"{short}.example.org.uk"
    desc = ("A nationally recognised qualification. Classes run weekly in term time and are free for adults "
            "without a qualification at this level. Enrol online or at reception.")
    recs = [record(n, col, borough, pc, phone_fmt(ph, k), f"courses@{site}", f"https://www.{site}/courses/{slugify(n)}",
                   desc, ["english-and-maths", "skills-training"], SCHEDULES[(k + i) % len(SCHEDULES)])
            for i, n in enumerate((an, bn))]
    return "0", "course-levels-one-college", recs[0], recs[1]


def sparse_positive(k):
    """A council directory's thin listing against the provider's full one:
    name (often reworded), organisation and one contact detail only."""
    oi = R.randrange(len(ORGS))
    si = R.randrange(len(SERVICES))
    b = base(oi, si)
    a = record(b["name"], b["org"], b["borough"], b["postcode"], phone_fmt(b["phone_suffix"], 0),
               b["email"], b["url"], b["desc"], b["cats"], b["sched"], b["ident"])
    name, _ = vary_name(b["name"], k + 3)
    if k % 3 == 0:
        name = name + " (" + b["borough"].replace("-", " ").title() + ")"
    keep = k % 3
    desc = b["desc"].split(". ")[0] + "." if k % 2 else None
    bb = record(name, vary_org(b["org"], k), b["borough"],
                postcode_fmt(b["postcode"], k) if keep == 0 else None,
                phone_fmt(b["phone_suffix"], k) if keep == 1 else None,
                b["email"] if keep == 2 else None, None, desc, b["cats"][:1])
    if desc is None:
        del bb["description"]
    return "1", "dup:sparse-listing", a, bb


def page_positive(k):
    """The provider's own page (its URL on the site) against a directory
    entry linking elsewhere on the same site, with the service's own line
    instead of the switchboard."""
    oi = R.randrange(len(ORGS))
    si = R.randrange(len(SERVICES))
    b = base(oi, si)
    a = record(b["name"], b["org"], b["borough"], b["postcode"], phone_fmt(b["phone_suffix"], 0),
               b["email"], f"https://www.{b['site']}/services/{slugify(b['name'])}.html", b["desc"], b["cats"],
               b["sched"])
    other_phone = phone_fmt(f"{(int(b['phone_suffix']) + 500) % 10000:04d}", k)
    bb = record(vary_name(b["name"], k)[0], b["org"], b["borough"], postcode_fmt(b["postcode"], k + 1),
                other_phone, b["email"], f"https://www.{b['site']}/", rewrite(b["desc"], k), b["cats"], b["sched"])
    return "1", "dup:own-page-vs-directory", a, bb


def branch_pair(k):
    """One charity's same-named service at two branches in two boroughs:
    the same text, e-mail and site, another address and phone."""
    oi, oj = R.sample(range(len(ORGS)), 2)
    si = R.randrange(len(SERVICES))
    b = base(oi, si)
    other = ORGS[oj]
    a = record(b["name"], b["org"], b["borough"], b["postcode"], phone_fmt(b["phone_suffix"], k), b["email"],
               f"https://www.{b['site']}/{slugify(b['name'])}-{b['borough']}", b["desc"], b["cats"], b["sched"])
    bb = record(b["name"], b["org"], other[2], other[3], phone_fmt(other[4], k), b["email"],
                f"https://www.{b['site']}/{slugify(b['name'])}-{other[2]}", b["desc"], b["cats"], b["sched"])
    return "0", "same-service-two-branches", a, bb


def main():
    rows = []
    for k in range(190):
        rows.append(positive(k))
    for k in range(30):
        rows.append(sparse_positive(k))
    for k in range(15):
        rows.append(page_positive(k))
    makers = [(branch_pair, 20), (jobcentre_pair, 30), (esol_pair, 30), (same_org_pair, 30), (same_title_pair, 25),
              (programme_pair, 15), (level_pair, 15)]
    for fn, n in makers:
        for k in range(n):
            rows.append(fn(k))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("# label\tkind\trecord_a\trecord_b  (generated by tests/hub/gen_pairs.py; fictional records)\n")
        for i, (label, kind, a, b) in enumerate(rows):
            a["id"] = f"pair{i:04d}-a"
            b["id"] = f"pair{i:04d}-b"
            f.write("\t".join([label, kind, json.dumps(a, ensure_ascii=False), json.dumps(b, ensure_ascii=False)]) + "\n")
    print(f"{OUT}: {len(rows)} pairs ({sum(1 for r in rows if r[0] == '1')} duplicates)")


if __name__ == "__main__":
    main()
