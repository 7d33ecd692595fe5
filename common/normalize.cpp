#include "normalize.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <xapian.h>

#include <array>
#include <memory>
#include <unordered_map>

#include "tokenizer.h"

namespace incidex {
namespace {

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Keeps [a-z0-9], lowercasing; '.' only between digits.
std::string ascii_key(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += static_cast<char>(c);
    else if ((c == '.' || c == ',') && !out.empty() && out.back() >= '0' && out.back() <= '9' &&
             i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
      if (c == '.') out += '.';  // "7.44" keeps its point; "2,500" becomes "2500"
    }
  }
  return out;
}

// Drops a trailing possessive: 's, ’s, ʼs.
std::string_view strip_possessive(std::string_view w) {
  static constexpr std::array<std::string_view, 3> kMarks = {"'s", "\xE2\x80\x99s", "\xCA\xBCs"};
  for (auto m : kMarks)
    if (w.size() > m.size() + 1 && w.substr(w.size() - m.size()) == m) return w.substr(0, w.size() - m.size());
  return w;
}

// Arabic: drop harakat, superscript alef and tatweel; unify alef and yeh variants; ta marbuta → heh.
void normalise_arabic(icu::UnicodeString& u) {
  icu::UnicodeString out;
  for (int32_t i = 0; i < u.length(); ++i) {
    char16_t c = u.charAt(i);
    if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640) continue;
    if (c == 0x0623 || c == 0x0625 || c == 0x0622 || c == 0x0671) c = 0x0627;
    else if (c == 0x0649) c = 0x064A;
    else if (c == 0x0629) c = 0x0647;
    out.append(c);
  }
  u = out;
}

class Folder {
 public:
  Folder() {
    UErrorCode status = U_ZERO_ERROR;
    nfkc_ = icu::Normalizer2::getNFKCInstance(status);
    translit_.reset(icu::Transliterator::createInstance("Any-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !translit_) throw std::runtime_error("ICU transliterator unavailable");
  }

  std::string fold_unicode(std::string_view w) {
    if (auto it = cache_.find(std::string(w)); it != cache_.end()) return it->second;
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(w.data(), static_cast<int32_t>(w.size())));
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString n = nfkc_->normalize(u, status);
    if (U_FAILURE(status)) n = u;
    normalise_arabic(n);
    translit_->transliterate(n);
    std::string bytes;
    n.toUTF8String(bytes);
    std::string key = ascii_key(bytes);
    if (cache_.size() > 200000) cache_.clear();
    cache_.emplace(std::string(w), key);
    return key;
  }

 private:
  const icu::Normalizer2* nfkc_ = nullptr;
  std::unique_ptr<icu::Transliterator> translit_;
  std::unordered_map<std::string, std::string> cache_;
};

Folder& folder() {
  thread_local Folder f;
  return f;
}

}  // namespace

std::string fold(std::string_view word) {
  word = strip_possessive(word);
  if (is_ascii(word)) return ascii_key(word);
  return folder().fold_unicode(word);
}

std::string stem(std::string_view key) {
  // Stemming costs far more than a lookup, and a corpus repeats its words: remember them.
  constexpr std::size_t kMaxCached = 1 << 18;
  thread_local Xapian::Stem stemmer("english");
  thread_local std::unordered_map<std::string, std::string> cache;
  const std::string word(key);
  if (const auto it = cache.find(word); it != cache.end()) return it->second;
  if (cache.size() >= kMaxCached) cache.clear();
  return cache.emplace(word, stemmer(word)).first->second;
}

std::string fold_query(std::string_view raw) {
  static constexpr std::array<std::string_view, 6> kOperators = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"};
  // tokenize() offsets are into valid UTF-8: a query with stray bytes (q=%FA) is cleaned first.
  const std::string clean = sanitize_utf8(raw);
  const std::string_view text = clean;
  std::string out;
  size_t at = 0;
  for (const Token& t : tokenize(text)) {
    out.append(text.substr(at, t.byte_begin - at));
    std::string_view word = text.substr(t.byte_begin, t.byte_end - t.byte_begin);
    bool op = false;
    for (auto o : kOperators) op = op || word == o;
    if (op) out.append(word);
    else out.append(t.key);
    at = t.byte_end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace incidex
