#include "ingest.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using incidex::article_id;
using incidex::Date;
using incidex::InputProblem;
using incidex::RawArticle;
using incidex::ReadOptions;

namespace {

fs::path fixture(const std::string& name) {
  return fs::path(INCIDEX_TEST_DATA_DIR) / "ingest" / name;
}

const ReadOptions& default_options() {
  static const ReadOptions options = [] {
    ReadOptions o;
    o.boilerplate_markers = incidex::load_boilerplate_markers(fs::path(INCIDEX_SOURCE_DIR) /
                                                              "data" / "boilerplate.txt");
    return o;
  }();
  return options;
}

struct Result {
  std::vector<RawArticle> articles;
  std::vector<InputProblem> problems;

  const RawArticle& only() const {
    REQUIRE(articles.size() == 1);
    return articles.front();
  }
  const InputProblem& only_problem() const {
    REQUIRE(problems.size() == 1);
    return problems.front();
  }
};

Result read(const fs::path& path, const ReadOptions& options = default_options()) {
  Result r;
  incidex::read_file(
      path, options, [&](RawArticle&& a) { r.articles.push_back(std::move(a)); },
      [&](InputProblem&& p) { r.problems.push_back(std::move(p)); });
  return r;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool has_header(const RawArticle& a, const std::string& line) {
  return std::find(a.header_lines.begin(), a.header_lines.end(), line) != a.header_lines.end();
}

// A fresh folder under the system's temp folder, removed again at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("incidex_ingest_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  fs::path write(const std::string& name, const std::string& bytes) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const std::string kProse =
    "Gunmen attacked a checkpoint on the highway before dawn on Friday, killing one policeman, "
    "officials said.";

}  // namespace

// ---- Plain text as scraped -----------------------------------------------------------------

TEST_CASE("reads a day-first date, an outlet line and an Erbil dateline from a scraped page") {
  const RawArticle a = read(fixture("ddmmyyyy_dateline_comments.txt")).only();
  CHECK(a.format == "text");
  CHECK(a.charset == "UTF-8");
  CHECK(a.title == "Drone strike hits supply convoy near Makhmour");
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2024, 3, 14));
  CHECK(a.published_text == "14-03-2024");
  CHECK(has_header(a, "The New Region"));
  CHECK(has_header(a, "A+ A-"));
  CHECK(a.dateline == "ERBIL, Kurdistan Region");
  CHECK(a.text.starts_with("An armed drone struck a convoy"));
  CHECK(a.text.ends_with("most of the fuel sold in the area."));
}

TEST_CASE("drops the comment policy after the article") {
  const RawArticle a = read(fixture("ddmmyyyy_dateline_comments.txt")).only();
  CHECK_FALSE(contains(a.text, "moderates"));
  CHECK_FALSE(contains(a.text, "Post a comment"));
  CHECK_FALSE(contains(a.text, "Required"));
  CHECK(std::count(a.text.begin(), a.text.end(), '\n') == 6);  // four paragraphs
}

TEST_CASE("reads a weekday date above the title and drops the breadcrumb and related links") {
  const RawArticle a = read(fixture("weekday_breadcrumb_related.txt")).only();
  CHECK(a.title == "Rocket fire reported near border crossing at Rabia");
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2024, 5, 5));
  CHECK(has_header(a, "HomeSecurityRocket fire reported near border crossing at Rabia"));
  CHECK(a.text.starts_with("Several rockets landed"));
  CHECK_FALSE(contains(a.text, "Border guards reinforced"));
  CHECK_FALSE(contains(a.text, "Most Popular"));
  CHECK_FALSE(contains(a.text, "Rocket fire reported near border crossing"));
}

TEST_CASE("keeps a standfirst, drops the editor line, the title repeat and the Newsroom credit") {
  const Result r = read(fixture("editor_standfirst_source.txt"));
  const RawArticle& a = r.only();
  CHECK(r.problems.empty());
  CHECK(a.title == "Militia denies role in attack on airport base");
  CHECK_FALSE(a.published);
  CHECK(has_header(a, "Editor : Deniz Kaya"));
  CHECK(has_header(a, "| Last update :"));
  CHECK(has_header(a, "Middle East |"));
  CHECK(a.text.starts_with("A statement attributed to an armed faction"));
  CHECK_FALSE(contains(a.text, "Militia denies role"));
  CHECK(a.text.ends_with("nobody was hurt."));
  CHECK_FALSE(contains(a.text, "Newsroom"));
  CHECK_FALSE(contains(a.text, "WARNING"));
}

