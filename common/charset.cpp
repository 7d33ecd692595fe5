#include "charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace incidex {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kBinarySniffBytes = 8192;
constexpr std::size_t kDetectBytes = 64 * 1024;  // enough for ICU to decide; keeps detection fast
constexpr int32_t kMinConfidence = 10;

// Length of the well-formed UTF-8 sequence at `p` (at most `n` bytes left), or 0 if there is none.
std::size_t sequence_length(const unsigned char* p, std::size_t n) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return len;
}

struct Utf8Scan {
  std::size_t multibyte = 0;  // well-formed sequences of two or more bytes
  std::size_t broken = 0;     // bytes that start no well-formed sequence
};

Utf8Scan scan_utf8(std::string_view bytes) {
  Utf8Scan scan;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = sequence_length(p + i, bytes.size() - i);
    if (len == 0) {
      ++scan.broken;
      ++i;
    } else {
      if (len > 1) ++scan.multibyte;
      i += len;
    }
  }
  return scan;
}

// `bytes` with every byte that starts no well-formed sequence replaced by U+FFFD.
std::string repair_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = sequence_length(p + i, bytes.size() - i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(bytes.substr(i, len));
      i += len;
    }
  }
  return out;
}

bool starts_with_utf16_bom(std::string_view bytes) {
  return bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF");
}

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
struct DetectorCloser {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};

// The converter name for a charset as ICU's detector names it.
std::string converter_name(std::string name) {
  for (std::string_view suffix : {"_rtl", "_ltr"}) {
    if (name.ends_with(suffix)) name.resize(name.size() - suffix.size());
  }
  return name;
}

// The detector's candidates, best first, with confidence >= kMinConfidence.
std::vector<std::string> detect_charsets(std::string_view bytes) {
  std::vector<std::string> names;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, DetectorCloser> detector(ucsdet_open(&status));
  if (U_FAILURE(status)) return names;
  const auto sample = bytes.substr(0, kDetectBytes);
  ucsdet_setText(detector.get(), sample.data(), static_cast<int32_t>(sample.size()), &status);
  ucsdet_enableInputFilter(detector.get(), true);  // look past HTML/XML markup
  int32_t count = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(detector.get(), &count, &status);
  if (U_FAILURE(status)) return names;
  for (int32_t i = 0; i < count; ++i) {
    UErrorCode s = U_ZERO_ERROR;
    const int32_t confidence = ucsdet_getConfidence(matches[i], &s);
    const char* name = ucsdet_getName(matches[i], &s);
    if (U_FAILURE(s) || name == nullptr || confidence < kMinConfidence) continue;
    std::string n = name;
    if (n == "ISO-8859-1") n = "windows-1252";  // same letters; 0x80-0x9F are quotes and dashes
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  }
  return names;
}

// True when at most 5% of the characters of `utf8` are U+FFFD (bytes the charset left undefined).
bool mostly_defined(std::string_view utf8) {
  std::size_t chars = 0, replaced = 0;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) ++chars;
    if (utf8.substr(i).starts_with("\xEF\xBF\xBD")) ++replaced;
  }
  return replaced * 20 <= chars;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t i = 0; i < bytes.size();) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = sequence_length(p + i, bytes.size() - i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

bool looks_binary(std::string_view bytes) {
  if (starts_with_utf16_bom(bytes)) return false;
  const auto head = bytes.substr(0, kBinarySniffBytes);
  std::size_t controls = 0;
  for (const char ch : head) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return true;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') || c == 0x7F) {
      ++controls;
    }
  }
  return !head.empty() && controls * 10 > head.size();
}

std::optional<std::string> convert_to_utf8(std::string_view bytes, std::string_view charset) {
  UErrorCode status = U_ZERO_ERROR;
  const std::string name = converter_name(std::string(charset));
  std::unique_ptr<UConverter, ConverterCloser> conv(ucnv_open(name.c_str(), &status));
  if (U_FAILURE(status)) return std::nullopt;
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX / 2)) return std::nullopt;

  const auto src_len = static_cast<int32_t>(bytes.size());
  std::vector<UChar> utf16(static_cast<std::size_t>(src_len) + 16);
  int32_t len = ucnv_toUChars(conv.get(), utf16.data(), static_cast<int32_t>(utf16.size()),
                              bytes.data(), src_len, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    ucnv_reset(conv.get());
    utf16.resize(static_cast<std::size_t>(len) + 1);
    len = ucnv_toUChars(conv.get(), utf16.data(), static_cast<int32_t>(utf16.size()), bytes.data(),
                        src_len, &status);
  }
  if (U_FAILURE(status)) return std::nullopt;
  // Single-byte converters substitute U+001A for undefined bytes; make that U+FFFD like the rest.
  std::replace(utf16.begin(), utf16.begin() + len, static_cast<UChar>(0x1A),
               static_cast<UChar>(0xFFFD));

  std::string out;
  int32_t out_len = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8WithSub(nullptr, 0, &out_len, utf16.data(), len, 0xFFFD, nullptr, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return std::nullopt;
  out.resize(static_cast<std::size_t>(out_len));
  status = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data(), out_len, &out_len, utf16.data(), len, 0xFFFD, nullptr, &status);
  if (U_FAILURE(status) && status != U_STRING_NOT_TERMINATED_WARNING) return std::nullopt;
  return out;
}

std::optional<std::string> to_utf8(std::string_view bytes, std::string* charset_name) {
  auto found = [&](std::string name, std::string text) -> std::optional<std::string> {
    if (charset_name != nullptr) *charset_name = std::move(name);
    return text;
  };
  if (bytes.starts_with(kUtf8Bom)) bytes.remove_prefix(kUtf8Bom.size());
  if (bytes.starts_with("\xFF\xFE") && !bytes.starts_with(std::string_view("\xFF\xFE\0\0", 4))) {
    if (auto text = convert_to_utf8(bytes.substr(2), "UTF-16LE")) return found("UTF-16LE", *text);
  }
  if (bytes.starts_with("\xFE\xFF")) {
    if (auto text = convert_to_utf8(bytes.substr(2), "UTF-16BE")) return found("UTF-16BE", *text);
  }
  if (is_valid_utf8(bytes)) return found("UTF-8", std::string(bytes));

  // Mostly UTF-8 with a few broken sequences (a truncated or patched file): keep it UTF-8.
  const Utf8Scan scan = scan_utf8(bytes);
  if (scan.multibyte >= 2 && scan.multibyte >= 2 * scan.broken) {
    return found("UTF-8", repair_utf8(bytes));
  }
  const bool has_nul = bytes.find('\0') != std::string_view::npos;
  for (const std::string& name : detect_charsets(bytes)) {
    if (name == "UTF-8") continue;  // known not to be
    // Without a BOM, UTF-16/32 shows as NUL bytes in Latin text; a guess without them is noise.
    if ((name.starts_with("UTF-16") || name.starts_with("UTF-32")) && !has_nul) continue;
    auto text = convert_to_utf8(bytes, name);
    if (text && mostly_defined(*text)) return found(name, std::move(*text));
  }
  return std::nullopt;
}

}  // namespace incidex
