// What ICU's word breaking alone costs on this machine: each of N threads reads every Nth line of a
// JSON Lines corpus, parses it, and splits its title and text into words with ICU's word break
// iterator (the first step of incidex's analysis), writing nothing. Prints articles/s: no index
// built on ICU's tokens can be faster than this (docs/benchmarks.md compares it with FTS5).
// --tokenizer runs incidex's whole tokenizer instead (ICU plus folding, sentence and paragraph
// numbers).
//
//   icu-floor CORPUS.jsonl [THREADS] [--tokenizer]
#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "shares.h"
#include "tokenizer.h"

namespace {

// Words ICU finds in `text` (segments other than spaces and punctuation).
std::size_t icu_words(icu::BreakIterator& bi, const std::string& text) {
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  bi.setText(u);
  std::size_t words = 0;
  bi.first();
  for (int32_t end = bi.next(); end != icu::BreakIterator::DONE; end = bi.next())
    if (bi.getRuleStatus() != UBRK_WORD_NONE) ++words;
  return words;
}

struct Share {
  std::size_t articles = 0, words = 0;
};

Share break_share(const std::string& corpus, unsigned k, unsigned n, bool tokenizer) {
  std::ifstream in(corpus);
  if (!in) throw std::runtime_error(corpus + ": cannot open");
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> bi(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || !bi) throw std::runtime_error("ICU word break iterator unavailable");
  Share share;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    if (lineno++ % n != k) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    for (const char* field : {"title", "text"}) {
      const std::string s = j.value(field, "");
      share.words += tokenizer ? incidex::tokenize(s).size() : icu_words(*bi, s);
    }
    ++share.articles;
  }
  return share;
}

}  // namespace

int main(int argc, char** argv) {
  bool tokenizer = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tokenizer") tokenizer = true;
    else args.push_back(a);
  }
  if (args.empty() || args.size() > 2) {
    std::cerr << "usage: icu-floor CORPUS.jsonl [THREADS] [--tokenizer]\n";
    return 2;
  }
  const unsigned n = args.size() > 1 ? static_cast<unsigned>(std::max(1, std::atoi(args[1].c_str()))) : 1;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Share> shares;
  try {
    shares = on_threads(n, [&](unsigned k) { return break_share(args[0], k, n, tokenizer); });
  } catch (const std::exception& e) {
    std::cerr << "icu-floor: " << e.what() << "\n";
    return 1;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Share total;
  for (const Share& sh : shares) {
    total.articles += sh.articles;
    total.words += sh.words;
  }
  fmt::print("{} articles ({} words) on {} thread(s) in {:.2f} s: {:.0f} articles/s\n", total.articles, total.words, n, s,
             total.articles / s);
}
