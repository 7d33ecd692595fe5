#include "api.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "charset.h"
#include "export.h"
#include "search.h"

namespace incidex {
namespace {

using nlohmann::json;

constexpr unsigned kDefaultPerPage = 20;
constexpr unsigned kMaxFacetSize = 100;
constexpr std::size_t kMaxParams = 64;
constexpr std::size_t kMaxParamValues = 50;  // values of one repeatable parameter

// Limits of HttpServer's reading of requests (docs/security.md lists them all).
constexpr std::size_t kMaxRequestLine = 8192;  // bytes with its CRLF (httplib's own URI limit)
constexpr std::size_t kMaxHeaderLine = 8192;   // bytes with its CRLF (httplib's own line limit)
constexpr std::size_t kMaxHead = 32 * 1024;    // request line and headers
constexpr std::size_t kMaxBody = 64 * 1024;    // bodies are read and dropped: GET takes none
constexpr int kIdleTimeoutSeconds = 5;         // a connection waiting for its first or next request
constexpr int kKeepAliveMax = 100;             // requests per connection
constexpr int kWriteTimeoutSeconds = 30;       // one stalled write of an answer
constexpr auto kDrainTime = std::chrono::seconds(2);  // reading what follows a refused request
constexpr std::size_t kDrainMax = 1 << 20;

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

// Sent with every answer, the UI's files included; the UI loads nothing inline or from elsewhere.
const httplib::Headers& security_headers() {
  static const httplib::Headers h = {{"X-Content-Type-Options", "nosniff"},
                                     {"Referrer-Policy", "no-referrer"},
                                     {"Content-Security-Policy",
                                      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                      "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"}};
  return h;
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
  server.set_keep_alive_timeout(kIdleTimeoutSeconds);
  server.set_keep_alive_max_count(kKeepAliveMax);
  server.set_payload_max_length(kMaxBody);
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

// HttpServer: one poll() loop reads every connection; workers get complete requests only.

namespace {

using Clock = std::chrono::steady_clock;

// A whole answer written by the poll loop itself, for requests that never reach httplib.
std::string canned_answer(int status, const char* reason, const std::string& code, const std::string& message) {
  const std::string body = dump(error_json(code, message, {}));
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n"
                                "Connection: close\r\n", status, reason, body.size());
  if (status == 405) out += "Allow: GET, HEAD\r\n";
  for (const auto& [k, v] : security_headers()) out += k + ": " + v + "\r\n";
  return out + "\r\n" + body;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

void socket_name(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0) return;
  char buf[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in->sin6_addr, buf, sizeof buf);
    port = ntohs(in->sin6_port);
  }
  ip = buf;
}

// What httplib reads a request from: its bytes, already received in full by the poll loop; and
// the socket its answer goes to, each stalled write waiting at most kWriteTimeoutSeconds.
class RequestStream : public httplib::Stream {
 public:
  RequestStream(int fd, std::string_view request) : fd_(fd), request_(request) {}
  bool is_readable() const override { return at_ < request_.size(); }
  bool is_writable() const override { return wait_writable(); }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, request_.size() - at_);
    std::memcpy(ptr, request_.data() + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    while (!failed_) {
      const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable())) continue;
      failed_ = true;
    }
    return -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { socket_name(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { socket_name(fd_, false, ip, port); }
  socket_t socket() const override { return fd_; }
  bool failed() const { return failed_; }

 private:
  bool wait_writable() const {
    pollfd p{fd_, POLLOUT, 0};
    int r;
    do r = ::poll(&p, 1, kWriteTimeoutSeconds * 1000);
    while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & POLLOUT);
  }

  int fd_;
  std::string_view request_;
  std::size_t at_ = 0;
  bool failed_ = false;
};

struct Connection {
  enum class State { idle, reading, busy, draining };
  int fd = -1;                // -1 once closed
  State state = State::idle;  // busy: a worker owns it
  Clock::time_point since;    // idle, draining: since when; reading: the request's first byte
  std::string in;             // received bytes not yet part of a request
  std::size_t scan = 0;       // `in` has been checked line by line up to here
  std::size_t line = 0;       // start of the line being read
  std::string request;        // request line and headers, once complete
  std::size_t skip = 0;       // body bytes still to drop before the request goes to a worker
  std::size_t drained = 0;
  unsigned served = 0;
  bool keep = false;          // set by the worker: the connection may carry another request
};

}  // namespace

