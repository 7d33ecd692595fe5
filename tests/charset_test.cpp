#include "charset.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using incidex::convert_to_utf8;
using incidex::is_valid_utf8;
using incidex::looks_binary;
using incidex::to_utf8;
using namespace std::string_view_literals;

TEST_CASE("accepts well-formed UTF-8 of every sequence length") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ASCII"));
  CHECK(is_valid_utf8("caf\xC3\xA9"));                               // 2 bytes
  CHECK(is_valid_utf8("\xE2\x80\x9Cquoted\xE2\x80\x9D"));            // 3 bytes
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));                          // 4 bytes
  CHECK(is_valid_utf8("\xD9\x83\xD8\xB1\xD9\x83\xD9\x88\xD9\x83"));  // Arabic
}

TEST_CASE("rejects stray, overlong, surrogate, out-of-range and truncated UTF-8") {
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK_FALSE(is_valid_utf8("caf\xE9"));           // Latin-1 é
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x80"));          // truncated
  CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("calls content with NUL bytes or many control characters binary") {
  CHECK(looks_binary("PK\x03\x04\0\0\x08\0"sv));
  CHECK(looks_binary(std::string(100, '\x01') + "some text"));
  CHECK_FALSE(looks_binary("Line one\r\nLine two\twith a tab\f\n"));
  CHECK_FALSE(looks_binary(""));
  // Only the first 8 KiB are looked at.
  CHECK_FALSE(looks_binary(std::string(9000, 'a') + std::string(1, '\0')));
}

TEST_CASE("does not call UTF-16 text with a byte-order mark binary") {
  CHECK_FALSE(looks_binary("\xFF\xFEH\0i\0"sv));
  CHECK_FALSE(looks_binary("\xFE\xFF\0H\0i"sv));
}

TEST_CASE("passes UTF-8 through and strips its byte-order mark") {
  std::string charset;
  auto text = to_utf8(
      "\xEF\xBB\xBF"
      "Mosul \xE2\x80\x93 Erbil",
      &charset);
  REQUIRE(text);
  CHECK(*text == "Mosul \xE2\x80\x93 Erbil");
  CHECK(charset == "UTF-8");
  CHECK(to_utf8("no charset name wanted") == "no charset name wanted");
}

TEST_CASE("converts UTF-16 little- and big-endian text with a byte-order mark") {
  std::string charset;
  auto le = to_utf8("\xFF\xFEK\0i\0r\0k\0u\0k\0 \0\x14\x20 \0C\x06"sv, &charset);
  REQUIRE(le);
  CHECK(*le == "Kirkuk \xE2\x80\x94 \xD9\x83");
  CHECK(charset == "UTF-16LE");
  auto be = to_utf8("\xFE\xFF\0H\0i"sv, &charset);
  REQUIRE(be);
  CHECK(*be == "Hi");
  CHECK(charset == "UTF-16BE");
}

TEST_CASE("detects windows-1252 curly quotes and dashes") {
  std::string charset;
  auto text = to_utf8(
      "The spokesman said \x93no comment\x94 \x96 twice \x96 before the caf\xE9 closed.", &charset);
  REQUIRE(text);
  CHECK(charset == "windows-1252");
  CHECK(*text ==
        "The spokesman said \xE2\x80\x9Cno comment\xE2\x80\x9D \xE2\x80\x93 twice \xE2\x80\x93 "
        "before the "
        "caf\xC3\xA9 closed.");
}

TEST_CASE("reads ISO-8859-1 text as windows-1252") {
  std::string charset;
  auto text = to_utf8(
      "Die Stra\xDF"
      "e nach M\xFC"
      "nchen blieb am Montag gesperrt, sagte ein Sprecher "
      "der Polizei. Die Beh\xF6rden \xE4u\xDF"
      "erten sich nicht.",
      &charset);
  REQUIRE(text);
  CHECK(charset == "windows-1252");
  CHECK(text->find("Stra\xC3\x9F"
                   "e nach M\xC3\xBC"
                   "nchen") != std::string::npos);
}

TEST_CASE("keeps mostly-UTF-8 text as UTF-8 and marks the broken byte") {
  std::string charset;
  auto text = to_utf8("caf\xC3\xA9, na\xC3\xAFve and r\xC3\xA9sum\xC3\xA9 \xFF end", &charset);
  REQUIRE(text);
  CHECK(charset == "UTF-8");
  CHECK(*text == "caf\xC3\xA9, na\xC3\xAFve and r\xC3\xA9sum\xC3\xA9 \xEF\xBF\xBD end");
}

TEST_CASE("gives up on bytes no charset explains") {
  CHECK_FALSE(to_utf8("\xFF"));
  CHECK_FALSE(to_utf8("\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8A\x8B\x8C\x8D\x8E\x8F"));
}

TEST_CASE("converts from a named charset and refuses an unknown one") {
  CHECK(convert_to_utf8("caf\xE9", "windows-1252") == "caf\xC3\xA9");
  CHECK(convert_to_utf8("\xC7\xE1\xDA\xD1\xC7\xDE", "windows-1256") ==
        "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA7\xD9\x82");  // "العراق"
  CHECK_FALSE(convert_to_utf8("abc", "no-such-charset"));
}
