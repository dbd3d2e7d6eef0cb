"""sample_vocab.py - the word lists and kinds of service tools/gen_sample.py
draws the fictional bundled sample from: sub-regions and their phrases,
priority and other groups with the ways providers word them, categories and
their parents, languages, funders, the kinds of service (KINDS, read from
sample_kinds.json) and the programmes, openers and closers of descriptions,
benefits.  Data only; the generator (and its seeded randomness) stays in
gen_sample.py, so moving a list here changes nothing it writes (gen_sample.py --check)."""

import json
import os

# ---------------------------------------------------------------- vocabularies

SUBREGIONS = {
    "central-london-forward": "Central London Forward",
    "local-london": "Local London",
    "south-london-partnership": "South London Partnership",
    "west-london-alliance": "West London Alliance",
}
SUBREGION_PHRASES = {
    "central-london-forward": ["Central London Forward boroughs", "the Central London Forward area",
                               "central London", "across central London"],
    "local-london": ["the Local London boroughs", "Local London (east and north-east London)",
                     "across east London", "the Local London sub-region"],
    "south-london-partnership": ["the South London Partnership boroughs", "across south London",
                                 "south London (SLP area)", "the South London Partnership area"],
    "west-london-alliance": ["the West London Alliance boroughs", "across west London",
                             "west London (WLA area)", "the West London Alliance area"],
}
PAN_LONDON_PHRASES = ["pan-London", "All London boroughs", "Greater London", "London-wide",
                      "anywhere in London", "All 33 London boroughs"]

PRIORITY_GROUPS = ["young-people", "young-people-send", "aged-50-plus", "bame", "disabled",
                   "criminal-justice", "low-pay-low-skills"]
OTHER_GROUPS = ["care-leavers", "refugees-asylum", "esol-needs", "insecure-immigration",
                "lone-parents", "carers", "women-returners", "homelessness", "substance-misuse",
                "long-term-unemployed", "neet", "economically-inactive", "in-work-progression",
                "domestic-abuse", "neurodivergent", "sensory-impairment", "lgbtq",
                "pakistani-bangladeshi-women", "troubled-families", "veterans"]
GROUPS = PRIORITY_GROUPS + OTHER_GROUPS
# Groups that only local (single-borough) services target: this keeps the
# planted borough x group gaps real (no wider service reaches them).
RARE_GROUPS = ["veterans", "lgbtq", "neurodivergent", "sensory-impairment",
               "pakistani-bangladeshi-women", "troubled-families", "young-people-send"]

# How providers write about each group (several ways each).
GROUP_PHRASES = {
    "young-people": ["young people aged 18 to 24", "16-24 year olds", "young adults aged 18-25",
                     "young people"],
    "young-people-send": ["young people with special educational needs and disabilities (SEND)",
                          "young adults with an EHC plan", "young people with SEND aged 16-25"],
    "aged-50-plus": ["people aged 50 and over", "over-50s", "jobseekers aged 50+",
                     "older workers (50 plus)"],
    "bame": ["people from Black, Asian and minority ethnic communities",
             "BAME residents", "Black and minority ethnic jobseekers",
             "people from Black, Asian and other ethnic minority backgrounds"],
    "disabled": ["disabled people", "people with a disability or long-term health condition",
                 "people with physical or mental health conditions",
                 "disabled jobseekers and people with health conditions"],
    "criminal-justice": ["people with convictions", "prison leavers and people on probation",
                         "people with experience of the criminal justice system",
                         "ex-offenders"],
    "low-pay-low-skills": ["people earning below the London Living Wage",
                           "adults qualified at Level 2 or below",
                           "people in low-paid work or with few qualifications",
                           "low-paid workers"],
    "care-leavers": ["care leavers up to age 25", "care-experienced young people",
                     "young people leaving care"],
    "refugees-asylum": ["refugees and people seeking asylum", "refugees",
                        "people granted refugee status"],
    "esol-needs": ["people whose first language is not English",
                   "adults who want to improve their English", "speakers of other languages"],
    "insecure-immigration": ["people with insecure immigration status",
                             "people with no recourse to public funds (NRPF)",
                             "migrants without a National Insurance number"],
    "lone-parents": ["lone parents", "single parents", "single mums and dads"],
    "carers": ["unpaid carers", "carers", "people caring for a relative"],
    "women-returners": ["women returning to work after a career break", "women returners",
                        "mothers returning to work"],
    "homelessness": ["people who are homeless or at risk of homelessness",
                     "people living in temporary accommodation", "rough sleepers"],
    "substance-misuse": ["people in recovery from drug or alcohol use",
                         "people affected by substance misuse", "people in recovery"],
    "long-term-unemployed": ["people out of work for 12 months or more",
                             "long-term unemployed people", "people who have been out of work for over a year"],
    "neet": ["young people not in education, employment or training (NEET)",
             "16-24 year olds who are NEET", "young people not in work or learning"],
    "economically-inactive": ["people who are not working and not looking for work but would like to",
                              "economically inactive residents", "people who have been away from work"],
    "in-work-progression": ["people in work who want to progress",
                            "people in low-paid or insecure work who want a better job",
                            "workers on zero-hours contracts"],
    "domestic-abuse": ["survivors of domestic abuse", "women affected by domestic abuse",
                       "people experiencing domestic abuse"],
    "neurodivergent": ["autistic people and people with ADHD", "neurodivergent adults",
                       "people with autism, ADHD or dyslexia"],
    "sensory-impairment": ["Deaf and hard of hearing people", "blind and partially sighted people",
                           "people with sight or hearing loss"],
    "lgbtq": ["LGBTQ+ people", "lesbian, gay, bisexual, trans and queer people",
              "LGBTQ+ jobseekers"],
    "pakistani-bangladeshi-women": ["Pakistani and Bangladeshi women", "Bangladeshi and Pakistani women",
                                    "South Asian women (Pakistani and Bangladeshi)"],
    "troubled-families": ["families supported by the Troubled Families programme",
                          "families with multiple needs (Supporting Families)",
                          "households on the Troubled Families programme"],
    "veterans": ["armed forces veterans", "ex-forces personnel and their families",
                 "veterans and service leavers"],
}

