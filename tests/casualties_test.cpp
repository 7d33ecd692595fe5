#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "casualties.h"

using namespace incidex;

namespace {

struct Figures {
  std::optional<int> killed, injured;
};

Figures read(const std::string& text) {
  auto t = tokenize(text);
  auto c = find_casualties(t, text, 0, t.size());
  Figures f;
  if (c.killed) f.killed = c.killed->count;
  if (c.injured) f.injured = c.injured->count;
  return f;
}

}  // namespace

TEST_CASE("reads killed and injured figures in the forms reports use") {
  struct Row { const char* text; std::optional<int> killed, injured; };
  const Row rows[] = {
      {"A drone killed three and wounded dozens of troops.", 3, 24},
      {"No casualties were reported.", 0, 0},
      {"Four of their militiamen were killed in the strike.", 4, std::nullopt},
      {"The attack killed a foreign civilian contractor and injured at least nine others.", 1, 9},
      {"Three US soldiers were killed and more than 40 injured.", 3, 40},
      {"There were no injuries, officials said.", std::nullopt, 0},
      {"No U.S. personnel were injured.", std::nullopt, 0},
      {"The blast killed 25 fighters and wounded 51.", 25, 51},
      {"Twenty-five people were killed.", 25, std::nullopt},
      {"A civilian contractor was killed.", 1, std::nullopt},
      {"At least 2,500 troops are stationed there.", std::nullopt, std::nullopt},
      {"Five rockets were fired at the base.", std::nullopt, std::nullopt},
      {"Officials said 12 children were killed in the rocket strike.", 12, std::nullopt},
      {"The strike wounded a dozen.", std::nullopt, 12},
      {"Three service members were killed, 34 injured.", 3, 34},
      {"An American civilian contractor was killed.", 1, std::nullopt},
      {"Two Americans and one Briton were killed.", 3, std::nullopt},
      {"The strike killed a commander and two of his guards.", 3, std::nullopt},
  };
  for (const auto& r : rows) {
    const std::string text = r.text;
    CAPTURE(text);
    auto f = read(text);
    CHECK(f.killed == r.killed);
    CHECK(f.injured == r.injured);
  }
}

TEST_CASE("numbers in words and digits") {
  auto t = tokenize("twenty five");
  auto n = read_number(t, 0, t.size());
  REQUIRE(n);
  CHECK(n->first == 25);
  CHECK(n->second == 2);
  t = tokenize("2,500");
  CHECK(read_number(t, 0, t.size())->first == 2500);
  t = tokenize("troops");
  CHECK_FALSE(read_number(t, 0, t.size()));
}

TEST_CASE("the first figure in the range wins and the span is kept") {
  const std::string text = "Two were killed on Sunday. Earlier, ten were killed.";
  auto t = tokenize(text);
  auto c = find_casualties(t, text, 0, t.size());
  REQUIRE(c.killed);
  CHECK(c.killed->count == 2);
  CHECK(c.killed->first_token == 0);
  CHECK(c.killed->last_token == 3);
}
