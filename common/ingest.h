// Reading articles from files as they come: plain text as scraped from news sites, the same text
// with a front-matter header, JSON / JSON Lines, and HTML pages. Readers clean what sites add
// around an article (menus, bylines, "Last update :", comment policies, related links) so that only
// the article is indexed, and report every input they skip with the file and line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dates.h"

namespace incidex {

// One article as read from its file, before analysis.
struct RawArticle {
  std::string id;        // the input's own id (JSON `id`); empty when it has none
  std::string url;
  std::string title;
  std::string source;    // outlet as named by the input (front matter, JSON, og:site_name, "(Reuters)")
  std::string text;      // the article body: paragraphs separated by "\n\n", no boilerplate
  std::optional<Date> published;  // publication date when the input states one
  std::string published_text;     // the text the publication date was read from
  std::string dateline;           // "ERBIL, Kurdistan Region" when the body opens with one
  std::vector<std::string> header_lines;  // lines dropped from the top of a scraped text page
  std::string path;      // the file, as given
  std::size_t line = 0;  // 1-based line of a JSON Lines record; 0 for whole files
  std::size_t item = 0;  // 1-based position in a JSON array file; 0 otherwise (keeps ids apart)
  std::string format;    // "text", "frontmatter", "json", "jsonl" or "html"
  std::string charset;   // the charset the file was converted from ("UTF-8" when it was UTF-8)
};

// An input that was skipped, or a warning about one that was read.
struct InputProblem {
  std::string path;
  std::size_t line = 0;  // 0 when the problem is with the whole file
  std::string message;
  bool skipped = true;   // false for a warning about an article that was still read
};

struct ReadOptions {
  std::size_t max_file_bytes = 32u << 20;   // larger text/JSON/HTML files are skipped
  std::size_t max_record_bytes = 8u << 20;  // larger JSON Lines records are skipped
  // Case-insensitive line prefixes that start trailing boilerplate ("Source link",
  // "RELATED ARTICLES", "Leave a Reply"); everything from such a line on is dropped.
  // `*text` matches anywhere in a line; `=text` drops only a line that is just that text
  // ("=Advertisement"). See text_page.h for when a marker counts.
  std::vector<std::string> boilerplate_markers;
};

// Reads the boilerplate markers file: one marker per line, `#` comments and blank lines ignored.
// Throws std::runtime_error naming the file when it cannot be read.
std::vector<std::string> load_boilerplate_markers(const std::filesystem::path& file);

using ArticleSink = std::function<void(RawArticle&&)>;
using ProblemSink = std::function<void(InputProblem&&)>;

// Expands files and folders (recursively, in sorted order) into the files to read. Hidden files,
// and files whose extension is not .txt, .text, .md, .json, .jsonl, .ndjson, .html or .htm, are
// left out of folders (a file named explicitly is always read); links to folders inside folders are
// not followed. Unreadable paths are reported.
std::vector<std::filesystem::path> list_inputs(const std::vector<std::filesystem::path>& paths,
                                               const ProblemSink& problems);

// Reads one file, choosing the reader by extension and content, and calls `articles` once per
// article (many times for JSON Lines or a JSON array). Never throws for bad input: empty, binary,
// oversized, undecodable or malformed inputs are reported to `problems` and skipped; one bad JSON
// line does not stop the rest of the file. Non-UTF-8 files are detected and converted.
void read_file(const std::filesystem::path& path, const ReadOptions& options,
               const ArticleSink& articles, const ProblemSink& problems);

// The article's stable id: its own id when given; otherwise derived from its url, or else from
// its file's absolute path (and line), so that re-reading the same input gives the same id.
std::string article_id(const RawArticle& article);

}  // namespace incidex
