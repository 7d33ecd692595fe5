#include "text_page.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <span>

namespace incidex {
namespace {

bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_ascii_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `s` without leading/trailing spaces and any of the characters in `chars`.
std::string_view strip(std::string_view s, std::string_view chars) {
  while (!s.empty() && (s.front() == ' ' || chars.find(s.front()) != std::string_view::npos)) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || chars.find(s.back()) != std::string_view::npos)) {
    s.remove_suffix(1);
  }
  return s;
}

// True when lower-cased `s` starts with `prefix` (lower case) and the prefix ends at a word edge.
bool starts_with_word(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return s.size() == prefix.size() || !is_ascii_alnum(prefix.back()) ||
         !is_ascii_alnum(s[prefix.size()]);
}

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

std::size_t count_words(std::string_view s) { return words_of(s).size(); }

bool ends_sentence(std::string_view s) {
  for (bool stripped = true; stripped && !s.empty();) {  // closing quotes and brackets
    stripped = false;
    for (std::string_view closer :
         {"\"", "'", ")", "]", "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB"}) {
      if (s.ends_with(closer)) {
        s.remove_suffix(closer.size());
        stripped = true;
      }
    }
  }
  return !s.empty() &&
         (s.back() == '.' || s.back() == '!' || s.back() == '?' || s.ends_with("\xE2\x80\xA6"));
}

// Letters and digits of `s`, lower-cased, without punctuation (general punctuation U+2000–U+206F
// included): "U.S. forces — in Syria" and "US forces in Syria" get the same key.
std::string title_key(std::string_view s) {
  std::string key;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xE2 && i + 1 < s.size() &&
        (static_cast<unsigned char>(s[i + 1]) == 0x80 ||
         static_cast<unsigned char>(s[i + 1]) == 0x81)) {
      i += 2;
    } else if (c >= 0x80 || std::isalnum(c)) {
      key += static_cast<char>(std::tolower(c));
    }
  }
  return key;
}

bool repeats_title(std::string_view line, std::string_view title) {
  if (title.empty()) return false;
  const std::string key = title_key(title);
  return !key.empty() && title_key(line) == key;
}

// ---- Header zone ---------------------------------------------------------------------------

constexpr std::array<std::string_view, 8> kPublishedLabels = {
    "first published", "date published", "publication date", "published",
    "posted",          "released",       "issued",           "date"};
constexpr std::array<std::string_view, 5> kUpdatedLabels = {"last updated", "last update",
                                                            "last modified", "updated", "modified"};

// The rest of `seg` after one of `labels` ("Published: …", "Last update : …", "Updated on …"),
// when the label is followed by a colon, nothing, or a date.
std::optional<std::string_view> after_label(std::string_view seg,
                                            std::span<const std::string_view> labels) {
  for (std::string_view label : labels) {
    if (!starts_with_word(seg, label)) continue;
    const std::string_view tail = trim(seg.substr(label.size()));
    std::string_view rest = strip(tail, ":-");
    for (std::string_view word : {"on ", "at "}) {
      if (starts_with_word(rest, word)) rest = trim(rest.substr(word.size()));
    }
    if (tail.empty() || tail.starts_with(':') || parse_date(rest)) return rest;
    return std::nullopt;
  }
  return std::nullopt;
}

// Parts of a header line between '|' and '•' separators.
std::vector<std::string_view> segments(std::string_view line) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    std::size_t sep_len = 0;
    if (i == line.size() || line[i] == '|') {
      sep_len = 1;
    } else if (line.substr(i).starts_with("\xE2\x80\xA2")) {
      sep_len = 3;
    }
    if (sep_len == 0) continue;
    if (auto part = trim(line.substr(start, i - start)); !part.empty()) parts.push_back(part);
    start = i + sep_len;
    i += sep_len - 1;
  }
  return parts;
}

// For a breadcrumb line ("HomeMilitary…", "Home › World", "May 5, 2024HomeNews…"): what stands
// before "Home" (possibly empty). nullopt when the line is no breadcrumb.
std::optional<std::string_view> breadcrumb_prefix(std::string_view line) {
  for (std::size_t pos = line.find("Home"); pos != std::string_view::npos;
       pos = line.find("Home", pos + 1)) {
    std::string_view after = trim(line.substr(pos + 4));
    const bool crumb = after.empty()
                           ? pos > 0
                           : is_ascii_upper(line[pos + 4]) || after[0] == '>' || after[0] == '/' ||
                                 after[0] == '|' || after.starts_with("\xE2\x80\xBA") ||  // ›
                                 after.starts_with("\xC2\xBB");                           // »
    if (!crumb) continue;
    std::string_view prefix = trim(line.substr(0, pos));
    if (prefix.empty() || parse_date(prefix)) return prefix;
  }
  return std::nullopt;
}

