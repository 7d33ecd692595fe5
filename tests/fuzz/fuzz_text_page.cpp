// Plain text as scraped: the page cleaner on its own (title, header zone, dateline, trailing
// boilerplate), then the same bytes read as a .txt file through the ingest pipeline (charset
// detection, front matter check, cleaning).
#include "charset.h"
#include "fuzz_support.h"
#include "text_page.h"
#include "tokenizer.h"

using namespace incidex;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput) return 0;
  const std::string_view bytes = fuzz::as_text(data, size);
  const std::string text = sanitize_utf8(bytes);  // the readers only see UTF-8

  TextPageOptions options;
  options.markers = &fuzz::read_options().boilerplate_markers;
  const TextPage page = read_text_page(text, options);
  for (const auto& p : page.paragraphs) FUZZ_CHECK(is_valid_utf8(p));
  if (page.published) FUZZ_CHECK(page.published->valid());

  TextPageOptions body_only;
  body_only.title_line = false;
  body_only.header_zone = false;
  body_only.title = page.title;
  body_only.markers = options.markers;
  (void)read_text_page(text, body_only);

  (void)collapse_whitespace(text);
  (void)is_prose(text);
  if (auto d = find_dateline(text)) FUZZ_CHECK(d->length <= text.size());

  fuzz::ingest(fuzz::write_file("page.txt", bytes));
  return 0;
}
