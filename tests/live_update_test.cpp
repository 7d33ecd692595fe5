// Live updates: incidex-serve under concurrent loopback load while `incidex-index build` (the real
// binary) adds new articles and replaces existing ones with changed text, run after run. Every
// request must answer 200 with valid JSON and the server must log nothing (no Xapian
// DatabaseModifiedError or any other error). After each run returns (its last commit made), a
// poller must find every article it wrote within a second: new ones by a word only they contain,
// replaced ones by their new text only, and the article total exact. Once a version is confirmed
// visible, no client may see an older one, nor fewer articles than confirmed.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "test_support.h"

using namespace incidex::testing;
using nlohmann::json;

namespace {

constexpr int kInitial = 240;         // articles indexed before the server starts
constexpr int kRuns = 8;              // indexer runs while the server is under load
constexpr int kNewPerRun = 20;
constexpr int kReplacedPerRun = 12;
constexpr int kBatch = 1;             // articles per commit: as many commits as possible while readers read
constexpr int kClients = 4;
constexpr unsigned kSeed = 20240128;
constexpr auto kVisibleWithin = std::chrono::seconds(1);
constexpr auto kGiveUpAfter = std::chrono::seconds(10);  // only to report how late a late article was

using Clock = std::chrono::steady_clock;

std::string article_id(int i) { return fmt::format("live-{:04}", i); }

// A word found only in version `version` of article `i`: letters only (digits as a–j) and an
// ending no stemmer rule touches, so that it is one term that no other article shares.
std::string marker(int i, int version) {
  std::string digits = fmt::format("{:04}{:02}", i, version);
  for (char& c : digits) c = static_cast<char>('a' + (c - '0'));
  return "lvq" + digits + "zq";
}

// The version of article `i` whose marker `text` contains; -1 when none.
int version_in(const std::string& text, int i) {
  const std::string prefix = marker(i, 0).substr(0, 7);
  const auto at = text.find(prefix);
  if (at == std::string::npos || at + 11 > text.size()) return -1;
  return (text[at + 7] - 'a') * 10 + (text[at + 8] - 'a');
}

constexpr const char* kPlaces[] = {"Erbil", "Taji", "Ain al-Asad", "Rmelan", "the Al-Tanf garrison", "Tower 22"};
constexpr const char* kGroups[] = {"Kataib Hezbollah", "Harakat Hezbollah al-Nujaba", "the Islamic Resistance in Iraq"};
constexpr const char* kWeapons[] = {"rockets", "a one-way attack drone", "mortar shells", "Katyusha rockets"};
constexpr const char* kCasualties[] = {"No casualties were reported.", "Two people were wounded.",
                                       "Three soldiers were killed and five wounded.", "Officials gave no casualty figures."};

// One JSON Lines record: an attack report whose place, group, weapon and casualties change with
// the version, and whose marker word is unique to (article, version).
std::string article_line(int i, int version) {
  const char* place = kPlaces[(i + version) % std::size(kPlaces)];
  const char* group = kGroups[(i / 3 + version) % std::size(kGroups)];
  const char* weapon = kWeapons[(i + 2 * version) % std::size(kWeapons)];
  const json j = {{"id", article_id(i)},
                  {"source", i % 2 ? "Live Test Wire" : "Update Monitor"},
                  {"published", fmt::format("2023-{:02}-{:02}", 1 + i % 12, 1 + (i * 5) % 28)},
                  {"title", fmt::format("Attack with {} near {}", weapon, place)},
                  {"text", fmt::format("{} fired {} at a base near {} on Sunday, officials said. {} "
                                       "Reference {} (update {}).",
                                       group, weapon, place, kCasualties[(i + version) % std::size(kCasualties)],
                                       marker(i, version), version)}};
  return j.dump() + "\n";
}

// What the poller has confirmed visible, and what is written: clients check their answers
// against it.
struct Published {
  std::mutex m;
  std::vector<int> ids;            // articles confirmed visible
  std::vector<int> confirmed;      // by article: the version confirmed visible
  std::vector<int> written;        // by article: the newest version handed to the indexer
  std::size_t confirmed_total = 0;  // articles confirmed
  std::size_t written_total = 0;    // articles once the running build is done
};

struct ClientReport {
  long requests = 0;
  long during_builds = 0;  // requests that started and ended while incidex-index was running
  std::map<std::string, long> per_kind;
  long failures = 0;
  std::vector<std::string> first_failures;
};

// One load client: a keep-alive connection sending a fixed mix of searches (facets, filters,
// histograms), incident searches, facet value searches, article reads and article totals until
// told to stop. Every answer must be a 200 with valid JSON of the documented shape.
class LoadClient {
 public:
  LoadClient(int port, int n, Published& published, const std::atomic<bool>& stop, const std::atomic<int>& builds)
      : client_("127.0.0.1", port), rng_(kSeed + n), published_(published), stop_(stop), builds_(builds) {
    client_.set_keep_alive(true);
    client_.set_read_timeout(30, 0);
  }

