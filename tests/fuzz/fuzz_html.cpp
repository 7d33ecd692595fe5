// HTML extraction: the article, title, outlet, url and dates out of a page (libxml2's HTML
// parser underneath), the declared charset, and the page read as an .html file (charset
// conversion by <meta charset> first).
#include "charset.h"
#include "fuzz_support.h"
#include "html.h"
#include "tokenizer.h"

using namespace incidex;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput) return 0;
  const std::string_view bytes = fuzz::as_text(data, size);
  (void)declared_charset(bytes);
  const HtmlPage page = extract_html(sanitize_utf8(bytes));
  FUZZ_CHECK(is_valid_utf8(page.title));
  for (const auto& p : page.paragraphs) FUZZ_CHECK(is_valid_utf8(p));
  if (page.published) FUZZ_CHECK(page.published->valid());
  fuzz::ingest(fuzz::write_file("page.html", bytes));
  return 0;
}