# esd circumstances labels for group attributes (labels only: see README).
GROUP_ESD = {
    "young-people": "Young people", "aged-50-plus": "Older people", "disabled": "Disability",
    "criminal-justice": "Offenders and ex-offenders", "care-leavers": "Care leavers",
    "refugees-asylum": "Refugees and asylum seekers", "lone-parents": "Lone parents",
    "carers": "Carers", "homelessness": "Homeless", "veterans": "Armed forces veterans",
    "long-term-unemployed": "Long-term unemployed", "domestic-abuse": "Domestic abuse",
    "substance-misuse": "Substance misuse", "bame": "Ethnic minority",
}

PARENT = {
    "job-search": "employment-support", "cv-and-applications": "employment-support",
    "interview-preparation": "employment-support", "job-brokerage": "employment-support",
    "job-clubs": "employment-support", "employer-introductions": "employment-support",
    "in-work-progression": "in-work-support", "better-off-calculations": "in-work-support",
    "careers-guidance": "careers-advice",
    "esol": "skills-training", "english-and-maths": "skills-training",
    "digital-skills": "skills-training", "vocational-training": "skills-training",
    "sector-based-work-academies": "skills-training", "apprenticeships": "skills-training",
    "adult-community-learning": "skills-training",
    "work-placements": "work-experience", "volunteering": "work-experience",
    "internships": "work-experience", "work-trials": "work-experience",
    "enterprise-support": "self-employment",
    "confidence-and-wellbeing": "wellbeing", "mentoring-and-peer-support": "wellbeing",
    "mental-health": "health-and-disability", "physical-health": "health-and-disability",
    "disability-support": "health-and-disability",
    "homelessness-support": "housing",
    "debt-advice": "money-advice", "benefits-advice": "money-advice",
    "childcare": "childcare-and-family",
    "immigration-advice": "legal-and-immigration",
    "devices-and-data": "digital-inclusion",
    "travel-and-clothing": "practical-costs",
}
TOP_CATEGORIES = ["employment-support", "in-work-support", "careers-advice", "skills-training",
                  "work-experience", "self-employment", "wellbeing", "health-and-disability",
                  "housing", "money-advice", "childcare-and-family", "legal-and-immigration",
                  "substance-misuse-support", "resettlement", "digital-inclusion",
                  "practical-costs", "food-support"]


def with_parents(cats):
    out = []
    for c in cats:
        for x in (PARENT.get(c), c):
            if x and x not in out:
                out.append(x)
    return out


LANGS = {"en": "English", "ar": "Arabic", "bn": "Bengali", "so": "Somali", "pl": "Polish",
         "ro": "Romanian", "ur": "Urdu", "pa": "Punjabi", "gu": "Gujarati", "tr": "Turkish",
         "pt": "Portuguese", "es": "Spanish", "fr": "French", "ti": "Tigrinya", "ta": "Tamil",
         "zh": "Chinese", "ku": "Kurdish", "fa": "Persian", "yo": "Yoruba", "lt": "Lithuanian"}

