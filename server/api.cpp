#include "api.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>

#include "charset.h"
#include "export.h"
#include "http_server.h"
#include "search.h"

namespace incidex {

const httplib::Headers& security_headers() {
  static const httplib::Headers h = {{"X-Content-Type-Options", "nosniff"},
                                     {"Referrer-Policy", "no-referrer"},
                                     {"Content-Security-Policy",
                                      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                      "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"}};
  return h;
}

namespace {

using nlohmann::json;

constexpr unsigned kDefaultPerPage = 20;
constexpr unsigned kMaxFacetSize = 100;
constexpr std::size_t kMaxParams = 64;
constexpr std::size_t kMaxParamValues = 50;  // values of one repeatable parameter


#include "openapi_json.inc"  // kOpenApiJson: the OpenAPI document (server/openapi.json)

struct Context {
  ServerOptions options;
  const Gazetteer* gazetteer = nullptr;
};

Context& context() {
  static Context c;
  return c;
}

// Each worker thread has its own Searcher and with it its own Xapian objects.
Searcher& searcher() {
  thread_local std::unique_ptr<Searcher> s;
  if (!s) s = std::make_unique<Searcher>(context().options.db, *context().gazetteer);
  return *s;
}

std::string dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(dump(body), "application/json; charset=utf-8");
}

json error_json(const std::string& code, const std::string& message, const std::string& param) {
  json err = {{"code", code}, {"message", message}};
  err["param"] = param.empty() ? json(nullptr) : json(param);
  return {{"error", err}};
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message,
                const std::string& param = {}) {
  send_json(res, error_json(code, message, param), status);
}


bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// True when every '%' in `s` starts a %XX escape.
bool percent_escapes_ok(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '%' && (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))) return false;
  return true;
}

bool text_ok(std::string_view s) { return s.find('\0') == std::string_view::npos && is_valid_utf8(s); }

// Rejects, before routing, a target with a broken %-escape or whose path, parameter names or
// values do not decode to UTF-8 without NUL bytes (the same check covers the UI's files).
bool encoding_rejected(const httplib::Request& req, httplib::Response& res) {
  const auto reject = [&](const std::string& param, const std::string& what) {
    send_error(res, 400, "invalid_encoding", what, param);
    return true;
  };
  const std::string_view target = req.target;
  const std::size_t q = target.find('?');
  if (!percent_escapes_ok(target.substr(0, q))) return reject("", "the path has a '%' that is not followed by two hex digits");
  if (!text_ok(req.path)) return reject("", "the path is not UTF-8 text (or contains a NUL byte)");
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      const std::size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      if (!percent_escapes_ok(pair)) {
        const std::string key(pair.substr(0, pair.find('=')));
        return reject(percent_escapes_ok(key) ? httplib::detail::decode_url(key, true) : key,
                      "a parameter has a '%' that is not followed by two hex digits");
      }
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
  }
  for (const auto& [k, v] : req.params) {
    if (!text_ok(k)) return reject("", "a parameter name is not UTF-8 text (or contains a NUL byte)");
    if (!text_ok(v)) return reject(k, k + " is not UTF-8 text (or contains a NUL byte)");
  }
  return false;
}

std::optional<Facet> facet_of(const std::string& name) {
  for (Facet f : kAllFacets)
    if (facet_name(f) == name) return f;
  return std::nullopt;
}

