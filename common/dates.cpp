#include "dates.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace incidex {

std::string_view to_string(DatePrecision p) {
  switch (p) {
    case DatePrecision::day: return "day";
    case DatePrecision::month: return "month";
    case DatePrecision::year: return "year";
    case DatePrecision::none: break;
  }
  return "none";
}

namespace {

// Days from civil date (proleptic Gregorian), after H. Hinnant's public-domain algorithm.
long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

bool is_valid_day(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

Date Date::from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return Date::ymd(y, m, d);
}

long Date::days() const { return days_from_civil(year, month ? month : 1, day ? day : 1); }

int Date::weekday() const {
  return static_cast<int>(((days() + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
}

std::string Date::iso() const {
  char buf[16];
  switch (precision) {
    case DatePrecision::day: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day); break;
    case DatePrecision::month: std::snprintf(buf, sizeof buf, "%04d-%02d", year, month); break;
    case DatePrecision::year: std::snprintf(buf, sizeof buf, "%04d", year); break;
    case DatePrecision::none: return {};
  }
  return buf;
}

std::string Date::ymd_string() const {
  if (!valid()) return {};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", year, month, day);
  return buf;
}

namespace {

enum class Kind { word, number, punct };

struct Lex {
  Kind kind;
  size_t begin, end;
  std::string lower;  // words lowercased; numbers as digits; punct the character
  bool capital = false;
  bool ordinal = false;  // "15th"
  int value = 0;         // numbers
  int digits = 0;
};

std::vector<Lex> lex(std::string_view s) {
  std::vector<Lex> out;
  size_t i = 0;
  const auto alpha = [](unsigned char c) { return std::isalpha(c) != 0; };
  const auto digit = [](unsigned char c) { return std::isdigit(c) != 0; };
  while (i < s.size()) {
    const unsigned char c = s[i];
    if (alpha(c)) {
      size_t j = i;
      std::string w;
      while (j < s.size() && alpha(static_cast<unsigned char>(s[j]))) w += static_cast<char>(std::tolower(static_cast<unsigned char>(s[j++])));
      Lex t{Kind::word, i, j, std::move(w)};
      t.capital = std::isupper(c) != 0;
      out.push_back(std::move(t));
      i = j;
    } else if (digit(c)) {
      size_t j = i;
      long v = 0;
      while (j < s.size() && digit(static_cast<unsigned char>(s[j]))) {
        if (v < 100000000) v = v * 10 + (s[j] - '0');
        ++j;
      }
      Lex t{Kind::number, i, j, std::string(s.substr(i, j - i))};
      t.digits = static_cast<int>(j - i);
      t.value = static_cast<int>(v);
      if (j + 2 <= s.size()) {
        std::string suf;
        suf += static_cast<char>(std::tolower(static_cast<unsigned char>(s[j])));
        suf += static_cast<char>(std::tolower(static_cast<unsigned char>(s[j + 1])));
        const bool end_ok = j + 2 == s.size() || !alpha(static_cast<unsigned char>(s[j + 2]));
        if (end_ok && (suf == "st" || suf == "nd" || suf == "rd" || suf == "th")) {
          t.ordinal = true;
          j += 2;
          t.end = j;
        }
      }
      out.push_back(std::move(t));
      i = j;
    } else if (std::isspace(c) || c >= 0x80) {
      ++i;  // whitespace and non-ASCII separate tokens
    } else {
      out.push_back(Lex{Kind::punct, i, i + 1, std::string(1, static_cast<char>(c))});
      ++i;
    }
  }
  return out;
}

int month_of(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kFull = {
      "january", "february", "march", "april", "may", "june", "july",
      "august", "september", "october", "november", "december"};
  for (int m = 0; m < 12; ++m) {
    if (w == kFull[m]) return m + 1;
    if (w.size() == 3 && kFull[m].substr(0, 3) == w) return m + 1;
  }
  if (w == "sept") return 9;
  return 0;
}

// 0 = Sunday; -1 when not a weekday. Abbreviations only when `abbrev` is allowed.
int weekday_of(std::string_view w, bool abbrev) {
  static constexpr std::array<std::string_view, 7> kFull = {
      "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  for (int d = 0; d < 7; ++d) {
    if (w == kFull[d]) return d;
    if (abbrev && w.size() >= 3 && kFull[d].substr(0, w.size()) == w) return d;
  }
  return -1;
}

bool adjacent(const Lex& a, const Lex& b) { return a.end == b.begin; }

struct Match {
  Date date;
  size_t first = 0, last = 0;  // token range [first, last)
  bool relative = false;
};

// Optional '.' after an abbreviated month, then optional ','.
size_t skip_month_punct(const std::vector<Lex>& t, size_t i) {
  if (i < t.size() && t[i].kind == Kind::punct && t[i].lower == "." && adjacent(t[i - 1], t[i])) ++i;
  return i;
}

bool is_year(const Lex& t) { return t.kind == Kind::number && t.digits == 4 && t.value >= 1900 && t.value <= 2199; }
bool is_day_number(const Lex& t) { return t.kind == Kind::number && t.digits <= 2 && t.value >= 1 && t.value <= 31; }

// Numeric dates: Y-M-D, D-M-Y (day first unless impossible), and YYYYMMDD.
std::optional<Match> numeric_date(const std::vector<Lex>& t, size_t i) {
  if (t[i].kind != Kind::number) return std::nullopt;
  if (i + 4 < t.size() && t[i + 1].kind == Kind::punct && t[i + 3].kind == Kind::punct &&
      t[i + 2].kind == Kind::number && t[i + 4].kind == Kind::number &&
      t[i + 1].lower == t[i + 3].lower && (t[i + 1].lower == "-" || t[i + 1].lower == "/" || t[i + 1].lower == ".") &&
      adjacent(t[i], t[i + 1]) && adjacent(t[i + 1], t[i + 2]) && adjacent(t[i + 2], t[i + 3]) &&
      adjacent(t[i + 3], t[i + 4])) {
    const Lex &a = t[i], &b = t[i + 2], &c = t[i + 4];
    if (is_year(a) && b.digits <= 2 && c.digits <= 2 && is_valid_day(a.value, b.value, c.value))
      return Match{Date::ymd(a.value, b.value, c.value), i, i + 5};
    if (is_year(c) && a.digits <= 2 && b.digits <= 2) {
      int d = a.value, m = b.value;
      if (a.value <= 12 && b.value > 12) std::swap(d, m);
      if (is_valid_day(c.value, m, d)) return Match{Date::ymd(c.value, m, d), i, i + 5};
    }
    return std::nullopt;
  }
  if (t[i].digits == 8) {
    const int v = t[i].value;
    const int y = v / 10000, m = v / 100 % 100, d = v % 100;
    if (y >= 1900 && y <= 2199 && is_valid_day(y, m, d)) return Match{Date::ymd(y, m, d), i, i + 1};
  }
  return std::nullopt;
}

// Month-name dates with an explicit year: "May 5, 2024", "5 May 2024", "February 2021".
// With `allow_no_year`, also "May 5" / "5 May" (relative, year 0).
std::optional<Match> named_date(const std::vector<Lex>& t, size_t i, bool allow_no_year, bool require_capital) {
  const auto month_at = [&](size_t k) -> int {
    if (k >= t.size() || t[k].kind != Kind::word) return 0;
    if (require_capital && !t[k].capital) return 0;
    return month_of(t[k].lower);
  };
  const auto skip_comma = [&](size_t k) {
    if (k < t.size() && t[k].kind == Kind::punct && t[k].lower == ",") ++k;
    return k;
  };
  const auto skip_of = [&](size_t k) {
    if (k < t.size() && t[k].kind == Kind::word && t[k].lower == "of") ++k;
    return k;
  };
  if (int m = month_at(i)) {
    size_t k = skip_month_punct(t, i + 1);
    if (k < t.size() && is_day_number(t[k]) && !(t[k].digits == 4)) {
      const int d = t[k].value;
      size_t y = skip_comma(k + 1);
      if (y < t.size() && is_year(t[y]) && is_valid_day(t[y].value, m, d))
        return Match{Date::ymd(t[y].value, m, d), i, y + 1};
      // "February 15" with no year: make sure the number is not the start of a time ("May 5 10:00").
      if (allow_no_year && is_valid_day(2000, m, d)) return Match{Date{0, m, d, DatePrecision::day}, i, k + 1, true};
      return std::nullopt;
    }
    size_t y = skip_comma(k);
    if (y < t.size() && is_year(t[y])) return Match{Date::ym(t[y].value, m), i, y + 1};
    return std::nullopt;
  }
  if (i < t.size() && is_day_number(t[i])) {
    size_t k = skip_of(i + 1);
    if (int m = month_at(k)) {
      size_t y = skip_comma(skip_month_punct(t, k + 1));
      const int d = t[i].value;
      if (y < t.size() && is_year(t[y]) && is_valid_day(t[y].value, m, d))
        return Match{Date::ymd(t[y].value, m, d), i, y + 1};
      if (allow_no_year && is_valid_day(2000, m, d)) return Match{Date{0, m, d, DatePrecision::day}, i, k + 1, true};
    }
  }
  return std::nullopt;
}

bool word_is(const std::vector<Lex>& t, size_t i, std::string_view w) {
  return i < t.size() && t[i].kind == Kind::word && t[i].lower == w;
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  const auto t = lex(text);
  for (size_t i = 0; i < t.size(); ++i) {
    if (auto m = numeric_date(t, i)) return m->date;
    if (auto m = named_date(t, i, false, false)) return m->date;
  }
  return std::nullopt;
}

bool is_date_line(std::string_view text) {
  if (text.size() > 90) return false;
  const auto t = lex(text);
  std::optional<Match> found;
  for (size_t i = 0; i < t.size() && !found; ++i) {
    if (auto m = numeric_date(t, i)) found = m;
    else if (auto n = named_date(t, i, false, false)) found = n;
  }
  if (!found) return false;
  static constexpr std::array<std::string_view, 22> kAllowed = {
      "published", "updated", "update", "last", "posted", "on", "at", "date", "am", "pm", "gmt",
      "utc", "et", "est", "edt", "cet", "ast", "t", "z", "local", "time", "modified"};
  int other = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (i >= found->first && i < found->last) continue;
    if (t[i].kind != Kind::word) continue;
    if (weekday_of(t[i].lower, true) >= 0) continue;
    if (std::find(kAllowed.begin(), kAllowed.end(), t[i].lower) != kAllowed.end()) continue;
    ++other;
  }
  return other == 0;
}

namespace {

// Resolves a date without a year against publication: the latest such date not after it.
std::optional<Date> with_year(Date d, const std::optional<Date>& pub) {
  if (d.year != 0) return d;
  if (!pub) return std::nullopt;
  d.year = pub->year;
  if (d.precision == DatePrecision::day) {
    if (!is_valid_day(d.year, d.month, d.day) || d.days() > pub->days()) d.year -= 1;
    if (!is_valid_day(d.year, d.month, d.day)) return std::nullopt;
  } else if (d.month > pub->month) {
    d.year -= 1;
  }
  return d;
}

Date shift(const Date& d, long by) { return Date::from_days(d.days() + by); }

}  // namespace

std::vector<DateExpression> DateResolver::find_all(std::string_view text) const {
  const auto t = lex(text);
  std::vector<DateExpression> out;
  const bool have_pub = published_ && published_->precision == DatePrecision::day;
  size_t i = 0;
  while (i < t.size()) {
    std::optional<Match> m;
    size_t start = i;
    if ((m = numeric_date(t, i))) {
    } else if (t[i].kind == Kind::word && (t[i].lower == "early" || t[i].lower == "mid" || t[i].lower == "late") &&
               i + 1 < t.size()) {
      // "early February", "mid-February", "late January 2024" (month precision)
      size_t k = i + 1;
      if (k < t.size() && t[k].kind == Kind::punct && t[k].lower == "-") ++k;
      if (k < t.size() && t[k].kind == Kind::word && t[k].capital && month_of(t[k].lower) &&
          !(k + 1 < t.size() && is_day_number(t[k + 1]))) {
        Date d{0, month_of(t[k].lower), 0, DatePrecision::month};
        size_t e = k + 1;
        if (e < t.size() && is_year(t[e])) d.year = t[e++].value;
        m = Match{d, i, e, d.year == 0};
      }
    }
    if (!m) m = named_date(t, i, true, true);
    if (!m && t[i].kind == Kind::word && t[i].capital && month_of(t[i].lower) && i > 0 &&
        t[i].lower.size() > 3 && t[i - 1].kind == Kind::word) {
      // bare month after a preposition: "in February", "since October"
      static constexpr std::array<std::string_view, 7> kPrep = {"in", "since", "until", "by", "during", "of", "from"};
      if (std::find(kPrep.begin(), kPrep.end(), t[i - 1].lower) != kPrep.end()) {
        Date d{0, month_of(t[i].lower), 0, DatePrecision::month};
        m = Match{d, i, i + 1, true};
      }
    }
    if (!m && t[i].kind == Kind::word && have_pub) {
      const std::string& w = t[i].lower;
      int wd = t[i].capital ? weekday_of(w, false) : -1;
      if (wd >= 0) {
        const long delta = (published_->weekday() - wd + 7) % 7;
        m = Match{shift(*published_, -delta), i, i + 1, true};
      } else if (w == "yesterday") {
        m = Match{shift(*published_, -1), i, i + 1, true};
      } else if (w == "today" || w == "tonight") {
        m = Match{*published_, i, i + 1, true};
      } else if (w == "last" && word_is(t, i + 1, "night")) {
        m = Match{shift(*published_, -1), i, i + 2, true};
      } else if (w == "this" && (word_is(t, i + 1, "morning") || word_is(t, i + 1, "afternoon") ||
                                 word_is(t, i + 1, "evening"))) {
        m = Match{*published_, i, i + 2, true};
      }
    }
    if (!m) {
      ++i;
      continue;
    }
    std::optional<Date> d = with_year(m->date, published_);
    if (!d) {
      i = m->last;
      continue;
    }
    DateExpression e;
    e.date = *d;
    e.begin = t[start].begin;
    e.end = t[m->last - 1].end;
    e.text = std::string(text.substr(e.begin, e.end - e.begin));
    e.relative = m->relative;
    // Look back up to two words for what introduces the expression.
    for (size_t back = 1; back <= 2 && back <= start; ++back) {
      const Lex& p = t[start - back];
      if (p.kind != Kind::word) {
        if (p.lower == "," || p.lower == "(") continue;
        break;
      }
      if (p.lower == "on" || p.lower == "at") e.anchored = true;
      if (p.lower == "since" || p.lower == "until" || p.lower == "till" || p.lower == "before" ||
          p.lower == "after") {
        e.backward = true;
        break;
      }
      if (p.lower != "late" && p.lower != "early" && p.lower != "on") break;
    }
    if (m->last < t.size() && t[m->last].kind == Kind::word) {
      const std::string& n = t[m->last].lower;
      if (n == "night" || n == "morning" || n == "evening" || n == "afternoon") e.anchored = true;
    }
    out.push_back(std::move(e));
    i = m->last;
  }
  return out;
}

std::optional<Date> DateResolver::resolve(std::string_view expression) const {
  const auto all = find_all(expression);
  if (all.empty()) return std::nullopt;
  return all.front().date;
}

}  // namespace incidex
