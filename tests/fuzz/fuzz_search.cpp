// The server's parameter and query handling, on the engine: a small index (the sample corpus,
// linked into incidents) is built once in a scratch folder; each input is a list of
// `name=value` lines, turned into a SearchRequest by incidex-serve's own parameter parsing
// (server/params.h: limits, ids checked against the gazetteer, dates, cursor, numbers) and run through search(), facet_values(), for_each() + export and
// get(). SearchError is the expected answer to a bad request; any other exception is a bug
// (incidex-serve would answer 500).
#include <xapian.h>

#include <optional>
#include <string>
#include <vector>

#include "analyzer.h"
#include "export.h"
#include "fuzz_support.h"
#include "incidents.h"
#include "index_writer.h"
#include "params.h"
#include "search.h"

using namespace incidex;

namespace {

const std::string& database() {
  static const std::string db = [] {
    const fuzz::fs::path path = fuzz::scratch() / "db";
    const Analyzer analyzer(fuzz::gazetteer());
    std::vector<std::string> ids;
    {
      IndexWriter writer(path, fuzz::gazetteer(), 1000);
      for (const auto& f : list_inputs({fuzz::kRoot / "sample_corpus"}, [](InputProblem&&) {}))
        read_file(f, fuzz::read_options(), [&](RawArticle&& raw) {
          Analysis a = analyzer.analyze(std::move(raw));
          writer.add(a, analyzer.explain(a));
          ids.push_back(a.id);
        }, [](InputProblem&&) {});
      writer.commit();
      IncidentLinker(writer.database(), fuzz::gazetteer()).link(ids);
    }
    return path.string();
  }();
  return db;
}

// The request the way incidex-serve reads /api/search (or /api/incidents with type=incident).
SearchRequest parse(const Params& p) {
  SearchRequest r = parse_filters(p, fuzz::gazetteer());
  parse_search_options(p, r, 100);
  r.type = p.one("type").value_or("article");
  if (r.type != "article" && r.type != "incident") throw SearchError("type", "invalid_value", "bad type");
  r.time_limit = 0.5;
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  static Searcher searcher(database(), fuzz::gazetteer());

  httplib::Params values;
  const std::string_view in = fuzz::as_text(data, size);
  std::size_t at = 0;
  while (at < in.size()) {
    std::size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) nl = in.size();
    const std::string_view line = in.substr(at, nl - at);
    const std::size_t eq = line.find('=');
    if (eq != std::string_view::npos) values.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    at = nl + 1;
  }

  try {
    // Every parameter of the search, facet-values, export and get endpoints.
    const Params p(values, filter_params({"sort", "per_page", "cursor", "facets", "facet_size", "histogram", "type",
                                          "facet", "prefix", "limit", "format", "id"}));
    const SearchRequest r = parse(p);
    const SearchResult result = searcher.search(r);
    FUZZ_CHECK(result.hits.size() <= r.per_page);
    if (result.next_offset) FUZZ_CHECK(decode_cursor(encode_cursor(*result.next_offset)) == *result.next_offset);

    if (auto facet = p.one("facet")) {
      const std::string prefix = p.one("prefix").value_or("");
      if (auto f = facet_of(*facet); f && prefix.size() <= 200)
        (void)searcher.facet_values(r, *f, prefix, p.number("limit", 10, 1, 100));
    }
    if (auto format = parse_export_format(p.one("format").value_or(""))) {
      searcher.check(r);
      ExportWriter writer(*format);
      std::size_t bytes = writer.header().size();
      searcher.for_each(r, [&](const nlohmann::json& record, const Xapian::Document&) { bytes += writer.row(record).size(); });
      bytes += writer.footer().size();
    }
    if (auto id = p.one("id")) (void)searcher.get(*id, r.type);
  } catch (const SearchError& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
  }
  return 0;
}
