#include "build.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "analyzer.h"
#include "index_writer.h"
#include "schema.h"

namespace fs = std::filesystem;

namespace incidex {

namespace {

constexpr const char* kStubName = "XAPIANDB";
constexpr std::size_t kQueueDepth = 64;  // articles waiting per analysing thread

// FNV-1a: stable across builds and platforms, so a sharded database routes an id to the same
// shard in every later run.
std::uint64_t route_hash(std::string_view id) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return h;
}

fs::path shard_path(const fs::path& db, unsigned k) { return db / fmt::format("shard-{}", k); }

// A bounded queue from the reading thread to one analysing thread.
class ArticleQueue {
 public:
  void push(RawArticle&& a) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < kQueueDepth || closed_; });
    if (closed_) return;
    items_.push_back(std::move(a));
    not_empty_.notify_one();
  }
  std::optional<RawArticle> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    RawArticle a = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return a;
  }
  // No more articles: pop() drains what is queued, then returns nullopt.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<RawArticle> items_;
  bool closed_ = false;
};

// One analysing thread and the database it writes.
struct Worker {
  fs::path db;
  ArticleQueue queue;
  std::vector<std::string> ids;
  std::size_t indexed = 0, replaced = 0;  // replaced: the id was already in this database
  std::exception_ptr error;
  std::thread thread;
};

// Scratch folders of parallel builds into `db`: "<db>.parts-<pid>".
std::string scratch_prefix(const fs::path& db) { return db.filename().string() + ".parts-"; }

// Removes scratch folders left by parallel builds into `db` that were killed (their process is gone).
void remove_stale_scratch(const fs::path& db) {
  std::error_code ec;
  const fs::path parent = db.has_parent_path() ? db.parent_path() : fs::path(".");
  const std::string prefix = scratch_prefix(db);
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;
    fs::remove_all(entry.path(), ec);
  }
}

// Creates db/ with its stub for `n` shards, or checks that an existing sharded database has n.
void prepare_shards(const fs::path& db, unsigned n) {
  std::error_code ec;
  if (const unsigned have = shard_count(db)) {
    if (have != n)
      throw std::runtime_error(fmt::format("{} has {} shards, not {}: build into it with --shards {} (or none)",
                                           db.string(), have, n, have));
    return;
  }
  if (fs::exists(db, ec) && !fs::is_empty(db, ec))
    throw std::runtime_error(fmt::format("{} is a single database, not a sharded one: --shards needs a new folder",
                                         db.string()));
  fs::create_directories(db);
  const fs::path stub = db / kStubName;
  const fs::path tmp = db / (std::string(kStubName) + ".tmp");
  {
    std::ofstream out(tmp);
    for (unsigned k = 0; k < n; ++k) out << "auto shard-" << k << "\n";
    if (!out.flush()) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, stub);
}

BuildReport build_sequential(const Gazetteer& gazetteer, const BuildOptions& o, const std::vector<fs::path>& files,
                             const ProblemSink& problems, const BuildProgress& progress, const std::atomic<bool>& stop) {
  const Analyzer analyzer(gazetteer);
  IndexWriter writer(o.db, gazetteer, o.batch);
  BuildReport report;
  std::uintmax_t bytes = 0;
  for (const auto& f : files) {
    if (stop) break;
    read_file(f, o.read, [&](RawArticle&& raw) {
      if (stop) return;
      ++report.read;
      const Analysis a = analyzer.analyze(std::move(raw));
      if (writer.add(a, analyzer.explain(a))) ++report.replaced;
      else ++report.added;
      report.ids.push_back(a.id);
      if (progress) progress(bytes, report.added + report.replaced);
    }, problems);
    std::error_code ec;
    bytes += fs::file_size(f, ec);
    if (progress) progress(bytes, report.added + report.replaced);
  }
  writer.commit();
  report.interrupted = stop;
  return report;
}

// Copies every document of `from` into `to`, replacing by id; returns how many ids `to` had.
std::size_t copy_documents(const fs::path& from, Xapian::WritableDatabase& to, unsigned batch) {
  const Xapian::Database src(from.string());
  const std::string id_prefix(schema::kIdPrefix);
  std::size_t existed = 0, pending = 0;
  for (auto t = src.allterms_begin(id_prefix); t != src.allterms_end(id_prefix); ++t) {
    const std::string term = *t;
    for (auto p = src.postlist_begin(term); p != src.postlist_end(term); ++p) {
      if (to.term_exists(term)) ++existed;
      to.replace_document(term, src.get_document(*p));
      if (++pending >= batch) {
        to.commit();
        pending = 0;
      }
    }
  }
  for (auto w = src.spellings_begin(); w != src.spellings_end(); ++w) to.add_spelling(*w, w.get_termfreq());
  to.commit();
  return existed;
}

