// A JSON Lines record stream (.jsonl: one article per line, streamed), and the same bytes as a
// .json file (an object or an array of objects): every record field and its checks.
#include "fuzz_support.h"

using namespace incidex;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput) return 0;
  const std::string_view bytes = fuzz::as_text(data, size);
  fuzz::ingest(fuzz::write_file("feed.jsonl", bytes));
  fuzz::ingest(fuzz::write_file("feed.json", bytes));
  return 0;
}
