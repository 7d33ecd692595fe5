// The API's request parameters: strict access (limits, unknown and repeated names) and the
// parsing shared by the search endpoints, as incidex-serve applies them. Every bad parameter is a
// SearchError naming it.
#pragma once

#include <fmt/format.h>
#include <httplib.h>

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gazetteer.h"
#include "search.h"

namespace incidex {

inline constexpr unsigned kDefaultPerPage = 20;
inline constexpr unsigned kMaxFacetSize = 100;
inline constexpr std::size_t kMaxParams = 64;
inline constexpr std::size_t kMaxParamValues = 50;  // values of one repeatable parameter

// One request's parameters, checked on construction (count, names) and on access. Keeps a
// reference: `params` must outlive it.
class Params {
 public:
  Params(const httplib::Params& params, const std::set<std::string>& allowed) : params_(params) {
    if (params.size() > kMaxParams)
      throw SearchError("", "too_many_parameters", fmt::format("{} parameters; the limit is {}", params.size(), kMaxParams));
    for (const auto& [k, v] : params) {
      if (!k.empty() && k[0] == '_') continue;  // cache busters
      if (!allowed.count(k)) throw SearchError(k, "unknown_parameter", fmt::format("unknown parameter '{}'", k));
    }
  }
  bool has(const std::string& name) const { return params_.count(name) > 0; }
  // A parameter given at most once.
  std::optional<std::string> one(const std::string& name) const {
    const auto n = params_.count(name);
    if (n == 0) return std::nullopt;
    if (n > 1) throw SearchError(name, "repeated_parameter", fmt::format("{} may be given once", name));
    return params_.find(name)->second;
  }
  // A repeatable parameter; each value may also be a comma-separated list.
  std::vector<std::string> many(const std::string& name) const {
    std::vector<std::string> out;
    const auto [first, last] = params_.equal_range(name);
    for (auto it = first; it != last; ++it) {
      const std::string& v = it->second;
      size_t at = 0;
      while (at <= v.size()) {
        size_t k = v.find(',', at);
        if (k == std::string::npos) k = v.size();
        if (k > at) out.push_back(v.substr(at, k - at));
        at = k + 1;
      }
    }
    if (out.size() > kMaxParamValues)
      throw SearchError(name, "too_many_values", fmt::format("{} has {} values; the limit is {}", name, out.size(), kMaxParamValues));
    return out;
  }
  unsigned number(const std::string& name, unsigned def, unsigned lo, unsigned hi) const {
    const auto v = one(name);
    if (!v) return def;
    unsigned long n = 0;
    bool ok = !v->empty() && v->size() <= 9;
    for (char c : *v) ok = ok && c >= '0' && c <= '9';
    if (ok) n = std::stoul(*v);
    if (!ok || n < lo || n > hi)
      throw SearchError(name, "invalid_number", fmt::format("{} must be a whole number from {} to {}, got '{}'", name, lo, hi, *v));
    return static_cast<unsigned>(n);
  }

 private:
  const httplib::Params& params_;
};

// The filter parameters (q, facets, role, dates, killed_min, bbox) plus `more`.
std::set<std::string> filter_params(std::initializer_list<const char*> more);

// The facet named `name` ("group", "weapon", "location", "source").
std::optional<Facet> facet_of(const std::string& name);

// The query and filters shared by search, facets and export; ids are checked against `g`.
SearchRequest parse_filters(const Params& p, const Gazetteer& g);

// What only searches take: sort, per_page (up to per_page_max), cursor, facets, facet_size,
// histogram.
void parse_search_options(const Params& p, SearchRequest& r, unsigned per_page_max);

}  // namespace incidex