// Parameter access with the checks every endpoint shares.
class Params {
 public:
  Params(const httplib::Request& req, std::set<std::string> allowed) : req_(req) {
    if (req.params.size() > kMaxParams)
      throw SearchError("", "too_many_parameters", fmt::format("{} parameters; the limit is {}", req.params.size(), kMaxParams));
    for (const auto& [k, v] : req.params) {
      if (!k.empty() && k[0] == '_') continue;  // cache busters
      if (!allowed.count(k)) throw SearchError(k, "unknown_parameter", fmt::format("unknown parameter '{}'", k));
    }
  }
  // A parameter given at most once.
  std::optional<std::string> one(const std::string& name) const {
    const auto n = req_.get_param_value_count(name.c_str());
    if (n == 0) return std::nullopt;
    if (n > 1) throw SearchError(name, "repeated_parameter", fmt::format("{} may be given once", name));
    return req_.get_param_value(name.c_str());
  }
  // A repeatable parameter; each value may also be a comma-separated list.
  std::vector<std::string> many(const std::string& name) const {
    std::vector<std::string> out;
    const auto n = req_.get_param_value_count(name.c_str());
    for (size_t i = 0; i < n; ++i) {
      const std::string v = req_.get_param_value(name.c_str(), i);
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
  const httplib::Request& req_;
};

const std::set<std::string> kFilterParams = {"q", "group", "weapon", "location", "source", "role", "date_from",
                                              "date_to", "published_from", "published_to", "killed_min", "bbox"};

std::set<std::string> with(std::set<std::string> base, std::initializer_list<const char*> more) {
  for (const char* m : more) base.insert(m);
  return base;
}

// The query and filters shared by search, facets and export.
SearchRequest parse_filters(const Params& p) {
  const Gazetteer& g = *context().gazetteer;
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
  r.time_limit = context().options.time_limit;
  return r;
}

json facet_list(const json& list, bool place) {
  json out = json::array();
  if (!list.is_array()) return out;
  for (const auto& v : list) {
    json item = {{"id", v.value("id", "")}, {"name", v.value("name", "")}, {"role", v.value("role", "")}};
    if (place) {
      item["kind"] = v.value("kind", "");
      item["lat"] = v.contains("lat") ? v["lat"] : json(nullptr);
      item["lon"] = v.contains("lon") ? v["lon"] : json(nullptr);
    }
    out.push_back(std::move(item));
  }
  return out;
}

json hit_json(const Hit& h) {
  const json& r = h.record;
  const auto get = [&](const char* k) { return r.contains(k) ? r[k] : json(nullptr); };
  return {{"id", get("id")},
          {"title", get("title")},
          {"source", get("source")},
          {"source_id", get("source_id")},
          {"url", get("url")},
          {"published", get("published")},
          {"event_date", get("event_date")},
          {"event_date_precision", get("event_date_precision")},
          {"snippet", h.snippet},
          {"groups", facet_list(get("groups"), false)},
          {"weapons", facet_list(get("weapons"), false)},
          {"locations", facet_list(get("locations"), true)},
          {"killed", get("killed")},
          {"injured", get("injured")},
          {"incident", get("incident")},
          {"score", h.score}};
}

json facet_json(const FacetResult& f) {
  json values = json::array();
  for (const auto& v : f.values)
    values.push_back({{"id", v.id}, {"name", v.name}, {"parent", v.parent.empty() ? json(nullptr) : json(v.parent)},
                      {"count", v.count}, {"selected", v.selected}});
  return {{"values", values}, {"other", f.other}};
}

json incident_hit_json(const Hit& h) {
  json out = h.record;
  out.erase("facts");
  out.erase("reports");
  for (const char* field : {"groups", "weapons", "locations"}) out[field] = facet_list(out.value(field, json::array()), std::string(field) == "locations");
  out["snippet"] = h.snippet;
  out["score"] = h.score;
  return out;
}

void run_search(const httplib::Request& req, httplib::Response& res, const std::string& type) {
  const Params p(req, with(kFilterParams, {"sort", "per_page", "cursor", "facets", "facet_size", "histogram"}));
  SearchRequest r = parse_filters(p);
  r.type = type;
  if (auto s = p.one("sort")) {
    if (*s == "relevance") r.sort = SortOrder::relevance;
    else if (*s == "date") r.sort = SortOrder::date_asc;
    else if (*s == "-date") r.sort = SortOrder::date_desc;
    else throw SearchError("sort", "invalid_value", "sort must be relevance, date or -date, got '" + *s + "'");
  }
  r.per_page = p.number("per_page", kDefaultPerPage, 1, context().options.per_page_max);
  if (auto c = p.one("cursor")) r.offset = decode_cursor(*c);
  if (req.has_param("facets")) {
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
  const SearchResult result = searcher().search(r);
  json hits = json::array();
  for (const auto& h : result.hits) hits.push_back(type == "incident" ? incident_hit_json(h) : hit_json(h));
  json facets = json::object();
  for (const auto& [f, fr] : result.facets) facets[std::string(facet_name(f))] = facet_json(fr);
  json body = {{"total", result.total},
               {"exact", result.exact},
               {"hits", hits},
               {"facets", facets},
               {"suggestion", result.suggestion.empty() ? json(nullptr) : json(result.suggestion)},
               {"next_cursor", result.next_offset ? json(encode_cursor(*result.next_offset)) : json(nullptr)},
               {"took_ms", result.took_ms}};
  if (r.histogram) {
    json buckets = json::array();
    for (const auto& b : result.histogram) buckets.push_back({{"key", b.key}, {"count", b.count}});
    body["histogram"] = buckets;
  } else {
    body["histogram"] = nullptr;
  }
  send_json(res, body);
}

void handle_search(const httplib::Request& req, httplib::Response& res) { run_search(req, res, "article"); }
void handle_incidents(const httplib::Request& req, httplib::Response& res) { run_search(req, res, "incident"); }

// An incident with its reports and its related incidents in both directions.
void handle_incident(const httplib::Request& req, httplib::Response& res) {
  const Params p(req, {});
  const std::string id = req.matches[1];
  auto inc = searcher().get(id, "incident");
  if (!inc) return send_error(res, 404, "not_found", fmt::format("no incident with id '{}'", id), "id");
  const auto brief = [](const json& i) {
    return json{{"id", i.value("id", "")}, {"title", i.value("title", "")}, {"event_date", i.value("event_date", json())},
                {"summary", i.value("summary", "")}};
  };
  json related = {{"responds_to", json::array()}, {"responded_by", json::array()}, {"recalls", json::array()}, {"recalled_by", json::array()}};
  for (const char* k : {"responds_to", "recalls"})
    for (const auto& other : (*inc)["related"].value(k, json::array()))
      if (auto o = searcher().get(other.get<std::string>(), "incident")) related[k].push_back(brief(*o));
  for (const auto& o : searcher().records_with_term("XR" + id)) related["responded_by"].push_back(brief(o));
  for (const auto& o : searcher().records_with_term("XV" + id)) related["recalled_by"].push_back(brief(o));
  (*inc)["related"] = related;
  send_json(res, *inc);
}

void handle_article(const httplib::Request& req, httplib::Response& res) {
  const Params p(req, {});
  const std::string id = req.matches[1];
  auto doc = searcher().get(id);
  if (!doc) return send_error(res, 404, "not_found", fmt::format("no article with id '{}'", id), "id");
  send_json(res, *doc);
}

void handle_facet(const httplib::Request& req, httplib::Response& res) {
  const Params p(req, with(kFilterParams, {"prefix", "limit"}));
  const auto f = facet_of(req.matches[1]);
  if (!f) return send_error(res, 404, "not_found", fmt::format("no facet '{}': use group, weapon, location or source", std::string(req.matches[1])), "facet");
  const SearchRequest r = parse_filters(p);
  const std::string prefix = p.one("prefix").value_or("");
  if (prefix.size() > 200) throw SearchError("prefix", "too_long", "prefix is longer than 200 bytes");
  const unsigned limit = p.number("limit", 10, 1, kMaxFacetSize);
  json body = facet_json(searcher().facet_values(r, *f, prefix, limit));
  body["facet"] = std::string(facet_name(*f));
  body["prefix"] = prefix;
  send_json(res, body);
}

void handle_export(const httplib::Request& req, httplib::Response& res) {
  const Params p(req, with(kFilterParams, {"format", "type"}));
  const std::string name = p.one("format").value_or("csv");
  const auto format = parse_export_format(name);
  if (!format) throw SearchError("format", "invalid_value", "format must be csv, jsonl or geojson, got '" + name + "'");
  SearchRequest r = parse_filters(p);
  r.type = p.one("type").value_or("article");
  if (r.type != "article" && r.type != "incident")
    throw SearchError("type", "invalid_value", "type must be article or incident, got '" + r.type + "'");
  // Validate the query before the response starts streaming, so that errors are still JSON.
  searcher().check(r);
  res.set_header("Content-Disposition", fmt::format("attachment; filename=\"incidex-export.{}\"", file_extension(*format)));
  res.set_chunked_content_provider(std::string(content_type(*format)), [r, format](size_t, httplib::DataSink& sink) {
    ExportWriter writer(*format);
    bool open = true;
    const auto write = [&](const std::string& s) {
      if (open && !s.empty()) open = sink.write(s.data(), s.size());
    };
    write(writer.header());
    searcher().for_each(r, [&](const json& record, const Xapian::Document&) { write(writer.row(record)); });
    write(writer.footer());
    sink.done();
    return true;
  });
}

void handle_stats(const httplib::Request& req, httplib::Response& res) {
  const Params p(req, {"top"});
  send_json(res, searcher().stats(p.number("top", 10, 1, 1000)));
}

void handle_health(const httplib::Request& req, httplib::Response& res) {
  const Params p(req, {});
  send_json(res, {{"status", "ok"}, {"documents", searcher().doc_count()}});
}

// Wraps a handler so that user errors become 400s and database trouble a JSON 503/500.
template <class H>
httplib::Server::Handler guarded(H handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const SearchError& e) {
      send_error(res, 400, e.code(), e.what(), e.param());
    } catch (const Xapian::DatabaseOpeningError& e) {
      std::fprintf(stderr, "incidex-serve: %s: %s\n", e.get_type(), e.get_msg().c_str());
      send_error(res, 503, "unavailable", "the index cannot be opened right now");
    } catch (const Xapian::NetworkError& e) {
      std::fprintf(stderr, "incidex-serve: %s: %s\n", e.get_type(), e.get_msg().c_str());
      send_error(res, 503, "unavailable", "a shard of the index is not reachable");
    }
  };
}

}  // namespace

