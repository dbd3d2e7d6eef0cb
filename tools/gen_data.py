#!/usr/bin/env python3
"""gen_data.py - regenerate Signpost's geography reference data.

Reads the public geography sources in SHARED/data/geography (mySociety's
local authority names, DfE's LSIP lookup, vega's London borough boundaries,
ciacicode's London postcode sectors, Gibbs' UK outcodes and doogal's postcode
districts) and writes the project's own TSV files under data/geography/:

  boroughs.tsv           slug, gss, name, subregion, lat, lon, spellings
  subregions.tsv         slug, name, boroughs, aliases
  postcode_districts.tsv district, borough, lat, lon, straddles
  postcode_sectors.tsv   sector, borough, lat, lon
  outcodes.tsv           outcode, lat, lon (UK districts within ~60 km)

Usage: tools/gen_data.py [SHARED_DIR]   (default: ../shared next to the repo)

Standard library only.  Output is deterministic (sorted), so a rerun on the
same sources gives byte-identical files.
"""

import csv
import json
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SUBREGIONS = [
    # slug, name as the LSIP lookup spells it, aliases people write
    ("central-london-forward", "Central London Forward",
     ["CLF", "central London"]),
    ("local-london", "Local London",
     ["east London", "north east London", "north-east London",
      "east and north east London"]),
    ("south-london-partnership", "South London Partnership",
     ["SLP", "south London", "south west London", "south-west London"]),
    ("west-london-alliance", "West London Alliance",
     ["WLA", "west London"]),
]

# Forms people write that no source lists: abbreviations, short names,
# council names.  Keyed by GOV.UK slug.
EXTRA_SPELLINGS = {
    "barking-and-dagenham": ["LBBD", "Barking", "Dagenham", "B&D"],
    "barnet": [],
    "bexley": [],
    "brent": [],
    "bromley": [],
    "camden": [],
    "city-of-london": ["the City", "City", "Square Mile", "the Square Mile",
                       "City of London Corporation", "Corporation of London",
                       "City of London Corporation Council"],
    "croydon": [],
    "ealing": [],
    "enfield": [],
    "greenwich": ["RBG", "Royal Greenwich", "Royal Borough of Greenwich"],
    "hackney": [],
    "hammersmith-and-fulham": ["H&F", "H & F", "LBHF", "Hammersmith",
                               "Fulham", "Hammersmith & Fulham",
                               "Hammersmith and Fulham"],
    "haringey": [],
    "harrow": [],
    "havering": [],
    "hillingdon": [],
    "hounslow": [],
    "islington": [],
    "kensington-and-chelsea": ["K&C", "K & C", "RBKC", "Kensington",
                               "Chelsea", "Kensington & Chelsea",
                               "Royal Borough of Kensington & Chelsea"],
    "kingston-upon-thames": ["Kingston", "Kingston-upon-Thames",
                             "Royal Borough of Kingston", "RBK",
                             "Kingston on Thames"],
    "lambeth": [],
    "lewisham": [],
    "merton": [],
    "newham": [],
    "redbridge": [],
    "richmond-upon-thames": ["Richmond", "Richmond-upon-Thames",
                             "Richmond on Thames", "LBRuT", "LBRUT"],
    "southwark": [],
    "sutton": [],
    "tower-hamlets": ["LBTH"],
    "waltham-forest": ["LBWF"],
    "wandsworth": [],
    "westminster": ["City of Westminster", "Westminster City Council",
                    "Westminster City"],
}

ROYAL = {"greenwich", "kensington-and-chelsea", "kingston-upon-thames"}

OUTCODE_RADIUS_KM = 60.0
CHARING_CROSS = (51.5073, -0.1277)


def km(lat1, lon1, lat2, lon2):
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def fmt(x):
    return "%.5f" % float(x)


