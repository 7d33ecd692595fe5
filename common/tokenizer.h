// Word tokenisation with ICU word boundaries (UAX #29; dictionary segmentation for Chinese,
// Japanese and Thai), each token carrying its folded key and where it stands in the text.
// Sentence and paragraph numbers let analysis reason about the lead and about context.
// Thread-safe (each thread keeps its own ICU break iterator).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace incidex {

struct Token {
  std::uint32_t begin = 0;       // code point offsets [begin, end) in the text
  std::uint32_t end = 0;
  std::uint32_t byte_begin = 0;  // UTF-8 byte offsets [byte_begin, byte_end)
  std::uint32_t byte_end = 0;
  std::string key;               // fold() of the word; never empty
  std::uint32_t sentence = 0;    // 0-based sentence number within the text
  std::uint32_t paragraph = 0;   // 0-based paragraph number (paragraphs split at blank lines)
  bool capitalized = false;      // first letter is upper-case
  bool uncased = false;          // no cased letter at all (Arabic, CJK, digits)
  bool number = false;           // ICU classifies it as a number

  std::string_view text_in(std::string_view text) const {
    return text.substr(byte_begin, byte_end - byte_begin);
  }
};

// Splits valid UTF-8 text into word tokens (punctuation and spaces are not tokens). Words whose
// key folds to nothing are dropped. A sentence ends at '.', '!' or '?' followed by a capitalised
// or uncased word (not after an abbreviation such as "Col." or "U.S."), and at any line break.
std::vector<Token> tokenize(std::string_view text);

// Replaces invalid UTF-8 sequences with U+FFFD so that offsets stay meaningful.
std::string sanitize_utf8(std::string_view text);

}  // namespace incidex
