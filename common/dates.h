// Dates: parsing absolute dates in the styles news sites print, and resolving the relative
// expressions of article text ("on Sunday", "February 15", "early February") against the
// publication date. Pure functions and value types; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace incidex {

enum class DatePrecision { none, year, month, day };

std::string_view to_string(DatePrecision p);

// A calendar date with the precision it is known to. Month precision leaves day 0.
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  DatePrecision precision = DatePrecision::none;

  static Date ymd(int y, int m, int d) { return {y, m, d, DatePrecision::day}; }
  static Date ym(int y, int m) { return {y, m, 0, DatePrecision::month}; }
  // The day-precision date `days` after 1970-01-01 (negative before it).
  static Date from_days(long days);

  bool valid() const { return precision != DatePrecision::none; }
  // Days since 1970-01-01 of the day (of the first day for month precision).
  long days() const;
  // 0 = Sunday … 6 = Saturday; only meaningful for day precision.
  int weekday() const;
  // "2024-01-28", "2024-01" or "2024" by precision; "" when invalid.
  std::string iso() const;
  // Sortable YYYYMMDD string; month precision gives YYYYMM00.
  std::string ymd_string() const;

  friend bool operator==(const Date&, const Date&) = default;
};

// True when (y, m, d) names a real day of the Gregorian calendar.
bool is_valid_day(int y, int m, int d);

// Finds the first date with a year in `text`, in any common style: "2024-04-22",
// "2024-04-22T10:31:00Z", "29-12-2023", "15/02/2021" (day first unless impossible),
// "Sunday, May 5, 2024", "Feb. 15, 2021", "15 February 2021", "March 3, 2021 10:42 AM",
// "Tue, 16 Feb 2021 08:00:00 GMT", "February 2021" (month precision).
std::optional<Date> parse_date(std::string_view text);

// True when `text` is a line that consists of a date (with optional weekday, time and zone) and
// little else, as in a scraped page header.
bool is_date_line(std::string_view text);

// One date expression found in text. Offsets are UTF-8 byte offsets into the searched text.
struct DateExpression {
  Date date;
  size_t begin = 0;
  size_t end = 0;
  std::string text;
  bool relative = false;  // resolved against the publication date
  bool anchored = false;  // introduced by "on", "at" or a time of day: most likely an event date
  bool backward = false;  // introduced by "since", "until", "before", "after": usually context
};

// Resolves date expressions against an article's publication date:
// - a weekday ("on Sunday", "late on Tuesday") is that weekday on or before publication;
// - "yesterday", "last night" the day before; "today", "tonight", "this morning" the day itself;
// - "February 15" / "15 February" takes the publication year, or the year before when that
//   would fall after publication;
// - "early/mid/late February", "in February", "February 2021" have month precision;
// - dates with a year are absolute and need no publication date.
// Without a publication date, relative expressions do not resolve.
class DateResolver {
 public:
  explicit DateResolver(std::optional<Date> published) : published_(published) {}

  // Resolves one expression; nullopt when it is not a date or cannot be resolved.
  std::optional<Date> resolve(std::string_view expression) const;

  // Every resolvable date expression in `text`, in text order.
  std::vector<DateExpression> find_all(std::string_view text) const;

 private:
  std::optional<Date> published_;
};

}  // namespace incidex