FUNDERS = {
    "dwp": "Department for Work and Pensions (DWP)",
    "esf": "European Social Fund (ESF) 2014-2020",
    "ukspf": "UK Shared Prosperity Fund (UKSPF)",
    "aeb": "Greater London Authority Adult Education Budget (AEB)",
    "council": "{council}",
    "nhs": "NHS",
    "lottery": "The National Lottery Community Fund",
    "trust": "Charitable trusts and donations",
}

# Kinds of service: what a provider offers, how it names and describes it;
# one object a kind in sample_kinds.json (data, kept in its own file), in
# order, with fields key; implies: groups it always means; cats: child (or
# childless top) categories; esd: an esdServiceTypes label; names; what: the
# sentences that describe it; groups: groups it usually targets.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample_kinds.json"), encoding="utf-8") as _f:
    KINDS = json.load(_f)
KIND = {k["key"]: k for k in KINDS}

# Programmes the reports name: (key, name, kind, funder, extra description, referral, mandatory)
PROGRAMMES = {
    "restart": ("Restart Scheme", "jobsearch", "dwp",
                "The Restart Scheme gives Universal Credit claimants who have been out of work for at least 9 months up to 12 months of tailored support to find work. You must be referred by your Jobcentre work coach; once referred, taking part is mandatory."),
    "jets": ("JETS (Job Entry: Targeted Support)", "jobsearch", "dwp",
             "JETS offers up to six months of light-touch support for people who have been out of work for 3 months or more. Referral via your Jobcentre work coach."),
    "whp": ("Work and Health Programme", "jobsearch", "dwp",
            "The Work and Health Programme supports disabled people, people with health conditions and the long-term unemployed into work. It is delivered on behalf of the {subregion} sub-regional partnership. Most participants are referred by their Jobcentre work coach; disabled people can volunteer to join."),
    "kickstart": ("Kickstart Scheme", "placement", "dwp",
                  "Kickstart funded six-month paid job placements for 16-24 year olds on Universal Credit. The scheme closed to new starts in March 2022."),
}

ORG_WORDS1 = ["Bright", "Step", "Open", "Pathway", "Rise", "Thrive", "Horizon", "Bridge", "Compass",
              "Kinship", "Harbour", "Lantern", "Anchor", "Beacon", "Foundry", "Keystone", "Northstar",
              "Riverside", "Greenway", "Oakwood", "Willow", "Hive", "Threshold", "Springboard",
              "Cornerstone", "Unity", "Lift", "Momentum", "Roots", "Circle", "Brightside", "Meridian",
              "Kestrel", "Forward", "Evergreen", "Waymark", "Lighthouse", "Ember", "Crossroads", "Heartwood"]
ORG_WORDS2 = ["Works", "Futures", "Trust", "Project", "Foundation", "Collective", "Network",
              "Partnership", "Centre", "Academy", "Hub", "Alliance", "Community Action", "Skills"]
ORG_SUFFIX = ["", "", "", " CIC", " Ltd", " Trust", " Charity"]

OPENERS = [
    "{org} is a local charity that has supported {area} residents since {year}.",
    "Run by {org}.",
    "{org} is a social enterprise working in {area}.",
    "We are {org}, a community organisation based in {area}.",
    "",
    "",
]
CLOSERS = [
    "Call us or drop in to find out more.",
    "Sessions are friendly and informal - just come along.",
    "To book a place, email us or ask your adviser to refer you.",
    "Places are limited, so please get in touch early.",
    "All our advisers are DBS checked.",
    "We can arrange an interpreter if you need one.",
    "",
    "",
]
LONG_EXTRAS = [
    "Everyone who joins gets a named key worker who stays with them from the first meeting until they have been in work for six months. We know that finding work is rarely just about a CV, so we also help with the things that get in the way: childcare, debts, housing, confidence and the cost of getting to work.",
    "Last year we supported over 400 people, and more than half moved into work or training within six months. Many of our staff and volunteers have used services like ours themselves.",
    "We work closely with Jobcentre Plus, the council's employment team, local colleges and employers across the borough, so we can introduce you to the right help quickly and you only have to tell your story once.",
    "The course is accredited and delivered in small groups of up to 12 learners. Lunch and travel within London are paid for. You will get a certificate on completion.",
    "Support is available in several community languages, and our centre is fully wheelchair accessible with a hearing loop at reception.",
]

BENEFITS = ["Universal Credit", "JSA", "ESA", "Income Support", "PIP", "Carer's Allowance"]