TEST_CASE("skips a section label, takes the published ISO time and the agency of the dateline") {
  const RawArticle a = read(fixture("section_byline_iso.txt")).only();  // CRLF line ends
  CHECK(a.title == "Iraqi forces say they foiled attack on power station");
  CHECK(has_header(a, "World News"));
  CHECK(has_header(a, "By Sara Haddad"));
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2024, 4, 22));  // not the update on the 23rd
  CHECK(a.source == "Reuters");
  CHECK(a.dateline == "BAGHDAD");
  CHECK(a.text.starts_with("Iraqi security forces said on Monday"));
  CHECK(contains(a.text, "near the plant.\n\nThe statement did not say"));
  CHECK_FALSE(contains(a.text, "Back to top"));
  CHECK_FALSE(contains(a.text, "\r"));
}

TEST_CASE("cuts a site suffix off the title and dates the article by its dateline") {
  const RawArticle a = read(fixture("pipe_suffix_dateline_date.txt")).only();
  CHECK(a.title == "Clashes erupt in eastern Syria as tribal fighters advance");
  CHECK(has_header(a, "syria daily wire"));
  CHECK(a.dateline == "BEIRUT");
  CHECK(a.source == "AFP");
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2021, 2, 15));
  CHECK(a.text.starts_with("Fighting spread along"));
  CHECK_FALSE(contains(a.text, "Source link"));
  CHECK_FALSE(contains(a.text, "email address"));
}

TEST_CASE("joins hard-wrapped lines and removes a WASHINGTON dateline") {
  const RawArticle a = read(fixture("wrapped_washington.txt")).only();
  CHECK(a.dateline == "WASHINGTON");
  CHECK(a.text.starts_with(
      "The Pentagon said on Thursday it had ordered a review of air defences at"));
  CHECK(std::count(a.text.begin(), a.text.end(), '\n') == 4);  // three paragraphs
}

// ---- Front matter --------------------------------------------------------------------------

TEST_CASE("reads front matter fields and drops the repeated title from the body") {
  const Result r = read(fixture("frontmatter.md"));
  const RawArticle& a = r.only();
  CHECK(r.problems.empty());
  CHECK(a.format == "frontmatter");
  CHECK(a.title == "Shelling resumes near frontline town: officials");
  CHECK(a.source == "Kurdistan Observer");
  CHECK(a.url == "https://Example.ORG/news/shelling-resumes/#top");
  CHECK(a.id == "ko-2024-0117");
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2024, 1, 28));
  CHECK(a.text.starts_with("Artillery shells landed"));
  CHECK_FALSE(contains(a.text, "Related:"));
  CHECK_FALSE(contains(a.text, "Shelling resumes"));
}

TEST_CASE("warns about a front matter date it cannot read and keeps the article") {
  const Result r = read(fixture("frontmatter_bad_date.txt"));
  const RawArticle& a = r.only();
  const InputProblem& p = r.only_problem();
  CHECK_FALSE(p.skipped);
  CHECK(contains(p.message, "\"published\""));
  CHECK(contains(p.message, "sometime last week"));
  CHECK_FALSE(a.published);
  CHECK(a.title == "Ceasefire talks stall");
  CHECK(has_header(a, "By Omar Saleh"));
  CHECK(a.text.starts_with("Negotiators left the talks"));
}

// ---- JSON ----------------------------------------------------------------------------------

TEST_CASE("reads a JSON object with a numeric id and paragraphs given as an array") {
  const Result r = read(fixture("article.json"));
  const RawArticle& a = r.only();
  CHECK(r.problems.empty());
  CHECK(a.format == "json");
  CHECK(a.id == "4711");
  CHECK(article_id(a) == "4711");
  CHECK(a.source == "Example Wire");
  CHECK(a.dateline == "DEIR EZ-ZOR, Syria");
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2021, 2, 26));
  CHECK(a.text.starts_with("Unidentified aircraft struck"));
  CHECK(contains(a.text, "before dawn."));
  CHECK_FALSE(contains(a.text, "Read more"));
}

