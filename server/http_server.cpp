#include "http_server.h"

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
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace incidex {

using namespace http_limits;

namespace {

using Clock = std::chrono::steady_clock;

// A whole answer written by the poll loop itself, for requests that never reach httplib.
std::string canned_answer(const HttpServerOptions& options, int status, const char* reason, const std::string& code,
                          const std::string& message) {
  const std::string body = options.error_body ? options.error_body(code, message) : message;
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n"
                                "Connection: close\r\n", status, reason, body.size());
  if (status == 405) out += "Allow: GET, HEAD\r\n";
  for (const auto& [k, v] : options.headers) out += k + ": " + v + "\r\n";
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
  HttpServerOptions options;
  int wake = -1;  // eventfd: stop() and workers returning connections interrupt poll()
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable work_ready;
  std::deque<Connection*> jobs;  // complete requests
  std::vector<Connection*> done;  // answered, for the poll loop to take back
  std::vector<std::thread> workers;
  std::vector<std::unique_ptr<Connection>> connections;  // the poll loop's; busy ones are the workers'
  std::size_t open = 0;

  Impl(HttpServer& s, HttpServerOptions o) : server(s), options(std::move(o)), wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
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
    const std::string answer = canned_answer(options, status, reason, code, message);
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
        const std::string answer = canned_answer(options, 503, "Service Unavailable", "unavailable", "too many open connections; retry later");
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

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(*this, std::move(options))) {}

HttpServer::~HttpServer() = default;

bool HttpServer::run() { return impl_->run(); }

void HttpServer::stop() {
  impl_->stopping = true;
  impl_->wake_up();
}

}  // namespace incidex
