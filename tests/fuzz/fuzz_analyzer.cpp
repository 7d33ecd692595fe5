// The whole analyzer on arbitrary text, with the shipped gazetteer (loaded once): title = the
// first line, text = the rest; the first byte picks a publication date (or none) and an outlet.
// Then the explain record and the Xapian document built from it, as the indexer does.
#include "analyzer.h"
#include "charset.h"
#include "fuzz_support.h"
#include "schema.h"
#include "tokenizer.h"

using namespace incidex;

namespace {

void check_values(const Analysis& a, Facet f) {
  for (const auto& v : a.values(f)) {
    FUZZ_CHECK(v.entity != nullptr);
    for (const auto& m : v.mentions) FUZZ_CHECK(m.begin < m.end);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > fuzz::kMaxInput || size == 0) return 0;
  static const Analyzer analyzer(fuzz::gazetteer());
  const std::uint8_t mode = data[0];
  const std::string text = sanitize_utf8(fuzz::as_text(data + 1, size - 1));

  RawArticle raw;
  const std::size_t nl = text.find('\n');
  raw.title = text.substr(0, nl);
  raw.text = nl == std::string::npos ? std::string() : text.substr(nl + 1);
  raw.path = "fuzz.txt";
  raw.format = "text";
  raw.charset = "UTF-8";
  if (mode & 1) {
    raw.published = (mode & 2) ? Date::ymd(2024, 2, 15) : Date::ym(2024, 2);
    raw.published_text = raw.published->iso();
  }
  if (mode & 4) raw.source = "Tigris Wire";
  if (mode & 8) raw.url = "https://example.com/a";

  const Analysis a = analyzer.analyze(raw);
  FUZZ_CHECK(!a.id.empty());
  for (Facet f : {Facet::group, Facet::weapon, Facet::place}) check_values(a, f);
  if (a.killed.count) FUZZ_CHECK(*a.killed.count >= 0);
  if (a.injured.count) FUZZ_CHECK(*a.injured.count >= 0);
  if (a.event_date.date) FUZZ_CHECK(a.event_date.date->valid());
  const nlohmann::json record = analyzer.explain(a);
  (void)record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)schema::make_document(a, fuzz::gazetteer(), record);
  return 0;
}
