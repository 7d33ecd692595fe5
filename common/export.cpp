#include "export.h"

#include <fmt/format.h>

#include <algorithm>

namespace incidex {

const std::vector<std::string_view> kCsvColumns = {
    "id",      "event_date", "date_precision", "groups", "weapons", "location", "admin1", "admin2", "country",
    "latitude", "longitude", "killed",        "injured", "source",  "published", "url",   "title"};

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "csv") return ExportFormat::csv;
  if (name == "jsonl") return ExportFormat::jsonl;
  if (name == "geojson") return ExportFormat::geojson;
  return std::nullopt;
}

std::string_view content_type(ExportFormat f) {
  switch (f) {
    case ExportFormat::csv: return "text/csv; charset=utf-8";
    case ExportFormat::jsonl: return "application/x-ndjson; charset=utf-8";
    case ExportFormat::geojson: return "application/geo+json; charset=utf-8";
  }
  return "application/octet-stream";
}

std::string_view file_extension(ExportFormat f) {
  switch (f) {
    case ExportFormat::csv: return "csv";
    case ExportFormat::jsonl: return "jsonl";
    case ExportFormat::geojson: return "geojson";
  }
  return "txt";
}

std::string csv_field(std::string_view v) {
  std::string s(v);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s.insert(0, "'");
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

// Main-role values of a facet list: names joined by "; ".
std::string main_names(const json& list) {
  std::string out;
  if (!list.is_array()) return out;
  for (const auto& v : list)
    if (v.value("role", "") == "main") out += (out.empty() ? "" : "; ") + v.value("name", "");
  return out;
}

// The most specific main location: what the map and the admin columns describe.
const json* main_place(const json& record) {
  static const std::vector<std::string> kRank = {"country", "sea", "region", "province", "district", "town",
                                                 "airport", "base", "site"};
  const json* best = nullptr;
  int best_rank = -1;
  if (!record.contains("locations")) return nullptr;
  for (const auto& v : record["locations"]) {
    if (v.value("role", "") != "main") continue;
    const auto it = std::find(kRank.begin(), kRank.end(), v.value("kind", ""));
    const int rank = static_cast<int>(it - kRank.begin());
    if (rank > best_rank) {
      best = &v;
      best_rank = rank;
    }
  }
  return best;
}

// The name of the first ancestor (or the place itself) of a kind.
std::string level(const json* place, std::initializer_list<std::string_view> kinds) {
  if (!place) return {};
  const auto is = [&](const json& p) {
    const std::string k = p.value("kind", "");
    for (auto want : kinds)
      if (k == want) return true;
    return false;
  };
  if (is(*place)) return place->value("name", "");
  if (place->contains("path"))
    for (const auto& p : (*place)["path"])
      if (is(p)) return p.value("name", "");
  return {};
}

}  // namespace

std::string ExportWriter::header() const {
  switch (format_) {
    case ExportFormat::csv: {
      std::string h;
      for (size_t i = 0; i < kCsvColumns.size(); ++i) h += (i ? "," : "") + std::string(kCsvColumns[i]);
      return h + "\r\n";
    }
    case ExportFormat::geojson: return "{\"type\":\"FeatureCollection\",\"features\":[\n";
    case ExportFormat::jsonl: return {};
  }
  return {};
}

std::string ExportWriter::footer() const { return format_ == ExportFormat::geojson ? "\n]}\n" : std::string(); }

std::string ExportWriter::row(const json& r) {
  const json* place = main_place(r);
  const auto coord = [&](const char* key) -> json {
    return place && place->contains(key) && !(*place)[key].is_null() ? (*place)[key] : json(nullptr);
  };
  switch (format_) {
    case ExportFormat::jsonl: return r.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    case ExportFormat::csv: {
      const std::vector<std::string> cells = {
          str(r, "id"),
          str(r, "event_date"),
          str(r, "event_date_precision"),
          main_names(r.value("groups", json::array())),
          main_names(r.value("weapons", json::array())),
          place ? place->value("name", "") : "",
          level(place, {"province", "region"}),
          level(place, {"district"}),
          level(place, {"country"}),
          coord("lat").is_null() ? "" : coord("lat").dump(),
          coord("lon").is_null() ? "" : coord("lon").dump(),
          str(r, "killed"),
          str(r, "injured"),
          str(r, "source"),
          str(r, "published"),
          str(r, "url"),
          str(r, "title")};
      std::string line;
      for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_field(cells[i]);
      return line + "\r\n";
    }
    case ExportFormat::geojson: {
      json props = r;
      props.erase("groups");
      props.erase("weapons");
      props.erase("locations");
      props["groups"] = main_names(r.value("groups", json::array()));
      props["weapons"] = main_names(r.value("weapons", json::array()));
      props["location"] = place ? place->value("name", "") : "";
      json feature = {{"type", "Feature"}, {"properties", props}};
      if (!coord("lat").is_null() && !coord("lon").is_null())
        feature["geometry"] = {{"type", "Point"}, {"coordinates", {coord("lon"), coord("lat")}}};
      else
        feature["geometry"] = nullptr;
      std::string out = first_ ? "" : ",\n";
      first_ = false;
      return out + feature.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  return {};
}

}  // namespace incidex
