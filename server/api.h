// The HTTP JSON API of incidex-serve, mapped onto the engine (common/search.h). Routes:
//   GET /api/search, /api/articles/{id}, /api/incidents, /api/incidents/{id},
//   /api/facets/{facet}, /api/export, /api/stats, /api/health, /api/openapi.json
// Every error is {"error":{"code","message","param"}} with 400 (bad parameter, query or encoding),
// 404 (unknown id or route), 405 (not GET), 408/413/414/431 (slow or oversized request), 503 or
// 500 (unexpected; no internals leak).
#pragma once

#include <httplib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gazetteer.h"

namespace incidex {

struct ServerOptions {
  std::string db;                 // database folder or stub file
  std::filesystem::path web_dir;  // static UI; empty: none
  unsigned threads = 16;           // HttpServerOptions (server/http_server.h)
  unsigned max_connections = 512;
  double request_timeout = 10.0;
  unsigned per_page_max = 100;
  double time_limit = 2.0;        // seconds before facet counting turns approximate
};

// Headers sent with every answer, the UI's files included (the UI loads nothing inline or from
// elsewhere): nosniff, no referrer, and a content security policy.
const httplib::Headers& security_headers();

// The JSON body of an error answer: {"error":{"code","message","param":null}}.
std::string error_body(const std::string& code, const std::string& message);

// Installs the routes, limits and error handlers on `server`. `gazetteer` must outlive it.
void install_api(httplib::Server& server, const ServerOptions& options, const Gazetteer& gazetteer);

// The API routes, as the OpenAPI document names them ("/api/articles/{id}").
const std::vector<std::string>& api_routes();

}  // namespace incidex
