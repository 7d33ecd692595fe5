// Cleaning article text as scraped from news sites: the header zone above the article (dates,
// bylines, section names, share buttons, breadcrumbs), the paragraphs, an opening dateline
// ("BAGHDAD (Reuters) - "), and trailing boilerplate (comment policies, related links). Shared by
// every reader in ingest.cpp. Pure functions; thread-safe.
//
// Boilerplate markers are matched case-insensitively against trimmed lines:
//   `Marker`   a line starting with it starts the trailing boilerplate (see
//              find_trailing_boilerplate); a one-word marker such as `Comments` only matches a
//              short line, so "Comments by the minister drew criticism." is kept;
//   `*marker`  the same, but the marker may stand anywhere in the line ("*moderates all comments");
//   `=marker`  a line that is just this marker is dropped wherever it stands, and nothing after it
//              ("=Advertisement" between two paragraphs).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dates.h"

namespace incidex {

// `text` with every run of whitespace (ASCII, no-break and other Unicode spaces) and control
// characters made one space, zero-width spaces removed, and both ends trimmed.
std::string collapse_whitespace(std::string_view text);

// True for a line of running prose: at least 12 words ending a sentence, or at least 25 words.
bool is_prose(std::string_view line);

// One line of an article body; `new_paragraph` when it begins a paragraph.
struct BodyLine {
  std::string text;
  bool new_paragraph = true;
};

// Groups lines (whitespace collapsed; "" for a blank line) into body lines. A blank line ends a
// paragraph. Otherwise a line continues the one before (joined with a space) only when it does not
// look like its own paragraph: in hard-wrapped text (no line over 120 bytes) unless it is a list
// item or follows a short line that ends a sentence; in unwrapped text only when the line before
// ends mid-sentence and this one starts in lower case.
std::vector<BodyLine> split_body_lines(const std::vector<std::string>& lines);

// A dateline opening a paragraph: "ERBIL, Kurdistan Region - ", "BAGHDAD (Reuters) - ",
// "BEIRUT, Feb 16 (AFP) —", "WASHINGTON —", "(Reuters) - ", "NEW DELHI: ".
struct Dateline {
  std::string place;         // "ERBIL, Kurdistan Region"; empty for a bare "(Reuters) -"
  std::string source;        // the outlet in parentheses, if any
  std::string date_text;     // "Feb 16" when the dateline carries a date
  std::optional<Date> date;  // set only when date_text has a year
  std::size_t length = 0;    // bytes of the paragraph taken by the dateline and its separator
};

// The dateline at the start of `paragraph`, if it opens with one: a place in capitals (or any
// capitalised place followed by an outlet in parentheses), optional region, date and outlet, then a
// dash (or a colon after a place in capitals) and text that does not start in lower case.
std::optional<Dateline> find_dateline(std::string_view paragraph);

// Index of the first line of trailing boilerplate in `lines`, lines.size() when there is none: the
// first line after the first paragraph that matches a marker and either starts in the second half
// of the body (by bytes) or consists of the marker alone ("Comments", "RELATED ARTICLES").
std::size_t find_trailing_boilerplate(const std::vector<BodyLine>& lines,
                                      const std::vector<std::string>& markers);

// An article read from scraped text (or any body text).
struct TextPage {
  std::string title;
  std::vector<std::string> header_lines;  // what was dropped from above the article
  std::optional<Date> published;          // from the header, else from the dateline
  std::string published_text;
  std::string dateline;
  std::string dateline_source;
  std::vector<std::string> paragraphs;
};

struct TextPageOptions {
  bool title_line = true;   // the first line names the article (false for front matter, JSON)
  bool header_zone = true;  // look for a header above the first paragraph (false for JSON text)
  std::string_view title =
      {};  // the title when known from elsewhere: lines repeating it are dropped
  const std::vector<std::string>* markers = nullptr;  // boilerplate markers (none when null)
};

// Reads text as scraped from a news page. With `title_line`, the title is the first non-empty line
// (date lines, breadcrumbs and a section label such as "U.S. News" above it are skipped; a short
// " | Site" suffix is cut off into header_lines). The header zone runs to the first prose line: its
// lines go to header_lines and the best date among them (a date line or "Published: …" before
// "Updated …" before a date elsewhere) becomes `published`. The rest is the body, cleaned by
// finish_body.
TextPage read_text_page(std::string_view text, const TextPageOptions& options);

// Cleans body lines from any reader into page.paragraphs: drops lines repeating `title` and
// `=marker` lines, cuts trailing boilerplate, drops short attribution lines at the very end
// ("Source: Newsroom", "Reporting by …"), and moves an opening dateline out of the first paragraph
// into page.dateline / page.dateline_source (its date into page.published when that is empty).
void finish_body(std::vector<BodyLine> lines, std::string_view title,
                 const std::vector<std::string>& markers, TextPage& page);

}  // namespace incidex
