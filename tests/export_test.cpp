#include <doctest/doctest.h>

#include "export.h"

using namespace incidex;
using nlohmann::json;

namespace {

json record() {
  return json::parse(R"({
    "id": "a1", "title": "Rockets hit \"base\", officials say", "source": "Tigris Wire", "url": "https://x.example/a",
    "published": "2024-04-22", "event_date": "2024-04-21", "event_date_precision": "day", "killed": 0, "injured": null,
    "groups": [{"id": "kataib-hezbollah", "name": "Kataib Hezbollah", "role": "main"},
               {"id": "islamic-state", "name": "Islamic State", "role": "background"}],
    "weapons": [{"id": "rocket", "name": "Rocket", "role": "main"}],
    "locations": [{"id": "sy", "name": "Syria", "kind": "country", "role": "main", "lat": 35.0, "lon": 38.0, "path": []},
                  {"id": "sy-rmelan", "name": "Rmelan", "kind": "town", "role": "main", "lat": 37.0, "lon": 41.9,
                   "path": [{"id": "sy", "name": "Syria", "kind": "country"},
                            {"id": "sy-hasakah-province", "name": "Hasakah", "kind": "province"}]}]})");
}

}  // namespace

TEST_CASE("CSV rows have the documented columns, the most specific place and quoted fields") {
  ExportWriter w(ExportFormat::csv);
  CHECK(w.header() == "id,event_date,date_precision,groups,weapons,location,admin1,admin2,country,latitude,longitude,"
                      "killed,injured,source,published,url,title\r\n");
  const std::string row = w.row(record());
  CHECK(row == "a1,2024-04-21,day,Kataib Hezbollah,Rocket,Rmelan,Hasakah,,Syria,37.0,41.9,0,,Tigris Wire,2024-04-22,"
               "https://x.example/a,\"Rockets hit \"\"base\"\", officials say\"\r\n");
}

TEST_CASE("CSV fields that a spreadsheet would run as formulas are defused") {
  CHECK(csv_field("=HYPERLINK(1)") == "'=HYPERLINK(1)");
  CHECK(csv_field("-5") == "'-5");
  CHECK(csv_field("plain") == "plain");
}

TEST_CASE("GeoJSON is one FeatureCollection with points at the main place") {
  ExportWriter w(ExportFormat::geojson);
  std::string doc = w.header();
  doc += w.row(record());
  doc += w.row(record());
  doc += w.footer();
  const json j = json::parse(doc);
  CHECK(j["type"] == "FeatureCollection");
  REQUIRE(j["features"].size() == 2);
  CHECK(j["features"][0]["geometry"]["coordinates"] == json::array({41.9, 37.0}));
  CHECK(j["features"][0]["properties"]["location"] == "Rmelan");
}

TEST_CASE("JSON Lines rows are the records, one per line") {
  ExportWriter w(ExportFormat::jsonl);
  const std::string line = w.row(record());
  CHECK(line.back() == '\n');
  CHECK(json::parse(line)["id"] == "a1");
  CHECK(parse_export_format("jsonl") == ExportFormat::jsonl);
  CHECK_FALSE(parse_export_format("xml"));
}