def spellings_for(slug, nice, official, alts):
    """All the ways a borough's name is written, deduplicated ignoring case."""
    names = [nice, official] + [a.strip() for a in alts.split(",") if a.strip()]
    base = [nice]
    if " and " in nice:
        base.append(nice.replace(" and ", " & "))
    for b in base:
        names += ["LB " + b, "London Borough of " + b, b + " Council",
                  b + " London Borough Council", b + " Borough Council",
                  "Borough of " + b, b + " borough"]
        if slug in ROYAL:
            names += ["Royal Borough of " + b, "RB " + b]
    if slug == "city-of-london":
        names = [n for n in names if "Borough" not in n and "borough" not in n
                 and not n.startswith("LB ")]
    names += EXTRA_SPELLINGS.get(slug, [])
    names += [n + " Council" for n in EXTRA_SPELLINGS.get(slug, [])
              if len(n) > 4 and not n.lower().startswith(("the ", "city", "royal"))]
    seen, out = set(), []
    for n in names:
        if n.lower() not in seen and "," not in n and "\t" not in n:
            seen.add(n.lower())
            out.append(n)
    return out


def decode_topojson(path):
    """Borough name -> list of rings [(lon, lat), ...] from vega's TopoJSON."""
    with open(path, encoding="utf-8") as f:
        topo = json.load(f)
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(idxs):
        pts = []
        for i in idxs:
            a = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
            pts.extend(a if not pts else a[1:])
        return pts

    out = {}
    for g in topo["objects"]["boroughs"]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        rings = [ring(r) for poly in polys for r in poly]
        out[g["id"]] = rings
    return out


def in_rings(lon, lat, rings):
    inside = False
    for ring in rings:
        n = len(ring)
        for i in range(n):
            x1, y1 = ring[i]
            x2, y2 = ring[(i + 1) % n]
            if (y1 > lat) != (y2 > lat):
                if lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def sector_vote(polyrow, boroughs_geo):
    """For a sector whose centroid lies outside every borough polygon (in the
    Thames, or outside London), vote with its outline's vertices: the borough
    holding most of them, if more than half lie in London; else ''."""
    lons = [float(v) for v in polyrow["lons"].split(",")]
    lats = [float(v) for v in polyrow["lats"].split(",")]
    votes = {}
    for lon, lat in zip(lons, lats):
        for name, rings in boroughs_geo.items():
            if in_rings(lon, lat, rings):
                votes[name] = votes.get(name, 0) + 1
                break
    total = sum(votes.values())
    if not votes or total * 2 <= len(lons):
        return ""
    return max(sorted(votes), key=lambda k: votes[k])


