// Character sets: telling text from binary content, and bringing text in any common encoding
// to UTF-8 (UTF-8 with or without a BOM, UTF-16 with a BOM, and whatever ICU's charset
// detector recognises, such as windows-1252). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace incidex {

// True when `bytes` is well-formed UTF-8: no stray continuation bytes, overlong forms,
// surrogates or code points past U+10FFFF.
bool is_valid_utf8(std::string_view bytes);

// True when the first 8 KiB look like binary content: a NUL byte, or more than 10% control
// characters other than tab, line feed, carriage return, vertical tab and form feed. Text that
// starts with a UTF-16 byte-order mark is not binary.
bool looks_binary(std::string_view bytes);

// `bytes` decoded to UTF-8, with `*charset_name` (when given) set to the charset it was read as.
// Valid UTF-8 passes through without its BOM ("UTF-8"); so does text with at least twice as many
// well-formed multi-byte UTF-8 sequences as broken ones (each broken byte becomes U+FFFD). UTF-16 with a BOM is converted ("UTF-16LE"/"UTF-16BE"). Anything else goes
// through ICU's charset detector (confidence >= 10; ISO-8859-1 is read as its superset
// windows-1252) whose conversion leaves at most 5% of the characters undefined. nullopt when no
// charset fits.
std::optional<std::string> to_utf8(std::string_view bytes, std::string* charset_name = nullptr);

// `bytes` converted from the named charset (an ICU converter name or alias) to UTF-8; bytes that
// the charset does not define become U+FFFD. nullopt when ICU does not know the charset.
std::optional<std::string> convert_to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace incidex
