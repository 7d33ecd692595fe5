#include "tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "normalize.h"

namespace incidex {
namespace {

icu::BreakIterator& word_breaker() {
  thread_local std::unique_ptr<icu::BreakIterator> bi = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> b(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !b) throw std::runtime_error("ICU word break iterator unavailable");
    return b;
  }();
  return *bi;
}

// Abbreviations after which a full stop does not end a sentence.
bool is_abbreviation(std::string_view key) {
  static constexpr std::array<std::string_view, 30> kAbbrev = {
      "mr", "mrs", "ms", "dr", "col", "gen", "lt", "sgt", "maj", "capt", "cpl", "pvt", "adm", "st", "no",
      "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "gov", "sen"};
  if (key.size() == 1) return true;  // initials: "J. Smith"
  for (auto a : kAbbrev)
    if (key == a) return true;
  return false;
}

}  // namespace

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) out.append("\xEF\xBF\xBD");
    else out.append(text.substr(start, i - start));
  }
  return out;
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  if (text.empty()) return out;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::BreakIterator& bi = word_breaker();
  bi.setText(u);

  // Cursor mapping UTF-16 offsets to code point and byte offsets, moving forward only.
  int32_t u16 = 0;
  uint32_t cp = 0, byte = 0;
  const auto advance_to = [&](int32_t target) {
    while (u16 < target) {
      UChar32 c;
      U16_NEXT(u.getBuffer(), u16, u.length(), c);
      ++cp;
      byte += U8_LENGTH(c);
    }
  };

  uint32_t sentence = 0, paragraph = 0;
  bool pending_stop = false;      // saw . ! ? since the last token
  int pending_newlines = 0;       // line breaks since the last token (2+: a new paragraph)
  int32_t start = bi.first();
  for (int32_t end = bi.next(); end != icu::BreakIterator::DONE; start = end, end = bi.next()) {
    const int32_t status = bi.getRuleStatus();
    if (status == UBRK_WORD_NONE) {
      for (int32_t k = start; k < end; ++k) {
        const char16_t c = u.charAt(k);
        if (c == '.' || c == '!' || c == '?') pending_stop = true;
        else if (c == '\n') ++pending_newlines;
      }
      continue;
    }
    advance_to(start);
    Token t;
    t.begin = cp;
    t.byte_begin = byte;
    advance_to(end);
    t.end = cp;
    t.byte_end = byte;
    const std::string_view word = text.substr(t.byte_begin, t.byte_end - t.byte_begin);
    t.key = fold(word);
    if (t.key.empty()) continue;
    const UChar32 first = u.char32At(start);
    t.capitalized = u_isupper(first) || u_istitle(first);
    bool cased = false;
    for (int32_t k = start; k < end && !cased; ++k) cased = u_hasBinaryProperty(u.charAt(k), UCHAR_CASED);
    t.uncased = !cased;
    t.number = status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT;
    if (!out.empty()) {
      const Token& prev = out.back();
      const std::string_view prev_word = text.substr(prev.byte_begin, prev.byte_end - prev.byte_begin);
      const bool abbreviation = is_abbreviation(prev.key) || prev_word.find('.') != std::string_view::npos;
      if (pending_newlines >= 2) {
        ++paragraph;
        ++sentence;
      } else if (pending_newlines == 1 || (pending_stop && (t.capitalized || t.uncased) && !abbreviation)) {
        ++sentence;
      }
    }
    pending_stop = false;
    pending_newlines = 0;
    t.sentence = sentence;
    t.paragraph = paragraph;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace incidex
