// incidex-index: reads raw articles into a faceted Xapian index.
//   incidex-index build --db DIR PATH...     index files and folders (re-indexing replaces)
//   incidex-index explain PATH...            print each article's analysis as JSON Lines
//   incidex-index link --db DIR              recompute incidents from scratch
//   incidex-index stats --db DIR             document count and facet value counts
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>
#include <xapian.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

#include "analyzer.h"
#include "build.h"
#include "gazetteer.h"
#include "incidents.h"
#include "ingest.h"
#include "schema.h"
#include "search.h"
#include "word_pairs.h"

namespace fs = std::filesystem;
using namespace incidex;

namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted = true; }

struct Common {
  fs::path data_dir;
  std::size_t max_file_mib = 32;
};

struct Engine {
  Gazetteer gazetteer;
  ReadOptions options;
};

Engine load_engine(const Common& c) {
  const fs::path data = c.data_dir.empty() ? default_data_dir() : c.data_dir;
  Engine e{Gazetteer::load(data / "gazetteer"), {}};
  e.options.boilerplate_markers = load_boilerplate_markers(data / "boilerplate.txt");
  e.options.max_file_bytes = c.max_file_mib << 20;
  return e;
}

// A one-line progress display on stderr, redrawn at most ten times a second, only on a terminal.
class Progress {
 public:
  explicit Progress(std::uintmax_t total_bytes) : total_(total_bytes), on_(isatty(STDERR_FILENO)) {}
  void update(std::uintmax_t done_bytes, std::size_t articles, bool force = false) {
    if (!on_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double frac = total_ ? static_cast<double>(done_bytes) / static_cast<double>(total_) : 1.0;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double rate = secs > 0 ? articles / secs : 0;
    const double eta = frac > 0 ? secs / frac - secs : 0;
    fmt::print(stderr, "\r[{:=<{}}{:<{}}] {:5.1f}%  {} articles  {:.0f}/s  ETA {}:{:02}  ", "", filled, "",
               width - filled, frac * 100, articles, rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    std::fflush(stderr);
  }
  void finish() {
    if (on_) fmt::print(stderr, "\n");
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::uintmax_t total_;
  bool on_;
  Clock::time_point start_ = Clock::now(), last_{};
};

// Runs a linking step with a progress line over the articles it reads (the "bytes" are articles).
LinkStats link_with_progress(IncidentLinker& linker, const std::function<LinkStats()>& step) {
  std::optional<Progress> progress;
  linker.on_progress([&](std::size_t done, std::size_t total) {
    if (!progress) progress.emplace(total);
    progress->update(done, done, done == total);
  });
  const LinkStats stats = step();
  if (progress) progress->finish();
  return stats;
}

std::string where(const InputProblem& p) {
  return p.line ? fmt::format("{}:{}", p.path, p.line) : p.path;
}

int run_build(const Common& c, BuildOptions o, const std::vector<fs::path>& paths, bool link) {
  Engine engine = load_engine(c);
  o.read = engine.options;
  std::map<std::string, std::size_t> skipped_by_reason;
  std::size_t skipped = 0, warnings = 0;
  const auto problem = [&](InputProblem&& p) {
    fmt::print(stderr, "{}: {}: {}\n", p.skipped ? "skipped" : "warning", where(p), p.message);
    if (p.skipped) {
      ++skipped;
      ++skipped_by_reason[p.message.substr(0, p.message.find(':'))];
    } else {
      ++warnings;
    }
  };
  const auto files = list_inputs(paths, problem);
  std::uintmax_t total_bytes = 0;
  for (const auto& f : files) {
    std::error_code ec;
    total_bytes += fs::file_size(f, ec);
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  Progress progress(total_bytes);
  const BuildReport r = build_index(engine.gazetteer, o, files, problem,
                                    [&](std::uintmax_t bytes, std::size_t n) { progress.update(bytes, n); }, g_interrupted);
  progress.update(total_bytes, r.added + r.replaced, true);
  progress.finish();

  Xapian::WritableDatabase db = open_writable(o.db);
  if (link && !r.interrupted && !r.ids.empty()) {
    IncidentLinker linker(db, engine.gazetteer);
    const LinkStats ls = link_with_progress(linker, [&] { return linker.link(r.ids); });
    fmt::print(stderr, "linked {} articles into {} incidents ({} with several reports, {} related links)\n", ls.articles,
               ls.incidents, ls.multi, ls.relations);
  }
  const auto count = [&](std::string_view type) { return db.get_termfreq(std::string(schema::kTypePrefix) + std::string(type)); };
  fmt::print(stderr, "{} {} files, {} articles read: {} indexed ({} new, {} replaced), {} skipped{}; {} articles and {} incidents in {}\n",
             r.interrupted ? "interrupted after" : "read", files.size(), r.read, r.added + r.replaced, r.added, r.replaced,
             skipped, warnings ? fmt::format(", {} warnings", warnings) : "", count(schema::kArticleType),
             count(schema::kIncidentType), o.db.string());
  for (const auto& [reason, n] : skipped_by_reason) fmt::print(stderr, "  skipped {} × {}\n", n, reason);
  if (db.get_doccount() > 0 && !word_pairs::complete(db))
    fmt::print(stderr, "note: {} of the {} documents in {} were indexed by an earlier version, without word pairs: phrases "
               "are matched from word positions, slower on common words, until the database is built anew from its files\n",
               db.get_doccount() - db.get_termfreq(std::string(schema::kPairedTerm)), db.get_doccount(), o.db.string());
  if (r.interrupted) return 130;
  return r.added + r.replaced > 0 ? 0 : 1;
}

int run_link(const Common& c, const fs::path& db_path) {
  Engine engine = load_engine(c);
  Xapian::WritableDatabase db = open_writable(db_path);
  IncidentLinker linker(db, engine.gazetteer);
  const LinkStats ls = link_with_progress(linker, [&] { return linker.relink_all(); });
  fmt::print(stderr, "linked {} articles into {} incidents ({} with several reports, {} related links)\n", ls.articles,
             ls.incidents, ls.multi, ls.relations);
  return 0;
}

int run_explain(const Common& c, const std::vector<fs::path>& paths) {
  Engine engine = load_engine(c);
  Analyzer analyzer(engine.gazetteer);
  std::size_t explained = 0;
  const auto problem = [&](InputProblem&& p) {
    fmt::print(stderr, "{}: {}: {}\n", p.skipped ? "skipped" : "warning", where(p), p.message);
  };
  for (const auto& f : list_inputs(paths, problem))
    read_file(f, engine.options, [&](RawArticle&& raw) {
      const Analysis a = analyzer.analyze(std::move(raw));
      std::cout << analyzer.explain(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      ++explained;
    }, problem);
  return explained > 0 ? 0 : 1;
}

int run_stats(const Common& c, const fs::path& db_path, std::size_t top, bool as_json) {
  Engine engine = load_engine(c);
  Searcher searcher(db_path.string(), engine.gazetteer);
  const nlohmann::json out = searcher.stats(static_cast<unsigned>(top));
  if (as_json) {
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  fmt::print("{} documents in {}\n", out["documents"].get<std::size_t>(), db_path.string());
  if (!out["word_pairs"].get<bool>())
    fmt::print("phrases are matched from word positions: some documents were indexed without word pairs\n");
  for (Facet f : kAllFacets) {
    const auto& facet = out["facets"][std::string(facet_name(f))];
    fmt::print("\n{} ({} distinct values, main role)\n", facet_name(f), facet["distinct"].get<std::size_t>());
    for (const auto& v : facet["top"])
      fmt::print("  {:>7}  {:<40} {}\n", v["count"].get<std::size_t>(), v["id"].get<std::string>(),
                 v["name"].get<std::string>());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"incidex-index: index conflict news articles into a faceted Xapian database"};
  app.require_subcommand(1);
  Common common;
  app.add_option("--data", common.data_dir, "Data folder with gazetteer/ and boilerplate.txt (default: the project's data/)");

  BuildOptions build_options;
  std::vector<fs::path> paths;
  auto* build = app.add_subcommand("build", "Index files and folders (re-indexing the same article replaces it)");
  build->add_option("--db", build_options.db, "Xapian database folder (created when missing)")->required();
  build->add_option("--batch", build_options.batch, "Articles per commit")->check(CLI::Range(1u, 1000000u))->capture_default_str();
  build->add_option("-j,--jobs", build_options.jobs, "Analysing threads, each writing a shard; combined at the end")
      ->check(CLI::Range(1u, 256u))->capture_default_str();
  build->add_option("--shards", build_options.shards,
                    "Keep the database as N shards (DB/shard-K) behind the stub DB/XAPIANDB, one thread each")
      ->check(CLI::Range(1u, 256u));
  build->add_option("--max-file-size", common.max_file_mib, "Skip text, JSON and HTML files larger than this many MiB")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))->capture_default_str();
  bool no_link = false;
  build->add_flag("--no-link", no_link, "Do not link the new articles into incidents (run `link` later)");
  build->add_option("paths", paths, "Files or folders (read recursively)")->required();

  fs::path link_db;
  auto* link = app.add_subcommand("link", "Recompute every incident from the articles in the database");
  link->add_option("--db", link_db, "Xapian database folder")->required()->check(CLI::ExistingDirectory);

  std::vector<fs::path> explain_paths;
  auto* explain = app.add_subcommand("explain", "Print each article's analysis as JSON Lines, without indexing");
  explain->add_option("paths", explain_paths, "Files or folders")->required();

  fs::path stats_db;
  std::size_t top = 20;
  bool as_json = false;
  auto* stats = app.add_subcommand("stats", "Print document count and facet value counts");
  stats->add_option("--db", stats_db, "Xapian database folder")->required()->check(CLI::ExistingDirectory);
  stats->add_option("--top", top, "Values to list per facet")->capture_default_str();
  stats->add_flag("--json", as_json, "Print JSON");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*build) return run_build(common, build_options, paths, !no_link);
    if (*explain) return run_explain(common, explain_paths);
    if (*link) return run_link(common, link_db);
    if (*stats) return run_stats(common, stats_db, top, as_json);
  } catch (const GazetteerError& e) {
    fmt::print(stderr, "incidex-index: gazetteer error: {}\n", e.what());
    return 2;
  } catch (const Xapian::Error& e) {
    fmt::print(stderr, "incidex-index: {}: {}\n", e.get_type(), e.get_msg());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "incidex-index: {}\n", e.what());
    return 2;
  }
  return 0;
}
