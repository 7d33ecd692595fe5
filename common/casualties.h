// Casualty figures from English news text: "killed three and wounded dozens", "no casualties",
// "four of their militiamen were killed", "injuring at least 34". Works on tokens so that it
// runs in time linear in the text. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer.h"

namespace incidex {

// One figure: how many, and which tokens stated it.
struct CasualtyFigure {
  int count = 0;
  std::uint32_t first_token = 0;  // [first_token, last_token) of the phrase
  std::uint32_t last_token = 0;
};

struct Casualties {
  std::optional<CasualtyFigure> killed;
  std::optional<CasualtyFigure> injured;
};

// Reads the first figure for killed and for injured stated in tokens [first, last) of `text`.
// Word numbers count ("three", "twenty-five", "a dozen"); "dozens" counts as 24 and "scores" as
// 40, the least the words can mean; "at least N" and "more than N" count as N; "a contractor was
// killed" as 1. "No casualties" gives 0 for both, "no injuries" 0 injured. Absent figures stay
// empty (unknown), never 0.
Casualties find_casualties(const std::vector<Token>& tokens, std::string_view text, std::size_t first,
                           std::size_t last);

// The value of a number written in words or digits starting at token `i`, and how many tokens it
// spans; nullopt when there is none. "three" → 3, "twenty five" → 25, "2,500" → 2500.
std::optional<std::pair<int, std::size_t>> read_number(const std::vector<Token>& tokens, std::size_t i,
                                                       std::size_t last);

}  // namespace incidex
