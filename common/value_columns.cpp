#include "value_columns.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace incidex {

ValueColumns::ValueColumns(const Xapian::Database& db, std::vector<Xapian::valueno> slots)
    : revision_(db.get_revision()), slots_(std::move(slots)) {
  const std::size_t size = std::size_t(db.get_lastdocid()) + 1;
  for (Xapian::valueno slot : slots_) {
    std::vector<std::uint32_t> codes(size, 0);
    std::vector<std::string> values = {std::string()};
    std::unordered_map<std::string, std::uint32_t> code_of = {{std::string(), 0}};
    for (auto it = db.valuestream_begin(slot); it != db.valuestream_end(slot); ++it) {
      const Xapian::docid did = it.get_docid();
      if (did >= size) break;  // cannot happen at one revision; never write past the column
      auto [at, added] = code_of.try_emplace(*it, std::uint32_t(values.size()));
      if (added) values.push_back(at->first);
      codes[did] = at->second;
    }
    std::vector<Xapian::doccount> documents(values.size(), 0);
    for (std::uint32_t c : codes) ++documents[c];
    codes_.push_back(std::move(codes));
    values_.push_back(std::move(values));
    documents_.push_back(std::move(documents));
  }
}

int ValueColumns::index_of(Xapian::valueno slot) const {
  const auto at = std::find(slots_.begin(), slots_.end(), slot);
  return at == slots_.end() ? -1 : int(at - slots_.begin());
}

bool ValueColumns::covers(const std::vector<Xapian::valueno>& slots) const {
  return std::all_of(slots.begin(), slots.end(), [&](Xapian::valueno s) { return index_of(s) >= 0; });
}

std::vector<char> ValueColumns::codes_between(int index, const std::string& lo, const std::string& hi,
                                              Xapian::doccount* documents) const {
  std::vector<char> marked(codes(index), false);
  for (std::uint32_t code = 1; code < marked.size(); ++code) {
    const std::string& v = value(index, code);
    if (v >= lo && (hi.empty() || v <= hi)) {
      marked[code] = true;
      if (documents) *documents += documents_[index][code];
    }
  }
  return marked;
}

std::size_t ValueColumns::bytes() const {
  std::size_t n = 0;
  for (const auto& c : codes_) n += c.capacity() * sizeof(std::uint32_t);
  for (const auto& vs : values_)
    for (const auto& v : vs) n += sizeof(v) + v.capacity();
  for (const auto& d : documents_) n += d.capacity() * sizeof(Xapian::doccount);
  return n;
}

namespace {

// Documents whose code in one column is marked as wanted.
class ColumnSource : public Xapian::PostingSource {
 public:
  ColumnSource(std::shared_ptr<const ValueColumns> columns, int index, std::shared_ptr<const std::vector<char>> wanted,
               Xapian::doccount matches)
      : columns_(std::move(columns)), index_(index), wanted_(std::move(wanted)), matches_(matches) {}

  void init(const Xapian::Database& db) override {
    did_ = 0;
    last_ = db.get_lastdocid();
  }
  Xapian::doccount get_termfreq_min() const override { return matches_; }
  Xapian::doccount get_termfreq_est() const override { return matches_; }
  Xapian::doccount get_termfreq_max() const override { return matches_; }
  void next(double) override { advance(did_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (did > did_) advance(did);
  }
  bool check(Xapian::docid did, double) override {
    did_ = did;
    return wanted(did);  // false: "somewhere at or after did", and the next move starts from there
  }
  bool at_end() const override { return did_ > last_; }
  Xapian::docid get_docid() const override { return did_; }
  ColumnSource* clone() const override { return new ColumnSource(columns_, index_, wanted_, matches_); }
  std::string get_description() const override { return "ColumnSource"; }

 private:
  bool wanted(Xapian::docid did) const { return (*wanted_)[columns_->code(index_, did)]; }
  void advance(Xapian::docid from) {
    did_ = from;
    while (did_ <= last_ && !wanted(did_)) ++did_;
  }

  std::shared_ptr<const ValueColumns> columns_;
  int index_;
  std::shared_ptr<const std::vector<char>> wanted_;
  Xapian::doccount matches_;
  Xapian::docid did_ = 0, last_ = 0;
};

}  // namespace

Xapian::Query column_range_query(std::shared_ptr<const ValueColumns> columns, Xapian::valueno slot,
                                 const std::string& lo, const std::string& hi) {
  const int index = columns->index_of(slot);
  if (index < 0) throw std::invalid_argument("column_range_query: slot " + std::to_string(slot) + " not read");
  Xapian::doccount matches = 0;
  auto wanted = std::make_shared<std::vector<char>>(columns->codes_between(index, lo, hi, &matches));
  auto* source = new ColumnSource(std::move(columns), index, std::move(wanted), matches);
  return Xapian::Query(source->release());
}

namespace {

// The newest columns per database path, and one thread building the ones asked for.
class Registry {
 public:
  ~Registry() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  std::shared_ptr<const ValueColumns> get(const std::string& path, Xapian::rev revision,
                                          const std::vector<Xapian::valueno>& slots) {
    std::lock_guard lock(mutex_);
    Entry& e = entries_[path];
    const bool covers = e.columns && e.columns->covers(slots);
    if (covers && e.columns->revision() == revision) return e.columns;
    if (e.queued || stop_ || (covers && e.columns->revision() > revision)) return nullptr;
    for (Xapian::valueno s : slots)
      if (std::find(e.slots.begin(), e.slots.end(), s) == e.slots.end()) e.slots.push_back(s);
    e.queued = true;
    queue_.push_back(path);
    if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
    wake_.notify_one();
    return nullptr;
  }

 private:
  struct Entry {
    std::shared_ptr<const ValueColumns> columns;
    std::vector<Xapian::valueno> slots;
    bool queued = false;
  };

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      const std::string path = queue_.front();
      queue_.pop_front();
      const std::vector<Xapian::valueno> slots = entries_[path].slots;
      lock.unlock();
      std::shared_ptr<const ValueColumns> built;
      try {
        built = std::make_shared<const ValueColumns>(Xapian::Database(path), slots);
      } catch (const Xapian::Error&) {
        // Overtaken by commits or gone: searches count without columns and ask again.
      }
      lock.lock();
      Entry& e = entries_[path];
      e.queued = false;
      if (built && (!e.columns || built->revision() >= e.columns->revision())) e.columns = std::move(built);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Entry> entries_;
  std::deque<std::string> queue_;
  std::thread worker_;
  bool stop_ = false;
};

}  // namespace

std::shared_ptr<const ValueColumns> shared_columns(const std::string& path, const Xapian::Database& db,
                                                   const std::vector<Xapian::valueno>& slots) {
  static Registry registry;
  if (db.size() != 1) return nullptr;
  Xapian::rev revision;
  try {
    revision = db.get_revision();  // throws for remote and in-memory databases
  } catch (const Xapian::Error&) {
    return nullptr;
  }
  return registry.get(path, revision, slots);
}

}  // namespace incidex