// "By Jane Doe", "Editor : Jane Doe", "Author: Jane Doe", "Written by Jane Doe".
bool is_byline(std::string_view line) {
  if (count_words(line) > 10) return false;
  if (starts_with_word(line, "by")) {
    const std::string_view rest = trim(line.substr(2));
    return !rest.empty() &&
           (is_ascii_upper(rest[0]) || static_cast<unsigned char>(rest[0]) >= 0x80);
  }
  for (std::string_view label :
       {"written by", "posted by", "words by", "edited by", "reported by"}) {
    if (starts_with_word(line, label)) return true;
  }
  for (std::string_view label : {"editor", "author", "reporter", "correspondent", "writer"}) {
    if (starts_with_word(line, label) && trim(line.substr(label.size())).starts_with(':'))
      return true;
  }
  return false;
}

// "A+ A-", "Share | Print | Email", "Listen to this article", "3 min read".
bool is_share_line(std::string_view line) {
  static constexpr std::array<std::string_view, 30> kVocabulary = {
      "a+",        "a-",       "a",       "share", "print",    "email",    "e-mail",   "mail",
      "tweet",     "facebook", "twitter", "x",     "whatsapp", "telegram", "linkedin", "reddit",
      "pinterest", "copy",     "link",    "save",  "comment",  "comments", "listen",   "to",
      "this",      "article",  "font",    "size",  "text",     "messenger"};
  const std::string l = lower(line);
  if (l.find("min read") != std::string::npos || l.find("minute read") != std::string::npos ||
      l.starts_with("reading time")) {
    return count_words(l) <= 6;
  }
  const auto words = words_of(l);
  if (words.empty()) return false;
  for (std::string_view w : words) {
    w = strip(w, "|•:,");
    if (w.empty()) continue;
    if (std::find(kVocabulary.begin(), kVocabulary.end(), w) == kVocabulary.end()) return false;
  }
  return true;
}

// "World |", "U.S. News", "Rudaw": a short label above or below the title.
bool is_section_label(std::string_view line, bool need_section_word) {
  const std::string_view s = strip(line, "|•");
  const std::size_t words = count_words(s);
  if (words == 0 || words > 3 || ends_sentence(s)) return false;
  if (!need_section_word || words == 1) return true;
  static constexpr std::array<std::string_view, 16> kSectionWords = {
      "news",   "world",       "politics",      "opinion", "analysis", "business",
      "region", "middle east", "international", "local",   "national", "breaking",
      "latest", "features",    "security",      "economy"};
  const std::string l = lower(s);
  return std::any_of(kSectionWords.begin(), kSectionWords.end(),
                     [&](std::string_view w) { return l.find(w) != std::string::npos; });
}

// A line that sites put around the title: a date, a byline, a breadcrumb, share buttons, a
// "Published/Updated" line or a section label.
bool is_header_line(std::string_view line, std::string_view title) {
  if (repeats_title(line, title) || is_byline(line) || is_share_line(line) ||
      breadcrumb_prefix(line) || is_section_label(line, false)) {
    return true;
  }
  for (std::string_view seg : segments(line)) {
    if (is_date_line(seg) || after_label(seg, kPublishedLabels) ||
        after_label(seg, kUpdatedLabels)) {
      return true;
    }
  }
  return false;
}

// The best publication date among header lines: lower rank wins, then the earlier line.
struct DatePick {
  std::optional<Date> date;
  std::string text;
  int rank = 100;

  void offer(std::string_view candidate, int candidate_rank) {
    if (candidate_rank >= rank || candidate.empty()) return;
    if (auto d = parse_date(candidate)) {
      date = d;
      text = std::string(candidate);
      rank = candidate_rank;
    }
  }

  void offer_line(std::string_view line) {
    // Labels first: "Updated: <date>" passes for a date line too.
    for (std::string_view seg : segments(line)) {
      if (auto updated = after_label(seg, kUpdatedLabels)) {
        offer(*updated, 1);
      } else if (auto published = after_label(seg, kPublishedLabels)) {
        offer(*published, 0);
      } else if (is_date_line(seg)) {
        offer(seg, 0);
      }
    }
    if (auto prefix = breadcrumb_prefix(line)) offer(*prefix, 2);
    if (count_words(line) <= 15) offer(line, 3);
  }
};