  ClientReport run() {
    static const char* const kQueries[] = {"", "rockets", "drone", "%22air%20base%22", "Kataib%20Hezbollah",
                                           "Qataiba%20Hezbollah", "attack*", "rokets", "officials%20-drone",
                                           "title:attack", "wounded%20OR%20killed"};
    static const char* const kFilters[] = {"", "&location=iq", "&location=sy&date_from=2023-03",
                                           "&group=kataib-hezbollah&weapon=rocket", "&date_from=2023-01&date_to=2023-06",
                                           "&location=jo&killed_min=0", "&bbox=38,30,46,38&role=any",
                                           "&source=live-test-wire&published_from=2023-02"};
    static const char* const kSorts[] = {"", "&sort=-date", "&sort=date"};
    static const char* const kIntervals[] = {"day", "week", "month", "year"};
    static const char* const kPrefixes[] = {"group?prefix=kat", "location?prefix=er", "weapon?prefix=", "source?prefix=live",
                                            "location?prefix=ta&date_from=2023-02"};
    const auto pick = [&](const auto& list) { return list[rng_() % std::size(list)]; };
    for (unsigned turn = 0; !stop_; ++turn) {
      switch (turn % 5) {
        case 0:
          search(fmt::format("/api/search?q={}{}{}&facets=group,weapon,location,source&histogram={}&per_page=10",
                             pick(kQueries), pick(kFilters), pick(kSorts), pick(kIntervals)),
                 {"group", "weapon", "location", "source"}, "search");
          break;
        case 1: article(); break;
        case 2:
          search(fmt::format("/api/incidents?q={}{}{}&facets=group,location,source&histogram=month", pick(kQueries),
                             pick(kFilters), pick(kSorts)),
                 {"group", "location", "source"}, "incidents");
          break;
        case 3: total(); break;
        case 4: {
          auto j = get(fmt::format("/api/facets/{}", pick(kPrefixes)), "facets");
          if (j && !(*j)["values"].is_array()) fail("facets: no values", j->dump().substr(0, 300));
          break;
        }
      }
    }
    return report_;
  }

 private:
  void fail(const std::string& what, const std::string& detail) {
    ++report_.failures;
    if (report_.first_failures.size() < 10) report_.first_failures.push_back(what + ": " + detail);
  }

  std::optional<json> get(const std::string& path, const std::string& kind) {
    const int builds_before = builds_;
    auto res = client_.Get(path.c_str());
    ++report_.requests;
    ++report_.per_kind[kind];
    if (builds_before > 0 && builds_ > 0) ++report_.during_builds;
    if (!res) {
      fail(path, "no answer: " + httplib::to_string(res.error()));
      return std::nullopt;
    }
    if (res->status != 200) {
      fail(path, fmt::format("status {}: {}", res->status, res->body.substr(0, 300)));
      return std::nullopt;
    }
    if (res->get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      fail(path, "content type " + res->get_header_value("Content-Type"));
      return std::nullopt;
    }
    json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      fail(path, "not a JSON object: " + res->body.substr(0, 300));
      return std::nullopt;
    }
    return j;
  }

