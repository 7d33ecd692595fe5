// Value slots of a database held in memory as columns: for each document, a small integer code
// of its value in each slot. Counting the values of a match then costs an array read per slot
// and document instead of reading and hashing the value.
//
// Columns describe one revision of one local database (get_revision()); shared_columns() keeps
// the newest ones per path for every Searcher of the process and rebuilds them in a background
// thread after a commit, so that a search never waits for them.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace incidex {

class ValueColumns {
 public:
  // Reads `slots` of `db`, which must be a single local database. Throws Xapian::Error.
  ValueColumns(const Xapian::Database& db, std::vector<Xapian::valueno> slots);

  Xapian::rev revision() const { return revision_; }
  // Position of `slot` among the slots read, or -1.
  int index_of(Xapian::valueno slot) const;
  // Whether every slot in `slots` was read.
  bool covers(const std::vector<Xapian::valueno>& slots) const;
  // Code of the value of document `did` in the slot at `index`; 0 is the empty value.
  std::uint32_t code(int index, Xapian::docid did) const {
    const auto& c = codes_[index];
    return did < c.size() ? c[did] : 0;
  }
  // The codes of the slot at `index`, indexed by docid (documents past its end have code 0).
  std::span<const std::uint32_t> column(int index) const { return codes_[index]; }
  // Number of codes of the slot at `index` (distinct values, the empty one included).
  std::size_t codes(int index) const { return values_[index].size(); }
  const std::string& value(int index, std::uint32_t code) const { return values_[index][code]; }
  // Documents whose value in the slot at `index` has `code` (0: documents without one, and docids
  // not in use).
  Xapian::doccount documents(int index, std::uint32_t code) const { return documents_[index][code]; }
  // Marks the codes of the slot at `index` whose value is not empty and lies between `lo` and
  // `hi` inclusive in byte order (`lo` empty: no lower bound; `hi` empty: no upper bound); adds
  // the number of documents with a marked code to `*documents` when given.
  std::vector<char> codes_between(int index, const std::string& lo, const std::string& hi,
                                  Xapian::doccount* documents = nullptr) const;
  // Memory held, in bytes (approximately).
  std::size_t bytes() const;

 private:
  Xapian::rev revision_ = 0;
  std::vector<Xapian::valueno> slots_;
  std::vector<std::vector<std::uint32_t>> codes_;  // per slot, indexed by docid
  std::vector<std::vector<std::string>> values_;   // per slot, indexed by code
  std::vector<std::vector<Xapian::doccount>> documents_;  // per slot, indexed by code
};

// The documents whose value in `slot` (one of the columns' slots) is not empty and lies between
// `lo` and `hi` inclusive, in byte order (either empty: unbounded on that side): what
// OP_VALUE_RANGE (OP_VALUE_GE) matches, found with an array read per document instead of
// Xapian's value streams. Only for the database the columns were read from, at their revision.
Xapian::Query column_range_query(std::shared_ptr<const ValueColumns> columns, Xapian::valueno slot,
                                 const std::string& lo, const std::string& hi);

// The columns of `slots` for the database at `path` at the revision `db` (opened from `path`)
// is at, or null when there are none yet: then a background thread builds them (with every slot
// asked for so far), and later calls find them. Null also when `db` is not a single local
// database (e.g. shards).
std::shared_ptr<const ValueColumns> shared_columns(const std::string& path, const Xapian::Database& db,
                                                   const std::vector<Xapian::valueno>& slots);

}  // namespace incidex
