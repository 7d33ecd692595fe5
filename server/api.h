// The HTTP JSON API of incidex-serve, mapped onto the engine (common/search.h). Routes:
//   GET /api/search, /api/articles/{id}, /api/incidents, /api/incidents/{id},
//   /api/facets/{facet}, /api/export, /api/stats, /api/health, /api/openapi.json
// Every error is {"error":{"code","message","param"}} with 400 (bad parameter or query), 404
// (unknown id or route), 413/414 (oversized request) or 500 (unexpected; no internals leak).
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
  unsigned threads = 16;  // each idle browser keep-alive connection holds one for up to 2 s
  unsigned per_page_max = 100;
  double time_limit = 2.0;        // seconds before facet counting turns approximate
};

// Installs the routes, limits and error handlers on `server`. `gazetteer` must outlive it.
void install_api(httplib::Server& server, const ServerOptions& options, const Gazetteer& gazetteer);

// The API routes, as the OpenAPI document names them ("/api/articles/{id}").
const std::vector<std::string>& api_routes();

}  // namespace incidex
