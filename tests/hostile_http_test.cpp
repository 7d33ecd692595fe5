// incidex-serve under hostile HTTP: oversized and malformed requests, broken encodings, path
// traversal, huge page sizes, pathological queries, idle and slow connections. Each answer must
// be the documented JSON error (or a normal answer), come within a few seconds and leave memory
// bounded, and the server must go on answering others. Raw sockets send what httplib::Client
// would refuse to.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <optional>

#include "test_support.h"

using namespace incidex::testing;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kAnswerSeconds = 5;  // every answer comes within this (generous: ASan builds too)
constexpr long kMaxGrowthKiB = 200 * 1024;  // the server's RSS may grow by less than this
constexpr int kThreads = 4;
constexpr int kMaxConnections = 64;
constexpr double kRequestTimeout = 3;
constexpr double kIdleTimeout = 5;  // fixed in server/api.cpp

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One index and one server for the whole file, with few workers and a small connection limit so
// that the slow-connection cases need few sockets.
struct Fixture {
  TempDir dir;
  std::string db = (dir.path / "db").string();
  std::size_t articles = index_sample_corpus(db);
  // AddressSanitizer holds freed memory in a quarantine (256 MB by default) that would count as
  // growth: the server gets a small one.
  bool small_quarantine = [] {
#ifdef __SANITIZE_ADDRESS__
    const std::string old = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    setenv("ASAN_OPTIONS", (old + (old.empty() ? "" : ":") + "quarantine_size_mb=16").c_str(), 1);
#endif
    return true;
  }();
  Process server{{(kBin / "incidex-serve").string(), "--db", db, "--port", "0", "--web", (kRoot / "web").string(),
                  "--threads", std::to_string(kThreads), "--max-connections", std::to_string(kMaxConnections),
                  "--request-timeout", fmt::format("{}", kRequestTimeout)}};
  int port = [this] {
    const std::string line = server.read_line();
    const auto at = line.rfind(':');
    if (line.find("listening on") == std::string::npos || at == std::string::npos)
      throw std::runtime_error("incidex-serve did not start: " + line);
    return std::stoi(line.substr(at + 1));
  }();
  long baseline_kib = 0;  // RSS after a first search
  long peak_kib = 0;      // highest RSS seen after a case
  double slowest = 0;     // seconds: the slowest answer to a hostile request
  std::string slowest_request;
};

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// A client socket on the server's port; every wait is bounded.
class Socket {
 public:
  explicit Socket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect to incidex-serve");
    const timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // False once the server has closed its side or stopped reading.
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // The next answer: what arrives until the server closes, a whole answer is in (by
  // Content-Length; the head alone for HEAD) or `seconds` pass. Bytes past that answer are kept
  // for the next call. `closed` tells whether the server closed the connection.
  std::string receive(double seconds, bool head_only = false, bool* closed = nullptr) {
    const auto start = Clock::now();
    if (closed) *closed = false;
    std::size_t size = 0;
    while ((size = complete(pending_, head_only)) == 0) {
      const double left = seconds - since(start);
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) break;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        break;
      }
      pending_.append(buf, static_cast<std::size_t>(n));
    }
    std::string out = size ? pending_.substr(0, size) : pending_;
    pending_.erase(0, out.size());
    return out;
  }

 private:
  // The size of the complete answer at the start of `s`, or 0.
  static std::size_t complete(const std::string& s, bool head_only) {
    const auto end = s.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    if (head_only) return end + 4;
    std::string head = s.substr(0, end);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto cl = head.find("\r\ncontent-length:");
    if (cl == std::string::npos) return 0;
    const std::size_t size = end + 4 + std::stoul(head.substr(cl + 17));
    return s.size() >= size ? size : 0;
  }
  std::string pending_;
  int fd_ = -1;
};

struct Answer {
  int status = 0;  // 0: no answer
  std::string head, body;
  double seconds = 0;
  std::string header(std::string name) const {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) return {};
    const auto begin = head.find_first_not_of(' ', at + name.size() + 3);
    return head.substr(begin, head.find("\r\n", begin) - begin);
  }
};

Answer parse_answer(const std::string& raw, double seconds) {
  Answer a;
  a.seconds = seconds;
  const auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return a;
  a.status = std::stoi(raw.substr(9, 3));
  a.head = raw.substr(0, end);
  a.body = raw.substr(end + 4);
  return a;
}