// Hard-wrapped text: no line longer than 120 bytes, and several lines of some length.
bool looks_wrapped(const std::vector<std::string>& lines) {
  std::size_t long_enough = 0;
  for (const std::string& l : lines) {
    if (l.size() > 120) return false;
    if (l.size() >= 50) ++long_enough;
  }
  return long_enough >= 4;
}

bool is_list_item(std::string_view line) {
  for (std::string_view bullet : {"- ", "* ", "\xE2\x80\xA2 ", "\xC2\xB7 ", "\xE2\x80\x93 "}) {
    if (line.starts_with(bullet)) return true;
  }
  return false;
}

// True when the paragraph starting at lines[i] reads as prose (the first paragraph of a body).
bool starts_body(const std::vector<std::string>& lines, std::size_t i, bool wrapped,
                 std::string_view title) {
  const std::string& line = lines[i];
  if (is_prose(line)) return true;
  if (is_header_line(line, title)) return false;
  if (count_words(line) >= 8 && ends_sentence(line)) return true;
  if (!wrapped) return false;
  std::string joined = line;
  for (std::size_t j = i + 1; j < lines.size() && j < i + 6 && !lines[j].empty(); ++j) {
    joined += ' ';
    joined += lines[j];
  }
  return is_prose(joined);
}

// ---- Body --------------------------------------------------------------------------------

enum class MarkerKind { prefix, anywhere, line };

struct Marker {
  std::string text;  // lower case
  MarkerKind kind = MarkerKind::prefix;
  bool one_word = false;  // a single word ending in a letter or digit: matches short lines only
};

std::vector<Marker> parse_markers(const std::vector<std::string>& markers) {
  std::vector<Marker> out;
  for (const std::string& raw : markers) {
    std::string_view m = trim(raw);
    Marker marker;
    if (m.starts_with('*')) {
      marker.kind = MarkerKind::anywhere;
      m.remove_prefix(1);
    } else if (m.starts_with('=')) {
      marker.kind = MarkerKind::line;
      m.remove_prefix(1);
    }
    m = trim(m);
    if (m.empty()) continue;
    marker.text = lower(m);
    marker.one_word = m.find(' ') == std::string_view::npos && is_ascii_alnum(m.back());
    out.push_back(std::move(marker));
  }
  return out;
}

// The line reduced for comparison with a marker: lower case, without trailing ':' '.' and spaces.
std::string marker_key(std::string_view line) { return lower(strip(line, ":.-")); }

// What marker matching needs to know about a line, worked out once per line.
struct MarkedLine {
  explicit MarkedLine(std::string_view text)
      : lowered(lower(text)),
        key(marker_key(text)),
        words(count_words(text)),
        sentence(ends_sentence(text)) {}
  std::string lowered;
  std::string key;
  std::size_t words;
  bool sentence;
};

bool matches(const Marker& m, const MarkedLine& line) {
  if (m.kind == MarkerKind::line) return line.key == marker_key(m.text);
  if (m.kind == MarkerKind::anywhere) return line.lowered.find(m.text) != std::string::npos;
  if (!starts_with_word(line.lowered, m.text)) return false;
  return !m.one_word || line.words <= 4 || (line.words <= 8 && !line.sentence);
}

constexpr std::array<std::string_view, 18> kAttributionPrefixes = {
    "source:", "sources:", "source :", "via:", "credit:", "credits:", "reporting by",
    "(reporting by", "additional reporting by", "(additional reporting", "writing by",
    "editing by", "(editing by", "compiled by", "edited by", "translated by", "with agencies",
    "(with agencies"};

bool is_attribution(std::string_view paragraph) {
  if (count_words(paragraph) > 12) return false;
  const std::string l = lower(paragraph);
  return std::any_of(kAttributionPrefixes.begin(), kAttributionPrefixes.end(),
                     [&](std::string_view p) { return l.starts_with(p); });
}

// ---- Dateline ----------------------------------------------------------------------------

bool is_month_word(std::string_view w) {
  static constexpr std::array<std::string_view, 24> kMonths = {
      "jan",  "january",   "feb",  "february", "mar",  "march",    "apr",    "april",
      "may",  "jun",       "june", "jul",      "july", "aug",      "august", "sep",
      "sept", "september", "oct",  "october",  "nov",  "november", "dec",    "december"};
  const std::string l = lower(strip(w, ".,"));
  return std::find(kMonths.begin(), kMonths.end(), l) != kMonths.end();
}

