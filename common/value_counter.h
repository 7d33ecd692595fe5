// Exact counts of the values stored in some value slots, over every document a match visits:
// the facet counts and the histogram of a search.
//
// Given the database's value columns (value_columns.h), one spy counts every slot by code: an
// array read and an increment per slot and document. Without them, on local databases, one spy
// counts every slot in hash maps: a value read and a hash lookup per slot and document (Xapian's
// ValueCountMatchSpy keeps an ordered map of strings per slot, whose comparisons dominated broad
// searches). Remote shards run only spies that xapian-tcpsrv knows, so there it uses one
// ValueCountMatchSpy per slot. The counts are the same in all three ways.
#pragma once

#include <xapian.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "value_columns.h"

namespace incidex {

class ValueCounter {
 public:
  // `remote`: the database includes remote shards. `columns`: the database's columns at the
  // revision to be searched, used when they hold every slot in `slots` (ignored when remote).
  ValueCounter(std::vector<Xapian::valueno> slots, bool remote, std::shared_ptr<const ValueColumns> columns = nullptr);
  ValueCounter(const ValueCounter&) = delete;
  ValueCounter& operator=(const ValueCounter&) = delete;
  ~ValueCounter();

  // Adds the spies to `e`; they count during its next get_mset(). Attach to one Enquire at a time.
  void attach(Xapian::Enquire& e);
  // Documents counted (less than the match's total when a time bound ended the match early).
  Xapian::doccount total() const;
  // The columns counted through, or null.
  std::shared_ptr<const ValueColumns> columns() const;
  // Counts document `did` without a match (e.g. one a ConjunctionCursor found). Only when
  // counting through columns (columns() is not null), which must be of the database `did` is in.
  void add(Xapian::docid did);
  // Adds the counts of `other`, which counted the same slots in the same way (e.g. over another
  // docid range of the same database) into this one.
  void merge(const ValueCounter& other);
  // Calls `f(value, count)` for each distinct value of `slot` (one of the slots given), the empty
  // value included, in no particular order.
  void for_each(Xapian::valueno slot, const std::function<void(const std::string&, Xapian::doccount)>& f) const;

 private:
  class LocalSpy;
  class ColumnSpy;
  std::vector<Xapian::valueno> slots_;
  std::unique_ptr<ColumnSpy> columns_;
  std::unique_ptr<LocalSpy> local_;
  std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> remote_;
};

}  // namespace incidex
