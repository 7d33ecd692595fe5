// Crash safety: `incidex-index build` killed with SIGKILL at random moments, again and again on
// the same database, must leave it at its last commit every time: it opens, it passes Xapian's
// consistency check, and its articles are exactly those of whole batches (each id once). A final
// run to completion gives every article exactly once. Kills may land while loading, while
// indexing or while linking incidents: any state equal to a commit is accepted.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <xapian.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <random>
#include <sstream>

#include "search.h"
#include "test_support.h"

using namespace incidex::testing;

namespace {

constexpr int kArticles = 3000;
constexpr int kBatch = 100;
constexpr int kKills = 20;
constexpr unsigned kSeed = 20240215;

std::string article_id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "crash-%04d", i);
  return buf;
}

// Small articles with distinct ids. Every tenth one reports an attack (a group, a weapon, a
// place, a weekday), so that the run ends by linking incidents; the rest are cheap to analyse.
std::string make_input() {
  static const char* const kPlaces[] = {"Erbil", "Baghdad", "Rmelan", "Taji", "Deir ez-Zor"};
  std::ostringstream out;
  for (int i = 0; i < kArticles; ++i) {
    nlohmann::json j = {{"id", article_id(i)}, {"source", "Crash Test Wire"}};
    const int day = 1 + i % 28, month = 1 + (i / 28) % 12;
    char published[16];
    std::snprintf(published, sizeof published, "2023-%02d-%02d", month, day);
    j["published"] = published;
    if (i % 10 == 0) {
      const std::string place = kPlaces[(i / 10) % 5];
      j["title"] = "Rockets hit a base near " + place;
      j["text"] = "Kataib Hezbollah fired rockets at a base near " + place +
                  " on Sunday, officials said. Two people were wounded. Report " + std::to_string(i) + ".";
    } else {
      j["title"] = "Council meeting, report " + std::to_string(i);
      j["text"] = "The council met to discuss the budget. Report " + std::to_string(i) + ".";
    }
    out << j.dump() << '\n';
  }
  return out.str();
}

using Clock = std::chrono::steady_clock;

// incidex-index build in its own process group, output discarded.
pid_t start_build(const std::string& db, const std::string& input) {
  const std::vector<std::string> argv = {(kBin / "incidex-index").string(), "build", "--db", db,
                                         "--batch", std::to_string(kBatch), input};
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct State {
  Xapian::doccount articles = 0, incidents = 0;
};

// Opens the database and checks that it holds exactly the articles of whole batches, in input
// order, each once, and that every stored document is readable.
State check_database(const std::string& db, Xapian::doccount before) {
  State s;
  try {
    // xapian-check (xapian-tools) rather than Xapian::Database::check(): libxapian 1.4.22's checker
    // frees an object with the wrong size, which AddressSanitizer reports in sanitized builds.
    const RunResult checked = run("xapian-check '" + db + "' 2>&1");
    CHECK_MESSAGE(checked.code == 0, checked.out);
    Xapian::Database d(db);
    s.articles = d.get_termfreq("XTarticle");
    s.incidents = d.get_termfreq("XTincident");
    Xapian::doccount present = 0, duplicated = 0, gaps = 0;
    for (int i = 0; i < kArticles; ++i) {
      const Xapian::doccount tf = d.get_termfreq("Q" + article_id(i));
      present += tf;
      if (tf > 1) ++duplicated;
      if ((tf == 0) != (static_cast<Xapian::doccount>(i) >= s.articles)) ++gaps;
    }
    CHECK(present == s.articles);
    CHECK(duplicated == 0);
    CHECK(gaps == 0);  // the committed articles are the first ones of the input
    CHECK(s.articles % kBatch == 0);
    CHECK(s.articles >= before);
    CHECK(s.articles <= static_cast<Xapian::doccount>(kArticles));
    CHECK(d.get_doccount() == s.articles + s.incidents);
    // Every document reads back (data and terms), and committed articles through the engine.
    for (auto it = d.postlist_begin(""); it != d.postlist_end(""); ++it) {
      const Xapian::Document doc = d.get_document(*it);
      CHECK_FALSE(doc.get_data().empty());
      CHECK(doc.termlist_count() > 0);
    }
    if (s.articles > 0) {
      incidex::Searcher searcher(db, shipped_gazetteer());
      for (const int i : {0, static_cast<int>(s.articles) - 1}) {
        const auto record = searcher.get(article_id(i));
        REQUIRE(record.has_value());
        CHECK((*record)["id"] == article_id(i));
      }
    }
  } catch (const Xapian::Error& e) {
    FAIL_CHECK("Xapian error after a kill: " << e.get_type() << ": " << e.get_msg());
  }
  return s;
}

}  // namespace

TEST_CASE("a build killed at random moments leaves the database at its last commit") {
  TempDir tmp;
  const std::string input = tmp.write("input/articles.jsonl", make_input()).string();
  const std::string db = (tmp.path / "db").string();

  // How long a full run takes here (this build type, this machine): the kill window.
  const auto t0 = Clock::now();
  REQUIRE(wait_exit(start_build((tmp.path / "measure").string(), input)) == 0);
  const double full = std::chrono::duration<double>(Clock::now() - t0).count();
  MESSAGE("full run: " << full << " s");

  std::mt19937 rng(kSeed);
  std::uniform_real_distribution<double> when(0.05, std::max(0.1, full));
  State state;
  int kills = 0, completed = 0;
  std::ostringstream log;
  while (kills < kKills && kills + completed < 3 * kKills) {
    const double delay = when(rng);
    const pid_t pid = start_build(db, input);
    const auto deadline = Clock::now() + std::chrono::duration<double>(delay);
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (done == 0) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      ++kills;
    } else {
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
      ++completed;
    }
    const State next = check_database(db, state.articles);
    log << (done == 0 ? "killed" : "finished") << " at " << delay << " s (" << static_cast<int>(100 * delay / full)
        << "% of a full run): " << next.articles << " articles, " << next.incidents << " incidents\n";
    state = next;
  }
  MESSAGE(kills << " kills, " << completed << " runs finished before their kill:\n" << log.str());
  CHECK(kills >= kKills);

  REQUIRE(wait_exit(start_build(db, input)) == 0);
  const State last = check_database(db, state.articles);
  CHECK(last.articles == static_cast<Xapian::doccount>(kArticles));
  Xapian::Database d(db);
  for (int i = 0; i < kArticles; ++i) REQUIRE(d.get_termfreq("Q" + article_id(i)) == 1);
  CHECK(last.incidents > 0);
}