std::string error_body(const std::string& code, const std::string& message) {
  return dump(error_json(code, message, {}));
}

const std::vector<std::string>& api_routes() {
  static const std::vector<std::string> routes = {"/api/search", "/api/articles/{id}", "/api/incidents", "/api/incidents/{id}",
                                                  "/api/facets/{facet}", "/api/export", "/api/stats", "/api/health",
                                                  "/api/openapi.json"};
  return routes;
}

void install_api(httplib::Server& server, const ServerOptions& options, const Gazetteer& gazetteer) {
  context().options = options;
  context().gazetteer = &gazetteer;

  // HttpServer reads requests itself; these are what httplib writes in Keep-Alive headers and a
  // backstop for bodies (which HttpServer never passes on).
  server.set_keep_alive_timeout(http_limits::kIdleTimeoutSeconds);
  server.set_keep_alive_max_count(http_limits::kKeepAliveMax);
  server.set_payload_max_length(http_limits::kMaxBody);
  server.set_default_headers(security_headers());
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    return encoding_rejected(req, res) ? httplib::Server::HandlerResponse::Handled : httplib::Server::HandlerResponse::Unhandled;
  });

  server.Get("/api/search", guarded(handle_search));
  server.Get(R"(/api/articles/(.+))", guarded(handle_article));
  server.Get("/api/incidents", guarded(handle_incidents));
  server.Get(R"(/api/incidents/(.+))", guarded(handle_incident));
  server.Get(R"(/api/facets/([^/]+))", guarded(handle_facet));
  server.Get("/api/export", guarded(handle_export));
  server.Get("/api/stats", guarded(handle_stats));
  server.Get("/api/health", guarded(handle_health));
  server.Get("/api/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kOpenApiJson, "application/json; charset=utf-8");
  });
  if (!options.web_dir.empty()) {
    server.set_mount_point("/", options.web_dir.string());
    server.set_file_extension_and_mimetype_mapping("geojson", "application/geo+json");
    server.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  }

  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404: return send_error(res, 404, "not_found", fmt::format("no such route: {}", req.path));
      case 405: return send_error(res, 405, "method_not_allowed", "only GET is supported");
      case 413: return send_error(res, 413, "payload_too_large", "the request body is too large");
      case 414: return send_error(res, 414, "uri_too_long", "the request URI is too long");
      case 400: return send_error(res, 400, "bad_request", "the request could not be parsed");
      case 431: return send_error(res, 431, "headers_too_large", "the request headers are too large");
      default: return send_error(res, res.status, "error", fmt::format("HTTP status {}", res.status));
    }
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const Xapian::Error& e) {
      std::fprintf(stderr, "incidex-serve: %s %s: %s: %s\n", req.method.c_str(), req.path.c_str(), e.get_type(), e.get_msg().c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "incidex-serve: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
    } catch (...) {
      std::fprintf(stderr, "incidex-serve: %s %s: unknown exception\n", req.method.c_str(), req.path.c_str());
    }
    send_error(res, 500, "internal_error", "unexpected error; the server log has the details");
  });
}

}  // namespace incidex
