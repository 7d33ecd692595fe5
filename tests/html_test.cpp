#include "html.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

using incidex::Date;
using incidex::declared_charset;
using incidex::extract_html;
using incidex::HtmlPage;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(INCIDEX_TEST_DATA_DIR) + "/ingest/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string joined(const HtmlPage& page) {
  std::string out;
  for (const std::string& p : page.paragraphs) out += p + "\n";
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("reads title, outlet, canonical url and published time from the page metadata") {
  const HtmlPage page = extract_html(fixture("page.html"));
  CHECK(page.title == "Gunmen attack checkpoint in Diyala");
  CHECK(page.source == "Tigris Courier");
  CHECK(page.url == "https://www.tigris-courier.example/news/diyala-checkpoint-attack");
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2023, 11, 3));  // article:published_time beats JSON-LD
  CHECK(page.published_field == "article:published_time");
}

TEST_CASE("keeps the article's paragraphs, headings, list items and quotes in order") {
  const HtmlPage page = extract_html(fixture("page.html"));
  REQUIRE(page.paragraphs.size() >= 8);
  CHECK(page.paragraphs[0].starts_with(
      "BAQUBA, Iraq (Tigris Courier) \xE2\x80\x93 Gunmen opened fire"));
  CHECK(page.paragraphs[2] == "Pattern of night attacks");
  CHECK(
      page.paragraphs[3] ==
      "Local officials say small groups of fighters have carried out several night attacks in the "
      "area this autumn, \"mostly against checkpoints\" on rural roads.");
  CHECK(page.paragraphs[4] == "Two soldiers were killed.");
  CHECK(page.paragraphs[6] ==
        "\xE2\x80\x9CWe need more patrols at night,\xE2\x80\x9D a farmer said.");
  CHECK(contains(page.paragraphs[1], "along the Diyala river, the officer"));
}

TEST_CASE(
    "leaves out navigation, scripts, share buttons, captions, asides, related links and comments") {
  const std::string text = joined(extract_html(fixture("page.html")));
  for (const char* noise :
       {"Iraq news", "script text", "color: red", "Facebook", "file photo", "By Layla Ahmed",
        "floods in Diyala", "older story", "Great article", "Most read", "About us", "Subscribe"}) {
    CAPTURE(noise);
    CHECK_FALSE(contains(text, noise));
  }
}

TEST_CASE(
    "falls back to the div with the most paragraph text and to <title> without the site name") {
  const HtmlPage page = extract_html(fixture("page_divs.htm"));
  CHECK(page.title == "Curfew imposed in Kirkuk after clashes");
  CHECK(page.source == "Northern Dispatch");
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2022, 7, 19));
  CHECK(page.published_field == "date");
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[0].starts_with("Authorities imposed a night curfew"));
}

TEST_CASE("takes the date from a <time> in the article, then from JSON-LD") {
  HtmlPage page = extract_html(
      "<html><body><article><time datetime=\"2020-01-08T03:30:00Z\">Jan 8</time>"
      "<p>Missiles struck two bases hosting foreign troops overnight, officials said.</p>"
      "</article></body></html>");
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2020, 1, 8));
  CHECK(page.published_field == "time datetime");

  page = extract_html(
      "<html><head><script type=\"application/ld+json\">{\"@graph\":[{\"@type\":\"WebPage\"},"
      "{\"@type\":\"NewsArticle\",\"datePublished\":\"2019-12-29\"}]}</script></head>"
      "<body><p>Strikes hit five facilities in two countries, the ministry "
      "said.</p></body></html>");
  REQUIRE(page.published);
  CHECK(*page.published == Date::ymd(2019, 12, 29));
  CHECK(page.published_field == "JSON-LD datePublished");
}

TEST_CASE("reports the first date field when none of them parses") {
  const HtmlPage page = extract_html(
      "<html><head><meta name=\"pubdate\" content=\"yesterday evening\"></head>"
      "<body><p>Text of the article.</p></body></html>");
  CHECK_FALSE(page.published);
  CHECK(page.published_field == "pubdate");
  CHECK(page.published_text == "yesterday evening");
}

TEST_CASE("takes the h1 of the article when there is no og:title") {
  const HtmlPage page = extract_html(
      "<html><head><title>Home page | Site</title></head><body><nav><h1>Site menu</h1></nav>"
      "<article><h1>  Bridge   reopened\n after repairs </h1>"
      "<p>The bridge reopened to traffic on Monday after three months of "
      "repairs.</p></article></body></html>");
  CHECK(page.title == "Bridge reopened after repairs");
  REQUIRE(page.paragraphs.size() == 1);
}

TEST_CASE("prefers the long article text to a short teaser article") {
  const HtmlPage page = extract_html(
      "<html><body><article class=\"teaser\"><p>Short teaser.</p></article>"
      "<div class=\"content\"><p>The first paragraph of the real story runs long enough to matter "
      "here, with many words in it.</p><p>The second paragraph of the real story also carries "
      "plenty "
      "of text about what happened.</p></div></body></html>");
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[0].starts_with("The first paragraph"));
}

TEST_CASE("reads loose text when the article has no paragraph elements") {
  const HtmlPage page = extract_html(
      "<html><body><div class=\"story\">First line of the story.<br><br>Second line of it."
      "<div class=\"social-links\">Tweet this</div></div></body></html>");
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[0] == "First line of the story.");
  CHECK(page.paragraphs[1] == "Second line of it.");
}

TEST_CASE("keeps the article of a page wrapped in one big form") {
  std::string html = "<html><body><form id=\"aspnetForm\"><div id=\"story\">";
  for (int i = 0; i < 6; ++i)
    html += "<p>Paragraph number " + std::to_string(i) + " of the story.</p>";
  html += "</div></form></body></html>";
  CHECK(extract_html(html).paragraphs.size() == 6);
}

TEST_CASE("survives broken markup and empty input") {
  CHECK(extract_html("").paragraphs.empty());
  const HtmlPage page = extract_html("<p>Unclosed <b>bold <i>and italic<p>Next &amp; last");
  REQUIRE(page.paragraphs.size() == 2);
  CHECK(page.paragraphs[1] == "Next & last");
}

TEST_CASE("finds the charset a page declares") {
  CHECK(declared_charset("<html><head><meta charset=\"ISO-8859-1\"></head>") == "iso-8859-1");
  CHECK(declared_charset(
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1256\">") ==
        "windows-1256");
  CHECK(declared_charset("<html><head><title>No charset</title></head>").empty());
}
