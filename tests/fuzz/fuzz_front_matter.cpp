// Front matter: a leading `---` block (title, source, url, published, id) and the text below it,
// read as a .md file through the ingest pipeline. Inputs that do not open a block get one, so
// that the fuzzer spends its time inside the front-matter reader.
#include "fuzz_support.h"

using namespace incidex;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput) return 0;
  std::string bytes(fuzz::as_text(data, size));
  if (!bytes.starts_with("---")) bytes.insert(0, "---\n");
  fuzz::ingest(fuzz::write_file("article.md", bytes));
  return 0;
}