bool is_date_part(std::string_view part) {
  const auto words = words_of(part);
  if (words.empty() || words.size() > 4) return false;
  if (is_month_word(words[0])) return true;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '.';
  });
}

// Words in capitals ("ERBIL", "GAZA CITY", "AL-QAIM"): at least 3 capital letters, no lower case.
bool is_capital_place(std::string_view part) {
  const auto words = words_of(part);
  if (words.empty() || words.size() > 4) return false;
  std::size_t capitals = 0;
  for (char c : part) {
    if (is_ascii_lower(c)) return false;
    if (is_ascii_upper(c)) ++capitals;
  }
  static constexpr std::array<std::string_view, 16> kNotPlaces = {
      "BREAKING", "UPDATE",  "UPDATED", "EXCLUSIVE", "WATCH",   "ANALYSIS", "OPINION",  "VIDEO",
      "PHOTOS",   "LIVE",    "WARNING", "NOTE",      "URGENT",  "FLASH",    "FACTBOX", "EXPLAINER"};
  return capitals >= 3 && std::find(kNotPlaces.begin(), kNotPlaces.end(), part) == kNotPlaces.end();
}

// Capitalised words ("Kurdistan Region", "Syria"), up to four.
bool is_titlecase_place(std::string_view part) {
  const auto words = words_of(part);
  if (words.empty() || words.size() > 4) return false;
  return std::all_of(words.begin(), words.end(), [](std::string_view w) {
    return is_ascii_upper(w[0]) || static_cast<unsigned char>(w[0]) >= 0x80 || w == "al" ||
           w == "el" || w == "de" || w == "of";
  });
}

// Position and length of the dash (or colon) that ends a dateline within the first 120 bytes.
std::optional<std::pair<std::size_t, std::size_t>> dateline_separator(std::string_view p) {
  const std::size_t limit = std::min<std::size_t>(p.size(), 120);
  for (std::size_t i = 1; i < limit; ++i) {
    const bool space_before = p[i - 1] == ' ';
    if (p.substr(i).starts_with("\xE2\x80\x94") || p.substr(i).starts_with("\xE2\x80\x93")) {
      return std::pair{i, std::size_t{3}};  // em/en dash, with or without spaces
    }
    if (p.substr(i).starts_with("--") && space_before) return std::pair{i, std::size_t{2}};
    if (p[i] == '-' && space_before && i + 1 < p.size() && p[i + 1] == ' ') {
      return std::pair{i, std::size_t{1}};
    }
    if (p[i] == ':' && i + 1 < p.size() && p[i + 1] == ' ') return std::pair{i, std::size_t{1}};
  }
  return std::nullopt;
}

}  // namespace

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::string_view rest = text.substr(i);
    std::size_t len = 1;
    bool is_space = c <= 0x20 || c == 0x7F;
    bool drop = false;
    if (c == 0xC2 && rest.size() > 1 && static_cast<unsigned char>(rest[1]) == 0xA0) {
      is_space = true, len = 2;  // no-break space
    } else if (c == 0xE2 && rest.size() > 2 && static_cast<unsigned char>(rest[1]) == 0x80) {
      const auto d = static_cast<unsigned char>(rest[2]);
      if (d <= 0x8A || d == 0xA8 || d == 0xA9 || d == 0xAF) is_space = true, len = 3;
      if (d == 0x8B) drop = true, len = 3;  // zero-width space
    } else if (rest.starts_with("\xE2\x81\x9F") || rest.starts_with("\xE3\x80\x80")) {
      is_space = true, len = 3;
    } else if (rest.starts_with("\xE2\x81\xA0") || rest.starts_with("\xEF\xBB\xBF")) {
      drop = true, len = 3;  // word joiner, stray BOM
    }
    if (is_space) {
      space = true;
    } else if (!drop) {
      if (space && !out.empty()) out += ' ';
      space = false;
      out.append(rest.substr(0, len));
    }
    i += len;
  }
  return out;
}

bool is_prose(std::string_view line) {
  const std::size_t words = count_words(line);
  return words >= 25 || (words >= 12 && ends_sentence(line));
}