TEST_CASE("reads a JSON array, reporting the item without text and the date it cannot read") {
  const Result r = read(fixture("articles.json"));
  REQUIRE(r.articles.size() == 2);
  CHECK(r.articles[0].item == 1);
  CHECK(r.articles[1].item == 3);
  CHECK(r.articles[1].text.starts_with("The checkpoint on the northern highway"));
  CHECK_FALSE(r.articles[1].published);
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0].message == "array item 2: no article text");
  CHECK(r.problems[0].skipped);
  CHECK(contains(r.problems[1].message, "array item 3"));
  CHECK(contains(r.problems[1].message, "\"published\""));
  CHECK_FALSE(r.problems[1].skipped);
  CHECK(article_id(r.articles[0]) != article_id(r.articles[1]));
}

TEST_CASE("reports a malformed JSON line with its line number and keeps the rest") {
  const Result r = read(fixture("articles.jsonl"));
  REQUIRE(r.articles.size() == 2);
  CHECK(r.articles[0].id == "a1");
  CHECK(r.articles[0].line == 1);
  CHECK(r.articles[0].format == "jsonl");
  CHECK(r.articles[1].id == "a5");
  CHECK(r.articles[1].line == 5);
  REQUIRE(r.articles[1].published);
  CHECK(*r.articles[1].published == Date::ymd(2021, 2, 16));
  CHECK(r.articles[1].dateline == "HAMA, Syria");

  REQUIRE(r.problems.size() == 3);
  CHECK(r.problems[0].line == 2);
  CHECK(r.problems[0].message.starts_with("invalid JSON: "));
  CHECK(r.problems[1].line == 4);
  CHECK(r.problems[1].message == "no article text");
  CHECK(r.problems[2].line == 6);
  CHECK(r.problems[2].message == "not a JSON object");
}

TEST_CASE("skips JSON lines over the record limit or not in UTF-8, and ignores the file limit") {
  TempDir dir;
  const std::string good = R"({"id": "ok", "text": "A short but complete article body."})";
  const std::string big = R"({"id": "big", "text": ")" + std::string(300, 'x') + "\"}";
  const fs::path p =
      dir.write("feed.ndjson", good + "\n" + big + "\n\n{\"text\": \"caf\xE9\"}\r\n" + good);
  ReadOptions options = default_options();
  options.max_record_bytes = 200;
  options.max_file_bytes = 10;
  const Result r = read(p, options);
  REQUIRE(r.articles.size() == 2);
  CHECK(r.articles[1].line == 5);
  REQUIRE(r.problems.size() == 2);
  CHECK(r.problems[0].line == 2);
  CHECK(r.problems[0].message == "the line is 325 bytes, over the 200 bytes record limit");
  CHECK(r.problems[1].line == 4);
  CHECK(r.problems[1].message == "the line is not valid UTF-8");
}

TEST_CASE("reads a Unix timestamp as the date and falls back from a null text to the body") {
  TempDir dir;
  const Result r = read(dir.write(
      "stamp.json", R"({"published": 1613462400, "text": null, "body": "Short body text."})"));
  const RawArticle& a = r.only();
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2021, 2, 16));
  CHECK(a.text == "Short body text.");
}

TEST_CASE("reports a number too large for JSON as a bad line instead of failing the file") {
  TempDir dir;
  const Result r = read(
      dir.write("numbers.jsonl", "{\"text\": \"One.\", \"x\": 1e999}\n{\"text\": \"Two.\"}\n"));
  REQUIRE(r.articles.size() == 1);
  CHECK(r.only_problem().line == 1);
  CHECK(r.only_problem().message.starts_with("invalid JSON: "));
}

TEST_CASE("reports invalid JSON with the parser's message") {
  TempDir dir;
  const Result r = read(dir.write("broken.json", "{\"title\": \"Unfinished\",\n  \"text\": }"));
  CHECK(r.articles.empty());
  CHECK(r.only_problem().message.starts_with("invalid JSON: parse error at line 2"));
}

TEST_CASE("reads a .json file that holds JSON Lines line by line") {
  TempDir dir;
  const Result r = read(
      dir.write("lines.json", "{\"text\": \"First article.\"}\n{\"text\": \"Second article.\"}\n"));
  REQUIRE(r.articles.size() == 2);
  CHECK(r.articles[1].line == 2);
}

// ---- HTML ----------------------------------------------------------------------------------

