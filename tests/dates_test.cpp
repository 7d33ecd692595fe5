#include <doctest/doctest.h>

#include "dates.h"

using incidex::Date;
using incidex::DatePrecision;
using incidex::DateResolver;
using incidex::parse_date;

TEST_CASE("parses absolute dates in the styles news sites print") {
  struct Row { const char* text; const char* iso; };
  const Row rows[] = {
      {"29-12-2023", "2023-12-29"},
      {"Sunday, May 5, 2024", "2024-05-05"},
      {"Feb. 15, 2021", "2021-02-15"},
      {"2024-04-22T10:31:00Z", "2024-04-22"},
      {"15/02/2021", "2021-02-15"},
      {"02/15/2021", "2021-02-15"},           // month first only because 15 cannot be a month
      {"03/04/2021", "2021-04-03"},           // ambiguous: day first
      {"March 3, 2021 10:42 AM", "2021-03-03"},
      {"Tue, 16 Feb 2021 08:00:00 GMT", "2021-02-16"},
      {"15th February 2021", "2021-02-15"},
      {"Published: 28 January 2024", "2024-01-28"},
      {"20240128", "2024-01-28"},
      {"February 2021", "2021-02"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto d = parse_date(r.text);
    REQUIRE(d);
    CHECK(d->iso() == r.iso);
  }
}

TEST_CASE("rejects impossible and missing dates") {
  CHECK_FALSE(parse_date("31/02/2021"));
  CHECK_FALSE(parse_date("no date here"));
  CHECK_FALSE(parse_date("13/13/2021"));
  CHECK_FALSE(parse_date("May 5"));  // no year
}

TEST_CASE("recognises header lines that are only a date") {
  CHECK(incidex::is_date_line("29-12-2023"));
  CHECK(incidex::is_date_line("Sunday, May 5, 2024"));
  CHECK(incidex::is_date_line("Last update : 12 March 2020 10:42 GMT"));
  CHECK_FALSE(incidex::is_date_line("Rockets hit the base on May 5, 2024 and again later that week"));
  CHECK_FALSE(incidex::is_date_line("Rudaw"));
}

TEST_CASE("weekday arithmetic") {
  CHECK(Date::ymd(2024, 1, 28).weekday() == 0);  // a Sunday
  CHECK(Date::ymd(1970, 1, 1).weekday() == 4);
  CHECK(Date::ymd(1969, 12, 28).weekday() == 0);
  CHECK(Date::from_days(Date::ymd(2024, 3, 1).days() - 1).iso() == "2024-02-29");
}

TEST_CASE("resolves relative expressions against the publication date") {
  // Published on Monday 2024-04-22.
  DateResolver r(Date::ymd(2024, 4, 22));
  struct Row { const char* expr; const char* iso; };
  const Row rows[] = {
      {"on Sunday", "2024-04-21"},          // the Sunday before publication
      {"on Monday", "2024-04-22"},          // the day of publication itself
      {"late on Tuesday", "2024-04-16"},
      {"yesterday", "2024-04-21"},
      {"last night", "2024-04-21"},
      {"today", "2024-04-22"},
      {"February 15", "2024-02-15"},        // publication year
      {"on 4 February", "2024-02-04"},
      {"December 29", "2023-12-29"},        // would fall after publication: the year before
      {"early February", "2024-02"},        // month precision
      {"mid-March", "2024-03"},
      {"in November", "2023-11"},
      {"February 15, 2021", "2021-02-15"},  // absolute
  };
  for (const auto& row : rows) {
    CAPTURE(row.expr);
    auto d = r.resolve(row.expr);
    REQUIRE(d);
    CHECK(d->iso() == row.iso);
  }
  CHECK(r.resolve("early February")->precision == DatePrecision::month);
  CHECK(r.resolve("on Sunday")->precision == DatePrecision::day);
}

TEST_CASE("without a publication date only absolute dates resolve") {
  DateResolver r(std::nullopt);
  CHECK_FALSE(r.resolve("on Sunday"));
  CHECK_FALSE(r.resolve("February 15"));
  CHECK(r.resolve("February 15, 2021")->iso() == "2021-02-15");
}

TEST_CASE("finds date expressions in text with their offsets and cues") {
  DateResolver r(Date::ymd(2024, 4, 22));
  const std::string text = "Rockets were fired on Sunday night, the first attack since early February.";
  auto found = r.find_all(text);
  REQUIRE(found.size() == 2);
  CHECK(found[0].date.iso() == "2024-04-21");
  CHECK(found[0].anchored);
  CHECK(text.substr(found[0].begin, found[0].end - found[0].begin) == "Sunday");
  CHECK(found[1].date.iso() == "2024-02");
  CHECK(found[1].backward);
}

TEST_CASE("does not mistake lower-case words for dates") {
  DateResolver r(Date::ymd(2024, 4, 22));
  CHECK(r.find_all("Officials may march on, they said, and sun rises.").empty());
}
