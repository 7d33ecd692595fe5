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

// True when the first 8 KiB look like binary content: a NUL byte or over 10% control characters
// (tab, CR, LF, VT and FF are text), unless the bytes start with a UTF-16 byte-order mark.
bool looks_binary(std::string_view bytes);

// `bytes` as UTF-8, with `*charset_name` set to what they were read as: UTF-8 (BOM stripped; text
// with at least twice as many good multi-byte sequences as broken bytes keeps UTF-8, each broken
// byte U+FFFD), UTF-16 with a BOM, else ICU's best detection with confidence >= 10 (ISO-8859-1 read
// as windows-1252) that leaves at most 5% of the characters undefined. nullopt when nothing fits.
std::optional<std::string> to_utf8(std::string_view bytes, std::string* charset_name = nullptr);

// `bytes` converted from the named charset (an ICU converter name or alias) to UTF-8; bytes that
// the charset does not define become U+FFFD. nullopt when ICU does not know the charset.
std::optional<std::string> convert_to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace incidex
