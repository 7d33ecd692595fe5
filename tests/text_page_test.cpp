#include "text_page.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using incidex::BodyLine;
using incidex::collapse_whitespace;
using incidex::Date;
using incidex::find_dateline;
using incidex::find_trailing_boilerplate;
using incidex::finish_body;
using incidex::is_prose;
using incidex::read_text_page;
using incidex::split_body_lines;
using incidex::TextPage;
using incidex::TextPageOptions;

namespace {

const std::vector<std::string> kMarkers = {"Comments", "RELATED ARTICLES", "Read more",
                                           "*moderates all comments", "=Advertisement"};

std::vector<BodyLine> paragraphs(std::vector<std::string> texts) {
  std::vector<BodyLine> lines;
  for (std::string& t : texts) lines.push_back({std::move(t), true});
  return lines;
}

const std::string kLong1 =
    "Rockets struck near the airport late on Monday, officials said, and the runway was closed "
    "for several hours while engineers checked it.";
const std::string kLong2 =
    "A spokesman for the provincial government said nobody was hurt and that flights would resume "
    "on Tuesday morning.";

}  // namespace

TEST_CASE("collapses every kind of space and drops zero-width ones") {
  CHECK(collapse_whitespace("  a\t\tb\xC2\xA0\xC2\xA0"
                            "c\xE2\x80\x8B"
                            "d \xE2\x80\xAF"
                            "e\n") == "a b cd e");
  CHECK(collapse_whitespace("\x01\x02") == "");
}

TEST_CASE("tells prose from headers") {
  CHECK(is_prose(kLong1));
  CHECK_FALSE(is_prose("Pro-government forces retake village near the river"));
  CHECK_FALSE(is_prose("Editor : Jane Doe"));
}

TEST_CASE("starts a paragraph at each unwrapped line unless it continues a sentence") {
  const auto lines =
      split_body_lines({kLong1, kLong2, "", "He said the attack", "was the third this month."});
  REQUIRE(lines.size() == 4);
  CHECK(lines[1].new_paragraph);
  CHECK(lines[2].new_paragraph);
  CHECK_FALSE(lines[3].new_paragraph);
}

TEST_CASE("joins hard-wrapped lines into one paragraph") {
  const std::vector<std::string> text = {
      "The Pentagon said on Thursday it had ordered a review of air defences at",
      "bases in the region after a series of drone attacks on its troops there.",
      "",
      "The review will look at how quickly incoming drones are detected and how",
      "many more short-range interceptors the bases would need, she said, and",
      "- a list item stands alone"};
  const auto lines = split_body_lines(text);
  REQUIRE(lines.size() == 5);  // the blank line only marks a break
  CHECK_FALSE(lines[1].new_paragraph);
  CHECK(lines[2].new_paragraph);
  CHECK_FALSE(lines[3].new_paragraph);
  CHECK(lines[4].new_paragraph);
}

TEST_CASE("recognises datelines in the usual agency styles") {
  auto d = find_dateline("ERBIL, Kurdistan Region - A drone struck a convoy.");
  REQUIRE(d);
  CHECK(d->place == "ERBIL, Kurdistan Region");
  CHECK(d->source.empty());
  CHECK(std::string("ERBIL, Kurdistan Region - A drone struck a convoy.").substr(d->length) ==
        "A drone struck a convoy.");

  d = find_dateline("BAGHDAD (Reuters) - Iraqi forces said on Monday...");
  REQUIRE(d);
  CHECK(d->place == "BAGHDAD");
  CHECK(d->source == "Reuters");

  d = find_dateline("BEIRUT, Feb 16 (AFP) \xE2\x80\x94 Fighting spread on Monday.");
  REQUIRE(d);
  CHECK(d->place == "BEIRUT");
  CHECK(d->source == "AFP");
  CHECK(d->date_text == "Feb 16");
  CHECK_FALSE(d->date);  // no year

  d = find_dateline("DAMASCUS, Syria, Jan. 5, 2024 (Xinhua) -- Shelling killed two.");
  REQUIRE(d);
  CHECK(d->place == "DAMASCUS, Syria");
  REQUIRE(d->date);
  CHECK(*d->date == Date::ymd(2024, 1, 5));

  d = find_dateline("WASHINGTON\xE2\x80\x94The Pentagon said...");
  REQUIRE(d);
  CHECK(d->place == "WASHINGTON");

  d = find_dateline("(Reuters) - Oil prices rose on Monday.");
  REQUIRE(d);
  CHECK(d->place.empty());
  CHECK(d->source == "Reuters");

  d = find_dateline("NEW DELHI: The ministry said on Friday...");
  REQUIRE(d);
  CHECK(d->place == "NEW DELHI");

  d = find_dateline("AL-QAIM, Iraq - Border guards said...");
  REQUIRE(d);
  CHECK(d->place == "AL-QAIM, Iraq");

  d = find_dateline("Baghdad (AFP) - Officials said...");
  REQUIRE(d);
  CHECK(d->place == "Baghdad");
}

TEST_CASE("does not mistake ordinary openings for datelines") {
  CHECK_FALSE(
      find_dateline("The attack \xE2\x80\x94 the first since February \xE2\x80\x94 hit a base."));
  CHECK_FALSE(find_dateline("US - Iran talks resumed on Monday."));
  CHECK_FALSE(find_dateline("BREAKING - Explosion reported near the port."));
  CHECK_FALSE(find_dateline("Officials said: the road is closed."));
  CHECK_FALSE(find_dateline("BAGHDAD -"));
  CHECK_FALSE(find_dateline("Kataib Hezbollah (KH) \xE2\x80\x94 an Iran-backed group \xE2\x80\x94 said..."));
  CHECK_FALSE(find_dateline("WARNING: Comments that insult others are not approved."));
  CHECK_FALSE(find_dateline("No separator anywhere in this sentence."));
}