struct HttpServer::Impl {
  HttpServer& server;
  ServerOptions options;
  int wake = -1;  // eventfd: stop() and workers returning connections interrupt poll()
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable work_ready;
  std::deque<Connection*> jobs;  // complete requests
  std::vector<Connection*> done;  // answered, for the poll loop to take back
  std::vector<std::thread> workers;
  std::vector<std::unique_ptr<Connection>> connections;  // the poll loop's; busy ones are the workers'
  std::size_t open = 0;

  Impl(HttpServer& s, const ServerOptions& o) : server(s), options(o), wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Impl() {
    if (wake >= 0) ::close(wake);
  }

  void wake_up() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake, &one, sizeof one);
  }

  void close_connection(Connection& c) {
    if (c.fd < 0) return;
    ::close(c.fd);
    c.fd = -1;
    --open;
  }

  // Answers a request that does not reach httplib, then reads and drops what the client still
  // sends for a while, so that closing does not reset the connection before it reads the answer.
  void refuse(Connection& c, int status, const char* reason, const std::string& code, const std::string& message) {
    const std::string answer = canned_answer(status, reason, code, message);
    [[maybe_unused]] const auto n = ::send(c.fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(c.fd, SHUT_WR);
    c.state = Connection::State::draining;
    c.since = Clock::now();
    std::string().swap(c.in);
    std::string().swap(c.request);
    c.drained = 0;
  }

  void dispatch(Connection& c) {
    c.state = Connection::State::busy;
    {
      std::lock_guard lock(mutex);
      jobs.push_back(&c);
    }
    work_ready.notify_one();
  }

  // The request line and headers `c.in[0, end)` are complete: check how the request is framed.
  void headers_done(Connection& c, std::size_t end) {
    const std::string_view head(c.in.data(), end);
    const std::string_view request_line = trim(head.substr(0, head.find('\n')));
    const std::size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    const std::string_view method = request_line.substr(0, sp1);
    const std::string_view target = sp1 == sp2 ? std::string_view() : request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const bool printable = std::all_of(target.begin(), target.end(), [](char ch) { return ch > ' ' && ch < 0x7f; });
    if (sp1 == std::string_view::npos || sp1 == 0 || target.empty() || !printable ||
        request_line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
      return refuse(c, 400, "Bad Request", "bad_request", "the request line must be METHOD /target HTTP/1.x in printable ASCII");
    std::optional<std::size_t> length;
    bool chunked = false;
    for (std::size_t at = head.find('\n') + 1; at < end;) {
      const std::size_t nl = head.find('\n', at);
      const std::string_view line = head.substr(at, nl - at);
      at = nl + 1;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
      if (iequals(name, "Transfer-Encoding")) chunked = true;
      if (!iequals(name, "Content-Length")) continue;
      const bool digits = !value.empty() && value.size() <= 18 && std::all_of(value.begin(), value.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (!digits || (length && *length != std::stoull(std::string(value))))
        return refuse(c, 400, "Bad Request", "bad_request", "Content-Length must be one whole number");
      length = std::stoull(std::string(value));
    }
    if (length.value_or(0) > kMaxBody) return refuse(c, 413, "Payload Too Large", "payload_too_large", "the request body is too large");
    if (method != "GET" && method != "HEAD") return refuse(c, 405, "Method Not Allowed", "method_not_allowed", "only GET is supported");
    if (chunked) return refuse(c, 400, "Bad Request", "bad_request", "a GET request takes no body");
    c.request.assign(c.in, 0, end);
    c.in.erase(0, end);
    c.scan = c.line = 0;
    c.skip = length.value_or(0);
    parse(c);
  }

  // Reads what `c.in` holds: a request goes to a worker once complete, an oversized one is
  // answered here; otherwise the connection waits for more bytes.
  void parse(Connection& c) {
    if (!c.request.empty()) {  // dropping the body of a GET
      const std::size_t n = std::min(c.skip, c.in.size());
      c.in.erase(0, n);
      c.skip -= n;
      if (c.skip == 0) dispatch(c);
      return;
    }
    if (c.in.empty()) return;
    if (c.state == Connection::State::idle) {
      c.state = Connection::State::reading;
      c.since = Clock::now();
    }
    for (;;) {
      const std::size_t nl = c.in.find('\n', c.scan);
      const std::size_t end = nl == std::string::npos ? c.in.size() : nl + 1;
      const std::size_t len = end - c.line;
      if (c.line == 0 && len > kMaxRequestLine)
        return refuse(c, 414, "URI Too Long", "uri_too_long", "the request URI is too long");
      if (len > kMaxHeaderLine || end > kMaxHead)
        return refuse(c, 431, "Request Header Fields Too Large", "headers_too_large", "the request headers are too large");
      if (nl == std::string::npos) {
        c.scan = c.in.size();
        return;
      }
      const bool blank = c.line > 0 && len == 2 && c.in[c.line] == '\r';
      c.line = c.scan = end;
      if (blank) return headers_done(c, end);
    }
  }

  void receive(Connection& c) {
    char buf[16384];
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return close_connection(c);
    if (c.state == Connection::State::draining) {
      c.drained += static_cast<std::size_t>(n);
      if (c.drained > kDrainMax) close_connection(c);
      return;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    parse(c);
  }

  Clock::time_point deadline(const Connection& c) const {
    switch (c.state) {
      case Connection::State::idle: return c.since + std::chrono::seconds(kIdleTimeoutSeconds);
      case Connection::State::reading:
        return c.since + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.request_timeout));
      case Connection::State::draining: return c.since + kDrainTime;
      case Connection::State::busy: break;
    }
    return Clock::time_point::max();
  }

  // At the connection limit: closes a connection already refused, else the one that has waited
  // longest without a complete request (idle or unfinished: a new connection whose request is
  // on its way is never the one); false when every connection is being served.
  bool evict_one() {
    Connection* victim = nullptr;
    const auto rank = [](const Connection& c) { return c.state == Connection::State::draining ? 0 : 1; };
    for (auto& c : connections) {
      if (c->fd < 0 || c->state == Connection::State::busy) continue;
      if (!victim || std::make_pair(rank(*c), c->since) < std::make_pair(rank(*victim), victim->since)) victim = c.get();
    }
    if (victim) close_connection(*victim);
    return victim != nullptr;
  }

  void accept_all(int listener, Clock::time_point& listen_again) {
    for (int i = 0; i < 64; ++i) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        // Out of descriptors (or worse): let connections close before accepting again.
        if (errno != EAGAIN && errno != EWOULDBLOCK) listen_again = Clock::now() + std::chrono::milliseconds(100);
        return;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (open >= options.max_connections && !evict_one()) {
        const std::string answer = canned_answer(503, "Service Unavailable", "unavailable", "too many open connections; retry later");
        [[maybe_unused]] const auto n = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        continue;
      }
      auto c = std::make_unique<Connection>();
      c->fd = fd;
      c->since = Clock::now();
      connections.push_back(std::move(c));
      ++open;
    }
  }

  void serve(Connection& c) {
    ++c.served;
    const bool last = c.served >= kKeepAliveMax || stopping;
    bool closed = false, ok = false;
    RequestStream stream(c.fd, c.request);
    try {
      ok = server.process_request(stream, last, closed, nullptr);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "incidex-serve: %s\n", e.what());
    }
    c.keep = ok && !closed && !last && !stream.failed();
    std::string().swap(c.request);
  }

  void work() {
    for (;;) {
      Connection* c = nullptr;
      {
        std::unique_lock lock(mutex);
        work_ready.wait(lock, [&] { return !jobs.empty() || stopping; });
        if (jobs.empty()) return;
        c = jobs.front();
        jobs.pop_front();
      }
      serve(*c);
      {
        std::lock_guard lock(mutex);
        done.push_back(c);
      }
      wake_up();
    }
  }

  bool run() {
    const int listener = server.svr_sock_;
    if (listener == INVALID_SOCKET || wake < 0) return false;
    ::listen(listener, 1024);  // httplib listens with a backlog of 5
    ::fcntl(listener, F_SETFL, ::fcntl(listener, F_GETFL) | O_NONBLOCK);
    for (unsigned i = 0; i < std::max(1u, options.threads); ++i) workers.emplace_back([this] { work(); });

    Clock::time_point listen_again{};
    std::vector<pollfd> fds;
    std::vector<Connection*> polled;
    while (!stopping) {
      std::vector<Connection*> back;
      {
        std::lock_guard lock(mutex);
        back.swap(done);
      }
      for (Connection* c : back) {
        if (!c->keep) {
          close_connection(*c);
          continue;
        }
        c->state = Connection::State::idle;
        c->since = Clock::now();
        if (c->in.empty()) c->in.shrink_to_fit();  // an idle connection keeps no buffer
        parse(*c);  // a pipelined request may be there already
      }
      std::erase_if(connections, [](const auto& c) { return c->fd < 0; });

      const auto now = Clock::now();
      const bool listening = now >= listen_again;
      fds.assign({{wake, POLLIN, 0}, {listening ? listener : -1, POLLIN, 0}});
      polled.clear();
      auto next = now + std::chrono::seconds(1);
      if (!listening) next = std::min(next, listen_again);
      for (auto& c : connections) {
        if (c->state == Connection::State::busy) continue;
        fds.push_back({c->fd, POLLIN, 0});
        polled.push_back(c.get());
        next = std::min(next, deadline(*c));
      }
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
      if (::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait, 0, 1000))) < 0) {
        if (errno == EINTR) continue;
        std::perror("incidex-serve: poll");
        break;
      }
      if (fds[0].revents) {
        std::uint64_t v;
        [[maybe_unused]] const auto n = ::read(wake, &v, sizeof v);
      }
      for (std::size_t i = 0; i < polled.size(); ++i)
        if (fds[i + 2].revents && polled[i]->fd >= 0) receive(*polled[i]);
      if (fds[1].revents & POLLIN) accept_all(listener, listen_again);
      const auto later = Clock::now();
      for (auto& c : connections) {
        if (c->fd < 0 || c->state == Connection::State::busy || later < deadline(*c)) continue;
        char byte;
        if (c->state == Connection::State::idle && ::recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
          receive(*c);  // a request arrived since poll() returned: take it rather than close on it
          continue;
        }
        if (c->state == Connection::State::reading)
          refuse(*c, 408, "Request Timeout", "request_timeout",
                 fmt::format("the request did not arrive in full within {} s", options.request_timeout));
        else
          close_connection(*c);
      }
    }

    ::close(server.svr_sock_.exchange(INVALID_SOCKET));
    {
      std::lock_guard lock(mutex);  // a worker about to wait sees `stopping`
    }
    work_ready.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
    for (auto& c : connections) close_connection(*c);
    connections.clear();
    done.clear();
    return true;
  }
};

HttpServer::HttpServer(const ServerOptions& options) : impl_(std::make_unique<Impl>(*this, options)) {}

HttpServer::~HttpServer() = default;

bool HttpServer::run() { return impl_->run(); }

void HttpServer::stop() {
  impl_->stopping = true;
  impl_->wake_up();
}

}  // namespace incidex
