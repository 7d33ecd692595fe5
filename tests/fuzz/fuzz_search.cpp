// The server's parameter and query handling, on the engine: a small index (the sample corpus,
// linked into incidents) is built once in a scratch folder; each input is a list of
// `name=value` lines, turned into a SearchRequest the way incidex-serve does (ids checked
// against the gazetteer, dates through date_bound, the cursor through decode_cursor, numbers
// within the API's limits) and run through search(), facet_values(), for_each() + export and
// get(). SearchError is the expected answer to a bad request; any other exception is a bug
// (incidex-serve would answer 500).
#include <xapian.h>

#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyzer.h"
#include "export.h"
#include "fuzz_support.h"
#include "incidents.h"
#include "index_writer.h"
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

struct Params {
  std::multimap<std::string, std::string> values;

  std::optional<std::string> one(const std::string& name) const {
    const auto n = values.count(name);
    if (n == 0) return std::nullopt;
    if (n > 1) throw SearchError(name, "repeated_parameter", name + " may be given once");
    return values.find(name)->second;
  }
  std::vector<std::string> many(const std::string& name) const {
    std::vector<std::string> out;
    const auto [b, e] = values.equal_range(name);
    for (auto it = b; it != e; ++it) {
      const std::string& v = it->second;
      std::size_t at = 0;
      while (at <= v.size()) {
        std::size_t k = v.find(',', at);
        if (k == std::string::npos) k = v.size();
        if (k > at) out.push_back(v.substr(at, k - at));
        at = k + 1;
      }
    }
    if (out.size() > 50) throw SearchError(name, "too_many_values", "too many values");
    return out;
  }
  unsigned number(const std::string& name, unsigned def, unsigned lo, unsigned hi) const {
    const auto v = one(name);
    if (!v) return def;
    bool ok = !v->empty() && v->size() <= 9;
    for (char c : *v) ok = ok && c >= '0' && c <= '9';
    const unsigned long n = ok ? std::stoul(*v) : 0;
    if (!ok || n < lo || n > hi) throw SearchError(name, "invalid_number", "bad number");
    return static_cast<unsigned>(n);
  }
};

std::optional<Facet> facet_of(const std::string& name) {
  for (Facet f : kAllFacets)
    if (facet_name(f) == name) return f;
  return std::nullopt;
}

SearchRequest parse(const Params& p) {
  const Gazetteer& g = fuzz::gazetteer();
  SearchRequest r;
  r.q = p.one("q").value_or("");
  for (Facet f : kAllFacets) {
    const std::string name(facet_name(f));
    for (auto& id : p.many(name)) {
      if (f != Facet::source && !g.find(f, id)) throw SearchError(name, "unknown_value", "unknown id");
      r.filters[f].push_back(std::move(id));
    }
  }
  if (auto role = p.one("role")) {
    if (*role != "main" && *role != "any") throw SearchError("role", "invalid_value", "bad role");
    r.any_role = *role == "any";
  }
  if (auto v = p.one("date_from")) r.date_from = date_bound(*v, false, "date_from");
  if (auto v = p.one("date_to")) r.date_to = date_bound(*v, true, "date_to");
  if (auto v = p.one("published_from")) r.published_from = date_bound(*v, false, "published_from");
  if (auto v = p.one("published_to")) r.published_to = date_bound(*v, true, "published_to");
  if (!r.date_from.empty() && !r.date_to.empty() && r.date_from > r.date_to)
    throw SearchError("date_to", "invalid_range", "date_to is before date_from");
  if (p.one("killed_min")) r.killed_min = static_cast<int>(p.number("killed_min", 0, 0, 1000000));
  if (auto b = p.one("bbox")) {
    std::array<double, 4> v{};
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) {
      const std::size_t comma = b->find(',', at);
      if ((i < 3) == (comma == std::string::npos)) throw SearchError("bbox", "invalid_value", "bad bbox");
      const std::string part = b->substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      char* end = nullptr;
      v[i] = std::strtod(part.c_str(), &end);
      if (part.empty() || *end != '\0' || !std::isfinite(v[i])) throw SearchError("bbox", "invalid_value", "bad bbox");
      at = comma + 1;
    }
    if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3])
      throw SearchError("bbox", "invalid_value", "bad bbox");
    r.bbox = v;
  }
  if (auto s = p.one("sort")) {
    if (*s == "relevance") r.sort = SortOrder::relevance;
    else if (*s == "date") r.sort = SortOrder::date_asc;
    else if (*s == "-date") r.sort = SortOrder::date_desc;
    else throw SearchError("sort", "invalid_value", "bad sort");
  }
  r.per_page = p.number("per_page", 20, 1, 100);
  if (auto c = p.one("cursor")) r.offset = decode_cursor(*c);
  if (p.values.count("facets")) {
    r.facets.clear();
    for (const auto& name : p.many("facets")) {
      if (name == "none") continue;
      auto f = facet_of(name);
      if (!f) throw SearchError("facets", "invalid_value", "bad facet");
      r.facets.push_back(*f);
    }
  }
  r.facet_size = p.number("facet_size", 10, 1, 100);
  if (auto h = p.one("histogram")) {
    if (*h == "day") r.histogram = Interval::day;
    else if (*h == "week") r.histogram = Interval::week;
    else if (*h == "month") r.histogram = Interval::month;
    else if (*h == "year") r.histogram = Interval::year;
    else throw SearchError("histogram", "invalid_value", "bad histogram");
  }
  r.type = p.one("type").value_or("article");
  if (r.type != "article" && r.type != "incident") throw SearchError("type", "invalid_value", "bad type");
  r.time_limit = 0.5;
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  static Searcher searcher(database(), fuzz::gazetteer());

  Params p;
  const std::string_view in = fuzz::as_text(data, size);
  std::size_t at = 0;
  while (at < in.size() && p.values.size() < 64) {
    std::size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) nl = in.size();
    const std::string_view line = in.substr(at, nl - at);
    const std::size_t eq = line.find('=');
    if (eq != std::string_view::npos) p.values.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    at = nl + 1;
  }

  try {
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
