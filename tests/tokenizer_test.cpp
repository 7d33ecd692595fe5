#include <doctest/doctest.h>

#include "tokenizer.h"

using incidex::tokenize;

TEST_CASE("tokens carry keys and code point spans") {
  const std::string text = "Kata\xE2\x80\x99ib Hezbollah fired at Rmelan.";
  auto t = tokenize(text);
  REQUIRE(t.size() == 5);
  CHECK(t[0].key == "kataib");
  CHECK(t[0].begin == 0);
  CHECK(t[0].end == 7);          // 7 code points, 9 bytes
  CHECK(t[0].byte_end == 9);
  CHECK(t[1].begin == 8);
  CHECK(t[0].text_in(text) == "Kata\xE2\x80\x99ib");
  CHECK(t[0].capitalized);
  CHECK_FALSE(t[2].capitalized);
  CHECK(t[4].key == "rmelan");
}

TEST_CASE("hyphens split words and numbers are flagged") {
  auto t = tokenize("al-Asad hit by 107mm rockets and AK-47 fire");
  REQUIRE(t.size() >= 4);
  CHECK(t[0].key == "al");
  CHECK(t[1].key == "asad");
  bool saw47 = false;
  for (auto& tok : t)
    if (tok.key == "47") saw47 = tok.number;
  CHECK(saw47);
}

TEST_CASE("sentences end at full stops but not after abbreviations") {
  auto t = tokenize("Col. Wayne Smith spoke. U.S. forces were hit. Rockets fell");
  // "Col." and "U.S." do not end sentences
  CHECK(t[0].sentence == 0);
  CHECK(t[3].sentence == 0);        // "spoke"
  CHECK(t[4].sentence == 1);        // "U.S"
  CHECK(t[5].sentence == 1);        // "forces"
  CHECK(t.back().sentence == 2);    // "fell"
}

TEST_CASE("blank lines start paragraphs") {
  auto t = tokenize("First paragraph here\n\nSecond one");
  CHECK(t.front().paragraph == 0);
  CHECK(t.back().paragraph == 1);
  CHECK(t.back().sentence == 1);
}

TEST_CASE("Arabic words are uncased tokens") {
  auto t = tokenize("\xD9\x83\xD8\xAA\xD8\xA7\xD8\xA6\xD8\xA8 \xD8\xAD\xD8\xB2\xD8\xA8");
  REQUIRE(t.size() == 2);
  CHECK(t[0].uncased);
  CHECK_FALSE(t[0].key.empty());
}

TEST_CASE("invalid UTF-8 is replaced, not passed through") {
  CHECK(incidex::sanitize_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
}
