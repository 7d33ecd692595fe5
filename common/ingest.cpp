#include "ingest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "charset.h"
#include "html.h"
#include "text_page.h"

namespace incidex {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

enum class Format { text, json, jsonl, html, unknown };

constexpr std::array<std::string_view, 8> kExtensions = {".txt",   ".text",   ".md",   ".json",
                                                         ".jsonl", ".ndjson", ".html", ".htm"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Format format_by_extension(const fs::path& path) {
  const std::string ext = lower(path.extension().string());
  if (ext == ".txt" || ext == ".text" || ext == ".md") return Format::text;
  if (ext == ".json") return Format::json;
  if (ext == ".jsonl" || ext == ".ndjson") return Format::jsonl;
  if (ext == ".html" || ext == ".htm") return Format::html;
  return Format::unknown;
}

bool looks_like_html(std::string_view text) {
  const std::string head = lower(trim(text.substr(0, 512)));
  return head.starts_with("<!doctype html") || head.starts_with("<html");
}

// "900 bytes", "1.5 KiB", "32 MiB", "40.2 MiB".
std::string size_text(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  double v = static_cast<double>(bytes) / 1024;
  const char* unit = "KiB";
  for (const char* next : {"MiB", "GiB"}) {
    if (v < 1024) break;
    v /= 1024;
    unit = next;
  }
  return v == static_cast<double>(static_cast<std::uint64_t>(v))
             ? fmt::format("{:.0f} {}", v, unit)
             : fmt::format("{:.1f} {}", v, unit);
}

// At most 80 bytes of `s` for quoting in a message, not cutting a UTF-8 sequence.
std::string_view clip(std::string_view s) {
  if (s.size() <= 80) return s;
  std::size_t n = 80;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string hashed_id(char kind, std::string_view key) {
  return fmt::format("{}{:016x}", kind, fnv1a64(key));
}

// Trimmed, scheme and host in lower case, without fragment or trailing slash.
std::string normalize_url(std::string_view url) {
  url = trim(url);
  if (const std::size_t hash = url.find('#'); hash != std::string_view::npos)
    url = url.substr(0, hash);
  std::string out(url);
  if (const std::size_t scheme = out.find("://"); scheme != std::string::npos) {
    const std::size_t host_end = out.find_first_of("/?", scheme + 3);
    const std::size_t end = host_end == std::string::npos ? out.size() : host_end;
    for (std::size_t i = 0; i < end; ++i) {
      out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
    }
  }
  if (out.ends_with('/')) out.pop_back();
  return out;
}

std::string join_paragraphs(const std::vector<std::string>& paragraphs) {
  std::string text;
  for (const std::string& p : paragraphs) {
    if (!text.empty()) text += "\n\n";
    text += p;
  }
  return text;
}

// The front-matter block of `text`: `---`, `key: value` lines, `---`. nullopt when there is none.
struct FrontMatter {
  std::map<std::string, std::string> fields;  // lower-case keys
  std::string_view body;
};

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string out;
    v = v.substr(1, v.size() - 2);
    for (std::size_t i = 0; i < v.size(); ++i) {
      out += v[i];
      if (v[i] == '\'' && i + 1 < v.size() && v[i + 1] == '\'') ++i;  // '' is a quote
    }
    return out;
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    v = v.substr(1, v.size() - 2);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) {
        const char e = v[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += v[i];
      }
    }
    return out;
  }
  return std::string(v);
}

std::optional<FrontMatter> split_front_matter(std::string_view text) {
  auto next_line = [&](std::size_t& pos) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    return line;
  };
  std::size_t pos = 0;
  std::string_view first = next_line(pos);
  while (first.ends_with(' ')) first.remove_suffix(1);
  if (first != "---") return std::nullopt;
  FrontMatter fm;
  for (int count = 0; pos <= text.size() && count < 200; ++count) {
    const std::string_view raw = next_line(pos);
    const std::string_view line = trim(raw);
    if (line == "---" || line == "...") {
      fm.body = pos <= text.size() ? text.substr(pos) : std::string_view();
      return fm;
    }
    if (line.empty() || line.starts_with('#') || raw.starts_with(' ') || raw.starts_with('\t') ||
        line.starts_with("- ")) {
      continue;  // comments, nested values and list items are not read
    }
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(line.substr(0, colon));
    const bool key_ok = std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!key_ok) return std::nullopt;
    fm.fields.emplace(lower(key), unquote(trim(line.substr(colon + 1))));
  }
  return std::nullopt;
}