TEST_CASE("cuts trailing boilerplate only after the first paragraph") {
  CHECK(find_trailing_boilerplate(paragraphs({"Comments", kLong1, kLong2}), kMarkers) == 3);
  CHECK(find_trailing_boilerplate(paragraphs({kLong1, kLong2, "Comments", "Be civil."}),
                                  kMarkers) == 2);
}

TEST_CASE("cuts at a marker-only heading even in the first half of the body") {
  const auto lines = paragraphs({kLong1, "RELATED ARTICLES", kLong2, kLong2, kLong2});
  CHECK(find_trailing_boilerplate(lines, kMarkers) == 1);
}

TEST_CASE("ignores a marker that opens a longer line in the first half") {
  const auto lines = paragraphs(
      {kLong1, "Read more: talks on the border crossing resume", kLong2, kLong2, kLong1});
  CHECK(find_trailing_boilerplate(lines, kMarkers) == lines.size());
}

TEST_CASE("keeps a sentence that merely starts with a one-word marker") {
  const auto lines =
      paragraphs({kLong1, kLong2, "Comments by the minister drew sharp criticism from lawmakers."});
  CHECK(find_trailing_boilerplate(lines, kMarkers) == lines.size());
  CHECK(find_trailing_boilerplate(paragraphs({kLong1, kLong2, "Comments (12)"}), kMarkers) == 2);
}

TEST_CASE("matches a star marker anywhere in the line") {
  const auto lines =
      paragraphs({kLong1, kLong2, "The Daily Site moderates all comments before they appear."});
  CHECK(find_trailing_boilerplate(lines, kMarkers) == 2);
}

TEST_CASE("drops a line marker where it stands and keeps what follows") {
  TextPage page;
  finish_body(paragraphs({kLong1, "ADVERTISEMENT", kLong2}), "", kMarkers, page);
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[1] == kLong2);
}

TEST_CASE("drops attribution lines at the very end") {
  TextPage page;
  finish_body(paragraphs({kLong1, kLong2, "Source: Newsroom",
                          "(Reporting by A. Writer; Editing by B. Editor)"}),
              "", {}, page);
  CHECK(page.paragraphs.size() == 2);
}

TEST_CASE("drops body lines that repeat the title") {
  TextPage page;
  finish_body(paragraphs({"U.S. forces - in Syria attacked!", kLong1}),
              "US forces in Syria attacked", {}, page);
  REQUIRE(page.paragraphs.size() == 1);
  CHECK(page.paragraphs[0] == kLong1);
}

TEST_CASE("moves the dateline out of the first paragraph and takes its date when none is known") {
  TextPage page;
  finish_body(paragraphs({"MOSUL, Iraq, March 3, 2021 (Example News) - " + kLong1}), "", {}, page);
  CHECK(page.dateline == "MOSUL, Iraq");
  CHECK(page.dateline_source == "Example News");
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2021, 3, 3));
  CHECK(page.paragraphs.at(0) == kLong1);
}

TEST_CASE("skips a date line and a section label above the title") {
  const TextPage page = read_text_page(
      "Feb. 15, 2021\nIraq News\n\nRocket attack targets airport in northern city\n\n" + kLong1 +
          "\n",
      {});
  CHECK(page.title == "Rocket attack targets airport in northern city");
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2021, 2, 15));
  CHECK(page.header_lines == std::vector<std::string>{"Feb. 15, 2021", "Iraq News"});
}

TEST_CASE("keeps a prose standfirst in the body and drops byline and share lines") {
  const TextPage page = read_text_page(
      "Rocket attack targets airport\nBy Jane Doe\nShare\nPrint\n\n"
      "Militants fired rockets at the airport, the second attack in a week on the facility, "
      "security "
      "sources said.\n\n" +
          kLong1 + "\n",
      {});
  CHECK(page.header_lines == std::vector<std::string>{"By Jane Doe", "Share", "Print"});
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[0].starts_with("Militants fired rockets"));
}

TEST_CASE("prefers a published date over an updated one, and a date line over a date in passing") {
  TextPage page = read_text_page(
      "Title of the story here\nUpdated: 2024-02-02\nPublished on 2024-02-01\n\n" + kLong1, {});
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2024, 2, 1));
  CHECK(page.published_text == "2024-02-01");

  page = read_text_page(
      "Title of the story here\nBy Jane Doe, 3 March 2022\n29-12-2023\n\n" + kLong1, {});
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2023, 12, 29));
}

TEST_CASE("reads a page that has no prose line by its header lines") {
  const TextPage page =
      read_text_page("Short title here\n29-12-2023\nOne short line.\nAnother short line.\n", {});
  CHECK(page.header_lines == std::vector<std::string>{"29-12-2023"});
  CHECK(page.paragraphs.size() == 2);
}

TEST_CASE("reads body text without a title line or header when told so") {
  TextPageOptions options;
  options.title_line = false;
  options.header_zone = false;
  options.title = "Known title";
  const TextPage page = read_text_page("Known title\n\nshort opening line\n\n" + kLong1, options);
  CHECK(page.title == "Known title");
  CHECK(page.header_lines.empty());
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[0] == "short opening line");
}
