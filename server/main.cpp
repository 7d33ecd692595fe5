// incidex-serve: the JSON API and the browser UI over an incidex database.
//   incidex-serve --db DIR [--host 127.0.0.1] [--port 8080] [--web web/] [--threads 16]
//                 [--max-connections 512] [--request-timeout 10] [--time-limit 2]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "api.h"
#include "http_server.h"
#include "search.h"

namespace fs = std::filesystem;
using namespace incidex;

namespace {

// The web/ folder beside the build tree of this binary (build/bin/../../web), if there is one.
fs::path default_web_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path web = exe.parent_path().parent_path().parent_path() / "web";
  return fs::is_regular_file(web / "index.html", ec) ? web : fs::path();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"incidex-serve: search API and browser UI over an incidex database"};
  ServerOptions options;
  std::string host = "127.0.0.1";
  int port = 8080;
  fs::path data_dir;
  std::string web;
  app.add_option("--db", options.db, "Database folder, or a Xapian stub file listing shards")->required()->check(CLI::ExistingPath);
  app.add_option("--host", host, "Address to listen on")->capture_default_str();
  app.add_option("--port", port, "Port to listen on (0: any free port)")->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--web", web, "Folder of the browser UI served at / (default: the project's web/; 'none' to serve none)");
  app.add_option("--data", data_dir, "Data folder with gazetteer/ (default: the project's data/)");
  app.add_option("--threads", options.threads, "Worker threads (they only run requests that have arrived in full)")
      ->check(CLI::Range(1u, 256u))->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "Open connections; at the limit the one waiting longest without a complete request is closed")
      ->check(CLI::Range(8u, 100000u))->capture_default_str();
  app.add_option("--request-timeout", options.request_timeout,
                 "Seconds a request may take to arrive in full, from its first byte (else 408)")
      ->check(CLI::Range(0.1, 3600.0))->capture_default_str();
  app.add_option("--time-limit", options.time_limit, "Seconds of counting before facet counts turn approximate")
      ->check(CLI::Range(0.01, 60.0))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (web == "none") options.web_dir.clear();
  else options.web_dir = web.empty() ? default_web_dir() : fs::path(web);
  if (!options.web_dir.empty() && !fs::is_directory(options.web_dir)) {
    fmt::print(stderr, "incidex-serve: --web {}: not a folder\n", options.web_dir.string());
    return 2;
  }

  // A shard that goes away must not kill the server: writes to its socket fail with EPIPE
  // (turned into Xapian::NetworkError) instead of raising SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  // Signals are taken by one thread that stops the server; workers never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    const Gazetteer gazetteer = Gazetteer::load((data_dir.empty() ? default_data_dir() : data_dir) / "gazetteer");
    Searcher probe(options.db, gazetteer);  // fail early on a database that does not open
    const auto documents = probe.doc_count();

    HttpServer server({options.threads, options.max_connections, options.request_timeout, security_headers(), error_body});
    install_api(server, options, gazetteer);
    const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound < 0) {
      fmt::print(stderr, "incidex-serve: cannot listen on {}:{}\n", host, port);
      return 1;
    }
    std::thread stopper([&server, signals] {
      int sig = 0;
      sigwait(&signals, &sig);
      server.stop();
    });
    stopper.detach();
    fmt::print("incidex-serve: {} documents; listening on http://{}:{}/\n", documents, host, bound);
    std::fflush(stdout);
    return server.run() ? 0 : 1;
  } catch (const GazetteerError& e) {
    fmt::print(stderr, "incidex-serve: gazetteer error: {}\n", e.what());
  } catch (const Xapian::Error& e) {
    fmt::print(stderr, "incidex-serve: {}: {}: {}\n", options.db, e.get_type(), e.get_msg());
  }
  return 2;
}