// Reads one file and reports to the sinks.
class FileReader {
 public:
  FileReader(const fs::path& path, const ReadOptions& options, const ArticleSink& articles,
             const ProblemSink& problems)
      : path_(path), options_(options), articles_(articles), problems_(problems) {}

  void read();

 private:
  void problem(std::size_t line, std::string message, bool skipped = true) {
    problems_(InputProblem{path_.string(), line, std::move(message), skipped});
  }
  RawArticle base(std::string format) const {
    RawArticle a;
    a.path = path_.string();
    a.format = std::move(format);
    a.charset = charset_;
    return a;
  }
  void emit(RawArticle&& a, std::string_view where);
  void set_published(RawArticle& a, std::string_view field, std::string_view value,
                     std::string_view where);

  void read_text(std::string_view text);
  void read_front_matter(const FrontMatter& fm);
  void read_html(std::string_view text);
  void read_json(std::string_view text);
  void read_record(const json& j, RawArticle a, std::string_view where);
  void read_jsonl_line(std::string_view line, std::size_t number);
  void read_jsonl_stream();

  const fs::path& path_;
  const ReadOptions& options_;
  const ArticleSink& articles_;
  const ProblemSink& problems_;
  std::string charset_ = "UTF-8";
};

void FileReader::emit(RawArticle&& a, std::string_view where) {
  if (trim(a.text).empty()) {
    problem(a.line, fmt::format("{}no article text", where));
    return;
  }
  articles_(std::move(a));
}

void FileReader::set_published(RawArticle& a, std::string_view field, std::string_view value,
                               std::string_view where) {
  if (auto d = parse_date(value)) {
    a.published = d;
    a.published_text = std::string(trim(value));
  } else {
    a.published.reset();
    a.published_text.clear();
    problem(a.line,
            fmt::format("{}the \"{}\" field (\"{}\") is not a date, so the publication date is "
                        "left empty",
                        where, field, clip(trim(value))),
            false);
  }
}

void FileReader::read_text(std::string_view text) {
  RawArticle a = base("text");
  TextPage page = read_text_page(text, {.markers = &options_.boilerplate_markers});
  a.title = std::move(page.title);
  a.header_lines = std::move(page.header_lines);
  a.published = page.published;
  a.published_text = std::move(page.published_text);
  a.dateline = std::move(page.dateline);
  a.source = std::move(page.dateline_source);
  a.text = join_paragraphs(page.paragraphs);
  emit(std::move(a), "");
}

void FileReader::read_front_matter(const FrontMatter& fm) {
  RawArticle a = base("frontmatter");
  auto field = [&](std::string_view key) {
    const auto it = fm.fields.find(std::string(key));
    return it == fm.fields.end() ? std::string() : std::string(trim(it->second));
  };
  a.title = field("title");
  a.source = field("source");
  a.url = field("url");
  a.id = field("id");
  TextPage page = read_text_page(
      fm.body,
      {.title_line = a.title.empty(), .title = a.title, .markers = &options_.boilerplate_markers});
  if (a.title.empty()) a.title = std::move(page.title);
  a.header_lines = std::move(page.header_lines);
  a.dateline = std::move(page.dateline);
  if (a.source.empty()) a.source = std::move(page.dateline_source);
  a.text = join_paragraphs(page.paragraphs);
  a.published = page.published;
  a.published_text = std::move(page.published_text);
  for (std::string_view key : {"published", "date", "published_at"}) {
    if (std::string v = field(key); !v.empty()) {
      set_published(a, key, v, "");
      break;
    }
  }
  emit(std::move(a), "");
}