  // A search or incident search asking for `facets` and a histogram.
  void search(const std::string& path, const std::vector<std::string>& facets, const std::string& kind) {
    auto j = get(path, kind);
    if (!j) return;
    const bool shaped = (*j)["total"].is_number_unsigned() && (*j)["hits"].is_array() && (*j)["facets"].is_object() &&
                        (*j)["hits"].size() <= (*j)["total"].get<std::size_t>() && (*j)["histogram"].is_array();
    bool facets_ok = shaped;
    for (const auto& f : facets) facets_ok = facets_ok && (*j)["facets"].contains(f) && (*j)["facets"][f]["values"].is_array();
    if (!facets_ok) fail(path, "unexpected shape: " + j->dump().substr(0, 300));
  }

  // A confirmed article: found, and never older than the version confirmed visible.
  void article() {
    int i, at_least, at_most;
    {
      std::lock_guard lock(published_.m);
      if (published_.ids.empty()) return;
      i = published_.ids[rng_() % published_.ids.size()];
      at_least = published_.confirmed[i];
      at_most = published_.written[i];
    }
    const std::string path = "/api/articles/" + article_id(i);
    auto j = get(path, "article");
    if (!j) return;
    if ((*j)["id"] != article_id(i) || !(*j)["text"].is_string()) return fail(path, "wrong record: " + j->dump().substr(0, 300));
    const int v = version_in((*j)["text"].get<std::string>(), i);
    if (v < at_least || v > at_most)
      fail(path, fmt::format("version {} seen after version {} was confirmed (newest written: {})", v, at_least, at_most));
  }

  // The article total: never below what was confirmed, never above what is written.
  void total() {
    std::size_t at_least;
    {
      std::lock_guard lock(published_.m);
      at_least = published_.confirmed_total;
    }
    auto j = get("/api/search?facets=none&per_page=1", "total");
    if (!j) return;
    std::size_t at_most;
    {
      std::lock_guard lock(published_.m);
      at_most = published_.written_total;
    }
    const auto n = (*j)["total"].get<std::size_t>();
    if (n < at_least || n > at_most) fail("total", fmt::format("{} articles; confirmed {}, written {}", n, at_least, at_most));
  }

  httplib::Client client_;
  std::mt19937 rng_;
  Published& published_;
  const std::atomic<bool>& stop_;
  const std::atomic<int>& builds_;
  ClientReport report_;
};

// The load clients, stopped and joined however the test ends.
struct Load {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::vector<ClientReport> reports;
  Load() : reports(kClients) {}
  void start(int port, Published& published, const std::atomic<int>& builds) {
    for (int n = 0; n < kClients; ++n)
      threads.emplace_back([this, port, n, &published, &builds] {
        reports[n] = LoadClient(port, n, published, stop, builds).run();
      });
  }
  void finish() {
    stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  }
  ~Load() { finish(); }
};

// incidex-serve on a free loopback port with its stderr in `log`.
std::unique_ptr<Process> start_server(const std::string& db, const fs::path& log, int& port) {
  auto p = std::make_unique<Process>(std::vector<std::string>{
      "/bin/sh", "-c",
      fmt::format("exec '{}' --db '{}' --port 0 --web none 2>'{}'", (kBin / "incidex-serve").string(), db, log.string())});
  const std::string line = p->read_line();
  const auto at = line.rfind(':');
  if (line.find("listening on") == std::string::npos || at == std::string::npos)
    throw std::runtime_error("incidex-serve did not start: " + line);
  port = std::stoi(line.substr(at + 1));
  return p;
}

// "running", or how incidex-serve ended (without reaping it: Process::stop() still does).
std::string server_state(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return "running";
  return info.si_code == CLD_EXITED ? fmt::format("exited with {}", info.si_status)
                                    : fmt::format("killed by signal {}", info.si_status);
}

RunResult build(const std::string& db, const fs::path& input, int batch, bool link) {
  return run(fmt::format("'{}' build --db '{}' --batch {}{} '{}' 2>&1", (kBin / "incidex-index").string(), db, batch,
                         link ? "" : " --no-link", input.string()));
}

