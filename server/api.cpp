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
#include "params.h"
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

// The request's query and filters, bounded by the server's time limit.
SearchRequest filters(const Params& p) {
  SearchRequest r = parse_filters(p, *context().gazetteer);
  r.time_limit = context().options.time_limit;
  return r;
}

void run_search(const httplib::Request& req, httplib::Response& res, const std::string& type) {
  const Params p(req.params, filter_params({"sort", "per_page", "cursor", "facets", "facet_size", "histogram"}));
  SearchRequest r = filters(p);
  r.type = type;
  parse_search_options(p, r, context().options.per_page_max);
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
  const Params p(req.params, {});
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
  const Params p(req.params, {});
  const std::string id = req.matches[1];
  auto doc = searcher().get(id);
  if (!doc) return send_error(res, 404, "not_found", fmt::format("no article with id '{}'", id), "id");
  send_json(res, *doc);
}

void handle_facet(const httplib::Request& req, httplib::Response& res) {
  const Params p(req.params, filter_params({"prefix", "limit"}));
  const auto f = facet_of(req.matches[1]);
  if (!f) return send_error(res, 404, "not_found", fmt::format("no facet '{}': use group, weapon, location or source", std::string(req.matches[1])), "facet");
  const SearchRequest r = filters(p);
  const std::string prefix = p.one("prefix").value_or("");
  if (prefix.size() > 200) throw SearchError("prefix", "too_long", "prefix is longer than 200 bytes");
  const unsigned limit = p.number("limit", 10, 1, kMaxFacetSize);
  json body = facet_json(searcher().facet_values(r, *f, prefix, limit));
  body["facet"] = std::string(facet_name(*f));
  body["prefix"] = prefix;
  send_json(res, body);
}

void handle_export(const httplib::Request& req, httplib::Response& res) {
  const Params p(req.params, filter_params({"format", "type"}));
  const std::string name = p.one("format").value_or("csv");
  const auto format = parse_export_format(name);
  if (!format) throw SearchError("format", "invalid_value", "format must be csv, jsonl or geojson, got '" + name + "'");
  SearchRequest r = filters(p);
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
  const Params p(req.params, {"top"});
  send_json(res, searcher().stats(p.number("top", 10, 1, 1000)));
}

void handle_health(const httplib::Request& req, httplib::Response& res) {
  const Params p(req.params, {});
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