void FileReader::read_html(std::string_view text) {
  RawArticle a = base("html");
  HtmlPage html = extract_html(text);
  a.title = std::move(html.title);
  a.source = std::move(html.source);
  a.url = std::move(html.url);
  TextPage page;
  page.published = html.published;
  page.published_text = html.published_text;
  std::vector<BodyLine> lines;
  for (std::string& p : html.paragraphs) lines.push_back({std::move(p), true});
  finish_body(std::move(lines), a.title, options_.boilerplate_markers, page);
  a.text = join_paragraphs(page.paragraphs);
  a.dateline = std::move(page.dateline);
  if (a.source.empty()) a.source = std::move(page.dateline_source);
  a.published = page.published;
  a.published_text = page.published ? std::move(page.published_text) : std::string();
  if (!html.published && !html.published_field.empty()) {
    problem(0,
            fmt::format("the \"{}\" date (\"{}\") is not a date, so the publication date is left "
                        "empty",
                        html.published_field, clip(html.published_text)),
            false);
  }
  emit(std::move(a), "");
}

void FileReader::read_record(const json& j, RawArticle a, std::string_view where) {
  if (!j.is_object()) {
    problem(a.line, fmt::format("{}not a JSON object", where));
    return;
  }
  auto string_field = [&](std::string_view key) -> std::string {
    const auto it = j.find(std::string(key));
    if (it == j.end() || it->is_null()) return {};
    if (it->is_string()) return std::string(trim(it->get<std::string>()));
    problem(a.line, fmt::format("{}the \"{}\" field is not a string and was ignored", where, key),
            false);
    return {};
  };
  if (const auto id = j.find("id"); id != j.end() && id->is_number()) {
    a.id = id->dump();
  } else {
    a.id = string_field("id");
  }
  a.url = string_field("url");
  a.title = string_field("title");
  a.source = string_field("source");

  std::string text;
  const auto has = [&](const char* key) { return j.contains(key) && !j[key].is_null(); };
  const char* text_key = has("text") || !has("body") ? "text" : "body";
  if (const auto t = j.find(text_key); t != j.end() && !t->is_null()) {
    if (t->is_string()) {
      text = t->get<std::string>();
    } else if (t->is_array() &&
               std::all_of(t->begin(), t->end(), [](const json& p) { return p.is_string(); })) {
      for (const json& p : *t) text += p.get<std::string>() + "\n\n";
    } else {
      problem(a.line, fmt::format("{}the \"{}\" field is neither a string nor an array of strings",
                                  where, text_key));
      return;
    }
  }
  TextPage page = read_text_page(text, {.title_line = false,
                                        .header_zone = false,
                                        .title = a.title,
                                        .markers = &options_.boilerplate_markers});
  a.text = join_paragraphs(page.paragraphs);
  a.dateline = std::move(page.dateline);
  if (a.source.empty()) a.source = std::move(page.dateline_source);
  a.published = page.published;
  a.published_text = std::move(page.published_text);
  for (std::string_view key : {"published", "date", "published_at"}) {
    const auto it = j.find(std::string(key));
    if (it == j.end() || it->is_null() ||
        (it->is_string() && trim(it->get<std::string>()).empty())) {
      continue;
    }
    if (it->is_string()) {
      set_published(a, key, it->get<std::string>(), where);
    } else if (it->is_number() && std::abs(it->get<double>()) < 1e14) {
      double t = it->get<double>();  // seconds (or milliseconds) since 1970
      if (t > 1e11) t /= 1000;
      a.published = Date::from_days(static_cast<long>(std::floor(t / 86400)));
      a.published_text = it->dump();
    } else {
      set_published(a, key, it->dump(), where);
    }
    break;
  }
  emit(std::move(a), where);
}

// nlohmann's message without its "[json.exception…] " tag; `line 1, ` dropped for one-line input.
std::string json_error(const json::exception& e, bool one_line) {
  std::string msg = e.what();
  if (msg.starts_with('[')) {
    if (const std::size_t close = msg.find("] "); close != std::string::npos)
      msg.erase(0, close + 2);
  }
  if (one_line) {
    if (const std::size_t p = msg.find("line 1, "); p != std::string::npos) msg.erase(p, 8);
  }
  return msg;
}

