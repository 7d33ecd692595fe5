// Export formats for search results: CSV, JSON Lines and GeoJSON, one row per article record,
// written incrementally (header, rows, footer) so that any number of rows streams in constant
// memory. Pure formatting: no I/O, no Xapian.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>
#include <string>
#include <string_view>

namespace incidex {

enum class ExportFormat { csv, jsonl, geojson };

// "csv", "jsonl", "geojson" → the format; nullopt otherwise.
std::optional<ExportFormat> parse_export_format(std::string_view name);
std::string_view content_type(ExportFormat f);
std::string_view file_extension(ExportFormat f);

// The CSV columns, in order: id, event_date, date_precision, groups, weapons, location,
// admin1, admin2, country, latitude, longitude, killed, injured, source, published, url, title.
// Multi-valued cells (groups, weapons) are the main-role names joined by "; ".
extern const std::vector<std::string_view> kCsvColumns;

class ExportWriter {
 public:
  explicit ExportWriter(ExportFormat f) : format_(f) {}
  std::string header() const;
  // One row from a stored article record (the explain record).
  std::string row(const nlohmann::json& record);
  std::string footer() const;

 private:
  ExportFormat format_;
  bool first_ = true;
};

// Quotes a CSV field when needed (RFC 4180), and defuses spreadsheet formulas (a leading
// = + - @ gets a leading apostrophe).
std::string csv_field(std::string_view v);

}  // namespace incidex