TEST_CASE("reads an HTML page without its menus, scripts, asides, footer and trailing copyright") {
  const Result r = read(fixture("page.html"));
  const RawArticle& a = r.only();
  CHECK(r.problems.empty());
  CHECK(a.format == "html");
  CHECK(a.title == "Gunmen attack checkpoint in Diyala");
  CHECK(a.source == "Tigris Courier");  // og:site_name, not the dateline's outlet
  CHECK(a.url == "https://www.tigris-courier.example/news/diyala-checkpoint-attack");
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2023, 11, 3));
  CHECK(a.dateline == "BAQUBA, Iraq");
  CHECK(a.text.starts_with("Gunmen opened fire"));
  CHECK(contains(a.text, "security chiefs for Friday morning."));
  for (const char* noise : {"Advertisement", "Copyright", "Home", "Great article", "Subscribe"}) {
    CAPTURE(noise);
    CHECK_FALSE(contains(a.text, noise));
  }
}

TEST_CASE("warns about an HTML date field that does not parse") {
  TempDir dir;
  const Result r = read(dir.write("page.htm",
                                  "<html><head><meta name=\"pubdate\" content=\"soon\"></head>"
                                  "<body><p>" +
                                      kProse + "</p></body></html>"));
  r.only();
  CHECK_FALSE(r.only_problem().skipped);
  CHECK(contains(r.only_problem().message, "\"pubdate\""));
}

TEST_CASE("converts an HTML page in the charset it declares") {
  TempDir dir;
  const Result r = read(dir.write("arabic.html",
                                  "<html><head><meta charset=\"windows-1256\"></head><body><p>"
                                  "\xC7\xE1\xDA\xD1\xC7\xDE</p></body></html>"));
  CHECK(r.only().charset == "windows-1256");
  CHECK(r.only().text == "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA7\xD9\x82");
}

// ---- Sniffing, character sets and bad files --------------------------------------------------

TEST_CASE("sniffs JSON and HTML in files without a known extension") {
  TempDir dir;
  CHECK(read(dir.write("record", "  {\"text\": \"" + kProse + "\"}")).only().format == "json");
  CHECK(
      read(dir.write("page.dat", "<!DOCTYPE html><html><body><p>" + kProse + "</p></body></html>"))
          .only()
          .format == "html");
  CHECK(read(dir.write("saved.txt", "<html><body><p>" + kProse + "</p></body></html>"))
            .only()
            .format == "html");
  CHECK(read(dir.write("notes", "A title line\n\n" + kProse)).only().format == "text");
}

TEST_CASE("converts a windows-1252 file to UTF-8") {
  const RawArticle a = read(fixture("windows1252.txt")).only();
  CHECK(a.charset == "windows-1252");
  CHECK(contains(a.text, "\xE2\x80\x9CWe had nothing left.\xE2\x80\x9D"));
  CHECK(contains(a.text, "old caf\xC3\xA9 on"));
  REQUIRE(a.published);
  CHECK(*a.published == Date::ymd(2023, 6, 12));
}

TEST_CASE("converts a UTF-16 file with a byte-order mark") {
  const RawArticle a = read(fixture("utf16.txt")).only();
  CHECK(a.charset == "UTF-16LE");
  CHECK(a.title == "Roadside bomb kills two near Kirkuk");
  CHECK(contains(a.text,
                 "\xD9\x83\xD8\xB1\xD9\x83\xD9\x88\xD9\x83 in Arabic and Kerk\xC3\xBB"
                 "k"));
}

TEST_CASE("skips an empty file") {
  const Result r = read(fixture("empty.txt"));
  CHECK(r.articles.empty());
  CHECK(r.only_problem().message == "empty file");
  CHECK(r.only_problem().skipped);
  CHECK(r.only_problem().line == 0);
}

TEST_CASE("skips a binary file") {
  const Result r = read(fixture("binary.txt"));
  CHECK(r.articles.empty());
  CHECK(r.only_problem().message == "binary file (not text)");
}

TEST_CASE("skips a file over the size limit, naming both sizes") {
  TempDir dir;
  const fs::path p = dir.write("huge.txt", "Title\n\n" + std::string(3 * 1024 + 100, 'a'));
  ReadOptions options;
  options.max_file_bytes = 2048;
  const Result r = read(p, options);
  CHECK(r.articles.empty());
  CHECK(r.only_problem().message == "file is 3.1 KiB, over the 2 KiB limit");
}