BuildReport build_parallel(const Gazetteer& gazetteer, const BuildOptions& o, const std::vector<fs::path>& files,
                           const ProblemSink& problems, const BuildProgress& progress, const std::atomic<bool>& stop) {
  std::error_code ec;
  const unsigned shards = o.shards ? o.shards : shard_count(o.db);
  const bool sharded = shards > 0;
  const unsigned n = sharded ? shards : o.jobs;
  const bool fresh = !sharded && !fs::exists(o.db, ec);
  remove_stale_scratch(o.db);
  const fs::path scratch = fs::path(o.db.string() + ".parts-" + std::to_string(::getpid()));
  if (sharded) prepare_shards(o.db, n);
  else fs::create_directories(scratch);

  const Analyzer analyzer(gazetteer);
  std::atomic<std::size_t> indexed{0};
  std::atomic<bool> failed{false};
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned k = 0; k < n; ++k) {
    auto w = std::make_unique<Worker>();
    w->db = sharded ? shard_path(o.db, k) : shard_path(scratch, k);
    workers.push_back(std::move(w));
  }
  for (auto& wp : workers) {
    Worker& w = *wp;
    w.thread = std::thread([&] {
      try {
        IndexWriter writer(w.db, gazetteer, o.batch);
        while (auto raw = w.queue.pop()) {
          const Analysis a = analyzer.analyze(std::move(*raw));
          if (writer.add(a, analyzer.explain(a))) ++w.replaced;
          w.ids.push_back(a.id);
          ++w.indexed;
          ++indexed;
        }
        writer.commit();
      } catch (...) {
        w.error = std::current_exception();
        failed = true;
        w.queue.close();
      }
    });
  }

  // However reading ends (an exception included), the threads are told and joined.
  struct Join {
    std::vector<std::unique_ptr<Worker>>& workers;
    ~Join() {
      for (auto& w : workers) w->queue.close();
      for (auto& w : workers)
        if (w->thread.joinable()) w->thread.join();
    }
  };
  BuildReport report;
  std::uintmax_t bytes = 0;
  {
    const Join join{workers};
    for (const auto& f : files) {
      if (stop || failed) break;
      read_file(f, o.read, [&](RawArticle&& raw) {
        if (stop || failed) return;
        ++report.read;
        workers[route_hash(article_id(raw)) % n]->queue.push(std::move(raw));
        if (progress) progress(bytes, indexed);
      }, problems);
      bytes += fs::file_size(f, ec);
      if (progress) progress(bytes, indexed);
    }
  }
  for (auto& w : workers)
    if (w->error) {
      if (!sharded) fs::remove_all(scratch, ec);
      std::rethrow_exception(w->error);
    }

  std::size_t total = 0, replaced = 0;
  for (auto& w : workers) {
    total += w->indexed;
    replaced += w->replaced;
    report.ids.insert(report.ids.end(), w->ids.begin(), w->ids.end());
  }
  if (!sharded && total > 0) {
    if (fresh) {
      // Compact the shards into a folder beside the database, then rename it into place.
      const fs::path compacted = fs::path(scratch / "combined");
      Xapian::Database all;
      for (auto& w : workers) all.add_database(Xapian::Database(w->db.string()));
      all.compact(compacted.string());
      fs::rename(compacted, o.db);
    } else {
      Xapian::WritableDatabase target(o.db.string(), Xapian::DB_CREATE_OR_OPEN);
      for (auto& w : workers) replaced += copy_documents(w->db, target, o.batch);
    }
  }
  if (!sharded) fs::remove_all(scratch, ec);
  report.replaced = replaced;
  report.added = total - replaced;
  report.interrupted = stop;
  return report;
}

}  // namespace

unsigned shard_count(const fs::path& db) {
  std::ifstream in(db / kStubName);
  if (!in) return 0;
  unsigned n = 0;
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("auto shard-", 0) == 0) ++n;
  return n;
}

BuildReport build_index(const Gazetteer& gazetteer, const BuildOptions& options, const std::vector<fs::path>& files,
                        const ProblemSink& problems, const BuildProgress& progress, const std::atomic<bool>& stop) {
  if (options.jobs <= 1 && options.shards == 0 && shard_count(options.db) == 0)
    return build_sequential(gazetteer, options, files, problems, progress, stop);
  return build_parallel(gazetteer, options, files, problems, progress, stop);
}

Xapian::WritableDatabase open_writable(const fs::path& db) {
  const unsigned n = shard_count(db);
  if (n == 0) return Xapian::WritableDatabase(db.string(), Xapian::DB_CREATE_OR_OPEN);
  Xapian::WritableDatabase all;
  for (unsigned k = 0; k < n; ++k) all.add_database(Xapian::WritableDatabase(shard_path(db, k).string(), Xapian::DB_OPEN));
  return all;
}

}  // namespace incidex
