#include "params.h"

#include <array>
#include <cmath>
#include <cstdlib>

namespace incidex {

std::set<std::string> filter_params(std::initializer_list<const char*> more) {
  std::set<std::string> names = {"q", "group", "weapon", "location", "source", "role", "date_from",
                                 "date_to", "published_from", "published_to", "killed_min", "bbox"};
  for (const char* m : more) names.insert(m);
  return names;
}

std::optional<Facet> facet_of(const std::string& name) {
  for (Facet f : kAllFacets)
    if (facet_name(f) == name) return f;
  return std::nullopt;
}

SearchRequest parse_filters(const Params& p, const Gazetteer& g) {
  SearchRequest r;
  r.q = p.one("q").value_or("");
  for (Facet f : kAllFacets) {
    const std::string name(facet_name(f));
    for (auto& id : p.many(name)) {
      if (f != Facet::source && !g.find(f, id))
        throw SearchError(name, "unknown_value", fmt::format("{} '{}' is not a known {} id (see /api/facets/{})", name, id, name, name));
      r.filters[f].push_back(std::move(id));
    }
  }
  if (auto role = p.one("role")) {
    if (*role != "main" && *role != "any") throw SearchError("role", "invalid_value", "role must be main or any, got '" + *role + "'");
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
    const auto bad = [&] {
      return SearchError("bbox", "invalid_value", "bbox must be min_lon,min_lat,max_lon,max_lat in degrees, got '" + *b + "'");
    };
    std::array<double, 4> v{};
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) {
      const std::size_t comma = b->find(',', at);
      if ((i < 3) == (comma == std::string::npos)) throw bad();
      const std::string part = b->substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      char* end = nullptr;
      v[i] = std::strtod(part.c_str(), &end);
      if (part.empty() || *end != '\0' || !std::isfinite(v[i])) throw bad();
      at = comma + 1;
    }
    if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3]) throw bad();
    r.bbox = v;
  }
  return r;
}

void parse_search_options(const Params& p, SearchRequest& r, unsigned per_page_max) {
  if (auto s = p.one("sort")) {
    if (*s == "relevance") r.sort = SortOrder::relevance;
    else if (*s == "date") r.sort = SortOrder::date_asc;
    else if (*s == "-date") r.sort = SortOrder::date_desc;
    else throw SearchError("sort", "invalid_value", "sort must be relevance, date or -date, got '" + *s + "'");
  }
  r.per_page = p.number("per_page", kDefaultPerPage, 1, per_page_max);
  if (auto c = p.one("cursor")) r.offset = decode_cursor(*c);
  if (p.has("facets")) {
    r.facets.clear();
    for (const auto& name : p.many("facets")) {
      if (name == "none") continue;
      auto f = facet_of(name);
      if (!f) throw SearchError("facets", "invalid_value", "facets lists group, weapon, location, source or none; got '" + name + "'");
      r.facets.push_back(*f);
    }
  }
  r.facet_size = p.number("facet_size", 10, 1, kMaxFacetSize);
  if (auto h = p.one("histogram")) {
    if (*h == "day") r.histogram = Interval::day;
    else if (*h == "week") r.histogram = Interval::week;
    else if (*h == "month") r.histogram = Interval::month;
    else if (*h == "year") r.histogram = Interval::year;
    else throw SearchError("histogram", "invalid_value", "histogram must be day, week, month or year, got '" + *h + "'");
  }
}

}  // namespace incidex