std::string read_file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// " OR "-joined words for one query.
std::string any_of(const std::vector<std::string>& words) {
  std::string q;
  for (const auto& w : words) q += (q.empty() ? "" : "%20OR%20") + w;
  return q;
}

}  // namespace

TEST_CASE("articles added and replaced while the server is under load are visible within a second, never stale") {
  TempDir tmp;
  const std::string db = (tmp.path / "db").string();
  Published published;
  const int total_articles = kInitial + kRuns * kNewPerRun;
  published.confirmed.assign(total_articles, -1);
  published.written.assign(total_articles, -1);

  {
    std::string lines;
    for (int i = 0; i < kInitial; ++i) lines += article_line(i, 0);
    const RunResult first = build(db, tmp.write("run-0/articles.jsonl", lines), 100, true);
    REQUIRE_MESSAGE(first.code == 0, first.out);
    for (int i = 0; i < kInitial; ++i) {
      published.ids.push_back(i);
      published.confirmed[i] = published.written[i] = 0;
    }
    published.confirmed_total = published.written_total = kInitial;
  }

  const fs::path log = tmp.path / "serve.log";
  int port = 0;
  auto server = start_server(db, log, port);
  httplib::Client poller("127.0.0.1", port);
  poller.set_read_timeout(30, 0);
  const auto poll = [&](const std::string& path) -> json {
    auto res = poller.Get(path.c_str());
    REQUIRE_MESSAGE(res, path << ": " << httplib::to_string(res.error()) << "; incidex-serve " << server_state(server->pid())
                              << ", logged:\n" << read_file_text(log).substr(0, 4000));
    REQUIRE_MESSAGE(res->status == 200, path << ": " << res->body.substr(0, 300));
    return json::parse(res->body);
  };
  REQUIRE(poll("/api/search?facets=none")["total"] == kInitial);
  REQUIRE(poll("/api/incidents?facets=none")["total"].get<int>() > 0);

  std::atomic<int> builds{0};
  Load load;
  load.start(port, published, builds);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the clients are up to speed

  std::mt19937 rng(kSeed);
  int next_id = kInitial;
  double max_delay_ms = 0, sum_delay_ms = 0;
  int replacements = 0;
  std::ostringstream runs_log;
  for (int run_no = 1; run_no <= kRuns; ++run_no) {
    CAPTURE(run_no);
    // New articles, and replacements of distinct existing ones (confirmed, so their version is known).
    std::vector<int> added, replaced;
    for (int k = 0; k < kNewPerRun; ++k) added.push_back(next_id++);
    std::set<int> chosen;
    while (static_cast<int>(chosen.size()) < kReplacedPerRun) chosen.insert(static_cast<int>(rng() % (next_id - kNewPerRun)));
    replaced.assign(chosen.begin(), chosen.end());
    std::string lines;
    {
      std::lock_guard lock(published.m);
      // Additions and replacements alternate in the input.
      for (int k = 0; k < std::max(kNewPerRun, kReplacedPerRun); ++k) {
        if (k < kNewPerRun) published.written[added[k]] = 0;
        if (k < kReplacedPerRun) ++published.written[replaced[k]];
        if (k < kNewPerRun) lines += article_line(added[k], 0);
        if (k < kReplacedPerRun) lines += article_line(replaced[k], published.written[replaced[k]]);
      }
      published.written_total += kNewPerRun;
    }
    const fs::path input = tmp.write(fmt::format("run-{}/articles.jsonl", run_no), lines);

    ++builds;
    const RunResult result = build(db, input, kBatch, run_no % 2 == 0);  // every other run also links incidents
    --builds;
    const auto done = Clock::now();
    REQUIRE_MESSAGE(result.code == 0, result.out);
    CHECK_MESSAGE(result.out.find(fmt::format("({} new, {} replaced)", kNewPerRun, kReplacedPerRun)) != std::string::npos,
                  result.out);

    // Poll until every article of this run is visible in its new version and no replaced one
    // is found by its old text, and the total is exact.
    std::vector<std::string> want_words, old_words;
    std::set<std::string> want_ids;
    std::map<int, int> versions;
    {
      std::lock_guard lock(published.m);
      for (int i : added) versions[i] = 0;
      for (int i : replaced) versions[i] = published.written[i];
    }
    for (const auto& [i, v] : versions) {
      want_words.push_back(marker(i, v));
      want_ids.insert(article_id(i));
      if (v > 0) old_words.push_back(marker(i, v - 1));
    }
    const std::size_t want_total = kInitial + run_no * kNewPerRun;
    bool visible = false;
    std::string last_seen;
    while (!visible && Clock::now() - done < kGiveUpAfter) {
      json now_found = poll("/api/search?facets=none&per_page=100&q=" + any_of(want_words));
      json old_found = poll("/api/search?facets=none&per_page=1&q=" + any_of(old_words));
      json all = poll("/api/search?facets=none&per_page=1");
      std::set<std::string> ids;
      for (const auto& h : now_found["hits"]) ids.insert(h["id"].get<std::string>());
      visible = ids == want_ids && old_found["total"] == 0 && all["total"] == want_total;
      if (!visible) {
        last_seen = fmt::format("{} of {} new versions, {} old ones, {} articles (want {})", ids.size(), want_ids.size(),
                                old_found["total"].get<int>(), all["total"].get<int>(), want_total);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    const double delay_ms = std::chrono::duration<double, std::milli>(Clock::now() - done).count();
    REQUIRE_MESSAGE(visible, "not visible after " << delay_ms << " ms: " << last_seen);
    CHECK_MESSAGE(Clock::now() - done < kVisibleWithin, "visible only after " << delay_ms << " ms");
    max_delay_ms = std::max(max_delay_ms, delay_ms);
    sum_delay_ms += delay_ms;
    replacements += kReplacedPerRun;

    // Each article reads back in its new version, with its new text.
    for (const auto& [i, v] : versions) {
      json a = poll("/api/articles/" + article_id(i));
      CHECK(a["id"] == article_id(i));
      CHECK(version_in(a["text"].get<std::string>(), i) == v);
      CHECK(a["text"].get<std::string>().find(fmt::format("(update {}).", v)) != std::string::npos);
    }
    {
      std::lock_guard lock(published.m);
      for (const auto& [i, v] : versions) published.confirmed[i] = v;
      for (int i : added) published.ids.push_back(i);
      published.confirmed_total = want_total;
    }
    runs_log << fmt::format("run {}: {} new, {} replaced, {} linking; visible after {:.1f} ms\n", run_no, kNewPerRun,
                            kReplacedPerRun, run_no % 2 == 0 ? "with" : "without", delay_ms);
  }
  load.finish();
  json stats = poll("/api/stats");
  server->stop();

  long requests = 0, failures = 0, during_builds = 0;
  std::map<std::string, long> per_kind;
  std::ostringstream failed;
  for (const auto& r : load.reports) {
    requests += r.requests;
    failures += r.failures;
    during_builds += r.during_builds;
    for (const auto& [k, n] : r.per_kind) per_kind[k] += n;
    for (const auto& f : r.first_failures) failed << f << "\n";
  }
  std::string kinds;
  for (const auto& [k, n] : per_kind) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, k);
  MESSAGE(fmt::format("{} requests from {} clients ({}), {} of them while incidex-index ran; {} runs, {} new articles, "
                      "{} replacements; visibility after each run: max {:.1f} ms, mean {:.1f} ms\n{}",
                      requests, kClients, kinds, during_builds, kRuns, kRuns * kNewPerRun, replacements, max_delay_ms,
                      sum_delay_ms / kRuns, runs_log.str()));

  CHECK_MESSAGE(failures == 0, failures << " failed requests; the first ones:\n" << failed.str());
  CHECK(stats["articles"] == total_articles);
  // The load really overlapped the indexer: every kind of request, many of them during runs.
  for (const char* k : {"search", "article", "incidents", "total", "facets"}) CHECK(per_kind[k] > 0);
  CHECK(during_builds >= kRuns * kClients);
  const std::string errors = read_file_text(log);
  CHECK_MESSAGE(errors.empty(), "incidex-serve logged:\n" << errors.substr(0, 4000));
}