std::vector<BodyLine> split_body_lines(const std::vector<std::string>& lines) {
  const bool wrapped = looks_wrapped(lines);
  std::vector<BodyLine> out;
  bool after_blank = true;
  for (const std::string& line : lines) {
    if (line.empty()) {
      after_blank = true;
      continue;
    }
    bool new_paragraph = after_blank || out.empty() || is_list_item(line);
    if (!new_paragraph) {
      const std::string& prev = out.back().text;
      new_paragraph = wrapped ? ends_sentence(prev) && prev.size() < 50
                              : ends_sentence(prev) || !is_ascii_lower(line[0]);
    }
    out.push_back({line, new_paragraph});
    after_blank = false;
  }
  return out;
}

std::optional<Dateline> find_dateline(std::string_view paragraph) {
  const auto sep = dateline_separator(paragraph);
  if (!sep) return std::nullopt;
  const bool colon = paragraph[sep->first] == ':';
  std::string_view head = trim(paragraph.substr(0, sep->first));
  std::string_view rest = trim(paragraph.substr(sep->first + sep->second));
  // The text after a dateline starts a sentence: "Kataib Hezbollah (KH) — an Iran-backed…" has none.
  if (rest.empty() || is_ascii_lower(rest[0]) || head.size() > 90) return std::nullopt;

  Dateline d;
  if (head.ends_with(')')) {
    const std::size_t open = head.rfind('(');
    if (open == std::string_view::npos) return std::nullopt;
    const std::string_view outlet = trim(head.substr(open + 1, head.size() - open - 2));
    if (outlet.empty() || outlet.size() > 40 || count_words(outlet) > 5 ||
        !(is_ascii_upper(outlet[0]) || static_cast<unsigned char>(outlet[0]) >= 0x80)) {
      return std::nullopt;
    }
    d.source = std::string(outlet);
    head = strip(head.substr(0, open), ",");
  }
  if (colon && !d.source.empty()) return std::nullopt;
  if (!head.empty()) {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
      const std::size_t comma = head.find(',', start);
      parts.push_back(trim(head.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (parts.size() > 4) return std::nullopt;
    const bool first_ok =
        is_capital_place(parts[0]) || (!d.source.empty() && is_titlecase_place(parts[0]));
    if (!first_ok || (colon && parts.size() > 1)) return std::nullopt;
    std::string place(parts[0]);
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (is_date_part(parts[i])) {
        if (!d.date_text.empty()) d.date_text += ", ";
        d.date_text += parts[i];
      } else if (d.date_text.empty() && is_titlecase_place(parts[i])) {
        place += ", ";
        place += parts[i];
      } else {
        return std::nullopt;
      }
    }
    d.place = std::move(place);
  } else if (d.source.empty()) {
    return std::nullopt;
  }
  if (!d.date_text.empty()) d.date = parse_date(d.date_text);
  d.length = static_cast<std::size_t>(rest.data() - paragraph.data());
  return d;
}

std::size_t find_trailing_boilerplate(const std::vector<BodyLine>& lines,
                                      const std::vector<std::string>& markers) {
  const std::vector<Marker> parsed = parse_markers(markers);
  std::size_t total = 0;
  for (const BodyLine& l : lines) total += l.text.size();
  std::size_t offset = 0;
  bool first_paragraph = true;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string& text = lines[k].text;
    if (k > 0 && lines[k].new_paragraph) first_paragraph = false;
    if (!first_paragraph && text.size() < 100000) {  // no marker line is that long
      const bool second_half = offset * 2 >= total;
      const MarkedLine line(text);
      for (const Marker& m : parsed) {
        if (m.kind == MarkerKind::line || !matches(m, line)) continue;
        if (second_half || line.key == marker_key(m.text)) return k;
      }
    }
    offset += text.size();
  }
  return lines.size();
}

