// Dates: parse_date and is_date_line on any bytes; DateResolver::find_all and resolve on text,
// without a publication date and with one taken from the first four bytes. Checks that every
// date found is a real one and that expressions point into the text.
#include "dates.h"
#include "fuzz_support.h"
#include "tokenizer.h"

using namespace incidex;

namespace {

void check_date(const Date& d) {
  FUZZ_CHECK(d.valid());
  if (d.precision == DatePrecision::day) {
    FUZZ_CHECK(is_valid_day(d.year, d.month, d.day));
    FUZZ_CHECK(Date::from_days(d.days()) == d);
  }
  if (d.precision == DatePrecision::month) FUZZ_CHECK(d.month >= 1 && d.month <= 12);
  FUZZ_CHECK(!d.iso().empty());
}

void check_all(const DateResolver& resolver, std::string_view text, bool relative_allowed) {
  for (const auto& e : resolver.find_all(text)) {
    check_date(e.date);
    FUZZ_CHECK(e.begin < e.end && e.end <= text.size());
    FUZZ_CHECK(e.text == text.substr(e.begin, e.end - e.begin));
    if (!relative_allowed) FUZZ_CHECK(!e.relative || e.date.year != 0);
  }
  if (auto d = resolver.resolve(text)) check_date(*d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput) return 0;
  const std::string_view bytes = fuzz::as_text(data, size);
  if (auto d = parse_date(bytes)) check_date(*d);
  (void)is_date_line(bytes);

  const std::string text = sanitize_utf8(bytes);
  check_all(DateResolver(std::nullopt), text, false);
  if (size >= 4) {
    // A publication date from the first bytes: any day from 1900 to 2199, or a month.
    const int year = 1900 + (data[0] | (data[1] << 8)) % 300;
    const int month = 1 + data[2] % 12;
    const int day = 1 + data[3] % 31;
    const Date pub = is_valid_day(year, month, day) ? Date::ymd(year, month, day) : Date::ym(year, month);
    check_all(DateResolver(pub), sanitize_utf8(bytes.substr(4)), true);
  }
  return 0;
}