Fixture& fixture();

// Sends `request` on a fresh connection and reads the answer.
Answer exchange(const std::string& request, bool head_only = false) {
  const int port = fixture().port;
  const auto start = Clock::now();
  Socket s(port);
  s.send_all(request);  // the server may answer and stop reading before all is sent
  const std::string raw = s.receive(30, head_only);
  const Answer a = parse_answer(raw, since(start));
  if (a.seconds > fixture().slowest) {
    fixture().slowest = a.seconds;
    fixture().slowest_request = request.substr(0, std::min<std::size_t>(60, request.find('\r')));
  }
  return a;
}

// A GET on a connection the server closes after answering (so that streamed answers end).
Answer get(const std::string& target) {
  return exchange("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

// A query parameter value as a browser's form encodes it: spaces as '+', bytes other than
// A-Z a-z 0-9 - _ . ! ~ * ' ( ) as %XX.
std::string encode(const std::string& v) {
  std::string out;
  for (const unsigned char c : v) {
    if (std::isalnum(c) || std::strchr("-_.!~*'()", c)) out += static_cast<char>(c);
    else if (c == ' ') out += '+';
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

void check_security_headers(const Answer& a) {
  CHECK(a.header("X-Content-Type-Options") == "nosniff");
  const std::string csp = a.header("Content-Security-Policy");
  CHECK(csp.find("default-src 'self'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
}

// The documented error: {"error": {"code", "message", "param"}} with the given status, in time.
void check_error(const Answer& a, int status, const std::string& code, std::optional<std::string> param = std::nullopt) {
  INFO(a.head.substr(0, 200), "\n", a.body.substr(0, 300));
  CHECK(a.status == status);
  CHECK(a.seconds < kAnswerSeconds);
  CHECK(a.header("Content-Type").rfind("application/json", 0) == 0);
  check_security_headers(a);
  const json j = json::parse(a.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["message"].is_string());
  CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
  REQUIRE(j["error"].contains("param"));
  if (param) CHECK(j["error"]["param"] == *param);
  else CHECK(j["error"]["param"].is_null());
}

// A normal search on a fresh connection is answered, in time, and the server's memory is bounded.
void check_still_serving() {
  const auto start = Clock::now();
  httplib::Client c("127.0.0.1", fixture().port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(10, 0);
  const auto res = c.Get("/api/search?q=drone&facets=group");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(since(start) < kAnswerSeconds);
  const json j = json::parse(res->body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["total"].get<int>() > 0);
  const long rss = rss_kib(fixture().server.pid());
  INFO("RSS ", rss, " KiB, baseline ", fixture().baseline_kib, " KiB");
  CHECK(rss > 0);
  CHECK(rss - fixture().baseline_kib < kMaxGrowthKiB);
  fixture().peak_kib = std::max(fixture().peak_kib, rss);
}

Fixture& fixture() {
  static Fixture f;
  static const bool warm = [] {  // the baseline is taken once a first search has opened the index
    httplib::Client c("127.0.0.1", f.port);
    c.set_read_timeout(30, 0);
    const auto res = c.Get("/api/search?q=drone&facets=group");
    f.baseline_kib = rss_kib(f.server.pid());
    return res && res->status == 200;
  }();
  REQUIRE(warm);
  return f;
}

std::string repeat_joined(std::size_t n, const std::function<std::string(std::size_t)>& item, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i ? sep : "") + item(i);
  return out;
}

// Two lowercase letters from an index: aa, ab, ...
std::string letters(std::size_t i) { return {static_cast<char>('a' + i / 26 % 26), static_cast<char>('a' + i % 26)}; }

}  // namespace

TEST_CASE("oversized request lines, headers and bodies get 414, 431 and 413") {
  check_error(get("/api/search?q=" + std::string(20000, 'a')), 414, "uri_too_long");
  check_error(get("/api/health?_=" + std::string(8200, 'a')), 414, "uri_too_long");
  check_still_serving();
  // One header line over 8 KiB; then many small lines over 32 KiB in all.
  check_error(exchange("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n"), 431,
              "headers_too_large");
  check_still_serving();
  check_error(exchange("GET /api/health HTTP/1.1\r\nHost: x\r\n" +
                       repeat_joined(5000, [](std::size_t i) { return fmt::format("X-H{}: 1\r\n", i); }, "") + "\r\n"),
              431, "headers_too_large");
  check_still_serving();
  // Headers within the limits are fine: 1,000 small ones.
  const Answer fine = exchange("GET /api/health HTTP/1.1\r\nHost: x\r\n" +
                               repeat_joined(1000, [](std::size_t) { return std::string("X-A: 1\r\n"); }, "") + "\r\n");
  CHECK(fine.status == 200);
  CHECK(fine.seconds < kAnswerSeconds);
  // Bodies: a GET takes none; a large one is refused before it is read.
  check_error(exchange("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'x')), 413,
              "payload_too_large");
  check_error(exchange("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n"), 413, "payload_too_large");
  check_error(exchange("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n"), 400, "bad_request");
  check_error(exchange("GET /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400, "bad_request");
  check_error(exchange("HELLO\r\n\r\n"), 400, "bad_request");
  check_error(exchange(std::string("GET /api/search?q=\x01 HTTP/1.1\r\nHost: x\r\n\r\n")), 400, "bad_request");
  check_error(exchange(std::string("GET /api/search?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n")), 400, "bad_request");
  check_still_serving();
  // A small body on a GET is read and dropped; the next request on the connection is answered.
  Socket s(fixture().port);
  REQUIRE(s.send_all("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n"));
  const Answer first = parse_answer(s.receive(10), 0);
  CHECK(first.status == 200);
  CHECK(json::parse(first.body)["status"] == "ok");
  const Answer second = parse_answer(s.receive(10), 0);
  CHECK(second.status == 200);
  CHECK(json::parse(second.body).contains("documents"));
}

TEST_CASE("thousands of parameters are a quick JSON 400 (or 414 past the URI limit)") {
  const auto query = [](std::size_t n, const std::function<std::string(std::size_t)>& param) {
    return "/api/search?q=drone&" + repeat_joined(n, param, "&");
  };
  // 5,000 parameters do not fit in the request line.
  check_error(get(query(5000, [](std::size_t) { return std::string("x=1"); })), 414, "uri_too_long");
  check_still_serving();
  // 900 different ones fit and are counted before anything else is looked at.
  check_error(get(query(900, [](std::size_t i) { return fmt::format("p{}=1", i); })), 400, "too_many_parameters");
  check_error(get(query(900, [](std::size_t i) { return fmt::format("_{}=1", i); })), 400, "too_many_parameters");
  check_still_serving();
  // The same pair repeated is one parameter (httplib keeps one copy), here an unknown one.
  check_error(get(query(1500, [](std::size_t) { return std::string("x=1"); })), 400, "unknown_parameter", "x");
  check_error(get("/api/search?group=" + repeat_joined(51, [](std::size_t) { return std::string("kataib-hezbollah"); }, ",")), 400,
              "too_many_values", "group");
  check_still_serving();
}

TEST_CASE("broken percent-encoding, invalid UTF-8 and NUL bytes are a JSON 400") {
  struct Row {
    std::string target;
    std::optional<std::string> param;
  };
  const Row rows[] = {
      {"/api/search?q=%zz", "q"},
      {"/api/search?q=%", "q"},
      {"/api/search?q=%e", "q"},
      {"/api/search?q=drone%2", "q"},
      {"/api/search?q=%FF%FE", "q"},
      {"/api/search?q=%C0%AF", "q"},      // overlong '/'
      {"/api/search?q=%ED%A0%80", "q"},   // a UTF-16 surrogate
      {"/api/search?q=%F4%90%80%80", "q"},  // past U+10FFFF
      {"/api/search?q=a%00b", "q"},
      {"/api/facets/group?prefix=%00", "prefix"},
      {"/api/search?%zz=1", "%zz"},
      {"/api/search?%FF=1", std::nullopt},
      {"/api/articles/%zz", std::nullopt},
      {"/api/articles/a%00b", std::nullopt},
      {"/api/articles/%FF", std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.target);
    check_error(get(r.target), 400, "invalid_encoding", r.param);
  }
  check_still_serving();
  // Well-formed escapes of UTF-8 pass: Kata’ib with a curly apostrophe.
  const Answer ok = get("/api/search?q=Kata%E2%80%99ib&facets=none");
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body)["total"].get<int>() > 0);
}

TEST_CASE("static files: no path leaves web/") {
  // The UI itself, with its headers.
  const Answer index = get("/index.html");
  REQUIRE(index.status == 200);
  CHECK(index.header("Content-Type").rfind("text/html", 0) == 0);
  check_security_headers(index);
  std::ifstream in(kRoot / "web" / "index.html", std::ios::binary);
  CHECK(index.body == std::string(std::istreambuf_iterator<char>(in), {}));

  struct Row {
    std::string target;
    int status;
    std::string code;
  };
  const Row rows[] = {
      {"/../../etc/passwd", 404, "not_found"},
      {"/%2e%2e/%2e%2e/etc/passwd", 404, "not_found"},
      {"/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd", 404, "not_found"},
      {"/js/..%2f..%2f..%2fREADME.md", 404, "not_found"},
      {"/js/../../README.md", 404, "not_found"},
      {"/js/%2e%2e/%2e%2e/CMakeLists.txt", 404, "not_found"},
      {"/..%5c..%5cREADME.md", 404, "not_found"},
      {"/..%252f..%252fREADME.md", 404, "not_found"},
      {"//etc/passwd", 404, "not_found"},
      {"/./../README.md", 404, "not_found"},
      {"http://127.0.0.1/../README.md", 404, "not_found"},
      {"/index.html%00.js", 400, "invalid_encoding"},
      {"/..%00/README.md", 400, "invalid_encoding"},
      {"/%c0%ae%c0%ae/README.md", 400, "invalid_encoding"},  // overlong '.'
  };
  for (const auto& r : rows) {
    CAPTURE(r.target);
    const Answer a = get(r.target);
    check_error(a, r.status, r.code);
    for (const char* outside : {"root:", "# incidex", "cmake_minimum_required"}) CHECK(a.body.find(outside) == std::string::npos);
  }
  check_still_serving();
}

TEST_CASE("huge or malformed page sizes and counts are a JSON 400") {
  for (const std::string v : {"1000000", "-1", "1e9", "99999999999999999999", "0", "", "0x10", "%2B5", "5%20"}) {
    CAPTURE(v);
    check_error(get("/api/search?per_page=" + v), 400, "invalid_number", "per_page");
  }
  check_error(get("/api/incidents?per_page=101"), 400, "invalid_number", "per_page");
  check_error(get("/api/search?facet_size=1000000"), 400, "invalid_number", "facet_size");
  check_error(get("/api/facets/group?limit=99999999999999999999"), 400, "invalid_number", "limit");
  check_error(get("/api/stats?top=1000001"), 400, "invalid_number", "top");
  check_error(get("/api/search?killed_min=99999999999"), 400, "invalid_number", "killed_min");
  check_error(get("/api/search?cursor=" + std::string(4000, 'A')), 400, "invalid_cursor", "cursor");
  check_still_serving();
}

TEST_CASE("pathological queries are answered in bounded time and memory") {
  struct Row {
    std::string name, q;  // q is sent percent-encoded
    int status;
    std::string code;  // for a 400
  };
  const std::vector<Row> rows = {
      {"a*", "a*", 200, ""},
      {"*", "*", 200, ""},
      {"5,000 ORs", repeat_joined(5000, letters, " OR "), 414, "uri_too_long"},
      {"1,600 ORs within the URI limit", repeat_joined(1600, [](std::size_t) { return std::string("a"); }, " OR "), 400, "query_too_long"},
      {"166 ORs within the q limit", repeat_joined(166, letters, " OR "), 200, ""},
      {"142 wildcards", repeat_joined(142, [](std::size_t i) { return letters(i) + "*"; }, " OR "), 200, ""},
      {"26 one-letter wildcards", repeat_joined(26, [](std::size_t i) { return std::string(1, 'a' + i) + "*"; }, " "), 200, ""},
      {"2,000 levels of nesting", std::string(2000, '(') + "a" + std::string(2000, ')'), 400, "query_too_long"},
      {"499 levels of nesting", std::string(499, '(') + "a" + std::string(499, ')'), 200, ""},
      {"499 unbalanced", std::string(998, '(') + "a", 200, ""},
      {"long phrase", "\"" + repeat_joined(150, [](std::size_t i) { return i % 2 ? std::string("rocket") : std::string("drone"); }, " ") + "\"", 200, ""},
      {"NEAR chain", repeat_joined(70, [](std::size_t i) { return i % 2 ? std::string("rocket") : std::string("drone"); }, " NEAR "), 200, ""},
      {"ADJ chain", repeat_joined(80, [](std::size_t i) { return i % 2 ? std::string("base") : std::string("attack"); }, " ADJ "), 200, ""},
      {"NOT chain", repeat_joined(110, [](std::size_t i) { return letters(i); }, " NOT "), 200, ""},
      {"mixed operators", repeat_joined(45, [](std::size_t i) { return "(" + letters(i) + "* OR \"a b\")"; }, " AND "), 200, ""},
      {"long term", std::string(1000, 'a'), 200, ""},
      {"long term, multibyte", repeat_joined(500, [](std::size_t) { return std::string("\xd8\xa8"); }, ""), 200, ""},
      {"term over the q limit", std::string(1001, 'a'), 400, "query_too_long"},
      {"long field prefix chain", repeat_joined(80, [](std::size_t) { return std::string("title:drone"); }, " "), 200, ""},
  };
  for (int round = 0; round < 3; ++round)  // memory must not grow with repetition either
    for (const auto& r : rows) {
      CAPTURE(r.name);
      const std::string target = "/api/search?histogram=day&facet_size=100&q=" + encode(r.q);
      const Answer a = get(target);
      if (r.status == 200) {
        INFO(a.body.substr(0, 300));
        CHECK(a.status == 200);
        CHECK(a.seconds < kAnswerSeconds);
        check_security_headers(a);
        CHECK_FALSE(json::parse(a.body, nullptr, false).is_discarded());
      } else {
        check_error(a, r.status, r.code, r.code == "query_too_long" ? std::optional<std::string>("q") : std::nullopt);
      }
    }
  // The same queries streamed as an export and as facet value counts.
  for (const std::string& q : std::vector<std::string>{"a*", "\"" + repeat_joined(160, [](std::size_t) { return std::string("drone"); }, " ") + "\"",
                              repeat_joined(142, [](std::size_t i) { return letters(i) + "*"; }, " OR ")}) {
    CAPTURE(q);
    const Answer e = get("/api/export?format=jsonl&q=" + encode(q));
    CHECK(e.status == 200);
    CHECK(e.seconds < kAnswerSeconds);
    const Answer f = get("/api/facets/location?limit=100&q=" + encode(q));
    CHECK(f.status == 200);
    CHECK(f.seconds < kAnswerSeconds);
  }
  check_still_serving();
}

TEST_CASE("only GET and HEAD: every other method gets a JSON 405") {
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"}) {
    CAPTURE(method);
    const Answer a = exchange(method + " /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    check_error(a, 405, "method_not_allowed");
    CHECK(a.header("Allow") == "GET, HEAD");
  }
  // Through a regular client too, on the static files as well.
  httplib::Client c("127.0.0.1", fixture().port);
  const auto check_405 = [](const httplib::Result& res) {
    REQUIRE(res);
    CHECK(res->status == 405);
    CHECK(json::parse(res->body)["error"]["code"] == "method_not_allowed");
  };
  check_405(c.Post("/api/search", "{}", "application/json"));
  check_405(c.Put("/index.html", "x", "text/plain"));
  check_405(c.Delete("/api/articles/x"));
  const Answer head = exchange("HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n", true);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  check_still_serving();
}

TEST_CASE("security headers on API answers, errors and the UI's files") {
  for (const std::string target : {"/", "/index.html", "/style.css", "/js/main.js", "/favicon.svg", "/api/health",
                                   "/api/openapi.json", "/api/search?per_page=0", "/api/nothing", "/no-such-file.js"}) {
    CAPTURE(target);
    const Answer a = get(target);
    CHECK(a.status != 0);
    check_security_headers(a);
  }
  CHECK(get("/js/main.js").header("Content-Type").rfind("text/javascript", 0) == 0);
  // The UI satisfies the policy: no inline scripts, styles or handlers in its page (the browser
  // test also fails on any CSP violation while it drives every view).
  std::ifstream in(kRoot / "web" / "index.html", std::ios::binary);
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  CHECK(html.find("<style") == std::string::npos);
  CHECK(html.find(" style=") == std::string::npos);
  CHECK(html.find(" onclick=") == std::string::npos);
  std::size_t scripts = 0;
  for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) {
    ++scripts;
    CHECK(html.substr(at, html.find('>', at) - at).find(" src=") != std::string::npos);
  }
  CHECK(scripts > 0);
}

TEST_CASE("idle, keep-alive and slow connections do not starve the workers") {
  const int port = fixture().port;
  const auto opened = Clock::now();
  // More idle connections than workers; more that made one request and keep the connection;
  // more slow ones sending a header byte a second.
  std::vector<std::unique_ptr<Socket>> idle, kept, slow;
  for (int i = 0; i < 2 * kThreads; ++i) idle.push_back(std::make_unique<Socket>(port));
  for (int i = 0; i < 2 * kThreads; ++i) {
    kept.push_back(std::make_unique<Socket>(port));
    REQUIRE(kept.back()->send_all("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(parse_answer(kept.back()->receive(10), 0).status == 200);
  }
  for (int i = 0; i < 2 * kThreads; ++i) slow.push_back(std::make_unique<Socket>(port));
  const std::string trickle = "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'a');
  std::atomic<bool> done{false};
  std::thread slowloris([&] {
    for (std::size_t i = 0; i < trickle.size() && !done; ++i) {
      for (auto& s : slow) s->send_all(trickle.substr(i, 1));
      for (int k = 0; k < 10 && !done; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // Meanwhile normal requests are answered at once, again and again.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    check_still_serving();
  }
  // A slow request is cut off with a 408 once it has taken the request timeout.
  for (auto& s : slow) {
    bool closed = false;
    const Answer a = parse_answer(s->receive(kRequestTimeout + 5, false, &closed), since(opened));
    check_error(a, 408, "request_timeout");
    CHECK(a.seconds > kRequestTimeout - 1);
  }
  done = true;
  slowloris.join();
  // Idle connections are closed without an answer after the idle timeout.
  for (auto* group : {&idle, &kept}) {
    for (auto& s : *group) {
      bool closed = false;
      const std::string rest = s->receive(kIdleTimeout + 5, false, &closed);
      CHECK(closed);
      CHECK(rest.empty());
    }
  }
  CHECK(since(opened) < kIdleTimeout + 5);
  CHECK(since(opened) > kIdleTimeout - 1);
  check_still_serving();
}

TEST_CASE("more connections than the limit: the longest-waiting unfinished ones are closed") {
  const int port = fixture().port;
  std::vector<std::unique_ptr<Socket>> flood;
  for (int i = 0; i < 2 * kMaxConnections; ++i) {
    flood.push_back(std::make_unique<Socket>(port));
    flood.back()->send_all("GET /api/search?q=");  // a request line that never ends
  }
  check_still_serving();
  // The oldest were closed to make room (without an answer); the newest are still open.
  int closed_old = 0;
  for (int i = 0; i < kMaxConnections; ++i) {
    bool closed = false;
    const std::string got = flood[i]->receive(0.5, false, &closed);
    closed_old += closed && got.empty();
  }
  CHECK(closed_old >= kMaxConnections / 2);
  bool newest_closed = false;
  CHECK(flood.back()->receive(0.2, false, &newest_closed).empty());
  CHECK_FALSE(newest_closed);
  flood.clear();
  check_still_serving();
}

TEST_CASE("figures: the slowest hostile answer and the server's memory") {
  check_still_serving();
  const Fixture& f = fixture();
  CHECK(f.slowest > 0);
  CHECK(f.slowest < kAnswerSeconds);
  CHECK(f.peak_kib - f.baseline_kib < kMaxGrowthKiB);
  MESSAGE(fmt::format("slowest answer to a hostile request: {:.3f} s ({}); server RSS after the first search {} KiB, "
                      "highest after a case {} KiB (+{} KiB)",
                      f.slowest, f.slowest_request, f.baseline_kib, f.peak_kib, f.peak_kib - f.baseline_kib));
}