def write_tsv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(str(c) for c in r) + "\n")
    print("wrote %s (%d rows)" % (os.path.relpath(path, REPO), len(rows)))


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared")
    geo = os.path.join(shared, "data", "geography")
    out = os.path.join(REPO, "data", "geography")
    if not os.path.isdir(geo):
        sys.exit("gen_data: %s not found; pass the shared folder as argument" % geo)

    las = [r for r in read_csv(os.path.join(geo, "local-authority-names",
                                            "london_authorities_derived.csv"))
           if r["gov-uk-slug"].strip()]
    assert len(las) == 33, len(las)
    by_gss = {r["gss-code"]: r for r in las}
    name_to_slug = {r["nice-name"]: r["gov-uk-slug"] for r in las}

    sub_name_to_slug = {name: slug for slug, name, _ in SUBREGIONS}
    gss_to_sub = {}
    for r in read_csv(os.path.join(geo, "sub-regions", "london_borough_subregion.csv")):
        gss_to_sub[r["LAD23CD"].strip()] = sub_name_to_slug[
            r["NEW LSIP GEOGRAPHY (4 london areas)"].strip()]
    assert len(gss_to_sub) == 33

    with open(os.path.join(geo, "borough-boundaries", "londonCentroids.json")) as f:
        centroids = {c["name"]: (c["cy"], c["cx"]) for c in json.load(f)}

    rows = []
    for r in sorted(las, key=lambda r: r["gov-uk-slug"]):
        slug, nice = r["gov-uk-slug"], r["nice-name"]
        lat, lon = centroids.get(nice, (r["lat"], r["long"]))
        sp = spellings_for(slug, nice, r["official-name"], r["alt-names"])
        rows.append([slug, r["gss-code"], nice, gss_to_sub[r["gss-code"]],
                     fmt(lat), fmt(lon), "|".join(sp)])
    write_tsv(os.path.join(out, "boroughs.tsv"),
              ["slug", "gss", "name", "subregion", "lat", "lon", "spellings"], rows)

    rows = []
    for slug, name, aliases in SUBREGIONS:
        members = sorted(by_gss[g]["gov-uk-slug"] for g, s in gss_to_sub.items() if s == slug)
        rows.append([slug, name, " ".join(members), "|".join(aliases)])
    write_tsv(os.path.join(out, "subregions.tsv"),
              ["slug", "name", "boroughs", "aliases"], rows)

    # Sectors: the centroid's borough, and for the few centroids that fall
    # outside every borough polygon a vote of the sector outline's vertices.
    pc = os.path.join(geo, "postcodes")
    boroughs_geo = decode_topojson(os.path.join(geo, "borough-boundaries",
                                                "londonBoroughs.json"))
    polys = {r["name"]: r for r in read_csv(os.path.join(pc, "london_postcode_sector_polygons.csv"))}
    sectors = []
    for r in read_csv(os.path.join(pc, "london_postcode_sector_borough.csv")):
        b = r["borough_of_centroid"].strip()
        if not b and r["sector"] in polys:
            b = sector_vote(polys[r["sector"]], boroughs_geo)
        sectors.append([r["sector"], name_to_slug[b] if b else "",
                        fmt(r["centroid_lat"]), fmt(r["centroid_lon"])])
    sectors.sort(key=lambda s: s[0])
    write_tsv(os.path.join(out, "postcode_sectors.tsv"),
              ["sector", "borough", "lat", "lon"], sectors)

    districts = {}
    for r in read_csv(os.path.join(pc, "london_postcode_district_borough.csv")):
        straddles = "yes" if ";" in r["boroughs_by_sector_count"] else "no"
        districts[r["district"]] = [r["district"], name_to_slug[r["primary_borough"]],
                                    fmt(r["mean_lat"]), fmt(r["mean_lon"]), straddles]
    # Districts created after 2015 or for large users (E20, N1C, W1A...):
    # doogal names one local authority each; keep those naming a borough.
    doogal = read_csv(os.path.join(geo, "postcode-districts-alt", "postcode-districts-uk.csv"))
    for r in doogal:
        d = r["Postcode"].strip()
        if (d not in districts and r["Region"] in name_to_slug
                and r["Latitude"] and int(r["Active postcodes"] or 0) > 0):
            districts[d] = [d, name_to_slug[r["Region"]], fmt(r["Latitude"]),
                            fmt(r["Longitude"]), "no"]
    write_tsv(os.path.join(out, "postcode_districts.tsv"),
              ["district", "borough", "lat", "lon", "straddles"],
              [districts[k] for k in sorted(districts)])

    outcodes = {}
    for r in read_csv(os.path.join(pc, "uk_outcodes_latlong.csv")):
        try:
            lat, lon = float(r["latitude"]), float(r["longitude"])
        except ValueError:
            continue
        if km(lat, lon, *CHARING_CROSS) <= OUTCODE_RADIUS_KM:
            outcodes[r["postcode"].strip()] = [r["postcode"].strip(), fmt(lat), fmt(lon)]
    for r in doogal:
        d = r["Postcode"].strip()
        try:
            lat, lon = float(r["Latitude"]), float(r["Longitude"])
        except ValueError:
            continue
        if (d not in outcodes and int(r["Active postcodes"] or 0) > 0
                and km(lat, lon, *CHARING_CROSS) <= OUTCODE_RADIUS_KM):
            outcodes[d] = [d, fmt(lat), fmt(lon)]
    write_tsv(os.path.join(out, "outcodes.tsv"), ["outcode", "lat", "lon"],
              [outcodes[k] for k in sorted(outcodes)])


if __name__ == "__main__":
    main()
