#!/usr/bin/env python3
"""Deterministic generator of realistic conflict-news articles as JSON Lines, for benchmarks.

Entities come from the project's gazetteers (data/gazetteer/) with their spelling variants; the
text mixes varied sentence templates, date styles, casualty phrases, background paragraphs and
site boilerplate, about 2.5 KB per article. The same N and seed always give the same file.

    python3 bench/generate.py 10000 > build/bench/corpus-10k.jsonl
"""
import argparse
import csv
import datetime
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(folder, want_kinds=None):
    rows = []
    base = os.path.join(ROOT, "data", "gazetteer", folder)
    for name in sorted(os.listdir(base)):
        if not name.endswith(".tsv"):
            continue
        with open(os.path.join(base, name), encoding="utf-8") as f:
            lines = [l for l in f if l.strip() and not l.startswith("#")]
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            if want_kinds and row.get("kind") not in want_kinds:
                continue
            names = [row["name"]] + [a for a in (row.get("aliases") or "").split("|") if a and a.isascii()]
            rows.append((row["id"], names))
    return rows


OUTLETS = ["Tigris Wire", "Levant Monitor", "Gulf Dispatch", "Northern Star News", "Red Sea Observer",
           "Capitol Defense Review", "The Euphrates Post", "Maritime Security Bulletin", "Crescent Daily",
           "Amman Courier"]
VERBS = ["fired", "launched", "directed", "aimed"]
TARGETS = ["a base hosting US troops", "coalition forces", "a military outpost", "a logistics hub",
           "an air base used by the coalition", "positions of the armed forces"]
OPENERS = [
    "{group} {verb} {weapons} at {target} near {place} {when}, {source_phrase}.",
    "{weapons_cap} struck {target} at {place} {when}, according to {source_phrase_short}.",
    "An attack with {weapons} hit {target} close to {place} {when}; {group} claimed responsibility.",
    "Officials said {group} was behind {weapons} that landed near {place} {when}.",
]
SOURCES = ["two security officials said", "a military spokesman said", "local sources reported",
           "a statement on a Telegram channel said", "a monitoring group said"]
CASUALTIES = ["No casualties were reported.", "There were no injuries, officials said.",
              "{k} people were killed and {i} wounded.", "The attack killed {k} and wounded {i}.",
              "At least {i} people were injured.", "{k} soldiers were killed in the strike.",
              "Officials gave no casualty figures."]
BACKGROUND = [
    "The attack was the latest in a series of strikes on facilities used by foreign forces since {year}.",
    "{group2} has carried out similar attacks in the past, most recently in {month} {year}.",
    "The coalition has fought the Islamic State group in the region for years and keeps bases in {country}.",
    "Officials in {country} condemned the attack and promised an investigation.",
    "Analysts say the incident raises the risk of wider escalation between armed factions and their rivals.",
    "Diplomats in {capital} held talks on the withdrawal of foreign troops earlier this year.",
    "Residents reported hearing several explosions and seeing smoke rise from the area.",
    "The group said the operation was a response to what it called continued occupation.",
]
BOILERPLATE = ["Share this article", "Related: More coverage of the region",
               "Subscribe to our newsletter for daily updates.", "Comments are closed."]
DATE_STYLES = ["{d:%d-%m-%Y}", "{d:%A, %B} {d.day}, {d:%Y}", "{d:%b}. {d.day}, {d:%Y}", "{d:%Y-%m-%d}T{h:02d}:15:00Z"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    groups = load("groups")
    weapons = load("weapons")
    places = load("places", {"town", "base", "airport", "site"})
    places = [p for p in places if p[0][:3] in ("iq-", "sy-", "jo-", "lb-", "ye-", "il-")]
    countries = {"iq": "Iraq", "sy": "Syria", "jo": "Jordan", "lb": "Lebanon", "ye": "Yemen", "il": "Israel"}
    capitals = {"iq": "Baghdad", "sy": "Damascus", "jo": "Amman", "lb": "Beirut", "ye": "Sanaa", "il": "Jerusalem"}
    start = datetime.date(2014, 1, 1)
    out = sys.stdout
    for n in range(args.n):
        g = rnd.choice(groups)
        g2 = rnd.choice(groups)
        w = rnd.sample(weapons, 2 if rnd.random() < 0.3 else 1)
        p = rnd.choice(places)
        cc = p[0][:2]
        event = start + datetime.timedelta(days=rnd.randrange(0, 3900))
        lag = rnd.choice([0, 1, 1, 1, 2])
        published = event + datetime.timedelta(days=lag)
        when = ("on " + WEEKDAYS[event.weekday()]) if lag and rnd.random() < 0.7 else f"on {event:%B} {event.day}"
        group = rnd.choice(g[1])
        weapon_text = " and ".join(rnd.choice(x[1]).lower() for x in w)
        fields = dict(group=group, group2=rnd.choice(g2[1]), verb=rnd.choice(VERBS), weapons=weapon_text,
                      weapons_cap=weapon_text[:1].upper() + weapon_text[1:], target=rnd.choice(TARGETS),
                      place=rnd.choice(p[1]), when=when, source_phrase=rnd.choice(SOURCES),
                      source_phrase_short="local officials", country=countries[cc], capital=capitals[cc],
                      year=event.year - rnd.randint(1, 4), month=rnd.choice(["January", "March", "July", "October"]))
        paragraphs = [rnd.choice(OPENERS).format(**fields),
                      rnd.choice(CASUALTIES).format(k=rnd.randint(1, 12), i=rnd.randint(2, 40))]
        body_len = 0
        while body_len < 2000:
            para = " ".join(rnd.choice(BACKGROUND).format(**fields) for _ in range(rnd.randint(2, 4)))
            paragraphs.append(para)
            body_len = sum(len(x) for x in paragraphs)
        paragraphs.append(rnd.choice(BOILERPLATE))
        title = f"{fields['weapons_cap']} hit {fields['target']} near {fields['place']}"
        style = rnd.choice(DATE_STYLES)
        record = {
            "id": f"bench-{args.seed}-{n}",
            "url": f"https://{rnd.choice(OUTLETS).lower().replace(' ', '')}.example/{published:%Y/%m/%d}/{n}",
            "title": title,
            "source": rnd.choice(OUTLETS),
            "published": style.format(d=published, h=rnd.randint(0, 23)),
            "text": "\n\n".join(paragraphs),
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