TEST_CASE("skips text whose character set cannot be detected") {
  TempDir dir;
  const Result r = read(dir.write("odd.txt", "\xFF"));
  CHECK(r.only_problem().message == "not valid UTF-8 and the character set could not be detected");
}

TEST_CASE("reports a path that cannot be read") {
  Result r = read(fixture("no-such-file.txt"));
  CHECK(r.articles.empty());
  CHECK(r.only_problem().message == "cannot read: No such file or directory");
  r = read(fs::path(INCIDEX_TEST_DATA_DIR));
  CHECK(r.only_problem().message == "cannot read: Is a directory");
}

TEST_CASE("reports a file with no article text") {
  TempDir dir;
  const Result r = read(dir.write("blank.txt", "   \n\n\t\n"));
  CHECK(r.only_problem().message == "no article text");
}

// ---- Ids -----------------------------------------------------------------------------------

TEST_CASE("uses the input's own id, hashing one that is too long or has control characters") {
  RawArticle a;
  a.id = "rudaw-2023-12-29-1";
  a.url = "https://example.com/x";
  CHECK(article_id(a) == "rudaw-2023-12-29-1");
  a.id = std::string(200, 'x');
  const std::string hashed = article_id(a);
  CHECK(hashed.size() == 17);
  CHECK(hashed[0] == 'i');
  a.id = "bad\nid";
  CHECK(article_id(a).size() == 17);
}

TEST_CASE("derives the same id from equivalent urls") {
  RawArticle a, b;
  a.url = "  HTTPS://WWW.Example.COM/News/Story-1/#comments ";
  b.url = "https://www.example.com/News/Story-1";
  CHECK(article_id(a) == article_id(b));
  CHECK(article_id(a).starts_with("u"));
  CHECK(article_id(a).size() == 17);
  b.url = "https://www.example.com/news/story-1";  // the path keeps its case
  CHECK(article_id(a) != article_id(b));
}

TEST_CASE("derives an id from the file's absolute path and line") {
  TempDir dir;
  RawArticle a;
  a.path = (dir.path() / "sub" / ".." / "a.jsonl").string();
  RawArticle b;
  b.path = (dir.path() / "a.jsonl").string();
  CHECK(article_id(a) == article_id(b));
  CHECK(article_id(a).starts_with("f"));
  b.line = 3;
  CHECK(article_id(a) != article_id(b));
  a.line = 3;
  CHECK(article_id(a) == article_id(b));
}

// ---- Listing inputs and markers -------------------------------------------------------------

TEST_CASE("lists readable files of folders recursively in sorted order, without hidden ones") {
  TempDir dir;
  dir.write("b.txt", "x");
  dir.write("a/z.jsonl", "x");
  dir.write("a/y.HTML", "x");
  dir.write("notes.pdf", "x");
  dir.write(".hidden.txt", "x");
  dir.write(".git/c.txt", "x");
  const fs::path odd = dir.write("explicit.dat", "x");
  std::vector<InputProblem> problems;
  const auto files =
      incidex::list_inputs({dir.path(), odd, dir.path() / "missing"},
                           [&](InputProblem&& p) { problems.push_back(std::move(p)); });
  REQUIRE(files.size() == 4);
  CHECK(files[0] == dir.path() / "a" / "y.HTML");
  CHECK(files[1] == dir.path() / "a" / "z.jsonl");
  CHECK(files[2] == dir.path() / "b.txt");
  CHECK(files[3] == odd);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == (dir.path() / "missing").string());
  CHECK(problems[0].message == "cannot read: No such file or directory");
}

TEST_CASE("loads boilerplate markers without comments and blank lines") {
  TempDir dir;
  const auto markers = incidex::load_boilerplate_markers(
      dir.write("markers.txt", "# comment\n\nSource link\r\n  Leave a Reply  \n=Advertisement\n"));
  CHECK(markers == std::vector<std::string>{"Source link", "Leave a Reply", "=Advertisement"});
  CHECK_THROWS_WITH_AS(incidex::load_boilerplate_markers(dir.path() / "none.txt"),
                       doctest::Contains("none.txt"), std::runtime_error);
}

TEST_CASE("ships at least forty default boilerplate markers") {
  CHECK(default_options().boilerplate_markers.size() >= 40);
}