void finish_body(std::vector<BodyLine> lines, std::string_view title,
                 const std::vector<std::string>& markers, TextPage& page) {
  const std::vector<Marker> parsed = parse_markers(markers);
  const std::string title_k = title_key(title);
  std::vector<BodyLine> kept;
  bool pending_break = false;  // a dropped line began a paragraph: so does the next one
  for (BodyLine& line : lines) {
    const std::string key = marker_key(line.text);
    const bool drop = (!title_k.empty() && title_key(line.text) == title_k) ||
                      std::any_of(parsed.begin(), parsed.end(), [&](const Marker& m) {
                        return m.kind == MarkerKind::line && key == marker_key(m.text);
                      });
    if (drop) {
      pending_break = pending_break || line.new_paragraph;
      continue;
    }
    line.new_paragraph = line.new_paragraph || pending_break || kept.empty();
    pending_break = false;
    kept.push_back(std::move(line));
  }
  kept.resize(find_trailing_boilerplate(kept, markers));

  std::vector<std::string> paragraphs;
  for (BodyLine& line : kept) {
    if (line.new_paragraph || paragraphs.empty()) {
      paragraphs.push_back(std::move(line.text));
    } else {
      paragraphs.back() += ' ';
      paragraphs.back() += line.text;
    }
  }
  while (paragraphs.size() > 1 && is_attribution(paragraphs.back())) paragraphs.pop_back();

  if (!paragraphs.empty()) {
    if (auto d = find_dateline(paragraphs.front())) {
      paragraphs.front().erase(0, d->length);
      if (paragraphs.front().empty()) paragraphs.erase(paragraphs.begin());
      page.dateline = d->place;
      page.dateline_source = d->source;
      if (!page.published && d->date) {
        page.published = d->date;
        page.published_text = d->date_text;
      }
    }
  }
  page.paragraphs = std::move(paragraphs);
}

TextPage read_text_page(std::string_view text, const TextPageOptions& options) {
  static const std::vector<std::string> kNoMarkers;
  const std::vector<std::string>& markers = options.markers ? *options.markers : kNoMarkers;

  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(collapse_whitespace(text.substr(start, end - start)));
    if (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n') ++end;
    start = end + 1;
  }
  const bool wrapped = looks_wrapped(lines);

  TextPage page;
  page.title = std::string(options.title);
  DatePick pick;
  auto to_header = [&](const std::string& line) {
    page.header_lines.push_back(line);
    if (!repeats_title(line, page.title)) pick.offer_line(line);
  };
  auto next_nonblank = [&](std::size_t i) {
    while (i < lines.size() && lines[i].empty()) ++i;
    return i;
  };

  std::size_t i = 0;
  if (options.title_line) {
    // Dates, breadcrumbs and section labels that sit above the title.
    for (std::size_t seen = 0; seen < 10; ++seen) {
      i = next_nonblank(i);
      if (i == lines.size()) break;
      const std::string& line = lines[i];
      const auto segs = segments(line);
      bool header = is_share_line(line) || is_byline(line) || breadcrumb_prefix(line) ||
                    std::any_of(segs.begin(), segs.end(), [](std::string_view s) {
                      return is_date_line(s) || after_label(s, kPublishedLabels) ||
                             after_label(s, kUpdatedLabels);
                    });
      if (!header && is_section_label(line, true)) {
        const std::size_t next = next_nonblank(i + 1);
        header = next < lines.size() && count_words(lines[next]) >= 4 && !is_prose(lines[next]) &&
                 !is_header_line(lines[next], "");
      }
      if (!header) break;
      to_header(line);
      ++i;
    }
    if (i < lines.size() && !is_prose(lines[i])) {
      std::string_view title = lines[i];
      if (const std::size_t bar = title.rfind(" | "); bar != std::string_view::npos) {
        const std::string_view site = trim(title.substr(bar + 3));
        if (!site.empty() && count_words(site) <= 4 && count_words(title.substr(0, bar)) >= 3) {
          page.header_lines.push_back(std::string(site));
          title = trim(title.substr(0, bar));
        }
      }
      page.title = std::string(title);
      ++i;
    }
  }

  std::size_t body = i;
  if (options.header_zone) {
    body = lines.size();
    for (std::size_t j = i; j < lines.size(); ++j) {
      if (!lines[j].empty() && starts_body(lines, j, wrapped, page.title)) {
        body = j;
        break;
      }
    }
    if (body == lines.size()) {  // no prose: the header is what looks like one
      for (body = next_nonblank(i); body < lines.size(); body = next_nonblank(body + 1)) {
        if (!is_header_line(lines[body], page.title)) break;
      }
    }
    for (std::size_t j = i; j < body; ++j) {
      if (!lines[j].empty()) to_header(lines[j]);
    }
  }
  if (pick.date) {
    page.published = pick.date;
    page.published_text = pick.text;
  }
  std::vector<std::string> body_lines(
      std::make_move_iterator(lines.begin() + static_cast<std::ptrdiff_t>(body)),
      std::make_move_iterator(lines.end()));
  finish_body(split_body_lines(body_lines), page.title, markers, page);
  return page;
}

}  // namespace incidex
