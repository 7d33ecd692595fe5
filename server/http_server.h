// The HTTP transport of incidex-serve: an httplib::Server whose connections are read by one
// poll() loop. A request reaches a worker thread only once its line, headers and any body have
// arrived within the limits below, so idle, slow and oversized requests never hold a worker; the
// loop answers them itself (408, 413, 414, 431, 405, 400; 503 when it cannot take another
// connection) or closes them. Routing and handlers are httplib's (server/api.h installs them).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace incidex {

// Limits of reading requests (docs/security.md lists them all).
namespace http_limits {
inline constexpr std::size_t kMaxRequestLine = 8192;  // bytes with its CRLF (httplib's own URI limit)
inline constexpr std::size_t kMaxHeaderLine = 8192;   // bytes with its CRLF (httplib's own line limit)
inline constexpr std::size_t kMaxHead = 32 * 1024;    // request line and headers
inline constexpr std::size_t kMaxBody = 64 * 1024;    // bodies are read and dropped: GET takes none
inline constexpr int kIdleTimeoutSeconds = 5;         // a connection waiting for its first or next request
inline constexpr int kKeepAliveMax = 100;             // requests per connection
inline constexpr int kWriteTimeoutSeconds = 30;       // one stalled write of an answer
inline constexpr auto kDrainTime = std::chrono::seconds(2);  // reading what follows a refused request
inline constexpr std::size_t kDrainMax = 1 << 20;
}  // namespace http_limits

struct HttpServerOptions {
  unsigned threads = 16;           // workers; they only run requests that have arrived in full
  unsigned max_connections = 512;  // open connections; at the limit the longest-waiting unfinished one is closed
  double request_timeout = 10.0;   // seconds a request may take to arrive in full, from its first byte
  httplib::Headers headers;        // sent with the answers the loop writes itself
  // The JSON body of an answer the loop writes itself, from an error code and message.
  std::function<std::string(const std::string& code, const std::string& message)> error_body;
};

class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer() override;
  // Serves the socket opened by bind_to_port / bind_to_any_port until stop().
  bool run();
  // Stops run() from any thread; requests being answered are finished first.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace incidex
