// Casualty phrases: tokenize() any text, then find_casualties over all of it and over a range
// chosen by the first byte; read_number at every token. Figures are never negative and the
// phrases lie inside the range searched.
#include "casualties.h"
#include "fuzz_support.h"
#include "tokenizer.h"

using namespace incidex;

namespace {

void check(const Casualties& c, std::size_t first, std::size_t last) {
  for (const auto* f : {&c.killed, &c.injured}) {
    if (!*f) continue;
    FUZZ_CHECK((*f)->count >= 0);
    FUZZ_CHECK((*f)->first_token >= first && (*f)->first_token <= (*f)->last_token && (*f)->last_token <= last);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput || size == 0) return 0;
  const std::string text = sanitize_utf8(fuzz::as_text(data + 1, size - 1));
  const std::vector<Token> tokens = tokenize(text);
  for (const Token& t : tokens) {
    FUZZ_CHECK(t.byte_begin < t.byte_end && t.byte_end <= text.size());
    FUZZ_CHECK(t.begin < t.end && !t.key.empty());
  }
  check(find_casualties(tokens, text, 0, tokens.size()), 0, tokens.size());
  const std::size_t first = tokens.empty() ? 0 : data[0] % tokens.size();
  check(find_casualties(tokens, text, first, tokens.size()), first, tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (auto n = read_number(tokens, i, tokens.size())) FUZZ_CHECK(n->first >= 0 && n->second >= 1 && i + n->second <= tokens.size());
  return 0;
}
