// Charset detection and conversion: whatever the bytes, the result is well-formed UTF-8; UTF-8
// input is kept as it is; an explicit charset (chosen by the first byte) converts or is refused.
#include "charset.h"
#include "fuzz_support.h"
#include "tokenizer.h"

#include <array>

using namespace incidex;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput) return 0;
  const std::string_view bytes = fuzz::as_text(data, size);
  const bool valid = is_valid_utf8(bytes);
  (void)looks_binary(bytes);

  std::string name;
  if (auto text = to_utf8(bytes, &name)) {
    FUZZ_CHECK(is_valid_utf8(*text));
    FUZZ_CHECK(!name.empty());
  }

  const std::string clean = sanitize_utf8(bytes);
  FUZZ_CHECK(is_valid_utf8(clean));
  if (valid) FUZZ_CHECK(clean == bytes);

  static constexpr std::array<std::string_view, 16> kCharsets = {
      "windows-1252", "ISO-8859-1", "ISO-8859-6", "windows-1256", "UTF-16LE", "UTF-16BE", "UTF-8",
      "Shift_JIS",    "GB18030",    "Big5",       "EUC-KR",       "KOI8-R",   "UTF-32",   "ISO-2022-JP",
      "x-no-such-charset", ""};
  if (size > 0) {
    if (auto text = convert_to_utf8(bytes.substr(1), kCharsets[data[0] % kCharsets.size()]))
      FUZZ_CHECK(is_valid_utf8(*text));
  }
  return 0;
}
