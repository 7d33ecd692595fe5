#include "value_counter.h"

#include <algorithm>
#include <stdexcept>

namespace incidex {

class ValueCounter::LocalSpy : public Xapian::MatchSpy {
 public:
  explicit LocalSpy(const std::vector<Xapian::valueno>& slots) : slots_(slots), counts_(slots.size()) {}

  void operator()(const Xapian::Document& doc, double) override {
    ++total_;
    for (std::size_t i = 0; i < slots_.size(); ++i) ++counts_[i][doc.get_value(slots_[i])];
  }
  std::string name() const override { return "incidex.ValueCounter"; }

  void merge(const LocalSpy& other) {
    total_ += other.total_;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      for (const auto& [value, count] : other.counts_[i]) counts_[i][value] += count;
  }

  Xapian::doccount total() const { return total_; }
  const std::unordered_map<std::string, Xapian::doccount>& counts(std::size_t i) const { return counts_[i]; }

 private:
  std::vector<Xapian::valueno> slots_;
  std::vector<std::unordered_map<std::string, Xapian::doccount>> counts_;
  Xapian::doccount total_ = 0;
};

class ValueCounter::ColumnSpy : public Xapian::MatchSpy {
 public:
  ColumnSpy(const std::vector<Xapian::valueno>& slots, std::shared_ptr<const ValueColumns> columns)
      : columns_(std::move(columns)) {
    for (Xapian::valueno s : slots) {
      index_.push_back(columns_->index_of(s));
      column_.push_back(columns_->column(index_.back()));
      counts_.emplace_back(columns_->codes(index_.back()), 0);
    }
  }
  void operator()(const Xapian::Document& doc, double) override { add(doc.get_docid()); }
  void add(Xapian::docid did) {
    ++total_;
    for (std::size_t i = 0; i < column_.size(); ++i) ++counts_[i][did < column_[i].size() ? column_[i][did] : 0];
  }
  std::string name() const override { return "incidex.ValueCounter.columns"; }

  const std::shared_ptr<const ValueColumns>& columns() const { return columns_; }
  bool same_columns(const ColumnSpy& other) const { return columns_ == other.columns_ && index_ == other.index_; }
  void merge(const ColumnSpy& other) {
    total_ += other.total_;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      for (std::size_t code = 0; code < counts_[i].size(); ++code) counts_[i][code] += other.counts_[i][code];
  }

  Xapian::doccount total() const { return total_; }
  void for_each(std::size_t i, const std::function<void(const std::string&, Xapian::doccount)>& f) const {
    for (std::uint32_t code = 0; code < counts_[i].size(); ++code)
      if (counts_[i][code]) f(columns_->value(index_[i], code), counts_[i][code]);
  }

 private:
  std::shared_ptr<const ValueColumns> columns_;
  std::vector<int> index_;                             // per counted slot: its index in the columns
  std::vector<std::span<const std::uint32_t>> column_;  // per counted slot: its codes by docid
  std::vector<std::vector<Xapian::doccount>> counts_;  // per counted slot, by code
  Xapian::doccount total_ = 0;
};

ValueCounter::ValueCounter(std::vector<Xapian::valueno> slots, bool remote, std::shared_ptr<const ValueColumns> columns)
    : slots_(std::move(slots)) {
  if (!remote && columns && columns->covers(slots_)) {
    columns_ = std::make_unique<ColumnSpy>(slots_, std::move(columns));
  } else if (remote) {
    for (Xapian::valueno s : slots_) remote_.push_back(std::make_unique<Xapian::ValueCountMatchSpy>(s));
  } else {
    local_ = std::make_unique<LocalSpy>(slots_);
  }
}

ValueCounter::~ValueCounter() = default;

void ValueCounter::attach(Xapian::Enquire& e) {
  if (columns_) e.add_matchspy(columns_.get());
  if (local_) e.add_matchspy(local_.get());
  for (const auto& spy : remote_) e.add_matchspy(spy.get());
}

Xapian::doccount ValueCounter::total() const {
  if (columns_) return columns_->total();
  if (local_) return local_->total();
  return remote_.empty() ? 0 : remote_.front()->get_total();
}

std::shared_ptr<const ValueColumns> ValueCounter::columns() const {
  return columns_ ? columns_->columns() : nullptr;
}

void ValueCounter::add(Xapian::docid did) {
  if (!columns_) throw std::logic_error("ValueCounter::add: not counting through columns");
  columns_->add(did);
}

void ValueCounter::merge(const ValueCounter& other) {
  if (slots_ != other.slots_) throw std::invalid_argument("ValueCounter::merge: different slots");
  if (columns_ && other.columns_ && columns_->same_columns(*other.columns_)) {
    columns_->merge(*other.columns_);
  } else if (local_ && other.local_) {
    local_->merge(*other.local_);
  } else {
    throw std::invalid_argument("ValueCounter::merge: counted in different ways");
  }
}

void ValueCounter::for_each(Xapian::valueno slot,
                            const std::function<void(const std::string&, Xapian::doccount)>& f) const {
  const auto at = std::find(slots_.begin(), slots_.end(), slot);
  if (at == slots_.end()) throw std::invalid_argument("ValueCounter: slot " + std::to_string(slot) + " not counted");
  const std::size_t i = at - slots_.begin();
  if (columns_) {
    columns_->for_each(i, f);
    return;
  }
  if (local_) {
    for (const auto& [value, count] : local_->counts(i)) f(value, count);
    return;
  }
  const Xapian::ValueCountMatchSpy& spy = *remote_[i];
  Xapian::doccount named = 0;
  for (auto v = spy.values_begin(); v != spy.values_end(); ++v) {
    f(*v, v.get_termfreq());
    named += v.get_termfreq();
  }
  // ValueCountMatchSpy skips documents without a value; report them as the empty value.
  if (spy.get_total() > named) f(std::string(), spy.get_total() - named);
}

}  // namespace incidex