void FileReader::read_json(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    // A JSON Lines file named .json: several lines that each hold an object.
    const std::size_t nl = text.find('\n');
    if (nl != std::string_view::npos && trim(text.substr(nl)).starts_with('{')) {
      const auto first = json::parse(text.substr(0, nl), nullptr, false);
      if (first.is_object()) {
        std::size_t number = 1;
        for (std::size_t pos = 0; pos < text.size(); ++number) {
          const std::size_t end = std::min(text.find('\n', pos), text.size());
          read_jsonl_line(text.substr(pos, end - pos), number);
          pos = end + 1;
        }
        return;
      }
    }
    problem(0, "invalid JSON: " + json_error(e, false));
    return;
  }
  if (j.is_object()) {
    read_record(j, base("json"), "");
  } else if (j.is_array()) {
    if (j.empty()) problem(0, "the JSON array holds no articles");
    for (std::size_t i = 0; i < j.size(); ++i) {
      RawArticle a = base("json");
      a.item = i + 1;
      read_record(j[i], std::move(a), fmt::format("array item {}: ", i + 1));
    }
  } else {
    problem(0, "the JSON holds neither an object nor an array of objects");
  }
}

void FileReader::read_jsonl_line(std::string_view line, std::size_t number) {
  if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (trim(line).empty()) return;
  if (!is_valid_utf8(line)) {
    problem(number, "the line is not valid UTF-8");
    return;
  }
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    problem(number, "invalid JSON: " + json_error(e, true));
    return;
  }
  RawArticle a = base("jsonl");
  a.line = number;
  read_record(j, std::move(a), "");
}

// Streams a JSON Lines file: only one line (at most max_record_bytes of it) is held at a time.
void FileReader::read_jsonl_stream() {
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path_.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
    return;
  }
  std::string line;
  std::size_t line_bytes = 0, number = 1;
  std::uint64_t total = 0;
  auto finish_line = [&] {
    if (line_bytes > options_.max_record_bytes) {
      problem(number, fmt::format("the line is {}, over the {} record limit", size_text(line_bytes),
                                  size_text(options_.max_record_bytes)));
    } else {
      read_jsonl_line(line, number);
    }
    line.clear();
    line_bytes = 0;
    ++number;
  };
  std::vector<char> buffer(1 << 16);
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0;) {
    std::string_view chunk(buffer.data(), n);
    if (total == 0) {
      if (chunk.starts_with("\xFF\xFE") || chunk.starts_with("\xFE\xFF")) {
        problem(0, "the JSON Lines file is UTF-16; only UTF-8 JSON Lines are read");
        return;
      }
      if (looks_binary(chunk)) {
        problem(0, "binary file (not text)");
        return;
      }
    }
    total += n;
    while (!chunk.empty()) {
      const std::size_t nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl);
      line_bytes += part.size();
      if (line_bytes <= options_.max_record_bytes) line.append(part);
      if (nl == std::string_view::npos) break;
      finish_line();
      chunk.remove_prefix(nl + 1);
    }
  }
  if (std::ferror(file.get())) {
    problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
    return;
  }
  if (line_bytes > 0) finish_line();
  if (total == 0) problem(0, "empty file");
}

