// The HTTP JSON API of incidex-serve, mapped onto the engine (common/search.h). Routes:
//   GET /api/search, /api/articles/{id}, /api/incidents, /api/incidents/{id},
//   /api/facets/{facet}, /api/export, /api/stats, /api/health, /api/openapi.json
// Every error is {"error":{"code","message","param"}} with 400 (bad parameter, query or encoding),
// 404 (unknown id or route), 405 (not GET), 408/413/414/431 (slow or oversized request), 503 or
// 500 (unexpected; no internals leak).
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gazetteer.h"

namespace incidex {

struct ServerOptions {
  std::string db;                 // database folder or stub file
  std::filesystem::path web_dir;  // static UI; empty: none
  unsigned threads = 16;          // workers; they only run requests that have arrived in full
  unsigned max_connections = 512;  // open connections; at the limit the longest-waiting unfinished one is closed
  double request_timeout = 10.0;   // seconds a request may take to arrive in full, from its first byte
  unsigned per_page_max = 100;
  double time_limit = 2.0;        // seconds before facet counting turns approximate
};

// An httplib::Server whose connections are read by one poll() loop. A request reaches a worker
// thread only once its line, headers and any body have arrived within the limits, so idle,
// slow and oversized requests never hold a worker; they are answered (408, 413, 414, 431, 405)
// or closed by the loop itself.
class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(const ServerOptions& options);
  ~HttpServer() override;
  // Serves the socket opened by bind_to_port / bind_to_any_port until stop().
  bool run();
  // Stops run() from any thread; requests being answered are finished first.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Installs the routes, limits and error handlers on `server`. `gazetteer` must outlive it.
void install_api(httplib::Server& server, const ServerOptions& options, const Gazetteer& gazetteer);

// The API routes, as the OpenAPI document names them ("/api/articles/{id}").
const std::vector<std::string>& api_routes();

}  // namespace incidex
