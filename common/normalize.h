// The one normalisation shared by index terms, gazetteer aliases and queries, so that spelling
// variants meet: NFKC, Arabic diacritics and letter variants unified, then the ICU transform
// `Any-Latin; Latin-ASCII; Lower`, apostrophe-like marks, hyphens and other punctuation removed.
// "Kata’ib" → "kataib", "Straße" → "strasse", "كتائب" → its Latin fold. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace incidex {

// Folds one word (as cut by the tokenizer) to its key: lowercase ASCII letters and digits, with a
// '.' kept only between digits ("7.44"). A trailing possessive "'s" is dropped. May be empty.
std::string fold(std::string_view word);

// English stem of a folded key (Snowball "english", as Xapian uses for `Z` terms).
std::string stem(std::string_view key);

// Folds every word of `text`, keeping the characters between words (spaces, quotes, operators)
// as they are: used to bring a query into the index's vocabulary. Words that consist only of
// upper-case letters and are query operators (AND, OR, NOT, XOR, NEAR, ADJ) are kept unchanged.
// Invalid UTF-8 becomes U+FFFD first.
std::string fold_query(std::string_view text);

}  // namespace incidex