void FileReader::read() {
  Format format = format_by_extension(path_);
  if (format == Format::jsonl) {
    read_jsonl_stream();
    return;
  }
  std::error_code ec;
  const std::uint64_t size = fs::is_regular_file(path_, ec) ? fs::file_size(path_, ec) : 0;
  if (size > options_.max_file_bytes) {
    problem(0, fmt::format("file is {}, over the {} limit", size_text(size),
                           size_text(options_.max_file_bytes)));
    return;
  }
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path_.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
    return;
  }
  std::string bytes;
  std::vector<char> buffer(1 << 16);
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0;) {
    bytes.append(buffer.data(), n);
    if (bytes.size() > options_.max_file_bytes) {
      problem(0, fmt::format("file is over the {} limit", size_text(options_.max_file_bytes)));
      return;
    }
  }
  if (std::ferror(file.get())) {
    problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
    return;
  }
  if (bytes.empty()) {
    problem(0, "empty file");
    return;
  }
  if (looks_binary(bytes)) {
    problem(0, "binary file (not text)");
    return;
  }

  std::optional<std::string> text;
  const bool html_like =
      format == Format::html || (format != Format::json && looks_like_html(bytes));
  if (html_like && !is_valid_utf8(bytes)) {  // trust the page's own <meta charset> first
    std::string declared = declared_charset(bytes);
    if (declared == "iso-8859-1" || declared == "latin1" || declared == "us-ascii")
      declared = "windows-1252";
    if (!declared.empty() && declared != "utf-8" && (text = convert_to_utf8(bytes, declared))) {
      charset_ = declared;
    }
  }
  if (!text) text = to_utf8(bytes, &charset_);
  if (!text) {
    problem(0, "not valid UTF-8 and the character set could not be detected");
    return;
  }

  const std::string_view content = *text;
  const std::string_view head = trim(content.substr(0, 64));
  if (format == Format::unknown) {
    format = head.starts_with('{') || head.starts_with('[') ? Format::json
             : looks_like_html(content)                     ? Format::html
                                                            : Format::text;
  } else if (format == Format::text && looks_like_html(content)) {
    format = Format::html;
  }
  if (format == Format::text) {
    if (auto fm = split_front_matter(content)) {
      read_front_matter(*fm);
      return;
    }
  }
  switch (format) {
    case Format::html:
      read_html(content);
      break;
    case Format::json:
      read_json(content);
      break;
    default:
      read_text(content);
      break;
  }
}

}  // namespace

std::vector<std::string> load_boilerplate_markers(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error(fmt::format("cannot read the boilerplate markers file {}: {}",
                                         file.string(), std::strerror(errno)));
  }
  std::vector<std::string> markers;
  for (std::string line; std::getline(in, line);) {
    const std::string_view m = trim(line);
    if (!m.empty() && !m.starts_with('#')) markers.emplace_back(m);
  }
  if (in.bad())
    throw std::runtime_error("cannot read the boilerplate markers file " + file.string());
  return markers;
}

std::vector<fs::path> list_inputs(const std::vector<fs::path>& paths, const ProblemSink& problems) {
  std::vector<fs::path> files;
  auto report = [&](const fs::path& p, const std::error_code& ec) {
    problems(InputProblem{p.string(), 0, "cannot read: " + ec.message(), true});
  };
  // Folders: hidden entries skipped, symlinked folders not followed (no loops).
  auto walk = [&](auto&& self, const fs::path& dir) -> void {
    std::error_code ec;
    std::vector<fs::path> entries;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) entries.push_back(it->path());
    if (ec) {
      report(dir, ec);
      return;
    }
    std::sort(entries.begin(), entries.end());
    for (const fs::path& e : entries) {
      if (e.filename().string().starts_with('.')) continue;
      std::error_code sec;
      if (fs::is_directory(fs::symlink_status(e, sec))) {
        self(self, e);
      } else if (fs::is_regular_file(fs::status(e, sec))) {
        const std::string ext = lower(e.extension().string());
        if (std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end())
          files.push_back(e);
      }
    }
  };
  for (const fs::path& p : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found || (ec && !fs::exists(st))) {
      report(p, ec ? ec : std::make_error_code(std::errc::no_such_file_or_directory));
    } else if (fs::is_directory(st)) {
      walk(walk, p);
    } else {
      files.push_back(p);
    }
  }
  return files;
}

void read_file(const fs::path& path, const ReadOptions& options, const ArticleSink& articles,
               const ProblemSink& problems) {
  FileReader(path, options, articles, problems).read();
}

std::string article_id(const RawArticle& article) {
  if (!article.id.empty()) {
    const bool plain =
        article.id.size() <= 128 && std::none_of(article.id.begin(), article.id.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
        });
    return plain ? article.id : hashed_id('i', article.id);
  }
  if (const std::string url = normalize_url(article.url); !url.empty()) return hashed_id('u', url);
  std::error_code ec;
  fs::path p = fs::absolute(article.path, ec);
  if (!ec) {
    fs::path canonical = fs::weakly_canonical(p, ec);
    if (!ec) p = std::move(canonical);
  }
  std::string key = p.string();
  if (article.line > 0) key += "#" + std::to_string(article.line);
  if (article.item > 0) key += "@" + std::to_string(article.item);
  return hashed_id('f', key);
}

}  // namespace incidex
