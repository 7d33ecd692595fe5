#!/usr/bin/env python3
"""Example client for the incidex API using only Python's standard library.

Searches, pages through every hit with the cursor, prints per-facet counts, and exports the
matches as CSV.

    python3 scripts/incidex_client.py --q drone --location jo --export jordan-drones.csv
"""
import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


def get(base, path, params):
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=60) as res:
            return res.read()
    except urllib.error.HTTPError as e:
        err = json.loads(e.read()).get("error", {})
        sys.exit(f"{e.code} {err.get('code')}: {err.get('message')} (parameter: {err.get('param')})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:8080")
    ap.add_argument("--q", default="")
    for facet in ("group", "weapon", "location", "source"):
        ap.add_argument(f"--{facet}", action="append", default=[])
    ap.add_argument("--date-from")
    ap.add_argument("--date-to")
    ap.add_argument("--export", metavar="FILE.csv", help="also save every match as CSV")
    args = ap.parse_args()

    params = {"q": args.q, "group": args.group, "weapon": args.weapon, "location": args.location,
              "source": args.source}
    if args.date_from:
        params["date_from"] = args.date_from
    if args.date_to:
        params["date_to"] = args.date_to

    # First page with facet counts and a monthly histogram.
    first = json.loads(get(args.base, "/api/search", {**params, "per_page": 100, "histogram": "month"}))
    print(f"{first['total']} articles")
    for facet, result in first["facets"].items():
        top = ", ".join(f"{v['name']} ({v['count']})" for v in result["values"][:5])
        print(f"  {facet}: {top}")

    # Page through every hit with the cursor.
    seen, page = 0, first
    while True:
        for hit in page["hits"]:
            seen += 1
            print(f"{hit['event_date'] or '----------'}  {hit['source'] or '':<24.24} {hit['title']}")
        if not page["next_cursor"]:
            break
        page = json.loads(get(args.base, "/api/search",
                              {**params, "per_page": 100, "facets": "none", "cursor": page["next_cursor"]}))
    assert seen == first["total"], (seen, first["total"])

    if args.export:
        with open(args.export, "wb") as out:
            out.write(get(args.base, "/api/export", {**params, "format": "csv"}))
        print(f"saved {args.export}")


if __name__ == "__main__":
    main()
